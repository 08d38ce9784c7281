/* Private helpers shared by the minimizers, the test functions and the spec
 * parsers of lane "minimize" (never installed). */
#ifndef EO_OPTIM_MIN_INTERNAL_H
#define EO_OPTIM_MIN_INTERNAL_H

#include <stddef.h>

#include "edgeopt/core.h"
#include "edgeopt/minimize.h"
#include "edgeopt/objective.h"

/* ------------------------------------------------------- spec tokenizer
 * Spec strings are NAME[:key=value,...]. Columns are 1-based offsets into the
 * whole spec, so errors can point at the token. */
typedef struct eo__kv {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
    long key_col, val_col;
} eo__kv;

/* Copy the name (before ':') into name[cap]; *rest points after the ':' (or at
 * the terminating NUL). EO_ERR_PARSE for an empty or too long name. */
int eo__spec_name(const char *spec, char *name, size_t cap, const char **rest, eo_error *err);
/* Next key=value from *p: returns 1 and fills kv, 0 at the end, <0 on error. */
int eo__spec_next(const char *spec, const char **p, eo__kv *kv, eo_error *err);
int eo__kv_is(const eo__kv *kv, const char *key);
int eo__spec_double(const char *spec, const eo__kv *kv, double lo, double hi, double *out,
                    eo_error *err);
int eo__spec_long(const char *spec, const eo__kv *kv, long lo, long hi, long *out, eo_error *err);
int eo__spec_unknown_key(const char *spec, const eo__kv *kv, const char *known, eo_error *err);

/* ------------------------------------------------------- vector helpers */
double eo__dot(size_t n, const double *a, const double *b);
double eo__nrm2(size_t n, const double *a);
/* y += a x */
void eo__axpy(size_t n, double a, const double *x, double *y);

/* ----------------------------------------------------- iteration context
 * Counts evaluations, applies eo_stop, calls the trace. One per eo_minimize
 * call; the methods use it instead of calling obj->f directly. */
typedef struct eo__mctx {
    const eo_objective *obj;
    eo_stop stop;
    eo_trace_fn trace;
    void *trace_user;
    long evals;
    long iter;
} eo__mctx;

void eo__mctx_init(eo__mctx *c, const eo_objective *obj, const eo_stop *stop, eo_trace_fn trace,
                   void *trace_user);
/* f(x) (and the gradient when g != NULL), counted. */
double eo__eval(eo__mctx *c, const double *x, double *g);
/* Evaluations still allowed (LONG_MAX when max_evals is off). */
long eo__evals_left(const eo__mctx *c);
/* Report the start (iteration 0): trace, then target and gtol. Returns a
 * reason (> 0) or 0 to go on. gnorm may be NaN (derivative-free). */
int eo__start(eo__mctx *c, const double *x, double f, double gnorm);
/* After iteration c->iter (already incremented by the caller): trace, target,
 * gtol, ftol (f_prev -> f), xtol (step norm vs ||x||), evaluations, iterations.
 * Pass step = NaN to skip xtol. Returns a reason or 0. */
int eo__after_iter(eo__mctx *c, const double *x, double f_prev, double f, double gnorm,
                   double step);
void eo__finish(const eo__mctx *c, eo_result *res, double f, double gnorm, int reason);

/* ------------------------------------------------------ scalar line search
 * The line-search logic over phi(a) = f(x + a d), shared by the double and
 * float32 methods. phi evaluates at a (writing the trial point and its gradient
 * where the caller keeps them), stores phi(a) and phi'(a), and returns 0, or
 * non-zero when the evaluation budget is used up (nothing evaluated then).
 * eo__ls_run returns EO_OK, EO_STOP_LINESEARCH or EO_STOP_MAX_EVALS; *a, *fa,
 * *da describe the returned step (a = 0: no progress). *last_ok is 1 when the
 * last point evaluated is the returned one (else the caller evaluates again). */
typedef int (*eo__phi_fn)(void *ctx, double a, double *fa, double *da);
int eo__ls_run(const eo_linesearch_params *p, double f0, double d0, double a_init, eo__phi_fn phi,
               void *ctx, double *a, double *fa, double *da, int *last_ok);
/* The double-precision search through the context (counts evaluations and
 * respects max_evals). Same contract as eo_linesearch. */
int eo__linesearch(eo__mctx *c, const eo_linesearch_params *p, const double *x, double f0,
                   const double *g0, const double *d, double *alpha, double *x_new, double *f_new,
                   double *g_new);

/* ------------------------------------------------------------- methods
 * Each returns the stop reason (> 0) or a negative eo_status; x is the start
 * on entry and the result on return; res is filled by the method. */
#define EO__METHOD(name)                                                                       \
    int eo__min_##name(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res, \
                       eo_error *err);
EO__METHOD(gd)
EO__METHOD(newton)
EO__METHOD(bfgs)
EO__METHOD(lbfgs)
EO__METHOD(cg)
EO__METHOD(nelder_mead)
EO__METHOD(anneal)
EO__METHOD(restarts)
EO__METHOD(prox)
EO__METHOD(owlqn)
EO__METHOD(first_order)
#undef EO__METHOD

/* Evaluate at the start with the gradient: NaN gives EO_ERR_NUMERIC, a
 * criterion met at the start gives its reason (> 0), else 0. */
int eo__grad_start(eo__mctx *c, const double *x, double *g, double *f, double *gnorm,
                   eo_error *err);
/* Allocate k vectors of n doubles in one block (freed with eo_free(alloc, *block)). */
int eo__alloc_vecs(const eo_allocator *a, size_t n, size_t k, double **block, eo_error *err);

#endif
