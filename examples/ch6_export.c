/* Chapter 6 (docs/guide/06-microcontroller.md): export a model as standalone C.
 *
 *   ch6_export DIR
 *
 * 1. Train mlp:32 on a small synthetic problem (16 features, 4 classes) with
 *    standard scaling, quantize it to int8 (eo_qmodel_quantize).
 * 2. Export both models as C (eo_export_c_float / eo_export_c_int8, then
 *    eo_export_write): DIR/tinyf.{h,c} (float, with tinyf_scale_input from
 *    the stored scaler) and DIR/tiny8.{h,c} (int8 with a float wrapper).
 * 3. Write DIR/vectors.txt: test inputs with the outputs the LIBRARY computes,
 *    so a host program compiled with the exported files can check that the
 *    export computes the same numbers (tests/docs/test_examples.sh does this:
 *    int8 outputs bit-identical, float outputs within 1e-5):
 *      float N IN OUT            then N lines: IN raw inputs, OUT outputs
 *      int8 N IN OUT             then N lines: IN int8 inputs, OUT int8 outputs
 * Printed: one line per export with its memory figures,
 *   export NAME quantized Q flash_bytes F ram_bytes R weight_bytes W arena_bytes A */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/edgeopt.h"
#include "edgeopt/deploy.h"

#define N_ROWS 1200
#define N_FEAT 16
#define N_CLASSES 4
#define N_VEC 50

static void print_export(const char *name, const eo_export_result *r)
{
    printf("export %s quantized %d flash_bytes %zu ram_bytes %zu weight_bytes %zu arena_bytes %zu\n", name,
           r->quantized, r->flash_bytes, r->ram_bytes, r->weight_bytes, r->arena_bytes);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ch6_export DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    eo_error err;
    int rc = 1;
    eo_dataset ds = {0};
    eo_scaler sc = {0};
    eo_model *m = NULL;
    eo_qmodel *q = NULL;
    eo_trainer *t = NULL;
    eo_export_result ef = {0}, e8 = {0};
    float *x = NULL;
    uint32_t *rows = NULL;
    FILE *vf = NULL;

    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = N_ROWS;
    sp.d = N_FEAT;
    sp.classes = N_CLASSES;
    sp.noise = 4.0;
    if (eo_data_synthetic(&sp, &ds, NULL, &err) != EO_OK) goto fail;
    rows = malloc(sizeof *rows * N_ROWS);
    x = malloc(sizeof *x * N_ROWS * N_FEAT);
    if (!rows || !x) goto fail;
    for (uint32_t i = 0; i < N_ROWS; i++) rows[i] = i;
    if (eo_scaler_fit(&sc, EO_SCALE_STANDARD, &ds, NULL, 0, &err) != EO_OK) goto fail;
    eo_data_gather(&ds, &sc, rows, N_ROWS, x, NULL, NULL);

    /* ---- train and quantize */
    const int64_t in_shape[3] = {1, 1, N_FEAT};
    if (eo_model_from_spec("mlp:32", in_shape, N_CLASSES, NULL, &m, &err) != EO_OK) goto fail;
    eo_rng rng;
    eo_rng_seed(&rng, 1);
    eo_model_init_params(m, &rng);
    eo_train_params tp = eo_train_defaults();
    tp.epochs = 5;
    if (eo_trainer_create(m, &tp, &t, &err) != EO_OK) goto fail;
    if (eo_trainer_fit(t, &ds, NULL, 0, NULL, NULL, 0, &sc, &err) != EO_OK) goto fail;
    eo_qmodel_params qp = eo_qmodel_defaults();
    if (eo_qmodel_quantize(m, x, 256, &qp, NULL, &q, &err) != EO_OK) goto fail;

    /* ---- export: two files per model, sizes known at export time */
    eo_export_params xp = eo_export_defaults();
    snprintf(xp.name, sizeof xp.name, "tinyf");
    xp.scaler_offset = sc.offset; /* adds tinyf_scale_input() */
    xp.scaler_scale = sc.scale;
    if (eo_export_c_float(m, &xp, &ef, &err) != EO_OK) goto fail;
    if (eo_export_write(&ef, dir, "tinyf", &err) != EO_OK) goto fail;
    print_export("tinyf", &ef);

    eo_export_params xq = eo_export_defaults();
    snprintf(xq.name, sizeof xq.name, "tiny8");
    if (eo_export_c_int8(q, &xq, &e8, &err) != EO_OK) goto fail;
    if (eo_export_write(&e8, dir, "tiny8", &err) != EO_OK) goto fail;
    print_export("tiny8", &e8);

    /* ---- reference vectors from the library */
    char path[4096];
    snprintf(path, sizeof path, "%s/vectors.txt", dir);
    vf = fopen(path, "w");
    if (!vf) {
        fprintf(stderr, "ch6_export: cannot write %s\n", path);
        goto done;
    }
    /* float: raw inputs (the exported scale_input applies the scaler) */
    const float *out;
    if (eo_model_reserve(m, N_VEC, &err) != EO_OK) goto fail;
    if (eo_model_forward(m, x, N_VEC, 0, NULL, &out) != EO_OK) goto fail;
    fprintf(vf, "float %d %d %d\n", N_VEC, N_FEAT, N_CLASSES);
    for (int i = 0; i < N_VEC; i++) {
        for (int j = 0; j < N_FEAT; j++) fprintf(vf, "%.9g ", eo_dataset_at(&ds, (size_t)i, (size_t)j));
        for (int c = 0; c < N_CLASSES; c++) fprintf(vf, "%.9g ", out[i * N_CLASSES + c]);
        fprintf(vf, "\n");
    }
    /* int8: inputs quantized with the model's input scale and zero point */
    eo_q8_qparam iq = eo_qmodel_input_qparam(q);
    int8_t xq8[N_VEC * N_FEAT], yq8[N_VEC * N_CLASSES];
    eo_q8_quantize((size_t)N_VEC * N_FEAT, x, iq.scale, iq.zero_point, xq8);
    if (eo_qmodel_forward_q8(q, xq8, N_VEC, yq8) != EO_OK) goto fail;
    fprintf(vf, "int8 %d %d %d\n", N_VEC, N_FEAT, N_CLASSES);
    for (int i = 0; i < N_VEC; i++) {
        for (int j = 0; j < N_FEAT; j++) fprintf(vf, "%d ", xq8[i * N_FEAT + j]);
        for (int c = 0; c < N_CLASSES; c++) fprintf(vf, "%d ", yq8[i * N_CLASSES + c]);
        fprintf(vf, "\n");
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "ch6_export: %s\n", err.msg);
done:
    if (vf && fclose(vf) != 0) rc = 1;
    eo_export_result_free(&ef);
    eo_export_result_free(&e8);
    eo_trainer_destroy(t);
    eo_qmodel_destroy(q);
    eo_model_destroy(m);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
    free(rows);
    free(x);
    return rc;
}
