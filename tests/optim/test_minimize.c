/* The driver and the landscape tools: Jacobi eigenvalues (A V = V diag(w),
 * V orthogonal, known spectra), classification of every stationary point
 * listed in the test-function table (analytic and finite-difference
 * Hessians), the minimizer spec parser with its errors, and first-order
 * optimizers with schedules driven through eo_minimize. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"

static void test_eigen(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 11);
    for (size_t n = 1; n <= 9; n += 2) {
        double A[81], V[81], w[9];
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++) A[i * n + j] = A[j * n + i] = eo_rng_normal(&r);
        assert_int_equal(eo_eigen_sym(n, A, w, V, NULL, NULL), EO_OK);
        for (size_t i = 1; i < n; i++) assert_true(w[i - 1] <= w[i]);
        double tr = 0, sw = 0;
        for (size_t i = 0; i < n; i++) {
            tr += A[i * n + i];
            sw += w[i];
        }
        EO_ASSERT_CLOSE(sw, tr, 1e-12, 1e-12);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double av = 0, vtv = 0;
                for (size_t k = 0; k < n; k++) {
                    av += A[i * n + k] * V[k * n + j];
                    vtv += V[k * n + i] * V[k * n + j];
                }
                EO_ASSERT_CLOSE(av, V[i * n + j] * w[j], 0, 1e-12);
                EO_ASSERT_CLOSE(vtv, i == j ? 1.0 : 0.0, 0, 1e-12);
            }
    }
    /* [[2,1],[1,2]] has eigenvalues 1 and 3; a rotated diag(-4, 0.5, 7) */
    double B[4] = {2, 1, 1, 2}, w2[2];
    assert_int_equal(eo_eigen_sym(2, B, w2, NULL, NULL, NULL), EO_OK);
    EO_ASSERT_CLOSE(w2[0], 1.0, 1e-15, 1e-15);
    EO_ASSERT_CLOSE(w2[1], 3.0, 1e-15, 1e-15);
    double c = cos(0.3), s = sin(0.3), Q[9] = {c, -s, 0, s, c, 0, 0, 0, 1}, d[3] = {-4, 0.5, 7}, C[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            C[i * 3 + j] = 0;
            for (int k = 0; k < 3; k++) C[i * 3 + j] += Q[i * 3 + k] * d[k] * Q[j * 3 + k];
        }
    double w3[3];
    assert_int_equal(eo_eigen_sym(3, C, w3, NULL, NULL, NULL), EO_OK);
    for (int i = 0; i < 3; i++) EO_ASSERT_CLOSE(w3[i], (i == 0 ? -4 : (i == 1 ? 0.5 : 7)), 1e-14, 1e-14);
    double bad[1] = {NAN};
    assert_int_equal(eo_eigen_sym(1, bad, w3, NULL, NULL, NULL), EO_ERR_NUMERIC);
}

static void test_classify_table(void **state)
{
    (void)state;
    int seen[EO_POINT_COUNT] = {0};
    for (size_t k = 0; k < eo_testfn_count(); k++) {
        const eo_testfn_info *info = eo_testfn_info_at(k);
        for (size_t n = 2; n <= (info->dim ? 2 : 4); n += 2) {
            eo_testfn t = {info, n, 50.0};
            eo_objective o = eo_testfn_objective(&t);
            if (!strcmp(info->name, "ackley")) continue; /* not twice differentiable at its minimum */
            for (int p = 0; p < info->npoints; p++) {
                double x[4], w[4], gn;
                eo_testfn_point_x(&t, p, x);
                for (int fd = 0; fd < 2; fd++) {
                    eo_objective oo = o;
                    if (fd) oo.hess = NULL;
                    int kind = eo_landscape_classify(&oo, x, 0, w, &gn, NULL, NULL);
                    if (kind != info->points[p].kind)
                        fail_msg("%s n=%zu point %d: classified %s, table says %s (eigenvalues %g %g)",
                                 info->name, n, p, eo_point_kind_name(kind),
                                 eo_point_kind_name(info->points[p].kind), w[0], w[n - 1]);
                    assert_true(gn < 1e-8);
                    seen[kind]++;
                }
            }
        }
    }
    for (int k = 0; k < EO_POINT_COUNT; k++) assert_true(seen[k] > 0); /* every class occurs */
}

static void test_parse(void **state)
{
    (void)state;
    eo_minimize_params p;
    eo_error e;
    assert_int_equal(eo_minimize_parse("lbfgs:m=7", &p, &e), EO_OK);
    assert_int_equal(p.method, EO_MIN_LBFGS);
    assert_int_equal(p.lbfgs_m, 7);
    assert_int_equal(eo_minimize_parse("cg:variant=fr,restart=5", &p, &e), EO_OK);
    assert_int_equal(p.cg_variant, EO_CG_FR);
    assert_int_equal(p.cg_restart, 5);
    assert_int_equal(eo_minimize_parse("gd:ls=armijo,c1=0.01", &p, &e), EO_OK);
    assert_int_equal(p.ls.kind, EO_LS_ARMIJO);
    EO_ASSERT_CLOSE(p.ls.c1, 0.01, 0, 0);
    assert_int_equal(eo_minimize_parse("adam:lr=0.01", &p, &e), EO_OK);
    assert_int_equal(p.method, EO_MIN_FIRST_ORDER);
    assert_int_equal(p.first_order.kind, EO_OPTIM_ADAM);
    EO_ASSERT_CLOSE(p.first_order.lr, 0.01, 0, 0);
    assert_int_equal(eo_minimize_parse("nesterov", &p, &e), EO_OK);
    assert_true(p.first_order.nesterov);
    assert_int_equal(eo_minimize_parse("anneal:seed=3,steps=100,T0=2", &p, &e), EO_OK);
    assert_true(p.seed == 3 && p.anneal_steps == 100 && p.anneal_T0 == 2.0);
    assert_int_equal(eo_minimize_parse("restarts:n=4,local=nelder-mead", &p, &e), EO_OK);
    assert_true(p.restarts == 4 && p.local_method == EO_MIN_NELDER_MEAD);
    struct {
        const char *spec;
        int code;
        long col;
    } bad[] = {
        {"nosuch", EO_ERR_NOT_FOUND, 1},      {"lbfgs:m=0", EO_ERR_INVALID, 9},
        {"lbfgs:mm=3", EO_ERR_PARSE, 7},      {"cg:variant=xx", EO_ERR_PARSE, 12},
        {"gd:ls=nope", EO_ERR_PARSE, 7},      {"bfgs:m=3", EO_ERR_PARSE, 6},
        {"lbfgs:m=abc", EO_ERR_PARSE, 9},     {"adam:lr=-1", 0, 0},
        {"anneal:T0=1,Tmin=2", EO_ERR_INVALID, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        eo_error_clear(&e);
        int st = eo_minimize_parse(bad[i].spec, &p, &e);
        if (bad[i].code == 0) {
            assert_true(st < 0); /* lane C's parser reports it */
            continue;
        }
        if (st != bad[i].code || e.column != bad[i].col)
            fail_msg("'%s': %d col %ld (%s), expected %d col %ld", bad[i].spec, st, e.column, e.msg,
                     bad[i].code, bad[i].col);
    }
}

typedef struct {
    long rows;
    double lr_seen;
} tcount;

static int count_rows(long it, size_t n, const double *x, double f, double gn, void *user)
{
    (void)it;
    (void)n;
    (void)x;
    (void)f;
    (void)gn;
    ((tcount *)user)->rows++;
    return 0;
}

static void test_first_order_driver(void **state)
{
    (void)state;
    eo_testfn t;
    assert_int_equal(eo_testfn_parse("rosenbrock", &t, NULL), EO_OK);
    eo_objective o = eo_testfn_objective(&t);
    /* Adam on Rosenbrock from (-1.5, 2): 5000 steps of lr 0.01 get close to (1, 1) */
    eo_minimize_params p;
    assert_int_equal(eo_minimize_parse("adam:lr=0.01", &p, NULL), EO_OK);
    double x[2] = {-1.5, 2.0};
    eo_stop s = eo_stop_defaults();
    s.max_iter = 5000;
    s.gtol = 1e-8;
    eo_result r;
    tcount tc = {0, 0};
    int st = eo_minimize(&p, &o, x, &s, count_rows, &tc, &r, NULL);
    assert_true(st == EO_STOP_MAX_ITER || st == EO_STOP_GTOL);
    assert_true(r.f < 1e-3);
    assert_int_equal(tc.rows, r.iterations + 1);
    assert_int_equal(r.evaluations, r.iterations + 1);
    /* a schedule: cosine to 0 over the run; still converging, fewer wiggles */
    assert_int_equal(eo_schedule_parse("cosine:T=5000", &p.schedule, NULL), EO_OK);
    p.has_schedule = 1;
    x[0] = -1.5;
    x[1] = 2.0;
    st = eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL);
    assert_true(r.f < 1e-2);
    /* divergence is an error, and x holds the best point seen */
    assert_int_equal(eo_minimize_parse("sgd:lr=0.1", &p, NULL), EO_OK);
    x[0] = -1.5;
    x[1] = 2.0;
    eo_error e;
    st = eo_minimize(&p, &o, x, &s, NULL, NULL, &r, &e);
    assert_int_equal(st, EO_ERR_NUMERIC);
    assert_true(isfinite(x[0]) && isfinite(x[1]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eigen),
        cmocka_unit_test(test_classify_table),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_first_order_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
