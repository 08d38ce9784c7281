/* Unstructured magnitude pruning of whole models (Han et al. 2015, "Learning
 * both Weights and Connections for Efficient Neural Networks"): masks over the
 * flat parameter vector built from the per-slice functions of compress.h,
 * one slice per compute layer's weights. */
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"

static int is_compute(eo_layer_kind k)
{
    return k == EO_LAYER_DENSE || k == EO_LAYER_CONV2D || k == EO_LAYER_DWCONV2D;
}

/* Weight slice of layer i: offset and count (weights come first, see model.h). */
static int weight_slice(const eo_model *m, int i, size_t *off, size_t *cnt, int *units)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t po, pc;
    eo_model_layer(m, i, &d, in, out, &po, &pc);
    if (!is_compute(d.kind) || pc == 0) return 0;
    size_t nb = d.kind == EO_LAYER_DENSE ? (size_t)(out[0] * out[1] * out[2])
                : d.kind == EO_LAYER_CONV2D ? (size_t)out[0]
                                            : (size_t)in[0];
    *off = po;
    *cnt = pc - nb;
    if (units) *units = (int)nb;
    return 1;
}

int eo_model_compute_layers(const eo_model *m)
{
    int n = 0;
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        size_t o, c;
        n += weight_slice(m, i, &o, &c, NULL);
    }
    return n;
}

int eo_model_sparsity(const eo_model *m, eo_layer_sparsity *out, int cap, int *n)
{
    if (!m || (!out && cap > 0) || !n) return EO_ERR_INVALID;
    const float *p = eo_model_params_const(m);
    int k = 0;
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        size_t off, cnt;
        int units;
        if (!weight_slice(m, i, &off, &cnt, &units)) continue;
        if (k < cap) {
            eo_layer_desc d;
            eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
            size_t z = 0;
            for (size_t j = 0; j < cnt; j++) z += p[off + j] == 0.0f;
            out[k] = (eo_layer_sparsity){i, d.kind, cnt, z, units};
        }
        k++;
    }
    *n = k < cap ? k : cap;
    return EO_OK;
}

double eo_model_weight_sparsity(const eo_model *m)
{
    const float *p = eo_model_params_const(m);
    size_t z = 0, t = 0;
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        size_t off, cnt;
        if (!weight_slice(m, i, &off, &cnt, NULL)) continue;
        for (size_t j = 0; j < cnt; j++) z += p[off + j] == 0.0f;
        t += cnt;
    }
    return t ? (double)z / (double)t : 0.0;
}

int eo_model_prune_mask(const eo_model *m, double sparsity, int global, uint8_t *keep, eo_error *err)
{
    if (!m || !keep) return eo_error_set(err, EO_ERR_INVALID, "eo_model_prune_mask: NULL argument");
    if (!(sparsity >= 0.0 && sparsity <= 1.0)) return eo_error_set(err, EO_ERR_INVALID, "sparsity must be in [0, 1]");
    size_t np = eo_model_nparams(m);
    memset(keep, 1, np);
    const float *p = eo_model_params_const(m);
    int nc = eo_model_compute_layers(m);
    if (nc == 0) return eo_error_set(err, EO_ERR_INVALID, "the model has no dense or conv layer to prune");
    if (!global) {
        for (int i = 0; i < eo_model_nlayers(m); i++) {
            size_t off, cnt;
            if (!weight_slice(m, i, &off, &cnt, NULL)) continue;
            int st = eo_prune_mask(p + off, cnt, sparsity, keep + off, NULL);
            if (st) return eo_error_set(err, st, "layer %d: weights are not finite", i);
        }
        return EO_OK;
    }
    eo_prune_slice *s = calloc((size_t)nc, sizeof *s);
    if (!s) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int k = 0;
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        size_t off, cnt;
        if (!weight_slice(m, i, &off, &cnt, NULL)) continue;
        s[k++] = (eo_prune_slice){p + off, cnt, keep + off};
    }
    int st = eo_prune_mask_global(s, (size_t)nc, sparsity, NULL);
    free(s);
    if (st) return eo_error_set(err, st, "global pruning failed: weights are not finite");
    return EO_OK;
}

void eo_model_apply_keep(eo_model *m, const uint8_t *keep)
{
    float *p = eo_model_params(m);
    size_t n = eo_model_nparams(m);
    for (size_t i = 0; i < n; i++)
        if (!keep[i]) p[i] = 0.0f;
}
