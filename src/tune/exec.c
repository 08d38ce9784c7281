/* Executors (inline and worker threads), the reporter, the median-stopping
 * pruner and the log records of running jobs.
 *
 * Threads: `jobs` workers take queued jobs in job order (FIFO) and evaluate
 * them with the objective; all shared study state is touched under the study
 * mutex only, and a worker evaluates from its own copy of the configuration.
 * Inline (jobs == 1): the driver evaluates queued jobs itself, in order, when
 * it waits for a result.
 *
 * Median stopping rule (Golovin et al. 2017, "Google Vizier: a service for
 * black-box optimization", sec. 3.2.2; Optuna's MedianPruner): after epoch e
 * (e > prune_warmup) of job k, take the epoch-e fold-0 losses of every earlier
 * job that reached epoch e; when there are at least prune_startup of them and
 * job k's loss is strictly worse than their median, job k is pruned. An
 * earlier job that is still running and has not reached epoch e makes the
 * verdict wait (so it never depends on timing); a job that ended before e
 * is left out. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tune/study.h"

double eo__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double eo__orient(const eo_study *s, double score)
{
    return s->p.maximize ? -score : score;
}

void eo__abort(eo_study *s, int status, const eo_error *e)
{
    if (!s->abort_status) {
        s->abort_status = status ? status : EO_ERR_STATE;
        if (e)
            s->abort_err = *e;
        else
            eo_error_set(&s->abort_err, s->abort_status, "the study stopped: %s", eo_status_str(status));
    }
    pthread_cond_broadcast(&s->cv);
}

static void check_stop(eo_study *s)
{
    if (s->p.stop_flag && *s->p.stop_flag && !s->interrupted) {
        s->interrupted = 1;
        pthread_cond_broadcast(&s->cv);
    }
}

static void timed_wait(eo_study *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/* -------------------------------------------------------------- records */

static cJSON *job_json(const eo_study *s, size_t k, const char *type)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "job", (double)k);
    cJSON_AddNumberToObject(o, "trial", (double)s->trial[k]);
    cJSON_AddNumberToObject(o, "rung", s->rung[k]);
    cJSON_AddNumberToObject(o, "budget", s->budget[k]);
    cJSON_AddNumberToObject(o, "prev", s->prev[k]);
    cJSON_AddNumberToObject(o, "seed", (double)s->seed[k]);
    cJSON_AddItemToObject(o, "params", eo__json_params(s->space, s->x + k * s->dim));
    return o;
}

static void log_put(eo_study *s, cJSON *o, int sync)
{
    eo_error e;
    eo_error_clear(&e);
    if (eo__log_write(&s->log, o, sync, &e)) eo__abort(s, e.code, &e);
}

void eo__log_start(eo_study *s, size_t k)
{
    if (s->have_log) log_put(s, job_json(s, k, "start"), 0);
}

void eo__log_epoch(eo_study *s, size_t k, int fold, int epoch, double score)
{
    if (!s->have_log) return;
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "type", "epoch");
        cJSON_AddNumberToObject(o, "job", (double)k);
        cJSON_AddNumberToObject(o, "trial", (double)s->trial[k]);
        cJSON_AddNumberToObject(o, "fold", fold);
        cJSON_AddNumberToObject(o, "epoch", epoch);
        eo__json_add_num(o, "score", score);
    }
    log_put(s, o, 0);
}

void eo__log_end(eo_study *s, size_t k)
{
    if (!s->have_log) return;
    const eo_tune_result *r = &s->res[k];
    cJSON *o = job_json(s, k, "end");
    if (o) {
        cJSON_AddStringToObject(o, "status", eo_trial_status_name(r->status));
        eo__json_add_num(o, "score", r->score);
        if (r->nfolds > 0) {
            cJSON *f = cJSON_AddArrayToObject(o, "folds");
            for (int i = 0; f && i < r->nfolds; i++) cJSON_AddItemToArray(f, eo__json_num(r->fold_scores[i]));
        }
        cJSON_AddNumberToObject(o, "epochs", r->epochs);
        eo__json_add_num(o, "seconds", r->seconds);
        cJSON *q = cJSON_AddObjectToObject(o, "q");
        for (int i = 1; q && i < EO_TUNE_QUANTITY_COUNT; i++)
            if (isfinite(r->q[i])) eo__json_add_num(q, eo_tune_quantity_name(i), r->q[i]);
        if (r->error[0]) cJSON_AddStringToObject(o, "error", r->error);
    }
    log_put(s, o, 1);
}

/* ---------------------------------------------------------------- pruner */

int eo__curve_put(eo_study *s, size_t k, int epoch, double loss)
{
    if (epoch < 1 || epoch > s->p.max_epochs) return EO_OK;
    if (!s->curve[k]) {
        s->curve[k] = malloc((size_t)s->p.max_epochs * sizeof **s->curve);
        if (!s->curve[k]) return EO_ERR_NOMEM;
        for (int e = 0; e < s->p.max_epochs; e++) s->curve[k][e] = NAN;
    }
    s->curve[k][epoch - 1] = loss;
    if (epoch > s->reached[k]) s->reached[k] = epoch;
    return EO_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int eo__prune_decide(eo_study *s, size_t k, int epoch)
{
    if (epoch <= s->p.prune_warmup || !s->curve[k]) return 0;
    double mine = s->curve[k][epoch - 1];
    double *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) return 0;
    size_t n = 0;
    for (size_t j = 0; j < k; j++) {
        if (s->reached[j] >= epoch && s->curve[j]) {
            double c = s->curve[j][epoch - 1];
            if (isfinite(c)) v[n++] = c;
        } else if (s->state[j] != JOB_DONE) {
            free(v);
            return -1;
        }
    }
    int verdict = 0;
    if (n >= (size_t)s->p.prune_startup) {
        qsort(v, n, sizeof *v, cmp_double);
        double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        verdict = !(mine <= med); /* worse than the median (or NaN) */
    }
    free(v);
    return verdict;
}

int eo_tune_interrupted(const eo_tune_reporter *r)
{
    return r && (r->s->interrupted || r->s->abort_status);
}

int eo_tune_report(eo_tune_reporter *r, int fold, int epoch, double score)
{
    if (!r) return 0;
    eo_study *s = r->s;
    if (s->is_worker) return eo__mpi_report(s, r->job, fold, epoch, score);
    pthread_mutex_lock(&s->mu);
    check_stop(s);
    if (s->interrupted || s->abort_status) {
        pthread_mutex_unlock(&s->mu);
        return 1;
    }
    size_t k = r->job;
    eo__log_epoch(s, k, fold, epoch, score);
    if (s->p.progress) {
        eo_tune_job job = {(long)k, s->trial[k], s->rung[k], s->budget[k], s->prev[k], s->seed[k], s->x + k * s->dim};
        eo_tune_progress pg = {EO_TUNE_EV_EPOCH, &job, NULL, fold, epoch, score, 0, s->jobs_done};
        s->p.progress(&pg, s->p.progress_user);
    }
    int verdict = 0;
    if (fold == 0 && s->p.prune) {
        eo__curve_put(s, k, epoch, eo__orient(s, score));
        pthread_cond_broadcast(&s->cv);
        while ((verdict = eo__prune_decide(s, k, epoch)) < 0) {
            check_stop(s);
            if (s->interrupted || s->abort_status) break;
            timed_wait(s);
        }
        if (s->interrupted || s->abort_status) verdict = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return verdict == 1;
}

/* ------------------------------------------------------------ executors */

void eo__run_job(eo_study *s, size_t k)
{
    pthread_mutex_lock(&s->mu);
    double *x = malloc(s->dim * sizeof *x);
    if (!x) {
        eo__abort(s, EO_ERR_NOMEM, NULL);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    memcpy(x, s->x + k * s->dim, s->dim * sizeof *x);
    eo_tune_job job = {(long)k, s->trial[k], s->rung[k], s->budget[k], s->prev[k], s->seed[k], x};
    double q[EO_TUNE_QUANTITY_COUNT];
    memcpy(q, s->res[k].q, sizeof q);
    s->reached[k] = 0;
    eo__log_start(s, k);
    if (s->p.progress) {
        eo_tune_progress pg = {EO_TUNE_EV_START, &job, NULL, 0, 0, NAN, 0, s->jobs_done};
        s->p.progress(&pg, s->p.progress_user);
    }
    pthread_mutex_unlock(&s->mu);

    eo_tune_reporter rep = {s, k};
    eo_tune_result r;
    eo_tune_result_init(&r);
    double t0 = eo__now();
    int st = s->obj.eval(&job, &rep, &r, s->obj.user);
    double dt = eo__now() - t0;

    pthread_mutex_lock(&s->mu);
    if (st) {
        eo_error e;
        eo_error_clear(&e);
        eo_error_set(&e, st, "trial %ld: %s", job.trial, r.error[0] ? r.error : eo_status_str(st));
        eo__abort(s, st, &e);
    } else if (!s->interrupted && !s->abort_status) {
        if (!(r.seconds > 0)) r.seconds = dt;
        for (int i = 1; i < EO_TUNE_QUANTITY_COUNT; i++)
            if (isnan(r.q[i])) r.q[i] = q[i];
        r.q[EO_TUNE_SCORE] = r.score;
        s->res[k] = r;
        s->state[k] = JOB_DONE;
        s->jobs_done++;
        eo__log_end(s, k);
        if (s->p.progress) {
            eo_tune_progress pg = {EO_TUNE_EV_END, &job, &s->res[k], 0, 0, r.score, 0, s->jobs_done};
            s->p.progress(&pg, s->p.progress_user);
        }
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    free(x);
}

/* Next queued job (mu held), or (size_t)-1. */
static size_t next_queued(eo_study *s)
{
    while (s->qhead < s->njobs && (s->state[s->qhead] == JOB_DONE || s->state[s->qhead] == JOB_RUNNING)) s->qhead++;
    if (s->qhead < s->njobs && s->state[s->qhead] == JOB_QUEUED) return s->qhead;
    return (size_t)-1;
}

void eo__exec_queue(eo_study *s, size_t k)
{
    s->state[k] = JOB_QUEUED;
    pthread_cond_broadcast(&s->cv);
}

static void *worker(void *arg)
{
    eo_study *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        size_t k = (size_t)-1;
        while (!s->shutting_down && !s->interrupted && !s->abort_status && (k = next_queued(s)) == (size_t)-1)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->shutting_down || s->interrupted || s->abort_status) break;
        s->state[k] = JOB_RUNNING;
        pthread_mutex_unlock(&s->mu);
        eo__run_job(s, k);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int eo__exec_start(eo_study *s, eo_error *err)
{
    if (s->p.jobs <= 1 || eo__mpi_active(s)) return EO_OK;
    s->threads = calloc((size_t)s->p.jobs, sizeof *s->threads);
    if (!s->threads) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < s->p.jobs; i++) {
        if (pthread_create(&s->threads[i], NULL, worker, s) != 0) {
            eo__exec_stop(s);
            return eo_error_set(err, EO_ERR_NOMEM, "cannot start worker thread %d", i + 1);
        }
        s->nthreads++;
    }
    return EO_OK;
}

void eo__exec_stop(eo_study *s)
{
    if (!s->threads) return;
    pthread_mutex_lock(&s->mu);
    s->shutting_down = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nthreads; i++) pthread_join(s->threads[i], NULL);
    free(s->threads);
    s->threads = NULL;
    s->nthreads = 0;
}

int eo__exec_wait(eo_study *s, size_t k, eo_error *err)
{
    if (eo__mpi_active(s)) return eo__mpi_wait(s, k, err);
    pthread_mutex_lock(&s->mu);
    int st = EO_OK;
    while (s->state[k] != JOB_DONE) {
        check_stop(s);
        if (s->abort_status) {
            st = s->abort_status;
            if (err) *err = s->abort_err;
            break;
        }
        if (s->interrupted) {
            st = EO_ERR_INTERRUPTED;
            break;
        }
        if (!s->nthreads) {
            size_t j = next_queued(s);
            if (j == (size_t)-1) {
                st = eo_error_set(err, EO_ERR_STATE, "internal: job %zu is not queued", k);
                break;
            }
            s->state[j] = JOB_RUNNING;
            pthread_mutex_unlock(&s->mu);
            eo__run_job(s, j);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        timed_wait(s);
    }
    if (!st && s->abort_status) {
        st = s->abort_status;
        if (err) *err = s->abort_err;
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}
