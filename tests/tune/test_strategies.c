/* Strategies: Hyperband arithmetic against the paper's table, halving and
 * Hyperband schedules and promotions, the budget filled by a last smaller
 * bracket, BOHB against Hyperband, grid enumeration, determinism per
 * seed, TPE against random search, GP-EI on a 1-D function, non-dominated
 * sorting against brute force. Objectives are cheap C functions. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "eo_test.h"
#include "edgeopt/tune.h"

static eo_space *space_of(const char *text)
{
    eo_space *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_space_parse(text, NULL, &s, &e)) fail_msg("space: %s", e.msg);
    return s;
}

/* ------------------------------------------------------------ objectives */

typedef double (*fn_t)(const double *x, const eo_tune_job *job);

typedef struct fobj {
    fn_t f;
    long calls;
} fobj;

static int eval_fn(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    fobj *o = user;
    (void)rep;
    o->calls++;
    out->status = EO_TRIAL_OK;
    out->score = o->f(job->x, job);
    out->epochs = job->budget - job->prev_budget;
    return EO_OK;
}

static eo_study *run(const eo_space *sp, const eo_tune_params *p, fn_t f, int continues)
{
    eo_study *st = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_study_create(sp, p, &st, &e)) fail_msg("create: %s", e.msg);
    fobj o = {f, 0};
    eo_tune_objective obj = {eval_fn, NULL, &o, continues, 1, NULL};
    if (eo_study_run(st, &obj, &e)) fail_msg("run: %s", e.msg);
    return st;
}

/* deterministic "noise" from the trial seed */
static double seed_noise(uint64_t seed)
{
    eo_rng r;
    eo_rng_seed(&r, seed);
    return eo_rng_normal(&r);
}

static double quad2(const double *x, const eo_tune_job *job)
{
    return (x[0] - 0.3) * (x[0] - 0.3) + (x[1] + 0.2) * (x[1] + 0.2) + 0.01 * seed_noise(job->seed);
}

/* a learning-curve-like score: better configurations and more epochs give lower loss */
static double curve(const double *x, const eo_tune_job *job)
{
    double q = (x[0] - 0.3) * (x[0] - 0.3) + 0.5 * (x[1] - 0.7) * (x[1] - 0.7);
    return q + 1.0 / job->budget;
}

/* -------------------------------------------------------------- tests */

static void test_hyperband_table(void **state)
{
    (void)state;
    /* Li et al. 2017, Table 1 (R = 81, eta = 3): n_i and r_i per bracket. */
    static const long n_tab[5][5] = {
        {5, 0, 0, 0, 0}, {8, 2, 0, 0, 0}, {15, 5, 1, 0, 0}, {34, 11, 3, 1, 0}, {81, 27, 9, 3, 1}};
    static const double r_tab[5][5] = {
        {81, 0, 0, 0, 0}, {27, 81, 0, 0, 0}, {9, 27, 81, 0, 0}, {3, 9, 27, 81, 0}, {1, 3, 9, 27, 81}};
    assert_int_equal(eo_hyperband_smax(81, 3), 4);
    assert_int_equal(eo_hyperband_smax(80, 3), 3);
    assert_int_equal(eo_hyperband_smax(8, 2), 3);
    for (int s = 0; s <= 4; s++) {
        eo_hb_rung r[8];
        assert_int_equal(eo_hyperband_bracket(81, 3, s, r, 8), s + 1);
        for (int i = 0; i <= s; i++) {
            assert_int_equal(r[i].n, n_tab[s][i]);
            EO_ASSERT_CLOSE(r[i].r, r_tab[s][i], 1e-12, 0);
        }
    }
    /* mlr3hyperband's documented table for R = 8, eta = 2 */
    static const long n2[4][4] = {{4, 0, 0, 0}, {4, 2, 0, 0}, {6, 3, 1, 0}, {8, 4, 2, 1}};
    for (int s = 0; s <= 3; s++) {
        eo_hb_rung r[8];
        assert_int_equal(eo_hyperband_bracket(8, 2, s, r, 8), s + 1);
        for (int i = 0; i <= s; i++) assert_int_equal(r[i].n, n2[s][i]);
    }
    eo_hb_rung r[8];
    assert_true(eo_hyperband_bracket(81, 3, 5, r, 8) < 0);
    assert_true(eo_hyperband_bracket(0.5, 3, 0, r, 8) < 0);
}

typedef struct job_view {
    long trial;
    int rung, budget, prev;
    double loss;
} job_view;

static void test_hyperband_study(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,1)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_HYPERBAND;
    p.max_epochs = 81;
    p.min_epochs = 1;
    p.eta = 3;
    p.maximize = 0;
    p.seed = 7;
    eo_study *st = run(sp, &p, curve, 1);
    size_t n = eo_study_njobs(st);
    assert_int_equal(n, 81 + 27 + 9 + 3 + 1 + 34 + 11 + 3 + 1 + 15 + 5 + 1 + 8 + 2 + 5);
    job_view *v = calloc(n, sizeof *v);
    long count[5][5] = {{0}};
    int bracket_of[400];
    for (size_t k = 0; k < n; k++) {
        eo_tune_record r;
        assert_int_equal(eo_study_record(st, k, &r), EO_OK);
        v[k] = (job_view){r.trial, r.rung, r.budget, r.prev_budget, r.r->score};
        /* budget = 81 * 3^(rung - s)  =>  s = rung + log3(81 / budget) */
        int s = r.rung + (int)lround(log(81.0 / r.budget) / log(3.0));
        assert_true(s >= 0 && s <= 4);
        count[s][r.rung]++;
        if (r.rung == 0) {
            assert_true(r.trial < 400);
            bracket_of[r.trial] = s;
            assert_int_equal(r.prev_budget, 0);
        } else {
            assert_int_equal(bracket_of[r.trial], s);
            assert_int_equal(r.prev_budget, (int)lround(81 * pow(3, r.rung - 1 - s)));
        }
    }
    static const long n_tab[5][5] = {
        {5, 0, 0, 0, 0}, {8, 2, 0, 0, 0}, {15, 5, 1, 0, 0}, {34, 11, 3, 1, 0}, {81, 27, 9, 3, 1}};
    for (int s = 0; s <= 4; s++)
        for (int i = 0; i <= s; i++) assert_int_equal(count[s][i], n_tab[s][i]);
    /* promotions: rung i+1 holds exactly the n_{i+1} best trials of rung i */
    for (int s = 1; s <= 4; s++)
        for (int i = 0; i < s; i++) {
            double thr_hi = -INFINITY, thr_lo = INFINITY; /* worst promoted, best not promoted */
            for (size_t k = 0; k < n; k++) {
                if (v[k].rung != i || bracket_of[v[k].trial] != s) continue;
                int promoted = 0;
                for (size_t j = 0; j < n; j++)
                    if (v[j].trial == v[k].trial && v[j].rung == i + 1) promoted = 1;
                if (promoted)
                    thr_hi = fmax(thr_hi, v[k].loss);
                else
                    thr_lo = fmin(thr_lo, v[k].loss);
            }
            assert_true(thr_hi <= thr_lo);
        }
    /* continuing objective: a rung costs n_i (r_i - r_{i-1}) epochs */
    long want = 0;
    for (int s = 0; s <= 4; s++)
        for (int i = 0; i <= s; i++)
            want += n_tab[s][i] * (long)(81 * pow(3, i - s) - (i ? 81 * pow(3, i - 1 - s) : 0) + 0.5);
    assert_int_equal(eo_study_epochs(st), want);
    long best = eo_study_best(st);
    assert_true(best >= 0);
    eo_tune_record br;
    eo_study_record(st, (size_t)best, &br);
    assert_int_equal(br.budget, 81);
    free(v);
    eo_study_destroy(st);

    /* with a budget, Hyperband repeats its brackets while they fit */
    p.max_epochs = 9;
    p.budget_epochs = 200;
    st = run(sp, &p, curve, 1);
    long e = eo_study_epochs(st);
    assert_true(e <= 200);
    assert_true(e > 200 - 27); /* one more s=... bracket would not fit */
    assert_true(eo_study_ntrials(st) > 9 + 5 + 3);
    eo_study_destroy(st);
    eo_space_destroy(sp);
}

/* Budget filling: R = 9, eta = 3 plans 21 + 21 + 27 = 69 epochs per iteration
 * (continuing trials); 288 holds 4 iterations (276) and then, by hand, the
 * s = 2 bracket started from 4 configurations instead of 9: 4 x 1 + 1 x (3-1)
 * + 1 x (9-3) = 12 epochs, exactly the rest. */
static void test_hyperband_fills_budget(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,1)");
    for (int strat = EO_TUNE_HYPERBAND; strat <= EO_TUNE_BOHB; strat += EO_TUNE_BOHB - EO_TUNE_HYPERBAND) {
        eo_tune_params p = eo_tune_defaults();
        p.strategy = (eo_tune_strategy)strat;
        p.trials = 0;
        p.max_epochs = 9;
        p.budget_epochs = 288;
        p.maximize = 0;
        eo_study *st = run(sp, &p, curve, 1);
        assert_int_equal(eo_study_epochs(st), 288);
        /* 4 x (9 + 5 + 3) trials and the 4 of the last bracket */
        assert_int_equal(eo_study_ntrials(st), 4 * 17 + 4);
        long full = 0;
        for (size_t k = 0; k < eo_study_njobs(st); k++) {
            eo_tune_record r;
            eo_study_record(st, k, &r);
            full += r.budget == 9;
        }
        assert_int_equal(full, 4 * (1 + 1 + 3) + 1);
        eo_study_destroy(st);
        /* 8 epochs left after 2 iterations and a 130-epoch budget... fit nothing more */
        p.budget_epochs = 146; /* 2 x 69 = 138; the smallest s = 2 bracket costs 11, s = 0 one 9 */
        st = run(sp, &p, curve, 1);
        assert_int_equal(eo_study_epochs(st), 138);
        eo_study_destroy(st);
    }
    eo_space_destroy(sp);
}

/* noisy learning curves: the noise of one evaluation is fixed by the trial
 * seed and the budget, as a validation score would be */
static double noisy_curve(const double *x, const eo_tune_job *job)
{
    return curve(x, job) + 0.02 * seed_noise(job->seed * 31 + (uint64_t)job->budget);
}

static double curve_q(const double *x)
{
    return (x[0] - 0.3) * (x[0] - 0.3) + 0.5 * (x[1] - 0.7) * (x[1] - 0.7);
}

/* BOHB against Hyperband at the same budget: the same brackets and epochs, and
 * its configurations concentrate where the results are good. */
static void test_bohb(void **state)
{
    (void)state;
    eo_space *sp = space_of("x=uniform(0,1);y=uniform(0,1)");
    double sum_hb = 0, sum_bo = 0, late_hb = 0, late_bo = 0;
    int wins = 0;
    const int seeds = 10;
    for (int sd = 1; sd <= seeds; sd++) {
        eo_tune_params p = eo_tune_defaults();
        p.trials = 0;
        p.max_epochs = 9;
        p.budget_epochs = 276;
        p.maximize = 0;
        p.seed = (uint64_t)sd;
        p.strategy = EO_TUNE_HYPERBAND;
        eo_study *h = run(sp, &p, noisy_curve, 1);
        p.strategy = EO_TUNE_BOHB;
        eo_study *b = run(sp, &p, noisy_curve, 1);
        assert_int_equal(eo_study_epochs(b), eo_study_epochs(h));
        assert_int_equal(eo_study_njobs(b), eo_study_njobs(h));
        assert_int_equal(eo_study_ntrials(b), eo_study_ntrials(h));
        /* the first bracket has no model yet: the same 9 configurations */
        for (size_t k = 0; k < 9; k++) {
            eo_tune_record rh, rb;
            eo_study_record(h, k, &rh);
            eo_study_record(b, k, &rb);
            assert_int_equal(rb.trial, rh.trial);
            assert_true(rb.x[0] == rh.x[0] && rb.x[1] == rh.x[1]);
        }
        /* true quality of the configurations each one trains to the full budget,
         * and of the new configurations of the last two iterations */
        double bh = INFINITY, bb = INFINITY;
        long nh = 0, nb = 0;
        double mh = 0, mb = 0;
        for (int which = 0; which < 2; which++) {
            eo_study *st = which ? b : h;
            for (size_t k = 0; k < eo_study_njobs(st); k++) {
                eo_tune_record r;
                eo_study_record(st, k, &r);
                double q = curve_q(r.x);
                if (r.budget == 9) *(which ? &bb : &bh) = fmin(*(which ? &bb : &bh), q);
                if (r.rung == 0 && r.trial >= 2 * 17) {
                    if (which) {
                        mb += q;
                        nb++;
                    } else {
                        mh += q;
                        nh++;
                    }
                }
            }
        }
        assert_true(nb == nh && nb > 0);
        sum_hb += bh;
        sum_bo += bb;
        late_hb += mh / (double)nh;
        late_bo += mb / (double)nb;
        wins += bb < bh;
        eo_study_destroy(h);
        eo_study_destroy(b);
    }
    print_message("mean true loss of the best full-budget configuration over %d seeds: BOHB %.5f, Hyperband %.5f "
                  "(BOHB better on %d); mean of late new configurations: BOHB %.4f, Hyperband %.4f\n",
                  seeds, sum_bo / seeds, sum_hb / seeds, wins, late_bo / seeds, late_hb / seeds);
    /* sampling follows the model (a third stays uniform, so the ratio cannot go
     * below about 1/3; an ignored model gives about 1) */
    assert_true(late_bo < 0.8 * late_hb);
    assert_true(sum_bo < sum_hb);
    eo_space_destroy(sp);
}

static void test_halving(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(0,1);b=uniform(0,1)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_HALVING;
    p.trials = 27;
    p.max_epochs = 9;
    p.maximize = 0;
    eo_study *st = run(sp, &p, curve, 0);
    long cnt[3] = {0};
    static const int bud[3] = {1, 3, 9};
    for (size_t k = 0; k < eo_study_njobs(st); k++) {
        eo_tune_record r;
        eo_study_record(st, k, &r);
        assert_true(r.rung < 3);
        assert_int_equal(r.budget, bud[r.rung]);
        cnt[r.rung]++;
    }
    assert_int_equal(cnt[0], 27);
    assert_int_equal(cnt[1], 9);
    assert_int_equal(cnt[2], 3);
    /* an objective that starts over: each job costs its whole budget */
    assert_int_equal(eo_study_epochs(st), 27 * 1 + 9 * 2 + 3 * 6);
    eo_study_destroy(st);
    eo_space_destroy(sp);
}

static void test_grid_study(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=choice(x,y,z);b=int(1,4);c=log(0.1,10,grid=3)");
    eo_tune_params p = eo_tune_defaults();
    p.strategy = EO_TUNE_GRID;
    p.trials = 0;
    p.grid_points = 4;
    p.maximize = 0;
    eo_study *st = run(sp, &p, quad2, 0);
    assert_int_equal(eo_study_njobs(st), 3 * 4 * 3);
    unsigned char seen[36] = {0};
    for (size_t k = 0; k < 36; k++) {
        eo_tune_record r;
        eo_study_record(st, k, &r);
        int a = (int)r.x[0], b = (int)r.x[1] - 1, c = (int)lround(log10(r.x[2])) + 1;
        assert_true(a >= 0 && a < 3 && b >= 0 && b < 4 && c >= 0 && c < 3);
        EO_ASSERT_CLOSE(r.x[2], pow(10, c - 1), 1e-12, 0);
        seen[(a * 4 + b) * 3 + c]++;
    }
    for (int i = 0; i < 36; i++) assert_int_equal(seen[i], 1);
    eo_study_destroy(st);
    p.trials = 10; /* the first 10 points only */
    st = run(sp, &p, quad2, 0);
    assert_int_equal(eo_study_njobs(st), 10);
    eo_study_destroy(st);
    eo_space_destroy(sp);
}

static void same_sequence(eo_study *a, eo_study *b, size_t dim, int want_same)
{
    size_t n = eo_study_njobs(a);
    int same = n == eo_study_njobs(b);
    for (size_t k = 0; same && k < n; k++) {
        eo_tune_record ra, rb;
        eo_study_record(a, k, &ra);
        eo_study_record(b, k, &rb);
        same = ra.trial == rb.trial && ra.budget == rb.budget && ra.seed == rb.seed;
        for (size_t i = 0; same && i < dim; i++) same = ra.x[i] == rb.x[i];
        if (same) same = ra.r->score == rb.r->score;
    }
    assert_int_equal(same, want_same);
}

static void test_deterministic(void **state)
{
    (void)state;
    eo_space *sp = space_of("a=uniform(-1,1);b=uniform(-1,1)");
    for (int s = 0; s < EO_TUNE_STRATEGY_COUNT; s++) {
        eo_tune_params p = eo_tune_defaults();
        p.strategy = (eo_tune_strategy)s;
        p.trials = s == EO_TUNE_HALVING ? 9 : 16;
        p.max_epochs = 9;
        p.n_startup = 5;
        p.n_candidates = s == EO_TUNE_GP ? 200 : 0;
        p.maximize = 0;
        p.seed = 11;
        eo_study *a = run(sp, &p, quad2, 1), *b = run(sp, &p, quad2, 1);
        same_sequence(a, b, 2, 1);
        for (size_t k = 0; k < eo_study_njobs(a); k++) {
            eo_tune_record r;
            eo_study_record(a, k, &r);
            assert_int_equal(eo_space_check(sp, r.x, NULL), EO_OK);
        }
        if (s != EO_TUNE_GRID) {
            p.seed = 12;
            eo_study *c = run(sp, &p, quad2, 1);
            same_sequence(a, c, 2, 0);
            eo_study_destroy(c);
        }
        eo_study_destroy(a);
        eo_study_destroy(b);
    }
    eo_space_destroy(sp);
}

static double true_best(eo_study *st)
{
    double best = INFINITY;
    for (size_t k = 0; k < eo_study_njobs(st); k++) {
        eo_tune_record r;
        eo_study_record(st, k, &r);
        double f = (r.x[0] - 0.3) * (r.x[0] - 0.3) + (r.x[1] + 0.2) * (r.x[1] + 0.2);
        if (f < best) best = f;
    }
    return best;
}

static void test_tpe_beats_random(void **state)
{
    (void)state;
    eo_space *sp = space_of("x=uniform(-1,1);y=uniform(-1,1)");
    double sum_tpe = 0, sum_rnd = 0;
    int wins = 0;
    const int seeds = 10;
    for (int sd = 1; sd <= seeds; sd++) {
        eo_tune_params p = eo_tune_defaults();
        p.trials = 40;
        p.n_startup = 10;
        p.lag = 0;
        p.maximize = 0;
        p.seed = (uint64_t)sd;
        p.strategy = EO_TUNE_RANDOM;
        eo_study *r = run(sp, &p, quad2, 0);
        p.strategy = EO_TUNE_TPE;
        eo_study *t = run(sp, &p, quad2, 0);
        double br = true_best(r), bt = true_best(t);
        sum_rnd += br;
        sum_tpe += bt;
        wins += bt < br;
        eo_study_destroy(r);
        eo_study_destroy(t);
    }
    print_message("mean best f over %d seeds: TPE %.5f, random %.5f (TPE better on %d)\n", seeds, sum_tpe / seeds,
                  sum_rnd / seeds, wins);
    assert_true(sum_tpe < 0.5 * sum_rnd);
    assert_true(wins >= 7);
    eo_space_destroy(sp);
}

static double f1d(double x)
{
    return sin(3 * x) + 0.3 * x * x - 0.2 * x;
}

static double gp_obj(const double *x, const eo_tune_job *job)
{
    (void)job;
    return f1d(x[0]);
}

static void test_gp_1d(void **state)
{
    (void)state;
    /* reference minimum on a fine grid */
    double fmin = INFINITY, xmin = 0;
    for (int i = 0; i <= 400000; i++) {
        double x = -3 + 6.0 * i / 400000;
        if (f1d(x) < fmin) {
            fmin = f1d(x);
            xmin = x;
        }
    }
    eo_space *sp = space_of("x=uniform(-3,3)");
    int found = 0;
    for (int sd = 1; sd <= 5; sd++) {
        eo_tune_params p = eo_tune_defaults();
        p.strategy = EO_TUNE_GP;
        p.trials = 15;
        p.n_startup = 4;
        p.lag = 0;
        p.maximize = 0;
        p.seed = (uint64_t)sd;
        eo_study *st = run(sp, &p, gp_obj, 0);
        long b = eo_study_best(st);
        eo_tune_record r;
        eo_study_record(st, (size_t)b, &r);
        print_message("seed %d: GP best f %.6f at x %.4f (minimum %.6f at %.4f)\n", sd, r.r->score, r.x[0], fmin, xmin);
        found += r.r->score - fmin < 1e-3;
        eo_study_destroy(st);
    }
    assert_true(found >= 4);
    eo_space_destroy(sp);
}

/* 1 when a dominates b (minimization) */
static int dom(const double *a, const double *b, size_t m)
{
    int strict = 0;
    for (size_t k = 0; k < m; k++) {
        if (a[k] > b[k]) return 0;
        if (a[k] < b[k]) strict = 1;
    }
    return strict;
}

static void test_pareto(void **state)
{
    (void)state;
    static const double pts[7][2] = {{1, 5}, {2, 3}, {3, 4}, {4, 1}, {2, 3}, {5, 5}, {NAN, 1}};
    static const int want[7] = {0, 0, 1, 0, 0, 2, -1};
    int rank[7];
    assert_int_equal(eo_tune_nondominated_sort(7, 2, &pts[0][0], rank), EO_OK);
    for (int i = 0; i < 7; i++) assert_int_equal(rank[i], want[i]);
    /* random sets in 3 objectives against the definition */
    eo_rng r;
    eo_rng_seed(&r, 3);
    enum { N = 120, M = 3 };
    double f[N * M];
    int rk[N];
    for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < N * M; i++) f[i] = (double)eo_rng_below(&r, 12);
        assert_int_equal(eo_tune_nondominated_sort(N, M, f, rk), EO_OK);
        for (int i = 0; i < N; i++) {
            int dominated = 0, by_prev = rk[i] == 0;
            for (int j = 0; j < N; j++) {
                if (!dom(f + j * M, f + i * M, M)) continue;
                dominated = 1;
                assert_true(rk[j] < rk[i]);          /* dominators come on earlier fronts */
                if (rk[j] == rk[i] - 1) by_prev = 1; /* and one on the front just before */
            }
            assert_int_equal(rk[i] == 0, !dominated);
            assert_true(by_prev);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hyperband_table), cmocka_unit_test(test_hyperband_study),
        cmocka_unit_test(test_hyperband_fills_budget), cmocka_unit_test(test_bohb),
        cmocka_unit_test(test_halving),         cmocka_unit_test(test_grid_study),
        cmocka_unit_test(test_deterministic),   cmocka_unit_test(test_tpe_beats_random),
        cmocka_unit_test(test_gp_1d),           cmocka_unit_test(test_pareto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
