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
 * then the best 5 are refined by a compass search (steps 1/16 down to 1/1024
 * on the numeric coordinates, every option of each choice).
 *
 * Pending trials (asked but not yet visible, see the lag rule in tune.h) are
 * added as observations at the mean loss ("constant liar", Ginsbourger et al.
 * 2010), so parallel proposals do not pile up at one point. Several
 * objectives: each trial draws weights lambda on the simplex and the
 * objectives, scaled to [0,1] over the observed trials, are combined as
 * max_k lambda_k f_k + 0.05 sum_k lambda_k f_k (ParEGO, Knowles 2006). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tune/internal.h"

typedef struct gpm {
    size_t n, D;
    const double *X;  /* n x D */
    double *L;        /* n x n Cholesky of A */
    double *alpha;    /* A^-1 y */
    double *tmp;      /* n */
    double ell, tau;
    /* Work shared by the 40 fits of the hyperparameter grid: the pairwise
     * distances (lower triangle) and the kernel matrix of length scale kell,
     * so the 5 noise ratios of one length scale reuse it. lt: L transposed,
     * for the column-oriented forward solves of the predictions. */
    double *dm, *K, *lt;
    double kell;
} gpm;

static double matern(double r, double ell)
{
    double a = 2.23606797749978969641 * r / ell;
    return (1 + a + a * a / 3) * exp(-a);
}

static double dist(const double *a, const double *b, size_t D)
{
    double s = 0;
    for (size_t k = 0; k < D; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
    return sqrt(s);
}

static void gp_distances(gpm *g)
{
    size_t n = g->n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) g->dm[i * n + j] = dist(g->X + i * g->D, g->X + j * g->D, g->D);
    g->kell = NAN;
}

/* Factor A(ell, tau) into g->L; log marginal likelihood (profiled) or -inf. */
static double gp_fit(gpm *g, const double *y, double ell, double tau)
{
    size_t n = g->n;
    if (!(g->kell == ell)) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) g->K[i * n + j] = matern(g->dm[i * n + j], ell);
        g->kell = ell;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = g->K[i * n + j];
            g->L[i * n + j] = v;
            g->L[j * n + i] = v;
        }
    for (size_t i = 0; i < n; i++) g->L[i * n + i] += tau + 1e-10;
    if (eo__cholesky(g->L, n)) return -INFINITY;
    memcpy(g->alpha, y, n * sizeof *y);
    eo__chol_solve(g->L, n, g->alpha);
    double yay = 0, logdet = 0;
    for (size_t i = 0; i < n; i++) {
        yay += y[i] * g->alpha[i];
        logdet += 2 * log(g->L[i * n + i]);
    }
    double s2 = yay / (double)n;
    if (!(s2 > 0)) s2 = 1e-300;
    g->ell = ell;
    g->tau = tau;
    return -0.5 * (double)n * log(s2) - 0.5 * logdet;
}

/* L^T from the final fit, for gp_forward. */
static void gp_transpose(gpm *g)
{
    size_t n = g->n;
    for (size_t k = 0; k < n; k++)
        for (size_t i = k; i < n; i++) g->lt[k * n + i] = g->L[i * n + k];
}

/* Solve L y = b in place, column by column: b[i] still gets b[i] - l[i][0] b[0]
 * - l[i][1] b[1] - ... in that order and then / l[i][i], the operations of
 * eo__chol_forward, so the same bits; but the updates of one column are
 * independent and contiguous in L^T (the row-wise form is one long chain of
 * dependent subtractions). */
static void gp_forward(const gpm *g, double *b)
{
    size_t n = g->n;
    for (size_t k = 0; k < n; k++) {
        const double *col = g->lt + k * n;
        double bk = b[k] / col[k];
        b[k] = bk;
        for (size_t i = k + 1; i < n; i++) b[i] -= col[i] * bk;
    }
}

/* Posterior mean and standard deviation (in units of the profiled scale) at x. */
static void gp_predict(gpm *g, const double *x, double *m, double *s)
{
    size_t n = g->n;
    double mu = 0;
    for (size_t i = 0; i < n; i++) {
        g->tmp[i] = matern(dist(x, g->X + i * g->D, g->D), g->ell);
        mu += g->tmp[i] * g->alpha[i];
    }
    gp_forward(g, g->tmp);
    double q = 0;
    for (size_t i = 0; i < n; i++) q += g->tmp[i] * g->tmp[i];
    double var = 1 + 1e-10 - q;
    *m = mu;
    *s = var > 1e-12 ? sqrt(var) : 1e-6;
}

static double ei(gpm *g, const double *x, double fbest, double scale)
{
    double m, s;
    gp_predict(g, x, &m, &s);
    s *= scale;
    double imp = fbest - m, z = imp / s;
    return imp * eo__ncdf(z) + s * eo__npdf(z);
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

/* Compass search from u (in place) on the EI surface; returns the EI. */
static double refine(gpm *g, const eo_space *sp, double *u, double *w, double fbest, double scale)
{
    double best = ei(g, u, fbest, scale);
    for (double step = 1.0 / 16; step >= 1.0 / 1024; step *= 0.5) {
        int improved = 1;
        for (int sweep = 0; improved && sweep < 20; sweep++) {
            improved = 0;
            for (size_t i = 0, d = 0; i < sp->n; i++) {
                if (sp->p[i].kind == EO_PARAM_CHOICE) {
                    size_t K = sp->p[i].nchoices;
                    for (size_t c = 0; c < K; c++) {
                        memcpy(w, u, g->D * sizeof *w);
                        for (size_t k = 0; k < K; k++) w[d + k] = k == c ? 1 : 0;
                        double v = ei(g, w, fbest, scale);
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
                    double v = ei(g, u, fbest, scale);
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

typedef struct gpstrat {
    eo__strategy base;
} gpstrat;

static int gp_ask(eo__strategy *st, const eo__history *h, eo__proposal *p, eo_error *err)
{
    const eo_tune_params *P = st->p;
    const eo_space *sp = st->space;
    long t = (long)h->njobs;
    if (t >= P->trials) return EO__ASK_DONE;
    int gate = eo__budget_gate(P, h);
    if (gate <= 0) return gate == 0 ? EO__ASK_WAIT : EO__ASK_DONE;
    eo_rng r;
    eo__trial_rng(P->seed, t, &r);
    p->trial = t;
    p->rung = 0;
    p->budget = P->max_epochs;
    p->prev_budget = 0;
    if (t < P->n_startup) {
        eo_space_sample(sp, &r, p->x);
        return EO__ASK_JOB;
    }
    if ((long)h->told < t - P->lag) return EO__ASK_WAIT;
    size_t told = h->told, n = (size_t)t, D = enc_dim(sp);
    size_t nn;
    if (!eo_size_mul(n, n, &nn)) return eo_error_set(err, EO_ERR_RANGE, "too many trials for the GP");
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y), *L = malloc(nn * sizeof *L);
    double *alpha = malloc(n * sizeof *alpha), *tmp = malloc(n * sizeof *tmp);
    double *dm = malloc(nn * sizeof *dm), *K = malloc(nn * sizeof *K), *lt = malloc(nn * sizeof *lt);
    double *cand = malloc(D * sizeof *cand), *w = malloc(D * sizeof *w), *bestu = malloc(D * sizeof *bestu);
    int nc = P->n_candidates > 0 ? P->n_candidates : 1000;
    double *top = malloc(5 * D * sizeof *top);
    int st_ = X && y && L && alpha && tmp && dm && K && lt && cand && w && bestu && top ? EO_OK : EO_ERR_NOMEM;
    if (st_) goto out;
    /* objective values of the told trials (scalarized with several objectives) */
    double lam[EO_TUNE_QUANTITY_COUNT] = {0};
    double lo[EO_TUNE_QUANTITY_COUNT], hi[EO_TUNE_QUANTITY_COUNT];
    if (h->nobj > 1) {
        double sum = 0;
        for (size_t k = 0; k < h->nobj; k++) sum += lam[k] = -log(1 - eo_rng_uniform(&r));
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
    if (nu == 0) {
        eo_space_sample(sp, &r, p->x);
        goto out;
    }
    mean /= (double)nu;
    for (size_t j = 0; j < n; j++) {
        if (j >= told)
            y[j] = mean; /* pending: constant liar */
        else if (isnan(y[j]))
            y[j] = worst;
        encode(sp, h->x + j * h->dim, X + j * D);
    }
    double ym = 0, yv = 0;
    for (size_t j = 0; j < n; j++) ym += y[j];
    ym /= (double)n;
    for (size_t j = 0; j < n; j++) yv += (y[j] - ym) * (y[j] - ym);
    double ys = sqrt(yv / (double)n);
    if (!(ys > 0)) ys = 1;
    double fbest = INFINITY;
    for (size_t j = 0; j < n; j++) {
        y[j] = (y[j] - ym) / ys;
        if (j < told && eo__usable(h->status[j], h->loss[j])) fbest = fmin(fbest, y[j]);
    }
    gpm g = {n, D, X, L, alpha, tmp, 1, 1e-6, dm, K, lt, NAN};
    gp_distances(&g);
    static const double ells[] = {0.05, 0.1, 0.18, 0.3, 0.5, 0.85, 1.5, 3.0};
    static const double taus[] = {1e-6, 1e-4, 1e-2, 0.1, 0.3};
    double bl = -INFINITY, bell = ells[3] * sqrt((double)D), btau = taus[0];
    for (size_t a = 0; a < sizeof ells / sizeof *ells; a++)
        for (size_t b = 0; b < sizeof taus / sizeof *taus; b++) {
            double ell = ells[a] * sqrt((double)D);
            double lml = gp_fit(&g, y, ell, taus[b]);
            if (lml > bl) {
                bl = lml;
                bell = ell;
                btau = taus[b];
            }
        }
    if (!isfinite(gp_fit(&g, y, bell, btau))) {
        eo_space_sample(sp, &r, p->x);
        goto out;
    }
    gp_transpose(&g);
    /* the posterior sd in y units: sqrt(s2) with s2 = y^T A^-1 y / n */
    double yay = 0;
    for (size_t j = 0; j < n; j++) yay += y[j] * alpha[j];
    double scale = sqrt(fmax(yay / (double)n, 1e-300));
    double topv[5];
    int ntop = 0;
    for (int c = 0; c < nc; c++) {
        random_point(sp, &r, cand);
        double v = ei(&g, cand, fbest, scale);
        int pos = ntop;
        while (pos > 0 && v > topv[pos - 1]) pos--;
        if (pos >= 5) continue;
        int last = ntop < 5 ? ntop : 4;
        for (int k = last; k > pos; k--) {
            topv[k] = topv[k - 1];
            memcpy(top + (size_t)k * D, top + (size_t)(k - 1) * D, D * sizeof *top);
        }
        topv[pos] = v;
        memcpy(top + (size_t)pos * D, cand, D * sizeof *top);
        if (ntop < 5) ntop++;
    }
    double bestv = -INFINITY;
    for (int k = 0; k < ntop; k++) {
        double v = refine(&g, sp, top + (size_t)k * D, w, fbest, scale);
        if (v > bestv) {
            bestv = v;
            memcpy(bestu, top + (size_t)k * D, D * sizeof *bestu);
        }
    }
    decode(sp, bestu, p->x);
out:
    free(X);
    free(y);
    free(L);
    free(alpha);
    free(tmp);
    free(dm);
    free(K);
    free(lt);
    free(cand);
    free(w);
    free(bestu);
    free(top);
    if (st_) return eo_error_set(err, st_, "out of memory");
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
    free(st);
}

static const eo__strategy_ops gp_ops = {gp_ask, gp_tell, gp_destroy};

int eo__gp_create(eo__strategy **out, eo_error *err)
{
    gpstrat *g = calloc(1, sizeof *g);
    if (!g) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    g->base.ops = &gp_ops;
    *out = &g->base;
    return EO_OK;
}
