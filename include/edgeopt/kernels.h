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
 * beta == 0 ignores the previous contents of C (NaNs included). */
void eo_sgemm(const eo_parallel *par, eo_trans ta, eo_trans tb, int m, int n, int k,
              float alpha, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc);

/* The plain-C reference (the specification the fast paths are tested against). */
void eo_sgemm_ref(eo_trans ta, eo_trans tb, int m, int n, int k, float alpha,
                  const float *A, int lda, const float *B, int ldb, float beta, float *C,
                  int ldc);

/* Name of the SGEMM path chosen at run time: "avx2-fma" or "portable". */
const char *eo_sgemm_path(void);
/* Force a path (for tests and benchmarks): "auto", "portable" or "avx2-fma".
 * Returns EO_ERR_UNSUPPORTED if the CPU lacks it. Not thread-safe: call it
 * before starting work. */
int eo_sgemm_select(const char *path);

#ifdef __cplusplus
}
#endif
#endif
