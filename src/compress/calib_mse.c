/* MSE-optimal clipping range for int8 activations.
 *
 * Problem: choose [a, b] (with a <= 0 <= b after widening) minimizing
 *     E(a, b) = integral (x - Q_ab(x))^2 dF(x),
 * where Q_ab is asymmetric int8 quantization with the parameters
 * eo_q8_choose_params(a, b) gives (rounding inside the grid, clipping to its
 * ends outside) and F is the observed histogram with each bin's mass spread
 * uniformly over the bin. For one bin [l, r] of mass h the integral is exact:
 * Q is constant (= g_q) on each quantization cell, and on a piece [u, v] of a
 * cell the integral of (x - g)^2 is ((v - g)^3 - (u - g)^3) / 3.
 *
 * Search (E is not unimodal in general, so a grid, not bisection): first a
 * common shrink factor t of the widened observed range [min(mn,0) t, max(mx,0)
 * t], then alternating 1-D grid searches over b with a fixed and over a with b
 * fixed, two rounds. Each evaluation costs bins + 256 cell pieces.
 * (Banner et al. 2019, "Post-training 4-bit quantization of convolutional
 * networks for rapid-deployment", sec. 3, minimize the same clipping MSE
 * analytically for Gaussian/Laplace priors; here the prior is the histogram.) */
#include <math.h>

#include "compress/calib_internal.h"

#define GRID 256
#define ROUNDS 2

/* Quantization level (-128..127) of x for scale s and zero point zp. */
static int level(double x, double s, int zp)
{
    double v = floor(x / s + 0.5) + zp;
    return v < -128.0 ? -128 : v > 127.0 ? 127 : (int)v;
}

static double expected_mse(const eo_calib *c, double a, double b)
{
    eo_q8_qparam qp;
    if (eo_q8_choose_params(a, b, &qp)) return INFINITY;
    const double s = qp.scale;
    const int zp = qp.zero_point;
    double total = 0.0;
    for (int j = 0; j < c->p.bins; j++) {
        double h = c->hist[j];
        if (h == 0.0) continue;
        double l = c->lo + j * c->width, r = l + c->width;
        int ql = level(l, s, zp), qr = level(r, s, zp);
        double acc = 0.0, u = l;
        for (int q = ql; q <= qr; q++) {
            double g = s * (q - zp);
            double v = q == qr ? r : s * (q - zp + 0.5); /* right edge of cell q */
            if (v > r) v = r;
            if (v > u) {
                double du = u - g, dv = v - g;
                acc += (dv * dv * dv - du * du * du) / 3.0;
            }
            u = v;
        }
        total += h * acc / c->width;
    }
    return total / (double)c->count;
}

int eo_calib_expected_mse(const eo_calib *c, double lo, double hi, double *mse)
{
    if (!c || !mse || !(lo <= hi)) return EO_ERR_INVALID;
    if (c->count == 0) return EO_ERR_STATE;
    double e = expected_mse(c, lo, hi);
    if (!isfinite(e)) return EO_ERR_NUMERIC;
    *mse = e;
    return EO_OK;
}

int eo__calib_mse_range(const eo_calib *c, double *lo, double *hi)
{
    const double a0 = c->min < 0.0 ? c->min : 0.0, b0 = c->max > 0.0 ? c->max : 0.0;
    double ba = a0, bb = b0, best = expected_mse(c, a0, b0);
    if (a0 == b0 || !isfinite(best)) {
        *lo = c->min;
        *hi = c->max;
        return EO_OK;
    }
    for (int k = 1; k < GRID; k++) {
        double t = (double)k / GRID, e = expected_mse(c, a0 * t, b0 * t);
        if (e < best) {
            best = e;
            ba = a0 * t;
            bb = b0 * t;
        }
    }
    for (int round = 0; round < ROUNDS; round++) {
        if (b0 > 0.0) {
            double fa = ba;
            for (int k = 1; k <= GRID; k++) {
                double b = b0 * k / GRID, e = expected_mse(c, fa, b);
                if (e < best) {
                    best = e;
                    bb = b;
                }
            }
        }
        if (a0 < 0.0) {
            double fb = bb;
            for (int k = 1; k <= GRID; k++) {
                double a = a0 * k / GRID, e = expected_mse(c, a, fb);
                if (e < best) {
                    best = e;
                    ba = a;
                }
            }
        }
    }
    *lo = ba;
    *hi = bb;
    return EO_OK;
}
