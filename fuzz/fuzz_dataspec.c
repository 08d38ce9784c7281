/* libFuzzer target: data spec strings. Parsing never touches files; a valid
 * synthetic spec of modest size is also generated, split and k-folded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    eo_data_spec spec;
    eo_error e;
    if (eo_data_spec_parse(s, &spec, &e) == EO_OK && spec.source == EO_DATA_SYNTHETIC &&
        spec.synth.n * spec.synth.d <= 4096) {
        eo_dataset ds;
        if (eo_data_load_spec(&spec, 0, &ds, &e) == EO_OK) {
            uint32_t *tr, *va;
            size_t nt, nv;
            if (eo_data_split(&ds, 0.25, spec.synth.seed, &tr, &nt, &va, &nv, &e) == EO_OK) {
                if (nt + nv != ds.rows) __builtin_trap();
                free(tr);
                free(va);
            }
            int *fold = malloc(ds.rows * sizeof(int));
            if (ds.rows >= 3) eo_data_kfold(&ds, 3, 1, fold, &e);
            free(fold);
            eo_scaler sc;
            if (eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, NULL, 0, &e) == EO_OK) eo_scaler_free(&sc);
            eo_dataset_free(&ds);
        }
    }
    free(s);
    return 0;
}
