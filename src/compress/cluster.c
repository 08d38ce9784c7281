/* k-means weight clustering in one dimension (Han et al. 2016, "Deep
 * Compression", sec. 3: weight sharing with linear or k-means++ init).
 *
 * Lloyd's algorithm: with the centroids sorted, the nearest centroid of a
 * value is found by binary search among the midpoints of neighbouring
 * centroids; the update moves each centroid to its members' mean (rounded to
 * float, which is still the best float for that cluster, so the inertia
 * cannot rise); an empty cluster's centroid moves to the worst-served value. k-means++ (Arthur &
 * Vassilvitskii 2007) draws each next centroid with probability proportional
 * to the squared distance to the nearest chosen one, from eo_rng. */
#include <math.h>
#include <string.h>

#include "edgeopt/compress.h"

static const char *const init_names[EO_CLUSTER_INIT_COUNT] = {"kmeans++", "linear"};

const char *eo_cluster_init_name(eo_cluster_init i)
{
    return (unsigned)i < EO_CLUSTER_INIT_COUNT ? init_names[i] : "?";
}

int eo_cluster_init_from_name(const char *name, eo_cluster_init *out)
{
    for (int i = 0; name && i < EO_CLUSTER_INIT_COUNT; i++)
        if (!strcmp(name, init_names[i])) {
            if (out) *out = (eo_cluster_init)i;
            return EO_OK;
        }
    return EO_ERR_NOT_FOUND;
}

eo_cluster_params eo_cluster_defaults(void)
{
    eo_cluster_params p = {16, EO_CLUSTER_INIT_KMEANSPP, 50, 1e-7, 0};
    return p;
}

const char *eo_cluster_params_check(const eo_cluster_params *p)
{
    if (!p) return "params are NULL";
    if (p->k < 2 || p->k > 256) return "k must be in 2..256";
    if ((unsigned)p->init >= EO_CLUSTER_INIT_COUNT) return "unknown initialization";
    if (p->max_iter < 0) return "max_iter must be >= 0";
    if (!(p->tol >= 0.0)) return "tol must be >= 0";
    return NULL;
}

size_t eo_cluster_workspace_size(size_t n, int k)
{
    size_t a, b;
    if (k < 0 || !eo_size_add(n, 2 * (size_t)k, &a) || !eo_size_mul(a, sizeof(double), &b))
        return SIZE_MAX;
    return b;
}

static void sort_floats(float *c, int k)
{
    for (int i = 1; i < k; i++) {
        float v = c[i];
        int j = i - 1;
        for (; j >= 0 && c[j] > v; j--) c[j + 1] = c[j];
        c[j + 1] = v;
    }
}

/* Nearest of the sorted centroids: the number of midpoints below v. */
static int nearest(const float *c, int k, float v)
{
    int lo = 0, hi = k - 1; /* answer in [lo, hi] */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        double m = 0.5 * ((double)c[mid] + (double)c[mid + 1]);
        if ((double)v > m)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static double assign(const float *w, size_t n, const float *c, int k, uint8_t *idx)
{
    double inertia = 0.0;
    for (size_t i = 0; i < n; i++) {
        int j = nearest(c, k, w[i]);
        idx[i] = (uint8_t)j;
        double d = (double)w[i] - (double)c[j];
        inertia += d * d;
    }
    return inertia;
}

/* Move each empty cluster's centroid onto the value farthest from its own
 * centroid (and mark that value as served), as scikit-learn does; the value
 * then costs 0 and nothing else gets worse, so the inertia cannot rise.
 * cnt and d2 are scratch. Returns 1 if a centroid moved. */
static int relocate_empty(const float *w, size_t n, float *c, int k, const uint8_t *idx,
                          double *cnt, double *d2)
{
    int empty = 0;
    for (int j = 0; j < k; j++) cnt[j] = 0.0;
    for (size_t i = 0; i < n; i++) cnt[idx[i]] += 1.0;
    for (int j = 0; j < k; j++) empty += cnt[j] == 0.0;
    if (!empty) return 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)w[i] - c[idx[i]];
        d2[i] = d * d;
    }
    int moved = 0;
    for (int j = 0; j < k; j++) {
        if (cnt[j] != 0.0) continue;
        size_t far = 0;
        for (size_t i = 1; i < n; i++)
            if (d2[i] > d2[far]) far = i;
        if (!(d2[far] > 0.0)) break; /* every value sits on a centroid */
        c[j] = w[far];
        d2[far] = 0.0;
        moved = 1;
    }
    if (moved) sort_floats(c, k);
    return moved;
}

static void init_kmeanspp(const eo_cluster_params *p, const float *w, size_t n, float *c,
                          double *d2)
{
    eo_rng r;
    eo_rng_seed(&r, p->seed);
    c[0] = w[eo_rng_below(&r, n)];
    for (size_t i = 0; i < n; i++) {
        double d = (double)w[i] - c[0];
        d2[i] = d * d;
    }
    for (int j = 1; j < p->k; j++) {
        double total = 0.0;
        for (size_t i = 0; i < n; i++) total += d2[i];
        if (!(total > 0.0)) { /* fewer distinct values than k: repeat one */
            c[j] = c[j - 1];
            continue;
        }
        double u = eo_rng_uniform(&r) * total, cum = 0.0;
        size_t pick = n - 1;
        for (size_t i = 0; i < n; i++) {
            cum += d2[i];
            if (cum > u && d2[i] > 0.0) {
                pick = i;
                break;
            }
        }
        while (d2[pick] == 0.0 && pick > 0) pick--; /* rounding at the very end */
        c[j] = w[pick];
        for (size_t i = 0; i < n; i++) {
            double d = (double)w[i] - c[j];
            if (d * d < d2[i]) d2[i] = d * d;
        }
    }
}

int eo_cluster_fit(const eo_cluster_params *p, const float *w, size_t n, float *codebook,
                   uint8_t *idx, void *work, size_t work_size, eo_cluster_info *info,
                   double *trace)
{
    if (eo_cluster_params_check(p) || !w || n == 0 || !codebook || !idx || !work)
        return EO_ERR_INVALID;
    if (work_size < eo_cluster_workspace_size(n, p->k) || (uintptr_t)work % sizeof(double))
        return EO_ERR_INVALID;
    const int k = p->k;
    double *d2 = work, *sum = d2 + n, *cnt = sum + k;
    float mn = w[0], mx = w[0];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) return EO_ERR_NUMERIC;
        if (w[i] < mn) mn = w[i];
        if (w[i] > mx) mx = w[i];
    }
    if (p->init == EO_CLUSTER_INIT_LINEAR) {
        for (int j = 0; j < k; j++)
            codebook[j] = (float)((double)mn + ((double)mx - mn) * j / (k - 1));
    } else {
        init_kmeanspp(p, w, n, codebook, d2);
    }
    sort_floats(codebook, k);
    double inertia = assign(w, n, codebook, k, idx);
    if (trace) trace[0] = inertia;
    eo_cluster_info in = {inertia, inertia, 0, 0};
    for (int it = 0; it < p->max_iter; it++) {
        for (int j = 0; j < k; j++) sum[j] = cnt[j] = 0.0;
        for (size_t i = 0; i < n; i++) {
            sum[idx[i]] += w[i];
            cnt[idx[i]] += 1.0;
        }
        int moved = 0;
        for (int j = 0; j < k; j++)
            if (cnt[j] > 0.0) {
                float c = (float)(sum[j] / cnt[j]);
                moved |= c != codebook[j];
                codebook[j] = c;
            }
        sort_floats(codebook, k);
        double next = assign(w, n, codebook, k, idx);
        if (relocate_empty(w, n, codebook, k, idx, cnt, d2)) {
            moved = 1;
            next = assign(w, n, codebook, k, idx);
        }
        in.iters = it + 1;
        if (trace) trace[it + 1] = next;
        double drop = inertia - next;
        inertia = next;
        if (!moved || drop <= p->tol * inertia) break;
    }
    in.inertia = inertia;
    for (int j = 0; j < k; j++) cnt[j] = 0.0;
    for (size_t i = 0; i < n; i++) cnt[idx[i]] += 1.0;
    for (int j = 0; j < k; j++) in.empty += cnt[j] == 0.0;
    if (info) *info = in;
    return EO_OK;
}
