/* The .eom reader. A model file is untrusted: the checks run in this order
 *   magic -> version -> header size -> declared file size -> CRC-32 ->
 *   section offsets -> metadata entries -> tensor table
 * and every count, length and offset is compared with what is left of the
 * buffer before anything is allocated or read, so a crafted file can make the
 * reader allocate at most about twice its own length. */
#include "edgeopt/modelfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/io.h"

#define MAX_ENTRIES 65536u

struct eo_mf_reader {
    unsigned char *owned; /* file buffer when opened from a path */
    const unsigned char *data;
    size_t len;
    char where[256];
    uint32_t version;
    eo_mf_meta *meta;
    size_t nmeta;
    eo_mf_tensor *t;
    size_t nt;
    size_t *meta_sorted; /* indices sorted by key, for lookups */
    size_t *t_sorted;
};

void eo_mf_reader_destroy(eo_mf_reader *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nmeta; i++) {
        free((void *)r->meta[i].key);
        free((void *)r->meta[i].s);
        free((void *)r->meta[i].ints);
        free((void *)r->meta[i].floats);
    }
    for (size_t i = 0; i < r->nt; i++) free((void *)r->t[i].name);
    free(r->meta);
    free(r->t);
    free(r->meta_sorted);
    free(r->t_sorted);
    free(r->owned);
    free(r);
}

/* Read a u16-length name; validates characters. Returns a malloc'd copy. */
static char *get_name(eo_io_reader *rd, const char *what)
{
    uint16_t n;
    size_t at = rd->pos;
    if (eo_io_get_u16(rd, what, &n)) return NULL;
    const unsigned char *p;
    if (n == 0 || n > EO_MF_MAX_NAME) {
        eo_io_reader_fail(rd, EO_ERR_FORMAT, at, "%s at offset %zu has length %u (expected 1..%d)", what, at,
                          (unsigned)n, EO_MF_MAX_NAME);
        return NULL;
    }
    if (eo_io_get_bytes(rd, what, n, &p)) return NULL;
    for (uint16_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        if (!ok) {
            eo_io_reader_fail(rd, EO_ERR_FORMAT, at + 2 + i, "%s at offset %zu has an invalid character (0x%02x)",
                              what, at, c);
            return NULL;
        }
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        eo_io_reader_fail(rd, EO_ERR_NOMEM, at, "out of memory");
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int parse_meta(eo_mf_reader *r, eo_io_reader *rd, size_t i)
{
    eo_mf_meta *m = &r->meta[i];
    size_t at = rd->pos;
    char *key = get_name(rd, "metadata key");
    if (!key) return rd->status;
    m->key = key;
    uint8_t type;
    if (eo_io_get_u8(rd, "metadata type", &type)) return rd->status;
    m->type = (eo_mf_type)type;
    switch (type) {
    case EO_MF_INT: return eo_io_get_i64(rd, "int value", &m->i);
    case EO_MF_FLOAT: return eo_io_get_f64(rd, "float value", &m->f);
    case EO_MF_STR: {
        uint32_t n;
        const unsigned char *p;
        size_t sat = rd->pos;
        if (eo_io_get_u32(rd, "string length", &n) || eo_io_get_bytes(rd, "string value", n, &p))
            return rd->status;
        if (n && memchr(p, 0, n))
            return eo_io_reader_fail(rd, EO_ERR_FORMAT, sat, "string value of '%s' contains a NUL byte", key);
        char *s = malloc((size_t)n + 1);
        if (!s) return eo_io_reader_fail(rd, EO_ERR_NOMEM, sat, "out of memory");
        if (n) memcpy(s, p, n);
        s[n] = '\0';
        m->s = s;
        m->n = n;
        return EO_OK;
    }
    case EO_MF_INTS:
    case EO_MF_FLOATS: {
        uint64_t n;
        size_t cat = rd->pos;
        if (eo_io_get_u64(rd, "array length", &n)) return rd->status;
        if (n > eo_io_remaining(rd) / 8)
            return eo_io_reader_fail(rd, EO_ERR_FORMAT, cat,
                                     "array '%s' claims %llu entries at offset %zu but only %zu bytes remain", key,
                                     (unsigned long long)n, cat, eo_io_remaining(rd));
        void *arr = malloc(n ? (size_t)n * 8 : 1);
        if (!arr) return eo_io_reader_fail(rd, EO_ERR_NOMEM, cat, "out of memory");
        for (size_t k = 0; k < (size_t)n; k++) {
            uint64_t u;
            eo_io_get_u64(rd, "array entry", &u);
            memcpy((unsigned char *)arr + 8 * k, &u, 8);
        }
        if (type == EO_MF_INTS)
            m->ints = arr;
        else
            m->floats = arr;
        m->n = (size_t)n;
        return rd->status;
    }
    default:
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, at + 2 + strlen(key),
                                 "metadata '%s' has unknown type %u (written by a newer edgeopt?)", key,
                                 (unsigned)type);
    }
}

static int parse_tensor(eo_mf_reader *r, eo_io_reader *rd, size_t i, uint64_t data_off, uint64_t data_size)
{
    eo_mf_tensor *t = &r->t[i];
    size_t at = rd->pos;
    char *name = get_name(rd, "tensor name");
    if (!name) return rd->status;
    t->name = name;
    uint8_t dtype, ndim;
    if (eo_io_get_u8(rd, "tensor dtype", &dtype) || eo_io_get_u8(rd, "tensor ndim", &ndim)) return rd->status;
    if (dtype >= EO_MF_DTYPE_COUNT)
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, rd->pos - 2,
                                 "tensor '%s' has unknown dtype %u (written by a newer edgeopt?)", name,
                                 (unsigned)dtype);
    if (ndim > EO_MF_MAX_DIMS)
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, rd->pos - 1, "tensor '%s' has %u dimensions (at most %d)",
                                 name, (unsigned)ndim, EO_MF_MAX_DIMS);
    t->dtype = (eo_mf_dtype)dtype;
    t->ndim = ndim;
    uint64_t numel = 1;
    int overflow = 0;
    for (int d = 0; d < ndim; d++) {
        uint64_t v;
        size_t dat = rd->pos;
        if (eo_io_get_u64(rd, "tensor dimension", &v)) return rd->status;
        if (v > (uint64_t)INT64_MAX)
            return eo_io_reader_fail(rd, EO_ERR_FORMAT, dat, "tensor '%s': dimension %d is too large (%llu)", name,
                                     d, (unsigned long long)v);
        t->dims[d] = (int64_t)v;
        if (v && numel > UINT64_MAX / v) overflow = 1;
        numel = overflow ? 0 : numel * v;
    }
    uint64_t off, nbytes, want;
    size_t oat = rd->pos;
    if (eo_io_get_u64(rd, "tensor offset", &off) || eo_io_get_u64(rd, "tensor size", &nbytes)) return rd->status;
    if (overflow || !eo_mf_dtype_bytes(dtype, numel, &want))
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, at, "tensor '%s': the element count overflows", name);
    if (nbytes != want)
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, oat + 8,
                                 "tensor '%s': size %llu bytes does not match its shape and dtype (%llu bytes)",
                                 name, (unsigned long long)nbytes, (unsigned long long)want);
    if (off % EO_MF_ALIGN)
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, oat, "tensor '%s': offset %llu is not a multiple of %d", name,
                                 (unsigned long long)off, EO_MF_ALIGN);
    if (off > data_size || nbytes > data_size - off)
        return eo_io_reader_fail(rd, EO_ERR_FORMAT, oat,
                                 "tensor '%s': bytes %llu..%llu lie outside the data section (%llu bytes)", name,
                                 (unsigned long long)off, (unsigned long long)off + (nbytes > data_size ? 0 : nbytes),
                                 (unsigned long long)data_size);
    t->numel = numel;
    t->offset = data_off + off;
    t->nbytes = (size_t)nbytes;
    t->data = r->data + t->offset;
    return EO_OK;
}

/* Sorting index arrays by name (qsort has no context argument: sort pointers). */
typedef struct named {
    const char *name;
    size_t idx;
} named;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Build r's sorted index over n names; returns the first duplicate or NULL. */
static const char *sort_names(size_t n, const char *(*get)(const eo_mf_reader *, size_t), const eo_mf_reader *r,
                              size_t **out, int *nomem)
{
    *nomem = 0;
    *out = NULL;
    if (n == 0) return NULL;
    named *tmp = malloc(n * sizeof *tmp);
    size_t *idx = malloc(n * sizeof *idx);
    if (!tmp || !idx) {
        free(tmp);
        free(idx);
        *nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        tmp[i].name = get(r, i);
        tmp[i].idx = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_named);
    const char *dup = NULL;
    for (size_t i = 0; i < n; i++) {
        idx[i] = tmp[i].idx;
        if (i && !dup && !strcmp(tmp[i].name, tmp[i - 1].name)) dup = tmp[i].name;
    }
    free(tmp);
    *out = idx;
    return dup;
}

static const char *meta_name(const eo_mf_reader *r, size_t i) { return r->meta[i].key; }
static const char *tensor_name(const eo_mf_reader *r, size_t i) { return r->t[i].name; }

static int parse(eo_mf_reader *r, eo_error *err)
{
    eo_io_reader rd;
    const char *w = r->where;
    const unsigned char *d = r->data;
    size_t len = r->len;
    size_t nm = len < 8 ? len : 8;
    if (len == 0) return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 0, "empty file, not an edgeopt model");
    if (memcmp(d, EO_MF_MAGIC, nm) != 0)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 0, "not an edgeopt model file (bad magic)");
    if (len < EO_MF_HEADER_SIZE)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)len,
                           "truncated: the header needs %d bytes but the file has %zu", EO_MF_HEADER_SIZE, len);
    eo_io_reader_init(&rd, d, len, w, err);
    eo_io_seek(&rd, NULL, 8);
    uint32_t version, hsize, nmeta, ntens;
    uint64_t fsize, meta_off, table_off, data_off, data_size;
    eo_io_get_u32(&rd, "version", &version);
    eo_io_get_u32(&rd, "header size", &hsize);
    eo_io_get_u64(&rd, "file size", &fsize);
    eo_io_get_u32(&rd, "metadata count", &nmeta);
    eo_io_get_u32(&rd, "tensor count", &ntens);
    eo_io_get_u64(&rd, "metadata offset", &meta_off);
    eo_io_get_u64(&rd, "tensor table offset", &table_off);
    eo_io_get_u64(&rd, "data offset", &data_off);
    eo_io_get_u64(&rd, "data size", &data_size);
    if (rd.status) return rd.status;
    r->version = version;
    if (version == 0)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 8, "invalid model format version 0");
    if (version > EO_MF_VERSION)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 8,
                           "model format version %u is newer than this edgeopt %s reads (up to %d): "
                           "upgrade edgeopt to load it",
                           version, EO_VERSION_STRING, EO_MF_VERSION);
    if (hsize < EO_MF_HEADER_SIZE || hsize % 8 || hsize > len)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 12, "invalid header size %u (file has %zu bytes)", hsize,
                           len);
    if (fsize != (uint64_t)len) {
        if (fsize > (uint64_t)len)
            return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 16,
                               "truncated: the header says %llu bytes but the file has %zu",
                               (unsigned long long)fsize, len);
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 16,
                           "the header says %llu bytes but the file has %zu (trailing data)",
                           (unsigned long long)fsize, len);
    }
    size_t body = len - 4; /* len >= 64 here */
    uint32_t stored = eo_io_le32(d + body), crc = eo_io_crc32(0, d, body);
    if (stored != crc)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)body,
                           "checksum mismatch (stored 0x%08x, computed 0x%08x): the file is corrupted", stored,
                           crc);
    /* Sections in order, inside the body. */
    if (meta_off < hsize || meta_off > body)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 32, "metadata offset %llu is outside %u..%zu",
                           (unsigned long long)meta_off, hsize, body);
    if (table_off < meta_off || table_off > body)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 40, "tensor table offset %llu is outside %llu..%zu",
                           (unsigned long long)table_off, (unsigned long long)meta_off, body);
    if (data_off < table_off || data_off > body || data_off % EO_MF_ALIGN)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 48,
                           "data offset %llu is not a multiple of %d within %llu..%zu",
                           (unsigned long long)data_off, EO_MF_ALIGN, (unsigned long long)table_off, body);
    if (data_size != body - data_off)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 56,
                           "data size %llu does not match the file (%llu bytes between the data offset and the "
                           "checksum)",
                           (unsigned long long)data_size, (unsigned long long)(body - data_off));
    /* Counts: each entry takes at least 12 (metadata) / 20 (tensor) bytes. */
    if (nmeta > MAX_ENTRIES || nmeta > (table_off - meta_off) / 12)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 24,
                           "metadata count %u does not fit in its %llu-byte section", nmeta,
                           (unsigned long long)(table_off - meta_off));
    if (ntens > MAX_ENTRIES || ntens > (data_off - table_off) / 20)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, 28, "tensor count %u does not fit in its %llu-byte section",
                           ntens, (unsigned long long)(data_off - table_off));
    r->meta = calloc(nmeta ? nmeta : 1, sizeof *r->meta);
    r->t = calloc(ntens ? ntens : 1, sizeof *r->t);
    if (!r->meta || !r->t) return eo_error_at(err, EO_ERR_NOMEM, w, 0, 0, -1, "out of memory");

    eo_io_reader_init(&rd, d, (size_t)table_off, w, err); /* metadata may not run into the table */
    eo_io_seek(&rd, NULL, meta_off);
    for (size_t i = 0; i < nmeta; i++) {
        r->nmeta = i + 1; /* so destroy frees a partly parsed entry */
        if (parse_meta(r, &rd, i)) return rd.status;
    }
    if (rd.pos != table_off)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)rd.pos,
                           "%llu unexplained bytes between the metadata and the tensor table",
                           (unsigned long long)(table_off - rd.pos));
    eo_io_reader_init(&rd, d, (size_t)data_off, w, err);
    eo_io_seek(&rd, NULL, table_off);
    for (size_t i = 0; i < ntens; i++) {
        r->nt = i + 1;
        if (parse_tensor(r, &rd, i, data_off, data_size)) return rd.status;
    }
    if (data_off - rd.pos >= EO_MF_ALIGN)
        return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)rd.pos,
                           "%llu unexplained bytes between the tensor table and the data",
                           (unsigned long long)(data_off - rd.pos));
    int nomem;
    const char *dup = sort_names(r->nmeta, meta_name, r, &r->meta_sorted, &nomem);
    if (nomem) return eo_error_at(err, EO_ERR_NOMEM, w, 0, 0, -1, "out of memory");
    if (dup) return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)meta_off, "metadata key '%s' appears twice", dup);
    dup = sort_names(r->nt, tensor_name, r, &r->t_sorted, &nomem);
    if (nomem) return eo_error_at(err, EO_ERR_NOMEM, w, 0, 0, -1, "out of memory");
    if (dup) return eo_error_at(err, EO_ERR_FORMAT, w, 0, 0, (long long)table_off, "tensor '%s' appears twice", dup);
    return EO_OK;
}

int eo_mf_reader_parse(const void *data, size_t len, const char *where, eo_mf_reader **out, eo_error *err)
{
    *out = NULL;
    eo_mf_reader *r = calloc(1, sizeof *r);
    if (!r) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    r->data = data;
    r->len = data ? len : 0;
    snprintf(r->where, sizeof r->where, "%s", where ? where : "<memory>");
    int st = parse(r, err);
    if (st) {
        eo_mf_reader_destroy(r);
        return st;
    }
    *out = r;
    return EO_OK;
}

int eo_mf_reader_open(const char *path, size_t max_bytes, eo_mf_reader **out, eo_error *err)
{
    unsigned char *buf;
    size_t len;
    *out = NULL;
    int st = eo_io_read_file(path, max_bytes ? max_bytes : EO_MF_MAX_FILE, &buf, &len, err);
    if (st) return st;
    st = eo_mf_reader_parse(buf, len, path, out, err);
    if (st) {
        free(buf);
        return st;
    }
    (*out)->owned = buf;
    return EO_OK;
}

uint32_t eo_mf_reader_version(const eo_mf_reader *r) { return r->version; }
size_t eo_mf_reader_size(const eo_mf_reader *r) { return r->len; }
const char *eo_mf_reader_where(const eo_mf_reader *r) { return r->where; }
size_t eo_mf_meta_count(const eo_mf_reader *r) { return r->nmeta; }
size_t eo_mf_tensor_count(const eo_mf_reader *r) { return r->nt; }

const eo_mf_meta *eo_mf_meta_at(const eo_mf_reader *r, size_t i) { return i < r->nmeta ? &r->meta[i] : NULL; }
const eo_mf_tensor *eo_mf_tensor_at(const eo_mf_reader *r, size_t i) { return i < r->nt ? &r->t[i] : NULL; }

/* Binary search over a sorted index. */
static long find_sorted(const size_t *idx, size_t n, const char *key,
                        const char *(*get)(const eo_mf_reader *, size_t), const eo_mf_reader *r)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(get(r, idx[mid]), key);
        if (c == 0) return (long)idx[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const eo_mf_meta *eo_mf_meta_find(const eo_mf_reader *r, const char *key)
{
    long i = key ? find_sorted(r->meta_sorted, r->nmeta, key, meta_name, r) : -1;
    return i < 0 ? NULL : &r->meta[i];
}

const eo_mf_tensor *eo_mf_tensor_find(const eo_mf_reader *r, const char *name)
{
    long i = name ? find_sorted(r->t_sorted, r->nt, name, tensor_name, r) : -1;
    return i < 0 ? NULL : &r->t[i];
}

static const char *type_name(eo_mf_type t)
{
    switch (t) {
    case EO_MF_INT: return "int";
    case EO_MF_FLOAT: return "float";
    case EO_MF_STR: return "string";
    case EO_MF_INTS: return "int array";
    case EO_MF_FLOATS: return "float array";
    }
    return "unknown";
}

static const eo_mf_meta *typed(const eo_mf_reader *r, const char *key, eo_mf_type t, int *st, eo_error *err)
{
    const eo_mf_meta *m = eo_mf_meta_find(r, key);
    if (!m) {
        *st = eo_error_at(err, EO_ERR_NOT_FOUND, r->where, 0, 0, -1, "metadata '%s' is missing", key);
        return NULL;
    }
    if (m->type != t) {
        *st = eo_error_at(err, EO_ERR_FORMAT, r->where, 0, 0, -1, "metadata '%s' is a %s, expected a %s", key,
                          type_name(m->type), type_name(t));
        return NULL;
    }
    *st = EO_OK;
    return m;
}

int eo_mf_get_int(const eo_mf_reader *r, const char *key, int64_t *v, eo_error *err)
{
    int st;
    const eo_mf_meta *m = typed(r, key, EO_MF_INT, &st, err);
    if (m) *v = m->i;
    return st;
}

int eo_mf_get_float(const eo_mf_reader *r, const char *key, double *v, eo_error *err)
{
    int st;
    const eo_mf_meta *m = typed(r, key, EO_MF_FLOAT, &st, err);
    if (m) *v = m->f;
    return st;
}

int eo_mf_get_str(const eo_mf_reader *r, const char *key, const char **v, eo_error *err)
{
    int st;
    const eo_mf_meta *m = typed(r, key, EO_MF_STR, &st, err);
    if (m) *v = m->s;
    return st;
}

int eo_mf_get_ints(const eo_mf_reader *r, const char *key, const int64_t **v, size_t *n, eo_error *err)
{
    int st;
    const eo_mf_meta *m = typed(r, key, EO_MF_INTS, &st, err);
    if (m) {
        *v = m->ints;
        *n = m->n;
    }
    return st;
}

int eo_mf_get_floats(const eo_mf_reader *r, const char *key, const double **v, size_t *n, eo_error *err)
{
    int st;
    const eo_mf_meta *m = typed(r, key, EO_MF_FLOATS, &st, err);
    if (m) {
        *v = m->floats;
        *n = m->n;
    }
    return st;
}

int eo_mf_tensor_get(const eo_mf_reader *r, const char *name, eo_mf_dtype dtype, uint64_t numel,
                     const eo_mf_tensor **t, eo_error *err)
{
    const eo_mf_tensor *x = eo_mf_tensor_find(r, name);
    *t = NULL;
    if (!x) return eo_error_at(err, EO_ERR_NOT_FOUND, r->where, 0, 0, -1, "tensor '%s' is missing", name);
    if (x->dtype != dtype)
        return eo_error_at(err, EO_ERR_FORMAT, r->where, 0, 0, (long long)x->offset, "tensor '%s' is %s, expected %s",
                           name, eo_mf_dtype_name(x->dtype), eo_mf_dtype_name(dtype));
    if (numel != UINT64_MAX && x->numel != numel)
        return eo_error_at(err, EO_ERR_FORMAT, r->where, 0, 0, (long long)x->offset,
                           "tensor '%s' has %llu elements, expected %llu", name, (unsigned long long)x->numel,
                           (unsigned long long)numel);
    *t = x;
    return EO_OK;
}

static int check_read(const eo_mf_tensor *t, eo_mf_dtype want, size_t n, eo_error *err)
{
    if (t->dtype != want)
        return eo_error_set(err, EO_ERR_FORMAT, "tensor '%s' is %s, not %s", t->name, eo_mf_dtype_name(t->dtype),
                            eo_mf_dtype_name(want));
    if ((uint64_t)n != t->numel)
        return eo_error_set(err, EO_ERR_SHAPE, "tensor '%s' has %llu elements, the caller expects %zu", t->name,
                            (unsigned long long)t->numel, n);
    return EO_OK;
}

int eo_mf_tensor_read_f32(const eo_mf_tensor *t, float *dst, size_t n, eo_error *err)
{
    int st = check_read(t, EO_MF_F32, n, err);
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = eo_io_le32(t->data + 4 * i);
        memcpy(&dst[i], &u, 4);
    }
    return EO_OK;
}

int eo_mf_tensor_read_f64(const eo_mf_tensor *t, double *dst, size_t n, eo_error *err)
{
    int st = check_read(t, EO_MF_F64, n, err);
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = eo_io_le64(t->data + 8 * i);
        memcpy(&dst[i], &u, 8);
    }
    return EO_OK;
}

int eo_mf_tensor_read_i32(const eo_mf_tensor *t, int32_t *dst, size_t n, eo_error *err)
{
    int st = check_read(t, EO_MF_I32, n, err);
    if (st) return st;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = eo_io_le32(t->data + 4 * i);
        memcpy(&dst[i], &u, 4);
    }
    return EO_OK;
}

int eo_mf_tensor_read_bytes(const eo_mf_tensor *t, void *dst, size_t nbytes, eo_error *err)
{
    if (nbytes != t->nbytes)
        return eo_error_set(err, EO_ERR_SHAPE, "tensor '%s' has %zu bytes, the caller expects %zu", t->name,
                            t->nbytes, nbytes);
    if (nbytes) memcpy(dst, t->data, nbytes);
    return EO_OK;
}
