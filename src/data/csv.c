/* CSV loader: numeric tables with an optional header and one label column.
 *
 * Grammar (RFC 4180 plus leniency): records end at LF or CRLF; fields are
 * separated by one separator character; a field may be enclosed in double
 * quotes ("" inside is a quote, line breaks allowed); spaces around a field
 * are ignored; blank lines are skipped; a UTF-8 byte-order mark is skipped.
 * Every data cell must be a finite decimal number (strict: no hex, no
 * "nan"/"inf", nothing after the number). Errors name file:line:column of the
 * offending cell. Numbers are converted with strtod, which follows the C
 * locale that edgeopt never changes. */
#include "data/internal.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cur {
    const char *b;
    size_t len, pos;
    long line;          /* 1-based line of pos */
    size_t line_start;  /* offset of the first byte of that line */
    char sep;
    const char *where;
} cur;

typedef struct field {
    size_t s, e;        /* content range (inside the quotes when quoted) */
    int quoted;
    long line, col;     /* where the field starts */
} field;

static int is_blank(char c, char sep) { return (c == ' ' && sep != ' ') || (c == '\t' && sep != '\t'); }

/* Printable excerpt of s[0..n) for messages (at most 40 characters). */
static void snip(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[k++] = (c >= 32 && c < 127 && c != '\'') ? (char)c : '?';
    }
    if (n > 40 && k + 4 < cap) {
        dst[k++] = '.';
        dst[k++] = '.';
        dst[k++] = '.';
    }
    dst[k] = 0;
}

/* Read one field. *eor is set when it ends its record (LF or end of input). */
static int next_field(cur *c, field *f, int *eor, eo_error *err)
{
    const char *b = c->b;
    while (c->pos < c->len && is_blank(b[c->pos], c->sep)) c->pos++;
    f->line = c->line;
    f->col = (long)(c->pos - c->line_start) + 1;
    f->quoted = 0;
    if (c->pos < c->len && b[c->pos] == '"') {
        f->quoted = 1;
        c->pos++;
        f->s = c->pos;
        for (;;) {
            if (c->pos >= c->len)
                return eo_error_at(err, EO_ERR_PARSE, c->where, f->line, f->col,
                                   -1, "unterminated quoted field (expected a closing '\"')");
            char ch = b[c->pos];
            if (ch == '"') {
                if (c->pos + 1 < c->len && b[c->pos + 1] == '"') {
                    c->pos += 2;
                    continue;
                }
                f->e = c->pos++;
                break;
            }
            if (ch == '\n') {
                c->line++;
                c->line_start = c->pos + 1;
            }
            c->pos++;
        }
        while (c->pos < c->len && (is_blank(b[c->pos], c->sep) || b[c->pos] == '\r')) c->pos++;
        if (c->pos < c->len && b[c->pos] != c->sep && b[c->pos] != '\n')
            return eo_error_at(err, EO_ERR_PARSE, c->where, c->line, (long)(c->pos - c->line_start) + 1, -1,
                               "expected a separator '%c' or the end of the line after a quoted field", c->sep);
    } else {
        f->s = c->pos;
        while (c->pos < c->len && b[c->pos] != c->sep && b[c->pos] != '\n') c->pos++;
        f->e = c->pos;
        while (f->e > f->s && (is_blank(b[f->e - 1], c->sep) || b[f->e - 1] == '\r')) f->e--;
    }
    if (c->pos >= c->len) {
        *eor = 1;
    } else if (b[c->pos] == '\n') {
        *eor = 1;
        c->pos++;
        c->line++;
        c->line_start = c->pos;
    } else { /* separator */
        *eor = 0;
        c->pos++;
    }
    return EO_OK;
}

/* Strict decimal number: [+-]digits[.digits][(e|E)[+-]digits]. */
int eo__parse_num(const char *s, size_t n, double *out)
{
    if (n == 0) return NUM_EMPTY;
    char tmp[128];
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-') i++;
    size_t rest = n - i;
    if ((rest == 3 || rest == 8) && (s[i] == 'n' || s[i] == 'N' || s[i] == 'i' || s[i] == 'I')) {
        char low[9] = {0};
        for (size_t k = 0; k < rest; k++) low[k] = (char)(s[i + k] | 0x20);
        if (!strcmp(low, "nan")) return NUM_NAN;
        if (!strcmp(low, "inf") || !strcmp(low, "infinity")) return NUM_INF;
        return NUM_BAD;
    }
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    }
    if (digits == 0) return NUM_BAD;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, ed++;
        if (ed == 0) return NUM_BAD;
    }
    if (i != n) return NUM_BAD;
    if (n >= sizeof tmp) return NUM_RANGE; /* absurdly long for a number */
    memcpy(tmp, s, n);
    tmp[n] = 0;
    errno = 0;
    double v = strtod(tmp, NULL);
    if (!isfinite(v)) return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

const char *eo__num_msg(int code)
{
    switch (code) {
    case NUM_EMPTY: return "empty cell, expected a number";
    case NUM_NAN: return "NaN cell, expected a finite number";
    case NUM_INF: return "infinite cell, expected a finite number";
    case NUM_RANGE: return "number out of float range";
    default: return "expected a number";
    }
}

typedef struct grow {
    void *p;
    size_t n, cap, elem;
} grow;

static int grow_reserve(grow *g, size_t need, size_t max_bytes)
{
    if (need <= g->cap) return EO_OK;
    size_t cap = g->cap ? g->cap : 256;
    while (cap < need) {
        if (!eo_size_mul(cap, 2, &cap)) return EO_ERR_RANGE;
    }
    size_t bytes;
    if (!eo_size_mul(cap, g->elem, &bytes)) return EO_ERR_RANGE;
    if (bytes > max_bytes) {
        if (!eo_size_mul(need, g->elem, &bytes) || bytes > max_bytes) return EO_ERR_RANGE;
        cap = need;
    }
    void *p = realloc(g->p, bytes);
    if (!p) return EO_ERR_NOMEM;
    g->p = p;
    g->cap = cap;
    return EO_OK;
}

/* Resolve the label column: -1 for none, else 0..ncols-1. */
static int find_label(const char *label_col, const cur *c, const field *hdr, size_t ncols, long *out, eo_error *err)
{
    if (!label_col || !*label_col) {
        *out = (long)ncols - 1;
        return EO_OK;
    }
    if (!strcmp(label_col, "none")) {
        *out = -1;
        return EO_OK;
    }
    size_t ln = strlen(label_col);
    for (size_t j = 0; hdr && j < ncols; j++)
        if (hdr[j].e - hdr[j].s == ln && !memcmp(c->b + hdr[j].s, label_col, ln)) {
            *out = (long)j;
            return EO_OK;
        }
    char *end;
    errno = 0;
    long v = strtol(label_col, &end, 10);
    if (*end == 0 && errno == 0 && end != label_col) {
        if (v < 0) v += (long)ncols;
        if (v >= 0 && (size_t)v < ncols) {
            *out = v;
            return EO_OK;
        }
        return eo_error_at(err, EO_ERR_INVALID, c->where, 0, 0, -1, "label column %s out of range (%zu columns)",
                           label_col, ncols);
    }
    return eo_error_at(err, EO_ERR_NOT_FOUND, c->where, 0, 0, -1,
                       "label column '%s' not found (%s)", label_col,
                       hdr ? "no header field has that name" : "the file has no header; give a column index");
}

int eo_data_parse_csv_mem(const char *buf, size_t len, const char *label_col, int has_header,
                          const eo_data_opts *opts, const char *name, eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    cur c = {buf, buf ? len : 0, 0, 1, 0, o.sep, name ? name : EO__MEM_NAME};
    if (c.len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) c.pos = c.line_start = 3;
    field *row = NULL; /* fields of the current record; ncols entries once known */
    field *hdr = NULL;
    size_t ncols = 0, fcap = 0;
    long label = -1, header_line = 0;
    grow gx = {NULL, 0, 0, sizeof(float)}, gy = {NULL, 0, 0, sizeof(int32_t)}, gt = {NULL, 0, 0, sizeof(float)};
    size_t rows = 0;
    int first = 1;
    while (c.pos < c.len && !(o.limit && rows >= o.limit)) {
        /* Read one record into row[]. */
        size_t nf = 0;
        int eor = 0;
        long rec_line = c.line;
        while (!eor) {
            if (nf == fcap) {
                if (first) {
                    size_t nc = fcap ? fcap * 2 : 16;
                    field *r = realloc(row, nc * sizeof *r);
                    if (!r) {
                        rc = eo_error_at(err, EO_ERR_NOMEM, c.where, 0, 0, -1, "out of memory");
                        goto fail;
                    }
                    row = r;
                    fcap = nc;
                } else {
                    field extra;
                    int e2 = 0;
                    rc = next_field(&c, &extra, &e2, err);
                    if (rc) goto fail;
                    rc = eo_error_at(err, EO_ERR_PARSE, c.where, extra.line, extra.col, -1,
                                     "ragged row: more than %zu fields (expected %zu as on line %ld)", ncols, ncols,
                                     header_line);
                    goto fail;
                }
            }
            rc = next_field(&c, &row[nf], &eor, err);
            if (rc) goto fail;
            nf++;
        }
        if (nf == 1 && !row[0].quoted && row[0].e == row[0].s) continue; /* blank line */
        if (first) {
            first = 0;
            ncols = nf;
            header_line = rec_line;
            int is_header = has_header;
            if (is_header < 0) {
                is_header = 0;
                for (size_t j = 0; j < nf; j++) {
                    double v;
                    int k = eo__parse_num(buf + row[j].s, row[j].e - row[j].s, &v);
                    if (k == NUM_BAD) is_header = 1;
                }
            }
            if (is_header) hdr = row;
            rc = find_label(label_col, &c, hdr, ncols, &label, err);
            if (rc) goto fail;
            if (ncols - (label >= 0) == 0) {
                rc = eo_error_at(err, EO_ERR_FORMAT, c.where, rec_line, 0, -1,
                                 "no feature columns (only the label column)");
                goto fail;
            }
            if (is_header) {
                row = malloc(ncols * sizeof *row);
                fcap = ncols;
                if (!row) {
                    rc = eo_error_at(err, EO_ERR_NOMEM, c.where, 0, 0, -1, "out of memory");
                    goto fail;
                }
                continue;
            }
            fcap = ncols;
        }
        if (nf != ncols) {
            field *last = &row[nf - 1];
            rc = eo_error_at(err, EO_ERR_PARSE, c.where, last->line, last->col + (long)(last->e - last->s), -1,
                             "ragged row: %zu fields, expected %zu as on line %ld", nf, ncols, header_line);
            goto fail;
        }
        size_t nfeat = ncols - (label >= 0);
        size_t need;
        if (!eo_size_mul(rows + 1, nfeat, &need)) need = SIZE_MAX;
        rc = grow_reserve(&gx, need, o.max_bytes);
        if (!rc && label >= 0) rc = grow_reserve(o.regression ? &gt : &gy, rows + 1, o.max_bytes);
        if (rc) {
            rc = eo_error_at(err, rc, c.where, rec_line, 0, -1, "data larger than the limit of %zu bytes",
                             o.max_bytes);
            goto fail;
        }
        float *xr = (float *)gx.p + rows * nfeat;
        for (size_t j = 0, k = 0; j < ncols; j++) {
            const field *f = &row[j];
            double v = 0;
            int code = eo__parse_num(buf + f->s, f->e - f->s, &v);
            if (code == NUM_OK && (long)j != label && fabs(v) > FLT_MAX) code = NUM_RANGE;
            if (code != NUM_OK) {
                char got[64], hn[64];
                snip(got, sizeof got, buf + f->s, f->e - f->s);
                if (hdr) snip(hn, sizeof hn, buf + hdr[j].s, hdr[j].e - hdr[j].s);
                rc = eo_error_at(err, code == NUM_BAD || code == NUM_EMPTY ? EO_ERR_PARSE : EO_ERR_NUMERIC, c.where,
                                 f->line, f->col, -1, "field %zu%s%s%s%s: %s%s%s%s", j + 1, hdr ? " ('" : "",
                                 hdr ? hn : "", hdr ? "')" : "", (long)j == label ? " (label)" : "", eo__num_msg(code),
                                 code == NUM_BAD ? ", got '" : "", code == NUM_BAD ? got : "",
                                 code == NUM_BAD ? "'" : "");
                goto fail;
            }
            if ((long)j == label) {
                if (o.regression) {
                    if (fabs(v) > FLT_MAX) {
                        rc = eo_error_at(err, EO_ERR_NUMERIC, c.where, f->line, f->col, -1,
                                         "target out of float range");
                        goto fail;
                    }
                    ((float *)gt.p)[rows] = (float)v;
                } else {
                    char why[128];
                    if (eo__check_label(v, o.n_classes, why, sizeof why)) {
                        rc = eo_error_at(err, EO_ERR_RANGE, c.where, f->line, f->col, -1, "%s", why);
                        goto fail;
                    }
                    ((int32_t *)gy.p)[rows] = (int32_t)v;
                }
            } else {
                xr[k++] = (float)v;
            }
        }
        rows++;
    }
    if (rows == 0) {
        rc = eo_error_at(err, EO_ERR_FORMAT, c.where, 0, 0, -1,
                         first ? "empty file (expected CSV rows of numbers)" : "no data rows after the header");
        goto fail;
    }
    out->rows = rows;
    out->cols = ncols - (label >= 0);
    out->dtype = EO_DTYPE_F32;
    out->u8_scale = 1.0f;
    out->x = gx.p;
    out->shape[0] = 1;
    out->shape[1] = 1;
    out->shape[2] = (int64_t)out->cols;
    if (label >= 0 && o.regression) out->t = gt.p;
    if (label >= 0 && !o.regression) {
        out->y = gy.p;
        out->n_classes = eo__n_classes(out->y, rows, o.n_classes);
    }
    eo__set_name(out, eo__basename(c.where));
    if (hdr != row) free(hdr);
    free(row);
    return EO_OK;
fail:
    if (hdr != row) free(hdr);
    free(row);
    free(gx.p);
    free(gy.p);
    free(gt.p);
    memset(out, 0, sizeof *out);
    return rc;
}

int eo_data_load_csv(const char *path, const char *label_col, int has_header, const eo_data_opts *opts,
                     eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    if (!path) return eo_error_set(err, EO_ERR_INVALID, "no CSV file given");
    uint8_t *b;
    size_t len;
    rc = eo__read_file(path, o.max_bytes, &b, &len, err);
    if (rc) return rc;
    rc = eo_data_parse_csv_mem((const char *)b, len, label_col, has_header, &o, path, out, err);
    free(b);
    return rc;
}
