/* Generic SGEMM packing (see internal.h for the layouts). Any stride
 * combination works; the row-contiguous and column-contiguous cases get a
 * loop order that reads the source sequentially. Padding rows/columns are
 * cleared with one memset of the panel first (clearing them element by
 * element inside the loop made the compiler emit one memset call per k). */
#include <string.h>

#include "kernels/internal.h"

void eo__sgemm_pack_a_generic(int mr, int mv, int kc, const float *x, size_t rs, size_t cs,
                              float *dst)
{
    if (mv < mr) memset(dst, 0, (size_t)mr * (size_t)kc * sizeof(float));
    if (cs == 1) {
        /* op(A) rows are contiguous: read each row once, scatter by mr. */
        for (int i = 0; i < mv; i++) {
            const float *row = x + (size_t)i * rs;
            for (int p = 0; p < kc; p++) dst[(size_t)p * mr + i] = row[p];
        }
        return;
    }
    for (int p = 0; p < kc; p++) {
        const float *col = x + (size_t)p * cs;
        float *d = dst + (size_t)p * mr;
        for (int i = 0; i < mv; i++) d[i] = col[(size_t)i * rs];
    }
}

void eo__sgemm_pack_b_generic(int nr, int kc, int nv, const float *x, size_t rs, size_t cs,
                              float *dst)
{
    if (nv < nr) memset(dst, 0, (size_t)nr * (size_t)kc * sizeof(float));
    if (cs == 1) {
        for (int p = 0; p < kc; p++) {
            const float *row = x + (size_t)p * rs;
            float *d = dst + (size_t)p * nr;
            for (int j = 0; j < nv; j++) d[j] = row[j];
        }
        return;
    }
    /* op(B) columns are contiguous (B transposed): read each column once. */
    for (int j = 0; j < nv; j++) {
        const float *col = x + (size_t)j * cs;
        for (int p = 0; p < kc; p++) dst[(size_t)p * nr + j] = col[(size_t)p * rs];
    }
}
