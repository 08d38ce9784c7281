/* Training benchmark (lane L): what `edgeopt train` does, with per-epoch wall
 * AND process CPU time, test accuracy and peak RSS, for bench/train_bench.sh.
 *
 *   train_epoch_bench --model SPEC|@FILE [--optimizer SPEC] [--batch B]
 *                     [--epochs E] [--threads N] [--seed S] [--limit N]
 *                     [--scale none|standard] [--schedule SPEC] [--target ACC]
 *                     [--no-eval]
 *
 * Same library calls as the CLI (eo_data_load, eo_model_from_spec /
 * eo_model_from_description, eo_model_init_params with stream 0 of the seed,
 * eo_trainer_fit without checkpoints, eo_evaluate on fashion-mnist:test), so
 * the figures are those of
 *   edgeopt train --data fashion-mnist --model SPEC --optimizer SPEC --batch B
 *                 --epochs E --threads N --seed S [--scale K] [--schedule SPEC]
 *                 --checkpoint none -o m.eom
 * With --target ACC the test accuracy is measured after every epoch (outside
 * the timed part) and time_to_target is the training time (wall, data loading
 * excluded) up to the first epoch whose test accuracy >= ACC.
 * Prints one line of key=value words: epoch_s (median wall seconds per
 * epoch), epoch_cpu_s (median process CPU seconds per epoch), epoch_times,
 * test_acc, max_rss_kb (getrusage peak of this process), params,
 * time_to_target, epochs_to_target. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"
#include "edgeopt/train.h"

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    if (!c || n == 0) {
        free(c);
        return NAN;
    }
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
    free(c);
    return m;
}

enum { MAXE = 1000 };

typedef struct run {
    double wall[MAXE], cpu[MAXE], acc[MAXE];
    double t_wall, t_cpu, eval_wall; /* start of the epoch; time spent evaluating */
    int n;
    double target;
    eo_model *m;
    const eo_dataset *test;
    const eo_scaler *sc;
    eo_loss_params loss;
} run;

static int on_progress(const eo_train_progress *p, void *user)
{
    run *r = user;
    if (p->event != EO_TRAIN_EPOCH || r->n >= MAXE) return 0;
    double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    r->wall[r->n] = w - r->t_wall;
    r->cpu[r->n] = c - r->t_cpu;
    r->acc[r->n] = NAN;
    if (r->target > 0) {
        eo_eval_report rep;
        if (!eo_evaluate(r->m, r->test, NULL, 0, r->sc, &r->loss, 256, NULL, &rep, NULL)) {
            r->acc[r->n] = rep.cls.accuracy;
            eo_eval_report_free(&rep);
        }
    }
    r->n++;
    r->t_wall = clock_s(CLOCK_MONOTONIC);
    r->t_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    return 0;
}

static int fail(const char *what, const eo_error *e)
{
    fprintf(stderr, "train_epoch_bench: %s: %s\n", what, e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    const char *model = NULL, *optimizer = "adam:lr=0.001", *scale = "none", *schedule = NULL;
    long batch = 128, epochs = 5, threads = 1, seed = 1, limit = 0;
    double target = 0;
    int eval = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-eval")) { eval = 0; continue; }
        if (!v) { fprintf(stderr, "train_epoch_bench: %s needs a value\n", a); return 2; }
        if (!strcmp(a, "--model")) model = v;
        else if (!strcmp(a, "--optimizer")) optimizer = v;
        else if (!strcmp(a, "--scale")) scale = v;
        else if (!strcmp(a, "--schedule")) schedule = v;
        else if (!strcmp(a, "--batch")) batch = atol(v);
        else if (!strcmp(a, "--epochs")) epochs = atol(v);
        else if (!strcmp(a, "--threads")) threads = atol(v);
        else if (!strcmp(a, "--seed")) seed = atol(v);
        else if (!strcmp(a, "--limit")) limit = atol(v);
        else if (!strcmp(a, "--target")) target = atof(v);
        else { fprintf(stderr, "train_epoch_bench: unknown option %s\n", a); return 2; }
        i++;
    }
    if (!model || epochs < 1 || epochs > MAXE) {
        fprintf(stderr, "usage: train_epoch_bench --model SPEC|@FILE [--epochs 1..%d] ...\n", MAXE);
        return 2;
    }
    eo_error e;
    eo_error_clear(&e);
    eo_dataset tr, te;
    memset(&te, 0, sizeof te);
    if (eo_data_load("fashion-mnist", (size_t)limit, &tr, &e)) return fail("fashion-mnist", &e);
    if ((eval || target > 0) && eo_data_load("fashion-mnist:test", 0, &te, &e)) return fail("fashion-mnist:test", &e);
    eo_model *m = NULL;
    int st;
    if (model[0] == '@') {
        unsigned char *text;
        size_t len;
        if (eo_io_read_file(model + 1, 1 << 20, &text, &len, &e)) return fail(model + 1, &e);
        st = eo_model_from_description((const char *)text, model + 1, tr.shape, 10, NULL, &m, &e);
        free(text);
    } else {
        st = eo_model_from_spec(model, tr.shape, 10, NULL, &m, &e);
    }
    if (st) return fail(model, &e);
    eo_rng rng;
    eo_rng_seed_stream(&rng, (uint64_t)seed, 0);
    eo_model_init_params(m, &rng);
    eo_scaler sc;
    memset(&sc, 0, sizeof sc);
    const eo_scaler *scp = NULL;
    if (!strcmp(scale, "standard")) {
        if (eo_scaler_fit(&sc, EO_SCALE_STANDARD, &tr, NULL, tr.rows, &e)) return fail("scaler", &e);
        scp = &sc;
    }
    eo_train_params p = eo_train_defaults();
    p.epochs = (int)epochs;
    p.batch = (int)batch;
    p.seed = (uint64_t)seed;
    p.threads = (int)threads;
    if (eo_optim_parse(optimizer, &p.optim, &e)) return fail(optimizer, &e);
    if (schedule && eo_schedule_parse(schedule, &p.schedule, &e)) return fail(schedule, &e);
    run r;
    memset(&r, 0, sizeof r);
    r.target = target;
    r.m = m;
    r.test = &te;
    r.sc = scp;
    r.loss = p.loss;
    p.progress = on_progress;
    p.progress_user = &r;
    eo_trainer *t = NULL;
    if (eo_trainer_create(m, &p, &t, &e)) return fail("trainer", &e);
    r.t_wall = clock_s(CLOCK_MONOTONIC);
    r.t_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (eo_trainer_fit(t, &tr, NULL, 0, NULL, NULL, 0, scp, &e)) return fail("fit", &e);
    double acc = NAN;
    if (eval) {
        eo_eval_report rep;
        if (eo_evaluate(m, &te, NULL, 0, scp, &p.loss, 256, NULL, &rep, &e)) return fail("eval", &e);
        acc = rep.cls.accuracy;
        eo_eval_report_free(&rep);
    }
    double ttt = NAN, sum = 0;
    int ett = 0;
    for (int i = 0; i < r.n; i++) {
        sum += r.wall[i];
        if (target > 0 && r.acc[i] >= target) {
            ttt = sum;
            ett = i + 1;
            break;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peer=edgeopt model=%s threads=%ld seed=%ld epochs=%d rows=%zu epoch_s=%.4f epoch_cpu_s=%.4f epoch_times=",
           model, threads, seed, r.n, tr.rows, median(r.wall, r.n), median(r.cpu, r.n));
    for (int i = 0; i < r.n; i++) printf("%s%.3f", i ? "," : "", r.wall[i]);
    printf(" test_acc=%.4f max_rss_kb=%ld params=%zu", acc, ru.ru_maxrss, eo_model_nparams(m));
    if (target > 0) {
        printf(" epoch_accs=");
        for (int i = 0; i < r.n; i++) printf("%s%.4f", i ? "," : "", r.acc[i]);
        printf(" time_to_target=%.3f epochs_to_target=%d", ttt, ett);
    }
    printf("\n");
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    eo_scaler_free(&sc);
    eo_dataset_free(&tr);
    eo_dataset_free(&te);
    return 0;
}
