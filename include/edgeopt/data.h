/* edgeopt data: datasets, loaders (IDX, CSV, libsvm, .npy), synthetic sets,
 * splits, k-fold indices, scaling and mini-batch gathering.
 *
 * This module may use the OS (files, getenv) and zlib. It never prints.
 *
 * Ownership: an eo_dataset filled by any loader or generator owns its arrays
 * (malloc'd); free them with eo_dataset_free. Index lists returned by the split
 * functions are malloc'd and owned by the caller (free()). eo_scaler and
 * eo_data_summary own their arrays; free with their _free function.
 *
 * Errors: every fallible call returns an eo_status and, when given an eo_error,
 * fills it with one line's worth of detail: the file (or spec), the line and
 * column (text formats) or byte offset (binary formats), and what was expected.
 * Parsers never read past their input, check every size for overflow and never
 * allocate more than the input justifies (plus a hard cap, opts.max_bytes). */
#ifndef EDGEOPT_DATA_H
#define EDGEOPT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ dataset */

typedef enum eo_dtype { EO_DTYPE_F32 = 0, EO_DTYPE_U8 = 1, EO_DTYPE_COUNT } eo_dtype;
/* "f32", "u8". Never NULL ("?" when out of range). */
const char *eo_dtype_name(int dtype);
/* Returns the enum value, or -1 for an unknown name. */
int eo_dtype_from_name(const char *name);
/* Bytes per element (4, 1); 0 when out of range. */
size_t eo_dtype_size(int dtype);

/* Most classes any loader accepts (labels must be in 0..EO_DATA_MAX_CLASSES-1). */
#define EO_DATA_MAX_CLASSES 65536
/* Default hard cap on one allocation made from input data: 4 GiB. */
#define EO_DATA_MAX_BYTES ((size_t)1 << 32)

/* A dataset: rows x cols features, row-major, plus labels/targets. Transparent
 * struct, owned by the library when returned by a loader: free with
 * eo_dataset_free. */
typedef struct eo_dataset {
    size_t rows, cols;
    eo_dtype dtype;     /* EO_DTYPE_U8 keeps images as bytes (60000x784 = 47 MB); F32 otherwise */
    void *x;            /* rows*cols elements of dtype, row-major */
    float u8_scale;     /* value = byte * u8_scale (1/255 for images); ignored for F32 */
    int32_t *y;         /* rows class labels in 0..n_classes-1, or NULL */
    float *t;           /* rows regression targets, or NULL */
    int n_classes;      /* 0 for regression or unlabelled data */
    int64_t shape[3];   /* per-row shape C,H,W for images (1,28,28), else (1,1,cols) */
    char name[128];     /* e.g. "fashion-mnist", for messages and model metadata */
    /* Original label values when the loader renumbered classes (libsvm maps
     * -1/+1 to 0/1): class c was written as class_values[c] in the file
     * (n_classes entries). NULL when class c is written as c. */
    int32_t *class_values;
} eo_dataset;

/* Free every array of ds and zero it (safe on a zeroed or already freed set). */
void eo_dataset_free(eo_dataset *ds);
/* Value of element (r, c) as float (u8 scaled by u8_scale). No bounds check. */
float eo_dataset_at(const eo_dataset *ds, size_t r, size_t c);
/* Keep only the first n rows (shrinks in place; n >= rows is a no-op). */
int eo_dataset_truncate(eo_dataset *ds, size_t n, eo_error *err);

/* ------------------------------------------------------- loader options */

/* Options shared by the loaders. Get defaults with eo_data_opts_defaults(). */
typedef struct eo_data_opts {
    size_t limit;      /* keep the first `limit` rows; 0 = all (default 0) */
    int n_classes;     /* 0 = infer (max label + 1); > 0: labels >= n_classes are errors */
    int regression;    /* 0: labels are integer classes (y); 1: float targets (t) */
    size_t max_bytes;  /* hard cap on one allocation (decompressed file, dense matrix);
                          default EO_DATA_MAX_BYTES */
    char sep;          /* CSV field separator (default ',') */
} eo_data_opts;

eo_data_opts eo_data_opts_defaults(void);
/* NULL when valid, else a static reason ("n_classes must be 0..65536", ...). */
const char *eo_data_opts_validate(const eo_data_opts *o);

/* ---------------------------------------------------------------- loaders
 * Every loader fills *out (zeroed first; left zeroed on failure). `opts` may
 * be NULL for the defaults. */

/* IDX (MNIST format), plain or gzip. Images: u8 files stay u8 with
 * u8_scale = 1/255; other IDX dtypes (i8, i16, i32, f32, f64; big-endian as
 * IDX specifies) become f32. dims: (N) -> N x 1, (N,D) -> N x D, (N,H,W) ->
 * N x H*W with shape (1,H,W), (N,C,H,W) -> shape (C,H,W). labels_path may be
 * NULL (unlabelled); a labels file is 1-D with N entries of an integer dtype. */
int eo_data_load_idx(const char *images_path, const char *labels_path, const eo_data_opts *opts,
                     eo_dataset *out, eo_error *err);

/* CSV: numeric cells separated by opts->sep, optional header row, optional
 * double quotes around fields, blank lines skipped, CRLF accepted.
 * label_col: header name, or 0-based column index; negative counts from the end
 * ("-1" = last column); NULL or "" = last column; "none" = no label column.
 * has_header: 1 yes, 0 no, -1 auto (a first row with any non-numeric cell is a
 * header). Class labels must be integer-valued (3 or 3.0); with
 * opts->regression the label column becomes float targets. NaN/Inf cells,
 * ragged rows and an empty file are errors naming file:line:column. */
int eo_data_load_csv(const char *path, const char *label_col, int has_header, const eo_data_opts *opts,
                     eo_dataset *out, eo_error *err);

/* libsvm / svmlight: "label idx:val idx:val ... [# comment]", indices 1-based
 * and strictly increasing. Stored densely: cols = n_features (0 = the largest
 * index seen); an index > n_features is an error; the dense size is capped
 * by opts->max_bytes. "qid:N" tokens are ignored. Class labels must be
 * integers: labels >= 0 are used as they are (a 1-based file has an empty class
 * 0, so that train and test files always agree); the svmlight binary
 * convention -1/+1 maps to 0/1 (class_values = {-1, 1}); other negative labels
 * are errors. */
int eo_data_load_libsvm(const char *path, size_t n_features, const eo_data_opts *opts, eo_dataset *out,
                        eo_error *err);

/* NumPy .npy (format versions 1.0, 2.0, 3.0), C order, little-endian,
 * dtypes float32, float64, uint8, int64 (also int32, int8). X has 1..4 dims:
 * rows = shape[0]; uint8 X stays u8 with u8_scale = 1/255, others become f32.
 * y_path may be NULL; y is 1-D (or N x 1) with N entries: integer-valued class
 * labels, or targets with opts->regression. Fortran order, object (pickled)
 * and structured dtypes and big-endian data are rejected with a clear message. */
int eo_data_load_npy(const char *x_path, const char *y_path, const eo_data_opts *opts, eo_dataset *out,
                     eo_error *err);

/* Built-in Fashion-MNIST (Debian package dataset-fashion-mnist). Files are read
 * from $EO_FASHION_MNIST_DIR if set, else /usr/share/datasets/fashion-mnist:
 * {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. test = 0: 60,000 training
 * rows, 1: 10,000 test rows; 784 u8 features, 10 classes. When the files are
 * missing the error says `apt-get install dataset-fashion-mnist`. */
int eo_data_load_fashion_mnist(int test, const eo_data_opts *opts, eo_dataset *out, eo_error *err);
#define EO_FASHION_MNIST_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
#define EO_FASHION_MNIST_ENV "EO_FASHION_MNIST_DIR"

/* ------------------------------------------------ in-memory parsers
 * The same parsers on caller buffers (for fuzzing and embedding). `x_name`/
 * `y_name` are used in messages and as the dataset name (NULL = "<memory>"). */

/* Inflate a gzip (or zlib) buffer, concatenated gzip members allowed. The
 * output grows gradually and never beyond max_out bytes (0 = EO_DATA_MAX_BYTES)
 * nor beyond what deflate can produce from len bytes (1032:1). *out is
 * malloc'd (caller frees) on success, NULL on failure. */
int eo_data_gunzip_mem(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len,
                       const char *name, eo_error *err);

/* IDX images (+ optional labels, NULL/0 for none); each buffer may be gzip. */
int eo_data_parse_idx_mem(const uint8_t *images, size_t images_len, const uint8_t *labels,
                          size_t labels_len, const eo_data_opts *opts, const char *x_name,
                          const char *y_name, eo_dataset *out, eo_error *err);
int eo_data_parse_csv_mem(const char *buf, size_t len, const char *label_col, int has_header,
                          const eo_data_opts *opts, const char *name, eo_dataset *out, eo_error *err);
int eo_data_parse_libsvm_mem(const char *buf, size_t len, size_t n_features, const eo_data_opts *opts,
                             const char *name, eo_dataset *out, eo_error *err);
/* y may be NULL (y_len 0) for unlabelled data. */
int eo_data_parse_npy_mem(const uint8_t *x, size_t x_len, const uint8_t *y, size_t y_len,
                          const eo_data_opts *opts, const char *x_name, const char *y_name, eo_dataset *out,
                          eo_error *err);

/* ---------------------------------------------------------- synthetic sets */

typedef enum eo_synth_kind {
    EO_SYNTH_BLOBS = 0,             /* isotropic gaussian clusters, d features, `classes` centers */
    EO_SYNTH_MOONS = 1,             /* two interleaving half circles, 2 features, 2 classes */
    EO_SYNTH_SPIRALS = 2,           /* `classes` spiral arms, 2 features */
    EO_SYNTH_SPARSE_REGRESSION = 3, /* y = X w + noise, w with k nonzeros */
    EO_SYNTH_COUNT
} eo_synth_kind;
/* "blobs", "moons", "spirals", "sparse-regression". */
const char *eo_synth_kind_name(int kind);
int eo_synth_kind_from_name(const char *name); /* -1 if unknown */

/* Generator parameters; defaults depend on the kind (eo_synth_defaults). */
typedef struct eo_synth_params {
    eo_synth_kind kind;
    size_t n;        /* rows (default 1000) */
    size_t d;        /* features: blobs (default 2), sparse-regression (default 20); moons/spirals: 2 */
    int classes;     /* blobs centers (default 3), spirals arms (default 3); moons: 2 */
    size_t k;        /* sparse-regression nonzero coefficients (default 5, <= d) */
    double noise;    /* blobs: cluster std (default 1.0); moons: std of the gaussian added to each
                        coordinate (0.1); spirals: same (0.1); sparse-regression: std of y noise (0.1) */
    uint64_t seed;   /* default 1 */
} eo_synth_params;

eo_synth_params eo_synth_defaults(eo_synth_kind kind);
/* NULL when valid, else a static reason. Limits: 1 <= n, n*d <= 2^28, etc. */
const char *eo_synth_validate(const eo_synth_params *p);

/* Generate a set, deterministic per seed on every platform (eo_rng).
 * Classification kinds: row i has class i % classes (balanced; any prefix is
 * balanced within one row per class).
 *   blobs:   centers uniform in [-10,10]^d, x = center + noise * N(0, I).
 *   moons:   t ~ U[0, pi]; class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t);
 *            plus noise * N(0, I).
 *   spirals: r ~ U[0,1), angle = 2 pi c / classes + 4 r; x = r (cos, sin) + noise * N(0, I).
 *   sparse-regression: X ~ N(0, I); w has k nonzeros at random positions with
 *            values +-U[1,2); t = X w + noise * N(0,1). When coef is not NULL it
 *            receives the d true coefficients w (caller buffer of p->d floats).
 */
int eo_data_synthetic(const eo_synth_params *p, eo_dataset *out, float *coef, eo_error *err);

/* ------------------------------------------------------------ data specs */

typedef enum eo_data_source {
    EO_DATA_FASHION_MNIST = 0, /* fashion-mnist[:test] */
    EO_DATA_IDX = 1,           /* idx:IMAGES[,LABELS] */
    EO_DATA_CSV = 2,           /* csv:FILE[:label=COL|target=COL,header=yes|no|auto,sep=;,classes=K] */
    EO_DATA_LIBSVM = 3,        /* libsvm:FILE[:features=D,regression,classes=K] */
    EO_DATA_NPY = 4,           /* npy:X.npy[,y.npy][:regression,classes=K] */
    EO_DATA_SYNTHETIC = 5,     /* synthetic:KIND[:n=1000,d=..,classes=..,k=..,noise=..,seed=..] */
    EO_DATA_SOURCE_COUNT
} eo_data_source;
/* "fashion-mnist", "idx", "csv", "libsvm", "npy", "synthetic". */
const char *eo_data_source_name(int src);
int eo_data_source_from_name(const char *name); /* -1 if unknown */

#define EO_DATA_PATH_MAX 1024

/* A parsed data spec (no file is touched by parsing). Options follow the last
 * ':' as comma-separated key=value items (a path may contain ':' as long as
 * its tail after the last ':' has no '='). `limit=N` is accepted everywhere. */
typedef struct eo_data_spec {
    eo_data_source source;
    char path[EO_DATA_PATH_MAX];  /* images / X / csv / libsvm file; "" for built-ins */
    char path2[EO_DATA_PATH_MAX]; /* labels / y file; "" if none */
    int test;                     /* fashion-mnist:test */
    char label[128];              /* csv label column ("" = last) */
    int header;                   /* csv: -1 auto, 0, 1 */
    size_t n_features;            /* libsvm: 0 = infer */
    eo_data_opts opts;
    eo_synth_params synth;        /* synthetic */
} eo_data_spec;

int eo_data_spec_parse(const char *spec, eo_data_spec *out, eo_error *err);
/* Load a parsed spec; limit (0 = keep the spec's own) overrides opts.limit. */
int eo_data_load_spec(const eo_data_spec *s, size_t limit, eo_dataset *out, eo_error *err);
/* Parse and load: "fashion-mnist", "csv:iris.csv:label=species", ... limit 0 = all. */
int eo_data_load(const char *spec, size_t limit /* 0 = all */, eo_dataset *out, eo_error *err);

/* --------------------------------------------------------------- scaling */

typedef enum eo_scale_kind { EO_SCALE_NONE = 0, EO_SCALE_STANDARD = 1, EO_SCALE_MINMAX = 2, EO_SCALE_COUNT } eo_scale_kind;
/* "none", "standard", "minmax". */
const char *eo_scale_kind_name(int kind);
int eo_scale_kind_from_name(const char *name); /* -1 if unknown */

/* x' = (x - offset[j]) * scale[j] per feature j, where x is the feature value
 * (u8 already multiplied by u8_scale). standard: offset = mean, scale = 1/std
 * (population std); minmax: offset = min, scale = 1/(max - min), mapping the
 * training range to [0,1]. A constant feature gets scale 1. Kind NONE has
 * NULL arrays and leaves values unchanged. Owns offset/scale (cols floats each). */
typedef struct eo_scaler {
    eo_scale_kind kind;
    size_t cols;
    float *offset;
    float *scale;
} eo_scaler;

/* Fit on the rows rows[0..n) of ds (rows == NULL: all rows, n ignored). The
 * statistics are accumulated in double. Fails on n == 0 or an index >= rows. */
int eo_scaler_fit(eo_scaler *s, eo_scale_kind kind, const eo_dataset *ds, const uint32_t *rows, size_t n,
                  eo_error *err);
/* Apply in place to n rows of s->cols floats. */
void eo_scaler_apply(const eo_scaler *s, float *x, size_t n);
void eo_scaler_free(eo_scaler *s);

/* ------------------------------------------------ batches, splits, folds */

/* Gather a mini-batch: rows idx[0..n) into xout (n x cols floats, scaled: u8 ->
 * float via u8_scale, then the scaler if not NULL) and yout (n labels, may be
 * NULL) / tout (targets, may be NULL). No allocation. Indices must be < rows. */
void eo_data_gather(const eo_dataset *ds, const eo_scaler *s, const uint32_t *idx, size_t n, float *xout,
                    int32_t *yout, float *tout);

/* Shuffle an index list in place (Fisher-Yates with eo_rng). */
void eo_data_shuffle(uint32_t *idx, size_t n, eo_rng *rng);
/* Number of mini-batches of size `batch` over n rows (the last one may be
 * short unless drop_last). */
size_t eo_data_num_batches(size_t n, size_t batch, int drop_last);
/* Batch b of an index list: *start = b*batch, returns its size (0 past the end). */
size_t eo_data_batch_range(size_t n, size_t batch, size_t b, size_t *start);

/* Splits as index lists (no copies of the data): stratified when labels exist.
 * val gets round(n * val_frac) rows; with labels each class c gets its share
 * within one row of n_c * val_frac. Both lists are sorted ascending, disjoint
 * and cover all rows; both are malloc'd (caller frees; an empty list may be
 * NULL). val_frac in [0, 1]. Deterministic per seed. */
int eo_data_split(const eo_dataset *ds, double val_frac, uint64_t seed, uint32_t **train, size_t *ntrain,
                  uint32_t **val, size_t *nval, eo_error *err);
/* Same over a subset rows[0..n) (e.g. to cut a test set first, then split the
 * rest into train/validation). The outputs are subsets of rows, sorted. */
int eo_data_split_rows(const eo_dataset *ds, const uint32_t *rows, size_t n, double val_frac, uint64_t seed,
                       uint32_t **train, size_t *ntrain, uint32_t **val, size_t *nval, eo_error *err);
/* k-fold assignment: fold_of_row[i] in 0..k-1 (caller buffer of ds->rows ints).
 * Fold sizes differ by at most one row; with labels each class is spread over
 * the folds within one row (stratified). 2 <= k <= rows. */
int eo_data_kfold(const eo_dataset *ds, int k, uint64_t seed, int *fold_of_row /* rows entries */,
                  eo_error *err);

/* ------------------------------------------------------------- summary */

/* Summary statistics for `edgeopt data info`. Values are feature values (u8
 * scaled). Owns its arrays: free with eo_data_summary_free. */
typedef struct eo_data_summary {
    size_t rows, cols;
    int n_classes;
    size_t *class_count;   /* n_classes entries, or NULL */
    float *min, *max;      /* cols entries */
    double *mean, *std;    /* cols entries (population std) */
    double all_min, all_max, all_mean; /* over every cell */
    int has_targets;
    double t_min, t_max, t_mean, t_std;
} eo_data_summary;

int eo_data_summarize(const eo_dataset *ds, eo_data_summary *out, eo_error *err);
void eo_data_summary_free(eo_data_summary *s);

#ifdef __cplusplus
}
#endif
#endif
