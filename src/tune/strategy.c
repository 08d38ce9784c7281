/* Strategy dispatch, grid search and random search.
 *
 * Grid: the points of eo_space_grid_point in order, one trial each (all of
 * them when params.trials is 0, else the first `trials`).
 * Random: trial t draws its configuration from the stream (seed, t) (Bergstra
 * and Bengio 2012, "Random search for hyper-parameter optimization"). Both
 * never wait for results, except to respect budget_epochs. */
#include <stdlib.h>

#include "tune/internal.h"

typedef struct simple {
    eo__strategy base;
    uint64_t count;
    int grid;
} simple;

static int simple_ask(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err)
{
    simple *s = (simple *)st;
    (void)err;
    if (h->njobs >= s->count) return EO__ASK_DONE;
    int g = eo__budget_gate(st->p, h);
    if (g <= 0) return g == 0 ? EO__ASK_WAIT : EO__ASK_DONE;
    long t = (long)h->njobs;
    p->trial = t;
    p->rung = 0;
    p->budget = st->p->max_epochs;
    p->prev_budget = 0;
    if (s->grid) {
        eo_space_grid_point(st->space, st->p->grid_points, (uint64_t)t, p->x);
    } else {
        eo_rng r;
        eo__trial_rng(st->p->seed, t, &r);
        eo_space_sample(st->space, &r, p->x);
    }
    return EO__ASK_JOB;
}

static void simple_tell(eo__strategy *st, const eo__history *h, size_t k)
{
    (void)st;
    (void)h;
    (void)k;
}

static void simple_destroy(eo__strategy *st)
{
    free(st);
}

static const eo__strategy_ops simple_ops = {simple_ask, simple_tell, simple_destroy};

static int simple_create(const eo_space *space, const eo_tune_params *p, int grid, eo__strategy **out,
                         eo_error *err)
{
    simple *s = calloc(1, sizeof *s);
    if (!s) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    s->grid = grid;
    s->count = (uint64_t)p->trials;
    if (grid) {
        uint64_t total = eo_space_grid_size(space, p->grid_points);
        if (!total) {
            free(s);
            return eo_error_set(err, EO_ERR_RANGE, "the grid has more than 2^40 points: use fewer grid points");
        }
        if (p->trials == 0 || (uint64_t)p->trials > total) s->count = total;
    }
    s->base.ops = &simple_ops;
    *out = &s->base;
    return EO_OK;
}

int eo__strategy_release(eo__strategy *st, long trial)
{
    if (st->nreleased == st->capreleased) {
        size_t cap = st->capreleased ? 2 * st->capreleased : 64;
        long *n = realloc(st->released, cap * sizeof *n);
        if (!n) return EO_ERR_NOMEM;
        st->released = n;
        st->capreleased = cap;
    }
    st->released[st->nreleased++] = trial;
    return EO_OK;
}

int eo__strategy_create(const eo_space *space, const eo_tune_params *p, eo__strategy **out, eo_error *err)
{
    int st;
    *out = NULL;
    switch (p->strategy) {
    case EO_TUNE_GRID: st = simple_create(space, p, 1, out, err); break;
    case EO_TUNE_RANDOM: st = simple_create(space, p, 0, out, err); break;
    case EO_TUNE_HALVING: st = eo__hyperband_create(space, p, 1, out, err); break;
    case EO_TUNE_HYPERBAND: st = eo__hyperband_create(space, p, 0, out, err); break;
    case EO_TUNE_BOHB: st = eo__hyperband_create(space, p, 2, out, err); break;
    case EO_TUNE_TPE: st = eo__tpe_create(out, err); break;
    case EO_TUNE_GP: st = eo__gp_create(out, err); break;
    default: return eo_error_set(err, EO_ERR_INVALID, "unknown strategy");
    }
    if (st) return st;
    (*out)->space = space;
    (*out)->p = p;
    return EO_OK;
}
