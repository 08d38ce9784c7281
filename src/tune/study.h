/* The study object shared by the driver (study.c), the executors (exec.c,
 * mpi.c) and the outputs (results.c, tune_plot.c). Private. */
#ifndef EO_TUNE_STUDY_H
#define EO_TUNE_STUDY_H

#include <pthread.h>

#include "tune/internal.h"
#include "tune/studylog.h"

enum { JOB_NEW = 0, JOB_QUEUED = 1, JOB_RUNNING = 2, JOB_DONE = 3 };

struct eo_study {
    eo_space *space;
    eo_tune_params p;
    size_t dim, nobj;

    /* jobs, in ask order (grown by the driver under mu) */
    size_t njobs, cap;
    long *trial;
    int *rung, *budget, *prev;
    uint64_t *seed;
    double *x;               /* cap x dim */
    eo_tune_result *res;
    unsigned char *state;    /* JOB_* */
    unsigned char *replayed;
    int *reached;            /* fold-0 epochs reported (pruner) */
    double **curve;          /* fold-0 losses by epoch (pruner), max_epochs each, lazily */
    /* told results, oriented for minimization */
    size_t told;
    eo_trial_status *status;
    double *loss;
    double *mo;              /* cap x nobj */
    long epochs_told;
    size_t qhead;            /* first job that may be queued */

    eo__strategy *strat;
    eo_tune_objective obj;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int mu_ready;
    pthread_t *threads;
    int nthreads;            /* worker threads running (0: inline) */
    int shutting_down;
    volatile int interrupted;
    int abort_status;
    eo_error abort_err;
    long jobs_done;
    double t0, seconds;

    int have_log;
    eo__log log;
    eo__replay rp;
    long replayed_count;

    int mpi_rank, mpi_size, is_worker;
    void *mpi_w;             /* rank 0: per-worker state (mpi.c) */
};

/* Monotonic seconds. */
double eo__now(void);

/* Executors. Called by the driver with mu NOT held. */
int eo__exec_start(eo_study *s, eo_error *err);       /* start threads (jobs > 1) */
/* Block until job k is done; run queued jobs inline when there are no threads.
 * Returns EO_OK, EO_ERR_INTERRUPTED or the abort status. */
int eo__exec_wait(eo_study *s, size_t k, eo_error *err);
void eo__exec_stop(eo_study *s);                      /* join threads */
/* Mark job k queued and wake a worker (mu held by the caller). */
void eo__exec_queue(eo_study *s, size_t k);

/* Evaluate job k (state RUNNING set by the caller, mu NOT held). Logs the
 * start, runs the objective, stores the result and logs the end (unless
 * interrupted). Used by worker threads and the inline executor. */
void eo__run_job(eo_study *s, size_t k);

/* Pruner verdict for job k at epoch e (mu held): 1 prune, 0 continue,
 * -1 undecided (an earlier job has not reached epoch e and has not ended). */
int eo__prune_decide(eo_study *s, size_t k, int epoch);
/* Record a fold-0 loss of job k at epoch e (mu held). */
int eo__curve_put(eo_study *s, size_t k, int epoch, double loss);

/* Log records (mu held; write errors make the study abort). */
void eo__log_start(eo_study *s, size_t k);
void eo__log_epoch(eo_study *s, size_t k, int fold, int epoch, double score);
void eo__log_end(eo_study *s, size_t k);
/* Record an abort (mu held). */
void eo__abort(eo_study *s, int status, const eo_error *e);

/* Loss orientation of a score: -score when maximizing. */
double eo__orient(const eo_study *s, double score);

/* MPI (mpi.c). eo__mpi_worker_loop runs on ranks > 0; the driver side uses
 * eo__mpi_wait / eo__mpi_shutdown instead of the thread executor. */
void eo__mpi_query(eo_study *s); /* sets mpi_rank / mpi_size */
int eo__mpi_active(const eo_study *s);
int eo__mpi_worker_loop(eo_study *s, eo_error *err);
int eo__mpi_wait(eo_study *s, size_t k, eo_error *err);
void eo__mpi_shutdown(eo_study *s);
/* Worker side of eo_tune_report over MPI. */
int eo__mpi_report(eo_study *s, size_t job, int fold, int epoch, double score);

struct eo_tune_reporter {
    eo_study *s;
    size_t job;
};

#endif
