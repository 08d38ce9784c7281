/* libsvm / svmlight sparse text (Chang & Lin, LIBSVM; Joachims, SVMlight):
 *     <label> <index>:<value> <index>:<value> ... [# comment]
 * one row per line, indices 1-based and strictly increasing. Parsing stores
 * (row, column, value) triplets (at most one per 4 input bytes), then scatters
 * them into a dense row-major matrix whose size is checked against the cap
 * before it is allocated. */
#include "data/internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trip {
    uint32_t row, col; /* col 0-based */
    float v;
} trip;

static int is_sp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Strict unsigned decimal in s[0..n), 1 <= value <= 2^31-1. */
static int parse_index(const char *s, size_t n, uint32_t *out)
{
    if (n == 0 || n > 10) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v < 1 || v > 0x7fffffffu) return -1;
    *out = (uint32_t)v;
    return 0;
}

int eo_data_parse_libsvm_mem(const char *buf, size_t len, size_t n_features, const eo_data_opts *opts,
                             const char *name, eo_dataset *out, eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    const char *where = name ? name : EO__MEM_NAME;
    if (!buf) len = 0;
    trip *tr = NULL;
    double *lab = NULL;
    size_t ntr = 0, trcap = 0, rows = 0, labcap = 0;
    uint32_t maxcol = 0;
    long line = 0, neg_line = 0, other_line = 0;
    size_t pos = 0;
    float *x = NULL;
    while (pos < len && !(o.limit && rows >= o.limit)) {
        line++;
        size_t ls = pos, le = pos;
        while (le < len && buf[le] != '\n') le++;
        pos = le < len ? le + 1 : le;
        size_t ce = ls; /* content end: before a comment */
        while (ce < le && buf[ce] != '#') ce++;
        size_t p = ls;
        while (p < ce && is_sp(buf[p])) p++;
        if (p == ce) continue; /* blank or comment line */
        /* label */
        size_t ts = p;
        while (p < ce && !is_sp(buf[p])) p++;
        double lv;
        int code = eo__parse_num(buf + ts, p - ts, &lv);
        if (code != NUM_OK) {
            rc = eo_error_at(err, code == NUM_BAD ? EO_ERR_PARSE : EO_ERR_NUMERIC, where, line, (long)(ts - ls) + 1,
                             -1, "label: %s", eo__num_msg(code));
            goto fail;
        }
        if (!o.regression && (lv != floor(lv) || fabs(lv) > 2147483647.0)) {
            rc = eo_error_at(err, EO_ERR_RANGE, where, line, (long)(ts - ls) + 1, -1,
                             "expected an integer class label, got %.9g (use regression for real targets)", lv);
            goto fail;
        }
        if (!o.regression) {
            char why[128];
            if (lv < 0 && lv != -1.0) {
                rc = eo_error_at(err, EO_ERR_RANGE, where, line, (long)(ts - ls) + 1, -1,
                                 "class label %.0f out of range (labels are >= 0, or the pair -1/+1)", lv);
                goto fail;
            }
            if (lv >= 0 && eo__check_label(lv, o.n_classes, why, sizeof why)) {
                rc = eo_error_at(err, EO_ERR_RANGE, where, line, (long)(ts - ls) + 1, -1, "%s", why);
                goto fail;
            }
            if (lv < 0 && !neg_line) neg_line = line;
            if (lv != 1.0 && lv != -1.0 && !other_line) other_line = line;
            if (neg_line && other_line) {
                rc = eo_error_at(err, EO_ERR_RANGE, where, line, (long)(ts - ls) + 1, -1,
                                 "label -1 (line %ld) is only accepted when every label is -1 or +1 (line %ld has "
                                 "another)",
                                 neg_line, other_line);
                goto fail;
            }
        }
        if (o.regression && fabs(lv) > FLT_MAX) {
            rc = eo_error_at(err, EO_ERR_NUMERIC, where, line, (long)(ts - ls) + 1, -1, "target out of float range");
            goto fail;
        }
        if (rows == labcap) {
            size_t nc = labcap ? labcap * 2 : 256;
            double *nl = realloc(lab, nc * sizeof *nl);
            if (!nl) {
                rc = eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "out of memory");
                goto fail;
            }
            lab = nl;
            labcap = nc;
        }
        lab[rows] = lv;
        uint32_t prev = 0;
        for (;;) {
            while (p < ce && is_sp(buf[p])) p++;
            if (p == ce) break;
            ts = p;
            while (p < ce && !is_sp(buf[p])) p++;
            size_t colon = ts;
            while (colon < p && buf[colon] != ':') colon++;
            long col = (long)(ts - ls) + 1;
            if (colon == p) {
                rc = eo_error_at(err, EO_ERR_PARSE, where, line, col, -1, "expected index:value");
                goto fail;
            }
            if (colon - ts == 3 && !memcmp(buf + ts, "qid", 3)) continue;
            uint32_t idx;
            if (parse_index(buf + ts, colon - ts, &idx)) {
                rc = eo_error_at(err, EO_ERR_PARSE, where, line, col, -1,
                                 "expected a feature index 1..2147483647 before ':'");
                goto fail;
            }
            if (idx <= prev) {
                rc = eo_error_at(err, EO_ERR_PARSE, where, line, col, -1,
                                 "feature index %u after %u (indices must be strictly increasing)", idx, prev);
                goto fail;
            }
            if (n_features && idx > n_features) {
                rc = eo_error_at(err, EO_ERR_RANGE, where, line, col, -1, "feature index %u > %zu features", idx,
                                 n_features);
                goto fail;
            }
            prev = idx;
            double v;
            code = eo__parse_num(buf + colon + 1, p - colon - 1, &v);
            if (code == NUM_OK && fabs(v) > FLT_MAX) code = NUM_RANGE;
            if (code != NUM_OK) {
                rc = eo_error_at(err, code == NUM_BAD || code == NUM_EMPTY ? EO_ERR_PARSE : EO_ERR_NUMERIC, where,
                                 line, (long)(colon - ls) + 2, -1, "feature %u: %s", idx, eo__num_msg(code));
                goto fail;
            }
            if (ntr == trcap) {
                size_t nc = trcap ? trcap * 2 : 1024;
                trip *nt = realloc(tr, nc * sizeof *nt);
                if (!nt) {
                    rc = eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "out of memory");
                    goto fail;
                }
                tr = nt;
                trcap = nc;
            }
            tr[ntr].row = (uint32_t)rows;
            tr[ntr].col = idx - 1;
            tr[ntr].v = (float)v;
            ntr++;
            if (idx > maxcol) maxcol = idx;
        }
        rows++;
        if (rows > UINT32_MAX - 1) {
            rc = eo_error_at(err, EO_ERR_RANGE, where, line, 0, -1, "too many rows");
            goto fail;
        }
    }
    if (rows == 0) {
        rc = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "empty file (expected lines 'label index:value ...')");
        goto fail;
    }
    size_t cols = n_features ? n_features : maxcol;
    if (cols == 0) {
        rc = eo_error_at(err, EO_ERR_FORMAT, where, 0, 0, -1, "no features in any row");
        goto fail;
    }
    size_t cells, bytes;
    if (!eo_size_mul(rows, cols, &cells) || !eo_size_mul(cells, sizeof(float), &bytes) || bytes > o.max_bytes) {
        rc = eo_error_at(err, EO_ERR_RANGE, where, 0, 0, -1,
                         "dense matrix of %zu rows x %zu features exceeds the limit of %zu bytes", rows, cols,
                         o.max_bytes);
        goto fail;
    }
    x = calloc(cells, sizeof(float));
    if (!x) {
        rc = eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "cannot allocate %zu x %zu floats", rows, cols);
        goto fail;
    }
    for (size_t i = 0; i < ntr; i++) x[(size_t)tr[i].row * cols + tr[i].col] = tr[i].v;
    free(tr);
    tr = NULL;
    out->rows = rows;
    out->cols = cols;
    out->dtype = EO_DTYPE_F32;
    out->u8_scale = 1.0f;
    out->x = x;
    x = NULL;
    out->shape[0] = out->shape[1] = 1;
    out->shape[2] = (int64_t)cols;
    if (o.regression) {
        out->t = malloc(rows * sizeof(float));
        if (!out->t) goto nomem;
        for (size_t i = 0; i < rows; i++) out->t[i] = (float)lab[i];
    } else {
        int pm1 = 1, has_neg = 0;
        for (size_t i = 0; i < rows; i++) {
            if (lab[i] != 1.0 && lab[i] != -1.0) pm1 = 0;
            if (lab[i] < 0) has_neg = 1;
        }
        out->y = malloc(rows * sizeof(int32_t));
        if (!out->y) goto nomem;
        if (has_neg && pm1) {
            for (size_t i = 0; i < rows; i++) out->y[i] = lab[i] > 0;
            out->class_values = malloc(2 * sizeof(int32_t));
            if (!out->class_values) goto nomem;
            out->class_values[0] = -1;
            out->class_values[1] = 1;
            if (o.n_classes && o.n_classes < 2) {
                rc = eo_error_at(err, EO_ERR_RANGE, where, 0, 0, -1, "labels -1/+1 need 2 classes, got classes=%d",
                                 o.n_classes);
                goto fail_out;
            }
            out->n_classes = o.n_classes ? o.n_classes : 2;
        } else {
            for (size_t i = 0; i < rows; i++) out->y[i] = (int32_t)lab[i]; /* checked while parsing */
            out->n_classes = eo__n_classes(out->y, rows, o.n_classes);
        }
    }
    free(lab);
    eo__set_name(out, eo__basename(where));
    return EO_OK;
nomem:
    rc = eo_error_at(err, EO_ERR_NOMEM, where, 0, 0, -1, "out of memory");
fail_out:
    eo_dataset_free(out);
fail:
    free(tr);
    free(lab);
    free(x);
    memset(out, 0, sizeof *out);
    return rc;
}

int eo_data_load_libsvm(const char *path, size_t n_features, const eo_data_opts *opts, eo_dataset *out,
                        eo_error *err)
{
    eo_data_opts o;
    memset(out, 0, sizeof *out);
    int rc = eo__opts_resolve(opts, &o, err);
    if (rc) return rc;
    if (!path) return eo_error_set(err, EO_ERR_INVALID, "no libsvm file given");
    uint8_t *b;
    size_t len;
    rc = eo__read_file(path, o.max_bytes, &b, &len, err);
    if (rc) return rc;
    rc = eo_data_parse_libsvm_mem((const char *)b, len, n_features, &o, path, out, err);
    free(b);
    return rc;
}
