/* io: float models in .eom files. Save/load is bit-exact for parameters,
 * batch-norm buffers, scaler and metadata; the loader refuses an unknown layer
 * kind, a newer format and mismatched tensors with clear messages. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>

#include "eo_test.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"

static char path[128];

static void random_params(eo_model *m, uint64_t seed)
{
    eo_rng r;
    eo_rng_seed(&r, seed);
    float *p = eo_model_params(m);
    for (size_t i = 0; i < eo_model_nparams(m); i++) p[i] = (float)eo_rng_normal(&r);
    float *b = eo_model_buffers(m);
    for (size_t i = 0; i < eo_model_nbuffers(m); i++) b[i] = eo_rng_uniformf(&r) + 0.5f;
}

static void round_trip(const char *spec, const int64_t in[3], int nout)
{
    eo_model *m, *m2;
    eo_error e;
    int st = eo_model_from_spec(spec, in, nout, NULL, &m, &e);
    if (st) fail_msg("spec %s: %s", spec, e.msg);
    random_params(m, 3);
    size_t cols = (size_t)eo_model_in_numel(m);
    eo_scaler sc = {EO_SCALE_STANDARD, cols, malloc(cols * 4), malloc(cols * 4)};
    for (size_t i = 0; i < cols; i++) {
        sc.offset[i] = (float)i * 0.1f;
        sc.scale[i] = 1.0f / (float)(i + 3);
    }
    eo_model_meta meta = eo_model_meta_defaults(), meta2;
    meta.task = EO_MODEL_TASK_CLASSIFICATION;
    meta.n_classes = nout;
    snprintf(meta.spec, sizeof meta.spec, "%s", spec);
    snprintf(meta.dataset, sizeof meta.dataset, "synthetic:blobs");
    snprintf(meta.optimizer, sizeof meta.optimizer, "adam:lr=0.001");
    meta.epochs = 5;
    meta.seed = 1;
    meta.val_accuracy = 0.875;
    st = eo_model_save(path, m, &sc, &meta, &e);
    if (st) fail_msg("save: %s", e.msg);
    eo_scaler sc2;
    st = eo_model_load(path, &m2, &sc2, &meta2, &e);
    if (st) fail_msg("load: %s", e.msg);
    assert_int_equal(eo_model_nlayers(m2), eo_model_nlayers(m));
    assert_int_equal(eo_model_nparams(m2), eo_model_nparams(m));
    assert_memory_equal(eo_model_params(m2), eo_model_params(m), eo_model_nparams(m) * 4);
    assert_int_equal(eo_model_nbuffers(m2), eo_model_nbuffers(m));
    if (eo_model_nbuffers(m))
        assert_memory_equal(eo_model_buffers(m2), eo_model_buffers(m), eo_model_nbuffers(m) * 4);
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        eo_layer_desc a, b;
        eo_model_layer(m, i, &a, NULL, NULL, NULL, NULL);
        eo_model_layer(m2, i, &b, NULL, NULL, NULL, NULL);
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.units, b.units);
        assert_int_equal(a.kh, b.kh);
        assert_int_equal(a.stride, b.stride);
        assert_int_equal(a.pad, b.pad);
        assert_true(a.p == b.p && a.alpha == b.alpha && a.eps == b.eps && a.momentum == b.momentum);
    }
    assert_int_equal(sc2.kind, EO_SCALE_STANDARD);
    assert_int_equal(sc2.cols, cols);
    assert_memory_equal(sc2.offset, sc.offset, cols * 4);
    assert_memory_equal(sc2.scale, sc.scale, cols * 4);
    assert_string_equal(meta2.spec, spec);
    assert_string_equal(meta2.dataset, "synthetic:blobs");
    assert_string_equal(meta2.optimizer, "adam:lr=0.001");
    assert_string_equal(meta2.edgeopt_version, eo_version());
    assert_true(meta2.epochs == 5 && meta2.seed == 1 && meta2.n_classes == nout);
    assert_true(meta2.val_accuracy == 0.875);
    assert_true(isnan(meta2.val_loss));

    /* Same outputs on the same input (the architecture really round-tripped). */
    float x[2 * 64];
    for (size_t i = 0; i < 2 * cols && i < 128; i++) x[i] = (float)((int)(i % 7) - 3) * 0.25f;
    const float *o1, *o2;
    assert_int_equal(eo_model_forward(m, x, 2, 0, NULL, &o1), EO_OK);
    assert_int_equal(eo_model_forward(m2, x, 2, 0, NULL, &o2), EO_OK);
    assert_memory_equal(o1, o2, 2 * (size_t)eo_model_out_numel(m) * 4);

    /* Saving the loaded model again gives the same bytes. */
    unsigned char *b1, *b2;
    size_t n1, n2;
    assert_int_equal(eo_io_read_file(path, 1 << 26, &b1, &n1, NULL), EO_OK);
    assert_int_equal(eo_model_save(path, m2, &sc2, &meta2, &e), EO_OK);
    assert_int_equal(eo_io_read_file(path, 1 << 26, &b2, &n2, NULL), EO_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    eo_scaler_free(&sc);
    eo_scaler_free(&sc2);
    eo_model_destroy(m);
    eo_model_destroy(m2);
}

static void test_round_trip_mlp(void **state)
{
    (void)state;
    int64_t in[3] = {1, 1, 20};
    round_trip("mlp:16,8:bn=1,dropout=0.25", in, 3);
    round_trip("softmax", in, 4);
    round_trip("mlp:5:act=leaky_relu,alpha=0.2", in, 1);
}

static void test_round_trip_cnn(void **state)
{
    (void)state;
    int64_t in[3] = {1, 8, 8};
    round_trip("conv 4 3x3 pad=same -> bn -> relu -> maxpool 2 -> dwconv 3x3 -> relu6 -> gap -> dense 5", in, 5);
}

/* Build a file by hand with the generic writer. */
static void save_with(const char *kind, uint32_t version_patch)
{
    eo_mf_writer *w;
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    int64_t in[3] = {1, 1, 4}, iv[5] = {2, 0, 0, 0, 0};
    double fv[4] = {0.01, 0.5, 1e-5, 0.1};
    eo_mf_put_ints(w, "model.input_shape", in, 3);
    eo_mf_put_int(w, "model.layers", 1);
    eo_mf_put_str(w, "layer.0.kind", kind);
    eo_mf_put_ints(w, "layer.0.ints", iv, 5);
    eo_mf_put_floats(w, "layer.0.floats", fv, 4);
    float wt[8] = {0}, bias[2] = {0};
    int64_t dw[2] = {2, 4}, db[1] = {2};
    eo_mf_put_tensor(w, "layer.0.weight", EO_MF_F32, 2, dw, wt);
    eo_mf_put_tensor(w, "layer.0.bias", EO_MF_F32, 1, db, bias);
    unsigned char *b;
    size_t len;
    eo_error e;
    assert_int_equal(eo_mf_writer_encode(w, &b, &len, &e), EO_OK);
    eo_mf_writer_destroy(w);
    if (version_patch) {
        eo_io_store_le32(b + 8, version_patch);
        eo_io_store_le32(b + len - 4, eo_io_crc32(0, b, len - 4));
    }
    eo_io_piece piece = {b, len};
    assert_int_equal(eo_io_write_atomic(path, &piece, 1, &e), EO_OK);
    free(b);
}

static void test_refusals(void **state)
{
    (void)state;
    eo_model *m;
    eo_error e;
    save_with("dense", 0);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_OK);
    assert_int_equal(eo_model_nparams(m), 10);
    eo_model_destroy(m);

    save_with("quantum_dense", 0);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
    assert_null(m);
    assert_non_null(strstr(e.msg, "unknown layer kind 'quantum_dense'"));

    save_with("dense", EO_MF_VERSION + 1);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "newer"));

    /* A tensor whose shape does not match the layer. */
    eo_mf_writer *w;
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    int64_t in[3] = {1, 1, 4}, iv[5] = {2, 0, 0, 0, 0};
    double fv[4] = {0.01, 0.5, 1e-5, 0.1};
    eo_mf_put_ints(w, "model.input_shape", in, 3);
    eo_mf_put_int(w, "model.layers", 1);
    eo_mf_put_str(w, "layer.0.kind", "dense");
    eo_mf_put_ints(w, "layer.0.ints", iv, 5);
    eo_mf_put_floats(w, "layer.0.floats", fv, 4);
    float wt[9] = {0}, bias[2] = {0};
    int64_t dw[2] = {3, 3}, db[1] = {2};
    eo_mf_put_tensor(w, "layer.0.weight", EO_MF_F32, 2, dw, wt);
    eo_mf_put_tensor(w, "layer.0.bias", EO_MF_F32, 1, db, bias);
    assert_int_equal(eo_mf_writer_save(w, path, &e), EO_OK);
    eo_mf_writer_destroy(w);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "layer.0.weight"));

    /* model.params disagreeing with the layers (a fuzzer find: the message
     * used the model after freeing it). */
    save_with("dense", 0);
    {
        eo_mf_reader *r;
        assert_int_equal(eo_mf_reader_open(path, 0, &r, &e), EO_OK);
        eo_mf_writer *w2;
        assert_int_equal(eo_mf_writer_create(&w2), EO_OK);
        for (size_t i = 0; i < eo_mf_meta_count(r); i++) {
            const eo_mf_meta *mm = eo_mf_meta_at(r, i);
            if (mm->type == EO_MF_STR) eo_mf_put_str(w2, mm->key, mm->s);
            if (mm->type == EO_MF_INT) eo_mf_put_int(w2, mm->key, mm->i);
            if (mm->type == EO_MF_INTS) eo_mf_put_ints(w2, mm->key, mm->ints, mm->n);
            if (mm->type == EO_MF_FLOATS) eo_mf_put_floats(w2, mm->key, mm->floats, mm->n);
        }
        eo_mf_put_int(w2, "model.params", 11);
        eo_mf_reader_destroy(r);
        assert_int_equal(eo_mf_writer_save(w2, path, &e), EO_OK);
        eo_mf_writer_destroy(w2);
        assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "model.params says 11 parameters but the layers have 10"));
    }
    /* An architecture far larger than the file: refused before allocating. */
    {
        eo_mf_writer *w2;
        assert_int_equal(eo_mf_writer_create(&w2), EO_OK);
        int64_t in2[3] = {1, 1, 100000}, iv2[5] = {100000, 0, 0, 0, 0};
        double fv2[4] = {0.01, 0.5, 1e-5, 0.1};
        eo_mf_put_str(w2, "model.type", "float");
        eo_mf_put_ints(w2, "model.input_shape", in2, 3);
        eo_mf_put_int(w2, "model.layers", 1);
        eo_mf_put_str(w2, "layer.0.kind", "dense");
        eo_mf_put_ints(w2, "layer.0.ints", iv2, 5);
        eo_mf_put_floats(w2, "layer.0.floats", fv2, 4);
        assert_int_equal(eo_mf_writer_save(w2, path, &e), EO_OK);
        eo_mf_writer_destroy(w2);
        assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "more than a"));
    }

    /* Not a model at all / missing file. */
    eo_io_piece piece = {"hello world, not a model", 24};
    assert_int_equal(eo_io_write_atomic(path, &piece, 1, &e), EO_OK);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "bad magic"));
    unlink(path);
    assert_int_equal(eo_model_load(path, &m, NULL, NULL, &e), EO_ERR_NOT_FOUND);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/eo_test_modelsave_%ld.eom", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_mlp),
        cmocka_unit_test(test_round_trip_cnn),
        cmocka_unit_test(test_refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
