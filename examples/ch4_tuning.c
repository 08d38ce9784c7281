/* Chapter 4 (docs/guide/04-tuning.md): the tuning API with your own objective.
 *
 * What is tuned: the learning rate and the momentum of SGD (heavy ball) on an
 * ill-conditioned quadratic (10-D, condition number kappa = 100), scored by
 * log10 f after 100 steps (smaller is better). Theory knows the answer
 * (chapter 2): lr = 4 / (sqrt L + sqrt mu)^2 = 0.033, momentum = ((sqrt kappa
 * - 1) / (sqrt kappa + 1))^2 = 0.67, so we can see how close each strategy
 * gets with 30 trials of the space
 *     lr = log(1e-3, 1); momentum = uniform(0, 0.99)
 * The objective is a C callback (eo_tune_eval_fn); each "epoch" of a trial is
 * 20 optimizer steps, so Hyperband can stop bad trials early.
 *
 * Output lines (tests/docs/test_examples.sh):
 *   best STRATEGY trials N evaluations E lr L momentum M f F gd_optimal_f G
 * where gd_optimal_f is plain gradient descent with its best fixed step
 * 2 / (L + mu) and no momentum, for the same 100 steps. */
#include <math.h>
#include <stdio.h>

#include "edgeopt/edgeopt.h"
#include "edgeopt/tune.h"

#define DIM 10
#define KAPPA 100.0
#define STEPS_PER_EPOCH 20
#define EPOCHS 5

/* f after `steps` heavy-ball steps from x = (1, ..., 1). */
static double run_sgd(double lr, double momentum, long steps)
{
    eo_error err;
    eo_testfn fn;
    char spec[64];
    snprintf(spec, sizeof spec, "quadratic:dim=%d,cond=%g", DIM, KAPPA);
    if (eo_testfn_parse(spec, &fn, &err) != EO_OK) return NAN;
    eo_optim_params p = eo_optim_defaults(EO_OPTIM_SGD);
    p.lr = lr;
    p.momentum = momentum;
    eo_optimizer *o = NULL;
    if (eo_optimizer_create(&p, DIM, NULL, &o, &err) != EO_OK) return NAN;
    double x[DIM], g[DIM];
    for (int i = 0; i < DIM; i++) x[i] = 1.0;
    double f = 0;
    for (long k = 0; k < steps; k++) {
        eo_testfn_eval(DIM, x, g, &fn);
        eo_optimizer_step_f64(o, x, g, NULL);
    }
    f = eo_testfn_eval(DIM, x, NULL, &fn);
    eo_optimizer_destroy(o);
    return f;
}

/* The objective: one job = one configuration for job->budget "epochs". It
 * reports log10 f after every epoch (so the pruner and Hyperband can act) and
 * returns the last one. Diverging runs (f not finite or huge) score 10. */
static int objective(const eo_tune_job *job, eo_tune_reporter *rep, eo_tune_result *out, void *user)
{
    (void)user;
    double lr = job->x[0], mom = job->x[1], score = 10;
    for (int e = 1; e <= job->budget; e++) {
        double f = run_sgd(lr, mom, (long)e * STEPS_PER_EPOCH);
        score = isfinite(f) && f < 1e10 ? log10(f + 1e-300) : 10.0;
        if (eo_tune_report(rep, 0, e, score)) break; /* pruned or interrupted */
    }
    out->status = EO_TRIAL_OK;
    out->score = score;
    out->epochs = job->budget - job->prev_budget;
    return EO_OK;
}

static int study(const char *strategy, const eo_space *space, double gd_best)
{
    eo_error err;
    eo_tune_params p = eo_tune_defaults();
    p.strategy = eo_tune_strategy_from_name(strategy);
    p.trials = 30;
    p.max_epochs = EPOCHS;
    p.maximize = 0;     /* the score is log10 f: smaller is better */
    p.grid_points = 5;  /* grid: 5 x 5 = 25 points */
    p.seed = 7;
    p.budget_epochs = 30 * EPOCHS; /* the same epoch budget for every strategy */
    eo_study *s = NULL;
    if (eo_study_create(space, &p, &s, &err) != EO_OK) goto fail;
    eo_tune_objective obj = {.eval = objective, .measure = NULL, .user = NULL, .continues = 0, .epoch_cost = 1};
    if (eo_study_run(s, &obj, &err) != EO_OK) goto fail;
    long best = eo_study_best(s);
    eo_tune_record r;
    if (best < 0 || eo_study_record(s, (size_t)best, &r) != EO_OK) {
        fprintf(stderr, "%s: no result\n", strategy);
        eo_study_destroy(s);
        return 1;
    }
    printf("best %s trials %ld evaluations %zu lr %.4g momentum %.3f f %.3g gd_optimal_f %.3g\n", strategy,
           eo_study_ntrials(s), eo_study_njobs(s), r.x[0], r.x[1], pow(10.0, r.r->score), gd_best);
    eo_study_destroy(s);
    return 0;
fail:
    fprintf(stderr, "%s: %s\n", strategy, err.msg);
    eo_study_destroy(s);
    return 1;
}

int main(void)
{
    eo_error err;
    eo_space *space = NULL;
    if (eo_space_parse("lr=log(1e-3,1); momentum=uniform(0,0.99)", NULL, &space, &err) != EO_OK) {
        fprintf(stderr, "space: %s\n", err.msg);
        return 1;
    }
    const long steps = (long)EPOCHS * STEPS_PER_EPOCH;
    double gd_best = run_sgd(2.0 / (KAPPA + 1.0), 0.0, steps);
    double sk = sqrt(KAPPA);
    double hb = run_sgd(4.0 / ((sk + 1) * (sk + 1)), ((sk - 1) / (sk + 1)) * ((sk - 1) / (sk + 1)), steps);
    printf("theory gd_optimal_f %.3g heavy_ball_optimal_f %.3g\n", gd_best, hb);
    int bad = 0;
    const char *strategies[] = {"grid", "random", "hyperband", "tpe"};
    for (int i = 0; i < 4; i++) bad |= study(strategies[i], space, gd_best);
    eo_space_destroy(space);
    return bad ? 1 : 0;
}
