/* Helpers shared by the compression commands (see compress_cli.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "cli/signals.h"
#include "edgeopt/compress_model.h"

const char *const eo_cc_train_help =
    "  --batch N            mini-batch size (default 32)\n"
    "  --optimizer SPEC     e.g. 'adam:lr=0.0005' (default shown per command)\n"
    "  --seed N             shuffling, sampling, initialization (default 1)\n"
    "  --threads N          threads for the matrix products (default 1)\n"
    "  --limit N            use only the first N rows of --data (default: all)\n";

void eo_cc_train_init(eo_cc_train *t, long epochs, const char *optimizer)
{
    memset(t, 0, sizeof *t);
    t->epochs = epochs;
    t->batch = 32;
    t->seed = 1;
    t->threads = 1;
    t->optimizer = optimizer;
}

int eo_cc_train_opt(const char *cmd, const char *epochs_name, int argc, char **argv, int *i, eo_cc_train *t, int *st)
{
    const char *v = NULL;
    *st = 0;
    if (eo_cli_opt(argc, argv, i, epochs_name, &v)) {
        *st = v ? eo_cli_long(cmd, epochs_name, v, 0, 1000000, &t->epochs) : EO_EXIT_USAGE;
    } else if (eo_cli_opt(argc, argv, i, "--batch", &v)) {
        *st = v ? eo_cli_long(cmd, "--batch", v, 1, 1L << 20, &t->batch) : EO_EXIT_USAGE;
    } else if (eo_cli_opt(argc, argv, i, "--seed", &v)) {
        *st = v ? eo_cli_long(cmd, "--seed", v, 0, 2147483647L, &t->seed) : EO_EXIT_USAGE;
    } else if (eo_cli_opt(argc, argv, i, "--threads", &v)) {
        *st = v ? eo_cli_long(cmd, "--threads", v, 1, 256, &t->threads) : EO_EXIT_USAGE;
    } else if (eo_cli_opt(argc, argv, i, "--limit", &v)) {
        *st = v ? eo_cli_long(cmd, "--limit", v, 1, 2000000000L, &t->limit) : EO_EXIT_USAGE;
    } else if (eo_cli_opt(argc, argv, i, "--optimizer", &v)) {
        if (v) t->optimizer = v;
        else *st = EO_EXIT_USAGE;
    } else {
        return 0;
    }
    return 1;
}

int eo_cc_train_params(const char *cmd, const eo_cc_train *t, eo_train_params *p)
{
    *p = eo_train_defaults();
    p->epochs = t->epochs > 0 ? (int)t->epochs : 1;
    p->batch = (int)t->batch;
    p->seed = (uint64_t)t->seed;
    p->threads = (int)t->threads;
    eo_error e;
    eo_error_clear(&e);
    if (eo_optim_parse(t->optimizer, &p->optim, &e)) return eo_cli_usage(cmd, "--optimizer: %s", e.msg);
    p->progress = eo_cc_progress;
    p->progress_user = (void *)cmd;
    p->stop_flag = eo_cli_stop_flag_install();
    return 0;
}

int eo_cc_load_float(const char *cmd, const char *path, eo_model **m, eo_scaler *sc, eo_model_meta *meta)
{
    eo_error e;
    eo_error_clear(&e);
    *m = NULL;
    if (eo_infer_file_is_compressed(path))
        return eo_cli_fail(cmd, "%s: this is an int8 or clustered model; %s needs the float model it came from", path,
                           cmd);
    if (eo_model_load(path, m, sc, meta, &e)) return eo_cli_fail_err(cmd, &e);
    return 0;
}

int eo_cc_load_any(const char *cmd, const char *path, const char *data, long limit, eo_model **m, eo_infer **cm,
                   eo_scaler *sc, eo_model_meta *meta, eo_dataset *ds)
{
    eo_error e;
    eo_error_clear(&e);
    *m = NULL;
    *cm = NULL;
    if (eo_infer_file_is_compressed(path) ? eo_infer_load(path, cm, sc, meta, &e)
                                          : eo_model_load(path, m, sc, meta, &e))
        return eo_cli_fail_err(cmd, &e);
    if (eo_data_load(data, (size_t)limit, ds, &e)) {
        eo_infer_destroy(*cm);
        eo_model_destroy(*m);
        eo_scaler_free(sc);
        *cm = NULL;
        *m = NULL;
        return eo_cli_fail_err(cmd, &e);
    }
    return 0;
}

const eo_scaler *eo_cc_scaler(const eo_scaler *sc) { return sc && sc->kind != EO_SCALE_NONE ? sc : NULL; }

float *eo_cc_sample(const eo_dataset *ds, const eo_scaler *sc, size_t n, uint64_t seed, size_t *got)
{
    if (n > ds->rows) n = ds->rows;
    uint32_t *perm = malloc((ds->rows ? ds->rows : 1) * sizeof *perm);
    float *x = malloc((n ? n : 1) * ds->cols * sizeof *x);
    if (!perm || !x) {
        free(perm);
        free(x);
        return NULL;
    }
    eo_rng r;
    eo_rng_seed_stream(&r, seed, 7);
    eo_rng_permutation(&r, perm, ds->rows);
    eo_data_gather(ds, eo_cc_scaler(sc), perm, n, x, NULL, NULL);
    free(perm);
    *got = n;
    return x;
}

int eo_cc_progress(const eo_train_progress *p, void *user)
{
    if (p->event != EO_TRAIN_EPOCH || !p->record) return 0;
    const eo_epoch_record *r = p->record;
    fprintf(stderr, "%s: epoch %d/%d: train_loss %.4f", (const char *)user, r->epoch, p->epochs, r->train_loss);
    if (isfinite(r->train_acc)) fprintf(stderr, " train_acc %.4f", r->train_acc);
    if (isfinite(r->val_acc)) fprintf(stderr, " val_acc %.4f", r->val_acc);
    if (isfinite(r->seconds)) fprintf(stderr, " (%.1f s)", r->seconds);
    fputc('\n', stderr);
    return 0;
}

size_t eo_cc_file_size(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 ? (size_t)s.st_size : 0;
}
