/* libFuzzer target: int8 model files (eo_qmodel_load) as untrusted input.
 *
 * eo_qmodel_load reads a path, so each input is written to one scratch file
 * (in /dev/shm, else $TMPDIR or /tmp; removed at exit) and loaded, twice: as given, and with the
 * header's file size and the CRC-32 patched to match so that mutations reach
 * the op rows and tensors instead of stopping at the checksum. A file that
 * loads has passed eo_qmodel_create's validation, so it must also run: one
 * integer-only forward pass on a batch of two (when the input is small). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[512];

static void cleanup(void) { unlink(scratch); }

static void load(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scratch, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    eo_qmodel *q = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    eo_error err;
    int rc = eo_qmodel_load(scratch, &q, &sc, &meta, &err);
    if (rc != EO_OK) {
        if (q || err.code != rc) abort();
        return;
    }
    int64_t in = eo_qmodel_in_numel(q), out = eo_qmodel_out_numel(q);
    if (in < 1 || out < 1) abort();
    if (in <= 4096 && out <= 4096 && eo_qmodel_arena_bytes(q, 2) <= ((size_t)64 << 20) &&
        eo_qmodel_reserve(q, 2, NULL) == EO_OK) {
        float *x = malloc((size_t)in * 2 * sizeof *x), *y = malloc((size_t)out * 2 * sizeof *y);
        for (int64_t i = 0; i < in * 2; i++) x[i] = (float)(i % 11) * 0.25f - 1.0f;
        if (eo_qmodel_forward(q, x, 2, y) != EO_OK) abort();
        free(x);
        free(y);
    }
    eo_scaler_free(&sc);
    eo_qmodel_destroy(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        /* Memory-backed when possible: a disk-backed /tmp makes each run wait on I/O. */
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/eo_fuzz_qmodel.%ld.eom", dir && *dir ? dir : "/tmp", (long)getpid());
        atexit(cleanup);
    }
    if (size > (1u << 20)) return 0;
    load(data, size);
    if (size >= EO_MF_HEADER_SIZE) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        eo_io_store_le64(copy + 16, (uint64_t)size);
        eo_io_store_le32(copy + size - 4, eo_io_crc32(0, copy, size - 4));
        load(copy, size);
        free(copy);
    }
    return 0;
}
