/* Derivative-free and global methods: Nelder-Mead reaches the analytic minima;
 * on 2-D Rastrigin plain gradient descent (fixed step) from (2.5, 2.5) stops in a local
 * minimum while simulated annealing and random restarts (seeded) find the
 * global minimum at the origin; results are reproducible for a seed. */
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

static eo_objective obj_of(counted *c, const char *spec)
{
    assert_int_equal(eo_testfn_parse(spec, &c->t, NULL), EO_OK);
    c->calls = 0;
    eo_objective o = {c->t.n, counted_f, NULL, NULL, c};
    return o;
}

static void nm_to(const char *mspec, const char *fspec, double tol, long max_iter)
{
    counted c;
    eo_objective o = obj_of(&c, fspec);
    double x[16];
    eo_testfn_start(&c.t, x);
    eo_minimize_params p;
    assert_int_equal(eo_minimize_parse(mspec, &p, NULL), EO_OK);
    eo_stop s = eo_stop_defaults();
    s.max_iter = max_iter;
    eo_result r;
    int st = eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL);
    if (st != EO_STOP_XTOL)
        fail_msg("%s on %s: %s after %ld iterations (f = %g)", mspec, fspec, eo_stop_reason_name(st),
                 r.iterations, r.f);
    assert_int_equal(r.evaluations, c.calls);
    assert_true(isnan(r.grad_norm));
    double best = HUGE_VAL;
    for (int k = 0; k < c.t.info->npoints; k++) {
        if (c.t.info->points[k].kind != EO_POINT_MINIMUM) continue;
        double xm[16], d = 0;
        eo_testfn_point_x(&c.t, k, xm);
        for (size_t i = 0; i < c.t.n; i++) d = fmax(d, fabs(x[i] - xm[i]));
        best = fmin(best, d);
    }
    if (best > tol) fail_msg("%s on %s: %g from the nearest minimum", mspec, fspec, best);
}

static void test_nelder_mead(void **state)
{
    (void)state;
    nm_to("nelder-mead", "rosenbrock", 1e-6, 5000);
    nm_to("nelder-mead", "himmelblau", 1e-6, 5000);
    nm_to("nelder-mead", "beale", 1e-6, 5000);
    nm_to("nelder-mead", "booth", 1e-6, 5000);
    nm_to("nelder-mead", "rosenbrock-ext:dim=4", 1e-5, 20000);
    nm_to("nelder-mead:adaptive=0", "rosenbrock", 1e-6, 5000);
    /* Gao & Han's adaptive coefficients keep the method working in 10-D */
    nm_to("nelder-mead", "quadratic:dim=10,cond=10", 1e-5, 50000);
    /* budget */
    counted c;
    eo_objective o = obj_of(&c, "rosenbrock");
    double x[2] = {-1.2, 1};
    eo_minimize_params p = eo_minimize_defaults(EO_MIN_NELDER_MEAD);
    eo_stop s = eo_stop_defaults();
    s.max_evals = 30;
    eo_result r;
    assert_int_equal(eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_MAX_EVALS);
    assert_true(r.evaluations <= 30 && r.evaluations == c.calls);
}

static void test_rastrigin_global(void **state)
{
    (void)state;
    counted c;
    eo_objective o = obj_of(&c, "rastrigin");
    const double start[2] = {2.5, 2.5};
    eo_stop s = eo_stop_defaults();
    s.gtol = 1e-7;
    s.max_iter = 20000;
    eo_result r;
    double x[2];

    /* plain gradient descent (fixed step): stuck in a local minimum */
    memcpy(x, start, sizeof x);
    eo_minimize_params gd;
    assert_int_equal(eo_minimize_parse("sgd:lr=0.002", &gd, NULL), EO_OK);
    assert_int_equal(eo_minimize(&gd, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_true(r.f > 1.0);                              /* not the global value 0 */
    assert_true(fabs(x[0]) > 0.5 || fabs(x[1]) > 0.5);  /* away from the origin */
    int kind = eo_landscape_classify(&o, x, 0, NULL, NULL, NULL, NULL);
    assert_int_equal(kind, EO_POINT_MINIMUM);           /* a genuine local minimum */
    /* L-BFGS alone from the same start: also a local minimum */
    memcpy(x, start, sizeof x);
    eo_minimize_params lb = eo_minimize_defaults(EO_MIN_LBFGS);
    assert_int_equal(eo_minimize(&lb, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    assert_true(r.f > 1.0);

    /* simulated annealing + polish, box = the function's domain */
    double lo[2] = {-5.12, -5.12}, hi[2] = {5.12, 5.12};
    int found = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        eo_minimize_params an = eo_minimize_defaults(EO_MIN_ANNEAL);
        an.seed = seed;
        an.lower = lo;
        an.upper = hi;
        memcpy(x, start, sizeof x);
        c.calls = 0;
        int st = eo_minimize(&an, &o, x, &s, NULL, NULL, &r, NULL);
        if (st != EO_STOP_GTOL) fail_msg("anneal seed %d: %s, f = %g", (int)seed, eo_stop_reason_name(st), r.f);
        if (r.f < 1e-12 && fabs(x[0]) < 1e-6 && fabs(x[1]) < 1e-6) found++;
        else assert_true(r.f < 2.0); /* a failure still ends in a neighbouring basin */
        assert_int_equal(r.evaluations, c.calls);
        assert_true(r.iterations > an.anneal_steps);
    }
    /* stochastic: the global minimum for at least 9 of 10 seeds (97 of 100 measured) */
    if (found < 9) fail_msg("annealing found the global minimum for %d of 10 seeds", found);
    /* random restarts of L-BFGS */
    eo_minimize_params rs = eo_minimize_defaults(EO_MIN_RESTARTS);
    rs.lower = lo;
    rs.upper = hi;
    rs.restarts = 300;
    rs.seed = 5;
    memcpy(x, start, sizeof x);
    assert_int_equal(eo_minimize(&rs, &o, x, &s, NULL, NULL, &r, NULL), EO_STOP_GTOL);
    if (!(r.f < 1e-12 && fabs(x[0]) < 1e-6 && fabs(x[1]) < 1e-6))
        fail_msg("restarts: f = %g at (%g, %g)", r.f, x[0], x[1]);
    /* same seed, same answer, bit for bit */
    double x2[2] = {start[0], start[1]};
    eo_result r2;
    assert_int_equal(eo_minimize(&rs, &o, x2, &s, NULL, NULL, &r2, NULL), EO_STOP_GTOL);
    assert_true(x2[0] == x[0] && x2[1] == x[1] && r2.evaluations == r.evaluations);
    /* restarts with Nelder-Mead as the local method, stopping at a target */
    rs.local_method = EO_MIN_NELDER_MEAD;
    eo_stop st2 = s;
    st2.has_target = 1;
    st2.f_target = 1e-6;
    memcpy(x, start, sizeof x);
    assert_int_equal(eo_minimize(&rs, &o, x, &st2, NULL, NULL, &r, NULL), EO_STOP_TARGET);
    assert_true(r.f <= 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nelder_mead),
        cmocka_unit_test(test_rastrigin_global),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
