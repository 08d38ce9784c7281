/* Shared by `edgeopt optimize` and `edgeopt compare`: parse a function and an
 * optimizer, run eo_minimize from a start point, and keep the trace (one row
 * per iteration: iter, f, grad_norm, x) in memory so it can be written as CSV
 * (and handed to the plotting module). */
#ifndef EO_CLI_OPTIMIZE_RUN_H
#define EO_CLI_OPTIMIZE_RUN_H

#include <stddef.h>

#include "edgeopt/functions.h"
#include "edgeopt/minimize.h"

/* A recorded trajectory. rows entries of iter/f/gnorm; x is rows x n
 * (row-major, only the first keep_dims coordinates of each iterate). */
typedef struct eo_cli_trace {
    size_t n, keep_dims;
    size_t rows, cap;
    long *iter;
    double *f, *gnorm, *x;
    int oom;
} eo_cli_trace;

void eo_cli_trace_init(eo_cli_trace *t, size_t n, size_t keep_dims);
void eo_cli_trace_free(eo_cli_trace *t);
/* eo_trace_fn that appends a row (returns 1 to stop when memory runs out). */
int eo_cli_trace_record(long iter, size_t n, const double *x, double f, double gnorm, void *user);
/* CSV "iter,f,grad_norm,x0,x1,..." (%.17g), row 0 = the start. */
int eo_cli_trace_write_csv(const eo_cli_trace *t, const char *path, eo_error *err);

/* One run's inputs and outputs. */
typedef struct eo_cli_run {
    const char *opt_spec;      /* as typed */
    eo_minimize_params params;
    eo_result res;
    double seconds;
    double *x;                 /* n, the result (owned; free with eo_cli_run_free) */
    int status;                /* eo_minimize's return */
    eo_error err;
} eo_cli_run;

/* Parse an optimizer spec (eo_minimize_parse) plus an optional schedule spec;
 * 0 or prints one line and returns the exit code. */
int eo_cli_parse_optimizer(const char *cmd, const char *spec, const char *schedule,
                           eo_minimize_params *p);
/* The start: NULL = the function's classic start; else k comma-separated
 * values with k dividing n, repeated cyclically. 0 or an exit code. */
int eo_cli_parse_start(const char *cmd, const char *s, const eo_testfn *t, double *x0);
/* Run from x0 (copied). The box of anneal/restarts is the function's domain. */
int eo_cli_run_one(const eo_testfn *t, eo_cli_run *r, const double *x0, const eo_stop *s,
                   eo_cli_trace *trace);
void eo_cli_run_free(eo_cli_run *r);

#endif
