/* Argument parsing, errors and JSON output shared by the commands. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void vline(const char *cmd, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* One line, whatever the message held. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (cmd && *cmd)
        fprintf(stderr, "edgeopt %s: %s\n", cmd, msg);
    else
        fprintf(stderr, "edgeopt: %s\n", msg);
}

int eo_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(cmd, fmt, ap);
    va_end(ap);
    return EO_EXIT_FAIL;
}

int eo_cli_usage(const char *cmd, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd && *cmd)
        fprintf(stderr, "edgeopt %s: %s (see 'edgeopt %s --help')\n", cmd, msg, cmd);
    else
        fprintf(stderr, "edgeopt: %s (see 'edgeopt help')\n", msg);
    return EO_EXIT_USAGE;
}

int eo_cli_fail_err(const char *cmd, const eo_error *e)
{
    char buf[1024];
    eo_error_format(e, buf, sizeof buf);
    return eo_cli_fail(cmd, "%s", buf);
}

int eo_cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        eo_cli_usage(argv[0], "%s needs a value", name);
        *value = NULL;
        return 1;
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

int eo_cli_flag(char **argv, int i, const char *name) { return strcmp(argv[i], name) == 0; }

int eo_cli_take(const char *cmd, const eo_cli_optdef *defs, int argc, char **argv, int *i, int *st)
{
    for (const eo_cli_optdef *d = defs; d->name; d++) {
        if (d->kind == EO_CLI_FLAG) {
            if (strcmp(argv[*i], d->name) && (!d->alias || strcmp(argv[*i], d->alias))) continue;
            *(int *)d->dst = (int)d->lo;
            *st = 0;
            return 1;
        }
        const char *v = NULL, *name = d->name;
        if (!eo_cli_opt(argc, argv, i, name, &v)) {
            if (!d->alias || !eo_cli_opt(argc, argv, i, d->alias, &v)) continue;
            name = d->alias;
        }
        if (!v) { /* eo_cli_opt printed "needs a value" */
            *st = EO_EXIT_USAGE;
            return 1;
        }
        switch (d->kind) {
        case EO_CLI_STR: *(const char **)d->dst = v; *st = 0; break;
        case EO_CLI_LONG: *st = eo_cli_long(cmd, name, v, (long)d->lo, (long)d->hi, d->dst); break;
        default: *st = eo_cli_double(cmd, name, v, d->lo, d->hi, d->dst); break;
        }
        return 1;
    }
    return 0;
}

int eo_cli_positional(const char *cmd, const char *arg, const char **pos, int npos)
{
    if (arg[0] == '-' && arg[1]) return eo_cli_usage(cmd, "unknown option '%s'", arg);
    for (int k = 0; k < npos; k++)
        if (!pos[k]) {
            pos[k] = arg;
            return 0;
        }
    return eo_cli_usage(cmd, "unexpected argument '%s'", arg);
}

int eo_cli_parse(const char *cmd, const eo_cli_optdef *defs, int argc, char **argv, const char **pos, int npos)
{
    for (int i = 1; i < argc; i++) {
        int st = 0;
        if (!eo_cli_take(cmd, defs, argc, argv, &i, &st)) st = eo_cli_positional(cmd, argv[i], pos, npos);
        if (st) return st;
    }
    return 0;
}

int eo_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int eo_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    double v = 0.0;
    int st = eo_parse_double(s, -HUGE_VAL, HUGE_VAL, &v);
    if (st) return eo_cli_usage(cmd, "%s: expected a finite number, got '%s'", opt, s ? s : "");
    if (v < lo || v > hi)
        return eo_cli_usage(cmd, "%s: %g is out of range [%g, %g]", opt, v, lo, hi);
    *out = v;
    return 0;
}

int eo_cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    long v = 0;
    int st = eo_parse_long(s, LONG_MIN, LONG_MAX, &v);
    if (st) return eo_cli_usage(cmd, "%s: expected an integer, got '%s'", opt, s ? s : "");
    if (v < lo || v > hi)
        return eo_cli_usage(cmd, "%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
    *out = v;
    return 0;
}

int eo_cli_double_list(const char *cmd, const char *opt, const char *s, double *out, size_t cap, size_t *n)
{
    eo_error e;
    if (eo_parse_double_list(s ? s : "", out, cap, n, &e)) return eo_cli_usage(cmd, "%s: %s", opt, e.msg);
    return 0;
}

void eo_cli_print_json(cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        cJSON_free(s);
    }
    fflush(stdout);
    cJSON_Delete(obj);
}

cJSON *eo_cli_json_num(cJSON *obj, const char *key, double v)
{
    if (!isfinite(v)) return cJSON_AddNullToObject(obj, key);
    return cJSON_AddNumberToObject(obj, key, v);
}

double eo_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
