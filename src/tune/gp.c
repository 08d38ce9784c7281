/* Bayesian optimization with a Gaussian process and expected improvement
 * (Jones, Schonlau and Welch 1998, "Efficient global optimization of
 * expensive black-box functions"; Snoek, Larochelle and Adams 2012,
 * "Practical Bayesian optimization of machine learning algorithms").
 *
 * Inputs: each numeric parameter becomes one coordinate in [0,1]
 * (eo_space_encode: linear, or logarithmic for log/intlog), each choice
 * parameter K one-hot coordinates. Outputs: losses, standardized (mean 0,
 * std 1). Failed, pruned and rejected trials count as the worst loss seen.
 *
 * Kernel: Matern 5/2, k(r) = s2 (1 + sqrt5 r/l + 5 r^2/(3 l^2)) exp(-sqrt5 r/l)
 * with r the Euclidean distance, plus noise s2 tau on the diagonal. The
 * length scale l (8 values from 0.05 to 3 times sqrt(D)) and the noise ratio
 * tau (5 values from 1e-6 to 0.3) maximize the log marginal likelihood over
 * that grid; s2 is profiled out in closed form: for A = R + tau I,
 * s2 = y^T A^-1 y / n and log p(y) = -n/2 log s2 - 1/2 log|A| + const
 * (Rasmussen and Williams 2006, eq. 2.30).
 *
 * Expected improvement (minimization) at x with posterior mean m and standard
 * deviation s of the latent function, best observed loss f*:
 *   EI = (f* - m) Phi(z) + s phi(z),  z = (f* - m) / s.
 * It is maximized over n_candidates uniform random points (1000 by default),
 * then the best 3 are refined by a compass search (steps 1/16 down to 1/128
 * on the numeric coordinates, every option of each choice). With more than
 * GP_SUBSET observations the model is fitted to a subset of them (below).
 *
 * Pending trials (asked but not yet visible, see the lag rule in tune.h) are
 * added as observations at the mean loss ("constant liar", Ginsbourger et al.
 * 2010), so parallel proposals do not pile up at one point. Several
 * objectives: each trial draws weights lambda on the simplex and the
 * objectives, scaled to [0,1] over the observed trials, are combined as
 * max_k lambda_k f_k + 0.05 sum_k lambda_k f_k (ParEGO, Knowles 2006). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

/* Hyperparameters are refitted (the 40-point grid) only at the trials of
 * the schedule 1, 2, 3, ..., p, max(p + 1, floor(1.25 p)), ... (and at the
 * first model trial); in between, the choice of the last refit is reused,
 * so a proposal costs one O(n^2) extension of the cached Cholesky factor
 * instead of 40 O(n^3) factorizations. The refit at schedule point s sees
 * the data the ask of trial s saw (trials < s, the told ones those < s - lag),
 * recomputed from the history when it is not cached (resume), so the
 * proposals stay a function of the seed and the history alone. */
#define GP_REFIT_GROWTH 1.25
/* candidates per block of the batched EI evaluation */
#define GP_BLOCK 64
/* top candidates refined by the compass search (5 down to a step of 1/1024
 * before: ~430 EI evaluations per proposal, half the time; on the overhead
 * benchmark 3 down to 1/128 found as good points, see bench/RESULTS.md) */
#define GP_REFINE 3
/* Subset of data: with more than GP_SUBSET observations, the model (the
 * hyperparameter fit, the factor and the predictions) uses only GP_SUBSET
 * of them: the GP_SUBSET/2 best told ones by standardized loss, then the
 * most recent of the rest (pending ones included, so the constant liar
 * still spreads parallel proposals). The EI's cost per evaluation then
 * stops growing with the trials (O(M^2), not O(n^2)); what is lost is the
 * old mediocre points far from both the incumbent region and the recent
 * search. A function of the history only, so same seed -> same study. */
#define GP_SUBSET 48

/* The factor is kept as U = L^T (row k holds column k of L) with row
 * stride cap, so that appending an observation fills one new column and
 * every inner loop (factorization, triangular solves) runs over contiguous
 * independent elements. */
typedef struct gpm {
    size_t n, D, cap;
    const double *X; /* n x D */
    double *U;       /* cap x cap, U[k * cap + i] = L[i][k], i >= k */
    double *alpha;   /* A^-1 y */
    double ell, tau;
} gpm;

/* exp(-a) for a >= 0 written as one straight-line expression per element
 * (Cody-Waite reduction, degree-13 Taylor polynomial on |r| <= ln2/2, 2^k
 * from the exponent bits), so loops over arrays vectorize; relative error
 * ~2 ulp. Values below e^-708 come out as ~e^-708 (the kernel is then 0
 * to 300 digits anyway). */
static inline double expneg(double a)
{
    double x = a < 708 ? -a : -708;
    double kd = x * 1.4426950408889634074 + 0x1.8p52;
    uint64_t kb;
    memcpy(&kb, &kd, sizeof kb);
    kd -= 0x1.8p52;
    double r = x - kd * 0x1.62e42fee00000p-1 - kd * 0x1.a39ef35793c76p-33;
    double p = 1.0 / 6227020800;
    p = p * r + 1.0 / 479001600;
    p = p * r + 1.0 / 39916800;
    p = p * r + 1.0 / 3628800;
    p = p * r + 1.0 / 362880;
    p = p * r + 1.0 / 40320;
    p = p * r + 1.0 / 5040;
    p = p * r + 1.0 / 720;
    p = p * r + 1.0 / 120;
    p = p * r + 1.0 / 24;
    p = p * r + 1.0 / 6;
    p = p * r + 0.5;
    p = p * r + 1;
    p = p * r + 1;
    uint64_t sb = (kb + 1023) << 52;
    double s;
    memcpy(&s, &sb, sizeof s);
    return p * s;
}

static double matern(double r, double ell)
{
    double a = 2.23606797749978969641 * r / ell;
    return (1 + a + a * a / 3) * expneg(a);
}

static double dist(const double *a, const double *b, size_t D)
{
    double s = 0;
    for (size_t k = 0; k < D; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
    return sqrt(s);
}

/* Append observation m (X row m) to the factor of the first m: column m
 * of U is the forward solve L l = k(X_0..m-1, x_m), then the diagonal. Each
 * element gets the operations of a from-scratch Cholesky in the same order,
 * so extending equals refactoring, bit for bit. EO_ERR_NUMERIC when A is
 * not positive definite. `col` is n scratch. */
static int gp_append(gpm *g, size_t m, double *col)
{
    size_t cap = g->cap;
    const double *xm = g->X + m * g->D;
    for (size_t i = 0; i < m; i++) col[i] = matern(dist(g->X + i * g->D, xm, g->D), g->ell);
    for (size_t k = 0; k < m; k++) {
        const double *uk = g->U + k * cap;
        double ck = col[k] / uk[k];
        col[k] = ck;
        for (size_t i = k + 1; i < m; i++) col[i] -= uk[i] * ck;
    }
    double d = 1 + g->tau + 1e-10;
    for (size_t k = 0; k < m; k++) {
        d -= col[k] * col[k];
        g->U[k * cap + m] = col[k];
    }
    if (!(d > 0) || !isfinite(d)) return EO_ERR_NUMERIC;
    g->U[m * cap + m] = sqrt(d);
    return EO_OK;
}

/* Factor A(ell, tau) of the n points into g->U: right-looking, the updates
 * of one row of the trailing matrix contiguous (same per-element order as
 * gp_append). `dm`: pairwise distances, dm[j * n + i] for j <= i. */
static int gp_factor(gpm *g, const double *dm)
{
    size_t n = g->n, cap = g->cap;
    double *U = g->U;
    for (size_t j = 0; j < n; j++) {
        for (size_t i = j + 1; i < n; i++) U[j * cap + i] = matern(dm[j * n + i], g->ell);
        U[j * cap + j] = 1 + g->tau + 1e-10;
    }
    for (size_t k = 0; k < n; k++) {
        double *uk = U + k * cap;
        double d = uk[k];
        if (!(d > 0) || !isfinite(d)) return EO_ERR_NUMERIC;
        d = sqrt(d);
        uk[k] = d;
        for (size_t i = k + 1; i < n; i++) uk[i] /= d;
        for (size_t j = k + 1; j < n; j++) {
            double *uj = U + j * cap;
            double lj = uk[j];
            for (size_t i = j; i < n; i++) uj[i] -= uk[i] * lj;
        }
    }
    return EO_OK;
}

/* alpha = A^-1 y with the factor; returns y^T A^-1 y. */
static double gp_alpha(gpm *g, const double *y)
{
    size_t n = g->n, cap = g->cap;
    double *b = g->alpha;
    memcpy(b, y, n * sizeof *b);
    for (size_t k = 0; k < n; k++) {
        const double *uk = g->U + k * cap;
        double bk = b[k] / uk[k];
        b[k] = bk;
        for (size_t i = k + 1; i < n; i++) b[i] -= uk[i] * bk;
    }
    for (size_t i = n; i-- > 0;) {
        const double *ui = g->U + i * cap;
        double s = b[i];
        for (size_t k = i + 1; k < n; k++) s -= ui[k] * b[k];
        b[i] = s / ui[i];
    }
    double yay = 0;
    for (size_t i = 0; i < n; i++) yay += y[i] * b[i];
    return yay;
}

/* Profiled log marginal likelihood of the factored model, or -inf. */
static double gp_lml(gpm *g, const double *y)
{
    size_t n = g->n;
    double yay = gp_alpha(g, y), logdet = 0;
    for (size_t i = 0; i < n; i++) logdet += 2 * log(g->U[i * g->cap + i]);
    double s2 = yay / (double)n;
    if (!(s2 > 0)) s2 = 1e-300;
    return -0.5 * (double)n * log(s2) - 0.5 * logdet;
}

/* EI of m points C (m x D, m <= GP_BLOCK) into ei_out. The kernel vectors
 * are built as an n x m block (candidates contiguous) and solved together
 * with L: the loops run over the m candidates. `w`: (n + 2 + D) *
 * GP_BLOCK + n scratch. */
static double ei_of(double mu, double s, double fbest)
{
    double imp = fbest - mu, z = imp / s;
    return imp * eo__ncdf(z) + s * eo__npdf(z);
}

static void gp_ei_batch(const gpm *g, const double *C, size_t m, double fbest, double scale, double thr, double *w,
                        double *ei_out)
{
    size_t n = g->n, D = g->D, cap = g->cap, B = GP_BLOCK;
    double *Kb = w, *mu = w + n * B, *q = mu + B, *ct = q + B;
    for (size_t c = 0; c < m; c++)
        for (size_t k = 0; k < D; k++) ct[k * B + c] = C[c * D + k];
    double ca = 2.23606797749978969641 / g->ell;
    for (size_t i = 0; i < n; i++) {
        const double *xi = g->X + i * D;
        double *row = Kb + i * B;
        for (size_t c = 0; c < m; c++) row[c] = 0;
        for (size_t k = 0; k < D; k++) {
            const double *ck = ct + k * B;
            double xk = xi[k];
            for (size_t c = 0; c < m; c++) row[c] += (xk - ck[c]) * (xk - ck[c]);
        }
        /* sqrt in a loop of its own: with errno (the default) it is a
         * branch, and the exp loop beside it is then straight-line code
         * (this split and the contiguous ei() below: ~10% per trial) */
        for (size_t c = 0; c < m; c++) row[c] = ca * sqrt(row[c]);
        for (size_t c = 0; c < m; c++) {
            double a = row[c];
            row[c] = (1 + a + a * a / 3) * expneg(a);
        }
    }
    for (size_t c = 0; c < m; c++) mu[c] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *row = Kb + i * B;
        double ai = g->alpha[i];
        for (size_t c = 0; c < m; c++) mu[c] += row[c] * ai;
    }
    /* Screening: EI grows with s, and s^2 <= 1 - k_j^2 / A_jj for every
     * observation j (conditioning on all points explains at least as much
     * as on one: k^T A^-1 k >= k_j^2 / A_jj for A positive definite). A
     * candidate whose EI at that bound (with a margin for rounding) is not
     * above thr cannot be chosen and skips the O(n^2) solve; the kept ones
     * are moved to the front of the block. */
    size_t keep[GP_BLOCK], mk = 0;
    {
        double *kmax = q;
        for (size_t c = 0; c < m; c++) kmax[c] = 0;
        for (size_t i = 0; i < n; i++) {
            const double *row = Kb + i * B;
            for (size_t c = 0; c < m; c++) kmax[c] = row[c] > kmax[c] ? row[c] : kmax[c];
        }
        double diag = 1 + g->tau + 1e-10;
        for (size_t c = 0; c < m; c++) {
            double vub = 1 + 1e-10 - kmax[c] * kmax[c] / diag;
            double sub = (vub > 1e-12 ? sqrt(vub) : 1e-6) * (1 + 1e-6) * scale;
            ei_out[c] = -INFINITY;
            if (ei_of(mu[c], sub, fbest) * (1 + 1e-6) + 1e-300 > thr) keep[mk++] = c;
        }
        if (mk < m)
            for (size_t i = 0; i < n; i++) {
                double *row = Kb + i * B;
                for (size_t c = 0; c < mk; c++) row[c] = row[keep[c]];
            }
    }
    size_t m_all = m;
    m = mk;
    if (m == 0) return;
    if (m == 1) {
        /* one point (the refinement): the column form on a contiguous vector */
        double *b = ct + D * B;
        for (size_t i = 0; i < n; i++) b[i] = Kb[i * B];
        for (size_t k = 0; k < n; k++) {
            const double *uk = g->U + k * cap;
            double bk = b[k] / uk[k];
            b[k] = bk;
            for (size_t i = k + 1; i < n; i++) b[i] -= uk[i] * bk;
        }
        q[0] = 0;
        for (size_t i = 0; i < n; i++) q[0] += b[i] * b[i];
    } else {
        for (size_t k = 0; k < n; k++) {
            const double *uk = g->U + k * cap;
            double *rk = Kb + k * B;
            double ukk = uk[k];
            for (size_t c = 0; c < m; c++) rk[c] /= ukk;
            for (size_t i = k + 1; i < n; i++) {
                double *ri = Kb + i * B;
                double lik = uk[i];
                for (size_t c = 0; c < m; c++) ri[c] -= lik * rk[c];
            }
        }
        for (size_t c = 0; c < m; c++) q[c] = 0;
        for (size_t i = 0; i < n; i++) {
            const double *row = Kb + i * B;
            for (size_t c = 0; c < m; c++) q[c] += row[c] * row[c];
        }
    }
    (void)m_all;
    for (size_t c = 0; c < m; c++) {
        double var = 1 + 1e-10 - q[c];
        double s = (var > 1e-12 ? sqrt(var) : 1e-6) * scale;
        ei_out[keep[c]] = ei_of(mu[keep[c]], s, fbest);
    }
}

/* EI at x, or -inf when it is certainly not above thr: gp_ei_batch for one
 * point (the same operations per element, so the same value), with the
 * kernel vector contiguous instead of one column of a block, for the
 * refinement's hundreds of single evaluations. w: 2n scratch. */
static double ei(const gpm *g, const double *x, double fbest, double scale, double thr, double *w)
{
    size_t n = g->n, D = g->D, cap = g->cap;
    double *b = w, *d2 = w + n;
    double ca = 2.23606797749978969641 / g->ell;
    for (size_t i = 0; i < n; i++) {
        const double *xi = g->X + i * D;
        double s = 0;
        for (size_t k = 0; k < D; k++) s += (xi[k] - x[k]) * (xi[k] - x[k]);
        d2[i] = s;
    }
    for (size_t i = 0; i < n; i++) d2[i] = ca * sqrt(d2[i]);
    for (size_t i = 0; i < n; i++) {
        double a = d2[i];
        b[i] = (1 + a + a * a / 3) * expneg(a);
    }
    double mu = 0, kmax = 0;
    for (size_t i = 0; i < n; i++) mu += b[i] * g->alpha[i];
    for (size_t i = 0; i < n; i++) kmax = b[i] > kmax ? b[i] : kmax;
    double vub = 1 + 1e-10 - kmax * kmax / (1 + g->tau + 1e-10);
    double sub = (vub > 1e-12 ? sqrt(vub) : 1e-6) * (1 + 1e-6) * scale;
    if (!(ei_of(mu, sub, fbest) * (1 + 1e-6) + 1e-300 > thr)) return -INFINITY;
    for (size_t k = 0; k < n; k++) {
        const double *uk = g->U + k * cap;
        double bk = b[k] / uk[k];
        b[k] = bk;
        for (size_t i = k + 1; i < n; i++) b[i] -= uk[i] * bk;
    }
    double q = 0;
    for (size_t i = 0; i < n; i++) q += b[i] * b[i];
    double var = 1 + 1e-10 - q;
    return ei_of(mu, (var > 1e-12 ? sqrt(var) : 1e-6) * scale, fbest);
}

/* Encoded dimension of the space. */
static size_t enc_dim(const eo_space *sp)
{
    size_t D = 0;
    for (size_t i = 0; i < sp->n; i++) D += sp->p[i].kind == EO_PARAM_CHOICE ? sp->p[i].nchoices : 1;
    return D;
}

static void encode(const eo_space *sp, const double *x, double *u)
{
    for (size_t i = 0, d = 0; i < sp->n; i++) {
        if (sp->p[i].kind == EO_PARAM_CHOICE) {
            for (size_t c = 0; c < sp->p[i].nchoices; c++) u[d + c] = (double)c == x[i] ? 1 : 0;
            d += sp->p[i].nchoices;
        } else {
            u[d++] = eo_space_encode(sp, i, x[i]);
        }
    }
}

static void decode(const eo_space *sp, const double *u, double *x)
{
    for (size_t i = 0, d = 0; i < sp->n; i++) {
        if (sp->p[i].kind == EO_PARAM_CHOICE) {
            size_t best = 0;
            for (size_t c = 1; c < sp->p[i].nchoices; c++)
                if (u[d + c] > u[d + best]) best = c;
            x[i] = (double)best;
            d += sp->p[i].nchoices;
        } else {
            x[i] = eo_space_decode(sp, i, u[d++]);
        }
    }
}

static void random_point(const eo_space *sp, eo_rng *r, double *u)
{
    for (size_t i = 0, d = 0; i < sp->n; i++) {
        if (sp->p[i].kind == EO_PARAM_CHOICE) {
            size_t K = sp->p[i].nchoices, c = (size_t)eo_rng_below(r, K);
            for (size_t k = 0; k < K; k++) u[d + k] = k == c ? 1 : 0;
            d += K;
        } else {
            u[d++] = eo_rng_uniform(r);
        }
    }
}

/* Compass search from u (in place) on the EI surface; returns the EI.
 * w: scratch for the moved point, ws: gp_ei_batch scratch. */
static double refine(const gpm *g, const eo_space *sp, double *u, double *w, double *ws, double fbest,
                     double scale)
{
    double best = ei(g, u, fbest, scale, -INFINITY, ws);
    for (double step = 1.0 / 16; step >= 1.0 / 128; step *= 0.5) {
        int improved = 1;
        for (int sweep = 0; improved && sweep < 20; sweep++) {
            improved = 0;
            for (size_t i = 0, d = 0; i < sp->n; i++) {
                if (sp->p[i].kind == EO_PARAM_CHOICE) {
                    size_t K = sp->p[i].nchoices;
                    for (size_t c = 0; c < K; c++) {
                        memcpy(w, u, g->D * sizeof *w);
                        for (size_t k = 0; k < K; k++) w[d + k] = k == c ? 1 : 0;
                        double v = ei(g, w, fbest, scale, best, ws);
                        if (v > best) {
                            best = v;
                            memcpy(u, w, g->D * sizeof *w);
                            improved = 1;
                        }
                    }
                    d += K;
                    continue;
                }
                for (int sgn = -1; sgn <= 1; sgn += 2) {
                    double old = u[d], nv = old + sgn * step;
                    if (nv < 0 || nv > 1) continue;
                    u[d] = nv;
                    double v = ei(g, u, fbest, scale, best, ws);
                    if (v > best) {
                        best = v;
                        improved = 1;
                    } else {
                        u[d] = old;
                    }
                }
                d++;
            }
        }
    }
    return best;
}

/* State kept between proposals (a cache only: every value can be
 * recomputed from the history, see the schedule above). */
typedef struct gpstrat {
    eo__strategy base;
    /* hyperparameters chosen at schedule point hp_at (-1: none) */
    long hp_at;
    double hp_ell, hp_tau;
    /* Cholesky factor of the first fm encoded points xs (fm x D) for
     * (f_ell, f_tau); U with row stride fcap */
    double *U, *xs;
    size_t fcap, fm, fD;
    double f_ell, f_tau;
} gpstrat;

static long next_refit(long p)
{
    long q = (long)floor((double)p * GP_REFIT_GROWTH);
    return q > p ? q : p + 1;
}

/* The schedule point whose hyperparameters trial t uses. */
static long refit_point(long t, long first)
{
    long s = 1;
    while (next_refit(s) <= t) s = next_refit(s);
    return s > first ? s : first;
}

/* Standardized objective values of the first n trials as the ask of trial
 * t sees them (told: the visible ones; r: trial t's generator, its first
 * draws are the ParEGO weights). Returns the number of usable told trials
 * and sets *fbest to the best standardized usable value. */
static size_t objective_values(const eo__history *h, size_t told, size_t n, eo_rng *r, double *y, double *fbest)
{
    double lam[EO_TUNE_QUANTITY_COUNT] = {0};
    double lo[EO_TUNE_QUANTITY_COUNT], hi[EO_TUNE_QUANTITY_COUNT];
    if (h->nobj > 1) {
        double sum = 0;
        for (size_t k = 0; k < h->nobj; k++) sum += lam[k] = -log(1 - eo_rng_uniform(r));
        for (size_t k = 0; k < h->nobj; k++) {
            lam[k] /= sum;
            lo[k] = INFINITY;
            hi[k] = -INFINITY;
        }
        for (size_t j = 0; j < told; j++)
            if (eo__usable(h->status[j], h->loss[j]))
                for (size_t k = 0; k < h->nobj; k++) {
                    lo[k] = fmin(lo[k], h->mo[j * h->nobj + k]);
                    hi[k] = fmax(hi[k], h->mo[j * h->nobj + k]);
                }
    }
    double worst = -INFINITY, mean = 0;
    size_t nu = 0;
    for (size_t j = 0; j < told; j++) {
        y[j] = NAN;
        if (!eo__usable(h->status[j], h->loss[j])) continue;
        double v = h->loss[j];
        if (h->nobj > 1) {
            double mx = -INFINITY, sm = 0;
            for (size_t k = 0; k < h->nobj; k++) {
                double f = hi[k] > lo[k] ? (h->mo[j * h->nobj + k] - lo[k]) / (hi[k] - lo[k]) : 0;
                mx = fmax(mx, lam[k] * f);
                sm += lam[k] * f;
            }
            v = mx + 0.05 * sm;
        }
        y[j] = v;
        worst = fmax(worst, v);
        mean += v;
        nu++;
    }
    if (nu == 0) return 0;
    mean /= (double)nu;
    for (size_t j = 0; j < n; j++) {
        if (j >= told)
            y[j] = mean; /* pending: constant liar */
        else if (isnan(y[j]))
            y[j] = worst;
    }
    double ym = 0, yv = 0;
    for (size_t j = 0; j < n; j++) ym += y[j];
    ym /= (double)n;
    for (size_t j = 0; j < n; j++) yv += (y[j] - ym) * (y[j] - ym);
    double ys = sqrt(yv / (double)n);
    if (!(ys > 0)) ys = 1;
    *fbest = INFINITY;
    for (size_t j = 0; j < n; j++) {
        y[j] = (y[j] - ym) / ys;
        if (j < told && eo__usable(h->status[j], h->loss[j])) *fbest = fmin(*fbest, y[j]);
    }
    return nu;
}

/* Indices (ascending) of the observations the model uses, see GP_SUBSET;
 * returns their count. y: the n standardized values, the first told ones
 * observed. mark: n scratch. */
static size_t gp_subset(const double *y, size_t n, size_t told, size_t *idx, unsigned char *mark)
{
    if (n <= GP_SUBSET) {
        for (size_t j = 0; j < n; j++) idx[j] = j;
        return n;
    }
    memset(mark, 0, n);
    size_t k = 0;
    for (; k < GP_SUBSET / 2 && k < told; k++) {
        size_t b = SIZE_MAX;
        for (size_t j = 0; j < told; j++)
            if (!mark[j] && (b == SIZE_MAX || y[j] < y[b])) b = j; /* ties: the earlier trial */
        mark[b] = 1;
    }
    for (size_t j = n; j-- > 0 && k < GP_SUBSET;)
        if (!mark[j]) {
            mark[j] = 1;
            k++;
        }
    size_t m = 0;
    for (size_t j = 0; j < n; j++)
        if (mark[j]) idx[m++] = j;
    return m;
}

/* Keep rows idx[0..m-1] (ascending) of X (D columns) and y, in place. */
static void gp_compact(double *X, double *y, size_t D, const size_t *idx, size_t m)
{
    for (size_t k = 0; k < m; k++)
        if (idx[k] != k) {
            memmove(X + k * D, X + idx[k] * D, D * sizeof *X);
            y[k] = y[idx[k]];
        }
}

static const double ells[] = {0.05, 0.1, 0.18, 0.3, 0.5, 0.85, 1.5, 3.0};
static const double taus[] = {1e-6, 1e-4, 1e-2, 0.1, 0.3};

/* Choose (ell, tau) on the grid by the marginal likelihood of the data the
 * ask of trial s saw (X: the encoded points, at least s rows). */
static int gp_hyper(const eo_tune_params *P, const eo__history *h, long s, const double *X, size_t D,
                    double *ell_out, double *tau_out)
{
    size_t n = (size_t)s;
    long tv = s - P->lag;
    size_t told = tv > 0 ? (size_t)tv : 0;
    if (told > h->told) told = h->told;
    if (told > n) told = n;
    *ell_out = ells[3] * sqrt((double)D);
    *tau_out = taus[0];
    size_t nn;
    if (!eo_size_mul(n, n, &nn)) return EO_ERR_RANGE;
    double *y = malloc(n * sizeof *y), *dm = malloc(nn * sizeof *dm), *U = malloc(nn * sizeof *U);
    double *alpha = malloc(n * sizeof *alpha), *Xs = malloc(n * D * sizeof *Xs);
    size_t *idx = malloc(n * sizeof *idx);
    unsigned char *mark = malloc(n);
    int st = y && dm && U && alpha && Xs && idx && mark ? EO_OK : EO_ERR_NOMEM;
    if (!st) {
        eo_rng r;
        eo__trial_rng(P->seed, s, &r);
        double fbest;
        if (objective_values(h, told, n, &r, y, &fbest)) {
            memcpy(Xs, X, n * D * sizeof *Xs);
            X = Xs;
            n = gp_subset(y, n, told, idx, mark);
            gp_compact(Xs, y, D, idx, n);
            for (size_t j = 0; j < n; j++)
                for (size_t i = j + 1; i < n; i++) dm[j * n + i] = dist(X + i * D, X + j * D, D);
            double bl = -INFINITY;
            for (size_t a = 0; a < sizeof ells / sizeof *ells; a++)
                for (size_t b = 0; b < sizeof taus / sizeof *taus; b++) {
                    gpm g = {n, D, n, X, U, alpha, ells[a] * sqrt((double)D), taus[b]};
                    if (gp_factor(&g, dm)) continue;
                    double lml = gp_lml(&g, y);
                    if (lml > bl) {
                        bl = lml;
                        *ell_out = g.ell;
                        *tau_out = g.tau;
                    }
                }
        }
    }
    free(y);
    free(dm);
    free(U);
    free(alpha);
    free(Xs);
    free(idx);
    free(mark);
    return st;
}

/* Bring the cached factor to the n points X for (ell, tau): extend it when
 * it holds a prefix of them for the same hyperparameters, else refactor. */
static int gp_cached_factor(gpstrat *gs, const double *X, size_t n, size_t D, double ell, double tau, double *col)
{
    int same = gs->U && gs->fD == D && gs->f_ell == ell && gs->f_tau == tau && gs->fm <= n &&
               !memcmp(gs->xs, X, gs->fm * D * sizeof *X);
    if (!same) gs->fm = 0;
    if (n > gs->fcap || !gs->U) {
        size_t cap = n < 64 ? 64 : n + n / 2, cc;
        if (!eo_size_mul(cap, cap, &cc)) return EO_ERR_RANGE;
        double *U = malloc(cc * sizeof *U), *xs = malloc(cap * D * sizeof *xs);
        if (!U || !xs) {
            free(U);
            free(xs);
            return EO_ERR_NOMEM;
        }
        for (size_t k = 0; k < gs->fm; k++) memcpy(U + k * cap + k, gs->U + k * gs->fcap + k, (gs->fm - k) * sizeof *U);
        if (gs->fm) memcpy(xs, gs->xs, gs->fm * D * sizeof *xs); /* gs->xs is NULL before the first fit */
        free(gs->U);
        free(gs->xs);
        gs->U = U;
        gs->xs = xs;
        gs->fcap = cap;
    }
    gs->fD = D;
    gs->f_ell = ell;
    gs->f_tau = tau;
    gpm g = {n, D, gs->fcap, X, gs->U, NULL, ell, tau};
    for (size_t m = gs->fm; m < n; m++) {
        if (gp_append(&g, m, col)) {
            gs->fm = 0;
            return EO_ERR_NUMERIC;
        }
        memcpy(gs->xs + m * D, X + m * D, D * sizeof *X);
        gs->fm = m + 1;
    }
    return EO_OK;
}

static int gp_ask(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err)
{
    gpstrat *gs = (gpstrat *)st;
    const eo_tune_params *P = st->p;
    const eo_space *sp = st->space;
    long t = (long)h->njobs;
    eo_rng r;
    int start = eo__model_ask_start(P, sp, h, p, &r);
    if (start) return start;
    size_t told = h->told, n = (size_t)t, D = enc_dim(sp);
    size_t nb;
    if (!eo_size_mul(n + 2 + D, GP_BLOCK, &nb) || nb > SIZE_MAX - n)
        return eo_error_set(err, EO_ERR_RANGE, "too many trials for the GP");
    nb += n;
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y);
    double *alpha = malloc(n * sizeof *alpha), *col = malloc(n * sizeof *col), *ws = malloc(nb * sizeof *ws);
    double *cand = malloc(GP_BLOCK * D * sizeof *cand), *w = malloc(D * sizeof *w), *bestu = malloc(D * sizeof *bestu);
    int nc = P->n_candidates > 0 ? P->n_candidates : 1000;
    double *top = malloc(5 * D * sizeof *top);
    size_t *idx = malloc(n * sizeof *idx);
    unsigned char *mark = malloc(n);
    int st_ = X && y && alpha && col && ws && cand && w && bestu && top && idx && mark ? EO_OK : EO_ERR_NOMEM;
    if (st_) goto out;
    double fbest;
    if (!objective_values(h, told, n, &r, y, &fbest)) {
        eo_space_sample(sp, &r, p->x);
        goto out;
    }
    for (size_t j = 0; j < n; j++) encode(sp, h->x + j * h->dim, X + j * D);
    long s = refit_point(t, P->n_startup);
    if (gs->hp_at != s) {
        if ((st_ = gp_hyper(P, h, s, X, D, &gs->hp_ell, &gs->hp_tau))) goto out;
        gs->hp_at = s;
    }
    n = gp_subset(y, n, told, idx, mark);
    gp_compact(X, y, D, idx, n);
    st_ = gp_cached_factor(gs, X, n, D, gs->hp_ell, gs->hp_tau, col);
    if (st_ == EO_ERR_NUMERIC) {
        st_ = EO_OK;
        eo_space_sample(sp, &r, p->x);
        goto out;
    }
    if (st_) goto out;
    gpm g = {n, D, gs->fcap, X, gs->U, alpha, gs->hp_ell, gs->hp_tau};
    /* the posterior sd in y units: sqrt(s2) with s2 = y^T A^-1 y / n */
    double yay = gp_alpha(&g, y);
    double scale = sqrt(fmax(yay / (double)n, 1e-300));
    double topv[5], eib[GP_BLOCK];
    int ntop = 0;
    for (int c0 = 0; c0 < nc; c0 += GP_BLOCK) {
        size_t m = (size_t)(nc - c0 < GP_BLOCK ? nc - c0 : GP_BLOCK);
        for (size_t c = 0; c < m; c++) random_point(sp, &r, cand + c * D);
        gp_ei_batch(&g, cand, m, fbest, scale, ntop < 5 ? -INFINITY : topv[4], ws, eib);
        for (size_t c = 0; c < m; c++) {
            double v = eib[c];
            int pos = ntop;
            while (pos > 0 && v > topv[pos - 1]) pos--;
            if (pos >= 5) continue;
            int last = ntop < 5 ? ntop : 4;
            for (int k = last; k > pos; k--) {
                topv[k] = topv[k - 1];
                memcpy(top + (size_t)k * D, top + (size_t)(k - 1) * D, D * sizeof *top);
            }
            topv[pos] = v;
            memcpy(top + (size_t)pos * D, cand + c * D, D * sizeof *top);
            if (ntop < 5) ntop++;
        }
    }
    double bestv = -INFINITY;
    for (int k = 0; k < ntop && k < GP_REFINE; k++) {
        double v = refine(&g, sp, top + (size_t)k * D, w, ws, fbest, scale);
        if (v > bestv) {
            bestv = v;
            memcpy(bestu, top + (size_t)k * D, D * sizeof *bestu);
        }
    }
    decode(sp, bestu, p->x);
out:
    free(X);
    free(y);
    free(alpha);
    free(col);
    free(ws);
    free(cand);
    free(w);
    free(bestu);
    free(top);
    free(idx);
    free(mark);
    if (st_) return eo_error_set(err, st_, st_ == EO_ERR_NOMEM ? "out of memory" : "too many trials for the GP");
    return EO__ASK_JOB;
}

static void gp_tell(eo__strategy *st, const eo__history *h, size_t k)
{
    (void)st;
    (void)h;
    (void)k;
}

static void gp_destroy(eo__strategy *st)
{
    gpstrat *gs = (gpstrat *)st;
    free(gs->U);
    free(gs->xs);
    free(gs);
}

static const eo__strategy_ops gp_ops = {gp_ask, gp_tell, gp_destroy};

int eo__gp_create(eo__strategy **out, eo_error *err)
{
    gpstrat *g = calloc(1, sizeof *g);
    if (!g) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    g->base.ops = &gp_ops;
    g->hp_at = -1;
    *out = &g->base;
    return EO_OK;
}
