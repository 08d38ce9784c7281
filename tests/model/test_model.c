/* Model-level behaviour: batch-norm train/eval statistics, folding, dropout
 * statistics, no allocation after reserve, initialization, copy, parallel
 * plumbing, call-order errors, closed-form linear regression. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"

static eo_model *desc_model(const char *text, const int64_t in[3], int nout)
{
    eo_model *m = NULL;
    eo_error err;
    if (eo_model_from_description(text, "test", in, nout, NULL, &m, &err) != EO_OK)
        fail_msg("%s: %s", text, err.msg);
    return m;
}

static void fill(eo_rng *r, float *v, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)(lo + (hi - lo) * eo_rng_uniform(r));
}

/* Batch norm: batch statistics and running averages in train mode, running
 * statistics in eval mode, against formulas evaluated here in double. */
static void test_batchnorm_modes(void **state)
{
    (void)state;
    int64_t in[3] = {2, 3, 3};
    eo_model *m = desc_model("batchnorm momentum=0.2", in, 0);
    const int B = 4, S = 9, C = 2;
    float x[4 * 18];
    eo_rng r;
    eo_rng_seed(&r, 3);
    fill(&r, x, 72, -1.0, 3.0);
    float *p = eo_model_params(m), *buf = eo_model_buffers(m);
    p[0] = 1.5f, p[1] = 0.5f, p[2] = -0.25f, p[3] = 2.0f; /* gamma, beta */
    const float *y;
    assert_int_equal(eo_model_forward(m, x, B, 1, NULL, &y), EO_OK);
    for (int c = 0; c < C; c++) {
        double mu = 0, var = 0;
        for (int s = 0; s < B; s++)
            for (int k = 0; k < S; k++) mu += x[s * 18 + c * S + k];
        mu /= B * S;
        for (int s = 0; s < B; s++)
            for (int k = 0; k < S; k++) var += pow(x[s * 18 + c * S + k] - mu, 2);
        var /= B * S;
        for (int s = 0; s < B; s++)
            for (int k = 0; k < S; k++) {
                int i = s * 18 + c * S + k;
                EO_ASSERT_CLOSE(y[i], p[c] * (x[i] - mu) / sqrt(var + 1e-5) + p[2 + c], 1e-5, 1e-5);
            }
        EO_ASSERT_CLOSE(buf[c], 0.2 * mu, 1e-5, 1e-7);
        EO_ASSERT_CLOSE(buf[2 + c], 0.8 + 0.2 * var * 36.0 / 35.0, 1e-5, 0);
    }
    /* Eval: the running statistics, and the running ones do not move. */
    float keep[4];
    memcpy(keep, buf, sizeof keep);
    assert_int_equal(eo_model_forward(m, x, B, 0, NULL, &y), EO_OK);
    assert_memory_equal(keep, buf, sizeof keep);
    for (int i = 0; i < 72; i++) {
        int c = (i % 18) / S;
        EO_ASSERT_CLOSE(y[i], p[c] * (x[i] - buf[c]) / sqrt(buf[2 + c] + 1e-5) + p[2 + c], 1e-5, 1e-5);
    }
    eo_model_destroy(m);
}

static void test_fold_batchnorm(void **state)
{
    (void)state;
    int64_t in[3] = {2, 8, 8};
    eo_model *m = desc_model("conv 4 3x3 pad=1 -> bn -> relu -> dwconv 3x3 -> bn -> relu6 -> gap -> dense 6 -> bn"
                             " -> tanh -> bn -> dense 3",
                             in, 3);
    eo_rng r;
    eo_rng_seed(&r, 11);
    eo_model_init_params(m, &r);
    /* Train-mode passes give real running statistics; random affine params. */
    float x[5 * 128];
    const float *y;
    for (int it = 0; it < 5; it++) {
        fill(&r, x, sizeof x / sizeof x[0], -1.0, 2.0);
        assert_int_equal(eo_model_forward(m, x, 5, 1, NULL, &y), EO_OK);
    }
    float *p = eo_model_params(m);
    const uint8_t *mask = eo_model_weight_mask(m);
    for (size_t i = 0; i < eo_model_nparams(m); i++)
        if (!mask[i]) p[i] += (float)(0.5 * eo_rng_uniform(&r));
    eo_model *f = NULL;
    eo_error err;
    assert_int_equal(eo_model_fold_batchnorm(m, &f, &err), EO_OK);
    /* Three of the four batch norms follow a conv/dwconv/dense; the one after
     * tanh stays. */
    assert_int_equal(eo_model_nlayers(f), eo_model_nlayers(m) - 3);
    int nbn = 0;
    for (int i = 0; i < eo_model_nlayers(f); i++) {
        eo_layer_desc d;
        eo_model_layer(f, i, &d, NULL, NULL, NULL, NULL);
        nbn += d.kind == EO_LAYER_BATCHNORM;
    }
    assert_int_equal(nbn, 1);
    fill(&r, x, sizeof x / sizeof x[0], -1.0, 2.0);
    float ym[15];
    assert_int_equal(eo_model_forward(m, x, 5, 0, NULL, &y), EO_OK);
    memcpy(ym, y, sizeof ym);
    assert_int_equal(eo_model_forward(f, x, 5, 0, NULL, &y), EO_OK);
    for (int i = 0; i < 15; i++) EO_ASSERT_CLOSE(y[i], ym[i], 1e-5, 1e-5);
    eo_model_destroy(f);
    eo_model_destroy(m);
}

static void test_dropout_statistics(void **state)
{
    (void)state;
    const int n = 20000;
    int64_t in[3] = {1, 1, n};
    eo_model *m = desc_model("dropout 0.3", in, 0);
    float *x = malloc((size_t)n * sizeof(float));
    for (int i = 0; i < n; i++) x[i] = 1.0f + (float)(i % 7) * 0.25f;
    const float *y;
    /* Eval: exactly the identity. */
    assert_int_equal(eo_model_forward(m, x, 1, 0, NULL, &y), EO_OK);
    assert_memory_equal(x, y, (size_t)n * sizeof(float));
    /* Train: ~p dropped, the others scaled by exactly 1/(1-p), mean kept. */
    eo_rng r;
    eo_rng_seed(&r, 5);
    assert_int_equal(eo_model_forward(m, x, 1, 1, &r, &y), EO_OK);
    int zeros = 0;
    double sx = 0, sy = 0;
    const float scale = 1.0f / (1.0f - 0.3f);
    for (int i = 0; i < n; i++) {
        if (y[i] == 0.0f) zeros++;
        else assert_true(y[i] == x[i] * scale);
        sx += x[i];
        sy += y[i];
    }
    /* Binomial sd of the dropped fraction: sqrt(.3 * .7 / n) = 0.0032. */
    EO_ASSERT_CLOSE((double)zeros / n, 0.3, 0, 0.016);
    EO_ASSERT_CLOSE(sy / sx, 1.0, 0, 0.03);
    /* Same seed, same mask; another seed, another mask. */
    float *y1 = malloc((size_t)n * sizeof(float));
    memcpy(y1, y, (size_t)n * sizeof(float));
    eo_rng_seed(&r, 5);
    assert_int_equal(eo_model_forward(m, x, 1, 1, &r, &y), EO_OK);
    assert_memory_equal(y1, y, (size_t)n * sizeof(float));
    eo_rng_seed(&r, 6);
    assert_int_equal(eo_model_forward(m, x, 1, 1, &r, &y), EO_OK);
    assert_memory_not_equal(y1, y, (size_t)n * sizeof(float));
    /* Train mode without a generator is refused. */
    assert_int_equal(eo_model_forward(m, x, 1, 1, NULL, &y), EO_ERR_INVALID);
    free(y1);
    free(x);
    eo_model_destroy(m);
}

/* ------------------------------------------------------ counting allocator */

typedef struct counter {
    int allocs, frees;
} counter;

static void *c_alloc(void *ctx, size_t n)
{
    ((counter *)ctx)->allocs++;
    return malloc(n);
}

static void c_free(void *ctx, void *p)
{
    ((counter *)ctx)->frees++;
    free(p);
}

static void test_no_alloc_after_reserve(void **state)
{
    (void)state;
    counter cnt = {0, 0};
    eo_allocator a = {c_alloc, c_free, &cnt};
    int64_t in[3] = {1, 12, 12};
    eo_model *m = NULL;
    eo_error err;
    assert_int_equal(eo_model_from_description("conv 4 3x3 -> bn -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> "
                                               "avgpool 2 -> dropout 0.5 -> dense 8 -> sigmoid -> dense 3",
                                               "t", in, 3, &a, &m, &err),
                     EO_OK);
    assert_int_equal(eo_model_reserve(m, 8, &err), EO_OK);
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    eo_model_set_input_grad(m, 1);
    float x[8 * 144], d[24], loss;
    int32_t lab[8] = {0, 1, 2, 0, 1, 2, 0, 1};
    fill(&r, x, 8 * 144, -1, 1);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_penalty pen = {1e-4, 1e-3, 0, 0, 0};
    const int before = cnt.allocs;
    for (int it = 0; it < 3; it++) {
        const float *y;
        for (int b = 1; b <= 8; b += 7) {
            eo_model_zero_grad(m);
            assert_int_equal(eo_model_forward(m, x, b, 1, &r, &y), EO_OK);
            assert_int_equal(eo_loss(&lp, y, b, 3, lab, NULL, &loss, d), EO_OK);
            assert_int_equal(eo_model_backward(m, d), EO_OK);
            eo_penalty_apply(&pen, eo_model_nparams(m), eo_model_params(m), eo_model_weight_mask(m),
                             eo_model_grads(m));
            eo_penalty_prox_l1(eo_model_nparams(m), eo_model_params(m), eo_model_weight_mask(m), 1e-6);
            assert_int_equal(eo_model_apply_max_norm(m, 3.0), EO_OK);
            assert_int_equal(eo_model_forward(m, x, b, 0, NULL, &y), EO_OK);
        }
    }
    assert_int_equal(cnt.allocs, before);
    /* A larger batch than reserved grows the workspace (documented). */
    const float *y;
    float big[9 * 144];
    fill(&r, big, 9 * 144, -1, 1);
    assert_int_equal(eo_model_forward(m, big, 9, 0, NULL, &y), EO_OK);
    assert_int_equal(cnt.allocs, before + 1);
    eo_model_destroy(m);
    assert_int_equal(cnt.allocs, cnt.frees);
}

/* ---------------------------------------------------------------- misc */

static void test_init_statistics(void **state)
{
    (void)state;
    int64_t in[3] = {1, 1, 400};
    eo_model *m = desc_model("dense 300 -> bn -> relu -> dense 200 -> bn", in, 0);
    eo_rng r;
    eo_rng_seed(&r, 9);
    assert_int_equal(eo_model_init_params(m, &r), EO_OK);
    const float *p = eo_model_params(m);
    /* He normal before the ReLU: sd sqrt(2/400). */
    double s2 = 0;
    for (int i = 0; i < 400 * 300; i++) s2 += (double)p[i] * p[i];
    EO_ASSERT_CLOSE(sqrt(s2 / (400 * 300)), sqrt(2.0 / 400), 0.02, 0);
    for (int i = 0; i < 300; i++) assert_true(p[400 * 300 + i] == 0.0f);
    size_t off;
    eo_model_layer(m, 1, NULL, NULL, NULL, &off, NULL);
    for (int i = 0; i < 300; i++) assert_true(p[off + i] == 1.0f && p[off + 300 + i] == 0.0f);
    /* Glorot uniform at the end (no ReLU follows): |w| <= sqrt(6/(300+200)). */
    eo_model_layer(m, 3, NULL, NULL, NULL, &off, NULL);
    double lim = sqrt(6.0 / 500.0), q2 = 0;
    for (int i = 0; i < 300 * 200; i++) {
        assert_true(fabs(p[off + i]) <= lim);
        q2 += (double)p[off + i] * p[off + i];
    }
    EO_ASSERT_CLOSE(q2 / (300 * 200), lim * lim / 3.0, 0.03, 0);
    const float *buf = eo_model_buffers(m);
    assert_true(buf[0] == 0.0f && buf[300] == 1.0f);
    eo_model_destroy(m);
}

static void test_max_norm(void **state)
{
    (void)state;
    int64_t in[3] = {2, 4, 4};
    eo_model *m = desc_model("conv 3 2x2 -> flatten -> dense 4", in, 4);
    float *p = eo_model_params(m);
    eo_rng r;
    eo_rng_seed(&r, 4);
    fill(&r, p, eo_model_nparams(m), -1, 1);
    for (int j = 0; j < 8; j++) p[j] *= 0.01f; /* filter 0 well inside the ball */
    float *before = malloc(eo_model_nparams(m) * sizeof(float));
    memcpy(before, p, eo_model_nparams(m) * sizeof(float));
    assert_int_equal(eo_model_apply_max_norm(m, 1.0), EO_OK);
    /* conv: 3 rows of 8, then 3 biases; dense: 4 rows of 27, then 4 biases. */
    size_t rows[2] = {3, 4}, len[2] = {8, 27}, base[2] = {0, 27};
    for (int l = 0; l < 2; l++) {
        for (size_t u = 0; u < rows[l]; u++) {
            double n0 = 0, n1 = 0;
            for (size_t j = 0; j < len[l]; j++) {
                size_t i = base[l] + u * len[l] + j;
                n0 += (double)before[i] * before[i];
                n1 += (double)p[i] * p[i];
            }
            n0 = sqrt(n0), n1 = sqrt(n1);
            if (n0 <= 1.0) EO_ASSERT_CLOSE(n1, n0, 0, 0);
            else EO_ASSERT_CLOSE(n1, 1.0, 1e-6, 0);
            /* Direction kept. */
            size_t i0 = base[l] + u * len[l];
            EO_ASSERT_CLOSE(p[i0] * n0, before[i0] * n1, 1e-5, 1e-7);
        }
        for (size_t u = 0; u < rows[l]; u++) {
            size_t bi = base[l] + rows[l] * len[l] + u;
            assert_true(p[bi] == before[bi]);
        }
    }
    free(before);
    eo_model_destroy(m);
}

/* A parallel-for that runs the chunks in reverse order on this thread: the
 * results must not change (threads only split independent blocks). */
static int calls;

static void rev_run(void *impl, size_t n, size_t grain, eo_task_fn fn, void *ctx)
{
    (void)impl;
    calls++;
    size_t nchunks = (n + grain - 1) / grain;
    for (size_t c = nchunks; c-- > 0;) fn(ctx, c * grain, (c + 1) * grain < n ? (c + 1) * grain : n);
}

static void test_copy_and_parallel(void **state)
{
    (void)state;
    /* Big enough that every layer splits its work into several chunks. */
    enum { NB = 16, NX = NB * 3 * 32 * 32, NY = NB * 4 };
    int64_t in[3] = {3, 32, 32};
    eo_model *m = desc_model("conv 8 3x3 -> bn -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> bn -> tanh -> "
                             "avgpool 2 -> conv 8 3x3 stride=2 pad=1 -> gap -> dense 16 -> relu -> dense 4",
                             in, 4);
    eo_rng r;
    eo_rng_seed(&r, 21);
    eo_model_init_params(m, &r);
    eo_model_set_input_grad(m, 1);
    float *x = malloc(NX * sizeof(float)), *dx1 = malloc(NX * sizeof(float)), y1[NY], g1[4000];
    fill(&r, x, NX, -1, 1);
    const float *y;
    float d[NY];
    for (int i = 0; i < NY; i++) d[i] = (float)(i % 5) - 2.0f;
    eo_model_zero_grad(m);
    assert_int_equal(eo_model_forward(m, x, NB, 1, NULL, &y), EO_OK);
    memcpy(y1, y, sizeof y1);
    assert_int_equal(eo_model_backward(m, d), EO_OK);
    memcpy(dx1, eo_model_input_grad(m), NX * sizeof(float));
    size_t np = eo_model_nparams(m);
    assert_true(np <= 4000);
    memcpy(g1, eo_model_grads(m), np * sizeof(float));

    eo_model *c = NULL;
    assert_int_equal(eo_model_copy(m, &c, NULL), EO_OK);
    eo_parallel par = {rev_run, NULL, 4};
    eo_model_set_parallel(c, &par);
    eo_model_zero_grad(c);
    eo_model_set_input_grad(c, 1);
    assert_int_equal(eo_model_forward(c, x, NB, 1, NULL, &y), EO_OK);
    assert_memory_equal(y, y1, sizeof y1);
    assert_int_equal(eo_model_backward(c, d), EO_OK);
    assert_memory_equal(eo_model_grads(c), g1, np * sizeof(float));
    assert_memory_equal(eo_model_input_grad(c), dx1, NX * sizeof(float));
    assert_true(calls > 0); /* the parallel path was taken */
    /* Independent parameters. */
    const float p0 = eo_model_params(c)[0];
    eo_model_params(c)[0] += 1.0f;
    assert_true(eo_model_params(m)[0] != eo_model_params(c)[0]);
    eo_model_params(c)[0] = p0;
    /* Backward accumulates into the gradients. */
    assert_int_equal(eo_model_backward(c, d), EO_OK);
    for (size_t i = 0; i < np; i++) EO_ASSERT_CLOSE(eo_model_grads(c)[i], 2.0 * g1[i], 1e-5, 1e-8);
    eo_model_destroy(c);

    /* Call order: backward needs a forward. */
    eo_model *fresh = NULL;
    assert_int_equal(eo_model_copy(m, &fresh, NULL), EO_OK);
    assert_int_equal(eo_model_backward(fresh, d), EO_ERR_STATE);
    assert_null(eo_model_input_grad(fresh));
    assert_int_equal(eo_model_layer(fresh, 99, NULL, NULL, NULL, NULL, NULL), EO_ERR_INVALID);
    eo_model_destroy(fresh);
    eo_model_destroy(m);
    free(x);
    free(dx1);
}

/* ------------------------------------------------------ linear regression */

static void test_linreg_closed(void **state)
{
    (void)state;
    enum { N = 200, D = 5, K = 2 };
    const double Wt[K][D] = {{1.5, -2.0, 0.25, 0.0, 3.0}, {-0.5, 0.75, 1.0, -1.25, 0.5}};
    const double bt[K] = {0.3, -1.2};
    float *X = malloc(N * D * sizeof(float)), *Y = malloc(N * K * sizeof(float));
    eo_rng r;
    eo_rng_seed(&r, 17);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) X[i * D + j] = (float)(eo_rng_normal(&r) + (j == 2 ? 4.0 : 0.0));
        for (int k = 0; k < K; k++) {
            double v = bt[k];
            for (int j = 0; j < D; j++) v += Wt[k][j] * X[i * D + j];
            Y[i * K + k] = (float)v; /* no noise */
        }
    }
    float W[K * D], b[K];
    eo_error err;
    assert_int_equal(eo_linreg_fit_closed(X, Y, N, D, K, 0.0, W, b, NULL, &err), EO_OK);
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < D; j++) EO_ASSERT_CLOSE(W[k * D + j], Wt[k][j], 0, 2e-5);
        EO_ASSERT_CLOSE(b[k], bt[k], 0, 1e-4);
    }

    /* Through a "linear" model: its forward reproduces Y. */
    int64_t in[3] = {1, 1, D};
    eo_model *m = NULL;
    assert_int_equal(eo_model_from_spec("linear", in, K, NULL, &m, &err), EO_OK);
    assert_int_equal(eo_model_fit_linear_closed(m, X, Y, N, 0.0, &err), EO_OK);
    const float *y;
    assert_int_equal(eo_model_forward(m, X, N, 0, NULL, &y), EO_OK);
    for (int i = 0; i < N * K; i++) EO_ASSERT_CLOSE(y[i], Y[i], 0, 1e-4);
    eo_model_destroy(m);

    /* One feature with ridge: w = sum x~ y~ / (sum x~^2 + lambda). */
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < N; i++) mx += X[i * D], my += Y[i * K];
    mx /= N, my /= N;
    float *x1 = malloc(N * sizeof(float)), *y1 = malloc(N * sizeof(float));
    for (int i = 0; i < N; i++) {
        x1[i] = X[i * D];
        y1[i] = Y[i * K];
        sxy += (x1[i] - mx) * (y1[i] - my);
        sxx += (x1[i] - mx) * (x1[i] - mx);
    }
    float w1, b1;
    assert_int_equal(eo_linreg_fit_closed(x1, y1, N, 1, 1, 25.0, &w1, &b1, NULL, &err), EO_OK);
    EO_ASSERT_CLOSE(w1, sxy / (sxx + 25.0), 1e-6, 0);
    EO_ASSERT_CLOSE(b1, my - (sxy / (sxx + 25.0)) * mx, 1e-5, 1e-6);

    /* No intercept: exact when the data has none. */
    for (int i = 0; i < N; i++) y1[i] = 2.5f * x1[i];
    assert_int_equal(eo_linreg_fit_closed(x1, y1, N, 1, 1, 0.0, &w1, NULL, NULL, &err), EO_OK);
    EO_ASSERT_CLOSE(w1, 2.5, 1e-6, 0);

    /* Collinear columns: refused without ridge, solved with it. */
    for (int i = 0; i < N; i++) X[i * D + 4] = 2.0f * X[i * D + 1];
    assert_int_equal(eo_linreg_fit_closed(X, Y, N, D, K, 0.0, W, b, NULL, &err), EO_ERR_NUMERIC);
    assert_non_null(strstr(err.msg, "positive definite"));
    assert_int_equal(eo_linreg_fit_closed(X, Y, N, D, K, 1e-3, W, b, NULL, &err), EO_OK);
    assert_int_equal(eo_linreg_fit_closed(X, Y, N, D, K, -1.0, W, b, NULL, &err), EO_ERR_INVALID);
    free(x1);
    free(y1);
    free(X);
    free(Y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batchnorm_modes),   cmocka_unit_test(test_fold_batchnorm),
        cmocka_unit_test(test_dropout_statistics), cmocka_unit_test(test_no_alloc_after_reserve),
        cmocka_unit_test(test_init_statistics),   cmocka_unit_test(test_max_norm),
        cmocka_unit_test(test_copy_and_parallel), cmocka_unit_test(test_linreg_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
