/* Landscape analysis: classification of a point by the eigenvalues of the
 * Hessian (second-order conditions, Nocedal & Wright, 2nd ed., Thms. 2.3, 2.4):
 * at a stationary point, all eigenvalues > 0 is a strict local minimum, all
 * < 0 a strict local maximum, both signs a saddle; a zero eigenvalue leaves it
 * undecided (degenerate; e.g. the monkey saddle x^3 - 3 x y^2).
 * And the measured linear rate of a converging sequence: e_k ~ C r^k, so r is
 * exp of the least-squares slope of log e_k against k. */
#include <math.h>
#include <string.h>

#include "edgeopt/minimize.h"

int eo_landscape_classify(const eo_objective *obj, const double *x, double tol,
                          double *eigenvalues, double *grad_norm, const eo_allocator *alloc,
                          eo_error *err)
{
    if (!obj || !obj->f || obj->n == 0 || !x)
        return eo_error_set(err, EO_ERR_INVALID, "classify: objective and x required");
    size_t n = obj->n, nn, bytes;
    if (!eo_size_mul(n, n + 4, &nn) || !eo_size_mul(nn, sizeof(double), &bytes))
        return eo_error_set(err, EO_ERR_RANGE, "classify: n = %zu is too large", n);
    double *H = eo_alloc(alloc, bytes);
    if (!H) return eo_error_set(err, EO_ERR_NOMEM, "classify: no memory");
    double *w = H + n * n, *g = w + n, *gp = g + n, *xp = gp + n;
    obj->f(n, x, g, obj->user);
    double gn = 0.0;
    for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
    if (grad_norm) *grad_norm = sqrt(gn);
    int fd = obj->hess == NULL;
    if (!fd) {
        obj->hess(n, x, H, obj->user);
    } else {
        /* central differences of the gradient, symmetrised */
        memcpy(xp, x, n * sizeof *x);
        for (size_t j = 0; j < n; j++) {
            double h = 1e-5 * fmax(1.0, fabs(x[j]));
            xp[j] = x[j] + h;
            obj->f(n, xp, gp, obj->user);
            xp[j] = x[j] - h;
            obj->f(n, xp, g, obj->user);
            xp[j] = x[j];
            for (size_t i = 0; i < n; i++) H[i * n + j] = (gp[i] - g[i]) / (2.0 * h);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) H[i * n + j] = 0.5 * (H[i * n + j] + H[j * n + i]);
    }
    int st = eo_eigen_sym(n, H, w, NULL, alloc, err);
    if (st) {
        eo_free(alloc, H);
        return st;
    }
    double amax = 0.0;
    for (size_t i = 0; i < n; i++) amax = fmax(amax, fabs(w[i]));
    if (!(tol > 0.0)) tol = (fd ? 1e-5 : 1e-8) * fmax(1.0, amax);
    int pos = 0, neg = 0, zero = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > tol) pos++;
        else if (w[i] < -tol) neg++;
        else zero++;
    }
    if (eigenvalues) memcpy(eigenvalues, w, n * sizeof *w);
    eo_free(alloc, H);
    if (pos && neg) return EO_POINT_SADDLE;
    if (zero) return EO_POINT_DEGENERATE;
    return pos ? EO_POINT_MINIMUM : EO_POINT_MAXIMUM;
}

double eo_rate_measure(const double *e, size_t k0, size_t k1)
{
    double sk = 0.0, sl = 0.0, skk = 0.0, skl = 0.0;
    size_t cnt = 0;
    for (size_t k = k0; k < k1; k++) {
        if (!(e[k] > 0.0) || !isfinite(e[k])) continue;
        double l = log(e[k]), kk = (double)k;
        sk += kk;
        sl += l;
        skk += kk * kk;
        skl += kk * l;
        cnt++;
    }
    if (cnt < 2) return NAN;
    double c = (double)cnt;
    double den = c * skk - sk * sk;
    if (den == 0.0) return NAN;
    return exp((c * skl - sk * sl) / den);
}
