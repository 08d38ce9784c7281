/* edgeopt int8 reference kernels: the dependency-free specification.
 *
 * This header and src/kernels/qref.c are plain C99 that need only <stdint.h>
 * and <stddef.h>: no libedgeopt, no libm, no allocation, no floating point in
 * the integer kernels (the float <-> int8 converters at the end can be left
 * out with -DEO_QREF_NO_FLOAT for FPU-less targets). The C exporter copies the
 * text of both files into generated code, so the library, the exported model
 * and the microcontroller compute the same bits. Keep them that way: nothing
 * here may include another edgeopt header.
 *
 * Arithmetic (TensorFlow Lite int8 spec; Jacob et al. 2018, "Quantization and
 * Training of Neural Networks for Efficient Integer-Arithmetic-Only
 * Inference", sec. 2.2-2.4):
 *   real = scale * (q - zero_point)
 *   weights:      int8, symmetric, zero point 0 (produced in -127..127; the
 *                 kernels accept -128 too), scale per tensor or per output
 *                 channel;
 *   activations:  int8 -128..127 with a zero point in -128..127;
 *   bias:         int32 with scale s_in * s_w[channel] and zero point 0,
 *                 |bias| <= EO_Q8_BIAS_LIMIT;
 *   output:       acc = bias[o] + sum_i (x_i - in_zp) * w[o][i]     (int32)
 *                 y   = clamp(MBQM(acc, mult[o], shift[o]) + out_zp,
 *                             act_min, act_max)
 *   where MBQM(x, M, s) ~= x * M * 2^(s - 31) is gemmlowp's fixed-point
 *   multiply: a saturating rounding doubling high multiply by the Q31
 *   multiplier M, then a rounding (half away from zero) division by 2^-s.
 *
 * Overflow bound (tested in tests/kernels/test_q8_overflow.c): with
 * |x - in_zp| <= 255 and |w| <= 128, a dot product of K <= EO_Q8_MAX_FANIN
 * = 32768 terms is at most 255 * 128 * 32768 = 1 069 547 520 < 2^30 in
 * magnitude, and with |bias| <= 2^30 the int32 accumulator stays below
 * 2^31 - 1 at every partial sum, in any summation order. Kernels reject a
 * larger fan-in or a larger bias with EO_Q8_ERANGE instead of overflowing.
 *
 * Layouts (row-major, batch-major; fixed by the model lane):
 *   fully connected: x [batch][in], w [out][in], bias [out], y [batch][out]
 *   conv2d:          x [n][c][h][w], w [oc][c][kh][kw], y [n][oc][oh][ow]
 *   depthwise:       x [n][c][h][w], w [c][kh][kw] (multiplier 1),
 *                    y [n][c][oh][ow]
 *   pooling:         x [n][c][h][w] -> y [n][c][oh][ow], same scale and
 *                    zero point in and out
 * Padding is implicit: positions outside the input read as in_zp (i.e. as
 * real 0), so they add nothing to the accumulator.
 *
 * Return values: EO_Q8_OK (0) or a negative code with the same value as the
 * library's eo_status (EO_Q8_EINVAL = EO_ERR_INVALID, EO_Q8_ERANGE =
 * EO_ERR_RANGE). On error the output is not written. */
#ifndef EDGEOPT_QREF_H
#define EDGEOPT_QREF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EO_Q8_OK 0
#define EO_Q8_EINVAL (-1)
#define EO_Q8_ERANGE (-6)

/* Largest supported dot-product length (in*1 for FC, c*kh*kw for conv). */
#define EO_Q8_MAX_FANIN 32768
/* Largest |bias| a kernel accepts (2^30). */
#define EO_Q8_BIAS_LIMIT INT32_C(1073741824)
/* Largest pooling window (kh * kw) and GAP plane (h * w): the sum of 2^23
 * int8 values is at most 2^30 in magnitude, and the rounding division adds at
 * most 2^22 to it, so the pool arithmetic stays inside int32. */
#define EO_Q8_MAX_POOL (INT32_C(1) << 23)

/* Quantization of one layer's output (plain data; pointers are borrowed). */
typedef struct eo_q8_params {
    int32_t in_zp;        /* input zero point, -128..127 */
    int32_t out_zp;       /* output zero point, -128..127 */
    int32_t act_min;      /* fused activation clamp in output units: */
    int32_t act_max;      /*   -128 <= act_min <= act_max <= 127 */
    int32_t n_mult;       /* 1 = per tensor, else one entry per output channel */
    const int32_t *mult;  /* [n_mult] Q31 multipliers (0 or in [2^30, 2^31)) */
    const int32_t *shift; /* [n_mult] exponents in -31..30; > 0 shifts left */
} eo_q8_params;

/* Geometry of a convolution or pooling window over an NCHW input. The output
 * size is (h + pad_top + pad_bottom - kh) / stride_h + 1 (and the same for
 * the width); it must be >= 1. */
typedef struct eo_q8_geom {
    int32_t n, c, h, w;           /* input batch, channels, height, width */
    int32_t kh, kw;               /* window */
    int32_t stride_h, stride_w;   /* >= 1 */
    int32_t pad_top, pad_left;    /* >= 0 */
    int32_t pad_bottom, pad_right;
} eo_q8_geom;

/* Output height / width of a geometry, or 0 if the geometry is invalid. */
int32_t eo_q8_geom_out_h(const eo_q8_geom *g);
int32_t eo_q8_geom_out_w(const eo_q8_geom *g);

/* ---------------------------------------------- fixed-point requantization */

/* round(a * b / 2^31) with ties toward +infinity, saturating the one case
 * that overflows (a = b = INT32_MIN -> INT32_MAX). gemmlowp's
 * SaturatingRoundingDoublingHighMul. */
static inline int32_t eo_q8_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (INT64_C(1) - (INT64_C(1) << 30));
    /* Division truncating toward zero, which with the nudge above gives
     * round-half-up of ab / 2^31; written with shifts of non-negative values
     * so that no 64-bit division routine is needed on Cortex-M. */
    int64_t v = ab + nudge;
    return (int32_t)(v >= 0 ? (v >> 31) : -((-v) >> 31));
}

/* x / 2^e rounded to nearest with ties away from zero, 0 <= e <= 31.
 * gemmlowp's RoundingDivideByPOT. Assumes >> of a negative int32 is an
 * arithmetic shift (true of gcc, clang and arm-none-eabi-gcc). */
static inline int32_t eo_q8_rdivpot(int32_t x, int32_t e)
{
    int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
    int32_t rem = x & mask;
    int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

/* x * M * 2^(shift - 31), TFLite's MultiplyByQuantizedMultiplier: a left
 * shift (saturating to int32 here, where TFLite would overflow), the doubling
 * high multiply, then the rounding right shift. shift in -31..30. */
static inline int32_t eo_q8_mulq(int32_t x, int32_t m, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int64_t xs = (int64_t)x * (INT64_C(1) << left);
    if (xs > INT32_MAX) xs = INT32_MAX;
    if (xs < INT32_MIN) xs = INT32_MIN;
    return eo_q8_rdivpot(eo_q8_srdhm((int32_t)xs, m), right);
}

/* Requantize an int32 accumulator to the int8 output: clamp(MBQM + zp). */
static inline int8_t eo_q8_requant(int32_t acc, int32_t m, int32_t shift, int32_t out_zp,
                                   int32_t act_min, int32_t act_max)
{
    int64_t v = (int64_t)eo_q8_mulq(acc, m, shift) + out_zp;
    if (v < act_min) v = act_min;
    if (v > act_max) v = act_max;
    return (int8_t)v;
}

/* ------------------------------------------------------------ validation */

/* The argument checks each kernel performs before touching its output,
 * exposed so that every implementation rejects exactly the same calls.
 * Pointers to data are not checked here (the kernels check them). */
int eo_q8_fc_check(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                   const int32_t *bias);
int eo_q8_conv2d_check(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                       const int32_t *bias);
int eo_q8_dwconv2d_check(const eo_q8_params *p, const eo_q8_geom *g, const int32_t *bias);
int eo_q8_pool_check(const eo_q8_geom *g, int32_t act_min, int32_t act_max);
int eo_q8_gap_check(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max);

/* --------------------------------------------------------------- kernels */

/* Fully connected: y[b][o] = requant(bias[o] + sum_i (x[b][i] - in_zp) w[o][i]).
 * bias may be NULL (zero). in <= EO_Q8_MAX_FANIN. */
int eo_q8_fc_ref(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                 const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);

/* 2-D convolution, oc output channels (n_mult is 1 or oc). c*kh*kw <=
 * EO_Q8_MAX_FANIN. bias may be NULL. */
int eo_q8_conv2d_ref(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                     const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);

/* Depthwise 2-D convolution with channel multiplier 1 (n_mult is 1 or c). */
int eo_q8_dwconv2d_ref(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                       const int8_t *w, const int32_t *bias, int8_t *y);

/* Max pooling over the valid (non-padding) pixels of each window, then the
 * clamp [act_min, act_max]. Pads must be smaller than the window so that
 * every window holds at least one input pixel; kh*kw <= EO_Q8_MAX_POOL. */
int eo_q8_maxpool_ref(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                      const int8_t *x, int8_t *y);

/* Average pooling over the valid pixels of each window (padding is not
 * counted, as in TFLite): sum / count rounded half away from zero, then the
 * clamp. Same constraints as max pooling. */
int eo_q8_avgpool_ref(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                      const int8_t *x, int8_t *y);

/* Global average pooling: x [n][c][hw] -> y [n][c], rounded as avgpool.
 * hw <= EO_Q8_MAX_POOL. */
int eo_q8_gap_ref(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
                  const int8_t *x, int8_t *y);

#ifndef EO_QREF_NO_FLOAT
/* q = clamp(round(x / scale) + zp, -128, 127), round half away from zero,
 * IEEE single-precision division (as TFLite's Quantize). NaN maps to zp.
 * scale must be finite and > 0, zp in -128..127. */
int eo_q8_quantize_ref(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
/* x = scale * (q - zp), one correctly rounded float multiply. */
int eo_q8_dequantize_ref(size_t n, const int8_t *q, float scale, int32_t zp, float *x);
#endif

#ifdef __cplusplus
}
#endif
#endif
