/* A growing string for the code generator, and exact C spellings of numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/internal.h"

void eo__sb_init(eo__sb *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void eo__sb_free(eo__sb *b)
{
    free(b->s);
    eo__sb_init(b);
}

static int reserve(eo__sb *b, size_t extra)
{
    if (b->failed) return 0;
    if (extra > ((size_t)-1) / 2 - b->len) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void eo__sb_putn(eo__sb *b, const char *s, size_t n)
{
    if (!reserve(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void eo__sb_put(eo__sb *b, const char *s) { eo__sb_putn(b, s, strlen(s)); }

void eo__sb_printf(eo__sb *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        eo__sb_putn(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void eo__sb_float(eo__sb *b, float v)
{
    /* %.9g round-trips every float; a constant needs a '.' or an exponent
     * before the f suffix ("1f" is not C). The "C" locale is assumed: the
     * library never calls setlocale. */
    char t[48];
    snprintf(t, sizeof t, "%.9g", (double)v);
    if (!strpbrk(t, ".e")) strcat(t, ".0");
    strcat(t, "f");
    eo__sb_put(b, t);
}

void eo__sb_floats(eo__sb *b, const float *v, size_t n, int per_line)
{
    for (size_t i = 0; i < n; i++) {
        eo__sb_put(b, i % (size_t)per_line == 0 ? "    " : " ");
        eo__sb_float(b, v[i]);
        eo__sb_put(b, i + 1 < n ? "," : "");
        if ((i + 1) % (size_t)per_line == 0 || i + 1 == n) eo__sb_put(b, "\n");
    }
}

void eo__sb_i8s(eo__sb *b, const int8_t *v, size_t n, int per_line)
{
    for (size_t i = 0; i < n; i++) {
        eo__sb_printf(b, "%s%d%s", i % (size_t)per_line == 0 ? "    " : " ", (int)v[i], i + 1 < n ? "," : "");
        if ((i + 1) % (size_t)per_line == 0 || i + 1 == n) eo__sb_put(b, "\n");
    }
}

void eo__sb_i32s(eo__sb *b, const int32_t *v, size_t n, int per_line)
{
    for (size_t i = 0; i < n; i++) {
        /* INT32_MIN cannot be written as a literal: -2147483648 is the negation
         * of a long constant. Spell it as an expression. */
        if (v[i] == INT32_MIN)
            eo__sb_printf(b, "%s(-2147483647 - 1)%s", i % (size_t)per_line == 0 ? "    " : " ", i + 1 < n ? "," : "");
        else
            eo__sb_printf(b, "%s%ld%s", i % (size_t)per_line == 0 ? "    " : " ", (long)v[i], i + 1 < n ? "," : "");
        if ((i + 1) % (size_t)per_line == 0 || i + 1 == n) eo__sb_put(b, "\n");
    }
}
