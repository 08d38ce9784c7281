/* AVX2 L-BFGS kernels: the portable kernels of lbfgs_kern.c with the partial
 * sums held in ymm registers (lane l of accumulator k is the portable acc[4 k
 * + l]), combined by the same tree, so the results are the same bits. Products
 * and sums are rounded separately (_mm256_mul_pd then _mm256_add_pd; the
 * project builds with -ffp-contract=off, so they are not fused): an FMA would
 * change the bits and gains nothing in loops bound by memory traffic. */
#include <immintrin.h>

#include "optim/lbfgs_kern.h"

/* (b0 + b1) + (b2 + b3) of b = (A0 + A1) + (A2 + A3) lane-wise. */
static double hsum4(__m256d b)
{
    __m128d lo = _mm256_castpd256_pd128(b), hi = _mm256_extractf128_pd(b, 1);
    __m128d l01 = _mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)); /* b0 + b1 */
    __m128d h23 = _mm_add_sd(hi, _mm_unpackhi_pd(hi, hi)); /* b2 + b3 */
    return _mm_cvtsd_f64(_mm_add_sd(l01, h23));
}

static double step_dot_avx2(size_t n, double c, double a, const double *x, const double *din,
                            double *dout, const double *w)
{
    __m256d vc = _mm256_set1_pd(c), va = _mm256_set1_pd(a);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256d v0 = _mm256_mul_pd(
            vc, _mm256_add_pd(_mm256_loadu_pd(din + i), _mm256_mul_pd(va, _mm256_loadu_pd(x + i))));
        __m256d v1 = _mm256_mul_pd(vc, _mm256_add_pd(_mm256_loadu_pd(din + i + 4),
                                                     _mm256_mul_pd(va, _mm256_loadu_pd(x + i + 4))));
        __m256d v2 = _mm256_mul_pd(vc, _mm256_add_pd(_mm256_loadu_pd(din + i + 8),
                                                     _mm256_mul_pd(va, _mm256_loadu_pd(x + i + 8))));
        __m256d v3 = _mm256_mul_pd(vc, _mm256_add_pd(_mm256_loadu_pd(din + i + 12),
                                                     _mm256_mul_pd(va, _mm256_loadu_pd(x + i + 12))));
        _mm256_storeu_pd(dout + i, v0);
        _mm256_storeu_pd(dout + i + 4, v1);
        _mm256_storeu_pd(dout + i + 8, v2);
        _mm256_storeu_pd(dout + i + 12, v3);
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_loadu_pd(w + i), v0));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(_mm256_loadu_pd(w + i + 4), v1));
        s2 = _mm256_add_pd(s2, _mm256_mul_pd(_mm256_loadu_pd(w + i + 8), v2));
        s3 = _mm256_add_pd(s3, _mm256_mul_pd(_mm256_loadu_pd(w + i + 12), v3));
    }
    double r = hsum4(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    for (; i < n; i++) {
        double v = c * (din[i] + a * x[i]);
        dout[i] = v;
        r += w[i] * v;
    }
    return r;
}

static double dot_avx2(size_t n, const double *a, const double *b)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(_mm256_loadu_pd(a + i), _mm256_loadu_pd(b + i)));
        s1 = _mm256_add_pd(s1,
                           _mm256_mul_pd(_mm256_loadu_pd(a + i + 4), _mm256_loadu_pd(b + i + 4)));
        s2 = _mm256_add_pd(s2,
                           _mm256_mul_pd(_mm256_loadu_pd(a + i + 8), _mm256_loadu_pd(b + i + 8)));
        s3 = _mm256_add_pd(
            s3, _mm256_mul_pd(_mm256_loadu_pd(a + i + 12), _mm256_loadu_pd(b + i + 12)));
    }
    double r = hsum4(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
    for (; i < n; i++) r += a[i] * b[i];
    return r;
}

/* acc[0..3] + acc[4..7] lane-wise, then the 4-lane tree (= sum8). */
static double hsum8(__m256d lo, __m256d hi) { return hsum4(_mm256_add_pd(lo, hi)); }

static void pair_avx2(size_t n, const double *xn, const double *xc, const double *gn,
                      const double *g, double *s, double *y, double out[5])
{
    __m256d z = _mm256_setzero_pd();
    __m256d sy0 = z, sy1 = z, yy0 = z, yy1 = z, ss0 = z, ss1 = z, gg0 = z, gg1 = z, sg0 = z,
            sg1 = z;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d g0 = _mm256_loadu_pd(gn + i), g1 = _mm256_loadu_pd(gn + i + 4);
        __m256d a0 = _mm256_sub_pd(_mm256_loadu_pd(xn + i), _mm256_loadu_pd(xc + i));
        __m256d a1 = _mm256_sub_pd(_mm256_loadu_pd(xn + i + 4), _mm256_loadu_pd(xc + i + 4));
        __m256d b0 = _mm256_sub_pd(g0, _mm256_loadu_pd(g + i));
        __m256d b1 = _mm256_sub_pd(g1, _mm256_loadu_pd(g + i + 4));
        _mm256_storeu_pd(s + i, a0);
        _mm256_storeu_pd(s + i + 4, a1);
        _mm256_storeu_pd(y + i, b0);
        _mm256_storeu_pd(y + i + 4, b1);
        sy0 = _mm256_add_pd(sy0, _mm256_mul_pd(a0, b0));
        sy1 = _mm256_add_pd(sy1, _mm256_mul_pd(a1, b1));
        yy0 = _mm256_add_pd(yy0, _mm256_mul_pd(b0, b0));
        yy1 = _mm256_add_pd(yy1, _mm256_mul_pd(b1, b1));
        ss0 = _mm256_add_pd(ss0, _mm256_mul_pd(a0, a0));
        ss1 = _mm256_add_pd(ss1, _mm256_mul_pd(a1, a1));
        gg0 = _mm256_add_pd(gg0, _mm256_mul_pd(g0, g0));
        gg1 = _mm256_add_pd(gg1, _mm256_mul_pd(g1, g1));
        sg0 = _mm256_add_pd(sg0, _mm256_mul_pd(a0, g0));
        sg1 = _mm256_add_pd(sg1, _mm256_mul_pd(a1, g1));
    }
    double r[5] = {hsum8(sy0, sy1), hsum8(yy0, yy1), hsum8(ss0, ss1), hsum8(gg0, gg1),
                   hsum8(sg0, sg1)};
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
    for (int k = 0; k < 5; k++) out[k] = r[k];
}

const eo__lbk eo__lbk_avx2 = {"avx2", step_dot_avx2, dot_avx2, pair_avx2};
