/* Planning the int8 ops of a float model: which layers fuse into which op,
 * where the quantization points are, and which layers are refused.
 * The rules are stated in include/edgeopt/qmodel.h ("FROM A FLOAT MODEL"). */
#include <stdlib.h>
#include <string.h>

#include "edgeopt/qmodel.h"

static const char *const qop_names[EO_QOP_COUNT] = {"fc", "conv2d", "dwconv2d", "maxpool", "avgpool", "gap"};

const char *eo_qop_kind_name(int kind)
{
    return kind >= 0 && kind < EO_QOP_COUNT ? qop_names[kind] : "unknown";
}

int eo_qop_kind_from_name(const char *name)
{
    for (int i = 0; name && i < EO_QOP_COUNT; i++)
        if (!strcmp(name, qop_names[i])) return i;
    return -1;
}

int eo_qop_is_compute(int kind)
{
    return kind == EO_QOP_FC || kind == EO_QOP_CONV2D || kind == EO_QOP_DWCONV2D;
}

void eo_qplan_free(eo_qplan *p)
{
    if (!p) return;
    free(p->ops);
    p->ops = NULL;
    p->nops = 0;
}

static eo_layer_kind kind_of(const eo_model *m, int i)
{
    eo_layer_desc d;
    eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
    return d.kind;
}

/* relu after relu6 (or the reverse) is relu6; relu after relu is relu. */
static eo_q8_act combine(eo_q8_act a, eo_layer_kind k)
{
    if (k == EO_LAYER_RELU6 || a == EO_Q8_ACT_RELU6) return EO_Q8_ACT_RELU6;
    return EO_Q8_ACT_RELU;
}

int eo_qplan_make(const eo_model *m, eo_qplan *out, eo_error *err)
{
    memset(out, 0, sizeof *out);
    out->out_layer = -1;
    int nl = eo_model_nlayers(m);
    if (nl < 1) return eo_error_set(err, EO_ERR_INVALID, "the model has no layers");
    /* The last layer that is not dropout: a softmax there is applied in float. */
    int last = nl - 1;
    while (last > 0 && kind_of(m, last) == EO_LAYER_DROPOUT) last--;
    out->ops = calloc((size_t)nl, sizeof *out->ops);
    if (!out->ops) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int cur_point = 0, npoints = 1;
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
        eo_qplan_op *op = NULL;
        switch (d.kind) {
        case EO_LAYER_DENSE:
        case EO_LAYER_CONV2D:
        case EO_LAYER_DWCONV2D:
        case EO_LAYER_MAXPOOL:
        case EO_LAYER_AVGPOOL:
        case EO_LAYER_GAP:
            if (d.kind == EO_LAYER_AVGPOOL && d.pad > 0) {
                eo_qplan_free(out);
                return eo_error_set(err, EO_ERR_UNSUPPORTED,
                                    "layer %d (avgpool with pad=%d) cannot be quantized: PyTorch semantics count the "
                                    "padding in the average, the int8 kernel (TFLite) does not",
                                    i, d.pad);
            }
            op = &out->ops[out->nops++];
            op->kind = d.kind == EO_LAYER_DENSE      ? EO_QOP_FC
                       : d.kind == EO_LAYER_CONV2D   ? EO_QOP_CONV2D
                       : d.kind == EO_LAYER_DWCONV2D ? EO_QOP_DWCONV2D
                       : d.kind == EO_LAYER_MAXPOOL  ? EO_QOP_MAXPOOL
                       : d.kind == EO_LAYER_AVGPOOL  ? EO_QOP_AVGPOOL
                                                     : EO_QOP_GAP;
            op->first_layer = op->last_layer = i;
            op->act = EO_Q8_ACT_NONE;
            op->in_point = cur_point;
            op->point = -1;
            /* Fuse what follows: dropout, flatten, relu, relu6. */
            while (i + 1 < nl) {
                eo_layer_kind k = kind_of(m, i + 1);
                if (k == EO_LAYER_DROPOUT || k == EO_LAYER_FLATTEN) {
                    i++;
                } else if (k == EO_LAYER_RELU || k == EO_LAYER_RELU6) {
                    op->act = combine(op->act, k);
                    i++;
                } else {
                    break;
                }
                op->last_layer = i;
            }
            if (eo_qop_is_compute(op->kind)) {
                op->point = npoints++;
                cur_point = op->point;
            }
            out->out_layer = op->last_layer;
            break;
        case EO_LAYER_DROPOUT:
        case EO_LAYER_FLATTEN:
            if (out->nops == 0) out->out_layer = i;
            break;
        case EO_LAYER_RELU:
        case EO_LAYER_RELU6:
            eo_qplan_free(out);
            return eo_error_set(err, EO_ERR_UNSUPPORTED,
                                "layer %d (%s) does not follow a dense, conv or pooling layer, so it cannot be fused "
                                "into an int8 output clamp",
                                i, eo_layer_kind_name(d.kind));
        case EO_LAYER_BATCHNORM:
            eo_qplan_free(out);
            return eo_error_set(err, EO_ERR_UNSUPPORTED,
                                "layer %d (batchnorm) does not directly follow a dense or conv layer, so it cannot be "
                                "folded for int8",
                                i);
        case EO_LAYER_SOFTMAX:
            if (i == last) {
                out->final_softmax = 1;
                break;
            }
            eo_qplan_free(out);
            return eo_error_set(err, EO_ERR_UNSUPPORTED,
                                "layer %d (softmax) is not the last layer; only a final softmax is supported (it is "
                                "applied in float after the int8 logits)",
                                i);
        default:
            eo_qplan_free(out);
            return eo_error_set(err, EO_ERR_UNSUPPORTED,
                                "layer %d (%s) has no int8 kernel; use relu/relu6 activations for a quantized model",
                                i, eo_layer_kind_name(d.kind));
        }
    }
    if (out->nops == 0) {
        eo_qplan_free(out);
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "the model has no dense, conv or pooling layer to quantize");
    }
    out->npoints = npoints;
    return EO_OK;
}
