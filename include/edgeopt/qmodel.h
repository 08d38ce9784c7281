/* Quantized (int8) models: post-training quantization of a whole float model
 * and integer-only inference through the eo_q8_* kernels (compress module,
 * OS-free), plus their .eom files (io module).
 *
 * WHAT A QUANTIZED MODEL IS
 *   A float model (edgeopt/model.h) becomes a list of int8 operations (ops):
 *     FC, CONV2D, DWCONV2D  weights int8 symmetric (zero point 0), one scale
 *                           per tensor or per output channel; bias int32 with
 *                           scale s_in * s_w[c]; requantization by a Q31
 *                           multiplier and a shift per tensor or channel;
 *     MAXPOOL, AVGPOOL, GAP same scale and zero point in and out.
 *   Activations are int8 with a zero point (asymmetric); their ranges come
 *   from calibration (edgeopt/compress.h: min/max, percentile, MSE) or from
 *   quantization-aware training. Every op may fuse a ReLU / ReLU6 into its
 *   output clamp. (TensorFlow Lite int8 spec; Jacob et al. 2018, "Quantization
 *   and Training of Neural Networks for Efficient Integer-Arithmetic-Only
 *   Inference", sec. 2.)
 *
 * FROM A FLOAT MODEL (eo_qmodel_plan decides, eo_qmodel_quantize builds)
 *   - batch norm is folded into the preceding dense/conv/dwconv layer first
 *     (eo_model_fold_batchnorm); a batch norm that cannot be folded is refused;
 *   - relu / relu6 (possibly after dropout or flatten) fuse into the clamp of
 *     the preceding dense/conv/dwconv/pool op; relu at the very start of the
 *     model is refused;
 *   - dropout (identity in eval) and flatten (NCHW memory is already flat)
 *     produce no op;
 *   - a softmax as the LAST layer is not quantized: the int8 ops end at the
 *     logits, and eo_qmodel_forward applies the softmax in float after the
 *     output dequantization (argmax is unchanged, so eo_qmodel_forward_q8
 *     classifies without it);
 *   - leaky_relu, tanh, sigmoid and a softmax elsewhere have no int8 kernel
 *     and are refused (EO_ERR_UNSUPPORTED naming the layer), as is average
 *     pooling with padding (PyTorch counts the padding in the divisor, TFLite
 *     does not).
 *   Quantization points (where an activation range is needed): point 0 is the
 *   model input, point j + 1 the output of the j-th compute op (FC, CONV2D,
 *   DWCONV2D, after its fused activation). Pool ops reuse their input's range.
 *
 * INFERENCE
 *   eo_qmodel_forward_q8 is integer-only: int8 in, int8 out, int32
 *   accumulators, fixed-point requantization; no float arithmetic at all.
 *   eo_qmodel_forward adds the float input quantization and output
 *   dequantization (the only float operations). Both work in a planned arena
 *   (two ping-pong int8 buffers of the largest activation times the batch)
 *   that eo_qmodel_reserve allocates once; after it, forward never allocates.
 *   The kernel path (reference C, AVX2 or VNNI) gives bit-identical results.
 *
 * OWNERSHIP
 *   An eo_qmodel owns all its arrays (one allocation for the constants, one
 *   for the arena). Pointers returned by eo_qmodel_op are borrowed and valid
 *   until eo_qmodel_destroy. A qmodel is not thread-safe (the arena is shared);
 *   use one per thread. */
#ifndef EDGEOPT_QMODEL_H
#define EDGEOPT_QMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/compress.h"
#include "edgeopt/core.h"
#include "edgeopt/model.h"
#include "edgeopt/qkernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- ops */

/* Append-only: stored in model files. */
typedef enum eo_qop_kind {
    EO_QOP_FC = 0,
    EO_QOP_CONV2D = 1,
    EO_QOP_DWCONV2D = 2,
    EO_QOP_MAXPOOL = 3,
    EO_QOP_AVGPOOL = 4,
    EO_QOP_GAP = 5,
    EO_QOP_COUNT
} eo_qop_kind;
/* "fc", "conv2d", "dwconv2d", "maxpool", "avgpool", "gap"; "unknown". */
const char *eo_qop_kind_name(int kind);
int eo_qop_kind_from_name(const char *name); /* -1 if unknown */
/* 1 for FC, CONV2D, DWCONV2D (ops with weights and a quantization point). */
int eo_qop_is_compute(int kind);

/* One int8 op as plain data (the exporter and the file writer read it; the
 * file reader builds one and eo_qmodel_create copies it). Shapes are C,H,W
 * of one sample. Pointers are borrowed. */
typedef struct eo_qop {
    eo_qop_kind kind;
    int32_t first_layer;     /* first float-model layer this op implements */
    int32_t last_layer;      /* last one (fused activation, dropout, flatten) */
    int64_t in_shape[3];
    int64_t out_shape[3];
    eo_q8_geom geom;         /* CONV2D/DWCONV2D/pools: n = 1 (the batch is set at run time);
                                unused (zeros) for FC and GAP */
    int32_t out_ch;          /* FC: units; CONV2D: filters; DWCONV2D, pools, GAP: C */
    int32_t fan_in;          /* FC: in_numel; CONV2D: C*kh*kw; DWCONV2D: kh*kw; pools: 0 */
    eo_q8_act act;           /* fused activation */
    float in_scale;          /* real = scale * (q - zero_point) */
    int32_t in_zp;
    float out_scale;         /* pools and GAP: equal to in_scale / in_zp */
    int32_t out_zp;
    int32_t act_min, act_max; /* output clamp, from eo_q8_act_range */
    int32_t n_wscale;        /* compute ops: 1 (per tensor) or out_ch (per channel); pools 0 */
    const int8_t *w;         /* [out_ch][fan_in] (DWCONV2D: [C][kh][kw]); NULL for pools */
    const float *w_scale;    /* [n_wscale] */
    const int32_t *bias;     /* [out_ch], scale in_scale * w_scale[c] */
    const int32_t *mult;     /* [n_wscale] Q31 multipliers */
    const int32_t *shift;    /* [n_wscale] */
} eo_qop;

/* ------------------------------------------------------------ parameters */

typedef struct eo_qmodel_params {
    int per_channel;          /* 1: one weight scale per output channel (default); 0: per tensor */
    eo_calib_params calib;    /* activation ranges (default min/max, edgeopt/compress.h) */
    eo_q8_path path;          /* kernel path of the new model (default AUTO) */
} eo_qmodel_params;
eo_qmodel_params eo_qmodel_defaults(void);
/* NULL if valid, else a static sentence. */
const char *eo_qmodel_params_check(const eo_qmodel_params *p);

/* ------------------------------------------------------------------ plan */

/* How the layers of a (batch-norm-folded) float model map to int8 ops; the
 * same plan drives calibration, quantization-aware training and conversion. */
typedef struct eo_qplan_op {
    eo_qop_kind kind;
    int first_layer, last_layer;
    eo_q8_act act;
    int point;            /* compute ops: the index of their output point (>= 1); pools: -1 */
    int in_point;         /* the point whose range the op's input uses */
} eo_qplan_op;

typedef struct eo_qplan {
    int nops;
    eo_qplan_op *ops;     /* [nops], owned: eo_qplan_free */
    int npoints;          /* 1 + number of compute ops */
    int final_softmax;    /* 1 when the model ends with a softmax (applied in float) */
    int out_layer;        /* last layer computed in int8 (the logits) */
} eo_qplan;

/* Plan a float model. Batch norms must already be folded (see above).
 * EO_ERR_UNSUPPORTED with a message naming the layer ("layer 3 (tanh) has
 * no int8 kernel ...") when a layer cannot be quantized. */
int eo_qplan_make(const eo_model *m, eo_qplan *out, eo_error *err);
void eo_qplan_free(eo_qplan *p);

/* --------------------------------------------------------------- qmodel */

typedef struct eo_qmodel eo_qmodel; /* opaque */

/* Check that a float model can be quantized (folds batch norm on a copy,
 * then plans). EO_OK or EO_ERR_UNSUPPORTED naming the layer. */
int eo_qmodel_check(const eo_model *m, eo_error *err);

/* Post-training quantization. m: the float model (not modified; batch norm
 * is folded on a copy). calib_x: n calibration samples (n >= 1) of
 * in_numel floats each, already scaled as the model expects. Activation
 * ranges are observed in eval mode in batches of 256 and chosen by
 * p->calib. alloc NULL = malloc/free. */
int eo_qmodel_quantize(const eo_model *m, const float *calib_x, size_t n, const eo_qmodel_params *p,
                       const eo_allocator *alloc, eo_qmodel **out, eo_error *err);

/* Conversion with given activation ranges: lo[j] <= hi[j] for each of the
 * plan's npoints points (point 0 = input). m must have no batch norm left
 * (fold first). Used by quantization-aware training. */
int eo_qmodel_from_ranges(const eo_model *m, const double *lo, const double *hi, int npoints,
                          const eo_qmodel_params *p, const eo_allocator *alloc, eo_qmodel **out,
                          eo_error *err);

/* Build from raw ops (the file reader does this): every array is copied and
 * every field validated (shapes chain from in_shape through the ops, kernel
 * argument checks, scales finite and > 0, zero points and clamps in range,
 * weights in -127..127 when quantized by us, multipliers and shifts in the
 * kernels' ranges). layers/nlayers: the float architecture the ops came from
 * (copied; kept for files and reports; nlayers may be 0). */
int eo_qmodel_create(const int64_t in_shape[3], float in_scale, int32_t in_zp, const eo_qop *ops,
                     int nops, int final_softmax, const eo_layer_desc *layers, int nlayers,
                     const eo_allocator *alloc, eo_qmodel **out, eo_error *err);
void eo_qmodel_destroy(eo_qmodel *q); /* NULL is a no-op */

int eo_qmodel_nops(const eo_qmodel *q);
/* Op i (borrowed pointers). EO_ERR_INVALID out of range. */
int eo_qmodel_op(const eo_qmodel *q, int i, eo_qop *out);
void eo_qmodel_in_shape(const eo_qmodel *q, int64_t shape[3]);
int64_t eo_qmodel_in_numel(const eo_qmodel *q);
int64_t eo_qmodel_out_numel(const eo_qmodel *q);
eo_q8_qparam eo_qmodel_input_qparam(const eo_qmodel *q);
eo_q8_qparam eo_qmodel_output_qparam(const eo_qmodel *q);
int eo_qmodel_final_softmax(const eo_qmodel *q);
int eo_qmodel_per_channel(const eo_qmodel *q); /* 1 if any compute op has per-channel scales */
/* The float architecture (borrowed; *n layers, may be 0) and its input shape. */
const eo_layer_desc *eo_qmodel_layers(const eo_qmodel *q, int *n);
/* Bytes of the constants inference needs: int8 weights, int32 biases,
 * float weight scales, multipliers and shifts. */
size_t eo_qmodel_const_bytes(const eo_qmodel *q);
/* Bytes of the activation arena for a batch (two buffers of the largest
 * activation). */
size_t eo_qmodel_arena_bytes(const eo_qmodel *q, int batch);

/* Kernel path for this model's inference (tests, benchmarks).
 * EO_ERR_UNSUPPORTED when the CPU or build lacks it. */
int eo_qmodel_set_path(eo_qmodel *q, eo_q8_path path);

/* Allocate the arena for batches up to max_batch (the only allocation; a
 * forward with a larger batch reserves again). */
int eo_qmodel_reserve(eo_qmodel *q, int max_batch, eo_error *err);

/* Integer-only inference: x [batch][in_numel] int8 quantized with the input
 * qparam -> y [batch][out_numel] int8 with the output qparam (the logits
 * when the model ends with a softmax). */
int eo_qmodel_forward_q8(eo_qmodel *q, const int8_t *x, int batch, int8_t *y);
/* Float convenience: quantize x, run forward_q8, dequantize into out
 * [batch][out_numel], then the final softmax if any (in float). */
int eo_qmodel_forward(eo_qmodel *q, const float *x, int batch, float *out);
/* Run ops 0..last_op and dequantize op last_op's output into out
 * [batch][numel of that output] (per-layer error reports). */
int eo_qmodel_forward_upto(eo_qmodel *q, const float *x, int batch, int last_op, float *out);

/* ---------------------------------------------------------------- files */

/* io module. Save atomically: the float architecture ("layer.<i>.*" rows of
 * the folded model, so `edgeopt info` reads it), metadata "model.quantized"
 * = 1 and "model.compression" = "int8", "qmodel.*" keys, one "qop.<i>.*"
 * row per op and tensors "layer.<L>.int8.{weight,bias,weight_scale,
 * multiplier,shift}" keyed by the op's first layer L; plus the scaler and
 * training metadata (both may be NULL). docs/compression.md has the keys. */
struct eo_scaler;
struct eo_model_meta;
int eo_qmodel_save(const char *path, const eo_qmodel *q, const struct eo_scaler *scaler,
                   const struct eo_model_meta *meta, eo_error *err);
/* Load (scaler and meta may be NULL). The round trip is bit-exact. A file
 * without "model.quantized" is EO_ERR_UNSUPPORTED ("not an int8 model"). */
int eo_qmodel_load(const char *path, eo_qmodel **out, struct eo_scaler *scaler,
                   struct eo_model_meta *meta, eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
