/* Helpers shared by the model-level compression tests: small models,
 * synthetic labelled data and a tiny Adam training loop (the trainer lives in
 * the train module, which these tests do not link). */
#ifndef EO_TEST_CM_UTIL_H
#define EO_TEST_CM_UTIL_H

#include <string.h>

#include "eo_test.h"
#include "edgeopt/model.h"
#include "edgeopt/optim.h"

/* Build a model from a spec or description, initialized with a seed. */
static inline eo_model *cm_model(const char *spec, int64_t c, int64_t h, int64_t w, int nout, uint64_t seed)
{
    int64_t in[3] = {c, h, w};
    eo_model *m = NULL;
    eo_error e;
    eo_error_clear(&e);
    int st = eo_model_from_spec(spec, in, nout, NULL, &m, &e);
    if (st) fail_msg("model '%s': %s", spec, e.msg);
    eo_rng r;
    eo_rng_seed(&r, seed);
    assert_int_equal(eo_model_init_params(m, &r), EO_OK);
    return m;
}

/* Gaussian blobs: n rows of d features, k classes; class c has mean mu_c
 * (components uniform in [-2, 2], drawn from `seed`) and normal noise of
 * std `noise` (drawn from noise_seed). */
static inline void cm_blobs(size_t n, size_t d, int k, double noise, uint64_t seed, uint64_t noise_seed, float *x,
                     int32_t *y)
{
    eo_rng r;
    eo_rng_seed(&r, seed);
    double mu[16][64];
    assert_true(k <= 16 && d <= 64);
    for (int c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++) mu[c][j] = 4.0 * eo_rng_uniform(&r) - 2.0;
    eo_rng_seed(&r, noise_seed);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)k);
        y[i] = c;
        for (size_t j = 0; j < d; j++) x[i * d + j] = (float)(mu[c][j] + noise * eo_rng_normal(&r));
    }
}

/* Adam on softmax cross-entropy for `steps` mini-batches of `batch` rows
 * (cyclic over the data). */
static inline void cm_train(eo_model *m, const float *x, const int32_t *y, size_t n, int batch, int steps, double lr)
{
    eo_optim_params op = eo_optim_defaults(EO_OPTIM_ADAM);
    op.lr = lr;
    eo_optimizer *o = NULL;
    assert_int_equal(eo_optimizer_create(&op, eo_model_nparams(m), NULL, &o, NULL), EO_OK);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    size_t d = (size_t)eo_model_in_numel(m);
    int k = (int)eo_model_out_numel(m);
    float *dout = malloc((size_t)batch * (size_t)k * sizeof *dout);
    assert_int_equal(eo_model_reserve(m, batch, NULL), EO_OK);
    for (int s = 0; s < steps; s++) {
        size_t r0 = ((size_t)s * (size_t)batch) % (n - (size_t)batch + 1);
        const float *out;
        assert_int_equal(eo_model_forward(m, x + r0 * d, batch, 1, NULL, &out), EO_OK);
        float loss;
        assert_int_equal(eo_loss(&lp, out, batch, k, y + r0, NULL, &loss, dout), EO_OK);
        eo_model_zero_grad(m);
        assert_int_equal(eo_model_backward(m, dout), EO_OK);
        assert_int_equal(eo_optimizer_step_f32(o, eo_model_params(m), eo_model_grads(m), NULL), EO_OK);
    }
    free(dout);
    eo_optimizer_destroy(o);
}

static inline int cm_argmax(const float *v, int k)
{
    int b = 0;
    for (int j = 1; j < k; j++)
        if (v[j] > v[b]) b = j;
    return b;
}

/* Accuracy of eval-mode predictions. */
static inline double cm_accuracy(eo_model *m, const float *x, const int32_t *y, size_t n)
{
    size_t d = (size_t)eo_model_in_numel(m), hit = 0;
    int k = (int)eo_model_out_numel(m);
    for (size_t r0 = 0; r0 < n; r0 += 256) {
        int bs = (int)(n - r0 < 256 ? n - r0 : 256);
        const float *out;
        assert_int_equal(eo_model_forward(m, x + r0 * d, bs, 0, NULL, &out), EO_OK);
        for (int i = 0; i < bs; i++) hit += cm_argmax(out + (size_t)i * (size_t)k, k) == y[r0 + (size_t)i];
    }
    return (double)hit / (double)n;
}

#endif
