/* The objective interface shared by every optimizer (core, OS-free).
 *
 * One callback shape for test functions, user functions and model training:
 *     f = fn(n, x, grad, user)
 * returns the value at x[0..n) and, when grad is not NULL, writes the gradient
 * into grad[0..n). A Hessian-vector product is optional. Double precision is the
 * default; a float32 variant exists for quasi-Newton methods run in float and for
 * model parameters. */
#ifndef EDGEOPT_OBJECTIVE_H
#define EDGEOPT_OBJECTIVE_H

#include <stddef.h>

#include "edgeopt/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef double (*eo_fn)(size_t n, const double *x, double *grad, void *user);
typedef float (*eo_fnf)(size_t n, const float *x, float *grad, void *user);
/* hv = H(x) v */
typedef void (*eo_hvp_fn)(size_t n, const double *x, const double *v, double *hv, void *user);
/* Full Hessian, row-major n x n. */
typedef void (*eo_hess_fn)(size_t n, const double *x, double *H, void *user);

typedef struct eo_objective {
    size_t n;
    eo_fn f;          /* required */
    eo_hvp_fn hvp;    /* optional */
    eo_hess_fn hess;  /* optional */
    void *user;
} eo_objective;

/* Why an optimizer stopped. Positive: success or budget; the list is
 * append-only (names are stored in results files). */
typedef enum eo_stop_reason {
    EO_STOP_NONE = 0,
    EO_STOP_MAX_ITER = 1,   /* iteration budget used up */
    EO_STOP_GTOL = 2,       /* ||grad||_2 <= gtol */
    EO_STOP_FTOL = 3,       /* |f_k - f_{k-1}| <= ftol_rel * max(|f_k|, |f_{k-1}|, 1) */
    EO_STOP_XTOL = 4,       /* ||x_k - x_{k-1}||_2 <= xtol * max(||x_k||, 1) */
    EO_STOP_MAX_EVALS = 5,  /* function-evaluation budget used up */
    EO_STOP_TARGET = 6,     /* f <= f_target */
    EO_STOP_CALLBACK = 7,   /* the trace callback asked to stop */
    EO_STOP_LINESEARCH = 8, /* no acceptable step found (at a stationary point or numerically stuck) */
    EO_STOP_COUNT
} eo_stop_reason;

const char *eo_stop_reason_name(int reason);

/* Stopping criteria shared by every algorithm. A criterion set to 0 (or a
 * negative number) is off, except max_iter which must be > 0. */
typedef struct eo_stop {
    long max_iter;      /* default 1000 */
    long max_evals;     /* default 0 (off) */
    double gtol;        /* default 1e-6 */
    double ftol_rel;    /* default 0 (off) */
    double xtol;        /* default 0 (off) */
    double f_target;    /* used when has_target */
    int has_target;
} eo_stop;

eo_stop eo_stop_defaults(void);

/* Called after every iteration (iter 0 = the start point). Return non-zero to
 * stop (reason EO_STOP_CALLBACK). x is borrowed for the duration of the call. */
typedef int (*eo_trace_fn)(long iter, size_t n, const double *x, double f,
                           double grad_norm, void *user);

typedef struct eo_result {
    double f;           /* value at the returned x */
    double grad_norm;   /* ||grad||_2 at the returned x (NaN if not computed) */
    long iterations;
    long evaluations;   /* calls of the objective (with or without gradient) */
    int reason;         /* eo_stop_reason */
} eo_result;

#ifdef __cplusplus
}
#endif
#endif
