/* Contiguous float32 tensor views. */
#include "edgeopt/core.h"

#include <string.h>

size_t eo_tensor_numel(const eo_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->dims[i];
    return n;
}

static int set_shape(eo_tensor *t, int ndim, const int64_t *dims, size_t *numel)
{
    if (ndim < 0 || ndim > EO_MAX_DIMS) return EO_ERR_INVALID;
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0) return EO_ERR_INVALID;
        if (!eo_size_mul(n, (size_t)dims[i], &n)) return EO_ERR_RANGE;
    }
    if (!eo_size_mul(n, sizeof(float), numel)) return EO_ERR_RANGE;
    *numel = n;
    t->ndim = ndim;
    for (int i = 0; i < EO_MAX_DIMS; i++) t->dims[i] = i < ndim ? dims[i] : 1;
    return EO_OK;
}

int eo_tensor_view(eo_tensor *t, float *data, int ndim, const int64_t *dims)
{
    size_t n;
    int st = set_shape(t, ndim, dims, &n);
    if (st) return st;
    t->data = data;
    return EO_OK;
}

int eo_tensor_alloc(eo_tensor *t, eo_arena *a, int ndim, const int64_t *dims)
{
    size_t n;
    int st = set_shape(t, ndim, dims, &n);
    if (st) return st;
    t->data = (float *)eo_arena_alloc(a, n * sizeof(float), 64);
    if (!t->data && n > 0) return EO_ERR_NOMEM;
    return EO_OK;
}

int eo_tensor_same_shape(const eo_tensor *a, const eo_tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

int eo_tensor_reshape(eo_tensor *t, int ndim, const int64_t *dims)
{
    eo_tensor tmp;
    size_t n;
    int st = set_shape(&tmp, ndim, dims, &n);
    if (st) return st;
    if (n != eo_tensor_numel(t)) return EO_ERR_SHAPE;
    tmp.data = t->data;
    *t = tmp;
    return EO_OK;
}

void eo_tensor_fill(eo_tensor *t, float v)
{
    size_t n = eo_tensor_numel(t);
    for (size_t i = 0; i < n; i++) t->data[i] = v;
}
