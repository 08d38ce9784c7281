/* Lasso and elastic net by cyclic coordinate descent, in scikit-learn's
 * parametrisation (ElasticNet; Lasso is l1_ratio = 1):
 *   min_{w,b} 1/(2n) ||y - X w - b||^2 + alpha r ||w||_1 + alpha (1 - r)/2 ||w||^2.
 * Friedman, Hastie & Tibshirani, "Regularization paths for generalized linear
 * models via coordinate descent", J. Stat. Softw. 33(1), 2010. With the
 * intercept, X and y are centred (b = mean y - mean X . w afterwards). On the
 * n-scaled problem (a = alpha r n, c = alpha (1 - r) n) one coordinate update is
 *   rho_j = x_j . (R + w_j x_j) = x_j . R + w_j ||x_j||^2
 *   w_j' = S(rho_j, a) / (||x_j||^2 + c),   R <- R - (w_j' - w_j) x_j
 * (S the soft threshold; R = y - X w the residual). Stopping as scikit-learn's
 * enet_coordinate_descent (sklearn/linear_model/_cd_fast.pyx): after an epoch
 * with max_j |dw_j| < tol max_j |w_j| (or w = 0), compute the duality gap
 *   nu = X^T R - c w,  k = min(1, a / ||nu||_inf),
 *   gap = (1 + k^2)/2 ||R||^2 + a ||w||_1 - k R.y + c/2 (1 + k^2) ||w||^2
 * and stop when gap < tol ||y||^2. So the same tol gives the same accuracy as
 * scikit-learn. Every coordinate step reads one contiguous column (two passes
 * when w_j moves, one when it stays 0): column-major X is used in place with
 * the centring applied on the fly; row-major X is copied once, transposed and
 * centred. */
#include <math.h>
#include <string.h>

#include "edgeopt/minimize.h"

eo_enet_params eo_enet_defaults(void)
{
    eo_enet_params p;
    p.alpha = 1.0;
    p.l1_ratio = 1.0;
    p.fit_intercept = 1;
    p.tol = 1e-4;
    p.max_iter = 1000;
    p.warm_start = 0;
    p.alloc = NULL;
    return p;
}

static double dot(size_t n, const double *a, const double *b)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s2) + (s1 + s3);
}

/* sum_i (x_i - m) r_i and r += a (x - m): a column centred on the fly, so
 * column-major input needs no copy (m = 0 for the centred copy). */
static double dot_c(size_t n, const double *x, double m, const double *r)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (x[i] - m) * r[i];
        s1 += (x[i + 1] - m) * r[i + 1];
        s2 += (x[i + 2] - m) * r[i + 2];
        s3 += (x[i + 3] - m) * r[i + 3];
    }
    for (; i < n; i++) s0 += (x[i] - m) * r[i];
    return (s0 + s2) + (s1 + s3);
}

static void axpy_c(size_t n, double a, const double *x, double m, double *r)
{
    for (size_t i = 0; i < n; i++) r[i] += a * (x[i] - m);
}

typedef struct {
    size_t n, p;
    const double *Xc; /* p columns of n, column j at Xc + j * ld */
    size_t ld;
    double *R;        /* n: residual */
    double *yc;       /* n: centred y */
    double *norm2;    /* p: ||x_j - m_j||^2 */
    double *xmean;    /* p: column means (0 without intercept) */
    double *cm;       /* p: the mean still to subtract on the fly (xmean, or 0 for the copy) */
    double ymean, yy;
} ws;

/* Column-major X (rs == 1) is used in place and centred on the fly; other
 * layouts are copied once into a centred column-major block, transposed in
 * cache-sized tiles. */
static int prepare(const eo_enet_params *P, size_t n, size_t p, const double *X, size_t rs,
                   size_t cs, const double *y, ws *W, double **blk, eo_error *err)
{
    int inplace = rs == 1;
    size_t cnt, bytes;
    if (!eo_size_mul(n, inplace ? 0 : p, &cnt) || !eo_size_add(cnt, 2 * n + 3 * p, &cnt) ||
        !eo_size_mul(cnt, sizeof(double), &bytes))
        return eo_error_set(err, EO_ERR_RANGE, "enet: %zu x %zu is too large", n, p);
    *blk = eo_alloc(P->alloc, bytes);
    if (!*blk) return eo_error_set(err, EO_ERR_NOMEM, "enet: no memory for %zu bytes", bytes);
    W->n = n;
    W->p = p;
    W->R = *blk;
    W->yc = W->R + n;
    W->norm2 = W->yc + n;
    W->xmean = W->norm2 + p;
    W->cm = W->xmean + p;
    double ym = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) return eo_error_set(err, EO_ERR_NUMERIC, "enet: y[%zu] is not finite", i);
        ym += y[i];
    }
    ym = P->fit_intercept ? ym / (double)n : 0.0;
    W->ymean = ym;
    for (size_t i = 0; i < n; i++) W->yc[i] = y[i] - ym;
    W->yy = dot(n, W->yc, W->yc);
    if (inplace) {
        W->Xc = X;
        W->ld = cs;
        /* one pass per column: shifted sums give the mean and the centred
         * sum of squares without cancellation (shift = the first value) */
        for (size_t j = 0; j < p; j++) {
            const double *col = X + j * cs;
            double K = col[0], s1 = 0.0, s2 = 0.0;
            for (size_t i = 0; i < n; i++) {
                double v = col[i] - K;
                s1 += v;
                s2 += v * v;
            }
            if (!isfinite(s2)) return eo_error_set(err, EO_ERR_NUMERIC, "enet: column %zu is not finite", j);
            double dm = s1 / (double)n;
            if (P->fit_intercept) {
                W->xmean[j] = K + dm;
                W->norm2[j] = fmax(s2 - (double)n * dm * dm, 0.0);
            } else {
                W->xmean[j] = 0.0;
                W->norm2[j] = dot(n, col, col);
            }
            W->cm[j] = W->xmean[j];
        }
    } else {
        /* tiled transpose into a column-major copy, summing columns on the way */
        double *C = W->cm + p;
        for (size_t j = 0; j < p; j++) W->xmean[j] = 0.0;
        enum { T = 32 };
        for (size_t i0 = 0; i0 < n; i0 += T)
            for (size_t j0 = 0; j0 < p; j0 += T) {
                size_t i1 = i0 + T < n ? i0 + T : n, j1 = j0 + T < p ? j0 + T : p;
                for (size_t j = j0; j < j1; j++) {
                    double sj = 0.0;
                    for (size_t i = i0; i < i1; i++) {
                        double v = X[i * rs + j * cs];
                        C[j * n + i] = v;
                        sj += v;
                    }
                    W->xmean[j] += sj;
                }
            }
        W->Xc = C;
        W->ld = n;
        for (size_t j = 0; j < p; j++) {
            double *col = C + j * n;
            double m = P->fit_intercept ? W->xmean[j] / (double)n : 0.0, s2 = 0.0;
            if (!isfinite(m)) return eo_error_set(err, EO_ERR_NUMERIC, "enet: column %zu is not finite", j);
            for (size_t i = 0; i < n; i++) {
                double v = col[i] - m;
                col[i] = v;
                s2 += v * v;
            }
            if (!isfinite(s2)) return eo_error_set(err, EO_ERR_NUMERIC, "enet: column %zu is not finite", j);
            W->xmean[j] = m;
            W->norm2[j] = s2;
            W->cm[j] = 0.0;
        }
    }
    return EO_OK;
}

/* CD from w (warm) at one alpha. R must equal yc - Xc w on entry. */
static long solve(const ws *W, double alpha, double l1_ratio, double tol, long max_iter, double *w,
                  double *gap_out, double *gap_tol_out, int *converged)
{
    size_t n = W->n, p = W->p;
    double a = alpha * l1_ratio * (double)n, c = alpha * (1.0 - l1_ratio) * (double)n;
    double tol_s = tol * W->yy;
    double *R = W->R;
    double gap = HUGE_VAL;
    long it;
    *converged = 0;
    for (it = 0; it < max_iter; it++) {
        double w_max = 0.0, dw_max = 0.0;
        for (size_t j = 0; j < p; j++) {
            double nj = W->norm2[j];
            if (nj == 0.0) continue;
            const double *xj = W->Xc + j * W->ld;
            double mj = W->cm[j], wj = w[j];
            double rho = dot_c(n, xj, mj, R) + wj * nj;
            double wn = rho > a ? (rho - a) / (nj + c) : (rho < -a ? (rho + a) / (nj + c) : 0.0);
            if (wn != wj) {
                axpy_c(n, wj - wn, xj, mj, R);
                w[j] = wn;
            }
            dw_max = fmax(dw_max, fabs(wn - wj));
            w_max = fmax(w_max, fabs(wn));
        }
        if (w_max == 0.0 || dw_max / w_max < tol || it == max_iter - 1) {
            double nu_max = 0.0, l1 = 0.0, ww = 0.0;
            for (size_t j = 0; j < p; j++) {
                double nu = dot_c(n, W->Xc + j * W->ld, W->cm[j], R) - c * w[j];
                nu_max = fmax(nu_max, fabs(nu));
                l1 += fabs(w[j]);
                ww += w[j] * w[j];
            }
            double rr = dot(n, R, R), k = 1.0;
            if (nu_max > a) k = a / nu_max;
            gap = 0.5 * (rr + k * k * rr); /* = rr when k = 1 */
            gap += a * l1 - k * dot(n, R, W->yc) + 0.5 * c * (1.0 + k * k) * ww;
            if (gap < tol_s) {
                *converged = 1;
                it++;
                break;
            }
        }
    }
    *gap_out = gap;
    *gap_tol_out = tol_s;
    return it;
}

static const char *check(const eo_enet_params *P)
{
    if (!(P->alpha >= 0.0) || !isfinite(P->alpha)) return "alpha must be >= 0";
    if (!(P->l1_ratio >= 0.0 && P->l1_ratio <= 1.0)) return "l1_ratio must be in [0, 1]";
    if (!(P->tol >= 0.0) || !isfinite(P->tol)) return "tol must be >= 0";
    if (P->max_iter < 1) return "max_iter must be >= 1";
    return NULL;
}

static void residual(const ws *W, const double *w)
{
    memcpy(W->R, W->yc, W->n * sizeof *W->R);
    for (size_t j = 0; j < W->p; j++)
        if (w[j] != 0.0) axpy_c(W->n, -w[j], W->Xc + j * W->ld, W->cm[j], W->R);
}

int eo_enet_fit(const eo_enet_params *P, size_t n_samples, size_t n_features, const double *X,
                size_t rs, size_t cs, const double *y, double *w, double *b, eo_enet_info *info,
                eo_error *err)
{
    const char *why = P ? check(P) : "params is NULL";
    if (why) return eo_error_set(err, EO_ERR_INVALID, "enet: %s", why);
    if (!X || !y || !w || n_samples == 0 || n_features == 0)
        return eo_error_set(err, EO_ERR_INVALID, "enet: empty problem");
    ws W;
    double *blk = NULL;
    int st = prepare(P, n_samples, n_features, X, rs, cs, y, &W, &blk, err);
    if (st) {
        eo_free(P->alloc, blk);
        return st;
    }
    if (!P->warm_start) memset(w, 0, n_features * sizeof *w);
    residual(&W, w);
    eo_enet_info inf;
    inf.epochs = solve(&W, P->alpha, P->l1_ratio, P->tol, P->max_iter, w, &inf.gap, &inf.gap_tol,
                       &inf.converged);
    if (b) *b = W.ymean - dot(n_features, W.xmean, w);
    if (info) *info = inf;
    eo_free(P->alloc, blk);
    return EO_OK;
}

int eo_enet_path(const eo_enet_params *P, size_t n_samples, size_t n_features, const double *X,
                 size_t rs, size_t cs, const double *y, size_t n_alphas, double eps,
                 double *alphas, double *Wout, double *intercepts, long *epochs, eo_error *err)
{
    const char *why = P ? check(P) : "params is NULL";
    if (why) return eo_error_set(err, EO_ERR_INVALID, "enet: %s", why);
    if (!(P->l1_ratio > 0.0)) return eo_error_set(err, EO_ERR_INVALID, "enet path: l1_ratio must be > 0");
    if (!(eps > 0.0 && eps < 1.0)) return eo_error_set(err, EO_ERR_INVALID, "enet path: eps must be in (0, 1)");
    if (!X || !y || !alphas || !Wout || n_samples == 0 || n_features == 0 || n_alphas == 0)
        return eo_error_set(err, EO_ERR_INVALID, "enet path: empty problem");
    ws W;
    double *blk = NULL;
    int st = prepare(P, n_samples, n_features, X, rs, cs, y, &W, &blk, err);
    if (st) {
        eo_free(P->alloc, blk);
        return st;
    }
    double xy_max = 0.0;
    for (size_t j = 0; j < n_features; j++)
        xy_max = fmax(xy_max, fabs(dot_c(n_samples, W.Xc + j * W.ld, W.cm[j], W.yc)));
    double amax = xy_max / ((double)n_samples * P->l1_ratio);
    /* np.logspace(log10(amax eps), log10(amax), n)[::-1] */
    double lhi = log10(amax), llo = log10(amax * eps);
    double *w = Wout;
    memset(w, 0, n_features * sizeof *w);
    residual(&W, w);
    for (size_t k = 0; k < n_alphas; k++) {
        double t = n_alphas > 1 ? (double)(n_alphas - 1 - k) / (double)(n_alphas - 1) : 1.0;
        alphas[k] = amax > 0.0 ? pow(10.0, llo + t * (lhi - llo)) : 0.0;
        double *wk = Wout + k * n_features;
        if (k > 0) memcpy(wk, Wout + (k - 1) * n_features, n_features * sizeof *wk);
        double gap, gtol;
        int conv;
        /* w = 0 is the exact solution at alpha_max (by its definition); solving
         * there could only add rounding-level coefficients. */
        long ep = k == 0 ? 0
                         : solve(&W, alphas[k], P->l1_ratio, P->tol, P->max_iter, wk, &gap, &gtol, &conv);
        if (epochs) epochs[k] = ep;
        if (intercepts) intercepts[k] = W.ymean - dot(n_features, W.xmean, wk);
    }
    eo_free(P->alloc, blk);
    return EO_OK;
}
