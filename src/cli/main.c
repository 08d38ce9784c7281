/* edgeopt: the command-line tool. A thin dispatcher over one file per command. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/kernels.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
#define EO_COMMAND(name, fn, summary) {name, fn, summary},
#include "cli/commands.def"
#undef EO_COMMAND
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f,
            "edgeopt %s: optimization for machine learning, from gradient descent\n"
            "to int8 models on microcontrollers.\n\n"
            "usage: edgeopt <command> [options]\n"
            "       edgeopt help [command]      this text, or a command's help\n"
            "       edgeopt --version\n\n"
            "commands:\n",
            eo_version());
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --help. Commands that produce results take --json\n"
               "and then print exactly one JSON object on stdout. Errors are one line on\n"
               "stderr with a non-zero exit status.\n");
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    /* Past a file-size limit (ulimit -f) write() must fail with EFBIG, which
     * the atomic writer reports as one line with the old file kept, instead
     * of SIGXFSZ killing the process mid-run. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EO_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) return eo_cmd_version(argc - 1, argv + 1);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc >= 3) {
            const command *c = find(argv[2]);
            if (!c) return eo_cli_usage(NULL, "unknown command '%s'", argv[2]);
            char *hargv[] = {(char *)c->name, (char *)"--help", NULL};
            return c->fn(2, hargv);
        }
        usage(stdout);
        return EO_EXIT_OK;
    }
    const command *c = find(cmd);
    if (!c) return eo_cli_usage(NULL, "unknown command '%s'", cmd);
    return c->fn(argc - 1, argv + 1);
}
