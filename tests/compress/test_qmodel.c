/* Whole-model int8 quantization: outputs against the float model within a
 * bound derived from the quantization steps, each op against a double
 * precision simulation of the quantized arithmetic, argmax agreement,
 * kernel paths bit-identical, refusals, validation of raw ops, and no
 * allocation after reserve. */
#include <string.h>

#include "cm_util.h"
#include "edgeopt/qmodel.h"

#define MLP_D 8
#define MLP_K 4

static const char *cnn_desc =
    "conv 4 3x3 pad=1 -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> relu6 -> conv 6 3x3 stride=2 pad=1 -> relu -> "
    "avgpool 2 -> flatten -> dense 3";

static eo_model *trained_mlp(float **x, int32_t **y, size_t n)
{
    *x = malloc(n * MLP_D * sizeof **x);
    *y = malloc(n * sizeof **y);
    cm_blobs(n, MLP_D, MLP_K, 1.0, 7, 8, *x, *y);
    eo_model *m = cm_model("mlp:16,12", 1, 1, MLP_D, MLP_K, 3);
    cm_train(m, *x, *y, n, 32, 400, 0.01);
    return m;
}

static float *random_images(size_t n, size_t d, uint64_t seed)
{
    float *x = malloc(n * d * sizeof *x);
    eo_rng r;
    eo_rng_seed(&r, seed);
    for (size_t i = 0; i < n * d; i++) x[i] = (float)eo_rng_normal(&r);
    return x;
}

static eo_qmodel *quantize(eo_model *m, const float *x, size_t n, int per_channel)
{
    eo_qmodel_params p = eo_qmodel_defaults();
    p.per_channel = per_channel;
    eo_qmodel *q = NULL;
    eo_error e;
    eo_error_clear(&e);
    int st = eo_qmodel_quantize(m, x, n, &p, NULL, &q, &e);
    if (st) fail_msg("quantize: %s", e.msg);
    return q;
}

/* --------------------------------------------------- error bound vs float */

/* Float activations after layer `last` (eval mode): a model made of the
 * first last+1 layers with m's parameters. out: n x numel, caller frees. */
static float *prefix_forward(const eo_model *m, int last, const float *x, int n, size_t *numel)
{
    int64_t in[3];
    eo_model_in_shape(m, in);
    eo_layer_desc d[32];
    for (int i = 0; i <= last; i++) eo_model_layer(m, i, &d[i], NULL, NULL, NULL, NULL);
    eo_model *p = NULL;
    assert_int_equal(eo_model_create(in, d, last + 1, NULL, &p, NULL), EO_OK);
    if (eo_model_nparams(p)) memcpy(eo_model_params(p), eo_model_params_const(m), eo_model_nparams(p) * sizeof(float));
    const float *y;
    assert_int_equal(eo_model_forward(p, x, n, 0, NULL, &y), EO_OK);
    *numel = (size_t)eo_model_out_numel(p);
    float *r = malloc((size_t)n * *numel * sizeof *r);
    memcpy(r, y, (size_t)n * *numel * sizeof *r);
    eo_model_destroy(p);
    return r;
}

/* For output (oc, oy, ox) of a compute op: t1 = sum |w| |eps| and
 * t2 = sum |xhat| over the terms of its dot product (W float weights, eps =
 * xhat - x_float per input element, xhat the dequantized int8 input). */
static void dot_terms(const eo_qop *o, const float *W, const float *eps, const float *xhat, int32_t oc, int32_t oy,
                      int32_t ox, double *t1, double *t2)
{
    *t1 = *t2 = 0;
    if (o->kind == EO_QOP_FC) {
        for (int32_t i = 0; i < o->fan_in; i++) {
            *t1 += fabs(W[(size_t)oc * o->fan_in + i]) * fabs(eps[i]);
            *t2 += fabs(xhat[i]);
        }
        return;
    }
    const eo_q8_geom *g = &o->geom;
    int dw = o->kind == EO_QOP_DWCONV2D;
    for (int c = dw ? oc : 0; c < (dw ? oc + 1 : g->c); c++)
        for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++) {
                int iy = oy * g->stride_h - g->pad_top + ky, ix = ox * g->stride_w - g->pad_left + kx;
                if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) continue;
                size_t xi = ((size_t)c * g->h + iy) * g->w + ix;
                size_t wi = (size_t)oc * o->fan_in + ((size_t)(dw ? 0 : c) * g->kh + ky) * g->kw + kx;
                *t1 += fabs(W[wi]) * fabs(eps[xi]);
                *t2 += fabs(xhat[xi]);
            }
}

/* Every op's dequantized output against the float model's activation at the
 * same layer, within a bound derived from the quantization steps. With xhat
 * the int8 op's dequantized input, eps = xhat - x its measured error and
 * what = w + dw the dequantized weights (|dw| <= s_w / 2):
 *   sum what xhat + bhat - (sum w x + b) = sum w eps + sum dw xhat + (bhat - b)
 * so |error| <= sum |w||eps| + (s_w/2) sum |xhat| + s_in s_w / 2, plus the
 * output rounding (two roundings in the fixed-point multiply: one step) and
 * the zero-point nudge of the output range (half a step). ReLU, ReLU6 and the
 * clamp are 1-Lipschitz. Max pooling keeps the largest input error, average
 * pooling adds half a step. */
static void check_bound(eo_model *m, const float *x, int n, int per_channel)
{
    eo_qmodel *q = quantize(m, x, (size_t)n, per_channel);
    const float *params = eo_model_params_const(m);
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    size_t din = (size_t)eo_model_in_numel(m);
    /* float input and dequantized int8 input of op 0 */
    float *fin = malloc((size_t)n * din * sizeof *fin), *xhat = malloc((size_t)n * din * sizeof *xhat);
    memcpy(fin, x, (size_t)n * din * sizeof *fin);
    for (size_t j = 0; j < (size_t)n * din; j++) {
        double r = (double)(x[j] / iq.scale);
        r = (r < 0 ? -floor(-r + 0.5) : floor(r + 0.5)) + iq.zero_point;
        r = fmin(fmax(r, -128), 127);
        xhat[j] = iq.scale * (float)(r - iq.zero_point);
    }
    size_t nin = din;
    double worst_ratio = 0;
    for (int i = 0; i < eo_qmodel_nops(q); i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        size_t nout;
        float *fout = prefix_forward(m, o.last_layer, x, n, &nout);
        float *qout = malloc((size_t)n * nout * sizeof *qout);
        assert_int_equal(eo_qmodel_forward_upto(q, x, n, i, qout), EO_OK);
        float *eps = malloc((size_t)n * nin * sizeof *eps);
        double emax = 0;
        for (size_t j = 0; j < (size_t)n * nin; j++) {
            eps[j] = xhat[j] - fin[j];
            emax = fmax(emax, fabs(eps[j]));
        }
        const float *W = NULL;
        if (eo_qop_is_compute(o.kind)) {
            size_t poff;
            eo_model_layer(m, o.first_layer, NULL, NULL, NULL, &poff, NULL);
            W = params + poff;
        }
        double big = 0, worst = 0, bmax = 0;
        for (int b = 0; b < n; b++)
            for (int32_t c = 0; c < (int32_t)o.out_shape[0]; c++)
                for (int32_t oy = 0; oy < (int32_t)o.out_shape[1]; oy++)
                    for (int32_t ox = 0; ox < (int32_t)o.out_shape[2]; ox++) {
                        size_t at = ((size_t)c * o.out_shape[1] + oy) * o.out_shape[2] + ox;
                        double bound;
                        if (W) {
                            int32_t row = o.kind == EO_QOP_FC ? (int32_t)at : c;
                            double sw = o.w_scale[o.n_wscale == 1 ? 0 : row], t1, t2;
                            dot_terms(&o, W, eps + (size_t)b * nin, xhat + (size_t)b * nin, row, oy, ox, &t1, &t2);
                            bound = t1 + 0.5 * sw * t2 + 0.5 * o.in_scale * sw + 1.5 * o.out_scale;
                        } else {
                            bound = emax + (o.kind == EO_QOP_MAXPOOL ? 0.0 : 0.5 * o.out_scale);
                        }
                        size_t k = (size_t)b * nout + at;
                        double err = fabs((double)qout[k] - (double)fout[k]);
                        if (err > bound)
                            fail_msg("op %d (%s): error %g > bound %g at sample %d, output %zu", i,
                                     eo_qop_kind_name(o.kind), err, bound, b, at);
                        worst = fmax(worst, err);
                        bmax = fmax(bmax, bound);
                        big = fmax(big, fabs((double)fout[k]));
                        worst_ratio = fmax(worst_ratio, err / bound);
                    }
        /* the bound is informative: well below the activations' size */
        if (!(bmax < 0.25 * big)) fail_msg("op %d: bound %g is not small against |activation| %g", i, bmax, big);
        free(eps);
        free(fin);
        free(xhat);
        fin = fout;
        xhat = qout;
        nin = nout;
    }
    assert_true(worst_ratio > 0.05); /* and not absurdly loose */
    free(fin);
    free(xhat);
    eo_qmodel_destroy(q);
}

static void test_mlp_bound(void **state)
{
    (void)state;
    float *x;
    int32_t *y;
    eo_model *m = trained_mlp(&x, &y, 1024);
    check_bound(m, x, 1024, 1);
    check_bound(m, x, 1024, 0);
    eo_model_destroy(m);
    free(x);
    free(y);
}

static void test_cnn_bound(void **state)
{
    (void)state;
    eo_model *m = cm_model(cnn_desc, 2, 8, 8, 3, 11);
    float *x = random_images(256, 128, 5);
    check_bound(m, x, 256, 1);
    check_bound(m, x, 256, 0);
    eo_model_destroy(m);
    free(x);
}

/* ----------------------------------------- each op vs a double simulation */

static int8_t quant1(float v, float s, int32_t zp)
{
    double r = (double)(v / s);
    double q = (r < 0 ? -floor(-r + 0.5) : floor(r + 0.5)) + zp;
    return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* Reference output of a compute op from its int8 input, in double: the real
 * multiplier s_in s_w / s_out, rounding half away from zero. */
static int ref_out(const eo_qop *o, const int8_t *x, int32_t oc, int32_t oy, int32_t ox)
{
    double acc = o->bias[oc];
    int ch0 = o->kind == EO_QOP_DWCONV2D ? oc : 0, ch1 = o->kind == EO_QOP_DWCONV2D ? oc + 1 : (int)o->in_shape[0];
    if (o->kind == EO_QOP_FC) {
        for (int32_t i = 0; i < o->fan_in; i++) acc += (double)(x[i] - o->in_zp) * o->w[(size_t)oc * o->fan_in + i];
    } else {
        const eo_q8_geom *g = &o->geom;
        for (int c = ch0; c < ch1; c++)
            for (int ky = 0; ky < g->kh; ky++)
                for (int kx = 0; kx < g->kw; kx++) {
                    int iy = oy * g->stride_h - g->pad_top + ky, ix = ox * g->stride_w - g->pad_left + kx;
                    if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) continue;
                    int wc = o->kind == EO_QOP_DWCONV2D ? 0 : c;
                    int8_t wv = o->w[(size_t)oc * o->fan_in + ((size_t)wc * g->kh + ky) * g->kw + kx];
                    acc += (double)(x[((size_t)c * g->h + iy) * g->w + ix] - o->in_zp) * wv;
                }
    }
    double M = (double)o->in_scale * o->w_scale[o->n_wscale == 1 ? 0 : oc] / o->out_scale;
    double v = acc * M;
    double r = (v < 0 ? -floor(-v + 0.5) : floor(v + 0.5)) + o->out_zp;
    return (int)fmin(fmax(r, o->act_min), o->act_max);
}

static void check_ops_exact(eo_qmodel *q, const float *x, int n)
{
    size_t din = (size_t)eo_qmodel_in_numel(q);
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    size_t total = 0, exact = 0;
    int maxdiff = 0;
    for (int i = 0; i < eo_qmodel_nops(q); i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        size_t nin = (size_t)(o.in_shape[0] * o.in_shape[1] * o.in_shape[2]);
        size_t nout = (size_t)(o.out_shape[0] * o.out_shape[1] * o.out_shape[2]);
        float *fin = malloc((size_t)n * (nin > din ? nin : din) * sizeof *fin), *fout = malloc((size_t)n * nout * sizeof *fout);
        int8_t *xin = malloc((size_t)n * nin);
        if (i == 0) {
            for (size_t j = 0; j < (size_t)n * din; j++) xin[j] = quant1(x[j], iq.scale, iq.zero_point);
        } else {
            assert_int_equal(eo_qmodel_forward_upto(q, x, n, i - 1, fin), EO_OK);
            for (size_t j = 0; j < (size_t)n * nin; j++) xin[j] = quant1(fin[j], o.in_scale, o.in_zp);
        }
        assert_int_equal(eo_qmodel_forward_upto(q, x, n, i, fout), EO_OK);
        if (eo_qop_is_compute(o.kind)) {
            for (int b = 0; b < n; b++)
                for (int32_t c = 0; c < (int32_t)o.out_shape[0]; c++)
                    for (int32_t oy = 0; oy < (int32_t)o.out_shape[1]; oy++)
                        for (int32_t ox = 0; ox < (int32_t)o.out_shape[2]; ox++) {
                            size_t at = ((size_t)c * o.out_shape[1] + oy) * o.out_shape[2] + ox;
                            int want = o.kind == EO_QOP_FC ? ref_out(&o, xin + (size_t)b * nin, (int32_t)at, 0, 0)
                                                           : ref_out(&o, xin + (size_t)b * nin, c, oy, ox);
                            int got = quant1(fout[(size_t)b * nout + at], o.out_scale, o.out_zp);
                            int d = abs(want - got);
                            maxdiff = d > maxdiff ? d : maxdiff;
                            exact += d == 0;
                            total++;
                        }
        }
        free(fin);
        free(fout);
        free(xin);
    }
    /* the Q31 multiplier and the double rounding of the fixed-point multiply
     * may move a value by one step; almost all agree exactly */
    assert_true(maxdiff <= 1);
    assert_true(total > 0 && (double)exact >= 0.99 * (double)total);
}

static void test_ops_vs_simulation(void **state)
{
    (void)state;
    float *x;
    int32_t *y;
    eo_model *m = trained_mlp(&x, &y, 512);
    for (int pc = 0; pc <= 1; pc++) {
        eo_qmodel *q = quantize(m, x, 512, pc);
        check_ops_exact(q, x, 64);
        eo_qmodel_destroy(q);
    }
    eo_model_destroy(m);
    free(x);
    free(y);
    eo_model *c = cm_model(cnn_desc, 2, 8, 8, 3, 12);
    float *xi = random_images(128, 128, 6);
    for (int pc = 0; pc <= 1; pc++) {
        eo_qmodel *q = quantize(c, xi, 128, pc);
        assert_int_equal(eo_qmodel_nops(q), 6); /* conv, maxpool, dwconv, conv, avgpool, fc */
        check_ops_exact(q, xi, 8);
        eo_qmodel_destroy(q);
    }
    eo_model_destroy(c);
    free(xi);
}

/* -------------------------------------------------------------- argmax */

static void test_argmax_agreement(void **state)
{
    (void)state;
    float *x;
    int32_t *y;
    eo_model *m = trained_mlp(&x, &y, 1024);
    enum { NT = 2000 };
    float *xt = malloc(NT * MLP_D * sizeof *xt);
    int32_t *yt = malloc(NT * sizeof *yt);
    cm_blobs(NT, MLP_D, MLP_K, 1.0, 7, 99, xt, yt); /* same centers, new noise */
    double acc = cm_accuracy(m, xt, yt, NT);
    assert_true(acc > 0.8);
    for (int pc = 0; pc <= 1; pc++) {
        eo_qmodel *q = quantize(m, x, 1000, pc);
        float *oq = malloc((size_t)NT * MLP_K * sizeof *oq);
        assert_int_equal(eo_qmodel_forward(q, xt, NT, oq), EO_OK);
        const float *of;
        assert_int_equal(eo_model_forward(m, xt, NT, 0, NULL, &of), EO_OK);
        int agree = 0;
        for (int i = 0; i < NT; i++) agree += cm_argmax(oq + i * MLP_K, MLP_K) == cm_argmax(of + i * MLP_K, MLP_K);
        if (agree < 0.98 * NT) fail_msg("argmax agreement %d / %d", agree, NT);
        free(oq);
        eo_qmodel_destroy(q);
    }
    eo_model_destroy(m);
    free(x);
    free(y);
    free(xt);
    free(yt);
}

/* ------------------------------------------------------- kernel paths */

static void test_paths_bit_identical(void **state)
{
    (void)state;
    eo_model *c = cm_model(cnn_desc, 2, 8, 8, 3, 13);
    float *xi = random_images(64, 128, 8);
    eo_qmodel *q = quantize(c, xi, 64, 1);
    int8_t *xq = malloc(64 * 128), y1[64 * 3], y2[64 * 3];
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    for (int i = 0; i < 64 * 128; i++) xq[i] = quant1(xi[i], iq.scale, iq.zero_point);
    assert_int_equal(eo_qmodel_set_path(q, EO_Q8_PATH_REF), EO_OK);
    assert_int_equal(eo_qmodel_forward_q8(q, xq, 64, y1), EO_OK);
    if (eo_qmodel_set_path(q, EO_Q8_PATH_AVX2) == EO_OK) {
        assert_int_equal(eo_qmodel_forward_q8(q, xq, 64, y2), EO_OK);
        assert_memory_equal(y1, y2, sizeof y1);
    }
    if (eo_qmodel_set_path(q, EO_Q8_PATH_VNNI) == EO_OK) { /* FC ops on their packed weights */
        assert_int_equal(eo_qmodel_forward_q8(q, xq, 64, y2), EO_OK);
        assert_memory_equal(y1, y2, sizeof y1);
    }
    /* the float wrapper is quantize -> forward_q8 -> dequantize */
    float of[64 * 3];
    assert_int_equal(eo_qmodel_forward(q, xi, 64, of), EO_OK);
    eo_q8_qparam oq = eo_qmodel_output_qparam(q);
    for (int i = 0; i < 64 * 3; i++) assert_true(of[i] == oq.scale * (float)(y1[i] - oq.zero_point));
    /* batch 1 gives the rows of the batch run */
    for (int b = 0; b < 64; b += 9) {
        int8_t y3[3];
        assert_int_equal(eo_qmodel_forward_q8(q, xq + b * 128, 1, y3), EO_OK);
        assert_memory_equal(y3, y1 + b * 3, 3);
    }
    free(xq);
    free(xi);
    eo_qmodel_destroy(q);
    eo_model_destroy(c);
}

/* ----------------------------------------------------------- refusals */

static void expect_refusal(const char *desc, const char *needle)
{
    eo_model *m = cm_model(desc, 1, 6, 6, 2, 1);
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_qmodel_check(m, &e), EO_ERR_UNSUPPORTED);
    if (!strstr(e.msg, needle)) fail_msg("'%s' not in '%s'", needle, e.msg);
    float *x = random_images(4, 36, 1);
    eo_qmodel *q = NULL;
    eo_qmodel_params p = eo_qmodel_defaults();
    assert_int_equal(eo_qmodel_quantize(m, x, 4, &p, NULL, &q, NULL), EO_ERR_UNSUPPORTED);
    assert_null(q);
    free(x);
    eo_model_destroy(m);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_refusal("dense 8 -> tanh -> dense 2", "layer 1 (tanh)");
    expect_refusal("dense 8 -> sigmoid -> dense 2", "layer 1 (sigmoid)");
    expect_refusal("dense 8 -> leaky_relu -> dense 2", "layer 1 (leaky_relu)");
    expect_refusal("dense 8 -> softmax -> dense 2", "layer 1 (softmax)");
    expect_refusal("relu -> dense 2", "layer 0 (relu)");
    expect_refusal("conv 2 3x3 -> relu -> avgpool 2 pad=1 -> dense 2", "layer 2 (avgpool with pad=1)");
    expect_refusal("dense 8 -> relu -> batchnorm -> dense 2", "layer 2 (batchnorm)");
}

/* Batch norm folded, dropout dropped, final softmax in float. */
static void test_bn_dropout_softmax(void **state)
{
    (void)state;
    eo_model *m = cm_model("dense 12 -> batchnorm -> relu -> dropout 0.3 -> dense 4 -> softmax", 1, 1, MLP_D, 4, 21);
    size_t bo, bc, po, pc;
    eo_model_layer_buffers(m, 1, &bo, &bc);
    eo_model_layer(m, 1, NULL, NULL, NULL, &po, &pc);
    eo_rng r;
    eo_rng_seed(&r, 4);
    float *buf = eo_model_buffers(m), *par = eo_model_params(m);
    for (size_t i = 0; i < bc / 2; i++) {
        buf[bo + i] = (float)(0.3 * eo_rng_normal(&r));
        buf[bo + bc / 2 + i] = (float)(0.5 + eo_rng_uniform(&r));
        par[po + i] = (float)(0.5 + eo_rng_uniform(&r));
        par[po + pc / 2 + i] = (float)(0.2 * eo_rng_normal(&r));
    }
    float *x = random_images(512, MLP_D, 9);
    eo_qmodel *q = quantize(m, x, 512, 1);
    assert_int_equal(eo_qmodel_nops(q), 2);
    assert_int_equal(eo_qmodel_final_softmax(q), 1);
    eo_qop o;
    eo_qmodel_op(q, 0, &o);
    assert_int_equal(o.act, EO_Q8_ACT_RELU);
    assert_int_equal(o.last_layer, 2); /* folded: dense, relu, dropout, dense, softmax */
    float *out = malloc(512 * 4 * sizeof *out);
    assert_int_equal(eo_qmodel_forward(q, x, 512, out), EO_OK);
    const float *ref;
    assert_int_equal(eo_model_forward(m, x, 512, 0, NULL, &ref), EO_OK);
    int agree = 0;
    for (int i = 0; i < 512; i++) {
        double s = 0;
        for (int j = 0; j < 4; j++) {
            s += out[i * 4 + j];
            assert_true(fabs(out[i * 4 + j] - ref[i * 4 + j]) < 0.05);
        }
        EO_ASSERT_CLOSE(s, 1.0, 0, 1e-5);
        agree += cm_argmax(out + i * 4, 4) == cm_argmax(ref + i * 4, 4);
    }
    assert_true(agree >= 500);
    free(out);
    free(x);
    eo_qmodel_destroy(q);
    eo_model_destroy(m);
}

/* ------------------------------------------------------- raw-op checks */

static void test_create_validates(void **state)
{
    (void)state;
    eo_model *c = cm_model(cnn_desc, 2, 8, 8, 3, 14);
    float *xi = random_images(16, 128, 10);
    eo_qmodel *q = quantize(c, xi, 16, 1);
    int n = eo_qmodel_nops(q), nl;
    const eo_layer_desc *layers = eo_qmodel_layers(q, &nl);
    eo_qop ops[8];
    for (int i = 0; i < n; i++) eo_qmodel_op(q, i, &ops[i]);
    int64_t in[3];
    eo_qmodel_in_shape(q, in);
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    eo_qmodel *q2 = NULL;
    assert_int_equal(eo_qmodel_create(in, iq.scale, iq.zero_point, ops, n, 0, layers, nl, NULL, &q2, NULL), EO_OK);
    /* same ops -> same outputs */
    float a[16 * 3], b[16 * 3];
    assert_int_equal(eo_qmodel_forward(q, xi, 16, a), EO_OK);
    assert_int_equal(eo_qmodel_forward(q2, xi, 16, b), EO_OK);
    assert_memory_equal(a, b, sizeof a);
    eo_qmodel_destroy(q2);
    eo_error e;
    struct {
        int op;
        int what;
    } cases[] = {{0, 0}, {0, 1}, {1, 2}, {0, 3}, {5, 4}, {0, 5}, {3, 6}, {4, 7}};
    int32_t badmult[8] = {12345};
    int32_t badshift[8] = {40};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        eo_qop o2[8];
        memcpy(o2, ops, sizeof o2);
        eo_qop *o = &o2[cases[t].op];
        switch (cases[t].what) {
        case 0: o->in_shape[1] = 7; break;                    /* shape chain broken */
        case 1: o->mult = badmult; o->n_wscale = 1; break;     /* multiplier below 2^30 */
        case 2: o->out_scale *= 2; break;                     /* pool changes the scale */
        case 3: o->act_max = 100; break;                      /* clamp not the one relu implies */
        case 4: o->fan_in += 1; break;                        /* fc fan-in */
        case 5: o->shift = badshift; o->n_wscale = 1; o->mult = ops[0].mult; break;
        case 6: o->geom.stride_h = 0; break;
        case 7: o->in_zp = 300; break;
        }
        eo_error_clear(&e);
        q2 = NULL;
        int st = eo_qmodel_create(in, iq.scale, iq.zero_point, o2, n, 0, layers, nl, NULL, &q2, &e);
        if (st != EO_ERR_FORMAT) fail_msg("case %zu accepted (%d)", t, st);
        assert_null(q2);
        assert_true(strlen(e.msg) > 0);
    }
    free(xi);
    eo_qmodel_destroy(q);
    eo_model_destroy(c);
}

/* ------------------------------------------------------------ no alloc */

typedef struct counting {
    int allocs;
} counting;

static void *c_alloc(void *ctx, size_t n)
{
    ((counting *)ctx)->allocs++;
    return malloc(n);
}
static void c_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void test_no_alloc_after_reserve(void **state)
{
    (void)state;
    eo_model *c = cm_model(cnn_desc, 2, 8, 8, 3, 15);
    float *xi = random_images(32, 128, 11);
    counting cnt = {0};
    eo_allocator a = {c_alloc, c_free, &cnt};
    eo_qmodel_params p = eo_qmodel_defaults();
    eo_qmodel *q = NULL;
    assert_int_equal(eo_qmodel_quantize(c, xi, 32, &p, &a, &q, NULL), EO_OK);
    assert_int_equal(eo_qmodel_reserve(q, 32, NULL), EO_OK);
    int before = cnt.allocs;
    float out[32 * 3];
    for (int b = 1; b <= 32; b *= 2) assert_int_equal(eo_qmodel_forward(q, xi, b, out), EO_OK);
    assert_int_equal(cnt.allocs, before);
    assert_int_equal(eo_qmodel_arena_bytes(q, 32), 2u * 32u * 256u); /* largest activation: 4x8x8 */
    eo_qmodel_destroy(q);
    free(xi);
    eo_model_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_bound),
        cmocka_unit_test(test_cnn_bound),
        cmocka_unit_test(test_ops_vs_simulation),
        cmocka_unit_test(test_argmax_agreement),
        cmocka_unit_test(test_paths_bit_identical),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bn_dropout_softmax),
        cmocka_unit_test(test_create_validates),
        cmocka_unit_test(test_no_alloc_after_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
