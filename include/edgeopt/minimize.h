/* Minimizers over an eo_objective (optim module, OS-free): line searches,
 * gradient descent, Newton, BFGS, L-BFGS (double and float32), nonlinear CG,
 * proximal gradient (ISTA/FISTA) and OWL-QN for L1, coordinate descent for
 * Lasso / elastic net, Nelder-Mead, simulated annealing and random restarts,
 * the first-order optimizers of optim.h run as minimizers, and landscape
 * analysis (Hessian eigenvalues, point classification, measured rates).
 *
 * One entry point, params-struct style:
 *
 *   eo_minimize_params p = eo_minimize_defaults(EO_MIN_LBFGS);
 *   p.lbfgs_m = 7;
 *   eo_stop stop = eo_stop_defaults();
 *   eo_result res;
 *   int st = eo_minimize(&p, &obj, x, &stop, NULL, NULL, &res, &err);
 *
 * eo_minimize returns a negative eo_status on error (bad parameters, NaN at the
 * start, no memory) and otherwise the reason it stopped (> 0, also in
 * res->reason). x holds the start on entry and the best point found on return.
 * Every method honours every eo_stop criterion that applies to it (derivative-
 * free methods have no gradient norm: gtol is ignored there and grad_norm is
 * NaN), counts objective evaluations in res->evaluations and calls the trace
 * once per iteration (iteration 0 = the start).
 *
 * Memory: eo_minimize allocates its work vectors once at the start through
 * p->alloc (NULL = malloc) and frees them before returning; iterations do not
 * allocate. Nothing is kept between calls; the function is reentrant. */
#ifndef EDGEOPT_MINIMIZE_H
#define EDGEOPT_MINIMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/functions.h"
#include "edgeopt/objective.h"
#include "edgeopt/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ methods */

/* Append-only (names are stored in results). */
typedef enum eo_min_method {
    EO_MIN_GD = 0,          /* "gd": steepest descent + line search */
    EO_MIN_NEWTON = 1,      /* "newton": Newton + Hessian modification + line search */
    EO_MIN_BFGS = 2,        /* "bfgs" */
    EO_MIN_LBFGS = 3,       /* "lbfgs" */
    EO_MIN_CG = 4,          /* "cg": nonlinear conjugate gradient */
    EO_MIN_NELDER_MEAD = 5, /* "nelder-mead" */
    EO_MIN_ANNEAL = 6,      /* "anneal": simulated annealing + local polish */
    EO_MIN_RESTARTS = 7,    /* "restarts": random restarts of a local method */
    EO_MIN_ISTA = 8,        /* "ista": proximal gradient for f + l1 ||x||_1 */
    EO_MIN_FISTA = 9,       /* "fista": accelerated, with adaptive restart */
    EO_MIN_OWLQN = 10,      /* "owlqn": L-BFGS for f + l1 ||x||_1 */
    EO_MIN_FIRST_ORDER = 11,/* an optim.h optimizer (sgd, adam, ...) with a fixed step count */
    EO_MIN_COUNT
} eo_min_method;

const char *eo_min_method_name(int method);  /* "unknown" when out of range */
int eo_min_method_from_name(const char *name); /* -1 when unknown */

typedef enum eo_linesearch_kind {
    EO_LS_ARMIJO = 0,       /* "armijo": backtracking to sufficient decrease */
    EO_LS_STRONG_WOLFE = 1, /* "wolfe": bracketing + zoom (Nocedal & Wright Alg. 3.5/3.6) */
    EO_LS_COUNT
} eo_linesearch_kind;

const char *eo_linesearch_kind_name(int kind);
int eo_linesearch_kind_from_name(const char *name);

typedef enum eo_cg_variant {
    EO_CG_FR = 0,  /* "fr": Fletcher-Reeves */
    EO_CG_PRP = 1, /* "pr": Polak-Ribiere+ (beta = max(0, beta_PR)) */
    EO_CG_COUNT
} eo_cg_variant;

const char *eo_cg_variant_name(int v);
int eo_cg_variant_from_name(const char *name);

typedef struct eo_linesearch_params {
    int kind;          /* eo_linesearch_kind */
    double c1;         /* sufficient decrease, 0 < c1 < c2 < 1; default 1e-4 */
    double c2;         /* curvature (Wolfe only); default 0.9 (0.1 for CG) */
    double shrink;     /* Armijo backtracking factor in (0, 1); default 0.5 */
    double alpha_max;  /* largest step Wolfe may try; default 1e20 */
    int max_evals;     /* evaluations per search; default 40 */
} eo_linesearch_params;

eo_linesearch_params eo_linesearch_defaults(eo_linesearch_kind kind);

/* One line search along d from x (phi(a) = f(x + a d)):
 *   in:  f0 = f(x), g0 = grad f(x), d with g0.d < 0, *alpha = first trial (> 0)
 *   out: *alpha, x_new = x + alpha d, *f_new, g_new = grad f(x_new)
 * Armijo: f(x + a d) <= f0 + c1 a g0.d. Strong Wolfe adds |g(x+a d).d| <= c2 |g0.d|.
 * Returns EO_OK when the conditions hold; EO_STOP_LINESEARCH when no acceptable
 * step was found within max_evals (x_new etc. then hold the best point seen with
 * f < f0 if any, else x itself and alpha = 0), also when d is not a descent
 * direction; EO_STOP_MAX_EVALS when *evals reached max_evals_total (> 0 only).
 * n = obj->n. *evals is incremented by the evaluations done. */
int eo_linesearch(const eo_linesearch_params *p, const eo_objective *obj, const double *x, double f0,
                  const double *g0, const double *d, double *alpha, double *x_new, double *f_new,
                  double *g_new, long *evals, long max_evals_total);

/* Parameters of every method; fields a method does not use are ignored. */
typedef struct eo_minimize_params {
    int method;                /* eo_min_method */
    eo_linesearch_params ls;   /* gd, newton (armijo), bfgs, lbfgs, cg, owlqn */
    double step0;              /* gd/cg first trial step; <= 0: 1/||g_0||_inf capped at 1 */
    int lbfgs_m;               /* memory of lbfgs / owlqn; default 10 */
    int cg_variant;            /* eo_cg_variant; default PR+ */
    long cg_restart;           /* restart every k iterations; 0 = every n; default 0 */
    double newton_beta;        /* first shift tau in H + tau I (N&W Alg. 3.3); default 1e-3 */
    /* L1: minimize f(x) + l1 * ||x||_1 (ista, fista, owlqn) */
    double l1;                 /* >= 0; default 0 */
    double prox_step;          /* ista/fista fixed step (1/L); <= 0: backtracking; default 0 */
    int fista_restart;         /* adaptive restart (O'Donoghue & Candes); default 1 */
    /* Nelder-Mead */
    double nm_step;            /* initial simplex edge relative to |x_i| (abs 0.00025 if x_i = 0); default 0.05 */
    int nm_adaptive;           /* Gao & Han dimension-adaptive coefficients; default 1 */
    double nm_fatol, nm_xatol; /* convergence: f spread and simplex size; default 1e-10, 1e-8 */
    /* global: anneal, restarts */
    uint64_t seed;             /* default 42 */
    const double *lower;       /* borrowed search box (n values each), or NULL: */
    const double *upper;       /*   x0 - radius .. x0 + radius */
    double radius;             /* default 5 */
    long restarts;             /* restarts: number of local runs (incl. the one from x0); default 20 */
    int local_method;          /* restarts/anneal polish: EO_MIN_LBFGS or EO_MIN_NELDER_MEAD */
    long anneal_steps;         /* annealing proposals; default 2000 */
    double anneal_T0;          /* initial temperature; default 5 */
    double anneal_Tmin;        /* final temperature (geometric cooling); default 1e-2 */
    double anneal_sigma;       /* proposal std relative to the box width; default 0.05 */
    /* first order (method EO_MIN_FIRST_ORDER) */
    eo_optim_params first_order;
    int has_schedule;
    eo_schedule schedule;
    const eo_allocator *alloc; /* NULL = malloc/free */
} eo_minimize_params;

eo_minimize_params eo_minimize_defaults(eo_min_method method);
/* NULL if valid, else a static reason. */
const char *eo_minimize_check(const eo_minimize_params *p);

/* Spec "NAME[:key=value,...]": gd, newton, bfgs, lbfgs (m), cg (variant=fr|pr,
 * restart), nelder-mead (step, adaptive), anneal (seed, steps, T0, Tmin, sigma,
 * radius), restarts (seed, n, local=lbfgs|nelder-mead, radius), ista/fista
 * (l1, step, restart), owlqn (l1, m); every gradient method also takes
 * ls=armijo|wolfe, c1, c2. Names unknown here go to eo_optim_parse (sgd, adam,
 * momentum, ...) and give method EO_MIN_FIRST_ORDER. EO_ERR_NOT_FOUND for a
 * name neither knows, EO_ERR_PARSE / EO_ERR_INVALID with the column otherwise. */
int eo_minimize_parse(const char *spec, eo_minimize_params *out, eo_error *err);

/* Run a method from x (in: start, out: result) until a criterion of stop fires.
 * stop NULL = eo_stop_defaults(); trace may be NULL. For EO_MIN_FIRST_ORDER an
 * iteration is one optimizer step, and the best point seen is returned. */
int eo_minimize(const eo_minimize_params *p, const eo_objective *obj, double *x,
                const eo_stop *stop, eo_trace_fn trace, void *trace_user, eo_result *res,
                eo_error *err);

/* 1 when a stop reason means "converged" (gtol, ftol, xtol, target). */
int eo_stop_reason_converged(int reason);

/* --------------------------------------------------- L-BFGS in float32
 * The same two-loop L-BFGS with strong-Wolfe line search, over float vectors
 * (scalars such as dot products and the step length are kept in double).
 * Work memory: 2 m n + 5 n floats from alloc. */
typedef struct eo_lbfgs_f32_params {
    int m;                     /* default 10 */
    eo_linesearch_params ls;   /* strong Wolfe by default */
    const eo_allocator *alloc;
} eo_lbfgs_f32_params;

eo_lbfgs_f32_params eo_lbfgs_f32_defaults(void);
int eo_lbfgs_f32(const eo_lbfgs_f32_params *p, size_t n, eo_fnf f, void *user, float *x,
                 const eo_stop *stop, eo_result *res, eo_error *err);

/* ------------------------------------------- Lasso / elastic net by CD
 * scikit-learn's parametrisation (ElasticNet / Lasso with l1_ratio = 1):
 *   min_{w,b} 1/(2 n) ||y - X w - b||^2 + alpha l1_ratio ||w||_1
 *             + alpha (1 - l1_ratio) / 2 ||w||^2
 * solved by cyclic coordinate descent (Friedman, Hastie & Tibshirani, J. Stat.
 * Softw. 33(1), 2010) with scikit-learn's stopping rule: after an epoch whose
 * largest coordinate change is below tol * max|w|, the duality gap is computed
 * and the loop stops when gap < tol * ||y - mean y||^2 (n-scaled objective). */
typedef struct eo_enet_params {
    double alpha;        /* >= 0; default 1 */
    double l1_ratio;     /* in [0, 1]; default 1 (Lasso) */
    int fit_intercept;   /* default 1: center X and y, b = mean y - mean X . w */
    double tol;          /* default 1e-4 */
    long max_iter;       /* epochs; default 1000 */
    int warm_start;      /* use w as given on entry (default 0: start from 0) */
    const eo_allocator *alloc;
} eo_enet_params;

eo_enet_params eo_enet_defaults(void);

/* X is n_samples x n_features, element (i, j) at X[i * rs + j * cs]: row-major
 * is (rs, cs) = (n_features, 1), column-major (1, n_samples). w[n_features]
 * (in: warm start when p->warm_start; out: coefficients), *b the intercept.
 * info (may be NULL): epochs run, final gap, gap tolerance, converged flag.
 * Work memory: n_samples * (n_features + 2) doubles (a centred column-major
 * copy of X, the residual). */
typedef struct eo_enet_info {
    long epochs;
    double gap, gap_tol;
    int converged;
} eo_enet_info;

int eo_enet_fit(const eo_enet_params *p, size_t n_samples, size_t n_features, const double *X,
                size_t rs, size_t cs, const double *y, double *w, double *b, eo_enet_info *info,
                eo_error *err);

/* Regularization path as sklearn's lasso_path / enet_path: n_alphas values
 * log-spaced from alpha_max = max_j |x_j . (y - mean y)| / (n l1_ratio) down
 * to eps * alpha_max (eps default 1e-3), each fit warm-started from the
 * previous one. alphas[n_alphas] out; W[n_alphas * n_features] out (row k =
 * coefficients at alphas[k]); intercepts[n_alphas] out (may be NULL);
 * epochs[n_alphas] out (may be NULL). p->alpha is ignored. */
int eo_enet_path(const eo_enet_params *p, size_t n_samples, size_t n_features, const double *X,
                 size_t rs, size_t cs, const double *y, size_t n_alphas, double eps,
                 double *alphas, double *W, double *intercepts, long *epochs, eo_error *err);

/* ------------------------------------------------- landscape analysis */

/* Eigenvalues (ascending) of the symmetric n x n matrix A (row-major; only
 * read, the upper triangle is used) by the cyclic Jacobi method (Golub & Van
 * Loan, Matrix Computations, 4th ed., Sec. 8.5). V (may be NULL) receives the
 * eigenvectors as columns, row-major n x n. Work memory: n*n doubles. */
int eo_eigen_sym(size_t n, const double *A, double *w, double *V, const eo_allocator *alloc,
                 eo_error *err);

/* Classify x by the Hessian's eigenvalues: all > tol minimum, all < -tol
 * maximum, both signs (beyond tol) saddle, else degenerate. tol <= 0 uses
 * 1e-8 * max(1, max |lambda|). The Hessian comes from obj->hess, else from
 * central differences of the gradient (then symmetrised). eigenvalues (may be
 * NULL) receives the n eigenvalues ascending. Returns the eo_point_kind (>= 0)
 * or a negative eo_status. Also reports ||grad|| at x in *grad_norm (may be
 * NULL): a classification is meaningful only at a stationary point. */
int eo_landscape_classify(const eo_objective *obj, const double *x, double tol,
                          double *eigenvalues, double *grad_norm, const eo_allocator *alloc,
                          eo_error *err);

/* Measured linear rate of a sequence e[0..len) (errors f_k - f* or ||x_k -
 * x*||): exp of the least-squares slope of log e[k] over k in [k0, k1), or NaN
 * when fewer than two positive values lie in the window. */
double eo_rate_measure(const double *e, size_t k0, size_t k1);

#ifdef __cplusplus
}
#endif
#endif
