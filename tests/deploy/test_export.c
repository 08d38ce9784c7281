/* deploy: the C exporter's library side (what it emits, its figures and its
 * refusals). Compiling and running the generated code is the job of the shell
 * tests next to this file (test_export_host.sh, test_export_size.sh). */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "eo_test.h"
#include "deploy/internal.h"
#include "edgeopt/core.h"
#include "edgeopt/deploy.h"
#include "edgeopt/io.h"
#include "edgeopt/model.h"
#include "edgeopt/qmodel.h"

static char *read_text(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", EO_SOURCE_DIR, rel);
    unsigned char *buf = NULL;
    size_t len = 0;
    if (eo_io_read_file(path, (size_t)1 << 24, &buf, &len, NULL) != EO_OK) fail_msg("cannot read %s", path);
    return (char *)buf;
}

/* The build embeds the current kernel sources byte for byte. */
static void test_embedded_text_is_current(void **state)
{
    (void)state;
    char *h = read_text("include/edgeopt/qref.h"), *c = read_text("src/kernels/qref.c");
    assert_string_equal(eo__qref_h_text, h);
    assert_string_equal(eo__qref_c_text, c);
    free(h);
    free(c);
}

/* Independent scan of qref.c: in the file's style a function definition
 * starts at column 0 with its return type (a letter) and has '(' but no ';'
 * or '=' on that line. The cutter must find the same names in the same
 * order. */
static void test_cutter_finds_every_definition(void **state)
{
    (void)state;
    char *c = read_text("src/kernels/qref.c");
    char expect[64][64];
    size_t ne = 0;
    char *save = NULL;
    for (char *line = strtok_r(c, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int starts_decl = (line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z');
        if (starts_decl && strncmp(line, "typedef", 7) != 0 && strchr(line, '(') && !strchr(line, ';') &&
            !strchr(line, '=') && ne < 64) {
            char *p = strchr(line, '(');
            char *b = p;
            while (b > line && (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') || (b[-1] >= '0' && b[-1] <= '9') ||
                                (b[-1] >= 'A' && b[-1] <= 'Z')))
                b--;
            snprintf(expect[ne++], 64, "%.*s", (int)(p - b), b);
        }
    }
    char got[64][64];
    size_t ng = eo__runtime_list(got, 64);
    if (ng != ne) fail_msg("cutter found %zu definitions, the line scan %zu", ng, ne);
    for (size_t i = 0; i < ne; i++) assert_string_equal(got[i], expect[i]);
    assert_true(ne >= 15);
    free(c);
}

static char *emit_runtime(unsigned want)
{
    eo__sb b;
    eo__sb_init(&b);
    assert_int_equal(eo__runtime_emit(&b, want, NULL), EO_OK);
    return b.s;
}

/* Only the kernels asked for (and what they call), all static. */
static void test_runtime_selection(void **state)
{
    (void)state;
    char *fc = emit_runtime(EO__RT_FC);
    assert_non_null(strstr(fc, "static int eo_q8_fc_ref("));
    assert_non_null(strstr(fc, "static int eo_q8_fc_check("));
    assert_non_null(strstr(fc, "static int q8__check_params("));
    assert_null(strstr(fc, "eo_q8_conv2d_ref"));
    assert_null(strstr(fc, "q8__pool("));
    assert_null(strstr(fc, "eo_q8_quantize_ref"));
    assert_null(strstr(fc, "#include \"edgeopt/qref.h\""));
    assert_non_null(strstr(fc, "typedef struct eo_q8_params"));
    assert_non_null(strstr(fc, "static inline int32_t eo_q8_srdhm"));
    /* No external definition or declaration is left. */
    for (const char *p = fc; (p = strstr(p, "\nint ")) != NULL; p++) fail_msg("non-static: %.60s", p + 1);
    for (const char *p = fc; (p = strstr(p, "\nint32_t eo_")) != NULL; p++) fail_msg("non-static: %.60s", p + 1);
    free(fc);

    char *all = emit_runtime(0xff);
    const char *roots[] = {"eo_q8_fc_ref", "eo_q8_conv2d_ref", "eo_q8_dwconv2d_ref", "eo_q8_maxpool_ref",
                           "eo_q8_avgpool_ref", "eo_q8_gap_ref", "eo_q8_quantize_ref", "eo_q8_dequantize_ref"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        char def[96];
        snprintf(def, sizeof def, "static int %s(", roots[i]);
        if (!strstr(all, def)) fail_msg("%s missing", def);
    }
    /* The float converters stay inside their #ifndef. */
    const char *q = strstr(all, "static int eo_q8_quantize_ref(");
    const char *last_ifndef = NULL;
    for (const char *p = all; (p = strstr(p, "#ifndef EO_QREF_NO_FLOAT")) != NULL && p < q; p++) last_ifndef = p;
    assert_non_null(last_ifndef);
    free(all);
}

/* A CNN with every layer kind of model.h. */
static const char *all_layers =
    "conv 4 3x3 pad=1 -> batchnorm -> relu -> dwconv 3x3 stride=2 pad=1 -> relu6 -> maxpool 2 -> "
    "conv 6 3x3 pad=same -> leaky_relu 0.1 -> avgpool 2 pad=1 -> tanh -> dropout 0.2 -> flatten -> "
    "dense 12 -> sigmoid -> dense 10 -> softmax";

static eo_model *make_model(const char *desc, const int64_t in[3], int n_out)
{
    eo_model *m = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_model_from_description(desc, "test", in, n_out, NULL, &m, &e)) fail_msg("%s", e.msg);
    eo_rng rng;
    eo_rng_seed(&rng, 7);
    assert_int_equal(eo_model_init_params(m, &rng), EO_OK);
    /* Non-trivial batch-norm statistics. */
    float *buf = eo_model_buffers(m);
    for (size_t i = 0; i < eo_model_nbuffers(m); i++) buf[i] = 0.5f + 0.25f * (float)(i % 5);
    return m;
}

static void test_float_export_figures(void **state)
{
    (void)state;
    const int64_t in[3] = {1, 12, 12};
    eo_model *m = make_model(all_layers, in, 10);
    eo_export_params p = eo_export_defaults();
    strcpy(p.name, "net");
    p.source_name = "test.eom";
    p.has_source_crc = 1;
    p.source_crc32 = 0xdeadbeefu;
    eo_export_result r;
    eo_error e;
    eo_error_clear(&e);
    if (eo_export_c_float(m, &p, &r, &e)) fail_msg("%s", e.msg);
    assert_int_equal(r.quantized, 0);
    /* Every parameter is emitted once (batch norm's gamma, beta become a, b). */
    assert_int_equal(r.weight_bytes, eo_model_nparams(m) * sizeof(float));
    assert_int_equal(r.flash_bytes, r.weight_bytes + r.code_bytes);
    assert_int_equal(r.ram_bytes, r.arena_bytes + r.stack_bytes);
    assert_true(r.arena_bytes >= r.peak_live_bytes);
    assert_true(r.arena_bytes <= r.naive_arena_bytes);
    assert_true(r.arena_bytes < r.naive_arena_bytes); /* something was reused */
    assert_true(r.code_bytes > 500 && r.code_bytes < 8000);
    /* Layers minus flatten and dropout. */
    assert_int_equal(r.nops, 14);
    assert_int_equal(r.in_numel, 144);
    assert_int_equal(r.out_numel, 10);
    /* Self-describing header. */
    assert_non_null(strstr(r.header, "Generated by edgeopt"));
    assert_non_null(strstr(r.header, eo_version()));
    assert_non_null(strstr(r.header, "test.eom (CRC-32 0xdeadbeef)"));
    assert_non_null(strstr(r.header, "#define NET_INPUT_SIZE 144"));
    assert_non_null(strstr(r.header, "#define NET_OUTPUT_SIZE 10"));
    assert_non_null(strstr(r.header, "int net_predict(const float *input, float *output);"));
    /* Readable source: layer comments, no allocation, libm only for tanh etc. */
    assert_non_null(strstr(r.source, "/* op 0 = layer 0: conv2d (1,12,12) -> (4,12,12) */"));
    assert_non_null(strstr(r.source, "in place"));
    assert_non_null(strstr(r.source, "#include <math.h>"));
    assert_null(strstr(r.source, "malloc"));
    char arena_decl[64];
    snprintf(arena_decl, sizeof arena_decl, "static float net_arena[%zu];", r.arena_bytes / sizeof(float));
    assert_non_null(strstr(r.source, arena_decl));
    eo_export_result_free(&r);

    /* A plain MLP without transcendental layers needs no libm. */
    const int64_t vin[3] = {1, 1, 20};
    eo_model *mlp = make_model("dense 16 -> relu -> dense 3", vin, 3);
    if (eo_export_c_float(mlp, &p, &r, &e)) fail_msg("%s", e.msg);
    assert_null(strstr(r.source, "math.h"));
    /* dense writes the arena, relu runs in place there, the last dense writes
     * the caller's output: one 64-byte buffer. */
    assert_int_equal(r.arena_bytes, 16 * sizeof(float));
    assert_non_null(strstr(r.source, "dense_f32(input, net_l0_weight, net_l0_bias, 20, 16, 20, net_arena + 0);"));
    assert_non_null(strstr(r.source, "relu_f32(net_arena + 0, 16, net_arena + 0);"));
    assert_non_null(strstr(r.source, "dense_f32(net_arena + 0, net_l2_weight, net_l2_bias, 16, 3, 16, output);"));
    eo_export_result_free(&r);
    eo_model_destroy(mlp);
    eo_model_destroy(m);
}

/* The summation blocks follow src/kernels/gemm.c's balanced blocks. */
static void test_kblock(void **state)
{
    (void)state;
    assert_int_equal(eo__gemm_kblock(784), 196);
    assert_int_equal(eo__gemm_kblock(256), 256);
    assert_int_equal(eo__gemm_kblock(257), 132);
    assert_int_equal(eo__gemm_kblock(9), 12);
    assert_int_equal(eo__gemm_kblock(128), 128);
}

static void test_refusals(void **state)
{
    (void)state;
    eo_export_params p = eo_export_defaults();
    eo_export_result r;
    eo_error e;
    const int64_t in[3] = {2, 8, 8}, out[3] = {2, 4, 4};
    /* Every layer kind of this version has an export; a kind from a newer
     * model file, and a max-pool window that lies entirely in the padding
     * (the model module no longer creates one), are refused by name. */
    eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_MAXPOOL);
    d.pad = 2;
    eo_error_clear(&e);
    assert_int_equal(eo__float_layer_kern(1, &d, in, out, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "layer 1 (maxpool 2x2 pad=2) cannot be exported"));
    d.kind = EO_LAYER_COUNT;
    assert_int_equal(eo__float_layer_kern(4, &d, in, out, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "layer 4 (unknown) has no C export"));
    for (int k = 0; k < EO_LAYER_COUNT; k++) {
        d = eo_layer_desc_defaults((eo_layer_kind)k);
        assert_true(eo__float_layer_kern(0, &d, in, out, NULL) >= 0);
    }
    eo_qop op;
    memset(&op, 0, sizeof op);
    op.kind = EO_QOP_COUNT;
    op.first_layer = 3;
    op.last_layer = 4;
    unsigned bit;
    assert_int_equal(eo__int8_op_kern(2, &op, &bit, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "op 2 (unknown, model layers 3..4) has no C export"));
    /* An op the int8 kernel would reject at run time (shift out of range). */
    const int8_t w[4] = {1, 2, 3, 4};
    const int32_t bias[2] = {0, 0}, mult[1] = {1 << 30}, shift[1] = {40};
    op.kind = EO_QOP_FC;
    op.out_ch = 2;
    op.fan_in = 2;
    op.act_min = -128;
    op.act_max = 127;
    op.n_wscale = 1;
    op.w = w;
    op.bias = bias;
    op.mult = mult;
    op.shift = shift;
    for (int k = 0; k < 3; k++) op.in_shape[k] = op.out_shape[k] = 1;
    op.in_shape[2] = op.out_shape[2] = 2;
    assert_int_equal(eo__int8_op_kern(0, &op, &bit, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "op 0 (fc, model layers 3..4) cannot be exported: the int8 kernel rejects"));
    eo_model *m;
    /* Non-finite parameters name the layer. */
    m = make_model("conv 2 3x3 -> relu -> dense 4", in, 4);
    size_t off;
    eo_model_layer(m, 2, NULL, NULL, NULL, &off, NULL);
    eo_model_params(m)[off + 3] = NAN;
    eo_error_clear(&e);
    assert_int_equal(eo_export_c_float(m, &p, &r, &e), EO_ERR_NUMERIC);
    assert_non_null(strstr(e.msg, "layer 2 (dense)"));
    /* Names must be C identifiers. */
    const char *bad[] = {"", "3net", "my-net", "int", "static", "a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(p.name, bad[i]);
        assert_non_null(eo_export_params_check(&p));
        assert_int_equal(eo_export_c_float(m, &p, &r, NULL), EO_ERR_INVALID);
    }
    strcpy(p.name, "Net_2");
    assert_null(eo_export_params_check(&p));
    eo_model_destroy(m);
}

/* An int8 export: the header documents the quantization of the input and the
 * output, and the figures add up. */
static void test_int8_export(void **state)
{
    (void)state;
    const int64_t in[3] = {1, 10, 10};
    eo_model *m = make_model("conv 4 3x3 pad=1 -> relu -> maxpool 2 -> conv 8 3x3 -> relu -> gap -> dense 5", in, 5);
    float calib[64 * 100];
    eo_rng rng;
    eo_rng_seed(&rng, 3);
    for (size_t i = 0; i < sizeof calib / sizeof calib[0]; i++) calib[i] = (float)eo_rng_uniform(&rng);
    eo_qmodel_params qp = eo_qmodel_defaults();
    eo_qmodel *q = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_qmodel_quantize(m, calib, 64, &qp, NULL, &q, &e)) fail_msg("%s", e.msg);
    eo_export_params p = eo_export_defaults();
    strcpy(p.name, "qnet");
    eo_export_result r;
    if (eo_export_c_int8(q, &p, &r, &e)) fail_msg("%s", e.msg);
    assert_int_equal(r.quantized, 1);
    assert_int_equal(r.nops, eo_qmodel_nops(q));
    char line[128];
    eo_q8_qparam qi = eo_qmodel_input_qparam(q), qo = eo_qmodel_output_qparam(q);
    snprintf(line, sizeof line, "#define QNET_INPUT_ZERO_POINT (%ld)", (long)qi.zero_point);
    assert_non_null(strstr(r.header, line));
    snprintf(line, sizeof line, "#define QNET_OUTPUT_ZERO_POINT (%ld)", (long)qo.zero_point);
    assert_non_null(strstr(r.header, line));
    /* The scale macro reads back to the same float. */
    const char *s = strstr(r.header, "#define QNET_INPUT_SCALE ");
    assert_non_null(s);
    assert_true(strtof(s + strlen("#define QNET_INPUT_SCALE "), NULL) == qi.scale);
    assert_non_null(strstr(r.header, "int qnet_predict_int8(const int8_t *input, int8_t *output);"));
    assert_non_null(strstr(r.header, "#ifndef EO_QREF_NO_FLOAT"));
    assert_non_null(strstr(r.source, "static int eo_q8_conv2d_ref("));
    assert_null(strstr(r.source, "eo_q8_dwconv2d_ref"));
    /* Exact const bytes: int8 weights, int32 bias, multiplier and shift. */
    size_t expect = 0;
    for (int i = 0; i < eo_qmodel_nops(q); i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        if (eo_qop_is_compute(o.kind))
            expect += (size_t)o.out_ch * (size_t)o.fan_in + 4 * (size_t)o.out_ch + 8 * (size_t)o.n_wscale;
    }
    assert_int_equal(r.weight_bytes, expect);
    assert_true(r.arena_bytes >= r.peak_live_bytes && r.arena_bytes <= r.naive_arena_bytes);
    assert_int_equal(r.wrapper_ram_bytes, 100 + 5);
    eo_export_result_free(&r);
    eo_qmodel_destroy(q);
    eo_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_text_is_current),
        cmocka_unit_test(test_cutter_finds_every_definition),
        cmocka_unit_test(test_runtime_selection),
        cmocka_unit_test(test_float_export_figures),
        cmocka_unit_test(test_kblock),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_int8_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
