/* Successive halving and Hyperband.
 *
 * Successive halving (Jamieson and Talwalkar 2016, "Non-stochastic best arm
 * identification and hyperparameter optimization"): n configurations are
 * trained with a small budget, the best 1/eta of them continue with eta times
 * the budget, and so on up to the maximum budget.
 *
 * Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar 2017,
 * "Hyperband: a novel bandit-based approach to hyperparameter optimization",
 * JMLR 18(185), Algorithm 1): with R the maximum budget in units of the
 * minimum one, s_max = floor(log_eta R) and B = (s_max + 1) R, bracket
 * s = s_max .. 0 runs successive halving from n = ceil(B/R eta^s/(s+1))
 * configurations at r = R eta^-s units; rung i keeps n_i = floor(n eta^-i)
 * configurations with r_i = r eta^i units. One pass over the brackets is an
 * iteration; with budget_epochs the iterations repeat while the next bracket's
 * planned epochs fit. Successive halving runs one bracket of params.trials
 * configurations (s = s_max) and ignores budget_epochs.
 *
 * Budgets in epochs: rung i of bracket s gets round(max_epochs eta^(i-s))
 * epochs (at least min_epochs; the last rung exactly max_epochs). A promoted
 * trial continues from the epochs of its previous rung (job.prev_budget), so
 * with a continuing objective a rung costs n_i (e_i - e_{i-1}) epochs.
 * Promotion ranks a rung's usable results by loss (several objectives: by
 * non-domination rank, then the first objective), ties by trial number;
 * pruned, failed or rejected evaluations are never promoted.
 *
 * With budget_epochs, when the next bracket no longer fits, a smaller one
 * fills the rest: the same bracket (or the next smaller s) started from fewer
 * configurations (at least eta when it has several rungs), the largest that
 * fits; so the study spends up to its budget rather than stopping up to one
 * bracket short of it.
 *
 * BOHB (Falkner, Klein and Hutter 2018, "BOHB: robust and efficient
 * hyperparameter optimization at scale", ICML, sec. 4): Hyperband whose new
 * configurations come from a model instead of uniformly. A third of them are
 * still drawn at random (the paper's random fraction, which keeps Hyperband's
 * worst-case guarantee); the others are TPE proposals (eo__tpe_propose) fitted
 * on the results at the largest budget that has at least dim + 3 usable ones
 * (the paper's N_min + 2 with N_min = dim + 1), split at the gamma quantile
 * (params.gamma) into good and bad. Without such a budget the draw is random.
 * So that each bracket sees the results of the ones before, a BOHB bracket
 * starts only when every job issued so far has been told (the paper's
 * sequential algorithm; --jobs parallelizes within a rung).
 *
 * Determinism: rung i+1 of a bracket is issued only when every job of rung i
 * has been told; all Hyperband brackets of an iteration start at once (their
 * rung-0 jobs are issued in bracket order), and BOHB brackets once nothing is
 * pending, so the job sequence is fixed by the seed and the results alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

int eo_hyperband_smax(double R, double eta)
{
    if (!(R >= 1) || !(eta > 1) || !isfinite(R)) return EO_ERR_INVALID;
    return (int)floor(log(R) / log(eta) + 1e-9);
}

int eo_hyperband_bracket(double R, double eta, int s, eo_hb_rung *rungs, int cap)
{
    int smax = eo_hyperband_smax(R, eta);
    if (smax < 0) return smax;
    if (s < 0 || s > smax) return EO_ERR_INVALID;
    double n = ceil((double)(smax + 1) / (s + 1) * pow(eta, s) - 1e-9);
    double r = R * pow(eta, -s);
    for (int i = 0; i <= s && i < cap; i++) {
        rungs[i].n = (long)floor(n * pow(eta, -i) + 1e-9);
        rungs[i].r = r * pow(eta, i);
    }
    return s + 1;
}

typedef struct bracket {
    int s, nr;          /* rungs */
    long *n;            /* planned configurations per rung */
    int *epochs;        /* budget per rung */
    long **jobs;        /* job numbers issued per rung (capacity n[i]) */
    long *count;        /* issued per rung */
    long **promo;       /* rung i (>= 1): job numbers of rung i-1 to promote */
    long *npromo;       /* -1 = not decided yet */
    int released;       /* the last rung's trials were released */
} bracket;

typedef struct hb {
    eo__strategy base;
    int halving;
    int model;          /* BOHB: model-based sampling of new configurations */
    int smax;
    int next_s;         /* next bracket's s within the iteration */
    int exhausted;      /* no more brackets */
    long iteration;
    long planned;       /* planned epochs of the brackets created */
    long trials;        /* trials created */
    size_t nb, capb;
    bracket *b;
} hb;

static void bracket_free(bracket *b)
{
    for (int i = 0; i < b->nr; i++) {
        if (b->jobs) free(b->jobs[i]);
        if (b->promo) free(b->promo[i]);
    }
    free(b->n);
    free(b->epochs);
    free(b->jobs);
    free(b->count);
    free(b->promo);
    free(b->npromo);
}

static int rung_epochs(const eo_tune_params *p, int i, int s)
{
    if (i == s) return p->max_epochs;
    long e = lround((double)p->max_epochs * pow(p->eta, i - s));
    if (e < p->min_epochs) e = p->min_epochs;
    if (e > p->max_epochs) e = p->max_epochs;
    return (int)e;
}

static long bracket_cost(const eo__history *h, const bracket *b)
{
    long c = 0;
    for (int i = 0; i < b->nr; i++) c += b->n[i] * eo__job_cost(h, b->epochs[i], i ? b->epochs[i - 1] : 0);
    return c;
}

/* Build bracket s (halving: n configurations from params.trials); n0 > 0
 * starts it from n0 configurations instead (rung i keeps floor(n0 eta^-i),
 * at least 1). */
static int bracket_make(hb *H, int s, long n0, bracket *b)
{
    const eo_tune_params *p = H->base.p;
    memset(b, 0, sizeof *b);
    b->s = s;
    b->nr = s + 1;
    b->n = calloc((size_t)b->nr, sizeof *b->n);
    b->epochs = calloc((size_t)b->nr, sizeof *b->epochs);
    b->jobs = calloc((size_t)b->nr, sizeof *b->jobs);
    b->count = calloc((size_t)b->nr, sizeof *b->count);
    b->promo = calloc((size_t)b->nr, sizeof *b->promo);
    b->npromo = calloc((size_t)b->nr, sizeof *b->npromo);
    if (!b->n || !b->epochs || !b->jobs || !b->count || !b->promo || !b->npromo) return EO_ERR_NOMEM;
    double R = (double)p->max_epochs / p->min_epochs;
    eo_hb_rung rr[64];
    if (eo_hyperband_bracket(R, p->eta, s, rr, 64) < 0) return EO_ERR_INVALID;
    for (int i = 0; i < b->nr; i++) {
        b->n[i] = n0 > 0       ? (long)floor((double)n0 * pow(p->eta, -i) + 1e-9)
                  : H->halving ? (long)floor((double)p->trials * pow(p->eta, -i) + 1e-9)
                               : rr[i].n;
        if (b->n[i] < 1) b->n[i] = 1;
        if (i && b->n[i] > b->n[i - 1]) b->n[i] = b->n[i - 1];
        b->epochs[i] = rung_epochs(p, i, s);
        b->jobs[i] = calloc((size_t)b->n[i], sizeof **b->jobs);
        if (!b->jobs[i]) return EO_ERR_NOMEM;
        b->npromo[i] = i ? -1 : 0;
    }
    return EO_OK;
}

/* Try to start the next bracket: 1 started, 0 none left. */
static int next_bracket(hb *H, const eo__history *h, eo_error *err)
{
    const eo_tune_params *p = H->base.p;
    if (H->exhausted || (H->halving && H->nb)) return 0;
    if (!H->halving && H->next_s < 0) {
        if (p->budget_epochs <= 0) { /* one iteration without a budget */
            H->exhausted = 1;
            return 0;
        }
        H->iteration++;
        H->next_s = H->smax;
    }
    /* BOHB samples from the results: start a bracket only when they are all in */
    if (H->model && h->told < h->njobs) return 0;
    int s = H->halving ? H->smax : H->next_s;
    bracket b;
    if (bracket_make(H, s, 0, &b)) {
        bracket_free(&b);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    long cost = bracket_cost(h, &b);
    if (!H->halving && p->budget_epochs > 0 && H->planned + cost > p->budget_epochs) {
        /* the rest of the budget: the largest smaller bracket that fits */
        long n_full = b.n[0];
        bracket_free(&b);
        int found = 0;
        for (int s2 = s; !found && s2 >= 0; s2--) {
            eo_hb_rung rr[64];
            double R = (double)p->max_epochs / p->min_epochs;
            if (eo_hyperband_bracket(R, p->eta, s2, rr, 64) < 0) break;
            long hi = s2 == s ? n_full - 1 : rr[0].n - 1;
            long lo = s2 > 0 ? (long)ceil(p->eta - 1e-9) : 1;
            for (long n0 = hi; !found && n0 >= lo; n0--) {
                if (bracket_make(H, s2, n0, &b)) {
                    bracket_free(&b);
                    return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
                }
                cost = bracket_cost(h, &b);
                if (H->planned + cost <= p->budget_epochs) {
                    found = 1;
                    H->next_s = s2;
                } else {
                    bracket_free(&b);
                }
            }
        }
        if (!found) {
            H->exhausted = 1;
            return 0;
        }
    }
    if (H->nb == H->capb) {
        size_t cap = H->capb ? 2 * H->capb : 8;
        bracket *nbp = realloc(H->b, cap * sizeof *nbp);
        if (!nbp) {
            bracket_free(&b);
            return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        }
        H->b = nbp;
        H->capb = cap;
    }
    H->b[H->nb++] = b;
    H->planned += cost;
    if (!H->halving) H->next_s--;
    return 1;
}

typedef struct rank_item {
    long job, trial;
    int nd;
    double loss;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    if (x->nd != y->nd) return x->nd < y->nd ? -1 : 1;
    if (x->loss != y->loss) return x->loss < y->loss ? -1 : 1;
    return (x->trial > y->trial) - (x->trial < y->trial);
}

/* The usable results among jobs[0..m), best first (several objectives: by
 * non-domination rank, then the first objective; ties by trial) into it
 * (capacity m). Returns how many, or EO_ERR_NOMEM. */
static long rank_jobs(const eo__history *h, const long *jobs, long m, rank_item *it)
{
    long u = 0;
    for (long k = 0; k < m; k++) {
        long j = jobs[k];
        if (!eo__usable(h->status[j], h->loss[j])) continue;
        it[u].job = j;
        it[u].trial = h->trial[j];
        it[u].loss = h->loss[j];
        it[u].nd = 0;
        u++;
    }
    if (h->nobj > 1 && u > 1) {
        double *f = malloc((size_t)u * h->nobj * sizeof *f);
        int *rk = malloc((size_t)u * sizeof *rk);
        if (!f || !rk) {
            free(f);
            free(rk);
            return EO_ERR_NOMEM;
        }
        for (long k = 0; k < u; k++) memcpy(f + k * h->nobj, h->mo + it[k].job * h->nobj, h->nobj * sizeof *f);
        int srt = eo_tune_nondominated_sort((size_t)u, h->nobj, f, rk);
        for (long k = 0; k < u; k++) it[k].nd = srt ? 0 : (rk[k] < 0 ? 1 << 30 : rk[k]);
        free(f);
        free(rk);
    }
    qsort(it, (size_t)u, sizeof *it, cmp_rank);
    return u;
}

/* Decide the promotions into rung i (rung i-1 fully told). */
static int promote(eo__strategy *st, bracket *b, int i, const eo__history *h)
{
    long m = b->count[i - 1];
    rank_item *it = malloc((size_t)(m ? m : 1) * sizeof *it);
    b->promo[i] = malloc((size_t)(b->n[i] ? b->n[i] : 1) * sizeof **b->promo);
    if (!it || !b->promo[i]) {
        free(it);
        return EO_ERR_NOMEM;
    }
    long u = rank_jobs(h, b->jobs[i - 1], m, it);
    if (u < 0) {
        free(it);
        return EO_ERR_NOMEM;
    }
    long np = u < b->n[i] ? u : b->n[i];
    for (long k = 0; k < np; k++) b->promo[i][k] = it[k].job;
    b->npromo[i] = np;
    free(it);
    /* every other trial of rung i-1 stops here */
    for (long k = 0; k < m; k++) {
        long j = b->jobs[i - 1][k], t = h->trial[j];
        int kept = 0;
        for (long q = 0; q < np; q++) kept |= b->promo[i][q] == j;
        if (!kept && eo__strategy_release(st, t)) return EO_ERR_NOMEM;
    }
    return EO_OK;
}

/* BOHB's share of configurations drawn at random (Falkner et al. 2018, sec. 4). */
#define BOHB_RANDOM_FRACTION (1.0 / 3.0)

/* A new configuration for trial t: uniform (Hyperband), or BOHB's draw. */
static int sample_config(hb *H, const eo__history *h, long t, double *x)
{
    const eo_tune_params *P = H->base.p;
    const eo_space *sp = H->base.space;
    eo_rng r;
    eo__trial_rng(P->seed, t, &r);
    /* the coin comes from its own hash so that a random draw is the very
     * configuration Hyperband would train as trial t */
    double coin = (double)eo__trial_seed(P->seed ^ 0xB0B0B0B0B0B0B0B0ull, t) * 0x1p-31; /* 31 bits */
    if (!H->model || coin < BOHB_RANDOM_FRACTION) {
        eo_space_sample(sp, &r, x);
        return EO_OK;
    }
    /* the largest budget with enough usable results */
    long nmin = (long)h->dim + 3, n = 0;
    int best_budget = -1;
    for (size_t k = 0; k < h->told; k++) {
        if (!eo__usable(h->status[k], h->loss[k]) || h->budget[k] <= best_budget) continue;
        long c = 0;
        for (size_t j = 0; j < h->told; j++) c += h->budget[j] == h->budget[k] && eo__usable(h->status[j], h->loss[j]);
        if (c >= nmin) {
            best_budget = h->budget[k];
            n = c;
        }
    }
    if (best_budget < 0) {
        eo_space_sample(sp, &r, x);
        return EO_OK;
    }
    long *jobs = malloc((size_t)n * sizeof *jobs);
    rank_item *it = malloc((size_t)n * sizeof *it);
    double *good = malloc((size_t)n * h->dim * sizeof *good), *bad = malloc((size_t)n * h->dim * sizeof *bad);
    int st = jobs && it && good && bad ? EO_OK : EO_ERR_NOMEM;
    long m = 0, u = 0;
    for (size_t k = 0; !st && k < h->told; k++)
        if (h->budget[k] == best_budget && eo__usable(h->status[k], h->loss[k])) jobs[m++] = (long)k;
    if (!st) u = rank_jobs(h, jobs, m, it);
    if (u < 0) st = EO_ERR_NOMEM;
    if (!st) {
        long ng = (long)ceil(P->gamma * (double)u);
        if (ng < 1) ng = 1;
        /* good: the best ng; bad: the rest (as the TPE strategy splits) */
        long nbad = u - ng;
        for (long k = 0; k < u; k++) {
            double *dst = k < ng ? good + k * h->dim : bad + (k - ng) * h->dim;
            memcpy(dst, h->x + (size_t)it[k].job * h->dim, h->dim * sizeof *dst);
        }
        st = eo__tpe_propose(sp, good, (size_t)ng, bad, (size_t)nbad, P->n_candidates, &r, x);
    }
    free(jobs);
    free(it);
    free(good);
    free(bad);
    return st;
}

static int rung_told(const bracket *b, int i, const eo__history *h)
{
    for (long k = 0; k < b->count[i]; k++)
        if ((size_t)b->jobs[i][k] >= h->told) return 0;
    return 1;
}

/* 1: a job was proposed; 0: nothing to issue now; < 0 error. */
static int bracket_ask(hb *H, bracket *b, const eo__history *h, eo__proposal *p)
{
    for (int i = 0; i < b->nr; i++) {
        if (i == 0) {
            if (b->count[0] < b->n[0]) {
                long t = H->trials++;
                int st = sample_config(H, h, t, p->x);
                if (st) return st;
                p->trial = t;
                p->rung = 0;
                p->budget = b->epochs[0];
                p->prev_budget = 0;
                b->jobs[0][b->count[0]++] = (long)h->njobs;
                return 1;
            }
            continue;
        }
        if (b->npromo[i] < 0) {
            if (b->npromo[i - 1] < 0 || b->count[i - 1] < b->npromo[i - 1] || !rung_told(b, i - 1, h)) return 0;
            if (i - 1 == 0 && b->count[0] < b->n[0]) return 0;
            if (promote(&H->base, b, i, h)) return EO_ERR_NOMEM;
        }
        if (b->count[i] < b->npromo[i]) {
            long j = b->promo[i][b->count[i]];
            memcpy(p->x, h->x + (size_t)j * h->dim, h->dim * sizeof *p->x);
            p->trial = h->trial[j];
            p->rung = i;
            p->budget = b->epochs[i];
            p->prev_budget = b->epochs[i - 1];
            b->jobs[i][b->count[i]++] = (long)h->njobs;
            return 1;
        }
    }
    return 0;
}

static int bracket_done(const bracket *b, const eo__history *h)
{
    for (int i = 0; i < b->nr; i++) {
        if (b->npromo[i] < 0) return 0;
        if (b->count[i] < (i ? b->npromo[i] : b->n[i])) return 0;
        if (!rung_told(b, i, h)) return 0;
    }
    return 1;
}

static int hb_ask(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err)
{
    hb *H = (hb *)st;
    for (;;) {
        for (size_t k = 0; k < H->nb; k++) {
            int r = bracket_ask(H, &H->b[k], h, p);
            if (r < 0) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            if (r) return EO__ASK_JOB;
        }
        int started = next_bracket(H, h, err);
        if (started < 0) return started;
        if (!started) break;
    }
    for (size_t k = 0; k < H->nb; k++)
        if (!bracket_done(&H->b[k], h)) return EO__ASK_WAIT;
    return EO__ASK_DONE;
}

/* Once a bracket is done, its last rung's trials are released. */
static void hb_tell(eo__strategy *st, const eo__history *h, size_t k)
{
    hb *H = (hb *)st;
    (void)k;
    for (size_t j = 0; j < H->nb; j++) {
        bracket *b = &H->b[j];
        if (b->released || !bracket_done(b, h)) continue;
        b->released = 1;
        int top = b->nr - 1;
        for (long q = 0; q < b->count[top]; q++) eo__strategy_release(st, h->trial[b->jobs[top][q]]);
    }
}

static void hb_destroy(eo__strategy *st)
{
    hb *H = (hb *)st;
    for (size_t k = 0; k < H->nb; k++) bracket_free(&H->b[k]);
    free(H->b);
    free(H);
}

static const eo__strategy_ops hb_ops = {hb_ask, hb_tell, hb_destroy};

int eo__hyperband_create(const eo_space *space, const eo_tune_params *p, int mode, eo__strategy **out,
                         eo_error *err)
{
    (void)space;
    double R = (double)p->max_epochs / p->min_epochs;
    int smax = eo_hyperband_smax(R, p->eta);
    if (smax < 0) return eo_error_set(err, EO_ERR_INVALID, "max_epochs / min_epochs must be >= 1");
    if (smax > 60) return eo_error_set(err, EO_ERR_RANGE, "too many rungs (max_epochs / min_epochs too large for eta)");
    hb *H = calloc(1, sizeof *H);
    if (!H) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    H->halving = mode == 1;
    H->model = mode == 2;
    H->smax = smax;
    H->next_s = smax;
    H->base.ops = &hb_ops;
    *out = &H->base;
    return EO_OK;
}
