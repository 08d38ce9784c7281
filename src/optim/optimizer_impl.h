/* Private to the first-order optimizers, schedules and their spec parsers
 * (optimizer.c, sgd.c ... radam.c, optim_spec.c, schedule*.c). Not installed. */
#ifndef EO_OPTIM_OPTIMIZER_IMPL_H
#define EO_OPTIM_OPTIMIZER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/optim.h"

/* Most per-element state arrays any optimizer keeps (Adam with AMSGrad,
 * centered RMSprop with momentum: 3). */
#define EO__OPTIM_MAX_SLOTS 3

/* Scalar state kept by the optimizer and checkpointed, all starting at 1.
 * The powers are running products (one multiplication per step instead of
 * pow(): the step stays a few nanoseconds; they drift from pow() by about
 * t/2 ulp, far below the 1e-5 the PyTorch reference test allows). */
enum {
    EO__SC_BETA1_POW, /* beta1^t */
    EO__SC_BETA2_POW, /* beta2^t */
    EO__SC_MU_PROD,   /* NAdam: prod_{i<=t} mu_i */
    EO__SC_DECAY_POW, /* NAdam: 0.96^(t momentum_decay) */
    EO__OPTIM_NSCALARS
};

/* What one update rule sees. `t` is the 1-based number of the step being
 * taken (PyTorch's state "step" after its increment); `scalar` the scalar
 * state above, which the rule advances to step t; slot[k] are the
 * per-element state arrays (n entries of the step's precision), initialised
 * by eo__optim_slot_init. */
typedef struct eo__step_args {
    const eo_optim_params *p;
    long t;
    double *scalar; /* [EO__OPTIM_NSCALARS] */
    size_t n;
    const uint8_t *mask; /* NULL = weight decay on every entry */
} eo__step_args;

/* The update rules, one file each, each written once and instantiated for
 * float and double through the real_f32.h / real_f64.h headers. */
void eo__sgd_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__sgd_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__adagrad_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__adagrad_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__rmsprop_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__rmsprop_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__adadelta_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__adadelta_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__adam_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__adam_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__nadam_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__nadam_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);
void eo__radam_step_f32(const eo__step_args *a, float *x, const float *g, float *const *slot);
void eo__radam_step_f64(const eo__step_args *a, double *x, const double *g, double *const *slot);

/* Number of state arrays the optimizer described by p keeps, and the value
 * slot k starts from (0 except Adagrad's initial_accumulator_value). */
int eo__optim_nslots(const eo_optim_params *p);
double eo__optim_slot_init(const eo_optim_params *p, int k);

/* ---------------------------------------------------- spec tokenizer */

/* One "key[=value]" item of a spec "name:key=value,key,...". Items are
 * separated by ','; a list is the range [begin, end) of the spec (schedules
 * chain a warm-up with '+'). Columns are 1-based in the whole spec. */
typedef struct eo__spec_item {
    const char *key;
    size_t key_len;
    const char *val; /* NULL for a bare key */
    size_t val_len;
    long key_col, val_col;
} eo__spec_item;

/* Read NAME (up to ':' or end) of the range [begin, end) into name[cap];
 * *rest points after the ':' (or at end). EO_OK or EO_ERR_PARSE with the column. */
int eo__ospec_name(const char *spec, const char *begin, const char *end, char *name, size_t cap,
                   const char **rest, eo_error *err);
/* Next item of [*p, end): 1 = got one, 0 = end of list, < 0 error. */
int eo__ospec_next(const char *spec, const char **p, const char *end, eo__spec_item *it,
                   eo_error *err);
int eo__ospec_key_is(const eo__spec_item *it, const char *key);
/* Strict value parsers (the whole value, finite, in range; an integer may be
 * written 1e4); errors name the value's column and the key. A bare key is an
 * error for numbers and means 1 for booleans (0/1/true/false). */
int eo__ospec_double(const char *spec, const eo__spec_item *it, double *out, eo_error *err);
int eo__ospec_long(const char *spec, const eo__spec_item *it, long lo, long hi, long *out,
                   eo_error *err);
int eo__ospec_bool(const char *spec, const eo__spec_item *it, int *out, eo_error *err);
/* Parse the text [s, s+len) as a strict finite double (0 on success). */
int eo__ospec_number(const char *s, size_t len, double *out);

/* Little-endian field writers/readers for the checkpoint images. */
void eo__put_u32(unsigned char *p, uint32_t v);
void eo__put_u64(unsigned char *p, uint64_t v);
void eo__put_f64(unsigned char *p, double v);
uint32_t eo__get_u32(const unsigned char *p);
uint64_t eo__get_u64(const unsigned char *p);
double eo__get_f64(const unsigned char *p);
/* FNV-1a 32-bit hash of n bytes (image checksum). */
uint32_t eo__fnv1a32(const unsigned char *p, size_t n);

#endif
