/* libFuzzer target: learning-rate schedule specs (eo_schedule_parse).
 *
 * A spec that parses must be valid (eo_schedule_check) and its canonical form
 * must be a fixed point of format(parse(.)). The schedule is then run: the
 * closed form lr(t) at steps spread up to 2^40 (far beyond any real run, to
 * reach overflow in step arithmetic), a stepped run of 64 steps with a noisy
 * metric (plateau), and a state image round trip. Must never trap. The
 * lr is not required to be finite (gamma = 1e300 legitimately overflows),
 * but then saving the state must be refused (EO_ERR_NUMERIC). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/optim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    eo_schedule sc;
    eo_error err;
    int rc = eo_schedule_parse(s, &sc, &err);
    free(s);
    if (rc != EO_OK) {
        if (rc > 0 || err.code != rc || err.column < 0 || (size_t)err.column > size + 2) abort();
        return 0;
    }
    if (eo_schedule_check(&sc) != NULL) abort();
    char f1[2048], f2[2048];
    int n1 = eo_schedule_format(&sc, f1, sizeof f1);
    if (n1 <= 0 || n1 >= (int)sizeof f1) abort();
    eo_schedule sc2;
    if (eo_schedule_parse(f1, &sc2, &err) != EO_OK) abort();
    int n2 = eo_schedule_format(&sc2, f2, sizeof f2);
    if (n1 != n2 || strcmp(f1, f2)) abort();

    volatile double sink = 0;
    const double base = 0.1;
    for (int k = 0; k <= 40; k += 3) {
        long t = (1L << k) - 1;
        sink += eo_schedule_lr_at(&sc, base, t);
        sink += eo_schedule_lr_at(&sc, base, t + 1);
    }
    eo_schedule_state st;
    eo_schedule_start(&sc, base, &st);
    for (int t = 0; t < 64; t++) sink += eo_schedule_next(&sc, base, &st, (t % 7) * 0.5 + (t % 3 ? 1.0 : 0.0));
    unsigned char img[EO_SCHEDULE_STATE_BYTES], img2[EO_SCHEDULE_STATE_BYTES];
    int rs = eo_schedule_state_save(&st, img, sizeof img);
    if (!isfinite(st.lr)) { /* refused, so that no unloadable checkpoint is written */
        if (rs != EO_ERR_NUMERIC) abort();
        return 0;
    }
    if (rs != EO_OK) abort();
    eo_schedule_state st2;
    if (eo_schedule_state_load(&st2, img, sizeof img, &err) != EO_OK) abort();
    if (eo_schedule_state_save(&st2, img2, sizeof img2) != EO_OK || memcmp(img, img2, sizeof img)) abort();
    (void)sink;
    return 0;
}
