/* libFuzzer target: .npy X (+ y) from memory.
 * Input layout: byte 0 flags (bit 0: y present, bit 1: regression, bit 2:
 * limit = 2), bytes 1-2 little-endian split point, X bytes, then y bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    int flags = data[0];
    size_t split = ((size_t)data[1] | (size_t)data[2] << 8);
    data += 3;
    size -= 3;
    if (split > size) split = size;
    eo_data_opts o = eo_data_opts_defaults();
    o.max_bytes = (size_t)16 << 20;
    o.regression = (flags >> 1) & 1;
    if (flags & 4) o.limit = 2;
    uint8_t *x = malloc(split ? split : 1), *y = malloc(size - split ? size - split : 1);
    memcpy(x, data, split);
    memcpy(y, data + split, size - split);
    eo_dataset ds;
    eo_error e;
    if (eo_data_parse_npy_mem(x, split, (flags & 1) ? y : NULL, size - split, &o, "x.npy", "y.npy", &ds, &e) == EO_OK) {
        if (!ds.x || ds.rows == 0 || ds.cols == 0) __builtin_trap();
        for (size_t i = 0; ds.y && i < ds.rows; i++)
            if (ds.y[i] < 0 || ds.y[i] >= ds.n_classes) __builtin_trap();
        for (size_t i = 0; ds.dtype == EO_DTYPE_F32 && i < ds.rows * ds.cols; i++)
            if (!(((float *)ds.x)[i] == ((float *)ds.x)[i])) __builtin_trap(); /* no NaN accepted */
        eo_dataset_free(&ds);
    } else if (ds.x || ds.y || ds.t) {
        __builtin_trap();
    }
    free(x);
    free(y);
    return 0;
}
