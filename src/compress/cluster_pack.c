/* Packed cluster indices and the lookup dense layer.
 *
 * 4-bit layout: two indices per byte, element j of a row in byte j / 2, low
 * nibble for even j; each row starts on a byte boundary (stride (cols+1)/2).
 * The lookup kernel decodes the index, reads the centroid and accumulates in
 * i order from 0 (then adds the bias), the order of the reference dense
 * layer, so it is bit-identical to the dense layer with dequantized weights;
 * four rows advance in lockstep for instruction-level parallelism. */
#include <string.h>

#include "edgeopt/compress.h"

_Static_assert(sizeof(uint8_t) == 1, "packed indices assume 8-bit bytes");

static size_t row_stride(int32_t cols, int bits)
{
    return bits == 4 ? ((size_t)cols + 1) / 2 : (size_t)cols;
}

size_t eo_cluster_packed_size(int32_t rows, int32_t cols, int bits)
{
    if (rows < 1 || cols < 1 || (bits != 4 && bits != 8)) return 0;
    size_t n;
    return eo_size_mul((size_t)rows, row_stride(cols, bits), &n) ? n : 0;
}

static inline uint8_t get_idx(const uint8_t *row, int32_t j, int bits)
{
    return bits == 8 ? row[j] : (uint8_t)((row[j >> 1] >> ((j & 1) * 4)) & 15);
}

int eo_cluster_pack(const uint8_t *idx, int32_t rows, int32_t cols, int bits, uint8_t *packed)
{
    size_t sz = eo_cluster_packed_size(rows, cols, bits);
    if (!idx || !packed || sz == 0) return EO_ERR_INVALID;
    size_t n = (size_t)rows * (size_t)cols;
    if (bits == 8) {
        memcpy(packed, idx, n);
        return EO_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (idx[i] > 15) return EO_ERR_RANGE;
    memset(packed, 0, sz);
    const size_t st = row_stride(cols, bits);
    for (int32_t r = 0; r < rows; r++)
        for (int32_t j = 0; j < cols; j++)
            packed[(size_t)r * st + (size_t)(j >> 1)] |=
                (uint8_t)(idx[(size_t)r * (size_t)cols + (size_t)j] << ((j & 1) * 4));
    return EO_OK;
}

int eo_cluster_unpack(const uint8_t *packed, int32_t rows, int32_t cols, int bits, uint8_t *idx)
{
    if (!idx || !packed || eo_cluster_packed_size(rows, cols, bits) == 0) return EO_ERR_INVALID;
    const size_t st = row_stride(cols, bits);
    for (int32_t r = 0; r < rows; r++)
        for (int32_t j = 0; j < cols; j++)
            idx[(size_t)r * (size_t)cols + (size_t)j] = get_idx(packed + (size_t)r * st, j, bits);
    return EO_OK;
}

/* Every index must address the codebook. */
static int check_indices(const uint8_t *packed, int32_t rows, int32_t cols, int bits, int k)
{
    if (k >= (1 << bits)) return EO_OK;
    const size_t st = row_stride(cols, bits);
    for (int32_t r = 0; r < rows; r++)
        for (int32_t j = 0; j < cols; j++)
            if (get_idx(packed + (size_t)r * st, j, bits) >= k) return EO_ERR_RANGE;
    return EO_OK;
}

int eo_cluster_dequantize(const float *codebook, int k, const uint8_t *packed, int32_t rows,
                          int32_t cols, int bits, float *w)
{
    if (!codebook || !w || !packed || k < 1 || k > 256 ||
        eo_cluster_packed_size(rows, cols, bits) == 0)
        return EO_ERR_INVALID;
    int rc = check_indices(packed, rows, cols, bits, k);
    if (rc) return rc;
    const size_t st = row_stride(cols, bits);
    for (int32_t r = 0; r < rows; r++)
        for (int32_t j = 0; j < cols; j++)
            w[(size_t)r * (size_t)cols + (size_t)j] = codebook[get_idx(packed + (size_t)r * st, j, bits)];
    return EO_OK;
}

int eo_cluster_fc(const float *codebook, int k, const uint8_t *packed, int32_t rows,
                  int32_t cols, int bits, int32_t batch, const float *x, const float *bias,
                  float *y)
{
    if (!codebook || !packed || !x || !y || k < 1 || k > 256 || batch < 1 ||
        eo_cluster_packed_size(rows, cols, bits) == 0)
        return EO_ERR_INVALID;
    int rc = check_indices(packed, rows, cols, bits, k);
    if (rc) return rc;
    const size_t st = row_stride(cols, bits);
    for (int32_t b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * (size_t)cols;
        float *yb = y + (size_t)b * (size_t)rows;
        int32_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const uint8_t *p0 = packed + (size_t)r * st, *p1 = p0 + st, *p2 = p1 + st, *p3 = p2 + st;
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
            if (bits == 8) {
                for (int32_t j = 0; j < cols; j++) {
                    a0 += codebook[p0[j]] * xb[j];
                    a1 += codebook[p1[j]] * xb[j];
                    a2 += codebook[p2[j]] * xb[j];
                    a3 += codebook[p3[j]] * xb[j];
                }
            } else {
                /* one byte (two columns) per step, low nibble first */
                const int32_t pairs = cols / 2;
                for (int32_t h = 0; h < pairs; h++) {
                    const float x0 = xb[2 * h], x1 = xb[2 * h + 1];
                    a0 += codebook[p0[h] & 15] * x0;
                    a1 += codebook[p1[h] & 15] * x0;
                    a2 += codebook[p2[h] & 15] * x0;
                    a3 += codebook[p3[h] & 15] * x0;
                    a0 += codebook[p0[h] >> 4] * x1;
                    a1 += codebook[p1[h] >> 4] * x1;
                    a2 += codebook[p2[h] >> 4] * x1;
                    a3 += codebook[p3[h] >> 4] * x1;
                }
                if (cols & 1) {
                    const float xl = xb[cols - 1];
                    a0 += codebook[p0[pairs] & 15] * xl;
                    a1 += codebook[p1[pairs] & 15] * xl;
                    a2 += codebook[p2[pairs] & 15] * xl;
                    a3 += codebook[p3[pairs] & 15] * xl;
                }
            }
            yb[r] = bias ? a0 + bias[r] : a0;
            yb[r + 1] = bias ? a1 + bias[r + 1] : a1;
            yb[r + 2] = bias ? a2 + bias[r + 2] : a2;
            yb[r + 3] = bias ? a3 + bias[r + 3] : a3;
        }
        for (; r < rows; r++) {
            const uint8_t *pr = packed + (size_t)r * st;
            float a = 0.0f;
            for (int32_t j = 0; j < cols; j++) a += codebook[get_idx(pr, j, bits)] * xb[j];
            yb[r] = bias ? a + bias[r] : a;
        }
    }
    return EO_OK;
}
