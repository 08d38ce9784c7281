/* The eo_optimizer handle's layout, shared by optimizer.c and
 * optimizer_state.c only. */
#ifndef EO_OPTIM_OPTIMIZER_STRUCT_H
#define EO_OPTIM_OPTIMIZER_STRUCT_H

#include "optim/optimizer_impl.h"

struct eo_optimizer {
    eo_optim_params p;         /* hyperparameters; p.lr is the current lr */
    size_t n;                  /* parameters */
    eo_optim_precision prec;   /* as created */
    int elem;                  /* bytes per state entry in use: 0 (not fixed yet), 4, 8 */
    int nslots;                /* state arrays in use, <= EO__OPTIM_MAX_SLOTS */
    long t;                    /* steps taken */
    double scalar[EO__OPTIM_NSCALARS]; /* running products, see optimizer_impl.h */
    void *slot[EO__OPTIM_MAX_SLOTS]; /* [n] each, 64-byte aligned, inside block */
    void *block;               /* the one allocation (this struct + slots) */
    eo_allocator alloc;
    int has_alloc;
};

/* Reset the state to its starting values in precision elem (0, 4 or 8). */
void eo__optimizer_init_state(eo_optimizer *o, int elem);

#endif
