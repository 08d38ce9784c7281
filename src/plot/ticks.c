/* Axis ticks and their labels.
 *
 * Linear axes use Heckbert's nice numbers (P. S. Heckbert, "Nice numbers for
 * graph labels", Graphics Gems, 1990): steps of 1, 2 or 5 x 10^k, chosen so
 * the count is close to a target. Tick values are computed as an integer
 * times the mantissa divided (or multiplied) by an exact power of ten, so
 * 3 x 0.1 comes out as 0.3, not 0.30000000000000004; labels then use the
 * fewest decimals that represent the value to 1e-9 of a step.
 * Log axes put majors at powers of ten with minor ticks at 2..9 x 10^k. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/internal.h"

#define REL_TOL 1e-9

double eo_plot_nice_number(double x, int round)
{
    if (!(x > 0.0) || !isfinite(x)) return NAN;
    double e = floor(log10(x));
    double p = pow(10.0, e);
    double f = x / p, nf;
    if (round) nf = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
    else nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    return nf * p;
}

/* A step m x 10^k kept as (m, k) so values are exact products. */
typedef struct {
    int m; /* 1, 2 or 5 */
    int k;
} nstep;

static double step_value(nstep s) { return s.k >= 0 ? s.m * pow(10.0, s.k) : s.m / pow(10.0, -s.k); }

static double tick_value(double i, nstep s)
{
    return s.k >= 0 ? i * s.m * pow(10.0, s.k) : i * s.m / pow(10.0, -s.k);
}

static nstep step_from(double v)
{
    nstep s;
    s.k = (int)floor(log10(v) + 1e-12);
    double m = v / pow(10.0, s.k);
    s.m = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
    if (s.m == 10) s.m = 1, s.k++;
    return s;
}

static nstep step_up(nstep s)
{
    if (s.m == 1) s.m = 2;
    else if (s.m == 2) s.m = 5;
    else s.m = 1, s.k++;
    return s;
}

static nstep step_down(nstep s)
{
    if (s.m == 5) s.m = 2;
    else if (s.m == 2) s.m = 1;
    else s.m = 5, s.k--;
    return s;
}

/* Index range of the ticks for step s. */
static void index_range(double lo, double hi, nstep s, int loose, double *i0, double *i1)
{
    double st = step_value(s);
    if (loose) {
        *i0 = floor(lo / st + REL_TOL);
        *i1 = ceil(hi / st - REL_TOL);
    } else {
        *i0 = ceil(lo / st - REL_TOL);
        *i1 = floor(hi / st + REL_TOL);
    }
}

void eo_plot_tick_label(double v, double step, char *buf, size_t n)
{
    if (!buf || n == 0) return;
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    if (!(step > 0.0) || !isfinite(step)) step = fabs(v) > 0.0 ? fabs(v) : 1.0;
    if (fabs(v) < REL_TOL * step) {
        snprintf(buf, n, "0");
        return;
    }
    if (step >= 1e5 || step < 1e-4) {
        /* Scientific: mantissa digits down to the step's decade. */
        int e = (int)floor(log10(fabs(v)));
        int es = (int)floor(log10(step) + 1e-12);
        int d = e - es;
        if (d < 0) d = 0;
        if (d > 15) d = 15;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*e", d, v);
        eo__c_number(tmp);
        char *ep = strchr(tmp, 'e');
        if (!ep) {
            snprintf(buf, n, "%s", tmp);
            return;
        }
        /* Strip trailing zeros of the mantissa and the exponent's '+' and leading zeros. */
        char mant[40];
        size_t ml = (size_t)(ep - tmp);
        if (ml >= sizeof mant) ml = sizeof mant - 1;
        memcpy(mant, tmp, ml);
        mant[ml] = '\0';
        if (strchr(mant, '.')) {
            while (ml > 0 && mant[ml - 1] == '0') mant[--ml] = '\0';
            if (ml > 0 && mant[ml - 1] == '.') mant[--ml] = '\0';
        }
        int ex = 0;
        sscanf(ep + 1, "%d", &ex);
        snprintf(buf, n, "%se%d", mant, ex);
        return;
    }
    int nfrac = 0;
    for (; nfrac < 15; nfrac++) {
        double p = pow(10.0, nfrac);
        if (fabs(round(v * p) / p - v) <= REL_TOL * step) break;
    }
    snprintf(buf, n, "%.*f", nfrac, v);
    eo__c_number(buf);
}

int eo_plot_ticks_linear(double lo, double hi, int target, int loose, eo_ticks *t)
{
    if (!t) return EO_ERR_INVALID;
    memset(t, 0, sizeof *t);
    if (!isfinite(lo) || !isfinite(hi) || lo > hi || target < 2 || target > 20) return EO_ERR_INVALID;
    double mag = fmax(fabs(lo), fabs(hi));
    if (hi - lo <= 1e-12 * mag || hi == lo) {
        double d = mag > 0.0 ? 0.1 * mag : 1.0;
        lo -= d;
        hi += d;
    }
    if (!isfinite(hi - lo)) return EO_ERR_RANGE;
    nstep s = step_from(eo_plot_nice_number((hi - lo) / (target - 1), 1));
    /* At most 1.5x the target, and at most 10 for targets up to 8. */
    int maxc = target + (target + 1) / 2, minc = target >= 4 ? 3 : 2;
    int cap = target + 2 > 10 ? target + 2 : 10;
    if (maxc > cap) maxc = cap;
    double i0, i1;
    for (int guard = 0; guard < 16; guard++) {
        index_range(lo, hi, s, loose, &i0, &i1);
        double c = i1 - i0 + 1;
        if (c > maxc) s = step_up(s);
        else if (c < minc) {
            nstep d = step_down(s);
            double j0, j1;
            index_range(lo, hi, d, loose, &j0, &j1);
            /* The finer step overshoots: keep this one, unless it has fewer
             * than two ticks (then take the finer one and stop). */
            if (j1 - j0 + 1 > maxc) {
                if (c < 2) s = d;
                break;
            }
            s = d;
        } else break;
    }
    index_range(lo, hi, s, loose, &i0, &i1);
    size_t c = i1 >= i0 ? (size_t)(i1 - i0 + 1) : 0;
    if (c > EO_TICKS_MAX) c = EO_TICKS_MAX;
    t->step = step_value(s);
    t->n = c;
    for (size_t i = 0; i < c; i++) {
        double v = tick_value(i0 + (double)i, s);
        if (fabs(v) < REL_TOL * t->step) v = 0.0;
        t->major[i] = v;
        eo_plot_tick_label(v, t->step, t->label[i], EO_TICK_LABEL_MAX);
    }
    return EO_OK;
}

static double pow10i(int k) { return k >= 0 ? pow(10.0, k) : 1.0 / pow(10.0, -k); }

int eo_plot_ticks_log(double lo, double hi, int loose, eo_ticks *t)
{
    if (!t) return EO_ERR_INVALID;
    memset(t, 0, sizeof *t);
    if (!(lo > 0.0) || !isfinite(lo) || !isfinite(hi) || lo > hi) return EO_ERR_INVALID;
    if (hi <= lo * (1.0 + 1e-12)) {
        lo /= 2.0;
        hi *= 2.0;
    }
    double L = log10(lo), H = log10(hi);
    int k0, k1;
    if (loose) {
        k0 = (int)floor(L + REL_TOL);
        k1 = (int)ceil(H - REL_TOL);
        if (k1 <= k0) k1 = k0 + 1;
    } else {
        k0 = (int)ceil(L - 1e-6);
        k1 = (int)floor(H + 1e-6);
    }
    if (k1 - k0 < 1) {
        /* Fewer than two powers of ten inside: 1, 2, 5 x 10^k, else linear. */
        size_t c = 0;
        for (int k = (int)floor(L) - 1; k <= (int)ceil(H) + 1 && c < EO_TICKS_MAX; k++) {
            static const int ms[3] = {1, 2, 5};
            for (int j = 0; j < 3 && c < EO_TICKS_MAX; j++) {
                double v = ms[j] * pow10i(k);
                if (v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9)) t->major[c++] = v;
            }
        }
        if (c >= 2) {
            t->n = c;
            t->step = 0.0;
            for (size_t i = 0; i < c; i++)
                eo_plot_tick_label(t->major[i], pow10i((int)floor(log10(t->major[i]) + 1e-12)), t->label[i],
                                   EO_TICK_LABEL_MAX);
            return EO_OK;
        }
        int rc = eo_plot_ticks_linear(lo, hi, 4, 0, t);
        t->step = 0.0;
        return rc;
    }
    /* Decades per major: 1, 2, 3, 5, 10, 20, 30, 50, ... */
    int ndec = k1 - k0, d = 1;
    for (int base = 1; ndec / d > 7; base *= 10) {
        if (ndec / (2 * base) <= 7) d = 2 * base;
        else if (ndec / (3 * base) <= 7) d = 3 * base;
        else if (ndec / (5 * base) <= 7) d = 5 * base;
        else d = 10 * base;
    }
    if (d > 1) {
        k0 = loose ? (int)floor((double)k0 / d) * d : (int)ceil((double)k0 / d) * d;
        k1 = loose ? (int)ceil((double)k1 / d) * d : (int)floor((double)k1 / d) * d;
    }
    double vlo = loose ? pow10i(k0) : lo, vhi = loose ? pow10i(k1) : hi;
    size_t c = 0, cm = 0;
    if (k1 - k0 == 1) {
        /* One decade: two powers of ten say little; label 1, 2, 5 x 10^k. */
        for (int k = k0 - 1; k <= k1; k++)
            for (int m = 1; m <= 9; m++) {
                double v = m * pow10i(k);
                if (!(v >= vlo * (1.0 - 1e-9) && v <= vhi * (1.0 + 1e-9))) continue;
                if (m == 1 || m == 2 || m == 5) {
                    t->major[c] = v;
                    eo_plot_tick_label(v, pow10i(k), t->label[c], EO_TICK_LABEL_MAX);
                    c++;
                } else {
                    t->minor[cm++] = v;
                }
            }
        t->n = c;
        t->nminor = cm;
        t->step = 0.0;
        return EO_OK;
    }
    for (int k = k0; k <= k1 && c < EO_TICKS_MAX; k += d) {
        t->major[c] = pow10i(k);
        snprintf(t->label[c], EO_TICK_LABEL_MAX, "10^%d", k);
        c++;
    }
    size_t mcap = sizeof t->minor / sizeof t->minor[0];
    if (d == 1) {
        if (ndec <= 12)
            for (int k = k0 - 1; k <= k1 && cm < mcap; k++)
                for (int m = 2; m <= 9 && cm < mcap; m++) {
                    double v = m * pow10i(k);
                    if (v >= vlo * (1.0 - 1e-9) && v <= vhi * (1.0 + 1e-9)) t->minor[cm++] = v;
                }
    } else {
        /* Minor ticks every decade for small strides, every d/10 or d/5
         * decades for large ones. */
        int ms = d <= 12 ? 1 : d % 10 == 0 ? d / 10 : d % 5 == 0 ? d / 5 : d;
        for (int k = k0; k <= k1 && cm < mcap; k += ms)
            if (((k - k0) % d) != 0) t->minor[cm++] = pow10i(k);
    }
    t->n = c;
    t->nminor = cm;
    t->step = d;
    return EO_OK;
}
