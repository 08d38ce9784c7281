/* Simulated annealing (Kirkpatrick, Gelatt & Vecchi, Science 220, 1983) with
 * a local polish.
 *
 * Proposal x' = x + sigma (hi - lo) z, z ~ N(0, I), reflected into the box
 * [lower, upper] (or x0 +- radius). sigma stays fixed while T falls: moves
 * that shrink with T (sigma sqrt(T/T0)) stop hopping between basins before T
 * is low enough to tell them apart (on 2-D Rastrigin the fixed step finds the
 * global basin for ~97 of 100 seeds with the defaults, the shrinking one for
 * ~50). Metropolis acceptance: always when
 * f(x') <= f(x), else with probability exp(-(f(x') - f(x)) / T). Geometric
 * cooling T_k = T0 (Tmin / T0)^(k / (steps - 1)). After anneal_steps
 * proposals the best point seen is polished by the local method (L-BFGS or
 * Nelder-Mead) within the remaining budget.
 *
 * One proposal is one iteration; the trace gets the best point so far after
 * each, then the polish's iterations. Seeded with eo_rng (seed). */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

int eo__local_run(const eo_minimize_params *p, eo__mctx *parent, double *x, eo_result *r,
                  eo_error *err);
void eo__box(const eo_minimize_params *p, size_t n, const double *x0, size_t i, double *lo,
             double *hi);

static double reflect(double v, double lo, double hi)
{
    double w = hi - lo;
    if (!(w > 0.0)) return lo;
    for (int k = 0; k < 8 && (v < lo || v > hi); k++) v = v < lo ? 2.0 * lo - v : 2.0 * hi - v;
    return fmin(fmax(v, lo), hi);
}

int eo__min_anneal(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                   eo_error *err)
{
    size_t n = c->obj->n;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 6, &blk, err);
    if (st) return st;
    double *x0 = blk, *lo = blk + n, *hi = blk + 2 * n, *xc = blk + 3 * n, *xp = blk + 4 * n,
           *xb = blk + 5 * n;
    memcpy(x0, x, n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        eo__box(p, n, x0, i, &lo[i], &hi[i]);
        if (!(lo[i] <= hi[i])) {
            eo_free(p->alloc, blk);
            return eo_error_set(err, EO_ERR_INVALID, "anneal: lower > upper at %zu", i);
        }
    }
    eo_rng rng;
    eo_rng_seed(&rng, p->seed);
    double fc = eo__eval(c, x0, NULL);
    if (!isfinite(fc)) {
        eo_free(p->alloc, blk);
        return eo_error_set(err, EO_ERR_NUMERIC, "objective is not finite at the start");
    }
    memcpy(xc, x0, n * sizeof *x);
    memcpy(xb, x0, n * sizeof *x);
    double fb = fc;
    int reason = eo__start(c, xb, fb, NAN);
    if (reason == EO_STOP_GTOL) reason = 0;
    long steps = p->anneal_steps;
    double ratio = p->anneal_Tmin / p->anneal_T0;
    for (long k = 0; !reason && k < steps; k++) {
        double T = p->anneal_T0 * (steps > 1 ? pow(ratio, (double)k / (double)(steps - 1)) : 1.0);
            for (size_t i = 0; i < n; i++)
            xp[i] = reflect(xc[i] + p->anneal_sigma * (hi[i] - lo[i]) * eo_rng_normal(&rng), lo[i], hi[i]);
        double fp = eo__eval(c, xp, NULL);
        double u = eo_rng_uniform(&rng);
        if (fp == fp && (fp <= fc || u < exp(-(fp - fc) / T))) {
            memcpy(xc, xp, n * sizeof *x);
            fc = fp;
            if (fc < fb) {
                fb = fc;
                memcpy(xb, xc, n * sizeof *x);
            }
        }
        c->iter++;
        reason = eo__after_iter(c, xb, NAN, fb, NAN, NAN);
    }
    double gb = NAN;
    if (!reason || reason == EO_STOP_MAX_ITER) {
        /* polish (also when the proposals used up max_iter: one more run of
         * at least one iteration is allowed by eo__local_run) */
        memcpy(xp, xb, n * sizeof *x);
        eo_result r;
        long it0 = c->iter;
        st = eo__local_run(p, c, xp, &r, err);
        if (st < 0) {
            eo_free(p->alloc, blk);
            return st;
        }
        if (r.f <= fb) {
            fb = r.f;
            gb = r.grad_norm;
            memcpy(xb, xp, n * sizeof *x);
        }
        if (c->trace && c->iter > it0 && c->trace(c->iter, n, xb, fb, gb, c->trace_user))
            st = EO_STOP_CALLBACK;
        if (!reason) reason = st;
    }
    memcpy(x, xb, n * sizeof *x);
    eo__finish(c, res, fb, gb, reason);
    eo_free(p->alloc, blk);
    return reason;
}
