/* Quantization-aware fine-tuning loop: shuffled mini-batches, fake-quantized
 * forward, softmax cross-entropy, straight-through backward, one optimizer on
 * the master float weights (edgeopt/compress_model.h, QAT). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/optim.h"
#include "edgeopt/train.h"

int eo_qat_fit(eo_qat *q, const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows,
               size_t n, const struct eo_scaler *scaler, eo_error *err)
{
    if (!q || !tp || !ds) return eo_error_set(err, EO_ERR_INVALID, "eo_qat_fit: NULL argument");
    const char *why = eo_train_params_check(tp);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    if (!ds->y) return eo_error_set(err, EO_ERR_INVALID, "quantization-aware training needs class labels");
    const eo_model *m = eo_qat_model(q);
    if ((int64_t)ds->cols != eo_model_in_numel(m))
        return eo_error_set(err, EO_ERR_SHAPE, "the model takes %lld features but the data has %zu",
                            (long long)eo_model_in_numel(m), ds->cols);
    int k = (int)eo_model_out_numel(m);
    if (ds->n_classes > k) return eo_error_set(err, EO_ERR_INVALID, "the data has %d classes but the model has %d outputs", ds->n_classes, k);
    size_t nr = rows ? n : ds->rows, B = (size_t)tp->batch, cols = ds->cols;
    uint32_t *perm = malloc(nr * sizeof *perm);
    float *x = malloc(B * cols * sizeof *x), *dout = malloc(B * (size_t)k * sizeof *dout);
    int32_t *y = malloc(B * sizeof *y), *pred = malloc(B * sizeof *pred);
    eo_optimizer *opt = NULL;
    int st = EO_OK;
    if (!perm || !x || !dout || !y || !pred) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = eo_optimizer_create_prec(&tp->optim, eo_qat_nparams(q), EO_OPTIM_PREC_F32, NULL, &opt, err))) goto done;
    if ((st = eo_qat_reserve(q, tp->batch, err))) goto done;
    eo_rng shuffle, drop;
    eo_rng_seed_stream(&shuffle, tp->seed, 1);
    eo_rng_seed_stream(&drop, tp->seed, 2);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    size_t nb = eo_data_num_batches(nr, B, tp->drop_last);
    for (int e = 1; e <= tp->epochs; e++) {
        for (size_t i = 0; i < nr; i++) perm[i] = rows ? rows[i] : (uint32_t)i;
        eo_data_shuffle(perm, nr, &shuffle);
        double sum = 0;
        int64_t seen = 0, correct = 0;
        for (size_t b = 0; b < nb; b++) {
            if (tp->stop_flag && *tp->stop_flag) {
                st = eo_error_set(err, EO_ERR_INTERRUPTED, "interrupted in epoch %d", e);
                goto done;
            }
            size_t start, bs = eo_data_batch_range(nr, B, b, &start);
            eo_data_gather(ds, scaler, perm + start, bs, x, y, NULL);
            const float *o;
            float loss;
            if ((st = eo_qat_forward(q, x, (int)bs, 1, &drop, &o))) {
                st = eo_error_set(err, st, "epoch %d, batch %zu: forward pass failed", e, b + 1);
                goto done;
            }
            if ((st = eo_loss(&lp, o, (int)bs, k, y, NULL, &loss, dout)) || !isfinite(loss)) {
                st = eo_error_set(err, st ? st : EO_ERR_NUMERIC, "epoch %d, batch %zu: the loss is not finite", e, b + 1);
                goto done;
            }
            eo_predict_classes(o, bs, k, pred);
            for (size_t i = 0; i < bs; i++) correct += pred[i] == y[i];
            eo_qat_zero_grad(q);
            if ((st = eo_qat_backward(q, dout))) {
                st = eo_error_set(err, st, "epoch %d, batch %zu: backward pass failed", e, b + 1);
                goto done;
            }
            if ((st = eo_optimizer_step_f32(opt, eo_qat_master_params(q), eo_qat_master_grads(q), eo_qat_weight_mask(q)))) {
                st = eo_error_set(err, st, "optimizer step failed");
                goto done;
            }
            sum += (double)loss * (double)bs;
            seen += (int64_t)bs;
            if (tp->progress) {
                eo_train_progress pr = {EO_TRAIN_BATCH, e, tp->epochs, b + 1, nb, sum / (double)seen, tp->optim.lr, NULL, 0};
                if (tp->progress(&pr, tp->progress_user)) {
                    st = eo_error_set(err, EO_ERR_INTERRUPTED, "stopped in epoch %d", e);
                    goto done;
                }
            }
        }
        if (tp->progress) {
            eo_epoch_record rec = {e, seen ? sum / (double)seen : NAN, seen ? (double)correct / (double)seen : NAN, NAN,
                                   NAN, tp->optim.lr, NAN};
            eo_train_progress pr = {EO_TRAIN_EPOCH, e, tp->epochs, nb, nb, rec.train_loss, tp->optim.lr, &rec, 0};
            if (tp->progress(&pr, tp->progress_user) && e < tp->epochs) {
                st = eo_error_set(err, EO_ERR_INTERRUPTED, "stopped after epoch %d", e);
                goto done;
            }
        }
    }
done:
    eo_optimizer_destroy(opt);
    free(perm);
    free(x);
    free(dout);
    free(y);
    free(pred);
    return st;
}
