/* Array-level compression (compress module, OS-free): int8 calibration,
 * quantization error reports, magnitude pruning and its schedule, a CSR sparse
 * dense-layer kernel, k-means weight clustering with packed indices and a
 * lookup kernel. The model-level commands (quantize, prune, qat, distill,
 * compress-report) are built on these functions.
 *
 * Layouts (fixed by the model lane): one sample is NCHW, batches are
 * batch-major rows; dense weights are [out][in] (row o = neuron o); conv
 * weights [out][in][kh][kw] (row o = filter o, of in*kh*kw values); depthwise
 * [ch][kh][kw]. A "slice" is one contiguous weight array (one layer).
 *
 * Memory: nothing here allocates except eo_calib_create (through the given
 * allocator); the other functions work in caller buffers, and those that need
 * scratch say how much through a *_workspace_size() query. */
#ifndef EDGEOPT_COMPRESS_H
#define EDGEOPT_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/qkernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================ calibration */

/* How an activation range is chosen from observed values (append-only).
 *   MINMAX      the observed [min, max];
 *   PERCENTILE  [P(100 - p), P(p)] of the observed distribution (p = 99.99
 *               by default), read from the histogram with linear
 *               interpolation inside a bin;
 *   MSE         the clipping range [a, b] that minimizes the expected squared
 *               error of int8 quantization (rounding inside, clipping
 *               outside) under the histogram, each bin's mass spread
 *               uniformly over the bin; found by a 1-D search over a common
 *               shrink factor of [min, max], then alternating searches over
 *               each end (cf. Migacz 2017, "8-bit Inference with TensorRT",
 *               which minimizes KL; we minimize the MSE as in Banner et al.
 *               2019, "Post-training 4-bit quantization", sec. 3). */
typedef enum eo_calib_method {
    EO_CALIB_MINMAX = 0,
    EO_CALIB_PERCENTILE = 1,
    EO_CALIB_MSE = 2,
    EO_CALIB_COUNT
} eo_calib_method;
const char *eo_calib_method_name(eo_calib_method m); /* "minmax", "percentile", "mse" */
int eo_calib_method_from_name(const char *name, eo_calib_method *out);

typedef struct eo_calib_params {
    eo_calib_method method; /* default EO_CALIB_MINMAX */
    double percentile;      /* in (50, 100]; default 99.99 */
    int bins;               /* histogram bins, even, 64..65536; default 2048 */
} eo_calib_params;
eo_calib_params eo_calib_defaults(void);
/* NULL if valid, else a static sentence saying what is wrong. */
const char *eo_calib_params_check(const eo_calib_params *p);

/* Observer of one tensor's values: exact min/max and a histogram whose range
 * doubles (merging bin pairs exactly) whenever a value falls outside it, so
 * batches can be streamed in any order without a first pass. Opaque handle. */
typedef struct eo_calib eo_calib;

/* Create (a: allocator hooks, NULL = malloc). EO_ERR_INVALID for bad params. */
int eo_calib_create(const eo_calib_params *p, const eo_allocator *a, eo_calib **out);
void eo_calib_destroy(eo_calib *c); /* NULL is a no-op */
/* Add n values. EO_ERR_NUMERIC (nothing recorded) if any is NaN or Inf. */
int eo_calib_observe(eo_calib *c, const float *x, size_t n);
/* Number of values observed so far. */
uint64_t eo_calib_count(const eo_calib *c);
/* Range by the handle's method (eo_calib_range) or by another method and
 * percentile (eo_calib_range_by; percentile ignored unless PERCENTILE).
 * lo <= hi; MINMAX and PERCENTILE stay within the observed [min, max], MSE
 * within [min(min, 0), max(max, 0)] (the int8 grid always contains 0).
 * EO_ERR_STATE before any value was observed. */
int eo_calib_range(const eo_calib *c, double *lo, double *hi);
int eo_calib_range_by(const eo_calib *c, eo_calib_method m, double percentile, double *lo,
                      double *hi);
/* eo_calib_range followed by eo_q8_choose_params. */
int eo_calib_qparams(const eo_calib *c, eo_q8_qparam *out);

/* Expected squared int8 quantization error per value of the histogram for
 * the range [lo, hi] (the objective the MSE method minimizes; exposed for
 * reports and tests). */
int eo_calib_expected_mse(const eo_calib *c, double lo, double hi, double *mse);

/* ===================================================== quantization error */

/* How well approx[] reproduces ref[] (weights before/after quantization or
 * clustering). */
typedef struct eo_qerr {
    size_t n;
    double mse;          /* mean (ref - approx)^2 */
    double max_abs;      /* max |ref - approx| */
    double signal;       /* mean ref^2 */
    double sqnr_db;      /* 10 log10(signal / mse); +INFINITY if mse == 0,
                            -INFINITY if signal == 0 < mse */
    int32_t worst_channel;      /* eo_q8_weight_error only: lowest-SQNR row, else -1 */
    double worst_channel_sqnr_db;
} eo_qerr;

/* Compare two arrays of n values (n >= 1). */
int eo_quant_error(const float *ref, const float *approx, size_t n, eo_qerr *out);
/* Error of symmetric int8 quantization of w [rows][cols] (per row or per
 * tensor, as eo_q8_quantize_weights does it), computed without buffers. */
int eo_q8_weight_error(const float *w, int32_t rows, int32_t cols, int per_channel,
                       eo_qerr *out);

/* ================================================================ pruning */

/* Unstructured magnitude pruning of one slice: exactly k = round(sparsity *
 * n) entries get keep[i] = 0, namely those with the smallest |w[i]| (ties
 * broken toward the lower index), all others keep[i] = 1. Already-zero
 * weights are the smallest, so pruning again at a higher sparsity extends a
 * mask. sparsity in [0, 1]. *threshold (may be NULL) gets the largest pruned
 * magnitude (0 if none pruned). EO_ERR_NUMERIC if a weight is NaN. No
 * scratch: the k-th magnitude is found by bisection on the float bit
 * patterns (31 counting passes). */
int eo_prune_mask(const float *w, size_t n, double sparsity, uint8_t *keep, float *threshold);

/* One slice of a global pruning problem. */
typedef struct eo_prune_slice {
    const float *w; /* weights of one layer (borrowed) */
    size_t n;
    uint8_t *keep;  /* [n] output mask */
} eo_prune_slice;

/* Global magnitude pruning: one threshold for all slices, so that exactly
 * round(sparsity * total) weights are pruned over all of them together (ties
 * broken by slice order, then index). Per-layer sparsities then follow from
 * the weight distributions (see eo_prune_mask_sparsity). */
int eo_prune_mask_global(const eo_prune_slice *s, size_t ns, double sparsity, float *threshold);

/* w[i] = 0 where keep[i] == 0. */
void eo_prune_apply(float *w, const uint8_t *keep, size_t n);
/* Fraction of exact zeros in w (0 for n == 0), and of zeros in a mask. */
double eo_prune_sparsity(const float *w, size_t n);
double eo_prune_mask_sparsity(const uint8_t *keep, size_t n);

/* Structured pruning support. norms[r] = L2 norm of row r of w [rows][cols]
 * (a dense layer's neuron = its incoming weights; a conv filter), summed in
 * double. */
int eo_prune_row_norms(const float *w, int32_t rows, int32_t cols, float *norms);
/* keep[r] = 1 for the n_keep rows of largest score (ties: lower index kept),
 * 0 for the others. 0 <= n_keep <= rows. */
int eo_prune_select_rows(const float *score, int32_t rows, int32_t n_keep, uint8_t *keep);

/* Gradual pruning schedule of Zhu & Gupta 2017 ("To prune, or not to prune",
 * eq. 1): for t in [t0, t0 + n dt],
 *     s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3,
 * s_i before t0 and s_f after; pruning happens at t = t0 + j dt, j = 0..n. */
typedef struct eo_prune_schedule {
    double s_initial; /* default 0 */
    double s_final;   /* default 0.9 */
    long t0;          /* first pruning step, default 0 */
    long n;           /* number of pruning intervals, >= 1, default 10 */
    long dt;          /* steps between prunings, >= 1, default 1 */
} eo_prune_schedule;
eo_prune_schedule eo_prune_schedule_defaults(void);
const char *eo_prune_schedule_check(const eo_prune_schedule *s); /* NULL if valid */
/* Target sparsity at step t: the formula at the pruning steps, the value of
 * the latest pruning step in between (a step function, non-decreasing). */
double eo_prune_schedule_at(const eo_prune_schedule *s, long t);
/* 1 if t is one of the pruning steps t0 + j dt (0 <= j <= n), else 0. */
int eo_prune_schedule_is_step(const eo_prune_schedule *s, long t);

/* ======================================================== sparse (CSR) */

/* Compressed sparse rows of a dense-layer weight matrix [rows = out][cols =
 * in]: the nonzeros of row r are val[row_ptr[r] .. row_ptr[r+1]) in columns
 * col[...] (increasing). Plain data; the arrays belong to the caller, who
 * sizes them with eo_csr_count (row_ptr: rows + 1 entries; col, val: nnz). */
typedef struct eo_csr {
    int32_t rows, cols;
    int32_t nnz;      /* number of stored entries */
    int32_t *row_ptr; /* [rows + 1] */
    int32_t *col;     /* [capacity] */
    float *val;       /* [capacity] */
    int32_t capacity; /* size of col and val */
} eo_csr;

/* Number of nonzeros of w [rows][cols] (exact zeros are not stored). */
int eo_csr_count(const float *w, int32_t rows, int32_t cols, int32_t *nnz);
/* Fill m (whose row_ptr/col/val/capacity the caller set) from w.
 * EO_ERR_RANGE if capacity < nnz. */
int eo_csr_from_dense(const float *w, int32_t rows, int32_t cols, eo_csr *m);
/* w [rows][cols] = the dense matrix (zeros elsewhere). */
int eo_csr_to_dense(const eo_csr *m, float *w);
/* Floats of scratch eo_csr_fc needs for a batch (0 for batch 1). */
size_t eo_csr_workspace_size(int32_t cols, int32_t batch);
/* Dense layer through the sparse weights: y[b][r] = bias[r] + sum_j
 * val_j x[b][col_j] over row r's entries in column order. x [batch][cols],
 * y [batch][rows], bias may be NULL, work as sized above (may be NULL when
 * the size is 0). */
int eo_csr_fc(const eo_csr *m, int32_t batch, const float *x, const float *bias, float *y,
              float *work);
/* Whether the CSR kernel is expected to beat dense eo_sgemm on this machine
 * for a layer of the given density (nnz / (rows*cols)) and batch, from the
 * crossover measured by bench/int8_bench (see bench/RESULTS.md). */
int eo_csr_preferred(double density, int32_t batch);

/* ========================================================= clustering */

/* k-means weight sharing (Han et al. 2016, "Deep Compression", sec. 3): the
 * values of one layer are replaced by k shared centroids (a codebook) and
 * each weight stores the index of its centroid. Lloyd's algorithm in 1-D
 * (assignment by binary search among the sorted centroids' midpoints, update
 * to the cluster mean); an empty cluster's centroid moves onto the value
 * farthest from its centroid. Inertia (sum of squared distances) never
 * increases from one iteration to the next. */
typedef enum eo_cluster_init {
    EO_CLUSTER_INIT_KMEANSPP = 0, /* k-means++ (Arthur & Vassilvitskii 2007), seeded eo_rng */
    EO_CLUSTER_INIT_LINEAR = 1,   /* k centroids evenly spaced over [min, max] */
    EO_CLUSTER_INIT_COUNT
} eo_cluster_init;
const char *eo_cluster_init_name(eo_cluster_init i); /* "kmeans++", "linear" */
int eo_cluster_init_from_name(const char *name, eo_cluster_init *out);

typedef struct eo_cluster_params {
    int k;                /* 2..256 (16 fits 4-bit indices); default 16 */
    eo_cluster_init init; /* default k-means++ */
    int max_iter;         /* Lloyd iterations, >= 0; default 50 */
    double tol;           /* stop when inertia falls by less than tol * inertia; default 1e-7 */
    uint64_t seed;        /* for k-means++; default 0 */
} eo_cluster_params;
eo_cluster_params eo_cluster_defaults(void);
const char *eo_cluster_params_check(const eo_cluster_params *p);

typedef struct eo_cluster_info {
    double inertia_init; /* after the initial assignment */
    double inertia;      /* final */
    int iters;           /* Lloyd iterations run */
    int empty;           /* clusters with no member at the end */
} eo_cluster_info;

/* Bytes of scratch eo_cluster_fit needs for n values and k clusters. */
size_t eo_cluster_workspace_size(size_t n, int k);
/* Cluster w[0..n) (n >= 1): codebook[k] sorted ascending, idx[n] in 0..k-1.
 * work: eo_cluster_workspace_size(n, k) bytes, 8-byte aligned. trace (may be
 * NULL) receives the inertia after the initial assignment and after each
 * iteration: max_iter + 1 entries at most, info->iters + 1 written.
 * EO_ERR_NUMERIC for NaN/Inf values. */
int eo_cluster_fit(const eo_cluster_params *p, const float *w, size_t n, float *codebook,
                   uint8_t *idx, void *work, size_t work_size, eo_cluster_info *info,
                   double *trace);

/* Packed indices of a weight matrix [rows][cols]: with 8 bits one byte per
 * index; with 4 bits two per byte, element j of a row in byte j / 2, the low
 * nibble holding even j, and every row starting on a new byte (row stride
 * (cols + 1) / 2 bytes, an odd row's last high nibble 0). */
size_t eo_cluster_packed_size(int32_t rows, int32_t cols, int bits);
/* idx [rows][cols] (values < 2^bits) -> packed. EO_ERR_RANGE if an index does not fit. */
int eo_cluster_pack(const uint8_t *idx, int32_t rows, int32_t cols, int bits, uint8_t *packed);
int eo_cluster_unpack(const uint8_t *packed, int32_t rows, int32_t cols, int bits, uint8_t *idx);
/* w [rows][cols] = codebook[index] (k entries; indices >= k are EO_ERR_RANGE). */
int eo_cluster_dequantize(const float *codebook, int k, const uint8_t *packed, int32_t rows,
                          int32_t cols, int bits, float *w);
/* Dense layer computed from the codebook and packed indices directly:
 * y[b][o] = bias[o] + sum_i codebook[idx[o][i]] * x[b][i], summed in i
 * order, so it equals the reference dense layer with the dequantized weights
 * bit for bit. x [batch][cols], y [batch][rows], bias may be NULL. */
int eo_cluster_fc(const float *codebook, int k, const uint8_t *packed, int32_t rows,
                  int32_t cols, int bits, int32_t batch, const float *x, const float *bias,
                  float *y);

#ifdef __cplusplus
}
#endif
#endif
