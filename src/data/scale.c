/* Feature scaling fitted on training rows, mini-batch gathering, shuffling.
 *
 * standard: x' = (x - mean) / std with the population std over the fit rows;
 * minmax:   x' = (x - min) / (max - min).
 * Statistics are accumulated in double with two passes (mean, then squared
 * deviations), which avoids the cancellation of the sum-of-squares formula. */
#include "data/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const scale_names[EO_SCALE_COUNT] = {
    [EO_SCALE_NONE] = "none", [EO_SCALE_STANDARD] = "standard", [EO_SCALE_MINMAX] = "minmax"};

const char *eo_scale_kind_name(int kind)
{
    return (kind >= 0 && kind < EO_SCALE_COUNT) ? scale_names[kind] : "?";
}

int eo_scale_kind_from_name(const char *name)
{
    for (int i = 0; name && i < EO_SCALE_COUNT; i++)
        if (!strcmp(name, scale_names[i])) return i;
    return -1;
}

/* Row r of ds as floats (u8 scaled) into buf. */
static void row_values(const eo_dataset *ds, size_t r, float *buf)
{
    size_t c = ds->cols;
    if (ds->dtype == EO_DTYPE_U8) {
        const uint8_t *p = (const uint8_t *)ds->x + r * c;
        for (size_t j = 0; j < c; j++) buf[j] = (float)p[j] * ds->u8_scale;
    } else {
        memcpy(buf, (const float *)ds->x + r * c, c * sizeof(float));
    }
}

int eo_scaler_fit(eo_scaler *s, eo_scale_kind kind, const eo_dataset *ds, const uint32_t *rows, size_t n,
                  eo_error *err)
{
    memset(s, 0, sizeof *s);
    if ((int)kind < 0 || kind >= EO_SCALE_COUNT) return eo_error_set(err, EO_ERR_INVALID, "unknown scaling kind");
    if (!ds || !ds->x || ds->cols == 0) return eo_error_set(err, EO_ERR_INVALID, "scaler: empty dataset");
    if (!rows) n = ds->rows;
    if (n == 0) return eo_error_set(err, EO_ERR_INVALID, "scaler: no rows to fit on");
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i] >= ds->rows)
            return eo_error_set(err, EO_ERR_RANGE, "scaler: row index %u >= %zu rows", rows[i], ds->rows);
    s->kind = kind;
    s->cols = ds->cols;
    if (kind == EO_SCALE_NONE) return EO_OK;
    size_t c = ds->cols;
    s->offset = malloc(c * sizeof(float));
    s->scale = malloc(c * sizeof(float));
    double *a = calloc(c, sizeof(double)), *b = calloc(c, sizeof(double));
    float *buf = malloc(c * sizeof(float));
    if (!s->offset || !s->scale || !a || !b || !buf) {
        free(a);
        free(b);
        free(buf);
        eo_scaler_free(s);
        return eo_error_set(err, EO_ERR_NOMEM, "scaler: out of memory");
    }
    if (kind == EO_SCALE_STANDARD) {
        for (size_t i = 0; i < n; i++) {
            row_values(ds, rows ? rows[i] : i, buf);
            for (size_t j = 0; j < c; j++) a[j] += buf[j];
        }
        for (size_t j = 0; j < c; j++) a[j] /= (double)n;
        for (size_t i = 0; i < n; i++) {
            row_values(ds, rows ? rows[i] : i, buf);
            for (size_t j = 0; j < c; j++) {
                double dv = buf[j] - a[j];
                b[j] += dv * dv;
            }
        }
        for (size_t j = 0; j < c; j++) {
            double sd = sqrt(b[j] / (double)n);
            s->offset[j] = (float)a[j];
            /* Finite as a float too: sd ~ 1e-41 (denormal-sized features) gives 1/sd
             * above FLT_MAX, and an infinite scale turns training into NaN. */
            float inv = sd > 0 ? (float)(1.0 / sd) : 1.0f;
            s->scale[j] = isfinite(inv) ? inv : 1.0f;
        }
    } else {
        for (size_t j = 0; j < c; j++) {
            a[j] = INFINITY;
            b[j] = -INFINITY;
        }
        for (size_t i = 0; i < n; i++) {
            row_values(ds, rows ? rows[i] : i, buf);
            for (size_t j = 0; j < c; j++) {
                if (buf[j] < a[j]) a[j] = buf[j];
                if (buf[j] > b[j]) b[j] = buf[j];
            }
        }
        for (size_t j = 0; j < c; j++) {
            double range = b[j] - a[j];
            s->offset[j] = (float)a[j];
            float inv = range > 0 ? (float)(1.0 / range) : 1.0f;
            s->scale[j] = isfinite(inv) ? inv : 1.0f;
        }
    }
    free(a);
    free(b);
    free(buf);
    return EO_OK;
}

void eo_scaler_apply(const eo_scaler *s, float *x, size_t n)
{
    if (!s || s->kind == EO_SCALE_NONE || !s->offset) return;
    for (size_t i = 0; i < n; i++) {
        float *r = x + i * s->cols;
        for (size_t j = 0; j < s->cols; j++) r[j] = (r[j] - s->offset[j]) * s->scale[j];
    }
}

void eo_scaler_free(eo_scaler *s)
{
    if (!s) return;
    free(s->offset);
    free(s->scale);
    memset(s, 0, sizeof *s);
}

void eo_data_gather(const eo_dataset *ds, const eo_scaler *s, const uint32_t *idx, size_t n, float *xout,
                    int32_t *yout, float *tout)
{
    size_t c = ds->cols;
    const float *off = s && s->kind != EO_SCALE_NONE ? s->offset : NULL;
    const float *sc = off ? s->scale : NULL;
    for (size_t i = 0; i < n; i++) {
        size_t r = idx[i];
        float *o = xout + i * c;
        if (ds->dtype == EO_DTYPE_U8) {
            const uint8_t *p = (const uint8_t *)ds->x + r * c;
            float u = ds->u8_scale;
            if (off)
                for (size_t j = 0; j < c; j++) o[j] = ((float)p[j] * u - off[j]) * sc[j];
            else
                for (size_t j = 0; j < c; j++) o[j] = (float)p[j] * u;
        } else {
            const float *p = (const float *)ds->x + r * c;
            if (off)
                for (size_t j = 0; j < c; j++) o[j] = (p[j] - off[j]) * sc[j];
            else
                memcpy(o, p, c * sizeof(float));
        }
        if (yout) yout[i] = ds->y ? ds->y[r] : 0;
        if (tout) tout[i] = ds->t ? ds->t[r] : 0.0f;
    }
}

void eo_data_shuffle(uint32_t *idx, size_t n, eo_rng *rng) { eo_rng_shuffle_u32(rng, idx, n); }

size_t eo_data_num_batches(size_t n, size_t batch, int drop_last)
{
    if (batch == 0) return 0;
    return drop_last ? n / batch : n / batch + (n % batch != 0);
}

size_t eo_data_batch_range(size_t n, size_t batch, size_t b, size_t *start)
{
    *start = 0;
    if (batch == 0 || b >= eo_data_num_batches(n, batch, 0)) return 0;
    *start = b * batch;
    size_t left = n - *start;
    return left < batch ? left : batch;
}
