/* Per-step overhead of the optimizers: 10,000 Adam steps (lr 0.01, PyTorch's
 * defaults otherwise) on 2-D Rosenbrock from (-1.5, 2), float64, gradient
 * computed in the loop. Prints the median time per step over several runs
 * (each run a fresh optimizer) and the final point, which
 * bench/optim_step_torch.py must reproduce.
 *
 * Usage: optim_step_bench [runs] [steps] [optimizer spec]   (defaults 21 10000 adam:lr=0.01) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "edgeopt/optim.h"

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

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 21;
    long steps = argc > 2 ? atol(argv[2]) : 10000;
    const char *spec = argc > 3 ? argv[3] : "adam:lr=0.01";
    if (runs < 1 || runs > 1000 || steps < 1) {
        fprintf(stderr, "usage: optim_step_bench [runs] [steps] [spec]\n");
        return 2;
    }
    eo_optim_params p;
    eo_error err;
    if (eo_optim_parse(spec, &p, &err)) {
        fprintf(stderr, "optim_step_bench: %s\n", err.msg);
        return 1;
    }
    double *per_step = malloc(sizeof(double) * (size_t)runs);
    double x[2] = {0, 0};
    for (int r = 0; r < runs; r++) {
        eo_optimizer *o;
        if (eo_optimizer_create_prec(&p, 2, EO_OPTIM_PREC_F64, NULL, &o, &err)) {
            fprintf(stderr, "optim_step_bench: %s\n", err.msg);
            return 1;
        }
        x[0] = -1.5;
        x[1] = 2.0;
        double g[2];
        double t0 = now();
        for (long t = 0; t < steps; t++) {
            double a = x[0], b = x[1];
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            eo_optimizer_step_f64(o, x, g, NULL);
        }
        per_step[r] = (now() - t0) / (double)steps;
        eo_optimizer_destroy(o);
    }
    qsort(per_step, (size_t)runs, sizeof(double), cmp);
    printf("optim_step edgeopt spec=%s steps=%ld runs=%d ns_per_step=%.2f min_ns=%.2f x=%.17g,%.17g\n",
           spec, steps, runs, 1e9 * per_step[runs / 2], 1e9 * per_step[0], x[0], x[1]);
    free(per_step);
    return 0;
}
