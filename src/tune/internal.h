/* Private declarations of the tune module (never installed). */
#ifndef EO_TUNE_INTERNAL_H
#define EO_TUNE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/tune.h"

/* ------------------------------------------------------------- space */

typedef struct eo__param {
    char name[EO_SPACE_NAME_MAX];
    eo_param_kind kind;
    double lo, hi;
    int grid;
    size_t nchoices;
    int numeric;
    char choices[EO_SPACE_MAX_CHOICES][EO_SPACE_NAME_MAX];
    double choice_num[EO_SPACE_MAX_CHOICES];
} eo__param;

struct eo_space {
    size_t n;
    eo__param p[EO_SPACE_MAX_PARAMS];
};

/* Shortest "%.{15,16,17}g" text that reads back as v; returns its length. */
size_t eo__fmt_double(char *buf, size_t n, double v);
int eo__space_copy(const eo_space *s, eo_space **out);

/* ---------------------------------------------------------- strategies */

/* What a strategy sees of the study: the jobs asked so far and, for the
 * first `told` of them, their results (in job order). Losses are oriented
 * for minimization (score negated when maximizing; NaN when the job has no
 * usable score). `mo` (n x nobj, minimized) holds the objective vectors of
 * told jobs when there are several objectives. All borrowed. */
typedef struct eo__history {
    size_t njobs, told, dim;
    const long *trial;
    const int *rung, *budget;
    const double *x;          /* njobs x dim */
    const eo_trial_status *status;
    const double *loss;       /* njobs (valid for the first `told`) */
    const int *prev;          /* njobs: epochs the trial had before the job */
    size_t nobj;
    const double *mo;         /* njobs x nobj, or NULL */
    long epochs_told;         /* epochs trained by the told jobs */
    int continues;            /* the objective continues trials (cost = budget - prev) */
    int epoch_cost;           /* epochs trained per budget epoch (k-fold: k) */
} eo__history;

/* Planned epochs of a job of `budget` after `prev` (cost model above). */
long eo__job_cost(const eo__history *h, int budget, int prev);

/* A job proposal. budget/prev_budget in epochs; x has dim values. */
typedef struct eo__proposal {
    long trial;
    int rung, budget, prev_budget;
    double *x; /* the driver's buffer (dim values) */
} eo__proposal;

enum { EO__ASK_JOB = 1, EO__ASK_WAIT = 2, EO__ASK_DONE = 3 };

typedef struct eo__strategy eo__strategy;
typedef struct eo__strategy_ops {
    /* JOB (fills *p), WAIT (tell me the next result first), DONE, or < 0. */
    int (*ask)(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err);
    /* The result of job k (k == h->told - 1 after the driver updated h). */
    void (*tell)(eo__strategy *st, const eo__history *h, size_t k);
    void (*destroy)(eo__strategy *st);
} eo__strategy_ops;

struct eo__strategy {
    const eo__strategy_ops *ops;
    const eo_space *space;   /* borrowed from the study */
    const eo_tune_params *p; /* borrowed from the study */
    /* Trials the strategy will never continue, for the driver to release
     * (the driver empties the list after each ask). */
    long *released;
    size_t nreleased, capreleased;
};

/* Append a released trial (EO_ERR_NOMEM possible). */
int eo__strategy_release(eo__strategy *st, long trial);

int eo__strategy_create(const eo_space *space, const eo_tune_params *p, eo__strategy **out, eo_error *err);
/* mode: 0 Hyperband, 1 successive halving, 2 BOHB (Hyperband with TPE sampling). */
int eo__hyperband_create(const eo_space *space, const eo_tune_params *p, int mode, eo__strategy **out,
                         eo_error *err);
int eo__tpe_create(eo__strategy **out, eo_error *err);
/* One TPE proposal from explicit good and bad observations (rows of
 * space->n values; either set may be empty): each parameter from its own
 * pair of Parzen estimators l (good) / g (bad), the best l/g of ncand draws
 * from l (0 = 24), as the TPE strategy does. BOHB's model-based sampling. */
int eo__tpe_propose(const eo_space *space, const double *good, size_t ng, const double *bad, size_t nb, int ncand,
                    eo_rng *r, double *out);
int eo__gp_create(eo__strategy **out, eo_error *err);

/* Seed of trial t: a splitmix64 hash of (seed, t), never 0. */
uint64_t eo__trial_seed(uint64_t seed, long trial);
/* Generator for trial t's sampling (stream 2t+1 of the study seed). */
void eo__trial_rng(uint64_t seed, long trial, eo_rng *r);

/* Shared by TPE/GP: trials whose result is usable as an observation. The
 * trial's loss at its first job (these strategies run one job per trial). */
int eo__usable(eo_trial_status s, double loss);

/* Budget gate for one-job-per-trial strategies (random, grid, TPE, GP):
 * 1 when another trial of `budget` epochs fits in params.budget_epochs given
 * the epochs of told jobs and the budgets of the untold ones; 0 when it does
 * not fit but jobs are pending (WAIT); -1 when it can never fit (DONE). */
int eo__budget_gate(const eo_tune_params *p, const eo__history *h);

/* The common start of a model-based ask (TPE, GP): DONE when the trials or
 * the budget are spent, WAIT for the budget or for results (lag), JOB with a
 * random point during the startup trials; 0 when the model must propose.
 * Fills the proposal's trial, rung and budgets and seeds *r for trial t. */
int eo__model_ask_start(const eo_tune_params *p, const eo_space *space, const eo__history *h, eo__proposal *out,
                        eo_rng *r);

/* -------------------------------------------------------------- linear */

/* Cholesky factorization of the n x n SPD matrix a (row-major, lower
 * triangle used, L overwrites it). EO_ERR_NUMERIC when not positive definite. */
int eo__cholesky(double *a, size_t n);
/* Solve L y = b then L^T x = y in place (b -> x). */
void eo__chol_solve(const double *l, size_t n, double *b);
/* Solve L y = b in place. */
void eo__chol_forward(const double *l, size_t n, double *b);

/* Standard normal pdf / cdf. */
double eo__npdf(double z);
double eo__ncdf(double z);

#endif
