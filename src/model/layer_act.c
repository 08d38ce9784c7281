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

void eo__fwd_relu(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) r->y[i] = r->x[i] > 0.0f ? r->x[i] : 0.0f;
}

void eo__bwd_relu(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) r->dx[i] = r->x[i] > 0.0f ? r->dy[i] : 0.0f;
}

void eo__fwd_relu6(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) {
        float v = r->x[i];
        r->y[i] = v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    }
}

void eo__bwd_relu6(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++)
        r->dx[i] = (r->x[i] > 0.0f && r->x[i] < 6.0f) ? r->dy[i] : 0.0f;
}

void eo__fwd_leaky(eo__run *r)
{
    const float a = r->L->d.alpha;
    for (size_t i = 0, n = count(r); i < n; i++) r->y[i] = r->x[i] > 0.0f ? r->x[i] : a * r->x[i];
}

void eo__bwd_leaky(eo__run *r)
{
    const float a = r->L->d.alpha;
    for (size_t i = 0, n = count(r); i < n; i++) r->dx[i] = r->x[i] > 0.0f ? r->dy[i] : a * r->dy[i];
}

void eo__fwd_tanh(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) r->y[i] = tanhf(r->x[i]);
}

void eo__bwd_tanh(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) r->dx[i] = r->dy[i] * (1.0f - r->y[i] * r->y[i]);
}

void eo__fwd_sigmoid(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) {
        float v = r->x[i];
        if (v >= 0.0f) {
            r->y[i] = 1.0f / (1.0f + expf(-v));
        } else {
            float e = expf(v);
            r->y[i] = e / (1.0f + e);
        }
    }
}

void eo__bwd_sigmoid(eo__run *r)
{
    for (size_t i = 0, n = count(r); i < n; i++) r->dx[i] = r->dy[i] * r->y[i] * (1.0f - r->y[i]);
}

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
