/* edgeopt io: atomic file writes, bounded file reads, CRC-32 and a bounds-checked
 * little-endian byte writer/reader (io module: uses the OS).
 *
 * ATOMIC WRITE
 *   eo_io_write_atomic writes the concatenation of buffers to a new file
 *   ".<name>.tmp.<pid>.<k>" in the directory of `path`, fsyncs it, renames it
 *   over `path` and fsyncs the directory. Either the whole new content is at
 *   `path` or (on any failure, or if the process dies before the rename) the
 *   previous file is there untouched; on a reported failure the temporary file
 *   is removed. A process killed by SIGKILL may leave its hidden temporary file
 *   behind; the next atomic write to the same path removes temporaries whose
 *   writer process no longer exists. New files get mode 0666 minus the umask.
 *
 * BYTES
 *   Every multi-byte value is little-endian on every host. The writer grows a
 *   heap buffer (a failed allocation makes it sticky-failed: later puts are
 *   ignored and eo_io_writer_finish reports EO_ERR_NOMEM). The reader never
 *   reads past its buffer: every get checks the remaining length with
 *   overflow-safe arithmetic and, on failure, records EO_ERR_FORMAT with the byte
 *   offset of the field in the caller's eo_error. The first error is sticky. */
#ifndef EDGEOPT_IO_H
#define EDGEOPT_IO_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ files */

/* One piece of a file being written (borrowed). */
typedef struct eo_io_piece {
    const void *data;
    size_t len;
} eo_io_piece;

/* Atomically replace `path` with pieces[0] ++ pieces[1] ++ ... (see above).
 * Errors: EO_ERR_IO with err->where = path and a message holding strerror
 * text and a hint for the common cases: ENOSPC ("disk full"), EDQUOT, EFBIG
 * (file-size limit), EROFS ("read-only file system"), EACCES/EPERM ("permission
 * denied: is the directory writable?"), ENOENT ("directory does not exist").
 * EO_ERR_INVALID for a NULL/empty path or a path that names a directory. */
int eo_io_write_atomic(const char *path, const eo_io_piece *pieces, size_t npieces, eo_error *err);

/* Read a whole file into a new heap buffer (*buf, free with free()); at most
 * max_bytes (EO_ERR_RANGE "file is larger than ..." otherwise, nothing kept).
 * One extra NUL byte is appended after the data (not counted in *len) so text
 * files can be used as C strings. EO_ERR_NOT_FOUND when the file does not
 * exist, EO_ERR_IO for other failures, both with err->where = path. */
int eo_io_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *len,
                    eo_error *err);

/* 1 if `path` exists (any type), 0 otherwise. */
int eo_io_exists(const char *path);

/* Remove a file; a missing file is not an error. EO_ERR_IO otherwise. */
int eo_io_remove(const char *path, eo_error *err);

/* ------------------------------------------------------------------- CRC */

/* CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320, reflected, initial
 * and final XOR 0xFFFFFFFF). Start with crc = 0 and chain calls:
 * crc = eo_io_crc32(eo_io_crc32(0, a, na), b, nb) == eo_io_crc32(0, a++b). */
uint32_t eo_io_crc32(uint32_t crc, const void *data, size_t n);

/* ---------------------------------------------------------------- writer */

typedef struct eo_io_writer {
    unsigned char *data; /* owned until eo_io_writer_finish / _free */
    size_t len, cap;
    int failed;          /* sticky EO_ERR_NOMEM / EO_ERR_RANGE */
} eo_io_writer;

void eo_io_writer_init(eo_io_writer *w);
void eo_io_put_u8(eo_io_writer *w, uint8_t v);
void eo_io_put_u16(eo_io_writer *w, uint16_t v);
void eo_io_put_u32(eo_io_writer *w, uint32_t v);
void eo_io_put_u64(eo_io_writer *w, uint64_t v);
void eo_io_put_i32(eo_io_writer *w, int32_t v);
void eo_io_put_i64(eo_io_writer *w, int64_t v);
void eo_io_put_f32(eo_io_writer *w, float v);   /* IEEE bits, exact */
void eo_io_put_f64(eo_io_writer *w, double v);  /* IEEE bits, exact */
void eo_io_put_bytes(eo_io_writer *w, const void *p, size_t n);
void eo_io_put_zeros(eo_io_writer *w, size_t n);
/* u32 length then the bytes (no terminator). */
void eo_io_put_str(eo_io_writer *w, const char *s);
/* Zero bytes up to the next multiple of align (a power of two). */
void eo_io_put_align(eo_io_writer *w, size_t align);
/* Overwrite 4/8 bytes at an earlier offset (for sizes known only later). */
void eo_io_patch_u32(eo_io_writer *w, size_t at, uint32_t v);
void eo_io_patch_u64(eo_io_writer *w, size_t at, uint64_t v);
/* EO_OK, or the sticky error. On success *out and *len take the buffer (free
 * with free()); the writer is reset either way. */
int eo_io_writer_finish(eo_io_writer *w, unsigned char **out, size_t *len);
void eo_io_writer_free(eo_io_writer *w);

/* ---------------------------------------------------------------- reader */

typedef struct eo_io_reader {
    const unsigned char *data; /* borrowed */
    size_t len;
    size_t pos;
    const char *where;         /* file name for messages (borrowed, may be NULL) */
    eo_error *err;             /* may be NULL */
    int status;                /* first error, sticky */
} eo_io_reader;

void eo_io_reader_init(eo_io_reader *r, const void *data, size_t len, const char *where,
                       eo_error *err);
/* Each get returns the reader's status (EO_OK or the first error). On error
 * *v is set to 0 and the error says "truncated: FIELD at offset P needs N
 * bytes but only R remain" (what = FIELD, may be NULL). */
int eo_io_get_u8(eo_io_reader *r, const char *what, uint8_t *v);
int eo_io_get_u16(eo_io_reader *r, const char *what, uint16_t *v);
int eo_io_get_u32(eo_io_reader *r, const char *what, uint32_t *v);
int eo_io_get_u64(eo_io_reader *r, const char *what, uint64_t *v);
int eo_io_get_i32(eo_io_reader *r, const char *what, int32_t *v);
int eo_io_get_i64(eo_io_reader *r, const char *what, int64_t *v);
int eo_io_get_f32(eo_io_reader *r, const char *what, float *v);
int eo_io_get_f64(eo_io_reader *r, const char *what, double *v);
/* A borrowed pointer to the next n bytes (NULL on error). */
int eo_io_get_bytes(eo_io_reader *r, const char *what, size_t n, const unsigned char **p);
/* u32 length + bytes, copied NUL-terminated into buf (EO_ERR_FORMAT if the
 * string is longer than cap-1 or contains a NUL byte). */
int eo_io_get_str(eo_io_reader *r, const char *what, char *buf, size_t cap);
/* Skip to absolute offset `to` (<= len). */
int eo_io_seek(eo_io_reader *r, const char *what, uint64_t to);
/* Record a format error at offset `at` (sticky; returns the status). */
int eo_io_reader_fail(eo_io_reader *r, int code, uint64_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
size_t eo_io_remaining(const eo_io_reader *r);

/* Raw little-endian helpers over memory (no checks). */
uint32_t eo_io_le32(const unsigned char *p);
uint64_t eo_io_le64(const unsigned char *p);
void eo_io_store_le32(unsigned char *p, uint32_t v);
void eo_io_store_le64(unsigned char *p, uint64_t v);

#ifdef __cplusplus
}
#endif
#endif
