/* Private declarations of the model module: the model struct and the layer
 * traits table. Not installed. */
#ifndef EO_MODEL_INTERNAL_H
#define EO_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/model.h"

/* One layer of a model: its descriptor, shapes, where its parameters and
 * buffers live, and (after reserve) its slice of the workspace. */
typedef struct eo__layer {
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t in_numel, out_numel;
    size_t poff, pcount;   /* in the params/grads arrays */
    size_t nweights;       /* the first nweights of the layer's params are weights */
    size_t boff, bcount;   /* in the buffers array */
    float *y;              /* workspace: batch x out_numel output of the last forward */
    void *aux;             /* workspace: state saved by forward for backward */
} eo__layer;

struct eo_model {
    eo_allocator alloc;
    int has_alloc;
    int nlayers;
    eo__layer *layers;
    int64_t in_shape[3];
    size_t in_numel, out_numel;
    size_t nparams, nbuffers;
    float *params, *grads, *buffers;
    uint8_t *mask;
    const eo_parallel *par;
    int input_grad;
    void *raw;             /* the model block as allocated */
    /* Workspace (eo_model_reserve). */
    void *ws_raw;
    int max_batch;
    float *dbuf[2];        /* ping-pong gradient buffers, max numel x max_batch */
    float *dx_in;          /* batch x in_numel input gradient */
    float *scratch;        /* shared scratch (im2col), scratch_n floats */
    size_t scratch_n;
    /* Last forward. */
    const float *last_x;
    int last_batch, last_train, have_fwd, have_dx;
};

/* Everything a layer's forward or backward needs. */
typedef struct eo__run {
    eo__layer *L;
    int batch;
    int train;
    const float *x;   /* batch x in_numel */
    float *y;         /* batch x out_numel */
    const float *dy;  /* backward: batch x out_numel */
    float *dx;        /* backward: batch x in_numel, NULL = not needed */
    float *p, *g;     /* the layer's params and grads (NULL if none) */
    float *buf;       /* the layer's buffers (NULL if none) */
    float *scratch;   /* shared scratch of scratch_n floats */
    size_t scratch_n;
    eo_rng *rng;
    const eo_parallel *par;
} eo__run;

/* Work per parallel-for chunk: element-wise loops and per-plane loops. The
 * chunks only write disjoint outputs, so results do not depend on threads. */
#define EO__GRAIN_ELEMS ((size_t)32768)
#define EO__GRAIN_PLANES(plane) ((size_t)(((plane) >= 8192 ? 1 : 8192 / ((plane) ? (plane) : 1))))

/* A row of the layer table. NULL function pointers mean "none/zero". */
typedef struct eo__layer_traits {
    const char *name;
    /* Validate d against the input shape and give the output shape. */
    int (*shape)(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err);
    /* Parameter count and how many of them (a prefix) are weights. */
    size_t (*nparams)(const eo__layer *L);
    size_t (*nweights)(const eo__layer *L);
    size_t (*nbuffers)(const eo__layer *L);
    /* Weight fan-in (length of one unit's incoming vector) and fan-out, for
     * initialization and max-norm. The weights are nweights/fan_in rows of
     * fan_in values, one row per output channel, followed by one bias each. */
    size_t (*fan_in)(const eo__layer *L);
    size_t (*fan_out)(const eo__layer *L);
    /* Workspace bytes this layer keeps between forward and backward, and
     * shared scratch floats it needs, for a given batch. */
    size_t (*aux_bytes)(const eo__layer *L, int batch);
    size_t (*scratch_floats)(const eo__layer *L, int batch);
    /* Non-random initialization of params/buffers (batch-norm gamma etc.). */
    void (*init)(const eo__layer *L, float *p, float *buf);
    void (*forward)(eo__run *r);
    void (*backward)(eo__run *r);
    /* 1 for activations that want He initialization in the layer before. */
    int relu_like;
} eo__layer_traits;

extern const eo__layer_traits eo__layer_table[EO_LAYER_COUNT];

/* Per-family functions the table points to (layer_*.c). */
#define EO__SHAPE_FN(name) int name(const eo_layer_desc *d, const int64_t in[3], int64_t out[3], eo_error *err)
#define EO__SIZE_FN(name) size_t name(const eo__layer *L)
#define EO__WS_FN(name) size_t name(const eo__layer *L, int batch)
#define EO__RUN_FN(name) void name(eo__run *r)

EO__SHAPE_FN(eo__shape_dense);
EO__SIZE_FN(eo__np_dense);
EO__SIZE_FN(eo__nw_dense);
EO__SIZE_FN(eo__fanin_dense);
EO__SIZE_FN(eo__fanout_dense);
EO__RUN_FN(eo__fwd_dense);
EO__RUN_FN(eo__bwd_dense);

EO__SHAPE_FN(eo__shape_conv);
EO__SIZE_FN(eo__np_conv);
EO__SIZE_FN(eo__nw_conv);
EO__SIZE_FN(eo__fanin_conv);
EO__SIZE_FN(eo__fanout_conv);
EO__WS_FN(eo__scratch_conv);
EO__RUN_FN(eo__fwd_conv);
EO__RUN_FN(eo__bwd_conv);

EO__SHAPE_FN(eo__shape_dw);
EO__SIZE_FN(eo__np_dw);
EO__SIZE_FN(eo__nw_dw);
EO__SIZE_FN(eo__fanin_dw);
EO__SIZE_FN(eo__fanout_dw);
EO__RUN_FN(eo__fwd_dw);
EO__RUN_FN(eo__bwd_dw);

EO__SHAPE_FN(eo__shape_pool);
EO__WS_FN(eo__aux_maxpool);
EO__RUN_FN(eo__fwd_maxpool);
EO__RUN_FN(eo__bwd_maxpool);
EO__RUN_FN(eo__fwd_avgpool);
EO__RUN_FN(eo__bwd_avgpool);
EO__SHAPE_FN(eo__shape_gap);
EO__RUN_FN(eo__fwd_gap);
EO__RUN_FN(eo__bwd_gap);
EO__SHAPE_FN(eo__shape_flatten);
EO__RUN_FN(eo__fwd_copy);
EO__RUN_FN(eo__bwd_copy);

EO__SHAPE_FN(eo__shape_same);
EO__SHAPE_FN(eo__shape_bn);
EO__SIZE_FN(eo__np_bn);
EO__SIZE_FN(eo__nb_bn);
EO__WS_FN(eo__aux_bn);
void eo__init_bn(const eo__layer *L, float *p, float *buf);
EO__RUN_FN(eo__fwd_bn);
EO__RUN_FN(eo__bwd_bn);
EO__SHAPE_FN(eo__shape_dropout);
EO__WS_FN(eo__aux_dropout);
EO__RUN_FN(eo__fwd_dropout);
EO__RUN_FN(eo__bwd_dropout);

EO__SHAPE_FN(eo__shape_leaky);
EO__RUN_FN(eo__fwd_relu);
EO__RUN_FN(eo__bwd_relu);
EO__RUN_FN(eo__fwd_relu6);
EO__RUN_FN(eo__bwd_relu6);
EO__RUN_FN(eo__fwd_leaky);
EO__RUN_FN(eo__bwd_leaky);
EO__RUN_FN(eo__fwd_tanh);
EO__RUN_FN(eo__bwd_tanh);
EO__RUN_FN(eo__fwd_sigmoid);
EO__RUN_FN(eo__bwd_sigmoid);
EO__RUN_FN(eo__fwd_softmax);
EO__RUN_FN(eo__bwd_softmax);

/* Window output size floor((n + 2 pad - k) / stride) + 1, or -1 if invalid. */
int64_t eo__conv_out(int64_t n, int k, int stride, int pad);

/* Batch-norm channel view of a shape: channels and spatial size per sample. */
void eo__bn_view(const int64_t s[3], int64_t *channels, int64_t *spatial);

/* Copy of m's allocator as a pointer (NULL for the default). */
const eo_allocator *eo__model_allocator(const eo_model *m);

#endif
