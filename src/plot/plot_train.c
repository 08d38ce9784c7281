/* Builders for training and compression: learning curves and the weight
 * histogram with the int8 grid. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot/internal.h"

static int curve_pair(eo_panel *p, size_t n, const double *x, const double *train, const double *val,
                      const char *ylabel)
{
    if (!p || (!train && !val)) return EO_OK;
    eo_panel_xlabel(p, "epoch");
    eo_panel_ylabel(p, ylabel);
    eo_style st = eo_style_defaults();
    if (n <= 30) {
        st.marker = EO_MARKER_CIRCLE;
        st.marker_size = 5.0;
    }
    int rc;
    if (train) {
        st.color = (int32_t)eo_plot_palette(0);
        if ((rc = eo_panel_line(p, "train", n, x, train, &st))) return rc;
    }
    if (val) {
        st.color = (int32_t)eo_plot_palette(1);
        st.dash = EO_DASH_DASHED;
        st.marker = n <= 30 ? EO_MARKER_SQUARE : EO_MARKER_NONE;
        if ((rc = eo_panel_line(p, "validation", n, x, val, &st))) return rc;
    }
    return EO_OK;
}

int eo_plot_learning_curves(eo_panel *loss_panel, eo_panel *acc_panel, size_t n, const double *epoch,
                            const double *train_loss, const double *val_loss, const double *train_acc,
                            const double *val_acc)
{
    if (!loss_panel && !acc_panel) return EO_ERR_INVALID;
    double *x = eo__dup_doubles(epoch, n);
    if (!x) return eo__fail((loss_panel ? loss_panel : acc_panel)->fig, EO_ERR_NOMEM, "learning curves: out of memory");
    if (!epoch)
        for (size_t i = 0; i < n; i++) x[i] = (double)(i + 1);
    int rc = curve_pair(loss_panel, n, x, train_loss, val_loss, "loss");
    if (!rc) rc = curve_pair(acc_panel, n, x, train_acc, val_acc, "accuracy");
    free(x);
    return rc;
}

int eo_plot_histogram_grid(eo_panel *p, const char *name, size_t n, const float *w, int bins, double scale,
                           int zero_point)
{
    if (!p) return EO_ERR_INVALID;
    if (n && !w) return eo__fail(p->fig, EO_ERR_INVALID, "histogram_grid: weights are NULL");
    if (bins == 0) bins = 80;
    if (bins < 1 || bins > 10000) return eo__fail(p->fig, EO_ERR_INVALID, "histogram_grid: bins must be in 1..10000");
    if (!isfinite(scale)) return eo__fail(p->fig, EO_ERR_INVALID, "histogram_grid: scale is not finite");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(w[i])) lo = fmin(lo, w[i]), hi = fmax(hi, w[i]);
    if (!(lo <= hi)) lo = -1.0, hi = 1.0;
    if (lo == hi) lo -= 0.5, hi += 0.5;
    size_t nb = (size_t)bins;
    double *edges = malloc((nb + 1) * sizeof(double)), *cnt = calloc(nb, sizeof(double));
    if (!edges || !cnt) {
        free(edges), free(cnt);
        return eo__fail(p->fig, EO_ERR_NOMEM, "histogram_grid: out of memory");
    }
    double bw = (hi - lo) / (double)nb;
    for (size_t i = 0; i <= nb; i++) edges[i] = lo + bw * (double)i;
    edges[nb] = hi;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) continue;
        size_t b = (size_t)((w[i] - lo) / bw);
        cnt[b >= nb ? nb - 1 : b] += 1.0;
    }
    int rc = EO_OK;
    if (scale > 0.0) {
        double grid[256];
        size_t g = 0;
        for (int q = -128; q <= 127; q++) {
            double v = (double)(q - zero_point) * scale;
            if (v >= lo - 0.5 * scale && v <= hi + 0.5 * scale) grid[g++] = v;
        }
        char label[96], sc[32];
        snprintf(sc, sizeof sc, "%.3g", scale);
        eo__c_number(sc);
        snprintf(label, sizeof label, "int8 grid (%zu levels, step %s)", g, sc);
        eo_style gs = eo_style_defaults();
        gs.color = 0x555555;
        gs.alpha = 0.45;
        gs.line_width = 0.6;
        rc = eo_panel_vlines(p, label, g, grid, &gs);
    }
    if (!rc) {
        eo_style bs = eo_style_defaults();
        bs.color = (int32_t)eo_plot_palette(0);
        bs.line_width = 1.2;
        rc = eo_panel_bars(p, name && *name ? name : "weights", nb, edges, cnt, EO_HIST_BAR, &bs);
    }
    free(edges), free(cnt);
    if (rc) return rc;
    eo_panel_xlabel(p, "weight value");
    eo_panel_ylabel(p, "count");
    if (name && *name && !p->title) eo_panel_title(p, name);
    return EO_OK;
}
