/* Plot logic (built with or without cairo): nice ticks, log ticks, labels,
 * marching squares, contour levels, the colormap, Pareto fronts, the figure
 * model's argument checks, and the no-cairo contract. References are
 * independent: analytic curves, brute-force domination, flood fills of the
 * bilinear interpolant, CIE L* computed here from sRGB. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/plot.h"
#include "plot/internal.h" /* eo__c_number */

/* ------------------------------------------------------------- helpers */

static int is_125(double step)
{
    double k = floor(log10(step) + 1e-12), m = step / pow(10.0, k);
    return fabs(m - 1.0) < 1e-9 || fabs(m - 2.0) < 1e-9 || fabs(m - 5.0) < 1e-9;
}

/* Decimals in a fixed-point label ("0.25" -> 2). */
static int decimals(const char *s)
{
    const char *d = strchr(s, '.');
    return d && !strchr(s, 'e') ? (int)strlen(d + 1) : 0;
}

/* Significant digits of a label's mantissa ("0.0250" -> 3, "1200" -> 2). */
static int sig_digits(const char *s)
{
    char d[64];
    int n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && n < 63) d[n++] = *s;
    int a = 0, b = n;
    while (a < b && d[a] == '0') a++;
    while (b > a && d[b - 1] == '0') b--;
    return b - a;
}

/* Digits a value needs on an axis with this step: from its leading digit down
 * to the step's. */
static int digits_needed(double v, double step)
{
    if (v == 0.0) return 1;
    int k = (int)floor(log10(fabs(v)) + 1e-12) - (int)floor(log10(step) + 1e-12) + 1;
    return k < 1 ? 1 : k;
}

static void check_labels(const eo_ticks *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *l = t->label[i];
        char *end;
        double v = strtod(l, &end);
        if (*end != '\0') fail_msg("label '%s' is not a number", l);
        if (fabs(v - t->major[i]) > 1e-6 * t->step) fail_msg("label '%s' != tick %.17g", l, t->major[i]);
        if (sig_digits(l) > digits_needed(t->major[i], t->step))
            fail_msg("label '%s' has more digits than step %g needs (float noise?)", l, t->step);
        int maxdec = t->step >= 1.0 ? 0 : (int)ceil(-log10(t->step) - 1e-9);
        if (decimals(l) > maxdec) fail_msg("label '%s' has more decimals than step %g needs", l, t->step);
        if (!strcmp(l, "-0")) fail_msg("label '-0'");
    }
}

/* ---------------------------------------------------------------- ticks */

static void test_nice_number(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 7);
    for (int i = 0; i < 2000; i++) {
        double x = pow(10.0, -12.0 + 24.0 * eo_rng_uniform(&r));
        double c = eo_plot_nice_number(x, 0), n = eo_plot_nice_number(x, 1);
        assert_true(is_125(c) || fabs(c / pow(10.0, floor(log10(c) + 1e-12)) - 1.0) < 1e-9);
        assert_true(is_125(n));
        assert_true(c >= x * (1 - 1e-12) && c < 2.5 * x * (1 + 1e-12)); /* ceiling nice number */
        assert_true(n / x > 0.66 && n / x < 1.67);                     /* rounded nice number */
    }
    assert_true(isnan(eo_plot_nice_number(0.0, 1)));
    assert_true(isnan(eo_plot_nice_number(-1.0, 0)));
    EO_ASSERT_CLOSE(eo_plot_nice_number(0.37, 1), 0.5, 1e-15, 0);
    EO_ASSERT_CLOSE(eo_plot_nice_number(0.37, 0), 0.5, 1e-15, 0);
    EO_ASSERT_CLOSE(eo_plot_nice_number(140.0, 1), 100.0, 1e-15, 0);
    EO_ASSERT_CLOSE(eo_plot_nice_number(140.0, 0), 200.0, 1e-15, 0);
}

static void test_ticks_linear_properties(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 11);
    for (int it = 0; it < 5000; it++) {
        double mag = pow(10.0, -9.0 + 18.0 * eo_rng_uniform(&r));
        double span = mag * pow(10.0, -5.0 * eo_rng_uniform(&r)) * (0.1 + eo_rng_uniform(&r));
        double lo = mag * (2.0 * eo_rng_uniform(&r) - 1.0), hi = lo + span;
        if (it % 7 == 0) lo = 0.0, hi = span;
        int target = 4 + (int)eo_rng_below(&r, 4);
        eo_ticks t;
        assert_int_equal(eo_plot_ticks_linear(lo, hi, target, 1, &t), EO_OK);
        if (t.n < 3 || t.n > 10) fail_msg("[%g, %g] target %d: %zu ticks", lo, hi, target, t.n);
        assert_true(is_125(t.step));
        double tol = 1e-9 * t.step;
        if (!(t.major[0] <= lo + tol && t.major[t.n - 1] >= hi - tol))
            fail_msg("[%.17g, %.17g]: ticks [%.17g, %.17g] do not cover", lo, hi, t.major[0], t.major[t.n - 1]);
        for (size_t i = 1; i < t.n; i++) EO_ASSERT_CLOSE(t.major[i] - t.major[i - 1], t.step, 1e-6, 0);
        check_labels(&t);

        assert_int_equal(eo_plot_ticks_linear(lo, hi, target, 0, &t), EO_OK);
        assert_true(t.n >= 2 && t.n <= 10);
        for (size_t i = 0; i < t.n; i++) assert_true(t.major[i] >= lo - 1e-9 * t.step && t.major[i] <= hi + 1e-9 * t.step);
        check_labels(&t);
    }
    /* Known answers, worked out by hand. */
    eo_ticks t;
    assert_int_equal(eo_plot_ticks_linear(0.0, 1.0, 6, 1, &t), EO_OK);
    assert_int_equal(t.n, 6);
    const char *want[6] = {"0", "0.2", "0.4", "0.6", "0.8", "1"};
    for (int i = 0; i < 6; i++) assert_string_equal(t.label[i], want[i]);
    assert_int_equal(eo_plot_ticks_linear(0.1, 0.3, 3, 1, &t), EO_OK);
    assert_string_equal(t.label[t.n - 1], "0.3");
    assert_int_equal(eo_plot_ticks_linear(-3.2, 7.9, 5, 0, &t), EO_OK);
    assert_true(t.step == 2.0 || t.step == 5.0);
    /* Equal ends are widened; bad input is rejected. */
    assert_int_equal(eo_plot_ticks_linear(5.0, 5.0, 5, 1, &t), EO_OK);
    assert_true(t.n >= 2 && t.major[0] <= 5.0 && t.major[t.n - 1] >= 5.0);
    assert_int_equal(eo_plot_ticks_linear(1.0, 0.0, 5, 1, &t), EO_ERR_INVALID);
    assert_int_equal(eo_plot_ticks_linear(NAN, 1.0, 5, 1, &t), EO_ERR_INVALID);
    assert_int_equal(eo_plot_ticks_linear(0.0, 1.0, 1, 1, &t), EO_ERR_INVALID);
}

static void test_tick_labels(void **state)
{
    (void)state;
    char b[32];
    eo_plot_tick_label(0.1 * 3.0, 0.1, b, sizeof b);
    assert_string_equal(b, "0.3");
    eo_plot_tick_label(1.5e6, 5e5, b, sizeof b);
    assert_string_equal(b, "1.5e6");
    eo_plot_tick_label(2e6, 5e5, b, sizeof b);
    assert_string_equal(b, "2e6");
    eo_plot_tick_label(5e-5, 1e-5, b, sizeof b);
    assert_string_equal(b, "5e-5");
    eo_plot_tick_label(-0.0, 1.0, b, sizeof b);
    assert_string_equal(b, "0");
    eo_plot_tick_label(1e-17, 0.1, b, sizeof b);
    assert_string_equal(b, "0");
    eo_plot_tick_label(-2.5, 0.5, b, sizeof b);
    assert_string_equal(b, "-2.5");
    eo_plot_tick_label(1200.0, 200.0, b, sizeof b);
    assert_string_equal(b, "1200");
    eo_plot_tick_label(0.07, 0.01, b, sizeof b);
    assert_string_equal(b, "0.07");
}

static void test_ticks_log(void **state)
{
    (void)state;
    eo_ticks t;
    assert_int_equal(eo_plot_ticks_log(3e-4, 2e2, 1, &t), EO_OK);
    assert_true(t.n >= 3 && t.n <= 10);
    assert_true(t.major[0] <= 3e-4 && t.major[t.n - 1] >= 2e2);
    for (size_t i = 0; i < t.n; i++) {
        double k = log10(t.major[i]);
        assert_true(fabs(k - round(k)) < 1e-12);
        char want[24];
        snprintf(want, sizeof want, "10^%d", (int)round(k));
        assert_string_equal(t.label[i], want);
    }
    assert_true(t.nminor > 0);
    for (size_t i = 0; i < t.nminor; i++) {
        double m = t.minor[i] / pow(10.0, floor(log10(t.minor[i]) + 1e-12));
        assert_true(fabs(m - round(m)) < 1e-9 && round(m) >= 2 && round(m) <= 9);
        if (i) assert_true(t.minor[i] > t.minor[i - 1]);
    }
    /* One decade: 1, 2, 5, 10 labelled plainly, the other integers minor. */
    assert_int_equal(eo_plot_ticks_log(1.0, 10.0, 0, &t), EO_OK);
    assert_int_equal(t.n, 4);
    const char *want[4] = {"1", "2", "5", "10"};
    for (int i = 0; i < 4; i++) assert_string_equal(t.label[i], want[i]);
    assert_int_equal(t.nminor, 6);
    /* Two decades exactly: 1, 10, 100 with minors 2..9, 20..90. */
    assert_int_equal(eo_plot_ticks_log(1.0, 100.0, 0, &t), EO_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.nminor, 16);
    /* Sixty decades: thinned to at most ten majors, every d-th power, the
     * other powers of ten as minor ticks. */
    assert_int_equal(eo_plot_ticks_log(1e-30, 1e30, 1, &t), EO_OK);
    assert_true(t.n >= 3 && t.n <= 10);
    EO_ASSERT_CLOSE(t.step, 10.0, 0, 0); /* 60 decades: 1, 2, 3, 5 per major give more than 7 */
    assert_true(t.major[0] <= 1e-30 && t.major[t.n - 1] >= 1e30);
    for (size_t i = 1; i < t.n; i++) EO_ASSERT_CLOSE(log10(t.major[i]) - log10(t.major[i - 1]), t.step, 1e-9, 0);
    for (size_t i = 0; i < t.nminor; i++) {
        double k = log10(t.minor[i]);
        assert_true(fabs(k - round(k)) < 1e-9);
    }
    /* Less than a decade: 1-2-5 ticks, then linear ones. */
    assert_int_equal(eo_plot_ticks_log(0.15, 0.9, 0, &t), EO_OK);
    assert_true(t.n >= 2);
    EO_ASSERT_CLOSE(t.major[0], 0.2, 1e-12, 0);
    EO_ASSERT_CLOSE(t.major[1], 0.5, 1e-12, 0);
    assert_string_equal(t.label[0], "0.2");
    assert_int_equal(eo_plot_ticks_log(0.31, 0.34, 0, &t), EO_OK);
    assert_true(t.n >= 2);
    for (size_t i = 0; i < t.n; i++) assert_true(t.major[i] >= 0.31 - 1e-12 && t.major[i] <= 0.34 + 1e-12);
    assert_int_equal(eo_plot_ticks_log(0.0, 1.0, 1, &t), EO_ERR_INVALID);
    assert_int_equal(eo_plot_ticks_log(-1.0, 1.0, 1, &t), EO_ERR_INVALID);
}

/* ------------------------------------------------------------- contours */

static double *field(size_t nx, size_t ny, double x0, double x1, double y0, double y1,
                     double (*fn)(double, double))
{
    double *z = malloc(nx * ny * sizeof(double));
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++)
            z[j * nx + i] = fn(x0 + (x1 - x0) * i / (nx - 1), y0 + (y1 - y0) * j / (ny - 1));
    return z;
}

static double bowl(double x, double y) { return x * x + y * y; }
static double bumps(double x, double y)
{
    return exp(-((x - 1) * (x - 1) + y * y) / 0.3) + exp(-((x + 1) * (x + 1) + y * y) / 0.3);
}
static double rosen(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }

static void test_contour_circle(void **state)
{
    (void)state;
    double *z = field(41, 41, -2, 2, -2, 2, bowl);
    eo_grid g = {41, 41, -2, 2, -2, 2, z};
    eo_polylines pl;
    assert_int_equal(eo_plot_contour_lines(&g, 1.0, &pl), EO_OK);
    assert_int_equal(pl.count, 1);
    assert_int_equal(pl.closed[0], 1);
    size_t np = pl.offset[1];
    assert_true(np >= 50);
    double amin = 10, amax = -10;
    for (size_t i = 0; i < np; i++) {
        double x = pl.xy[2 * i], y = pl.xy[2 * i + 1], r = sqrt(x * x + y * y);
        if (fabs(r - 1.0) > 0.01) fail_msg("point (%g, %g) at radius %g", x, y, r);
        amin = fmin(amin, atan2(y, x));
        amax = fmax(amax, atan2(y, x));
    }
    assert_true(amin < -3.0 && amax > 3.0); /* all the way round */
    /* Consecutive points are neighbours on the circle (a chain, not a soup). */
    for (size_t i = 0; i < np; i++) {
        size_t j = (i + 1) % np;
        assert_true(hypot(pl.xy[2 * i] - pl.xy[2 * j], pl.xy[2 * i + 1] - pl.xy[2 * j + 1]) < 0.15);
    }
    eo_polylines_free(&pl);
    free(z);

    /* Half the circle outside the grid: one open line ending on x = 0. */
    z = field(21, 41, 0, 2, -2, 2, bowl);
    eo_grid h = {21, 41, 0, 2, -2, 2, z};
    assert_int_equal(eo_plot_contour_lines(&h, 1.0, &pl), EO_OK);
    assert_int_equal(pl.count, 1);
    assert_int_equal(pl.closed[0], 0);
    size_t last = pl.offset[1] - 1;
    assert_true(fabs(pl.xy[0]) < 1e-12 && fabs(pl.xy[2 * last]) < 1e-12);
    eo_polylines_free(&pl);
    /* A level outside the field's range gives nothing. */
    assert_int_equal(eo_plot_contour_lines(&h, 100.0, &pl), EO_OK);
    assert_int_equal(pl.count, 0);
    eo_polylines_free(&pl);
    free(z);
}

static void test_contour_bumps(void **state)
{
    (void)state;
    double *z = field(81, 61, -3, 3, -2, 2, bumps);
    eo_grid g = {81, 61, -3, 3, -2, 2, z};
    eo_polylines pl;
    assert_int_equal(eo_plot_contour_lines(&g, 0.5, &pl), EO_OK);
    assert_int_equal(pl.count, 2);
    assert_true(pl.closed[0] && pl.closed[1]);
    /* One around each bump. */
    double cx[2];
    for (int k = 0; k < 2; k++) {
        double s = 0;
        for (size_t i = pl.offset[k]; i < pl.offset[k + 1]; i++) s += pl.xy[2 * i];
        cx[k] = s / (double)(pl.offset[k + 1] - pl.offset[k]);
    }
    assert_true(fabs(fabs(cx[0]) - 1.0) < 0.05 && fabs(fabs(cx[1]) - 1.0) < 0.05 && cx[0] * cx[1] < 0);
    eo_polylines_free(&pl);
    /* Low enough, the two merge into one closed contour. */
    assert_int_equal(eo_plot_contour_lines(&g, 0.01, &pl), EO_OK);
    assert_int_equal(pl.count, 1);
    assert_int_equal(pl.closed[0], 1);
    eo_polylines_free(&pl);
    /* A hole of no-data in the middle of a closed contour opens it. */
    for (size_t j = 28; j <= 32; j++)
        for (size_t i = 20; i <= 22; i++) z[j * 81 + i] = NAN; /* around x = -1.5 on the left bump's edge */
    assert_int_equal(eo_plot_contour_lines(&g, 0.5, &pl), EO_OK);
    size_t open = 0;
    for (size_t k = 0; k < pl.count; k++) open += !pl.closed[k];
    assert_true(open >= 1);
    eo_polylines_free(&pl);
    eo_grid bad = {1, 5, 0, 1, 0, 1, z};
    assert_int_equal(eo_plot_contour_lines(&bad, 0.5, &pl), EO_ERR_INVALID);
    free(z);
}

/* Reference for the saddle cell: flood fill of {f >= level} on a fine
 * sampling of the bilinear interpolant of corners a (0,0), b (1,0), c (1,1),
 * d (0,1); returns 1 if corner p connects to corner q. */
#define FINE 301
static int flood_connected(double a, double b, double c, double d, double level, int p, int q)
{
    static const int cx[4] = {0, FINE - 1, FINE - 1, 0}, cy[4] = {0, 0, FINE - 1, FINE - 1};
    unsigned char *in = calloc(FINE * FINE, 1), *seen = calloc(FINE * FINE, 1);
    int *stack = malloc(FINE * FINE * sizeof(int));
    for (int j = 0; j < FINE; j++)
        for (int i = 0; i < FINE; i++) {
            double u = (double)i / (FINE - 1), v = (double)j / (FINE - 1);
            double f = a * (1 - u) * (1 - v) + b * u * (1 - v) + c * u * v + d * (1 - u) * v;
            in[j * FINE + i] = f >= level;
        }
    int top = 0, start = cy[p] * FINE + cx[p], goal = cy[q] * FINE + cx[q], found = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top && !found) {
        int k = stack[--top], i = k % FINE, j = k / FINE;
        if (k == goal) found = 1;
        int nb[4][2] = {{i + 1, j}, {i - 1, j}, {i, j + 1}, {i, j - 1}};
        for (int e = 0; e < 4; e++) {
            int ii = nb[e][0], jj = nb[e][1];
            if (ii < 0 || jj < 0 || ii >= FINE || jj >= FINE) continue;
            int kk = jj * FINE + ii;
            if (!seen[kk] && in[kk]) seen[kk] = 1, stack[top++] = kk;
        }
    }
    free(in), free(seen), free(stack);
    return found;
}

/* From marching squares: does some polyline cut corner b = (1, 0) off, i.e.
 * join the bottom edge to the right edge? */
static int cuts_b(const eo_polylines *pl)
{
    for (size_t k = 0; k < pl->count; k++) {
        size_t a = pl->offset[k], e = pl->offset[k + 1] - 1;
        double x0 = pl->xy[2 * a], y0 = pl->xy[2 * a + 1], x1 = pl->xy[2 * e], y1 = pl->xy[2 * e + 1];
        int bottom0 = fabs(y0) < 1e-12, right0 = fabs(x0 - 1) < 1e-12, bottom1 = fabs(y1) < 1e-12, right1 = fabs(x1 - 1) < 1e-12;
        if ((bottom0 && right1) || (right0 && bottom1)) return 1;
    }
    return 0;
}

static void test_contour_saddle(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 3);
    int checked = 0, disagree_with_mean = 0;
    for (int it = 0; it < 400 && checked < 60; it++) {
        int case5 = it % 2 == 0; /* a, c inside (case 5) or b, d inside (case 10) */
        double hi1 = 0.5 + 10 * eo_rng_uniform(&r), hi2 = 0.5 + eo_rng_uniform(&r) * eo_rng_uniform(&r);
        double lo1 = 0.5 - 5 * eo_rng_uniform(&r), lo2 = 0.5 - eo_rng_uniform(&r);
        double a, b, c, d, level = 0.5;
        if (case5) a = hi1, c = hi2, b = lo1, d = lo2;
        else b = hi1, d = hi2, a = lo1, c = lo2;
        if (a == level || b == level || c == level || d == level) continue;
        /* Saddle value, to skip cases too close to call on a sampled grid. */
        double A = a - level, B = b - level, C = c - level, D = d - level;
        double s = (A * C - B * D) / (A + C - B - D);
        if (fabs(s) < 0.03) continue;
        double z[4] = {a, b, d, c}; /* row 0: (0,0) (1,0); row 1: (0,1) (1,1) */
        eo_grid g = {2, 2, 0, 1, 0, 1, z};
        eo_polylines pl;
        assert_int_equal(eo_plot_contour_lines(&g, level, &pl), EO_OK);
        assert_int_equal(pl.count, 2);
        int ms_connected = case5 ? cuts_b(&pl) : !cuts_b(&pl);
        int ref = case5 ? flood_connected(a, b, c, d, level, 0, 2) : flood_connected(a, b, c, d, level, 1, 3);
        if (ms_connected != ref) fail_msg("corners %g %g %g %g: marching squares %d, flood fill %d", a, b, c, d, ms_connected, ref);
        double mean = (a + b + c + d) / 4;
        if ((mean >= level) != ref) disagree_with_mean++;
        eo_polylines_free(&pl);
        checked++;
    }
    assert_true(checked >= 40);
    /* The cell-average rule would get some of these wrong: the decider matters. */
    assert_true(disagree_with_mean > 0);

    /* A hand-made case where mean and decider disagree (mean connects, the
     * interpolant does not). */
    double z[4] = {10.0, 0.0, 0.0, 0.52};
    eo_grid g = {2, 2, 0, 1, 0, 1, z};
    eo_polylines pl;
    assert_int_equal(eo_plot_contour_lines(&g, 0.5, &pl), EO_OK);
    assert_int_equal(flood_connected(10.0, 0.0, 0.52, 0.0, 0.5, 0, 2), 0);
    assert_int_equal(cuts_b(&pl), 0);
    eo_polylines_free(&pl);
}

static void test_levels(void **state)
{
    (void)state;
    double lv[64];
    size_t n;
    double *z = field(101, 101, -2, 2, -1, 3, rosen);
    eo_grid g = {101, 101, -2, 2, -1, 3, z};
    assert_int_equal(eo_plot_levels(&g, 12, EO_LEVELS_AUTO, lv, 64, &n), EO_OK);
    assert_true(n >= 6 && n <= 18);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < 101 * 101; i++) lo = fmin(lo, z[i]), hi = fmax(hi, z[i]);
    for (size_t i = 0; i < n; i++) {
        assert_true(lv[i] > lo && lv[i] < hi);
        if (i) assert_true(lv[i] > lv[i - 1]);
        /* log spaced: each level at least 1.5x the previous one above the minimum */
        if (i) assert_true((lv[i] - lo) / (lv[i - 1] - lo) >= 1.5);
    }
    assert_true(lv[n - 1] / lv[0] > 1000.0);
    free(z);
    z = field(51, 51, -1, 1, -1, 1, bowl);
    eo_grid b = {51, 51, -1, 1, -1, 1, z};
    assert_int_equal(eo_plot_levels(&b, 8, EO_LEVELS_AUTO, lv, 64, &n), EO_OK);
    assert_true(n >= 4 && n <= 12);
    for (size_t i = 2; i < n; i++) EO_ASSERT_CLOSE(lv[i] - lv[i - 1], lv[1] - lv[0], 1e-9, 0); /* linear */
    assert_int_equal(eo_plot_levels(&b, 8, EO_LEVELS_LOG, lv, 64, &n), EO_OK);
    assert_true(n >= 4);
    for (size_t i = 0; i < 51 * 51; i++) z[i] = 3.0;
    assert_int_equal(eo_plot_levels(&b, 8, EO_LEVELS_AUTO, lv, 64, &n), EO_ERR_INVALID);
    free(z);
}

/* ------------------------------------------------------------- colormap */

static double srgb_to_linear(double c) { return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4); }

static double lstar(const uint8_t rgb[3])
{
    double Y = 0.2126 * srgb_to_linear(rgb[0] / 255.0) + 0.7152 * srgb_to_linear(rgb[1] / 255.0) +
               0.0722 * srgb_to_linear(rgb[2] / 255.0);
    double f = Y > 216.0 / 24389.0 ? cbrt(Y) : (24389.0 / 27.0 * Y + 16.0) / 116.0;
    return 116.0 * f - 16.0;
}

static void test_colormap(void **state)
{
    (void)state;
    uint8_t c[3];
    double prev = -1, steps[16];
    for (int i = 0; i < 64; i++) {
        eo_plot_colormap(i / 63.0, c);
        double L = lstar(c);
        if (!(L > prev)) fail_msg("L* not increasing at t = %g: %g after %g", i / 63.0, L, prev);
        prev = L;
    }
    prev = -1;
    for (int i = 0; i < 256; i++) {
        eo_plot_colormap(i / 255.0, c);
        double L = lstar(c);
        assert_true(L > prev - 0.35); /* 8-bit rounding only */
        prev = L;
    }
    /* Even lightness steps. */
    eo_plot_colormap(0.0, c);
    prev = lstar(c);
    double smin = INFINITY, smax = 0;
    for (int i = 1; i <= 16; i++) {
        eo_plot_colormap(i / 16.0, c);
        double L = lstar(c);
        steps[i - 1] = L - prev;
        smin = fmin(smin, steps[i - 1]);
        smax = fmax(smax, steps[i - 1]);
        prev = L;
    }
    assert_true(smax / smin < 1.3);
    /* Endpoints: dark blue-violet, light yellow. */
    eo_plot_colormap(0.0, c);
    assert_true(lstar(c) > 15 && lstar(c) < 25);
    assert_true(c[2] > c[1] && c[2] > c[0]);
    eo_plot_colormap(1.0, c);
    assert_true(lstar(c) > 88 && lstar(c) < 97);
    assert_true(c[0] > c[2] + 60 && c[1] > c[2] + 60);
    /* Clamping and NaN. */
    uint8_t d[3];
    eo_plot_colormap(-5.0, d);
    eo_plot_colormap(0.0, c);
    assert_memory_equal(c, d, 3);
    eo_plot_colormap(NAN, d);
    assert_true(d[0] == d[1] && d[1] == d[2]);
    /* Palette: distinct colors, cycling. */
    size_t np = eo_plot_palette_size();
    assert_true(np >= 8);
    for (size_t i = 0; i < np; i++)
        for (size_t j = i + 1; j < np; j++) assert_int_not_equal(eo_plot_palette(i), eo_plot_palette(j));
    assert_int_equal(eo_plot_palette(np), eo_plot_palette(0));
}

/* --------------------------------------------------------------- Pareto */

static void test_pareto(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 5);
    enum { N = 300 };
    double x[N], y[N];
    unsigned char f[N];
    for (int rep = 0; rep < 8; rep++) {
        for (int i = 0; i < N; i++) {
            x[i] = (double)eo_rng_below(&r, 40); /* many ties */
            y[i] = (double)eo_rng_below(&r, 40);
        }
        x[7] = NAN;
        int xs = rep & 1, ys = (rep >> 1) & 1;
        size_t cnt;
        assert_int_equal(eo_plot_pareto_front(N, x, y, xs, ys, f, &cnt), EO_OK);
        size_t ref_cnt = 0;
        for (int i = 0; i < N; i++) {
            int dominated = !isfinite(x[i]) || !isfinite(y[i]);
            for (int j = 0; j < N && !dominated; j++) {
                if (!isfinite(x[j])) continue;
                double ai = xs ? -x[i] : x[i], aj = xs ? -x[j] : x[j], bi = ys ? -y[i] : y[i], bj = ys ? -y[j] : y[j];
                if (aj <= ai && bj <= bi && (aj < ai || bj < bi)) dominated = 1;
            }
            assert_int_equal(f[i], !dominated);
            ref_cnt += !dominated;
        }
        assert_int_equal(cnt, ref_cnt);
        assert_true(cnt >= 1);
    }
    assert_int_equal(eo_plot_pareto_front(3, x, y, 2, 0, f, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_plot_pareto_front(0, NULL, NULL, 0, 0, NULL, NULL), EO_OK);
}

/* ------------------------------------------------------------ the model */

static void test_model_errors(void **state)
{
    (void)state;
    eo_figure *f;
    assert_int_equal(eo_figure_create(10, 100, &f), EO_ERR_INVALID);
    assert_null(f);
    assert_int_equal(eo_figure_create(100, 9000, &f), EO_ERR_INVALID);
    assert_int_equal(eo_figure_create(400, 300, &f), EO_OK);
    assert_int_equal(eo_figure_panel_count(f), 1);
    assert_null(eo_figure_panel(f, 1));
    assert_int_equal(eo_figure_panels(f, 0, 2), EO_ERR_INVALID);
    assert_string_not_equal(eo_figure_error(f), "");
    assert_int_equal(eo_figure_panels(f, 2, 3), EO_OK);
    assert_int_equal(eo_figure_panel_count(f), 6);
    eo_panel *p = eo_figure_panel(f, 5);
    assert_non_null(p);
    double x[3] = {1, 2, 3}, y[3] = {1, 4, 9};
    eo_style st = eo_style_defaults();
    st.alpha = 2.0;
    assert_int_equal(eo_panel_line(p, "bad", 3, x, y, &st), EO_ERR_INVALID);
    assert_non_null(eo_style_check(&st));
    st = eo_style_defaults();
    st.marker = EO_MARKER_COUNT;
    assert_int_equal(eo_panel_scatter(p, "bad", 3, x, y, &st), EO_ERR_INVALID);
    assert_int_equal(eo_panel_line(p, "ok", 3, NULL, y, NULL), EO_OK);
    assert_int_equal(eo_panel_line(p, "no y", 3, x, NULL, NULL), EO_ERR_INVALID);
    double e_bad[3] = {0, 2, 1}, h[2] = {1, 1};
    assert_int_equal(eo_panel_bars(p, "b", 2, e_bad, h, EO_HIST_BAR, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_panel_xlim(p, 2.0, 1.0), EO_ERR_INVALID);
    assert_int_equal(eo_panel_xlim(p, NAN, NAN), EO_OK);
    assert_int_equal(eo_panel_xscale(p, 7), EO_ERR_INVALID);
    assert_int_equal(eo_panel_legend(p, EO_LEGEND_COUNT), EO_ERR_INVALID);
    eo_grid g = {1, 1, 0, 1, 0, 1, y};
    assert_int_equal(eo_panel_contour(p, &g, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_panel_heatmap(p, &g, NULL), EO_OK); /* a 1 x 1 heatmap is fine */
    eo_contour_params cp = eo_contour_defaults();
    double lv[2] = {2, 1};
    cp.levels = lv;
    cp.n_levels = 2;
    double z4[4] = {0, 1, 2, 3};
    eo_grid g2 = {2, 2, 0, 1, 0, 1, z4};
    assert_int_equal(eo_panel_contour(p, &g2, &cp), EO_ERR_INVALID);
    assert_int_equal(eo_panel_contour(p, &g2, NULL), EO_OK);
    assert_int_equal(eo_panel_text(p, 1, 1, "", 0), EO_ERR_INVALID);
    assert_int_equal(eo_panel_pareto(p, "p", 3, x, y, 3, 0, NULL), EO_ERR_INVALID);
    eo_hist_params hp = eo_hist_defaults();
    hp.bins = 0;
    assert_int_equal(eo_panel_histogram(p, "h", 3, x, &hp, NULL), EO_ERR_INVALID);
    /* Builders validate too. */
    assert_int_equal(eo_plot_trajectories(p, NULL, NULL, 0, 1, 0, 1, NULL, 0, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_plot_convergence(NULL, NULL, NULL, NULL, 0, 0.0), EO_ERR_INVALID);
    /* Enum names round trip. */
    for (int i = 0; i < EO_MARKER_COUNT; i++) assert_int_equal(eo_marker_from_name(eo_marker_name(i)), i);
    for (int i = 0; i < EO_DASH_COUNT; i++) assert_int_equal(eo_dash_from_name(eo_dash_name(i)), i);
    for (int i = 0; i < EO_LEGEND_COUNT; i++) assert_int_equal(eo_legend_pos_from_name(eo_legend_pos_name(i)), i);
    for (int i = 0; i < EO_LEVELS_COUNT; i++) assert_int_equal(eo_levels_from_name(eo_levels_name(i)), i);
    for (int i = 0; i < EO_AXIS_COUNT; i++) assert_int_equal(eo_axis_scale_from_name(eo_axis_scale_name(i)), i);
    assert_int_equal(eo_axis_scale_from_name("log"), EO_AXIS_LOG10);
    assert_int_equal(eo_axis_scale_from_name("nope"), -1);
    eo_figure_destroy(f);
    eo_figure_destroy(NULL);
}

static void test_utf8_and_locale(void **state)
{
    (void)state;
    eo_figure *f;
    assert_int_equal(eo_figure_create(300, 200, &f), EO_OK);
    eo_panel *p = eo_figure_panel(f, 0);
    double y[2] = {1, 2};
    assert_int_equal(eo_panel_xlabel(p, "x\xC3\xA9 \xE2\x88\x92 ok"), EO_OK);       /* e-acute, minus */
    assert_int_equal(eo_panel_xlabel(p, "bad \xC3"), EO_ERR_INVALID);                 /* truncated */
    assert_int_equal(eo_panel_title(p, "overlong \xC0\xAF"), EO_ERR_INVALID);        /* overlong '/' */
    assert_int_equal(eo_panel_line(p, "surrogate \xED\xA0\x80", 2, NULL, y, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_panel_text(p, 0, 0, "\xFF", 0), EO_ERR_INVALID);
    assert_int_equal(eo_figure_title(f, "\xF0\x9F\x93\x88 chart"), EO_OK);         /* U+1F4C8 */
    eo_figure_destroy(f);
    /* Numbers printed under a locale with another decimal point are
     * normalised (the C library's output is fixed up in place)... */
    char c1[16] = "0,25", c2[16] = "-2\xD9\xAB" "5e-5", c3[16] = "nan";
    eo__c_number(c1);
    eo__c_number(c2);
    eo__c_number(c3);
    assert_string_equal(c1, "0.25");
    assert_string_equal(c2, "-2.5e-5");
    assert_string_equal(c3, "nan");
    /* ...and, where such a locale is installed, labels really ignore it. */
    const char *locs[3] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE"};
    int set = 0;
    for (int i = 0; i < 3 && !set; i++) set = setlocale(LC_NUMERIC, locs[i]) != NULL;
    if (!set) return; /* no such locale installed: nothing to check */
    char b[32];
    eo_plot_tick_label(0.25, 0.05, b, sizeof b);
    assert_string_equal(b, "0.25");
    eo_plot_tick_label(2.5e-5, 5e-6, b, sizeof b);
    assert_string_equal(b, "2.5e-5");
    setlocale(LC_NUMERIC, "C");
}

static void test_formats_and_availability(void **state)
{
    (void)state;
    assert_int_equal(eo_plot_format_from_path("a/b/plot.png"), EO_PLOT_PNG);
    assert_int_equal(eo_plot_format_from_path("plot.SVG"), EO_PLOT_SVG);
    assert_int_equal(eo_plot_format_from_path("plot.pdf"), -1);
    assert_int_equal(eo_plot_format_from_path("dir.png/plot"), -1);
    assert_int_equal(eo_plot_format_from_path(".png"), -1);
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_plot_check_path("x.jpg", &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, ".png or .svg"));
    eo_figure *f;
    assert_int_equal(eo_figure_create(300, 200, &f), EO_OK);
    if (eo_plot_available()) {
        assert_int_equal(eo_plot_check_path("x.png", &e), EO_OK);
    } else {
        /* The no-cairo contract: saving says how to enable plotting. */
        eo_error_clear(&e);
        assert_int_equal(eo_plot_check_path("x.png", &e), EO_ERR_UNSUPPORTED);
        assert_non_null(strstr(e.msg, "apt-get install libcairo2-dev"));
        eo_error_clear(&e);
        assert_int_equal(eo_figure_save(f, EO_BINARY_DIR "/never-written.png", &e), EO_ERR_UNSUPPORTED);
        assert_non_null(strstr(e.msg, "libcairo2-dev"));
        FILE *fp = fopen(EO_BINARY_DIR "/never-written.png", "rb");
        assert_null(fp);
    }
    eo_figure_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_number),
        cmocka_unit_test(test_ticks_linear_properties),
        cmocka_unit_test(test_tick_labels),
        cmocka_unit_test(test_ticks_log),
        cmocka_unit_test(test_contour_circle),
        cmocka_unit_test(test_contour_bumps),
        cmocka_unit_test(test_contour_saddle),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_colormap),
        cmocka_unit_test(test_pareto),
        cmocka_unit_test(test_model_errors),
        cmocka_unit_test(test_utf8_and_locale),
        cmocka_unit_test(test_formats_and_availability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
