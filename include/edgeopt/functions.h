/* Test functions for optimizers (optim module, OS-free).
 *
 * A self-describing table in the spirit of NLopt's test set: each row gives a
 * name, the dimensions it accepts, value + gradient, the full Hessian, its known
 * stationary points (global minima, classic local minima, maxima, saddles), a
 * suggested plot domain and a classic start point.
 *
 *   eo_testfn t;
 *   if (eo_testfn_parse("quadratic:dim=10,cond=100", &t, &err)) ...;
 *   eo_objective obj = eo_testfn_objective(&t);   // obj.user == &t (borrowed)
 *
 * Spec grammar: NAME[:key=value,...] with keys
 *   dim=N    dimension (functions of any n >= 2; fixed 2-D functions accept only 2)
 *   cond=K   condition number of `quadratic` (K >= 1, default 10)
 * Errors name the column (1-based) of the offending token in eo_error.column.
 *
 * Functions (n = dim):
 *   quadratic        0.5 * sum_i lambda_i x_i^2, lambda_i = cond^(i/(n-1)): mu = 1, L = cond
 *   rosenbrock       chained: sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 (SciPy's rosen)
 *   rosenbrock-ext   extended (Moré, Garbow & Hillstrom 1981): the 2-D function on
 *                    each pair (x_{2i}, x_{2i+1}); n even
 *   rastrigin        10 n + sum_i (x_i^2 - 10 cos(2 pi x_i))
 *   ackley           -20 exp(-0.2 sqrt(mean x_i^2)) - exp(mean cos(2 pi x_i)) + 20 + e
 *                    (not differentiable at 0: the gradient returned there is 0)
 *   styblinski-tang  0.5 * sum_i (x_i^4 - 16 x_i^2 + 5 x_i)
 *   himmelblau       (x^2 + y - 11)^2 + (x + y^2 - 7)^2               (2-D)
 *   beale            (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2 (2-D)
 *   booth            (x + 2y - 7)^2 + (2x + y - 5)^2                  (2-D)
 *   saddle           x^2 - y^2 (unbounded below; a saddle at 0)         (2-D)
 *   monkey-saddle    x^3 - 3 x y^2 (a degenerate stationary point at 0)  (2-D) */
#ifndef EDGEOPT_FUNCTIONS_H
#define EDGEOPT_FUNCTIONS_H

#include <stddef.h>

#include "edgeopt/core.h"
#include "edgeopt/objective.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kind of a stationary point (also the result of the Hessian classification in
 * minimize.h). Append-only. */
typedef enum eo_point_kind {
    EO_POINT_MINIMUM = 0,
    EO_POINT_MAXIMUM = 1,
    EO_POINT_SADDLE = 2,
    EO_POINT_DEGENERATE = 3, /* a zero eigenvalue: the Hessian cannot decide */
    EO_POINT_COUNT
} eo_point_kind;

const char *eo_point_kind_name(int kind);
int eo_point_kind_from_name(const char *name); /* -1 if unknown */

/* A known stationary point. For 2-D functions x = (x[0], x[1]). For functions of
 * any dimension every coordinate equals x[0]. Value f = f0 + f_per_dim * n. */
typedef struct eo_testfn_point {
    int kind;          /* eo_point_kind */
    int global;        /* 1 for a global minimum */
    double x[2];
    double f0, f_per_dim;
} eo_testfn_point;

#define EO_TESTFN_MAX_POINTS 10

typedef struct eo_testfn eo_testfn;

/* One row of the table (static storage, never freed). */
typedef struct eo_testfn_info {
    const char *name;
    const char *formula;    /* one line, for listings */
    size_t dim;             /* fixed dimension, or 0 = any n >= min_dim */
    size_t min_dim;
    int dim_even;           /* n must be even (rosenbrock-ext) */
    size_t default_dim;
    double (*value)(const eo_testfn *t, size_t n, const double *x, double *grad);
    void (*hessian)(const eo_testfn *t, size_t n, const double *x, double *H);
    int npoints;
    eo_testfn_point points[EO_TESTFN_MAX_POINTS];
    double lo, hi;          /* suggested plot domain, every coordinate in [lo, hi] */
    double start[2];        /* classic start: x_i = start[i % 2] */
    int has_minimum;        /* 0 when unbounded below (saddles) */
} eo_testfn_info;

/* A configured function: the table row plus its parameters. Plain data. */
struct eo_testfn {
    const eo_testfn_info *info; /* borrowed from the static table */
    size_t n;
    double cond;                /* quadratic only */
};

/* The table: number of rows and row i (NULL when out of range). */
size_t eo_testfn_count(void);
const eo_testfn_info *eo_testfn_info_at(size_t i);
/* Row by exact name, NULL if unknown. */
const eo_testfn_info *eo_testfn_lookup(const char *name);

/* Parse "NAME[:key=value,...]". EO_ERR_NOT_FOUND for an unknown name,
 * EO_ERR_PARSE for malformed text or unknown keys, EO_ERR_INVALID for values
 * out of range (dim=3 for a 2-D function, cond < 1, ...). */
int eo_testfn_parse(const char *spec, eo_testfn *out, eo_error *err);

/* The objective over t (t is borrowed and must outlive the objective): f,
 * Hessian, and a Hessian-vector product computed from the Hessian. */
eo_objective eo_testfn_objective(const eo_testfn *t);

/* Callback-shaped evaluators (user = const eo_testfn *). */
double eo_testfn_eval(size_t n, const double *x, double *grad, void *user);
void eo_testfn_hess(size_t n, const double *x, double *H, void *user);

/* Known stationary point k of t (0 <= k < info->npoints): writes x[0..t->n)
 * and returns the value there. */
double eo_testfn_point_x(const eo_testfn *t, int k, double *x);
/* The classic start point, x[0..t->n). */
void eo_testfn_start(const eo_testfn *t, double *x);
/* Value of the global minimum, or -HUGE_VAL when unbounded below. */
double eo_testfn_fmin(const eo_testfn *t);

#ifdef __cplusplus
}
#endif
#endif
