/* edgeopt functions: list the test functions, their dimensions and known points. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/functions.h"

static const char *help =
    "usage: edgeopt functions [--json]\n\n"
    "List the test functions for 'edgeopt optimize' and 'edgeopt compare': name, dimension,\n"
    "formula, known minima (and other classic stationary points), plot domain and start.\n"
    "Functions of any dimension take :dim=N (default 2); quadratic also takes cond=K.\n"
    "For them every coordinate of a listed point has the same value, and f = f0 + f_per_dim n.\n\n"
    "  --json   one object {\"functions\":[{\"name\",\"formula\",\"dim\",\"min_dim\",\"even\",\n"
    "           \"domain\",\"start\",\"points\":[{\"kind\",\"global\",\"x\",\"f0\",\"f_per_dim\"}]}]}\n"
    "           (\"dim\" is null for functions of any dimension)\n";

int eo_cmd_functions(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return EO_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            return eo_cli_usage("functions", "unknown option '%s'", argv[i]);
        }
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        for (size_t k = 0; k < eo_testfn_count(); k++) {
            const eo_testfn_info *f = eo_testfn_info_at(k);
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "name", f->name);
            cJSON_AddStringToObject(j, "formula", f->formula);
            if (f->dim) cJSON_AddNumberToObject(j, "dim", (double)f->dim);
            else cJSON_AddNullToObject(j, "dim");
            cJSON_AddNumberToObject(j, "min_dim", (double)f->min_dim);
            cJSON_AddBoolToObject(j, "even", f->dim_even);
            double dom[2] = {f->lo, f->hi};
            cJSON_AddItemToObject(j, "domain", cJSON_CreateDoubleArray(dom, 2));
            cJSON_AddItemToObject(j, "start", cJSON_CreateDoubleArray(f->start, 2));
            cJSON_AddBoolToObject(j, "bounded_below", f->has_minimum);
            cJSON *pts = cJSON_CreateArray();
            for (int p = 0; p < f->npoints; p++) {
                const eo_testfn_point *pt = &f->points[p];
                cJSON *q = cJSON_CreateObject();
                cJSON_AddStringToObject(q, "kind", eo_point_kind_name(pt->kind));
                cJSON_AddBoolToObject(q, "global", pt->global);
                cJSON_AddItemToObject(q, "x", cJSON_CreateDoubleArray(pt->x, f->dim ? 2 : 1));
                cJSON_AddNumberToObject(q, "f0", pt->f0);
                cJSON_AddNumberToObject(q, "f_per_dim", pt->f_per_dim);
                cJSON_AddItemToArray(pts, q);
            }
            cJSON_AddItemToObject(j, "points", pts);
            cJSON_AddItemToArray(arr, j);
        }
        cJSON_AddItemToObject(o, "functions", arr);
        eo_cli_print_json(o);
        return EO_EXIT_OK;
    }
    printf("%-16s %-6s %-18s %s\n", "name", "dim", "domain", "formula");
    for (size_t k = 0; k < eo_testfn_count(); k++) {
        const eo_testfn_info *f = eo_testfn_info_at(k);
        char dim[32], dom[64];
        if (f->dim) snprintf(dim, sizeof dim, "%zu", f->dim);
        else snprintf(dim, sizeof dim, "n%s", f->dim_even ? " even" : "");
        snprintf(dom, sizeof dom, "[%g, %g]", f->lo, f->hi);
        printf("%-16s %-6s %-18s %s\n", f->name, dim, dom, f->formula);
        for (int p = 0; p < f->npoints; p++) {
            const eo_testfn_point *pt = &f->points[p];
            char where[80], val[64];
            if (f->dim) snprintf(where, sizeof where, "(%.10g, %.10g)", pt->x[0], pt->x[1]);
            else snprintf(where, sizeof where, "(%.10g, ..., %.10g)", pt->x[0], pt->x[0]);
            if (pt->f_per_dim != 0.0) snprintf(val, sizeof val, "%.12g n", pt->f_per_dim);
            else snprintf(val, sizeof val, "%.12g", pt->f0);
            printf("%-16s   %s %s at %s, f = %s\n", "", pt->global ? "global" : "      ",
                   eo_point_kind_name(pt->kind), where, val);
        }
    }
    return EO_EXIT_OK;
}
