/* Data loading speed: Fashion-MNIST train/test (read + gzip inflate + IDX
 * checks, u8 kept) and the CSV / libsvm parsers on generated text.
 * usage: data_load_bench [REPS]   (median of REPS runs, default 7) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/data.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 7;
    if (reps < 1 || reps > 101) reps = 7;
    double t[101];
    eo_error e;
    eo_dataset ds;
    const char *specs[2] = {"fashion-mnist", "fashion-mnist:test"};
    for (int s = 0; s < 2; s++) {
        if (eo_data_load(specs[s], 0, &ds, &e)) {
            printf("%s: skipped (%s)\n", specs[s], e.msg);
            continue;
        }
        eo_dataset_free(&ds);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            eo_data_load(specs[s], 0, &ds, &e);
            t[r] = now() - t0;
            eo_dataset_free(&ds);
        }
        printf("load %-20s median %.3f s (%d runs)\n", specs[s], median(t, reps), reps);
    }
    /* CSV: 100,000 rows x 20 features + label, about 14 MB of text. */
    size_t rows = 100000, cap = rows * 400, n = 0; /* < 20 x 13 + 4 bytes per row */
    char *csv = malloc(cap);
    eo_rng rng;
    eo_rng_seed(&rng, 1);
    n += (size_t)snprintf(csv + n, cap - n, "f0");
    for (int j = 1; j < 20; j++) n += (size_t)snprintf(csv + n, cap - n, ",f%d", j);
    n += (size_t)snprintf(csv + n, cap - n, ",label\n");
    for (size_t i = 0; i < rows; i++) {
        for (int j = 0; j < 20; j++) n += (size_t)snprintf(csv + n, cap - n, "%.5g,", eo_rng_normal(&rng));
        n += (size_t)snprintf(csv + n, cap - n, "%d\n", (int)(i % 10));
    }
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (eo_data_parse_csv_mem(csv, n, NULL, -1, NULL, "bench.csv", &ds, &e)) {
            printf("csv: %s\n", e.msg);
            return 1;
        }
        t[r] = now() - t0;
        eo_dataset_free(&ds);
    }
    double m = median(t, reps);
    printf("parse csv  %zu x 20 (%.1f MB)  median %.3f s = %.0f MB/s\n", rows, n / 1e6, m, n / 1e6 / m);
    /* libsvm: the same values, 5 nonzeros per row out of 1000 features. */
    n = 0;
    for (size_t i = 0; i < rows; i++) {
        n += (size_t)snprintf(csv + n, cap - n, "%d", (int)(i % 10));
        for (int k = 0; k < 5; k++)
            n += (size_t)snprintf(csv + n, cap - n, " %d:%.5g", 1 + k * 200 + (int)eo_rng_below(&rng, 200),
                                  eo_rng_normal(&rng));
        csv[n++] = '\n';
    }
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (eo_data_parse_libsvm_mem(csv, n, 1000, NULL, "bench.svm", &ds, &e)) {
            printf("libsvm: %s\n", e.msg);
            return 1;
        }
        t[r] = now() - t0;
        eo_dataset_free(&ds);
    }
    m = median(t, reps);
    printf("parse libsvm %zu rows, 5 of 1000 features (%.1f MB)  median %.3f s = %.0f MB/s\n", rows, n / 1e6, m,
           n / 1e6 / m);
    free(csv);
    return 0;
}
