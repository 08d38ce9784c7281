/* Chapter 2 (docs/guide/02-landscapes.md): convex and non-convex landscapes.
 *
 * 1. Curvature: the Hessian's eigenvalues at stationary points tell minima,
 *    maxima and saddles apart (eo_landscape_classify), and their ratio (the
 *    condition number kappa = L / mu) sets how fast gradient descent goes.
 * 2. Rates on a quadratic f = 1/2 sum_i lambda_i x_i^2 with eigenvalues from
 *    mu = 1 to L = kappa: gradient descent with the best fixed step 2/(L+mu)
 *    contracts the error by (kappa-1)/(kappa+1) per step; Polyak's heavy ball
 *    with step 4/(sqrt L + sqrt mu)^2 and momentum ((sqrt kappa - 1)/(sqrt
 *    kappa + 1))^2 by (sqrt kappa - 1)/(sqrt kappa + 1) (Polyak 1964; Nesterov,
 *    Introductory Lectures on Convex Optimization, 2004, sec. 2.1). The example
 *    measures both rates (eo_rate_measure on ||x_k - x*||).
 * 3. Second-order and quasi-Newton methods against gradient descent on
 *    Rosenbrock and on an ill-conditioned quadratic: iterations, function
 *    evaluations and time to the same gradient tolerance.
 *
 * Output lines (read by tests/docs/test_examples.sh and scripts/docs.sh):
 *   point FUNC x X0 X1 kind KIND eig E0 E1 gnorm G
 *   rate METHOD kappa K measured R theory T
 *   race FUNC METHOD iterations N evaluations M f F seconds S reason R */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "edgeopt/edgeopt.h"

/* ------------------------------------------------------------ curvature */

static int classify_points(const char *spec)
{
    eo_error err;
    eo_testfn fn;
    if (eo_testfn_parse(spec, &fn, &err) != EO_OK) return 1;
    eo_objective obj = eo_testfn_objective(&fn);
    for (int k = 0; k < fn.info->npoints; k++) {
        double x[2], eig[2], gnorm;
        eo_testfn_point_x(&fn, k, x);
        /* Hessian from the table (obj.hess), eigenvalues by Jacobi rotations */
        int kind = eo_landscape_classify(&obj, x, 0.0, eig, &gnorm, NULL, &err);
        if (kind < 0) {
            fprintf(stderr, "%s: %s\n", spec, err.msg);
            return 1;
        }
        printf("point %s x %.6f %.6f kind %s eig %.9g %.9g gnorm %.2g\n", fn.info->name, x[0], x[1],
               eo_point_kind_name(kind), eig[0], eig[1], gnorm);
    }
    return 0;
}

/* ---------------------------------------------------------------- rates */

#define RATE_STEPS 400
#define RATE_N 10

typedef struct errlog {
    double e[RATE_STEPS + 1];
    long n;
} errlog;

/* Trace callback: record ||x_k - 0|| (the quadratic's minimum is the origin). */
static int log_error(long iter, size_t n, const double *x, double f, double grad_norm, void *user)
{
    (void)f;
    (void)grad_norm;
    errlog *L = user;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    if (iter <= RATE_STEPS) {
        L->e[iter] = sqrt(s);
        L->n = iter + 1;
    }
    return 0;
}

static int measure_rate(const char *method, double kappa)
{
    eo_error err;
    eo_testfn fn;
    char spec[64];
    snprintf(spec, sizeof spec, "quadratic:dim=%d,cond=%g", RATE_N, kappa);
    if (eo_testfn_parse(spec, &fn, &err) != EO_OK) return 1;
    eo_objective obj = eo_testfn_objective(&fn);

    const double L = kappa, mu = 1.0, sk = sqrt(kappa);
    eo_minimize_params p = eo_minimize_defaults(EO_MIN_FIRST_ORDER);
    p.first_order = eo_optim_defaults(EO_OPTIM_SGD);
    double theory;
    if (strcmp(method, "gd") == 0) {
        p.first_order.lr = 2.0 / (L + mu);
        theory = (kappa - 1) / (kappa + 1);
    } else { /* heavy ball = PyTorch SGD momentum with dampening 0 */
        p.first_order.lr = 4.0 / ((sqrt(L) + sqrt(mu)) * (sqrt(L) + sqrt(mu)));
        p.first_order.momentum = ((sk - 1) / (sk + 1)) * ((sk - 1) / (sk + 1));
        theory = (sk - 1) / (sk + 1);
    }
    eo_stop stop = eo_stop_defaults();
    stop.max_iter = RATE_STEPS;
    stop.gtol = 0; /* run every step: we want the whole error sequence */
    double x[RATE_N];
    for (int i = 0; i < RATE_N; i++) x[i] = 1.0;
    errlog log = {{0}, 0};
    eo_result res;
    if (eo_minimize(&p, &obj, x, &stop, log_error, &log, &res, &err) < 0) {
        fprintf(stderr, "%s: %s\n", method, err.msg);
        return 1;
    }
    /* fit the slope of log e_k over the second half (past the transient),
     * while the error is still far above rounding */
    long k1 = log.n;
    while (k1 > 2 && log.e[k1 - 1] < 1e-12) k1--;
    double r = eo_rate_measure(log.e, (size_t)(k1 / 2), (size_t)k1);
    printf("rate %s kappa %g measured %.6f theory %.6f\n", method, kappa, r, theory);
    return 0;
}

/* ----------------------------------------------------------------- race */

static int race(const char *fnspec, const char *method_spec, const double *x0)
{
    eo_error err;
    eo_testfn fn;
    if (eo_testfn_parse(fnspec, &fn, &err) != EO_OK) return 1;
    eo_objective obj = eo_testfn_objective(&fn);
    eo_minimize_params p;
    if (eo_minimize_parse(method_spec, &p, &err) != EO_OK) {
        fprintf(stderr, "%s: %s\n", method_spec, err.msg);
        return 1;
    }
    static double x[1000];
    if (fn.n > 1000) return 1;
    for (size_t i = 0; i < fn.n; i++) x[i] = x0 ? x0[i % 2] : 1.0;
    eo_stop stop = eo_stop_defaults();
    stop.max_iter = 20000;
    stop.gtol = 1e-6;
    eo_result res;
    clock_t t0 = clock();
    int rc = eo_minimize(&p, &obj, x, &stop, NULL, NULL, &res, &err);
    double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", method_spec, err.msg);
        return 1;
    }
    printf("race %s %s iterations %ld evaluations %ld f %.3g seconds %.3g reason %s\n", fn.info->name,
           method_spec, res.iterations, res.evaluations, res.f, sec, eo_stop_reason_name(res.reason));
    return 0;
}

int main(void)
{
    int bad = 0;
    bad |= classify_points("rosenbrock:dim=2");
    bad |= classify_points("himmelblau");
    bad |= classify_points("saddle");

    bad |= measure_rate("gd", 100);
    bad |= measure_rate("heavy-ball", 100);

    const double rs[2] = {-1.2, 1.0};
    const char *methods[] = {"gd", "cg", "bfgs", "lbfgs", "newton"};
    for (int i = 0; i < 5; i++) bad |= race("rosenbrock:dim=2", methods[i], rs);
    for (int i = 0; i < 5; i++) bad |= race("quadratic:dim=100,cond=1000", methods[i], NULL);
    return bad ? 1 : 0;
}
