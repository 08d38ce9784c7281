/* The iteration context shared by the minimizers: counted evaluations, the
 * eo_stop criteria in one place, the trace callback; and small vector helpers. */
#include <limits.h>
#include <math.h>

#include "optim/min_internal.h"

double eo__dot(size_t n, const double *a, const double *b)
{
    /* Four partial sums: a fixed order (deterministic) that also vectorises. */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

double eo__nrm2(size_t n, const double *a)
{
    /* Fast path: the plain sum of squares when it neither overflows nor
     * underflows; otherwise rescale by the largest magnitude. */
    double ss = eo__dot(n, a, a);
    if (ss > 1e-290 && ss < 1e290) return sqrt(ss);
    if (ss == 0.0 || ss != ss) return ss == 0.0 ? 0.0 : NAN;
    double amax = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = fabs(a[i]);
        if (v > amax || v != v) amax = v;
    }
    if (amax == 0.0 || !isfinite(amax)) return amax;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = a[i] / amax;
        s += v * v;
    }
    return amax * sqrt(s);
}

void eo__axpy(size_t n, double a, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

void eo__mctx_init(eo__mctx *c, const eo_objective *obj, const eo_stop *stop, eo_trace_fn trace,
                   void *trace_user)
{
    c->obj = obj;
    c->stop = stop ? *stop : eo_stop_defaults();
    c->trace = trace;
    c->trace_user = trace_user;
    c->evals = 0;
    c->iter = 0;
}

double eo__eval(eo__mctx *c, const double *x, double *g)
{
    c->evals++;
    return c->obj->f(c->obj->n, x, g, c->obj->user);
}

long eo__evals_left(const eo__mctx *c)
{
    if (c->stop.max_evals <= 0) return LONG_MAX;
    return c->stop.max_evals > c->evals ? c->stop.max_evals - c->evals : 0;
}

int eo__start(eo__mctx *c, const double *x, double f, double gnorm)
{
    c->iter = 0;
    if (c->trace && c->trace(0, c->obj->n, x, f, gnorm, c->trace_user)) return EO_STOP_CALLBACK;
    if (c->stop.has_target && f <= c->stop.f_target) return EO_STOP_TARGET;
    if (c->stop.gtol > 0 && gnorm <= c->stop.gtol) return EO_STOP_GTOL;
    if (c->stop.max_evals > 0 && c->evals >= c->stop.max_evals) return EO_STOP_MAX_EVALS;
    return 0;
}

int eo__after_iter(eo__mctx *c, const double *x, double f_prev, double f, double gnorm,
                   double step)
{
    const eo_stop *s = &c->stop;
    if (c->trace && c->trace(c->iter, c->obj->n, x, f, gnorm, c->trace_user))
        return EO_STOP_CALLBACK;
    if (s->has_target && f <= s->f_target) return EO_STOP_TARGET;
    if (s->gtol > 0 && gnorm <= s->gtol) return EO_STOP_GTOL;
    if (s->ftol_rel > 0 && f_prev == f_prev) {
        double scale = fmax(fmax(fabs(f), fabs(f_prev)), 1.0);
        if (fabs(f - f_prev) <= s->ftol_rel * scale) return EO_STOP_FTOL;
    }
    if (s->xtol > 0 && step == step) {
        double xn = eo__nrm2(c->obj->n, x);
        if (step <= s->xtol * fmax(xn, 1.0)) return EO_STOP_XTOL;
    }
    if (s->max_evals > 0 && c->evals >= s->max_evals) return EO_STOP_MAX_EVALS;
    if (c->iter >= s->max_iter) return EO_STOP_MAX_ITER;
    return 0;
}

void eo__finish(const eo__mctx *c, eo_result *res, double f, double gnorm, int reason)
{
    if (!res) return;
    res->f = f;
    res->grad_norm = gnorm;
    res->iterations = c->iter;
    res->evaluations = c->evals;
    res->reason = reason;
}
