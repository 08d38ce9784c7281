/* Run helpers shared by the optimize and compare commands. */
#define _POSIX_C_SOURCE 200809L
#include "cli/optimize_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/io.h"

void eo_cli_trace_init(eo_cli_trace *t, size_t n, size_t keep_dims)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->keep_dims = keep_dims < n ? keep_dims : n;
}

void eo_cli_trace_free(eo_cli_trace *t)
{
    free(t->iter);
    free(t->f);
    free(t->gnorm);
    free(t->x);
    memset(t, 0, sizeof *t);
}

int eo_cli_trace_record(long iter, size_t n, const double *x, double f, double gnorm, void *user)
{
    eo_cli_trace *t = user;
    if (t->rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        long *it = realloc(t->iter, cap * sizeof *it);
        if (it) t->iter = it;
        double *ff = realloc(t->f, cap * sizeof *ff);
        if (ff) t->f = ff;
        double *gg = realloc(t->gnorm, cap * sizeof *gg);
        if (gg) t->gnorm = gg;
        double *xx = t->keep_dims ? realloc(t->x, cap * t->keep_dims * sizeof *xx) : t->x;
        if (xx) t->x = xx;
        if (!it || !ff || !gg || (t->keep_dims && !xx)) {
            t->oom = 1;
            return 1;
        }
        t->cap = cap;
    }
    size_t r = t->rows++;
    t->iter[r] = iter;
    t->f[r] = f;
    t->gnorm[r] = gnorm;
    if (t->keep_dims) memcpy(t->x + r * t->keep_dims, x, t->keep_dims * sizeof *x);
    (void)n;
    return 0;
}

int eo_cli_trace_write_csv(const eo_cli_trace *t, const char *path, eo_error *err)
{
    /* Built in memory, then written atomically: a full disk or a read-only
     * directory leaves the previous trace file as it was. */
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (!fp) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    fputs("iter,f,grad_norm", fp);
    for (size_t j = 0; j < t->keep_dims; j++) fprintf(fp, ",x%zu", j);
    fputc('\n', fp);
    for (size_t r = 0; r < t->rows; r++) {
        fprintf(fp, "%ld,%.17g,%.17g", t->iter[r], t->f[r], t->gnorm[r]);
        for (size_t j = 0; j < t->keep_dims; j++) fprintf(fp, ",%.17g", t->x[r * t->keep_dims + j]);
        fputc('\n', fp);
    }
    int bad = ferror(fp);
    if (fclose(fp) || bad) {
        free(text);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    eo_io_piece piece = {text, len};
    int st = eo_io_write_atomic(path, &piece, 1, err);
    free(text);
    return st;
}

int eo_cli_parse_optimizer(const char *cmd, const char *spec, const char *schedule,
                           eo_minimize_params *p)
{
    eo_error e;
    eo_error_clear(&e);
    int st = eo_minimize_parse(spec, p, &e);
    if (st) {
        char buf[1024];
        eo_error_format(&e, buf, sizeof buf);
        return eo_cli_usage(cmd, "--optimizer: %s", buf);
    }
    if (schedule) {
        if (p->method != EO_MIN_FIRST_ORDER)
            return eo_cli_usage(cmd, "--schedule applies to first-order optimizers (sgd, adam, ...), not %s",
                                eo_min_method_name(p->method));
        eo_error_clear(&e);
        if (eo_schedule_parse(schedule, &p->schedule, &e)) {
            char buf[1024];
            eo_error_format(&e, buf, sizeof buf);
            return eo_cli_usage(cmd, "--schedule: %s", buf);
        }
        p->has_schedule = 1;
    }
    return 0;
}

int eo_cli_parse_start(const char *cmd, const char *s, const eo_testfn *t, double *x0)
{
    if (!s) {
        eo_testfn_start(t, x0);
        return 0;
    }
    double v[64];
    size_t k = 0;
    int st = eo_cli_double_list(cmd, "--start", s, v, 64, &k);
    if (st) return st;
    if (k == 0 || t->n % k != 0)
        return eo_cli_usage(cmd, "--start: %zu values for a %zu-dimensional function (give %zu, or a pattern whose length divides %zu)",
                            k, t->n, t->n, t->n);
    for (size_t i = 0; i < t->n; i++) x0[i] = v[i % k];
    return 0;
}

int eo_cli_run_one(const eo_testfn *t, eo_cli_run *r, const double *x0, const eo_stop *s,
                   eo_cli_trace *trace)
{
    size_t n = t->n;
    r->x = malloc(3 * n * sizeof *r->x);
    if (!r->x) {
        r->status = eo_error_set(&r->err, EO_ERR_NOMEM, "no memory for n = %zu", n);
        return r->status;
    }
    double *lo = r->x + n, *hi = r->x + 2 * n;
    for (size_t i = 0; i < n; i++) {
        lo[i] = t->info->lo;
        hi[i] = t->info->hi;
        r->x[i] = x0[i];
    }
    eo_minimize_params p = r->params;
    if (!p.lower) {
        p.lower = lo;
        p.upper = hi;
    }
    eo_objective obj = eo_testfn_objective(t);
    eo_error_clear(&r->err);
    double t0 = eo_cli_now();
    r->status = eo_minimize(&p, &obj, r->x, s, trace ? eo_cli_trace_record : NULL, trace, &r->res,
                            &r->err);
    r->seconds = eo_cli_now() - t0;
    if (trace && trace->oom && r->status >= 0)
        r->status = eo_error_set(&r->err, EO_ERR_NOMEM, "no memory for the trace");
    return r->status;
}

void eo_cli_run_free(eo_cli_run *r)
{
    free(r->x);
    r->x = NULL;
}
