/* Nonlinear conjugate gradient (Nocedal & Wright, Numerical Optimization, 2nd
 * ed., Sec. 5.2):
 *   d_0 = -g_0,  d_{k+1} = -g_{k+1} + beta_{k+1} d_k
 *   Fletcher-Reeves (1964):  beta = g_{k+1}.g_{k+1} / g_k.g_k
 *   Polak-Ribiere+ (1969; Gilbert & Nocedal 1992):
 *                             beta = max(0, g_{k+1}.(g_{k+1} - g_k) / g_k.g_k)
 * Strong Wolfe line search with c2 = 0.1 (< 1/2, needed by FR for descent).
 * Restarts (beta = 0): every cg_restart iterations (default n), for FR also
 * when |g_{k+1}.g_k| >= 0.1 ||g_{k+1}||^2 (eq. 5.52), and whenever d is not a
 * descent direction. Initial trial step as GD (N&W eq. 3.60). */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

double eo__norm_inf(size_t n, const double *v);

int eo__min_cg(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res, eo_error *err)
{
    size_t n = c->obj->n;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 4, &blk, err);
    if (st) return st;
    double *g = blk, *xn = blk + n, *gn = blk + 2 * n, *d = blk + 3 * n;
    long every = p->cg_restart > 0 ? p->cg_restart : (long)n;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    int restarted = 1;
    long since = 0;
    double a = p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / eo__norm_inf(n, g));
    while (!reason) {
        double gd = eo__dot(n, g, d);
        double fn;
        a = fmin(a, p->ls.alpha_max);
        int ls = eo__linesearch(c, &p->ls, x, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            if (!restarted && ls != EO_STOP_MAX_EVALS) {
                for (size_t i = 0; i < n; i++) d[i] = -g[i];
                restarted = 1;
                since = 0;
                a = fmin(1.0, 1.0 / eo__norm_inf(n, g));
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        double step = a * eo__nrm2(n, d);
        double gg = eo__dot(n, g, g), gngn = eo__dot(n, gn, gn), gng = eo__dot(n, gn, g);
        double beta = p->cg_variant == EO_CG_FR ? gngn / gg : fmax(0.0, (gngn - gng) / gg);
        since++;
        if (since >= every || (p->cg_variant == EO_CG_FR && fabs(gng) >= 0.1 * gngn)) beta = 0.0;
        for (size_t i = 0; i < n; i++) d[i] = -gn[i] + beta * d[i];
        double gdn = eo__dot(n, gn, d);
        if (!(gdn < 0.0)) {
            for (size_t i = 0; i < n; i++) d[i] = -gn[i];
            gdn = -gngn;
            beta = 0.0;
        }
        restarted = beta == 0.0;
        if (restarted) since = 0;
        a = a * gd / gdn; /* N&W (3.60) */
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        double f_prev = f;
        f = fn;
        gnorm = sqrt(gngn);
        c->iter++;
        reason = eo__after_iter(c, x, f_prev, f, gnorm, step);
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
