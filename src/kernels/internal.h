/* Private interface of the kernels module: the SGEMM path table and the CPU
 * check. Not installed.
 *
 * SGEMM follows the Goto/BLIS structure (K. Goto and R. van de Geijn,
 * "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008;
 * F. Van Zee and R. van de Geijn, "BLIS: a framework for rapidly
 * instantiating BLAS functionality", ACM TOMS 41(3), 2015):
 *
 *   for jc in steps of nc over n            (columns of C and op(B))
 *     for pc in steps of kc over k          (never split across threads)
 *       pack op(B)[pc:pc+kc, jc:jc+nc] into micro-panels of nr columns
 *       for ir in steps of mr over m        (split across threads)
 *         pack op(A)[ir:ir+mr, pc:pc+kc] into one micro-panel (stays in L1)
 *         for jr in steps of nr over nc     (B micro-panels stream from L2)
 *           micro-kernel: C[mr x nr] = alpha * Ap Bp + beta_eff * C
 *
 * A path supplies the register-blocked micro-kernel and its blocking sizes;
 * packing and edge handling are shared (gemm.c), optionally replaced by
 * faster packing routines of the path. */
#ifndef EO_KERNELS_INTERNAL_H
#define EO_KERNELS_INTERNAL_H

#include <stddef.h>

/* Upper bounds of every path's register tile, used to size stack buffers
 * (the AVX-512 path's 14 x 32 tile exists only on x86; the compiler's macros
 * too, so that code built without EO_HAVE_X86, like the tests that include
 * gemm.c, sizes its buffers for every path of the library). */
#if defined(EO_HAVE_X86) || defined(__x86_64__) || defined(__i386__)
#define EO__GEMM_MR_MAX 16
#define EO__GEMM_NR_MAX 32
#else
#define EO__GEMM_MR_MAX 8
#define EO__GEMM_NR_MAX 16
#endif

/* Stack budget: the packed B panel of one eo_sgemm call holds at most
 * EO_GEMM_PANEL_FLOATS floats (default 256 x 240 = 240 KB). A target with a
 * small stack can build with e.g. -DEO_GEMM_PANEL_FLOATS=4096 (16 KB): the
 * blocks shrink (kc <= EO_GEMM_PANEL_FLOATS / 32), the accuracy bound is the
 * same, the bits may differ from a default build (k is cut differently). */
#ifndef EO_GEMM_PANEL_FLOATS
#define EO_GEMM_PANEL_FLOATS (256 * 240)
#endif
#if EO_GEMM_PANEL_FLOATS < 8 * EO__GEMM_NR_MAX
#error "EO_GEMM_PANEL_FLOATS must hold two 4 x NR_MAX micro-panels (>= 128, >= 256 on x86)"
#endif
/* Longest k block: 256, or less so that two micro-panels of 16 columns fit. */
#define EO__GEMM_KC_MAX \
    (EO_GEMM_PANEL_FLOATS / (2 * EO__GEMM_NR_MAX) >= 256 ? 256 : EO_GEMM_PANEL_FLOATS / (2 * EO__GEMM_NR_MAX) / 4 * 4)

/* Micro-kernel contract.
 *   a: A micro-panel, element (i, p) = a[i * ars + p * acs]. Packed panels
 *      (ars = 1, acs = mr) are 64-byte aligned and rows mv..mr-1 are zero.
 *   b: B micro-panel, element (p, j) = b[p * brs + j]. Packed panels
 *      (brs = nr) are 64-byte aligned and columns nv..nr-1 are zero.
 *   Operands read in place (not packed) are only passed to paths with
 *   in_place = 1, and then: an A read in place has mv == mr, and a B read
 *   in place has nv == nr (the kernel reads whole rows of nr floats).
 *   c: the tile, element (i, j) at c[i * rsc + j * csc] for i < mv, j < nv
 *      (1 <= mv <= mr, 1 <= nv <= nr). Either csc == 1 (C row-major) or
 *      rsc == 1 (the driver computes C^T = op(B)^T op(A)^T and C is seen
 *      transposed). Nothing outside the mv x nv tile is read or written.
 * Computes acc = sum_p A(i, p) B(p, j) in increasing p, then
 *   beta == 0: C = alpha * acc       (C is not read: NaNs in C are ignored)
 *   otherwise: C = alpha * acc + beta * C.
 * kc >= 1. Every element goes through the same sequence of operations
 * whatever mv, nv, the operand layout and the orientation, so results do not
 * depend on where a tile boundary falls (that is what makes threading
 * bit-reproducible). */
typedef void (*eo__sgemm_kernel_fn)(int kc, const float *a, size_t ars, size_t acs, const float *b,
                                    size_t brs, float *c, size_t rsc, size_t csc, int mv, int nv,
                                    float alpha, float beta);

/* Pack rows [0, mv) x columns [0, kc) of the matrix X(i, p) = x[i * rs + p * cs]
 * into dst[p * mr + i], with zeros for rows mv..mr-1. */
typedef void (*eo__sgemm_pack_a_fn)(int mv, int kc, const float *x, size_t rs, size_t cs,
                                    float *dst);
/* Pack rows [0, kc) x columns [0, nv) of X(p, j) = x[p * rs + j * cs] into
 * dst[p * nr + j], with zeros for columns nv..nr-1. */
typedef void (*eo__sgemm_pack_b_fn)(int kc, int nv, const float *x, size_t rs, size_t cs,
                                    float *dst);

typedef struct eo__sgemm_impl {
    const char *name;      /* "portable", "avx2-fma" or "avx512" */
    int mr, nr;            /* register tile (<= EO__GEMM_MR_MAX / NR_MAX) */
    int kc, nc;            /* preferred cache blocking (nc % nr == 0); the driver
                              lowers kc to EO__GEMM_KC_MAX and sizes nc to the
                              panel budget */
    int lanes;             /* SIMD width in floats: tiles narrower than nr cost
                              ceil(nv / lanes) vectors (used to pick the orientation) */
    int in_place;          /* 1: the kernel accepts operands read in place */
    eo__sgemm_kernel_fn kernel;
    eo__sgemm_pack_a_fn pack_a;
    eo__sgemm_pack_b_fn pack_b;
} eo__sgemm_impl;

/* The portable path (plain C, any target). */
extern const eo__sgemm_impl eo__sgemm_portable;
#if defined(EO_HAVE_X86)
/* The AVX2+FMA path (only call after eo__cpu_has_avx2_fma() returned 1). */
extern const eo__sgemm_impl eo__sgemm_avx2;
/* The AVX-512 path (only call after eo__cpu_has_avx512() returned 1). */
extern const eo__sgemm_impl eo__sgemm_avx512;
#endif

/* 1 if the CPU and the OS support AVX2 and FMA (cpuid + xgetbv: the OS saves
 * the YMM state), else 0. Always 0 off x86. Pure: no caching, no globals. */
int eo__cpu_has_avx2_fma(void);
int eo__cpu_has_avx512(void);   /* AVX-512 F+VL+BW with OS support */
int eo__cpu_has_avx_vnni(void); /* VEX AVX-VNNI (vpdpbusd on ymm) */

/* The path in use (resolved on first use; see gemm_dispatch.c). */
const eo__sgemm_impl *eo__sgemm_impl_get(void);

/* Generic packing routines (used by the portable path, and by other paths
 * for the layouts they do not specialise). */
void eo__sgemm_pack_a_generic(int mr, int mv, int kc, const float *x, size_t rs, size_t cs,
                              float *dst);
void eo__sgemm_pack_b_generic(int nr, int kc, int nv, const float *x, size_t rs, size_t cs,
                              float *dst);

#endif
