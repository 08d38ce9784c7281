/* The training loop (see edgeopt/train.h for the order of operations, the
 * checkpoint contents and the determinism promise).
 *
 * Mini-batch stochastic optimization over shuffled epochs, with coupled
 * penalties added to the gradient, proximal L1 (soft-thresholding, the
 * proximal operator of lr*l1*|w|: Parikh & Boyd 2014, sec. 6.5.2), max-norm
 * (Srivastava et al. 2014) and early stopping on the validation loss
 * (Prechelt 1998, "Early stopping - but when?"). */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/io.h"
#include "train/internal.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

eo_train_params eo_train_defaults(void)
{
    eo_train_params p;
    memset(&p, 0, sizeof p);
    p.epochs = 10;
    p.batch = 32;
    p.optim = eo_optim_defaults(EO_OPTIM_ADAM);
    p.schedule = eo_schedule_defaults(EO_SCHEDULE_CONSTANT);
    p.loss = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    p.restore_best = 1;
    p.seed = 1;
    p.threads = 1;
    return p;
}

static int bad_nonneg(double v) { return !(v >= 0) || !isfinite(v); }

const char *eo_train_params_check(const eo_train_params *p)
{
    const char *why;
    if (p->epochs < 1 || p->epochs > 1000000) return "epochs must be in 1..1000000";
    if (p->batch < 1 || p->batch > (1 << 20)) return "batch must be in 1..1048576";
    if ((why = eo_optim_check(&p->optim))) return why;
    if ((why = eo_schedule_check(&p->schedule))) return why;
    if ((why = eo_loss_params_check(&p->loss))) return why;
    if (p->loss.kind == EO_LOSS_KL_T) return "the KL loss needs teacher outputs: use the distillation command";
    if (bad_nonneg(p->clip_norm)) return "clip_norm must be >= 0";
    if (bad_nonneg(p->clip_value)) return "clip_value must be >= 0";
    if (bad_nonneg(p->penalty.l1) || bad_nonneg(p->penalty.l2) || bad_nonneg(p->penalty.elastic_alpha))
        return "l1, l2 and elastic_alpha must be >= 0";
    if (!(p->penalty.elastic_l1_ratio >= 0 && p->penalty.elastic_l1_ratio <= 1))
        return "elastic_l1_ratio must be in [0, 1]";
    if (bad_nonneg(p->penalty.max_norm)) return "max_norm must be >= 0";
    if (p->early_stop < 0) return "early_stop (patience) must be >= 0";
    if (bad_nonneg(p->min_delta)) return "min_delta must be >= 0";
    if (!(p->val_split >= 0 && p->val_split < 1)) return "val_split must be in [0, 1)";
    if (p->threads < 1 || p->threads > 256) return "threads must be in 1..256";
    if (p->checkpoint_every < 0) return "checkpoint_every must be >= 0";
    if (p->resume && !p->checkpoint_path) return "resume needs a checkpoint path";
    return NULL;
}

int eo_trainer_create(eo_model *m, const eo_train_params *p, eo_trainer **out, eo_error *err)
{
    *out = NULL;
    const char *why = eo_train_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "training settings: %s", why);
    if (eo_model_nparams(m) == 0) return eo_error_set(err, EO_ERR_INVALID, "the model has no parameters to train");
    eo_trainer *t = calloc(1, sizeof *t);
    if (!t) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    t->p = *p;
    t->m = m;
    t->resumed_from = -1;
    t->best_loss = INFINITY;
    int st = eo_optimizer_create_prec(&p->optim, eo_model_nparams(m), EO_OPTIM_PREC_F32, NULL, &t->opt, err);
    if (st) {
        free(t);
        return st;
    }
    *out = t;
    return EO_OK;
}

void eo_trainer_destroy(eo_trainer *t)
{
    if (!t) return;
    eo_optimizer_destroy(t->opt);
    free(t->hist);
    free(t->best_params);
    free(t->best_buffers);
    free(t);
}

const eo_epoch_record *eo_trainer_history(const eo_trainer *t, size_t *n)
{
    *n = t->nhist;
    return t->hist;
}
int eo_trainer_best_epoch(const eo_trainer *t) { return t->best_epoch; }
int eo_trainer_stopped_early(const eo_trainer *t) { return t->stopped_early; }
int eo_trainer_resumed_from(const eo_trainer *t) { return t->resumed_from; }
long eo_trainer_steps(const eo_trainer *t) { return t->steps; }

eo_epoch_record *eo__train_hist_push(eo_trainer *t)
{
    if (t->nhist == t->caphist) {
        size_t cap = t->caphist ? t->caphist * 2 : 16;
        eo_epoch_record *h = realloc(t->hist, cap * sizeof *h);
        if (!h) return NULL;
        t->hist = h;
        t->caphist = cap;
    }
    eo_epoch_record *r = &t->hist[t->nhist++];
    memset(r, 0, sizeof *r);
    return r;
}

static int is_cls(eo_loss_kind k)
{
    return k == EO_LOSS_SOFTMAX_CE || k == EO_LOSS_BCE_LOGITS || k == EO_LOSS_HINGE;
}

/* The settings that decide the trajectory, as "key=value" words. */
static void build_config(eo_trainer *t, size_t cols)
{
    const eo_train_params *p = &t->p;
    char opt[400], sch[300];
    eo_optim_format(&p->optim, opt, sizeof opt);
    eo_schedule_format(&p->schedule, sch, sizeof sch);
    snprintf(t->config, sizeof t->config,
             "batch=%d drop_last=%d optimizer=%s schedule=%s schedule_per_step=%d loss=%s huber_delta=%.9g "
             "clip_norm=%.17g clip_value=%.17g l1=%.17g l2=%.17g elastic=%.17g,%.17g max_norm=%.17g "
             "l1_proximal=%d early_stop=%d min_delta=%.17g restore_best=%d val_split=%.17g seed=%llu "
             "train_rows=%zu val_rows=%zu features=%zu params=%zu",
             p->batch, p->drop_last, opt, sch, p->schedule_per_step, eo_loss_kind_name(p->loss.kind),
             (double)p->loss.huber_delta, p->clip_norm, p->clip_value, p->penalty.l1, p->penalty.l2,
             p->penalty.elastic_alpha, p->penalty.elastic_l1_ratio, p->penalty.max_norm, p->l1_proximal,
             p->early_stop, p->min_delta, p->restore_best, p->val_split, (unsigned long long)p->seed, t->ntrain,
             t->nval, cols, eo_model_nparams(t->m));
}

static int report(eo_trainer *t, eo_train_event ev, int epoch, size_t batch, size_t batches,
                  const eo_epoch_record *rec, int improved)
{
    if (!t->p.progress) return 0;
    eo_train_progress pr;
    pr.event = ev;
    pr.epoch = epoch;
    pr.epochs = t->p.epochs;
    pr.batch = batch;
    pr.batches = batches;
    pr.loss = t->seen ? t->sum_loss / (double)t->seen : NAN;
    pr.lr = t->sched.lr;
    pr.record = rec;
    pr.improved = improved;
    return t->p.progress(&pr, t->p.progress_user);
}

static int all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* 1 when every entry is finite. Branch-free with an integer OR-reduction so
 * the compiler vectorizes it (a double sum of squares per step cost ~8% of an
 * MLP epoch); NaN fails the comparison, +-Inf exceeds FLT_MAX. */
static int grads_finite(const float *restrict v, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) bad |= !(fabsf(v[i]) <= FLT_MAX);
    return bad == 0;
}

/* Everything fit allocates, freed in one place. */
typedef struct fit_buf {
    uint32_t *train_idx, *val_idx, *perm;
    float *x, *tg, *dout;
    int32_t *y, *pred;
    float *snap_p, *snap_b; /* model at the start of the epoch (restored on a numeric failure) */
    eo_pool *pool;
} fit_buf;

static void fit_buf_free(eo_trainer *t, fit_buf *b)
{
    if (b->pool) {
        eo_model_set_parallel(t->m, NULL);
        eo_pool_destroy(b->pool);
    }
    free(b->train_idx);
    free(b->val_idx);
    free(b->perm);
    free(b->x);
    free(b->tg);
    free(b->dout);
    free(b->y);
    free(b->pred);
    free(b->snap_p);
    free(b->snap_b);
}

static void snapshot(eo_trainer *t, fit_buf *b, int restore)
{
    size_t np = eo_model_nparams(t->m), nb = eo_model_nbuffers(t->m);
    if (restore) {
        memcpy(eo_model_params(t->m), b->snap_p, np * sizeof(float));
        if (nb) memcpy(eo_model_buffers(t->m), b->snap_b, nb * sizeof(float));
    } else {
        memcpy(b->snap_p, eo_model_params(t->m), np * sizeof(float));
        if (nb) memcpy(b->snap_b, eo_model_buffers(t->m), nb * sizeof(float));
    }
}

static int numeric_failure(eo_trainer *t, fit_buf *b, int epoch, size_t batch, const char *what, eo_error *err)
{
    snapshot(t, b, 1);
    return eo_error_set(err, EO_ERR_NUMERIC,
                        "epoch %d, batch %zu: %s; training stopped and the model is back at the end of epoch %d%s. "
                        "Hint: lower the learning rate (it is %g) or clip gradients (--clip-norm)",
                        epoch, batch, what, epoch - 1,
                        t->p.checkpoint_path ? " (the last good checkpoint is kept)" : "", t->sched.lr);
}

static int checkpoint(eo_trainer *t, eo_error *err)
{
    if (!t->p.checkpoint_path) return EO_OK;
    if (!all_finite(eo_model_params(t->m), eo_model_nparams(t->m)))
        return eo_error_set(err, EO_ERR_NUMERIC, "the parameters are not finite; the checkpoint was not written");
    return eo__train_ckpt_save(t, err);
}

static void save_best(eo_trainer *t)
{
    size_t np = eo_model_nparams(t->m), nb = eo_model_nbuffers(t->m);
    memcpy(t->best_params, eo_model_params(t->m), np * sizeof(float));
    if (nb) memcpy(t->best_buffers, eo_model_buffers(t->m), nb * sizeof(float));
    t->have_best = 1;
}

static void restore_best(eo_trainer *t)
{
    size_t np = eo_model_nparams(t->m), nb = eo_model_nbuffers(t->m);
    memcpy(eo_model_params(t->m), t->best_params, np * sizeof(float));
    if (nb) memcpy(eo_model_buffers(t->m), t->best_buffers, nb * sizeof(float));
}

int eo_trainer_fit(eo_trainer *t, const eo_dataset *train, const uint32_t *rows, size_t n, const eo_dataset *val,
                   const uint32_t *val_rows, size_t nval, const eo_scaler *scaler, eo_error *err)
{
    if (t->fitted) return eo_error_set(err, EO_ERR_STATE, "eo_trainer_fit can be called once per trainer");
    t->fitted = 1;
    const eo_train_params *p = &t->p;
    eo_model *m = t->m;
    fit_buf B;
    memset(&B, 0, sizeof B);
    int st = eo_train_check_data(m, train, p->loss.kind, NULL, err);
    if (!st && val) st = eo_train_check_data(m, val, p->loss.kind, NULL, err);
    if (!st && scaler && scaler->kind != EO_SCALE_NONE && scaler->cols != train->cols)
        st = eo_error_set(err, EO_ERR_SHAPE, "the scaler has %zu features but the data has %zu", scaler->cols,
                          train->cols);
    if (st) return st;
    if (!rows) n = train->rows;
    size_t cols = train->cols, np = eo_model_nparams(m), nbuf = eo_model_nbuffers(m);
    int k = (int)eo_model_out_numel(m), cls = is_cls(p->loss.kind);
    t->scaler = scaler;

    /* Rows: training and validation index lists. */
    B.train_idx = malloc((n ? n : 1) * sizeof(uint32_t));
    if (!B.train_idx) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) B.train_idx[i] = rows ? rows[i] : (uint32_t)i;
    size_t ntr = n;
    const eo_dataset *vds = val;
    const uint32_t *vrows = val_rows;
    if (val && !val_rows) nval = val->rows;
    if (!val && p->val_split > 0) {
        uint32_t *tr = NULL, *va = NULL;
        size_t a = 0, bnum = 0;
        st = eo_data_split_rows(train, B.train_idx, n, p->val_split, p->seed, &tr, &a, &va, &bnum, err);
        if (st) goto out;
        free(B.train_idx);
        B.train_idx = tr;
        B.val_idx = va;
        ntr = a;
        vds = bnum ? train : NULL;
        vrows = va;
        nval = bnum;
    }
    if (!vds) nval = 0;
    if (ntr == 0) {
        st = eo_error_set(err, EO_ERR_INVALID, "no training rows left (after the validation split)");
        goto out;
    }
    t->ntrain = ntr;
    t->nval = nval;
    build_config(t, cols);

    /* State at the start (a checkpoint may replace it). */
    t->base_lr = p->optim.lr;
    eo_schedule_start(&p->schedule, t->base_lr, &t->sched);
    eo_rng_seed_stream(&t->rng_epoch, p->seed, 1);
    eo_rng_seed_stream(&t->rng_dropout, p->seed, 2);
    int need_best = p->early_stop > 0 && p->restore_best;
    if (need_best) {
        t->best_params = malloc(np * sizeof(float));
        t->best_buffers = malloc((nbuf ? nbuf : 1) * sizeof(float));
        if (!t->best_params || !t->best_buffers) {
            st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (p->resume && p->checkpoint_path && eo_io_exists(p->checkpoint_path)) {
        if ((st = eo__train_ckpt_load(t, err))) goto out;
        t->resumed_from = t->epoch_done;
        report(t, EO_TRAIN_RESUMED, t->epoch_done + 1, t->batch_next, 0, NULL, 0);
    }

    size_t bsz = (size_t)p->batch;
    B.perm = malloc(ntr * sizeof(uint32_t));
    B.x = malloc(bsz * cols * sizeof(float));
    B.tg = malloc(bsz * sizeof(float));
    B.dout = malloc(bsz * (size_t)k * sizeof(float));
    B.y = malloc(bsz * sizeof(int32_t));
    B.pred = malloc(bsz * sizeof(int32_t));
    B.snap_p = malloc(np * sizeof(float));
    B.snap_b = malloc((nbuf ? nbuf : 1) * sizeof(float));
    if (!B.perm || !B.x || !B.tg || !B.dout || !B.y || !B.pred || !B.snap_p || !B.snap_b) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory for training batches");
        goto out;
    }
    if (p->threads > 1) {
        if (eo_pool_create(p->threads, &B.pool) != EO_OK) {
            st = eo_error_set(err, EO_ERR_NOMEM, "cannot start %d threads", p->threads);
            goto out;
        }
        eo_model_set_parallel(m, eo_pool_parallel(B.pool));
    }
    if ((st = eo_model_reserve(m, p->batch, err))) goto out;
    float *params = eo_model_params(m), *grads = eo_model_grads(m);
    const uint8_t *mask = eo_model_weight_mask(m);
    eo_penalty pen = p->penalty;
    if (p->l1_proximal) pen.l1 = 0; /* applied by the proximal step instead */
    int has_pen = pen.l1 > 0 || pen.l2 > 0 || pen.elastic_alpha > 0;
    int plateau = p->schedule.kind == EO_SCHEDULE_PLATEAU;
    size_t nb = eo_data_num_batches(ntr, bsz, p->drop_last);
    if (nb == 0) {
        st = eo_error_set(err, EO_ERR_INVALID, "no complete batch of %d rows in %zu training rows", p->batch, ntr);
        goto out;
    }
    if (t->batch_next >= nb) {
        st = eo_error_at(err, EO_ERR_FORMAT, p->checkpoint_path, 0, 0, -1,
                         "the checkpoint's batch position %zu is beyond the %zu batches of an epoch", t->batch_next, nb);
        goto out;
    }

    while (!t->done && t->epoch_done < p->epochs) {
        int e = t->epoch_done + 1;
        double t0 = now_seconds();
        eo_rng shuffle = t->rng_epoch;
        memcpy(B.perm, B.train_idx, ntr * sizeof(uint32_t));
        eo_data_shuffle(B.perm, ntr, &shuffle);
        if (t->batch_next == 0) {
            t->sum_loss = 0;
            t->sum_correct = t->seen = 0;
            t->epoch_seconds = 0;
        }
        snapshot(t, &B, 0);
        for (size_t b = t->batch_next; b < nb; b++) {
            if (p->stop_flag && *p->stop_flag) {
                t->epoch_seconds += now_seconds() - t0;
                int cst = checkpoint(t, err);
                st = cst ? cst : eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted in epoch %d after %zu of %zu batches",
                                               e, b, nb);
                goto out;
            }
            size_t start, bs = eo_data_batch_range(ntr, bsz, b, &start);
            if (p->drop_last && bs < bsz) break;
            eo_data_gather(train, scaler, B.perm + start, bs, B.x, cls ? B.y : NULL, cls ? NULL : B.tg);
            const float *o;
            if ((st = eo_model_forward(m, B.x, (int)bs, 1, &t->rng_dropout, &o))) {
                eo_error_set(err, st, "epoch %d, batch %zu: forward pass failed", e, b + 1);
                goto out;
            }
            float loss;
            eo_model_zero_grad(m);
            float *dout = B.dout;
            if (cls) {
                eo_predict_classes(o, bs, k, B.pred);
                for (size_t i = 0; i < bs; i++) t->sum_correct += B.pred[i] == B.y[i];
            }
            loss = NAN;
            st = p->loss_fn ? p->loss_fn(p->loss_user, B.x, o, (int)bs, k, cls ? B.y : NULL, cls ? NULL : B.tg, &loss, dout)
                            : eo_loss(&p->loss, o, (int)bs, k, cls ? B.y : NULL, cls ? NULL : B.tg, &loss, dout);
            if (st == EO_ERR_NUMERIC || (!st && !isfinite(loss))) {
                st = numeric_failure(t, &B, e, b + 1, isinf(loss) ? "the loss is infinite" : "the loss is NaN", err);
                goto out;
            }
            if (st) {
                eo_error_set(err, st, "epoch %d, batch %zu: a label or target does not fit the model", e, b + 1);
                goto out;
            }
            if ((st = eo_model_backward(m, dout))) {
                eo_error_set(err, st, "epoch %d, batch %zu: backward pass failed", e, b + 1);
                goto out;
            }
            if (has_pen) eo_penalty_apply(&pen, np, params, mask, grads);
            int gfinite = p->clip_norm > 0 ? isfinite(eo_clip_grad_norm_f32(np, grads, p->clip_norm))
                                           : grads_finite(grads, np);
            if (!gfinite) {
                st = numeric_failure(t, &B, e, b + 1, "the gradient is not finite", err);
                goto out;
            }
            if (p->clip_value > 0) eo_clip_grad_value_f32(np, grads, p->clip_value);
            eo_optimizer_set_lr(t->opt, t->sched.lr);
            if ((st = eo_optimizer_step_f32(t->opt, params, grads, mask))) {
                eo_error_set(err, st, "optimizer step failed");
                goto out;
            }
            if (p->l1_proximal && p->penalty.l1 > 0) eo_penalty_prox_l1(np, params, mask, t->sched.lr * p->penalty.l1);
            if (p->penalty.max_norm > 0) eo_model_apply_max_norm(m, p->penalty.max_norm);
            /* Finite gradients can still overflow the weights (a huge learning
             * rate, or moments resumed from a far-off state). */
            if (!grads_finite(params, np)) {
                st = numeric_failure(t, &B, e, b + 1, "the update made the weights infinite or NaN", err);
                goto out;
            }
            t->steps++;
            t->sum_loss += (double)loss * (double)bs;
            t->seen += (int64_t)bs;
            if (p->schedule_per_step && !plateau) eo_schedule_next(&p->schedule, t->base_lr, &t->sched, 0);
            t->batch_next = b + 1;
            if (report(t, EO_TRAIN_BATCH, e, b + 1, nb, NULL, 0) && b + 1 < nb) {
                t->epoch_seconds += now_seconds() - t0;
                int cst = checkpoint(t, err);
                st = cst ? cst : eo_error_set(err, EO_ERR_INTERRUPTED, "stopped in epoch %d after %zu of %zu batches",
                                               e, b + 1, nb);
                goto out;
            }
            if (p->checkpoint_every && (b + 1) % (size_t)p->checkpoint_every == 0 && b + 1 < nb) {
                double now = now_seconds();
                t->epoch_seconds += now - t0;
                t0 = now;
                if ((st = checkpoint(t, err))) goto out;
            }
        }
        /* End of the epoch: validation, schedule, early stopping, history. */
        eo_epoch_record *rec = eo__train_hist_push(t);
        if (!rec) {
            st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            goto out;
        }
        rec->epoch = e;
        rec->train_loss = t->seen ? t->sum_loss / (double)t->seen : NAN;
        rec->train_acc = cls && t->seen ? (double)t->sum_correct / (double)t->seen : NAN;
        rec->val_loss = rec->val_acc = NAN;
        if (vds && nval) {
            eo_eval_report rep;
            st = eo_evaluate(m, vds, vrows, nval, scaler, &p->loss, p->batch > 256 ? p->batch : 256, NULL, &rep, err);
            if (st) goto out;
            rec->val_loss = rep.loss;
            rec->val_acc = cls ? rep.cls.accuracy : NAN;
            eo_eval_report_free(&rep);
            if (!isfinite(rec->val_loss)) {
                st = numeric_failure(t, &B, e, nb, "the validation loss is not finite", err);
                t->nhist--;
                goto out;
            }
        }
        rec->lr = t->sched.lr;
        double monitored = vds && nval ? rec->val_loss : rec->train_loss;
        if (!p->schedule_per_step || plateau) eo_schedule_next(&p->schedule, t->base_lr, &t->sched, monitored);
        int improved = monitored < t->best_loss - p->min_delta;
        if (improved) {
            t->best_loss = monitored;
            t->best_epoch = e;
            t->bad_epochs = 0;
            if (need_best) save_best(t);
        } else {
            t->bad_epochs++;
        }
        if (p->early_stop > 0 && t->bad_epochs >= p->early_stop) {
            t->stopped_early = 1;
            t->done = 1;
        }
        t->epoch_done = e;
        t->batch_next = 0;
        t->rng_epoch = shuffle;
        rec->seconds = t->epoch_seconds + (now_seconds() - t0);
        t->epoch_seconds = 0;
        if ((st = checkpoint(t, err))) goto out;
        if (report(t, EO_TRAIN_EPOCH, e, nb, nb, rec, improved) && !t->done) {
            st = eo_error_set(err, EO_ERR_INTERRUPTED, "stopped after epoch %d", e);
            goto out;
        }
    }
    /* The checkpoints hold the trajectory's weights (so a finished run can be
     * resumed with more epochs); the model ends on the best epoch's. */
    if (need_best && t->have_best) restore_best(t);
out:
    fit_buf_free(t, &B);
    t->scaler = NULL;
    return st;
}
