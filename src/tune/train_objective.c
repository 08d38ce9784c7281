/* The training objective: every job builds its model from the filled spec
 * templates, trains it single-threaded with the trainer (edgeopt/train.h) on
 * the shared, read-only data set, and scores it on the validation rows of a
 * stratified hold-out split or of each stratified fold.
 *
 * Score: the validation accuracy (or loss) after the job's last epoch; with
 * k folds the mean of the fold scores (all reported in the result). The
 * score after each epoch of each fold goes to the reporter; the pruner looks
 * at fold 0, and a pruned job ends with the last score it reported.
 * Seeds: the model is initialised from stream 0 of the trial's seed and the
 * trainer gets the trial's seed (shuffling, dropout), as `edgeopt train
 * --seed` does, so `edgeopt train` with the trial's settings and seed
 * reproduces a hold-out trial's model.
 * Continuation (halving/Hyperband): with ckpt_dir, each fold of a trial keeps
 * a trainer checkpoint <ckpt_dir>/t<trial>-f<fold>.ckpt and a job resumes from
 * it (the trainer makes that bit-identical to training from scratch to the
 * job's budget); released trials lose their checkpoints.
 * Epochs of a job: the epochs each fold trained beyond prev_budget, summed. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "tune/internal.h"

#define SPEC_MAX 2048

struct eo_tune_train {
    eo_space *space;
    eo_tune_train_setup su;
    char *tmpl[7];          /* model, optimizer, schedule, batch, l1, l2, weight_decay (owned, may be NULL) */
    const eo_dataset *ds;
    int nout;
    int nfolds;             /* 1 for hold-out */
    uint32_t **tr, **va;    /* per fold */
    size_t *ntr, *nva;
    eo_scaler *sc;          /* per fold (kind NONE: unused) */
    int scale_kind;
    eo_tune_footprint_fn fp;
    void *fp_user;
};

enum { T_MODEL, T_OPTIM, T_SCHED, T_BATCH, T_L1, T_L2, T_WD, T_COUNT };
static const char *const tmpl_names[T_COUNT] = {"--model", "--optimizer", "--schedule", "--batch",
                                                "--l1",    "--l2",        "--weight-decay"};

eo_tune_train_setup eo_tune_train_setup_defaults(void)
{
    eo_tune_train_setup s;
    memset(&s, 0, sizeof s);
    s.optimizer = "adam";
    s.val_split = 0.2;
    s.split_seed = 1;
    s.scale = -1;
    s.base = eo_train_defaults();
    return s;
}

/* The filled specs of a configuration (x NULL: only check the templates). */
typedef struct specs {
    char s[T_COUNT][SPEC_MAX];
    int have[T_COUNT];
} specs;

static int fill_all(const eo_tune_train *t, const double *x, specs *sp, uint64_t *used, eo_error *err)
{
    for (int i = 0; i < T_COUNT; i++) {
        sp->have[i] = t->tmpl[i] != NULL;
        sp->s[i][0] = '\0';
        if (!t->tmpl[i]) continue;
        int st = eo_space_fill(t->space, x, t->tmpl[i], tmpl_names[i], sp->s[i], SPEC_MAX, used, err);
        if (st) return st;
    }
    return EO_OK;
}

static int parse_number(const char *s, const char *what, double lo, double hi, double *v, eo_error *err)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || !isfinite(d) || d < lo || d > hi)
        return eo_error_set(err, EO_ERR_INVALID, "%s: expected a number in [%g, %g], got '%s'", what, lo, hi, s);
    *v = d;
    return EO_OK;
}

/* Train params for a configuration (specs filled). */
static int make_params(const eo_tune_train *t, const specs *sp, eo_train_params *p, eo_error *err)
{
    *p = t->su.base;
    int st;
    if (sp->have[T_OPTIM] && (st = eo_optim_parse(sp->s[T_OPTIM], &p->optim, err))) return st;
    if (sp->have[T_SCHED] && (st = eo_schedule_parse(sp->s[T_SCHED], &p->schedule, err))) return st;
    double v = 0;
    if (sp->have[T_BATCH]) {
        if ((st = parse_number(sp->s[T_BATCH], "--batch", 1, 1 << 20, &v, err))) return st;
        if (v != floor(v)) return eo_error_set(err, EO_ERR_INVALID, "--batch: expected an integer, got '%s'", sp->s[T_BATCH]);
        p->batch = (int)v;
    }
    if (sp->have[T_L1] && (st = parse_number(sp->s[T_L1], "--l1", 0, 1e30, &p->penalty.l1, err))) return st;
    if (sp->have[T_L2] && (st = parse_number(sp->s[T_L2], "--l2", 0, 1e30, &p->penalty.l2, err))) return st;
    if (sp->have[T_WD]) {
        if ((st = parse_number(sp->s[T_WD], "--weight-decay", 0, 1e30, &v, err))) return st;
        p->optim.weight_decay = v;
        const char *why = eo_optim_check(&p->optim);
        if (why) return eo_error_set(err, EO_ERR_INVALID, "--weight-decay: %s", why);
    }
    return EO_OK;
}

static int build_model(const eo_tune_train *t, const specs *sp, uint64_t seed, eo_model **m, eo_error *err)
{
    int st = eo_model_from_spec(sp->s[T_MODEL], t->ds->shape, t->nout, NULL, m, err);
    if (st) {
        if (err && !err->where[0]) snprintf(err->where, sizeof err->where, "--model");
        return st;
    }
    eo_rng r;
    eo_rng_seed_stream(&r, seed, 0);
    return eo_model_init_params(*m, &r);
}

static void free_splits(eo_tune_train *t)
{
    for (int f = 0; f < t->nfolds; f++) {
        if (t->tr) free(t->tr[f]);
        if (t->va) free(t->va[f]);
        if (t->sc) eo_scaler_free(&t->sc[f]);
    }
    free(t->tr);
    free(t->va);
    free(t->ntr);
    free(t->nva);
    free(t->sc);
    t->tr = t->va = NULL;
    t->ntr = t->nva = NULL;
    t->sc = NULL;
}

void eo_tune_train_destroy(eo_tune_train *t)
{
    if (!t) return;
    free_splits(t);
    for (int i = 0; i < T_COUNT; i++) free(t->tmpl[i]);
    eo_space_destroy(t->space);
    free(t);
}

static char *dup_str(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int make_splits(eo_tune_train *t, eo_error *err)
{
    const eo_dataset *ds = t->ds;
    int F = t->su.folds >= 2 ? t->su.folds : 1;
    if (F > EO_TUNE_MAX_FOLDS) return eo_error_set(err, EO_ERR_INVALID, "at most %d folds", EO_TUNE_MAX_FOLDS);
    t->nfolds = F;
    t->tr = calloc((size_t)F, sizeof *t->tr);
    t->va = calloc((size_t)F, sizeof *t->va);
    t->ntr = calloc((size_t)F, sizeof *t->ntr);
    t->nva = calloc((size_t)F, sizeof *t->nva);
    t->sc = calloc((size_t)F, sizeof *t->sc);
    if (!t->tr || !t->va || !t->ntr || !t->nva || !t->sc) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int st;
    if (F == 1) {
        if (!(t->su.val_split > 0 && t->su.val_split < 1))
            return eo_error_set(err, EO_ERR_INVALID, "the hold-out fraction must be in (0, 1)");
        st = eo_data_split(ds, t->su.val_split, t->su.split_seed, &t->tr[0], &t->ntr[0], &t->va[0], &t->nva[0], err);
        if (st) return st;
    } else {
        if ((size_t)F > ds->rows) return eo_error_set(err, EO_ERR_INVALID, "%d folds need at least %d rows", F, F);
        int *fold = malloc(ds->rows * sizeof *fold);
        if (!fold) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        if ((st = eo_data_kfold(ds, F, t->su.split_seed, fold, err))) {
            free(fold);
            return st;
        }
        for (int f = 0; f < F; f++) {
            t->tr[f] = malloc(ds->rows * sizeof **t->tr);
            t->va[f] = malloc(ds->rows * sizeof **t->va);
            if (!t->tr[f] || !t->va[f]) {
                free(fold);
                return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            }
            for (size_t r = 0; r < ds->rows; r++) {
                if (fold[r] == f)
                    t->va[f][t->nva[f]++] = (uint32_t)r;
                else
                    t->tr[f][t->ntr[f]++] = (uint32_t)r;
            }
        }
        free(fold);
    }
    for (int f = 0; f < F; f++) {
        if (!t->ntr[f] || !t->nva[f])
            return eo_error_set(err, EO_ERR_INVALID, "the split leaves %zu training and %zu validation rows", t->ntr[f],
                                t->nva[f]);
        if (t->scale_kind != EO_SCALE_NONE &&
            (st = eo_scaler_fit(&t->sc[f], (eo_scale_kind)t->scale_kind, ds, t->tr[f], t->ntr[f], err)))
            return st;
    }
    return EO_OK;
}

int eo_tune_train_create(const eo_space *space, const eo_tune_train_setup *su, eo_tune_train **out, eo_error *err)
{
    if (out) *out = NULL;
    if (!space || !su || !out || !su->data || !su->model)
        return eo_error_set(err, EO_ERR_INVALID, "eo_tune_train_create: NULL argument (data and model are required)");
    const char *why = eo_train_params_check(&su->base);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_tune_train *t = calloc(1, sizeof *t);
    if (!t) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    t->su = *su;
    t->ds = su->data;
    t->fp = eo_tune_footprint_default;
    const char *src[T_COUNT] = {su->model, su->optimizer, su->schedule, su->batch, su->l1, su->l2, su->weight_decay};
    int st = eo__space_copy(space, &t->space) ? EO_ERR_NOMEM : EO_OK;
    for (int i = 0; !st && i < T_COUNT; i++)
        if (src[i] && !(t->tmpl[i] = dup_str(src[i]))) st = EO_ERR_NOMEM;
    if (st) {
        eo_tune_train_destroy(t);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    const eo_dataset *ds = su->data;
    eo_loss_kind lk = su->base.loss.kind;
    int cls = lk == EO_LOSS_SOFTMAX_CE || lk == EO_LOSS_BCE_LOGITS || lk == EO_LOSS_HINGE;
    if (cls && !ds->y) st = eo_error_set(err, EO_ERR_INVALID, "the loss %s needs class labels", eo_loss_kind_name(lk));
    t->nout = cls ? (lk == EO_LOSS_BCE_LOGITS ? 1 : (ds->n_classes < 2 ? 2 : ds->n_classes)) : 1;
    if (!st && !cls && su->score_loss == 0)
        st = eo_error_set(err, EO_ERR_INVALID, "accuracy needs a classification loss: score by the validation loss");
    t->scale_kind = su->scale >= 0 ? su->scale : (ds->dtype == EO_DTYPE_U8 ? EO_SCALE_NONE : EO_SCALE_STANDARD);
    /* Templates: every placeholder known, every parameter used. */
    specs *sp = malloc(sizeof *sp);
    uint64_t used = 0;
    if (!st && !sp) st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    if (!st) st = fill_all(t, NULL, sp, &used, err);
    for (size_t i = 0; !st && i < space->n; i++)
        if (!(used & ((uint64_t)1 << i)))
            st = eo_error_set(err, EO_ERR_INVALID,
                              "parameter '%s' is not used by any spec: put {%s} in --model, --optimizer, --schedule, "
                              "--batch, --l1, --l2 or --weight-decay",
                              space->p[i].name, space->p[i].name);
    /* A first configuration must make sense (catches spec typos early). */
    if (!st) {
        double x0[EO_SPACE_MAX_PARAMS];
        eo_space_grid_point(space, 2, 0, x0);
        eo_train_params p;
        eo_model *m = NULL;
        if (!(st = fill_all(t, x0, sp, NULL, err)) && !(st = make_params(t, sp, &p, err)) &&
            !(st = build_model(t, sp, 1, &m, err)))
            st = eo_train_check_data(m, ds, p.loss.kind, ds->name, err);
        eo_model_destroy(m);
    }
    free(sp);
    if (!st) st = make_splits(t, err);
    if (st) {
        eo_tune_train_destroy(t);
        return st;
    }
    *out = t;
    return EO_OK;
}

void eo_tune_train_set_footprint(eo_tune_train *t, eo_tune_footprint_fn fn, void *user)
{
    t->fp = fn ? fn : eo_tune_footprint_default;
    t->fp_user = fn ? user : NULL;
}

int eo_tune_train_describe(const eo_tune_train *t, const double *x, char *buf, size_t n)
{
    specs *sp = malloc(sizeof *sp);
    if (!sp) return EO_ERR_NOMEM;
    int st = fill_all(t, x, sp, NULL, NULL);
    size_t len = 0;
    if (n) buf[0] = '\0';
    for (int i = 0; !st && i < T_COUNT; i++) {
        if (!sp->have[i]) continue;
        int w = snprintf(buf + len, len < n ? n - len : 0, "%s%s %s", len ? " " : "", tmpl_names[i], sp->s[i]);
        if (w > 0) len += (size_t)w;
        if (len >= n) break;
    }
    free(sp);
    return st;
}

/* ---------------------------------------------------------- objective */

typedef struct run_ctx {
    eo_tune_reporter *rep;
    int fold, score_loss, pruned, last_epoch;
    double last_score;
} run_ctx;

static int on_train(const eo_train_progress *p, void *user)
{
    run_ctx *c = user;
    if (eo_tune_interrupted(c->rep)) return 1;
    if (p->event != EO_TRAIN_EPOCH || !p->record) return 0;
    double score = c->score_loss ? p->record->val_loss : p->record->val_acc;
    c->last_score = score;
    c->last_epoch = p->record->epoch;
    if (eo_tune_report(c->rep, c->fold, p->record->epoch, score)) {
        c->pruned = 1;
        return 1;
    }
    return 0;
}

static void ckpt_path(const eo_tune_train *t, long trial, int fold, char *buf, size_t n)
{
    snprintf(buf, n, "%s/t%ld-f%d.ckpt", t->su.ckpt_dir, trial, fold);
}

static void release_trial(long trial, void *user)
{
    eo_tune_train *t = user;
    char path[1200];
    for (int f = 0; f < t->nfolds; f++) {
        ckpt_path(t, trial, f, path, sizeof path);
        eo_io_remove(path, NULL);
    }
}

static int eval_job(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    eo_tune_train *t = user;
    eo_error e;
    eo_error_clear(&e);
    specs *sp = malloc(sizeof *sp);
    if (!sp) return EO_ERR_NOMEM;
    eo_train_params p;
    int st = fill_all(t, job->x, sp, NULL, &e);
    if (!st) st = make_params(t, sp, &p, &e);
    if (st) {
        out->status = EO_TRIAL_FAILED;
        eo_error_format(&e, out->error, sizeof out->error);
        free(sp);
        return EO_OK;
    }
    out->status = EO_TRIAL_OK;
    out->nfolds = t->nfolds > 1 ? t->nfolds : 0;
    double sum = 0;
    for (int f = 0; f < t->nfolds; f++) {
        eo_model *m = NULL;
        eo_trainer *tr = NULL;
        run_ctx c = {rep, f, t->su.score_loss, 0, job->prev_budget, NAN};
        char ck[1200];
        if ((st = build_model(t, sp, job->seed, &m, &e))) goto fold_fail;
        p.epochs = job->budget;
        p.seed = job->seed;
        p.threads = 1;
        p.val_split = 0;
        p.progress = on_train;
        p.progress_user = &c;
        p.stop_flag = NULL;
        p.checkpoint_path = NULL;
        p.resume = 0;
        if (t->su.ckpt_dir) {
            ckpt_path(t, job->trial, f, ck, sizeof ck);
            p.checkpoint_path = ck;
            p.resume = 1;
        }
        if ((st = eo_trainer_create(m, &p, &tr, &e))) goto fold_fail;
        st = eo_trainer_fit(tr, t->ds, t->tr[f], t->ntr[f], t->ds, t->va[f], t->nva[f],
                            t->scale_kind == EO_SCALE_NONE ? NULL : &t->sc[f], &e);
        size_t nh;
        const eo_epoch_record *h = eo_trainer_history(tr, &nh);
        int reached = nh ? h[nh - 1].epoch : job->prev_budget;
        if (reached > job->prev_budget) out->epochs += reached - job->prev_budget;
        if (st == EO_ERR_INTERRUPTED && c.pruned) {
            out->status = EO_TRIAL_PRUNED;
            out->score = c.last_score;
            if (out->nfolds) out->fold_scores[f] = c.last_score;
            eo_trainer_destroy(tr);
            eo_model_destroy(m);
            break;
        }
        if (st) goto fold_fail;
        double score = nh ? (t->su.score_loss ? h[nh - 1].val_loss : h[nh - 1].val_acc) : NAN;
        if (out->nfolds) out->fold_scores[f] = score;
        sum += score;
        eo_trainer_destroy(tr);
        eo_model_destroy(m);
        continue;
    fold_fail:
        eo_trainer_destroy(tr);
        eo_model_destroy(m);
        out->status = EO_TRIAL_FAILED;
        out->score = NAN;
        eo_error_format(&e, out->error, sizeof out->error);
        if (st == EO_ERR_INTERRUPTED) snprintf(out->error, sizeof out->error, "interrupted");
        if (st == EO_ERR_NOMEM) {
            free(sp);
            return st;
        }
        st = EO_OK;
        break;
    }
    if (out->status == EO_TRIAL_OK) out->score = sum / t->nfolds;
    free(sp);
    return EO_OK;
}

static int measure(const double *x, double *q, void *user, eo_error *err)
{
    eo_tune_train *t = user;
    specs *sp = malloc(sizeof *sp);
    if (!sp) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_model *m = NULL;
    int st = fill_all(t, x, sp, NULL, err);
    if (!st) st = eo_model_from_spec(sp->s[T_MODEL], t->ds->shape, t->nout, NULL, &m, err);
    if (!st) st = t->fp(m, t->scale_kind == EO_SCALE_NONE ? NULL : &t->sc[0], q, t->fp_user, err);
    eo_model_destroy(m);
    free(sp);
    return st;
}

eo_tune_objective eo_tune_train_objective(eo_tune_train *t)
{
    eo_tune_objective o;
    memset(&o, 0, sizeof o);
    o.eval = eval_job;
    o.measure = measure;
    o.user = t;
    o.continues = t->su.ckpt_dir != NULL;
    o.epoch_cost = t->nfolds;
    o.release = t->su.ckpt_dir ? release_trial : NULL;
    return o;
}

int eo_tune_train_final(eo_tune_train *t, const double *x, int epochs, uint64_t seed, const char *path,
                        double *val_score, eo_error *err)
{
    if (val_score) *val_score = NAN;
    specs *sp = malloc(sizeof *sp);
    if (!sp) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_train_params p;
    eo_model *m = NULL;
    eo_trainer *tr = NULL;
    eo_scaler all;
    memset(&all, 0, sizeof all);
    int hold = t->nfolds == 1;
    int st = fill_all(t, x, sp, NULL, err);
    if (!st) st = make_params(t, sp, &p, err);
    if (!st) st = build_model(t, sp, seed, &m, err);
    if (!st && !hold && t->scale_kind != EO_SCALE_NONE)
        st = eo_scaler_fit(&all, (eo_scale_kind)t->scale_kind, t->ds, NULL, 0, err);
    const eo_scaler *sc = t->scale_kind == EO_SCALE_NONE ? NULL : (hold ? &t->sc[0] : &all);
    if (!st) {
        p.epochs = epochs;
        p.seed = seed;
        p.threads = 1;
        p.val_split = 0;
        p.data_name = t->ds->name;
        p.model_spec = sp->s[T_MODEL];
        st = eo_trainer_create(m, &p, &tr, err);
    }
    if (!st)
        st = eo_trainer_fit(tr, t->ds, hold ? t->tr[0] : NULL, hold ? t->ntr[0] : t->ds->rows, hold ? t->ds : NULL,
                            hold ? t->va[0] : NULL, hold ? t->nva[0] : 0, sc, err);
    if (!st) {
        eo_model_meta meta;
        eo_trainer_fill_meta(tr, &meta);
        size_t nh;
        const eo_epoch_record *h = eo_trainer_history(tr, &nh);
        if (hold && nh) {
            meta.val_loss = h[nh - 1].val_loss;
            meta.val_accuracy = h[nh - 1].val_acc;
            if (val_score) *val_score = t->su.score_loss ? h[nh - 1].val_loss : h[nh - 1].val_acc;
        }
        st = eo_model_save(path, m, sc, &meta, err);
    }
    eo_trainer_destroy(tr);
    eo_model_destroy(m);
    eo_scaler_free(&all);
    free(sp);
    return st;
}
