/* int8 kernels (kernels module, OS-free): run-time dispatched int8 inference
 * and the host-side quantization math that prepares its parameters.
 *
 * The arithmetic, the tensor layouts, the value ranges and the overflow bound
 * (fan-in <= EO_Q8_MAX_FANIN = 32768, |bias| <= 2^30) are specified in
 * edgeopt/qref.h, which this header includes; qref.h and src/kernels/qref.c
 * are the dependency-free reference that the C exporter copies verbatim.
 *
 * Layouts (fixed by the model lane, repeated here):
 *   one sample is NCHW, batches are batch-major rows;
 *   dense weights [out][in]; conv weights [out][in][kh][kw];
 *   depthwise weights [ch][kh][kw]; bias [out]; per-channel scales [out].
 *
 * Dispatch: each kernel family has a plain-C `_ref` (qref.h) and an AVX2
 * version; eo_q8_<kernel>() below calls the implementation chosen by a CPU
 * check, and every implementation gives bit-identical outputs (integer sums
 * are exact, so the summation order does not matter, and requantization is
 * the same scalar code). The tables are const: there is no mutable global
 * state, and forcing a path means calling through eo_q8_ops_get(path).
 *
 * Quantization math (the "prepare" side, runs on the host, uses double):
 *   weights      scale_c = max_i |w[c][i]| / 127, q = round(w / scale_c) in
 *                -127..127, zero point 0; an all-zero channel gets scale 1
 *                (so no division by zero and its bias stays representable);
 *   activations  eo_q8_choose_params: the range is widened to contain 0, then
 *                scale = (max - min) / 255 and the zero point is nudged to an
 *                integer in -128..127 so that 0.0 is exactly representable;
 *   bias         q = round(b / (s_in * s_w[c])), int32, clamped to +-2^30;
 *   multiplier   M = s_in * s_w[c] / s_out = m0 * 2^shift with m0 in [0.5, 1)
 *                stored as the Q31 integer round(m0 * 2^31).
 * (TensorFlow Lite quantization spec; Jacob et al. 2018, sec. 2.2.) */
#ifndef EDGEOPT_QKERNELS_H
#define EDGEOPT_QKERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/qref.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __cplusplus
_Static_assert(EO_Q8_OK == EO_OK && EO_Q8_EINVAL == EO_ERR_INVALID &&
                   EO_Q8_ERANGE == EO_ERR_RANGE,
               "qref.h return codes must equal eo_status values");
/* The accumulator bound of qref.h: bias limit + worst dot product < 2^31. */
_Static_assert((int64_t)EO_Q8_BIAS_LIMIT + (int64_t)255 * 128 * EO_Q8_MAX_FANIN <= INT32_MAX,
               "int8 accumulator may overflow at EO_Q8_MAX_FANIN");
_Static_assert((int64_t)128 * EO_Q8_MAX_POOL + EO_Q8_MAX_POOL / 2 <= INT32_MAX,
               "int8 pooling sum may overflow at EO_Q8_MAX_POOL");
#endif

/* ----------------------------------------------------- enums (user-visible) */

/* Fused activation after requantization (append-only: stored in model files). */
typedef enum eo_q8_act {
    EO_Q8_ACT_NONE = 0,
    EO_Q8_ACT_RELU = 1,
    EO_Q8_ACT_RELU6 = 2,
    EO_Q8_ACT_COUNT
} eo_q8_act;
const char *eo_q8_act_name(eo_q8_act a); /* "none", "relu", "relu6"; "?" if out of range */
int eo_q8_act_from_name(const char *name, eo_q8_act *out); /* EO_ERR_NOT_FOUND if unknown */

/* Kernel implementation. AUTO = the fastest this CPU supports. */
typedef enum eo_q8_path {
    EO_Q8_PATH_AUTO = 0,
    EO_Q8_PATH_REF = 1,
    EO_Q8_PATH_AVX2 = 2,
    EO_Q8_PATH_VNNI = 3, /* the AVX2 kernels plus eo_q8_fc_packed on vpdpbusd */
    EO_Q8_PATH_COUNT
} eo_q8_path;
const char *eo_q8_path_name(eo_q8_path p); /* "auto", "ref", "avx2", "vnni" */
int eo_q8_path_from_name(const char *name, eo_q8_path *out);

/* ------------------------------------------------------------- dispatch */

/* One implementation of every int8 kernel; signatures and contracts are
 * those of the _ref functions in qref.h. */
typedef struct eo_q8_ops {
    const char *name; /* "ref", "avx2" or "vnni" */
    int (*fc)(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
              const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
    int (*conv2d)(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc, const int8_t *x,
                  const int8_t *w, const int32_t *bias, int8_t *y);
    int (*dwconv2d)(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                    const int8_t *w, const int32_t *bias, int8_t *y);
    int (*maxpool)(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                   int8_t *y);
    int (*avgpool)(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                   int8_t *y);
    int (*gap)(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
               const int8_t *x, int8_t *y);
    int (*quantize)(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
    int (*dequantize)(size_t n, const int8_t *q, float scale, int32_t zp, float *x);
} eo_q8_ops;

/* The table for a path (borrowed, static, valid forever), or NULL when this
 * build or CPU cannot run it. AUTO never returns NULL. */
const eo_q8_ops *eo_q8_ops_get(eo_q8_path path);
/* Name of the path AUTO resolves to on this CPU: "vnni", "avx2" or "ref". */
const char *eo_q8_path_active(void);

/* Dispatched kernels (same contracts as the _ref versions in qref.h). */
int eo_q8_fc(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out, const int8_t *x,
             const int8_t *w, const int32_t *bias, int8_t *y);
int eo_q8_conv2d(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc, const int8_t *x,
                 const int8_t *w, const int32_t *bias, int8_t *y);
int eo_q8_dwconv2d(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                   const int8_t *w, const int32_t *bias, int8_t *y);
int eo_q8_maxpool(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                  int8_t *y);
int eo_q8_avgpool(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                  int8_t *y);
int eo_q8_gap(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
              const int8_t *x, int8_t *y);
int eo_q8_quantize(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
int eo_q8_dequantize(size_t n, const int8_t *q, float scale, int32_t zp, float *x);

/* ------------------------------------------------ pre-packed FC (batch 1) */

/* A fully connected layer compiled once, at model-build time, for the packed
 * kernels (vpdpbusd: AVX-512 VNNI on zmm, else AVX-VNNI on ymm; without VNNI,
 * AVX2 vpmaddubsw on |x| and the weights signed by x): weights interleaved in
 * cells of 4 inputs x 16 outputs, and per output row the constants that turn
 * the kernels' sums back into the reference accumulator (the VNNI kernels
 * feed the activations as unsigned bytes x + 128, so they start at
 * bias[o] - (128 + in_zp) * sum_i w[o][i]). The int32 sums are exact, so
 * eo_q8_fc_packed is bit-identical to eo_q8_fc_ref with the same parameters
 * (the AVX2 kernel needs weights in -127..127 and falls back to a scalar loop
 * for a layer with a -128). The pack is self-contained (it copies zero
 * points, clamp, multipliers and shifts) and position independent; keep it
 * 64-byte aligned for speed.
 * eo_q8_fc_pack_bytes: bytes of the pack (0 if in/out are out of range).
 * eo_q8_fc_pack: validates like eo_q8_fc_ref and fills dst (bytes >= the size).
 * eo_q8_fc_packed: y [batch][out] from x [batch][in]; EO_ERR_UNSUPPORTED when
 * this build or CPU has no AVX2 (callers then use eo_q8_fc on the raw weights). */
size_t eo_q8_fc_pack_bytes(int32_t in, int32_t out);
int eo_q8_fc_pack(const eo_q8_params *p, int32_t in, int32_t out, const int8_t *w,
                  const int32_t *bias, void *dst, size_t bytes);
int eo_q8_fc_packed(const void *pack, int32_t batch, const int8_t *x, int8_t *y);
/* 1 when eo_q8_fc_packed runs on this CPU (AVX2 or better). */
int eo_q8_fc_packed_available(void);

/* ------------------------------------------------- quantization math (host) */

/* Scale and zero point of one asymmetric int8 tensor. */
typedef struct eo_q8_qparam {
    float scale;        /* > 0 */
    int32_t zero_point; /* -128..127 */
} eo_q8_qparam;

/* Asymmetric int8 parameters for real values in [rmin, rmax] (TFLite's
 * ChooseQuantizationParams): the range is first widened to contain 0;
 * scale = (rmax - rmin) / 255; the zero point is -128 - rmin / scale (or
 * 127 - rmax / scale, whichever has the smaller rounding error) rounded half
 * away from zero and clamped to -128..127, so real 0 maps exactly to it. An
 * empty range (rmin = rmax = 0) gives scale 1, zero point 0.
 * EO_ERR_NUMERIC for a non-finite bound, EO_ERR_INVALID if rmin > rmax. */
int eo_q8_choose_params(double rmin, double rmax, eo_q8_qparam *out);

/* Real multiplier m >= 0 -> (Q31 multiplier, shift) with m ~= mult * 2^(shift
 * - 31), mult = round(m0 * 2^31) for m = m0 * 2^shift, m0 in [0.5, 1) (the
 * rounding carry to 2^31 is folded into the shift). m = 0 gives (0, 0); m <
 * 2^-32 rounds to (0, 0); m >= 2^30 saturates to (2^31 - 1, 30) (TFLite's
 * QuantizeMultiplier). EO_ERR_INVALID for negative or non-finite m. */
int eo_q8_quantize_multiplier(double m, int32_t *mult, int32_t *shift);

/* Clamp [act_min, act_max] of a fused activation for an output with the given
 * scale and zero point: NONE -> [-128, 127]; RELU -> [zp, 127]; RELU6 ->
 * [zp, min(127, zp + round(6 / scale))]. */
int eo_q8_act_range(eo_q8_act act, float scale, int32_t zp, int32_t *act_min,
                    int32_t *act_max);

/* Symmetric weight quantization of w [rows][cols] (rows = output channels;
 * cols = everything else, e.g. in*kh*kw). per_channel != 0: one scale per row
 * into scales[rows]; else one scale into scales[0]. q [rows][cols] gets values
 * in -127..127. Caller owns all buffers. EO_ERR_NUMERIC on NaN/Inf weights. */
int eo_q8_quantize_weights(const float *w, int32_t rows, int32_t cols, int per_channel,
                           int8_t *q, float *scales);

/* Bias quantization: qb[c] = round(b[c] / (in_scale * w_scales[c or 0])),
 * clamped to +-EO_Q8_BIAS_LIMIT. n_wscales is 1 or n. *n_clamped (may be
 * NULL) receives how many entries were clamped. */
int eo_q8_quantize_bias(const float *b, int32_t n, float in_scale, const float *w_scales,
                        int32_t n_wscales, int32_t *qb, int32_t *n_clamped);

/* Requantization multipliers mult[c], shift[c] for M_c = in_scale *
 * w_scales[c] / out_scale, c < n (n = 1 for per-tensor weights). */
int eo_q8_requant_params(float in_scale, const float *w_scales, int32_t n, float out_scale,
                         int32_t *mult, int32_t *shift);

/* Fake quantization for quantization-aware training (Jacob et al. 2018,
 * sec. 3): y = scale * (clamp(round(x / scale) + zp, qmin, qmax) - zp) with
 * the rounding of eo_q8_quantize_ref (float division, half away from zero),
 * so y equals dequantize(quantize(x)) bit for bit; activations use [-128,
 * 127], symmetric weights zp = 0 and [-127, 127]. pass (may be NULL) gets
 * the straight-through estimator's mask: 1 where round(x / scale) + zp lies
 * inside [qmin, qmax] (the gradient passes), 0 where it was clamped. */
int eo_q8_fake_quant(size_t n, const float *x, float scale, int32_t zp, int32_t qmin,
                     int32_t qmax, float *y, uint8_t *pass);

#ifdef __cplusplus
}
#endif
#endif
