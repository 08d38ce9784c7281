/* Little-endian byte writer and bounds-checked reader, CRC-32.
 *
 * The reader is the first line of defence against crafted files: every get
 * compares the requested size with the remaining bytes (len - pos, which cannot
 * underflow because pos <= len is an invariant), so no sum of attacker-chosen
 * numbers is ever formed. */
#include "edgeopt/io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

uint32_t eo_io_crc32(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    uLong c = crc;
    while (n > 0) {
        uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}

uint32_t eo_io_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t eo_io_le64(const unsigned char *p)
{
    return (uint64_t)eo_io_le32(p) | (uint64_t)eo_io_le32(p + 4) << 32;
}

void eo_io_store_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void eo_io_store_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* ---------------------------------------------------------------- writer */

void eo_io_writer_init(eo_io_writer *w)
{
    w->data = NULL;
    w->len = w->cap = 0;
    w->failed = 0;
}

/* Make room for n more bytes; returns a pointer to them or NULL (sticky). */
static unsigned char *room(eo_io_writer *w, size_t n)
{
    if (w->failed) return NULL;
    if (n > SIZE_MAX - w->len) {
        w->failed = EO_ERR_RANGE;
        return NULL;
    }
    size_t need = w->len + n;
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        unsigned char *d = realloc(w->data, cap);
        if (!d) {
            w->failed = EO_ERR_NOMEM;
            return NULL;
        }
        w->data = d;
        w->cap = cap;
    }
    unsigned char *p = w->data + w->len;
    w->len = need;
    return p;
}

void eo_io_put_u8(eo_io_writer *w, uint8_t v)
{
    unsigned char *p = room(w, 1);
    if (p) p[0] = v;
}

void eo_io_put_u16(eo_io_writer *w, uint16_t v)
{
    unsigned char *p = room(w, 2);
    if (p) {
        p[0] = (unsigned char)v;
        p[1] = (unsigned char)(v >> 8);
    }
}

void eo_io_put_u32(eo_io_writer *w, uint32_t v)
{
    unsigned char *p = room(w, 4);
    if (p) eo_io_store_le32(p, v);
}

void eo_io_put_u64(eo_io_writer *w, uint64_t v)
{
    unsigned char *p = room(w, 8);
    if (p) eo_io_store_le64(p, v);
}

void eo_io_put_i32(eo_io_writer *w, int32_t v) { eo_io_put_u32(w, (uint32_t)v); }
void eo_io_put_i64(eo_io_writer *w, int64_t v) { eo_io_put_u64(w, (uint64_t)v); }

void eo_io_put_f32(eo_io_writer *w, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    eo_io_put_u32(w, u);
}

void eo_io_put_f64(eo_io_writer *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    eo_io_put_u64(w, u);
}

void eo_io_put_bytes(eo_io_writer *w, const void *src, size_t n)
{
    if (n == 0) return;
    unsigned char *p = room(w, n);
    if (p) memcpy(p, src, n);
}

void eo_io_put_zeros(eo_io_writer *w, size_t n)
{
    if (n == 0) return;
    unsigned char *p = room(w, n);
    if (p) memset(p, 0, n);
}

void eo_io_put_str(eo_io_writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX) {
        if (!w->failed) w->failed = EO_ERR_RANGE;
        return;
    }
    eo_io_put_u32(w, (uint32_t)n);
    eo_io_put_bytes(w, s, n);
}

void eo_io_put_align(eo_io_writer *w, size_t align)
{
    if (align < 2) return;
    size_t r = w->len & (align - 1);
    if (r) eo_io_put_zeros(w, align - r);
}

void eo_io_patch_u32(eo_io_writer *w, size_t at, uint32_t v)
{
    if (!w->failed && at <= w->len && w->len - at >= 4) eo_io_store_le32(w->data + at, v);
}

void eo_io_patch_u64(eo_io_writer *w, size_t at, uint64_t v)
{
    if (!w->failed && at <= w->len && w->len - at >= 8) eo_io_store_le64(w->data + at, v);
}

int eo_io_writer_finish(eo_io_writer *w, unsigned char **out, size_t *len)
{
    int st = w->failed;
    if (st) {
        eo_io_writer_free(w);
        return st;
    }
    if (!w->data) { /* empty: still hand out a valid buffer */
        w->data = malloc(1);
        if (!w->data) return EO_ERR_NOMEM;
    }
    *out = w->data;
    *len = w->len;
    eo_io_writer_init(w);
    return EO_OK;
}

void eo_io_writer_free(eo_io_writer *w)
{
    free(w->data);
    eo_io_writer_init(w);
}

/* ---------------------------------------------------------------- reader */

void eo_io_reader_init(eo_io_reader *r, const void *data, size_t len, const char *where,
                       eo_error *err)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->where = where;
    r->err = err;
    r->status = EO_OK;
}

size_t eo_io_remaining(const eo_io_reader *r) { return r->len - r->pos; }

int eo_io_reader_fail(eo_io_reader *r, int code, uint64_t at, const char *fmt, ...)
{
    if (r->status) return r->status;
    r->status = code;
    if (r->err) {
        char msg[sizeof r->err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        long long off = at > (uint64_t)INT64_MAX ? -1 : (long long)at;
        eo_error_at(r->err, code, r->where, 0, 0, off, "%s", msg);
    }
    return code;
}

/* Borrow n bytes at the cursor, or fail with the offset. */
static const unsigned char *take(eo_io_reader *r, const char *what, size_t n)
{
    if (r->status) return NULL;
    if (n > r->len - r->pos) {
        eo_io_reader_fail(r, EO_ERR_FORMAT, r->pos,
                          "truncated: %s at offset %zu needs %zu bytes but only %zu remain",
                          what ? what : "a field", r->pos, n, r->len - r->pos);
        return NULL;
    }
    const unsigned char *p = r->data + r->pos;
    r->pos += n;
    return p;
}

int eo_io_get_u8(eo_io_reader *r, const char *what, uint8_t *v)
{
    const unsigned char *p = take(r, what, 1);
    *v = p ? p[0] : 0;
    return r->status;
}

int eo_io_get_u16(eo_io_reader *r, const char *what, uint16_t *v)
{
    const unsigned char *p = take(r, what, 2);
    *v = p ? (uint16_t)(p[0] | p[1] << 8) : 0;
    return r->status;
}

int eo_io_get_u32(eo_io_reader *r, const char *what, uint32_t *v)
{
    const unsigned char *p = take(r, what, 4);
    *v = p ? eo_io_le32(p) : 0;
    return r->status;
}

int eo_io_get_u64(eo_io_reader *r, const char *what, uint64_t *v)
{
    const unsigned char *p = take(r, what, 8);
    *v = p ? eo_io_le64(p) : 0;
    return r->status;
}

int eo_io_get_i32(eo_io_reader *r, const char *what, int32_t *v)
{
    uint32_t u;
    eo_io_get_u32(r, what, &u);
    memcpy(v, &u, 4); /* two's complement reinterpretation, no UB */
    return r->status;
}

int eo_io_get_i64(eo_io_reader *r, const char *what, int64_t *v)
{
    uint64_t u;
    eo_io_get_u64(r, what, &u);
    memcpy(v, &u, 8);
    return r->status;
}

int eo_io_get_f32(eo_io_reader *r, const char *what, float *v)
{
    uint32_t u;
    eo_io_get_u32(r, what, &u);
    memcpy(v, &u, 4);
    return r->status;
}

int eo_io_get_f64(eo_io_reader *r, const char *what, double *v)
{
    uint64_t u;
    eo_io_get_u64(r, what, &u);
    memcpy(v, &u, 8);
    return r->status;
}

int eo_io_get_bytes(eo_io_reader *r, const char *what, size_t n, const unsigned char **p)
{
    *p = take(r, what, n);
    return r->status;
}

int eo_io_get_str(eo_io_reader *r, const char *what, char *buf, size_t cap)
{
    uint32_t n;
    size_t at = r->pos;
    if (cap) buf[0] = '\0';
    if (eo_io_get_u32(r, what, &n)) return r->status;
    if (cap == 0 || n > cap - 1)
        return eo_io_reader_fail(r, EO_ERR_FORMAT, at,
                                 "%s: string length %u at offset %zu exceeds the limit of %zu bytes",
                                 what ? what : "string", n, at, cap ? cap - 1 : 0);
    const unsigned char *p = take(r, what, n);
    if (!p) return r->status;
    if (n && memchr(p, 0, n))
        return eo_io_reader_fail(r, EO_ERR_FORMAT, at, "%s: string at offset %zu contains a NUL byte",
                                 what ? what : "string", at);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return EO_OK;
}

int eo_io_seek(eo_io_reader *r, const char *what, uint64_t to)
{
    if (r->status) return r->status;
    if (to > (uint64_t)r->len)
        return eo_io_reader_fail(r, EO_ERR_FORMAT, r->pos,
                                 "%s: offset %llu is beyond the end of the file (%zu bytes)",
                                 what ? what : "offset", (unsigned long long)to, r->len);
    r->pos = (size_t)to;
    return EO_OK;
}
