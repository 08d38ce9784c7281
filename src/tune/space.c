/* Search spaces: parsing (with line/column errors), canonical text, sampling,
 * unit encoding and grids. Placeholder filling is in fill.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/io.h"
#include "tune/internal.h"

static const char *const kind_names[EO_PARAM_KIND_COUNT] = {"uniform", "log", "int", "intlog", "choice"};

const char *eo_param_kind_name(int kind)
{
    return kind >= 0 && kind < EO_PARAM_KIND_COUNT ? kind_names[kind] : "?";
}

int eo_param_kind_from_name(const char *name)
{
    for (int i = 0; name && i < EO_PARAM_KIND_COUNT; i++)
        if (!strcmp(name, kind_names[i])) return i;
    return -1;
}

size_t eo__fmt_double(char *buf, size_t n, double v)
{
    char tmp[40];
    int len = 0;
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    if (n) snprintf(buf, n, "%s", tmp);
    return (size_t)len;
}

/* ------------------------------------------------------------- parsing */

typedef struct scan {
    const char *text, *p;
    const char *line_start;
    long line;
    const char *where;
    eo_error *err;
} scan;

static int fail_at(scan *s, const char *at, int code, const char *fmt, const char *a, const char *b)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return eo_error_at(s->err, code, s->where, s->line, (long)(at - s->line_start) + 1, -1, "%s", msg);
}

static void skip_blanks(scan *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\r') s->p++;
}

static int is_tok(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '+' || c == '-';
}

/* A token of [A-Za-z0-9_.+-] into buf (cap 64). Returns its length (0 if none). */
static size_t token(scan *s, char *buf, size_t cap, int *too_long)
{
    size_t n = 0;
    *too_long = 0;
    while (is_tok((unsigned char)*s->p)) {
        if (n + 1 < cap)
            buf[n] = *s->p;
        else
            *too_long = 1;
        n++;
        s->p++;
    }
    buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

static int parse_number_text(const char *t, double *v)
{
    if (!*t) return 0;
    char *end;
    double d = strtod(t, &end);
    if (*end || !isfinite(d)) return 0;
    /* strtod also takes "inf", "nan" and hex; only decimal notation here. */
    for (const char *c = t; *c; c++)
        if (!strchr("0123456789.eE+-", *c)) return 0;
    *v = d;
    return 1;
}

static int expect_char(scan *s, char c, const char *what)
{
    skip_blanks(s);
    if (*s->p != c) {
        char got[32];
        if (!*s->p || *s->p == '\n')
            snprintf(got, sizeof got, "the end of the line");
        else
            snprintf(got, sizeof got, "'%c'", *s->p);
        return fail_at(s, s->p, EO_ERR_PARSE, what, got, NULL);
    }
    s->p++;
    return 0;
}

static int number_arg(scan *s, int integer, double *v, const char **at)
{
    skip_blanks(s);
    *at = s->p;
    char tok[64];
    int long_tok;
    size_t n = token(s, tok, sizeof tok, &long_tok);
    if (n == 0 || long_tok || !parse_number_text(tok, v))
        return fail_at(s, *at, EO_ERR_PARSE, integer ? "expected an integer" : "expected a number", NULL, NULL);
    if (integer && (*v != floor(*v) || fabs(*v) > 9007199254740992.0))
        return fail_at(s, *at, EO_ERR_PARSE, "expected an integer, got '%s'", tok, NULL);
    return 0;
}

static int parse_range(scan *s, eo__param *p)
{
    int integer = p->kind == EO_PARAM_INT || p->kind == EO_PARAM_INTLOG;
    const char *at_a, *at_b;
    int st;
    if ((st = number_arg(s, integer, &p->lo, &at_a))) return st;
    if ((st = expect_char(s, ',', "expected ',' between the bounds, got %s"))) return st;
    if ((st = number_arg(s, integer, &p->hi, &at_b))) return st;
    skip_blanks(s);
    if (*s->p == ',') {
        s->p++;
        skip_blanks(s);
        const char *at = s->p;
        char tok[64];
        int long_tok;
        token(s, tok, sizeof tok, &long_tok);
        if (strcmp(tok, "grid")) return fail_at(s, at, EO_ERR_PARSE, "expected grid=N or ')'", NULL, NULL);
        if ((st = expect_char(s, '=', "expected '=' after grid, got %s"))) return st;
        double g;
        const char *at_g;
        if ((st = number_arg(s, 1, &g, &at_g))) return st;
        if (g < 2 || g > 1000) return fail_at(s, at_g, EO_ERR_INVALID, "grid=N needs N in 2..1000", NULL, NULL);
        p->grid = (int)g;
    }
    const double big = 1e300;
    if (fabs(p->lo) > big || fabs(p->hi) > big)
        return fail_at(s, at_a, EO_ERR_INVALID, "bounds must be within +-1e300", NULL, NULL);
    switch (p->kind) {
    case EO_PARAM_UNIFORM:
        if (!(p->lo < p->hi)) return fail_at(s, at_b, EO_ERR_INVALID, "uniform(a,b) needs a < b", NULL, NULL);
        break;
    case EO_PARAM_LOG:
        if (!(p->lo > 0)) return fail_at(s, at_a, EO_ERR_INVALID, "log(a,b) needs 0 < a (log-uniform)", NULL, NULL);
        if (!(p->lo < p->hi)) return fail_at(s, at_b, EO_ERR_INVALID, "log(a,b) needs a < b", NULL, NULL);
        break;
    case EO_PARAM_INT:
        if (!(p->lo <= p->hi)) return fail_at(s, at_b, EO_ERR_INVALID, "int(a,b) needs a <= b", NULL, NULL);
        if (p->hi - p->lo > 4503599627370496.0)
            return fail_at(s, at_b, EO_ERR_INVALID, "int(a,b): the range is too large (at most 2^52)", NULL, NULL);
        break;
    default: /* intlog */
        if (!(p->lo >= 1)) return fail_at(s, at_a, EO_ERR_INVALID, "intlog(a,b) needs 1 <= a", NULL, NULL);
        if (!(p->lo <= p->hi)) return fail_at(s, at_b, EO_ERR_INVALID, "intlog(a,b) needs a <= b", NULL, NULL);
        break;
    }
    return 0;
}

static int parse_choices(scan *s, eo__param *p)
{
    p->numeric = 1;
    for (;;) {
        skip_blanks(s);
        const char *at = s->p;
        char tok[EO_SPACE_NAME_MAX];
        int long_tok;
        size_t n = token(s, tok, sizeof tok, &long_tok);
        if (n == 0) return fail_at(s, at, EO_ERR_PARSE, "expected an option (a number or a word)", NULL, NULL);
        if (long_tok) return fail_at(s, at, EO_ERR_PARSE, "option longer than 63 characters", NULL, NULL);
        if (p->nchoices >= EO_SPACE_MAX_CHOICES)
            return fail_at(s, at, EO_ERR_INVALID, "more than 64 options", NULL, NULL);
        for (size_t c = 0; c < p->nchoices; c++)
            if (!strcmp(p->choices[c], tok)) return fail_at(s, at, EO_ERR_INVALID, "duplicate option '%s'", tok, NULL);
        double v;
        if (parse_number_text(tok, &v))
            p->choice_num[p->nchoices] = v;
        else {
            p->choice_num[p->nchoices] = NAN;
            p->numeric = 0;
        }
        memcpy(p->choices[p->nchoices], tok, n + 1);
        p->nchoices++;
        skip_blanks(s);
        if (*s->p != ',') break;
        s->p++;
    }
    p->lo = 0;
    p->hi = (double)(p->nchoices - 1);
    return 0;
}

static int parse_item(scan *s, eo_space *sp)
{
    const char *at = s->p;
    char name[EO_SPACE_NAME_MAX];
    size_t n = 0;
    if (!((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= 'A' && *s->p <= 'Z') || *s->p == '_'))
        return fail_at(s, at, EO_ERR_PARSE, "expected a parameter name ([A-Za-z_][A-Za-z0-9_]*)", NULL, NULL);
    while ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= 'A' && *s->p <= 'Z') || (*s->p >= '0' && *s->p <= '9') ||
           *s->p == '_') {
        if (n + 1 >= sizeof name) return fail_at(s, at, EO_ERR_PARSE, "parameter name longer than 63 characters", NULL, NULL);
        name[n++] = *s->p++;
    }
    name[n] = '\0';
    if (eo_space_find(sp, name) >= 0) return fail_at(s, at, EO_ERR_INVALID, "parameter '%s' defined twice", name, NULL);
    if (sp->n >= EO_SPACE_MAX_PARAMS) return fail_at(s, at, EO_ERR_INVALID, "more than 32 parameters", NULL, NULL);
    int st;
    if ((st = expect_char(s, '=', "expected '=' after the parameter name, got %s"))) return st;
    skip_blanks(s);
    const char *at_kind = s->p;
    char kind[16];
    size_t k = 0;
    while (((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= 'A' && *s->p <= 'Z')) && k + 1 < sizeof kind) kind[k++] = *s->p++;
    kind[k] = '\0';
    int kd = eo_param_kind_from_name(kind);
    if (kd < 0)
        return fail_at(s, at_kind, EO_ERR_PARSE, "expected uniform, log, int, intlog or choice", NULL, NULL);
    eo__param *p = &sp->p[sp->n];
    memset(p, 0, sizeof *p);
    memcpy(p->name, name, n + 1);
    p->kind = (eo_param_kind)kd;
    if ((st = expect_char(s, '(', "expected '(' after the kind, got %s"))) return st;
    st = p->kind == EO_PARAM_CHOICE ? parse_choices(s, p) : parse_range(s, p);
    if (st) return st;
    if ((st = expect_char(s, ')', "expected ')' (or ',') to close the arguments, got %s"))) return st;
    skip_blanks(s);
    if (*s->p && *s->p != ';' && *s->p != '\n' && *s->p != '#')
        return fail_at(s, s->p, EO_ERR_PARSE, "expected ';' or a new line after the parameter", NULL, NULL);
    sp->n++;
    return 0;
}

int eo_space_parse(const char *text, const char *where, eo_space **out, eo_error *err)
{
    if (out) *out = NULL;
    if (!text || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_space_parse: NULL argument");
    eo_space *sp = calloc(1, sizeof *sp);
    if (!sp) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    scan s = {text, text, text, 1, where ? where : "--space", err};
    int st = 0;
    for (;;) {
        skip_blanks(&s);
        if (*s.p == '#')
            while (*s.p && *s.p != '\n') s.p++;
        if (!*s.p) break;
        if (*s.p == ';') {
            s.p++;
            continue;
        }
        if (*s.p == '\n') {
            s.p++;
            s.line++;
            s.line_start = s.p;
            continue;
        }
        if ((st = parse_item(&s, sp))) break;
    }
    if (!st && sp->n == 0)
        st = eo_error_at(err, EO_ERR_PARSE, s.where, 1, 1, -1,
                         "the space is empty: expected NAME=KIND(...), e.g. lr=log(1e-4,1e-1)");
    if (st) {
        free(sp);
        return st;
    }
    *out = sp;
    return EO_OK;
}

int eo_space_load(const char *path, eo_space **out, eo_error *err)
{
    unsigned char *buf;
    size_t len;
    if (out) *out = NULL;
    int st = eo_io_read_file(path, 1 << 20, &buf, &len, err);
    if (st) return st;
    if (strlen((const char *)buf) != len) {
        free(buf);
        return eo_error_at(err, EO_ERR_PARSE, path, 0, 0, -1, "the file contains a NUL byte (not a text file)");
    }
    st = eo_space_parse((const char *)buf, path, out, err);
    free(buf);
    return st;
}

void eo_space_destroy(eo_space *s)
{
    free(s);
}

int eo__space_copy(const eo_space *s, eo_space **out)
{
    *out = malloc(sizeof **out);
    if (!*out) return EO_ERR_NOMEM;
    memcpy(*out, s, sizeof **out);
    return EO_OK;
}

size_t eo_space_dim(const eo_space *s)
{
    return s ? s->n : 0;
}

int eo_space_param(const eo_space *s, size_t i, eo_param_info *out)
{
    if (!s || i >= s->n || !out) return EO_ERR_INVALID;
    const eo__param *p = &s->p[i];
    out->name = p->name;
    out->kind = p->kind;
    out->lo = p->lo;
    out->hi = p->hi;
    out->grid = p->grid;
    out->nchoices = p->nchoices;
    out->numeric = p->kind == EO_PARAM_CHOICE ? p->numeric : 1;
    return EO_OK;
}

int eo_space_find(const eo_space *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->n; i++)
        if (!strcmp(s->p[i].name, name)) return (int)i;
    return -1;
}

const char *eo_space_choice(const eo_space *s, size_t i, size_t c)
{
    if (!s || i >= s->n || s->p[i].kind != EO_PARAM_CHOICE || c >= s->p[i].nchoices) return NULL;
    return s->p[i].choices[c];
}

size_t eo_space_format(const eo_space *s, char *buf, size_t n)
{
    size_t len = 0;
    char tmp[2 * 40 + EO_SPACE_NAME_MAX + 40];
#define APPEND(str)                                                                                              \
    do {                                                                                                         \
        size_t l_ = strlen(str);                                                                                 \
        if (len < n) memcpy(buf + len, str, len + l_ < n ? l_ : n - len);                                        \
        len += l_;                                                                                               \
    } while (0)
    for (size_t i = 0; s && i < s->n; i++) {
        const eo__param *p = &s->p[i];
        snprintf(tmp, sizeof tmp, "%s%s=%s(", i ? ";" : "", p->name, kind_names[p->kind]);
        APPEND(tmp);
        if (p->kind == EO_PARAM_CHOICE) {
            for (size_t c = 0; c < p->nchoices; c++) {
                if (c) APPEND(",");
                APPEND(p->choices[c]);
            }
        } else {
            char a[40], b[40];
            eo__fmt_double(a, sizeof a, p->lo);
            eo__fmt_double(b, sizeof b, p->hi);
            snprintf(tmp, sizeof tmp, "%s,%s", a, b);
            APPEND(tmp);
            if (p->grid) {
                snprintf(tmp, sizeof tmp, ",grid=%d", p->grid);
                APPEND(tmp);
            }
        }
        APPEND(")");
    }
#undef APPEND
    if (n) buf[len < n ? len : n - 1] = '\0';
    return len;
}

/* ------------------------------------------------------------ values */

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static double intlog_lo(const eo__param *p)
{
    return log(p->lo - 0.5);
}

static double intlog_hi(const eo__param *p)
{
    return log(p->hi + 0.5);
}

double eo_space_decode(const eo_space *s, size_t i, double u)
{
    const eo__param *p = &s->p[i];
    u = clampd(u, 0, 1);
    switch (p->kind) {
    case EO_PARAM_UNIFORM: return clampd(p->lo + (p->hi - p->lo) * u, p->lo, p->hi);
    case EO_PARAM_LOG: return clampd(exp(log(p->lo) + (log(p->hi) - log(p->lo)) * u), p->lo, p->hi);
    case EO_PARAM_INT: return clampd(p->lo + floor(u * (p->hi - p->lo + 1)), p->lo, p->hi);
    case EO_PARAM_INTLOG: {
        double a = intlog_lo(p), b = intlog_hi(p);
        return clampd(floor(exp(a + (b - a) * u) + 0.5), p->lo, p->hi);
    }
    default: return clampd(floor(u * (double)p->nchoices), 0, (double)p->nchoices - 1);
    }
}

double eo_space_encode(const eo_space *s, size_t i, double v)
{
    const eo__param *p = &s->p[i];
    switch (p->kind) {
    case EO_PARAM_UNIFORM: return clampd((v - p->lo) / (p->hi - p->lo), 0, 1);
    case EO_PARAM_LOG: return clampd((log(v) - log(p->lo)) / (log(p->hi) - log(p->lo)), 0, 1);
    case EO_PARAM_INT: return clampd((v - p->lo + 0.5) / (p->hi - p->lo + 1), 0, 1);
    case EO_PARAM_INTLOG: {
        double a = intlog_lo(p), b = intlog_hi(p);
        return clampd((log(v) - a) / (b - a), 0, 1);
    }
    default: return clampd((v + 0.5) / (double)p->nchoices, 0, 1);
    }
}

void eo_space_sample(const eo_space *s, eo_rng *r, double *x)
{
    for (size_t i = 0; i < s->n; i++) {
        const eo__param *p = &s->p[i];
        switch (p->kind) {
        case EO_PARAM_INT: x[i] = p->lo + (double)eo_rng_below(r, (uint64_t)(p->hi - p->lo) + 1); break;
        case EO_PARAM_CHOICE: x[i] = (double)eo_rng_below(r, p->nchoices); break;
        default: x[i] = eo_space_decode(s, i, eo_rng_uniform(r)); break;
        }
    }
}

int eo_space_check(const eo_space *s, const double *x, eo_error *err)
{
    for (size_t i = 0; i < s->n; i++) {
        const eo__param *p = &s->p[i];
        double v = x[i];
        int integral = p->kind != EO_PARAM_UNIFORM && p->kind != EO_PARAM_LOG;
        if (!isfinite(v) || v < p->lo || v > p->hi || (integral && v != floor(v)))
            return eo_error_set(err, EO_ERR_RANGE, "parameter '%s': value %.17g is not in the space", p->name, v);
    }
    return EO_OK;
}

size_t eo_space_value_str(const eo_space *s, size_t i, double v, char *buf, size_t n)
{
    const eo__param *p = &s->p[i];
    switch (p->kind) {
    case EO_PARAM_UNIFORM:
    case EO_PARAM_LOG: return eo__fmt_double(buf, n, v);
    case EO_PARAM_CHOICE: {
        size_t c = (size_t)clampd(v, 0, (double)p->nchoices - 1);
        if (n) snprintf(buf, n, "%s", p->choices[c]);
        return strlen(p->choices[c]);
    }
    default: {
        int len = snprintf(buf, n, "%.0f", v);
        return len < 0 ? 0 : (size_t)len;
    }
    }
}

double eo_space_value_num(const eo_space *s, size_t i, double v)
{
    const eo__param *p = &s->p[i];
    if (p->kind != EO_PARAM_CHOICE) return v;
    size_t c = (size_t)clampd(v, 0, (double)p->nchoices - 1);
    return p->numeric ? p->choice_num[c] : (double)c;
}

int eo_space_log_axis(const eo_space *s, size_t i)
{
    const eo__param *p = &s->p[i];
    if (p->kind == EO_PARAM_LOG || p->kind == EO_PARAM_INTLOG) return 1;
    if (p->kind != EO_PARAM_CHOICE || !p->numeric) return 0;
    double lo = INFINITY, hi = 0;
    for (size_t c = 0; c < p->nchoices; c++) {
        if (!(p->choice_num[c] > 0)) return 0;
        if (p->choice_num[c] < lo) lo = p->choice_num[c];
        if (p->choice_num[c] > hi) hi = p->choice_num[c];
    }
    return hi > 10 * lo;
}

/* ---------------------------------------------------------------- grid */

/* Values of parameter i on the grid into vals (cap >= 1000 + 64), count returned. */
static size_t grid_values(const eo__param *p, int default_points, double *vals)
{
    int pts = p->grid ? p->grid : default_points;
    if (pts < 2) pts = 2;
    size_t n = 0;
    switch (p->kind) {
    case EO_PARAM_CHOICE:
        for (size_t c = 0; c < p->nchoices; c++) vals[n++] = (double)c;
        return n;
    case EO_PARAM_UNIFORM:
        for (int k = 0; k < pts; k++) vals[n++] = k == pts - 1 ? p->hi : p->lo + (p->hi - p->lo) * k / (pts - 1);
        return n;
    case EO_PARAM_LOG: {
        double a = log(p->lo), b = log(p->hi);
        for (int k = 0; k < pts; k++)
            vals[n++] = k == 0 ? p->lo : (k == pts - 1 ? p->hi : exp(a + (b - a) * k / (pts - 1)));
        return n;
    }
    default: {
        double count = p->hi - p->lo + 1;
        if (count <= pts) {
            for (double v = p->lo; v <= p->hi; v++) vals[n++] = v;
            return n;
        }
        for (int k = 0; k < pts; k++) {
            double v;
            if (p->kind == EO_PARAM_INT)
                v = p->lo + floor((p->hi - p->lo) * k / (pts - 1) + 0.5);
            else
                v = floor(exp(log(p->lo) + (log(p->hi) - log(p->lo)) * k / (pts - 1)) + 0.5);
            v = clampd(v, p->lo, p->hi);
            if (n == 0 || v != vals[n - 1]) vals[n++] = v;
        }
        return n;
    }
    }
}

size_t eo_space_grid_count(const eo_space *s, size_t i, int default_points)
{
    double vals[1100];
    if (!s || i >= s->n) return 0;
    return grid_values(&s->p[i], default_points, vals);
}

uint64_t eo_space_grid_size(const eo_space *s, int default_points)
{
    uint64_t total = 1;
    for (size_t i = 0; s && i < s->n; i++) {
        total *= eo_space_grid_count(s, i, default_points);
        if (total > ((uint64_t)1 << 40)) return 0;
    }
    return s ? total : 0;
}

int eo_space_grid_point(const eo_space *s, int default_points, uint64_t index, double *x)
{
    uint64_t total = eo_space_grid_size(s, default_points);
    if (!total || index >= total) return EO_ERR_RANGE;
    double vals[1100];
    for (size_t k = s->n; k-- > 0;) {
        size_t c = grid_values(&s->p[k], default_points, vals);
        x[k] = vals[index % c];
        index /= c;
    }
    return EO_OK;
}
