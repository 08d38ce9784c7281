/* int8 fully connected layer, AVX2 (contract: eo_q8_fc_ref in edgeopt/qref.h).
 *
 * acc[o] = bias[o] + sum_i (x[i] - in_zp) * w[o][i]. Each block of 16 inputs
 * is widened to int16 once (x - in_zp lies in -255..255) and multiplied with
 * four weight rows by vpmaddwd, which adds adjacent int16 products into int32
 * lanes: |pair| <= 2 * 255 * 128 < 2^31, so nothing saturates, and every
 * partial sum is bounded by the fan-in bound of qref.h. Integer addition is
 * exact, so the result equals the reference bit for bit whatever the order.
 * Eight rows at a time are requantized by q8v_requant (q8_avx2.h), the
 * others by the scalar eo_q8_requant; both are bit-identical to qref.h. */
#include <immintrin.h>

#include "kernels/q8_avx2.h"

/* Horizontal sums of four int32x8 vectors -> {s0, s1, s2, s3}. */
static inline __m128i q8_hsum4(__m256i a0, __m256i a1, __m256i a2, __m256i a3)
{
    __m256i h01 = _mm256_hadd_epi32(a0, a1);  /* a0 pairs, a1 pairs per 128 lane */
    __m256i h23 = _mm256_hadd_epi32(a2, a3);
    __m256i h = _mm256_hadd_epi32(h01, h23);  /* lane k of each half: partial of row k */
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

static inline __m256i q8_load16(const int8_t *p)
{
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

static inline int32_t q8_hsum1(__m256i a)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

int eo__q8_fc_avx2(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                   const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_fc_check(p, batch, in, out, bias);
    if (rc) return rc;
    const int32_t zp = p->in_zp;
    const __m256i zpv = _mm256_set1_epi16((short)zp);
    const __m256i ozp = _mm256_set1_epi32(p->out_zp), amin = _mm256_set1_epi32(p->act_min),
                  amax = _mm256_set1_epi32(p->act_max);
    const int32_t in16 = in & ~15;
    const size_t ld = (size_t)in;
    for (int32_t b = 0; b < batch; b++) {
        const int8_t *xb = x + (size_t)b * ld;
        int8_t *yb = y + (size_t)b * (size_t)out;
        int32_t o = 0;
        /* eight rows per step: the widened input block serves all eight, and
         * the eight sums are requantized together */
        for (; o + 8 <= out; o += 8) {
            const int8_t *w0 = w + (size_t)o * ld;
            __m256i a[8];
            for (int r = 0; r < 8; r++) a[r] = _mm256_setzero_si256();
            for (int32_t i = 0; i < in16; i += 16) {
                __m256i xv = _mm256_sub_epi16(q8_load16(xb + i), zpv);
                for (int r = 0; r < 8; r++)
                    a[r] = _mm256_add_epi32(a[r], _mm256_madd_epi16(xv, q8_load16(w0 + (size_t)r * ld + i)));
            }
            int32_t acc[8];
            _mm_storeu_si128((__m128i *)(void *)acc, q8_hsum4(a[0], a[1], a[2], a[3]));
            _mm_storeu_si128((__m128i *)(void *)(acc + 4), q8_hsum4(a[4], a[5], a[6], a[7]));
            for (int32_t i = in16; i < in; i++) {
                int32_t xv = (int32_t)xb[i] - zp;
                for (int r = 0; r < 8; r++) acc[r] += xv * w0[(size_t)r * ld + (size_t)i];
            }
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)acc);
            if (bias) v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)(const void *)(bias + o)));
            __m256i m, sh;
            if (p->n_mult == 1) {
                m = _mm256_set1_epi32(p->mult[0]);
                sh = _mm256_set1_epi32(p->shift[0]);
            } else {
                m = _mm256_loadu_si256((const __m256i *)(const void *)(p->mult + o));
                sh = _mm256_loadu_si256((const __m256i *)(const void *)(p->shift + o));
            }
            v = q8v_requant(v, m, sh, ozp, amin, amax);
            _mm_storel_epi64((__m128i *)(void *)(yb + o), q8v_pack16(v, v));
        }
        for (; o + 4 <= out; o += 4) {
            const int8_t *w0 = w + (size_t)o * ld, *w1 = w0 + ld, *w2 = w1 + ld, *w3 = w2 + ld;
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
            for (int32_t i = 0; i < in16; i += 16) {
                __m256i xv = _mm256_sub_epi16(q8_load16(xb + i), zpv);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, q8_load16(w0 + i)));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv, q8_load16(w1 + i)));
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xv, q8_load16(w2 + i)));
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xv, q8_load16(w3 + i)));
            }
            int32_t acc[4];
            _mm_storeu_si128((__m128i *)(void *)acc, q8_hsum4(a0, a1, a2, a3));
            for (int32_t i = in16; i < in; i++) {
                int32_t xv = (int32_t)xb[i] - zp;
                acc[0] += xv * w0[i];
                acc[1] += xv * w1[i];
                acc[2] += xv * w2[i];
                acc[3] += xv * w3[i];
            }
            for (int r = 0; r < 4; r++) {
                int32_t k = p->n_mult == 1 ? 0 : o + r;
                int32_t av = acc[r] + (bias ? bias[o + r] : 0);
                yb[o + r] = eo_q8_requant(av, p->mult[k], p->shift[k], p->out_zp, p->act_min,
                                          p->act_max);
            }
        }
        for (; o < out; o++) {
            const int8_t *w0 = w + (size_t)o * ld;
            __m256i a0 = _mm256_setzero_si256();
            for (int32_t i = 0; i < in16; i += 16) {
                __m256i xv = _mm256_sub_epi16(q8_load16(xb + i), zpv);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, q8_load16(w0 + i)));
            }
            int32_t acc = q8_hsum1(a0);
            for (int32_t i = in16; i < in; i++) acc += ((int32_t)xb[i] - zp) * w0[i];
            int32_t k = p->n_mult == 1 ? 0 : o;
            acc += bias ? bias[o] : 0;
            yb[o] = eo_q8_requant(acc, p->mult[k], p->shift[k], p->out_zp, p->act_min,
                                  p->act_max);
        }
    }
    return EO_Q8_OK;
}
