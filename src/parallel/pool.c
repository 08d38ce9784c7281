/* A pthreads pool providing eo_parallel (contract in edgeopt/parallel.h).
 *
 * Protocol. All scheduling state is one 64-bit atomic word `next`:
 * generation (16 bits) | number of chunks (24 bits) | next chunk (24 bits).
 * A job is published by storing its fields and then a new word (new
 * generation, chunk 0) with release order, and broadcasting `wake`. Anyone
 * (the submitter and every worker) claims a chunk with a compare-and-swap
 * that increments the chunk index of the exact word it read, and only while
 * index < count, then reads the job fields, runs the chunk and counts it in
 * `done`. The submitter returns when `done` reaches the chunk count. So:
 *   - a claim can only succeed on the current job (the whole word must
 *     match), its count and index come from the same word, and the job
 *     fields are stable while a claimed chunk is unfinished (the next job is
 *     published only after every chunk is done);
 *   - the submitter never waits for a worker that is not running: on a busy
 *     machine it simply does more chunks itself, and a worker that wakes
 *     late finds nothing to claim and touches nothing.
 * Workers spin briefly on `next`, then sleep on `wake`. `submit` serialises
 * jobs; a job that finds it taken (another thread's job, or a parallel-for
 * nested inside a task) runs serially on its caller instead of waiting. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
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
    pthread_cond_t wake, finished;
    pthread_mutex_t submit;
    /* The current job: written by the submitter before `next` is published. */
    eo_task_fn fn;
    void *ctx;
    size_t n, grain;
    _Atomic uint64_t next; /* generation | chunk count | next chunk, see above */
    atomic_uint done;      /* chunks finished in the current generation */
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

#define EO__GEN(w) ((uint32_t)((w) >> 48))
#define EO__COUNT(w) ((uint32_t)((w) >> 24) & 0xffffffu)
#define EO__INDEX(w) ((uint32_t)(w)&0xffffffu)
#define EO__MAX_CHUNKS 0xffffffu

/* Claim and run chunks of generation `gen` until none is left. */
static void run_chunks(eo_pool *p, uint32_t gen)
{
    for (;;) {
        uint64_t v = atomic_load_explicit(&p->next, memory_order_acquire);
        if (EO__GEN(v) != gen || EO__INDEX(v) >= EO__COUNT(v)) return;
        if (!atomic_compare_exchange_weak_explicit(&p->next, &v, v + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        /* We hold an unfinished chunk of the job published with this word:
         * its fields are visible (acquire) and stable. */
        const uint32_t nchunks = EO__COUNT(v);
        size_t b = (size_t)EO__INDEX(v) * p->grain;
        size_t e = p->n - b < p->grain ? p->n : b + p->grain;
        p->fn(p->ctx, b, e);
        unsigned d = atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel) + 1;
        if (d == nchunks) { /* the submitter may be asleep: wake it (once per job) */
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->finished);
            pthread_mutex_unlock(&p->lock);
        }
    }
}

static void *worker_main(void *arg)
{
    eo_pool *p = arg;
    uint32_t seen = 0; /* generation 0 is "no job yet" */
    for (;;) {
        uint32_t g = EO__GEN(atomic_load_explicit(&p->next, memory_order_acquire));
        for (int s = 0; g == seen && s < EO__POOL_SPIN; s++) {
            if (atomic_load_explicit(&p->stop, memory_order_relaxed)) break;
            eo__cpu_relax();
            g = EO__GEN(atomic_load_explicit(&p->next, memory_order_acquire));
        }
        if (g == seen) {
            pthread_mutex_lock(&p->lock);
            while ((g = EO__GEN(atomic_load_explicit(&p->next, memory_order_acquire))) == seen &&
                   !atomic_load_explicit(&p->stop, memory_order_relaxed))
                pthread_cond_wait(&p->wake, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load_explicit(&p->stop, memory_order_relaxed)) break;
        seen = g;
        run_chunks(p, g);
    }
    return NULL;
}

static void pool_run(void *impl, size_t n, size_t grain, eo_task_fn fn, void *ctx)
{
    eo_pool *p = impl;
    if (n == 0) return;
    if (grain == 0) grain = 1;
    size_t nchunks = n / grain + (n % grain != 0);
    if (nchunks > EO__MAX_CHUNKS) { /* coarser chunks, still whole multiples of grain */
        grain *= nchunks / EO__MAX_CHUNKS + 1;
        nchunks = n / grain + (n % grain != 0);
    }
    if (p->nworkers == 0 || nchunks < 2 || pthread_mutex_trylock(&p->submit) != 0) {
        fn(ctx, 0, n);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->grain = grain;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint32_t gen = (EO__GEN(atomic_load_explicit(&p->next, memory_order_relaxed)) + 1) & 0xffffu;
    if (gen == 0) gen = 1; /* 0 means "no job yet" to a fresh worker */
    const uint64_t word = (uint64_t)gen << 48 | (uint64_t)nchunks << 24;
    pthread_mutex_lock(&p->lock);
    atomic_store_explicit(&p->next, word, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_chunks(p, gen);

    for (int s = 0; s < EO__POOL_SPIN; s++) {
        if (atomic_load_explicit(&p->done, memory_order_acquire) == nchunks) break;
        eo__cpu_relax();
    }
    if (atomic_load_explicit(&p->done, memory_order_acquire) != nchunks) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load_explicit(&p->done, memory_order_acquire) != nchunks)
            pthread_cond_wait(&p->finished, &p->lock);
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
    pthread_cond_destroy(&p->finished);
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
    ok = ok && pthread_cond_init(&p->finished, NULL) == 0;
    ok = ok && pthread_mutex_init(&p->submit, NULL) == 0;
    if (!ok) { /* on Linux these inits cannot fail; elsewhere give up cleanly */
        free(p->threads);
        free(p);
        return EO_ERR_NOMEM;
    }
    atomic_init(&p->next, 0);
    atomic_init(&p->done, 0);
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
