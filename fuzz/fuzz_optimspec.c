/* libFuzzer target: optimizer spec strings (eo_optim_parse).
 *
 * A spec that parses must be valid (eo_optim_check), its canonical form must
 * parse back to the same canonical form (format is a fixed point), and the
 * optimizer it describes must run: a few float32 and float64 steps on a small
 * vector, then a state image round trip (save, load into a fresh optimizer,
 * save again: identical bytes). eo_optim_set is exercised with the key and
 * value spelled in the spec's first item. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/optim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const eo_optim_params *p)
{
    eo_optimizer *o = NULL;
    if (eo_optimizer_create(p, 5, NULL, &o, NULL) != EO_OK) abort(); /* a checked spec must create */
    double x[5] = {1.0, -2.0, 0.5, 0.0, 3.0}, g[5];
    float xf[5] = {1.0f, -2.0f, 0.5f, 0.0f, 3.0f}, gf[5];
    uint8_t mask[5] = {1, 0, 1, 1, 0};
    for (int s = 0; s < 4; s++) {
        for (int i = 0; i < 5; i++) g[i] = 2.0 * x[i] - 1.0 + 0.25 * s;
        eo_optimizer_step_f64(o, x, g, s & 1 ? mask : NULL);
    }
    /* The precision is now fixed to f64: an f32 step must be refused, untouched. */
    for (int i = 0; i < 5; i++) gf[i] = 1.0f;
    if (eo_optimizer_step_f32(o, xf, gf, NULL) != EO_ERR_STATE) abort();
    size_t n = eo_optimizer_state_size(o);
    unsigned char *a = malloc(n), *b = malloc(n);
    int finite = 1; /* a diverged state (e.g. eps = 0 and a zero gradient: 0/0) is refused by save */
    for (int i = 0; i < 5; i++) finite &= x[i] == x[i];
    int rc = eo_optimizer_state_save(o, a, n);
    if (rc != EO_OK && (rc != EO_ERR_NUMERIC || finite)) abort();
    eo_optimizer *o2 = NULL;
    if (eo_optimizer_create(p, 5, NULL, &o2, NULL) != EO_OK) abort();
    if (rc == EO_OK && eo_optimizer_state_load(o2, a, n, NULL) != EO_OK) abort(); /* what save writes, load reads */
    if (rc == EO_OK &&
        (eo_optimizer_state_size(o2) != n || eo_optimizer_state_save(o2, b, n) != EO_OK || memcmp(a, b, n)))
        abort();
    free(a);
    free(b);
    eo_optimizer_destroy(o2);
    eo_optimizer_destroy(o);
    eo_optimizer *o3 = NULL;
    if (eo_optimizer_create_prec(p, 5, EO_OPTIM_PREC_F32, NULL, &o3, NULL) != EO_OK) abort();
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 5; i++) gf[i] = 2.0f * xf[i] - 1.0f;
        eo_optimizer_step_f32(o3, xf, gf, mask);
    }
    eo_optimizer_destroy(o3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    eo_optim_params p;
    memset(&p, 0xA5, sizeof p);
    eo_error err;
    int rc = eo_optim_parse(s, &p, &err);
    if (rc == EO_OK) {
        if (eo_optim_check(&p) != NULL) abort();
        char f1[2048], f2[2048];
        int n1 = eo_optim_format(&p, f1, sizeof f1);
        if (n1 <= 0 || n1 >= (int)sizeof f1) abort();
        eo_optim_params q;
        if (eo_optim_parse(f1, &q, &err) != EO_OK) abort(); /* canonical text must parse */
        int n2 = eo_optim_format(&q, f2, sizeof f2);
        if (n1 != n2 || strcmp(f1, f2)) abort();
        run(&p);
        /* Set the first key=value of the input through the by-name setter. */
        const char *c = strchr(s, ':');
        if (c) {
            char key[64];
            const char *eq = strchr(c + 1, '=');
            size_t kl = eq ? (size_t)(eq - c - 1) : 0;
            if (eq && kl < sizeof key) {
                memcpy(key, c + 1, kl);
                key[kl] = '\0';
                eo_optim_params r = p;
                double v = 0;
                if (eo_parse_double(eq + 1, -1e300, 1e300, &v) == EO_OK) eo_optim_set(&r, key, v);
                eo_optim_check(&r);
            }
        }
    } else {
        if (rc > 0 || err.code != rc) abort();
        if (err.column < 0 || (size_t)err.column > size + 2) abort(); /* the column points into the text */
    }
    free(s);
    return 0;
}
