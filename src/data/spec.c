/* Data spec strings: "SOURCE:ARGS[:OPTIONS]".
 *   fashion-mnist[:test|train][:limit=N]
 *   idx:IMAGES[,LABELS][:limit=N,classes=K,regression]
 *   csv:FILE[:label=COL|target=COL,header=yes|no|auto,sep=comma|semicolon|tab|space|C,classes=K,limit=N]
 *   libsvm:FILE[:features=D,regression,classes=K,limit=N]
 *   npy:X.npy[,y.npy][:regression,classes=K,limit=N]
 *   synthetic:KIND[:n=1000,d=2,classes=3,k=5,noise=0.1,seed=1,limit=N]
 * Options follow the LAST ':' and are recognised by containing '=' or being a
 * known flag, so paths may hold ':' elsewhere. Parsing touches no file. */
#include "data/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_names[EO_DATA_SOURCE_COUNT] = {
    [EO_DATA_FASHION_MNIST] = "fashion-mnist", [EO_DATA_IDX] = "idx", [EO_DATA_CSV] = "csv",
    [EO_DATA_LIBSVM] = "libsvm", [EO_DATA_NPY] = "npy", [EO_DATA_SYNTHETIC] = "synthetic",
};

const char *eo_data_source_name(int src)
{
    return (src >= 0 && src < EO_DATA_SOURCE_COUNT) ? source_names[src] : "?";
}

int eo_data_source_from_name(const char *name)
{
    for (int i = 0; name && i < EO_DATA_SOURCE_COUNT; i++)
        if (!strcmp(name, source_names[i])) return i;
    return -1;
}

static int spec_err(eo_error *err, int code, const char *spec, const char *fmt, const char *a, const char *b)
{
    char sp[96];
    size_t n = strlen(spec);
    if (n >= sizeof sp) {
        memcpy(sp, spec, sizeof sp - 4);
        memcpy(sp + sizeof sp - 4, "...", 4);
    } else {
        memcpy(sp, spec, n + 1);
    }
    char msg[400];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return eo_error_set(err, code, "data spec '%s': %s", sp, msg);
}

/* Strict unsigned decimal within [lo, hi]. */
static int parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
    if (!*s) return -1;
    size_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (!eo_size_mul(v, 10, &v) || !eo_size_add(v, (size_t)(*p - '0'), &v)) return -1;
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int is_flag(const char *item) { return !strcmp(item, "regression") || !strcmp(item, "test") || !strcmp(item, "train"); }

/* Split at ',' like strtok_r (no empty-item skipping): returns the next item
 * or NULL at the end. */
static char *next_item(char **save)
{
    char *s = *save;
    if (!s) return NULL;
    char *c = strchr(s, ',');
    if (c) {
        *c = 0;
        *save = c + 1;
    } else {
        *save = NULL;
    }
    return s;
}

/* 1 when every comma-separated item of s looks like an option. */
static int looks_like_options(const char *s)
{
    if (!*s) return 0;
    char buf[512];
    if (strlen(s) >= sizeof buf) return 0;
    strcpy(buf, s);
    for (char *save = buf, *item; (item = next_item(&save)) != NULL;)
        if (!strchr(item, '=') && !is_flag(item)) return 0;
    return 1;
}

static int apply_option(eo_data_spec *o, const char *spec, char *item, eo_error *err)
{
    char *eq = strchr(item, '=');
    const char *key = item, *val = "";
    if (eq) {
        *eq = 0;
        val = eq + 1;
    }
    size_t z;
    double d;
    int src = o->source;
    if (!eq && !strcmp(key, "regression") && src != EO_DATA_SYNTHETIC && src != EO_DATA_FASHION_MNIST) {
        o->opts.regression = 1;
        return EO_OK;
    }
    if (!eq && src == EO_DATA_FASHION_MNIST && (!strcmp(key, "test") || !strcmp(key, "train"))) {
        o->test = !strcmp(key, "test");
        return EO_OK;
    }
    if (!eq) return spec_err(err, EO_ERR_PARSE, spec, "option '%s' needs a value (key=value)", key, NULL);
    if (!strcmp(key, "limit")) {
        if (parse_size(val, 1, SIZE_MAX, &z)) goto bad_num;
        o->opts.limit = z;
        return EO_OK;
    }
    if (!strcmp(key, "classes") && src != EO_DATA_FASHION_MNIST) {
        if (parse_size(val, 1, src == EO_DATA_SYNTHETIC ? 1000 : EO_DATA_MAX_CLASSES, &z)) goto bad_num;
        if (src == EO_DATA_SYNTHETIC)
            o->synth.classes = (int)z;
        else
            o->opts.n_classes = (int)z;
        return EO_OK;
    }
    if (src == EO_DATA_CSV) {
        if (!strcmp(key, "label") || !strcmp(key, "target")) {
            if (!*val || strlen(val) >= sizeof o->label)
                return spec_err(err, EO_ERR_PARSE, spec, "%s= needs a column name or index", key, NULL);
            strcpy(o->label, val);
            if (!strcmp(key, "target")) o->opts.regression = 1;
            return EO_OK;
        }
        if (!strcmp(key, "header")) {
            if (!strcmp(val, "yes")) o->header = 1;
            else if (!strcmp(val, "no")) o->header = 0;
            else if (!strcmp(val, "auto")) o->header = -1;
            else return spec_err(err, EO_ERR_PARSE, spec, "header=%s: expected yes, no or auto", val, NULL);
            return EO_OK;
        }
        if (!strcmp(key, "sep")) {
            if (!strcmp(val, "comma")) o->opts.sep = ',';
            else if (!strcmp(val, "semicolon")) o->opts.sep = ';';
            else if (!strcmp(val, "tab")) o->opts.sep = '\t';
            else if (!strcmp(val, "space")) o->opts.sep = ' ';
            else if (strlen(val) == 1 && val[0] != ',' && val[0] != ':') o->opts.sep = val[0];
            else return spec_err(err, EO_ERR_PARSE, spec, "sep=%s: expected comma, semicolon, tab, space or one character", val, NULL);
            return EO_OK;
        }
    }
    if (src == EO_DATA_LIBSVM && !strcmp(key, "features")) {
        if (parse_size(val, 1, (size_t)1 << 31, &z)) goto bad_num;
        o->n_features = z;
        return EO_OK;
    }
    if (src == EO_DATA_SYNTHETIC) {
        if (!strcmp(key, "n") || !strcmp(key, "d") || !strcmp(key, "k")) {
            if (parse_size(val, !strcmp(key, "k") ? 0 : 1, (size_t)1 << 31, &z)) goto bad_num;
            if (key[0] == 'n') o->synth.n = z;
            else if (key[0] == 'd') o->synth.d = z;
            else o->synth.k = z;
            return EO_OK;
        }
        if (!strcmp(key, "seed")) {
            if (parse_size(val, 0, SIZE_MAX, &z)) goto bad_num;
            o->synth.seed = (uint64_t)z;
            return EO_OK;
        }
        if (!strcmp(key, "noise")) {
            if (eo__parse_num(val, strlen(val), &d) != NUM_OK || d < 0) goto bad_num;
            o->synth.noise = d;
            return EO_OK;
        }
    }
    {
        static const char *const valid[EO_DATA_SOURCE_COUNT] = {
            [EO_DATA_FASHION_MNIST] = "test, train, limit",
            [EO_DATA_IDX] = "limit, classes, regression",
            [EO_DATA_CSV] = "label, target, header, sep, classes, regression, limit",
            [EO_DATA_LIBSVM] = "features, classes, regression, limit",
            [EO_DATA_NPY] = "classes, regression, limit",
            [EO_DATA_SYNTHETIC] = "n, d, classes, k, noise, seed, limit",
        };
        return spec_err(err, EO_ERR_PARSE, spec, "unknown option '%s' (valid: %s)", key, valid[src]);
    }
bad_num:
    return spec_err(err, EO_ERR_PARSE, spec, "%s=%s: expected a number in range", key, val);
}

static int apply_options(eo_data_spec *o, const char *spec, char *list, eo_error *err)
{
    char *save = list;
    for (char *item; (item = next_item(&save)) != NULL;) {
        if (!*item) return spec_err(err, EO_ERR_PARSE, spec, "empty option%s%s", NULL, NULL);
        int rc = apply_option(o, spec, item, err);
        if (rc) return rc;
    }
    return EO_OK;
}

int eo_data_spec_parse(const char *spec, eo_data_spec *o, eo_error *err)
{
    memset(o, 0, sizeof *o);
    o->header = -1;
    o->opts = eo_data_opts_defaults();
    if (!spec || !*spec) return eo_error_set(err, EO_ERR_PARSE, "empty data spec (expected e.g. fashion-mnist)");
    size_t n = strlen(spec);
    char buf[2 * EO_DATA_PATH_MAX + 512];
    if (n >= sizeof buf) return spec_err(err, EO_ERR_RANGE, spec, "spec too long%s%s", NULL, NULL);
    memcpy(buf, spec, n + 1);
    char *colon = strchr(buf, ':');
    char *rest = NULL;
    if (colon) {
        *colon = 0;
        rest = colon + 1;
    }
    int src = eo_data_source_from_name(buf);
    if (src < 0)
        return spec_err(err, EO_ERR_NOT_FOUND, spec,
                        "unknown data source '%s' (expected fashion-mnist, idx, csv, libsvm, npy or synthetic)", buf,
                        NULL);
    o->source = (eo_data_source)src;
    if (src == EO_DATA_FASHION_MNIST) {
        while (rest) {
            char *next = strchr(rest, ':');
            if (next) *next++ = 0;
            int rc = apply_options(o, spec, rest, err);
            if (rc) return rc;
            rest = next;
        }
        return EO_OK;
    }
    if (!rest || !*rest)
        return spec_err(err, EO_ERR_PARSE, spec, "'%s' needs an argument, e.g. %s", buf,
                        src == EO_DATA_SYNTHETIC ? "synthetic:moons" : src == EO_DATA_IDX ? "idx:IMAGES,LABELS"
                        : src == EO_DATA_NPY ? "npy:X.npy,y.npy" : src == EO_DATA_CSV ? "csv:FILE" : "libsvm:FILE");
    if (src == EO_DATA_SYNTHETIC) {
        char *c2 = strchr(rest, ':');
        if (c2) *c2++ = 0;
        int kind = eo_synth_kind_from_name(rest);
        if (kind < 0)
            return spec_err(err, EO_ERR_NOT_FOUND, spec,
                            "unknown synthetic set '%s' (expected blobs, moons, spirals or sparse-regression)", rest,
                            NULL);
        o->synth = eo_synth_defaults((eo_synth_kind)kind);
        if (c2) {
            int rc = apply_options(o, spec, c2, err);
            if (rc) return rc;
        }
        const char *why = eo_synth_validate(&o->synth);
        if (why) return spec_err(err, EO_ERR_INVALID, spec, "%s%s", why, NULL);
        return EO_OK;
    }
    char *last = strrchr(rest, ':');
    char *optlist = NULL;
    if (last && looks_like_options(last + 1)) {
        *last = 0;
        optlist = last + 1;
    }
    if (src == EO_DATA_IDX || src == EO_DATA_NPY) {
        char *comma = strchr(rest, ',');
        if (comma) {
            *comma = 0;
            if (!comma[1]) return spec_err(err, EO_ERR_PARSE, spec, "empty labels file after ','%s%s", NULL, NULL);
            if (strlen(comma + 1) >= EO_DATA_PATH_MAX)
                return spec_err(err, EO_ERR_RANGE, spec, "path too long%s%s", NULL, NULL);
            strcpy(o->path2, comma + 1);
        }
    }
    if (!*rest) return spec_err(err, EO_ERR_PARSE, spec, "empty file name%s%s", NULL, NULL);
    if (strlen(rest) >= EO_DATA_PATH_MAX) return spec_err(err, EO_ERR_RANGE, spec, "path too long%s%s", NULL, NULL);
    strcpy(o->path, rest);
    if (optlist) {
        int rc = apply_options(o, spec, optlist, err);
        if (rc) return rc;
    }
    const char *why = eo_data_opts_validate(&o->opts);
    if (why) return spec_err(err, EO_ERR_INVALID, spec, "%s%s", why, NULL);
    return EO_OK;
}

int eo_data_load_spec(const eo_data_spec *s, size_t limit, eo_dataset *out, eo_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s) return eo_error_set(err, EO_ERR_INVALID, "NULL data spec");
    eo_data_opts o = s->opts;
    if (limit) o.limit = limit;
    int rc;
    switch (s->source) {
    case EO_DATA_FASHION_MNIST: return eo_data_load_fashion_mnist(s->test, &o, out, err);
    case EO_DATA_IDX: return eo_data_load_idx(s->path, s->path2[0] ? s->path2 : NULL, &o, out, err);
    case EO_DATA_CSV: return eo_data_load_csv(s->path, s->label, s->header, &o, out, err);
    case EO_DATA_LIBSVM: return eo_data_load_libsvm(s->path, s->n_features, &o, out, err);
    case EO_DATA_NPY: return eo_data_load_npy(s->path, s->path2[0] ? s->path2 : NULL, &o, out, err);
    case EO_DATA_SYNTHETIC:
    {
        /* Rows come from one sequential stream, so generating only the first
         * `limit` rows gives exactly the prefix of the full set. */
        eo_synth_params p = s->synth;
        if (o.limit && o.limit < p.n) p.n = o.limit;
        rc = eo_data_synthetic(&p, out, NULL, err);
        return rc;
    }
    default: return eo_error_set(err, EO_ERR_INVALID, "unknown data source %d", (int)s->source);
    }
}

int eo_data_load(const char *spec, size_t limit, eo_dataset *out, eo_error *err)
{
    eo_data_spec s;
    memset(out, 0, sizeof *out);
    int rc = eo_data_spec_parse(spec, &s, err);
    if (rc) return rc;
    return eo_data_load_spec(&s, limit, out, err);
}
