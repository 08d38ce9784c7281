/* edgeopt model files (.eom): a versioned, checksummed, little-endian container
 * of typed key/value metadata and named tensors, and the float-model save/load
 * built on it (io module). The byte-level specification is docs/model-format.md.
 *
 *   offset 0   header (64 bytes): magic "EDGEOPTM", format version, header size,
 *              file size, metadata count, tensor count, section offsets, data size
 *   ...        metadata: key, type (int64, float64, string, int64[], float64[]), value
 *   ...        tensor table: name, dtype, ndim, dims, offset in the blob, byte size
 *   aligned    data blob (starts at a multiple of 64; each tensor 64-aligned)
 *   last 4     CRC-32 of every byte before it
 *
 * A file is untrusted input. The reader checks the magic, refuses a newer format
 * version, checks the declared file size against the real one and the CRC, then
 * every count, size and offset against the file length with overflow-checked
 * arithmetic; it never allocates more than the file length justifies. Errors are
 * EO_ERR_FORMAT (EO_ERR_NOT_FOUND for a missing key or tensor) with err->where =
 * file name and err->offset = the byte offset of the offending field.
 *
 * The generic writer/reader (eo_mf_*) is what other modules use to store their
 * own tensors (int8 weights, scales, zero points, codebooks, CSR arrays) in the
 * same container; eo_mf_put_model / eo_mf_get_model read and write the
 * architecture rows and float parameters that every model file shares. */
#ifndef EDGEOPT_MODELFILE_H
#define EDGEOPT_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/data.h"
#include "edgeopt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EO_MF_MAGIC "EDGEOPTM"   /* 8 bytes, no terminator in the file */
#define EO_MF_VERSION 1          /* the newest format version this build reads and writes */
#define EO_MF_HEADER_SIZE 64
#define EO_MF_ALIGN 64           /* data blob and tensor alignment */
#define EO_MF_MAX_DIMS 8
#define EO_MF_MAX_NAME 255       /* keys and tensor names: 1..255 bytes */
/* Default cap on the size of a model file eo_mf_reader_open accepts (1 GiB). */
#define EO_MF_MAX_FILE ((size_t)1 << 30)

/* Tensor element types. Append-only: the value is stored in files. */
typedef enum eo_mf_dtype {
    EO_MF_F32 = 0,  /* IEEE float32, little-endian */
    EO_MF_I8 = 1,
    EO_MF_I32 = 2,  /* little-endian two's complement */
    EO_MF_U8 = 3,
    EO_MF_U4 = 4,   /* packed unsigned 4-bit: element 2i in the low nibble of byte i,
                       element 2i+1 in the high nibble; ceil(numel/2) bytes */
    EO_MF_F64 = 5,  /* IEEE float64, little-endian */
    EO_MF_DTYPE_COUNT
} eo_mf_dtype;
/* "f32", "i8", "i32", "u8", "u4", "f64"; "unknown" out of range. */
const char *eo_mf_dtype_name(int dtype);
int eo_mf_dtype_from_name(const char *name); /* -1 if unknown */
/* Bytes for numel elements of dtype into *bytes; 0 on overflow / bad dtype. */
int eo_mf_dtype_bytes(int dtype, uint64_t numel, uint64_t *bytes);

/* Metadata value types. Append-only (stored in files). */
typedef enum eo_mf_type {
    EO_MF_INT = 1,     /* int64 */
    EO_MF_FLOAT = 2,   /* float64 (exact bits) */
    EO_MF_STR = 3,     /* UTF-8 bytes, no NUL */
    EO_MF_INTS = 4,    /* int64 array */
    EO_MF_FLOATS = 5   /* float64 array */
} eo_mf_type;

/* One metadata entry as seen by a reader (all pointers borrowed from the reader). */
typedef struct eo_mf_meta {
    const char *key;
    eo_mf_type type;
    int64_t i;              /* EO_MF_INT */
    double f;               /* EO_MF_FLOAT */
    const char *s;          /* EO_MF_STR (NUL-terminated copy) */
    const int64_t *ints;    /* EO_MF_INTS, n entries */
    const double *floats;   /* EO_MF_FLOATS, n entries */
    size_t n;               /* array length (string length for EO_MF_STR) */
} eo_mf_meta;

/* One tensor as seen by a reader. data points at nbytes raw little-endian bytes
 * inside the reader's buffer (borrowed; not aligned in memory: use the
 * eo_mf_tensor_read_* helpers to decode). */
typedef struct eo_mf_tensor {
    const char *name;
    eo_mf_dtype dtype;
    int ndim;                        /* 0..EO_MF_MAX_DIMS; 0 = scalar */
    int64_t dims[EO_MF_MAX_DIMS];
    uint64_t numel;
    uint64_t offset;                 /* absolute byte offset in the file */
    size_t nbytes;
    const unsigned char *data;
} eo_mf_tensor;

/* ---------------------------------------------------------------- writer */

typedef struct eo_mf_writer eo_mf_writer; /* opaque */

int eo_mf_writer_create(eo_mf_writer **out);
void eo_mf_writer_destroy(eo_mf_writer *w);

/* Metadata setters copy key and value. Keys are 1..255 bytes of [A-Za-z0-9._-];
 * a key already set is EO_ERR_INVALID. Non-finite floats are allowed (NaN
 * records "unknown"). The writer's first error is sticky and reported again by
 * encode/save. */
int eo_mf_put_int(eo_mf_writer *w, const char *key, int64_t v);
int eo_mf_put_float(eo_mf_writer *w, const char *key, double v);
int eo_mf_put_str(eo_mf_writer *w, const char *key, const char *v);
int eo_mf_put_ints(eo_mf_writer *w, const char *key, const int64_t *v, size_t n);
int eo_mf_put_floats(eo_mf_writer *w, const char *key, const double *v, size_t n);

/* Add a tensor: `data` holds numel elements of dtype in HOST order (packed
 * bytes for U4); it is converted to little-endian and copied, so the caller
 * may free it afterwards. dims[i] >= 0. Names are unique (same rules as keys). */
int eo_mf_put_tensor(eo_mf_writer *w, const char *name, eo_mf_dtype dtype, int ndim,
                     const int64_t *dims, const void *data);

/* Serialize to a new heap buffer (free with free()). */
int eo_mf_writer_encode(eo_mf_writer *w, unsigned char **out, size_t *len, eo_error *err);
/* Serialize and write atomically (eo_io_write_atomic). */
int eo_mf_writer_save(eo_mf_writer *w, const char *path, eo_error *err);

/* ---------------------------------------------------------------- reader */

typedef struct eo_mf_reader eo_mf_reader; /* opaque */

/* Parse an in-memory file. The reader BORROWS data (it must outlive the
 * reader); `where` names it in messages (copied; NULL = "<memory>"). */
int eo_mf_reader_parse(const void *data, size_t len, const char *where, eo_mf_reader **out,
                       eo_error *err);
/* Read (at most max_bytes; 0 = EO_MF_MAX_FILE) and parse a file; the reader
 * owns the file buffer. */
int eo_mf_reader_open(const char *path, size_t max_bytes, eo_mf_reader **out, eo_error *err);
void eo_mf_reader_destroy(eo_mf_reader *r);

uint32_t eo_mf_reader_version(const eo_mf_reader *r);
size_t eo_mf_reader_size(const eo_mf_reader *r);     /* file bytes */
const char *eo_mf_reader_where(const eo_mf_reader *r);

size_t eo_mf_meta_count(const eo_mf_reader *r);
const eo_mf_meta *eo_mf_meta_at(const eo_mf_reader *r, size_t i); /* borrowed, NULL out of range */
const eo_mf_meta *eo_mf_meta_find(const eo_mf_reader *r, const char *key); /* NULL if absent */
/* Typed getters: EO_ERR_NOT_FOUND if absent, EO_ERR_FORMAT if the type differs
 * (err names the key). Pointers are borrowed from the reader. */
int eo_mf_get_int(const eo_mf_reader *r, const char *key, int64_t *v, eo_error *err);
int eo_mf_get_float(const eo_mf_reader *r, const char *key, double *v, eo_error *err);
int eo_mf_get_str(const eo_mf_reader *r, const char *key, const char **v, eo_error *err);
int eo_mf_get_ints(const eo_mf_reader *r, const char *key, const int64_t **v, size_t *n, eo_error *err);
int eo_mf_get_floats(const eo_mf_reader *r, const char *key, const double **v, size_t *n, eo_error *err);

size_t eo_mf_tensor_count(const eo_mf_reader *r);
const eo_mf_tensor *eo_mf_tensor_at(const eo_mf_reader *r, size_t i); /* borrowed */
const eo_mf_tensor *eo_mf_tensor_find(const eo_mf_reader *r, const char *name); /* NULL if absent */
/* Find a tensor and check its dtype and element count (EO_ERR_NOT_FOUND /
 * EO_ERR_FORMAT with the tensor's table offset). numel = UINT64_MAX: any. */
int eo_mf_tensor_get(const eo_mf_reader *r, const char *name, eo_mf_dtype dtype, uint64_t numel,
                     const eo_mf_tensor **t, eo_error *err);
/* Decode a tensor into host order: n must equal numel (EO_ERR_SHAPE otherwise)
 * and the dtype must match the function (EO_ERR_FORMAT). u8/i8 copy bytes;
 * u4 copies the packed bytes (ceil(n/2)). */
int eo_mf_tensor_read_f32(const eo_mf_tensor *t, float *dst, size_t n, eo_error *err);
int eo_mf_tensor_read_f64(const eo_mf_tensor *t, double *dst, size_t n, eo_error *err);
int eo_mf_tensor_read_i32(const eo_mf_tensor *t, int32_t *dst, size_t n, eo_error *err);
int eo_mf_tensor_read_bytes(const eo_mf_tensor *t, void *dst, size_t nbytes, eo_error *err);

/* ------------------------------------------------------ float models */

/* What the model is for. Append-only (stored by name). */
typedef enum eo_model_task {
    EO_MODEL_TASK_CLASSIFICATION = 0,
    EO_MODEL_TASK_REGRESSION = 1,
    EO_MODEL_TASK_COUNT
} eo_model_task;
const char *eo_model_task_name(int task); /* "classification", "regression" */
int eo_model_task_from_name(const char *name);

/* Training metadata stored beside the weights ("train.*" keys). Strings are
 * "" and numbers NaN / -1 when unknown. */
typedef struct eo_model_meta {
    eo_model_task task;
    eo_loss_kind loss;
    int n_classes;              /* classification: outputs (1 = binary with one logit) */
    char spec[512];             /* model spec or description as given */
    char dataset[256];
    char optimizer[256];        /* canonical optimizer spec */
    char schedule[256];
    int64_t epochs;             /* epochs trained */
    int64_t batch;
    int64_t seed;
    int64_t n_train;            /* training rows */
    double train_loss, val_loss, val_accuracy;
    /* No wall-clock time is stored: a model file depends only on the data,
     * settings and seed, so reruns and resumed runs give identical bytes. */
    char edgeopt_version[32];   /* filled by save (the writer's version) */
} eo_model_meta;

eo_model_meta eo_model_meta_defaults(void);

/* Architecture ("model.*" keys and one "layer.<i>.*" row per layer, kind by
 * name) and, if with_params, the float parameters as per-layer tensors
 * ("layer.<i>.weight", "layer.<i>.bias", batch norm's "layer.<i>.gamma",
 * ".beta", ".running_mean", ".running_var") in model.h's layouts. */
int eo_mf_put_model(eo_mf_writer *w, const eo_model *m, int with_params);
/* Build the model that a reader describes (an unknown layer kind is refused
 * with its name and a hint), and load the float parameters when the file has
 * them (a file without them, e.g. an int8 one, leaves them zero and sets
 * *has_params = 0; has_params may be NULL). */
int eo_mf_get_model(const eo_mf_reader *r, const eo_allocator *alloc, eo_model **out, int *has_params,
                    eo_error *err);
/* Scaler: "scaler.kind" + tensors "scaler.offset", "scaler.scale" (f32, cols).
 * A NULL scaler or kind NONE stores kind "none". get allocates the arrays
 * (eo_scaler_free). */
int eo_mf_put_scaler(eo_mf_writer *w, const eo_scaler *s);
int eo_mf_get_scaler(const eo_mf_reader *r, eo_scaler *s, eo_error *err);
int eo_mf_put_meta(eo_mf_writer *w, const eo_model_meta *meta);
/* Missing keys keep the defaults (older files stay readable). */
int eo_mf_get_meta(const eo_mf_reader *r, eo_model_meta *meta, eo_error *err);

/* Save a float model with its scaler (may be NULL) and metadata (may be NULL)
 * atomically. Load the three back (scaler/meta pointers may be NULL when not
 * wanted); the round trip is bit-exact (parameters, buffers, scaler arrays). */
int eo_model_save(const char *path, const eo_model *m, const eo_scaler *scaler, const eo_model_meta *meta,
                  eo_error *err);
int eo_model_load(const char *path, eo_model **m, eo_scaler *scaler, eo_model_meta *meta, eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
