/* AVX2+FMA SGEMM micro-kernels: a 6 x 16 register tile and its edge variants
 * (compiled with -mavx2 -mfma, x86 only; called only after the CPU check).
 *
 * 12 accumulators (6 rows x two 8-float vectors) + 2 vectors of B + 1
 * broadcast of A use 15 of the 16 YMM registers. Per k step: 2 loads of B,
 * 6 broadcasts of A, 12 FMAs, so the two FMA pipes are the bottleneck and
 * the 4-cycle FMA latency is hidden by 12 independent chains (the layout of
 * the BLIS Haswell kernel; Van Zee and van de Geijn, ACM TOMS 41(3), 2015). */
#include <immintrin.h>

#include "kernels/internal.h"

#define MR 6
#define NR 16

#define EO_INLINE static inline __attribute__((always_inline))

/* acc[i][v] = sum_p A(i, p) * B(p, 8v : 8v+8) for i < MV, v < NV, where
 * A(i, p) = a[i * ars + p * acs] and B(p, j) = b[p * brs + j]. Packed
 * operands are ars = 1, acs = MR, brs = NR. MV, NV (and for the packed
 * instances ars, acs, brs) are compile-time constants at every call. The
 * accumulators are named variables rather than an array: gcc keeps an array
 * indexed in a loop in memory. */
#define EO_ROW(i, cA, cB)                                      \
    if (MV > i) {                                              \
        const __m256 ai = _mm256_broadcast_ss(ap + i * ars);   \
        cA = _mm256_fmadd_ps(ai, b0, cA);                      \
        if (NV > 1) cB = _mm256_fmadd_ps(ai, b1, cB);          \
    }
#define EO_KSTEP(ap, bp)                                           \
    do {                                                           \
        const __m256 b0 = BLOAD(bp);                               \
        const __m256 b1 = NV > 1 ? BLOAD((bp) + 8) : b0;           \
        EO_ROW(0, c00, c01)                                        \
        EO_ROW(1, c10, c11)                                        \
        EO_ROW(2, c20, c21)                                        \
        EO_ROW(3, c30, c31)                                        \
        EO_ROW(4, c40, c41)                                        \
        EO_ROW(5, c50, c51)                                        \
    } while (0)
/* Unaligned loads: B read in place may be unaligned (and may happen to have
 * brs == NR); on aligned data they cost the same as aligned loads. */
#define BLOAD(q) _mm256_loadu_ps(q)

EO_INLINE void kloop(int kc, const float *a, size_t ars, size_t acs, const float *b, size_t brs,
                     __m256 acc[MR][2], const int MV, const int NV)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    /* Unrolled by 2 (by 4 gcc shuffles the accumulators between registers
     * and runs a little slower); every B row is fetched 8 steps ahead. */
    int p = 0;
    for (; p + 2 <= kc; p += 2) {
        _mm_prefetch((const char *)(b + 8 * brs), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 9 * brs), _MM_HINT_T0);
        const float *ap = a;
        EO_KSTEP(ap, b);
        ap = a + acs;
        EO_KSTEP(ap, b + brs);
        a += 2 * acs;
        b += 2 * brs;
    }
    for (; p < kc; p++) {
        const float *ap = a;
        EO_KSTEP(ap, b);
        a += acs;
        b += brs;
    }
    acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
    acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
    acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
}
#undef BLOAD
#undef EO_KSTEP
#undef EO_ROW

/* The one update formula, per lane: t = alpha * acc; beta == 0: C = t;
 * beta == 1: C = C + t; else C = fma(beta, C, t). mode & 3 is 0, 1, 2;
 * mode & 4 says alpha == 1, where the product is skipped (1 * x == x
 * exactly, so the bits are the same). The
 * 128-bit forms give the same bits lane by lane. */
EO_INLINE __m256 update8(__m256 x, __m256 cold, __m256 va, __m256 vb, int mode)
{
    if (!(mode & 4)) x = _mm256_mul_ps(va, x);
    if ((mode & 3) == 1) return _mm256_add_ps(x, cold);
    if ((mode & 3) == 2) return _mm256_fmadd_ps(vb, cold, x);
    return x;
}

EO_INLINE __m128 update4(__m128 x, __m128 cold, __m128 va, __m128 vb, int mode)
{
    if (!(mode & 4)) x = _mm_mul_ps(va, x);
    if ((mode & 3) == 1) return _mm_add_ps(x, cold);
    if ((mode & 3) == 2) return _mm_fmadd_ps(vb, cold, x);
    return x;
}

/* Update c[0 : n] (0 <= n <= 8) from the first n lanes of x, touching no
 * other memory: whole vectors where possible, then 4, 2 and 1 floats (no
 * masked moves: they are slow on some cores). */
EO_INLINE void store_vec(float *c, __m256 x, int n, __m256 va, __m256 vb, int mode)
{
    if (n >= 8) {
        __m256 old = (mode & 3) ? _mm256_loadu_ps(c) : _mm256_setzero_ps();
        _mm256_storeu_ps(c, update8(x, old, va, vb, mode));
        return;
    }
    const __m128 va4 = _mm256_castps256_ps128(va), vb4 = _mm256_castps256_ps128(vb);
    __m128 lo = _mm256_castps256_ps128(x);
    if (n >= 4) {
        __m128 old = (mode & 3) ? _mm_loadu_ps(c) : _mm_setzero_ps();
        _mm_storeu_ps(c, update4(lo, old, va4, vb4, mode));
        lo = _mm256_extractf128_ps(x, 1);
        c += 4;
        n -= 4;
    }
    if (n >= 2) {
        __m128 old = (mode & 3) ? _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(const void *)c) : _mm_setzero_ps();
        _mm_storel_pi((__m64 *)(void *)c, update4(lo, old, va4, vb4, mode));
        lo = _mm_movehl_ps(lo, lo);
        c += 2;
        n -= 2;
    }
    if (n >= 1) {
        __m128 old = (mode & 3) ? _mm_load_ss(c) : _mm_setzero_ps();
        _mm_store_ss(c, update4(lo, old, va4, vb4, mode));
    }
}

/* In-register transpose of 8 rows of 8 floats. */
EO_INLINE void transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

EO_INLINE void store_tile(__m256 acc[MR][2], float *c, size_t rsc, size_t csc, int nv, float alpha,
                          float beta, const int MV, const int NV)
{
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int mode = (beta == 0.0f ? 0 : beta == 1.0f ? 1 : 2) | (alpha == 1.0f ? 4 : 0);
    if (csc == 1 && nv >= 8 * NV) {
        /* Whole vectors, written out so that gcc neither loops nor spills. */
#define EO_FULL_ROW(i)                                                                \
    if (MV > i) {                                                                     \
        store_vec(c + (size_t)(i)*rsc, acc[i][0], 8, va, vb, mode);                   \
        if (NV > 1) store_vec(c + (size_t)(i)*rsc + 8, acc[i][1], 8, va, vb, mode);   \
    }
        EO_FULL_ROW(0)
        EO_FULL_ROW(1)
        EO_FULL_ROW(2)
        EO_FULL_ROW(3)
        EO_FULL_ROW(4)
        EO_FULL_ROW(5)
#undef EO_FULL_ROW
        return;
    }
    if (csc == 1) {
        for (int i = 0; i < MV; i++)
            for (int v = 0; v < NV; v++) store_vec(c + (size_t)i * rsc + 8 * v, acc[i][v], nv - 8 * v, va, vb, mode);
        return;
    }
    /* C seen transposed (rsc == 1): tile row i is C column i. Transpose
     * 8-lane blocks so that each vector holds MV consecutive floats of one
     * row of C, then update those with the same formula. */
    for (int v = 0; v < NV; v++) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = i < MV ? acc[i][v] : _mm256_setzero_ps();
        transpose8(r);
        float *cv = c + (size_t)(8 * v) * csc;
        if (nv - 8 * v >= 8) { /* all 8 rows of C: straight-line code */
            store_vec(cv, r[0], MV, va, vb, mode);
            store_vec(cv + csc, r[1], MV, va, vb, mode);
            store_vec(cv + 2 * csc, r[2], MV, va, vb, mode);
            store_vec(cv + 3 * csc, r[3], MV, va, vb, mode);
            store_vec(cv + 4 * csc, r[4], MV, va, vb, mode);
            store_vec(cv + 5 * csc, r[5], MV, va, vb, mode);
            store_vec(cv + 6 * csc, r[6], MV, va, vb, mode);
            store_vec(cv + 7 * csc, r[7], MV, va, vb, mode);
        } else {
            for (int l = 0; l < nv - 8 * v; l++) store_vec(cv + (size_t)l * csc, r[l], MV, va, vb, mode);
        }
    }
}

/* Start fetching the C tile (read or written after the k loop). */
EO_INLINE void prefetch_tile(const float *c, size_t rsc, size_t csc, const int MV)
{
    if (csc != 1) return;
    for (int i = 0; i < MV; i++) {
        _mm_prefetch((const char *)(c + (size_t)i * rsc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)i * rsc + 15), _MM_HINT_T0);
    }
}

/* One instance per (rows, vectors, operand layout). P: A and B packed;
 * B: A packed, B in place; A: A in place (full height), B packed; AB: both
 * in place (full height). */
#define EO_KERNEL(L, MV, NV, ARS, ACS, BRS)                                                      \
    static void k##L##_##MV##x##NV(int kc, const float *a, size_t ars, size_t acs, const float *b, \
                                   size_t brs, float *c, size_t rsc, size_t csc, int nv,          \
                                   float alpha, float beta)                                       \
    {                                                                                            \
        __m256 acc[MR][2];                                                                       \
        (void)ars, (void)acs, (void)brs;                                                         \
        prefetch_tile(c, rsc, csc, MV);                                                          \
        kloop(kc, a, ARS, ACS, b, BRS, acc, MV, NV);                                             \
        store_tile(acc, c, rsc, csc, nv, alpha, beta, MV, NV);                                   \
    }
#define EO_KERNELS_MV(L, ARS, ACS, BRS)                                                           \
    EO_KERNEL(L, 1, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 2, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 3, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 4, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 5, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 6, 1, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 1, 2, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 2, 2, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 3, 2, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 4, 2, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 5, 2, ARS, ACS, BRS)                                                            \
    EO_KERNEL(L, 6, 2, ARS, ACS, BRS)
EO_KERNELS_MV(P, 1, MR, NR)
/* A B read in place always has nv == NR (two vectors). */
EO_KERNEL(B, 1, 2, 1, MR, brs)
EO_KERNEL(B, 2, 2, 1, MR, brs)
EO_KERNEL(B, 3, 2, 1, MR, brs)
EO_KERNEL(B, 4, 2, 1, MR, brs)
EO_KERNEL(B, 5, 2, 1, MR, brs)
EO_KERNEL(B, 6, 2, 1, MR, brs)
EO_KERNEL(A, 6, 1, ars, acs, NR)
EO_KERNEL(A, 6, 2, ars, acs, NR)
EO_KERNEL(AB, 6, 2, ars, acs, brs)
#undef EO_KERNELS_MV
#undef EO_KERNEL

typedef void (*tile_fn)(int, const float *, size_t, size_t, const float *, size_t, float *, size_t,
                        size_t, int, float, float);
/* [vectors - 1][rows - 1]: edge tiles run only the rows and vectors they
 * need; per element the operations are those of the full 6 x 16 tile. */
static const tile_fn tiles_p[2][MR] = {
    {kP_1x1, kP_2x1, kP_3x1, kP_4x1, kP_5x1, kP_6x1},
    {kP_1x2, kP_2x2, kP_3x2, kP_4x2, kP_5x2, kP_6x2},
};
static const tile_fn tiles_b[MR] = {kB_1x2, kB_2x2, kB_3x2, kB_4x2, kB_5x2, kB_6x2};

/* The layout is read from the strides: an operand read in place whose
 * strides equal the packed ones (A transposed with lda == 6, B with ldb ==
 * 16) has exactly the packed layout, so the packed instance is right for it
 * too (nothing in the kernels assumes alignment). */
static void kernel(int kc, const float *a, size_t ars, size_t acs, const float *b, size_t brs,
                   float *c, size_t rsc, size_t csc, int mv, int nv, float alpha, float beta)
{
    const int v = nv > 8;
    const int packed_a = ars == 1 && acs == MR, packed_b = brs == NR;
    const tile_fn f = packed_a ? (packed_b ? tiles_p[v][mv - 1] : tiles_b[mv - 1])
                      : packed_b ? (v ? kA_6x2 : kA_6x1)
                                 : kAB_6x2;
    f(kc, a, ars, acs, b, brs, c, rsc, csc, nv, alpha, beta);
}

/* Packing. Full panels of the four layouts are vectorised; edge panels
 * (mv < 6 or nv < 16) use the generic routine. Only the values move, so the
 * packed bits are the same as the generic routine's. */

/* op(A) rows contiguous (A not transposed): 4 k-steps at a time, a 4x4
 * transpose for rows 0-3 and an interleave of rows 4-5. */
static void pack_a_rows(int kc, const float *x, size_t rs, float *d)
{
    const float *x0 = x, *x1 = x + rs, *x2 = x + 2 * rs, *x3 = x + 3 * rs, *x4 = x + 4 * rs,
                *x5 = x + 5 * rs;
    int p = 0;
    for (; p + 4 <= kc; p += 4, d += 4 * MR) {
        if ((p & 15) == 0) { /* one cache line ahead of each of the 6 rows */
            _mm_prefetch((const char *)(x0 + p + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(x1 + p + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(x2 + p + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(x3 + p + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(x4 + p + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(x5 + p + 64), _MM_HINT_T0);
        }
        __m128 r0 = _mm_loadu_ps(x0 + p), r1 = _mm_loadu_ps(x1 + p);
        __m128 r2 = _mm_loadu_ps(x2 + p), r3 = _mm_loadu_ps(x3 + p);
        __m128 r4 = _mm_loadu_ps(x4 + p), r5 = _mm_loadu_ps(x5 + p);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        __m128 lo = _mm_unpacklo_ps(r4, r5), hi = _mm_unpackhi_ps(r4, r5);
        _mm_storeu_ps(d, r0);
        _mm_storel_pi((__m64 *)(void *)(d + 4), lo);
        _mm_storeu_ps(d + 6, r1);
        _mm_storeh_pi((__m64 *)(void *)(d + 10), lo);
        _mm_storeu_ps(d + 12, r2);
        _mm_storel_pi((__m64 *)(void *)(d + 16), hi);
        _mm_storeu_ps(d + 18, r3);
        _mm_storeh_pi((__m64 *)(void *)(d + 22), hi);
    }
    for (; p < kc; p++, d += MR) {
        d[0] = x0[p];
        d[1] = x1[p];
        d[2] = x2[p];
        d[3] = x3[p];
        d[4] = x4[p];
        d[5] = x5[p];
    }
}

static void pack_a(int mv, int kc, const float *x, size_t rs, size_t cs, float *dst)
{
    if (mv == MR && cs == 1) {
        pack_a_rows(kc, x, rs, dst);
    } else if (mv == MR && rs == 1) {
        /* A transposed: the 6 values of one k-step are contiguous. */
        for (int p = 0; p < kc; p++) {
            const float *s = x + (size_t)p * cs;
            float *d = dst + (size_t)p * MR;
            _mm_storeu_ps(d, _mm_loadu_ps(s));
            d[4] = s[4];
            d[5] = s[5];
        }
    } else {
        eo__sgemm_pack_a_generic(MR, mv, kc, x, rs, cs, dst);
    }
}

static void pack_b(int kc, int nv, const float *x, size_t rs, size_t cs, float *dst)
{
    if (nv == NR && cs == 1) {
        for (int p = 0; p < kc; p++) {
            const float *s = x + (size_t)p * rs;
            /* Rows are far apart (rs floats): the hardware prefetcher does
             * not follow, so fetch 8 rows ahead. */
            _mm_prefetch((const char *)(s + 8 * rs), _MM_HINT_T0);
            _mm_prefetch((const char *)(s + 8 * rs + 15), _MM_HINT_T0);
            _mm256_store_ps(dst + (size_t)p * NR, _mm256_loadu_ps(s));
            _mm256_store_ps(dst + (size_t)p * NR + 8, _mm256_loadu_ps(s + 8));
        }
    } else if (nv == NR && rs == 1) {
        /* B transposed: column j of op(B) is contiguous; 8 k-steps at a
         * time, two 8x8 transposes (columns 0-7 and 8-15). */
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int h = 0; h < 2; h++) {
                __m256 r[8];
                for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(x + (size_t)(8 * h + j) * cs + p);
                transpose8(r);
                for (int q = 0; q < 8; q++) _mm256_store_ps(dst + (size_t)(p + q) * NR + 8 * h, r[q]);
            }
        }
        for (; p < kc; p++)
            for (int j = 0; j < NR; j++) dst[(size_t)p * NR + j] = x[(size_t)j * cs + p];
    } else {
        eo__sgemm_pack_b_generic(NR, kc, nv, x, rs, cs, dst);
    }
}

const eo__sgemm_impl eo__sgemm_avx2 = {
    .name = "avx2-fma",
    .mr = MR,
    .nr = NR,
    .kc = 256,
    .nc = 240,
    .lanes = 8,
    .in_place = 1,
    .kernel = kernel,
    .pack_a = pack_a,
    .pack_b = pack_b,
};
