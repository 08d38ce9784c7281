/* Building an int8 model from a float model: conversion with given
 * activation ranges, and post-training quantization with calibration.
 *
 * For a compute op with input quantization (s_in, z_in), weights quantized
 * symmetrically to w_q with scale s_w[c], and output quantization (s_out,
 * z_out):
 *   y_real[c] = sum_i s_w[c] w_q[c][i] * s_in (x_q[i] - z_in) + b[c]
 *             = s_in s_w[c] (sum_i w_q[c][i] (x_q[i] - z_in) + b_q[c]),
 *   b_q[c]    = round(b[c] / (s_in s_w[c])),
 *   y_q[c]    = z_out + (s_in s_w[c] / s_out) * acc[c]   (fixed-point multiplier),
 * clamped by the fused activation (Jacob et al. 2018, eq. 7-10). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/model_chain.h"
#include "compress/qmodel_internal.h"

static int64_t numel3(const int64_t s[3]) { return s[0] * s[1] * s[2]; }

int eo_qmodel_check(const eo_model *m, eo_error *err)
{
    eo_model *f = NULL;
    int st = eo_model_fold_batchnorm(m, &f, err);
    if (st) return st;
    eo_qplan plan;
    st = eo_qplan_make(f, &plan, err);
    eo_qplan_free(&plan);
    eo_model_destroy(f);
    return st;
}

/* Arrays of one compute op before eo_qmodel_create copies them. */
typedef struct op_arrays {
    int8_t *w;
    float *ws;
    int32_t *b, *mult, *shift;
} op_arrays;

static int fill_compute(const eo_model *m, const eo_qplan_op *po, eo_qop *o, op_arrays *a, int per_channel,
                        eo_error *err)
{
    eo_layer_desc d;
    size_t poff, pcnt;
    eo_model_layer(m, po->first_layer, &d, NULL, NULL, &poff, &pcnt);
    int32_t rows = o->out_ch, cols = o->fan_in;
    size_t nw = (size_t)rows * (size_t)cols;
    if (nw + (size_t)rows != pcnt)
        return eo_error_set(err, EO_ERR_STATE, "layer %d: %zu parameters, expected %zu", po->first_layer, pcnt,
                            nw + (size_t)rows);
    const float *W = eo_model_params_const(m) + poff, *B = W + nw;
    int32_t ns = per_channel ? rows : 1;
    a->w = malloc(nw);
    a->ws = malloc((size_t)ns * sizeof(float));
    a->b = malloc((size_t)rows * sizeof(int32_t));
    a->mult = malloc((size_t)ns * sizeof(int32_t));
    a->shift = malloc((size_t)ns * sizeof(int32_t));
    if (!a->w || !a->ws || !a->b || !a->mult || !a->shift) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int st = eo_q8_quantize_weights(W, rows, cols, per_channel, a->w, a->ws);
    if (st) return eo_error_set(err, st, "layer %d: weights cannot be quantized (%s)", po->first_layer, eo_status_str(st));
    int32_t clamped = 0;
    st = eo_q8_quantize_bias(B, rows, o->in_scale, a->ws, ns, a->b, &clamped);
    if (!st) st = eo_q8_requant_params(o->in_scale, a->ws, ns, o->out_scale, a->mult, a->shift);
    if (st)
        return eo_error_set(err, st, "layer %d: bias or requantization parameters out of range (%s)", po->first_layer,
                            eo_status_str(st));
    o->n_wscale = ns;
    o->w = a->w;
    o->w_scale = a->ws;
    o->bias = a->b;
    o->mult = a->mult;
    o->shift = a->shift;
    return EO_OK;
}

int eo_qmodel_from_ranges(const eo_model *m, const double *lo, const double *hi, int npoints,
                          const eo_qmodel_params *p, const eo_allocator *alloc, eo_qmodel **out, eo_error *err)
{
    if (!m || !lo || !hi || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_from_ranges: NULL argument");
    *out = NULL;
    const char *why = eo_qmodel_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_qplan plan;
    int st = eo_qplan_make(m, &plan, err);
    if (st) return st;
    if (npoints != plan.npoints) {
        eo_qplan_free(&plan);
        return eo_error_set(err, EO_ERR_INVALID, "%d activation ranges given, the model has %d quantization points",
                            npoints, plan.npoints);
    }
    eo_q8_qparam *qp = calloc((size_t)npoints, sizeof *qp);
    eo_qop *ops = calloc((size_t)plan.nops, sizeof *ops);
    op_arrays *arr = calloc((size_t)plan.nops, sizeof *arr);
    int nl = eo_model_nlayers(m);
    eo_layer_desc *layers = calloc((size_t)nl, sizeof *layers);
    if (!qp || !ops || !arr || !layers) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < nl; i++) eo_model_layer(m, i, &layers[i], NULL, NULL, NULL, NULL);
    for (int j = 0; j < npoints && !st; j++) {
        st = eo_q8_choose_params(lo[j], hi[j], &qp[j]);
        if (st) st = eo_error_set(err, st, "activation range %d [%g, %g] is not usable", j, lo[j], hi[j]);
    }
    int64_t cur[3];
    eo_model_in_shape(m, cur);
    for (int i = 0; i < plan.nops && !st; i++) {
        const eo_qplan_op *po = &plan.ops[i];
        eo_qop *o = &ops[i];
        eo_layer_desc d;
        int64_t fin[3], fout[3];
        eo_model_layer(m, po->first_layer, &d, fin, fout, NULL, NULL);
        int same = po->kind == EO_QOP_FC ? numel3(fin) == numel3(cur)
                                         : fin[0] == cur[0] && fin[1] == cur[1] && fin[2] == cur[2];
        if (!same) {
            st = eo_error_set(err, EO_ERR_UNSUPPORTED,
                              "layer %d (%s) reads a reshaped (flattened) tensor; only dense layers may follow a "
                              "flatten in an int8 model",
                              po->first_layer, eo_layer_kind_name(d.kind));
            break;
        }
        o->kind = po->kind;
        o->first_layer = po->first_layer;
        o->last_layer = po->last_layer;
        memcpy(o->in_shape, cur, sizeof cur);
        memcpy(o->out_shape, fout, sizeof fout);
        o->act = po->act;
        o->in_scale = qp[po->in_point].scale;
        o->in_zp = qp[po->in_point].zero_point;
        if (po->kind != EO_QOP_FC && po->kind != EO_QOP_GAP) {
            eo_q8_geom g = {1, (int32_t)cur[0], (int32_t)cur[1], (int32_t)cur[2], d.kh, d.kw, d.stride, d.stride,
                            d.pad, d.pad, d.pad, d.pad};
            o->geom = g;
            if (eo_q8_geom_out_h(&g) != fout[1] || eo_q8_geom_out_w(&g) != fout[2]) {
                st = eo_error_set(err, EO_ERR_STATE, "layer %d: int8 geometry disagrees with the float layer's shape",
                                  po->first_layer);
                break;
            }
        }
        switch (po->kind) {
        case EO_QOP_FC:
            o->out_ch = (int32_t)fout[2];
            o->fan_in = (int32_t)numel3(cur);
            break;
        case EO_QOP_CONV2D:
            o->out_ch = (int32_t)fout[0];
            o->fan_in = (int32_t)(cur[0] * d.kh * d.kw);
            break;
        case EO_QOP_DWCONV2D:
            o->out_ch = (int32_t)cur[0];
            o->fan_in = d.kh * d.kw;
            break;
        default: o->out_ch = (int32_t)cur[0]; break;
        }
        if (eo_qop_is_compute(po->kind)) {
            o->out_scale = qp[po->point].scale;
            o->out_zp = qp[po->point].zero_point;
            st = fill_compute(m, po, o, &arr[i], p->per_channel, err);
        } else {
            o->out_scale = o->in_scale;
            o->out_zp = o->in_zp;
        }
        if (!st && eo_q8_act_range(o->act, o->out_scale, o->out_zp, &o->act_min, &o->act_max))
            st = eo_error_set(err, EO_ERR_STATE, "layer %d: no activation clamp", po->first_layer);
        memcpy(cur, fout, sizeof cur);
    }
    if (!st) {
        st = eo_qmodel_create(ops[0].in_shape, qp[0].scale, qp[0].zero_point, ops, plan.nops, plan.final_softmax,
                              layers, nl, alloc, out, err);
        if (!st && (st = eo_qmodel_set_path(*out, p->path))) {
            eo_qmodel_destroy(*out);
            *out = NULL;
            st = eo_error_set(err, st, "kernel path '%s' is not available on this CPU", eo_q8_path_name(p->path));
        }
    }
done:
    for (int i = 0; arr && i < plan.nops; i++) {
        free(arr[i].w);
        free(arr[i].ws);
        free(arr[i].b);
        free(arr[i].mult);
        free(arr[i].shift);
    }
    free(arr);
    free(ops);
    free(qp);
    free(layers);
    eo_qplan_free(&plan);
    return st;
}

/* ---------------------------------------------------------- calibration */

int eo_qmodel_quantize(const eo_model *m, const float *calib_x, size_t n, const eo_qmodel_params *p,
                       const eo_allocator *alloc, eo_qmodel **out, eo_error *err)
{
    if (!m || !calib_x || !p || !out || n < 1)
        return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_quantize: needs a model and >= 1 calibration sample");
    *out = NULL;
    const char *why = eo_qmodel_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_model *f = NULL;
    int st = eo_model_fold_batchnorm(m, &f, err);
    if (st) return st;
    eo_qplan plan;
    if ((st = eo_qplan_make(f, &plan, err))) {
        eo_model_destroy(f);
        return st;
    }
    int np = plan.npoints, nseg = np - 1;
    int *ends = calloc((size_t)np, sizeof *ends);
    eo_calib **cal = calloc((size_t)np, sizeof *cal);
    double *lo = calloc((size_t)np, sizeof *lo), *hi = calloc((size_t)np, sizeof *hi);
    eo__chain ch;
    memset(&ch, 0, sizeof ch);
    if (!ends || !cal || !lo || !hi) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0, k = 0; i < plan.nops; i++)
        if (plan.ops[i].point > 0) ends[k++] = plan.ops[i].last_layer;
    if (nseg > 0 && (st = eo__chain_create(f, ends, nseg, &ch, err))) goto done;
    for (int j = 0; j < np && !st; j++)
        if ((st = eo_calib_create(&p->calib, alloc, &cal[j]))) st = eo_error_set(err, st, "calibration: out of memory");
    const int B = 256;
    if (!st && nseg > 0) st = eo__chain_reserve(&ch, B, err);
    size_t in_numel = (size_t)eo_model_in_numel(f);
    for (size_t r0 = 0; r0 < n && !st; r0 += (size_t)B) {
        int bs = (int)(n - r0 < (size_t)B ? n - r0 : (size_t)B);
        const float *x = calib_x + r0 * in_numel;
        if ((st = eo_calib_observe(cal[0], x, (size_t)bs * in_numel))) {
            st = eo_error_set(err, st, "calibration input %zu..%zu holds NaN or Inf", r0, r0 + (size_t)bs - 1);
            break;
        }
        for (int k = 0; k < nseg && !st; k++) {
            const float *y;
            if ((st = eo_model_forward(ch.seg[k], x, bs, 0, NULL, &y))) {
                st = eo_error_set(err, st, "calibration forward pass failed");
                break;
            }
            size_t on = (size_t)eo_model_out_numel(ch.seg[k]) * (size_t)bs;
            if ((st = eo_calib_observe(cal[k + 1], y, on)))
                st = eo_error_set(err, st, "layer %d produced NaN or Inf during calibration", ch.last[k]);
            x = y;
        }
    }
    for (int j = 0; j < np && !st; j++)
        if ((st = eo_calib_range(cal[j], &lo[j], &hi[j]))) st = eo_error_set(err, st, "calibration range %d", j);
    if (!st) st = eo_qmodel_from_ranges(f, lo, hi, np, p, alloc, out, err);
done:
    for (int j = 0; cal && j < np; j++) eo_calib_destroy(cal[j]);
    free(cal);
    free(ends);
    free(lo);
    free(hi);
    eo__chain_destroy(&ch);
    eo_qplan_free(&plan);
    eo_model_destroy(f);
    return st;
}
