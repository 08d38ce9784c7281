/* edgeopt tune: hyperparameter search (tune module: uses the OS for the study
 * log, threads for parallel trials and, optionally, MPI).
 *
 * THE PIECES
 *   - a search space of named parameters (eo_space), parsed from text such as
 *       lr=log(1e-4,1e-1); batch=choice(32,64,128,256); hidden=int(32,512)
 *     whose values fill {name} placeholders in model/optimizer/other specs;
 *   - a strategy that proposes trials: grid, random, successive halving,
 *     Hyperband, TPE or a Gaussian process with expected improvement;
 *   - an objective: a C callback (eo_tune_objective), e.g. the training
 *     objective below (validation accuracy or loss on a stratified hold-out
 *     split or by stratified k-fold cross-validation);
 *   - optional device constraints (flash, RAM, latency, parameters) checked
 *     BEFORE a trial trains, and several objectives with a Pareto front;
 *   - a median-stopping pruner;
 *   - an append-only study log (JSON Lines) that makes a killed study resumable;
 *   - an executor: inline, N threads (--jobs) or MPI ranks.
 *
 * DETERMINISM (the rule every strategy follows)
 *   The driver asks the strategy for jobs (a job = one trial evaluated with one
 *   budget of epochs). The strategy answers JOB, WAIT or DONE. Results are
 *   told to the strategy strictly in job order, and only when it answers WAIT:
 *   then the driver blocks until the next result in job order exists and tells
 *   it. So the sequence of asks and tells, and hence every trial's
 *   configuration, depends on (seed, the results) only, never on the number of
 *   workers or on timing. Random numbers of trial t come from the stream
 *   (seed, t). Consequences per strategy:
 *     grid, random      every trial is independent (no waits);
 *     halving/Hyperband a rung is promoted when all its results are told;
 *     TPE, GP           trial t >= n_startup is proposed from the results of
 *                       trials 0 .. t-lag-1 (the driver waits for them); the
 *                       `lag` trials still pending count as "bad" (TPE) or as
 *                       constant-liar observations (GP). lag = 0 is the fully
 *                       sequential algorithm; with N workers use lag >= N-1 to
 *                       keep them busy. lag never depends on the worker count.
 *   The median pruner decides for trial t at epoch e from the epoch-e scores
 *   of all trials before t (a worker waits until each of them reached epoch e
 *   or ended), so pruning is deterministic too.
 *
 * OWNERSHIP
 *   eo_space and eo_study are opaque: free with their destroy function.
 *   Strings and arrays passed in are copied unless marked "borrowed".
 *   Pointers returned by accessors are borrowed and valid until the object is
 *   destroyed. Nothing here prints; progress goes to a callback. */
#ifndef EDGEOPT_TUNE_H
#define EDGEOPT_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/model.h"
#include "edgeopt/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================= space */

/* Limits: at most EO_SPACE_MAX_PARAMS parameters, names of at most 63
 * characters ([A-Za-z_][A-Za-z0-9_]*), at most EO_SPACE_MAX_CHOICES options
 * of at most 63 characters each. */
#define EO_SPACE_MAX_PARAMS 32
#define EO_SPACE_MAX_CHOICES 64
#define EO_SPACE_NAME_MAX 64

typedef enum eo_param_kind {
    EO_PARAM_UNIFORM = 0, /* uniform(a,b): float, a < b */
    EO_PARAM_LOG = 1,     /* log(a,b): float, log-uniform, 0 < a < b */
    EO_PARAM_INT = 2,     /* int(a,b): integer uniform in a..b, a <= b */
    EO_PARAM_INTLOG = 3,  /* intlog(a,b): integer, log-uniform, 1 <= a <= b */
    EO_PARAM_CHOICE = 4,  /* choice(x,y,...): categorical (numbers or words) */
    EO_PARAM_KIND_COUNT
} eo_param_kind;
/* "uniform", "log", "int", "intlog", "choice"; "?" out of range. */
const char *eo_param_kind_name(int kind);
int eo_param_kind_from_name(const char *name); /* -1 if unknown */

typedef struct eo_space eo_space;

/* One parameter as plain data (borrowed name, valid while the space lives). */
typedef struct eo_param_info {
    const char *name;
    eo_param_kind kind;
    double lo, hi;      /* bounds (choice: 0 and nchoices - 1) */
    int grid;           /* grid points given in the spec (grid=N), 0 = the default */
    size_t nchoices;    /* choice: number of options */
    int numeric;        /* choice: 1 when every option is a number */
} eo_param_info;

/* Grammar (docs/tuning.md):
 *   space := item { (';' | newline) item }    empty items are skipped,
 *            '#' starts a comment to the end of the line
 *   item  := NAME '=' KIND '(' args ')'
 *   KIND  := uniform | log | int | intlog | choice
 *   args  := NUM ',' NUM [ ',' 'grid' '=' INT ]   (uniform, log, int, intlog)
 *          | OPTION { ',' OPTION }                (choice; numbers or words
 *                                                   of [A-Za-z0-9_.+-])
 *   Blanks may surround every token.
 * A value of a configuration is a double per parameter: the number for
 * uniform/log, an integer-valued double for int/intlog, and the index of the
 * option for choice.
 * Errors: EO_ERR_PARSE with err->line / err->column (1-based) at the offending
 * character, err->where = `where` (NULL: "--space"), and a message saying what
 * was expected; EO_ERR_INVALID for bad bounds (a >= b, log of <= 0, ...). */
int eo_space_parse(const char *text, const char *where, eo_space **out, eo_error *err);
/* Read a space from a file (at most 1 MiB), errors name the file and line. */
int eo_space_load(const char *path, eo_space **out, eo_error *err);
void eo_space_destroy(eo_space *s); /* NULL accepted */

size_t eo_space_dim(const eo_space *s);
/* EO_ERR_INVALID when i >= dim. */
int eo_space_param(const eo_space *s, size_t i, eo_param_info *out);
/* Index of a parameter by name, -1 if absent. */
int eo_space_find(const eo_space *s, const char *name);
/* Label of option c of choice parameter i (borrowed), NULL when out of range. */
const char *eo_space_choice(const eo_space *s, size_t i, size_t c);
/* Canonical text of the space ("lr=log(0.0001,0.10000000000000001);..."),
 * parsed back to the same space. Returns the length needed (like snprintf). */
size_t eo_space_format(const eo_space *s, char *buf, size_t n);

/* Draw a configuration x[dim] uniformly from the space (log-uniform for log
 * and intlog: an intlog value v has probability proportional to
 * log((v+0.5)/(v-0.5)), clipped to [a-0.5, b+0.5]). */
void eo_space_sample(const eo_space *s, eo_rng *r, double *x);
/* EO_OK when x is a valid configuration (in bounds, integers integral,
 * choice indices valid), else EO_ERR_RANGE naming the parameter. */
int eo_space_check(const eo_space *s, const double *x, eo_error *err);
/* Value of parameter i as text: %.17g numbers (shortest round trip), ints as
 * integers, the option label for choice. Returns the length (like snprintf). */
size_t eo_space_value_str(const eo_space *s, size_t i, double v, char *buf, size_t n);
/* Numeric value of parameter i for plots and models: the value itself, or
 * for choice the option's number (its index when the option is a word). */
double eo_space_value_num(const eo_space *s, size_t i, double v);
/* 1 when parameter i is best shown on a log axis (log, intlog, or a numeric
 * choice whose positive options span more than a factor 10). */
int eo_space_log_axis(const eo_space *s, size_t i);

/* Unit encoding used by the model-based strategies: u in [0,1] for uniform
 * (linear), log/intlog (in log space) and int; choice is not encoded here.
 * decode maps u back (integers rounded to the nearest value, clamped). */
double eo_space_encode(const eo_space *s, size_t i, double v);
double eo_space_decode(const eo_space *s, size_t i, double u);

/* Grid: choice -> every option; int/intlog -> every integer when there are at
 * most `points` of them, else `points` values evenly spaced (in log space for
 * intlog) and rounded (duplicates removed); uniform/log -> `points` values
 * from a to b inclusive (geometric for log). `points` is the parameter's
 * grid=N if given, else default_points (>= 2). Points are enumerated in
 * row-major order (the last parameter varies fastest). */
size_t eo_space_grid_count(const eo_space *s, size_t i, int default_points);
/* Total points, or 0 when it exceeds 2^40. */
uint64_t eo_space_grid_size(const eo_space *s, int default_points);
int eo_space_grid_point(const eo_space *s, int default_points, uint64_t index, double *x);

/* Placeholders: "{name}" in a template is replaced by the value text of
 * parameter `name`; "{{" and "}}" are literal braces. `what` names the
 * template in messages ("--model"). *used (may be NULL) gets bit i set for
 * every parameter i used. Errors: EO_ERR_PARSE for an unknown placeholder
 * ("unknown placeholder {hiden} in --model at column 5; the space has: lr,
 * batch, hidden") or an unclosed brace, with err->column; EO_ERR_RANGE when
 * the result does not fit in cap bytes. x may be NULL to only check. */
int eo_space_fill(const eo_space *s, const double *x, const char *tmpl, const char *what, char *out,
                  size_t cap, uint64_t *used, eo_error *err);

/* ========================================================= quantities */

/* What a trial is measured by: the trained score (accuracy or loss, from
 * the objective) and device quantities known before training (of the int8
 * model the trial would produce, as the export computes them). */
typedef enum eo_tune_quantity {
    EO_TUNE_SCORE = 0,   /* objective score (maximize or minimize, see params) */
    EO_TUNE_FLASH = 1,   /* bytes of flash (weights + code) */
    EO_TUNE_RAM = 2,     /* bytes of RAM (activation arena + stack) */
    EO_TUNE_LATENCY = 3, /* latency proxy: multiply-accumulates per inference */
    EO_TUNE_PARAMS = 4,  /* number of parameters */
    EO_TUNE_QUANTITY_COUNT
} eo_tune_quantity;
/* "score", "flash", "ram", "latency", "params". */
const char *eo_tune_quantity_name(int q);
int eo_tune_quantity_from_name(const char *name); /* -1 if unknown */

/* A device constraint: quantity <= bound (or < bound when strict). */
typedef struct eo_tune_constraint {
    eo_tune_quantity q;  /* FLASH, RAM, LATENCY or PARAMS */
    int strict;
    double bound;
} eo_tune_constraint;
#define EO_TUNE_MAX_CONSTRAINTS 8

/* "flash<=64KB,ram<=8KB,params<=50000,latency<1e6": sizes take B, KB/KiB
 * (1024), MB/MiB (1024^2) or k/M (1000, 1e6) suffixes. Errors name the
 * column. */
int eo_tune_constraints_parse(const char *text, eo_tune_constraint *out, size_t cap, size_t *n, eo_error *err);

/* ============================================================ objective */

#define EO_TUNE_MAX_FOLDS 32

typedef enum eo_trial_status {
    EO_TRIAL_OK = 0,       /* evaluated with its full budget */
    EO_TRIAL_PRUNED = 1,   /* stopped by the pruner (score = last reported) */
    EO_TRIAL_FAILED = 2,   /* the objective failed (bad spec, NaN loss, ...) */
    EO_TRIAL_REJECTED = 3, /* violates a constraint: never trained */
    EO_TRIAL_STATUS_COUNT
} eo_trial_status;
/* "ok", "pruned", "failed", "rejected". */
const char *eo_trial_status_name(int s);
int eo_trial_status_from_name(const char *name);

/* One evaluation asked of the objective (all borrowed for the call). */
typedef struct eo_tune_job {
    long job;          /* 0-based job number (order of the asks) */
    long trial;        /* 0-based trial (configuration) number */
    int rung;          /* halving/Hyperband rung, 0 otherwise */
    int budget;        /* epochs to reach */
    int prev_budget;   /* epochs this trial already reached in an earlier job
                          (halving continuation), 0 = start from scratch */
    uint64_t seed;     /* the trial's seed (same for every job of a trial) */
    const double *x;   /* configuration, eo_space_dim values */
} eo_tune_job;

typedef struct eo_tune_result {
    eo_trial_status status;
    double score;                         /* NaN when failed / rejected */
    int nfolds;                           /* 0 = hold-out */
    double fold_scores[EO_TUNE_MAX_FOLDS];
    int epochs;                           /* epochs trained by THIS job (all folds) */
    double seconds;                       /* wall time of the job */
    double q[EO_TUNE_QUANTITY_COUNT];     /* q[0] = score; device quantities, NaN if unknown */
    char error[256];                      /* failed: why */
} eo_tune_result;
void eo_tune_result_init(eo_tune_result *r); /* zeros, NaN score and quantities */

typedef struct eo_tune_reporter eo_tune_reporter;
/* The objective reports the validation score after each epoch (1-based) of
 * each fold (0-based; the pruner looks at fold 0). Returns 1 when the trial
 * must stop (pruned, or the study is being interrupted), 0 to go on.
 * Thread-safe. May block: in a parallel run it waits until every earlier
 * trial reached this epoch or ended. */
int eo_tune_report(eo_tune_reporter *r, int fold, int epoch, double score);
/* 1 once the study is being interrupted (the objective should stop soon;
 * its result is then discarded and the job re-run by --resume). */
int eo_tune_interrupted(const eo_tune_reporter *r);

/* Evaluate one job; fill *out (status, score, ...). Return EO_OK, or an
 * error to abort the whole study (a failing trial should instead return EO_OK
 * with status FAILED). Called from worker threads or ranks: must be
 * thread-safe with respect to `user`. */
typedef int (*eo_tune_eval_fn)(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out,
                               void *user);
/* Device quantities of a configuration before training (q[1..]); q[0] is
 * ignored. Return EO_OK, or an error that marks the trial FAILED (message in
 * err). Called by the driver (one thread). NULL: no quantities. */
typedef int (*eo_tune_measure_fn)(const double *x, double *q, void *user, eo_error *err);

typedef struct eo_tune_objective {
    eo_tune_eval_fn eval;
    eo_tune_measure_fn measure; /* may be NULL */
    void *user;
    int continues;   /* 1: a job with prev_budget > 0 continues the trial, so it
                        costs budget - prev_budget epochs (0: it starts over) */
    int epoch_cost;  /* epochs trained per budget epoch (k-fold: k; 0 means 1);
                        used to plan budget_epochs */
    /* Optional: the trial will never be continued (halving/Hyperband dropped
     * it or it reached the top rung), so what it keeps for continuation
     * (checkpoints) may go. Called by the driver thread. */
    void (*release)(long trial, void *user);
} eo_tune_objective;

/* ============================================================= strategies */

typedef enum eo_tune_strategy {
    EO_TUNE_GRID = 0,
    EO_TUNE_RANDOM = 1,
    EO_TUNE_HALVING = 2,   /* successive halving (Jamieson & Talwalkar 2016) */
    EO_TUNE_HYPERBAND = 3, /* Li et al. 2017 */
    EO_TUNE_TPE = 4,       /* Bergstra et al. 2011 */
    EO_TUNE_GP = 5,        /* GP (Matern 5/2) + expected improvement */
    EO_TUNE_BOHB = 6,      /* Hyperband sampling from TPE (Falkner et al. 2018) */
    EO_TUNE_STRATEGY_COUNT
} eo_tune_strategy;
/* "grid", "random", "halving", "hyperband", "tpe", "gp", "bohb". */
const char *eo_tune_strategy_name(int s);
int eo_tune_strategy_from_name(const char *name);

/* Hyperband arithmetic (Li et al. 2017, Algorithm 1), exposed for tests and
 * plans. With R = max budget / min budget and s_max = floor(log_eta(R)) (with
 * a 1e-9 tolerance), bracket s (0..s_max) starts n = ceil((s_max+1)/(s+1) *
 * eta^s) configurations at r = R eta^-s; rung i (0..s) runs n_i = floor(n
 * eta^-i) configurations with r_i = r eta^i (in units of the min budget).
 * Writes at most cap rungs; returns the number of rungs (s + 1) or a negative
 * status. */
typedef struct eo_hb_rung {
    long n;     /* configurations in the rung */
    double r;   /* resource per configuration (multiples of the min budget) */
} eo_hb_rung;
int eo_hyperband_smax(double R, double eta);
int eo_hyperband_bracket(double R, double eta, int s, eo_hb_rung *rungs, int cap);

/* Non-dominated sorting (Deb et al. 2002, "A fast and elitist multiobjective
 * genetic algorithm: NSGA-II", sec. III-A): rank[i] = 0 for the points no
 * other point dominates, 1 for those dominated only by rank-0 points, ...
 * f is n x m row-major, every objective MINIMIZED; a point with a NaN
 * coordinate gets rank -1 (never on a front). Point j dominates i when it is
 * <= on every objective and < on one. O(m n^2) time, O(n^2) bits of memory
 * (allocated; EO_ERR_NOMEM possible). */
int eo_tune_nondominated_sort(size_t n, size_t m, const double *f, int *rank);

/* ================================================================= study */

typedef enum eo_tune_fsync {
    EO_TUNE_FSYNC_NONE = 0,  /* one write() per record: survives a killed process, not a power loss */
    EO_TUNE_FSYNC_TRIAL = 1, /* also fdatasync after the header and every end-of-job record, in a
                                background thread while the next job runs (group commit); the
                                study returns only once every record is flushed (default) */
    EO_TUNE_FSYNC_ALL = 2,   /* fdatasync after every record */
    EO_TUNE_FSYNC_COUNT
} eo_tune_fsync;

typedef enum eo_tune_event {
    EO_TUNE_EV_START = 0,   /* a job started (job, x) */
    EO_TUNE_EV_EPOCH = 1,   /* a job reported an epoch (epoch, score) */
    EO_TUNE_EV_END = 2,     /* a job ended (result) */
    EO_TUNE_EV_REPLAY = 3   /* resume: `replayed` jobs were read from the log */
} eo_tune_event;

typedef struct eo_tune_progress {
    eo_tune_event event;
    const eo_tune_job *job;        /* START / EPOCH / END (borrowed) */
    const eo_tune_result *result;  /* END */
    int fold, epoch;               /* EPOCH */
    double score;                  /* EPOCH */
    long replayed;                 /* REPLAY */
    long jobs_done;                /* jobs ended so far (including replayed) */
} eo_tune_progress;
/* Called with the study lock held, from whichever thread produced the event:
 * must be quick and must not call into the study. */
typedef void (*eo_tune_progress_fn)(const eo_tune_progress *p, void *user);

typedef struct eo_tune_params {
    eo_tune_strategy strategy;  /* default random */
    long trials;                /* configurations (default 20; grid: 0 = the whole grid,
                                   halving: the configurations of its one bracket;
                                   hyperband/bohb: unused, 0 allowed) */
    int max_epochs;             /* budget of a full evaluation, R (default 10) */
    int min_epochs;             /* halving/Hyperband smallest budget (default 1) */
    double eta;                 /* halving/Hyperband reduction factor (default 3) */
    long budget_epochs;         /* total epochs of the study, 0 = no limit (default);
                                   Hyperband repeats its brackets until it is spent */
    uint64_t seed;              /* default 1 */
    int jobs;                   /* parallel workers (threads), default 1 */
    int lag;                    /* TPE/GP: trial t sees trials < t - lag (default 1) */
    int grid_points;            /* grid points of continuous parameters (default 3) */
    int n_startup;              /* TPE/GP random trials first (default 10) */
    int n_candidates;           /* TPE: 24 per parameter; GP: 1000 (0 = default) */
    double gamma;               /* TPE quantile of "good" trials (default 0.15) */
    int prune;                  /* median pruner on (default 0; not for halving/Hyperband) */
    int prune_warmup;           /* epochs never pruned (default 1) */
    int prune_startup;          /* earlier trials needed at an epoch before pruning (default 5) */
    int maximize;               /* 1: a higher score is better (accuracy; default 1) */
    int nobjectives;            /* 0 or 1: single objective (the score) */
    eo_tune_quantity objectives[EO_TUNE_QUANTITY_COUNT]; /* each once; the score is maximized
                                   or minimized as `maximize` says, the rest minimized */
    size_t nconstraints;
    eo_tune_constraint constraints[EO_TUNE_MAX_CONSTRAINTS];
    const char *study_path;     /* JSON Lines log (NULL = none), borrowed */
    int resume;                 /* continue study_path if it exists */
    eo_tune_fsync fsync;        /* default EO_TUNE_FSYNC_TRIAL */
    const char *context;        /* "key=value" lines describing the caller's setup (data, model,
                                   ...); stored in the header and compared on resume (borrowed) */
    eo_tune_progress_fn progress;
    void *progress_user;
    volatile int *stop_flag;    /* polled; stops the study (borrowed, may be NULL) */
    int use_mpi;                /* run over MPI ranks when built with MPI and launched by mpirun */
} eo_tune_params;

eo_tune_params eo_tune_defaults(void);
/* NULL when valid, else a static reason. */
const char *eo_tune_params_check(const eo_tune_params *p);

typedef struct eo_study eo_study;

/* Copies the space and the params (borrowed strings stay borrowed). */
int eo_study_create(const eo_space *space, const eo_tune_params *p, eo_study **out, eo_error *err);
void eo_study_destroy(eo_study *s);

/* Run (or, with resume, continue) the study to its end. With a log: a new
 * study refuses an existing file unless resume is set; a resumed study
 * replays the log (finished jobs are not run again, started but unfinished
 * ones are run again from scratch with the same configuration and seed) and
 * refuses a log whose header (space, strategy, seed, settings, context)
 * differs, naming the first difference. A partial last line (a killed writer)
 * is ignored and cut off.
 * Returns EO_OK, EO_ERR_INTERRUPTED (stop_flag: the log holds every finished
 * job; resume continues), or an error. Under MPI (use_mpi, launched by mpirun
 * with more than one rank) rank 0 drives the study and owns the log while the
 * other ranks only evaluate jobs: on them eo_study_run returns EO_OK when the
 * study ends and eo_study_is_worker() is 1 (their study has no results). */
int eo_study_run(eo_study *s, const eo_tune_objective *obj, eo_error *err);
int eo_study_is_worker(const eo_study *s);

/* One evaluation of the finished study. */
typedef struct eo_tune_record {
    long job, trial;
    int rung, budget, prev_budget;
    uint64_t seed;
    const double *x;          /* borrowed */
    const eo_tune_result *r;  /* borrowed */
    int replayed;             /* read from the log, not run by this process */
} eo_tune_record;

size_t eo_study_njobs(const eo_study *s);
int eo_study_record(const eo_study *s, size_t job, eo_tune_record *out);
long eo_study_ntrials(const eo_study *s);
/* Epochs trained by the whole study (sum of the jobs' epochs). */
long eo_study_epochs(const eo_study *s);
/* Count of jobs with a status. */
long eo_study_count(const eo_study *s, eo_trial_status st);
/* The best job: the best score among OK jobs at the largest budget any OK
 * job reached (ties: the earliest job); -1 when there is none. */
long eo_study_best(const eo_study *s);
/* Pareto front over params.objectives (several objectives): job numbers of
 * the non-dominated OK evaluations (at the largest budget of their trial),
 * sorted by the first objective. Writes at most cap, count in *n. */
int eo_study_pareto(const eo_study *s, long *jobs, size_t cap, size_t *n);

/* Plots: score per job with the best-so-far line, each parameter against
 * the score, the rungs for halving/Hyperband, and the Pareto front with
 * several objectives. PNG or SVG by extension. */
int eo_study_plot(const eo_study *s, const char *path, const char *score_name, eo_error *err);

/* ============================================== MPI (optional build) */

/* 1 when this build has MPI. */
int eo_tune_mpi_available(void);
/* Initialise MPI when the process was launched by mpirun (the launcher's
 * environment is present) and this build has MPI; otherwise do nothing,
 * except that a build without MPI launched with several ranks returns
 * EO_ERR_UNSUPPORTED (each rank would run the whole study).
 * *rank / *size get 0 / 1 without MPI. Call once at program start, and
 * eo_tune_mpi_finalize once at the end. */
int eo_tune_mpi_init(int *argc, char ***argv, int *rank, int *size);
void eo_tune_mpi_finalize(void);

/* ======================================= the training objective */

/* A ready-made objective that trains a model per job on a data set loaded
 * once and shared read-only (each job trains single-threaded on its own
 * model, views and buffers). Templates may hold {name} placeholders; every
 * parameter must be used by some template (else EO_ERR_INVALID "parameter
 * 'x' is not used by any spec") and every placeholder must name a parameter. */
typedef struct eo_tune_train_setup {
    const eo_dataset *data;     /* borrowed, must outlive the objective */
    const char *model;          /* model spec template (mlp:{hidden}, @FILE not supported) */
    const char *optimizer;      /* optimizer spec template (default "adam") */
    const char *schedule;       /* schedule spec template, NULL = constant */
    const char *batch;          /* batch size template, NULL = base.batch */
    const char *l1, *l2, *weight_decay; /* penalty templates, NULL = base */
    eo_train_params base;       /* loss, clipping, ... (epochs, seed, threads, checkpoint and
                                   progress fields are set per job) */
    int folds;                  /* >= 2: stratified k-fold CV; 0: hold-out */
    double val_split;           /* hold-out fraction (default 0.2) */
    uint64_t split_seed;        /* split / fold assignment seed */
    int scale;                  /* eo_scale_kind, or -1 = auto (none for u8 images) */
    int score_loss;             /* 1: the score is the validation loss (minimize); 0: accuracy */
    const char *ckpt_dir;       /* halving continuation: trainer checkpoints live here
                                   (borrowed; NULL = every job trains from scratch) */
} eo_tune_train_setup;

/* Defaults: optimizer "adam", val_split 0.2, split_seed 1, scale -1,
 * base = eo_train_defaults(). */
eo_tune_train_setup eo_tune_train_setup_defaults(void);

typedef struct eo_tune_train eo_tune_train;
int eo_tune_train_create(const eo_space *space, const eo_tune_train_setup *setup, eo_tune_train **out,
                         eo_error *err);
void eo_tune_train_destroy(eo_tune_train *t);
/* The objective (user = t). measure builds the trial's model (untrained) and
 * computes its device quantities with the footprint function. */
eo_tune_objective eo_tune_train_objective(eo_tune_train *t);

/* Device quantities of a model with the feature scaler stored beside it
 * (NULL = none; the export adds an input-scaling function for it)
 * (q[EO_TUNE_QUANTITY_COUNT], q[0] untouched).
 * The default computes flash and RAM exactly as `edgeopt quantize` followed
 * by `edgeopt export` would for the int8 model (see src/tune/footprint.c);
 * a caller may install another function. */
typedef int (*eo_tune_footprint_fn)(const eo_model *m, const eo_scaler *scaler, double *q, void *user,
                                    eo_error *err);
void eo_tune_train_set_footprint(eo_tune_train *t, eo_tune_footprint_fn fn, void *user);

/* The target of the default footprint (user of eo_tune_footprint_default;
 * NULL = cortex-m4, per-tensor weight scales, as `edgeopt quantize` and
 * `edgeopt export` default to). */
typedef struct eo_tune_device {
    int cpu;          /* eo_deploy_cpu (edgeopt/deploy.h) */
    int per_channel;  /* 1: per-output-channel weight scales (quantize --per-channel) */
} eo_tune_device;
int eo_tune_footprint_default(const eo_model *m, const eo_scaler *scaler, double *q, void *user, eo_error *err);

/* Train configuration x for `epochs` epochs with `seed` (a trial's seed to
 * reproduce it) on the training rows (hold-out) or on all rows (k-fold) and
 * save it to `path` (.eom, atomic) with its scaler and metadata. *val_score
 * (may be NULL) gets the validation score (hold-out; NaN with folds). */
int eo_tune_train_final(eo_tune_train *t, const double *x, int epochs, uint64_t seed, const char *path,
                        double *val_score, eo_error *err);
/* The filled specs of configuration x, for messages ("mlp:128", ...). */
int eo_tune_train_describe(const eo_tune_train *t, const double *x, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
