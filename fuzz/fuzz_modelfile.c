/* libFuzzer target: the .eom reader on untrusted bytes.
 *
 * Each input is parsed twice: as given (exercising magic, version, size and
 * CRC checks), and with its declared file size and CRC-32 patched to match, so
 * that mutations reach the structural parser (offsets, counts, names, tensor
 * table) instead of stopping at the checksum. When a file parses, every
 * accessor is walked and the float model is built from it (architecture
 * rows, tensors, scaler, metadata), as `edgeopt info` and `eval` would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"

static void walk(const uint8_t *data, size_t size)
{
    eo_mf_reader *r = NULL;
    eo_error err;
    if (eo_mf_reader_parse(data, size, "fuzz", &r, &err) != EO_OK) return;
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < eo_mf_meta_count(r); i++) {
        const eo_mf_meta *m = eo_mf_meta_at(r, i);
        sink += m->n + (uint64_t)m->type + strlen(m->key);
        if (m->type == EO_MF_STR) sink += strlen(m->s);
        if (m->type == EO_MF_INTS && m->n) sink += (uint64_t)m->ints[m->n - 1];
        if (eo_mf_meta_find(r, m->key) == NULL) abort(); /* lookup must find every key */
    }
    for (size_t i = 0; i < eo_mf_tensor_count(r); i++) {
        const eo_mf_tensor *t = eo_mf_tensor_at(r, i);
        if (t->offset + t->nbytes > size) abort();
        for (size_t j = 0; j < t->nbytes; j++) sink += t->data[j];
        if (t->dtype == EO_MF_F32 && t->numel < (1u << 20)) {
            float *f = malloc((size_t)t->numel * sizeof *f + 1);
            if (f && eo_mf_tensor_read_f32(t, f, (size_t)t->numel, NULL) != EO_OK) abort();
            free(f);
        }
    }
    eo_model *m = NULL;
    int has = 0;
    if (eo_mf_get_model(r, NULL, &m, &has, &err) == EO_OK) {
        sink += eo_model_nparams(m);
        eo_model_destroy(m);
    }
    eo_scaler s;
    if (eo_mf_get_scaler(r, &s, &err) == EO_OK) eo_scaler_free(&s);
    eo_model_meta meta;
    eo_mf_get_meta(r, &meta, &err);
    (void)sink;
    eo_mf_reader_destroy(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that any read past the end is caught by ASan. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    walk(copy, size);
    if (size >= EO_MF_HEADER_SIZE) {
        eo_io_store_le64(copy + 16, (uint64_t)size);
        eo_io_store_le32(copy + size - 4, eo_io_crc32(0, copy, size - 4));
        walk(copy, size);
    }
    free(copy);
    return 0;
}
