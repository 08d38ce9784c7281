/* The int8 model object: construction from raw ops (validated: files are
 * untrusted), accessors, the planned arena and integer-only inference.
 * Arithmetic: include/edgeopt/qref.h (TFLite int8; Jacob et al. 2018). */
#include <math.h>
#include <string.h>

#include "compress/qmodel_internal.h"

eo_qmodel_params eo_qmodel_defaults(void)
{
    eo_qmodel_params p;
    memset(&p, 0, sizeof p);
    p.per_channel = 1;
    p.calib = eo_calib_defaults();
    p.path = EO_Q8_PATH_AUTO;
    return p;
}

const char *eo_qmodel_params_check(const eo_qmodel_params *p)
{
    if (!p) return "NULL parameters";
    if (p->per_channel != 0 && p->per_channel != 1) return "per_channel must be 0 or 1";
    if ((int)p->path < 0 || p->path >= EO_Q8_PATH_COUNT) return "unknown kernel path";
    return eo_calib_params_check(&p->calib);
}

/* ------------------------------------------------------------ the block */

/* Bump allocation inside the constants block: a dry run (base NULL) counts. */
typedef struct carve {
    unsigned char *base;
    size_t used;
    int overflow;
} carve;

static void *take(carve *c, size_t count, size_t elem)
{
    size_t bytes, at = (c->used + 15u) & ~(size_t)15u;
    if (at < c->used || !eo_size_mul(count, elem, &bytes) || !eo_size_add(at, bytes, &c->used)) {
        c->overflow = 1;
        return NULL;
    }
    return c->base ? c->base + at : NULL;
}

static int64_t numel3(const int64_t s[3]) { return s[0] * s[1] * s[2]; }

static int shape_eq(const int64_t a[3], const int64_t b[3]) { return a[0] == b[0] && a[1] == b[1] && a[2] == b[2]; }

static int scale_ok(float s) { return isfinite(s) && s > 0.0f; }

/* Validate op i against the running shape and input quantization. */
static int check_op(const eo_qop *o, int i, const int64_t cur[3], float cur_scale, int32_t cur_zp, int nlayers,
                    eo_error *err)
{
#define BAD(...) eo_error_set(err, EO_ERR_FORMAT, __VA_ARGS__)
    if ((int)o->kind < 0 || o->kind >= EO_QOP_COUNT) return BAD("op %d: unknown kind %d", i, (int)o->kind);
    const char *kn = eo_qop_kind_name(o->kind);
    if (!shape_eq(o->in_shape, cur))
        return BAD("op %d (%s): input shape %lldx%lldx%lld does not follow the previous output %lldx%lldx%lld", i, kn,
                   (long long)o->in_shape[0], (long long)o->in_shape[1], (long long)o->in_shape[2], (long long)cur[0],
                   (long long)cur[1], (long long)cur[2]);
    if (o->in_scale != cur_scale || o->in_zp != cur_zp)
        return BAD("op %d (%s): input scale/zero point differ from the previous output's", i, kn);
    for (int k = 0; k < 3; k++)
        if (o->out_shape[k] < 1 || o->out_shape[k] > INT32_MAX) return BAD("op %d (%s): bad output shape", i, kn);
    if (numel3(o->out_shape) > INT32_MAX) return BAD("op %d (%s): output too large", i, kn);
    if (!scale_ok(o->out_scale) || o->out_zp < -128 || o->out_zp > 127)
        return BAD("op %d (%s): output scale must be finite and > 0, zero point in -128..127", i, kn);
    if ((int)o->act < 0 || o->act >= EO_Q8_ACT_COUNT) return BAD("op %d (%s): unknown activation", i, kn);
    if (nlayers > 0 && (o->first_layer < 0 || o->last_layer < o->first_layer || o->last_layer >= nlayers))
        return BAD("op %d (%s): layer range %d..%d outside the model's %d layers", i, kn, (int)o->first_layer,
                   (int)o->last_layer, nlayers);
    eo_q8_geom g = o->geom;
    int32_t c = (int32_t)cur[0], h = (int32_t)cur[1], w = (int32_t)cur[2];
    int rc = EO_OK;
    if (eo_qop_is_compute(o->kind)) {
        if (!o->w || !o->w_scale || !o->bias || !o->mult || !o->shift) return BAD("op %d (%s): missing arrays", i, kn);
        if (o->n_wscale != 1 && o->n_wscale != o->out_ch)
            return BAD("op %d (%s): %d weight scales for %d channels", i, kn, (int)o->n_wscale, (int)o->out_ch);
        for (int32_t k = 0; k < o->n_wscale; k++) {
            if (!scale_ok(o->w_scale[k])) return BAD("op %d (%s): weight scale %d is not finite and > 0", i, kn, (int)k);
            if (o->mult[k] != 0 && o->mult[k] < (INT32_C(1) << 30))
                return BAD("op %d (%s): multiplier %d outside {0} and [2^30, 2^31)", i, kn, (int)k);
        }
        eo_q8_params p = {o->in_zp, o->out_zp, o->act_min, o->act_max, o->n_wscale, o->mult, o->shift};
        if (o->kind == EO_QOP_FC) {
            if (o->fan_in != numel3(cur) || o->out_shape[0] != 1 || o->out_shape[1] != 1 ||
                o->out_shape[2] != o->out_ch)
                return BAD("op %d (fc): fan-in %d / output %lldx%lldx%lld do not match the input %lld values and %d "
                           "units",
                           i, (int)o->fan_in, (long long)o->out_shape[0], (long long)o->out_shape[1],
                           (long long)o->out_shape[2], (long long)numel3(cur), (int)o->out_ch);
            rc = eo_q8_fc_check(&p, 1, o->fan_in, o->out_ch, o->bias);
        } else {
            if (g.n != 1 || g.c != c || g.h != h || g.w != w) return BAD("op %d (%s): geometry does not match the input", i, kn);
            int32_t oc = o->kind == EO_QOP_CONV2D ? o->out_ch : c;
            int64_t fan = o->kind == EO_QOP_CONV2D ? (int64_t)c * g.kh * g.kw : (int64_t)g.kh * g.kw;
            if (o->out_ch != oc || o->fan_in != fan || o->out_shape[0] != oc ||
                o->out_shape[1] != eo_q8_geom_out_h(&g) || o->out_shape[2] != eo_q8_geom_out_w(&g))
                return BAD("op %d (%s): channels, fan-in or output shape do not match the geometry", i, kn);
            rc = o->kind == EO_QOP_CONV2D ? eo_q8_conv2d_check(&p, &g, oc, o->bias) : eo_q8_dwconv2d_check(&p, &g, o->bias);
        }
    } else {
        if (o->out_scale != o->in_scale || o->out_zp != o->in_zp)
            return BAD("op %d (%s): a pooling op keeps its input's scale and zero point", i, kn);
        if (o->n_wscale != 0 || o->fan_in != 0) return BAD("op %d (%s): a pooling op has no weights", i, kn);
        if (o->out_ch != c) return BAD("op %d (%s): channel count differs from the input", i, kn);
        if (o->kind == EO_QOP_GAP) {
            if (o->out_shape[0] != c || o->out_shape[1] != 1 || o->out_shape[2] != 1)
                return BAD("op %d (gap): output must be %dx1x1", i, (int)c);
            rc = eo_q8_gap_check(1, c, h * w, o->act_min, o->act_max);
        } else {
            if (g.n != 1 || g.c != c || g.h != h || g.w != w) return BAD("op %d (%s): geometry does not match the input", i, kn);
            if (o->out_shape[0] != c || o->out_shape[1] != eo_q8_geom_out_h(&g) || o->out_shape[2] != eo_q8_geom_out_w(&g))
                return BAD("op %d (%s): output shape does not match the geometry", i, kn);
            rc = eo_q8_pool_check(&g, o->act_min, o->act_max);
        }
    }
    if (rc) return BAD("op %d (%s): the int8 kernel rejects its parameters (%s)", i, kn, eo_status_str(rc));
    /* The clamp must be the one the activation implies (a file cannot widen a ReLU). */
    int32_t amin, amax;
    if (eo_q8_act_range(o->act, o->out_scale, o->out_zp, &amin, &amax) || amin != o->act_min || amax != o->act_max)
        return BAD("op %d (%s): clamp [%d, %d] does not match activation %s", i, kn, (int)o->act_min, (int)o->act_max,
                   eo_q8_act_name(o->act));
    return EO_OK;
#undef BAD
}

/* Copy ops (and their arrays) into a block carved by c (dry run when c->base is NULL). */
static void carve_all(carve *c, const eo_qop *ops, int nops, const eo_layer_desc *layers, int nlayers, eo_qop **ops_out,
                      eo_layer_desc **layers_out)
{
    eo_qop *dst = take(c, (size_t)nops, sizeof *dst);
    eo_layer_desc *ld = nlayers ? take(c, (size_t)nlayers, sizeof *ld) : NULL;
    if (c->base) {
        memcpy(dst, ops, (size_t)nops * sizeof *dst);
        if (ld) memcpy(ld, layers, (size_t)nlayers * sizeof *ld);
    }
    for (int i = 0; i < nops; i++) {
        const eo_qop *o = &ops[i];
        if (!eo_qop_is_compute(o->kind)) continue;
        size_t nw = (size_t)o->out_ch * (size_t)o->fan_in, ns = (size_t)o->n_wscale, nb = (size_t)o->out_ch;
        int8_t *w = take(c, nw, 1);
        float *ws = take(c, ns, sizeof(float));
        int32_t *b = take(c, nb, sizeof(int32_t));
        int32_t *m = take(c, ns, sizeof(int32_t));
        int32_t *s = take(c, ns, sizeof(int32_t));
        if (c->base) {
            memcpy(w, o->w, nw);
            memcpy(ws, o->w_scale, ns * sizeof *ws);
            memcpy(b, o->bias, nb * sizeof *b);
            memcpy(m, o->mult, ns * sizeof *m);
            memcpy(s, o->shift, ns * sizeof *s);
            dst[i].w = w;
            dst[i].w_scale = ws;
            dst[i].bias = b;
            dst[i].mult = m;
            dst[i].shift = s;
        }
    }
    if (c->base) {
        *ops_out = dst;
        *layers_out = ld;
    }
}

/* Packed FC weights (eo_q8_fc_pack) of every FC op when this CPU has a packed
 * kernel: pointer table, then the packs back to back from a 64-byte boundary
 * (pack sizes are multiples of 64). The constants block is only 16-aligned,
 * so 63 bytes of slack are counted. Model-build time, never at inference. */
static int carve_packs(carve *c, const eo_qop *ops, int nops, const void ***table)
{
    if (!eo_q8_fc_packed_available()) return EO_OK;
    size_t total = 0;
    for (int i = 0; i < nops; i++)
        if (ops[i].kind == EO_QOP_FC && !eo_size_add(total, eo_q8_fc_pack_bytes(ops[i].fan_in, ops[i].out_ch), &total))
            c->overflow = 1;
    const void **tab = take(c, (size_t)nops, sizeof *tab);
    if (!eo_size_add(total, 63u, &total)) c->overflow = 1;
    unsigned char *area = take(c, total, 1);
    if (!c->base || c->overflow) return EO_OK;
    area += (64u - ((uintptr_t)area & 63u)) & 63u;
    for (int i = 0; i < nops; i++) {
        const eo_qop *o = &ops[i];
        tab[i] = NULL;
        if (o->kind != EO_QOP_FC) continue;
        size_t n = eo_q8_fc_pack_bytes(o->fan_in, o->out_ch);
        eo_q8_params p = {o->in_zp, o->out_zp, o->act_min, o->act_max, o->n_wscale, o->mult, o->shift};
        int rc = eo_q8_fc_pack(&p, o->fan_in, o->out_ch, o->w, o->bias, area, n);
        if (rc) return rc;
        tab[i] = area;
        area += n;
    }
    *table = tab;
    return EO_OK;
}

int eo_qmodel_create(const int64_t in_shape[3], float in_scale, int32_t in_zp, const eo_qop *ops, int nops,
                     int final_softmax, const eo_layer_desc *layers, int nlayers, const eo_allocator *alloc,
                     eo_qmodel **out, eo_error *err)
{
    if (!out) return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_create: NULL output");
    *out = NULL;
    if (!in_shape || !ops || nops < 1 || nlayers < 0 || (nlayers > 0 && !layers))
        return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_create: no ops or NULL arrays");
    for (int k = 0; k < 3; k++)
        if (in_shape[k] < 1 || in_shape[k] > INT32_MAX) return eo_error_set(err, EO_ERR_FORMAT, "bad input shape");
    if (numel3(in_shape) > INT32_MAX) return eo_error_set(err, EO_ERR_FORMAT, "input too large");
    if (!scale_ok(in_scale) || in_zp < -128 || in_zp > 127)
        return eo_error_set(err, EO_ERR_FORMAT, "input scale must be finite and > 0, zero point in -128..127");
    int64_t cur[3] = {in_shape[0], in_shape[1], in_shape[2]};
    float cs = in_scale;
    int32_t cz = in_zp;
    int64_t max_act = numel3(cur);
    for (int i = 0; i < nops; i++) {
        int rc = check_op(&ops[i], i, cur, cs, cz, nlayers, err);
        if (rc) return rc;
        memcpy(cur, ops[i].out_shape, sizeof cur);
        cs = ops[i].out_scale;
        cz = ops[i].out_zp;
        if (numel3(cur) > max_act) max_act = numel3(cur);
    }
    carve c = {NULL, 0, 0};
    eo_qop *dummy_ops;
    eo_layer_desc *dummy_layers;
    carve_all(&c, ops, nops, layers, nlayers, &dummy_ops, &dummy_layers);
    const void **dummy_packs;
    carve_packs(&c, ops, nops, &dummy_packs);
    size_t total;
    if (c.overflow || !eo_size_add(c.used, sizeof(eo_qmodel) + 16, &total))
        return eo_error_set(err, EO_ERR_RANGE, "quantized model too large");
    unsigned char *blk = eo_alloc(alloc, total);
    if (!blk) return eo_error_set(err, EO_ERR_NOMEM, "out of memory for the quantized model");
    memset(blk, 0, total);
    eo_qmodel *q = (eo_qmodel *)(void *)blk;
    if (alloc) {
        q->alloc = *alloc;
        q->has_alloc = 1;
    }
    size_t off = (sizeof(eo_qmodel) + 15u) & ~(size_t)15u;
    carve c2 = {blk + off, 0, 0};
    carve_all(&c2, ops, nops, layers, nlayers, &q->ops, &q->layers);
    int prc = carve_packs(&c2, q->ops, nops, &q->pack);
    if (prc) { /* cannot happen: check_op ran the same checks as eo_q8_fc_pack */
        eo_free(alloc, blk);
        return eo_error_set(err, prc, "cannot pack the FC weights (%s)", eo_status_str(prc));
    }
    q->nops = nops;
    q->nlayers = nlayers;
    memcpy(q->in_shape, in_shape, sizeof q->in_shape);
    q->in_scale = in_scale;
    q->in_zp = in_zp;
    q->final_softmax = final_softmax != 0;
    q->max_act = (size_t)max_act;
    q->out_numel = (size_t)numel3(cur);
    q->kops = eo_q8_ops_get(EO_Q8_PATH_AUTO);
    q->use_pack = q->pack != NULL;
    *out = q;
    return EO_OK;
}

void eo_qmodel_destroy(eo_qmodel *q)
{
    if (!q) return;
    eo_allocator a = q->alloc;
    const eo_allocator *ap = q->has_alloc ? &a : NULL;
    eo_free(ap, q->arena);
    eo_free(ap, q);
}

/* ------------------------------------------------------------ accessors */

int eo_qmodel_nops(const eo_qmodel *q) { return q ? q->nops : 0; }

int eo_qmodel_op(const eo_qmodel *q, int i, eo_qop *out)
{
    if (!q || !out || i < 0 || i >= q->nops) return EO_ERR_INVALID;
    *out = q->ops[i];
    return EO_OK;
}

void eo_qmodel_in_shape(const eo_qmodel *q, int64_t shape[3]) { memcpy(shape, q->in_shape, sizeof q->in_shape); }
int64_t eo_qmodel_in_numel(const eo_qmodel *q) { return numel3(q->in_shape); }
int64_t eo_qmodel_out_numel(const eo_qmodel *q) { return (int64_t)q->out_numel; }

eo_q8_qparam eo_qmodel_input_qparam(const eo_qmodel *q)
{
    eo_q8_qparam p = {q->in_scale, q->in_zp};
    return p;
}

eo_q8_qparam eo_qmodel_output_qparam(const eo_qmodel *q)
{
    const eo_qop *o = &q->ops[q->nops - 1];
    eo_q8_qparam p = {o->out_scale, o->out_zp};
    return p;
}

int eo_qmodel_final_softmax(const eo_qmodel *q) { return q->final_softmax; }

int eo_qmodel_per_channel(const eo_qmodel *q)
{
    for (int i = 0; i < q->nops; i++)
        if (eo_qop_is_compute(q->ops[i].kind) && q->ops[i].n_wscale > 1) return 1;
    return 0;
}

const eo_layer_desc *eo_qmodel_layers(const eo_qmodel *q, int *n)
{
    if (n) *n = q->nlayers;
    return q->layers;
}

size_t eo_qmodel_const_bytes(const eo_qmodel *q)
{
    size_t b = 0;
    for (int i = 0; i < q->nops; i++) {
        const eo_qop *o = &q->ops[i];
        if (!eo_qop_is_compute(o->kind)) continue;
        b += (size_t)o->out_ch * (size_t)o->fan_in + 4u * (size_t)o->out_ch + 12u * (size_t)o->n_wscale;
    }
    return b;
}

size_t eo_qmodel_arena_bytes(const eo_qmodel *q, int batch)
{
    return batch < 1 ? 0 : 2u * q->max_act * (size_t)batch;
}

int eo_qmodel_set_path(eo_qmodel *q, eo_q8_path path)
{
    const eo_q8_ops *k = eo_q8_ops_get(path);
    if (!q || !k) return EO_ERR_UNSUPPORTED;
    q->kops = k;
    q->use_pack = q->pack && (path == EO_Q8_PATH_AUTO || path == EO_Q8_PATH_VNNI);
    return EO_OK;
}

/* ------------------------------------------------------------ inference */

int eo_qmodel_reserve(eo_qmodel *q, int max_batch, eo_error *err)
{
    if (!q || max_batch < 1) return eo_error_set(err, EO_ERR_INVALID, "eo_qmodel_reserve: bad arguments");
    if (max_batch <= q->max_batch) return EO_OK;
    size_t one, total;
    if (!eo_size_mul(q->max_act, (size_t)max_batch, &one) || !eo_size_mul(one, 2, &total))
        return eo_error_set(err, EO_ERR_RANGE, "batch of %d is too large", max_batch);
    const eo_allocator *ap = q->has_alloc ? &q->alloc : NULL;
    int8_t *a = eo_alloc(ap, total);
    if (!a) return eo_error_set(err, EO_ERR_NOMEM, "out of memory for the int8 arena");
    eo_free(ap, q->arena);
    q->arena = a;
    q->buf[0] = a;
    q->buf[1] = a + one;
    q->max_batch = max_batch;
    return EO_OK;
}

/* One op: x [batch][in] -> y [batch][out]. */
static int run_op(const eo_qmodel *q, int i, int batch, const int8_t *x, int8_t *y)
{
    const eo_qop *o = &q->ops[i];
    if (q->use_pack && q->pack[i]) return eo_q8_fc_packed(q->pack[i], batch, x, y);
    const eo_q8_ops *k = q->kops;
    eo_q8_params p = {o->in_zp, o->out_zp, o->act_min, o->act_max, o->n_wscale, o->mult, o->shift};
    eo_q8_geom g = o->geom;
    g.n = batch;
    switch (o->kind) {
    case EO_QOP_FC: return k->fc(&p, batch, o->fan_in, o->out_ch, x, o->w, o->bias, y);
    case EO_QOP_CONV2D: return k->conv2d(&p, &g, o->out_ch, x, o->w, o->bias, y);
    case EO_QOP_DWCONV2D: return k->dwconv2d(&p, &g, x, o->w, o->bias, y);
    case EO_QOP_MAXPOOL: return k->maxpool(&g, o->act_min, o->act_max, x, y);
    case EO_QOP_AVGPOOL: return k->avgpool(&g, o->act_min, o->act_max, x, y);
    case EO_QOP_GAP:
        return k->gap(batch, (int32_t)o->in_shape[0], (int32_t)(o->in_shape[1] * o->in_shape[2]), o->act_min,
                      o->act_max, x, y);
    default: return EO_ERR_INVALID;
    }
}

/* Ops 0..last from x; returns the buffer holding op last's output. */
static int run_upto(eo_qmodel *q, const int8_t *x, int batch, int last, const int8_t **res)
{
    const int8_t *in = x;
    int which = 0;
    for (int i = 0; i <= last; i++) {
        int8_t *y = q->buf[which];
        if (y == in) y = q->buf[which ^= 1];
        int rc = run_op(q, i, batch, in, y);
        if (rc) return rc;
        in = y;
        which ^= 1;
    }
    *res = in;
    return EO_OK;
}

int eo_qmodel_forward_q8(eo_qmodel *q, const int8_t *x, int batch, int8_t *y)
{
    if (!q || !x || !y || batch < 1) return EO_ERR_INVALID;
    if (batch > q->max_batch) {
        int rc = eo_qmodel_reserve(q, batch, NULL);
        if (rc) return rc;
    }
    const int8_t *r;
    int rc = run_upto(q, x, batch, q->nops - 1, &r);
    if (rc) return rc;
    memcpy(y, r, q->out_numel * (size_t)batch);
    return EO_OK;
}

static void softmax_rows(float *o, int batch, size_t k)
{
    for (int b = 0; b < batch; b++) {
        float *r = o + (size_t)b * k;
        double mx = r[0], s = 0;
        for (size_t j = 1; j < k; j++) mx = r[j] > mx ? r[j] : mx;
        for (size_t j = 0; j < k; j++) s += exp((double)r[j] - mx);
        for (size_t j = 0; j < k; j++) r[j] = (float)(exp((double)r[j] - mx) / s);
    }
}

static int forward_float(eo_qmodel *q, const float *x, int batch, int last, float *out)
{
    if (!q || !x || !out || batch < 1 || last < 0 || last >= q->nops) return EO_ERR_INVALID;
    if (batch > q->max_batch) {
        int rc = eo_qmodel_reserve(q, batch, NULL);
        if (rc) return rc;
    }
    size_t nin = (size_t)numel3(q->in_shape) * (size_t)batch;
    /* The input goes to buffer 1 so that op 0 writes buffer 0. */
    int8_t *xq = q->buf[1];
    int rc = q->kops->quantize(nin, x, q->in_scale, q->in_zp, xq);
    if (rc) return rc;
    const int8_t *r;
    if ((rc = run_upto(q, xq, batch, last, &r))) return rc;
    const eo_qop *o = &q->ops[last];
    size_t n = (size_t)numel3(o->out_shape) * (size_t)batch;
    if ((rc = q->kops->dequantize(n, r, o->out_scale, o->out_zp, out))) return rc;
    if (last == q->nops - 1 && q->final_softmax) softmax_rows(out, batch, q->out_numel);
    return EO_OK;
}

int eo_qmodel_forward(eo_qmodel *q, const float *x, int batch, float *out)
{
    return forward_float(q, x, batch, q ? q->nops - 1 : 0, out);
}

int eo_qmodel_forward_upto(eo_qmodel *q, const float *x, int batch, int last_op, float *out)
{
    return forward_float(q, x, batch, last_op, out);
}
