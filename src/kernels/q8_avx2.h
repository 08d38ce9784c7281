/* Private to the int8 AVX2 files (*_avx2.c, compiled with -mavx2): eight
 * lanes of eo_q8_requant (edgeopt/qref.h) at once, bit-identical to it.
 *
 * Per lane, with per-lane multiplier m and exponent s:
 *   1. x << max(s, 0), saturated: the shift overflowed iff shifting back
 *      arithmetically does not return x, and then the result is INT32_MIN or
 *      INT32_MAX by the sign of x;
 *   2. the doubling high multiply: the scalar code's nudge-then-truncate is
 *      floor((a b + 2^30) / 2^31) for every sign of a b (for a b < 0 it adds
 *      1 - 2^30, then truncation toward zero equals floor after adding
 *      2^31 - 1, and 1 - 2^30 + 2^31 - 1 = 2^30); the 64-bit products come
 *      from vpmuldq on the even lanes and on the odd lanes moved down, and
 *      bits 31..62 of p + 2^30 are the result (a 64-bit logical shift keeps
 *      them); a = b = INT32_MIN saturates to INT32_MAX;
 *   3. the rounding right shift by max(-s, 0): arithmetic shift plus one when
 *      the remainder exceeds half the divisor (or half + 1 for negative x);
 *   4. + zero point and the clamp: the value is first clamped to +-512 so the
 *      addition cannot wrap (anything beyond already lies outside
 *      [act_min, act_max]). */
#ifndef EO_KERNELS_Q8_AVX2_H
#define EO_KERNELS_Q8_AVX2_H

#include <string.h>

#include <immintrin.h>

#include "kernels/q8_internal.h"

static inline __m256i q8v_requant(__m256i x, __m256i m, __m256i s, __m256i zp, __m256i lo,
                                  __m256i hi)
{
    const __m256i zero = _mm256_setzero_si256();
    const __m256i imin = _mm256_set1_epi32(INT32_MIN), imax = _mm256_set1_epi32(INT32_MAX);
    /* 1. saturating left shift */
    __m256i left = _mm256_max_epi32(s, zero);
    __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
    __m256i xs = _mm256_sllv_epi32(x, left);
    __m256i ok = _mm256_cmpeq_epi32(_mm256_srav_epi32(xs, left), x);
    __m256i sat = _mm256_blendv_epi8(imax, imin, _mm256_cmpgt_epi32(zero, x));
    xs = _mm256_blendv_epi8(sat, xs, ok);
    /* 2. doubling high multiply */
    const __m256i half = _mm256_set1_epi64x(INT64_C(1) << 30);
    __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(xs, m), half);
    __m256i po = _mm256_add_epi64(
        _mm256_mul_epi32(_mm256_srli_epi64(xs, 32), _mm256_srli_epi64(m, 32)), half);
    __m256i re = _mm256_srli_epi64(pe, 31);                   /* result in the low dword */
    __m256i ro = _mm256_slli_epi64(_mm256_srli_epi64(po, 31), 32); /* result in the high dword */
    __m256i h = _mm256_blend_epi32(re, ro, 0xAA);
    __m256i both_min = _mm256_and_si256(_mm256_cmpeq_epi32(xs, imin), _mm256_cmpeq_epi32(m, imin));
    h = _mm256_blendv_epi8(h, imax, both_min);
    /* 3. rounding divide by 2^right */
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
    __m256i rem = _mm256_and_si256(h, mask);
    __m256i thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(zero, h));
    __m256i r = _mm256_sub_epi32(_mm256_srav_epi32(h, right), _mm256_cmpgt_epi32(rem, thr));
    /* 4. zero point and clamp */
    r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(-512)), _mm256_set1_epi32(512));
    r = _mm256_add_epi32(r, zp);
    return _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
}

/* Two vectors of 8 int32 in -128..127 -> 16 int8 in order. */
static inline __m128i q8v_pack16(__m256i a, __m256i b)
{
    __m256i w = _mm256_packs_epi32(a, b);               /* a0-3 b0-3 | a4-7 b4-7 */
    w = _mm256_permute4x64_epi64(w, 0xD8);              /* a0-3 a4-7 | b0-3 b4-7 */
    __m128i lo = _mm256_castsi256_si128(w), hi = _mm256_extracti128_si256(w, 1);
    return _mm_packs_epi16(lo, hi);
}


/* The end of a packed FC pass (AVX2 and AVX-VNNI kernels): requantize the
 * accumulators of nj 16-row blocks from block blk on (two vectors per block,
 * per-row multiplier and shift from the pack) and store them to y, the last
 * block cut at h->out. Always inlined so that a constant nj unrolls. */
static inline __attribute__((always_inline)) void q8v_store_blocks(const eo__q8_pack_hdr *h, const __m256i *acc,
                                                                   int32_t blk, const int nj, int8_t *y)
{
    const int32_t *m = eo__q8_pack_mult(h) + (size_t)blk * 16u;
    const int32_t *s = eo__q8_pack_shift(h) + (size_t)blk * 16u;
    const __m256i zp = _mm256_set1_epi32(h->out_zp), lo = _mm256_set1_epi32(h->act_min),
                  hi = _mm256_set1_epi32(h->act_max);
    for (int j = 0; j < nj; j++) {
        __m256i r[2];
        for (int k = 0; k < 2; k++) {
            const size_t at = (size_t)(16 * j + 8 * k);
            r[k] = q8v_requant(acc[2 * j + k], _mm256_loadu_si256((const __m256i *)(const void *)(m + at)),
                               _mm256_loadu_si256((const __m256i *)(const void *)(s + at)), zp, lo, hi);
        }
        __m128i q = q8v_pack16(r[0], r[1]);
        int32_t o = 16 * (blk + j), left = h->out - o;
        if (left >= 16) {
            _mm_storeu_si128((__m128i *)(void *)(y + o), q);
        } else {
            int8_t t[16];
            _mm_storeu_si128((__m128i *)(void *)t, q);
            memcpy(y + o, t, (size_t)left);
        }
    }
}

#endif
