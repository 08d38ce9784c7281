/* Layer-stack benchmark (lane E): one forward + softmax-CE loss + backward of
 * a model on a batch of random 1x28x28 inputs, as the training loop does it,
 * without data loading or the optimizer. Peer: bench/model_layers_torch.py.
 *
 *   model_layers_bench NAME [THREADS] [ITERS]
 *
 * NAME is mlp (784-256-128-10), cnn (the guide's example CNN, 12,810
 * parameters) or cnn_bn (three convolutions with batch norm, 56,586
 * parameters). Prints one line: model=, threads=, ms_wall= and ms_cpu= (the
 * best of 5 repetitions of ITERS batches of 128, per batch). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/model.h"
#include "edgeopt/parallel.h"

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const struct {
    const char *name, *spec;
} models[] = {
    {"mlp", "mlp:256,128"},
    {"cnn", "conv 16 3x3 -> relu -> maxpool 2 -> conv 32 3x3 -> relu -> maxpool 2 -> dense 10"},
    {"cnn_bn", "conv 32 3x3 pad=1 -> bn -> relu -> maxpool 2 -> conv 64 3x3 pad=1 -> bn -> relu -> maxpool 2 -> "
               "conv 64 3x3 -> relu -> gap -> dense 10"},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: model_layers_bench mlp|cnn|cnn_bn [THREADS] [ITERS]\n");
        return 2;
    }
    const char *spec = NULL;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcmp(argv[1], models[i].name) == 0) spec = models[i].spec;
    if (!spec) {
        fprintf(stderr, "model_layers_bench: unknown model '%s'\n", argv[1]);
        return 2;
    }
    const int threads = argc > 2 ? atoi(argv[2]) : 1, iters = argc > 3 ? atoi(argv[3]) : 10;
    enum { B = 128, K = 10 };
    const int64_t in[3] = {1, 28, 28};
    eo_model *m = NULL;
    eo_error err;
    if (eo_model_from_spec(spec, in, K, NULL, &m, &err) != EO_OK || eo_model_reserve(m, B, &err) != EO_OK) {
        fprintf(stderr, "model_layers_bench: %s\n", err.msg);
        return 1;
    }
    eo_pool *pool = NULL;
    if (threads > 1) {
        if (eo_pool_create(threads, &pool) != EO_OK) return 1;
        eo_model_set_parallel(m, eo_pool_parallel(pool));
    }
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    float *x = malloc((size_t)B * 784 * sizeof(float)), d[B * K], loss;
    int32_t lab[B];
    for (int i = 0; i < B * 784; i++) x[i] = eo_rng_uniformf(&r);
    for (int i = 0; i < B; i++) lab[i] = i % K;
    const eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    double best_wall = 1e30, best_cpu = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        for (int it = 0; it < iters; it++) {
            const float *y;
            eo_model_zero_grad(m);
            eo_model_forward(m, x, B, 1, &r, &y);
            eo_loss(&lp, y, B, K, lab, NULL, &loss, d);
            eo_model_backward(m, d);
        }
        double w = (clock_s(CLOCK_MONOTONIC) - w0) / iters, c = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / iters;
        if (w < best_wall) best_wall = w;
        if (c < best_cpu) best_cpu = c;
    }
    printf("model=%s threads=%d params=%zu ms_wall=%.3f ms_cpu=%.3f sgemm=%s\n", argv[1], threads,
           eo_model_nparams(m), 1e3 * best_wall, 1e3 * best_cpu, eo_sgemm_path());
    free(x);
    eo_model_destroy(m);
    eo_pool_destroy(pool);
    return 0;
}
