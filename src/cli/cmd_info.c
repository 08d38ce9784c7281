/* edgeopt info MODEL: what a model file holds (any .eom: float, int8,
 * checkpoint). Reads the container directly so that files written by other
 * modules (compressed models) are described too. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/modelfile.h"

#define CMD "info"

static const char *help =
    "usage: edgeopt info MODEL.eom [--json]\n"
    "\n"
    "Describe a model file: format version, layers with their input/output shapes\n"
    "and parameter counts, total parameters, file size, weight sparsity (share of\n"
    "exact zeros in the weight tensors), tensor data types, feature scaling and\n"
    "training metadata. Refuses damaged files, newer format versions and unknown\n"
    "layer kinds with a one-line reason.\n"
    "\n"
    "  --json   one JSON object {file, bytes, format_version, params, layers[],\n"
    "           weight_sparsity, dtypes[], tensors[], scaler, metadata{}}\n";

/* Zeros in a tensor of any dtype. */
static uint64_t count_zeros(const eo_mf_tensor *t)
{
    uint64_t z = 0;
    const unsigned char *d = t->data;
    switch (t->dtype) {
    case EO_MF_F32:
        for (uint64_t i = 0; i < t->numel; i++) z += (d[4 * i] | d[4 * i + 1] | d[4 * i + 2] | (d[4 * i + 3] & 0x7f)) == 0;
        break;
    case EO_MF_F64:
        for (uint64_t i = 0; i < t->numel; i++) {
            int nz = d[8 * i + 7] & 0x7f;
            for (int b = 0; b < 7; b++) nz |= d[8 * i + b];
            z += nz == 0;
        }
        break;
    case EO_MF_I32:
        for (uint64_t i = 0; i < t->numel; i++) z += (d[4 * i] | d[4 * i + 1] | d[4 * i + 2] | d[4 * i + 3]) == 0;
        break;
    case EO_MF_I8:
    case EO_MF_U8:
        for (uint64_t i = 0; i < t->numel; i++) z += d[i] == 0;
        break;
    case EO_MF_U4:
        for (uint64_t i = 0; i < t->numel; i++) z += ((d[i / 2] >> (4 * (i & 1))) & 15) == 0;
        break;
    default: break;
    }
    return z;
}

static int is_weight(const char *name)
{
    size_t n = strlen(name);
    return !strncmp(name, "layer.", 6) && n > 7 && !strcmp(name + n - 7, ".weight");
}

static cJSON *meta_json(const eo_mf_meta *m)
{
    switch (m->type) {
    case EO_MF_INT: return cJSON_CreateNumber((double)m->i);
    case EO_MF_FLOAT: return isfinite(m->f) ? cJSON_CreateNumber(m->f) : cJSON_CreateNull();
    case EO_MF_STR: return cJSON_CreateString(m->s);
    case EO_MF_INTS: {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < m->n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)m->ints[i]));
        return a;
    }
    case EO_MF_FLOATS: {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; i < m->n; i++)
            cJSON_AddItemToArray(a, isfinite(m->floats[i]) ? cJSON_CreateNumber(m->floats[i]) : cJSON_CreateNull());
        return a;
    }
    }
    return cJSON_CreateNull();
}

static void meta_text(const eo_mf_meta *m)
{
    switch (m->type) {
    case EO_MF_INT: printf("%lld", (long long)m->i); break;
    case EO_MF_FLOAT: printf("%.9g", m->f); break;
    case EO_MF_STR: printf("%s", m->s); break;
    case EO_MF_INTS:
    case EO_MF_FLOATS:
        printf("[");
        for (size_t i = 0; i < m->n && i < 8; i++) {
            if (m->type == EO_MF_INTS) printf("%s%lld", i ? ", " : "", (long long)m->ints[i]);
            else printf("%s%.9g", i ? ", " : "", m->floats[i]);
        }
        printf("%s]", m->n > 8 ? ", ..." : "");
        break;
    }
}

static void shape_str(const int64_t s[3], char *b, size_t n)
{
    snprintf(b, n, "%lldx%lldx%lld", (long long)s[0], (long long)s[1], (long long)s[2]);
}

int eo_cmd_info(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (eo_cli_flag(argv, i, "--json")) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) return eo_cli_usage(CMD, "unknown option '%s'", argv[i]);
        else if (!path) path = argv[i];
        else return eo_cli_usage(CMD, "unexpected argument '%s'", argv[i]);
    }
    if (!path) return eo_cli_usage(CMD, "a model file is required");
    eo_error e;
    eo_error_clear(&e);
    eo_mf_reader *r;
    if (eo_mf_reader_open(path, 0, &r, &e)) return eo_cli_fail_err(CMD, &e);
    eo_model *m = NULL;
    int has_params = 0;
    if (eo_mf_get_model(r, NULL, &m, &has_params, &e)) {
        eo_mf_reader_destroy(r);
        return eo_cli_fail_err(CMD, &e);
    }
    uint64_t wz = 0, wn = 0;
    for (size_t i = 0; i < eo_mf_tensor_count(r); i++) {
        const eo_mf_tensor *t = eo_mf_tensor_at(r, i);
        if (!is_weight(t->name)) continue;
        wz += count_zeros(t);
        wn += t->numel;
    }
    double sparsity = wn ? (double)wz / (double)wn : NAN;
    int dt_seen[EO_MF_DTYPE_COUNT] = {0};
    for (size_t i = 0; i < eo_mf_tensor_count(r); i++) dt_seen[eo_mf_tensor_at(r, i)->dtype] = 1;
    const char *scaler = "none";
    eo_mf_get_str(r, "scaler.kind", &scaler, NULL);
    int nl = eo_model_nlayers(m);
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "file", path);
        cJSON_AddNumberToObject(j, "bytes", (double)eo_mf_reader_size(r));
        cJSON_AddNumberToObject(j, "format_version", eo_mf_reader_version(r));
        cJSON_AddNumberToObject(j, "params", (double)eo_model_nparams(m));
        cJSON_AddBoolToObject(j, "float_params", has_params);
        cJSON *ls = cJSON_AddArrayToObject(j, "layers");
        for (int i = 0; i < nl; i++) {
            eo_layer_desc d;
            int64_t in[3], out[3];
            size_t po, pc;
            eo_model_layer(m, i, &d, in, out, &po, &pc);
            cJSON *l = cJSON_CreateObject();
            cJSON_AddNumberToObject(l, "index", i);
            cJSON_AddStringToObject(l, "kind", eo_layer_kind_name(d.kind));
            cJSON *a = cJSON_AddArrayToObject(l, "input");
            for (int k = 0; k < 3; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)in[k]));
            a = cJSON_AddArrayToObject(l, "output");
            for (int k = 0; k < 3; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)out[k]));
            cJSON_AddNumberToObject(l, "params", (double)pc);
            cJSON_AddItemToArray(ls, l);
        }
        eo_cli_json_num(j, "weight_sparsity", sparsity);
        cJSON *dts = cJSON_AddArrayToObject(j, "dtypes");
        for (int k = 0; k < EO_MF_DTYPE_COUNT; k++)
            if (dt_seen[k]) cJSON_AddItemToArray(dts, cJSON_CreateString(eo_mf_dtype_name(k)));
        cJSON *ts = cJSON_AddArrayToObject(j, "tensors");
        for (size_t i = 0; i < eo_mf_tensor_count(r); i++) {
            const eo_mf_tensor *t = eo_mf_tensor_at(r, i);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", t->name);
            cJSON_AddStringToObject(o, "dtype", eo_mf_dtype_name(t->dtype));
            cJSON *sh = cJSON_AddArrayToObject(o, "shape");
            for (int k = 0; k < t->ndim; k++) cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t->dims[k]));
            cJSON_AddNumberToObject(o, "bytes", (double)t->nbytes);
            cJSON_AddItemToArray(ts, o);
        }
        cJSON_AddStringToObject(j, "scaler", scaler);
        cJSON *md = cJSON_AddObjectToObject(j, "metadata");
        for (size_t i = 0; i < eo_mf_meta_count(r); i++) {
            const eo_mf_meta *mm = eo_mf_meta_at(r, i);
            if (!strncmp(mm->key, "layer.", 6) || !strncmp(mm->key, "ckpt.", 5)) continue;
            cJSON_AddItemToObject(md, mm->key, meta_json(mm));
        }
        eo_cli_print_json(j);
    } else {
        printf("%s: edgeopt model, format version %u, %zu bytes\n", path, eo_mf_reader_version(r), eo_mf_reader_size(r));
        printf("%-4s %-11s %-14s %-14s %10s\n", "#", "layer", "input", "output", "params");
        for (int i = 0; i < nl; i++) {
            eo_layer_desc d;
            int64_t in[3], out[3];
            size_t po, pc;
            char a[48], b[48];
            eo_model_layer(m, i, &d, in, out, &po, &pc);
            shape_str(in, a, sizeof a);
            shape_str(out, b, sizeof b);
            printf("%-4d %-11s %-14s %-14s %10zu\n", i, eo_layer_kind_name(d.kind), a, b, pc);
        }
        printf("parameters: %zu%s\n", eo_model_nparams(m), has_params ? "" : " (no float copy in this file)");
        if (isfinite(sparsity)) printf("weight sparsity: %.2f%% exact zeros\n", 100.0 * sparsity);
        printf("data types:");
        for (int k = 0; k < EO_MF_DTYPE_COUNT; k++)
            if (dt_seen[k]) printf(" %s", eo_mf_dtype_name(k));
        printf("\nscaler: %s\n", scaler);
        for (size_t i = 0; i < eo_mf_meta_count(r); i++) {
            const eo_mf_meta *mm = eo_mf_meta_at(r, i);
            if (!strncmp(mm->key, "layer.", 6) || !strncmp(mm->key, "ckpt.", 5)) continue;
            printf("%s: ", mm->key);
            meta_text(mm);
            printf("\n");
        }
    }
    eo_model_destroy(m);
    eo_mf_reader_destroy(r);
    return EO_EXIT_OK;
}
