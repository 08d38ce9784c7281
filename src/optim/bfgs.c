/* BFGS (Broyden, Fletcher, Goldfarb, Shanno 1970) on the inverse Hessian
 * approximation H_k (Nocedal & Wright, Numerical Optimization, 2nd ed.,
 * Algorithm 6.1):
 *   d_k = -H_k g_k,  s_k = x_{k+1} - x_k,  y_k = g_{k+1} - g_k,  rho = 1/(y.s)
 *   H_{k+1} = (I - rho s y^T) H_k (I - rho y s^T) + rho s s^T,
 * with H_0 = I and, before the first update, H_0 = (y.s / y.y) I (eq. 6.20).
 * The strong Wolfe line search guarantees y.s > 0; an update with
 * y.s <= 1e-10 ||s|| ||y|| (possible after a failed search) is skipped. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

int eo__min_bfgs(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res, eo_error *err)
{
    size_t n = c->obj->n, nn;
    if (!eo_size_mul(n, n, &nn) || nn > ((size_t)-1) / 16)
        return eo_error_set(err, EO_ERR_RANGE, "bfgs: n = %zu is too large", n);
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, n + 7, &blk, err);
    if (st) return st;
    double *H = blk, *g = H + nn, *xn = g + n, *gn = xn + n, *d = gn + n, *s = d + n, *y = s + n,
           *Hy = y + n;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    int fresh = 1; /* H is (a multiple of) the identity, no update yet */
    memset(H, 0, nn * sizeof *H);
    for (size_t i = 0; i < n; i++) H[i * n + i] = 1.0;
    while (!reason) {
        for (size_t i = 0; i < n; i++) d[i] = -eo__dot(n, H + i * n, g);
        double a;
        if (eo__dot(n, d, g) >= 0.0) { /* lost positive definiteness numerically */
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            fresh = 1;
        }
        a = fresh && c->iter == 0 ? (p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / gnorm)) : 1.0;
        double fn;
        int ls = eo__linesearch(c, &p->ls, x, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            if (!fresh && ls != EO_STOP_MAX_EVALS) { /* retry once along -g */
                memset(H, 0, nn * sizeof *H);
                for (size_t i = 0; i < n; i++) H[i * n + i] = 1.0 / fmax(1.0, gnorm);
                fresh = 1;
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            s[i] = xn[i] - x[i];
            y[i] = gn[i] - g[i];
        }
        double sy = eo__dot(n, s, y), yy = eo__dot(n, y, y), sn = eo__nrm2(n, s);
        if (sy > 1e-10 * sn * sqrt(yy)) {
            if (fresh) {
                double scale = sy / yy;
                memset(H, 0, nn * sizeof *H);
                for (size_t i = 0; i < n; i++) H[i * n + i] = scale;
                fresh = 0;
            }
            double rho = 1.0 / sy;
            for (size_t i = 0; i < n; i++) Hy[i] = eo__dot(n, H + i * n, y);
            double yHy = eo__dot(n, y, Hy), k = rho * (1.0 + rho * yHy);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    H[i * n + j] += k * s[i] * s[j] - rho * (Hy[i] * s[j] + s[i] * Hy[j]);
        }
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        double f_prev = f;
        f = fn;
        gnorm = eo__nrm2(n, g);
        c->iter++;
        reason = eo__after_iter(c, x, f_prev, f, gnorm, sn);
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    if (reason > 0) eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
