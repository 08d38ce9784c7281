/* Synthetic datasets with a seed (the classic toy problems, after
 * scikit-learn's make_blobs / make_moons and the CS231n spiral set, and the
 * sparse linear model of compressed-sensing / lasso experiments). Every value
 * comes from eo_rng, so a seed gives the same set on every platform; cos and
 * sin come from libm and may differ in the last bit between C libraries. */
#include "data/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

static const char *const kind_names[EO_SYNTH_COUNT] = {
    [EO_SYNTH_BLOBS] = "blobs",
    [EO_SYNTH_MOONS] = "moons",
    [EO_SYNTH_SPIRALS] = "spirals",
    [EO_SYNTH_SPARSE_REGRESSION] = "sparse-regression",
};

const char *eo_synth_kind_name(int kind)
{
    return (kind >= 0 && kind < EO_SYNTH_COUNT) ? kind_names[kind] : "?";
}

int eo_synth_kind_from_name(const char *name)
{
    for (int i = 0; name && i < EO_SYNTH_COUNT; i++)
        if (!strcmp(name, kind_names[i])) return i;
    return -1;
}

eo_synth_params eo_synth_defaults(eo_synth_kind kind)
{
    eo_synth_params p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.n = 1000;
    p.seed = 1;
    switch (kind) {
    case EO_SYNTH_BLOBS: p.d = 2; p.classes = 3; p.noise = 1.0; break;
    case EO_SYNTH_MOONS: p.d = 2; p.classes = 2; p.noise = 0.1; break;
    case EO_SYNTH_SPIRALS: p.d = 2; p.classes = 3; p.noise = 0.1; break;
    default: p.d = 20; p.k = 5; p.noise = 0.1; break;
    }
    return p;
}

#define SYNTH_MAX_CELLS ((size_t)1 << 28)

const char *eo_synth_validate(const eo_synth_params *p)
{
    if (!p) return "parameters are NULL";
    if ((int)p->kind < 0 || p->kind >= EO_SYNTH_COUNT) return "unknown synthetic kind";
    if (p->n < 1 || p->n > ((size_t)1 << 31)) return "n must be 1..2^31";
    if (!(p->noise >= 0 && p->noise <= 1e6)) return "noise must be 0..1e6";
    size_t cells;
    if (p->d < 1 || !eo_size_mul(p->n, p->d, &cells) || cells > SYNTH_MAX_CELLS) return "d must be >= 1 and n*d <= 2^28";
    switch (p->kind) {
    case EO_SYNTH_BLOBS:
        if (p->classes < 1 || p->classes > 1000) return "blobs: classes must be 1..1000";
        break;
    case EO_SYNTH_MOONS:
        if (p->d != 2 || p->classes != 2) return "moons: d is 2 and classes is 2";
        break;
    case EO_SYNTH_SPIRALS:
        if (p->d != 2) return "spirals: d is 2";
        if (p->classes < 1 || p->classes > 1000) return "spirals: classes must be 1..1000";
        break;
    default:
        if (p->k > p->d) return "sparse-regression: k must be <= d";
        break;
    }
    return NULL;
}

int eo_data_synthetic(const eo_synth_params *p, eo_dataset *out, float *coef, eo_error *err)
{
    memset(out, 0, sizeof *out);
    const char *why = eo_synth_validate(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    size_t n = p->n, d = p->d;
    eo_rng rng;
    eo_rng_seed(&rng, p->seed);
    float *x = malloc(n * d * sizeof(float));
    if (!x) return eo_error_set(err, EO_ERR_NOMEM, "cannot allocate %zu x %zu floats", n, d);
    out->x = x;
    out->rows = n;
    out->cols = d;
    out->dtype = EO_DTYPE_F32;
    out->u8_scale = 1.0f;
    out->shape[0] = out->shape[1] = 1;
    out->shape[2] = (int64_t)d;
    snprintf(out->name, sizeof out->name, "synthetic:%s", kind_names[p->kind]);
    double noise = p->noise;
    if (p->kind == EO_SYNTH_SPARSE_REGRESSION) {
        out->t = malloc(n * sizeof(float));
        double *w = calloc(d, sizeof(double));
        uint32_t *perm = malloc(d * sizeof(uint32_t));
        if (!out->t || !w || !perm) {
            free(w);
            free(perm);
            eo_dataset_free(out);
            return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        }
        /* Support: the first k entries of a random permutation. */
        eo_rng_permutation(&rng, perm, d);
        for (size_t j = 0; j < p->k; j++) {
            double mag = 1.0 + eo_rng_uniform(&rng);
            w[perm[j]] = (eo_rng_u64(&rng) >> 63) ? -mag : mag;
        }
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t j = 0; j < d; j++) {
                float v = (float)eo_rng_normal(&rng);
                x[i * d + j] = v;
                s += w[j] * (double)v;
            }
            out->t[i] = (float)(s + noise * eo_rng_normal(&rng));
        }
        if (coef)
            for (size_t j = 0; j < d; j++) coef[j] = (float)w[j];
        free(w);
        free(perm);
        return EO_OK;
    }
    int K = p->kind == EO_SYNTH_MOONS ? 2 : p->classes;
    out->y = malloc(n * sizeof(int32_t));
    double *centers = NULL;
    if (p->kind == EO_SYNTH_BLOBS) centers = malloc((size_t)K * d * sizeof(double));
    if (!out->y || (p->kind == EO_SYNTH_BLOBS && !centers)) {
        free(centers);
        eo_dataset_free(out);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    out->n_classes = K;
    if (centers)
        for (size_t j = 0; j < (size_t)K * d; j++) centers[j] = -10.0 + 20.0 * eo_rng_uniform(&rng);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)K);
        out->y[i] = c;
        float *xr = x + i * d;
        if (p->kind == EO_SYNTH_BLOBS) {
            for (size_t j = 0; j < d; j++) xr[j] = (float)(centers[(size_t)c * d + j] + noise * eo_rng_normal(&rng));
        } else if (p->kind == EO_SYNTH_MOONS) {
            double t = PI * eo_rng_uniform(&rng);
            double a = c == 0 ? cos(t) : 1.0 - cos(t);
            double b = c == 0 ? sin(t) : 0.5 - sin(t);
            xr[0] = (float)(a + noise * eo_rng_normal(&rng));
            xr[1] = (float)(b + noise * eo_rng_normal(&rng));
        } else {
            double r = eo_rng_uniform(&rng);
            double ang = 2.0 * PI * c / K + 4.0 * r;
            xr[0] = (float)(r * cos(ang) + noise * eo_rng_normal(&rng));
            xr[1] = (float)(r * sin(ang) + noise * eo_rng_normal(&rng));
        }
    }
    free(centers);
    return EO_OK;
}
