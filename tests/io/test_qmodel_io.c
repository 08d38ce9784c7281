/* int8 model files: bit-exact save/load round trip, the float architecture
 * readable by the generic model reader, refusals of float files and of
 * files whose int8 fields are inconsistent (each field is re-checked). */
#include <string.h>
#include <unistd.h>

#include "compress/cm_util.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qmodel.h"

static const char *desc =
    "conv 4 3x3 pad=1 -> batchnorm -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> relu6 -> gap -> dense 3 -> softmax";

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/qmodel_io_%ld_%s", EO_BINARY_DIR, (long)getpid(), name);
}

static eo_qmodel *make_q(int per_channel, float **xout)
{
    eo_model *m = cm_model(desc, 2, 8, 8, 3, 31);
    /* non-trivial batch-norm statistics */
    size_t bo, bc;
    eo_model_layer_buffers(m, 1, &bo, &bc);
    for (size_t i = 0; i < bc / 2; i++) {
        eo_model_buffers(m)[bo + i] = 0.1f * (float)i;
        eo_model_buffers(m)[bo + bc / 2 + i] = 0.5f + 0.25f * (float)i;
    }
    float *x = malloc(64 * 128 * sizeof *x);
    eo_rng r;
    eo_rng_seed(&r, 3);
    for (int i = 0; i < 64 * 128; i++) x[i] = (float)eo_rng_normal(&r);
    eo_qmodel_params p = eo_qmodel_defaults();
    p.per_channel = per_channel;
    eo_qmodel *q = NULL;
    eo_error e;
    eo_error_clear(&e);
    if (eo_qmodel_quantize(m, x, 64, &p, NULL, &q, &e)) fail_msg("%s", e.msg);
    eo_model_destroy(m);
    *xout = x;
    return q;
}

static void same_ops(const eo_qmodel *a, const eo_qmodel *b)
{
    assert_int_equal(eo_qmodel_nops(a), eo_qmodel_nops(b));
    for (int i = 0; i < eo_qmodel_nops(a); i++) {
        eo_qop x, y;
        eo_qmodel_op(a, i, &x);
        eo_qmodel_op(b, i, &y);
        assert_int_equal(x.kind, y.kind);
        assert_int_equal(x.first_layer, y.first_layer);
        assert_int_equal(x.last_layer, y.last_layer);
        assert_memory_equal(x.in_shape, y.in_shape, sizeof x.in_shape);
        assert_memory_equal(x.out_shape, y.out_shape, sizeof x.out_shape);
        assert_memory_equal(&x.geom, &y.geom, sizeof x.geom);
        assert_true(x.in_scale == y.in_scale && x.out_scale == y.out_scale);
        assert_int_equal(x.in_zp, y.in_zp);
        assert_int_equal(x.out_zp, y.out_zp);
        assert_int_equal(x.act, y.act);
        assert_int_equal(x.act_min, y.act_min);
        assert_int_equal(x.act_max, y.act_max);
        assert_int_equal(x.n_wscale, y.n_wscale);
        if (!eo_qop_is_compute(x.kind)) continue;
        assert_memory_equal(x.w, y.w, (size_t)x.out_ch * (size_t)x.fan_in);
        assert_memory_equal(x.bias, y.bias, (size_t)x.out_ch * 4);
        assert_memory_equal(x.w_scale, y.w_scale, (size_t)x.n_wscale * 4);
        assert_memory_equal(x.mult, y.mult, (size_t)x.n_wscale * 4);
        assert_memory_equal(x.shift, y.shift, (size_t)x.n_wscale * 4);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int pc = 0; pc <= 1; pc++) {
        float *x;
        eo_qmodel *q = make_q(pc, &x);
        assert_int_equal(eo_qmodel_nops(q), 5); /* conv(+bn,relu), maxpool, dwconv(relu6), gap, fc */
        float off[128], sc[128];
        for (int i = 0; i < 128; i++) {
            off[i] = 0.01f * (float)i;
            sc[i] = 1.0f + 0.001f * (float)i;
        }
        eo_scaler s = {EO_SCALE_STANDARD, 128, off, sc};
        eo_model_meta meta = eo_model_meta_defaults();
        meta.n_classes = 3;
        snprintf(meta.dataset, sizeof meta.dataset, "synthetic");
        char path[512];
        tmp_path(path, sizeof path, "rt.eom");
        eo_error e;
        eo_error_clear(&e);
        if (eo_qmodel_save(path, q, &s, &meta, &e)) fail_msg("%s", e.msg);
        eo_qmodel *q2 = NULL;
        eo_scaler s2;
        eo_model_meta meta2;
        if (eo_qmodel_load(path, &q2, &s2, &meta2, &e)) fail_msg("%s", e.msg);
        same_ops(q, q2);
        assert_int_equal(eo_qmodel_final_softmax(q2), 1);
        assert_int_equal(eo_qmodel_per_channel(q2), pc);
        assert_int_equal(s2.kind, EO_SCALE_STANDARD);
        assert_memory_equal(s2.offset, off, sizeof off);
        assert_memory_equal(s2.scale, sc, sizeof sc);
        assert_int_equal(meta2.n_classes, 3);
        assert_string_equal(meta2.dataset, "synthetic");
        float a[64 * 3], b[64 * 3];
        assert_int_equal(eo_qmodel_forward(q, x, 64, a), EO_OK);
        assert_int_equal(eo_qmodel_forward(q2, x, 64, b), EO_OK);
        assert_memory_equal(a, b, sizeof a);
        /* saving the loaded model gives the same bytes */
        char path2[512];
        tmp_path(path2, sizeof path2, "rt2.eom");
        assert_int_equal(eo_qmodel_save(path2, q2, &s2, &meta2, NULL), EO_OK);
        unsigned char *f1, *f2;
        size_t n1, n2;
        assert_int_equal(eo_io_read_file(path, 1 << 24, &f1, &n1, NULL), EO_OK);
        assert_int_equal(eo_io_read_file(path2, 1 << 24, &f2, &n2, NULL), EO_OK);
        assert_int_equal(n1, n2);
        assert_memory_equal(f1, f2, n1);
        free(f1);
        free(f2);
        /* generic readers: architecture yes, float parameters no */
        eo_mf_reader *r;
        assert_int_equal(eo_mf_reader_open(path, 0, &r, NULL), EO_OK);
        eo_model *arch = NULL;
        int has = 1;
        assert_int_equal(eo_mf_get_model(r, NULL, &arch, &has, NULL), EO_OK);
        assert_int_equal(has, 0);
        assert_int_equal(eo_model_nlayers(arch), 8); /* batch norm folded */
        eo_model_destroy(arch);
        eo_mf_reader_destroy(r);
        eo_model *fm = NULL;
        assert_int_equal(eo_model_load(path, &fm, NULL, NULL, NULL), EO_ERR_UNSUPPORTED);
        eo_scaler_free(&s2);
        eo_qmodel_destroy(q2);
        eo_qmodel_destroy(q);
        free(x);
        remove(path);
        remove(path2);
    }
}

static void test_float_file_refused(void **state)
{
    (void)state;
    eo_model *m = cm_model("mlp:4", 1, 1, 3, 2, 1);
    char path[512];
    tmp_path(path, sizeof path, "float.eom");
    assert_int_equal(eo_model_save(path, m, NULL, NULL, NULL), EO_OK);
    eo_qmodel *q = NULL;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_qmodel_load(path, &q, NULL, NULL, &e), EO_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "not an int8 model"));
    assert_null(q);
    eo_model_destroy(m);
    remove(path);
}

/* Copy every entry of src into a new file, replacing the int64 array at
 * `key` (element idx set to v) or the tensor `tkey` (bit 30 of its first int32 flipped).
 * Tensor bytes are copied raw: this helper assumes a little-endian host. */
static void copy_changed(const char *src, const char *dst, const char *key, size_t idx, int64_t v, const char *tkey)
{
    eo_mf_reader *r;
    assert_int_equal(eo_mf_reader_open(src, 0, &r, NULL), EO_OK);
    eo_mf_writer *w;
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    for (size_t i = 0; i < eo_mf_meta_count(r); i++) {
        const eo_mf_meta *mm = eo_mf_meta_at(r, i);
        switch (mm->type) {
        case EO_MF_INT: eo_mf_put_int(w, mm->key, key && !strcmp(mm->key, key) ? v : mm->i); break;
        case EO_MF_FLOAT: eo_mf_put_float(w, mm->key, mm->f); break;
        case EO_MF_STR: eo_mf_put_str(w, mm->key, mm->s); break;
        case EO_MF_FLOATS: eo_mf_put_floats(w, mm->key, mm->floats, mm->n); break;
        case EO_MF_INTS: {
            int64_t buf[64];
            assert_true(mm->n <= 64);
            memcpy(buf, mm->ints, mm->n * sizeof *buf);
            if (key && !strcmp(mm->key, key)) buf[idx] = v;
            eo_mf_put_ints(w, mm->key, buf, mm->n);
            break;
        }
        }
    }
    for (size_t i = 0; i < eo_mf_tensor_count(r); i++) {
        const eo_mf_tensor *t = eo_mf_tensor_at(r, i);
        unsigned char *buf = malloc(t->nbytes + 1);
        memcpy(buf, t->data, t->nbytes);
        if (tkey && !strcmp(t->name, tkey)) buf[3] ^= 0x40; /* bit 30 of element 0 */
        assert_int_equal(eo_mf_put_tensor(w, t->name, t->dtype, t->ndim, t->dims, buf), EO_OK);
        free(buf);
    }
    assert_int_equal(eo_mf_writer_save(w, dst, NULL), EO_OK);
    eo_mf_writer_destroy(w);
    eo_mf_reader_destroy(r);
}

static void test_bad_fields_refused(void **state)
{
    (void)state;
    float *x;
    eo_qmodel *q = make_q(1, &x);
    char path[512], bad[512];
    tmp_path(path, sizeof path, "good.eom");
    tmp_path(bad, sizeof bad, "bad.eom");
    assert_int_equal(eo_qmodel_save(path, q, NULL, NULL, NULL), EO_OK);
    /* the unchanged copy loads */
    copy_changed(path, bad, NULL, 0, 0, NULL);
    eo_qmodel *q2 = NULL;
    assert_int_equal(eo_qmodel_load(bad, &q2, NULL, NULL, NULL), EO_OK);
    eo_qmodel_destroy(q2);
    struct {
        const char *key;
        size_t idx;
        int64_t v;
        const char *tensor;
    } cases[] = {
        {"qop.0.ints", 5, 50, NULL},        /* act_min not the relu clamp */
        {"qop.0.ints", 8, 5, NULL},         /* out_ch disagrees with the tensors */
        {"qop.1.ints", 22, 0, NULL},        /* pool stride 0 */
        {"qop.4.ints", 9, 7, NULL},         /* fc fan-in */
        {"qop.2.ints", 0, 99, NULL},        /* first layer out of range */
        {"qop.3.ints", 4, 12, NULL},        /* gap changes the zero point */
        {"qmodel.ops", 0, 9, NULL},         /* more ops than layers */
        {"qmodel.input_zero_point", 0, 128, NULL},
        {NULL, 0, 0, "layer.0.int8.multiplier"}, /* multiplier below 2^30 */
        {NULL, 0, 0, "layer.0.int8.shift"},      /* shift out of range */
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        copy_changed(path, bad, cases[t].key, cases[t].idx, cases[t].v, cases[t].tensor);
        eo_error e;
        eo_error_clear(&e);
        q2 = NULL;
        int st = eo_qmodel_load(bad, &q2, NULL, NULL, &e);
        if (st != EO_ERR_FORMAT) fail_msg("case %zu: status %d (%s)", t, st, e.msg);
        assert_null(q2);
        assert_non_null(strstr(e.where, "bad.eom"));
    }
    /* truncation is caught by the container */
    unsigned char *buf;
    size_t n;
    assert_int_equal(eo_io_read_file(path, 1 << 24, &buf, &n, NULL), EO_OK);
    eo_io_piece pc = {buf, n / 2};
    assert_int_equal(eo_io_write_atomic(bad, &pc, 1, NULL), EO_OK);
    assert_int_equal(eo_qmodel_load(bad, &q2, NULL, NULL, NULL), EO_ERR_FORMAT);
    free(buf);
    remove(path);
    remove(bad);
    free(x);
    eo_qmodel_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_float_file_refused),
        cmocka_unit_test(test_bad_fields_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
