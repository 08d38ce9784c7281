/* Quantization math that prepares int8 kernel parameters (host side, double
 * precision; contracts in edgeopt/qkernels.h). Follows the TensorFlow Lite
 * int8 spec and Jacob et al. 2018, "Quantization and Training of Neural
 * Networks for Efficient Integer-Arithmetic-Only Inference", sec. 2.2:
 * a real multiplier M = s_in * s_w / s_out is stored as a Q31 integer m0 in
 * [2^30, 2^31) and a power-of-two exponent. */
#include <math.h>

#include "edgeopt/qkernels.h"

/* Round half away from zero, exactly: v - trunc(v) is exact for any double,
 * so there is no double rounding (floor(v + 0.5) can round v + 0.5 up). */
static double q8m_round(double v)
{
    double t = trunc(v), f = v - t;
    if (f >= 0.5) t += 1.0;
    if (f <= -0.5) t -= 1.0;
    return t;
}

int eo_q8_quantize_multiplier(double m, int32_t *mult, int32_t *shift)
{
    if (!mult || !shift) return EO_ERR_INVALID;
    if (!isfinite(m) || m < 0.0) return EO_ERR_INVALID;
    if (m == 0.0) {
        *mult = 0;
        *shift = 0;
        return EO_OK;
    }
    int e = 0;
    double f = frexp(m, &e); /* m = f * 2^e, f in [0.5, 1) */
    /* f * 2^31 is exact in double (scaling by a power of two), so the
     * rounding below is the only rounding. */
    int64_t q = (int64_t)q8m_round(f * 2147483648.0);
    if (q == (INT64_C(1) << 31)) { /* f rounded up to 1.0 */
        q /= 2;
        e += 1;
    }
    if (e < -31) { /* below 2^-32: every int32 times it rounds to 0 */
        *mult = 0;
        *shift = 0;
        return EO_OK;
    }
    if (e > 30) { /* the kernels shift left by at most 30 */
        *mult = INT32_MAX;
        *shift = 30;
        return EO_OK;
    }
    *mult = (int32_t)q;
    *shift = e;
    return EO_OK;
}

int eo_q8_choose_params(double rmin, double rmax, eo_q8_qparam *out)
{
    if (!out) return EO_ERR_INVALID;
    if (!isfinite(rmin) || !isfinite(rmax)) return EO_ERR_NUMERIC;
    if (rmin > rmax) return EO_ERR_INVALID;
    const double qmin = -128.0, qmax = 127.0;
    if (rmin > 0.0) rmin = 0.0; /* 0 must be representable */
    if (rmax < 0.0) rmax = 0.0;
    if (rmax - rmin <= 0.0) {
        out->scale = 1.0f;
        out->zero_point = 0;
        return EO_OK;
    }
    double scale = (rmax - rmin) / (qmax - qmin);
    /* The float scale is what the kernels use: derive the zero point from it. */
    float fs = (float)scale;
    if (!(fs > 0.0f) || !isfinite(fs)) return EO_ERR_RANGE;
    scale = fs;
    double zp_min = qmin - rmin / scale, zp_max = qmax - rmax / scale;
    double err_min = fabs(qmin) + fabs(rmin / scale), err_max = fabs(qmax) + fabs(rmax / scale);
    double zp = err_min < err_max ? zp_min : zp_max;
    int32_t nz;
    if (zp < qmin)
        nz = (int32_t)qmin;
    else if (zp > qmax)
        nz = (int32_t)qmax;
    else
        nz = (int32_t)q8m_round(zp);
    out->scale = fs;
    out->zero_point = nz;
    return EO_OK;
}

int eo_q8_act_range(eo_q8_act act, float scale, int32_t zp, int32_t *act_min, int32_t *act_max)
{
    if (!act_min || !act_max || !(scale > 0.0f) || !isfinite(scale) || zp < -128 || zp > 127)
        return EO_ERR_INVALID;
    int32_t lo = -128, hi = 127;
    switch (act) {
    case EO_Q8_ACT_NONE: break;
    case EO_Q8_ACT_RELU: lo = zp; break;
    case EO_Q8_ACT_RELU6: {
        lo = zp;
        /* Same float division and rounding as the quantizer. */
        double q6 = q8m_round((double)(6.0f / scale)) + zp;
        hi = q6 < 127.0 ? (int32_t)q6 : 127;
        if (hi < lo) hi = lo;
        break;
    }
    default: return EO_ERR_INVALID;
    }
    *act_min = lo;
    *act_max = hi;
    return EO_OK;
}

int eo_q8_quantize_weights(const float *w, int32_t rows, int32_t cols, int per_channel,
                           int8_t *q, float *scales)
{
    if (!w || !q || !scales || rows < 1 || cols < 1) return EO_ERR_INVALID;
    size_t n;
    if (!eo_size_mul((size_t)rows, (size_t)cols, &n)) return EO_ERR_RANGE;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i])) return EO_ERR_NUMERIC;
    const int32_t groups = per_channel ? rows : 1;
    const size_t glen = per_channel ? (size_t)cols : n;
    for (int32_t gi = 0; gi < groups; gi++) {
        const float *wg = w + (size_t)gi * glen;
        float amax = 0.0f;
        for (size_t i = 0; i < glen; i++) {
            float a = fabsf(wg[i]);
            if (a > amax) amax = a;
        }
        /* Zero-scale guard: an all-zero channel gets scale 1 (its weights
         * quantize to 0 and its bias keeps a finite scale). */
        float s = amax > 0.0f ? amax / 127.0f : 1.0f;
        if (!(s > 0.0f)) s = amax > 0.0f ? 1.401298464e-45f : 1.0f; /* subnormal amax */
        scales[gi] = s;
        int8_t *qg = q + (size_t)gi * glen;
        for (size_t i = 0; i < glen; i++) {
            double v = q8m_round((double)(wg[i] / s));
            qg[i] = (int8_t)(v > 127.0 ? 127 : v < -127.0 ? -127 : (int32_t)v);
        }
    }
    return EO_OK;
}

int eo_q8_quantize_bias(const float *b, int32_t n, float in_scale, const float *w_scales,
                        int32_t n_wscales, int32_t *qb, int32_t *n_clamped)
{
    if (!b || !w_scales || !qb || n < 1 || (n_wscales != 1 && n_wscales != n))
        return EO_ERR_INVALID;
    if (!(in_scale > 0.0f) || !isfinite(in_scale)) return EO_ERR_INVALID;
    int32_t clamped = 0;
    const double lim = (double)EO_Q8_BIAS_LIMIT;
    for (int32_t i = 0; i < n; i++) {
        float ws = w_scales[n_wscales == 1 ? 0 : i];
        if (!(ws > 0.0f) || !isfinite(ws)) return EO_ERR_INVALID;
        if (!isfinite(b[i])) return EO_ERR_NUMERIC;
        double v = q8m_round((double)b[i] / ((double)in_scale * (double)ws));
        if (v > lim || v < -lim) {
            v = v > 0 ? lim : -lim;
            clamped++;
        }
        qb[i] = (int32_t)v;
    }
    if (n_clamped) *n_clamped = clamped;
    return EO_OK;
}

int eo_q8_requant_params(float in_scale, const float *w_scales, int32_t n, float out_scale,
                         int32_t *mult, int32_t *shift)
{
    if (!w_scales || !mult || !shift || n < 1) return EO_ERR_INVALID;
    if (!(in_scale > 0.0f) || !isfinite(in_scale) || !(out_scale > 0.0f) || !isfinite(out_scale))
        return EO_ERR_INVALID;
    for (int32_t i = 0; i < n; i++) {
        if (!(w_scales[i] >= 0.0f) || !isfinite(w_scales[i])) return EO_ERR_INVALID;
        double m = (double)in_scale * (double)w_scales[i] / (double)out_scale;
        int rc = eo_q8_quantize_multiplier(m, &mult[i], &shift[i]);
        if (rc) return rc;
    }
    return EO_OK;
}

int eo_q8_fake_quant(size_t n, const float *x, float scale, int32_t zp, int32_t qmin,
                     int32_t qmax, float *y, uint8_t *pass)
{
    if (!(scale > 0.0f) || !isfinite(scale) || qmin < -128 || qmax > 127 || qmin > qmax ||
        zp < qmin || zp > qmax)
        return EO_ERR_INVALID;
    if (n > 0 && (!x || !y)) return EO_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        /* the steps of eo_q8_quantize_ref, then its dequantization */
        float v = x[i] / scale;
        if (v != v) v = 0.0f;
        if (v > 512.0f) v = 512.0f;
        if (v < -512.0f) v = -512.0f;
        int32_t t = (int32_t)v;
        float f = v - (float)t;
        if (f >= 0.5f) t += 1;
        if (f <= -0.5f) t -= 1;
        t += zp;
        int inside = t >= qmin && t <= qmax;
        if (t < qmin) t = qmin;
        if (t > qmax) t = qmax;
        y[i] = (float)(t - zp) * scale;
        if (pass) pass[i] = (uint8_t)inside;
    }
    return EO_OK;
}
