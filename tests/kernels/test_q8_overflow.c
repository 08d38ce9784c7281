/* No int32 overflow at the extremes, proved by running them.
 *
 * Claim (edgeopt/qref.h): with |x - in_zp| <= 255, |w| <= 128, fan-in K <=
 * EO_Q8_MAX_FANIN = 32768 and |bias| <= 2^30, every partial sum of the int32
 * accumulator satisfies |acc| <= 2^30 + 255 * 128 * 32768 = 2 143 289 344 <
 * 2^31 - 1. The test drives each kernel at that corner (all inputs -128 with
 * in_zp = 127, i.e. x - zp = -255; all weights +127, -127 or -128; bias at
 * +-2^30; K = 32768) on every path and compares the output with the same
 * computation done in int64, where it cannot overflow. The build's UBSan run
 * (EO_SANITIZE=ON, -fno-sanitize-recover) would abort on any signed overflow
 * inside the kernels. One more unit of fan-in or bias is rejected. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/qkernels.h"

#define K EO_Q8_MAX_FANIN

/* int64 reference of one output, and its requantization with a multiplier
 * that brings the extreme accumulator into range (M = 2^-24). */
static int8_t expect(int64_t acc64, int32_t m, int32_t s, int32_t zp)
{
    assert_true(acc64 >= INT32_MIN && acc64 <= INT32_MAX); /* the bound itself */
    return eo_q8_requant((int32_t)acc64, m, s, zp, -128, 127);
}

static void test_bound_arithmetic(void **state)
{
    (void)state;
    int64_t worst = (int64_t)EO_Q8_BIAS_LIMIT + (int64_t)255 * 128 * K;
    assert_true(worst <= INT32_MAX);
    /* and it is tight enough to matter: twice the fan-in would overflow */
    assert_true((int64_t)EO_Q8_BIAS_LIMIT + (int64_t)255 * 128 * 2 * K > INT32_MAX);
}

static void test_fc_extremes(void **state)
{
    (void)state;
    static int8_t x[2 * K], w[4 * K];
    int8_t y[8];
    int32_t m = INT32_C(1) << 30, s = -23; /* 0.5 * 2^-23 = 2^-24 */
    const int8_t wv[4] = {127, -127, -128, 127};
    const int32_t bias[4] = {EO_Q8_BIAS_LIMIT, -EO_Q8_BIAS_LIMIT, EO_Q8_BIAS_LIMIT, -EO_Q8_BIAS_LIMIT};
    memset(x, -128, K);      /* sample 0: every x - zp = -255 */
    memset(x + K, 127, K);   /* sample 1: every x - zp = 0    */
    for (int o = 0; o < 4; o++) memset(w + (size_t)o * K, wv[o], K);
    for (int path = EO_Q8_PATH_REF; path < EO_Q8_PATH_COUNT; path++) {
        const eo_q8_ops *ops = eo_q8_ops_get((eo_q8_path)path);
        if (!ops) continue;
        eo_q8_params p = {127, 0, -128, 127, 1, &m, &s};
        assert_int_equal(ops->fc(&p, 2, K, 4, x, w, bias, y), EO_OK);
        for (int o = 0; o < 4; o++) {
            int64_t acc = bias[o] + (int64_t)K * (-255) * wv[o];
            assert_int_equal(y[o], expect(acc, m, s, 0));
            assert_int_equal(y[4 + o], expect(bias[o], m, s, 0));
        }
        /* the worst accumulators (+2 143 289 344 and -2 134 933 504) did not
         * wrap: they requantize to the ends of the range */
        assert_int_equal(y[2], 127);
        assert_int_equal(y[3], -127);
        /* one more term, or one more unit of bias, is refused */
        assert_int_equal(ops->fc(&p, 1, K + 1, 1, x, w, bias, y), EO_ERR_RANGE);
        int32_t b2 = EO_Q8_BIAS_LIMIT + 1;
        assert_int_equal(ops->fc(&p, 1, K, 1, x, w, &b2, y), EO_ERR_RANGE);
    }
}

static void test_conv_extremes(void **state)
{
    (void)state;
    /* c * kh * kw = 2048 * 4 * 4 = 32768 on a 4x4 input: one output pixel per
     * filter without padding; with padding 1 the border pixels see fewer terms. */
    enum { C = 2048 };
    static int8_t x[C * 16], w[2 * C * 16], y[2 * 9];
    int32_t m = INT32_C(1) << 30, s = -23;
    memset(x, -128, sizeof x);
    memset(w, 127, C * 16);
    memset(w + C * 16, -128, C * 16);
    const int32_t bias[2] = {-EO_Q8_BIAS_LIMIT, EO_Q8_BIAS_LIMIT};
    for (int path = EO_Q8_PATH_REF; path < EO_Q8_PATH_COUNT; path++) {
        const eo_q8_ops *ops = eo_q8_ops_get((eo_q8_path)path);
        if (!ops) continue;
        eo_q8_params p = {127, 0, -128, 127, 1, &m, &s};
        eo_q8_geom g = {1, C, 4, 4, 4, 4, 1, 1, 0, 0, 0, 0};
        assert_int_equal(ops->conv2d(&p, &g, 2, x, w, bias, y), EO_OK);
        assert_int_equal(y[0], expect(bias[0] + (int64_t)K * (-255) * 127, m, s, 0));
        assert_int_equal(y[1], expect(bias[1] + (int64_t)K * (-255) * (-128), m, s, 0));
        g.c = C + 1;
        assert_int_equal(ops->conv2d(&p, &g, 2, x, w, bias, y), EO_ERR_RANGE);

        /* depthwise at the largest window: 128 x 256 = 32768 taps */
        static int8_t xd[128 * 256], wd[128 * 256];
        memset(xd, -128, sizeof xd);
        memset(wd, -128, sizeof wd);
        eo_q8_geom gd = {1, 1, 128, 256, 128, 256, 1, 1, 0, 0, 0, 0};
        assert_int_equal(ops->dwconv2d(&p, &gd, xd, wd, &bias[1], y), EO_OK);
        assert_int_equal(y[0], expect(bias[1] + (int64_t)K * (-255) * (-128), m, s, 0));
    }
}

/* Pools and GAP sum at most EO_Q8_MAX_POOL = 2^23 int8 values: |sum| <= 2^30,
 * and the rounding division's +-count/2 keeps it inside int32 (at 2^24 values
 * the sum -2^31 would fit but sum - count/2 would not). */
static void test_gap_extremes(void **state)
{
    (void)state;
    const int32_t hw = EO_Q8_MAX_POOL;
    int8_t *x = malloc((size_t)hw);
    assert_non_null(x);
    int8_t y;
    for (int path = EO_Q8_PATH_REF; path < EO_Q8_PATH_COUNT; path++) {
        const eo_q8_ops *ops = eo_q8_ops_get((eo_q8_path)path);
        if (!ops) continue;
        memset(x, -128, (size_t)hw);
        assert_int_equal(ops->gap(1, 1, hw, -128, 127, x, &y), EO_OK);
        assert_int_equal(y, -128);
        memset(x, 127, (size_t)hw);
        assert_int_equal(ops->gap(1, 1, hw, -128, 127, x, &y), EO_OK);
        assert_int_equal(y, 127);
        assert_int_equal(ops->gap(1, 1, hw + 1, -128, 127, x, &y), EO_ERR_RANGE);
    }
    free(x);
}

/* Requantization itself at the int32 extremes and the largest left shift. */
static void test_requant_extremes(void **state)
{
    (void)state;
    const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX};
    for (size_t i = 0; i < sizeof accs / sizeof accs[0]; i++) {
        /* M just below 2^31 with shift 30: the left shift saturates, the
         * output clamps, nothing wraps. */
        int8_t v = eo_q8_requant(accs[i], INT32_MAX, 30, 127, -128, 127);
        if (accs[i] > 0) assert_int_equal(v, 127);
        if (accs[i] < 0) assert_int_equal(v, -128);
        if (accs[i] == 0) assert_int_equal(v, 127);
        /* the smallest multiplier leaves only the sign's rounding */
        int32_t r = eo_q8_mulq(accs[i], INT32_C(1) << 30, -31);
        assert_true(r >= -1 && r <= 1);
    }
    assert_int_equal(eo_q8_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    assert_int_equal(eo_q8_rdivpot(INT32_MIN, 31), -1);
    assert_int_equal(eo_q8_rdivpot(INT32_MAX, 31), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_arithmetic),
        cmocka_unit_test(test_fc_extremes),
        cmocka_unit_test(test_conv_extremes),
        cmocka_unit_test(test_gap_extremes),
        cmocka_unit_test(test_requant_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
