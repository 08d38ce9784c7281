/* Symmetric eigenvalue problem by the cyclic Jacobi method (Jacobi 1846;
 * Golub & Van Loan, Matrix Computations, 4th ed., Algorithms 8.5.2 and 8.5.3).
 * Each rotation J(p, q, theta) zeroes A_pq:
 *   tau = (A_qq - A_pp) / (2 A_pq),  t = sign(tau) / (|tau| + sqrt(1 + tau^2)),
 *   c = 1 / sqrt(1 + t^2),  s = t c,  A <- J^T A J,  V <- V J.
 * Sweeps over all pairs until off(A) <= 1e-15 ||A||_F (at most 100 sweeps;
 * convergence is quadratic once off(A) is small). Accurate to a few ulps of
 * ||A|| for every eigenvalue, which is what the point classification needs. */
#include <math.h>
#include <string.h>

#include "edgeopt/minimize.h"

int eo_eigen_sym(size_t n, const double *A, double *w, double *V, const eo_allocator *alloc,
                 eo_error *err)
{
    if (n == 0 || !A || !w) return eo_error_set(err, EO_ERR_INVALID, "eigen: n >= 1, A and w required");
    size_t nn, bytes;
    if (!eo_size_mul(n, n, &nn) || !eo_size_mul(nn, sizeof(double), &bytes))
        return eo_error_set(err, EO_ERR_RANGE, "eigen: n = %zu is too large", n);
    double *B = eo_alloc(alloc, bytes);
    if (!B) return eo_error_set(err, EO_ERR_NOMEM, "eigen: no memory");
    /* symmetric copy from the upper triangle */
    double fro = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double a = A[i * n + j];
            if (!isfinite(a)) {
                eo_free(alloc, B);
                return eo_error_set(err, EO_ERR_NUMERIC, "eigen: A[%zu][%zu] is not finite", i, j);
            }
            B[i * n + j] = B[j * n + i] = a;
            fro += (i == j ? 1.0 : 2.0) * a * a;
        }
    if (V) {
        memset(V, 0, bytes);
        for (size_t i = 0; i < n; i++) V[i * n + i] = 1.0;
    }
    double thresh = 1e-15 * sqrt(fro);
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) off += 2.0 * B[p * n + q] * B[p * n + q];
        if (sqrt(off) <= thresh) break;
        for (size_t p = 0; p < n; p++) {
            for (size_t q = p + 1; q < n; q++) {
                double apq = B[p * n + q];
                if (apq == 0.0) continue;
                double tau = (B[q * n + q] - B[p * n + p]) / (2.0 * apq);
                double t = (tau >= 0.0 ? 1.0 : -1.0) / (fabs(tau) + sqrt(1.0 + tau * tau));
                double cs = 1.0 / sqrt(1.0 + t * t), sn = t * cs;
                /* B <- J^T B J: rows/columns p and q */
                for (size_t k = 0; k < n; k++) {
                    double bkp = B[k * n + p], bkq = B[k * n + q];
                    B[k * n + p] = cs * bkp - sn * bkq;
                    B[k * n + q] = sn * bkp + cs * bkq;
                }
                for (size_t k = 0; k < n; k++) {
                    double bpk = B[p * n + k], bqk = B[q * n + k];
                    B[p * n + k] = cs * bpk - sn * bqk;
                    B[q * n + k] = sn * bpk + cs * bqk;
                }
                B[p * n + q] = B[q * n + p] = 0.0;
                if (V)
                    for (size_t k = 0; k < n; k++) {
                        double vkp = V[k * n + p], vkq = V[k * n + q];
                        V[k * n + p] = cs * vkp - sn * vkq;
                        V[k * n + q] = sn * vkp + cs * vkq;
                    }
            }
        }
    }
    for (size_t i = 0; i < n; i++) w[i] = B[i * n + i];
    /* ascending order (selection sort; n is small for a full Hessian) */
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        for (size_t j = i + 1; j < n; j++)
            if (w[j] < w[k]) k = j;
        if (k != i) {
            double t = w[i];
            w[i] = w[k];
            w[k] = t;
            if (V)
                for (size_t r = 0; r < n; r++) {
                    t = V[r * n + i];
                    V[r * n + i] = V[r * n + k];
                    V[r * n + k] = t;
                }
        }
    }
    eo_free(alloc, B);
    return EO_OK;
}
