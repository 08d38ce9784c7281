/* Placeholders: "{name}" in a spec template becomes the value of parameter
 * `name` ("{{" and "}}" are literal braces). */
#include <stdio.h>
#include <string.h>

#include "tune/internal.h"

static void list_names(const eo_space *s, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && len + 1 < n; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", s->p[i].name);
        if (w < 0) break;
        len += (size_t)w;
    }
}

int eo_space_fill(const eo_space *s, const double *x, const char *tmpl, const char *what, char *out,
                  size_t cap, uint64_t *used, eo_error *err)
{
    if (!s || !tmpl) return eo_error_set(err, EO_ERR_INVALID, "eo_space_fill: NULL argument");
    if (!what) what = "spec";
    size_t len = 0;
    char val[80];
#define PUT(str, l)                                                                                              \
    do {                                                                                                         \
        if (out && len + (l) < cap) memcpy(out + len, str, l);                                                   \
        len += (l);                                                                                              \
    } while (0)
    for (const char *p = tmpl; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            PUT("{", 1);
            p += 2;
            continue;
        }
        if (p[0] == '}' && p[1] == '}') {
            PUT("}", 1);
            p += 2;
            continue;
        }
        if (*p == '}')
            return eo_error_at(err, EO_ERR_PARSE, what, 1, (long)(p - tmpl) + 1, -1,
                               "unmatched '}' in %s (write '}}' for a literal brace)", what);
        if (*p != '{') {
            PUT(p, 1);
            p++;
            continue;
        }
        const char *close = strchr(p + 1, '}');
        if (!close)
            return eo_error_at(err, EO_ERR_PARSE, what, 1, (long)(p - tmpl) + 1, -1,
                               "unclosed '{' in %s (placeholders are {name})", what);
        size_t nl = (size_t)(close - p - 1);
        char name[EO_SPACE_NAME_MAX];
        int idx = -1;
        if (nl < sizeof name) {
            memcpy(name, p + 1, nl);
            name[nl] = '\0';
            idx = eo_space_find(s, name);
        } else {
            snprintf(name, sizeof name, "%.*s...", 40, p + 1);
        }
        if (idx < 0) {
            char names[512];
            list_names(s, names, sizeof names);
            return eo_error_at(err, EO_ERR_PARSE, what, 1, (long)(p - tmpl) + 1, -1,
                               "unknown placeholder {%s} in %s; the space has: %s", name, what, names);
        }
        if (used) *used |= (uint64_t)1 << idx;
        if (x) {
            size_t vl = eo_space_value_str(s, (size_t)idx, x[idx], val, sizeof val);
            if (vl >= sizeof val) vl = sizeof val - 1;
            PUT(val, vl);
        }
        p = close + 1;
    }
#undef PUT
    if (out) {
        if (len >= cap) {
            if (cap) out[cap - 1] = '\0';
            return eo_error_set(err, EO_ERR_RANGE, "%s is longer than %zu characters once filled", what, cap - 1);
        }
        out[len] = '\0';
    }
    return EO_OK;
}
