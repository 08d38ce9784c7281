/* Private to src/compress/calib*.c: the calibration observer's state. */
#ifndef EO_COMPRESS_CALIB_INTERNAL_H
#define EO_COMPRESS_CALIB_INTERNAL_H

#include "edgeopt/compress.h"

struct eo_calib {
    eo_calib_params p;
    eo_allocator alloc; /* copy of the hooks (NULL hooks = malloc/free) */
    int has_alloc;
    uint64_t count;     /* values observed */
    double min, max;    /* exact observed extremes */
    double lo, width;   /* histogram covers [lo, lo + bins * width) */
    double *hist;       /* [bins] counts (exact in double up to 2^53) */
};

/* Search for the MSE-optimal clipping range (calib_mse.c). */
int eo__calib_mse_range(const eo_calib *c, double *lo, double *hi);

#endif
