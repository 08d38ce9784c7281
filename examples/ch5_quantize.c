/* Chapter 5 (docs/guide/05-compression.md): int8 post-training quantization
 * and magnitude pruning of a small MLP, through the C API.
 *
 * 1. Train mlp:64,32 on a synthetic 10-class problem (40 features, 4000 rows;
 *    3000 to train, 1000 held out), standard scaling fitted on the training rows.
 * 2. Quantize it (eo_qmodel_quantize): weights int8 symmetric per output
 *    channel, activations int8 with a zero point, ranges calibrated by min/max
 *    on 500 training rows, int32 bias, requantization by a fixed-point
 *    multiplier and shift (Jacob et al. 2018). Compare with the float model:
 *    accuracy, agreement of the predicted classes, the signal-to-quantization-
 *    noise ratio of the logits, and the bytes of the constants.
 * 3. Prune 80% of the weights by magnitude (eo_model_prune_mask, per layer):
 *    first with no fine-tuning, then fine-tuned for 5 epochs with the mask
 *    held fixed (eo_prune_finetune), and measure the accuracy each time.
 *
 * Output lines (tests/docs/test_examples.sh):
 *   model NAME accuracy A bytes B
 *   int8 agreement G sqnr_db S
 *   pruned sparsity S */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "edgeopt/edgeopt.h"
#include "edgeopt/compress_model.h"

#define N_ROWS 4000
#define N_TRAIN 3000
#define N_FEAT 40
#define N_CLASSES 10
#define N_CALIB 500

/* Accuracy of logits out[n][k] against labels y. */
static double accuracy(const float *out, const int32_t *y, size_t n, int k)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < k; c++)
            if (out[i * k + c] > out[i * k + best]) best = c;
        ok += best == y[i];
    }
    return (double)ok / (double)n;
}

static int argmax(const float *v, int k)
{
    int b = 0;
    for (int c = 1; c < k; c++)
        if (v[c] > v[b]) b = c;
    return b;
}

int main(void)
{
    eo_error err;
    int rc = 1;
    eo_dataset ds = {0};
    eo_scaler sc = {0};
    eo_model *m = NULL, *pm = NULL;
    eo_qmodel *q = NULL;
    eo_trainer *t = NULL;
    float *x = NULL, *of = NULL, *oq = NULL;
    uint8_t *keep = NULL;
    int32_t *y = NULL;
    uint32_t *rows = NULL;
    const size_t n_test = N_ROWS - N_TRAIN;

    /* ---- data: 10 gaussian blobs in 40-D, wide enough to overlap */
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = N_ROWS;
    sp.d = N_FEAT;
    sp.classes = N_CLASSES;
    sp.noise = 12.0;
    sp.seed = 5;
    if (eo_data_synthetic(&sp, &ds, NULL, &err) != EO_OK) goto fail;
    rows = malloc(sizeof *rows * N_ROWS);
    x = malloc(sizeof *x * N_ROWS * N_FEAT);
    y = malloc(sizeof *y * N_ROWS);
    of = malloc(sizeof *of * n_test * N_CLASSES);
    oq = malloc(sizeof *oq * n_test * N_CLASSES);
    if (!rows || !x || !y || !of || !oq) goto fail;
    for (uint32_t i = 0; i < N_ROWS; i++) rows[i] = i;
    if (eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, rows, N_TRAIN, &err) != EO_OK) goto fail;
    eo_data_gather(&ds, &sc, rows, N_ROWS, x, y, NULL); /* every row, scaled */
    const float *x_test = x + (size_t)N_TRAIN * N_FEAT;
    const int32_t *y_test = y + N_TRAIN;

    /* ---- 1. the float model */
    const int64_t in_shape[3] = {1, 1, N_FEAT};
    if (eo_model_from_spec("mlp:64,32", in_shape, N_CLASSES, NULL, &m, &err) != EO_OK) goto fail;
    eo_rng rng;
    eo_rng_seed(&rng, 1);
    eo_model_init_params(m, &rng);
    eo_train_params tp = eo_train_defaults(); /* adam lr 1e-3, softmax CE */
    tp.epochs = 15;
    tp.batch = 32;
    if (eo_trainer_create(m, &tp, &t, &err) != EO_OK) goto fail;
    if (eo_trainer_fit(t, &ds, rows, N_TRAIN, NULL, NULL, 0, &sc, &err) != EO_OK) goto fail;

    const float *out;
    if (eo_model_reserve(m, (int)n_test, &err) != EO_OK) goto fail;
    if (eo_model_forward(m, x_test, (int)n_test, 0, NULL, &out) != EO_OK) goto fail;
    for (size_t i = 0; i < n_test * N_CLASSES; i++) of[i] = out[i];
    size_t float_bytes = eo_model_nparams(m) * sizeof(float);
    printf("model float accuracy %.4f bytes %zu\n", accuracy(of, y_test, n_test, N_CLASSES), float_bytes);

    /* ---- 2. int8 post-training quantization */
    eo_qmodel_params qp = eo_qmodel_defaults(); /* per channel, min/max calibration */
    if (eo_qmodel_quantize(m, x, N_CALIB, &qp, NULL, &q, &err) != EO_OK) goto fail;
    if (eo_qmodel_forward(q, x_test, (int)n_test, oq) != EO_OK) goto fail;
    printf("model int8 accuracy %.4f bytes %zu\n", accuracy(oq, y_test, n_test, N_CLASSES),
           eo_qmodel_const_bytes(q));
    size_t agree = 0;
    double sig = 0, noise = 0;
    for (size_t i = 0; i < n_test; i++) {
        agree += argmax(of + i * N_CLASSES, N_CLASSES) == argmax(oq + i * N_CLASSES, N_CLASSES);
        for (int c = 0; c < N_CLASSES; c++) {
            double a = of[i * N_CLASSES + c], d = a - oq[i * N_CLASSES + c];
            sig += a * a;
            noise += d * d;
        }
    }
    printf("int8 agreement %.4f sqnr_db %.1f\n", (double)agree / (double)n_test, 10.0 * log10(sig / noise));

    /* ---- 3. magnitude pruning, 80% of the weights of each layer */
    if (eo_model_copy(m, &pm, &err) != EO_OK) goto fail;
    keep = malloc(eo_model_nparams(pm));
    if (!keep) goto fail;
    if (eo_model_prune_mask(pm, 0.8, 0, keep, &err) != EO_OK) goto fail;
    eo_model_apply_keep(pm, keep);
    if (eo_model_reserve(pm, (int)n_test, &err) != EO_OK) goto fail;
    if (eo_model_forward(pm, x_test, (int)n_test, 0, NULL, &out) != EO_OK) goto fail;
    printf("model pruned80 accuracy %.4f bytes %zu\n", accuracy(out, y_test, n_test, N_CLASSES), float_bytes);

    eo_prune_fit_params pp = {.sparsity = 0.8, .global = 0, .steps = 0};
    eo_train_params ft = eo_train_defaults();
    ft.epochs = 5;
    if (eo_prune_finetune(pm, keep, &pp, &ft, &ds, rows, N_TRAIN, &sc, &err) != EO_OK) goto fail;
    if (eo_model_reserve(pm, (int)n_test, &err) != EO_OK) goto fail;
    if (eo_model_forward(pm, x_test, (int)n_test, 0, NULL, &out) != EO_OK) goto fail;
    printf("model pruned80-finetuned accuracy %.4f bytes %zu\n", accuracy(out, y_test, n_test, N_CLASSES),
           float_bytes);
    printf("pruned sparsity %.4f\n", eo_model_weight_sparsity(pm));
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "ch5_quantize: %s\n", err.msg);
done:
    eo_trainer_destroy(t);
    eo_qmodel_destroy(q);
    eo_model_destroy(pm);
    eo_model_destroy(m);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
    free(rows);
    free(x);
    free(y);
    free(of);
    free(oq);
    free(keep);
    return rc;
}
