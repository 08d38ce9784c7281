/* Optimizer specs "NAME[:key=value,...]" with PyTorch's hyperparameter names:
 * the small tokenizer (shared with the schedule parser), eo_optim_parse,
 * eo_optim_set and eo_optim_format. Every error names the 1-based column. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/optimizer_impl.h"

/* ------------------------------------------------------------ tokenizer */

int eo__ospec_name(const char *spec, const char *begin, const char *end, char *name, size_t cap,
                   const char **rest, eo_error *err)
{
    const char *c = memchr(begin, ':', (size_t)(end - begin));
    const char *stop = c ? c : end;
    size_t len = (size_t)(stop - begin);
    long col = (long)(begin - spec) + 1;
    if (len == 0) return eo_error_at(err, EO_ERR_PARSE, spec, 1, col, -1, "expected a name");
    if (len >= cap) return eo_error_at(err, EO_ERR_PARSE, spec, 1, col, -1, "name too long");
    memcpy(name, begin, len);
    name[len] = '\0';
    *rest = c ? c + 1 : end;
    if (c && c + 1 == end)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(c - spec) + 2, -1,
                           "expected key=value after ':'");
    return EO_OK;
}

int eo__ospec_next(const char *spec, const char **p, const char *end, eo__spec_item *it,
                   eo_error *err)
{
    const char *s = *p;
    if (s >= end) return 0;
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    const char *eq = memchr(s, '=', (size_t)(stop - s));
    long col = (long)(s - spec) + 1;
    if (stop == s || eq == s)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, col, -1, "expected key=value");
    it->key = s;
    it->key_len = (size_t)((eq ? eq : stop) - s);
    it->key_col = col;
    if (eq) {
        if (eq + 1 == stop)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(eq - spec) + 2, -1,
                               "missing value for '%.*s'", (int)it->key_len, s);
        it->val = eq + 1;
        it->val_len = (size_t)(stop - eq - 1);
        it->val_col = (long)(eq - spec) + 2;
    } else {
        it->val = NULL;
        it->val_len = 0;
        it->val_col = col;
    }
    for (size_t i = 0; i < it->key_len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch) && ch != '_')
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, col + (long)i, -1,
                               "unexpected character '%c' in a key", s[i]);
    }
    if (comma) {
        if (comma + 1 == end)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(comma - spec) + 2, -1,
                               "expected key=value after ','");
        *p = comma + 1;
    } else {
        *p = end;
    }
    return 1;
}

int eo__ospec_key_is(const eo__spec_item *it, const char *key)
{
    return strlen(key) == it->key_len && !memcmp(it->key, key, it->key_len);
}

int eo__ospec_number(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    /* strtod skips leading blanks and accepts "inf"/"nan": refuse both. */
    if (isspace((unsigned char)s[0])) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *e;
    double v = strtod(buf, &e);
    if (e != buf + len || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int eo__ospec_double(const char *spec, const eo__spec_item *it, double *out, eo_error *err)
{
    if (!it->val)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, it->key_col, -1, "'%.*s' needs a value",
                           (int)it->key_len, it->key);
    if (eo__ospec_number(it->val, it->val_len, out))
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, it->val_col, -1,
                           "%.*s: expected a finite number, got '%.*s'", (int)it->key_len,
                           it->key, (int)it->val_len, it->val);
    return EO_OK;
}

int eo__ospec_long(const char *spec, const eo__spec_item *it, long lo, long hi, long *out,
                   eo_error *err)
{
    double v;
    int rc = eo__ospec_double(spec, it, &v, err);
    if (rc) return rc;
    if (v != floor(v) || v < (double)lo || v > (double)hi) {
        if (hi >= LONG_MAX / 2)
            return eo_error_at(err, EO_ERR_INVALID, spec, 1, it->val_col, -1,
                               "%.*s: expected an integer >= %ld, got '%.*s'", (int)it->key_len,
                               it->key, lo, (int)it->val_len, it->val);
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, it->val_col, -1,
                           "%.*s: expected an integer in [%ld, %ld], got '%.*s'", (int)it->key_len,
                           it->key, lo, hi, (int)it->val_len, it->val);
    }
    *out = (long)v;
    return EO_OK;
}

int eo__ospec_bool(const char *spec, const eo__spec_item *it, int *out, eo_error *err)
{
    if (!it->val) {
        *out = 1;
        return EO_OK;
    }
    static const char *const yes[] = {"1", "true"}, *const no[] = {"0", "false"};
    for (int i = 0; i < 2; i++) {
        if (strlen(yes[i]) == it->val_len && !memcmp(it->val, yes[i], it->val_len)) {
            *out = 1;
            return EO_OK;
        }
        if (strlen(no[i]) == it->val_len && !memcmp(it->val, no[i], it->val_len)) {
            *out = 0;
            return EO_OK;
        }
    }
    return eo_error_at(err, EO_ERR_PARSE, spec, 1, it->val_col, -1,
                       "%.*s: expected 0, 1, true or false, got '%.*s'", (int)it->key_len,
                       it->key, (int)it->val_len, it->val);
}

/* ------------------------------------------------------------ key table */

enum { KEY_NUM, KEY_BOOL };
#define K(kind) (1u << (kind))
#define ALL_KINDS ((1u << EO_OPTIM_COUNT) - 1u)
#define ADAM_LIKE (K(EO_OPTIM_ADAM) | K(EO_OPTIM_ADAMW) | K(EO_OPTIM_NADAM) | K(EO_OPTIM_RADAM))

typedef struct okey {
    const char *name;
    int type;
    size_t off;
    unsigned kinds; /* bit k: optimizer kind k has this key */
} okey;

#define OFF(f) offsetof(eo_optim_params, f)
/* In the order eo_optim_format writes them. */
static const okey okeys[] = {
    {"lr", KEY_NUM, OFF(lr), ALL_KINDS},
    {"momentum", KEY_NUM, OFF(momentum), K(EO_OPTIM_SGD) | K(EO_OPTIM_RMSPROP)},
    {"dampening", KEY_NUM, OFF(dampening), K(EO_OPTIM_SGD)},
    {"nesterov", KEY_BOOL, OFF(nesterov), K(EO_OPTIM_SGD)},
    {"alpha", KEY_NUM, OFF(alpha), K(EO_OPTIM_RMSPROP)},
    {"centered", KEY_BOOL, OFF(centered), K(EO_OPTIM_RMSPROP)},
    {"rho", KEY_NUM, OFF(rho), K(EO_OPTIM_ADADELTA)},
    {"lr_decay", KEY_NUM, OFF(lr_decay), K(EO_OPTIM_ADAGRAD)},
    {"initial_accumulator_value", KEY_NUM, OFF(initial_accumulator_value), K(EO_OPTIM_ADAGRAD)},
    {"beta1", KEY_NUM, OFF(beta1), ADAM_LIKE},
    {"beta2", KEY_NUM, OFF(beta2), ADAM_LIKE},
    {"eps", KEY_NUM, OFF(eps), ALL_KINDS & ~K(EO_OPTIM_SGD)},
    {"weight_decay", KEY_NUM, OFF(weight_decay), ALL_KINDS},
    {"amsgrad", KEY_BOOL, OFF(amsgrad), K(EO_OPTIM_ADAM) | K(EO_OPTIM_ADAMW)},
    {"momentum_decay", KEY_NUM, OFF(momentum_decay), K(EO_OPTIM_NADAM)},
    {"decoupled_weight_decay", KEY_BOOL, OFF(decoupled_weight_decay),
     K(EO_OPTIM_ADAM) | K(EO_OPTIM_NADAM) | K(EO_OPTIM_RADAM)},
    {"maximize", KEY_BOOL, OFF(maximize), ALL_KINDS},
};
#define NKEYS ((int)(sizeof okeys / sizeof okeys[0]))

static int has_key(const okey *k, int kind) { return (k->kinds >> kind) & 1u; }

static const okey *find_key(const char *name, size_t len)
{
    for (int i = 0; i < NKEYS; i++)
        if (strlen(okeys[i].name) == len && !memcmp(okeys[i].name, name, len)) return &okeys[i];
    return NULL;
}

static void store(eo_optim_params *p, const okey *k, double v)
{
    unsigned char *base = (unsigned char *)p;
    if (k->type == KEY_BOOL) {
        int b = v != 0.0;
        memcpy(base + k->off, &b, sizeof b);
    } else {
        memcpy(base + k->off, &v, sizeof v);
    }
}

static double load(const eo_optim_params *p, const okey *k)
{
    const unsigned char *base = (const unsigned char *)p;
    if (k->type == KEY_BOOL) {
        int b;
        memcpy(&b, base + k->off, sizeof b);
        return b;
    }
    double v;
    memcpy(&v, base + k->off, sizeof v);
    return v;
}

int eo_optim_set(eo_optim_params *p, const char *key, double value)
{
    if (!p || !key) return EO_ERR_INVALID;
    const okey *k = find_key(key, strlen(key));
    /* Through an int: enums may be unsigned (short enums on Arm EABI). */
    int kind = (int)p->kind;
    if (!k || kind < 0 || kind >= EO_OPTIM_COUNT || !has_key(k, p->kind))
        return EO_ERR_NOT_FOUND;
    if (k->type == KEY_BOOL && value != 0.0 && value != 1.0) return EO_ERR_INVALID;
    store(p, k, value);
    return EO_OK;
}

/* ---------------------------------------------------------------- parse */

int eo_optim_parse(const char *spec, eo_optim_params *out, eo_error *err)
{
    if (!spec || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_optim_parse: NULL argument");
    const char *end = spec + strlen(spec), *rest;
    char name[32];
    int rc = eo__ospec_name(spec, spec, end, name, sizeof name, &rest, err);
    if (rc) return rc;

    eo_optim_params p;
    int kind = eo_optim_kind_from_name(name);
    if (kind >= 0) {
        p = eo_optim_defaults((eo_optim_kind)kind);
    } else if (!strcmp(name, "momentum") || !strcmp(name, "nesterov")) {
        p = eo_optim_defaults(EO_OPTIM_SGD);
        p.momentum = 0.9;
        p.nesterov = name[0] == 'n';
    } else if (!strcmp(name, "amsgrad")) {
        p = eo_optim_defaults(EO_OPTIM_ADAM);
        p.amsgrad = 1;
    } else {
        return eo_error_at(err, EO_ERR_NOT_FOUND, spec, 1, 1, -1,
                           "unknown optimizer '%s' (sgd, momentum, nesterov, adagrad, rmsprop, "
                           "adadelta, adam, adamw, amsgrad, nadam, radam)",
                           name);
    }

    long col_of[NKEYS];
    for (int i = 0; i < NKEYS; i++) col_of[i] = 0;
    eo__spec_item it;
    while ((rc = eo__ospec_next(spec, &rest, end, &it, err)) > 0) {
        if (eo__ospec_key_is(&it, "betas")) {
            /* betas=B1;B2 as PyTorch's tuple */
            const char *semi = it.val ? memchr(it.val, ';', it.val_len) : NULL;
            if (!(ADAM_LIKE >> p.kind & 1u))
                return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.key_col, -1,
                                   "%s has no parameter 'betas'", eo_optim_kind_name(p.kind));
            if (!semi)
                return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.val_col, -1,
                                   "betas: expected BETA1;BETA2");
            eo__spec_item b1 = it, b2 = it;
            b1.key_len = b2.key_len = 5;
            b1.val_len = (size_t)(semi - it.val);
            b2.val = semi + 1;
            b2.val_len = it.val_len - b1.val_len - 1;
            b2.val_col = it.val_col + (long)b1.val_len + 1;
            if ((rc = eo__ospec_double(spec, &b1, &p.beta1, err))) return rc;
            if ((rc = eo__ospec_double(spec, &b2, &p.beta2, err))) return rc;
            col_of[find_key("beta1", 5) - okeys] = it.key_col;
            col_of[find_key("beta2", 5) - okeys] = it.key_col;
            continue;
        }
        const okey *k = find_key(it.key, it.key_len);
        if (!k || !has_key(k, p.kind))
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.key_col, -1,
                               "%s has no parameter '%.*s'", eo_optim_kind_name(p.kind),
                               (int)it.key_len, it.key);
        int idx = (int)(k - okeys);
        if (col_of[idx])
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.key_col, -1, "'%s' given twice",
                               k->name);
        col_of[idx] = it.key_col;
        double v;
        if (k->type == KEY_BOOL) {
            int b;
            if ((rc = eo__ospec_bool(spec, &it, &b, err))) return rc;
            v = b;
        } else if ((rc = eo__ospec_double(spec, &it, &v, err))) {
            return rc;
        }
        store(&p, k, v);
    }
    if (rc < 0) return rc;

    const char *why = eo_optim_check(&p);
    if (why) {
        /* Every reason starts with the name of the key at fault: point at it. */
        long col = 1;
        for (int i = 0; i < NKEYS; i++) {
            size_t l = strlen(okeys[i].name);
            if (col_of[i] && !strncmp(why, okeys[i].name, l) && why[l] == ' ') col = col_of[i];
        }
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, col, -1, "%s: %s",
                           eo_optim_kind_name(p.kind), why);
    }
    *out = p;
    return EO_OK;
}

/* --------------------------------------------------------------- format */

int eo_optim_format(const eo_optim_params *p, char *buf, size_t n)
{
    if (!p) return -1;
    char tmp[1024];
    int len = snprintf(tmp, sizeof tmp, "%s", eo_optim_kind_name(p->kind));
    char sep = ':';
    int kind = (int)p->kind;
    for (int i = 0; i < NKEYS && kind >= 0 && kind < EO_OPTIM_COUNT; i++) {
        if (!has_key(&okeys[i], kind)) continue;
        double v = load(p, &okeys[i]);
        if (okeys[i].type == KEY_BOOL)
            len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%c%s=%d", sep, okeys[i].name,
                            (int)v);
        else
            len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%c%s=%.17g", sep,
                            okeys[i].name, v);
        sep = ',';
    }
    if (buf && n) {
        size_t c = (size_t)len < n ? (size_t)len : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return len;
}
