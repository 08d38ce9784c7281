/* Model-level pruning: exact per-layer and global sparsity, masks that only
 * touch weights, the structured shrink computing the same function as the
 * masked original (MLP with batch norm and sigmoid, CNN with depthwise, flatten
 * and global pooling), refusals. */
#include <string.h>

#include "cm_util.h"
#include "edgeopt/compress_model.h"

static float *randn(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    eo_rng r;
    eo_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)eo_rng_normal(&r);
    return x;
}

/* Give batch norms non-trivial statistics and parameters. */
static void randomize_bn(eo_model *m, uint64_t seed)
{
    eo_rng r;
    eo_rng_seed(&r, seed);
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        eo_layer_desc d;
        size_t po, pc, bo, bc;
        eo_model_layer(m, i, &d, NULL, NULL, &po, &pc);
        if (d.kind != EO_LAYER_BATCHNORM) continue;
        eo_model_layer_buffers(m, i, &bo, &bc);
        for (size_t c = 0; c < pc / 2; c++) {
            eo_model_params(m)[po + c] = (float)(0.5 + eo_rng_uniform(&r));
            eo_model_params(m)[po + pc / 2 + c] = (float)(0.3 * eo_rng_normal(&r));
            eo_model_buffers(m)[bo + c] = (float)(0.2 * eo_rng_normal(&r));
            eo_model_buffers(m)[bo + bc / 2 + c] = (float)(0.5 + eo_rng_uniform(&r));
        }
    }
}

static void test_unstructured_exact(void **state)
{
    (void)state;
    eo_model *m = cm_model("conv 4 3x3 -> relu -> flatten -> dense 20 -> relu -> dense 3", 2, 6, 6, 3, 1);
    size_t np = eo_model_nparams(m);
    uint8_t *keep = malloc(np);
    const double sp[] = {0.0, 0.3, 0.5, 0.9, 0.99};
    for (size_t t = 0; t < 5; t++) {
        assert_int_equal(eo_model_prune_mask(m, sp[t], 0, keep, NULL), EO_OK);
        eo_model *c = NULL;
        assert_int_equal(eo_model_copy(m, &c, NULL), EO_OK);
        eo_model_apply_keep(c, keep);
        eo_layer_sparsity ls[8];
        int n;
        assert_int_equal(eo_model_sparsity(c, ls, 8, &n), EO_OK);
        assert_int_equal(n, 3);
        for (int i = 0; i < n; i++) assert_int_equal(ls[i].zeros, (size_t)floor(sp[t] * (double)ls[i].weights + 0.5));
        /* biases are never pruned */
        const uint8_t *wm = eo_model_weight_mask(m);
        for (size_t i = 0; i < np; i++)
            if (!wm[i]) assert_int_equal(keep[i], 1);
        eo_model_destroy(c);
    }
    /* global: the total is exact and one threshold separates kept from pruned */
    assert_int_equal(eo_model_prune_mask(m, 0.8, 1, keep, NULL), EO_OK);
    const float *p = eo_model_params_const(m);
    const uint8_t *wm = eo_model_weight_mask(m);
    size_t tot = 0, pruned = 0;
    float maxp = 0, mink = INFINITY;
    for (size_t i = 0; i < np; i++) {
        if (!wm[i]) continue;
        tot++;
        if (!keep[i]) {
            pruned++;
            maxp = fmaxf(maxp, fabsf(p[i]));
        } else {
            mink = fminf(mink, fabsf(p[i]));
        }
    }
    assert_int_equal(pruned, (size_t)floor(0.8 * (double)tot + 0.5));
    assert_true(maxp <= mink);
    /* global pruning gives different per-layer rates (the conv has larger He weights) */
    eo_model *c = NULL;
    assert_int_equal(eo_model_copy(m, &c, NULL), EO_OK);
    eo_model_apply_keep(c, keep);
    eo_layer_sparsity ls[8];
    int n;
    eo_model_sparsity(c, ls, 8, &n);
    assert_true(fabs((double)ls[0].zeros / ls[0].weights - (double)ls[1].zeros / ls[1].weights) > 0.02);
    EO_ASSERT_CLOSE(eo_model_weight_sparsity(c), 0.8, 0, 1.0 / (double)tot);
    eo_model_destroy(c);
    free(keep);
    eo_model_destroy(m);
}

/* The shrunk model equals the masked model (up to float summation order). */
static void check_structured(const char *desc, int64_t C, int64_t H, int64_t W, int nout, double frac,
                             size_t expect_params)
{
    eo_model *m = cm_model(desc, C, H, W, nout, 7);
    randomize_bn(m, 8);
    eo_model *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_model_prune_structured(m, frac, &s, &e)) fail_msg("%s: %s", desc, e.msg);
    if (expect_params) assert_int_equal(eo_model_nparams(s), expect_params);
    assert_true(eo_model_nparams(s) < eo_model_nparams(m));
    uint8_t *keep = malloc(eo_model_nparams(m));
    assert_int_equal(eo_model_structured_mask(m, frac, keep, NULL), EO_OK);
    eo_model *mm = NULL;
    assert_int_equal(eo_model_copy(m, &mm, NULL), EO_OK);
    eo_model_apply_keep(mm, keep);
    /* as many surviving parameters (biases and BN included) as the shrunk model has,
     * except the BN entries whose channel is dropped but which the mask leaves at
     * running statistics (buffers) only: params match exactly */
    size_t live = 0;
    for (size_t i = 0; i < eo_model_nparams(m); i++) live += keep[i];
    assert_int_equal(live, eo_model_nparams(s));
    int n = 64;
    size_t din = (size_t)(C * H * W);
    float *x = randn((size_t)n * din, 9);
    const float *ys, *ym;
    assert_int_equal(eo_model_forward(s, x, n, 0, NULL, &ys), EO_OK);
    assert_int_equal(eo_model_forward(mm, x, n, 0, NULL, &ym), EO_OK);
    double big = 0, worst = 0;
    for (size_t i = 0; i < (size_t)n * (size_t)nout; i++) {
        big = fmax(big, fabs(ym[i]));
        worst = fmax(worst, fabs((double)ys[i] - (double)ym[i]));
    }
    if (!(worst <= 1e-5 * fmax(big, 1.0))) fail_msg("%s: shrunk vs masked differ by %g (scale %g)", desc, worst, big);
    /* and pruning did change the function (the test can fail) */
    const float *y0;
    assert_int_equal(eo_model_forward(m, x, n, 0, NULL, &y0), EO_OK);
    double d0 = 0;
    for (size_t i = 0; i < (size_t)n * (size_t)nout; i++) d0 = fmax(d0, fabs((double)y0[i] - (double)ys[i]));
    assert_true(d0 > 1e-3);
    free(x);
    free(keep);
    eo_model_destroy(mm);
    eo_model_destroy(s);
    eo_model_destroy(m);
}

static void test_structured_equals_masked(void **state)
{
    (void)state;
    /* 8 -> 16 (bn) -> 12 (sigmoid) -> 3 halved: 8*8+8 + 8*2 (bn) + 8*6+6 + 6*3+3 */
    check_structured("dense 16 -> batchnorm -> relu -> dropout 0.2 -> dense 12 -> sigmoid -> dense 3", 1, 1, 8, 3,
                     0.5, 8 * 8 + 8 + 16 + 8 * 6 + 6 + 6 * 3 + 3);
    check_structured("conv 6 3x3 pad=1 -> batchnorm -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> relu -> "
                     "conv 8 3x3 -> relu -> flatten -> dense 10 -> relu -> dense 3",
                     2, 8, 8, 3, 0.5, 0);
    check_structured("conv 6 3x3 -> relu -> gap -> dense 5 -> tanh -> dense 3", 1, 7, 7, 3, 0.34, 0);
    check_structured("mlp:20,10", 1, 1, 6, 4, 0.7, 0);
}

static void test_structured_refusal(void **state)
{
    (void)state;
    eo_model *m = cm_model("dense 8 -> softmax -> dense 2", 1, 1, 4, 2, 1);
    eo_model *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_model_prune_structured(m, 0.5, &s, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "layer 1 (softmax)"));
    assert_null(s);
    assert_int_equal(eo_model_prune_structured(m, 1.0, &s, NULL), EO_ERR_INVALID);
    eo_model_destroy(m);
    /* a single-layer model has nothing to remove (its units are the outputs) */
    m = cm_model("softmax", 1, 1, 4, 3, 1);
    assert_int_equal(eo_model_prune_structured(m, 0.5, &s, NULL), EO_OK);
    assert_int_equal(eo_model_nparams(s), eo_model_nparams(m));
    eo_model_destroy(s);
    eo_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unstructured_exact),
        cmocka_unit_test(test_structured_equals_masked),
        cmocka_unit_test(test_structured_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
