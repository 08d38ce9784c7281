/* Names, defaults, validation, constraints and per-trial seeds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

static const char *const strategy_names[EO_TUNE_STRATEGY_COUNT] = {"grid", "random", "halving", "hyperband",
                                                                     "tpe",  "gp",     "bohb"};
static const char *const status_names[EO_TRIAL_STATUS_COUNT] = {"ok", "pruned", "failed", "rejected"};
static const char *const quantity_names[EO_TUNE_QUANTITY_COUNT] = {"score", "flash", "ram", "latency", "params"};

static int from_name(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

const char *eo_tune_strategy_name(int s)
{
    return s >= 0 && s < EO_TUNE_STRATEGY_COUNT ? strategy_names[s] : "?";
}
int eo_tune_strategy_from_name(const char *name)
{
    return from_name(strategy_names, EO_TUNE_STRATEGY_COUNT, name);
}
const char *eo_trial_status_name(int s)
{
    return s >= 0 && s < EO_TRIAL_STATUS_COUNT ? status_names[s] : "?";
}
int eo_trial_status_from_name(const char *name)
{
    return from_name(status_names, EO_TRIAL_STATUS_COUNT, name);
}
const char *eo_tune_quantity_name(int q)
{
    return q >= 0 && q < EO_TUNE_QUANTITY_COUNT ? quantity_names[q] : "?";
}
int eo_tune_quantity_from_name(const char *name)
{
    return from_name(quantity_names, EO_TUNE_QUANTITY_COUNT, name);
}

void eo_tune_result_init(eo_tune_result *r)
{
    memset(r, 0, sizeof *r);
    r->score = NAN;
    for (int i = 0; i < EO_TUNE_QUANTITY_COUNT; i++) r->q[i] = NAN;
    for (int i = 0; i < EO_TUNE_MAX_FOLDS; i++) r->fold_scores[i] = NAN;
}

eo_tune_params eo_tune_defaults(void)
{
    eo_tune_params p;
    memset(&p, 0, sizeof p);
    p.strategy = EO_TUNE_RANDOM;
    p.trials = 20;
    p.max_epochs = 10;
    p.min_epochs = 1;
    p.eta = 3;
    p.seed = 1;
    p.jobs = 1;
    p.lag = 1;
    p.grid_points = 3;
    p.n_startup = 10;
    p.gamma = 0.15;
    p.prune_warmup = 1;
    p.prune_startup = 5;
    p.maximize = 1;
    p.fsync = EO_TUNE_FSYNC_TRIAL;
    return p;
}

const char *eo_tune_params_check(const eo_tune_params *p)
{
    if (!p) return "params is NULL";
    if ((int)p->strategy < 0 || p->strategy >= EO_TUNE_STRATEGY_COUNT) return "unknown strategy";
    if (p->trials < 0 || p->trials > 100000000L) return "trials must be in 0..1e8";
    int hb = p->strategy == EO_TUNE_HALVING || p->strategy == EO_TUNE_HYPERBAND || p->strategy == EO_TUNE_BOHB;
    if (p->trials == 0 && p->strategy != EO_TUNE_GRID && p->strategy != EO_TUNE_HYPERBAND &&
        p->strategy != EO_TUNE_BOHB)
        return "trials must be >= 1";
    if (p->max_epochs < 0 || p->max_epochs > 1000000) return "max_epochs must be in 0..1e6";
    if (p->min_epochs < 1 || p->min_epochs > p->max_epochs) {
        if (hb) return "min_epochs must be in 1..max_epochs";
    }
    if (hb && p->max_epochs < 1) return "halving, hyperband and bohb need max_epochs >= 1";
    if (!(p->eta >= 1.5 && p->eta <= 100)) return "eta must be in 1.5..100";
    if (p->budget_epochs < 0) return "budget_epochs must be >= 0";
    if (p->jobs < 1 || p->jobs > 1024) return "jobs must be in 1..1024";
    if (p->lag < 0 || p->lag > 100000) return "lag must be in 0..1e5";
    if (p->grid_points < 2 || p->grid_points > 1000) return "grid_points must be in 2..1000";
    if (p->n_startup < 1 || p->n_startup > 1000000) return "n_startup must be >= 1";
    if (p->n_candidates < 0 || p->n_candidates > 1000000) return "n_candidates must be in 0..1e6";
    if (!(p->gamma > 0 && p->gamma < 1)) return "gamma must be in (0, 1)";
    if (p->prune && hb)
        return "the median pruner does not combine with halving, hyperband or bohb (they stop trials themselves)";
    if (p->prune_warmup < 0 || p->prune_startup < 1) return "prune_warmup must be >= 0 and prune_startup >= 1";
    if (p->nobjectives < 0 || p->nobjectives > EO_TUNE_QUANTITY_COUNT) return "nobjectives must be in 0..5";
    int seen = 0;
    for (int i = 0; i < p->nobjectives; i++) {
        int q = (int)p->objectives[i];
        if (q < 0 || q >= EO_TUNE_QUANTITY_COUNT) return "unknown objective";
        if (seen & (1 << q)) return "an objective is listed twice";
        seen |= 1 << q;
    }
    if (p->nconstraints > EO_TUNE_MAX_CONSTRAINTS) return "at most 8 constraints";
    for (size_t i = 0; i < p->nconstraints; i++)
        if (p->constraints[i].q == EO_TUNE_SCORE || (int)p->constraints[i].q >= EO_TUNE_QUANTITY_COUNT ||
            !isfinite(p->constraints[i].bound))
            return "constraints apply to flash, ram, latency or params with a finite bound";
    if ((int)p->fsync < 0 || p->fsync >= EO_TUNE_FSYNC_COUNT) return "unknown fsync mode";
    if (p->resume && !p->study_path) return "resume needs a study log";
    return NULL;
}

/* ---------------------------------------------------------- constraints */

int eo_tune_constraints_parse(const char *text, eo_tune_constraint *out, size_t cap, size_t *n, eo_error *err)
{
    *n = 0;
    if (!text) return eo_error_set(err, EO_ERR_INVALID, "no constraint text");
    const char *p = text;
    for (;;) {
        while (*p == ' ') p++;
        const char *at = p;
        char name[16];
        size_t k = 0;
        while (*p >= 'a' && *p <= 'z' && k + 1 < sizeof name) name[k++] = *p++;
        name[k] = '\0';
        int q = eo_tune_quantity_from_name(name);
        if (q <= 0)
            return eo_error_at(err, EO_ERR_PARSE, "--constraint", 1, (long)(at - text) + 1, -1,
                               "expected flash, ram, latency or params");
        while (*p == ' ') p++;
        int strict;
        if (p[0] == '<' && p[1] == '=') {
            strict = 0;
            p += 2;
        } else if (p[0] == '<') {
            strict = 1;
            p += 1;
        } else {
            return eo_error_at(err, EO_ERR_PARSE, "--constraint", 1, (long)(p - text) + 1, -1,
                               "expected '<=' or '<' after %s", name);
        }
        while (*p == ' ') p++;
        const char *num = p;
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || strchr("xXnNiI", *p))
            return eo_error_at(err, EO_ERR_PARSE, "--constraint", 1, (long)(num - text) + 1, -1,
                               "expected a non-negative number");
        p = end;
        double mult = 1;
        if (!strncmp(p, "KiB", 3) || !strncmp(p, "MiB", 3)) {
            mult = p[0] == 'K' ? 1024.0 : 1048576.0;
            p += 3;
        } else if (!strncmp(p, "KB", 2) || !strncmp(p, "MB", 2)) {
            mult = p[0] == 'K' ? 1024.0 : 1048576.0;
            p += 2;
        } else if (*p == 'B') {
            p++;
        } else if (*p == 'k' || *p == 'M') {
            mult = *p == 'k' ? 1e3 : 1e6;
            p++;
        }
        while (*p == ' ') p++;
        if (*p && *p != ',')
            return eo_error_at(err, EO_ERR_PARSE, "--constraint", 1, (long)(p - text) + 1, -1,
                               "expected a unit (B, KB, KiB, MB, MiB, k, M) or ',' after the number");
        if (*n >= cap)
            return eo_error_at(err, EO_ERR_RANGE, "--constraint", 1, (long)(at - text) + 1, -1,
                               "at most %zu constraints", cap);
        out[*n].q = (eo_tune_quantity)q;
        out[*n].strict = strict;
        out[*n].bound = v * mult;
        (*n)++;
        if (!*p) break;
        p++;
    }
    return EO_OK;
}

/* ---------------------------------------------------------------- seeds */

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

uint64_t eo__trial_seed(uint64_t seed, long trial)
{
    uint64_t h = splitmix(splitmix(seed) ^ (uint64_t)trial);
    /* A 31-bit seed so that the command line (--seed) can reproduce it. */
    h &= 0x7FFFFFFFULL;
    return h ? h : 1;
}

void eo__trial_rng(uint64_t seed, long trial, eo_rng *r)
{
    eo_rng_seed_stream(r, seed, 2 * (uint64_t)trial + 1);
}

int eo__usable(eo_trial_status s, double loss)
{
    return s == EO_TRIAL_OK && isfinite(loss);
}

long eo__job_cost(const eo__history *h, int budget, int prev)
{
    long e = h->continues ? (long)budget - prev : budget;
    return e * (h->epoch_cost > 0 ? h->epoch_cost : 1);
}

int eo__budget_gate(const eo_tune_params *p, const eo__history *h)
{
    if (p->budget_epochs <= 0) return 1;
    long used = h->epochs_told;
    for (size_t k = h->told; k < h->njobs; k++) used += eo__job_cost(h, h->budget[k], h->prev[k]);
    if (used + eo__job_cost(h, p->max_epochs, 0) <= p->budget_epochs) return 1;
    return h->told < h->njobs ? 0 : -1;
}

int eo__model_ask_start(const eo_tune_params *p, const eo_space *space, const eo__history *h, eo__proposal *out,
                        eo_rng *r)
{
    long t = (long)h->njobs;
    if (t >= p->trials) return EO__ASK_DONE;
    int gate = eo__budget_gate(p, h);
    if (gate <= 0) return gate == 0 ? EO__ASK_WAIT : EO__ASK_DONE;
    eo__trial_rng(p->seed, t, r);
    out->trial = t;
    out->rung = 0;
    out->budget = p->max_epochs;
    out->prev_budget = 0;
    if (t < p->n_startup) {
        eo_space_sample(space, r, out->x);
        return EO__ASK_JOB;
    }
    if ((long)h->told < t - p->lag) return EO__ASK_WAIT;
    return 0;
}
