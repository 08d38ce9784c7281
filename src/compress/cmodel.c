/* The compressed-float executor: a float model whose dense layers may run
 * through the CSR kernel or the codebook lookup kernel of compress.h, the
 * other layers as sub-models (runs of consecutive layers). The model's own
 * parameter array always holds the weights as executed (clustered weights
 * expanded), so the sub-models and the reports read one source. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/compress_model.h"

enum { STEP_SUB = 0, STEP_CSR = 1, STEP_LUT = 2 };

typedef struct step {
    int kind;
    int first, last;      /* layers */
    eo_model *sub;        /* STEP_SUB */
    eo_csr csr;           /* STEP_CSR (arrays owned) */
    int cl;               /* STEP_LUT: index into cl[] */
    int rows, cols;       /* dense kernels */
    const float *bias;    /* into the model's parameters */
    float *out;           /* kernel output [max_batch][rows] */
} step;

typedef struct cl_store {
    int layer, rows, cols, k, bits;
    float *codebook;
    uint8_t *packed;
} cl_store;

struct eo_cmodel {
    eo_model *m;          /* owned */
    int nsteps;
    step *steps;
    int ncl;
    cl_store *cl;
    int ncsr;
    int max_batch;
    float *work;          /* CSR scratch */
    size_t work_n;
};

void eo_cmodel_destroy(eo_cmodel *c)
{
    if (!c) return;
    for (int i = 0; i < c->nsteps; i++) {
        step *s = &c->steps[i];
        eo_model_destroy(s->sub);
        free(s->csr.row_ptr);
        free(s->csr.col);
        free(s->csr.val);
        free(s->out);
    }
    for (int i = 0; i < c->ncl; i++) {
        free(c->cl[i].codebook);
        free(c->cl[i].packed);
    }
    free(c->steps);
    free(c->cl);
    free(c->work);
    eo_model_destroy(c->m);
    free(c);
}

/* Dense layer i: rows, cols and parameter offset. */
static int dense_dims(const eo_model *m, int i, int *rows, int *cols, size_t *po)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    eo_model_layer(m, i, &d, in, out, po, NULL);
    if (d.kind != EO_LAYER_DENSE) return 0;
    *rows = (int)(out[0] * out[1] * out[2]);
    *cols = (int)(in[0] * in[1] * in[2]);
    return 1;
}

static int cl_of_layer(const eo_cmodel *c, int layer)
{
    for (int i = 0; i < c->ncl; i++)
        if (c->cl[i].layer == layer) return i;
    return -1;
}

/* Build the steps. */
static int plan_steps(eo_cmodel *c, eo_csr_mode mode, eo_error *err)
{
    int nl = eo_model_nlayers(c->m);
    c->steps = calloc((size_t)nl, sizeof *c->steps);
    eo_layer_desc *descs = calloc((size_t)nl, sizeof *descs);
    if (!c->steps || !descs) {
        free(descs);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < nl; i++) eo_model_layer(c->m, i, &descs[i], NULL, NULL, NULL, NULL);
    const float *P = eo_model_params_const(c->m);
    int run_start = -1, st = EO_OK;
    for (int i = 0; i <= nl && !st; i++) {
        int rows = 0, cols = 0, kind = STEP_SUB;
        size_t po = 0;
        int cl = -1;
        if (i < nl && dense_dims(c->m, i, &rows, &cols, &po)) {
            cl = cl_of_layer(c, i);
            if (cl >= 0) {
                kind = STEP_LUT;
            } else if (mode != EO_CSR_NEVER) {
                int32_t nnz;
                eo_csr_count(P + po, rows, cols, &nnz);
                double density = (double)nnz / ((double)rows * (double)cols);
                if (mode == EO_CSR_ALWAYS || eo_csr_preferred(density, 1)) kind = STEP_CSR;
            }
        }
        /* close a pending run of sub-model layers */
        if ((i == nl || kind != STEP_SUB) && run_start >= 0) {
            step *s = &c->steps[c->nsteps++];
            s->kind = STEP_SUB;
            s->first = run_start;
            s->last = i - 1;
            int64_t in[3];
            size_t a, b, a2, b2, bo, bc, bo2, bc2;
            eo_model_layer(c->m, run_start, NULL, in, NULL, &a, &b);
            eo_model_layer(c->m, i - 1, NULL, NULL, NULL, &a2, &b2);
            eo_model_layer_buffers(c->m, run_start, &bo, &bc);
            eo_model_layer_buffers(c->m, i - 1, &bo2, &bc2);
            st = eo_model_create(in, descs + run_start, i - run_start, NULL, &s->sub, err);
            if (st) break;
            if (a2 + b2 > a) memcpy(eo_model_params(s->sub), P + a, (a2 + b2 - a) * sizeof(float));
            if (bo2 + bc2 > bo)
                memcpy(eo_model_buffers(s->sub), eo_model_buffers(c->m) + bo, (bo2 + bc2 - bo) * sizeof(float));
            run_start = -1;
        }
        if (i == nl) break;
        if (kind == STEP_SUB) {
            if (run_start < 0) run_start = i;
            continue;
        }
        step *s = &c->steps[c->nsteps++];
        s->kind = kind;
        s->first = s->last = i;
        s->rows = rows;
        s->cols = cols;
        s->bias = P + po + (size_t)rows * (size_t)cols;
        s->cl = cl;
        if (kind == STEP_CSR) {
            int32_t nnz;
            eo_csr_count(P + po, rows, cols, &nnz);
            s->csr.row_ptr = malloc(((size_t)rows + 1) * sizeof(int32_t));
            s->csr.col = malloc(((size_t)nnz + 1) * sizeof(int32_t));
            s->csr.val = malloc(((size_t)nnz + 1) * sizeof(float));
            s->csr.capacity = nnz;
            if (!s->csr.row_ptr || !s->csr.col || !s->csr.val) {
                st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
                break;
            }
            eo_csr_from_dense(P + po, rows, cols, &s->csr);
            c->ncsr++;
        }
    }
    free(descs);
    return st;
}

static int finish(eo_cmodel *c, eo_csr_mode mode, eo_cmodel **out, eo_error *err)
{
    int st = plan_steps(c, mode, err);
    if (st) {
        eo_cmodel_destroy(c);
        return st;
    }
    *out = c;
    return EO_OK;
}

int eo_cmodel_from_model(const eo_model *m, eo_csr_mode csr, eo_cmodel **out, eo_error *err)
{
    if (!m || !out || (int)csr < 0 || csr >= EO_CSR_MODE_COUNT)
        return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_from_model: bad arguments");
    *out = NULL;
    eo_cmodel *c = calloc(1, sizeof *c);
    if (!c) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int st = eo_model_copy(m, &c->m, err);
    if (st) {
        free(c);
        return st;
    }
    return finish(c, csr, out, err);
}

/* Weight slice of a compute layer: rows (units), cols (fan-in), offset. */
static int compute_dims(const eo_model *m, int i, int *rows, int *cols, size_t *po)
{
    eo_layer_desc d;
    int64_t in[3], out[3];
    size_t pc;
    eo_model_layer(m, i, &d, in, out, po, &pc);
    switch (d.kind) {
    case EO_LAYER_DENSE: *rows = (int)(out[0] * out[1] * out[2]); break;
    case EO_LAYER_CONV2D: *rows = (int)out[0]; break;
    case EO_LAYER_DWCONV2D: *rows = (int)in[0]; break;
    default: return 0;
    }
    *cols = (int)((pc - (size_t)*rows) / (size_t)*rows);
    return 1;
}

int eo_cmodel_create(const eo_model *m, const eo_clayer *cl, int ncl, eo_cmodel **out, eo_error *err)
{
    if (!m || !out || ncl < 0 || (ncl > 0 && !cl)) return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_create: bad arguments");
    *out = NULL;
    eo_cmodel *c = calloc(1, sizeof *c);
    if (!c) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    int st = eo_model_copy(m, &c->m, err);
    if (!st && ncl > 0 && !(c->cl = calloc((size_t)ncl, sizeof *c->cl))) st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    float *P = c->m ? eo_model_params(c->m) : NULL;
    for (int i = 0; i < ncl && !st; i++) {
        const eo_clayer *L = &cl[i];
        int rows, cols;
        size_t po;
        if (L->layer < 0 || L->layer >= eo_model_nlayers(m) || !compute_dims(m, L->layer, &rows, &cols, &po)) {
            st = eo_error_set(err, EO_ERR_FORMAT, "clustered layer %d is not a dense or conv layer", L->layer);
            break;
        }
        if (cl_of_layer(c, L->layer) >= 0) {
            st = eo_error_set(err, EO_ERR_FORMAT, "layer %d is clustered twice", L->layer);
            break;
        }
        if (L->rows != rows || L->cols != cols || L->k < 1 || L->k > 256 || (L->bits != 4 && L->bits != 8) ||
            (L->bits == 4 && L->k > 16) || !L->codebook || !L->packed) {
            st = eo_error_set(err, EO_ERR_FORMAT, "layer %d: clustering shape %dx%d, k %d, %d bits do not fit its %dx%d weights",
                              L->layer, L->rows, L->cols, L->k, L->bits, rows, cols);
            break;
        }
        for (int j = 0; j < L->k; j++)
            if (!isfinite(L->codebook[j])) {
                st = eo_error_set(err, EO_ERR_FORMAT, "layer %d: codebook entry %d is not finite", L->layer, j);
                break;
            }
        if (st) break;
        size_t psz = eo_cluster_packed_size(rows, cols, L->bits);
        cl_store *s = &c->cl[c->ncl];
        s->codebook = malloc((size_t)L->k * sizeof(float));
        s->packed = malloc(psz);
        if (!s->codebook || !s->packed) {
            free(s->codebook);
            free(s->packed);
            st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(s->codebook, L->codebook, (size_t)L->k * sizeof(float));
        memcpy(s->packed, L->packed, psz);
        s->layer = L->layer;
        s->rows = rows;
        s->cols = cols;
        s->k = L->k;
        s->bits = L->bits;
        c->ncl++;
        if (eo_cluster_dequantize(s->codebook, s->k, s->packed, rows, cols, s->bits, P + po))
            st = eo_error_set(err, EO_ERR_FORMAT, "layer %d: a cluster index is >= k = %d", L->layer, L->k);
    }
    if (st) {
        eo_cmodel_destroy(c);
        return st;
    }
    return finish(c, EO_CSR_NEVER, out, err);
}

int eo_cmodel_cluster(const eo_model *m, const eo_cluster_params *p, eo_cmodel **out, eo_error *err)
{
    if (!m || !p || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_cluster: NULL argument");
    *out = NULL;
    const char *why = eo_cluster_params_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    eo_model *f = NULL;
    int st = eo_model_fold_batchnorm(m, &f, err);
    if (st) return st;
    int nl = eo_model_nlayers(f), bits = p->k <= 16 ? 4 : 8, ncl = 0;
    eo_clayer *cl = calloc((size_t)nl, sizeof *cl);
    if (!cl) st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    const float *P = eo_model_params_const(f);
    for (int i = 0; i < nl && !st; i++) {
        int rows, cols;
        size_t po;
        if (!compute_dims(f, i, &rows, &cols, &po)) continue;
        size_t n = (size_t)rows * (size_t)cols, ws = eo_cluster_workspace_size(n, p->k);
        float *cb = malloc((size_t)p->k * sizeof *cb);
        uint8_t *idx = malloc(n), *packed = malloc(eo_cluster_packed_size(rows, cols, bits));
        double *work = malloc(ws + 8);
        cl[ncl] = (eo_clayer){i, rows, cols, p->k, bits, cb, packed};
        ncl++;
        if (!cb || !idx || !packed || !work) {
            st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        } else {
            eo_cluster_info info;
            st = eo_cluster_fit(p, P + po, n, cb, idx, work, ws, &info, NULL);
            if (st) st = eo_error_set(err, st, "layer %d: k-means failed (%s)", i, eo_status_str(st));
            else st = eo_cluster_pack(idx, rows, cols, bits, packed);
        }
        free(idx);
        free(work);
    }
    if (!st) st = eo_cmodel_create(f, cl, ncl, out, err);
    for (int i = 0; i < ncl; i++) {
        free((void *)cl[i].codebook);
        free((void *)cl[i].packed);
    }
    free(cl);
    eo_model_destroy(f);
    return st;
}

const eo_model *eo_cmodel_model(const eo_cmodel *c) { return c->m; }
int eo_cmodel_nclustered(const eo_cmodel *c) { return c->ncl; }
int eo_cmodel_ncsr(const eo_cmodel *c) { return c->ncsr; }

int eo_cmodel_clustered(const eo_cmodel *c, int i, eo_clayer *out)
{
    if (!c || !out || i < 0 || i >= c->ncl) return EO_ERR_INVALID;
    const cl_store *s = &c->cl[i];
    *out = (eo_clayer){s->layer, s->rows, s->cols, s->k, s->bits, s->codebook, s->packed};
    return EO_OK;
}

size_t eo_cmodel_weight_bytes(const eo_cmodel *c)
{
    size_t b = 0;
    for (int i = 0; i < eo_model_nlayers(c->m); i++) {
        int rows, cols;
        size_t po;
        if (!compute_dims(c->m, i, &rows, &cols, &po)) continue;
        int k = cl_of_layer(c, i);
        if (k >= 0)
            b += (size_t)c->cl[k].k * 4u + eo_cluster_packed_size(rows, cols, c->cl[k].bits);
        else
            b += (size_t)rows * (size_t)cols * 4u;
    }
    return b;
}

int eo_cmodel_reserve(eo_cmodel *c, int max_batch, eo_error *err)
{
    if (!c || max_batch < 1) return eo_error_set(err, EO_ERR_INVALID, "eo_cmodel_reserve: bad arguments");
    if (max_batch <= c->max_batch) return EO_OK;
    size_t wn = 0;
    for (int i = 0; i < c->nsteps; i++) {
        step *s = &c->steps[i];
        if (s->kind == STEP_SUB) {
            int st = eo_model_reserve(s->sub, max_batch, err);
            if (st) return st;
            continue;
        }
        float *o = malloc((size_t)max_batch * (size_t)s->rows * sizeof *o);
        if (!o) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        free(s->out);
        s->out = o;
        if (s->kind == STEP_CSR) {
            size_t w = eo_csr_workspace_size(s->cols, max_batch);
            wn = w > wn ? w : wn;
        }
    }
    if (wn > c->work_n) {
        float *w = malloc(wn * sizeof *w);
        if (!w) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        free(c->work);
        c->work = w;
        c->work_n = wn;
    }
    c->max_batch = max_batch;
    return EO_OK;
}

int eo_cmodel_forward(eo_cmodel *c, const float *x, int batch, const float **out)
{
    if (!c || !x || !out || batch < 1) return EO_ERR_INVALID;
    if (batch > c->max_batch) {
        int st = eo_cmodel_reserve(c, batch, NULL);
        if (st) return st;
    }
    const float *in = x;
    for (int i = 0; i < c->nsteps; i++) {
        step *s = &c->steps[i];
        int st;
        if (s->kind == STEP_SUB) {
            st = eo_model_forward(s->sub, in, batch, 0, NULL, &in);
            if (st) return st;
            continue;
        }
        if (s->kind == STEP_CSR) {
            st = eo_csr_fc(&s->csr, batch, in, s->bias, s->out, c->work);
        } else {
            const cl_store *L = &c->cl[s->cl];
            st = eo_cluster_fc(L->codebook, L->k, L->packed, L->rows, L->cols, L->bits, batch, in, s->bias, s->out);
        }
        if (st) return st;
        in = s->out;
    }
    *out = in;
    return EO_OK;
}
