/* AVX2+FMA SGEMM micro-kernel: a 6 x 16 register tile (compiled with -mavx2
 * -mfma, x86 only; called only after the CPU check).
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

/* One k step: row r of the tile gets a[r] * b[0:16]. */
#define EO_STEP(a, b)                                                   \
    do {                                                                \
        const __m256 b0 = _mm256_load_ps(b);                            \
        const __m256 b1 = _mm256_load_ps((b) + 8);                      \
        __m256 ab;                                                      \
        ab = _mm256_broadcast_ss((a) + 0);                              \
        c00 = _mm256_fmadd_ps(ab, b0, c00);                             \
        c01 = _mm256_fmadd_ps(ab, b1, c01);                             \
        ab = _mm256_broadcast_ss((a) + 1);                              \
        c10 = _mm256_fmadd_ps(ab, b0, c10);                             \
        c11 = _mm256_fmadd_ps(ab, b1, c11);                             \
        ab = _mm256_broadcast_ss((a) + 2);                              \
        c20 = _mm256_fmadd_ps(ab, b0, c20);                             \
        c21 = _mm256_fmadd_ps(ab, b1, c21);                             \
        ab = _mm256_broadcast_ss((a) + 3);                              \
        c30 = _mm256_fmadd_ps(ab, b0, c30);                             \
        c31 = _mm256_fmadd_ps(ab, b1, c31);                             \
        ab = _mm256_broadcast_ss((a) + 4);                              \
        c40 = _mm256_fmadd_ps(ab, b0, c40);                             \
        c41 = _mm256_fmadd_ps(ab, b1, c41);                             \
        ab = _mm256_broadcast_ss((a) + 5);                              \
        c50 = _mm256_fmadd_ps(ab, b0, c50);                             \
        c51 = _mm256_fmadd_ps(ab, b1, c51);                             \
    } while (0)

/* Row update: C = alpha * acc (+ beta * C). */
static inline void store_row(float *c, __m256 x0, __m256 x1, __m256 va, __m256 vb, int mode)
{
    x0 = _mm256_mul_ps(va, x0);
    x1 = _mm256_mul_ps(va, x1);
    if (mode == 1) {
        x0 = _mm256_add_ps(x0, _mm256_loadu_ps(c));
        x1 = _mm256_add_ps(x1, _mm256_loadu_ps(c + 8));
    } else if (mode == 2) {
        x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), x0);
        x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), x1);
    }
    _mm256_storeu_ps(c, x0);
    _mm256_storeu_ps(c + 8, x1);
}

static void kernel_6x16(int kc, const float *a, const float *b, float *c, size_t ldc,
                        float alpha, float beta)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

    for (int r = 0; r < MR; r++) _mm_prefetch((const char *)(c + (size_t)r * ldc), _MM_HINT_T0);

    int p = 0;
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);
        EO_STEP(a, b);
        EO_STEP(a + MR, b + NR);
        _mm_prefetch((const char *)(b + 10 * NR), _MM_HINT_T0);
        EO_STEP(a + 2 * MR, b + 2 * NR);
        EO_STEP(a + 3 * MR, b + 3 * NR);
        a += 4 * MR;
        b += 4 * NR;
    }
    for (; p < kc; p++) {
        EO_STEP(a, b);
        a += MR;
        b += NR;
    }

    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int mode = beta == 0.0f ? 0 : beta == 1.0f ? 1 : 2;
    store_row(c, c00, c01, va, vb, mode);
    store_row(c + ldc, c10, c11, va, vb, mode);
    store_row(c + 2 * ldc, c20, c21, va, vb, mode);
    store_row(c + 3 * ldc, c30, c31, va, vb, mode);
    store_row(c + 4 * ldc, c40, c41, va, vb, mode);
    store_row(c + 5 * ldc, c50, c51, va, vb, mode);
}

static void pack_a(int mv, int kc, const float *x, size_t rs, size_t cs, float *dst)
{
    eo__sgemm_pack_a_generic(MR, mv, kc, x, rs, cs, dst);
}

static void pack_b(int kc, int nv, const float *x, size_t rs, size_t cs, float *dst)
{
    eo__sgemm_pack_b_generic(NR, kc, nv, x, rs, cs, dst);
}

const eo__sgemm_impl eo__sgemm_avx2 = {
    .name = "avx2-fma",
    .mr = MR,
    .nr = NR,
    .kc = 256,
    .nc = 240,
    .kernel = kernel_6x16,
    .pack_a = pack_a,
    .pack_b = pack_b,
};
