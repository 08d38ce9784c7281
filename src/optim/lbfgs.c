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

#include "optim/lbfgs_kern.h"
#include "optim/min_internal.h"

/* d = -H g by the two-loop recursion over k >= 1 pairs stored in ring order
 * (newest at index head - 1 mod m); returns g.d. al: m scratch values. sg is
 * s.g for the newest pair (computed with that pair), or NaN when unknown.
 * Every pass over a pair is one step_dot call: the update of d by this pair
 * fused with the dot product the next pair needs, so d is read once per pair
 * (the recursion is bound by memory traffic for large n). The start d = -g is
 * fused into the first update, and the scaling by gamma into the last update
 * of the first loop. */
static double two_loop(const eo__lbk *K, size_t n, int m, int k, int head, const double *S,
                       const double *Y, const double *rho, double *al, double gamma, double sg,
                       const double *g, double *d)
{
    int i = (head - 1 + m) % m;
    if (sg != sg) sg = K->dot(n, S + (size_t)i * n, g);
    double dot_next = -sg; /* s_newest.d with d = -g */
    for (int j = 0; j < k; j++) {
        i = (head - 1 - j + m) % m;
        al[i] = rho[i] * dot_next;
        double a = -al[i], c = 1.0;
        const double *w;
        if (j + 1 < k) {
            w = S + (size_t)((head - 2 - j + 2 * m) % m) * n; /* next older s */
        } else {
            w = Y + (size_t)((head - k + m) % m) * n; /* oldest y: loop 2 starts */
            c = gamma;
        }
        if (j == 0) /* d = c (-g + a y) = -c (g - a y): exact negations */
            dot_next = K->step_dot(n, -c, -a, Y + (size_t)i * n, g, d, w);
        else
            dot_next = K->step_dot(n, c, a, Y + (size_t)i * n, d, d, w);
    }
    for (int j = k - 1; j >= 0; j--) {
        i = (head - 1 - j + m) % m;
        double b = rho[i] * dot_next;
        /* the next newer y, or g for the last update (d.g: the descent test) */
        const double *w = j > 0 ? Y + (size_t)((head - j + m) % m) * n : g;
        dot_next = K->step_dot(n, 1.0, al[i] - b, S + (size_t)i * n, d, d, w);
    }
    return dot_next;
}

/* The line search's phi(a) = f(x + a d), phi'(a) = g(x + a d).d with the
 * kernels' dot product (as eo__linesearch, whose wrapper logic lbfgs_search
 * repeats; d0 = g.d comes from the two-loop recursion instead of a pass). */
typedef struct {
    eo__mctx *c;
    const eo__lbk *K;
    const double *x, *d;
    double *x_new, *g_new;
    long left;
} lb_phi;

static int lb_phi_eval(void *vctx, double a, double *fa, double *da)
{
    lb_phi *q = vctx;
    if (q->left <= 0) return 1;
    q->left--;
    size_t n = q->c->obj->n;
    for (size_t i = 0; i < n; i++) q->x_new[i] = q->x[i] + a * q->d[i];
    *fa = eo__eval(q->c, q->x_new, q->g_new);
    *da = q->K->dot(n, q->g_new, q->d);
    return 0;
}

static int lbfgs_search(eo__mctx *c, const eo__lbk *K, const eo_linesearch_params *p,
                        const double *x, double f0, const double *g0, const double *d, double d0,
                        double *alpha, double *x_new, double *f_new, double *g_new)
{
    size_t n = c->obj->n;
    lb_phi q = {c, K, x, d, x_new, g_new, eo__evals_left(c)};
    double fa, da, a;
    int last_ok;
    int st = eo__ls_run(p, f0, d0, *alpha, lb_phi_eval, &q, &a, &fa, &da, &last_ok);
    if (!last_ok) {
        if (a > 0.0 && eo__evals_left(c) > 0) {
            /* the returned step is not the last one evaluated (rare) */
            for (size_t i = 0; i < n; i++) x_new[i] = x[i] + a * d[i];
            fa = eo__eval(c, x_new, g_new);
        } else {
            a = 0.0;
            memcpy(x_new, x, n * sizeof *x);
            memcpy(g_new, g0, n * sizeof *g0);
            fa = f0;
        }
    }
    *alpha = a;
    *f_new = fa;
    return st;
}

int eo__min_lbfgs(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                  eo_error *err)
{
    size_t n = c->obj->n;
    int m = p->lbfgs_m;
    const eo__lbk *K = eo__lbk_get();
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
    double gamma = 1.0, sg = NAN; /* sg: s.g of the newest pair and the current g */
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    while (!reason) {
        double a = 1.0, d0 = 0.0;
        if (k > 0) {
            d0 = two_loop(K, n, m, k, head, S, Y, rho, al, gamma, sg, g, d);
            if (!(d0 < 0.0)) k = 0; /* not a descent direction: restart */
        }
        if (k == 0) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            d0 = -K->dot(n, g, g);
            a = c->iter == 0 && p->step0 > 0 ? p->step0 : fmin(1.0, 1.0 / gnorm);
        }
        double fn;
        int ls = lbfgs_search(c, K, &p->ls, xc, f, g, d, d0, &a, xn, &fn, gn);
        if (!(a > 0.0)) {
            if (k > 0 && ls != EO_STOP_MAX_EVALS) {
                k = 0; /* drop the memory, try steepest descent once */
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        /* s, y and their products (and ||g_new||^2, s.g_new) in one pass */
        double *s = S + (size_t)head * n, *y = Y + (size_t)head * n;
        double pr[5];
        K->pair(n, xn, xc, gn, g, s, y, pr);
        double sy = pr[0], yy = pr[1], gg = pr[3];
        double sn = sqrt(pr[2]);
        sg = NAN;
        if (sy > 1e-10 * sn * sqrt(yy)) {
            rho[head] = 1.0 / sy;
            gamma = sy / yy;
            head = (head + 1) % m;
            if (k < m) k++;
            sg = pr[4];
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
