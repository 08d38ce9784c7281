/* Losses: finite-difference gradient checks of every kind (away from the
 * kinks of MAE, Huber and hinge), closed-form values, stability at logits of
 * +-1000, argument validation, names. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"

#define B 4
#define K 5

/* Central differences of the loss (float value, so a largish step on smooth
 * losses: truncation O(h^2) ~ 1e-4, rounding ~ 1e-7/h). */
static void fd_check(const char *what, eo_loss_params p, float *o, int k, const int32_t *lab, const float *t,
                     double h, double tol)
{
    float loss, d[B * K];
    assert_int_equal(eo_loss(&p, o, B, k, lab, t, &loss, d), EO_OK);
    double nd2 = 0.0, e2 = 0.0;
    for (int i = 0; i < B * k; i++) {
        float keep = o[i], up = (float)(keep + h), dn = (float)(keep - h), lp, lm;
        o[i] = up;
        assert_int_equal(eo_loss(&p, o, B, k, lab, t, &lp, NULL), EO_OK);
        o[i] = dn;
        assert_int_equal(eo_loss(&p, o, B, k, lab, t, &lm, NULL), EO_OK);
        o[i] = keep;
        double num = ((double)lp - (double)lm) / ((double)up - (double)dn);
        nd2 += num * num;
        e2 += (num - d[i]) * (num - d[i]);
        if (!(fabs(num - d[i]) <= tol * 10.0 * (fabs(num) + 0.01)))
            fail_msg("%s: d[%d] analytic %.8g numeric %.8g", what, i, (double)d[i], num);
    }
    if (!(sqrt(nd2) > 1e-4)) fail_msg("%s: zero gradient", what);
    if (!(sqrt(e2) <= tol * sqrt(nd2))) fail_msg("%s: relative error %.3g", what, sqrt(e2 / nd2));
}

static void rnd(eo_rng *r, float *v, int n, double s)
{
    for (int i = 0; i < n; i++) v[i] = (float)(s * (2.0 * eo_rng_uniform(r) - 1.0));
}

static void test_gradients(void **state)
{
    (void)state;
    eo_rng r;
    eo_rng_seed(&r, 7);
    float o[B * K], t[B * K];
    int32_t lab[B] = {0, 3, 4, 1}, bin[B * K];
    for (int i = 0; i < B * K; i++) bin[i] = (int32_t)(eo_rng_u32(&r) & 1u);

    rnd(&r, o, B * K, 2.0);
    rnd(&r, t, B * K, 2.0);
    fd_check("mse", eo_loss_defaults(EO_LOSS_MSE), o, K, NULL, t, 1e-2, 1e-3);

    /* MAE and Huber: keep |o - t| away from 0 (and from delta). */
    for (int i = 0; i < B * K; i++) {
        double a = 0.1 + 0.3 * eo_rng_uniform(&r) + (i % 2 ? 1.5 : 0.0);
        t[i] = o[i] + (float)(i % 3 ? a : -a);
    }
    fd_check("mae", eo_loss_defaults(EO_LOSS_MAE), o, K, NULL, t, 1e-2, 1e-3);
    fd_check("huber", eo_loss_defaults(EO_LOSS_HUBER), o, K, NULL, t, 1e-2, 1e-3);

    rnd(&r, o, B * K, 3.0);
    for (int i = 0; i < B * K; i++) t[i] = (float)eo_rng_uniform(&r);
    fd_check("bce targets", eo_loss_defaults(EO_LOSS_BCE_LOGITS), o, K, NULL, t, 1e-2, 1e-3);
    fd_check("bce labels multi-label", eo_loss_defaults(EO_LOSS_BCE_LOGITS), o, K, bin, NULL, 1e-2, 1e-3);
    fd_check("bce labels k=1", eo_loss_defaults(EO_LOSS_BCE_LOGITS), o, 1, bin, NULL, 1e-2, 1e-3);

    fd_check("softmax ce", eo_loss_defaults(EO_LOSS_SOFTMAX_CE), o, K, lab, NULL, 1e-2, 1e-3);

    /* Hinge: margins 1 - o_y + o_j kept away from 0. */
    for (int s = 0; s < B; s++)
        for (int j = 0; j < K; j++) {
            float *v = o + s * K;
            if (j == lab[s]) v[j] = 0.0f;
            else v[j] = (float)((j % 2 ? -1.7 : -0.5) + 0.2 * j + 0.01);
        }
    fd_check("hinge", eo_loss_defaults(EO_LOSS_HINGE), o, K, lab, NULL, 1e-2, 1e-3);
    float o1[B] = {0.3f, -0.4f, 2.0f, -1.7f};
    int32_t l1[B] = {1, 1, 0, 0};
    fd_check("hinge k=1", eo_loss_defaults(EO_LOSS_HINGE), o1, 1, l1, NULL, 1e-2, 1e-3);

    rnd(&r, o, B * K, 3.0);
    rnd(&r, t, B * K, 3.0);
    eo_loss_params kl = eo_loss_defaults(EO_LOSS_KL_T);
    fd_check("kl T=1", kl, o, K, NULL, t, 1e-2, 1e-3);
    kl.temperature = 4.0f;
    fd_check("kl T=4", kl, o, K, NULL, t, 1e-2, 1e-3);
}

/* Values against closed forms computed here. */
static void test_values(void **state)
{
    (void)state;
    float o[2] = {1.0f, -2.0f}, t[2] = {0.5f, 1.0f}, loss;
    eo_loss_params p = eo_loss_defaults(EO_LOSS_MSE);
    assert_int_equal(eo_loss(&p, o, 2, 1, NULL, t, &loss, NULL), EO_OK);
    EO_ASSERT_CLOSE(loss, (0.25 + 9.0) / 2.0, 1e-6, 0);
    p = eo_loss_defaults(EO_LOSS_MAE);
    assert_int_equal(eo_loss(&p, o, 2, 1, NULL, t, &loss, NULL), EO_OK);
    EO_ASSERT_CLOSE(loss, (0.5 + 3.0) / 2.0, 1e-6, 0);
    p = eo_loss_defaults(EO_LOSS_HUBER);
    assert_int_equal(eo_loss(&p, o, 2, 1, NULL, t, &loss, NULL), EO_OK);
    EO_ASSERT_CLOSE(loss, (0.5 * 0.25 + (3.0 - 0.5)) / 2.0, 1e-6, 0);
    /* Uniform logits: CE = log k. */
    float u[3] = {0.7f, 0.7f, 0.7f};
    int32_t y = 2;
    p = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    assert_int_equal(eo_loss(&p, u, 1, 3, &y, NULL, &loss, NULL), EO_OK);
    EO_ASSERT_CLOSE(loss, log(3.0), 1e-6, 0);
    /* BCE of logit 0 is log 2 whatever the label. */
    float z = 0.0f;
    int32_t one = 1;
    p = eo_loss_defaults(EO_LOSS_BCE_LOGITS);
    assert_int_equal(eo_loss(&p, &z, 1, 1, &one, NULL, &loss, NULL), EO_OK);
    EO_ASSERT_CLOSE(loss, log(2.0), 1e-6, 0);
    /* KL of identical distributions is 0, with a zero gradient. */
    float a[3] = {1.0f, -1.0f, 0.5f}, d[3];
    p = eo_loss_defaults(EO_LOSS_KL_T);
    p.temperature = 2.0f;
    assert_int_equal(eo_loss(&p, a, 1, 3, NULL, a, &loss, d), EO_OK);
    EO_ASSERT_CLOSE(loss, 0.0, 0, 1e-7);
    for (int i = 0; i < 3; i++) EO_ASSERT_CLOSE(d[i], 0.0, 0, 1e-7);
}

/* Logits of +-1000: finite values and gradients, and the right ones. */
static void test_large_logits(void **state)
{
    (void)state;
    float o[6] = {1000.0f, -1000.0f, 0.0f, -1000.0f, 1000.0f, 999.0f}, d[6], loss;
    int32_t y[2] = {0, 0};
    eo_loss_params p = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    assert_int_equal(eo_loss(&p, o, 2, 3, y, NULL, &loss, d), EO_OK);
    /* sample 0: loss ~ 0; sample 1: loss = lse - (-1000) = 2000 + log(1 + e^-1). */
    EO_ASSERT_CLOSE(loss, (0.0 + 2000.0 + log1p(exp(-1.0))) / 2.0, 1e-6, 1e-6);
    for (int i = 0; i < 6; i++) assert_true(isfinite(d[i]));
    EO_ASSERT_CLOSE(d[0], 0.0, 0, 1e-7);
    EO_ASSERT_CLOSE(d[3], -0.5, 1e-6, 0);
    EO_ASSERT_CLOSE(d[4], 0.5 / (1.0 + exp(-1.0)), 1e-6, 0);

    float b[2] = {1000.0f, -1000.0f};
    int32_t lb[2] = {0, 0};
    p = eo_loss_defaults(EO_LOSS_BCE_LOGITS);
    assert_int_equal(eo_loss(&p, b, 2, 1, lb, NULL, &loss, d), EO_OK);
    EO_ASSERT_CLOSE(loss, 500.0, 1e-6, 0);
    EO_ASSERT_CLOSE(d[0], 0.5, 1e-6, 0);
    EO_ASSERT_CLOSE(d[1], 0.0, 0, 1e-7);

    p = eo_loss_defaults(EO_LOSS_KL_T);
    float t[3] = {-1000.0f, 1000.0f, 0.0f};
    assert_int_equal(eo_loss(&p, o, 1, 3, NULL, t, &loss, d), EO_OK);
    assert_true(isfinite(loss));
    EO_ASSERT_CLOSE(loss, 2000.0, 1e-6, 0);
    for (int i = 0; i < 3; i++) assert_true(isfinite(d[i]));
}

static void test_validation(void **state)
{
    (void)state;
    float o[4] = {0}, loss;
    int32_t bad[2] = {0, 2}, neg[2] = {-1, 0};
    eo_loss_params p = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    assert_int_equal(eo_loss(&p, o, 2, 2, bad, NULL, &loss, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_loss(&p, o, 2, 2, neg, NULL, &loss, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_loss(&p, o, 2, 2, NULL, o, &loss, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_loss(&p, o, 4, 1, bad, NULL, &loss, NULL), EO_ERR_INVALID); /* CE needs k >= 2 */
    p = eo_loss_defaults(EO_LOSS_MSE);
    assert_int_equal(eo_loss(&p, o, 2, 2, bad, NULL, &loss, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_loss(&p, o, 0, 2, NULL, o, &loss, NULL), EO_ERR_INVALID);
    p = eo_loss_defaults(EO_LOSS_BCE_LOGITS);
    float tb[2] = {0.5f, 1.5f};
    assert_int_equal(eo_loss(&p, o, 2, 1, NULL, tb, &loss, NULL), EO_ERR_INVALID);
    int32_t two[2] = {1, 2};
    assert_int_equal(eo_loss(&p, o, 2, 1, two, NULL, &loss, NULL), EO_ERR_INVALID);
    p = eo_loss_defaults(EO_LOSS_HUBER);
    p.huber_delta = 0.0f;
    assert_non_null(eo_loss_params_check(&p));
    assert_int_equal(eo_loss(&p, o, 2, 1, NULL, o, &loss, NULL), EO_ERR_INVALID);
    p = eo_loss_defaults(EO_LOSS_KL_T);
    p.temperature = -1.0f;
    assert_non_null(eo_loss_params_check(&p));
    float nanv[2] = {NAN, 0.0f};
    p = eo_loss_defaults(EO_LOSS_MSE);
    assert_int_equal(eo_loss(&p, nanv, 2, 1, NULL, o, &loss, NULL), EO_ERR_NUMERIC);
}

static void test_names(void **state)
{
    (void)state;
    for (int k = 0; k < EO_LOSS_COUNT; k++) assert_int_equal(eo_loss_kind_from_name(eo_loss_kind_name(k)), k);
    assert_int_equal(eo_loss_kind_from_name("ce"), EO_LOSS_SOFTMAX_CE);
    assert_int_equal(eo_loss_kind_from_name("nope"), -1);
    assert_string_equal(eo_loss_kind_name(EO_LOSS_COUNT), "unknown");
    for (int k = 0; k < EO_LAYER_COUNT; k++) assert_int_equal(eo_layer_kind_from_name(eo_layer_kind_name(k)), k);
    assert_int_equal(eo_layer_kind_from_name("conv"), EO_LAYER_CONV2D);
    assert_int_equal(eo_layer_kind_from_name("bn"), EO_LAYER_BATCHNORM);
    assert_int_equal(eo_layer_kind_from_name(""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients), cmocka_unit_test(test_values), cmocka_unit_test(test_large_logits),
        cmocka_unit_test(test_validation), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
