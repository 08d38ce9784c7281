/* NumPy .npy arrays (format described in numpy/lib/format.py, NEP 1):
 *   "\x93NUMPY", major, minor, header length (uint16 LE for v1, uint32 LE for
 *   v2 and v3), an ASCII (v3: UTF-8) Python dict literal
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }
 *   padded with spaces and a newline, then the raw C-order elements.
 * We parse the dict with a small literal parser (never eval), accept only
 * plain little-endian numeric dtypes, and require the data to be exactly
 * shape-product x itemsize bytes. */
#include "data/internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_F4, T_F8, T_U1, T_I1, T_I4, T_I8 };

typedef struct npy {
    int type;
    size_t esize;
    int ndim;
    size_t dims[8];
    size_t count;
    size_t off; /* data offset in the file */
} npy;

typedef struct hp { /* header parser */
    const char *s;
    size_t n, i, base; /* base: file offset of s[0] */
} hp;

static void hp_ws(hp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hp_err(hp *p, const char *where, eo_error *err, const char *what)
{
    return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)(p->base + p->i), "npy header: %s", what);
}

/* A quoted string; its content range goes to s0 and len. */
static int hp_str(hp *p, size_t *s0, size_t *len)
{
    hp_ws(p);
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"')) return -1;
    char q = p->s[p->i++];
    *s0 = p->i;
    while (p->i < p->n && p->s[p->i] != q) {
        if (p->s[p->i] == '\\') return -1; /* no escapes in a valid header */
        p->i++;
    }
    if (p->i >= p->n) return -1;
    *len = p->i - *s0;
    p->i++;
    return 0;
}

static int hp_eat(hp *p, char c)
{
    hp_ws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

static int parse_descr(const char *d, size_t n, npy *a, char *why, size_t wn)
{
    char t[16];
    snprintf(t, sizeof t, "%.*s", (int)(n < 15 ? n : 15), d);
    if (n >= 1 && (d[0] == 'O' || (n >= 2 && d[1] == 'O'))) {
        snprintf(why, wn, "object dtype (pickled Python objects) is not supported: save a numeric array");
        return -1;
    }
    static const struct { const char *s; int type; size_t esize; } known[] = {
        {"<f4", T_F4, 4}, {"<f8", T_F8, 8}, {"|u1", T_U1, 1}, {"<u1", T_U1, 1}, {">u1", T_U1, 1},
        {"|i1", T_I1, 1}, {"<i1", T_I1, 1}, {">i1", T_I1, 1}, {"<i4", T_I4, 4}, {"<i8", T_I8, 8},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strlen(known[k].s) == n && !memcmp(known[k].s, d, n)) {
            a->type = known[k].type;
            a->esize = known[k].esize;
            return 0;
        }
    if (n >= 1 && d[0] == '>') {
        snprintf(why, wn, "big-endian dtype '%s' is not supported: save with arr.astype('<%s')", t, t + 1);
        return -1;
    }
    snprintf(why, wn, "unsupported dtype '%s' (expected float32, float64, uint8, int8, int32 or int64)", t);
    return -1;
}

static int parse_npy(const uint8_t *b, size_t len, const char *where, npy *a, eo_error *err)
{
    memset(a, 0, sizeof *a);
    if (len >= 6 && memcmp(b, "\x93NUMPY", 6) != 0)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 0, "bad .npy magic (expected \\x93NUMPY)");
    if (len < 10)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len, "truncated .npy file (%zu bytes)", len);
    int major = b[6];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len, "truncated .npy header");
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        hstart = 12;
    } else {
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, 6, ".npy format version %d.%d not supported (1..3)",
                           major, b[7]);
    }
    if (hlen > len - hstart)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)hstart - 2,
                           "header length %zu runs past the end of the file (%zu bytes)", hlen, len);
    hp p = {(const char *)b + hstart, hlen, 0, hstart};
    int have_descr = 0, have_fo = 0, have_shape = 0;
    char why[160];
    if (!hp_eat(&p, '{')) return hp_err(&p, where, err, "expected '{'");
    for (;;) {
        if (hp_eat(&p, '}')) break;
        size_t ks, kn;
        if (hp_str(&p, &ks, &kn)) return hp_err(&p, where, err, "expected a quoted key or '}'");
        if (!hp_eat(&p, ':')) return hp_err(&p, where, err, "expected ':'");
        const char *key = p.s + ks;
        if (kn == 5 && !memcmp(key, "descr", 5)) {
            size_t vs, vn;
            hp_ws(&p);
            if (p.i < p.n && p.s[p.i] == '[')
                return hp_err(&p, where, err, "structured (record) dtype is not supported: save a plain numeric array");
            if (hp_str(&p, &vs, &vn)) return hp_err(&p, where, err, "expected a dtype string for 'descr'");
            if (parse_descr(p.s + vs, vn, a, why, sizeof why))
                return eo_error_at(err, EO_ERR_UNSUPPORTED, where, 0, 0, (long long)(p.base + vs), "%s", why);
            have_descr = 1;
        } else if (kn == 13 && !memcmp(key, "fortran_order", 13)) {
            hp_ws(&p);
            if (p.n - p.i >= 5 && !memcmp(p.s + p.i, "False", 5)) {
                p.i += 5;
            } else if (p.n - p.i >= 4 && !memcmp(p.s + p.i, "True", 4)) {
                return eo_error_at(err, EO_ERR_UNSUPPORTED, where, 0, 0, (long long)(p.base + p.i),
                                   "Fortran-order array is not supported: save np.ascontiguousarray(arr)");
            } else {
                return hp_err(&p, where, err, "expected True or False for 'fortran_order'");
            }
            have_fo = 1;
        } else if (kn == 5 && !memcmp(key, "shape", 5)) {
            if (!hp_eat(&p, '(')) return hp_err(&p, where, err, "expected '(' for 'shape'");
            a->ndim = 0;
            a->count = 1;
            for (;;) {
                if (hp_eat(&p, ')')) break;
                hp_ws(&p);
                size_t v = 0, nd = 0;
                while (p.i < p.n && p.s[p.i] >= '0' && p.s[p.i] <= '9') {
                    if (!eo_size_mul(v, 10, &v) || !eo_size_add(v, (size_t)(p.s[p.i] - '0'), &v))
                        return eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)(p.base + p.i),
                                           "shape dimension too large");
                    p.i++, nd++;
                }
                if (!nd) return hp_err(&p, where, err, "expected a non-negative integer in 'shape'");
                if (a->ndim == 8) return hp_err(&p, where, err, "more than 8 dimensions");
                a->dims[a->ndim++] = v;
                if (!eo_size_mul(a->count, v, &a->count))
                    return eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)(p.base + p.i),
                                       "shape product overflows");
                if (!hp_eat(&p, ',')) {
                    if (!hp_eat(&p, ')')) return hp_err(&p, where, err, "expected ',' or ')' in 'shape'");
                    break;
                }
            }
            have_shape = 1;
        } else {
            return hp_err(&p, where, err, "unexpected key (expected descr, fortran_order, shape)");
        }
        if (!hp_eat(&p, ',')) {
            if (!hp_eat(&p, '}')) return hp_err(&p, where, err, "expected ',' or '}'");
            break;
        }
    }
    if (!have_descr || !have_fo || !have_shape)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)hstart,
                           "npy header lacks '%s'", !have_descr ? "descr" : !have_fo ? "fortran_order" : "shape");
    hp_ws(&p);
    if (p.i != p.n) return hp_err(&p, where, err, "unexpected text after the dict");
    a->off = hstart + hlen;
    size_t bytes;
    if (!eo_size_mul(a->count, a->esize, &bytes))
        return eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)hstart, "array size overflows");
    if (bytes != len - a->off)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                           bytes > len - a->off ? "truncated .npy data: shape needs %zu bytes, file holds %zu"
                                                : "shape needs %zu bytes but the file holds %zu after the header",
                           bytes, len - a->off);
    return EO_OK;
}

static double npy_value(const uint8_t *q, int type)
{
    uint64_t u = 0;
    switch (type) {
    case T_U1: return q[0];
    case T_I1: return (int8_t)q[0];
    case T_I4: {
        uint32_t v = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        return (double)(int32_t)v;
    }
    case T_F4: {
        uint32_t v = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
        float f;
        memcpy(&f, &v, 4);
        return f;
    }
    default:
        for (int k = 7; k >= 0; k--) u = u << 8 | q[k];
        if (type == T_I8) return (double)(int64_t)u;
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
}

int eo_data_parse_npy_mem(const uint8_t *x, size_t x_len, const uint8_t *y, size_t y_len, const eo_data_opts *opts,
                          const char *x_name, const char *y_name, eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    const char *xw = x_name ? x_name : EO__MEM_NAME, *yw = y_name ? y_name : EO__MEM_NAME;
    npy a;
    rc = parse_npy(x ? x : (const uint8_t *)"", x ? x_len : 0, xw, &a, err);
    if (rc) return rc;
    if (a.ndim < 1 || a.ndim > 4)
        return eo_error_at(err, EO_ERR_SHAPE, xw, 0, 0, -1, "X must have 1 to 4 dimensions, got %d", a.ndim);
    if (a.count == 0) return eo_error_at(err, EO_ERR_SHAPE, xw, 0, 0, -1, "X is empty (a dimension is 0)");
    size_t n = a.dims[0], cols = a.count / n;
    size_t rows = o.limit && o.limit < n ? o.limit : n;
    out->rows = rows;
    out->cols = cols;
    out->shape[0] = a.ndim == 4 ? (int64_t)a.dims[1] : 1;
    out->shape[1] = a.ndim == 4 ? (int64_t)a.dims[2] : a.ndim == 3 ? (int64_t)a.dims[1] : 1;
    out->shape[2] = a.ndim == 4 ? (int64_t)a.dims[3] : a.ndim == 3 ? (int64_t)a.dims[2] : (int64_t)cols;
    size_t cells = rows * cols;
    const uint8_t *data = x + a.off;
    if (a.type == T_U1) {
        out->dtype = EO_DTYPE_U8;
        out->u8_scale = 1.0f / 255.0f;
        out->x = eo__alloc_array(cells, 1, o.max_bytes, &rc);
        if (!out->x) return eo_error_at(err, rc, xw, 0, 0, -1, "cannot allocate %zu bytes", cells);
        memcpy(out->x, data, cells);
    } else {
        out->dtype = EO_DTYPE_F32;
        out->u8_scale = 1.0f;
        float *xf = eo__alloc_array(cells, sizeof(float), o.max_bytes, &rc);
        if (!xf) return eo_error_at(err, rc, xw, 0, 0, -1, "cannot allocate %zu x %zu floats", rows, cols);
        out->x = xf;
        for (size_t i = 0; i < cells; i++) {
            double v = npy_value(data + i * a.esize, a.type);
            if (!isfinite(v) || fabs(v) > FLT_MAX) {
                rc = eo_error_at(err, EO_ERR_NUMERIC, xw, 0, 0, (long long)(a.off + i * a.esize),
                                 "row %zu, feature %zu: %s (expected a finite float32)", i / cols + 1, i % cols + 1,
                                 isnan(v) ? "NaN" : "infinite or out-of-range value");
                goto fail;
            }
            xf[i] = (float)v;
        }
    }
    if (y) {
        npy b;
        rc = parse_npy(y, y_len, yw, &b, err);
        if (rc) goto fail;
        if (!(b.ndim == 1 || (b.ndim == 2 && b.dims[1] == 1))) {
            rc = eo_error_at(err, EO_ERR_SHAPE, yw, 0, 0, -1, "y must be 1-D (or N x 1), got %d dimensions", b.ndim);
            goto fail;
        }
        if (b.dims[0] != n) {
            rc = eo_error_at(err, EO_ERR_SHAPE, yw, 0, 0, -1, "y has %zu entries but X has %zu rows", b.dims[0], n);
            goto fail;
        }
        const uint8_t *yd = y + b.off;
        if (o.regression) {
            out->t = eo__alloc_array(rows, sizeof(float), o.max_bytes, &rc);
            if (!out->t) {
                rc = eo_error_at(err, rc, yw, 0, 0, -1, "cannot allocate %zu targets", rows);
                goto fail;
            }
        } else {
            out->y = eo__alloc_array(rows, sizeof(int32_t), o.max_bytes, &rc);
            if (!out->y) {
                rc = eo_error_at(err, rc, yw, 0, 0, -1, "cannot allocate %zu labels", rows);
                goto fail;
            }
        }
        for (size_t i = 0; i < rows; i++) {
            double v = npy_value(yd + i * b.esize, b.type);
            long long off = (long long)(b.off + i * b.esize);
            if (o.regression) {
                if (!isfinite(v) || fabs(v) > FLT_MAX) {
                    rc = eo_error_at(err, EO_ERR_NUMERIC, yw, 0, 0, off, "row %zu: non-finite target", i + 1);
                    goto fail;
                }
                out->t[i] = (float)v;
            } else {
                char why[128];
                if (eo__check_label(v, o.n_classes, why, sizeof why)) {
                    rc = eo_error_at(err, EO_ERR_RANGE, yw, 0, 0, off, "row %zu: %s", i + 1, why);
                    goto fail;
                }
                out->y[i] = (int32_t)v;
            }
        }
        if (!o.regression) out->n_classes = eo__n_classes(out->y, rows, o.n_classes);
    }
    eo__set_name(out, eo__basename(xw));
    return EO_OK;
fail:
    eo_dataset_free(out);
    return rc;
}

int eo_data_load_npy(const char *x_path, const char *y_path, const eo_data_opts *opts, eo_dataset *out,
                     eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    if (!x_path) return eo_error_set(err, EO_ERR_INVALID, "no .npy file given");
    uint8_t *xb = NULL, *yb = NULL;
    size_t xl = 0, yl = 0;
    rc = eo__read_file(x_path, o.max_bytes, &xb, &xl, err);
    if (rc == EO_OK && y_path) rc = eo__read_file(y_path, o.max_bytes, &yb, &yl, err);
    if (rc == EO_OK) rc = eo_data_parse_npy_mem(xb, xl, yb, yl, &o, x_path, y_path, out, err);
    free(xb);
    free(yb);
    return rc;
}
