/* Host latency of exported C (built by bench/export_bench.sh together with a
 * float export "bf", an int8 export "bq" of the same model, and libedgeopt
 * for loading the data and for the library's own batch-1 inference).
 *   export_bench_harness FLOAT.eom INT8.eom DATA ROWS REPS
 * Times ROWS single-sample inferences REPS times and prints the median time
 * per inference of: bf_predict (float export), bq_predict_int8 (int8 export,
 * integer-only), bq_predict (int8 export through its float wrapper), and the
 * library at batch 1 (eo_model_forward, eo_qmodel_forward_q8), plus the
 * accuracy of each export on those rows. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bf.h"
#include "bq.h"
#include "edgeopt/data.h"
#include "edgeopt/kernels.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qkernels.h"
#include "edgeopt/qmodel.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int argmax(const float *v, int n)
{
    int b = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[b]) b = j;
    return b;
}

static int argmax8(const int8_t *v, int n)
{
    int b = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[b]) b = j;
    return b;
}

enum { F_EXPORT, Q_EXPORT, Q_WRAPPER, F_LIB, Q_LIB, NWAYS };
static const char *const names[NWAYS] = {"float export", "int8 export", "int8 export, float wrapper",
                                         "library float, batch 1", "library int8, batch 1"};

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: export_bench_harness FLOAT.eom INT8.eom DATA ROWS REPS\n");
        return 2;
    }
    size_t rows = (size_t)strtoul(argv[4], NULL, 10);
    int reps = atoi(argv[5]);
    eo_error e;
    eo_error_clear(&e);
    eo_dataset ds;
    eo_model *m = NULL;
    eo_qmodel *q = NULL;
    if (eo_data_load(argv[3], rows, &ds, &e) || eo_model_load(argv[1], &m, NULL, NULL, &e) ||
        eo_qmodel_load(argv[2], &q, NULL, NULL, &e) || eo_model_reserve(m, 1, &e) || eo_qmodel_reserve(q, 1, &e)) {
        char msg[1024];
        fprintf(stderr, "export_bench: %s\n", eo_error_format(&e, msg, sizeof msg));
        return 2;
    }
    rows = ds.rows;
    const size_t in = ds.cols;
    float *x = malloc(rows * in * sizeof *x);
    int8_t *xq = malloc(rows * in);
    uint32_t *idx = malloc(rows * sizeof *idx);
    int32_t *y = malloc(rows * sizeof *y);
    double *t[NWAYS];
    for (int w = 0; w < NWAYS; w++) t[w] = malloc((size_t)reps * sizeof(double));
    if (!x || !xq || !idx || !y) return 2;
    for (size_t i = 0; i < rows; i++) idx[i] = (uint32_t)i;
    eo_data_gather(&ds, NULL, idx, rows, x, y, NULL);
    eo_q8_quantize(rows * in, x, BQ_INPUT_SCALE, BQ_INPUT_ZERO_POINT, xq);
    size_t hits[NWAYS] = {0};
    float out[BF_OUTPUT_SIZE];
    int8_t outq[BQ_OUTPUT_SIZE];
    volatile float sink = 0.0f;
    for (int r = 0; r < reps; r++) {
        for (int w = 0; w < NWAYS; w++) {
            double t0 = now();
            for (size_t i = 0; i < rows; i++) {
                int c = 0;
                if (w == F_EXPORT) {
                    bf_predict(x + i * in, out);
                    c = argmax(out, BF_OUTPUT_SIZE);
                } else if (w == Q_EXPORT) {
                    bq_predict_int8(xq + i * in, outq);
                    c = argmax8(outq, BQ_OUTPUT_SIZE);
                } else if (w == Q_WRAPPER) {
                    bq_predict(x + i * in, out);
                    c = argmax(out, BQ_OUTPUT_SIZE);
                } else if (w == F_LIB) {
                    const float *o;
                    eo_model_forward(m, x + i * in, 1, 0, NULL, &o);
                    c = argmax(o, BF_OUTPUT_SIZE);
                } else {
                    eo_qmodel_forward_q8(q, xq + i * in, 1, outq);
                    c = argmax8(outq, BQ_OUTPUT_SIZE);
                }
                sink += (float)c;
                if (r == 0) hits[w] += c == y[i];
            }
            t[w][r] = (now() - t0) / (double)rows;
        }
    }
    (void)sink;
    printf("export_bench %s: %zu rows x %d repetitions, median per inference (sgemm %s, int8 kernels %s):\n",
           argv[1], rows, reps, eo_sgemm_path(), eo_q8_path_active());
    double med[NWAYS];
    for (int w = 0; w < NWAYS; w++) {
        qsort(t[w], (size_t)reps, sizeof(double), cmp_d);
        med[w] = t[w][reps / 2];
        printf("  %-28s %9.2f us   accuracy %.4f\n", names[w], 1e6 * med[w], (double)hits[w] / (double)rows);
    }
    printf("  ratio float export / int8 export = %.2fx\n", med[F_EXPORT] / med[Q_EXPORT]);
    for (int w = 0; w < NWAYS; w++) free(t[w]);
    free(x);
    free(xq);
    free(idx);
    free(y);
    eo_model_destroy(m);
    eo_qmodel_destroy(q);
    eo_dataset_free(&ds);
    return 0;
}
