/* edgeopt train: the training loop, metrics, evaluation, checkpoints and
 * history (train module: uses the OS for checkpoints and threads).
 *
 * THE LOOP (eo_trainer_fit), per epoch e = 1..epochs:
 *   1. the training rows are shuffled with a seeded generator (stream 1 of
 *      params.seed; the validation split uses eo_data_split with the seed);
 *   2. for each mini-batch: rows are gathered with eo_data_gather (u8 images
 *      are scaled batch by batch: no float copy of the data set is made),
 *      forward in training mode (dropout on, batch norm on batch statistics),
 *      data loss + its gradient, backward, coupled penalties added to the
 *      gradient (L2, elastic net, and L1 unless l1_proximal), a finiteness
 *      check of loss and gradient, gradient clipping (norm, then value), the
 *      optimizer step (decoupled weight decay is the optimizer's, AdamW),
 *      then the L1 proximal step (soft-threshold by lr * l1, exact zeros) and
 *      the max-norm constraint; a per-step schedule steps here;
 *   3. validation in eval mode; a per-epoch schedule steps (plateau monitors
 *      the validation loss, or the training loss without validation);
 *   4. early stopping bookkeeping, a history record, a checkpoint.
 * train_loss / train_acc of an epoch are the means over its mini-batches of
 * the data loss (penalties excluded) and accuracy, measured in training mode
 * before each step (as Keras reports them).
 *
 * SCHEDULES: schedule_per_step = 0 (default) steps the schedule once per epoch
 * (so StepLR's step_size counts epochs); 1 steps it after every optimizer step
 * (so counts are optimizer steps: onecycle's total, warm-up steps). Plateau is
 * always per epoch.
 *
 * CHECKPOINTS (params.checkpoint_path): after every epoch (and every
 * checkpoint_every batches, and when stopped by stop_flag or the progress
 * callback) the whole state is written atomically into one .eom file: model
 * parameters and buffers, scaler, optimizer state, schedule state, both
 * generators, position (epoch, batch), the epoch's running sums, history,
 * best-so-far weights and early-stopping counters. The file is also a valid
 * model file (eo_model_load reads it). With params.resume, fit continues from
 * the file when it exists (and starts from scratch when it does not); with a
 * fixed seed and the same thread count the result is bit-identical to an
 * uninterrupted run. Settings that change the trajectory (batch, seed,
 * optimizer, schedule, penalties, data size, ...) must match the checkpoint's,
 * otherwise resume fails with EO_ERR_STATE naming the first difference; the
 * number of epochs may grow (a finished run resumed with more epochs goes on
 * exactly as a longer run would have). Checkpoints hold the weights of the
 * trajectory; with early_stop and restore_best the model returned by fit ends
 * on the best epoch's weights (also when all epochs ran, as Keras 3 does), and
 * a run that stopped early is not continued by a resume.
 *
 * DETERMINISM: same data, settings, seed and thread count give bit-identical
 * parameters. The SGEMM splits work into independent output blocks, so the
 * thread count does not change results either (tested in tests/train).
 *
 * FAULTS: a non-finite loss or gradient stops fit with EO_ERR_NUMERIC and a
 * message naming the epoch and batch and suggesting a lower learning rate;
 * the model is put back to its state at the end of the last good epoch and
 * the checkpoint on disk is the last good one (parameters are also checked
 * before every checkpoint is written). *stop_flag != 0 (set from a signal handler) stops
 * fit between two batches with EO_ERR_INTERRUPTED after writing a checkpoint.
 *
 * Ownership: the trainer borrows the model (it must outlive the trainer) and
 * the data sets during fit; it owns its optimizer, buffers, scaler copy and
 * history. Nothing here prints. */
#ifndef EDGEOPT_TRAIN_H
#define EDGEOPT_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* From edgeopt/data.h (declared here so that this header can be used beside
 * headers that clash with data.h). */
typedef struct eo_dataset eo_dataset;
typedef struct eo_scaler eo_scaler;
/* From edgeopt/modelfile.h. */
typedef struct eo_model_meta eo_model_meta;

/* ---------------------------------------------------------------- metrics */

/* Confusion matrix counts: conf[t * k + p] += 1 for each (true t, predicted p).
 * Labels outside [0, k) are ignored. conf is caller-owned (k*k entries). */
void eo_confusion_add(int64_t *conf, int k, const int32_t *y_true, const int32_t *y_pred, size_t n);

/* Accuracy and macro-averaged precision, recall and F1 from a confusion
 * matrix, as scikit-learn's precision_recall_fscore_support(average="macro")
 * computes them: the average runs over the classes that occur in y_true or
 * y_pred; per class P = tp/(tp+fp), R = tp/(tp+fn), F1 = 2PR/(P+R), each 0
 * when its denominator is 0; macro F1 is the mean of the per-class F1.
 * All NaN when the matrix is empty. */
typedef struct eo_class_metrics {
    double accuracy, precision, recall, f1;
    int64_t n;
} eo_class_metrics;
void eo_class_metrics_compute(const int64_t *conf, int k, eo_class_metrics *out);

/* Regression metrics, accumulated in double (Welford for the target
 * variance): MSE, MAE and R^2 = 1 - SSE/SST (sklearn's r2_score: 1 when SST
 * and SSE are 0, 0 when only SST is 0). Start with eo_reg_accum_init. */
typedef struct eo_reg_accum {
    int64_t n;
    double sse, sae, mean, m2;
} eo_reg_accum;
void eo_reg_accum_init(eo_reg_accum *a);
void eo_reg_accum_add(eo_reg_accum *a, const float *pred, const float *target, size_t n);
void eo_reg_metrics(const eo_reg_accum *a, double *mse, double *mae, double *r2);

/* Predicted class of each of n output rows of width k: argmax (first maximum)
 * for k > 1, out > 0 for k == 1 (a logit). */
void eo_predict_classes(const float *out, size_t n, int k, int32_t *pred);

/* ------------------------------------------------------------- evaluation */

typedef struct eo_eval_report {
    int64_t n;             /* rows evaluated */
    double loss;           /* mean data loss */
    int classification;    /* 1: the class fields are set; 0: the regression ones */
    int k;                 /* classes (confusion is k x k) */
    eo_class_metrics cls;
    int64_t *confusion;    /* owned: k*k counts, row = true class; eo_eval_report_free */
    double mse, mae, r2;
} eo_eval_report;
void eo_eval_report_free(eo_eval_report *r);

/* Evaluate m in eval mode on rows[0..n) of ds (rows NULL = all rows), scaling
 * with scaler (NULL = none) and batches of `batch` rows (<= 0: 256). The loss
 * decides the task: softmax CE, BCE, hinge and KL are classification (labels
 * needed), the rest regression (targets needed). EO_ERR_SHAPE when the data's
 * feature count differs from the model's input ("the model takes 784 features
 * but the data has 20"), EO_ERR_INVALID for a label the model cannot output.
 * par (NULL = serial) is used for the model's GEMMs. */
int eo_evaluate(eo_model *m, const eo_dataset *ds, const uint32_t *rows, size_t n, const eo_scaler *scaler,
                const eo_loss_params *loss, int batch, const eo_parallel *par, eo_eval_report *out, eo_error *err);

/* Outputs for rows [first, first + n) of ds in eval mode: out gets n x k
 * values: probabilities (softmax for softmax CE / hinge / KL with k > 1,
 * sigmoid for BCE or hinge with k == 1) or raw outputs (regression losses);
 * pred (may be NULL) the predicted classes. Works in chunks of `batch`. */
int eo_predict(eo_model *m, const eo_dataset *ds, size_t first, size_t n, const eo_scaler *scaler,
               eo_loss_kind loss, int batch, const eo_parallel *par, float *out, int32_t *pred, eo_error *err);

/* Check that a data set fits a model and a loss (feature count, labels or
 * targets present, labels < outputs). */
int eo_train_check_data(const eo_model *m, const eo_dataset *ds, eo_loss_kind loss, const char *what,
                        eo_error *err);

/* ---------------------------------------------------------------- history */

/* One epoch. Values not measured are NaN (accuracy for regression, val_* with
 * no validation). seconds = wall time of the epoch (not part of the
 * determinism promise). */
typedef struct eo_epoch_record {
    int epoch;            /* 1-based */
    double train_loss, train_acc;
    double val_loss, val_acc;
    double lr;            /* learning rate at the end of the epoch */
    double seconds;
} eo_epoch_record;

/* CSV "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds" (%.9g, empty
 * cells for NaN) or JSON {"history":[{...},...]} (null for NaN), chosen by the
 * extension (".json" -> JSON, anything else CSV); written atomically. */
int eo_history_write(const char *path, const eo_epoch_record *h, size_t n, eo_error *err);
/* Learning curves (loss and accuracy panels, train solid, validation dashed)
 * to PNG or SVG. EO_ERR_UNSUPPORTED when the build has no cairo. */
int eo_history_plot(const char *path, const eo_epoch_record *h, size_t n, const char *title, eo_error *err);
/* Early check (before a long run) that eo_history_plot can write `path`:
 * EO_ERR_INVALID for an extension other than .png/.svg, EO_ERR_UNSUPPORTED
 * without cairo. */
int eo_history_plot_check(const char *path, eo_error *err);

/* ------------------------------------------------------------- the trainer */

typedef enum eo_train_event {
    EO_TRAIN_BATCH = 0,   /* after a mini-batch */
    EO_TRAIN_EPOCH = 1,   /* after an epoch (record is set) */
    EO_TRAIN_RESUMED = 2  /* fit resumed from a checkpoint (epoch/batch say where) */
} eo_train_event;

typedef struct eo_train_progress {
    eo_train_event event;
    int epoch, epochs;           /* 1-based current epoch */
    size_t batch, batches;       /* batches done in this epoch / per epoch */
    double loss;                 /* running mean data loss of this epoch */
    double lr;
    const eo_epoch_record *record; /* EO_TRAIN_EPOCH only (borrowed) */
    int improved;                /* EO_TRAIN_EPOCH: the monitored loss improved */
} eo_train_progress;

/* Return non-zero to stop training (treated like *stop_flag). */
typedef int (*eo_train_progress_fn)(const eo_train_progress *p, void *user);

typedef struct eo_train_params {
    int epochs;                  /* default 10 */
    int batch;                   /* default 32 */
    int drop_last;               /* default 0 */
    eo_optim_params optim;       /* default adam (lr 1e-3) */
    eo_schedule schedule;        /* default constant */
    int schedule_per_step;       /* default 0 (per epoch), see above */
    eo_loss_params loss;         /* default softmax CE */
    double clip_norm;            /* > 0: clip the gradient's L2 norm (default 0 = off) */
    double clip_value;           /* > 0: clamp each gradient entry (default 0 = off) */
    eo_penalty penalty;          /* l1, l2, elastic net, max_norm (default all 0) */
    int l1_proximal;             /* 1: L1 by a proximal step after each update (default 0) */
    int early_stop;              /* patience in epochs, 0 = off (default) */
    double min_delta;            /* improvement needed (default 0) */
    int restore_best;            /* with early_stop: end on the best epoch's weights (default 1) */
    double val_split;            /* held-out fraction when no validation set is given (default 0) */
    uint64_t seed;               /* default 1 */
    int threads;                 /* total threads for the GEMMs (default 1); > 1: fit starts a
                                    pool, sets it on the model and sets the model back to
                                    serial (NULL) when it returns */
    const char *checkpoint_path; /* NULL = none (borrowed) */
    int checkpoint_every;        /* also checkpoint every N batches (default 0 = epoch ends only) */
    int resume;                  /* continue from checkpoint_path if it exists (default 0) */
    eo_train_progress_fn progress;
    void *progress_user;
    volatile int *stop_flag;     /* polled between batches (borrowed, may be NULL) */
    const char *data_name;       /* for the checkpoint's metadata (borrowed, may be NULL) */
    const char *model_spec;      /* idem */
    /* Optional data-loss hook (NULL = params.loss; used by distillation,
     * edgeopt/compress_model.h): called for every training batch with the
     * gathered, scaled inputs x (batch x in_numel), the model's outputs, the
     * labels (classification) or targets (regression); writes the mean loss
     * and dLoss/dOut (batch x k) and returns an eo_status. Validation and
     * train_acc still use params.loss and the labels. */
    int (*loss_fn)(void *user, const float *x, const float *out, int batch, int k, const int32_t *labels,
                   const float *targets, float *loss, float *dout);
    void *loss_user;
} eo_train_params;

eo_train_params eo_train_defaults(void);
/* NULL when valid, else a static reason. */
const char *eo_train_params_check(const eo_train_params *p);

typedef struct eo_trainer eo_trainer; /* opaque */

/* The trainer keeps a copy of p (the borrowed strings excepted) and borrows m. */
int eo_trainer_create(eo_model *m, const eo_train_params *p, eo_trainer **out, eo_error *err);
void eo_trainer_destroy(eo_trainer *t);

/* Train on rows[0..n) of train (rows NULL = all). Validation: val with its
 * rows (val_rows NULL = all of val), or, when val is NULL and val_split > 0,
 * a stratified split of the training rows. scaler: fitted by the caller on
 * the training rows (NULL = none); it is copied into checkpoints. Can be
 * called once per trainer. Returns EO_OK (also after an early stop),
 * EO_ERR_INTERRUPTED, EO_ERR_NUMERIC, or another error. */
int eo_trainer_fit(eo_trainer *t, const eo_dataset *train, const uint32_t *rows, size_t n,
                   const eo_dataset *val, const uint32_t *val_rows, size_t nval, const eo_scaler *scaler,
                   eo_error *err);

/* Results (valid after fit, also after a failed one). */
const eo_epoch_record *eo_trainer_history(const eo_trainer *t, size_t *n); /* borrowed */
int eo_trainer_best_epoch(const eo_trainer *t);   /* epoch of the best monitored loss, 0 if none */
int eo_trainer_stopped_early(const eo_trainer *t);
int eo_trainer_resumed_from(const eo_trainer *t); /* epochs done when resumed, -1 if not resumed */
long eo_trainer_steps(const eo_trainer *t);       /* optimizer steps taken in total */
/* Fill model-file metadata from the settings and the last epoch (task and
 * loss from params.loss, spec/dataset from params.model_spec/data_name,
 * canonical optimizer and schedule specs, epochs done, last losses). */
void eo_trainer_fill_meta(const eo_trainer *t, eo_model_meta *meta);

#ifdef __cplusplus
}
#endif
#endif
