/* k-means weight clustering: monotone inertia, recovery of well-separated
 * clusters, determinism of the seed, exact pack/unpack round trips, and the
 * lookup kernel equal bit for bit to the reference dense layer over the
 * dequantized weights. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress.h"
#include "edgeopt/kernels.h"

static void *work_for(size_t n, int k, size_t *sz)
{
    *sz = eo_cluster_workspace_size(n, k);
    void *p = malloc(*sz);
    assert_non_null(p);
    return p;
}

static void test_inertia_monotone(void **state)
{
    (void)state;
    enum { N = 20000 };
    static float w[N];
    static uint8_t idx[N];
    eo_rng r;
    eo_rng_seed(&r, 5);
    for (int i = 0; i < N; i++) w[i] = (float)(eo_rng_normal(&r) * 0.05);
    const int ks[] = {16, 32, 256};
    for (int ki = 0; ki < 3; ki++)
        for (int init = 0; init < EO_CLUSTER_INIT_COUNT; init++) {
            eo_cluster_params p = eo_cluster_defaults();
            p.k = ks[ki];
            p.init = (eo_cluster_init)init;
            p.max_iter = 40;
            p.tol = 0;
            assert_null(eo_cluster_params_check(&p));
            float cb[256];
            double trace[41];
            eo_cluster_info info;
            size_t sz;
            void *work = work_for(N, p.k, &sz);
            assert_int_equal(eo_cluster_fit(&p, w, N, cb, idx, work, sz, &info, trace), EO_OK);
            assert_true(info.iters >= 1);
            for (int t = 1; t <= info.iters; t++)
                if (!(trace[t] <= trace[t - 1] * (1 + 1e-12)))
                    fail_msg("k %d init %d: inertia rose at iter %d: %g -> %g", p.k, init, t,
                             trace[t - 1], trace[t]);
            assert_true(info.inertia <= info.inertia_init);
            assert_true(info.inertia == trace[info.iters]);
            /* codebook sorted, indices valid, inertia recomputed directly */
            double in = 0;
            for (int j = 1; j < p.k; j++) assert_true(cb[j - 1] <= cb[j]);
            for (int i = 0; i < N; i++) {
                assert_true(idx[i] < p.k);
                double d = (double)w[i] - cb[idx[i]];
                in += d * d;
                /* nearest centroid (up to a tie) */
                for (int j = 0; j < p.k; j++)
                    if (fabs((double)w[i] - cb[j]) < fabs(d) * (1 - 1e-6) - 1e-12)
                        fail_msg("value %g assigned to %g, %g is nearer", w[i], cb[idx[i]], cb[j]);
            }
            EO_ASSERT_CLOSE(in, info.inertia, 1e-9, 0);
            /* more clusters, less error (SQNR grows with k) */
            free(work);
        }
}

static void test_recovery_and_seed(void **state)
{
    (void)state;
    /* 4 tight groups: k-means++ and linear init both find their means */
    enum { N = 4000 };
    static float w[N];
    static uint8_t idx[N], idx2[N];
    const float centers[4] = {-1.0f, -0.2f, 0.3f, 2.0f};
    eo_rng r;
    eo_rng_seed(&r, 6);
    double mean[4] = {0}, cnt[4] = {0};
    for (int i = 0; i < N; i++) {
        int g = (int)eo_rng_below(&r, 4);
        w[i] = centers[g] + (float)(0.01 * eo_rng_normal(&r));
        mean[g] += w[i];
        cnt[g] += 1;
    }
    for (int init = 0; init < EO_CLUSTER_INIT_COUNT; init++) {
        eo_cluster_params p = eo_cluster_defaults();
        p.k = 4;
        p.init = (eo_cluster_init)init;
        p.seed = 99;
        float cb[4], cb2[4];
        eo_cluster_info info;
        size_t sz;
        void *work = work_for(N, 4, &sz);
        assert_int_equal(eo_cluster_fit(&p, w, N, cb, idx, work, sz, &info, NULL), EO_OK);
        for (int g = 0; g < 4; g++) EO_ASSERT_CLOSE(cb[g], mean[g] / cnt[g], 1e-5, 1e-6);
        assert_int_equal(info.empty, 0);
        /* same seed, same result */
        assert_int_equal(eo_cluster_fit(&p, w, N, cb2, idx2, work, sz, NULL, NULL), EO_OK);
        assert_memory_equal(cb, cb2, sizeof cb);
        assert_memory_equal(idx, idx2, N);
        free(work);
    }
    /* fewer distinct values than clusters: duplicates, some clusters empty */
    float few[6] = {1, 1, 2, 2, 3, 3};
    uint8_t fi[6];
    float cb[8];
    eo_cluster_params p = eo_cluster_defaults();
    p.k = 8;
    eo_cluster_info info;
    size_t sz;
    void *work = work_for(6, 8, &sz);
    assert_int_equal(eo_cluster_fit(&p, few, 6, cb, fi, work, sz, &info, NULL), EO_OK);
    assert_true(info.inertia == 0.0);
    assert_true(info.empty >= 5);
    float bad = NAN;
    assert_int_equal(eo_cluster_fit(&p, &bad, 1, cb, fi, work, sz, NULL, NULL), EO_ERR_NUMERIC);
    assert_int_equal(eo_cluster_fit(&p, few, 6, cb, fi, work, sz - 8, NULL, NULL), EO_ERR_INVALID);
    p.k = 300;
    assert_non_null(eo_cluster_params_check(&p));
    free(work);
    eo_cluster_init ci;
    assert_int_equal(eo_cluster_init_from_name("linear", &ci), EO_OK);
    assert_string_equal(eo_cluster_init_name(ci), "linear");
}

static void test_pack_roundtrip(void **state)
{
    (void)state;
    enum { R = 7, C = 13 };
    uint8_t idx[R * C], back[R * C], packed[R * C];
    eo_rng r;
    eo_rng_seed(&r, 7);
    for (int bits = 4; bits <= 8; bits += 4) {
        for (int i = 0; i < R * C; i++) idx[i] = (uint8_t)eo_rng_below(&r, 1u << bits);
        size_t sz = eo_cluster_packed_size(R, C, bits);
        assert_int_equal(sz, bits == 4 ? R * 7 : R * C); /* (13 + 1) / 2 bytes per row */
        memset(packed, 0xAA, sizeof packed);
        assert_int_equal(eo_cluster_pack(idx, R, C, bits, packed), EO_OK);
        assert_int_equal(eo_cluster_unpack(packed, R, C, bits, back), EO_OK);
        assert_memory_equal(idx, back, sizeof idx);
        if (bits == 4) {
            /* the documented layout: low nibble = even column, rows byte-aligned */
            assert_int_equal(packed[0] & 15, idx[0]);
            assert_int_equal(packed[0] >> 4, idx[1]);
            assert_int_equal(packed[7] & 15, idx[C]);
            assert_int_equal(packed[6] >> 4, 0); /* odd row length: unused nibble */
        }
    }
    idx[3] = 16;
    assert_int_equal(eo_cluster_pack(idx, R, C, 4, packed), EO_ERR_RANGE);
}

static void test_lookup_equals_dense(void **state)
{
    (void)state;
    enum { R = 19, C = 45, B = 6 };
    static float w[R * C], wd[R * C], x[B * C], bias[R], y0[B * R], y1[B * R];
    static uint8_t idx[R * C], packed[R * C];
    eo_rng r;
    eo_rng_seed(&r, 8);
    for (int i = 0; i < R * C; i++) w[i] = (float)eo_rng_normal(&r);
    for (int i = 0; i < B * C; i++) x[i] = (float)eo_rng_normal(&r);
    for (int i = 0; i < R; i++) bias[i] = (float)eo_rng_normal(&r);
    const int ks[] = {16, 32, 256};
    for (int ki = 0; ki < 3; ki++) {
        int k = ks[ki], bits = k <= 16 ? 4 : 8;
        eo_cluster_params p = eo_cluster_defaults();
        p.k = k;
        float cb[256];
        size_t sz;
        void *work = work_for(R * C, k, &sz);
        assert_int_equal(eo_cluster_fit(&p, w, R * C, cb, idx, work, sz, NULL, NULL), EO_OK);
        free(work);
        assert_int_equal(eo_cluster_pack(idx, R, C, bits, packed), EO_OK);
        assert_int_equal(eo_cluster_dequantize(cb, k, packed, R, C, bits, wd), EO_OK);
        for (int i = 0; i < R * C; i++) assert_true(wd[i] == cb[idx[i]]);
        for (int wb = 0; wb < 2; wb++) {
            const float *bs = wb ? bias : NULL;
            eo_sgemm_ref(EO_NOTRANS, EO_TRANS, B, R, C, 1.0f, x, C, wd, C, 0.0f, y0, R);
            if (bs)
                for (int b = 0; b < B; b++)
                    for (int o = 0; o < R; o++) y0[b * R + o] += bs[o];
            assert_int_equal(eo_cluster_fc(cb, k, packed, R, C, bits, B, x, bs, y1), EO_OK);
            for (int i = 0; i < B * R; i++)
                if (y0[i] != y1[i]) fail_msg("k %d: y[%d] %.9g vs dense %.9g", k, i, y1[i], y0[i]);
        }
        /* quantization error shrinks as k grows */
        eo_qerr e;
        assert_int_equal(eo_quant_error(w, wd, R * C, &e), EO_OK);
        assert_true(e.sqnr_db > (k == 16 ? 15.0 : k == 32 ? 20.0 : 30.0));
    }
    /* an index beyond the codebook is refused */
    float cb[3] = {0, 1, 2};
    memset(packed, 0x33, sizeof packed);
    assert_int_equal(eo_cluster_fc(cb, 3, packed, R, C, 4, 1, x, NULL, y1), EO_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inertia_monotone),
        cmocka_unit_test(test_recovery_and_seed),
        cmocka_unit_test(test_pack_roundtrip),
        cmocka_unit_test(test_lookup_equals_dense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
