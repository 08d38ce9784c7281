/* Spec strings NAME[:key=value,...]: the tokenizer shared by the test-function
 * and minimizer parsers. Numbers are parsed strictly (the whole value must be a
 * finite number in range); every error names the 1-based column. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim/min_internal.h"

int eo__spec_name(const char *spec, char *name, size_t cap, const char **rest, eo_error *err)
{
    if (!spec) return eo_error_set(err, EO_ERR_INVALID, "empty spec");
    const char *c = strchr(spec, ':');
    size_t len = c ? (size_t)(c - spec) : strlen(spec);
    if (len == 0) return eo_error_at(err, EO_ERR_PARSE, spec, 1, 1, -1, "expected a name");
    if (len >= cap) return eo_error_at(err, EO_ERR_PARSE, spec, 1, 1, -1, "name too long");
    memcpy(name, spec, len);
    name[len] = '\0';
    *rest = c ? c + 1 : spec + len;
    if (c && c[1] == '\0')
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)len + 2, -1,
                           "expected key=value after ':'");
    return EO_OK;
}

int eo__spec_next(const char *spec, const char **p, eo__kv *kv, eo_error *err)
{
    const char *s = *p;
    if (*s == '\0') return 0;
    const char *end = strchr(s, ',');
    if (!end) end = s + strlen(s);
    const char *eq = memchr(s, '=', (size_t)(end - s));
    long col = (long)(s - spec) + 1;
    if (!eq || eq == s)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, col, -1, "expected key=value, got '%.*s'",
                           (int)(end - s), s);
    if (eq + 1 == end)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(eq - spec) + 2, -1,
                           "missing value for '%.*s'", (int)(eq - s), s);
    kv->key = s;
    kv->key_len = (size_t)(eq - s);
    kv->val = eq + 1;
    kv->val_len = (size_t)(end - eq - 1);
    kv->key_col = col;
    kv->val_col = (long)(eq - spec) + 2;
    if (*end == ',') {
        if (end[1] == '\0')
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(end - spec) + 2, -1,
                               "expected key=value after ','");
        end++;
    }
    *p = end;
    return 1;
}

int eo__kv_is(const eo__kv *kv, const char *key)
{
    return strlen(key) == kv->key_len && !memcmp(kv->key, key, kv->key_len);
}

int eo__spec_double(const char *spec, const eo__kv *kv, double lo, double hi, double *out,
                    eo_error *err)
{
    char buf[64];
    if (kv->val_len >= sizeof buf)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1, "%.*s: value too long",
                           (int)kv->key_len, kv->key);
    memcpy(buf, kv->val, kv->val_len);
    buf[kv->val_len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(v))
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1,
                           "%.*s: expected a finite number, got '%s'", (int)kv->key_len, kv->key,
                           buf);
    if (v < lo || v > hi)
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv->val_col, -1,
                           "%.*s: %g is out of range [%g, %g]", (int)kv->key_len, kv->key, v, lo,
                           hi);
    *out = v;
    return EO_OK;
}

int eo__spec_long(const char *spec, const eo__kv *kv, long lo, long hi, long *out, eo_error *err)
{
    char buf[64];
    if (kv->val_len >= sizeof buf)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1, "%.*s: value too long",
                           (int)kv->key_len, kv->key);
    memcpy(buf, kv->val, kv->val_len);
    buf[kv->val_len] = '\0';
    char *end = NULL;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\0' || errno == ERANGE)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1,
                           "%.*s: expected an integer, got '%s'", (int)kv->key_len, kv->key, buf);
    if (v < lo || v > hi)
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv->val_col, -1,
                           "%.*s: %ld is out of range [%ld, %ld]", (int)kv->key_len, kv->key, v,
                           lo, hi);
    *out = v;
    return EO_OK;
}

int eo__spec_unknown_key(const char *spec, const eo__kv *kv, const char *known, eo_error *err)
{
    return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->key_col, -1, "unknown key '%.*s' (known: %s)",
                       (int)kv->key_len, kv->key, known);
}
