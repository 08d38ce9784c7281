/* int8 fully connected layer on a pack (eo_q8_fc_pack), AVX-VNNI: the
 * VEX-encoded vpdpbusd on ymm for CPUs without AVX-512 VNNI (and with it,
 * when a test forces this path). Same scheme as qfc_avx512vnni.c with each
 * 16-row block split into two 8-row halves (the first and second 32 bytes
 * of a (block, group) cell): u = x + 128 broadcast per group of 4 inputs,
 * accumulators starting at the pack's per-row constant, q8v_requant. A pass
 * of the pack (up to 16 blocks) is run 4 blocks at a time.
 * Compiled with -mavxvnni (plus -mavx2 -mfma). */
#include <string.h>

#include <immintrin.h>

#include "kernels/q8_avx2.h"

/* acc + the 4-byte dot products of u and the 32 weight bytes at w (the asm
 * for gcc 12, whose builtin code copies every accumulator twice per
 * iteration; see qfc_avx512vnni.c). */
static inline __m256i dpbusd(__m256i acc, __m256i u, const int8_t *w)
{
#if defined(__GNUC__) && !defined(__clang__)
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(u), "m"(*(const __m256i_u *)(const void *)w));
    return acc;
#else
    return _mm256_dpbusd_avx_epi32(acc, u, _mm256_loadu_si256((const __m256i *)(const void *)w));
#endif
}

/* Blocks [b0 + j0, b0 + j0 + nj) of the pass [b0, b0 + nb) of one sample;
 * nj is a constant 4, 2 or 1 after inlining (2 nj accumulators of the 16
 * ymm registers), nb the pass's width (the stride of its cells). */
static inline __attribute__((always_inline)) void sub_nj(const eo__q8_pack_hdr *h, const int8_t *x, int8_t *y,
                                                          int32_t b0, int32_t nb, int32_t j0, const int nj)
{
    const int32_t in = h->in, groups = h->groups, full = in / 4;
    const int32_t *c = eo__q8_pack_c(h) + (size_t)(b0 + j0) * 16u;
    const int8_t *w = eo__q8_pack_w(h) + (size_t)b0 * (size_t)groups * 64u + (size_t)j0 * 64u;
    const size_t gstride = (size_t)nb * 64u;
    /* named accumulators (a2j, a2j+1: the two 8-row halves of block j); those
     * past nj are dead code once nj is a constant */
    __m256i a0, a1, a2, a3, a4, a5, a6, a7;
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm256_setzero_si256();
#define EO_Q8_EACH(OP) OP(0, a0, a1) OP(1, a2, a3) OP(2, a4, a5) OP(3, a6, a7)
#define EO_Q8_INIT(j, lo, hi)                                                           \
    if (j < nj) {                                                                       \
        lo = _mm256_loadu_si256((const __m256i *)(const void *)(c + 16 * j));            \
        hi = _mm256_loadu_si256((const __m256i *)(const void *)(c + 16 * j + 8));        \
    }
#define EO_Q8_STEP(j, lo, hi)                 \
    if (j < nj) {                             \
        lo = dpbusd(lo, u, wg + 64 * j);      \
        hi = dpbusd(hi, u, wg + 64 * j + 32); \
    }
    EO_Q8_EACH(EO_Q8_INIT)
    const __m256i flip = _mm256_set1_epi32((int32_t)0x80808080u);
    int32_t g = 0;
    for (; g < full; g++) {
        int32_t v;
        memcpy(&v, x + 4 * g, 4);
        const __m256i u = _mm256_xor_si256(_mm256_set1_epi32(v), flip);
        const int8_t *wg = w + (size_t)g * gstride;
        EO_Q8_EACH(EO_Q8_STEP)
    }
    if (g < groups) { /* the partial last group; x = 0 past in (the weights there are 0) */
        int32_t v = 0;
        memcpy(&v, x + 4 * g, (size_t)(in - 4 * g));
        const __m256i u = _mm256_xor_si256(_mm256_set1_epi32(v), flip);
        const int8_t *wg = w + (size_t)g * gstride;
        EO_Q8_EACH(EO_Q8_STEP)
    }
    const __m256i acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
#undef EO_Q8_STEP
#undef EO_Q8_INIT
#undef EO_Q8_EACH
    q8v_store_blocks(h, acc, b0 + j0, nj, y);
}

void eo__q8_fc_packed_avxvnni(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y)
{
    for (int32_t n = 0; n < batch; n++) {
        const int8_t *xn = x + (size_t)n * (size_t)h->in;
        int8_t *yn = y + (size_t)n * (size_t)h->out;
        for (int32_t b = 0; b < h->blocks;) {
            int32_t nb = eo__q8_pass_blocks(b, h->blocks), j = 0;
            for (; j + 4 <= nb; j += 4) sub_nj(h, xn, yn, b, nb, j, 4);
            if (j + 2 <= nb) sub_nj(h, xn, yn, b, nb, j, 2), j += 2;
            if (j < nb) sub_nj(h, xn, yn, b, nb, j, 1);
            b += nb;
        }
    }
}
