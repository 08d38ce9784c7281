/* libFuzzer target: libsvm / svmlight text from memory. Byte 0: bit 0
 * regression, bit 1 n_features = 8, bit 2 n_classes = 3, bit 3 limit = 2. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int f = data[0];
    eo_data_opts o = eo_data_opts_defaults();
    o.max_bytes = (size_t)16 << 20;
    o.regression = f & 1;
    if ((f & 4) && !o.regression) o.n_classes = 3;
    if (f & 8) o.limit = 2;
    char *buf = malloc(size - 1 ? size - 1 : 1);
    memcpy(buf, data + 1, size - 1);
    eo_dataset ds;
    eo_error e;
    if (eo_data_parse_libsvm_mem(buf, size - 1, (f & 2) ? 8 : 0, &o, "f.svm", &ds, &e) == EO_OK) {
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
