/* Activation memory planning: place buffers with known lifetimes in one arena.
 *
 * Problem: buffers b_i of size s_i live during the op steps [f_i, l_i]; find
 * offsets o_i so that two buffers whose lifetimes intersect never share a
 * byte, minimising the arena max_i (o_i + s_i). This is interval-graph
 * dynamic storage allocation, NP-hard in general (Garey & Johnson, problem
 * SR2); the greedy-by-size heuristic used by TensorFlow Lite Micro's
 * GreedyMemoryPlanner and by Pisarchyk & Lee 2020 ("Efficient Memory
 * Management for Deep Neural Net Inference", sec. 4.3) is close to optimal on
 * inference graphs: take the buffers from the largest down, and put each at
 * the lowest aligned offset where it fits between the already placed buffers
 * that are live at the same time.
 *
 * Cost: O(n^2 log n) for n buffers (n is the number of layers: tiny). */
#include <stdlib.h>

#include "deploy/internal.h"

static size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

static int overlaps(const eo_deploy_buf *a, const eo_deploy_buf *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Placement order: larger size first, then earlier first use, then lower index. */
static int cmp_place(const eo_deploy_buf *bufs, size_t a, size_t b)
{
    if (bufs[a].size != bufs[b].size) return bufs[a].size > bufs[b].size ? -1 : 1;
    if (bufs[a].first != bufs[b].first) return bufs[a].first < bufs[b].first ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Insertion sort of an index array (n is small; keeps the code free of a
 * qsort context). */
static void sort_idx(size_t *idx, size_t n, const eo_deploy_buf *bufs,
                     int (*cmp)(const eo_deploy_buf *, size_t, size_t))
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && cmp(bufs, v, idx[j - 1]) < 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static int cmp_offset(const eo_deploy_buf *bufs, size_t a, size_t b)
{
    if (bufs[a].offset != bufs[b].offset) return bufs[a].offset < bufs[b].offset ? -1 : 1;
    return a < b ? -1 : a > b;
}

int eo_deploy_plan(eo_deploy_buf *bufs, size_t n, size_t align, size_t *arena_bytes, eo_error *err)
{
    if (!arena_bytes || (n > 0 && !bufs)) return eo_error_set(err, EO_ERR_INVALID, "eo_deploy_plan: NULL argument");
    *arena_bytes = 0;
    if (align == 0) align = 1;
    if (align & (align - 1)) return eo_error_set(err, EO_ERR_INVALID, "alignment %zu is not a power of two", align);
    for (size_t i = 0; i < n; i++) {
        if (bufs[i].first > bufs[i].last)
            return eo_error_set(err, EO_ERR_INVALID, "buffer %zu: lifetime [%d, %d] is empty", i, bufs[i].first,
                                bufs[i].last);
        if (bufs[i].size > ((size_t)-1) / 4)
            return eo_error_set(err, EO_ERR_RANGE, "buffer %zu: size %zu is too large", i, bufs[i].size);
        bufs[i].offset = 0;
    }
    if (n == 0) return EO_OK;
    /* order: placement order; placed: the buffers placed so far, by offset. */
    size_t *order = malloc(2 * n * sizeof *order);
    if (!order) return eo_error_set(err, EO_ERR_NOMEM, "out of memory planning %zu buffers", n);
    size_t *placed = order + n, nplaced = 0;
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_idx(order, n, bufs, cmp_place);

    size_t arena = 0;
    for (size_t k = 0; k < n; k++) {
        eo_deploy_buf *b = &bufs[order[k]];
        if (b->size == 0) continue;
        /* Walk the placed buffers that are live with b, by offset, and take
         * the first gap that holds it. */
        size_t cand = 0;
        for (size_t j = 0; j < nplaced; j++) {
            const eo_deploy_buf *o = &bufs[placed[j]];
            if (!overlaps(b, o)) continue;
            if (o->offset >= cand + b->size) break; /* the gap before o fits */
            size_t end = round_up(o->offset + o->size, align);
            if (end > cand) cand = end;
        }
        b->offset = cand;
        if (cand + b->size > arena) arena = cand + b->size;
        placed[nplaced++] = order[k];
        sort_idx(placed, nplaced, bufs, cmp_offset);
    }
    free(order);
    *arena_bytes = round_up(arena, align);
    return EO_OK;
}

size_t eo_deploy_peak_live(const eo_deploy_buf *bufs, size_t n)
{
    size_t peak = 0;
    /* The live total only changes when a buffer starts: check each start. */
    for (size_t i = 0; i < n; i++) {
        size_t live = 0;
        for (size_t j = 0; j < n; j++)
            if (bufs[j].first <= bufs[i].first && bufs[i].first <= bufs[j].last) live += bufs[j].size;
        if (live > peak) peak = live;
    }
    return peak;
}

size_t eo_deploy_total(const eo_deploy_buf *bufs, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++) t += bufs[i].size;
    return t;
}
