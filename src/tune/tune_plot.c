/* Study plots: the score of each job with the best-so-far line, each
 * parameter against the score, the rungs of halving/Hyperband and, with
 * several objectives, the Pareto front of the first two. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/plot.h"
#include "tune/study.h"

int eo_study_plot(const eo_study *s, const char *path, const char *score_name, eo_error *err)
{
    if (!s || !path) return eo_error_set(err, EO_ERR_INVALID, "eo_study_plot: NULL argument");
    int st = eo_plot_check_path(path, err);
    if (st) return st;
    if (!score_name) score_name = "score";
    size_t n = s->njobs;
    int rungs = s->p.strategy == EO_TUNE_HALVING || s->p.strategy == EO_TUNE_HYPERBAND || s->p.strategy == EO_TUNE_BOHB;
    int pareto = s->p.nobjectives >= 2;
    size_t dim = s->dim;
    size_t maxp = 24 - 1 - (size_t)rungs - (size_t)pareto;
    size_t np = 1 + (dim < maxp ? dim : maxp) + (size_t)rungs + (size_t)pareto;
    int cols = np <= 3 ? (int)np : (np == 4 ? 2 : 3), rows = (int)((np + (size_t)cols - 1) / (size_t)cols);
    size_t cnt = n ? n : 1;
    double *score = malloc(cnt * sizeof *score), *val = malloc(cnt * sizeof *val);
    double *budget = malloc(cnt * sizeof *budget), *px = malloc(cnt * sizeof *px), *py = malloc(cnt * sizeof *py);
    long *trial = malloc(cnt * sizeof *trial);
    eo_figure *f = NULL;
    if (!score || !val || !budget || !px || !py || !trial) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((st = eo_figure_create(420 * cols, 330 * rows, &f)) || (st = eo_figure_panels(f, rows, cols))) {
        eo_error_set(err, st, "cannot create the figure");
        goto out;
    }
    char title[160];
    snprintf(title, sizeof title, "%s search: %zu evaluations", eo_tune_strategy_name(s->p.strategy), n);
    eo_figure_title(f, title);
    for (size_t k = 0; k < n; k++) {
        int ok = s->state[k] == JOB_DONE && s->res[k].status == EO_TRIAL_OK;
        score[k] = ok ? s->res[k].score : NAN;
        trial[k] = s->trial[k];
        budget[k] = s->budget[k];
    }
    size_t pi = 0;
    if ((st = eo_plot_trials(eo_figure_panel(f, pi++), n, score, s->p.maximize, score_name))) goto fig_fail;
    for (size_t i = 0; i < dim && i < maxp; i++) {
        for (size_t k = 0; k < n; k++) val[k] = eo_space_value_num(s->space, i, s->x[k * dim + i]);
        if ((st = eo_plot_param_scores(eo_figure_panel(f, pi++), s->space->p[i].name, n, val, score,
                                       eo_space_log_axis(s->space, i), score_name)))
            goto fig_fail;
    }
    if (rungs && (st = eo_plot_rungs(eo_figure_panel(f, pi++), n, trial, budget, score, "epochs", score_name)))
        goto fig_fail;
    if (pareto) {
        int qa = s->p.objectives[0], qb = s->p.objectives[1];
        /* x: the first device quantity, y: the score (or the second quantity) */
        int qx = qa == EO_TUNE_SCORE ? qb : qa, qy = qa == EO_TUNE_SCORE ? qa : qb;
        long best = eo_study_best(s);
        int top = best >= 0 ? s->budget[best] : s->p.max_epochs;
        size_t m = 0;
        for (size_t k = 0; k < n; k++) {
            if (!(s->state[k] == JOB_DONE && s->res[k].status == EO_TRIAL_OK && s->budget[k] == top)) continue;
            px[m] = s->res[k].q[qx];
            py[m] = qy == EO_TUNE_SCORE ? s->res[k].score : s->res[k].q[qy];
            m++;
        }
        int ysense = qy == EO_TUNE_SCORE && s->p.maximize ? EO_MAXIMIZE : EO_MINIMIZE;
        char xl[64], yl[64];
        snprintf(xl, sizeof xl, "%s%s", eo_tune_quantity_name(qx),
                 qx == EO_TUNE_FLASH || qx == EO_TUNE_RAM ? " (bytes)" : (qx == EO_TUNE_LATENCY ? " (MACs)" : ""));
        snprintf(yl, sizeof yl, "%s", qy == EO_TUNE_SCORE ? score_name : eo_tune_quantity_name(qy));
        if ((st = eo_plot_pareto(eo_figure_panel(f, pi++), m, px, py, EO_MINIMIZE, ysense, xl, yl, NULL)))
            goto fig_fail;
    }
    st = eo_figure_save(f, path, err);
    goto out;
fig_fail:
    eo_error_set(err, st, "plot: %s", eo_figure_error(f));
out:
    eo_figure_destroy(f);
    free(score);
    free(val);
    free(budget);
    free(px);
    free(py);
    free(trial);
    return st;
}
