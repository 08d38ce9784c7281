/* 2-D convolution (im2col + SGEMM) and depthwise convolution (direct).
 *
 * Both are cross-correlations with zero padding, as PyTorch's Conv2d:
 *   y[s][f][oh][ow] = b[f] + sum_{c,i,j} W[f][c][i][j] x[s][c][oh*S-P+i][ow*S-P+j]
 * with OH = floor((H + 2P - KH)/S) + 1 (same for W).
 *
 * conv2d, in chunks of nb samples so the scratch stays bounded, with
 * ncol = nb*OH*OW columns (one per output pixel, samples side by side):
 *   col  [C*KH*KW][ncol]  row (c,i,j) = the input plane c shifted by (i,j):
 *                         contiguous runs for stride 1, so im2col is copies
 *   T    [F][ncol]        = W col          (one SGEMM: m = F, n = ncol, k = C*KH*KW)
 *   y[s][f][p] = T[f][s*OHW + p] + b[f]    (contiguous runs back to NCHW)
 * backward: T = dY gathered the same way, dW += T col^T, db += row sums of T,
 *   dcol = W^T T (into col's memory), dX = col2im(dcol). The columns are
 *   recomputed in backward instead of being kept from forward.
 *
 * dwconv2d (depth multiplier 1): y[s][c] = b[c] + W[c] (*) x[s][c], a direct
 * loop per channel (its arithmetic is too thin for a GEMM to pay). */
#include <string.h>

#include "model/internal.h"

/* Floats of scratch a conv chunk may use (col + T): 4 MiB. */
#define EO__CONV_SCRATCH ((size_t)1 << 20)

static int check_window(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (d->kh < 1 || d->kw < 1 || d->kh > 64 || d->kw > 64)
        return eo_error_set(err, EO_ERR_INVALID, "kernel %dx%d is invalid (1..64)", d->kh, d->kw);
    if (d->stride < 1 || d->stride > 64) return eo_error_set(err, EO_ERR_INVALID, "stride %d is invalid", d->stride);
    if (d->pad < 0 || d->pad > 64) return eo_error_set(err, EO_ERR_INVALID, "padding %d is invalid", d->pad);
    int64_t oh = eo__conv_out(in[1], d->kh, d->stride, d->pad);
    int64_t ow = eo__conv_out(in[2], d->kw, d->stride, d->pad);
    if (oh < 1 || ow < 1)
        return eo_error_set(err, EO_ERR_SHAPE, "a %dx%d window (pad %d) does not fit a %lldx%lld input", d->kh,
                            d->kw, d->pad, (long long)in[1], (long long)in[2]);
    out[1] = oh;
    out[2] = ow;
    return EO_OK;
}

int eo__shape_conv(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (d->units < 1 || d->units > 65536)
        return eo_error_set(err, EO_ERR_INVALID, "conv needs 1..65536 filters (got %d)", d->units);
    if (in[0] > 65536) return eo_error_set(err, EO_ERR_RANGE, "too many input channels");
    int rc = check_window(d, in, out, err);
    if (rc != EO_OK) return rc;
    out[0] = d->units;
    return EO_OK;
}

static size_t ckk(const eo__layer *L) { return (size_t)L->in[0] * (size_t)L->d.kh * (size_t)L->d.kw; }
size_t eo__np_conv(const eo__layer *L) { return (ckk(L) + 1) * (size_t)L->d.units; }
size_t eo__nw_conv(const eo__layer *L) { return ckk(L) * (size_t)L->d.units; }
size_t eo__fanin_conv(const eo__layer *L) { return ckk(L); }
size_t eo__fanout_conv(const eo__layer *L) { return (size_t)L->d.units * (size_t)L->d.kh * (size_t)L->d.kw; }

/* Samples per chunk so that col + T fit EO__CONV_SCRATCH (at least one). */
static int chunk_samples(const eo__layer *L, int batch)
{
    size_t ohw = (size_t)(L->out[1] * L->out[2]);
    size_t per = ohw * (ckk(L) + (size_t)L->d.units);
    size_t c = EO__CONV_SCRATCH / per;
    if (c < 1) c = 1;
    if (c > (size_t)batch) c = (size_t)batch;
    return (int)c;
}

size_t eo__scratch_conv(const eo__layer *L, int batch)
{
    size_t ohw = (size_t)(L->out[1] * L->out[2]);
    return (size_t)chunk_samples(L, batch) * ohw * (ckk(L) + (size_t)L->d.units);
}

/* Valid output range [lo, hi) along one axis for tap t: in = o*S - P + t must
 * lie in [0, n). */
static void tap_range(int n, int on, int S, int P, int t, int *lo, int *hi)
{
    int a = P - t; /* o*S >= a */
    int l = a <= 0 ? 0 : (a + S - 1) / S;
    int b = n - 1 + P - t; /* o*S <= b */
    int h = b < 0 ? 0 : b / S + 1;
    if (h > on) h = on;
    if (l > h) l = h;
    *lo = l;
    *hi = h;
}

/* col[(c*KH + i)*KW + j][s*OHW + oh*OW + ow] = x[s][c][oh*S-P+i][ow*S-P+j] (0 outside). */
static void im2col(const eo__layer *L, const float *x, int nb, float *col)
{
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const size_t ohw = (size_t)OH * (size_t)OW, ncol = (size_t)nb * ohw, plane = (size_t)H * (size_t)Wd;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < KH; i++) {
            int oh0, oh1;
            tap_range(H, OH, S, P, i, &oh0, &oh1);
            for (int j = 0; j < KW; j++) {
                int ow0, ow1;
                tap_range(Wd, OW, S, P, j, &ow0, &ow1);
                float *row = col + ((size_t)(c * KH + i) * (size_t)KW + (size_t)j) * ncol;
                for (int s = 0; s < nb; s++) {
                    const float *xc = x + (size_t)s * L->in_numel + (size_t)c * plane;
                    float *dst = row + (size_t)s * ohw;
                    if (oh0 > 0) memset(dst, 0, (size_t)oh0 * (size_t)OW * sizeof(float));
                    for (int oh = oh0; oh < oh1; oh++) {
                        float *d = dst + (size_t)oh * (size_t)OW;
                        const float *xr = xc + (size_t)(oh * S - P + i) * (size_t)Wd;
                        for (int ow = 0; ow < ow0; ow++) d[ow] = 0.0f;
                        if (S == 1) {
                            memcpy(d + ow0, xr + (ow0 + j - P), (size_t)(ow1 - ow0) * sizeof(float));
                        } else {
                            for (int ow = ow0; ow < ow1; ow++) d[ow] = xr[ow * S + j - P];
                        }
                        for (int ow = ow1; ow < OW; ow++) d[ow] = 0.0f;
                    }
                    if (oh1 < OH) memset(dst + (size_t)oh1 * (size_t)OW, 0, (size_t)(OH - oh1) * (size_t)OW * sizeof(float));
                }
            }
        }
}

/* dx[0..nb) += col2im(dcol) (dx zeroed by the caller). */
static void col2im(const eo__layer *L, const float *col, int nb, float *dx)
{
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const size_t ohw = (size_t)OH * (size_t)OW, ncol = (size_t)nb * ohw, plane = (size_t)H * (size_t)Wd;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < KH; i++) {
            int oh0, oh1;
            tap_range(H, OH, S, P, i, &oh0, &oh1);
            for (int j = 0; j < KW; j++) {
                int ow0, ow1;
                tap_range(Wd, OW, S, P, j, &ow0, &ow1);
                const float *row = col + ((size_t)(c * KH + i) * (size_t)KW + (size_t)j) * ncol;
                for (int s = 0; s < nb; s++) {
                    float *xc = dx + (size_t)s * L->in_numel + (size_t)c * plane;
                    const float *src = row + (size_t)s * ohw;
                    for (int oh = oh0; oh < oh1; oh++) {
                        const float *d = src + (size_t)oh * (size_t)OW;
                        float *xr = xc + (size_t)(oh * S - P + i) * (size_t)Wd;
                        for (int ow = ow0; ow < ow1; ow++) xr[ow * S + j - P] += d[ow];
                    }
                }
            }
        }
}

void eo__fwd_conv(eo__run *r)
{
    const eo__layer *L = r->L;
    const int F = L->d.units, K = (int)ckk(L);
    const size_t ohw = (size_t)(L->out[1] * L->out[2]);
    const int chunk = chunk_samples(L, r->batch);
    const float *W = r->p, *b = r->p + (size_t)F * (size_t)K;
    float *col = r->scratch;
    for (int s0 = 0; s0 < r->batch; s0 += chunk) {
        int nb = r->batch - s0 < chunk ? r->batch - s0 : chunk;
        int ncol = nb * (int)ohw;
        float *T = col + (size_t)ncol * (size_t)K;
        im2col(L, r->x + (size_t)s0 * L->in_numel, nb, col);
        eo_sgemm(r->par, EO_NOTRANS, EO_NOTRANS, F, ncol, K, 1.0f, W, K, col, ncol, 0.0f, T, ncol);
        for (int s = 0; s < nb; s++) {
            float *ys = r->y + (size_t)(s0 + s) * L->out_numel;
            for (int f = 0; f < F; f++) {
                float *restrict yf = ys + (size_t)f * ohw;
                const float *restrict tf = T + (size_t)f * (size_t)ncol + (size_t)s * ohw;
                const float bf = b[f];
                for (size_t p = 0; p < ohw; p++) yf[p] = tf[p] + bf;
            }
        }
    }
}

void eo__bwd_conv(eo__run *r)
{
    const eo__layer *L = r->L;
    const int F = L->d.units, K = (int)ckk(L);
    const size_t ohw = (size_t)(L->out[1] * L->out[2]);
    const int chunk = chunk_samples(L, r->batch);
    const float *W = r->p;
    float *gW = r->g, *gb = r->g + (size_t)F * (size_t)K;
    float *col = r->scratch;
    for (int s0 = 0; s0 < r->batch; s0 += chunk) {
        int nb = r->batch - s0 < chunk ? r->batch - s0 : chunk;
        int ncol = nb * (int)ohw;
        float *T = col + (size_t)ncol * (size_t)K;
        for (int s = 0; s < nb; s++) {
            const float *dys = r->dy + (size_t)(s0 + s) * L->out_numel;
            for (int f = 0; f < F; f++) {
                const float *df = dys + (size_t)f * ohw;
                memcpy(T + (size_t)f * (size_t)ncol + (size_t)s * ohw, df, ohw * sizeof(float));
                float acc = 0.0f;
                for (size_t p = 0; p < ohw; p++) acc += df[p];
                gb[f] += acc;
            }
        }
        im2col(L, r->x + (size_t)s0 * L->in_numel, nb, col);
        eo_sgemm(r->par, EO_NOTRANS, EO_TRANS, F, K, ncol, 1.0f, T, ncol, col, ncol, 1.0f, gW, K);
        if (r->dx) {
            float *dxs = r->dx + (size_t)s0 * L->in_numel;
            eo_sgemm(r->par, EO_TRANS, EO_NOTRANS, K, ncol, F, 1.0f, W, K, T, ncol, 0.0f, col, ncol);
            memset(dxs, 0, (size_t)nb * L->in_numel * sizeof(float));
            col2im(L, col, nb, dxs);
        }
    }
}

/* ------------------------------------------------------------- depthwise */

int eo__shape_dw(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (d->units != 0 && d->units != in[0])
        return eo_error_set(err, EO_ERR_SHAPE, "depthwise conv keeps the %lld channels (units must be 0 or %lld, got %d)",
                            (long long)in[0], (long long)in[0], d->units);
    if (in[0] > 65536) return eo_error_set(err, EO_ERR_RANGE, "too many input channels");
    int rc = check_window(d, in, out, err);
    if (rc != EO_OK) return rc;
    out[0] = in[0];
    return EO_OK;
}

static size_t kk(const eo__layer *L) { return (size_t)L->d.kh * (size_t)L->d.kw; }
size_t eo__np_dw(const eo__layer *L) { return (kk(L) + 1) * (size_t)L->in[0]; }
size_t eo__nw_dw(const eo__layer *L) { return kk(L) * (size_t)L->in[0]; }
size_t eo__fanin_dw(const eo__layer *L) { return kk(L); }
size_t eo__fanout_dw(const eo__layer *L) { return kk(L); }

/* Visit every (output pixel, tap) pair of channel plane c with valid input:
 * the body gets the output index o and input index q. */
#define EO__DW_LOOP(BODY)                                                                  \
    for (int oh = 0; oh < OH; oh++)                                                        \
        for (int i = 0; i < KH; i++) {                                                     \
            int ih = oh * S - P + i;                                                       \
            if (ih < 0 || ih >= H) continue;                                               \
            for (int ow = 0; ow < OW; ow++)                                                \
                for (int j = 0; j < KW; j++) {                                             \
                    int iw = ow * S - P + j;                                               \
                    if (iw < 0 || iw >= Wd) continue;                                      \
                    size_t o = (size_t)oh * (size_t)OW + (size_t)ow;                       \
                    size_t q = (size_t)ih * (size_t)Wd + (size_t)iw;                       \
                    size_t t = (size_t)i * (size_t)KW + (size_t)j;                         \
                    BODY;                                                                  \
                }                                                                          \
        }

void eo__fwd_dw(eo__run *r)
{
    const eo__layer *L = r->L;
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const float *Wt = r->p, *b = r->p + (size_t)C * kk(L);
    for (int s = 0; s < r->batch; s++)
        for (int c = 0; c < C; c++) {
            const float *xc = r->x + (size_t)s * L->in_numel + (size_t)c * (size_t)H * (size_t)Wd;
            float *yc = r->y + (size_t)s * L->out_numel + (size_t)c * (size_t)OH * (size_t)OW;
            const float *wc = Wt + (size_t)c * kk(L);
            for (size_t o = 0; o < (size_t)OH * (size_t)OW; o++) yc[o] = b[c];
            EO__DW_LOOP(yc[o] += wc[t] * xc[q])
        }
}

void eo__bwd_dw(eo__run *r)
{
    const eo__layer *L = r->L;
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const float *Wt = r->p;
    float *gW = r->g, *gb = r->g + (size_t)C * kk(L);
    if (r->dx) memset(r->dx, 0, (size_t)r->batch * L->in_numel * sizeof(float));
    for (int s = 0; s < r->batch; s++)
        for (int c = 0; c < C; c++) {
            const float *xc = r->x + (size_t)s * L->in_numel + (size_t)c * (size_t)H * (size_t)Wd;
            const float *dyc = r->dy + (size_t)s * L->out_numel + (size_t)c * (size_t)OH * (size_t)OW;
            const float *wc = Wt + (size_t)c * kk(L);
            float *gwc = gW + (size_t)c * kk(L);
            float acc = 0.0f;
            for (size_t o = 0; o < (size_t)OH * (size_t)OW; o++) acc += dyc[o];
            gb[c] += acc;
            EO__DW_LOOP(gwc[t] += dyc[o] * xc[q])
            if (r->dx) {
                float *dxc = r->dx + (size_t)s * L->in_numel + (size_t)c * (size_t)H * (size_t)Wd;
                EO__DW_LOOP(dxc[q] += dyc[o] * wc[t])
            }
        }
}
