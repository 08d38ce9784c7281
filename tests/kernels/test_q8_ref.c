/* int8 kernels against independent references:
 *  - committed vectors from scripts/ref/int8_ref.py (exact big-integer
 *    arithmetic from the definitions) for requantization, the multiplier
 *    decomposition, every kernel and float quantization, on every path;
 *  - float references (double loops over the dequantized operands) within one
 *    output quantization step plus the fixed-point rounding bound;
 *  - round trips, clamps, zero-scale guards, argument checks. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/qkernels.h"
#include "fixtures/int8/kernels_ref.h"
#include "fixtures/int8/requant_ref.h"

static eo_q8_params mkp(const int32_t q[4], int32_t n, const int32_t *m, const int32_t *s)
{
    eo_q8_params p = {q[0], q[1], q[2], q[3], n, m, s};
    return p;
}

static eo_q8_geom mkg(const int32_t a[12])
{
    eo_q8_geom g = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]};
    return g;
}

/* ------------------------------------------------- fixed point vs big ints */

static void test_requant_vectors(void **state)
{
    (void)state;
    for (int i = 0; i < EO_REQUANT_REF_N; i++) {
        int32_t got = eo_q8_mulq(requant_ref_acc[i], requant_ref_mult[i], requant_ref_shift[i]);
        if (got != requant_ref_out[i])
            fail_msg("mulq(%d, %d, %d) = %d, exact reference %d", requant_ref_acc[i],
                     requant_ref_mult[i], requant_ref_shift[i], got, requant_ref_out[i]);
    }
}

static void test_quantize_multiplier_vectors(void **state)
{
    (void)state;
    for (int i = 0; i < EO_QMULT_REF_N; i++) {
        int32_t m = -1, s = -99;
        assert_int_equal(eo_q8_quantize_multiplier(qmult_ref_m[i], &m, &s), EO_OK);
        if (m != qmult_ref_mult[i] || s != qmult_ref_shift[i])
            fail_msg("quantize_multiplier(%a) = (%d, %d), exact reference (%d, %d)", qmult_ref_m[i],
                     m, s, qmult_ref_mult[i], qmult_ref_shift[i]);
        /* the stored multiplier is in [2^30, 2^31) unless zero */
        assert_true(m == 0 || m >= (INT32_C(1) << 30));
    }
    int32_t m, s;
    assert_int_equal(eo_q8_quantize_multiplier(-1.0, &m, &s), EO_ERR_INVALID);
    assert_int_equal(eo_q8_quantize_multiplier(NAN, &m, &s), EO_ERR_INVALID);
    assert_int_equal(eo_q8_quantize_multiplier(INFINITY, &m, &s), EO_ERR_INVALID);
}

/* Requantization approximates acc * M: within one output unit of the real
 * product (two roundings of at most 1/2 each). */
static void test_requant_vs_real(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 11);
    for (int i = 0; i < 20000; i++) {
        double M = ldexp(0.5 + 0.5 * eo_rng_uniform(&r), -(int)eo_rng_below(&r, 30));
        int32_t m, s;
        assert_int_equal(eo_q8_quantize_multiplier(M, &m, &s), EO_OK);
        int32_t acc = (int32_t)(eo_rng_u32(&r) >> (1 + eo_rng_below(&r, 31)));
        if (eo_rng_below(&r, 2)) acc = -acc;
        double exact = (double)acc * ldexp((double)m, s - 31);
        int32_t got = eo_q8_mulq(acc, m, s);
        if (fabs((double)got - exact) > 1.0)
            fail_msg("mulq(%d, M=%.17g) = %d, real %.6f", acc, M, got, exact);
        /* and the Q31 multiplier itself is within 2^-31 relative of M */
        EO_ASSERT_CLOSE(ldexp((double)m, s - 31), M, ldexp(1.0, -31), 0.0);
    }
}

/* ------------------------------------------------ kernels vs big-int vectors */

static void check_paths_against_vectors(eo_q8_path path)
{
    const eo_q8_ops *ops = eo_q8_ops_get(path);
    if (!ops) return; /* AVX2 not available on this CPU */
    int8_t y[512];

    eo_q8_params p = mkp(fc_q, 6, fc_mult, fc_shift);
    assert_int_equal(ops->fc(&p, 3, 37, 6, fc_x, fc_w, fc_bias, y), EO_OK);
    assert_memory_equal(y, fc_y, sizeof fc_y);

    eo_q8_geom g = mkg(conv_g);
    p = mkp(conv_q, 1, conv_mult, conv_shift);
    assert_int_equal(ops->conv2d(&p, &g, 4, conv_x, conv_w, conv_bias, y), EO_OK);
    assert_memory_equal(y, conv_y, sizeof conv_y);

    g = mkg(dw_g);
    p = mkp(dw_q, 3, dw_mult, dw_shift);
    assert_int_equal(ops->dwconv2d(&p, &g, dw_x, dw_w, dw_bias, y), EO_OK);
    assert_memory_equal(y, dw_y, sizeof dw_y);

    g = mkg(pool_g);
    assert_int_equal(ops->maxpool(&g, -100, 100, pool_x, y), EO_OK);
    assert_memory_equal(y, maxpool_y, sizeof maxpool_y);
    assert_int_equal(ops->avgpool(&g, -100, 100, pool_x, y), EO_OK);
    assert_memory_equal(y, avgpool_y, sizeof avgpool_y);
    g = mkg(avgtie_g);
    assert_int_equal(ops->avgpool(&g, -128, 127, avgtie_x, y), EO_OK);
    assert_memory_equal(y, avgtie_y, sizeof avgtie_y);

    assert_int_equal(ops->quantize(sizeof quant_q, quant_x, quant_scale, quant_zp, y), EO_OK);
    assert_memory_equal(y, quant_q, sizeof quant_q);
}

static void test_kernel_vectors_ref(void **state)
{
    (void)state;
    check_paths_against_vectors(EO_Q8_PATH_REF);
}

static void test_kernel_vectors_avx2(void **state)
{
    (void)state;
    if (!eo_q8_ops_get(EO_Q8_PATH_AVX2)) skip();
    check_paths_against_vectors(EO_Q8_PATH_AVX2);
}

/* ------------------------------------------------ quantization parameters */

static void test_choose_params(void **state)
{
    (void)state;
    const double ranges[][2] = {{-1.0, 1.0}, {0.0, 6.0}, {0.3, 5.0}, {-7.0, -0.1},
                                {-0.01, 300.0}, {-2.5, 0.7}, {-1e-6, 1e-6}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        eo_q8_qparam q;
        assert_int_equal(eo_q8_choose_params(ranges[i][0], ranges[i][1], &q), EO_OK);
        assert_true(q.scale > 0.0f);
        assert_in_range(q.zero_point + 128, 0, 255);
        /* 0.0 is exactly representable */
        int8_t z;
        float back;
        float zero = 0.0f;
        assert_int_equal(eo_q8_quantize(1, &zero, q.scale, q.zero_point, &z), EO_OK);
        assert_int_equal(z, q.zero_point);
        assert_int_equal(eo_q8_dequantize(1, &z, q.scale, q.zero_point, &back), EO_OK);
        assert_true(back == 0.0f);
        /* the (widened) range ends are within a step of the grid ends */
        double lo = ranges[i][0] < 0 ? ranges[i][0] : 0, hi = ranges[i][1] > 0 ? ranges[i][1] : 0;
        EO_ASSERT_CLOSE(q.scale * (-128 - q.zero_point), lo, 0.0, q.scale * 1.0001);
        EO_ASSERT_CLOSE(q.scale * (127 - q.zero_point), hi, 0.0, q.scale * 1.0001);
    }
    eo_q8_qparam q;
    assert_int_equal(eo_q8_choose_params(0.0, 0.0, &q), EO_OK); /* empty range guard */
    assert_true(q.scale == 1.0f && q.zero_point == 0);
    assert_int_equal(eo_q8_choose_params(1.0, -1.0, &q), EO_ERR_INVALID);
    assert_int_equal(eo_q8_choose_params(NAN, 1.0, &q), EO_ERR_NUMERIC);
    assert_int_equal(eo_q8_choose_params(0.0, INFINITY, &q), EO_ERR_NUMERIC);
}

/* Quantize then dequantize: error <= scale / 2 inside the representable range. */
static void test_round_trip(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 3);
    enum { N = 4099 };
    static float x[N], back[N];
    static int8_t q[N];
    for (int trial = 0; trial < 20; trial++) {
        double lo = -10.0 * eo_rng_uniform(&r), hi = 10.0 * eo_rng_uniform(&r);
        eo_q8_qparam qp;
        assert_int_equal(eo_q8_choose_params(lo, hi, &qp), EO_OK);
        double glo = qp.scale * (-128 - qp.zero_point), ghi = qp.scale * (127 - qp.zero_point);
        for (int i = 0; i < N; i++) x[i] = (float)(glo + (ghi - glo) * eo_rng_uniform(&r));
        for (int path = EO_Q8_PATH_REF; path <= EO_Q8_PATH_AVX2; path++) {
            const eo_q8_ops *ops = eo_q8_ops_get((eo_q8_path)path);
            if (!ops) continue;
            assert_int_equal(ops->quantize(N, x, qp.scale, qp.zero_point, q), EO_OK);
            assert_int_equal(ops->dequantize(N, q, qp.scale, qp.zero_point, back), EO_OK);
            for (int i = 0; i < N; i++)
                if (!(fabs((double)back[i] - x[i]) <= qp.scale * 0.5 * (1 + 1e-6)))
                    fail_msg("round trip %g -> %d -> %g, scale %g", x[i], q[i], back[i], qp.scale);
        }
    }
    /* out of range saturates, NaN goes to the zero point */
    float sp[4] = {1e9f, -1e9f, NAN, INFINITY};
    int8_t qs[4];
    assert_int_equal(eo_q8_quantize(4, sp, 0.1f, 5, qs), EO_OK);
    assert_int_equal(qs[0], 127);
    assert_int_equal(qs[1], -128);
    assert_int_equal(qs[2], 5);
    assert_int_equal(qs[3], 127);
    assert_int_equal(eo_q8_quantize(4, sp, 0.0f, 5, qs), EO_ERR_INVALID);
    assert_int_equal(eo_q8_quantize(4, sp, NAN, 5, qs), EO_ERR_INVALID);
    assert_int_equal(eo_q8_quantize(4, sp, 1.0f, 200, qs), EO_ERR_INVALID);
}

/* Fake quantization equals quantize + dequantize (activations) and the
 * weight quantizer's grid (weights), and its STE mask marks the clamped. */
static void test_fake_quant(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 31);
    enum { N = 3000 };
    static float x[N], y[N], back[N];
    static int8_t q[N];
    static uint8_t pass[N];
    for (int i = 0; i < N; i++) x[i] = (float)(eo_rng_normal(&r) * 3.0);
    x[0] = NAN;
    eo_q8_qparam qp;
    assert_int_equal(eo_q8_choose_params(-2.0, 4.0, &qp), EO_OK);
    assert_int_equal(eo_q8_fake_quant(N, x, qp.scale, qp.zero_point, -128, 127, y, pass), EO_OK);
    assert_int_equal(eo_q8_quantize_ref(N, x, qp.scale, qp.zero_point, q), EO_OK);
    assert_int_equal(eo_q8_dequantize_ref(N, q, qp.scale, qp.zero_point, back), EO_OK);
    assert_memory_equal(y, back, sizeof y);
    for (int i = 1; i < N; i++) {
        double lo = qp.scale * (-128 - qp.zero_point), hi = qp.scale * (127 - qp.zero_point);
        /* the mask is 1 strictly inside the grid (half a step of slack at the ends) */
        if (x[i] > lo + qp.scale && x[i] < hi - qp.scale) assert_int_equal(pass[i], 1);
        if (x[i] < lo - qp.scale || x[i] > hi + qp.scale) assert_int_equal(pass[i], 0);
    }
    /* weights: symmetric grid of eo_q8_quantize_weights */
    float sc;
    assert_int_equal(eo_q8_quantize_weights(x + 1, 1, N - 1, 0, q, &sc), EO_OK);
    assert_int_equal(eo_q8_fake_quant(N - 1, x + 1, sc, 0, -127, 127, y, NULL), EO_OK);
    for (int i = 0; i < N - 1; i++) assert_true(y[i] == (float)q[i] * sc);
    assert_int_equal(eo_q8_fake_quant(N, x, 0.0f, 0, -127, 127, y, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fake_quant(N, x, 1.0f, -128, -127, 127, y, NULL), EO_ERR_INVALID);
}

static void test_weights_and_zero_scale(void **state)
{
    (void)state;
    /* 3 channels x 5: channel 1 is all zero */
    const float w[15] = {0.5f, -1.0f, 0.25f, 0.0f, 0.9f, 0, 0, 0, 0, 0,
                         -3.0f, 1.5f, 2.999f, -0.001f, 0.7f};
    int8_t q[15];
    float sc[3];
    assert_int_equal(eo_q8_quantize_weights(w, 3, 5, 1, q, sc), EO_OK);
    assert_true(sc[1] == 1.0f); /* guard: no zero scale */
    for (int i = 5; i < 10; i++) assert_int_equal(q[i], 0);
    assert_int_equal(q[1], -127);  /* the channel maximum maps to the grid end */
    assert_int_equal(q[10], -127);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 5; i++) {
            assert_in_range(q[c * 5 + i] + 127, 0, 254);
            assert_true(fabs(q[c * 5 + i] * sc[c] - w[c * 5 + i]) <= sc[c] * 0.5 * (1 + 1e-6));
        }
    /* per tensor: one scale = max |w| / 127 */
    assert_int_equal(eo_q8_quantize_weights(w, 3, 5, 0, q, sc), EO_OK);
    EO_ASSERT_CLOSE(sc[0], 3.0 / 127, 1e-6, 0);
    /* all zero tensor */
    const float z[4] = {0};
    assert_int_equal(eo_q8_quantize_weights(z, 2, 2, 0, q, sc), EO_OK);
    assert_true(sc[0] == 1.0f);
    const float bad[2] = {1.0f, NAN};
    assert_int_equal(eo_q8_quantize_weights(bad, 1, 2, 0, q, sc), EO_ERR_NUMERIC);

    /* the bias of a zero channel survives; a zero weight scale is rejected */
    const float b[3] = {0.1f, 2.0f, -0.3f};
    int32_t qb[3], nclamp = -1;
    float wsc[3] = {0.01f, 1.0f, 0.02f};
    assert_int_equal(eo_q8_quantize_bias(b, 3, 0.05f, wsc, 3, qb, &nclamp), EO_OK);
    assert_int_equal(nclamp, 0);
    assert_int_equal(qb[1], 40);
    assert_int_equal(qb[0], 200);
    assert_int_equal(qb[2], -300);
    wsc[1] = 0.0f;
    assert_int_equal(eo_q8_quantize_bias(b, 3, 0.05f, wsc, 3, qb, NULL), EO_ERR_INVALID);
    /* huge bias is clamped to the kernel limit and counted */
    const float big = 1e6f;
    float tiny = 1e-6f;
    assert_int_equal(eo_q8_quantize_bias(&big, 1, 1e-3f, &tiny, 1, qb, &nclamp), EO_OK);
    assert_int_equal(nclamp, 1);
    assert_int_equal(qb[0], EO_Q8_BIAS_LIMIT);

    /* requant params: a zero weight scale gives multiplier 0 (output = zp) */
    int32_t m[2], s[2];
    const float ws2[2] = {0.0f, 0.004f};
    assert_int_equal(eo_q8_requant_params(0.02f, ws2, 2, 0.1f, m, s), EO_OK);
    assert_int_equal(m[0], 0);
    assert_int_equal(s[0], 0);
    EO_ASSERT_CLOSE(ldexp((double)m[1], s[1] - 31), 0.02 * 0.004 / 0.1, 1e-6, 0);
}

static void test_act_range(void **state)
{
    (void)state;
    int32_t lo, hi;
    assert_int_equal(eo_q8_act_range(EO_Q8_ACT_NONE, 0.1f, 3, &lo, &hi), EO_OK);
    assert_true(lo == -128 && hi == 127);
    assert_int_equal(eo_q8_act_range(EO_Q8_ACT_RELU, 0.1f, -20, &lo, &hi), EO_OK);
    assert_true(lo == -20 && hi == 127);
    assert_int_equal(eo_q8_act_range(EO_Q8_ACT_RELU6, 6.0f / 255, -128, &lo, &hi), EO_OK);
    assert_true(lo == -128 && hi == 127);
    assert_int_equal(eo_q8_act_range(EO_Q8_ACT_RELU6, 0.1f, -128, &lo, &hi), EO_OK);
    assert_true(lo == -128 && hi == -68);
    assert_int_equal(eo_q8_act_range(EO_Q8_ACT_COUNT, 0.1f, 0, &lo, &hi), EO_ERR_INVALID);
    eo_q8_act a;
    assert_int_equal(eo_q8_act_from_name("relu6", &a), EO_OK);
    assert_int_equal(a, EO_Q8_ACT_RELU6);
    assert_string_equal(eo_q8_act_name(EO_Q8_ACT_RELU), "relu");
    assert_int_equal(eo_q8_act_from_name("gelu", &a), EO_ERR_NOT_FOUND);
    eo_q8_path pth;
    assert_int_equal(eo_q8_path_from_name("avx2", &pth), EO_OK);
    assert_string_equal(eo_q8_path_name(pth), "avx2");
    assert_non_null(eo_q8_ops_get(EO_Q8_PATH_AUTO));
    assert_string_equal(eo_q8_ops_get(EO_Q8_PATH_AUTO)->name, eo_q8_path_active());
}

/* ------------------------------------------------- vs float (dequantized) */

/* Per-channel layer set-up from float ranges, as a quantizer would do it. */
typedef struct qlayer {
    float wf[64 * 600], bf[64]; /* the float layer before quantization */
    eo_q8_qparam in, out;
    float wsc[64];
    int32_t mult[64], shift[64], bias[64];
    int8_t w[64 * 600];
    eo_q8_params p;
} qlayer;

static void make_layer(qlayer *L, eo_rng *r, int rows, int cols, int per_channel, double out_hi)
{
    float *wf = L->wf, *bf = L->bf;
    for (int i = 0; i < rows * cols; i++) wf[i] = (float)(eo_rng_normal(r) * 0.1);
    for (int i = 0; i < rows; i++) bf[i] = (float)(eo_rng_normal(r) * 0.2);
    assert_int_equal(eo_q8_choose_params(-1.0, 3.0, &L->in), EO_OK);
    assert_int_equal(eo_q8_choose_params(-out_hi, out_hi, &L->out), EO_OK);
    assert_int_equal(eo_q8_quantize_weights(wf, rows, cols, per_channel, L->w, L->wsc), EO_OK);
    int ns = per_channel ? rows : 1;
    assert_int_equal(eo_q8_quantize_bias(bf, rows, L->in.scale, L->wsc, ns, L->bias, NULL), EO_OK);
    assert_int_equal(eo_q8_requant_params(L->in.scale, L->wsc, ns, L->out.scale, L->mult, L->shift), EO_OK);
    eo_q8_params p = {L->in.zero_point, L->out.zero_point, -128, 127, ns, L->mult, L->shift};
    L->p = p;
}

/* |y - (real / s_out + zp)| <= 1 step (two roundings) + the multiplier's
 * relative error, unless the output saturated. */
static void check_close(int8_t y, double real, const qlayer *L)
{
    double ideal = real / L->out.scale + L->out.zero_point;
    if (ideal > 127.5 || ideal < -128.5) {
        assert_int_equal(y, ideal > 0 ? 127 : -128);
        return;
    }
    if (!(fabs(y - ideal) <= 1.0 + 1e-6 * fabs(ideal)))
        fail_msg("int8 %d vs float %.4f (real %.6g)", y, ideal, real);
}

static void test_fc_vs_float(void **state)
{
    (void)state;
    static qlayer L;
    eo_rng r;
    eo_rng_seed(&r, 21);
    enum { B = 4, I = 300, O = 33 };
    static int8_t x[B * I], y[B * O];
    for (int pc = 0; pc < 2; pc++) {
        make_layer(&L, &r, O, I, pc, 4.0);
        for (int i = 0; i < B * I; i++) x[i] = (int8_t)((int)eo_rng_below(&r, 256) - 128);
        assert_int_equal(eo_q8_fc(&L.p, B, I, O, x, L.w, L.bias, y), EO_OK);
        for (int b = 0; b < B; b++)
            for (int o = 0; o < O; o++) {
                double ws = L.wsc[pc ? o : 0], acc = L.bias[o] * (double)L.in.scale * ws;
                for (int i = 0; i < I; i++)
                    acc += L.in.scale * (x[b * I + i] - L.in.zero_point) * (ws * L.w[o * I + i]);
                check_close(y[b * O + o], acc, &L);
                /* Against the float layer before quantization (inputs are
                 * exact): add the weight and bias rounding, accumulated. */
                double fl = L.bf[o], bound = 0.5 * L.in.scale * ws;
                for (int i = 0; i < I; i++) {
                    double xv = L.in.scale * (x[b * I + i] - L.in.zero_point);
                    fl += xv * L.wf[o * I + i];
                    bound += fabs(xv) * ws * 0.5;
                }
                double ideal = fl / L.out.scale + L.out.zero_point;
                if (ideal < 127.5 && ideal > -128.5)
                    if (!(fabs(y[b * O + o] - ideal) <= 1.0 + bound / L.out.scale + 1e-6 * fabs(ideal)))
                        fail_msg("int8 %d vs float layer %.4f (bound %.4f)", y[b * O + o], ideal,
                                 1.0 + bound / L.out.scale);
            }
    }
}

static void test_conv_vs_float(void **state)
{
    (void)state;
    static qlayer L;
    eo_rng r;
    eo_rng_seed(&r, 22);
    const eo_q8_geom g = {2, 3, 9, 11, 3, 3, 1, 2, 1, 1, 1, 0};
    const int OC = 5, oh = eo_q8_geom_out_h(&g), ow = eo_q8_geom_out_w(&g);
    static int8_t x[2 * 3 * 9 * 11], y[2 * 5 * 9 * 6];
    make_layer(&L, &r, OC, 27, 1, 2.0);
    for (size_t i = 0; i < sizeof x; i++) x[i] = (int8_t)((int)eo_rng_below(&r, 256) - 128);
    assert_int_equal(eo_q8_conv2d(&L.p, &g, OC, x, L.w, L.bias, y), EO_OK);
    for (int b = 0; b < 2; b++)
        for (int o = 0; o < OC; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double acc = L.bias[o] * (double)L.in.scale * L.wsc[o];
                    for (int c = 0; c < 3; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy * 1 - 1 + ky, ix = ox * 2 - 1 + kx;
                                /* padding is real 0 */
                                double xv = (iy < 0 || iy >= 9 || ix < 0 || ix >= 11)
                                                ? 0.0
                                                : L.in.scale * (x[((b * 3 + c) * 9 + iy) * 11 + ix] - L.in.zero_point);
                                acc += xv * L.wsc[o] * L.w[((o * 3 + c) * 3 + ky) * 3 + kx];
                            }
                    check_close(y[((b * OC + o) * oh + oy) * ow + ox], acc, &L);
                }

    /* depthwise on the same input, per channel */
    const eo_q8_geom gd = {2, 3, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1};
    make_layer(&L, &r, 3, 9, 1, 1.0);
    static int8_t yd[2 * 3 * 9 * 11];
    assert_int_equal(eo_q8_dwconv2d(&L.p, &gd, x, L.w, L.bias, yd), EO_OK);
    for (int b = 0; b < 2; b++)
        for (int c = 0; c < 3; c++)
            for (int oy = 0; oy < 9; oy++)
                for (int ox = 0; ox < 11; ox++) {
                    double acc = L.bias[c] * (double)L.in.scale * L.wsc[c];
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = oy - 1 + ky, ix = ox - 1 + kx;
                            if (iy < 0 || iy >= 9 || ix < 0 || ix >= 11) continue;
                            acc += L.in.scale * (x[((b * 3 + c) * 9 + iy) * 11 + ix] - L.in.zero_point) *
                                   L.wsc[c] * L.w[(c * 3 + ky) * 3 + kx];
                        }
                    check_close(yd[((b * 3 + c) * 9 + oy) * 11 + ox], acc, &L);
                }
}

static void test_pools_vs_float(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 23);
    const eo_q8_geom g = {1, 4, 10, 13, 2, 3, 2, 2, 1, 1, 0, 2};
    const int oh = eo_q8_geom_out_h(&g), ow = eo_q8_geom_out_w(&g);
    static int8_t x[4 * 10 * 13], ym[4 * 6 * 8], ya[4 * 6 * 8], yg[4];
    for (size_t i = 0; i < sizeof x; i++) x[i] = (int8_t)((int)eo_rng_below(&r, 256) - 128);
    assert_int_equal(eo_q8_maxpool(&g, -128, 127, x, ym), EO_OK);
    assert_int_equal(eo_q8_avgpool(&g, -128, 127, x, ya), EO_OK);
    for (int c = 0; c < 4; c++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double sum = 0, mx = -1e9;
                int cnt = 0;
                for (int ky = 0; ky < 2; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                        if (iy < 0 || iy >= 10 || ix < 0 || ix >= 13) continue;
                        double v = x[(c * 10 + iy) * 13 + ix];
                        sum += v;
                        mx = v > mx ? v : mx;
                        cnt++;
                    }
                assert_true(cnt > 0);
                assert_int_equal(ym[(c * oh + oy) * ow + ox], (int)mx);
                assert_true(fabs(ya[(c * oh + oy) * ow + ox] - sum / cnt) <= 0.5);
            }
    assert_int_equal(eo_q8_gap(1, 4, 130, -128, 127, x, yg), EO_OK);
    for (int c = 0; c < 4; c++) {
        double s = 0;
        for (int i = 0; i < 130; i++) s += x[c * 130 + i];
        assert_true(fabs(yg[c] - s / 130) <= 0.5);
    }
}

/* ------------------------------------------------- clamps and argument checks */

static void test_saturation_and_checks(void **state)
{
    (void)state;
    const int8_t x[4] = {127, 127, 127, 127}, w[8] = {127, 127, 127, 127, -127, -127, -127, -127};
    int32_t m = INT32_C(1) << 30, s = 0; /* multiplier 0.5 */
    int8_t y[2] = {0, 0};
    eo_q8_params p = {-128, 0, -128, 127, 1, &m, &s};
    assert_int_equal(eo_q8_fc(&p, 1, 4, 2, x, w, NULL, y), EO_OK);
    assert_int_equal(y[0], 127); /* 4 * 255 * 127 / 2 saturates high */
    assert_int_equal(y[1], -128);
    /* a ReLU clamp at the zero point, a ReLU6 upper clamp */
    p.out_zp = -10;
    p.act_min = -10;
    p.act_max = 50;
    assert_int_equal(eo_q8_fc(&p, 1, 4, 2, x, w, NULL, y), EO_OK);
    assert_int_equal(y[0], 50);
    assert_int_equal(y[1], -10);

    /* invalid calls leave the output alone */
    int8_t keep[2] = {42, 42};
    eo_q8_params bad = p;
    bad.in_zp = 128;
    assert_int_equal(eo_q8_fc(&bad, 1, 4, 2, x, w, NULL, keep), EO_ERR_INVALID);
    bad = p;
    bad.act_min = 60;
    assert_int_equal(eo_q8_fc(&bad, 1, 4, 2, x, w, NULL, keep), EO_ERR_INVALID);
    bad = p;
    bad.n_mult = 3;
    assert_int_equal(eo_q8_fc(&bad, 1, 4, 2, x, w, NULL, keep), EO_ERR_INVALID);
    int32_t s_bad = 31;
    bad = p;
    bad.shift = &s_bad;
    assert_int_equal(eo_q8_fc(&bad, 1, 4, 2, x, w, NULL, keep), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc(NULL, 1, 4, 2, x, w, NULL, keep), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc(&p, 1, 0, 2, x, w, NULL, keep), EO_ERR_INVALID);
    assert_int_equal(eo_q8_fc(&p, 1, 4, 2, NULL, w, NULL, keep), EO_ERR_INVALID);
    assert_int_equal(keep[0], 42);
    assert_int_equal(keep[1], 42);

    /* geometry: output size < 1, pool pads >= window */
    eo_q8_geom g = {1, 1, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0};
    assert_int_equal(eo_q8_geom_out_h(&g), 0);
    assert_int_equal(eo_q8_conv2d(&p, &g, 2, x, w, NULL, keep), EO_ERR_INVALID);
    g.pad_top = 3;
    g.pad_left = 1;
    assert_int_equal(eo_q8_maxpool(&g, -128, 127, x, keep), EO_ERR_INVALID);
    assert_int_equal(keep[0], 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requant_vectors),
        cmocka_unit_test(test_quantize_multiplier_vectors),
        cmocka_unit_test(test_requant_vs_real),
        cmocka_unit_test(test_kernel_vectors_ref),
        cmocka_unit_test(test_kernel_vectors_avx2),
        cmocka_unit_test(test_choose_params),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fake_quant),
        cmocka_unit_test(test_weights_and_zero_scale),
        cmocka_unit_test(test_act_range),
        cmocka_unit_test(test_fc_vs_float),
        cmocka_unit_test(test_conv_vs_float),
        cmocka_unit_test(test_pools_vs_float),
        cmocka_unit_test(test_saturation_and_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
