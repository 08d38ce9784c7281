/* Bounded gzip inflation (zlib).
 *
 * The output buffer starts at the size the gzip trailer announces (ISIZE,
 * the length mod 2^32) when that is plausible, else a small multiple of the
 * input, and grows by half again whenever it fills. It never exceeds
 *   min(max_out, 1032 * len + 64)
 * because deflate cannot expand data by more than 1032:1 (RFC 1951: the best
 * case codes a 258-byte match in 2 bits), so a small crafted file cannot make
 * us allocate gigabytes before the stream proves it holds that much. */
#include "data/internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static size_t deflate_bound(size_t len, size_t cap)
{
    size_t b;
    if (!eo_size_mul(len, 1032, &b) || !eo_size_add(b, 64, &b)) return cap;
    return b < cap ? b : cap;
}

int eo_data_gunzip_mem(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
                       const char *name, eo_error *err)
{
    const char *where = name ? name : EO__MEM_NAME;
    *out = NULL;
    *out_len = 0;
    if (max_out == 0) max_out = EO_DATA_MAX_BYTES;
    if (!in || len < 18) /* 10-byte header + 8-byte trailer at least */
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                           "truncated gzip data (%zu bytes; a gzip member needs at least 18)", len);
    /* One byte beyond max_out lets a stream of exactly max_out bytes finish
     * (zlib needs output room to report its end); more is an error below. */
    size_t hard = max_out < SIZE_MAX ? max_out + 1 : max_out;
    size_t bound = deflate_bound(len, hard);
    size_t isize = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 | (size_t)in[len - 2] << 16 |
                   (size_t)in[len - 1] << 24;
    size_t cap = isize > 0 && isize <= bound ? isize : (len < bound / 4 ? len * 4 : bound);
    if (cap < 4096) cap = bound < 4096 ? bound : 4096;
    if (cap == 0) cap = 1;
    uint8_t *buf = malloc(cap);
    if (!buf) return eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "out of memory (%zu bytes)", cap);

    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) { /* 15-bit window, gzip or zlib header */
        free(buf);
        return eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "zlib initialisation failed");
    }
    size_t in_pos = 0, produced = 0;
    int status = EO_OK;
    for (;;) {
        if (produced == cap) {
            if (cap >= bound) {
                status = eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)in_pos,
                                     "decompressed data exceeds the limit of %zu bytes",
                                     bound < hard ? bound : max_out);
                break;
            }
            size_t grow = cap / 2 < 65536 ? 65536 : cap / 2;
            size_t ncap = cap > bound - grow ? bound : cap + grow;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                status = eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "out of memory (%zu bytes)", ncap);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t in_chunk = len - in_pos < (size_t)1 << 30 ? len - in_pos : (size_t)1 << 30;
        size_t out_chunk = cap - produced < (size_t)1 << 30 ? cap - produced : (size_t)1 << 30;
        z.next_in = (Bytef *)(uintptr_t)(in + in_pos); /* zlib does not write through next_in */
        z.avail_in = (uInt)in_chunk;
        z.next_out = buf + produced;
        z.avail_out = (uInt)out_chunk;
        int rc = inflate(&z, Z_NO_FLUSH);
        in_pos += in_chunk - z.avail_in;
        produced += out_chunk - z.avail_out;
        if (rc == Z_STREAM_END) {
            if (in_pos == len) break;
            /* Another gzip member may follow (as `cat a.gz b.gz` produces). */
            if (!eo__is_gzip(in + in_pos, len - in_pos)) {
                status = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)in_pos,
                                     "%zu bytes of trailing garbage after the gzip data", len - in_pos);
                break;
            }
            if (inflateReset(&z) != Z_OK) {
                status = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)in_pos, "zlib reset failed");
                break;
            }
            continue;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR && in_pos == len && produced < cap) {
            status = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)len,
                                 "truncated gzip data (stream ends early after %zu bytes of output)", produced);
            break;
        }
        if (rc == Z_BUF_ERROR) continue; /* output full: grow above */
        status = eo_error_at(err, rc == Z_MEM_ERROR ? EO_ERR_NOMEM : EO_ERR_FORMAT, where, 0, 0,
                             (long long)in_pos, "corrupt gzip data: %s", z.msg ? z.msg : "inflate failed");
        break;
    }
    inflateEnd(&z);
    if (status == EO_OK && produced > max_out)
        status = eo_error_at(err, EO_ERR_RANGE, where, 0, 0, (long long)in_pos,
                             "decompressed data exceeds the limit of %zu bytes", max_out);
    if (status != EO_OK) {
        free(buf);
        return status;
    }
    if (produced < cap) { /* give back the slack of an overestimate */
        uint8_t *nb = realloc(buf, produced ? produced : 1);
        if (nb) buf = nb;
    }
    *out = buf;
    *out_len = produced;
    return EO_OK;
}
