/* SVG back end: our own small writer, so the file stays inspectable (real
 * <text> elements, one <path> per line series, groups with a class and a
 * <title>). Text is measured with cairo (the same metrics as the PNG back end)
 * and raster fills are embedded as base64 PNG images encoded by cairo, so this
 * back end is built only with cairo too. */
#include "plot/internal.h"

#ifdef EO_HAVE_PLOT
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

typedef struct {
    FILE *fp;
    cairo_t *measure;
    int next_clip;
} svg;

static svg *S(eo__canvas *c) { return c->impl; }

static void put_escaped(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') fputc(' ', fp);
            else fputc(*s, fp);
        }
    }
}

/* Compact number: at most 2 decimals, no trailing zeros, no "-0". */
static void num(FILE *fp, double v)
{
    char b[48];
    if (!isfinite(v)) v = 0.0;
    snprintf(b, sizeof b, "%.2f", v);
    eo__c_number(b);
    char *dot = strchr(b, '.');
    if (dot) {
        char *e = b + strlen(b) - 1;
        while (e > dot && *e == '0') *e-- = '\0';
        if (e == dot) *e = '\0';
    }
    fputs(strcmp(b, "-0") ? b : "0", fp);
}

static void color(FILE *fp, const char *attr, uint32_t rgb) { fprintf(fp, " %s=\"#%06x\"", attr, (unsigned)(rgb & 0xFFFFFF)); }

static void paint_attrs(FILE *fp, const eo__paint *stroke, const eo__paint *fill)
{
    if (fill) {
        color(fp, "fill", fill->rgb);
        if (fill->alpha < 1.0) fputs(" fill-opacity=\"", fp), num(fp, fill->alpha), fputc('"', fp);
    } else {
        fputs(" fill=\"none\"", fp);
    }
    if (stroke) {
        color(fp, "stroke", stroke->rgb);
        fputs(" stroke-width=\"", fp), num(fp, stroke->width), fputc('"', fp);
        if (stroke->alpha < 1.0) fputs(" stroke-opacity=\"", fp), num(fp, stroke->alpha), fputc('"', fp);
        double d[4];
        size_t nd = eo__dash_pattern(stroke->dash, stroke->width, d);
        if (nd) {
            fputs(" stroke-dasharray=\"", fp);
            for (size_t i = 0; i < nd; i++) {
                if (i) fputc(' ', fp);
                num(fp, d[i] < 0.05 ? 0.05 : d[i]);
            }
            fputs("\" stroke-linecap=\"round\"", fp);
        }
        fputs(" stroke-linejoin=\"round\"", fp);
    }
}

static void s_group_begin(eo__canvas *c, const char *cls, const char *title)
{
    FILE *fp = S(c)->fp;
    fprintf(fp, "<g class=\"%s\">", cls);
    if (title) fputs("<title>", fp), put_escaped(fp, title), fputs("</title>", fp);
    fputc('\n', fp);
}

static void s_group_end(eo__canvas *c) { fputs("</g>\n", S(c)->fp); }

static void s_path(eo__canvas *c, const double *xy, size_t n, int closed, const eo__paint *stroke,
                   const eo__paint *fill, const char *cls)
{
    FILE *fp = S(c)->fp;
    fputs("<path", fp);
    if (cls) fprintf(fp, " class=\"%s\"", cls);
    fputs(" d=\"", fp);
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (isnan(x) || isnan(y)) {
            pen = 0;
            continue;
        }
        fputc(pen ? 'L' : 'M', fp);
        num(fp, x);
        fputc(' ', fp);
        num(fp, y);
        pen = 1;
    }
    if (closed) fputc('Z', fp);
    fputc('"', fp);
    paint_attrs(fp, stroke, fill);
    fputs("/>\n", fp);
}

static void s_circle(eo__canvas *c, double cx, double cy, double r, const eo__paint *stroke, const eo__paint *fill,
                     const char *cls)
{
    FILE *fp = S(c)->fp;
    fputs("<circle", fp);
    if (cls) fprintf(fp, " class=\"%s\"", cls);
    fputs(" cx=\"", fp), num(fp, cx), fputs("\" cy=\"", fp), num(fp, cy), fputs("\" r=\"", fp), num(fp, r), fputc('"', fp);
    paint_attrs(fp, stroke, fill);
    fputs("/>\n", fp);
}

static void s_text(eo__canvas *c, double x, double y, const char *s, double size, int bold, int halign, double angle,
                   uint32_t rgb, const char *cls)
{
    FILE *fp = S(c)->fp;
    fputs("<text", fp);
    if (cls) fprintf(fp, " class=\"%s\"", cls);
    fputs(" x=\"", fp), num(fp, x), fputs("\" y=\"", fp), num(fp, y), fputs("\" font-size=\"", fp), num(fp, size),
        fputc('"', fp);
    if (bold) fputs(" font-weight=\"bold\"", fp);
    if (halign == 1) fputs(" text-anchor=\"middle\"", fp);
    if (halign == 2) fputs(" text-anchor=\"end\"", fp);
    color(fp, "fill", rgb);
    if (angle != 0.0) {
        fputs(" transform=\"rotate(", fp), num(fp, angle), fputc(' ', fp), num(fp, x), fputc(' ', fp), num(fp, y);
        fputs(")\"", fp);
    }
    fputc('>', fp);
    put_escaped(fp, s);
    fputs("</text>\n", fp);
}

static double s_text_width(eo__canvas *c, const char *s, double size, int bold)
{
    return eo__cairo_text_width(S(c)->measure, s, size, bold);
}

static void s_font_metrics(eo__canvas *c, double size, double *a, double *d)
{
    eo__cairo_font_metrics(S(c)->measure, size, a, d);
}

static void s_clip_begin(eo__canvas *c, double x, double y, double w, double h)
{
    FILE *fp = S(c)->fp;
    int id = S(c)->next_clip++;
    fprintf(fp, "<clipPath id=\"eo-clip%d\"><rect x=\"", id);
    num(fp, x), fputs("\" y=\"", fp), num(fp, y), fputs("\" width=\"", fp), num(fp, w), fputs("\" height=\"", fp), num(fp, h);
    fprintf(fp, "\"/></clipPath>\n<g clip-path=\"url(#eo-clip%d)\">\n", id);
}

static void s_clip_end(eo__canvas *c) { fputs("</g>\n", S(c)->fp); }

/* Growable byte buffer for the PNG encoder. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    int fail;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int length)
{
    membuf *b = closure;
    if (b->n + length > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + length) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->fail = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, length);
    b->n += length;
    return CAIRO_STATUS_SUCCESS;
}

static void base64(FILE *fp, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16;
        if (i + 1 < n) v |= (uint32_t)d[i + 1] << 8;
        if (i + 2 < n) v |= d[i + 2];
        fputc(tab[(v >> 18) & 63], fp);
        fputc(tab[(v >> 12) & 63], fp);
        fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', fp);
        fputc(i + 2 < n ? tab[v & 63] : '=', fp);
    }
}

static void s_image(eo__canvas *c, double x, double y, int iw, int ih, const uint32_t *argb)
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
    membuf b = {NULL, 0, 0, 0};
    cairo_status_t st = cairo_surface_write_to_png_stream(s, mem_write, &b);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS || b.fail) {
        free(b.p);
        c->status = EO_ERR_NOMEM;
        return;
    }
    FILE *fp = S(c)->fp;
    fputs("<image class=\"eo-raster\" x=\"", fp);
    num(fp, x), fputs("\" y=\"", fp), num(fp, y);
    fprintf(fp, "\" width=\"%d\" height=\"%d\" preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64,", iw, ih);
    base64(fp, b.p, b.n);
    fputs("\"/>\n", fp);
    free(b.p);
}

int eo__render_svg(const eo_figure *f, void *file, eo_error *err)
{
    FILE *fp = file;
    cairo_surface_t *ms = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *mcr = cairo_create(ms);
    if (cairo_status(mcr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(mcr);
        cairo_surface_destroy(ms);
        return eo_error_set(err, EO_ERR_NOMEM, "cairo: cannot create a measuring context");
    }
    svg st = {fp, mcr, 0};
    eo__canvas c;
    memset(&c, 0, sizeof c);
    c.impl = &st;
    c.group_begin = s_group_begin;
    c.group_end = s_group_end;
    c.path = s_path;
    c.circle = s_circle;
    c.text = s_text;
    c.text_width = s_text_width;
    c.font_metrics = s_font_metrics;
    c.clip_begin = s_clip_begin;
    c.clip_end = s_clip_end;
    c.image = s_image;
    fprintf(fp,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans, Bitstream Vera Sans, Verdana, Arial, sans-serif\" fill=\"#222222\">\n"
            "<!-- generated by edgeopt %s -->\n"
            "<rect class=\"eo-background\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
            f->w, f->h, f->w, f->h, eo_version(), f->w, f->h);
    int rc = eo__render(f, &c, err);
    fputs("</svg>\n", fp);
    cairo_destroy(mcr);
    cairo_surface_destroy(ms);
    if (rc == EO_OK && ferror(fp)) rc = eo_error_set(err, EO_ERR_IO, "writing the SVG failed");
    return rc;
}

#else
typedef int eo__canvas_svg_unused;
#endif
