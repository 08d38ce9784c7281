/* A pthreads pool providing eo_parallel (contract in edgeopt/parallel.h).
 *
 * Protocol. The submitter writes the job (fn, ctx, n, grain), resets the
 * chunk counter and the count of workers still busy, then bumps `gen` (a
 * release store, under `lock` so sleepers cannot miss it) and broadcasts.
 * Workers notice the new generation (spinning for a short while, then
 * sleeping on `wake`), take chunks with an atomic fetch-add until none are
 * left, and decrement `pending`; the last one signals `done`. The submitter
 * works on chunks too, then waits for `pending` to reach 0, so the job data
 * is never rewritten while a worker might still read it. `submit` serialises
 * jobs; a job that finds it taken runs serially on its caller (nested or
 * concurrent use never deadlocks). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "edgeopt/core.h"
#include "edgeopt/parallel.h"

#define EO__POOL_MAX_THREADS 256
/* Busy-wait iterations before sleeping: long enough to catch the next job of
 * a GEMM (pack, compute, pack, ...), short enough not to burn a shared CPU. */
#define EO__POOL_SPIN 4000

struct eo_pool {
    eo_parallel par;
    int nthreads;   /* caller + workers */
    int nworkers;   /* workers started */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pthread_mutex_t submit;
    /* The current job: written by the submitter before `gen` is bumped. */
    eo_task_fn fn;
    void *ctx;
    size_t n, grain, nchunks;
    atomic_size_t next;
    atomic_int pending;
    atomic_uint gen;
    atomic_int stop;
};

static void eo__cpu_relax(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

int eo_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > EO__POOL_MAX_THREADS ? EO__POOL_MAX_THREADS : (int)n;
}

static void run_chunks(eo_pool *p)
{
    for (;;) {
        size_t c = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (c >= p->nchunks) return;
        size_t b = c * p->grain;
        size_t e = p->n - b < p->grain ? p->n : b + p->grain;
        p->fn(p->ctx, b, e);
    }
}

static void *worker_main(void *arg)
{
    eo_pool *p = arg;
    unsigned seen = 0; /* gen starts at 0 and no job exists before create returns */
    for (;;) {
        unsigned g = atomic_load_explicit(&p->gen, memory_order_acquire);
        for (int s = 0; g == seen && s < EO__POOL_SPIN; s++) {
            if (atomic_load_explicit(&p->stop, memory_order_relaxed)) break;
            eo__cpu_relax();
            g = atomic_load_explicit(&p->gen, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->lock);
            while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
                   !atomic_load_explicit(&p->stop, memory_order_relaxed))
                pthread_cond_wait(&p->wake, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (g == seen) break; /* woken by stop with no job */
        seen = g;
        run_chunks(p);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
    return NULL;
}

static void pool_run(void *impl, size_t n, size_t grain, eo_task_fn fn, void *ctx)
{
    eo_pool *p = impl;
    if (n == 0) return;
    if (grain == 0) grain = 1;
    size_t nchunks = n / grain + (n % grain != 0);
    if (p->nworkers == 0 || nchunks < 2 || pthread_mutex_trylock(&p->submit) != 0) {
        fn(ctx, 0, n);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->grain = grain;
    p->nchunks = nchunks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->pending, p->nworkers, memory_order_relaxed);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_chunks(p);

    for (int s = 0; s < EO__POOL_SPIN; s++) {
        if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0) break;
        eo__cpu_relax();
    }
    if (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
            pthread_cond_wait(&p->done, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
    pthread_mutex_unlock(&p->submit);
}

static void pool_stop(eo_pool *p)
{
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->stop, 1, memory_order_relaxed);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
    p->nworkers = 0;
}

static void pool_free(eo_pool *p)
{
    pthread_mutex_destroy(&p->submit);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}

int eo_pool_create(int nthreads, eo_pool **out)
{
    if (!out) return EO_ERR_INVALID;
    *out = NULL;
    if (nthreads <= 0) nthreads = eo_cpu_count();
    if (nthreads > EO__POOL_MAX_THREADS) nthreads = EO__POOL_MAX_THREADS;

    eo_pool *p = calloc(1, sizeof *p);
    if (!p) return EO_ERR_NOMEM;
    p->threads = nthreads > 1 ? calloc((size_t)nthreads - 1, sizeof *p->threads) : NULL;
    if (nthreads > 1 && !p->threads) {
        free(p);
        return EO_ERR_NOMEM;
    }
    int ok = pthread_mutex_init(&p->lock, NULL) == 0;
    ok = ok && pthread_cond_init(&p->wake, NULL) == 0;
    ok = ok && pthread_cond_init(&p->done, NULL) == 0;
    ok = ok && pthread_mutex_init(&p->submit, NULL) == 0;
    if (!ok) { /* on Linux these inits cannot fail; elsewhere give up cleanly */
        free(p->threads);
        free(p);
        return EO_ERR_NOMEM;
    }
    atomic_init(&p->next, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->gen, 0);
    atomic_init(&p->stop, 0);
    p->nthreads = nthreads;
    for (int i = 0; i < nthreads - 1; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            pool_stop(p);
            pool_free(p);
            return EO_ERR_NOMEM;
        }
        p->nworkers = i + 1;
    }
    p->par.run = pool_run;
    p->par.impl = p;
    p->par.nthreads = nthreads;
    *out = p;
    return EO_OK;
}

const eo_parallel *eo_pool_parallel(eo_pool *pool) { return pool ? &pool->par : NULL; }

int eo_pool_nthreads(const eo_pool *pool) { return pool ? pool->nthreads : 1; }

void eo_pool_destroy(eo_pool *pool)
{
    if (!pool) return;
    pool_stop(pool);
    pool_free(pool);
}
