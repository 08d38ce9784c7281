/* Plots for `optimize` and `compare` (see optimize_plot.h). */
#include "cli/optimize_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "edgeopt/plot.h"

int eo_cli_plot_check(const char *cmd, const char *path)
{
    eo_error e;
    eo_error_clear(&e);
    if (eo_plot_check_path(path, &e)) return eo_cli_fail_err(cmd, &e);
    return 0;
}

/* f* for f - f* on a log axis: the global minimum when the function has one. */
static double fstar_of(const eo_testfn *t)
{
    if (!t->info->has_minimum) return NAN;
    for (int i = 0; i < t->info->npoints; i++) {
        const eo_testfn_point *p = &t->info->points[i];
        if (p->global) return p->f0 + p->f_per_dim * (double)t->n;
    }
    return NAN;
}

int eo_cli_plot_runs(const char *cmd, const char *path, const eo_testfn *t,
                     const eo_cli_trace *traces, const char *const *names, int k)
{
    int two_d = t->n == 2;
    eo_figure *fig = NULL;
    int rc = 0;
    /* Iteration numbers and coordinates as separate double arrays. */
    double **its = calloc((size_t)k, sizeof *its);
    double **xs = calloc((size_t)k, sizeof *xs);
    double **ys = calloc((size_t)k, sizeof *ys);
    eo_plot_series *fs = calloc((size_t)k, sizeof *fs);
    eo_plot_series *gs = calloc((size_t)k, sizeof *gs);
    eo_plot_series *tr = calloc((size_t)k, sizeof *tr);
    if (!its || !xs || !ys || !fs || !gs || !tr) {
        rc = eo_cli_fail(cmd, "--plot: out of memory");
        goto out;
    }
    double lo = t->info->lo, hi = t->info->hi;
    double bx0 = lo, bx1 = hi, by0 = lo, by1 = hi;
    for (int j = 0; j < k; j++) {
        const eo_cli_trace *c = &traces[j];
        its[j] = malloc((c->rows ? c->rows : 1) * sizeof(double));
        xs[j] = malloc((c->rows ? c->rows : 1) * sizeof(double));
        ys[j] = malloc((c->rows ? c->rows : 1) * sizeof(double));
        if (!its[j] || !xs[j] || !ys[j]) {
            rc = eo_cli_fail(cmd, "--plot: out of memory");
            goto out;
        }
        for (size_t r = 0; r < c->rows; r++) {
            its[j][r] = (double)c->iter[r];
            if (two_d) {
                xs[j][r] = c->x[r * c->keep_dims];
                ys[j][r] = c->x[r * c->keep_dims + 1];
                /* Grow the map to show where a run went, within reason. */
                double span = hi - lo;
                if (isfinite(xs[j][r]) && isfinite(ys[j][r])) {
                    if (xs[j][r] < bx0 && xs[j][r] > lo - span) bx0 = xs[j][r];
                    if (xs[j][r] > bx1 && xs[j][r] < hi + span) bx1 = xs[j][r];
                    if (ys[j][r] < by0 && ys[j][r] > lo - span) by0 = ys[j][r];
                    if (ys[j][r] > by1 && ys[j][r] < hi + span) by1 = ys[j][r];
                }
            }
        }
        fs[j] = (eo_plot_series){names[j], c->rows, its[j], c->f};
        gs[j] = (eo_plot_series){names[j], c->rows, its[j], c->gnorm};
        tr[j] = (eo_plot_series){names[j], c->rows, xs[j], ys[j]};
    }
    int st = eo_figure_create(two_d ? 1500 : 1100, 500, &fig);
    if (!st) st = eo_figure_panels(fig, 1, two_d ? 3 : 2);
    if (st) {
        rc = eo_cli_fail(cmd, "--plot: %s", eo_status_str(st));
        goto out;
    }
    char title[256];
    snprintf(title, sizeof title, "%s (n = %zu)", t->info->name, t->n);
    eo_figure_title(fig, title);
    size_t panel = 0;
    if (two_d) {
        eo_objective obj = eo_testfn_objective(t);
        eo_map_params mp = eo_map_defaults();
        st = eo_plot_trajectories(eo_figure_panel(fig, panel++), obj.f, obj.user, bx0, bx1, by0,
                                  by1, tr, (size_t)k, &mp);
        if (st) {
            rc = eo_cli_fail(cmd, "--plot: %s", eo_figure_error(fig));
            goto out;
        }
    }
    eo_panel *fp = eo_figure_panel(fig, panel++);
    eo_panel *gp = eo_figure_panel(fig, panel++);
    st = eo_plot_convergence(fp, gp, fs, gs, (size_t)k, fstar_of(t));
    if (st) {
        rc = eo_cli_fail(cmd, "--plot: %s", eo_figure_error(fig));
        goto out;
    }
    eo_error e;
    eo_error_clear(&e);
    if (eo_figure_save(fig, path, &e)) rc = eo_cli_fail_err(cmd, &e);
out:
    for (int j = 0; j < k && its && xs && ys; j++) {
        free(its[j]);
        free(xs[j]);
        free(ys[j]);
    }
    free(its);
    free(xs);
    free(ys);
    free(fs);
    free(gs);
    free(tr);
    eo_figure_destroy(fig);
    return rc;
}
