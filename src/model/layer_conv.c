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
 * The three GEMMs have few rows (F or C*KH*KW) and up to ~40k columns; they
 * run as fixed-width column blocks of C, one serial SGEMM per block, the
 * blocks spread over the threads by ONE parallel-for (see conv_gemm): the
 * SGEMM's own split would fork and join twice per (column, depth) panel,
 * hundreds of times per call, and on a busy machine each join can wait for a
 * preempted thread. The block width is fixed, so the bits do not depend on
 * the thread count.
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

/* One chunk of conv work, shared by the parallel tasks below. */
typedef struct conv_job {
    const eo__layer *L;
    const float *x;  /* first sample of the chunk */
    float *y;        /* forward output / backward dx of the chunk */
    const float *dy; /* backward: dY of the chunk */
    float *col;      /* [K][ncol] */
    float *T;        /* [F][ncol] */
    const float *b;  /* bias (forward) */
    float *gb;       /* bias gradient (backward) */
    int nb;
} conv_job;

/* col[(c*KH + i)*KW + j][s*OHW + oh*OW + ow] = x[s][c][oh*S-P+i][ow*S-P+j] (0
 * outside), for the rows q in [q0, q1). */
static void im2col_task(void *ctx, size_t q0, size_t q1)
{
    const conv_job *J = ctx;
    const eo__layer *L = J->L;
    const int H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const size_t ohw = (size_t)OH * (size_t)OW, ncol = (size_t)J->nb * ohw, plane = (size_t)H * (size_t)Wd;
    for (size_t q = q0; q < q1; q++) {
        const int c = (int)(q / (size_t)(KH * KW)), i = (int)(q / (size_t)KW % (size_t)KH), j = (int)(q % (size_t)KW);
        int oh0, oh1, ow0, ow1;
        tap_range(H, OH, S, P, i, &oh0, &oh1);
        tap_range(Wd, OW, S, P, j, &ow0, &ow1);
        float *row = J->col + q * ncol;
        for (int s = 0; s < J->nb; s++) {
            const float *xc = J->x + (size_t)s * L->in_numel + (size_t)c * plane;
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

/* dx = col2im(dcol) for the samples [s0, s1) (each task owns its samples). */
static void col2im_task(void *ctx, size_t s0, size_t s1)
{
    const conv_job *J = ctx;
    const eo__layer *L = J->L;
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];
    const int OH = (int)L->out[1], OW = (int)L->out[2];
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;
    const size_t ohw = (size_t)OH * (size_t)OW, ncol = (size_t)J->nb * ohw, plane = (size_t)H * (size_t)Wd;
    memset(J->y + s0 * L->in_numel, 0, (s1 - s0) * L->in_numel * sizeof(float));
    for (size_t s = s0; s < s1; s++)
        for (int c = 0; c < C; c++) {
            float *xc = J->y + s * L->in_numel + (size_t)c * plane;
            for (int i = 0; i < KH; i++) {
                int oh0, oh1;
                tap_range(H, OH, S, P, i, &oh0, &oh1);
                for (int j = 0; j < KW; j++) {
                    int ow0, ow1;
                    tap_range(Wd, OW, S, P, j, &ow0, &ow1);
                    const float *src = J->col + ((size_t)(c * KH + i) * (size_t)KW + (size_t)j) * ncol + s * ohw;
                    for (int oh = oh0; oh < oh1; oh++) {
                        const float *d = src + (size_t)oh * (size_t)OW;
                        float *xr = xc + (size_t)(oh * S - P + i) * (size_t)Wd;
                        if (S == 1) {
                            float *restrict xs = xr + (ow0 + j - P);
                            const float *restrict ds = d + ow0;
                            for (int q = 0; q < ow1 - ow0; q++) xs[q] += ds[q];
                        } else {
                            for (int ow = ow0; ow < ow1; ow++) xr[ow * S + j - P] += d[ow];
                        }
                    }
                }
            }
        }
}

/* y[s][f] = T[f][s*OHW ..] + b[f] for the samples [s0, s1). */
static void scatter_task(void *ctx, size_t s0, size_t s1)
{
    const conv_job *J = ctx;
    const eo__layer *L = J->L;
    const size_t ohw = (size_t)(L->out[1] * L->out[2]), ncol = (size_t)J->nb * ohw;
    for (size_t s = s0; s < s1; s++)
        for (int f = 0; f < L->d.units; f++) {
            float *restrict yf = J->y + s * L->out_numel + (size_t)f * ohw;
            const float *restrict tf = J->T + (size_t)f * ncol + s * ohw;
            const float bf = J->b[f];
            for (size_t p = 0; p < ohw; p++) yf[p] = tf[p] + bf;
        }
}

/* T[f][s*OHW ..] = dY[s][f] and gb[f] += sum dY[.][f], for filters [f0, f1). */
static void gather_task(void *ctx, size_t f0, size_t f1)
{
    const conv_job *J = ctx;
    const eo__layer *L = J->L;
    const size_t ohw = (size_t)(L->out[1] * L->out[2]), ncol = (size_t)J->nb * ohw;
    for (size_t f = f0; f < f1; f++) {
        float acc = 0.0f;
        for (int s = 0; s < J->nb; s++) {
            const float *df = J->dy + (size_t)s * L->out_numel + f * ohw;
            memcpy(J->T + f * ncol + (size_t)s * ohw, df, ohw * sizeof(float));
            for (size_t p = 0; p < ohw; p++) acc += df[p];
        }
        J->gb[f] += acc;
    }
}

/* C = op(A) op(B) + beta C, computed as column blocks of C of width `width`
 * (the last one narrower), each by a serial eo_sgemm; every element of C is
 * the same dot product in the same order whatever the blocks (columns of C are
 * independent and the SGEMM's depth blocking depends on k alone). */
typedef struct gemm_job {
    eo_trans ta, tb;
    int m, n, k, width;
    const float *A, *B;
    int lda, ldb, ldc;
    float beta;
    float *C;
} gemm_job;

static void conv_gemm_task(void *ctx, size_t b0, size_t b1)
{
    const gemm_job *g = ctx;
    for (size_t b = b0; b < b1; b++) {
        int c0 = (int)b * g->width, w = g->n - c0 < g->width ? g->n - c0 : g->width;
        const float *B = g->tb == EO_NOTRANS ? g->B + c0 : g->B + (size_t)c0 * (size_t)g->ldb;
        eo_sgemm(NULL, g->ta, g->tb, g->m, w, g->k, 1.0f, g->A, g->lda, B, g->ldb, g->beta, g->C + c0, g->ldc);
    }
}

static void conv_gemm(const eo_parallel *par, eo_trans ta, eo_trans tb, int m, int n, int k, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc, int width)
{
    gemm_job g = {ta, tb, m, n, k, width, A, B, lda, ldb, ldc, beta, C};
    size_t nblocks = (size_t)((n + width - 1) / width);
    eo_parallel_for(par, nblocks, 1, conv_gemm_task, &g);
}

/* Column block widths: output pixels for the forward and dcol GEMMs, filter
 * taps (C*KH*KW columns of dW) for the weight gradient. */
#define EO__CONV_COLS 1024
#define EO__CONV_TAPS 48

static void run_im2col(const eo__run *r, conv_job *J)
{
    const size_t K = ckk(J->L), per = (size_t)J->nb * (size_t)(J->L->out[1] * J->L->out[2]);
    eo_parallel_for(r->par, K, EO__GRAIN_PLANES(per), im2col_task, J);
}

void eo__fwd_conv(eo__run *r)
{
    const eo__layer *L = r->L;
    const int F = L->d.units, K = (int)ckk(L);
    const size_t ohw = (size_t)(L->out[1] * L->out[2]);
    const int chunk = chunk_samples(L, r->batch);
    const float *W = r->p;
    for (int s0 = 0; s0 < r->batch; s0 += chunk) {
        int nb = r->batch - s0 < chunk ? r->batch - s0 : chunk;
        int ncol = nb * (int)ohw;
        conv_job J = {L, r->x + (size_t)s0 * L->in_numel, r->y + (size_t)s0 * L->out_numel, NULL, r->scratch,
                      r->scratch + (size_t)ncol * (size_t)K, W + (size_t)F * (size_t)K, NULL, nb};
        run_im2col(r, &J);
        conv_gemm(r->par, EO_NOTRANS, EO_NOTRANS, F, ncol, K, W, K, J.col, ncol, 0.0f, J.T, ncol, EO__CONV_COLS);
        eo_parallel_for(r->par, (size_t)nb, EO__GRAIN_PLANES(L->out_numel), scatter_task, &J);
    }
}

void eo__bwd_conv(eo__run *r)
{
    const eo__layer *L = r->L;
    const int F = L->d.units, K = (int)ckk(L);
    const size_t ohw = (size_t)(L->out[1] * L->out[2]);
    const int chunk = chunk_samples(L, r->batch);
    const float *W = r->p;
    float *gW = r->g;
    for (int s0 = 0; s0 < r->batch; s0 += chunk) {
        int nb = r->batch - s0 < chunk ? r->batch - s0 : chunk;
        int ncol = nb * (int)ohw;
        conv_job J = {L, r->x + (size_t)s0 * L->in_numel, r->dx ? r->dx + (size_t)s0 * L->in_numel : NULL,
                      r->dy + (size_t)s0 * L->out_numel, r->scratch, r->scratch + (size_t)ncol * (size_t)K, NULL,
                      r->g + (size_t)F * (size_t)K, nb};
        eo_parallel_for(r->par, (size_t)F, EO__GRAIN_PLANES((size_t)ncol), gather_task, &J);
        run_im2col(r, &J);
        conv_gemm(r->par, EO_NOTRANS, EO_TRANS, F, K, ncol, J.T, ncol, J.col, ncol, 1.0f, gW, K, EO__CONV_TAPS);
        if (r->dx) {
            conv_gemm(r->par, EO_TRANS, EO_NOTRANS, K, ncol, F, W, K, J.T, ncol, 0.0f, J.col, ncol, EO__CONV_COLS);
            eo_parallel_for(r->par, (size_t)nb, EO__GRAIN_PLANES(L->in_numel), col2im_task, &J);
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

/* Depthwise planes: tap-major loops over the valid output range of each tap
 * (no bounds checks inside, contiguous for stride 1). */
#define EO__DW_VARS                                                                          \
    const eo__run *r = ctx;                                                                  \
    const eo__layer *L = r->L;                                                               \
    const int C = (int)L->in[0], H = (int)L->in[1], Wd = (int)L->in[2];                      \
    const int OH = (int)L->out[1], OW = (int)L->out[2];                                      \
    const int KH = L->d.kh, KW = L->d.kw, S = L->d.stride, P = L->d.pad;                     \
    const size_t plane = (size_t)H * (size_t)Wd, oplane = (size_t)OH * (size_t)OW, KK = kk(L)

/* Forward for planes sc = s*C + c in [sc0, sc1). */
static void dw_fwd_task(void *ctx, size_t sc0, size_t sc1)
{
    EO__DW_VARS;
    const float *Wt = r->p, *b = r->p + (size_t)C * KK;
    for (size_t sc = sc0; sc < sc1; sc++) {
        const size_t c = sc % (size_t)C;
        const float *xc = r->x + sc * plane;
        float *yc = r->y + sc * oplane;
        for (size_t o = 0; o < oplane; o++) yc[o] = b[c];
        for (int i = 0; i < KH; i++) {
            int oh0, oh1;
            tap_range(H, OH, S, P, i, &oh0, &oh1);
            for (int j = 0; j < KW; j++) {
                int ow0, ow1;
                tap_range(Wd, OW, S, P, j, &ow0, &ow1);
                const float w = Wt[c * KK + (size_t)(i * KW + j)];
                for (int oh = oh0; oh < oh1; oh++) {
                    float *restrict yr = yc + (size_t)oh * (size_t)OW;
                    const float *restrict xr = xc + (size_t)(oh * S - P + i) * (size_t)Wd;
                    for (int ow = ow0; ow < ow1; ow++) yr[ow] += w * xr[ow * S + j - P];
                }
            }
        }
    }
}

/* Backward for channels [c0, c1), all samples (each task owns its channels'
 * weight and bias gradients and its channels' planes of dx). */
static void dw_bwd_task(void *ctx, size_t c0, size_t c1)
{
    EO__DW_VARS;
    const float *Wt = r->p;
    float *gW = r->g, *gb = r->g + (size_t)C * KK;
    for (size_t c = c0; c < c1; c++) {
        float acc = 0.0f;
        for (int s = 0; s < r->batch; s++) {
            const size_t sc = (size_t)s * (size_t)C + c;
            const float *dyc = r->dy + sc * oplane;
            for (size_t o = 0; o < oplane; o++) acc += dyc[o];
            if (r->dx) memset(r->dx + sc * plane, 0, plane * sizeof(float));
        }
        gb[c] += acc;
        for (int i = 0; i < KH; i++) {
            int oh0, oh1;
            tap_range(H, OH, S, P, i, &oh0, &oh1);
            for (int j = 0; j < KW; j++) {
                int ow0, ow1;
                tap_range(Wd, OW, S, P, j, &ow0, &ow1);
                const size_t t = c * KK + (size_t)(i * KW + j);
                const float w = Wt[t];
                float gacc = 0.0f;
                for (int s = 0; s < r->batch; s++) {
                    const size_t sc = (size_t)s * (size_t)C + c;
                    const float *xc = r->x + sc * plane, *dyc = r->dy + sc * oplane;
                    float *dxc = r->dx ? r->dx + sc * plane : NULL;
                    for (int oh = oh0; oh < oh1; oh++) {
                        const float *restrict dr = dyc + (size_t)oh * (size_t)OW;
                        const float *restrict xr = xc + (size_t)(oh * S - P + i) * (size_t)Wd;
                        for (int ow = ow0; ow < ow1; ow++) gacc += dr[ow] * xr[ow * S + j - P];
                        if (dxc) {
                            float *restrict dxr = dxc + (size_t)(oh * S - P + i) * (size_t)Wd;
                            for (int ow = ow0; ow < ow1; ow++) dxr[ow * S + j - P] += dr[ow] * w;
                        }
                    }
                }
                gW[t] += gacc;
            }
        }
    }
}

void eo__fwd_dw(eo__run *r)
{
    const size_t oplane = (size_t)(r->L->out[1] * r->L->out[2]);
    eo_parallel_for(r->par, (size_t)r->batch * (size_t)r->L->in[0], EO__GRAIN_PLANES(oplane), dw_fwd_task, r);
}

void eo__bwd_dw(eo__run *r)
{
    const size_t per = (size_t)r->batch * (size_t)(r->L->out[1] * r->L->out[2]);
    eo_parallel_for(r->par, (size_t)r->L->in[0], EO__GRAIN_PLANES(per), dw_bwd_task, r);
}
