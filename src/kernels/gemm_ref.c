/* Reference SGEMM: the specification every fast path is tested against.
 * C = alpha * op(A) op(B) + beta * C, row-major, accumulation in k order. */
#include "edgeopt/kernels.h"

void eo_sgemm_ref(eo_trans ta, eo_trans tb, int m, int n, int k, float alpha,
                  const float *A, int lda, const float *B, int ldb, float beta, float *C,
                  int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int p = 0; p < k; p++) {
                float a = ta == EO_NOTRANS ? A[(size_t)i * lda + p] : A[(size_t)p * lda + i];
                float b = tb == EO_NOTRANS ? B[(size_t)p * ldb + j] : B[(size_t)j * ldb + p];
                acc += a * b;
            }
            float *c = &C[(size_t)i * ldc + j];
            *c = beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
        }
    }
}
