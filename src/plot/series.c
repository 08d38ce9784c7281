/* Adding series to a panel. Every array and string is copied; sizes are
 * overflow-checked; the first failure is recorded on the figure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/internal.h"

eo_hist_params eo_hist_defaults(void)
{
    eo_hist_params h;
    h.bins = 50;
    h.lo = NAN;
    h.hi = NAN;
    h.kind = EO_HIST_BAR;
    h.density = 0;
    return h;
}

eo_contour_params eo_contour_defaults(void)
{
    eo_contour_params c;
    c.nlevels = 12;
    c.level_scale = EO_LEVELS_AUTO;
    c.levels = NULL;
    c.n_levels = 0;
    c.filled = 1;
    c.lines = 1;
    c.fill_alpha = 1.0;
    c.colorbar = 1;
    c.label = NULL;
    return c;
}

eo_heatmap_params eo_heatmap_defaults(void)
{
    eo_heatmap_params h;
    h.zmin = NAN;
    h.zmax = NAN;
    h.colorbar = 1;
    h.label = NULL;
    return h;
}

/* Validate the style, resolve its color, store it and the label. */
static int begin(eo_panel *p, eo__series *s, const char *what, const char *label, const eo_style *st)
{
    const char *why = eo_style_check(&s->st);
    if (st) {
        why = eo_style_check(st);
        if (!why) s->st = *st;
    }
    if (why) return eo__fail(p->fig, EO_ERR_INVALID, "%s: %s", what, why);
    if (s->st.color == EO_COLOR_AUTO) s->st.color = (int32_t)eo__panel_next_color(p);
    if (label && !eo__utf8_valid(label)) return eo__fail(p->fig, EO_ERR_INVALID, "%s: label is not valid UTF-8", what);
    if (label && *label) {
        s->label = eo__strdup(label);
        if (!s->label) return eo__fail(p->fig, EO_ERR_NOMEM, "%s: out of memory", what);
    }
    return EO_OK;
}

/* Pop the last series after a failure (freeing what it got). */
static int drop(eo_panel *p, int rc)
{
    eo__series *s = &p->s[--p->ns];
    free(s->label);
    free(s->x);
    free(s->y);
    free(s->front);
    free(s->z);
    free(s->levels);
    free(s->cbar_label);
    return rc;
}

static eo__series *push(eo_panel *p, const char *what)
{
    eo__series *s = eo__panel_push(p);
    if (!s) eo__fail(p->fig, EO_ERR_NOMEM, "%s: out of memory", what);
    return s;
}

static int add_xy(eo_panel *p, const char *what, int kind, const char *label, size_t n, const double *x,
                  const double *y, const eo_style *st, const eo_style *base)
{
    if (!p) return EO_ERR_INVALID;
    if (n && !y) return eo__fail(p->fig, EO_ERR_INVALID, "%s: y is NULL", what);
    eo__series *s = push(p, what);
    if (!s) return EO_ERR_NOMEM;
    s->kind = kind;
    s->st = *base;
    int rc = begin(p, s, what, label, st);
    if (rc) return drop(p, rc);
    s->n = n;
    s->x = eo__dup_doubles(x, n);
    s->y = eo__dup_doubles(y, n);
    if (!s->x || !s->y) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "%s: out of memory (%zu points)", what, n));
    if (!x)
        for (size_t i = 0; i < n; i++) s->x[i] = (double)i;
    return EO_OK;
}

int eo_panel_line(eo_panel *p, const char *label, size_t n, const double *x, const double *y, const eo_style *st)
{
    eo_style base = eo_style_defaults();
    return add_xy(p, "line", EO__LINE, label, n, x, y, st, &base);
}

int eo_panel_scatter(eo_panel *p, const char *label, size_t n, const double *x, const double *y,
                     const eo_style *st)
{
    eo_style base = eo_style_defaults();
    base.line_width = 0.0;
    base.marker = EO_MARKER_CIRCLE;
    return add_xy(p, "scatter", EO__LINE, label, n, x, y, st, &base);
}

int eo_panel_pareto(eo_panel *p, const char *label, size_t n, const double *x, const double *y, int x_sense,
                    int y_sense, const eo_style *st)
{
    if (!p) return EO_ERR_INVALID;
    if (n && !x) return eo__fail(p->fig, EO_ERR_INVALID, "pareto: x is NULL");
    eo_style base = eo_style_defaults();
    base.marker = EO_MARKER_CIRCLE;
    base.marker_size = 7.0;
    int rc = add_xy(p, "pareto", EO__PARETO, label, n, x, y, st, &base);
    if (rc) return rc;
    eo__series *s = &p->s[p->ns - 1];
    s->front = malloc(n ? n : 1);
    if (!s->front) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "pareto: out of memory"));
    rc = eo_plot_pareto_front(n, s->x, s->y, x_sense, y_sense, s->front, NULL);
    s->sense[0] = x_sense;
    s->sense[1] = y_sense;
    if (rc) return drop(p, eo__fail(p->fig, rc, "pareto: senses must be EO_MINIMIZE or EO_MAXIMIZE"));
    return EO_OK;
}

static int add_lines(eo_panel *p, const char *what, int kind, const char *label, size_t n, const double *v,
                     const eo_style *st)
{
    if (!p) return EO_ERR_INVALID;
    if (n && !v) return eo__fail(p->fig, EO_ERR_INVALID, "%s: values are NULL", what);
    eo__series *s = push(p, what);
    if (!s) return EO_ERR_NOMEM;
    s->kind = kind;
    s->st.color = 0x808080;
    s->st.line_width = 0.8;
    s->st.dash = EO_DASH_DASHED;
    int rc = begin(p, s, what, label, st);
    if (rc) return drop(p, rc);
    s->n = n;
    double *c = eo__dup_doubles(v, n);
    if (!c) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "%s: out of memory", what));
    if (kind == EO__VLINES) s->x = c;
    else s->y = c;
    return EO_OK;
}

int eo_panel_vlines(eo_panel *p, const char *label, size_t n, const double *x, const eo_style *st)
{
    return add_lines(p, "vlines", EO__VLINES, label, n, x, st);
}

int eo_panel_hlines(eo_panel *p, const char *label, size_t n, const double *y, const eo_style *st)
{
    return add_lines(p, "hlines", EO__HLINES, label, n, y, st);
}

int eo_panel_bars(eo_panel *p, const char *label, size_t nbins, const double *edges, const double *heights,
                  int kind, const eo_style *st)
{
    if (!p) return EO_ERR_INVALID;
    if (nbins < 1 || !edges || !heights) return eo__fail(p->fig, EO_ERR_INVALID, "bars: need nbins >= 1, edges and heights");
    if (kind != EO_HIST_BAR && kind != EO_HIST_STEP) return eo__fail(p->fig, EO_ERR_INVALID, "bars: kind must be an eo_hist_kind");
    for (size_t i = 0; i < nbins; i++) {
        if (!isfinite(edges[i]) || !isfinite(edges[i + 1]) || !(edges[i] < edges[i + 1]))
            return eo__fail(p->fig, EO_ERR_INVALID, "bars: edges must be finite and strictly increasing (bin %zu)", i);
        if (!isfinite(heights[i])) return eo__fail(p->fig, EO_ERR_INVALID, "bars: height of bin %zu is not finite", i);
    }
    size_t ne;
    if (!eo_size_add(nbins, 1, &ne)) return eo__fail(p->fig, EO_ERR_RANGE, "bars: too many bins");
    eo__series *s = push(p, "bars");
    if (!s) return EO_ERR_NOMEM;
    s->kind = EO__BARS;
    s->hist_kind = kind;
    s->st.line_width = 1.0;
    int rc = begin(p, s, "bars", label, st);
    if (rc) return drop(p, rc);
    s->n = nbins;
    s->x = eo__dup_doubles(edges, ne);
    s->y = eo__dup_doubles(heights, nbins);
    if (!s->x || !s->y) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "bars: out of memory"));
    return EO_OK;
}

int eo_panel_histogram(eo_panel *p, const char *label, size_t n, const double *values, const eo_hist_params *hp,
                       const eo_style *st)
{
    if (!p) return EO_ERR_INVALID;
    eo_hist_params h = hp ? *hp : eo_hist_defaults();
    if (n && !values) return eo__fail(p->fig, EO_ERR_INVALID, "histogram: values are NULL");
    if (h.bins < 1 || h.bins > 10000) return eo__fail(p->fig, EO_ERR_INVALID, "histogram: bins must be in 1..10000, got %d", h.bins);
    double lo = h.lo, hi = h.hi, dlo, dhi;
    if (!eo__finite_range(values, n, &dlo, &dhi)) dlo = 0.0, dhi = 1.0;
    if (isnan(lo)) lo = dlo;
    if (isnan(hi)) hi = dhi;
    if (!isfinite(lo) || !isfinite(hi) || lo > hi)
        return eo__fail(p->fig, EO_ERR_INVALID, "histogram: range [%g, %g] is not a finite interval", lo, hi);
    if (lo == hi) {
        double d = lo != 0.0 ? fabs(lo) * 0.05 : 0.5;
        lo -= d;
        hi += d;
    }
    size_t nb = (size_t)h.bins;
    double *edges = malloc((nb + 1) * sizeof(double));
    double *cnt = calloc(nb, sizeof(double));
    if (!edges || !cnt) {
        free(edges);
        free(cnt);
        return eo__fail(p->fig, EO_ERR_NOMEM, "histogram: out of memory");
    }
    double w = (hi - lo) / (double)nb, total = 0.0;
    for (size_t i = 0; i <= nb; i++) edges[i] = lo + w * (double)i;
    edges[nb] = hi;
    for (size_t i = 0; i < n; i++) {
        double v = values[i];
        if (!(v >= lo && v <= hi)) continue;
        size_t b = (size_t)((v - lo) / w);
        if (b >= nb) b = nb - 1;
        cnt[b] += 1.0;
        total += 1.0;
    }
    if (h.density && total > 0.0)
        for (size_t i = 0; i < nb; i++) cnt[i] /= total * w;
    int rc = eo_panel_bars(p, label, nb, edges, cnt, h.kind, st);
    free(edges);
    free(cnt);
    return rc;
}

int eo_panel_text(eo_panel *p, double x, double y, const char *text, int halign)
{
    if (!p) return EO_ERR_INVALID;
    if (!text || !*text) return eo__fail(p->fig, EO_ERR_INVALID, "text: empty text");
    if (!eo__utf8_valid(text)) return eo__fail(p->fig, EO_ERR_INVALID, "text: not valid UTF-8");
    if (halign < -1 || halign > 1) return eo__fail(p->fig, EO_ERR_INVALID, "text: halign must be -1, 0 or 1");
    eo__series *s = push(p, "text");
    if (!s) return EO_ERR_NOMEM;
    s->kind = EO__TEXT;
    s->st.color = 0x303030;
    s->st.legend = 0;
    s->halign = halign;
    s->n = 1;
    s->x = eo__dup_doubles(&x, 1);
    s->y = eo__dup_doubles(&y, 1);
    s->label = eo__strdup(text);
    if (!s->x || !s->y || !s->label) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "text: out of memory"));
    return EO_OK;
}

/* Copy a grid into the series (nmin = 2 for node grids, 1 for cell grids). */
static int take_grid(eo_panel *p, eo__series *s, const eo_grid *g, size_t nmin, const char *what)
{
    if (!g || !g->z || g->nx < nmin || g->ny < nmin || !isfinite(g->x0) || !isfinite(g->x1) ||
        !isfinite(g->y0) || !isfinite(g->y1) || !(g->x0 < g->x1) || !(g->y0 < g->y1))
        return eo__fail(p->fig, EO_ERR_INVALID, "%s: need z, nx and ny >= %zu, finite x0 < x1 and y0 < y1", what, nmin);
    size_t nz;
    if (!eo_size_mul(g->nx, g->ny, &nz)) return eo__fail(p->fig, EO_ERR_RANGE, "%s: nx * ny overflows", what);
    s->z = eo__dup_doubles(g->z, nz);
    if (!s->z) return eo__fail(p->fig, EO_ERR_NOMEM, "%s: out of memory (%zu values)", what, nz);
    s->nx = g->nx;
    s->ny = g->ny;
    s->gx0 = g->x0;
    s->gx1 = g->x1;
    s->gy0 = g->y0;
    s->gy1 = g->y1;
    return EO_OK;
}

int eo_panel_contour(eo_panel *p, const eo_grid *g, const eo_contour_params *cp)
{
    if (!p) return EO_ERR_INVALID;
    eo_contour_params c = cp ? *cp : eo_contour_defaults();
    if (c.label && !eo__utf8_valid(c.label)) return eo__fail(p->fig, EO_ERR_INVALID, "contour: label is not valid UTF-8");
    if (!(c.fill_alpha >= 0.0 && c.fill_alpha <= 1.0))
        return eo__fail(p->fig, EO_ERR_INVALID, "contour: fill_alpha must be in [0, 1]");
    if (c.levels) {
        if (c.n_levels < 1 || c.n_levels > 64) return eo__fail(p->fig, EO_ERR_INVALID, "contour: n_levels must be in 1..64");
        for (size_t i = 0; i < c.n_levels; i++)
            if (!isfinite(c.levels[i]) || (i && !(c.levels[i - 1] < c.levels[i])))
                return eo__fail(p->fig, EO_ERR_INVALID, "contour: levels must be finite and strictly increasing");
    } else if (c.nlevels < 2 || c.nlevels > 64) {
        return eo__fail(p->fig, EO_ERR_INVALID, "contour: nlevels must be in 2..64, got %d", c.nlevels);
    } else if (c.level_scale < 0 || c.level_scale >= EO_LEVELS_COUNT) {
        return eo__fail(p->fig, EO_ERR_INVALID, "contour: level_scale must be an eo_levels value");
    }
    eo__series *s = push(p, "contour");
    if (!s) return EO_ERR_NOMEM;
    s->kind = EO__CONTOUR;
    s->st.legend = 0;
    int rc = take_grid(p, s, g, 2, "contour");
    if (rc) return drop(p, rc);
    s->levels = malloc(64 * sizeof(double));
    if (!s->levels) return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "contour: out of memory"));
    if (c.levels) {
        memcpy(s->levels, c.levels, c.n_levels * sizeof(double));
        s->nlev = c.n_levels;
    } else {
        eo_grid gg = {s->nx, s->ny, s->gx0, s->gx1, s->gy0, s->gy1, s->z};
        if (eo_plot_levels(&gg, c.nlevels, c.level_scale, s->levels, 64, &s->nlev) != EO_OK) s->nlev = 0;
    }
    s->filled = c.filled != 0;
    s->lines = c.lines != 0;
    s->fill_alpha = c.fill_alpha;
    s->colorbar = c.colorbar != 0 && s->filled && s->nlev > 0;
    if (c.label && *c.label && !(s->cbar_label = eo__strdup(c.label)))
        return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "contour: out of memory"));
    return EO_OK;
}

int eo_panel_heatmap(eo_panel *p, const eo_grid *g, const eo_heatmap_params *hp)
{
    if (!p) return EO_ERR_INVALID;
    eo_heatmap_params h = hp ? *hp : eo_heatmap_defaults();
    if (h.label && !eo__utf8_valid(h.label)) return eo__fail(p->fig, EO_ERR_INVALID, "heatmap: label is not valid UTF-8");
    eo__series *s = push(p, "heatmap");
    if (!s) return EO_ERR_NOMEM;
    s->kind = EO__HEATMAP;
    s->st.legend = 0;
    int rc = take_grid(p, s, g, 1, "heatmap");
    if (rc) return drop(p, rc);
    double lo, hi;
    if (!eo__finite_range(s->z, s->nx * s->ny, &lo, &hi)) lo = 0.0, hi = 1.0;
    if (!isnan(h.zmin)) lo = h.zmin;
    if (!isnan(h.zmax)) hi = h.zmax;
    if (!isfinite(lo) || !isfinite(hi) || lo > hi)
        return drop(p, eo__fail(p->fig, EO_ERR_INVALID, "heatmap: color range [%g, %g] is not a finite interval", lo, hi));
    if (lo == hi) {
        double d = lo != 0.0 ? fabs(lo) * 0.05 : 0.5;
        lo -= d;
        hi += d;
    }
    s->zmin = lo;
    s->zmax = hi;
    s->filled = 1;
    s->fill_alpha = 1.0;
    s->colorbar = h.colorbar != 0;
    if (h.label && *h.label && !(s->cbar_label = eo__strdup(h.label)))
        return drop(p, eo__fail(p->fig, EO_ERR_NOMEM, "heatmap: out of memory"));
    return EO_OK;
}
