/* Distillation through the trainer: the teacher's logits are computed on the
 * very rows the student sees, after the same feature scaling, in eval mode
 * (no dropout). Checked with a student that is an exact copy of the teacher
 * without its dropout layer: the soft loss and its gradient vanish on every
 * batch only if every teacher row matches the student's row, so with
 * alpha = 1 the student's weights must not move at all. A teacher run in
 * train mode (dropout), on unscaled inputs or on rows of another order would
 * move them. The transfer set (mixup) keeps the copy fixed too (teacher and
 * student see the same mixtures); it is deterministic for a seed, changes
 * the trajectory, and is ignored when alpha = 0; the mixup_labels control
 * does not use the teacher. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/model.h"
#include "edgeopt/train.h"

static void blobs(eo_dataset *ds)
{
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = 480;
    sp.d = 6;
    sp.classes = 4;
    sp.noise = 2.0;
    sp.seed = 21;
    eo_error e;
    if (eo_data_synthetic(&sp, ds, NULL, &e)) fail_msg("synthetic: %s", e.msg);
    /* far from standardized, so that a missing scaler changes the logits */
    assert_int_equal(ds->dtype, EO_DTYPE_F32);
    float *x = ds->x;
    for (size_t i = 0; i < ds->rows * ds->cols; i++) x[i] = 5.0f * x[i] + 3.0f;
}

static eo_model *model(const char *spec, const eo_dataset *ds, uint64_t seed)
{
    eo_model *m;
    eo_error e;
    if (eo_model_from_spec(spec, ds->shape, 4, NULL, &m, &e)) fail_msg("model %s: %s", spec, e.msg);
    eo_rng r;
    eo_rng_seed(&r, seed);
    eo_model_init_params(m, &r);
    return m;
}

/* A trained teacher with dropout 0.5 and its copy without dropout. */
static void teacher_and_copy(const eo_dataset *ds, const eo_scaler *sc, eo_model **teacher, eo_model **copy)
{
    *teacher = model("mlp:16:dropout=0.5", ds, 3);
    eo_train_params p = eo_train_defaults();
    p.epochs = 3;
    p.optim.lr = 0.01;
    eo_trainer *t;
    assert_int_equal(eo_trainer_create(*teacher, &p, &t, NULL), EO_OK);
    assert_int_equal(eo_trainer_fit(t, ds, NULL, 0, NULL, NULL, 0, sc, NULL), EO_OK);
    eo_trainer_destroy(t);
    *copy = model("mlp:16", ds, 4);
    assert_int_equal(eo_model_nparams(*copy), eo_model_nparams(*teacher));
    memcpy(eo_model_params(*copy), eo_model_params_const(*teacher), eo_model_nparams(*teacher) * sizeof(float));
}

static double max_param_change(const eo_model *m, const float *before)
{
    const float *p = eo_model_params_const(m);
    double d = 0;
    for (size_t i = 0; i < eo_model_nparams(m); i++) d = fmax(d, fabs((double)p[i] - before[i]));
    return d;
}

static void test_teacher_rows_scaling_eval_mode(void **state)
{
    (void)state;
    eo_dataset ds;
    blobs(&ds);
    eo_scaler sc;
    assert_int_equal(eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, NULL, 0, NULL), EO_OK);
    eo_model *teacher, *copy;
    teacher_and_copy(&ds, &sc, &teacher, &copy);
    size_t np = eo_model_nparams(copy);
    float *before = malloc(np * sizeof *before);
    memcpy(before, eo_model_params_const(copy), np * sizeof *before);
    eo_train_params p = eo_train_defaults();
    p.epochs = 2;
    p.batch = 16;
    p.optim.lr = 0.01;
    /* a subset of rows in a given order, shuffled by the trainer */
    uint32_t rows[300];
    for (int i = 0; i < 300; i++) rows[i] = (uint32_t)(479 - i);
    for (int mix = 0; mix <= 1; mix++) {
        eo_distill_params dp = eo_distill_defaults();
        dp.temperature = 3.0;
        dp.alpha = 1.0;
        dp.mixup = mix ? 0.4 : 0.0;
        eo_error e;
        eo_error_clear(&e);
        if (eo_distill_fit_ex(copy, teacher, &dp, &p, &ds, rows, 300, &sc, &e)) fail_msg("%s", e.msg);
        /* zero gradient on every batch: Adam does not move at all */
        EO_ASSERT_CLOSE(max_param_change(copy, before), 0.0, 0, 1e-6);
    }
    /* Control: the same run from a slightly different student does move, so
     * the check above is not vacuous. */
    float *w = eo_model_params(copy);
    for (size_t i = 0; i < np; i += 7) w[i] += 0.05f;
    memcpy(before, w, np * sizeof *before);
    assert_int_equal(eo_distill_fit(copy, teacher, 3.0, 1.0, &p, &ds, rows, 300, &sc, NULL), EO_OK);
    assert_true(max_param_change(copy, before) > 1e-3);
    /* The data make the scaling matter: a teacher fed the raw rows instead of
     * the scaled batch would give other logits, and the copy would move. */
    float xr[6], xs[6], lr_[4], ls[4];
    uint32_t r0 = 5;
    const float *o;
    eo_data_gather(&ds, NULL, &r0, 1, xr, NULL, NULL);
    eo_data_gather(&ds, &sc, &r0, 1, xs, NULL, NULL);
    assert_int_equal(eo_model_forward(teacher, xr, 1, 0, NULL, &o), EO_OK);
    memcpy(lr_, o, sizeof lr_);
    assert_int_equal(eo_model_forward(teacher, xs, 1, 0, NULL, &o), EO_OK);
    memcpy(ls, o, sizeof ls);
    double dl = 0;
    for (int j = 0; j < 4; j++) dl = fmax(dl, fabs(lr_[j] - ls[j]));
    assert_true(dl > 0.1);
    free(before);
    eo_model_destroy(teacher);
    eo_model_destroy(copy);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
}

static void test_mixup_deterministic_and_different(void **state)
{
    (void)state;
    eo_dataset ds;
    blobs(&ds);
    eo_model *teacher, *unused;
    teacher_and_copy(&ds, NULL, &teacher, &unused);
    eo_train_params p = eo_train_defaults();
    p.epochs = 2;
    p.optim.lr = 0.01;
    p.seed = 9;
    eo_model *a = model("mlp:8", &ds, 5), *b = model("mlp:8", &ds, 5), *c = model("mlp:8", &ds, 5);
    eo_distill_params dp = eo_distill_defaults();
    dp.temperature = 2.0;
    dp.alpha = 0.7;
    dp.mixup = 0.4;
    assert_int_equal(eo_distill_fit_ex(a, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    assert_int_equal(eo_distill_fit_ex(b, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    dp.mixup = 0;
    assert_int_equal(eo_distill_fit_ex(c, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    size_t np = eo_model_nparams(a);
    assert_memory_equal(eo_model_params_const(a), eo_model_params_const(b), np * sizeof(float));
    assert_true(max_param_change(c, eo_model_params_const(a)) > 1e-3);
    /* alpha = 0 ignores the transfer set (no soft term to weight it) */
    eo_model *d = model("mlp:8", &ds, 5), *f = model("mlp:8", &ds, 5);
    dp.alpha = 0;
    dp.mixup = 0.4;
    assert_int_equal(eo_distill_fit_ex(d, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    dp.mixup = 0;
    assert_int_equal(eo_distill_fit_ex(f, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    assert_memory_equal(eo_model_params_const(d), eo_model_params_const(f), np * sizeof(float));
    /* the mixup_labels control never asks the teacher: two different
     * teachers give the same student, and it is not the plain run */
    eo_model *g = model("mlp:8", &ds, 5), *h = model("mlp:8", &ds, 5), *t2 = model("mlp:16", &ds, 11);
    dp.alpha = 0;
    dp.mixup = 0.4;
    dp.mixup_labels = 1;
    assert_int_equal(eo_distill_fit_ex(g, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    assert_int_equal(eo_distill_fit_ex(h, t2, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_OK);
    assert_memory_equal(eo_model_params_const(g), eo_model_params_const(h), np * sizeof(float));
    assert_true(max_param_change(g, eo_model_params_const(f)) > 1e-3);
    dp.mixup_labels = 0;
    eo_model_destroy(g);
    eo_model_destroy(h);
    eo_model_destroy(t2);
    /* refusals */
    dp.mixup = -1;
    assert_int_equal(eo_distill_fit_ex(d, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_ERR_INVALID);
    dp.mixup = NAN;
    assert_int_equal(eo_distill_fit_ex(d, teacher, &dp, &p, &ds, NULL, 0, NULL, NULL), EO_ERR_INVALID);
    eo_model_destroy(a);
    eo_model_destroy(b);
    eo_model_destroy(c);
    eo_model_destroy(d);
    eo_model_destroy(f);
    eo_model_destroy(unused);
    eo_model_destroy(teacher);
    eo_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_teacher_rows_scaling_eval_mode),
        cmocka_unit_test(test_mixup_deterministic_and_different),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
