/* Limited-memory BFGS (Nocedal 1980; Liu & Nocedal, Math. Prog. 45, 1989):
 * the last m pairs s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i define
 * d_k = -H_k g_k through the two-loop recursion (Nocedal & Wright, 2nd ed.,
 * Algorithm 7.4) with H_k^0 = gamma_k I, gamma_k = s.y / y.y of the newest pair
 * (eq. 7.20). Strong Wolfe line search (c1 = 1e-4, c2 = 0.9) from a = 1, except
 * a = min(1, 1/||g_0||) on the first iteration. Pairs with
 * s.y <= 1e-10 ||s|| ||y|| are not stored. When the search finds no step, the
 * memory is dropped and the search is tried once more along -g.
 * Work: 2 m n + 4 n doubles, O(m n) flops per iteration; the iterate and
 * gradient buffers are swapped, not copied. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

/* d = -H g by the two-loop recursion over k pairs stored in ring order
 * (newest at index head - 1 mod m). al: m scratch values. The dot product of
 * the next pair is accumulated in the same pass as the update of d (one read
 * of d per pair instead of two: the recursion is memory-bound for large n). */
static double two_loop(size_t n, int m, int k, int head, const double *S, const double *Y,
                       const double *rho, double *al, double gamma, const double *g, double *d)
{
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    if (k == 0) return -eo__dot(n, g, g);
    int i = (head - 1 + m) % m;
    double dot_next = eo__dot(n, S + (size_t)i * n, d);
    for (int j = 0; j < k; j++) {
        i = (head - 1 - j + m) % m;
        al[i] = rho[i] * dot_next;
        const double *yi = Y + (size_t)i * n;
        double a = -al[i];
        if (j + 1 < k) {
            const double *sn = S + (size_t)((head - 2 - j + 2 * m) % m) * n;
            double t0 = 0.0, t1 = 0.0;
            size_t t = 0;
            for (; t + 2 <= n; t += 2) {
                d[t] += a * yi[t];
                d[t + 1] += a * yi[t + 1];
                t0 += sn[t] * d[t];
                t1 += sn[t + 1] * d[t + 1];
            }
            for (; t < n; t++) {
                d[t] += a * yi[t];
                t0 += sn[t] * d[t];
            }
            dot_next = t0 + t1;
        } else {
            /* last pair: scale by gamma in the same pass, then start loop 2 */
            const double *yo = Y + (size_t)((head - k + m) % m) * n; /* oldest */
            double t0 = 0.0, t1 = 0.0;
            size_t t = 0;
            for (; t + 2 <= n; t += 2) {
                d[t] = gamma * (d[t] + a * yi[t]);
                d[t + 1] = gamma * (d[t + 1] + a * yi[t + 1]);
                t0 += yo[t] * d[t];
                t1 += yo[t + 1] * d[t + 1];
            }
            for (; t < n; t++) {
                d[t] = gamma * (d[t] + a * yi[t]);
                t0 += yo[t] * d[t];
            }
            dot_next = t0 + t1;
        }
    }
    for (int j = k - 1; j >= 0; j--) {
        i = (head - 1 - j + m) % m;
        double b = rho[i] * dot_next;
        const double *si = S + (size_t)i * n;
        double a = al[i] - b;
        if (j > 0) {
            const double *yn = Y + (size_t)((head - j + m) % m) * n;
            double t0 = 0.0, t1 = 0.0;
            size_t t = 0;
            for (; t + 2 <= n; t += 2) {
                d[t] += a * si[t];
                d[t + 1] += a * si[t + 1];
                t0 += yn[t] * d[t];
                t1 += yn[t + 1] * d[t + 1];
            }
            for (; t < n; t++) {
                d[t] += a * si[t];
                t0 += yn[t] * d[t];
            }
            dot_next = t0 + t1;
        } else {
            /* last update, fused with d.g (the descent test) */
            double t0 = 0.0, t1 = 0.0;
            size_t t = 0;
            for (; t + 2 <= n; t += 2) {
                d[t] += a * si[t];
                d[t + 1] += a * si[t + 1];
                t0 += g[t] * d[t];
                t1 += g[t + 1] * d[t + 1];
            }
            for (; t < n; t++) {
                d[t] += a * si[t];
                t0 += g[t] * d[t];
            }
            dot_next = t0 + t1;
        }
    }
    return dot_next;
}

int eo__min_lbfgs(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                  eo_error *err)
{
    size_t n = c->obj->n;
    int m = p->lbfgs_m;
    double *blk;
    size_t cnt;
    if (!eo_size_mul(n, 2 * (size_t)m + 4, &cnt) || !eo_size_add(cnt, 2 * (size_t)m, &cnt))
        return eo_error_set(err, EO_ERR_RANGE, "lbfgs: n = %zu is too large", n);
    int st = eo__alloc_vecs(p->alloc, 1, cnt, &blk, err);
    if (st) return st;
    double *scal = blk + (size_t)(2 * m + 4) * n;
    double *S = blk, *Y = S + (size_t)m * n, *g = Y + (size_t)m * n, *xn = g + n, *gn = xn + n,
           *d = gn + n, *rho = scal, *al = scal + m;
    double *xc = x; /* the current iterate: x or xn, swapped with xn/gn after each step */
    int k = 0, head = 0;
    double gamma = 1.0;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    while (!reason) {
        double a = 1.0;
        if (k > 0 && !(two_loop(n, m, k, head, S, Y, rho, al, gamma, g, d) < 0.0))
            k = 0; /* not a descent direction: restart */
        if (k == 0) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            a = c->iter == 0 && p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / gnorm);
        }
        double fn;
        int ls = eo__linesearch(c, &p->ls, xc, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            if (k > 0 && ls != EO_STOP_MAX_EVALS) {
                k = 0; /* drop the memory, try steepest descent once */
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        /* s, y and their products (and ||g_new||^2) in one pass */
        double *s = S + (size_t)head * n, *y = Y + (size_t)head * n;
        double sy = 0.0, yy = 0.0, ss = 0.0, gg = 0.0;
        for (size_t i = 0; i < n; i++) {
            double si = xn[i] - xc[i], yi = gn[i] - g[i];
            s[i] = si;
            y[i] = yi;
            sy += si * yi;
            yy += yi * yi;
            ss += si * si;
            gg += gn[i] * gn[i];
        }
        double sn = sqrt(ss);
        if (sy > 1e-10 * sn * sqrt(yy)) {
            rho[head] = 1.0 / sy;
            gamma = sy / yy;
            head = (head + 1) % m;
            if (k < m) k++;
        }
        double *t = xc;
        xc = xn;
        xn = t;
        t = g;
        g = gn;
        gn = t;
        double f_prev = f;
        f = fn;
        gnorm = isfinite(gg) && gg > 1e-290 ? sqrt(gg) : eo__nrm2(n, g);
        c->iter++;
        reason = eo__after_iter(c, xc, f_prev, f, gnorm, sn);
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    if (xc != x) memcpy(x, xc, n * sizeof *x);
    eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
