/* First-order optimizers against PyTorch: every optimizer and a set of
 * hyperparameter configs follow the trajectories of torch.optim (float64)
 * written by scripts/ref/optim_ref.py, step by step, on 2-D Rosenbrock and an
 * ill-conditioned quadratic (with and without a weight-decay mask); the
 * defaults are torch's; the float32 path tracks the float64 path. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/optim.h"

#define MAXN 8
#define MAXCFG 64
#define LINE 65536

/* Relative tolerance of the issue, plus a tiny absolute floor for entries
 * that pass near 0. */
#define RTOL 1e-5
#define ATOL 1e-10

typedef struct config {
    char spec[256];
    int has_mask;
    uint8_t mask[MAXN];
    double *traj; /* [steps][n] */
} config;

typedef struct problem {
    char name[32];
    int n, steps;
    double x0[MAXN], d[MAXN], c[MAXN];
    int ncfg;
    config cfg[MAXCFG];
} problem;

static char *next_line(FILE *f, char *buf)
{
    while (fgets(buf, LINE, f)) {
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r')) buf[--l] = '\0';
        if (l && buf[0] != '#') return buf;
    }
    return NULL;
}

/* Read up to n doubles after the first `skip` words of s. */
static int read_doubles(const char *s, int skip, double *out, int n)
{
    const char *p = s;
    for (int i = 0; i < skip; i++) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') p++;
    }
    int k = 0;
    while (k < n) {
        char *e;
        double v = strtod(p, &e);
        if (e == p) break;
        out[k++] = v;
        p = e;
    }
    return k;
}

static problem *load_problem(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/optim/%s", EO_TEST_DATA_DIR, file);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s (run scripts/ref/optim_ref.py)", path);
    problem *pb = calloc(1, sizeof *pb);
    char *buf = malloc(LINE), *l;
    while ((l = next_line(f, buf)) && strcmp(l, "end")) {
        if (!strncmp(l, "problem ", 8)) {
            snprintf(pb->name, sizeof pb->name, "%s", l + 8);
        } else if (!strncmp(l, "n ", 2)) {
            pb->n = atoi(l + 2);
            assert_true(pb->n > 0 && pb->n <= MAXN);
        } else if (!strncmp(l, "steps ", 6)) {
            pb->steps = atoi(l + 6);
        } else if (!strncmp(l, "x0 ", 3)) {
            assert_int_equal(read_doubles(l, 1, pb->x0, pb->n), pb->n);
        } else if (!strncmp(l, "d ", 2)) {
            assert_int_equal(read_doubles(l, 1, pb->d, pb->n), pb->n);
        } else if (!strncmp(l, "c ", 2)) {
            assert_int_equal(read_doubles(l, 1, pb->c, pb->n), pb->n);
        } else if (!strncmp(l, "config ", 7)) {
            assert_true(pb->ncfg < MAXCFG);
            config *c = &pb->cfg[pb->ncfg++];
            char *m = strstr(l, " mask ");
            if (m) {
                *m = '\0';
                c->has_mask = 1;
                for (int i = 0; i < pb->n; i++) c->mask[i] = (uint8_t)(m[6 + i] == '1');
            }
            snprintf(c->spec, sizeof c->spec, "%s", l + 7);
            c->traj = malloc(sizeof(double) * (size_t)pb->steps * (size_t)pb->n);
            for (int t = 0; t < pb->steps; t++) {
                l = next_line(f, buf);
                assert_non_null(l);
                assert_int_equal(read_doubles(l, 0, c->traj + (size_t)t * pb->n, pb->n), pb->n);
            }
        }
    }
    free(buf);
    fclose(f);
    assert_true(pb->steps >= 200);
    return pb;
}

static void free_problem(problem *pb)
{
    for (int i = 0; i < pb->ncfg; i++) free(pb->cfg[i].traj);
    free(pb);
}

/* Gradient of f (or of -f when maximizing: the reference does the same). */
static void gradient(const problem *pb, const double *x, double *g, int negate)
{
    if (!strcmp(pb->name, "rosenbrock")) {
        g[0] = -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]);
        g[1] = 200.0 * (x[1] - x[0] * x[0]);
    } else {
        for (int i = 0; i < pb->n; i++) g[i] = pb->d[i] * (x[i] - pb->c[i]);
    }
    if (negate)
        for (int i = 0; i < pb->n; i++) g[i] = -g[i];
}

/* Run every config in float64 and compare each step. */
static void check_problem(const char *file, int min_configs)
{
    problem *pb = load_problem(file);
    assert_true(pb->ncfg >= min_configs);
    int kinds_seen[EO_OPTIM_COUNT] = {0};
    double worst_all = 0.0;
    for (int k = 0; k < pb->ncfg; k++) {
        const config *c = &pb->cfg[k];
        eo_optim_params p;
        eo_error err;
        int rc = eo_optim_parse(c->spec, &p, &err);
        if (rc) fail_msg("%s: %s", c->spec, err.msg);
        kinds_seen[p.kind] = 1;
        eo_optimizer *o = NULL;
        assert_int_equal(eo_optimizer_create(&p, (size_t)pb->n, NULL, &o, &err), EO_OK);
        double x[MAXN], g[MAXN], worst = 0.0;
        memcpy(x, pb->x0, sizeof(double) * (size_t)pb->n);
        for (int t = 0; t < pb->steps; t++) {
            gradient(pb, x, g, p.maximize);
            assert_int_equal(eo_optimizer_step_f64(o, x, g, c->has_mask ? c->mask : NULL), EO_OK);
            const double *ref = c->traj + (size_t)t * pb->n;
            for (int i = 0; i < pb->n; i++) {
                double e = fabs(x[i] - ref[i]);
                if (!(e <= ATOL + RTOL * fabs(ref[i])))
                    fail_msg("%s on %s%s: step %d, x[%d] = %.17g, PyTorch %.17g", c->spec, pb->name,
                             c->has_mask ? " (masked)" : "", t + 1, i, x[i], ref[i]);
                double r = e / (fabs(ref[i]) + 1e-300);
                if (r > worst) worst = r;
            }
        }
        assert_int_equal(eo_optimizer_steps(o), pb->steps);
        if (worst > worst_all) worst_all = worst;
        eo_optimizer_destroy(o);
    }
    for (int k = 0; k < EO_OPTIM_COUNT; k++)
        if (!kinds_seen[k] && !strcmp(pb->name, "rosenbrock"))
            fail_msg("no reference for %s", eo_optim_kind_name(k));
    printf("# %s: %d configs x %d steps, worst relative deviation from PyTorch %.3g\n", pb->name,
           pb->ncfg, pb->steps, worst_all);
    free_problem(pb);
}

static void test_reference_rosenbrock(void **state)
{
    (void)state;
    check_problem("traj_rosenbrock.txt", 20);
}

static void test_reference_quadratic(void **state)
{
    (void)state;
    check_problem("traj_quadratic.txt", 15);
}

/* The reference trajectory must be able to fail: a slightly different
 * hyperparameter leaves it within a few steps. */
static void test_reference_discriminates(void **state)
{
    (void)state;
    problem *pb = load_problem("traj_rosenbrock.txt");
    const config *c = NULL;
    for (int k = 0; k < pb->ncfg; k++)
        if (!strcmp(pb->cfg[k].spec, "adam:lr=0.01")) c = &pb->cfg[k];
    assert_non_null(c);
    eo_optim_params p;
    assert_int_equal(eo_optim_parse("adam:lr=0.01,beta2=0.998", &p, NULL), EO_OK);
    eo_optimizer *o;
    assert_int_equal(eo_optimizer_create(&p, 2, NULL, &o, NULL), EO_OK);
    double x[2] = {pb->x0[0], pb->x0[1]}, g[2];
    int diverged = 0;
    for (int t = 0; t < pb->steps && !diverged; t++) {
        gradient(pb, x, g, 0);
        eo_optimizer_step_f64(o, x, g, NULL);
        for (int i = 0; i < 2; i++)
            if (fabs(x[i] - c->traj[2 * t + i]) > ATOL + RTOL * fabs(c->traj[2 * t + i])) diverged = 1;
    }
    assert_true(diverged);
    eo_optimizer_destroy(o);
    free_problem(pb);
}

/* eo_optim_defaults equals torch.optim's constructor defaults. */
static void test_defaults_are_torch(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/optim/defaults.txt", EO_TEST_DATA_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = malloc(LINE), *l;
    int lines = 0;
    while ((l = next_line(f, buf))) {
        char name[32];
        int used;
        assert_int_equal(sscanf(l, "defaults %31s %n", name, &used), 1);
        int kind = eo_optim_kind_from_name(name);
        assert_true(kind >= 0);
        eo_optim_params p = eo_optim_defaults((eo_optim_kind)kind);
        assert_null(eo_optim_check(&p));
        const char *s = l + used;
        char key[64];
        double v;
        int m;
        while (sscanf(s, "%63s %lf%n", key, &v, &m) == 2) {
            /* Read each default back through the spec parser ("NAME:key=value"
             * must leave p unchanged) so the key names are checked too. */
            char spec[128];
            eo_optim_params q;
            snprintf(spec, sizeof spec, "%s:%s=%.17g", name, key, v);
            eo_error err;
            if (eo_optim_parse(spec, &q, &err)) fail_msg("%s: %s", spec, err.msg);
            if (memcmp(&p, &q, sizeof p)) fail_msg("%s: default differs from torch's", spec);
            s += m;
        }
        lines++;
    }
    assert_int_equal(lines, EO_OPTIM_COUNT);
    free(buf);
    fclose(f);
}

/* The float32 path runs the same formulas in float: on a well-conditioned
 * quadratic it stays within float rounding of the float64 trajectory. */
static void test_f32_tracks_f64(void **state)
{
    (void)state;
    static const char *const specs[] = {
        "sgd:lr=0.05,momentum=0.9,nesterov,weight_decay=0.01",
        "adagrad:lr=0.1,lr_decay=0.001",
        "rmsprop:lr=0.01,centered,momentum=0.5",
        "adadelta:lr=1",
        "adam:lr=0.01,weight_decay=0.01",
        "adamw:lr=0.01,amsgrad",
        "nadam:lr=0.01,decoupled_weight_decay,weight_decay=0.01",
        "radam:lr=0.01",
    };
    enum { N = 16, STEPS = 300 };
    double d[N], c[N];
    for (int i = 0; i < N; i++) {
        d[i] = 1.0 + 3.0 * i / (N - 1); /* kappa = 4 */
        c[i] = 0.5 * sin(1.0 + i);
    }
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        eo_optim_params p;
        assert_int_equal(eo_optim_parse(specs[s], &p, NULL), EO_OK);
        eo_optimizer *o64, *o32;
        assert_int_equal(eo_optimizer_create_prec(&p, N, EO_OPTIM_PREC_F64, NULL, &o64, NULL), EO_OK);
        assert_int_equal(eo_optimizer_create_prec(&p, N, EO_OPTIM_PREC_F32, NULL, &o32, NULL), EO_OK);
        double x[N], g[N];
        float xf[N], gf[N];
        for (int i = 0; i < N; i++) xf[i] = (float)(x[i] = 1.0 + 0.1 * i);
        double worst = 0.0, moved = 0.0;
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < N; i++) {
                g[i] = d[i] * (x[i] - c[i]);
                gf[i] = (float)d[i] * (xf[i] - (float)c[i]);
            }
            eo_optimizer_step_f64(o64, x, g, NULL);
            eo_optimizer_step_f32(o32, xf, gf, NULL);
            for (int i = 0; i < N; i++) {
                double e = fabs((double)xf[i] - x[i]);
                if (e > worst) worst = e;
            }
        }
        for (int i = 0; i < N; i++) moved += fabs(x[i] - (1.0 + 0.1 * i));
        /* float eps ~ 6e-8 per operation; a few hundred contracting steps stay well under 1e-4. */
        if (worst > 1e-4) fail_msg("%s: float32 path is %g away from float64", specs[s], worst);
        assert_true(moved > 0.1); /* the trajectories did go somewhere */
        /* And they are genuinely float: not bit-equal to a double run. */
        assert_true(worst > 0.0);
        eo_optimizer_destroy(o64);
        eo_optimizer_destroy(o32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_rosenbrock),
        cmocka_unit_test(test_reference_quadratic),
        cmocka_unit_test(test_reference_discriminates),
        cmocka_unit_test(test_defaults_are_torch),
        cmocka_unit_test(test_f32_tracks_f64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
