/* int8 reference kernels: the specification every fast path and the exported C
 * are tested against. Math, layouts and bounds are documented in
 * include/edgeopt/qref.h (TFLite int8 spec; Jacob et al. 2018).
 *
 * Self-contained on purpose: this file includes only qref.h, which includes
 * only <stdint.h> and <stddef.h>. The exporter copies the text of qref.h and
 * of this file into generated code (replacing the #include line below by the
 * header text), so do not add dependencies, allocation, libm calls or floating
 * point outside the EO_QREF_NO_FLOAT section. C99. */
#include "edgeopt/qref.h"

/* ------------------------------------------------------------- validation */

/* a * b into *out without size_t overflow; 0 on overflow. */
static int q8__mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}

/* Product of four non-negative dims, 0 if it does not fit a size_t. */
static int q8__numel4(int32_t a, int32_t b, int32_t c, int32_t d, size_t *out)
{
    size_t t;
    if (a < 0 || b < 0 || c < 0 || d < 0) return 0;
    return q8__mul((size_t)a, (size_t)b, &t) && q8__mul(t, (size_t)c, &t) &&
           q8__mul(t, (size_t)d, out);
}

static int q8__check_params(const eo_q8_params *p, int32_t channels)
{
    if (!p || !p->mult || !p->shift) return EO_Q8_EINVAL;
    if (p->in_zp < -128 || p->in_zp > 127 || p->out_zp < -128 || p->out_zp > 127)
        return EO_Q8_EINVAL;
    if (p->act_min < -128 || p->act_max > 127 || p->act_min > p->act_max) return EO_Q8_EINVAL;
    if (p->n_mult != 1 && p->n_mult != channels) return EO_Q8_EINVAL;
    for (int32_t i = 0; i < p->n_mult; i++)
        if (p->shift[i] < -31 || p->shift[i] > 30) return EO_Q8_EINVAL;
    return EO_Q8_OK;
}

static int q8__check_bias(const int32_t *bias, int32_t n)
{
    if (!bias) return EO_Q8_OK;
    for (int32_t i = 0; i < n; i++)
        if (bias[i] > EO_Q8_BIAS_LIMIT || bias[i] < -EO_Q8_BIAS_LIMIT) return EO_Q8_ERANGE;
    return EO_Q8_OK;
}

static int32_t q8__out_dim(int32_t in, int32_t k, int32_t s, int32_t p0, int32_t p1)
{
    if (in < 1 || k < 1 || s < 1 || p0 < 0 || p1 < 0) return 0;
    int64_t span = (int64_t)in + p0 + p1 - k;
    if (span < 0) return 0;
    int64_t o = span / s + 1;
    return o > INT32_MAX ? 0 : (int32_t)o;
}

int32_t eo_q8_geom_out_h(const eo_q8_geom *g)
{
    return g ? q8__out_dim(g->h, g->kh, g->stride_h, g->pad_top, g->pad_bottom) : 0;
}

int32_t eo_q8_geom_out_w(const eo_q8_geom *g)
{
    return g ? q8__out_dim(g->w, g->kw, g->stride_w, g->pad_left, g->pad_right) : 0;
}

/* Common geometry checks: positive sizes, output >= 1, element counts fit. */
static int q8__check_geom(const eo_q8_geom *g, int32_t out_c)
{
    size_t t;
    if (!g || g->n < 1 || g->c < 1 || out_c < 1) return EO_Q8_EINVAL;
    int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    if (oh < 1 || ow < 1) return EO_Q8_EINVAL;
    if (!q8__numel4(g->n, g->c, g->h, g->w, &t) || !q8__numel4(g->n, out_c, oh, ow, &t))
        return EO_Q8_ERANGE;
    return EO_Q8_OK;
}

/* Pools need every window to hold a valid pixel (pad < window). */
int eo_q8_pool_check(const eo_q8_geom *g, int32_t act_min, int32_t act_max)
{
    int rc = q8__check_geom(g, g ? g->c : 0);
    if (rc) return rc;
    if (g->pad_top >= g->kh || g->pad_bottom >= g->kh || g->pad_left >= g->kw ||
        g->pad_right >= g->kw)
        return EO_Q8_EINVAL;
    if ((int64_t)g->kh * g->kw > EO_Q8_MAX_POOL) return EO_Q8_ERANGE;
    if (act_min < -128 || act_max > 127 || act_min > act_max) return EO_Q8_EINVAL;
    return EO_Q8_OK;
}

/* ---------------------------------------------------------- fully connected */

int eo_q8_fc_check(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                   const int32_t *bias)
{
    size_t t;
    if (batch < 1 || in < 1 || out < 1) return EO_Q8_EINVAL;
    if (in > EO_Q8_MAX_FANIN) return EO_Q8_ERANGE;
    if (!q8__numel4(batch, in, 1, 1, &t) || !q8__numel4(out, in, 1, 1, &t) ||
        !q8__numel4(batch, out, 1, 1, &t))
        return EO_Q8_ERANGE;
    int rc = q8__check_params(p, out);
    return rc ? rc : q8__check_bias(bias, out);
}

int eo_q8_fc_ref(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                 const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_fc_check(p, batch, in, out, bias);
    if (rc) return rc;
    for (int32_t b = 0; b < batch; b++) {
        const int8_t *xb = x + (size_t)b * (size_t)in;
        for (int32_t o = 0; o < out; o++) {
            const int8_t *wo = w + (size_t)o * (size_t)in;
            int32_t acc = bias ? bias[o] : 0;
            for (int32_t i = 0; i < in; i++) acc += ((int32_t)xb[i] - p->in_zp) * (int32_t)wo[i];
            int32_t k = p->n_mult == 1 ? 0 : o;
            y[(size_t)b * (size_t)out + (size_t)o] =
                eo_q8_requant(acc, p->mult[k], p->shift[k], p->out_zp, p->act_min, p->act_max);
        }
    }
    return EO_Q8_OK;
}

/* ------------------------------------------------------------ convolutions */

int eo_q8_conv2d_check(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                       const int32_t *bias)
{
    int rc = q8__check_geom(g, oc);
    if (rc) return rc;
    if ((int64_t)g->c * g->kh * g->kw > EO_Q8_MAX_FANIN) return EO_Q8_ERANGE;
    if ((rc = q8__check_params(p, oc))) return rc;
    return q8__check_bias(bias, oc);
}

int eo_q8_conv2d_ref(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                     const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_conv2d_check(p, g, oc, bias);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w;
    const size_t fan = (size_t)g->c * (size_t)g->kh * (size_t)g->kw;
    for (int32_t b = 0; b < g->n; b++) {
        const int8_t *xb = x + (size_t)b * (size_t)g->c * plane;
        for (int32_t o = 0; o < oc; o++) {
            const int8_t *wo = w + (size_t)o * fan;
            int32_t k = p->n_mult == 1 ? 0 : o;
            int8_t *yo = y + ((size_t)b * (size_t)oc + (size_t)o) * (size_t)oh * (size_t)ow;
            for (int32_t oy = 0; oy < oh; oy++) {
                for (int32_t ox = 0; ox < ow; ox++) {
                    int32_t acc = bias ? bias[o] : 0;
                    for (int32_t ic = 0; ic < g->c; ic++) {
                        const int8_t *xc = xb + (size_t)ic * plane;
                        const int8_t *wc = wo + (size_t)ic * (size_t)g->kh * (size_t)g->kw;
                        for (int32_t ky = 0; ky < g->kh; ky++) {
                            int32_t iy = oy * g->stride_h - g->pad_top + ky;
                            if (iy < 0 || iy >= g->h) continue;
                            for (int32_t kx = 0; kx < g->kw; kx++) {
                                int32_t ix = ox * g->stride_w - g->pad_left + kx;
                                if (ix < 0 || ix >= g->w) continue;
                                acc += ((int32_t)xc[(size_t)iy * (size_t)g->w + (size_t)ix] -
                                        p->in_zp) *
                                       (int32_t)wc[(size_t)ky * (size_t)g->kw + (size_t)kx];
                            }
                        }
                    }
                    yo[(size_t)oy * (size_t)ow + (size_t)ox] = eo_q8_requant(
                        acc, p->mult[k], p->shift[k], p->out_zp, p->act_min, p->act_max);
                }
            }
        }
    }
    return EO_Q8_OK;
}

int eo_q8_dwconv2d_check(const eo_q8_params *p, const eo_q8_geom *g, const int32_t *bias)
{
    int rc = q8__check_geom(g, g ? g->c : 0);
    if (rc) return rc;
    if ((int64_t)g->kh * g->kw > EO_Q8_MAX_FANIN) return EO_Q8_ERANGE;
    if ((rc = q8__check_params(p, g->c))) return rc;
    return q8__check_bias(bias, g->c);
}

int eo_q8_dwconv2d_ref(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                       const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_dwconv2d_check(p, g, bias);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w, oplane = (size_t)oh * (size_t)ow;
    for (int32_t b = 0; b < g->n; b++) {
        for (int32_t c = 0; c < g->c; c++) {
            const int8_t *xc = x + ((size_t)b * (size_t)g->c + (size_t)c) * plane;
            const int8_t *wc = w + (size_t)c * (size_t)g->kh * (size_t)g->kw;
            int8_t *yc = y + ((size_t)b * (size_t)g->c + (size_t)c) * oplane;
            int32_t k = p->n_mult == 1 ? 0 : c;
            for (int32_t oy = 0; oy < oh; oy++) {
                for (int32_t ox = 0; ox < ow; ox++) {
                    int32_t acc = bias ? bias[c] : 0;
                    for (int32_t ky = 0; ky < g->kh; ky++) {
                        int32_t iy = oy * g->stride_h - g->pad_top + ky;
                        if (iy < 0 || iy >= g->h) continue;
                        for (int32_t kx = 0; kx < g->kw; kx++) {
                            int32_t ix = ox * g->stride_w - g->pad_left + kx;
                            if (ix < 0 || ix >= g->w) continue;
                            acc += ((int32_t)xc[(size_t)iy * (size_t)g->w + (size_t)ix] - p->in_zp) *
                                   (int32_t)wc[(size_t)ky * (size_t)g->kw + (size_t)kx];
                        }
                    }
                    yc[(size_t)oy * (size_t)ow + (size_t)ox] = eo_q8_requant(
                        acc, p->mult[k], p->shift[k], p->out_zp, p->act_min, p->act_max);
                }
            }
        }
    }
    return EO_Q8_OK;
}

/* ----------------------------------------------------------------- pooling */

/* sum / count rounded half away from zero (count > 0), as TFLite's pools. */
static int32_t q8__div_round(int32_t sum, int32_t count)
{
    return sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

static int8_t q8__clamp(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* One pass for both pools: is_max selects the reduction. */
static int q8__pool(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                    int8_t *y, int is_max)
{
    if (!x || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_pool_check(g, act_min, act_max);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w, oplane = (size_t)oh * (size_t)ow;
    const size_t planes = (size_t)g->n * (size_t)g->c;
    for (size_t pc = 0; pc < planes; pc++) {
        const int8_t *xc = x + pc * plane;
        int8_t *yc = y + pc * oplane;
        for (int32_t oy = 0; oy < oh; oy++) {
            int32_t y0 = oy * g->stride_h - g->pad_top, y1 = y0 + g->kh;
            if (y0 < 0) y0 = 0;
            if (y1 > g->h) y1 = g->h;
            for (int32_t ox = 0; ox < ow; ox++) {
                int32_t x0 = ox * g->stride_w - g->pad_left, x1 = x0 + g->kw;
                if (x0 < 0) x0 = 0;
                if (x1 > g->w) x1 = g->w;
                int32_t acc = is_max ? -128 : 0;
                for (int32_t iy = y0; iy < y1; iy++) {
                    const int8_t *row = xc + (size_t)iy * (size_t)g->w;
                    for (int32_t ix = x0; ix < x1; ix++) {
                        int32_t v = row[ix];
                        if (is_max) {
                            if (v > acc) acc = v;
                        } else {
                            acc += v;
                        }
                    }
                }
                if (!is_max) acc = q8__div_round(acc, (y1 - y0) * (x1 - x0));
                yc[(size_t)oy * (size_t)ow + (size_t)ox] = q8__clamp(acc, act_min, act_max);
            }
        }
    }
    return EO_Q8_OK;
}

int eo_q8_maxpool_ref(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                      const int8_t *x, int8_t *y)
{
    return q8__pool(g, act_min, act_max, x, y, 1);
}

int eo_q8_avgpool_ref(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                      const int8_t *x, int8_t *y)
{
    return q8__pool(g, act_min, act_max, x, y, 0);
}

int eo_q8_gap_check(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max)
{
    size_t t;
    if (n < 1 || c < 1 || hw < 1) return EO_Q8_EINVAL;
    if (hw > EO_Q8_MAX_POOL || !q8__numel4(n, c, hw, 1, &t)) return EO_Q8_ERANGE;
    if (act_min < -128 || act_max > 127 || act_min > act_max) return EO_Q8_EINVAL;
    return EO_Q8_OK;
}

int eo_q8_gap_ref(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
                  const int8_t *x, int8_t *y)
{
    if (!x || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_gap_check(n, c, hw, act_min, act_max);
    if (rc) return rc;
    const size_t planes = (size_t)n * (size_t)c;
    for (size_t pc = 0; pc < planes; pc++) {
        const int8_t *xc = x + pc * (size_t)hw;
        int32_t acc = 0;
        for (int32_t i = 0; i < hw; i++) acc += xc[i];
        y[pc] = q8__clamp(q8__div_round(acc, hw), act_min, act_max);
    }
    return EO_Q8_OK;
}

/* ------------------------------------------------ float <-> int8 (optional) */
#ifndef EO_QREF_NO_FLOAT

int eo_q8_quantize_ref(size_t n, const float *x, float scale, int32_t zp, int8_t *q)
{
    /* scale > 0 and finite (the second test rejects +inf; NaN fails the first). */
    if (!(scale > 0.0f) || scale - scale != 0.0f || zp < -128 || zp > 127) return EO_Q8_EINVAL;
    if (n > 0 && (!x || !q)) return EO_Q8_EINVAL;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] / scale;
        if (v != v) v = 0.0f; /* NaN -> the zero point */
        /* Clamp before converting so the cast is defined; 512 is far outside
         * the int8 range, so the final clamp decides. */
        if (v > 512.0f) v = 512.0f;
        if (v < -512.0f) v = -512.0f;
        /* Round half away from zero without libm: truncate, then look at the
         * exact fractional part (v - trunc(v) is exact for |v| < 2^23). */
        int32_t t = (int32_t)v;
        float f = v - (float)t;
        if (f >= 0.5f) t += 1;
        if (f <= -0.5f) t -= 1;
        t += zp;
        q[i] = (int8_t)(t < -128 ? -128 : t > 127 ? 127 : t);
    }
    return EO_Q8_OK;
}

int eo_q8_dequantize_ref(size_t n, const int8_t *q, float scale, int32_t zp, float *x)
{
    if (zp < -128 || zp > 127) return EO_Q8_EINVAL;
    if (n > 0 && (!x || !q)) return EO_Q8_EINVAL;
    for (size_t i = 0; i < n; i++) x[i] = (float)((int32_t)q[i] - zp) * scale;
    return EO_Q8_OK;
}

#endif /* EO_QREF_NO_FLOAT */
