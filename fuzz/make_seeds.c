/* Writes the binary seeds of two fuzz corpora (not built by CMake; run by
 * hand when the formats change, see docs/reliability.md):
 *   fuzz/corpus/optimstate/  optimizer state images of every kind after a
 *                            few steps (f64 and f32), a fresh one, a schedule state
 *   fuzz/corpus/qmodelfile/  int8 model files: an MLP (per-channel and per-tensor),
 *                            a small CNN with pooling, and truncations
 * Usage: make_seeds OUTDIR (OUTDIR/optimstate and OUTDIR/qmodelfile must exist). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/edgeopt.h"

static void put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) exit(1);
    fclose(f);
}

static void optim_seeds(const char *dir)
{
    for (int k = 0; k < EO_OPTIM_COUNT; k++) {
        for (int prec = 0; prec < 2; prec++) {
            eo_optim_params p = eo_optim_defaults((eo_optim_kind)k);
            if (k == EO_OPTIM_SGD) p.momentum = 0.9;
            if (k == EO_OPTIM_ADAM && prec) p.amsgrad = 1;
            eo_optimizer *o;
            if (eo_optimizer_create(&p, 3, NULL, &o, NULL)) exit(1);
            double x[3] = {1, 2, 3}, g[3] = {0.1, -0.2, 0.3};
            float xf[3] = {1, 2, 3}, gf[3] = {0.1f, -0.2f, 0.3f};
            for (int s = 0; s < 3; s++) {
                if (prec) eo_optimizer_step_f32(o, xf, gf, NULL);
                else eo_optimizer_step_f64(o, x, g, NULL);
            }
            size_t n = eo_optimizer_state_size(o);
            unsigned char *b = malloc(n);
            eo_optimizer_state_save(o, b, n);
            char name[64];
            snprintf(name, sizeof name, "%s_%s", eo_optim_kind_name(k), prec ? "f32" : "f64");
            put(dir, name, b, n);
            free(b);
            eo_optimizer_destroy(o);
        }
    }
    eo_optim_params p = eo_optim_defaults(EO_OPTIM_ADAM);
    eo_optimizer *o;
    eo_optimizer_create(&p, 3, NULL, &o, NULL);
    unsigned char b[4096];
    size_t n = eo_optimizer_state_size(o);
    eo_optimizer_state_save(o, b, n);
    put(dir, "adam_fresh", b, n);
    eo_optimizer_destroy(o);
    eo_schedule s = eo_schedule_defaults(EO_SCHEDULE_PLATEAU);
    eo_schedule_state st;
    eo_schedule_start(&s, 0.1, &st);
    for (int t = 0; t < 20; t++) eo_schedule_next(&s, 0.1, &st, 1.0);
    eo_schedule_state_save(&st, b, EO_SCHEDULE_STATE_BYTES);
    put(dir, "schedule_plateau", b, EO_SCHEDULE_STATE_BYTES);
}

static void qmodel_seed(const char *dir, const char *name, const char *spec, const int64_t in[3], int nout,
                        int per_channel)
{
    eo_model *m;
    eo_error e;
    int rc = strchr(spec, ' ') ? eo_model_from_description(spec, "seed", in, nout, NULL, &m, &e)
                               : eo_model_from_spec(spec, in, nout, NULL, &m, &e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", spec, e.msg);
        exit(1);
    }
    eo_rng r;
    eo_rng_seed(&r, 5);
    eo_model_init_params(m, &r);
    size_t nin = (size_t)eo_model_in_numel(m), ns = 16;
    float *x = malloc(nin * ns * sizeof *x);
    for (size_t i = 0; i < nin * ns; i++) x[i] = (float)eo_rng_normal(&r);
    eo_qmodel_params qp = eo_qmodel_defaults();
    qp.per_channel = per_channel;
    eo_qmodel *q;
    if (eo_qmodel_quantize(m, x, ns, &qp, NULL, &q, &e)) {
        fprintf(stderr, "quantize %s: %s\n", spec, e.msg);
        exit(1);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (eo_qmodel_save(path, q, NULL, NULL, &e)) exit(1);
    /* A truncation at half the file, as a second seed. */
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) exit(1);
    fclose(f);
    char tname[128];
    snprintf(tname, sizeof tname, "%s-trunc-half", name);
    put(dir, tname, b, (size_t)len / 2);
    free(b);
    free(x);
    eo_qmodel_destroy(q);
    eo_model_destroy(m);
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    char d1[1024], d2[1024];
    snprintf(d1, sizeof d1, "%s/optimstate", argv[1]);
    snprintf(d2, sizeof d2, "%s/qmodelfile", argv[1]);
    optim_seeds(d1);
    const int64_t flat[3] = {6, 1, 1}, img[3] = {1, 8, 8};
    qmodel_seed(d2, "mlp_pc.eom", "mlp:8", flat, 3, 1);
    qmodel_seed(d2, "mlp_pt.eom", "mlp:5,4", flat, 2, 0);
    qmodel_seed(d2, "cnn.eom", "conv 4 3x3 pad=same -> relu -> maxpool 2 -> dwconv 3x3 -> relu6 -> gap -> dense 3", img,
                3, 1);
    return 0;
}
