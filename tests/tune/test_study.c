/* Studies: the median pruner against a sequential re-implementation, worker
 * count independence (threads), the study log (resume from every kind of
 * cut, header mismatch, corrupt records; the background flushes: same log,
 * complete after an interrupt, flush failures reported), constraints that reject before
 * training, the Pareto front of a study, and the training objective (k-fold
 * scores against the trainer used directly, retraining the best). */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include <cjson/cJSON.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/tune.h"
#include "tune/studylog.h"

static eo_space *space_of(const char *text)
{
    eo_space *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_space_parse(text, NULL, &s, &e)) fail_msg("space: %s", e.msg);
    return s;
}

/* Synthetic learning curves: loss(e) = a + b/e with a, b from x; reported
 * after every epoch; optional sleeps shuffle the timing of threads. */
typedef struct curve_obj {
    int sleepy;
    long evals;
    pthread_mutex_t mu;
} curve_obj;

static void co_init(curve_obj *o, int sleepy)
{
    o->sleepy = sleepy;
    o->evals = 0;
    pthread_mutex_init(&o->mu, NULL);
}

static double curve_loss(const double *x, int e)
{
    return x[0] + x[1] / e;
}

static int eval_curve(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    curve_obj *o = user;
    pthread_mutex_lock(&o->mu);
    o->evals++;
    pthread_mutex_unlock(&o->mu);
    out->status = EO_TRIAL_OK;
    for (int e = job->prev_budget + 1; e <= job->budget; e++) {
        if (o->sleepy) {
            struct timespec ts = {0, (long)((job->seed * 7919 + (uint64_t)e * 104729) % 3000) * 1000};
            nanosleep(&ts, NULL);
        }
        double l = curve_loss(job->x, e);
        out->score = l;
        out->epochs++;
        if (eo_tune_report(rep, 0, e, l)) {
            out->status = EO_TRIAL_PRUNED;
            return EO_OK;
        }
    }
    return EO_OK;
}

static int measure_curve(const double *x, double *q, void *user, eo_error *err)
{
    (void)user;
    (void)err;
    q[EO_TUNE_FLASH] = 1000 * x[0];
    q[EO_TUNE_RAM] = 100 + 50 * x[1];
    q[EO_TUNE_PARAMS] = floor(1e4 * x[1]);
    return EO_OK;
}

static eo_study *run_curve(const eo_space *sp, const eo_tune_params *p, curve_obj *o, int *status, eo_error *e)
{
    eo_study *st = NULL;
    eo_error_clear(e);
    if (eo_study_create(sp, p, &st, e)) fail_msg("create: %s", e->msg);
    eo_tune_objective obj = {eval_curve, measure_curve, o, 0, 1, NULL};
    *status = eo_study_run(st, &obj, e);
    return st;
}

static void records_equal(eo_study *a, eo_study *b, size_t dim)
{
    size_t n = eo_study_njobs(a);
    assert_int_equal(n, eo_study_njobs(b));
    for (size_t k = 0; k < n; k++) {
        eo_tune_record ra, rb;
        eo_study_record(a, k, &ra);
        eo_study_record(b, k, &rb);
        assert_int_equal(ra.trial, rb.trial);
        assert_int_equal(ra.budget, rb.budget);
        assert_true(ra.seed == rb.seed);
        for (size_t i = 0; i < dim; i++) assert_true(ra.x[i] == rb.x[i]);
        assert_int_equal(ra.r->status, rb.r->status);
        assert_int_equal(ra.r->epochs, rb.r->epochs);
        assert_true(ra.r->score == rb.r->score || (isnan(ra.r->score) && isnan(rb.r->score)));
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_median_pruner(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,2)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_RANDOM;
    p.trials = 40;
    p.max_epochs = 6;
    p.maximize = 0;
    p.prune = 1;
    p.prune_warmup = 1;
    p.prune_startup = 4;
    p.seed = 5;
    curve_obj o;
    co_init(&o, 0);
    eo_error e;
    int st;
    eo_study *s1 = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_OK);
    /* reference: the rule applied sequentially */
    double curves[40][6];
    int reached[40];
    long pruned = 0;
    for (int t = 0; t < 40; t++) {
        eo_tune_record r;
        eo_study_record(s1, (size_t)t, &r);
        reached[t] = 0;
        int stop = 0;
        for (int ep = 1; ep <= 6 && !stop; ep++) {
            double l = curve_loss(r.x, ep);
            curves[t][ep - 1] = l;
            reached[t] = ep;
            if (ep <= 1) continue;
            double v[40];
            int n = 0;
            for (int j = 0; j < t; j++)
                if (reached[j] >= ep) v[n++] = curves[j][ep - 1];
            if (n < 4) continue;
            qsort(v, (size_t)n, sizeof *v, cmp_d);
            double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
            if (l > med) stop = 1;
        }
        assert_int_equal(r.r->status, stop ? EO_TRIAL_PRUNED : EO_TRIAL_OK);
        assert_int_equal(r.r->epochs, reached[t]);
        pruned += stop;
    }
    assert_true(pruned >= 10 && pruned <= 35);
    assert_int_equal(eo_study_count(s1, EO_TRIAL_PRUNED), pruned);
    /* the same study on 3 threads, with jittered timing, gives the same result */
    p.jobs = 3;
    curve_obj o3;
    co_init(&o3, 1);
    eo_study *s3 = run_curve(sp, &p, &o3, &st, &e);
    assert_int_equal(st, EO_OK);
    records_equal(s1, s3, 2);
    eo_study_destroy(s1);
    eo_study_destroy(s3);
    eo_space_destroy(sp);
}

static void test_jobs_independent(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=log(0.01,2)");
    for (int strat = EO_TUNE_HALVING; strat <= EO_TUNE_BOHB; strat++) {
        eo_tune_params p = eo_tune_defaults();
        p.strategy = (eo_tune_strategy)strat;
        if (strat == EO_TUNE_BOHB) p.budget_epochs = 150; /* 2 iterations and a part: the model is used */
        p.trials = strat == EO_TUNE_HALVING ? 9 : 18;
        p.max_epochs = 9;
        p.n_startup = 6;
        p.n_candidates = strat == EO_TUNE_GP ? 100 : 0;
        p.lag = 2;
        p.maximize = 0;
        p.prune = strat == EO_TUNE_TPE || strat == EO_TUNE_GP;
        p.seed = 21;
        curve_obj o1, o2;
        co_init(&o1, 0);
        co_init(&o2, 1);
        eo_error e;
        int st;
        eo_study *a = run_curve(sp, &p, &o1, &st, &e);
        assert_int_equal(st, EO_OK);
        p.jobs = 2;
        eo_study *b = run_curve(sp, &p, &o2, &st, &e);
        assert_int_equal(st, EO_OK);
        records_equal(a, b, 2);
        eo_study_destroy(a);
        eo_study_destroy(b);
    }
    eo_space_destroy(sp);
}

/* ------------------------------------------------------------ study log */

static char *slurp(const char *path, size_t *len)
{
    unsigned char *buf;
    if (eo_io_read_file(path, 1 << 26, &buf, len, NULL)) return NULL;
    return (char *)buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* Every job has exactly one end record, and the end records number the jobs 0..n-1. */
static void check_log(const char *path, size_t njobs)
{
    size_t len;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    int *ends = calloc(njobs + 1, sizeof *ends);
    char *line = buf;
    int header = 0;
    while (*line) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl); /* no partial line is left */
        *nl = '\0';
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const char *type = cJSON_GetObjectItem(o, "type")->valuestring;
        if (!strcmp(type, "study")) header++;
        if (!strcmp(type, "end")) {
            int k = (int)cJSON_GetObjectItem(o, "job")->valuedouble;
            assert_true(k >= 0 && (size_t)k < njobs);
            ends[k]++;
        }
        cJSON_Delete(o);
        line = nl + 1;
    }
    assert_int_equal(header, 1);
    for (size_t k = 0; k < njobs; k++) assert_int_equal(ends[k], 1);
    free(ends);
    free(buf);
}

static void test_resume(void **state)
{
    (void)state;
    char dir[] = "/tmp/eo_tune_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], ref[256];
    snprintf(path, sizeof path, "%s/study.jsonl", dir);
    snprintf(ref, sizeof ref, "%s/ref.jsonl", dir);
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,2)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_TPE;
    p.trials = 16;
    p.n_startup = 5;
    p.max_epochs = 4;
    p.maximize = 0;
    p.prune = 1;
    p.prune_startup = 3;
    p.seed = 9;
    p.study_path = ref;
    p.context = "data=synthetic\nmodel=curve";
    p.fsync = EO_TUNE_FSYNC_NONE;
    curve_obj o;
    co_init(&o, 0);
    eo_error e;
    int st;
    eo_study *a = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_OK);
    size_t njobs = eo_study_njobs(a);
    check_log(ref, njobs);
    size_t len;
    char *full = slurp(ref, &len);
    assert_non_null(full);
    /* cut points: after the header, every 7th line boundary, mid-line cuts */
    size_t cuts[64], nc = 0, line = 0;
    cuts[nc++] = 0; /* killed between creating the log and writing its header */
    for (size_t i = 0; i < len && nc < 60; i++) {
        if (full[i] != '\n') continue;
        line++;
        if (line == 1 || line % 7 == 0) cuts[nc++] = i + 1;
        if (line % 9 == 4) cuts[nc++] = i + 1 + 10; /* ten bytes into the next line */
    }
    cuts[nc++] = len;
    for (size_t c = 0; c < nc; c++) {
        size_t cut = cuts[c] < len ? cuts[c] : len;
        spit(path, full, cut);
        p.study_path = path;
        p.resume = 1;
        curve_obj oc;
    co_init(&oc, c % 2);
        p.jobs = 1 + (int)(c % 2);
        eo_study *b = run_curve(sp, &p, &oc, &st, &e);
        if (st) fail_msg("resume at byte %zu: %s", cut, e.msg);
        records_equal(a, b, 2);
        check_log(path, njobs);
        /* no finished job ran again: evaluations = jobs without an end record in the prefix */
        long replayed = 0;
        for (size_t k = 0; k < njobs; k++) {
            eo_tune_record r;
            eo_study_record(b, k, &r);
            replayed += r.replayed;
        }
        assert_int_equal(oc.evals + replayed - eo_study_count(b, EO_TRIAL_REJECTED), (long)njobs);
        eo_study_destroy(b);
    }
    /* a finished study resumes to the same result without evaluating anything */
    curve_obj oz;
    co_init(&oz, 0);
    eo_study *z = run_curve(sp, &p, &oz, &st, &e);
    assert_int_equal(st, EO_OK);
    assert_int_equal(oz.evals, 0);
    assert_int_equal(eo_study_best(z), eo_study_best(a));
    eo_study_destroy(z);

    /* a new study refuses an existing log; a changed setting is named */
    p.resume = 0;
    eo_study *x = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_ERR_STATE);
    assert_non_null(strstr(e.msg, "--resume"));
    eo_study_destroy(x);
    p.resume = 1;
    p.seed = 10;
    x = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_ERR_STATE);
    assert_non_null(strstr(e.msg, "seed"));
    eo_study_destroy(x);
    p.seed = 9;
    p.context = "data=synthetic\nmodel=other";
    x = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_ERR_STATE);
    assert_non_null(strstr(e.msg, "model = 'curve'"));
    eo_study_destroy(x);
    p.context = "data=synthetic\nmodel=curve";
    eo_space *sp2 = space_of("a=uniform(0,1);b=uniform(0,3)");
    x = run_curve(sp2, &p, &o, &st, &e);
    assert_int_equal(st, EO_ERR_STATE);
    assert_non_null(strstr(e.msg, "space"));
    eo_study_destroy(x);
    eo_space_destroy(sp2);
    /* a corrupt record that is not the last line is an error naming the line */
    char *bad = malloc(len + 1);
    memcpy(bad, full, len);
    char *l3 = strchr(strchr(bad, '\n') + 1, '\n') + 1; /* third line */
    l3[0] = '#';
    spit(path, bad, len);
    x = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_ERR_FORMAT);
    assert_int_equal(e.line, 3);
    eo_study_destroy(x);
    free(bad);
    free(full);
    eo_study_destroy(a);
    eo_space_destroy(sp);
    remove(path);
    remove(ref);
    rmdir(dir);
}

/* ------------------------------------------------- durability of the log */

typedef struct stop_obj {
    volatile int stop;
    long evals, stop_after;
} stop_obj;

static int eval_stop(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    stop_obj *o = user;
    (void)rep;
    out->status = EO_TRIAL_OK;
    out->score = curve_loss(job->x, job->budget);
    out->epochs = job->budget - job->prev_budget;
    if (++o->evals == o->stop_after) o->stop = 1; /* as SIGINT/SIGTERM set the CLI's flag */
    return EO_OK;
}

/* Every line of the log is a complete JSON record; returns the number of
 * end records. */
static long complete_log(const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    assert_true(len > 0 && buf[len - 1] == '\n');
    long ends = 0;
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        ends += !strcmp(cJSON_GetObjectItem(o, "type")->valuestring, "end");
        cJSON_Delete(o);
        line = nl + 1;
    }
    free(buf);
    return ends;
}

static void test_log_sync(void **state)
{
    (void)state;
    char dir[] = "/tmp/eo_tune_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], ref[256];
    snprintf(path, sizeof path, "%s/study.jsonl", dir);
    snprintf(ref, sizeof ref, "%s/ref.jsonl", dir);
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,2)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_RANDOM;
    p.trials = 300;
    p.max_epochs = 3;
    p.maximize = 0;
    p.seed = 4;
    eo_error e;
    eo_error_clear(&e);

    /* the default (background flushes) writes the same log as no flushing */
    assert_int_equal(p.fsync, EO_TUNE_FSYNC_TRIAL);
    stop_obj o0 = {0, 0, -1}, o1 = {0, 0, -1};
    eo_tune_objective obj0 = {eval_stop, NULL, &o0, 0, 1, NULL}, obj1 = {eval_stop, NULL, &o1, 0, 1, NULL};
    p.study_path = ref;
    p.fsync = EO_TUNE_FSYNC_NONE;
    eo_study *a = NULL;
    assert_int_equal(eo_study_create(sp, &p, &a, &e), EO_OK);
    assert_int_equal(eo_study_run(a, &obj0, &e), EO_OK);
    p.study_path = path;
    p.fsync = EO_TUNE_FSYNC_TRIAL;
    p.jobs = 2;
    eo_study *b = NULL;
    assert_int_equal(eo_study_create(sp, &p, &b, &e), EO_OK);
    assert_int_equal(eo_study_run(b, &obj1, &e), EO_OK);
    records_equal(a, b, 2);
    assert_int_equal(complete_log(path), 300);
    check_log(path, 300);
    eo_study_destroy(b);
    remove(path);

    /* interrupted (stop flag) after 57 trials: a complete log, every finished
     * trial in it, and --resume finishes the same study */
    stop_obj o2 = {0, 0, 57};
    p.jobs = 1;
    p.stop_flag = &o2.stop;
    eo_tune_objective obj2 = {eval_stop, NULL, &o2, 0, 1, NULL};
    assert_int_equal(eo_study_create(sp, &p, &b, &e), EO_OK);
    assert_int_equal(eo_study_run(b, &obj2, &e), EO_ERR_INTERRUPTED);
    long ended = complete_log(path);
    assert_true(ended >= 57 && ended < 300);
    eo_study_destroy(b);
    stop_obj o3 = {0, 0, -1};
    p.stop_flag = NULL;
    p.resume = 1;
    eo_tune_objective obj3 = {eval_stop, NULL, &o3, 0, 1, NULL};
    assert_int_equal(eo_study_create(sp, &p, &b, &e), EO_OK);
    assert_int_equal(eo_study_run(b, &obj3, &e), EO_OK);
    assert_int_equal(o3.evals, 300 - ended);
    records_equal(a, b, 2);
    check_log(path, 300);
    eo_study_destroy(b);
    eo_study_destroy(a);
    remove(path);
    remove(ref);

    /* the syncer itself: every record flushed by finish; a failed flush is
     * reported (by the next write and by finish), never lost */
    eo__log l;
    eo__replay rp;
    memset(&l, 0, sizeof l);
    assert_int_equal(eo__log_open(&l, path, 0, EO_TUNE_FSYNC_TRIAL, sp, 3, &rp, &e), EO_OK);
    assert_int_equal(l.syncer_on, 1);
    for (int k = 0; k < 40; k++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "type", "x");
        cJSON_AddNumberToObject(r, "k", k);
        assert_int_equal(eo__log_write(&l, r, k % 3 == 0, &e), EO_OK);
    }
    assert_int_equal(eo__log_finish(&l, &e), EO_OK);
    assert_true(l.synced == 40 && l.written == 40);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    assert_true(dup2(pfd[1], l.fd) == l.fd); /* fdatasync on a pipe fails (EINVAL) */
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "type", "x");
    assert_int_equal(eo__log_write(&l, r, 1, &e), EO_OK);
    eo_error_clear(&e);
    assert_int_equal(eo__log_finish(&l, &e), EO_ERR_IO);
    assert_non_null(strstr(e.msg, "cannot flush"));
    r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "type", "x");
    assert_int_equal(eo__log_write(&l, r, 0, &e), EO_ERR_IO);
    eo__log_close(&l);
    eo__replay_free(&rp);
    close(pfd[0]);
    close(pfd[1]);
    remove(path);
    eo_space_destroy(sp);
    rmdir(dir);
}

static void test_constraints_and_pareto(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,2)");
    eo_tune_params p = eo_tune_defaults();
    p.trials = 60;
    p.max_epochs = 3;
    p.maximize = 0;
    p.nconstraints = 1;
    p.constraints[0] = (eo_tune_constraint){EO_TUNE_FLASH, 0, 600};
    p.nobjectives = 2;
    p.objectives[0] = EO_TUNE_SCORE;
    p.objectives[1] = EO_TUNE_RAM;
    curve_obj o;
    co_init(&o, 0);
    eo_error e;
    int st;
    eo_study *s = run_curve(sp, &p, &o, &st, &e);
    assert_int_equal(st, EO_OK);
    long rejected = 0;
    size_t n = eo_study_njobs(s);
    for (size_t k = 0; k < n; k++) {
        eo_tune_record r;
        eo_study_record(s, k, &r);
        int fits = 1000 * r.x[0] <= 600;
        assert_int_equal(r.r->status, fits ? EO_TRIAL_OK : EO_TRIAL_REJECTED);
        EO_ASSERT_CLOSE(r.r->q[EO_TUNE_FLASH], 1000 * r.x[0], 1e-12, 0);
        if (!fits) {
            assert_int_equal(r.r->epochs, 0);
            assert_true(isnan(r.r->score));
            assert_non_null(strstr(r.r->error, "flash"));
        }
        rejected += !fits;
    }
    assert_true(rejected > 10);
    assert_int_equal(o.evals, (long)n - rejected); /* rejected trials never reach the objective */
    /* Pareto front of (loss, ram) against the definition */
    long front[64];
    size_t nf;
    assert_int_equal(eo_study_pareto(s, front, 64, &nf), EO_OK);
    assert_true(nf >= 1);
    for (size_t k = 0; k < n; k++) {
        eo_tune_record r;
        eo_study_record(s, k, &r);
        if (r.r->status != EO_TRIAL_OK) continue;
        int dominated = 0;
        for (size_t j = 0; j < n; j++) {
            eo_tune_record q;
            eo_study_record(s, j, &q);
            if (q.r->status != EO_TRIAL_OK) continue;
            double a0 = q.r->score, a1 = q.r->q[EO_TUNE_RAM], b0 = r.r->score, b1 = r.r->q[EO_TUNE_RAM];
            if (a0 <= b0 && a1 <= b1 && (a0 < b0 || a1 < b1)) dominated = 1;
        }
        int on = 0;
        for (size_t f = 0; f < nf; f++) on |= front[f] == (long)k;
        assert_int_equal(on, !dominated);
    }
    for (size_t f = 1; f < nf; f++) {
        eo_tune_record r0, r1;
        eo_study_record(s, (size_t)front[f - 1], &r0);
        eo_study_record(s, (size_t)front[f], &r1);
        assert_true(r0.r->score <= r1.r->score); /* sorted by the first objective */
    }
    eo_study_destroy(s);
    eo_space_destroy(sp);
}

/* ------------------------------------------------------ training objective */

static void test_train_objective(void **state)
{
    (void)state;
    eo_synth_params sy = eo_synth_defaults(EO_SYNTH_BLOBS);
    sy.n = 300;
    sy.classes = 3;
    sy.noise = 2.5;
    sy.seed = 4;
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_data_synthetic(&sy, &ds, NULL, &e), EO_OK);
    eo_space *sp = space_of("lr=log(1e-3,1e-1);hidden=int(4,16)");
    eo_tune_train_setup su = eo_tune_train_setup_defaults();
    su.data = &ds;
    su.model = "mlp:{hidden}";
    su.optimizer = "adam:lr={lr}";
    su.folds = 3;
    su.split_seed = 2;
    su.base.batch = 16;
    eo_tune_train *t = NULL;
    /* template errors */
    su.optimizer = "adam";
    assert_int_equal(eo_tune_train_create(sp, &su, &t, &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "parameter 'lr' is not used"));
    su.optimizer = "adam:lr={rate}";
    assert_int_equal(eo_tune_train_create(sp, &su, &t, &e), EO_ERR_PARSE);
    assert_non_null(strstr(e.msg, "unknown placeholder {rate} in --optimizer"));
    su.optimizer = "adam:lr={lr}";
    assert_int_equal(eo_tune_train_create(sp, &su, &t, &e), EO_OK);
    eo_tune_params p = eo_tune_defaults();
    p.trials = 2;
    p.max_epochs = 3;
    p.seed = 3;
    eo_study *s = NULL;
    assert_int_equal(eo_study_create(sp, &p, &s, &e), EO_OK);
    eo_tune_objective obj = eo_tune_train_objective(t);
    assert_int_equal(obj.epoch_cost, 3);
    assert_int_equal(eo_study_run(s, &obj, &e), EO_OK);
    eo_tune_record r;
    eo_study_record(s, 0, &r);
    assert_int_equal(r.r->status, EO_TRIAL_OK);
    assert_int_equal(r.r->nfolds, 3);
    assert_int_equal(r.r->epochs, 9);
    /* the same folds trained with the trainer directly */
    int *fold = malloc(ds.rows * sizeof *fold);
    assert_int_equal(eo_data_kfold(&ds, 3, 2, fold, &e), EO_OK);
    double sum = 0;
    for (int f = 0; f < 3; f++) {
        uint32_t *tr = malloc(ds.rows * 4), *va = malloc(ds.rows * 4);
        size_t ntr = 0, nva = 0;
        for (size_t i = 0; i < ds.rows; i++) {
            if (fold[i] == f)
                va[nva++] = (uint32_t)i;
            else
                tr[ntr++] = (uint32_t)i;
        }
        eo_scaler sc;
        assert_int_equal(eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, tr, ntr, &e), EO_OK);
        char spec[32];
        snprintf(spec, sizeof spec, "mlp:%d", (int)r.x[1]);
        eo_model *m;
        assert_int_equal(eo_model_from_spec(spec, ds.shape, 3, NULL, &m, &e), EO_OK);
        eo_rng rng;
        eo_rng_seed_stream(&rng, r.seed, 0);
        eo_model_init_params(m, &rng);
        eo_train_params tp = eo_train_defaults();
        tp.epochs = 3;
        tp.batch = 16;
        tp.seed = r.seed;
        tp.optim.lr = r.x[0];
        eo_trainer *trn;
        assert_int_equal(eo_trainer_create(m, &tp, &trn, &e), EO_OK);
        assert_int_equal(eo_trainer_fit(trn, &ds, tr, ntr, &ds, va, nva, &sc, &e), EO_OK);
        size_t nh;
        const eo_epoch_record *h = eo_trainer_history(trn, &nh);
        assert_true(r.r->fold_scores[f] == h[nh - 1].val_acc);
        sum += h[nh - 1].val_acc;
        eo_trainer_destroy(trn);
        eo_model_destroy(m);
        eo_scaler_free(&sc);
        free(tr);
        free(va);
    }
    EO_ASSERT_CLOSE(r.r->score, sum / 3, 1e-15, 0);
    free(fold);
    eo_study_destroy(s);
    eo_tune_train_destroy(t);

    /* hold-out: retraining the best with its seed gives its score; the saved model loads */
    su.folds = 0;
    su.val_split = 0.3;
    assert_int_equal(eo_tune_train_create(sp, &su, &t, &e), EO_OK);
    p.trials = 3;
    assert_int_equal(eo_study_create(sp, &p, &s, &e), EO_OK);
    obj = eo_tune_train_objective(t);
    assert_int_equal(eo_study_run(s, &obj, &e), EO_OK);
    long b = eo_study_best(s);
    assert_true(b >= 0);
    eo_study_record(s, (size_t)b, &r);
    char path[] = "/tmp/eo_tune_best_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    double v;
    assert_int_equal(eo_tune_train_final(t, r.x, r.budget, r.seed, path, &v, &e), EO_OK);
    assert_true(v == r.r->score);
    eo_model *m = NULL;
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_OK);
    eo_model_destroy(m);
    remove(path);
    /* device quantities of a configuration: parameter count of mlp:hidden on 2 features, 3 classes */
    double q[EO_TUNE_QUANTITY_COUNT];
    double x[2] = {0.01, 10};
    assert_int_equal(obj.measure(x, q, obj.user, &e), EO_OK);
    assert_true(q[EO_TUNE_PARAMS] == 2 * 10 + 10 + 10 * 3 + 3);
    assert_true(q[EO_TUNE_LATENCY] == 2 * 10 + 10 * 3);
    eo_study_destroy(s);
    eo_tune_train_destroy(t);
    eo_space_destroy(sp);
    eo_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_pruner), cmocka_unit_test(test_jobs_independent),
        cmocka_unit_test(test_resume),        cmocka_unit_test(test_log_sync),
        cmocka_unit_test(test_constraints_and_pareto),
        cmocka_unit_test(test_train_objective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
