/* Private to the int8 AVX-512 files (*_avx512vnni.c, compiled with
 * -mavx512f -mavx512bw -mavx512vl): sixteen lanes of eo_q8_requant
 * (edgeopt/qref.h) at once, bit-identical to it. The steps are those of
 * q8v_requant in q8_avx2.h (see there for why each is exact), with mask
 * registers in place of the AVX2 blends. */
#ifndef EO_KERNELS_Q8_AVX512_H
#define EO_KERNELS_Q8_AVX512_H

#include <immintrin.h>

#include "kernels/q8_internal.h"

static inline __m512i q8z_requant(__m512i x, __m512i m, __m512i s, __m512i zp, __m512i lo, __m512i hi)
{
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i imin = _mm512_set1_epi32(INT32_MIN), imax = _mm512_set1_epi32(INT32_MAX);
    /* 1. saturating left shift: it overflowed iff shifting back differs */
    __m512i left = _mm512_max_epi32(s, zero);
    __m512i right = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
    __m512i xs = _mm512_sllv_epi32(x, left);
    __mmask16 ok = _mm512_cmpeq_epi32_mask(_mm512_srav_epi32(xs, left), x);
    __m512i sat = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(x, zero), imax, imin);
    xs = _mm512_mask_blend_epi32(ok, sat, xs);
    /* 2. doubling high multiply: bits 31..62 of x m + 2^30, even and odd lanes */
    const __m512i half = _mm512_set1_epi64(INT64_C(1) << 30);
    __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(xs, m), half);
    __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(xs, 32), _mm512_srli_epi64(m, 32)), half);
    __m512i h = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31),
                                        _mm512_slli_epi64(_mm512_srli_epi64(po, 31), 32));
    __mmask16 both_min = _mm512_cmpeq_epi32_mask(xs, imin) & _mm512_cmpeq_epi32_mask(m, imin);
    h = _mm512_mask_blend_epi32(both_min, h, imax);
    /* 3. rounding divide by 2^right: +1 when the remainder exceeds half the
     * divisor (half + 1 for negative h) */
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
    __m512i rem = _mm512_and_si512(h, mask);
    __m512i thr = _mm512_srli_epi32(mask, 1);
    thr = _mm512_mask_add_epi32(thr, _mm512_cmplt_epi32_mask(h, zero), thr, one);
    __m512i r = _mm512_srav_epi32(h, right);
    r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, one);
    /* 4. zero point and clamp (first to +-512 so that the addition cannot wrap) */
    r = _mm512_min_epi32(_mm512_max_epi32(r, _mm512_set1_epi32(-512)), _mm512_set1_epi32(512));
    r = _mm512_add_epi32(r, zp);
    return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}

#endif
