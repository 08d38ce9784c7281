/* Lasso by coordinate descent on the problem written by bench/lasso_sklearn.py
 * (X 5,000 x 1,000 Gaussian, 50 true non-zeros, alpha 0.1, tol 1e-4): wall
 * time of eo_enet_fit on row-major X and on column-major X, and the largest
 * difference from scikit-learn's coefficients (same tol, same stopping rule).
 *
 *   lasso_bench DIR [REPS]
 *
 * Prints: lasso solver=edgeopt order=C|F ms=.. (median) epochs=.. nonzero=..
 *         max_abs_diff=.. intercept_diff=.. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/minimize.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *load(const char *dir, const char *name, size_t count)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lasso_bench: cannot open %s (run bench/lasso_sklearn.py %s first)\n", path, dir);
        return NULL;
    }
    double *v = malloc(count * sizeof *v);
    if (!v || fread(v, sizeof *v, count, f) != count) {
        fprintf(stderr, "lasso_bench: %s is short\n", path);
        free(v);
        v = NULL;
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lasso_bench DIR [REPS]\n");
        return 2;
    }
    const char *dir = argv[1];
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (reps < 1 || reps > 1000) reps = 7;
    char path[1024];
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *mf = fopen(path, "r");
    size_t n = 0, p = 0;
    double alpha = 0, tol = 0;
    if (!mf || fscanf(mf, "%zu %zu %lf %lf", &n, &p, &alpha, &tol) != 4) {
        fprintf(stderr, "lasso_bench: cannot read %s\n", path);
        return 1;
    }
    fclose(mf);
    double *X = load(dir, "X.f64", n * p), *y = load(dir, "y.f64", n), *ref = load(dir, "coef.f64", p),
           *b_ref = load(dir, "intercept.f64", 1);
    if (!X || !y || !ref || !b_ref) return 1;
    double *XF = malloc(n * p * sizeof *XF), *w = malloc(p * sizeof *w),
           *times = malloc((size_t)reps * sizeof *times);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) XF[j * n + i] = X[i * p + j];
    eo_enet_params ep = eo_enet_defaults();
    ep.alpha = alpha;
    ep.tol = tol;
    for (int order = 0; order < 2; order++) {
        eo_enet_info info;
        double b = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            if (order == 0) eo_enet_fit(&ep, n, p, X, p, 1, y, w, &b, &info, NULL);
            else eo_enet_fit(&ep, n, p, XF, 1, n, y, w, &b, &info, NULL);
            times[r] = now() - t0;
        }
        qsort(times, (size_t)reps, sizeof *times, cmp);
        double diff = 0;
        int nz = 0;
        for (size_t j = 0; j < p; j++) {
            diff = fmax(diff, fabs(w[j] - ref[j]));
            nz += w[j] != 0.0;
        }
        printf("lasso n=%zu p=%zu solver=edgeopt order=%s ms=%.3f epochs=%ld nonzero=%d "
               "max_abs_diff=%.3g intercept_diff=%.3g\n",
               n, p, order ? "F" : "C", 1e3 * times[reps / 2], info.epochs, nz, diff, fabs(b - b_ref[0]));
    }
    free(X);
    free(XF);
    free(y);
    free(ref);
    free(b_ref);
    free(w);
    free(times);
    return 0;
}
