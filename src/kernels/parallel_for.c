/* The parallel-for entry point kernels use; serial when no pool is given. */
#include "edgeopt/kernels.h"

void eo_parallel_for(const eo_parallel *par, size_t n, size_t grain, eo_task_fn fn, void *ctx)
{
    if (n == 0) return;
    if (par && par->run && par->nthreads > 1 && n > grain) {
        par->run(par->impl, n, grain ? grain : 1, fn, ctx);
        return;
    }
    fn(ctx, 0, n);
}
