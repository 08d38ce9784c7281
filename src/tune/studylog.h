/* The study log: append-only JSON Lines (private to the tune module).
 *
 * Records (one JSON object per line, "type" first):
 *   study  the header: format, edgeopt version, strategy, seed, space,
 *          settings (everything that shapes the job sequence) and the
 *          caller's context (data, model, optimizer, ...)
 *   start  a job began: job, trial, rung, budget, prev, seed, params
 *   epoch  a job's validation score after an epoch: job, trial, fold, epoch, score
 *   end    a job ended: job, trial, rung, budget, prev, seed, params, status,
 *          score, folds, epochs, seconds, q {flash, ram, latency, params}, error
 * Each record is ONE write() of the whole line including its newline, on a
 * file opened with O_APPEND, so a killed process leaves at most a partial last
 * line; the reader ignores such a line (and the writer cuts it off before
 * appending). fdatasync follows per eo_tune_fsync:
 *   NONE   never.
 *   TRIAL  group commit by a background thread: an end (or header) record
 *          asks the syncer to fdatasync the file and the writer returns at
 *          once; the syncer flushes everything written up to the moment its
 *          flush starts, so one flush covers every record that arrived while
 *          the previous one ran. eo__log_finish waits for a flush of every
 *          record. A flush error is reported by the next write (or by
 *          finish), which makes the study abort. Without the thread (it could
 *          not be created) the writer flushes itself, as ALL does for ends.
 *   ALL    the writer fdatasyncs after every record. */
#ifndef EO_TUNE_STUDYLOG_H
#define EO_TUNE_STUDYLOG_H

#include <pthread.h>

#include <cjson/cJSON.h>

#include "tune/internal.h"

typedef struct eo__log {
    int fd;
    int fsync_mode;
    const char *path;
    /* background syncer (TRIAL mode) */
    int syncer_on;              /* the thread runs; mu/cv initialised */
    pthread_t syncer;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* work for the syncer / a flush completed */
    unsigned long written;      /* records written */
    unsigned long wanted;       /* flush everything up to this record count */
    unsigned long synced;       /* records known to be on disk */
    int flushing;               /* a fdatasync is running */
    int stop;
    int sync_errno;             /* first fdatasync failure (sticky) */
} eo__log;

/* One job as read back from a log. */
typedef struct eo__logjob {
    int has_end;
    long trial;
    int rung, budget, prev;
    uint64_t seed;
    double *x;              /* dim values (owned by the replay) */
    eo_tune_result res;
    int reached;            /* highest fold-0 epoch recorded */
    double *curve;          /* fold-0 scores by epoch (reached entries), owned */
} eo__logjob;

typedef struct eo__replay {
    cJSON *header;          /* owned */
    size_t njobs;           /* 1 + the largest job number seen */
    eo__logjob *jobs;       /* njobs entries */
    size_t valid_len;       /* bytes of complete records */
    long lines;             /* complete records */
    int partial;            /* a partial last line was dropped */
} eo__replay;

void eo__replay_free(eo__replay *r);

/* Open `path`: a new study creates it (EO_ERR_STATE if it exists and !resume);
 * epoch records beyond max_epochs are not kept;
 * with resume an existing log is read into *rp (rp->header != NULL) and cut to
 * its complete records; a missing one is created, and an empty one (a process
 * killed before its header) is taken as is (rp->header == NULL both). */
int eo__log_open(eo__log *l, const char *path, int resume, int fsync_mode, const eo_space *space, int max_epochs,
                 eo__replay *rp, eo_error *err);
/* Append one record (consumes rec). sync: 1 = an end/header record. */
int eo__log_write(eo__log *l, cJSON *rec, int sync, eo_error *err);
/* TRIAL/ALL: make every record written so far durable (waits for the syncer's
 * flush, or flushes); reports a flush failure. NONE: nothing. */
int eo__log_finish(eo__log *l, eo_error *err);
/* Stop the syncer (after one last flush of what was asked) and close. */
void eo__log_close(eo__log *l);

/* Exact numbers: cJSON prints 15 significant digits when they compare equal
 * within an epsilon, which does not always round-trip; these write the
 * shortest text that reads back to the same double (null for NaN/Inf). */
cJSON *eo__json_add_num(cJSON *o, const char *key, double v);
cJSON *eo__json_num(double v);

/* Helpers shared by the study and the MPI executor. */
cJSON *eo__json_params(const eo_space *s, const double *x);
/* Parse a params object back into x; EO_ERR_FORMAT naming the parameter. */
int eo__json_get_params(const eo_space *s, const cJSON *o, double *x, char *why, size_t n);

#endif
