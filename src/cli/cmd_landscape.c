/* edgeopt landscape: the loss of a trained model along a line and over a
 * plane through its weights (filter-normalized random or trajectory PCA
 * directions), or along the straight line between two models. A thin layer
 * over edgeopt/landscape.h. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/signals.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/landscape.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/parallel.h"
#include "edgeopt/plot.h"
#include "edgeopt/train.h"

#define CMD "landscape"

static const char *help =
    "usage: edgeopt landscape MODEL.eom [MODEL2.eom] --data SPEC [options]\n"
    "\n"
    "The loss (and accuracy) of a trained model along one direction and over a\n"
    "plane through its weights, theta + a d1 + b d2 (Li et al. 2018). With a\n"
    "second model: the straight line (1 - a) MODEL + a MODEL2, a from -span/2 to\n"
    "1 + span/2 (Goodfellow et al. 2015). Evaluation mode, data loss without\n"
    "penalties, on the first --limit rows, with the model's stored scaling.\n"
    "\n"
    "  --data SPEC        rows to measure the loss on, e.g. fashion-mnist\n"
    "  --limit N          first N rows only (default 1000; 0 = all)\n"
    "  --dirs KIND        random | pca (default random):\n"
    "                     random: filter-normalized Gaussian directions (each\n"
    "                     filter / neuron scaled to the norm of its weights,\n"
    "                     biases and batch norm fixed);\n"
    "                     pca: the two principal directions of a training\n"
    "                     trajectory, which --trajectory must give\n"
    "  --trajectory T     the snapshots for --dirs pca: a directory of .eom files\n"
    "                     (taken in name order) or a comma list of files, e.g. one\n"
    "                     model per epoch (train --epochs 1, then --resume with\n"
    "                     --epochs 2, 3, ... and copy each output); MODEL is the\n"
    "                     end point. At least 3 snapshots, same architecture\n"
    "  --span S           alpha and beta from -S to S (default 1.0; pca: 1.25 times\n"
    "                     the trajectory's extent unless given); with MODEL2 the\n"
    "                     line runs from -S/2 to 1 + S/2\n"
    "  --grid N           points per axis, 3..401 (default 41; odd puts the model on\n"
    "                     the grid, center_loss is null otherwise); the plane costs\n"
    "                     N*N passes over the rows\n"
    "  --line-only        only the 1-D slice (no plane)\n"
    "  --seed N           seed of the random directions (default 1)\n"
    "  --batch N          rows per forward pass (default 256)\n"
    "  --threads N        threads for the matrix products (default 1)\n"
    "  --csv FILE         every point: kind,alpha,beta,loss,accuracy\n"
    "  --plot FILE        .png or .svg: loss and accuracy along the line, contour\n"
    "                     map of the plane (with the trajectory for pca)\n"
    "  --json             one JSON object: mode, rows, grid, span, center_loss,\n"
    "                     line {alpha, loss, accuracy, min_alpha, min_loss,\n"
    "                     negative_curvature}, plane {alpha, beta, loss},\n"
    "                     pca {explained, trajectory}, seconds\n";

typedef struct opts {
    const char *model, *model2, *data, *dirs, *traj, *csv, *plot;
    long limit, grid, seed, batch, threads;
    double span;
    int have_span, line_only, json;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->dirs = "random";
    o->limit = 1000;
    o->grid = 41;
    o->seed = 1;
    o->batch = 256;
    o->threads = 1;
    o->span = 1.0;
    double span = NAN; /* NaN: not given */
    const eo_cli_optdef defs[] = {{"--data", NULL, EO_CLI_STR, &o->data, 0, 0},
                                  {"--dirs", NULL, EO_CLI_STR, &o->dirs, 0, 0},
                                  {"--trajectory", NULL, EO_CLI_STR, &o->traj, 0, 0},
                                  {"--csv", NULL, EO_CLI_STR, &o->csv, 0, 0},
                                  {"--plot", NULL, EO_CLI_STR, &o->plot, 0, 0},
                                  {"--limit", NULL, EO_CLI_LONG, &o->limit, 0, 2000000000L},
                                  {"--grid", NULL, EO_CLI_LONG, &o->grid, 3, 401},
                                  {"--seed", NULL, EO_CLI_LONG, &o->seed, 0, 2147483647L},
                                  {"--batch", NULL, EO_CLI_LONG, &o->batch, 1, 1L << 20},
                                  {"--threads", NULL, EO_CLI_LONG, &o->threads, 1, 256},
                                  {"--span", NULL, EO_CLI_DOUBLE, &span, 1e-6, 1e6},
                                  {"--line-only", NULL, EO_CLI_FLAG, &o->line_only, 1, 0},
                                  {"--json", NULL, EO_CLI_FLAG, &o->json, 1, 0},
                                  EO_CLI_END};
    for (int i = 1; i < argc; i++) {
        int st = 0;
        if (eo_cli_take(CMD, defs, argc, argv, &i, &st)) {
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return eo_cli_usage(CMD, "unknown option '%s'", argv[i]);
        } else if (!o->model) {
            o->model = argv[i];
        } else if (!o->model2) {
            o->model2 = argv[i];
        } else {
            return eo_cli_usage(CMD, "unexpected argument '%s' (at most two models)", argv[i]);
        }
        if (st) return st;
    }
    if (!isnan(span)) {
        o->span = span;
        o->have_span = 1;
    }
    if (!o->model) return eo_cli_usage(CMD, "a model file is required");
    if (!o->data) return eo_cli_usage(CMD, "--data is required");
    int d = eo_landscape_dirs_from_name(o->dirs);
    if (d < 0) return eo_cli_usage(CMD, "--dirs: expected random or pca, got '%s'", o->dirs);
    if (o->model2 && (d == EO_LANDSCAPE_PCA || o->traj))
        return eo_cli_usage(CMD, "two models give the line between them: --dirs pca / --trajectory do not apply");
    if (d == EO_LANDSCAPE_PCA && !o->traj)
        return eo_cli_usage(CMD, "--dirs pca needs --trajectory DIR|FILE,FILE,... (the snapshots of a training run)");
    if (o->traj && d != EO_LANDSCAPE_PCA) return eo_cli_usage(CMD, "--trajectory goes with --dirs pca");
    return 0;
}

/* ------------------------------------------------------------ trajectory */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* The snapshot paths: the .eom files of a directory in name order, or a comma
 * list. */
static int trajectory_paths(const char *spec, char ***out, size_t *n, eo_error *e)
{
    *out = NULL;
    *n = 0;
    size_t cap = 16, cnt = 0;
    char **v = malloc(cap * sizeof *v);
    if (!v) return eo_error_set(e, EO_ERR_NOMEM, "out of memory");
    DIR *d = strchr(spec, ',') ? NULL : opendir(spec);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (len < 5 || strcmp(de->d_name + len - 4, ".eom")) continue;
            if (cnt == cap) {
                char **nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv) break;
                v = nv;
                cap *= 2;
            }
            size_t pl = strlen(spec) + len + 2;
            if (!(v[cnt] = malloc(pl))) break;
            snprintf(v[cnt++], pl, "%s/%s", spec, de->d_name);
        }
        closedir(d);
        qsort(v, cnt, sizeof *v, cmp_str);
    } else {
        const char *p = spec;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            if (len) {
                if (cnt == cap) {
                    char **nv = realloc(v, 2 * cap * sizeof *v);
                    if (!nv) break;
                    v = nv;
                    cap *= 2;
                }
                if (!(v[cnt] = malloc(len + 1))) break;
                memcpy(v[cnt], p, len);
                v[cnt++][len] = '\0';
            }
            p = c ? c + 1 : p + len;
        }
    }
    *out = v;
    *n = cnt;
    if (cnt < 3) {
        eo_error_at(e, EO_ERR_INVALID, spec, 0, 0, -1,
                    "--trajectory: %zu snapshot%s found; PCA directions need at least 3 (.eom files of one run)", cnt,
                    cnt == 1 ? "" : "s");
        return EO_ERR_INVALID;
    }
    return EO_OK;
}

/* Load every snapshot's parameters into a k x n matrix. */
static int load_trajectory(const eo_model *m, char **paths, size_t k, float **traj, eo_error *e)
{
    size_t n = eo_model_nparams(m);
    float *t = malloc(k * n * sizeof *t);
    if (!t) return eo_error_set(e, EO_ERR_NOMEM, "out of memory for %zu snapshots of %zu parameters", k, n);
    for (size_t i = 0; i < k; i++) {
        eo_model *s = NULL;
        int st = eo_model_load(paths[i], &s, NULL, NULL, e);
        if (!st && eo_model_nparams(s) != n)
            st = eo_error_at(e, EO_ERR_SHAPE, paths[i], 0, 0, -1,
                             "this snapshot has %zu parameters but the model has %zu (not the same architecture)",
                             eo_model_nparams(s), n);
        if (st) {
            eo_model_destroy(s);
            free(t);
            return st;
        }
        memcpy(t + i * n, eo_model_params_const(s), n * sizeof(float));
        eo_model_destroy(s);
    }
    *traj = t;
    return EO_OK;
}

/* --------------------------------------------------------------- output */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
}

static void csv_num(sbuf *b, double v, const char *sep)
{
    if (isfinite(v))
        sb_printf(b, "%.9g%s", v, sep);
    else
        sb_printf(b, "%s", sep);
}

static cJSON *json_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
    return a;
}

typedef struct prog {
    int tty;
    volatile int *stop;
    double last;
} prog;

static int on_progress(size_t done, size_t total, void *user)
{
    prog *p = user;
    if (p->stop && *p->stop) return 1;
    if (p->tty) {
        double now = eo_cli_now();
        if (now - p->last >= 0.1 || done == total) {
            p->last = now;
            fprintf(stderr, "\r\033[Klandscape: %zu/%zu points", done, total);
            if (done == total) fputs("\r\033[K", stderr);
            fflush(stderr);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ main */

int eo_cmd_landscape(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return EO_EXIT_OK;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    eo_error e;
    eo_error_clear(&e);
    if (o.plot && eo_plot_check_path(o.plot, &e)) return eo_cli_fail_err(CMD, &e);
    int dirs = eo_landscape_dirs_from_name(o.dirs);

    eo_model *m = NULL, *m2 = NULL;
    eo_scaler sc;
    eo_model_meta meta;
    memset(&sc, 0, sizeof sc);
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    eo_pool *pool = NULL;
    char **paths = NULL;
    size_t ntp = 0, G = (size_t)o.grid, nb = 0;
    float *d1 = NULL, *d2 = NULL, *traj = NULL;
    double *alpha = NULL, *beta = NULL, *lloss = NULL, *lacc = NULL, *ploss = NULL, *pacc = NULL, *coords = NULL;
    double ratio[2] = {NAN, NAN};
    rc = EO_EXIT_FAIL;
    if (eo_model_load(o.model, &m, &sc, &meta, &e)) goto fail;
    if (o.model2 && eo_model_load(o.model2, &m2, NULL, NULL, &e)) goto fail;
    if (eo_data_load(o.data, (size_t)o.limit, &ds, &e)) goto fail;
    eo_landscape_data ld = eo_landscape_data_defaults();
    ld.ds = &ds;
    ld.scaler = sc.kind == EO_SCALE_NONE ? NULL : &sc;
    ld.loss = eo_loss_defaults(meta.loss);
    ld.batch = (int)o.batch;
    if (eo_train_check_data(m, &ds, ld.loss.kind, o.data, &e)) goto fail;
    if (o.threads > 1) {
        if (eo_pool_create((int)o.threads, &pool) != EO_OK) {
            eo_error_set(&e, EO_ERR_NOMEM, "cannot start %ld threads", o.threads);
            goto fail;
        }
        ld.par = eo_pool_parallel(pool);
    }
    prog pg = {isatty(2), eo_cli_stop_flag_install(), 0};
    ld.progress = on_progress;
    ld.progress_user = &pg;

    size_t np = eo_model_nparams(m);
    alpha = malloc(G * sizeof *alpha);
    beta = malloc(G * sizeof *beta);
    lloss = malloc(G * sizeof *lloss);
    lacc = malloc(G * sizeof *lacc);
    d1 = malloc(np * sizeof *d1);
    d2 = malloc(np * sizeof *d2);
    if (!alpha || !beta || !lloss || !lacc || !d1 || !d2) {
        eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    double span = o.span, t0 = eo_cli_now();
    const char *mode;
    if (m2) {
        mode = "interpolate";
        eo_landscape_linspace(-0.5 * span, 1.0 + 0.5 * span, G, alpha);
        if (eo_landscape_interpolate(m, m2, alpha, G, &ld, lloss, lacc, &e)) goto fail;
    } else {
        if (dirs == EO_LANDSCAPE_PCA) {
            mode = "pca";
            if (trajectory_paths(o.traj, &paths, &ntp, &e)) goto fail;
            if (load_trajectory(m, paths, ntp, &traj, &e)) goto fail;
            coords = malloc(2 * ntp * sizeof *coords);
            if (!coords) {
                eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
                goto fail;
            }
            if (eo_landscape_pca(traj, ntp, np, eo_model_params_const(m), d1, d2, ratio, coords, &e)) goto fail;
            if (!o.have_span) {
                double ext = 0;
                for (size_t i = 0; i < 2 * ntp; i++) ext = fmax(ext, fabs(coords[i]));
                span = ext > 0 ? 1.25 * ext : 1.0;
            }
        } else {
            mode = "random";
            eo_rng r;
            eo_rng_seed_stream(&r, (uint64_t)o.seed, 0);
            eo_landscape_random_direction(m, &r, d1);
            eo_landscape_random_direction(m, &r, d2);
        }
        eo_landscape_linspace(-span, span, G, alpha);
        if (eo_landscape_line(m, d1, alpha, G, &ld, lloss, lacc, &e)) goto fail;
        if (!o.line_only) {
            nb = G;
            memcpy(beta, alpha, G * sizeof *beta);
            ploss = malloc(G * G * sizeof *ploss);
            pacc = malloc(G * G * sizeof *pacc);
            if (!ploss || !pacc) {
                eo_error_set(&e, EO_ERR_NOMEM, "out of memory");
                goto fail;
            }
            if (eo_landscape_plane(m, d1, d2, alpha, G, beta, G, &ld, ploss, pacc, &e)) goto fail;
        }
    }
    double seconds = eo_cli_now() - t0;

    /* Summary of the line: its minimum and where its curvature is negative. */
    size_t imin = 0, negc = 0;
    for (size_t i = 1; i < G; i++)
        if (lloss[i] < lloss[imin]) imin = i;
    for (size_t i = 1; i + 1 < G; i++) {
        double d2l = lloss[i - 1] - 2 * lloss[i] + lloss[i + 1];
        if (d2l < -1e-9 * (fabs(lloss[i]) + 1)) negc++;
    }
    int cls = isfinite(lacc[0]);

    /* Interpolation: the end points and the barrier on [0, 1] above the
     * higher one (Goodfellow et al.). */
    double la = NAN, lb = NAN, top = -INFINITY;
    if (m2)
        for (size_t i = 0; i < G; i++) {
            if (alpha[i] == 0.0) la = lloss[i];
            if (alpha[i] == 1.0) lb = lloss[i];
            if (alpha[i] >= 0.0 && alpha[i] <= 1.0 && lloss[i] > top) top = lloss[i];
        }
    double barrier = isfinite(la) && isfinite(lb) ? top - fmax(la, lb) : NAN;
    if (o.csv) {
        sbuf b = {0};
        sb_printf(&b, "kind,alpha,beta,loss,accuracy\n");
        const char *kind = m2 ? "interpolate" : "line";
        for (size_t i = 0; i < G; i++) {
            sb_printf(&b, "%s,", kind);
            csv_num(&b, alpha[i], ",,");
            csv_num(&b, lloss[i], ",");
            csv_num(&b, lacc[i], "\n");
        }
        for (size_t j = 0; j < nb; j++)
            for (size_t i = 0; i < G; i++) {
                sb_printf(&b, "plane,");
                csv_num(&b, alpha[i], ",");
                csv_num(&b, beta[j], ",");
                csv_num(&b, ploss[j * G + i], ",");
                csv_num(&b, pacc[j * G + i], "\n");
            }
        if (b.oom) {
            free(b.p);
            eo_error_set(&e, EO_ERR_NOMEM, "out of memory for the CSV");
            goto fail;
        }
        eo_io_piece pc = {b.p, b.len};
        int st = eo_io_write_atomic(o.csv, &pc, 1, &e);
        free(b.p);
        if (st) goto fail;
    }
    if (o.plot) {
        char title[600];
        if (m2)
            snprintf(title, sizeof title, "%s -> %s on %s", o.model, o.model2, o.data);
        else
            snprintf(title, sizeof title, "%s on %s (%s directions)", o.model, o.data, mode);
        eo_landscape_figure fig;
        memset(&fig, 0, sizeof fig);
        fig.title = title;
        fig.xlabel = m2 ? "alpha (0 = MODEL, 1 = MODEL2)" : "alpha";
        fig.na = G;
        fig.alpha = alpha;
        fig.loss = lloss;
        fig.acc = cls ? lacc : NULL;
        fig.nb = nb;
        fig.beta = nb ? beta : NULL;
        fig.plane_loss = ploss;
        fig.ntraj = coords ? ntp : 0;
        fig.traj = coords;
        if (eo_landscape_plot(o.plot, &fig, &e)) goto fail;
    }
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "mode", mode);
        cJSON_AddStringToObject(j, "model", o.model);
        if (m2) cJSON_AddStringToObject(j, "model2", o.model2);
        cJSON_AddNumberToObject(j, "rows", (double)ds.rows);
        cJSON_AddNumberToObject(j, "params", (double)np);
        cJSON_AddNumberToObject(j, "grid", (double)G);
        eo_cli_json_num(j, "span", span);
        if (!m2) { /* the model itself: alpha = 0, on the grid when it is odd */
            int on = alpha[G / 2] == 0.0;
            eo_cli_json_num(j, "center_loss", on ? lloss[G / 2] : NAN);
            eo_cli_json_num(j, "center_accuracy", on ? lacc[G / 2] : NAN);
        }
        cJSON *line = cJSON_AddObjectToObject(j, "line");
        cJSON_AddItemToObject(line, "alpha", json_array(alpha, G));
        cJSON_AddItemToObject(line, "loss", json_array(lloss, G));
        if (cls) cJSON_AddItemToObject(line, "accuracy", json_array(lacc, G));
        eo_cli_json_num(line, "min_alpha", alpha[imin]);
        eo_cli_json_num(line, "min_loss", lloss[imin]);
        cJSON_AddNumberToObject(line, "negative_curvature", (double)negc);
        if (m2) {
            eo_cli_json_num(line, "loss_model", la);
            eo_cli_json_num(line, "loss_model2", lb);
            eo_cli_json_num(line, "barrier", barrier);
        }
        if (nb) {
            cJSON *pl = cJSON_AddObjectToObject(j, "plane");
            cJSON_AddItemToObject(pl, "alpha", json_array(alpha, G));
            cJSON_AddItemToObject(pl, "beta", json_array(beta, nb));
            cJSON *rows = cJSON_AddArrayToObject(pl, "loss");
            for (size_t r = 0; r < nb; r++) cJSON_AddItemToArray(rows, json_array(ploss + r * G, G));
        }
        if (coords) {
            cJSON *pc = cJSON_AddObjectToObject(j, "pca");
            cJSON_AddItemToObject(pc, "explained", json_array(ratio, 2));
            cJSON *tr = cJSON_AddArrayToObject(pc, "trajectory");
            for (size_t i = 0; i < ntp; i++) cJSON_AddItemToArray(tr, json_array(coords + 2 * i, 2));
        }
        eo_cli_json_num(j, "seconds", seconds);
        eo_cli_print_json(j);
    } else {
        printf("%s: %s, %zu rows, grid %zu, span %g: ", o.model, mode, ds.rows, G, span);
        if (m2)
            printf("loss %.4f at alpha 0, %.4f at alpha 1, barrier %.4f, min %.4f at alpha %.3g", la, lb, barrier,
                   lloss[imin], alpha[imin]);
        else
            printf("loss %.4f at the model, min %.4f at alpha %.3g", alpha[G / 2] == 0.0 ? lloss[G / 2] : NAN,
                   lloss[imin], alpha[imin]);
        printf(", %zu points of negative curvature on the line", negc);
        if (coords) printf(", PCA explains %.1f%% + %.1f%%", 100 * ratio[0], 100 * ratio[1]);
        printf(" (%.1f s)\n", seconds);
    }
    rc = EO_EXIT_OK;
    goto done;
fail:
    if (e.code == EO_ERR_INTERRUPTED) {
        eo_cli_fail(CMD, "interrupted: %s", e.msg);
        rc = 130;
    } else {
        rc = eo_cli_fail_err(CMD, &e);
    }
done:
    if (pool) {
        eo_model_set_parallel(m, NULL);
        eo_pool_destroy(pool);
    }
    free_list(paths, ntp);
    free(traj);
    free(coords);
    free(d1);
    free(d2);
    free(alpha);
    free(beta);
    free(lloss);
    free(lacc);
    free(ploss);
    free(pacc);
    eo_model_destroy(m);
    eo_model_destroy(m2);
    eo_scaler_free(&sc);
    eo_dataset_free(&ds);
    return rc;
}
