/* edgeopt train: fit a model on a data set and save it (.eom). A thin layer
 * over edgeopt/train.h: parse options, load data, build the model, fit the
 * scaler on the training rows, run the trainer, save model/history/plot. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/signals.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/model.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/optim.h"
#include "edgeopt/train.h"

#define CMD "train"

static const char *help =
    "usage: edgeopt train --data SPEC --model SPEC -o MODEL.eom [options]\n"
    "\n"
    "Train a model with mini-batch gradient methods and save it with its feature\n"
    "scaling and training metadata. A checkpoint is written atomically after every\n"
    "epoch; Ctrl-C stops after saving one, and --resume continues exactly where the\n"
    "run stopped (bit-identical to an uninterrupted run with the same seed).\n"
    "\n"
    "data and model:\n"
    "  --data SPEC          training data: fashion-mnist, csv:FILE[:label=COL], libsvm:FILE,\n"
    "                       npy:X.npy,y.npy, idx:IMAGES,LABELS, synthetic:moons[:n=..]\n"
    "  --limit N            use only the first N training rows (default: all)\n"
    "  --model SPEC         linear | logistic | softmax | mlp:256,128[:act=relu,dropout=P,bn=1]\n"
    "                       or @FILE with a model description (e.g. a CNN:\n"
    "                       conv 16 3x3 -> relu -> maxpool 2 -> dense 10)\n"
    "  --loss NAME          softmax_ce | bce | hinge | mse | mae | huber\n"
    "                       (default: softmax_ce with class labels, mse with targets)\n"
    "  --scale KIND         auto | standard | minmax | none (default auto: none for\n"
    "                       byte images, standard for other data); fitted on the\n"
    "                       training rows and stored in the model\n"
    "  --val-split F        hold out a stratified fraction F for validation (default 0)\n"
    "  --val-data SPEC      validation data instead of a split\n"
    "\n"
    "optimization:\n"
    "  --optimizer SPEC     e.g. 'adam:lr=0.001', 'sgd:lr=0.1,momentum=0.9' (default adam)\n"
    "  --batch N            mini-batch size (default 32)\n"
    "  --epochs N           (default 10)\n"
    "  --schedule SPEC      learning-rate schedule, e.g. step:step_size=2,gamma=0.5,\n"
    "                       cosine:T=10, onecycle:max_lr=0.01,total=2000, plateau\n"
    "                       (default constant)\n"
    "  --schedule-unit U    epoch | step: what the schedule counts (default epoch)\n"
    "  --clip-norm X        clip the gradient's L2 norm to X (default off)\n"
    "  --clip-value X       clamp every gradient entry to [-X, X] (default off)\n"
    "  --seed N             shuffling, initialization, dropout, split (default 1)\n"
    "  --threads N          threads for the matrix products (default 1)\n"
    "\n"
    "regularization:\n"
    "  --l1 X               L1 penalty X * sum|w| (coupled, in the loss)\n"
    "  --l1-prox            apply L1 by a proximal step after each update (exact zeros)\n"
    "  --l2 X               L2 penalty X/2 * sum w^2 (coupled, in the loss)\n"
    "  --elastic A[,R]      elastic net, alpha A and L1 ratio R (default 0.5)\n"
    "  --weight-decay X     the optimizer's weight decay (decoupled for adamw)\n"
    "  --dropout P          dropout after each hidden layer of an mlp spec\n"
    "  --max-norm C         rescale each unit's incoming weights to norm <= C\n"
    "  --early-stop N       stop after N epochs without improvement of the\n"
    "                       validation loss (training loss without validation)\n"
    "  --min-delta X        smallest improvement that counts (default 0)\n"
    "  --no-restore-best    with --early-stop: keep the last weights, not the best\n"
    "\n"
    "output:\n"
    "  -o, --output FILE    the model (.eom), written atomically\n"
    "  --checkpoint FILE    checkpoint path (default OUTPUT.ckpt; 'none' disables)\n"
    "  --checkpoint-every N also checkpoint every N batches (default: epoch ends)\n"
    "  --resume             continue from the checkpoint if it exists\n"
    "  --history FILE       per-epoch history, CSV (or JSON for *.json)\n"
    "  --plot FILE          learning curves, .png or .svg (needs cairo)\n"
    "  --json               print one JSON object {train_loss, val_loss, val_accuracy,\n"
    "                       epochs, best_epoch, seconds, params, ...}; progress goes\n"
    "                       to stderr\n";

typedef struct opts {
    const char *data, *val_data, *model, *loss, *scale, *optimizer, *schedule, *sched_unit;
    const char *output, *checkpoint, *history, *plot;
    long limit, batch, epochs, seed, threads, early_stop, ckpt_every;
    double val_split, clip_norm, clip_value, l1, l2, wd, dropout, max_norm, min_delta;
    double elastic[2];
    int have_wd, l1_prox, resume, json, no_restore;
} opts;

/* Progress display: a bar on a terminal, plain lines otherwise. */
typedef struct view {
    int tty, json;
    FILE *lines; /* epoch lines: stdout, or stderr with --json */
    double last_draw;
    int bar_drawn;
} view;

static void clear_bar(view *v)
{
    if (v->bar_drawn) {
        fputs("\r\033[K", stderr);
        v->bar_drawn = 0;
    }
}

static int on_progress(const eo_train_progress *p, void *user)
{
    view *v = user;
    if (p->event == EO_TRAIN_RESUMED) {
        if (p->epoch > p->epochs)
            fprintf(stderr, "the checkpoint holds a finished run: writing the model\n");
        else
            fprintf(stderr, "resuming at epoch %d, batch %zu\n", p->epoch, p->batch);
        return 0;
    }
    if (p->event == EO_TRAIN_BATCH) {
        double now = eo_cli_now();
        if (!v->tty || (now - v->last_draw < 0.1 && p->batch != p->batches)) return 0;
        v->last_draw = now;
        int w = 30, fill = p->batches ? (int)((double)w * (double)p->batch / (double)p->batches) : 0;
        char bar[32];
        for (int i = 0; i < w; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        bar[w] = '\0';
        fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %zu/%zu loss %.4f", p->epoch, p->epochs, bar, p->batch, p->batches,
                p->loss);
        fflush(stderr);
        v->bar_drawn = 1;
        return 0;
    }
    const eo_epoch_record *r = p->record;
    clear_bar(v);
    fprintf(v->lines, "epoch %d/%d: train_loss %.4f", r->epoch, p->epochs, r->train_loss);
    if (isfinite(r->train_acc)) fprintf(v->lines, " train_acc %.4f", r->train_acc);
    if (isfinite(r->val_loss)) fprintf(v->lines, " val_loss %.4f", r->val_loss);
    if (isfinite(r->val_acc)) fprintf(v->lines, " val_acc %.4f", r->val_acc);
    fprintf(v->lines, " lr %.3g (%.1f s)%s\n", r->lr, r->seconds, p->improved ? " *" : "");
    fflush(v->lines);
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->optimizer = "adam";
    o->batch = 32;
    o->epochs = 10;
    o->seed = 1;
    o->threads = 1;
    o->scale = "auto";
    o->sched_unit = "epoch";
    o->elastic[1] = 0.5;
    const char *elastic = NULL;
    double wd = NAN; /* NaN: not given (strict numbers refuse "nan") */
    const eo_cli_optdef defs[] = {
        {"--data", NULL, EO_CLI_STR, &o->data, 0, 0},
        {"--val-data", NULL, EO_CLI_STR, &o->val_data, 0, 0},
        {"--model", NULL, EO_CLI_STR, &o->model, 0, 0},
        {"--loss", NULL, EO_CLI_STR, &o->loss, 0, 0},
        {"--scale", NULL, EO_CLI_STR, &o->scale, 0, 0},
        {"--optimizer", NULL, EO_CLI_STR, &o->optimizer, 0, 0},
        {"--schedule", NULL, EO_CLI_STR, &o->schedule, 0, 0},
        {"--schedule-unit", NULL, EO_CLI_STR, &o->sched_unit, 0, 0},
        {"--output", "-o", EO_CLI_STR, &o->output, 0, 0},
        {"--checkpoint", NULL, EO_CLI_STR, &o->checkpoint, 0, 0},
        {"--history", NULL, EO_CLI_STR, &o->history, 0, 0},
        {"--plot", NULL, EO_CLI_STR, &o->plot, 0, 0},
        {"--elastic", NULL, EO_CLI_STR, &elastic, 0, 0},
        {"--limit", NULL, EO_CLI_LONG, &o->limit, 1, 2000000000L},
        {"--batch", NULL, EO_CLI_LONG, &o->batch, 1, 1L << 20},
        {"--epochs", NULL, EO_CLI_LONG, &o->epochs, 1, 1000000},
        {"--seed", NULL, EO_CLI_LONG, &o->seed, 0, 2147483647L},
        {"--threads", NULL, EO_CLI_LONG, &o->threads, 1, 256},
        {"--early-stop", NULL, EO_CLI_LONG, &o->early_stop, 1, 1000000},
        {"--checkpoint-every", NULL, EO_CLI_LONG, &o->ckpt_every, 1, 1L << 30},
        {"--val-split", NULL, EO_CLI_DOUBLE, &o->val_split, 0, 0.99},
        {"--clip-norm", NULL, EO_CLI_DOUBLE, &o->clip_norm, 0, 1e30},
        {"--clip-value", NULL, EO_CLI_DOUBLE, &o->clip_value, 0, 1e30},
        {"--l1", NULL, EO_CLI_DOUBLE, &o->l1, 0, 1e30},
        {"--l2", NULL, EO_CLI_DOUBLE, &o->l2, 0, 1e30},
        {"--weight-decay", NULL, EO_CLI_DOUBLE, &wd, 0, 1e30},
        {"--dropout", NULL, EO_CLI_DOUBLE, &o->dropout, 0, 0.99},
        {"--max-norm", NULL, EO_CLI_DOUBLE, &o->max_norm, 0, 1e30},
        {"--min-delta", NULL, EO_CLI_DOUBLE, &o->min_delta, 0, 1e30},
        {"--l1-prox", NULL, EO_CLI_FLAG, &o->l1_prox, 1, 0},
        {"--resume", NULL, EO_CLI_FLAG, &o->resume, 1, 0},
        {"--json", NULL, EO_CLI_FLAG, &o->json, 1, 0},
        {"--no-restore-best", NULL, EO_CLI_FLAG, &o->no_restore, 1, 0},
        EO_CLI_END};
    int perr = eo_cli_parse(CMD, defs, argc, argv, NULL, 0);
    if (perr) return perr;
    if (!isnan(wd)) {
        o->wd = wd;
        o->have_wd = 1;
    }
    if (elastic) {
        size_t n = 0;
        int st = eo_cli_double_list(CMD, "--elastic", elastic, o->elastic, 2, &n);
        if (!st && (o->elastic[0] < 0 || (n == 2 && (o->elastic[1] < 0 || o->elastic[1] > 1))))
            st = eo_cli_usage(CMD, "--elastic: expected ALPHA >= 0 and a ratio in [0, 1], got '%s'", elastic);
        if (st) return st;
        if (n == 1) o->elastic[1] = 0.5;
    }
    if (!o->data) return eo_cli_usage(CMD, "--data is required");
    if (!o->model) return eo_cli_usage(CMD, "--model is required");
    if (!o->output) return eo_cli_usage(CMD, "-o/--output is required");
    if (o->val_data && o->val_split > 0) return eo_cli_usage(CMD, "--val-split and --val-data exclude each other");
    if (strcmp(o->sched_unit, "epoch") && strcmp(o->sched_unit, "step"))
        return eo_cli_usage(CMD, "--schedule-unit: expected epoch or step, got '%s'", o->sched_unit);
    return 0;
}

/* The model spec with --dropout folded into an mlp spec. */
static int model_spec_with_dropout(const opts *o, char *buf, size_t cap)
{
    if (o->dropout <= 0) {
        snprintf(buf, cap, "%s", o->model);
        return 0;
    }
    if (strncmp(o->model, "mlp:", 4) != 0)
        return eo_cli_usage(CMD, "--dropout works with mlp specs; add dropout layers to '%s' instead", o->model);
    if (strstr(o->model, "dropout="))
        return eo_cli_usage(CMD, "--dropout given twice (the spec already sets dropout=)");
    const char *opts_colon = strchr(o->model + 4, ':');
    int n = snprintf(buf, cap, "%s%sdropout=%.17g", o->model, opts_colon ? "," : ":", o->dropout);
    if (n < 0 || (size_t)n >= cap) return eo_cli_usage(CMD, "--model: spec too long");
    return 0;
}

static int build_model(const opts *o, const eo_dataset *ds, int nout, eo_model **m, char *spec, size_t cap)
{
    eo_error e;
    eo_error_clear(&e);
    int st;
    if (o->model[0] == '@') {
        if (o->dropout > 0) return eo_cli_usage(CMD, "--dropout works with mlp specs; add dropout layers to %s", o->model + 1);
        unsigned char *text;
        size_t len;
        if (eo_io_read_file(o->model + 1, 1 << 20, &text, &len, &e)) return eo_cli_fail_err(CMD, &e);
        st = eo_model_from_description((const char *)text, o->model + 1, ds->shape, nout, NULL, m, &e);
        free(text);
        snprintf(spec, cap, "%s", o->model);
    } else {
        if ((st = model_spec_with_dropout(o, spec, cap))) return st;
        st = eo_model_from_spec(spec, ds->shape, nout, NULL, m, &e);
        if (st && !e.where[0]) snprintf(e.where, sizeof e.where, "--model");
    }
    if (st) return eo_cli_fail_err(CMD, &e);
    eo_rng r;
    eo_rng_seed_stream(&r, (uint64_t)o->seed, 0);
    eo_model_init_params(*m, &r);
    return 0;
}

static double record_of(const eo_epoch_record *h, size_t n, int epoch, int field)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].epoch == epoch) return field ? h[i].train_acc : h[i].train_loss;
    return NAN;
}

int eo_cmd_train(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_train_params p = eo_train_defaults();
    p.epochs = (int)o.epochs;
    p.batch = (int)o.batch;
    p.seed = (uint64_t)o.seed;
    p.threads = (int)o.threads;
    /* Specs first: a typo fails before any data is read. */
    if (eo_optim_parse(o.optimizer, &p.optim, &e)) return eo_cli_usage(CMD, "--optimizer: %s", e.msg);
    if (o.have_wd) {
        p.optim.weight_decay = o.wd;
        const char *why = eo_optim_check(&p.optim);
        if (why) return eo_cli_usage(CMD, "--weight-decay: %s", why);
    }
    if (o.schedule && eo_schedule_parse(o.schedule, &p.schedule, &e))
        return eo_cli_usage(CMD, "--schedule: %s", e.msg);
    p.schedule_per_step = !strcmp(o.sched_unit, "step");
    int scale_kind = -1;
    if (strcmp(o.scale, "auto") && (scale_kind = eo_scale_kind_from_name(o.scale)) < 0)
        return eo_cli_usage(CMD, "--scale: expected auto, standard, minmax or none, got '%s'", o.scale);
    int loss_kind = -1;
    if (o.loss && (loss_kind = eo_loss_kind_from_name(o.loss)) < 0)
        return eo_cli_usage(CMD, "--loss: unknown loss '%s'", o.loss);
    if (o.plot && eo_history_plot_check(o.plot, &e)) return eo_cli_fail_err(CMD, &e);
    p.clip_norm = o.clip_norm;
    p.clip_value = o.clip_value;
    p.penalty.l1 = o.l1;
    p.penalty.l2 = o.l2;
    p.penalty.elastic_alpha = o.elastic[0];
    p.penalty.elastic_l1_ratio = o.elastic[1];
    p.penalty.max_norm = o.max_norm;
    p.l1_proximal = o.l1_prox;
    p.early_stop = (int)o.early_stop;
    p.min_delta = o.min_delta;
    p.restore_best = !o.no_restore;
    p.checkpoint_every = (int)o.ckpt_every;
    p.resume = o.resume;
    char ckpath[1100];
    if (o.checkpoint && !strcmp(o.checkpoint, "none")) {
        if (o.resume) return eo_cli_usage(CMD, "--resume needs a checkpoint");
    } else {
        snprintf(ckpath, sizeof ckpath, "%s", o.checkpoint ? o.checkpoint : o.output);
        if (!o.checkpoint) strncat(ckpath, ".ckpt", sizeof ckpath - strlen(ckpath) - 1);
        p.checkpoint_path = ckpath;
    }

    eo_dataset ds, vds;
    memset(&vds, 0, sizeof vds);
    if (eo_data_load(o.data, (size_t)o.limit, &ds, &e)) return eo_cli_fail_err(CMD, &e);
    if (o.val_data && eo_data_load(o.val_data, 0, &vds, &e)) {
        eo_dataset_free(&ds);
        return eo_cli_fail_err(CMD, &e);
    }
    eo_model *m = NULL;
    eo_trainer *t = NULL;
    eo_scaler sc;
    memset(&sc, 0, sizeof sc);
    uint32_t *tr = NULL, *va = NULL;
    size_t ntr = ds.rows, nva = 0;
    char spec[1024];
    int classify = ds.y != NULL;
    if (loss_kind < 0) loss_kind = classify ? EO_LOSS_SOFTMAX_CE : EO_LOSS_MSE;
    p.loss = eo_loss_defaults((eo_loss_kind)loss_kind);
    int cls_loss = loss_kind == EO_LOSS_SOFTMAX_CE || loss_kind == EO_LOSS_BCE_LOGITS || loss_kind == EO_LOSS_HINGE;
    int ncls = ds.n_classes > vds.n_classes ? ds.n_classes : vds.n_classes;
    int nout = cls_loss ? (loss_kind == EO_LOSS_BCE_LOGITS ? 1 : (ncls < 2 ? 2 : ncls)) : 1;
    if ((rc = build_model(&o, &ds, nout, &m, spec, sizeof spec))) goto done;
    rc = EO_EXIT_FAIL;
    if (eo_train_check_data(m, &ds, p.loss.kind, o.data, &e)) goto fail;
    if (o.val_data && eo_train_check_data(m, &vds, p.loss.kind, o.val_data, &e)) goto fail;
    if (o.val_split > 0) {
        if (eo_data_split(&ds, o.val_split, p.seed, &tr, &ntr, &va, &nva, &e)) goto fail;
        if (nva == 0 || ntr == 0) {
            eo_error_set(&e, EO_ERR_INVALID, "--val-split %g leaves %zu training and %zu validation rows", o.val_split,
                         ntr, nva);
            goto fail;
        }
    }
    if (scale_kind < 0) scale_kind = ds.dtype == EO_DTYPE_U8 ? EO_SCALE_NONE : EO_SCALE_STANDARD;
    if (scale_kind != EO_SCALE_NONE && eo_scaler_fit(&sc, (eo_scale_kind)scale_kind, &ds, tr, ntr, &e)) goto fail;
    p.data_name = o.data;
    p.model_spec = spec;
    view v = {isatty(2), o.json, o.json ? stderr : stdout, 0, 0};
    p.progress = on_progress;
    p.progress_user = &v;
    p.stop_flag = eo_cli_stop_flag_install();
    if (eo_trainer_create(m, &p, &t, &e)) goto fail;
    double t0 = eo_cli_now();
    int st = eo_trainer_fit(t, &ds, tr, ntr, o.val_data ? &vds : (nva ? &ds : NULL), o.val_data ? NULL : va,
                            o.val_data ? vds.rows : nva, scale_kind == EO_SCALE_NONE ? NULL : &sc, &e);
    clear_bar(&v);
    size_t nh;
    const eo_epoch_record *h = eo_trainer_history(t, &nh);
    /* A history that cannot be written (disk full, read-only) is reported,
     * but only after the model is saved: the trained weights are not lost. */
    eo_error he;
    int hist_st = o.history && nh && st != EO_ERR_NUMERIC ? eo_history_write(o.history, h, nh, &he) : EO_OK;
    if (st == EO_ERR_INTERRUPTED) {
        if (p.checkpoint_path)
            eo_cli_fail(CMD, "interrupted: checkpoint saved to %s; continue with the same command and --resume",
                        p.checkpoint_path);
        else
            eo_cli_fail(CMD, "interrupted (no checkpoint: --checkpoint none)");
        rc = 130;
        goto done;
    }
    if (st) goto fail;

    /* Final model: metrics of the weights actually saved. */
    eo_model_meta meta;
    eo_trainer_fill_meta(t, &meta);
    int best = eo_trainer_best_epoch(t);
    int final_epoch = p.early_stop && p.restore_best && best ? best : (nh ? h[nh - 1].epoch : 0);
    meta.train_loss = record_of(h, nh, final_epoch, 0);
    double train_acc = record_of(h, nh, final_epoch, 1);
    eo_eval_report rep;
    memset(&rep, 0, sizeof rep);
    int have_val = o.val_data || nva;
    if (have_val) {
        if (eo_evaluate(m, o.val_data ? &vds : &ds, o.val_data ? NULL : va, o.val_data ? vds.rows : nva,
                        scale_kind == EO_SCALE_NONE ? NULL : &sc, &p.loss, 256, NULL, &rep, &e))
            goto fail;
        meta.val_loss = rep.loss;
        meta.val_accuracy = rep.classification ? rep.cls.accuracy : NAN;
    }
    if (eo_model_save(o.output, m, scale_kind == EO_SCALE_NONE ? NULL : &sc, &meta, &e)) {
        eo_eval_report_free(&rep);
        goto fail;
    }
    if (hist_st) {
        eo_eval_report_free(&rep);
        e = he;
        goto fail;
    }
    if (o.plot && eo_history_plot(o.plot, h, nh, o.data, &e)) {
        eo_eval_report_free(&rep);
        goto fail;
    }
    double seconds = 0;
    for (size_t i = 0; i < nh; i++) seconds += h[i].seconds;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        eo_cli_json_num(j, "train_loss", meta.train_loss);
        eo_cli_json_num(j, "train_accuracy", train_acc);
        eo_cli_json_num(j, "val_loss", have_val ? rep.loss : NAN);
        eo_cli_json_num(j, "val_accuracy", have_val && rep.classification ? rep.cls.accuracy : NAN);
        if (have_val && !rep.classification) {
            eo_cli_json_num(j, "val_mse", rep.mse);
            eo_cli_json_num(j, "val_r2", rep.r2);
        }
        cJSON_AddNumberToObject(j, "epochs", (double)nh);
        cJSON_AddNumberToObject(j, "best_epoch", best);
        cJSON_AddBoolToObject(j, "stopped_early", eo_trainer_stopped_early(t));
        cJSON_AddNumberToObject(j, "resumed_from", eo_trainer_resumed_from(t));
        eo_cli_json_num(j, "seconds", seconds);
        cJSON_AddNumberToObject(j, "params", (double)eo_model_nparams(m));
        cJSON_AddNumberToObject(j, "train_rows", (double)ntr);
        cJSON_AddStringToObject(j, "model", o.output);
        eo_cli_print_json(j);
    } else {
        printf("saved %s: %zu parameters, %zu epochs", o.output, eo_model_nparams(m), nh);
        if (eo_trainer_stopped_early(t)) printf(" (stopped early, best epoch %d)", best);
        if (have_val && rep.classification) printf(", val_accuracy %.4f", rep.cls.accuracy);
        if (have_val) printf(", val_loss %.4f", rep.loss);
        printf(", %.1f s\n", eo_cli_now() - t0);
    }
    eo_eval_report_free(&rep);
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
done:
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    eo_scaler_free(&sc);
    free(tr);
    free(va);
    eo_dataset_free(&ds);
    eo_dataset_free(&vds);
    return rc;
}
