/* int8 max / average / global average pooling, AVX2 (contracts:
 * eo_q8_maxpool_ref, eo_q8_avgpool_ref, eo_q8_gap_ref in edgeopt/qref.h).
 *
 * Vector paths: stride_w = 1 (32 outputs per block for max, 16 for average,
 * each tap a shifted row load), and the common 2-wide stride-2 window (16
 * outputs from 32 input bytes: even and odd bytes separated by a byte shuffle
 * for max, adjacent pairs summed by vpmaddwd for average). Sums of at most 255
 * int8 values fit int16. Every window that touches the padding, and every
 * other geometry, goes through the scalar code, which is the reference's. The
 * average's division (half away from zero) is scalar, as in the reference,
 * so all paths round identically. */
#include <immintrin.h>

#include "kernels/q8_internal.h"

static int32_t q8p_div_round(int32_t sum, int32_t count)
{
    return sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

static int8_t q8p_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* Reference computation of one output pixel. */
static int8_t q8p_pixel(const eo_q8_geom *g, const int8_t *xc, int32_t y0, int32_t y1,
                        int32_t ox, int is_max, int32_t amin, int32_t amax)
{
    int32_t x0 = ox * g->stride_w - g->pad_left, x1 = x0 + g->kw;
    if (x0 < 0) x0 = 0;
    if (x1 > g->w) x1 = g->w;
    int32_t acc = is_max ? -128 : 0;
    for (int32_t iy = y0; iy < y1; iy++) {
        const int8_t *row = xc + (size_t)iy * (size_t)g->w;
        for (int32_t ix = x0; ix < x1; ix++) {
            int32_t v = row[ix];
            if (is_max) {
                if (v > acc) acc = v;
            } else {
                acc += v;
            }
        }
    }
    if (!is_max) acc = q8p_div_round(acc, (y1 - y0) * (x1 - x0));
    return q8p_clamp(acc, amin, amax);
}

static inline __m256i q8p_load32(const int8_t *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* Max over rows y0..y1-1 of the 32 bytes at column ix0. */
static inline __m256i q8p_colmax(const eo_q8_geom *g, const int8_t *xc, int32_t y0, int32_t y1,
                                 int32_t ix0)
{
    __m256i m = _mm256_set1_epi8(-128);
    for (int32_t iy = y0; iy < y1; iy++)
        m = _mm256_max_epi8(m, q8p_load32(xc + (size_t)iy * (size_t)g->w + (size_t)ix0));
    return m;
}

static void q8p_row(const eo_q8_geom *g, const int8_t *xc, int32_t oy, int32_t ow, int8_t *yr,
                    int is_max, int32_t amin, int32_t amax)
{
    int32_t y0 = oy * g->stride_h - g->pad_top, y1 = y0 + g->kh;
    if (y0 < 0) y0 = 0;
    if (y1 > g->h) y1 = g->h;
    const int32_t rows = y1 - y0, pl = g->pad_left;
    int32_t ox = 0;
    /* Skip the outputs whose window starts in the left padding. */
    while (ox < ow && ox * g->stride_w - pl < 0) {
        yr[ox] = q8p_pixel(g, xc, y0, y1, ox, is_max, amin, amax);
        ox++;
    }
    if (g->stride_w == 1 && is_max) {
        const __m256i lo = _mm256_set1_epi8((char)amin), hi = _mm256_set1_epi8((char)amax);
        for (; ox + 32 <= ow && ox - pl + g->kw - 1 + 31 <= g->w - 1; ox += 32) {
            __m256i m = _mm256_set1_epi8(-128);
            for (int32_t kx = 0; kx < g->kw; kx++)
                m = _mm256_max_epi8(m, q8p_colmax(g, xc, y0, y1, ox - pl + kx));
            m = _mm256_min_epi8(_mm256_max_epi8(m, lo), hi);
            _mm256_storeu_si256((__m256i *)(void *)(yr + ox), m);
        }
    } else if (g->stride_w == 1 && rows * g->kw <= 255) {
        int32_t acc[16];
        const int32_t count = rows * g->kw;
        for (; ox + 16 <= ow && ox - pl + g->kw - 1 + 15 <= g->w - 1; ox += 16) {
            __m256i s = _mm256_setzero_si256();
            for (int32_t iy = y0; iy < y1; iy++) {
                const int8_t *row = xc + (size_t)iy * (size_t)g->w + (size_t)(ox - pl);
                for (int32_t kx = 0; kx < g->kw; kx++)
                    s = _mm256_add_epi16(s, _mm256_cvtepi8_epi16(_mm_loadu_si128(
                                                (const __m128i *)(const void *)(row + kx))));
            }
            /* Widen the 16 int16 sums to int32 in order (madd with 1 pairs
             * would add neighbours, so sign-extend each half instead). */
            _mm256_storeu_si256((__m256i *)(void *)acc,
                                _mm256_cvtepi16_epi32(_mm256_castsi256_si128(s)));
            _mm256_storeu_si256((__m256i *)(void *)(acc + 8),
                                _mm256_cvtepi16_epi32(_mm256_extracti128_si256(s, 1)));
            for (int i = 0; i < 16; i++)
                yr[ox + i] = q8p_clamp(q8p_div_round(acc[i], count), amin, amax);
        }
    } else if (g->stride_w == 2 && g->kw == 2) {
        /* 16 outputs read input columns 2*ox - pl .. 2*ox - pl + 31. */
        const __m256i even_odd = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11,
                                                  13, 15, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7,
                                                  9, 11, 13, 15);
        const __m256i one = _mm256_set1_epi16(1);
        const __m128i lo = _mm_set1_epi8((char)amin), hi = _mm_set1_epi8((char)amax);
        for (; ox + 16 <= ow && 2 * ox - pl + 31 <= g->w - 1; ox += 16) {
            const int32_t ix0 = 2 * ox - pl;
            if (is_max) {
                __m256i m = _mm256_shuffle_epi8(q8p_colmax(g, xc, y0, y1, ix0), even_odd);
                /* qwords: evens 0-15, odds 0-15, evens 16-31, odds 16-31 */
                m = _mm256_permute4x64_epi64(m, 0xd8);
                __m128i r = _mm_max_epi8(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
                r = _mm_min_epi8(_mm_max_epi8(r, lo), hi);
                _mm_storeu_si128((__m128i *)(void *)(yr + ox), r);
            } else {
                __m256i s0 = _mm256_setzero_si256(), s1 = s0;
                for (int32_t iy = y0; iy < y1; iy++) {
                    const int8_t *row = xc + (size_t)iy * (size_t)g->w + (size_t)ix0;
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)row)), one));
                    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(row + 16))), one));
                }
                int32_t acc[16];
                _mm256_storeu_si256((__m256i *)(void *)acc, s0);
                _mm256_storeu_si256((__m256i *)(void *)(acc + 8), s1);
                for (int i = 0; i < 16; i++)
                    yr[ox + i] = q8p_clamp(q8p_div_round(acc[i], rows * 2), amin, amax);
            }
        }
    }
    for (; ox < ow; ox++) yr[ox] = q8p_pixel(g, xc, y0, y1, ox, is_max, amin, amax);
}

static int q8p_pool(const eo_q8_geom *g, int32_t amin, int32_t amax, const int8_t *x, int8_t *y,
                    int is_max)
{
    if (!x || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_pool_check(g, amin, amax);
    if (rc) return rc;
    const int32_t oh = eo_q8_geom_out_h(g), ow = eo_q8_geom_out_w(g);
    const size_t plane = (size_t)g->h * (size_t)g->w, oplane = (size_t)oh * (size_t)ow;
    const size_t planes = (size_t)g->n * (size_t)g->c;
    for (size_t pc = 0; pc < planes; pc++)
        for (int32_t oy = 0; oy < oh; oy++)
            q8p_row(g, x + pc * plane, oy, ow, y + pc * oplane + (size_t)oy * (size_t)ow, is_max,
                    amin, amax);
    return EO_Q8_OK;
}

int eo__q8_maxpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y)
{
    return q8p_pool(g, act_min, act_max, x, y, 1);
}

int eo__q8_avgpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y)
{
    return q8p_pool(g, act_min, act_max, x, y, 0);
}

int eo__q8_gap_avx2(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
                    const int8_t *x, int8_t *y)
{
    if (!x || !y) return EO_Q8_EINVAL;
    int rc = eo_q8_gap_check(n, c, hw, act_min, act_max);
    if (rc) return rc;
    const size_t planes = (size_t)n * (size_t)c;
    const __m256i bias = _mm256_set1_epi8((char)0x80), zero = _mm256_setzero_si256();
    const int32_t hw32 = hw & ~31;
    for (size_t pc = 0; pc < planes; pc++) {
        const int8_t *xc = x + pc * (size_t)hw;
        /* x + 128 as unsigned bytes, summed by vpsadbw into four 64-bit lanes. */
        __m256i s = zero;
        for (int32_t i = 0; i < hw32; i += 32)
            s = _mm256_add_epi64(s, _mm256_sad_epu8(_mm256_xor_si256(q8p_load32(xc + i), bias), zero));
        __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
        int64_t biased = _mm_cvtsi128_si64(t);
        int32_t acc = (int32_t)(biased - (int64_t)128 * hw32);
        for (int32_t i = hw32; i < hw; i++) acc += xc[i];
        y[pc] = q8p_clamp(q8p_div_round(acc, hw), act_min, act_max);
    }
    return EO_Q8_OK;
}
