/* SGEMM dispatch (placeholder: portable reference until the blocked kernels land). */
#include <string.h>

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"

void eo_sgemm(const eo_parallel *par, eo_trans ta, eo_trans tb, int m, int n, int k,
              float alpha, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc)
{
    (void)par;
    eo_sgemm_ref(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char *eo_sgemm_path(void) { return "portable"; }

int eo_sgemm_select(const char *path)
{
    return (!strcmp(path, "auto") || !strcmp(path, "portable")) ? EO_OK : EO_ERR_UNSUPPORTED;
}
