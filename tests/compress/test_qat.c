/* Quantization-aware training: on a model with one outlier neuron (an exact
 * rescaling by 400 that leaves the float function unchanged, ReLU being
 * positively homogeneous), post-training quantization loses accuracy (the
 * outlier dominates the first layer's weight scale and the hidden activation
 * range) and QAT fine-tuning recovers it; the fake-quantized forward agrees with the int8
 * model it converts to; the straight-through gradient blocks values outside
 * the range. */
#include <string.h>

#include "cm_util.h"
#include "edgeopt/compress_model.h"

enum { D = 8, K = 4, N = 1024, NT = 2000 };

static double q_accuracy(eo_qmodel *q, const float *x, const int32_t *y, size_t n)
{
    float *o = malloc(n * K * sizeof *o);
    assert_int_equal(eo_qmodel_forward(q, x, (int)n, o), EO_OK);
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) hit += cm_argmax(o + i * K, K) == y[i];
    free(o);
    return (double)hit / (double)n;
}

/* Scale neuron 0 of the first dense layer (weights and bias) by f and the
 * matching input column of the second by 1/f: same function after ReLU. */
static void make_outlier(eo_model *m, float f)
{
    size_t p0, p1;
    int64_t in[3], out[3];
    eo_model_layer(m, 0, NULL, in, out, &p0, NULL);
    int h = (int)out[2];
    eo_model_layer(m, 2, NULL, NULL, NULL, &p1, NULL);
    float *P = eo_model_params(m);
    for (int i = 0; i < D; i++) P[p0 + i] *= f;
    P[p0 + (size_t)h * D] *= f;
    for (int o = 0; o < K; o++) P[p1 + (size_t)o * h] /= f;
}

static void qat_train(eo_qat *q, const float *x, const int32_t *y, int steps, double lr)
{
    eo_optim_params op = eo_optim_defaults(EO_OPTIM_ADAM);
    op.lr = lr;
    eo_optimizer *o;
    assert_int_equal(eo_optimizer_create(&op, eo_qat_nparams(q), NULL, &o, NULL), EO_OK);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    float dout[32 * K];
    for (int s = 0; s < steps; s++) {
        size_t r0 = ((size_t)s * 32) % (N - 32 + 1);
        const float *out;
        assert_int_equal(eo_qat_forward(q, x + r0 * D, 32, 1, NULL, &out), EO_OK);
        float loss;
        assert_int_equal(eo_loss(&lp, out, 32, K, y + r0, NULL, &loss, dout), EO_OK);
        eo_qat_zero_grad(q);
        assert_int_equal(eo_qat_backward(q, dout), EO_OK);
        assert_int_equal(eo_optimizer_step_f32(o, eo_qat_master_params(q), eo_qat_master_grads(q), NULL), EO_OK);
    }
    eo_optimizer_destroy(o);
}

static void test_qat_recovers_ptq_loss(void **state)
{
    (void)state;
    float *x = malloc(N * D * sizeof *x), *xt = malloc(NT * D * sizeof *xt);
    int32_t *y = malloc(N * sizeof *y), *yt = malloc(NT * sizeof *yt);
    cm_blobs(N, D, K, 1.2, 3, 4, x, y);
    cm_blobs(NT, D, K, 1.2, 3, 5, xt, yt);
    eo_model *m = cm_model("mlp:24", 1, 1, D, K, 6);
    cm_train(m, x, y, N, 32, 600, 0.01);
    double acc_f = cm_accuracy(m, xt, yt, NT);
    make_outlier(m, 400.0f);
    EO_ASSERT_CLOSE(cm_accuracy(m, xt, yt, NT), acc_f, 0, 2.0 / NT); /* same function */
    eo_qmodel_params pp = eo_qmodel_defaults();
    pp.per_channel = 0;
    eo_qmodel *ptq = NULL;
    assert_int_equal(eo_qmodel_quantize(m, x, N, &pp, NULL, &ptq, NULL), EO_OK);
    double acc_ptq = q_accuracy(ptq, xt, yt, NT);
    /* per-channel weight scales do not help much: the outlier neuron also
     * stretches the hidden activations' range, so the other neurons' outputs
     * get few int8 levels */
    pp.per_channel = 1;
    eo_qmodel *ptq_pc = NULL;
    assert_int_equal(eo_qmodel_quantize(m, x, N, &pp, NULL, &ptq_pc, NULL), EO_OK);
    double acc_pc = q_accuracy(ptq_pc, xt, yt, NT);
    eo_qat_params qp = eo_qat_defaults();
    qp.per_channel = 0;
    eo_qat *q = NULL;
    assert_int_equal(eo_qat_create(m, x, N, &qp, &q, NULL), EO_OK);
    qat_train(q, x, y, 600, 0.01);
    eo_qmodel *qm = NULL;
    assert_int_equal(eo_qat_convert(q, EO_Q8_PATH_AUTO, &qm, NULL), EO_OK);
    assert_int_equal(eo_qmodel_per_channel(qm), 0);
    double acc_qat = q_accuracy(qm, xt, yt, NT);
    printf("float %.4f  ptq per-tensor %.4f  ptq per-channel %.4f  qat per-tensor %.4f\n", acc_f, acc_ptq, acc_pc,
           acc_qat);
    assert_true(acc_ptq < acc_f - 0.2);      /* the constructed case breaks PTQ */
    assert_true(acc_qat > acc_ptq + 0.2);    /* QAT recovers */
    assert_true(acc_qat > acc_pc + 0.05);    /* beyond what per-channel PTQ gets */
    assert_true(acc_qat > acc_f - 0.03);
    eo_qmodel_destroy(qm);
    eo_qat_destroy(q);
    eo_qmodel_destroy(ptq);
    eo_qmodel_destroy(ptq_pc);
    eo_model_destroy(m);
    free(x);
    free(y);
    free(xt);
    free(yt);
}

/* The fake-quantized forward predicts what the converted int8 model computes. */
static void test_fake_quant_matches_int8(void **state)
{
    (void)state;
    float *x = malloc(N * D * sizeof *x);
    int32_t *y = malloc(N * sizeof *y);
    cm_blobs(N, D, K, 1.0, 11, 12, x, y);
    eo_model *m = cm_model("dense 16 -> batchnorm -> relu -> dense 12 -> relu6 -> dense 4", 1, 1, D, K, 13);
    cm_train(m, x, y, N, 32, 200, 0.01);
    for (int pc = 0; pc <= 1; pc++) {
        eo_qat_params qp = eo_qat_defaults();
        qp.per_channel = pc;
        eo_qat *q = NULL;
        assert_int_equal(eo_qat_create(m, x, N, &qp, &q, NULL), EO_OK);
        assert_int_equal(eo_qat_npoints(q), 4);
        eo_qmodel *qm = NULL;
        assert_int_equal(eo_qat_convert(q, EO_Q8_PATH_AUTO, &qm, NULL), EO_OK);
        const float *fq;
        assert_int_equal(eo_qat_forward(q, x, 256, 0, NULL, &fq), EO_OK);
        float *oi = malloc(256 * K * sizeof *oi);
        assert_int_equal(eo_qmodel_forward(qm, x, 256, oi), EO_OK);
        eo_q8_qparam oq = eo_qmodel_output_qparam(qm);
        int agree = 0;
        for (int i = 0; i < 256; i++) {
            agree += cm_argmax(fq + i * K, K) == cm_argmax(oi + i * K, K);
            for (int j = 0; j < K; j++) /* only accumulator roundings differ: a few output steps */
                assert_true(fabs(fq[i * K + j] - oi[i * K + j]) <= 4.0 * oq.scale);
        }
        assert_true(agree >= 250);
        free(oi);
        eo_qmodel_destroy(qm);
        eo_qat_destroy(q);
    }
    free(x);
    free(y);
    eo_model_destroy(m);
}

/* STE: the input gradient is zero where the input fell outside its range and
 * equals the fake-quantized model's gradient elsewhere. We check the weight
 * gradient of a single dense layer, where it is x_fq^T dout exactly. */
static void test_ste_gradient(void **state)
{
    (void)state;
    eo_model *m = cm_model("linear", 1, 1, 4, 3, 1);
    float calib[8 * 4];
    for (int i = 0; i < 32; i++) calib[i] = (float)((i % 7) - 3) * 0.5f; /* range [-1.5, 1.5] */
    eo_qat_params qp = eo_qat_defaults();
    qp.ema = 0; /* frozen ranges */
    eo_qat *q;
    assert_int_equal(eo_qat_create(m, calib, 8, &qp, &q, NULL), EO_OK);
    double lo[2], hi[2];
    eo_qat_ranges(q, lo, hi);
    EO_ASSERT_CLOSE(lo[0], -1.5, 0, 1e-6);
    EO_ASSERT_CLOSE(hi[0], 1.5, 0, 1e-6);
    float x[2 * 4] = {0.3f, -0.7f, 5.0f, 1.2f, -9.0f, 0.1f, 0.0f, 1.49f};
    const float *out;
    assert_int_equal(eo_qat_forward(q, x, 2, 1, NULL, &out), EO_OK);
    float dout[6] = {1, -2, 0.5f, 0.25f, 1, -1};
    eo_qat_zero_grad(q);
    assert_int_equal(eo_qat_backward(q, dout), EO_OK);
    /* the input fake quant clips 5.0 and -9.0 to the range ends; the weight
     * gradient uses the clipped (fake-quantized) inputs */
    eo_q8_qparam p;
    assert_int_equal(eo_q8_choose_params(-1.5, 1.5, &p), EO_OK);
    const float *g = eo_qat_master_grads(q);
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 4; i++) {
            double want = 0;
            for (int b = 0; b < 2; b++) {
                int8_t qi;
                float xf;
                eo_q8_quantize(1, &x[b * 4 + i], p.scale, p.zero_point, &qi);
                eo_q8_dequantize(1, &qi, p.scale, p.zero_point, &xf);
                want += (double)dout[b * 3 + o] * xf;
            }
            EO_ASSERT_CLOSE(g[o * 4 + i], want, 1e-5, 1e-6);
        }
    eo_qat_destroy(q);
    eo_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qat_recovers_ptq_loss),
        cmocka_unit_test(test_fake_quant_matches_int8),
        cmocka_unit_test(test_ste_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
