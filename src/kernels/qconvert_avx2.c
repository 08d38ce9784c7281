/* float <-> int8 conversion, AVX2 (contracts: eo_q8_quantize_ref and
 * eo_q8_dequantize_ref in edgeopt/qref.h).
 *
 * Same operations as the reference in the same order on each element: IEEE
 * division by the scale, NaN -> 0, clamp to +-512, truncation, +-1 when the
 * exact fractional part reaches one half (round half away from zero), + zero
 * point, saturation to int8 (done by the saturating packs); so the bits match.
 * Dequantization is one float multiply of (q - zp), as in the reference. */
#include <immintrin.h>

#include "kernels/q8_internal.h"

static inline __m256i q8c_round8(const float *x, __m256 sv, __m256i zpv)
{
    const __m256 half = _mm256_set1_ps(0.5f), mhalf = _mm256_set1_ps(-0.5f);
    const __m256 lim = _mm256_set1_ps(512.0f), mlim = _mm256_set1_ps(-512.0f);
    __m256 v = _mm256_div_ps(_mm256_loadu_ps(x), sv);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> +0 */
    v = _mm256_max_ps(_mm256_min_ps(v, lim), mlim);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 f = _mm256_sub_ps(v, t);
    __m256i ti = _mm256_cvttps_epi32(t);
    /* compare masks are all-ones (-1) where true */
    __m256i up = _mm256_castps_si256(_mm256_cmp_ps(f, half, _CMP_GE_OQ));
    __m256i dn = _mm256_castps_si256(_mm256_cmp_ps(f, mhalf, _CMP_LE_OQ));
    ti = _mm256_add_epi32(_mm256_sub_epi32(ti, up), dn);
    return _mm256_add_epi32(ti, zpv);
}

int eo__q8_quantize_avx2(size_t n, const float *x, float scale, int32_t zp, int8_t *q)
{
    if (!(scale > 0.0f) || scale - scale != 0.0f || zp < -128 || zp > 127) return EO_Q8_EINVAL;
    if (n > 0 && (!x || !q)) return EO_Q8_EINVAL;
    const __m256 sv = _mm256_set1_ps(scale);
    const __m256i zpv = _mm256_set1_epi32(zp);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i a = q8c_round8(x + i, sv, zpv), b = q8c_round8(x + i + 8, sv, zpv);
        __m256i c = q8c_round8(x + i + 16, sv, zpv), d = q8c_round8(x + i + 24, sv, zpv);
        /* packs work per 128-bit lane: a0-3 b0-3 | a4-7 b4-7, then bytes
         * a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7; the dword permute restores order. */
        __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
        __m256i r = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), order);
        _mm256_storeu_si256((__m256i *)(void *)(q + i), r);
    }
    return i < n ? eo_q8_quantize_ref(n - i, x + i, scale, zp, q + i) : EO_Q8_OK;
}

int eo__q8_dequantize_avx2(size_t n, const int8_t *q, float scale, int32_t zp, float *x)
{
    if (zp < -128 || zp > 127) return EO_Q8_EINVAL;
    if (n > 0 && (!x || !q)) return EO_Q8_EINVAL;
    const __m256 sv = _mm256_set1_ps(scale);
    const __m256i zpv = _mm256_set1_epi32(zp);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(q + i)));
        __m256 f = _mm256_cvtepi32_ps(_mm256_sub_epi32(v, zpv));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(f, sv));
    }
    return i < n ? eo_q8_dequantize_ref(n - i, q + i, scale, zp, x + i) : EO_Q8_OK;
}
