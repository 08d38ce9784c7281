/* L-BFGS in float32 (same method as lbfgs.c: Liu & Nocedal 1989, two-loop
 * recursion of Nocedal & Wright Alg. 7.4, strong Wolfe line search).
 *
 * The vectors (x, g, the m pairs) are float; the scalars that decide the
 * iteration (dot products, rho, gamma, the step length, the line-search
 * interpolation) are double, so rounding in float only enters through the
 * objective and the stored vectors. Two details keep the search from failing
 * near a minimiser in float: the trial point x + a d is formed in double and
 * rounded once, and s = x_new - x is recomputed from the rounded points (the
 * step actually taken), so s.y matches what the objective saw. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

eo_lbfgs_f32_params eo_lbfgs_f32_defaults(void)
{
    eo_lbfgs_f32_params p;
    p.m = 10;
    p.ls = eo_linesearch_defaults(EO_LS_STRONG_WOLFE);
    p.alloc = NULL;
    return p;
}

static double dotf(size_t n, const float *a, const float *b)
{
    double s0 = 0.0, s1 = 0.0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        s0 += (double)a[i] * b[i];
        s1 += (double)a[i + 1] * b[i + 1];
    }
    for (; i < n; i++) s0 += (double)a[i] * b[i];
    return s0 + s1;
}

typedef struct {
    size_t n;
    eo_fnf f;
    void *user;
    const float *x, *d;
    float *xn, *gn;
    long *evals;
    long left;
} phif;

static int phi_f32(void *vctx, double a, double *fa, double *da)
{
    phif *q = vctx;
    if (q->left <= 0) return 1;
    q->left--;
    for (size_t i = 0; i < q->n; i++) q->xn[i] = (float)((double)q->x[i] + a * (double)q->d[i]);
    (*q->evals)++;
    *fa = (double)q->f(q->n, q->xn, q->gn, q->user);
    *da = dotf(q->n, q->gn, q->d);
    return 0;
}

int eo_lbfgs_f32(const eo_lbfgs_f32_params *p, size_t n, eo_fnf f, void *user, float *x,
                 const eo_stop *stop, eo_result *res, eo_error *err)
{
    eo_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    res->f = res->grad_norm = NAN;
    if (!p || !f || !x || n == 0) return eo_error_set(err, EO_ERR_INVALID, "lbfgs_f32: bad arguments");
    if (p->m < 1 || p->m > 1000) return eo_error_set(err, EO_ERR_INVALID, "m must be in [1, 1000]");
    eo_stop s = stop ? *stop : eo_stop_defaults();
    if (s.max_iter <= 0) return eo_error_set(err, EO_ERR_INVALID, "max_iter must be > 0");
    int m = p->m;
    size_t cnt, bytes;
    if (!eo_size_mul(n, 2 * (size_t)m + 4, &cnt) || !eo_size_mul(cnt, sizeof(float), &bytes) ||
        !eo_size_add(bytes, 2 * (size_t)m * sizeof(double), &bytes))
        return eo_error_set(err, EO_ERR_RANGE, "lbfgs_f32: n = %zu is too large", n);
    double *scal = eo_alloc(p->alloc, bytes);
    if (!scal) return eo_error_set(err, EO_ERR_NOMEM, "lbfgs_f32: no memory");
    double *rho = scal, *al = scal + m;
    float *S = (float *)(scal + 2 * m), *Y = S + (size_t)m * n, *g = Y + (size_t)m * n,
          *xn = g + n, *gn = xn + n, *d = gn + n;
    /* A context with a dummy objective supplies the shared stopping rules. */
    eo_objective dummy = {n, NULL, NULL, NULL, NULL};
    eo__mctx c;
    eo__mctx_init(&c, &dummy, &s, NULL, NULL);
    double fx = (double)f(n, x, g, user);
    c.evals = 1;
    double gnorm = sqrt(dotf(n, g, g));
    int reason;
    if (!isfinite(fx) || !isfinite(gnorm)) {
        reason = eo_error_set(err, EO_ERR_NUMERIC, "objective or gradient is not finite at the start");
        goto done;
    }
    /* eo__start/after_iter use obj->n and x only through xtol (double x): do
     * the x-dependent checks here instead and pass NaN steps. */
    reason = eo__start(&c, NULL, fx, gnorm);
    int k = 0, head = 0;
    double gamma = 1.0;
    while (!reason) {
        double a = 1.0;
        if (k > 0) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            for (int j = 0; j < k; j++) {
                int i = (head - 1 - j + m) % m;
                al[i] = rho[i] * dotf(n, S + (size_t)i * n, d);
                float ai = (float)al[i];
                const float *yi = Y + (size_t)i * n;
                for (size_t t = 0; t < n; t++) d[t] -= ai * yi[t];
            }
            float gm = (float)gamma;
            for (size_t t = 0; t < n; t++) d[t] *= gm;
            for (int j = k - 1; j >= 0; j--) {
                int i = (head - 1 - j + m) % m;
                float b = (float)(al[i] - rho[i] * dotf(n, Y + (size_t)i * n, d));
                const float *si = S + (size_t)i * n;
                for (size_t t = 0; t < n; t++) d[t] += b * si[t];
            }
            if (!(dotf(n, d, g) < 0.0)) k = 0;
        }
        if (k == 0) {
            for (size_t i = 0; i < n; i++) d[i] = -g[i];
            a = fmin(1.0, 1.0 / gnorm);
        }
        phif q = {n, f, user, x, d, xn, gn, &c.evals, eo__evals_left(&c)};
        double fa, da;
        int last_ok;
        int ls = eo__ls_run(&p->ls, fx, dotf(n, g, d), a, phi_f32, &q, &a, &fa, &da, &last_ok);
        if (a > 0.0 && !last_ok) {
            if (eo__evals_left(&c) > 0) {
                q.left = 1;
                phi_f32(&q, a, &fa, &da);
            } else {
                a = 0.0;
            }
        }
        if (!(a > 0.0)) {
            if (k > 0 && ls != EO_STOP_MAX_EVALS) {
                k = 0;
                continue;
            }
            reason = ls == EO_STOP_MAX_EVALS ? EO_STOP_MAX_EVALS : EO_STOP_LINESEARCH;
            break;
        }
        float *sv = S + (size_t)head * n, *yv = Y + (size_t)head * n;
        for (size_t i = 0; i < n; i++) {
            sv[i] = xn[i] - x[i];
            yv[i] = gn[i] - g[i];
        }
        double sy = dotf(n, sv, yv), yy = dotf(n, yv, yv), ss = dotf(n, sv, sv);
        if (sy > 1e-10 * sqrt(ss * yy)) {
            rho[head] = 1.0 / sy;
            gamma = sy / yy;
            head = (head + 1) % m;
            if (k < m) k++;
        }
        memcpy(x, xn, n * sizeof *x);
        memcpy(g, gn, n * sizeof *g);
        double f_prev = fx;
        fx = fa;
        gnorm = sqrt(dotf(n, g, g));
        c.iter++;
        reason = eo__after_iter(&c, NULL, f_prev, fx, gnorm, NAN);
        if (!reason && s.xtol > 0) {
            double xx = dotf(n, x, x);
            if (sqrt(ss) <= s.xtol * fmax(sqrt(xx), 1.0)) reason = EO_STOP_XTOL;
        }
        if (!reason && ls == EO_STOP_MAX_EVALS) reason = EO_STOP_MAX_EVALS;
    }
    eo__finish(&c, res, fx, gnorm, reason);
done:
    eo_free(p->alloc, scal);
    return reason;
}
