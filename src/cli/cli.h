/* Shared helpers for the command-line tool. Each command is one file
 * (cmd_<name>.c) exporting `int eo_cmd_<name>(int argc, char **argv)`, where
 * argv[0] is the command name. Commands return the process exit code:
 * 0 success, 1 failure (one line on stderr), 2 usage error. */
#ifndef EO_CLI_H
#define EO_CLI_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "edgeopt/core.h"

#define EO_EXIT_OK 0
#define EO_EXIT_FAIL 1
#define EO_EXIT_USAGE 2

#define EO_COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "cli/commands.def"
#undef EO_COMMAND

/* Print "edgeopt CMD: message" on stderr (one line) and return EO_EXIT_FAIL. */
int eo_cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Same for a usage error; returns EO_EXIT_USAGE and hints at --help. */
int eo_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Print an eo_error as one line; returns EO_EXIT_FAIL. */
int eo_cli_fail_err(const char *cmd, const eo_error *e);

/* 1 if argv[*i] is "--name" followed by a value (advances *i) or
 * "--name=value"; the value is stored in *value. When the flag is present but
 * its value is missing, prints a usage error and sets *value to NULL while
 * still returning 1: callers check `if (!v) return EO_EXIT_USAGE;`. */
int eo_cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
/* 1 if argv[i] is exactly the flag. */
int eo_cli_flag(char **argv, int i, const char *name);
/* 1 if argv has -h or --help. */
int eo_cli_wants_help(int argc, char **argv);

/* Table-driven options: each command lists its options once, and one loop
 * parses them with the same rules (value as "--name V" or "--name=V", strict
 * numbers in a range, one usage line on error). */
typedef enum eo_cli_kind {
    EO_CLI_STR,    /* const char **dst */
    EO_CLI_LONG,   /* long *dst, in [lo, hi] */
    EO_CLI_DOUBLE, /* double *dst, in [lo, hi] */
    EO_CLI_FLAG    /* int *dst = (int)lo, no value */
} eo_cli_kind;

typedef struct eo_cli_optdef {
    const char *name;  /* "--samples" */
    const char *alias; /* "-o", or NULL */
    eo_cli_kind kind;
    void *dst;
    double lo, hi;
} eo_cli_optdef;

/* Terminated by an entry with name NULL. */
#define EO_CLI_END {NULL, NULL, EO_CLI_STR, NULL, 0, 0}

/* If argv[*i] is one of defs (advancing *i past its value): store it, set *st
 * to 0 or to the usage exit code, and return 1. Otherwise return 0. */
int eo_cli_take(const char *cmd, const eo_cli_optdef *defs, int argc, char **argv, int *i, int *st);
/* argv[i] is not an option of the table: an unknown option is a usage error;
 * a positional argument fills the next empty slot of pos[0..npos-1], or is
 * "unexpected". Returns 0 or EO_EXIT_USAGE. */
int eo_cli_positional(const char *cmd, const char *arg, const char **pos, int npos);
/* The whole loop for a command without special options. */
int eo_cli_parse(const char *cmd, const eo_cli_optdef *defs, int argc, char **argv, const char **pos, int npos);

/* Strict numbers: the whole string must be a finite number in range
 * (rejects "", "1e999", "nan", "inf", "12abc"). Return 0 on success, or print
 * "edgeopt CMD: OPTION: expected ..." and return EO_EXIT_USAGE. */
int eo_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
int eo_cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* Comma-separated list of doubles (e.g. "--start -1.5,2"); *n gets the count. */
int eo_cli_double_list(const char *cmd, const char *opt, const char *s, double *out, size_t cap, size_t *n);

/* Print a JSON object as one line on stdout and free it. */
void eo_cli_print_json(cJSON *obj);
/* Add a double; non-finite values become null (JSON has no NaN). */
cJSON *eo_cli_json_num(cJSON *obj, const char *key, double v);

/* Monotonic seconds, for the "seconds" fields. */
double eo_cli_now(void);

#endif
