/* edgeopt distill --teacher T.eom --model SPEC --data SPEC -o S.eom: train a
 * student with knowledge distillation (Hinton et al. 2015) through the
 * trainer's loss hook (edgeopt/compress_model.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/io.h"

#define CMD "distill"

static const char *help_head =
    "usage: edgeopt distill --teacher T.eom --model SPEC --data SPEC -o S.eom [options]\n"
    "\n"
    "Train a student model from a teacher's soft targets: the loss is\n"
    "  alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T))\n"
    "  + (1 - alpha) * cross-entropy(student, labels)\n"
    "with the teacher's logits computed per batch in eval mode (Hinton et al. 2015).\n"
    "The student uses the teacher's feature scaling and is saved with it.\n"
    "\n"
    "  --teacher FILE       the teacher (a float model ending in logits)\n"
    "  --model SPEC         the student: mlp:32, softmax, or @FILE with a description\n"
    "  --temperature T      softening temperature (default 4)\n"
    "  --alpha A            weight of the soft term in [0, 1] (default 0.7)\n"
    "  --mixup A            transfer set: each step also trains on mixtures of the\n"
    "                       batch's images (weights ~ Beta(A, A)) with the teacher's\n"
    "                       soft targets only, weighted by alpha (default 0 = off)\n"
    "  --mixup-labels       control: the mixtures get the mixed labels with weight 1\n"
    "                       instead (ordinary mixup; with --alpha 0: the student\n"
    "                       alone trained with the same mixtures)\n"
    "  --data SPEC          training data with labels (e.g. fashion-mnist)\n"
    "  --epochs N           (default 10)\n"
    "  --schedule SPEC      learning-rate schedule, as in train (e.g. cosine:T=30;\n"
    "                       default constant)\n"
    "  --schedule-unit U    epoch | step: what the schedule counts (default epoch)\n"
    "  --val-split F        hold out a stratified fraction for validation (default 0)\n"
    "  -o, --output FILE    the student (.eom)\n"
    "  --json               one JSON object {output, params, teacher_params, epochs,\n"
    "                       temperature, alpha, mixup, train_loss, train_accuracy,\n"
    "                       val_accuracy, seconds}\n";

int eo_cmd_distill(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help_head, stdout);
        fputs(eo_cc_train_help, stdout);
        return EO_EXIT_OK;
    }
    const char *teacher_path = NULL, *spec = NULL, *data = NULL, *out = NULL, *sched = NULL;
    const char *sched_unit = "epoch";
    double T = 4.0, alpha = 0.7, val_split = 0, mixup = 0;
    int json = 0, st = 0, mixup_labels = 0;
    eo_cc_train tr;
    eo_cc_train_init(&tr, 10, "adam");
    const eo_cli_optdef opts[] = {{"--teacher", NULL, EO_CLI_STR, &teacher_path, 0, 0},
                                  {"--model", NULL, EO_CLI_STR, &spec, 0, 0},
                                  {"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &out, 0, 0},
                                  {"--temperature", NULL, EO_CLI_DOUBLE, &T, 1e-3, 1e3},
                                  {"--alpha", NULL, EO_CLI_DOUBLE, &alpha, 0.0, 1.0},
                                  {"--mixup", NULL, EO_CLI_DOUBLE, &mixup, 0.0, 1e3},
                                  {"--schedule", NULL, EO_CLI_STR, &sched, 0, 0},
                                  {"--schedule-unit", NULL, EO_CLI_STR, &sched_unit, 0, 0},
                                  {"--val-split", NULL, EO_CLI_DOUBLE, &val_split, 0.0, 0.99},
                                  {"--mixup-labels", NULL, EO_CLI_FLAG, &mixup_labels, 1, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    for (int i = 1; i < argc; i++) {
        if (!eo_cc_train_opt(CMD, "--epochs", argc, argv, &i, &tr, &st) &&
            !eo_cli_take(CMD, opts, argc, argv, &i, &st))
            st = eo_cli_positional(CMD, argv[i], NULL, 0);
        if (st) return st;
    }
    if (!teacher_path) return eo_cli_usage(CMD, "--teacher is required");
    if (!spec) return eo_cli_usage(CMD, "--model is required");
    if (!data) return eo_cli_usage(CMD, "--data is required");
    if (!out) return eo_cli_usage(CMD, "-o is required");
    if (tr.epochs < 1) return eo_cli_usage(CMD, "--epochs must be >= 1");
    eo_train_params p;
    int rc = eo_cc_train_params(CMD, &tr, &p);
    if (rc) return rc;
    if (strcmp(sched_unit, "epoch") && strcmp(sched_unit, "step"))
        return eo_cli_usage(CMD, "--schedule-unit: expected epoch or step, got '%s'", sched_unit);
    if (sched) {
        eo_error se;
        eo_error_clear(&se);
        if (eo_schedule_parse(sched, &p.schedule, &se)) return eo_cli_usage(CMD, "--schedule: %s", se.msg);
    }
    p.schedule_per_step = !strcmp(sched_unit, "step");
    eo_model *teacher = NULL, *s = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    if ((rc = eo_cc_load_float(CMD, teacher_path, &teacher, &sc, &meta))) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    uint32_t *trn = NULL, *va = NULL;
    size_t ntr = 0, nva = 0;
    rc = EO_EXIT_FAIL;
    if (eo_data_load(data, (size_t)tr.limit, &ds, &e)) goto fail;
    int64_t in_shape[3];
    eo_model_in_shape(teacher, in_shape);
    int nout = (int)eo_model_out_numel(teacher);
    if (spec[0] == '@') {
        unsigned char *text;
        size_t len;
        if (eo_io_read_file(spec + 1, 1 << 20, &text, &len, &e)) goto fail;
        int s2 = eo_model_from_description((const char *)text, spec + 1, in_shape, nout, NULL, &s, &e);
        free(text);
        if (s2) goto fail;
    } else if (eo_model_from_spec(spec, in_shape, nout, NULL, &s, &e)) {
        if (!e.where[0]) snprintf(e.where, sizeof e.where, "--model");
        goto fail;
    }
    eo_rng r;
    eo_rng_seed_stream(&r, (uint64_t)tr.seed, 0);
    eo_model_init_params(s, &r);
    if (eo_train_check_data(s, &ds, EO_LOSS_SOFTMAX_CE, data, &e)) goto fail;
    if (val_split > 0 && eo_data_split(&ds, val_split, p.seed, &trn, &ntr, &va, &nva, &e)) goto fail;
    p.loss = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    p.data_name = data;
    p.model_spec = spec;
    double t0 = eo_cli_now();
    eo_distill_params dp = eo_distill_defaults();
    dp.temperature = T;
    dp.alpha = alpha;
    dp.mixup = mixup;
    dp.mixup_labels = mixup_labels;
    if (eo_distill_fit_ex(s, teacher, &dp, &p, &ds, trn, trn ? ntr : 0, eo_cc_scaler(&sc), &e)) goto fail;
    double secs = eo_cli_now() - t0;
    eo_model_meta sm = meta;
    snprintf(sm.spec, sizeof sm.spec, "%s", spec);
    snprintf(sm.dataset, sizeof sm.dataset, "%s", data);
    sm.epochs = tr.epochs;
    sm.batch = tr.batch;
    sm.seed = tr.seed;
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_eval_report tr_rep, va_rep;
    memset(&va_rep, 0, sizeof va_rep);
    va_rep.cls.accuracy = NAN;
    if (eo_evaluate(s, &ds, trn, trn ? ntr : ds.rows, eo_cc_scaler(&sc), &lp, 256, NULL, &tr_rep, &e)) goto fail;
    if (nva && eo_evaluate(s, &ds, va, nva, eo_cc_scaler(&sc), &lp, 256, NULL, &va_rep, &e)) {
        eo_eval_report_free(&tr_rep);
        goto fail;
    }
    sm.train_loss = tr_rep.loss;
    sm.val_accuracy = va_rep.cls.accuracy;
    sm.val_loss = nva ? va_rep.loss : NAN;
    int sst = eo_compressed_float_save(out, s, eo_cc_scaler(&sc), &sm, "distill", eo_model_weight_sparsity(s),
                                       teacher_path, &e);
    if (!sst) {
        if (json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "output", out);
            cJSON_AddNumberToObject(j, "params", (double)eo_model_nparams(s));
            cJSON_AddNumberToObject(j, "teacher_params", (double)eo_model_nparams(teacher));
            cJSON_AddNumberToObject(j, "epochs", (double)tr.epochs);
            eo_cli_json_num(j, "temperature", T);
            eo_cli_json_num(j, "alpha", alpha);
            eo_cli_json_num(j, "mixup", mixup);
            eo_cli_json_num(j, "train_loss", tr_rep.loss);
            eo_cli_json_num(j, "train_accuracy", tr_rep.cls.accuracy);
            eo_cli_json_num(j, "val_accuracy", va_rep.cls.accuracy);
            eo_cli_json_num(j, "seconds", secs);
            eo_cli_print_json(j);
        } else {
            printf("saved %s: student %zu parameters (teacher %zu), T %g, alpha %g, train accuracy %.4f", out,
                   eo_model_nparams(s), eo_model_nparams(teacher), T, alpha, tr_rep.cls.accuracy);
            if (nva) printf(", val accuracy %.4f", va_rep.cls.accuracy);
            printf(", %.1f s\n", secs);
        }
    }
    eo_eval_report_free(&tr_rep);
    eo_eval_report_free(&va_rep);
    if (sst) goto fail;
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
    if (e.code == EO_ERR_INTERRUPTED) rc = 130;
done:
    free(trn);
    free(va);
    eo_dataset_free(&ds);
    eo_scaler_free(&sc);
    eo_model_destroy(s);
    eo_model_destroy(teacher);
    return rc;
}
