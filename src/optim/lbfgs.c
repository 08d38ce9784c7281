/* Limited-memory BFGS (Nocedal 1980; Liu & Nocedal, Math. Prog. 45, 1989):
 * the last m pairs s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i define
 * d_k = -H_k g_k through the two-loop recursion (Nocedal & Wright, 2nd ed.,
 * Algorithm 7.4) with H_k^0 = gamma_k I, gamma_k = s.y / y.y of the newest pair
 * (eq. 7.20). Strong Wolfe line search (c1 = 1e-4, c2 = 0.9) from a = 1, except
 * a = min(1, 1/||g_0||) on the first iteration. Pairs with
 * s.y <= 1e-10 ||s|| ||y|| are not stored. When the search finds no step, the
 * memory is dropped and the search is tried once more along -g.
 * Work: 2 m n + 4 n doubles, O(m n) flops per iteration. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

/* d = -H g by the two-loop recursion over k pairs stored in ring order
 * (oldest at index head - k mod m). al: m scratch values. */
static void two_loop(size_t n, int m, int k, int head, const double *S, const double *Y,
                     const double *rho, double *al, double gamma, const double *g, double *d)
{
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    for (int j = 0; j < k; j++) {
        int i = (head - 1 - j + m) % m;
        al[i] = rho[i] * eo__dot(n, S + (size_t)i * n, d);
        eo__axpy(n, -al[i], Y + (size_t)i * n, d);
    }
    for (size_t i = 0; i < n; i++) d[i] *= gamma;
    for (int j = k - 1; j >= 0; j--) {
        int i = (head - 1 - j + m) % m;
        double b = rho[i] * eo__dot(n, Y + (size_t)i * n, d);
        eo__axpy(n, al[i] - b, S + (size_t)i * n, d);
    }
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
    int k = 0, head = 0;
    double gamma = 1.0;
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    while (!reason) {
        double a = 1.0;
        if (k > 0) {
            two_loop(n, m, k, head, S, Y, rho, al, gamma, g, d);
            if (!(eo__dot(n, d, g) < 0.0)) k = 0; /* not a descent direction: restart */
        }
        if (k == 0) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            a = c->iter == 0 && p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / gnorm);
        }
        double fn;
        int ls = eo__linesearch(c, &p->ls, x, f, g, d, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            if (k > 0 && ls != EO_STOP_MAX_EVALS) {
                k = 0; /* drop the memory, try steepest descent once */
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
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
        double f_prev = f;
        f = fn;
        gnorm = eo__nrm2(n, g);
        c->iter++;
        reason = eo__after_iter(c, x, f_prev, f, gnorm, sn);
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    eo__finish(c, res, f, gnorm, reason);
done:
    eo_free(p->alloc, blk);
    return reason;
}
