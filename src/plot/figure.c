/* The figure model: figures, panels, their settings, enum names, styles.
 * Series are added in series.c; drawing is in render*.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/internal.h"

int eo_plot_available(void)
{
#ifdef EO_HAVE_PLOT
    return 1;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------ enum names */

static const char *const scale_names[EO_AXIS_COUNT] = {"linear", "log10"};
static const char *const marker_names[EO_MARKER_COUNT] = {"none",    "circle", "square", "triangle",
                                                           "diamond", "cross",  "plus"};
static const char *const dash_names[EO_DASH_COUNT] = {"solid", "dashed", "dotted", "dashdot"};
static const char *const legend_names[EO_LEGEND_COUNT] = {
    "auto", "none", "upper-right", "upper-left", "lower-left", "lower-right", "outside"};
static const char *const levels_names[EO_LEVELS_COUNT] = {"auto", "linear", "log"};

static const char *name_of(const char *const *names, int count, int v)
{
    return (v >= 0 && v < count) ? names[v] : "?";
}

static int from_name(const char *const *names, int count, const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < count; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

const char *eo_axis_scale_name(int s) { return name_of(scale_names, EO_AXIS_COUNT, s); }
int eo_axis_scale_from_name(const char *s)
{
    if (s && !strcmp(s, "log")) return EO_AXIS_LOG10;
    return from_name(scale_names, EO_AXIS_COUNT, s);
}
const char *eo_marker_name(int m) { return name_of(marker_names, EO_MARKER_COUNT, m); }
int eo_marker_from_name(const char *s) { return from_name(marker_names, EO_MARKER_COUNT, s); }
const char *eo_dash_name(int d) { return name_of(dash_names, EO_DASH_COUNT, d); }
int eo_dash_from_name(const char *s) { return from_name(dash_names, EO_DASH_COUNT, s); }
const char *eo_legend_pos_name(int p) { return name_of(legend_names, EO_LEGEND_COUNT, p); }
int eo_legend_pos_from_name(const char *s) { return from_name(legend_names, EO_LEGEND_COUNT, s); }
const char *eo_levels_name(int l) { return name_of(levels_names, EO_LEVELS_COUNT, l); }
int eo_levels_from_name(const char *s) { return from_name(levels_names, EO_LEVELS_COUNT, s); }

/* ----------------------------------------------------------------- style */

eo_style eo_style_defaults(void)
{
    eo_style s;
    s.color = EO_COLOR_AUTO;
    s.alpha = 1.0;
    s.line_width = 1.75;
    s.dash = EO_DASH_SOLID;
    s.marker = EO_MARKER_NONE;
    s.marker_size = 6.0;
    s.marker_hollow = 0;
    s.steps = 0;
    s.legend = 1;
    s.halo = 0;
    return s;
}

const char *eo_style_check(const eo_style *s)
{
    if (!s) return "style is NULL";
    if (s->color != EO_COLOR_AUTO && (s->color < 0 || s->color > 0xFFFFFF))
        return "color must be 0xRRGGBB or EO_COLOR_AUTO";
    if (!(s->alpha >= 0.0 && s->alpha <= 1.0)) return "alpha must be in [0, 1]";
    if (!(s->line_width >= 0.0 && s->line_width <= 100.0)) return "line_width must be in [0, 100] px";
    if (s->dash < 0 || s->dash >= EO_DASH_COUNT) return "dash must be an eo_dash value";
    if (s->marker < 0 || s->marker >= EO_MARKER_COUNT) return "marker must be an eo_marker value";
    if (!(s->marker_size > 0.0 && s->marker_size <= 100.0)) return "marker_size must be in (0, 100] px";
    return NULL;
}

/* ---------------------------------------------------------------- helpers */

int eo__fail(eo_figure *f, int code, const char *fmt, ...)
{
    if (f && f->err[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->err, sizeof f->err, fmt, ap);
        va_end(ap);
    }
    return code;
}

int eo__utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0) return 0;
        unsigned cp = n == 0 ? c : n == 1 ? c & 0x1F : n == 2 ? c & 0x0F : c & 0x07;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        static const unsigned min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        p += n + 1;
    }
    return 1;
}

void eo__c_number(char *s)
{
    char *o = s;
    int in_point = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'n' || c == 'a' || c == 'i' || c == 'f') {
            *o++ = c;
            in_point = 0;
        } else if (!in_point) {
            *o++ = '.';
            in_point = 1;
        }
    }
    *o = '\0';
}

char *eo__strdup(const char *s)
{
    if (!s || !*s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

double *eo__dup_doubles(const double *src, size_t n)
{
    size_t bytes;
    if (!eo_size_mul(n ? n : 1, sizeof(double), &bytes)) return NULL;
    double *d = malloc(bytes);
    if (d && n && src) memcpy(d, src, n * sizeof(double));
    return d;
}

static void series_free(eo__series *s)
{
    free(s->label);
    free(s->x);
    free(s->y);
    free(s->front);
    free(s->z);
    free(s->levels);
    free(s->cbar_label);
}

static void panel_clear(eo_panel *p)
{
    for (size_t i = 0; i < p->ns; i++) series_free(&p->s[i]);
    free(p->s);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
}

static void panel_init(eo_panel *p, eo_figure *f)
{
    memset(p, 0, sizeof *p);
    p->fig = f;
    p->scale[0] = p->scale[1] = EO_AXIS_LINEAR;
    p->lim[0][0] = p->lim[0][1] = p->lim[1][0] = p->lim[1][1] = NAN;
    p->legend = EO_LEGEND_AUTO;
    p->grid = 1;
}

eo__series *eo__panel_push(eo_panel *p)
{
    if (p->ns == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8, bytes;
        if (!eo_size_mul(cap, sizeof(eo__series), &bytes)) return NULL;
        eo__series *s = realloc(p->s, bytes);
        if (!s) return NULL;
        p->s = s;
        p->cap = cap;
    }
    eo__series *s = &p->s[p->ns++];
    memset(s, 0, sizeof *s);
    s->st = eo_style_defaults();
    return s;
}

uint32_t eo__panel_next_color(eo_panel *p) { return eo_plot_palette(p->palette_next++); }

/* ----------------------------------------------------------------- figure */

int eo_figure_create(int width_px, int height_px, eo_figure **out)
{
    if (!out) return EO_ERR_INVALID;
    *out = NULL;
    if (width_px < 64 || width_px > 8192 || height_px < 64 || height_px > 8192) return EO_ERR_INVALID;
    eo_figure *f = calloc(1, sizeof *f);
    if (!f) return EO_ERR_NOMEM;
    f->w = width_px;
    f->h = height_px;
    int rc = eo_figure_panels(f, 1, 1);
    if (rc != EO_OK) {
        free(f);
        return rc;
    }
    *out = f;
    return EO_OK;
}

void eo_figure_destroy(eo_figure *f)
{
    if (!f) return;
    for (int i = 0; i < f->rows * f->cols; i++) panel_clear(&f->panels[i]);
    free(f->panels);
    free(f->title);
    free(f);
}

int eo_figure_panels(eo_figure *f, int rows, int cols)
{
    if (!f) return EO_ERR_INVALID;
    if (rows < 1 || rows > 8 || cols < 1 || cols > 8)
        return eo__fail(f, EO_ERR_INVALID, "panels: rows and cols must be in 1..8, got %d x %d", rows, cols);
    eo_panel *np = calloc((size_t)(rows * cols), sizeof *np);
    if (!np) return eo__fail(f, EO_ERR_NOMEM, "panels: out of memory");
    for (int i = 0; i < f->rows * f->cols; i++) panel_clear(&f->panels[i]);
    free(f->panels);
    f->panels = np;
    f->rows = rows;
    f->cols = cols;
    for (int i = 0; i < rows * cols; i++) panel_init(&np[i], f);
    return EO_OK;
}

size_t eo_figure_panel_count(const eo_figure *f) { return f ? (size_t)(f->rows * f->cols) : 0; }

eo_panel *eo_figure_panel(eo_figure *f, size_t index)
{
    if (!f || index >= (size_t)(f->rows * f->cols)) return NULL;
    return &f->panels[index];
}

static int set_text(eo_figure *f, char **dst, const char *s)
{
    if (s && !eo__utf8_valid(s)) return eo__fail(f, EO_ERR_INVALID, "text is not valid UTF-8");
    char *d = eo__strdup(s);
    if (s && *s && !d) return eo__fail(f, EO_ERR_NOMEM, "out of memory copying a label");
    free(*dst);
    *dst = d;
    return EO_OK;
}

int eo_figure_title(eo_figure *f, const char *title)
{
    if (!f) return EO_ERR_INVALID;
    return set_text(f, &f->title, title);
}

const char *eo_figure_error(const eo_figure *f) { return f ? f->err : ""; }

/* ----------------------------------------------------------------- panels */

int eo_panel_title(eo_panel *p, const char *s) { return p ? set_text(p->fig, &p->title, s) : EO_ERR_INVALID; }
int eo_panel_xlabel(eo_panel *p, const char *s) { return p ? set_text(p->fig, &p->xlabel, s) : EO_ERR_INVALID; }
int eo_panel_ylabel(eo_panel *p, const char *s) { return p ? set_text(p->fig, &p->ylabel, s) : EO_ERR_INVALID; }

static int set_scale(eo_panel *p, int axis, int scale)
{
    if (!p) return EO_ERR_INVALID;
    if (scale < 0 || scale >= EO_AXIS_COUNT)
        return eo__fail(p->fig, EO_ERR_INVALID, "%cscale: %d is not an eo_axis_scale", axis ? 'y' : 'x', scale);
    p->scale[axis] = scale;
    return EO_OK;
}
int eo_panel_xscale(eo_panel *p, int scale) { return set_scale(p, 0, scale); }
int eo_panel_yscale(eo_panel *p, int scale) { return set_scale(p, 1, scale); }

static int set_lim(eo_panel *p, int axis, double lo, double hi)
{
    if (!p) return EO_ERR_INVALID;
    if (isnan(lo) && isnan(hi)) {
        p->lim[axis][0] = p->lim[axis][1] = NAN;
        return EO_OK;
    }
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return eo__fail(p->fig, EO_ERR_INVALID, "%clim: need finite lo < hi, got [%g, %g]", axis ? 'y' : 'x', lo,
                        hi);
    p->lim[axis][0] = lo;
    p->lim[axis][1] = hi;
    return EO_OK;
}
int eo_panel_xlim(eo_panel *p, double lo, double hi) { return set_lim(p, 0, lo, hi); }
int eo_panel_ylim(eo_panel *p, double lo, double hi) { return set_lim(p, 1, lo, hi); }

int eo_panel_legend(eo_panel *p, int pos)
{
    if (!p) return EO_ERR_INVALID;
    if (pos < 0 || pos >= EO_LEGEND_COUNT)
        return eo__fail(p->fig, EO_ERR_INVALID, "legend: %d is not an eo_legend_pos", pos);
    p->legend = pos;
    return EO_OK;
}

int eo_panel_grid(eo_panel *p, int on)
{
    if (!p) return EO_ERR_INVALID;
    p->grid = on != 0;
    return EO_OK;
}

size_t eo__dash_pattern(int dash, double width, double out[4])
{
    double u = width < 1.0 ? 1.0 : width;
    switch (dash) {
    case EO_DASH_DASHED: out[0] = 4.0 * u, out[1] = 2.5 * u; return 2;
    case EO_DASH_DOTTED: out[0] = 0.01, out[1] = 2.2 * u; return 2; /* round caps make the dots */
    case EO_DASH_DASHDOT: out[0] = 4.0 * u, out[1] = 2.0 * u, out[2] = 0.01, out[3] = 2.0 * u; return 4;
    default: return 0;
    }
}
