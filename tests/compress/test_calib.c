/* Calibration against independent references: exact empirical quantiles of
 * the samples (by sorting), brute-force sample MSE over clipping ranges, and
 * the histogram's exactness under range doubling; plus the weight error
 * report against direct computation. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Empirical quantile (the order statistic at q * n). */
static double emp_quantile(const float *sorted, size_t n, double q)
{
    double pos = q * (double)n;
    size_t i = pos <= 1.0 ? 0 : (size_t)(pos - 1.0);
    if (i >= n) i = n - 1;
    return sorted[i];
}

/* Sample MSE of int8 quantization with the parameters of [lo, hi]. */
static double sample_mse(const float *x, size_t n, double lo, double hi)
{
    eo_q8_qparam q;
    assert_int_equal(eo_q8_choose_params(lo, hi, &q), EO_OK);
    double se = 0.0;
    for (size_t i = 0; i < n; i++) {
        int8_t v;
        float back;
        assert_int_equal(eo_q8_quantize_ref(1, &x[i], q.scale, q.zero_point, &v), EO_OK);
        assert_int_equal(eo_q8_dequantize_ref(1, &v, q.scale, q.zero_point, &back), EO_OK);
        se += ((double)x[i] - back) * ((double)x[i] - back);
    }
    return se / (double)n;
}

static void test_params_and_names(void **state)
{
    (void)state;
    eo_calib_params p = eo_calib_defaults();
    assert_null(eo_calib_params_check(&p));
    p.bins = 63;
    assert_non_null(eo_calib_params_check(&p));
    p = eo_calib_defaults();
    p.percentile = 40;
    assert_non_null(eo_calib_params_check(&p));
    eo_calib *c = (eo_calib *)1;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_ERR_INVALID);
    assert_null(c);
    eo_calib_method m;
    assert_int_equal(eo_calib_method_from_name("mse", &m), EO_OK);
    assert_int_equal(m, EO_CALIB_MSE);
    assert_string_equal(eo_calib_method_name(EO_CALIB_PERCENTILE), "percentile");
    assert_int_equal(eo_calib_method_from_name("kl", &m), EO_ERR_NOT_FOUND);
}

/* Percentile on a uniform sample, streamed in batches whose ranges force
 * the histogram to grow both ways. */
static void test_percentile_uniform(void **state)
{
    (void)state;
    enum { N = 200000 };
    static float x[N], s[N];
    eo_rng r;
    eo_rng_seed(&r, 7);
    for (int i = 0; i < N; i++) x[i] = (float)(-2.0 + 5.0 * eo_rng_uniform(&r)); /* U(-2, 3) */
    eo_calib_params p = eo_calib_defaults();
    p.method = EO_CALIB_PERCENTILE;
    p.percentile = 99.0;
    eo_calib *c;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    double lo, hi;
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_ERR_STATE);
    /* first batch: a narrow middle slice, then the rest */
    float first[3] = {0.1f, 0.2f, 0.15f};
    assert_int_equal(eo_calib_observe(c, first, 3), EO_OK);
    for (int b = 0; b < N; b += 10000) assert_int_equal(eo_calib_observe(c, x + b, 10000), EO_OK);
    assert_int_equal(eo_calib_count(c), N + 3);
    memcpy(s, x, sizeof x);
    s[0] = first[0]; /* not needed for the quantiles at this precision */
    qsort(s, N, sizeof(float), cmp_float);
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    /* histogram resolution: 2048 bins over a range <= 2 * 5.6 */
    EO_ASSERT_CLOSE(hi, emp_quantile(s, N, 0.99), 0, 0.01);
    EO_ASSERT_CLOSE(lo, emp_quantile(s, N, 0.01), 0, 0.01);
    EO_ASSERT_CLOSE(hi, 2.95, 0, 0.02); /* and the population quantile */
    EO_ASSERT_CLOSE(lo, -1.95, 0, 0.02);
    /* min/max are exact */
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_MINMAX, 0, &lo, &hi), EO_OK);
    assert_true(lo == s[0] && hi == s[N - 1]);
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_PERCENTILE, 100.0, &lo, &hi), EO_OK);
    EO_ASSERT_CLOSE(hi, s[N - 1], 0, 1e-9);
    eo_q8_qparam q;
    assert_int_equal(eo_calib_qparams(c, &q), EO_OK);
    float nan = NAN;
    assert_int_equal(eo_calib_observe(c, &nan, 1), EO_ERR_NUMERIC);
    assert_int_equal(eo_calib_count(c), N + 3);
    eo_calib_destroy(c);
}

/* MSE on a heavy-tailed (Laplace) sample: the chosen range clips the thin
 * tails, beats min/max on the sample's own quantization error, and is (near)
 * the brute-force minimizer of that error. With a few extreme outliers the
 * squared clipping error of the outliers dominates, and the method must
 * still never do worse than min/max. */
static void test_mse_heavy_tail(void **state)
{
    (void)state;
    enum { N = 100000 };
    static float x[N];
    eo_rng r;
    eo_rng_seed(&r, 8);
    for (int i = 0; i < N; i++) {
        double v = -log(1.0 - eo_rng_uniform(&r));
        x[i] = (float)(eo_rng_below(&r, 2) ? v : -v);
    }
    eo_calib_params p = eo_calib_defaults();
    p.method = EO_CALIB_MSE;
    eo_calib *c;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    assert_int_equal(eo_calib_observe(c, x, N), EO_OK);
    double lo, hi, mlo, mhi;
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_MINMAX, 0, &mlo, &mhi), EO_OK);
    assert_true(hi < 0.95 * mhi && lo > 0.95 * mlo); /* tails clipped */
    double e_mse = sample_mse(x, N, lo, hi), e_mm = sample_mse(x, N, mlo, mhi);
    assert_true(e_mse < e_mm);
    double best = INFINITY;
    for (double a = 4.0; a <= 14.0; a += 0.1) {
        double e = sample_mse(x, N, -a, a);
        if (e < best) best = e;
    }
    if (!(e_mse <= best * 1.05))
        fail_msg("mse range [%g, %g]: sample mse %g, brute force %g", lo, hi, e_mse, best);
    /* the histogram objective agrees with the sample MSE */
    double ex;
    assert_int_equal(eo_calib_expected_mse(c, lo, hi, &ex), EO_OK);
    EO_ASSERT_CLOSE(ex, e_mse, 0.15, 0);
    assert_int_equal(eo_calib_expected_mse(c, mlo, mhi, &ex), EO_OK);
    EO_ASSERT_CLOSE(ex, e_mm, 0.15, 0);
    eo_calib_destroy(c);

    /* extreme outliers: percentile clips them, MSE is never worse than min/max */
    x[100] = 60.0f;
    x[200] = -45.0f;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    assert_int_equal(eo_calib_observe(c, x, N), EO_OK);
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_MINMAX, 0, &mlo, &mhi), EO_OK);
    assert_true(sample_mse(x, N, lo, hi) <= sample_mse(x, N, mlo, mhi) * (1 + 1e-9));
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_PERCENTILE, 99.99, &lo, &hi), EO_OK);
    assert_true(hi < 15.0 && lo > -15.0);
    eo_calib_destroy(c);
}

/* MSE on a uniform distribution has nothing to clip: the range stays near
 * [min, max]; on non-negative data (post-ReLU) it starts at 0. */
static void test_mse_uniform_and_relu(void **state)
{
    (void)state;
    enum { N = 30000 };
    static float x[N];
    eo_rng r;
    eo_rng_seed(&r, 9);
    for (int i = 0; i < N; i++) x[i] = (float)(-1.0 + 2.0 * eo_rng_uniform(&r));
    eo_calib_params p = eo_calib_defaults();
    p.method = EO_CALIB_MSE;
    eo_calib *c;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    assert_int_equal(eo_calib_observe(c, x, N), EO_OK);
    double lo, hi;
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    assert_true(hi > 0.97 && lo < -0.97);
    eo_calib_destroy(c);

    for (int i = 0; i < N; i++) {
        double v = eo_rng_normal(&r);
        x[i] = (float)(v > 0 ? v : 0.0);
    }
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    assert_int_equal(eo_calib_observe(c, x, N), EO_OK);
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    double mlo, mhi;
    assert_int_equal(eo_calib_range_by(c, EO_CALIB_MINMAX, 0, &mlo, &mhi), EO_OK);
    assert_true(lo == 0.0);
    assert_true(hi > 0.8 * mhi && hi <= mhi);
    eo_q8_qparam q;
    assert_int_equal(eo_calib_qparams(c, &q), EO_OK);
    assert_int_equal(q.zero_point, -128);
    eo_calib_destroy(c);

    /* a constant input */
    float k[5] = {3, 3, 3, 3, 3};
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    assert_int_equal(eo_calib_observe(c, k, 5), EO_OK);
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    assert_true(lo <= 3.0 && hi >= 3.0 - 1e-9);
    eo_calib_destroy(c);
}

/* Growing the range merges bins exactly: the histogram after many doublings
 * gives the same quantiles as one built with the final range from the start
 * (up to one final-bin width). */
static void test_histogram_growth(void **state)
{
    (void)state;
    eo_calib_params p = eo_calib_defaults();
    p.method = EO_CALIB_PERCENTILE;
    p.percentile = 90;
    p.bins = 64;
    eo_calib *c;
    assert_int_equal(eo_calib_create(&p, NULL, &c), EO_OK);
    float v = 0.0f;
    assert_int_equal(eo_calib_observe(c, &v, 1), EO_OK); /* tiny initial range around 0 */
    float xs[1000];
    for (int i = 0; i < 1000; i++) xs[i] = (float)(i - 500) * 0.01f; /* -5 .. 4.99 */
    assert_int_equal(eo_calib_observe(c, xs, 1000), EO_OK);
    double lo, hi;
    assert_int_equal(eo_calib_range(c, &lo, &hi), EO_OK);
    /* 90% quantile of 1001 evenly spaced values -> about 4.0; bins here are
     * at most 2 * 10 / 64 wide */
    EO_ASSERT_CLOSE(hi, 4.0, 0, 0.32);
    EO_ASSERT_CLOSE(lo, -4.0, 0, 0.32);
    eo_calib_destroy(c);
}

static void test_weight_error(void **state)
{
    (void)state;
    enum { R = 6, C = 50 };
    float w[R * C], dq[R * C], sc[R];
    int8_t q[R * C];
    eo_rng r;
    eo_rng_seed(&r, 10);
    for (int i = 0; i < R * C; i++) w[i] = (float)(eo_rng_normal(&r) * (1 + i / C));
    for (int i = 0; i < C; i++) w[3 * C + i] *= 1e-3f; /* a channel with a tiny range */
    w[3 * C] = 5.0f;                                   /* and an outlier in it */
    for (int pc = 0; pc < 2; pc++) {
        eo_qerr e, d;
        assert_int_equal(eo_q8_weight_error(w, R, C, pc, &e), EO_OK);
        /* against the quantizer itself plus the generic comparison */
        assert_int_equal(eo_q8_quantize_weights(w, R, C, pc, q, sc), EO_OK);
        for (int i = 0; i < R * C; i++) dq[i] = q[i] * sc[pc ? i / C : 0];
        assert_int_equal(eo_quant_error(w, dq, R * C, &d), EO_OK);
        EO_ASSERT_CLOSE(e.mse, d.mse, 1e-12, 0);
        EO_ASSERT_CLOSE(e.max_abs, d.max_abs, 1e-12, 0);
        EO_ASSERT_CLOSE(e.sqnr_db, d.sqnr_db, 1e-9, 0);
        /* direct SQNR */
        double ss = 0, se = 0;
        for (int i = 0; i < R * C; i++) {
            ss += (double)w[i] * w[i];
            se += ((double)w[i] - dq[i]) * ((double)w[i] - dq[i]);
        }
        EO_ASSERT_CLOSE(e.sqnr_db, 10 * log10(ss / se), 1e-9, 0);
        /* the worst channel is the row with the lowest SQNR */
        double wdb = INFINITY;
        int wr = -1;
        for (int rr = 0; rr < R; rr++) {
            double a = 0, b = 0;
            for (int i = rr * C; i < (rr + 1) * C; i++) {
                a += (double)w[i] * w[i];
                b += ((double)w[i] - dq[i]) * ((double)w[i] - dq[i]);
            }
            if (10 * log10(a / b) < wdb) {
                wdb = 10 * log10(a / b);
                wr = rr;
            }
        }
        assert_int_equal(e.worst_channel, wr);
        EO_ASSERT_CLOSE(e.worst_channel_sqnr_db, wdb, 1e-9, 0);
        /* max error is at most half a step of the coarsest scale */
        double smax = 0;
        for (int i = 0; i < (pc ? R : 1); i++) smax = sc[i] > smax ? sc[i] : smax;
        assert_true(e.max_abs <= smax * 0.5 * (1 + 1e-6));
    }
    /* 8-bit per-channel SQNR on a Gaussian layer is about 40 dB or more */
    eo_qerr e;
    assert_int_equal(eo_q8_weight_error(w, 3, C, 1, &e), EO_OK);
    assert_true(e.sqnr_db > 30.0);
    assert_int_equal(eo_quant_error(w, w, 10, &e), EO_OK);
    assert_true(isinf(e.sqnr_db) && e.sqnr_db > 0 && e.max_abs == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_and_names),
        cmocka_unit_test(test_percentile_uniform),
        cmocka_unit_test(test_mse_heavy_tail),
        cmocka_unit_test(test_mse_uniform_and_relu),
        cmocka_unit_test(test_histogram_growth),
        cmocka_unit_test(test_weight_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
