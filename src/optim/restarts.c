/* Global strategies built on the local methods.
 *
 * restarts: multistart local search (Rinnooy Kan & Timmer, Math. Prog. 39,
 * 1987): the local method (L-BFGS or Nelder-Mead) runs from x0 and then from
 * restarts - 1 points drawn uniformly from the box [lower, upper] (or
 * x0 +- radius); the best local minimum is returned. An "iteration" is one
 * local iteration; the parent's max_iter bounds their sum, each local run
 * gets what is left, max_evals is shared. The trace gets one row after each
 * local run: the best point so far. Seeded with eo_rng (seed), so runs are
 * reproducible. Stops early when f_target is reached.
 *
 * eo__local_run (also used by anneal.c) runs one local search inside the
 * parent's budget. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

int eo__local_run(const eo_minimize_params *p, eo__mctx *parent, double *x, eo_result *r,
                  eo_error *err);

int eo__local_run(const eo_minimize_params *p, eo__mctx *parent, double *x, eo_result *r,
                  eo_error *err)
{
    eo_minimize_params lp = *p;
    lp.method = p->local_method;
    lp.ls = eo_linesearch_defaults(EO_LS_STRONG_WOLFE);
    eo_stop s = parent->stop;
    s.max_iter = parent->stop.max_iter - parent->iter;
    if (s.max_iter < 1) s.max_iter = 1;
    if (parent->stop.max_evals > 0) {
        s.max_evals = eo__evals_left(parent);
        if (s.max_evals <= 0) s.max_evals = 1;
    }
    eo__mctx c;
    eo__mctx_init(&c, parent->obj, &s, NULL, NULL);
    int st = lp.method == EO_MIN_NELDER_MEAD ? eo__min_nelder_mead(&lp, &c, x, r, err)
                                             : eo__min_lbfgs(&lp, &c, x, r, err);
    parent->evals += c.evals;
    parent->iter += c.iter;
    return st;
}

void eo__box(const eo_minimize_params *p, size_t n, const double *x0, size_t i, double *lo,
             double *hi);

void eo__box(const eo_minimize_params *p, size_t n, const double *x0, size_t i, double *lo,
             double *hi)
{
    (void)n;
    *lo = p->lower ? p->lower[i] : x0[i] - p->radius;
    *hi = p->upper ? p->upper[i] : x0[i] + p->radius;
}

int eo__min_restarts(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                     eo_error *err)
{
    size_t n = c->obj->n;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 3, &blk, err);
    if (st) return st;
    double *x0 = blk, *xb = blk + n, *xt = blk + 2 * n;
    memcpy(x0, x, n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double lo, hi;
        eo__box(p, n, x0, i, &lo, &hi);
        if (!(lo <= hi)) {
            eo_free(p->alloc, blk);
            return eo_error_set(err, EO_ERR_INVALID, "restarts: lower > upper at %zu", i);
        }
    }
    eo_rng rng;
    eo_rng_seed(&rng, p->seed);
    double fb = eo__eval(c, x0, NULL);
    if (!isfinite(fb)) {
        eo_free(p->alloc, blk);
        return eo_error_set(err, EO_ERR_NUMERIC, "objective is not finite at the start");
    }
    memcpy(xb, x0, n * sizeof *x);
    double gb = NAN;
    int best_reason = 0;
    int reason = eo__start(c, xb, fb, NAN);
    if (reason == EO_STOP_GTOL) reason = 0; /* no gradient norm at the start here */
    for (long run = 0; !reason && run < p->restarts; run++) {
        if (run == 0) {
            memcpy(xt, x0, n * sizeof *x);
        } else {
            for (size_t i = 0; i < n; i++) {
                double lo, hi;
                eo__box(p, n, x0, i, &lo, &hi);
                xt[i] = lo + (hi - lo) * eo_rng_uniform(&rng);
            }
        }
        eo_result r;
        st = eo__local_run(p, c, xt, &r, err);
        if (st < 0) {
            if (st == EO_ERR_NUMERIC) continue; /* a random start where f is not finite */
            eo_free(p->alloc, blk);
            return st;
        }
        double f_prev = fb;
        if (r.f < fb) {
            fb = r.f;
            gb = r.grad_norm;
            memcpy(xb, xt, n * sizeof *x);
            best_reason = st;
        }
        /* one trace row per local run (iteration count = local iterations) */
        if (c->trace && c->trace(c->iter, n, xb, fb, gb, c->trace_user)) reason = EO_STOP_CALLBACK;
        else if (c->stop.has_target && fb <= c->stop.f_target) reason = EO_STOP_TARGET;
        else if (c->stop.max_evals > 0 && c->evals >= c->stop.max_evals) reason = EO_STOP_MAX_EVALS;
        else if (c->iter >= c->stop.max_iter) reason = EO_STOP_MAX_ITER;
        (void)f_prev;
    }
    if (!reason) reason = best_reason > 0 ? best_reason : EO_STOP_MAX_ITER;
    memcpy(x, xb, n * sizeof *x);
    eo__finish(c, res, fb, gb, reason);
    eo_free(p->alloc, blk);
    return reason;
}
