/* Results of a finished study: records, counts, the best job, the Pareto front. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune/study.h"

size_t eo_study_njobs(const eo_study *s)
{
    return s ? s->njobs : 0;
}

int eo_study_record(const eo_study *s, size_t job, eo_tune_record *out)
{
    if (!s || !out || job >= s->njobs) return EO_ERR_INVALID;
    out->job = (long)job;
    out->trial = s->trial[job];
    out->rung = s->rung[job];
    out->budget = s->budget[job];
    out->prev_budget = s->prev[job];
    out->seed = s->seed[job];
    out->x = s->x + job * s->dim;
    out->r = &s->res[job];
    out->replayed = s->replayed[job];
    return EO_OK;
}

long eo_study_ntrials(const eo_study *s)
{
    long n = 0;
    for (size_t k = 0; s && k < s->njobs; k++)
        if (s->trial[k] + 1 > n) n = s->trial[k] + 1;
    return n;
}

long eo_study_epochs(const eo_study *s)
{
    long n = 0;
    for (size_t k = 0; s && k < s->njobs; k++)
        if (s->state[k] == JOB_DONE) n += s->res[k].epochs;
    return n;
}

long eo_study_count(const eo_study *s, eo_trial_status st)
{
    long n = 0;
    for (size_t k = 0; s && k < s->njobs; k++)
        if (s->state[k] == JOB_DONE && s->res[k].status == st) n++;
    return n;
}

static int ok_job(const eo_study *s, size_t k)
{
    return s->state[k] == JOB_DONE && s->res[k].status == EO_TRIAL_OK && isfinite(s->res[k].score);
}

static int top_budget(const eo_study *s)
{
    int b = -1;
    for (size_t k = 0; k < s->njobs; k++)
        if (ok_job(s, k) && s->budget[k] > b) b = s->budget[k];
    return b;
}

long eo_study_best(const eo_study *s)
{
    if (!s) return -1;
    int b = top_budget(s);
    long best = -1;
    double bl = INFINITY;
    for (size_t k = 0; k < s->njobs; k++) {
        if (!ok_job(s, k) || s->budget[k] != b) continue;
        double l = eo__orient(s, s->res[k].score);
        if (l < bl) {
            bl = l;
            best = (long)k;
        }
    }
    return best;
}

typedef struct front_item {
    long job;
    double f0;
} front_item;

static int cmp_front(const void *a, const void *b)
{
    const front_item *x = a, *y = b;
    if (x->f0 != y->f0) return x->f0 < y->f0 ? -1 : 1;
    return (x->job > y->job) - (x->job < y->job);
}

int eo_study_pareto(const eo_study *s, long *jobs, size_t cap, size_t *n)
{
    *n = 0;
    if (!s || s->p.nobjectives < 2) return EO_OK;
    int b = top_budget(s);
    size_t m = (size_t)s->p.nobjectives, cnt = 0;
    size_t njobs = s->njobs ? s->njobs : 1;
    double *f = calloc(njobs * m, sizeof *f);
    long *idx = malloc(njobs * sizeof *idx);
    int *rank = malloc(njobs * sizeof *rank);
    front_item *fi = malloc(njobs * sizeof *fi);
    if (!f || !idx || !rank || !fi) {
        free(f);
        free(idx);
        free(rank);
        free(fi);
        return EO_ERR_NOMEM;
    }
    for (size_t k = 0; k < s->njobs; k++) {
        if (!ok_job(s, k) || s->budget[k] != b) continue;
        for (size_t i = 0; i < m; i++) {
            eo_tune_quantity q = s->p.objectives[i];
            f[cnt * m + i] = q == EO_TUNE_SCORE ? eo__orient(s, s->res[k].score) : s->res[k].q[q];
        }
        idx[cnt++] = (long)k;
    }
    int st = eo_tune_nondominated_sort(cnt, m, f, rank);
    size_t nf = 0;
    for (size_t c = 0; !st && c < cnt; c++)
        if (rank[c] == 0) {
            fi[nf].job = idx[c];
            fi[nf].f0 = f[c * m];
            nf++;
        }
    qsort(fi, nf, sizeof *fi, cmp_front);
    for (size_t c = 0; c < nf && c < cap; c++) jobs[c] = fi[c].job;
    *n = nf;
    free(f);
    free(idx);
    free(rank);
    free(fi);
    return st;
}
