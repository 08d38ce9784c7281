/* MPI executor (optional build: EO_HAVE_MPI). Rank 0 runs the driver, owns
 * the study log and hands queued jobs, in job order, to the other ranks; each
 * of them evaluates one job at a time and sends back its epoch reports (rank 0
 * answers each with a verdict: go on, or stop when pruned or interrupted) and
 * its result. The driver and the pruner are the ones of the single-process
 * run, so the study equals it for the same seed.
 *
 * Messages (MPI_COMM_WORLD; all ranks run the same binary, so structs travel
 * as bytes):
 *   worker -> 0   READY (int), EPOCH (4 doubles: job, fold, epoch, score),
 *                 RESULT (eo_tune_result + job number)
 *   0 -> worker   JOB (mpi_job), STOP (int), VERDICT (int: 0 go on, 1 stop) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tune/study.h"

#ifdef EO_HAVE_MPI
#include <mpi.h>

enum { TAG_READY = 1, TAG_JOB, TAG_STOP, TAG_EPOCH, TAG_VERDICT, TAG_RESULT };

typedef struct mpi_job {
    long job, trial;
    int rung, budget, prev;
    uint64_t seed;
    double x[EO_SPACE_MAX_PARAMS];
} mpi_job;

typedef struct mpi_result {
    long job;
    int rc;
    eo_tune_result r;
} mpi_result;

typedef struct wstate {
    int idle;        /* sent READY, waiting for a job */
    int stopped;
    long job;        /* running job, -1 none */
    int pending;     /* an epoch report waits for its verdict */
    int pend_epoch;
} wstate;


int eo_tune_mpi_available(void)
{
    return 1;
}

int eo_tune_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return EO_OK;
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(argc, argv) != MPI_SUCCESS) return EO_ERR_UNSUPPORTED;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return EO_OK;
}

void eo_tune_mpi_finalize(void)
{
    int inited = 0, fin = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&fin);
    if (inited && !fin) MPI_Finalize();
}

void eo__mpi_query(eo_study *s)
{
    int inited = 0;
    MPI_Initialized(&inited);
    s->mpi_rank = 0;
    s->mpi_size = 1;
    if (!inited) return;
    MPI_Comm_rank(MPI_COMM_WORLD, &s->mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s->mpi_size);
}

int eo__mpi_active(const eo_study *s)
{
    return s->p.use_mpi && s->mpi_size > 1;
}

/* ------------------------------------------------------------- worker */

int eo__mpi_report(eo_study *s, size_t job, int fold, int epoch, double score)
{
    double msg[4] = {(double)job, fold, epoch, score};
    MPI_Send(msg, 4, MPI_DOUBLE, 0, TAG_EPOCH, MPI_COMM_WORLD);
    int verdict = 1;
    MPI_Recv(&verdict, 1, MPI_INT, 0, TAG_VERDICT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (s->p.stop_flag && *s->p.stop_flag) s->interrupted = 1;
    return verdict || s->interrupted;
}

int eo__mpi_worker_loop(eo_study *s, eo_error *err)
{
    (void)err;
    for (;;) {
        int one = 1;
        MPI_Send(&one, 1, MPI_INT, 0, TAG_READY, MPI_COMM_WORLD);
        MPI_Status stt;
        MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &stt);
        if (stt.MPI_TAG == TAG_STOP) {
            int z;
            MPI_Recv(&z, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            break;
        }
        mpi_job mj;
        MPI_Recv(&mj, (int)sizeof mj, MPI_BYTE, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        eo_tune_job job = {mj.job, mj.trial, mj.rung, mj.budget, mj.prev, mj.seed, mj.x};
        eo_tune_reporter rep = {s, (size_t)mj.job};
        mpi_result mr;
        memset(&mr, 0, sizeof mr);
        eo_tune_result_init(&mr.r);
        double t0 = eo__now();
        mr.rc = s->obj.eval(&job, &rep, &mr.r, s->obj.user);
        if (!(mr.r.seconds > 0)) mr.r.seconds = eo__now() - t0;
        mr.job = mj.job;
        MPI_Send(&mr, (int)sizeof mr, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    }
    return EO_OK;
}

/* --------------------------------------------------------------- rank 0 */

/* Per-rank state (rank 0 unused), owned by the study; only rank 0's driver
 * thread touches it. */
static int ensure_w(eo_study *s)
{
    if (s->mpi_w) return EO_OK;
    wstate *W = calloc((size_t)s->mpi_size, sizeof *W);
    if (!W) return EO_ERR_NOMEM;
    for (int r = 0; r < s->mpi_size; r++) W[r].job = -1;
    s->mpi_w = W;
    return EO_OK;
}

static void nap(void)
{
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

/* One pass: dispatch, verdicts, one message. mu NOT held on entry. */
static int service(eo_study *s)
{
    wstate *W = s->mpi_w;
    pthread_mutex_lock(&s->mu);
    if (s->p.stop_flag && *s->p.stop_flag) s->interrupted = 1;
    int stopping = s->interrupted || s->abort_status;
    for (int w = 1; w < s->mpi_size && !stopping; w++) {
        if (!W[w].idle) continue;
        while (s->qhead < s->njobs && (s->state[s->qhead] == JOB_DONE || s->state[s->qhead] == JOB_RUNNING))
            s->qhead++;
        if (s->qhead >= s->njobs || s->state[s->qhead] != JOB_QUEUED) break;
        size_t k = s->qhead;
        s->state[k] = JOB_RUNNING;
        s->reached[k] = 0;
        mpi_job mj;
        memset(&mj, 0, sizeof mj);
        mj.job = (long)k;
        mj.trial = s->trial[k];
        mj.rung = s->rung[k];
        mj.budget = s->budget[k];
        mj.prev = s->prev[k];
        mj.seed = s->seed[k];
        memcpy(mj.x, s->x + k * s->dim, s->dim * sizeof *mj.x);
        eo__log_start(s, k);
        if (s->p.progress) {
            eo_tune_job job = {(long)k, mj.trial, mj.rung, mj.budget, mj.prev, mj.seed, s->x + k * s->dim};
            eo_tune_progress pg = {EO_TUNE_EV_START, &job, NULL, 0, 0, NAN, 0, s->jobs_done};
            s->p.progress(&pg, s->p.progress_user);
        }
        MPI_Send(&mj, (int)sizeof mj, MPI_BYTE, w, TAG_JOB, MPI_COMM_WORLD);
        W[w].idle = 0;
        W[w].job = (long)k;
    }
    for (int w = 1; w < s->mpi_size; w++) {
        if (!W[w].pending) continue;
        int v = stopping ? 1 : eo__prune_decide(s, (size_t)W[w].job, W[w].pend_epoch);
        if (v < 0) continue;
        MPI_Send(&v, 1, MPI_INT, w, TAG_VERDICT, MPI_COMM_WORLD);
        W[w].pending = 0;
    }
    pthread_mutex_unlock(&s->mu);

    int flag = 0;
    MPI_Status stt;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &stt);
    if (!flag) {
        nap();
        return 0;
    }
    int w = stt.MPI_SOURCE;
    if (stt.MPI_TAG == TAG_READY) {
        int z;
        MPI_Recv(&z, 1, MPI_INT, w, TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        W[w].idle = 1;
        W[w].job = -1;
        return 1;
    }
    if (stt.MPI_TAG == TAG_EPOCH) {
        double msg[4];
        MPI_Recv(msg, 4, MPI_DOUBLE, w, TAG_EPOCH, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        size_t k = (size_t)msg[0];
        int fold = (int)msg[1], epoch = (int)msg[2];
        pthread_mutex_lock(&s->mu);
        if (!s->interrupted && !s->abort_status) {
            eo__log_epoch(s, k, fold, epoch, msg[3]);
            if (s->p.progress) {
                eo_tune_job job = {(long)k, s->trial[k], s->rung[k], s->budget[k], s->prev[k], s->seed[k],
                                   s->x + k * s->dim};
                eo_tune_progress pg = {EO_TUNE_EV_EPOCH, &job, NULL, fold, epoch, msg[3], 0, s->jobs_done};
                s->p.progress(&pg, s->p.progress_user);
            }
        }
        if (fold == 0 && s->p.prune) {
            eo__curve_put(s, k, epoch, eo__orient(s, msg[3]));
            W[w].pending = 1;
            W[w].pend_epoch = epoch;
        } else {
            int v = s->interrupted || s->abort_status;
            MPI_Send(&v, 1, MPI_INT, w, TAG_VERDICT, MPI_COMM_WORLD);
        }
        pthread_mutex_unlock(&s->mu);
        return 1;
    }
    if (stt.MPI_TAG == TAG_RESULT) {
        mpi_result mr;
        MPI_Recv(&mr, (int)sizeof mr, MPI_BYTE, w, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        size_t k = (size_t)mr.job;
        pthread_mutex_lock(&s->mu);
        if (mr.rc) {
            eo_error e;
            eo_error_clear(&e);
            eo_error_set(&e, mr.rc, "trial %ld: %s", s->trial[k], mr.r.error[0] ? mr.r.error : eo_status_str(mr.rc));
            eo__abort(s, mr.rc, &e);
        } else if (!s->interrupted && !s->abort_status) {
            eo_tune_result r = mr.r;
            for (int i = 1; i < EO_TUNE_QUANTITY_COUNT; i++)
                if (isnan(r.q[i])) r.q[i] = s->res[k].q[i];
            r.q[EO_TUNE_SCORE] = r.score;
            s->res[k] = r;
            s->state[k] = JOB_DONE;
            s->jobs_done++;
            eo__log_end(s, k);
            if (s->p.progress) {
                eo_tune_job job = {(long)k, s->trial[k], s->rung[k], s->budget[k], s->prev[k], s->seed[k],
                                   s->x + k * s->dim};
                eo_tune_progress pg = {EO_TUNE_EV_END, &job, &s->res[k], 0, 0, r.score, 0, s->jobs_done};
                s->p.progress(&pg, s->p.progress_user);
            }
        }
        pthread_mutex_unlock(&s->mu);
        W[w].job = -1;
        return 1;
    }
    /* unexpected tag: drop it */
    char junk[64];
    MPI_Recv(junk, (int)sizeof junk, MPI_BYTE, w, stt.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return 1;
}

int eo__mpi_wait(eo_study *s, size_t k, eo_error *err)
{
    if (ensure_w(s)) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int done = s->state[k] == JOB_DONE;
        int st = s->abort_status ? s->abort_status : (s->interrupted ? EO_ERR_INTERRUPTED : EO_OK);
        if (st && s->abort_status && err) *err = s->abort_err;
        pthread_mutex_unlock(&s->mu);
        if (st) return st;
        if (done) return EO_OK;
        service(s);
    }
}

void eo__mpi_shutdown(eo_study *s)
{
    if (ensure_w(s)) return;
    wstate *W = s->mpi_w;
    pthread_mutex_lock(&s->mu);
    s->interrupted = 1; /* no more dispatch; running jobs are told to stop */
    pthread_mutex_unlock(&s->mu);
    for (;;) {
        int left = 0;
        for (int w = 1; w < s->mpi_size; w++) {
            if (W[w].stopped) continue;
            if (W[w].idle) {
                int z = 0;
                MPI_Send(&z, 1, MPI_INT, w, TAG_STOP, MPI_COMM_WORLD);
                W[w].stopped = 1;
                W[w].idle = 0;
                continue;
            }
            left++;
        }
        if (!left) break;
        service(s);
    }
    free(W);
    s->mpi_w = NULL;
}

#else /* no MPI in this build */

int eo_tune_mpi_available(void)
{
    return 0;
}

int eo_tune_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
    /* Launched by mpirun with several ranks but built without MPI: every
     * rank would run the whole study on its own. Refuse. */
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n) n = getenv("PMI_SIZE");
    if (n && atoi(n) > 1) return EO_ERR_UNSUPPORTED;
    return EO_OK;
}

void eo_tune_mpi_finalize(void)
{
}

void eo__mpi_query(eo_study *s)
{
    s->mpi_rank = 0;
    s->mpi_size = 1;
}

int eo__mpi_active(const eo_study *s)
{
    (void)s;
    return 0;
}

int eo__mpi_report(eo_study *s, size_t job, int fold, int epoch, double score)
{
    (void)s;
    (void)job;
    (void)fold;
    (void)epoch;
    (void)score;
    return 1;
}

int eo__mpi_worker_loop(eo_study *s, eo_error *err)
{
    (void)s;
    return eo_error_set(err, EO_ERR_UNSUPPORTED, "this build has no MPI");
}

int eo__mpi_wait(eo_study *s, size_t k, eo_error *err)
{
    (void)s;
    (void)k;
    return eo_error_set(err, EO_ERR_UNSUPPORTED, "this build has no MPI");
}

void eo__mpi_shutdown(eo_study *s)
{
    (void)s;
}

#endif
