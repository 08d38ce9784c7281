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

void eo__fwd_bn(eo__run *r)
{
    const eo__layer *L = r->L;
    int64_t C64, S64;
    eo__bn_view(L->in, &C64, &S64);
    const size_t C = (size_t)C64, S = (size_t)S64, B = (size_t)r->batch;
    const float *gamma = r->p, *beta = r->p + C;
    float *rmean = r->buf, *rvar = r->buf + C;
    float *mu_keep = (float *)L->aux, *inv_keep = mu_keep + C;
    const double N = (double)(B * S);
    for (size_t c = 0; c < C; c++) {
        double mu, var;
        if (r->train) {
            double acc = 0.0;
            for (size_t s = 0; s < B; s++) {
                const float *xc = r->x + s * L->in_numel + c * S;
                for (size_t k = 0; k < S; k++) acc += xc[k];
            }
            mu = acc / N;
            double acc2 = 0.0;
            for (size_t s = 0; s < B; s++) {
                const float *xc = r->x + s * L->in_numel + c * S;
                for (size_t k = 0; k < S; k++) {
                    double dv = xc[k] - mu;
                    acc2 += dv * dv;
                }
            }
            var = acc2 / N;
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
        for (size_t s = 0; s < B; s++) {
            const float *xc = r->x + s * L->in_numel + c * S;
            float *yc = r->y + s * L->in_numel + c * S;
            for (size_t k = 0; k < S; k++) yc[k] = a * xc[k] + b;
        }
    }
}

void eo__bwd_bn(eo__run *r)
{
    const eo__layer *L = r->L;
    int64_t C64, S64;
    eo__bn_view(L->in, &C64, &S64);
    const size_t C = (size_t)C64, S = (size_t)S64, B = (size_t)r->batch;
    const float *gamma = r->p;
    float *ggamma = r->g, *gbeta = r->g + C;
    const float *mu_keep = (const float *)L->aux, *inv_keep = mu_keep + C;
    const double N = (double)(B * S);
    for (size_t c = 0; c < C; c++) {
        const double mu = mu_keep[c], inv = inv_keep[c];
        double sdy = 0.0, sdyx = 0.0;
        for (size_t s = 0; s < B; s++) {
            const float *xc = r->x + s * L->in_numel + c * S;
            const float *dyc = r->dy + s * L->in_numel + c * S;
            for (size_t k = 0; k < S; k++) {
                sdy += dyc[k];
                sdyx += dyc[k] * ((xc[k] - mu) * inv);
            }
        }
        ggamma[c] += (float)sdyx;
        gbeta[c] += (float)sdy;
        if (!r->dx) continue;
        const double gi = gamma[c] * inv;
        for (size_t s = 0; s < B; s++) {
            const float *xc = r->x + s * L->in_numel + c * S;
            const float *dyc = r->dy + s * L->in_numel + c * S;
            float *dxc = r->dx + s * L->in_numel + c * S;
            if (r->train) {
                for (size_t k = 0; k < S; k++) {
                    double xh = (xc[k] - mu) * inv;
                    dxc[k] = (float)(gi * (dyc[k] - sdy / N - xh * sdyx / N));
                }
            } else {
                for (size_t k = 0; k < S; k++) dxc[k] = (float)(gi * dyc[k]);
            }
        }
    }
}

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
