/* Regularizers over the flat weight vector.
 *
 * Coupled penalties (added to the loss, their gradient to the loss gradient):
 *   R(w) = a1 sum |w_i| + a2/2 sum w_i^2,  a1 = l1 + alpha r,  a2 = l2 + alpha (1 - r)
 * where alpha, r are the elastic net's strength and l1 ratio (Zou & Hastie 2005,
 * scikit-learn's parametrization). The subgradient of |w| at 0 is 0.
 *
 * Proximal L1 (soft thresholding): prox_{t|.|}(w) = sign(w) max(|w| - t, 0).
 * After a gradient step of size lr on the smooth part, applying it with
 * t = lr * l1 is one ISTA step (Beck & Teboulle 2009); it sets small weights
 * to exact zeros, which a subgradient step never does.
 *
 * Max-norm (Srivastava et al. 2014, sec. 5.1): after each update, every unit's
 * incoming weight vector w_u is projected onto the ball ||w_u||_2 <= c. */
#include <math.h>

#include "model/internal.h"

double eo_penalty_apply(const eo_penalty *p, size_t n, const float *w, const uint8_t *mask, float *grad)
{
    if (!p || !w) return 0.0;
    const double a1 = p->l1 + p->elastic_alpha * p->elastic_l1_ratio;
    const double a2 = p->l2 + p->elastic_alpha * (1.0 - p->elastic_l1_ratio);
    if (a1 == 0.0 && a2 == 0.0) return 0.0;
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (mask && !mask[i]) continue;
        double v = w[i];
        s1 += fabs(v);
        s2 += v * v;
        if (grad) {
            double sg = v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
            grad[i] += (float)(a1 * sg + a2 * v);
        }
    }
    return a1 * s1 + 0.5 * a2 * s2;
}

void eo_penalty_prox_l1(size_t n, float *w, const uint8_t *mask, double threshold)
{
    if (!w || !(threshold > 0.0)) return;
    const float t = (float)threshold;
    for (size_t i = 0; i < n; i++) {
        if (mask && !mask[i]) continue;
        float v = w[i];
        if (v > t)
            w[i] = v - t;
        else if (v < -t)
            w[i] = v + t;
        else
            w[i] = 0.0f;
    }
}

int eo_model_apply_max_norm(eo_model *m, double max_norm)
{
    if (!m) return EO_ERR_INVALID;
    if (!(max_norm > 0.0)) return EO_OK;
    for (int i = 0; i < m->nlayers; i++) {
        const eo__layer *L = &m->layers[i];
        if (!L->nweights) continue;
        const size_t fin = eo__layer_table[L->d.kind].fan_in(L);
        const size_t rows = L->nweights / fin;
        float *W = m->params + L->poff;
        for (size_t r = 0; r < rows; r++) {
            float *row = W + r * fin;
            double s = 0.0;
            for (size_t j = 0; j < fin; j++) s += (double)row[j] * row[j];
            double nrm = sqrt(s);
            if (nrm > max_norm) {
                float f = (float)(max_norm / nrm);
                for (size_t j = 0; j < fin; j++) row[j] *= f;
            }
        }
    }
    return EO_OK;
}
