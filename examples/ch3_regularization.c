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
 * Output lines (tests/docs/test_examples.sh):
 *   fit NAME zeros Z kept K of 5 error E */
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

int main(void)
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
    eo_dataset_free(&ds);
    return bad ? 1 : 0;
}
