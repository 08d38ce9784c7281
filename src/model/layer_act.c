/* Element-wise activations and the per-sample softmax.
 *   relu  y = max(x, 0)               dy/dx = [x > 0]
 *   relu6 y = min(max(x, 0), 6)       dy/dx = [0 < x < 6]
 *   leaky y = x (x > 0), alpha x      dy/dx = 1 or alpha
 *   tanh  y = tanh x                  dy/dx = 1 - y^2
 *   sigmoid y = 1/(1 + e^-x)          dy/dx = y (1 - y)   (evaluated without overflow)
 *   softmax over the sample's values: y = e^(x - max) / sum e^(x - max),
 *         dx = y (dy - sum(dy y)).
 * At the kinks (x = 0, x = 6) the derivative taken is 0. */
#include <math.h>
#include <string.h>

#include "model/internal.h"

static size_t count(const eo__run *r) { return (size_t)r->batch * r->L->in_numel; }

/* The loops below read through restrict-qualified locals and select without
 * branches so the compiler vectorizes them (x, y, dy and dx never alias). */
#define EO__ACT_FWD(name, expr)                                              \
    static void name##_task(void *ctx, size_t i0, size_t i1)                 \
    {                                                                        \
        const eo__run *r = ctx;                                              \
        const float *restrict x = r->x;                                      \
        float *restrict y = r->y;                                            \
        const float a = r->L->d.alpha;                                       \
        (void)a;                                                             \
        for (size_t i = i0; i < i1; i++) {                                   \
            const float v = x[i];                                            \
            y[i] = (expr);                                                   \
        }                                                                    \
    }                                                                        \
    void name(eo__run *r) { eo_parallel_for(r->par, count(r), EO__GRAIN_ELEMS, name##_task, r); }

#define EO__ACT_BWD(name, expr)                                              \
    static void name##_task(void *ctx, size_t i0, size_t i1)                 \
    {                                                                        \
        const eo__run *r = ctx;                                              \
        const float *restrict x = r->x, *restrict y = r->y;                  \
        const float *restrict dy = r->dy;                                    \
        float *restrict dx = r->dx;                                          \
        const float a = r->L->d.alpha;                                       \
        (void)a;                                                             \
        (void)x;                                                             \
        (void)y;                                                             \
        for (size_t i = i0; i < i1; i++) {                                   \
            const float g = dy[i];                                           \
            dx[i] = (expr);                                                  \
        }                                                                    \
    }                                                                        \
    void name(eo__run *r) { eo_parallel_for(r->par, count(r), EO__GRAIN_ELEMS, name##_task, r); }

EO__ACT_FWD(eo__fwd_relu, v > 0.0f ? v : 0.0f)
EO__ACT_BWD(eo__bwd_relu, x[i] > 0.0f ? g : 0.0f)
EO__ACT_FWD(eo__fwd_relu6, v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f)
EO__ACT_BWD(eo__bwd_relu6, (x[i] > 0.0f && x[i] < 6.0f) ? g : 0.0f)
EO__ACT_FWD(eo__fwd_leaky, v > 0.0f ? v : a * v)
EO__ACT_BWD(eo__bwd_leaky, x[i] > 0.0f ? g : a * g)
EO__ACT_FWD(eo__fwd_tanh, tanhf(v))
EO__ACT_BWD(eo__bwd_tanh, g * (1.0f - y[i] * y[i]))
/* sigmoid without overflow: e^-|v| never exceeds 1. */
EO__ACT_FWD(eo__fwd_sigmoid, v >= 0.0f ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v)))
EO__ACT_BWD(eo__bwd_sigmoid, g * y[i] * (1.0f - y[i]))

void eo__fwd_softmax(eo__run *r)
{
    const size_t k = r->L->in_numel;
    for (int s = 0; s < r->batch; s++) {
        const float *x = r->x + (size_t)s * k;
        float *y = r->y + (size_t)s * k;
        float mx = x[0];
        for (size_t j = 1; j < k; j++)
            if (x[j] > mx) mx = x[j];
        double z = 0.0;
        for (size_t j = 0; j < k; j++) {
            y[j] = expf(x[j] - mx);
            z += y[j];
        }
        float inv = (float)(1.0 / z);
        for (size_t j = 0; j < k; j++) y[j] *= inv;
    }
}

void eo__bwd_softmax(eo__run *r)
{
    const size_t k = r->L->in_numel;
    for (int s = 0; s < r->batch; s++) {
        const float *y = r->y + (size_t)s * k, *dy = r->dy + (size_t)s * k;
        float *dx = r->dx + (size_t)s * k;
        double dot = 0.0;
        for (size_t j = 0; j < k; j++) dot += (double)dy[j] * y[j];
        for (size_t j = 0; j < k; j++) dx[j] = y[j] * (dy[j] - (float)dot);
    }
}
