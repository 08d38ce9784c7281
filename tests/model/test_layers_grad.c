/* Finite-difference gradient checks of every layer, for the parameter
 * gradient and the input gradient, in train and eval modes where they differ,
 * and of a small CNN end to end. Kinks are avoided by construction: inputs of
 * ReLU-like layers are kept at least 0.1 away from 0 (and 6), max-pool inputs
 * are distinct with gaps far larger than the step. */
#include "model/grad_check.h"

/* Fill v with values in +-[lo, hi] (random sign). */
static void fill_away(eo_rng *r, float *v, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) {
        double a = lo + (hi - lo) * eo_rng_uniform(r);
        v[i] = (float)(eo_rng_uniform(r) < 0.5 ? -a : a);
    }
}

/* Build a model, randomize everything and check it. */
static void check_layers(const char *what, const int64_t in[3], const eo_layer_desc *L, int n, int batch,
                         int train, double xlo, double xhi, double h, double tol)
{
    eo_model *m = NULL;
    eo_error err;
    int rc = eo_model_create(in, L, n, NULL, &m, &err);
    if (rc != EO_OK) fail_msg("%s: create: %s", what, err.msg);
    eo_rng r;
    eo_rng_seed(&r, 1234);
    assert_int_equal(eo_model_init_params(m, &r), EO_OK);
    /* Non-trivial biases, batch-norm affine parameters and running stats. */
    float *p = eo_model_params(m);
    const uint8_t *mask = eo_model_weight_mask(m);
    for (size_t j = 0; j < eo_model_nparams(m); j++)
        if (!mask[j]) p[j] = (float)(0.5 + 0.5 * eo_rng_uniform(&r)) * (eo_rng_uniform(&r) < 0.5 ? -1.0f : 1.0f);
    float *buf = eo_model_buffers(m);
    for (size_t j = 0; j < eo_model_nbuffers(m); j++) buf[j] = (float)(0.5 + eo_rng_uniform(&r));
    size_t nx = (size_t)batch * (size_t)eo_model_in_numel(m), ny = (size_t)batch * (size_t)eo_model_out_numel(m);
    float *x = malloc(nx * sizeof(float)), *c = malloc(ny * sizeof(float));
    fill_away(&r, x, nx, xlo, xhi);
    fill_away(&r, c, ny, 0.2, 1.0);
    assert_int_equal(eo_model_reserve(m, batch, &err), EO_OK);
    gc_setup g = {m, x, batch, train, 99, c};
    gc_check(&g, h, tol, what);
    free(x);
    free(c);
    eo_model_destroy(m);
}

static eo_layer_desc D(eo_layer_kind k) { return eo_layer_desc_defaults(k); }

static eo_layer_desc conv(int f, int kh, int kw, int s, int p)
{
    eo_layer_desc d = D(EO_LAYER_CONV2D);
    d.units = f;
    d.kh = kh;
    d.kw = kw;
    d.stride = s;
    d.pad = p;
    return d;
}

static eo_layer_desc win(eo_layer_kind k, int kh, int kw, int s, int p)
{
    eo_layer_desc d = conv(0, kh, kw, s, p);
    d.kind = k;
    return d;
}

static void test_dense(void **state)
{
    (void)state;
    eo_layer_desc d = D(EO_LAYER_DENSE);
    d.units = 4;
    int64_t v[3] = {1, 1, 5}, img[3] = {2, 3, 3};
    check_layers("dense", v, &d, 1, 3, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("dense on an image", img, &d, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
}

static void test_conv2d(void **state)
{
    (void)state;
    int64_t in[3] = {2, 6, 5};
    eo_layer_desc a = conv(3, 3, 3, 1, 0), b = conv(3, 3, 3, 2, 1), c = conv(4, 1, 1, 1, 0), d = conv(2, 2, 3, 2, 2);
    check_layers("conv 3x3", in, &a, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("conv 3x3 stride 2 pad 1", in, &b, 1, 3, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("conv 1x1", in, &c, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("conv 2x3 stride 2 pad 2", in, &d, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
}

static void test_dwconv2d(void **state)
{
    (void)state;
    int64_t in[3] = {3, 6, 6};
    eo_layer_desc a = win(EO_LAYER_DWCONV2D, 3, 3, 2, 1), b = win(EO_LAYER_DWCONV2D, 3, 2, 1, 0);
    check_layers("dwconv 3x3 stride 2 pad 1", in, &a, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("dwconv 3x2", in, &b, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
}

/* Max pool with distinct inputs: a permutation of a grid with gaps of 0.05. */
static void test_maxpool(void **state)
{
    (void)state;
    int64_t in[3] = {2, 5, 6};
    eo_layer_desc a = win(EO_LAYER_MAXPOOL, 2, 2, 2, 0), b = win(EO_LAYER_MAXPOOL, 3, 3, 2, 1);
    for (int t = 0; t < 2; t++) {
        eo_model *m = NULL;
        assert_int_equal(eo_model_create(in, t ? &b : &a, 1, NULL, &m, NULL), EO_OK);
        const int batch = 2;
        size_t nx = (size_t)batch * 60, ny = (size_t)batch * (size_t)eo_model_out_numel(m);
        float *x = malloc(nx * sizeof(float)), *c = malloc(ny * sizeof(float));
        uint32_t *perm = malloc(nx * sizeof(uint32_t));
        eo_rng r;
        eo_rng_seed(&r, 5);
        eo_rng_permutation(&r, perm, nx);
        for (size_t i = 0; i < nx; i++) x[i] = 0.05f * (float)perm[i] - 2.0f;
        fill_away(&r, c, ny, 0.2, 1.0);
        gc_setup g = {m, x, batch, 1, 1, c};
        gc_check(&g, 1e-3, 1e-4, t ? "maxpool 3x3 stride 2 pad 1" : "maxpool 2");
        free(x);
        free(c);
        free(perm);
        eo_model_destroy(m);
    }
}

static void test_avgpool_gap_flatten(void **state)
{
    (void)state;
    int64_t in[3] = {2, 5, 6};
    eo_layer_desc a = win(EO_LAYER_AVGPOOL, 2, 2, 2, 0), b = win(EO_LAYER_AVGPOOL, 3, 3, 1, 1);
    check_layers("avgpool 2", in, &a, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("avgpool 3 stride 1 pad 1", in, &b, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    eo_layer_desc g = D(EO_LAYER_GAP), f = D(EO_LAYER_FLATTEN);
    check_layers("gap", in, &g, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("flatten", in, &f, 1, 2, 1, 0.1, 1.0, 1e-2, 1e-4);
}

static void test_batchnorm(void **state)
{
    (void)state;
    int64_t img[3] = {3, 4, 4}, vec[3] = {1, 1, 6};
    eo_layer_desc bn = D(EO_LAYER_BATCHNORM);
    check_layers("batchnorm2d train", img, &bn, 1, 3, 1, 0.1, 2.0, 1e-2, 1e-3);
    check_layers("batchnorm2d eval", img, &bn, 1, 3, 0, 0.1, 2.0, 1e-2, 1e-4);
    check_layers("batchnorm1d train", vec, &bn, 1, 5, 1, 0.1, 2.0, 1e-2, 1e-3);
    check_layers("batchnorm1d eval", vec, &bn, 1, 5, 0, 0.1, 2.0, 1e-2, 1e-4);
}

static void test_dropout_grad(void **state)
{
    (void)state;
    int64_t v[3] = {1, 1, 5};
    eo_layer_desc d[2] = {D(EO_LAYER_DENSE), D(EO_LAYER_DROPOUT)};
    d[0].units = 8;
    d[1].p = 0.3f;
    check_layers("dense -> dropout train", v, d, 2, 4, 1, 0.1, 1.0, 1e-2, 1e-4);
    check_layers("dense -> dropout eval", v, d, 2, 4, 0, 0.1, 1.0, 1e-2, 1e-4);
}

static void test_activations(void **state)
{
    (void)state;
    int64_t in[3] = {2, 2, 3};
    struct {
        eo_layer_kind k;
        double lo, hi, h;
    } acts[] = {
        {EO_LAYER_RELU, 0.1, 3.0, 1e-2},   {EO_LAYER_RELU6, 0.1, 5.9, 1e-2},
        {EO_LAYER_LEAKY_RELU, 0.1, 3.0, 1e-2}, {EO_LAYER_TANH, 0.0, 2.0, 1e-3},
        {EO_LAYER_SIGMOID, 0.0, 4.0, 1e-3}, {EO_LAYER_SOFTMAX, 0.0, 3.0, 1e-3},
    };
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        eo_layer_desc d = D(acts[i].k);
        d.alpha = 0.2f;
        check_layers(eo_layer_kind_name(acts[i].k), in, &d, 1, 3, 1, acts[i].lo, acts[i].hi, acts[i].h, 1e-3);
    }
    /* relu6 above its ceiling: the gradient there is zero, the rest still checked. */
    eo_layer_desc r6 = D(EO_LAYER_RELU6);
    check_layers("relu6 wide", in, &r6, 1, 3, 1, 0.5, 5.5, 1e-2, 1e-3);
}

/* A whole small CNN: every backward path chained. Smooth activations keep the
 * check free of kinks deep inside the network. */
static void test_small_cnn(void **state)
{
    (void)state;
    int64_t in[3] = {2, 8, 8};
    eo_layer_desc L[8] = {conv(4, 3, 3, 1, 1), D(EO_LAYER_BATCHNORM), D(EO_LAYER_TANH),
                          win(EO_LAYER_AVGPOOL, 2, 2, 2, 0), win(EO_LAYER_DWCONV2D, 3, 3, 1, 1),
                          D(EO_LAYER_SIGMOID), D(EO_LAYER_GAP), D(EO_LAYER_DENSE)};
    L[7].units = 3;
    check_layers("small cnn train", in, L, 8, 3, 1, 0.1, 1.0, 3e-2, 1e-2);
    check_layers("small cnn eval", in, L, 8, 3, 0, 0.1, 1.0, 3e-2, 1e-2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense),          cmocka_unit_test(test_conv2d),
        cmocka_unit_test(test_dwconv2d),       cmocka_unit_test(test_maxpool),
        cmocka_unit_test(test_avgpool_gap_flatten), cmocka_unit_test(test_batchnorm),
        cmocka_unit_test(test_dropout_grad),   cmocka_unit_test(test_activations),
        cmocka_unit_test(test_small_cnn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
