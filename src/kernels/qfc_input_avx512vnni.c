/* float -> int8 input conversion of the VNNI path on zmm (contract:
 * eo_q8_quantize_ref in edgeopt/qref.h). It is the only float work of an
 * int8 MLP's batch-1 forward besides the 10 logits, and the AVX2 version
 * (qconvert_avx2.c) leaves the last n % 32 values to the scalar reference
 * (784 = 24 * 32 + 16). Here 16 values per step and one masked step for the
 * rest. Per element the operations of the reference in its order: IEEE
 * division by the scale (not a multiply by the reciprocal, whose rounding
 * differs), NaN -> 0, clamp to +-512, truncation, +-1 when the exact
 * fractional part reaches one half, + zero point, saturation to int8. */
#include <immintrin.h>

#include "kernels/q8_internal.h"

static inline __m512i round16(__m512 x, __m512 sv, __m512i zpv)
{
    const __m512 half = _mm512_set1_ps(0.5f), mhalf = _mm512_set1_ps(-0.5f);
    __m512 v = _mm512_div_ps(x, sv);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v); /* NaN -> +0 */
    v = _mm512_max_ps(_mm512_min_ps(v, _mm512_set1_ps(512.0f)), _mm512_set1_ps(-512.0f));
    __m512i ti = _mm512_cvttps_epi32(v);
    __m512 f = _mm512_sub_ps(v, _mm512_cvtepi32_ps(ti)); /* exact: |v| <= 512 */
    const __m512i one = _mm512_set1_epi32(1);
    ti = _mm512_mask_add_epi32(ti, _mm512_cmp_ps_mask(f, half, _CMP_GE_OQ), ti, one);
    ti = _mm512_mask_sub_epi32(ti, _mm512_cmp_ps_mask(f, mhalf, _CMP_LE_OQ), ti, one);
    return _mm512_add_epi32(ti, zpv);
}

int eo__q8_quantize_avx512vnni(size_t n, const float *x, float scale, int32_t zp, int8_t *q)
{
    if (!(scale > 0.0f) || scale - scale != 0.0f || zp < -128 || zp > 127) return EO_Q8_EINVAL;
    if (n > 0 && (!x || !q)) return EO_Q8_EINVAL;
    const __m512 sv = _mm512_set1_ps(scale);
    const __m512i zpv = _mm512_set1_epi32(zp);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) /* vpmovsdb saturates to int8 */
        _mm_storeu_si128((__m128i *)(void *)(q + i), _mm512_cvtsepi32_epi8(round16(_mm512_loadu_ps(x + i), sv, zpv)));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1u);
        _mm_mask_storeu_epi8(q + i, k, _mm512_cvtsepi32_epi8(round16(_mm512_maskz_loadu_ps(k, x + i), sv, zpv)));
    }
    return EO_Q8_OK;
}
