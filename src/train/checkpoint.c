/* Checkpoints: the whole training state in one .eom file, written atomically.
 * Besides what a model file holds (architecture, parameters, buffers, scaler,
 * metadata) it stores "ckpt.*" keys and tensors; docs/model-format.md lists
 * them. Loading checks that the run's settings match the checkpoint's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/modelfile.h"
#include "train/internal.h"

#define CKPT_FORMAT 1

static void rng_to_ints(const eo_rng *r, int64_t v[6])
{
    for (int i = 0; i < 4; i++) memcpy(&v[i], &r->s[i], 8);
    memcpy(&v[4], &r->spare, 8);
    v[5] = r->has_spare;
}

/* A checkpoint's arrays are checked before use: a non-finite weight or moment
 * would otherwise surface only as a diverged run several batches later. */
static int finite_f32(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

static void rng_from_ints(eo_rng *r, const int64_t v[6])
{
    for (int i = 0; i < 4; i++) memcpy(&r->s[i], &v[i], 8);
    memcpy(&r->spare, &v[4], 8);
    r->has_spare = v[5] != 0;
}

void eo_trainer_fill_meta(const eo_trainer *t, eo_model_meta *mm)
{
    const eo_train_params *p = &t->p;
    *mm = eo_model_meta_defaults();
    eo_loss_kind lk = p->loss.kind;
    int cls = lk == EO_LOSS_SOFTMAX_CE || lk == EO_LOSS_BCE_LOGITS || lk == EO_LOSS_HINGE || lk == EO_LOSS_KL_T;
    mm->task = cls ? EO_MODEL_TASK_CLASSIFICATION : EO_MODEL_TASK_REGRESSION;
    mm->loss = lk;
    mm->n_classes = cls ? (int)eo_model_out_numel(t->m) : 0;
    if (p->model_spec) snprintf(mm->spec, sizeof mm->spec, "%s", p->model_spec);
    if (p->data_name) snprintf(mm->dataset, sizeof mm->dataset, "%s", p->data_name);
    eo_optim_format(&p->optim, mm->optimizer, sizeof mm->optimizer);
    eo_schedule_format(&p->schedule, mm->schedule, sizeof mm->schedule);
    mm->epochs = t->epoch_done;
    mm->batch = p->batch;
    mm->seed = (int64_t)p->seed;
    mm->n_train = (int64_t)t->ntrain;
    if (t->nhist) {
        const eo_epoch_record *r = &t->hist[t->nhist - 1];
        mm->train_loss = r->train_loss;
        mm->val_loss = r->val_loss;
        mm->val_accuracy = r->val_acc;
    }
}

int eo__train_ckpt_save(eo_trainer *t, eo_error *err)
{
    eo_mf_writer *w;
    if (eo_mf_writer_create(&w)) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_model_meta mm;
    eo_trainer_fill_meta(t, &mm);
    eo_mf_put_meta(w, &mm);
    eo_mf_put_model(w, t->m, 1);
    eo_mf_put_scaler(w, t->scaler);
    eo_mf_put_int(w, "ckpt.format", CKPT_FORMAT);
    eo_mf_put_str(w, "ckpt.config", t->config);
    int64_t pos[9] = {t->epoch_done, (int64_t)t->batch_next, t->done, t->steps, t->best_epoch,
                      t->bad_epochs, t->have_best, t->stopped_early, 0};
    eo_mf_put_ints(w, "ckpt.position", pos, 9);
    double sums[3] = {t->sum_loss, t->epoch_seconds, t->best_loss};
    eo_mf_put_floats(w, "ckpt.sums", sums, 3);
    int64_t counts[2] = {t->sum_correct, t->seen};
    eo_mf_put_ints(w, "ckpt.counts", counts, 2);
    int64_t rv[6];
    rng_to_ints(&t->rng_epoch, rv);
    eo_mf_put_ints(w, "ckpt.rng_epoch", rv, 6);
    rng_to_ints(&t->rng_dropout, rv);
    eo_mf_put_ints(w, "ckpt.rng_dropout", rv, 6);

    int st = EO_OK;
    size_t osz = eo_optimizer_state_size(t->opt);
    unsigned char *ob = malloc(osz ? osz : 1);
    if (!ob) st = EO_ERR_NOMEM;
    if (!st) st = eo_optimizer_state_save(t->opt, ob, osz);
    int64_t d1[1] = {(int64_t)osz};
    if (!st) eo_mf_put_tensor(w, "ckpt.optimizer", EO_MF_U8, 1, d1, ob);
    free(ob);
    unsigned char sb[EO_SCHEDULE_STATE_BYTES];
    if (!st) st = eo_schedule_state_save(&t->sched, sb, sizeof sb);
    d1[0] = EO_SCHEDULE_STATE_BYTES;
    if (!st) eo_mf_put_tensor(w, "ckpt.schedule", EO_MF_U8, 1, d1, sb);
    if (!st && t->have_best && t->best_params) {
        d1[0] = (int64_t)eo_model_nparams(t->m);
        eo_mf_put_tensor(w, "ckpt.best_params", EO_MF_F32, 1, d1, t->best_params);
        d1[0] = (int64_t)eo_model_nbuffers(t->m);
        eo_mf_put_tensor(w, "ckpt.best_buffers", EO_MF_F32, 1, d1, t->best_buffers);
    }
    /* History, one array per column. */
    size_t n = t->nhist;
    double *col = malloc((n ? n : 1) * sizeof *col);
    int64_t *ep = malloc((n ? n : 1) * sizeof *ep);
    if (!col || !ep) st = EO_ERR_NOMEM;
    static const char *const names[6] = {"ckpt.hist.train_loss", "ckpt.hist.train_acc", "ckpt.hist.val_loss",
                                         "ckpt.hist.val_acc",    "ckpt.hist.lr",        "ckpt.hist.seconds"};
    if (!st) {
        for (size_t i = 0; i < n; i++) ep[i] = t->hist[i].epoch;
        eo_mf_put_ints(w, "ckpt.hist.epoch", ep, n);
        for (int c = 0; c < 6; c++) {
            for (size_t i = 0; i < n; i++) {
                const eo_epoch_record *r = &t->hist[i];
                double v[6] = {r->train_loss, r->train_acc, r->val_loss, r->val_acc, r->lr, r->seconds};
                col[i] = v[c];
            }
            eo_mf_put_floats(w, names[c], col, n);
        }
    }
    free(col);
    free(ep);
    if (st == EO_ERR_NUMERIC)
        st = eo_error_set(err, st, "the optimizer or schedule state is not finite; the checkpoint was not written");
    else if (st)
        st = eo_error_set(err, st, "cannot build the checkpoint: %s", eo_status_str(st));
    else
        st = eo_mf_writer_save(w, t->p.checkpoint_path, err);
    eo_mf_writer_destroy(w);
    return st;
}

/* First word of a that differs from b (for the resume mismatch message). */
static void first_difference(const char *a, const char *b, char *wa, char *wb, size_t cap)
{
    while (*a || *b) {
        size_t la = strcspn(a, " "), lb = strcspn(b, " ");
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(wa, cap, "%.*s", (int)la, a);
            snprintf(wb, cap, "%.*s", (int)lb, b);
            return;
        }
        a += la + (a[la] == ' ');
        b += lb + (b[lb] == ' ');
    }
    snprintf(wa, cap, "?");
    snprintf(wb, cap, "?");
}

static int get_ints_n(const eo_mf_reader *r, const char *key, size_t want, const int64_t **v, eo_error *err)
{
    size_t n;
    int st = eo_mf_get_ints(r, key, v, &n, err);
    if (!st && n != want)
        st = eo_error_at(err, EO_ERR_FORMAT, eo_mf_reader_where(r), 0, 0, -1, "checkpoint: '%s' has %zu entries, expected %zu",
                         key, n, want);
    return st;
}

static int load(eo_trainer *t, const eo_mf_reader *r, eo_error *err)
{
    const char *path = eo_mf_reader_where(r);
    int64_t fmt;
    const char *cfg;
    int st = eo_mf_get_int(r, "ckpt.format", &fmt, NULL);
    if (st) return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "not a training checkpoint (a model file?)");
    if (fmt != CKPT_FORMAT)
        return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint format %lld is not supported (this build: %d)",
                           (long long)fmt, CKPT_FORMAT);
    if ((st = eo_mf_get_str(r, "ckpt.config", &cfg, err))) return st;
    if (strcmp(cfg, t->config) != 0) {
        char wa[300], wb[300];
        first_difference(cfg, t->config, wa, wb, sizeof wa);
        return eo_error_at(err, EO_ERR_STATE, path, 0, 0, -1,
                           "cannot resume: the checkpoint was made with %s but this run has %s", wa, wb);
    }
    /* Model: same architecture, then copy parameters and buffers. */
    eo_model *cm = NULL;
    int has = 0;
    if ((st = eo_mf_get_model(r, NULL, &cm, &has, err))) return st;
    size_t np = eo_model_nparams(t->m), nbuf = eo_model_nbuffers(t->m);
    size_t la = eo_model_describe(cm, NULL, 0), lb = eo_model_describe(t->m, NULL, 0);
    char *da = malloc(la + 1), *db = malloc(lb + 1);
    int same = da && db && has && eo_model_nparams(cm) == np && eo_model_nbuffers(cm) == nbuf;
    if (same) {
        eo_model_describe(cm, da, la + 1);
        eo_model_describe(t->m, db, lb + 1);
        same = !strcmp(da, db);
    }
    int finite = !same || (finite_f32(eo_model_params(cm), np) && finite_f32(eo_model_buffers(cm), nbuf));
    if (same && finite) {
        memcpy(eo_model_params(t->m), eo_model_params(cm), np * sizeof(float));
        if (nbuf) memcpy(eo_model_buffers(t->m), eo_model_buffers(cm), nbuf * sizeof(float));
    }
    free(da);
    free(db);
    eo_model_destroy(cm);
    if (!same) return eo_error_at(err, EO_ERR_STATE, path, 0, 0, -1, "cannot resume: the checkpoint holds a different model");
    if (!finite)
        return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: the weights hold a NaN or an infinity");
    /* The scaler must be the one this run fitted (same training rows). */
    eo_scaler cs;
    if ((st = eo_mf_get_scaler(r, &cs, err))) return st;
    const eo_scaler *s = t->scaler;
    int skind = s ? (int)s->kind : EO_SCALE_NONE;
    same = (int)cs.kind == skind;
    if (same && skind != EO_SCALE_NONE)
        same = cs.cols == s->cols && !memcmp(cs.offset, s->offset, s->cols * sizeof(float)) &&
               !memcmp(cs.scale, s->scale, s->cols * sizeof(float));
    eo_scaler_free(&cs);
    if (!same)
        return eo_error_at(err, EO_ERR_STATE, path, 0, 0, -1,
                           "cannot resume: the feature scaling differs from the checkpoint's (different data?)");
    /* Position, counters, generators. */
    const int64_t *pos, *counts, *rv;
    const double *sums;
    size_t nsums;
    if ((st = get_ints_n(r, "ckpt.position", 9, &pos, err))) return st;
    if ((st = get_ints_n(r, "ckpt.counts", 2, &counts, err))) return st;
    if ((st = eo_mf_get_floats(r, "ckpt.sums", &sums, &nsums, err))) return st;
    if (nsums != 3) return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: bad 'ckpt.sums'");
    if (pos[0] < 0 || pos[0] > 1000000 || pos[1] < 0 || pos[3] < 0 || pos[4] < 0 || pos[4] > pos[0] || pos[5] < 0 ||
        pos[5] > 1000000 || counts[0] < 0 || counts[1] < 0 || counts[0] > counts[1])
        return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: position or counters out of range");
    if (!isfinite(sums[0]) || !(sums[1] >= 0) || !isfinite(sums[1]) || isnan(sums[2]))
        return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: 'ckpt.sums' holds a NaN or an infinity");
    t->epoch_done = (int)pos[0];
    t->batch_next = (size_t)pos[1];
    t->done = pos[2] != 0;
    t->steps = (long)pos[3];
    t->best_epoch = (int)pos[4];
    t->bad_epochs = (int)pos[5];
    int have_best = pos[6] != 0;
    t->stopped_early = pos[7] != 0;
    t->sum_loss = sums[0];
    t->epoch_seconds = sums[1];
    t->best_loss = sums[2];
    t->sum_correct = counts[0];
    t->seen = counts[1];
    if ((st = get_ints_n(r, "ckpt.rng_epoch", 6, &rv, err))) return st;
    rng_from_ints(&t->rng_epoch, rv);
    if ((st = get_ints_n(r, "ckpt.rng_dropout", 6, &rv, err))) return st;
    rng_from_ints(&t->rng_dropout, rv);
    /* Optimizer and schedule state images (each checks its own header). */
    const eo_mf_tensor *ot, *stn;
    if ((st = eo_mf_tensor_get(r, "ckpt.optimizer", EO_MF_U8, UINT64_MAX, &ot, err))) return st;
    if ((st = eo_optimizer_state_load(t->opt, ot->data, ot->nbytes, err))) return st;
    if ((st = eo_mf_tensor_get(r, "ckpt.schedule", EO_MF_U8, EO_SCHEDULE_STATE_BYTES, &stn, err))) return st;
    if ((st = eo_schedule_state_load(&t->sched, stn->data, stn->nbytes, err))) return st;
    /* Best weights. */
    t->have_best = 0;
    if (have_best && t->best_params) {
        const eo_mf_tensor *bp, *bb;
        if ((st = eo_mf_tensor_get(r, "ckpt.best_params", EO_MF_F32, np, &bp, err))) return st;
        if ((st = eo_mf_tensor_get(r, "ckpt.best_buffers", EO_MF_F32, nbuf, &bb, err))) return st;
        eo_mf_tensor_read_f32(bp, t->best_params, np, NULL);
        eo_mf_tensor_read_f32(bb, t->best_buffers, nbuf, NULL);
        if (!finite_f32(t->best_params, np) || !finite_f32(t->best_buffers, nbuf))
            return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: the best weights hold a NaN or an infinity");
        t->have_best = 1;
    }
    /* History. */
    const int64_t *ep;
    size_t n;
    if ((st = eo_mf_get_ints(r, "ckpt.hist.epoch", &ep, &n, err))) return st;
    if (n != (size_t)t->epoch_done)
        return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: %zu history rows for %d epochs", n,
                           t->epoch_done);
    static const char *const names[6] = {"ckpt.hist.train_loss", "ckpt.hist.train_acc", "ckpt.hist.val_loss",
                                         "ckpt.hist.val_acc",    "ckpt.hist.lr",        "ckpt.hist.seconds"};
    const double *cols[6];
    for (int c = 0; c < 6; c++) {
        size_t m;
        if ((st = eo_mf_get_floats(r, names[c], &cols[c], &m, err))) return st;
        if (m != n) return eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "checkpoint: '%s' has %zu rows, expected %zu",
                                       names[c], m, n);
    }
    t->nhist = 0;
    for (size_t i = 0; i < n; i++) {
        eo_epoch_record *rec = eo__train_hist_push(t);
        if (!rec) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        rec->epoch = (int)ep[i];
        rec->train_loss = cols[0][i];
        rec->train_acc = cols[1][i];
        rec->val_loss = cols[2][i];
        rec->val_acc = cols[3][i];
        rec->lr = cols[4][i];
        rec->seconds = cols[5][i];
    }
    return EO_OK;
}

int eo__train_ckpt_load(eo_trainer *t, eo_error *err)
{
    eo_mf_reader *r;
    int st = eo_mf_reader_open(t->p.checkpoint_path, 0, &r, err);
    if (st) return st;
    st = load(t, r, err);
    eo_mf_reader_destroy(r);
    return st;
}
