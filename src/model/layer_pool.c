/* Pooling (max, average, global average) and flatten.
 *
 * Window geometry as conv: OH = floor((H + 2P - KH)/S) + 1, P <= K/2 (so no
 * window lies entirely in the padding, PyTorch's rule).
 *   maxpool: y = max over the window's in-bounds inputs (padding is -inf); the
 *            first maximum in row-major window order wins ties; its input index
 *            is kept (int32) for backward, which routes dy there.
 *   avgpool: y = sum over in-bounds inputs / (KH*KW) (zeros padded and counted,
 *            PyTorch's count_include_pad=True).
 *   gap:     y[c] = mean over H*W of x[c].
 *   flatten: (C,H,W) -> (1,1,C*H*W), the values unchanged. */
#include <math.h>
#include <string.h>

#include "model/internal.h"

int eo__shape_pool(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (d->kh < 1 || d->kw < 1 || d->kh > 64 || d->kw > 64)
        return eo_error_set(err, EO_ERR_INVALID, "pool window %dx%d is invalid (1..64)", d->kh, d->kw);
    if (d->stride < 1 || d->stride > 64) return eo_error_set(err, EO_ERR_INVALID, "stride %d is invalid", d->stride);
    if (d->pad < 0 || d->pad > d->kh / 2 || d->pad > d->kw / 2) /* pad <= window/2, without overflow */
        return eo_error_set(err, EO_ERR_INVALID, "pool padding %d must be in 0..window/2", d->pad);
    int64_t oh = eo__conv_out(in[1], d->kh, d->stride, d->pad);
    int64_t ow = eo__conv_out(in[2], d->kw, d->stride, d->pad);
    if (oh < 1 || ow < 1)
        return eo_error_set(err, EO_ERR_SHAPE, "a %dx%d pool window does not fit a %lldx%lld input", d->kh, d->kw,
                            (long long)in[1], (long long)in[2]);
    out[0] = in[0];
    out[1] = oh;
    out[2] = ow;
    return EO_OK;
}

size_t eo__aux_maxpool(const eo__layer *L, int batch)
{
    return (size_t)batch * L->out_numel * sizeof(int32_t);
}

#define EO__POOL_VARS                                                                   \
    const eo__run *r = ctx;                                                             \
    const eo__layer *L = r->L;                                                          \
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];                 \
    const int OH = (int)L->out[1], OW = (int)L->out[2];                                 \
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;                \
    const size_t plane = (size_t)H * (size_t)Wd, oplane = (size_t)OH * (size_t)OW;      \
    (void)C

/* 2x2 windows, stride 2, no padding: the common case, without bounds checks
 * (same first-maximum rule as the general loop). */
static void maxpool_2x2(const float *restrict xc, float *restrict yc, int32_t *restrict ac, int OH, int OW, int Wd)
{
    for (int oh = 0; oh < OH; oh++) {
        const float *r0 = xc + (size_t)(2 * oh) * (size_t)Wd, *r1 = r0 + Wd;
        float *y = yc + (size_t)oh * (size_t)OW;
        int32_t *a = ac + (size_t)oh * (size_t)OW;
        const int32_t base = 2 * oh * Wd;
        for (int ow = 0; ow < OW; ow++) {
            const int q = 2 * ow;
            float best = r0[q];
            int32_t bi = base + q;
            if (r0[q + 1] > best) best = r0[q + 1], bi = base + q + 1;
            if (r1[q] > best) best = r1[q], bi = base + Wd + q;
            if (r1[q + 1] > best) best = r1[q + 1], bi = base + Wd + q + 1;
            y[ow] = best;
            a[ow] = bi;
        }
    }
}

static void maxpool_task(void *ctx, size_t sc0, size_t sc1)
{
    EO__POOL_VARS;
    int32_t *arg = (int32_t *)L->aux;
    if (KH == 2 && KW == 2 && S == 2 && P == 0) {
        for (size_t sc = sc0; sc < sc1; sc++)
            maxpool_2x2(r->x + sc * plane, r->y + sc * oplane, arg + sc * oplane, OH, OW, Wd);
        return;
    }
    for (size_t sc = sc0; sc < sc1; sc++) {
        const float *xc = r->x + sc * plane;
        float *yc = r->y + sc * oplane;
        int32_t *ac = arg + sc * oplane;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                float best = -INFINITY;
                int32_t bi = -1;
                for (int i = 0; i < KH; i++) {
                    int ih = oh * S - P + i;
                    if (ih < 0 || ih >= H) continue;
                    for (int j = 0; j < KW; j++) {
                        int iw = ow * S - P + j;
                        if (iw < 0 || iw >= Wd) continue;
                        float v = xc[(size_t)ih * (size_t)Wd + (size_t)iw];
                        /* bi < 0 also takes a NaN or -inf first value so the
                         * index is always valid. */
                        if (bi < 0 || v > best) {
                            best = v;
                            bi = ih * Wd + iw;
                        }
                    }
                }
                yc[(size_t)oh * (size_t)OW + (size_t)ow] = best;
                ac[(size_t)oh * (size_t)OW + (size_t)ow] = bi;
            }
    }
}

static void maxpool_bwd_task(void *ctx, size_t sc0, size_t sc1)
{
    EO__POOL_VARS;
    (void)KH;
    (void)KW;
    (void)S;
    (void)P;
    const int32_t *arg = (const int32_t *)L->aux;
    memset(r->dx + sc0 * plane, 0, (sc1 - sc0) * plane * sizeof(float));
    for (size_t sc = sc0; sc < sc1; sc++) {
        float *dxc = r->dx + sc * plane;
        const float *dyc = r->dy + sc * oplane;
        const int32_t *ac = arg + sc * oplane;
        for (size_t o = 0; o < oplane; o++) dxc[ac[o]] += dyc[o];
    }
}

static void avgpool_task(void *ctx, size_t sc0, size_t sc1)
{
    EO__POOL_VARS;
    const float inv = 1.0f / (float)(KH * KW);
    for (size_t sc = sc0; sc < sc1; sc++) {
        const float *xc = r->x + sc * plane;
        float *yc = r->y + sc * oplane;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                float acc = 0.0f;
                for (int i = 0; i < KH; i++) {
                    int ih = oh * S - P + i;
                    if (ih < 0 || ih >= H) continue;
                    for (int j = 0; j < KW; j++) {
                        int iw = ow * S - P + j;
                        if (iw >= 0 && iw < Wd) acc += xc[(size_t)ih * (size_t)Wd + (size_t)iw];
                    }
                }
                yc[(size_t)oh * (size_t)OW + (size_t)ow] = acc * inv;
            }
    }
}

static void avgpool_bwd_task(void *ctx, size_t sc0, size_t sc1)
{
    EO__POOL_VARS;
    const float inv = 1.0f / (float)(KH * KW);
    memset(r->dx + sc0 * plane, 0, (sc1 - sc0) * plane * sizeof(float));
    for (size_t sc = sc0; sc < sc1; sc++) {
        float *dxc = r->dx + sc * plane;
        const float *dyc = r->dy + sc * oplane;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                float g = dyc[(size_t)oh * (size_t)OW + (size_t)ow] * inv;
                for (int i = 0; i < KH; i++) {
                    int ih = oh * S - P + i;
                    if (ih < 0 || ih >= H) continue;
                    for (int j = 0; j < KW; j++) {
                        int iw = ow * S - P + j;
                        if (iw >= 0 && iw < Wd) dxc[(size_t)ih * (size_t)Wd + (size_t)iw] += g;
                    }
                }
            }
    }
}

/* Parallel over the batch*C planes (each writes only its own plane). */
static void over_planes(eo__run *r, eo_task_fn fn)
{
    const size_t plane = (size_t)(r->L->in[1] * r->L->in[2]);
    eo_parallel_for(r->par, (size_t)r->batch * (size_t)r->L->in[0], EO__GRAIN_PLANES(plane), fn, r);
}

void eo__fwd_maxpool(eo__run *r) { over_planes(r, maxpool_task); }
void eo__bwd_maxpool(eo__run *r) { over_planes(r, maxpool_bwd_task); }
void eo__fwd_avgpool(eo__run *r) { over_planes(r, avgpool_task); }
void eo__bwd_avgpool(eo__run *r) { over_planes(r, avgpool_bwd_task); }

int eo__shape_gap(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    (void)d;
    (void)err;
    out[0] = in[0];
    out[1] = 1;
    out[2] = 1;
    return EO_OK;
}

static void gap_task(void *ctx, size_t sc0, size_t sc1)
{
    const eo__run *r = ctx;
    const size_t plane = (size_t)(r->L->in[1] * r->L->in[2]);
    for (size_t sc = sc0; sc < sc1; sc++) {
        const float *xc = r->x + sc * plane;
        double acc = 0.0;
        for (size_t q = 0; q < plane; q++) acc += xc[q];
        r->y[sc] = (float)(acc / (double)plane);
    }
}

static void gap_bwd_task(void *ctx, size_t sc0, size_t sc1)
{
    const eo__run *r = ctx;
    const size_t plane = (size_t)(r->L->in[1] * r->L->in[2]);
    const float inv = 1.0f / (float)plane;
    for (size_t sc = sc0; sc < sc1; sc++) {
        float g = r->dy[sc] * inv;
        float *dxc = r->dx + sc * plane;
        for (size_t q = 0; q < plane; q++) dxc[q] = g;
    }
}

void eo__fwd_gap(eo__run *r) { over_planes(r, gap_task); }
void eo__bwd_gap(eo__run *r) { over_planes(r, gap_bwd_task); }

int eo__shape_flatten(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    (void)d;
    (void)err;
    out[0] = 1;
    out[1] = 1;
    out[2] = in[0] * in[1] * in[2];
    return EO_OK;
}

void eo__fwd_copy(eo__run *r)
{
    memcpy(r->y, r->x, (size_t)r->batch * r->L->in_numel * sizeof(float));
}

void eo__bwd_copy(eo__run *r)
{
    memcpy(r->dx, r->dy, (size_t)r->batch * r->L->in_numel * sizeof(float));
}
