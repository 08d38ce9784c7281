/* Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and Kegl 2011,
 * "Algorithms for hyper-parameter optimization", NeurIPS, sec. 4).
 *
 * The first n_startup trials are random. Afterwards the observed trials are
 * split at the gamma quantile of their losses: the best ceil(gamma n) form
 * the "good" set, the others (and pruned, failed, rejected and still pending
 * trials) the "bad" set. Per parameter, l(x) is a Parzen estimator fitted to
 * the good values and g(x) one fitted to the bad values; n_candidates samples
 * are drawn from l and the one maximizing l(x)/g(x) is proposed (this
 * maximizes expected improvement under the TPE model, sec. 4.1). Parameters
 * are treated independently (the "tree" has one level here).
 *
 * Parzen estimators (sec. 4.2, as in hyperopt's adaptive Parzen estimator):
 *   numeric parameters live in an internal coordinate z: the value (uniform,
 *   int) or its logarithm (log, intlog), on [L, U] (integers widened by half a
 *   step: [a-0.5, b+0.5]). The estimator is a mixture of normals truncated to
 *   [L, U], one per observation plus a prior component at (L+U)/2 with sigma
 *   U-L, all of weight 1. An observation's sigma is the larger of the gaps to
 *   its neighbours among the sorted means (the bounds count as neighbours),
 *   clipped to [(U-L)/min(100, n+1), U-L]: the adaptive bandwidth. Integers
 *   score the probability mass of their bucket [v-0.5, v+0.5] (in z).
 *   choice parameters use a categorical with pseudo-count 1/K per option
 *   (the prior) plus one per observation.
 * Several objectives: the good set is the best ceil(gamma n) by
 * non-domination rank, ties by the first objective (a simplification of
 * Ozaki et al. 2020, "Multiobjective TPE").
 * Pending trials: trial t is proposed from the results of trials < t - lag;
 * the lag trials in between are put in the bad set ("constant liar", as
 * Optuna does), which keeps parallel proposals apart. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

#define TPE_TINY 1e-300

typedef struct mix {
    size_t n;        /* components (observations + prior) */
    double *mu, *sigma;
    double *inv_z;   /* 1 / (n * truncation mass on [L, U]) per component */
    double L, U;
} mix;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fit the adaptive Parzen estimator to obs[0..n) on [L, U]. */
static int mix_fit(mix *m, const double *obs, size_t n, double L, double U)
{
    m->n = n + 1;
    m->L = L;
    m->U = U;
    m->mu = malloc(m->n * sizeof *m->mu);
    m->sigma = malloc(m->n * sizeof *m->sigma);
    m->inv_z = malloc(m->n * sizeof *m->inv_z);
    if (!m->mu || !m->sigma || !m->inv_z) return EO_ERR_NOMEM;
    double prior = 0.5 * (L + U), width = U - L;
    memcpy(m->mu, obs, n * sizeof *obs);
    m->mu[n] = prior;
    qsort(m->mu, m->n, sizeof *m->mu, cmp_double);
    double minsig = width / fmin(100.0, (double)n + 1.0);
    int prior_done = 0;
    for (size_t k = 0; k < m->n; k++) {
        double left = k ? m->mu[k] - m->mu[k - 1] : m->mu[k] - L;
        double right = k + 1 < m->n ? m->mu[k + 1] - m->mu[k] : U - m->mu[k];
        double s = fmax(left, right);
        if (!prior_done && m->mu[k] == prior) {
            s = width;
            prior_done = 1;
        }
        m->sigma[k] = fmin(fmax(s, minsig), width);
        double Z = eo__ncdf((U - m->mu[k]) / m->sigma[k]) - eo__ncdf((L - m->mu[k]) / m->sigma[k]);
        m->inv_z[k] = 1.0 / (fmax(Z, TPE_TINY) * (double)m->n);
    }
    return EO_OK;
}

static void mix_free(mix *m)
{
    free(m->mu);
    free(m->sigma);
    free(m->inv_z);
}

/* Mixture density at z (continuous) or mass of [a, b] (integers). */
static double mix_eval(const mix *m, double z, double a, double b, int discrete)
{
    double sum = 0;
    for (size_t k = 0; k < m->n; k++) {
        double mu = m->mu[k], s = m->sigma[k];
        double v = discrete ? eo__ncdf((b - mu) / s) - eo__ncdf((a - mu) / s) : eo__npdf((z - mu) / s) / s;
        sum += v * m->inv_z[k];
    }
    return sum;
}

static double mix_sample(const mix *m, eo_rng *r)
{
    size_t k = (size_t)eo_rng_below(r, m->n);
    for (int tries = 0; tries < 100; tries++) {
        double z = m->mu[k] + m->sigma[k] * eo_rng_normal(r);
        if (z >= m->L && z <= m->U) return z;
    }
    return fmin(fmax(m->mu[k], m->L), m->U);
}

/* Internal coordinate of parameter p. */
static void z_range(const eo__param *p, double *L, double *U)
{
    switch (p->kind) {
    case EO_PARAM_UNIFORM: *L = p->lo; *U = p->hi; break;
    case EO_PARAM_LOG: *L = log(p->lo); *U = log(p->hi); break;
    case EO_PARAM_INT: *L = p->lo - 0.5; *U = p->hi + 0.5; break;
    default: *L = log(p->lo - 0.5); *U = log(p->hi + 0.5); break;
    }
}

static double to_z(const eo__param *p, double v)
{
    return p->kind == EO_PARAM_LOG || p->kind == EO_PARAM_INTLOG ? log(v) : v;
}

static double from_z(const eo__param *p, double z)
{
    double v;
    switch (p->kind) {
    case EO_PARAM_UNIFORM: v = z; break;
    case EO_PARAM_LOG: v = exp(z); break;
    case EO_PARAM_INT: v = floor(z + 0.5); break;
    default: v = floor(exp(z) + 0.5); break;
    }
    return fmin(fmax(v, p->lo), p->hi);
}

/* Bucket of integer value v in z. */
static void bucket(const eo__param *p, double v, double L, double U, double *a, double *b)
{
    if (p->kind == EO_PARAM_INT) {
        *a = v - 0.5;
        *b = v + 0.5;
    } else {
        *a = log(v - 0.5);
        *b = log(v + 0.5);
    }
    *a = fmax(*a, L);
    *b = fmin(*b, U);
}

typedef struct tpe {
    eo__strategy base;
} tpe;

typedef struct split_item {
    size_t job;
    int nd;
    double loss;
} split_item;

static int cmp_split(const void *a, const void *b)
{
    const split_item *x = a, *y = b;
    if (x->nd != y->nd) return x->nd < y->nd ? -1 : 1;
    if (x->loss != y->loss) return x->loss < y->loss ? -1 : 1;
    return (x->job > y->job) - (x->job < y->job);
}

/* Propose parameter i from good/bad value lists. */
static int propose_param(const eo__param *p, const double *good, size_t ng, const double *bad, size_t nb,
                         int ncand, eo_rng *r, double *out)
{
    if (p->kind == EO_PARAM_CHOICE) {
        size_t K = p->nchoices;
        double lw[EO_SPACE_MAX_CHOICES], gw[EO_SPACE_MAX_CHOICES];
        for (size_t c = 0; c < K; c++) lw[c] = gw[c] = 1.0 / (double)K;
        for (size_t k = 0; k < ng; k++) lw[(size_t)good[k]] += 1;
        for (size_t k = 0; k < nb; k++) gw[(size_t)bad[k]] += 1;
        double lsum = 0;
        for (size_t c = 0; c < K; c++) lsum += lw[c];
        double best = -INFINITY;
        size_t bestc = 0;
        for (int k = 0; k < ncand; k++) {
            double u = eo_rng_uniform(r) * lsum, acc = 0;
            size_t c = 0;
            for (; c + 1 < K; c++) {
                acc += lw[c];
                if (u < acc) break;
            }
            /* normalizers of l and g are constants: compare lw/gw ratios */
            double score = log(lw[c]) - log(gw[c]);
            if (score > best) {
                best = score;
                bestc = c;
            }
        }
        *out = (double)bestc;
        return EO_OK;
    }
    double L, U;
    z_range(p, &L, &U);
    double *zg = malloc((ng + 1) * sizeof *zg), *zb = malloc((nb + 1) * sizeof *zb);
    if (!zg || !zb) {
        free(zg);
        free(zb);
        return EO_ERR_NOMEM;
    }
    for (size_t k = 0; k < ng; k++) zg[k] = to_z(p, good[k]);
    for (size_t k = 0; k < nb; k++) zb[k] = to_z(p, bad[k]);
    mix l, g;
    memset(&l, 0, sizeof l);
    memset(&g, 0, sizeof g);
    int st = mix_fit(&l, zg, ng, L, U);
    if (!st) st = mix_fit(&g, zb, nb, L, U);
    if (!st) {
        int discrete = p->kind == EO_PARAM_INT || p->kind == EO_PARAM_INTLOG;
        double best = -INFINITY, bestv = from_z(p, l.mu[0]);
        for (int k = 0; k < ncand; k++) {
            double z = mix_sample(&l, r);
            double v = from_z(p, z), a = 0, b = 0;
            if (discrete) bucket(p, v, L, U, &a, &b);
            double score = log(fmax(mix_eval(&l, z, a, b, discrete), TPE_TINY)) -
                           log(fmax(mix_eval(&g, z, a, b, discrete), TPE_TINY));
            if (score > best) {
                best = score;
                bestv = v;
            }
        }
        *out = bestv;
    }
    mix_free(&l);
    mix_free(&g);
    free(zg);
    free(zb);
    return st;
}

int eo__tpe_propose(const eo_space *sp, const double *good, size_t ng, const double *bad, size_t nb, int ncand,
                    eo_rng *r, double *out)
{
    size_t dim = sp->n;
    double *gv = malloc((ng ? ng : 1) * sizeof *gv), *bv = malloc((nb ? nb : 1) * sizeof *bv);
    int st = gv && bv ? EO_OK : EO_ERR_NOMEM;
    if (ncand <= 0) ncand = 24;
    for (size_t i = 0; !st && i < dim; i++) {
        for (size_t k = 0; k < ng; k++) gv[k] = good[k * dim + i];
        for (size_t k = 0; k < nb; k++) bv[k] = bad[k * dim + i];
        st = propose_param(&sp->p[i], gv, ng, bv, nb, ncand, r, &out[i]);
    }
    free(gv);
    free(bv);
    return st;
}

static int tpe_ask(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err)
{
    const eo_tune_params *P = st->p;
    const eo_space *sp = st->space;
    long t = (long)h->njobs;
    eo_rng r;
    int start = eo__model_ask_start(P, sp, h, p, &r);
    if (start) return start;
    size_t n = h->told, u = 0;
    split_item *it = malloc((n ? n : 1) * sizeof *it);
    if (!it) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        if (eo__usable(h->status[k], h->loss[k])) {
            it[u].job = k;
            it[u].loss = h->loss[k];
            it[u].nd = 0;
            u++;
        }
    if (u == 0) {
        free(it);
        eo_space_sample(sp, &r, p->x);
        return EO__ASK_JOB;
    }
    if (h->nobj > 1 && u > 1) {
        double *f = malloc(u * h->nobj * sizeof *f);
        int *rk = malloc(u * sizeof *rk);
        int ok = f && rk;
        if (ok) {
            for (size_t k = 0; k < u; k++) memcpy(f + k * h->nobj, h->mo + it[k].job * h->nobj, h->nobj * sizeof *f);
            ok = eo_tune_nondominated_sort(u, h->nobj, f, rk) == EO_OK;
            for (size_t k = 0; ok && k < u; k++) it[k].nd = rk[k] < 0 ? 1 << 30 : rk[k];
        }
        free(f);
        free(rk);
        if (!ok) {
            free(it);
            return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        }
    }
    qsort(it, u, sizeof *it, cmp_split);
    size_t ngood = (size_t)ceil(P->gamma * (double)u);
    if (ngood < 1) ngood = 1;
    /* good: it[0..ngood); bad: everything else asked before t */
    unsigned char *is_good = calloc((size_t)t, 1);
    double *gv = malloc((size_t)t * sizeof *gv), *bv = malloc((size_t)t * sizeof *bv);
    int stt = is_good && gv && bv ? EO_OK : EO_ERR_NOMEM;
    for (size_t k = 0; !stt && k < ngood; k++) is_good[it[k].job] = 1;
    int ncand = P->n_candidates > 0 ? P->n_candidates : 24;
    for (size_t i = 0; !stt && i < sp->n; i++) {
        size_t ng = 0, nb = 0;
        for (size_t k = 0; k < (size_t)t; k++) {
            double v = h->x[k * h->dim + i];
            if (is_good[k])
                gv[ng++] = v;
            else
                bv[nb++] = v;
        }
        stt = propose_param(&sp->p[i], gv, ng, bv, nb, ncand, &r, &p->x[i]);
    }
    free(is_good);
    free(gv);
    free(bv);
    free(it);
    if (stt) return eo_error_set(err, stt, "out of memory");
    return EO__ASK_JOB;
}

static void tpe_tell(eo__strategy *st, const eo__history *h, size_t k)
{
    (void)st;
    (void)h;
    (void)k;
}

static void tpe_destroy(eo__strategy *st)
{
    free(st);
}

static const eo__strategy_ops tpe_ops = {tpe_ask, tpe_tell, tpe_destroy};

int eo__tpe_create(eo__strategy **out, eo_error *err)
{
    tpe *t = calloc(1, sizeof *t);
    if (!t) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    t->base.ops = &tpe_ops;
    *out = &t->base;
    return EO_OK;
}
