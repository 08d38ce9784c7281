/* One inference interface over the three model kinds (float, int8,
 * clustered), and evaluation / prediction with the same semantics as
 * eo_evaluate / eo_predict (edgeopt/train.h), so `edgeopt eval` and
 * `predict` accept every model file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"

static const char *const kind_names[EO_INFER_KIND_COUNT] = {"float", "int8", "clustered"};

const char *eo_infer_kind_name(int k) { return k >= 0 && k < EO_INFER_KIND_COUNT ? kind_names[k] : "unknown"; }

struct eo_infer {
    eo_infer_kind kind;
    eo_model *m;       /* FLOAT: the model (owned) */
    eo_cmodel *c;      /* FLOAT (CSR executor over m) or CLUSTERED */
    eo_qmodel *q;      /* INT8 */
    float *qout;       /* INT8 output buffer [max_batch * out_numel] */
    int max_batch;
};

void eo_infer_destroy(eo_infer *f)
{
    if (!f) return;
    eo_model_destroy(f->m);
    eo_cmodel_destroy(f->c);
    eo_qmodel_destroy(f->q);
    free(f->qout);
    free(f);
}

static eo_infer *new_infer(eo_infer_kind k)
{
    eo_infer *f = calloc(1, sizeof *f);
    if (f) f->kind = k;
    return f;
}

int eo_infer_wrap_model(eo_model *m, eo_csr_mode csr, eo_infer **out, eo_error *err)
{
    *out = NULL;
    eo_infer *f = new_infer(EO_INFER_FLOAT);
    if (!f) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    /* The CSR executor is used only when some dense layer is sparse enough. */
    eo_cmodel *c = NULL;
    int st = eo_cmodel_from_model(m, csr, &c, err);
    if (st) {
        free(f);
        return st;
    }
    if (eo_cmodel_ncsr(c) > 0) {
        f->c = c;
    } else {
        eo_cmodel_destroy(c);
    }
    f->m = m;
    *out = f;
    return EO_OK;
}

int eo_infer_wrap_qmodel(eo_qmodel *q, eo_infer **out, eo_error *err)
{
    *out = NULL;
    eo_infer *f = new_infer(EO_INFER_INT8);
    if (!f) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    f->q = q;
    *out = f;
    return EO_OK;
}

int eo_infer_wrap_cmodel(eo_cmodel *c, eo_infer **out, eo_error *err)
{
    *out = NULL;
    eo_infer *f = new_infer(EO_INFER_CLUSTERED);
    if (!f) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    f->c = c;
    *out = f;
    return EO_OK;
}

/* Which loader a file needs: 0 float, 1 int8, 2 clustered, -1 unreadable. */
static int file_kind(const char *path)
{
    eo_mf_reader *r;
    if (eo_mf_reader_open(path, 0, &r, NULL)) return -1;
    int64_t q = 0;
    const char *c = NULL;
    int k = 0;
    if (eo_mf_get_int(r, "model.quantized", &q, NULL) == EO_OK && q == 1) k = 1;
    else if (eo_mf_get_str(r, "model.compression", &c, NULL) == EO_OK && !strcmp(c, "clustered")) k = 2;
    eo_mf_reader_destroy(r);
    return k;
}

int eo_infer_file_is_compressed(const char *path) { return file_kind(path) > 0; }

int eo_infer_load(const char *path, eo_infer **out, struct eo_scaler *scaler, struct eo_model_meta *meta,
                  eo_error *err)
{
    *out = NULL;
    int k = file_kind(path), st;
    if (k == 1) {
        eo_qmodel *q;
        if ((st = eo_qmodel_load(path, &q, scaler, meta, err))) return st;
        if ((st = eo_infer_wrap_qmodel(q, out, err))) eo_qmodel_destroy(q);
    } else if (k == 2) {
        eo_cmodel *c;
        if ((st = eo_cmodel_load(path, &c, scaler, meta, err))) return st;
        if ((st = eo_infer_wrap_cmodel(c, out, err))) eo_cmodel_destroy(c);
    } else {
        eo_model *m;
        if ((st = eo_model_load(path, &m, scaler, meta, err))) return st;
        if ((st = eo_infer_wrap_model(m, EO_CSR_AUTO, out, err))) eo_model_destroy(m);
    }
    if (st && scaler) eo_scaler_free(scaler);
    return st;
}

eo_infer_kind eo_infer_get_kind(const eo_infer *f) { return f->kind; }
eo_model *eo_infer_model(eo_infer *f) { return f->m; }
eo_qmodel *eo_infer_qmodel(eo_infer *f) { return f->q; }
eo_cmodel *eo_infer_cmodel(eo_infer *f) { return f->c; }

int64_t eo_infer_in_numel(const eo_infer *f)
{
    if (f->q) return eo_qmodel_in_numel(f->q);
    return eo_model_in_numel(f->m ? f->m : eo_cmodel_model(f->c));
}

int64_t eo_infer_out_numel(const eo_infer *f)
{
    if (f->q) return eo_qmodel_out_numel(f->q);
    return eo_model_out_numel(f->m ? f->m : eo_cmodel_model(f->c));
}

int eo_infer_reserve(eo_infer *f, int max_batch, eo_error *err)
{
    if (!f || max_batch < 1) return eo_error_set(err, EO_ERR_INVALID, "eo_infer_reserve: bad arguments");
    if (f->c) return eo_cmodel_reserve(f->c, max_batch, err);
    if (f->m) return eo_model_reserve(f->m, max_batch, err);
    if (max_batch <= f->max_batch) return EO_OK;
    int st = eo_qmodel_reserve(f->q, max_batch, err);
    if (st) return st;
    float *o = malloc((size_t)max_batch * (size_t)eo_qmodel_out_numel(f->q) * sizeof *o);
    if (!o) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    free(f->qout);
    f->qout = o;
    f->max_batch = max_batch;
    return EO_OK;
}

int eo_infer_forward(eo_infer *f, const float *x, int batch, const float **out)
{
    if (!f || !x || !out || batch < 1) return EO_ERR_INVALID;
    if (f->c) return eo_cmodel_forward(f->c, x, batch, out);
    if (f->m) return eo_model_forward(f->m, x, batch, 0, NULL, out);
    if (batch > f->max_batch) {
        int st = eo_infer_reserve(f, batch, NULL);
        if (st) return st;
    }
    int st = eo_qmodel_forward(f->q, x, batch, f->qout);
    if (!st) *out = f->qout;
    return st;
}

/* ---------------------------------------------- evaluation and prediction */

static int is_cls(eo_loss_kind k)
{
    return k == EO_LOSS_SOFTMAX_CE || k == EO_LOSS_BCE_LOGITS || k == EO_LOSS_HINGE || k == EO_LOSS_KL_T;
}

/* The checks of eo_train_check_data, on sizes. */
static int check_data(eo_infer *f, const eo_dataset *ds, eo_loss_kind loss, eo_error *err)
{
    int64_t in = eo_infer_in_numel(f), k = eo_infer_out_numel(f);
    const char *w = ds->name[0] ? ds->name : "data";
    if ((int64_t)ds->cols != in)
        return eo_error_at(err, EO_ERR_SHAPE, w, 0, 0, -1, "the model takes %lld features but the data has %zu",
                           (long long)in, ds->cols);
    if (ds->rows == 0) return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1, "the data set has no rows");
    if (is_cls(loss)) {
        if (!ds->y)
            return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1, "the data has no class labels but the model is a classifier");
        if (ds->n_classes > (k == 1 ? 2 : k))
            return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1, "the data has %d classes but the model has %lld outputs",
                               ds->n_classes, (long long)k);
    } else if (!ds->t) {
        return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1, "the data has no regression targets but the model is a regressor");
    }
    return EO_OK;
}

int eo_infer_evaluate(eo_infer *f, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, const eo_loss_params *loss, int batch,
                      struct eo_eval_report *out, eo_error *err)
{
    memset(out, 0, sizeof *out);
    eo_loss_params lp = *loss;
    if (lp.kind == EO_LOSS_KL_T) lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    int st = check_data(f, ds, lp.kind, err);
    if (st) return st;
    if (!rows) n = ds->rows;
    if (batch <= 0) batch = 256;
    size_t cols = ds->cols;
    int k = (int)eo_infer_out_numel(f), cls = is_cls(lp.kind), kc = cls ? (k == 1 ? 2 : k) : 0;
    float *x = malloc((size_t)batch * cols * sizeof *x), *t = malloc((size_t)batch * sizeof *t);
    int32_t *y = malloc((size_t)batch * sizeof *y), *pred = malloc((size_t)batch * sizeof *pred);
    uint32_t *idx = malloc((size_t)batch * sizeof *idx);
    int64_t *conf = cls ? calloc((size_t)kc * (size_t)kc, sizeof *conf) : NULL;
    if (!x || !t || !y || !pred || !idx || (cls && !conf)) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory for evaluation batches");
        goto done;
    }
    if ((st = eo_infer_reserve(f, batch, err))) goto done;
    double loss_sum = 0;
    eo_reg_accum acc;
    eo_reg_accum_init(&acc);
    for (size_t b0 = 0; b0 < n; b0 += (size_t)batch) {
        size_t bs = n - b0 < (size_t)batch ? n - b0 : (size_t)batch;
        for (size_t i = 0; i < bs; i++) idx[i] = rows ? rows[b0 + i] : (uint32_t)(b0 + i);
        eo_data_gather(ds, scaler, idx, bs, x, cls ? y : NULL, cls ? NULL : t);
        const float *o;
        if ((st = eo_infer_forward(f, x, (int)bs, &o))) {
            eo_error_set(err, st, "forward pass failed");
            goto done;
        }
        float l;
        st = eo_loss(&lp, o, (int)bs, k, cls ? y : NULL, cls ? NULL : t, &l, NULL);
        if (st == EO_ERR_NUMERIC) {
            st = EO_OK;
            l = NAN;
        }
        if (st) {
            eo_error_set(err, st, "loss: a label or target does not fit the model");
            goto done;
        }
        loss_sum += (double)l * (double)bs;
        if (cls) {
            eo_predict_classes(o, bs, k, pred);
            eo_confusion_add(conf, kc, y, pred, bs);
        } else {
            eo_reg_accum_add(&acc, o, t, bs);
        }
    }
    out->n = (int64_t)n;
    out->loss = n ? loss_sum / (double)n : NAN;
    out->classification = cls;
    if (cls) {
        out->k = kc;
        eo_class_metrics_compute(conf, kc, &out->cls);
        out->confusion = conf;
        conf = NULL;
        out->mse = out->mae = out->r2 = NAN;
    } else {
        eo_reg_metrics(&acc, &out->mse, &out->mae, &out->r2);
        out->cls.accuracy = out->cls.precision = out->cls.recall = out->cls.f1 = NAN;
    }
done:
    free(x);
    free(t);
    free(y);
    free(pred);
    free(idx);
    free(conf);
    return st;
}

int eo_infer_predict(eo_infer *f, const struct eo_dataset *ds, size_t first, size_t n,
                     const struct eo_scaler *scaler, eo_loss_kind loss, int batch, float *out, int32_t *pred,
                     eo_error *err)
{
    if ((int64_t)ds->cols != eo_infer_in_numel(f))
        return eo_error_at(err, EO_ERR_SHAPE, ds->name, 0, 0, -1, "the model takes %lld features but the data has %zu",
                           (long long)eo_infer_in_numel(f), ds->cols);
    if (first > ds->rows || n > ds->rows - first) return eo_error_set(err, EO_ERR_INVALID, "rows out of range");
    if (batch <= 0) batch = 256;
    size_t k = (size_t)eo_infer_out_numel(f);
    float *x = malloc((size_t)batch * ds->cols * sizeof *x);
    uint32_t *idx = malloc((size_t)batch * sizeof *idx);
    int st = EO_OK, cls = is_cls(loss);
    if (!x || !idx) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = eo_infer_reserve(f, batch, err))) goto done;
    for (size_t b0 = 0; b0 < n; b0 += (size_t)batch) {
        size_t bs = n - b0 < (size_t)batch ? n - b0 : (size_t)batch;
        for (size_t i = 0; i < bs; i++) idx[i] = (uint32_t)(first + b0 + i);
        eo_data_gather(ds, scaler, idx, bs, x, NULL, NULL);
        const float *o;
        if ((st = eo_infer_forward(f, x, (int)bs, &o))) {
            eo_error_set(err, st, "forward pass failed");
            goto done;
        }
        if (pred && cls) eo_predict_classes(o, bs, (int)k, pred + b0);
        for (size_t i = 0; i < bs; i++) {
            const float *oi = o + i * k;
            float *dst = out + (b0 + i) * k;
            if (!cls) {
                memcpy(dst, oi, k * sizeof *dst);
            } else if (k == 1) {
                dst[0] = (float)(1.0 / (1.0 + exp(-(double)oi[0])));
            } else {
                double mx = oi[0], s = 0;
                for (size_t j = 1; j < k; j++) mx = oi[j] > mx ? oi[j] : mx;
                for (size_t j = 0; j < k; j++) s += exp((double)oi[j] - mx);
                for (size_t j = 0; j < k; j++) dst[j] = (float)(exp((double)oi[j] - mx) / s);
            }
        }
    }
done:
    free(x);
    free(idx);
    return st;
}
