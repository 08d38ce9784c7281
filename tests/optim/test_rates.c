/* Measured convergence rates on quadratics f = 1/2 sum lambda_i x_i^2 with
 * lambda from mu = 1 to L = kappa (x* = 0), run through eo_minimize with the
 * first-order optimizers of optim.h, against the theory (Polyak, Introduction
 * to Optimization, 1987; Lessard, Recht & Packard, SIAM J. Optim. 26, 2016):
 *   gradient descent, step 2/(L+mu):                 (kappa-1)/(kappa+1)
 *   heavy ball, step 4/(sqrt L+sqrt mu)^2,
 *     momentum ((sqrt kappa-1)/(sqrt kappa+1))^2:    (sqrt kappa-1)/(sqrt kappa+1)
 *   Nesterov, step 1/L, momentum (sqrt kappa-1)/(sqrt kappa+1): 1 - 1/sqrt kappa
 *   Nesterov, step 4/(3L+mu), momentum (sqrt(3 kappa+1)-2)/(sqrt(3 kappa+1)+2):
 *                                                    1 - 2/sqrt(3 kappa+1)
 * The rate is measured on ||x_k|| by eo_rate_measure over a late window. The
 * accelerated methods need O(sqrt kappa) iterations per digit instead of
 * O(kappa): the test checks that ratio too. */
#include <stdio.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"

#define KMAX 3000

typedef struct {
    double e[KMAX + 1];
    long n;
} errs;

static int record(long it, size_t n, const double *x, double f, double gn, void *user)
{
    (void)f;
    (void)gn;
    errs *E = user;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    if (it <= KMAX) E->e[it] = sqrt(s);
    E->n = it + 1;
    return 0;
}

static double measure(const char *spec, double kappa, long iters, long k0)
{
    char fs[64];
    snprintf(fs, sizeof fs, "quadratic:dim=12,cond=%.17g", kappa);
    eo_testfn t;
    assert_int_equal(eo_testfn_parse(fs, &t, NULL), EO_OK);
    eo_objective o = eo_testfn_objective(&t);
    eo_minimize_params p;
    eo_error e;
    if (eo_minimize_parse(spec, &p, &e)) fail_msg("%s: %s", spec, e.msg);
    double x[12];
    for (int i = 0; i < 12; i++) x[i] = 1.0 + 0.1 * i;
    eo_stop s = eo_stop_defaults();
    s.gtol = 0;
    s.max_iter = iters;
    static errs E;
    memset(&E, 0, sizeof E);
    eo_result r;
    assert_int_equal(eo_minimize(&p, &o, x, &s, record, &E, &r, &e), EO_STOP_MAX_ITER);
    assert_int_equal(E.n, iters + 1);
    return eo_rate_measure(E.e, (size_t)k0, (size_t)iters + 1);
}

static void check_rate(const char *what, double measured, double theory)
{
    /* the exponent -log r decides the speed: within 3 % */
    double q = log(measured) / log(theory);
    printf("  %-40s measured %.6f theory %.6f (exponent ratio %.4f)\n", what, measured, theory, q);
    if (!(fabs(q - 1.0) <= 0.03)) fail_msg("%s: rate %.6f, theory %.6f", what, measured, theory);
}

static void test_rates(void **state)
{
    (void)state;
    double kappas[] = {25.0, 100.0, 400.0};
    for (int k = 0; k < 3; k++) {
        double kap = kappas[k], L = kap, mu = 1.0, sk = sqrt(kap);
        char spec[256];
        /* gradient descent with the optimal fixed step */
        snprintf(spec, sizeof spec, "sgd:lr=%.17g", 2.0 / (L + mu));
        double r_gd = measure(spec, kap, 2000, 1000);
        check_rate("gd 2/(L+mu)", r_gd, (kap - 1.0) / (kap + 1.0));
        /* heavy ball = SGD with momentum (PyTorch's form is Polyak's) */
        double hb_lr = 4.0 / ((sqrt(L) + sqrt(mu)) * (sqrt(L) + sqrt(mu)));
        double hb_m = ((sk - 1.0) / (sk + 1.0)) * ((sk - 1.0) / (sk + 1.0));
        snprintf(spec, sizeof spec, "sgd:lr=%.17g,momentum=%.17g", hb_lr, hb_m);
        double r_hb = measure(spec, kap, 600, 300);
        check_rate("heavy ball", r_hb, (sk - 1.0) / (sk + 1.0));
        /* Nesterov, step 1/L */
        snprintf(spec, sizeof spec, "sgd:lr=%.17g,momentum=%.17g,nesterov=1", 1.0 / L,
                 (sk - 1.0) / (sk + 1.0));
        double r_n1 = measure(spec, kap, 1200, 600);
        check_rate("nesterov 1/L", r_n1, 1.0 - 1.0 / sk);
        /* Nesterov with the quadratic-optimal tuning */
        double s3 = sqrt(3.0 * kap + 1.0);
        snprintf(spec, sizeof spec, "sgd:lr=%.17g,momentum=%.17g,nesterov=1", 4.0 / (3.0 * L + mu),
                 (s3 - 2.0) / (s3 + 2.0));
        double r_n2 = measure(spec, kap, 1200, 600);
        check_rate("nesterov 4/(3L+mu)", r_n2, 1.0 - 2.0 / s3);
        /* the sqrt(kappa) speed-up: iterations per digit, GD over heavy ball,
         * log r_hb / log r_gd ~ (2/sqrt kappa) / (2/kappa) = sqrt(kappa) */
        double speed = log(r_hb) / log(r_gd);
        double expect = log((sk - 1.0) / (sk + 1.0)) / log((kap - 1.0) / (kap + 1.0));
        printf("  kappa %g: heavy ball %.2fx faster than gd (theory %.2f, sqrt(kappa) = %.2f)\n", kap,
               speed, expect, sk);
        assert_true(fabs(speed / expect - 1.0) < 0.05);
        assert_true(speed > 0.9 * sk);
    }
}

static void test_rate_measure(void **state)
{
    (void)state;
    double e[50];
    for (int k = 0; k < 50; k++) e[k] = 3.0 * pow(0.7, k);
    EO_ASSERT_CLOSE(eo_rate_measure(e, 0, 50), 0.7, 1e-12, 0);
    EO_ASSERT_CLOSE(eo_rate_measure(e, 10, 20), 0.7, 1e-12, 0);
    e[5] = 0.0; /* non-positive values are skipped */
    EO_ASSERT_CLOSE(eo_rate_measure(e, 0, 50), 0.7, 1e-12, 0);
    assert_true(isnan(eo_rate_measure(e, 3, 4)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_measure),
        cmocka_unit_test(test_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
