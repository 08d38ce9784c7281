/* libFuzzer target: the checkpoint images of optimizers and schedules
 * (eo_optimizer_state_load, eo_schedule_state_load), which `train --resume`
 * reads from a checkpoint file.
 *
 * The input is offered to an optimizer of every kind (n = 3, any precision,
 * and float32-only) and to a schedule state. Oracles: a refused image leaves
 * the optimizer exactly as it was (same saved image before and after); an
 * accepted image gives an optimizer whose own image loads again and saves to
 * the same bytes, and that can take a step. To let mutations get past the
 * FNV-1a checksum, the input is tried as given and with its last four bytes
 * replaced by the checksum of the rest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/optim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static void try_optimizer(int kind, eo_optim_precision prec, const uint8_t *img, size_t size)
{
    eo_optim_params p = eo_optim_defaults((eo_optim_kind)kind);
    eo_optimizer *o = NULL;
    if (eo_optimizer_create_prec(&p, 3, prec, NULL, &o, NULL) != EO_OK) abort();
    double x[3] = {1, 2, 3}, g[3] = {0.5, -0.5, 1};
    if (prec != EO_OPTIM_PREC_F32) eo_optimizer_step_f64(o, x, g, NULL);
    size_t n0 = eo_optimizer_state_size(o);
    uint8_t *before = malloc(n0), *after = malloc(n0);
    eo_optimizer_state_save(o, before, n0);
    eo_error err;
    int rc = eo_optimizer_state_load(o, img, size, &err);
    if (rc != EO_OK) {
        if (err.code != rc || eo_optimizer_state_size(o) != n0) abort();
        eo_optimizer_state_save(o, after, n0);
        if (memcmp(before, after, n0)) abort(); /* unchanged on failure */
    } else {
        size_t n1 = eo_optimizer_state_size(o);
        if (img[24] != 0 && n1 != size) abort(); /* a fresh image may get exact-precision arrays */
        uint8_t *a = malloc(n1), *b = malloc(n1);
        if (eo_optimizer_state_save(o, a, n1) != EO_OK) abort();
        eo_optimizer *o2 = NULL;
        if (eo_optimizer_create_prec(&p, 3, prec, NULL, &o2, NULL) != EO_OK) abort();
        if (eo_optimizer_state_load(o2, a, n1, NULL) != EO_OK) abort();
        if (eo_optimizer_state_save(o2, b, n1) != EO_OK || memcmp(a, b, n1)) abort();
        float xf[3] = {1, 2, 3}, gf[3] = {1, 1, 1};
        eo_optimizer_step_f64(o2, x, g, NULL);
        eo_optimizer_step_f32(o2, xf, gf, NULL);
        eo_optimizer_destroy(o2);
        free(a);
        free(b);
    }
    free(before);
    free(after);
    eo_optimizer_destroy(o);
}

static void try_all(const uint8_t *img, size_t size)
{
    for (int k = 0; k < EO_OPTIM_COUNT; k++) {
        try_optimizer(k, EO_OPTIM_PREC_ANY, img, size);
        try_optimizer(k, EO_OPTIM_PREC_F32, img, size);
    }
    eo_schedule_state st = {7, 0.5, 1.0, 2, 3}, st0 = st;
    eo_error err;
    if (eo_schedule_state_load(&st, img, size, &err) != EO_OK) {
        if (memcmp(&st, &st0, sizeof st)) abort();
    } else {
        uint8_t a[EO_SCHEDULE_STATE_BYTES];
        if (eo_schedule_state_save(&st, a, sizeof a) != EO_OK) abort();
        eo_schedule_state st2;
        if (eo_schedule_state_load(&st2, a, sizeof a, &err) != EO_OK) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    uint8_t *copy = malloc(size ? size : 1); /* exact size: over-reads are caught */
    memcpy(copy, data, size);
    try_all(copy, size);
    if (size > 4) {
        uint32_t h = fnv1a(copy, size - 4);
        for (int i = 0; i < 4; i++) copy[size - 4 + i] = (uint8_t)(h >> (8 * i));
        try_all(copy, size);
    }
    free(copy);
    return 0;
}
