/* edgeopt tune: hyperparameter search over a space of named parameters that
 * fill {placeholders} in the model/optimizer/... specs. A thin layer over
 * edgeopt/tune.h: parse options, load the data once, build the training
 * objective (or a test-function objective with --function), run the study
 * (threads with --jobs, MPI ranks under mpirun), print/plot the results and
 * retrain the best configuration with -o. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/signals.h"
#include "edgeopt/data.h"
#include "edgeopt/deploy.h"
#include "edgeopt/functions.h"
#include "edgeopt/io.h"
#include "edgeopt/plot.h"
#include "edgeopt/tune.h"

#define CMD "tune"

static const char *help =
    "usage: edgeopt tune --data SPEC --model TEMPLATE --space SPACE --study FILE [options]\n"
    "\n"
    "Search hyperparameters. SPACE names parameters whose values fill {name}\n"
    "placeholders in the specs, e.g.\n"
    "  --space 'lr=log(1e-4,1e-1);batch=choice(32,64,128,256);hidden=int(32,512)'\n"
    "  --model 'mlp:{hidden}' --optimizer 'adam:lr={lr}' --batch '{batch}'\n"
    "Kinds: uniform(a,b) log(a,b) int(a,b) intlog(a,b) choice(x,y,...); add\n"
    "grid=N to a numeric one for its grid points. --space @FILE reads one\n"
    "parameter per line (# comments). Every trial is logged to the study file\n"
    "(JSON Lines); a killed study continues with --resume, never repeating a\n"
    "finished trial. Results do not depend on --jobs or on MPI ranks.\n"
    "\n"
    "objective:\n"
    "  --data SPEC          fashion-mnist, csv:FILE, synthetic:moons, ... (loaded once)\n"
    "  --limit N            use the first N rows\n"
    "  --model T            model spec template (mlp:{hidden}, mlp:128:dropout={p}, ...)\n"
    "  --optimizer T        optimizer template (default adam)\n"
    "  --schedule T, --batch T, --l1 T, --l2 T, --weight-decay T\n"
    "                       more templates (default: constant lr, batch 32, no penalty)\n"
    "  --loss NAME          default softmax_ce with labels, mse with targets\n"
    "  --scale KIND         auto | standard | minmax | none (default auto)\n"
    "  --metric M           accuracy | loss (default accuracy for classification)\n"
    "  --val-split F        stratified hold-out fraction (default 0.2)\n"
    "  --folds K            stratified K-fold cross-validation instead (score = mean)\n"
    "  --function SPEC      instead of training: minimize a test function of the\n"
    "                       parameters (edgeopt functions), reported after each\n"
    "                       epoch e as f(x) + 1/e (a synthetic learning curve)\n"
    "\n"
    "search:\n"
    "  --space TEXT|@FILE   the search space (required)\n"
    "  --strategy S         grid | random | halving | hyperband | bohb | tpe | gp\n"
    "                       (default random); bohb = hyperband drawing 2/3 of its\n"
    "                       configurations from a TPE model of the results so far\n"
    "                       (its brackets run one after another)\n"
    "  --trials N           configurations (default 20; grid: all its points;\n"
    "                       halving: its first rung; ignored by hyperband/bohb)\n"
    "  --max-epochs E       epochs of a full evaluation (default 10)\n"
    "  --min-epochs E       halving/hyperband/bohb smallest budget (default 1)\n"
    "  --eta X              halving/hyperband/bohb reduction factor (default 3)\n"
    "  --budget-epochs B    stop starting trials when B epochs are planned; hyperband\n"
    "                       and bohb repeat their brackets within B, a smaller last\n"
    "                       bracket using the rest (default: no limit)\n"
    "  --grid-points N      grid points of continuous parameters (default 3)\n"
    "  --startup N          tpe/gp random trials first (default 10)\n"
    "  --candidates N       tpe (24) / gp (1000) candidates per proposal\n"
    "  --gamma X            tpe/bohb good fraction (default 0.15)\n"
    "  --lag N              tpe/gp: trial t is proposed from trials < t-N, so N+1\n"
    "                       trials can run at once (default 1; independent of --jobs)\n"
    "  --prune              median stopping: stop a trial worse than the median of the\n"
    "                       earlier trials at the same epoch\n"
    "  --prune-warmup E     never prune in the first E epochs (default 1)\n"
    "  --prune-startup N    earlier trials needed before pruning (default 5)\n"
    "  --seed S             (default 1)\n"
    "\n"
    "device:\n"
    "  --constraint C       e.g. 'flash<=64KB,ram<=8KB' (also latency = MACs, params):\n"
    "                       computed as `edgeopt export` does for the int8 model the\n"
    "                       trial would produce; violating trials are never trained\n"
    "  --objectives LIST    e.g. accuracy,flash (also loss, ram, latency, params):\n"
    "                       several objectives, the Pareto front is reported\n"
    "  --cpu CPU            cortex-m4 | cortex-m3 | cortex-m0plus for the estimates\n"
    "  --per-channel        per-channel weight scales, as `edgeopt quantize --per-channel`\n"
    "\n"
    "runs:\n"
    "  --study FILE         the study log (required)\n"
    "  --resume             continue the study in FILE\n"
    "  --jobs N             trials in parallel on this machine (default 1); under\n"
    "                       mpirun -np N the trials go to ranks 1..N-1 instead\n"
    "  --fsync MODE         none | trial | all (default trial). Every record is one\n"
    "                       write(): a killed process loses no finished trial in\n"
    "                       any mode. trial: a background thread fdatasyncs the log\n"
    "                       after each finished trial while the next one runs (one\n"
    "                       flush covers the trials that ended meanwhile) and the\n"
    "                       study flushes everything before it exits, also on\n"
    "                       Ctrl-C/SIGTERM; a power loss can lose the trials that\n"
    "                       ended since the last flush began (with training: the\n"
    "                       one being flushed). all: fdatasync after every record,\n"
    "                       waiting for it. none: never (power loss may lose more)\n"
    "\n"
    "output:\n"
    "  --plot FILE          score per trial with best-so-far, parameters against the\n"
    "                       score, rungs (halving/hyperband/bohb), Pareto front (.png/.svg)\n"
    "  -o, --output FILE    retrain the best configuration (its seed and epochs) and\n"
    "                       save it (.eom)\n"
    "  --json               one JSON object {best, best_score, trials, epochs_total,\n"
    "                       seconds, ...[, pareto]}; progress goes to stderr\n"
    "  --quiet              no progress lines\n";

typedef struct opts {
    const char *data, *model, *optimizer, *schedule, *batch, *l1, *l2, *wd, *loss, *scale, *metric, *function;
    const char *space, *strategy, *constraint, *objectives, *cpu, *study, *fsync, *plot, *output;
    long limit, folds, trials, max_epochs, min_epochs, budget, grid_points, startup, candidates, lag, warmup,
        pstartup, seed, jobs;
    double val_split, eta, gamma;
    int prune, resume, json, quiet, per_channel;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->optimizer = "adam";
    o->scale = "auto";
    o->strategy = "random";
    o->fsync = "trial";
    o->cpu = "cortex-m4";
    o->trials = -1;
    o->max_epochs = 10;
    o->min_epochs = 1;
    o->eta = 3;
    o->grid_points = 3;
    o->startup = 10;
    o->gamma = 0.15;
    o->lag = 1;
    o->warmup = 1;
    o->pstartup = 5;
    o->seed = 1;
    o->jobs = 1;
    o->val_split = 0.2;
#define S(name, field) {name, NULL, EO_CLI_STR, &o->field, 0, 0}
#define L(name, field, lo, hi) {name, NULL, EO_CLI_LONG, &o->field, lo, hi}
#define D(name, field, lo, hi) {name, NULL, EO_CLI_DOUBLE, &o->field, lo, hi}
#define F(name, field) {name, NULL, EO_CLI_FLAG, &o->field, 1, 0}
    const eo_cli_optdef defs[] = {
        S("--data", data), S("--model", model), S("--optimizer", optimizer), S("--schedule", schedule),
        S("--batch", batch), S("--l1", l1), S("--l2", l2), S("--weight-decay", wd), S("--loss", loss),
        S("--scale", scale), S("--metric", metric), S("--function", function), S("--space", space),
        S("--strategy", strategy), S("--constraint", constraint), S("--objectives", objectives),
        S("--cpu", cpu), S("--study", study), S("--fsync", fsync), S("--plot", plot),
        {"--output", "-o", EO_CLI_STR, &o->output, 0, 0},
        L("--limit", limit, 1, 2000000000L), L("--folds", folds, 2, EO_TUNE_MAX_FOLDS),
        L("--trials", trials, 1, 100000000L), L("--max-epochs", max_epochs, 0, 1000000),
        L("--min-epochs", min_epochs, 1, 1000000), L("--budget-epochs", budget, 1, 2000000000L),
        L("--grid-points", grid_points, 2, 1000), L("--startup", startup, 1, 1000000),
        L("--candidates", candidates, 1, 1000000), L("--lag", lag, 0, 100000),
        L("--prune-warmup", warmup, 0, 1000000), L("--prune-startup", pstartup, 1, 1000000),
        L("--seed", seed, 0, 2147483647L), L("--jobs", jobs, 1, 1024),
        D("--val-split", val_split, 0.001, 0.99), D("--eta", eta, 1.5, 100), D("--gamma", gamma, 0.001, 0.999),
        F("--prune", prune), F("--resume", resume), F("--json", json), F("--quiet", quiet),
        F("--per-channel", per_channel), EO_CLI_END};
#undef S
#undef L
#undef D
#undef F
    int perr = eo_cli_parse(CMD, defs, argc, argv, NULL, 0);
    if (perr) return perr;
    if (!o->space) return eo_cli_usage(CMD, "--space is required");
    if (!o->study) return eo_cli_usage(CMD, "--study is required");
    if (!o->function && !o->data) return eo_cli_usage(CMD, "--data is required (or --function)");
    if (!o->function && !o->model) return eo_cli_usage(CMD, "--model is required");
    if (o->function && (o->data || o->model || o->output))
        return eo_cli_usage(CMD, "--function replaces --data/--model (and has no model to save with -o)");
    if (o->metric && strcmp(o->metric, "accuracy") && strcmp(o->metric, "loss"))
        return eo_cli_usage(CMD, "--metric: expected accuracy or loss, got '%s'", o->metric);
    return 0;
}

/* ------------------------------------------------------ --function objective */

typedef struct fn_obj {
    eo_testfn t;
    const eo_space *sp;
} fn_obj;

static int eval_function(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    fn_obj *f = user;
    double x[EO_SPACE_MAX_PARAMS];
    size_t n = eo_space_dim(f->sp);
    for (size_t i = 0; i < n; i++) x[i] = eo_space_value_num(f->sp, i, job->x[i]);
    double v = eo_testfn_eval(n, x, NULL, &f->t);
    out->status = EO_TRIAL_OK;
    out->score = job->budget > 0 ? v + 1.0 / job->budget : v;
    for (int e = job->prev_budget + 1; e <= job->budget; e++) {
        out->epochs++;
        if (eo_tune_report(rep, 0, e, v + 1.0 / e)) {
            out->status = EO_TRIAL_PRUNED;
            out->score = v + 1.0 / e;
            break;
        }
    }
    return EO_OK;
}

/* ----------------------------------------------------------------- output */

typedef struct view {
    FILE *f;
    const eo_space *sp;
    const char *score_name;
    int quiet;
} view;

static void print_params(FILE *f, const eo_space *sp, const double *x)
{
    char v[80];
    for (size_t i = 0; i < eo_space_dim(sp); i++) {
        eo_param_info pi;
        eo_space_param(sp, i, &pi);
        eo_space_value_str(sp, i, x[i], v, sizeof v);
        fprintf(f, "%s%s=%s", i ? " " : "", pi.name, v);
    }
}

static void on_progress(const eo_tune_progress *p, void *user)
{
    view *w = user;
    if (w->quiet) return;
    if (p->event == EO_TUNE_EV_REPLAY) {
        fprintf(w->f, "resumed: %ld finished jobs read from the study log\n", p->replayed);
        return;
    }
    if (p->event != EO_TUNE_EV_END) return;
    const eo_tune_result *r = p->result;
    fprintf(w->f, "trial %ld [%d epochs]: ", p->job->trial, p->job->budget);
    print_params(w->f, w->sp, p->job->x);
    if (r->status == EO_TRIAL_REJECTED || r->status == EO_TRIAL_FAILED)
        fprintf(w->f, " -> %s: %s\n", eo_trial_status_name(r->status), r->error);
    else
        fprintf(w->f, " -> %s %.4f%s (%.1f s)\n", w->score_name, r->score, r->status == EO_TRIAL_PRUNED ? " pruned" : "",
                r->seconds);
    fflush(w->f);
}

static cJSON *json_params(const eo_space *sp, const double *x)
{
    cJSON *o = cJSON_CreateObject();
    char v[80];
    for (size_t i = 0; i < eo_space_dim(sp); i++) {
        eo_param_info pi;
        eo_space_param(sp, i, &pi);
        if (pi.kind == EO_PARAM_CHOICE && !pi.numeric) {
            eo_space_value_str(sp, i, x[i], v, sizeof v);
            cJSON_AddStringToObject(o, pi.name, v);
        } else {
            eo_cli_json_num(o, pi.name, eo_space_value_num(sp, i, x[i]));
        }
    }
    return o;
}

/* ---------------------------------------------------------------- helpers */

static int parse_objectives(const char *s, eo_tune_params *p, const char **metric)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    p->nobjectives = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int q;
        if (!strcmp(tok, "accuracy") || !strcmp(tok, "loss")) {
            if (*metric && strcmp(*metric, tok))
                return eo_cli_usage(CMD, "--objectives names %s but --metric is %s", tok, *metric);
            *metric = !strcmp(tok, "accuracy") ? "accuracy" : "loss";
            q = EO_TUNE_SCORE;
        } else if ((q = eo_tune_quantity_from_name(tok)) <= 0) {
            return eo_cli_usage(CMD, "--objectives: unknown objective '%s' (accuracy, loss, flash, ram, latency, params)", tok);
        }
        for (int i = 0; i < p->nobjectives; i++)
            if ((int)p->objectives[i] == q) return eo_cli_usage(CMD, "--objectives: '%s' twice", tok);
        if (p->nobjectives >= EO_TUNE_QUANTITY_COUNT) return eo_cli_usage(CMD, "--objectives: too many");
        p->objectives[p->nobjectives++] = (eo_tune_quantity)q;
    }
    if (p->nobjectives < 2) return eo_cli_usage(CMD, "--objectives needs at least two objectives");
    int has_score = 0;
    for (int i = 0; i < p->nobjectives; i++) has_score |= p->objectives[i] == EO_TUNE_SCORE;
    if (!has_score) return eo_cli_usage(CMD, "--objectives must include accuracy or loss");
    return 0;
}

/* Remove the files of a checkpoint directory (and, with rmself, the directory). */
static void clear_dir(const char *dir, int rmself)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[1400];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    if (rmself) rmdir(dir);
}

static void add_ctx(char *buf, size_t cap, const char *key, const char *val)
{
    size_t l = strlen(buf);
    if (val) snprintf(buf + l, cap - l, "%s=%s\n", key, val);
}

/* ------------------------------------------------------------------- main */

static int tune_main(int argc, char **argv, int rank)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    eo_error e;
    eo_error_clear(&e);
    eo_tune_params p = eo_tune_defaults();
    int strat = eo_tune_strategy_from_name(o.strategy);
    if (strat < 0) return eo_cli_usage(CMD, "--strategy: expected grid, random, halving, hyperband, bohb, tpe or gp, got '%s'", o.strategy);
    p.strategy = (eo_tune_strategy)strat;
    p.trials = o.trials > 0 ? o.trials : (strat == EO_TUNE_GRID || strat == EO_TUNE_HYPERBAND || strat == EO_TUNE_BOHB ? 0 : 20);
    p.max_epochs = (int)o.max_epochs;
    p.min_epochs = (int)o.min_epochs;
    p.eta = o.eta;
    p.budget_epochs = o.budget;
    p.grid_points = (int)o.grid_points;
    p.n_startup = (int)o.startup;
    p.n_candidates = (int)o.candidates;
    p.gamma = o.gamma;
    p.lag = (int)o.lag;
    p.prune = o.prune;
    p.prune_warmup = (int)o.warmup;
    p.prune_startup = (int)o.pstartup;
    p.seed = (uint64_t)o.seed;
    p.jobs = (int)o.jobs;
    p.study_path = o.study;
    p.resume = o.resume;
    p.use_mpi = 1;
    int fs = !strcmp(o.fsync, "none") ? 0 : !strcmp(o.fsync, "trial") ? 1 : !strcmp(o.fsync, "all") ? 2 : -1;
    if (fs < 0) return eo_cli_usage(CMD, "--fsync: expected none, trial or all, got '%s'", o.fsync);
    p.fsync = (eo_tune_fsync)fs;
    eo_tune_device dev = {eo_deploy_cpu_from_name(o.cpu), o.per_channel};
    if (dev.cpu < 0) return eo_cli_usage(CMD, "--cpu: expected cortex-m4, cortex-m3 or cortex-m0plus, got '%s'", o.cpu);
    const char *metric = o.metric;
    if (o.objectives && (rc = parse_objectives(o.objectives, &p, &metric))) return rc;
    if (o.constraint) {
        if (eo_tune_constraints_parse(o.constraint, p.constraints, EO_TUNE_MAX_CONSTRAINTS, &p.nconstraints, &e))
            return eo_cli_usage(CMD, "--constraint: column %ld: %s", e.column, e.msg);
    }
    if (o.function && (o.constraint || o.objectives))
        return eo_cli_usage(CMD, "--constraint and --objectives need a model (not --function)");
    int hb = strat == EO_TUNE_HALVING || strat == EO_TUNE_HYPERBAND || strat == EO_TUNE_BOHB;
    if (hb && o.max_epochs < o.min_epochs)
        return eo_cli_usage(CMD, "--max-epochs must be >= --min-epochs (%ld) for %s", o.min_epochs, o.strategy);
    if (o.max_epochs == 0 && !o.function) return eo_cli_usage(CMD, "--max-epochs must be >= 1 when training");
    const char *why = eo_tune_params_check(&p);
    if (why) return eo_cli_usage(CMD, "%s", why);
    if (rank == 0 && o.plot && eo_plot_check_path(o.plot, &e)) return eo_cli_fail_err(CMD, &e);

    eo_space *sp = NULL;
    if (o.space[0] == '@' ? eo_space_load(o.space + 1, &sp, &e) : eo_space_parse(o.space, "--space", &sp, &e))
        return eo_cli_fail_err(CMD, &e);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_tune_train *tt = NULL;
    eo_study *study = NULL;
    fn_obj fo;
    eo_tune_objective obj;
    char ckdir[1100] = "";
    char ctx[8192] = "";
    rc = EO_EXIT_FAIL;
    int ckdir_made = 0;
    const char *score_name = "f";
    if (o.function) {
        char name[64], spec[300];
        size_t dim = eo_space_dim(sp);
        snprintf(name, sizeof name, "%.*s", (int)strcspn(o.function, ":"), o.function);
        const eo_testfn_info *info = eo_testfn_lookup(name);
        if (!info) {
            eo_error_set(&e, EO_ERR_NOT_FOUND, "--function: unknown function '%s' (see edgeopt functions)", name);
            goto fail;
        }
        if (info->dim == 0 && !strstr(o.function, "dim="))
            snprintf(spec, sizeof spec, "%s%sdim=%zu", o.function, strchr(o.function, ':') ? "," : ":", dim);
        else
            snprintf(spec, sizeof spec, "%s", o.function);
        if (eo_testfn_parse(spec, &fo.t, &e)) goto fail;
        if (fo.t.n != dim) {
            eo_error_set(&e, EO_ERR_INVALID, "--function %s takes %zu parameters, the space has %zu", o.function,
                         fo.t.n, dim);
            goto fail;
        }
        fo.sp = sp;
        memset(&obj, 0, sizeof obj);
        obj.eval = eval_function;
        obj.user = &fo;
        obj.continues = 1;
        p.maximize = 0;
        add_ctx(ctx, sizeof ctx, "function", o.function);
    } else {
        if (eo_data_load(o.data, (size_t)o.limit, &ds, &e)) goto fail;
        eo_tune_train_setup su = eo_tune_train_setup_defaults();
        su.data = &ds;
        su.model = o.model;
        su.optimizer = o.optimizer;
        su.schedule = o.schedule;
        su.batch = o.batch;
        su.l1 = o.l1;
        su.l2 = o.l2;
        su.weight_decay = o.wd;
        su.folds = (int)o.folds;
        su.val_split = o.val_split;
        su.split_seed = (uint64_t)o.seed;
        int lk = o.loss ? eo_loss_kind_from_name(o.loss) : (ds.y ? EO_LOSS_SOFTMAX_CE : EO_LOSS_MSE);
        if (lk < 0) {
            rc = eo_cli_usage(CMD, "--loss: unknown loss '%s'", o.loss);
            goto done;
        }
        su.base.loss = eo_loss_defaults((eo_loss_kind)lk);
        int cls = lk == EO_LOSS_SOFTMAX_CE || lk == EO_LOSS_BCE_LOGITS || lk == EO_LOSS_HINGE;
        if (!metric) metric = cls ? "accuracy" : "loss";
        su.score_loss = !strcmp(metric, "loss");
        if (strcmp(o.scale, "auto") && (su.scale = eo_scale_kind_from_name(o.scale)) < 0) {
            rc = eo_cli_usage(CMD, "--scale: expected auto, standard, minmax or none, got '%s'", o.scale);
            goto done;
        }
        if (hb) { /* promoted trials continue from their checkpoints */
            snprintf(ckdir, sizeof ckdir, "%s.ckpt", o.study);
            su.ckpt_dir = ckdir;
        }
        if (eo_tune_train_create(sp, &su, &tt, &e)) goto fail;
        eo_tune_train_set_footprint(tt, eo_tune_footprint_default, &dev);
        obj = eo_tune_train_objective(tt);
        p.maximize = !su.score_loss;
        score_name = metric;
        char num[64];
        add_ctx(ctx, sizeof ctx, "data", o.data);
        snprintf(num, sizeof num, "%ld", o.limit);
        add_ctx(ctx, sizeof ctx, "limit", num);
        add_ctx(ctx, sizeof ctx, "model", o.model);
        add_ctx(ctx, sizeof ctx, "optimizer", o.optimizer);
        add_ctx(ctx, sizeof ctx, "schedule", o.schedule);
        add_ctx(ctx, sizeof ctx, "batch", o.batch);
        add_ctx(ctx, sizeof ctx, "l1", o.l1);
        add_ctx(ctx, sizeof ctx, "l2", o.l2);
        add_ctx(ctx, sizeof ctx, "weight_decay", o.wd);
        add_ctx(ctx, sizeof ctx, "loss", eo_loss_kind_name(lk));
        add_ctx(ctx, sizeof ctx, "scale", o.scale);
        add_ctx(ctx, sizeof ctx, "metric", metric);
        snprintf(num, sizeof num, "%ld", o.folds);
        add_ctx(ctx, sizeof ctx, "folds", num);
        snprintf(num, sizeof num, "%.17g", o.folds ? 0 : o.val_split);
        add_ctx(ctx, sizeof ctx, "val_split", num);
        add_ctx(ctx, sizeof ctx, "cpu", o.constraint || o.objectives ? o.cpu : NULL);
        add_ctx(ctx, sizeof ctx, "per_channel", (o.constraint || o.objectives) && o.per_channel ? "1" : NULL);
    }
    p.context = ctx;
    view w = {o.json ? stderr : stdout, sp, score_name, o.quiet || rank != 0};
    p.progress = on_progress;
    p.progress_user = &w;
    p.stop_flag = eo_cli_stop_flag_install();
    if (eo_study_create(sp, &p, &study, &e)) goto fail;
    if (ckdir[0] && rank == 0) {
        if (mkdir(ckdir, 0777) != 0 && errno != EEXIST) {
            eo_error_set(&e, EO_ERR_IO, "cannot create %s: %s", ckdir, strerror(errno));
            goto fail;
        }
        ckdir_made = 1;
        if (!o.resume || !eo_io_exists(o.study)) clear_dir(ckdir, 0);
    }
    double t0 = eo_cli_now();
    int st = eo_study_run(study, &obj, &e);
    if (eo_study_is_worker(study)) {
        rc = st ? EO_EXIT_FAIL : EO_EXIT_OK;
        goto done;
    }
    if (st == EO_ERR_INTERRUPTED) {
        rc = eo_cli_fail(CMD, "%s", e.msg);
        rc = 130;
        goto done;
    }
    if (st) goto fail;
    double seconds = eo_cli_now() - t0;
    if (ckdir_made) clear_dir(ckdir, 1);
    ckdir_made = 0;

    long best = eo_study_best(study);
    eo_tune_record br;
    memset(&br, 0, sizeof br);
    if (best >= 0) eo_study_record(study, (size_t)best, &br);
    if (o.plot && eo_study_plot(study, o.plot, score_name, &e)) goto fail;
    double final_score = NAN;
    if (o.output) {
        if (best < 0) {
            eo_error_set(&e, EO_ERR_STATE, "no trial finished: nothing to save with -o");
            goto fail;
        }
        if (eo_tune_train_final(tt, br.x, br.budget, br.seed, o.output, &final_score, &e)) goto fail;
    }
    long front[4096];
    size_t nfront = 0;
    if (p.nobjectives >= 2 && eo_study_pareto(study, front, 4096, &nfront)) {
        eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (nfront > 4096) nfront = 4096;
    long replayed = 0;
    for (size_t k = 0; k < eo_study_njobs(study); k++) {
        eo_tune_record r;
        eo_study_record(study, k, &r);
        replayed += r.replayed;
    }
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "best", best >= 0 ? json_params(sp, br.x) : cJSON_CreateNull());
        eo_cli_json_num(j, "best_score", best >= 0 ? br.r->score : NAN);
        cJSON_AddNumberToObject(j, "best_trial", best >= 0 ? (double)br.trial : -1);
        cJSON_AddNumberToObject(j, "best_seed", best >= 0 ? (double)br.seed : -1);
        cJSON_AddNumberToObject(j, "best_epochs", best >= 0 ? br.budget : 0);
        if (best >= 0 && br.r->nfolds) {
            cJSON *f = cJSON_AddArrayToObject(j, "best_fold_scores");
            for (int i = 0; i < br.r->nfolds; i++) cJSON_AddItemToArray(f, cJSON_CreateNumber(br.r->fold_scores[i]));
        }
        cJSON_AddStringToObject(j, "metric", score_name);
        cJSON_AddStringToObject(j, "strategy", o.strategy);
        cJSON_AddNumberToObject(j, "trials", (double)eo_study_ntrials(study));
        cJSON_AddNumberToObject(j, "jobs", (double)eo_study_njobs(study));
        cJSON_AddNumberToObject(j, "epochs_total", (double)eo_study_epochs(study));
        for (int s = EO_TRIAL_PRUNED; s < EO_TRIAL_STATUS_COUNT; s++)
            cJSON_AddNumberToObject(j, eo_trial_status_name(s), (double)eo_study_count(study, (eo_trial_status)s));
        cJSON_AddNumberToObject(j, "replayed", (double)replayed);
        eo_cli_json_num(j, "seconds", seconds);
        if (best >= 0)
            for (int q = 1; q < EO_TUNE_QUANTITY_COUNT; q++)
                if (isfinite(br.r->q[q])) {
                    char key[32];
                    snprintf(key, sizeof key, "best_%s", eo_tune_quantity_name(q));
                    cJSON_AddNumberToObject(j, key, br.r->q[q]);
                }
        if (p.nobjectives >= 2) {
            cJSON *pa = cJSON_AddArrayToObject(j, "pareto");
            for (size_t i = 0; i < nfront; i++) {
                eo_tune_record r;
                eo_study_record(study, (size_t)front[i], &r);
                cJSON *it = cJSON_CreateObject();
                cJSON_AddNumberToObject(it, "trial", (double)r.trial);
                cJSON_AddItemToObject(it, "params", json_params(sp, r.x));
                eo_cli_json_num(it, score_name, r.r->score);
                for (int q = 1; q < EO_TUNE_QUANTITY_COUNT; q++)
                    if (isfinite(r.r->q[q])) cJSON_AddNumberToObject(it, eo_tune_quantity_name(q), r.r->q[q]);
                cJSON_AddItemToArray(pa, it);
            }
        }
        if (o.output) {
            cJSON_AddStringToObject(j, "model", o.output);
            eo_cli_json_num(j, "model_score", final_score);
        }
        eo_cli_print_json(j);
    } else {
        if (best >= 0) {
            printf("best: trial %ld [%d epochs, seed %llu]: ", br.trial, br.budget, (unsigned long long)br.seed);
            print_params(stdout, sp, br.x);
            printf(" -> %s %.4f", score_name, br.r->score);
            for (int i = 0; i < br.r->nfolds; i++) printf("%s%.4f%s", i ? " " : " (folds ", br.r->fold_scores[i], i + 1 == br.r->nfolds ? ")" : "");
            printf("\n");
        } else {
            printf("best: none (no trial finished)\n");
        }
        printf("%ld trials, %zu evaluations, %ld epochs, %ld pruned, %ld rejected, %ld failed, %.1f s%s\n",
               eo_study_ntrials(study), eo_study_njobs(study), eo_study_epochs(study),
               eo_study_count(study, EO_TRIAL_PRUNED), eo_study_count(study, EO_TRIAL_REJECTED),
               eo_study_count(study, EO_TRIAL_FAILED), seconds, replayed ? " (this run)" : "");
        if (nfront) {
            printf("pareto front (%zu):\n", nfront);
            for (size_t i = 0; i < nfront; i++) {
                eo_tune_record r;
                eo_study_record(study, (size_t)front[i], &r);
                printf("  trial %ld: %s %.4f", r.trial, score_name, r.r->score);
                for (int q = 1; q < EO_TUNE_QUANTITY_COUNT; q++)
                    if (isfinite(r.r->q[q])) printf(" %s %.0f", eo_tune_quantity_name(q), r.r->q[q]);
                printf(": ");
                print_params(stdout, sp, r.x);
                printf("\n");
            }
        }
        if (o.output) printf("saved %s (retrained best: %s %.4f)\n", o.output, score_name, final_score);
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
done:
    eo_study_destroy(study);
    eo_tune_train_destroy(tt);
    eo_space_destroy(sp);
    eo_dataset_free(&ds);
    return rc;
}

int eo_cmd_tune(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    int rank = 0, size = 1;
    if (eo_tune_mpi_init(&argc, &argv, &rank, &size))
        return eo_cli_fail(CMD, eo_tune_mpi_available() ? "cannot initialise MPI"
                                                        : "launched by mpirun with several ranks, but this build has "
                                                          "no MPI (configure with -DEO_WITH_MPI=ON)");
    int rc = tune_main(argc, argv, rank);
    eo_tune_mpi_finalize();
    return rc;
}
