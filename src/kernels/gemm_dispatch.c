/* Run-time choice of the SGEMM path.
 *
 * The only mutable state of the kernels module is one pointer to a const path
 * description. It starts NULL and is resolved on first use by a pure CPU
 * check; resolving is idempotent (every thread that races on the first call
 * computes and stores the same value), and the pointer is a C11 atomic so the
 * race is well defined. eo_sgemm_select() overwrites it; calling it while
 * another thread is inside eo_sgemm is safe but that call may use either
 * path. */
#include <string.h>

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "kernels/internal.h"

#if !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
static _Atomic(const eo__sgemm_impl *) eo__g_sgemm_impl;
#define EO__LOAD() atomic_load_explicit(&eo__g_sgemm_impl, memory_order_acquire)
#define EO__STORE(p) atomic_store_explicit(&eo__g_sgemm_impl, (p), memory_order_release)
#else
/* No C11 atomics (some freestanding targets): these have one thread. */
static const eo__sgemm_impl *eo__g_sgemm_impl;
#define EO__LOAD() eo__g_sgemm_impl
#define EO__STORE(p) (eo__g_sgemm_impl = (p))
#endif

static const eo__sgemm_impl *eo__sgemm_best(void)
{
#if defined(EO_HAVE_X86)
    if (eo__cpu_has_avx512()) return &eo__sgemm_avx512;
    if (eo__cpu_has_avx2_fma()) return &eo__sgemm_avx2;
#endif
    return &eo__sgemm_portable;
}

const eo__sgemm_impl *eo__sgemm_impl_get(void)
{
    const eo__sgemm_impl *p = EO__LOAD();
    if (!p) {
        p = eo__sgemm_best();
        EO__STORE(p);
    }
    return p;
}

const char *eo_sgemm_path(void) { return eo__sgemm_impl_get()->name; }

int eo_sgemm_select(const char *path)
{
    if (!path) return EO_ERR_INVALID;
    if (!strcmp(path, "auto")) {
        EO__STORE(eo__sgemm_best());
        return EO_OK;
    }
    if (!strcmp(path, "portable")) {
        EO__STORE(&eo__sgemm_portable);
        return EO_OK;
    }
    if (!strcmp(path, "avx2-fma")) {
#if defined(EO_HAVE_X86)
        if (eo__cpu_has_avx2_fma()) {
            EO__STORE(&eo__sgemm_avx2);
            return EO_OK;
        }
#endif
        return EO_ERR_UNSUPPORTED;
    }
    if (!strcmp(path, "avx512")) {
#if defined(EO_HAVE_X86)
        if (eo__cpu_has_avx512()) {
            EO__STORE(&eo__sgemm_avx512);
            return EO_OK;
        }
#endif
        return EO_ERR_UNSUPPORTED;
    }
    return EO_ERR_INVALID;
}
