/* Learning-rate schedules against torch.optim.lr_scheduler (the lr of every
 * step, written by scripts/ref/optim_ref.py, incl. reduce-on-plateau driven by
 * a scripted loss), closed form vs stateful stepping, spec errors with
 * columns, format round trips, validation and state images. */
#include <limits.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/optim.h"

#define LINE 65536

static char *next_line(FILE *f, char *buf)
{
    while (fgets(buf, LINE, f)) {
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r')) buf[--l] = '\0';
        if (l && buf[0] != '#') return buf;
    }
    return NULL;
}

static int read_list(const char *s, double *out, int cap)
{
    int k = 0;
    const char *p = s;
    while (k < cap) {
        char *e;
        double v = strtod(p, &e);
        if (e == p) break;
        out[k++] = v;
        p = e;
    }
    return k;
}

static void test_schedules_follow_torch(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/optim/schedules.txt", EO_TEST_DATA_DIR);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s (run scripts/ref/optim_ref.py)", path);
    char *buf = malloc(LINE), *l;
    double *metrics = malloc(sizeof(double) * 4096), *lr = malloc(sizeof(double) * 4096);
    int seen[EO_SCHEDULE_COUNT] = {0}, count = 0, warmups = 0;
    double worst = 0.0;
    while ((l = next_line(f, buf)) && strcmp(l, "end")) {
        char spec[256];
        double base;
        int steps;
        assert_int_equal(sscanf(l, "schedule %255s base %lf steps %d", spec, &base, &steps), 3);
        assert_true(steps > 0 && steps <= 4096);
        eo_schedule s;
        eo_error err;
        if (eo_schedule_parse(spec, &s, &err)) fail_msg("%s: %s", spec, err.msg);
        seen[s.kind] = 1;
        warmups += s.warmup_steps > 0;
        int has_metrics = 0;
        l = next_line(f, buf);
        assert_non_null(l);
        if (!strncmp(l, "metrics ", 8)) {
            assert_int_equal(read_list(l + 8, metrics, steps), steps);
            has_metrics = 1;
            l = next_line(f, buf);
            assert_non_null(l);
        }
        assert_true(!strncmp(l, "lr ", 3));
        assert_int_equal(read_list(l + 3, lr, steps), steps);
        assert_int_equal(has_metrics, s.kind == EO_SCHEDULE_PLATEAU);

        eo_schedule_state st;
        eo_schedule_start(&s, base, &st);
        for (int t = 0; t < steps; t++) {
            double want = lr[t];
            if (!(fabs(st.lr - want) <= 1e-12 * base + 1e-5 * fabs(want)))
                fail_msg("%s: step %d lr %.17g, PyTorch %.17g", spec, t, st.lr, want);
            double r = fabs(st.lr - want) / fabs(want);
            if (r > worst) worst = r;
            if (s.kind != EO_SCHEDULE_PLATEAU) {
                /* The closed form and the stateful path agree exactly. */
                assert_true(eo_schedule_lr_at(&s, base, t) == st.lr);
            }
            eo_schedule_next(&s, base, &st, has_metrics ? metrics[t] : 0.0);
        }
        count++;
    }
    for (int k = 0; k < EO_SCHEDULE_COUNT; k++)
        if (!seen[k] && k != EO_SCHEDULE_CONSTANT)
            fail_msg("no reference for schedule %s", eo_schedule_kind_name(k));
    assert_true(warmups >= 2);
    printf("# %d schedules, worst relative deviation from PyTorch %.3g\n", count, worst);
    free(buf);
    free(metrics);
    free(lr);
    fclose(f);
}

/* The plateau logic must react to the metric: a steadily improving loss never
 * reduces the lr, a flat one does after patience + 1 steps. */
static void test_plateau_reacts_to_metric(void **state)
{
    (void)state;
    eo_schedule s;
    assert_int_equal(eo_schedule_parse("plateau:factor=0.5,patience=2", &s, NULL), EO_OK);
    eo_schedule_state st;
    eo_schedule_start(&s, 1.0, &st);
    for (int t = 0; t < 50; t++) eo_schedule_next(&s, 1.0, &st, 1.0 / (t + 1));
    assert_true(st.lr == 1.0);
    eo_schedule_start(&s, 1.0, &st);
    eo_schedule_next(&s, 1.0, &st, 1.0); /* best = 1 */
    for (int t = 0; t < 3; t++) {
        assert_true(st.lr == 1.0);
        eo_schedule_next(&s, 1.0, &st, 1.0);
    }
    assert_true(st.lr == 0.5);
    /* NaN never improves. */
    eo_schedule_start(&s, 1.0, &st);
    for (int t = 0; t < 4; t++) eo_schedule_next(&s, 1.0, &st, NAN);
    assert_true(st.lr == 0.5);
    /* With a warm-up the metric is ignored until it ends. */
    assert_int_equal(eo_schedule_parse("warmup:steps=10+plateau:patience=0", &s, NULL), EO_OK);
    eo_schedule_start(&s, 1.0, &st);
    for (int t = 0; t < 10; t++) eo_schedule_next(&s, 1.0, &st, 5.0);
    assert_true(st.lr == 1.0);
    eo_schedule_next(&s, 1.0, &st, 5.0); /* first real metric: an improvement on +inf */
    assert_true(st.lr == 1.0);
    eo_schedule_next(&s, 1.0, &st, 5.0);
    EO_ASSERT_CLOSE(st.lr, 0.1, 1e-15, 0);
}

static void test_closed_forms(void **state)
{
    (void)state;
    eo_schedule s;
    /* Cosine reaches eta_min at T and comes back (periodic closed form). */
    assert_int_equal(eo_schedule_parse("cosine:T=100,eta_min=0.01", &s, NULL), EO_OK);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, 0), 1.0, 1e-15, 0);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, 50), 0.505, 1e-14, 0);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, 100), 0.01, 1e-14, 0);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, 200), 1.0, 1e-14, 0);
    /* Warm restarts with Tmult = 2: periods 3, 6, 12, ... restart at 3, 9, 21. */
    assert_int_equal(eo_schedule_parse("cosine-restarts:T0=3,Tmult=2", &s, NULL), EO_OK);
    const long restarts[] = {0, 3, 9, 21, 45, 93};
    for (size_t i = 0; i < sizeof restarts / sizeof restarts[0]; i++)
        EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 2.0, restarts[i]), 2.0, 1e-15, 0);
    assert_true(eo_schedule_lr_at(&s, 2.0, 8) < 0.2);
    /* No overflow for a huge step. */
    assert_true(isfinite(eo_schedule_lr_at(&s, 2.0, LONG_MAX - 1)));
    /* One-cycle: max at the end of phase 1, final lr kept past total. */
    assert_int_equal(eo_schedule_parse("onecycle:max_lr=1,total=101,pct_start=0.3", &s, NULL), EO_OK);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 0.123, 0), 1.0 / 25, 1e-15, 0);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 0.123, 100), 1.0 / 25 / 1e4, 1e-12, 0);
    assert_true(eo_schedule_lr_at(&s, 0.123, 500) == eo_schedule_lr_at(&s, 0.123, 100));
    /* max_lr 0 means the base lr. */
    assert_int_equal(eo_schedule_parse("onecycle:total=50", &s, NULL), EO_OK);
    double peak = 0.0;
    for (long t = 0; t < 50; t++)
        if (eo_schedule_lr_at(&s, 0.4, t) > peak) peak = eo_schedule_lr_at(&s, 0.4, t);
    EO_ASSERT_CLOSE(peak, 0.4, 1e-3, 0);
    /* Warm-up alone: linear from start_factor to 1, then constant. */
    assert_int_equal(eo_schedule_parse("warmup:steps=4,start_factor=0.2", &s, NULL), EO_OK);
    assert_int_equal(s.kind, EO_SCHEDULE_CONSTANT);
    const double w[] = {0.2, 0.4, 0.6, 0.8, 1.0, 1.0};
    for (int t = 0; t < 6; t++) EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, t), w[t], 1e-15, 0);
    /* 1e+2 stays a number inside a part. */
    assert_int_equal(eo_schedule_parse("warmup:steps=1e+2+exp:gamma=0.5", &s, NULL), EO_OK);
    assert_int_equal(s.warmup_steps, 100);
    assert_int_equal(s.kind, EO_SCHEDULE_EXP);
    EO_ASSERT_CLOSE(eo_schedule_lr_at(&s, 1.0, 102), 0.25, 1e-15, 0);
}

static void expect_error(const char *spec, int code, long column)
{
    eo_schedule s = eo_schedule_defaults(EO_SCHEDULE_STEP), before = s;
    eo_error err;
    eo_error_clear(&err);
    int rc = eo_schedule_parse(spec, &s, &err);
    if (rc != code || err.column != column)
        fail_msg("'%s': got status %d column %ld (%s), expected %d column %ld", spec, rc, err.column,
                 err.msg, code, column);
    assert_string_equal(err.where, spec);
    assert_memory_equal(&s, &before, sizeof s);
}

static void test_parse_errors_name_the_column(void **state)
{
    (void)state;
    expect_error("linear", EO_ERR_NOT_FOUND, 1);
    expect_error("warmup:steps=10+sawtooth", EO_ERR_NOT_FOUND, 17);
    expect_error("cosine", EO_ERR_INVALID, 1);               /* T is required */
    expect_error("cosine:T=0", EO_ERR_INVALID, 8);
    expect_error("cosine:T=1.5", EO_ERR_INVALID, 10);
    expect_error("cosine:T=abc", EO_ERR_PARSE, 10);
    expect_error("cosine:T=10,gamma=0.1", EO_ERR_PARSE, 13);
    expect_error("step:step_size=10,gamma=-1", EO_ERR_INVALID, 19);
    expect_error("multistep:milestones=30;20", EO_ERR_INVALID, 25);
    expect_error("multistep:milestones=30;x", EO_ERR_PARSE, 25);
    expect_error("multistep:gamma=0.5", EO_ERR_INVALID, 1);
    expect_error("exp:gamma=0.9,gamma=0.8", EO_ERR_PARSE, 15);
    expect_error("plateau:factor=1", EO_ERR_INVALID, 9);
    expect_error("plateau:patience=-1", EO_ERR_INVALID, 18);
    expect_error("onecycle:max_lr=0.1", EO_ERR_INVALID, 1);
    expect_error("onecycle:max_lr=0.1,total=10,pct_start=0.05", EO_ERR_INVALID, 30);
    expect_error("warmup:steps=0", EO_ERR_INVALID, 1);
    expect_error("warmup:steps=5,start_factor=0", EO_ERR_INVALID, 16);
    expect_error("cosine:T=10+warmup:steps=5", EO_ERR_PARSE, 12);
    expect_error("warmup:steps=5+warmup:steps=5", EO_ERR_PARSE, 16);
    expect_error("warmup:steps=5+cosine:T=-3", EO_ERR_INVALID, 25);
    expect_error("exp:gamma=0.9,", EO_ERR_PARSE, 15);
    expect_error("cosine-restarts:T0=10,Tmult=0", EO_ERR_INVALID, 23);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    static const char *const specs[] = {
        "constant",
        "step:step_size=30,gamma=0.1",
        "multistep:milestones=30;80;120,gamma=0.25",
        "exp:gamma=0.95",
        "cosine:T=5000,eta_min=1e-5",
        "cosine-restarts:T0=10,Tmult=2,eta_min=0.001",
        "onecycle:max_lr=0.1,total=1000,pct_start=0.25,div_factor=10,final_div_factor=1e3",
        "plateau:factor=0.5,patience=5,threshold=1e-3,cooldown=2,min_lr=1e-6",
        "warmup:steps=500",
        "warmup:steps=100,start_factor=0.01+cosine:T_max=1000",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        eo_schedule s, q;
        eo_error err;
        if (eo_schedule_parse(specs[i], &s, &err)) fail_msg("%s: %s", specs[i], err.msg);
        char buf[512];
        int len = eo_schedule_format(&s, buf, sizeof buf);
        assert_true(len > 0 && (size_t)len < sizeof buf);
        if (eo_schedule_parse(buf, &q, &err)) fail_msg("%s -> %s: %s", specs[i], buf, err.msg);
        assert_memory_equal(&s, &q, sizeof s);
    }
    for (int k = 0; k < EO_SCHEDULE_COUNT; k++)
        assert_int_equal(eo_schedule_kind_from_name(eo_schedule_kind_name(k)), k);
    assert_int_equal(eo_schedule_kind_from_name("warmup"), -1);
}

static void test_check(void **state)
{
    (void)state;
    eo_schedule s = eo_schedule_defaults(EO_SCHEDULE_CONSTANT);
    assert_null(eo_schedule_check(&s));
    s = eo_schedule_defaults(EO_SCHEDULE_COSINE);
    assert_non_null(eo_schedule_check(&s)); /* no T */
    s.T_max = 10;
    assert_null(eo_schedule_check(&s));
    s.eta_min = NAN;
    assert_non_null(eo_schedule_check(&s));
    s = eo_schedule_defaults(EO_SCHEDULE_STEP);
    assert_null(eo_schedule_check(&s));
    s.step_size = 0;
    assert_non_null(eo_schedule_check(&s));
    s = eo_schedule_defaults(EO_SCHEDULE_MULTISTEP);
    s.n_milestones = 2;
    s.milestones[0] = 5;
    s.milestones[1] = 5;
    assert_non_null(eo_schedule_check(&s));
    s.milestones[1] = 6;
    assert_null(eo_schedule_check(&s));
    s.n_milestones = EO_SCHEDULE_MAX_MILESTONES + 1;
    assert_non_null(eo_schedule_check(&s));
    s = eo_schedule_defaults(EO_SCHEDULE_PLATEAU);
    assert_null(eo_schedule_check(&s));
    s.threshold = -1;
    assert_non_null(eo_schedule_check(&s));
    s = eo_schedule_defaults(EO_SCHEDULE_EXP);
    s.warmup_steps = -1;
    assert_non_null(eo_schedule_check(&s));
    s.kind = EO_SCHEDULE_COUNT;
    assert_non_null(eo_schedule_check(&s));
}

static void test_state_image(void **state)
{
    (void)state;
    eo_schedule s;
    assert_int_equal(eo_schedule_parse("plateau:factor=0.5,patience=1,cooldown=3", &s, NULL), EO_OK);
    eo_schedule_state a, b;
    eo_schedule_start(&s, 0.1, &a);
    const double loss[] = {1, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65};
    for (int t = 0; t < 7; t++) eo_schedule_next(&s, 0.1, &a, loss[t]);
    unsigned char img[EO_SCHEDULE_STATE_BYTES];
    assert_int_equal(eo_schedule_state_save(&a, img, sizeof img - 1), EO_ERR_RANGE);
    assert_int_equal(eo_schedule_state_save(&a, img, sizeof img), EO_OK);
    eo_error err;
    assert_int_equal(eo_schedule_state_load(&b, img, sizeof img, &err), EO_OK);
    assert_memory_equal(&a, &b, sizeof a);
    for (int t = 7; t < 12; t++) {
        eo_schedule_next(&s, 0.1, &a, loss[t]);
        eo_schedule_next(&s, 0.1, &b, loss[t]);
        assert_true(a.lr == b.lr);
    }
    assert_true(a.lr < 0.1);
    img[0] = 'x';
    assert_int_equal(eo_schedule_state_load(&b, img, sizeof img, &err), EO_ERR_FORMAT);
    assert_int_equal(eo_schedule_state_load(&b, img, 10, &err), EO_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedules_follow_torch),
        cmocka_unit_test(test_plateau_reacts_to_metric),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_parse_errors_name_the_column),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_state_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
