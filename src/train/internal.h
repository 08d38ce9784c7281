/* Private: the trainer's state, shared by trainer.c and checkpoint.c. */
#ifndef EO_TRAIN_INTERNAL_H
#define EO_TRAIN_INTERNAL_H

#include "edgeopt/data.h"
#include "edgeopt/optim.h"
#include "edgeopt/parallel.h"
#include "edgeopt/train.h"

struct eo_trainer {
    eo_train_params p;
    eo_model *m;              /* borrowed */
    eo_optimizer *opt;
    eo_schedule_state sched;
    double base_lr;
    int fitted;

    /* position */
    int epoch_done;           /* completed epochs */
    size_t batch_next;        /* next batch of the current epoch (0 at an epoch boundary) */
    eo_rng rng_epoch;         /* shuffle generator at the start of the current epoch */
    eo_rng rng_dropout;       /* dropout generator, current */
    long steps;
    int done;                 /* finished (epochs reached or stopped early) */
    int resumed_from;

    /* running sums of the current epoch */
    double sum_loss;
    int64_t sum_correct, seen;
    double epoch_seconds;     /* seconds spent in this epoch before a resume */

    /* history */
    eo_epoch_record *hist;
    size_t nhist, caphist;

    /* best epoch / early stopping */
    double best_loss;
    int best_epoch, bad_epochs, have_best, stopped_early;
    float *best_params, *best_buffers; /* copies when early_stop && restore_best */

    /* fit inputs (borrowed during fit) */
    const eo_scaler *scaler;
    size_t ntrain, nval;
    char config[2048];        /* settings that must match on resume */
};

/* Grow the history by one record (returns it, NULL on allocation failure). */
eo_epoch_record *eo__train_hist_push(eo_trainer *t);
/* Write / read the checkpoint at t->p.checkpoint_path. */
int eo__train_ckpt_save(eo_trainer *t, eo_error *err);
int eo__train_ckpt_load(eo_trainer *t, eo_error *err);

/* A forward pass in eval mode behind a callback: the float model and every
 * model kind of eo_infer share the evaluation and prediction loops. */
typedef struct eo__forward {
    void *ctx;
    int (*reserve)(void *ctx, int max_batch, eo_error *err);
    int (*forward)(void *ctx, const float *x, int batch, const float **out);
    int64_t in, out; /* features in, outputs */
} eo__forward;

int eo__check_data_sizes(int64_t in, int64_t k, const eo_dataset *ds, eo_loss_kind loss, const char *what,
                         eo_error *err);
/* eo_evaluate / eo_predict (edgeopt/train.h) over any forward pass. */
int eo__eval_loop(const eo__forward *f, const eo_dataset *ds, const uint32_t *rows, size_t n, const eo_scaler *scaler,
                  const eo_loss_params *loss, int batch, eo_eval_report *out, eo_error *err);
int eo__predict_loop(const eo__forward *f, const eo_dataset *ds, size_t first, size_t n, const eo_scaler *scaler,
                     eo_loss_kind loss, int batch, float *out, int32_t *pred, eo_error *err);

#endif
