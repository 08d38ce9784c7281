/* Private to the renderer (render.c: layout and axes; render_series.c:
 * series, rasters, legend, colorbar). */
#ifndef EO_PLOT_RENDER_H
#define EO_PLOT_RENDER_H

#include "plot/internal.h"

/* Font sizes in px. */
#define EO__FS_FIGTITLE 16.0
#define EO__FS_TITLE 14.0
#define EO__FS_LABEL 12.5
#define EO__FS_TICK 11.0
#define EO__FS_LEGEND 11.0
#define EO__FS_CBAR 10.5
#define EO__FS_TEXT 10.5
#define EO__TICK_LEN 5.0

#define EO__COL_TEXT 0x222222u
#define EO__COL_AXIS 0x444444u
#define EO__COL_GRID 0xE3E3E3u
#define EO__COL_GRID_MINOR 0xF1F1F1u
#define EO__COL_DOMINATED 0x9A9A9Au

typedef struct eo__axis {
    int scale;
    double lo, hi;    /* data limits */
    double p0, p1;    /* pixels of lo and hi */
    eo_ticks t;
} eo__axis;

typedef struct eo__pl {          /* one panel laid out */
    const eo_panel *p;
    double x, y, w, h;           /* plot area (px) */
    eo__axis ax[2];              /* [0] x, [1] y */
    const eo__series *cbar;      /* series owning the colorbar, or NULL */
    double cbar_x;               /* left of the colorbar */
    double legend_w, legend_h;   /* legend box size, 0 if none */
    int legend_pos;              /* the panel's eo_legend_pos, or OUTSIDE when AUTO found every corner crowded */
    double right_extra;          /* space right of the plot area used by colorbar/legend */
    int grid_series;             /* panel has a contour or heatmap */
} eo__pl;

typedef struct eo__rc {
    eo__canvas *c;
    const eo_figure *f;
    uint32_t lut[256];
    double asc1, desc1;          /* font ascent/descent per px of font size */
} eo__rc;

/* Data -> pixel (NaN for non-finite or non-positive on a log axis). */
double eo__map(const eo__axis *a, double v);
/* Pixel -> data. */
double eo__unmap(const eo__axis *a, double px);

/* Tick label helpers: labels may hold "^" (superscript) and '-' (drawn as a
 * true minus sign). */
double eo__label_width(eo__rc *r, const char *s, double size);
void eo__draw_label(eo__rc *r, double x, double baseline, const char *s, double size, int halign, uint32_t rgb,
                    const char *cls);
/* Text centred on `centre` along its direction, kept within [lo, hi] (shrunk
 * by up to 20%, then cut with an ellipsis if it does not fit); horizontal text
 * has its baseline at y = baseline, text rotated by angle (-90) at x = baseline. */
void eo__fit_text(eo__rc *r, double centre, double lo, double hi, double baseline, const char *s, double size,
                  int bold, double angle, const char *cls);
/* Baseline that centres digits vertically on y. */
double eo__center_baseline(double y, double size);
/* Height of one line of text of this size. */
double eo__line_h(const eo__rc *r, double size);

eo__paint eo__paint_of(uint32_t rgb, double alpha, double width, int dash);

/* render_series.c */
void eo__draw_series(eo__rc *r, const eo__pl *L, const eo__series *s, size_t index);
/* The white outline of a line series with style.halo (drawn for all such
 * series before any series, so no halo covers another series' line). */
void eo__draw_halo(eo__rc *r, const eo__pl *L, const eo__series *s);
void eo__legend_size(eo__rc *r, const eo_panel *p, double *w, double *h);
void eo__draw_legend(eo__rc *r, const eo__pl *L);
/* Best corner for an AUTO legend (0..3: upper right, upper left, lower right,
 * lower left); returns the share of the panel's drawn points it covers. */
double eo__legend_auto(const eo__pl *L, int *corner);
/* Width needed right of the plot area by the colorbar of series s. */
double eo__colorbar_width(eo__rc *r, const eo__series *s);
void eo__draw_colorbar(eo__rc *r, const eo__pl *L);

#endif
