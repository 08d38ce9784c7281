/* Quantization error reports: signal-to-quantization-noise ratio
 *     SQNR = 10 log10( sum w^2 / sum (w - w_hat)^2 )  [dB]
 * and the worst absolute error, for any approximation (int8, clusters) and,
 * without buffers, for symmetric int8 weight quantization as
 * eo_q8_quantize_weights performs it (same scale and rounding). */
#include <math.h>

#include "edgeopt/compress.h"

static double sqnr_db(double signal, double noise)
{
    if (noise == 0.0) return INFINITY;
    if (signal == 0.0) return -INFINITY;
    return 10.0 * log10(signal / noise);
}

int eo_quant_error(const float *ref, const float *approx, size_t n, eo_qerr *out)
{
    if (!ref || !approx || !out || n == 0) return EO_ERR_INVALID;
    double se = 0.0, ss = 0.0, mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)ref[i] - (double)approx[i];
        if (!isfinite(d)) return EO_ERR_NUMERIC;
        se += d * d;
        ss += (double)ref[i] * ref[i];
        if (fabs(d) > mx) mx = fabs(d);
    }
    out->n = n;
    out->mse = se / (double)n;
    out->signal = ss / (double)n;
    out->max_abs = mx;
    out->sqnr_db = sqnr_db(ss, se);
    out->worst_channel = -1;
    out->worst_channel_sqnr_db = out->sqnr_db;
    return EO_OK;
}

/* Scale of one group: max |w| / 127, or 1 for an all-zero group (the guard of
 * eo_q8_quantize_weights). */
static float group_scale(const float *w, size_t n)
{
    float amax = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float a = fabsf(w[i]);
        if (a > amax) amax = a;
    }
    float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    return s > 0.0f ? s : 1.401298464e-45f;
}

static float quant_dequant(float w, float s)
{
    float v = w / s;
    double r = v >= 0.0f ? floor((double)v + 0.5) : -floor(-(double)v + 0.5);
    if (r > 127.0) r = 127.0;
    if (r < -127.0) r = -127.0;
    return (float)r * s;
}

int eo_q8_weight_error(const float *w, int32_t rows, int32_t cols, int per_channel, eo_qerr *out)
{
    if (!w || !out || rows < 1 || cols < 1) return EO_ERR_INVALID;
    size_t n;
    if (!eo_size_mul((size_t)rows, (size_t)cols, &n)) return EO_ERR_RANGE;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i])) return EO_ERR_NUMERIC;
    const float ts = per_channel ? 0.0f : group_scale(w, n);
    double se = 0.0, ss = 0.0, mx = 0.0, worst = INFINITY;
    int32_t worst_r = 0;
    for (int32_t r = 0; r < rows; r++) {
        const float *wr = w + (size_t)r * (size_t)cols;
        const float s = per_channel ? group_scale(wr, (size_t)cols) : ts;
        double rse = 0.0, rss = 0.0;
        for (int32_t i = 0; i < cols; i++) {
            double d = (double)wr[i] - (double)quant_dequant(wr[i], s);
            rse += d * d;
            rss += (double)wr[i] * wr[i];
            if (fabs(d) > mx) mx = fabs(d);
        }
        double db = sqnr_db(rss, rse);
        if (db < worst) {
            worst = db;
            worst_r = r;
        }
        se += rse;
        ss += rss;
    }
    out->n = n;
    out->mse = se / (double)n;
    out->signal = ss / (double)n;
    out->max_abs = mx;
    out->sqnr_db = sqnr_db(ss, se);
    out->worst_channel = worst_r;
    out->worst_channel_sqnr_db = worst;
    return EO_OK;
}
