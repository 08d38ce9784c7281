/* edgeopt export MODEL --target c --name NAME -o DIR: a model file as
 * standalone C (float or int8), with its flash and RAM figures. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "edgeopt/data.h"
#include "edgeopt/deploy.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/qmodel.h"

#define CMD "export"

static const char *help =
    "usage: edgeopt export MODEL.eom --target c -o DIR [--name NAME] [--cpu CPU] [--json]\n"
    "\n"
    "Write DIR/NAME.h and DIR/NAME.c: the model as plain C99 with no library, no\n"
    "allocation, weights in const arrays (flash) and one static activation arena\n"
    "whose size is planned at export (buffers whose lifetimes do not meet share\n"
    "memory). A float model gives\n"
    "    int NAME_predict(const float *input, float *output);\n"
    "an int8 model (edgeopt quantize) gives\n"
    "    int NAME_predict_int8(const int8_t *input, int8_t *output);\n"
    "with NAME_INPUT_SCALE / NAME_INPUT_ZERO_POINT and the output's, plus the float\n"
    "NAME_predict wrapper (left out with -DEO_QREF_NO_FLOAT). The int8 kernels are\n"
    "the library's own reference code, so the export computes the library's bits.\n"
    "docs/export.md describes the generated API.\n"
    "\n"
    "Prints flash_bytes = weights (exact) + code (estimate) and ram_bytes = arena\n"
    "(exact) + stack (estimate), with the per-layer breakdown. The estimates are for\n"
    "CPU, measured with arm-none-eabi-gcc -O2.\n"
    "\n"
    "  --target c      the only target (required)\n"
    "  -o, --output DIR  directory for the two files (must exist)\n"
    "  --name NAME     C identifier prefixing the API (default: model)\n"
    "  --cpu CPU       cortex-m4 | cortex-m3 | cortex-m0plus, for the estimates\n"
    "                  (default cortex-m4)\n"
    "  --json          one JSON object {name, quantized, files[], flash_bytes,\n"
    "                  ram_bytes, weight_bytes, code_bytes, arena_bytes, stack_bytes,\n"
    "                  wrapper_ram_bytes, wrapper_code_bytes, peak_live_bytes,\n"
    "                  naive_arena_bytes, ops[]}\n"
    "\n"
    "Host latency of the generated code (float vs int8): bench/export_bench.sh.\n";

/* 1 if the model file is an int8 model ("model.quantized" != 0). */
static int is_quantized(const char *path, int *q, eo_error *e)
{
    eo_mf_reader *r = NULL;
    int rc = eo_mf_reader_open(path, 0, &r, e);
    if (rc) return rc;
    const eo_mf_meta *m = eo_mf_meta_find(r, "model.quantized");
    *q = m && m->type == EO_MF_INT && m->i != 0;
    eo_mf_reader_destroy(r);
    return EO_OK;
}

static cJSON *shape_json(const int64_t s[3])
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < 3; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)s[k]));
    return a;
}

static void print_text(const eo_export_result *r, const char *dir, const char *name, const char *cpu)
{
    printf("exported %s (%s, %d ops) to %s/%s.h and %s/%s.c\n", name, r->quantized ? "int8" : "float", r->nops, dir,
           name, dir, name);
    printf("flash %zu bytes = weights %zu + code %zu (estimate for %s)\n", r->flash_bytes, r->weight_bytes,
           r->code_bytes, cpu);
    printf("ram   %zu bytes = arena %zu + stack %zu (estimate)", r->ram_bytes, r->arena_bytes, r->stack_bytes);
    if (r->quantized)
        printf("\n      the float entry point: %zu of the code, and %zu more RAM", r->wrapper_code_bytes,
               r->wrapper_ram_bytes);
    printf("\narena: %zu bytes planned, %zu without reuse, %zu live at most\n", r->arena_bytes, r->naive_arena_bytes,
           r->peak_live_bytes);
    printf("%-52s %12s %10s %8s\n", "op", "weights", "output", "offset");
    for (int i = 0; i < r->nops; i++) {
        const eo_export_op *o = &r->ops[i];
        char off[24];
        if (o->arena_offset >= 0) snprintf(off, sizeof off, "%ld", o->arena_offset);
        else snprintf(off, sizeof off, "-");
        printf("%-52s %12zu %10zu %8s\n", o->label, o->weight_bytes, o->out_bytes, off);
    }
}

int eo_cmd_export(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *model_path = NULL, *dir = NULL, *target = NULL, *name = NULL, *cpu = NULL;
    eo_export_params p = eo_export_defaults();
    int json = 0;
    const eo_cli_optdef opts[] = {{"--target", NULL, EO_CLI_STR, &target, 0, 0},
                                  {"--output", "-o", EO_CLI_STR, &dir, 0, 0},
                                  {"--name", NULL, EO_CLI_STR, &name, 0, 0},
                                  {"--cpu", NULL, EO_CLI_STR, &cpu, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int perr = eo_cli_parse(CMD, opts, argc, argv, &model_path, 1);
    if (perr) return perr;
    if (name) {
        if (strlen(name) > EO_EXPORT_MAX_NAME)
            return eo_cli_usage(CMD, "--name: at most %d characters", EO_EXPORT_MAX_NAME);
        snprintf(p.name, sizeof p.name, "%s", name);
    }
    if (cpu) {
        int c = eo_deploy_cpu_from_name(cpu);
        if (c < 0) return eo_cli_usage(CMD, "--cpu: unknown CPU '%s' (cortex-m4, cortex-m3, cortex-m0plus)", cpu);
        p.cpu = (eo_deploy_cpu)c;
    }
    if (!model_path) return eo_cli_usage(CMD, "a model file is required");
    if (!target) return eo_cli_usage(CMD, "--target is required (the only target is c)");
    if (strcmp(target, "c") != 0) return eo_cli_usage(CMD, "--target: unknown target '%s' (the only target is c)", target);
    if (!dir) return eo_cli_usage(CMD, "-o DIR is required");
    const char *why = eo_export_params_check(&p);
    if (why) return eo_cli_usage(CMD, "--name '%s': %s", p.name, why);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return eo_cli_fail(CMD, "%s: not an existing directory", dir);

    eo_error e;
    eo_error_clear(&e);
    /* The source model's checksum for the generated header. */
    unsigned char *file = NULL;
    size_t flen = 0;
    if (eo_io_read_file(model_path, EO_MF_MAX_FILE, &file, &flen, &e)) return eo_cli_fail_err(CMD, &e);
    p.source_crc32 = eo_io_crc32(0, file, flen);
    p.has_source_crc = 1;
    free(file);
    const char *base = strrchr(model_path, '/');
    p.source_name = base ? base + 1 : model_path;

    int quant = 0;
    if (is_quantized(model_path, &quant, &e)) return eo_cli_fail_err(CMD, &e);
    eo_scaler sc;
    memset(&sc, 0, sizeof sc);
    eo_model *m = NULL;
    eo_qmodel *q = NULL;
    eo_export_result r;
    memset(&r, 0, sizeof r);
    int rc = EO_EXIT_OK, st2;
    if (quant) st2 = eo_qmodel_load(model_path, &q, &sc, NULL, &e);
    else st2 = eo_model_load(model_path, &m, &sc, NULL, &e);
    if (st2) return eo_cli_fail_err(CMD, &e);
    size_t in_numel = quant ? (size_t)eo_qmodel_in_numel(q) : (size_t)eo_model_in_numel(m);
    if (sc.kind != EO_SCALE_NONE && sc.offset && sc.scale && sc.cols == in_numel) {
        p.scaler_offset = sc.offset;
        p.scaler_scale = sc.scale;
    }
    st2 = quant ? eo_export_c_int8(q, &p, &r, &e) : eo_export_c_float(m, &p, &r, &e);
    if (st2 == EO_OK) st2 = eo_export_write(&r, dir, p.name, &e);
    if (st2) {
        rc = eo_cli_fail_err(CMD, &e);
        goto done;
    }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        char path[4096];
        cJSON_AddStringToObject(j, "name", p.name);
        cJSON_AddStringToObject(j, "target", "c");
        cJSON_AddStringToObject(j, "cpu", eo_deploy_cpu_name(p.cpu));
        cJSON_AddBoolToObject(j, "quantized", r.quantized);
        cJSON *files = cJSON_AddArrayToObject(j, "files");
        snprintf(path, sizeof path, "%s/%s.h", dir, p.name);
        cJSON_AddItemToArray(files, cJSON_CreateString(path));
        snprintf(path, sizeof path, "%s/%s.c", dir, p.name);
        cJSON_AddItemToArray(files, cJSON_CreateString(path));
        cJSON_AddNumberToObject(j, "in_numel", (double)r.in_numel);
        cJSON_AddNumberToObject(j, "out_numel", (double)r.out_numel);
        cJSON_AddNumberToObject(j, "flash_bytes", (double)r.flash_bytes);
        cJSON_AddNumberToObject(j, "ram_bytes", (double)r.ram_bytes);
        cJSON_AddNumberToObject(j, "weight_bytes", (double)r.weight_bytes);
        cJSON_AddNumberToObject(j, "code_bytes", (double)r.code_bytes);
        cJSON_AddNumberToObject(j, "arena_bytes", (double)r.arena_bytes);
        cJSON_AddNumberToObject(j, "stack_bytes", (double)r.stack_bytes);
        cJSON_AddNumberToObject(j, "wrapper_ram_bytes", (double)r.wrapper_ram_bytes);
        cJSON_AddNumberToObject(j, "wrapper_code_bytes", (double)r.wrapper_code_bytes);
        cJSON_AddNumberToObject(j, "peak_live_bytes", (double)r.peak_live_bytes);
        cJSON_AddNumberToObject(j, "naive_arena_bytes", (double)r.naive_arena_bytes);
        cJSON_AddBoolToObject(j, "scale_input", p.scaler_offset != NULL);
        cJSON *ops = cJSON_AddArrayToObject(j, "ops");
        for (int i = 0; i < r.nops; i++) {
            const eo_export_op *o = &r.ops[i];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "label", o->label);
            cJSON_AddStringToObject(x, "kind", o->kind);
            cJSON_AddItemToObject(x, "out_shape", shape_json(o->out_shape));
            cJSON_AddNumberToObject(x, "weight_bytes", (double)o->weight_bytes);
            cJSON_AddNumberToObject(x, "out_bytes", (double)o->out_bytes);
            cJSON_AddNumberToObject(x, "arena_offset", (double)o->arena_offset);
            cJSON_AddItemToArray(ops, x);
        }
        eo_cli_print_json(j);
    } else {
        print_text(&r, dir, p.name, eo_deploy_cpu_name(p.cpu));
    }
done:
    eo_export_result_free(&r);
    eo_scaler_free(&sc);
    eo_model_destroy(m);
    eo_qmodel_destroy(q);
    return rc;
}
