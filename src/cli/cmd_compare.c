/* edgeopt compare: several optimizers on one test function from one start. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/optimize_plot.h"
#include "cli/optimize_run.h"

static const char *help =
    "usage: edgeopt compare [--function SPEC] [--optimizers LIST] [--start X0,X1,...]\n"
    "                       [--steps N] [--tol G] [--trace-dir DIR] [--plot FILE] [--json]\n\n"
    "Run several optimizers from the same start on one test function and compare them.\n\n"
    "  --function SPEC     test function (default himmelblau); see 'edgeopt functions'\n"
    "  --optimizers LIST   optimizer specs separated by ',' (default\n"
    "                      sgd,momentum,nesterov,adam,rmsprop,lbfgs). Options of a spec continue\n"
    "                      after ',' (\"sgd:lr=0.01,momentum=0.9,adam\" is two optimizers); ';'\n"
    "                      may separate specs instead\n"
    "  --start X0,X1,...   common start (default: the function's classic start)\n"
    "  --steps N           iteration budget of each run (default 1000)\n"
    "  --tol G             gradient-norm tolerance (default 1e-6)\n"
    "  --trace-dir DIR     write DIR/<k>-<name>.csv per optimizer (iter,f,grad_norm,x0,...)\n"
    "  --plot FILE         trajectories over the contour map (2-D) and convergence\n"
    "                      chart; PNG or SVG by extension\n"
    "  --json              {\"function\":..,\"start\":[..],\"results\":[{\"optimizer\",\"x\",\"f\",\n"
    "                      \"grad_norm\",\"iterations\",\"evaluations\",\"converged\",\"reason\",\n"
    "                      \"seconds\",\"trace\"}]}\n";

#define MAX_OPT 32

/* Split LIST into specs: on ';' when present, else on ',' where a piece that
 * has '=' but no ':' continues the previous spec. */
static int split(char *list, char **out, int cap)
{
    int k = 0;
    if (strchr(list, ';')) {
        for (char *s = strtok(list, ";"); s; s = strtok(NULL, ";")) {
            if (k == cap) return -1;
            out[k++] = s;
        }
        return k;
    }
    char *p = list;
    while (*p) {
        if (k == cap) return -1;
        out[k++] = p;
        char *q = p;
        for (;;) {
            char *c = strchr(q, ',');
            if (!c) {
                p = q + strlen(q);
                break;
            }
            char *next = c + 1, *e = strchr(next, ',');
            size_t len = e ? (size_t)(e - next) : strlen(next);
            int has_eq = memchr(next, '=', len) != NULL, has_colon = memchr(next, ':', len) != NULL;
            if (has_eq && !has_colon && strchr(out[k - 1], ':')) {
                q = next; /* same spec */
                continue;
            }
            *c = '\0';
            p = next;
            break;
        }
    }
    return k;
}

static void file_name(char *buf, size_t n, int k, const char *spec)
{
    int len = snprintf(buf, n, "%d-", k + 1);
    for (const char *s = spec; *s && (size_t)len + 1 < n; s++)
        buf[len++] = (*s == ':' || *s == ',' || *s == '=' || *s == '/' || *s == ';') ? '_' : *s;
    buf[len] = '\0';
}

int eo_cmd_compare(int argc, char **argv)
{
    const char *cmd = "compare";
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *fspec = "himmelblau", *olist = "sgd,momentum,nesterov,adam,rmsprop,lbfgs",
               *start = NULL, *dir = NULL, *plot = NULL;
    int json = 0;
    eo_stop stop = eo_stop_defaults();
    const eo_cli_optdef opts[] = {{"--function", NULL, EO_CLI_STR, &fspec, 0, 0},
                                  {"--optimizers", NULL, EO_CLI_STR, &olist, 0, 0},
                                  {"--start", NULL, EO_CLI_STR, &start, 0, 0},
                                  {"--steps", NULL, EO_CLI_LONG, &stop.max_iter, 1, 100000000L},
                                  {"--tol", NULL, EO_CLI_DOUBLE, &stop.gtol, 0, HUGE_VAL},
                                  {"--trace-dir", NULL, EO_CLI_STR, &dir, 0, 0},
                                  {"--plot", NULL, EO_CLI_STR, &plot, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int perr = eo_cli_parse(cmd, opts, argc, argv, NULL, 0);
    if (perr) return perr;
    if (plot) {
        int pst = eo_cli_plot_check(cmd, plot);
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
    char *list = strdup(olist);
    if (!list) return eo_cli_fail(cmd, "no memory");
    char *specs[MAX_OPT];
    int k = split(list, specs, MAX_OPT);
    if (k <= 0) {
        free(list);
        return eo_cli_usage(cmd, "--optimizers: expected 1..%d optimizer specs", MAX_OPT);
    }
    eo_cli_run runs[MAX_OPT];
    memset(runs, 0, sizeof runs);
    int rc = EO_EXIT_OK;
    for (int j = 0; j < k; j++) {
        runs[j].opt_spec = specs[j];
        if ((rc = eo_cli_parse_optimizer(cmd, specs[j], NULL, &runs[j].params))) {
            free(list);
            return rc;
        }
    }
    double *x0 = malloc(t.n * sizeof *x0);
    if (!x0) {
        free(list);
        return eo_cli_fail(cmd, "no memory");
    }
    if ((rc = eo_cli_parse_start(cmd, start, &t, x0))) goto out;
    if (dir && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = eo_cli_fail(cmd, "--trace-dir %s: %s", dir, strerror(errno));
        goto out;
    }
    char paths[MAX_OPT][1200];
    /* Traces are kept for all runs when a plot is wanted (it draws them together). */
    eo_cli_trace trs[MAX_OPT];
    for (int j = 0; j < k; j++) eo_cli_trace_init(&trs[j], t.n, t.n);
    for (int j = 0; j < k; j++) {
        eo_cli_run_one(&t, &runs[j], x0, &stop, (dir || plot) ? &trs[j] : NULL);
        paths[j][0] = '\0';
        if (dir && runs[j].status >= 0) {
            char name[256];
            file_name(name, sizeof name, j, specs[j]);
            snprintf(paths[j], sizeof paths[j], "%s/%s.csv", dir, name);
            if (eo_cli_trace_write_csv(&trs[j], paths[j], &e)) {
                rc = eo_cli_fail_err(cmd, &e);
                break;
            }
        }
        if (!plot) eo_cli_trace_free(&trs[j]);
    }
    if (!rc && plot) rc = eo_cli_plot_runs(cmd, plot, &t, trs, (const char *const *)specs, k);
    for (int j = 0; j < k; j++) eo_cli_trace_free(&trs[j]);
    if (rc) goto out;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "function", fspec);
        cJSON_AddItemToObject(o, "start", cJSON_CreateDoubleArray(x0, (int)t.n));
        cJSON *arr = cJSON_CreateArray();
        for (int j = 0; j < k; j++) {
            const eo_cli_run *r = &runs[j];
            cJSON *q = cJSON_CreateObject();
            cJSON_AddStringToObject(q, "optimizer", specs[j]);
            if (r->status < 0) {
                char buf[1024];
                cJSON_AddStringToObject(q, "error", eo_error_format(&r->err, buf, sizeof buf));
                cJSON_AddItemToObject(q, "x", cJSON_CreateDoubleArray(r->x, (int)t.n));
                eo_cli_json_num(q, "f", r->res.f);
                cJSON_AddBoolToObject(q, "converged", 0);
                cJSON_AddStringToObject(q, "reason", "error");
            } else {
                cJSON_AddItemToObject(q, "x", cJSON_CreateDoubleArray(r->x, (int)t.n));
                eo_cli_json_num(q, "f", r->res.f);
                eo_cli_json_num(q, "grad_norm", r->res.grad_norm);
                cJSON_AddNumberToObject(q, "iterations", (double)r->res.iterations);
                cJSON_AddNumberToObject(q, "evaluations", (double)r->res.evaluations);
                cJSON_AddBoolToObject(q, "converged", eo_stop_reason_converged(r->res.reason));
                cJSON_AddStringToObject(q, "reason", eo_stop_reason_name(r->res.reason));
            }
            cJSON_AddNumberToObject(q, "seconds", r->seconds);
            if (paths[j][0]) cJSON_AddStringToObject(q, "trace", paths[j]);
            cJSON_AddItemToArray(arr, q);
        }
        cJSON_AddItemToObject(o, "results", arr);
        eo_cli_print_json(o);
    } else {
        printf("function %s (n = %zu), start", t.info->name, t.n);
        for (size_t i = 0; i < t.n && i < 6; i++) printf(" %g", x0[i]);
        printf("%s\n\n%-28s %14s %10s %10s %7s %-10s\n", t.n > 6 ? " ..." : "", "optimizer", "f",
               "grad_norm", "iterations", "evals", "reason");
        for (int j = 0; j < k; j++) {
            const eo_cli_run *r = &runs[j];
            if (r->status < 0) {
                char buf[1024];
                printf("%-28s error: %s\n", specs[j], eo_error_format(&r->err, buf, sizeof buf));
                continue;
            }
            printf("%-28s %14.6e %10.3e %10ld %7ld %-10s\n", specs[j], r->res.f, r->res.grad_norm,
                   r->res.iterations, r->res.evaluations, eo_stop_reason_name(r->res.reason));
        }
        if (dir) printf("\ntraces in %s/\n", dir);
        if (plot) printf("plot in %s\n", plot);
    }
out:
    for (int j = 0; j < k; j++) eo_cli_run_free(&runs[j]);
    free(x0);
    free(list);
    return rc;
}
