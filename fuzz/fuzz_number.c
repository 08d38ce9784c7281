/* libFuzzer target: the strict number parsers behind every command-line
 * number (eo_parse_double, eo_parse_long, eo_parse_double_list; the CLI's
 * eo_cli_double/long/double_list call them).
 *
 * Byte 0 picks the bounds; the rest is the text. Oracles:
 *  - long: an independent digit-by-digit reading of the grammar
 *    [blanks][+|-]digits decides acceptance and the value (with overflow);
 *  - double: an accepted value is finite and inside the bounds, and its %.17g
 *    text parses back to the same bits; text without any digit is refused;
 *  - list: the count matches the number of commas + 1, every item is what
 *    eo_parse_double gives for that item alone, and a failure's column points
 *    at the start of an item. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reference reading of a strtol base-10 integer filling the whole string.
 * Returns 0 not a number, 1 ok (*v), 2 overflow. */
static int ref_long(const char *s, long *v)
{
    const char *p = s;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!isdigit((unsigned char)*p)) return 0;
    unsigned long long mag = 0, lim = neg ? (unsigned long long)LONG_MAX + 1ull : (unsigned long long)LONG_MAX;
    int over = 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (mag > (lim - d) / 10) over = 1;
        else mag = mag * 10 + d;
    }
    if (*p) return 0;
    if (over) return 2;
    *v = neg ? (mag == (unsigned long long)LONG_MAX + 1ull ? LONG_MIN : -(long)mag) : (long)mag;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 512) return 0;
    static const double dlo[4] = {-HUGE_VAL, 0.0, -1.0, 1e-300};
    static const double dhi[4] = {HUGE_VAL, 1.0, 1e300, 1e-299};
    static const long llo[4] = {LONG_MIN, 0, -5, 1};
    static const long lhi[4] = {LONG_MAX, 100, 5, LONG_MAX / 2};
    int b = data[0] & 3;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    double d = 12345.0;
    int rd = eo_parse_double(s, dlo[b], dhi[b], &d);
    if (rd == EO_OK) {
        if (!isfinite(d) || d < dlo[b] || d > dhi[b]) abort();
        if (!strpbrk(s, "0123456789")) abort();
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        double e;
        if (eo_parse_double(buf, -HUGE_VAL, HUGE_VAL, &e) != EO_OK || memcmp(&d, &e, sizeof d)) abort();
    } else if ((rd != EO_ERR_PARSE && rd != EO_ERR_RANGE) || d != 12345.0) {
        abort(); /* *out untouched on failure */
    }

    long v = 777, rv = 0;
    int rl = eo_parse_long(s, llo[b], lhi[b], &v);
    int ref = ref_long(s, &rv);
    if (ref == 1 && rv >= llo[b] && rv <= lhi[b]) {
        if (rl != EO_OK || v != rv) abort();
    } else if (ref == 1) {
        if (rl != EO_ERR_RANGE || v != 777) abort();
    } else if (rl != EO_ERR_PARSE || v != 777) {
        abort();
    }

    double out[8];
    size_t n = 99, commas = 0;
    for (const char *c = s; *c; c++) commas += *c == ',';
    eo_error err;
    int rlist = eo_parse_double_list(s, out, 8, &n, &err);
    if (rlist == EO_OK) {
        if (n != commas + 1 || n > 8) abort();
        const char *p = s;
        for (size_t i = 0; i < n; i++) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            char item[512];
            memcpy(item, p, len);
            item[len] = '\0';
            double one;
            if (eo_parse_double(item, -HUGE_VAL, HUGE_VAL, &one) != EO_OK || memcmp(&one, &out[i], sizeof one)) abort();
            p = c ? c + 1 : p + len;
        }
    } else {
        if (n != 99 || err.code != rlist || err.column < 1 || (size_t)err.column > size) abort();
        if (err.column > 1 && s[err.column - 2] != ',') abort();
        if (rlist == EO_ERR_RANGE && commas < 8) abort();
    }
    free(s);
    return 0;
}
