/* Train/validation splits and k-fold assignment, stratified by class.
 *
 * Both use one ordering: the rows grouped by class (class 0 first), each group
 * shuffled with the seed (unlabelled data: one shuffled group). Walking that
 * order with a position p,
 *   split:  row p goes to validation when round((p+1) f) > round(p f),
 *   k-fold: row p goes to fold p mod k.
 * A class occupying positions [s, e) then gets round(e f) - round(s f) rows
 * of validation, within one row of its exact share (e - s) f, the total is
 * round(n f), and each fold holds floor or ceil of (e - s)/k rows of every
 * class: stratification without any per-class bookkeeping. */
#include "data/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* order[0..n) = rows grouped by class and shuffled within each group. */
static int strat_order(const eo_dataset *ds, const uint32_t *rows, size_t n, uint64_t seed, uint32_t *order,
                       eo_error *err)
{
    eo_rng rng;
    eo_rng_seed(&rng, seed);
    int K = ds->y && ds->n_classes > 0 ? ds->n_classes : 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rows ? rows[i] : (uint32_t)i;
        if (r >= ds->rows) return eo_error_set(err, EO_ERR_RANGE, "row index %u >= %zu rows", r, ds->rows);
        if (K && (ds->y[r] < 0 || ds->y[r] >= K))
            return eo_error_set(err, EO_ERR_RANGE, "row %u has label %d outside 0..%d", r, (int)ds->y[r], K - 1);
    }
    if (!K) {
        for (size_t i = 0; i < n; i++) order[i] = rows ? rows[i] : (uint32_t)i;
        eo_rng_shuffle_u32(&rng, order, n);
        return EO_OK;
    }
    size_t *start = calloc((size_t)K + 1, sizeof(size_t));
    if (!start) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) start[ds->y[rows ? rows[i] : i] + 1]++;
    for (int c = 0; c < K; c++) start[c + 1] += start[c];
    size_t *fill = malloc((size_t)K * sizeof(size_t));
    if (!fill) {
        free(start);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    memcpy(fill, start, (size_t)K * sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rows ? rows[i] : (uint32_t)i;
        order[fill[ds->y[r]]++] = r;
    }
    for (int c = 0; c < K; c++) eo_rng_shuffle_u32(&rng, order + start[c], start[c + 1] - start[c]);
    free(fill);
    free(start);
    return EO_OK;
}

int eo_data_split_rows(const eo_dataset *ds, const uint32_t *rows, size_t n, double val_frac, uint64_t seed,
                       uint32_t **train, size_t *ntrain, uint32_t **val, size_t *nval, eo_error *err)
{
    *train = *val = NULL;
    *ntrain = *nval = 0;
    if (!ds) return eo_error_set(err, EO_ERR_INVALID, "split: NULL dataset");
    if (!(val_frac >= 0.0 && val_frac <= 1.0))
        return eo_error_set(err, EO_ERR_INVALID, "validation fraction %g outside [0, 1]", val_frac);
    if (!rows) n = ds->rows;
    if (n > UINT32_MAX) return eo_error_set(err, EO_ERR_RANGE, "split: too many rows");
    uint32_t *order = malloc((n ? n : 1) * sizeof(uint32_t));
    if (!order) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int rc = strat_order(ds, rows, n, seed, order, err);
    if (rc) {
        free(order);
        return rc;
    }
    size_t nv = (size_t)floor((double)n * val_frac + 0.5);
    uint32_t *tr = malloc((n - nv ? n - nv : 1) * sizeof(uint32_t));
    uint32_t *va = malloc((nv ? nv : 1) * sizeof(uint32_t));
    if (!tr || !va) {
        free(order);
        free(tr);
        free(va);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    size_t a = 0, b = 0;
    for (size_t p = 0; p < n; p++) {
        double lo = floor((double)p * val_frac + 0.5), hi = floor((double)(p + 1) * val_frac + 0.5);
        if (hi > lo && b < nv)
            va[b++] = order[p];
        else if (a < n - nv)
            tr[a++] = order[p];
        else
            va[b++] = order[p]; /* unreachable with exact rounding; keeps the counts safe */
    }
    free(order);
    qsort(tr, a, sizeof *tr, cmp_u32);
    qsort(va, b, sizeof *va, cmp_u32);
    if (a == 0) {
        free(tr);
        tr = NULL;
    }
    if (b == 0) {
        free(va);
        va = NULL;
    }
    *train = tr;
    *ntrain = a;
    *val = va;
    *nval = b;
    return EO_OK;
}

int eo_data_split(const eo_dataset *ds, double val_frac, uint64_t seed, uint32_t **train, size_t *ntrain,
                  uint32_t **val, size_t *nval, eo_error *err)
{
    return eo_data_split_rows(ds, NULL, 0, val_frac, seed, train, ntrain, val, nval, err);
}

int eo_data_kfold(const eo_dataset *ds, int k, uint64_t seed, int *fold_of_row, eo_error *err)
{
    if (!ds || !fold_of_row) return eo_error_set(err, EO_ERR_INVALID, "kfold: NULL argument");
    if (k < 2 || (size_t)k > ds->rows)
        return eo_error_set(err, EO_ERR_INVALID, "k-fold: k = %d must be 2..%zu (the number of rows)", k, ds->rows);
    if (ds->rows > UINT32_MAX) return eo_error_set(err, EO_ERR_RANGE, "k-fold: too many rows");
    uint32_t *order = malloc(ds->rows * sizeof(uint32_t));
    if (!order) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int rc = strat_order(ds, NULL, ds->rows, seed, order, err);
    if (rc == EO_OK)
        for (size_t p = 0; p < ds->rows; p++) fold_of_row[order[p]] = (int)(p % (size_t)k);
    free(order);
    return rc;
}
