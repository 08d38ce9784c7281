/* libFuzzer target: IDX images + labels (plain or gzip) from memory.
 * Input layout: byte 0 flags (bit 0: labels present, bit 1: regression,
 * bit 2: n_classes = 10, bit 3: limit = 3), bytes 1-2 little-endian split
 * point, then the images file, then (from the split point) the labels file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"

static void check(const eo_dataset *ds)
{
    if (!ds->x || ds->rows == 0 || ds->cols == 0) __builtin_trap();
    for (size_t i = 0; ds->y && i < ds->rows; i++)
        if (ds->y[i] < 0 || ds->y[i] >= ds->n_classes) __builtin_trap();
    eo_data_summary s;
    if (eo_data_summarize(ds, &s, NULL) == EO_OK) eo_data_summary_free(&s);
}

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
    if ((flags & 4) && !o.regression) o.n_classes = 10;
    if (flags & 8) o.limit = 3;
    /* Copies, so ASan sees reads past either part. */
    uint8_t *im = malloc(split ? split : 1), *lb = malloc(size - split ? size - split : 1);
    memcpy(im, data, split);
    memcpy(lb, data + split, size - split);
    eo_dataset ds;
    eo_error e;
    if (eo_data_parse_idx_mem(im, split, (flags & 1) ? lb : NULL, size - split, &o, "img", "lab", &ds, &e) == EO_OK) {
        check(&ds);
        eo_dataset_free(&ds);
    } else if (ds.x || ds.y || ds.t) {
        __builtin_trap(); /* failure must leave the dataset empty */
    }
    free(im);
    free(lb);
    return 0;
}
