/* Private to src/compress: a float model cut into consecutive segments, each
 * an eo_model of its own, so that values between segments can be observed
 * (calibration), altered (fake quantization) and differentiated through
 * (quantization-aware training). Segment k holds layers first[k]..last[k];
 * its parameters are the slice poff[k] .. poff[k] + pcnt[k] of the whole
 * model's flat vector (the layer-major layout of edgeopt/model.h). */
#ifndef EO_COMPRESS_MODEL_CHAIN_H
#define EO_COMPRESS_MODEL_CHAIN_H

#include "edgeopt/model.h"

typedef struct eo__chain {
    int nseg;
    eo_model **seg;        /* [nseg] owned */
    int *first, *last;     /* [nseg] layer ranges */
    size_t *poff, *pcnt;   /* [nseg] parameter slices of the whole model */
    size_t *boff, *bcnt;   /* [nseg] buffer slices */
} eo__chain;

/* Cut m after the layers ends[0] < ends[1] < ... < ends[nseg-1]; the layers
 * after ends[nseg-1] are not part of the chain. Parameters and buffers are
 * copied from m. */
int eo__chain_create(const eo_model *m, const int *ends, int nseg, eo__chain *c, eo_error *err);
void eo__chain_destroy(eo__chain *c);
/* Copy m's parameters and buffers into the segments again. */
void eo__chain_load(eo__chain *c, const eo_model *m);
/* Reserve every segment for max_batch. */
int eo__chain_reserve(eo__chain *c, int max_batch, eo_error *err);

#endif
