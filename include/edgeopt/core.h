/* edgeopt core: status codes, error details, tensors, arenas, allocator hooks.
 *
 * This header belongs to the OS-free core: nothing declared here touches files,
 * threads or stdout. It needs only libc (string/vsnprintf) and libm.
 *
 * Memory ownership in one sentence: the caller owns every buffer it passes in;
 * an eo_tensor never owns its data (it is a view), and an eo_arena hands out
 * memory from a caller-provided block that the caller frees. */
#ifndef EDGEOPT_CORE_H
#define EDGEOPT_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EO_VERSION_MAJOR 0
#define EO_VERSION_MINOR 1
#define EO_VERSION_PATCH 0
#define EO_VERSION_STRING "0.1.0"

/* Library version as "MAJOR.MINOR.PATCH" (static string, never freed). */
const char *eo_version(void);

/* ---------------------------------------------------------------- status */

/* Every fallible call returns an eo_status: 0 is success, negative values are
 * errors. Optimizers return positive values from their own enums to say why
 * they stopped successfully. The list is append-only. */
typedef enum eo_status {
    EO_OK = 0,
    EO_ERR_INVALID = -1,     /* an argument or parameter is out of its domain */
    EO_ERR_NOMEM = -2,       /* allocation failed or arena exhausted */
    EO_ERR_IO = -3,          /* a file could not be read or written */
    EO_ERR_PARSE = -4,       /* text input (CSV, spec string, ...) is malformed */
    EO_ERR_FORMAT = -5,      /* binary input has a wrong magic, version or checksum */
    EO_ERR_RANGE = -6,       /* a size or count is too large or overflows */
    EO_ERR_NUMERIC = -7,     /* NaN or Inf where a finite value is needed */
    EO_ERR_UNSUPPORTED = -8, /* valid request that this build cannot do */
    EO_ERR_STATE = -9,       /* call not valid in the object's current state */
    EO_ERR_INTERRUPTED = -10,/* stopped by a signal or a user callback */
    EO_ERR_NOT_FOUND = -11,  /* a named thing (file, dataset, function) is missing */
    EO_ERR_SHAPE = -12,      /* tensor shapes do not match */
    EO_STATUS_MIN = -12
} eo_status;

/* Short English name of a status, e.g. "invalid argument". Never NULL. */
const char *eo_status_str(int status);

/* Error details filled by calls that take an eo_error*. Plain data: put one on
 * the stack, pass its address, read it after a failure. A NULL eo_error* is
 * always accepted and means "I only want the status". */
typedef struct eo_error {
    int code;              /* the eo_status that was returned */
    char where[256];       /* file name, spec string or argument name; "" if none */
    long line;             /* 1-based line, 0 if not applicable */
    long column;           /* 1-based column, 0 if not applicable */
    long long offset;      /* byte offset in a binary file, -1 if not applicable */
    char msg[512];         /* what went wrong and what was expected */
} eo_error;

void eo_error_clear(eo_error *e);

/* Record an error and return `code` (so callers can `return eo_error_set(...)`).
 * printf-style message. Safe with e == NULL. */
int eo_error_set(eo_error *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Same, with a location: where (may be NULL), line/column (0 = none), offset
 * (-1 = none). */
int eo_error_at(eo_error *e, int code, const char *where, long line, long column,
                long long offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* One human line: "where:line:column: msg", "where: offset N: msg", or "msg".
 * Writes at most n bytes including the terminator; returns buf. */
char *eo_error_format(const eo_error *e, char *buf, size_t n);

/* ------------------------------------------------------------ allocation */

/* Allocator hooks, passed at create time by objects that allocate. A NULL
 * eo_allocator* everywhere means the default (malloc/free). */
typedef struct eo_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} eo_allocator;

void *eo_alloc(const eo_allocator *a, size_t size);
void eo_free(const eo_allocator *a, void *ptr);

/* Overflow-checked size arithmetic: return 0 and leave *out untouched on overflow. */
int eo_size_mul(size_t a, size_t b, size_t *out);
int eo_size_add(size_t a, size_t b, size_t *out);

/* -------------------------------------------------------- strict numbers */

/* The whole of s must be one finite number (strtod syntax in the C locale;
 * leading blanks are skipped as strtod does, nothing may follow). Refused:
 * NULL, "", "12abc", "nan", "inf", and values a double cannot hold ("1e999",
 * "1e-400"). Returns EO_OK (*out set), EO_ERR_PARSE (not such a number) or
 * EO_ERR_RANGE (outside [lo, hi]); *out is untouched on failure. */
int eo_parse_double(const char *s, double lo, double hi, double *out);
/* Same for a base-10 integer (strtol syntax; overflow is EO_ERR_PARSE). */
int eo_parse_long(const char *s, long lo, long hi, long *out);
/* Comma-separated finite doubles ("-1.5,2"), at most cap of them; *n gets the
 * count. EO_ERR_PARSE for an empty item or a bad number, EO_ERR_RANGE for
 * more than cap items; err->column is the 1-based column of the item and
 * err->msg says what was expected (err->where is left empty). */
int eo_parse_double_list(const char *s, double *out, size_t cap, size_t *n, eo_error *err);

/* Bump arena over a caller-provided block. Allocation never calls malloc.
 * Typical use: size it with a dry run (eo_arena_init(&a, NULL, SIZE_MAX) counts
 * without storing: every alloc returns NULL but `used` grows), then run for real. */
typedef struct eo_arena {
    unsigned char *base;   /* borrowed; NULL for a counting (dry-run) arena */
    size_t cap;
    size_t used;
    size_t peak;
} eo_arena;

void eo_arena_init(eo_arena *a, void *buf, size_t cap);
/* Aligned allocation (align must be a power of two, <= 4096). Returns NULL when
 * the arena is full or is a dry-run arena; `used` still records the request in
 * a dry run so the needed size can be read back. */
void *eo_arena_alloc(eo_arena *a, size_t size, size_t align);
size_t eo_arena_mark(const eo_arena *a);
void eo_arena_reset(eo_arena *a, size_t mark);

/* ---------------------------------------------------------------- tensor */

#define EO_MAX_DIMS 4

/* A contiguous, row-major float32 tensor view of 0..4 dimensions. It never owns
 * `data`: the memory belongs to whoever created it (caller buffer or arena). */
typedef struct eo_tensor {
    float *data;
    int ndim;
    int64_t dims[EO_MAX_DIMS]; /* unused trailing dims are 1 */
} eo_tensor;

/* Number of elements (product of dims); 0 if any dim is 0. */
size_t eo_tensor_numel(const eo_tensor *t);
/* Make a view of `data` with the given shape. Fails with EO_ERR_INVALID for
 * ndim outside 0..4 or a negative dim, EO_ERR_RANGE if the size overflows. */
int eo_tensor_view(eo_tensor *t, float *data, int ndim, const int64_t *dims);
/* Allocate the data of a tensor from an arena (64-byte aligned). */
int eo_tensor_alloc(eo_tensor *t, eo_arena *a, int ndim, const int64_t *dims);
/* 1 if both tensors have the same ndim and dims. */
int eo_tensor_same_shape(const eo_tensor *a, const eo_tensor *b);
/* Reinterpret with a new shape of the same number of elements. */
int eo_tensor_reshape(eo_tensor *t, int ndim, const int64_t *dims);
void eo_tensor_fill(eo_tensor *t, float v);

/* ------------------------------------------------------------------- rng */

/* Seeded pseudo-random generator (xoshiro256** seeded through splitmix64).
 * The integer, uniform and normal streams are identical on every platform:
 * only integer arithmetic, IEEE +,-,*,/ and sqrt, and a logarithm computed
 * by our own code are used. State is a plain struct; copy it to fork. */
typedef struct eo_rng {
    uint64_t s[4];
    double spare;
    int has_spare;
} eo_rng;

void eo_rng_seed(eo_rng *r, uint64_t seed);
/* An independent generator for sub-stream `stream` (trial, worker, fold, ...),
 * derived from seed and stream alone, so it does not depend on call order. */
void eo_rng_seed_stream(eo_rng *r, uint64_t seed, uint64_t stream);
uint64_t eo_rng_u64(eo_rng *r);
uint32_t eo_rng_u32(eo_rng *r);
/* Uniform integer in [0, n) without modulo bias; n must be > 0. */
uint64_t eo_rng_below(eo_rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 (double) or 24 (float) random bits. */
double eo_rng_uniform(eo_rng *r);
float eo_rng_uniformf(eo_rng *r);
/* Standard normal (Marsaglia polar method). */
double eo_rng_normal(eo_rng *r);
/* Fisher-Yates shuffle of a[0..n), and the identity permutation shuffled. */
void eo_rng_shuffle_u32(eo_rng *r, uint32_t *a, size_t n);
void eo_rng_permutation(eo_rng *r, uint32_t *out, size_t n);

/* Deterministic natural logarithm used by the RNG (portable, bit-exact). */
double eo_det_log(double x);

#ifdef __cplusplus
}
#endif
#endif
