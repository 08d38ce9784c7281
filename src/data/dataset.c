/* Dataset container, dtype and option helpers, whole-file reading. */
#define _POSIX_C_SOURCE 200809L
#include "data/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const dtype_names[EO_DTYPE_COUNT] = {[EO_DTYPE_F32] = "f32", [EO_DTYPE_U8] = "u8"};

const char *eo_dtype_name(int dtype)
{
    return (dtype >= 0 && dtype < EO_DTYPE_COUNT) ? dtype_names[dtype] : "?";
}

int eo_dtype_from_name(const char *name)
{
    for (int i = 0; name && i < EO_DTYPE_COUNT; i++)
        if (!strcmp(name, dtype_names[i])) return i;
    return -1;
}

size_t eo_dtype_size(int dtype)
{
    return dtype == EO_DTYPE_F32 ? 4 : dtype == EO_DTYPE_U8 ? 1 : 0;
}

void eo_dataset_free(eo_dataset *ds)
{
    if (!ds) return;
    free(ds->x);
    free(ds->y);
    free(ds->t);
    free(ds->class_values);
    memset(ds, 0, sizeof *ds);
}

float eo_dataset_at(const eo_dataset *ds, size_t r, size_t c)
{
    size_t i = r * ds->cols + c;
    if (ds->dtype == EO_DTYPE_U8) return (float)((const uint8_t *)ds->x)[i] * ds->u8_scale;
    return ((const float *)ds->x)[i];
}

int eo_dataset_truncate(eo_dataset *ds, size_t n, eo_error *err)
{
    if (!ds) return eo_error_set(err, EO_ERR_INVALID, "eo_dataset_truncate: NULL dataset");
    if (n == 0) return eo_error_set(err, EO_ERR_INVALID, "a row limit must be at least 1");
    if (n >= ds->rows) return EO_OK;
    /* Shrinking realloc cannot overflow: n*cols*size < rows*cols*size. */
    size_t bytes = n * ds->cols * eo_dtype_size(ds->dtype);
    if (bytes > 0) {
        void *x = realloc(ds->x, bytes);
        if (x) ds->x = x; /* on failure the larger block stays valid */
    }
    if (ds->y) {
        void *y = realloc(ds->y, n * sizeof *ds->y);
        if (y) ds->y = y;
    }
    if (ds->t) {
        void *t = realloc(ds->t, n * sizeof *ds->t);
        if (t) ds->t = t;
    }
    ds->rows = n;
    return EO_OK;
}

eo_data_opts eo_data_opts_defaults(void)
{
    eo_data_opts o;
    memset(&o, 0, sizeof o);
    o.limit = 0;
    o.n_classes = 0;
    o.regression = 0;
    o.max_bytes = EO_DATA_MAX_BYTES;
    o.sep = ',';
    return o;
}

const char *eo_data_opts_validate(const eo_data_opts *o)
{
    if (!o) return "options are NULL";
    if (o->n_classes < 0 || o->n_classes > EO_DATA_MAX_CLASSES) return "classes must be 0..65536 (0 = infer)";
    if (o->regression != 0 && o->regression != 1) return "regression must be 0 or 1";
    if (o->regression && o->n_classes) return "classes and regression exclude each other";
    if (o->sep == '\0' || o->sep == '\n' || o->sep == '\r' || o->sep == '"' || o->sep == '.' ||
        o->sep == '-' || o->sep == '+' || (o->sep >= '0' && o->sep <= '9'))
        return "the CSV separator must not be a digit, sign, '.', quote or line break";
    return NULL;
}

int eo__opts_resolve(const eo_data_opts *in, eo_data_opts *out, eo_error *err)
{
    *out = in ? *in : eo_data_opts_defaults();
    if (out->max_bytes == 0) out->max_bytes = EO_DATA_MAX_BYTES;
    const char *why = eo_data_opts_validate(out);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    return EO_OK;
}

const char *eo__basename(const char *path)
{
    if (!path) return EO__MEM_NAME;
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void eo__set_name(eo_dataset *ds, const char *name)
{
    snprintf(ds->name, sizeof ds->name, "%s", name ? name : EO__MEM_NAME);
}

int eo__check_label(double v, int n_classes, char *why, size_t why_len)
{
    int limit = n_classes > 0 ? n_classes : EO_DATA_MAX_CLASSES;
    if (!isfinite(v)) {
        snprintf(why, why_len, "expected a class label, got a non-finite value");
        return -1;
    }
    if (v != floor(v)) {
        snprintf(why, why_len, "expected an integer class label, got %.9g (use regression for real targets)",
                 v);
        return -1;
    }
    if (v < 0 || v >= (double)limit) {
        snprintf(why, why_len, "class label %.0f out of range 0..%d", v, limit - 1);
        return -1;
    }
    return 0;
}

int eo__n_classes(const int32_t *y, size_t n, int n_classes_opt)
{
    if (n_classes_opt > 0) return n_classes_opt;
    int32_t m = -1;
    for (size_t i = 0; i < n; i++)
        if (y[i] > m) m = y[i];
    return (int)m + 1;
}

int eo__is_gzip(const uint8_t *b, size_t len) { return len >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

void *eo__alloc_array(size_t count, size_t elem, size_t cap, int *status)
{
    size_t bytes;
    if (!eo_size_mul(count, elem, &bytes) || bytes > cap) {
        *status = EO_ERR_RANGE;
        return NULL;
    }
    void *p = malloc(bytes ? bytes : 1);
    *status = p ? EO_OK : EO_ERR_NOMEM;
    return p;
}

int eo__read_file(const char *path, size_t max, uint8_t **buf, size_t *len, eo_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return eo_error_at(err, e == ENOENT ? EO_ERR_NOT_FOUND : EO_ERR_IO, path, 0, 0, -1, "cannot open: %s",
                           strerror(e));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "not a regular file");
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > (unsigned long long)max) {
        fclose(f);
        return eo_error_at(err, EO_ERR_RANGE, path, 0, 0, -1, "file of %lld bytes is larger than the limit of %zu",
                           (long long)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n + 1);
    if (!b) {
        fclose(f);
        return eo_error_at(err, EO_ERR_NOMEM, path, 0, 0, -1, "out of memory reading %zu bytes", n);
    }
    size_t got = fread(b, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(b);
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "read error (got %zu of %zu bytes)", got, n);
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return EO_OK;
}
