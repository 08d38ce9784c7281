/* Strict number parsing for command-line values and spec strings.
 *
 * The whole text must be one number (strtod/strtol syntax in the C locale,
 * leading blanks allowed as strtod allows them, nothing after the number);
 * "nan", "inf" and values that overflow or underflow a double ("1e999",
 * "1e-400") are refused, so a typo never becomes a silent 0 or infinity.
 * Pure libc (strtod, strtol, errno): part of the OS-free core. */
#include "edgeopt/core.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parse [s, stop) as a finite double. strtod never consumes ',' or '\0', so
 * for an item of a comma-separated list it stops at or before the comma. */
static int span_double(const char *s, const char *stop, double *out)
{
    if (s == stop) return EO_ERR_PARSE;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || end != stop || errno == ERANGE || !isfinite(v)) return EO_ERR_PARSE;
    *out = v;
    return EO_OK;
}

int eo_parse_double(const char *s, double lo, double hi, double *out)
{
    double v;
    if (!s || !out || span_double(s, s + strlen(s), &v)) return EO_ERR_PARSE;
    if (!(v >= lo && v <= hi)) return EO_ERR_RANGE;
    *out = v;
    return EO_OK;
}

int eo_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !out || !*s) return EO_ERR_PARSE;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return EO_ERR_PARSE;
    if (v < lo || v > hi) return EO_ERR_RANGE;
    *out = v;
    return EO_OK;
}

int eo_parse_double_list(const char *s, double *out, size_t cap, size_t *n, eo_error *err)
{
    if (!s || !n || (cap && !out)) return eo_error_set(err, EO_ERR_INVALID, "eo_parse_double_list: NULL argument");
    size_t k = 0;
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        const char *stop = c ? c : p + strlen(p);
        long col = (long)(p - s) + 1;
        if (stop == p)
            return eo_error_at(err, EO_ERR_PARSE, NULL, 0, col, -1,
                               "expected comma-separated numbers, got '%s'", s);
        if (k >= cap) return eo_error_at(err, EO_ERR_RANGE, NULL, 0, col, -1, "at most %zu values", cap);
        if (span_double(p, stop, &out[k]))
            return eo_error_at(err, EO_ERR_PARSE, NULL, 0, col, -1, "expected a finite number, got '%.*s'",
                               (int)(stop - p < 400 ? stop - p : 400), p);
        k++;
        if (!c) break;
        p = c + 1;
    }
    *n = k;
    return EO_OK;
}
