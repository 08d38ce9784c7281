/* Calibration observer: exact min/max plus a histogram whose range grows by
 * doubling. When a value falls right of the range, adjacent bin pairs merge
 * from the left edge and the range doubles to the right; left of the range,
 * pairs merge into the upper half and the range doubles to the left. Either
 * way every old bin maps into exactly one new bin, so no mass is smeared and
 * batches can arrive in any order. Percentiles interpolate linearly inside a
 * bin. (The MSE search is in calib_mse.c.) */
#include <math.h>
#include <string.h>

#include "compress/calib_internal.h"

static const char *const calib_names[EO_CALIB_COUNT] = {"minmax", "percentile", "mse"};

const char *eo_calib_method_name(eo_calib_method m)
{
    return (unsigned)m < EO_CALIB_COUNT ? calib_names[m] : "?";
}

int eo_calib_method_from_name(const char *name, eo_calib_method *out)
{
    for (int i = 0; name && i < EO_CALIB_COUNT; i++)
        if (!strcmp(name, calib_names[i])) {
            if (out) *out = (eo_calib_method)i;
            return EO_OK;
        }
    return EO_ERR_NOT_FOUND;
}

eo_calib_params eo_calib_defaults(void)
{
    eo_calib_params p = {EO_CALIB_MINMAX, 99.99, 2048};
    return p;
}

const char *eo_calib_params_check(const eo_calib_params *p)
{
    if (!p) return "params are NULL";
    if ((unsigned)p->method >= EO_CALIB_COUNT) return "unknown calibration method";
    if (!(p->percentile > 50.0 && p->percentile <= 100.0))
        return "percentile must be in (50, 100]";
    if (p->bins < 64 || p->bins > 65536 || p->bins % 2) return "bins must be even, 64..65536";
    return NULL;
}

int eo_calib_create(const eo_calib_params *p, const eo_allocator *a, eo_calib **out)
{
    if (!out) return EO_ERR_INVALID;
    *out = NULL;
    if (eo_calib_params_check(p)) return EO_ERR_INVALID;
    size_t bytes;
    if (!eo_size_mul((size_t)p->bins, sizeof(double), &bytes) ||
        !eo_size_add(bytes, sizeof(eo_calib), &bytes))
        return EO_ERR_RANGE;
    /* One block: the struct, then the histogram. */
    eo_calib *c = eo_alloc(a, bytes);
    if (!c) return EO_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->p = *p;
    if (a) {
        c->alloc = *a;
        c->has_alloc = 1;
    }
    c->hist = (double *)(void *)(c + 1);
    memset(c->hist, 0, (size_t)p->bins * sizeof(double));
    *out = c;
    return EO_OK;
}

void eo_calib_destroy(eo_calib *c)
{
    if (!c) return;
    eo_allocator a = c->alloc;
    eo_free(c->has_alloc ? &a : NULL, c);
}

uint64_t eo_calib_count(const eo_calib *c) { return c ? c->count : 0; }

/* Double the range to the right: new bin j = old bins 2j, 2j+1. */
static void grow_right(eo_calib *c)
{
    const int nb = c->p.bins;
    for (int j = 0; j < nb / 2; j++) c->hist[j] = c->hist[2 * j] + c->hist[2 * j + 1];
    for (int j = nb / 2; j < nb; j++) c->hist[j] = 0.0;
    c->width *= 2.0;
}

/* Double the range to the left: new bin nb/2 + j = old bins 2j, 2j+1. */
static void grow_left(eo_calib *c)
{
    const int nb = c->p.bins;
    for (int j = nb / 2 - 1; j >= 0; j--) {
        double v = c->hist[2 * j] + c->hist[2 * j + 1];
        c->hist[nb / 2 + j] = v; /* nb/2 + j >= 2j + 1 for j < nb/2: not yet read */
    }
    for (int j = 0; j < nb / 2; j++) c->hist[j] = 0.0;
    c->lo -= (double)nb * c->width;
    c->width *= 2.0;
}

int eo_calib_observe(eo_calib *c, const float *x, size_t n)
{
    if (!c || (n && !x)) return EO_ERR_INVALID;
    if (n == 0) return EO_OK;
    double bmin = INFINITY, bmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (!isfinite(v)) return EO_ERR_NUMERIC;
        if (v < bmin) bmin = v;
        if (v > bmax) bmax = v;
    }
    const int nb = c->p.bins;
    if (c->count == 0) {
        double span = bmax - bmin;
        if (span > 0.0) {
            c->lo = bmin;
            c->width = span / nb;
        } else { /* a single value: a small range around it, grown later if needed */
            span = bmin != 0.0 ? fabs(bmin) * 1e-3 : 1e-6;
            c->lo = bmin - span / 2;
            c->width = span / nb;
        }
        c->min = bmin;
        c->max = bmax;
    }
    while (bmin < c->lo) grow_left(c);
    while (bmax > c->lo + (double)nb * c->width) grow_right(c);
    if (bmin < c->min) c->min = bmin;
    if (bmax > c->max) c->max = bmax;
    for (size_t i = 0; i < n; i++) {
        double t = ((double)x[i] - c->lo) / c->width;
        long j = (long)t; /* t >= 0 up to rounding; clamp both ends */
        if (j < 0) j = 0;
        if (j >= nb) j = nb - 1;
        c->hist[j] += 1.0;
    }
    c->count += n;
    return EO_OK;
}

/* Value below which a fraction q of the mass lies (linear inside a bin). */
static double quantile(const eo_calib *c, double q)
{
    const int nb = c->p.bins;
    double target = q * (double)c->count, cum = 0.0;
    if (target <= 0.0) return c->min;
    for (int j = 0; j < nb; j++) {
        double h = c->hist[j];
        if (h > 0.0 && cum + h >= target) {
            double v = c->lo + ((double)j + (target - cum) / h) * c->width;
            return v < c->min ? c->min : v > c->max ? c->max : v;
        }
        cum += h;
    }
    return c->max;
}

int eo_calib_range_by(const eo_calib *c, eo_calib_method m, double percentile, double *lo,
                      double *hi)
{
    if (!c || !lo || !hi) return EO_ERR_INVALID;
    if (c->count == 0) return EO_ERR_STATE;
    switch (m) {
    case EO_CALIB_MINMAX:
        *lo = c->min;
        *hi = c->max;
        return EO_OK;
    case EO_CALIB_PERCENTILE:
        if (!(percentile > 50.0 && percentile <= 100.0)) return EO_ERR_INVALID;
        *lo = quantile(c, 1.0 - percentile / 100.0);
        *hi = quantile(c, percentile / 100.0);
        if (*lo > *hi) *lo = *hi;
        return EO_OK;
    case EO_CALIB_MSE: return eo__calib_mse_range(c, lo, hi);
    default: return EO_ERR_INVALID;
    }
}

int eo_calib_range(const eo_calib *c, double *lo, double *hi)
{
    if (!c) return EO_ERR_INVALID;
    return eo_calib_range_by(c, c->p.method, c->p.percentile, lo, hi);
}

int eo_calib_qparams(const eo_calib *c, eo_q8_qparam *out)
{
    double lo, hi;
    int rc = eo_calib_range(c, &lo, &hi);
    return rc ? rc : eo_q8_choose_params(lo, hi, out);
}
