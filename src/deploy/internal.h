/* Private declarations of the deploy module (not installed). */
#ifndef EO_DEPLOY_INTERNAL_H
#define EO_DEPLOY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/deploy.h"

/* The text of include/edgeopt/qref.h and src/kernels/qref.c, NUL-terminated,
 * generated at build time by src/deploy/embed_text.cmake. */
extern const char eo__qref_h_text[];
extern const char eo__qref_c_text[];

/* ----------------------------------------------------------- text buffer */

/* A growing NUL-terminated string. A failed allocation makes it sticky-failed
 * (later appends are ignored; failed is set). */
typedef struct eo__sb {
    char *s;
    size_t len, cap;
    int failed;
} eo__sb;

void eo__sb_init(eo__sb *b);
void eo__sb_free(eo__sb *b);
void eo__sb_put(eo__sb *b, const char *s);
void eo__sb_putn(eo__sb *b, const char *s, size_t n);
void eo__sb_printf(eo__sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A float as a C constant that reads back to the same bits ("0.5f",
 * "-1.25e-07f", "3.0f"); the value must be finite. */
void eo__sb_float(eo__sb *b, float v);
/* Arrays as initializer bodies, `per_line` values per line, each line
 * indented by 4 spaces. */
void eo__sb_floats(eo__sb *b, const float *v, size_t n, int per_line);
void eo__sb_i8s(eo__sb *b, const int8_t *v, size_t n, int per_line);
void eo__sb_i32s(eo__sb *b, const int32_t *v, size_t n, int per_line);

/* ------------------------------------------------- int8 reference runtime */

/* Bits naming the qref kernels an export calls. */
enum {
    EO__RT_FC = 1 << 0,
    EO__RT_CONV2D = 1 << 1,
    EO__RT_DWCONV2D = 1 << 2,
    EO__RT_MAXPOOL = 1 << 3,
    EO__RT_AVGPOOL = 1 << 4,
    EO__RT_GAP = 1 << 5,
    EO__RT_QUANTIZE = 1 << 6,   /* eo_q8_quantize_ref (float wrapper) */
    EO__RT_DEQUANTIZE = 1 << 7  /* eo_q8_dequantize_ref (float wrapper) */
};

/* Append the int8 runtime for the kernels in `want`: the declarations of
 * qref.h (types, macros, static inline helpers; prototypes dropped) followed by
 * the definitions of qref.c that those kernels need (transitively), each made
 * `static`, in the file's order and with their comments, preprocessor
 * conditionals kept. EO_ERR_FORMAT if the embedded text cannot be split (a
 * kernel is missing or braces do not balance). */
int eo__runtime_emit(eo__sb *b, unsigned want, eo_error *err);

/* Names of the function definitions the cutter finds in the embedded qref.c,
 * in order (for tests): writes up to cap NUL-terminated names, returns the
 * count found (0 if the text cannot be cut). */
size_t eo__runtime_list(char names[][64], size_t cap);

/* ------------------------------------------------------- size estimates */

/* What a generated file contains, for the code and stack estimates. */
typedef enum eo__kern {
    EO__K_DENSE = 0, EO__K_CONV2D, EO__K_DWCONV2D, EO__K_MAXPOOL, EO__K_AVGPOOL, EO__K_GAP,
    EO__K_AFFINE, EO__K_RELU, EO__K_RELU6, EO__K_LEAKY, EO__K_TANH, EO__K_SIGMOID, EO__K_SOFTMAX,
    EO__K_COPY,
    EO__K_Q_FC, EO__K_Q_CONV2D, EO__K_Q_DWCONV2D, EO__K_Q_MAXPOOL, EO__K_Q_AVGPOOL, EO__K_Q_GAP,
    EO__K_Q_WRAPPER, /* the float entry point: quantize, dequantize */
    EO__K_Q_SOFTMAX, /* the float entry point's final softmax */
    EO__K_COUNT
} eo__kern;

/* Estimated code bytes (instructions and constant descriptors) and stack
 * bytes of a generated file whose predict calls kernel k uses[k] times
 * (sizes.c). */
size_t eo__code_estimate(eo_deploy_cpu cpu, const int *uses);
size_t eo__stack_estimate(eo_deploy_cpu cpu, const int *uses);
/* Code bytes of NAME_scale_input (a loop of a subtract and a multiply). */
#define EO__SCALE_INPUT_CODE 48

/* Append the C text of the float kernels with uses[k] != 0 (fkernels.c). */
void eo__fkernels_emit(eo__sb *b, const int *uses);

/* The summation block of the library's portable SGEMM for a dot product of
 * k terms (src/kernels/gemm.c: balanced blocks of at most 256, multiples of 4). */
int32_t eo__gemm_kblock(int64_t k);

/* The float kernel of model layer i, EO__K_COUNT for a layer that is no op
 * (flatten, dropout), or a negative eo_status with a message naming the layer when it
 * cannot be exported. */
int eo__float_layer_kern(int i, const eo_layer_desc *d, const int64_t in[3], const int64_t out[3], eo_error *err);

/* The same for op j of an int8 model (its kernel, with the qref bit it
 * needs in *rt_bit), after the kernel's own argument checks. */
struct eo_qop;
int eo__int8_op_kern(int j, const struct eo_qop *o, unsigned *rt_bit, eo_error *err);

/* ------------------------------------------------------ common pieces */

/* Upper-case copy of a name (for macros); out has room for EO_EXPORT_MAX_NAME + 1. */
void eo__upper(const char *name, char *out);
/* The generated header's opening comment (generator, version, source). */
void eo__emit_banner(eo__sb *b, const eo_export_params *p, const char *what, const char *file);
/* Turn a finished eo__sb pair into the result's strings (takes ownership). */
int eo__result_take(eo_export_result *r, eo__sb *h, eo__sb *c, eo_error *err);
/* NAME_scale_input: its declaration (header) and its arrays + definition
 * (source); nothing when the parameters carry no scaler. */
void eo__emit_scaler_decl(eo__sb *h, const eo_export_params *p, const char *NAME);
void eo__emit_scaler_def(eo__sb *c, const eo_export_params *p, size_t in_numel, const char *NAME);
/* Total element count of a C,H,W shape. */
int64_t eo__numel3(const int64_t s[3]);

#endif
