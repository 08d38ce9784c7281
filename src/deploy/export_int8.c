/* C export of an int8 model (edgeopt/qmodel.h): the reference kernels of
 * qref.c (copied, see runtime.c), one call per op over a planned arena, and a
 * float wrapper that quantizes the input and dequantizes the output.
 *
 * Every op reads one int8 tensor and writes another (the kernels are not
 * in place): op j writes arena buffer j, which lives during ops j and j + 1;
 * the first op reads the caller's input and the last writes the caller's
 * output. The call arguments are those eo_qmodel_forward_q8 passes
 * (src/compress/qmodel.c, batch 1), so the export computes the library's
 * bits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/internal.h"
#include "edgeopt/qmodel.h"

#define T_INPUT (-1)
#define T_OUTPUT (-2)

static int op_kern(eo_qop_kind k, unsigned *rt)
{
    switch (k) {
    case EO_QOP_FC: *rt = EO__RT_FC; return EO__K_Q_FC;
    case EO_QOP_CONV2D: *rt = EO__RT_CONV2D; return EO__K_Q_CONV2D;
    case EO_QOP_DWCONV2D: *rt = EO__RT_DWCONV2D; return EO__K_Q_DWCONV2D;
    case EO_QOP_MAXPOOL: *rt = EO__RT_MAXPOOL; return EO__K_Q_MAXPOOL;
    case EO_QOP_AVGPOOL: *rt = EO__RT_AVGPOOL; return EO__K_Q_AVGPOOL;
    case EO_QOP_GAP: *rt = EO__RT_GAP; return EO__K_Q_GAP;
    default: *rt = 0; return -1;
    }
}

static void shape_str(char *buf, size_t n, const int64_t s[3])
{
    snprintf(buf, n, "(%lld,%lld,%lld)", (long long)s[0], (long long)s[1], (long long)s[2]);
}

static void tensor_expr(char *buf, size_t n, int t, const eo_deploy_buf *bufs, const char *name)
{
    if (t == T_INPUT) snprintf(buf, n, "input");
    else if (t == T_OUTPUT) snprintf(buf, n, "output");
    else snprintf(buf, n, "%s_arena + %zu", name, bufs[t].offset);
}

/* The qref argument checks, run at export so that a model the kernels would
 * reject at run time is refused here. */
static int check_op(const eo_qop *o)
{
    eo_q8_params p = {o->in_zp, o->out_zp, o->act_min, o->act_max, o->n_wscale, o->mult, o->shift};
    eo_q8_geom g = o->geom;
    g.n = 1;
    switch (o->kind) {
    case EO_QOP_FC: return o->w ? eo_q8_fc_check(&p, 1, o->fan_in, o->out_ch, o->bias) : EO_ERR_INVALID;
    case EO_QOP_CONV2D: return o->w ? eo_q8_conv2d_check(&p, &g, o->out_ch, o->bias) : EO_ERR_INVALID;
    case EO_QOP_DWCONV2D: return o->w ? eo_q8_dwconv2d_check(&p, &g, o->bias) : EO_ERR_INVALID;
    case EO_QOP_MAXPOOL:
    case EO_QOP_AVGPOOL: return eo_q8_pool_check(&g, o->act_min, o->act_max);
    case EO_QOP_GAP:
        return eo_q8_gap_check(1, (int32_t)o->in_shape[0], (int32_t)(o->in_shape[1] * o->in_shape[2]), o->act_min,
                               o->act_max);
    default: return EO_ERR_INVALID;
    }
}

int eo__int8_op_kern(int j, const eo_qop *o, unsigned *rt_bit, eo_error *err)
{
    int k = op_kern(o->kind, rt_bit);
    if (k < 0)
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "op %d (%s, model layers %d..%d) has no C export in this "
                            "edgeopt version", j, eo_qop_kind_name(o->kind), (int)o->first_layer, (int)o->last_layer);
    if (eo__numel3(o->in_shape) > INT32_MAX || eo__numel3(o->out_shape) > INT32_MAX)
        return eo_error_set(err, EO_ERR_RANGE, "op %d (%s) cannot be exported: tensors of more than 2^31-1 values", j,
                            eo_qop_kind_name(o->kind));
    int crc = check_op(o);
    if (crc)
        return eo_error_set(err, EO_ERR_UNSUPPORTED,
                            "op %d (%s, model layers %d..%d) cannot be exported: the int8 kernel rejects its "
                            "arguments (%s)",
                            j, eo_qop_kind_name(o->kind), (int)o->first_layer, (int)o->last_layer, eo_status_str(crc));
    return k;
}

static void emit_i8(eo__sb *b, const char *nm, int j, const char *what, const char *layout, const int8_t *v, size_t n)
{
    eo__sb_printf(b, "/* %s */\nstatic const int8_t %s_op%d_%s[%zu] = {\n", layout, nm, j, what, n);
    eo__sb_i8s(b, v, n, 16);
    eo__sb_put(b, "};\n");
}

static void emit_i32(eo__sb *b, const char *nm, int j, const char *what, const char *layout, const int32_t *v,
                     size_t n)
{
    if (layout[0]) eo__sb_printf(b, "/* %s */\n", layout);
    eo__sb_printf(b, "static const int32_t %s_op%d_%s[%zu] = {\n", nm, j, what, n);
    eo__sb_i32s(b, v, n, 8);
    eo__sb_put(b, "};\n");
}

static void emit_geom(eo__sb *b, const char *nm, int j, const eo_q8_geom *g)
{
    eo__sb_printf(b,
                  "static const eo_q8_geom %s_op%d_geom = {.n = 1, .c = %ld, .h = %ld, .w = %ld, .kh = %ld, .kw = %ld,\n"
                  "    .stride_h = %ld, .stride_w = %ld, .pad_top = %ld, .pad_left = %ld, .pad_bottom = %ld, "
                  ".pad_right = %ld};\n",
                  nm, j, (long)g->c, (long)g->h, (long)g->w, (long)g->kh, (long)g->kw, (long)g->stride_h,
                  (long)g->stride_w, (long)g->pad_top, (long)g->pad_left, (long)g->pad_bottom, (long)g->pad_right);
}

/* A float macro: "#define NAME_WHAT 0.5f". */
static void define_float(eo__sb *b, const char *NAME, const char *what, float v)
{
    eo__sb_printf(b, "#define %s_%s ", NAME, what);
    eo__sb_float(b, v);
    eo__sb_put(b, "\n");
}

static const char softmax_text[] =
    "/* Softmax over n values in place: e^(x - max) / sum e^(x - max), the sum in\n"
    " * double (the model's last layer, applied after dequantization as\n"
    " * eo_qmodel_forward does). */\n"
    "static void softmax_f32(float *x, int32_t n)\n"
    "{\n"
    "    float mx = x[0];\n"
    "    for (int32_t j = 1; j < n; j++)\n"
    "        if (x[j] > mx) mx = x[j];\n"
    "    double z = 0.0;\n"
    "    for (int32_t j = 0; j < n; j++) {\n"
    "        x[j] = expf(x[j] - mx);\n"
    "        z += x[j];\n"
    "    }\n"
    "    float inv = (float)(1.0 / z);\n"
    "    for (int32_t j = 0; j < n; j++) x[j] *= inv;\n"
    "}\n\n";

int eo_export_c_int8(const eo_qmodel *q, const eo_export_params *p, eo_export_result *out, eo_error *err)
{
    if (!q || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_export_c_int8: NULL argument");
    memset(out, 0, sizeof *out);
    const char *why = eo_export_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "export: %s", why);
    const int nops = eo_qmodel_nops(q);
    if (nops < 1) return eo_error_set(err, EO_ERR_INVALID, "export: the int8 model has no ops");
    eo_qop *ops = calloc((size_t)nops, sizeof *ops);
    eo_deploy_buf *bufs = calloc((size_t)nops, sizeof *bufs);
    eo__sb h, c;
    eo__sb_init(&h);
    eo__sb_init(&c);
    int rc = EO_OK, uses[EO__K_COUNT] = {0};
    unsigned want = EO__RT_QUANTIZE | EO__RT_DEQUANTIZE;
    size_t wbytes = 0;
    if (!ops || !bufs) {
        rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int j = 0; j < nops; j++) {
        eo_qmodel_op(q, j, &ops[j]);
        const eo_qop *o = &ops[j];
        unsigned bit;
        int k = eo__int8_op_kern(j, o, &bit, err);
        if (k < 0) {
            rc = k;
            goto fail;
        }
        uses[k]++;
        want |= bit;
        if (eo_qop_is_compute(o->kind))
            wbytes += (size_t)o->out_ch * (size_t)o->fan_in + 4u * (size_t)o->out_ch + 8u * (size_t)o->n_wscale;
        if (j + 1 < nops) {
            bufs[j].size = (size_t)eo__numel3(o->out_shape);
            bufs[j].first = j;
            bufs[j].last = j + 1;
        }
    }
    size_t arena = 0;
    const size_t nbufs = (size_t)nops - 1;
    if ((rc = eo_deploy_plan(bufs, nbufs, 4, &arena, err))) goto fail;

    const eo_q8_qparam qin = eo_qmodel_input_qparam(q), qout = eo_qmodel_output_qparam(q);
    const size_t in_numel = (size_t)eo_qmodel_in_numel(q), out_numel = (size_t)eo_qmodel_out_numel(q);
    const int softmax = eo_qmodel_final_softmax(q);
    uses[EO__K_Q_WRAPPER] = 1;
    uses[EO__K_Q_SOFTMAX] = softmax != 0;

    out->ops = calloc((size_t)nops, sizeof *out->ops);
    if (!out->ops) {
        rc = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    out->nops = nops;
    for (int j = 0; j < nops; j++) {
        const eo_qop *o = &ops[j];
        eo_export_op *r = &out->ops[j];
        char is[72], os[72];
        shape_str(is, sizeof is, o->in_shape);
        shape_str(os, sizeof os, o->out_shape);
        snprintf(r->label, sizeof r->label, "op %d %s %s->%s%s%s", j, eo_qop_kind_name(o->kind), is, os,
                 o->act != EO_Q8_ACT_NONE ? " +" : "", o->act != EO_Q8_ACT_NONE ? eo_q8_act_name(o->act) : "");
        snprintf(r->kind, sizeof r->kind, "%s", eo_qop_kind_name(o->kind));
        memcpy(r->out_shape, o->out_shape, sizeof r->out_shape);
        if (eo_qop_is_compute(o->kind))
            r->weight_bytes = (size_t)o->out_ch * (size_t)o->fan_in + 4u * (size_t)o->out_ch + 8u * (size_t)o->n_wscale;
        r->out_bytes = j + 1 < nops ? bufs[j].size : 0;
        r->arena_offset = j + 1 < nops ? (long)bufs[j].offset : -1;
    }
    out->quantized = 1;
    out->in_numel = in_numel;
    out->out_numel = out_numel;
    if (p->scaler_offset) wbytes += 2 * in_numel * sizeof(float);
    out->weight_bytes = wbytes;
    /* Code includes the float entry point (what the object holds); its static
     * buffers are reported apart (wrapper_ram_bytes): a firmware that only
     * calls NAME_predict_int8 drops both with --gc-sections. */
    out->code_bytes = eo__code_estimate(p->cpu, uses) + (p->scaler_offset ? EO__SCALE_INPUT_CODE : 0);
    {
        int only[EO__K_COUNT] = {0};
        only[EO__K_Q_WRAPPER] = 1;
        only[EO__K_Q_SOFTMAX] = softmax != 0;
        out->wrapper_code_bytes = eo__code_estimate(p->cpu, only) + (p->scaler_offset ? EO__SCALE_INPUT_CODE : 0);
    }
    out->flash_bytes = wbytes + out->code_bytes;
    out->arena_bytes = arena;
    out->stack_bytes = eo__stack_estimate(p->cpu, uses);
    out->ram_bytes = arena + out->stack_bytes;
    out->wrapper_ram_bytes = in_numel + out_numel;
    out->peak_live_bytes = eo_deploy_peak_live(bufs, nbufs);
    out->naive_arena_bytes = eo_deploy_total(bufs, nbufs);

    /* ---- NAME.h */
    char NAME[EO_EXPORT_MAX_NAME + 1];
    eo__upper(p->name, NAME);
    const char *nm = p->name;
    int64_t ins[3];
    eo_qmodel_in_shape(q, ins);
    eo__emit_banner(&h, p, "int8 inference for an edgeopt quantized model", "h");
    eo__sb_printf(&h, "#ifndef %s_H\n#define %s_H\n\n#include <stdint.h>\n\n", NAME, NAME);
    eo__sb_printf(&h,
                  "/* One input sample: %s_INPUT_SIZE values in NCHW order (C x H x W). */\n"
                  "#define %s_INPUT_C %lld\n#define %s_INPUT_H %lld\n#define %s_INPUT_W %lld\n"
                  "#define %s_INPUT_SIZE %zu\n",
                  NAME, NAME, (long long)ins[0], NAME, (long long)ins[1], NAME, (long long)ins[2], NAME, in_numel);
    eo__sb_printf(&h, "/* The output: %s_OUTPUT_SIZE values,\n * %s. */\n#define %s_OUTPUT_SIZE %zu\n\n", NAME,
                  softmax ? "int8 logits (the float entry point applies the model's final softmax)" :
                  "the model's last layer (for a classifier: logits, argmax = class)",
                  NAME, out_numel);
    eo__sb_put(&h, "/* Quantization (TensorFlow Lite int8): real = scale * (q - zero_point),\n"
                   " * q = clamp(round(real / scale) + zero_point, -128, 127), rounding half away\n"
                   " * from zero. The input is the model's input as it was trained (scaled\n"
                   " * features), quantized with these: */\n");
    define_float(&h, NAME, "INPUT_SCALE", qin.scale);
    eo__sb_printf(&h, "#define %s_INPUT_ZERO_POINT (%ld)\n", NAME, (long)qin.zero_point);
    define_float(&h, NAME, "OUTPUT_SCALE", qout.scale);
    eo__sb_printf(&h, "#define %s_OUTPUT_ZERO_POINT (%ld)\n\n", NAME, (long)qout.zero_point);
    eo__sb_printf(&h,
                  "/* Memory (bytes): the const weights, biases, multipliers and shifts\n"
                  " * (flash), the static int8 activation arena in %s.c (RAM), and the\n"
                  " * estimates for the target the export was made for (%s): code of the int8\n"
                  " * path and the deepest stack. The float entry point adds %s_WRAPPER_BYTES\n"
                  " * of static buffers. */\n"
                  "#define %s_WEIGHT_BYTES %zu\n#define %s_ARENA_BYTES %zu\n#define %s_WRAPPER_BYTES %zu\n"
                  "#define %s_CODE_BYTES_ESTIMATE %zu\n#define %s_STACK_BYTES_ESTIMATE %zu\n\n",
                  nm, eo_deploy_cpu_name(p->cpu), NAME, NAME, wbytes, NAME, arena, NAME, out->wrapper_ram_bytes, NAME,
                  out->code_bytes, NAME, out->stack_bytes);
    eo__sb_put(&h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    eo__sb_printf(&h,
                  "/* Integer-only inference: input %s_INPUT_SIZE int8 values quantized with\n"
                  " * %s_INPUT_SCALE / %s_INPUT_ZERO_POINT, output %s_OUTPUT_SIZE int8 values with\n"
                  " * %s_OUTPUT_SCALE / %s_OUTPUT_ZERO_POINT. No floating point, no libm. Returns\n"
                  " * 0, or the negative code of a kernel that rejected its arguments (cannot\n"
                  " * happen for an unmodified export). Not reentrant (static arena); input and\n"
                  " * output must not overlap. */\n"
                  "int %s_predict_int8(const int8_t *input, int8_t *output);\n\n",
                  NAME, NAME, NAME, NAME, NAME, NAME, nm);
    eo__sb_printf(&h,
                  "#ifndef EO_QREF_NO_FLOAT\n"
                  "/* Float convenience: quantize input (%s_INPUT_SIZE floats), run\n"
                  " * %s_predict_int8, dequantize into output (%s_OUTPUT_SIZE floats)%s.\n"
                  " * Left out when compiled with -DEO_QREF_NO_FLOAT (an integer-only build). */\n"
                  "int %s_predict(const float *input, float *output);\n",
                  NAME, nm, NAME, softmax ? ", then the final softmax (expf)" : "", nm);
    eo__emit_scaler_decl(&h, p, NAME);
    eo__sb_put(&h, "#endif\n");
    eo__sb_put(&h, "\n#ifdef __cplusplus\n}\n#endif\n");
    eo__sb_printf(&h, "#endif /* %s_H */\n", NAME);

    /* ---- NAME.c */
    eo__emit_banner(&c, p, "int8 inference for an edgeopt quantized model", "c");
    eo__sb_printf(&c, "#include \"%s.h\"\n\n#include <stddef.h>\n#include <stdint.h>\n", nm);
    if (softmax) eo__sb_put(&c, "#ifndef EO_QREF_NO_FLOAT\n#include <math.h>\n#endif\n");
    eo__sb_put(&c, "\n/* ------------------------------------------------- int8 reference kernels */\n"
                   "/* Copied from edgeopt's include/edgeopt/qref.h and src/kernels/qref.c (the\n"
                   " * functions this model calls, made static): the code the library runs. */\n\n");
    if ((rc = eo__runtime_emit(&c, want, err))) goto fail;

    eo__sb_put(&c, "/* ------------------------------------------------------------- weights */\n\n");
    for (int j = 0; j < nops; j++) {
        const eo_qop *o = &ops[j];
        char is[72], os[72], lay[200];
        shape_str(is, sizeof is, o->in_shape);
        shape_str(os, sizeof os, o->out_shape);
        eo__sb_printf(&c, "/* op %d: %s (model layers %d..%d) %s -> %s, fused activation %s\n", j,
                      eo_qop_kind_name(o->kind), (int)o->first_layer, (int)o->last_layer, is, os,
                      eo_q8_act_name(o->act));
        eo__sb_printf(&c, " *   input  scale %.9g zero point %ld\n", (double)o->in_scale, (long)o->in_zp);
        eo__sb_printf(&c, " *   output scale %.9g zero point %ld, clamp [%ld, %ld]", (double)o->out_scale,
                      (long)o->out_zp, (long)o->act_min, (long)o->act_max);
        if (eo_qop_is_compute(o->kind)) {
            if (o->n_wscale == 1)
                eo__sb_printf(&c, "\n *   weights: one scale %.9g (per tensor)", (double)o->w_scale[0]);
            else
                eo__sb_printf(&c, "\n *   weights: %ld per-channel scales in %.3g..%.3g", (long)o->n_wscale,
                              (double)o->w_scale[0], (double)o->w_scale[o->n_wscale - 1]);
        }
        eo__sb_put(&c, " */\n");
        if (eo_qop_is_compute(o->kind)) {
            if (o->kind == EO_QOP_FC)
                snprintf(lay, sizeof lay, "W [%ld][%ld]", (long)o->out_ch, (long)o->fan_in);
            else if (o->kind == EO_QOP_CONV2D)
                snprintf(lay, sizeof lay, "W [%ld][%ld][%ld][%ld]", (long)o->out_ch, (long)o->geom.c,
                         (long)o->geom.kh, (long)o->geom.kw);
            else
                snprintf(lay, sizeof lay, "W [%ld][%ld][%ld]", (long)o->out_ch, (long)o->geom.kh, (long)o->geom.kw);
            emit_i8(&c, nm, j, "weight", lay, o->w, (size_t)o->out_ch * (size_t)o->fan_in);
            snprintf(lay, sizeof lay, "bias [%ld], int32 with scale input scale * weight scale", (long)o->out_ch);
            emit_i32(&c, nm, j, "bias", lay, o->bias, (size_t)o->out_ch);
            snprintf(lay, sizeof lay, "requantization: multiplier (Q31) and shift [%ld]", (long)o->n_wscale);
            emit_i32(&c, nm, j, "mult", lay, o->mult, (size_t)o->n_wscale);
            emit_i32(&c, nm, j, "shift", "", o->shift, (size_t)o->n_wscale);
            eo__sb_printf(&c,
                          "static const eo_q8_params %s_op%d_params = {.in_zp = %ld, .out_zp = %ld, .act_min = %ld, "
                          ".act_max = %ld,\n    .n_mult = %ld, .mult = %s_op%d_mult, .shift = %s_op%d_shift};\n",
                          nm, j, (long)o->in_zp, (long)o->out_zp, (long)o->act_min, (long)o->act_max,
                          (long)o->n_wscale, nm, j, nm, j);
        }
        if (o->kind == EO_QOP_CONV2D || o->kind == EO_QOP_DWCONV2D || o->kind == EO_QOP_MAXPOOL ||
            o->kind == EO_QOP_AVGPOOL)
            emit_geom(&c, nm, j, &o->geom);
        eo__sb_put(&c, "\n");
    }

    eo__sb_put(&c, "/* ------------------------------------------------------- activation arena */\n\n");
    eo__sb_printf(&c,
                  "/* %zu bytes, planned at export (greedy by size over buffer lifetimes): op j\n"
                  " * writes buffer j, read by op j + 1; buffers whose lifetimes do not meet\n"
                  " * share memory (without reuse: %zu bytes; the most bytes live at once: %zu).\n",
                  arena, out->naive_arena_bytes, out->peak_live_bytes);
    for (size_t k = 0; k < nbufs; k++)
        eo__sb_printf(&c, " *   buffer %zu: %zu bytes at offset %zu, live from op %d to op %d\n", k, bufs[k].size,
                      bufs[k].offset, bufs[k].first, bufs[k].last);
    eo__sb_put(&c, " */\n");
    if (arena > 0) eo__sb_printf(&c, "static int8_t %s_arena[%zu];\n\n", nm, arena);
    else eo__sb_put(&c, "/* (no arena: a single op reads the input and writes the output) */\n\n");

    eo__sb_put(&c, "/* ------------------------------------------------------------- predict */\n\n");
    eo__sb_printf(&c, "int %s_predict_int8(const int8_t *input, int8_t *output)\n{\n    int rc;\n", nm);
    for (int j = 0; j < nops; j++) {
        const eo_qop *o = &ops[j];
        char xs[96], ys[96];
        tensor_expr(xs, sizeof xs, j == 0 ? T_INPUT : j - 1, bufs, nm);
        tensor_expr(ys, sizeof ys, j + 1 == nops ? T_OUTPUT : j, bufs, nm);
        eo__sb_printf(&c, "    /* op %d: %s%s%s */\n", j, eo_qop_kind_name(o->kind),
                      o->act != EO_Q8_ACT_NONE ? " + " : "", o->act != EO_Q8_ACT_NONE ? eo_q8_act_name(o->act) : "");
        switch (o->kind) {
        case EO_QOP_FC:
            eo__sb_printf(&c, "    rc = eo_q8_fc_ref(&%s_op%d_params, 1, %ld, %ld, %s, %s_op%d_weight, %s_op%d_bias, %s);\n",
                          nm, j, (long)o->fan_in, (long)o->out_ch, xs, nm, j, nm, j, ys);
            break;
        case EO_QOP_CONV2D:
            eo__sb_printf(&c,
                          "    rc = eo_q8_conv2d_ref(&%s_op%d_params, &%s_op%d_geom, %ld, %s, %s_op%d_weight, %s_op%d_bias, "
                          "%s);\n",
                          nm, j, nm, j, (long)o->out_ch, xs, nm, j, nm, j, ys);
            break;
        case EO_QOP_DWCONV2D:
            eo__sb_printf(&c,
                          "    rc = eo_q8_dwconv2d_ref(&%s_op%d_params, &%s_op%d_geom, %s, %s_op%d_weight, %s_op%d_bias, "
                          "%s);\n",
                          nm, j, nm, j, xs, nm, j, nm, j, ys);
            break;
        case EO_QOP_MAXPOOL:
        case EO_QOP_AVGPOOL:
            eo__sb_printf(&c, "    rc = eo_q8_%s_ref(&%s_op%d_geom, %ld, %ld, %s, %s);\n",
                          o->kind == EO_QOP_MAXPOOL ? "maxpool" : "avgpool", nm, j, (long)o->act_min,
                          (long)o->act_max, xs, ys);
            break;
        case EO_QOP_GAP:
            eo__sb_printf(&c, "    rc = eo_q8_gap_ref(1, %lld, %lld, %ld, %ld, %s, %s);\n", (long long)o->in_shape[0],
                          (long long)(o->in_shape[1] * o->in_shape[2]), (long)o->act_min, (long)o->act_max, xs, ys);
            break;
        default: break;
        }
        eo__sb_put(&c, "    if (rc != EO_Q8_OK) return rc;\n");
    }
    eo__sb_put(&c, "    return EO_Q8_OK;\n}\n\n");

    eo__sb_put(&c, "#ifndef EO_QREF_NO_FLOAT\n");
    if (softmax) eo__sb_put(&c, softmax_text);
    eo__sb_printf(&c,
                  "/* The float entry point's buffers (dropped by the linker when only\n"
                  " * %s_predict_int8 is used and sections are collected). */\n"
                  "static int8_t %s_qin[%s_INPUT_SIZE];\nstatic int8_t %s_qout[%s_OUTPUT_SIZE];\n\n"
                  "int %s_predict(const float *input, float *output)\n{\n"
                  "    int rc = eo_q8_quantize_ref(%s_INPUT_SIZE, input, %s_INPUT_SCALE, %s_INPUT_ZERO_POINT, %s_qin);\n"
                  "    if (rc != EO_Q8_OK) return rc;\n"
                  "    rc = %s_predict_int8(%s_qin, %s_qout);\n"
                  "    if (rc != EO_Q8_OK) return rc;\n"
                  "    rc = eo_q8_dequantize_ref(%s_OUTPUT_SIZE, %s_qout, %s_OUTPUT_SCALE, %s_OUTPUT_ZERO_POINT, output);\n"
                  "    if (rc != EO_Q8_OK) return rc;\n",
                  nm, nm, NAME, nm, NAME, nm, NAME, NAME, NAME, nm, nm, nm, nm, NAME, nm, NAME, NAME);
    if (softmax) eo__sb_printf(&c, "    softmax_f32(output, %s_OUTPUT_SIZE);\n", NAME);
    eo__sb_put(&c, "    return EO_Q8_OK;\n}\n\n");
    eo__emit_scaler_def(&c, p, in_numel, NAME);
    eo__sb_put(&c, "#endif /* EO_QREF_NO_FLOAT */\n");

    if ((rc = eo__result_take(out, &h, &c, err))) goto fail;
    free(ops);
    free(bufs);
    return EO_OK;
fail:
    free(ops);
    free(bufs);
    eo__sb_free(&h);
    eo__sb_free(&c);
    eo_export_result_free(out);
    return rc;
}
