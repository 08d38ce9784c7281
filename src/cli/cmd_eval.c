/* edgeopt eval MODEL --data SPEC: loss and metrics of a saved model. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/parallel.h"
#include "edgeopt/train.h"

#define CMD "eval"

static const char *help =
    "usage: edgeopt eval MODEL.eom --data SPEC [--limit N] [--batch N] [--threads N] [--json]\n"
    "\n"
    "Evaluate a saved model on a data set, applying the feature scaling stored in\n"
    "the model. Classification: accuracy, macro precision/recall/F1 and the\n"
    "confusion matrix (rows = true class); regression: MSE, MAE, R^2.\n"
    "\n"
    "  --data SPEC    e.g. fashion-mnist:test, csv:test.csv:label=y\n"
    "  --limit N      first N rows only (default: all)\n"
    "  --batch N      rows per forward pass (default 256)\n"
    "  --threads N    threads for the matrix products (default 1)\n"
    "  --json         one JSON object: {\"accuracy\",\"loss\",\"n\",\"precision\",\"recall\",\n"
    "                 \"f1\",\"confusion\"} or {\"mse\",\"mae\",\"r2\",\"loss\",\"n\"}\n";

int eo_cmd_eval(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *data = NULL;
    long limit = 0, batch = 256, threads = 1;
    int json = 0;
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--limit", NULL, EO_CLI_LONG, &limit, 1, 2000000000L},
                                  {"--batch", NULL, EO_CLI_LONG, &batch, 1, 1L << 20},
                                  {"--threads", NULL, EO_CLI_LONG, &threads, 1, 256},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int st = eo_cli_parse(CMD, opts, argc, argv, &model_path, 1);
    if (st) return st;
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!data) return eo_cli_usage(CMD, "--data is required");

    eo_error e;
    eo_error_clear(&e);
    eo_model *m;
    eo_infer *cm; /* int8 and clustered model files (edgeopt/compress_model.h) */
    eo_scaler sc;
    eo_model_meta meta;
    eo_dataset ds;
    if ((st = eo_cc_load_any(CMD, model_path, data, limit, &m, &cm, &sc, &meta, &ds))) return st;
    eo_pool *pool = NULL;
    if (threads > 1 && eo_pool_create((int)threads, &pool) != EO_OK) pool = NULL;
    eo_loss_params lp = eo_loss_defaults(meta.loss);
    eo_eval_report r;
    int rc = EO_EXIT_OK;
    if (cm ? eo_infer_evaluate(cm, &ds, NULL, 0, eo_cc_scaler(&sc), &lp, (int)batch, &r, &e)
           : eo_train_check_data(m, &ds, lp.kind, data, &e) ||
                 eo_evaluate(m, &ds, NULL, 0, eo_cc_scaler(&sc), &lp, (int)batch,
                             eo_pool_parallel(pool), &r, &e)) {
        rc = eo_cli_fail_err(CMD, &e);
    } else if (json) {
        cJSON *j = cJSON_CreateObject();
        if (r.classification) {
            eo_cli_json_num(j, "accuracy", r.cls.accuracy);
            eo_cli_json_num(j, "loss", r.loss);
            cJSON_AddNumberToObject(j, "n", (double)r.n);
            eo_cli_json_num(j, "precision", r.cls.precision);
            eo_cli_json_num(j, "recall", r.cls.recall);
            eo_cli_json_num(j, "f1", r.cls.f1);
            cJSON *conf = cJSON_AddArrayToObject(j, "confusion");
            for (int a = 0; a < r.k; a++) {
                cJSON *row = cJSON_CreateArray();
                for (int b = 0; b < r.k; b++)
                    cJSON_AddItemToArray(row, cJSON_CreateNumber((double)r.confusion[(size_t)a * (size_t)r.k + (size_t)b]));
                cJSON_AddItemToArray(conf, row);
            }
        } else {
            eo_cli_json_num(j, "mse", r.mse);
            eo_cli_json_num(j, "mae", r.mae);
            eo_cli_json_num(j, "r2", r.r2);
            eo_cli_json_num(j, "loss", r.loss);
            cJSON_AddNumberToObject(j, "n", (double)r.n);
        }
        eo_cli_print_json(j);
    } else if (r.classification) {
        printf("%s on %s: n %lld, accuracy %.4f, loss %.4f, macro precision %.4f, recall %.4f, F1 %.4f\n",
               model_path, data, (long long)r.n, r.cls.accuracy, r.loss, r.cls.precision, r.cls.recall, r.cls.f1);
        printf("confusion (rows: true class, columns: predicted):\n");
        for (int a = 0; a < r.k; a++) {
            for (int b = 0; b < r.k; b++) printf(" %6lld", (long long)r.confusion[(size_t)a * (size_t)r.k + (size_t)b]);
            printf("\n");
        }
    } else {
        printf("%s on %s: n %lld, mse %.6g, mae %.6g, r2 %.6f\n", model_path, data, (long long)r.n, r.mse, r.mae,
               r.r2);
    }
    if (rc == EO_EXIT_OK) eo_eval_report_free(&r);
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
