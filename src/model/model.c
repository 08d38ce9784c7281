/* The model: a chain of layers over one flat parameter vector.
 *
 * Memory: eo_model_create makes ONE allocation holding the struct, the layer
 * array, params, grads, buffers and the weight mask. eo_model_reserve makes a
 * second one, the workspace: every layer's output (batch x out_numel), the
 * state layers keep between forward and backward, two ping-pong gradient
 * buffers, the input gradient and a shared scratch (im2col). Forward and
 * backward only walk these. */
#include <math.h>
#include <string.h>

#include "model/internal.h"

#define EO__ALIGN 64

static size_t align_up(size_t n)
{
    return (n + (EO__ALIGN - 1)) & ~(size_t)(EO__ALIGN - 1);
}

/* Add `bytes` (aligned) to a running total, failing on overflow. */
static int add_block(size_t *total, size_t count, size_t elem)
{
    size_t b;
    if (!eo_size_mul(count, elem, &b)) return 0;
    if (b > SIZE_MAX - EO__ALIGN) return 0;
    b = align_up(b);
    return eo_size_add(*total, b, total);
}

static unsigned char *take(unsigned char **cur, size_t count, size_t elem)
{
    unsigned char *p = *cur;
    *cur += align_up(count * elem);
    return p;
}

const eo_allocator *eo__model_allocator(const eo_model *m)
{
    return m->has_alloc ? &m->alloc : NULL;
}

static void *aligned_alloc_via(const eo_allocator *a, size_t size, void **raw)
{
    size_t total;
    if (!eo_size_add(size, EO__ALIGN, &total)) return NULL;
    unsigned char *r = eo_alloc(a, total);
    if (!r) return NULL;
    *raw = r;
    uintptr_t p = ((uintptr_t)r + (EO__ALIGN - 1)) & ~(uintptr_t)(EO__ALIGN - 1);
    return (void *)p;
}

int eo_model_create(const int64_t in_shape[3], const eo_layer_desc *layers, int nlayers,
                    const eo_allocator *alloc, eo_model **out, eo_error *err)
{
    if (!out) return eo_error_set(err, EO_ERR_INVALID, "eo_model_create: out is NULL");
    *out = NULL;
    if (!in_shape) return eo_error_set(err, EO_ERR_INVALID, "eo_model_create: in_shape is NULL");
    if (nlayers < 1 || !layers)
        return eo_error_set(err, EO_ERR_INVALID, "a model needs at least one layer");
    if (nlayers > 4096) return eo_error_set(err, EO_ERR_RANGE, "too many layers (%d)", nlayers);
    for (int i = 0; i < 3; i++)
        if (in_shape[i] < 1 || in_shape[i] > (int64_t)1 << 24)
            return eo_error_set(err, EO_ERR_SHAPE, "input shape %lld,%lld,%lld is invalid",
                                (long long)in_shape[0], (long long)in_shape[1], (long long)in_shape[2]);

    /* Pass 1: validate every layer and count parameters and buffers. */
    size_t nparams = 0, nbuffers = 0;
    int64_t shp[3] = {in_shape[0], in_shape[1], in_shape[2]};
    for (int i = 0; i < nlayers; i++) {
        const eo_layer_desc *d = &layers[i];
        if ((unsigned)d->kind >= (unsigned)EO_LAYER_COUNT)
            return eo_error_set(err, EO_ERR_INVALID, "layer %d: unknown kind %d", i + 1, (int)d->kind);
        const eo__layer_traits *t = &eo__layer_table[d->kind];
        eo__layer L;
        memset(&L, 0, sizeof L);
        L.d = *d;
        memcpy(L.in, shp, sizeof shp);
        eo_error e2;
        eo_error_clear(&e2);
        int rc = t->shape(d, shp, L.out, &e2);
        if (rc != EO_OK)
            return eo_error_set(err, rc, "layer %d (%s): %s", i + 1, t->name, e2.msg);
        L.in_numel = (size_t)(L.in[0] * L.in[1] * L.in[2]);
        L.out_numel = (size_t)(L.out[0] * L.out[1] * L.out[2]);
        size_t np = t->nparams ? t->nparams(&L) : 0;
        size_t nb = t->nbuffers ? t->nbuffers(&L) : 0;
        if (!eo_size_add(nparams, np, &nparams) || !eo_size_add(nbuffers, nb, &nbuffers) ||
            nparams > ((size_t)1 << 31))
            return eo_error_set(err, EO_ERR_RANGE, "layer %d: too many parameters", i + 1);
        memcpy(shp, L.out, sizeof shp);
    }

    size_t total = 0;
    int ok = add_block(&total, 1, sizeof(eo_model)) && add_block(&total, (size_t)nlayers, sizeof(eo__layer)) &&
             add_block(&total, nparams, sizeof(float)) && add_block(&total, nparams, sizeof(float)) &&
             add_block(&total, nbuffers, sizeof(float)) && add_block(&total, nparams, 1) &&
             eo_size_add(total, EO__ALIGN, &total);
    if (!ok) return eo_error_set(err, EO_ERR_RANGE, "model too large");
    void *raw = NULL;
    unsigned char *cur = aligned_alloc_via(alloc, total, &raw);
    if (!cur) return eo_error_set(err, EO_ERR_NOMEM, "cannot allocate the model (%zu bytes)", total);
    memset(cur, 0, total - EO__ALIGN);
    eo_model *m = (eo_model *)take(&cur, 1, sizeof(eo_model));
    m->layers = (eo__layer *)take(&cur, (size_t)nlayers, sizeof(eo__layer));
    m->params = (float *)take(&cur, nparams, sizeof(float));
    m->grads = (float *)take(&cur, nparams, sizeof(float));
    m->buffers = (float *)take(&cur, nbuffers, sizeof(float));
    m->mask = take(&cur, nparams, 1);
    if (alloc) {
        m->alloc = *alloc;
        m->has_alloc = 1;
    }
    m->nlayers = nlayers;
    memcpy(m->in_shape, in_shape, sizeof m->in_shape);
    m->in_numel = (size_t)(in_shape[0] * in_shape[1] * in_shape[2]);
    m->nparams = nparams;
    m->nbuffers = nbuffers;

    size_t po = 0, bo = 0;
    memcpy(shp, in_shape, sizeof shp);
    for (int i = 0; i < nlayers; i++) {
        eo__layer *L = &m->layers[i];
        const eo__layer_traits *t = &eo__layer_table[layers[i].kind];
        L->d = layers[i];
        memcpy(L->in, shp, sizeof shp);
        t->shape(&L->d, L->in, L->out, NULL);
        L->in_numel = (size_t)(L->in[0] * L->in[1] * L->in[2]);
        L->out_numel = (size_t)(L->out[0] * L->out[1] * L->out[2]);
        L->pcount = t->nparams ? t->nparams(L) : 0;
        L->nweights = t->nweights ? t->nweights(L) : 0;
        L->bcount = t->nbuffers ? t->nbuffers(L) : 0;
        L->poff = po;
        L->boff = bo;
        po += L->pcount;
        bo += L->bcount;
        memset(m->mask + L->poff, 1, L->nweights);
        if (t->init) t->init(L, m->params + L->poff, m->buffers + L->boff);
        memcpy(shp, L->out, sizeof shp);
    }
    m->out_numel = m->layers[nlayers - 1].out_numel;
    m->raw = raw;
    *out = m;
    return EO_OK;
}

void eo_model_destroy(eo_model *m)
{
    if (!m) return;
    const eo_allocator *a = eo__model_allocator(m);
    eo_allocator keep;
    if (a) {
        keep = *a;
        a = &keep;
    }
    eo_free(a, m->ws_raw);
    eo_free(a, m->raw);
}

int eo_model_copy(const eo_model *m, eo_model **out, eo_error *err)
{
    if (!m || !out) return eo_error_set(err, EO_ERR_INVALID, "eo_model_copy: NULL argument");
    eo_layer_desc small[16];
    eo_layer_desc *descs = small;
    void *heap = NULL;
    if (m->nlayers > 16) {
        heap = eo_alloc(eo__model_allocator(m), sizeof(eo_layer_desc) * (size_t)m->nlayers);
        if (!heap) return eo_error_set(err, EO_ERR_NOMEM, "eo_model_copy: out of memory");
        descs = heap;
    }
    for (int i = 0; i < m->nlayers; i++) descs[i] = m->layers[i].d;
    int rc = eo_model_create(m->in_shape, descs, m->nlayers, eo__model_allocator(m), out, err);
    eo_free(eo__model_allocator(m), heap);
    if (rc != EO_OK) return rc;
    if (m->nparams) memcpy((*out)->params, m->params, m->nparams * sizeof(float));
    if (m->nbuffers) memcpy((*out)->buffers, m->buffers, m->nbuffers * sizeof(float));
    (*out)->input_grad = m->input_grad;
    return EO_OK;
}

/* ------------------------------------------------------------- accessors */

int eo_model_nlayers(const eo_model *m) { return m->nlayers; }

int eo_model_layer(const eo_model *m, int i, eo_layer_desc *desc, int64_t in_shape[3],
                   int64_t out_shape[3], size_t *param_offset, size_t *param_count)
{
    if (!m || i < 0 || i >= m->nlayers) return EO_ERR_INVALID;
    const eo__layer *L = &m->layers[i];
    if (desc) *desc = L->d;
    if (in_shape) memcpy(in_shape, L->in, sizeof L->in);
    if (out_shape) memcpy(out_shape, L->out, sizeof L->out);
    if (param_offset) *param_offset = L->poff;
    if (param_count) *param_count = L->pcount;
    return EO_OK;
}

int eo_model_layer_buffers(const eo_model *m, int i, size_t *buffer_offset, size_t *buffer_count)
{
    if (!m || i < 0 || i >= m->nlayers) return EO_ERR_INVALID;
    if (buffer_offset) *buffer_offset = m->layers[i].boff;
    if (buffer_count) *buffer_count = m->layers[i].bcount;
    return EO_OK;
}

void eo_model_in_shape(const eo_model *m, int64_t shape[3]) { memcpy(shape, m->in_shape, sizeof m->in_shape); }
void eo_model_out_shape(const eo_model *m, int64_t shape[3])
{
    memcpy(shape, m->layers[m->nlayers - 1].out, sizeof m->in_shape);
}
int64_t eo_model_in_numel(const eo_model *m) { return (int64_t)m->in_numel; }
int64_t eo_model_out_numel(const eo_model *m) { return (int64_t)m->out_numel; }
size_t eo_model_nparams(const eo_model *m) { return m->nparams; }
float *eo_model_params(eo_model *m) { return m->params; }
float *eo_model_grads(eo_model *m) { return m->grads; }
const float *eo_model_params_const(const eo_model *m) { return m->params; }
size_t eo_model_nbuffers(const eo_model *m) { return m->nbuffers; }
float *eo_model_buffers(eo_model *m) { return m->nbuffers ? m->buffers : NULL; }
const uint8_t *eo_model_weight_mask(const eo_model *m) { return m->mask; }
void eo_model_set_parallel(eo_model *m, const eo_parallel *par) { m->par = par; }
void eo_model_set_input_grad(eo_model *m, int on) { m->input_grad = on != 0; }
const float *eo_model_input_grad(const eo_model *m)
{
    return (m->input_grad && m->have_dx) ? m->dx_in : NULL;
}

void eo_model_zero_grad(eo_model *m)
{
    if (m->nparams) memset(m->grads, 0, m->nparams * sizeof(float));
}

/* ------------------------------------------------------------------ init */

/* Is the first layer after i that is not batch norm or dropout ReLU-like? */
static int relu_follows(const eo_model *m, int i)
{
    for (int j = i + 1; j < m->nlayers; j++) {
        eo_layer_kind k = m->layers[j].d.kind;
        if (k == EO_LAYER_BATCHNORM || k == EO_LAYER_DROPOUT) continue;
        return eo__layer_table[k].relu_like;
    }
    return 0;
}

int eo_model_init_params(eo_model *m, eo_rng *rng)
{
    if (!m || !rng) return EO_ERR_INVALID;
    for (int i = 0; i < m->nlayers; i++) {
        eo__layer *L = &m->layers[i];
        const eo__layer_traits *t = &eo__layer_table[L->d.kind];
        float *p = m->params + L->poff;
        if (L->pcount) memset(p, 0, L->pcount * sizeof(float));
        if (L->bcount) memset(m->buffers + L->boff, 0, L->bcount * sizeof(float));
        if (t->init) t->init(L, p, m->buffers + L->boff);
        if (!L->nweights) continue;
        double fin = (double)t->fan_in(L), fout = (double)t->fan_out(L);
        if (relu_follows(m, i)) {
            /* He et al. 2015: keeps the activation variance through ReLUs. */
            double sd = sqrt(2.0 / fin);
            for (size_t j = 0; j < L->nweights; j++) p[j] = (float)(sd * eo_rng_normal(rng));
        } else {
            /* Glorot & Bengio 2010, uniform variant. */
            double lim = sqrt(6.0 / (fin + fout));
            for (size_t j = 0; j < L->nweights; j++) p[j] = (float)(lim * (2.0 * eo_rng_uniform(rng) - 1.0));
        }
    }
    return EO_OK;
}

/* ------------------------------------------------------------- workspace */

int eo_model_reserve(eo_model *m, int max_batch, eo_error *err)
{
    if (!m || max_batch < 1) return eo_error_set(err, EO_ERR_INVALID, "eo_model_reserve: batch must be >= 1");
    if (m->ws_raw && max_batch <= m->max_batch) return EO_OK;
    size_t b = (size_t)max_batch, total = 0, maxn = m->in_numel, scratch = 0;
    int ok = 1;
    for (int i = 0; i < m->nlayers && ok; i++) {
        eo__layer *L = &m->layers[i];
        const eo__layer_traits *t = &eo__layer_table[L->d.kind];
        if (L->out_numel > maxn) maxn = L->out_numel;
        size_t ab = t->aux_bytes ? t->aux_bytes(L, max_batch) : 0;
        size_t sf = t->scratch_floats ? t->scratch_floats(L, max_batch) : 0;
        if (sf > scratch) scratch = sf;
        size_t yb;
        ok = eo_size_mul(b, L->out_numel, &yb) && yb <= (size_t)INT32_MAX &&
             add_block(&total, yb, sizeof(float)) && add_block(&total, ab, 1);
    }
    size_t dn;
    ok = ok && eo_size_mul(b, maxn, &dn) && dn <= (size_t)INT32_MAX && add_block(&total, dn, sizeof(float)) &&
         add_block(&total, dn, sizeof(float)) && add_block(&total, b * m->in_numel, sizeof(float)) &&
         add_block(&total, scratch, sizeof(float)) && eo_size_add(total, EO__ALIGN, &total);
    if (!ok) return eo_error_set(err, EO_ERR_RANGE, "workspace for batch %d is too large", max_batch);
    void *raw = NULL;
    unsigned char *cur = aligned_alloc_via(eo__model_allocator(m), total, &raw);
    if (!cur) return eo_error_set(err, EO_ERR_NOMEM, "cannot allocate the workspace (%zu bytes)", total);
    eo_free(eo__model_allocator(m), m->ws_raw);
    m->ws_raw = raw;
    m->max_batch = max_batch;
    for (int i = 0; i < m->nlayers; i++) {
        eo__layer *L = &m->layers[i];
        const eo__layer_traits *t = &eo__layer_table[L->d.kind];
        size_t ab = t->aux_bytes ? t->aux_bytes(L, max_batch) : 0;
        L->y = (float *)take(&cur, b * L->out_numel, sizeof(float));
        L->aux = ab ? take(&cur, ab, 1) : NULL;
    }
    m->dbuf[0] = (float *)take(&cur, dn, sizeof(float));
    m->dbuf[1] = (float *)take(&cur, dn, sizeof(float));
    m->dx_in = (float *)take(&cur, b * m->in_numel, sizeof(float));
    m->scratch = (float *)take(&cur, scratch, sizeof(float));
    m->scratch_n = scratch;
    m->have_fwd = 0;
    m->have_dx = 0;
    return EO_OK;
}

/* --------------------------------------------------------- forward/backward */

int eo_model_forward(eo_model *m, const float *x, int batch, int train, eo_rng *dropout_rng,
                     const float **out)
{
    if (!m || !x || batch < 1 || !out) return EO_ERR_INVALID;
    if (batch > m->max_batch) {
        int rc = eo_model_reserve(m, batch, NULL);
        if (rc != EO_OK) return rc;
    }
    if (train) {
        for (int i = 0; i < m->nlayers; i++)
            if (m->layers[i].d.kind == EO_LAYER_DROPOUT && m->layers[i].d.p > 0.0f && !dropout_rng)
                return EO_ERR_INVALID;
    }
    m->have_fwd = 0;
    m->have_dx = 0;
    const float *in = x;
    for (int i = 0; i < m->nlayers; i++) {
        eo__layer *L = &m->layers[i];
        eo__run r;
        memset(&r, 0, sizeof r);
        r.L = L;
        r.batch = batch;
        r.train = train != 0;
        r.x = in;
        r.y = L->y;
        r.p = L->pcount ? m->params + L->poff : NULL;
        r.g = L->pcount ? m->grads + L->poff : NULL;
        r.buf = L->bcount ? m->buffers + L->boff : NULL;
        r.scratch = m->scratch;
        r.scratch_n = m->scratch_n;
        r.rng = dropout_rng;
        r.par = m->par;
        eo__layer_table[L->d.kind].forward(&r);
        in = L->y;
    }
    m->last_x = x;
    m->last_batch = batch;
    m->last_train = train != 0;
    m->have_fwd = 1;
    *out = in;
    return EO_OK;
}

int eo_model_backward(eo_model *m, const float *dout)
{
    if (!m || !dout) return EO_ERR_INVALID;
    if (!m->have_fwd) return EO_ERR_STATE;
    const float *dy = dout;
    for (int i = m->nlayers - 1; i >= 0; i--) {
        eo__layer *L = &m->layers[i];
        float *dx = i > 0 ? m->dbuf[i & 1] : (m->input_grad ? m->dx_in : NULL);
        if (!dx && !L->pcount) break; /* nothing left to compute */
        eo__run r;
        memset(&r, 0, sizeof r);
        r.L = L;
        r.batch = m->last_batch;
        r.train = m->last_train;
        r.x = i > 0 ? m->layers[i - 1].y : m->last_x;
        r.y = L->y;
        r.dy = dy;
        r.dx = dx;
        r.p = L->pcount ? m->params + L->poff : NULL;
        r.g = L->pcount ? m->grads + L->poff : NULL;
        r.buf = L->bcount ? m->buffers + L->boff : NULL;
        r.scratch = m->scratch;
        r.scratch_n = m->scratch_n;
        r.par = m->par;
        eo__layer_table[L->d.kind].backward(&r);
        dy = dx;
    }
    m->have_dx = m->input_grad;
    return EO_OK;
}
