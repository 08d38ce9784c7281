/* Losses: value (double accumulation) and dLoss/dOut, one row of a table per
 * eo_loss_kind. Formulas (o = model output, t = target, B = batch, k = outputs):
 *   mse    (1/Bk) sum (o - t)^2                          d = 2 (o - t) / Bk
 *   mae    (1/Bk) sum |o - t|                            d = sign(o - t) / Bk
 *   huber  (1/Bk) sum h(o - t), h(r) = r^2/2 (|r| <= D), D (|r| - D/2) otherwise
 *                                                        d = clamp(r, -D, D) / Bk
 *   bce    (1/Bk) sum max(o,0) - o y + log(1 + e^-|o|)   d = (sigmoid(o) - y) / Bk
 *          (the overflow-free form of -y log s(o) - (1-y) log(1 - s(o)))
 *   softmax_ce (1/B) sum_s lse(o_s) - o_s[y_s], lse(o) = m + log sum e^(o - m), m = max o
 *                                                        d = (softmax(o_s) - onehot(y_s)) / B
 *   hinge  k > 1: (1/B) sum_s sum_{j != y} max(0, 1 - o_y + o_j) / k (Weston-Watkins
 *          margins averaged over k as PyTorch's MultiMarginLoss); k = 1: (1/B) sum
 *          max(0, 1 - s o), s = 2 y - 1.
 *   kl     T^2 (1/B) sum_s KL(p_s || q_s), p = softmax(t/T), q = softmax(o/T)
 *          (Hinton, Vinyals & Dean 2015: the T^2 keeps gradient magnitudes
 *          comparable across temperatures)          d = T (q - p) / B */
#include <math.h>
#include <string.h>

#include "model/internal.h"

typedef struct loss_in {
    const eo_loss_params *p;
    const float *o;
    int B, k;
    const int32_t *labels;
    const float *t;
    float *d; /* may be NULL */
} loss_in;

/* Returns EO_OK and the value in *v, or an error. */
typedef int (*loss_fn)(const loss_in *in, double *v);

typedef struct loss_traits {
    const char *name;
    loss_fn fn;
    int needs_targets; /* 1: targets required; 2: labels required; 3: either */
} loss_traits;

static int pointwise(const loss_in *in, double *v, int which)
{
    const size_t n = (size_t)in->B * (size_t)in->k;
    const double inv = 1.0 / (double)n, D = in->p->huber_delta;
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = (double)in->o[i] - (double)in->t[i], g;
        if (which == 0) {
            acc += r * r;
            g = 2.0 * r;
        } else if (which == 1) {
            acc += fabs(r);
            g = r > 0.0 ? 1.0 : (r < 0.0 ? -1.0 : 0.0);
        } else {
            double a = fabs(r);
            acc += a <= D ? 0.5 * r * r : D * (a - 0.5 * D);
            g = r > D ? D : (r < -D ? -D : r);
        }
        if (in->d) in->d[i] = (float)(g * inv);
    }
    *v = acc * inv;
    return EO_OK;
}

static int loss_mse(const loss_in *in, double *v) { return pointwise(in, v, 0); }
static int loss_mae(const loss_in *in, double *v) { return pointwise(in, v, 1); }
static int loss_huber(const loss_in *in, double *v) { return pointwise(in, v, 2); }

static int loss_bce(const loss_in *in, double *v)
{
    const size_t n = (size_t)in->B * (size_t)in->k;
    const double inv = 1.0 / (double)n;
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        double y;
        if (in->t) {
            y = in->t[i];
            if (!(y >= 0.0 && y <= 1.0)) return EO_ERR_INVALID;
        } else {
            int32_t l = in->labels[i];
            if (l != 0 && l != 1) return EO_ERR_INVALID;
            y = l;
        }
        double o = in->o[i];
        acc += (o > 0.0 ? o : 0.0) - o * y + log1p(exp(-fabs(o)));
        if (in->d) {
            double s = o >= 0.0 ? 1.0 / (1.0 + exp(-o)) : exp(o) / (1.0 + exp(o));
            in->d[i] = (float)((s - y) * inv);
        }
    }
    *v = acc * inv;
    return EO_OK;
}

static int loss_ce(const loss_in *in, double *v)
{
    const int k = in->k;
    const double inv = 1.0 / (double)in->B;
    double acc = 0.0;
    for (int s = 0; s < in->B; s++) {
        const float *o = in->o + (size_t)s * (size_t)k;
        int32_t y = in->labels[s];
        if (y < 0 || y >= k) return EO_ERR_INVALID;
        double m = o[0];
        for (int j = 1; j < k; j++)
            if (o[j] > m) m = o[j];
        double z = 0.0;
        for (int j = 0; j < k; j++) z += exp((double)o[j] - m);
        double lse = m + log(z);
        acc += lse - (double)o[y];
        if (in->d) {
            float *d = in->d + (size_t)s * (size_t)k;
            for (int j = 0; j < k; j++) d[j] = (float)((exp((double)o[j] - lse) - (j == y ? 1.0 : 0.0)) * inv);
        }
    }
    *v = acc * inv;
    return EO_OK;
}

static int loss_hinge(const loss_in *in, double *v)
{
    const int k = in->k;
    const double inv = 1.0 / (double)in->B;
    double acc = 0.0;
    for (int s = 0; s < in->B; s++) {
        const float *o = in->o + (size_t)s * (size_t)k;
        float *d = in->d ? in->d + (size_t)s * (size_t)k : NULL;
        int32_t y = in->labels[s];
        if (k == 1) {
            if (y != 0 && y != 1) return EO_ERR_INVALID;
            double sg = y ? 1.0 : -1.0, mg = 1.0 - sg * o[0];
            acc += mg > 0.0 ? mg : 0.0;
            if (d) d[0] = (float)(mg > 0.0 ? -sg * inv : 0.0);
            continue;
        }
        if (y < 0 || y >= k) return EO_ERR_INVALID;
        double dy = 0.0;
        for (int j = 0; j < k; j++) {
            if (j == y) continue;
            double mg = 1.0 - (double)o[y] + (double)o[j];
            if (mg > 0.0) {
                acc += mg / k;
                dy -= 1.0;
                if (d) d[j] = (float)(inv / k);
            } else if (d) {
                d[j] = 0.0f;
            }
        }
        if (d) d[y] = (float)(dy * inv / k);
    }
    *v = acc * inv;
    return EO_OK;
}

static int loss_kl(const loss_in *in, double *v)
{
    const int k = in->k;
    const double T = in->p->temperature, inv = 1.0 / (double)in->B;
    double acc = 0.0;
    for (int s = 0; s < in->B; s++) {
        const float *o = in->o + (size_t)s * (size_t)k, *t = in->t + (size_t)s * (size_t)k;
        double mo = o[0] / T, mt = t[0] / T;
        for (int j = 1; j < k; j++) {
            if (o[j] / T > mo) mo = o[j] / T;
            if (t[j] / T > mt) mt = t[j] / T;
        }
        double zo = 0.0, zt = 0.0;
        for (int j = 0; j < k; j++) {
            zo += exp(o[j] / T - mo);
            zt += exp(t[j] / T - mt);
        }
        double lzo = mo + log(zo), lzt = mt + log(zt), kl = 0.0;
        for (int j = 0; j < k; j++) {
            double lp = t[j] / T - lzt, lq = o[j] / T - lzo, p = exp(lp);
            if (p > 0.0) kl += p * (lp - lq);
            if (in->d) in->d[(size_t)s * (size_t)k + (size_t)j] = (float)(T * (exp(lq) - p) * inv);
        }
        acc += kl;
    }
    *v = T * T * acc * inv;
    return EO_OK;
}

static const loss_traits loss_table[EO_LOSS_COUNT] = {
    [EO_LOSS_MSE] = {"mse", loss_mse, 1},
    [EO_LOSS_MAE] = {"mae", loss_mae, 1},
    [EO_LOSS_HUBER] = {"huber", loss_huber, 1},
    [EO_LOSS_BCE_LOGITS] = {"bce", loss_bce, 3},
    [EO_LOSS_SOFTMAX_CE] = {"softmax_ce", loss_ce, 2},
    [EO_LOSS_HINGE] = {"hinge", loss_hinge, 2},
    [EO_LOSS_KL_T] = {"kl", loss_kl, 1},
};

const char *eo_loss_kind_name(int k)
{
    if (k < 0 || k >= EO_LOSS_COUNT) return "unknown";
    return loss_table[k].name;
}

int eo_loss_kind_from_name(const char *s)
{
    if (!s) return -1;
    for (int k = 0; k < EO_LOSS_COUNT; k++)
        if (strcmp(s, loss_table[k].name) == 0) return k;
    if (strcmp(s, "ce") == 0 || strcmp(s, "cross_entropy") == 0) return EO_LOSS_SOFTMAX_CE;
    if (strcmp(s, "bce_logits") == 0) return EO_LOSS_BCE_LOGITS;
    if (strcmp(s, "kl_t") == 0) return EO_LOSS_KL_T;
    return -1;
}

eo_loss_params eo_loss_defaults(eo_loss_kind kind)
{
    eo_loss_params p;
    p.kind = kind;
    p.huber_delta = 1.0f;
    p.temperature = 1.0f;
    return p;
}

const char *eo_loss_params_check(const eo_loss_params *p)
{
    if (!p) return "loss parameters are NULL";
    if ((unsigned)p->kind >= (unsigned)EO_LOSS_COUNT) return "unknown loss kind";
    if (p->kind == EO_LOSS_HUBER && !(p->huber_delta > 0.0f && isfinite(p->huber_delta)))
        return "huber_delta must be a finite number > 0";
    if (p->kind == EO_LOSS_KL_T && !(p->temperature > 0.0f && isfinite(p->temperature)))
        return "temperature must be a finite number > 0";
    return NULL;
}

int eo_loss(const eo_loss_params *p, const float *out, int batch, int k, const int32_t *labels,
            const float *targets, float *loss, float *dout)
{
    if (eo_loss_params_check(p) || !out || batch < 1 || k < 1 || !loss) return EO_ERR_INVALID;
    const loss_traits *t = &loss_table[p->kind];
    if (t->needs_targets == 1 && !targets) return EO_ERR_INVALID;
    if (t->needs_targets == 2 && !labels) return EO_ERR_INVALID;
    if (t->needs_targets == 3 && !labels && !targets) return EO_ERR_INVALID;
    if (p->kind == EO_LOSS_SOFTMAX_CE && k < 2) return EO_ERR_INVALID;
    loss_in in = {p, out, batch, k, labels, targets, dout};
    double v = 0.0;
    int rc = t->fn(&in, &v);
    if (rc != EO_OK) return rc;
    *loss = (float)v;
    return isfinite(v) ? EO_OK : EO_ERR_NUMERIC;
}
