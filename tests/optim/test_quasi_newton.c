/* Gradient methods through eo_minimize: GD, Newton, BFGS, L-BFGS, CG (FR and
 * PR+) reach the analytic minimisers of the test functions; Newton's Hessian
 * modification escapes maxima and saddles; every eo_stop criterion fires and
 * is reported; evaluations are counted exactly; the float32 L-BFGS reaches
 * Rosenbrock's minimum without a line-search failure. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"

typedef struct {
    eo_testfn t;
    long calls;
} counted;

static double counted_f(size_t n, const double *x, double *g, void *user)
{
    counted *c = user;
    c->calls++;
    return eo_testfn_eval(n, x, g, &c->t);
}

static void counted_h(size_t n, const double *x, double *H, void *user)
{
    counted *c = user;
    eo_testfn_hess(n, x, H, &c->t);
}

static eo_objective counted_obj(counted *c, const char *spec)
{
    assert_int_equal(eo_testfn_parse(spec, &c->t, NULL), EO_OK);
    c->calls = 0;
    eo_objective o = {c->t.n, counted_f, NULL, counted_h, c};
    return o;
}

static eo_minimize_params method(const char *spec)
{
    eo_minimize_params p;
    eo_error e;
    if (eo_minimize_parse(spec, &p, &e)) fail_msg("%s: %s", spec, e.msg);
    return p;
}

static void run_to_min(const char *mspec, const char *fspec, double gtol, long max_iter,
                       double xtol_expect)
{
    counted c;
    eo_objective o = counted_obj(&c, fspec);
    double x[64];
    eo_testfn_start(&c.t, x);
    eo_minimize_params p = method(mspec);
    eo_stop s = eo_stop_defaults();
    s.gtol = gtol;
    s.max_iter = max_iter;
    eo_result r;
    eo_error e;
    int st = eo_minimize(&p, &o, x, &s, NULL, NULL, &r, &e);
    if (st != EO_STOP_GTOL)
        fail_msg("%s on %s: stopped with %s (%d) after %ld iterations, f = %g, |g| = %g", mspec,
                 fspec, eo_stop_reason_name(st), st, r.iterations, r.f, r.grad_norm);
    assert_int_equal(r.reason, st);
    assert_int_equal(r.evaluations, c.calls);
    assert_true(r.grad_norm <= gtol);
    /* the nearest listed minimum */
    double best = HUGE_VAL;
    for (int k = 0; k < c.t.info->npoints; k++) {
        if (c.t.info->points[k].kind != EO_POINT_MINIMUM) continue;
        double xm[64], dist = 0.0;
        eo_testfn_point_x(&c.t, k, xm);
        for (size_t i = 0; i < c.t.n; i++) dist = fmax(dist, fabs(x[i] - xm[i]));
        best = fmin(best, dist);
    }
    if (best > xtol_expect) fail_msg("%s on %s: %g from the nearest minimum", mspec, fspec, best);
    EO_ASSERT_CLOSE(r.f, eo_testfn_eval(c.t.n, x, NULL, &c.t), 0, 0);
}

static void test_reach_minima(void **state)
{
    (void)state;
    const char *methods[] = {"newton", "bfgs", "lbfgs", "lbfgs:m=3", "cg:variant=pr",
                             "cg:variant=fr", "bfgs:ls=armijo", "lbfgs:ls=armijo"};
    for (size_t k = 0; k < sizeof methods / sizeof *methods; k++) {
        run_to_min(methods[k], "rosenbrock", 1e-8, 5000, 1e-6);
        run_to_min(methods[k], "rosenbrock-ext:dim=10", 1e-8, 20000, 1e-6);
        run_to_min(methods[k], "rosenbrock:dim=3", 1e-8, 20000, 1e-6);
        run_to_min(methods[k], "quadratic:dim=20,cond=1000", 1e-9, 5000, 1e-8);
        run_to_min(methods[k], "himmelblau", 1e-9, 5000, 1e-8);
        run_to_min(methods[k], "beale", 1e-9, 5000, 1e-7);
        run_to_min(methods[k], "booth", 1e-9, 5000, 1e-8);
        run_to_min(methods[k], "styblinski-tang:dim=5", 1e-9, 5000, 1e-8);
    }
    run_to_min("gd", "quadratic:dim=5,cond=10", 1e-8, 5000, 1e-8);
    run_to_min("gd", "himmelblau", 1e-8, 5000, 1e-8);
    run_to_min("gd", "booth", 1e-8, 5000, 1e-8);
    run_to_min("gd", "rosenbrock", 1e-4, 100000, 1e-3);
    run_to_min("gd:ls=armijo", "himmelblau", 1e-8, 5000, 1e-8);
}

static void test_newton_quadratic_one_step(void **state)
{
    (void)state;
    counted c;
    eo_objective o = counted_obj(&c, "quadratic:dim=8,cond=1e6");
    double x[8];
    eo_testfn_start(&c.t, x);
    eo_minimize_params p = method("newton");
    eo_stop s = eo_stop_defaults();
    s.gtol = 1e-9;
    eo_result r;
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_int_equal(r.iterations, 1);
    for (int i = 0; i < 8; i++) assert_true(fabs(x[i]) < 1e-12);
    /* Without the Hessian callback: central differences of the gradient. */
    o.hess = NULL;
    eo_testfn_start(&c.t, x);
    c.calls = 0;
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_true(r.iterations <= 2);
    assert_int_equal(r.evaluations, c.calls);
    assert_true(r.evaluations >= 1 + 16);
}

static void test_newton_modification(void **state)
{
    (void)state;
    /* Near Himmelblau's local maximum, pure Newton would converge to it: the
     * modified Newton direction is a descent direction and ends in a minimum. */
    counted c;
    eo_objective o = counted_obj(&c, "himmelblau");
    double x[2] = {-0.2708445906673476 + 0.01, -0.9230385564799815 - 0.01};
    eo_minimize_params p = method("newton");
    eo_stop s = eo_stop_defaults();
    s.gtol = 1e-9;
    eo_result r;
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_true(r.f < 1e-12);
    /* Near a saddle too. */
    x[0] = 0.08667750455539634 + 1e-3;
    x[1] = 2.884254701174776;
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_true(r.f < 1e-12);
    /* On x^2 - y^2 (unbounded below) f must decrease every iteration. */
    eo_objective o2 = counted_obj(&c, "saddle");
    x[0] = 1.0;
    x[1] = 0.1;
    s.max_iter = 5;
    assert_int_equal(eo_minimize(&p, &o2, x, &s, NULL, NULL, &r, NULL), EO_STOP_MAX_ITER);
    assert_true(r.f < -1.0);
}

typedef struct {
    long calls;
    long last_iter;
    long stop_at;
    int ordered;
} tracer;

static int trace_cb(long iter, size_t n, const double *x, double f, double gn, void *user)
{
    (void)n;
    (void)x;
    (void)gn;
    tracer *t = user;
    if (iter != t->last_iter + 1 || !isfinite(f)) t->ordered = 0;
    t->last_iter = iter;
    t->calls++;
    return t->stop_at >= 0 && iter >= t->stop_at;
}

static void test_stop_criteria(void **state)
{
    (void)state;
    const char *methods[] = {"gd", "newton", "bfgs", "lbfgs", "cg"};
    for (size_t k = 0; k < sizeof methods / sizeof *methods; k++) {
        eo_minimize_params p = method(methods[k]);
        counted c;
        eo_objective o = counted_obj(&c, "rosenbrock-ext:dim=6");
        double x[6];
        eo_result r;
        eo_stop s;
        tracer tr;
        /* max_iter, with the trace called for iterations 0..max_iter */
        eo_testfn_start(&c.t, x);
        s = eo_stop_defaults();
        s.max_iter = 7;
        s.gtol = 0;
        tr = (tracer){0, -1, -1, 1};
        assert_int_equal(eo_minimize(&p, &o, x, &s, trace_cb, &tr, &r, NULL), EO_STOP_MAX_ITER);
        assert_int_equal(r.iterations, 7);
        assert_int_equal(tr.calls, 8);
        assert_true(tr.ordered);
        /* max_evals: never more evaluations than allowed */
        eo_testfn_start(&c.t, x);
        c.calls = 0;
        s = eo_stop_defaults();
        s.max_evals = 25;
        s.gtol = 0;
        s.max_iter = 100000;
        int st = eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL);
        assert_int_equal(st, EO_STOP_MAX_EVALS);
        assert_int_equal(r.evaluations, c.calls);
        if (strcmp(methods[k], "newton")) assert_true(r.evaluations <= 25);
        /* ftol */
        eo_testfn_start(&c.t, x);
        s = eo_stop_defaults();
        s.gtol = 0;
        s.ftol_rel = 1e-3;
        s.max_iter = 100000;
        assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_FTOL);
        /* xtol */
        eo_testfn_start(&c.t, x);
        s = eo_stop_defaults();
        s.gtol = 0;
        s.xtol = 1e-3;
        s.max_iter = 100000;
        assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_XTOL);
        /* target */
        eo_testfn_start(&c.t, x);
        s = eo_stop_defaults();
        s.gtol = 0;
        s.has_target = 1;
        s.f_target = 1.0;
        s.max_iter = 100000;
        assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_TARGET);
        assert_true(r.f <= 1.0);
        /* callback */
        eo_testfn_start(&c.t, x);
        s = eo_stop_defaults();
        tr = (tracer){0, -1, 3, 1};
        assert_int_equal(eo_minimize(&p, &o, x, &s, trace_cb, &tr, &r, NULL), EO_STOP_CALLBACK);
        assert_int_equal(r.iterations, 3);
        /* gtol at the start: zero iterations */
        double xm[6] = {1, 1, 1, 1, 1, 1};
        s = eo_stop_defaults();
        assert_int_equal(eo_minimize(&p, &o, xm, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
        assert_int_equal(r.iterations, 0);
    }
}

static void test_errors(void **state)
{
    (void)state;
    counted c;
    eo_objective o = counted_obj(&c, "rosenbrock");
    double x[2] = {NAN, 0};
    eo_minimize_params p = eo_minimize_defaults(EO_MIN_LBFGS);
    eo_error e;
    assert_int_equal(eo_minimize(&p, &o, x, NULL, NULL, NULL, NULL, &e), EO_ERR_NUMERIC);
    x[0] = 0;
    p.lbfgs_m = 0;
    assert_int_equal(eo_minimize(&p, &o, x, NULL, NULL, NULL, NULL, &e), EO_ERR_INVALID);
    assert_non_null(eo_minimize_check(&p));
    p = eo_minimize_defaults(EO_MIN_LBFGS);
    p.ls.c2 = 1e-5;
    assert_non_null(eo_minimize_check(&p));
    eo_stop s = eo_stop_defaults();
    s.max_iter = 0;
    p = eo_minimize_defaults(EO_MIN_LBFGS);
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, NULL, &e), EO_ERR_INVALID);
    for (int m = 0; m < EO_MIN_COUNT; m++)
        assert_int_equal(eo_min_method_from_name(eo_min_method_name(m)), m);
    for (int r = 0; r < EO_STOP_COUNT; r++) assert_string_not_equal(eo_stop_reason_name(r), "unknown");
    assert_true(eo_stop_reason_converged(EO_STOP_GTOL) && !eo_stop_reason_converged(EO_STOP_MAX_ITER));
}

/* Rosenbrock computed in float32 throughout. */
static float rosen_f32(size_t n, const float *x, float *g, void *user)
{
    (void)user;
    float f = 0.0f;
    if (g) memset(g, 0, n * sizeof *g);
    for (size_t i = 0; i + 1 < n; i++) {
        float a = x[i + 1] - x[i] * x[i], b = 1.0f - x[i];
        f += 100.0f * a * a + b * b;
        if (g) {
            g[i] += -400.0f * x[i] * a - 2.0f * b;
            g[i + 1] += 200.0f * a;
        }
    }
    return f;
}

static void test_lbfgs_f32(void **state)
{
    (void)state;
    size_t dims[] = {2, 10, 100};
    for (size_t k = 0; k < 3; k++) {
        size_t n = dims[k];
        float x[100];
        for (size_t i = 0; i < n; i++) x[i] = i % 2 ? 1.0f : -1.2f;
        eo_lbfgs_f32_params p = eo_lbfgs_f32_defaults();
        eo_stop s = eo_stop_defaults();
        s.gtol = 1e-4; /* float32 gradient noise near the minimum is ~1e-5 */
        s.max_iter = 10000;
        eo_result r;
        eo_error e;
        int st = eo_lbfgs_f32(&p, n, rosen_f32, NULL, x, &s, &r, &e);
        if (st != EO_STOP_GTOL)
            fail_msg("n=%zu: %s after %ld iterations, f=%g |g|=%g", n, eo_stop_reason_name(st),
                     r.iterations, r.f, r.grad_norm);
        for (size_t i = 0; i < n; i++)
            if (fabsf(x[i] - 1.0f) > 1e-4f) fail_msg("n=%zu: x[%zu] = %.9g", n, i, x[i]);
        assert_true(r.f < 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reach_minima),
        cmocka_unit_test(test_newton_quadratic_one_step),
        cmocka_unit_test(test_newton_modification),
        cmocka_unit_test(test_stop_criteria),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_lbfgs_f32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
