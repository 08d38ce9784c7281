/* libFuzzer target: training checkpoints read by `train --resume`.
 *
 * A fixed small run (an MLP with dropout and batch norm on a 48-row synthetic
 * set, Adam, a step schedule, early stopping with best weights, a checkpoint
 * every 2 batches) is resumed from each input, written to a scratch file
 * (in /dev/shm when possible), as given and with the header's size field and
 * CRC-32 patched so that mutations reach the checkpoint fields (position,
 * counters, generators, optimizer and schedule images, best weights,
 * history). A checkpoint that is refused must give an error with a message
 * and leave the file as it was; one that is accepted must train to the end
 * with finite parameters, or stop with a numeric error (a resumed state may
 * legitimately diverge) and the weights rolled back to finite ones. Seeds: run with EO_CKPT_SEED_DIR=DIR set, the target
 * writes checkpoints of this same run into DIR and exits (fuzz/corpus/checkpoint). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/model.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[512];
static eo_dataset ds;

static void cleanup(void)
{
    unlink(scratch);
    eo_dataset_free(&ds);
}

static int stop_after(const eo_train_progress *p, void *user)
{
    (void)p;
    int *left = user;
    return --*left <= 0; /* interrupt after some progress calls */
}

/* The run; resume = 1 reads the checkpoint. stop_calls > 0 interrupts. */
static int run(int resume, int stop_calls, eo_error *err)
{
    const int64_t in[3] = {1, 1, 4};
    eo_model *m = NULL;
    int st = eo_model_from_spec("mlp:6:dropout=0.2,bn=1", in, 3, NULL, &m, err);
    if (st) abort();
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    eo_train_params p = eo_train_defaults();
    p.epochs = 3;
    p.batch = 8;
    p.optim = eo_optim_defaults(EO_OPTIM_ADAM);
    p.schedule = eo_schedule_defaults(EO_SCHEDULE_STEP);
    p.schedule.step_size = 1;
    p.early_stop = 5;
    p.checkpoint_path = scratch;
    p.checkpoint_every = 2;
    p.resume = resume;
    int left = stop_calls;
    if (stop_calls > 0) {
        p.progress = stop_after;
        p.progress_user = &left;
    }
    eo_trainer *t = NULL;
    if (eo_trainer_create(m, &p, &t, err)) abort();
    st = eo_trainer_fit(t, &ds, NULL, 0, NULL, NULL, 0, NULL, err);
    if (st == EO_OK || st == EO_ERR_NUMERIC) {
        const float *w = eo_model_params(m);
        for (size_t i = 0; i < eo_model_nparams(m); i++)
            if (!isfinite(w[i])) abort();
    }
    eo_trainer_destroy(t);
    eo_model_destroy(m);
    return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eo_error err;
    if (eo_data_load("synthetic:blobs:n=48,d=4,classes=3,seed=2", 0, &ds, &err)) abort();
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/eo_fuzz_ckpt.%ld.ckpt", dir && *dir ? dir : "/tmp", (long)getpid());
    atexit(cleanup);
    const char *out = getenv("EO_CKPT_SEED_DIR");
    if (out) {
        /* Checkpoints after 1, 3 and 7 progress calls, and at the end. */
        const int stops[4] = {1, 3, 7, 0};
        for (int i = 0; i < 4; i++) {
            unlink(scratch);
            run(0, stops[i], &err);
            unsigned char *b;
            size_t n;
            if (eo_io_read_file(scratch, 1 << 20, &b, &n, &err)) abort();
            char path[1024];
            snprintf(path, sizeof path, "%s/ckpt%d", out, i);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(b, 1, n, f) != n) abort();
            fclose(f);
            free(b);
        }
        exit(0);
    }
    return 0;
}

static void resume_from(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scratch, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    eo_error err;
    eo_error_clear(&err);
    int st = run(1, 0, &err);
    if (st != EO_OK) {
        if (err.code != st || !err.msg[0]) abort();
        if (st == EO_ERR_NUMERIC) return; /* accepted, then diverged: checkpoints were rewritten */
        unsigned char *b = NULL;
        size_t n = 0;
        if (eo_io_read_file(scratch, 1 << 20, &b, &n, NULL) != EO_OK || n != size || (size && memcmp(b, data, size)))
            abort(); /* a refused checkpoint is left as it was */
        free(b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16)) return 0;
    resume_from(data, size);
    if (size >= EO_MF_HEADER_SIZE) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        eo_io_store_le64(copy + 16, (uint64_t)size);
        eo_io_store_le32(copy + size - 4, eo_io_crc32(0, copy, size - 4));
        resume_from(copy, size);
        free(copy);
    }
    return 0;
}
