/* libFuzzer target: tuning search spaces (eo_space_parse) and device
 * constraints (eo_tune_constraints_parse).
 *
 * Byte 0 picks the parser (bit 0) and a grid size (bits 1..3); the rest is the
 * text. A space that parses must format to text that parses back to the same
 * canonical text; every sampled configuration must pass eo_space_check; the
 * encode/decode maps, the grid (first and last points when the grid is not
 * too large) and the placeholder filler are exercised on it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/tune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_space(eo_space *s, int points)
{
    size_t need = eo_space_format(s, NULL, 0);
    char *a = malloc(need + 1), *b = NULL;
    eo_space_format(s, a, need + 1);
    eo_space *s2 = NULL;
    eo_error err;
    if (eo_space_parse(a, "formatted", &s2, &err) != EO_OK) abort(); /* canonical text must parse */
    size_t need2 = eo_space_format(s2, NULL, 0);
    b = malloc(need2 + 1);
    eo_space_format(s2, b, need2 + 1);
    if (need != need2 || strcmp(a, b)) abort();
    free(a);
    free(b);
    eo_space_destroy(s2);

    size_t dim = eo_space_dim(s);
    if (dim == 0 || dim > EO_SPACE_MAX_PARAMS) abort();
    double x[EO_SPACE_MAX_PARAMS];
    eo_rng r;
    eo_rng_seed(&r, 3);
    char buf[256];
    for (int k = 0; k < 4; k++) {
        eo_space_sample(s, &r, x);
        if (eo_space_check(s, x, &err) != EO_OK) abort();
        for (size_t i = 0; i < dim; i++) {
            eo_space_value_str(s, i, x[i], buf, sizeof buf);
            (void)eo_space_value_num(s, i, x[i]);
            eo_param_info pi;
            if (eo_space_param(s, i, &pi) != EO_OK) abort();
            if (pi.kind != EO_PARAM_CHOICE) {
                double u = eo_space_encode(s, i, x[i]);
                (void)eo_space_decode(s, i, u);
            }
        }
    }
    uint64_t n = eo_space_grid_size(s, points);
    if (n > 0) {
        if (eo_space_grid_point(s, points, 0, x) != EO_OK) abort();
        if (eo_space_grid_point(s, points, n - 1, x) != EO_OK) abort();
        if (eo_space_check(s, x, &err) != EO_OK) abort();
    }
    eo_param_info p0;
    eo_space_param(s, 0, &p0);
    char tmpl[128], out[512];
    snprintf(tmpl, sizeof tmpl, "mlp:{%s}:x={{y}}", p0.name);
    eo_space_sample(s, &r, x);
    eo_space_fill(s, x, tmpl, "fuzz", out, sizeof out, NULL, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    char *t = malloc(size);
    memcpy(t, data + 1, size - 1);
    t[size - 1] = '\0';
    eo_error err;
    if (data[0] & 1) {
        eo_tune_constraint c[EO_TUNE_MAX_CONSTRAINTS];
        size_t n = 99;
        int rc = eo_tune_constraints_parse(t, c, EO_TUNE_MAX_CONSTRAINTS, &n, &err);
        if (rc == EO_OK && n > EO_TUNE_MAX_CONSTRAINTS) abort();
    } else {
        eo_space *s = NULL;
        int rc = eo_space_parse(t, "fuzz", &s, &err);
        if (rc == EO_OK) {
            use_space(s, 2 + ((data[0] >> 1) & 7));
            eo_space_destroy(s);
        } else if (s || rc > 0 || err.code != rc) {
            abort();
        }
    }
    free(t);
    return 0;
}
