/* Rendering series, filled rasters (contour bands, heatmaps), the legend and
 * the colorbar. Runs inside the plot area's clip (except legend and
 * colorbar). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/render.h"

#define SAMPLE_W 24.0 /* legend sample width */

/* -------------------------------------------------------------- markers */

static void marker(eo__rc *r, double x, double y, int shape, double size, uint32_t rgb, double alpha, int hollow)
{
    if (shape == EO_MARKER_NONE || !isfinite(x) || !isfinite(y)) return;
    eo__canvas *c = r->c;
    double h = size / 2;
    eo__paint edge = eo__paint_of(hollow ? rgb : 0xFFFFFF, alpha, hollow ? 1.3 : 0.6, EO_DASH_SOLID);
    eo__paint fill = eo__paint_of(hollow ? 0xFFFFFF : rgb, alpha, 0, 0);
    switch (shape) {
    case EO_MARKER_CIRCLE: c->circle(c, x, y, h, &edge, &fill, "eo-marker"); break;
    case EO_MARKER_SQUARE: {
        double q = h * 0.9, pts[8] = {x - q, y - q, x + q, y - q, x + q, y + q, x - q, y + q};
        c->path(c, pts, 4, 1, &edge, &fill, "eo-marker");
        break;
    }
    case EO_MARKER_TRIANGLE: {
        double pts[6] = {x, y - h * 1.15, x + h, y + h * 0.75, x - h, y + h * 0.75};
        c->path(c, pts, 3, 1, &edge, &fill, "eo-marker");
        break;
    }
    case EO_MARKER_DIAMOND: {
        double q = h * 1.2, pts[8] = {x, y - q, x + q * 0.8, y, x, y + q, x - q * 0.8, y};
        c->path(c, pts, 4, 1, &edge, &fill, "eo-marker");
        break;
    }
    case EO_MARKER_CROSS:
    case EO_MARKER_PLUS: {
        double q = shape == EO_MARKER_CROSS ? h * 0.8 : h;
        double pts[12];
        if (shape == EO_MARKER_CROSS) {
            double p[12] = {x - q, y - q, x + q, y + q, NAN, NAN, x - q, y + q, x + q, y - q, NAN, NAN};
            memcpy(pts, p, sizeof p);
        } else {
            double p[12] = {x - q, y, x + q, y, NAN, NAN, x, y - q, x, y + q, NAN, NAN};
            memcpy(pts, p, sizeof p);
        }
        eo__paint pen = eo__paint_of(rgb, alpha, 1.6, EO_DASH_SOLID);
        c->path(c, pts, 5, 0, &pen, NULL, "eo-marker");
        break;
    }
    default: break;
    }
}

static int inside(const eo__pl *L, double x, double y, double pad)
{
    return x >= L->x - pad && x <= L->x + L->w + pad && y >= L->y - pad && y <= L->y + L->h + pad;
}

/* --------------------------------------------------------------- lines */

/* Pixel path of points (x[i], y[i]) with NaN breaks, staircase when steps
 * (1: horizontal first, 2: vertical first), dropping points closer than 0.3 px
 * to the previous one. Returns the number of points; *out is malloc'ed. */
static size_t pixel_path(const eo__pl *L, size_t n, const double *x, const double *y, int steps, double **out)
{
    *out = NULL;
    size_t cap;
    if (!eo_size_mul(n, 6 * sizeof(double), &cap)) return 0;
    double *q = malloc(cap ? cap : 1);
    if (!q) return 0;
    size_t m = 0;
    int pen = 0; /* 1 when the last stored point is a real one */
    double lx = 0, ly = 0;
    for (size_t i = 0; i < n; i++) {
        double px = eo__map(&L->ax[0], x[i]), py = eo__map(&L->ax[1], y[i]);
        if (!isfinite(px) || !isfinite(py)) {
            if (pen) q[2 * m] = q[2 * m + 1] = NAN, m++;
            pen = 0;
            continue;
        }
        if (pen && steps) {
            double sx = steps == 1 ? px : lx, sy = steps == 1 ? ly : py;
            q[2 * m] = sx, q[2 * m + 1] = sy, m++;
        } else if (pen && fabs(px - lx) < 0.3 && fabs(py - ly) < 0.3 && i + 1 < n) {
            continue;
        }
        q[2 * m] = px, q[2 * m + 1] = py, m++;
        lx = px, ly = py;
        pen = 1;
    }
    *out = q;
    return m;
}

static void draw_line_series(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    const eo_style *st = &s->st;
    uint32_t rgb = (uint32_t)st->color;
    if (st->line_width > 0.0 && s->n >= 2) {
        double *q;
        size_t m = pixel_path(L, s->n, s->x, s->y, st->steps ? 1 : 0, &q);
        if (!q) {
            r->c->status = EO_ERR_NOMEM;
            return;
        }
        eo__paint pen = eo__paint_of(rgb, st->alpha, st->line_width, st->dash);
        if (m) r->c->path(r->c, q, m, 0, &pen, NULL, "eo-line");
        free(q);
    }
    if (st->marker != EO_MARKER_NONE)
        for (size_t i = 0; i < s->n; i++) {
            double px = eo__map(&L->ax[0], s->x[i]), py = eo__map(&L->ax[1], s->y[i]);
            if (inside(L, px, py, st->marker_size)) marker(r, px, py, st->marker, st->marker_size, rgb, st->alpha, st->marker_hollow);
        }
}

void eo__draw_halo(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    const eo_style *st = &s->st;
    if (s->kind != EO__LINE || !st->halo || st->line_width <= 0.0 || s->n < 2) return;
    double *q;
    size_t m = pixel_path(L, s->n, s->x, s->y, st->steps ? 1 : 0, &q);
    if (!q) {
        r->c->status = EO_ERR_NOMEM;
        return;
    }
    eo__paint halo = eo__paint_of(0xFFFFFF, 0.55 * st->alpha, st->line_width + 1.6, EO_DASH_SOLID);
    if (m) r->c->path(r->c, q, m, 0, &halo, NULL, "eo-halo");
    free(q);
}

/* Pareto: staircase through the front sorted by x, dominated points grey. */
typedef struct {
    double x, y;
} xy_t;

static int cmp_x(const void *a, const void *b)
{
    const xy_t *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

static void draw_pareto(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    const eo_style *st = &s->st;
    size_t nf = 0;
    for (size_t i = 0; i < s->n; i++) nf += s->front[i];
    r->c->group_begin(r->c, "eo-dominated", "dominated");
    for (size_t i = 0; i < s->n; i++) {
        if (s->front[i]) continue;
        double px = eo__map(&L->ax[0], s->x[i]), py = eo__map(&L->ax[1], s->y[i]);
        if (inside(L, px, py, st->marker_size)) marker(r, px, py, st->marker, st->marker_size, EO__COL_DOMINATED, 0.8, 1);
    }
    r->c->group_end(r->c);
    if (!nf) return;
    xy_t *f = malloc(nf * sizeof(xy_t));
    double *xs = malloc(nf * sizeof(double)), *ys = malloc(nf * sizeof(double));
    if (!f || !xs || !ys) {
        free(f), free(xs), free(ys);
        r->c->status = EO_ERR_NOMEM;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->front[i]) f[k].x = s->x[i], f[k].y = s->y[i], k++;
    qsort(f, nf, sizeof(xy_t), cmp_x);
    for (size_t i = 0; i < nf; i++) xs[i] = f[i].x, ys[i] = f[i].y;
    /* x minimized: between two front points the best reachable y is the
     * left one's (horizontal first); x maximized: the right one's. */
    double *q;
    size_t m = pixel_path(L, nf, xs, ys, s->sense[0] == EO_MINIMIZE ? 1 : 2, &q);
    if (q && m && st->line_width > 0.0) {
        eo__paint pen = eo__paint_of((uint32_t)st->color, st->alpha, st->line_width, st->dash);
        r->c->path(r->c, q, m, 0, &pen, NULL, "eo-front");
    }
    free(q);
    for (size_t i = 0; i < nf; i++) {
        double px = eo__map(&L->ax[0], xs[i]), py = eo__map(&L->ax[1], ys[i]);
        if (inside(L, px, py, st->marker_size)) marker(r, px, py, st->marker, st->marker_size, (uint32_t)st->color, st->alpha, 0);
    }
    free(f), free(xs), free(ys);
}

static void draw_bars(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    const eo_style *st = &s->st;
    const eo__axis *ay = &L->ax[1];
    double base = ay->scale == EO_AXIS_LOG10 ? ay->p0 + 2.0 : eo__map(ay, 0.0);
    if (ay->scale == EO_AXIS_LINEAR && !isfinite(base)) base = ay->p0;
    size_t bytes;
    double *q = eo_size_mul(s->n + 1, 8 * sizeof(double), &bytes) ? malloc(bytes) : NULL;
    if (!q) {
        r->c->status = EO_ERR_NOMEM;
        return;
    }
    /* Outline: base, up the first edge, along the tops, down the last edge. */
    size_t m = 0;
    double x0 = eo__map(&L->ax[0], s->x[0]);
    q[2 * m] = x0, q[2 * m + 1] = base, m++;
    for (size_t i = 0; i < s->n; i++) {
        double xa = eo__map(&L->ax[0], s->x[i]), xb = eo__map(&L->ax[0], s->x[i + 1]);
        double yt = eo__map(ay, s->y[i]);
        if (!isfinite(yt)) yt = base;
        q[2 * m] = xa, q[2 * m + 1] = yt, m++;
        q[2 * m] = xb, q[2 * m + 1] = yt, m++;
    }
    q[2 * m] = eo__map(&L->ax[0], s->x[s->n]), q[2 * m + 1] = base, m++;
    uint32_t rgb = (uint32_t)st->color;
    eo__paint pen = eo__paint_of(rgb, st->alpha, st->line_width > 0 ? st->line_width : 1.0, st->dash);
    if (s->hist_kind == EO_HIST_BAR) {
        eo__paint fill = eo__paint_of(rgb, 0.55 * st->alpha, 0, 0);
        r->c->path(r->c, q, m, 1, NULL, &fill, "eo-bars");
    }
    r->c->path(r->c, q, m, 0, &pen, NULL, "eo-bars-outline");
    free(q);
}

static void draw_reflines(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    int vert = s->kind == EO__VLINES;
    const double *v = vert ? s->x : s->y;
    size_t bytes;
    double *q = eo_size_mul(s->n + 1, 6 * sizeof(double), &bytes) ? malloc(bytes) : NULL;
    if (!q) {
        r->c->status = EO_ERR_NOMEM;
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        double p = eo__map(&L->ax[vert ? 0 : 1], v[i]);
        if (!isfinite(p)) continue;
        if (vert) q[2 * m] = p, q[2 * m + 1] = L->y, q[2 * m + 2] = p, q[2 * m + 3] = L->y + L->h;
        else q[2 * m] = L->x, q[2 * m + 1] = p, q[2 * m + 2] = L->x + L->w, q[2 * m + 3] = p;
        q[2 * m + 4] = q[2 * m + 5] = NAN;
        m += 3;
    }
    eo__paint pen = eo__paint_of((uint32_t)s->st.color, s->st.alpha, s->st.line_width, s->st.dash);
    if (m) r->c->path(r->c, q, m, 0, &pen, NULL, vert ? "eo-vlines" : "eo-hlines");
    free(q);
}

/* ------------------------------------------------------------- rasters */

static size_t band_of(const double *lev, size_t n, double z)
{
    size_t lo = 0, hi = n; /* count of levels <= z */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lev[mid] <= z) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static uint32_t premul(uint32_t rgb, double alpha)
{
    uint32_t a = (uint32_t)floor(alpha * 255.0 + 0.5);
    uint32_t R = (rgb >> 16) & 255, G = (rgb >> 8) & 255, B = rgb & 255;
    R = (R * a + 127) / 255, G = (G * a + 127) / 255, B = (B * a + 127) / 255;
    return (a << 24) | (R << 16) | (G << 8) | B;
}

/* Color of band k of nb (0 = below the first level). */
static uint32_t band_color(const eo__rc *r, size_t k, size_t nb)
{
    return r->lut[nb > 1 ? (k * 255 + (nb - 1) / 2) / (nb - 1) : 128];
}

static void draw_raster(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    double fx0 = floor(L->x), fy0 = floor(L->y);
    int iw = (int)(ceil(L->x + L->w) - fx0), ih = (int)(ceil(L->y + L->h) - fy0);
    if (iw <= 0 || ih <= 0) return;
    uint32_t *img = calloc((size_t)iw * (size_t)ih, sizeof(uint32_t));
    double *gx = malloc((size_t)iw * sizeof(double));
    if (!img || !gx) {
        free(img), free(gx);
        r->c->status = EO_ERR_NOMEM;
        return;
    }
    for (int i = 0; i < iw; i++) gx[i] = eo__unmap(&L->ax[0], fx0 + i + 0.5);
    for (int j = 0; j < ih; j++) {
        double y = eo__unmap(&L->ax[1], fy0 + j + 0.5);
        uint32_t *row = img + (size_t)j * (size_t)iw;
        for (int i = 0; i < iw; i++) {
            double x = gx[i], z;
            uint32_t rgb;
            if (s->kind == EO__CONTOUR) {
                z = eo__grid_sample(s->nx, s->ny, s->gx0, s->gx1, s->gy0, s->gy1, s->z, x, y);
                if (!isfinite(z)) continue;
                rgb = band_color(r, band_of(s->levels, s->nlev, z), s->nlev + 1);
            } else {
                double u = (x - s->gx0) / (s->gx1 - s->gx0) * (double)s->nx, v = (y - s->gy0) / (s->gy1 - s->gy0) * (double)s->ny;
                if (!(u >= 0 && u < (double)s->nx && v >= 0 && v < (double)s->ny)) continue;
                z = s->z[(size_t)v * s->nx + (size_t)u];
                if (!isfinite(z)) continue;
                double t = (z - s->zmin) / (s->zmax - s->zmin);
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                rgb = r->lut[(int)floor(t * 255.0 + 0.5)];
            }
            row[i] = premul(rgb, s->fill_alpha);
        }
    }
    r->c->image(r->c, fx0, fy0, iw, ih, img);
    free(img), free(gx);
}

static void draw_contour_lines(eo__rc *r, const eo__pl *L, const eo__series *s)
{
    eo_grid g = {s->nx, s->ny, s->gx0, s->gx1, s->gy0, s->gy1, s->z};
    for (size_t k = 0; k < s->nlev; k++) {
        eo_polylines pl;
        if (eo_plot_contour_lines(&g, s->levels[k], &pl) != EO_OK) {
            r->c->status = EO_ERR_NOMEM;
            return;
        }
        size_t npts = pl.offset[pl.count] + 2 * pl.count;
        double *q = malloc((npts ? npts : 1) * 2 * sizeof(double));
        if (!q) {
            eo_polylines_free(&pl);
            r->c->status = EO_ERR_NOMEM;
            return;
        }
        size_t m = 0;
        for (size_t c = 0; c < pl.count; c++) {
            size_t a = pl.offset[c], b = pl.offset[c + 1];
            for (size_t i = a; i <= b; i++) {
                size_t j = i < b ? i : a; /* closed: back to the start */
                if (i == b && !pl.closed[c]) break;
                q[2 * m] = eo__map(&L->ax[0], pl.xy[2 * j]);
                q[2 * m + 1] = eo__map(&L->ax[1], pl.xy[2 * j + 1]);
                m++;
            }
            q[2 * m] = q[2 * m + 1] = NAN;
            m++;
        }
        eo_polylines_free(&pl);
        /* Unfilled: lines in the colormap, stopping short of its lightest
         * colors, which vanish on white. */
        uint32_t lc = r->lut[s->nlev > 1 ? (int)(k * 200 / (s->nlev - 1)) : 100];
        eo__paint pen = s->filled ? eo__paint_of(0x202020, 0.45, 0.6, EO_DASH_SOLID)
                                  : eo__paint_of(lc, 1.0, 1.2, EO_DASH_SOLID);
        if (m) r->c->path(r->c, q, m, 0, &pen, NULL, "eo-contour");
        free(q);
    }
}

/* ------------------------------------------------------------- dispatch */

static const char *kind_class(const eo__series *s)
{
    switch (s->kind) {
    case EO__LINE: return s->st.line_width > 0.0 ? "eo-series eo-kind-line" : "eo-series eo-kind-scatter";
    case EO__BARS: return "eo-series eo-kind-bars";
    case EO__VLINES: return "eo-series eo-kind-vlines";
    case EO__HLINES: return "eo-series eo-kind-hlines";
    case EO__CONTOUR: return "eo-series eo-kind-contour";
    case EO__HEATMAP: return "eo-series eo-kind-heatmap";
    case EO__PARETO: return "eo-series eo-kind-pareto";
    default: return "eo-series eo-kind-text";
    }
}

void eo__draw_series(eo__rc *r, const eo__pl *L, const eo__series *s, size_t index)
{
    char title[64];
    const char *t = s->label;
    if (!t || s->kind == EO__TEXT) {
        snprintf(title, sizeof title, "series %zu", index);
        t = title;
    }
    r->c->group_begin(r->c, kind_class(s), t);
    switch (s->kind) {
    case EO__LINE: draw_line_series(r, L, s); break;
    case EO__BARS: draw_bars(r, L, s); break;
    case EO__VLINES:
    case EO__HLINES: draw_reflines(r, L, s); break;
    case EO__CONTOUR:
        if (s->filled) draw_raster(r, L, s);
        if (s->lines) draw_contour_lines(r, L, s);
        break;
    case EO__HEATMAP: draw_raster(r, L, s); break;
    case EO__PARETO: draw_pareto(r, L, s); break;
    case EO__TEXT: {
        double px = eo__map(&L->ax[0], s->x[0]), py = eo__map(&L->ax[1], s->y[0]);
        if (isfinite(px) && isfinite(py))
            r->c->text(r->c, px + (s->halign == -1 ? 5.0 : s->halign == 1 ? -5.0 : 0.0),
                       eo__center_baseline(py, EO__FS_TEXT), s->label, EO__FS_TEXT, 0, s->halign + 1, 0.0,
                       (uint32_t)s->st.color, "eo-text");
        break;
    }
    default: break;
    }
    r->c->group_end(r->c);
}

/* --------------------------------------------------------------- legend */

typedef struct {
    const eo__series *s;
    const char *text;
    int dominated;
} entry;

#define MAX_ENTRIES 64

static size_t entries(const eo_panel *p, entry *e)
{
    size_t n = 0;
    for (size_t k = 0; k < p->ns && n < MAX_ENTRIES; k++) {
        const eo__series *s = &p->s[k];
        if (!s->label || !s->st.legend || s->kind == EO__TEXT || s->kind == EO__CONTOUR || s->kind == EO__HEATMAP) continue;
        e[n].s = s, e[n].text = s->label, e[n].dominated = 0, n++;
        if (s->kind == EO__PARETO && n < MAX_ENTRIES) {
            int any = 0;
            for (size_t i = 0; i < s->n; i++) any |= !s->front[i] && isfinite(s->x[i]) && isfinite(s->y[i]);
            if (any) e[n].s = s, e[n].text = "dominated", e[n].dominated = 1, n++;
        }
    }
    return n;
}

static double row_h(eo__rc *r) { return eo__line_h(r, EO__FS_LEGEND) + 3.0; }

void eo__legend_size(eo__rc *r, const eo_panel *p, double *w, double *h)
{
    entry e[MAX_ENTRIES];
    size_t n = entries(p, e);
    *w = *h = 0.0;
    if (!n) return;
    double tw = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x = r->c->text_width(r->c, e[i].text, EO__FS_LEGEND, 0);
        if (x > tw) tw = x;
    }
    *w = 8.0 + SAMPLE_W + 6.0 + tw + 8.0;
    *h = 6.0 + (double)n * row_h(r) + 3.0;
}

/* Count drawn data points (and samples along segments) inside a box. */
static size_t crowd(const eo__pl *L, double bx, double by, double bw, double bh)
{
    size_t cnt = 0;
    const eo_panel *p = L->p;
    for (size_t k = 0; k < p->ns; k++) {
        const eo__series *s = &p->s[k];
        if (s->kind == EO__LINE || s->kind == EO__PARETO || s->kind == EO__TEXT) {
            double lx = NAN, ly = NAN;
            int lines = s->kind == EO__LINE && s->st.line_width > 0.0;
            for (size_t i = 0; i < s->n; i++) {
                double px = eo__map(&L->ax[0], s->x[i]), py = eo__map(&L->ax[1], s->y[i]);
                if (!isfinite(px) || !isfinite(py)) {
                    lx = NAN;
                    continue;
                }
                int steps = 1;
                if (lines && isfinite(lx)) {
                    double d = fabs(px - lx) + fabs(py - ly);
                    steps = d > 6.0 ? (int)fmin(d / 6.0, 200.0) : 1;
                }
                for (int t = 1; t <= steps; t++) {
                    double f = (double)t / steps;
                    double qx = isfinite(lx) ? lx + f * (px - lx) : px, qy = isfinite(lx) ? ly + f * (py - ly) : py;
                    if (qx >= bx && qx <= bx + bw && qy >= by && qy <= by + bh) cnt += s->kind == EO__TEXT ? 20 : 1;
                }
                lx = px, ly = py;
            }
        } else if (s->kind == EO__BARS) {
            double base = L->y + L->h;
            for (size_t i = 0; i < s->n; i++) {
                double xm = eo__map(&L->ax[0], 0.5 * (s->x[i] + s->x[i + 1])), yt = eo__map(&L->ax[1], s->y[i]);
                if (!isfinite(xm) || !isfinite(yt)) continue;
                for (double y = yt; y <= base; y += 8.0)
                    if (xm >= bx && xm <= bx + bw && y >= by && y <= by + bh) cnt++;
            }
        }
    }
    return cnt;
}

static void legend_sample(eo__rc *r, const entry *e, double x, double ymid)
{
    const eo__series *s = e->s;
    const eo_style *st = &s->st;
    uint32_t rgb = e->dominated ? EO__COL_DOMINATED : (uint32_t)st->color;
    double seg[4] = {x, ymid, x + SAMPLE_W, ymid};
    if (s->kind == EO__BARS) {
        double b[8] = {x + 4, ymid - 5, x + SAMPLE_W - 4, ymid - 5, x + SAMPLE_W - 4, ymid + 5, x + 4, ymid + 5};
        eo__paint pen = eo__paint_of(rgb, st->alpha, 1.0, EO_DASH_SOLID);
        eo__paint fill = eo__paint_of(rgb, s->hist_kind == EO_HIST_BAR ? 0.55 * st->alpha : 0.0, 0, 0);
        r->c->path(r->c, b, 4, 1, &pen, &fill, "eo-legend-sample");
        return;
    }
    if (!e->dominated && st->line_width > 0.0) {
        /* Faint reference lines get a readable sample. */
        eo__paint pen = eo__paint_of(rgb, fmax(st->alpha, 0.75), fmin(fmax(st->line_width, 1.2), 4.0), st->dash);
        r->c->path(r->c, seg, 2, 0, &pen, NULL, "eo-legend-sample");
    }
    if (st->marker != EO_MARKER_NONE && s->kind != EO__VLINES && s->kind != EO__HLINES)
        marker(r, x + SAMPLE_W / 2, ymid, st->marker, fmin(st->marker_size, 10.0), rgb, e->dominated ? 0.8 : st->alpha,
               e->dominated ? 1 : st->marker_hollow);
}

/* Corner candidates, in tie-break order: upper right, upper left, lower
 * right, lower left. */
static void corners(const eo__pl *L, double cand[4][2])
{
    double w = L->legend_w, h = L->legend_h, inset = 8.0;
    cand[0][0] = L->x + L->w - inset - w, cand[0][1] = L->y + inset;
    cand[1][0] = L->x + inset, cand[1][1] = L->y + inset;
    cand[2][0] = L->x + L->w - inset - w, cand[2][1] = L->y + L->h - inset - h;
    cand[3][0] = L->x + inset, cand[3][1] = L->y + L->h - inset - h;
}

double eo__legend_auto(const eo__pl *L, int *corner)
{
    double cand[4][2];
    corners(L, cand);
    size_t best = (size_t)-1;
    *corner = 0;
    for (int i = 0; i < 4; i++) {
        size_t c = crowd(L, cand[i][0] - 4, cand[i][1] - 4, L->legend_w + 8, L->legend_h + 8);
        if (c < best) best = c, *corner = i;
    }
    size_t all = crowd(L, L->x, L->y, L->w, L->h);
    return all ? (double)best / (double)all : 0.0;
}

void eo__draw_legend(eo__rc *r, const eo__pl *L)
{
    entry e[MAX_ENTRIES];
    size_t n = entries(L->p, e);
    if (!n) return;
    double w = L->legend_w, h = L->legend_h, bx, by, cand[4][2];
    int pos = L->legend_pos;
    corners(L, cand);
    if (pos == EO_LEGEND_OUTSIDE) {
        bx = L->x + L->w + 12.0 + (L->cbar ? L->right_extra - w - 12.0 : 0.0);
        by = L->y;
    } else {
        int i = 0;
        if (pos == EO_LEGEND_AUTO) eo__legend_auto(L, &i);
        else i = pos == EO_LEGEND_UPPER_RIGHT ? 0 : pos == EO_LEGEND_UPPER_LEFT ? 1 : pos == EO_LEGEND_LOWER_RIGHT ? 2 : 3;
        bx = cand[i][0], by = cand[i][1];
    }
    r->c->group_begin(r->c, "eo-legend", "legend");
    double box[8] = {bx, by, bx + w, by, bx + w, by + h, bx, by + h};
    eo__paint edge = eo__paint_of(0xBBBBBB, 1.0, 1.0, EO_DASH_SOLID), fill = eo__paint_of(0xFFFFFF, 0.88, 0, 0);
    r->c->path(r->c, box, 4, 1, &edge, &fill, "eo-legend-box");
    double rh = row_h(r);
    for (size_t i = 0; i < n; i++) {
        double ymid = by + 6.0 + rh * ((double)i + 0.5);
        legend_sample(r, &e[i], bx + 8.0, ymid);
        r->c->text(r->c, bx + 8.0 + SAMPLE_W + 6.0, eo__center_baseline(ymid, EO__FS_LEGEND), e[i].text, EO__FS_LEGEND, 0,
                   0, 0.0, EO__COL_TEXT, "eo-legend-text");
    }
    r->c->group_end(r->c);
}

/* ------------------------------------------------------------- colorbar */

#define CBAR_GAP 14.0
#define CBAR_W 14.0

/* Ticks of a colorbar: level boundaries (contour) or nice ticks (heatmap). */
static void cbar_ticks(const eo__series *s, double len, eo_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (s->kind == EO__HEATMAP) {
        int target = (int)(len / 45.0);
        eo_plot_ticks_linear(s->zmin, s->zmax, target < 2 ? 2 : target > 10 ? 10 : target, 0, t);
        return;
    }
    double step = INFINITY;
    for (size_t k = 1; k < s->nlev; k++) step = fmin(step, s->levels[k] - s->levels[k - 1]);
    for (size_t k = 0; k < s->nlev && k < EO_TICKS_MAX; k++) {
        t->major[k] = s->levels[k];
        double st = isfinite(step) ? step : fabs(s->levels[k]);
        /* Log-spaced levels: label each with its own precision. */
        if (s->nlev > 2 && s->levels[s->nlev - 1] - s->levels[0] > 100.0 * step) st = fmax(step, fabs(s->levels[k]) * 0.01);
        eo_plot_tick_label(s->levels[k], st, t->label[k], EO_TICK_LABEL_MAX);
        t->n = k + 1;
    }
}

double eo__colorbar_width(eo__rc *r, const eo__series *s)
{
    eo_ticks t;
    cbar_ticks(s, 300.0, &t);
    double mw = 0.0;
    for (size_t i = 0; i < t.n; i++) mw = fmax(mw, eo__label_width(r, t.label[i], EO__FS_CBAR));
    return CBAR_GAP + CBAR_W + 4.0 + 3.0 + mw + (s->cbar_label ? 8.0 + eo__line_h(r, EO__FS_LABEL) : 0.0) + 4.0;
}

void eo__draw_colorbar(eo__rc *r, const eo__pl *L)
{
    const eo__series *s = L->cbar;
    double x = floor(L->cbar_x), y = L->y, h = L->h;
    eo_ticks t;
    cbar_ticks(s, h, &t);
    r->c->group_begin(r->c, "eo-colorbar", "colorbar");
    double lh = eo__line_h(r, EO__FS_CBAR);
    eo__paint pen = eo__paint_of(EO__COL_AXIS, 1.0, 1.0, EO_DASH_SOLID);
    double tk[3 * 2 * EO_TICKS_MAX];
    size_t np = 0;
    if (s->kind == EO__CONTOUR) {
        size_t nb = s->nlev + 1;
        double bh = h / (double)nb;
        for (size_t k = 0; k < nb; k++) {
            double y1 = y + h - bh * (double)k, y0 = y1 - bh;
            double b[8] = {x, y0, x + CBAR_W, y0, x + CBAR_W, y1, x, y1};
            eo__paint fill = eo__paint_of(band_color(r, k, nb), 1.0, 0, 0);
            r->c->path(r->c, b, 4, 1, NULL, &fill, "eo-colorbar-band");
        }
        size_t stride = (size_t)ceil((lh + 2.0) / bh);
        if (stride < 1) stride = 1;
        for (size_t k = 0; k < t.n; k++) {
            double q = floor(y + h - bh * (double)(k + 1)) + 0.5;
            double *o = tk + 2 * np;
            o[0] = x + CBAR_W, o[1] = q, o[2] = x + CBAR_W + 4.0, o[3] = q, o[4] = o[5] = NAN;
            np += 3;
            if ((k + 1) % stride == 0 || stride == 1)
                eo__draw_label(r, x + CBAR_W + 7.0, eo__center_baseline(q, EO__FS_CBAR), t.label[k], EO__FS_CBAR, 0,
                               EO__COL_TEXT, "eo-colorbar-tick");
        }
    } else {
        int ih = (int)ceil(h);
        uint32_t *img = malloc((size_t)ih * (size_t)CBAR_W * sizeof(uint32_t));
        if (!img) {
            r->c->status = EO_ERR_NOMEM;
            return;
        }
        for (int j = 0; j < ih; j++) {
            double f = 1.0 - (j + 0.5) / ih;
            uint32_t c = premul(r->lut[(int)floor(f * 255.0 + 0.5)], 1.0);
            for (int i = 0; i < (int)CBAR_W; i++) img[(size_t)j * (size_t)CBAR_W + (size_t)i] = c;
        }
        r->c->image(r->c, x, floor(y), (int)CBAR_W, ih, img);
        free(img);
        eo__axis a;
        memset(&a, 0, sizeof a);
        a.scale = EO_AXIS_LINEAR, a.lo = s->zmin, a.hi = s->zmax, a.p0 = y + h, a.p1 = y;
        for (size_t k = 0; k < t.n; k++) {
            double q = floor(eo__map(&a, t.major[k])) + 0.5;
            double *o = tk + 2 * np;
            o[0] = x + CBAR_W, o[1] = q, o[2] = x + CBAR_W + 4.0, o[3] = q, o[4] = o[5] = NAN;
            np += 3;
            eo__draw_label(r, x + CBAR_W + 7.0, eo__center_baseline(q, EO__FS_CBAR), t.label[k], EO__FS_CBAR, 0,
                           EO__COL_TEXT, "eo-colorbar-tick");
        }
    }
    double frame[10] = {x + 0.5, floor(y) + 0.5, x + CBAR_W - 0.5, floor(y) + 0.5, x + CBAR_W - 0.5, floor(y + h) - 0.5,
                        x + 0.5, floor(y + h) - 0.5, x + 0.5, floor(y) + 0.5};
    r->c->path(r->c, frame, 5, 1, &pen, NULL, "eo-colorbar-frame");
    if (np) r->c->path(r->c, tk, np, 0, &pen, NULL, "eo-colorbar-ticks");
    if (s->cbar_label) {
        double mw = 0.0;
        for (size_t i = 0; i < t.n; i++) mw = fmax(mw, eo__label_width(r, t.label[i], EO__FS_CBAR));
        eo__fit_text(r, y + h / 2, y - 4.0, y + h + 4.0, x + CBAR_W + 7.0 + mw + 8.0 + r->asc1 * EO__FS_LABEL,
                     s->cbar_label, EO__FS_LABEL, 0, -90.0, "eo-colorbar-label");
    }
    r->c->group_end(r->c);
}
