/* The test functions' formulas: value, gradient and full Hessian (row-major
 * n x n, every entry written). Formulas and minima: Jamil & Yang, "A literature
 * survey of benchmark functions for global optimisation problems" (2013);
 * Rosenbrock in its chained form (SciPy's rosen) and its extended form (Moré,
 * Garbow & Hillstrom, ACM TOMS 7(1), 1981). The table itself is in functions.c. */
#include <math.h>
#include <string.h>

#include "edgeopt/functions.h"
#include "optim/functions_internal.h"

static const double TWO_PI = 6.283185307179586476925286766559;

static void zero_h(size_t n, double *H) { memset(H, 0, n * n * sizeof *H); }

/* ---------------------------------------------------------- quadratic */
static double lam(const eo_testfn *t, size_t n, size_t i)
{
    if (n < 2) return 1.0;
    return pow(t->cond, (double)i / (double)(n - 1));
}

double eo__fn_quadratic(const eo_testfn *t, size_t n, const double *x, double *g)
{
    double f = 0.0;
    for (size_t i = 0; i < n; i++) {
        double l = lam(t, n, i);
        f += 0.5 * l * x[i] * x[i];
        if (g) g[i] = l * x[i];
    }
    return f;
}

void eo__hs_quadratic(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)x;
    zero_h(n, H);
    for (size_t i = 0; i < n; i++) H[i * n + i] = lam(t, n, i);
}

/* --------------------------------------------------------- rosenbrock */
double eo__fn_rosenbrock(const eo_testfn *t, size_t n, const double *x, double *g)
{
    (void)t;
    double f = 0.0;
    if (g) memset(g, 0, n * sizeof *g);
    for (size_t i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        if (g) {
            g[i] += -400.0 * x[i] * a - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
    }
    return f;
}

void eo__hs_rosenbrock(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)t;
    zero_h(n, H);
    for (size_t i = 0; i + 1 < n; i++) {
        H[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        H[i * n + i + 1] += -400.0 * x[i];
        H[(i + 1) * n + i] += -400.0 * x[i];
        H[(i + 1) * n + i + 1] += 200.0;
    }
}

double eo__fn_rosenbrock_ext(const eo_testfn *t, size_t n, const double *x, double *g)
{
    (void)t;
    double f = 0.0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        if (g) {
            g[i] = -400.0 * x[i] * a - 2.0 * b;
            g[i + 1] = 200.0 * a;
        }
    }
    return f;
}

void eo__hs_rosenbrock_ext(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)t;
    zero_h(n, H);
    for (size_t i = 0; i + 1 < n; i += 2) {
        H[i * n + i] = 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        H[i * n + i + 1] = -400.0 * x[i];
        H[(i + 1) * n + i] = -400.0 * x[i];
        H[(i + 1) * n + i + 1] = 200.0;
    }
}

/* ---------------------------------------------------------- rastrigin */
double eo__fn_rastrigin(const eo_testfn *t, size_t n, const double *x, double *g)
{
    (void)t;
    /* 10 - 10 cos(2 pi x) = 20 sin^2(pi x): no cancellation near the minimum,
     * so f and its line searches stay accurate down to f ~ 1e-300. */
    double f = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = sin(0.5 * TWO_PI * x[i]);
        f += x[i] * x[i] + 20.0 * s * s;
        if (g) g[i] = 2.0 * x[i] + 10.0 * TWO_PI * sin(TWO_PI * x[i]);
    }
    return f;
}

void eo__hs_rastrigin(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)t;
    zero_h(n, H);
    for (size_t i = 0; i < n; i++) H[i * n + i] = 2.0 + 10.0 * TWO_PI * TWO_PI * cos(TWO_PI * x[i]);
}

/* ------------------------------------------------------------- ackley
 * r = sqrt(sum x^2 / n), c = sum cos(2 pi x) / n
 * f = -20 exp(-0.2 r) - exp(c) + 20 + e
 * df/dx_i = 4 exp(-0.2 r) x_i / (n r) + (2 pi / n) exp(c) sin(2 pi x_i) */
double eo__fn_ackley(const eo_testfn *t, size_t n, const double *x, double *g)
{
    (void)t;
    double s2 = 0.0, sc = 0.0, dn = (double)n;
    for (size_t i = 0; i < n; i++) {
        s2 += x[i] * x[i];
        sc += cos(TWO_PI * x[i]);
    }
    double r = sqrt(s2 / dn), u = exp(-0.2 * r), ec = exp(sc / dn);
    if (g) {
        for (size_t i = 0; i < n; i++) {
            double a = r > 0.0 ? 4.0 * u * x[i] / (dn * r) : 0.0; /* subgradient 0 at the cone tip */
            g[i] = a + (TWO_PI / dn) * ec * sin(TWO_PI * x[i]);
        }
    }
    /* = 20 (1 - exp(-0.2 r)) + e (1 - exp(c - 1)) with c - 1 = -mean 2 sin^2(pi x):
     * written with expm1 so f keeps its relative accuracy near the minimum. */
    double cm1 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = sin(0.5 * TWO_PI * x[i]);
        cm1 -= 2.0 * s * s;
    }
    return -20.0 * expm1(-0.2 * r) - 2.718281828459045235360287471352 * expm1(cm1 / dn);
}

void eo__hs_ackley(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)t;
    double s2 = 0.0, sc = 0.0, dn = (double)n;
    for (size_t i = 0; i < n; i++) {
        s2 += x[i] * x[i];
        sc += cos(TWO_PI * x[i]);
    }
    double r = sqrt(s2 / dn), u = exp(-0.2 * r), ec = exp(sc / dn);
    for (size_t i = 0; i < n; i++) {
        double si = sin(TWO_PI * x[i]), ci = cos(TWO_PI * x[i]);
        for (size_t j = 0; j < n; j++) {
            double sj = sin(TWO_PI * x[j]);
            double h = (TWO_PI / dn) * ec * (-TWO_PI * si * sj / dn + (i == j ? TWO_PI * ci : 0.0));
            if (r > 0.0) {
                double xx = x[i] * x[j];
                h += 4.0 * u / dn *
                     (-0.2 * xx / (dn * r * r) + (i == j ? 1.0 / r : 0.0) - xx / (dn * r * r * r));
            }
            H[i * n + j] = h;
        }
    }
}

/* ---------------------------------------------------- styblinski-tang */
double eo__fn_styblinski(const eo_testfn *t, size_t n, const double *x, double *g)
{
    (void)t;
    double f = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x2 = x[i] * x[i];
        f += 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x[i]);
        if (g) g[i] = 2.0 * x2 * x[i] - 16.0 * x[i] + 2.5;
    }
    return f;
}

void eo__hs_styblinski(const eo_testfn *t, size_t n, const double *x, double *H)
{
    (void)t;
    zero_h(n, H);
    for (size_t i = 0; i < n; i++) H[i * n + i] = 6.0 * x[i] * x[i] - 16.0;
}

/* ------------------------------------------------------- 2-D functions */
double eo__fn_himmelblau(const eo_testfn *t, size_t n, const double *v, double *g)
{
    (void)t;
    (void)n;
    double x = v[0], y = v[1];
    double a = x * x + y - 11.0, b = x + y * y - 7.0;
    if (g) {
        g[0] = 4.0 * x * a + 2.0 * b;
        g[1] = 2.0 * a + 4.0 * y * b;
    }
    return a * a + b * b;
}

void eo__hs_himmelblau(const eo_testfn *t, size_t n, const double *v, double *H)
{
    (void)t;
    (void)n;
    double x = v[0], y = v[1];
    double a = x * x + y - 11.0, b = x + y * y - 7.0;
    H[0] = 4.0 * a + 8.0 * x * x + 2.0;
    H[1] = H[2] = 4.0 * x + 4.0 * y;
    H[3] = 2.0 + 4.0 * b + 8.0 * y * y;
}

double eo__fn_beale(const eo_testfn *t, size_t n, const double *v, double *g)
{
    (void)t;
    (void)n;
    double x = v[0], y = v[1], y2 = y * y, y3 = y2 * y;
    double t1 = 1.5 - x + x * y, t2 = 2.25 - x + x * y2, t3 = 2.625 - x + x * y3;
    if (g) {
        g[0] = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0));
        g[1] = 2.0 * (t1 * x + t2 * 2.0 * x * y + t3 * 3.0 * x * y2);
    }
    return t1 * t1 + t2 * t2 + t3 * t3;
}

void eo__hs_beale(const eo_testfn *t, size_t n, const double *v, double *H)
{
    (void)t;
    (void)n;
    double x = v[0], y = v[1], y2 = y * y, y3 = y2 * y;
    double t1 = 1.5 - x + x * y, t2 = 2.25 - x + x * y2, t3 = 2.625 - x + x * y3;
    double ax1 = y - 1.0, ax2 = y2 - 1.0, ax3 = y3 - 1.0;   /* d t_k / dx */
    double ay1 = x, ay2 = 2.0 * x * y, ay3 = 3.0 * x * y2; /* d t_k / dy */
    H[0] = 2.0 * (ax1 * ax1 + ax2 * ax2 + ax3 * ax3);
    H[1] = H[2] = 2.0 * (ax1 * ay1 + t1 + ax2 * ay2 + t2 * 2.0 * y + ax3 * ay3 + t3 * 3.0 * y2);
    H[3] = 2.0 * (ay1 * ay1 + ay2 * ay2 + t2 * 2.0 * x + ay3 * ay3 + t3 * 6.0 * x * y);
}

double eo__fn_booth(const eo_testfn *t, size_t n, const double *v, double *g)
{
    (void)t;
    (void)n;
    double a = v[0] + 2.0 * v[1] - 7.0, b = 2.0 * v[0] + v[1] - 5.0;
    if (g) {
        g[0] = 2.0 * a + 4.0 * b;
        g[1] = 4.0 * a + 2.0 * b;
    }
    return a * a + b * b;
}

void eo__hs_booth(const eo_testfn *t, size_t n, const double *v, double *H)
{
    (void)t;
    (void)n;
    (void)v;
    H[0] = 10.0;
    H[1] = H[2] = 8.0;
    H[3] = 10.0;
}

double eo__fn_saddle(const eo_testfn *t, size_t n, const double *v, double *g)
{
    (void)t;
    (void)n;
    if (g) {
        g[0] = 2.0 * v[0];
        g[1] = -2.0 * v[1];
    }
    return v[0] * v[0] - v[1] * v[1];
}

void eo__hs_saddle(const eo_testfn *t, size_t n, const double *v, double *H)
{
    (void)t;
    (void)n;
    (void)v;
    H[0] = 2.0;
    H[1] = H[2] = 0.0;
    H[3] = -2.0;
}

double eo__fn_monkey(const eo_testfn *t, size_t n, const double *v, double *g)
{
    (void)t;
    (void)n;
    double x = v[0], y = v[1];
    if (g) {
        g[0] = 3.0 * x * x - 3.0 * y * y;
        g[1] = -6.0 * x * y;
    }
    return x * x * x - 3.0 * x * y * y;
}

void eo__hs_monkey(const eo_testfn *t, size_t n, const double *v, double *H)
{
    (void)t;
    (void)n;
    H[0] = 6.0 * v[0];
    H[1] = H[2] = -6.0 * v[1];
    H[3] = -6.0 * v[0];
}
