/* int8 models in the .eom container (keys: docs/compression.md).
 *
 * The float architecture is stored with eo_mf_put_model(..., with_params = 0)
 * so that every reader of model files (edgeopt info) understands the layers;
 * the int8 constants live in tensors named "layer.<L>.int8.*" (L = the op's
 * first float layer) and the per-op quantization in "qop.<i>.*" rows. The
 * reader decodes everything and hands it to eo_qmodel_create, which validates
 * every field, so a damaged or hostile file is refused with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qmodel.h"

#define QOP_NINTS 28

static void op_key(char *k, size_t n, int i, const char *what) { snprintf(k, n, "qop.%d.%s", i, what); }
static void t_key(char *k, size_t n, int layer, const char *what) { snprintf(k, n, "layer.%d.int8.%s", layer, what); }

int eo_qmodel_save(const char *path, const eo_qmodel *q, const struct eo_scaler *scaler,
                   const struct eo_model_meta *meta, eo_error *err)
{
    if (!path || !q) return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_save: NULL argument");
    int nl;
    const eo_layer_desc *layers = eo_qmodel_layers(q, &nl);
    if (nl < 1) return eo_error_set(err, EO_ERR_STATE, "the quantized model has no float architecture to store");
    int64_t in[3];
    eo_qmodel_in_shape(q, in);
    eo_model *arch = NULL;
    int st = eo_model_create(in, layers, nl, NULL, &arch, err);
    if (st) return st;
    eo_mf_writer *w;
    if (eo_mf_writer_create(&w)) {
        eo_model_destroy(arch);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    eo_mf_put_meta(w, meta);
    eo_mf_put_model(w, arch, 0);
    eo_model_destroy(arch);
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    int nops = eo_qmodel_nops(q);
    eo_mf_put_int(w, "model.quantized", 1);
    eo_mf_put_str(w, "model.compression", "int8");
    eo_mf_put_str(w, "qmodel.arithmetic", "tflite-int8");
    eo_mf_put_int(w, "qmodel.ops", nops);
    eo_mf_put_float(w, "qmodel.input_scale", (double)iq.scale);
    eo_mf_put_int(w, "qmodel.input_zero_point", iq.zero_point);
    eo_mf_put_int(w, "qmodel.final_softmax", eo_qmodel_final_softmax(q));
    eo_mf_put_int(w, "qmodel.per_channel", eo_qmodel_per_channel(q));
    for (int i = 0; i < nops; i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        char key[96];
        int64_t iv[QOP_NINTS] = {o.first_layer, o.last_layer, o.act, o.in_zp, o.out_zp, o.act_min, o.act_max,
                                 o.n_wscale, o.out_ch, o.fan_in, o.in_shape[0], o.in_shape[1], o.in_shape[2],
                                 o.out_shape[0], o.out_shape[1], o.out_shape[2], o.geom.n, o.geom.c, o.geom.h,
                                 o.geom.w, o.geom.kh, o.geom.kw, o.geom.stride_h, o.geom.stride_w, o.geom.pad_top,
                                 o.geom.pad_left, o.geom.pad_bottom, o.geom.pad_right};
        double fv[2] = {o.in_scale, o.out_scale};
        op_key(key, sizeof key, i, "kind");
        eo_mf_put_str(w, key, eo_qop_kind_name(o.kind));
        op_key(key, sizeof key, i, "ints");
        eo_mf_put_ints(w, key, iv, QOP_NINTS);
        op_key(key, sizeof key, i, "floats");
        eo_mf_put_floats(w, key, fv, 2);
        if (!eo_qop_is_compute(o.kind)) continue;
        int64_t wd[2] = {o.out_ch, o.fan_in}, bd[1] = {o.out_ch}, sd[1] = {o.n_wscale};
        t_key(key, sizeof key, o.first_layer, "weight");
        eo_mf_put_tensor(w, key, EO_MF_I8, 2, wd, o.w);
        t_key(key, sizeof key, o.first_layer, "bias");
        eo_mf_put_tensor(w, key, EO_MF_I32, 1, bd, o.bias);
        t_key(key, sizeof key, o.first_layer, "weight_scale");
        eo_mf_put_tensor(w, key, EO_MF_F32, 1, sd, o.w_scale);
        t_key(key, sizeof key, o.first_layer, "multiplier");
        eo_mf_put_tensor(w, key, EO_MF_I32, 1, sd, o.mult);
        t_key(key, sizeof key, o.first_layer, "shift");
        eo_mf_put_tensor(w, key, EO_MF_I32, 1, sd, o.shift);
    }
    eo_mf_put_scaler(w, scaler);
    st = eo_mf_writer_save(w, path, err);
    eo_mf_writer_destroy(w);
    return st;
}

/* Decoded arrays of one op (freed after eo_qmodel_create copied them). */
typedef struct op_buf {
    int8_t *w;
    float *ws;
    int32_t *b, *m, *s;
} op_buf;

static int get_tensor(const eo_mf_reader *r, int layer, const char *what, eo_mf_dtype dt, uint64_t numel, void **dst,
                      eo_error *err)
{
    char key[96];
    t_key(key, sizeof key, layer, what);
    const eo_mf_tensor *t;
    int st = eo_mf_tensor_get(r, key, dt, numel, &t, err);
    if (st) return st;
    size_t bytes = dt == EO_MF_I8 ? (size_t)numel : (size_t)numel * 4u;
    *dst = malloc(bytes ? bytes : 1);
    if (!*dst) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    if (dt == EO_MF_I8) return eo_mf_tensor_read_bytes(t, *dst, bytes, err);
    if (dt == EO_MF_F32) return eo_mf_tensor_read_f32(t, *dst, (size_t)numel, err);
    return eo_mf_tensor_read_i32(t, *dst, (size_t)numel, err);
}

int eo_qmodel_load(const char *path, eo_qmodel **out, struct eo_scaler *scaler, struct eo_model_meta *meta,
                   eo_error *err)
{
    if (!path || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_load: NULL argument");
    *out = NULL;
    if (scaler) memset(scaler, 0, sizeof *scaler);
    eo_mf_reader *r;
    int st = eo_mf_reader_open(path, 0, &r, err);
    if (st) return st;
    int64_t flag = 0;
    if (eo_mf_get_int(r, "model.quantized", &flag, NULL) || flag != 1) {
        eo_mf_reader_destroy(r);
        return eo_error_at(err, EO_ERR_UNSUPPORTED, path, 0, 0, -1, "not an int8 model (no model.quantized flag)");
    }
    eo_model *arch = NULL;
    eo_qop *ops = NULL;
    op_buf *bufs = NULL;
    eo_layer_desc *layers = NULL;
    int64_t nops = 0;
    int nl = 0;
    if ((st = eo_mf_get_model(r, NULL, &arch, NULL, err))) goto done;
    nl = eo_model_nlayers(arch);
    if ((st = eo_mf_get_int(r, "qmodel.ops", &nops, err))) goto done;
    if (nops < 1 || nops > nl) {
        st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "qmodel.ops = %lld is outside 1..%d", (long long)nops, nl);
        goto done;
    }
    double in_scale;
    int64_t in_zp, fsm;
    if ((st = eo_mf_get_float(r, "qmodel.input_scale", &in_scale, err)) ||
        (st = eo_mf_get_int(r, "qmodel.input_zero_point", &in_zp, err)) ||
        (st = eo_mf_get_int(r, "qmodel.final_softmax", &fsm, err)))
        goto done;
    ops = calloc((size_t)nops, sizeof *ops);
    bufs = calloc((size_t)nops, sizeof *bufs);
    layers = calloc((size_t)nl, sizeof *layers);
    if (!ops || !bufs || !layers) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < nl; i++) eo_model_layer(arch, i, &layers[i], NULL, NULL, NULL, NULL);
    for (int i = 0; i < (int)nops && !st; i++) {
        char key[96];
        const char *kind;
        const int64_t *iv;
        const double *fv;
        size_t ni, nf;
        op_key(key, sizeof key, i, "kind");
        if ((st = eo_mf_get_str(r, key, &kind, err))) break;
        int k = eo_qop_kind_from_name(kind);
        op_key(key, sizeof key, i, "ints");
        if (!(st = eo_mf_get_ints(r, key, &iv, &ni, err))) {
            op_key(key, sizeof key, i, "floats");
            st = eo_mf_get_floats(r, key, &fv, &nf, err);
        }
        if (st) break;
        if (k < 0 || ni != QOP_NINTS || nf != 2) {
            st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "op %d: unknown kind '%.40s' or malformed row", i, kind);
            break;
        }
        for (size_t j = 0; j < ni; j++)
            if (iv[j] < INT32_MIN || iv[j] > INT32_MAX) st = EO_ERR_FORMAT;
        if (st) {
            st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "op %d: integer field out of range", i);
            break;
        }
        eo_qop *o = &ops[i];
        o->kind = (eo_qop_kind)k;
        o->first_layer = (int32_t)iv[0];
        o->last_layer = (int32_t)iv[1];
        o->act = (eo_q8_act)iv[2];
        o->in_zp = (int32_t)iv[3];
        o->out_zp = (int32_t)iv[4];
        o->act_min = (int32_t)iv[5];
        o->act_max = (int32_t)iv[6];
        o->n_wscale = (int32_t)iv[7];
        o->out_ch = (int32_t)iv[8];
        o->fan_in = (int32_t)iv[9];
        for (int d = 0; d < 3; d++) {
            o->in_shape[d] = iv[10 + d];
            o->out_shape[d] = iv[13 + d];
        }
        eo_q8_geom g = {(int32_t)iv[16], (int32_t)iv[17], (int32_t)iv[18], (int32_t)iv[19], (int32_t)iv[20],
                        (int32_t)iv[21], (int32_t)iv[22], (int32_t)iv[23], (int32_t)iv[24], (int32_t)iv[25],
                        (int32_t)iv[26], (int32_t)iv[27]};
        o->geom = g;
        o->in_scale = (float)fv[0];
        o->out_scale = (float)fv[1];
        if ((double)o->in_scale != fv[0] || (double)o->out_scale != fv[1]) {
            st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "op %d: scales are not float32 values", i);
            break;
        }
        if (!eo_qop_is_compute(k)) continue;
        if (o->first_layer < 0 || o->first_layer >= nl || o->out_ch < 1 || o->fan_in < 1 || o->n_wscale < 1 ||
            o->n_wscale > o->out_ch) {
            st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "op %d: bad layer, channel or fan-in count", i);
            break;
        }
        uint64_t nw = (uint64_t)o->out_ch * (uint64_t)o->fan_in;
        op_buf *b = &bufs[i];
        if ((st = get_tensor(r, o->first_layer, "weight", EO_MF_I8, nw, (void **)&b->w, err)) ||
            (st = get_tensor(r, o->first_layer, "bias", EO_MF_I32, (uint64_t)o->out_ch, (void **)&b->b, err)) ||
            (st = get_tensor(r, o->first_layer, "weight_scale", EO_MF_F32, (uint64_t)o->n_wscale, (void **)&b->ws, err)) ||
            (st = get_tensor(r, o->first_layer, "multiplier", EO_MF_I32, (uint64_t)o->n_wscale, (void **)&b->m, err)) ||
            (st = get_tensor(r, o->first_layer, "shift", EO_MF_I32, (uint64_t)o->n_wscale, (void **)&b->s, err)))
            break;
        o->w = b->w;
        o->bias = b->b;
        o->w_scale = b->ws;
        o->mult = b->m;
        o->shift = b->s;
    }
    if (st) goto done;
    float fs = (float)in_scale;
    if ((double)fs != in_scale || in_zp < -128 || in_zp > 127) {
        st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "bad input scale or zero point");
        goto done;
    }
    int64_t in[3];
    eo_model_in_shape(arch, in);
    eo_error e2;
    eo_error_clear(&e2);
    st = eo_qmodel_create(in, fs, (int32_t)in_zp, ops, (int)nops, fsm != 0, layers, nl, NULL, out, &e2);
    if (st) {
        st = eo_error_at(err, st, path, 0, 0, -1, "%s", e2.msg);
        goto done;
    }
    if (meta && (st = eo_mf_get_meta(r, meta, err))) goto done;
    if (scaler && (st = eo_mf_get_scaler(r, scaler, err))) goto done;
    if (scaler && scaler->kind != EO_SCALE_NONE && (int64_t)scaler->cols != eo_qmodel_in_numel(*out))
        st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "the scaler has %zu features but the model takes %lld",
                         scaler->cols, (long long)eo_qmodel_in_numel(*out));
done:
    if (st) {
        eo_qmodel_destroy(*out);
        *out = NULL;
        if (scaler) eo_scaler_free(scaler);
    }
    for (int i = 0; bufs && i < (int)nops; i++) {
        free(bufs[i].w);
        free(bufs[i].ws);
        free(bufs[i].b);
        free(bufs[i].m);
        free(bufs[i].s);
    }
    free(bufs);
    free(ops);
    free(layers);
    eo_model_destroy(arch);
    eo_mf_reader_destroy(r);
    return st;
}
