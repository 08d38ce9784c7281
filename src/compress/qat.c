/* Quantization-aware training by fake quantization with the straight-through
 * estimator (Jacob et al. 2018, sec. 3; Bengio, Leonard & Courville 2013).
 *
 * The folded float model is cut after every compute op of the int8 plan
 * (model_chain.h). Forward: each compute layer's weights are replaced by
 * dequantize(quantize(w)) with the int8 model's own functions
 * (eo_q8_quantize_weights), the input and each segment's output by
 * dequantize(quantize(x)) with the point's range (eo_q8_choose_params and the
 * int8 kernels' quantize/dequantize), so the forward pass sees exactly the
 * values the int8 model represents, apart from the integer rounding of the
 * accumulators. Backward: weights get the gradient of their fake-quantized
 * copies (STE), activations pass the gradient where x lies inside the
 * representable range [s (-128 - z), s (127 - z)] and block it outside.
 * Ranges move by an exponential moving average of each training batch's
 * min/max (TensorFlow's moving-average quantization). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress/model_chain.h"
#include "edgeopt/compress_model.h"

struct eo_qat {
    eo_qat_params p;
    eo_model *m;          /* folded master model (owned) */
    eo_qplan plan;
    int ncomp;            /* compute ops = npoints - 1 */
    int *comp_layer;      /* [ncomp] first layer of compute op j */
    eo__chain ch;         /* segments 0..ncomp-1 end at the points; maybe one trailing segment */
    double *lo, *hi;      /* [npoints] */
    size_t *numel;        /* [npoints] values per sample at each point */
    int max_batch;
    float **act;          /* [npoints] fake-quantized activations [max_batch * numel] */
    uint8_t **pass;       /* [npoints] STE masks */
    int8_t *qbuf;         /* int8 scratch (weights and activations) */
    float *wscale;        /* [largest row count] */
    float *gbuf;          /* masked gradient [max_batch * max numel] */
    size_t max_numel, max_w, max_rows, qcap;
    int have_fwd;
    int cur_batch;        /* batch of the last forward */
};

eo_qat_params eo_qat_defaults(void)
{
    eo_qat_params p = {1, 0.99};
    return p;
}

const char *eo_qat_params_check(const eo_qat_params *p)
{
    if (!p) return "NULL parameters";
    if (p->per_channel != 0 && p->per_channel != 1) return "per_channel must be 0 or 1";
    if (!(p->ema >= 0.0 && p->ema < 1.0)) return "ema must be in [0, 1)";
    return NULL;
}

void eo_qat_destroy(eo_qat *q)
{
    if (!q) return;
    for (int j = 0; q->act && j < q->plan.npoints; j++) {
        free(q->act[j]);
        free(q->pass[j]);
    }
    free(q->act);
    free(q->pass);
    free(q->qbuf);
    free(q->wscale);
    free(q->gbuf);
    free(q->lo);
    free(q->hi);
    free(q->numel);
    free(q->comp_layer);
    eo__chain_destroy(&q->ch);
    eo_qplan_free(&q->plan);
    eo_model_destroy(q->m);
    free(q);
}

/* rows x cols of compute layer L's weights and their offset. */
static void wdims(const eo_model *m, int L, int32_t *rows, int32_t *cols, size_t *po)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t pc;
    eo_model_layer(m, L, &d, in, out, po, &pc);
    *rows = d.kind == EO_LAYER_DENSE ? (int32_t)(out[0] * out[1] * out[2])
            : d.kind == EO_LAYER_CONV2D ? (int32_t)out[0]
                                        : (int32_t)in[0];
    *cols = (int32_t)((pc - (size_t)*rows) / (size_t)*rows);
}

size_t eo_qat_nparams(const eo_qat *q) { return eo_model_nparams(q->m); }
float *eo_qat_master_params(eo_qat *q) { return eo_model_params(q->m); }
float *eo_qat_master_grads(eo_qat *q) { return eo_model_grads(q->m); }
const uint8_t *eo_qat_weight_mask(const eo_qat *q) { return eo_model_weight_mask(q->m); }
const eo_model *eo_qat_model(const eo_qat *q) { return q->m; }
int eo_qat_npoints(const eo_qat *q) { return q->plan.npoints; }

void eo_qat_ranges(const eo_qat *q, double *lo, double *hi)
{
    memcpy(lo, q->lo, (size_t)q->plan.npoints * sizeof *lo);
    memcpy(hi, q->hi, (size_t)q->plan.npoints * sizeof *hi);
}

int eo_qat_reserve(eo_qat *q, int max_batch, eo_error *err)
{
    if (!q || max_batch < 1) return eo_error_set(err, EO_ERR_INVALID, "eo_qat_reserve: bad arguments");
    if (max_batch <= q->max_batch) return EO_OK;
    int st = eo__chain_reserve(&q->ch, max_batch, err);
    if (st) return st;
    size_t B = (size_t)max_batch;
    for (int j = 0; j < q->plan.npoints; j++) {
        float *a = malloc(B * q->numel[j] * sizeof *a);
        uint8_t *p = malloc(B * q->numel[j]);
        if (!a || !p) {
            free(a);
            free(p);
            return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        }
        free(q->act[j]);
        free(q->pass[j]);
        q->act[j] = a;
        q->pass[j] = p;
    }
    size_t qn = B * q->max_numel > q->max_w ? B * q->max_numel : q->max_w;
    int8_t *qb = malloc(qn);
    float *g = malloc(B * q->max_numel * sizeof *g);
    if (!qb || !g) {
        free(qb);
        free(g);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    free(q->qbuf);
    free(q->gbuf);
    q->qbuf = qb;
    q->qcap = qn;
    q->gbuf = g;
    q->max_batch = max_batch;
    q->have_fwd = 0;
    return EO_OK;
}

/* Fake quantization of n values at point j into act[j] and its STE mask. */
static int fake_quant(eo_qat *q, int j, const float *x, size_t n)
{
    eo_q8_qparam qp;
    int st = eo_q8_choose_params(q->lo[j], q->hi[j], &qp);
    if (st) return st;
    if ((st = eo_q8_quantize(n, x, qp.scale, qp.zero_point, q->qbuf))) return st;
    if ((st = eo_q8_dequantize(n, q->qbuf, qp.scale, qp.zero_point, q->act[j]))) return st;
    const float lo = qp.scale * (float)(-128 - qp.zero_point), hi = qp.scale * (float)(127 - qp.zero_point);
    for (size_t i = 0; i < n; i++) q->pass[j][i] = x[i] >= lo && x[i] <= hi;
    return EO_OK;
}

static void minmax(const float *x, size_t n, double *mn, double *mx)
{
    double a = x[0], b = x[0];
    for (size_t i = 1; i < n; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *mn = a;
    *mx = b;
}

/* Write the fake-quantized weights into the segments. */
static int load_weights(eo_qat *q)
{
    eo__chain_load(&q->ch, q->m);
    const float *P = eo_model_params_const(q->m);
    for (int j = 0; j < q->ncomp; j++) {
        int32_t rows, cols;
        size_t po;
        wdims(q->m, q->comp_layer[j], &rows, &cols, &po);
        size_t n = (size_t)rows * (size_t)cols;
        int st = eo_q8_quantize_weights(P + po, rows, cols, q->p.per_channel, q->qbuf, q->wscale);
        if (st) return st;
        float *dst = eo_model_params(q->ch.seg[j]) + (po - q->ch.poff[j]);
        for (size_t i = 0; i < n; i++) dst[i] = q->wscale[q->p.per_channel ? i / (size_t)cols : 0] * (float)q->qbuf[i];
    }
    return EO_OK;
}

/* mode 0: eval, 1: train (EMA ranges, dropout), 2: calibration (float weights,
 * no fake quantization, ranges widened to the observed min/max). */
static int run(eo_qat *q, const float *x, int batch, int mode, eo_rng *rng, const float **out)
{
    if (batch > q->max_batch) {
        int st = eo_qat_reserve(q, batch, NULL);
        if (st) return st;
    }
    int st = mode == 2 ? (eo__chain_load(&q->ch, q->m), EO_OK) : load_weights(q);
    if (st) return st;
    const float *in = x;
    for (int j = 0; j <= q->ncomp; j++) {
        size_t n = (size_t)batch * q->numel[j];
        if (mode != 0) {
            double mn, mx;
            minmax(in, n, &mn, &mx);
            if (!isfinite(mn) || !isfinite(mx)) return EO_ERR_NUMERIC;
            if (mode == 2) {
                q->lo[j] = fmin(q->lo[j], mn);
                q->hi[j] = fmax(q->hi[j], mx);
            } else if (q->p.ema > 0) {
                q->lo[j] = q->p.ema * q->lo[j] + (1 - q->p.ema) * mn;
                q->hi[j] = q->p.ema * q->hi[j] + (1 - q->p.ema) * mx;
            }
        }
        if (mode != 2) {
            if ((st = fake_quant(q, j, in, n))) return st;
            in = q->act[j];
        }
        if (j < q->ch.nseg) {
            const float *y;
            if ((st = eo_model_forward(q->ch.seg[j], in, batch, mode == 1, rng, &y))) return st;
            in = y;
        }
    }
    *out = in;
    q->have_fwd = mode != 2;
    q->cur_batch = batch;
    return EO_OK;
}

int eo_qat_create(const eo_model *m, const float *calib_x, size_t n, const eo_qat_params *p, eo_qat **out,
                  eo_error *err)
{
    if (!m || !calib_x || n < 1 || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_qat_create: bad arguments");
    *out = NULL;
    const char *why = eo_qat_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_qat *q = calloc(1, sizeof *q);
    if (!q) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    q->p = *p;
    int st = eo_model_fold_batchnorm(m, &q->m, err);
    if (!st) st = eo_qplan_make(q->m, &q->plan, err);
    if (st) {
        eo_qat_destroy(q);
        return st;
    }
    int np = q->plan.npoints, nl = eo_model_nlayers(q->m);
    q->ncomp = np - 1;
    int *ends = calloc((size_t)np + 1, sizeof *ends);
    q->comp_layer = calloc((size_t)np, sizeof *q->comp_layer);
    q->lo = calloc((size_t)np, sizeof *q->lo);
    q->hi = calloc((size_t)np, sizeof *q->hi);
    q->numel = calloc((size_t)np, sizeof *q->numel);
    q->act = calloc((size_t)np, sizeof *q->act);
    q->pass = calloc((size_t)np, sizeof *q->pass);
    if (!ends || !q->comp_layer || !q->lo || !q->hi || !q->numel || !q->act || !q->pass) {
        free(ends);
        eo_qat_destroy(q);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    int ns = 0;
    for (int i = 0; i < q->plan.nops; i++)
        if (q->plan.ops[i].point > 0) {
            q->comp_layer[ns] = q->plan.ops[i].first_layer;
            ends[ns++] = q->plan.ops[i].last_layer;
        }
    if (ns == 0 || ends[ns - 1] < nl - 1) ends[ns++] = nl - 1; /* trailing layers (pools, softmax) */
    st = eo__chain_create(q->m, ends, ns, &q->ch, err);
    free(ends);
    if (st) {
        eo_qat_destroy(q);
        return st;
    }
    q->numel[0] = (size_t)eo_model_in_numel(q->m);
    q->max_numel = q->numel[0];
    for (int j = 0; j < q->ncomp; j++) {
        q->numel[j + 1] = (size_t)eo_model_out_numel(q->ch.seg[j]);
        int32_t rows, cols;
        size_t po;
        wdims(q->m, q->comp_layer[j], &rows, &cols, &po);
        q->max_w = (size_t)rows * (size_t)cols > q->max_w ? (size_t)rows * (size_t)cols : q->max_w;
        q->max_rows = (size_t)rows > q->max_rows ? (size_t)rows : q->max_rows;
    }
    for (int s = 0; s < q->ch.nseg; s++) {
        size_t o = (size_t)eo_model_out_numel(q->ch.seg[s]), i0 = (size_t)eo_model_in_numel(q->ch.seg[s]);
        q->max_numel = o > q->max_numel ? o : q->max_numel;
        q->max_numel = i0 > q->max_numel ? i0 : q->max_numel;
        if (s > 0) eo_model_set_input_grad(q->ch.seg[s], 1);
    }
    q->wscale = malloc((q->max_rows ? q->max_rows : 1) * sizeof *q->wscale);
    if (!q->wscale) st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    /* initial ranges: min/max of the float activations over the calibration samples */
    for (int j = 0; j < np; j++) {
        q->lo[j] = INFINITY;
        q->hi[j] = -INFINITY;
    }
    const int B = 256;
    if (!st) st = eo_qat_reserve(q, B, err);
    size_t in_numel = q->numel[0];
    for (size_t r0 = 0; r0 < n && !st; r0 += (size_t)B) {
        int bs = (int)(n - r0 < (size_t)B ? n - r0 : (size_t)B);
        const float *o;
        if ((st = run(q, calib_x + r0 * in_numel, bs, 2, NULL, &o)))
            st = eo_error_set(err, st, "calibration failed (NaN or Inf in the activations?)");
    }
    if (st) {
        eo_qat_destroy(q);
        return st;
    }
    *out = q;
    return EO_OK;
}

int eo_qat_forward(eo_qat *q, const float *x, int batch, int train, eo_rng *rng, const float **out)
{
    if (!q || !x || batch < 1 || !out) return EO_ERR_INVALID;
    return run(q, x, batch, train ? 1 : 0, rng, out);
}

void eo_qat_zero_grad(eo_qat *q) { eo_model_zero_grad(q->m); }

int eo_qat_backward(eo_qat *q, const float *dout)
{
    if (!q || !dout) return EO_ERR_INVALID;
    if (!q->have_fwd) return EO_ERR_STATE;
    const float *g = dout;
    for (int s = q->ch.nseg - 1; s >= 0; s--) {
        eo_model *seg = q->ch.seg[s];
        if (s < q->ncomp) {
            /* STE through the fake quantization at the end of segment s (point s + 1) */
            size_t n = (size_t)q->cur_batch * q->numel[s + 1];
            for (size_t i = 0; i < n; i++) q->gbuf[i] = q->pass[s + 1][i] ? g[i] : 0.0f;
            g = q->gbuf;
        }
        eo_model_zero_grad(seg);
        int st = eo_model_backward(seg, g);
        if (st) return st;
        size_t pc = q->ch.pcnt[s];
        float *G = eo_model_grads(q->m) + q->ch.poff[s];
        const float *gs = eo_model_grads(seg);
        for (size_t i = 0; i < pc; i++) G[i] += gs[i];
        if (s > 0) g = eo_model_input_grad(seg);
    }
    return EO_OK;
}

int eo_qat_convert(const eo_qat *q, eo_q8_path path, eo_qmodel **out, eo_error *err)
{
    eo_qmodel_params p = eo_qmodel_defaults();
    p.per_channel = q->p.per_channel;
    p.path = path;
    return eo_qmodel_from_ranges(q->m, q->lo, q->hi, q->plan.npoints, &p, NULL, out, err);
}
