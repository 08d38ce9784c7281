/* The study driver: asks the strategy for jobs, measures and checks device
 * constraints before a job is queued, replays a resumed log, tells results in
 * job order (see "DETERMINISM" in edgeopt/tune.h) and writes the header. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/study.h"

static int grow(eo_study *s, size_t need)
{
    if (need <= s->cap) return EO_OK;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < need) cap *= 2;
    size_t nobj = s->nobj ? s->nobj : 1;
#define RE(field, count)                                                                                         \
    do {                                                                                                         \
        void *np_ = realloc(s->field, (count) * sizeof *s->field);                                               \
        if (!np_) return EO_ERR_NOMEM;                                                                           \
        s->field = np_;                                                                                          \
    } while (0)
    RE(trial, cap);
    RE(rung, cap);
    RE(budget, cap);
    RE(prev, cap);
    RE(seed, cap);
    RE(x, cap * (s->dim ? s->dim : 1));
    RE(res, cap);
    RE(state, cap);
    RE(replayed, cap);
    RE(reached, cap);
    RE(curve, cap);
    RE(status, cap);
    RE(loss, cap);
    RE(mo, cap * nobj);
#undef RE
    for (size_t k = s->cap; k < cap; k++) s->curve[k] = NULL;
    s->cap = cap;
    return EO_OK;
}

int eo_study_create(const eo_space *space, const eo_tune_params *p, eo_study **out, eo_error *err)
{
    if (out) *out = NULL;
    if (!space || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_study_create: NULL argument");
    const char *why = eo_tune_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_study *s = calloc(1, sizeof *s);
    if (!s) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    s->p = *p;
    s->dim = space->n;
    s->nobj = p->nobjectives > 1 ? (size_t)p->nobjectives : 0;
    s->mpi_size = 1;
    s->log.fd = -1;
    if (eo__space_copy(space, &s->space) || grow(s, 64)) {
        eo_study_destroy(s);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->mu_ready = 1;
    *out = s;
    return EO_OK;
}

void eo_study_destroy(eo_study *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->cap && s->curve; k++) free(s->curve[k]);
    free(s->trial);
    free(s->rung);
    free(s->budget);
    free(s->prev);
    free(s->seed);
    free(s->x);
    free(s->res);
    free(s->state);
    free(s->replayed);
    free(s->reached);
    free(s->curve);
    free(s->status);
    free(s->loss);
    free(s->mo);
    eo__replay_free(&s->rp);
    eo__log_close(&s->log);
    if (s->strat) {
        free(s->strat->released);
        s->strat->ops->destroy(s->strat);
    }
    if (s->mu_ready) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    eo_space_destroy(s->space);
    free(s);
}

/* ---------------------------------------------------------------- header */

static cJSON *header_json(const eo_study *s)
{
    const eo_tune_params *p = &s->p;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "type", "study");
    cJSON_AddNumberToObject(o, "format", 1);
    cJSON_AddStringToObject(o, "edgeopt", eo_version());
    cJSON_AddStringToObject(o, "strategy", eo_tune_strategy_name(p->strategy));
    cJSON_AddNumberToObject(o, "seed", (double)p->seed);
    char sp[8192];
    eo_space_format(s->space, sp, sizeof sp);
    cJSON_AddStringToObject(o, "space", sp);
    cJSON *st = cJSON_AddObjectToObject(o, "settings");
    if (st) {
        cJSON_AddNumberToObject(st, "trials", (double)p->trials);
        cJSON_AddNumberToObject(st, "max_epochs", p->max_epochs);
        cJSON_AddNumberToObject(st, "min_epochs", p->min_epochs);
        eo__json_add_num(st, "eta", p->eta);
        cJSON_AddNumberToObject(st, "budget_epochs", (double)p->budget_epochs);
        cJSON_AddNumberToObject(st, "lag", p->lag);
        cJSON_AddNumberToObject(st, "grid_points", p->grid_points);
        cJSON_AddNumberToObject(st, "n_startup", p->n_startup);
        cJSON_AddNumberToObject(st, "n_candidates", p->n_candidates);
        eo__json_add_num(st, "gamma", p->gamma);
        cJSON_AddNumberToObject(st, "prune", p->prune);
        cJSON_AddNumberToObject(st, "prune_warmup", p->prune_warmup);
        cJSON_AddNumberToObject(st, "prune_startup", p->prune_startup);
        cJSON_AddNumberToObject(st, "maximize", p->maximize);
        char buf[256] = "";
        size_t len = 0;
        for (int i = 0; i < p->nobjectives; i++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                                    eo_tune_quantity_name(p->objectives[i]));
        cJSON_AddStringToObject(st, "objectives", buf);
        len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < p->nconstraints; i++) {
            char b[40];
            eo__fmt_double(b, sizeof b, p->constraints[i].bound);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s%s", i ? "," : "",
                                    eo_tune_quantity_name(p->constraints[i].q), p->constraints[i].strict ? "<" : "<=",
                                    b);
        }
        cJSON_AddStringToObject(st, "constraints", buf);
    }
    cJSON *ctx = cJSON_AddObjectToObject(o, "context");
    for (const char *c = p->context; ctx && c && *c;) {
        const char *nl = strchr(c, '\n');
        size_t l = nl ? (size_t)(nl - c) : strlen(c);
        const char *eq = memchr(c, '=', l);
        if (eq) {
            char key[128], val[2048];
            snprintf(key, sizeof key, "%.*s", (int)(eq - c), c);
            snprintf(val, sizeof val, "%.*s", (int)(l - (size_t)(eq - c) - 1), eq + 1);
            cJSON_AddStringToObject(ctx, key, val);
        }
        c += l + (nl ? 1 : 0);
    }
    return o;
}

static void item_text(const cJSON *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "(none)");
        return;
    }
    if (cJSON_IsString(v)) {
        snprintf(buf, n, "'%.200s'", v->valuestring);
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    snprintf(buf, n, "%.200s", t ? t : "?");
    free(t);
}

static int compare_item(const char *path, const char *label, const cJSON *a, const cJSON *b, eo_error *err)
{
    if (a && b && cJSON_Compare(a, b, 1)) return EO_OK;
    if (!a && !b) return EO_OK;
    char ta[260], tb[260];
    item_text(a, ta, sizeof ta);
    item_text(b, tb, sizeof tb);
    return eo_error_at(err, EO_ERR_STATE, path, 0, 0, -1,
                       "the study was started with %s = %s but this run has %s: resume with the same settings, or "
                       "start a new --study",
                       label, ta, tb);
}

static int compare_header(const eo_study *s, const cJSON *logged, eo_error *err)
{
    /* through text, as the logged header went (raw numbers become numbers) */
    cJSON *built = header_json(s);
    char *txt = built ? cJSON_PrintUnformatted(built) : NULL;
    cJSON_Delete(built);
    cJSON *mine = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    if (!mine) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    const char *path = s->p.study_path;
    int st = EO_OK;
    static const char *const top[] = {"strategy", "seed", "space"};
    for (size_t i = 0; !st && i < 3; i++)
        st = compare_item(path, top[i], cJSON_GetObjectItemCaseSensitive(logged, top[i]),
                          cJSON_GetObjectItemCaseSensitive(mine, top[i]), err);
    static const char *const groups[] = {"settings", "context"};
    for (size_t g = 0; !st && g < 2; g++) {
        const cJSON *lg = cJSON_GetObjectItemCaseSensitive(logged, groups[g]);
        const cJSON *mg = cJSON_GetObjectItemCaseSensitive(mine, groups[g]);
        const cJSON *it;
        cJSON_ArrayForEach(it, mg)
        {
            if (st) break;
            st = compare_item(path, it->string, cJSON_GetObjectItemCaseSensitive(lg, it->string), it, err);
        }
        cJSON_ArrayForEach(it, lg)
        {
            if (st) break;
            if (!cJSON_GetObjectItemCaseSensitive(mg, it->string))
                st = compare_item(path, it->string, it, NULL, err);
        }
    }
    cJSON_Delete(mine);
    return st;
}

/* -------------------------------------------------------------- driver */

static void history(const eo_study *s, eo__history *h)
{
    h->njobs = s->njobs;
    h->told = s->told;
    h->dim = s->dim;
    h->trial = s->trial;
    h->rung = s->rung;
    h->budget = s->budget;
    h->prev = s->prev;
    h->x = s->x;
    h->status = s->status;
    h->loss = s->loss;
    h->nobj = s->nobj;
    h->mo = s->nobj ? s->mo : NULL;
    h->epochs_told = s->epochs_told;
    h->continues = s->obj.continues;
    h->epoch_cost = s->obj.epoch_cost > 0 ? s->obj.epoch_cost : 1;
}

static int measure_needed(const eo_study *s)
{
    if (!s->obj.measure) return 0;
    if (s->p.nconstraints) return 1;
    for (int i = 0; i < s->p.nobjectives; i++)
        if (s->p.objectives[i] != EO_TUNE_SCORE) return 1;
    return 0;
}

/* Decide job k before queueing: replayed, failed/rejected, or to run. */
static int admit(eo_study *s, size_t k, eo_error *err)
{
    const double *x = s->x + k * s->dim;
    if (k < s->rp.njobs && s->rp.jobs[k].has_end) {
        const eo__logjob *j = &s->rp.jobs[k];
        int same = j->trial == s->trial[k] && j->rung == s->rung[k] && j->budget == s->budget[k] &&
                   j->prev == s->prev[k] && j->seed == s->seed[k];
        for (size_t i = 0; same && i < s->dim; i++) same = j->x[i] == x[i];
        if (!same)
            return eo_error_at(err, EO_ERR_STATE, s->p.study_path, 0, 0, -1,
                               "job %zu in the log (trial %ld, budget %d) differs from this run's job %zu (trial %ld, "
                               "budget %d, or its parameters): the log comes from other settings or another version",
                               k, j->trial, j->budget, k, s->trial[k], s->budget[k]);
        pthread_mutex_lock(&s->mu);
        s->res[k] = j->res;
        for (int e = 1; e <= j->reached && e <= s->p.max_epochs; e++)
            if (eo__curve_put(s, k, e, eo__orient(s, j->curve[e - 1]))) {
                pthread_mutex_unlock(&s->mu);
                return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            }
        s->state[k] = JOB_DONE;
        s->replayed[k] = 1;
        s->replayed_count++;
        s->jobs_done++;
        pthread_mutex_unlock(&s->mu);
        return EO_OK;
    }
    eo_tune_result r;
    eo_tune_result_init(&r);
    int decided = 0;
    if (measure_needed(s)) {
        eo_error e;
        eo_error_clear(&e);
        double q[EO_TUNE_QUANTITY_COUNT];
        for (int i = 0; i < EO_TUNE_QUANTITY_COUNT; i++) q[i] = NAN;
        if (s->obj.measure(x, q, s->obj.user, &e)) {
            r.status = EO_TRIAL_FAILED;
            snprintf(r.error, sizeof r.error, "%.255s", e.msg);
            decided = 1;
        } else {
            for (int i = 1; i < EO_TUNE_QUANTITY_COUNT; i++) r.q[i] = q[i];
            for (size_t c = 0; !decided && c < s->p.nconstraints; c++) {
                const eo_tune_constraint *ct = &s->p.constraints[c];
                double v = q[ct->q];
                int ok = isfinite(v) && (ct->strict ? v < ct->bound : v <= ct->bound);
                if (!ok) {
                    char a[40], b[40];
                    eo__fmt_double(a, sizeof a, v);
                    eo__fmt_double(b, sizeof b, ct->bound);
                    snprintf(r.error, sizeof r.error, "%s %s %s %s", eo_tune_quantity_name(ct->q), a,
                             ct->strict ? ">=" : ">", b);
                    r.status = EO_TRIAL_REJECTED;
                    decided = 1;
                }
            }
        }
    }
    pthread_mutex_lock(&s->mu);
    s->res[k] = r;
    if (decided) {
        s->state[k] = JOB_DONE;
        s->jobs_done++;
        eo__log_end(s, k);
        if (s->p.progress) {
            eo_tune_job job = {(long)k, s->trial[k], s->rung[k], s->budget[k], s->prev[k], s->seed[k], x};
            eo_tune_progress pg = {EO_TUNE_EV_END, &job, &s->res[k], 0, 0, NAN, 0, s->jobs_done};
            s->p.progress(&pg, s->p.progress_user);
        }
    } else {
        eo__exec_queue(s, k);
    }
    int st = s->abort_status;
    if (st && err) *err = s->abort_err;
    pthread_mutex_unlock(&s->mu);
    return st;
}

static void tell(eo_study *s)
{
    size_t k = s->told;
    pthread_mutex_lock(&s->mu);
    const eo_tune_result *r = &s->res[k];
    s->status[k] = r->status;
    double l = eo__orient(s, r->score);
    s->loss[k] = isfinite(l) ? l : NAN;
    for (size_t i = 0; i < s->nobj; i++) {
        eo_tune_quantity q = s->p.objectives[i];
        s->mo[k * s->nobj + i] = q == EO_TUNE_SCORE ? s->loss[k] : r->q[q];
    }
    s->epochs_told += r->epochs;
    s->told++;
    pthread_mutex_unlock(&s->mu);
    eo__history h;
    history(s, &h);
    s->strat->ops->tell(s->strat, &h, k);
}

/* Hand the strategy's released trials to the objective. */
static void release(eo_study *s)
{
    eo__strategy *st = s->strat;
    for (size_t i = 0; i < st->nreleased; i++)
        if (s->obj.release) s->obj.release(st->released[i], s->obj.user);
    st->nreleased = 0;
}

static int drive(eo_study *s, eo_error *err)
{
    double *xbuf = malloc((s->dim ? s->dim : 1) * sizeof *xbuf);
    if (!xbuf) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int st = EO_OK, announced = 0;
    for (;;) {
        if (s->p.stop_flag && *s->p.stop_flag) {
            s->interrupted = 1;
            st = EO_ERR_INTERRUPTED;
            break;
        }
        eo__history h;
        history(s, &h);
        eo__proposal prop = {0, 0, 0, 0, xbuf};
        int r = s->strat->ops->ask(s->strat, &h, &prop, err);
        release(s);
        if (r < 0) {
            st = r;
            break;
        }
        if (r == EO__ASK_JOB) {
            pthread_mutex_lock(&s->mu);
            if (grow(s, s->njobs + 1)) {
                pthread_mutex_unlock(&s->mu);
                st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
                break;
            }
            size_t k = s->njobs;
            s->trial[k] = prop.trial;
            s->rung[k] = prop.rung;
            s->budget[k] = prop.budget;
            s->prev[k] = prop.prev_budget;
            s->seed[k] = eo__trial_seed(s->p.seed, prop.trial);
            memcpy(s->x + k * s->dim, xbuf, s->dim * sizeof *xbuf);
            eo_tune_result_init(&s->res[k]);
            s->state[k] = JOB_NEW;
            s->replayed[k] = 0;
            s->reached[k] = 0;
            s->status[k] = EO_TRIAL_FAILED;
            s->loss[k] = NAN;
            s->njobs++;
            pthread_mutex_unlock(&s->mu);
            if ((st = admit(s, k, err))) break;
            if (!announced && !s->replayed[k] && s->replayed_count) {
                announced = 1;
                if (s->p.progress) {
                    pthread_mutex_lock(&s->mu);
                    eo_tune_progress pg = {EO_TUNE_EV_REPLAY, NULL, NULL, 0, 0, NAN, s->replayed_count, s->jobs_done};
                    s->p.progress(&pg, s->p.progress_user);
                    pthread_mutex_unlock(&s->mu);
                }
            }
            continue;
        }
        if (s->told == s->njobs) {
            if (r == EO__ASK_DONE) break;
            st = eo_error_set(err, EO_ERR_STATE, "internal: the strategy waits with no job pending");
            break;
        }
        if ((st = eo__exec_wait(s, s->told, err))) break;
        tell(s);
        release(s);
    }
    free(xbuf);
    return st;
}

int eo_study_run(eo_study *s, const eo_tune_objective *obj, eo_error *err)
{
    if (!s || !obj || !obj->eval) return eo_error_set(err, EO_ERR_INVALID, "eo_study_run: NULL argument");
    if (s->strat) return eo_error_set(err, EO_ERR_STATE, "eo_study_run: a study runs once");
    s->obj = *obj;
    s->t0 = eo__now();
    int st = eo__strategy_create(s->space, &s->p, &s->strat, err);
    if (st) return st;
    if (s->p.use_mpi && eo_tune_mpi_available()) {
        eo__mpi_query(s);
        if (eo__mpi_active(s) && s->mpi_rank > 0) {
            s->is_worker = 1;
            return eo__mpi_worker_loop(s, err);
        }
    }
    if (s->p.study_path) {
        if ((st = eo__log_open(&s->log, s->p.study_path, s->p.resume, s->p.fsync, s->space, s->p.max_epochs, &s->rp,
                               err)))
            goto done;
        s->have_log = 1;
        if (s->rp.header) {
            if ((st = compare_header(s, s->rp.header, err))) goto done;
        } else if ((st = eo__log_write(&s->log, header_json(s), 1, err))) {
            goto done;
        }
    }
    if ((st = eo__exec_start(s, err))) goto done;
    st = drive(s, err);
    if (st == EO_ERR_INTERRUPTED)
        eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted after %ld finished jobs%s", s->jobs_done,
                     s->have_log ? ": the study log holds them; run again with --resume" : "");
done:
    pthread_mutex_lock(&s->mu);
    if (st) s->interrupted = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    eo__exec_stop(s);
    if (eo__mpi_active(s)) eo__mpi_shutdown(s);
    if (s->have_log) {
        /* every record durable before the study returns, also when it was
         * interrupted (SIGINT/SIGTERM set stop_flag and end here) */
        eo_error fe;
        eo_error_clear(&fe);
        int fst = eo__log_finish(&s->log, &fe);
        if (fst && (!st || st == EO_ERR_INTERRUPTED)) {
            st = fst;
            if (err) *err = fe;
        }
    }
    eo__log_close(&s->log);
    if (!st && s->replayed_count && s->replayed_count == (long)s->njobs && s->p.progress) {
        eo_tune_progress pg = {EO_TUNE_EV_REPLAY, NULL, NULL, 0, 0, NAN, s->replayed_count, s->jobs_done};
        s->p.progress(&pg, s->p.progress_user);
    }
    s->seconds = eo__now() - s->t0;
    return st;
}

int eo_study_is_worker(const eo_study *s)
{
    return s && s->is_worker;
}
