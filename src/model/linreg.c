/* Closed-form (ridge) linear regression through the normal equations.
 *
 *   min_W,b  sum_i ||y_i - W x_i - b||^2 + lambda ||W||_F^2
 * With an intercept, center: x~ = x - mean(x), y~ = y - mean(y); then
 *   (X~^T X~ + lambda I) W^T = X~^T Y~,   b = mean(y) - W mean(x)
 * (the intercept is not penalized). The d x d system is solved by a Cholesky
 * factorization A = L L^T (Golub & Van Loan, Matrix Computations, alg. 4.2.1)
 * and two triangular solves per output. Everything is accumulated in double;
 * X^T X is built from chunks of rows transposed to column order so each
 * product is a contiguous dot product. Cost O(n d^2 / 2 + d^3 / 3). */
#include <math.h>
#include <string.h>

#include "model/internal.h"

#define EO__LR_CHUNK 64

/* Dot product of two runs of n doubles with 4 independent partial sums (a
 * fixed order, so the result is deterministic, and vectorizable). */
static double dot(const double *restrict a, const double *restrict b, size_t n)
{
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    size_t r = 0;
    for (; r + 4 <= n; r += 4)
        for (int l = 0; l < 4; l++) acc[l] += a[r + l] * b[r + l];
    for (; r < n; r++) acc[0] += a[r] * b[r];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

int eo_linreg_fit_closed(const float *X, const float *Y, size_t n, size_t d, size_t k, double lambda,
                         float *W, float *b, const eo_allocator *alloc, eo_error *err)
{
    if (!X || !Y || !W || n < 1 || d < 1 || k < 1)
        return eo_error_set(err, EO_ERR_INVALID, "linreg: empty or NULL input");
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return eo_error_set(err, EO_ERR_INVALID, "linreg: lambda must be a finite number >= 0");
    /* doubles: A d*d, B d*k, mx d, my k, chunk of x d*CH, chunk of y k*CH */
    size_t nd = 0, t;
    int ok = eo_size_mul(d, d, &nd) && eo_size_mul(d, k, &t) && eo_size_add(nd, t, &nd) &&
             eo_size_add(nd, d + k, &nd) && eo_size_mul(d + k, EO__LR_CHUNK, &t) && eo_size_add(nd, t, &nd) &&
             eo_size_mul(nd, sizeof(double), &t);
    if (!ok) return eo_error_set(err, EO_ERR_RANGE, "linreg: %zu features is too many", d);
    double *A = eo_alloc(alloc, t);
    if (!A) return eo_error_set(err, EO_ERR_NOMEM, "linreg: cannot allocate %zu bytes", t);
    memset(A, 0, t);
    double *Bm = A + d * d, *mx = Bm + d * k, *my = mx + d, *xt = my + k, *yt = xt + d * EO__LR_CHUNK;

    if (b) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < d; j++) mx[j] += X[i * d + j];
            for (size_t j = 0; j < k; j++) my[j] += Y[i * k + j];
        }
        for (size_t j = 0; j < d; j++) mx[j] /= (double)n;
        for (size_t j = 0; j < k; j++) my[j] /= (double)n;
    }
    for (size_t r0 = 0; r0 < n; r0 += EO__LR_CHUNK) {
        size_t nr = n - r0 < EO__LR_CHUNK ? n - r0 : EO__LR_CHUNK;
        for (size_t r = 0; r < nr; r++) {
            for (size_t j = 0; j < d; j++) xt[j * EO__LR_CHUNK + r] = X[(r0 + r) * d + j] - mx[j];
            for (size_t j = 0; j < k; j++) yt[j * EO__LR_CHUNK + r] = Y[(r0 + r) * k + j] - my[j];
        }
        for (size_t i = 0; i < d; i++) {
            const double *xi = xt + i * EO__LR_CHUNK;
            for (size_t j = 0; j <= i; j++) A[i * d + j] += dot(xi, xt + j * EO__LR_CHUNK, nr);
            for (size_t j = 0; j < k; j++) Bm[i * k + j] += dot(xi, yt + j * EO__LR_CHUNK, nr);
        }
    }
    for (size_t i = 0; i < d; i++) A[i * d + i] += lambda;

    /* Cholesky, lower triangle in place. */
    for (size_t j = 0; j < d; j++) {
        double s = A[j * d + j];
        for (size_t q = 0; q < j; q++) s -= A[j * d + q] * A[j * d + q];
        double scale = A[j * d + j] > 1.0 ? A[j * d + j] : 1.0;
        if (!(s > 1e-12 * scale) || !isfinite(s)) {
            eo_free(alloc, A);
            return eo_error_set(err, EO_ERR_NUMERIC,
                                "linreg: X^T X + lambda I is not positive definite at feature %zu "
                                "(collinear or constant columns: use lambda > 0)",
                                j);
        }
        double l = sqrt(s);
        A[j * d + j] = l;
        for (size_t i = j + 1; i < d; i++) {
            double v = A[i * d + j];
            for (size_t q = 0; q < j; q++) v -= A[i * d + q] * A[j * d + q];
            A[i * d + j] = v / l;
        }
    }
    /* Solve L z = B, then L^T w = z, per output column (in place in Bm). */
    for (size_t c = 0; c < k; c++) {
        for (size_t i = 0; i < d; i++) {
            double v = Bm[i * k + c];
            for (size_t q = 0; q < i; q++) v -= A[i * d + q] * Bm[q * k + c];
            Bm[i * k + c] = v / A[i * d + i];
        }
        for (size_t i = d; i-- > 0;) {
            double v = Bm[i * k + c];
            for (size_t q = i + 1; q < d; q++) v -= A[q * d + i] * Bm[q * k + c];
            Bm[i * k + c] = v / A[i * d + i];
        }
        double bc = my[c];
        for (size_t i = 0; i < d; i++) {
            W[c * d + i] = (float)Bm[i * k + c];
            bc -= Bm[i * k + c] * mx[i];
        }
        if (b) b[c] = (float)bc;
    }
    eo_free(alloc, A);
    return EO_OK;
}

int eo_model_fit_linear_closed(eo_model *m, const float *X, const float *Y, size_t n, double lambda,
                               eo_error *err)
{
    if (!m) return eo_error_set(err, EO_ERR_INVALID, "linreg: model is NULL");
    if (m->nlayers != 1 || m->layers[0].d.kind != EO_LAYER_DENSE)
        return eo_error_set(err, EO_ERR_INVALID, "closed-form fit needs a model of one dense layer (spec 'linear')");
    const eo__layer *L = &m->layers[0];
    return eo_linreg_fit_closed(X, Y, n, L->in_numel, (size_t)L->d.units, lambda, m->params,
                                m->params + L->nweights, eo__model_allocator(m), err);
}
