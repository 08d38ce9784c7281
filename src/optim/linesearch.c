/* Line searches along a descent direction d: phi(a) = f(x + a d), phi'(a) = g(x + a d).d.
 *
 * Armijo backtracking: accept a when phi(a) <= phi(0) + c1 a phi'(0); else
 * shrink a by the minimiser of the quadratic through phi(0), phi'(0), phi(a),
 * safeguarded to [0.1 a, shrink a].
 *
 * Strong Wolfe: additionally |phi'(a)| <= c2 |phi'(0)|. Bracketing phase and
 * zoom phase as Nocedal & Wright, Numerical Optimization (2nd ed., 2006),
 * Algorithms 3.5 and 3.6; trial steps in zoom are the minimiser of the cubic
 * through both bracket ends (eq. 3.59), falling back to the quadratic and to
 * bisection when the interpolant leaves the safeguarded interval
 * [lo + 0.1 D, hi - 0.1 D] (D = bracket width), as in More & Thuente (1994).
 * A non-finite phi(a) counts as "too far" and shrinks the step. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

eo_linesearch_params eo_linesearch_defaults(eo_linesearch_kind kind)
{
    eo_linesearch_params p;
    p.kind = kind;
    p.c1 = 1e-4;
    p.c2 = 0.9;
    p.shrink = 0.5;
    p.alpha_max = 1e20;
    p.max_evals = 40;
    return p;
}

static const char *const ls_names[EO_LS_COUNT] = {"armijo", "wolfe"};

const char *eo_linesearch_kind_name(int kind)
{
    return kind >= 0 && kind < EO_LS_COUNT ? ls_names[kind] : "unknown";
}

int eo_linesearch_kind_from_name(const char *name)
{
    for (int k = 0; k < EO_LS_COUNT; k++)
        if (name && !strcmp(name, ls_names[k])) return k;
    return -1;
}

/* Minimiser of the cubic through (a1, f1, d1), (a2, f2, d2); NaN if none. */
static double cubic_min(double a1, double f1, double d1, double a2, double f2, double d2)
{
    double t1 = d1 + d2 - 3.0 * (f1 - f2) / (a1 - a2);
    double disc = t1 * t1 - d1 * d2;
    if (!(disc >= 0.0)) return NAN;
    double t2 = copysign(sqrt(disc), a2 - a1);
    double den = d2 - d1 + 2.0 * t2;
    if (den == 0.0) return NAN;
    return a2 - (a2 - a1) * (d2 + t2 - t1) / den;
}

/* Minimiser of the quadratic through (a1, f1, d1) and (a2, f2); NaN if concave. */
static double quad_min(double a1, double f1, double d1, double a2, double f2)
{
    double h = a2 - a1;
    double c = f2 - f1 - d1 * h;
    if (!(c > 0.0)) return NAN;
    return a1 - d1 * h * h / (2.0 * c);
}

typedef struct {
    double a, f, d;
} pt;

static int run_armijo(const eo_linesearch_params *p, double f0, double d0, double a0,
                      eo__phi_fn phi, void *ctx, pt *out, int *last_ok)
{
    double a = a0;
    pt best = {0.0, f0, d0};
    int budget = p->max_evals;
    for (int k = 0; k < budget; k++) {
        double fa, da;
        if (phi(ctx, a, &fa, &da)) {
            *out = best;
            *last_ok = 0;
            return EO_STOP_MAX_EVALS;
        }
        if (isfinite(fa) && fa <= f0 + p->c1 * a * d0) {
            out->a = a;
            out->f = fa;
            out->d = da;
            *last_ok = 1;
            return EO_OK;
        }
        if (isfinite(fa) && fa < best.f) best = (pt){a, fa, da};
        double q = isfinite(fa) ? quad_min(0.0, f0, d0, a, fa) : NAN;
        double lo = 0.1 * a, hi = p->shrink * a;
        if (lo > hi) lo = hi;
        a = (q == q) ? fmin(fmax(q, lo), hi) : hi;
        if (!(a > 0.0)) break;
    }
    *out = best;
    *last_ok = 0;
    return EO_STOP_LINESEARCH;
}

/* Algorithm 3.6 (zoom) between lo (satisfies sufficient decrease, lowest f so
 * far) and hi. */
static int zoom(const eo_linesearch_params *p, double f0, double d0, pt lo, pt hi, int *budget,
                eo__phi_fn phi, void *ctx, pt *out, int *last_ok)
{
    while (*budget > 0) {
        double a1 = fmin(lo.a, hi.a), a2 = fmax(lo.a, hi.a), w = a2 - a1;
        if (!(w > 1e-16 * a2) || w == 0.0) break; /* bracket collapsed to rounding */
        double t = NAN;
        if (isfinite(hi.f)) {
            t = cubic_min(lo.a, lo.f, lo.d, hi.a, hi.f, hi.d);
            if (!(t >= a1 + 0.1 * w && t <= a2 - 0.1 * w)) t = quad_min(lo.a, lo.f, lo.d, hi.a, hi.f);
        }
        if (!(t >= a1 + 0.1 * w && t <= a2 - 0.1 * w)) t = 0.5 * (a1 + a2);
        pt c;
        c.a = t;
        (*budget)--;
        if (phi(ctx, t, &c.f, &c.d)) {
            *out = lo;
            *last_ok = 0;
            return EO_STOP_MAX_EVALS;
        }
        if (!isfinite(c.f) || c.f > f0 + p->c1 * t * d0 || c.f >= lo.f) {
            hi = c;
        } else {
            if (fabs(c.d) <= -p->c2 * d0) {
                *out = c;
                *last_ok = 1;
                return EO_OK;
            }
            if (c.d * (hi.a - lo.a) >= 0.0) hi = lo;
            lo = c;
        }
    }
    *out = lo;
    *last_ok = 0;
    return EO_STOP_LINESEARCH;
}

static int run_wolfe(const eo_linesearch_params *p, double f0, double d0, double a0,
                     eo__phi_fn phi, void *ctx, pt *out, int *last_ok)
{
    pt prev = {0.0, f0, d0};
    double a = fmin(a0, p->alpha_max);
    int budget = p->max_evals;
    for (int i = 1; budget > 0; i++) {
        pt c;
        c.a = a;
        budget--;
        if (phi(ctx, a, &c.f, &c.d)) {
            *out = prev;
            *last_ok = 0;
            return EO_STOP_MAX_EVALS;
        }
        if (!isfinite(c.f) || c.f > f0 + p->c1 * a * d0 || (i > 1 && c.f >= prev.f))
            return zoom(p, f0, d0, prev, c, &budget, phi, ctx, out, last_ok);
        if (fabs(c.d) <= -p->c2 * d0) {
            *out = c;
            *last_ok = 1;
            return EO_OK;
        }
        if (c.d >= 0.0) return zoom(p, f0, d0, c, prev, &budget, phi, ctx, out, last_ok);
        if (a >= p->alpha_max) {
            /* Sufficient decrease holds but the curvature condition cannot be
             * met below alpha_max: accept (the function keeps decreasing). */
            *out = c;
            *last_ok = 1;
            return EO_OK;
        }
        prev = c;
        a = fmin(2.0 * a, p->alpha_max);
    }
    *out = prev;
    *last_ok = 0;
    return EO_STOP_LINESEARCH;
}

int eo__ls_run(const eo_linesearch_params *p, double f0, double d0, double a_init, eo__phi_fn phi,
               void *ctx, double *a, double *fa, double *da, int *last_ok)
{
    pt out = {0.0, f0, d0};
    int st;
    *last_ok = 0;
    if (!(d0 < 0.0) || !(a_init > 0.0)) {
        st = EO_STOP_LINESEARCH;
    } else if (p->kind == EO_LS_ARMIJO) {
        st = run_armijo(p, f0, d0, a_init, phi, ctx, &out, last_ok);
    } else {
        st = run_wolfe(p, f0, d0, a_init, phi, ctx, &out, last_ok);
    }
    *a = out.a;
    *fa = out.f;
    *da = out.d;
    return st;
}

/* ----------------------------------------------------- double precision */
typedef struct {
    eo__mctx *c;
    const double *x, *d;
    double *x_new, *g_new;
    long left;
} phi_ctx;

static int phi_f64(void *vctx, double a, double *fa, double *da)
{
    phi_ctx *q = vctx;
    if (q->left <= 0) return 1;
    q->left--;
    size_t n = q->c->obj->n;
    for (size_t i = 0; i < n; i++) q->x_new[i] = q->x[i] + a * q->d[i];
    *fa = eo__eval(q->c, q->x_new, q->g_new);
    *da = eo__dot(n, q->g_new, q->d);
    return 0;
}

int eo__linesearch(eo__mctx *c, const eo_linesearch_params *p, const double *x, double f0,
                   const double *g0, const double *d, double *alpha, double *x_new, double *f_new,
                   double *g_new)
{
    size_t n = c->obj->n;
    phi_ctx q = {c, x, d, x_new, g_new, eo__evals_left(c)};
    double d0 = eo__dot(n, g0, d), fa, da, a;
    int last_ok;
    int st = eo__ls_run(p, f0, d0, *alpha, phi_f64, &q, &a, &fa, &da, &last_ok);
    if (!last_ok) {
        if (a > 0.0 && eo__evals_left(c) > 0) {
            /* The returned step is not the last one evaluated: evaluate it
             * again (rare: only after a failed search that made progress). */
            for (size_t i = 0; i < n; i++) x_new[i] = x[i] + a * d[i];
            fa = eo__eval(c, x_new, g_new);
        } else {
            a = 0.0;
            memcpy(x_new, x, n * sizeof *x);
            memcpy(g_new, g0, n * sizeof *g0);
            fa = f0;
        }
    }
    *alpha = a;
    *f_new = fa;
    return st;
}

int eo_linesearch(const eo_linesearch_params *p, const eo_objective *obj, const double *x, double f0,
                  const double *g0, const double *d, double *alpha, double *x_new, double *f_new,
                  double *g_new, long *evals, long max_evals_total)
{
    eo__mctx c;
    eo_stop s = eo_stop_defaults();
    s.max_evals = max_evals_total > 0 ? max_evals_total - *evals : 0;
    if (max_evals_total > 0 && s.max_evals <= 0) return EO_STOP_MAX_EVALS;
    eo__mctx_init(&c, obj, &s, NULL, NULL);
    int st = eo__linesearch(&c, p, x, f0, g0, d, alpha, x_new, f_new, g_new);
    *evals += c.evals;
    return st;
}
