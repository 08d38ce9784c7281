/* train: metrics against hand-computed cases and scikit-learn references
 * (tests/train/metrics_ref.h from scripts/ref/metrics_ref.py). */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/train.h"
#include "metrics_ref.h"

static void test_hand_case(void **state)
{
    (void)state;
    /* 3 classes. true: 0 0 0 1 1 2; pred: 0 0 1 1 2 2
     * class 0: tp 2 fp 0 fn 1 -> P 1, R 2/3, F1 0.8
     * class 1: tp 1 fp 1 fn 1 -> P 1/2, R 1/2, F1 1/2
     * class 2: tp 1 fp 1 fn 0 -> P 1/2, R 1, F1 2/3 */
    int32_t yt[6] = {0, 0, 0, 1, 1, 2}, yp[6] = {0, 0, 1, 1, 2, 2};
    int64_t conf[9] = {0};
    eo_confusion_add(conf, 3, yt, yp, 6);
    int64_t want[9] = {2, 1, 0, 0, 1, 1, 0, 0, 1};
    assert_memory_equal(conf, want, sizeof want);
    eo_class_metrics m;
    eo_class_metrics_compute(conf, 3, &m);
    assert_int_equal(m.n, 6);
    EO_ASSERT_CLOSE(m.accuracy, 4.0 / 6.0, 1e-15, 0);
    EO_ASSERT_CLOSE(m.precision, (1.0 + 0.5 + 0.5) / 3.0, 1e-15, 0);
    EO_ASSERT_CLOSE(m.recall, (2.0 / 3.0 + 0.5 + 1.0) / 3.0, 1e-15, 0);
    EO_ASSERT_CLOSE(m.f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-15, 0);
    /* Out-of-range labels are ignored; empty matrix gives NaN. */
    int32_t bad[2] = {-1, 7};
    eo_confusion_add(conf, 3, bad, bad, 2);
    assert_memory_equal(conf, want, sizeof want);
    int64_t zero[4] = {0};
    eo_class_metrics_compute(zero, 2, &m);
    assert_true(isnan(m.accuracy) && isnan(m.f1));

    /* Regression: pred 1 2 3, target 1 3 5 -> errors 0 1 2: MSE 5/3, MAE 1,
     * SST = 8 (mean 3), R^2 = 1 - 5/8. */
    float p[3] = {1, 2, 3}, t[3] = {1, 3, 5};
    eo_reg_accum a;
    eo_reg_accum_init(&a);
    eo_reg_accum_add(&a, p, t, 2);
    eo_reg_accum_add(&a, p + 2, t + 2, 1);
    double mse, mae, r2;
    eo_reg_metrics(&a, &mse, &mae, &r2);
    EO_ASSERT_CLOSE(mse, 5.0 / 3.0, 1e-15, 0);
    EO_ASSERT_CLOSE(mae, 1.0, 1e-15, 0);
    EO_ASSERT_CLOSE(r2, 1.0 - 5.0 / 8.0, 1e-15, 0);

    /* argmax (first maximum) and binary logit. */
    float o[6] = {0.1f, 0.7f, 0.7f, -3, -1, -2};
    int32_t pred[2];
    eo_predict_classes(o, 2, 3, pred);
    assert_int_equal(pred[0], 1);
    assert_int_equal(pred[1], 1);
    float lg[3] = {-0.5f, 0.0f, 2.0f};
    int32_t pb[3];
    eo_predict_classes(lg, 3, 1, pb);
    assert_true(pb[0] == 0 && pb[1] == 0 && pb[2] == 1);
}

static void test_sklearn_classification(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cls_cases / sizeof cls_cases[0]; c++) {
        const cls_case *cc = &cls_cases[c];
        int64_t conf[64] = {0};
        eo_confusion_add(conf, cc->k, cc->yt, cc->yp, (size_t)cc->n);
        assert_memory_equal(conf, cc->conf, (size_t)(cc->k * cc->k) * sizeof(int64_t));
        eo_class_metrics m;
        eo_class_metrics_compute(conf, cc->k, &m);
        EO_ASSERT_CLOSE(m.accuracy, cc->acc, 1e-14, 0);
        EO_ASSERT_CLOSE(m.precision, cc->p, 1e-14, 0);
        EO_ASSERT_CLOSE(m.recall, cc->r, 1e-14, 0);
        EO_ASSERT_CLOSE(m.f1, cc->f1, 1e-14, 0);
    }
}

static void test_sklearn_regression(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof reg_cases / sizeof reg_cases[0]; c++) {
        const reg_case *rc = &reg_cases[c];
        eo_reg_accum a;
        eo_reg_accum_init(&a);
        eo_reg_accum_add(&a, rc->y, rc->t, (size_t)rc->n);
        double mse, mae, r2;
        eo_reg_metrics(&a, &mse, &mae, &r2);
        EO_ASSERT_CLOSE(mse, rc->mse, 1e-12, 0);
        EO_ASSERT_CLOSE(mae, rc->mae, 1e-12, 0);
        EO_ASSERT_CLOSE(r2, rc->r2, 1e-12, 1e-12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_case),
        cmocka_unit_test(test_sklearn_classification),
        cmocka_unit_test(test_sklearn_regression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
