/* Pruning with fine-tuning through the trainer: the mask is re-applied after
 * every optimizer step from the trainer's progress callback, so pruned
 * weights stay exactly zero (Han et al. 2015); gradual pruning raises the
 * sparsity on the polynomial schedule of Zhu & Gupta 2017 ("To prune, or not
 * to prune", eq. 1) during the same run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/train.h"

typedef struct pctx {
    eo_model *m;
    uint8_t *keep;
    const eo_prune_fit_params *pp;
    eo_prune_schedule sch;
    int gradual;
    long step;
    int fail;
    eo_train_progress_fn user_fn;
    void *user;
} pctx;

static int on_progress(const eo_train_progress *p, void *u)
{
    pctx *c = u;
    if (p->event == EO_TRAIN_BATCH) {
        c->step++;
        if (c->gradual && eo_prune_schedule_is_step(&c->sch, c->step)) {
            double s = eo_prune_schedule_at(&c->sch, c->step);
            if (eo_model_prune_mask(c->m, s, c->pp->global, c->keep, NULL)) c->fail = 1;
        }
        eo_model_apply_keep(c->m, c->keep);
        if (c->fail) return 1;
    }
    return c->user_fn ? c->user_fn(p, c->user) : 0;
}

int eo_prune_finetune(eo_model *m, const uint8_t *keep, const eo_prune_fit_params *pp,
                      const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, eo_error *err)
{
    if (!m || !pp || !tp || !ds) return eo_error_set(err, EO_ERR_INVALID, "eo_prune_finetune: NULL argument");
    if (!keep && pp->steps < 1) return eo_error_set(err, EO_ERR_INVALID, "a mask or gradual pruning steps are needed");
    if (!(pp->sparsity >= 0 && pp->sparsity <= 1)) return eo_error_set(err, EO_ERR_INVALID, "sparsity must be in [0, 1]");
    size_t np = eo_model_nparams(m);
    pctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.pp = pp;
    c.keep = malloc(np ? np : 1);
    if (!c.keep) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    if (keep) {
        memcpy(c.keep, keep, np);
    } else {
        size_t rows_n = rows ? n : ds->rows;
        long T = (long)eo_data_num_batches(rows_n, (size_t)tp->batch, tp->drop_last) * tp->epochs;
        c.gradual = 1;
        c.sch = eo_prune_schedule_defaults();
        c.sch.s_initial = eo_model_weight_sparsity(m);
        c.sch.s_final = pp->sparsity;
        c.sch.t0 = 0;
        c.sch.n = pp->steps;
        c.sch.dt = (long)floor(0.75 * (double)T / (double)pp->steps);
        if (c.sch.dt < 1) c.sch.dt = 1;
        if (c.sch.s_initial > c.sch.s_final) c.sch.s_initial = c.sch.s_final;
        int st = eo_model_prune_mask(m, c.sch.s_initial, pp->global, c.keep, err);
        if (st) {
            free(c.keep);
            return st;
        }
    }
    eo_model_apply_keep(m, c.keep);
    eo_train_params p = *tp;
    c.user_fn = p.progress;
    c.user = p.progress_user;
    p.progress = on_progress;
    p.progress_user = &c;
    eo_trainer *t = NULL;
    int st = eo_trainer_create(m, &p, &t, err);
    if (!st) st = eo_trainer_fit(t, ds, rows, n, NULL, NULL, 0, scaler, err);
    if (c.fail && st) st = eo_error_set(err, EO_ERR_NUMERIC, "pruning failed: the weights are not finite");
    /* A run too short to reach the last pruning step still ends at the target. */
    if (!st && c.gradual && fabs(eo_model_weight_sparsity(m) - pp->sparsity) > 1e-6) {
        st = eo_model_prune_mask(m, pp->sparsity, pp->global, c.keep, err);
        if (!st) eo_model_apply_keep(m, c.keep);
    }
    eo_trainer_destroy(t);
    free(c.keep);
    return st;
}
