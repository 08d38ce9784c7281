/* Generic SGEMM packing (see internal.h for the layouts). Any stride
 * combination works; the row-contiguous and column-contiguous cases get a
 * loop order that reads the source sequentially. */
#include "kernels/internal.h"

void eo__sgemm_pack_a_generic(int mr, int mv, int kc, const float *x, size_t rs, size_t cs,
                              float *dst)
{
    if (cs == 1) {
        /* op(A) rows are contiguous: read each row once, scatter by mr. */
        for (int i = 0; i < mv; i++) {
            const float *row = x + (size_t)i * rs;
            for (int p = 0; p < kc; p++) dst[(size_t)p * mr + i] = row[p];
        }
        for (int i = mv; i < mr; i++)
            for (int p = 0; p < kc; p++) dst[(size_t)p * mr + i] = 0.0f;
        return;
    }
    for (int p = 0; p < kc; p++) {
        const float *col = x + (size_t)p * cs;
        float *d = dst + (size_t)p * mr;
        int i = 0;
        for (; i < mv; i++) d[i] = col[(size_t)i * rs];
        for (; i < mr; i++) d[i] = 0.0f;
    }
}

void eo__sgemm_pack_b_generic(int nr, int kc, int nv, const float *x, size_t rs, size_t cs,
                              float *dst)
{
    if (cs == 1) {
        for (int p = 0; p < kc; p++) {
            const float *row = x + (size_t)p * rs;
            float *d = dst + (size_t)p * nr;
            int j = 0;
            for (; j < nv; j++) d[j] = row[j];
            for (; j < nr; j++) d[j] = 0.0f;
        }
        return;
    }
    /* op(B) columns are contiguous (B transposed): read each column once. */
    for (int j = 0; j < nv; j++) {
        const float *col = x + (size_t)j * cs;
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = col[(size_t)p * rs];
    }
    for (int j = nv; j < nr; j++)
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = 0.0f;
}
