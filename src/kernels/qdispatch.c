/* int8 kernel dispatch: three const tables (portable reference, AVX2, VNNI)
 * and a CPU check that picks one, plus the packed-FC entry points. */
#include <string.h>

#include "edgeopt/qkernels.h"
#include "kernels/internal.h"
#include "kernels/q8_internal.h"
#if defined(EO_HAVE_X86)
#include <stdatomic.h>
#if defined(__GNUC__)
#include <cpuid.h>
#endif
#endif

static const eo_q8_ops q8_ref_ops = {
    .name = "ref",
    .fc = eo_q8_fc_ref,
    .conv2d = eo_q8_conv2d_ref,
    .dwconv2d = eo_q8_dwconv2d_ref,
    .maxpool = eo_q8_maxpool_ref,
    .avgpool = eo_q8_avgpool_ref,
    .gap = eo_q8_gap_ref,
    .quantize = eo_q8_quantize_ref,
    .dequantize = eo_q8_dequantize_ref,
};

#if defined(EO_HAVE_X86)
/* The three x86 tables share the AVX2 kernels; they differ in the name and
 * the input conversion. */
#define EO__Q8_AVX2_OPS(path, quantize_fn)                                                                       \
    {                                                                                                            \
        .name = path, .fc = eo__q8_fc_avx2, .conv2d = eo__q8_conv2d_avx2, .dwconv2d = eo__q8_dwconv2d_avx2,     \
        .maxpool = eo__q8_maxpool_avx2, .avgpool = eo__q8_avgpool_avx2, .gap = eo__q8_gap_avx2,                  \
        .quantize = quantize_fn, .dequantize = eo__q8_dequantize_avx2,                                           \
    }
static const eo_q8_ops q8_avx2_ops = EO__Q8_AVX2_OPS("avx2", eo__q8_quantize_avx2);

/* The VNNI path differs from AVX2 in the packed FC (eo_q8_fc_packed), which
 * int8 models use for their FC ops, and, with AVX-512, in the input
 * conversion; the unpacked eo_q8_fc stays on AVX2 (its weights come without
 * the per-row sums the VNNI form needs). */
static const eo_q8_ops q8_vnni_ymm_ops = EO__Q8_AVX2_OPS("vnni", eo__q8_quantize_avx2);
static const eo_q8_ops q8_vnni_zmm_ops = EO__Q8_AVX2_OPS("vnni", eo__q8_quantize_avx512vnni);
#undef EO__Q8_AVX2_OPS
#endif

int eo__q8_cpu_has_isa(int isa)
{
#if defined(EO_HAVE_X86) && defined(__GNUC__)
    if (isa == EO__Q8_ISA_YMM) return eo__cpu_has_avx_vnni();
    if (isa == EO__Q8_ISA_AVX2) return eo__cpu_has_avx2_fma();
    if (isa == EO__Q8_ISA_ZMM) {
        /* AVX-512 F/BW/VL with the OS saving zmm state, plus VNNI: cpuid 7.0 ECX bit 11 */
        unsigned int a, b, c, d;
        if (!eo__cpu_has_avx512() || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
        return (c >> 11) & 1u;
    }
#else
    (void)isa;
#endif
    return 0;
}

#if defined(EO_HAVE_X86)
/* The one piece of mutable state here: a cache of a constant fact (cpuid is
 * slow, a VM exit under a hypervisor, and eo_q8_ops_get runs per call). Racing
 * first calls store the same value. */
static atomic_int q8_isa_cache = -1;
#endif

int eo__q8_packed_isa(void)
{
#if defined(EO_HAVE_X86)
    int v = atomic_load_explicit(&q8_isa_cache, memory_order_relaxed);
    if (v >= 0) return v;
    v = eo__q8_cpu_has_isa(EO__Q8_ISA_ZMM)    ? EO__Q8_ISA_ZMM
        : eo__q8_cpu_has_isa(EO__Q8_ISA_YMM)  ? EO__Q8_ISA_YMM
        : eo__q8_cpu_has_isa(EO__Q8_ISA_AVX2) ? EO__Q8_ISA_AVX2
                                              : EO__Q8_ISA_NONE;
    atomic_store_explicit(&q8_isa_cache, v, memory_order_relaxed);
    return v;
#else
    return EO__Q8_ISA_NONE;
#endif
}

int eo_q8_fc_packed_available(void) { return eo__q8_packed_isa() != EO__Q8_ISA_NONE; }

/* Checks the pack's header and the sizes; the pack's contents were checked
 * by eo_q8_fc_pack. */
static int packed_run(int isa, const void *pack, int32_t batch, const int8_t *x, int8_t *y)
{
    const eo__q8_pack_hdr *h = pack;
    if (!h || !x || !y || batch < 1 || h->magic != EO_Q8_PACK_MAGIC) return EO_Q8_EINVAL;
    if ((uint64_t)batch * (uint64_t)h->in > (uint64_t)SIZE_MAX ||
        (uint64_t)batch * (uint64_t)h->out > (uint64_t)SIZE_MAX)
        return EO_Q8_ERANGE;
    if (isa == EO__Q8_ISA_NONE) return EO_ERR_UNSUPPORTED;
#if defined(EO_HAVE_X86)
    if (isa == EO__Q8_ISA_ZMM) eo__q8_fc_packed_avx512vnni(h, batch, x, y);
    else if (isa == EO__Q8_ISA_YMM) eo__q8_fc_packed_avxvnni(h, batch, x, y);
    else eo__q8_fc_packed_avx2(h, batch, x, y);
#endif
    return EO_Q8_OK;
}

int eo__q8_fc_packed_isa(int isa, const void *pack, int32_t batch, const int8_t *x, int8_t *y)
{
    if (isa != EO__Q8_ISA_YMM && isa != EO__Q8_ISA_ZMM && isa != EO__Q8_ISA_AVX2) return EO_Q8_EINVAL;
    return eo__q8_cpu_has_isa(isa) ? packed_run(isa, pack, batch, x, y) : EO_ERR_UNSUPPORTED;
}

int eo_q8_fc_packed(const void *pack, int32_t batch, const int8_t *x, int8_t *y)
{
    return packed_run(eo__q8_packed_isa(), pack, batch, x, y);
}

#if defined(EO_HAVE_X86)
static int q8_have_avx2(void)
{
#if defined(__GNUC__)
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}
#endif

const eo_q8_ops *eo_q8_ops_get(eo_q8_path path)
{
    switch (path) {
    case EO_Q8_PATH_REF: return &q8_ref_ops;
    case EO_Q8_PATH_AVX2:
#if defined(EO_HAVE_X86)
        return q8_have_avx2() ? &q8_avx2_ops : NULL;
#else
        return NULL;
#endif
    case EO_Q8_PATH_VNNI:
#if defined(EO_HAVE_X86)
        if (!q8_have_avx2()) return NULL;
        switch (eo__q8_packed_isa()) {
        case EO__Q8_ISA_ZMM: return &q8_vnni_zmm_ops;
        case EO__Q8_ISA_YMM: return &q8_vnni_ymm_ops;
        default: return NULL;
        }
#else
        return NULL;
#endif
    case EO_Q8_PATH_AUTO: {
        const eo_q8_ops *a = eo_q8_ops_get(EO_Q8_PATH_VNNI);
        if (!a) a = eo_q8_ops_get(EO_Q8_PATH_AVX2);
        return a ? a : &q8_ref_ops;
    }
    default: return NULL;
    }
}

const char *eo_q8_path_active(void) { return eo_q8_ops_get(EO_Q8_PATH_AUTO)->name; }

static const char *const q8_path_names[EO_Q8_PATH_COUNT] = {"auto", "ref", "avx2", "vnni"};
static const char *const q8_act_names[EO_Q8_ACT_COUNT] = {"none", "relu", "relu6"};

const char *eo_q8_path_name(eo_q8_path p)
{
    return (unsigned)p < EO_Q8_PATH_COUNT ? q8_path_names[p] : "?";
}

int eo_q8_path_from_name(const char *name, eo_q8_path *out)
{
    for (int i = 0; name && i < EO_Q8_PATH_COUNT; i++)
        if (!strcmp(name, q8_path_names[i])) {
            if (out) *out = (eo_q8_path)i;
            return EO_OK;
        }
    return EO_ERR_NOT_FOUND;
}

const char *eo_q8_act_name(eo_q8_act a)
{
    return (unsigned)a < EO_Q8_ACT_COUNT ? q8_act_names[a] : "?";
}

int eo_q8_act_from_name(const char *name, eo_q8_act *out)
{
    for (int i = 0; name && i < EO_Q8_ACT_COUNT; i++)
        if (!strcmp(name, q8_act_names[i])) {
            if (out) *out = (eo_q8_act)i;
            return EO_OK;
        }
    return EO_ERR_NOT_FOUND;
}

int eo_q8_fc(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out, const int8_t *x,
             const int8_t *w, const int32_t *bias, int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->fc(p, batch, in, out, x, w, bias, y);
}

int eo_q8_conv2d(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc, const int8_t *x,
                 const int8_t *w, const int32_t *bias, int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->conv2d(p, g, oc, x, w, bias, y);
}

int eo_q8_dwconv2d(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                   const int8_t *w, const int32_t *bias, int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->dwconv2d(p, g, x, w, bias, y);
}

int eo_q8_maxpool(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                  int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->maxpool(g, act_min, act_max, x, y);
}

int eo_q8_avgpool(const eo_q8_geom *g, int32_t act_min, int32_t act_max, const int8_t *x,
                  int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->avgpool(g, act_min, act_max, x, y);
}

int eo_q8_gap(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
              const int8_t *x, int8_t *y)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->gap(n, c, hw, act_min, act_max, x, y);
}

int eo_q8_quantize(size_t n, const float *x, float scale, int32_t zp, int8_t *q)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->quantize(n, x, scale, zp, q);
}

int eo_q8_dequantize(size_t n, const int8_t *q, float scale, int32_t zp, float *x)
{
    return eo_q8_ops_get(EO_Q8_PATH_AUTO)->dequantize(n, q, scale, zp, x);
}
