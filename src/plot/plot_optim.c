/* Builders for the optimizer commands: trajectories over a contour map, and
 * convergence charts. */
#include <math.h>
#include <stdlib.h>

#include "plot/internal.h"

eo_map_params eo_map_defaults(void)
{
    eo_map_params m;
    m.grid = 160;
    m.nlevels = 14;
    m.level_scale = EO_LEVELS_AUTO;
    m.markers = -1;
    return m;
}

static int check_series(eo_panel *p, const char *what, const eo_plot_series *s, size_t k)
{
    if (k && !s) return eo__fail(p->fig, EO_ERR_INVALID, "%s: series array is NULL", what);
    for (size_t i = 0; i < k; i++)
        if (s[i].n && !s[i].y) return eo__fail(p->fig, EO_ERR_INVALID, "%s: series %zu has no y values", what, i);
    return EO_OK;
}

int eo_plot_trajectories(eo_panel *p, eo_fn f, void *user, double x0, double x1, double y0, double y1,
                         const eo_plot_series *traj, size_t k, const eo_map_params *mp)
{
    if (!p) return EO_ERR_INVALID;
    eo_map_params m = mp ? *mp : eo_map_defaults();
    if (!f) return eo__fail(p->fig, EO_ERR_INVALID, "trajectories: the function is NULL");
    if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1) || !(x0 < x1) || !(y0 < y1))
        return eo__fail(p->fig, EO_ERR_INVALID, "trajectories: need finite x0 < x1 and y0 < y1");
    if (m.grid < 8 || m.grid > 1000) return eo__fail(p->fig, EO_ERR_INVALID, "trajectories: grid must be in 8..1000");
    int rc = check_series(p, "trajectories", traj, k);
    if (rc) return rc;
    for (size_t i = 0; i < k; i++)
        if (traj[i].n && !traj[i].x) return eo__fail(p->fig, EO_ERR_INVALID, "trajectories: trajectory %zu has no x values", i);

    size_t g = (size_t)m.grid;
    double *z = malloc(g * g * sizeof(double));
    if (!z) return eo__fail(p->fig, EO_ERR_NOMEM, "trajectories: out of memory");
    for (size_t j = 0; j < g; j++)
        for (size_t i = 0; i < g; i++) {
            double xy[2] = {x0 + (x1 - x0) * (double)i / (double)(g - 1), y0 + (y1 - y0) * (double)j / (double)(g - 1)};
            double v = f(2, xy, NULL, user);
            z[j * g + i] = isfinite(v) ? v : NAN;
        }
    eo_grid grid = {g, g, x0, x1, y0, y1, z};
    eo_contour_params cp = eo_contour_defaults();
    cp.nlevels = m.nlevels;
    cp.level_scale = m.level_scale;
    cp.fill_alpha = 0.5;
    cp.label = "f(x0, x1)";
    rc = eo_panel_contour(p, &grid, &cp);
    free(z);
    if (rc) return rc;
    if (!p->xlabel) eo_panel_xlabel(p, "x0");
    if (!p->ylabel) eo_panel_ylabel(p, "x1");
    eo_panel_xlim(p, x0, x1);
    eo_panel_ylim(p, y0, y1);

    for (size_t i = 0; i < k; i++) {
        const eo_plot_series *t = &traj[i];
        eo_style st = eo_style_defaults();
        st.color = (int32_t)eo__panel_next_color(p);
        st.line_width = 1.8;
        st.halo = 1;
        if (m.markers == 1 || (m.markers < 0 && t->n <= 60)) {
            st.marker = EO_MARKER_CIRCLE;
            st.marker_size = 4.0;
        }
        rc = eo_panel_line(p, t->name, t->n, t->x, t->y, &st);
        if (rc) return rc;
        /* Start (square) and end (large circle) markers: first and last finite points. */
        size_t a = 0, b = t->n;
        while (a < t->n && !(isfinite(t->x[a]) && isfinite(t->y[a]))) a++;
        while (b > a && !(isfinite(t->x[b - 1]) && isfinite(t->y[b - 1]))) b--;
        if (a >= b) continue;
        eo_style se = st;
        se.line_width = 0.0;
        se.legend = 0;
        se.marker = EO_MARKER_SQUARE;
        se.marker_size = 9.0;
        se.marker_hollow = 1;
        if ((rc = eo_panel_scatter(p, NULL, 1, &t->x[a], &t->y[a], &se))) return rc;
        se.marker = EO_MARKER_CIRCLE;
        se.marker_hollow = 0;
        if ((rc = eo_panel_scatter(p, NULL, 1, &t->x[b - 1], &t->y[b - 1], &se))) return rc;
    }
    if (k) {
        /* Legend-only entries explaining the two markers. */
        eo_style s0 = eo_style_defaults();
        s0.color = 0x404040;
        s0.line_width = 0.0;
        s0.marker = EO_MARKER_SQUARE;
        s0.marker_size = 9.0;
        s0.marker_hollow = 1;
        if ((rc = eo_panel_scatter(p, "start", 0, NULL, NULL, &s0))) return rc;
        s0.marker = EO_MARKER_CIRCLE;
        s0.marker_hollow = 0;
        if ((rc = eo_panel_scatter(p, "end", 0, NULL, NULL, &s0))) return rc;
    }
    return EO_OK;
}

int eo_plot_convergence(eo_panel *fp, eo_panel *gp, const eo_plot_series *fs, const eo_plot_series *gs, size_t k,
                        double fstar)
{
    if (!fp && !gp) return EO_ERR_INVALID;
    int rc;
    if (fp) {
        if ((rc = check_series(fp, "convergence", fs, k))) return rc;
        int shift = isfinite(fstar), logy = 1;
        for (size_t i = 0; i < k && !shift; i++)
            for (size_t j = 0; j < fs[i].n; j++)
                if (isfinite(fs[i].y[j]) && fs[i].y[j] <= 0.0) logy = 0;
        eo_panel_yscale(fp, logy ? EO_AXIS_LOG10 : EO_AXIS_LINEAR);
        eo_panel_xlabel(fp, "iteration");
        eo_panel_ylabel(fp, shift ? "f - f*" : "f");
        for (size_t i = 0; i < k; i++) {
            double *y = eo__dup_doubles(fs[i].y, fs[i].n);
            if (!y) return eo__fail(fp->fig, EO_ERR_NOMEM, "convergence: out of memory");
            if (shift)
                for (size_t j = 0; j < fs[i].n; j++) y[j] -= fstar;
            eo_style st = eo_style_defaults();
            st.color = (int32_t)eo_plot_palette(i);
            rc = eo_panel_line(fp, fs[i].name, fs[i].n, fs[i].x, y, &st);
            free(y);
            if (rc) return rc;
        }
    }
    if (gp && gs) {
        if ((rc = check_series(gp, "convergence", gs, k))) return rc;
        eo_panel_yscale(gp, EO_AXIS_LOG10);
        eo_panel_xlabel(gp, "iteration");
        eo_panel_ylabel(gp, "gradient norm");
        for (size_t i = 0; i < k; i++) {
            eo_style st = eo_style_defaults();
            st.color = (int32_t)eo_plot_palette(i);
            if ((rc = eo_panel_line(gp, gs[i].name, gs[i].n, gs[i].x, gs[i].y, &st))) return rc;
        }
    }
    return EO_OK;
}
