/* edgeopt data info SPEC [--limit N] [--json] */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/data.h"

static const char *help =
    "usage: edgeopt data info SPEC [--limit N] [--features N] [--json]\n\n"
    "Load a dataset and print its size, classes and per-feature statistics.\n\n"
    "SPEC is one of:\n"
    "  fashion-mnist[:test]            Debian's dataset-fashion-mnist (60,000 train / 10,000 test\n"
    "                                  28x28 images, kept as bytes); $" EO_FASHION_MNIST_ENV " overrides\n"
    "                                  the directory " EO_FASHION_MNIST_DEFAULT_DIR "\n"
    "  idx:IMAGES[,LABELS]             IDX files (MNIST format), plain or .gz\n"
    "  csv:FILE[:label=COL]            numeric CSV; COL is a header name or 0-based index (default:\n"
    "                                  last column; 'none' = unlabelled); also target=COL\n"
    "                                  (regression), header=yes|no|auto, sep=comma|semicolon|tab|space\n"
    "  libsvm:FILE[:features=D]        libsvm/svmlight sparse text (stored densely)\n"
    "  npy:X.npy[,y.npy]               NumPy arrays (float32/float64/uint8/int64, C order)\n"
    "  synthetic:KIND[:n=1000,...]     KIND = blobs, moons, spirals, sparse-regression; options\n"
    "                                  n, d, classes, k (nonzeros), noise, seed\n"
    "Every spec also takes classes=K, regression (labels are real targets) and limit=N\n"
    "as options after a ':'.\n\n"
    "options:\n"
    "  --limit N      keep the first N rows (default: all)\n"
    "  --features N   feature rows to print in the text table (default 8; --json has all)\n"
    "  --json         print one JSON object: rows, features, classes, class_counts,\n"
    "                 feature_min/mean/std/max arrays, overall summary, load seconds\n";

static cJSON *float_array(const float *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}

static cJSON *double_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static void print_json(const char *spec, const eo_dataset *ds, const eo_data_summary *s, double secs)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "spec", spec);
    cJSON_AddStringToObject(o, "name", ds->name);
    cJSON_AddNumberToObject(o, "rows", (double)ds->rows);
    cJSON_AddNumberToObject(o, "features", (double)ds->cols);
    cJSON *shape = cJSON_CreateArray();
    for (int i = 0; i < 3; i++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)ds->shape[i]));
    cJSON_AddItemToObject(o, "shape", shape);
    cJSON_AddStringToObject(o, "dtype", eo_dtype_name(ds->dtype));
    if (ds->dtype == EO_DTYPE_U8) eo_cli_json_num(o, "u8_scale", ds->u8_scale);
    cJSON_AddNumberToObject(o, "bytes", (double)(ds->rows * ds->cols * eo_dtype_size(ds->dtype)));
    cJSON_AddStringToObject(o, "task", ds->y ? "classification" : ds->t ? "regression" : "none");
    cJSON_AddNumberToObject(o, "classes", ds->y ? ds->n_classes : 0);
    if (s->class_count) {
        cJSON *cc = cJSON_CreateArray();
        for (int c = 0; c < s->n_classes; c++) cJSON_AddItemToArray(cc, cJSON_CreateNumber((double)s->class_count[c]));
        cJSON_AddItemToObject(o, "class_counts", cc);
    }
    if (ds->class_values) {
        cJSON *cv = cJSON_CreateArray();
        for (int c = 0; c < ds->n_classes; c++) cJSON_AddItemToArray(cv, cJSON_CreateNumber(ds->class_values[c]));
        cJSON_AddItemToObject(o, "class_values", cv);
    }
    cJSON *all = cJSON_CreateObject();
    eo_cli_json_num(all, "min", s->all_min);
    eo_cli_json_num(all, "mean", s->all_mean);
    eo_cli_json_num(all, "max", s->all_max);
    cJSON_AddItemToObject(o, "summary", all);
    cJSON_AddItemToObject(o, "feature_min", float_array(s->min, s->cols));
    cJSON_AddItemToObject(o, "feature_mean", double_array(s->mean, s->cols));
    cJSON_AddItemToObject(o, "feature_std", double_array(s->std, s->cols));
    cJSON_AddItemToObject(o, "feature_max", float_array(s->max, s->cols));
    if (s->has_targets) {
        cJSON *t = cJSON_CreateObject();
        eo_cli_json_num(t, "min", s->t_min);
        eo_cli_json_num(t, "mean", s->t_mean);
        eo_cli_json_num(t, "std", s->t_std);
        eo_cli_json_num(t, "max", s->t_max);
        cJSON_AddItemToObject(o, "targets", t);
    }
    eo_cli_json_num(o, "seconds", secs);
    eo_cli_print_json(o);
}

static void print_text(const eo_dataset *ds, const eo_data_summary *s, size_t show, double secs)
{
    double mb = (double)(ds->rows * ds->cols * eo_dtype_size(ds->dtype)) / 1048576.0;
    printf("dataset   %s\n", ds->name);
    printf("rows      %zu\n", ds->rows);
    printf("features  %zu (per-row shape %lldx%lldx%lld), stored as %s", ds->cols, (long long)ds->shape[0],
           (long long)ds->shape[1], (long long)ds->shape[2], eo_dtype_name(ds->dtype));
    if (ds->dtype == EO_DTYPE_U8) printf(" x %.9g", (double)ds->u8_scale);
    printf(", %.1f MB\n", mb);
    if (ds->y) {
        printf("classes   %d\n", ds->n_classes);
        for (int c = 0; c < s->n_classes; c++) {
            printf("  class %-4d", c);
            if (ds->class_values) printf(" (label %d)", (int)ds->class_values[c]);
            printf(" %8zu  %5.1f%%\n", s->class_count[c], 100.0 * (double)s->class_count[c] / (double)ds->rows);
        }
    } else if (s->has_targets) {
        printf("targets   min %.6g  mean %.6g  std %.6g  max %.6g\n", s->t_min, s->t_mean, s->t_std, s->t_max);
    } else {
        printf("labels    none\n");
    }
    printf("values    min %.6g  mean %.6g  max %.6g (all cells)\n", s->all_min, s->all_mean, s->all_max);
    size_t n = show < s->cols ? show : s->cols;
    if (n > 0) {
        printf("  %-8s %12s %12s %12s %12s\n", "feature", "min", "mean", "std", "max");
        for (size_t j = 0; j < n; j++)
            printf("  %-8zu %12.6g %12.6g %12.6g %12.6g\n", j, (double)s->min[j], s->mean[j], s->std[j],
                   (double)s->max[j]);
        if (n < s->cols) printf("  (first %zu of %zu features; --json lists all)\n", n, s->cols);
    }
    printf("loaded in %.3f s\n", secs);
}

static int cmd_info(int argc, char **argv)
{
    const char *spec = NULL, *v;
    int json = 0;
    long limit = 0, show = 8;
    for (int i = 1; i < argc; i++) {
        if (eo_cli_flag(argv, i, "--json")) {
            json = 1;
        } else if (eo_cli_opt(argc, argv, &i, "--limit", &v)) {
            if (!v || eo_cli_long("data", "--limit", v, 1, 2147483647L, &limit)) return EO_EXIT_USAGE;
        } else if (eo_cli_opt(argc, argv, &i, "--features", &v)) {
            if (!v || eo_cli_long("data", "--features", v, 0, 1000000L, &show)) return EO_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return eo_cli_usage("data", "unknown option '%s'", argv[i]);
        } else if (!spec) {
            spec = argv[i];
        } else {
            return eo_cli_usage("data", "more than one SPEC ('%s', '%s')", spec, argv[i]);
        }
    }
    if (!spec) return eo_cli_usage("data", "info needs a SPEC, e.g. 'edgeopt data info fashion-mnist'");
    eo_error err;
    eo_error_clear(&err);
    eo_dataset ds;
    double t0 = eo_cli_now();
    if (eo_data_load(spec, (size_t)limit, &ds, &err)) return eo_cli_fail_err("data", &err);
    double secs = eo_cli_now() - t0;
    eo_data_summary s;
    if (eo_data_summarize(&ds, &s, &err)) {
        eo_dataset_free(&ds);
        return eo_cli_fail_err("data", &err);
    }
    if (json)
        print_json(spec, &ds, &s, secs);
    else
        print_text(&ds, &s, (size_t)show, secs);
    eo_data_summary_free(&s);
    eo_dataset_free(&ds);
    return EO_EXIT_OK;
}

int eo_cmd_data(int argc, char **argv)
{
    if (argc < 2) return eo_cli_usage("data", "expected a subcommand: info");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    if (!strcmp(argv[1], "info")) {
        if (eo_cli_wants_help(argc - 1, argv + 1)) {
            fputs(help, stdout);
            return EO_EXIT_OK;
        }
        return cmd_info(argc - 1, argv + 1);
    }
    return eo_cli_usage("data", "unknown subcommand '%s' (expected info)", argv[1]);
}
