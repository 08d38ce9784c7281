/* Compute kernels (core, OS-free): SGEMM and the parallel-for interface.
 *
 * Layout: every matrix is row-major with an explicit leading dimension (the
 * distance in floats between the starts of two rows). Kernels never allocate
 * on the hot path and never start threads themselves: parallelism arrives
 * through an eo_parallel supplied by the caller (see edgeopt/parallel.h for a
 * pthreads pool that provides one). With par == NULL everything runs on the
 * calling thread, and the result is bit-identical either way because threads
 * only split independent blocks of C. */
#ifndef EDGEOPT_KERNELS_H
#define EDGEOPT_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Run fn(ctx, begin, end) over disjoint chunks covering [0, n). */
typedef void (*eo_task_fn)(void *ctx, size_t begin, size_t end);
typedef struct eo_parallel {
    /* Must call fn over chunks covering [0, n) exactly once each, and return
     * only when all chunks are done. chunk sizes are multiples of grain except
     * possibly the last. */
    void (*run)(void *impl, size_t n, size_t grain, eo_task_fn fn, void *ctx);
    void *impl;
    int nthreads;
} eo_parallel;

/* Run through par, or serially when par is NULL. */
void eo_parallel_for(const eo_parallel *par, size_t n, size_t grain, eo_task_fn fn, void *ctx);

typedef enum eo_trans { EO_NOTRANS = 0, EO_TRANS = 1 } eo_trans;

/* C[m x n] = alpha * op(A) * op(B) + beta * C
 * op(A) is m x k (A stored k x m when ta == EO_TRANS), op(B) is k x n.
 * beta == 0 ignores the previous contents of C (NaNs included).
 * Leading dimensions: lda >= (ta == EO_NOTRANS ? k : m), ldb >= (tb ==
 * EO_NOTRANS ? n : k), ldc >= n; floats beyond each row's width are never
 * touched. alpha == 0 or k == 0 gives C = beta * C without reading A or B.
 * Invalid arguments (negative sizes, NULL matrices that would be read, a
 * leading dimension too small) leave C unchanged; m == 0 or n == 0 is a no-op.
 *
 * Cost and resources: blocked and packed (Goto/BLIS); no heap allocation; the
 * packing buffers live on the stack (about 256 KB in the calling thread, 16
 * KB in each worker; a build with -DEO_GEMM_PANEL_FLOATS=N needs about 4 N bytes
 * + 2 KB instead, for small stacks). With par, blocks of C are split across
 * threads (never k), so the result is bit-identical for any thread count;
 * problems below 2^20 multiply-adds (about 10 us) run on the calling thread.
 * Accuracy: each element is a float dot product accumulated in k order within
 * blocks of <= 256, error about k * 2^-24 relative to sum |a| |b| (the tests
 * allow 2 (k + 4) * 2^-24). */
void eo_sgemm(const eo_parallel *par, eo_trans ta, eo_trans tb, int m, int n, int k,
              float alpha, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc);

/* The plain-C reference (the specification the fast paths are tested against). */
void eo_sgemm_ref(eo_trans ta, eo_trans tb, int m, int n, int k, float alpha,
                  const float *A, int lda, const float *B, int ldb, float beta, float *C,
                  int ldc);

/* Name of the SGEMM path in use: "avx512", "avx2-fma" or "portable" (static
 * string). The path is chosen once, on first use, by a CPU check (cpuid +
 * xgetbv): "avx512" with AVX-512 F+BW+VL and OS support for the ZMM state,
 * else "avx2-fma" with AVX2, FMA and the YMM state; off x86 always
 * "portable". */
const char *eo_sgemm_path(void);
/* Force a path (for tests and benchmarks): "auto", "portable", "avx2-fma" or
 * "avx512".
 * Returns EO_OK, EO_ERR_UNSUPPORTED if the CPU (or build) lacks it, or
 * EO_ERR_INVALID for an unknown name. The choice is process-wide (one atomic
 * pointer); a call made while another thread is inside eo_sgemm is safe, but
 * that eo_sgemm may use either path. The paths agree within the float
 * tolerance above, not bit for bit. */
int eo_sgemm_select(const char *path);

#ifdef __cplusplus
}
#endif
#endif
