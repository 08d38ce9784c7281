/* CSR: round trips with the dense matrix, and the sparse dense-layer kernel
 * equal (bit for bit, for finite inputs) to the reference dense layer
 * eo_sgemm_ref + bias at batch sizes 1, 5, 16, 37. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress.h"
#include "edgeopt/kernels.h"

static void dense_ref(const float *w, int rows, int cols, int batch, const float *x,
                      const float *bias, float *y)
{
    /* y [batch][rows] = x [batch][cols] * w^T */
    eo_sgemm_ref(EO_NOTRANS, EO_TRANS, batch, rows, cols, 1.0f, x, cols, w, cols, 0.0f, y, rows);
    if (bias)
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < rows; r++) y[b * rows + r] += bias[r];
}

static void test_csr_fc(void **state)
{
    (void)state;
    enum { R = 23, C = 61, BMAX = 37 };
    static float w[R * C], w2[R * C], x[BMAX * C], bias[R], y0[BMAX * R], y1[BMAX * R];
    static int32_t rp[R + 1], col[R * C];
    static float val[R * C], work[C * 16];
    eo_rng r;
    eo_rng_seed(&r, 4);
    const double dens[] = {0.0, 0.05, 0.3, 0.9, 1.0};
    for (size_t d = 0; d < sizeof dens / sizeof dens[0]; d++) {
        for (int i = 0; i < R * C; i++)
            w[i] = eo_rng_uniform(&r) < dens[d] ? (float)eo_rng_normal(&r) : 0.0f;
        for (int i = 0; i < R; i++) bias[i] = (float)eo_rng_normal(&r);
        for (int i = 0; i < BMAX * C; i++) x[i] = (float)eo_rng_normal(&r);
        int32_t nnz;
        assert_int_equal(eo_csr_count(w, R, C, &nnz), EO_OK);
        eo_csr m = {0, 0, 0, rp, col, val, R * C};
        assert_int_equal(eo_csr_from_dense(w, R, C, &m), EO_OK);
        assert_int_equal(m.nnz, nnz);
        assert_int_equal(eo_csr_to_dense(&m, w2), EO_OK);
        assert_memory_equal(w, w2, sizeof w);
        const int batches[] = {1, 5, 16, 37};
        for (int bi = 0; bi < 4; bi++) {
            int B = batches[bi];
            assert_true(eo_csr_workspace_size(C, B) <= C * 16);
            for (int wb = 0; wb < 2; wb++) {
                const float *bs = wb ? bias : NULL;
                dense_ref(w, R, C, B, x, bs, y0);
                assert_int_equal(eo_csr_fc(&m, B, x, bs, y1, work), EO_OK);
                for (int i = 0; i < B * R; i++)
                    if (y0[i] != y1[i])
                        fail_msg("density %g batch %d: y[%d] = %.9g, dense %.9g", dens[d], B, i,
                                 y1[i], y0[i]);
            }
        }
    }
}

static void test_csr_errors(void **state)
{
    (void)state;
    float w[6] = {1, 0, 2, 0, 0, 3}, x[3] = {1, 2, 3}, y[2];
    int32_t rp[3], col[3];
    float val[3];
    eo_csr m = {0, 0, 0, rp, col, val, 2};
    assert_int_equal(eo_csr_from_dense(w, 2, 3, &m), EO_ERR_RANGE); /* capacity 2 < 3 */
    m.capacity = 3;
    assert_int_equal(eo_csr_from_dense(w, 2, 3, &m), EO_OK);
    assert_int_equal(eo_csr_fc(&m, 1, x, NULL, y, NULL), EO_OK);
    assert_true(y[0] == 7.0f && y[1] == 9.0f);
    col[1] = 3; /* out of range column */
    assert_int_equal(eo_csr_fc(&m, 1, x, NULL, y, NULL), EO_ERR_INVALID);
    col[1] = 2;
    rp[1] = 5; /* inconsistent row pointers */
    assert_int_equal(eo_csr_fc(&m, 1, x, NULL, y, NULL), EO_ERR_INVALID);
    rp[1] = 2;
    assert_int_equal(eo_csr_fc(&m, 2, x, NULL, y, NULL), EO_ERR_INVALID); /* batch 2 needs work */
    assert_true(eo_csr_preferred(0.01, 1));
    assert_false(eo_csr_preferred(0.99, 128));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csr_fc),
        cmocka_unit_test(test_csr_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
