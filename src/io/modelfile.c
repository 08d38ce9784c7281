/* The .eom container: typed metadata + named tensors, little-endian, CRC-32.
 * Byte layout: docs/model-format.md. Everything is written field by field with
 * the eo_io_writer and read back with the bounds-checked eo_io_reader. */
#include "edgeopt/modelfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/io.h"

#define MAX_ENTRIES 65536u /* metadata entries and tensors per file (format limit) */

static const char *const dtype_names[EO_MF_DTYPE_COUNT] = {
    [EO_MF_F32] = "f32", [EO_MF_I8] = "i8", [EO_MF_I32] = "i32",
    [EO_MF_U8] = "u8",   [EO_MF_U4] = "u4", [EO_MF_F64] = "f64",
};

const char *eo_mf_dtype_name(int dtype)
{
    return dtype >= 0 && dtype < EO_MF_DTYPE_COUNT ? dtype_names[dtype] : "unknown";
}

int eo_mf_dtype_from_name(const char *name)
{
    for (int i = 0; name && i < EO_MF_DTYPE_COUNT; i++)
        if (!strcmp(name, dtype_names[i])) return i;
    return -1;
}

int eo_mf_dtype_bytes(int dtype, uint64_t numel, uint64_t *bytes)
{
    uint64_t size;
    switch (dtype) {
    case EO_MF_F32:
    case EO_MF_I32: size = 4; break;
    case EO_MF_I8:
    case EO_MF_U8: size = 1; break;
    case EO_MF_F64: size = 8; break;
    case EO_MF_U4: *bytes = numel / 2 + (numel & 1); return 1;
    default: return 0;
    }
    if (numel > UINT64_MAX / size) return 0;
    *bytes = numel * size;
    return 1;
}

static int valid_name(const char *s)
{
    size_t n = 0;
    if (!s) return 0;
    for (; s[n]; n++) {
        char c = s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        if (!ok || n >= EO_MF_MAX_NAME) return 0;
    }
    return n > 0;
}

static char *dupstr(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ================================================================ writer */

typedef struct wmeta {
    char *key;
    eo_mf_type type;
    int64_t i;
    double f;
    char *s;
    void *arr; /* int64_t[] or double[] */
    size_t n;
} wmeta;

typedef struct wtensor {
    char *name;
    eo_mf_dtype dtype;
    int ndim;
    int64_t dims[EO_MF_MAX_DIMS];
    unsigned char *bytes; /* little-endian */
    size_t nbytes;
} wtensor;

struct eo_mf_writer {
    wmeta *meta;
    size_t nmeta, capmeta;
    wtensor *t;
    size_t nt, capt;
    int failed;
    char why[200];
};

int eo_mf_writer_create(eo_mf_writer **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? EO_OK : EO_ERR_NOMEM;
}

void eo_mf_writer_destroy(eo_mf_writer *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->nmeta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].s);
        free(w->meta[i].arr);
    }
    for (size_t i = 0; i < w->nt; i++) {
        free(w->t[i].name);
        free(w->t[i].bytes);
    }
    free(w->meta);
    free(w->t);
    free(w);
}

static int wfail(eo_mf_writer *w, int code, const char *fmt, const char *name)
{
    if (!w->failed) {
        w->failed = code;
        snprintf(w->why, sizeof w->why, fmt, name ? name : "");
    }
    return code;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return 1;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (!p) return 0;
    *arr = p;
    *cap = nc;
    return 1;
}

static wmeta *new_meta(eo_mf_writer *w, const char *key, eo_mf_type type)
{
    if (w->failed) return NULL;
    if (!valid_name(key)) {
        wfail(w, EO_ERR_INVALID, "invalid metadata key '%.100s' (1..255 of A-Z a-z 0-9 . _ -)", key);
        return NULL;
    }
    for (size_t i = 0; i < w->nmeta; i++)
        if (!strcmp(w->meta[i].key, key)) {
            wfail(w, EO_ERR_INVALID, "metadata key '%.100s' set twice", key);
            return NULL;
        }
    if (w->nmeta >= MAX_ENTRIES) {
        wfail(w, EO_ERR_RANGE, "too many metadata entries%s", "");
        return NULL;
    }
    if (!grow((void **)&w->meta, &w->capmeta, w->nmeta, sizeof *w->meta)) {
        wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
        return NULL;
    }
    wmeta *m = &w->meta[w->nmeta];
    memset(m, 0, sizeof *m);
    m->key = dupstr(key, strlen(key));
    if (!m->key) {
        wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
        return NULL;
    }
    m->type = type;
    w->nmeta++;
    return m;
}

int eo_mf_put_int(eo_mf_writer *w, const char *key, int64_t v)
{
    wmeta *m = new_meta(w, key, EO_MF_INT);
    if (!m) return w->failed;
    m->i = v;
    return EO_OK;
}

int eo_mf_put_float(eo_mf_writer *w, const char *key, double v)
{
    wmeta *m = new_meta(w, key, EO_MF_FLOAT);
    if (!m) return w->failed;
    m->f = v;
    return EO_OK;
}

int eo_mf_put_str(eo_mf_writer *w, const char *key, const char *v)
{
    if (!v) v = "";
    wmeta *m = new_meta(w, key, EO_MF_STR);
    if (!m) return w->failed;
    m->n = strlen(v);
    if (m->n > UINT32_MAX) return wfail(w, EO_ERR_RANGE, "string value of '%.100s' is too long", key);
    m->s = dupstr(v, m->n);
    if (!m->s) return wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
    return EO_OK;
}

static int put_array(eo_mf_writer *w, const char *key, eo_mf_type type, const void *v, size_t n)
{
    wmeta *m = new_meta(w, key, type);
    if (!m) return w->failed;
    m->n = n;
    m->arr = malloc(n ? n * 8 : 1);
    if (!m->arr) return wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
    if (n) memcpy(m->arr, v, n * 8);
    return EO_OK;
}

int eo_mf_put_ints(eo_mf_writer *w, const char *key, const int64_t *v, size_t n)
{
    if (n > (SIZE_MAX >> 4)) return wfail(w, EO_ERR_RANGE, "array '%.100s' is too long", key);
    return put_array(w, key, EO_MF_INTS, v, n);
}

int eo_mf_put_floats(eo_mf_writer *w, const char *key, const double *v, size_t n)
{
    if (n > (SIZE_MAX >> 4)) return wfail(w, EO_ERR_RANGE, "array '%.100s' is too long", key);
    return put_array(w, key, EO_MF_FLOATS, v, n);
}

int eo_mf_put_tensor(eo_mf_writer *w, const char *name, eo_mf_dtype dtype, int ndim, const int64_t *dims,
                     const void *data)
{
    if (w->failed) return w->failed;
    if (!valid_name(name))
        return wfail(w, EO_ERR_INVALID, "invalid tensor name '%.100s' (1..255 of A-Z a-z 0-9 . _ -)", name);
    if ((int)dtype < 0 || dtype >= EO_MF_DTYPE_COUNT || ndim < 0 || ndim > EO_MF_MAX_DIMS ||
        (ndim > 0 && !dims))
        return wfail(w, EO_ERR_INVALID, "tensor '%.100s': bad dtype or number of dimensions", name);
    for (size_t i = 0; i < w->nt; i++)
        if (!strcmp(w->t[i].name, name)) return wfail(w, EO_ERR_INVALID, "tensor '%.100s' added twice", name);
    if (w->nt >= MAX_ENTRIES) return wfail(w, EO_ERR_RANGE, "too many tensors%s", "");
    uint64_t numel = 1, nbytes;
    for (int d = 0; d < ndim; d++) {
        if (dims[d] < 0) return wfail(w, EO_ERR_INVALID, "tensor '%.100s': negative dimension", name);
        if (dims[d] && numel > UINT64_MAX / (uint64_t)dims[d])
            return wfail(w, EO_ERR_RANGE, "tensor '%.100s' is too large", name);
        numel *= (uint64_t)dims[d];
    }
    if (!eo_mf_dtype_bytes(dtype, numel, &nbytes) || nbytes > SIZE_MAX / 2)
        return wfail(w, EO_ERR_RANGE, "tensor '%.100s' is too large", name);
    if (nbytes && !data) return wfail(w, EO_ERR_INVALID, "tensor '%.100s' has no data", name);
    if (!grow((void **)&w->t, &w->capt, w->nt, sizeof *w->t)) return wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
    wtensor *t = &w->t[w->nt];
    memset(t, 0, sizeof *t);
    t->name = dupstr(name, strlen(name));
    t->bytes = malloc(nbytes ? (size_t)nbytes : 1);
    if (!t->name || !t->bytes) {
        free(t->name);
        free(t->bytes);
        return wfail(w, EO_ERR_NOMEM, "out of memory%s", "");
    }
    t->dtype = dtype;
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->dims[d] = dims[d];
    t->nbytes = (size_t)nbytes;
    const unsigned char *src = data;
    switch (dtype) {
    case EO_MF_F32:
    case EO_MF_I32:
        for (size_t i = 0; i < (size_t)numel; i++) {
            uint32_t u;
            memcpy(&u, src + 4 * i, 4);
            eo_io_store_le32(t->bytes + 4 * i, u);
        }
        break;
    case EO_MF_F64:
        for (size_t i = 0; i < (size_t)numel; i++) {
            uint64_t u;
            memcpy(&u, src + 8 * i, 8);
            eo_io_store_le64(t->bytes + 8 * i, u);
        }
        break;
    default:
        if (nbytes) memcpy(t->bytes, src, (size_t)nbytes);
    }
    w->nt++;
    return EO_OK;
}

static void put_name(eo_io_writer *o, const char *s)
{
    size_t n = strlen(s);
    eo_io_put_u16(o, (uint16_t)n);
    eo_io_put_bytes(o, s, n);
}

int eo_mf_writer_encode(eo_mf_writer *w, unsigned char **out, size_t *len, eo_error *err)
{
    *out = NULL;
    *len = 0;
    if (w->failed) return eo_error_set(err, w->failed, "model file: %s", w->why);
    /* Blob layout first, so the table can hold final offsets. */
    uint64_t blob = 0;
    uint64_t *toff = malloc((w->nt ? w->nt : 1) * sizeof *toff);
    if (!toff) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < w->nt; i++) {
        blob = (blob + EO_MF_ALIGN - 1) & ~(uint64_t)(EO_MF_ALIGN - 1);
        toff[i] = blob;
        blob += w->t[i].nbytes;
    }
    eo_io_writer o;
    eo_io_writer_init(&o);
    eo_io_put_bytes(&o, EO_MF_MAGIC, 8);
    eo_io_put_u32(&o, EO_MF_VERSION);
    eo_io_put_u32(&o, EO_MF_HEADER_SIZE);
    eo_io_put_u64(&o, 0);                 /* 16: file size, patched */
    eo_io_put_u32(&o, (uint32_t)w->nmeta);
    eo_io_put_u32(&o, (uint32_t)w->nt);
    eo_io_put_u64(&o, EO_MF_HEADER_SIZE); /* 32: metadata offset */
    eo_io_put_u64(&o, 0);                 /* 40: tensor table offset, patched */
    eo_io_put_u64(&o, 0);                 /* 48: data offset, patched */
    eo_io_put_u64(&o, blob);              /* 56: data size */
    for (size_t i = 0; i < w->nmeta; i++) {
        const wmeta *m = &w->meta[i];
        put_name(&o, m->key);
        eo_io_put_u8(&o, (uint8_t)m->type);
        switch (m->type) {
        case EO_MF_INT: eo_io_put_i64(&o, m->i); break;
        case EO_MF_FLOAT: eo_io_put_f64(&o, m->f); break;
        case EO_MF_STR:
            eo_io_put_u32(&o, (uint32_t)m->n);
            eo_io_put_bytes(&o, m->s, m->n);
            break;
        case EO_MF_INTS:
        case EO_MF_FLOATS:
            eo_io_put_u64(&o, m->n);
            for (size_t k = 0; k < m->n; k++) {
                uint64_t u;
                memcpy(&u, (const unsigned char *)m->arr + 8 * k, 8);
                eo_io_put_u64(&o, u);
            }
            break;
        }
    }
    eo_io_patch_u64(&o, 40, o.len);
    for (size_t i = 0; i < w->nt; i++) {
        const wtensor *t = &w->t[i];
        put_name(&o, t->name);
        eo_io_put_u8(&o, (uint8_t)t->dtype);
        eo_io_put_u8(&o, (uint8_t)t->ndim);
        for (int d = 0; d < t->ndim; d++) eo_io_put_u64(&o, (uint64_t)t->dims[d]);
        eo_io_put_u64(&o, toff[i]);
        eo_io_put_u64(&o, t->nbytes);
    }
    eo_io_put_align(&o, EO_MF_ALIGN);
    size_t data_off = o.len;
    eo_io_patch_u64(&o, 48, data_off);
    for (size_t i = 0; i < w->nt; i++) {
        eo_io_put_zeros(&o, (size_t)(data_off + toff[i] - o.len));
        eo_io_put_bytes(&o, w->t[i].bytes, w->t[i].nbytes);
    }
    free(toff);
    eo_io_patch_u64(&o, 16, (uint64_t)o.len + 4);
    uint32_t crc = o.failed ? 0 : eo_io_crc32(0, o.data, o.len);
    eo_io_put_u32(&o, crc);
    int st = eo_io_writer_finish(&o, out, len);
    if (st) return eo_error_set(err, st, "model file: out of memory while encoding");
    return EO_OK;
}

int eo_mf_writer_save(eo_mf_writer *w, const char *path, eo_error *err)
{
    unsigned char *buf;
    size_t len;
    int st = eo_mf_writer_encode(w, &buf, &len, err);
    if (st) {
        if (err) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            eo_error_at(err, st, path, 0, 0, -1, "%s", msg);
        }
        return st;
    }
    eo_io_piece piece = {buf, len};
    st = eo_io_write_atomic(path, &piece, 1, err);
    free(buf);
    return st;
}
