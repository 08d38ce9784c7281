/* edgeopt optimize: run one optimizer on one test function. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/optimize_plot.h"
#include "cli/optimize_run.h"

static const char *help =
    "usage: edgeopt optimize [--function SPEC] [--optimizer SPEC] [--start X0,X1,...]\n"
    "                        [--steps N] [--tol G] [--ftol F] [--xtol X] [--max-evals N]\n"
    "                        [--target F] [--schedule SPEC] [--trace FILE] [--plot FILE] [--json]\n\n"
    "Minimize a test function (see 'edgeopt functions') with one optimizer.\n\n"
    "  --function SPEC    NAME[:dim=N,cond=K] (default rosenbrock), e.g. rosenbrock:dim=2,\n"
    "                     quadratic:dim=10,cond=100, rastrigin:dim=5\n"
    "  --optimizer SPEC   NAME[:key=value,...] (default lbfgs). First order, PyTorch names and\n"
    "                     defaults: sgd (lr, momentum, dampening, nesterov, weight_decay),\n"
    "                     momentum, nesterov, adagrad, rmsprop, adadelta, adam (lr, beta1, beta2,\n"
    "                     eps, amsgrad), adamw, amsgrad, nadam, radam. Others: gd, newton (beta),\n"
    "                     bfgs, lbfgs (m), cg (variant=fr|pr, restart), nelder-mead (step,\n"
    "                     adaptive), anneal (seed, steps, T0, Tmin, sigma), restarts (seed, n,\n"
    "                     local=lbfgs|nelder-mead), ista/fista/owlqn (l1); gradient methods also\n"
    "                     take ls=armijo|wolfe, c1, c2\n"
    "  --start X0,X1,...  start point (default: the function's classic start); a shorter list\n"
    "                     whose length divides the dimension is repeated\n"
    "  --steps N          iteration budget (default 1000)\n"
    "  --tol G            stop when ||grad|| <= G (default 1e-6; 0 = off)\n"
    "  --ftol F           stop when |f_k - f_k-1| <= F max(|f|, 1) (default off)\n"
    "  --xtol X           stop when ||x_k - x_k-1|| <= X max(||x||, 1) (default off)\n"
    "  --max-evals N      evaluation budget (default off)\n"
    "  --target F         stop when f <= F\n"
    "  --schedule SPEC    learning-rate schedule for first-order optimizers, e.g. cosine:T=5000,\n"
    "                     step:step_size=100,gamma=0.5, warmup:steps=100+cosine:T=1000\n"
    "  --trace FILE       CSV with one row per iteration: iter,f,grad_norm,x0,x1,... (row 0 =\n"
    "                     the start)\n"
    "  --plot FILE        trajectory over the contour map (2-D) and convergence chart;\n"
    "                     PNG or SVG by extension\n"
    "  --json             print {\"x\":[..],\"f\":..,\"grad_norm\":..,\"iterations\":..,\n"
    "                     \"evaluations\":..,\"converged\":..,\"reason\":..,\"seconds\":..}\n";

int eo_cmd_optimize(int argc, char **argv)
{
    const char *cmd = "optimize";
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *fspec = "rosenbrock", *ospec = "lbfgs", *start = NULL, *sched = NULL,
               *trace_path = NULL, *plot_path = NULL;
    int json = 0;
    eo_stop stop = eo_stop_defaults();
    double target = NAN; /* strict numbers refuse "nan": NaN means not given */
    const eo_cli_optdef opts[] = {{"--function", NULL, EO_CLI_STR, &fspec, 0, 0},
                                  {"--optimizer", NULL, EO_CLI_STR, &ospec, 0, 0},
                                  {"--start", NULL, EO_CLI_STR, &start, 0, 0},
                                  {"--steps", NULL, EO_CLI_LONG, &stop.max_iter, 1, 1000000000L},
                                  {"--tol", NULL, EO_CLI_DOUBLE, &stop.gtol, 0, HUGE_VAL},
                                  {"--ftol", NULL, EO_CLI_DOUBLE, &stop.ftol_rel, 0, HUGE_VAL},
                                  {"--xtol", NULL, EO_CLI_DOUBLE, &stop.xtol, 0, HUGE_VAL},
                                  {"--max-evals", NULL, EO_CLI_LONG, &stop.max_evals, 1, 1000000000000.0},
                                  {"--target", NULL, EO_CLI_DOUBLE, &target, -HUGE_VAL, HUGE_VAL},
                                  {"--schedule", NULL, EO_CLI_STR, &sched, 0, 0},
                                  {"--trace", NULL, EO_CLI_STR, &trace_path, 0, 0},
                                  {"--plot", NULL, EO_CLI_STR, &plot_path, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int perr = eo_cli_parse(cmd, opts, argc, argv, NULL, 0);
    if (perr) return perr;
    if (!isnan(target)) {
        stop.f_target = target;
        stop.has_target = 1;
    }
    if (plot_path) {
        int pst = eo_cli_plot_check(cmd, plot_path);
        if (pst) return pst;
    }
    eo_testfn t;
    eo_error e;
    eo_error_clear(&e);
    if (eo_testfn_parse(fspec, &t, &e)) {
        char buf[1024];
        eo_error_format(&e, buf, sizeof buf);
        return eo_cli_usage(cmd, "--function: %s", buf);
    }
    eo_cli_run run;
    memset(&run, 0, sizeof run);
    run.opt_spec = ospec;
    int st = eo_cli_parse_optimizer(cmd, ospec, sched, &run.params);
    if (st) return st;
    double *x0 = malloc(t.n * sizeof *x0);
    if (!x0) return eo_cli_fail(cmd, "no memory");
    if ((st = eo_cli_parse_start(cmd, start, &t, x0))) {
        free(x0);
        return st;
    }
    eo_cli_trace tr;
    eo_cli_trace_init(&tr, t.n, t.n);
    st = eo_cli_run_one(&t, &run, x0, &stop, (trace_path || plot_path) ? &tr : NULL);
    free(x0);
    int rc = EO_EXIT_OK;
    if (st < 0) {
        rc = eo_cli_fail_err(cmd, &run.err);
        goto out;
    }
    if (trace_path && eo_cli_trace_write_csv(&tr, trace_path, &e)) {
        rc = eo_cli_fail_err(cmd, &e);
        goto out;
    }
    if (plot_path) {
        const char *names[1] = {ospec};
        if ((rc = eo_cli_plot_runs(cmd, plot_path, &t, &tr, names, 1))) goto out;
    }
    const eo_result *r = &run.res;
    int conv = eo_stop_reason_converged(r->reason);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON *xa = cJSON_CreateArray();
        for (size_t i = 0; i < t.n; i++) cJSON_AddItemToArray(xa, cJSON_CreateNumber(run.x[i]));
        cJSON_AddItemToObject(o, "x", xa);
        eo_cli_json_num(o, "f", r->f);
        eo_cli_json_num(o, "grad_norm", r->grad_norm);
        cJSON_AddNumberToObject(o, "iterations", (double)r->iterations);
        cJSON_AddNumberToObject(o, "evaluations", (double)r->evaluations);
        cJSON_AddBoolToObject(o, "converged", conv);
        cJSON_AddStringToObject(o, "reason", eo_stop_reason_name(r->reason));
        cJSON_AddNumberToObject(o, "seconds", run.seconds);
        cJSON_AddStringToObject(o, "function", fspec);
        cJSON_AddStringToObject(o, "optimizer", ospec);
        eo_cli_print_json(o);
    } else {
        printf("function     %s (n = %zu)\n", t.info->name, t.n);
        printf("optimizer    %s\n", ospec);
        printf("x           ");
        for (size_t i = 0; i < t.n && i < 10; i++) printf(" %.10g", run.x[i]);
        if (t.n > 10) printf(" ... (%zu more)", t.n - 10);
        printf("\nf            %.10g\n", r->f);
        printf("grad_norm    %.4g\n", r->grad_norm);
        printf("iterations   %ld\nevaluations  %ld\n", r->iterations, r->evaluations);
        printf("reason       %s (%s)\n", eo_stop_reason_name(r->reason),
               conv ? "converged" : "not converged");
        printf("seconds      %.6f\n", run.seconds);
        if (trace_path) printf("trace        %s (%zu rows)\n", trace_path, tr.rows);
        if (plot_path) printf("plot         %s\n", plot_path);
    }
out:
    eo_cli_trace_free(&tr);
    eo_cli_run_free(&run);
    return rc;
}
