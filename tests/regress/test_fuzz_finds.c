/* Regression tests for the bugs the fuzzers found (docs/reliability.md lists
 * them). Each test feeds the crashing input, as found, through the same path
 * the fuzz target took and checks the property that failed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"
#include "edgeopt/train.h"

/* fuzz_schedulespec, "exp:gamma=.9e5": after 64 steps the lr overflowed to
 * +inf; eo_schedule_state_save wrote the image and eo_schedule_state_load
 * refused it ("lr is not finite"), so a training checkpoint could be written
 * that --resume cannot read. Now save refuses such a state (EO_ERR_NUMERIC)
 * and every image it writes loads back. */
static void test_schedule_state_overflowed_lr(void **state)
{
    (void)state;
    eo_schedule s;
    eo_error err;
    assert_int_equal(eo_schedule_parse("exp:gamma=.9e5", &s, &err), EO_OK);
    eo_schedule_state st;
    eo_schedule_start(&s, 0.1, &st);
    int refused = 0;
    for (int t = 0; t < 64; t++) {
        eo_schedule_next(&s, 0.1, &st, 0.0);
        unsigned char img[EO_SCHEDULE_STATE_BYTES];
        int rc = eo_schedule_state_save(&st, img, sizeof img);
        if (isfinite(st.lr)) {
            assert_int_equal(rc, EO_OK);
            eo_schedule_state back;
            assert_int_equal(eo_schedule_state_load(&back, img, sizeof img, &err), EO_OK);
            assert_memory_equal(&back.lr, &st.lr, sizeof st.lr);
        } else {
            assert_int_equal(rc, EO_ERR_NUMERIC);
            refused = 1;
        }
    }
    assert_true(refused); /* the input does overflow: the test exercises the fix */
    /* The other fields the loader checks are refused on save too. */
    eo_schedule_state bad = {3, 0.1, NAN, 0, 0};
    unsigned char img[EO_SCHEDULE_STATE_BYTES];
    assert_int_equal(eo_schedule_state_save(&bad, img, sizeof img), EO_ERR_NUMERIC);
    bad.best = 1.0;
    bad.num_bad = -1;
    assert_int_equal(eo_schedule_state_save(&bad, img, sizeof img), EO_ERR_NUMERIC);
}

/* fuzz_modelspec, input 00 03 "mlp:31,16" ...: the backward pass of the
 * 16-unit dense layer ran the AVX2 SGEMM on a B operand read in place with
 * ldb = 16 and loaded it with aligned loads (vmovaps on an address that is
 * not 32-byte aligned: UBSan "misaligned address", a SIGSEGV in an optimized
 * build). Lane L fixed it at the same time (34251dd, unaligned B loads); this
 * runs the fuzzer's exact model, input shape and batch. */
static void test_mlp_backward_unaligned_b(void **state)
{
    (void)state;
    const int64_t in[3] = {1, 1, 1};
    eo_model *m;
    eo_error err;
    assert_int_equal(eo_model_from_spec("mlp:31,16", in, 3, NULL, &m, &err), EO_OK);
    assert_int_equal(eo_model_reserve(m, 2, NULL), EO_OK);
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    float x[2] = {-3.0f, -2.0f}, d[6] = {1, 1, 1, 1, 1, 1};
    const float *y;
    assert_int_equal(eo_model_forward(m, x, 2, 1, &r, &y), EO_OK);
    for (int i = 0; i < 6; i++) assert_true(isfinite(y[i]));
    assert_int_equal(eo_model_backward(m, d), EO_OK);
    const float *g = eo_model_grads(m);
    for (size_t i = 0; i < eo_model_nparams(m); i++) assert_true(isfinite(g[i]));
    eo_model_destroy(m);
}

/* fuzz_modelfile (CI, 2026-12-03): a pool layer with pad = 2^30 in a model
 * file. The check "2 * pad > window" overflowed int (UBSan) before it could
 * refuse the layer. Every pad up to INT_MAX is now refused without overflow,
 * and the largest valid pad is still accepted. */
static void test_pool_pad_overflow(void **state)
{
    (void)state;
    const int64_t in[3] = {1, 8, 8};
    int64_t out[3];
    eo_error err;
    for (int kind = EO_LAYER_MAXPOOL; kind <= EO_LAYER_AVGPOOL; kind++) {
        eo_layer_desc d = eo_layer_desc_defaults((eo_layer_kind)kind);
        d.kh = d.kw = 3;
        const int bad[4] = {2, 1 << 30, (1 << 30) + 1, 2147483647};
        for (int i = 0; i < 4; i++) {
            d.pad = bad[i];
            assert_int_equal(eo_layer_output_shape(&d, in, out, &err), EO_ERR_INVALID);
            assert_non_null(strstr(err.msg, "padding"));
        }
        d.pad = 1;
        assert_int_equal(eo_layer_output_shape(&d, in, out, &err), EO_OK);
    }
}

/* fuzz_checkpoint (CI, 2026-12-03): a checkpoint whose optimizer image held
 * NaN moments (or running products outside [0, 1]) was accepted, and the
 * next Adam step turned the weights into NaN while training still returned
 * EO_OK. Such images are now refused, and never written. */
static void test_optimizer_state_nonfinite(void **state)
{
    (void)state;
    eo_optim_params p = eo_optim_defaults(EO_OPTIM_ADAM);
    eo_optimizer *o;
    eo_error err;
    assert_int_equal(eo_optimizer_create(&p, 4, NULL, &o, &err), EO_OK);
    float x[4] = {1, 2, 3, 4}, g[4] = {0.5f, -1, 2, 0.25f};
    assert_int_equal(eo_optimizer_step_f32(o, x, g, NULL), EO_OK);
    size_t n = eo_optimizer_state_size(o);
    unsigned char *img = malloc(n), *bad = malloc(n);
    assert_int_equal(eo_optimizer_state_save(o, img, n), EO_OK);
    assert_int_equal(eo_optimizer_state_load(o, img, n, &err), EO_OK); /* the valid image loads */
    /* Put NaN, then +inf, in the last moment entry (just before the 4-byte
     * checksum) and re-seal the image with its checksum (FNV-1a 32,
     * little-endian), so that only the value check decides: NaN is refused,
     * +inf (an overflowed g^2) is a legal state and round-trips. */
    const float vals[2] = {NAN, INFINITY};
    for (int i = 0; i < 2; i++) {
        memcpy(bad, img, n);
        memcpy(bad + n - 8, &vals[i], 4);
        uint32_t h = 2166136261u;
        for (size_t j = 0; j < n - 4; j++) h = (h ^ bad[j]) * 16777619u;
        for (int j = 0; j < 4; j++) bad[n - 4 + j] = (unsigned char)(h >> (8 * j));
        eo_optimizer *o2;
        assert_int_equal(eo_optimizer_create(&p, 4, NULL, &o2, &err), EO_OK);
        if (i == 0) {
            assert_int_equal(eo_optimizer_state_load(o2, bad, n, &err), EO_ERR_FORMAT);
            assert_non_null(strstr(err.msg, "NaN"));
        } else {
            assert_int_equal(eo_optimizer_state_load(o2, bad, n, &err), EO_OK);
            assert_int_equal(eo_optimizer_state_save(o2, img, n), EO_OK);
            assert_memory_equal(img, bad, n);
        }
        eo_optimizer_destroy(o2);
    }
    /* Save refuses what load refuses (fuzz_optimspec, "adam:eps=0": a zero
     * gradient gives 0/0 and the moments turn NaN two steps later). */
    eo_optim_params p0 = p;
    p0.eps = 0.0;
    eo_optimizer *o3;
    assert_int_equal(eo_optimizer_create(&p0, 4, NULL, &o3, &err), EO_OK);
    float x3[4] = {1, 2, 3, 4}, g0[4] = {0, 1, 1, 1};
    for (int t = 0; t < 2; t++) {
        assert_int_equal(eo_optimizer_step_f32(o3, x3, g0, NULL), EO_OK);
        g0[0] = x3[0]; /* NaN after the first step */
    }
    assert_true(isnan(x3[0]));
    assert_int_equal(eo_optimizer_state_save(o3, img, n), EO_ERR_NUMERIC);
    eo_optimizer_destroy(o3);
    free(img);
    free(bad);
    eo_optimizer_destroy(o);
}

/* fuzz_checkpoint (CI, 2026-12-03): finite gradients with a huge learning
 * rate overflowed the weights on the last step of a run, and fit returned
 * EO_OK with infinite parameters. The step is now checked: the run stops with
 * EO_ERR_NUMERIC and the weights are rolled back to finite ones. */
static void test_update_overflow_is_numeric_error(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error err;
    assert_int_equal(eo_data_load("synthetic:blobs:n=32,d=4,classes=3,seed=2", 0, &ds, &err), EO_OK);
    const int64_t in[3] = {1, 1, 4};
    eo_model *m;
    assert_int_equal(eo_model_from_spec("mlp:6", in, 3, NULL, &m, &err), EO_OK);
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    eo_train_params tp = eo_train_defaults();
    tp.epochs = 1;
    tp.batch = 32; /* one batch: the overflowing step is the run's last */
    tp.optim = eo_optim_defaults(EO_OPTIM_SGD);
    tp.optim.lr = 1e38;
    eo_trainer *t;
    assert_int_equal(eo_trainer_create(m, &tp, &t, &err), EO_OK);
    int rc = eo_trainer_fit(t, &ds, NULL, 0, NULL, NULL, 0, NULL, &err);
    assert_int_equal(rc, EO_ERR_NUMERIC);
    assert_non_null(strstr(err.msg, "weights"));
    const float *w = eo_model_params(m);
    for (size_t i = 0; i < eo_model_nparams(m); i++) assert_true(isfinite(w[i]));
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    eo_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_state_overflowed_lr),
        cmocka_unit_test(test_mlp_backward_unaligned_b),
        cmocka_unit_test(test_pool_pad_overflow),
        cmocka_unit_test(test_optimizer_state_nonfinite),
        cmocka_unit_test(test_update_overflow_is_numeric_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
