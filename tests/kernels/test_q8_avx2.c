/* The AVX2 int8 kernels are bit-identical to the reference kernels on random
 * shapes, including awkward sizes (fan-ins that are not multiples of 16,
 * output counts not multiples of 4, feature maps narrower than a vector,
 * every stride/padding combination), random zero points, multipliers, shifts
 * and clamps. Skipped when the CPU has no AVX2. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/qkernels.h"

typedef struct rparams {
    int32_t mult[64], shift[64];
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
        case 2: R->mult[i] = INT32_MIN; break;
        case 3: R->shift[i] = -31; break;
        case 4: R->shift[i] = 30; break;
        case 5: R->shift[i] = -(int32_t)eo_rng_below(r, 32); break;
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

static void fill_bias(eo_rng *r, int32_t *b, int32_t n)
{
    for (int32_t i = 0; i < n; i++) b[i] = (int32_t)eo_rng_below(r, 200001) - 100000;
}

/* Exact-size heap copies, so that an AVX2 load past the end of an operand is
 * an ASan error in the sanitized build rather than a silent read. */
static int8_t *exact(const int8_t *src, size_t n)
{
    int8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, src, n);
    return p;
}

static const eo_q8_ops *ref, *avx;

static int setup(void **state)
{
    (void)state;
    ref = eo_q8_ops_get(EO_Q8_PATH_REF);
    avx = eo_q8_ops_get(EO_Q8_PATH_AVX2);
    return 0;
}

static void test_fc(void **state)
{
    (void)state;
    if (!avx) skip();
    eo_rng r;
    eo_rng_seed(&r, 1);
    static int8_t x[3 * 1100], w[37 * 1100], y0[3 * 37], y1[3 * 37];
    static int32_t bias[37];
    static rparams R;
    const int32_t ins[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 47, 64, 100, 784, 1000, 1100};
    for (size_t t = 0; t < sizeof ins / sizeof ins[0]; t++)
        for (int32_t out = 1; out <= 37; out += 3) {
            int32_t in = ins[t], batch = 1 + (int32_t)eo_rng_below(&r, 3);
            fill(&r, x, (size_t)batch * in);
            fill(&r, w, (size_t)out * in);
            fill_bias(&r, bias, out);
            rand_params(&R, &r, out);
            const int32_t *b = eo_rng_below(&r, 4) ? bias : NULL;
            memset(y0, 0, sizeof y0);
            memset(y1, 1, sizeof y1);
            int8_t *xe = exact(x, (size_t)batch * in), *we = exact(w, (size_t)out * in);
            int8_t *ye = exact(y1, (size_t)batch * out);
            assert_int_equal(ref->fc(&R.p, batch, in, out, xe, we, b, y0), EO_OK);
            assert_int_equal(avx->fc(&R.p, batch, in, out, xe, we, b, ye), EO_OK);
            memcpy(y1, ye, (size_t)batch * out);
            free(xe), free(we), free(ye);
            if (memcmp(y0, y1, (size_t)batch * out))
                fail_msg("fc batch %d in %d out %d differs", batch, in, out);
        }
}

static void rand_geom(eo_rng *r, eo_q8_geom *g, int pool)
{
    for (;;) {
        g->n = 1 + (int32_t)eo_rng_below(r, 2);
        g->c = 1 + (int32_t)eo_rng_below(r, 5);
        g->h = 1 + (int32_t)eo_rng_below(r, 12);
        g->w = 1 + (int32_t)eo_rng_below(r, 48);
        g->kh = 1 + (int32_t)eo_rng_below(r, 5);
        g->kw = 1 + (int32_t)eo_rng_below(r, 5);
        g->stride_h = 1 + (int32_t)eo_rng_below(r, 3);
        /* stride 1 and 2 get the vector paths; 3 checks the scalar fallback */
        g->stride_w = 1 + (int32_t)(eo_rng_below(r, 4) % 3);
        int32_t mp = pool ? 0 : 1; /* conv pads may exceed the window */
        g->pad_top = (int32_t)eo_rng_below(r, (uint64_t)(g->kh + mp));
        g->pad_bottom = (int32_t)eo_rng_below(r, (uint64_t)(g->kh + mp));
        g->pad_left = (int32_t)eo_rng_below(r, (uint64_t)(g->kw + mp));
        g->pad_right = (int32_t)eo_rng_below(r, (uint64_t)(g->kw + mp));
        if (eo_rng_below(r, 3) == 0) g->pad_top = g->pad_bottom = g->pad_left = g->pad_right = 0;
        if (eo_q8_geom_out_h(g) >= 1 && eo_q8_geom_out_w(g) >= 1) return;
    }
}

/* Requantization corners through the FC kernel (8 outputs per vector on the
 * AVX2 path): fan-in 1 makes acc = bias + (x - zp) w, so the accumulators
 * reach +-(2^30 + 255 * 128); every shift, the extreme multipliers, both
 * per-tensor and per-channel. */
static void test_requant_corners(void **state)
{
    (void)state;
    if (!avx) skip();
    enum { O = 24 };
    const int32_t mults[] = {0, 1, 3, INT32_C(1) << 29, INT32_C(1) << 30, (INT32_C(1) << 30) + 1,
                             1518500250, INT32_MAX - 1, INT32_MAX, INT32_MIN, -(INT32_C(1) << 30)};
    const int32_t biases[] = {EO_Q8_BIAS_LIMIT, -EO_Q8_BIAS_LIMIT, EO_Q8_BIAS_LIMIT - 1, 0, 1, -1,
                              65535, -65536, 12345678, -87654321};
    int8_t x[3] = {-128, 127, 5}, w[O], y0[3 * O], y1[3 * O];
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
                eo_q8_params p = {127, zo, -128, 127, pc ? O : 1, m, s};
                /* x = -128 with zp 127 gives (x - zp) = -255 */
                assert_int_equal(ref->fc(&p, 3, 1, O, x, w, bias, y0), EO_OK);
                assert_int_equal(avx->fc(&p, 3, 1, O, x, w, bias, y1), EO_OK);
                if (memcmp(y0, y1, sizeof y0))
                    fail_msg("fc requant differs: shift %d mult %d per-channel %d", sh, mults[mi], pc);
            }
        }
}

static void test_conv_dw(void **state)
{
    (void)state;
    if (!avx) skip();
    eo_rng r;
    eo_rng_seed(&r, 2);
    enum { XMAX = 2 * 5 * 12 * 48, YMAX = 2 * 9 * 18 * 54 };
    static int8_t x[XMAX], w[9 * 5 * 25], y0[YMAX], y1[YMAX];
    static int32_t bias[9];
    static rparams R;
    for (int t = 0; t < 600; t++) {
        eo_q8_geom g;
        rand_geom(&r, &g, 0);
        int32_t oc = 1 + (int32_t)eo_rng_below(&r, 9);
        size_t ny = (size_t)g.n * oc * eo_q8_geom_out_h(&g) * eo_q8_geom_out_w(&g);
        fill(&r, x, (size_t)g.n * g.c * g.h * g.w);
        fill(&r, w, (size_t)oc * g.c * g.kh * g.kw);
        fill_bias(&r, bias, oc > g.c ? oc : g.c);
        rand_params(&R, &r, oc);
        const int32_t *b = eo_rng_below(&r, 4) ? bias : NULL;
        int8_t *xe = exact(x, (size_t)g.n * g.c * g.h * g.w);
        int8_t *we = exact(w, (size_t)oc * g.c * g.kh * g.kw), *ye = exact(y1, ny);
        assert_int_equal(ref->conv2d(&R.p, &g, oc, xe, we, b, y0), EO_OK);
        assert_int_equal(avx->conv2d(&R.p, &g, oc, xe, we, b, ye), EO_OK);
        memcpy(y1, ye, ny);
        free(we), free(ye);
        if (memcmp(y0, y1, ny))
            fail_msg("conv2d differs: n%d c%d %dx%d k%dx%d s%d,%d pad %d %d %d %d oc %d", g.n, g.c,
                     g.h, g.w, g.kh, g.kw, g.stride_h, g.stride_w, g.pad_top, g.pad_left,
                     g.pad_bottom, g.pad_right, oc);
        rand_params(&R, &r, g.c);
        ny = (size_t)g.n * g.c * eo_q8_geom_out_h(&g) * eo_q8_geom_out_w(&g);
        we = exact(w, (size_t)g.c * g.kh * g.kw);
        ye = exact(y1, ny);
        assert_int_equal(ref->dwconv2d(&R.p, &g, xe, we, b, y0), EO_OK);
        assert_int_equal(avx->dwconv2d(&R.p, &g, xe, we, b, ye), EO_OK);
        memcpy(y1, ye, ny);
        free(xe), free(we), free(ye);
        if (memcmp(y0, y1, ny))
            fail_msg("dwconv2d differs: n%d c%d %dx%d k%dx%d s%d,%d pad %d %d %d %d", g.n, g.c, g.h,
                     g.w, g.kh, g.kw, g.stride_h, g.stride_w, g.pad_top, g.pad_left, g.pad_bottom,
                     g.pad_right);
    }
    /* a wide map where the 16-pixel blocks dominate: 3x3 pad 1 on 12x40 */
    eo_q8_geom g = {1, 4, 12, 40, 3, 3, 1, 1, 1, 1, 1, 1};
    fill(&r, x, 4 * 12 * 40);
    fill(&r, w, 4 * 4 * 9);
    rand_params(&R, &r, 4);
    assert_int_equal(ref->conv2d(&R.p, &g, 4, x, w, bias, y0), EO_OK);
    assert_int_equal(avx->conv2d(&R.p, &g, 4, x, w, bias, y1), EO_OK);
    assert_memory_equal(y0, y1, 4 * 12 * 40);
    /* a window wider than the vector path takes (kw 33): the scalar fallback */
    eo_q8_geom gw = {1, 2, 3, 40, 2, 33, 1, 1, 0, 1, 1, 1};
    int32_t ow = eo_q8_geom_out_w(&gw), oh = eo_q8_geom_out_h(&gw);
    fill(&r, x, 2 * 3 * 40);
    fill(&r, w, 3 * 2 * 2 * 33);
    rand_params(&R, &r, 3);
    assert_int_equal(ref->conv2d(&R.p, &gw, 3, x, w, bias, y0), EO_OK);
    assert_int_equal(avx->conv2d(&R.p, &gw, 3, x, w, bias, y1), EO_OK);
    assert_memory_equal(y0, y1, (size_t)3 * oh * ow);
    assert_int_equal(ref->maxpool(&gw, -128, 127, x, y0), EO_OK);
    assert_int_equal(avx->maxpool(&gw, -128, 127, x, y1), EO_OK);
    assert_memory_equal(y0, y1, (size_t)2 * oh * ow);
    assert_int_equal(ref->avgpool(&gw, -128, 127, x, y0), EO_OK);
    assert_int_equal(avx->avgpool(&gw, -128, 127, x, y1), EO_OK);
    assert_memory_equal(y0, y1, (size_t)2 * oh * ow);
}

static void test_pools(void **state)
{
    (void)state;
    if (!avx) skip();
    eo_rng r;
    eo_rng_seed(&r, 3);
    static int8_t x[2 * 5 * 12 * 80], y0[2 * 5 * 16 * 82], y1[2 * 5 * 16 * 82];
    for (int t = 0; t < 800; t++) {
        eo_q8_geom g;
        rand_geom(&r, &g, 1);
        if (eo_rng_below(&r, 3) == 0) { /* the 2x2 stride-2 special case, wide rows */
            g.kw = 2;
            g.stride_w = 2;
            g.w = 1 + (int32_t)eo_rng_below(&r, 80);
            g.pad_left = (int32_t)eo_rng_below(&r, 2);
            g.pad_right = (int32_t)eo_rng_below(&r, 2);
            if (eo_q8_geom_out_w(&g) < 1) continue;
        }
        int32_t lo = -128 + (int32_t)eo_rng_below(&r, 60), hi = 127 - (int32_t)eo_rng_below(&r, 60);
        size_t ny = (size_t)g.n * g.c * eo_q8_geom_out_h(&g) * eo_q8_geom_out_w(&g);
        fill(&r, x, (size_t)g.n * g.c * g.h * g.w);
        int8_t *xe = exact(x, (size_t)g.n * g.c * g.h * g.w), *ye = exact(y1, ny);
        assert_int_equal(ref->maxpool(&g, lo, hi, xe, y0), EO_OK);
        assert_int_equal(avx->maxpool(&g, lo, hi, xe, ye), EO_OK);
        if (memcmp(y0, ye, ny)) fail_msg("maxpool differs (w %d kw %d sw %d)", g.w, g.kw, g.stride_w);
        assert_int_equal(ref->avgpool(&g, lo, hi, xe, y0), EO_OK);
        assert_int_equal(avx->avgpool(&g, lo, hi, xe, ye), EO_OK);
        if (memcmp(y0, ye, ny)) fail_msg("avgpool differs (w %d kw %d sw %d)", g.w, g.kw, g.stride_w);
        free(xe), free(ye);
    }
    for (int32_t hw = 1; hw <= 200; hw += 7) {
        fill(&r, x, (size_t)3 * hw);
        int8_t *xe = exact(x, (size_t)3 * hw);
        assert_int_equal(ref->gap(1, 3, hw, -128, 127, xe, y0), EO_OK);
        assert_int_equal(avx->gap(1, 3, hw, -128, 127, xe, y1), EO_OK);
        free(xe);
        assert_memory_equal(y0, y1, 3);
    }
}

static void test_convert(void **state)
{
    (void)state;
    if (!avx) skip();
    eo_rng r;
    eo_rng_seed(&r, 4);
    enum { N = 1000 };
    static float x[N], d0[N], d1[N];
    static int8_t q0[N], q1[N];
    for (int t = 0; t < 50; t++) {
        float scale = (float)ldexp(0.5 + eo_rng_uniform(&r), -(int)eo_rng_below(&r, 12));
        int32_t zp = (int32_t)eo_rng_below(&r, 256) - 128;
        for (int i = 0; i < N; i++) {
            /* exact half-steps, values near the clamps, specials */
            switch (eo_rng_below(&r, 6)) {
            case 0: x[i] = ((float)((int)eo_rng_below(&r, 600) - 300) + 0.5f) * scale; break;
            case 1: x[i] = (float)eo_rng_normal(&r) * 1000.0f * scale; break;
            case 2: x[i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY; break;
            default: x[i] = (float)eo_rng_normal(&r) * 50.0f * scale;
            }
        }
        size_t n = 1 + eo_rng_below(&r, N);
        float *xe = malloc(n * sizeof(float));
        assert_non_null(xe);
        memcpy(xe, x, n * sizeof(float));
        int8_t *qe = exact(q1, n);
        assert_int_equal(ref->quantize(n, xe, scale, zp, q0), EO_OK);
        assert_int_equal(avx->quantize(n, xe, scale, zp, qe), EO_OK);
        assert_memory_equal(q0, qe, n);
        assert_int_equal(ref->dequantize(n, q0, scale, zp, d0), EO_OK);
        assert_int_equal(avx->dequantize(n, qe, scale, zp, d1), EO_OK);
        free(xe), free(qe);
        assert_memory_equal(d0, d1, n * sizeof(float));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fc),
        cmocka_unit_test(test_requant_corners),
        cmocka_unit_test(test_conv_dw),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_convert),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
