/* Private to the kernels module: the AVX2 int8 kernels (files *_avx2.c,
 * compiled with -mavx2 -mfma on x86 only) and the table that selects them.
 * Each has the contract of its _ref twin in edgeopt/qref.h and must give
 * bit-identical results (tests/kernels/test_q8_avx2.c checks that). */
#ifndef EO_KERNELS_Q8_INTERNAL_H
#define EO_KERNELS_Q8_INTERNAL_H

#include "edgeopt/qkernels.h"

#if defined(EO_HAVE_X86)
int eo__q8_fc_avx2(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                   const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_conv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                       const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_dwconv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                         const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_maxpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y);
int eo__q8_avgpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y);
int eo__q8_gap_avx2(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
                    const int8_t *x, int8_t *y);
int eo__q8_quantize_avx2(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
int eo__q8_dequantize_avx2(size_t n, const int8_t *q, float scale, int32_t zp, float *x);
#endif

#endif
