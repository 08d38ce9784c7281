/* train: the loop on synthetic data. Accuracy on moons, bit-identical resume
 * (at an epoch boundary and in the middle of an epoch), determinism across
 * runs and thread counts, NaN divergence naming epoch and batch with the last
 * good checkpoint kept, early stopping ending on the best epoch's weights,
 * and refusal to resume with different settings. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"

static char ck1[128], ck2[128];

static void synth(eo_synth_kind kind, size_t n, double noise, uint64_t seed, eo_dataset *ds)
{
    eo_synth_params sp = eo_synth_defaults(kind);
    sp.n = n;
    sp.noise = noise;
    sp.seed = seed;
    eo_error e;
    if (eo_data_synthetic(&sp, ds, NULL, &e)) fail_msg("synthetic: %s", e.msg);
}

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

static int fit(eo_model *m, const eo_train_params *p, const eo_dataset *tr, const eo_dataset *va,
               const eo_scaler *sc, eo_trainer **keep, eo_error *e)
{
    eo_trainer *t = NULL;
    int st = eo_trainer_create(m, p, &t, e);
    if (st) return st;
    st = eo_trainer_fit(t, tr, NULL, 0, va, NULL, 0, sc, e);
    if (keep)
        *keep = t;
    else
        eo_trainer_destroy(t);
    return st;
}

static void test_moons_accuracy(void **state)
{
    (void)state;
    eo_dataset tr, te;
    synth(EO_SYNTH_MOONS, 600, 0.1, 1, &tr);
    synth(EO_SYNTH_MOONS, 400, 0.1, 2, &te);
    eo_model *m = make_model("mlp:32,32", &tr, 2, 1);
    eo_train_params p = eo_train_defaults();
    p.epochs = 40;
    p.batch = 32;
    p.optim.lr = 0.01;
    eo_error e;
    eo_trainer *t = NULL;
    int st = fit(m, &p, &tr, &te, NULL, &t, &e);
    if (st) fail_msg("fit: %s", e.msg);
    eo_eval_report rep;
    assert_int_equal(eo_evaluate(m, &te, NULL, 0, NULL, &p.loss, 64, NULL, &rep, &e), EO_OK);
    assert_true(rep.classification);
    assert_int_equal(rep.n, 400);
    if (!(rep.cls.accuracy > 0.95)) fail_msg("moons accuracy %.4f", rep.cls.accuracy);
    size_t nh;
    const eo_epoch_record *h = eo_trainer_history(t, &nh);
    assert_int_equal(nh, 40);
    /* The history's last validation accuracy is the same evaluation. */
    EO_ASSERT_CLOSE(h[39].val_acc, rep.cls.accuracy, 0, 1e-12);
    EO_ASSERT_CLOSE(h[39].val_loss, rep.loss, 1e-6, 0); /* batch 32 vs 64: float sums differ */
    assert_true(h[39].train_loss < h[0].train_loss);
    assert_int_equal(eo_trainer_steps(t), 40 * 19);
    /* Confusion sums to n. */
    int64_t tot = 0;
    for (int i = 0; i < 4; i++) tot += rep.confusion[i];
    assert_int_equal(tot, 400);
    eo_eval_report_free(&rep);
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
    eo_dataset_free(&te);
}

/* A model with dropout and batch norm, so resume must restore both generators
 * and the running statistics. */
#define RSPEC "mlp:24,16:dropout=0.2,bn=1"

static eo_train_params resume_params(int epochs, const char *ck)
{
    eo_train_params p = eo_train_defaults();
    p.epochs = epochs;
    p.batch = 20;
    p.optim = eo_optim_defaults(EO_OPTIM_ADAMW);
    p.optim.lr = 0.005;
    p.schedule = eo_schedule_defaults(EO_SCHEDULE_STEP);
    p.schedule.step_size = 2;
    p.schedule.gamma = 0.5;
    p.penalty.l2 = 1e-3;
    p.clip_norm = 5;
    p.early_stop = 10;
    p.val_split = 0.2;
    p.seed = 7;
    p.checkpoint_path = ck;
    p.resume = 1;
    return p;
}

static void assert_same_model(eo_model *a, eo_model *b)
{
    assert_int_equal(eo_model_nparams(a), eo_model_nparams(b));
    assert_memory_equal(eo_model_params(a), eo_model_params(b), eo_model_nparams(a) * sizeof(float));
    assert_memory_equal(eo_model_buffers(a), eo_model_buffers(b), eo_model_nbuffers(a) * sizeof(float));
}

static int stop_at(const eo_train_progress *pr, void *user)
{
    const int *where = user; /* {epoch, batch} */
    return pr->event == EO_TRAIN_BATCH && pr->epoch == where[0] && (int)pr->batch == where[1];
}

static void test_resume_bit_identical(void **state)
{
    (void)state;
    eo_dataset ds;
    synth(EO_SYNTH_BLOBS, 300, 2.0, 3, &ds);
    eo_scaler sc;
    eo_error e;
    assert_int_equal(eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, NULL, 0, &e), EO_OK);
    unlink(ck1);
    unlink(ck2);

    /* Straight: 4 epochs. */
    eo_model *a = make_model(RSPEC, &ds, 3, 5);
    eo_train_params p = resume_params(4, ck1);
    eo_trainer *ta = NULL;
    if (fit(a, &p, &ds, NULL, &sc, &ta, &e)) fail_msg("straight: %s", e.msg);

    /* 2 epochs, then a fresh process-like start resumes for 2 more. */
    eo_model *b = make_model(RSPEC, &ds, 3, 5);
    p = resume_params(2, ck2);
    if (fit(b, &p, &ds, NULL, &sc, NULL, &e)) fail_msg("first half: %s", e.msg);
    eo_model_destroy(b);
    b = make_model(RSPEC, &ds, 3, 99); /* different init: everything must come from the checkpoint */
    p = resume_params(4, ck2);
    eo_trainer *tb = NULL;
    if (fit(b, &p, &ds, NULL, &sc, &tb, &e)) fail_msg("resume: %s", e.msg);
    assert_int_equal(eo_trainer_resumed_from(tb), 2);
    assert_same_model(a, b);
    size_t na, nb;
    const eo_epoch_record *ha = eo_trainer_history(ta, &na), *hb = eo_trainer_history(tb, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_true(ha[i].train_loss == hb[i].train_loss);
        assert_true(ha[i].val_loss == hb[i].val_loss);
        assert_true(ha[i].lr == hb[i].lr);
    }
    assert_int_equal(eo_trainer_steps(ta), eo_trainer_steps(tb));
    eo_trainer_destroy(tb);
    eo_model_destroy(b);

    /* Interrupted in the middle of epoch 3 (after batch 4), then resumed. */
    unlink(ck2);
    b = make_model(RSPEC, &ds, 3, 5);
    p = resume_params(4, ck2);
    int where[2] = {3, 4};
    p.progress = stop_at;
    p.progress_user = where;
    assert_int_equal(fit(b, &p, &ds, NULL, &sc, NULL, &e), EO_ERR_INTERRUPTED);
    assert_non_null(strstr(e.msg, "epoch 3"));
    /* The interrupted checkpoint is a loadable model. */
    eo_model *lm;
    eo_model_meta meta;
    assert_int_equal(eo_model_load(ck2, &lm, NULL, &meta, &e), EO_OK);
    assert_int_equal(meta.epochs, 2);
    assert_memory_equal(eo_model_params(lm), eo_model_params(b), eo_model_nparams(b) * sizeof(float));
    eo_model_destroy(lm);
    eo_model_destroy(b);
    b = make_model(RSPEC, &ds, 3, 5);
    p = resume_params(4, ck2);
    if (fit(b, &p, &ds, NULL, &sc, NULL, &e)) fail_msg("resume mid-epoch: %s", e.msg);
    assert_same_model(a, b);
    eo_model_destroy(b);

    /* The stop flag, polled between batches. */
    unlink(ck2);
    b = make_model(RSPEC, &ds, 3, 5);
    p = resume_params(4, ck2);
    volatile int flag = 1;
    p.stop_flag = (volatile int *)&flag;
    assert_int_equal(fit(b, &p, &ds, NULL, &sc, NULL, &e), EO_ERR_INTERRUPTED);
    flag = 0;
    eo_model_destroy(b);
    b = make_model(RSPEC, &ds, 3, 5);
    if (fit(b, &p, &ds, NULL, &sc, NULL, &e)) fail_msg("resume after flag: %s", e.msg);
    assert_same_model(a, b);
    eo_model_destroy(b);

    /* Resuming with different settings is refused with the difference named. */
    b = make_model(RSPEC, &ds, 3, 5);
    p = resume_params(4, ck1);
    p.batch = 25;
    assert_int_equal(fit(b, &p, &ds, NULL, &sc, NULL, &e), EO_ERR_STATE);
    assert_non_null(strstr(e.msg, "batch=20"));
    assert_non_null(strstr(e.msg, "batch=25"));
    eo_model_destroy(b);

    eo_trainer_destroy(ta);
    eo_model_destroy(a);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
    unlink(ck1);
    unlink(ck2);
}

static void test_determinism_threads(void **state)
{
    (void)state;
    eo_dataset ds;
    synth(EO_SYNTH_SPIRALS, 400, 0.1, 4, &ds);
    eo_model *m[3];
    eo_error e;
    for (int i = 0; i < 3; i++) {
        m[i] = make_model("mlp:64,64:dropout=0.1", &ds, 3, 11);
        eo_train_params p = eo_train_defaults();
        p.epochs = 3;
        p.batch = 16;
        p.threads = i == 2 ? 2 : 1;
        if (fit(m[i], &p, &ds, NULL, NULL, NULL, &e)) fail_msg("fit: %s", e.msg);
    }
    assert_same_model(m[0], m[1]); /* same seed, same threads */
    assert_same_model(m[0], m[2]); /* 2 threads: GEMM blocks are independent */
    for (int i = 0; i < 3; i++) eo_model_destroy(m[i]);
    eo_dataset_free(&ds);
}

/* Poisons a row of the data after epoch 1, so epoch 2 meets a NaN. */
typedef struct poison {
    eo_dataset *ds;
    eo_model *m;
    float *params_at_1;
} poison;

static int poison_after_1(const eo_train_progress *pr, void *user)
{
    poison *ps = user;
    if (pr->event == EO_TRAIN_EPOCH && pr->epoch == 1) {
        ((float *)ps->ds->x)[5 * ps->ds->cols] = NAN;
        memcpy(ps->params_at_1, eo_model_params(ps->m), eo_model_nparams(ps->m) * sizeof(float));
    }
    return 0;
}

static void test_nan_divergence(void **state)
{
    (void)state;
    eo_dataset ds;
    synth(EO_SYNTH_BLOBS, 200, 1.0, 5, &ds);
    eo_model *m = make_model("mlp:8", &ds, 3, 1);
    eo_train_params p = eo_train_defaults();
    p.epochs = 3;
    p.batch = 16;
    unlink(ck1);
    p.checkpoint_path = ck1;
    poison ps = {&ds, m, malloc(eo_model_nparams(m) * sizeof(float))};
    p.progress = poison_after_1;
    p.progress_user = &ps;
    eo_error e;
    assert_int_equal(fit(m, &p, &ds, NULL, NULL, NULL, &e), EO_ERR_NUMERIC);
    assert_non_null(strstr(e.msg, "epoch 2, batch "));
    if (!strstr(e.msg, "NaN") && !strstr(e.msg, "not finite")) fail_msg("%s", e.msg);
    assert_non_null(strstr(e.msg, "lower the learning rate"));
    /* The model is back at the end of epoch 1, and so is the checkpoint. */
    assert_memory_equal(eo_model_params(m), ps.params_at_1, eo_model_nparams(m) * sizeof(float));
    eo_model *lm;
    eo_model_meta meta;
    assert_int_equal(eo_model_load(ck1, &lm, NULL, &meta, &e), EO_OK);
    assert_int_equal(meta.epochs, 1);
    assert_memory_equal(eo_model_params(lm), ps.params_at_1, eo_model_nparams(m) * sizeof(float));
    eo_model_destroy(lm);
    eo_model_destroy(m);

    /* A learning rate far too large: the loss or gradient blows up and the
     * message names the place and the hint. */
    eo_dataset_free(&ds);
    synth(EO_SYNTH_BLOBS, 200, 1.0, 5, &ds);
    m = make_model("mlp:32,32", &ds, 3, 1);
    p = eo_train_defaults();
    p.optim = eo_optim_defaults(EO_OPTIM_SGD);
    p.optim.lr = 1e30;
    p.epochs = 5;
    assert_int_equal(fit(m, &p, &ds, NULL, NULL, NULL, &e), EO_ERR_NUMERIC);
    if (!strstr(e.msg, "epoch 1, batch ") || !strstr(e.msg, "learning rate")) fail_msg("%s", e.msg);
    for (size_t i = 0; i < eo_model_nparams(m); i++) assert_true(isfinite(eo_model_params(m)[i]));
    eo_model_destroy(m);
    free(ps.params_at_1);
    eo_dataset_free(&ds);
    unlink(ck1);
}

/* Records the parameters after every epoch. */
typedef struct recorder {
    eo_model *m;
    float *per_epoch; /* epochs x nparams */
} recorder;

static int record_params(const eo_train_progress *pr, void *user)
{
    recorder *r = user;
    if (pr->event == EO_TRAIN_EPOCH) {
        size_t np = eo_model_nparams(r->m);
        memcpy(r->per_epoch + (size_t)(pr->epoch - 1) * np, eo_model_params(r->m), np * sizeof(float));
    }
    return 0;
}

static void test_early_stopping_restores_best(void **state)
{
    (void)state;
    eo_dataset tr, va;
    synth(EO_SYNTH_MOONS, 40, 0.35, 6, &tr);   /* small and noisy: overfits */
    synth(EO_SYNTH_MOONS, 500, 0.35, 7, &va);
    eo_model *m = make_model("mlp:128,128", &tr, 2, 2);
    eo_train_params p = eo_train_defaults();
    p.epochs = 300;
    p.batch = 8;
    p.optim.lr = 0.01;
    p.early_stop = 15;
    recorder rec = {m, malloc(300 * eo_model_nparams(m) * sizeof(float))};
    p.progress = record_params;
    p.progress_user = &rec;
    eo_trainer *t = NULL;
    eo_error e;
    if (fit(m, &p, &tr, &va, NULL, &t, &e)) fail_msg("fit: %s", e.msg);
    assert_true(eo_trainer_stopped_early(t));
    size_t nh;
    const eo_epoch_record *h = eo_trainer_history(t, &nh);
    assert_true(nh < 300);
    /* best epoch = argmin of the validation losses, independently computed */
    size_t arg = 0;
    for (size_t i = 1; i < nh; i++)
        if (h[i].val_loss < h[arg].val_loss) arg = i;
    assert_int_equal(eo_trainer_best_epoch(t), (int)arg + 1);
    assert_int_equal(nh, arg + 1 + 15); /* stopped after `patience` epochs without improvement */
    size_t np = eo_model_nparams(m);
    assert_memory_equal(eo_model_params(m), rec.per_epoch + arg * np, np * sizeof(float));
    eo_eval_report rep;
    assert_int_equal(eo_evaluate(m, &va, NULL, 0, NULL, &p.loss, 0, NULL, &rep, &e), EO_OK);
    EO_ASSERT_CLOSE(rep.loss, h[arg].val_loss, 1e-6, 0);
    eo_eval_report_free(&rep);
    free(rec.per_epoch);
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
    eo_dataset_free(&va);
}

static void test_params_and_data_checks(void **state)
{
    (void)state;
    eo_train_params p = eo_train_defaults();
    assert_null(eo_train_params_check(&p));
    p.batch = 0;
    assert_non_null(eo_train_params_check(&p));
    p = eo_train_defaults();
    p.val_split = 1.0;
    assert_non_null(eo_train_params_check(&p));
    p = eo_train_defaults();
    p.resume = 1;
    assert_non_null(eo_train_params_check(&p));
    p = eo_train_defaults();
    p.penalty.l2 = NAN;
    assert_non_null(eo_train_params_check(&p));

    eo_dataset ds;
    synth(EO_SYNTH_BLOBS, 50, 1.0, 1, &ds);
    int64_t in[3] = {1, 1, 5};
    eo_model *m;
    eo_error e;
    assert_int_equal(eo_model_from_spec("mlp:4", in, 3, NULL, &m, &e), EO_OK);
    p = eo_train_defaults();
    assert_int_equal(fit(m, &p, &ds, NULL, NULL, NULL, &e), EO_ERR_SHAPE);
    assert_non_null(strstr(e.msg, "the model takes 5 features but the data has 2"));
    eo_model_destroy(m);
    eo_dataset_free(&ds);
}

int main(void)
{
    snprintf(ck1, sizeof ck1, "/tmp/eo_test_trainer_%ld_a.ckpt", (long)getpid());
    snprintf(ck2, sizeof ck2, "/tmp/eo_test_trainer_%ld_b.ckpt", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moons_accuracy),
        cmocka_unit_test(test_resume_bit_identical),
        cmocka_unit_test(test_determinism_threads),
        cmocka_unit_test(test_nan_divergence),
        cmocka_unit_test(test_early_stopping_restores_best),
        cmocka_unit_test(test_params_and_data_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
