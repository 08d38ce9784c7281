/* Non-dominated sorting (Deb, Pratap, Agarwal and Meyarivan 2002, "A fast and
 * elitist multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), sec.
 * III-A): for each point count how many points dominate it and list the
 * points it dominates; the points dominated by none form front 0; removing a
 * front decrements the counts of the points its members dominate, and those
 * reaching zero form the next front. O(m n^2) comparisons. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

/* 1 if a dominates b (minimization), 0 otherwise. */
static int dominates(const double *a, const double *b, size_t m)
{
    int strict = 0;
    for (size_t k = 0; k < m; k++) {
        if (a[k] > b[k]) return 0;
        if (a[k] < b[k]) strict = 1;
    }
    return strict;
}

int eo_tune_nondominated_sort(size_t n, size_t m, const double *f, int *rank)
{
    if (n == 0) return EO_OK;
    if (!f || !rank || m == 0) return EO_ERR_INVALID;
    size_t nn;
    if (!eo_size_mul(n, n, &nn)) return EO_ERR_RANGE;
    unsigned char *dom = calloc((nn + 7) / 8, 1); /* bit i*n+j: i dominates j */
    long *count = calloc(n, sizeof *count);
    size_t *front = malloc(n * sizeof *front);
    size_t *next = malloc(n * sizeof *next);
    if (!dom || !count || !front || !next) {
        free(dom);
        free(count);
        free(front);
        free(next);
        return EO_ERR_NOMEM;
    }
    unsigned char *valid = malloc(n);
    if (!valid) {
        free(dom);
        free(count);
        free(front);
        free(next);
        return EO_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        valid[i] = 1;
        for (size_t k = 0; k < m; k++)
            if (isnan(f[i * m + k])) valid[i] = 0;
        rank[i] = -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!valid[i]) continue;
        for (size_t j = i + 1; j < n; j++) {
            if (!valid[j]) continue;
            if (dominates(f + i * m, f + j * m, m)) {
                size_t b = i * n + j;
                dom[b / 8] |= (unsigned char)(1u << (b % 8));
                count[j]++;
            } else if (dominates(f + j * m, f + i * m, m)) {
                size_t b = j * n + i;
                dom[b / 8] |= (unsigned char)(1u << (b % 8));
                count[i]++;
            }
        }
    }
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (valid[i] && count[i] == 0) {
            front[nf++] = i;
            rank[i] = 0;
        }
    for (int r = 1; nf; r++) {
        size_t nn2 = 0;
        for (size_t a = 0; a < nf; a++) {
            size_t i = front[a];
            for (size_t j = 0; j < n; j++) {
                size_t b = i * n + j;
                if (dom[b / 8] & (1u << (b % 8))) {
                    if (--count[j] == 0) {
                        rank[j] = r;
                        next[nn2++] = j;
                    }
                }
            }
        }
        memcpy(front, next, nn2 * sizeof *front);
        nf = nn2;
    }
    free(valid);
    free(dom);
    free(count);
    free(front);
    free(next);
    return EO_OK;
}
