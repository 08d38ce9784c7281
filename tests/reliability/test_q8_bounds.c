/* int8 requantization at its bounds, against an exact reference written here
 * from the contract in edgeopt/qref.h (not from the code under test):
 *   mulq(x, m, s)  = RDIVPOT(SRDHM(sat32(x * 2^max(s,0)), m), max(-s,0))
 *   SRDHM(a, b)    = floor(a b / 2^31 + 1/2), INT32_MAX for a = b = INT32_MIN
 *   RDIVPOT(x, e)  = x / 2^e rounded to nearest, ties away from zero
 *   requant        = clamp(mulq + out_zp, act_min, act_max)
 * The reference uses only int64 arithmetic on values it can hold exactly.
 *
 * Covered: every shift -31..30 (each left shift up to the saturating ones and
 * each right shift down to 31), accumulators at INT32_MIN, INT32_MAX, 0, +-1
 * and at exact rounding ties (+-2^k, +-3*2^(k-1)) for every k, multipliers at
 * 0, 1, 2^30, 2^30 + 1, INT32_MAX, -1, INT32_MIN; zero points -128/0/127 with
 * the full, ReLU and single-value clamps. Then the same corners through the
 * FC kernel on every path this CPU has (fan-in 1, so acc = bias + (x - zp) w
 * reaches +-(2^30 + 255 * 128)), per tensor and per channel, compared with
 * the exact reference (test_q8_avx2.c only compares the paths with each
 * other; test_q8_ref.c uses Python vectors at 12 of the 62 shifts). */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/qkernels.h"
#include "edgeopt/qref.h"

/* floor(n / 2^k) for int64 n, 0 <= k <= 62. */
static int64_t floor_pow2(int64_t n, int k)
{
    int64_t d = INT64_C(1) << k;
    int64_t q = n / d, r = n % d;
    return r < 0 ? q - 1 : q;
}

static int32_t ref_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b; /* |ab| <= 2^62 */
    return (int32_t)floor_pow2(ab + (INT64_C(1) << 30), 31);
}

static int32_t ref_rdivpot(int32_t x, int e)
{
    if (e == 0) return x;
    int64_t ax = x < 0 ? -(int64_t)x : x;
    int64_t q = (ax + (INT64_C(1) << (e - 1))) >> e; /* ties away from zero on |x| */
    return (int32_t)(x < 0 ? -q : q);
}

static int32_t ref_mulq(int32_t x, int32_t m, int s)
{
    int64_t xs = x;
    for (int i = 0; i < (s > 0 ? s : 0); i++) { /* saturate as we go: never beyond int64 */
        xs *= 2;
        if (xs > INT32_MAX) xs = INT32_MAX;
        if (xs < INT32_MIN) xs = INT32_MIN;
    }
    return ref_rdivpot(ref_srdhm((int32_t)xs, m), s < 0 ? -s : 0);
}

static int8_t ref_requant(int32_t acc, int32_t m, int s, int32_t zp, int32_t lo, int32_t hi)
{
    int64_t v = (int64_t)ref_mulq(acc, m, s) + zp;
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* Accumulators: the extremes, small values, and exact ties of every shift. */
static size_t make_accs(int32_t *a)
{
    size_t n = 0;
    const int32_t fixed[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX,
                             EO_Q8_BIAS_LIMIT + 255 * 128, -(EO_Q8_BIAS_LIMIT + 255 * 128)};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) a[n++] = fixed[i];
    for (int k = 1; k <= 30; k++) {
        int32_t p = INT32_C(1) << k, h = INT32_C(1) << (k - 1);
        a[n++] = p;
        a[n++] = -p;
        a[n++] = p + h; /* 1.5 * 2^k: a tie for a right shift by k */
        a[n++] = -(p + h);
        a[n++] = h + 1;
        a[n++] = -(h + 1);
    }
    return n;
}

static void test_requant_every_shift(void **state)
{
    (void)state;
    int32_t accs[9 + 6 * 30];
    size_t na = make_accs(accs);
    const int32_t mults[] = {0, 1, INT32_C(1) << 30, (INT32_C(1) << 30) + 1, 1518500250, INT32_MAX, -1, INT32_MIN};
    long checked = 0;
    for (int s = -31; s <= 30; s++)
        for (size_t mi = 0; mi < sizeof mults / sizeof mults[0]; mi++)
            for (size_t ai = 0; ai < na; ai++) {
                int32_t x = accs[ai], m = mults[mi];
                int32_t want = ref_mulq(x, m, s), got = eo_q8_mulq(x, m, s);
                if (got != want) fail_msg("mulq(%d, %d, %d) = %d, exact %d", x, m, s, got, want);
                checked++;
            }
    /* The three pieces on their own, at their bounds. */
    for (int e = 0; e <= 31; e++)
        for (size_t ai = 0; ai < na; ai++)
            if (eo_q8_rdivpot(accs[ai], e) != ref_rdivpot(accs[ai], e))
                fail_msg("rdivpot(%d, %d) = %d, exact %d", accs[ai], e, eo_q8_rdivpot(accs[ai], e),
                         ref_rdivpot(accs[ai], e));
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < na; j++)
            if (eo_q8_srdhm(accs[i], accs[j]) != ref_srdhm(accs[i], accs[j]))
                fail_msg("srdhm(%d, %d) = %d, exact %d", accs[i], accs[j], eo_q8_srdhm(accs[i], accs[j]),
                         ref_srdhm(accs[i], accs[j]));
    assert_true(checked == 62L * 8 * (long)na);
    /* Saturation of the left shift is reached and does not wrap: the
     * largest accumulator shifted left by 30 with M ~ 1 clamps to 127. */
    assert_int_equal(eo_q8_requant(INT32_MAX, INT32_MAX, 30, 0, -128, 127), 127);
    assert_int_equal(eo_q8_requant(INT32_MIN, INT32_MAX, 30, 0, -128, 127), -128);
    assert_int_equal(eo_q8_requant(INT32_MIN, INT32_MIN, 30, 0, -128, 127), 127); /* (-1)(-1) saturates up */
}

static void test_requant_clamps(void **state)
{
    (void)state;
    int32_t accs[9 + 6 * 30];
    size_t na = make_accs(accs);
    const int32_t zps[] = {-128, 0, 127};
    const int32_t shifts[] = {-31, -20, -1, 0, 1, 30};
    for (size_t zi = 0; zi < 3; zi++) {
        int32_t zp = zps[zi];
        /* full range, ReLU (zero point up), a single value at each end */
        const int32_t lo[] = {-128, zp, -128, 127}, hi[] = {127, 127, -128, 127};
        for (int c = 0; c < 4; c++)
            for (size_t si = 0; si < sizeof shifts / sizeof shifts[0]; si++)
                for (size_t ai = 0; ai < na; ai++) {
                    int8_t want = ref_requant(accs[ai], 1518500250, shifts[si], zp, lo[c], hi[c]);
                    int8_t got = eo_q8_requant(accs[ai], 1518500250, shifts[si], zp, lo[c], hi[c]);
                    if (got != want)
                        fail_msg("requant(%d, s %d, zp %d, [%d, %d]) = %d, exact %d", accs[ai], shifts[si], zp,
                                 lo[c], hi[c], got, want);
                }
    }
}

/* The FC kernel of every available path at the accumulator extremes. */
static void test_fc_kernel_bounds(void **state)
{
    (void)state;
    enum { O = 16, B = 3 };
    const eo_q8_ops *paths[2] = {eo_q8_ops_get(EO_Q8_PATH_REF), eo_q8_ops_get(EO_Q8_PATH_AVX2)};
    assert_non_null(paths[0]);
    const int32_t mults[] = {0, INT32_C(1) << 30, (INT32_C(1) << 30) + 1, 1518500250, INT32_MAX};
    const int32_t biases[] = {EO_Q8_BIAS_LIMIT, -EO_Q8_BIAS_LIMIT, 0, 1, -1};
    const int8_t x[B] = {-128, 127, 0};
    const int8_t wv[4] = {-128, -127, 127, 1};
    const int32_t in_zp = 127; /* x - zp = -255, 0, -127 */
    int8_t w[O], y[B * O];
    int32_t bias[O], m[O], s[O];
    long compared = 0;
    for (int sh = -31; sh <= 30; sh++)
        for (size_t mi = 0; mi < sizeof mults / sizeof mults[0]; mi++)
            for (int zo = -128; zo <= 127; zo += 255) {
                for (int o = 0; o < O; o++) {
                    w[o] = wv[o % 4];
                    bias[o] = biases[o % 5];
                    m[o] = mults[(mi + (size_t)o) % 5]; /* per channel: a mix; per tensor: m[0] */
                    s[o] = o % 2 ? sh : -31 + (sh + 31 + o) % 62;
                }
                for (int pc = 0; pc < 2; pc++) {
                    const int32_t lo = pc ? zo : -128; /* ReLU clamp on the per-channel run */
                    eo_q8_params p = {in_zp, zo, lo, 127, pc ? O : 1, m, s};
                    for (int k = 0; k < 2; k++) {
                        if (!paths[k]) continue;
                        memset(y, 0x55, sizeof y);
                        assert_int_equal(paths[k]->fc(&p, B, 1, O, x, w, bias, y), EO_OK);
                        for (int b = 0; b < B; b++)
                            for (int o = 0; o < O; o++) {
                                int32_t acc = bias[o] + ((int32_t)x[b] - in_zp) * w[o];
                                int c = pc ? o : 0;
                                int8_t want = ref_requant(acc, m[c], s[c], zo, lo, 127);
                                if (y[b * O + o] != want)
                                    fail_msg("%s fc: acc %d mult %d shift %d zp %d -> %d, exact %d",
                                             paths[k]->name, acc, m[c], s[c], zo, y[b * O + o], want);
                                compared++;
                            }
                    }
                }
            }
    assert_true(compared >= 62L * 5 * 2 * 2 * B * O);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requant_every_shift),
        cmocka_unit_test(test_requant_clamps),
        cmocka_unit_test(test_fc_kernel_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
