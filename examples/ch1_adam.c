/* Chapter 1 (docs/guide/01-gradient-descent.md): the optimizer API on
 * Rosenbrock's function
 *     f(x, y) = (1 - x)^2 + 100 (y - x^2)^2,   minimum f(1, 1) = 0.
 *
 * 1. A hand-written loop: value + gradient from the test-function table, one
 *    eo_optimizer_step_f64 per iteration. Plain SGD, SGD with momentum and
 *    Adam (PyTorch's update rules and defaults) start from (-1.5, 2) with the
 *    same budget of 5000 steps.
 * 2. eo_minimize with L-BFGS, which stops on the gradient norm.
 * 3. Why schedules exist: with NOISY gradients (as mini-batches give), SGD
 *    with a constant step stalls at a noise floor proportional to the step,
 *    while a decaying step (cosine annealing, eo_schedule) keeps going down
 *    (Robbins & Monro 1951). Shown on a 10-D quadratic with condition number
 *    10 and Gaussian noise of standard deviation 1 added to each gradient
 *    entry ("run noisy-constant" / "run noisy-cosine").
 *
 * Output: one line per run, "key value" pairs (tests/docs/test_examples.sh
 * reads them):
 *   run NAME steps N f F x X0 X1 dist D
 * where dist = ||x - (1, 1)||. */
#include <math.h>
#include <stdio.h>

#include "edgeopt/edgeopt.h"

/* Run `spec` for `steps` steps on the function `fnspec` from x0 (every
 * coordinate x0[i % 2]), with an optional schedule and gradient noise of
 * standard deviation `noise` (0 = exact gradients). */
static int run_first_order(const char *name, const char *fnspec, const char *spec, const char *schedule,
                           long steps, double noise)
{
    enum { NMAX = 16 };
    eo_error err;
    eo_testfn fn;
    if (eo_testfn_parse(fnspec, &fn, &err) != EO_OK || fn.n > NMAX) return 1;
    const size_t n = fn.n;

    /* "adam:lr=0.01" -> eo_optim_params with PyTorch's defaults for the rest */
    eo_optim_params p;
    if (eo_optim_parse(spec, &p, &err) != EO_OK) {
        fprintf(stderr, "%s: %s\n", spec, err.msg);
        return 1;
    }
    eo_optimizer *opt = NULL;
    if (eo_optimizer_create(&p, n, NULL, &opt, &err) != EO_OK) return 1;

    eo_schedule sched = eo_schedule_defaults(EO_SCHEDULE_CONSTANT);
    if (schedule && eo_schedule_parse(schedule, &sched, &err) != EO_OK) {
        fprintf(stderr, "%s: %s\n", schedule, err.msg);
        eo_optimizer_destroy(opt);
        return 1;
    }
    eo_schedule_state st;
    eo_schedule_start(&sched, p.lr, &st);

    eo_rng rng;
    eo_rng_seed(&rng, 7);
    double x[NMAX], g[NMAX];
    for (size_t i = 0; i < n; i++) x[i] = i % 2 ? 2.0 : -1.5;
    for (long k = 0; k < steps; k++) {
        eo_optimizer_set_lr(opt, st.lr);
        eo_testfn_eval(n, x, g, &fn); /* value, and the gradient into g */
        for (size_t i = 0; i < n; i++) g[i] += noise * eo_rng_normal(&rng);
        eo_optimizer_step_f64(opt, x, g, NULL); /* x <- x - update(g) */
        eo_schedule_next(&sched, p.lr, &st, 0.0);
    }
    double f = eo_testfn_eval(n, x, NULL, &fn);
    printf("run %s steps %ld f %.6g x %.6f %.6f dist %.3g\n", name, steps, f, x[0], x[1],
           hypot(x[0] - 1.0, x[1] - 1.0));
    eo_optimizer_destroy(opt);
    return 0;
}

static int run_lbfgs(void)
{
    eo_error err;
    eo_testfn fn;
    if (eo_testfn_parse("rosenbrock:dim=2", &fn, &err) != EO_OK) return 1;
    eo_objective obj = eo_testfn_objective(&fn);

    eo_minimize_params mp = eo_minimize_defaults(EO_MIN_LBFGS);
    eo_stop stop = eo_stop_defaults(); /* max_iter 1000, gtol 1e-6 */
    stop.gtol = 1e-10;
    eo_result res;
    double x[2] = {-1.5, 2.0};
    int rc = eo_minimize(&mp, &obj, x, &stop, NULL, NULL, &res, &err);
    if (rc < 0) {
        fprintf(stderr, "lbfgs: %s\n", err.msg);
        return 1;
    }
    printf("run lbfgs steps %ld f %.6g x %.6f %.6f dist %.3g evaluations %ld reason %s\n", res.iterations,
           res.f, x[0], x[1], hypot(x[0] - 1.0, x[1] - 1.0), res.evaluations, eo_stop_reason_name(res.reason));
    return 0;
}

int main(void)
{
    int bad = 0;
    const char *rosen = "rosenbrock:dim=2";
    bad |= run_first_order("sgd", rosen, "sgd:lr=0.001", NULL, 5000, 0.0);
    bad |= run_first_order("momentum", rosen, "sgd:lr=0.001,momentum=0.9", NULL, 5000, 0.0);
    bad |= run_first_order("adam", rosen, "adam:lr=0.01", NULL, 5000, 0.0);
    bad |= run_lbfgs();
    /* noisy gradients on a quadratic (minimum 0 at the origin; "dist" is
     * then measured from (1, 1) and not meaningful: read f) */
    const char *quad = "quadratic:dim=10,cond=10";
    bad |= run_first_order("noisy-constant", quad, "sgd:lr=0.05", NULL, 2000, 1.0);
    bad |= run_first_order("noisy-cosine", quad, "sgd:lr=0.05", "cosine:T=2000", 2000, 1.0);
    return bad ? 1 : 0;
}
