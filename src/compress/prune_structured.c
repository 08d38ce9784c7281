/* Structured pruning: whole neurons / filters removed by the L2 norm of their
 * incoming weights (Li et al. 2017, "Pruning Filters for Efficient ConvNets",
 * use the L1 norm of filters; we use L2, as torch.nn.utils.prune.ln_structured
 * with n = 2 does), and the model physically shrunk. The kept set of units
 * travels along the layers (see compress_model.h); each layer records which
 * of its rows (output units / channels) and columns (inputs) survive, and the
 * same record yields either the smaller model or a mask on the original. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"

/* Kept rows / columns of one layer (NULL = all). */
typedef struct lsel {
    uint8_t *rows;
    int nrows;
    uint8_t *cols;
    int ncols;
} lsel;

/* The set of kept features flowing between layers, over the channel axis
 * (C of a C,H,W tensor) or the feature axis (D of a 1,1,D vector). */
typedef struct flow {
    uint8_t *keep; /* NULL = everything kept */
    int n;         /* size of the axis */
    int axis_c;    /* 1: channels (C), 0: features of a vector (W) */
} flow;

static int is_vec(const int64_t s[3]) { return s[0] == 1 && s[1] == 1; }

static void free_sel(lsel *s, int nl)
{
    for (int i = 0; s && i < nl; i++) {
        free(s[i].rows);
        free(s[i].cols);
    }
    free(s);
}

static int count(const uint8_t *k, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++) c += k[i] != 0;
    return c;
}

/* Decide rows/cols of every layer. */
static int plan(const eo_model *m, double fraction, lsel **res, eo_error *err)
{
    int nl = eo_model_nlayers(m);
    lsel *s = calloc((size_t)nl, sizeof *s);
    if (!s) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int last_dc = -1; /* last dense/conv layer: the outputs, never pruned */
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
        if (d.kind == EO_LAYER_DENSE || d.kind == EO_LAYER_CONV2D) last_dc = i;
    }
    if (last_dc < 0) {
        free(s);
        return eo_error_set(err, EO_ERR_INVALID, "the model has no dense or conv layer to prune");
    }
    const float *p = eo_model_params_const(m);
    flow f = {NULL, 0, 1};
    int st = EO_OK;
#define NOMEM()                                                   \
    do {                                                          \
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");    \
        goto fail;                                                \
    } while (0)
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        int64_t in[3], out[3];
        size_t po, pc;
        eo_model_layer(m, i, &d, in, out, &po, &pc);
        /* A flow over the feature axis can only meet a layer that treats its
         * features one by one or reads them all (dense). */
        int needs_c = d.kind == EO_LAYER_CONV2D || d.kind == EO_LAYER_DWCONV2D || d.kind == EO_LAYER_MAXPOOL ||
                      d.kind == EO_LAYER_AVGPOOL || d.kind == EO_LAYER_GAP;
        if (f.keep && ((needs_c && !f.axis_c) || d.kind == EO_LAYER_SOFTMAX)) {
            st = eo_error_set(err, EO_ERR_UNSUPPORTED,
                              "layer %d (%s) mixes the units of a pruned layer; structured pruning cannot remove them",
                              i, eo_layer_kind_name(d.kind));
            goto fail;
        }
        switch (d.kind) {
        case EO_LAYER_DENSE:
        case EO_LAYER_CONV2D: {
            int units = d.kind == EO_LAYER_DENSE ? (int)out[2] : (int)out[0];
            int fan = d.kind == EO_LAYER_DENSE ? (int)(in[0] * in[1] * in[2]) : (int)(in[0] * d.kh * d.kw);
            if (f.keep) {
                /* columns: dense reads C*H*W values (channel c owns H*W of them); conv reads C channels */
                int ncols = d.kind == EO_LAYER_DENSE ? fan : (int)in[0];
                s[i].cols = malloc((size_t)ncols);
                if (!s[i].cols) NOMEM();
                s[i].ncols = ncols;
                size_t plane = d.kind == EO_LAYER_DENSE && f.axis_c ? (size_t)(in[1] * in[2]) : 1;
                for (int c = 0; c < ncols; c++) s[i].cols[c] = f.keep[(size_t)c / plane];
            }
            free(f.keep);
            f.keep = NULL;
            if (i != last_dc) {
                int n_keep = units - (int)floor(fraction * units + 0.5);
                if (n_keep < 1) n_keep = 1;
                float *norms = malloc((size_t)units * sizeof *norms);
                s[i].rows = malloc((size_t)units);
                if (!norms || !s[i].rows) {
                    free(norms);
                    NOMEM();
                }
                s[i].nrows = units;
                eo_prune_row_norms(p + po, units, fan, norms);
                eo_prune_select_rows(norms, units, n_keep, s[i].rows);
                free(norms);
                f.keep = malloc((size_t)units);
                if (!f.keep) NOMEM();
                memcpy(f.keep, s[i].rows, (size_t)units);
                f.n = units;
                f.axis_c = d.kind == EO_LAYER_CONV2D && !is_vec(out);
            }
            break;
        }
        case EO_LAYER_DWCONV2D:
        case EO_LAYER_BATCHNORM:
            if (f.keep) {
                int ch = d.kind == EO_LAYER_BATCHNORM && is_vec(in) ? (int)in[2] : (int)in[0];
                if (ch != f.n) {
                    st = eo_error_set(err, EO_ERR_UNSUPPORTED, "layer %d (%s): %d channels, the pruned layer has %d",
                                      i, eo_layer_kind_name(d.kind), ch, f.n);
                    goto fail;
                }
                s[i].rows = malloc((size_t)ch);
                if (!s[i].rows) NOMEM();
                memcpy(s[i].rows, f.keep, (size_t)ch);
                s[i].nrows = ch;
            }
            break;
        case EO_LAYER_FLATTEN:
            if (f.keep && f.axis_c && !is_vec(in)) {
                size_t plane = (size_t)(in[1] * in[2]), nn = (size_t)f.n * plane;
                uint8_t *k = malloc(nn);
                if (!k) NOMEM();
                for (size_t j = 0; j < nn; j++) k[j] = f.keep[j / plane];
                free(f.keep);
                f.keep = k;
                f.n = (int)nn;
            }
            f.axis_c = 0;
            break;
        default: break; /* element-wise layers and pools pass the set on */
        }
        /* A (C,1,1) tensor read by a vector layer keeps its channel order as features. */
        if (f.keep && d.kind == EO_LAYER_GAP) f.axis_c = 1;
    }
    free(f.keep);
    *res = s;
    return EO_OK;
fail:
    free(f.keep);
    free_sel(s, nl);
    return st;
#undef NOMEM
}

int eo_model_structured_mask(const eo_model *m, double fraction, uint8_t *keep, eo_error *err)
{
    if (!m || !keep) return eo_error_set(err, EO_ERR_INVALID, "eo_model_structured_mask: NULL argument");
    if (!(fraction >= 0.0 && fraction < 1.0)) return eo_error_set(err, EO_ERR_INVALID, "fraction must be in [0, 1)");
    lsel *s;
    int st = plan(m, fraction, &s, err);
    if (st) return st;
    int nl = eo_model_nlayers(m);
    memset(keep, 1, eo_model_nparams(m));
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        int64_t in[3];
        size_t po, pc;
        eo_model_layer(m, i, &d, in, NULL, &po, &pc);
        uint8_t *k = keep + po;
        if (d.kind == EO_LAYER_DENSE || d.kind == EO_LAYER_CONV2D) {
            int units = d.kind == EO_LAYER_DENSE ? (int)(pc / ((size_t)(in[0] * in[1] * in[2]) + 1)) : d.units;
            size_t fan = (pc - (size_t)units) / (size_t)units;
            size_t per_col = d.kind == EO_LAYER_CONV2D ? (size_t)(d.kh * d.kw) : 1;
            for (int r = 0; r < units; r++)
                for (size_t j = 0; j < fan; j++) {
                    int dead = (s[i].rows && !s[i].rows[r]) || (s[i].cols && !s[i].cols[j / per_col]);
                    if (dead) k[(size_t)r * fan + j] = 0;
                }
            for (int r = 0; s[i].rows && r < units; r++)
                if (!s[i].rows[r]) k[(size_t)units * fan + (size_t)r] = 0;
        } else if (d.kind == EO_LAYER_DWCONV2D && s[i].rows) {
            int ch = s[i].nrows;
            size_t per = (size_t)(d.kh * d.kw);
            for (int c = 0; c < ch; c++)
                if (!s[i].rows[c]) {
                    memset(k + (size_t)c * per, 0, per);
                    k[(size_t)ch * per + (size_t)c] = 0;
                }
        } else if (d.kind == EO_LAYER_BATCHNORM && s[i].rows) {
            int ch = s[i].nrows;
            for (int c = 0; c < ch; c++)
                if (!s[i].rows[c]) k[c] = k[ch + c] = 0; /* gamma and beta */
        }
    }
    free_sel(s, nl);
    return EO_OK;
}

int eo_model_prune_structured(const eo_model *m, double fraction, eo_model **out, eo_error *err)
{
    if (!m || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_model_prune_structured: NULL argument");
    *out = NULL;
    if (!(fraction >= 0.0 && fraction < 1.0)) return eo_error_set(err, EO_ERR_INVALID, "fraction must be in [0, 1)");
    lsel *s;
    int st = plan(m, fraction, &s, err);
    if (st) return st;
    int nl = eo_model_nlayers(m);
    eo_layer_desc *descs = malloc((size_t)nl * sizeof *descs);
    if (!descs) {
        free_sel(s, nl);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < nl; i++) {
        eo_model_layer(m, i, &descs[i], NULL, NULL, NULL, NULL);
        if ((descs[i].kind == EO_LAYER_DENSE || descs[i].kind == EO_LAYER_CONV2D) && s[i].rows)
            descs[i].units = count(s[i].rows, s[i].nrows);
        if (descs[i].kind == EO_LAYER_DWCONV2D && s[i].rows && descs[i].units)
            descs[i].units = count(s[i].rows, s[i].nrows);
    }
    int64_t in0[3];
    eo_model_in_shape(m, in0);
    eo_model *n = NULL;
    st = eo_model_create(in0, descs, nl, NULL, &n, err);
    free(descs);
    if (st) {
        free_sel(s, nl);
        return st;
    }
    const float *P = eo_model_params_const(m);
    const float *Bf = eo_model_nbuffers(m) ? eo_model_buffers((eo_model *)m) : NULL;
    float *Q = eo_model_params(n), *Bn = eo_model_nbuffers(n) ? eo_model_buffers(n) : NULL;
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        int64_t in[3];
        size_t po, pc, qo, qc, bo, bc, co, cc;
        eo_model_layer(m, i, &d, in, NULL, &po, &pc);
        eo_model_layer(n, i, NULL, NULL, NULL, &qo, &qc);
        eo_model_layer_buffers(m, i, &bo, &bc);
        eo_model_layer_buffers(n, i, &co, &cc);
        const float *src = P + po;
        float *dst = Q + qo;
        if (d.kind == EO_LAYER_DENSE || d.kind == EO_LAYER_CONV2D) {
            int units = d.kind == EO_LAYER_DENSE ? (int)(pc / ((size_t)(in[0] * in[1] * in[2]) + 1)) : d.units;
            size_t fan = (pc - (size_t)units) / (size_t)units;
            size_t per_col = d.kind == EO_LAYER_CONV2D ? (size_t)(d.kh * d.kw) : 1;
            size_t w = 0;
            for (int r = 0; r < units; r++) {
                if (s[i].rows && !s[i].rows[r]) continue;
                for (size_t j = 0; j < fan; j++)
                    if (!s[i].cols || s[i].cols[j / per_col]) dst[w++] = src[(size_t)r * fan + j];
            }
            for (int r = 0; r < units; r++)
                if (!s[i].rows || s[i].rows[r]) dst[w++] = src[(size_t)units * fan + (size_t)r];
        } else if ((d.kind == EO_LAYER_DWCONV2D || d.kind == EO_LAYER_BATCHNORM) && s[i].rows) {
            int ch = s[i].nrows;
            size_t per = d.kind == EO_LAYER_DWCONV2D ? (size_t)(d.kh * d.kw) : 1, w = 0;
            for (int c = 0; c < ch; c++)
                if (s[i].rows[c]) {
                    memcpy(dst + w, src + (size_t)c * per, per * sizeof *dst);
                    w += per;
                }
            for (int c = 0; c < ch; c++) /* bias, or beta */
                if (s[i].rows[c]) dst[w++] = src[(size_t)ch * per + (size_t)c];
            if (d.kind == EO_LAYER_BATCHNORM) {
                size_t k2 = 0;
                for (int half = 0; half < 2; half++)
                    for (int c = 0; c < ch; c++)
                        if (s[i].rows[c]) Bn[co + k2++] = Bf[bo + (size_t)half * (size_t)ch + (size_t)c];
            }
        } else {
            if (qc) memcpy(dst, src, qc * sizeof *dst);
            if (cc) memcpy(Bn + co, Bf + bo, cc * sizeof *Bn);
        }
    }
    free_sel(s, nl);
    *out = n;
    return EO_OK;
}
