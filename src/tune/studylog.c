/* Study log: append-only JSON Lines written with one write() per record, and
 * its reader for --resume (see studylog.h for the record layout). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgeopt/io.h"
#include "tune/studylog.h"

#define LOG_MAX_BYTES ((size_t)1 << 30)
#define LOG_MAX_JOBS 100000000L

cJSON *eo__json_num(double v)
{
    if (!isfinite(v)) return cJSON_CreateNull();
    char b[40];
    eo__fmt_double(b, sizeof b, v);
    return cJSON_CreateRaw(b);
}

cJSON *eo__json_add_num(cJSON *o, const char *key, double v)
{
    cJSON *n = eo__json_num(v);
    if (n && !cJSON_AddItemToObject(o, key, n)) {
        cJSON_Delete(n);
        return NULL;
    }
    return n;
}

cJSON *eo__json_params(const eo_space *s, const double *x)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i].kind == EO_PARAM_CHOICE) {
            const char *lab = eo_space_choice(s, i, (size_t)x[i]);
            cJSON_AddStringToObject(o, s->p[i].name, lab ? lab : "?");
        } else {
            eo__json_add_num(o, s->p[i].name, x[i]);
        }
    }
    return o;
}

int eo__json_get_params(const eo_space *s, const cJSON *o, double *x, char *why, size_t n)
{
    if (!cJSON_IsObject(o)) {
        snprintf(why, n, "no params object");
        return EO_ERR_FORMAT;
    }
    for (size_t i = 0; i < s->n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, s->p[i].name);
        if (s->p[i].kind == EO_PARAM_CHOICE) {
            x[i] = -1;
            for (size_t c = 0; cJSON_IsString(v) && c < s->p[i].nchoices; c++)
                if (!strcmp(v->valuestring, s->p[i].choices[c])) x[i] = (double)c;
            if (x[i] < 0) {
                snprintf(why, n, "parameter '%s' has no valid option", s->p[i].name);
                return EO_ERR_FORMAT;
            }
        } else {
            if (!cJSON_IsNumber(v)) {
                snprintf(why, n, "parameter '%s' is missing", s->p[i].name);
                return EO_ERR_FORMAT;
            }
            x[i] = v->valuedouble;
        }
    }
    return EO_OK;
}

void eo__replay_free(eo__replay *r)
{
    if (!r) return;
    for (size_t k = 0; k < r->njobs; k++) {
        free(r->jobs[k].x);
        free(r->jobs[k].curve);
    }
    free(r->jobs);
    cJSON_Delete(r->header);
    memset(r, 0, sizeof *r);
}

static double num_or_nan(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int get_long(const cJSON *o, const char *key, long lo, long hi, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < (double)lo ||
        v->valuedouble > (double)hi)
        return 0;
    *out = (long)v->valuedouble;
    return 1;
}

static int grow_jobs(eo__replay *r, size_t need, size_t dim)
{
    if (need <= r->njobs) return EO_OK;
    size_t cap = need;
    eo__logjob *nj = realloc(r->jobs, cap * sizeof *nj);
    if (!nj) return EO_ERR_NOMEM;
    r->jobs = nj;
    for (size_t k = r->njobs; k < cap; k++) {
        memset(&nj[k], 0, sizeof nj[k]);
        nj[k].x = calloc(dim ? dim : 1, sizeof *nj[k].x);
        if (!nj[k].x) {
            r->njobs = k;
            return EO_ERR_NOMEM;
        }
        eo_tune_result_init(&nj[k].res);
    }
    r->njobs = cap;
    return EO_OK;
}

/* One record into the replay. Returns EO_OK, or EO_ERR_FORMAT with why. */
static int take_record(eo__replay *r, const eo_space *s, cJSON *o, long max_job, int max_epochs, char *why,
                       size_t n)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
    if (!cJSON_IsString(type)) {
        snprintf(why, n, "a record without \"type\"");
        return EO_ERR_FORMAT;
    }
    if (!strcmp(type->valuestring, "study")) {
        if (r->header) {
            snprintf(why, n, "a second study header");
            return EO_ERR_FORMAT;
        }
        r->header = cJSON_Duplicate(o, 1);
        return r->header ? EO_OK : EO_ERR_NOMEM;
    }
    if (!r->header) {
        snprintf(why, n, "the first record is not a study header");
        return EO_ERR_FORMAT;
    }
    long job, trial;
    /* every job has a record, so a job number is below the number of lines */
    if (!get_long(o, "job", 0, max_job, &job) || !get_long(o, "trial", 0, LOG_MAX_JOBS, &trial)) {
        snprintf(why, n, "a record without a valid job/trial number");
        return EO_ERR_FORMAT;
    }
    if (grow_jobs(r, (size_t)job + 1, s->n)) return EO_ERR_NOMEM;
    eo__logjob *j = &r->jobs[job];
    if (!strcmp(type->valuestring, "start")) return EO_OK;
    if (!strcmp(type->valuestring, "epoch")) {
        long fold, epoch;
        if (!get_long(o, "fold", 0, EO_TUNE_MAX_FOLDS - 1, &fold) || !get_long(o, "epoch", 1, 1000000, &epoch)) {
            snprintf(why, n, "an epoch record without a valid fold/epoch");
            return EO_ERR_FORMAT;
        }
        if (fold != 0 || epoch > max_epochs) return EO_OK; /* (a larger epoch: a header mismatch, reported later) */
        if (epoch > j->reached) {
            double *c = realloc(j->curve, (size_t)epoch * sizeof *c);
            if (!c) return EO_ERR_NOMEM;
            for (long e = j->reached; e < epoch; e++) c[e] = NAN;
            j->curve = c;
            j->reached = (int)epoch;
        }
        j->curve[epoch - 1] = num_or_nan(o, "score");
        return EO_OK;
    }
    if (strcmp(type->valuestring, "end")) {
        snprintf(why, n, "unknown record type '%.40s'", type->valuestring);
        return EO_ERR_FORMAT;
    }
    long rung, budget, prev, seed;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    int status = cJSON_IsString(st) ? eo_trial_status_from_name(st->valuestring) : -1;
    if (!get_long(o, "rung", 0, 1000, &rung) || !get_long(o, "budget", 0, 1000000, &budget) ||
        !get_long(o, "prev", 0, 1000000, &prev) || !get_long(o, "seed", 0, 0x7FFFFFFFL, &seed) || status < 0) {
        snprintf(why, n, "an end record without valid rung/budget/prev/seed/status");
        return EO_ERR_FORMAT;
    }
    int pst = eo__json_get_params(s, cJSON_GetObjectItemCaseSensitive(o, "params"), j->x, why, n);
    if (pst) return pst;
    j->has_end = 1;
    j->trial = trial;
    j->rung = (int)rung;
    j->budget = (int)budget;
    j->prev = (int)prev;
    j->seed = (uint64_t)seed;
    eo_tune_result *res = &j->res;
    eo_tune_result_init(res);
    res->status = (eo_trial_status)status;
    res->score = num_or_nan(o, "score");
    res->q[EO_TUNE_SCORE] = res->score;
    const cJSON *folds = cJSON_GetObjectItemCaseSensitive(o, "folds");
    if (cJSON_IsArray(folds)) {
        int nf = cJSON_GetArraySize(folds);
        if (nf > EO_TUNE_MAX_FOLDS) nf = EO_TUNE_MAX_FOLDS;
        res->nfolds = nf;
        for (int f = 0; f < nf; f++) {
            const cJSON *v = cJSON_GetArrayItem(folds, f);
            res->fold_scores[f] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
    }
    long ep = 0;
    get_long(o, "epochs", 0, 2000000000L, &ep);
    res->epochs = (int)ep;
    res->seconds = num_or_nan(o, "seconds");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "q");
    for (int k = 1; k < EO_TUNE_QUANTITY_COUNT; k++) res->q[k] = num_or_nan(q, eo_tune_quantity_name(k));
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (cJSON_IsString(e)) snprintf(res->error, sizeof res->error, "%s", e->valuestring);
    return EO_OK;
}

static int read_log(const char *path, const eo_space *s, int max_epochs, eo__replay *r, eo_error *err)
{
    unsigned char *buf;
    size_t len;
    int st = eo_io_read_file(path, LOG_MAX_BYTES, &buf, &len, err);
    if (st) return st;
    if (len == 0) { /* killed between creating the log and writing its header: nothing to lose */
        free(buf);
        return EO_OK;
    }
    size_t pos = 0;
    long line = 0, nlines = 0;
    for (size_t i = 0; i < len; i++) nlines += buf[i] == '\n';
    long max_job = nlines < LOG_MAX_JOBS ? nlines : LOG_MAX_JOBS;
    while (pos < len) {
        const unsigned char *nl = memchr(buf + pos, '\n', len - pos);
        line++;
        if (!nl) { /* a partial last line: a killed writer */
            r->partial = 1;
            break;
        }
        size_t l = (size_t)(nl - (buf + pos));
        char why[200] = "";
        cJSON *o = NULL;
        if (memchr(buf + pos, '\0', l)) {
            snprintf(why, sizeof why, "a NUL byte");
        } else {
            buf[pos + l] = '\0';
            o = cJSON_ParseWithLength((const char *)buf + pos, l);
            buf[pos + l] = '\n';
            if (!o) snprintf(why, sizeof why, "not a JSON object");
        }
        if (o) {
            st = take_record(r, s, o, max_job, max_epochs, why, sizeof why);
            cJSON_Delete(o);
            if (st == EO_ERR_NOMEM) {
                free(buf);
                return eo_error_set(err, st, "out of memory reading %s", path);
            }
        }
        if (!o || st) {
            int last = nl + 1 == buf + len;
            if (last && !o) { /* an unparseable last line: treat as partial */
                r->partial = 1;
                break;
            }
            free(buf);
            return eo_error_at(err, EO_ERR_FORMAT, path, line, 0, -1, "corrupt study record (%s)", why);
        }
        pos += l + 1;
        r->valid_len = pos;
        r->lines = line;
    }
    free(buf);
    if (!r->header)
        return eo_error_at(err, EO_ERR_FORMAT, path, 1, 0, -1, "not a study log (no study header record)");
    return EO_OK;
}

/* ------------------------------------------------------ background syncer
 *
 * Why a thread: fdatasync of the log costs 0.7-4 ms on a VM disk, more than
 * the tuner's own work per trial; waiting for it after every end record made
 * the disk the study's bottleneck. The syncer flushes while the next trial
 * runs. Group commit: it snapshots the number of records written, flushes,
 * and marks that many as synced, so a burst of short trials costs one flush,
 * not one each. What a crash can cost: a killed process nothing (each record
 * is already in the file, one write()); a power loss the end records written
 * after the start of the last completed flush -- with training trials
 * (seconds) against a flush (milliseconds), the one trial being flushed. */

static void *syncer_main(void *arg)
{
    eo__log *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->stop && l->wanted <= l->synced) pthread_cond_wait(&l->cv, &l->mu);
        if (l->wanted <= l->synced) break; /* stop, and nothing left to flush */
        unsigned long upto = l->written;   /* every record written so far */
        l->flushing = 1;
        pthread_mutex_unlock(&l->mu);
        int r = fdatasync(l->fd), e = r ? errno : 0;
        pthread_mutex_lock(&l->mu);
        l->flushing = 0;
        if (r && !l->sync_errno) l->sync_errno = e ? e : EIO;
        if (!r && upto > l->synced) l->synced = upto;
        if (r) l->synced = l->wanted; /* reported once through sync_errno; do not spin */
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Start the syncer in TRIAL mode; without it the writer flushes itself. */
static void syncer_start(eo__log *l)
{
    l->syncer_on = 0;
    l->written = l->wanted = l->synced = 0;
    l->flushing = l->stop = l->sync_errno = 0;
    if (l->fsync_mode != EO_TUNE_FSYNC_TRIAL) return;
    if (pthread_mutex_init(&l->mu, NULL)) return;
    if (pthread_cond_init(&l->cv, NULL)) {
        pthread_mutex_destroy(&l->mu);
        return;
    }
    if (pthread_create(&l->syncer, NULL, syncer_main, l)) {
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        return;
    }
    l->syncer_on = 1;
}

static int sync_error(const eo__log *l, int e, eo_error *err)
{
    return eo_error_at(err, EO_ERR_IO, l->path, 0, 0, -1, "cannot flush the study log: %s", strerror(e));
}

int eo__log_open(eo__log *l, const char *path, int resume, int fsync_mode, const eo_space *space, int max_epochs,
                 eo__replay *rp, eo_error *err)
{
    memset(rp, 0, sizeof *rp);
    l->fd = -1;
    l->syncer_on = 0;
    l->path = path;
    l->fsync_mode = fsync_mode;
    int exists = eo_io_exists(path);
    if (exists && !resume)
        return eo_error_at(err, EO_ERR_STATE, path, 0, 0, -1,
                           "the study log exists: add --resume to continue it, or choose another --study");
    if (exists) {
        int st = read_log(path, space, max_epochs, rp, err);
        if (st) {
            eo__replay_free(rp);
            return st;
        }
        l->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (l->fd < 0 || ftruncate(l->fd, (off_t)rp->valid_len) != 0) {
            int e = errno;
            if (l->fd >= 0) close(l->fd);
            l->fd = -1;
            eo__replay_free(rp);
            return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot append to the study log: %s", strerror(e));
        }
        syncer_start(l);
        return EO_OK;
    }
    l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (l->fd < 0)
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot create the study log: %s", strerror(errno));
    syncer_start(l);
    return EO_OK;
}

int eo__log_write(eo__log *l, cJSON *rec, int sync, eo_error *err)
{
    if (!rec) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    char *txt = cJSON_PrintUnformatted(rec);
    cJSON_Delete(rec);
    if (!txt) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    size_t n = strlen(txt);
    char *line = realloc(txt, n + 2);
    if (!line) {
        free(txt);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    size_t done = 0;
    int st = EO_OK;
    while (done < n + 1) {
        ssize_t w = write(l->fd, line + done, n + 1 - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            const char *hint = e == ENOSPC   ? " (disk full)"
                               : e == EFBIG  ? " (file-size limit)"
                               : e == EDQUOT ? " (disk quota)"
                               : e == EROFS  ? " (read-only file system)"
                                             : "";
            st = eo_error_at(err, EO_ERR_IO, l->path, 0, 0, -1,
                             "cannot write the study log: %s%s; the records before are intact, --resume continues",
                             w < 0 ? strerror(e) : "short write", hint);
            break;
        }
        done += (size_t)w;
    }
    free(line);
    if (st) return st;
    if (l->syncer_on) {
        int e;
        pthread_mutex_lock(&l->mu);
        l->written++;
        if (sync) {
            l->wanted = l->written;
            pthread_cond_broadcast(&l->cv);
        }
        e = l->sync_errno;
        pthread_mutex_unlock(&l->mu);
        return e ? sync_error(l, e, err) : EO_OK;
    }
    if (l->fsync_mode == EO_TUNE_FSYNC_ALL || (sync && l->fsync_mode == EO_TUNE_FSYNC_TRIAL))
        if (fdatasync(l->fd) != 0) return sync_error(l, errno, err);
    return EO_OK;
}

int eo__log_finish(eo__log *l, eo_error *err)
{
    if (l->fd < 0 || l->fsync_mode == EO_TUNE_FSYNC_NONE) return EO_OK;
    if (!l->syncer_on) return EO_OK; /* the writer flushed every record it was asked to */
    pthread_mutex_lock(&l->mu);
    l->wanted = l->written;
    pthread_cond_broadcast(&l->cv);
    while (l->synced < l->wanted && !l->sync_errno) pthread_cond_wait(&l->cv, &l->mu);
    int e = l->sync_errno;
    pthread_mutex_unlock(&l->mu);
    return e ? sync_error(l, e, err) : EO_OK;
}

void eo__log_close(eo__log *l)
{
    if (l->syncer_on) {
        /* the syncer flushes what was asked before it stops */
        pthread_mutex_lock(&l->mu);
        l->stop = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->syncer, NULL);
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        l->syncer_on = 0;
    }
    if (l->fd >= 0) close(l->fd);
    l->fd = -1;
}
