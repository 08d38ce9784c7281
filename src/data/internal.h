/* Private helpers of the data module (never installed). */
#ifndef EO_DATA_INTERNAL_H
#define EO_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/data.h"

/* Name used in messages for a NULL name. */
#define EO__MEM_NAME "<memory>"

/* Resolve options: NULL -> defaults, max_bytes 0 -> EO_DATA_MAX_BYTES. Returns
 * EO_ERR_INVALID (with the validator's reason) for bad options. */
int eo__opts_resolve(const eo_data_opts *in, eo_data_opts *out, eo_error *err);

/* Read a whole file into a malloc'd buffer (one extra NUL byte after the data,
 * not counted in *len). Fails with EO_ERR_RANGE when the file is larger than
 * max bytes, EO_ERR_NOT_FOUND / EO_ERR_IO otherwise. */
int eo__read_file(const char *path, size_t max, uint8_t **buf, size_t *len, eo_error *err);

/* The last path component, for dataset names. */
const char *eo__basename(const char *path);

/* Copy a name into ds->name (truncating). */
void eo__set_name(eo_dataset *ds, const char *name);

/* Class-label check: 0 when v is an integer in [0, limit) where limit is
 * opts->n_classes or EO_DATA_MAX_CLASSES; else writes a short reason into why
 * (at least 96 bytes) and returns -1. */
int eo__check_label(double v, int n_classes, char *why, size_t why_len);

/* Number of classes: opts n_classes if set, else max label + 1. */
int eo__n_classes(const int32_t *y, size_t n, int n_classes_opt);

/* True when a gzip magic starts the buffer. */
int eo__is_gzip(const uint8_t *b, size_t len);

/* malloc of a product checked against overflow and a cap: returns NULL and
 * sets *status (EO_ERR_RANGE over the cap or on overflow, EO_ERR_NOMEM). */
void *eo__alloc_array(size_t count, size_t elem, size_t cap, int *status);

/* Strict decimal number [+-]digits[.digits][(e|E)[+-]digits] in s[0..n)
 * (not NUL-terminated): returns one of the NUM_ codes; *out set on NUM_OK.
 * "nan"/"inf"/"infinity" (any case, signed) give NUM_NAN/NUM_INF; values that
 * overflow a double give NUM_RANGE. */
enum { NUM_OK, NUM_EMPTY, NUM_BAD, NUM_NAN, NUM_INF, NUM_RANGE };
int eo__parse_num(const char *s, size_t n, double *out);
/* "expected a number", "NaN cell, ...", ... for a NUM_ code. */
const char *eo__num_msg(int code);

#endif
