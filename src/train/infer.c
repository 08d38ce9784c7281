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
#include "train/internal.h"

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

static int infer_reserve(void *ctx, int batch, eo_error *err) { return eo_infer_reserve(ctx, batch, err); }
static int infer_forward(void *ctx, const float *x, int batch, const float **o)
{
    return eo_infer_forward(ctx, x, batch, o);
}

static eo__forward infer_fwd(eo_infer *f)
{
    eo__forward w = {f, infer_reserve, infer_forward, eo_infer_in_numel(f), eo_infer_out_numel(f)};
    return w;
}

int eo_infer_evaluate(eo_infer *f, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, const eo_loss_params *loss, int batch,
                      struct eo_eval_report *out, eo_error *err)
{
    eo__forward w = infer_fwd(f);
    return eo__eval_loop(&w, ds, rows, n, scaler, loss, batch, out, err);
}

int eo_infer_predict(eo_infer *f, const struct eo_dataset *ds, size_t first, size_t n,
                     const struct eo_scaler *scaler, eo_loss_kind loss, int batch, float *out, int32_t *pred,
                     eo_error *err)
{
    eo__forward w = infer_fwd(f);
    return eo__predict_loop(&w, ds, first, n, scaler, loss, batch, out, pred, err);
}
