/* Layers and losses against reference vectors computed by PyTorch in float64
 * (scripts/ref/model_ref.py -> tests/fixtures/model/model_ref.h), within 1e-5. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"
#include "fixtures/model/model_ref.h"

#define TOL 1e-5

static void close_vec(const char *what, const float *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= TOL * (1.0 + fabs(want[i]))))
            fail_msg("%s[%zu] = %.9g, PyTorch %.9g", what, i, (double)got[i], want[i]);
}

/* One-layer model: set params, forward x, backward g, compare. */
static eo_model *run_layer(const int64_t in[3], const eo_layer_desc *d, const float *w, size_t nw, const float *b,
                           size_t nb, const float *x, int batch, int train, const float *g, const float **y)
{
    eo_model *m = NULL;
    eo_error err;
    if (eo_model_create(in, d, 1, NULL, &m, &err) != EO_OK) fail_msg("create: %s", err.msg);
    assert_int_equal(eo_model_nparams(m), nw + nb);
    float *p = eo_model_params(m);
    if (nw) memcpy(p, w, nw * sizeof(float));
    if (nb) memcpy(p + nw, b, nb * sizeof(float));
    eo_model_set_input_grad(m, 1);
    eo_model_zero_grad(m);
    assert_int_equal(eo_model_forward(m, x, batch, train, NULL, y), EO_OK);
    assert_int_equal(eo_model_backward(m, g), EO_OK);
    return m;
}

static void test_conv2d_ref(void **state)
{
    (void)state;
    int64_t in[3] = {3, 7, 6};
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_CONV2D);
    d.units = 4;
    d.stride = 2;
    d.pad = 1;
    const float *y;
    eo_model *m = run_layer(in, &d, conv_w, 108, conv_b, 4, conv_x, 2, 1, conv_g, &y);
    int64_t os[3];
    eo_model_out_shape(m, os);
    for (int i = 0; i < 3; i++) assert_int_equal(os[i], conv_yshape[i]);
    close_vec("conv y", y, conv_y, 96);
    close_vec("conv dx", eo_model_input_grad(m), conv_dx, 252);
    close_vec("conv dw", eo_model_grads(m), conv_dw, 108);
    close_vec("conv db", eo_model_grads(m) + 108, conv_db, 4);
    eo_model_destroy(m);
}

static void test_dwconv_ref(void **state)
{
    (void)state;
    int64_t in[3] = {3, 6, 5};
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_DWCONV2D);
    d.pad = 1;
    const float *y;
    eo_model *m = run_layer(in, &d, dw_w, 27, dw_b, 3, dw_x, 2, 1, dw_g, &y);
    close_vec("dw y", y, dw_y, 180);
    close_vec("dw dx", eo_model_input_grad(m), dw_dx, 180);
    close_vec("dw dw", eo_model_grads(m), dw_dw, 27);
    close_vec("dw db", eo_model_grads(m) + 27, dw_db, 3);
    eo_model_destroy(m);
}

static void test_dense_ref(void **state)
{
    (void)state;
    int64_t in[3] = {1, 1, 5};
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_DENSE);
    d.units = 4;
    const float *y;
    eo_model *m = run_layer(in, &d, fc_w, 20, fc_b, 4, fc_x, 3, 1, fc_g, &y);
    close_vec("fc y", y, fc_y, 12);
    close_vec("fc dx", eo_model_input_grad(m), fc_dx, 15);
    close_vec("fc dw", eo_model_grads(m), fc_dw, 20);
    close_vec("fc db", eo_model_grads(m) + 20, fc_db, 4);
    eo_model_destroy(m);
}

static void test_batchnorm_ref(void **state)
{
    (void)state;
    int64_t in[3] = {3, 3, 3};
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_BATCHNORM);
    eo_model *m = NULL;
    assert_int_equal(eo_model_create(in, &d, 1, NULL, &m, NULL), EO_OK);
    float *p = eo_model_params(m), *buf = eo_model_buffers(m);
    memcpy(p, bn_gamma, sizeof bn_gamma);
    memcpy(p + 3, bn_beta, sizeof bn_beta);
    memcpy(buf, bn_rm0, sizeof bn_rm0);
    memcpy(buf + 3, bn_rv0, sizeof bn_rv0);
    eo_model_set_input_grad(m, 1);
    eo_model_zero_grad(m);
    const float *y;
    assert_int_equal(eo_model_forward(m, bn_x, 4, 1, NULL, &y), EO_OK);
    assert_int_equal(eo_model_backward(m, bn_g), EO_OK);
    close_vec("bn y", y, bn_y, 108);
    close_vec("bn dx", eo_model_input_grad(m), bn_dx, 108);
    close_vec("bn dgamma", eo_model_grads(m), bn_dgamma, 3);
    close_vec("bn dbeta", eo_model_grads(m) + 3, bn_dbeta, 3);
    close_vec("bn running mean", buf, bn_rm1, 3);
    close_vec("bn running var", buf + 3, bn_rv1, 3);
    eo_model_destroy(m);
}

static void test_maxpool_ref(void **state)
{
    (void)state;
    int64_t in[3] = {2, 5, 6};
    eo_layer_desc a = eo_layer_desc_defaults(EO_LAYER_MAXPOOL), b = a;
    b.kh = b.kw = 3;
    b.stride = 2;
    b.pad = 1;
    const float *y;
    float dx[120];
    eo_model *m1 = run_layer(in, &a, NULL, 0, NULL, 0, mp_x, 2, 1, mp_g1, &y);
    close_vec("maxpool 2 y", y, mp_y1, 24);
    memcpy(dx, eo_model_input_grad(m1), sizeof dx);
    eo_model *m2 = run_layer(in, &b, NULL, 0, NULL, 0, mp_x, 2, 1, mp_g2, &y);
    close_vec("maxpool 3 s2 p1 y", y, mp_y2, 36);
    for (int i = 0; i < 120; i++) dx[i] += eo_model_input_grad(m2)[i];
    close_vec("maxpool dx", dx, mp_dx, 120);
    eo_model_destroy(m1);
    eo_model_destroy(m2);
}

static void check_loss(const char *what, eo_loss_params p, const float *o, const int32_t *lab, const float *t,
                       double want, const double *dwant)
{
    float loss, d[20];
    assert_int_equal(eo_loss(&p, o, 5, 4, lab, t, &loss, d), EO_OK);
    if (!(fabs(loss - want) <= TOL * (1.0 + fabs(want)))) fail_msg("%s loss %.9g, PyTorch %.9g", what, (double)loss, want);
    close_vec(what, d, dwant, 20);
}

static void test_losses_ref(void **state)
{
    (void)state;
    eo_loss_params p = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    check_loss("softmax ce", p, ce_o, ce_lab, NULL, ce_loss[0], ce_d);
    p = eo_loss_defaults(EO_LOSS_BCE_LOGITS);
    check_loss("bce", p, bce_o, NULL, bce_t, bce_loss[0], bce_d);
    p = eo_loss_defaults(EO_LOSS_HUBER);
    p.huber_delta = 0.7f;
    check_loss("huber", p, hub_o, NULL, hub_t, hub_loss[0], hub_d);
    p = eo_loss_defaults(EO_LOSS_KL_T);
    p.temperature = 3.0f;
    check_loss("kl T=3", p, kl_o, NULL, kl_t, kl_loss[0], kl_d);
    p = eo_loss_defaults(EO_LOSS_HINGE);
    check_loss("multi-margin hinge", p, hinge_o, hinge_lab, NULL, hinge_loss[0], hinge_d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d_ref),    cmocka_unit_test(test_dwconv_ref), cmocka_unit_test(test_dense_ref),
        cmocka_unit_test(test_batchnorm_ref), cmocka_unit_test(test_maxpool_ref), cmocka_unit_test(test_losses_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
