/* Folding batch norm into the layer before it (eval semantics).
 *
 * For a dense/conv/depthwise layer z_c = w_c . x + b_c followed by
 * y_c = gamma_c (z_c - mean_c) / sqrt(var_c + eps) + beta_c, with
 * s_c = gamma_c / sqrt(var_c + eps):
 *   y_c = (s_c w_c) . x + (b_c - mean_c) s_c + beta_c
 * so the pair becomes one layer with W'_c = s_c w_c and b'_c = (b_c - mean_c) s_c + beta_c
 * (Jacob et al. 2018, sec. 3.2). Computed in double, rounded once. */
#include <math.h>
#include <string.h>

#include "model/internal.h"

/* Does layer i+1 exist, is it a batch norm, and can it fold into layer i? */
static int foldable(const eo_model *m, int i)
{
    if (i + 1 >= m->nlayers) return 0;
    const eo__layer *L = &m->layers[i], *N = &m->layers[i + 1];
    if (N->d.kind != EO_LAYER_BATCHNORM || !L->nweights) return 0;
    size_t rows = L->nweights / eo__layer_table[L->d.kind].fan_in(L);
    int64_t ch, sp;
    eo__bn_view(N->in, &ch, &sp);
    /* One BN channel per output row, each row's outputs a contiguous block. */
    return (size_t)ch == rows && (size_t)ch * (size_t)sp == L->out_numel;
}

int eo_model_fold_batchnorm(const eo_model *m, eo_model **out, eo_error *err)
{
    if (!m || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_model_fold_batchnorm: NULL argument");
    *out = NULL;
    const eo_allocator *a = eo__model_allocator(m);
    eo_layer_desc *descs = eo_alloc(a, sizeof(eo_layer_desc) * (size_t)m->nlayers);
    if (!descs) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int n = 0;
    for (int i = 0; i < m->nlayers; i++) {
        descs[n++] = m->layers[i].d;
        if (foldable(m, i)) i++;
    }
    eo_model *f = NULL;
    int rc = eo_model_create(m->in_shape, descs, n, a, &f, err);
    eo_free(a, descs);
    if (rc != EO_OK) return rc;
    int j = 0;
    for (int i = 0; i < m->nlayers; i++, j++) {
        const eo__layer *L = &m->layers[i];
        eo__layer *D = &f->layers[j];
        memcpy(f->params + D->poff, m->params + L->poff, L->pcount * sizeof(float));
        if (L->bcount) memcpy(f->buffers + D->boff, m->buffers + L->boff, L->bcount * sizeof(float));
        if (!foldable(m, i)) continue;
        const eo__layer *N = &m->layers[i + 1];
        const size_t fin = eo__layer_table[L->d.kind].fan_in(L), rows = L->nweights / fin;
        const float *gamma = m->params + N->poff, *beta = gamma + rows;
        const float *mean = m->buffers + N->boff, *var = mean + rows;
        float *W = f->params + D->poff, *b = W + L->nweights;
        for (size_t c = 0; c < rows; c++) {
            double s = (double)gamma[c] / sqrt((double)var[c] + (double)N->d.eps);
            for (size_t q = 0; q < fin; q++) W[c * fin + q] = (float)(W[c * fin + q] * s);
            b[c] = (float)(((double)b[c] - mean[c]) * s + beta[c]);
        }
        i++;
    }
    f->par = m->par;
    *out = f;
    return EO_OK;
}
