/* AVX-512 SGEMM micro-kernels: a 14 x 32 register tile and its edge variants
 * (compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma, x86 only;
 * called only after eo__cpu_has_avx512() returned 1).
 *
 * 28 accumulators (14 rows x two 16-float vectors) + 2 vectors of B + 1-2
 * broadcasts of A fit the 32 ZMM registers. Per k step: 2 loads of B, 14
 * broadcasts of A (folded into the FMAs as {1to16} memory operands), 28
 * FMAs: the FMA pipes are the bottleneck, and 28 independent chains hide
 * the FMA latency. Cores with full-width 512-bit FMA units (Zen 5, Intel
 * server cores) get twice the AVX2 path's flops per cycle; Zen 4, which
 * splits a 512-bit op into two 256-bit halves, gains from the larger tile
 * (fewer loads and loop overhead per FMA) and from the mask registers, which
 * make the edges cheap.
 *
 * Every element of C accumulates acc = fma(a, b, acc) in increasing k, then
 * goes through one update formula (store_vec), whatever the tile size, the
 * operand layout and the orientation: results do not depend on where tile
 * or thread boundaries fall. */
#include <immintrin.h>

#include "kernels/internal.h"

#define MR 14
#define NR 32

#define EO_INLINE static inline __attribute__((always_inline))

/* Lanes [0, n) of a 16-lane vector (n clipped to 0..16). */
EO_INLINE __mmask16 lanes_mask(int n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* Load / store of the lanes in mask. Whole vectors use the plain forms:
 * masked stores of full vectors measured 5-8% slower on the large shapes
 * (Zen 5). */
EO_INLINE __m512 ld_mask(__mmask16 m, const float *p)
{
    return m == 0xFFFF ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}

EO_INLINE void st_mask(__mmask16 m, float *p, __m512 x)
{
    if (m == 0xFFFF)
        _mm512_storeu_ps(p, x);
    else
        _mm512_mask_storeu_ps(p, m, x);
}

/* acc[i][v] = sum_p A(i, p) * B(p, 16v : 16v+16) for i < MV, v < NV, where
 * A(i, p) = a[i * ars + p * acs] and B(p, j) = b[p * brs + j]. Packed
 * operands are ars = 1, acs = MR, brs = NR. MV, NV (and for the packed
 * instances the strides) are compile-time constants at every call; named
 * accumulators because gcc keeps an array indexed in a loop in memory. */
#define EO_ROW(i, cA, cB)                                   \
    if (MV > i) {                                           \
        const __m512 ai = _mm512_set1_ps(ap[(i) * ars]);    \
        cA = _mm512_fmadd_ps(ai, b0, cA);                   \
        if (NV > 1) cB = _mm512_fmadd_ps(ai, b1, cB);       \
    }
#define EO_KSTEP(ap, bp)                                          \
    do {                                                          \
        const __m512 b0 = _mm512_loadu_ps(bp);                    \
        const __m512 b1 = NV > 1 ? _mm512_loadu_ps((bp) + 16) : b0; \
        EO_ROW(0, c00, c01)                                       \
        EO_ROW(1, c10, c11)                                       \
        EO_ROW(2, c20, c21)                                       \
        EO_ROW(3, c30, c31)                                       \
        EO_ROW(4, c40, c41)                                       \
        EO_ROW(5, c50, c51)                                       \
        EO_ROW(6, c60, c61)                                       \
        EO_ROW(7, c70, c71)                                       \
        EO_ROW(8, c80, c81)                                       \
        EO_ROW(9, c90, c91)                                       \
        EO_ROW(10, ca0, ca1)                                      \
        EO_ROW(11, cb0, cb1)                                      \
        EO_ROW(12, cc0, cc1)                                      \
        EO_ROW(13, cd0, cd1)                                      \
    } while (0)

EO_INLINE void kloop(int kc, const float *a, size_t ars, size_t acs, const float *b, size_t brs,
                     __m512 acc[16][2], const int MV, const int NV)
{
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00;
    __m512 c70 = c00, c71 = c00, c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00;
    __m512 cb0 = c00, cb1 = c00, cc0 = c00, cc1 = c00, cd0 = c00, cd1 = c00;
    int p = 0;
    /* Unrolled by 2; B rows are fetched 8 steps ahead (a packed row of B
     * is two cache lines). Unrolling by 4, or fetching 16 steps ahead,
     * measured the same. */
    for (; p + 2 <= kc; p += 2) {
        _mm_prefetch((const char *)(b + 8 * brs), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * brs + 16), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 9 * brs), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 9 * brs + 16), _MM_HINT_T0);
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
    acc[6][0] = c60, acc[6][1] = c61, acc[7][0] = c70, acc[7][1] = c71;
    acc[8][0] = c80, acc[8][1] = c81, acc[9][0] = c90, acc[9][1] = c91;
    acc[10][0] = ca0, acc[10][1] = ca1, acc[11][0] = cb0, acc[11][1] = cb1;
    acc[12][0] = cc0, acc[12][1] = cc1, acc[13][0] = cd0, acc[13][1] = cd1;
}
#undef EO_KSTEP
#undef EO_ROW

/* The one update formula, per lane and without branches:
 *   C = fma(beta, old, alpha * acc),
 * where old is C when beta != 0 and -0 when beta == 0 (C is then not read,
 * so NaNs in C are ignored). fma(0, -0,
 * t) is -0 + t = t exactly, signed zeros and NaNs included; beta = 1 gives
 * old + t rounded once, the same bits as an add; alpha = 1 gives 1 * acc =
 * acc exactly. So this is the contract's formula for every alpha and beta,
 * and a tile edge costs only a mask. */
typedef struct upd {
    __m512 va, vb, negz;
    int read; /* beta != 0 */
} upd;

EO_INLINE upd upd_make(float alpha, float beta)
{
    upd u;
    u.va = _mm512_set1_ps(alpha);
    u.vb = _mm512_set1_ps(beta);
    u.negz = _mm512_set1_ps(-0.0f);
    u.read = beta != 0.0f;
    return u;
}

/* Update the lanes of c[0 : 16] in mask; memory outside the mask is neither
 * read nor written (masked loads do not fault). With beta == 0 there is no
 * load at all, not even a fully masked one: a load that overlaps the masked
 * store just before it (C seen transposed with a short row, n = 10) waits
 * for that store to complete, which made those shapes 30% slower. */
EO_INLINE void store_vec(float *c, __m512 x, __mmask16 mask, const upd *u)
{
    const __m512 old = u->read ? ld_mask(mask, c) : u->negz;
    st_mask(mask, c, _mm512_fmadd_ps(u->vb, old, _mm512_mul_ps(u->va, x)));
}

/* In-register transpose of 16 rows of 16 floats: r[j] becomes column j. */
EO_INLINE void transpose16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* Within each 128-bit block: r[4i + q] = column q of rows 4i..4i+3. */
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    /* Gather block b of r[q], r[4+q], r[8+q], r[12+q] into column 4b + q. */
    for (int q = 0; q < 4; q++) {
        __m512 u0 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x88);
        __m512 u1 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xDD);
        __m512 u2 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x88);
        __m512 u3 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xDD);
        t[q] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        t[8 + q] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
        t[4 + q] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        t[12 + q] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
    }
    for (int j = 0; j < 16; j++) r[j] = t[j];
}

/* C seen transposed (rsc == 1): tile row i is C column i. Transpose each
 * 16-column block so that vector l holds the MV consecutive floats of one
 * row of C, then update those (masked to MV lanes). The accumulators reach
 * this through a copy (t below), so that only this path keeps them in
 * memory. */
EO_INLINE void store_cols(const __m512 acc[16][2], float *c, size_t csc, int nv, float alpha, float beta,
                          const int MV, const int NV)
{
    const upd u = upd_make(alpha, beta);
    const __mmask16 mrow = lanes_mask(MV);
    for (int v = 0; v < NV; v++) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = i < MV ? acc[i][v] : _mm512_setzero_ps();
        transpose16(r);
        float *cv = c + (size_t)(16 * v) * csc;
        if (nv - 16 * v >= 16) { /* all 16 rows of C: straight-line code */
            for (int l = 0; l < 16; l++) store_vec(cv + (size_t)l * csc, r[l], mrow, &u);
        } else {
            for (int l = 0; l < nv - 16 * v; l++) store_vec(cv + (size_t)l * csc, r[l], mrow, &u);
        }
    }
}

/* Every index into acc is a constant here, so the compiler keeps the
 * accumulators in registers on the row-major path. */
EO_INLINE void store_tile(__m512 acc[16][2], float *c, size_t rsc, size_t csc, int nv, float alpha,
                          float beta, const int MV, const int NV)
{
    if (csc != 1) {
        __m512 t[16][2];
#define EO_COPY_ROW(i)            \
    if (MV > i) {                 \
        t[i][0] = acc[i][0];      \
        if (NV > 1) t[i][1] = acc[i][1]; \
    }
        EO_COPY_ROW(0) EO_COPY_ROW(1) EO_COPY_ROW(2) EO_COPY_ROW(3) EO_COPY_ROW(4) EO_COPY_ROW(5)
        EO_COPY_ROW(6) EO_COPY_ROW(7) EO_COPY_ROW(8) EO_COPY_ROW(9) EO_COPY_ROW(10) EO_COPY_ROW(11)
        EO_COPY_ROW(12) EO_COPY_ROW(13)
#undef EO_COPY_ROW
        store_cols(t, c, csc, nv, alpha, beta, MV, NV);
        return;
    }
    const __mmask16 m0 = lanes_mask(nv), m1 = lanes_mask(nv - 16);
    /* Row-major C: the formula below, with its two common cases written out
     * (same bits: with alpha = 1 and beta = 0 it is acc, with alpha = 1 and
     * beta = 1 it is C + acc rounded once); the multiply and FMA of every
     * vector cost about 2% at k = 196. */
#define EO_ROWS(STORE)                                                                     \
    do {                                                                                   \
        STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7) STORE(8)  \
        STORE(9) STORE(10) STORE(11) STORE(12) STORE(13)                                   \
    } while (0)
#define EO_PUT(i)                                                                                  \
    if (MV > i) {                                                                                  \
        st_mask(m0, c + (size_t)(i)*rsc, acc[i][0]);                                               \
        if (NV > 1) st_mask(m1, c + (size_t)(i)*rsc + 16, acc[i][1]);                              \
    }
#define EO_ADD(i)                                                                                  \
    if (MV > i) {                                                                                  \
        float *ci = c + (size_t)(i)*rsc;                                                           \
        st_mask(m0, ci, _mm512_add_ps(ld_mask(m0, ci), acc[i][0]));                                \
        if (NV > 1) st_mask(m1, ci + 16, _mm512_add_ps(ld_mask(m1, ci + 16), acc[i][1]));          \
    }
#define EO_GEN(i)                                                                   \
    if (MV > i) {                                                                   \
        store_vec(c + (size_t)(i)*rsc, acc[i][0], m0, &u);                          \
        if (NV > 1) store_vec(c + (size_t)(i)*rsc + 16, acc[i][1], m1, &u);         \
    }
    if (alpha == 1.0f && beta == 0.0f) {
        EO_ROWS(EO_PUT);
    } else if (alpha == 1.0f && beta == 1.0f) {
        EO_ROWS(EO_ADD);
    } else {
        const upd u = upd_make(alpha, beta);
        EO_ROWS(EO_GEN);
    }
#undef EO_GEN
#undef EO_ADD
#undef EO_PUT
#undef EO_ROWS
}

/* Start fetching the C tile (read or written after the k loop). */
EO_INLINE void prefetch_tile(const float *c, size_t rsc, size_t csc, const int MV)
{
    if (csc != 1) return;
    for (int i = 0; i < MV; i++) {
        _mm_prefetch((const char *)(c + (size_t)i * rsc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + (size_t)i * rsc + 31), _MM_HINT_T0);
    }
}

/* One instance per (rows, vectors, operand layout). P: A and B packed;
 * B: A packed, B in place; A: A in place (full height), B packed; AB: both
 * in place (full height). */
#define EO_KERNEL(L, MV, NV, ARS, ACS, BRS)                                                        \
    static void k##L##_##MV##x##NV(int kc, const float *a, size_t ars, size_t acs, const float *b,   \
                                   size_t brs, float *c, size_t rsc, size_t csc, int nv,            \
                                   float alpha, float beta)                                         \
    {                                                                                              \
        __m512 acc[16][2];                                                                         \
        float ab[2] = {alpha, beta};                                                               \
        (void)ars, (void)acs, (void)brs;                                                           \
        prefetch_tile(c, rsc, csc, MV);                                                            \
        /* alpha and beta wait in memory: held in a register through the k                        \
         * loop, they pushed an accumulator onto the stack (-4%). */                                \
        __asm__ volatile("" : "+m"(ab));                                                           \
        kloop(kc, a, ARS, ACS, b, BRS, acc, MV, NV);                                               \
        __asm__ volatile("" : "+m"(ab));                                                           \
        store_tile(acc, c, rsc, csc, nv, ab[0], ab[1], MV, NV);                                    \
    }
#define EO_KERNELS_NV(L, NV, ARS, ACS, BRS) \
    EO_KERNEL(L, 1, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 2, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 3, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 4, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 5, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 6, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 7, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 8, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 9, NV, ARS, ACS, BRS)      \
    EO_KERNEL(L, 10, NV, ARS, ACS, BRS)     \
    EO_KERNEL(L, 11, NV, ARS, ACS, BRS)     \
    EO_KERNEL(L, 12, NV, ARS, ACS, BRS)     \
    EO_KERNEL(L, 13, NV, ARS, ACS, BRS)     \
    EO_KERNEL(L, 14, NV, ARS, ACS, BRS)
EO_KERNELS_NV(P, 1, 1, MR, NR)
EO_KERNELS_NV(P, 2, 1, MR, NR)
/* A B read in place always has nv == NR (two vectors). */
EO_KERNELS_NV(B, 2, 1, MR, brs)
EO_KERNEL(A, 14, 1, ars, acs, NR)
EO_KERNEL(A, 14, 2, ars, acs, NR)
EO_KERNEL(AB, 14, 2, ars, acs, brs)
#undef EO_KERNELS_NV
#undef EO_KERNEL

typedef void (*tile_fn)(int, const float *, size_t, size_t, const float *, size_t, float *, size_t,
                        size_t, int, float, float);
#define EO_ROW_TABLE(L, NV)                                                                     \
    {                                                                                           \
        k##L##_1x##NV, k##L##_2x##NV, k##L##_3x##NV, k##L##_4x##NV, k##L##_5x##NV, k##L##_6x##NV, \
            k##L##_7x##NV, k##L##_8x##NV, k##L##_9x##NV, k##L##_10x##NV, k##L##_11x##NV,          \
            k##L##_12x##NV, k##L##_13x##NV, k##L##_14x##NV                                      \
    }
/* [vectors - 1][rows - 1]: edge tiles run only the rows and vectors they
 * need; per element the operations are those of the full 14 x 32 tile. */
static const tile_fn tiles_p[2][MR] = {EO_ROW_TABLE(P, 1), EO_ROW_TABLE(P, 2)};
static const tile_fn tiles_b[MR] = EO_ROW_TABLE(B, 2);
#undef EO_ROW_TABLE

/* The layout is read from the strides: an operand read in place whose
 * strides equal the packed ones has exactly the packed layout, so the packed
 * instance is right for it too (nothing here assumes alignment). */
static void kernel(int kc, const float *a, size_t ars, size_t acs, const float *b, size_t brs,
                   float *c, size_t rsc, size_t csc, int mv, int nv, float alpha, float beta)
{
    const int v = nv > 16;
    const int packed_a = ars == 1 && acs == MR, packed_b = brs == NR;
    const tile_fn f = packed_a ? (packed_b ? tiles_p[v][mv - 1] : tiles_b[mv - 1])
                      : packed_b ? (v ? kA_14x2 : kA_14x1)
                                 : kAB_14x2;
    f(kc, a, ars, acs, b, brs, c, rsc, csc, nv, alpha, beta);
}

/* Packing. Full panels of the four layouts are vectorised; edge panels use
 * the generic routine. Only values move, so the packed bits are the same as
 * the generic routine's. */

/* op(A) rows contiguous (A not transposed): 16 k-steps at a time, one
 * 16 x 16 transpose of the 14 rows (two zero rows), 14 floats stored per
 * k-step; the last kc % 16 steps the same way with masked loads (k = 10
 * would otherwise be all scalar copies). */
static void pack_a_rows(int kc, const float *x, size_t rs, float *d)
{
    const __mmask16 m14 = (__mmask16)((1u << MR) - 1u);
    for (int p = 0; p < kc; p += 16, d += 16 * MR) {
        const int steps = kc - p < 16 ? kc - p : 16;
        const __mmask16 mk = lanes_mask(steps);
        __m512 r[16];
        for (int i = 0; i < MR; i++) {
            _mm_prefetch((const char *)(x + (size_t)i * rs + p + 64), _MM_HINT_T0);
            r[i] = _mm512_maskz_loadu_ps(mk, x + (size_t)i * rs + p);
        }
        r[14] = r[15] = _mm512_setzero_ps();
        transpose16(r);
        if (steps == 16) {
            for (int q = 0; q < 16; q++) _mm512_mask_storeu_ps(d + q * MR, m14, r[q]);
        } else {
            for (int q = 0; q < steps; q++) _mm512_mask_storeu_ps(d + q * MR, m14, r[q]);
        }
    }
}

static void pack_a(int mv, int kc, const float *x, size_t rs, size_t cs, float *dst)
{
    if (mv == MR && cs == 1) {
        pack_a_rows(kc, x, rs, dst);
    } else if (rs == 1) {
        /* A transposed: the mv values of one k-step are contiguous; rows
         * mv..13 are zero. */
        const __mmask16 mk = lanes_mask(mv), m14 = (__mmask16)((1u << MR) - 1u);
        for (int p = 0; p < kc; p++)
            _mm512_mask_storeu_ps(dst + (size_t)p * MR, m14, _mm512_maskz_loadu_ps(mk, x + (size_t)p * cs));
    } else {
        eo__sgemm_pack_a_generic(MR, mv, kc, x, rs, cs, dst);
    }
}

static void pack_b(int kc, int nv, const float *x, size_t rs, size_t cs, float *dst)
{
    if (cs == 1) {
        /* Rows of op(B) contiguous: copy (masked past nv, zeros beyond).
         * Rows are far apart (rs floats): the hardware prefetcher does not
         * follow, so fetch 8 rows ahead. */
        const __mmask16 m0 = lanes_mask(nv), m1 = lanes_mask(nv - 16);
        for (int p = 0; p < kc; p++) {
            const float *s = x + (size_t)p * rs;
            _mm_prefetch((const char *)(s + 8 * rs), _MM_HINT_T0);
            _mm_prefetch((const char *)(s + 8 * rs + 31), _MM_HINT_T0);
            _mm512_store_ps(dst + (size_t)p * NR, _mm512_maskz_loadu_ps(m0, s));
            _mm512_store_ps(dst + (size_t)p * NR + 16, _mm512_maskz_loadu_ps(m1, s + 16));
        }
    } else if (nv == NR && rs == 1) {
        /* B transposed: column j of op(B) is contiguous; 16 k-steps at a
         * time, two 16 x 16 transposes (columns 0-15 and 16-31), the last
         * kc % 16 steps with masked loads. */
        for (int p = 0; p < kc; p += 16) {
            const int steps = kc - p < 16 ? kc - p : 16;
            const __mmask16 mk = lanes_mask(steps);
            for (int h = 0; h < 2; h++) {
                __m512 r[16];
                for (int j = 0; j < 16; j++) r[j] = _mm512_maskz_loadu_ps(mk, x + (size_t)(16 * h + j) * cs + p);
                transpose16(r);
                for (int q = 0; q < steps; q++) _mm512_store_ps(dst + (size_t)(p + q) * NR + 16 * h, r[q]);
            }
        }
    } else {
        eo__sgemm_pack_b_generic(NR, kc, nv, x, rs, cs, dst);
    }
}

const eo__sgemm_impl eo__sgemm_avx512 = {
    .name = "avx512",
    .mr = MR,
    .nr = NR,
    .kc = 256,
    .nc = 224,
    .lanes = 16,
    .in_place = 1,
    .kernel = kernel,
    .pack_a = pack_a,
    .pack_b = pack_b,
};
