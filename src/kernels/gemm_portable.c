/* Portable SGEMM micro-kernel: plain C11, no intrinsics, for any target.
 *
 * A 4 x 8 register tile: the accumulator is a local array the compiler keeps
 * in vector registers (SSE2 on x86-64, NEON on AArch64) when it can; 4 x 8
 * fits the 16 SSE registers (6 x 8 made gcc spill and ran ~10% slower). Every
 * element accumulates acc += a * b in increasing k with separate multiply and
 * add (the build uses -ffp-contract=off), so the result does not depend on
 * the compiler's choice of vectorisation. */
#include "kernels/internal.h"

#define MR 4
#define NR 8

/* Packed operands only (in_place = 0): a[p * MR + i], b[p * NR + j]. */
static void kernel_mxn(int kc, const float *a, size_t ars, size_t acs, const float *b, size_t brs,
                       float *c, size_t rsc, size_t csc, int mv, int nv, float alpha, float beta)
{
    (void)ars;
    (void)acs;
    (void)brs;
    float acc[MR][NR] = {{0}};
    for (int p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++) {
            const float ai = a[i];
            for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
        }
        a += MR;
        b += NR;
    }
    if (csc == 1 && mv == MR && nv == NR) {
        for (int i = 0; i < MR; i++) {
            float *ci = c + (size_t)i * rsc;
            if (beta == 0.0f) {
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j];
            } else {
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
            }
        }
        return;
    }
    /* Edges and transposed C: same arithmetic, any strides. */
    for (int i = 0; i < mv; i++) {
        for (int j = 0; j < nv; j++) {
            float *cij = c + (size_t)i * rsc + (size_t)j * csc;
            *cij = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *cij;
        }
    }
}

static void pack_a(int mv, int kc, const float *x, size_t rs, size_t cs, float *dst)
{
    eo__sgemm_pack_a_generic(MR, mv, kc, x, rs, cs, dst);
}

static void pack_b(int kc, int nv, const float *x, size_t rs, size_t cs, float *dst)
{
    eo__sgemm_pack_b_generic(NR, kc, nv, x, rs, cs, dst);
}

const eo__sgemm_impl eo__sgemm_portable = {
    .name = "portable",
    .mr = MR,
    .nr = NR,
    .kc = 256,
    .nc = 240,
    .lanes = NR, /* the whole tile is always computed */
    .in_place = 0,
    .kernel = kernel_mxn,
    .pack_a = pack_a,
    .pack_b = pack_b,
};
