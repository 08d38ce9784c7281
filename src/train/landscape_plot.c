/* The landscape figure: loss (and accuracy) along the line, and the contour
 * map of the plane with the model and an optional trajectory on it. */
#include <math.h>
#include <string.h>

#include "edgeopt/landscape.h"
#include "edgeopt/plot.h"

static int fail_fig(eo_figure *f, eo_error *err, int st)
{
    const char *why = eo_figure_error(f);
    eo_error_set(err, st ? st : EO_ERR_INVALID, "landscape plot: %s", why && why[0] ? why : "cannot build the figure");
    eo_figure_destroy(f);
    return st ? st : EO_ERR_INVALID;
}

int eo_landscape_plot(const char *path, const eo_landscape_figure *fig, eo_error *err)
{
    if (!path || !fig || fig->na < 2 || !fig->alpha || !fig->loss)
        return eo_error_set(err, EO_ERR_INVALID, "landscape plot: needs at least 2 points on the line");
    int st = eo_plot_check_path(path, err);
    if (st) return st;
    int plane = fig->nb >= 2 && fig->beta && fig->plane_loss;
    int npanels = 1 + (fig->acc != NULL) + plane;
    eo_figure *f;
    if ((st = eo_figure_create(440 * npanels + 40, 420, &f)))
        return eo_error_set(err, st, "landscape plot: cannot create the figure");
    if ((st = eo_figure_panels(f, 1, npanels))) return fail_fig(f, err, st);
    if (fig->title && (st = eo_figure_title(f, fig->title))) return fail_fig(f, err, st);
    const char *xl = fig->xlabel ? fig->xlabel : "alpha";
    size_t pi = 0;

    eo_panel *p = eo_figure_panel(f, pi++);
    eo_panel_title(p, "loss along the line");
    eo_panel_xlabel(p, xl);
    eo_panel_ylabel(p, "loss");
    eo_panel_legend(p, EO_LEGEND_NONE);
    if ((st = eo_panel_line(p, "loss", fig->na, fig->alpha, fig->loss, NULL))) return fail_fig(f, err, st);
    if (fig->acc) {
        p = eo_figure_panel(f, pi++);
        eo_panel_title(p, "accuracy along the line");
        eo_panel_xlabel(p, xl);
        eo_panel_ylabel(p, "accuracy");
        eo_panel_legend(p, EO_LEGEND_NONE);
        eo_style s = eo_style_defaults();
        s.color = (int32_t)eo_plot_palette(1);
        if ((st = eo_panel_line(p, "accuracy", fig->na, fig->alpha, fig->acc, &s))) return fail_fig(f, err, st);
    }
    if (plane) {
        p = eo_figure_panel(f, pi++);
        eo_panel_title(p, "loss over the plane");
        eo_panel_xlabel(p, xl);
        eo_panel_ylabel(p, "beta");
        eo_grid g = {fig->na, fig->nb, fig->alpha[0], fig->alpha[fig->na - 1], fig->beta[0], fig->beta[fig->nb - 1],
                     fig->plane_loss};
        eo_contour_params cp = eo_contour_defaults();
        cp.label = "loss";
        cp.nlevels = 14;
        if ((st = eo_panel_contour(p, &g, &cp))) return fail_fig(f, err, st);
        eo_style s = eo_style_defaults();
        s.line_width = 1.5;
        s.halo = 1;
        if (fig->ntraj && fig->traj) {
            double xs[4096], ys[4096];
            size_t nt = fig->ntraj < 4096 ? fig->ntraj : 4096;
            for (size_t i = 0; i < nt; i++) {
                xs[i] = fig->traj[2 * i];
                ys[i] = fig->traj[2 * i + 1];
            }
            s.color = 0xffffff;
            s.marker = EO_MARKER_CIRCLE;
            s.marker_size = 5;
            if ((st = eo_panel_line(p, "trajectory", nt, xs, ys, &s))) return fail_fig(f, err, st);
        }
        double zero = 0.0;
        eo_style ms = eo_style_defaults();
        ms.line_width = 0;
        ms.marker = EO_MARKER_CROSS;
        ms.marker_size = 10;
        ms.color = 0xd55e00;
        if ((st = eo_panel_scatter(p, "model", 1, &zero, &zero, &ms))) return fail_fig(f, err, st);
    }
    st = eo_figure_save(f, path, err);
    eo_figure_destroy(f);
    return st;
}
