/* edgeopt landscape: the loss of a trained model along lines and over planes
 * through its weights (train module).
 *
 * A model with parameters theta is evaluated (eval mode, data loss without
 * penalties, plus accuracy for classification) at
 *   1-D slice      theta + a d1                       a in alpha[]
 *   2-D plane      theta + a d1 + b d2                a in alpha[], b in beta[]
 *   interpolation  (1 - a) theta_A + a theta_B        a in alpha[] (e.g. -0.5 .. 1.5)
 * following Li, Xu, Taylor, Studer & Goldstein, "Visualizing the loss
 * landscape of neural nets", NeurIPS 2018, and Goodfellow, Vinyals & Saxe,
 * "Qualitatively characterizing neural network optimization problems", ICLR
 * 2015 (the straight line between two solutions). Each point is computed in
 * double and rounded once to float, so a = 0 (and b = 0) gives exactly theta,
 * and the interpolation gives exactly theta_A at a = 0 and theta_B at a = 1.
 * Batch-norm running statistics stay those of the model on slices and planes
 * and are interpolated like the weights on the line between two models.
 *
 * DIRECTIONS
 *   random: d ~ N(0, I) over the whole parameter vector, then filter
 *     normalization (Li et al., Sec. 4): for every filter of a conv layer (an
 *     output channel's C*kh*kw weights), every neuron of a dense layer (a row
 *     of W) and every channel of a depthwise conv, the block of d is rescaled to
 *     the Euclidean norm of the same block of theta; biases and batch-norm
 *     parameters get d = 0 (their "ignore biasbn" setting). A filter whose
 *     weights are all zero gets d = 0. Two directions drawn this way are nearly
 *     orthogonal in high dimension; they are not orthogonalized.
 *   pca: the two leading principal directions of an optimization trajectory
 *     (Li et al., Sec. 7): rows theta_i - theta (i = 1..k snapshots, theta the
 *     final model), centred over i, then the top two eigenvectors of their
 *     k x k Gram matrix mapped back to parameter space (unit vectors). The
 *     snapshots are parameter vectors saved during training, e.g. one model
 *     file per epoch, or copies of eo_model_params taken from the trainer's
 *     progress callback at EO_TRAIN_EPOCH. The trajectory's coordinates in the
 *     plane, (theta_i - theta) . d_j, are returned for plotting.
 *
 * COST: every point is one pass over the rows (eo_evaluate); a g x g plane is
 * g^2 passes. Keep the row count modest (the CLI defaults to 1,000 rows).
 *
 * Ownership: every function borrows its arguments; the model is modified
 * during an evaluation and its parameters and buffers are put back
 * bit-identical before the function returns (also on error). Nothing here
 * prints or allocates more than O(nparams + na*nb). */
#ifndef EDGEOPT_LANDSCAPE_H
#define EDGEOPT_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "edgeopt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* From edgeopt/data.h (declared here so this header stands alone). */
typedef struct eo_dataset eo_dataset;
typedef struct eo_scaler eo_scaler;

typedef enum eo_landscape_dirs {
    EO_LANDSCAPE_RANDOM = 0, /* "random": filter-normalized Gaussian directions */
    EO_LANDSCAPE_PCA = 1,    /* "pca": principal directions of a trajectory */
    EO_LANDSCAPE_DIRS_COUNT
} eo_landscape_dirs;

const char *eo_landscape_dirs_name(int dirs); /* "unknown" out of range */
int eo_landscape_dirs_from_name(const char *name); /* -1 if unknown */

/* Progress: called after each evaluated point with the count done and the
 * total; return non-zero to stop (the function then returns
 * EO_ERR_INTERRUPTED with the model restored). */
typedef int (*eo_landscape_progress_fn)(size_t done, size_t total, void *user);

/* Where and how the loss is measured. */
typedef struct eo_landscape_data {
    const eo_dataset *ds;      /* borrowed */
    const uint32_t *rows;      /* rows of ds to use, or NULL = all rows (n ignored) */
    size_t n;
    const eo_scaler *scaler;   /* the model's feature scaling, or NULL */
    eo_loss_params loss;       /* default softmax cross-entropy */
    int batch;                 /* rows per forward pass, <= 0: 256 (default 256) */
    const eo_parallel *par;    /* for the model's GEMMs, NULL = serial */
    eo_landscape_progress_fn progress; /* may be NULL */
    void *progress_user;
} eo_landscape_data;

eo_landscape_data eo_landscape_data_defaults(void);

/* n evenly spaced values from lo to hi inclusive (n == 1: lo). An odd n with
 * lo = -hi puts an exact 0 in the middle. */
void eo_landscape_linspace(double lo, double hi, size_t n, double *out);

/* Filter normalization of a direction dir (nparams floats, the model's
 * parameter layout) in place, as described above. EO_ERR_INVALID for NULL. */
int eo_landscape_filter_normalize(const eo_model *m, float *dir);

/* A filter-normalized Gaussian direction into dir (nparams floats),
 * deterministic for a given rng state. */
int eo_landscape_random_direction(const eo_model *m, eo_rng *rng, float *dir);

/* PCA directions of a trajectory. traj: k x n floats (row i = snapshot i),
 * center: n floats (the final model). d1, d2: n floats each, out (unit
 * vectors; the sign makes the first snapshot's coordinate <= 0, so the
 * trajectory runs towards +d). ratio (may be NULL): the fraction of the
 * trajectory's variance each direction explains. coords (may be NULL): k x 2
 * coordinates (theta_i - center) . d_j. Needs 2 <= k <= 4096 and a trajectory
 * that spans at least two directions (EO_ERR_INVALID otherwise). Allocates
 * O(k^2 + n) doubles. */
int eo_landscape_pca(const float *traj, size_t k, size_t n, const float *center, float *d1, float *d2,
                     double ratio[2], double *coords, eo_error *err);

/* 1-D slice: loss[i] (and acc[i], may be NULL; NaN for regression losses) of
 * m at theta + alpha[i] dir. */
int eo_landscape_line(eo_model *m, const float *dir, const double *alpha, size_t na,
                      const eo_landscape_data *data, double *loss, double *acc, eo_error *err);

/* 2-D plane: loss[j*na + i] (and acc, may be NULL) of m at
 * theta + alpha[i] d1 + beta[j] d2 (row j = one beta, the eo_grid layout of
 * edgeopt/plot.h). */
int eo_landscape_plane(eo_model *m, const float *d1, const float *d2, const double *alpha, size_t na,
                       const double *beta, size_t nb, const eo_landscape_data *data, double *loss,
                       double *acc, eo_error *err);

/* Linear interpolation between two models of the same architecture (same
 * layers and shapes; EO_ERR_SHAPE otherwise): loss[i] (and acc) at
 * (1 - alpha[i]) theta_A + alpha[i] theta_B, evaluated on a. */
int eo_landscape_interpolate(eo_model *a, const eo_model *b, const double *alpha, size_t na,
                             const eo_landscape_data *data, double *loss, double *acc, eo_error *err);

/* --------------------------------------------------------------- figure */

/* What eo_landscape_plot draws (all arrays borrowed). */
typedef struct eo_landscape_figure {
    const char *title;          /* figure title, or NULL */
    const char *xlabel;         /* label of the alpha axis (NULL: "alpha") */
    size_t na;                  /* points on the line (>= 2) */
    const double *alpha;
    const double *loss;         /* na values */
    const double *acc;          /* na values or NULL (not drawn) */
    /* Optional plane (nb >= 2 and plane_loss != NULL): contour map over
     * alpha x beta with the model marked at (0, 0). */
    size_t nb;
    const double *beta;
    const double *plane_loss;   /* nb x na, row j = beta[j] */
    /* Optional trajectory in the plane (PCA): ntraj points, coords[2i], [2i+1]. */
    size_t ntraj;
    const double *traj;
} eo_landscape_figure;

/* The 1-D curve (loss, and accuracy on a second axis panel) and, when given,
 * the contour map of the plane, saved as PNG or SVG (by the extension).
 * EO_ERR_UNSUPPORTED without cairo. */
int eo_landscape_plot(const char *path, const eo_landscape_figure *fig, eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
