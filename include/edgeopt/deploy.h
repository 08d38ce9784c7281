/* edgeopt deploy: export a trained model as standalone C for a microcontroller,
 * with its activation memory planned at export time (deploy module: uses the OS
 * only to write the files).
 *
 * WHAT THE EXPORT IS
 *   Two files, NAME.h and NAME.c, in C99 with no dependency on libedgeopt, no
 *   allocation and no mutable state besides one static activation arena:
 *     float model:  int NAME_predict(const float *input, float *output);
 *     int8 model:   int NAME_predict_int8(const int8_t *input, int8_t *output);
 *                   int NAME_predict(const float *input, float *output);  (a
 *                   wrapper: quantize, run the int8 path, dequantize; left out
 *                   with -DEO_QREF_NO_FLOAT for an integer-only build)
 *   Weights are `static const` arrays (flash on a microcontroller). The float
 *   kernels are plain loops that compute what the library's float inference
 *   computes in the same order (see docs/export.md for the one documented
 *   difference: the library's AVX2 SGEMM fuses multiply-adds). The int8 kernels
 *   are the text of include/edgeopt/qref.h and src/kernels/qref.c, embedded in
 *   the library at build time and copied into the export (functions made
 *   `static`, only those the model calls), so the library, the export and the
 *   microcontroller compute the same bits. docs/export.md documents the API of
 *   the generated files.
 *
 * MEMORY PLAN
 *   Every intermediate activation is a buffer with a lifetime [first, last] in
 *   op steps. eo_deploy_plan places them in one arena by the greedy-by-size
 *   heuristic (largest buffer first, each at the lowest offset that does not
 *   overlap an already placed buffer whose lifetime intersects its own), as
 *   TensorFlow Lite Micro's GreedyMemoryPlanner does. The arena is at least the
 *   peak of live bytes and at most the sum of all buffers. Element-wise float
 *   layers (activations, batch norm in eval) run in place; flatten and dropout
 *   cost nothing. The caller's input and output buffers are not in the arena.
 *
 * SIZES
 *   flash_bytes = weight_bytes (exact: the const arrays) + code_bytes (an
 *   estimate: per-kernel and per-call sizes measured once with Debian's
 *   arm-none-eabi-gcc 12.2 at -O2 for the chosen CPU, see src/deploy/sizes.c);
 *   ram_bytes = arena_bytes (exact) + stack_bytes (an estimate of the deepest
 *   call chain's frames, same source). The int8 float wrapper's own buffers
 *   (quantized input and output) are reported apart as wrapper_ram_bytes.
 *   tests/deploy checks the estimates against arm-none-eabi-size and
 *   -fstack-usage of the cross-compiled object. */
#ifndef EDGEOPT_DEPLOY_H
#define EDGEOPT_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ memory plan */

/* One buffer to place: size in bytes and its lifetime in op steps (inclusive,
 * first <= last). offset is the planner's output. */
typedef struct eo_deploy_buf {
    size_t size;
    int first, last;
    size_t offset;  /* out: byte offset in the arena, a multiple of align */
} eo_deploy_buf;

/* Place n buffers in one arena (greedy by size, see above); *arena_bytes gets
 * the arena size (the largest offset + size, rounded up to align). align is a
 * power of two (0 means 1). Buffers of size 0 get offset 0 and take no room.
 * Deterministic: ties are broken by first use, then by index. EO_ERR_INVALID
 * for a bad lifetime or alignment, EO_ERR_RANGE on size overflow, EO_ERR_NOMEM
 * if the scratch index array cannot be allocated. */
int eo_deploy_plan(eo_deploy_buf *bufs, size_t n, size_t align, size_t *arena_bytes, eo_error *err);
/* The largest total size of buffers live at one step (a lower bound on any
 * arena), and the sum of all sizes (an arena without reuse). */
size_t eo_deploy_peak_live(const eo_deploy_buf *bufs, size_t n);
size_t eo_deploy_total(const eo_deploy_buf *bufs, size_t n);

/* -------------------------------------------------------------- targets */

/* The CPU the code-size and stack estimates are for (the exported code itself
 * is portable C). Not stored in files. */
typedef enum eo_deploy_cpu {
    EO_DEPLOY_CORTEX_M4 = 0,     /* -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 */
    EO_DEPLOY_CORTEX_M3 = 1,     /* -mcpu=cortex-m3 -mthumb -mfloat-abi=soft */
    EO_DEPLOY_CORTEX_M0PLUS = 2, /* -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft */
    EO_DEPLOY_CPU_COUNT
} eo_deploy_cpu;
/* "cortex-m4", "cortex-m3", "cortex-m0plus"; "unknown" out of range. */
const char *eo_deploy_cpu_name(int cpu);
int eo_deploy_cpu_from_name(const char *name); /* -1 if unknown; also "m4", "m3", "m0+" */

/* ------------------------------------------------------------- export */

/* Longest NAME (a C identifier; its upper-case form prefixes the macros). */
#define EO_EXPORT_MAX_NAME 48

typedef struct eo_export_params {
    char name[EO_EXPORT_MAX_NAME + 1]; /* C identifier, default "model" */
    eo_deploy_cpu cpu;                  /* for the estimates, default cortex-m4 */
    const char *source_name;            /* model file name for the header (NULL: "(memory)") */
    uint32_t source_crc32;              /* CRC-32 of the model file, if has_source_crc */
    int has_source_crc;
    /* Optional feature scaling stored with the model: x' = (x - offset) * scale
     * per input value. When set, the export adds NAME_scale_input(). Borrowed
     * (only read during the export); NULL = none. */
    const float *scaler_offset;
    const float *scaler_scale;
} eo_export_params;

eo_export_params eo_export_defaults(void);
/* NULL if valid, else a static sentence (e.g. the name is not a C identifier). */
const char *eo_export_params_check(const eo_export_params *p);

/* One row of the size breakdown: an op of the generated predict function. */
typedef struct eo_export_op {
    char label[192];         /* e.g. "layer 0 dense 784->128" or "op 2 maxpool" */
    char kind[16];           /* "dense", "conv2d", "relu", "fc", ... */
    int64_t out_shape[3];
    size_t weight_bytes;     /* const arrays of this op (weights, biases, multipliers, ...) */
    size_t out_bytes;        /* its output activation (0 when it writes in place or to the caller) */
    long arena_offset;       /* where its output lives in the arena; -1 = in place / caller's buffer */
} eo_export_op;

/* The generated files and their figures. Owned: eo_export_result_free. */
typedef struct eo_export_result {
    char *header;            /* NAME.h text, NUL-terminated */
    char *source;            /* NAME.c text */
    size_t header_len, source_len;
    int quantized;           /* 1 for an int8 export */
    size_t in_numel, out_numel;
    size_t weight_bytes;     /* exact bytes of the const arrays */
    size_t code_bytes;       /* estimate (see SIZES) */
    size_t flash_bytes;      /* weight_bytes + code_bytes */
    size_t arena_bytes;      /* exact: the static arena */
    size_t stack_bytes;      /* estimate */
    size_t ram_bytes;        /* arena_bytes + stack_bytes */
    size_t wrapper_ram_bytes;/* int8: the float wrapper's static buffers (0 for float) */
    size_t wrapper_code_bytes;/* int8: the float wrapper's share of code_bytes (estimate;
                                 gone with -DEO_QREF_NO_FLOAT) */
    size_t peak_live_bytes;  /* lower bound on any arena */
    size_t naive_arena_bytes;/* every buffer apart (no reuse) */
    int nops;
    eo_export_op *ops;       /* [nops] */
} eo_export_result;
void eo_export_result_free(eo_export_result *r);

/* Export a float model (eval semantics: dropout is the identity, batch norm
 * uses its running statistics). Every layer kind of edgeopt/model.h is
 * supported except a max pooling window that lies entirely in the padding.
 * Non-finite parameters are refused (EO_ERR_NUMERIC naming the layer). */
int eo_export_c_float(const eo_model *m, const eo_export_params *p, eo_export_result *out, eo_error *err);

/* Export an int8 model (edgeopt/qmodel.h). */
struct eo_qmodel;
int eo_export_c_int8(const struct eo_qmodel *q, const eo_export_params *p, eo_export_result *out,
                     eo_error *err);

/* Write DIR/NAME.h and DIR/NAME.c atomically (eo_io_write_atomic). The
 * directory must exist. */
int eo_export_write(const eo_export_result *r, const char *dir, const char *name, eo_error *err);

#ifdef __cplusplus
}
#endif
#endif
