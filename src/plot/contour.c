/* Contour lines by marching squares, and grid helpers.
 *
 * The field is the bilinear interpolant of the grid values. For one level,
 * each cell is classified by which corners are inside (z >= level) into one
 * of 16 cases; the iso-line crosses each edge whose ends differ, at the
 * linearly interpolated point. Cases 5 and 10 (diagonally opposite corners
 * inside) are ambiguous; the asymptotic decider (G. M. Nielson and B.
 * Hamann, "The asymptotic decider: resolving the ambiguity in marching
 * cubes", IEEE Visualization 1991) evaluates the bilinear interpolant at its
 * saddle point, (ac - bd) / (a + c - b - d) with corner values a, b, c, d
 * (counter-clockwise from the lower left, level subtracted): when it is >= 0
 * the two inside corners are connected through the cell. This gives the
 * topology of the bilinear interpolant exactly, unlike the cell-average rule.
 *
 * Crossings live on grid edges, each shared by at most two cells, so segments
 * are chained through their edge ids into maximal polylines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/internal.h"

const char *eo_grid_check(const eo_grid *g)
{
    if (!g) return "grid is NULL";
    if (!g->z) return "grid values z are NULL";
    if (g->nx < 2 || g->ny < 2) return "grid needs nx >= 2 and ny >= 2";
    if (!isfinite(g->x0) || !isfinite(g->x1) || !(g->x0 < g->x1)) return "grid needs finite x0 < x1";
    if (!isfinite(g->y0) || !isfinite(g->y1) || !(g->y0 < g->y1)) return "grid needs finite y0 < y1";
    size_t nz;
    if (!eo_size_mul(g->nx, g->ny, &nz) || nz > ((size_t)1 << 40)) return "grid nx * ny is too large";
    return NULL;
}

int eo__finite_range(const double *z, size_t n, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(z[i])) continue;
        if (z[i] < a) a = z[i];
        if (z[i] > b) b = z[i];
        any = 1;
    }
    if (any) *lo = a, *hi = b;
    return any;
}

double eo__grid_sample(size_t nx, size_t ny, double x0, double x1, double y0, double y1, const double *z, double x,
                       double y)
{
    double fx = (x - x0) / (x1 - x0) * (double)(nx - 1), fy = (y - y0) / (y1 - y0) * (double)(ny - 1);
    if (!(fx >= 0.0 && fx <= (double)(nx - 1) && fy >= 0.0 && fy <= (double)(ny - 1))) return NAN;
    size_t i = (size_t)fx, j = (size_t)fy;
    if (i > nx - 2) i = nx - 2;
    if (j > ny - 2) j = ny - 2;
    double u = fx - (double)i, v = fy - (double)j;
    const double *r0 = z + j * nx + i, *r1 = r0 + nx;
    return (r0[0] * (1 - u) + r0[1] * u) * (1 - v) + (r1[0] * (1 - u) + r1[1] * u) * v;
}

void eo_polylines_free(eo_polylines *pl)
{
    if (!pl) return;
    free(pl->offset);
    free(pl->xy);
    free(pl->closed);
    memset(pl, 0, sizeof *pl);
}

/* Segment table for one level. */
typedef struct {
    const eo_grid *g;
    double level;
    size_t nh;          /* number of horizontal edges: (nx-1)*ny */
    size_t *seg;        /* 2 edge ids per segment */
    size_t nseg;
    long long *edge_seg; /* 2 slots per edge: segments touching it, -1 = none */
} ms;

/* Crossing point on edge e. */
static void edge_point(const ms *m, size_t e, double *px, double *py)
{
    const eo_grid *g = m->g;
    size_t i, j, i2, j2;
    if (e < m->nh) {
        j = e / (g->nx - 1);
        i = e % (g->nx - 1);
        i2 = i + 1, j2 = j;
    } else {
        size_t k = e - m->nh;
        j = k / g->nx;
        i = k % g->nx;
        i2 = i, j2 = j + 1;
    }
    double za = g->z[j * g->nx + i], zb = g->z[j2 * g->nx + i2];
    double t = (m->level - za) / (zb - za);
    if (!(t >= 0.0)) t = 0.0;
    if (t > 1.0) t = 1.0;
    double dx = (g->x1 - g->x0) / (double)(g->nx - 1), dy = (g->y1 - g->y0) / (double)(g->ny - 1);
    *px = g->x0 + dx * ((double)i + t * (double)(i2 - i));
    *py = g->y0 + dy * ((double)j + t * (double)(j2 - j));
}

static void add_seg(ms *m, size_t ea, size_t eb)
{
    size_t s = m->nseg++;
    m->seg[2 * s] = ea;
    m->seg[2 * s + 1] = eb;
    long long *a = &m->edge_seg[2 * ea], *b = &m->edge_seg[2 * eb];
    if (a[0] < 0) a[0] = (long long)s;
    else a[1] = (long long)s;
    if (b[0] < 0) b[0] = (long long)s;
    else b[1] = (long long)s;
}

static void cell_segments(ms *m, size_t i, size_t j)
{
    const eo_grid *g = m->g;
    size_t nx = g->nx;
    double a = g->z[j * nx + i] - m->level, b = g->z[j * nx + i + 1] - m->level;
    double c = g->z[(j + 1) * nx + i + 1] - m->level, d = g->z[(j + 1) * nx + i] - m->level;
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(d)) return;
    int cs = (a >= 0) | ((b >= 0) << 1) | ((c >= 0) << 2) | ((d >= 0) << 3);
    /* Edge ids: e0 bottom, e1 right, e2 top, e3 left. */
    size_t e0 = j * (nx - 1) + i, e2 = (j + 1) * (nx - 1) + i;
    size_t e3 = m->nh + j * nx + i, e1 = e3 + 1;
    switch (cs) {
    case 0: case 15: break;
    case 1: case 14: add_seg(m, e3, e0); break;
    case 2: case 13: add_seg(m, e0, e1); break;
    case 3: case 12: add_seg(m, e3, e1); break;
    case 4: case 11: add_seg(m, e1, e2); break;
    case 6: case 9: add_seg(m, e0, e2); break;
    case 7: case 8: add_seg(m, e3, e2); break;
    case 5: case 10: {
        double saddle = (a * c - b * d) / (a + c - b - d);
        /* Case 5 (a, c inside) connected, or case 10 (b, d inside) separated:
         * the outside corners b and d are cut off. */
        int cut_bd = (cs == 5) == (saddle >= 0);
        if (cut_bd) {
            add_seg(m, e0, e1);
            add_seg(m, e2, e3);
        } else {
            add_seg(m, e3, e0);
            add_seg(m, e1, e2);
        }
        break;
    }
    default: break;
    }
}

static size_t other_edge(const ms *m, size_t s, size_t e) { return m->seg[2 * s] == e ? m->seg[2 * s + 1] : m->seg[2 * s]; }

static long long other_seg(const ms *m, size_t e, size_t s)
{
    const long long *x = &m->edge_seg[2 * e];
    return x[0] == (long long)s ? x[1] : x[0];
}

static int edge_degree(const ms *m, size_t e) { return (m->edge_seg[2 * e] >= 0) + (m->edge_seg[2 * e + 1] >= 0); }

typedef struct {
    eo_polylines *pl;
    size_t npts;
} out_t;

static void put_point(out_t *o, double x, double y)
{
    double *q = o->pl->xy + 2 * o->npts;
    if (o->npts > o->pl->offset[o->pl->count] && q[-2] == x && q[-1] == y) return; /* repeated point */
    q[0] = x;
    q[1] = y;
    o->npts++;
}

/* Walk from segment s entering through edge e_in; marks segments visited. */
static void walk(ms *m, unsigned char *vis, out_t *o, size_t s, size_t e_in)
{
    eo_polylines *pl = o->pl;
    size_t s0 = s;
    int closed = 0;
    double x, y;
    edge_point(m, e_in, &x, &y);
    put_point(o, x, y);
    for (;;) {
        vis[s] = 1;
        size_t e_out = other_edge(m, s, e_in);
        long long nxt = other_seg(m, e_out, s);
        if (nxt == (long long)s0) {
            closed = 1;
            break;
        }
        edge_point(m, e_out, &x, &y);
        put_point(o, x, y);
        if (nxt < 0 || vis[nxt]) break;
        s = (size_t)nxt;
        e_in = e_out;
    }
    pl->closed[pl->count] = (unsigned char)closed;
    pl->count++;
    pl->offset[pl->count] = o->npts;
}

int eo_plot_contour_lines(const eo_grid *g, double level, eo_polylines *out)
{
    if (!out) return EO_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (eo_grid_check(g) || !isfinite(level)) return EO_ERR_INVALID;
    ms m;
    memset(&m, 0, sizeof m);
    m.g = g;
    m.level = level;
    size_t nx = g->nx, ny = g->ny, nv, ne, ncell, b1, b2;
    if (!eo_size_mul(nx - 1, ny, &m.nh) || !eo_size_mul(nx, ny - 1, &nv) || !eo_size_add(m.nh, nv, &ne) ||
        !eo_size_mul(nx - 1, ny - 1, &ncell) || !eo_size_mul(ncell, 4 * sizeof(size_t), &b1) ||
        !eo_size_mul(ne, 2 * sizeof(long long), &b2))
        return EO_ERR_RANGE;
    m.seg = malloc(b1);
    m.edge_seg = malloc(b2);
    if (!m.seg || !m.edge_seg) {
        free(m.seg);
        free(m.edge_seg);
        return EO_ERR_NOMEM;
    }
    for (size_t e = 0; e < 2 * ne; e++) m.edge_seg[e] = -1;
    for (size_t j = 0; j + 1 < ny; j++)
        for (size_t i = 0; i + 1 < nx; i++) cell_segments(&m, i, j);

    int rc = EO_OK;
    unsigned char *vis = calloc(m.nseg ? m.nseg : 1, 1);
    size_t cap = m.nseg ? m.nseg : 1;
    out->offset = malloc((cap + 1) * sizeof(size_t));
    out->closed = malloc(cap);
    out->xy = malloc(2 * (2 * cap) * sizeof(double));
    if (!vis || !out->offset || !out->closed || !out->xy) {
        rc = EO_ERR_NOMEM;
        goto done;
    }
    out->offset[0] = 0;
    out_t o = {out, 0};
    /* Open chains start at an edge touched by one segment only. */
    for (size_t s = 0; s < m.nseg; s++) {
        if (vis[s]) continue;
        for (int k = 0; k < 2; k++) {
            size_t e = m.seg[2 * s + k];
            if (edge_degree(&m, e) == 1) {
                walk(&m, vis, &o, s, e);
                break;
            }
        }
    }
    /* What is left are closed loops. */
    for (size_t s = 0; s < m.nseg; s++)
        if (!vis[s]) walk(&m, vis, &o, s, m.seg[2 * s]);
done:
    free(vis);
    free(m.seg);
    free(m.edge_seg);
    if (rc != EO_OK) eo_polylines_free(out);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Levels base + v for v in {mantissas} x 10^k within [dlo, dhi). */
static size_t decade_levels(double base, double dlo, double dhi, const int *ms_, int nms, int every, double *out,
                            size_t cap)
{
    size_t c = 0;
    int k0 = (int)floor(log10(dlo)) - 1, k1 = (int)ceil(log10(dhi)) + 1;
    for (int k = k0; k <= k1; k++) {
        if (every > 1 && ((k % every) + every) % every != 0) continue;
        double p = k >= 0 ? pow(10.0, k) : 1.0 / pow(10.0, -k);
        for (int j = 0; j < nms; j++) {
            double v = ms_[j] * p;
            if (v >= dlo * (1 - 1e-12) && v < dhi) {
                if (c < cap) out[c] = base + v;
                c++;
            }
        }
    }
    return c;
}

int eo_plot_levels(const eo_grid *g, int nlevels, int scale, double *out, size_t cap, size_t *n)
{
    if (!n) return EO_ERR_INVALID;
    *n = 0;
    if (eo_grid_check(g) || nlevels < 2 || nlevels > 64 || scale < 0 || scale >= EO_LEVELS_COUNT || !out || cap < 1)
        return EO_ERR_INVALID;
    size_t nz = g->nx * g->ny;
    double lo, hi;
    if (!eo__finite_range(g->z, nz, &lo, &hi) || !(hi > lo)) return EO_ERR_INVALID;
    double *d = NULL;
    size_t m = 0;
    if (scale != EO_LEVELS_LINEAR) {
        d = malloc(nz * sizeof(double));
        if (!d) return EO_ERR_NOMEM;
        for (size_t i = 0; i < nz; i++)
            if (isfinite(g->z[i])) d[m++] = g->z[i] - lo;
        qsort(d, m, sizeof(double), cmp_double);
        if (scale == EO_LEVELS_AUTO) scale = (hi - lo) > 5.0 * d[m / 2] ? EO_LEVELS_LOG : EO_LEVELS_LINEAR;
    }
    size_t c = 0;
    if (scale == EO_LEVELS_LOG) {
        double span = hi - lo, dlo = d[m / 200];
        if (dlo < span * 1e-6) dlo = span * 1e-6;
        if (dlo > span / 4) dlo = span / 4;
        dlo = eo_plot_nice_number(dlo, 1);
        double base = floor(lo / dlo) * dlo;
        if (fabs(lo) <= 0.5 * dlo) base = 0.0;
        double dhi = hi - base;
        static const int m125[3] = {1, 2, 5}, m13[2] = {1, 3}, m1[1] = {1};
        size_t want = (size_t)nlevels, lim = want + want / 2;
        c = decade_levels(base, dlo, dhi, m125, 3, 1, out, cap);
        if (c > lim) c = decade_levels(base, dlo, dhi, m13, 2, 1, out, cap);
        if (c > lim) c = decade_levels(base, dlo, dhi, m1, 1, 1, out, cap);
        for (int every = 2; c > lim && every <= 64; every *= 2) c = decade_levels(base, dlo, dhi, m1, 1, every, out, cap);
        if (c < want / 2) {
            /* Narrow range: geometric spacing rounded to two significant digits. */
            c = 0;
            double a = log10(dlo), b = log10(dhi);
            for (int k = 0; k < nlevels && c < cap; k++) {
                double v = pow(10.0, a + (b - a) * k / nlevels);
                double p = pow(10.0, floor(log10(v)) - 1);
                v = round(v / p) * p;
                if (base + v > lo && base + v < hi && (c == 0 || base + v > out[c - 1])) out[c++] = base + v;
            }
        }
        if (c > cap) c = cap;
    } else {
        eo_ticks t;
        int rc = eo_plot_ticks_linear(lo, hi, nlevels + 2 > 20 ? 20 : nlevels + 2, 0, &t);
        if (rc == EO_OK)
            for (size_t i = 0; i < t.n && c < cap; i++)
                if (t.major[i] > lo && t.major[i] < hi) out[c++] = t.major[i];
        if (c < 2) {
            c = 0;
            for (int k = 1; k <= nlevels && c < cap; k++) out[c++] = lo + (hi - lo) * k / (nlevels + 1);
        }
    }
    free(d);
    *n = c;
    return c ? EO_OK : EO_ERR_INVALID;
}
