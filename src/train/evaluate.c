/* Evaluation and prediction over a data set in mini-batches (eval mode).
 * Batches are gathered with eo_data_gather, so u8 images are converted to
 * floats one batch at a time. The loops take a forward callback, so the float
 * model (here) and every model kind of eo_infer (infer.c) share them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/train.h"
#include "train/internal.h"

static int is_classification(eo_loss_kind k)
{
    return k == EO_LOSS_SOFTMAX_CE || k == EO_LOSS_BCE_LOGITS || k == EO_LOSS_HINGE || k == EO_LOSS_KL_T;
}

/* The data checks shared by the float model and every model kind of
 * eo_infer, on the sizes alone (in: features, k: outputs). */
int eo__check_data_sizes(int64_t in, int64_t k, const eo_dataset *ds, eo_loss_kind loss, const char *what,
                         eo_error *err)
{
    const char *w = what && *what ? what : (ds->name[0] ? ds->name : "data");
    if ((int64_t)ds->cols != in)
        return eo_error_at(err, EO_ERR_SHAPE, w, 0, 0, -1, "the model takes %lld features but the data has %zu",
                           (long long)in, ds->cols);
    if (ds->rows == 0) return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1, "the data set has no rows");
    if (is_classification(loss)) {
        if (!ds->y)
            return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1,
                               "the data has no class labels but the model is a classifier");
        if (loss == EO_LOSS_BCE_LOGITS && k != 1)
            return eo_error_at(err, EO_ERR_UNSUPPORTED, w, 0, 0, -1,
                               "binary cross-entropy needs a model with one output (it has %lld)", (long long)k);
        int64_t kmax = k == 1 ? 2 : k;
        if (ds->n_classes > kmax)
            return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1,
                               "the data has %d classes but the model has %lld outputs", ds->n_classes,
                               (long long)k);
    } else {
        if (!ds->t)
            return eo_error_at(err, EO_ERR_INVALID, w, 0, 0, -1,
                               "the data has no regression targets but the model is a regressor");
        if (k != 1)
            return eo_error_at(err, EO_ERR_UNSUPPORTED, w, 0, 0, -1,
                               "regression needs a model with one output (it has %lld)", (long long)k);
    }
    return EO_OK;
}

int eo_train_check_data(const eo_model *m, const eo_dataset *ds, eo_loss_kind loss, const char *what,
                        eo_error *err)
{
    return eo__check_data_sizes(eo_model_in_numel(m), eo_model_out_numel(m), ds, loss, what, err);
}

void eo_eval_report_free(eo_eval_report *r)
{
    free(r->confusion);
    r->confusion = NULL;
}

int eo__eval_loop(const eo__forward *f, const eo_dataset *ds, const uint32_t *rows, size_t n, const eo_scaler *scaler,
                  const eo_loss_params *loss, int batch, eo_eval_report *out, eo_error *err)
{
    memset(out, 0, sizeof *out);
    eo_loss_params lp = *loss;
    if (lp.kind == EO_LOSS_KL_T) lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE); /* no teacher here */
    int st = eo__check_data_sizes(f->in, f->out, ds, lp.kind, NULL, err);
    if (st) return st;
    if (!rows) n = ds->rows;
    if (batch <= 0) batch = 256;
    size_t cols = ds->cols;
    int k = (int)f->out;
    int cls = is_classification(lp.kind);
    int kc = cls ? (k == 1 ? 2 : k) : 0;
    float *x = malloc((size_t)batch * cols * sizeof *x);
    int32_t *y = malloc((size_t)batch * sizeof *y), *pred = malloc((size_t)batch * sizeof *pred);
    float *t = malloc((size_t)batch * sizeof *t);
    uint32_t *idx = malloc((size_t)batch * sizeof *idx);
    int64_t *conf = cls ? calloc((size_t)kc * (size_t)kc, sizeof *conf) : NULL;
    if (!x || !y || !pred || !t || !idx || (cls && !conf)) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory for evaluation batches");
        goto done;
    }
    if ((st = f->reserve(f->ctx, batch, err))) goto done;
    double loss_sum = 0;
    eo_reg_accum acc;
    eo_reg_accum_init(&acc);
    for (size_t b0 = 0; b0 < n; b0 += (size_t)batch) {
        size_t bs = n - b0 < (size_t)batch ? n - b0 : (size_t)batch;
        for (size_t i = 0; i < bs; i++) idx[i] = rows ? rows[b0 + i] : (uint32_t)(b0 + i);
        eo_data_gather(ds, scaler, idx, bs, x, cls ? y : NULL, cls ? NULL : t);
        const float *o;
        if ((st = f->forward(f->ctx, x, (int)bs, &o))) {
            eo_error_set(err, st, "forward pass failed");
            goto done;
        }
        float l;
        st = eo_loss(&lp, o, (int)bs, k, cls ? y : NULL, cls ? NULL : t, &l, NULL);
        if (st == EO_ERR_NUMERIC) { /* non-finite outputs: report a NaN loss */
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
    free(y);
    free(pred);
    free(t);
    free(idx);
    free(conf);
    return st;
}

int eo__predict_loop(const eo__forward *f, const eo_dataset *ds, size_t first, size_t n, const eo_scaler *scaler,
                     eo_loss_kind loss, int batch, float *out, int32_t *pred, eo_error *err)
{
    if ((int64_t)ds->cols != f->in)
        return eo_error_at(err, EO_ERR_SHAPE, ds->name, 0, 0, -1, "the model takes %lld features but the data has %zu",
                           (long long)f->in, ds->cols);
    if (first > ds->rows || n > ds->rows - first) return eo_error_set(err, EO_ERR_INVALID, "rows out of range");
    if (batch <= 0) batch = 256;
    size_t k = (size_t)f->out;
    float *x = malloc((size_t)batch * ds->cols * sizeof *x);
    uint32_t *idx = malloc((size_t)batch * sizeof *idx);
    int st = EO_OK;
    if (!x || !idx) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = f->reserve(f->ctx, batch, err))) goto done;
    int cls = is_classification(loss);
    for (size_t b0 = 0; b0 < n; b0 += (size_t)batch) {
        size_t bs = n - b0 < (size_t)batch ? n - b0 : (size_t)batch;
        for (size_t i = 0; i < bs; i++) idx[i] = (uint32_t)(first + b0 + i);
        eo_data_gather(ds, scaler, idx, bs, x, NULL, NULL);
        const float *o;
        if ((st = f->forward(f->ctx, x, (int)bs, &o))) {
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
            } else { /* softmax, max-shifted, in double */
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

/* The float model in eval mode, as an eo__forward. */
static int model_reserve(void *ctx, int batch, eo_error *err) { return eo_model_reserve(ctx, batch, err); }
static int model_forward(void *ctx, const float *x, int batch, const float **o)
{
    return eo_model_forward(ctx, x, batch, 0, NULL, o);
}

static eo__forward model_fwd(eo_model *m)
{
    eo__forward f = {m, model_reserve, model_forward, eo_model_in_numel(m), eo_model_out_numel(m)};
    return f;
}

int eo_evaluate(eo_model *m, const eo_dataset *ds, const uint32_t *rows, size_t n, const eo_scaler *scaler,
                const eo_loss_params *loss, int batch, const eo_parallel *par, eo_eval_report *out, eo_error *err)
{
    if (par) eo_model_set_parallel(m, par);
    eo__forward f = model_fwd(m);
    return eo__eval_loop(&f, ds, rows, n, scaler, loss, batch, out, err);
}

int eo_predict(eo_model *m, const eo_dataset *ds, size_t first, size_t n, const eo_scaler *scaler,
               eo_loss_kind loss, int batch, const eo_parallel *par, float *out, int32_t *pred, eo_error *err)
{
    if (par) eo_model_set_parallel(m, par);
    eo__forward f = model_fwd(m);
    return eo__predict_loop(&f, ds, first, n, scaler, loss, batch, out, pred, err);
}
