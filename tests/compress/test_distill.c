/* Distillation loss: value against a direct double-precision evaluation of
 * Hinton et al.'s formula, gradient against central differences of that
 * reference, alpha = 0 equal to the cross-entropy loss and alpha = 1 equal to
 * the model module's T^2 KL loss (independent implementations), errors. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/compress_model.h"

enum { B = 5, K = 7 };

static double log_softmax_at(const double *v, int k, double T, int j)
{
    double mx = -INFINITY, s = 0;
    for (int i = 0; i < k; i++) mx = fmax(mx, v[i] / T);
    for (int i = 0; i < k; i++) s += exp(v[i] / T - mx);
    return v[j] / T - mx - log(s);
}

/* The formula, written out: alpha T^2 mean KL(p_T || q_T) + (1 - alpha) mean CE. */
static double ref_loss(const double *s, const double *t, const int32_t *y, double T, double alpha)
{
    double tot = 0;
    for (int b = 0; b < B; b++) {
        const double *sb = s + b * K, *tb = t + b * K;
        double kl = 0;
        for (int j = 0; j < K; j++) {
            double lp = log_softmax_at(tb, K, T, j), lq = log_softmax_at(sb, K, T, j);
            kl += exp(lp) * (lp - lq);
        }
        double ce = -log_softmax_at(sb, K, 1.0, y[b]);
        tot += alpha * T * T * kl + (1 - alpha) * ce;
    }
    return tot / B;
}

static void setup(float *s, float *t, int32_t *y, uint64_t seed)
{
    eo_rng r;
    eo_rng_seed(&r, seed);
    for (int i = 0; i < B * K; i++) {
        s[i] = (float)(2 * eo_rng_normal(&r));
        t[i] = (float)(3 * eo_rng_normal(&r));
    }
    for (int b = 0; b < B; b++) y[b] = (int32_t)eo_rng_below(&r, K);
}

static void test_value_and_gradient(void **state)
{
    (void)state;
    const double Ts[] = {1, 2, 4, 10}, As[] = {0, 0.3, 0.7, 1};
    for (int it = 0; it < 4; it++)
        for (int ia = 0; ia < 4; ia++) {
            float s[B * K], t[B * K], g[B * K], loss;
            int32_t y[B];
            setup(s, t, y, (uint64_t)(10 * it + ia));
            double T = Ts[it], a = As[ia];
            assert_int_equal(eo_distill_loss(s, t, y, B, K, T, a, &loss, g), EO_OK);
            double sd[B * K], td[B * K];
            for (int i = 0; i < B * K; i++) {
                sd[i] = s[i];
                td[i] = t[i];
            }
            double want = ref_loss(sd, td, y, T, a);
            EO_ASSERT_CLOSE(loss, want, 1e-6, 1e-7);
            double gnorm = 0;
            for (int i = 0; i < B * K; i++) {
                const double h = 1e-5;
                double keep = sd[i];
                sd[i] = keep + h;
                double fp = ref_loss(sd, td, y, T, a);
                sd[i] = keep - h;
                double fm = ref_loss(sd, td, y, T, a);
                sd[i] = keep;
                double num = (fp - fm) / (2 * h);
                EO_ASSERT_CLOSE(g[i], num, 1e-4, 1e-7);
                gnorm += num * num;
            }
            assert_true(gnorm > 1e-8); /* the check is not vacuous */
        }
}

static void test_limits_match_model_losses(void **state)
{
    (void)state;
    float s[B * K], t[B * K], g1[B * K], g2[B * K], l1, l2;
    int32_t y[B];
    setup(s, t, y, 77);
    /* alpha = 0: the hard cross-entropy */
    eo_loss_params ce = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    assert_int_equal(eo_distill_loss(s, t, y, B, K, 3.0, 0.0, &l1, g1), EO_OK);
    assert_int_equal(eo_loss(&ce, s, B, K, y, NULL, &l2, g2), EO_OK);
    EO_ASSERT_CLOSE(l1, l2, 1e-6, 1e-7);
    for (int i = 0; i < B * K; i++) EO_ASSERT_CLOSE(g1[i], g2[i], 1e-5, 1e-7);
    /* alpha = 1: T^2 KL, labels not needed */
    eo_loss_params kl = eo_loss_defaults(EO_LOSS_KL_T);
    kl.temperature = 3.0f;
    assert_int_equal(eo_distill_loss(s, t, NULL, B, K, 3.0, 1.0, &l1, g1), EO_OK);
    assert_int_equal(eo_loss(&kl, s, B, K, NULL, t, &l2, g2), EO_OK);
    EO_ASSERT_CLOSE(l1, l2, 1e-5, 1e-7);
    for (int i = 0; i < B * K; i++) EO_ASSERT_CLOSE(g1[i], g2[i], 1e-4, 1e-7);
    /* the student that copies the teacher has zero soft loss and gradient */
    assert_int_equal(eo_distill_loss(t, t, NULL, B, K, 2.0, 1.0, &l1, g1), EO_OK);
    EO_ASSERT_CLOSE(l1, 0.0, 0, 1e-6);
    for (int i = 0; i < B * K; i++) EO_ASSERT_CLOSE(g1[i], 0.0, 0, 1e-7);
}

static void test_errors(void **state)
{
    (void)state;
    float s[B * K] = {0}, t[B * K] = {0}, l;
    int32_t y[B] = {0, 1, 2, 3, 9};
    assert_int_equal(eo_distill_loss(s, t, y, B, K, 2.0, 0.5, &l, NULL), EO_ERR_INVALID); /* label 9 */
    y[4] = 0;
    assert_int_equal(eo_distill_loss(s, t, NULL, B, K, 2.0, 0.5, &l, NULL), EO_ERR_INVALID); /* labels needed */
    assert_int_equal(eo_distill_loss(s, t, y, B, K, 0.0, 0.5, &l, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_distill_loss(s, t, y, B, K, 2.0, 1.5, &l, NULL), EO_ERR_INVALID);
    assert_int_equal(eo_distill_loss(s, t, y, B, 1, 2.0, 0.5, &l, NULL), EO_ERR_INVALID);
    s[3] = NAN;
    assert_int_equal(eo_distill_loss(s, t, y, B, K, 2.0, 0.5, &l, NULL), EO_ERR_NUMERIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_and_gradient),
        cmocka_unit_test(test_limits_match_model_losses),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
