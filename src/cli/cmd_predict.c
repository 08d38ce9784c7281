/* edgeopt predict MODEL --data SPEC -o predictions.csv */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/parallel.h"
#include "edgeopt/train.h"

#define CMD "predict"

static const char *help =
    "usage: edgeopt predict MODEL.eom --data SPEC -o PREDICTIONS.csv [--limit N] [--threads N] [--json]\n"
    "\n"
    "Predict every row of a data set with a saved model (its feature scaling\n"
    "applied) and write a CSV file, atomically:\n"
    "  classification:  row,predicted,prob_0,prob_1,...   (class probabilities)\n"
    "  regression:      row,predicted\n"
    "Rows are numbered from 0 in the data's order. Labels in the data, if any, are\n"
    "ignored (use 'edgeopt eval' for metrics).\n"
    "\n"
    "  --data SPEC    the rows to predict\n"
    "  -o FILE        output CSV (required)\n"
    "  --limit N      first N rows only (default: all)\n"
    "  --threads N    threads for the matrix products (default 1)\n"
    "  --json         print {\"rows\":..,\"output\":..,\"classes\":..} when done\n";

static void put(eo_io_writer *w, const char *s) { eo_io_put_bytes(w, s, strlen(s)); }

int eo_cmd_predict(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *data = NULL, *out = NULL;
    long limit = 0, threads = 1;
    int json = 0;
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--limit", NULL, EO_CLI_LONG, &limit, 1, 2000000000L},
                                  {"--threads", NULL, EO_CLI_LONG, &threads, 1, 256},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int st = eo_cli_parse(CMD, opts, argc, argv, &model_path, 1);
    if (st) return st;
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!data) return eo_cli_usage(CMD, "--data is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");

    eo_error e;
    eo_error_clear(&e);
    eo_model *m;
    eo_infer *cm; /* int8 and clustered model files (edgeopt/compress_model.h) */
    eo_scaler sc;
    eo_model_meta meta;
    eo_dataset ds;
    if ((st = eo_cc_load_any(CMD, model_path, data, limit, &m, &cm, &sc, &meta, &ds))) return st;
    int rc = EO_EXIT_OK;
    int k = (int)(cm ? eo_infer_out_numel(cm) : eo_model_out_numel(m));
    int cls = meta.task == EO_MODEL_TASK_CLASSIFICATION;
    int ncols = cls ? (k == 1 ? 2 : k) : k;
    eo_pool *pool = NULL;
    if (threads > 1 && eo_pool_create((int)threads, &pool) != EO_OK) pool = NULL;
    const size_t chunk = 1024;
    float *o = malloc(chunk * (size_t)k * sizeof *o);
    int32_t *pred = malloc(chunk * sizeof *pred);
    eo_io_writer w;
    eo_io_writer_init(&w);
    if (!o || !pred) {
        rc = eo_cli_fail(CMD, "out of memory");
        goto done;
    }
    int64_t in_numel = cm ? eo_infer_in_numel(cm) : eo_model_in_numel(m);
    if ((int64_t)ds.cols != in_numel) {
        rc = eo_cli_fail(CMD, "%s: the model takes %lld features but the data has %zu", data, (long long)in_numel,
                         ds.cols);
        goto done;
    }
    put(&w, "row,predicted");
    char b[64];
    for (int j = 0; cls && j < ncols; j++) {
        snprintf(b, sizeof b, ",prob_%d", j);
        put(&w, b);
    }
    put(&w, "\n");
    for (size_t r0 = 0; r0 < ds.rows; r0 += chunk) {
        size_t n = ds.rows - r0 < chunk ? ds.rows - r0 : chunk;
        if (cm ? eo_infer_predict(cm, &ds, r0, n, eo_cc_scaler(&sc), meta.loss, 256, o, pred, &e)
               : eo_predict(m, &ds, r0, n, eo_cc_scaler(&sc), meta.loss, 256,
                            eo_pool_parallel(pool), o, pred, &e)) {
            rc = eo_cli_fail_err(CMD, &e);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            const float *oi = o + i * (size_t)k;
            if (cls) {
                snprintf(b, sizeof b, "%zu,%d", r0 + i, (int)pred[i]);
                put(&w, b);
                for (int j = 0; j < ncols; j++) {
                    double pj = k == 1 ? (j ? oi[0] : 1.0 - oi[0]) : oi[j];
                    snprintf(b, sizeof b, ",%.6g", pj);
                    put(&w, b);
                }
            } else {
                snprintf(b, sizeof b, "%zu,%.9g", r0 + i, oi[0]);
                put(&w, b);
                for (int j = 1; j < k; j++) {
                    snprintf(b, sizeof b, ",%.9g", oi[j]);
                    put(&w, b);
                }
            }
            put(&w, "\n");
        }
    }
    unsigned char *buf;
    size_t len;
    if (eo_io_writer_finish(&w, &buf, &len)) {
        rc = eo_cli_fail(CMD, "out of memory");
        goto done;
    }
    eo_io_piece piece = {buf, len};
    st = eo_io_write_atomic(out, &piece, 1, &e);
    free(buf);
    if (st) {
        rc = eo_cli_fail_err(CMD, &e);
        goto done;
    }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "rows", (double)ds.rows);
        cJSON_AddStringToObject(j, "output", out);
        cJSON_AddNumberToObject(j, "classes", cls ? ncols : 0);
        eo_cli_print_json(j);
    } else {
        printf("wrote %zu predictions to %s\n", ds.rows, out);
    }
done:
    eo_io_writer_free(&w);
    free(o);
    free(pred);
    if (pool) {
        if (m) eo_model_set_parallel(m, NULL);
        eo_pool_destroy(pool);
    }
    eo_dataset_free(&ds);
    eo_scaler_free(&sc);
    eo_infer_destroy(cm);
    eo_model_destroy(m);
    return rc;
}
