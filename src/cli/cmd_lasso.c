/* edgeopt lasso: Lasso / elastic net by coordinate descent on a dataset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "edgeopt/data.h"
#include "edgeopt/minimize.h"

static const char *help =
    "usage: edgeopt lasso --data SPEC (--alpha A | --path N) [--l1-ratio R] [--eps E]\n"
    "                     [--tol T] [--max-iter N] [--no-intercept] [--limit N] [--json]\n\n"
    "Fit min 1/(2n) ||y - X w - b||^2 + A R ||w||_1 + A (1 - R)/2 ||w||^2 by coordinate\n"
    "descent (scikit-learn's Lasso / ElasticNet parametrisation and stopping rule).\n\n"
    "  --data SPEC      a dataset with targets, e.g. synthetic:sparse-regression:n=500,d=100,k=5\n"
    "                   (class labels are used as numbers when there are no regression targets)\n"
    "                   or csv:FILE:target=COL (see 'edgeopt data --help')\n"
    "  --alpha A        regularisation strength (>= 0)\n"
    "  --l1-ratio R     L1 share in [0, 1] (default 1 = Lasso)\n"
    "  --path N         the regularisation path instead: N alphas log-spaced from alpha_max\n"
    "                   (all coefficients zero) down to E alpha_max, warm-started\n"
    "  --eps E          path length ratio (default 1e-3)\n"
    "  --tol T          duality-gap tolerance relative to ||y - mean y||^2 (default 1e-4)\n"
    "  --max-iter N     epochs per fit (default 1000)\n"
    "  --no-intercept   fit without an intercept (no centring)\n"
    "  --limit N        use the first N rows\n"
    "  --json           {\"alpha\",\"l1_ratio\",\"coef\":[..],\"intercept\",\"nonzero\",\"epochs\",\n"
    "                   \"gap\",\"converged\",\"seconds\"}; with --path {\"alphas\":[..],\"coefs\":\n"
    "                   [[..],..],\"intercepts\":[..],\"nonzero\":[..],\"epochs\":[..],\"seconds\"}\n";

int eo_cmd_lasso(int argc, char **argv)
{
    const char *cmd = "lasso";
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *data = NULL;
    int json = 0, have_alpha = 0, intercept = 1;
    long path = 0, limit = 0;
    double eps = 1e-3;
    eo_enet_params p = eo_enet_defaults();
    double alpha = NAN; /* NaN: not given */
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--alpha", NULL, EO_CLI_DOUBLE, &alpha, 0, HUGE_VAL},
                                  {"--l1-ratio", NULL, EO_CLI_DOUBLE, &p.l1_ratio, 0, 1},
                                  {"--path", NULL, EO_CLI_LONG, &path, 1, 10000},
                                  {"--eps", NULL, EO_CLI_DOUBLE, &eps, 1e-300, 0.999999},
                                  {"--tol", NULL, EO_CLI_DOUBLE, &p.tol, 0, HUGE_VAL},
                                  {"--max-iter", NULL, EO_CLI_LONG, &p.max_iter, 1, 1000000000L},
                                  {"--limit", NULL, EO_CLI_LONG, &limit, 1, 2000000000L},
                                  {"--no-intercept", NULL, EO_CLI_FLAG, &intercept, 0, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  EO_CLI_END};
    int perr = eo_cli_parse(cmd, opts, argc, argv, NULL, 0);
    if (perr) return perr;
    if (!isnan(alpha)) {
        p.alpha = alpha;
        have_alpha = 1;
    }
    if (!intercept) p.fit_intercept = 0;
    if (!data) return eo_cli_usage(cmd, "--data is required");
    if (!have_alpha && !path) return eo_cli_usage(cmd, "give --alpha A or --path N");
    if (have_alpha && path) return eo_cli_usage(cmd, "--alpha and --path exclude each other");
    if (path && p.l1_ratio == 0.0) return eo_cli_usage(cmd, "--path needs --l1-ratio > 0");
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_error e;
    eo_error_clear(&e);
    if (eo_data_load(data, (size_t)limit, &ds, &e)) return eo_cli_fail_err(cmd, &e);
    int rc = EO_EXIT_OK;
    double *X = NULL, *y = NULL, *W = NULL, *alphas = NULL, *b = NULL;
    long *epochs = NULL;
    size_t n = ds.rows, d = ds.cols;
    if (!ds.t && !ds.y) {
        rc = eo_cli_fail(cmd, "%s: no targets (a regression dataset is needed)", data);
        goto out;
    }
    if (n < 2 || d < 1) {
        rc = eo_cli_fail(cmd, "%s: %zu rows x %zu features is too small", data, n, d);
        goto out;
    }
    size_t paths = path ? (size_t)path : 1;
    X = malloc(n * d * sizeof *X);
    y = malloc(n * sizeof *y);
    W = malloc(paths * d * sizeof *W);
    alphas = malloc(paths * sizeof *alphas);
    b = malloc(paths * sizeof *b);
    epochs = malloc(paths * sizeof *epochs);
    if (!X || !y || !W || !alphas || !b || !epochs) {
        rc = eo_cli_fail(cmd, "no memory for %zu x %zu", n, d);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) X[i * d + j] = (double)eo_dataset_at(&ds, i, j);
        y[i] = ds.t ? (double)ds.t[i] : (double)ds.y[i];
    }
    double t0 = eo_cli_now();
    eo_enet_info info;
    memset(&info, 0, sizeof info);
    if (path) {
        if (eo_enet_path(&p, n, d, X, d, 1, y, paths, eps, alphas, W, b, epochs, &e)) {
            rc = eo_cli_fail_err(cmd, &e);
            goto out;
        }
    } else {
        if (eo_enet_fit(&p, n, d, X, d, 1, y, W, b, &info, &e)) {
            rc = eo_cli_fail_err(cmd, &e);
            goto out;
        }
        alphas[0] = p.alpha;
        epochs[0] = info.epochs;
    }
    double secs = eo_cli_now() - t0;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "data", data);
        cJSON_AddNumberToObject(o, "rows", (double)n);
        cJSON_AddNumberToObject(o, "features", (double)d);
        cJSON_AddNumberToObject(o, "l1_ratio", p.l1_ratio);
        if (path) {
            cJSON_AddItemToObject(o, "alphas", cJSON_CreateDoubleArray(alphas, (int)paths));
            cJSON *cs = cJSON_CreateArray(), *nz = cJSON_CreateArray(), *ep = cJSON_CreateArray();
            for (size_t k = 0; k < paths; k++) {
                cJSON_AddItemToArray(cs, cJSON_CreateDoubleArray(W + k * d, (int)d));
                int cnt = 0;
                for (size_t j = 0; j < d; j++) cnt += W[k * d + j] != 0.0;
                cJSON_AddItemToArray(nz, cJSON_CreateNumber(cnt));
                cJSON_AddItemToArray(ep, cJSON_CreateNumber((double)epochs[k]));
            }
            cJSON_AddItemToObject(o, "coefs", cs);
            cJSON_AddItemToObject(o, "intercepts", cJSON_CreateDoubleArray(b, (int)paths));
            cJSON_AddItemToObject(o, "nonzero", nz);
            cJSON_AddItemToObject(o, "epochs", ep);
        } else {
            cJSON_AddNumberToObject(o, "alpha", p.alpha);
            cJSON_AddItemToObject(o, "coef", cJSON_CreateDoubleArray(W, (int)d));
            eo_cli_json_num(o, "intercept", b[0]);
            int cnt = 0;
            for (size_t j = 0; j < d; j++) cnt += W[j] != 0.0;
            cJSON_AddNumberToObject(o, "nonzero", cnt);
            cJSON_AddNumberToObject(o, "epochs", (double)info.epochs);
            eo_cli_json_num(o, "gap", info.gap);
            cJSON_AddBoolToObject(o, "converged", info.converged);
        }
        cJSON_AddNumberToObject(o, "seconds", secs);
        eo_cli_print_json(o);
    } else {
        printf("data       %s (%zu rows, %zu features)\n", data, n, d);
        for (size_t k = 0; k < paths; k++) {
            int cnt = 0;
            for (size_t j = 0; j < d; j++) cnt += W[k * d + j] != 0.0;
            printf("alpha %-12.6g l1_ratio %g: %d nonzero, intercept %.6g, %ld epochs\n", alphas[k],
                   p.l1_ratio, cnt, b[k], epochs[k]);
            if (!path || k == paths - 1) {
                printf("  coef:");
                int shown = 0;
                for (size_t j = 0; j < d && shown < 20; j++)
                    if (W[k * d + j] != 0.0) {
                        printf(" w[%zu]=%.6g", j, W[k * d + j]);
                        shown++;
                    }
                if (cnt > shown) printf(" ... (%d more)", cnt - shown);
                printf("\n");
            }
        }
        if (!path)
            printf("gap        %.3g (tolerance %.3g, %s)\n", info.gap, info.gap_tol,
                   info.converged ? "converged" : "not converged");
        printf("seconds    %.6f\n", secs);
    }
out:
    free(X);
    free(y);
    free(W);
    free(alphas);
    free(b);
    free(epochs);
    eo_dataset_free(&ds);
    return rc;
}
