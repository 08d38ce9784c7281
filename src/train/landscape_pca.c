/* PCA directions of an optimization trajectory (Li et al., "Visualizing the
 * loss landscape of neural nets", NeurIPS 2018, Sec. 7).
 *
 * With snapshots theta_1..theta_k and the final model theta, the rows
 * M_i = theta_i - theta are centred (M_i - mean_i M_i, as PCA does) and the
 * principal directions are the right singular vectors of the k x n matrix.
 * Because k << n they come from the k x k Gram matrix G = M M^T: if
 * G v = lambda v with lambda > 0, then u = M^T v / sqrt(lambda) is a unit
 * vector with M^T M u = lambda u. Eigen-decomposition by eo_eigen_sym (cyclic
 * Jacobi). The explained fraction of direction j is lambda_j / sum lambda. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/landscape.h"
#include "edgeopt/minimize.h"

int eo_landscape_pca(const float *traj, size_t k, size_t n, const float *center, float *d1, float *d2,
                     double ratio[2], double *coords, eo_error *err)
{
    if (!traj || !center || !d1 || !d2 || n == 0)
        return eo_error_set(err, EO_ERR_INVALID, "landscape PCA: NULL argument or no parameters");
    if (k < 2 || k > 4096)
        return eo_error_set(err, EO_ERR_INVALID, "landscape PCA needs 2..4096 trajectory snapshots (got %zu)", k);
    double *mean = calloc(n, sizeof *mean);
    double *G = calloc(k * k, sizeof *G), *w = malloc(k * sizeof *w), *V = malloc(k * k * sizeof *V);
    double *u = malloc(2 * n * sizeof *u);
    int st = EO_OK;
    if (!mean || !G || !w || !V || !u) {
        st = eo_error_set(err, EO_ERR_NOMEM, "landscape PCA: out of memory");
        goto done;
    }
    /* mean of the rows M_i = theta_i - center */
    for (size_t i = 0; i < k; i++)
        for (size_t q = 0; q < n; q++) mean[q] += (double)traj[i * n + q] - (double)center[q];
    for (size_t q = 0; q < n; q++) mean[q] /= (double)k;
    /* G[i][j] = (M_i - mean) . (M_j - mean), accumulated in double */
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++) {
            const float *a = traj + i * n, *b = traj + j * n;
            double s = 0;
            for (size_t q = 0; q < n; q++) {
                double x = (double)a[q] - (double)center[q] - mean[q];
                double y = (double)b[q] - (double)center[q] - mean[q];
                s += x * y;
            }
            G[i * k + j] = G[j * k + i] = s;
        }
    if ((st = eo_eigen_sym(k, G, w, V, NULL, err))) goto done;
    /* ascending: the two largest are w[k-1], w[k-2] */
    double total = 0;
    for (size_t i = 0; i < k; i++) total += w[i] > 0 ? w[i] : 0;
    double l1 = w[k - 1], l2 = w[k - 2];
    if (!(l2 > 1e-12 * (l1 > 0 ? l1 : 1)) || !(total > 0)) {
        st = eo_error_set(err, EO_ERR_INVALID,
                          "the trajectory spans fewer than two directions (give at least 3 distinct snapshots)");
        goto done;
    }
    for (int c = 0; c < 2; c++) {
        size_t col = k - 1 - (size_t)c;
        double lam = w[col], inv = 1.0 / sqrt(lam);
        double *uc = u + (size_t)c * n;
        for (size_t q = 0; q < n; q++) uc[q] = 0;
        for (size_t i = 0; i < k; i++) {
            double v = V[i * k + col] * inv;
            const float *a = traj + i * n;
            for (size_t q = 0; q < n; q++) uc[q] += v * ((double)a[q] - (double)center[q] - mean[q]);
        }
        /* sign: the first snapshot at a coordinate <= 0 (the run heads to +d) */
        double c0 = 0;
        for (size_t q = 0; q < n; q++) c0 += ((double)traj[q] - (double)center[q]) * uc[q];
        if (c0 > 0)
            for (size_t q = 0; q < n; q++) uc[q] = -uc[q];
        if (ratio) ratio[c] = lam / total;
    }
    for (size_t q = 0; q < n; q++) {
        d1[q] = (float)u[q];
        d2[q] = (float)u[n + q];
    }
    if (coords)
        for (size_t i = 0; i < k; i++)
            for (int c = 0; c < 2; c++) {
                double s = 0;
                for (size_t q = 0; q < n; q++) s += ((double)traj[i * n + q] - (double)center[q]) * u[(size_t)c * n + q];
                coords[2 * i + (size_t)c] = s;
            }
done:
    free(mean);
    free(G);
    free(w);
    free(V);
    free(u);
    return st;
}
