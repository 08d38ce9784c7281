/* Small numerical helpers of the model-based strategies: the standard normal
 * density and distribution function, and a dense Cholesky factorization. */
#include <math.h>

#include "tune/internal.h"

double eo__npdf(double z)
{
    return 0.39894228040143267794 * exp(-0.5 * z * z);
}

double eo__ncdf(double z)
{
    /* erfc keeps the lower tail accurate (1 + erf would cancel). */
    return 0.5 * erfc(-z * 0.70710678118654752440);
}

/* a = L L^T, row-major, L in the lower triangle (the upper one is zeroed). */
int eo__cholesky(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (size_t k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0) || !isfinite(d)) return EO_ERR_NUMERIC;
        d = sqrt(d);
        a[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (size_t k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / d;
        }
        for (size_t i = 0; i < j; i++) a[i * n + j] = 0;
    }
    return EO_OK;
}

void eo__chol_forward(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++) s -= l[i * n + k] * b[k];
        b[i] = s / l[i * n + i];
    }
}

void eo__chol_solve(const double *l, size_t n, double *b)
{
    eo__chol_forward(l, n, b);
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
        b[i] = s / l[i * n + i];
    }
}
