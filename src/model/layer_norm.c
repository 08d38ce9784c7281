/* Batch normalization and (inverted) dropout.
 *
 * Batch norm (Ioffe & Szegedy 2015), per channel c over the N = batch*spatial
 * values of that channel (channels per eo__bn_view: C, or the D features of a
 * (1,1,D) vector):
 *   train: mu = mean x, var = mean (x - mu)^2 (biased), xhat = (x - mu)/sqrt(var + eps),
 *          y = gamma xhat + beta; running_mean = (1-m) running_mean + m mu,
 *          running_var = (1-m) running_var + m var N/(N-1)   (PyTorch's convention:
 *          the running variance is the unbiased one; N = 1 keeps the biased one).
 *   eval:  the same with mu, var = the running averages.
 * Backward (train), with g = gamma dy:
 *   dx = invstd (g - mean(g) - xhat mean(g xhat)), dgamma = sum dy xhat, dbeta = sum dy.
 * Backward (eval) is the affine map's: dx = gamma invstd dy.
 * The statistics are accumulated in double; mu and invstd are kept per channel
 * for backward (aux, 2*C floats).
 *
 * Dropout (Srivastava et al. 2014, inverted): at train time each value is kept
 * with probability 1-p and scaled by 1/(1-p), so eval is the identity and the
 * expectation is unchanged. The per-value factor (0 or 1/(1-p)) is kept for
 * backward (aux, batch*numel floats). */
#include <math.h>
#include <string.h>

#include "model/internal.h"

int eo__shape_same(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    (void)d;
    (void)err;
    memcpy(out, in, 3 * sizeof(int64_t));
    return EO_OK;
}

int eo__shape_leaky(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (!(d->alpha >= 0.0f && d->alpha < 1.0f))
        return eo_error_set(err, EO_ERR_INVALID, "leaky_relu slope must be in [0, 1) (got %g)", (double)d->alpha);
    return eo__shape_same(d, in, out, err);
}

int eo__shape_bn(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (!(d->eps > 0.0f && d->eps < 1.0f))
        return eo_error_set(err, EO_ERR_INVALID, "batchnorm eps must be in (0, 1) (got %g)", (double)d->eps);
    if (!(d->momentum >= 0.0f && d->momentum <= 1.0f))
        return eo_error_set(err, EO_ERR_INVALID, "batchnorm momentum must be in [0, 1] (got %g)",
                            (double)d->momentum);
    return eo__shape_same(d, in, out, err);
}

static size_t channels(const eo__layer *L)
{
    int64_t c, sp;
    eo__bn_view(L->in, &c, &sp);
    return (size_t)c;
}

size_t eo__np_bn(const eo__layer *L) { return 2 * channels(L); }
size_t eo__nb_bn(const eo__layer *L) { return 2 * channels(L); }
size_t eo__aux_bn(const eo__layer *L, int batch)
{
    (void)batch;
    return 2 * channels(L) * sizeof(float);
}

void eo__init_bn(const eo__layer *L, float *p, float *buf)
{
    size_t C = channels(L);
    for (size_t c = 0; c < C; c++) {
        p[c] = 1.0f;      /* gamma */
        p[C + c] = 0.0f;  /* beta */
        buf[c] = 0.0f;    /* running mean */
        buf[C + c] = 1.0f;/* running var */
    }
}

/* Sums over one contiguous run of n floats, in float with 8 independent
 * lanes (vectorizable, fixed order), returned in double; the runs are then
 * accumulated in double by the callers. */
#define EO__LANES 8

static double run_sum(const float *restrict x, size_t n)
{
    float acc[EO__LANES] = {0};
    size_t i = 0;
    for (; i + EO__LANES <= n; i += EO__LANES)
        for (int l = 0; l < EO__LANES; l++) acc[l] += x[i + l];
    double s = 0.0;
    for (int l = 0; l < EO__LANES; l++) s += acc[l];
    for (; i < n; i++) s += x[i];
    return s;
}

static double run_sq_dev(const float *restrict x, size_t n, float mu)
{
    float acc[EO__LANES] = {0};
    size_t i = 0;
    for (; i + EO__LANES <= n; i += EO__LANES)
        for (int l = 0; l < EO__LANES; l++) {
            float d = x[i + l] - mu;
            acc[l] += d * d;
        }
    double s = 0.0;
    for (int l = 0; l < EO__LANES; l++) s += acc[l];
    for (; i < n; i++) s += (double)(x[i] - mu) * (x[i] - mu);
    return s;
}

/* sum dy and sum dy (x - mu) over one run. */
static void run_dy(const float *restrict dy, const float *restrict x, size_t n, float mu, double *sdy, double *sdyx)
{
    float a[EO__LANES] = {0}, b[EO__LANES] = {0};
    size_t i = 0;
    for (; i + EO__LANES <= n; i += EO__LANES)
        for (int l = 0; l < EO__LANES; l++) {
            a[l] += dy[i + l];
            b[l] += dy[i + l] * (x[i + l] - mu);
        }
    double sa = 0.0, sb = 0.0;
    for (int l = 0; l < EO__LANES; l++) sa += a[l], sb += b[l];
    for (; i < n; i++) sa += dy[i], sb += (double)dy[i] * (x[i] - mu);
    *sdy += sa;
    *sdyx += sb;
}

/* y = a x + b over one run. */
static void run_affine(const float *restrict x, float *restrict y, size_t n, float a, float b)
{
    for (size_t i = 0; i < n; i++) y[i] = a * x[i] + b;
}

static void bn_fwd_task(void *ctx, size_t c0, size_t c1)
{
    const eo__run *r = ctx;
    const eo__layer *L = r->L;
    int64_t C64, S64;
    eo__bn_view(L->in, &C64, &S64);
    const size_t C = (size_t)C64, S = (size_t)S64, B = (size_t)r->batch;
    const float *gamma = r->p, *beta = r->p + C;
    float *rmean = r->buf, *rvar = r->buf + C;
    float *mu_keep = (float *)L->aux, *inv_keep = mu_keep + C;
    const double N = (double)(B * S);
    /* A vector (S == 1) is one run per sample: gather the channel by stride
     * instead of calling the run helpers per element. */
    for (size_t c = c0; c < c1; c++) {
        double mu, var;
        if (r->train) {
            double acc = 0.0;
            if (S == 1) {
                for (size_t s = 0; s < B; s++) acc += r->x[s * L->in_numel + c];
            } else {
                for (size_t s = 0; s < B; s++) acc += run_sum(r->x + s * L->in_numel + c * S, S);
            }
            mu = acc / N;
            const float muf = (float)mu;
            double acc2 = 0.0;
            if (S == 1) {
                for (size_t s = 0; s < B; s++) {
                    double dv = r->x[s * L->in_numel + c] - mu;
                    acc2 += dv * dv;
                }
            } else {
                /* Deviations from the float mean, corrected for its rounding. */
                double off = mu - muf, sdev = acc - N * muf;
                for (size_t s = 0; s < B; s++) acc2 += run_sq_dev(r->x + s * L->in_numel + c * S, S, muf);
                acc2 += -2.0 * off * sdev + N * off * off;
            }
            var = acc2 / N;
            if (var < 0.0) var = 0.0;
            double m = L->d.momentum;
            double unbiased = N > 1.0 ? var * N / (N - 1.0) : var;
            rmean[c] = (float)((1.0 - m) * rmean[c] + m * mu);
            rvar[c] = (float)((1.0 - m) * rvar[c] + m * unbiased);
        } else {
            mu = rmean[c];
            var = rvar[c];
        }
        double inv = 1.0 / sqrt(var + (double)L->d.eps);
        mu_keep[c] = (float)mu;
        inv_keep[c] = (float)inv;
        const float a = (float)(gamma[c] * inv), b = (float)(beta[c] - gamma[c] * inv * mu);
        if (S == 1) {
            for (size_t s = 0; s < B; s++) r->y[s * L->in_numel + c] = a * r->x[s * L->in_numel + c] + b;
        } else {
            for (size_t s = 0; s < B; s++)
                run_affine(r->x + s * L->in_numel + c * S, r->y + s * L->in_numel + c * S, S, a, b);
        }
    }
}

static void bn_bwd_task(void *ctx, size_t c0, size_t c1)
{
    const eo__run *r = ctx;
    const eo__layer *L = r->L;
    int64_t C64, S64;
    eo__bn_view(L->in, &C64, &S64);
    const size_t C = (size_t)C64, S = (size_t)S64, B = (size_t)r->batch;
    const float *gamma = r->p;
    float *ggamma = r->g, *gbeta = r->g + C;
    const float *mu_keep = (const float *)L->aux, *inv_keep = mu_keep + C;
    const double N = (double)(B * S);
    for (size_t c = c0; c < c1; c++) {
        const float muf = mu_keep[c];
        const double inv = inv_keep[c];
        double sdy = 0.0, sdyx = 0.0; /* sum dy, sum dy (x - mu) */
        for (size_t s = 0; s < B; s++) {
            const size_t o = s * L->in_numel + c * S;
            run_dy(r->dy + o, r->x + o, S, muf, &sdy, &sdyx);
        }
        ggamma[c] += (float)(sdyx * inv);
        gbeta[c] += (float)sdy;
        if (!r->dx) continue;
        /* train: dx = gamma inv (dy - sdy/N - (x - mu) inv^2 sdyx / N), i.e.
         * dx = A dy + Bx x + C0; eval: dx = gamma inv dy. */
        const double gi = gamma[c] * inv;
        const float A = (float)gi;
        const float Bx = r->train ? (float)(-gi * inv * inv * sdyx / N) : 0.0f;
        const float C0 = r->train ? (float)(-gi * sdy / N + gi * inv * inv * sdyx / N * muf) : 0.0f;
        for (size_t s = 0; s < B; s++) {
            const size_t o = s * L->in_numel + c * S;
            const float *restrict dyc = r->dy + o, *restrict xc = r->x + o;
            float *restrict dxc = r->dx + o;
            for (size_t k = 0; k < S; k++) dxc[k] = A * dyc[k] + Bx * xc[k] + C0;
        }
    }
}

/* Parallel over channels: each task owns its channels' statistics, running
 * averages, parameter gradients and values. */
static void over_channels(eo__run *r, eo_task_fn fn)
{
    int64_t C, S;
    eo__bn_view(r->L->in, &C, &S);
    size_t per = (size_t)S * (size_t)r->batch;
    eo_parallel_for(r->par, (size_t)C, EO__GRAIN_PLANES(per), fn, r);
}

void eo__fwd_bn(eo__run *r) { over_channels(r, bn_fwd_task); }
void eo__bwd_bn(eo__run *r) { over_channels(r, bn_bwd_task); }

/* --------------------------------------------------------------- dropout */

int eo__shape_dropout(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
{
    if (!(d->p >= 0.0f && d->p < 1.0f))
        return eo_error_set(err, EO_ERR_INVALID, "dropout probability must be in [0, 1) (got %g)", (double)d->p);
    return eo__shape_same(d, in, out, err);
}

size_t eo__aux_dropout(const eo__layer *L, int batch)
{
    return (size_t)batch * L->in_numel * sizeof(float);
}

static int dropout_active(const eo__run *r) { return r->train && r->L->d.p > 0.0f; }

void eo__fwd_dropout(eo__run *r)
{
    const size_t n = (size_t)r->batch * r->L->in_numel;
    if (!dropout_active(r)) {
        memcpy(r->y, r->x, n * sizeof(float));
        return;
    }
    float *mask = (float *)r->L->aux;
    const float p = r->L->d.p, scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = eo_rng_uniformf(r->rng) < p ? 0.0f : scale;
        r->y[i] = r->x[i] * mask[i];
    }
}

void eo__bwd_dropout(eo__run *r)
{
    const size_t n = (size_t)r->batch * r->L->in_numel;
    if (!dropout_active(r)) {
        memcpy(r->dx, r->dy, n * sizeof(float));
        return;
    }
    const float *mask = (const float *)r->L->aux;
    for (size_t i = 0; i < n; i++) r->dx[i] = r->dy[i] * mask[i];
}
