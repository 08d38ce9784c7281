/* libFuzzer target: CSV from memory. Byte 0 picks the options: bits 0-1 header
 * mode (auto, no, yes), bit 2 regression, bits 3-4 label column (last, "0",
 * "none", "label"), bits 5-6 separator (',', ';', tab, ' '), bit 7 limit = 2. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int f = data[0];
    static const char *const labels[4] = {NULL, "0", "none", "label"};
    static const char seps[4] = {',', ';', '\t', ' '};
    int header = (f & 3) == 0 ? -1 : (f & 3) == 1 ? 0 : 1;
    eo_data_opts o = eo_data_opts_defaults();
    o.max_bytes = (size_t)16 << 20;
    o.regression = (f >> 2) & 1;
    o.sep = seps[(f >> 5) & 3];
    if (f & 128) o.limit = 2;
    char *buf = malloc(size - 1 ? size - 1 : 1); /* exact size: no terminator to lean on */
    memcpy(buf, data + 1, size - 1);
    eo_dataset ds;
    eo_error e;
    if (eo_data_parse_csv_mem(buf, size - 1, labels[(f >> 3) & 3], header, &o, "f.csv", &ds, &e) == EO_OK) {
        if (!ds.x || ds.rows == 0 || ds.cols == 0) __builtin_trap();
        for (size_t i = 0; i < ds.rows * ds.cols; i++)
            if (!isfinite(((float *)ds.x)[i])) __builtin_trap();
        for (size_t i = 0; ds.y && i < ds.rows; i++)
            if (ds.y[i] < 0 || ds.y[i] >= ds.n_classes) __builtin_trap();
        eo_dataset_free(&ds);
    } else if (ds.x || ds.y || ds.t) {
        __builtin_trap();
    }
    free(buf);
    return 0;
}
