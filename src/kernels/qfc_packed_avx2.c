/* int8 fully connected layer on a pack (eo_q8_fc_pack), AVX2 without VNNI:
 * the packed path of CPUs that have AVX2 but no vpdpbusd.
 *
 * vpmaddubsw multiplies unsigned by signed bytes and adds adjacent pairs into
 * int16 with saturation. Fed |x| (0..128 as unsigned) and sign(w, x) (w
 * negated where x < 0, zeroed where x = 0: vpsignb), each product is x w and
 * a pair sum is at most 2 * 128 * 127 = 32512 < 2^15: no saturation, as long
 * as no weight is -128 (vpsignb cannot negate it; such packs, flagged at
 * packing, take the plain scalar loop below). vpmaddwd with ones then adds
 * the pairs into the int32 lanes of the 8 rows of a half-cell. The
 * accumulators start at cs[o] = bias[o] - in_zp sum w (qfc_pack.c), so they
 * end at the reference's bias + sum (x - in_zp) w exactly; requantization is
 * q8v_requant. Same cell walk as qfc_avxvnni.c: 4 blocks of a pass at a time,
 * 8 accumulators. */
#include <string.h>

#include <immintrin.h>

#include "kernels/q8_avx2.h"

static inline __attribute__((always_inline)) void sub_nj(const eo__q8_pack_hdr *h, const int8_t *x, int8_t *y,
                                                          int32_t b0, int32_t nb, int32_t j0, const int nj)
{
    const int32_t in = h->in, groups = h->groups, full = in / 4;
    const int32_t *c = eo__q8_pack_cs(h) + (size_t)(b0 + j0) * 16u;
    const int8_t *w = eo__q8_pack_w(h) + (size_t)b0 * (size_t)groups * 64u + (size_t)j0 * 64u;
    const size_t gstride = (size_t)nb * 64u;
    const __m256i ones = _mm256_set1_epi16(1);
    /* named accumulators (the two 8-row halves of each block); those past nj
     * are dead code once nj is a constant */
    __m256i a0, a1, a2, a3, a4, a5, a6, a7;
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm256_setzero_si256();
#define EO_Q8_EACH(OP) OP(0, a0, a1) OP(1, a2, a3) OP(2, a4, a5) OP(3, a6, a7)
#define EO_Q8_INIT(j, lo, hi)                                                           \
    if (j < nj) {                                                                       \
        lo = _mm256_loadu_si256((const __m256i *)(const void *)(c + 16 * j));            \
        hi = _mm256_loadu_si256((const __m256i *)(const void *)(c + 16 * j + 8));        \
    }
#define EO_Q8_HALF(a, p)                                                                             \
    a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(            \
                                                  _mm256_loadu_si256((const __m256i *)(const void *)(p)), xb)), \
                                              ones));
#define EO_Q8_STEP(j, lo, hi)              \
    if (j < nj) {                          \
        EO_Q8_HALF(lo, wg + 64 * j)        \
        EO_Q8_HALF(hi, wg + 64 * j + 32)   \
    }
    EO_Q8_EACH(EO_Q8_INIT)
    int32_t g = 0;
    for (; g < groups; g++) {
        int32_t v = 0; /* x = 0 past in (the partial last group) */
        if (g < full) memcpy(&v, x + 4 * g, 4);
        else memcpy(&v, x + 4 * g, (size_t)(in - 4 * g));
        const __m256i xb = _mm256_set1_epi32(v), ax = _mm256_abs_epi8(xb);
        const int8_t *wg = w + (size_t)g * gstride;
        EO_Q8_EACH(EO_Q8_STEP)
    }
    const __m256i acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
#undef EO_Q8_STEP
#undef EO_Q8_HALF
#undef EO_Q8_INIT
#undef EO_Q8_EACH
    q8v_store_blocks(h, acc, b0 + j0, nj, y);
}

/* Packs with a -128 weight: the reference arithmetic over the cells. */
static void packed_scalar(const eo__q8_pack_hdr *h, const int8_t *x, int8_t *y)
{
    const int32_t *cs = eo__q8_pack_cs(h), *m = eo__q8_pack_mult(h), *s = eo__q8_pack_shift(h);
    const int8_t *w = eo__q8_pack_w(h);
    for (int32_t b0 = 0; b0 < h->blocks;) {
        int32_t nb = eo__q8_pass_blocks(b0, h->blocks);
        for (int32_t j = 0; j < nb; j++)
            for (int32_t r = 0; r < 16; r++) {
                int32_t o = 16 * (b0 + j) + r;
                if (o >= h->out) break;
                int64_t acc = cs[o]; /* the partial sums may leave int32; the total does not */
                for (int32_t i = 0; i < h->in; i++)
                    acc += x[i] * w[(size_t)b0 * (size_t)h->groups * 64u +
                                   (((size_t)(i / 4) * (size_t)nb + (size_t)j) * 16u + (size_t)r) * 4u + (size_t)(i % 4)];
                y[o] = eo_q8_requant((int32_t)acc, m[o], s[o], h->out_zp, h->act_min, h->act_max);
            }
        b0 += nb;
    }
}

void eo__q8_fc_packed_avx2(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y)
{
    for (int32_t n = 0; n < batch; n++) {
        const int8_t *xn = x + (size_t)n * (size_t)h->in;
        int8_t *yn = y + (size_t)n * (size_t)h->out;
        if (h->has_m128) {
            packed_scalar(h, xn, yn);
            continue;
        }
        for (int32_t b = 0; b < h->blocks;) {
            int32_t nb = eo__q8_pass_blocks(b, h->blocks), j = 0;
            for (; j + 4 <= nb; j += 4) sub_nj(h, xn, yn, b, nb, j, 4);
            if (j + 2 <= nb) sub_nj(h, xn, yn, b, nb, j, 2), j += 2;
            if (j < nb) sub_nj(h, xn, yn, b, nb, j, 1);
            b += nb;
        }
    }
}
