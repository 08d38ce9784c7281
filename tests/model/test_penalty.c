/* Penalties: values against the formulas, gradients against finite
 * differences, the weight mask, the proximal L1 step, and the guide's claim
 * that L1 with proximal updates gives exact zeros and a sparser model than L2. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"

#define N 12

static void test_values_and_mask(void **state)
{
    (void)state;
    float w[N];
    uint8_t mask[N];
    for (int i = 0; i < N; i++) {
        w[i] = (float)(i - 5) * 0.3f + 0.05f;
        mask[i] = (uint8_t)(i % 3 != 0);
    }
    double s1 = 0, s2 = 0, a1 = 0, a2 = 0;
    for (int i = 0; i < N; i++) {
        a1 += fabs(w[i]), a2 += (double)w[i] * w[i];
        if (mask[i]) s1 += fabs(w[i]), s2 += (double)w[i] * w[i];
    }
    eo_penalty p = {0.1, 0.2, 0.0, 0.0, 0.0};
    EO_ASSERT_CLOSE(eo_penalty_apply(&p, N, w, mask, NULL), 0.1 * s1 + 0.5 * 0.2 * s2, 1e-12, 0);
    EO_ASSERT_CLOSE(eo_penalty_apply(&p, N, w, NULL, NULL), 0.1 * a1 + 0.5 * 0.2 * a2, 1e-12, 0);
    eo_penalty e = {0.0, 0.0, 0.5, 0.3, 0.0};
    EO_ASSERT_CLOSE(eo_penalty_apply(&e, N, w, mask, NULL), 0.5 * (0.3 * s1 + 0.5 * 0.7 * s2), 1e-12, 0);
    eo_penalty z = {0};
    assert_true(eo_penalty_apply(&z, N, w, mask, NULL) == 0.0);

    /* Gradient is added, and only on masked entries. */
    float g[N];
    for (int i = 0; i < N; i++) g[i] = 1.0f;
    eo_penalty all = {0.1, 0.2, 0.5, 0.3, 0.0};
    eo_penalty_apply(&all, N, w, mask, g);
    for (int i = 0; i < N; i++) {
        if (!mask[i]) {
            assert_true(g[i] == 1.0f);
            continue;
        }
        /* Central differences of the value (w is never near 0 here). */
        float keep = w[i], h = 1e-3f;
        w[i] = keep + h;
        double fp = eo_penalty_apply(&all, N, w, mask, NULL);
        w[i] = keep - h;
        double fm = eo_penalty_apply(&all, N, w, mask, NULL);
        w[i] = keep;
        double num = (fp - fm) / ((double)(keep + h) - (double)(keep - h));
        EO_ASSERT_CLOSE(g[i] - 1.0f, num, 1e-3, 1e-5);
        assert_true(fabs(num) > 0.01);
    }
}

static void test_prox_l1(void **state)
{
    (void)state;
    float w[6] = {0.5f, -0.5f, 0.05f, -0.05f, 0.1f, 2.0f};
    uint8_t mask[6] = {1, 1, 1, 1, 1, 0};
    eo_penalty_prox_l1(6, w, mask, 0.1);
    assert_true(w[0] == 0.4f && w[1] == -0.4f);
    assert_true(w[2] == 0.0f && w[3] == 0.0f && w[4] == 0.0f); /* exact zeros */
    assert_true(w[5] == 2.0f);                                /* masked out */
    eo_penalty_prox_l1(6, w, NULL, 0.0);                      /* no-op */
    assert_true(w[0] == 0.4f);
}

/* Sparse least squares, y = X w* with 3 of 20 coefficients non-zero, solved by
 * (a) proximal gradient (ISTA) with L1 and (b) gradient descent with L2 of a
 * comparable shrinkage. L1 gives exact zeros on the irrelevant features; L2
 * gives none. */
static void test_l1_sparser_than_l2(void **state)
{
    (void)state;
    enum { S = 100, D = 20 };
    static float X[S * D], y[S];
    const double wt[D] = {2.0, 0, 0, -1.5, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    eo_rng r;
    eo_rng_seed(&r, 8);
    for (int i = 0; i < S; i++) {
        double v = 0;
        for (int j = 0; j < D; j++) {
            X[i * D + j] = (float)eo_rng_normal(&r);
            v += wt[j] * X[i * D + j];
        }
        y[i] = (float)(v + 0.1 * eo_rng_normal(&r));
    }
    int64_t in[3] = {1, 1, D};
    eo_model *m[2];
    for (int k = 0; k < 2; k++) assert_int_equal(eo_model_from_spec("linear", in, 1, NULL, &m[k], NULL), EO_OK);
    eo_loss_params mse = eo_loss_defaults(EO_LOSS_MSE);
    const double lr = 0.05, lam1 = 0.1, lam2 = 0.2;
    eo_penalty l2 = {0.0, lam2, 0, 0, 0};
    for (int it = 0; it < 500; it++) {
        for (int k = 0; k < 2; k++) {
            const float *out;
            float loss, d[S];
            eo_model_zero_grad(m[k]);
            assert_int_equal(eo_model_forward(m[k], X, S, 1, NULL, &out), EO_OK);
            assert_int_equal(eo_loss(&mse, out, S, 1, NULL, y, &loss, d), EO_OK);
            assert_int_equal(eo_model_backward(m[k], d), EO_OK);
            float *w = eo_model_params(m[k]), *g = eo_model_grads(m[k]);
            const uint8_t *mask = eo_model_weight_mask(m[k]);
            if (k == 1) eo_penalty_apply(&l2, D + 1, w, mask, g);
            for (int j = 0; j < D + 1; j++) w[j] -= (float)(lr * g[j]);
            if (k == 0) eo_penalty_prox_l1(D + 1, w, mask, lr * lam1);
        }
    }
    int zeros[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        const float *w = eo_model_params(m[k]);
        for (int j = 0; j < D; j++) zeros[k] += w[j] == 0.0f;
        /* The true features survive in both. */
        assert_true(fabs(w[0]) > 1.0 && fabs(w[3]) > 0.7 && fabs(w[8]) > 0.4);
    }
    assert_true(zeros[0] >= 12); /* most of the 17 irrelevant weights exactly 0 */
    assert_int_equal(zeros[1], 0);
    /* The bias is not shrunk: it is not in the mask. */
    assert_int_equal(eo_model_weight_mask(m[0])[D], 0);
    for (int k = 0; k < 2; k++) eo_model_destroy(m[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_mask),
        cmocka_unit_test(test_prox_l1),
        cmocka_unit_test(test_l1_sparser_than_l2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
