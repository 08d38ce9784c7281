/* Vector kernels of L-BFGS (private to src/optim), with a portable path and
 * an AVX2 path chosen at run time.
 *
 * Why a fixed summation order: both paths sum every reduction in the same
 * order (16 or 8 interleaved partial sums, combined by the same tree, the
 * n mod 16 tail added last) and round every product and sum separately (no
 * fused multiply-add), so the two paths return the same bits and L-BFGS takes
 * the same steps whichever path the CPU gets. The partial sums are also what
 * makes the loops fast: one accumulator is a chain of dependent additions
 * (one add latency per element), 16 independent ones keep the FP units busy.
 *
 * Canonical orders (the portable code in lbfgs_kern.c is the definition):
 *   16-lane sum:  acc[j] = sum over i = j mod 16, i < n16 = n - n mod 16;
 *                 b[l] = (acc[l] + acc[4 + l]) + (acc[8 + l] + acc[12 + l]);
 *                 r = (b[0] + b[1]) + (b[2] + b[3]); then r += tail terms in order.
 *   8-lane sum:   the same with acc[0..7], b[l] = acc[l] + acc[4 + l], n8 = n - n mod 8. */
#ifndef EO_OPTIM_LBFGS_KERN_H
#define EO_OPTIM_LBFGS_KERN_H

#include <stddef.h>

typedef struct eo__lbk {
    const char *name; /* "portable" or "avx2" */
    /* dout[i] = c * (din[i] + a * x[i]) (din may equal dout); returns
     * sum_i w[i] * dout[i] (16-lane order). One pass of the two-loop recursion:
     * the update by one pair fused with the dot product the next pair needs. */
    double (*step_dot)(size_t n, double c, double a, const double *x, const double *din,
                       double *dout, const double *w);
    /* sum_i a[i] * b[i] (16-lane order). */
    double (*dot)(size_t n, const double *a, const double *b);
    /* s = xn - xc, y = gn - g and, in the same pass (8-lane order),
     * out = {s.y, y.y, s.s, gn.gn, s.gn}. */
    void (*pair)(size_t n, const double *xn, const double *xc, const double *gn, const double *g,
                 double *s, double *y, double out[5]);
} eo__lbk;

extern const eo__lbk eo__lbk_portable;
#if defined(EO_HAVE_X86)
/* Only call after eo__cpu_has_avx2_fma() returned 1. */
extern const eo__lbk eo__lbk_avx2;
#endif

/* The path in use: resolved by a CPU check on first use (then cached). */
const eo__lbk *eo__lbk_get(void);
/* Force a path: "auto", "portable" or "avx2". EO_ERR_UNSUPPORTED when the CPU
 * lacks AVX2, EO_ERR_INVALID for another name. For tests and benchmarks. */
int eo__lbk_select(const char *path);

#endif
