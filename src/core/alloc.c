/* Allocator hooks, checked size arithmetic and the bump arena. */
#include "edgeopt/core.h"

#include <stdint.h>
#include <stdlib.h>

void *eo_alloc(const eo_allocator *a, size_t size)
{
    if (a && a->alloc) return a->alloc(a->ctx, size);
    return malloc(size);
}

void eo_free(const eo_allocator *a, void *ptr)
{
    if (!ptr) return;
    if (a && a->free) {
        a->free(a->ctx, ptr);
        return;
    }
    free(ptr);
}

int eo_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

int eo_size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}

void eo_arena_init(eo_arena *a, void *buf, size_t cap)
{
    a->base = (unsigned char *)buf;
    a->cap = cap;
    a->used = 0;
    a->peak = 0;
}

void *eo_arena_alloc(eo_arena *a, size_t size, size_t align)
{
    if (align == 0) align = 1;
    if ((align & (align - 1)) != 0 || align > 4096) return NULL;
    /* Align the absolute address, not the offset, so a caller block with any
     * alignment still yields aligned pointers. A dry run aligns offsets and
     * adds worst-case padding so its count is an upper bound. */
    uintptr_t basep = (uintptr_t)a->base;
    size_t pad;
    if (a->base) {
        uintptr_t cur = basep + a->used;
        pad = (size_t)((align - (cur & (align - 1))) & (align - 1));
    } else {
        pad = align - 1;
    }
    size_t start, end;
    if (!eo_size_add(a->used, pad, &start) || !eo_size_add(start, size, &end)) return NULL;
    if (!a->base) {
        a->used = end;
        if (end > a->peak) a->peak = end;
        return NULL;
    }
    if (end > a->cap) return NULL;
    a->used = end;
    if (end > a->peak) a->peak = end;
    return a->base + start;
}

size_t eo_arena_mark(const eo_arena *a) { return a->used; }

void eo_arena_reset(eo_arena *a, size_t mark)
{
    if (mark <= a->used) a->used = mark;
}
