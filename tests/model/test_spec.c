/* Model specs and the model-description parser: layer lists, shapes and
 * parameter counts (computed here from the conv/pool formulas), and errors
 * with their line and column. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"

static const int64_t MNIST[3] = {1, 28, 28};

static eo_model *spec_ok(const char *spec, const int64_t in[3], int nout)
{
    eo_model *m = NULL;
    eo_error err;
    eo_error_clear(&err);
    int rc = eo_model_from_spec(spec, in, nout, NULL, &m, &err);
    if (rc != EO_OK) fail_msg("'%s': %s (line %ld col %ld)", spec, err.msg, err.line, err.column);
    return m;
}

static void expect_kinds(eo_model *m, const eo_layer_kind *k, int n)
{
    assert_int_equal(eo_model_nlayers(m), n);
    for (int i = 0; i < n; i++) {
        eo_layer_desc d;
        assert_int_equal(eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL), EO_OK);
        if (d.kind != k[i])
            fail_msg("layer %d is %s, expected %s", i, eo_layer_kind_name(d.kind), eo_layer_kind_name(k[i]));
    }
}

static void test_simple_specs(void **state)
{
    (void)state;
    const char *names[3] = {"linear", "logistic", "softmax"};
    int nout[3] = {1, 1, 10};
    for (int i = 0; i < 3; i++) {
        eo_model *m = spec_ok(names[i], MNIST, nout[i]);
        eo_layer_kind k[1] = {EO_LAYER_DENSE};
        expect_kinds(m, k, 1);
        assert_int_equal(eo_model_nparams(m), (size_t)(784 + 1) * (size_t)nout[i]);
        assert_int_equal(eo_model_out_numel(m), nout[i]);
        eo_model_destroy(m);
    }
}

static void test_mlp_specs(void **state)
{
    (void)state;
    eo_model *m = spec_ok("mlp:256,128", MNIST, 10);
    eo_layer_kind k1[5] = {EO_LAYER_DENSE, EO_LAYER_RELU, EO_LAYER_DENSE, EO_LAYER_RELU, EO_LAYER_DENSE};
    expect_kinds(m, k1, 5);
    assert_int_equal(eo_model_nparams(m), 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    /* Weight mask: the weights, not the biases. */
    const uint8_t *mask = eo_model_weight_mask(m);
    size_t nw = 0;
    for (size_t i = 0; i < eo_model_nparams(m); i++) nw += mask[i];
    assert_int_equal(nw, 784 * 256 + 256 * 128 + 128 * 10);
    assert_int_equal(mask[784 * 256], 0);
    assert_int_equal(mask[784 * 256 - 1], 1);
    eo_model_destroy(m);

    m = spec_ok("mlp:32:act=tanh,dropout=0.25,bn=1", MNIST, 3);
    eo_layer_kind k2[5] = {EO_LAYER_DENSE, EO_LAYER_BATCHNORM, EO_LAYER_TANH, EO_LAYER_DROPOUT, EO_LAYER_DENSE};
    expect_kinds(m, k2, 5);
    eo_layer_desc d;
    eo_model_layer(m, 3, &d, NULL, NULL, NULL, NULL);
    EO_ASSERT_CLOSE(d.p, 0.25, 0, 1e-7);
    assert_int_equal(eo_model_nbuffers(m), 64);
    eo_model_destroy(m);

    m = spec_ok("mlp:8:act=leaky_relu,alpha=0.2", MNIST, 2);
    eo_model_layer(m, 1, &d, NULL, NULL, NULL, NULL);
    assert_int_equal(d.kind, EO_LAYER_LEAKY_RELU);
    EO_ASSERT_CLOSE(d.alpha, 0.2, 1e-6, 0);
    eo_model_destroy(m);
}

/* The example CNN of the issue on 1x28x28, shapes and parameter count from the
 * formulas: conv 3x3 valid: 28 -> 26, pool 2: 26 -> 13, conv: 13 -> 11, pool: 11 -> 5. */
static void test_example_cnn(void **state)
{
    (void)state;
    const char *text = "conv 16 3x3 -> relu -> maxpool 2 -> conv 32 3x3 -> relu -> maxpool 2 -> dense 10";
    eo_model *m = NULL;
    eo_error err;
    assert_int_equal(eo_model_from_description(text, "cnn.txt", MNIST, 10, NULL, &m, &err), EO_OK);
    const int64_t shapes[7][3] = {{16, 26, 26}, {16, 26, 26}, {16, 13, 13}, {32, 11, 11},
                                  {32, 11, 11}, {32, 5, 5},   {1, 1, 10}};
    assert_int_equal(eo_model_nlayers(m), 7);
    size_t total = 0;
    for (int i = 0; i < 7; i++) {
        int64_t out[3];
        size_t off, cnt;
        assert_int_equal(eo_model_layer(m, i, NULL, NULL, out, &off, &cnt), EO_OK);
        for (int j = 0; j < 3; j++) assert_int_equal(out[j], shapes[i][j]);
        assert_int_equal(off, total);
        total += cnt;
    }
    const size_t expect = (16 * 1 * 9 + 16) + (32 * 16 * 9 + 32) + (32 * 5 * 5 * 10 + 10);
    assert_int_equal(eo_model_nparams(m), expect);
    assert_int_equal(total, expect);
    assert_int_equal(expect, 12810);
    eo_model_destroy(m);

    /* The same through --model (a spec containing "->"). */
    m = spec_ok(text, MNIST, 10);
    assert_int_equal(eo_model_nparams(m), 12810);
    eo_model_destroy(m);
}

static void test_description_syntax(void **state)
{
    (void)state;
    const char *text =
        "# a small CNN\n"
        "conv 8 3x3 stride=1 pad=same ->\n"
        "bn eps=1e-3 momentum=0.01   # normalize\n"
        "leakyrelu 0.1\n"
        "\n"
        "dwconv 3x3 stride=2 pad=1 -> relu6 -> avgpool 2 stride=1 -> dropout 0.2\n"
        "gap -> flatten -> dense 16 -> sigmoid -> dense\n";
    eo_model *m = NULL;
    eo_error err;
    int rc = eo_model_from_description(text, "f.txt", MNIST, 4, NULL, &m, &err);
    if (rc != EO_OK) fail_msg("%s:%ld:%ld: %s", err.where, err.line, err.column, err.msg);
    eo_layer_kind k[12] = {EO_LAYER_CONV2D, EO_LAYER_BATCHNORM, EO_LAYER_LEAKY_RELU, EO_LAYER_DWCONV2D,
                           EO_LAYER_RELU6, EO_LAYER_AVGPOOL, EO_LAYER_DROPOUT, EO_LAYER_GAP,
                           EO_LAYER_FLATTEN, EO_LAYER_DENSE, EO_LAYER_SIGMOID, EO_LAYER_DENSE};
    expect_kinds(m, k, 12);
    eo_layer_desc d;
    int64_t out[3];
    eo_model_layer(m, 0, &d, NULL, out, NULL, NULL);
    assert_int_equal(d.pad, 1);
    assert_int_equal(out[1], 28);
    eo_model_layer(m, 1, &d, NULL, NULL, NULL, NULL);
    EO_ASSERT_CLOSE(d.eps, 1e-3, 1e-6, 0);
    EO_ASSERT_CLOSE(d.momentum, 0.01, 1e-6, 0);
    eo_model_layer(m, 2, &d, NULL, NULL, NULL, NULL);
    EO_ASSERT_CLOSE(d.alpha, 0.1, 1e-6, 0);
    eo_model_layer(m, 3, &d, NULL, out, NULL, NULL);
    assert_int_equal(out[1], 14); /* floor((28 + 2 - 3)/2) + 1 */
    eo_model_layer(m, 5, &d, NULL, out, NULL, NULL);
    assert_int_equal(d.stride, 1);
    assert_int_equal(out[1], 13);
    eo_model_layer(m, 11, &d, NULL, out, NULL, NULL);
    assert_int_equal(d.units, 4); /* bare "dense" = n_outputs */

    /* describe -> parse gives the same layers. */
    char buf[1024];
    size_t need = eo_model_describe(m, buf, sizeof buf);
    assert_true(need < sizeof buf);
    assert_int_equal(strlen(buf), need);
    eo_model *m2 = NULL;
    rc = eo_model_from_description(buf, "described", MNIST, 4, NULL, &m2, &err);
    if (rc != EO_OK) fail_msg("'%s': %s", buf, err.msg);
    assert_int_equal(eo_model_nlayers(m2), 12);
    for (int i = 0; i < 12; i++) {
        eo_layer_desc a, b;
        eo_model_layer(m, i, &a, NULL, NULL, NULL, NULL);
        eo_model_layer(m2, i, &b, NULL, NULL, NULL, NULL);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* Truncated output still says how much is needed and is terminated. */
    char small[10];
    assert_int_equal(eo_model_describe(m, small, sizeof small), need);
    assert_int_equal(strlen(small), 9);
    eo_model_destroy(m);
    eo_model_destroy(m2);
}

/* Each bad input: expected status, line, column and a word of the message. */
static void test_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        int nout;
        int code;
        long line, col;
        const char *word;
    } cases[] = {
        {"conv 16 3x3 -> relux", 10, EO_ERR_PARSE, 1, 16, "unknown layer"},
        {"conv 16 3x3\n  maxpool two\n", 10, EO_ERR_PARSE, 2, 11, "window"},
        {"conv 16\n", 10, EO_ERR_PARSE, 1, 1, "needs"},
        {"conv 16 3x3 stride=0 -> dense 10", 10, EO_ERR_PARSE, 1, 20, "stride"},
        {"conv 16 3x3 bogus=1", 10, EO_ERR_PARSE, 1, 13, "unknown option"},
        {"conv 16 30x30 -> dense 10", 10, EO_ERR_SHAPE, 1, 1, "does not fit"},
        {"dense 10\nrelu extra", 10, EO_ERR_PARSE, 2, 6, "no arguments"},
        {"dropout 1.5", 0, EO_ERR_PARSE, 1, 9, "dropout"},
        {"dense 12", 10, EO_ERR_SHAPE, 1, 1, "10"},
        {"# nothing\n\n", 10, EO_ERR_PARSE, 3, 1, "no layers"},
        {"dense", 0, EO_ERR_PARSE, 1, 1, "size"},
        {"dwconv 3x3 -> maxpool 2 -> dense 5 -> conv 4 3x3", 0, EO_ERR_SHAPE, 1, 39, "conv2d"},
        {"bn eps=x", 0, EO_ERR_PARSE, 1, 8, "number"},
        {"conv 16 3x3 pad=same stride=2 -> maxpool 3 pad=2", 0, EO_ERR_PARSE, 1, 34, "padding"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eo_model *m = (eo_model *)1;
        eo_error err;
        eo_error_clear(&err);
        int rc = eo_model_from_description(cases[i].text, "net.txt", MNIST, cases[i].nout, NULL, &m, &err);
        if (rc != cases[i].code || err.line != cases[i].line || err.column != cases[i].col ||
            !strstr(err.msg, cases[i].word) || strcmp(err.where, "net.txt") != 0)
            fail_msg("case %zu '%s': rc %d %s:%ld:%ld: %s", i, cases[i].text, rc, err.where, err.line, err.column,
                     err.msg);
        assert_null(m);
    }
}

static void test_spec_errors(void **state)
{
    (void)state;
    struct {
        const char *spec;
        long col;
        const char *word;
    } cases[] = {
        {"mlp:256,x", 9, "hidden"},
        {"mlp:", 5, "hidden"},
        {"mlp:256,,128", 9, "hidden"},
        {"mlp:64:act=swish", 12, "activation"},
        {"mlp:64:drop=0.5", 8, "unknown mlp option"},
        {"mlp:64:dropout=1", 16, "dropout"},
        {"mlp:64:bn=2", 11, "bn"},
        {"mlp:64:act", 8, "key=value"},
        {"mlp:64:alpha=0.2", 8, "leaky_relu"},
        {"cnn", 1, "unknown model"},
        {"Linear", 1, "unknown model"},
        {"", 1, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eo_model *m = NULL;
        eo_error err;
        eo_error_clear(&err);
        int rc = eo_model_from_spec(cases[i].spec, MNIST, 10, NULL, &m, &err);
        if (rc != EO_ERR_PARSE || err.line != 1 || err.column != cases[i].col || !strstr(err.msg, cases[i].word))
            fail_msg("'%s': rc %d col %ld: %s", cases[i].spec, rc, err.column, err.msg);
        assert_null(m);
    }
    eo_model *m = NULL;
    assert_int_equal(eo_model_from_spec("linear", MNIST, 0, NULL, &m, NULL), EO_ERR_INVALID);
    int64_t bad[3] = {1, 0, 3};
    assert_int_equal(eo_model_from_spec("linear", bad, 1, NULL, &m, NULL), EO_ERR_SHAPE);
}

/* eo_model_create validation and layer descriptors straight from the API. */
static void test_create_validation(void **state)
{
    (void)state;
    eo_model *m = NULL;
    eo_error err;
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_DENSE);
    assert_int_equal(eo_model_create(MNIST, &d, 1, NULL, &m, &err), EO_ERR_INVALID); /* units 0 */
    assert_non_null(strstr(err.msg, "layer 1"));
    d.units = 3;
    assert_int_equal(eo_model_create(MNIST, &d, 0, NULL, &m, &err), EO_ERR_INVALID);
    eo_layer_desc c = eo_layer_desc_defaults(EO_LAYER_DWCONV2D);
    c.units = 2;
    assert_int_equal(eo_model_create(MNIST, &c, 1, NULL, &m, &err), EO_ERR_SHAPE);
    eo_layer_desc k = d;
    k.kind = (eo_layer_kind)99;
    assert_int_equal(eo_model_create(MNIST, &k, 1, NULL, &m, &err), EO_ERR_INVALID);
    eo_layer_desc lr = eo_layer_desc_defaults(EO_LAYER_LEAKY_RELU);
    lr.alpha = -1.0f;
    assert_int_equal(eo_model_create(MNIST, &lr, 1, NULL, &m, &err), EO_ERR_INVALID);
    int64_t out[3];
    eo_layer_desc p = eo_layer_desc_defaults(EO_LAYER_MAXPOOL);
    assert_int_equal(eo_layer_output_shape(&p, MNIST, out, &err), EO_OK);
    assert_int_equal(out[1], 14);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_specs),  cmocka_unit_test(test_mlp_specs),
        cmocka_unit_test(test_example_cnn),   cmocka_unit_test(test_description_syntax),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_create_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
