/* PNG back end: the canvas operations drawn with cairo on an ARGB32 image
 * surface, written with cairo's PNG encoder. Built only with cairo. */
#include "plot/internal.h"

#ifdef EO_HAVE_PLOT
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>

#define FONT "DejaVu Sans"

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double eo__cairo_text_width(void *crv, const char *s, double size, int bold)
{
    cairo_t *cr = crv;
    cairo_text_extents_t e;
    font(cr, size, bold);
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

void eo__cairo_font_metrics(void *crv, double size, double *ascent, double *descent)
{
    cairo_t *cr = crv;
    cairo_font_extents_t e;
    font(cr, size, 0);
    cairo_font_extents(cr, &e);
    *ascent = e.ascent;
    *descent = e.descent;
}

static cairo_t *CR(eo__canvas *c) { return c->impl; }

static void rgba(cairo_t *cr, uint32_t rgb, double a)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0, a);
}

static void nop_group_begin(eo__canvas *c, const char *cls, const char *title) { (void)c, (void)cls, (void)title; }
static void nop_group_end(eo__canvas *c) { (void)c; }

static void stroke_fill(cairo_t *cr, const eo__paint *stroke, const eo__paint *fill)
{
    if (fill) {
        rgba(cr, fill->rgb, fill->alpha);
        if (stroke) cairo_fill_preserve(cr);
        else cairo_fill(cr);
    }
    if (stroke) {
        double d[4];
        size_t nd = eo__dash_pattern(stroke->dash, stroke->width, d);
        cairo_set_dash(cr, d, (int)nd, 0.0);
        cairo_set_line_width(cr, stroke->width);
        cairo_set_line_cap(cr, nd ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        rgba(cr, stroke->rgb, stroke->alpha);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
}

static void c_path(eo__canvas *c, const double *xy, size_t n, int closed, const eo__paint *stroke,
                   const eo__paint *fill, const char *cls)
{
    (void)cls;
    if (c->status) return;
    cairo_t *cr = CR(c);
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (isnan(x) || isnan(y)) {
            pen = 0;
            continue;
        }
        if (pen) cairo_line_to(cr, x, y);
        else cairo_move_to(cr, x, y);
        pen = 1;
    }
    if (closed) cairo_close_path(cr);
    stroke_fill(cr, stroke, fill);
}

static void c_circle(eo__canvas *c, double cx, double cy, double r, const eo__paint *stroke, const eo__paint *fill,
                     const char *cls)
{
    (void)cls;
    if (c->status) return;
    cairo_new_sub_path(CR(c));
    cairo_arc(CR(c), cx, cy, r, 0.0, 2.0 * 3.14159265358979323846);
    stroke_fill(CR(c), stroke, fill);
}

static void c_text(eo__canvas *c, double x, double y, const char *s, double size, int bold, int halign, double angle,
                   uint32_t rgb, const char *cls)
{
    (void)cls;
    if (c->status) return;
    cairo_t *cr = CR(c);
    double w = eo__cairo_text_width(cr, s, size, bold);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (angle != 0.0) cairo_rotate(cr, angle * 3.14159265358979323846 / 180.0);
    cairo_move_to(cr, halign == 1 ? -w / 2 : halign == 2 ? -w : 0.0, 0.0);
    rgba(cr, rgb, 1.0);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    cairo_restore(cr);
}

static double c_text_width(eo__canvas *c, const char *s, double size, int bold)
{
    return eo__cairo_text_width(CR(c), s, size, bold);
}

static void c_font_metrics(eo__canvas *c, double size, double *a, double *d) { eo__cairo_font_metrics(CR(c), size, a, d); }

static void c_clip_begin(eo__canvas *c, double x, double y, double w, double h)
{
    cairo_save(CR(c));
    cairo_rectangle(CR(c), x, y, w, h);
    cairo_clip(CR(c));
}

static void c_clip_end(eo__canvas *c) { cairo_restore(CR(c)); }

static void c_image(eo__canvas *c, double x, double y, int iw, int ih, const uint32_t *argb)
{
    if (c->status) return;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, iw, ih);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        c->status = EO_ERR_NOMEM;
        return;
    }
    cairo_surface_flush(s);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int j = 0; j < ih; j++) memcpy(d + (size_t)j * (size_t)stride, argb + (size_t)j * (size_t)iw, (size_t)iw * 4);
    cairo_surface_mark_dirty(s);
    cairo_set_source_surface(CR(c), s, x, y);
    cairo_paint(CR(c));
    cairo_surface_destroy(s);
}

static cairo_status_t write_fp(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, (FILE *)closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int eo__render_png(const eo_figure *f, void *file, eo_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, f->w, f->h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return eo_error_set(err, EO_ERR_NOMEM, "cannot create a %d x %d image", f->w, f->h);
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    eo__canvas c;
    memset(&c, 0, sizeof c);
    c.impl = cr;
    c.group_begin = nop_group_begin;
    c.group_end = nop_group_end;
    c.path = c_path;
    c.circle = c_circle;
    c.text = c_text;
    c.text_width = c_text_width;
    c.font_metrics = c_font_metrics;
    c.clip_begin = c_clip_begin;
    c.clip_end = c_clip_end;
    c.image = c_image;
    int rc = eo__render(f, &c, err);
    if (rc == EO_OK && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = eo_error_set(err, cairo_status(cr) == CAIRO_STATUS_NO_MEMORY ? EO_ERR_NOMEM : EO_ERR_INVALID, "cairo: %s",
                          cairo_status_to_string(cairo_status(cr)));
    cairo_destroy(cr);
    if (rc == EO_OK) {
        cairo_surface_flush(s);
        cairo_status_t st = cairo_surface_write_to_png_stream(s, write_fp, file);
        if (st != CAIRO_STATUS_SUCCESS) rc = eo_error_set(err, EO_ERR_IO, "writing the PNG failed: %s", cairo_status_to_string(st));
    }
    cairo_surface_destroy(s);
    return rc;
}

/* LeakSanitizer and fontconfig: cairo's toy font API loads fontconfig's
 * configuration once per process into global caches that are never freed;
 * LeakSanitizer reports those allocations (about 1 KB, the same however many
 * plots are drawn) as leaks, which would fail every sanitized program that
 * draws text. In sanitized builds only, supply LeakSanitizer's documented
 * default-suppressions hook, limited to allocations made inside libfontconfig.
 * It lives in this file so that linking the back end from a static archive
 * brings it along; it is weak, so a program's own hook wins. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define EO__LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define EO__LSAN 1
#endif
#if defined(EO__LSAN) && defined(__GNUC__)
const char *__lsan_default_suppressions(void) __attribute__((weak, used));
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
#endif

#else
typedef int eo__canvas_cairo_unused;
#endif
