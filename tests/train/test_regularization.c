/* train: each regularizer does what the guide claims.
 *  - L1 by proximal steps (soft-thresholding) gives exact zeros and a sparser
 *    model than L2 (which shrinks but never zeroes), keeping the true support
 *    of a sparse linear problem; L1 by subgradient gives (almost) no exact zeros.
 *  - On a small noisy training set an unregularized MLP overfits: its
 *    validation loss rises well above its minimum; L2, dropout and early
 *    stopping each end with a lower validation loss.
 *  - Max-norm keeps every unit's incoming weight norm <= c; decoupled weight
 *    decay (AdamW) shrinks the weights. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/train.h"

static int verbose;

static eo_model *make_model(const char *spec, const eo_dataset *ds, int nout, uint64_t seed)
{
    eo_model *m;
    eo_error e;
    if (eo_model_from_spec(spec, ds->shape, nout, NULL, &m, &e)) fail_msg("model %s: %s", spec, e.msg);
    eo_rng r;
    eo_rng_seed_stream(&r, seed, 0);
    eo_model_init_params(m, &r);
    return m;
}

static void train(eo_model *m, const eo_train_params *p, const eo_dataset *tr, const eo_dataset *va,
                  eo_trainer **keep)
{
    eo_trainer *t = NULL;
    eo_error e;
    if (eo_trainer_create(m, p, &t, &e)) fail_msg("create: %s", e.msg);
    if (eo_trainer_fit(t, tr, NULL, 0, va, NULL, 0, NULL, &e)) fail_msg("fit: %s", e.msg);
    if (keep)
        *keep = t;
    else
        eo_trainer_destroy(t);
}

static size_t count_zeros(eo_model *m, size_t *nweights)
{
    const uint8_t *mask = eo_model_weight_mask(m);
    const float *w = eo_model_params(m);
    size_t z = 0, nw = 0;
    for (size_t i = 0; i < eo_model_nparams(m); i++)
        if (mask[i]) {
            nw++;
            z += w[i] == 0.0f;
        }
    *nweights = nw;
    return z;
}

static void test_l1_proximal_sparsity(void **state)
{
    (void)state;
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_SPARSE_REGRESSION);
    sp.n = 300;
    sp.d = 40;
    sp.k = 5;
    sp.noise = 0.1;
    sp.seed = 3;
    eo_dataset ds;
    float coef[40];
    eo_error e;
    assert_int_equal(eo_data_synthetic(&sp, &ds, coef, &e), EO_OK);
    size_t zeros[3], nw = 0;
    eo_model *m[3];
    for (int v = 0; v < 3; v++) { /* 0: L1 proximal, 1: L2, 2: L1 subgradient */
        m[v] = make_model("linear", &ds, 1, 1);
        eo_train_params p = eo_train_defaults();
        p.loss = eo_loss_defaults(EO_LOSS_MSE);
        p.optim = eo_optim_defaults(EO_OPTIM_SGD);
        p.optim.lr = 0.02;
        p.epochs = 40;
        p.batch = 20;
        if (v == 1)
            p.penalty.l2 = 0.1;
        else
            p.penalty.l1 = 0.1;
        p.l1_proximal = v == 0;
        train(m[v], &p, &ds, NULL, NULL);
        zeros[v] = count_zeros(m[v], &nw);
        if (verbose) printf("variant %d: %zu of %zu weights exactly zero\n", v, zeros[v], nw);
    }
    assert_int_equal(nw, 40);
    /* Proximal L1: most of the 35 irrelevant weights exactly zero, the 5 true
     * ones not, and signs recovered. */
    assert_true(zeros[0] >= 20);
    const float *w = eo_model_params(m[0]);
    for (int j = 0; j < 40; j++)
        if (coef[j] != 0.0f) {
            assert_true(w[j] != 0.0f);
            assert_true((w[j] > 0) == (coef[j] > 0));
        }
    /* L2 shrinks without zeroing; subgradient L1 oscillates around zero. */
    assert_int_equal(zeros[1], 0);
    assert_true(zeros[0] > zeros[1]);
    assert_true(zeros[2] <= 2);
    for (int v = 0; v < 3; v++) eo_model_destroy(m[v]);
    eo_dataset_free(&ds);
}

static double final_and_min(eo_trainer *t, double *minv)
{
    size_t n;
    const eo_epoch_record *h = eo_trainer_history(t, &n);
    *minv = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (h[i].val_loss < *minv) *minv = h[i].val_loss;
    return h[n - 1].val_loss;
}

static void test_overfitting_and_its_cures(void **state)
{
    (void)state;
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_MOONS);
    eo_dataset tr, va;
    eo_error e;
    sp.n = 40;
    sp.noise = 0.35;
    sp.seed = 11;
    assert_int_equal(eo_data_synthetic(&sp, &tr, NULL, &e), EO_OK);
    sp.n = 400;
    sp.seed = 12;
    assert_int_equal(eo_data_synthetic(&sp, &va, NULL, &e), EO_OK);
    const char *specs[4] = {"mlp:128,128", "mlp:128,128", "mlp:128,128:dropout=0.5", "mlp:128,128"};
    const char *names[4] = {"none", "l2", "dropout", "early stopping"};
    double fin[4], mn[4];
    for (int v = 0; v < 4; v++) {
        eo_model *m = make_model(specs[v], &tr, 2, 5);
        eo_train_params p = eo_train_defaults();
        p.epochs = 150;
        p.batch = 8;
        p.optim.lr = 0.005;
        if (v == 1) p.penalty.l2 = 0.01;
        if (v == 3) p.early_stop = 10;
        eo_trainer *t;
        train(m, &p, &tr, &va, &t);
        fin[v] = final_and_min(t, &mn[v]);
        if (v == 3) { /* the model ends on the best epoch: evaluate it */
            eo_eval_report rep;
            assert_int_equal(eo_evaluate(m, &va, NULL, 0, NULL, &p.loss, 8, NULL, &rep, &e), EO_OK);
            fin[v] = rep.loss;
            eo_eval_report_free(&rep);
        }
        if (verbose) printf("%-15s final val loss %.4f (min %.4f)\n", names[v], fin[v], mn[v]);
        eo_trainer_destroy(t);
        eo_model_destroy(m);
    }
    /* Unregularized: the validation loss rose well above its minimum. */
    assert_true(fin[0] > 1.5 * mn[0]);
    for (int v = 1; v < 4; v++)
        if (!(fin[v] < 0.8 * fin[0])) fail_msg("%s: final val loss %.4f not below %.4f", names[v], fin[v], 0.8 * fin[0]);
    eo_dataset_free(&tr);
    eo_dataset_free(&va);
}

static void test_max_norm_and_weight_decay(void **state)
{
    (void)state;
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = 300;
    sp.d = 4;
    sp.noise = 2.0;
    eo_dataset ds;
    eo_error e;
    assert_int_equal(eo_data_synthetic(&sp, &ds, NULL, &e), EO_OK);
    double norm_sum[2];
    for (int v = 0; v < 2; v++) { /* 0: adam, 1: adamw weight_decay 0.5 */
        eo_model *m = make_model("mlp:16", &ds, 3, 2);
        eo_train_params p = eo_train_defaults();
        p.epochs = 20;
        p.optim = eo_optim_defaults(v ? EO_OPTIM_ADAMW : EO_OPTIM_ADAM);
        p.optim.lr = 0.01;
        p.optim.weight_decay = v ? 0.5 : 0.0;
        p.penalty.max_norm = v ? 0 : 0.75;
        train(m, &p, &ds, NULL, NULL);
        /* Row norms of the first dense layer (16 x 4) and the output (3 x 16). */
        const float *w = eo_model_params(m);
        double s = 0, maxrow = 0;
        size_t off[2], cnt[2];
        eo_model_layer(m, 0, NULL, NULL, NULL, &off[0], &cnt[0]);
        int li = eo_model_nlayers(m) - 1;
        eo_model_layer(m, li, NULL, NULL, NULL, &off[1], &cnt[1]);
        int rows[2] = {16, 3}, cols[2] = {4, 16};
        for (int l = 0; l < 2; l++)
            for (int r = 0; r < rows[l]; r++) {
                double q = 0;
                for (int c = 0; c < cols[l]; c++) {
                    double x = w[off[l] + (size_t)r * (size_t)cols[l] + (size_t)c];
                    q += x * x;
                }
                s += q;
                if (sqrt(q) > maxrow) maxrow = sqrt(q);
            }
        norm_sum[v] = sqrt(s);
        if (v == 0) assert_true(maxrow <= 0.75 * (1 + 1e-5));
        eo_model_destroy(m);
    }
    /* A reference without either: the unconstrained weights are larger. */
    eo_model *m = make_model("mlp:16", &ds, 3, 2);
    eo_train_params p = eo_train_defaults();
    p.epochs = 20;
    p.optim.lr = 0.01;
    train(m, &p, &ds, NULL, NULL);
    double s = 0;
    for (size_t i = 0; i < eo_model_nparams(m); i++)
        if (eo_model_weight_mask(m)[i]) s += (double)eo_model_params(m)[i] * eo_model_params(m)[i];
    if (verbose) printf("weight norms: max-norm %.3f, adamw %.3f, plain %.3f\n", norm_sum[0], norm_sum[1], sqrt(s));
    assert_true(norm_sum[1] < 0.8 * sqrt(s));
    assert_true(norm_sum[0] < sqrt(s));
    eo_model_destroy(m);
    eo_dataset_free(&ds);
}

int main(void)
{
    verbose = getenv("EO_VERBOSE") != NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l1_proximal_sparsity),
        cmocka_unit_test(test_overfitting_and_its_cures),
        cmocka_unit_test(test_max_norm_and_weight_decay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
