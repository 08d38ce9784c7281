/* CSR sparse dense-layer kernel: y = x W^T + b with W stored as compressed
 * sparse rows (only its nonzeros).
 *
 * Every output is summed in column order starting from 0, then the bias is
 * added, exactly as the reference dense layer (eo_sgemm_ref followed by the
 * bias) sums it with the zero terms skipped; adding an exact +-0 never
 * changes a float sum, so for finite inputs the result equals the dense
 * reference bit for bit, at every batch size. Batch 1 walks four rows in
 * lockstep (four independent dependency chains); larger batches transpose a
 * block of 8 samples into the workspace so that each stored weight is
 * applied to 8 contiguous inputs (a vectorizable inner loop; 8 keeps the
 * block, cols x 8 floats, in L1 for layers of a few hundred inputs). */
#include <string.h>

#include "edgeopt/compress.h"

#define CSR_BLOCK 8

int eo_csr_count(const float *w, int32_t rows, int32_t cols, int32_t *nnz)
{
    if (!w || !nnz || rows < 1 || cols < 1) return EO_ERR_INVALID;
    size_t n, z = 0;
    if (!eo_size_mul((size_t)rows, (size_t)cols, &n)) return EO_ERR_RANGE;
    for (size_t i = 0; i < n; i++) z += w[i] != 0.0f;
    if (z > (size_t)INT32_MAX) return EO_ERR_RANGE;
    *nnz = (int32_t)z;
    return EO_OK;
}

int eo_csr_from_dense(const float *w, int32_t rows, int32_t cols, eo_csr *m)
{
    int32_t nnz;
    if (!m || !m->row_ptr || (m->capacity > 0 && (!m->col || !m->val))) return EO_ERR_INVALID;
    int rc = eo_csr_count(w, rows, cols, &nnz);
    if (rc) return rc;
    if (nnz > m->capacity) return EO_ERR_RANGE;
    int32_t k = 0;
    for (int32_t r = 0; r < rows; r++) {
        m->row_ptr[r] = k;
        const float *wr = w + (size_t)r * (size_t)cols;
        for (int32_t c = 0; c < cols; c++)
            if (wr[c] != 0.0f) {
                m->col[k] = c;
                m->val[k] = wr[c];
                k++;
            }
    }
    m->row_ptr[rows] = k;
    m->rows = rows;
    m->cols = cols;
    m->nnz = k;
    return EO_OK;
}

/* Structural checks so that a hand-made eo_csr cannot make the kernel read
 * out of bounds. */
static int csr_check(const eo_csr *m)
{
    if (!m || !m->row_ptr || m->rows < 1 || m->cols < 1 || m->nnz < 0) return EO_ERR_INVALID;
    if (m->nnz > 0 && (!m->col || !m->val)) return EO_ERR_INVALID;
    if (m->row_ptr[0] != 0 || m->row_ptr[m->rows] != m->nnz) return EO_ERR_INVALID;
    for (int32_t r = 0; r < m->rows; r++)
        if (m->row_ptr[r + 1] < m->row_ptr[r]) return EO_ERR_INVALID;
    for (int32_t j = 0; j < m->nnz; j++)
        if (m->col[j] < 0 || m->col[j] >= m->cols) return EO_ERR_INVALID;
    return EO_OK;
}

int eo_csr_to_dense(const eo_csr *m, float *w)
{
    int rc = csr_check(m);
    if (rc) return rc;
    if (!w) return EO_ERR_INVALID;
    memset(w, 0, (size_t)m->rows * (size_t)m->cols * sizeof(float));
    for (int32_t r = 0; r < m->rows; r++)
        for (int32_t j = m->row_ptr[r]; j < m->row_ptr[r + 1]; j++)
            w[(size_t)r * (size_t)m->cols + (size_t)m->col[j]] = m->val[j];
    return EO_OK;
}

size_t eo_csr_workspace_size(int32_t cols, int32_t batch)
{
    if (cols < 1 || batch <= 1) return 0;
    return (size_t)cols * CSR_BLOCK;
}

static void csr_fc_one(const eo_csr *m, const float *x, const float *bias, float *y)
{
    const int32_t *rp = m->row_ptr;
    int32_t r = 0;
    for (; r + 4 <= m->rows; r += 4) {
        const int32_t *c0 = m->col + rp[r], *c1 = m->col + rp[r + 1], *c2 = m->col + rp[r + 2],
                      *c3 = m->col + rp[r + 3];
        const float *v0 = m->val + rp[r], *v1 = m->val + rp[r + 1], *v2 = m->val + rp[r + 2],
                    *v3 = m->val + rp[r + 3];
        const int32_t n0 = rp[r + 1] - rp[r], n1 = rp[r + 2] - rp[r + 1],
                      n2 = rp[r + 3] - rp[r + 2], n3 = rp[r + 4] - rp[r + 3];
        int32_t common = n0 < n1 ? n0 : n1;
        if (n2 < common) common = n2;
        if (n3 < common) common = n3;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        int32_t t = 0;
        for (; t < common; t++) {
            a0 += v0[t] * x[c0[t]];
            a1 += v1[t] * x[c1[t]];
            a2 += v2[t] * x[c2[t]];
            a3 += v3[t] * x[c3[t]];
        }
        for (int32_t u = t; u < n0; u++) a0 += v0[u] * x[c0[u]];
        for (int32_t u = t; u < n1; u++) a1 += v1[u] * x[c1[u]];
        for (int32_t u = t; u < n2; u++) a2 += v2[u] * x[c2[u]];
        for (int32_t u = t; u < n3; u++) a3 += v3[u] * x[c3[u]];
        y[r] = bias ? a0 + bias[r] : a0;
        y[r + 1] = bias ? a1 + bias[r + 1] : a1;
        y[r + 2] = bias ? a2 + bias[r + 2] : a2;
        y[r + 3] = bias ? a3 + bias[r + 3] : a3;
    }
    for (; r < m->rows; r++) {
        float a = 0.0f;
        for (int32_t j = rp[r]; j < rp[r + 1]; j++) a += m->val[j] * x[m->col[j]];
        y[r] = bias ? a + bias[r] : a;
    }
}

int eo_csr_fc(const eo_csr *m, int32_t batch, const float *x, const float *bias, float *y,
              float *work)
{
    int rc = csr_check(m);
    if (rc) return rc;
    if (batch < 1 || !x || !y || (batch > 1 && !work)) return EO_ERR_INVALID;
    const size_t cols = (size_t)m->cols, rows = (size_t)m->rows;
    if (batch == 1) {
        csr_fc_one(m, x, bias, y);
        return EO_OK;
    }
    for (int32_t b0 = 0; b0 < batch; b0 += CSR_BLOCK) {
        const int32_t nb = batch - b0 < CSR_BLOCK ? batch - b0 : CSR_BLOCK;
        /* work [cols][8]: sample t of the block in lane t (unused lanes 0) */
        for (size_t c = 0; c < cols; c++)
            for (int32_t t = 0; t < CSR_BLOCK; t++)
                work[c * CSR_BLOCK + (size_t)t] = t < nb ? x[(size_t)(b0 + t) * cols + c] : 0.0f;
        for (size_t r = 0; r < rows; r++) {
            float acc[CSR_BLOCK] = {0};
            for (int32_t j = m->row_ptr[r]; j < m->row_ptr[r + 1]; j++) {
                const float v = m->val[j];
                const float *xc = work + (size_t)m->col[j] * CSR_BLOCK;
                for (int t = 0; t < CSR_BLOCK; t++) acc[t] += v * xc[t];
            }
            for (int32_t t = 0; t < nb; t++)
                y[(size_t)(b0 + t) * rows + r] = bias ? acc[t] + bias[r] : acc[t];
        }
    }
    return EO_OK;
}

int eo_csr_preferred(double density, int32_t batch)
{
    /* Crossover densities measured by bench/int8_bench against eo_sgemm
     * (bench/RESULTS.md, section "int8 and compression kernels"). */
    /* Medians of 5 runs: batch 1 ties at sparsity 0.85 and wins from 0.90,
     * batch 128 wins from 0.95; batches in between use the latter. */
    const double at_batch1 = 0.12, at_batch128 = 0.05;
    return density <= (batch <= 1 ? at_batch1 : at_batch128);
}
