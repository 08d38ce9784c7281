/* Thread pool (pthreads) that provides the eo_parallel interface of
 * edgeopt/kernels.h. This module uses the OS; the kernels never do: they only
 * see the eo_parallel the caller passes.
 *
 *   eo_pool *pool;
 *   if (eo_pool_create(0, &pool) == EO_OK) {            // 0: one thread per CPU
 *       eo_sgemm(eo_pool_parallel(pool), ...);
 *       eo_pool_destroy(pool);
 *   }
 *
 * A pool of N threads is the calling thread plus N-1 persistent workers. A
 * parallel-for wakes the workers (they spin briefly, then sleep on a
 * condition variable), all of them take chunks from a shared counter, and the
 * call returns when every chunk is done. Jobs from different threads are
 * serialised; a job submitted while the pool is busy (from another thread, or
 * nested inside a task) runs serially on its caller instead of waiting, so it
 * can never deadlock. */
#ifndef EDGEOPT_PARALLEL_H
#define EDGEOPT_PARALLEL_H

#include "edgeopt/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct eo_pool eo_pool;

/* Number of online CPUs (>= 1). */
int eo_cpu_count(void);

/* Create a pool of nthreads threads in total, counting the caller
 * (nthreads <= 0: eo_cpu_count(); capped at 256). nthreads == 1 starts no
 * worker. On success *out owns the pool (free with eo_pool_destroy) and
 * EO_OK is returned; on failure *out is NULL and EO_ERR_NOMEM (or
 * EO_ERR_INVALID for out == NULL) is returned. */
int eo_pool_create(int nthreads, eo_pool **out);

/* The parallel-for interface of the pool. Borrowed: valid until
 * eo_pool_destroy. NULL pool gives NULL (serial). */
const eo_parallel *eo_pool_parallel(eo_pool *pool);

/* Total number of threads (workers + caller); 1 for a NULL pool. */
int eo_pool_nthreads(const eo_pool *pool);

/* Stop and join the workers and free the pool. The pool must be idle (no
 * parallel-for running). NULL is accepted. */
void eo_pool_destroy(eo_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
