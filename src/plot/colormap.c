/* Colors: a qualitative palette for series and a sequential colormap.
 *
 * Palette: the Okabe-Ito colors (M. Okabe and K. Ito, "Color Universal
 * Design", 2002), which stay distinguishable under the common color-vision
 * deficiencies, without their yellow (too light on white), then four darker
 * extras.
 *
 * Colormap: the design idea of viridis (S. van der Walt and N. Smith, 2015,
 * "A better default colormap for Matplotlib"): lightness rising monotonically
 * and evenly, hue turning from blue-violet through teal and green to yellow,
 * as much chroma as the display allows. We build it analytically in CIE
 * L*C*h (the polar form of CIELAB, D65 white):
 *     L*(t) = 20 + 73 t,     h(t) = 290 deg - 190 deg * t,
 *     C*(t) = 40 + 45 t^2, reduced by bisection to the largest chroma whose
 *             color is inside the sRGB gamut.
 * Lightness therefore rises exactly linearly whatever the clipping does,
 * which is the property that makes a map readable in grey and ordered for
 * the eye. CIELAB is only approximately uniform (CAM02-UCS, used for viridis,
 * is better), so equal steps in t are close to, not exactly, equal steps seen. */
#include <math.h>

#include "plot/internal.h"

static const uint32_t palette[] = {
    0x0072B2, /* blue */
    0xD55E00, /* vermillion */
    0x009E73, /* bluish green */
    0xCC79A7, /* reddish purple */
    0xE69F00, /* orange */
    0x56B4E9, /* sky blue */
    0x000000, /* black */
    0x8C564B, /* brown */
    0x882255, /* wine */
    0x332288, /* indigo */
    0x999933, /* olive */
};

size_t eo_plot_palette_size(void) { return sizeof palette / sizeof palette[0]; }
uint32_t eo_plot_palette(size_t i) { return palette[i % (sizeof palette / sizeof palette[0])]; }

static double lab_finv(double f)
{
    const double d = 6.0 / 29.0;
    return f > d ? f * f * f : 3.0 * d * d * (f - 4.0 / 29.0);
}

/* CIELAB (D65) -> linear sRGB. */
static void lab_to_linear(double L, double a, double b, double rgb[3])
{
    double fy = (L + 16.0) / 116.0, fx = fy + a / 500.0, fz = fy - b / 200.0;
    double X = 0.95047 * lab_finv(fx), Y = lab_finv(fy), Z = 1.08883 * lab_finv(fz);
    rgb[0] = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
    rgb[1] = -0.9692660 * X + 1.8760108 * Y + 0.0415560 * Z;
    rgb[2] = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
}

static int in_gamut(const double c[3])
{
    const double eps = 1e-9;
    return c[0] >= -eps && c[0] <= 1 + eps && c[1] >= -eps && c[1] <= 1 + eps && c[2] >= -eps && c[2] <= 1 + eps;
}

static uint8_t encode(double c)
{
    if (c < 0.0) c = 0.0;
    if (c > 1.0) c = 1.0;
    double s = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
    return (uint8_t)floor(s * 255.0 + 0.5);
}

void eo_plot_colormap(double t, uint8_t rgb[3])
{
    if (isnan(t)) {
        rgb[0] = rgb[1] = rgb[2] = 128;
        return;
    }
    if (t < 0.0) t = 0.0;
    if (t > 1.0) t = 1.0;
    const double pi = 3.14159265358979323846;
    double L = 20.0 + 73.0 * t;
    double h = (290.0 - 190.0 * t) * pi / 180.0;
    double C = 40.0 + 45.0 * t * t;
    double ch = cos(h), sh = sin(h), lin[3];
    lab_to_linear(L, C * ch, C * sh, lin);
    if (!in_gamut(lin)) {
        double lo = 0.0, hi = C;
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo + hi);
            lab_to_linear(L, mid * ch, mid * sh, lin);
            if (in_gamut(lin)) lo = mid;
            else hi = mid;
        }
        lab_to_linear(L, lo * ch, lo * sh, lin);
    }
    for (int i = 0; i < 3; i++) rgb[i] = encode(lin[i]);
}

void eo__colormap_lut(uint32_t lut[256])
{
    for (int i = 0; i < 256; i++) {
        uint8_t c[3];
        eo_plot_colormap(i / 255.0, c);
        lut[i] = ((uint32_t)c[0] << 16) | ((uint32_t)c[1] << 8) | c[2];
    }
}
