/* Portable L-BFGS kernels (the definition of the summation orders documented
 * in lbfgs_kern.h) and the run-time choice of path, cached like the SGEMM
 * path in src/kernels/gemm_dispatch.c: one atomic pointer to a const table,
 * resolved on first use by a pure CPU check (every racing thread stores the
 * same value). */
#include <string.h>

#include "edgeopt/core.h"
#include "kernels/internal.h"
#include "optim/lbfgs_kern.h"

static double sum16(const double acc[16])
{
    double b[4];
    for (int l = 0; l < 4; l++) b[l] = (acc[l] + acc[4 + l]) + (acc[8 + l] + acc[12 + l]);
    return (b[0] + b[1]) + (b[2] + b[3]);
}

static double sum8(const double acc[8])
{
    double b[4];
    for (int l = 0; l < 4; l++) b[l] = acc[l] + acc[4 + l];
    return (b[0] + b[1]) + (b[2] + b[3]);
}

/* The body of step_dot with din and dout as macro arguments: instantiated
 * once in place (din == dout, the common call) and once out of place, with
 * restrict pointers (d never overlaps x or w; x and w, only read, may be the
 * same vector), because a compiler cannot vectorise the loop when it must
 * assume that a store to d may change a later load. */
#define EO__STEP_DOT_BODY(DIN, DOUT)                         \
    double acc[16] = {0};                                    \
    size_t i = 0;                                            \
    for (; i + 16 <= n; i += 16) {                           \
        for (int j = 0; j < 16; j++) {                       \
            double v = c * (DIN[i + j] + a * x[i + j]);      \
            DOUT[i + j] = v;                                 \
            acc[j] += w[i + j] * v;                          \
        }                                                    \
    }                                                        \
    double r = sum16(acc);                                   \
    for (; i < n; i++) {                                     \
        double v = c * (DIN[i] + a * x[i]);                  \
        DOUT[i] = v;                                         \
        r += w[i] * v;                                       \
    }                                                        \
    return r;

static double step_dot_inplace(size_t n, double c, double a, const double *restrict x,
                               double *restrict d, const double *restrict w)
{
    EO__STEP_DOT_BODY(d, d)
}

static double step_dot_outofplace(size_t n, double c, double a, const double *restrict x,
                                  const double *restrict din, double *restrict dout,
                                  const double *restrict w)
{
    EO__STEP_DOT_BODY(din, dout)
}

static double step_dot_portable(size_t n, double c, double a, const double *x, const double *din,
                                double *dout, const double *w)
{
    if (din == dout) return step_dot_inplace(n, c, a, x, dout, w);
    return step_dot_outofplace(n, c, a, x, din, dout, w);
}
#undef EO__STEP_DOT_BODY

static double dot_portable(size_t n, const double *a, const double *b)
{
    double acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) acc[j] += a[i + j] * b[i + j];
    double r = sum16(acc);
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}

static void pair_portable(size_t n, const double *restrict xn, const double *restrict xc,
                          const double *restrict gn, const double *restrict g,
                          double *restrict s, double *restrict y, double out[5])
{
    double sy[8] = {0}, yy[8] = {0}, ss[8] = {0}, gg[8] = {0}, sg[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++) {
            double si = xn[i + j] - xc[i + j], yi = gn[i + j] - g[i + j], gi = gn[i + j];
            s[i + j] = si;
            y[i + j] = yi;
            sy[j] += si * yi;
            yy[j] += yi * yi;
            ss[j] += si * si;
            gg[j] += gi * gi;
            sg[j] += si * gi;
        }
    }
    double r[5] = {sum8(sy), sum8(yy), sum8(ss), sum8(gg), sum8(sg)};
    for (; i < n; i++) {
        double si = xn[i] - xc[i], yi = gn[i] - g[i], gi = gn[i];
        s[i] = si;
        y[i] = yi;
        r[0] += si * yi;
        r[1] += yi * yi;
        r[2] += si * si;
        r[3] += gi * gi;
        r[4] += si * gi;
    }
    memcpy(out, r, sizeof r);
}

const eo__lbk eo__lbk_portable = {"portable", step_dot_portable, dot_portable, pair_portable};

#if !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
static _Atomic(const eo__lbk *) eo__g_lbk;
#define EO__LOAD() atomic_load_explicit(&eo__g_lbk, memory_order_acquire)
#define EO__STORE(p) atomic_store_explicit(&eo__g_lbk, (p), memory_order_release)
#else
static const eo__lbk *eo__g_lbk; /* no C11 atomics: single-threaded targets */
#define EO__LOAD() eo__g_lbk
#define EO__STORE(p) (eo__g_lbk = (p))
#endif

static const eo__lbk *lbk_best(void)
{
#if defined(EO_HAVE_X86)
    if (eo__cpu_has_avx2_fma()) return &eo__lbk_avx2;
#endif
    return &eo__lbk_portable;
}

const eo__lbk *eo__lbk_get(void)
{
    const eo__lbk *p = EO__LOAD();
    if (!p) {
        p = lbk_best();
        EO__STORE(p);
    }
    return p;
}

int eo__lbk_select(const char *path)
{
    if (!path) return EO_ERR_INVALID;
    if (!strcmp(path, "auto")) {
        EO__STORE(lbk_best());
        return EO_OK;
    }
    if (!strcmp(path, "portable")) {
        EO__STORE(&eo__lbk_portable);
        return EO_OK;
    }
    if (!strcmp(path, "avx2")) {
#if defined(EO_HAVE_X86)
        if (eo__cpu_has_avx2_fma()) {
            EO__STORE(&eo__lbk_avx2);
            return EO_OK;
        }
#endif
        return EO_ERR_UNSUPPORTED;
    }
    return EO_ERR_INVALID;
}
