/* Newton's method with Hessian modification and a line search (Nocedal &
 * Wright, Numerical Optimization, 2nd ed., Sec. 3.4):
 *   (H_k + tau_k I) d_k = -g_k,   x_{k+1} = x_k + a_k d_k,
 * where tau_k >= 0 is the smallest of beta, 2 beta, 4 beta, ... (starting at 0
 * when min_i H_ii > 0) for which the Cholesky factorisation succeeds
 * (Algorithm 3.3, "Cholesky with added multiple of the identity"), so d_k is a
 * descent direction even where H_k is indefinite (saddles, maxima).
 * beta = newton_beta * max(1, max_i |H_ii|) keeps the shift scale-aware. The
 * Hessian comes from obj->hess, else from central differences of the gradient
 * (2n gradient evaluations, symmetrised). Line search: Armijo from a = 1 by
 * default, so the quadratic convergence near a minimiser is kept. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

/* In-place Cholesky A = L L^T of the n x n row-major A (lower triangle used,
 * L written there). 0 on success, -1 when A is not positive definite. */
static int cholesky(size_t n, double *A)
{
    for (size_t j = 0; j < n; j++) {
        double s = A[j * n + j];
        for (size_t k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
        if (!(s > 0.0)) return -1;
        double l = sqrt(s);
        A[j * n + j] = l;
        for (size_t i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (size_t k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = t / l;
        }
    }
    return 0;
}

/* Solve L L^T d = b (b and d may alias). */
static void chol_solve(size_t n, const double *L, const double *b, double *d)
{
    for (size_t i = 0; i < n; i++) {
        double t = b[i];
        for (size_t k = 0; k < i; k++) t -= L[i * n + k] * d[k];
        d[i] = t / L[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double t = d[i];
        for (size_t k = i + 1; k < n; k++) t -= L[k * n + i] * d[k];
        d[i] = t / L[i * n + i];
    }
}

/* Hessian by central differences of the gradient (tmp: 3n doubles). */
static void fd_hessian(eo__mctx *c, const double *x, double *H, double *tmp)
{
    size_t n = c->obj->n;
    double *xp = tmp, *gp = tmp + n, *gm = tmp + 2 * n;
    memcpy(xp, x, n * sizeof *x);
    for (size_t j = 0; j < n; j++) {
        double h = 1e-5 * fmax(1.0, fabs(x[j]));
        xp[j] = x[j] + h;
        eo__eval(c, xp, gp);
        xp[j] = x[j] - h;
        eo__eval(c, xp, gm);
        xp[j] = x[j];
        for (size_t i = 0; i < n; i++) H[i * n + j] = (gp[i] - gm[i]) / (2.0 * h);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double s = 0.5 * (H[i * n + j] + H[j * n + i]);
            H[i * n + j] = H[j * n + i] = s;
        }
}

int eo__min_newton(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                   eo_error *err)
{
    size_t n = c->obj->n, nn;
    if (!eo_size_mul(n, n, &nn) || nn > ((size_t)-1) / 16)
        return eo_error_set(err, EO_ERR_RANGE, "newton: n = %zu is too large", n);
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 2 * n + 7, &blk, err);
    if (st) return st;
    double *H = blk, *L = blk + nn, *g = L + nn, *xn = g + n, *gn = xn + n, *d = gn + n,
           *tmp = d + n;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    while (!reason) {
        if (c->obj->hess)
            c->obj->hess(n, x, H, c->obj->user);
        else
            fd_hessian(c, x, H, tmp);
        double dmin = HUGE_VAL, dmax = 0.0;
        for (size_t i = 0; i < n; i++) {
            dmin = fmin(dmin, H[i * n + i]);
            dmax = fmax(dmax, fabs(H[i * n + i]));
        }
        if (!isfinite(dmin) || !isfinite(dmax)) {
            reason = eo_error_set(err, EO_ERR_NUMERIC, "newton: Hessian is not finite");
            break;
        }
        double beta = p->newton_beta * fmax(1.0, dmax);
        double tau = dmin > 0.0 ? 0.0 : beta - dmin;
        for (int tries = 0;; tries++) {
            memcpy(L, H, nn * sizeof *H);
            for (size_t i = 0; i < n; i++) L[i * n + i] += tau;
            if (cholesky(n, L) == 0) break;
            tau = fmax(2.0 * tau, beta);
            if (tries > 200) break; /* cannot happen for a finite H */
        }
        for (size_t i = 0; i < n; i++) d[i] = -g[i];
        chol_solve(n, L, d, d);
        double a = 1.0, fn;
        int ls = eo__linesearch(c, &p->ls, x, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        double step = a * eo__nrm2(n, d);
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        double f_prev = f;
        f = fn;
        gnorm = eo__nrm2(n, g);
        c->iter++;
        reason = eo__after_iter(c, x, f_prev, f, gnorm, step);
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    if (reason > 0) eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
