/* Pareto front of 2-D points.
 *
 * With both axes turned into "smaller is better" (a = +-x, b = +-y), point i
 * is dominated when some j has a_j <= a_i and b_j <= b_i with at least one
 * strict inequality. Sorting by (a, b) and sweeping keeps the smallest b seen
 * at strictly smaller a: a point is on the front iff it has the smallest b of
 * its equal-a group and that b is strictly below every b at smaller a. */
#include <math.h>
#include <stdlib.h>

#include "plot/internal.h"

typedef struct {
    double a, b;
    size_t i;
} pt;

static int cmp_pt(const void *pa, const void *pb)
{
    const pt *p = pa, *q = pb;
    if (p->a < q->a) return -1;
    if (p->a > q->a) return 1;
    if (p->b < q->b) return -1;
    if (p->b > q->b) return 1;
    return (p->i > q->i) - (p->i < q->i);
}

int eo_plot_pareto_front(size_t n, const double *x, const double *y, int x_sense, int y_sense,
                         unsigned char *on_front, size_t *count)
{
    if (count) *count = 0;
    if ((n && (!x || !y || !on_front)) || (x_sense != EO_MINIMIZE && x_sense != EO_MAXIMIZE) ||
        (y_sense != EO_MINIMIZE && y_sense != EO_MAXIMIZE))
        return EO_ERR_INVALID;
    if (n == 0) return EO_OK;
    size_t bytes;
    if (!eo_size_mul(n, sizeof(pt), &bytes)) return EO_ERR_RANGE;
    pt *p = malloc(bytes);
    if (!p) return EO_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        on_front[i] = 0;
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        p[m].a = x_sense == EO_MAXIMIZE ? -x[i] : x[i];
        p[m].b = y_sense == EO_MAXIMIZE ? -y[i] : y[i];
        p[m].i = i;
        m++;
    }
    qsort(p, m, sizeof(pt), cmp_pt);
    double best_prev = INFINITY; /* smallest b among points with strictly smaller a */
    size_t c = 0;
    for (size_t g = 0; g < m;) {
        size_t e = g;
        while (e < m && p[e].a == p[g].a) e++;
        double gmin = p[g].b;
        for (size_t k = g; k < e; k++) {
            if (p[k].b == gmin && gmin < best_prev) {
                on_front[p[k].i] = 1;
                c++;
            }
        }
        if (gmin < best_prev) best_prev = gmin;
        g = e;
    }
    free(p);
    if (count) *count = c;
    return EO_OK;
}
