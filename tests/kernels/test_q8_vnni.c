/* The packed FC kernels (eo_q8_fc_pack + eo_q8_fc_packed: AVX-512 VNNI on
 * zmm, AVX-VNNI on ymm, and AVX2 with the sign trick) are bit-identical to the portable reference
 * eo_q8_fc_ref on the unpacked weights: random shapes including awkward
 * sizes (fan-ins that are not multiples of 4; outputs that are not multiples
 * of 16; every pass width 16/8/4/2/1), random zero points, multipliers,
 * shifts and clamps, weights over the whole int8 range; the accumulator
 * extremes (every x at +127 or -128 against weights all +127 or all -128 at
 * the largest fan-in, with the bias at +-2^30); the requantization corners;
 * and the VNNI path's input conversion. Each ISA is skipped, with a message,
 * when the CPU lacks it; the pack's own checks run everywhere. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/qkernels.h"
#include "kernels/q8_internal.h"

typedef struct rparams {
    int32_t mult[320], shift[320];
    eo_q8_params p;
} rparams;

static void rand_params(rparams *R, eo_rng *r, int32_t nch)
{
    int32_t n = eo_rng_below(r, 2) ? 1 : nch;
    for (int32_t i = 0; i < n; i++) {
        R->mult[i] = (int32_t)((UINT32_C(1) << 30) + eo_rng_below(r, UINT32_C(1) << 30));
        R->shift[i] = -(int32_t)eo_rng_below(r, 14) + (eo_rng_below(r, 8) == 0 ? 3 : 0);
        switch (eo_rng_below(r, 16)) { /* now and then the ends of the ranges */
        case 0: R->mult[i] = 0; break;
        case 1: R->mult[i] = INT32_MAX; break;
        case 2: R->shift[i] = -31; break;
        case 3: R->shift[i] = 30; break;
        default: break;
        }
    }
    int32_t lo = -128 + (int32_t)eo_rng_below(r, 100);
    eo_q8_params p = {(int32_t)eo_rng_below(r, 256) - 128, (int32_t)eo_rng_below(r, 256) - 128,
                      lo, lo + (int32_t)eo_rng_below(r, (uint64_t)(128 - lo)), n, R->mult, R->shift};
    R->p = p;
}

static void fill(eo_rng *r, int8_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++) a[i] = (int8_t)((int)eo_rng_below(r, 256) - 128);
}

/* Weights in -127..127 (what the quantizer makes, and what the AVX2 sign
 * trick needs), or over the whole int8 range (the AVX2 kernel's fallback). */
static void fill_w(eo_rng *r, int8_t *a, size_t n, int full)
{
    for (size_t i = 0; i < n; i++) a[i] = (int8_t)((int)eo_rng_below(r, full ? 256 : 255) - (full ? 128 : 127));
}

/* Exact-size heap copies, so that a vector load or store past the end of an
 * operand is an ASan error in the sanitized build. */
static int8_t *exact(const int8_t *src, size_t n)
{
    int8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, src, n);
    return p;
}

static const char *isa_name(int isa)
{
    return isa == EO__Q8_ISA_ZMM ? "zmm" : isa == EO__Q8_ISA_YMM ? "ymm" : "avx2";
}

static int have(int isa)
{
    if (eo__q8_cpu_has_isa(isa)) return 1;
    print_message("[  SKIP    ] %s: this CPU has no %s\n", isa_name(isa),
                  isa == EO__Q8_ISA_ZMM ? "AVX-512 F/BW/VL + VNNI" : isa == EO__Q8_ISA_YMM ? "AVX-VNNI" : "AVX2");
    return 0;
}

/* Pack w and run isa; the result must equal the reference kernel's y0. */
static void check_isa(int isa, const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                      const int8_t *x, const int8_t *w, const int32_t *bias, const int8_t *y0)
{
    size_t n = eo_q8_fc_pack_bytes(in, out);
    assert_true(n > 0 && n % 64 == 0);
    void *pack = aligned_alloc(64, n);
    assert_non_null(pack);
    memset(pack, 0x5a, n); /* the pack must not depend on the buffer's old contents */
    assert_int_equal(eo_q8_fc_pack(p, in, out, w, bias, pack, n), EO_OK);
    int8_t *xe = exact(x, (size_t)batch * (size_t)in), *ye = malloc((size_t)batch * (size_t)out);
    assert_non_null(ye);
    memset(ye, 0x33, (size_t)batch * (size_t)out);
    assert_int_equal(eo__q8_fc_packed_isa(isa, pack, batch, xe, ye), EO_OK);
    if (memcmp(y0, ye, (size_t)batch * (size_t)out))
        fail_msg("packed fc (%s) batch %d in %d out %d in_zp %d differs from the reference", isa_name(isa), batch,
                 in, out, p->in_zp);
    free(xe), free(ye), free(pack);
}

static void test_random_shapes(void **state)
{
    (void)state;
    int isas[3], nisa = 0;
    if (have(EO__Q8_ISA_ZMM)) isas[nisa++] = EO__Q8_ISA_ZMM;
    if (have(EO__Q8_ISA_YMM)) isas[nisa++] = EO__Q8_ISA_YMM;
    if (have(EO__Q8_ISA_AVX2)) isas[nisa++] = EO__Q8_ISA_AVX2;
    if (!nisa) skip();
    eo_rng r;
    eo_rng_seed(&r, 5);
    enum { MAXB = 3, MAXIN = 1100, MAXOUT = 300 };
    static int8_t x[MAXB * MAXIN], w[MAXOUT * MAXIN], y0[MAXB * MAXOUT];
    static int32_t bias[MAXOUT];
    static rparams R;
    const int32_t ins[] = {1, 2, 3, 4, 5, 17, 31, 32, 33, 64, 127, 784, 1100};
    const int32_t outs[] = {1, 7, 8, 9, 10, 15, 16, 17, 33, 64, 128, 129, 160, 256, 300};
    for (size_t t = 0; t < sizeof ins / sizeof ins[0]; t++)
        for (size_t u = 0; u < sizeof outs / sizeof outs[0]; u++) {
            int32_t in = ins[t], out = outs[u], batch = 1 + (int32_t)eo_rng_below(&r, MAXB);
            fill(&r, x, (size_t)batch * (size_t)in);
            fill_w(&r, w, (size_t)out * (size_t)in, eo_rng_below(&r, 4) == 0);
            for (int32_t o = 0; o < out; o++) /* small and, now and then, extreme biases */
                bias[o] = eo_rng_below(&r, 8) ? (int32_t)eo_rng_below(&r, 200001) - 100000
                                              : (eo_rng_below(&r, 2) ? EO_Q8_BIAS_LIMIT : -EO_Q8_BIAS_LIMIT);
            rand_params(&R, &r, out);
            const int32_t *b = eo_rng_below(&r, 4) ? bias : NULL;
            assert_int_equal(eo_q8_fc_ref(&R.p, batch, in, out, x, w, b, y0), EO_OK);
            for (int k = 0; k < nisa; k++) check_isa(isas[k], &R.p, batch, in, out, x, w, b, y0);
        }
}

/* The largest accumulators: fan-in EO_Q8_MAX_FANIN with every x at +127 or
 * -128 and in_zp at -128, 127 or 0 (x - in_zp up to +-255), against rows of
 * weights all +127, all -128 or alternating. Odd rows take the bias limit
 * +-2^30, so their sums reach +-(2^30 + 255 * 128 * 32768) and saturate the
 * output. Even rows take bias = r - dot (dot = sum (x - in_zp) w, computed
 * here in 64 bits; |dot| < 2^30 always fits the bias), so the exact
 * accumulator is the small r = 3 o - 21 and the output, at a multiplier of
 * 1, is r + out_zp: one unit of error anywhere in the huge intermediate sums of
 * the kernels changes it. */
static void test_extremes(void **state)
{
    (void)state;
    int isas[3], nisa = 0;
    if (have(EO__Q8_ISA_ZMM)) isas[nisa++] = EO__Q8_ISA_ZMM;
    if (have(EO__Q8_ISA_YMM)) isas[nisa++] = EO__Q8_ISA_YMM;
    if (have(EO__Q8_ISA_AVX2)) isas[nisa++] = EO__Q8_ISA_AVX2;
    if (!nisa) skip();
    enum { IN = EO_Q8_MAX_FANIN, OUT = 17 };
    int8_t *x = malloc(IN), *w = malloc((size_t)OUT * IN), y0[OUT];
    assert_non_null(x);
    assert_non_null(w);
    int32_t bias[OUT], mult = INT32_C(1) << 30, shift = 1; /* 2^30 * 2^1 / 2^31: times 1 */
    for (int o = 0; o < OUT; o++)
        for (int i = 0; i < IN; i++)
            w[(size_t)o * IN + (size_t)i] = o % 3 == 0 ? 127 : o % 3 == 1 ? -128 : (int8_t)(i % 2 ? 127 : -128);
    const int32_t xs[] = {127, -128};
    const int32_t zps[] = {-128, 127, 0};
    for (int wmin = -128; wmin <= -127; wmin++) /* -127: the AVX2 kernel's vector path */
    for (size_t a = 0; a < 2; a++)
        for (size_t z = 0; z < 3; z++) {
            for (int o = 0; o < OUT; o++)
                for (int i = 0; i < IN; i++)
                    if (w[(size_t)o * IN + (size_t)i] < -126) w[(size_t)o * IN + (size_t)i] = (int8_t)wmin;
            memset(x, xs[a], IN);
            int64_t maxdot = 0;
            for (int o = 0; o < OUT; o++) {
                int64_t dot = 0;
                for (int i = 0; i < IN; i++) dot += (int64_t)(xs[a] - zps[z]) * w[(size_t)o * IN + (size_t)i];
                maxdot = dot > maxdot ? dot : -dot > maxdot ? -dot : maxdot;
                assert_true(dot >= -EO_Q8_BIAS_LIMIT && dot <= EO_Q8_BIAS_LIMIT);
                bias[o] = o % 2 ? (o / 2 % 2 ? EO_Q8_BIAS_LIMIT : -EO_Q8_BIAS_LIMIT)
                                : (int32_t)(3 * o - 21 - dot); /* accumulator 3 o - 21 */
            }
            eo_q8_params p = {zps[z], 3, -128, 127, 1, &mult, &shift};
            assert_int_equal(eo_q8_fc_ref(&p, 1, IN, OUT, x, w, bias, y0), EO_OK);
            for (int o = 0; o < OUT; o += 2) /* the reference itself: accumulator 3 o - 21 */
                assert_int_equal(y0[o], eo_q8_requant(3 * o - 21, mult, shift, 3, -128, 127));
            assert_int_equal(y0[16] - y0[0], 48); /* every unit of the accumulator shows */
            if (xs[a] != zps[z]) assert_true(maxdot >= INT64_C(127) * IN); /* the sums are large */
            for (int k = 0; k < nisa; k++) check_isa(isas[k], &p, 1, IN, OUT, x, w, bias, y0);
        }
    free(x), free(w);
}

/* Requantization corners (the zmm kernel has its own 16-lane requant): fan-in
 * 1 makes acc = bias + (x - zp) w, so the accumulators reach +-(2^30 +
 * 255 * 128); every shift, the extreme multipliers, per tensor and per
 * channel, 24 outputs (one full and one partial block). */
static void test_requant_corners(void **state)
{
    (void)state;
    int isas[3], nisa = 0;
    if (have(EO__Q8_ISA_ZMM)) isas[nisa++] = EO__Q8_ISA_ZMM;
    if (have(EO__Q8_ISA_YMM)) isas[nisa++] = EO__Q8_ISA_YMM;
    if (have(EO__Q8_ISA_AVX2)) isas[nisa++] = EO__Q8_ISA_AVX2;
    if (!nisa) skip();
    enum { O = 24 };
    const int32_t mults[] = {0, 1, 3, INT32_C(1) << 29, INT32_C(1) << 30, (INT32_C(1) << 30) + 1,
                             1518500250, INT32_MAX - 1, INT32_MAX, INT32_MIN, -(INT32_C(1) << 30)};
    const int32_t biases[] = {EO_Q8_BIAS_LIMIT, -EO_Q8_BIAS_LIMIT, EO_Q8_BIAS_LIMIT - 1, 0, 1, -1,
                              65535, -65536, 12345678, -87654321};
    int8_t x[3] = {-128, 127, 5}, w[O], y0[3 * O];
    int32_t bias[O], m[O], s[O];
    eo_rng r;
    eo_rng_seed(&r, 9);
    for (int32_t sh = -31; sh <= 30; sh++)
        for (size_t mi = 0; mi < sizeof mults / sizeof mults[0]; mi++) {
            for (int o = 0; o < O; o++) {
                w[o] = (int8_t)((int)eo_rng_below(&r, 256) - 128);
                bias[o] = biases[eo_rng_below(&r, sizeof biases / sizeof biases[0])];
                m[o] = eo_rng_below(&r, 2) ? mults[mi] : mults[eo_rng_below(&r, sizeof mults / sizeof mults[0])];
                s[o] = eo_rng_below(&r, 2) ? sh : (int32_t)eo_rng_below(&r, 62) - 31;
            }
            int32_t zo = (int32_t)eo_rng_below(&r, 256) - 128;
            for (int pc = 0; pc < 2; pc++) {
                eo_q8_params p = {127, zo, -128, 127, pc ? O : 1, m, s}; /* x - zp reaches -255 */
                assert_int_equal(eo_q8_fc_ref(&p, 3, 1, O, x, w, bias, y0), EO_OK);
                for (int k = 0; k < nisa; k++) check_isa(isas[k], &p, 3, 1, O, x, w, bias, y0);
            }
        }
}

/* The VNNI path's input conversion (zmm with a masked tail when the CPU
 * has AVX-512) against eo_q8_quantize_ref: every length 0..70 and 784,
 * values on and next to the rounding boundaries (k + 1/2) * scale, NaN,
 * infinities, signed zeros, subnormals and values far outside the range. */
static void test_quantize(void **state)
{
    (void)state;
    const eo_q8_ops *v = eo_q8_ops_get(EO_Q8_PATH_VNNI);
    if (!v) {
        print_message("[  SKIP    ] quantize: no vnni path on this CPU\n");
        skip();
    }
    enum { N = 784 };
    static float x[N];
    static int8_t q0[N], q1[N + 1];
    eo_rng r;
    eo_rng_seed(&r, 11);
    const float specials[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-45f, -1e-45f, 3e38f, -3e38f};
    for (int t = 0; t < 200; t++) {
        float scale = (float)(1e-3 + eo_rng_uniform(&r) * (t % 3 ? 0.05 : 3.0));
        int32_t zp = (int32_t)eo_rng_below(&r, 256) - 128;
        for (int i = 0; i < N; i++) {
            switch (eo_rng_below(&r, 6)) {
            case 0: x[i] = specials[eo_rng_below(&r, sizeof specials / sizeof specials[0])]; break;
            case 1: { /* on a rounding boundary, or one ulp beside it */
                float b = ((float)((int)eo_rng_below(&r, 600) - 300) + 0.5f) * scale;
                int d = (int)eo_rng_below(&r, 3) - 1;
                x[i] = d < 0 ? nextafterf(b, -INFINITY) : d > 0 ? nextafterf(b, INFINITY) : b;
                break;
            }
            default: x[i] = (float)((eo_rng_uniform(&r) - 0.5) * 400.0 * scale); break;
            }
        }
        size_t n = t < 71 ? (size_t)t : N;
        memset(q1, 0x55, sizeof q1);
        assert_int_equal(eo_q8_quantize_ref(n, x, scale, zp, q0), EO_OK);
        assert_int_equal(v->quantize(n, x, scale, zp, q1), EO_OK);
        if (memcmp(q0, q1, n)) fail_msg("quantize n %zu scale %g zp %d differs", n, (double)scale, zp);
        assert_int_equal(q1[n], 0x55); /* nothing written past n */
    }
    assert_int_equal(v->quantize(4, x, 0.0f, 0, q1), EO_ERR_INVALID);
    assert_int_equal(v->quantize(4, x, INFINITY, 0, q1), EO_ERR_INVALID);
    assert_int_equal(v->quantize(4, x, 1.0f, 128, q1), EO_ERR_INVALID);
}

/* What every CPU checks: sizes, argument validation, and the layout of the
 * pack (the weights of row o and input i at the documented offset, the
 * per-row constant bias - (128 + in_zp) * sum w). */
static void test_pack(void **state)
{
    (void)state;
    assert_int_equal(eo_q8_fc_pack_bytes(0, 1), 0);
    assert_int_equal(eo_q8_fc_pack_bytes(1, 0), 0);
    assert_int_equal(eo_q8_fc_pack_bytes(EO_Q8_MAX_FANIN + 1, 1), 0);
    assert_int_equal(eo_q8_fc_pack_bytes(1, 1), 64 + 256 + 64);
    assert_int_equal(eo_q8_fc_pack_bytes(784, 256), 64 + 16 * 256 + 16 * 196 * 64);
    enum { IN = 6, OUT = 18 };
    int8_t w[OUT * IN];
    int32_t bias[OUT], m = INT32_C(1) << 30, s = -3;
    for (int i = 0; i < OUT * IN; i++) w[i] = (int8_t)(i * 7 - 60);
    for (int o = 0; o < OUT; o++) bias[o] = 1000 * o - 5000;
    eo_q8_params p = {-5, 2, -100, 120, 1, &m, &s};
    size_t n = eo_q8_fc_pack_bytes(IN, OUT);
    unsigned char *pk = aligned_alloc(64, n);
    assert_non_null(pk);
    assert_int_equal(eo_q8_fc_pack(&p, IN, OUT, w, bias, pk, n - 1), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc_pack(&p, IN, OUT, NULL, bias, pk, n), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc_pack(NULL, IN, OUT, w, bias, pk, n), EO_ERR_INVALID);
    bias[3] = EO_Q8_BIAS_LIMIT + 1;
    assert_int_equal(eo_q8_fc_pack(&p, IN, OUT, w, bias, pk, n), EO_ERR_RANGE);
    bias[3] = -2000;
    assert_int_equal(eo_q8_fc_pack(&p, IN, OUT, w, bias, pk, n), EO_OK);
    const eo__q8_pack_hdr *h = (const eo__q8_pack_hdr *)(void *)pk;
    assert_int_equal(h->groups, 2);
    assert_int_equal(h->blocks, 2);
    assert_int_equal(h->has_m128, 1); /* w[100] = (int8_t)640 = -128 */
    const int32_t *c = eo__q8_pack_c(h), *pm = eo__q8_pack_mult(h), *ps = eo__q8_pack_shift(h);
    const int32_t *cs = eo__q8_pack_cs(h);
    const int8_t *pw = eo__q8_pack_w(h);
    for (int o = 0; o < 32; o++) {
        int32_t sum = 0;
        for (int i = 0; i < 8; i++) {
            int8_t want = o < OUT && i < IN ? w[o * IN + i] : 0;
            /* one pass of both blocks: cell (b, g) at g * 2 + b */
            assert_int_equal(pw[(((i / 4) * 2 + o / 16) * 16 + o % 16) * 4 + i % 4], want);
            sum += want;
        }
        assert_int_equal(c[o], o < OUT ? bias[o] - (128 - 5) * sum : 0);
        assert_int_equal(cs[o], o < OUT ? bias[o] + 5 * sum : 0);
        assert_int_equal(pm[o], o < OUT ? m : 0);
        assert_int_equal(ps[o], o < OUT ? s : 0);
    }
    /* 11 blocks run as passes of 8, 2 and 1 blocks; block 9, group 1 is the
     * fourth cell of the second pass (which starts after 8 * 2 cells) */
    enum { O2 = 11 * 16 - 3 };
    static int8_t w2[O2 * IN];
    static int32_t one = 1;
    for (int i = 0; i < O2 * IN; i++) w2[i] = (int8_t)(i % 251 - 125);
    eo_q8_params p2 = {0, 0, -128, 127, 1, &one, &s};
    size_t n2 = eo_q8_fc_pack_bytes(IN, O2);
    unsigned char *pk2 = aligned_alloc(64, n2);
    assert_non_null(pk2);
    assert_int_equal(eo_q8_fc_pack(&p2, IN, O2, w2, NULL, pk2, n2), EO_OK);
    const int8_t *pw2 = eo__q8_pack_w((const eo__q8_pack_hdr *)(void *)pk2);
    assert_int_equal(((const eo__q8_pack_hdr *)(void *)pk2)->has_m128, 0);
    for (int r = 0; r < 16; r++)
        for (int k = 0; k < 4; k++) {
            int8_t want = 4 + k < IN ? w2[(9 * 16 + r) * IN + 4 + k] : 0;
            assert_int_equal(pw2[(8 * 2 + 1 * 2 + 1) * 64 + 4 * r + k], want);
            /* block 10 (rows 160..172, the last 3 rows are padding), group 0: the single-block pass */
            int o = 10 * 16 + r;
            assert_int_equal(pw2[(10 * 2 + 0) * 64 + 4 * r + k], o < O2 ? w2[o * IN + k] : 0);
        }
    free(pk2);
    /* a buffer that is not a pack */
    int8_t x[IN] = {0}, y[OUT];
    unsigned char junk[256] = {0};
    assert_int_equal(eo_q8_fc_packed(junk, 1, x, y), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc_packed(NULL, 1, x, y), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc_packed(pk, 0, x, y), EO_ERR_INVALID);
    int rc = eo_q8_fc_packed(pk, 1, x, y);
    assert_int_equal(rc, eo_q8_fc_packed_available() ? EO_OK : EO_ERR_UNSUPPORTED);
    free(pk);
    /* the path table: VNNI exists exactly when a packed kernel does (and AVX2) */
    const eo_q8_ops *v = eo_q8_ops_get(EO_Q8_PATH_VNNI);
    if (v) {
        assert_string_equal(v->name, "vnni");
        assert_string_equal(eo_q8_path_active(), "vnni");
        assert_true(eo_q8_fc_packed_available());
    } else {
        print_message("[  SKIP    ] path vnni: not available on this CPU (active path: %s)\n",
                      eo_q8_path_active());
    }
    eo_q8_path pth;
    assert_int_equal(eo_q8_path_from_name("vnni", &pth), EO_OK);
    assert_int_equal(pth, EO_Q8_PATH_VNNI);
    assert_string_equal(eo_q8_path_name(EO_Q8_PATH_VNNI), "vnni");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack),
        cmocka_unit_test(test_random_shapes),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_requant_corners),
        cmocka_unit_test(test_quantize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
