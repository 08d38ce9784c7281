/* Model specs ("linear", "mlp:256,128:act=relu") and the model-description
 * language for CNNs ("conv 16 3x3 -> relu -> maxpool 2 -> dense 10").
 * Grammar: include/edgeopt/model.h and docs/model-description.md.
 *
 * Both parsers are hand-written scanners over the input bytes that report the
 * 1-based line and column of the offending token. Numbers are parsed by our
 * own code (no strtod), so the result does not depend on the C locale. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

#define EO__MAX_LAYERS 256
#define EO__MAX_TOKENS 16

typedef struct tok {
    const char *s;
    int len;
    long line, col;
} tok;

typedef struct pctx {
    const char *where;
    eo_error *err;
    int n_outputs;
} pctx;

static int fail(const pctx *c, const tok *t, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(const pctx *c, const tok *t, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return eo_error_at(c->err, code, c->where, t ? t->line : 0, t ? t->col : 0, -1, "%s", msg);
}

static int tok_is(const tok *t, const char *s)
{
    return (size_t)t->len == strlen(s) && memcmp(t->s, s, (size_t)t->len) == 0;
}

/* ---------------------------------------------------------------- numbers */

/* Strict non-negative integer (at most 9 digits). */
static int parse_int(const char *s, int len, int *out)
{
    if (len < 1 || len > 9) return 0;
    long v = 0;
    for (int i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = (int)v;
    return 1;
}

/* Strict decimal: digits [. digits] [e [+-] digits], or . digits; no sign. */
static int parse_float(const char *s, int len, float *out)
{
    int i = 0, nd = 0, exp10 = 0;
    double mant = 0.0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (nd < 17) mant = mant * 10.0 + (s[i] - '0');
        else exp10++;
        nd++;
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (nd < 17) {
                mant = mant * 10.0 + (s[i] - '0');
                exp10--;
            }
            nd++;
            i++;
        }
    }
    if (nd == 0) return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int sg = 1, e = 0, ne = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) sg = s[i++] == '-' ? -1 : 1;
        while (i < len && s[i] >= '0' && s[i] <= '9' && ne < 4) {
            e = e * 10 + (s[i++] - '0');
            ne++;
        }
        if (ne == 0) return 0;
        exp10 += sg * e;
    }
    if (i != len) return 0;
    if (exp10 < -60 || exp10 > 60) return 0;
    double p = 1.0;
    for (int q = 0; q < (exp10 < 0 ? -exp10 : exp10); q++) p *= 10.0;
    double v = exp10 < 0 ? mant / p : mant * p;
    if (v > 3.0e38) return 0;
    *out = (float)v;
    return 1;
}

/* "K" or "KHxKW". */
static int parse_window(const tok *t, int *kh, int *kw)
{
    for (int i = 0; i < t->len; i++)
        if (t->s[i] == 'x' || t->s[i] == 'X')
            return parse_int(t->s, i, kh) && parse_int(t->s + i + 1, t->len - i - 1, kw);
    if (!parse_int(t->s, t->len, kh)) return 0;
    *kw = *kh;
    return 1;
}

/* ------------------------------------------------------- layer arguments */

/* Split key=value; returns 1 with key/value tokens if it is one. */
static int split_kv(const tok *t, tok *k, tok *v)
{
    for (int i = 0; i < t->len; i++)
        if (t->s[i] == '=') {
            *k = *t;
            k->len = i;
            *v = *t;
            v->s = t->s + i + 1;
            v->len = t->len - i - 1;
            v->col = t->col + i + 1;
            return 1;
        }
    return 0;
}

/* Options common to windowed layers: stride=S, pad=P|same|valid. */
static int window_opt(const pctx *c, const tok *k, const tok *v, eo_layer_desc *d, int *stride_set)
{
    if (tok_is(k, "stride")) {
        if (!parse_int(v->s, v->len, &d->stride) || d->stride < 1)
            return fail(c, v, EO_ERR_PARSE, "stride must be an integer in 1..999999999, got '%.*s'", v->len, v->s);
        *stride_set = 1;
        return EO_OK;
    }
    if (tok_is(k, "pad") || tok_is(k, "padding")) {
        if (tok_is(v, "same")) {
            d->pad = d->kh / 2;
            if (d->kh != d->kw || d->kh % 2 == 0)
                return fail(c, v, EO_ERR_PARSE, "pad=same needs an odd square kernel");
            return EO_OK;
        }
        if (tok_is(v, "valid")) {
            d->pad = 0;
            return EO_OK;
        }
        if (!parse_int(v->s, v->len, &d->pad))
            return fail(c, v, EO_ERR_PARSE, "pad must be an integer, 'same' or 'valid', got '%.*s'", v->len, v->s);
        return EO_OK;
    }
    return fail(c, k, EO_ERR_PARSE, "unknown option '%.*s' (expected stride= or pad=)", k->len, k->s);
}

typedef int (*arg_fn)(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d);

static int args_none(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    (void)d;
    if (na > 0)
        return fail(c, &a[0], EO_ERR_PARSE, "'%.*s' takes no arguments, got '%.*s'", kw->len, kw->s, a[0].len,
                    a[0].s);
    return EO_OK;
}

static int args_dense(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    if (na > 1) return fail(c, &a[1], EO_ERR_PARSE, "dense takes one size, got an extra '%.*s'", a[1].len, a[1].s);
    if (na == 0) {
        if (c->n_outputs < 1) return fail(c, kw, EO_ERR_PARSE, "dense needs a size (no output count is known)");
        d->units = c->n_outputs;
        return EO_OK;
    }
    if (!parse_int(a[0].s, a[0].len, &d->units) || d->units < 1)
        return fail(c, &a[0], EO_ERR_PARSE, "dense size must be an integer in 1..999999999, got '%.*s'", a[0].len, a[0].s);
    return EO_OK;
}

/* conv N KxK [opts] (with_units) or dwconv KxK [opts]. */
static int args_windowed(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d, int with_units,
                         int is_pool)
{
    int pos = 0, stride_set = 0;
    int need = with_units ? 2 : 1;
    for (int i = 0; i < na; i++) {
        tok k, v;
        if (split_kv(&a[i], &k, &v)) {
            if (pos < need) return fail(c, &a[i], EO_ERR_PARSE, "option '%.*s' before the sizes", a[i].len, a[i].s);
            int rc = window_opt(c, &k, &v, d, &stride_set);
            if (rc != EO_OK) return rc;
            continue;
        }
        if (pos >= need)
            return fail(c, &a[i], EO_ERR_PARSE, "unexpected argument '%.*s'", a[i].len, a[i].s);
        if (with_units && pos == 0) {
            if (!parse_int(a[i].s, a[i].len, &d->units) || d->units < 1)
                return fail(c, &a[i], EO_ERR_PARSE, "filter count must be an integer in 1..999999999, got '%.*s'", a[i].len,
                            a[i].s);
        } else if (!parse_window(&a[i], &d->kh, &d->kw) || d->kh < 1 || d->kw < 1) {
            return fail(c, &a[i], EO_ERR_PARSE, "window must be K or KxK, got '%.*s'", a[i].len, a[i].s);
        }
        pos++;
    }
    if (pos < need)
        return fail(c, kw, EO_ERR_PARSE, with_units ? "'%.*s' needs a filter count and a window, e.g. conv 16 3x3"
                                                    : "'%.*s' needs a window, e.g. %.*s 3x3",
                    kw->len, kw->s, kw->len, kw->s);
    if (is_pool && !stride_set) d->stride = d->kh;
    return EO_OK;
}

static int args_conv(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    return args_windowed(c, kw, a, na, d, 1, 0);
}
static int args_dw(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    return args_windowed(c, kw, a, na, d, 0, 0);
}
static int args_pool(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    return args_windowed(c, kw, a, na, d, 0, 1);
}

/* One optional positional float or key=value with the given key. */
static int args_one_float(const pctx *c, const tok *kw, const tok *a, int na, float *dst, const char *key)
{
    if (na > 1) return fail(c, &a[1], EO_ERR_PARSE, "unexpected argument '%.*s'", a[1].len, a[1].s);
    if (na == 0) return EO_OK;
    tok k, v = a[0];
    if (split_kv(&a[0], &k, &v) && !tok_is(&k, key))
        return fail(c, &k, EO_ERR_PARSE, "unknown option '%.*s' for %.*s (expected %s=)", k.len, k.s, kw->len, kw->s,
                    key);
    if (!parse_float(v.s, v.len, dst))
        return fail(c, &v, EO_ERR_PARSE, "expected a number, got '%.*s'", v.len, v.s);
    return EO_OK;
}

static int args_dropout(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    int rc = args_one_float(c, kw, a, na, &d->p, "p");
    if (rc == EO_OK && !(d->p >= 0.0f && d->p < 1.0f))
        return fail(c, &a[0], EO_ERR_PARSE, "dropout probability must be in [0, 1)");
    return rc;
}

static int args_leaky(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    return args_one_float(c, kw, a, na, &d->alpha, "alpha");
}

static int args_bn(const pctx *c, const tok *kw, const tok *a, int na, eo_layer_desc *d)
{
    (void)kw;
    for (int i = 0; i < na; i++) {
        tok k, v;
        if (!split_kv(&a[i], &k, &v))
            return fail(c, &a[i], EO_ERR_PARSE, "batchnorm takes eps= and momentum=, got '%.*s'", a[i].len, a[i].s);
        float *dst = tok_is(&k, "eps") ? &d->eps : tok_is(&k, "momentum") ? &d->momentum : NULL;
        if (!dst) return fail(c, &k, EO_ERR_PARSE, "unknown batchnorm option '%.*s'", k.len, k.s);
        if (!parse_float(v.s, v.len, dst))
            return fail(c, &v, EO_ERR_PARSE, "expected a number, got '%.*s'", v.len, v.s);
    }
    return EO_OK;
}

static const arg_fn arg_table[EO_LAYER_COUNT] = {
    [EO_LAYER_DENSE] = args_dense,     [EO_LAYER_CONV2D] = args_conv,     [EO_LAYER_DWCONV2D] = args_dw,
    [EO_LAYER_MAXPOOL] = args_pool,    [EO_LAYER_AVGPOOL] = args_pool,    [EO_LAYER_GAP] = args_none,
    [EO_LAYER_FLATTEN] = args_none,    [EO_LAYER_BATCHNORM] = args_bn,    [EO_LAYER_DROPOUT] = args_dropout,
    [EO_LAYER_RELU] = args_none,       [EO_LAYER_RELU6] = args_none,      [EO_LAYER_LEAKY_RELU] = args_leaky,
    [EO_LAYER_TANH] = args_none,       [EO_LAYER_SIGMOID] = args_none,    [EO_LAYER_SOFTMAX] = args_none,
};

/* ------------------------------------------------------------ descriptions */

typedef struct builder {
    const pctx *c;
    eo_layer_desc layers[EO__MAX_LAYERS];
    tok where[EO__MAX_LAYERS]; /* keyword token of each layer */
    int n;
    int64_t shape[3];
} builder;

/* Append one layer and check that it fits the current shape. */
static int push_layer(builder *b, const eo_layer_desc *d, const tok *kw)
{
    if (b->n >= EO__MAX_LAYERS) return fail(b->c, kw, EO_ERR_RANGE, "more than %d layers", EO__MAX_LAYERS);
    int64_t out[3];
    eo_error e2;
    eo_error_clear(&e2);
    int rc = eo_layer_output_shape(d, b->shape, out, &e2);
    if (rc != EO_OK)
        return fail(b->c, kw, rc == EO_ERR_SHAPE ? EO_ERR_SHAPE : EO_ERR_PARSE, "%s on input %lldx%lldx%lld: %s",
                    eo_layer_kind_name(d->kind), (long long)b->shape[0], (long long)b->shape[1],
                    (long long)b->shape[2], e2.msg);
    b->layers[b->n] = *d;
    b->where[b->n] = *kw;
    b->n++;
    memcpy(b->shape, out, sizeof out);
    return EO_OK;
}

static int do_item(builder *b, const tok *t, int nt)
{
    char name[32];
    if (t[0].len >= (int)sizeof name)
        return fail(b->c, &t[0], EO_ERR_PARSE, "unknown layer '%.20s...'", t[0].s);
    memcpy(name, t[0].s, (size_t)t[0].len);
    name[t[0].len] = '\0';
    int kind = eo_layer_kind_from_name(name);
    if (kind < 0)
        return fail(b->c, &t[0], EO_ERR_PARSE,
                    "unknown layer '%s' (expected dense, conv, dwconv, maxpool, avgpool, gap, flatten, batchnorm, "
                    "dropout, relu, relu6, leaky_relu, tanh, sigmoid or softmax)",
                    name);
    eo_layer_desc d = eo_layer_desc_defaults((eo_layer_kind)kind);
    int rc = arg_table[kind](b->c, &t[0], t + 1, nt - 1, &d);
    if (rc != EO_OK) return rc;
    return push_layer(b, &d, &t[0]);
}

static int is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v'; }

/* Scan the text into items and build the layer list. */
static int scan_description(builder *b, const char *text, long line0, long col0)
{
    tok t[EO__MAX_TOKENS];
    int nt = 0;
    long line = line0, col = col0;
    const char *p = text;
    for (;;) {
        char ch = *p;
        int arrow = ch == '-' && p[1] == '>';
        if (ch == '\0' || ch == '\n' || arrow) {
            if (nt > 0) {
                int rc = do_item(b, t, nt);
                if (rc != EO_OK) return rc;
                nt = 0;
            }
            if (ch == '\0') return EO_OK;
            if (ch == '\n') {
                line++;
                col = 1;
                p++;
            } else {
                p += 2;
                col += 2;
            }
            continue;
        }
        if (ch == '#') {
            while (*p && *p != '\n') p++;
            continue;
        }
        if (is_blank(ch)) {
            p++;
            col++;
            continue;
        }
        const char *s = p;
        while (*p && *p != '\n' && *p != '#' && !is_blank(*p) && !(p[0] == '-' && p[1] == '>')) p++;
        tok k = {s, (int)(p - s > 4096 ? 4096 : p - s), line, col};
        if (nt >= EO__MAX_TOKENS) return fail(b->c, &k, EO_ERR_PARSE, "too many arguments");
        t[nt++] = k;
        col += (long)(p - s);
    }
}

static int finish(builder *b, const int64_t in_shape[3], const eo_allocator *alloc, eo_model **out, long line,
                  long col)
{
    if (b->n == 0) {
        tok t = {"", 0, line, col};
        return fail(b->c, &t, EO_ERR_PARSE, "no layers");
    }
    if (b->c->n_outputs > 0) {
        int64_t got = b->shape[0] * b->shape[1] * b->shape[2];
        if (got != b->c->n_outputs)
            return fail(b->c, &b->where[b->n - 1], EO_ERR_SHAPE,
                        "the model ends with %lld outputs but %d are needed (end with 'dense %d')", (long long)got,
                        b->c->n_outputs, b->c->n_outputs);
    }
    return eo_model_create(in_shape, b->layers, b->n, alloc, out, b->c->err);
}

static int check_common(const int64_t in_shape[3], eo_model **out, eo_error *err)
{
    if (!out) return eo_error_set(err, EO_ERR_INVALID, "out is NULL");
    *out = NULL;
    if (!in_shape) return eo_error_set(err, EO_ERR_INVALID, "in_shape is NULL");
    for (int i = 0; i < 3; i++)
        if (in_shape[i] < 1 || in_shape[i] > ((int64_t)1 << 24))
            return eo_error_set(err, EO_ERR_SHAPE, "input shape %lldx%lldx%lld is invalid", (long long)in_shape[0],
                                (long long)in_shape[1], (long long)in_shape[2]);
    return EO_OK;
}

int eo_model_from_description(const char *text, const char *source_name, const int64_t in_shape[3],
                              int n_outputs, const eo_allocator *alloc, eo_model **out, eo_error *err)
{
    int rc = check_common(in_shape, out, err);
    if (rc != EO_OK) return rc;
    if (!text) return eo_error_set(err, EO_ERR_INVALID, "description is NULL");
    pctx c = {source_name ? source_name : "model description", err, n_outputs};
    builder *b = eo_alloc(alloc, sizeof *b);
    if (!b) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    b->c = &c;
    b->n = 0;
    memcpy(b->shape, in_shape, sizeof b->shape);
    rc = scan_description(b, text, 1, 1);
    if (rc == EO_OK) {
        long lines = 1;
        for (const char *p = text; *p; p++) lines += *p == '\n';
        rc = finish(b, in_shape, alloc, out, lines, 1);
    }
    eo_free(alloc, b);
    return rc;
}

/* ------------------------------------------------------------------ specs */

static int spec_mlp(builder *b, const char *spec, const char *p)
{
    const pctx *c = b->c;
    int hidden[64], nh = 0;
    /* p points after "mlp:" */
    for (;;) {
        const char *s = p;
        while (*p && *p != ',' && *p != ':') p++;
        tok t = {s, (int)(p - s), 1, (long)(s - spec) + 1};
        if (nh >= 64) return fail(c, &t, EO_ERR_RANGE, "more than 64 hidden layers");
        if (!parse_int(t.s, t.len, &hidden[nh]) || hidden[nh] < 1)
            return fail(c, &t, EO_ERR_PARSE, "hidden layer size must be an integer in 1..999999999, got '%.*s'", t.len, t.s);
        nh++;
        if (*p != ',') break;
        p++;
    }
    eo_layer_desc act = eo_layer_desc_defaults(EO_LAYER_RELU);
    float dropout = 0.0f;
    int bn = 0;
    tok alpha_at = {NULL, 0, 0, 0};
    if (*p == ':') {
        p++;
        for (;;) {
            const char *s = p;
            while (*p && *p != ',') p++;
            tok t = {s, (int)(p - s), 1, (long)(s - spec) + 1}, k, v;
            if (!split_kv(&t, &k, &v))
                return fail(c, &t, EO_ERR_PARSE, "expected key=value (act, alpha, dropout, bn), got '%.*s'", t.len,
                            t.s);
            if (tok_is(&k, "act")) {
                char name[16];
                int kind = -1;
                if (v.len > 0 && v.len < (int)sizeof name) {
                    memcpy(name, v.s, (size_t)v.len);
                    name[v.len] = '\0';
                    kind = eo_layer_kind_from_name(name);
                }
                if (kind != EO_LAYER_RELU && kind != EO_LAYER_RELU6 && kind != EO_LAYER_LEAKY_RELU &&
                    kind != EO_LAYER_TANH && kind != EO_LAYER_SIGMOID)
                    return fail(c, &v, EO_ERR_PARSE,
                                "activation must be relu, relu6, leaky_relu, tanh or sigmoid, got '%.*s'", v.len,
                                v.s);
                float alpha = act.alpha;
                act = eo_layer_desc_defaults((eo_layer_kind)kind);
                act.alpha = alpha;
            } else if (tok_is(&k, "alpha")) {
                alpha_at = k;
                if (!parse_float(v.s, v.len, &act.alpha) || !(act.alpha < 1.0f))
                    return fail(c, &v, EO_ERR_PARSE, "alpha must be a number in [0, 1), got '%.*s'", v.len, v.s);
            } else if (tok_is(&k, "dropout")) {
                if (!parse_float(v.s, v.len, &dropout) || !(dropout < 1.0f))
                    return fail(c, &v, EO_ERR_PARSE, "dropout must be a number in [0, 1), got '%.*s'", v.len, v.s);
            } else if (tok_is(&k, "bn")) {
                if (!tok_is(&v, "0") && !tok_is(&v, "1"))
                    return fail(c, &v, EO_ERR_PARSE, "bn must be 0 or 1, got '%.*s'", v.len, v.s);
                bn = v.s[0] == '1';
            } else {
                return fail(c, &k, EO_ERR_PARSE, "unknown mlp option '%.*s' (expected act, alpha, dropout or bn)",
                            k.len, k.s);
            }
            if (*p != ',') break;
            p++;
        }
    }
    if (*p) {
        tok t = {p, 1, 1, (long)(p - spec) + 1};
        return fail(c, &t, EO_ERR_PARSE, "unexpected '%c' in the mlp spec", *p);
    }
    if (alpha_at.s && act.kind != EO_LAYER_LEAKY_RELU)
        return fail(c, &alpha_at, EO_ERR_PARSE, "alpha is the slope of act=leaky_relu");
    tok whole = {spec, 3, 1, 1};
    for (int i = 0; i < nh; i++) {
        eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_DENSE);
        d.units = hidden[i];
        int rc = push_layer(b, &d, &whole);
        if (rc == EO_OK && bn) {
            eo_layer_desc n = eo_layer_desc_defaults(EO_LAYER_BATCHNORM);
            rc = push_layer(b, &n, &whole);
        }
        if (rc == EO_OK) rc = push_layer(b, &act, &whole);
        if (rc == EO_OK && dropout > 0.0f) {
            eo_layer_desc dd = eo_layer_desc_defaults(EO_LAYER_DROPOUT);
            dd.p = dropout;
            rc = push_layer(b, &dd, &whole);
        }
        if (rc != EO_OK) return rc;
    }
    return EO_OK;
}

int eo_model_from_spec(const char *spec, const int64_t in_shape[3], int n_outputs, const eo_allocator *alloc,
                       eo_model **out, eo_error *err)
{
    int rc = check_common(in_shape, out, err);
    if (rc != EO_OK) return rc;
    if (!spec || !*spec) return eo_error_at(err, EO_ERR_PARSE, "model spec", 1, 1, -1, "empty model spec");
    if (strstr(spec, "->") || strchr(spec, '\n'))
        return eo_model_from_description(spec, "model spec", in_shape, n_outputs, alloc, out, err);
    if (n_outputs < 1) return eo_error_set(err, EO_ERR_INVALID, "the number of outputs must be >= 1");
    pctx c = {"model spec", err, n_outputs};
    builder *b = eo_alloc(alloc, sizeof *b);
    if (!b) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    b->c = &c;
    b->n = 0;
    memcpy(b->shape, in_shape, sizeof b->shape);
    if (strcmp(spec, "linear") == 0 || strcmp(spec, "logistic") == 0 || strcmp(spec, "softmax") == 0) {
        rc = EO_OK;
    } else if (strncmp(spec, "mlp:", 4) == 0) {
        rc = spec_mlp(b, spec, spec + 4);
    } else {
        size_t n = 0;
        while (spec[n] && spec[n] != ':') n++;
        tok t = {spec, (int)(n > 64 ? 64 : n), 1, 1};
        rc = fail(&c, &t, EO_ERR_PARSE,
                  "unknown model '%.*s' (expected linear, logistic, softmax, mlp:H1,H2,... or a description "
                  "with '->')",
                  t.len, t.s);
    }
    if (rc == EO_OK) {
        eo_layer_desc d = eo_layer_desc_defaults(EO_LAYER_DENSE);
        d.units = n_outputs;
        tok t = {spec, 1, 1, 1};
        rc = push_layer(b, &d, &t);
    }
    if (rc == EO_OK) rc = finish(b, in_shape, alloc, out, 1, 1);
    eo_free(alloc, b);
    return rc;
}

/* --------------------------------------------------------------- describe */

typedef struct sbuf {
    char *buf;
    size_t n, len;
} sbuf;

static void put(sbuf *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(sbuf *s, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    for (int i = 0; i < k && i < (int)sizeof tmp - 1; i++, s->len++)
        if (s->len + 1 < s->n) s->buf[s->len] = tmp[i];
}

size_t eo_model_describe(const eo_model *m, char *buf, size_t n)
{
    sbuf s = {buf, n, 0};
    for (int i = 0; m && i < m->nlayers; i++) {
        const eo_layer_desc *d = &m->layers[i].d;
        if (i) put(&s, " -> ");
        put(&s, "%s", eo_layer_kind_name(d->kind));
        switch (d->kind) { /* argument lists, mirroring arg_table */
        case EO_LAYER_DENSE: put(&s, " %d", d->units); break;
        case EO_LAYER_CONV2D: put(&s, " %d", d->units); /* fall through */
        case EO_LAYER_DWCONV2D:
        case EO_LAYER_MAXPOOL:
        case EO_LAYER_AVGPOOL: put(&s, " %dx%d stride=%d pad=%d", d->kh, d->kw, d->stride, d->pad); break;
        case EO_LAYER_BATCHNORM: put(&s, " eps=%.9g momentum=%.9g", (double)d->eps, (double)d->momentum); break;
        case EO_LAYER_DROPOUT: put(&s, " %.9g", (double)d->p); break;
        case EO_LAYER_LEAKY_RELU: put(&s, " %.9g", (double)d->alpha); break;
        default: break;
        }
    }
    if (n > 0) buf[s.len < n ? s.len : n - 1] = '\0';
    return s.len;
}
