/* Regression tests for the bugs the fuzzers found (docs/reliability.md lists
 * them). Each test feeds the crashing input, as found, through the same path
 * the fuzz target took and checks the property that failed. */
#include <string.h>

#include "eo_test.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_state_overflowed_lr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
