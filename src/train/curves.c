/* Learning curves through the plot module (cairo when the build has it). */
#include <math.h>
#include <stdlib.h>

#include "edgeopt/plot.h"
#include "edgeopt/train.h"

int eo_history_plot_check(const char *path, eo_error *err) { return eo_plot_check_path(path, err); }

int eo_history_plot(const char *path, const eo_epoch_record *h, size_t n, const char *title, eo_error *err)
{
    int st = eo_plot_check_path(path, err);
    if (st) return st;
    if (n == 0) return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "no epochs to plot");
    double *v = malloc(5 * n * sizeof *v);
    if (!v) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    double *ep = v, *tl = v + n, *vl = v + 2 * n, *ta = v + 3 * n, *va = v + 4 * n;
    int has_val = 0, has_acc = 0;
    for (size_t i = 0; i < n; i++) {
        ep[i] = h[i].epoch;
        tl[i] = h[i].train_loss;
        vl[i] = h[i].val_loss;
        ta[i] = h[i].train_acc;
        va[i] = h[i].val_acc;
        has_val |= isfinite(vl[i]);
        has_acc |= isfinite(ta[i]) || isfinite(va[i]);
    }
    eo_figure *f = NULL;
    st = eo_figure_create(has_acc ? 1000 : 600, 420, &f);
    if (!st) st = eo_figure_panels(f, 1, has_acc ? 2 : 1);
    if (!st) {
        eo_panel *lp = eo_figure_panel(f, 0), *ap = has_acc ? eo_figure_panel(f, 1) : NULL;
        eo_panel_title(lp, "loss");
        eo_panel_xlabel(lp, "epoch");
        eo_panel_ylabel(lp, "loss");
        if (ap) {
            eo_panel_title(ap, "accuracy");
            eo_panel_xlabel(ap, "epoch");
            eo_panel_ylabel(ap, "accuracy");
        }
        if (title && *title) eo_figure_title(f, title);
        st = eo_plot_learning_curves(lp, ap, n, ep, tl, has_val ? vl : NULL, has_acc ? ta : NULL,
                                     has_acc && has_val ? va : NULL);
        if (st) eo_error_set(err, st, "learning curves: %s", eo_figure_error(f));
    }
    if (!st) st = eo_figure_save(f, path, err);
    eo_figure_destroy(f);
    free(v);
    return st;
}
