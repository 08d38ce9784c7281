/* landscape: slices, planes, interpolation and directions, against
 * independent references:
 *   - softmax regression on overlapping blobs, fitted to its optimum by L-BFGS
 *     (a convex problem): the 1-D slice is convex (second differences >= 0)
 *     and minimal at alpha = 0; every slice value equals a model whose
 *     parameters the test set by hand;
 *   - filter normalization: each filter / neuron / depthwise channel block of
 *     the direction has the norm of the weights' block (norms computed here
 *     from the documented layout), biases and batch norm get 0, a zero filter
 *     gets 0;
 *   - the centre of a 2-D grid is the model's own loss, and grid points equal
 *     hand-set models; interpolation end points equal each model's loss;
 *   - the model comes back bit-identical (also after a stop);
 *   - PCA recovers the two directions of a synthetic rank-2 trajectory. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/landscape.h"
#include "edgeopt/minimize.h"
#include "edgeopt/train.h"

static void blobs(size_t n, double noise, eo_dataset *ds)
{
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = n;
    sp.noise = noise;
    sp.seed = 7;
    eo_error e;
    if (eo_data_synthetic(&sp, ds, NULL, &e)) fail_msg("synthetic: %s", e.msg);
    float *x = ds->x; /* features of order 1 (the centres are in [-10, 10]) */
    for (size_t i = 0; i < ds->rows * ds->cols; i++) x[i] *= 0.1f;
}

static eo_model *make(const char *spec, const eo_dataset *ds, int nout, uint64_t seed)
{
    eo_model *m;
    eo_error e;
    if (eo_model_from_spec(spec, ds->shape, nout, NULL, &m, &e)) fail_msg("model %s: %s", spec, e.msg);
    eo_rng r;
    eo_rng_seed_stream(&r, seed, 0);
    eo_model_init_params(m, &r);
    return m;
}

static double loss_of(eo_model *m, const eo_dataset *ds)
{
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_eval_report r;
    eo_error e;
    if (eo_evaluate(m, ds, NULL, 0, NULL, &lp, 256, NULL, &r, &e)) fail_msg("evaluate: %s", e.msg);
    double l = r.loss;
    eo_eval_report_free(&r);
    return l;
}

/* Full-batch mean cross-entropy and its gradient, for L-BFGS. */
typedef struct fb {
    eo_model *m;
    const eo_dataset *ds;
    float *x;
    int32_t *y;
    float *dout;
} fb;

static double fb_f(size_t n, const double *x, double *g, void *user)
{
    fb *u = user;
    float *p = eo_model_params(u->m);
    for (size_t i = 0; i < n; i++) p[i] = (float)x[i];
    const float *o;
    int B = (int)u->ds->rows, k = (int)eo_model_out_numel(u->m);
    eo_model_forward(u->m, u->x, B, 0, NULL, &o);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    float l;
    eo_loss(&lp, o, B, k, u->y, NULL, &l, u->dout);
    if (g) {
        eo_model_zero_grad(u->m);
        eo_model_backward(u->m, u->dout);
        const float *gr = eo_model_grads(u->m);
        for (size_t i = 0; i < n; i++) g[i] = gr[i];
    }
    return l;
}

static void fit_optimum(eo_model *m, const eo_dataset *ds)
{
    size_t n = eo_model_nparams(m), B = ds->rows, k = (size_t)eo_model_out_numel(m);
    fb u = {m, ds, malloc(B * ds->cols * sizeof(float)), malloc(B * sizeof(int32_t)), malloc(B * k * sizeof(float))};
    uint32_t *idx = malloc(B * sizeof *idx);
    for (size_t i = 0; i < B; i++) idx[i] = (uint32_t)i;
    eo_data_gather(ds, NULL, idx, B, u.x, u.y, NULL);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = eo_model_params(m)[i];
    eo_objective obj = {n, fb_f, NULL, NULL, &u};
    eo_minimize_params mp = eo_minimize_defaults(EO_MIN_LBFGS);
    eo_stop stop = eo_stop_defaults();
    stop.gtol = 1e-6;
    stop.max_iter = 2000;
    eo_result res;
    eo_error e;
    int st = eo_minimize(&mp, &obj, x, &stop, NULL, NULL, &res, &e);
    assert_true(st > 0);
    for (size_t i = 0; i < n; i++) eo_model_params(m)[i] = (float)x[i];
    double g = 0;
    double *gr = malloc(n * sizeof *gr);
    fb_f(n, x, gr, &u);
    for (size_t i = 0; i < n; i++) g = fmax(g, fabs(gr[i]));
    if (!(g < 1e-4)) fail_msg("not at the optimum: max |grad| %g after %ld iterations (stop %d)", g, res.iterations, st);
    free(gr);
    free(x);
    free(idx);
    free(u.x);
    free(u.y);
    free(u.dout);
}

static int params_equal(const eo_model *a, const float *saved)
{
    return memcmp(eo_model_params_const(a), saved, eo_model_nparams(a) * sizeof(float)) == 0;
}

static void test_linspace(void **state)
{
    (void)state;
    double v[41];
    eo_landscape_linspace(-1.0, 1.0, 41, v);
    assert_true(v[0] == -1.0 && v[40] == 1.0 && v[20] == 0.0);
    for (int i = 0; i < 41; i++) assert_true(v[i] == -v[40 - i]);
    EO_ASSERT_CLOSE(v[7], -1.0 + 7 * 0.05, 1e-15, 1e-15);
    eo_landscape_linspace(-0.5, 1.5, 41, v);
    assert_true(v[0] == -0.5 && v[10] == 0.0 && v[30] == 1.0 && v[40] == 1.5);
    assert_int_equal(eo_landscape_dirs_from_name("pca"), EO_LANDSCAPE_PCA);
    assert_string_equal(eo_landscape_dirs_name(EO_LANDSCAPE_RANDOM), "random");
    assert_int_equal(eo_landscape_dirs_from_name("spiral"), -1);
}

static void test_convex_slice_at_optimum(void **state)
{
    (void)state;
    eo_dataset ds;
    blobs(300, 6.0, &ds); /* overlapping classes: a finite optimum */
    eo_model *m = make("softmax", &ds, 3, 3);
    fit_optimum(m, &ds);
    size_t n = eo_model_nparams(m);
    float *saved = malloc(n * sizeof *saved), *d = malloc(n * sizeof *d);
    memcpy(saved, eo_model_params(m), n * sizeof *saved);
    eo_rng r;
    eo_rng_seed_stream(&r, 11, 0);
    double alpha[41], loss[41], acc[41];
    eo_landscape_linspace(-1, 1, 41, alpha);
    eo_landscape_data ld = eo_landscape_data_defaults();
    ld.ds = &ds;
    eo_error e;
    for (int trial = 0; trial < 3; trial++) {
        assert_int_equal(eo_landscape_random_direction(m, &r, d), EO_OK);
        if (trial == 2) /* a raw (not normalized) direction, biases included */
            for (size_t i = 0; i < n; i++) d[i] = (float)eo_rng_normal(&r);
        assert_int_equal(eo_landscape_line(m, d, alpha, 41, &ld, loss, acc, &e), EO_OK);
        assert_true(params_equal(m, saved));
        int imin = 0;
        for (int i = 1; i < 41; i++)
            if (loss[i] < loss[imin]) imin = i;
        assert_int_equal(imin, 20);
        for (int i = 1; i < 40; i++) {
            double d2 = loss[i - 1] - 2 * loss[i] + loss[i + 1];
            if (d2 < -1e-6) fail_msg("trial %d: second difference %g < 0 at alpha %g", trial, d2, alpha[i]);
        }
        assert_true(loss[0] > loss[20] && loss[40] > loss[20]);
        assert_true(acc[20] > 0.5 && acc[20] <= 1.0);
        /* Reference: a model whose parameters are set here. */
        eo_model *c;
        assert_int_equal(eo_model_copy(m, &c, &e), EO_OK);
        for (int i = 0; i < 41; i += 8) {
            for (size_t q = 0; q < n; q++)
                eo_model_params(c)[q] = (float)((double)saved[q] + alpha[i] * (double)d[q]);
            assert_true(loss_of(c, &ds) == loss[i]);
        }
        eo_model_destroy(c);
    }
    free(saved);
    free(d);
    eo_model_destroy(m);
    eo_dataset_free(&ds);
}

/* Norm of block [b, b+len) of v. */
static double bnorm(const float *v, size_t b, size_t len)
{
    double s = 0;
    for (size_t j = 0; j < len; j++) s += (double)v[b + j] * (double)v[b + j];
    return sqrt(s);
}

static void test_filter_normalization(void **state)
{
    (void)state;
    int64_t in[3] = {2, 6, 6};
    eo_model *m;
    eo_error e;
    const char *desc = "conv 4 3x3 pad=same -> batchnorm -> relu -> dwconv 3x3 -> dense 5 -> relu -> dense 3";
    assert_int_equal(eo_model_from_description(desc, "test", in, 3, NULL, &m, &e), EO_OK);
    eo_rng r;
    eo_rng_seed_stream(&r, 5, 0);
    eo_model_init_params(m, &r);
    float *p = eo_model_params(m);
    size_t n = eo_model_nparams(m);
    for (size_t i = 0; i < n; i++) p[i] += 0.01f * (float)(i % 7); /* non-zero biases and BN too */
    /* Layout (model.h): conv W[4][2][3][3] b[4]; bn gamma[4] beta[4];
     * dwconv W[4][1][3][3] b[4]; dense W[5][4*4*4] b[5]; dense W[3][5] b[3]. */
    const size_t conv = 0, bn = conv + 4 * 18 + 4, dw = bn + 8, d1 = dw + 4 * 9 + 4, d2 = d1 + 5 * 64 + 5;
    assert_int_equal(d2 + 3 * 5 + 3, n);
    for (size_t j = 0; j < 18; j++) p[conv + 18 + j] = 0.0f; /* filter 1 all zero */
    float *d = malloc(n * sizeof *d);
    assert_int_equal(eo_landscape_random_direction(m, &r, d), EO_OK);
    struct {
        size_t off, rows, fan;
    } blocks[] = {{conv, 4, 18}, {dw, 4, 9}, {d1, 5, 64}, {d2, 3, 5}};
    for (size_t b = 0; b < 4; b++)
        for (size_t u = 0; u < blocks[b].rows; u++) {
            size_t o = blocks[b].off + u * blocks[b].fan;
            double wn = bnorm(p, o, blocks[b].fan), dn = bnorm(d, o, blocks[b].fan);
            if (wn == 0) {
                assert_true(dn == 0);
            } else {
                EO_ASSERT_CLOSE(dn, wn, 1e-5, 0);
            }
        }
    /* biases, batch norm: zero */
    size_t zeros[][2] = {{conv + 72, 4}, {bn, 8}, {dw + 36, 4}, {d1 + 320, 5}, {d2 + 15, 3}};
    for (size_t z = 0; z < 5; z++)
        for (size_t j = 0; j < zeros[z][1]; j++) assert_true(d[zeros[z][0] + j] == 0.0f);
    /* the direction is not a multiple of the weights (it is random per block) */
    double dot = 0;
    for (size_t j = 0; j < 64; j++) dot += (double)d[d1 + j] * (double)p[d1 + j];
    assert_true(fabs(dot) < 0.999 * bnorm(d, d1, 64) * bnorm(p, d1, 64));
    free(d);
    eo_model_destroy(m);
}

static int stop_after(size_t done, size_t total, void *user)
{
    (void)total;
    return done >= *(size_t *)user;
}

static void test_plane_center_and_points(void **state)
{
    (void)state;
    eo_dataset ds;
    blobs(200, 3.0, &ds);
    eo_model *m = make("mlp:8", &ds, 3, 2);
    size_t n = eo_model_nparams(m);
    float *saved = malloc(n * sizeof *saved), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    memcpy(saved, eo_model_params(m), n * sizeof *saved);
    eo_rng r;
    eo_rng_seed_stream(&r, 9, 0);
    eo_landscape_random_direction(m, &r, a);
    eo_landscape_random_direction(m, &r, b);
    double al[5], be[5], loss[25], acc[25];
    eo_landscape_linspace(-1, 1, 5, al);
    eo_landscape_linspace(-0.5, 0.5, 5, be);
    eo_landscape_data ld = eo_landscape_data_defaults();
    ld.ds = &ds;
    eo_error e;
    assert_int_equal(eo_landscape_plane(m, a, b, al, 5, be, 5, &ld, loss, acc, &e), EO_OK);
    assert_true(params_equal(m, saved));
    assert_true(loss[2 * 5 + 2] == loss_of(m, &ds));
    eo_model *c;
    assert_int_equal(eo_model_copy(m, &c, &e), EO_OK);
    size_t pts[][2] = {{0, 0}, {4, 1}, {1, 3}, {3, 4}};
    for (size_t t = 0; t < 4; t++) {
        size_t i = pts[t][0], j = pts[t][1];
        for (size_t q = 0; q < n; q++)
            eo_model_params(c)[q] = (float)((double)saved[q] + al[i] * (double)a[q] + be[j] * (double)b[q]);
        assert_true(loss_of(c, &ds) == loss[j * 5 + i]);
        assert_true(loss[j * 5 + i] != loss[2 * 5 + 2]);
    }
    /* a stop from the progress callback: EO_ERR_INTERRUPTED, model restored */
    size_t lim = 3;
    ld.progress = stop_after;
    ld.progress_user = &lim;
    assert_int_equal(eo_landscape_plane(m, a, b, al, 5, be, 5, &ld, loss, acc, &e), EO_ERR_INTERRUPTED);
    assert_true(params_equal(m, saved));
    eo_model_destroy(c);
    free(saved);
    free(a);
    free(b);
    eo_model_destroy(m);
    eo_dataset_free(&ds);
}

static void test_interpolation_endpoints(void **state)
{
    (void)state;
    eo_dataset ds;
    blobs(200, 3.0, &ds);
    eo_model *A = make("mlp:8:bn=1", &ds, 3, 1), *B = make("mlp:8:bn=1", &ds, 3, 2);
    /* different batch-norm statistics in the two */
    float *bb = eo_model_buffers(B);
    for (size_t i = 0; i < eo_model_nbuffers(B); i++) bb[i] += 0.25f;
    size_t n = eo_model_nparams(A);
    float *sa = malloc(n * sizeof *sa);
    memcpy(sa, eo_model_params(A), n * sizeof *sa);
    double al[5] = {-0.5, 0.0, 0.5, 1.0, 1.5}, loss[5], acc[5];
    eo_landscape_data ld = eo_landscape_data_defaults();
    ld.ds = &ds;
    eo_error e;
    double la = loss_of(A, &ds), lb = loss_of(B, &ds);
    assert_true(la != lb);
    assert_int_equal(eo_landscape_interpolate(A, B, al, 5, &ld, loss, acc, &e), EO_OK);
    assert_true(loss[1] == la);
    assert_true(loss[3] == lb);
    for (int i = 0; i < 5; i++) assert_true(isfinite(loss[i]) && acc[i] >= 0 && acc[i] <= 1);
    assert_true(params_equal(A, sa));
    /* different architectures are refused */
    eo_model *C = make("mlp:9:bn=1", &ds, 3, 2);
    assert_int_equal(eo_landscape_interpolate(A, C, al, 5, &ld, loss, acc, &e), EO_ERR_SHAPE);
    eo_model_destroy(C);
    free(sa);
    eo_model_destroy(A);
    eo_model_destroy(B);
    eo_dataset_free(&ds);
}

static void test_pca_recovers_directions(void **state)
{
    (void)state;
    enum { N = 60, K = 12 };
    eo_rng r;
    eo_rng_seed_stream(&r, 3, 0);
    double u[N], v[N];
    float c[N], traj[K * N], d1[N], d2[N];
    for (int q = 0; q < N; q++) {
        u[q] = eo_rng_normal(&r);
        v[q] = eo_rng_normal(&r);
        c[q] = (float)eo_rng_normal(&r);
    }
    /* Gram-Schmidt: u, v orthonormal */
    double nu = 0, uv = 0, nv = 0;
    for (int q = 0; q < N; q++) nu += u[q] * u[q];
    for (int q = 0; q < N; q++) u[q] /= sqrt(nu);
    for (int q = 0; q < N; q++) uv += u[q] * v[q];
    for (int q = 0; q < N; q++) v[q] -= uv * u[q];
    for (int q = 0; q < N; q++) nv += v[q] * v[q];
    for (int q = 0; q < N; q++) v[q] /= sqrt(nv);
    /* Coordinates along u and v: a descends to 0 (the centre), b is made
     * uncorrelated with a (zero mean, orthogonal to a - mean a), so the
     * principal axes of the centred trajectory are exactly u and v. */
    double a[K], b[K], ma = 0, mb = 0, ab = 0, aa = 0;
    for (int i = 0; i < K; i++) {
        a[i] = -3.0 * (K - 1 - i);
        b[i] = 1.5 * sin(1.3 * i);
        ma += a[i] / K;
        mb += b[i] / K;
    }
    for (int i = 0; i < K; i++) {
        b[i] -= mb;
        ab += (a[i] - ma) * b[i];
        aa += (a[i] - ma) * (a[i] - ma);
    }
    for (int i = 0; i < K; i++) {
        b[i] -= ab / aa * (a[i] - ma);
        for (int q = 0; q < N; q++) traj[i * N + q] = (float)(c[q] + a[i] * u[q] + b[i] * v[q]);
    }
    double ratio[2], coords[2 * K];
    eo_error e;
    assert_int_equal(eo_landscape_pca(traj, K, N, c, d1, d2, ratio, coords, &e), EO_OK);
    double c1 = 0, c2 = 0, c12 = 0;
    for (int q = 0; q < N; q++) {
        c1 += d1[q] * u[q];
        c2 += d2[q] * v[q];
        c12 += d1[q] * d2[q];
    }
    assert_true(fabs(c1) > 0.9999);
    assert_true(fabs(c2) > 0.999);
    assert_true(fabs(c12) < 1e-4);
    EO_ASSERT_CLOSE(ratio[0] + ratio[1], 1.0, 1e-6, 0);
    assert_true(ratio[0] > ratio[1]);
    assert_true(coords[0] <= 0); /* the run heads towards +d1 */
    for (int i = 0; i < K; i++) {
        EO_ASSERT_CLOSE(fabs(coords[2 * i]), fabs(a[i]), 1e-4, 1e-4);
        EO_ASSERT_CLOSE(fabs(coords[2 * i + 1]), fabs(b[i]), 1e-4, 1e-4);
    }
    /* a straight-line trajectory has no second direction */
    for (int i = 0; i < K; i++)
        for (int q = 0; q < N; q++) traj[i * N + q] = (float)(c[q] + a[i] * u[q]);
    assert_int_equal(eo_landscape_pca(traj, K, N, c, d1, d2, ratio, coords, &e), EO_ERR_INVALID);
    assert_int_equal(eo_landscape_pca(traj, 1, N, c, d1, d2, ratio, coords, &e), EO_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linspace),
        cmocka_unit_test(test_convex_slice_at_optimum),
        cmocka_unit_test(test_filter_normalization),
        cmocka_unit_test(test_plane_center_and_points),
        cmocka_unit_test(test_interpolation_endpoints),
        cmocka_unit_test(test_pca_recovers_directions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
