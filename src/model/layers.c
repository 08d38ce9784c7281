/* The layer table: one row of traits per eo_layer_kind (names, shapes,
 * parameter counts, forward and backward), indexed by the append-only enum. */
#include <string.h>

#include "model/internal.h"

const eo__layer_traits eo__layer_table[EO_LAYER_COUNT] = {
    [EO_LAYER_DENSE] = {.name = "dense", .shape = eo__shape_dense, .nparams = eo__np_dense,
                        .nweights = eo__nw_dense, .fan_in = eo__fanin_dense, .fan_out = eo__fanout_dense,
                        .forward = eo__fwd_dense, .backward = eo__bwd_dense},
    [EO_LAYER_CONV2D] = {.name = "conv2d", .shape = eo__shape_conv, .nparams = eo__np_conv,
                         .nweights = eo__nw_conv, .fan_in = eo__fanin_conv, .fan_out = eo__fanout_conv,
                         .scratch_floats = eo__scratch_conv, .forward = eo__fwd_conv, .backward = eo__bwd_conv},
    [EO_LAYER_DWCONV2D] = {.name = "dwconv2d", .shape = eo__shape_dw, .nparams = eo__np_dw,
                           .nweights = eo__nw_dw, .fan_in = eo__fanin_dw, .fan_out = eo__fanout_dw,
                           .forward = eo__fwd_dw, .backward = eo__bwd_dw},
    [EO_LAYER_MAXPOOL] = {.name = "maxpool", .shape = eo__shape_pool, .aux_bytes = eo__aux_maxpool,
                          .forward = eo__fwd_maxpool, .backward = eo__bwd_maxpool},
    [EO_LAYER_AVGPOOL] = {.name = "avgpool", .shape = eo__shape_pool, .forward = eo__fwd_avgpool,
                          .backward = eo__bwd_avgpool},
    [EO_LAYER_GAP] = {.name = "gap", .shape = eo__shape_gap, .forward = eo__fwd_gap, .backward = eo__bwd_gap},
    [EO_LAYER_FLATTEN] = {.name = "flatten", .shape = eo__shape_flatten, .forward = eo__fwd_copy,
                          .backward = eo__bwd_copy},
    [EO_LAYER_BATCHNORM] = {.name = "batchnorm", .shape = eo__shape_bn, .nparams = eo__np_bn,
                            .nbuffers = eo__nb_bn, .aux_bytes = eo__aux_bn, .init = eo__init_bn,
                            .forward = eo__fwd_bn, .backward = eo__bwd_bn},
    [EO_LAYER_DROPOUT] = {.name = "dropout", .shape = eo__shape_dropout, .aux_bytes = eo__aux_dropout,
                          .forward = eo__fwd_dropout, .backward = eo__bwd_dropout},
    [EO_LAYER_RELU] = {.name = "relu", .shape = eo__shape_same, .forward = eo__fwd_relu,
                       .backward = eo__bwd_relu, .relu_like = 1},
    [EO_LAYER_RELU6] = {.name = "relu6", .shape = eo__shape_same, .forward = eo__fwd_relu6,
                        .backward = eo__bwd_relu6, .relu_like = 1},
    [EO_LAYER_LEAKY_RELU] = {.name = "leaky_relu", .shape = eo__shape_leaky, .forward = eo__fwd_leaky,
                             .backward = eo__bwd_leaky, .relu_like = 1},
    [EO_LAYER_TANH] = {.name = "tanh", .shape = eo__shape_same, .forward = eo__fwd_tanh,
                       .backward = eo__bwd_tanh},
    [EO_LAYER_SIGMOID] = {.name = "sigmoid", .shape = eo__shape_same, .forward = eo__fwd_sigmoid,
                          .backward = eo__bwd_sigmoid},
    [EO_LAYER_SOFTMAX] = {.name = "softmax", .shape = eo__shape_same, .forward = eo__fwd_softmax,
                          .backward = eo__bwd_softmax},
};

const char *eo_layer_kind_name(int k)
{
    if (k < 0 || k >= EO_LAYER_COUNT) return "unknown";
    return eo__layer_table[k].name;
}

static const struct {
    const char *alias;
    eo_layer_kind kind;
} aliases[] = {
    {"conv", EO_LAYER_CONV2D},     {"dwconv", EO_LAYER_DWCONV2D},      {"bn", EO_LAYER_BATCHNORM},
    {"leakyrelu", EO_LAYER_LEAKY_RELU}, {"globalavgpool", EO_LAYER_GAP},
};

int eo_layer_kind_from_name(const char *s)
{
    if (!s) return -1;
    for (int k = 0; k < EO_LAYER_COUNT; k++)
        if (strcmp(s, eo__layer_table[k].name) == 0) return k;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(s, aliases[i].alias) == 0) return (int)aliases[i].kind;
    return -1;
}

eo_layer_desc eo_layer_desc_defaults(eo_layer_kind kind)
{
    eo_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.kh = d.kw = 3;
    d.stride = 1;
    if (kind == EO_LAYER_MAXPOOL || kind == EO_LAYER_AVGPOOL) d.kh = d.kw = d.stride = 2;
    if (kind != EO_LAYER_CONV2D && kind != EO_LAYER_DWCONV2D && kind != EO_LAYER_MAXPOOL &&
        kind != EO_LAYER_AVGPOOL) {
        d.kh = d.kw = 0;
        d.stride = 0;
    }
    d.alpha = 0.01f;
    d.p = 0.5f;
    d.eps = 1e-5f;
    d.momentum = 0.1f;
    return d;
}

int eo_layer_output_shape(const eo_layer_desc *d, const int64_t in_shape[3], int64_t out_shape[3],
                          eo_error *err)
{
    if (!d || !in_shape || !out_shape) return eo_error_set(err, EO_ERR_INVALID, "NULL argument");
    if ((unsigned)d->kind >= (unsigned)EO_LAYER_COUNT)
        return eo_error_set(err, EO_ERR_INVALID, "unknown layer kind %d", (int)d->kind);
    for (int i = 0; i < 3; i++)
        if (in_shape[i] < 1) return eo_error_set(err, EO_ERR_SHAPE, "input dimension %d is < 1", i);
    return eo__layer_table[d->kind].shape(d, in_shape, out_shape, err);
}

int64_t eo__conv_out(int64_t n, int k, int stride, int pad)
{
    if (k < 1 || stride < 1 || pad < 0) return -1;
    int64_t span = n + 2 * (int64_t)pad - k;
    if (span < 0) return -1;
    return span / stride + 1;
}

void eo__bn_view(const int64_t s[3], int64_t *channels, int64_t *spatial)
{
    if (s[0] == 1 && s[1] == 1) {
        *channels = s[2];
        *spatial = 1;
    } else {
        *channels = s[0];
        *spatial = s[1] * s[2];
    }
}
