/* Files of compressed float models: pruned/distilled float models (ordinary
 * float files plus "compress.*" keys) and clustered models (codebooks and
 * packed indices instead of float weights). Keys: docs/compression.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"

int eo_compressed_float_save(const char *path, const eo_model *m, const struct eo_scaler *scaler,
                             const struct eo_model_meta *meta, const char *method, double sparsity,
                             const char *source, eo_error *err)
{
    if (!path || !m) return eo_error_set(err, EO_ERR_INVALID, "eo_compressed_float_save: NULL argument");
    eo_mf_writer *w;
    if (eo_mf_writer_create(&w)) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_mf_put_meta(w, meta);
    eo_mf_put_model(w, m, 1);
    eo_mf_put_scaler(w, scaler);
    if (method) eo_mf_put_str(w, "compress.method", method);
    eo_mf_put_float(w, "compress.sparsity", sparsity);
    if (source) eo_mf_put_str(w, "compress.source", source);
    int st = eo_mf_writer_save(w, path, err);
    eo_mf_writer_destroy(w);
    return st;
}

static void key(char *b, size_t n, int layer, const char *what) { snprintf(b, n, "layer.%d.cluster.%s", layer, what); }

int eo_cmodel_save(const char *path, const eo_cmodel *c, const struct eo_scaler *scaler,
                   const struct eo_model_meta *meta, eo_error *err)
{
    if (!path || !c) return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_save: NULL argument");
    const eo_model *m = eo_cmodel_model(c);
    eo_mf_writer *w;
    if (eo_mf_writer_create(&w)) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    eo_mf_put_meta(w, meta);
    eo_mf_put_model(w, m, 0);
    eo_mf_put_str(w, "model.compression", "clustered");
    eo_mf_put_int(w, "cluster.layers", eo_cmodel_nclustered(c));
    const float *P = eo_model_params_const(m);
    const float *Bf = eo_model_nbuffers(m) ? eo_model_buffers((eo_model *)m) : NULL;
    char k[96];
    for (int i = 0; i < eo_model_nlayers(m); i++) {
        size_t po, pc, bo, bc, skip = 0;
        eo_model_layer(m, i, NULL, NULL, NULL, &po, &pc);
        eo_model_layer_buffers(m, i, &bo, &bc);
        for (int j = 0; j < eo_cmodel_nclustered(c); j++) {
            eo_clayer L;
            eo_cmodel_clustered(c, j, &L);
            if (L.layer != i) continue;
            int64_t kd[1] = {L.k};
            key(k, sizeof k, i, "codebook");
            eo_mf_put_tensor(w, k, EO_MF_F32, 1, kd, L.codebook);
            key(k, sizeof k, i, "index");
            int64_t id[2] = {L.rows, L.bits == 4 ? (L.cols + 1) / 2 * 2 : L.cols};
            eo_mf_put_tensor(w, k, L.bits == 4 ? EO_MF_U4 : EO_MF_U8, 2, id, L.packed);
            skip = (size_t)L.rows * (size_t)L.cols;
        }
        if (pc > skip) {
            int64_t d[1] = {(int64_t)(pc - skip)};
            key(k, sizeof k, i, "params");
            eo_mf_put_tensor(w, k, EO_MF_F32, 1, d, P + po + skip);
        }
        if (bc) {
            int64_t d[1] = {(int64_t)bc};
            key(k, sizeof k, i, "buffers");
            eo_mf_put_tensor(w, k, EO_MF_F32, 1, d, Bf + bo);
        }
    }
    eo_mf_put_scaler(w, scaler);
    int st = eo_mf_writer_save(w, path, err);
    eo_mf_writer_destroy(w);
    return st;
}

int eo_cmodel_load(const char *path, eo_cmodel **out, struct eo_scaler *scaler, struct eo_model_meta *meta,
                   eo_error *err)
{
    if (!path || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_load: NULL argument");
    *out = NULL;
    if (scaler) memset(scaler, 0, sizeof *scaler);
    eo_mf_reader *r;
    int st = eo_mf_reader_open(path, 0, &r, err);
    if (st) return st;
    const char *kind = NULL;
    if (eo_mf_get_str(r, "model.compression", &kind, NULL) || strcmp(kind, "clustered") != 0) {
        eo_mf_reader_destroy(r);
        return eo_error_at(err, EO_ERR_UNSUPPORTED, path, 0, 0, -1, "not a clustered model");
    }
    eo_model *m = NULL;
    eo_clayer *cl = NULL;
    int ncl = 0;
    if ((st = eo_mf_get_model(r, NULL, &m, NULL, err))) goto done;
    int nl = eo_model_nlayers(m);
    cl = calloc((size_t)nl, sizeof *cl);
    if (!cl) {
        st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        goto done;
    }
    float *P = eo_model_params(m), *Bf = eo_model_nbuffers(m) ? eo_model_buffers(m) : NULL;
    char k[96];
    for (int i = 0; i < nl && !st; i++) {
        eo_layer_desc d;
        int64_t in[3], o3[3];
        size_t po, pc, bo, bc, skip = 0;
        eo_model_layer(m, i, &d, in, o3, &po, &pc);
        eo_model_layer_buffers(m, i, &bo, &bc);
        key(k, sizeof k, i, "codebook");
        const eo_mf_tensor *tcb = eo_mf_tensor_find(r, k);
        if (tcb) {
            int rows = d.kind == EO_LAYER_DENSE ? (int)(o3[0] * o3[1] * o3[2])
                       : d.kind == EO_LAYER_CONV2D ? (int)o3[0]
                       : d.kind == EO_LAYER_DWCONV2D ? (int)in[0]
                                                    : 0;
            if (rows == 0 || tcb->dtype != EO_MF_F32 || tcb->numel < 1 || tcb->numel > 256) {
                st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, (long long)tcb->offset,
                                 "layer %d: a codebook needs a dense/conv layer and 1..256 float32 entries", i);
                break;
            }
            int cols = (int)((pc - (size_t)rows) / (size_t)rows), kk = (int)tcb->numel;
            key(k, sizeof k, i, "index");
            const eo_mf_tensor *ti = eo_mf_tensor_find(r, k);
            int bits = ti && ti->dtype == EO_MF_U4 ? 4 : 8;
            uint64_t want = bits == 4 ? (uint64_t)rows * (uint64_t)((cols + 1) / 2 * 2) : (uint64_t)rows * (uint64_t)cols;
            if (!ti || (ti->dtype != EO_MF_U4 && ti->dtype != EO_MF_U8) || ti->numel != want) {
                st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, ti ? (long long)ti->offset : -1,
                                 "layer %d: index tensor missing or not u4/u8 with %llu entries", i,
                                 (unsigned long long)want);
                break;
            }
            float *cb = malloc((size_t)kk * sizeof *cb);
            size_t psz = eo_cluster_packed_size(rows, cols, bits);
            uint8_t *pk = malloc(psz);
            cl[ncl++] = (eo_clayer){i, rows, cols, kk, bits, cb, pk};
            if (!cb || !pk) {
                st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
                break;
            }
            if ((st = eo_mf_tensor_read_f32(tcb, cb, (size_t)kk, err)) || (st = eo_mf_tensor_read_bytes(ti, pk, psz, err)))
                break;
            skip = (size_t)rows * (size_t)cols;
        }
        if (pc > skip) {
            key(k, sizeof k, i, "params");
            const eo_mf_tensor *t;
            if ((st = eo_mf_tensor_get(r, k, EO_MF_F32, pc - skip, &t, err)) ||
                (st = eo_mf_tensor_read_f32(t, P + po + skip, pc - skip, err)))
                break;
        }
        if (bc) {
            key(k, sizeof k, i, "buffers");
            const eo_mf_tensor *t;
            if ((st = eo_mf_tensor_get(r, k, EO_MF_F32, bc, &t, err)) || (st = eo_mf_tensor_read_f32(t, Bf + bo, bc, err)))
                break;
        }
    }
    if (!st) {
        eo_error e2;
        eo_error_clear(&e2);
        st = eo_cmodel_create(m, cl, ncl, out, &e2);
        if (st) st = eo_error_at(err, st, path, 0, 0, -1, "%s", e2.msg);
    }
    if (!st && meta) st = eo_mf_get_meta(r, meta, err);
    if (!st && scaler) st = eo_mf_get_scaler(r, scaler, err);
    if (!st && scaler && scaler->kind != EO_SCALE_NONE && (int64_t)scaler->cols != eo_model_in_numel(m))
        st = eo_error_at(err, EO_ERR_FORMAT, path, 0, 0, -1, "the scaler has %zu features but the model takes %lld",
                         scaler->cols, (long long)eo_model_in_numel(m));
done:
    if (st) {
        eo_cmodel_destroy(*out);
        *out = NULL;
        if (scaler) eo_scaler_free(scaler);
    }
    for (int i = 0; i < ncl; i++) {
        free((void *)cl[i].codebook);
        free((void *)cl[i].packed);
    }
    free(cl);
    eo_model_destroy(m);
    eo_mf_reader_destroy(r);
    return st;
}
