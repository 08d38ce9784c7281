/* edgeopt cluster MODEL --clusters K -o OUT: k-means weight sharing of every
 * dense/conv layer, stored as codebooks and packed indices
 * (edgeopt/compress_model.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"

#define CMD "cluster"

static const char *help =
    "usage: edgeopt cluster MODEL.eom --clusters K -o OUT.eom [options]\n"
    "\n"
    "Weight sharing (Han et al. 2016): the weights of every dense/conv layer are\n"
    "replaced by K shared values found by 1-D k-means (batch norm folded first);\n"
    "the file stores a codebook and 4-bit (K <= 16) or 8-bit indices per layer and\n"
    "no float weights. Dense layers run from the indices directly (lookup kernel);\n"
    "'edgeopt eval', 'predict' and 'info' accept the file.\n"
    "\n"
    "  --clusters K       2..256 (default 16)\n"
    "  --init I           kmeans++ | linear (default kmeans++)\n"
    "  --iters N          Lloyd iterations (default 50)\n"
    "  --seed N           k-means++ seed (default 0)\n"
    "  -o, --output FILE  the clustered model (.eom)\n"
    "  --json             one JSON object {output, bytes, float_bytes, size_ratio,\n"
    "                     clusters, bits, layers[{layer, rows, cols, k, bits, sqnr_db}]}\n";

int eo_cmd_cluster(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *out = NULL, *init = "kmeans++";
    long k = 16, iters = 50, seed = 0;
    int json = 0, st = 0;
    const eo_cli_optdef opts[] = {{"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--init", NULL, EO_CLI_STR, &init, 0, 0},
                                  {"--clusters", NULL, EO_CLI_LONG, &k, 2, 256},
                                  {"--iters", NULL, EO_CLI_LONG, &iters, 0, 100000},
                                  {"--seed", NULL, EO_CLI_LONG, &seed, 0, 2147483647L},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    st = eo_cli_parse(CMD, opts, argc, argv, &model_path, 1);
    if (st) return st;
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");
    eo_cluster_params cp = eo_cluster_defaults();
    cp.k = (int)k;
    cp.max_iter = (int)iters;
    cp.seed = (uint64_t)seed;
    if (eo_cluster_init_from_name(init, &cp.init))
        return eo_cli_usage(CMD, "--init: expected kmeans++ or linear, got '%s'", init);
    eo_model *m = NULL, *folded = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    int rc = eo_cc_load_float(CMD, model_path, &m, &sc, &meta);
    if (rc) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_cmodel *c = NULL;
    rc = EO_EXIT_FAIL;
    double t0 = eo_cli_now();
    if (eo_cmodel_cluster(m, &cp, &c, &e)) goto fail;
    double secs = eo_cli_now() - t0;
    if (eo_cmodel_save(out, c, eo_cc_scaler(&sc), &meta, &e)) goto fail;
    if (eo_model_fold_batchnorm(m, &folded, &e)) goto fail;
    size_t bytes = eo_cc_file_size(out), fbytes = eo_cc_file_size(model_path);
    cJSON *j = json ? cJSON_CreateObject() : NULL, *ls = NULL;
    if (j) {
        cJSON_AddStringToObject(j, "output", out);
        cJSON_AddNumberToObject(j, "bytes", (double)bytes);
        cJSON_AddNumberToObject(j, "float_bytes", (double)fbytes);
        eo_cli_json_num(j, "size_ratio", fbytes ? (double)bytes / (double)fbytes : NAN);
        cJSON_AddNumberToObject(j, "clusters", (double)k);
        cJSON_AddNumberToObject(j, "bits", k <= 16 ? 4 : 8);
        cJSON_AddNumberToObject(j, "weight_bytes", (double)eo_cmodel_weight_bytes(c));
        eo_cli_json_num(j, "seconds", secs);
        ls = cJSON_AddArrayToObject(j, "layers");
    } else {
        printf("%-5s %6s %6s %5s %5s %10s\n", "layer", "rows", "cols", "k", "bits", "sqnr_dB");
    }
    const float *W = eo_model_params_const(folded), *C = eo_model_params_const(eo_cmodel_model(c));
    for (int i = 0; i < eo_cmodel_nclustered(c); i++) {
        eo_clayer L;
        eo_cmodel_clustered(c, i, &L);
        size_t po;
        eo_model_layer(folded, L.layer, NULL, NULL, NULL, &po, NULL);
        eo_qerr qe;
        double sq = eo_quant_error(W + po, C + po, (size_t)L.rows * (size_t)L.cols, &qe) ? NAN : qe.sqnr_db;
        if (j) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "layer", L.layer);
            cJSON_AddNumberToObject(o, "rows", L.rows);
            cJSON_AddNumberToObject(o, "cols", L.cols);
            cJSON_AddNumberToObject(o, "k", L.k);
            cJSON_AddNumberToObject(o, "bits", L.bits);
            eo_cli_json_num(o, "sqnr_db", sq);
            cJSON_AddItemToArray(ls, o);
        } else {
            printf("%-5d %6d %6d %5d %5d %10.2f\n", L.layer, L.rows, L.cols, L.k, L.bits, sq);
        }
    }
    if (j) {
        eo_cli_print_json(j);
    } else {
        printf("saved %s: %ld clusters (%d-bit indices), %zu bytes (float file %zu bytes, %.1f%%), %.1f s\n", out, k,
               k <= 16 ? 4 : 8, bytes, fbytes, fbytes ? 100.0 * (double)bytes / (double)fbytes : 0.0, secs);
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
done:
    eo_cmodel_destroy(c);
    eo_model_destroy(folded);
    eo_scaler_free(&sc);
    eo_model_destroy(m);
    return rc;
}
