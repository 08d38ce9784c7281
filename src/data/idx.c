/* IDX files (the MNIST format, LeCun et al.), plain or gzip, and the built-in
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017), which ships in that format.
 *
 * Layout: two zero bytes, a dtype byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
 * 0x0D f32, 0x0E f64), the number of dimensions, then one big-endian uint32
 * per dimension, then the elements in row-major order, big-endian. We require
 * the payload to be exactly the product of the dimensions times the element
 * size: a short file is truncated, a long one is not what its header says. */
#define _POSIX_C_SOURCE 200809L
#include "data/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct idx_header {
    int dtype;       /* IDX dtype byte */
    size_t esize;    /* bytes per element */
    int ndim;
    size_t dims[4];
    size_t count;    /* product of dims */
    size_t hdr;      /* header bytes */
} idx_header;

static size_t idx_esize(int code)
{
    switch (code) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
    }
}

static int parse_header(const uint8_t *b, size_t len, const char *where, idx_header *h, eo_error *err)
{
    if (len < 4)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                           "truncated IDX header (%zu bytes, need at least 4)", len);
    if (b[0] != 0 || b[1] != 0)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 0,
                           "bad IDX magic %02x %02x (expected 00 00 then dtype and rank)", b[0], b[1]);
    h->dtype = b[2];
    h->esize = idx_esize(b[2]);
    if (!h->esize)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 2,
                           "unknown IDX dtype 0x%02x (expected 08 u8, 09 i8, 0B i16, 0C i32, 0D f32 or 0E f64)",
                           b[2]);
    h->ndim = b[3];
    if (h->ndim < 1 || h->ndim > 4)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 3, "IDX rank %d not supported (expected 1..4)",
                           h->ndim);
    h->hdr = 4 + 4 * (size_t)h->ndim;
    if (len < h->hdr)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                           "truncated IDX header (%zu bytes, rank %d needs %zu)", len, h->ndim, h->hdr);
    size_t count = 1;
    for (int i = 0; i < h->ndim; i++) {
        const uint8_t *p = b + 4 + 4 * i;
        uint32_t d = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (d == 0)
            return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 4 + 4 * i, "IDX dimension %d is zero", i);
        h->dims[i] = d;
        if (!eo_size_mul(count, d, &count))
            return eo_error_at(err, EO_ERR_RANGE, where, 0, 0, 4 + 4 * i, "IDX dimensions overflow");
    }
    h->count = count;
    size_t payload;
    if (!eo_size_mul(count, h->esize, &payload) || payload != len - h->hdr) {
        if (!eo_size_mul(count, h->esize, &payload) || payload > len - h->hdr)
            return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                               "truncated IDX data: header promises %zu elements of %zu bytes, file holds %zu "
                               "bytes after the header",
                               count, h->esize, len - h->hdr);
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)(h->hdr + payload),
                           "%zu unexpected bytes after the IDX data the header describes", len - h->hdr - payload);
    }
    return EO_OK;
}

/* Element i of an IDX payload as double (big-endian). */
static double idx_value(const uint8_t *p, int dtype, size_t i)
{
    switch (dtype) {
    case 0x08: return p[i];
    case 0x09: return (int8_t)p[i];
    case 0x0B: {
        const uint8_t *q = p + 2 * i;
        return (int16_t)(uint16_t)((unsigned)q[0] << 8 | q[1]);
    }
    case 0x0C: {
        const uint8_t *q = p + 4 * i;
        uint32_t u = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        return (double)(int32_t)u;
    }
    case 0x0D: {
        const uint8_t *q = p + 4 * i;
        uint32_t u = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    default: {
        const uint8_t *q = p + 8 * i;
        uint64_t u = 0;
        for (int k = 0; k < 8; k++) u = u << 8 | q[k];
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    }
}

/* Images: b[0..len) is the (decompressed) file; when `owned` is b the buffer
 * is ours and u8 data is used in place. */
static int parse_images(uint8_t *owned, const uint8_t *b, size_t len, const eo_data_opts *o, const char *where,
                        eo_dataset *ds, int *took, size_t *n_total, eo_error *err)
{
    idx_header h;
    int rc = parse_header(b, len, where, &h, err);
    if (rc) return rc;
    size_t n = h.dims[0], cols = h.count / n;
    *n_total = n;
    size_t rows = o->limit && o->limit < n ? o->limit : n;
    ds->rows = rows;
    ds->cols = cols;
    ds->shape[0] = h.ndim == 4 ? (int64_t)h.dims[1] : 1;
    ds->shape[1] = h.ndim == 4 ? (int64_t)h.dims[2] : h.ndim == 3 ? (int64_t)h.dims[1] : 1;
    ds->shape[2] = h.ndim == 4 ? (int64_t)h.dims[3] : h.ndim == 3 ? (int64_t)h.dims[2] : (int64_t)cols;
    size_t cells = rows * cols; /* <= count, no overflow */
    const uint8_t *payload = b + h.hdr;
    if (h.dtype == 0x08) {
        ds->dtype = EO_DTYPE_U8;
        ds->u8_scale = 1.0f / 255.0f;
        if (owned) {
            memmove(owned, payload, cells);
            uint8_t *x = realloc(owned, cells);
            ds->x = x ? x : owned;
            *took = 1;
        } else {
            ds->x = eo__alloc_array(cells, 1, o->max_bytes, &rc);
            if (!ds->x) return eo_error_at(err, rc, where, 0, 0, -1, "cannot allocate %zu bytes", cells);
            memcpy(ds->x, payload, cells);
        }
        return EO_OK;
    }
    ds->dtype = EO_DTYPE_F32;
    float *x = eo__alloc_array(cells, sizeof(float), o->max_bytes, &rc);
    if (!x) return eo_error_at(err, rc, where, 0, 0, -1, "cannot allocate %zu x %zu floats", rows, cols);
    ds->x = x;
    for (size_t i = 0; i < cells; i++) {
        double v = idx_value(payload, h.dtype, i);
        if (!isfinite(v) || fabs(v) > 3.4028234663852886e38)
            return eo_error_at(err, EO_ERR_NUMERIC, where, 0, 0, (long long)(h.hdr + i * h.esize),
                               "row %zu, feature %zu: %s value (expected a finite float32)", i / cols + 1,
                               i % cols + 1, isnan(v) ? "NaN" : "infinite or out-of-range");
        x[i] = (float)v;
    }
    return EO_OK;
}

static int parse_labels(const uint8_t *b, size_t len, const eo_data_opts *o, const char *where, size_t n_images,
                        eo_dataset *ds, eo_error *err)
{
    idx_header h;
    int rc = parse_header(b, len, where, &h, err);
    if (rc) return rc;
    if (!(h.ndim == 1 || (h.ndim == 2 && h.dims[1] == 1)))
        return eo_error_at(err, EO_ERR_SHAPE, where, 0, 0, 3, "labels must be 1-D, got rank %d", h.ndim);
    if (h.dims[0] != n_images)
        return eo_error_at(err, EO_ERR_SHAPE, where, 0, 0, 4, "%zu labels for %zu images", h.dims[0], n_images);
    if (h.dtype == 0x0D || h.dtype == 0x0E) {
        if (!o->regression)
            return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 2,
                               "float labels need regression (class labels must be an integer dtype)");
    }
    const uint8_t *payload = b + h.hdr;
    if (o->regression) {
        ds->t = eo__alloc_array(ds->rows, sizeof(float), o->max_bytes, &rc);
        if (!ds->t) return eo_error_at(err, rc, where, 0, 0, -1, "cannot allocate %zu targets", ds->rows);
        for (size_t i = 0; i < ds->rows; i++) {
            double v = idx_value(payload, h.dtype, i);
            if (!isfinite(v) || fabs(v) > 3.4028234663852886e38)
                return eo_error_at(err, EO_ERR_NUMERIC, where, 0, 0, (long long)(h.hdr + i * h.esize),
                                   "row %zu: non-finite target", i + 1);
            ds->t[i] = (float)v;
        }
        return EO_OK;
    }
    ds->y = eo__alloc_array(ds->rows, sizeof(int32_t), o->max_bytes, &rc);
    if (!ds->y) return eo_error_at(err, rc, where, 0, 0, -1, "cannot allocate %zu labels", ds->rows);
    for (size_t i = 0; i < ds->rows; i++) {
        double v = idx_value(payload, h.dtype, i);
        char why[128];
        if (eo__check_label(v, o->n_classes, why, sizeof why))
            return eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)(h.hdr + i * h.esize), "row %zu: %s",
                               i + 1, why);
        ds->y[i] = (int32_t)v;
    }
    ds->n_classes = eo__n_classes(ds->y, ds->rows, o->n_classes);
    return EO_OK;
}

/* Inflate when gzip; *data is either the input or a new buffer (*owned set). */
static int maybe_gunzip(const uint8_t *in, size_t len, size_t cap, const char *where, const uint8_t **data,
                        size_t *dlen, uint8_t **owned, eo_error *err)
{
    *owned = NULL;
    if (!eo__is_gzip(in, len)) {
        *data = in;
        *dlen = len;
        return EO_OK;
    }
    int rc = eo_data_gunzip_mem(in, len, cap, owned, dlen, where, err);
    *data = *owned;
    return rc;
}

int eo_data_parse_idx_mem(const uint8_t *images, size_t images_len, const uint8_t *labels, size_t labels_len,
                          const eo_data_opts *opts, const char *x_name, const char *y_name, eo_dataset *out,
                          eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    const char *xw = x_name ? x_name : EO__MEM_NAME, *yw = y_name ? y_name : EO__MEM_NAME;
    if (!images) return eo_error_at(err, EO_ERR_INVALID, xw, 0, 0, -1, "no image data");
    const uint8_t *d;
    size_t dl;
    uint8_t *own;
    rc = maybe_gunzip(images, images_len, o.max_bytes, xw, &d, &dl, &own, err);
    if (rc) return rc;
    int took = 0;
    size_t n_images = 0;
    rc = parse_images(own, d, dl, &o, xw, out, &took, &n_images, err);
    if (!took) free(own);
    if (rc == EO_OK && labels) {
        rc = maybe_gunzip(labels, labels_len, o.max_bytes, yw, &d, &dl, &own, err);
        if (rc == EO_OK) rc = parse_labels(d, dl, &o, yw, n_images, out, err);
        free(own);
    }
    if (rc) {
        eo_dataset_free(out);
        return rc;
    }
    eo__set_name(out, eo__basename(xw));
    return EO_OK;
}

/* Read a file and inflate it when gzip; the result is always ours. */
static int read_maybe_gz(const char *path, size_t cap, uint8_t **buf, size_t *len, eo_error *err)
{
    int rc = eo__read_file(path, cap, buf, len, err);
    if (rc || !eo__is_gzip(*buf, *len)) return rc;
    uint8_t *raw;
    size_t rlen;
    rc = eo_data_gunzip_mem(*buf, *len, cap, &raw, &rlen, path, err);
    free(*buf);
    *buf = raw;
    *len = rc ? 0 : rlen;
    return rc;
}

int eo_data_load_idx(const char *images_path, const char *labels_path, const eo_data_opts *opts,
                     eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    if (!images_path) return eo_error_set(err, EO_ERR_INVALID, "no IDX images file given");
    uint8_t *b;
    size_t len;
    rc = read_maybe_gz(images_path, o.max_bytes, &b, &len, err);
    if (rc) return rc;
    int took = 0;
    size_t n_images = 0;
    rc = parse_images(b, b, len, &o, images_path, out, &took, &n_images, err);
    if (!took) free(b);
    if (rc == EO_OK && labels_path) {
        rc = read_maybe_gz(labels_path, o.max_bytes, &b, &len, err);
        if (rc == EO_OK) rc = parse_labels(b, len, &o, labels_path, n_images, out, err);
        free(b);
    }
    if (rc) {
        eo_dataset_free(out);
        return rc;
    }
    eo__set_name(out, eo__basename(images_path));
    return EO_OK;
}

/* dir/stem.gz if it exists, else dir/stem. */
static void fm_path(char *buf, size_t n, const char *dir, const char *stem)
{
    snprintf(buf, n, "%s/%s.gz", dir, stem);
    FILE *f = fopen(buf, "rb");
    if (f) {
        fclose(f);
        return;
    }
    snprintf(buf, n, "%s/%s", dir, stem);
}

int eo_data_load_fashion_mnist(int test, const eo_data_opts *opts, eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    if (o.regression) return eo_error_set(err, EO_ERR_INVALID, "fashion-mnist is a classification set");
    o.n_classes = 10; /* any other label is an error */
    const char *dir = getenv(EO_FASHION_MNIST_ENV);
    if (!dir || !*dir) dir = EO_FASHION_MNIST_DEFAULT_DIR;
    const char *pre = test ? "t10k" : "train";
    char ip[EO_DATA_PATH_MAX + 64], lp[EO_DATA_PATH_MAX + 64], stem[64];
    snprintf(stem, sizeof stem, "%s-images-idx3-ubyte", pre);
    fm_path(ip, sizeof ip, dir, stem);
    snprintf(stem, sizeof stem, "%s-labels-idx1-ubyte", pre);
    fm_path(lp, sizeof lp, dir, stem);
    FILE *f = fopen(ip, "rb");
    if (!f)
        return eo_error_at(err, EO_ERR_NOT_FOUND, dir, 0, 0, -1,
                           "Fashion-MNIST %s images not found (apt-get install dataset-fashion-mnist, or set "
                           "%s to a directory holding %s-images-idx3-ubyte.gz)",
                           test ? "test" : "training", EO_FASHION_MNIST_ENV, pre);
    fclose(f);
    rc = eo_data_load_idx(ip, lp, &o, out, err);
    if (rc) return rc;
    if (out->cols != 784 || out->dtype != EO_DTYPE_U8) {
        eo_dataset_free(out);
        return eo_error_at(err, EO_ERR_FORMAT, ip, 0, 0, -1, "not Fashion-MNIST: expected 28x28 u8 images");
    }
    eo__set_name(out, test ? "fashion-mnist:test" : "fashion-mnist");
    return EO_OK;
}
