/* deploy: the activation memory planner (eo_deploy_plan). */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/core.h"
#include "edgeopt/deploy.h"

/* Every pair of buffers whose lifetimes meet must occupy disjoint bytes. */
static void assert_valid(const eo_deploy_buf *b, size_t n, size_t align, size_t arena)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i].size == 0) continue;
        if (b[i].offset % align) fail_msg("buffer %zu at %zu is not %zu-aligned", i, b[i].offset, align);
        if (b[i].offset + b[i].size > arena)
            fail_msg("buffer %zu [%zu, %zu) is outside the arena of %zu", i, b[i].offset, b[i].offset + b[i].size,
                     arena);
        for (size_t j = i + 1; j < n; j++) {
            if (b[j].size == 0) continue;
            int live_together = b[i].first <= b[j].last && b[j].first <= b[i].last;
            int disjoint = b[i].offset + b[i].size <= b[j].offset || b[j].offset + b[j].size <= b[i].offset;
            if (live_together && !disjoint)
                fail_msg("buffers %zu [%zu,+%zu) live [%d,%d] and %zu [%zu,+%zu) live [%d,%d] overlap", i,
                         b[i].offset, b[i].size, b[i].first, b[i].last, j, b[j].offset, b[j].size, b[j].first,
                         b[j].last);
        }
    }
}

/* Peak of live bytes by brute force over every step (independent of the
 * library's eo_deploy_peak_live, which only looks at buffer starts). */
static size_t brute_peak(const eo_deploy_buf *b, size_t n)
{
    int lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].first < lo) lo = b[i].first;
        if (b[i].last > hi) hi = b[i].last;
    }
    size_t peak = 0;
    for (int t = lo; t <= hi; t++) {
        size_t live = 0;
        for (size_t i = 0; i < n; i++)
            if (b[i].first <= t && t <= b[i].last) live += b[i].size;
        if (live > peak) peak = live;
    }
    return peak;
}

static void test_random_sets(void **state)
{
    (void)state;
    eo_rng rng;
    eo_rng_seed(&rng, 20240611u);
    eo_deploy_buf b[40];
    for (int trial = 0; trial < 500; trial++) {
        size_t n = 1 + (size_t)(eo_rng_u64(&rng) % 40);
        size_t align = (size_t)1 << (eo_rng_u64(&rng) % 4);
        int steps = 1 + (int)(eo_rng_u64(&rng) % 30);
        for (size_t i = 0; i < n; i++) {
            b[i].size = (size_t)(eo_rng_u64(&rng) % 5000);
            if (eo_rng_u64(&rng) % 10 == 0) b[i].size = 0;
            int f = (int)(eo_rng_u64(&rng) % (uint64_t)steps);
            int l = f + (int)(eo_rng_u64(&rng) % 6);
            b[i].first = f;
            b[i].last = l;
            b[i].offset = 12345; /* must be overwritten */
        }
        size_t arena = 0, sum = 0;
        assert_int_equal(eo_deploy_plan(b, n, align, &arena, NULL), EO_OK);
        assert_valid(b, n, align, arena);
        for (size_t i = 0; i < n; i++) sum += (b[i].size + align - 1) / align * align;
        size_t peak = brute_peak(b, n);
        assert_int_equal(eo_deploy_peak_live(b, n), peak);
        if (arena < peak) fail_msg("arena %zu below the live peak %zu", arena, peak);
        if (arena > sum) fail_msg("arena %zu above the sum of buffers %zu", arena, sum);
        assert_int_equal(arena % align, 0);
        /* Deterministic: the same input gives the same plan. */
        eo_deploy_buf c[40];
        memcpy(c, b, n * sizeof *b);
        size_t arena2 = 0;
        assert_int_equal(eo_deploy_plan(c, n, align, &arena2, NULL), EO_OK);
        assert_int_equal(arena2, arena);
        for (size_t i = 0; i < n; i++) assert_int_equal(c[i].offset, b[i].offset);
    }
}

/* A chain of layers (op i writes buffer i, op i+1 reads it): the arena is
 * the largest pair of neighbours, i.e. ping-pong reuse, and the sum is far
 * larger. Sizes of an MLP 784-128-64-10 and of a small CNN. */
static void test_chains(void **state)
{
    (void)state;
    const size_t mlp[] = {512, 256, 40};
    const size_t cnn[] = {12544, 3136, 6272, 1568, 512, 40};
    const size_t *sets[] = {mlp, cnn};
    const size_t lens[] = {3, 6};
    for (int s = 0; s < 2; s++) {
        eo_deploy_buf b[8];
        size_t best = 0, sum = 0;
        for (size_t i = 0; i < lens[s]; i++) {
            b[i].size = sets[s][i];
            b[i].first = (int)i;
            b[i].last = (int)i + 1;
            sum += b[i].size;
            if (i + 1 < lens[s] && sets[s][i] + sets[s][i + 1] > best) best = sets[s][i] + sets[s][i + 1];
        }
        size_t arena = 0;
        assert_int_equal(eo_deploy_plan(b, lens[s], 4, &arena, NULL), EO_OK);
        assert_valid(b, lens[s], 4, arena);
        assert_int_equal(arena, best);
        assert_true(arena < sum);
    }
}

/* Buffers that are never live together share the same bytes. */
static void test_disjoint_lifetimes_share(void **state)
{
    (void)state;
    eo_deploy_buf b[3] = {{100, 0, 0, 0}, {300, 1, 1, 0}, {200, 2, 3, 0}};
    size_t arena = 0;
    assert_int_equal(eo_deploy_plan(b, 3, 1, &arena, NULL), EO_OK);
    assert_int_equal(arena, 300);
    for (int i = 0; i < 3; i++) assert_int_equal(b[i].offset, 0);
    /* Everything live at once: no sharing, the sum. */
    eo_deploy_buf c[3] = {{100, 0, 5, 0}, {300, 0, 5, 0}, {200, 0, 5, 0}};
    assert_int_equal(eo_deploy_plan(c, 3, 1, &arena, NULL), EO_OK);
    assert_int_equal(arena, 600);
    assert_valid(c, 3, 1, arena);
    /* Alignment pads between buffers: 3 bytes, then 5 at offset 4. */
    eo_deploy_buf d[2] = {{5, 0, 1, 0}, {3, 0, 1, 0}};
    assert_int_equal(eo_deploy_plan(d, 2, 4, &arena, NULL), EO_OK);
    assert_int_equal(d[0].offset, 0);
    assert_int_equal(d[1].offset, 8);
    assert_int_equal(arena, 12);
}

static void test_errors(void **state)
{
    (void)state;
    eo_deploy_buf b[1] = {{10, 3, 2, 0}};
    size_t arena = 7;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_deploy_plan(b, 1, 4, &arena, &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "lifetime"));
    b[0].first = 0;
    assert_int_equal(eo_deploy_plan(b, 1, 3, &arena, &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "power of two"));
    assert_int_equal(eo_deploy_plan(NULL, 1, 4, &arena, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_deploy_plan(NULL, 0, 4, &arena, NULL), EO_OK);
    assert_int_equal(arena, 0);
    assert_int_equal(eo_deploy_peak_live(NULL, 0), 0);
    assert_int_equal(eo_deploy_total(NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sets),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_disjoint_lifetimes_share),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
