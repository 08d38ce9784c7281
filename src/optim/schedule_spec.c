/* Schedule specs: "NAME[:key=value,...]", optionally "warmup:...+NAME:..."
 * (eo_schedule_parse, eo_schedule_format). Keys are the short names of the
 * spec grammar in optim.h, plus PyTorch's long names. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "optim/optimizer_impl.h"

/* Key -> field of one kind. alias is PyTorch's name (or NULL). */
enum { SK_DOUBLE, SK_LONG, SK_MILESTONES };
typedef struct skey {
    int kind; /* eo_schedule_kind, or -1 for the warm-up */
    const char *name;
    const char *alias;
    int type;
    size_t off;
} skey;

#define SOFF(f) offsetof(eo_schedule, f)
#define WARMUP (-1)
/* In the order eo_schedule_format writes them. */
static const skey skeys[] = {
    {WARMUP, "steps", "total_iters", SK_LONG, SOFF(warmup_steps)},
    {WARMUP, "start_factor", NULL, SK_DOUBLE, SOFF(warmup_start_factor)},
    {EO_SCHEDULE_STEP, "step_size", NULL, SK_LONG, SOFF(step_size)},
    {EO_SCHEDULE_STEP, "gamma", NULL, SK_DOUBLE, SOFF(gamma)},
    {EO_SCHEDULE_MULTISTEP, "milestones", NULL, SK_MILESTONES, 0},
    {EO_SCHEDULE_MULTISTEP, "gamma", NULL, SK_DOUBLE, SOFF(gamma)},
    {EO_SCHEDULE_EXP, "gamma", NULL, SK_DOUBLE, SOFF(gamma)},
    {EO_SCHEDULE_COSINE, "T", "T_max", SK_LONG, SOFF(T_max)},
    {EO_SCHEDULE_COSINE, "eta_min", NULL, SK_DOUBLE, SOFF(eta_min)},
    {EO_SCHEDULE_COSINE_RESTARTS, "T0", "T_0", SK_LONG, SOFF(T_0)},
    {EO_SCHEDULE_COSINE_RESTARTS, "Tmult", "T_mult", SK_LONG, SOFF(T_mult)},
    {EO_SCHEDULE_COSINE_RESTARTS, "eta_min", NULL, SK_DOUBLE, SOFF(eta_min)},
    {EO_SCHEDULE_ONECYCLE, "max_lr", NULL, SK_DOUBLE, SOFF(max_lr)},
    {EO_SCHEDULE_ONECYCLE, "total", "total_steps", SK_LONG, SOFF(total_steps)},
    {EO_SCHEDULE_ONECYCLE, "pct_start", NULL, SK_DOUBLE, SOFF(pct_start)},
    {EO_SCHEDULE_ONECYCLE, "div_factor", NULL, SK_DOUBLE, SOFF(div_factor)},
    {EO_SCHEDULE_ONECYCLE, "final_div_factor", NULL, SK_DOUBLE, SOFF(final_div_factor)},
    {EO_SCHEDULE_PLATEAU, "factor", NULL, SK_DOUBLE, SOFF(factor)},
    {EO_SCHEDULE_PLATEAU, "patience", NULL, SK_LONG, SOFF(patience)},
    {EO_SCHEDULE_PLATEAU, "threshold", NULL, SK_DOUBLE, SOFF(threshold)},
    {EO_SCHEDULE_PLATEAU, "cooldown", NULL, SK_LONG, SOFF(cooldown)},
    {EO_SCHEDULE_PLATEAU, "min_lr", NULL, SK_DOUBLE, SOFF(min_lr)},
    {EO_SCHEDULE_PLATEAU, "eps", NULL, SK_DOUBLE, SOFF(plateau_eps)},
};
#define NSKEYS ((int)(sizeof skeys / sizeof skeys[0]))

static const skey *find_skey(int kind, const eo__spec_item *it)
{
    for (int i = 0; i < NSKEYS; i++)
        if (skeys[i].kind == kind &&
            (eo__ospec_key_is(it, skeys[i].name) || (skeys[i].alias && eo__ospec_key_is(it, skeys[i].alias))))
            return &skeys[i];
    return NULL;
}

static int parse_milestones(const char *spec, const eo__spec_item *it, eo_schedule *s, eo_error *err)
{
    if (!it->val)
        return eo_error_at(err, EO_ERR_PARSE, spec, 1, it->key_col, -1, "milestones needs a value");
    const char *p = it->val, *end = it->val + it->val_len;
    s->n_milestones = 0;
    while (p <= end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        eo__spec_item one = *it;
        one.val = p;
        one.val_len = (size_t)(stop - p);
        one.val_col = it->val_col + (long)(p - it->val);
        if (s->n_milestones == EO_SCHEDULE_MAX_MILESTONES)
            return eo_error_at(err, EO_ERR_INVALID, spec, 1, one.val_col, -1,
                               "milestones: at most %d", EO_SCHEDULE_MAX_MILESTONES);
        long v;
        int rc = eo__ospec_long(spec, &one, 1, LONG_MAX / 2, &v, err);
        if (rc) return rc;
        if (s->n_milestones && v <= s->milestones[s->n_milestones - 1])
            return eo_error_at(err, EO_ERR_INVALID, spec, 1, one.val_col, -1,
                               "milestones must be strictly increasing");
        s->milestones[s->n_milestones++] = v;
        if (!semi) break;
        p = semi + 1;
    }
    return EO_OK;
}

/* Parse one "NAME[:items]" in [begin, end) into s. kind_out gets the kind
 * (or WARMUP); col_of[i] the column where skeys[i] was given. */
static int parse_part(const char *spec, const char *begin, const char *end, eo_schedule *s,
                      int *kind_out, long *col_of, eo_error *err)
{
    char name[32];
    const char *rest;
    int rc = eo__ospec_name(spec, begin, end, name, sizeof name, &rest, err);
    if (rc) return rc;
    int kind = !strcmp(name, "warmup") ? WARMUP : eo_schedule_kind_from_name(name);
    long name_col = (long)(begin - spec) + 1;
    if (kind == -1 && strcmp(name, "warmup"))
        return eo_error_at(err, EO_ERR_NOT_FOUND, spec, 1, name_col, -1,
                           "unknown schedule '%s' (constant, step, multistep, exp, cosine, "
                           "cosine-restarts, onecycle, plateau, warmup)",
                           name);
    if (kind != WARMUP) {
        /* Keep the warm-up fields parsed by an earlier part. */
        long ws = s->warmup_steps;
        double wf = s->warmup_start_factor;
        *s = eo_schedule_defaults((eo_schedule_kind)kind);
        s->warmup_steps = ws;
        s->warmup_start_factor = wf;
    }
    *kind_out = kind;
    unsigned seen = 0;
    eo__spec_item it;
    while ((rc = eo__ospec_next(spec, &rest, end, &it, err)) > 0) {
        const skey *k = find_skey(kind, &it);
        if (!k)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.key_col, -1,
                               "%s has no parameter '%.*s'", name, (int)it.key_len, it.key);
        unsigned bit = 1u << (k - skeys);
        if (seen & bit)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, it.key_col, -1, "'%s' given twice",
                               k->name);
        seen |= bit;
        col_of[k - skeys] = it.key_col;
        unsigned char *base = (unsigned char *)s;
        if (k->type == SK_MILESTONES) {
            rc = parse_milestones(spec, &it, s, err);
        } else if (k->type == SK_LONG) {
            long v = 0;
            rc = eo__ospec_long(spec, &it, 0, LONG_MAX / 2, &v, err);
            if (!rc) memcpy(base + k->off, &v, sizeof v);
        } else {
            double v = 0;
            rc = eo__ospec_double(spec, &it, &v, err);
            if (!rc) memcpy(base + k->off, &v, sizeof v);
        }
        if (rc) return rc;
    }
    if (rc < 0) return rc;
    if (kind == WARMUP && s->warmup_steps < 1)
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, name_col, -1, "warmup needs steps >= 1");
    return EO_OK;
}

int eo_schedule_parse(const char *spec, eo_schedule *out, eo_error *err)
{
    if (!spec || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_schedule_parse: NULL argument");
    const char *end = spec + strlen(spec);
    /* A '+' followed by a letter chains two parts ("1e+4" stays a number). */
    const char *plus = NULL;
    for (const char *c = spec; c < end; c++)
        if (*c == '+' && isalpha((unsigned char)c[1])) {
            plus = c;
            break;
        }
    eo_schedule s = eo_schedule_defaults(EO_SCHEDULE_CONSTANT);
    int kind1, kind2, rc;
    long col_of[NSKEYS];
    for (int i = 0; i < NSKEYS; i++) col_of[i] = 0;
    if ((rc = parse_part(spec, spec, plus ? plus : end, &s, &kind1, col_of, err))) return rc;
    if (plus) {
        if (kind1 != WARMUP)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(plus - spec) + 1, -1,
                               "only a warm-up can come before '+' (warmup:steps=N+SCHEDULE)");
        if ((rc = parse_part(spec, plus + 1, end, &s, &kind2, col_of, err))) return rc;
        if (kind2 == WARMUP)
            return eo_error_at(err, EO_ERR_PARSE, spec, 1, (long)(plus - spec) + 2, -1,
                               "a second warm-up after '+'");
    }
    const char *why = eo_schedule_check(&s);
    if (why) {
        /* Every reason starts with the name of the key at fault: point at it
         * when it was given, else at the schedule's name. */
        long col = plus ? (long)(plus - spec) + 2 : 1;
        for (int i = 0; i < NSKEYS; i++) {
            size_t l = strlen(skeys[i].name);
            if (col_of[i] && !strncmp(why, skeys[i].name, l) && why[l] == ' ') col = col_of[i];
        }
        return eo_error_at(err, EO_ERR_INVALID, spec, 1, col, -1, "%s: %s",
                           eo_schedule_kind_name(s.kind), why);
    }
    *out = s;
    return EO_OK;
}

int eo_schedule_format(const eo_schedule *s, char *buf, size_t n)
{
    if (!s) return -1;
    char tmp[1024];
    int len = 0;
    if (s->warmup_steps > 0) {
        len = snprintf(tmp, sizeof tmp, "warmup:steps=%ld,start_factor=%.17g", s->warmup_steps,
                       s->warmup_start_factor);
        if (s->kind != EO_SCHEDULE_CONSTANT) len += snprintf(tmp + len, sizeof tmp - (size_t)len, "+");
    }
    if (s->warmup_steps <= 0 || s->kind != EO_SCHEDULE_CONSTANT) {
        len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%s", eo_schedule_kind_name(s->kind));
        char sep = ':';
        const unsigned char *base = (const unsigned char *)s;
        for (int i = 0; i < NSKEYS && len < (int)sizeof tmp - 64; i++) {
            const skey *k = &skeys[i];
            if (k->kind != (int)s->kind) continue;
            len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%c%s=", sep, k->name);
            sep = ',';
            if (k->type == SK_MILESTONES) {
                for (int j = 0; j < s->n_milestones && len < (int)sizeof tmp - 32; j++)
                    len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%s%ld", j ? ";" : "",
                                    s->milestones[j]);
            } else if (k->type == SK_LONG) {
                long v;
                memcpy(&v, base + k->off, sizeof v);
                len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%ld", v);
            } else {
                double v;
                memcpy(&v, base + k->off, sizeof v);
                len += snprintf(tmp + len, sizeof tmp - (size_t)len, "%.17g", v);
            }
        }
    }
    if (buf && n) {
        size_t c = (size_t)len < n ? (size_t)len : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return len;
}
