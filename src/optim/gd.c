/* Gradient descent with a line search (Cauchy 1847; Nocedal & Wright,
 * Numerical Optimization, 2nd ed., Ch. 3):
 *   x_{k+1} = x_k - a_k grad f(x_k),
 * a_k from the configured line search (strong Wolfe by default). The first
 * trial step is step0 (or min(1, 1/||g_0||_inf)); later ones follow N&W eq.
 * (3.60): a_0 = a_{k-1} g_{k-1}.d_{k-1} / g_k.d_k, which keeps the first-order
 * change of f the same as in the previous iteration. Linear convergence with
 * rate ((kappa - 1)/(kappa + 1))^2 in f on quadratics with exact steps. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

double eo__norm_inf(size_t n, const double *v);

double eo__norm_inf(size_t n, const double *v)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

int eo__min_gd(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res, eo_error *err)
{
    size_t n = c->obj->n;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 4, &blk, err);
    if (st) return st;
    double *g = blk, *xn = blk + n, *gn = blk + 2 * n, *d = blk + 3 * n;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    double a_prev = 0.0, gd_prev = 0.0;
    while (!reason) {
        for (size_t i = 0; i < n; i++) d[i] = -g[i];
        double gd = -gnorm * gnorm;
        double a = c->iter == 0 ? (p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / eo__norm_inf(n, g)))
                                : a_prev * gd_prev / gd;
        a = fmin(a, p->ls.alpha_max);
        double fn;
        int ls = eo__linesearch(c, &p->ls, x, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        double f_prev = f;
        f = fn;
        gnorm = eo__nrm2(n, g);
        c->iter++;
        reason = eo__after_iter(c, x, f_prev, f, gnorm, a * sqrt(-gd));
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
        a_prev = a;
        gd_prev = gd;
    }
    eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
