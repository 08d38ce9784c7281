/* edgeopt plotting: figures built in memory, rendered to PNG or SVG.
 *
 * A figure is a grid of panels; each panel holds series (lines, scatter,
 * histograms, contour maps, heatmaps, reference lines, Pareto fronts, text)
 * and is drawn with its own axes, ticks, legend and optional colorbar when
 * the figure is saved. Typical use:
 *
 *     eo_figure *f;
 *     if (eo_figure_create(800, 500, &f) != EO_OK) ...;
 *     eo_panel *p = eo_figure_panel(f, 0);
 *     eo_panel_xlabel(p, "iteration");
 *     eo_panel_yscale(p, EO_AXIS_LOG10);
 *     eo_panel_line(p, "adam", n, NULL, fvals, NULL);
 *     eo_error err;
 *     int rc = eo_figure_save(f, "conv.png", &err);   (or "conv.svg")
 *     eo_figure_destroy(f);
 *
 * Build feature: the figure model and the plot logic (ticks, levels, marching
 * squares, colormap, Pareto fronts) are always built. Rendering needs cairo
 * (Debian `libcairo2-dev`, found by CMake through pkg-config); without it,
 * eo_figure_save, eo_plot_check_path and every builder that saves return
 * EO_ERR_UNSUPPORTED with a message naming `apt-get install libcairo2-dev`.
 * eo_plot_available() tells which build this is.
 *
 * Ownership: every string and array passed in is COPIED before the call
 * returns; the caller may free or reuse it at once. A figure owns its panels;
 * an eo_panel* is borrowed from its figure and valid until eo_figure_panels()
 * or eo_figure_destroy() is called on that figure. Nothing here is
 * thread-safe for one figure; distinct figures are independent (no globals).
 *
 * Coordinates: sizes are in pixels (1 px = 1 SVG user unit). Data values are
 * doubles. Points whose x or y is NaN or +-Inf are skipped and break a line
 * into pieces. On a log10 axis, points with a non-positive coordinate are
 * skipped in the same way (they have no position); explicit limits on a log
 * axis must be positive, otherwise eo_figure_save fails with EO_ERR_INVALID
 * and says which axis. */
#ifndef EDGEOPT_PLOT_H
#define EDGEOPT_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"
#include "edgeopt/objective.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when this build can render (cairo was found), else 0. */
int eo_plot_available(void);

/* ------------------------------------------------------------- enums */

typedef enum eo_axis_scale { EO_AXIS_LINEAR = 0, EO_AXIS_LOG10 = 1, EO_AXIS_COUNT } eo_axis_scale;
const char *eo_axis_scale_name(int scale);          /* "linear", "log10"; "?" if out of range */
int eo_axis_scale_from_name(const char *name);      /* -1 if unknown ("log" is accepted for log10) */

typedef enum eo_marker {
    EO_MARKER_NONE = 0,
    EO_MARKER_CIRCLE,
    EO_MARKER_SQUARE,
    EO_MARKER_TRIANGLE,
    EO_MARKER_DIAMOND,
    EO_MARKER_CROSS, /* an "x" */
    EO_MARKER_PLUS,
    EO_MARKER_COUNT
} eo_marker;
const char *eo_marker_name(int marker);
int eo_marker_from_name(const char *name);

typedef enum eo_dash { EO_DASH_SOLID = 0, EO_DASH_DASHED, EO_DASH_DOTTED, EO_DASH_DASHDOT, EO_DASH_COUNT } eo_dash;
const char *eo_dash_name(int dash);
int eo_dash_from_name(const char *name);

/* Where the legend goes. AUTO picks the corner of the plot area that covers
 * the fewest drawn data points (ties: upper right, upper left, lower right,
 * lower left); when even that corner would hide more than 3% of them, the
 * legend goes outside (if the plot keeps 60% of its width). OUTSIDE puts it to
 * the right of the plot area (and of a colorbar). */
typedef enum eo_legend_pos {
    EO_LEGEND_AUTO = 0,
    EO_LEGEND_NONE,
    EO_LEGEND_UPPER_RIGHT,
    EO_LEGEND_UPPER_LEFT,
    EO_LEGEND_LOWER_LEFT,
    EO_LEGEND_LOWER_RIGHT,
    EO_LEGEND_OUTSIDE,
    EO_LEGEND_COUNT
} eo_legend_pos;
const char *eo_legend_pos_name(int pos);
int eo_legend_pos_from_name(const char *name);

/* How automatic contour levels are spaced. AUTO chooses LOG when the field's
 * dynamic range is large (max - min more than 5 times the median excess over
 * the minimum, as for Rosenbrock, Himmelblau or Beale; a quadratic bowl has
 * about 3), LINEAR otherwise. LOG levels are
 * min + 10^t with t evenly spaced, so they work for fields that reach 0 or go
 * negative. */
typedef enum eo_levels { EO_LEVELS_AUTO = 0, EO_LEVELS_LINEAR, EO_LEVELS_LOG, EO_LEVELS_COUNT } eo_levels;
const char *eo_levels_name(int levels);
int eo_levels_from_name(const char *name);

/* Histogram drawing: filled bars or an outline ("step"). */
typedef enum eo_hist_kind { EO_HIST_BAR = 0, EO_HIST_STEP, EO_HIST_COUNT } eo_hist_kind;

/* Pareto sense of an axis. */
typedef enum eo_sense { EO_MINIMIZE = 0, EO_MAXIMIZE = 1 } eo_sense;

/* ------------------------------------------------------------- style */

#define EO_COLOR_AUTO (-1)

/* Look of a series. Start from eo_style_defaults() and change fields. */
typedef struct eo_style {
    int32_t color;      /* 0xRRGGBB, or EO_COLOR_AUTO: the panel's next palette color */
    double alpha;       /* opacity 0..1 (default 1) */
    double line_width;  /* px; 0 draws no line (default 1.75) */
    int dash;           /* eo_dash (default solid) */
    int marker;         /* eo_marker at each point (default none) */
    double marker_size; /* px, marker diameter (default 6) */
    int marker_hollow;  /* 1: white-filled markers with a colored edge (default 0) */
    int steps;          /* 1: draw the line as a staircase, horizontal first (default 0) */
    int legend;         /* 1: list it in the legend when it has a label (default 1) */
    int halo;           /* 1: a white outline under the line, for contrast on maps (default 0) */
} eo_style;

eo_style eo_style_defaults(void);
/* NULL if the style is valid, else a static sentence saying which field is wrong. */
const char *eo_style_check(const eo_style *s);

/* Qualitative palette for series: the Okabe-Ito colors (colorblind-safe)
 * without their yellow, then four darker extras; cycles after
 * eo_plot_palette_size() entries. */
uint32_t eo_plot_palette(size_t i);
size_t eo_plot_palette_size(void);

/* Sequential colormap, t in [0, 1] (clamped; NaN gives mid grey) -> sRGB.
 * Dark blue-violet to light yellow; lightness CIE L* rises linearly in t
 * (from 20 to 93), hue turns through blue, teal and green, chroma is as high
 * as sRGB allows. See docs/plotting.md for the derivation. */
void eo_plot_colormap(double t, uint8_t rgb[3]);

/* ------------------------------------------------------------- ticks */

#define EO_TICKS_MAX 64
#define EO_TICK_LABEL_MAX 24

/* Ticks of one axis. Labels are compact ("0.3", "2.5e6", "10^-3" for powers of
 * ten on log axes: the renderer draws "^k" as a superscript). */
typedef struct eo_ticks {
    size_t n;                                  /* major ticks, increasing */
    double major[EO_TICKS_MAX];
    char label[EO_TICKS_MAX][EO_TICK_LABEL_MAX];
    size_t nminor;                             /* minor ticks (log axes), increasing */
    double minor[EO_TICKS_MAX * 2];
    double step;                               /* linear: spacing; log: decades per major (0 if mixed) */
} eo_ticks;

/* Heckbert's nice number ("Nice numbers for graph labels", Graphics Gems,
 * 1990): the number of the form {1, 2, 5, 10} x 10^k closest to x (round != 0)
 * or the smallest such number >= x (round == 0). x must be > 0 and finite;
 * returns NaN otherwise. */
double eo_plot_nice_number(double x, int round);

/* Linear ticks with a 1, 2 or 5 x 10^k step, aiming at `target` ticks
 * (2..20). loose != 0: the first tick is <= lo and the last >= hi (the ticks
 * cover the range); loose == 0: only ticks inside [lo, hi] (with a tolerance of
 * 1e-9 steps). lo == hi is widened. Errors: EO_ERR_INVALID for non-finite or
 * lo > hi or target out of range. */
int eo_plot_ticks_linear(double lo, double hi, int target, int loose, eo_ticks *t);

/* log10 ticks over [lo, hi] (0 < lo <= hi): majors at powers of ten (every
 * d-th decade when there are many), minor ticks at 2..9 x 10^k; when fewer
 * than two powers of ten fall inside, majors at 1, 2, 5 x 10^k or, failing
 * that, linear nice ticks. loose as above (powers of ten around the range). */
int eo_plot_ticks_log(double lo, double hi, int loose, eo_ticks *t);

/* Compact label of tick value v on an axis with tick spacing `step` (> 0):
 * the fewest decimals that represent v to 1e-9 step, scientific ("2.5e6",
 * "5e-4") for large or tiny magnitudes, "0" for values within 1e-9 step of 0.
 * Writes at most n bytes including the terminator. */
void eo_plot_tick_label(double v, double step, char *buf, size_t n);

/* ---------------------------------------------------------- contours */

/* A scalar field sampled on a regular grid (borrowed by the functions below,
 * copied by eo_panel_contour/eo_panel_heatmap): z[j*nx + i] is the value at
 * (x0 + i*(x1-x0)/(nx-1), y0 + j*(y1-y0)/(ny-1)), i < nx, j < ny, nx, ny >= 2,
 * x0 < x1, y0 < y1. NaN/Inf values mean "no data": cells touching them are
 * left out. For a log-spaced parameter, pass log10 of it as the coordinate. */
typedef struct eo_grid {
    size_t nx, ny;
    double x0, x1, y0, y1;
    const double *z;
} eo_grid;

/* NULL if the grid is usable, else a static sentence saying why not. */
const char *eo_grid_check(const eo_grid *g);

/* Polylines in data coordinates (result of eo_plot_contour_lines). Owned by
 * the caller after the call; release with eo_polylines_free. Polyline k has
 * points xy[2*offset[k] .. 2*offset[k+1]), and closed[k] says whether its last
 * point joins the first (the first point is not repeated). */
typedef struct eo_polylines {
    size_t count;
    size_t *offset;          /* count + 1 entries */
    double *xy;              /* 2 * offset[count] doubles */
    unsigned char *closed;   /* count entries */
} eo_polylines;

/* Iso-lines of the bilinear interpolant of g at `level` by marching squares:
 * a corner is "inside" when z >= level; crossings are linearly interpolated
 * along cell edges; the two ambiguous (saddle) cases are resolved with the
 * asymptotic decider (Nielson and Hamann, "The asymptotic decider", IEEE
 * Visualization 1991): the value of the bilinear interpolant at its saddle
 * point decides whether the two inside corners are connected. Segments are
 * joined into maximal polylines; a polyline is closed when it returns to its
 * start, open when it ends on the grid border or at a no-data cell.
 * Errors: EO_ERR_INVALID (bad grid, non-finite level), EO_ERR_RANGE, EO_ERR_NOMEM. */
int eo_plot_contour_lines(const eo_grid *g, double level, eo_polylines *out);
void eo_polylines_free(eo_polylines *pl);

/* Automatic contour levels of a grid: about `nlevels` (2..64) values strictly
 * between the finite min and max of z, spaced by `scale` (eo_levels; AUTO
 * resolves as documented above). Linear levels are nice numbers. Writes at
 * most cap values to out, count to *n. EO_ERR_INVALID for a constant or empty
 * field. */
int eo_plot_levels(const eo_grid *g, int nlevels, int scale, double *out, size_t cap, size_t *n);

/* ------------------------------------------------------------ Pareto */

/* on_front[i] = 1 if point i is non-dominated, 0 otherwise (also 0 for points
 * with a non-finite coordinate). j dominates i when it is at least as good on
 * both axes and strictly better on one (by the senses). Equal points are all
 * on the front. O(n log n). Returns the count on the front via *count (may be NULL). */
int eo_plot_pareto_front(size_t n, const double *x, const double *y, int x_sense, int y_sense,
                         unsigned char *on_front, size_t *count);

/* ------------------------------------------------------ figure model */

typedef struct eo_figure eo_figure;
typedef struct eo_panel eo_panel;

/* New figure of width x height pixels (each 64..8192) with one panel. */
int eo_figure_create(int width_px, int height_px, eo_figure **out);
void eo_figure_destroy(eo_figure *f);   /* NULL is accepted */
/* Lay the figure out as rows x cols panels (1..8 each), numbered row by row.
 * Discards the previous panels and everything in them. */
int eo_figure_panels(eo_figure *f, int rows, int cols);
size_t eo_figure_panel_count(const eo_figure *f);
/* Borrowed; NULL when index is out of range. */
eo_panel *eo_figure_panel(eo_figure *f, size_t index);
/* Title above all panels (copied; NULL or "" removes it). */
int eo_figure_title(eo_figure *f, const char *title);
/* Message of the first failed call on this figure or its panels ("" if none).
 * Borrowed, valid until the figure is destroyed. */
const char *eo_figure_error(const eo_figure *f);

/* Which format a path asks for, from its extension (case-insensitive). */
typedef enum eo_plot_format { EO_PLOT_PNG = 0, EO_PLOT_SVG = 1, EO_PLOT_FORMAT_COUNT } eo_plot_format;
/* EO_PLOT_PNG, EO_PLOT_SVG, or -1 for any other extension. */
int eo_plot_format_from_path(const char *path);
/* Early check for commands, before a long run: EO_OK if this build can write
 * `path` (extension .png or .svg, cairo available), else EO_ERR_INVALID (bad
 * extension) or EO_ERR_UNSUPPORTED (no cairo), with a message in err. */
int eo_plot_check_path(const char *path, eo_error *err);

/* Render and write the figure. The format comes from the extension (.png or
 * .svg, case-insensitive; anything else is EO_ERR_INVALID). The file is
 * written to a temporary file in the same directory, flushed to disk and
 * renamed over `path`, so a crash never leaves a half-written plot.
 * SVG output is written by our own writer: each series is a <g class="eo-series
 * eo-KIND"> group with a <title> holding its label, each line series is one
 * <path class="eo-line"> (pieces separated by NaN are subpaths of it), and all
 * text is real <text> (XML-escaped). Filled contours and heatmaps are embedded
 * PNG images. Errors: EO_ERR_UNSUPPORTED (no cairo), EO_ERR_INVALID, EO_ERR_IO,
 * EO_ERR_NOMEM. A failed earlier call (say, a series with a bad style) left
 * the figure unchanged and does not stop saving: check the status of each
 * call, or eo_figure_error(), before saving. */
int eo_figure_save(eo_figure *f, const char *path, eo_error *err);

/* ------------------------------------------------------------- panels */

/* Text setters copy the string; NULL or "" removes it. */
int eo_panel_title(eo_panel *p, const char *title);
int eo_panel_xlabel(eo_panel *p, const char *label);
int eo_panel_ylabel(eo_panel *p, const char *label);
int eo_panel_xscale(eo_panel *p, int scale);   /* eo_axis_scale, default linear */
int eo_panel_yscale(eo_panel *p, int scale);
/* Explicit limits, lo < hi, finite (positive on a log axis, checked when
 * saving). lo and hi both NaN return to automatic limits, which span the data
 * with a 3% margin (no margin for contour/heatmap grids), snapped to a nice
 * tick when one is close. */
int eo_panel_xlim(eo_panel *p, double lo, double hi);
int eo_panel_ylim(eo_panel *p, double lo, double hi);
int eo_panel_legend(eo_panel *p, int pos);     /* eo_legend_pos, default AUTO */
/* Light grid lines at the major ticks (default on; automatically off under a
 * filled contour or heatmap). */
int eo_panel_grid(eo_panel *p, int on);

/* Series. `label` may be NULL (not in the legend). `style` NULL means
 * eo_style_defaults() (scatter: a circle marker and no line). x NULL means
 * x[i] = i. n may be 0. All arrays are copied. */
int eo_panel_line(eo_panel *p, const char *label, size_t n, const double *x, const double *y,
                  const eo_style *style);
int eo_panel_scatter(eo_panel *p, const char *label, size_t n, const double *x, const double *y,
                     const eo_style *style);

/* Pre-binned histogram: nbins >= 1 bins with edges[0..nbins] strictly
 * increasing and heights[0..nbins) finite. kind is eo_hist_kind. */
int eo_panel_bars(eo_panel *p, const char *label, size_t nbins, const double *edges,
                  const double *heights, int kind, const eo_style *style);

typedef struct eo_hist_params {
    int bins;       /* 1..10000, default 50 */
    double lo, hi;  /* range; NaN = the finite min / max of the data (default) */
    int kind;       /* eo_hist_kind, default EO_HIST_BAR */
    int density;    /* 1: heights integrate to 1; 0: counts (default) */
} eo_hist_params;
eo_hist_params eo_hist_defaults(void);

/* Histogram of values[0..n): non-finite values and values outside [lo, hi]
 * are not counted; the last bin includes hi. */
int eo_panel_histogram(eo_panel *p, const char *label, size_t n, const double *values,
                       const eo_hist_params *hp, const eo_style *style);

/* Reference lines across the whole plot area: vertical at each x[i], or
 * horizontal at each y[i] (style NULL: thin grey dashed). */
int eo_panel_vlines(eo_panel *p, const char *label, size_t n, const double *x, const eo_style *style);
int eo_panel_hlines(eo_panel *p, const char *label, size_t n, const double *y, const eo_style *style);

typedef struct eo_contour_params {
    int nlevels;            /* automatic levels: about this many, 2..64 (default 12) */
    int level_scale;        /* eo_levels (default AUTO) */
    const double *levels;   /* explicit strictly increasing levels (copied), or NULL */
    size_t n_levels;        /* their count (1..64) when levels != NULL */
    int filled;             /* fill bands between levels with the colormap (default 1) */
    int lines;              /* draw the iso-lines (default 1) */
    double fill_alpha;      /* opacity of the fill, 0..1 (default 1) */
    int colorbar;           /* colorbar at the right of the panel (default 1) */
    const char *label;      /* colorbar label (copied), or NULL */
} eo_contour_params;
eo_contour_params eo_contour_defaults(void);

/* Contour map of a grid (z values at grid nodes; see eo_grid). The fill is
 * the bilinear interpolant's band at each pixel; lines are from
 * eo_plot_contour_lines. cp NULL = defaults. */
int eo_panel_contour(eo_panel *p, const eo_grid *g, const eo_contour_params *cp);

typedef struct eo_heatmap_params {
    double zmin, zmax;      /* color range; NaN = the finite min / max (default) */
    int colorbar;           /* default 1 */
    const char *label;      /* colorbar label (copied), or NULL */
} eo_heatmap_params;
eo_heatmap_params eo_heatmap_defaults(void);

/* Heatmap: cell (i, j) of the nx x ny matrix z[j*nx + i] fills
 * [x0 + i*w, x0 + (i+1)*w] x [y0 + j*h, y0 + (j+1)*h], w = (x1-x0)/nx,
 * h = (y1-y0)/ny (cells, not nodes; nx, ny >= 1 here). NaN cells are blank. */
int eo_panel_heatmap(eo_panel *p, const eo_grid *g, const eo_heatmap_params *hp);

/* Pareto front of the points (x[i], y[i]): non-dominated points in the series
 * color joined by a staircase, dominated points in grey. The legend shows
 * `label` for the front and "dominated" for the rest. */
int eo_panel_pareto(eo_panel *p, const char *label, size_t n, const double *x, const double *y,
                    int x_sense, int y_sense, const eo_style *style);

/* Text at data point (x, y), vertically centred; halign -1 starts the text
 * 5 px right of the point, 0 centres it, 1 ends it 5 px left of the point. */
int eo_panel_text(eo_panel *p, double x, double y, const char *text, int halign);

/* ------------------------------------------------------------ builders
 * Small functions over the API above, used by the commands. They draw into
 * panels the caller took from a figure (and may set titles, labels, scales and
 * legends of those panels); the caller saves the figure. */

/* One named series of points (borrowed by the builders). x NULL = 0, 1, ... */
typedef struct eo_plot_series {
    const char *name;
    size_t n;
    const double *x;
    const double *y;
} eo_plot_series;

typedef struct eo_map_params {
    int grid;          /* samples per axis, 8..1000 (default 160) */
    int nlevels;       /* default 14 */
    int level_scale;   /* eo_levels, default AUTO */
    int markers;       /* per-point markers on trajectories: 1 on, 0 off, -1 auto:
                          on for trajectories of at most 60 points (default -1) */
} eo_map_params;
eo_map_params eo_map_defaults(void);

/* Optimizer trajectories over the contour map of f(x, y) on [x0,x1]x[y0,y1]
 * (f is called with n = 2 and grad = NULL; non-finite values leave holes).
 * traj[k].x / .y are the iterates' coordinates; each trajectory is a line
 * in its own palette color with a square at its start and a filled circle
 * at its end; the legend lists the names. Points outside the map are
 * clipped. mp NULL = defaults. */
int eo_plot_trajectories(eo_panel *p, eo_fn f, void *user, double x0, double x1, double y0,
                         double y1, const eo_plot_series *traj, size_t k, const eo_map_params *mp);

/* Convergence: fs[i].y are objective values against iteration fs[i].x; when
 * fstar is finite f - fstar is drawn ("f - f*"), otherwise f. The y axis is
 * log10 unless some drawn value is <= 0 with no fstar, then linear; values
 * <= 0 on a log axis are skipped (see the header comment). gs (NULL or k
 * entries, into panel gp, which may be NULL) are gradient norms, log10. */
int eo_plot_convergence(eo_panel *fp, eo_panel *gp, const eo_plot_series *fs,
                        const eo_plot_series *gs, size_t k, double fstar);

/* Learning curves over n epochs (epoch NULL = 1..n): loss in loss_panel,
 * accuracy in acc_panel (either panel may be NULL); train solid, validation
 * dashed; any of the four arrays may be NULL (not drawn). */
int eo_plot_learning_curves(eo_panel *loss_panel, eo_panel *acc_panel, size_t n,
                            const double *epoch, const double *train_loss,
                            const double *val_loss, const double *train_acc,
                            const double *val_acc);

/* Weight histogram (bins, 0 = 80) with the int8 grid: light vertical lines at
 * (q - zero_point) * scale for q in -128..127 that fall inside the weights'
 * range (scale <= 0: no grid). */
int eo_plot_histogram_grid(eo_panel *p, const char *name, size_t n, const float *w, int bins,
                           double scale, int zero_point);

/* Pareto front of (x[i], y[i]) with axis labels; names (NULL or n strings,
 * entries may be NULL) annotate the points on the front. */
int eo_plot_pareto(eo_panel *p, size_t n, const double *x, const double *y, int x_sense,
                   int y_sense, const char *xlabel, const char *ylabel,
                   const char *const *names);

/* Tuning: score of each trial (NaN = failed, not drawn) against trial number
 * 1..n, and the best-so-far staircase (max when maximize, else min). */
int eo_plot_trials(eo_panel *p, size_t n, const double *score, int maximize,
                   const char *score_name);

/* One hyperparameter against the score of each trial (log10 x when log_x). */
int eo_plot_param_scores(eo_panel *p, const char *param, size_t n, const double *value,
                         const double *score, int log_x, const char *score_name);

/* Hyperband/successive-halving rungs: each of the n records is one
 * evaluation (trial id, budget, score); the evaluations of one trial are
 * joined by a line across budgets (log10 x), colored by the highest rung
 * (distinct budget) the trial reached. */
int eo_plot_rungs(eo_panel *p, size_t n, const long *trial, const double *budget,
                  const double *score, const char *budget_name, const char *score_name);

#ifdef __cplusplus
}
#endif
#endif
