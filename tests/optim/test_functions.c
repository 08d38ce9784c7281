/* Test functions: gradients and Hessians against central finite differences
 * at random points (with a guard that they are not trivially zero), the listed
 * stationary points (value as stated, gradient ~0), the spec parser and its
 * errors. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/functions.h"

#define NMAX 6

static double fd_grad_err(const eo_testfn *t, const double *x, double *gnorm)
{
    size_t n = t->n;
    double g[NMAX], xp[NMAX], num = 0.0, den = 0.0;
    eo_testfn_eval(n, x, g, (void *)t);
    memcpy(xp, x, n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double h = 1e-6 * fmax(1.0, fabs(x[i]));
        xp[i] = x[i] + h;
        double fp = eo_testfn_eval(n, xp, NULL, (void *)t);
        xp[i] = x[i] - h;
        double fm = eo_testfn_eval(n, xp, NULL, (void *)t);
        xp[i] = x[i];
        double fd = (fp - fm) / (2.0 * h);
        num += (fd - g[i]) * (fd - g[i]);
        den += g[i] * g[i];
    }
    *gnorm = sqrt(den);
    return sqrt(num) / fmax(1.0, sqrt(den));
}

static double fd_hess_err(const eo_testfn *t, const double *x, double *hnorm)
{
    size_t n = t->n;
    double H[NMAX * NMAX], gp[NMAX], gm[NMAX], xp[NMAX], num = 0.0, den = 0.0;
    eo_testfn_hess(n, x, H, (void *)t);
    memcpy(xp, x, n * sizeof *x);
    for (size_t j = 0; j < n; j++) {
        double h = 1e-5 * fmax(1.0, fabs(x[j]));
        xp[j] = x[j] + h;
        eo_testfn_eval(n, xp, gp, (void *)t);
        xp[j] = x[j] - h;
        eo_testfn_eval(n, xp, gm, (void *)t);
        xp[j] = x[j];
        for (size_t i = 0; i < n; i++) {
            double fd = (gp[i] - gm[i]) / (2.0 * h);
            double e = fd - H[i * n + j];
            num += e * e;
            den += H[i * n + j] * H[i * n + j];
        }
    }
    *hnorm = sqrt(den);
    return sqrt(num) / fmax(1.0, sqrt(den));
}

static void test_derivatives(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 7);
    for (size_t k = 0; k < eo_testfn_count(); k++) {
        const eo_testfn_info *info = eo_testfn_info_at(k);
        size_t dims[2] = {2, 6};
        for (int di = 0; di < (info->dim ? 1 : 2); di++) {
            eo_testfn t = {info, info->dim ? info->dim : dims[di], 37.0};
            int nonzero = 0;
            for (int trial = 0; trial < 20; trial++) {
                double x[NMAX];
                for (size_t i = 0; i < t.n; i++)
                    x[i] = info->lo + (info->hi - info->lo) * eo_rng_uniform(&r);
                double gn, hn;
                double eg = fd_grad_err(&t, x, &gn);
                double eh = fd_hess_err(&t, x, &hn);
                if (eg > 1e-6 || eh > 1e-5)
                    fail_msg("%s n=%zu: gradient error %g, Hessian error %g", info->name, t.n, eg, eh);
                if (gn > 1e-3 && hn > 1e-3) nonzero++;
            }
            if (nonzero < 15) fail_msg("%s: gradient/Hessian trivially zero", info->name);
        }
    }
}

static void test_known_points(void **state)
{
    (void)state;
    for (size_t k = 0; k < eo_testfn_count(); k++) {
        const eo_testfn_info *info = eo_testfn_info_at(k);
        for (size_t n = 2; n <= (info->dim ? 2 : 6); n += 2) {
            eo_testfn t = {info, n, 100.0};
            int globals = 0;
            for (int p = 0; p < info->npoints; p++) {
                double x[NMAX], g[NMAX];
                double fstated = eo_testfn_point_x(&t, p, x);
                double f = eo_testfn_eval(n, x, g, &t);
                double gn = 0.0;
                for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
                gn = sqrt(gn);
                if (fabs(f - fstated) > 1e-12 * fmax(1.0, fabs(fstated)))
                    fail_msg("%s n=%zu point %d: f = %.17g, stated %.17g", info->name, n, p, f, fstated);
                if (gn > 1e-9 * fmax(1.0, fabs(fstated)))
                    fail_msg("%s n=%zu point %d: |grad| = %g", info->name, n, p, gn);
                if (info->points[p].global) {
                    globals++;
                    assert_true(info->points[p].kind == EO_POINT_MINIMUM);
                    EO_ASSERT_CLOSE(eo_testfn_fmin(&t), fstated, 1e-15, 1e-15);
                }
            }
            if (info->has_minimum) assert_true(globals >= 1);
            else assert_true(eo_testfn_fmin(&t) == -HUGE_VAL);
            /* The start point lies in the plot domain and is not a stationary point. */
            double x[NMAX], g[NMAX];
            eo_testfn_start(&t, x);
            for (size_t i = 0; i < n; i++) assert_true(x[i] >= info->lo && x[i] <= info->hi);
            eo_testfn_eval(n, x, g, &t);
            double gn = 0.0;
            for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
            assert_true(sqrt(gn) > 1e-3);
        }
    }
    /* Himmelblau has four global minima, all with value 0. */
    const eo_testfn_info *h = eo_testfn_lookup("himmelblau");
    int mins = 0;
    for (int p = 0; p < h->npoints; p++) mins += h->points[p].global;
    assert_int_equal(mins, 4);
}

static void test_quadratic_condition(void **state)
{
    (void)state;
    eo_testfn t;
    eo_error e;
    assert_int_equal(eo_testfn_parse("quadratic:dim=5,cond=100", &t, &e), EO_OK);
    assert_int_equal(t.n, 5);
    double H[25], x[5] = {0};
    eo_testfn_hess(5, x, H, &t);
    double lo = HUGE_VAL, hi = 0.0;
    for (int i = 0; i < 5; i++) {
        lo = fmin(lo, H[i * 5 + i]);
        hi = fmax(hi, H[i * 5 + i]);
    }
    EO_ASSERT_CLOSE(hi / lo, 100.0, 1e-12, 0);
    EO_ASSERT_CLOSE(lo, 1.0, 1e-15, 0);
}

static void expect_err(const char *spec, int code, long column)
{
    eo_testfn t;
    eo_error e;
    eo_error_clear(&e);
    int st = eo_testfn_parse(spec, &t, &e);
    if (st != code || e.column != column)
        fail_msg("'%s': status %d column %ld (%s), expected %d column %ld", spec, st, e.column, e.msg,
                 code, column);
}

static void test_parse(void **state)
{
    (void)state;
    eo_testfn t;
    eo_error e;
    assert_int_equal(eo_testfn_parse("rosenbrock", &t, &e), EO_OK);
    assert_int_equal(t.n, 2);
    assert_int_equal(eo_testfn_parse("rosenbrock:dim=1000", &t, &e), EO_OK);
    assert_int_equal(t.n, 1000);
    assert_int_equal(eo_testfn_parse("himmelblau:dim=2", &t, &e), EO_OK);
    expect_err("nosuch", EO_ERR_NOT_FOUND, 1);
    expect_err("himmelblau:dim=3", EO_ERR_INVALID, 16);
    expect_err("rosenbrock:dimm=3", EO_ERR_PARSE, 12);
    expect_err("rosenbrock-ext:dim=3", EO_ERR_INVALID, 20);
    expect_err("quadratic:cond=0.5", EO_ERR_INVALID, 16);
    expect_err("quadratic:cond=abc", EO_ERR_PARSE, 16);
    expect_err("booth:cond=2", EO_ERR_PARSE, 7);
    expect_err("rosenbrock:", EO_ERR_PARSE, 12);
    expect_err("rosenbrock:dim=2,", EO_ERR_PARSE, 18);
    expect_err("rosenbrock:dim", EO_ERR_PARSE, 12);
    expect_err(":dim=2", EO_ERR_PARSE, 1);
    for (size_t k = 0; k < eo_testfn_count(); k++)
        assert_ptr_equal(eo_testfn_lookup(eo_testfn_info_at(k)->name), eo_testfn_info_at(k));
    assert_null(eo_testfn_info_at(eo_testfn_count()));
    assert_string_equal(eo_point_kind_name(EO_POINT_SADDLE), "saddle");
    assert_int_equal(eo_point_kind_from_name("maximum"), EO_POINT_MAXIMUM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derivatives),
        cmocka_unit_test(test_known_points),
        cmocka_unit_test(test_quadratic_condition),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
