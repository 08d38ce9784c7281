/* Thread pool: coverage of parallel-for, nesting and concurrent submitters,
 * and SGEMM results that do not depend on the thread count. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "eo_test.h"
#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "edgeopt/parallel.h"

typedef struct cover {
    atomic_int *hits;
    size_t n, grain;
    atomic_int bad_chunk;
    atomic_int calls;
} cover;

static void cover_fn(void *ctx, size_t b, size_t e)
{
    cover *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    /* Chunks start on a multiple of grain and are whole grains except the last. */
    if (b >= e || e > c->n || b % c->grain != 0 || (e != c->n && (e - b) % c->grain != 0))
        atomic_store(&c->bad_chunk, 1);
    for (size_t i = b; i < e; i++) atomic_fetch_add(&c->hits[i], 1);
}

static void check_cover(const eo_parallel *par, size_t n, size_t grain)
{
    cover c;
    c.hits = calloc(n ? n : 1, sizeof *c.hits);
    assert_non_null(c.hits);
    c.n = n;
    c.grain = grain ? grain : 1;
    atomic_init(&c.bad_chunk, 0);
    atomic_init(&c.calls, 0);
    eo_parallel_for(par, n, grain, cover_fn, &c);
    for (size_t i = 0; i < n; i++)
        if (atomic_load(&c.hits[i]) != 1)
            fail_msg("n=%zu grain=%zu threads=%d: index %zu ran %d times", n, grain,
                     par ? par->nthreads : 1, i, atomic_load(&c.hits[i]));
    if (n == 0) assert_int_equal(atomic_load(&c.calls), 0);
    assert_int_equal(atomic_load(&c.bad_chunk), 0);
    free(c.hits);
}

static void test_cover(void **state)
{
    (void)state;
    static const size_t ns[] = {0, 1, 2, 3, 5, 7, 8, 64, 100, 1000, 4097};
    static const size_t grains[] = {0, 1, 2, 3, 7, 64, 5000};
    check_cover(NULL, 10, 3);
    for (int t = 1; t <= 5; t++) {
        eo_pool *pool = NULL;
        assert_int_equal(eo_pool_create(t, &pool), EO_OK);
        assert_int_equal(eo_pool_nthreads(pool), t);
        const eo_parallel *par = eo_pool_parallel(pool);
        assert_non_null(par);
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t g = 0; g < sizeof grains / sizeof grains[0]; g++)
                for (int rep = 0; rep < 3; rep++) check_cover(par, ns[a], grains[g]);
        eo_pool_destroy(pool);
    }
}

/* Two chunks that each wait for the other to start: only finishes quickly
 * if a worker really runs one of them while the caller runs the other. */
typedef struct rendezvous {
    atomic_int arrived;
    atomic_int timed_out;
} rendezvous;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void meet_fn(void *ctx, size_t b, size_t e)
{
    rendezvous *r = ctx;
    (void)b;
    (void)e;
    atomic_fetch_add(&r->arrived, 1);
    double t0 = now_s();
    while (atomic_load(&r->arrived) < 2)
        if (now_s() - t0 > 10.0) {
            atomic_store(&r->timed_out, 1);
            return;
        }
}

static void test_really_parallel(void **state)
{
    (void)state;
    eo_pool *pool;
    assert_int_equal(eo_pool_create(2, &pool), EO_OK);
    for (int rep = 0; rep < 20; rep++) {
        rendezvous r;
        atomic_init(&r.arrived, 0);
        atomic_init(&r.timed_out, 0);
        eo_parallel_for(eo_pool_parallel(pool), 2, 1, meet_fn, &r);
        assert_int_equal(atomic_load(&r.timed_out), 0);
        assert_int_equal(atomic_load(&r.arrived), 2);
    }
    eo_pool_destroy(pool);
}

/* Many small jobs back to back whose chunk counts go up and down: a worker
 * that wakes late must never claim a chunk of a finished job or run one
 * twice (the sum would be off, or the submitter would wait forever). */
static void sum_fn(void *ctx, size_t b, size_t e)
{
    atomic_long *sum = ctx;
    long s = 0;
    for (size_t i = b; i < e; i++) s += (long)i + 1;
    atomic_fetch_add(sum, s);
}

static void test_stress_small_jobs(void **state)
{
    (void)state;
    static const size_t counts[] = {2, 50, 3, 17, 1, 64, 5, 2, 33, 9};
    for (int t = 2; t <= 4; t++) {
        eo_pool *pool;
        assert_int_equal(eo_pool_create(t, &pool), EO_OK);
        for (int rep = 0; rep < 1500; rep++) {
            size_t n = counts[rep % 10] * (size_t)(1 + rep % 3);
            atomic_long sum;
            atomic_init(&sum, 0);
            eo_parallel_for(eo_pool_parallel(pool), n, 1 + rep % 3, sum_fn, &sum);
            if (atomic_load(&sum) != (long)(n * (n + 1) / 2))
                fail_msg("threads=%d job %d: sum %ld, want %ld", t, rep, atomic_load(&sum), (long)(n * (n + 1) / 2));
        }
        eo_pool_destroy(pool);
    }
}

/* A task that itself runs a parallel-for on the same pool: it must not
 * deadlock (the inner loop runs serially) and must still cover everything. */
typedef struct nest {
    const eo_parallel *par;
    atomic_int total;
} nest;

static void inner_fn(void *ctx, size_t b, size_t e)
{
    nest *s = ctx;
    atomic_fetch_add(&s->total, (int)(e - b));
}

static void outer_fn(void *ctx, size_t b, size_t e)
{
    nest *s = ctx;
    for (size_t i = b; i < e; i++) eo_parallel_for(s->par, 100, 10, inner_fn, s);
}

static void test_nested(void **state)
{
    (void)state;
    eo_pool *pool;
    assert_int_equal(eo_pool_create(3, &pool), EO_OK);
    nest s;
    s.par = eo_pool_parallel(pool);
    atomic_init(&s.total, 0);
    eo_parallel_for(s.par, 50, 1, outer_fn, &s);
    assert_int_equal(atomic_load(&s.total), 50 * 100);
    eo_pool_destroy(pool);
}

/* Two outside threads submitting to one pool at once. */
typedef struct submitter {
    const eo_parallel *par;
    int ok;
} submitter;

static void *submit_main(void *arg)
{
    submitter *s = arg;
    s->ok = 1;
    for (int rep = 0; rep < 200; rep++) {
        cover c;
        atomic_int hits[257];
        for (int i = 0; i < 257; i++) atomic_init(&hits[i], 0);
        c.hits = hits;
        c.n = 257;
        c.grain = 4;
        atomic_init(&c.bad_chunk, 0);
        atomic_init(&c.calls, 0);
        eo_parallel_for(s->par, 257, 4, cover_fn, &c);
        for (int i = 0; i < 257; i++)
            if (atomic_load(&hits[i]) != 1) s->ok = 0;
        if (atomic_load(&c.bad_chunk)) s->ok = 0;
    }
    return NULL;
}

static void test_concurrent_submitters(void **state)
{
    (void)state;
    eo_pool *pool;
    assert_int_equal(eo_pool_create(2, &pool), EO_OK);
    submitter s[2] = {{eo_pool_parallel(pool), 0}, {eo_pool_parallel(pool), 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, submit_main, &s[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_true(s[0].ok && s[1].ok);
    eo_pool_destroy(pool);
}

static void test_create_destroy(void **state)
{
    (void)state;
    assert_int_equal(eo_pool_create(2, NULL), EO_ERR_INVALID);
    assert_null(eo_pool_parallel(NULL));
    assert_int_equal(eo_pool_nthreads(NULL), 1);
    eo_pool_destroy(NULL);
    eo_pool *pool;
    assert_int_equal(eo_pool_create(0, &pool), EO_OK);
    assert_int_equal(eo_pool_nthreads(pool), eo_cpu_count());
    eo_pool_destroy(pool);
    /* Destroy right after create (workers possibly not yet started) and
     * after work, many times: ASan reports leaks or use-after-free. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(eo_pool_create(1 + i % 4, &pool), EO_OK);
        if (i % 2) check_cover(eo_pool_parallel(pool), 33, 2);
        eo_pool_destroy(pool);
    }
}

/* SGEMM through 1, 2, 3, 4 threads gives exactly the bytes of the serial call,
 * for every transpose pair, on shapes that cross the cache blocks. */
static void gemm_identical(const char *path)
{
    /* m, n, k: all above the 2^20 multiply-adds where eo_sgemm starts using threads;
     * n = 10 runs in the transposed orientation. */
    static const int shapes[][3] = {{129, 250, 300}, {300, 17, 257}, {128, 256, 784}, {65, 481, 40}, {128, 10, 1024}};
    eo_rng r;
    eo_rng_seed(&r, 99);
    /* Pools of 1, 2, 3 and 4 threads against no pool at all. */
    eo_pool *pools[4];
    for (int t = 0; t < 4; t++) assert_int_equal(eo_pool_create(t + 1, &pools[t]), EO_OK);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        size_t na = (size_t)m * k + 8, nb = (size_t)k * n + 8, nc = (size_t)m * (n + 3);
        float *A = malloc(na * sizeof(float)), *B = malloc(nb * sizeof(float));
        float *C0 = malloc(nc * sizeof(float)), *C1 = malloc(nc * sizeof(float)), *Ct = malloc(nc * sizeof(float));
        assert_true(A && B && C0 && C1 && Ct);
        for (size_t i = 0; i < na; i++) A[i] = (float)eo_rng_normal(&r);
        for (size_t i = 0; i < nb; i++) B[i] = (float)eo_rng_normal(&r);
        for (size_t i = 0; i < nc; i++) C0[i] = (float)eo_rng_normal(&r);
        for (int t = 0; t < 4; t++) {
            eo_trans ta = (eo_trans)(t & 1), tb = (eo_trans)(t >> 1);
            int lda = ta == EO_NOTRANS ? k : m, ldb = tb == EO_NOTRANS ? n : k;
            memcpy(C1, C0, nc * sizeof(float));
            eo_sgemm(NULL, ta, tb, m, n, k, 0.5f, A, lda, B, ldb, 0.25f, C1, n + 3);
            for (int p = 0; p < 4; p++) {
                memcpy(Ct, C0, nc * sizeof(float));
                eo_sgemm(eo_pool_parallel(pools[p]), ta, tb, m, n, k, 0.5f, A, lda, B, ldb, 0.25f, Ct, n + 3);
                if (memcmp(Ct, C1, nc * sizeof(float)) != 0)
                    fail_msg("%s: %dx%dx%d ta=%d tb=%d: %d threads differ from 1 thread", path, m, n, k,
                             ta, tb, p + 1);
            }
        }
        free(A);
        free(B);
        free(C0);
        free(C1);
        free(Ct);
    }
    for (int t = 0; t < 4; t++) eo_pool_destroy(pools[t]);
}

static void test_gemm_thread_invariance(void **state)
{
    (void)state;
    static const char *paths[] = {"portable", "avx2-fma", "avx512"};
    for (int i = 0; i < 3; i++) {
        if (eo_sgemm_select(paths[i]) != EO_OK) {
            print_message("SKIP: no %s path on this CPU\n", paths[i]);
            continue;
        }
        gemm_identical(paths[i]);
    }
    eo_sgemm_select("auto");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_destroy),
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_really_parallel),
        cmocka_unit_test(test_stress_small_jobs),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_concurrent_submitters),
        cmocka_unit_test(test_gemm_thread_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
