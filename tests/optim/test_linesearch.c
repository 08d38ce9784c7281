/* Line searches: the returned step satisfies the conditions (checked here by
 * evaluating f independently), interpolation finds the minimiser of a 1-D
 * quadratic in few evaluations, non-descent directions and budgets are
 * reported, NaN regions are backed out of. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"

typedef struct {
    long calls;
    double nan_beyond; /* f = NaN when x[0] > nan_beyond */
} counter;

/* f(x) = (x0 - 3)^2 + 10 (x1 + 1)^2 */
static double quad(size_t n, const double *x, double *g, void *user)
{
    (void)n;
    counter *c = user;
    c->calls++;
    if (x[0] > c->nan_beyond) {
        if (g) g[0] = g[1] = NAN;
        return NAN;
    }
    if (g) {
        g[0] = 2.0 * (x[0] - 3.0);
        g[1] = 20.0 * (x[1] + 1.0);
    }
    return (x[0] - 3.0) * (x[0] - 3.0) + 10.0 * (x[1] + 1.0) * (x[1] + 1.0);
}

static void check_conditions(const eo_linesearch_params *p, const eo_objective *o, const double *x,
                             const double *d, double alpha)
{
    double g0[8], g1[8], x1[8];
    size_t n = o->n;
    double f0 = o->f(n, x, g0, o->user);
    for (size_t i = 0; i < n; i++) x1[i] = x[i] + alpha * d[i];
    double f1 = o->f(n, x1, g1, o->user);
    double d0 = 0, d1 = 0;
    for (size_t i = 0; i < n; i++) {
        d0 += g0[i] * d[i];
        d1 += g1[i] * d[i];
    }
    assert_true(d0 < 0);
    if (!(f1 <= f0 + p->c1 * alpha * d0)) fail_msg("Armijo fails: f1 %g f0 %g", f1, f0);
    if (p->kind == EO_LS_STRONG_WOLFE && !(fabs(d1) <= p->c2 * fabs(d0)))
        fail_msg("curvature fails: |%g| > %g |%g|", d1, p->c2, d0);
}

static void test_conditions_rosenbrock(void **state)
{
    (void)state;
    eo_testfn t;
    assert_int_equal(eo_testfn_parse("rosenbrock:dim=4", &t, NULL), EO_OK);
    eo_objective o = eo_testfn_objective(&t);
    eo_rng r;
    eo_rng_seed(&r, 3);
    for (int kind = 0; kind < EO_LS_COUNT; kind++) {
        eo_linesearch_params p = eo_linesearch_defaults(kind);
        for (int trial = 0; trial < 50; trial++) {
            double x[4], g[4], d[4], xn[4], gn[4], fn;
            for (int i = 0; i < 4; i++) x[i] = -2.0 + 4.0 * eo_rng_uniform(&r);
            double f = eo_testfn_eval(4, x, g, &t);
            /* a random descent direction */
            for (int i = 0; i < 4; i++) d[i] = -g[i] + 0.3 * fabs(g[i]) * eo_rng_normal(&r);
            double a = (trial % 3 == 0) ? 10.0 : 1.0 / (1.0 + fabs(f)), dd = 0;
            for (int i = 0; i < 4; i++) dd += d[i] * g[i];
            if (dd >= 0) continue;
            long evals = 0;
            int st = eo_linesearch(&p, &o, x, f, g, d, &a, xn, &fn, gn, &evals, 0);
            assert_int_equal(st, EO_OK);
            assert_true(a > 0 && evals >= 1 && evals <= p.max_evals);
            check_conditions(&p, &o, x, d, a);
            /* outputs describe x + a d */
            double gx[4];
            EO_ASSERT_CLOSE(fn, eo_testfn_eval(4, xn, gx, &t), 1e-14, 1e-300);
            for (int i = 0; i < 4; i++) {
                EO_ASSERT_CLOSE(xn[i], x[i] + a * d[i], 1e-15, 1e-15);
                EO_ASSERT_CLOSE(gn[i], gx[i], 1e-14, 1e-14);
            }
        }
    }
}

static void test_interpolation(void **state)
{
    (void)state;
    /* phi(a) = f(x + a d) along d = (1, 0) from (0, -1): (a - 3)^2 - 9 + 9.
     * A first trial of 10 overshoots; the cubic through phi(0), phi'(0),
     * phi(10), phi'(10) of a quadratic is the quadratic itself, so the next
     * trial is the exact minimiser a = 3. */
    counter c = {0, HUGE_VAL};
    eo_objective o = {2, quad, NULL, NULL, &c};
    double x[2] = {0.0, -1.0}, g[2], d[2] = {1.0, 0.0}, xn[2], gn[2], fn;
    double f = quad(2, x, g, &c);
    c.calls = 0;
    eo_linesearch_params p = eo_linesearch_defaults(EO_LS_STRONG_WOLFE);
    double a = 10.0;
    long evals = 0;
    assert_int_equal(eo_linesearch(&p, &o, x, f, g, d, &a, xn, &fn, gn, &evals, 0), EO_OK);
    EO_ASSERT_CLOSE(a, 3.0, 1e-12, 0);
    assert_int_equal(evals, 2);
    assert_int_equal(c.calls, 2);
    /* Armijo from 10: the safeguarded quadratic step also lands on 3
     * (clamped to [0.1 a, 0.5 a] = [1, 5]). */
    p = eo_linesearch_defaults(EO_LS_ARMIJO);
    a = 10.0;
    evals = 0;
    assert_int_equal(eo_linesearch(&p, &o, x, f, g, d, &a, xn, &fn, gn, &evals, 0), EO_OK);
    EO_ASSERT_CLOSE(a, 3.0, 1e-12, 0);
    assert_int_equal(evals, 2);
    /* Wolfe from a tiny step expands until the bracket holds the minimiser. */
    p = eo_linesearch_defaults(EO_LS_STRONG_WOLFE);
    a = 1e-3;
    evals = 0;
    assert_int_equal(eo_linesearch(&p, &o, x, f, g, d, &a, xn, &fn, gn, &evals, 0), EO_OK);
    check_conditions(&p, &o, x, d, a);
    assert_true(evals < 20);
}

static void test_failures(void **state)
{
    (void)state;
    counter c = {0, HUGE_VAL};
    eo_objective o = {2, quad, NULL, NULL, &c};
    double x[2] = {0.0, -1.0}, g[2], xn[2], gn[2], fn;
    double f = quad(2, x, g, &c);
    for (int kind = 0; kind < EO_LS_COUNT; kind++) {
        eo_linesearch_params p = eo_linesearch_defaults(kind);
        /* ascent direction */
        double d[2] = {-1.0, 0.0}, a = 1.0;
        long evals = 0;
        assert_int_equal(eo_linesearch(&p, &o, x, f, g, d, &a, xn, &fn, gn, &evals, 0),
                         EO_STOP_LINESEARCH);
        assert_true(a == 0.0 && xn[0] == x[0] && xn[1] == x[1] && fn == f && evals == 0);
        /* budget */
        double d2[2] = {1.0, 0.0};
        a = 1000.0;
        evals = 5;
        assert_int_equal(eo_linesearch(&p, &o, x, f, g, d2, &a, xn, &fn, gn, &evals, 6),
                         EO_STOP_MAX_EVALS);
        assert_int_equal(evals, 6);
        /* NaN beyond x0 > 4: backs out of the region and succeeds */
        c.nan_beyond = 4.0;
        a = 100.0;
        evals = 0;
        assert_int_equal(eo_linesearch(&p, &o, x, f, g, d2, &a, xn, &fn, gn, &evals, 0), EO_OK);
        assert_true(a > 0 && a <= 4.0 && isfinite(fn) && fn < f);
        c.nan_beyond = HUGE_VAL;
    }
    assert_string_equal(eo_linesearch_kind_name(EO_LS_ARMIJO), "armijo");
    assert_int_equal(eo_linesearch_kind_from_name("wolfe"), EO_LS_STRONG_WOLFE);
    assert_int_equal(eo_linesearch_kind_from_name("x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conditions_rosenbrock),
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
