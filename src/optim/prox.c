/* Proximal gradient for F(x) = f(x) + l1 ||x||_1 (f smooth).
 *
 * ISTA: x_{k+1} = prox_{t l1}(x_k - t grad f(x_k)), prox = soft threshold
 *   S_a(v)_i = sign(v_i) max(|v_i| - a, 0) (exact zeros).
 * FISTA (Beck & Teboulle, SIAM J. Imaging Sci. 2(1), 2009):
 *   x_k = prox(y_k - t grad f(y_k)),  t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2,
 *   y_{k+1} = x_k + ((t_k - 1) / t_{k+1}) (x_k - x_{k-1}),
 * with the gradient-based adaptive restart of O'Donoghue & Candes (Found.
 * Comput. Math. 15, 2015): when (y_k - x_k).(x_k - x_{k-1}) > 0 the momentum is
 * reset (t = 1, y = x_k), which restores linear convergence on strongly
 * convex problems.
 * Step t = 1/L: fixed (prox_step) or by backtracking (Beck & Teboulle's
 * rule: L <- 2 L until f(x) <= f(y) + g(y).(x - y) + L/2 ||x - y||^2); L never
 * decreases (letting it shrink again makes the test noise-driven near the
 * solution, where both sides agree to rounding, and the iterates oscillate).
 * The first L is a secant estimate of the curvature along -g(x0). grad_norm reported = ||G||, the gradient mapping
 * G = L (y_k - x_k), which is 0 exactly at a minimiser of F.
 * The point returned is the best x_k seen by F (the start included), with its
 * F and ||G||: F(x_k) need not decrease (FISTA is not monotone, and a fixed
 * step above 2/L diverges), and eo_minimize promises the best point found.
 * "Best" allows a relative 4 DBL_EPSILON in F: near the minimiser F is flat to
 * rounding while x still converges, so among iterates whose F agree to
 * rounding the latest is kept (else an early, less accurate x with an equal F
 * would win); it is never worse than the start. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

static double l1norm(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += fabs(x[i]);
    return s;
}

static void prox_step(size_t n, const double *y, const double *g, double t, double lam, double *x)
{
    double a = t * lam;
    for (size_t i = 0; i < n; i++) {
        double v = y[i] - t * g[i];
        x[i] = v > a ? v - a : (v < -a ? v + a : 0.0);
    }
}

int eo__min_prox(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                 eo_error *err)
{
    size_t n = c->obj->n;
    int fista = p->method == EO_MIN_FISTA;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n, 7, &blk, err);
    if (st) return st;
    double *y = blk, *gy = blk + n, *xn = blk + 2 * n, *gx = blk + 3 * n, *xo = blk + 4 * n,
           *tmp = blk + 5 * n, *xb = blk + 6 * n;
    double lam = p->l1;
    memcpy(y, x, n * sizeof *x);
    double fy = eo__eval(c, y, gy);
    if (!isfinite(fy) || !isfinite(eo__nrm2(n, gy))) {
        eo_free(p->alloc, blk);
        return eo_error_set(err, EO_ERR_NUMERIC, "objective or gradient is not finite at the start");
    }
    /* initial L: fixed, or a secant estimate along -g */
    double L;
    int fixed = p->prox_step > 0.0;
    if (fixed) {
        L = 1.0 / p->prox_step;
    } else {
        double gn = eo__nrm2(n, gy), h = 1e-6 * fmax(1.0, eo__nrm2(n, y)) / fmax(gn, 1e-300);
        for (size_t i = 0; i < n; i++) tmp[i] = y[i] - h * gy[i];
        eo__eval(c, tmp, gx);
        for (size_t i = 0; i < n; i++) tmp[i] = gx[i] - gy[i];
        L = gn > 0.0 ? eo__nrm2(n, tmp) / (h * gn) : 1.0;
        if (!(L > 0.0) || !isfinite(L)) L = 1.0;
    }
    double F = fy + lam * l1norm(n, y);
    /* The gradient mapping at the start (one prox step's worth of movement). */
    prox_step(n, y, gy, 1.0 / L, lam, tmp);
    for (size_t i = 0; i < n; i++) tmp[i] = L * (y[i] - tmp[i]);
    double gm = eo__nrm2(n, tmp);
    int reason = eo__start(c, x, F, gm);
    double tk = 1.0;
    memcpy(xo, x, n * sizeof *x);
    memcpy(xb, x, n * sizeof *x);
    /* the best point seen: xb, F(xb), ||G|| there; F0, Fmin: F at the start,
     * the least F seen */
    double Fb = F, gmb = gm, F0 = F, Fmin = F;
    while (!reason) {
        /* backtracking on L from y */
        double fx = 0.0;
        int out = 0;
        for (int bt = 0;; bt++) {
            prox_step(n, y, gy, 1.0 / L, lam, xn);
            if (eo__evals_left(c) <= 0) {
                out = 1;
                break;
            }
            fx = eo__eval(c, xn, gx);
            if (fixed) break;
            double q = fy;
            for (size_t i = 0; i < n; i++) {
                double d = xn[i] - y[i];
                q += gy[i] * d + 0.5 * L * d * d;
            }
            if (fx <= q + 1e-12 * fabs(fy) || bt > 60) break;
            L *= 2.0;
        }
        if (out) {
            reason = EO_STOP_MAX_EVALS;
            break;
        }
        for (size_t i = 0; i < n; i++) tmp[i] = L * (y[i] - xn[i]);
        gm = eo__nrm2(n, tmp);
        double F_prev = F;
        F = fx + lam * l1norm(n, xn);
        if (!isfinite(F)) {
            reason = eo_error_set(err, EO_ERR_NUMERIC, "objective is not finite at iteration %ld",
                                  c->iter + 1);
            break;
        }
        if (F < Fmin) Fmin = F;
        if (F <= Fmin + 4.0 * DBL_EPSILON * fabs(Fmin) && F <= F0) {
            memcpy(xb, xn, n * sizeof *x);
            Fb = F;
            gmb = gm;
        }
        double step = 0.0;
        for (size_t i = 0; i < n; i++) step += (xn[i] - xo[i]) * (xn[i] - xo[i]);
        step = sqrt(step);
        if (fista) {
            double restart = 0.0;
            for (size_t i = 0; i < n; i++) restart += (y[i] - xn[i]) * (xn[i] - xo[i]);
            double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * tk * tk));
            double beta = (tk - 1.0) / tn;
            if (p->fista_restart && restart > 0.0) {
                tn = 1.0;
                beta = 0.0;
            }
            for (size_t i = 0; i < n; i++) y[i] = xn[i] + beta * (xn[i] - xo[i]);
            tk = tn;
            memcpy(xo, xn, n * sizeof *x);
            if (beta == 0.0) {
                memcpy(gy, gx, n * sizeof *x);
                fy = fx;
            } else if (eo__evals_left(c) > 0) {
                fy = eo__eval(c, y, gy);
            } else {
                memcpy(y, xn, n * sizeof *x);
                memcpy(gy, gx, n * sizeof *x);
                fy = fx;
            }
        } else {
            memcpy(xo, xn, n * sizeof *x);
            memcpy(y, xn, n * sizeof *x);
            memcpy(gy, gx, n * sizeof *x);
            fy = fx;
        }
        c->iter++;
        reason = eo__after_iter(c, xo, F_prev, F, gm, step);
    }
    if (reason > 0) {
        memcpy(x, xb, n * sizeof *x);
        eo__finish(c, res, Fb, gmb, reason);
    }
    eo_free(p->alloc, blk);
    return reason;
}
