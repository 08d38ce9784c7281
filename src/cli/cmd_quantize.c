/* edgeopt quantize MODEL --calib SPEC -o MODEL8: post-training int8
 * quantization of a float model (edgeopt/qmodel.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"

#define CMD "quantize"

static const char *help =
    "usage: edgeopt quantize MODEL.eom --calib SPEC -o MODEL8.eom [options]\n"
    "\n"
    "Post-training int8 quantization: batch norm is folded, weights become int8\n"
    "(symmetric, per tensor or per output channel), biases int32, activations int8\n"
    "with zero points calibrated on a sample of --calib rows (scaled with the\n"
    "model's stored scaler), ReLU/ReLU6 fused into the output clamps. The result\n"
    "runs integer-only; 'edgeopt eval', 'predict' and 'info' accept it.\n"
    "Layers without an int8 kernel (tanh, sigmoid, leaky_relu, a softmax before\n"
    "the last layer) are refused with the layer named.\n"
    "\n"
    "  --calib SPEC       calibration data, e.g. fashion-mnist (training rows)\n"
    "  --samples N        calibration rows, sampled uniformly (default 1000)\n"
    "  --per-channel      one weight scale per output channel (default: per tensor)\n"
    "  --method M         activation ranges: minmax | percentile | mse (default minmax)\n"
    "  --percentile P     for --method percentile (default 99.99)\n"
    "  --seed N           sampling seed (default 1)\n"
    "  -o, --output FILE  the int8 model (.eom), written atomically\n"
    "  --json             one JSON object {output, bytes, float_bytes, size_ratio,\n"
    "                     per_channel, method, samples, ops[{index, kind, layers,\n"
    "                     act, weight_sqnr_db, in_scale, out_scale, out_zero_point}]}\n";

int eo_cmd_quantize(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *calib = NULL, *out = NULL, *method = "minmax";
    long samples = 1000, seed = 1;
    double pct = 99.99;
    int per_channel = 0, json = 0, st = 0;
    const eo_cli_optdef opts[] = {{"--calib", NULL, EO_CLI_STR, &calib, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--method", NULL, EO_CLI_STR, &method, 0, 0},
                                  {"--samples", NULL, EO_CLI_LONG, &samples, 1, 10000000},
                                  {"--seed", NULL, EO_CLI_LONG, &seed, 0, 2147483647L},
                                  {"--percentile", NULL, EO_CLI_DOUBLE, &pct, 50.0, 100.0},
                                  {"--per-channel", NULL, EO_CLI_FLAG, &per_channel, 1, 0},
                                  {"--per-tensor", NULL, EO_CLI_FLAG, &per_channel, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    st = eo_cli_parse(CMD, opts, argc, argv, &model_path, 1);
    if (st) return st;
    if (!(pct > 50.0)) return eo_cli_usage(CMD, "--percentile: expected a value in (50, 100], got %g", pct);
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!calib) return eo_cli_usage(CMD, "--calib is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");
    eo_qmodel_params qp = eo_qmodel_defaults();
    qp.per_channel = per_channel;
    if (eo_calib_method_from_name(method, &qp.calib.method))
        return eo_cli_usage(CMD, "--method: expected minmax, percentile or mse, got '%s'", method);
    qp.calib.percentile = pct;

    eo_model *m = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    int rc = eo_cc_load_float(CMD, model_path, &m, &sc, &meta);
    if (rc) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_qmodel *q = NULL;
    eo_model *folded = NULL;
    float *x = NULL;
    rc = EO_EXIT_FAIL;
    /* Refuse unsupported layers before reading any data. */
    if (eo_qmodel_check(m, &e)) goto fail;
    if (eo_data_load(calib, 0, &ds, &e)) goto fail;
    if ((int64_t)ds.cols != eo_model_in_numel(m)) {
        eo_error_at(&e, EO_ERR_SHAPE, calib, 0, 0, -1, "the model takes %lld features but the data has %zu",
                    (long long)eo_model_in_numel(m), ds.cols);
        goto fail;
    }
    size_t n;
    x = eo_cc_sample(&ds, &sc, (size_t)samples, (uint64_t)seed, &n);
    if (!x) {
        eo_error_set(&e, EO_ERR_NOMEM, "out of memory for %ld calibration rows", samples);
        goto fail;
    }
    double t0 = eo_cli_now();
    if (eo_qmodel_quantize(m, x, n, &qp, NULL, &q, &e)) goto fail;
    double secs = eo_cli_now() - t0;
    if (eo_qmodel_save(out, q, eo_cc_scaler(&sc), &meta, &e)) goto fail;
    if (eo_model_fold_batchnorm(m, &folded, &e)) goto fail;
    size_t bytes = eo_cc_file_size(out), fbytes = eo_cc_file_size(model_path);
    cJSON *j = json ? cJSON_CreateObject() : NULL, *ops = NULL;
    if (j) {
        cJSON_AddStringToObject(j, "output", out);
        cJSON_AddNumberToObject(j, "bytes", (double)bytes);
        cJSON_AddNumberToObject(j, "float_bytes", (double)fbytes);
        eo_cli_json_num(j, "size_ratio", fbytes ? (double)bytes / (double)fbytes : NAN);
        cJSON_AddBoolToObject(j, "per_channel", per_channel);
        cJSON_AddStringToObject(j, "method", eo_calib_method_name(qp.calib.method));
        cJSON_AddNumberToObject(j, "samples", (double)n);
        eo_q8_qparam iq = eo_qmodel_input_qparam(q);
        eo_cli_json_num(j, "input_scale", iq.scale);
        cJSON_AddNumberToObject(j, "input_zero_point", iq.zero_point);
        cJSON_AddBoolToObject(j, "final_softmax", eo_qmodel_final_softmax(q));
        eo_cli_json_num(j, "seconds", secs);
        ops = cJSON_AddArrayToObject(j, "ops");
    } else {
        printf("%-3s %-9s %-7s %-6s %12s %11s %11s %5s\n", "#", "op", "layers", "act", "w_sqnr_dB", "in_scale",
               "out_scale", "zp");
    }
    for (int i = 0; i < eo_qmodel_nops(q); i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        double sq = NAN;
        if (eo_qop_is_compute(o.kind)) {
            size_t po;
            eo_model_layer(folded, o.first_layer, NULL, NULL, NULL, &po, NULL);
            eo_qerr qe;
            if (!eo_q8_weight_error(eo_model_params_const(folded) + po, o.out_ch, o.fan_in, per_channel, &qe))
                sq = qe.sqnr_db;
        }
        char layers[32];
        snprintf(layers, sizeof layers, "%d-%d", (int)o.first_layer, (int)o.last_layer);
        if (j) {
            cJSON *jo = cJSON_CreateObject();
            cJSON_AddNumberToObject(jo, "index", i);
            cJSON_AddStringToObject(jo, "kind", eo_qop_kind_name(o.kind));
            cJSON_AddStringToObject(jo, "layers", layers);
            cJSON_AddStringToObject(jo, "act", eo_q8_act_name(o.act));
            eo_cli_json_num(jo, "weight_sqnr_db", sq);
            eo_cli_json_num(jo, "in_scale", o.in_scale);
            eo_cli_json_num(jo, "out_scale", o.out_scale);
            cJSON_AddNumberToObject(jo, "out_zero_point", o.out_zp);
            cJSON_AddItemToArray(ops, jo);
        } else {
            printf("%-3d %-9s %-7s %-6s %12.2f %11.4g %11.4g %5d\n", i, eo_qop_kind_name(o.kind), layers,
                   eo_q8_act_name(o.act), sq, o.in_scale, o.out_scale, (int)o.out_zp);
        }
    }
    if (j) {
        eo_cli_print_json(j);
    } else {
        printf("saved %s: int8, %d ops, %zu bytes (float file %zu bytes, %.1f%%), %s calibration on %zu rows%s\n", out,
               eo_qmodel_nops(q), bytes, fbytes, fbytes ? 100.0 * (double)bytes / (double)fbytes : 0.0,
               eo_calib_method_name(qp.calib.method), n, per_channel ? ", per-channel weights" : "");
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
done:
    free(x);
    eo_model_destroy(folded);
    eo_qmodel_destroy(q);
    eo_dataset_free(&ds);
    eo_scaler_free(&sc);
    eo_model_destroy(m);
    return rc;
}
