/* Chapter 3 (docs/guide/03-regularization.md): L1 gives exact zeros, L2 only
 * shrinks.
 *
 * Data: y = X w + noise with X ~ N(0, I) (200 rows, 50 features) and a true w
 * with 5 non-zeros (eo_data_synthetic "sparse-regression", which also returns
 * w). Three fits of the same linear model:
 *   - the trainer with L2:  loss + l2/2 ||w||^2, plain Adam updates;
 *   - the trainer with L1 applied by a PROXIMAL step after every update,
 *     w <- sign(w) max(|w| - lr l1, 0)  (soft-thresholding: exact zeros;
 *     a plain subgradient step would only make weights oscillate around 0);
 *   - coordinate descent for the Lasso (eo_enet_fit), the textbook solver
 *     (Friedman, Hastie & Tibshirani 2010) for
 *       min_w 1/(2n) ||y - X w - b||^2 + alpha ||w||_1.
 * The trainer's MSE is mean (y_hat - y)^2 without the 1/2, so its l1 = 0.1
 * puts the same weight on ||w||_1 as the Lasso's alpha = 0.05.
 * For each: exact zeros among the 50 weights, how many of the 5 true
 * non-zeros were kept, and the error ||w - w_true||.
 *
 * With an argument, `ch3_regularization PATH.svg|png` also draws the Lasso
 * regularization path (eo_enet_path: 40 alphas, warm starts) with the plot
 * API: every coefficient against alpha, the true features in color.
 *
 * Output lines (tests/docs/test_examples.sh):
 *   fit NAME zeros Z kept K of 5 error E
 *   path alphas N first_nonzero_alpha A all_true_in_at_alpha B first_noise_alpha C
 * (the largest alpha with any non-zero, with all 5 true features non-zero,
 * with a noise feature non-zero: the real features enter the path first). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "edgeopt/edgeopt.h"

#define N_ROWS 200
#define N_FEAT 50
#define N_TRUE 5

static void report(const char *name, const float *w, const float *w_true)
{
    int zeros = 0, kept = 0;
    double e2 = 0;
    for (int j = 0; j < N_FEAT; j++) {
        if (w[j] == 0.0f) zeros++;
        if (w_true[j] != 0.0f && w[j] != 0.0f) kept++;
        e2 += ((double)w[j] - w_true[j]) * ((double)w[j] - w_true[j]);
    }
    printf("fit %s zeros %d kept %d of %d error %.4f\n", name, zeros, kept, N_TRUE, sqrt(e2));
}

/* Train a "linear" model (one dense layer) with MSE and the given penalty. */
static int train_linear(const eo_dataset *ds, const char *name, double l1, double l2, const float *w_true)
{
    eo_error err;
    eo_model *m = NULL;
    const int64_t in_shape[3] = {1, 1, N_FEAT};
    if (eo_model_from_spec("linear", in_shape, 1, NULL, &m, &err) != EO_OK) goto fail;

    eo_rng rng;
    eo_rng_seed(&rng, 1);
    eo_model_init_params(m, &rng);

    eo_train_params tp = eo_train_defaults();
    tp.epochs = 200;
    tp.batch = 20;
    tp.loss = eo_loss_defaults(EO_LOSS_MSE);
    tp.optim = eo_optim_defaults(EO_OPTIM_ADAM);
    tp.optim.lr = 0.01;
    tp.penalty.l1 = l1;
    tp.penalty.l2 = l2;
    tp.l1_proximal = l1 > 0; /* soft-threshold after each step: exact zeros */

    eo_trainer *t = NULL;
    if (eo_trainer_create(m, &tp, &t, &err) != EO_OK) goto fail;
    int rc = eo_trainer_fit(t, ds, NULL, 0, NULL, NULL, 0, NULL, &err);
    eo_trainer_destroy(t);
    if (rc != EO_OK) goto fail;

    /* parameters of "linear": [W (1 x 50), b] */
    report(name, eo_model_params(m), w_true);
    eo_model_destroy(m);
    return 0;
fail:
    fprintf(stderr, "%s: %s\n", name, err.msg);
    eo_model_destroy(m);
    return 1;
}

static int lasso_cd(const eo_dataset *ds, double alpha, const float *w_true)
{
    eo_error err;
    double *X = malloc(sizeof(double) * N_ROWS * N_FEAT), *y = malloc(sizeof(double) * N_ROWS);
    double w[N_FEAT], b = 0;
    float wf[N_FEAT];
    int rc = 1;
    if (!X || !y) goto done;
    for (size_t i = 0; i < N_ROWS; i++) {
        for (size_t j = 0; j < N_FEAT; j++) X[i * N_FEAT + j] = eo_dataset_at(ds, i, j);
        y[i] = ds->t[i];
    }
    eo_enet_params p = eo_enet_defaults(); /* l1_ratio 1 = Lasso */
    p.alpha = alpha;
    eo_enet_info info;
    if (eo_enet_fit(&p, N_ROWS, N_FEAT, X, N_FEAT, 1, y, w, &b, &info, &err) != EO_OK) {
        fprintf(stderr, "lasso: %s\n", err.msg);
        goto done;
    }
    for (int j = 0; j < N_FEAT; j++) wf[j] = (float)w[j];
    report("lasso-cd", wf, w_true);
    rc = 0;
done:
    free(X);
    free(y);
    return rc;
}

/* The Lasso path over 40 log-spaced alphas; plotted when `plot_path` is set. */
static int lasso_path(const eo_dataset *ds, const float *w_true, const char *plot_path)
{
    enum { NA = 40 };
    eo_error err;
    int rc = 1;
    double *X = malloc(sizeof(double) * N_ROWS * N_FEAT), *y = malloc(sizeof(double) * N_ROWS);
    double *W = malloc(sizeof(double) * NA * N_FEAT), alphas[NA], coef[NA];
    eo_figure *fig = NULL;
    if (!X || !y || !W) goto done;
    for (size_t i = 0; i < N_ROWS; i++) {
        for (size_t j = 0; j < N_FEAT; j++) X[i * N_FEAT + j] = eo_dataset_at(ds, i, j);
        y[i] = ds->t[i];
    }
    eo_enet_params p = eo_enet_defaults();
    if (eo_enet_path(&p, N_ROWS, N_FEAT, X, N_FEAT, 1, y, NA, 1e-3, alphas, W, NULL, NULL, &err) != EO_OK) {
        fprintf(stderr, "lasso path: %s\n", err.msg);
        goto done;
    }
    /* the largest alpha with a non-zero, and the largest with all 5 true features in */
    double first = 0, all_in = 0, noise = 0;
    for (int k = NA - 1; k >= 0; k--) { /* alphas decrease with k */
        int nz = 0, tin = 0, nin = 0;
        for (int j = 0; j < N_FEAT; j++) {
            nz += W[k * N_FEAT + j] != 0;
            tin += W[k * N_FEAT + j] != 0 && w_true[j] != 0;
            nin += W[k * N_FEAT + j] != 0 && w_true[j] == 0;
        }
        if (nz > 0) first = alphas[k];
        if (tin == N_TRUE) all_in = alphas[k];
        if (nin > 0) noise = alphas[k];
    }
    printf("path alphas %d first_nonzero_alpha %.4g all_true_in_at_alpha %.4g first_noise_alpha %.4g\n", NA, first,
           all_in, noise);

    if (plot_path) {
        if (eo_figure_create(760, 440, &fig) != EO_OK) goto done;
        eo_panel *pa = eo_figure_panel(fig, 0);
        eo_figure_title(fig, "Lasso path: 50 features, 5 of them real");
        eo_panel_xlabel(pa, "alpha (log scale)");
        eo_panel_ylabel(pa, "coefficient");
        eo_panel_xscale(pa, EO_AXIS_LOG10);
        eo_style grey = eo_style_defaults();
        grey.color = 0xaaaaaa;
        grey.line_width = 1.0;
        int grey_labelled = 0;
        for (int j = 0; j < N_FEAT; j++) {
            for (int k = 0; k < NA; k++) coef[k] = W[k * N_FEAT + j];
            if (w_true[j] != 0) {
                char label[64];
                snprintf(label, sizeof label, "feature %d (true %.2f)", j, w_true[j]);
                eo_panel_line(pa, label, NA, alphas, coef, NULL);
            } else {
                eo_panel_line(pa, grey_labelled ? NULL : "the 45 noise features", NA, alphas, coef, &grey);
                grey_labelled = 1;
            }
        }
        if (eo_figure_save(fig, plot_path, &err) != EO_OK) {
            fprintf(stderr, "plot: %s\n", err.msg);
            goto done;
        }
    }
    rc = 0;
done:
    eo_figure_destroy(fig);
    free(X);
    free(y);
    free(W);
    return rc;
}

int main(int argc, char **argv)
{
    eo_error err;
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_SPARSE_REGRESSION);
    sp.n = N_ROWS;
    sp.d = N_FEAT;
    sp.k = N_TRUE;
    sp.noise = 0.1;
    sp.seed = 3;
    eo_dataset ds;
    float w_true[N_FEAT];
    if (eo_data_synthetic(&sp, &ds, w_true, &err) != EO_OK) {
        fprintf(stderr, "data: %s\n", err.msg);
        return 1;
    }
    int bad = 0;
    bad |= train_linear(&ds, "none", 0, 0, w_true);
    bad |= train_linear(&ds, "l2", 0, 0.1, w_true);
    bad |= train_linear(&ds, "l1-prox", 0.1, 0, w_true);
    bad |= lasso_cd(&ds, 0.05, w_true);
    bad |= lasso_path(&ds, w_true, argc > 1 ? argv[1] : NULL);
    eo_dataset_free(&ds);
    return bad ? 1 : 0;
}
