/* A float model as a chain of sub-models (see model_chain.h). */
#include <stdlib.h>
#include <string.h>

#include "compress/model_chain.h"

void eo__chain_destroy(eo__chain *c)
{
    if (!c) return;
    for (int k = 0; c->seg && k < c->nseg; k++) eo_model_destroy(c->seg[k]);
    free(c->seg);
    free(c->first);
    free(c->last);
    free(c->poff);
    free(c->pcnt);
    free(c->boff);
    free(c->bcnt);
    memset(c, 0, sizeof *c);
}

void eo__chain_load(eo__chain *c, const eo_model *m)
{
    const float *p = eo_model_params_const(m);
    const float *b = eo_model_nbuffers(m) ? eo_model_buffers((eo_model *)m) : NULL;
    for (int k = 0; k < c->nseg; k++) {
        if (c->pcnt[k]) memcpy(eo_model_params(c->seg[k]), p + c->poff[k], c->pcnt[k] * sizeof(float));
        if (c->bcnt[k]) memcpy(eo_model_buffers(c->seg[k]), b + c->boff[k], c->bcnt[k] * sizeof(float));
    }
}

int eo__chain_create(const eo_model *m, const int *ends, int nseg, eo__chain *c, eo_error *err)
{
    memset(c, 0, sizeof *c);
    int nl = eo_model_nlayers(m);
    if (nseg < 1) return eo_error_set(err, EO_ERR_INVALID, "a chain needs at least one segment");
    for (int k = 0; k < nseg; k++)
        if (ends[k] < 0 || ends[k] >= nl || (k && ends[k] <= ends[k - 1]))
            return eo_error_set(err, EO_ERR_INVALID, "chain cut %d (after layer %d) is out of order", k, ends[k]);
    size_t n = (size_t)nseg;
    c->seg = calloc(n, sizeof *c->seg);
    c->first = calloc(n, sizeof *c->first);
    c->last = calloc(n, sizeof *c->last);
    c->poff = calloc(n, sizeof *c->poff);
    c->pcnt = calloc(n, sizeof *c->pcnt);
    c->boff = calloc(n, sizeof *c->boff);
    c->bcnt = calloc(n, sizeof *c->bcnt);
    eo_layer_desc *descs = calloc((size_t)nl, sizeof *descs);
    if (!c->seg || !c->first || !c->last || !c->poff || !c->pcnt || !c->boff || !c->bcnt || !descs) {
        free(descs);
        eo__chain_destroy(c);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    }
    c->nseg = nseg;
    for (int i = 0; i < nl; i++) eo_model_layer(m, i, &descs[i], NULL, NULL, NULL, NULL);
    int st = EO_OK;
    for (int k = 0; k < nseg && !st; k++) {
        int f = k ? ends[k - 1] + 1 : 0, l = ends[k];
        c->first[k] = f;
        c->last[k] = l;
        int64_t in[3];
        size_t po, pc, bo, bc, po2, pc2, bo2, bc2;
        eo_model_layer(m, f, NULL, in, NULL, &po, &pc);
        eo_model_layer(m, l, NULL, NULL, NULL, &po2, &pc2);
        eo_model_layer_buffers(m, f, &bo, &bc);
        eo_model_layer_buffers(m, l, &bo2, &bc2);
        c->poff[k] = po;
        c->pcnt[k] = po2 + pc2 - po;
        c->boff[k] = bo;
        c->bcnt[k] = bo2 + bc2 - bo;
        st = eo_model_create(in, descs + f, l - f + 1, NULL, &c->seg[k], err);
        if (!st && (eo_model_nparams(c->seg[k]) != c->pcnt[k] || eo_model_nbuffers(c->seg[k]) != c->bcnt[k]))
            st = eo_error_set(err, EO_ERR_STATE, "segment %d does not reproduce the model's parameter layout", k);
    }
    free(descs);
    if (st) {
        eo__chain_destroy(c);
        return st;
    }
    eo__chain_load(c, m);
    return EO_OK;
}

int eo__chain_reserve(eo__chain *c, int max_batch, eo_error *err)
{
    for (int k = 0; k < c->nseg; k++) {
        int st = eo_model_reserve(c->seg[k], max_batch, err);
        if (st) return st;
    }
    return EO_OK;
}
