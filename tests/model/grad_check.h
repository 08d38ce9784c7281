/* Central finite-difference gradient check of a model (shared by the model
 * tests). The scalar checked is f = sum_i c_i y_i (c fixed random weights,
 * y = the model output), accumulated in double, so dLoss/dOut = c.
 * Perturbations are applied to the float values and the actual step taken
 * ((x+h) - (x-h) in float) is used as the denominator. */
#ifndef EO_TEST_GRAD_CHECK_H
#define EO_TEST_GRAD_CHECK_H

#include <math.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"

typedef struct gc_setup {
    eo_model *m;
    float *x;        /* batch x in_numel, perturbed in place */
    int batch;
    int train;
    uint64_t dropout_seed; /* re-seeded before every forward: same mask */
    float *c;        /* batch x out_numel */
} gc_setup;

static double gc_value(const gc_setup *g)
{
    eo_rng r;
    eo_rng_seed(&r, g->dropout_seed);
    const float *y = NULL;
    assert_int_equal(eo_model_forward(g->m, g->x, g->batch, g->train, &r, &y), EO_OK);
    size_t n = (size_t)g->batch * (size_t)eo_model_out_numel(g->m);
    double f = 0.0;
    for (size_t i = 0; i < n; i++) f += (double)g->c[i] * (double)y[i];
    return f;
}

/* Numeric derivative of gc_value with respect to v[j]. */
static double gc_numeric(const gc_setup *g, float *v, size_t j, double h)
{
    float orig = v[j];
    float up = (float)(orig + h), dn = (float)(orig - h);
    v[j] = up;
    double fp = gc_value(g);
    v[j] = dn;
    double fm = gc_value(g);
    v[j] = orig;
    return (fp - fm) / ((double)up - (double)dn);
}

/* ||a - b|| / max(||a||, ||b||) and the norm of a. */
static double gc_rel_err(const double *a, const double *b, size_t n, double *norm_a)
{
    double d = 0.0, na = 0.0, nb = 0.0;
    for (size_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    *norm_a = sqrt(na);
    double den = sqrt(na > nb ? na : nb);
    return den > 0.0 ? sqrt(d) / den : 0.0;
}

/* Check dF/dparams and dF/dx. tol bounds the relative error of each whole
 * gradient vector; every element also has to satisfy |a - n| <= 10 tol
 * (|n| + scale) with scale the mean magnitude. Both gradients must be non-zero
 * (when the model has parameters). */
static void gc_check(const gc_setup *g, double h, double tol, const char *what)
{
    eo_model *m = g->m;
    const size_t np = eo_model_nparams(m);
    const size_t nx = (size_t)g->batch * (size_t)eo_model_in_numel(m);
    eo_model_set_input_grad(m, 1);
    eo_model_zero_grad(m);
    (void)gc_value(g);
    assert_int_equal(eo_model_backward(m, g->c), EO_OK);
    const float *dx = eo_model_input_grad(m);
    assert_non_null(dx);
    double *an = malloc((np + nx + 1) * sizeof(double));
    double *nu = malloc((np + nx + 1) * sizeof(double));
    const float *gr = eo_model_grads(m);
    for (size_t j = 0; j < np; j++) an[j] = gr[j];
    for (size_t j = 0; j < nx; j++) an[np + j] = dx[j];
    float *p = eo_model_params(m);
    for (size_t j = 0; j < np; j++) nu[j] = gc_numeric(g, p, j, h);
    for (size_t j = 0; j < nx; j++) nu[np + j] = gc_numeric(g, g->x, j, h);
    const double *parts_a[2] = {an, an + np}, *parts_n[2] = {nu, nu + np};
    const size_t cnt[2] = {np, nx};
    const char *names[2] = {"params", "input"};
    for (int k = 0; k < 2; k++) {
        if (cnt[k] == 0) continue;
        double norm;
        double e = gc_rel_err(parts_a[k], parts_n[k], cnt[k], &norm);
        if (!(e <= tol)) fail_msg("%s: %s gradient relative error %.3g > %.3g", what, names[k], e, tol);
        if (!(norm > 1e-6)) fail_msg("%s: %s gradient is (near) zero: %.3g", what, names[k], norm);
        double scale = norm / sqrt((double)cnt[k]);
        for (size_t j = 0; j < cnt[k]; j++) {
            double a = parts_a[k][j], b = parts_n[k][j];
            if (!(fabs(a - b) <= 10.0 * tol * (fabs(b) + scale)))
                fail_msg("%s: %s gradient [%zu]: analytic %.8g numeric %.8g", what, names[k], j, a, b);
        }
    }
    free(an);
    free(nu);
}

#endif
