/* Whole-model weight clustering and the compressed-float executor: storage
 * size, the lookup path equal to plain dense loops over the expanded weights,
 * few distinct values per layer, accuracy of the approximation, CSR path,
 * validation of raw clustered layers. */
#include <string.h>

#include "cm_util.h"
#include "edgeopt/compress_model.h"

static float *randn(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    eo_rng r;
    eo_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)eo_rng_normal(&r);
    return x;
}

/* y = W x + b with the sum in column order starting from 0, then + b: the
 * order the lookup kernel documents. */
static void naive_dense(const float *W, const float *b, int rows, int cols, const float *x, float *y)
{
    for (int r = 0; r < rows; r++) {
        float a = 0.0f;
        for (int c = 0; c < cols; c++) a += W[(size_t)r * cols + c] * x[c];
        y[r] = a + b[r];
    }
}

static void test_cluster_mlp(void **state)
{
    (void)state;
    eo_model *m = cm_model("mlp:64,32", 1, 1, 40, 5, 3);
    double errs[2] = {0, 0};
    for (int k = 16; k <= 256; k *= 16) {
        eo_cluster_params p = eo_cluster_defaults();
        p.k = k;
        eo_cmodel *c = NULL;
        eo_error e;
        eo_error_clear(&e);
        if (eo_cmodel_cluster(m, &p, &c, &e)) fail_msg("%s", e.msg);
        assert_int_equal(eo_cmodel_nclustered(c), 3);
        /* storage: codebook + packed indices per layer */
        size_t want = 0;
        const int dims[3][2] = {{64, 40}, {32, 64}, {5, 32}};
        int bits = k <= 16 ? 4 : 8;
        for (int l = 0; l < 3; l++) want += (size_t)k * 4 + eo_cluster_packed_size(dims[l][0], dims[l][1], bits);
        assert_int_equal(eo_cmodel_weight_bytes(c), want);
        size_t fbytes = (64 * 40 + 32 * 64 + 5 * 32) * 4;
        if (k == 16) assert_true(eo_cmodel_weight_bytes(c) * 6 < fbytes);
        const eo_model *dq = eo_cmodel_model(c);
        const float *P = eo_model_params_const(dq);
        /* each layer uses at most k distinct values, all from its codebook */
        for (int i = 0; i < 3; i++) {
            eo_clayer L;
            assert_int_equal(eo_cmodel_clustered(c, i, &L), EO_OK);
            size_t po;
            eo_model_layer(dq, L.layer, NULL, NULL, NULL, &po, NULL);
            for (int j = 0; j < L.rows * L.cols; j++) {
                int found = 0;
                for (int q = 0; q < L.k && !found; q++) found = P[po + (size_t)j] == L.codebook[q];
                assert_true(found);
            }
        }
        /* the executor (lookup kernel for every dense layer) equals plain loops */
        float *x = randn(8 * 40, 4);
        const float *out;
        assert_int_equal(eo_cmodel_forward(c, x, 8, &out), EO_OK);
        size_t p0, p1, p2;
        eo_model_layer(dq, 0, NULL, NULL, NULL, &p0, NULL);
        eo_model_layer(dq, 2, NULL, NULL, NULL, &p1, NULL);
        eo_model_layer(dq, 4, NULL, NULL, NULL, &p2, NULL);
        for (int b = 0; b < 8; b++) {
            float h1[64], h2[32], o[5];
            naive_dense(P + p0, P + p0 + 64 * 40, 64, 40, x + b * 40, h1);
            for (int j = 0; j < 64; j++) h1[j] = h1[j] > 0 ? h1[j] : 0;
            naive_dense(P + p1, P + p1 + 32 * 64, 32, 64, h1, h2);
            for (int j = 0; j < 32; j++) h2[j] = h2[j] > 0 ? h2[j] : 0;
            naive_dense(P + p2, P + p2 + 5 * 32, 5, 32, h2, o);
            assert_memory_equal(o, out + b * 5, sizeof o);
        }
        /* and approximates the original model (closer with more clusters) */
        const float *ref;
        assert_int_equal(eo_model_forward(m, x, 8, 0, NULL, &ref), EO_OK);
        double err = 0, big = 0;
        assert_int_equal(eo_cmodel_forward(c, x, 8, &out), EO_OK);
        for (int i = 0; i < 40; i++) {
            err = fmax(err, fabs(out[i] - ref[i]));
            big = fmax(big, fabs(ref[i]));
        }
        assert_true(err > 0);
        assert_true(err < 0.5 * big);
        errs[k == 16 ? 0 : 1] = err;
        free(x);
        eo_cmodel_destroy(c);
    }
    /* 256 clusters approximate far better than 16 */
    assert_true(errs[1] < 0.1 * errs[0]);
    eo_model_destroy(m);
}

static void test_cluster_cnn(void **state)
{
    (void)state;
    eo_model *m = cm_model("conv 4 3x3 -> batchnorm -> relu -> dwconv 3x3 -> relu -> flatten -> dense 3", 2, 7, 7, 3, 5);
    eo_cluster_params p = eo_cluster_defaults();
    p.k = 8;
    eo_cmodel *c = NULL;
    assert_int_equal(eo_cmodel_cluster(m, &p, &c, NULL), EO_OK);
    assert_int_equal(eo_cmodel_nclustered(c), 3);        /* conv, dwconv, dense */
    assert_int_equal(eo_model_nlayers(eo_cmodel_model(c)), 6); /* batch norm folded */
    float *x = randn(4 * 98, 6);
    const float *out, *ref;
    assert_int_equal(eo_cmodel_forward(c, x, 4, &out), EO_OK);
    eo_model *dq = NULL;
    assert_int_equal(eo_model_copy(eo_cmodel_model(c), &dq, NULL), EO_OK);
    assert_int_equal(eo_model_forward(dq, x, 4, 0, NULL, &ref), EO_OK);
    for (int i = 0; i < 12; i++) EO_ASSERT_CLOSE(out[i], ref[i], 1e-5, 1e-6);
    eo_model_destroy(dq);
    free(x);
    eo_cmodel_destroy(c);
    eo_model_destroy(m);
}

static void test_csr_path(void **state)
{
    (void)state;
    eo_model *m = cm_model("mlp:50", 1, 1, 30, 4, 7);
    uint8_t *keep = malloc(eo_model_nparams(m));
    assert_int_equal(eo_model_prune_mask(m, 0.9, 0, keep, NULL), EO_OK);
    eo_model_apply_keep(m, keep);
    float *x = randn(16 * 30, 8);
    const float *ref;
    assert_int_equal(eo_model_forward(m, x, 16, 0, NULL, &ref), EO_OK);
    for (int mode = 0; mode < EO_CSR_MODE_COUNT; mode++) {
        eo_cmodel *c = NULL;
        assert_int_equal(eo_cmodel_from_model(m, (eo_csr_mode)mode, &c, NULL), EO_OK);
        /* 90% sparse layers are below the batch-1 crossover density (0.3) */
        assert_int_equal(eo_cmodel_ncsr(c), mode == EO_CSR_NEVER ? 0 : 2);
        const float *out;
        assert_int_equal(eo_cmodel_forward(c, x, 16, &out), EO_OK);
        for (int i = 0; i < 64; i++) EO_ASSERT_CLOSE(out[i], ref[i], 1e-5, 1e-6);
        eo_cmodel_destroy(c);
    }
    free(x);
    free(keep);
    eo_model_destroy(m);
}

static void test_create_validates(void **state)
{
    (void)state;
    eo_model *m = cm_model("mlp:6", 1, 1, 5, 2, 9);
    float cb[4] = {-1, 0, 0.5f, 1};
    uint8_t packed[6 * 3];
    memset(packed, 0x21, sizeof packed); /* indices 1 and 2 */
    eo_clayer L = {0, 6, 5, 4, 4, cb, packed};
    eo_cmodel *c = NULL;
    assert_int_equal(eo_cmodel_create(m, &L, 1, &c, NULL), EO_OK);
    assert_float_equal(eo_model_params_const(eo_cmodel_model(c))[0], 0.0f, 0);
    assert_float_equal(eo_model_params_const(eo_cmodel_model(c))[1], 0.5f, 0);
    eo_cmodel_destroy(c);
    eo_clayer bad = L;
    packed[1] = 0x71; /* element 3 of row 0: index 7 >= k */
    assert_int_equal(eo_cmodel_create(m, &bad, 1, &c, NULL), EO_ERR_FORMAT);
    packed[1] = 0x21;
    bad.layer = 1; /* relu */
    assert_int_equal(eo_cmodel_create(m, &bad, 1, &c, NULL), EO_ERR_FORMAT);
    bad = L;
    bad.cols = 6;
    assert_int_equal(eo_cmodel_create(m, &bad, 1, &c, NULL), EO_ERR_FORMAT);
    bad = L;
    bad.k = 20; /* 4 bits hold at most 16 clusters */
    assert_int_equal(eo_cmodel_create(m, &bad, 1, &c, NULL), EO_ERR_FORMAT);
    float nan_cb[4] = {0, NAN, 1, 2};
    bad = L;
    bad.codebook = nan_cb;
    assert_int_equal(eo_cmodel_create(m, &bad, 1, &c, NULL), EO_ERR_FORMAT);
    eo_clayer two[2] = {L, L};
    assert_int_equal(eo_cmodel_create(m, two, 2, &c, NULL), EO_ERR_FORMAT);
    assert_null(c);
    eo_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_mlp),
        cmocka_unit_test(test_cluster_cnn),
        cmocka_unit_test(test_csr_path),
        cmocka_unit_test(test_create_validates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
