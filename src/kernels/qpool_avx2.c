/* int8 max / average / global average pooling, AVX2 (contracts:
 * eo_q8_maxpool_ref, eo_q8_avgpool_ref, eo_q8_gap_ref in edgeopt/qref.h).
 *
 * Vector path: blocks of 16 outputs along a row for stride_w 1 or 2 and
 * windows up to 32 wide, values widened to int16 (sums of at most 255 int8
 * values fit int16); every other geometry goes through the scalar code, which
 * is the reference's. The average's division (half away from zero) is
 * scalar, as in the reference, so all paths round identically. */
#include <immintrin.h>
#include <string.h>

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

#define Q8P_BLK 16
#define Q8P_MAXKW 32

/* The 16 window columns kx of outputs ox..ox+15 as int16 lanes: stride 1
 * reads 16 consecutive bytes, stride 2 the even bytes of 32 (each int16 lane
 * of a 32-byte load holds bytes 2j, 2j+1; shifting left then arithmetic right
 * by 8 keeps byte 2j, sign-extended). */
static inline __m256i q8p_cols(const int8_t *src, int32_t kx, int32_t stride)
{
    if (stride == 1)
        return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(src + kx)));
    return _mm256_srai_epi16(_mm256_slli_epi16(q8p_load32(src + kx), 8), 8);
}

/* One output row: blocks of 16 outputs (stride 1 or 2, kw <= 32; average
 * also needs rows * kw <= 255 so the int16 sums cannot overflow), a row
 * segment crossing the input's edge read from a copy filled with -128 (max)
 * or 0 (sum), which leaves the max and the sum of the valid pixels unchanged;
 * the average's count is each output's own number of valid pixels. */
static void q8p_row(const eo_q8_geom *g, const int8_t *xc, int32_t oy, int32_t ow, int8_t *yr,
                    int is_max, int32_t amin, int32_t amax)
{
    int32_t y0 = oy * g->stride_h - g->pad_top, y1 = y0 + g->kh;
    if (y0 < 0) y0 = 0;
    if (y1 > g->h) y1 = g->h;
    const int32_t rows = y1 - y0, s = g->stride_w, kw = g->kw;
    const int vec = (s == 1 || s == 2) && kw <= Q8P_MAXKW && (is_max || rows * kw <= 255);
    if (!vec) {
        for (int32_t ox = 0; ox < ow; ox++) yr[ox] = q8p_pixel(g, xc, y0, y1, ox, is_max, amin, amax);
        return;
    }
    const int32_t span = s == 1 ? kw + Q8P_BLK - 1 : kw + 2 * Q8P_BLK - 1;
    const int8_t fill = is_max ? (int8_t)-128 : 0;
    int8_t tmp[Q8P_MAXKW + 2 * Q8P_BLK];
    int16_t v16[Q8P_BLK];
    for (int32_t ox = 0; ox < ow; ox += Q8P_BLK) {
        const int32_t ix0 = ox * s - g->pad_left;
        const int inside = ix0 >= 0 && ix0 + span <= g->w;
        __m256i acc = is_max ? _mm256_set1_epi16(-128) : _mm256_setzero_si256();
        for (int32_t iy = y0; iy < y1; iy++) {
            const int8_t *row = xc + (size_t)iy * (size_t)g->w;
            const int8_t *src = row + ix0;
            if (!inside) {
                memset(tmp, fill, sizeof tmp);
                int32_t lo = ix0 < 0 ? 0 : ix0, hi = ix0 + span < g->w ? ix0 + span : g->w;
                if (hi > lo) memcpy(tmp + (lo - ix0), row + lo, (size_t)(hi - lo));
                src = tmp;
            }
            for (int32_t kx = 0; kx < kw; kx++) {
                __m256i v = q8p_cols(src, kx, s);
                acc = is_max ? _mm256_max_epi16(acc, v) : _mm256_add_epi16(acc, v);
            }
        }
        _mm256_storeu_si256((__m256i *)(void *)v16, acc);
        const int32_t n = ow - ox < Q8P_BLK ? ow - ox : Q8P_BLK;
        for (int32_t i = 0; i < n; i++) {
            int32_t v = v16[i];
            if (!is_max) {
                int32_t x0 = (ox + i) * s - g->pad_left, x1 = x0 + kw;
                if (x0 < 0) x0 = 0;
                if (x1 > g->w) x1 = g->w;
                v = q8p_div_round(v, rows * (x1 - x0));
            }
            yr[ox + i] = q8p_clamp(v, amin, amax);
        }
    }
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
