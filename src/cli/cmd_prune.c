/* edgeopt prune MODEL --sparsity S --data SPEC -o OUT: magnitude pruning
 * (unstructured per layer or global, one-shot or gradual) or structured
 * pruning (a smaller dense model), with fine-tuning (edgeopt/compress_model.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"

#define CMD "prune"

static const char *help_head =
    "usage: edgeopt prune MODEL.eom --sparsity S --data SPEC -o OUT.eom [options]\n"
    "\n"
    "Magnitude pruning with fine-tuning on --data (scaled with the model's scaler).\n"
    "Unstructured: the smallest weights of every dense/conv layer (or, with\n"
    "--global, of all of them together) become exact zeros; during fine-tuning the\n"
    "mask is re-applied after every optimizer step. Gradual (Zhu & Gupta 2017): the\n"
    "sparsity rises on the cubic schedule over --steps pruning steps spread over the\n"
    "first 3/4 of the fine-tuning. Structured: whole neurons / filters (smallest L2\n"
    "norm) are removed and the model physically shrinks (the next layer's inputs,\n"
    "batch norm and depthwise channels follow); S is the fraction of units removed\n"
    "from every hidden layer. The output is an ordinary float model file; a\n"
    "per-layer sparsity report is printed.\n"
    "\n"
    "  --sparsity S         target fraction in [0, 1) (default 0.9)\n"
    "  --structured         remove whole neurons / filters\n"
    "  --global             one magnitude threshold over all layers (unstructured)\n"
    "  --schedule K         oneshot | gradual (default oneshot)\n"
    "  --steps K            gradual pruning steps (default 10)\n"
    "  --data SPEC          fine-tuning data (e.g. fashion-mnist)\n"
    "  --finetune-epochs N  epochs of fine-tuning (default 2; 0 = none, not with gradual)\n"
    "  -o, --output FILE    the pruned model (.eom)\n"
    "  --json               one JSON object {output, bytes, params_before, params_after,\n"
    "                       sparsity, layers[{layer, kind, units_before, units, weights,\n"
    "                       zeros, sparsity}], seconds}\n";

int eo_cmd_prune(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help_head, stdout);
        fputs(eo_cc_train_help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *data = NULL, *out = NULL, *schedule = "oneshot";
    double sparsity = 0.9;
    long steps = 10;
    int structured = 0, global = 0, json = 0, st = 0;
    eo_cc_train tr;
    eo_cc_train_init(&tr, 2, "adam:lr=0.0005");
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--schedule", NULL, EO_CLI_STR, &schedule, 0, 0},
                                  {"--sparsity", NULL, EO_CLI_DOUBLE, &sparsity, 0.0, 0.999999},
                                  {"--steps", NULL, EO_CLI_LONG, &steps, 1, 100000},
                                  {"--structured", NULL, EO_CLI_FLAG, &structured, 1, 0},
                                  {"--global", NULL, EO_CLI_FLAG, &global, 1, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    for (int i = 1; i < argc; i++) {
        if (!eo_cc_train_opt(CMD, "--finetune-epochs", argc, argv, &i, &tr, &st) &&
            !eo_cli_take(CMD, opts, argc, argv, &i, &st))
            st = eo_cli_positional(CMD, argv[i], &model_path, 1);
        if (st) return st;
    }
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");
    int gradual = !strcmp(schedule, "gradual");
    if (!gradual && strcmp(schedule, "oneshot"))
        return eo_cli_usage(CMD, "--schedule: expected oneshot or gradual, got '%s'", schedule);
    if (structured && (global || gradual))
        return eo_cli_usage(CMD, "--structured removes whole units once; it takes neither --global nor --schedule gradual");
    if (gradual && tr.epochs < 1) return eo_cli_usage(CMD, "--schedule gradual needs --finetune-epochs >= 1");
    if (tr.epochs > 0 && !data) return eo_cli_usage(CMD, "--data is required for fine-tuning (or --finetune-epochs 0)");
    eo_train_params p;
    int rc = eo_cc_train_params(CMD, &tr, &p);
    if (rc) return rc;

    eo_model *m = NULL, *pm = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    if ((rc = eo_cc_load_float(CMD, model_path, &m, &sc, &meta))) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    uint8_t *keep = NULL;
    eo_layer_sparsity before[64], after[64];
    int nb = 0, na = 0;
    rc = EO_EXIT_FAIL;
    eo_model_sparsity(m, before, 64, &nb);
    double t0 = eo_cli_now();
    if (structured) {
        if (eo_model_prune_structured(m, sparsity, &pm, &e)) goto fail;
    } else {
        if (eo_model_copy(m, &pm, &e)) goto fail;
        keep = malloc(eo_model_nparams(pm) ? eo_model_nparams(pm) : 1);
        if (!keep) {
            eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if (!gradual) {
            if (eo_model_prune_mask(pm, sparsity, global, keep, &e)) goto fail;
            eo_model_apply_keep(pm, keep);
        }
    }
    if (tr.epochs > 0) {
        if (eo_data_load(data, (size_t)tr.limit, &ds, &e)) goto fail;
        if (eo_train_check_data(pm, &ds, meta.loss, data, &e)) goto fail;
        p.loss = eo_loss_defaults(meta.loss);
        p.data_name = data;
        if (structured) {
            eo_trainer *t = NULL;
            int s2 = eo_trainer_create(pm, &p, &t, &e);
            if (!s2) s2 = eo_trainer_fit(t, &ds, NULL, 0, NULL, NULL, 0, eo_cc_scaler(&sc), &e);
            eo_trainer_destroy(t);
            if (s2) goto fail;
        } else {
            eo_prune_fit_params pp = {sparsity, global, gradual ? (int)steps : 0};
            if (eo_prune_finetune(pm, gradual ? NULL : keep, &pp, &p, &ds, NULL, 0, eo_cc_scaler(&sc), &e)) goto fail;
        }
    }
    double secs = eo_cli_now() - t0;
    const char *method = structured ? "structured" : gradual ? "gradual" : global ? "global" : "unstructured";
    double sp_all = eo_model_weight_sparsity(pm);
    if (eo_compressed_float_save(out, pm, eo_cc_scaler(&sc), &meta, method, sp_all, model_path, &e)) goto fail;
    eo_model_sparsity(pm, after, 64, &na);
    size_t bytes = eo_cc_file_size(out);
    cJSON *j = json ? cJSON_CreateObject() : NULL, *ls = NULL;
    if (j) {
        cJSON_AddStringToObject(j, "output", out);
        cJSON_AddStringToObject(j, "method", method);
        cJSON_AddNumberToObject(j, "bytes", (double)bytes);
        cJSON_AddNumberToObject(j, "params_before", (double)eo_model_nparams(m));
        cJSON_AddNumberToObject(j, "params_after", (double)eo_model_nparams(pm));
        eo_cli_json_num(j, "sparsity", sp_all);
        cJSON_AddNumberToObject(j, "finetune_epochs", (double)tr.epochs);
        eo_cli_json_num(j, "seconds", secs);
        ls = cJSON_AddArrayToObject(j, "layers");
    } else {
        printf("%-5s %-9s %12s %10s %10s %9s\n", "layer", "kind", "units", "weights", "zeros", "sparsity");
    }
    for (int i = 0; i < na; i++) {
        const eo_layer_sparsity *a = &after[i];
        int ub = i < nb ? before[i].units : a->units;
        double s = a->weights ? (double)a->zeros / (double)a->weights : 0.0;
        if (j) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "layer", a->layer);
            cJSON_AddStringToObject(o, "kind", eo_layer_kind_name(a->kind));
            cJSON_AddNumberToObject(o, "units_before", ub);
            cJSON_AddNumberToObject(o, "units", a->units);
            cJSON_AddNumberToObject(o, "weights", (double)a->weights);
            cJSON_AddNumberToObject(o, "zeros", (double)a->zeros);
            eo_cli_json_num(o, "sparsity", s);
            cJSON_AddItemToArray(ls, o);
        } else {
            char u[32];
            snprintf(u, sizeof u, "%d->%d", ub, a->units);
            printf("%-5d %-9s %12s %10zu %10zu %8.2f%%\n", a->layer, eo_layer_kind_name(a->kind), u, a->weights,
                   a->zeros, 100.0 * s);
        }
    }
    if (j) {
        eo_cli_print_json(j);
    } else {
        printf("saved %s: %s pruning, %zu -> %zu parameters, weight sparsity %.2f%%, %zu bytes, %.1f s\n", out, method,
               eo_model_nparams(m), eo_model_nparams(pm), 100.0 * sp_all, bytes, secs);
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = e.code == EO_ERR_INTERRUPTED ? (eo_cli_fail_err(CMD, &e), 130) : eo_cli_fail_err(CMD, &e);
done:
    free(keep);
    eo_dataset_free(&ds);
    eo_scaler_free(&sc);
    eo_model_destroy(pm);
    eo_model_destroy(m);
    return rc;
}
