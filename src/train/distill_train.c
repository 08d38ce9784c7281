/* Distillation through the trainer: its loss hook computes the teacher's
 * logits on the batch (eval mode) and the loss of eo_distill_loss (Hinton et
 * al. 2015). With a transfer set (mixup > 0) the hook also trains on mixtures
 * of the batch's images labelled by the teacher alone (see
 * edgeopt/compress_model.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/train.h"

typedef struct dctx {
    eo_model *student, *teacher;
    double T, alpha, mixup;
    int mixup_labels;
    size_t cols;
    float *xmix, *dmix; /* mixed inputs and their soft-term gradient, batch rows */
    uint32_t *perm;
    float *lam;
    eo_rng rng; /* mixing partners and weights: its own stream of the seed */
} dctx;

/* Gamma(a, 1) by Marsaglia & Tsang (2000), with the a < 1 boost
 * Gamma(a) = Gamma(a + 1) U^(1/a). */
static double gamma_draw(eo_rng *r, double a)
{
    if (a < 1) {
        double u = eo_rng_uniform(r);
        return gamma_draw(r, a + 1) * pow(u > 0 ? u : 1e-300, 1 / a);
    }
    double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z = eo_rng_normal(r), v = 1 + c * z;
        if (v <= 0) continue;
        v = v * v * v;
        double u = eo_rng_uniform(r);
        if (u > 0 && log(u) < 0.5 * z * z + d - d * v + d * log(v)) return d * v;
    }
}

/* lambda ~ Beta(a, a), as in mixup (Zhang et al. 2018). */
static double beta_sym(eo_rng *r, double a)
{
    double g1 = gamma_draw(r, a), g2 = gamma_draw(r, a);
    return g1 + g2 > 0 ? g1 / (g1 + g2) : 0.5;
}

/* Transfer-set step: x' = lambda x_b + (1 - lambda) x_perm(b) for every row
 * b of the batch; the teacher labels x' (soft targets only, the hard labels
 * do not hold for a mixture), and alpha T^2 KL(teacher(x') || student(x'))
 * is back-propagated into the student's (already zeroed) gradients. The
 * mixup_labels control instead uses the mixed one-hot labels
 * lambda e_y(b) + (1 - lambda) e_y(perm(b)) with weight 1 and no teacher
 * (ordinary mixup, Zhang et al. 2018). */
static int mixed_step(dctx *c, const float *x, const int32_t *labels, int batch, int k)
{
    size_t cols = c->cols;
    eo_rng_permutation(&c->rng, c->perm, (size_t)batch);
    for (int b = 0; b < batch; b++) {
        float l = (float)beta_sym(&c->rng, c->mixup);
        c->lam[b] = l;
        const float *xa = x + (size_t)b * cols, *xb = x + (size_t)c->perm[b] * cols;
        float *xm = c->xmix + (size_t)b * cols;
        for (size_t j = 0; j < cols; j++) xm[j] = l * xa[j] + (1 - l) * xb[j];
    }
    const float *t = NULL, *s;
    float loss;
    int st = c->mixup_labels ? EO_OK : eo_model_forward(c->teacher, c->xmix, batch, 0, NULL, &t);
    if (!st) st = eo_model_forward(c->student, c->xmix, batch, 1, &c->rng, &s);
    if (st) return st;
    if (c->mixup_labels) {
        for (int b = 0; b < batch; b++) {
            const float *sb = s + (size_t)b * (size_t)k;
            float *db = c->dmix + (size_t)b * (size_t)k;
            double mx = sb[0], z = 0;
            for (int j = 1; j < k; j++) mx = fmax(mx, sb[j]);
            for (int j = 0; j < k; j++) z += exp(sb[j] - mx);
            int ya = labels[b], yb = labels[c->perm[b]];
            for (int j = 0; j < k; j++) {
                double tgt = (j == ya ? c->lam[b] : 0.0) + (j == yb ? 1.0 - c->lam[b] : 0.0);
                db[j] = (float)((exp(sb[j] - mx) / z - tgt) / batch);
            }
        }
    } else {
        if ((st = eo_distill_loss(s, t, NULL, batch, k, c->T, 1.0, &loss, c->dmix))) return st;
        for (size_t i = 0; i < (size_t)batch * (size_t)k; i++) c->dmix[i] *= (float)c->alpha;
    }
    return eo_model_backward(c->student, c->dmix);
}

static int distill_loss(void *u, const float *x, const float *out, int batch, int k, const int32_t *labels,
                        const float *targets, float *loss, float *dout)
{
    (void)targets;
    dctx *c = u;
    const float *t;
    if (c->mixup > 0 && (c->alpha > 0 || c->mixup_labels)) {
        int st = mixed_step(c, x, labels, batch, k);
        if (st) return st;
        /* The trainer back-propagates dout through the student's last
         * forward pass: make it the labelled batch's again (without dropout
         * this recomputes exactly the same outputs). */
        if ((st = eo_model_forward(c->student, x, batch, 1, &c->rng, &out))) return st;
    }
    int st = eo_model_forward(c->teacher, x, batch, 0, NULL, &t);
    if (st) return st;
    return eo_distill_loss(out, t, labels, batch, k, c->T, c->alpha, loss, dout);
}

eo_distill_params eo_distill_defaults(void)
{
    eo_distill_params d = {4.0, 0.7, 0.0, 0};
    return d;
}

int eo_distill_fit_ex(eo_model *student, eo_model *teacher, const eo_distill_params *dp,
                      const struct eo_train_params *tp, const struct eo_dataset *ds, const uint32_t *rows, size_t n,
                      const struct eo_scaler *scaler, eo_error *err)
{
    if (!student || !teacher || !dp || !tp || !ds)
        return eo_error_set(err, EO_ERR_INVALID, "eo_distill_fit: NULL argument");
    double T = dp->temperature, alpha = dp->alpha;
    if (!(T > 0) || !isfinite(T) || !(alpha >= 0 && alpha <= 1))
        return eo_error_set(err, EO_ERR_INVALID, "temperature must be > 0 and alpha in [0, 1]");
    if (!(dp->mixup >= 0) || !isfinite(dp->mixup))
        return eo_error_set(err, EO_ERR_INVALID, "mixup must be >= 0 (0 = off), got %g", dp->mixup);
    if (eo_model_in_numel(student) != eo_model_in_numel(teacher) ||
        eo_model_out_numel(student) != eo_model_out_numel(teacher))
        return eo_error_set(err, EO_ERR_SHAPE, "teacher (%lld -> %lld) and student (%lld -> %lld) shapes differ",
                            (long long)eo_model_in_numel(teacher), (long long)eo_model_out_numel(teacher),
                            (long long)eo_model_in_numel(student), (long long)eo_model_out_numel(student));
    int64_t k = eo_model_out_numel(student);
    if (k < 2 || k > 256) return eo_error_set(err, EO_ERR_UNSUPPORTED, "distillation needs 2..256 classes (%lld outputs)", (long long)k);
    eo_layer_desc last;
    eo_model_layer(teacher, eo_model_nlayers(teacher) - 1, &last, NULL, NULL, NULL, NULL);
    if (last.kind == EO_LAYER_SOFTMAX)
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "the teacher ends with a softmax layer; distillation needs its logits");
    if (tp->loss.kind != EO_LOSS_SOFTMAX_CE)
        return eo_error_set(err, EO_ERR_INVALID, "distillation trains a softmax classifier (loss softmax_ce)");
    if (!ds->y) return eo_error_set(err, EO_ERR_INVALID, "distillation needs class labels");
    dctx c;
    memset(&c, 0, sizeof c);
    c.student = student;
    c.teacher = teacher;
    c.T = T;
    c.alpha = alpha;
    c.mixup = dp->mixup;
    c.mixup_labels = dp->mixup_labels != 0;
    c.cols = (size_t)eo_model_in_numel(student);
    if (c.mixup > 0 && tp->batch > 0) {
        size_t b = (size_t)tp->batch;
        c.xmix = malloc(b * c.cols * sizeof(float));
        c.dmix = malloc(b * (size_t)k * sizeof(float));
        c.perm = malloc(b * sizeof(uint32_t));
        c.lam = malloc(b * sizeof(float));
        if (!c.xmix || !c.dmix || !c.perm || !c.lam) {
            free(c.xmix);
            free(c.dmix);
            free(c.perm);
            free(c.lam);
            return eo_error_set(err, EO_ERR_NOMEM, "out of memory for the transfer set");
        }
        /* Streams 0-2 of the seed are the trainer's (initialization,
         * shuffling, dropout). */
        eo_rng_seed_stream(&c.rng, tp->seed, 5);
    }
    eo_train_params p = *tp;
    p.loss_fn = distill_loss;
    p.loss_user = &c;
    eo_trainer *t = NULL;
    int st = eo_trainer_create(student, &p, &t, err);
    if (!st) st = eo_trainer_fit(t, ds, rows, n, NULL, NULL, 0, scaler, err);
    eo_trainer_destroy(t);
    free(c.xmix);
    free(c.dmix);
    free(c.perm);
    free(c.lam);
    return st;
}

int eo_distill_fit(eo_model *student, eo_model *teacher, double T, double alpha, const struct eo_train_params *tp,
                   const struct eo_dataset *ds, const uint32_t *rows, size_t n, const struct eo_scaler *scaler,
                   eo_error *err)
{
    eo_distill_params dp = eo_distill_defaults();
    dp.temperature = T;
    dp.alpha = alpha;
    return eo_distill_fit_ex(student, teacher, &dp, tp, ds, rows, n, scaler, err);
}
