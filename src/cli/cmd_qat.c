/* edgeopt qat MODEL --data SPEC -o MODEL8: quantization-aware fine-tuning
 * (fake quantization, straight-through estimator), then conversion to int8
 * (edgeopt/compress_model.h, edgeopt/qmodel.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"

#define CMD "qat"

static const char *help_head =
    "usage: edgeopt qat MODEL.eom --data SPEC -o MODEL8.eom [options]\n"
    "\n"
    "Quantization-aware training: fine-tune the float model with int8 fake\n"
    "quantization of its weights and activations in the forward pass (gradients\n"
    "pass straight through the rounding, and through activations inside their\n"
    "range), then convert it to an int8 model like 'edgeopt quantize' does.\n"
    "Activation ranges start from min/max calibration on --samples rows and follow\n"
    "an exponential moving average of the training batches. Recovers accuracy where\n"
    "post-training quantization loses it (per-tensor weights, outlier channels).\n"
    "\n"
    "  --data SPEC          training data with labels (e.g. fashion-mnist)\n"
    "  --epochs N           fine-tuning epochs (default 2)\n"
    "  --per-channel        one weight scale per output channel (default: per tensor)\n"
    "  --samples N          calibration rows for the initial ranges (default 1000)\n"
    "  --ema D              range moving-average decay in [0, 1), 0 freezes (default 0.99)\n"
    "  -o, --output FILE    the int8 model (.eom)\n"
    "  --json               one JSON object {output, bytes, epochs, per_channel,\n"
    "                       train_loss, train_accuracy, seconds}\n";

typedef struct last_epoch {
    double loss, acc;
} last_epoch;

typedef struct qat_view {
    last_epoch last;
} qat_view;

static int on_progress(const eo_train_progress *p, void *user)
{
    qat_view *v = user;
    if (p->event == EO_TRAIN_EPOCH && p->record) {
        v->last.loss = p->record->train_loss;
        v->last.acc = p->record->train_acc;
    }
    return eo_cc_progress(p, (void *)CMD);
}

int eo_cmd_qat(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help_head, stdout);
        fputs(eo_cc_train_help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *data = NULL, *out = NULL;
    long samples = 1000;
    double ema = 0.99;
    int per_channel = 0, json = 0, st = 0;
    eo_cc_train tr;
    eo_cc_train_init(&tr, 2, "adam:lr=0.0001");
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--samples", NULL, EO_CLI_LONG, &samples, 1, 10000000},
                                  {"--ema", NULL, EO_CLI_DOUBLE, &ema, 0.0, 0.999999},
                                  {"--per-channel", NULL, EO_CLI_FLAG, &per_channel, 1, 0},
                                  {"--per-tensor", NULL, EO_CLI_FLAG, &per_channel, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    for (int i = 1; i < argc; i++) {
        if (!eo_cc_train_opt(CMD, "--epochs", argc, argv, &i, &tr, &st) &&
            !eo_cli_take(CMD, opts, argc, argv, &i, &st))
            st = eo_cli_positional(CMD, argv[i], &model_path, 1);
        if (st) return st;
    }
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!data) return eo_cli_usage(CMD, "--data is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");
    if (tr.epochs < 1) return eo_cli_usage(CMD, "--epochs must be >= 1");
    eo_train_params p;
    int rc = eo_cc_train_params(CMD, &tr, &p);
    if (rc) return rc;
    qat_view view = {{NAN, NAN}};
    p.progress = on_progress;
    p.progress_user = &view;
    eo_model *m = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    if ((rc = eo_cc_load_float(CMD, model_path, &m, &sc, &meta))) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_qat *q = NULL;
    eo_qmodel *qm = NULL;
    float *x = NULL;
    rc = EO_EXIT_FAIL;
    if (eo_qmodel_check(m, &e)) goto fail;
    if (eo_data_load(data, (size_t)tr.limit, &ds, &e)) goto fail;
    if (eo_train_check_data(m, &ds, EO_LOSS_SOFTMAX_CE, data, &e)) goto fail;
    size_t n;
    x = eo_cc_sample(&ds, &sc, (size_t)samples, (uint64_t)tr.seed, &n);
    if (!x) {
        eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    eo_qat_params qp = eo_qat_defaults();
    qp.per_channel = per_channel;
    qp.ema = ema;
    double t0 = eo_cli_now();
    if (eo_qat_create(m, x, n, &qp, &q, &e)) goto fail;
    if (eo_qat_fit(q, &p, &ds, NULL, 0, eo_cc_scaler(&sc), &e)) goto fail;
    if (eo_qat_convert(q, EO_Q8_PATH_AUTO, &qm, &e)) goto fail;
    double secs = eo_cli_now() - t0;
    if (eo_qmodel_save(out, qm, eo_cc_scaler(&sc), &meta, &e)) goto fail;
    size_t bytes = eo_cc_file_size(out);
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "output", out);
        cJSON_AddNumberToObject(j, "bytes", (double)bytes);
        cJSON_AddNumberToObject(j, "epochs", (double)tr.epochs);
        cJSON_AddBoolToObject(j, "per_channel", per_channel);
        eo_cli_json_num(j, "train_loss", view.last.loss);
        eo_cli_json_num(j, "train_accuracy", view.last.acc);
        eo_cli_json_num(j, "seconds", secs);
        eo_cli_print_json(j);
    } else {
        printf("saved %s: int8 after %ld QAT epochs (%s weights), %zu bytes, last epoch train accuracy %.4f, %.1f s\n",
               out, tr.epochs, per_channel ? "per-channel" : "per-tensor", bytes, view.last.acc, secs);
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
    if (e.code == EO_ERR_INTERRUPTED) rc = 130;
done:
    free(x);
    eo_qmodel_destroy(qm);
    eo_qat_destroy(q);
    eo_dataset_free(&ds);
    eo_scaler_free(&sc);
    eo_model_destroy(m);
    return rc;
}
