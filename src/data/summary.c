/* Summary statistics for `edgeopt data info`: class counts and per-feature
 * min / mean / std / max (two passes in double). */
#include "data/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void eo_data_summary_free(eo_data_summary *s)
{
    if (!s) return;
    free(s->class_count);
    free(s->min);
    free(s->max);
    free(s->mean);
    free(s->std);
    memset(s, 0, sizeof *s);
}

int eo_data_summarize(const eo_dataset *ds, eo_data_summary *s, eo_error *err)
{
    memset(s, 0, sizeof *s);
    if (!ds || !ds->x || ds->rows == 0 || ds->cols == 0)
        return eo_error_set(err, EO_ERR_INVALID, "summary: empty dataset");
    size_t r = ds->rows, c = ds->cols;
    s->rows = r;
    s->cols = c;
    s->n_classes = ds->y ? ds->n_classes : 0;
    s->min = malloc(c * sizeof(float));
    s->max = malloc(c * sizeof(float));
    s->mean = calloc(c, sizeof(double));
    s->std = calloc(c, sizeof(double));
    if (s->n_classes > 0) s->class_count = calloc((size_t)s->n_classes, sizeof(size_t));
    if (!s->min || !s->max || !s->mean || !s->std || (s->n_classes > 0 && !s->class_count)) {
        eo_data_summary_free(s);
        return eo_error_set(err, EO_ERR_NOMEM, "summary: out of memory");
    }
    for (size_t j = 0; j < c; j++) {
        s->min[j] = INFINITY;
        s->max[j] = -INFINITY;
    }
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            float v = eo_dataset_at(ds, i, j);
            if (v < s->min[j]) s->min[j] = v;
            if (v > s->max[j]) s->max[j] = v;
            s->mean[j] += v;
        }
    double total = 0;
    for (size_t j = 0; j < c; j++) {
        total += s->mean[j];
        s->mean[j] /= (double)r;
    }
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double d = eo_dataset_at(ds, i, j) - s->mean[j];
            s->std[j] += d * d;
        }
    s->all_min = INFINITY;
    s->all_max = -INFINITY;
    for (size_t j = 0; j < c; j++) {
        s->std[j] = sqrt(s->std[j] / (double)r);
        if (s->min[j] < s->all_min) s->all_min = s->min[j];
        if (s->max[j] > s->all_max) s->all_max = s->max[j];
    }
    s->all_mean = total / ((double)r * (double)c);
    for (size_t i = 0; s->class_count && i < r; i++)
        if (ds->y[i] >= 0 && ds->y[i] < s->n_classes) s->class_count[ds->y[i]]++;
    if (ds->t) {
        s->has_targets = 1;
        double sum = 0, ss = 0, mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < r; i++) {
            sum += ds->t[i];
            if (ds->t[i] < mn) mn = ds->t[i];
            if (ds->t[i] > mx) mx = ds->t[i];
        }
        double m = sum / (double)r;
        for (size_t i = 0; i < r; i++) ss += (ds->t[i] - m) * (ds->t[i] - m);
        s->t_min = mn;
        s->t_max = mx;
        s->t_mean = m;
        s->t_std = sqrt(ss / (double)r);
    }
    return EO_OK;
}
