/* Float models in the .eom container: architecture rows, per-layer tensors,
 * scaler and training metadata (key names: docs/model-format.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/modelfile.h"

static const char *const task_names[EO_MODEL_TASK_COUNT] = {"classification", "regression"};

const char *eo_model_task_name(int task)
{
    return task >= 0 && task < EO_MODEL_TASK_COUNT ? task_names[task] : "unknown";
}

int eo_model_task_from_name(const char *name)
{
    for (int i = 0; name && i < EO_MODEL_TASK_COUNT; i++)
        if (!strcmp(name, task_names[i])) return i;
    return -1;
}

eo_model_meta eo_model_meta_defaults(void)
{
    eo_model_meta m;
    memset(&m, 0, sizeof m);
    m.task = EO_MODEL_TASK_CLASSIFICATION;
    m.loss = EO_LOSS_SOFTMAX_CE;
    m.n_classes = 0;
    m.epochs = m.batch = m.seed = m.n_train = -1;
    m.train_loss = m.val_loss = m.val_accuracy = NAN;
    return m;
}

/* ------------------------------------------------ per-layer tensor plan */

/* One stored tensor of a layer: where its values live in the model. */
typedef struct part {
    const char *suffix; /* "weight", "bias", "gamma", ... */
    int buffer;         /* 0: params array, 1: buffers array */
    size_t offset, count;
    int ndim;
    int64_t dims[4];
} part;

/* The tensors of layer i in model.h's layout (at most 4). */
static int layer_parts(const eo_model *m, int i, part *p)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t po, pc, bo = 0, bc = 0;
    if (eo_model_layer(m, i, &d, in, out, &po, &pc) != EO_OK) return -1;
    eo_model_layer_buffers(m, i, &bo, &bc);
    int n = 0;
    if (pc == 0 && bc == 0) return 0;
    size_t nb = 0; /* bias count */
    int64_t wd[4] = {0, 0, 0, 0};
    int wnd = 0;
    switch (d.kind) {
    case EO_LAYER_DENSE:
        nb = (size_t)out[0] * (size_t)out[1] * (size_t)out[2];
        wnd = 2;
        wd[0] = (int64_t)nb;
        wd[1] = in[0] * in[1] * in[2];
        break;
    case EO_LAYER_CONV2D:
        nb = (size_t)out[0];
        wnd = 4;
        wd[0] = out[0];
        wd[1] = in[0];
        wd[2] = d.kh;
        wd[3] = d.kw;
        break;
    case EO_LAYER_DWCONV2D:
        nb = (size_t)in[0];
        wnd = 4;
        wd[0] = in[0];
        wd[1] = 1;
        wd[2] = d.kh;
        wd[3] = d.kw;
        break;
    case EO_LAYER_BATCHNORM:
        if (pc % 2 || bc != pc) break;
        p[n++] = (part){"gamma", 0, po, pc / 2, 1, {(int64_t)(pc / 2)}};
        p[n++] = (part){"beta", 0, po + pc / 2, pc / 2, 1, {(int64_t)(pc / 2)}};
        p[n++] = (part){"running_mean", 1, bo, bc / 2, 1, {(int64_t)(bc / 2)}};
        p[n++] = (part){"running_var", 1, bo + bc / 2, bc / 2, 1, {(int64_t)(bc / 2)}};
        return n;
    default: break;
    }
    if (wnd) {
        size_t wn = 1;
        for (int k = 0; k < wnd; k++) wn *= (size_t)wd[k];
        if (wn + nb == pc && bc == 0) {
            p[n] = (part){"weight", 0, po, wn, wnd, {0}};
            memcpy(p[n].dims, wd, sizeof wd);
            n++;
            p[n++] = (part){"bias", 0, po + wn, nb, 1, {(int64_t)nb}};
            return n;
        }
    }
    /* Any other layout: flat arrays. */
    if (pc) p[n++] = (part){"params", 0, po, pc, 1, {(int64_t)pc}};
    if (bc) p[n++] = (part){"buffers", 1, bo, bc, 1, {(int64_t)bc}};
    return n;
}

/* ------------------------------------------------------------- writing */

int eo_mf_put_model(eo_mf_writer *w, const eo_model *m, int with_params)
{
    int64_t in[3], out[3];
    eo_model_in_shape(m, in);
    eo_model_out_shape(m, out);
    int nl = eo_model_nlayers(m);
    int st = eo_mf_put_str(w, "model.type", with_params ? "float" : "architecture");
    if (!st) st = eo_mf_put_ints(w, "model.input_shape", in, 3);
    if (!st) st = eo_mf_put_ints(w, "model.output_shape", out, 3);
    if (!st) st = eo_mf_put_int(w, "model.layers", nl);
    if (!st) st = eo_mf_put_int(w, "model.params", (int64_t)eo_model_nparams(m));
    if (!st) st = eo_mf_put_int(w, "model.buffers", (int64_t)eo_model_nbuffers(m));
    size_t need = eo_model_describe(m, NULL, 0);
    char *desc = malloc(need + 1);
    if (!desc) return EO_ERR_NOMEM;
    eo_model_describe(m, desc, need + 1);
    if (!st) st = eo_mf_put_str(w, "model.description", desc);
    free(desc);
    /* The model is const but its params accessor is not: read through the const one. */
    const float *params = eo_model_params_const(m);
    const float *buffers = eo_model_nbuffers(m) ? eo_model_buffers((eo_model *)m) : NULL;
    for (int i = 0; i < nl && !st; i++) {
        eo_layer_desc d;
        eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
        char key[64];
        snprintf(key, sizeof key, "layer.%d.kind", i);
        st = eo_mf_put_str(w, key, eo_layer_kind_name(d.kind));
        int64_t iv[5] = {d.units, d.kh, d.kw, d.stride, d.pad};
        double fv[4] = {d.alpha, d.p, d.eps, d.momentum};
        snprintf(key, sizeof key, "layer.%d.ints", i);
        if (!st) st = eo_mf_put_ints(w, key, iv, 5);
        snprintf(key, sizeof key, "layer.%d.floats", i);
        if (!st) st = eo_mf_put_floats(w, key, fv, 4);
        if (!with_params) continue;
        part parts[4];
        int np = layer_parts(m, i, parts);
        for (int k = 0; k < np && !st; k++) {
            snprintf(key, sizeof key, "layer.%d.%s", i, parts[k].suffix);
            const float *src = (parts[k].buffer ? buffers : params) + parts[k].offset;
            st = eo_mf_put_tensor(w, key, EO_MF_F32, parts[k].ndim, parts[k].dims, src);
        }
    }
    return st;
}

int eo_mf_put_scaler(eo_mf_writer *w, const eo_scaler *s)
{
    if (!s || s->kind == EO_SCALE_NONE || !s->offset || !s->scale) return eo_mf_put_str(w, "scaler.kind", "none");
    int64_t dims[1] = {(int64_t)s->cols};
    int st = eo_mf_put_str(w, "scaler.kind", eo_scale_kind_name(s->kind));
    if (!st) st = eo_mf_put_tensor(w, "scaler.offset", EO_MF_F32, 1, dims, s->offset);
    if (!st) st = eo_mf_put_tensor(w, "scaler.scale", EO_MF_F32, 1, dims, s->scale);
    return st;
}

int eo_mf_put_meta(eo_mf_writer *w, const eo_model_meta *mm)
{
    int st = eo_mf_put_str(w, "edgeopt.version", eo_version());
    if (!mm) return st;
    if (!st) st = eo_mf_put_str(w, "model.task", eo_model_task_name(mm->task));
    if (!st) st = eo_mf_put_str(w, "model.loss", eo_loss_kind_name(mm->loss));
    if (!st) st = eo_mf_put_int(w, "model.classes", mm->n_classes);
    if (!st && mm->spec[0]) st = eo_mf_put_str(w, "model.spec", mm->spec);
    if (!st && mm->dataset[0]) st = eo_mf_put_str(w, "train.dataset", mm->dataset);
    if (!st && mm->optimizer[0]) st = eo_mf_put_str(w, "train.optimizer", mm->optimizer);
    if (!st && mm->schedule[0]) st = eo_mf_put_str(w, "train.schedule", mm->schedule);
    if (!st && mm->epochs >= 0) st = eo_mf_put_int(w, "train.epochs", mm->epochs);
    if (!st && mm->batch >= 0) st = eo_mf_put_int(w, "train.batch", mm->batch);
    if (!st && mm->seed >= 0) st = eo_mf_put_int(w, "train.seed", mm->seed);
    if (!st && mm->n_train >= 0) st = eo_mf_put_int(w, "train.rows", mm->n_train);
    if (!st) st = eo_mf_put_float(w, "train.loss", mm->train_loss);
    if (!st) st = eo_mf_put_float(w, "train.val_loss", mm->val_loss);
    if (!st) st = eo_mf_put_float(w, "train.val_accuracy", mm->val_accuracy);
    return st;
}

/* A model never holds NaN or Inf (training stops before writing one), so a
 * non-finite value in a file is corruption or a crafted file: refuse it
 * rather than let it turn into silently wrong predictions (ReLU maps NaN to
 * 0, so the error would not even show in the outputs). */
static int check_finite(const float *v, size_t n, const char *key, const char *where, long long at, eo_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return eo_error_at(err, EO_ERR_NUMERIC, where, 0, 0, at,
                               "%s: element %zu is %s%s", key, i, isnan(v[i]) ? "NaN" : "infinite",
                               at >= 0 ? ": the file is corrupted" : "");
    return EO_OK;
}

int eo_model_save(const char *path, const eo_model *m, const eo_scaler *scaler, const eo_model_meta *meta,
                  eo_error *err)
{
    /* Refuse what eo_model_load refuses: no file that cannot be read back. */
    const float *pv = eo_model_params_const(m);
    const float *bv = eo_model_nbuffers(m) ? eo_model_buffers((eo_model *)m) : NULL;
    int st0 = check_finite(pv, eo_model_nparams(m), "parameters", path, -1, err);
    if (!st0 && bv) st0 = check_finite(bv, eo_model_nbuffers(m), "buffers", path, -1, err);
    if (!st0 && scaler && scaler->kind != EO_SCALE_NONE && scaler->offset && scaler->scale) {
        st0 = check_finite(scaler->offset, scaler->cols, "scaler.offset", path, -1, err);
        if (!st0) st0 = check_finite(scaler->scale, scaler->cols, "scaler.scale", path, -1, err);
    }
    if (st0) return st0;
    eo_mf_writer *w;
    if (eo_mf_writer_create(&w)) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_mf_put_meta(w, meta);
    eo_mf_put_model(w, m, 1);
    eo_mf_put_scaler(w, scaler);
    int st = eo_mf_writer_save(w, path, err); /* reports the writer's first error */
    eo_mf_writer_destroy(w);
    return st;
}

/* ------------------------------------------------------------- reading */

#define MAX_LAYERS 4096

/* Parameter count of an architecture (model.h's layouts), overflow-checked,
 * without creating the model. */
static int arch_params(const int64_t in_shape[3], const eo_layer_desc *layers, int nl, uint64_t *out,
                       const char *where, eo_error *err)
{
    int64_t in[3] = {in_shape[0], in_shape[1], in_shape[2]}, o[3];
    uint64_t total = 0;
    const uint64_t cap = (uint64_t)1 << 52;
    for (int i = 0; i < nl; i++) {
        eo_error e2;
        if (eo_layer_output_shape(&layers[i], in, o, &e2) != EO_OK)
            return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d does not fit its input: %s", i, e2.msg);
        uint64_t c = (uint64_t)in[0], numel = 1, p = 0;
        for (int k = 0; k < 3; k++) {
            if (in[k] <= 0 || (uint64_t)in[k] > cap / numel) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d: input too large", i);
            numel *= (uint64_t)in[k];
        }
        uint64_t u = (uint64_t)layers[i].units, kk = (uint64_t)layers[i].kh * (uint64_t)layers[i].kw;
        switch (layers[i].kind) {
        case EO_LAYER_DENSE: p = u > cap / (numel + 1) ? cap : u * (numel + 1); break;
        case EO_LAYER_CONV2D: p = (c * kk + 1) > cap / (u ? u : 1) ? cap : u * (c * kk + 1); break;
        case EO_LAYER_DWCONV2D: p = c * (kk + 1); break;
        case EO_LAYER_BATCHNORM: p = 4 * (in[0] == 1 && in[1] == 1 ? (uint64_t)in[2] : c); break;
        default: break;
        }
        if (p >= cap || total > cap - p) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d: too many parameters", i);
        total += p;
        memcpy(in, o, sizeof in);
    }
    *out = total;
    return EO_OK;
}

int eo_mf_get_model(const eo_mf_reader *r, const eo_allocator *alloc, eo_model **out, int *has_params,
                    eo_error *err)
{
    const char *where = eo_mf_reader_where(r);
    const int64_t *in;
    size_t n;
    int64_t nl;
    *out = NULL;
    if (has_params) *has_params = 0;
    int st = eo_mf_get_ints(r, "model.input_shape", &in, &n, err);
    if (st) return st;
    if (n != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0 || in[0] > INT32_MAX || in[1] > INT32_MAX ||
        in[2] > INT32_MAX)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "model.input_shape must be 3 positive sizes");
    if ((st = eo_mf_get_int(r, "model.layers", &nl, err))) return st;
    if (nl < 1 || nl > MAX_LAYERS)
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "model.layers = %lld is outside 1..%d",
                           (long long)nl, MAX_LAYERS);
    eo_layer_desc *layers = calloc((size_t)nl, sizeof *layers);
    if (!layers) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (int i = 0; i < (int)nl && !st; i++) {
        char key[64];
        const char *kind;
        const int64_t *iv;
        const double *fv;
        size_t ni, nf;
        snprintf(key, sizeof key, "layer.%d.kind", i);
        if ((st = eo_mf_get_str(r, key, &kind, err))) break;
        int k = eo_layer_kind_from_name(kind);
        if (k < 0 || strcmp(eo_layer_kind_name(k), kind) != 0) {
            st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1,
                             "layer %d has unknown layer kind '%.60s' (written by a newer edgeopt?)", i, kind);
            break;
        }
        layers[i] = eo_layer_desc_defaults((eo_layer_kind)k);
        snprintf(key, sizeof key, "layer.%d.ints", i);
        if ((st = eo_mf_get_ints(r, key, &iv, &ni, err))) break;
        snprintf(key, sizeof key, "layer.%d.floats", i);
        if ((st = eo_mf_get_floats(r, key, &fv, &nf, err))) break;
        if (ni < 5 || nf < 4) {
            st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d: too few hyperparameters", i);
            break;
        }
        for (int j = 0; j < 5; j++)
            if (iv[j] < 0 || iv[j] > INT32_MAX) {
                st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d: hyperparameter %d out of range",
                                 i, j);
                break;
            }
        for (int j = 0; j < 4 && !st; j++)
            if (!isfinite(fv[j]))
                st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "layer %d: non-finite hyperparameter", i);
        if (st) break;
        layers[i].units = (int)iv[0];
        layers[i].kh = (int)iv[1];
        layers[i].kw = (int)iv[2];
        layers[i].stride = (int)iv[3];
        layers[i].pad = (int)iv[4];
        layers[i].alpha = (float)fv[0];
        layers[i].p = (float)fv[1];
        layers[i].eps = (float)fv[2];
        layers[i].momentum = (float)fv[3];
    }
    /* Bound what the architecture makes eo_model_create allocate by what the
     * file can justify: a float model carries 4 bytes per parameter; other
     * models (int8, int4, pruned) at least 1/256 byte. */
    if (!st) {
        uint64_t np_arch = 0;
        int type_float = 1;
        const char *type;
        if (eo_mf_get_str(r, "model.type", &type, NULL) == EO_OK) type_float = !strcmp(type, "float");
        st = arch_params(in, layers, (int)nl, &np_arch, where, err);
        uint64_t len = eo_mf_reader_size(r);
        if (!st && (type_float ? np_arch > len / 4 : np_arch / 256 > len))
            st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1,
                             "the architecture has %llu parameters, more than a %llu-byte file can hold",
                             (unsigned long long)np_arch, (unsigned long long)len);
    }
    eo_model *m = NULL;
    if (!st) {
        eo_error e2;
        eo_error_clear(&e2);
        st = eo_model_create(in, layers, (int)nl, alloc, &m, &e2);
        if (st)
            st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "the architecture in the file is invalid: %s",
                             e2.msg);
    }
    free(layers);
    if (st) return st;
    int64_t np;
    if (eo_mf_get_int(r, "model.params", &np, NULL) == EO_OK && (uint64_t)np != eo_model_nparams(m)) {
        size_t have = eo_model_nparams(m);
        eo_model_destroy(m);
        return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1,
                           "model.params says %lld parameters but the layers have %zu", (long long)np, have);
    }
    /* Parameters: present if the first parameterized layer has its tensors. */
    int found = 0, missing = 0;
    float *params = eo_model_params(m), *buffers = eo_model_buffers(m);
    for (int i = 0; i < (int)nl && !st; i++) {
        part parts[4];
        int npart = layer_parts(m, i, parts);
        for (int k = 0; k < npart && !st; k++) {
            char key[64];
            snprintf(key, sizeof key, "layer.%d.%s", i, parts[k].suffix);
            const eo_mf_tensor *t = eo_mf_tensor_find(r, key);
            if (!t) {
                missing++;
                continue;
            }
            found++;
            int same = t->ndim == parts[k].ndim && t->dtype == EO_MF_F32;
            for (int d = 0; same && d < t->ndim; d++) same = t->dims[d] == parts[k].dims[d];
            if (!same) {
                st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, (long long)t->offset,
                                 "tensor '%s' (%s, %llu elements) does not match layer %d (f32, %zu elements)", key,
                                 eo_mf_dtype_name(t->dtype), (unsigned long long)t->numel, i, parts[k].count);
                break;
            }
            float *dst = (parts[k].buffer ? buffers : params) + parts[k].offset;
            st = eo_mf_tensor_read_f32(t, dst, parts[k].count, err);
            if (!st) st = check_finite(dst, parts[k].count, key, where, (long long)t->offset, err);
        }
    }
    if (!st && found && missing)
        st = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "%d parameter tensors are missing", missing);
    if (st) {
        eo_model_destroy(m);
        return st;
    }
    if (has_params) *has_params = found > 0 || eo_model_nparams(m) == 0;
    *out = m;
    return EO_OK;
}

int eo_mf_get_scaler(const eo_mf_reader *r, eo_scaler *s, eo_error *err)
{
    const char *where = eo_mf_reader_where(r);
    const char *kind = "none";
    memset(s, 0, sizeof *s);
    if (eo_mf_meta_find(r, "scaler.kind")) {
        int st = eo_mf_get_str(r, "scaler.kind", &kind, err);
        if (st) return st;
    }
    int k = eo_scale_kind_from_name(kind);
    if (k < 0) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "unknown scaler kind '%.60s'", kind);
    s->kind = (eo_scale_kind)k;
    if (k == EO_SCALE_NONE) return EO_OK;
    const eo_mf_tensor *to, *ts;
    int st = eo_mf_tensor_get(r, "scaler.offset", EO_MF_F32, UINT64_MAX, &to, err);
    if (!st) st = eo_mf_tensor_get(r, "scaler.scale", EO_MF_F32, to->numel, &ts, err);
    if (st) {
        s->kind = EO_SCALE_NONE;
        return st;
    }
    size_t cols = (size_t)to->numel;
    s->offset = malloc((cols ? cols : 1) * sizeof(float));
    s->scale = malloc((cols ? cols : 1) * sizeof(float));
    if (!s->offset || !s->scale) {
        eo_scaler_free(s);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    s->cols = cols;
    eo_mf_tensor_read_f32(to, s->offset, cols, NULL);
    eo_mf_tensor_read_f32(ts, s->scale, cols, NULL);
    if ((st = check_finite(s->offset, cols, "scaler.offset", where, (long long)to->offset, err)) ||
        (st = check_finite(s->scale, cols, "scaler.scale", where, (long long)ts->offset, err)))
        eo_scaler_free(s);
    return st;
}

static void copy_str(const eo_mf_reader *r, const char *key, char *dst, size_t cap)
{
    const char *v;
    if (eo_mf_get_str(r, key, &v, NULL) == EO_OK) snprintf(dst, cap, "%s", v);
}

static void copy_int(const eo_mf_reader *r, const char *key, int64_t *dst)
{
    int64_t v;
    if (eo_mf_get_int(r, key, &v, NULL) == EO_OK) *dst = v;
}

static void copy_float(const eo_mf_reader *r, const char *key, double *dst)
{
    double v;
    if (eo_mf_get_float(r, key, &v, NULL) == EO_OK) *dst = v;
}

int eo_mf_get_meta(const eo_mf_reader *r, eo_model_meta *mm, eo_error *err)
{
    const char *where = eo_mf_reader_where(r);
    *mm = eo_model_meta_defaults();
    const char *s;
    if (eo_mf_get_str(r, "model.task", &s, NULL) == EO_OK) {
        int t = eo_model_task_from_name(s);
        if (t < 0) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "unknown model.task '%.60s'", s);
        mm->task = (eo_model_task)t;
    }
    if (eo_mf_get_str(r, "model.loss", &s, NULL) == EO_OK) {
        int l = eo_loss_kind_from_name(s);
        if (l < 0) return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "unknown model.loss '%.60s'", s);
        mm->loss = (eo_loss_kind)l;
    }
    int64_t k = 0;
    if (eo_mf_get_int(r, "model.classes", &k, NULL) == EO_OK) {
        if (k < 0 || k > EO_DATA_MAX_CLASSES)
            return eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "model.classes = %lld is out of range",
                               (long long)k);
        mm->n_classes = (int)k;
    }
    copy_str(r, "model.spec", mm->spec, sizeof mm->spec);
    copy_str(r, "train.dataset", mm->dataset, sizeof mm->dataset);
    copy_str(r, "train.optimizer", mm->optimizer, sizeof mm->optimizer);
    copy_str(r, "train.schedule", mm->schedule, sizeof mm->schedule);
    copy_str(r, "edgeopt.version", mm->edgeopt_version, sizeof mm->edgeopt_version);
    copy_int(r, "train.epochs", &mm->epochs);
    copy_int(r, "train.batch", &mm->batch);
    copy_int(r, "train.seed", &mm->seed);
    copy_int(r, "train.rows", &mm->n_train);
    copy_float(r, "train.loss", &mm->train_loss);
    copy_float(r, "train.val_loss", &mm->val_loss);
    copy_float(r, "train.val_accuracy", &mm->val_accuracy);
    return EO_OK;
}

int eo_model_load(const char *path, eo_model **m, eo_scaler *scaler, eo_model_meta *meta, eo_error *err)
{
    eo_mf_reader *r;
    *m = NULL;
    if (scaler) memset(scaler, 0, sizeof *scaler);
    int st = eo_mf_reader_open(path, 0, &r, err);
    if (st) return st;
    int has = 0;
    st = eo_mf_get_model(r, NULL, m, &has, err);
    if (!st && !has) {
        const char *type = "?";
        eo_mf_get_str(r, "model.type", &type, NULL);
        st = eo_error_at(err, EO_ERR_UNSUPPORTED, path, 0, 0, -1,
                         "the file holds no float parameters (model type '%.40s')", type);
    }
    if (!st && meta) st = eo_mf_get_meta(r, meta, err);
    if (!st && scaler) st = eo_mf_get_scaler(r, scaler, err);
    if (!st && scaler && scaler->kind != EO_SCALE_NONE && (int64_t)scaler->cols != eo_model_in_numel(*m))
        st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "the scaler has %zu features but the model takes %lld",
                         scaler->cols, (long long)eo_model_in_numel(*m));
    if (st) {
        eo_model_destroy(*m);
        *m = NULL;
        if (scaler) eo_scaler_free(scaler);
    }
    eo_mf_reader_destroy(r);
    return st;
}
