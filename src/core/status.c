/* Status names and error details. */
#include "edgeopt/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *eo_version(void) { return EO_VERSION_STRING; }

const char *eo_status_str(int status)
{
    if (status > 0) return "stopped (success)";
    switch (status) {
    case EO_OK: return "ok";
    case EO_ERR_INVALID: return "invalid argument";
    case EO_ERR_NOMEM: return "out of memory";
    case EO_ERR_IO: return "input/output error";
    case EO_ERR_PARSE: return "parse error";
    case EO_ERR_FORMAT: return "bad file format";
    case EO_ERR_RANGE: return "size out of range";
    case EO_ERR_NUMERIC: return "non-finite value";
    case EO_ERR_UNSUPPORTED: return "unsupported";
    case EO_ERR_STATE: return "invalid state";
    case EO_ERR_INTERRUPTED: return "interrupted";
    case EO_ERR_NOT_FOUND: return "not found";
    case EO_ERR_SHAPE: return "shape mismatch";
    default: return "unknown error";
    }
}

void eo_error_clear(eo_error *e)
{
    if (!e) return;
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

static void set_va(eo_error *e, int code, const char *where, long line, long column,
                   long long offset, const char *fmt, va_list ap)
{
    e->code = code;
    e->line = line;
    e->column = column;
    e->offset = offset;
    if (where) {
        /* Keep the tail of long paths: the file name is the useful part. */
        size_t n = strlen(where);
        const char *w = n >= sizeof e->where ? where + (n - sizeof e->where + 1) : where;
        memcpy(e->where, w, strlen(w) + 1);
    } else {
        e->where[0] = '\0';
    }
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int eo_error_set(eo_error *e, int code, const char *fmt, ...)
{
    if (!e) return code;
    va_list ap;
    va_start(ap, fmt);
    set_va(e, code, NULL, 0, 0, -1, fmt, ap);
    va_end(ap);
    return code;
}

int eo_error_at(eo_error *e, int code, const char *where, long line, long column,
                long long offset, const char *fmt, ...)
{
    if (!e) return code;
    va_list ap;
    va_start(ap, fmt);
    set_va(e, code, where, line, column, offset, fmt, ap);
    va_end(ap);
    return code;
}

char *eo_error_format(const eo_error *e, char *buf, size_t n)
{
    if (!buf || n == 0) return buf;
    if (!e) {
        snprintf(buf, n, "unknown error");
        return buf;
    }
    const char *msg = e->msg[0] ? e->msg : eo_status_str(e->code);
    if (e->where[0] && e->line > 0 && e->column > 0)
        snprintf(buf, n, "%s:%ld:%ld: %s", e->where, e->line, e->column, msg);
    else if (e->where[0] && e->line > 0)
        snprintf(buf, n, "%s:%ld: %s", e->where, e->line, msg);
    else if (e->where[0] && e->offset >= 0)
        snprintf(buf, n, "%s: offset %lld: %s", e->where, e->offset, msg);
    else if (e->where[0])
        snprintf(buf, n, "%s: %s", e->where, msg);
    else
        snprintf(buf, n, "%s", msg);
    return buf;
}
