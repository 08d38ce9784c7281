/* libFuzzer target for the model spec and model-description parsers.
 *
 * Input: byte 0 picks the parser (bit 0) and the input shape (bits 1..7);
 * byte 1 the number of outputs; the rest is the text. A model that parses is
 * described, parsed again (the layer list must survive the round trip) and,
 * when small, run forward and backward once. Allocations above 64 MiB are
 * refused through the allocator so huge layer sizes exercise the NOMEM path
 * instead of exhausting memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/model.h"

static void *cap_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return n > ((size_t)64 << 20) ? NULL : malloc(n);
}

static void cap_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4096) return 0;
    const eo_allocator a = {cap_alloc, cap_free, NULL};
    int64_t in[3] = {1 + ((data[0] >> 1) & 3), 1 + ((data[0] >> 3) & 15) * 2, 1 + ((data[0] >> 5) & 7) * 4};
    int nout = data[1] % 12;
    char *text = malloc(size - 1);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    eo_model *m = NULL;
    eo_error err;
    int rc = (data[0] & 1) ? eo_model_from_description(text, "fuzz", in, nout, &a, &m, &err)
                           : eo_model_from_spec(text, in, nout, &a, &m, &err);
    free(text);
    if (rc != EO_OK) {
        if (m) abort();
        return 0;
    }
    size_t need = eo_model_describe(m, NULL, 0);
    char *desc = malloc(need + 1);
    eo_model_describe(m, desc, need + 1);
    eo_model *m2 = NULL;
    if (eo_model_from_description(desc, "described", in, nout, &a, &m2, &err) == EO_OK) {
        if (eo_model_nlayers(m2) != eo_model_nlayers(m) || eo_model_nparams(m2) != eo_model_nparams(m)) abort();
        for (int i = 0; i < eo_model_nlayers(m); i++) {
            eo_layer_desc x, y;
            eo_model_layer(m, i, &x, NULL, NULL, NULL, NULL);
            eo_model_layer(m2, i, &y, NULL, NULL, NULL, NULL);
            if (memcmp(&x, &y, sizeof x) != 0) abort();
        }
        eo_model_destroy(m2);
    } else if (err.code != EO_ERR_NOMEM) {
        abort(); /* what we wrote must parse back */
    }
    free(desc);
    if (eo_model_nparams(m) < 200000 && eo_model_in_numel(m) * 2 < 100000 &&
        eo_model_reserve(m, 2, NULL) == EO_OK) {
        eo_rng r;
        eo_rng_seed(&r, 1);
        eo_model_init_params(m, &r);
        size_t nx = (size_t)eo_model_in_numel(m) * 2, ny = (size_t)eo_model_out_numel(m) * 2;
        float *x = malloc(nx * sizeof(float)), *d = malloc(ny * sizeof(float));
        for (size_t i = 0; i < nx; i++) x[i] = (float)(i % 7) - 3.0f;
        for (size_t i = 0; i < ny; i++) d[i] = 1.0f;
        const float *y;
        if (eo_model_forward(m, x, 2, 1, &r, &y) == EO_OK) eo_model_backward(m, d);
        free(x);
        free(d);
    }
    eo_model_destroy(m);
    return 0;
}
