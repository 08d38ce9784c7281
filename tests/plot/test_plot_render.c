/* Rendering: every plot kind and builder to PNG (signature, IHDR size) and
 * SVG (well-formed XML, the expected number of series paths, axis labels as
 * real text), atomic writes, and errors. Without cairo every save must fail
 * with EO_ERR_UNSUPPORTED and name libcairo2-dev.
 * The files are left in EO_BINARY_DIR/plot-test/ for a look. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "eo_test.h"
#include "edgeopt/plot.h"

#define OUT EO_BINARY_DIR "/plot-test"

/* ------------------------------------------------------------ helpers */

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, fp);
    fclose(fp);
    b[got] = '\0';
    if (len) *len = got;
    return b;
}

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3]; }

static void check_png(const char *path, int w, int h)
{
    size_t n;
    unsigned char *b = (unsigned char *)slurp(path, &n);
    if (!b) fail_msg("%s was not written", path);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    assert_true(n > 33);
    assert_memory_equal(b, sig, 8);
    assert_memory_equal(b + 12, "IHDR", 4);
    assert_int_equal(be32(b + 16), (unsigned)w);
    assert_int_equal(be32(b + 20), (unsigned)h);
    assert_memory_equal(b + n - 8, "IEND", 4);
    free(b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t c = 0, k = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle)) c++;
    return c;
}

/* A small well-formedness check: balanced tags, quoted attributes, known
 * entities, one root element. Returns NULL or what is wrong. */
static const char *xml_check(const char *s)
{
    char stack[64][32];
    int depth = 0, roots = 0;
    const char *p = s;
    while (*p) {
        if (*p == '&') {
            const char *e = strchr(p, ';');
            if (!e || e - p > 8) return "bad entity";
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
                strncmp(p, "&apos;", 6) && strncmp(p, "&#", 2))
                return "unknown entity";
            p = e + 1;
            continue;
        }
        if (*p != '<') {
            if (*p == '>') return "stray '>'";
            p++;
            continue;
        }
        if (!strncmp(p, "<?", 2)) {
            p = strstr(p, "?>");
            if (!p) return "unterminated <?";
            p += 2;
            continue;
        }
        if (!strncmp(p, "<!--", 4)) {
            p = strstr(p, "-->");
            if (!p) return "unterminated comment";
            p += 3;
            continue;
        }
        if (p[1] == '/') {
            p += 2;
            size_t n = strcspn(p, ">");
            if (depth == 0 || n >= 32 || strncmp(stack[depth - 1], p, n) || stack[depth - 1][n]) return "mismatched end tag";
            depth--;
            p += n + 1;
            continue;
        }
        p++;
        size_t n = strcspn(p, " \t\n/>");
        if (n == 0 || n >= 32) return "bad tag name";
        char name[32];
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        for (;;) {
            while (*p == ' ' || *p == '\n' || *p == '\t') p++;
            if (!strncmp(p, "/>", 2)) {
                p += 2;
                if (depth == 0) roots++;
                break;
            }
            if (*p == '>') {
                p++;
                if (depth == 0) roots++;
                if (depth == 64) return "too deep";
                strcpy(stack[depth++], name);
                break;
            }
            size_t an = strcspn(p, "= \t\n/>");
            if (an == 0 || p[an] != '=' || p[an + 1] != '"') return "bad attribute";
            p += an + 2;
            const char *q = strchr(p, '"');
            if (!q) return "unterminated attribute";
            for (const char *c = p; c < q; c++)
                if (*c == '<') return "'<' in an attribute";
            p = q + 1;
        }
    }
    if (depth) return "unclosed element";
    if (roots != 1) return "not exactly one root element";
    return NULL;
}

static char *check_svg(const char *path, int w, int h)
{
    char *b = slurp(path, NULL);
    if (!b) fail_msg("%s was not written", path);
    const char *why = xml_check(b);
    if (why) fail_msg("%s is not well-formed XML: %s", path, why);
    assert_true(!strncmp(b, "<?xml", 5));
    char want[96];
    snprintf(want, sizeof want, "width=\"%d\" height=\"%d\"", w, h);
    assert_non_null(strstr(b, want));
    return b;
}

/* Save as PNG and SVG; return the SVG text (caller frees), or NULL without cairo. */
static char *save_both(eo_figure *f, const char *name, int w, int h)
{
    char png[512], svg[512];
    snprintf(png, sizeof png, OUT "/%s.png", name);
    snprintf(svg, sizeof svg, OUT "/%s.svg", name);
    eo_error e;
    eo_error_clear(&e);
    int rc = eo_figure_save(f, png, &e);
    if (!eo_plot_available()) {
        assert_int_equal(rc, EO_ERR_UNSUPPORTED);
        assert_non_null(strstr(e.msg, "libcairo2-dev"));
        assert_int_equal(eo_figure_save(f, svg, &e), EO_ERR_UNSUPPORTED);
        return NULL;
    }
    if (rc) fail_msg("saving %s: %s", png, e.msg);
    check_png(png, w, h);
    rc = eo_figure_save(f, svg, &e);
    if (rc) fail_msg("saving %s: %s", svg, e.msg);
    return check_svg(svg, w, h);
}

static int setup(void **state)
{
    (void)state;
    mkdir(OUT, 0777);
    return 0;
}

/* ------------------------------------------------------- test functions */

static double rosen(size_t n, const double *x, double *g, void *u)
{
    (void)n, (void)g, (void)u;
    return (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
}

/* Gradient descent with momentum on Rosenbrock: a real trajectory. */
static size_t descend(double lr, double mom, size_t steps, double *xs, double *ys)
{
    double x = -1.5, y = 2.0, vx = 0, vy = 0;
    for (size_t i = 0; i < steps; i++) {
        xs[i] = x, ys[i] = y;
        double gx = -2 * (1 - x) - 400 * x * (y - x * x), gy = 200 * (y - x * x);
        vx = mom * vx - lr * gx, vy = mom * vy - lr * gy;
        x += vx, y += vy;
    }
    return steps;
}

/* ---------------------------------------------------------------- tests */

static void test_trajectories(void **state)
{
    (void)state;
    enum { N = 400 };
    static double xa[N], ya[N], xb[N], yb[N], xc[40], yc[40];
    descend(2e-4, 0.0, N, xa, ya);
    descend(2e-4, 0.9, N, xb, yb);
    descend(1e-3, 0.5, 40, xc, yc);
    xb[100] = NAN; /* a gap: still one path, with two pieces */
    eo_plot_series t[3] = {{"gd", N, xa, ya}, {"momentum", N, xb, yb}, {"gd lr=1e-3", 40, xc, yc}};
    eo_figure *f;
    assert_int_equal(eo_figure_create(760, 600, &f), EO_OK);
    eo_figure_title(f, "Rosenbrock: trajectories");
    eo_panel *p = eo_figure_panel(f, 0);
    assert_int_equal(eo_plot_trajectories(p, rosen, NULL, -2, 2, -1, 3, t, 3, NULL), EO_OK);
    char *svg = save_both(f, "trajectories", 760, 600);
    if (svg) {
        assert_int_equal(count(svg, "class=\"eo-line\""), 3);
        assert_int_equal(count(svg, "<title>momentum</title>"), 1);
        assert_int_equal(count(svg, "<image class=\"eo-raster\""), 1);
        assert_true(count(svg, "class=\"eo-contour\"") >= 6);
        assert_non_null(strstr(svg, "class=\"eo-xlabel\""));
        assert_non_null(strstr(svg, ">x0</text>"));
        assert_non_null(strstr(svg, ">x1</text>"));
        assert_non_null(strstr(svg, ">f(x0, x1)</text>"));
        assert_non_null(strstr(svg, ">Rosenbrock: trajectories</text>"));
        /* The gap: the momentum path has two subpaths. */
        const char *g = strstr(svg, "<title>momentum</title>");
        const char *d = strstr(g, " d=\""), *e = strchr(d + 4, '"');
        size_t moves = 0;
        for (const char *c = d; c < e; c++) moves += *c == 'M';
        assert_int_equal(moves, 2);
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_convergence(void **state)
{
    (void)state;
    enum { K = 3, N = 200 };
    static double fv[K][N], gv[K][N];
    const char *names[K] = {"sgd", "adam", "lbfgs"};
    eo_plot_series fs[K], gs[K];
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < N; i++) {
            double rate = 0.97 - 0.1 * k;
            fv[k][i] = 1.0 + 10.0 * pow(rate, i); /* f* = 1 */
            gv[k][i] = 5.0 * pow(rate, i / 2.0);
        }
        fs[k] = (eo_plot_series){names[k], N, NULL, fv[k]};
        gs[k] = (eo_plot_series){names[k], N, NULL, gv[k]};
    }
    fv[2][N - 1] = 1.0; /* f - f* = 0: skipped on the log axis */
    eo_figure *f;
    assert_int_equal(eo_figure_create(1000, 420, &f), EO_OK);
    assert_int_equal(eo_figure_panels(f, 1, 2), EO_OK);
    assert_int_equal(eo_plot_convergence(eo_figure_panel(f, 0), eo_figure_panel(f, 1), fs, gs, K, 1.0), EO_OK);
    char *svg = save_both(f, "convergence", 1000, 420);
    if (svg) {
        assert_int_equal(count(svg, "class=\"eo-line\""), 2 * K);
        assert_non_null(strstr(svg, ">f - f*</text>"));
        assert_non_null(strstr(svg, ">gradient norm</text>"));
        assert_int_equal(count(svg, ">iteration</text>"), 2);
        assert_int_equal(count(svg, "<title>lbfgs</title>"), 2);
        /* Log axis: powers of ten drawn as 10 with a superscript. */
        assert_true(count(svg, ">10</text>") >= 3);
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_learning_curves(void **state)
{
    (void)state;
    enum { N = 20 };
    double tl[N], vl[N], ta[N], va[N];
    for (int i = 0; i < N; i++) {
        tl[i] = 2.0 * exp(-0.2 * i) + 0.1;
        vl[i] = 2.0 * exp(-0.18 * i) + 0.2 + 0.002 * i * i;
        ta[i] = 1.0 - 0.9 * exp(-0.25 * i);
        va[i] = 0.95 - 0.9 * exp(-0.22 * i);
    }
    eo_figure *f;
    assert_int_equal(eo_figure_create(900, 380, &f), EO_OK);
    assert_int_equal(eo_figure_panels(f, 1, 2), EO_OK);
    assert_int_equal(eo_plot_learning_curves(eo_figure_panel(f, 0), eo_figure_panel(f, 1), N, NULL, tl, vl, ta, va), EO_OK);
    char *svg = save_both(f, "learning_curves", 900, 380);
    if (svg) {
        assert_int_equal(count(svg, "class=\"eo-line\""), 4);
        assert_non_null(strstr(svg, ">loss</text>"));
        assert_non_null(strstr(svg, ">accuracy</text>"));
        assert_int_equal(count(svg, ">epoch</text>"), 2);
        assert_int_equal(count(svg, ">validation</text>"), 2); /* legend entries */
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_histogram_grid(void **state)
{
    (void)state;
    enum { N = 20000 };
    static float w[N];
    eo_rng r;
    eo_rng_seed(&r, 1);
    float mx = 0;
    for (int i = 0; i < N; i++) {
        w[i] = (float)(0.05 * eo_rng_normal(&r));
        if (fabsf(w[i]) > mx) mx = fabsf(w[i]);
    }
    eo_figure *f;
    assert_int_equal(eo_figure_create(700, 420, &f), EO_OK);
    eo_panel *p = eo_figure_panel(f, 0);
    assert_int_equal(eo_plot_histogram_grid(p, "dense1.weight", N, w, 0, mx / 127.0, 0), EO_OK);
    char *svg = save_both(f, "histogram_grid", 700, 420);
    if (svg) {
        assert_int_equal(count(svg, "class=\"eo-vlines\""), 1);
        assert_int_equal(count(svg, "class=\"eo-bars\""), 1);
        /* One subpath per int8 level within half a step of the weights' range. */
        float lo = w[0], hi = w[0];
        for (int i = 0; i < N; i++) lo = fminf(lo, w[i]), hi = fmaxf(hi, w[i]);
        double s = mx / 127.0;
        size_t want = 0;
        for (int q = -128; q <= 127; q++) want += q * s >= lo - 0.5 * s && q * s <= hi + 0.5 * s;
        assert_true(want > 200);
        const char *v = strstr(svg, "class=\"eo-vlines\"");
        const char *d = strstr(v, " d=\""), *e = strchr(d + 4, '"');
        size_t moves = 0;
        for (const char *c = d; c < e; c++) moves += *c == 'M';
        assert_int_equal(moves, want);
        char lab[64];
        snprintf(lab, sizeof lab, "int8 grid (%zu levels", want);
        assert_non_null(strstr(svg, lab));
        assert_non_null(strstr(svg, ">weight value</text>"));
        assert_non_null(strstr(svg, ">dense1.weight</text>"));
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_pareto_and_tuning(void **state)
{
    (void)state;
    /* Accuracy (max) against flash bytes (min). */
    double flash[8] = {12e3, 20e3, 25e3, 40e3, 41e3, 64e3, 30e3, 90e3};
    double acc[8] = {0.80, 0.84, 0.83, 0.87, 0.86, 0.88, 0.85, 0.875};
    const char *names[8] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    unsigned char front[8];
    size_t nf;
    assert_int_equal(eo_plot_pareto_front(8, flash, acc, EO_MINIMIZE, EO_MAXIMIZE, front, &nf), EO_OK);
    assert_int_equal(nf, 5); /* a, b, g, d, f */
    double score[30];
    double lr[30];
    eo_rng r;
    eo_rng_seed(&r, 2);
    for (int i = 0; i < 30; i++) {
        lr[i] = pow(10.0, -4 + 3 * eo_rng_uniform(&r));
        score[i] = 0.9 - 0.1 * pow(log10(lr[i]) + 2.5, 2) + 0.01 * eo_rng_normal(&r);
    }
    score[4] = NAN; /* a failed trial */
    /* Hyperband: 9 trials at budget 1, 3 promoted to 3, 1 to 9. */
    long tid[13];
    double bud[13], sc[13];
    for (int i = 0; i < 9; i++) tid[i] = i, bud[i] = 1, sc[i] = 0.5 + 0.03 * i;
    for (int i = 0; i < 3; i++) tid[9 + i] = 6 + i, bud[9 + i] = 3, sc[9 + i] = 0.8 + 0.02 * i;
    tid[12] = 8, bud[12] = 9, sc[12] = 0.9;

    eo_figure *f;
    assert_int_equal(eo_figure_create(1000, 700, &f), EO_OK);
    assert_int_equal(eo_figure_panels(f, 2, 2), EO_OK);
    assert_int_equal(eo_plot_pareto(eo_figure_panel(f, 0), 8, flash, acc, EO_MINIMIZE, EO_MAXIMIZE, "flash (bytes)",
                                    "accuracy", names),
                     EO_OK);
    assert_int_equal(eo_plot_trials(eo_figure_panel(f, 1), 30, score, 1, "validation accuracy"), EO_OK);
    assert_int_equal(eo_plot_param_scores(eo_figure_panel(f, 2), "lr", 30, lr, score, 1, "validation accuracy"), EO_OK);
    assert_int_equal(eo_plot_rungs(eo_figure_panel(f, 3), 13, tid, bud, sc, "epochs", "validation accuracy"), EO_OK);
    char *svg = save_both(f, "tuning", 1000, 700);
    if (svg) {
        assert_int_equal(count(svg, "class=\"eo-front\""), 1);
        assert_int_equal(count(svg, "class=\"eo-text\""), 5); /* names of the front points */
        assert_non_null(strstr(svg, ">flash (bytes)</text>"));
        assert_non_null(strstr(svg, ">dominated</text>"));
        /* best-so-far line + one line per Hyperband trial evaluated at more
         * than one budget (the six stopped at rung 0 are single markers) */
        assert_int_equal(count(svg, "class=\"eo-line\""), 1 + 3);
        assert_non_null(strstr(svg, ">best so far</text>"));
        assert_non_null(strstr(svg, ">lr</text>"));
        assert_non_null(strstr(svg, "reached rung 2 (epochs 9)"));
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_misc_kinds(void **state)
{
    (void)state;
    eo_figure *f;
    assert_int_equal(eo_figure_create(900, 700, &f), EO_OK);
    assert_int_equal(eo_figure_panels(f, 2, 2), EO_OK);
    /* Heatmap with a text annotation per cell. */
    double z[12];
    for (int i = 0; i < 12; i++) z[i] = i * i;
    z[5] = NAN;
    eo_grid g = {4, 3, 0, 4, 0, 3, z};
    eo_panel *p = eo_figure_panel(f, 0);
    eo_heatmap_params hp = eo_heatmap_defaults();
    hp.label = "count";
    assert_int_equal(eo_panel_heatmap(p, &g, &hp), EO_OK);
    assert_int_equal(eo_panel_text(p, 0.5, 0.5, "0", 0), EO_OK);
    eo_panel_title(p, "heatmap");
    eo_panel_xlabel(p, "a < b & c");
    /* Contour lines only (no fill), given levels, over a saddle. */
    p = eo_figure_panel(f, 1);
    double s[21 * 21];
    for (int j = 0; j < 21; j++)
        for (int i = 0; i < 21; i++) s[j * 21 + i] = (i - 10) * (i - 10) / 100.0 - (j - 10) * (j - 10) / 100.0;
    eo_grid sg = {21, 21, -1, 1, -1, 1, s};
    eo_contour_params cp = eo_contour_defaults();
    double lv[5] = {-0.5, -0.2, 0.0, 0.2, 0.5};
    cp.levels = lv;
    cp.n_levels = 5;
    cp.filled = 0;
    assert_int_equal(eo_panel_contour(p, &sg, &cp), EO_OK);
    double hx[1] = {0.0};
    assert_int_equal(eo_panel_hlines(p, "y = 0", 1, hx, NULL), EO_OK);
    eo_panel_title(p, "saddle");
    /* Log-log scatter with non-positive points (skipped) and a broken line. */
    p = eo_figure_panel(f, 2);
    double x[6] = {1e-3, 1e-2, 0.0, 1, 10, 100}, y[6] = {1, 2, 3, -1, INFINITY, 30};
    eo_panel_xscale(p, EO_AXIS_LOG10);
    eo_panel_yscale(p, EO_AXIS_LOG10);
    assert_int_equal(eo_panel_scatter(p, "points", 6, x, y, NULL), EO_OK);
    assert_int_equal(eo_panel_line(p, "broken", 6, x, y, NULL), EO_OK);
    eo_panel_legend(p, EO_LEGEND_OUTSIDE);
    /* Step histogram with density and a reference line. */
    p = eo_figure_panel(f, 3);
    double v[500];
    eo_rng r;
    eo_rng_seed(&r, 4);
    for (int i = 0; i < 500; i++) v[i] = eo_rng_normal(&r);
    eo_hist_params h = eo_hist_defaults();
    h.kind = EO_HIST_STEP;
    h.density = 1;
    h.bins = 30;
    assert_int_equal(eo_panel_histogram(p, "normal", 500, v, &h, NULL), EO_OK);
    double zero = 0.0;
    assert_int_equal(eo_panel_vlines(p, "mean", 1, &zero, NULL), EO_OK);
    eo_panel_legend(p, EO_LEGEND_UPPER_LEFT);
    char *svg = save_both(f, "misc", 900, 700);
    if (svg) {
        assert_non_null(strstr(svg, ">a &lt; b &amp; c</text>"));
        assert_int_equal(count(svg, "<image class=\"eo-raster\""), 2); /* heatmap and its colorbar */
        assert_int_equal(count(svg, "class=\"eo-contour\""), 5);
        assert_int_equal(count(svg, "class=\"eo-hlines\""), 1);
        assert_int_equal(count(svg, "class=\"eo-colorbar\""), 1); /* heatmap only: unfilled contours have none */
        assert_int_equal(count(svg, "class=\"eo-legend\""), 3);
        free(svg);
    }
    eo_figure_destroy(f);
}

static void test_errors_and_atomic(void **state)
{
    (void)state;
    eo_figure *f;
    eo_error e;
    assert_int_equal(eo_figure_create(300, 200, &f), EO_OK);
    eo_panel *p = eo_figure_panel(f, 0);
    double y[3] = {1, 2, 3};
    eo_panel_line(p, "l", 3, NULL, y, NULL);
    eo_error_clear(&e);
    assert_int_equal(eo_figure_save(f, OUT "/plot.pdf", &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, ".png or .svg"));
    if (!eo_plot_available()) {
        eo_figure_destroy(f);
        return;
    }
    /* Log axis with a non-positive explicit limit. */
    eo_panel_yscale(p, EO_AXIS_LOG10);
    eo_panel_ylim(p, 0.0, 10.0);
    eo_error_clear(&e);
    assert_int_equal(eo_figure_save(f, OUT "/badlog.png", &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "log10 y axis"));
    eo_panel_ylim(p, NAN, NAN);
    /* A directory that does not exist. */
    eo_error_clear(&e);
    assert_int_equal(eo_figure_save(f, OUT "/no/such/dir/x.png", &e), EO_ERR_IO);
    /* Too many panels for the size. */
    assert_int_equal(eo_figure_panels(f, 8, 8), EO_OK);
    eo_error_clear(&e);
    assert_int_equal(eo_figure_save(f, OUT "/small.svg", &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "too small"));
    /* Overwrite an existing file; no temporary file is left behind. */
    assert_int_equal(eo_figure_panels(f, 1, 1), EO_OK);
    FILE *fp = fopen(OUT "/overwrite.png", "wb");
    fputs("old", fp);
    fclose(fp);
    assert_int_equal(eo_figure_save(f, OUT "/overwrite.png", &e), EO_OK);
    check_png(OUT "/overwrite.png", 300, 200);
    DIR *d = opendir(OUT);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp-")) fail_msg("temporary file left: %s", de->d_name);
    closedir(d);
    eo_figure_destroy(f);
}

/* Awkward data must neither crash nor produce broken files. */
static void test_extreme_data(void **state)
{
    (void)state;
    eo_figure *f;
    assert_int_equal(eo_figure_create(900, 600, &f), EO_OK);
    assert_int_equal(eo_figure_panels(f, 2, 3), EO_OK);
    double huge[4] = {-1.7e308, 1.7e308, 0.0, 1e300};
    double tiny[4] = {1.0, 1.0 + 1e-15, 1.0 + 2e-15, 1.0};
    double nan4[4] = {NAN, NAN, INFINITY, -INFINITY};
    double big_log[4] = {1e-300, 1e300, 1e-10, 1e10};
    double same[4] = {3, 3, 3, 3};
    eo_panel_line(eo_figure_panel(f, 0), "huge", 4, NULL, huge, NULL);
    eo_panel_line(eo_figure_panel(f, 1), "tiny range", 4, NULL, tiny, NULL);
    eo_panel_line(eo_figure_panel(f, 2), "no finite point", 4, NULL, nan4, NULL);
    eo_panel_yscale(eo_figure_panel(f, 3), EO_AXIS_LOG10);
    eo_panel_scatter(eo_figure_panel(f, 3), "600 decades", 4, NULL, big_log, NULL);
    eo_panel_histogram(eo_figure_panel(f, 4), "constant", 4, same, NULL, NULL);
    eo_panel_line(eo_figure_panel(f, 5), "empty", 0, NULL, NULL, NULL);
    double z[9] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    eo_grid g = {3, 3, 0, 1, 0, 1, z};
    assert_int_equal(eo_panel_contour(eo_figure_panel(f, 5), &g, NULL), EO_OK);
    char *svg = save_both(f, "extreme", 900, 600);
    free(svg);
    eo_figure_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trajectories),     cmocka_unit_test(test_convergence),
        cmocka_unit_test(test_learning_curves),  cmocka_unit_test(test_histogram_grid),
        cmocka_unit_test(test_pareto_and_tuning), cmocka_unit_test(test_misc_kinds),
        cmocka_unit_test(test_errors_and_atomic), cmocka_unit_test(test_extreme_data),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
