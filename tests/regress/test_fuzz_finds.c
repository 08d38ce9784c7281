/* Regression tests for the bugs the fuzzers found (docs/reliability.md lists
 * them). Each test feeds the crashing input, as found, through the same path
 * the fuzz target took and checks the property that failed. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_state_overflowed_lr),
        cmocka_unit_test(test_mlp_backward_unaligned_b),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
