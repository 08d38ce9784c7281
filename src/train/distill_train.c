/* Distillation through the trainer: its loss hook computes the teacher's
 * logits on the batch (eval mode) and the loss of eo_distill_loss (Hinton et
 * al. 2015). */
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/train.h"

typedef struct dctx {
    eo_model *teacher;
    double T, alpha;
} dctx;

static int distill_loss(void *u, const float *x, const float *out, int batch, int k, const int32_t *labels,
                        const float *targets, float *loss, float *dout)
{
    (void)targets;
    dctx *c = u;
    const float *t;
    int st = eo_model_forward(c->teacher, x, batch, 0, NULL, &t);
    if (st) return st;
    return eo_distill_loss(out, t, labels, batch, k, c->T, c->alpha, loss, dout);
}

int eo_distill_fit(eo_model *student, eo_model *teacher, double T, double alpha, const struct eo_train_params *tp,
                   const struct eo_dataset *ds, const uint32_t *rows, size_t n, const struct eo_scaler *scaler,
                   eo_error *err)
{
    if (!student || !teacher || !tp || !ds) return eo_error_set(err, EO_ERR_INVALID, "eo_distill_fit: NULL argument");
    if (!(T > 0) || !(alpha >= 0 && alpha <= 1))
        return eo_error_set(err, EO_ERR_INVALID, "temperature must be > 0 and alpha in [0, 1]");
    if (eo_model_in_numel(student) != eo_model_in_numel(teacher) ||
        eo_model_out_numel(student) != eo_model_out_numel(teacher))
        return eo_error_set(err, EO_ERR_SHAPE, "teacher (%lld -> %lld) and student (%lld -> %lld) shapes differ",
                            (long long)eo_model_in_numel(teacher), (long long)eo_model_out_numel(teacher),
                            (long long)eo_model_in_numel(student), (long long)eo_model_out_numel(student));
    int64_t k = eo_model_out_numel(student);
    if (k < 2 || k > 256) return eo_error_set(err, EO_ERR_UNSUPPORTED, "distillation needs 2..256 classes (%lld outputs)", (long long)k);
    eo_layer_desc last;
    eo_model_layer(teacher, eo_model_nlayers(teacher) - 1, &last, NULL, NULL, NULL, NULL);
    if (last.kind == EO_LAYER_SOFTMAX)
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "the teacher ends with a softmax layer; distillation needs its logits");
    if (tp->loss.kind != EO_LOSS_SOFTMAX_CE)
        return eo_error_set(err, EO_ERR_INVALID, "distillation trains a softmax classifier (loss softmax_ce)");
    if (!ds->y) return eo_error_set(err, EO_ERR_INVALID, "distillation needs class labels");
    dctx c = {teacher, T, alpha};
    eo_train_params p = *tp;
    p.loss_fn = distill_loss;
    p.loss_user = &c;
    eo_trainer *t = NULL;
    int st = eo_trainer_create(student, &p, &t, err);
    if (!st) st = eo_trainer_fit(t, ds, rows, n, NULL, NULL, 0, scaler, err);
    eo_trainer_destroy(t);
    return st;
}
