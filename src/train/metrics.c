/* Classification and regression metrics.
 *
 * Macro averages follow scikit-learn (precision_recall_fscore_support with
 * average="macro", zero_division=0): per-class precision tp/(tp+fp), recall
 * tp/(tp+fn), F1 = 2PR/(P+R), averaged over the classes present in y_true or
 * y_pred. R^2 follows r2_score: 1 - SSE/SST, where SST is accumulated with
 * Welford's update (Welford 1962) to avoid cancellation. */
#include <math.h>
#include <string.h>

#include "edgeopt/train.h"

void eo_confusion_add(int64_t *conf, int k, const int32_t *y_true, const int32_t *y_pred, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t t = y_true[i], p = y_pred[i];
        if (t >= 0 && t < k && p >= 0 && p < k) conf[(size_t)t * (size_t)k + (size_t)p]++;
    }
}

void eo_class_metrics_compute(const int64_t *conf, int k, eo_class_metrics *out)
{
    int64_t total = 0, correct = 0;
    double sp = 0, sr = 0, sf = 0;
    int present = 0;
    for (int c = 0; c < k; c++) {
        int64_t tp = conf[(size_t)c * (size_t)k + (size_t)c], row = 0, col = 0;
        for (int j = 0; j < k; j++) {
            row += conf[(size_t)c * (size_t)k + (size_t)j]; /* true c: tp + fn */
            col += conf[(size_t)j * (size_t)k + (size_t)c]; /* predicted c: tp + fp */
        }
        total += row;
        correct += tp;
        if (row == 0 && col == 0) continue; /* class absent from both: not averaged */
        present++;
        double p = col ? (double)tp / (double)col : 0.0;
        double r = row ? (double)tp / (double)row : 0.0;
        sp += p;
        sr += r;
        sf += p + r > 0 ? 2.0 * p * r / (p + r) : 0.0;
    }
    out->n = total;
    if (total == 0 || present == 0) {
        out->accuracy = out->precision = out->recall = out->f1 = NAN;
        return;
    }
    out->accuracy = (double)correct / (double)total;
    out->precision = sp / present;
    out->recall = sr / present;
    out->f1 = sf / present;
}

void eo_reg_accum_init(eo_reg_accum *a) { memset(a, 0, sizeof *a); }

void eo_reg_accum_add(eo_reg_accum *a, const float *pred, const float *target, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double t = target[i], r = (double)pred[i] - t;
        a->sse += r * r;
        a->sae += fabs(r);
        a->n++;
        double d = t - a->mean;
        a->mean += d / (double)a->n;
        a->m2 += d * (t - a->mean);
    }
}

void eo_reg_metrics(const eo_reg_accum *a, double *mse, double *mae, double *r2)
{
    if (a->n == 0) {
        *mse = *mae = *r2 = NAN;
        return;
    }
    *mse = a->sse / (double)a->n;
    *mae = a->sae / (double)a->n;
    if (a->m2 > 0)
        *r2 = 1.0 - a->sse / a->m2;
    else
        *r2 = a->sse == 0 ? 1.0 : 0.0;
}

void eo_predict_classes(const float *out, size_t n, int k, int32_t *pred)
{
    for (size_t i = 0; i < n; i++) {
        const float *o = out + i * (size_t)k;
        if (k == 1) {
            pred[i] = o[0] > 0.0f;
            continue;
        }
        int best = 0;
        for (int j = 1; j < k; j++)
            if (o[j] > o[best]) best = j;
        pred[i] = best;
    }
}
