/* int8 fully connected layer on a pack (eo_q8_fc_pack), AVX-VNNI: the
 * VEX-encoded vpdpbusd on ymm for CPUs without AVX-512 VNNI (and with it,
 * when a test forces this path). Same scheme as qfc_avx512vnni.c with each
 * 16-row block split into two 8-row halves (the first and second 32 bytes
 * of a (block, group) cell): u = x + 128 broadcast per group of 4 inputs,
 * accumulators starting at the pack's per-row constant, q8v_requant.
 * Compiled with -mavxvnni (plus -mavx2 -mfma). */
#include <string.h>

#include <immintrin.h>

#include "kernels/q8_avx2.h"

/* Rows [16 b0, 16 (b0 + nb)) of one sample; nb is a constant 4, 2 or 1
 * after inlining (2 nb accumulators of the 16 ymm registers). */
static inline __attribute__((always_inline)) void blocks_nb(const eo__q8_pack_hdr *h, const int8_t *x,
                                                             int8_t *y, int32_t b0, const int nb)
{
    const int32_t in = h->in, groups = h->groups, full = in / 4;
    const int32_t *c = eo__q8_pack_c(h) + (size_t)b0 * 16u;
    const int8_t *w = eo__q8_pack_w(h) + (size_t)b0 * (size_t)groups * 64u;
    const size_t bstride = (size_t)groups * 64u;
    __m256i acc[8];
    for (int j = 0; j < 2 * nb; j++) acc[j] = _mm256_loadu_si256((const __m256i *)(const void *)(c + 8 * j));
    const __m256i flip = _mm256_set1_epi32((int32_t)0x80808080u);
    for (int32_t g = 0; g < groups; g++) {
        int32_t v = 0;
        if (g < full) memcpy(&v, x + 4 * g, 4);
        else memcpy(&v, x + 4 * g, (size_t)(in - 4 * g)); /* the partial last group; x = 0 past in */
        const __m256i u = _mm256_xor_si256(_mm256_set1_epi32(v), flip);
        const int8_t *wg = w + (size_t)g * 64u;
        for (int j = 0; j < nb; j++) {
            const int8_t *wj = wg + (size_t)j * bstride;
            acc[2 * j] = _mm256_dpbusd_avx_epi32(acc[2 * j], u, _mm256_loadu_si256((const __m256i *)(const void *)wj));
            acc[2 * j + 1] =
                _mm256_dpbusd_avx_epi32(acc[2 * j + 1], u, _mm256_loadu_si256((const __m256i *)(const void *)(wj + 32)));
        }
    }
    const int32_t *m = eo__q8_pack_mult(h) + (size_t)b0 * 16u, *s = eo__q8_pack_shift(h) + (size_t)b0 * 16u;
    const __m256i zp = _mm256_set1_epi32(h->out_zp), lo = _mm256_set1_epi32(h->act_min),
                  hi = _mm256_set1_epi32(h->act_max);
    for (int j = 0; j < nb; j++) {
        __m256i r[2];
        for (int k = 0; k < 2; k++) {
            const size_t at = (size_t)(16 * j + 8 * k);
            r[k] = q8v_requant(acc[2 * j + k], _mm256_loadu_si256((const __m256i *)(const void *)(m + at)),
                               _mm256_loadu_si256((const __m256i *)(const void *)(s + at)), zp, lo, hi);
        }
        __m128i q = q8v_pack16(r[0], r[1]);
        int32_t o = 16 * (b0 + j), left = h->out - o;
        if (left >= 16) {
            _mm_storeu_si128((__m128i *)(void *)(y + o), q);
        } else {
            int8_t t[16];
            _mm_storeu_si128((__m128i *)(void *)t, q);
            memcpy(y + o, t, (size_t)left);
        }
    }
}

void eo__q8_fc_packed_avxvnni(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y)
{
    for (int32_t n = 0; n < batch; n++) {
        const int8_t *xn = x + (size_t)n * (size_t)h->in;
        int8_t *yn = y + (size_t)n * (size_t)h->out;
        int32_t b = 0;
        for (; b + 4 <= h->blocks; b += 4) blocks_nb(h, xn, yn, b, 4);
        if (b + 2 <= h->blocks) blocks_nb(h, xn, yn, b, 2), b += 2;
        if (b < h->blocks) blocks_nb(h, xn, yn, b, 1);
    }
}
