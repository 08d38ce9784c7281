/* Host check of an exported model against the library's own inference, on
 * every row of a data set (the Fashion-MNIST test set in the test suite).
 * Built by test_export_host.sh together with the generated file and
 * libedgeopt:
 *   float export "hf" (-DHOST_FLOAT): hf_predict vs eo_model_forward, within
 *     1e-5 on the library's run-time SGEMM path (AVX2+FMA fuses multiply-adds)
 *     and bit-identical on its portable path; same class on every row.
 *   int8 export "hq" (-DHOST_INT8): hq_predict_int8 vs eo_qmodel_forward_q8
 *     bit-identical; the float wrapper hq_predict vs eo_qmodel_forward within
 *     1e-5 with the same class on every row.
 * Usage: host_check MODEL.eom DATA_SPEC. Prints one summary line; exit 0 when
 * everything agrees, 1 otherwise, 2 on a setup error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/kernels.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qkernels.h"
#include "edgeopt/qmodel.h"

#if defined(HOST_FLOAT)
#include "hf.h"
#elif defined(HOST_INT8)
#include "hq.h"
#else
#error "define HOST_FLOAT or HOST_INT8"
#endif

static int argmax(const float *v, size_t k)
{
    size_t b = 0;
    for (size_t j = 1; j < k; j++)
        if (v[j] > v[b]) b = j;
    return (int)b;
}

/* Max |a - b| and the rows whose argmax differ. */
static void compare(const float *a, const float *b, size_t n, size_t k, double *maxdiff, size_t *class_diff)
{
    *maxdiff = 0.0;
    *class_diff = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < k; j++) {
            double d = fabs((double)a[i * k + j] - (double)b[i * k + j]);
            if (!(d <= *maxdiff)) *maxdiff = d; /* NaN propagates */
        }
        *class_diff += argmax(a + i * k, k) != argmax(b + i * k, k);
    }
}

static size_t accuracy_hits(const float *o, const int32_t *y, size_t n, size_t k)
{
    size_t hits = 0;
    for (size_t i = 0; y && i < n; i++) hits += argmax(o + i * k, k) == y[i];
    return hits;
}

#if defined(HOST_FLOAT)
#define OUT_SIZE HF_OUTPUT_SIZE
#define IN_SIZE HF_INPUT_SIZE
#else
#define OUT_SIZE HQ_OUTPUT_SIZE
#define IN_SIZE HQ_INPUT_SIZE
#endif

#if defined(HOST_FLOAT)
/* The library's outputs for all rows, in batches of 500 (eval mode). */
static int library_float(eo_model *m, const float *x, size_t n, float *out)
{
    const size_t k = OUT_SIZE, batch = 500;
    for (size_t r0 = 0; r0 < n; r0 += batch) {
        int b = (int)(n - r0 < batch ? n - r0 : batch);
        const float *o;
        int rc = eo_model_forward(m, x + r0 * IN_SIZE, b, 0, NULL, &o);
        if (rc) return rc;
        memcpy(out + r0 * k, o, (size_t)b * k * sizeof *out);
    }
    return 0;
}

static int check(const char *model_path, const float *x, const int32_t *y, size_t n)
{
    eo_error e;
    char msg[1024];
    eo_model *m = NULL;
    eo_error_clear(&e);
    if (eo_model_load(model_path, &m, NULL, NULL, &e)) {
        fprintf(stderr, "host_check: %s\n", eo_error_format(&e, msg, sizeof msg));
        return 2;
    }
    const size_t k = OUT_SIZE;
    float *lib = malloc(n * k * sizeof *lib), *exp_ = malloc(n * k * sizeof *exp_);
    if (!lib || !exp_ || eo_model_reserve(m, 500, &e)) return 2;
    for (size_t i = 0; i < n; i++)
        if (hf_predict(x + i * IN_SIZE, exp_ + i * k) != 0) return 2;
    int fail = 0;
    double maxdiff;
    size_t cdiff;
    /* 1. The run-time path (AVX2+FMA on this CPU, or portable). */
    if (library_float(m, x, n, lib)) return 2;
    compare(exp_, lib, n, k, &maxdiff, &cdiff);
    printf("float %s: %zu rows, sgemm %s: max |export - library| = %.3g, class differs on %zu rows; "
           "accuracy %.4f\n",
           model_path, n, eo_sgemm_path(), maxdiff, cdiff, (double)accuracy_hits(exp_, y, n, k) / (double)n);
    fail |= !(maxdiff <= 1e-5) || cdiff != 0;
    /* 2. The portable SGEMM: the export follows its summation order, so the
     * bits must be the same. */
    if (eo_sgemm_select("portable") == EO_OK && library_float(m, x, n, lib) == 0) {
        size_t ndiff = 0;
        for (size_t i = 0; i < n * k; i++) ndiff += memcmp(&lib[i], &exp_[i], sizeof(float)) != 0;
        compare(exp_, lib, n, k, &maxdiff, &cdiff);
        printf("float %s: sgemm portable: %zu of %zu outputs differ in their bits (max diff %.3g)\n", model_path,
               ndiff, n * k, maxdiff);
        fail |= ndiff != 0;
    }
    free(lib);
    free(exp_);
    eo_model_destroy(m);
    return fail;
}
#else
static int check(const char *model_path, const float *x, const int32_t *y, size_t n)
{
    eo_error e;
    char msg[1024];
    eo_qmodel *q = NULL;
    eo_error_clear(&e);
    if (eo_qmodel_load(model_path, &q, NULL, NULL, &e)) {
        fprintf(stderr, "host_check: %s\n", eo_error_format(&e, msg, sizeof msg));
        return 2;
    }
    const size_t k = OUT_SIZE;
    const eo_q8_qparam qi = eo_qmodel_input_qparam(q);
    if (qi.scale != HQ_INPUT_SCALE || qi.zero_point != HQ_INPUT_ZERO_POINT) {
        fprintf(stderr, "host_check: the header's input quantization differs from the model's\n");
        return 1;
    }
    int8_t *xq = malloc(n * IN_SIZE), *lq = malloc(n * k), *eq = malloc(n * k);
    float *lib = malloc(n * k * sizeof *lib), *exp_ = malloc(n * k * sizeof *exp_);
    if (!xq || !lq || !eq || !lib || !exp_ || eo_qmodel_reserve(q, 500, &e)) return 2;
    if (eo_q8_quantize(n * IN_SIZE, x, qi.scale, qi.zero_point, xq)) return 2;
    for (size_t r0 = 0; r0 < n; r0 += 500) {
        int b = (int)(n - r0 < 500 ? n - r0 : 500);
        if (eo_qmodel_forward_q8(q, xq + r0 * IN_SIZE, b, lq + r0 * k)) return 2;
        if (eo_qmodel_forward(q, x + r0 * IN_SIZE, b, lib + r0 * k)) return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (hq_predict_int8(xq + i * IN_SIZE, eq + i * k) != 0) return 2;
        if (hq_predict(x + i * IN_SIZE, exp_ + i * k) != 0) return 2;
    }
    size_t qdiff = 0, qrows = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = 0;
        for (size_t j = 0; j < k; j++) d += eq[i * k + j] != lq[i * k + j];
        qdiff += d;
        qrows += d != 0;
    }
    double maxdiff;
    size_t cdiff;
    compare(exp_, lib, n, k, &maxdiff, &cdiff);
    printf("int8 %s: %zu rows: %zu int8 outputs differ (%zu rows); float wrapper: max |export - library| = "
           "%.3g, class differs on %zu rows; accuracy %.4f (kernels: %s)\n",
           model_path, n, qdiff, qrows, maxdiff, cdiff, (double)accuracy_hits(exp_, y, n, k) / (double)n,
           eo_q8_path_active());
    int fail = qdiff != 0 || !(maxdiff <= 1e-5) || cdiff != 0;
    free(xq);
    free(lq);
    free(eq);
    free(lib);
    free(exp_);
    eo_qmodel_destroy(q);
    return fail;
}
#endif

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: host_check MODEL.eom DATA_SPEC\n");
        return 2;
    }
    eo_error e;
    eo_error_clear(&e);
    char msg[1024];
    eo_dataset ds;
    if (eo_data_load(argv[2], 0, &ds, &e)) {
        fprintf(stderr, "host_check: %s\n", eo_error_format(&e, msg, sizeof msg));
        return 2;
    }
    if (ds.cols != IN_SIZE) {
        fprintf(stderr, "host_check: the data has %zu features, the export takes %d\n", ds.cols, IN_SIZE);
        return 2;
    }
    /* The model's input exactly as the library's predict builds it: bytes
     * times u8_scale, then the stored scaler (none for images by default). */
    eo_scaler sc;
    memset(&sc, 0, sizeof sc);
    {
        eo_mf_reader *r = NULL;
        if (eo_mf_reader_open(argv[1], 0, &r, &e) || eo_mf_get_scaler(r, &sc, &e)) {
            fprintf(stderr, "host_check: %s\n", eo_error_format(&e, msg, sizeof msg));
            return 2;
        }
        eo_mf_reader_destroy(r);
    }
    const size_t n = ds.rows;
    float *x = malloc(n * IN_SIZE * sizeof *x);
    uint32_t *idx = malloc(n * sizeof *idx);
    int32_t *y = ds.y ? malloc(n * sizeof *y) : NULL;
    if (!x || !idx || (ds.y && !y)) return 2;
    for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
    eo_data_gather(&ds, sc.kind == EO_SCALE_NONE ? NULL : &sc, idx, n, x, y, NULL);
    int rc = 0;
#if defined(HOST_FLOAT) && defined(HF_HAS_SCALE_INPUT)
    /* The exported feature scaling gives the library's bits. */
    {
        float *raw = malloc(n * IN_SIZE * sizeof *raw);
        if (!raw) return 2;
        eo_data_gather(&ds, NULL, idx, n, raw, NULL, NULL);
        size_t ndiff = 0;
        for (size_t i = 0; i < n; i++) hf_scale_input(raw + i * IN_SIZE);
        for (size_t i = 0; i < n * IN_SIZE; i++) ndiff += memcmp(&raw[i], &x[i], sizeof(float)) != 0;
        printf("float %s: hf_scale_input: %zu of %zu values differ from the library's scaling\n", argv[1], ndiff,
               n * IN_SIZE);
        rc |= ndiff != 0;
        free(raw);
    }
#endif
    rc |= check(argv[1], x, y, n);
    free(x);
    free(idx);
    free(y);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
    return rc;
}
