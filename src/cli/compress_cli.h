/* Helpers shared by the compression commands (quantize, qat, prune, distill,
 * cluster, compress-report): training options, loading a float model with
 * its scaler, calibration samples, progress lines. */
#ifndef EO_CLI_COMPRESS_CLI_H
#define EO_CLI_COMPRESS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"

/* Fine-tuning options common to qat, prune and distill. */
typedef struct eo_cc_train {
    long epochs, batch, seed, threads, limit;
    const char *optimizer;
} eo_cc_train;

/* Defaults: epochs as given, batch 32, seed 1, 1 thread, all rows, optimizer. */
void eo_cc_train_init(eo_cc_train *t, long epochs, const char *optimizer);
/* Consume one of --epochs (or epochs_name), --batch, --seed, --threads,
 * --limit, --optimizer at argv[*i]. Returns 1 if consumed (then *st is 0 or
 * an exit code), 0 otherwise. */
int eo_cc_train_opt(const char *cmd, const char *epochs_name, int argc, char **argv, int *i, eo_cc_train *t, int *st);
/* Trainer settings from the options (usage error on a bad optimizer spec). */
int eo_cc_train_params(const char *cmd, const eo_cc_train *t, eo_train_params *p);
/* Usage lines for the options above. */
extern const char *const eo_cc_train_help;

/* Load a float model; a compressed file gets a one-line reason. sc and meta
 * are filled (sc kind NONE when the file has no scaler). */
int eo_cc_load_float(const char *cmd, const char *path, eo_model **m, eo_scaler *sc, eo_model_meta *meta);
/* The scaler to pass to library calls: NULL for kind NONE. */
/* Any model file (float, int8 or clustered: *m or *cm is set) and the data
 * (first `limit` rows, 0 = all); on failure prints one line, frees what it
 * loaded and returns the exit code. */
int eo_cc_load_any(const char *cmd, const char *path, const char *data, long limit, eo_model **m, eo_infer **cm,
                   eo_scaler *sc, eo_model_meta *meta, eo_dataset *ds);
const eo_scaler *eo_cc_scaler(const eo_scaler *sc);
/* Up to n rows sampled uniformly without replacement (seeded), gathered and
 * scaled: a new n x cols buffer (free()), *got rows. NULL on allocation failure. */
float *eo_cc_sample(const eo_dataset *ds, const eo_scaler *sc, size_t n, uint64_t seed, size_t *got);
/* Progress: epoch lines on stderr (user = the command name). */
int eo_cc_progress(const eo_train_progress *p, void *user);
/* File size in bytes (0 if it cannot be read). */
size_t eo_cc_file_size(const char *path);

#endif
