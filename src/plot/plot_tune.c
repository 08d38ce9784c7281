/* Builders for tuning and compression trade-offs: Pareto fronts, score per
 * trial with the best-so-far line, parameter against score, Hyperband rungs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot/internal.h"

int eo_plot_pareto(eo_panel *p, size_t n, const double *x, const double *y, int x_sense, int y_sense,
                   const char *xlabel, const char *ylabel, const char *const *names)
{
    if (!p) return EO_ERR_INVALID;
    eo_style st = eo_style_defaults();
    st.color = (int32_t)eo_plot_palette(0);
    st.line_width = 1.6;
    st.marker = EO_MARKER_CIRCLE;
    st.marker_size = 7.0;
    int rc = eo_panel_pareto(p, "Pareto front", n, x, y, x_sense, y_sense, &st);
    if (rc) return rc;
    if (xlabel) eo_panel_xlabel(p, xlabel);
    if (ylabel) eo_panel_ylabel(p, ylabel);
    if (names) {
        const eo__series *s = &p->s[p->ns - 1];
        for (size_t i = 0; i < n; i++)
            if (s->front[i] && names[i] && *names[i] && (rc = eo_panel_text(p, x[i], y[i], names[i], -1))) return rc;
    }
    return EO_OK;
}

int eo_plot_trials(eo_panel *p, size_t n, const double *score, int maximize, const char *score_name)
{
    if (!p) return EO_ERR_INVALID;
    if (n && !score) return eo__fail(p->fig, EO_ERR_INVALID, "trials: scores are NULL");
    double *x = malloc((n ? n : 1) * sizeof(double)), *best = malloc((n ? n : 1) * sizeof(double));
    if (!x || !best) {
        free(x), free(best);
        return eo__fail(p->fig, EO_ERR_NOMEM, "trials: out of memory");
    }
    double b = NAN;
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)(i + 1);
        if (isfinite(score[i]) && (isnan(b) || (maximize ? score[i] > b : score[i] < b))) b = score[i];
        best[i] = b;
    }
    eo_style sc = eo_style_defaults();
    sc.color = (int32_t)eo_plot_palette(0);
    sc.line_width = 0.0;
    sc.marker = EO_MARKER_CIRCLE;
    sc.marker_size = 6.0;
    sc.alpha = 0.85;
    int rc = eo_panel_scatter(p, "trial", n, x, score, &sc);
    if (!rc) {
        eo_style bl = eo_style_defaults();
        bl.color = (int32_t)eo_plot_palette(1);
        bl.line_width = 2.0;
        bl.steps = 1;
        rc = eo_panel_line(p, "best so far", n, x, best, &bl);
    }
    free(x), free(best);
    if (rc) return rc;
    eo_panel_xlabel(p, "trial");
    eo_panel_ylabel(p, score_name && *score_name ? score_name : "score");
    return EO_OK;
}

int eo_plot_param_scores(eo_panel *p, const char *param, size_t n, const double *value, const double *score,
                         int log_x, const char *score_name)
{
    if (!p) return EO_ERR_INVALID;
    if (n && (!value || !score)) return eo__fail(p->fig, EO_ERR_INVALID, "param_scores: values or scores are NULL");
    eo_style sc = eo_style_defaults();
    sc.color = (int32_t)eo_plot_palette(0);
    sc.line_width = 0.0;
    sc.marker = EO_MARKER_CIRCLE;
    sc.alpha = 0.85;
    int rc = eo_panel_scatter(p, NULL, n, value, score, &sc);
    if (rc) return rc;
    eo_panel_xscale(p, log_x ? EO_AXIS_LOG10 : EO_AXIS_LINEAR);
    eo_panel_xlabel(p, param && *param ? param : "parameter");
    eo_panel_ylabel(p, score_name && *score_name ? score_name : "score");
    return EO_OK;
}

typedef struct {
    long trial;
    double budget, score;
} rec;

static int cmp_rec(const void *a, const void *b)
{
    const rec *p = a, *q = b;
    if (p->trial != q->trial) return (p->trial > q->trial) - (p->trial < q->trial);
    return (p->budget > q->budget) - (p->budget < q->budget);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int eo_plot_rungs(eo_panel *p, size_t n, const long *trial, const double *budget, const double *score,
                  const char *budget_name, const char *score_name)
{
    if (!p) return EO_ERR_INVALID;
    if (n && (!trial || !budget || !score)) return eo__fail(p->fig, EO_ERR_INVALID, "rungs: arrays are NULL");
    rec *r = malloc((n ? n : 1) * sizeof(rec));
    double *bud = malloc((n ? n : 1) * sizeof(double)), *xs = malloc((n ? n : 1) * sizeof(double)),
           *ys = malloc((n ? n : 1) * sizeof(double));
    if (!r || !bud || !xs || !ys) {
        free(r), free(bud), free(xs), free(ys);
        return eo__fail(p->fig, EO_ERR_NOMEM, "rungs: out of memory");
    }
    size_t m = 0, nb = 0;
    int positive = 1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(budget[i])) continue;
        r[m].trial = trial[i], r[m].budget = budget[i], r[m].score = score[i], m++;
        bud[nb++] = budget[i];
        if (budget[i] <= 0.0) positive = 0;
    }
    qsort(r, m, sizeof(rec), cmp_rec);
    qsort(bud, nb, sizeof(double), cmp_d);
    size_t nd = 0; /* distinct budgets = rungs */
    for (size_t i = 0; i < nb; i++)
        if (!nd || bud[i] != bud[nd - 1]) bud[nd++] = bud[i];
    unsigned char labelled[64] = {0};
    int rc = EO_OK;
    for (size_t a = 0; a < m && !rc;) {
        size_t b = a;
        while (b < m && r[b].trial == r[a].trial) b++;
        size_t k = 0, rung = 0;
        for (size_t i = a; i < b; i++) xs[k] = r[i].budget, ys[k] = r[i].score, k++;
        while (rung + 1 < nd && bud[rung] < r[b - 1].budget) rung++;
        eo_style st = eo_style_defaults();
        st.color = (int32_t)eo_plot_palette(rung);
        st.line_width = 1.2;
        st.alpha = 0.8;
        st.marker = EO_MARKER_CIRCLE;
        st.marker_size = 5.0;
        char label[80];
        const char *lab = NULL;
        if (rung < 64 && !labelled[rung]) {
            char bv[32];
            snprintf(bv, sizeof bv, "%g", bud[rung]);
            eo__c_number(bv);
            snprintf(label, sizeof label, "reached rung %zu (%s %s)", rung, budget_name && *budget_name ? budget_name : "budget",
                     bv);
            lab = label;
            labelled[rung] = 1;
        }
        rc = eo_panel_line(p, lab, k, xs, ys, &st);
        a = b;
    }
    free(r), free(bud), free(xs), free(ys);
    if (rc) return rc;
    if (positive && nd > 1) eo_panel_xscale(p, EO_AXIS_LOG10);
    eo_panel_xlabel(p, budget_name && *budget_name ? budget_name : "budget");
    eo_panel_ylabel(p, score_name && *score_name ? score_name : "score");
    return EO_OK;
}
