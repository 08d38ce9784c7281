/* Host driver for a model exported by `edgeopt export` (scripts/demo.sh
 * compiles it together with the generated NAME.c). It uses only the exported
 * API, like firmware would, plus stdio to read the test set.
 *
 *   cc -std=c99 -O2 -I EXPORT_DIR -DMODEL=NAME -DMODEL_UPPER=NAME_IN_CAPS \
 *      [-DHAS_SCALE] run_model.c EXPORT_DIR/NAME.c -lm -o run_model
 *   run_model IMAGES.idx LABELS.idx N PREDICTIONS.txt
 *
 * IMAGES.idx / LABELS.idx are uncompressed IDX files (gzip -dc the Debian
 * ones). Each image becomes floats byte * (1.0f / 255.0f), exactly what
 * edgeopt's loader gives the model; with -DHAS_SCALE (a model trained with
 * feature scaling) NAME_scale_input() is applied next. Then NAME_predict()
 * and the argmax. Writes one predicted class per line and prints one JSON
 * object: {"n":..,"accuracy":..,"us_per_sample":..} where the latency is the
 * mean wall time of NAME_predict alone (monotonic clock). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define EO_CAT_(a, b) a##b
#define EO_CAT(a, b) EO_CAT_(a, b)
#define EO_STR_(x) #x
#define EO_STR(x) EO_STR_(x)
#include EO_STR(MODEL.h)

#define PREDICT EO_CAT(MODEL, _predict)
#define SCALE_INPUT EO_CAT(MODEL, _scale_input)
#define IN_SIZE EO_CAT(MODEL_UPPER, _INPUT_SIZE)
#define OUT_SIZE EO_CAT(MODEL_UPPER, _OUTPUT_SIZE)

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: run_model IMAGES.idx LABELS.idx N PREDICTIONS.txt\n");
        return 2;
    }
    size_t ilen = 0, llen = 0;
    unsigned char *img = read_file(argv[1], &ilen), *lab = read_file(argv[2], &llen);
    if (!img || !lab || ilen < 16 || llen < 8 || be32(img) != 0x803 || be32(lab) != 0x801) {
        fprintf(stderr, "run_model: %s / %s are not IDX image / label files\n", argv[1], argv[2]);
        return 1;
    }
    size_t rows = be32(img + 4), pix = (size_t)be32(img + 8) * be32(img + 12);
    if (pix != IN_SIZE || be32(lab + 4) != rows || ilen < 16 + rows * pix || llen < 8 + rows) {
        fprintf(stderr, "run_model: the images have %zu values, the model takes %d\n", pix, IN_SIZE);
        return 1;
    }
    long n = atol(argv[3]);
    if (n <= 0 || (size_t)n > rows) n = (long)rows;
    FILE *out = fopen(argv[4], "w");
    if (!out) {
        fprintf(stderr, "run_model: cannot write %s\n", argv[4]);
        return 1;
    }
    static float x[IN_SIZE], y[OUT_SIZE];
    long correct = 0;
    double busy = 0;
    for (long i = 0; i < n; i++) {
        const unsigned char *p = img + 16 + (size_t)i * pix;
        for (size_t j = 0; j < pix; j++) x[j] = (float)p[j] * (1.0f / 255.0f);
#ifdef HAS_SCALE
        SCALE_INPUT(x);
#endif
        double t0 = now();
        PREDICT(x, y);
        busy += now() - t0;
        int best = 0;
        for (int c = 1; c < OUT_SIZE; c++)
            if (y[c] > y[best]) best = c;
        correct += best == lab[8 + i];
        fprintf(out, "%d\n", best);
    }
    if (fclose(out) != 0) return 1;
    printf("{\"n\":%ld,\"accuracy\":%.6f,\"us_per_sample\":%.3f}\n", n, (double)correct / (double)n,
           1e6 * busy / (double)n);
    free(img);
    free(lab);
    return 0;
}
