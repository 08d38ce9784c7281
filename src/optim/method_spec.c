/* Spec strings NAME[:key=value,...]: the tokenizer shared by the test-function
 * and minimizer parsers. Numbers are parsed strictly (the whole value must be a
 * finite number in range); every error names the 1-based column. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/minimize.h"
#include "optim/min_internal.h"

int eo__spec_name(const char *spec, char *name, size_t cap, const char **rest, eo_error *err)
{
    if (!spec) return eo_error_set(err, EO_ERR_INVALID, "empty spec");
    const char *c = strchr(spec, ':');
    size_t len = c ? (size_t)(c - spec) : strlen(spec);
    if (len == 0) return eo_error_at(err, EO_ERR_PARSE, spec, 1, 1, -1, "expected a name");
    if (len >= cap) return eo_error_at(err, EO_ERR_PARSE, spec, 1, 1, -1, "name too long");
    memcpy(name, spec, len);
    name[len] = '\0';
    *rest = c ? c + 1 : spec + len;
    if (c && c[1] == '\0')
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)len + 2, -1,
                           "expected key=value after ':'");
    return EO_OK;
}

int eo__spec_next(const char *spec, const char **p, eo__kv *kv, eo_error *err)
{
    const char *s = *p;
    if (*s == '\0') return 0;
    const char *end = strchr(s, ',');
    if (!end) end = s + strlen(s);
    const char *eq = memchr(s, '=', (size_t)(end - s));
    long col = (long)(s - spec) + 1;
    if (!eq || eq == s)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, col, -1, "expected key=value, got '%.*s'",
                           (int)(end - s), s);
    if (eq + 1 == end)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(eq - spec) + 2, -1,
                           "missing value for '%.*s'", (int)(eq - s), s);
    kv->key = s;
    kv->key_len = (size_t)(eq - s);
    kv->val = eq + 1;
    kv->val_len = (size_t)(end - eq - 1);
    kv->key_col = col;
    kv->val_col = (long)(eq - spec) + 2;
    if (*end == ',') {
        if (end[1] == '\0')
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(end - spec) + 2, -1,
                               "expected key=value after ','");
        end++;
    }
    *p = end;
    return 1;
}

int eo__kv_is(const eo__kv *kv, const char *key)
{
    return strlen(key) == kv->key_len && !memcmp(kv->key, key, kv->key_len);
}

int eo__spec_double(const char *spec, const eo__kv *kv, double lo, double hi, double *out,
                    eo_error *err)
{
    char buf[64];
    if (kv->val_len >= sizeof buf)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1, "%.*s: value too long",
                           (int)kv->key_len, kv->key);
    memcpy(buf, kv->val, kv->val_len);
    buf[kv->val_len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || errno == ERANGE || !isfinite(v))
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1,
                           "%.*s: expected a finite number, got '%s'", (int)kv->key_len, kv->key,
                           buf);
    if (v < lo || v > hi)
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv->val_col, -1,
                           "%.*s: %g is out of range [%g, %g]", (int)kv->key_len, kv->key, v, lo,
                           hi);
    *out = v;
    return EO_OK;
}

int eo__spec_long(const char *spec, const eo__kv *kv, long lo, long hi, long *out, eo_error *err)
{
    char buf[64];
    if (kv->val_len >= sizeof buf)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1, "%.*s: value too long",
                           (int)kv->key_len, kv->key);
    memcpy(buf, kv->val, kv->val_len);
    buf[kv->val_len] = '\0';
    char *end = NULL;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\0' || errno == ERANGE)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1,
                           "%.*s: expected an integer, got '%s'", (int)kv->key_len, kv->key, buf);
    if (v < lo || v > hi)
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv->val_col, -1,
                           "%.*s: %ld is out of range [%ld, %ld]", (int)kv->key_len, kv->key, v,
                           lo, hi);
    *out = v;
    return EO_OK;
}

int eo__spec_unknown_key(const char *spec, const eo__kv *kv, const char *known, eo_error *err)
{
    return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->key_col, -1, "unknown key '%.*s' (known: %s)",
                       (int)kv->key_len, kv->key, known);
}

/* ------------------------------------------------ minimizer specs */

static int kv_word(const char *spec, const eo__kv *kv, const char *const *words, int nwords,
                   int *out, eo_error *err)
{
    for (int i = 0; i < nwords; i++)
        if (strlen(words[i]) == kv->val_len && !memcmp(words[i], kv->val, kv->val_len)) {
            *out = i;
            return EO_OK;
        }
    return eo_error_at(err, EO_ERR_PARSE, spec, 1, kv->val_col, -1, "%.*s: unknown value '%.*s'",
                       (int)kv->key_len, kv->key, (int)kv->val_len, kv->val);
}

static int is_gradient_method(int m)
{
    return m == EO_MIN_GD || m == EO_MIN_NEWTON || m == EO_MIN_BFGS || m == EO_MIN_LBFGS ||
           m == EO_MIN_CG;
}

int eo_minimize_parse(const char *spec, eo_minimize_params *out, eo_error *err)
{
    char name[64];
    const char *p;
    int st = eo__spec_name(spec, name, sizeof name, &p, err);
    if (st) return st;
    int m = eo_min_method_from_name(name);
    if (m < 0 || m == EO_MIN_FIRST_ORDER) {
        eo_optim_params op;
        st = eo_optim_parse(spec, &op, err);
        if (st == EO_ERR_NOT_FOUND)
            return eo_error_at(err, EO_ERR_NOT_FOUND, spec, 1, 1, -1,
                               "unknown optimizer '%s' (known: gd, newton, bfgs, lbfgs, cg, "
                               "nelder-mead, anneal, restarts, ista, fista, owlqn, sgd, momentum, "
                               "nesterov, adagrad, rmsprop, adadelta, adam, adamw, amsgrad, nadam, "
                               "radam)",
                               name);
        if (st) return st;
        eo_minimize_params q = eo_minimize_defaults(EO_MIN_FIRST_ORDER);
        q.first_order = op;
        *out = q;
        return EO_OK;
    }
    eo_minimize_params q = eo_minimize_defaults((eo_min_method)m);
    eo__kv kv;
    int r;
    const char *known = "";
    while ((r = eo__spec_next(spec, &p, &kv, err)) == 1) {
        long lv = 0;
        int iv = 0;
        if (is_gradient_method(m) && eo__kv_is(&kv, "ls")) {
            static const char *const w[] = {"armijo", "wolfe"};
            if ((st = kv_word(spec, &kv, w, 2, &iv, err))) return st;
            double c2 = q.ls.c2;
            q.ls = eo_linesearch_defaults((eo_linesearch_kind)iv);
            q.ls.c2 = c2;
        } else if (is_gradient_method(m) && eo__kv_is(&kv, "c1")) {
            if ((st = eo__spec_double(spec, &kv, 1e-12, 0.5, &q.ls.c1, err))) return st;
        } else if (is_gradient_method(m) && eo__kv_is(&kv, "c2")) {
            if ((st = eo__spec_double(spec, &kv, 1e-12, 0.999999, &q.ls.c2, err))) return st;
        } else if ((m == EO_MIN_GD || m == EO_MIN_CG) && eo__kv_is(&kv, "step")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.step0, err))) return st;
        } else if ((m == EO_MIN_LBFGS || m == EO_MIN_OWLQN) && eo__kv_is(&kv, "m")) {
            if ((st = eo__spec_long(spec, &kv, 1, 1000, &lv, err))) return st;
            q.lbfgs_m = (int)lv;
        } else if (m == EO_MIN_CG && eo__kv_is(&kv, "variant")) {
            static const char *const w[] = {"fr", "pr"};
            if ((st = kv_word(spec, &kv, w, 2, &q.cg_variant, err))) return st;
        } else if (m == EO_MIN_CG && eo__kv_is(&kv, "restart")) {
            if ((st = eo__spec_long(spec, &kv, 0, 1000000000L, &q.cg_restart, err))) return st;
        } else if (m == EO_MIN_NEWTON && eo__kv_is(&kv, "beta")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.newton_beta, err))) return st;
        } else if (m == EO_MIN_NELDER_MEAD && eo__kv_is(&kv, "step")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.nm_step, err))) return st;
        } else if (m == EO_MIN_NELDER_MEAD && eo__kv_is(&kv, "adaptive")) {
            if ((st = eo__spec_long(spec, &kv, 0, 1, &lv, err))) return st;
            q.nm_adaptive = (int)lv;
        } else if (m == EO_MIN_NELDER_MEAD && eo__kv_is(&kv, "fatol")) {
            if ((st = eo__spec_double(spec, &kv, 0, 1e300, &q.nm_fatol, err))) return st;
        } else if (m == EO_MIN_NELDER_MEAD && eo__kv_is(&kv, "xatol")) {
            if ((st = eo__spec_double(spec, &kv, 0, 1e300, &q.nm_xatol, err))) return st;
        } else if ((m == EO_MIN_ANNEAL || m == EO_MIN_RESTARTS) && eo__kv_is(&kv, "seed")) {
            if ((st = eo__spec_long(spec, &kv, 0, 2147483647L, &lv, err))) return st;
            q.seed = (uint64_t)lv;
        } else if ((m == EO_MIN_ANNEAL || m == EO_MIN_RESTARTS) && eo__kv_is(&kv, "radius")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.radius, err))) return st;
        } else if ((m == EO_MIN_ANNEAL || m == EO_MIN_RESTARTS) && eo__kv_is(&kv, "local")) {
            static const char *const w[] = {"lbfgs", "nelder-mead"};
            if ((st = kv_word(spec, &kv, w, 2, &iv, err))) return st;
            q.local_method = iv == 0 ? EO_MIN_LBFGS : EO_MIN_NELDER_MEAD;
        } else if (m == EO_MIN_RESTARTS && eo__kv_is(&kv, "n")) {
            if ((st = eo__spec_long(spec, &kv, 1, 1000000000L, &q.restarts, err))) return st;
        } else if (m == EO_MIN_ANNEAL && eo__kv_is(&kv, "steps")) {
            if ((st = eo__spec_long(spec, &kv, 1, 1000000000L, &q.anneal_steps, err))) return st;
        } else if (m == EO_MIN_ANNEAL && eo__kv_is(&kv, "T0")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.anneal_T0, err))) return st;
        } else if (m == EO_MIN_ANNEAL && eo__kv_is(&kv, "Tmin")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.anneal_Tmin, err))) return st;
        } else if (m == EO_MIN_ANNEAL && eo__kv_is(&kv, "sigma")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.anneal_sigma, err))) return st;
        } else if ((m == EO_MIN_ISTA || m == EO_MIN_FISTA || m == EO_MIN_OWLQN) &&
                   eo__kv_is(&kv, "l1")) {
            if ((st = eo__spec_double(spec, &kv, 0, 1e300, &q.l1, err))) return st;
        } else if ((m == EO_MIN_ISTA || m == EO_MIN_FISTA) && eo__kv_is(&kv, "step")) {
            if ((st = eo__spec_double(spec, &kv, 1e-300, 1e300, &q.prox_step, err))) return st;
        } else if (m == EO_MIN_FISTA && eo__kv_is(&kv, "restart")) {
            if ((st = eo__spec_long(spec, &kv, 0, 1, &lv, err))) return st;
            q.fista_restart = (int)lv;
        } else {
            switch (m) {
            case EO_MIN_GD: known = "ls, c1, c2, step"; break;
            case EO_MIN_NEWTON: known = "ls, c1, c2, beta"; break;
            case EO_MIN_BFGS: known = "ls, c1, c2"; break;
            case EO_MIN_LBFGS: known = "m, ls, c1, c2"; break;
            case EO_MIN_CG: known = "variant, restart, ls, c1, c2, step"; break;
            case EO_MIN_NELDER_MEAD: known = "step, adaptive, fatol, xatol"; break;
            case EO_MIN_ANNEAL: known = "seed, steps, T0, Tmin, sigma, radius, local"; break;
            case EO_MIN_RESTARTS: known = "seed, n, local, radius"; break;
            case EO_MIN_ISTA: known = "l1, step"; break;
            case EO_MIN_FISTA: known = "l1, step, restart"; break;
            case EO_MIN_OWLQN: known = "l1, m"; break;
            default: known = "none"; break;
            }
            return eo__spec_unknown_key(spec, &kv, known, err);
        }
    }
    if (r < 0) return r;
    const char *why = eo_minimize_check(&q);
    if (why) return eo_error_at(err, EO_ERR_INVALID, spec, 1, 1, -1, "%s", why);
    *out = q;
    return EO_OK;
}
