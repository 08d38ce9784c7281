/* Gradient clipping as torch.nn.utils.clip_grad_norm_ (L2 norm) and
 * clip_grad_value_.
 *
 *   norm = ||g||_2,  c = max_norm / (norm + 1e-6),  g <- g * min(c, 1)
 *
 * The 1e-6 is PyTorch's: it keeps the division finite for a zero gradient
 * and makes the clipped norm land slightly below max_norm. The norm is
 * accumulated in double in both precisions, with scaling by the largest
 * magnitude so that huge or tiny entries neither overflow nor underflow. */
#include <math.h>

#include "edgeopt/optim.h"

/* ||g||_2 with one rescaling pass (max |g_i| first). */
static double norm_f64(size_t n, const double *g)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(g[i]);
        if (!(a <= m)) m = a; /* NaN propagates */
    }
    if (m == 0.0 || !isfinite(m)) return m;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = g[i] / m;
        s += v * v;
    }
    return m * sqrt(s);
}

static double norm_f32(size_t n, const float *g)
{
    /* Squares of floats cannot overflow a double (FLT_MAX^2 * n < DBL_MAX). */
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * (double)g[i];
    return sqrt(s);
}

double eo_clip_grad_norm_f64(size_t n, double *g, double max_norm)
{
    if (!g || n == 0) return 0.0;
    double norm = norm_f64(n, g);
    if (!isfinite(norm)) return norm;
    double c = max_norm / (norm + 1e-6);
    if (c < 1.0)
        for (size_t i = 0; i < n; i++) g[i] *= c;
    return norm;
}

double eo_clip_grad_norm_f32(size_t n, float *g, double max_norm)
{
    if (!g || n == 0) return 0.0;
    double norm = norm_f32(n, g);
    if (!isfinite(norm)) return norm;
    double c = max_norm / (norm + 1e-6);
    if (c < 1.0) {
        const float cf = (float)c;
        for (size_t i = 0; i < n; i++) g[i] *= cf;
    }
    return norm;
}

void eo_clip_grad_value_f64(size_t n, double *g, double clip)
{
    if (!g) return;
    for (size_t i = 0; i < n; i++) {
        if (g[i] > clip) g[i] = clip;
        else if (g[i] < -clip) g[i] = -clip;
    }
}

void eo_clip_grad_value_f32(size_t n, float *g, double clip)
{
    if (!g) return;
    const float hi = (float)clip;
    for (size_t i = 0; i < n; i++) {
        if (g[i] > hi) g[i] = hi;
        else if (g[i] < -hi) g[i] = -hi;
    }
}
