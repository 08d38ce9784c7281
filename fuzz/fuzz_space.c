/* libFuzzer target: search-space text (edgeopt/tune.h), placeholders and
 * device constraints. The input is SPACE [\x01 TEMPLATE]. A space that parses
 * must print to a canonical text that parses back to the same text, sample
 * valid configurations, enumerate valid grid points and fill the template
 * (or reject it with an error). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/tune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    char *tmpl = memchr(s, 1, size);
    if (tmpl) *tmpl++ = 0;
    eo_error e;
    eo_tune_constraint c[EO_TUNE_MAX_CONSTRAINTS];
    size_t nc;
    eo_tune_constraints_parse(s, c, EO_TUNE_MAX_CONSTRAINTS, &nc, &e);
    eo_space *sp = NULL;
    if (eo_space_parse(s, "fuzz", &sp, &e) == EO_OK) {
        size_t need = eo_space_format(sp, NULL, 0);
        char *a = malloc(need + 1), *b = malloc(need + 1);
        eo_space_format(sp, a, need + 1);
        eo_space *sp2 = NULL;
        if (eo_space_parse(a, "canonical", &sp2, &e) != EO_OK) __builtin_trap();
        if (eo_space_format(sp2, b, need + 1) != need || strcmp(a, b)) __builtin_trap();
        eo_space_destroy(sp2);
        free(a);
        free(b);
        eo_rng r;
        eo_rng_seed(&r, size);
        double x[EO_SPACE_MAX_PARAMS];
        for (int k = 0; k < 4; k++) {
            eo_space_sample(sp, &r, x);
            if (eo_space_check(sp, x, NULL) != EO_OK) __builtin_trap();
            for (size_t i = 0; i < eo_space_dim(sp); i++) {
                double u = eo_space_encode(sp, i, x[i]);
                if (!(u >= 0 && u <= 1)) __builtin_trap();
                eo_space_decode(sp, i, u);
            }
        }
        uint64_t total = eo_space_grid_size(sp, 3);
        if (total) {
            if (eo_space_grid_point(sp, 3, total - 1, x) != EO_OK || eo_space_check(sp, x, NULL) != EO_OK)
                __builtin_trap();
            if (eo_space_grid_point(sp, 3, total / 2, x) != EO_OK || eo_space_check(sp, x, NULL) != EO_OK)
                __builtin_trap();
        }
        if (tmpl) {
            char out[512];
            uint64_t used = 0;
            eo_space_sample(sp, &r, x);
            eo_space_fill(sp, x, tmpl, "--model", out, sizeof out, &used, &e);
        }
        eo_space_destroy(sp);
    }
    free(s);
    return 0;
}
