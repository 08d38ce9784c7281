/* edgeopt version / --version */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/kernels.h"

static const char *help =
    "usage: edgeopt --version [--json]\n"
    "       edgeopt version [--json]\n\n"
    "Print the edgeopt version and the SGEMM path chosen for this CPU.\n\n"
    "  --json   print {\"version\":..,\"sgemm\":..} instead of text\n";

int eo_cmd_version(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return EO_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            return eo_cli_usage("version", "unknown option '%s'", argv[i]);
        }
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "version", eo_version());
        cJSON_AddStringToObject(o, "sgemm", eo_sgemm_path());
        eo_cli_print_json(o);
    } else {
        printf("edgeopt %s (sgemm: %s)\n", eo_version(), eo_sgemm_path());
    }
    return EO_EXIT_OK;
}
