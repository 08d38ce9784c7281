/* Nelder-Mead simplex method (Nelder & Mead, Computer Journal 7, 1965) with
 * the dimension-adaptive coefficients of Gao & Han, "Implementing the
 * Nelder-Mead simplex algorithm with adaptive parameters", Comput. Optim.
 * Appl. 51, 2012:
 *   reflection 1, expansion 1 + 2/n, contraction 0.75 - 1/(2n), shrink 1 - 1/n
 * (standard coefficients 1, 2, 1/2, 1/2 with nm_adaptive = 0). One iteration:
 * order the n + 1 vertices, reflect the worst through the centroid c of the
 * others, then expand, accept, contract outside / inside, or shrink towards the
 * best vertex (Lagarias et al., SIAM J. Optim. 9, 1998, for the tie rules).
 * Initial simplex: x0 and x0 + h_i e_i, h_i = nm_step |x0_i| (0.00025 when
 * x0_i = 0), as SciPy. Converged (reason xtol) when
 *   max_i |f_i - f_best| <= max(nm_fatol, ftol_rel max(|f_best|, 1))  and
 *   max_i ||x_i - x_best||_inf <= max(nm_xatol, xtol max(||x_best||, 1)).
 * No gradient: grad_norm is NaN and gtol does not apply. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

typedef struct {
    eo__mctx *c;
    int out; /* budget exhausted */
} nm_ev;

static double ev(nm_ev *e, const double *x)
{
    if (eo__evals_left(e->c) <= 0) {
        e->out = 1;
        return HUGE_VAL;
    }
    double f = eo__eval(e->c, x, NULL);
    return f == f ? f : HUGE_VAL; /* NaN counts as +inf: such a vertex is never accepted */
}

int eo__min_nelder_mead(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                        eo_error *err)
{
    size_t n = c->obj->n;
    double *blk;
    int st = eo__alloc_vecs(p->alloc, n + 1, n + 6, &blk, err);
    if (st) return st;
    double *V = blk, *F = V + (n + 1) * n, *cen = F + (n + 1), *xr = cen + n, *xe = xr + n,
           *xc = xe + n;
    double dn = (double)n;
    double ra = 1.0, ex = p->nm_adaptive ? 1.0 + 2.0 / dn : 2.0,
           co = p->nm_adaptive ? 0.75 - 0.5 / dn : 0.5, sh = p->nm_adaptive ? 1.0 - 1.0 / dn : 0.5;
    if (n == 1) { /* the adaptive formulas degenerate for n = 1 */
        ex = 2.0;
        co = sh = 0.5;
    }
    nm_ev e = {c, 0};
    int reason = 0;
    memcpy(V, x, n * sizeof *x);
    F[0] = ev(&e, V);
    if (!isfinite(F[0])) {
        eo_free(p->alloc, blk);
        return eo_error_set(err, EO_ERR_NUMERIC, "objective is not finite at the start");
    }
    for (size_t i = 1; i <= n; i++) {
        double *v = V + i * n;
        memcpy(v, x, n * sizeof *x);
        v[i - 1] = x[i - 1] != 0.0 ? (1.0 + p->nm_step) * x[i - 1] : 0.00025;
        F[i] = ev(&e, v);
    }
    /* index of best, worst, second worst */
    size_t b = 0, w = 0, sw = 0;
#define ORDER()                                                          \
    do {                                                                 \
        b = w = 0;                                                       \
        for (size_t i = 1; i <= n; i++) {                                \
            if (F[i] < F[b]) b = i;                                      \
            if (F[i] >= F[w]) w = i;                                     \
        }                                                                \
        sw = b;                                                          \
        for (size_t i = 0; i <= n; i++)                                  \
            if (i != w && F[i] >= F[sw]) sw = i;                         \
    } while (0)
    ORDER();
    reason = eo__start(c, V + b * n, F[b], NAN);
    if (!reason && e.out) reason = EO_STOP_MAX_EVALS;
    while (!reason) {
        double f_best_prev = F[b];
        for (size_t j = 0; j < n; j++) cen[j] = 0.0;
        for (size_t i = 0; i <= n; i++)
            if (i != w) eo__axpy(n, 1.0 / dn, V + i * n, cen);
        double *xw = V + w * n;
        for (size_t j = 0; j < n; j++) xr[j] = cen[j] + ra * (cen[j] - xw[j]);
        double fr = ev(&e, xr);
        int shrink = 0;
        if (fr < F[b]) {
            for (size_t j = 0; j < n; j++) xe[j] = cen[j] + ex * (xr[j] - cen[j]);
            double fe = ev(&e, xe);
            if (fe < fr) {
                memcpy(xw, xe, n * sizeof *xe);
                F[w] = fe;
            } else {
                memcpy(xw, xr, n * sizeof *xr);
                F[w] = fr;
            }
        } else if (fr < F[sw]) {
            memcpy(xw, xr, n * sizeof *xr);
            F[w] = fr;
        } else if (fr < F[w]) { /* outside contraction */
            for (size_t j = 0; j < n; j++) xc[j] = cen[j] + co * (xr[j] - cen[j]);
            double fc = ev(&e, xc);
            if (fc <= fr) {
                memcpy(xw, xc, n * sizeof *xc);
                F[w] = fc;
            } else {
                shrink = 1;
            }
        } else { /* inside contraction */
            for (size_t j = 0; j < n; j++) xc[j] = cen[j] + co * (xw[j] - cen[j]);
            double fc = ev(&e, xc);
            if (fc < F[w]) {
                memcpy(xw, xc, n * sizeof *xc);
                F[w] = fc;
            } else {
                shrink = 1;
            }
        }
        if (shrink && !e.out) {
            const double *xb = V + b * n;
            for (size_t i = 0; i <= n; i++) {
                if (i == b) continue;
                double *v = V + i * n;
                for (size_t j = 0; j < n; j++) v[j] = xb[j] + sh * (v[j] - xb[j]);
                F[i] = ev(&e, v);
            }
        }
        ORDER();
        c->iter++;
        /* convergence of the simplex */
        const double *xb = V + b * n;
        double fspread = 0.0, xsize = 0.0;
        for (size_t i = 0; i <= n; i++) {
            fspread = fmax(fspread, fabs(F[i] - F[b]));
            for (size_t j = 0; j < n; j++) xsize = fmax(xsize, fabs(V[i * n + j] - xb[j]));
        }
        (void)f_best_prev;
        reason = eo__after_iter(c, xb, NAN, F[b], NAN, NAN);
        if (!reason) {
            double ft = fmax(p->nm_fatol, c->stop.ftol_rel * fmax(fabs(F[b]), 1.0));
            double xt = fmax(p->nm_xatol, c->stop.xtol * fmax(eo__nrm2(n, xb), 1.0));
            if (fspread <= ft && xsize <= xt) reason = EO_STOP_XTOL;
        }
        if (!reason && e.out) reason = EO_STOP_MAX_EVALS;
    }
#undef ORDER
    memcpy(x, V + b * n, n * sizeof *x);
    eo__finish(c, res, F[b], NAN, reason);
    eo_free(p->alloc, blk);
    return reason;
}
