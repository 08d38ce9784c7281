/* Core: status strings, error formatting, arena, tensor views, RNG. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/core.h"
#include "fixtures/rng_ref.h"

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(eo_status_str(EO_OK), "ok");
    for (int s = EO_STATUS_MIN; s < 0; s++) assert_string_not_equal(eo_status_str(s), "unknown error");
    assert_string_equal(eo_status_str(-999), "unknown error");
}

static void test_error_format(void **state)
{
    (void)state;
    eo_error e;
    char buf[256];
    eo_error_clear(&e);
    int rc = eo_error_at(&e, EO_ERR_PARSE, "x.csv", 3, 7, -1, "expected a number, got '%s'", "abc");
    assert_int_equal(rc, EO_ERR_PARSE);
    assert_string_equal(eo_error_format(&e, buf, sizeof buf), "x.csv:3:7: expected a number, got 'abc'");
    eo_error_at(&e, EO_ERR_FORMAT, "m.eom", 0, 0, 16, "bad magic");
    assert_string_equal(eo_error_format(&e, buf, sizeof buf), "m.eom: offset 16: bad magic");
    assert_int_equal(eo_error_set(NULL, EO_ERR_NOMEM, "x"), EO_ERR_NOMEM);
    /* A very long path keeps its tail (the file name). */
    char path[600];
    memset(path, 'a', sizeof path - 10);
    strcpy(path + sizeof path - 10, "/f.csv");
    eo_error_at(&e, EO_ERR_IO, path, 1, 0, -1, "m");
    assert_non_null(strstr(e.where, "/f.csv"));
}

static void test_arena(void **state)
{
    (void)state;
    unsigned char buf[256];
    eo_arena a;
    eo_arena_init(&a, buf + 1, sizeof buf - 1); /* deliberately misaligned block */
    float *p = eo_arena_alloc(&a, 10 * sizeof(float), 64);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    size_t m = eo_arena_mark(&a);
    assert_non_null(eo_arena_alloc(&a, 16, 16));
    assert_null(eo_arena_alloc(&a, 1000, 16)); /* too big */
    eo_arena_reset(&a, m);
    assert_int_equal(a.used, m);
    assert_null(eo_arena_alloc(&a, 8, 3)); /* not a power of two */

    /* Dry run counts an upper bound that is then enough for the real run. */
    eo_arena dry;
    eo_arena_init(&dry, NULL, SIZE_MAX);
    assert_null(eo_arena_alloc(&dry, 100, 64));
    assert_null(eo_arena_alloc(&dry, 13, 8));
    unsigned char *blk = malloc(dry.used);
    eo_arena real;
    eo_arena_init(&real, blk, dry.used);
    assert_non_null(eo_arena_alloc(&real, 100, 64));
    assert_non_null(eo_arena_alloc(&real, 13, 8));
    free(blk);

    size_t out;
    assert_false(eo_size_mul(SIZE_MAX / 2 + 1, 2, &out));
    assert_true(eo_size_mul(3, 5, &out));
    assert_int_equal(out, 15);
    assert_false(eo_size_add(SIZE_MAX, 1, &out));
}

static void test_tensor(void **state)
{
    (void)state;
    float data[24];
    eo_tensor t;
    int64_t d[3] = {2, 3, 4};
    assert_int_equal(eo_tensor_view(&t, data, 3, d), EO_OK);
    assert_int_equal(eo_tensor_numel(&t), 24);
    assert_int_equal(t.dims[3], 1);
    int64_t d2[2] = {6, 4};
    assert_int_equal(eo_tensor_reshape(&t, 2, d2), EO_OK);
    int64_t d3[2] = {5, 5};
    assert_int_equal(eo_tensor_reshape(&t, 2, d3), EO_ERR_SHAPE);
    int64_t bad[1] = {-1};
    assert_int_equal(eo_tensor_view(&t, data, 1, bad), EO_ERR_INVALID);
    assert_int_equal(eo_tensor_view(&t, data, 5, d), EO_ERR_INVALID);
    int64_t huge[4] = {INT64_MAX / 2, INT64_MAX / 2, 4, 4};
    assert_int_equal(eo_tensor_view(&t, data, 4, huge), EO_ERR_RANGE);

    unsigned char blk[1024];
    eo_arena a;
    eo_arena_init(&a, blk, sizeof blk);
    eo_tensor u;
    assert_int_equal(eo_tensor_alloc(&u, &a, 2, d2), EO_OK);
    eo_tensor_fill(&u, 2.5f);
    assert_true(u.data[23] == 2.5f);
    int64_t big[2] = {100, 100};
    assert_int_equal(eo_tensor_alloc(&u, &a, 2, big), EO_ERR_NOMEM);
}

static void test_rng_reference_stream(void **state)
{
    (void)state;
    for (int s = 0; s < 4; s++) {
        eo_rng r;
        eo_rng_seed(&r, rng_ref_seeds[s]);
        for (int i = 0; i < 8; i++) assert_true(eo_rng_u64(&r) == rng_ref_out[s][i]);
    }
}

static void test_rng_distributions(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 7);
    enum { N = 200000 };
    double sum = 0, sum2 = 0, usum = 0;
    int bins[10] = {0};
    for (int i = 0; i < N; i++) {
        double z = eo_rng_normal(&r);
        sum += z;
        sum2 += z * z;
        double u = eo_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        usum += u;
        bins[(int)(u * 10)]++;
        float uf = eo_rng_uniformf(&r);
        assert_true(uf >= 0.0f && uf < 1.0f);
    }
    EO_ASSERT_CLOSE(sum / N, 0.0, 0, 0.01);
    EO_ASSERT_CLOSE(sum2 / N, 1.0, 0, 0.02);
    EO_ASSERT_CLOSE(usum / N, 0.5, 0, 0.005);
    /* Chi-square with 9 degrees of freedom: 99.9% quantile is 27.9. */
    double chi = 0;
    for (int b = 0; b < 10; b++) chi += (bins[b] - N / 10.0) * (bins[b] - N / 10.0) / (N / 10.0);
    assert_true(chi < 27.9);

    int counts[3] = {0};
    for (int i = 0; i < 30000; i++) counts[eo_rng_below(&r, 3)]++;
    for (int b = 0; b < 3; b++) EO_ASSERT_CLOSE(counts[b], 10000, 0.05, 0);
}

static void test_rng_permutation(void **state)
{
    (void)state;
    eo_rng r, r2;
    eo_rng_seed(&r, 3);
    eo_rng_seed(&r2, 3);
    uint32_t p[1000], q[1000];
    int seen[1000] = {0};
    eo_rng_permutation(&r, p, 1000);
    eo_rng_permutation(&r2, q, 1000);
    int moved = 0;
    for (int i = 0; i < 1000; i++) {
        assert_true(p[i] < 1000);
        seen[p[i]]++;
        assert_int_equal(p[i], q[i]); /* same seed, same permutation */
        moved += p[i] != (uint32_t)i;
    }
    for (int i = 0; i < 1000; i++) assert_int_equal(seen[i], 1);
    assert_true(moved > 900);

    /* Streams are independent of call order and differ from each other. */
    eo_rng a, b;
    eo_rng_seed_stream(&a, 1, 0);
    eo_rng_seed_stream(&b, 1, 1);
    assert_true(eo_rng_u64(&a) != eo_rng_u64(&b));
}

static void test_det_log(void **state)
{
    (void)state;
    const double xs[] = {1e-300, 1e-10, 0.001, 0.3, 0.70710678, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        EO_ASSERT_CLOSE(eo_det_log(xs[i]), log(xs[i]), 4e-16, 1e-300);
    assert_true(isnan(eo_det_log(-1.0)));
    assert_true(isinf(eo_det_log(0.0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_tensor),
        cmocka_unit_test(test_rng_reference_stream),
        cmocka_unit_test(test_rng_distributions),
        cmocka_unit_test(test_rng_permutation),
        cmocka_unit_test(test_det_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
