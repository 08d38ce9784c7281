/* int8 kernel dispatch: two const tables (portable reference, AVX2) and a CPU
 * check that picks one. No mutable state: the check is a read of the CPU
 * model that the compiler runtime fills before main. */
#include <string.h>

#include "edgeopt/qkernels.h"
#include "kernels/q8_internal.h"

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
static const eo_q8_ops q8_avx2_ops = {
    .name = "avx2",
    .fc = eo__q8_fc_avx2,
    .conv2d = eo__q8_conv2d_avx2,
    .dwconv2d = eo__q8_dwconv2d_avx2,
    .maxpool = eo__q8_maxpool_avx2,
    .avgpool = eo__q8_avgpool_avx2,
    .gap = eo__q8_gap_avx2,
    .quantize = eo__q8_quantize_avx2,
    .dequantize = eo__q8_dequantize_avx2,
};
#endif

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
    case EO_Q8_PATH_AUTO: {
        const eo_q8_ops *a = eo_q8_ops_get(EO_Q8_PATH_AVX2);
        return a ? a : &q8_ref_ops;
    }
    default: return NULL;
    }
}

const char *eo_q8_path_active(void) { return eo_q8_ops_get(EO_Q8_PATH_AUTO)->name; }

static const char *const q8_path_names[EO_Q8_PATH_COUNT] = {"auto", "ref", "avx2"};
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
