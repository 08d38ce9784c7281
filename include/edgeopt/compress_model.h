/* Model-level compression: pruning whole models (unstructured per layer or
 * global, structured with the model physically shrunk), weight clustering of
 * whole models with inference from codebooks, a float executor that runs
 * dense layers through CSR or lookup kernels, the distillation loss and
 * quantization-aware training (compress module, OS-free); then the training
 * drivers, files and the common inference interface used by the commands
 * (train and io modules, marked below).
 *
 * "Compute layers" are dense, conv2d and dwconv2d: their weights (not biases,
 * not batch-norm parameters) are what pruning and clustering touch, i.e. the
 * entries where eo_model_weight_mask() is 1. */
#ifndef EDGEOPT_COMPRESS_MODEL_H
#define EDGEOPT_COMPRESS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/compress.h"
#include "edgeopt/core.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"
#include "edgeopt/qmodel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ pruning */

/* Weight sparsity of one compute layer. */
typedef struct eo_layer_sparsity {
    int layer;            /* index in the model */
    eo_layer_kind kind;
    size_t weights;       /* weight entries (biases excluded) */
    size_t zeros;         /* exact zeros among them */
    int units;            /* output neurons / filters / channels */
} eo_layer_sparsity;

/* Number of compute layers of m (the size eo_model_sparsity needs). */
int eo_model_compute_layers(const eo_model *m);
/* Per compute layer sparsity into out[0..cap); *n = the number written. */
int eo_model_sparsity(const eo_model *m, eo_layer_sparsity *out, int cap, int *n);
/* Share of exact zeros over all weights of all compute layers. */
double eo_model_weight_sparsity(const eo_model *m);

/* Magnitude pruning masks over the flat parameter vector (keep[nparams]: 1
 * keeps, 0 prunes; non-weight entries are always 1). global = 0: every compute
 * layer loses round(sparsity * its weights) of its smallest magnitudes
 * (eo_prune_mask); global = 1: one threshold over all compute layers
 * (eo_prune_mask_global), so layers with many small weights lose more.
 * Already-zero weights count as the smallest, so masks grow monotonically. */
int eo_model_prune_mask(const eo_model *m, double sparsity, int global, uint8_t *keep, eo_error *err);
/* params[i] = 0 where keep[i] == 0. */
void eo_model_apply_keep(eo_model *m, const uint8_t *keep);

/* Structured pruning (whole neurons of dense layers, whole filters of conv
 * layers) by the L2 norm of their incoming weights. Every compute layer whose
 * output reaches another dense/conv layer keeps max(1, units -
 * round(fraction * units)) units; the last compute layer (the outputs) is
 * never pruned. The removal follows the data: batch norm channels, depthwise
 * channels, pooling and activation layers pass the kept set on; flatten and
 * global pooling map channels to feature blocks; the next dense/conv layer
 * loses the matching input columns/channels. A layer whose units feed
 * something that mixes them otherwise (a softmax, a pool over features) is
 * refused with EO_ERR_UNSUPPORTED.
 *   eo_model_prune_structured: a new, smaller dense model (*out).
 *   eo_model_structured_mask:  the same decision as a mask over m's
 *     parameters (pruned rows, biases, batch-norm gamma/beta, depthwise
 *     channels and the next layer's input columns set to 0); m with this mask
 *     applied computes the same function as the shrunk model. */
int eo_model_prune_structured(const eo_model *m, double fraction, eo_model **out, eo_error *err);
int eo_model_structured_mask(const eo_model *m, double fraction, uint8_t *keep, eo_error *err);

/* ============================================================ clustering */

/* One clustered compute layer: weights = codebook[index] with packed
 * indices (edgeopt/compress.h layout: rows = units, cols = fan-in, 4 bits
 * for k <= 16 else 8). Plain data; pointers borrowed. */
typedef struct eo_clayer {
    int layer;
    int rows, cols;
    int k, bits;
    const float *codebook;  /* [k] ascending */
    const uint8_t *packed;  /* [eo_cluster_packed_size(rows, cols, bits)] */
} eo_clayer;

/* ============================================== float executor (cmodel) */

/* A float model whose dense layers may run through the CSR kernel (pruned
 * models) or the codebook lookup kernel (clustered models); the other layers
 * run as sub-models. Opaque. */
typedef struct eo_cmodel eo_cmodel;

/* When a dense layer uses CSR. */
typedef enum eo_csr_mode {
    EO_CSR_AUTO = 0,   /* when eo_csr_preferred(density, 1) (the measured crossover at batch 1) */
    EO_CSR_NEVER = 1,
    EO_CSR_ALWAYS = 2, /* every dense layer (tests) */
    EO_CSR_MODE_COUNT
} eo_csr_mode;

/* From a float model (copied). */
int eo_cmodel_from_model(const eo_model *m, eo_csr_mode csr, eo_cmodel **out, eo_error *err);
/* Cluster every compute layer of m with p->k clusters (k <= 16: 4-bit
 * indices, else 8-bit). Batch norm is folded first. Dense layers then run
 * from the codebook and indices; conv layers from weights expanded at
 * creation (the file stays small; only dense layers keep the RAM saving). */
int eo_cmodel_cluster(const eo_model *m, const eo_cluster_params *p, eo_cmodel **out, eo_error *err);
/* From an architecture with the non-clustered parameters set and the
 * clustered layers' codebooks and indices (the file reader). Copies;
 * validates shapes, index ranges (< k) and finiteness. */
int eo_cmodel_create(const eo_model *m, const eo_clayer *cl, int ncl, eo_cmodel **out, eo_error *err);
void eo_cmodel_destroy(eo_cmodel *c);

/* The float model with every weight as the executor sees it (clustered
 * weights expanded). Borrowed, valid until destroy. */
const eo_model *eo_cmodel_model(const eo_cmodel *c);
int eo_cmodel_nclustered(const eo_cmodel *c);
int eo_cmodel_clustered(const eo_cmodel *c, int i, eo_clayer *out);
/* Dense layers running through CSR (count). */
int eo_cmodel_ncsr(const eo_cmodel *c);
/* Bytes of weights as stored: codebooks + packed indices for clustered
 * layers, float32 otherwise. */
size_t eo_cmodel_weight_bytes(const eo_cmodel *c);

int eo_cmodel_reserve(eo_cmodel *c, int max_batch, eo_error *err);
/* out = model(x) in eval mode; *out borrowed until the next forward. */
int eo_cmodel_forward(eo_cmodel *c, const float *x, int batch, const float **out);

/* ========================================================= distillation */

/* Knowledge distillation loss (Hinton et al. 2015, "Distilling the Knowledge
 * in a Neural Network"), for logits s (student) and t (teacher), batch x k:
 *   L = alpha * T^2 * mean_b KL(softmax(t_b / T) || softmax(s_b / T))
 *       + (1 - alpha) * mean_b CE(softmax(s_b), y_b)
 * (T^2 keeps the soft term's gradient scale independent of T). dout (may be
 * NULL) gets dL/ds = alpha * T * (softmax(s/T) - softmax(t/T)) / batch
 * + (1 - alpha) * (softmax(s) - onehot(y)) / batch. labels may be NULL only
 * when alpha == 1. T > 0, alpha in [0, 1], 2 <= k <= 256. Accumulates in
 * double. EO_ERR_INVALID for bad arguments or a label outside 0..k-1. */
int eo_distill_loss(const float *s, const float *t, const int32_t *labels, int batch, int k, double T,
                    double alpha, float *loss, float *dout);

/* ====================================================== QAT (fake quant) */

/* Quantization-aware training state: the float model (batch norm folded)
 * cut at the int8 plan's quantization points. In the forward pass the
 * weights of every compute layer are replaced by their int8 quantize-
 * dequantize values (as eo_q8_quantize_weights, per tensor or per channel)
 * and the input and every point's activations by their int8 quantize-
 * dequantize values with the point's current range. The backward pass uses
 * the straight-through estimator (Bengio et al. 2013; Jacob et al. 2018,
 * sec. 3): the gradient passes through the weight rounding unchanged and
 * through an activation fake-quant where the value lies inside the
 * representable range (zero outside). Ranges are calibrated at creation
 * (min/max) and follow an exponential moving average of each training
 * batch's min and max (decay ema, 0 = frozen). eo_qat_convert produces the
 * eo_qmodel with the same ranges and weight quantization. Opaque. */
typedef struct eo_qat eo_qat;

typedef struct eo_qat_params {
    int per_channel;      /* default 1 */
    double ema;           /* range decay in [0, 1); default 0.99 (0 freezes the calibrated ranges) */
} eo_qat_params;
eo_qat_params eo_qat_defaults(void);
const char *eo_qat_params_check(const eo_qat_params *p);

/* m: the float model (copied; batch norm folded); calib_x: n >= 1 scaled
 * samples for the initial ranges. */
int eo_qat_create(const eo_model *m, const float *calib_x, size_t n, const eo_qat_params *p, eo_qat **out,
                  eo_error *err);
void eo_qat_destroy(eo_qat *q);
/* The master float parameters (the ones the optimizer updates), their
 * gradients and the weight mask; layout of eo_qat_model. Borrowed. */
size_t eo_qat_nparams(const eo_qat *q);
float *eo_qat_master_params(eo_qat *q);
float *eo_qat_master_grads(eo_qat *q);
const uint8_t *eo_qat_weight_mask(const eo_qat *q);
/* The folded float model holding the master parameters (borrowed). */
const eo_model *eo_qat_model(const eo_qat *q);
int eo_qat_npoints(const eo_qat *q);
void eo_qat_ranges(const eo_qat *q, double *lo, double *hi); /* [npoints] each */
int eo_qat_reserve(eo_qat *q, int max_batch, eo_error *err);
/* Fake-quantized forward (train: dropout on with rng, ranges updated by the
 * EMA); *out borrowed: batch x out_numel. */
int eo_qat_forward(eo_qat *q, const float *x, int batch, int train, eo_rng *rng, const float **out);
void eo_qat_zero_grad(eo_qat *q);
/* Backward of the last forward: ACCUMULATES into eo_qat_master_grads. */
int eo_qat_backward(eo_qat *q, const float *dout);
/* The int8 model of the current master weights and ranges. */
int eo_qat_convert(const eo_qat *q, eo_q8_path path, eo_qmodel **out, eo_error *err);

/* =========================================== train module (uses the OS) */

struct eo_dataset;
struct eo_scaler;
struct eo_model_meta;
struct eo_train_params;
struct eo_eval_report;

/* Fine-tuning with the trainer while a pruning mask is re-applied after
 * every optimizer step (so pruned weights stay exactly zero).
 *   keep != NULL: a fixed mask (one-shot pruning).
 *   keep == NULL and steps > 0: gradual pruning (Zhu & Gupta 2017): with T =
 *     the optimizer steps of tp->epochs epochs, the target sparsity s_t of
 *     eo_prune_schedule_at (s_i = the model's current sparsity, s_f =
 *     sparsity, n = steps, dt = floor(0.75 T / steps), t0 = 0) is applied at
 *     each pruning step by eo_model_prune_mask (global or per layer), so the
 *     last quarter of the training only recovers.
 * tp: the trainer's settings (epochs, batch, optimizer, seed, ...; its
 * progress callback is wrapped, not replaced). rows NULL = all rows. */
typedef struct eo_prune_fit_params {
    double sparsity;  /* final sparsity (gradual) */
    int global;
    int steps;        /* gradual pruning steps; 0 = fixed mask */
} eo_prune_fit_params;
int eo_prune_finetune(eo_model *m, const uint8_t *keep, const eo_prune_fit_params *pp,
                      const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, eo_error *err);

/* Train a student with the distillation loss through the trainer (its loss
 * hook): teacher logits are computed per batch in eval mode on the same
 * scaled inputs (the student uses the teacher's scaler). tp->loss must be
 * softmax CE (what validation reports). */
int eo_distill_fit(eo_model *student, eo_model *teacher, double T, double alpha, const struct eo_train_params *tp,
                   const struct eo_dataset *ds, const uint32_t *rows, size_t n, const struct eo_scaler *scaler,
                   eo_error *err);

/* Distillation options. mixup > 0 adds Hinton et al.'s "transfer set":
 * every training step also builds, for each row b of the batch, the mixture
 * x' = lambda x_b + (1 - lambda) x_p (p a random row of the same batch,
 * lambda ~ Beta(mixup, mixup), drawn from stream 5 of tp->seed), and adds
 * alpha * T^2 * mean KL(softmax(teacher(x')/T) || softmax(student(x')/T)) to
 * the loss: the teacher's soft targets are valid for a mixture, the labels
 * are not, so the mixtures carry no cross-entropy term. Costs one more
 * teacher forward and two more student forwards and one backward per step. */
typedef struct eo_distill_params {
    double temperature; /* T > 0 (default 4) */
    double alpha;       /* weight of the soft term in [0, 1] (default 0.7) */
    double mixup;       /* Beta parameter of the transfer-set mixtures, 0 = off (default) */
    int mixup_labels;   /* control experiment: the mixtures get the mixed one-hot labels with
                           weight 1 instead of the teacher's targets (ordinary mixup, Zhang
                           et al. 2018; the teacher is not used for them), so the student
                           alone can be trained with the same mixtures (default 0) */
} eo_distill_params;
eo_distill_params eo_distill_defaults(void);
int eo_distill_fit_ex(eo_model *student, eo_model *teacher, const eo_distill_params *dp,
                      const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, eo_error *err);

/* Quantization-aware fine-tuning of q for tp->epochs epochs (shuffled
 * mini-batches of tp->batch rows, tp->optim on the master weights, softmax
 * CE; tp->seed; the progress callback gets batch and epoch events). */
int eo_qat_fit(eo_qat *q, const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows,
               size_t n, const struct eo_scaler *scaler, eo_error *err);

/* ------------------------------------------------- common inference */

/* What a model file holds, as eo_infer runs it. Append-only. */
typedef enum eo_infer_kind {
    EO_INFER_FLOAT = 0,     /* float model (a pruned one uses CSR where it is faster) */
    EO_INFER_INT8 = 1,      /* eo_qmodel */
    EO_INFER_CLUSTERED = 2, /* codebooks + indices */
    EO_INFER_KIND_COUNT
} eo_infer_kind;
const char *eo_infer_kind_name(int k); /* "float", "int8", "clustered" */

typedef struct eo_infer eo_infer; /* opaque: one of the three, with its output buffer */

/* Load any .eom model (scaler/meta may be NULL). */
int eo_infer_load(const char *path, eo_infer **out, struct eo_scaler *scaler, struct eo_model_meta *meta,
                  eo_error *err);
/* 1 when the file is a model eo_model_load cannot run (int8, clustered),
 * 0 otherwise (also when it cannot be read: eo_model_load reports that). */
int eo_infer_file_is_compressed(const char *path);
/* Wrap objects (ownership passes to the eo_infer). */
int eo_infer_wrap_model(eo_model *m, eo_csr_mode csr, eo_infer **out, eo_error *err);
int eo_infer_wrap_qmodel(eo_qmodel *q, eo_infer **out, eo_error *err);
int eo_infer_wrap_cmodel(eo_cmodel *c, eo_infer **out, eo_error *err);
void eo_infer_destroy(eo_infer *f);
eo_infer_kind eo_infer_get_kind(const eo_infer *f);
int64_t eo_infer_in_numel(const eo_infer *f);
int64_t eo_infer_out_numel(const eo_infer *f);
/* Borrowed inner objects (NULL when of another kind). */
eo_model *eo_infer_model(eo_infer *f);
eo_qmodel *eo_infer_qmodel(eo_infer *f);
eo_cmodel *eo_infer_cmodel(eo_infer *f);
int eo_infer_reserve(eo_infer *f, int max_batch, eo_error *err);
/* Eval-mode outputs (logits, or probabilities if the model ends in a
 * softmax), *out borrowed until the next forward. */
int eo_infer_forward(eo_infer *f, const float *x, int batch, const float **out);
/* eo_evaluate / eo_predict (edgeopt/train.h) for any kind. */
int eo_infer_evaluate(eo_infer *f, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, const eo_loss_params *loss, int batch,
                      struct eo_eval_report *out, eo_error *err);
int eo_infer_predict(eo_infer *f, const struct eo_dataset *ds, size_t first, size_t n,
                     const struct eo_scaler *scaler, eo_loss_kind loss, int batch, float *out, int32_t *pred,
                     eo_error *err);

/* ============================================== io module: model files */

/* Float models with compression metadata ("compress.method" = prune |
 * structured | distill | ..., "compress.sparsity", "compress.source"); the
 * file is an ordinary float model file (eo_model_load reads it). */
int eo_compressed_float_save(const char *path, const eo_model *m, const struct eo_scaler *scaler,
                             const struct eo_model_meta *meta, const char *method, double sparsity,
                             const char *source, eo_error *err);
/* Clustered models: the folded float architecture, "model.compression" =
 * "clustered", per clustered layer "layer.<L>.cluster.codebook" (f32 [k])
 * and "layer.<L>.cluster.index" (u4 [rows][cols rounded up to even] or u8
 * [rows][cols]), every other parameter as "layer.<L>.cluster.params" (f32).
 * No float copy of the clustered weights is stored. */
int eo_cmodel_save(const char *path, const eo_cmodel *c, const struct eo_scaler *scaler,
                   const struct eo_model_meta *meta, eo_error *err);
int eo_cmodel_load(const char *path, eo_cmodel **out, struct eo_scaler *scaler, struct eo_model_meta *meta,
                   eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
