/* Magnitude pruning masks (Han et al. 2015, "Learning both Weights and
 * Connections for Efficient Neural Networks"; global thresholds as in Frankle
 * & Carbin 2019) and structured row selection.
 *
 * Exact sparsity without scratch memory: for non-negative floats the IEEE bit
 * pattern (as an unsigned integer) is monotone in the value, so the k-th
 * smallest magnitude T is found by bisection over 31-bit keys, each step one
 * counting pass. Then every weight with |w| < T is pruned, and weights with
 * |w| == T in index order until exactly k are pruned. */
#include <math.h>
#include <string.h>

#include "edgeopt/compress.h"

static uint32_t mag_key(float w)
{
    uint32_t u;
    memcpy(&u, &w, sizeof u);
    return u & UINT32_C(0x7fffffff);
}

static size_t count_le(const eo_prune_slice *s, size_t ns, uint32_t key)
{
    size_t c = 0;
    for (size_t j = 0; j < ns; j++)
        for (size_t i = 0; i < s[j].n; i++) c += mag_key(s[j].w[i]) <= key;
    return c;
}

int eo_prune_mask_global(const eo_prune_slice *s, size_t ns, double sparsity, float *threshold)
{
    if ((!s && ns) || !(sparsity >= 0.0 && sparsity <= 1.0)) return EO_ERR_INVALID;
    size_t total = 0;
    for (size_t j = 0; j < ns; j++) {
        if ((!s[j].w || !s[j].keep) && s[j].n) return EO_ERR_INVALID;
        for (size_t i = 0; i < s[j].n; i++)
            if (isnan(s[j].w[i])) return EO_ERR_NUMERIC;
        if (!eo_size_add(total, s[j].n, &total)) return EO_ERR_RANGE;
    }
    size_t k = (size_t)floor(sparsity * (double)total + 0.5);
    if (k > total) k = total;
    uint32_t t = 0;
    if (k > 0) {
        /* smallest key T with count(key <= T) >= k; +inf's key bounds all */
        uint32_t lo = 0, hi = UINT32_C(0x7f800000);
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (count_le(s, ns, mid) >= k)
                hi = mid;
            else
                lo = mid + 1;
        }
        t = lo;
    }
    size_t below = 0; /* weights strictly below T: all pruned */
    if (k > 0)
        for (size_t j = 0; j < ns; j++)
            for (size_t i = 0; i < s[j].n; i++) below += mag_key(s[j].w[i]) < t;
    size_t ties = k - below; /* how many of the |w| == T to prune, in order */
    for (size_t j = 0; j < ns; j++)
        for (size_t i = 0; i < s[j].n; i++) {
            uint32_t key = mag_key(s[j].w[i]);
            int prune = 0;
            if (k > 0 && key < t) prune = 1;
            if (k > 0 && key == t && ties > 0) {
                prune = 1;
                ties--;
            }
            s[j].keep[i] = (uint8_t)!prune;
        }
    if (threshold) {
        float f = 0.0f;
        if (k > 0) memcpy(&f, &t, sizeof f);
        *threshold = f;
    }
    return EO_OK;
}

int eo_prune_mask(const float *w, size_t n, double sparsity, uint8_t *keep, float *threshold)
{
    eo_prune_slice s = {w, n, keep};
    return eo_prune_mask_global(&s, 1, sparsity, threshold);
}

void eo_prune_apply(float *w, const uint8_t *keep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!keep[i]) w[i] = 0.0f;
}

double eo_prune_sparsity(const float *w, size_t n)
{
    if (!w || n == 0) return 0.0;
    size_t z = 0;
    for (size_t i = 0; i < n; i++) z += w[i] == 0.0f;
    return (double)z / (double)n;
}

double eo_prune_mask_sparsity(const uint8_t *keep, size_t n)
{
    if (!keep || n == 0) return 0.0;
    size_t z = 0;
    for (size_t i = 0; i < n; i++) z += keep[i] == 0;
    return (double)z / (double)n;
}

int eo_prune_row_norms(const float *w, int32_t rows, int32_t cols, float *norms)
{
    if (!w || !norms || rows < 1 || cols < 1) return EO_ERR_INVALID;
    for (int32_t r = 0; r < rows; r++) {
        const float *wr = w + (size_t)r * (size_t)cols;
        double s = 0.0;
        for (int32_t i = 0; i < cols; i++) s += (double)wr[i] * wr[i];
        if (!isfinite(s)) return EO_ERR_NUMERIC;
        norms[r] = (float)sqrt(s);
    }
    return EO_OK;
}

int eo_prune_select_rows(const float *score, int32_t rows, int32_t n_keep, uint8_t *keep)
{
    if (!score || !keep || rows < 1 || n_keep < 0 || n_keep > rows) return EO_ERR_INVALID;
    for (int32_t r = 0; r < rows; r++)
        if (isnan(score[r])) return EO_ERR_NUMERIC;
    /* rank = rows that beat r (higher score, or equal with a lower index);
     * O(rows^2) but needs no scratch, and layers have at most a few
     * thousand rows. */
    for (int32_t r = 0; r < rows; r++) {
        int32_t rank = 0;
        for (int32_t q = 0; q < rows && rank < n_keep; q++)
            rank += score[q] > score[r] || (score[q] == score[r] && q < r);
        keep[r] = (uint8_t)(rank < n_keep);
    }
    return EO_OK;
}
