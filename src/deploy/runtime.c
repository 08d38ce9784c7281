/* The int8 runtime of an export: the text of the reference kernels
 * (include/edgeopt/qref.h and src/kernels/qref.c, embedded at build time),
 * cut into top-level units and re-emitted with only the functions a model
 * calls, each made `static` so that two exported models link together and an
 * unused kernel costs neither a warning nor flash.
 *
 * The cutter is a small scanner of C's top level, enough for these two files:
 * it skips comments, string and character literals, tracks parenthesis and
 * brace depth, and ends a unit at a preprocessor line, at a ';' at depth 0
 * (a declaration) or at the '}' that closes a function body (a '{' at depth 0
 * that directly follows a ')'). The comments and blank lines before a unit
 * belong to it. `#ifdef __cplusplus` blocks are dropped first. If the files
 * grow a construct the scanner does not know, the export fails with
 * EO_ERR_FORMAT instead of emitting broken code, and tests/deploy checks that
 * every definition of qref.c is found. */
#include <stdlib.h>
#include <string.h>

#include "deploy/internal.h"

typedef enum { U_PP, U_DECL, U_FUNC } unit_kind;

typedef struct unit {
    unit_kind kind;
    size_t start;     /* leading comments included */
    size_t body;      /* first character of the code itself */
    size_t end;       /* exclusive, after the line's newline */
    char name[64];    /* functions and prototypes: the declared name */
    int is_static;    /* starts with "static" */
    int is_typedef;
} unit;

typedef struct units {
    unit *u;
    size_t n, cap;
} units;

static int is_id(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Skip a comment or literal starting at s[i]; returns the index after it, or
 * i if there is none there. */
static size_t skip_lexical(const char *s, size_t i)
{
    if (s[i] == '/' && s[i + 1] == '*') {
        const char *e = strstr(s + i + 2, "*/");
        return e ? (size_t)(e - s) + 2 : strlen(s);
    }
    if (s[i] == '/' && s[i + 1] == '/') {
        while (s[i] && s[i] != '\n') i++;
        return i;
    }
    if (s[i] == '"' || s[i] == '\'') {
        char q = s[i++];
        while (s[i] && s[i] != q) {
            if (s[i] == '\\' && s[i + 1]) i++;
            i++;
        }
        return s[i] ? i + 1 : i;
    }
    return i;
}

static size_t line_end(const char *s, size_t i)
{
    while (s[i] && s[i] != '\n') {
        if (s[i] == '\\' && s[i + 1] == '\n') i++;
        i++;
    }
    return s[i] ? i + 1 : i;
}

static int push(units *us, const unit *u)
{
    if (us->n == us->cap) {
        size_t cap = us->cap ? 2 * us->cap : 64;
        unit *v = realloc(us->u, cap * sizeof *v);
        if (!v) return 0;
        us->u = v;
        us->cap = cap;
    }
    us->u[us->n++] = *u;
    return 1;
}

/* The identifier before the first '(' at depth 0 of [body, end). */
static void unit_name(const char *s, unit *u)
{
    u->name[0] = '\0';
    for (size_t i = u->body; i < u->end; i++) {
        size_t j = skip_lexical(s, i);
        if (j != i) {
            i = j - 1;
            continue;
        }
        if (s[i] == '{' || s[i] == ';') return;
        if (s[i] != '(') continue;
        size_t e = i;
        while (e > u->body && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n')) e--;
        size_t b = e;
        while (b > u->body && is_id(s[b - 1])) b--;
        size_t n = e - b < sizeof u->name - 1 ? e - b : sizeof u->name - 1;
        memcpy(u->name, s + b, n);
        u->name[n] = '\0';
        return;
    }
}

/* Cut s into units. 0 on success, -1 on unbalanced text or no memory. */
static int cut(const char *s, units *us)
{
    size_t i = 0, n = strlen(s);
    while (i < n) {
        unit u;
        memset(&u, 0, sizeof u);
        u.start = i;
        /* Leading blank lines and comments. */
        for (;;) {
            while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
            size_t j = skip_lexical(s, i);
            if (j == i || (s[i] != '/')) break;
            i = j;
        }
        if (i >= n) {
            /* Trailing comments: attach to the previous unit. */
            if (us->n) us->u[us->n - 1].end = n;
            break;
        }
        u.body = i;
        if (s[i] == '#') {
            u.kind = U_PP;
            u.end = line_end(s, i);
        } else {
            int paren = 0, brace = 0, func = 0;
            char prev = 0; /* the last character that is not blank */
            for (;;) {
                if (i >= n) return -1;
                size_t j = skip_lexical(s, i);
                if (j != i) {
                    i = j;
                    continue;
                }
                char c = s[i];
                if (c == '(') paren++;
                if (c == ')') paren--;
                if (c == '{') {
                    if (brace == 0 && paren == 0 && prev == ')') func = 1;
                    brace++;
                }
                if (c == '}') {
                    brace--;
                    if (brace < 0) return -1;
                    if (brace == 0 && func) {
                        u.kind = U_FUNC;
                        u.end = line_end(s, i);
                        break;
                    }
                }
                if (c == ';' && brace == 0 && paren == 0) {
                    u.kind = U_DECL;
                    u.end = line_end(s, i);
                    break;
                }
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') prev = c;
                i++;
            }
            u.is_static = !strncmp(s + u.body, "static", 6) && !is_id(s[u.body + 6]);
            u.is_typedef = !strncmp(s + u.body, "typedef", 7) && !is_id(s[u.body + 7]);
            if (!u.is_typedef) unit_name(s, &u);
        }
        i = u.end;
        if (!push(us, &u)) return -1;
    }
    return 0;
}

/* The header without its `#ifdef __cplusplus ... #endif` blocks (malloc'd). */
static char *drop_cplusplus(const char *h)
{
    size_t n = strlen(h);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0, i = 0;
    int skipping = 0, depth = 0;
    while (i < n) {
        size_t e = line_end(h, i);
        const char *l = h + i;
        while (*l == ' ' || *l == '\t') l++;
        if (!skipping && !strncmp(l, "#ifdef __cplusplus", 18)) {
            skipping = 1;
            depth = 0;
        } else if (skipping) {
            if (!strncmp(l, "#if", 3)) depth++;
            if (!strncmp(l, "#endif", 6)) {
                if (depth == 0) skipping = 0;
                else depth--;
            }
        } else {
            memcpy(out + o, h + i, e - i);
            o += e - i;
        }
        i = e;
    }
    out[o] = '\0';
    return out;
}

/* Does [b, e) of s mention identifier id (outside comments and literals)? */
static int mentions(const char *s, size_t b, size_t e, const char *id)
{
    size_t k = strlen(id);
    for (size_t i = b; i < e; i++) {
        size_t j = skip_lexical(s, i);
        if (j != i) {
            i = j - 1;
            continue;
        }
        if (!strncmp(s + i, id, k) && (i == b || !is_id(s[i - 1])) && !is_id(s[i + k])) return 1;
    }
    return 0;
}

/* Is unit u the line `#include "edgeopt/qref.h"`? */
static int is_qref_include(const char *s, const unit *u)
{
    static const char inc[] = "\"edgeopt/qref.h\"";
    for (size_t i = u->body; i + sizeof inc - 1 <= u->end; i++)
        if (!strncmp(s + i, inc, sizeof inc - 1)) return 1;
    return 0;
}

static const struct {
    unsigned bit;
    const char *fn;
} roots[] = {
    {EO__RT_FC, "eo_q8_fc_ref"},           {EO__RT_CONV2D, "eo_q8_conv2d_ref"},
    {EO__RT_DWCONV2D, "eo_q8_dwconv2d_ref"}, {EO__RT_MAXPOOL, "eo_q8_maxpool_ref"},
    {EO__RT_AVGPOOL, "eo_q8_avgpool_ref"}, {EO__RT_GAP, "eo_q8_gap_ref"},
    {EO__RT_QUANTIZE, "eo_q8_quantize_ref"}, {EO__RT_DEQUANTIZE, "eo_q8_dequantize_ref"},
};

/* Emit the text of unit u, made static when asked. */
static void emit_unit(eo__sb *b, const char *s, const unit *u, int make_static)
{
    eo__sb_putn(b, s + u->start, u->body - u->start);
    if (make_static && !u->is_static) eo__sb_put(b, "static ");
    eo__sb_putn(b, s + u->body, u->end - u->body);
}

static int find_func(const units *us, const char *name)
{
    for (size_t i = 0; i < us->n; i++)
        if (us->u[i].kind == U_FUNC && !strcmp(us->u[i].name, name)) return (int)i;
    return -1;
}

int eo__runtime_emit(eo__sb *b, unsigned want, eo_error *err)
{
    const char *cs = eo__qref_c_text;
    char *hs = drop_cplusplus(eo__qref_h_text);
    units hu = {NULL, 0, 0}, cu = {NULL, 0, 0};
    char *keep = NULL;
    int rc = EO_OK;
    if (!hs) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    if (cut(hs, &hu) || cut(cs, &cu)) {
        rc = eo_error_set(err, EO_ERR_FORMAT, "the embedded int8 kernels (qref.h, qref.c) could not be split into "
                                               "top-level units: unbalanced braces or an unknown construct");
        goto done;
    }
    keep = calloc(cu.n ? cu.n : 1, 1);
    if (!keep) {
        rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < sizeof roots / sizeof roots[0]; r++) {
        if (!(want & roots[r].bit)) continue;
        int k = find_func(&cu, roots[r].fn);
        if (k < 0) {
            rc = eo_error_set(err, EO_ERR_FORMAT, "the embedded qref.c has no definition of %s", roots[r].fn);
            goto done;
        }
        keep[k] = 1;
    }
    /* Transitive closure over calls (a fixed point; the file is small). */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < cu.n; i++) {
            if (!keep[i]) continue;
            for (size_t j = 0; j < cu.n; j++) {
                if (keep[j] || cu.u[j].kind != U_FUNC || !cu.u[j].name[0]) continue;
                if (mentions(cs, cu.u[i].body, cu.u[i].end, cu.u[j].name)) keep[j] = changed = 1;
            }
        }
    }
    for (size_t i = 0; i < cu.n; i++) {
        const unit *u = &cu.u[i];
        if (u->kind == U_PP && is_qref_include(cs, u)) {
            /* The #include of qref.h: the header's text in its place (its own
             * leading comment kept), minus prototypes of functions not kept. */
            eo__sb_putn(b, cs + u->start, u->body - u->start);
            for (size_t k = 0; k < hu.n; k++) {
                const unit *h = &hu.u[k];
                int proto = h->kind == U_DECL && !h->is_typedef && !h->is_static && h->name[0];
                if (!proto) {
                    emit_unit(b, hs, h, 0);
                    continue;
                }
                int f = find_func(&cu, h->name);
                if (f >= 0 && keep[f]) emit_unit(b, hs, h, 1);
            }
            eo__sb_put(b, "\n");
        } else if (u->kind == U_FUNC) {
            if (keep[i]) emit_unit(b, cs, u, 1);
        } else {
            emit_unit(b, cs, u, 0);
        }
    }
    if (b->failed) rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
done:
    free(keep);
    free(hu.u);
    free(cu.u);
    free(hs);
    return rc;
}

size_t eo__runtime_list(char names[][64], size_t cap)
{
    units cu = {NULL, 0, 0};
    size_t k = 0;
    if (cut(eo__qref_c_text, &cu) == 0) {
        for (size_t i = 0; i < cu.n; i++) {
            if (cu.u[i].kind != U_FUNC) continue;
            if (k < cap) memcpy(names[k], cu.u[i].name, 64);
            k++;
        }
    }
    free(cu.u);
    return k;
}
