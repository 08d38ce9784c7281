/* int8 conv2d and depthwise conv2d, AVX2 (contracts: eo_q8_conv2d_ref and
 * eo_q8_dwconv2d_ref in edgeopt/qref.h).
 *
 * Direct convolution on NCHW, vectorized along the output row in blocks of 16
 * outputs, for up to four filters at once (each input row segment is loaded
 * and widened once and used by all of them). Stride 1: for a pair of taps
 * (kx, kx+1), the row loaded at ox+kx holds x[ox+kx+2j], x[ox+kx+2j+1] in
 * int16 lanes 2j, 2j+1, so vpmaddwd with the broadcast pair (w[kx], w[kx+1])
 * gives the two-tap contribution of the even outputs, and the same on the row
 * loaded at ox+kx+1 gives the odd outputs; an odd last tap uses the pairs
 * (w, 0) and (0, w). Stride 2: output j's taps kx, kx+1 read adjacent columns,
 * so the pairs of vpmaddwd are one output's two taps. A row segment that
 * crosses the input's edge is read from a copy padded with the zero point.
 * (x - in_zp) * w fits int16 x int16 -> int32 exactly and every lane holds a
 * partial sum of one output's terms, so the qref.h bound applies and the sums
 * equal the reference's. Other strides and windows wider than 32 take the
 * scalar path. Requantization: q8v_requant (q8_avx2.h) on the blocks, the
 * scalar eo_q8_requant elsewhere; both are bit-identical to qref.h. */
#include <immintrin.h>
#include <string.h>

#include "kernels/q8_avx2.h"

#define Q8_BLK 16   /* outputs per block */
#define Q8_MAXKW 32 /* wider windows take the scalar path */
#define Q8_NF 4     /* filters per block */

/* Up to Q8_NF filters over the same input planes (conv: nin = c; depthwise:
 * nf = 1, nin = 1). */
typedef struct q8_filters {
    const int8_t *x;              /* first input plane [nin][h][w] */
    int32_t nin, nf;
    size_t plane;                 /* h * w */
    int32_t zp;
    const int8_t *wf[Q8_NF];      /* filter f: [nin][kh][kw] */
    int32_t bias[Q8_NF], mult[Q8_NF], shift[Q8_NF];
    int8_t *y[Q8_NF];             /* output plane of filter f [oh][ow] */
} q8_filters;

/* Reference-order scalar sum of filter f at output (oy, ox), without bias. */
static int32_t q8_pixel(const q8_filters *F, int f, const eo_q8_geom *g, int32_t oy, int32_t ox)
{
    int32_t acc = 0;
    for (int32_t ic = 0; ic < F->nin; ic++) {
        const int8_t *xc = F->x + (size_t)ic * F->plane;
        const int8_t *wc = F->wf[f] + (size_t)ic * (size_t)g->kh * (size_t)g->kw;
        for (int32_t ky = 0; ky < g->kh; ky++) {
            int32_t iy = oy * g->stride_h - g->pad_top + ky;
            if (iy < 0 || iy >= g->h) continue;
            for (int32_t kx = 0; kx < g->kw; kx++) {
                int32_t ix = ox * g->stride_w - g->pad_left + kx;
                if (ix < 0 || ix >= g->w) continue;
                acc += ((int32_t)xc[(size_t)iy * (size_t)g->w + (size_t)ix] - F->zp) *
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

static inline __m256i q8_ld16(const int8_t *p, __m256i zpv)
{
    return _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p)), zpv);
}

/* Bytes of input row a block reads, from its first tap column. */
static int32_t q8_span(const eo_q8_geom *g)
{
    return g->stride_w == 1 ? g->kw + Q8_BLK - 1 : g->kw + 2 * Q8_BLK - 1;
}

/* Sums (no bias) of the 16 outputs ox..ox+15 of output row oy for each filter
 * (outputs past the row end are computed on padding and discarded by the
 * caller). Rows ky0..ky1-1 of the window are inside the input. NF is a
 * compile-time constant at each call so the accumulators stay in registers. */
static inline __attribute__((always_inline)) void
q8_block(const q8_filters *F, const int NF, const eo_q8_geom *g, int32_t iy0, int32_t ky0,
         int32_t ky1, int32_t ox, int32_t out[Q8_NF][Q8_BLK])
{
    const __m256i zpv = _mm256_set1_epi16((short)F->zp);
    const int32_t kw = g->kw, ix0 = ox * g->stride_w - g->pad_left, span = q8_span(g);
    const int inside = ix0 >= 0 && ix0 + span <= g->w;
    int8_t tmp[Q8_MAXKW + 2 * Q8_BLK];
    __m256i a0[Q8_NF], a1[Q8_NF];
    for (int f = 0; f < NF; f++) a0[f] = a1[f] = _mm256_setzero_si256();
    for (int32_t ic = 0; ic < F->nin; ic++) {
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const int8_t *row = F->x + (size_t)ic * F->plane + (size_t)(iy0 + ky) * (size_t)g->w;
            const int8_t *src = row + ix0;
            if (!inside) {
                /* zero-point fill, then the part of the segment inside the row */
                memset(tmp, F->zp, sizeof tmp);
                int32_t lo = ix0 < 0 ? 0 : ix0, hi = ix0 + span < g->w ? ix0 + span : g->w;
                if (hi > lo) memcpy(tmp + (lo - ix0), row + lo, (size_t)(hi - lo));
                src = tmp;
            }
            const size_t woff = ((size_t)ic * (size_t)g->kh + (size_t)ky) * (size_t)kw;
            int32_t kx = 0;
            if (g->stride_w == 1) {
                /* a0: even outputs 0,2,..,14; a1: odd outputs 1,3,..,15 */
                for (; kx + 2 <= kw; kx += 2) {
                    __m256i v0 = q8_ld16(src + kx, zpv), v1 = q8_ld16(src + kx + 1, zpv);
                    for (int f = 0; f < NF; f++) {
                        __m256i wp = _mm256_set1_epi32(q8_pair(F->wf[f][woff + kx], F->wf[f][woff + kx + 1]));
                        a0[f] = _mm256_add_epi32(a0[f], _mm256_madd_epi16(v0, wp));
                        a1[f] = _mm256_add_epi32(a1[f], _mm256_madd_epi16(v1, wp));
                    }
                }
                if (kx < kw) {
                    __m256i v = q8_ld16(src + kx, zpv);
                    for (int f = 0; f < NF; f++) {
                        int8_t wv = F->wf[f][woff + kx];
                        a0[f] = _mm256_add_epi32(a0[f], _mm256_madd_epi16(v, _mm256_set1_epi32(q8_pair(wv, 0))));
                        a1[f] = _mm256_add_epi32(a1[f], _mm256_madd_epi16(v, _mm256_set1_epi32(q8_pair(0, wv))));
                    }
                }
            } else {
                /* stride 2: a0 holds outputs 0..7, a1 outputs 8..15 */
                for (; kx < kw; kx += 2) {
                    __m256i v0 = q8_ld16(src + kx, zpv), v1 = q8_ld16(src + kx + 16, zpv);
                    for (int f = 0; f < NF; f++) {
                        int8_t w1 = kx + 1 < kw ? F->wf[f][woff + kx + 1] : 0;
                        __m256i wp = _mm256_set1_epi32(q8_pair(F->wf[f][woff + kx], w1));
                        a0[f] = _mm256_add_epi32(a0[f], _mm256_madd_epi16(v0, wp));
                        a1[f] = _mm256_add_epi32(a1[f], _mm256_madd_epi16(v1, wp));
                    }
                }
            }
        }
    }
    for (int f = 0; f < NF; f++) {
        __m256i r0 = a0[f], r1 = a1[f];
        if (g->stride_w == 1) {
            __m256i lo = _mm256_unpacklo_epi32(r0, r1); /* 0 1 2 3 | 8 9 10 11 */
            __m256i hi = _mm256_unpackhi_epi32(r0, r1); /* 4 5 6 7 | 12 13 14 15 */
            r0 = _mm256_permute2x128_si256(lo, hi, 0x20);
            r1 = _mm256_permute2x128_si256(lo, hi, 0x31);
        }
        _mm256_storeu_si256((__m256i *)(void *)out[f], r0);
        _mm256_storeu_si256((__m256i *)(void *)(out[f] + 8), r1);
    }
}

/* Output planes [oh][ow] of the F->nf filters. */
static void q8_conv_planes(const q8_filters *F, const eo_q8_params *p, const eo_q8_geom *g,
                           int32_t oh, int32_t ow)
{
    const int vec = (g->stride_w == 1 || g->stride_w == 2) && g->kw <= Q8_MAXKW;
    const __m256i ozp = _mm256_set1_epi32(p->out_zp), amin = _mm256_set1_epi32(p->act_min),
                  amax = _mm256_set1_epi32(p->act_max);
    int32_t acc[Q8_NF][Q8_BLK];
    for (int32_t oy = 0; oy < oh; oy++) {
        const int32_t iy0 = oy * g->stride_h - g->pad_top;
        int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = g->h - iy0 < g->kh ? g->h - iy0 : g->kh;
        const size_t ro = (size_t)oy * (size_t)ow;
        if (vec && ky0 < ky1) {
            for (int32_t ox = 0; ox < ow; ox += Q8_BLK) {
                if (F->nf == Q8_NF)
                    q8_block(F, Q8_NF, g, iy0, ky0, ky1, ox, acc);
                else if (F->nf == 1)
                    q8_block(F, 1, g, iy0, ky0, ky1, ox, acc);
                else
                    for (int f = 0; f < F->nf; f++) {
                        q8_filters one = *F;
                        one.wf[0] = F->wf[f];
                        q8_block(&one, 1, g, iy0, ky0, ky1, ox, &acc[f]);
                    }
                int32_t n = ow - ox < Q8_BLK ? ow - ox : Q8_BLK;
                for (int f = 0; f < F->nf; f++) {
                    const __m256i b = _mm256_set1_epi32(F->bias[f]);
                    const __m256i m = _mm256_set1_epi32(F->mult[f]), sh = _mm256_set1_epi32(F->shift[f]);
                    __m256i r0 = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)acc[f]), b);
                    __m256i r1 = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc[f] + 8)), b);
                    r0 = q8v_requant(r0, m, sh, ozp, amin, amax);
                    r1 = q8v_requant(r1, m, sh, ozp, amin, amax);
                    __m128i packed = q8v_pack16(r0, r1);
                    int8_t *dst = F->y[f] + ro + (size_t)ox;
                    if (n == Q8_BLK) {
                        _mm_storeu_si128((__m128i *)(void *)dst, packed);
                    } else {
                        int8_t t16[Q8_BLK];
                        _mm_storeu_si128((__m128i *)(void *)t16, packed);
                        memcpy(dst, t16, (size_t)n);
                    }
                }
            }
        } else {
            for (int f = 0; f < F->nf; f++)
                for (int32_t ox = 0; ox < ow; ox++)
                    F->y[f][ro + (size_t)ox] =
                        eo_q8_requant(q8_pixel(F, f, g, oy, ox) + F->bias[f], F->mult[f],
                                      F->shift[f], p->out_zp, p->act_min, p->act_max);
        }
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
        for (int32_t o0 = 0; o0 < oc; o0 += Q8_NF) {
            q8_filters F;
            F.x = x + (size_t)b * (size_t)g->c * plane;
            F.nin = g->c;
            F.nf = oc - o0 < Q8_NF ? oc - o0 : Q8_NF;
            F.plane = plane;
            F.zp = p->in_zp;
            for (int f = 0; f < F.nf; f++) {
                int32_t o = o0 + f, k = p->n_mult == 1 ? 0 : o;
                F.wf[f] = w + (size_t)o * fan;
                F.bias[f] = bias ? bias[o] : 0;
                F.mult[f] = p->mult[k];
                F.shift[f] = p->shift[k];
                F.y[f] = y + ((size_t)b * (size_t)oc + (size_t)o) * oplane;
            }
            q8_conv_planes(&F, p, g, oh, ow);
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
            q8_filters F;
            F.x = x + pc * plane;
            F.nin = 1;
            F.nf = 1;
            F.plane = plane;
            F.zp = p->in_zp;
            F.wf[0] = w + (size_t)c * ksz;
            F.bias[0] = bias ? bias[c] : 0;
            F.mult[0] = p->mult[k];
            F.shift[0] = p->shift[k];
            F.y[0] = y + pc * oplane;
            q8_conv_planes(&F, p, g, oh, ow);
        }
    }
    return EO_Q8_OK;
}
