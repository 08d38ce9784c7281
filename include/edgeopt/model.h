/* edgeopt model: layers, losses, models, model specs and regularizers (OS-free).
 *
 * Everything here uses libc and libm only: no files, no printing, no threads
 * (parallelism arrives through an eo_parallel the caller supplies).
 *
 * DATA LAYOUT
 *   A batch is row-major batch x in_numel floats; inside one sample the values
 *   are NCHW without the N, i.e. index (c*H + h)*W + w. A sample's shape is
 *   (C, H, W); a plain feature vector of D values is (1, 1, D). Dense, flatten
 *   and the vector losses see a sample as its in_numel values in that order.
 *   Dense layers produce (1, 1, units); flatten produces (1, 1, C*H*W); global
 *   average pooling produces (C, 1, 1).
 *
 * PARAMETER LAYOUT (the model file, int8 and export lanes rely on it)
 *   All parameters of a model are ONE contiguous float array (eo_model_params),
 *   layer after layer, in layer order, with no padding. Inside a layer:
 *     dense     W [units][in_numel] then b [units]     (forward: Y = X W^T + b)
 *     conv2d    W [units][C][kh][kw] then b [units]
 *     dwconv2d  W [C][1][kh][kw] then b [C]            (depth multiplier 1)
 *     batchnorm gamma [C] then beta [C]
 *   The gradient array has the same layout. Non-trainable state lives in a
 *   second array (eo_model_buffers), layer after layer:
 *     batchnorm running_mean [C] then running_var [C]
 *   Batch norm's "channels" C are the sample's C, except for a vector shape
 *   (1, 1, D) where the D features are the channels (BatchNorm1d). A conv output
 *   of shape (1, 1, W) is therefore treated as W features.
 *
 * CONVOLUTION
 *   out = floor((in + 2*pad - k) / stride) + 1 along H and W, zero padding,
 *   cross-correlation (no kernel flip), as in PyTorch's Conv2d. Pooling uses the
 *   same formula (pad is zero padding for avgpool, counted in the divisor like
 *   PyTorch's count_include_pad=True; maxpool pads with -inf).
 *
 * MEMORY
 *   eo_model_create allocates one block (descriptors, params, grads, buffers,
 *   weight mask) through the allocator. eo_model_reserve allocates the working
 *   memory for batches up to max_batch (activations, im2col, scratch); after it,
 *   forward/backward/loss/penalty never allocate. A forward with a batch larger
 *   than the reserved one reserves again (that call allocates).
 *
 * THREADS
 *   A model is not thread-safe; use one model per thread (eo_model_copy). */
#ifndef EDGEOPT_MODEL_H
#define EDGEOPT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- layers */

/* Append-only: the integer values are stored in model files. */
typedef enum eo_layer_kind {
    EO_LAYER_DENSE = 0,
    EO_LAYER_CONV2D = 1,
    EO_LAYER_DWCONV2D = 2,
    EO_LAYER_MAXPOOL = 3,
    EO_LAYER_AVGPOOL = 4,
    EO_LAYER_GAP = 5,       /* global average pooling: (C,H,W) -> (C,1,1) */
    EO_LAYER_FLATTEN = 6,   /* (C,H,W) -> (1,1,C*H*W), no copy semantics change */
    EO_LAYER_BATCHNORM = 7,
    EO_LAYER_DROPOUT = 8,
    EO_LAYER_RELU = 9,
    EO_LAYER_RELU6 = 10,
    EO_LAYER_LEAKY_RELU = 11,
    EO_LAYER_TANH = 12,
    EO_LAYER_SIGMOID = 13,
    EO_LAYER_SOFTMAX = 14,  /* over all in_numel values of a sample */
    EO_LAYER_COUNT
} eo_layer_kind;

/* "dense", "conv2d", "dwconv2d", "maxpool", "avgpool", "gap", "flatten",
 * "batchnorm", "dropout", "relu", "relu6", "leaky_relu", "tanh", "sigmoid",
 * "softmax"; "unknown" out of range. */
const char *eo_layer_kind_name(int k);
/* Inverse of eo_layer_kind_name (also accepts the description aliases conv,
 * dwconv, bn, leakyrelu, globalavgpool); -1 if unknown. */
int eo_layer_kind_from_name(const char *s);

/* One layer's hyperparameters. Fields a kind does not use are ignored (and
 * should be left at the defaults). */
typedef struct eo_layer_desc {
    eo_layer_kind kind;
    int units;          /* dense outputs or conv2d filters (dwconv2d: 0 or C) */
    int kh, kw;         /* conv/dwconv kernel, pool window */
    int stride;         /* conv/pool stride (pool default: the window) */
    int pad;            /* zero padding on each side (conv and pool) */
    float alpha;        /* leaky_relu negative slope, default 0.01 */
    float p;            /* dropout probability in [0, 1), default 0.5 */
    float eps;          /* batchnorm epsilon, default 1e-5 */
    float momentum;     /* batchnorm: running = (1-m) running + m batch, default 0.1 */
} eo_layer_desc;

/* A descriptor of the given kind with every field at its default
 * (units 0, kh=kw=3 for conv, 2 for pools, stride 1 for conv / window for
 * pools, pad 0, alpha 0.01, p 0.5, eps 1e-5, momentum 0.1). */
eo_layer_desc eo_layer_desc_defaults(eo_layer_kind kind);

/* Output shape of one layer for a given input shape; validates the descriptor
 * (readable reason in err). */
int eo_layer_output_shape(const eo_layer_desc *d, const int64_t in_shape[3], int64_t out_shape[3],
                          eo_error *err);

/* ----------------------------------------------------------------- model */

typedef struct eo_model eo_model; /* opaque */

/* in_shape = C,H,W of one sample (1,1,D for vectors). layers is copied.
 * Parameters start at zero (call eo_model_init_params), buffers at the
 * batch-norm identity (mean 0, var 1). alloc may be NULL (malloc/free); it is
 * kept and used by reserve, copy and destroy. */
int eo_model_create(const int64_t in_shape[3], const eo_layer_desc *layers, int nlayers,
                    const eo_allocator *alloc, eo_model **out, eo_error *err);
void eo_model_destroy(eo_model *m);
/* A new model with the same layers, parameters and buffers (gradients zero,
 * no workspace reserved, serial). */
int eo_model_copy(const eo_model *m, eo_model **out, eo_error *err);

/* Spec strings (the command line's --model):
 *   linear | logistic | softmax      one dense layer with n_outputs units.
 *                                    logistic and softmax produce LOGITS: the
 *                                    loss (BCE with logits / softmax CE) applies
 *                                    the link.
 *   mlp:H1,H2,...[:OPTS]             dense H1 -> [batchnorm] -> act -> [dropout]
 *                                    per hidden layer, then dense n_outputs.
 *                                    OPTS is a comma list of key=value:
 *                                    act=relu|relu6|leaky_relu|tanh|sigmoid
 *                                    (default relu), alpha=X (leaky slope),
 *                                    dropout=P (default 0), bn=0|1 (default 0).
 *   anything containing "->" or a newline is a model description (below).
 * Names are case-sensitive; no spaces inside a spec except in descriptions.
 * Errors: EO_ERR_PARSE with err->column (1-based, into the spec) and err->line 1.
 *
 * Model description (a small text file, usually for CNNs):
 *   description := item { SEP item }     SEP is "->" or a newline
 *   item        := keyword { arg }        arguments separated by blanks
 *   '#' starts a comment to the end of the line; blank items are skipped.
 *   Layers (KxK may also be written K for a square window):
 *     dense [N]                  N defaults to n_outputs
 *     conv N KxK [stride=S] [pad=P|same|valid]     (alias conv2d; same = k/2)
 *     dwconv KxK [stride=S] [pad=P|same|valid]     (alias dwconv2d)
 *     maxpool K [stride=S] [pad=P]    avgpool K [stride=S] [pad=P]
 *     gap (alias globalavgpool)   flatten
 *     batchnorm [eps=E] [momentum=M]  (alias bn)
 *     dropout [P]                (default 0.5)
 *     relu  relu6  leaky_relu [A] (alias leakyrelu)  tanh  sigmoid  softmax
 *   Example: "conv 16 3x3 -> relu -> maxpool 2 -> conv 32 3x3 -> relu ->
 *             maxpool 2 -> dense 10"
 *   Dense flattens its input (no explicit flatten needed). When n_outputs > 0
 *   the model's out_numel must equal it. Errors are EO_ERR_PARSE (syntax) or
 *   EO_ERR_SHAPE (a layer does not fit its input) with err->where = source_name,
 *   err->line and err->column (1-based) at the offending token.
 *   docs/model-description.md has the full grammar. */
int eo_model_from_spec(const char *spec, const int64_t in_shape[3], int n_outputs,
                       const eo_allocator *alloc, eo_model **out, eo_error *err);
int eo_model_from_description(const char *text, const char *source_name, const int64_t in_shape[3],
                              int n_outputs, const eo_allocator *alloc, eo_model **out,
                              eo_error *err);
/* Write the model's architecture as a one-line description that
 * eo_model_from_description parses back to the same layers, e.g.
 * "conv2d 16 3x3 stride=1 pad=0 -> relu -> dense 10". Returns the length it
 * needs (excluding the terminator); writes at most n bytes (terminated when n > 0). */
size_t eo_model_describe(const eo_model *m, char *buf, size_t n);

int eo_model_nlayers(const eo_model *m);
/* Layer i: its desc, input and output shapes, and where its parameters live in
 * the flat vector. Any output pointer may be NULL. EO_ERR_INVALID if i is out
 * of range. */
int eo_model_layer(const eo_model *m, int i, eo_layer_desc *desc, int64_t in_shape[3],
                   int64_t out_shape[3], size_t *param_offset, size_t *param_count);
/* Where layer i's buffers (batch-norm running stats) live in the buffer array. */
int eo_model_layer_buffers(const eo_model *m, int i, size_t *buffer_offset, size_t *buffer_count);
void eo_model_in_shape(const eo_model *m, int64_t shape[3]);
void eo_model_out_shape(const eo_model *m, int64_t shape[3]);
int64_t eo_model_in_numel(const eo_model *m);
int64_t eo_model_out_numel(const eo_model *m);

size_t eo_model_nparams(const eo_model *m);
float *eo_model_params(eo_model *m); /* borrowed: one contiguous array, valid until destroy */
float *eo_model_grads(eo_model *m);  /* borrowed: same length */
const float *eo_model_params_const(const eo_model *m);
/* Non-trainable state (batch-norm running mean/var) in one array too, for model
 * files and checkpoints. Borrowed; NULL when nbuffers == 0. */
size_t eo_model_nbuffers(const eo_model *m);
float *eo_model_buffers(eo_model *m);
/* 1 for entries that are weights (get L1/L2/decay/max-norm/pruning), 0 for
 * biases and batch-norm params. Borrowed, n = nparams. */
const uint8_t *eo_model_weight_mask(const eo_model *m);

/* He-normal (std sqrt(2/fan_in)) for a dense/conv layer whose next non-BN,
 * non-dropout layer is relu/relu6/leaky_relu, Glorot-uniform
 * (limit sqrt(6/(fan_in+fan_out))) otherwise; zero biases; bn gamma=1 beta=0,
 * running mean 0 var 1. Deterministic for a given rng state. */
int eo_model_init_params(eo_model *m, eo_rng *rng);

/* Reserve working memory for batches up to max_batch (the only allocation);
 * forward/backward then never allocate. */
int eo_model_reserve(eo_model *m, int max_batch, eo_error *err);

/* out = model(x). x: batch x in_numel, BORROWED until the next forward (the
 * backward reads it). train=1: dropout active (needs dropout_rng when the model
 * has dropout with p > 0), batch norm uses batch statistics and updates its
 * running averages; train=0: eval semantics. *out is borrowed: batch x
 * out_numel, valid until the next forward/reserve/destroy. */
int eo_model_forward(eo_model *m, const float *x, int batch, int train, eo_rng *dropout_rng,
                     const float **out);
void eo_model_zero_grad(eo_model *m);
/* Backward of the last forward (same batch, same mode): ACCUMULATES parameter
 * gradients into grads. dout = dLoss/dOut, batch x out_numel. EO_ERR_STATE
 * without a preceding forward. */
int eo_model_backward(eo_model *m, const float *dout);
/* Ask backward to also compute dLoss/dx (off by default: it costs a GEMM for
 * the first layer). */
void eo_model_set_input_grad(eo_model *m, int on);
/* dLoss/dx of the last backward, batch x in_numel; borrowed, NULL when off. */
const float *eo_model_input_grad(const eo_model *m);

/* Optional parallelism for the GEMMs (eo_parallel from edgeopt/kernels.h);
 * NULL = serial. Borrowed: must outlive its use by the model. */
void eo_model_set_parallel(eo_model *m, const eo_parallel *par);

/* Fold each batch-norm that directly follows a dense/conv2d/dwconv2d layer into
 * that layer (eval semantics: W' = W*g/sqrt(var+eps) per output channel,
 * b' = (b-mean)*g/sqrt(var+eps) + beta) and drop it. Other batch norms are kept. */
int eo_model_fold_batchnorm(const eo_model *m, eo_model **out, eo_error *err);

/* ----------------------------------------------------------------- losses */

/* Append-only (stored in model files). */
typedef enum eo_loss_kind {
    EO_LOSS_MSE = 0,        /* mean over batch*k of (o - t)^2 */
    EO_LOSS_MAE = 1,        /* mean over batch*k of |o - t| */
    EO_LOSS_HUBER = 2,      /* mean over batch*k of 0.5 r^2 (|r|<=d) or d(|r| - 0.5 d) */
    EO_LOSS_BCE_LOGITS = 3, /* mean over batch*k of softplus(o) - y o (stable form) */
    EO_LOSS_SOFTMAX_CE = 4, /* mean over batch of logsumexp(o) - o_y (fused, stable) */
    EO_LOSS_HINGE = 5,      /* k>1: mean over batch of sum_{j!=y} max(0, 1 - o_y + o_j) / k
                               (PyTorch MultiMarginLoss); k=1: mean max(0, 1 - s o),
                               s = +1 for label 1, -1 for label 0 */
    EO_LOSS_KL_T = 6,       /* T^2 * mean over batch of KL(softmax(t/T) || softmax(o/T)),
                               t = teacher logits (Hinton et al. 2015) */
    EO_LOSS_COUNT
} eo_loss_kind;

/* "mse", "mae", "huber", "bce", "softmax_ce", "hinge", "kl"; "unknown". */
const char *eo_loss_kind_name(int k);
int eo_loss_kind_from_name(const char *s); /* -1 if unknown; also "ce", "cross_entropy" */

typedef struct eo_loss_params {
    eo_loss_kind kind;
    float huber_delta;  /* > 0, default 1 */
    float temperature;  /* > 0, default 1 */
} eo_loss_params;

eo_loss_params eo_loss_defaults(eo_loss_kind kind);
/* NULL if valid, else a static string saying why not. */
const char *eo_loss_params_check(const eo_loss_params *p);

/* Loss value (accumulated in double) and, if dout != NULL, dLoss/dOut
 * (batch x k, overwritten). out: batch x k.
 * labels: one class id per sample in [0, k) for SOFTMAX_CE and HINGE (k > 1);
 *   for BCE_LOGITS and HINGE with k == 1, one 0/1 label per sample; for
 *   BCE_LOGITS with k > 1 (multi-label) batch x k labels in {0, 1}.
 * targets: batch x k floats: MSE/MAE/Huber targets, BCE probabilities in [0,1]
 *   (takes precedence over labels), KL_T teacher logits.
 * EO_ERR_INVALID for a missing input or a label out of range; never allocates. */
int eo_loss(const eo_loss_params *p, const float *out, int batch, int k, const int32_t *labels,
            const float *targets, float *loss, float *dout);

/* ------------------------------------------------------------ regularizers */

/* Coupled penalties, added to the loss:
 *   l1 * sum |w|  +  0.5 * l2 * sum w^2
 *   + elastic_alpha * (l1_ratio * sum |w| + 0.5 * (1 - l1_ratio) * sum w^2)
 * (the elastic net in scikit-learn's parametrization). Only entries with
 * mask[i] != 0 (mask NULL = all). The subgradient of |w| at 0 is taken as 0.
 * max_norm is not a penalty: it is the constraint of eo_model_apply_max_norm
 * (0 = off), kept here so one struct carries the regularization settings. */
typedef struct eo_penalty {
    double l1, l2, elastic_alpha, elastic_l1_ratio;
    double max_norm;
} eo_penalty;

/* Penalty value; if grad != NULL its gradient is ADDED to grad[0..n). */
double eo_penalty_apply(const eo_penalty *p, size_t n, const float *w, const uint8_t *mask,
                        float *grad /* may be NULL */);
/* Proximal L1 step (soft-threshold): w = sign(w) max(|w| - threshold, 0) on the
 * masked entries; gives exact zeros. Call after an optimizer step with
 * threshold = lr * l1. */
void eo_penalty_prox_l1(size_t n, float *w, const uint8_t *mask, double threshold);
/* Max-norm constraint (Srivastava et al. 2014): rescale each unit's incoming
 * weight vector (a dense row, a conv filter, a depthwise channel) whose L2 norm
 * exceeds max_norm to norm max_norm. Biases untouched. max_norm <= 0: no-op. */
int eo_model_apply_max_norm(eo_model *m, double max_norm);

/* ------------------------------------------------------- linear regression */

/* Closed-form ridge regression by Cholesky of X^T X + lambda I (double
 * accumulation): minimizes sum ||y_i - W x_i - b||^2 + lambda ||W||_F^2.
 * X: n x d, Y: n x k (row-major floats). W: k x d out (the dense layout, so it
 * can be copied into a "linear" model's params), b: k out, or NULL for no
 * intercept. With an intercept, X and Y are centered so b is not penalized.
 * lambda >= 0; EO_ERR_NUMERIC if X^T X + lambda I is not positive definite
 * (e.g. collinear columns with lambda = 0). Allocates d*d + d*k doubles
 * through alloc (NULL = malloc). */
int eo_linreg_fit_closed(const float *X, const float *Y, size_t n, size_t d, size_t k, double lambda,
                         float *W, float *b, const eo_allocator *alloc, eo_error *err);
/* Convenience: fit a model made of one dense layer (spec "linear") in place:
 * its params become [W, b]. */
int eo_model_fit_linear_closed(eo_model *m, const float *X, const float *Y, size_t n, double lambda,
                               eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
