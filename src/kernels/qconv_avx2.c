/* int8 conv2d and depthwise conv2d, AVX2 (contracts: eo_q8_conv2d_ref and
 * eo_q8_dwconv2d_ref in edgeopt/qref.h).
 *
 * Direct convolution on NCHW, vectorized along the output row (stride_w = 1):
 * for a block of 16 (or 8) output pixels starting at ox and a pair of taps
 * (kx, kx+1), the input row loaded at ox+kx holds x[ox+kx+2j], x[ox+kx+2j+1]
 * in int16 lanes 2j, 2j+1, so vpmaddwd with the broadcast pair (w[kx],
 * w[kx+1]) gives the two-tap contribution of the even pixels ox+2j, and the
 * same on the row loaded at ox+kx+1 gives the odd pixels. An odd last tap uses
 * the pairs (w, 0) and (0, w) on the one row, so no load passes the window.
 * (x - in_zp) * w fits int16 x int16 -> int32 exactly and every lane holds a
 * partial sum of one output's terms, so the qref.h bound applies and the sums
 * equal the reference's. Pixels whose window touches the padding, and rows
 * with stride_w != 1, take the scalar path. Requantization is the shared
 * scalar eo_q8_requant. */
#include <immintrin.h>

#include "kernels/q8_internal.h"

/* One plane of output for one filter: nin input planes (conv: c, depthwise: 1). */
typedef struct q8_plane {
    const int8_t *x;  /* first input plane [nin][h][w] */
    const int8_t *wf; /* filter [nin][kh][kw] */
    int32_t nin;
    size_t plane;     /* h * w */
    int32_t zp;
    int32_t bias, mult, shift;
} q8_plane;

/* Reference-order scalar sum for output pixel (oy, ox), without bias. */
static int32_t q8_pixel(const q8_plane *P, const eo_q8_geom *g, int32_t oy, int32_t ox)
{
    int32_t acc = 0;
    for (int32_t ic = 0; ic < P->nin; ic++) {
        const int8_t *xc = P->x + (size_t)ic * P->plane;
        const int8_t *wc = P->wf + (size_t)ic * (size_t)g->kh * (size_t)g->kw;
        for (int32_t ky = 0; ky < g->kh; ky++) {
            int32_t iy = oy * g->stride_h - g->pad_top + ky;
            if (iy < 0 || iy >= g->h) continue;
            for (int32_t kx = 0; kx < g->kw; kx++) {
                int32_t ix = ox * g->stride_w - g->pad_left + kx;
                if (ix < 0 || ix >= g->w) continue;
                acc += ((int32_t)xc[(size_t)iy * (size_t)g->w + (size_t)ix] - P->zp) *
                       (int32_t)wc[(size_t)ky * (size_t)g->kw + (size_t)kx];
            }
        }
    }
    return acc;
}

static inline int32_t q8_pair(int8_t a, int8_t b)
{
    return (int32_t)((uint32_t)(uint16_t)(int16_t)a | ((uint32_t)(uint16_t)(int16_t)b << 16));
}

/* Sums (no bias) of 16 pixels ox0..ox0+15 of an output row whose horizontal
 * windows lie inside the input; rows ky0..ky1-1 are the valid ones. */
static void q8_block16(const q8_plane *P, const eo_q8_geom *g, int32_t iy0, int32_t ky0,
                       int32_t ky1, int32_t ix0, int32_t out[16])
{
    const __m256i zpv = _mm256_set1_epi16((short)P->zp);
    __m256i ae = _mm256_setzero_si256(), ao = ae;
    for (int32_t ic = 0; ic < P->nin; ic++) {
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const int8_t *row = P->x + (size_t)ic * P->plane + (size_t)(iy0 + ky) * (size_t)g->w +
                                (size_t)ix0;
            const int8_t *wr = P->wf + ((size_t)ic * (size_t)g->kh + (size_t)ky) * (size_t)g->kw;
            int32_t kx = 0;
            for (; kx + 2 <= g->kw; kx += 2) {
                __m256i wp = _mm256_set1_epi32(q8_pair(wr[kx], wr[kx + 1]));
                __m256i v0 = _mm256_sub_epi16(
                    _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(row + kx))), zpv);
                __m256i v1 = _mm256_sub_epi16(
                    _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(row + kx + 1))), zpv);
                ae = _mm256_add_epi32(ae, _mm256_madd_epi16(v0, wp));
                ao = _mm256_add_epi32(ao, _mm256_madd_epi16(v1, wp));
            }
            if (kx < g->kw) {
                __m256i v0 = _mm256_sub_epi16(
                    _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(row + kx))), zpv);
                ae = _mm256_add_epi32(ae, _mm256_madd_epi16(v0, _mm256_set1_epi32(q8_pair(wr[kx], 0))));
                ao = _mm256_add_epi32(ao, _mm256_madd_epi16(v0, _mm256_set1_epi32(q8_pair(0, wr[kx]))));
            }
        }
    }
    /* ae = pixels 0,2,..,14 and ao = 1,3,..,15 (4 per 128-bit half): interleave. */
    __m256i lo = _mm256_unpacklo_epi32(ae, ao); /* 0 1 2 3 | 8 9 10 11 */
    __m256i hi = _mm256_unpackhi_epi32(ae, ao); /* 4 5 6 7 | 12 13 14 15 */
    _mm256_storeu_si256((__m256i *)(void *)out, _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
}

/* The same for 8 pixels with 128-bit vectors (narrow feature maps). */
static void q8_block8(const q8_plane *P, const eo_q8_geom *g, int32_t iy0, int32_t ky0,
                      int32_t ky1, int32_t ix0, int32_t out[8])
{
    const __m128i zpv = _mm_set1_epi16((short)P->zp);
    __m128i ae = _mm_setzero_si128(), ao = ae;
    for (int32_t ic = 0; ic < P->nin; ic++) {
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const int8_t *row = P->x + (size_t)ic * P->plane + (size_t)(iy0 + ky) * (size_t)g->w +
                                (size_t)ix0;
            const int8_t *wr = P->wf + ((size_t)ic * (size_t)g->kh + (size_t)ky) * (size_t)g->kw;
            int32_t kx = 0;
            for (; kx + 2 <= g->kw; kx += 2) {
                __m128i wp = _mm_set1_epi32(q8_pair(wr[kx], wr[kx + 1]));
                __m128i v0 = _mm_sub_epi16(
                    _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(row + kx))), zpv);
                __m128i v1 = _mm_sub_epi16(
                    _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(row + kx + 1))), zpv);
                ae = _mm_add_epi32(ae, _mm_madd_epi16(v0, wp));
                ao = _mm_add_epi32(ao, _mm_madd_epi16(v1, wp));
            }
            if (kx < g->kw) {
                __m128i v0 = _mm_sub_epi16(
                    _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(row + kx))), zpv);
                ae = _mm_add_epi32(ae, _mm_madd_epi16(v0, _mm_set1_epi32(q8_pair(wr[kx], 0))));
                ao = _mm_add_epi32(ao, _mm_madd_epi16(v0, _mm_set1_epi32(q8_pair(0, wr[kx]))));
            }
        }
    }
    _mm_storeu_si128((__m128i *)(void *)out, _mm_unpacklo_epi32(ae, ao));
    _mm_storeu_si128((__m128i *)(void *)(out + 4), _mm_unpackhi_epi32(ae, ao));
}

static void q8_store(const q8_plane *P, const eo_q8_params *p, int8_t *dst, const int32_t *acc,
                     int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        dst[i] = eo_q8_requant(acc[i] + P->bias, P->mult, P->shift, p->out_zp, p->act_min,
                               p->act_max);
}

/* Whole output plane [oh][ow] of one filter. */
static void q8_conv_plane(const q8_plane *P, const eo_q8_params *p, const eo_q8_geom *g,
                          int32_t oh, int32_t ow, int8_t *yo)
{
    /* Block starts ox for which every tap column of the block is inside the
     * row: ox - pad_left >= 0 and ox - pad_left + kw - 1 + (B - 1) <= w - 1. */
    const int32_t lo = g->pad_left;
    const int32_t hi16 = g->w - g->kw - 15 + g->pad_left;
    const int32_t hi8 = g->w - g->kw - 7 + g->pad_left;
    int32_t acc[16];
    for (int32_t oy = 0; oy < oh; oy++) {
        int8_t *yr = yo + (size_t)oy * (size_t)ow;
        const int32_t iy0 = oy * g->stride_h - g->pad_top;
        int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = g->h - iy0 < g->kh ? g->h - iy0 : g->kh;
        int32_t ox = 0; /* pixels [0, ox) are written */
        if (g->stride_w == 1 && ky0 < ky1) {
            for (; ox < lo && ox < ow; ox++)
                yr[ox] = eo_q8_requant(q8_pixel(P, g, oy, ox) + P->bias, P->mult, P->shift,
                                       p->out_zp, p->act_min, p->act_max);
            for (; ox + 16 <= ow && ox <= hi16; ox += 16) {
                q8_block16(P, g, iy0, ky0, ky1, ox - g->pad_left, acc);
                q8_store(P, p, yr + ox, acc, 16);
            }
            for (; ox + 8 <= ow && ox <= hi8; ox += 8) {
                q8_block8(P, g, iy0, ky0, ky1, ox - g->pad_left, acc);
                q8_store(P, p, yr + ox, acc, 8);
            }
            /* One more block of 8 that overlaps the written ones (it rewrites
             * equal values) covers what is left of the interior. */
            int32_t s8 = hi8 < ow - 8 ? hi8 : ow - 8;
            if (ox < ow && s8 >= lo && s8 < ox && s8 + 8 > ox) {
                q8_block8(P, g, iy0, ky0, ky1, s8 - g->pad_left, acc);
                q8_store(P, p, yr + s8, acc, 8);
                ox = s8 + 8;
            }
        }
        for (; ox < ow; ox++)
            yr[ox] = eo_q8_requant(q8_pixel(P, g, oy, ox) + P->bias, P->mult, P->shift,
                                   p->out_zp, p->act_min, p->act_max);
    }
}

int eo__q8_conv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                       const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_conv2d_check(p, g, oc, bias);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w, oplane = (size_t)oh * (size_t)ow;
    const size_t fan = (size_t)g->c * (size_t)g->kh * (size_t)g->kw;
    for (int32_t b = 0; b < g->n; b++) {
        for (int32_t o = 0; o < oc; o++) {
            int32_t k = p->n_mult == 1 ? 0 : o;
            q8_plane P = {x + (size_t)b * (size_t)g->c * plane, w + (size_t)o * fan, g->c, plane,
                          p->in_zp, bias ? bias[o] : 0, p->mult[k], p->shift[k]};
            q8_conv_plane(&P, p, g, oh, ow, y + ((size_t)b * (size_t)oc + (size_t)o) * oplane);
        }
    }
    return EO_Q8_OK;
}

int eo__q8_dwconv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                         const int8_t *w, const int32_t *bias, int8_t *y)
{
    if (!x || !w || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_dwconv2d_check(p, g, bias);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w, oplane = (size_t)oh * (size_t)ow;
    const size_t ksz = (size_t)g->kh * (size_t)g->kw;
    for (int32_t b = 0; b < g->n; b++) {
        for (int32_t c = 0; c < g->c; c++) {
            int32_t k = p->n_mult == 1 ? 0 : c;
            size_t pc = (size_t)b * (size_t)g->c + (size_t)c;
            q8_plane P = {x + pc * plane, w + (size_t)c * ksz, 1, plane,
                          p->in_zp, bias ? bias[c] : 0, p->mult[k], p->shift[k]};
            q8_conv_plane(&P, p, g, oh, ow, y + pc * oplane);
        }
    }
    return EO_Q8_OK;
}
