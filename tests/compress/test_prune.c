/* Pruning masks, global thresholds, structured selection and the Zhu & Gupta
 * schedule, checked against direct definitions (sorting, the formula). */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress.h"

static int cmp_abs(const void *a, const void *b)
{
    float x = fabsf(*(const float *)a), y = fabsf(*(const float *)b);
    return (x > y) - (x < y);
}

/* Every kept magnitude >= every pruned one, and the count is exact. */
static void check_mask(const float *w, const uint8_t *keep, size_t n, size_t k)
{
    size_t pruned = 0;
    float max_pruned = -1.0f, min_kept = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] == 0) {
            pruned++;
            if (fabsf(w[i]) > max_pruned) max_pruned = fabsf(w[i]);
        } else {
            assert_int_equal(keep[i], 1);
            if (fabsf(w[i]) < min_kept) min_kept = fabsf(w[i]);
        }
    }
    assert_int_equal(pruned, k);
    if (pruned && pruned < n) assert_true(max_pruned <= min_kept);
}

static void test_unstructured(void **state)
{
    (void)state;
    enum { N = 10007 };
    static float w[N], s[N];
    static uint8_t keep[N];
    eo_rng r;
    eo_rng_seed(&r, 1);
    for (int i = 0; i < N; i++) w[i] = (float)eo_rng_normal(&r);
    const double sp[] = {0.0, 0.1, 0.5, 0.9, 0.95, 0.999, 1.0};
    for (size_t t = 0; t < sizeof sp / sizeof sp[0]; t++) {
        float thr;
        assert_int_equal(eo_prune_mask(w, N, sp[t], keep, &thr), EO_OK);
        size_t k = (size_t)floor(sp[t] * N + 0.5);
        check_mask(w, keep, N, k);
        EO_ASSERT_CLOSE(eo_prune_mask_sparsity(keep, N), (double)k / N, 0, 1e-12);
        /* threshold = k-th smallest magnitude (sorted reference) */
        memcpy(s, w, sizeof w);
        qsort(s, N, sizeof(float), cmp_abs);
        if (k > 0) assert_true(thr == fabsf(s[k - 1]));
        else assert_true(thr == 0.0f);
    }
    /* pruning an already pruned layer at a higher sparsity extends its mask */
    static uint8_t keep2[N];
    assert_int_equal(eo_prune_mask(w, N, 0.5, keep, NULL), EO_OK);
    memcpy(s, w, sizeof w);
    eo_prune_apply(s, keep, N);
    EO_ASSERT_CLOSE(eo_prune_sparsity(s, N), 0.5, 0, 1.0 / N);
    assert_int_equal(eo_prune_mask(s, N, 0.8, keep2, NULL), EO_OK);
    for (int i = 0; i < N; i++)
        if (!keep[i]) assert_int_equal(keep2[i], 0);
    check_mask(s, keep2, N, (size_t)floor(0.8 * N + 0.5));
}

static void test_ties_and_errors(void **state)
{
    (void)state;
    /* many equal magnitudes (incl. signs and -0): exact count, lower index first */
    const float w[10] = {1, -1, 0.0f, -0.0f, 1, 2, -2, 1, 0.5f, 1};
    uint8_t keep[10];
    assert_int_equal(eo_prune_mask(w, 10, 0.5, keep, NULL), EO_OK);
    /* 5 pruned: 0, -0, 0.5, then the first two 1s (indices 0, 1) */
    const uint8_t want[10] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 1};
    assert_memory_equal(keep, want, 10);
    float bad[3] = {1.0f, NAN, 2.0f};
    assert_int_equal(eo_prune_mask(bad, 3, 0.5, keep, NULL), EO_ERR_NUMERIC);
    assert_int_equal(eo_prune_mask(w, 10, 1.5, keep, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_prune_mask(w, 10, -0.1, keep, NULL), EO_ERR_INVALID);
    /* infinities are the largest magnitudes */
    float inf[4] = {INFINITY, 1.0f, -INFINITY, 3.0f};
    assert_int_equal(eo_prune_mask(inf, 4, 0.5, keep, NULL), EO_OK);
    assert_true(keep[0] && keep[2] && !keep[1] && !keep[3]);
}

static void test_global(void **state)
{
    (void)state;
    /* two layers of different scales: global pruning hits the small one harder */
    enum { A = 3000, B = 500 };
    static float wa[A], wb[B], all[A + B];
    static uint8_t ka[A], kb[B];
    eo_rng r;
    eo_rng_seed(&r, 2);
    for (int i = 0; i < A; i++) wa[i] = (float)(0.1 * eo_rng_normal(&r));
    for (int i = 0; i < B; i++) wb[i] = (float)(1.0 * eo_rng_normal(&r));
    eo_prune_slice s[2] = {{wa, A, ka}, {wb, B, kb}};
    float thr;
    assert_int_equal(eo_prune_mask_global(s, 2, 0.8, &thr), EO_OK);
    size_t k = (size_t)floor(0.8 * (A + B) + 0.5);
    memcpy(all, wa, sizeof wa);
    memcpy(all + A, wb, sizeof wb);
    static uint8_t kall[A + B];
    memcpy(kall, ka, A);
    memcpy(kall + A, kb, B);
    check_mask(all, kall, A + B, k);
    /* one common threshold: every pruned |w| <= thr < every kept |w| (no ties here) */
    for (int i = 0; i < A + B; i++) {
        if (kall[i]) assert_true(fabsf(all[i]) > thr);
        else assert_true(fabsf(all[i]) <= thr);
    }
    assert_true(eo_prune_mask_sparsity(ka, A) > 0.9);
    assert_true(eo_prune_mask_sparsity(kb, B) < 0.5);
}

static void test_structured(void **state)
{
    (void)state;
    enum { R = 9, C = 13 };
    float w[R * C], norms[R];
    eo_rng r;
    eo_rng_seed(&r, 3);
    for (int i = 0; i < R * C; i++) w[i] = (float)eo_rng_normal(&r) * (float)(1 + (i / C) % 4);
    assert_int_equal(eo_prune_row_norms(w, R, C, norms), EO_OK);
    for (int i = 0; i < R; i++) {
        double s = 0;
        for (int j = 0; j < C; j++) s += (double)w[i * C + j] * w[i * C + j];
        EO_ASSERT_CLOSE(norms[i], sqrt(s), 1e-6, 0);
    }
    uint8_t keep[R];
    for (int nk = 0; nk <= R; nk++) {
        assert_int_equal(eo_prune_select_rows(norms, R, nk, keep), EO_OK);
        int kept = 0;
        for (int i = 0; i < R; i++) {
            kept += keep[i];
            for (int j = 0; j < R; j++)
                if (keep[i] && !keep[j]) assert_true(norms[i] >= norms[j]);
        }
        assert_int_equal(kept, nk);
    }
    /* ties: the lower index wins */
    const float sc[5] = {1, 3, 3, 3, 0};
    assert_int_equal(eo_prune_select_rows(sc, 5, 2, keep), EO_OK);
    const uint8_t want[5] = {0, 1, 1, 0, 0};
    assert_memory_equal(keep, want, 5);
    assert_int_equal(eo_prune_select_rows(sc, 5, 6, keep), EO_ERR_INVALID);
}

static void test_schedule(void **state)
{
    (void)state;
    eo_prune_schedule s = eo_prune_schedule_defaults();
    assert_null(eo_prune_schedule_check(&s));
    s.s_initial = 0.1;
    s.s_final = 0.9;
    s.t0 = 100;
    s.n = 8;
    s.dt = 50;
    assert_null(eo_prune_schedule_check(&s));
    /* endpoints */
    assert_true(eo_prune_schedule_at(&s, 0) == 0.1);
    assert_true(eo_prune_schedule_at(&s, 100) == 0.1);
    assert_true(eo_prune_schedule_at(&s, 100 + 8 * 50) == 0.9);
    assert_true(eo_prune_schedule_at(&s, 100000) == 0.9);
    /* the formula at every pruning step, written out independently */
    for (int j = 0; j <= 8; j++) {
        long t = 100 + 50L * j;
        double f = 1.0 - (double)(t - 100) / (8.0 * 50.0);
        EO_ASSERT_CLOSE(eo_prune_schedule_at(&s, t), 0.9 + (0.1 - 0.9) * pow(f, 3), 1e-14, 1e-14);
        assert_true(eo_prune_schedule_is_step(&s, t));
        assert_false(eo_prune_schedule_is_step(&s, t + 1) && j < 8);
    }
    assert_false(eo_prune_schedule_is_step(&s, 99));
    assert_false(eo_prune_schedule_is_step(&s, 100 + 9 * 50));
    /* monotone non-decreasing, and the increments shrink (cubic decay) */
    double prev = -1, prev_inc = INFINITY;
    for (long t = 0; t <= 700; t++) {
        double v = eo_prune_schedule_at(&s, t);
        assert_true(v >= prev);
        if (t >= 150 && t <= 500 && (t - 100) % 50 == 0) {
            double inc = v - eo_prune_schedule_at(&s, t - 50);
            assert_true(inc <= prev_inc);
            prev_inc = inc;
        }
        prev = v;
    }
    s.n = 0;
    assert_non_null(eo_prune_schedule_check(&s));
    s.n = 8;
    s.s_final = 0.05;
    assert_non_null(eo_prune_schedule_check(&s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unstructured),
        cmocka_unit_test(test_ties_and_errors),
        cmocka_unit_test(test_global),
        cmocka_unit_test(test_structured),
        cmocka_unit_test(test_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
