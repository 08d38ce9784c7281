/* Rendering a figure on a canvas: limits, layout, axes, ticks, titles.
 *
 * Layout of one panel cell, from the outside in: a title band, the y label
 * and y tick labels on the left, x tick labels and x label below, and on the
 * right the colorbar and/or an outside legend. Tick choice depends on the
 * plot area's size and the margins depend on the tick labels' extents, so
 * the two are iterated (three rounds settle in practice) and the final
 * margins are computed from the final ticks, so no label is ever clipped.
 * Tick counts shrink until neighbouring labels leave a gap (x: 12 px, y: 4 px). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/render.h"

/* ------------------------------------------------------------- mapping */

static int valid(double v, int scale) { return isfinite(v) && (scale == EO_AXIS_LINEAR || v > 0.0); }

double eo__map(const eo__axis *a, double v)
{
    if (!valid(v, a->scale)) return NAN;
    double t = a->scale == EO_AXIS_LOG10 ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                                          : (v - a->lo) / (a->hi - a->lo);
    double p = a->p0 + t * (a->p1 - a->p0);
    /* Keep far-away points finite and within what renderers accept. */
    if (p > 1e6) p = 1e6;
    if (p < -1e6) p = -1e6;
    return p;
}

double eo__unmap(const eo__axis *a, double px)
{
    double t = (px - a->p0) / (a->p1 - a->p0);
    if (a->scale == EO_AXIS_LOG10) return pow(10.0, log10(a->lo) + t * (log10(a->hi) - log10(a->lo)));
    return a->lo + t * (a->hi - a->lo);
}

eo__paint eo__paint_of(uint32_t rgb, double alpha, double width, int dash)
{
    eo__paint p;
    p.rgb = rgb;
    p.alpha = alpha;
    p.width = width;
    p.dash = dash;
    return p;
}

/* --------------------------------------------------------------- labels */

#define MINUS "\xE2\x88\x92"

/* Copy s with '-' replaced by a true minus sign. */
static void display(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && s[i] && o + 4 < cap; i++) {
        if (s[i] == '-') {
            memcpy(out + o, MINUS, 3);
            o += 3;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

static void split(const char *s, char *base, char *exp, size_t cap)
{
    const char *h = strchr(s, '^');
    if (!h) {
        display(s, strlen(s), base, cap);
        exp[0] = '\0';
    } else {
        display(s, (size_t)(h - s), base, cap);
        display(h + 1, strlen(h + 1), exp, cap);
    }
}

double eo__label_width(eo__rc *r, const char *s, double size)
{
    char b[96], e[96];
    split(s, b, e, sizeof b);
    double w = r->c->text_width(r->c, b, size, 0);
    if (e[0]) w += r->c->text_width(r->c, e, size * 0.72, 0);
    return w;
}

void eo__draw_label(eo__rc *r, double x, double baseline, const char *s, double size, int halign, uint32_t rgb,
                    const char *cls)
{
    char b[96], e[96];
    split(s, b, e, sizeof b);
    if (!e[0]) {
        r->c->text(r->c, x, baseline, b, size, 0, halign, 0.0, rgb, cls);
        return;
    }
    double wb = r->c->text_width(r->c, b, size, 0), we = r->c->text_width(r->c, e, size * 0.72, 0);
    double x0 = x - (halign == 1 ? 0.5 : halign == 2 ? 1.0 : 0.0) * (wb + we);
    r->c->text(r->c, x0, baseline, b, size, 0, 0, 0.0, rgb, cls);
    r->c->text(r->c, x0 + wb, baseline - 0.42 * size, e, size * 0.72, 0, 0, 0.0, rgb, cls);
}

void eo__fit_text(eo__rc *r, double centre, double lo, double hi, double baseline, const char *s, double size,
                  int bold, double angle, const char *cls)
{
    eo__canvas *c = r->c;
    double room = hi - lo, w = c->text_width(c, s, size, bold);
    char buf[512];
    const char *t = s;
    if (w > room && room > 0) {
        /* Shrink up to 20%, then cut at a character boundary and add an ellipsis. */
        double sz = fmax(size * 0.8, size * room / w);
        w = c->text_width(c, s, sz, bold);
        size = sz;
        if (w > room) {
            size_t n = strlen(s);
            if (n > sizeof buf - 4) n = sizeof buf - 4;
            memcpy(buf, s, n);
            buf[n] = '\0';
            while (n > 0) {
                do n--;
                while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
                memcpy(buf + n, "\xE2\x80\xA6", 4); /* U+2026 */
                w = c->text_width(c, buf, size, bold);
                if (w <= room) break;
            }
            t = buf;
        }
    }
    /* Centre on `centre`, shifted to stay within [lo, hi]. */
    double x = centre;
    if (x - w / 2 < lo) x = lo + w / 2;
    if (x + w / 2 > hi) x = hi - w / 2;
    if (angle != 0.0) c->text(c, baseline, x, t, size, bold, 1, angle, EO__COL_TEXT, cls);
    else c->text(c, x, baseline, t, size, bold, 1, 0.0, EO__COL_TEXT, cls);
}

double eo__center_baseline(double y, double size) { return y + 0.36 * size; }
double eo__line_h(const eo__rc *r, double size) { return (r->asc1 + r->desc1) * size; }

/* --------------------------------------------------------------- limits */

static void grow(double v, double *lo, double *hi)
{
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

/* Automatic range of one axis from the data. */
static void auto_range(const eo_panel *p, int axis, int scale, double *lo, double *hi, int *tight, int *zero_base)
{
    double a = INFINITY, b = -INFINITY;
    int sx = p->scale[0], sy = p->scale[1];
    *tight = 0;
    *zero_base = 0;
    for (size_t k = 0; k < p->ns; k++) {
        const eo__series *s = &p->s[k];
        if (s->kind == EO__CONTOUR || s->kind == EO__HEATMAP) {
            if (!*tight) a = INFINITY, b = -INFINITY;
            *tight = 1;
            double g0 = axis ? s->gy0 : s->gx0, g1 = axis ? s->gy1 : s->gx1;
            if (valid(g0, scale)) grow(g0, &a, &b);
            if (valid(g1, scale)) grow(g1, &a, &b);
        }
        if (*tight) continue;
        switch (s->kind) {
        case EO__LINE:
        case EO__PARETO:
        case EO__TEXT:
            for (size_t i = 0; i < s->n; i++)
                if (valid(s->x[i], sx) && valid(s->y[i], sy)) grow(axis ? s->y[i] : s->x[i], &a, &b);
            break;
        case EO__BARS:
            if (axis == 0) {
                for (size_t i = 0; i <= s->n; i++)
                    if (valid(s->x[i], scale)) grow(s->x[i], &a, &b);
            } else {
                for (size_t i = 0; i < s->n; i++)
                    if (valid(s->y[i], scale)) grow(s->y[i], &a, &b);
                if (scale == EO_AXIS_LINEAR) {
                    grow(0.0, &a, &b);
                    *zero_base = 1;
                }
            }
            break;
        case EO__VLINES:
        case EO__HLINES:
            if ((s->kind == EO__VLINES) == (axis == 0)) {
                const double *v = axis ? s->y : s->x;
                for (size_t i = 0; i < s->n; i++)
                    if (valid(v[i], scale)) grow(v[i], &a, &b);
            }
            break;
        default: break;
        }
    }
    if (!(a <= b)) {
        a = scale == EO_AXIS_LOG10 ? 1.0 : 0.0;
        b = scale == EO_AXIS_LOG10 ? 10.0 : 1.0;
    }
    /* Keep the span and its margins finite: points beyond are clipped. */
    if (scale == EO_AXIS_LINEAR) {
        a = fmin(fmax(a, -1e306), 1e306);
        b = fmin(fmax(b, -1e306), 1e306);
    } else {
        a = fmin(fmax(a, 1e-290), 1e290);
        b = fmin(fmax(b, 1e-290), 1e290);
    }
    *lo = a;
    *hi = b;
}

static int axis_limits(const eo_panel *p, int axis, double *lo, double *hi, eo_error *err)
{
    int scale = p->scale[axis];
    char an = axis ? 'y' : 'x';
    if (!isnan(p->lim[axis][0])) {
        *lo = p->lim[axis][0];
        *hi = p->lim[axis][1];
        if (scale == EO_AXIS_LOG10 && !(*lo > 0.0))
            return eo_error_set(err, EO_ERR_INVALID,
                                "the log10 %c axis needs positive limits, got [%g, %g] (use a linear axis, or "
                                "limits > 0)",
                                an, *lo, *hi);
        return EO_OK;
    }
    int tight, zb;
    double a, b;
    auto_range(p, axis, scale, &a, &b, &tight, &zb);
    if (scale == EO_AXIS_LOG10) {
        double L = log10(a), H = log10(b);
        if (H - L < 1e-9) L -= 0.5, H += 0.5;
        double r = H - L;
        if (!tight) {
            L -= 0.03 * r;
            H += 0.03 * r;
            if (L - floor(L) <= 0.06 * r) L = floor(L);
            if (ceil(H) - H <= 0.06 * r) H = ceil(H);
        }
        *lo = pow(10.0, L);
        *hi = pow(10.0, H);
        return EO_OK;
    }
    if (b - a <= 1e-12 * fmax(fabs(a), fabs(b)) || b == a) {
        double d = a != 0.0 ? 0.05 * fabs(a) : 0.5;
        a -= d;
        b += d;
    }
    double r = b - a;
    if (!tight) {
        double pa = (zb && a == 0.0) ? 0.0 : a - 0.03 * r, pb = b + 0.03 * r;
        eo_ticks t;
        if (eo_plot_ticks_linear(pa, pb, 6, 1, &t) == EO_OK && t.n >= 2) {
            if (pa - t.major[0] <= 0.04 * r) pa = t.major[0];
            if (t.major[t.n - 1] - pb <= 0.04 * r) pb = t.major[t.n - 1];
        }
        a = pa;
        b = pb;
    }
    *lo = a;
    *hi = b;
    return EO_OK;
}

/* ---------------------------------------------------------------- ticks */

static void thin_majors(eo_ticks *t)
{
    size_t o = 0;
    for (size_t i = 0; i < t->n; i += 2) {
        t->major[o] = t->major[i];
        memcpy(t->label[o], t->label[i], EO_TICK_LABEL_MAX);
        o++;
    }
    t->n = o;
}

/* Ticks of axis a over `len` px, with non-overlapping labels. */
static void choose_ticks(eo__rc *r, eo__axis *a, double len, int is_x)
{
    int target = (int)(len / (is_x ? 70.0 : 55.0));
    if (target < 2) target = 2;
    if (target > 10) target = 10;
    double lh = eo__line_h(r, EO__FS_TICK);
    for (;;) {
        if (a->scale == EO_AXIS_LOG10) eo_plot_ticks_log(a->lo, a->hi, 0, &a->t);
        else eo_plot_ticks_linear(a->lo, a->hi, target, 0, &a->t);
        for (int thin = 0; thin < 8; thin++) {
            double need = 0.0, gap = INFINITY;
            for (size_t i = 0; i < a->t.n; i++) {
                double w = is_x ? eo__label_width(r, a->t.label[i], EO__FS_TICK) + 12.0 : lh + 4.0;
                if (w > need) need = w;
                if (i) {
                    double d = fabs(eo__map(a, a->t.major[i]) - eo__map(a, a->t.major[i - 1]));
                    if (d < gap) gap = d;
                }
            }
            if (need <= gap || a->t.n <= 2) return;
            if (a->scale == EO_AXIS_LINEAR && target > 2) break; /* retry with fewer */
            thin_majors(&a->t);
        }
        if (a->scale == EO_AXIS_LOG10 || target <= 2) return;
        target--;
    }
}

static double max_label_w(eo__rc *r, const eo_ticks *t)
{
    double w = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        double x = eo__label_width(r, t->label[i], EO__FS_TICK);
        if (x > w) w = x;
    }
    return w;
}

/* --------------------------------------------------------------- layout */

static int layout(eo__rc *r, const eo_panel *p, int legend_pos, double cx, double cy, double cw, double ch, eo__pl *L,
                  eo_error *err)
{
    memset(L, 0, sizeof *L);
    L->p = p;
    L->legend_pos = legend_pos;
    for (int a = 0; a < 2; a++) {
        L->ax[a].scale = p->scale[a];
        int rc = axis_limits(p, a, &L->ax[a].lo, &L->ax[a].hi, err);
        if (rc) return rc;
    }
    for (size_t k = 0; k < p->ns; k++) {
        const eo__series *s = &p->s[k];
        if (s->kind == EO__CONTOUR || s->kind == EO__HEATMAP) {
            L->grid_series = 1;
            if (!L->cbar && s->colorbar) L->cbar = s;
        }
    }
    double lh_tick = eo__line_h(r, EO__FS_TICK), lh_label = eo__line_h(r, EO__FS_LABEL);
    double lh_title = eo__line_h(r, EO__FS_TITLE);
    double extra = 0.0;
    if (L->cbar) extra += eo__colorbar_width(r, L->cbar);
    if (legend_pos != EO_LEGEND_NONE) eo__legend_size(r, p, &L->legend_w, &L->legend_h);
    if (legend_pos == EO_LEGEND_OUTSIDE && L->legend_w > 0) extra += L->legend_w + 12.0;
    L->right_extra = extra;

    double top = 8.0 + (p->title ? lh_title + 6.0 : 4.0);
    if (top < lh_tick / 2 + 6.0) top = lh_tick / 2 + 6.0;
    double bottom = EO__TICK_LEN + 3.0 + lh_tick + (p->xlabel ? 6.0 + lh_label : 0.0) + 8.0;
    double ytw = 30.0, firstw = 20.0, lastw = 20.0, left = 0, right = 0;
    for (int it = 0; it < 4; it++) {
        left = 8.0 + (p->ylabel ? lh_label + 6.0 : 0.0) + ytw + 4.0 + EO__TICK_LEN;
        if (left < firstw / 2 + 4.0) left = firstw / 2 + 4.0;
        right = fmax(12.0, lastw / 2 + 4.0) + extra;
        L->x = cx + left;
        L->y = cy + top;
        L->w = cw - left - right;
        L->h = ch - top - bottom;
        if (L->w < 16.0 || L->h < 16.0)
            return eo_error_set(err, EO_ERR_INVALID,
                                "the figure is too small for its panels (plot area %.0f x %.0f px); make it larger",
                                L->w, L->h);
        if (it == 3) break; /* margins now fit the final ticks */
        L->ax[0].p0 = L->x;
        L->ax[0].p1 = L->x + L->w;
        L->ax[1].p0 = L->y + L->h;
        L->ax[1].p1 = L->y;
        if (it < 2) {
            choose_ticks(r, &L->ax[0], L->w, 1);
            choose_ticks(r, &L->ax[1], L->h, 0);
        }
        ytw = max_label_w(r, &L->ax[1].t);
        const eo_ticks *xt = &L->ax[0].t;
        firstw = lastw = 0.0;
        if (xt->n) {
            /* Only labels at the very ends stick out of the plot area. */
            double f0 = eo__map(&L->ax[0], xt->major[0]) - L->x, f1 = L->x + L->w - eo__map(&L->ax[0], xt->major[xt->n - 1]);
            double w0 = eo__label_width(r, xt->label[0], EO__FS_TICK), w1 = eo__label_width(r, xt->label[xt->n - 1], EO__FS_TICK);
            firstw = fmax(0.0, w0 - 2 * f0);
            lastw = fmax(0.0, w1 - 2 * f1);
        }
    }
    L->ax[0].p0 = L->x;
    L->ax[0].p1 = L->x + L->w;
    L->ax[1].p0 = L->y + L->h;
    L->ax[1].p1 = L->y;
    L->cbar_x = L->x + L->w + 14.0;
    return EO_OK;
}

/* ----------------------------------------------------------------- axes */

static double crisp(double v) { return floor(v) + 0.5; }

static void draw_grid(eo__rc *r, const eo__pl *L)
{
    for (int pass = 0; pass < 2; pass++) {
        double pts[4 * 3 * (EO_TICKS_MAX * 3)];
        size_t np = 0;
        for (int a = 0; a < 2; a++) {
            const eo__axis *ax = &L->ax[a];
            size_t n = pass ? ax->t.nminor : ax->t.n;
            const double *v = pass ? ax->t.minor : ax->t.major;
            for (size_t i = 0; i < n; i++) {
                double q = eo__map(ax, v[i]);
                if (!(q >= fmin(ax->p0, ax->p1) - 0.5 && q <= fmax(ax->p0, ax->p1) + 0.5)) continue;
                q = crisp(q);
                double *o = pts + 2 * np;
                if (a == 0) {
                    o[0] = q, o[1] = L->y, o[2] = q, o[3] = L->y + L->h;
                } else {
                    o[0] = L->x, o[1] = q, o[2] = L->x + L->w, o[3] = q;
                }
                o[4] = o[5] = NAN;
                np += 3;
            }
        }
        if (np) {
            eo__paint pen = eo__paint_of(pass ? EO__COL_GRID_MINOR : EO__COL_GRID, 1.0, 1.0, EO_DASH_SOLID);
            r->c->path(r->c, pts, np, 0, &pen, NULL, "eo-grid");
        }
    }
}

static void draw_axes(eo__rc *r, const eo__pl *L, double cx, double cy, double cw)
{
    const eo_panel *p = L->p;
    eo__canvas *c = r->c;
    double fx = crisp(L->x), fy = crisp(L->y), fx2 = crisp(L->x + L->w), fy2 = crisp(L->y + L->h);
    double frame[10] = {fx, fy, fx2, fy, fx2, fy2, fx, fy2, fx, fy};
    eo__paint axis_pen = eo__paint_of(EO__COL_AXIS, 1.0, 1.0, EO_DASH_SOLID);
    c->path(c, frame, 5, 1, &axis_pen, NULL, "eo-frame");

    double lh_tick = eo__line_h(r, EO__FS_TICK);
    for (int a = 0; a < 2; a++) {
        const eo__axis *ax = &L->ax[a];
        double tk[3 * 2 * (EO_TICKS_MAX * 3)];
        size_t np = 0;
        for (int minor = 0; minor < 2; minor++) {
            size_t n = minor ? ax->t.nminor : ax->t.n;
            const double *v = minor ? ax->t.minor : ax->t.major;
            double len = minor ? 3.0 : EO__TICK_LEN;
            for (size_t i = 0; i < n; i++) {
                double q = eo__map(ax, v[i]);
                if (!(q >= fmin(ax->p0, ax->p1) - 0.5 && q <= fmax(ax->p0, ax->p1) + 0.5)) continue;
                q = crisp(q);
                double *o = tk + 2 * np;
                if (a == 0) o[0] = q, o[1] = fy2, o[2] = q, o[3] = fy2 + len;
                else o[0] = fx, o[1] = q, o[2] = fx - len, o[3] = q;
                o[4] = o[5] = NAN;
                np += 3;
                if (minor) continue;
                if (a == 0)
                    eo__draw_label(r, q, fy2 + EO__TICK_LEN + 3.0 + r->asc1 * EO__FS_TICK, ax->t.label[i], EO__FS_TICK, 1,
                                   EO__COL_TEXT, "eo-tick");
                else
                    eo__draw_label(r, fx - EO__TICK_LEN - 4.0, eo__center_baseline(q, EO__FS_TICK), ax->t.label[i],
                                   EO__FS_TICK, 2, EO__COL_TEXT, "eo-tick");
            }
        }
        if (np) c->path(c, tk, np, 0, &axis_pen, NULL, "eo-ticks");
    }
    if (p->xlabel)
        eo__fit_text(r, L->x + L->w / 2, cx + 4.0, cx + cw - 4.0,
                     L->y + L->h + EO__TICK_LEN + 3.0 + lh_tick + 6.0 + r->asc1 * EO__FS_LABEL, p->xlabel, EO__FS_LABEL,
                     0, 0.0, "eo-xlabel");
    if (p->ylabel)
        eo__fit_text(r, L->y + L->h / 2, L->y - 4.0, L->y + L->h + 4.0, cx + 8.0 + r->asc1 * EO__FS_LABEL, p->ylabel,
                     EO__FS_LABEL, 0, -90.0, "eo-ylabel");
    if (p->title)
        eo__fit_text(r, L->x + L->w / 2, cx + 4.0, cx + cw - 4.0, cy + 8.0 + r->asc1 * EO__FS_TITLE, p->title,
                     EO__FS_TITLE, 1, 0.0, "eo-title");
}

/* --------------------------------------------------------------- driver */

int eo__render(const eo_figure *f, eo__canvas *c, eo_error *err)
{
    eo__rc r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.f = f;
    eo__colormap_lut(r.lut);
    c->font_metrics(c, 100.0, &r.asc1, &r.desc1);
    r.asc1 /= 100.0;
    r.desc1 /= 100.0;
    if (!(r.asc1 > 0.0)) r.asc1 = 0.93, r.desc1 = 0.24;

    double top = 0.0;
    if (f->title) {
        top = 10.0 + eo__line_h(&r, EO__FS_FIGTITLE);
        eo__fit_text(&r, f->w / 2.0, 8.0, f->w - 8.0, 8.0 + r.asc1 * EO__FS_FIGTITLE, f->title, EO__FS_FIGTITLE, 1,
                     0.0, "eo-figtitle");
    }
    double cw = (double)f->w / f->cols, ch = (f->h - top) / f->rows;
    for (int i = 0; i < f->rows * f->cols; i++) {
        const eo_panel *p = &f->panels[i];
        double cx = (i % f->cols) * cw, cy = top + (i / f->cols) * ch;
        eo__pl L;
        int rc = layout(&r, p, p->legend, cx, cy, cw, ch, &L, err);
        if (rc) return rc;
        if (p->legend == EO_LEGEND_AUTO && L.legend_w > 0) {
            /* Every corner hides data (more than 3% of the drawn points): put
             * the legend outside, if the plot area keeps 60% of its width. */
            int corner;
            if (eo__legend_auto(&L, &corner) > 0.03 && L.w - L.legend_w - 12.0 > 0.6 * L.w) {
                eo__pl O;
                eo_error e2;
                if (layout(&r, p, EO_LEGEND_OUTSIDE, cx, cy, cw, ch, &O, &e2) == EO_OK) L = O;
            }
        }
        char id[32];
        snprintf(id, sizeof id, "panel %d", i);
        c->group_begin(c, "eo-panel", id);
        if (p->grid && !L.grid_series) draw_grid(&r, &L);
        c->clip_begin(c, L.x, L.y, L.w, L.h);
        /* Rasters first, then the halos of lines, then everything in order. */
        size_t k = 0;
        for (; k < p->ns && (p->s[k].kind == EO__CONTOUR || p->s[k].kind == EO__HEATMAP); k++)
            eo__draw_series(&r, &L, &p->s[k], k);
        for (size_t j = 0; j < p->ns; j++) eo__draw_halo(&r, &L, &p->s[j]);
        for (; k < p->ns; k++) eo__draw_series(&r, &L, &p->s[k], k);
        c->clip_end(c);
        draw_axes(&r, &L, cx, cy, cw);
        if (L.cbar) eo__draw_colorbar(&r, &L);
        if (L.legend_pos != EO_LEGEND_NONE && L.legend_w > 0) eo__draw_legend(&r, &L);
        c->group_end(c);
    }
    if (c->status) return eo_error_set(err, c->status, "drawing failed (%s)", eo_status_str(c->status));
    return EO_OK;
}
