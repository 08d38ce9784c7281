/* Dense (fully connected) layer: Y = X W^T + b.
 *
 * X: batch x I (the sample flattened in NCHW order), W: [U][I] row-major,
 * b: [U], Y: batch x U, output shape (1, 1, U).
 * Backward: dW += dY^T X, db += column sums of dY, dX = dY W. */
#include <string.h>

#include "model/internal.h"

int eo__shape_dense(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (d->units < 1) return eo_error_set(err, EO_ERR_INVALID, "dense needs units >= 1 (got %d)", d->units);
    int64_t n = in[0] * in[1] * in[2];
    if (n > ((int64_t)1 << 28)) return eo_error_set(err, EO_ERR_RANGE, "dense input too large");
    out[0] = 1;
    out[1] = 1;
    out[2] = d->units;
    return EO_OK;
}

size_t eo__np_dense(const eo__layer *L) { return (L->in_numel + 1) * (size_t)L->d.units; }
size_t eo__nw_dense(const eo__layer *L) { return L->in_numel * (size_t)L->d.units; }
size_t eo__fanin_dense(const eo__layer *L) { return L->in_numel; }
size_t eo__fanout_dense(const eo__layer *L) { return (size_t)L->d.units; }

void eo__fwd_dense(eo__run *r)
{
    const int B = r->batch, U = r->L->d.units, I = (int)r->L->in_numel;
    const float *W = r->p, *b = r->p + (size_t)U * (size_t)I;
    eo_sgemm(r->par, EO_NOTRANS, EO_TRANS, B, U, I, 1.0f, r->x, I, W, I, 0.0f, r->y, U);
    for (int s = 0; s < B; s++) {
        float *y = r->y + (size_t)s * (size_t)U;
        for (int u = 0; u < U; u++) y[u] += b[u];
    }
}

void eo__bwd_dense(eo__run *r)
{
    const int B = r->batch, U = r->L->d.units, I = (int)r->L->in_numel;
    const float *W = r->p;
    float *gW = r->g, *gb = r->g + (size_t)U * (size_t)I;
    eo_sgemm(r->par, EO_TRANS, EO_NOTRANS, U, I, B, 1.0f, r->dy, U, r->x, I, 1.0f, gW, I);
    for (int s = 0; s < B; s++) {
        const float *dy = r->dy + (size_t)s * (size_t)U;
        for (int u = 0; u < U; u++) gb[u] += dy[u];
    }
    if (r->dx) eo_sgemm(r->par, EO_NOTRANS, EO_NOTRANS, B, I, U, 1.0f, r->dy, U, W, I, 0.0f, r->dx, I);
}
