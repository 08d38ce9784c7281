/* OWL-QN: orthant-wise limited-memory quasi-Newton for
 *   F(x) = f(x) + l1 ||x||_1
 * (Andrew & Gao, "Scalable training of L1-regularized log-linear models",
 * ICML 2007). Per iteration:
 *   1. pseudo-gradient v: v_i = g_i + l1 sign(x_i) if x_i != 0; else
 *      g_i + l1 if g_i + l1 < 0, g_i - l1 if g_i - l1 > 0, else 0
 *      (the minimum-norm subgradient; v = 0 exactly at a minimiser).
 *   2. d = -H v by the L-BFGS two-loop recursion over pairs (s, y) of the
 *      smooth gradient, then d_i = 0 where sign(d_i) != sign(-v_i).
 *   3. orthant xi_i = sign(x_i), or sign(-v_i) where x_i = 0; backtracking
 *      (halving, from a = 1; a = 1/||v|| on the first iteration) on the
 *      projected point x(a) = pi(x + a d; xi), pi zeroing coordinates that leave
 *      the orthant, until F(x(a)) <= F(x) + c1 v.(x(a) - x).
 * grad_norm is ||v||; gtol applies to it. The memory is dropped when a search
 * fails, once, before giving up (EO_STOP_LINESEARCH). */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

static void pseudo_grad(size_t n, const double *x, const double *g, double lam, double *v)
{
    for (size_t i = 0; i < n; i++) {
        if (x[i] > 0.0) v[i] = g[i] + lam;
        else if (x[i] < 0.0) v[i] = g[i] - lam;
        else if (g[i] + lam < 0.0) v[i] = g[i] + lam;
        else if (g[i] - lam > 0.0) v[i] = g[i] - lam;
        else v[i] = 0.0;
    }
}

static double l1norm(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += fabs(x[i]);
    return s;
}

int eo__min_owlqn(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                  eo_error *err)
{
    size_t n = c->obj->n;
    int m = p->lbfgs_m;
    size_t cnt;
    if (!eo_size_mul(n, 2 * (size_t)m + 6, &cnt) || !eo_size_add(cnt, 2 * (size_t)m, &cnt))
        return eo_error_set(err, EO_ERR_RANGE, "owlqn: n = %zu is too large", n);
    double *blk;
    int st = eo__alloc_vecs(p->alloc, 1, cnt, &blk, err);
    if (st) return st;
    double *S = blk, *Y = S + (size_t)m * n, *g = Y + (size_t)m * n, *v = g + n, *d = v + n,
           *xn = d + n, *gn = xn + n, *xi = gn + n, *rho = xi + n, *al = rho + m;
    double lam = p->l1;
    double fs = eo__eval(c, x, g);
    pseudo_grad(n, x, g, lam, v);
    double vn = eo__nrm2(n, v);
    if (!isfinite(fs) || !isfinite(vn)) {
        eo_free(p->alloc, blk);
        return eo_error_set(err, EO_ERR_NUMERIC, "objective or gradient is not finite at the start");
    }
    double F = fs + lam * l1norm(n, x);
    int reason = eo__start(c, x, F, vn);
    int k = 0, head = 0, fresh = 1;
    double gamma = 1.0;
    while (!reason) {
        /* direction */
        for (size_t i = 0; i < n; i++) d[i] = -v[i];
        for (int j = 0; j < k; j++) {
            int i = (head - 1 - j + m) % m;
            al[i] = rho[i] * eo__dot(n, S + (size_t)i * n, d);
            eo__axpy(n, -al[i], Y + (size_t)i * n, d);
        }
        if (k > 0)
            for (size_t i = 0; i < n; i++) d[i] *= gamma;
        for (int j = k - 1; j >= 0; j--) {
            int i = (head - 1 - j + m) % m;
            double b = rho[i] * eo__dot(n, Y + (size_t)i * n, d);
            eo__axpy(n, al[i] - b, S + (size_t)i * n, d);
        }
        for (size_t i = 0; i < n; i++) {
            if (d[i] * v[i] >= 0.0) d[i] = 0.0; /* keep only components along -v */
            xi[i] = x[i] != 0.0 ? (x[i] > 0.0 ? 1.0 : -1.0) : (v[i] < 0.0 ? 1.0 : (v[i] > 0.0 ? -1.0 : 0.0));
        }
        /* backtracking on the projected path */
        double a = (k == 0) ? fmin(1.0, 1.0 / vn) : 1.0, Fn = F, fsn = fs;
        int ok = 0;
        for (int bt = 0; bt < p->ls.max_evals && eo__evals_left(c) > 0; bt++) {
            for (size_t i = 0; i < n; i++) {
                double t = x[i] + a * d[i];
                xn[i] = t * xi[i] > 0.0 ? t : 0.0;
            }
            fsn = eo__eval(c, xn, gn);
            Fn = fsn + lam * l1norm(n, xn);
            double dec = 0.0;
            for (size_t i = 0; i < n; i++) dec += v[i] * (xn[i] - x[i]);
            if (isfinite(Fn) && Fn <= F + p->ls.c1 * dec) {
                ok = 1;
                break;
            }
            a *= 0.5;
        }
        if (!ok) {
            if (eo__evals_left(c) <= 0) {
                reason = EO_STOP_MAX_EVALS;
                break;
            }
            if (!fresh) {
                k = 0;
                fresh = 1;
                continue;
            }
            reason = EO_STOP_LINESEARCH;
            break;
        }
        fresh = 0;
        double *s = S + (size_t)head * n, *y = Y + (size_t)head * n;
        for (size_t i = 0; i < n; i++) {
            s[i] = xn[i] - x[i];
            y[i] = gn[i] - g[i];
        }
        double sy = eo__dot(n, s, y), yy = eo__dot(n, y, y), sn = eo__nrm2(n, s);
        if (sy > 1e-10 * sn * sqrt(yy)) {
            rho[head] = 1.0 / sy;
            gamma = sy / yy;
            head = (head + 1) % m;
            if (k < m) k++;
        }
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        fs = fsn;
        double F_prev = F;
        F = Fn;
        pseudo_grad(n, x, g, lam, v);
        vn = eo__nrm2(n, v);
        c->iter++;
        reason = eo__after_iter(c, x, F_prev, F, vn, sn);
    }
    eo__finish(c, res, F, vn, reason);
    eo_free(p->alloc, blk);
    return reason;
}
