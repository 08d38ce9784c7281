/* L-BFGS on the extended Rosenbrock function (Moré, Garbow & Hillstrom 1981),
 * n = 1,000 and 10,000, start (-1.2, 1, -1.2, 1, ...): evaluations and wall
 * time of eo_minimize (lbfgs, m = 10) beside NLopt's LD_LBFGS (m = 10, same C
 * objective), when NLopt was found at build time. SciPy's L-BFGS-B runs in
 * bench/lbfgs_scipy.py; bench/run.sh passes its final f as --target so both
 * C solvers stop at the first evaluation with f <= that value ("the same f").
 *
 *   lbfgs_bench [--n 1000,10000] [--reps 21] [--target F1,F2] [--path auto|portable|avx2]
 *
 * --path forces the vector kernels of edgeopt's L-BFGS (src/optim/lbfgs_kern.h;
 * both paths take the same steps, bit for bit).
 *
 * Prints one line per (n, solver):
 *   lbfgs n=1000 solver=edgeopt evals=.. iters=.. f=.. ms=.. (median of reps)
 * Without --target the runs stop at ||g|| <= 1e-5 (SciPy's pgtol). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"
#include "optim/lbfgs_kern.h"
#ifdef EO_HAVE_NLOPT
#include <nlopt.h>
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#ifdef EO_HAVE_NLOPT
typedef struct {
    eo_testfn *t;
    long evals;
} nl_ctx;

static double nl_f(unsigned n, const double *x, double *g, void *user)
{
    nl_ctx *c = user;
    c->evals++;
    return eo_testfn_eval(n, x, g, c->t);
}
#endif

int main(int argc, char **argv)
{
    size_t dims[8] = {1000, 10000};
    int ndims = 2, reps = 21;
    double targets[8];
    int ntargets = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) {
            ndims = 0;
            for (char *s = strtok(argv[++i], ","); s && ndims < 8; s = strtok(NULL, ","))
                dims[ndims++] = (size_t)strtoul(s, NULL, 10);
        } else if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            if (eo__lbk_select(argv[++i])) {
                fprintf(stderr, "lbfgs_bench: path %s is not available\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--target") && i + 1 < argc) {
            for (char *s = strtok(argv[++i], ","); s && ntargets < 8; s = strtok(NULL, ","))
                targets[ntargets++] = strtod(s, NULL);
        } else {
            fprintf(stderr, "usage: lbfgs_bench [--n 1000,10000] [--reps 21] [--target F1,F2] "
                            "[--path auto|portable|avx2]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 1000) reps = 21;
    for (int k = 0; k < ndims; k++) {
        size_t n = dims[k];
        char spec[64];
        snprintf(spec, sizeof spec, "rosenbrock-ext:dim=%zu", n);
        eo_testfn t;
        eo_error e;
        if (eo_testfn_parse(spec, &t, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        eo_objective o = eo_testfn_objective(&t);
        double *x = malloc(n * sizeof *x), *times = malloc((size_t)reps * sizeof *times);
        eo_minimize_params p = eo_minimize_defaults(EO_MIN_LBFGS);
        p.lbfgs_m = 10;
        eo_stop s = eo_stop_defaults();
        s.max_iter = 100000;
        s.gtol = 1e-5;
        if (k < ntargets) {
            s.has_target = 1;
            s.f_target = targets[k];
            s.gtol = 0;
        }
        eo_result r;
        for (int rep = 0; rep < reps; rep++) {
            eo_testfn_start(&t, x);
            double t0 = now();
            eo_minimize(&p, &o, x, &s, NULL, NULL, &r, NULL);
            times[rep] = now() - t0;
        }
        printf("lbfgs n=%zu solver=edgeopt evals=%ld iters=%ld f=%.17g reason=%s ms=%.4f path=%s\n",
               n, r.evaluations, r.iterations, r.f, eo_stop_reason_name(r.reason),
               1e3 * median(times, reps), eo__lbk_get()->name);
#ifdef EO_HAVE_NLOPT
        nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned)n);
        nl_ctx c = {&t, 0};
        nlopt_set_min_objective(opt, nl_f, &c);
        nlopt_set_vector_storage(opt, 10);
        nlopt_set_maxeval(opt, 100000);
        if (k < ntargets) nlopt_set_stopval(opt, targets[k]);
        else nlopt_set_ftol_rel(opt, 2.2e-9); /* SciPy's factr 1e7 * eps */
        double fmin = 0.0;
        int nrep = reps < 7 ? reps : 7;
        nlopt_result res = NLOPT_SUCCESS;
        for (int rep = 0; rep < nrep; rep++) {
            eo_testfn_start(&t, x);
            c.evals = 0;
            double t0 = now();
            res = nlopt_optimize(opt, x, &fmin);
            times[rep] = now() - t0;
        }
        printf("lbfgs n=%zu solver=nlopt evals=%ld f=%.6e result=%d ms=%.4f\n", n, c.evals, fmin,
               (int)res, 1e3 * median(times, nrep));
        nlopt_destroy(opt);
#endif
        free(x);
        free(times);
    }
    return 0;
}
