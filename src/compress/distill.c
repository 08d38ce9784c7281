/* Knowledge distillation loss (Hinton, Vinyals & Dean 2015, "Distilling the
 * Knowledge in a Neural Network", sec. 2):
 *   L = alpha T^2 mean_b KL(p_T || q_T) + (1 - alpha) mean_b CE(q_1, y)
 * with p_T = softmax(t / T) (teacher), q_T = softmax(s / T) (student).
 * dKL(p || softmax(s/T))/ds = (q_T - p) / T, so the soft term's gradient is
 * alpha T (q_T - p_T) / batch; the hard term's is (1 - alpha)(q_1 - onehot) /
 * batch. Softmaxes are max-shifted and computed in double. */
#include <math.h>

#include "edgeopt/compress_model.h"

/* p = softmax(v / T) in double; returns log of the normalizer (for log p). */
static double softmax_t(const float *v, int k, double T, double *p)
{
    double mx = v[0] / T;
    for (int j = 1; j < k; j++) mx = fmax(mx, v[j] / T);
    double s = 0;
    for (int j = 0; j < k; j++) s += (p[j] = exp(v[j] / T - mx));
    for (int j = 0; j < k; j++) p[j] /= s;
    return mx + log(s);
}

int eo_distill_loss(const float *s, const float *t, const int32_t *labels, int batch, int k, double T,
                    double alpha, float *loss, float *dout)
{
    if (!s || !t || !loss || batch < 1 || k < 2 || !(T > 0) || !isfinite(T) || !(alpha >= 0) ||
        !(alpha <= 1) || (!labels && alpha < 1))
        return EO_ERR_INVALID;
    double pt[256], qs[256], q1[256];
    if (k > 256) return EO_ERR_INVALID;
    double total = 0;
    for (int b = 0; b < batch; b++) {
        const float *sb = s + (size_t)b * (size_t)k, *tb = t + (size_t)b * (size_t)k;
        double lzt = softmax_t(tb, k, T, pt), lzs = softmax_t(sb, k, T, qs);
        double kl = 0;
        for (int j = 0; j < k; j++)
            if (pt[j] > 0) kl += pt[j] * ((tb[j] / T - lzt) - (sb[j] / T - lzs)); /* p (log p - log q) */
        double ce = 0;
        if (alpha < 1) {
            int y = labels[b];
            if (y < 0 || y >= k) return EO_ERR_INVALID;
            double lz1 = softmax_t(sb, k, 1.0, q1);
            ce = lz1 - sb[y];
        }
        if (!isfinite(kl) || !isfinite(ce)) return EO_ERR_NUMERIC;
        total += alpha * T * T * kl + (1 - alpha) * ce;
        if (dout) {
            float *db = dout + (size_t)b * (size_t)k;
            for (int j = 0; j < k; j++) {
                double g = alpha * T * (qs[j] - pt[j]);
                if (alpha < 1) g += (1 - alpha) * (q1[j] - (j == labels[b] ? 1.0 : 0.0));
                db[j] = (float)(g / batch);
            }
        }
    }
    *loss = (float)(total / batch);
    return EO_OK;
}
