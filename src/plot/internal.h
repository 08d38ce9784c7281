/* Private parts of the plot module: the figure model, the drawing canvas
 * interface the renderer talks to, and helpers shared between files.
 * Never installed. */
#ifndef EO_PLOT_INTERNAL_H
#define EO_PLOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/plot.h"

/* ----------------------------------------------------------- the model */

typedef enum eo__kind {
    EO__LINE = 0,   /* line and/or markers (scatter is a line with width 0) */
    EO__BARS,       /* x = edges (n+1), y = heights (n) */
    EO__VLINES,     /* x (n) */
    EO__HLINES,     /* y (n) */
    EO__CONTOUR,    /* grid + levels */
    EO__HEATMAP,    /* grid + color range */
    EO__PARETO,     /* x, y (n) + front mask */
    EO__TEXT        /* x, y (1) + label */
} eo__kind;

typedef struct eo__series {
    int kind;
    char *label;             /* owned, may be NULL */
    eo_style st;             /* color resolved (never EO_COLOR_AUTO) */
    size_t n;
    double *x, *y;           /* owned */
    unsigned char *front;    /* pareto: owned, n entries */
    int hist_kind;           /* bars */
    int sense[2];            /* pareto: eo_sense of x and y */
    int halign;              /* text */
    /* grid kinds */
    size_t nx, ny;
    double gx0, gx1, gy0, gy1;
    double *z;               /* owned, nx*ny */
    double *levels;          /* contour: owned, nlev increasing */
    size_t nlev;
    int filled, lines, colorbar;
    double fill_alpha;
    double zmin, zmax;       /* heatmap color range (resolved) */
    char *cbar_label;        /* owned, may be NULL */
} eo__series;

struct eo_panel {
    eo_figure *fig;
    char *title, *xlabel, *ylabel;
    int scale[2];            /* [0] x, [1] y */
    double lim[2][2];        /* explicit limits; NaN = auto */
    int legend;
    int grid;
    eo__series *s;
    size_t ns, cap;
    size_t palette_next;
};

struct eo_figure {
    int w, h;
    int rows, cols;
    eo_panel *panels;        /* rows*cols */
    char *title;
    char err[320];
};

/* Record the first error on the figure and return code. */
int eo__fail(eo_figure *f, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
char *eo__strdup(const char *s);   /* NULL and "" give NULL */
/* 1 if s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
int eo__utf8_valid(const char *s);
/* Make a number printed by the C library locale-proof: whatever the current
 * locale's decimal point is, it becomes '.' (in place). */
void eo__c_number(char *s);
/* Copy n doubles (n may be 0 -> returns a 1-element buffer so NULL means
 * failure). Overflow-checked. */
double *eo__dup_doubles(const double *src, size_t n);
/* Append a zero-initialised series slot; NULL on allocation failure. */
eo__series *eo__panel_push(eo_panel *p);
/* Next palette color of the panel. */
uint32_t eo__panel_next_color(eo_panel *p);

/* ------------------------------------------------------------- canvas */

typedef struct eo__paint {
    uint32_t rgb;
    double alpha;
    double width;    /* stroke width (px); ignored for fills */
    int dash;        /* eo_dash; ignored for fills */
} eo__paint;

/* A drawing target. Coordinates are pixels, origin at the top left, y down.
 * Paths are arrays of npts (x, y) pairs; a NaN pair starts a new subpath.
 * Every call after a failure is a no-op; `status` keeps the first error. */
typedef struct eo__canvas eo__canvas;
struct eo__canvas {
    void *impl;
    int status;
    void (*group_begin)(eo__canvas *c, const char *cls, const char *title);
    void (*group_end)(eo__canvas *c);
    void (*path)(eo__canvas *c, const double *xy, size_t npts, int closed,
                 const eo__paint *stroke, const eo__paint *fill, const char *cls);
    void (*circle)(eo__canvas *c, double cx, double cy, double r, const eo__paint *stroke,
                   const eo__paint *fill, const char *cls);
    /* Text with its baseline at y; halign 0 left, 1 centre, 2 right of x;
     * rotated by angle degrees (counter-clockwise on screen is negative,
     * e.g. -90 for a y label) about (x, y). */
    void (*text)(eo__canvas *c, double x, double y, const char *s, double size, int bold,
                 int halign, double angle, uint32_t rgb, const char *cls);
    double (*text_width)(eo__canvas *c, const char *s, double size, int bold);
    void (*font_metrics)(eo__canvas *c, double size, double *ascent, double *descent);
    void (*clip_begin)(eo__canvas *c, double x, double y, double w, double h);
    void (*clip_end)(eo__canvas *c);
    /* An image of iw x ih pixels (premultiplied ARGB32, native-endian
     * uint32 per pixel, row-major, top row first) placed at (x, y) at 1:1. */
    void (*image)(eo__canvas *c, double x, double y, int iw, int ih, const uint32_t *argb);
};

/* Draw the whole figure on a canvas (layout, axes, series, legends). */
int eo__render(const eo_figure *f, eo__canvas *c, eo_error *err);

/* Dash pattern (on/off lengths in px) for a stroke of this width; returns the
 * number of entries (0 = solid). Dots are near-zero dashes drawn with round caps. */
size_t eo__dash_pattern(int dash, double width, double out[4]);

#ifdef EO_HAVE_PLOT
/* Back ends (cairo builds only). Each renders the figure and writes the bytes
 * to `file` (a FILE*); returns a status, with the message in err. */
int eo__render_png(const eo_figure *f, void *file, eo_error *err);
int eo__render_svg(const eo_figure *f, void *file, eo_error *err);
/* Text measurement through cairo's toy font API ("DejaVu Sans"), shared by
 * both back ends so PNG and SVG get the same layout. cr is a cairo_t*. */
double eo__cairo_text_width(void *cr, const char *s, double size, int bold);
void eo__cairo_font_metrics(void *cr, double size, double *ascent, double *descent);
#endif

/* --------------------------------------------------- shared computations */

/* Colormap lookup table of 256 entries (0xRRGGBB), filled from eo_plot_colormap. */
void eo__colormap_lut(uint32_t lut[256]);

/* Finite min and max of z[0..n); returns 0 if there is no finite value. */
int eo__finite_range(const double *z, size_t n, double *lo, double *hi);

/* Bilinear interpolation of a node grid at (x, y) (NaN outside or near no-data). */
double eo__grid_sample(size_t nx, size_t ny, double x0, double x1, double y0, double y1,
                       const double *z, double x, double y);

#endif
