/* C export of a float model: one kernel call per layer over a planned arena.
 *
 * Layers become ops (flatten and dropout become nothing: NCHW memory is
 * already flat and dropout is the identity in eval mode; batch norm becomes a
 * per-channel affine map). Tensors: the caller's input, the caller's output,
 * or an arena buffer. Element-wise ops (batch norm, activations, softmax) run
 * in place on an arena buffer; the last op that changes the shape writes the
 * caller's output directly and the element-wise ops after it work in place
 * there. Each arena buffer lives from the op that writes it to the last op
 * that reads it; eo_deploy_plan places them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/internal.h"

#define T_INPUT (-1)
#define T_OUTPUT (-2)

typedef struct fop {
    eo__kern kern;
    int layer;
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t poff, pcount, boff;
    int in_t, out_t;
    int32_t kb;
} fop;

int32_t eo__gemm_kblock(int64_t k)
{
    if (k <= 0) return 1;
    int64_t nblk = (k + 255) / 256, b = (k + nblk - 1) / nblk;
    b = (b + 3) / 4 * 4;
    return (int32_t)(b < 256 ? b : 256);
}

static int elementwise(eo__kern k)
{
    return k == EO__K_AFFINE || k == EO__K_RELU || k == EO__K_RELU6 || k == EO__K_LEAKY || k == EO__K_TANH ||
           k == EO__K_SIGMOID || k == EO__K_SOFTMAX;
}

static const char *kern_name(eo__kern k)
{
    static const char *const n[] = {"dense", "conv2d", "dwconv2d", "maxpool", "avgpool", "gap", "batchnorm",
                                    "relu", "relu6", "leaky_relu", "tanh", "sigmoid", "softmax", "copy"};
    return (int)k >= 0 && (int)k < (int)(sizeof n / sizeof n[0]) ? n[k] : "?";
}

/* The layer's kernel, EO__K_COUNT for a layer that is no op; -1 if unknown. */
static int layer_kern(eo_layer_kind k)
{
    switch (k) {
    case EO_LAYER_DENSE: return EO__K_DENSE;
    case EO_LAYER_CONV2D: return EO__K_CONV2D;
    case EO_LAYER_DWCONV2D: return EO__K_DWCONV2D;
    case EO_LAYER_MAXPOOL: return EO__K_MAXPOOL;
    case EO_LAYER_AVGPOOL: return EO__K_AVGPOOL;
    case EO_LAYER_GAP: return EO__K_GAP;
    case EO_LAYER_BATCHNORM: return EO__K_AFFINE;
    case EO_LAYER_RELU: return EO__K_RELU;
    case EO_LAYER_RELU6: return EO__K_RELU6;
    case EO_LAYER_LEAKY_RELU: return EO__K_LEAKY;
    case EO_LAYER_TANH: return EO__K_TANH;
    case EO_LAYER_SIGMOID: return EO__K_SIGMOID;
    case EO_LAYER_SOFTMAX: return EO__K_SOFTMAX;
    case EO_LAYER_FLATTEN:
    case EO_LAYER_DROPOUT: return EO__K_COUNT;
    default: return -1;
    }
}

int eo__float_layer_kern(int i, const eo_layer_desc *d, const int64_t in[3], const int64_t out[3], eo_error *err)
{
    int k = layer_kern(d->kind);
    if (k == EO__K_COUNT) return k;
    if (k < 0)
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "layer %d (%s) has no C export in this edgeopt version", i,
                            eo_layer_kind_name(d->kind));
    if (eo__numel3(in) > INT32_MAX || eo__numel3(out) > INT32_MAX)
        return eo_error_set(err, EO_ERR_RANGE, "layer %d (%s) cannot be exported: tensors of more than 2^31-1 values",
                            i, eo_layer_kind_name(d->kind));
    if (d->kind == EO_LAYER_MAXPOOL && (d->pad >= d->kh || d->pad >= d->kw))
        return eo_error_set(err, EO_ERR_UNSUPPORTED,
                            "layer %d (maxpool %dx%d pad=%d) cannot be exported: with padding >= the window a "
                            "window can lie entirely in the padding (use pad < window)",
                            i, d->kh, d->kw, d->pad);
    return k;
}

/* Batch norm's channel view (model.h: a (1,1,D) vector has D channels). */
static void bn_view(const int64_t s[3], int64_t *c, int64_t *hw)
{
    if (s[0] == 1 && s[1] == 1) {
        *c = s[2];
        *hw = 1;
    } else {
        *c = s[0];
        *hw = s[1] * s[2];
    }
}

static int64_t bn_c(const int64_t s[3])
{
    int64_t c, hw;
    bn_view(s, &c, &hw);
    return c;
}

static void shape_str(char *buf, size_t n, const int64_t s[3])
{
    snprintf(buf, n, "(%lld,%lld,%lld)", (long long)s[0], (long long)s[1], (long long)s[2]);
}

/* The C expression of a tensor, e.g. "input", "output", "NAME_arena + 128". */
static void tensor_expr(char *buf, size_t n, int t, const eo_deploy_buf *bufs, const char *name)
{
    if (t == T_INPUT) snprintf(buf, n, "input");
    else if (t == T_OUTPUT) snprintf(buf, n, "output");
    else snprintf(buf, n, "%s_arena + %zu", name, bufs[t].offset / sizeof(float));
}

/* Emit `static const float NAME_lL_WHAT[n] = {...};` with a layout comment. */
static void emit_array(eo__sb *b, const char *name, int layer, const char *what, const char *layout,
                       const float *v, size_t n)
{
    eo__sb_printf(b, "/* %s */\nstatic const float %s_l%d_%s[%zu] = {\n", layout, name, layer, what, n);
    eo__sb_floats(b, v, n, 8);
    eo__sb_put(b, "};\n\n");
}

static int finite_all(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(v[i] - v[i] == 0.0f)) return 0;
    return 1;
}

int eo_export_c_float(const eo_model *m, const eo_export_params *p, eo_export_result *out, eo_error *err)
{
    if (!m || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_export_c_float: NULL argument");
    memset(out, 0, sizeof *out);
    const char *why = eo_export_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "export: %s", why);
    const int nl = eo_model_nlayers(m);
    const float *params = eo_model_params_const(m);
    /* Read-only use of the buffers (eo_model_buffers has no const variant). */
    const float *buffers = eo_model_buffers((eo_model *)m);
    const size_t in_numel = (size_t)eo_model_in_numel(m), out_numel = (size_t)eo_model_out_numel(m);
    if (in_numel > INT32_MAX || out_numel > INT32_MAX)
        return eo_error_set(err, EO_ERR_RANGE, "export: the model's input or output is too large");

    fop *ops = calloc((size_t)nl + 1, sizeof *ops);
    eo_deploy_buf *bufs = calloc((size_t)nl + 1, sizeof *bufs);
    float *tmp_a = NULL;
    eo__sb h, c;
    eo__sb_init(&h);
    eo__sb_init(&c);
    int rc = EO_OK, nops = 0, nbufs = 0;
    if (!ops || !bufs) {
        rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* ---- layers -> ops, with the checks that can refuse a layer */
    for (int i = 0; i < nl; i++) {
        fop o;
        memset(&o, 0, sizeof o);
        eo_model_layer(m, i, &o.d, o.in, o.out, &o.poff, &o.pcount);
        eo_model_layer_buffers(m, i, &o.boff, NULL);
        int k = eo__float_layer_kern(i, &o.d, o.in, o.out, err);
        if (k == EO__K_COUNT) continue;
        if (k < 0) {
            rc = k;
            goto fail;
        }
        if (!finite_all(params + o.poff, o.pcount) ||
            (o.d.kind == EO_LAYER_BATCHNORM && !finite_all(buffers + o.boff, 2 * (size_t)bn_c(o.in)))) {
            rc = eo_error_set(err, EO_ERR_NUMERIC, "layer %d (%s) has NaN or infinite parameters", i,
                              eo_layer_kind_name(o.d.kind));
            goto fail;
        }
        o.kern = (eo__kern)k;
        o.layer = i;
        if (k == EO__K_DENSE) o.kb = eo__gemm_kblock(eo__numel3(o.in));
        if (k == EO__K_CONV2D) o.kb = eo__gemm_kblock(o.in[0] * o.d.kh * o.d.kw);
        ops[nops++] = o;
    }
    if (nops == 0) {
        /* Only flatten/dropout: the model is the identity. */
        memset(&ops[0], 0, sizeof ops[0]);
        ops[0].kern = EO__K_COPY;
        ops[0].layer = -1;
        eo_model_in_shape(m, ops[0].in);
        eo_model_out_shape(m, ops[0].out);
        nops = 1;
    }

    /* ---- tensors and buffer lifetimes */
    int tail = 0;
    for (int j = 0; j < nops; j++)
        if (!elementwise(ops[j].kern)) tail = j;
    int cur = T_INPUT;
    for (int j = 0; j < nops; j++) {
        fop *o = &ops[j];
        o->in_t = cur;
        if (cur >= 0) bufs[cur].last = j;
        if (j == tail) {
            o->out_t = T_OUTPUT;
        } else if (j > tail) {
            o->in_t = o->out_t = T_OUTPUT;
        } else if (elementwise(o->kern) && cur >= 0) {
            o->out_t = cur;
        } else {
            bufs[nbufs].size = (size_t)eo__numel3(o->out) * sizeof(float);
            bufs[nbufs].first = bufs[nbufs].last = j;
            o->out_t = nbufs++;
        }
        cur = o->out_t;
    }
    size_t arena = 0;
    if ((rc = eo_deploy_plan(bufs, (size_t)nbufs, sizeof(float), &arena, err))) goto fail;

    /* ---- result figures and the breakdown */
    out->ops = calloc((size_t)nops, sizeof *out->ops);
    if (!out->ops) {
        rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    out->nops = nops;
    int uses[EO__K_COUNT] = {0}, needs_libm = 0;
    size_t wbytes = 0;
    for (int j = 0; j < nops; j++) {
        const fop *o = &ops[j];
        eo_export_op *r = &out->ops[j];
        uses[o->kern]++;
        needs_libm |= o->kern == EO__K_TANH || o->kern == EO__K_SIGMOID || o->kern == EO__K_SOFTMAX;
        size_t wb = o->kern == EO__K_AFFINE ? 2 * (size_t)bn_c(o->in) * sizeof(float) : o->pcount * sizeof(float);
        wbytes += wb;
        char is[72], os[72];
        shape_str(is, sizeof is, o->in);
        shape_str(os, sizeof os, o->out);
        if (o->layer >= 0) snprintf(r->label, sizeof r->label, "layer %d %s %s->%s", o->layer, kern_name(o->kern), is, os);
        else snprintf(r->label, sizeof r->label, "copy %s", is);
        snprintf(r->kind, sizeof r->kind, "%s", kern_name(o->kern));
        memcpy(r->out_shape, o->out, sizeof r->out_shape);
        r->weight_bytes = wb;
        int fresh = o->out_t >= 0 && o->out_t != o->in_t;
        r->out_bytes = fresh ? bufs[o->out_t].size : 0;
        r->arena_offset = fresh ? (long)bufs[o->out_t].offset : -1;
    }
    if (p->scaler_offset) wbytes += 2 * in_numel * sizeof(float);
    out->quantized = 0;
    out->in_numel = in_numel;
    out->out_numel = out_numel;
    out->weight_bytes = wbytes;
    out->code_bytes = eo__code_estimate(p->cpu, uses) + (p->scaler_offset ? EO__SCALE_INPUT_CODE : 0);
    out->flash_bytes = out->weight_bytes + out->code_bytes;
    out->arena_bytes = arena;
    out->stack_bytes = eo__stack_estimate(p->cpu, uses);
    out->ram_bytes = arena + out->stack_bytes;
    out->peak_live_bytes = eo_deploy_peak_live(bufs, (size_t)nbufs);
    out->naive_arena_bytes = eo_deploy_total(bufs, (size_t)nbufs);

    /* ---- NAME.h */
    char NAME[EO_EXPORT_MAX_NAME + 1];
    eo__upper(p->name, NAME);
    const char *nm = p->name;
    int64_t ins[3], outs[3];
    eo_model_in_shape(m, ins);
    eo_model_out_shape(m, outs);
    const int ends_softmax = ops[nops - 1].kern == EO__K_SOFTMAX;
    eo__emit_banner(&h, p, "float inference for an edgeopt model", "h");
    eo__sb_printf(&h, "#ifndef %s_H\n#define %s_H\n\n", NAME, NAME);
    eo__sb_printf(&h, "/* One input sample: %s_INPUT_SIZE floats in NCHW order (C x H x W), scaled\n", NAME);
    if (p->scaler_offset)
        eo__sb_printf(&h, " * as the model was trained: raw features go through %s_scale_input first. */\n", nm);
    else
        eo__sb_put(&h, " * as the model was trained (edgeopt stores no feature scaling for it). */\n");
    eo__sb_printf(&h, "#define %s_INPUT_C %lld\n#define %s_INPUT_H %lld\n#define %s_INPUT_W %lld\n#define %s_INPUT_SIZE %zu\n",
                  NAME, (long long)ins[0], NAME, (long long)ins[1], NAME, (long long)ins[2], NAME, in_numel);
    eo__sb_printf(&h,
                  "/* The output: %s_OUTPUT_SIZE floats,\n * %s. */\n"
                  "#define %s_OUTPUT_SIZE %zu\n\n",
                  NAME, ends_softmax ? "class probabilities (the model ends with a softmax)" :
                  "the model's last layer (for a classifier: logits, argmax = class)",
                  NAME, out_numel);
    eo__sb_printf(&h,
                  "/* Memory (bytes): the const weights (flash), the static activation arena\n"
                  " * in %s.c (RAM), and the estimates for the target the export was made for\n"
                  " * (%s): code and the deepest stack. */\n"
                  "#define %s_WEIGHT_BYTES %zu\n#define %s_ARENA_BYTES %zu\n"
                  "#define %s_CODE_BYTES_ESTIMATE %zu\n#define %s_STACK_BYTES_ESTIMATE %zu\n\n",
                  nm, eo_deploy_cpu_name(p->cpu), NAME, out->weight_bytes, NAME, arena, NAME, out->code_bytes, NAME,
                  out->stack_bytes);
    eo__sb_put(&h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    eo__sb_printf(&h,
                  "/* output = model(input) in eval mode. input: %s_INPUT_SIZE floats, output:\n"
                  " * %s_OUTPUT_SIZE floats; they must not overlap. Returns 0. Not reentrant:\n"
                  " * the layers share one static arena (one call at a time). */\n"
                  "int %s_predict(const float *input, float *output);\n",
                  NAME, NAME, nm);
    eo__emit_scaler_decl(&h, p, NAME);
    eo__sb_put(&h, "\n#ifdef __cplusplus\n}\n#endif\n");
    eo__sb_printf(&h, "#endif /* %s_H */\n", NAME);

    /* ---- NAME.c */
    eo__emit_banner(&c, p, "float inference for an edgeopt model", "c");
    eo__sb_printf(&c, "#include \"%s.h\"\n\n", nm);
    eo__sb_put(&c, needs_libm ? "#include <math.h>\n" : "");
    eo__sb_put(&c, "#include <stddef.h>\n#include <stdint.h>\n\n");
    eo__sb_put(&c, "/* ------------------------------------------------------------- kernels */\n\n");
    eo__fkernels_emit(&c, uses);

    eo__sb_put(&c, "/* ------------------------------------------------------------- weights */\n\n");
    for (int j = 0; j < nops; j++) {
        const fop *o = &ops[j];
        const float *w = params + o->poff;
        char lay[160];
        switch (o->kern) {
        case EO__K_DENSE: {
            int64_t I = eo__numel3(o->in);
            snprintf(lay, sizeof lay, "layer %d: dense %lld -> %d, W [%d][%lld]", o->layer, (long long)I,
                     o->d.units, o->d.units, (long long)I);
            emit_array(&c, nm, o->layer, "weight", lay, w, (size_t)I * (size_t)o->d.units);
            snprintf(lay, sizeof lay, "layer %d: bias [%d]", o->layer, o->d.units);
            emit_array(&c, nm, o->layer, "bias", lay, w + (size_t)I * (size_t)o->d.units, (size_t)o->d.units);
            break;
        }
        case EO__K_CONV2D: {
            size_t K = (size_t)(o->in[0] * o->d.kh * o->d.kw);
            snprintf(lay, sizeof lay, "layer %d: conv2d %d filters %dx%d, W [%d][%lld][%d][%d]", o->layer,
                     o->d.units, o->d.kh, o->d.kw, o->d.units, (long long)o->in[0], o->d.kh, o->d.kw);
            emit_array(&c, nm, o->layer, "weight", lay, w, K * (size_t)o->d.units);
            snprintf(lay, sizeof lay, "layer %d: bias [%d]", o->layer, o->d.units);
            emit_array(&c, nm, o->layer, "bias", lay, w + K * (size_t)o->d.units, (size_t)o->d.units);
            break;
        }
        case EO__K_DWCONV2D: {
            size_t C = (size_t)o->in[0], kk = (size_t)o->d.kh * (size_t)o->d.kw;
            snprintf(lay, sizeof lay, "layer %d: dwconv2d %dx%d, W [%zu][%d][%d]", o->layer, o->d.kh, o->d.kw, C,
                     o->d.kh, o->d.kw);
            emit_array(&c, nm, o->layer, "weight", lay, w, C * kk);
            snprintf(lay, sizeof lay, "layer %d: bias [%zu]", o->layer, C);
            emit_array(&c, nm, o->layer, "bias", lay, w + C * kk, C);
            break;
        }
        case EO__K_AFFINE: {
            int64_t C64, hw;
            bn_view(o->in, &C64, &hw);
            size_t C = (size_t)C64;
            tmp_a = realloc(tmp_a, 2 * C * sizeof *tmp_a);
            if (!tmp_a) {
                rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
                goto fail;
            }
            const float *gamma = w, *beta = w + C, *rmean = buffers + o->boff, *rvar = rmean + C;
            for (size_t k = 0; k < C; k++) {
                /* As src/model/layer_norm.c computes them in eval mode. */
                double mu = rmean[k], var = rvar[k];
                double inv = 1.0 / sqrt(var + (double)o->d.eps);
                tmp_a[k] = (float)(gamma[k] * inv);
                tmp_a[C + k] = (float)(beta[k] - gamma[k] * inv * mu);
            }
            snprintf(lay, sizeof lay,
                     "layer %d: batchnorm (eps %g) as y = a x + b per channel: a = gamma / sqrt(var + eps) [%zu]",
                     o->layer, (double)o->d.eps, C);
            emit_array(&c, nm, o->layer, "a", lay, tmp_a, C);
            snprintf(lay, sizeof lay, "layer %d: b = beta - a mean [%zu]", o->layer, C);
            emit_array(&c, nm, o->layer, "b", lay, tmp_a + C, C);
            break;
        }
        default: break;
        }
    }
    eo__sb_put(&c, "/* ------------------------------------------------------- activation arena */\n\n");
    eo__sb_printf(&c,
                  "/* %zu bytes, planned at export (greedy by size over buffer lifetimes): a\n"
                  " * buffer is written by one op and read by the next ones; buffers whose\n"
                  " * lifetimes do not meet share memory (without reuse: %zu bytes; the most\n"
                  " * bytes live at once: %zu).\n",
                  arena, out->naive_arena_bytes, out->peak_live_bytes);
    for (int k = 0; k < nbufs; k++)
        eo__sb_printf(&c, " *   buffer %d: %zu floats at float offset %zu, live from op %d to op %d\n", k,
                      bufs[k].size / sizeof(float), bufs[k].offset / sizeof(float), bufs[k].first, bufs[k].last);
    eo__sb_put(&c, " */\n");
    if (arena > 0) eo__sb_printf(&c, "static float %s_arena[%zu];\n\n", nm, arena / sizeof(float));
    else eo__sb_put(&c, "/* (no arena: every op reads the input or writes the output) */\n\n");

    eo__sb_put(&c, "/* ------------------------------------------------------------- predict */\n\n");
    eo__sb_printf(&c, "int %s_predict(const float *input, float *output)\n{\n", nm);
    for (int j = 0; j < nops; j++) {
        const fop *o = &ops[j];
        char xs[96], ys[96], is[72], os[72];
        tensor_expr(xs, sizeof xs, o->in_t, bufs, nm);
        tensor_expr(ys, sizeof ys, o->out_t, bufs, nm);
        shape_str(is, sizeof is, o->in);
        shape_str(os, sizeof os, o->out);
        int64_t n_in = eo__numel3(o->in);
        const char *where = o->in_t == o->out_t ? ", in place" : "";
        if (o->layer >= 0) eo__sb_printf(&c, "    /* op %d = layer %d: %s %s -> %s%s */\n", j, o->layer, kern_name(o->kern), is, os, where);
        else eo__sb_printf(&c, "    /* op %d: copy %s */\n", j, is);
        switch (o->kern) {
        case EO__K_DENSE:
            eo__sb_printf(&c, "    dense_f32(%s, %s_l%d_weight, %s_l%d_bias, %lld, %d, %d, %s);\n", xs, nm, o->layer, nm,
                          o->layer, (long long)n_in, o->d.units, (int)o->kb, ys);
            break;
        case EO__K_CONV2D:
        case EO__K_DWCONV2D:
        case EO__K_MAXPOOL:
        case EO__K_AVGPOOL: {
            eo__sb_put(&c, "    {\n        static const f32_geom g = {");
            eo__sb_printf(&c, ".c = %lld, .h = %lld, .w = %lld, .oc = %lld, .oh = %lld, .ow = %lld,\n", (long long)o->in[0],
                          (long long)o->in[1], (long long)o->in[2], (long long)o->out[0], (long long)o->out[1],
                          (long long)o->out[2]);
            eo__sb_printf(&c, "                                   .kh = %d, .kw = %d, .stride = %d, .pad = %d, .kb = %d, .inv = ",
                          o->d.kh, o->d.kw, o->d.stride, o->d.pad, (int)o->kb);
            eo__sb_float(&c, o->kern == EO__K_AVGPOOL ? 1.0f / (float)(o->d.kh * o->d.kw) : 0.0f);
            eo__sb_put(&c, "};\n");
            if (o->kern == EO__K_CONV2D || o->kern == EO__K_DWCONV2D)
                eo__sb_printf(&c, "        %s(&g, %s, %s_l%d_weight, %s_l%d_bias, %s);\n",
                              o->kern == EO__K_CONV2D ? "conv2d_f32" : "dwconv2d_f32", xs, nm, o->layer, nm, o->layer,
                              ys);
            else
                eo__sb_printf(&c, "        %s(&g, %s, %s);\n", o->kern == EO__K_MAXPOOL ? "maxpool_f32" : "avgpool_f32",
                              xs, ys);
            eo__sb_put(&c, "    }\n");
            break;
        }
        case EO__K_GAP:
            eo__sb_printf(&c, "    gap_f32(%s, %lld, %lld, %s);\n", xs, (long long)o->in[0],
                          (long long)(o->in[1] * o->in[2]), ys);
            break;
        case EO__K_AFFINE: {
            int64_t C64, hw;
            bn_view(o->in, &C64, &hw);
            eo__sb_printf(&c, "    affine_f32(%s, %s_l%d_a, %s_l%d_b, %lld, %lld, %s);\n", xs, nm, o->layer, nm, o->layer,
                          (long long)C64, (long long)hw, ys);
            break;
        }
        case EO__K_LEAKY:
            eo__sb_printf(&c, "    leaky_relu_f32(%s, %lld, ", xs, (long long)n_in);
            eo__sb_float(&c, o->d.alpha);
            eo__sb_printf(&c, ", %s);\n", ys);
            break;
        case EO__K_RELU:
        case EO__K_RELU6:
        case EO__K_TANH:
        case EO__K_SIGMOID:
        case EO__K_SOFTMAX:
        case EO__K_COPY:
            eo__sb_printf(&c, "    %s_f32(%s, %lld, %s);\n", kern_name(o->kern), xs,
                          (long long)n_in, ys);
            break;
        default: break;
        }
    }
    eo__sb_put(&c, "    return 0;\n}\n");
    eo__sb_put(&c, "\n");
    eo__emit_scaler_def(&c, p, in_numel, NAME);
    if ((rc = eo__result_take(out, &h, &c, err))) goto fail;
    free(tmp_a);
    free(ops);
    free(bufs);
    return EO_OK;
fail:
    free(tmp_a);
    free(ops);
    free(bufs);
    eo__sb_free(&h);
    eo__sb_free(&c);
    eo_export_result_free(out);
    return rc;
}
