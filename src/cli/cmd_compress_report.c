/* edgeopt compress-report MODEL... --data SPEC: compressed models side by
 * side (size, accuracy with a Wilson interval, agreement with the first
 * model, batch-1 latency, per-layer weight error), with plots. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/compress_cli.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/plot.h"

#define CMD "compress-report"
#define MAX_MODELS 32
#define MAX_LAYERS 64

static const char *help =
    "usage: edgeopt compress-report MODEL.eom... --data SPEC [options]\n"
    "\n"
    "Compare models (float, pruned, distilled, int8, clustered) on one data set:\n"
    "file size, weight sparsity, accuracy with a 95% Wilson confidence interval,\n"
    "agreement with the FIRST model's predictions, latency per sample at batch 1\n"
    "(median thread CPU time of single-row forward passes after a warm-up, which\n"
    "excludes the time spent waiting for a core; --wall for wall time), and per layer the\n"
    "weight signal-to-quantization-noise ratio against the first model when it is\n"
    "a float model with the same layers (batch norm folded), or, for float models,\n"
    "the SQNR int8 quantization would give (per tensor / per channel).\n"
    "\n"
    "  --data SPEC        evaluation data with labels (e.g. fashion-mnist:test)\n"
    "  --limit N          first N rows only (default: all)\n"
    "  --latency-rows N   single-row forward passes timed per model (default 200)\n"
    "  --wall             time latency in wall-clock time instead of thread CPU time\n"
    "  --plot FILE        .png or .svg: weight histogram with the int8 grid,\n"
    "                     accuracy against sparsity, size against accuracy\n"
    "  --json             one JSON object {data, n, models[{file, kind, bytes, params,\n"
    "                     sparsity, accuracy, ci_low, ci_high, loss, agreement,\n"
    "                     latency_us, layers[{layer, kind, weights, sparsity,\n"
    "                     sqnr_db, int8_sqnr_db_tensor, int8_sqnr_db_channel}]}]}\n";

typedef struct lrow {
    int layer;
    const char *kind;
    size_t weights, zeros;
    double sqnr, sqnr_pt, sqnr_pc;
} lrow;

typedef struct mrow {
    const char *file;
    eo_infer *f;
    eo_scaler sc;
    eo_model_meta meta;
    size_t bytes, params, weights, zeros;
    double acc, lo, hi, loss, agree, lat_us;
    int32_t *pred;
    lrow layers[MAX_LAYERS];
    int nl;
} mrow;

static void wilson(size_t k, size_t n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    double p = (double)k / (double)n, z2n = z * z / (double)n;
    double c = (p + z2n / 2) / (1 + z2n), h = z * sqrt(p * (1 - p) / (double)n + z2n / (4 * (double)n)) / (1 + z2n);
    *lo = c - h;
    *hi = c + h;
}

/* Thread CPU time (default: excludes the time the process waits for a core
 * on a loaded machine) or wall time, in microseconds. */
static double now_us(int wall)
{
    struct timespec ts;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return 1e6 * (double)ts.tv_sec + 1e-3 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Weights of compute layer i of m: rows, cols, offset. */
static int wslice(const eo_model *m, int i, size_t *off, size_t *n, int32_t *rows, const char **kind)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t pc;
    eo_model_layer(m, i, &d, in, out, off, &pc);
    int32_t r = d.kind == EO_LAYER_DENSE ? (int32_t)(out[0] * out[1] * out[2])
                : d.kind == EO_LAYER_CONV2D ? (int32_t)out[0]
                : d.kind == EO_LAYER_DWCONV2D ? (int32_t)in[0]
                                              : 0;
    if (!r || pc == 0) return 0;
    *n = pc - (size_t)r;
    *rows = r;
    *kind = eo_layer_kind_name(d.kind);
    return 1;
}

static double sqnr(const float *ref, const float *w, size_t n)
{
    eo_qerr q;
    return eo_quant_error(ref, w, n, &q) ? NAN : q.sqnr_db;
}

/* Per-layer rows of a float-weight model m (clustered models: expanded),
 * compared with ref (may be NULL) layer by layer when sizes match. */
static void float_layers(mrow *r, const eo_model *m, const eo_model *ref, int with_int8)
{
    const float *P = eo_model_params_const(m);
    for (int i = 0; i < eo_model_nlayers(m) && r->nl < MAX_LAYERS; i++) {
        size_t off, n;
        int32_t rows;
        const char *kind;
        if (!wslice(m, i, &off, &n, &rows, &kind)) continue;
        lrow *L = &r->layers[r->nl++];
        L->layer = i;
        L->kind = kind;
        L->weights = n;
        L->zeros = 0;
        for (size_t j = 0; j < n; j++) L->zeros += P[off + j] == 0.0f;
        L->sqnr = L->sqnr_pt = L->sqnr_pc = NAN;
        size_t ro, rn;
        int32_t rr;
        const char *rk;
        if (ref && i < eo_model_nlayers(ref) && wslice(ref, i, &ro, &rn, &rr, &rk) && rn == n && rr == rows)
            L->sqnr = sqnr(eo_model_params_const(ref) + ro, P + off, n);
        eo_qerr q;
        if (with_int8 && !eo_q8_weight_error(P + off, rows, (int32_t)(n / (size_t)rows), 0, &q)) L->sqnr_pt = q.sqnr_db;
        if (with_int8 && !eo_q8_weight_error(P + off, rows, (int32_t)(n / (size_t)rows), 1, &q)) L->sqnr_pc = q.sqnr_db;
        r->weights += n;
        r->zeros += L->zeros;
    }
}

static void int8_layers(mrow *r, eo_qmodel *q, const eo_model *ref_folded)
{
    for (int i = 0; i < eo_qmodel_nops(q) && r->nl < MAX_LAYERS; i++) {
        eo_qop o;
        eo_qmodel_op(q, i, &o);
        if (!eo_qop_is_compute(o.kind)) continue;
        size_t n = (size_t)o.out_ch * (size_t)o.fan_in;
        lrow *L = &r->layers[r->nl++];
        L->layer = o.first_layer;
        L->kind = eo_qop_kind_name(o.kind);
        L->weights = n;
        L->zeros = 0;
        for (size_t j = 0; j < n; j++) L->zeros += o.w[j] == 0;
        L->sqnr = L->sqnr_pt = L->sqnr_pc = NAN;
        size_t ro, rn;
        int32_t rr;
        const char *rk;
        if (ref_folded && o.first_layer < eo_model_nlayers(ref_folded) &&
            wslice(ref_folded, o.first_layer, &ro, &rn, &rr, &rk) && rn == n) {
            float *dq = malloc(n * sizeof *dq);
            if (dq) {
                for (size_t j = 0; j < n; j++)
                    dq[j] = o.w_scale[o.n_wscale == 1 ? 0 : j / (size_t)o.fan_in] * (float)o.w[j];
                L->sqnr = sqnr(eo_model_params_const(ref_folded) + ro, dq, n);
                free(dq);
            }
        }
        r->weights += n;
        r->zeros += L->zeros;
    }
}

static size_t params_of(eo_infer *f)
{
    if (eo_infer_qmodel(f)) {
        size_t p = 0;
        eo_qmodel *q = eo_infer_qmodel(f);
        for (int i = 0; i < eo_qmodel_nops(q); i++) {
            eo_qop o;
            eo_qmodel_op(q, i, &o);
            if (eo_qop_is_compute(o.kind)) p += (size_t)o.out_ch * ((size_t)o.fan_in + 1);
        }
        return p;
    }
    return eo_model_nparams(eo_infer_model(f) ? eo_infer_model(f) : eo_cmodel_model(eo_infer_cmodel(f)));
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int plot(const char *path, mrow *rows, int nm, eo_error *e)
{
    eo_figure *fig;
    if (eo_figure_create(1500, 450, &fig)) return eo_error_set(e, EO_ERR_NOMEM, "out of memory");
    eo_figure_panels(fig, 1, 3);
    eo_figure_title(fig, "compression report");
    /* 1: weights of the first float model's first compute layer (or the first
     * int8 model's, dequantized) with the per-tensor int8 grid */
    eo_panel *p = eo_figure_panel(fig, 0);
    float *w = NULL;
    size_t n = 0;
    double scale = 0;
    char title[160] = "weights";
    for (int i = 0; i < nm && !w; i++) {
        eo_model *m = eo_infer_model(rows[i].f);
        eo_qmodel *q = eo_infer_qmodel(rows[i].f);
        if (m) {
            for (int l = 0; l < eo_model_nlayers(m) && !w; l++) {
                size_t off;
                int32_t r;
                const char *k;
                if (!wslice(m, l, &off, &n, &r, &k)) continue;
                w = malloc(n * sizeof *w);
                if (!w) break;
                memcpy(w, eo_model_params_const(m) + off, n * sizeof *w);
                float mx = 0;
                for (size_t j = 0; j < n; j++) mx = fmaxf(mx, fabsf(w[j]));
                scale = mx / 127.0;
                snprintf(title, sizeof title, "%s layer %d (%s), per-tensor int8 grid", base(rows[i].file), l, k);
            }
        } else if (q) {
            eo_qop o;
            eo_qmodel_op(q, 0, &o);
            if (!eo_qop_is_compute(o.kind)) continue;
            n = (size_t)o.out_ch * (size_t)o.fan_in;
            w = malloc(n * sizeof *w);
            if (!w) break;
            for (size_t j = 0; j < n; j++) w[j] = o.w_scale[o.n_wscale == 1 ? 0 : j / (size_t)o.fan_in] * (float)o.w[j];
            scale = o.n_wscale == 1 ? o.w_scale[0] : 0;
            snprintf(title, sizeof title, "%s op 0 (dequantized)", base(rows[i].file));
        }
    }
    if (w) eo_plot_histogram_grid(p, title, n, w, 80, scale, 0);
    free(w);
    /* 2 and 3: accuracy against sparsity, size against accuracy */
    eo_panel *ps = eo_figure_panel(fig, 1), *pz = eo_figure_panel(fig, 2);
    eo_panel_title(ps, "accuracy against weight sparsity");
    eo_panel_xlabel(ps, "weight sparsity");
    eo_panel_ylabel(ps, "accuracy");
    eo_panel_title(pz, "size against accuracy");
    eo_panel_xlabel(pz, "file bytes");
    eo_panel_ylabel(pz, "accuracy");
    eo_panel_xscale(pz, EO_AXIS_LOG10);
    double bmin = INFINITY, bmax = 0;
    for (int i = 0; i < nm; i++) {
        bmin = fmin(bmin, (double)rows[i].bytes);
        bmax = fmax(bmax, (double)rows[i].bytes);
    }
    if (bmax > 0 && bmin > 0) eo_panel_xlim(pz, bmin / 1.5, bmax * 3.0); /* room for the names */
    for (int i = 0; i < nm; i++) {
        double sp = rows[i].weights ? (double)rows[i].zeros / (double)rows[i].weights : 0;
        double b = (double)rows[i].bytes, a = rows[i].acc, lo[2] = {rows[i].lo, rows[i].hi}, xs[2] = {sp, sp};
        eo_style st = eo_style_defaults();
        st.color = (int32_t)eo_plot_palette((size_t)i);
        st.line_width = 0;
        st.marker = EO_MARKER_CIRCLE;
        eo_panel_scatter(ps, base(rows[i].file), 1, &sp, &a, &st);
        eo_style bar = eo_style_defaults();
        bar.color = st.color;
        bar.legend = 0;
        eo_panel_line(ps, NULL, 2, xs, lo, &bar); /* the 95% interval */
        eo_panel_scatter(pz, base(rows[i].file), 1, &b, &a, &st);
        eo_panel_text(pz, b, a, base(rows[i].file), -1);
    }
    int st = eo_figure_save(fig, path, e);
    eo_figure_destroy(fig);
    return st;
}

int eo_cmd_compress_report(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    const char *files[MAX_MODELS], *data = NULL, *plot_path = NULL;
    int nm = 0, json = 0, wall = 0, st = 0;
    long limit = 0, lat_rows = 200;
    const eo_cli_optdef opts[] = {{"--data", NULL, EO_CLI_STR, &data, 0, 0},
                                  {"--plot", NULL, EO_CLI_STR, &plot_path, 0, 0},
                                  {"--limit", NULL, EO_CLI_LONG, &limit, 1, 2000000000L},
                                  {"--latency-rows", NULL, EO_CLI_LONG, &lat_rows, 1, 1000000},
                                  {"--json", NULL, EO_CLI_FLAG, &json, 1, 0},
                                  {"--wall", NULL, EO_CLI_FLAG, &wall, 1, 0},
                                  EO_CLI_END};
    for (int i = 1; i < argc; i++) {
        if (eo_cli_take(CMD, opts, argc, argv, &i, &st)) {
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return eo_cli_usage(CMD, "unknown option '%s'", argv[i]);
        } else if (nm < MAX_MODELS) {
            files[nm++] = argv[i];
        } else {
            return eo_cli_usage(CMD, "at most %d models", MAX_MODELS);
        }
        if (st) return st;
    }
    if (nm == 0) return eo_cli_usage(CMD, "at least one model file is required");
    if (!data) return eo_cli_usage(CMD, "--data is required");
    eo_error e;
    eo_error_clear(&e);
    if (plot_path && eo_plot_check_path(plot_path, &e)) return eo_cli_fail_err(CMD, &e);
    mrow *rows = calloc((size_t)nm, sizeof *rows);
    if (!rows) return eo_cli_fail(CMD, "out of memory");
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_model *ref_folded = NULL;
    float *probs = NULL, *xl = NULL;
    double *times = NULL;
    int rc = EO_EXIT_FAIL;
    for (int i = 0; i < nm; i++) {
        rows[i].file = files[i];
        if (eo_infer_load(files[i], &rows[i].f, &rows[i].sc, &rows[i].meta, &e)) goto fail;
        rows[i].bytes = eo_cc_file_size(files[i]);
    }
    if (eo_data_load(data, (size_t)limit, &ds, &e)) goto fail;
    if (!ds.y) {
        eo_error_set(&e, EO_ERR_INVALID, "%s: the data has no labels", data);
        goto fail;
    }
    eo_model *ref = eo_infer_model(rows[0].f);
    if (ref && eo_model_fold_batchnorm(ref, &ref_folded, &e)) goto fail;
    size_t N = ds.rows, R = (size_t)lat_rows < N ? (size_t)lat_rows : N;
    times = malloc(R * sizeof *times);
    xl = malloc(R * ds.cols * sizeof *xl);
    if (!times || !xl) {
        eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < nm; i++) {
        mrow *r = &rows[i];
        int64_t k = eo_infer_out_numel(r->f);
        if ((int64_t)ds.cols != eo_infer_in_numel(r->f)) {
            eo_error_at(&e, EO_ERR_SHAPE, r->file, 0, 0, -1, "the model takes %lld features but %s has %zu",
                        (long long)eo_infer_in_numel(r->f), data, ds.cols);
            goto fail;
        }
        free(probs);
        probs = malloc(N * (size_t)k * sizeof *probs);
        r->pred = malloc(N * sizeof *r->pred);
        if (!probs || !r->pred) {
            eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        const eo_scaler *sc = eo_cc_scaler(&r->sc);
        if (eo_infer_predict(r->f, &ds, 0, N, sc, EO_LOSS_SOFTMAX_CE, 256, probs, r->pred, &e)) goto fail;
        size_t hit = 0, same = 0;
        double nll = 0;
        for (size_t j = 0; j < N; j++) {
            hit += r->pred[j] == ds.y[j];
            same += r->pred[j] == rows[0].pred[j];
            nll -= log(fmax((double)probs[j * (size_t)k + (size_t)ds.y[j]], 1e-30));
        }
        r->acc = (double)hit / (double)N;
        wilson(hit, N, &r->lo, &r->hi);
        r->loss = nll / (double)N;
        r->agree = (double)same / (double)N;
        /* latency at batch 1: single-row forward passes (inputs gathered first) */
        uint32_t *idx = malloc(R * sizeof *idx);
        if (!idx) {
            eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (size_t j = 0; j < R; j++) idx[j] = (uint32_t)j;
        eo_data_gather(&ds, sc, idx, R, xl, NULL, NULL);
        free(idx);
        if (eo_infer_reserve(r->f, 1, &e)) goto fail;
        const float *o;
        for (size_t j = 0; j < 20; j++) eo_infer_forward(r->f, xl + (j % R) * ds.cols, 1, &o); /* warm-up */
        for (size_t j = 0; j < R; j++) {
            double t0 = now_us(wall);
            eo_infer_forward(r->f, xl + j * ds.cols, 1, &o);
            times[j] = now_us(wall) - t0;
        }
        qsort(times, R, sizeof *times, cmp_double);
        r->lat_us = R % 2 ? times[R / 2] : 0.5 * (times[R / 2 - 1] + times[R / 2]);
        r->params = params_of(r->f);
        if (eo_infer_qmodel(r->f)) int8_layers(r, eo_infer_qmodel(r->f), ref_folded);
        else if (eo_infer_cmodel(r->f) && !eo_infer_model(r->f)) float_layers(r, eo_cmodel_model(eo_infer_cmodel(r->f)), ref_folded, 0);
        else float_layers(r, eo_infer_model(r->f), i ? ref : NULL, 1);
    }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "data", data);
        cJSON_AddNumberToObject(j, "n", (double)N);
        cJSON_AddNumberToObject(j, "latency_rows", (double)R);
        cJSON_AddStringToObject(j, "latency_clock", wall ? "wall" : "thread_cpu");
        cJSON *ms = cJSON_AddArrayToObject(j, "models");
        for (int i = 0; i < nm; i++) {
            mrow *r = &rows[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", r->file);
            cJSON_AddStringToObject(o, "kind", eo_infer_kind_name(eo_infer_get_kind(r->f)));
            cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
            cJSON_AddNumberToObject(o, "params", (double)r->params);
            eo_cli_json_num(o, "sparsity", r->weights ? (double)r->zeros / (double)r->weights : NAN);
            eo_cli_json_num(o, "accuracy", r->acc);
            eo_cli_json_num(o, "ci_low", r->lo);
            eo_cli_json_num(o, "ci_high", r->hi);
            eo_cli_json_num(o, "loss", r->loss);
            eo_cli_json_num(o, "agreement", r->agree);
            eo_cli_json_num(o, "latency_us", r->lat_us);
            cJSON *ls = cJSON_AddArrayToObject(o, "layers");
            for (int l = 0; l < r->nl; l++) {
                lrow *L = &r->layers[l];
                cJSON *lo = cJSON_CreateObject();
                cJSON_AddNumberToObject(lo, "layer", L->layer);
                cJSON_AddStringToObject(lo, "kind", L->kind);
                cJSON_AddNumberToObject(lo, "weights", (double)L->weights);
                eo_cli_json_num(lo, "sparsity", L->weights ? (double)L->zeros / (double)L->weights : NAN);
                eo_cli_json_num(lo, "sqnr_db", L->sqnr);
                eo_cli_json_num(lo, "int8_sqnr_db_tensor", L->sqnr_pt);
                eo_cli_json_num(lo, "int8_sqnr_db_channel", L->sqnr_pc);
                cJSON_AddItemToArray(ls, lo);
            }
            cJSON_AddItemToArray(ms, o);
        }
        eo_cli_print_json(j);
    } else {
        printf("%s, %zu rows; accuracy with 95%% Wilson interval; agreement with %s; latency = median %s time of %zu "
               "batch-1 passes\n",
               data, N, base(rows[0].file), wall ? "wall" : "thread CPU", R);
        printf("%-28s %-9s %10s %9s %8s %17s %9s %10s\n", "model", "kind", "bytes", "sparsity", "accuracy", "95% CI",
               "agreement", "latency_us");
        for (int i = 0; i < nm; i++) {
            mrow *r = &rows[i];
            printf("%-28.28s %-9s %10zu %8.2f%% %8.4f   [%.4f, %.4f] %9.4f %10.2f\n", base(r->file),
                   eo_infer_kind_name(eo_infer_get_kind(r->f)), r->bytes,
                   r->weights ? 100.0 * (double)r->zeros / (double)r->weights : 0.0, r->acc, r->lo, r->hi, r->agree,
                   r->lat_us);
        }
        printf("per-layer weight SQNR (dB) against %s (int8 columns: what int8 would give per tensor / per channel):\n",
               base(rows[0].file));
        for (int i = 0; i < nm; i++)
            for (int l = 0; l < rows[i].nl; l++) {
                lrow *L = &rows[i].layers[l];
                printf("  %-26.26s layer %-3d %-9s %9zu weights %7.2f%% zeros  sqnr %7.2f  int8 %7.2f / %7.2f\n",
                       base(rows[i].file), L->layer, L->kind, L->weights,
                       L->weights ? 100.0 * (double)L->zeros / (double)L->weights : 0.0, L->sqnr, L->sqnr_pt,
                       L->sqnr_pc);
            }
    }
    if (plot_path && plot(plot_path, rows, nm, &e)) goto fail;
    rc = EO_EXIT_OK;
    goto done;
fail:
    rc = eo_cli_fail_err(CMD, &e);
done:
    for (int i = 0; i < nm; i++) {
        eo_infer_destroy(rows[i].f);
        eo_scaler_free(&rows[i].sc);
        free(rows[i].pred);
    }
    free(rows);
    free(probs);
    free(xl);
    free(times);
    eo_model_destroy(ref_folded);
    eo_dataset_free(&ds);
    return rc;
}
