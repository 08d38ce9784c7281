/* Loss landscapes: slices, planes and interpolation through a model's
 * weights, with filter-normalized random directions (Li et al., "Visualizing
 * the loss landscape of neural nets", NeurIPS 2018, Sec. 4) and the straight
 * line between two solutions (Goodfellow, Vinyals & Saxe, ICLR 2015).
 * The PCA directions of a trajectory are in landscape_pca.c, the figure in
 * landscape_plot.c. Contracts in edgeopt/landscape.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/landscape.h"
#include "edgeopt/train.h"

static const char *const dirs_names[EO_LANDSCAPE_DIRS_COUNT] = {"random", "pca"};

const char *eo_landscape_dirs_name(int dirs)
{
    return dirs >= 0 && dirs < EO_LANDSCAPE_DIRS_COUNT ? dirs_names[dirs] : "unknown";
}

int eo_landscape_dirs_from_name(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < EO_LANDSCAPE_DIRS_COUNT; i++)
        if (!strcmp(name, dirs_names[i])) return i;
    return -1;
}

eo_landscape_data eo_landscape_data_defaults(void)
{
    eo_landscape_data d;
    memset(&d, 0, sizeof d);
    d.loss = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    d.batch = 256;
    return d;
}

void eo_landscape_linspace(double lo, double hi, size_t n, double *out)
{
    if (n == 0) return;
    if (n == 1) {
        out[0] = lo;
        return;
    }
    /* Weighted form: exact end points, and -s..s is symmetric with an exact
     * 0 in the middle for odd n. */
    const double d = (double)(n - 1);
    for (size_t i = 0; i < n; i++) out[i] = (lo * (double)(n - 1 - i) + hi * (double)i) / d;
}

/* ------------------------------------------------------------ directions */

/* Rows (filters / neurons / channels) of the weight block of layer i, or 0
 * for a layer whose parameters are not weights to normalize per unit. */
static size_t weight_rows(const eo_layer_desc *d, const int64_t in[3])
{
    switch (d->kind) {
    case EO_LAYER_DENSE:
    case EO_LAYER_CONV2D:
        return (size_t)d->units;
    case EO_LAYER_DWCONV2D:
        return (size_t)in[0];
    default:
        return 0;
    }
}

int eo_landscape_filter_normalize(const eo_model *m, float *dir)
{
    if (!m || !dir) return EO_ERR_INVALID;
    const float *theta = eo_model_params_const(m);
    const uint8_t *mask = eo_model_weight_mask(m);
    for (int l = 0; l < eo_model_nlayers(m); l++) {
        eo_layer_desc d;
        int64_t in[3];
        size_t off, cnt;
        eo_model_layer(m, l, &d, in, NULL, &off, &cnt);
        if (!cnt) continue;
        size_t nw = 0; /* the weights are a prefix of the layer's parameters */
        while (nw < cnt && mask[off + nw]) nw++;
        size_t rows = weight_rows(&d, in);
        if (rows == 0 || nw == 0 || nw % rows != 0) nw = 0; /* nothing to normalize: zero it all */
        for (size_t r = 0; r < (nw ? rows : 0); r++) {
            size_t fan = nw / rows, b = off + r * fan;
            double wn = 0, dn = 0;
            for (size_t j = 0; j < fan; j++) {
                wn += (double)theta[b + j] * (double)theta[b + j];
                dn += (double)dir[b + j] * (double)dir[b + j];
            }
            double s = dn > 0 ? sqrt(wn) / sqrt(dn) : 0.0;
            for (size_t j = 0; j < fan; j++) dir[b + j] = (float)((double)dir[b + j] * s);
        }
        /* Biases, batch-norm parameters and anything else: no movement. */
        for (size_t j = nw; j < cnt; j++) dir[off + j] = 0.0f;
    }
    return EO_OK;
}

int eo_landscape_random_direction(const eo_model *m, eo_rng *rng, float *dir)
{
    if (!m || !rng || !dir) return EO_ERR_INVALID;
    size_t n = eo_model_nparams(m);
    for (size_t i = 0; i < n; i++) dir[i] = (float)eo_rng_normal(rng);
    return eo_landscape_filter_normalize(m, dir);
}

/* ------------------------------------------------------------ evaluation */

/* The model's parameters and buffers before the walk, put back at the end. */
typedef struct saved {
    float *p, *b;
    size_t np, nb;
} saved;

static int save_model(eo_model *m, saved *s, eo_error *err)
{
    s->np = eo_model_nparams(m);
    s->nb = eo_model_nbuffers(m);
    s->p = malloc((s->np ? s->np : 1) * sizeof(float));
    s->b = malloc((s->nb ? s->nb : 1) * sizeof(float));
    if (!s->p || !s->b) {
        free(s->p);
        free(s->b);
        return eo_error_set(err, EO_ERR_NOMEM, "out of memory for a copy of the %zu parameters", s->np);
    }
    memcpy(s->p, eo_model_params(m), s->np * sizeof(float));
    if (s->nb) memcpy(s->b, eo_model_buffers(m), s->nb * sizeof(float));
    return EO_OK;
}

static void restore_model(eo_model *m, saved *s)
{
    memcpy(eo_model_params(m), s->p, s->np * sizeof(float));
    if (s->nb) memcpy(eo_model_buffers(m), s->b, s->nb * sizeof(float));
    free(s->p);
    free(s->b);
}

static int eval_point(eo_model *m, const eo_landscape_data *data, double *loss, double *acc, eo_error *err)
{
    eo_eval_report rep;
    int st = eo_evaluate(m, data->ds, data->rows, data->rows ? data->n : 0, data->scaler, &data->loss,
                         data->batch > 0 ? data->batch : 256, data->par, &rep, err);
    if (st) return st;
    *loss = rep.loss;
    if (acc) *acc = rep.classification ? rep.cls.accuracy : NAN;
    eo_eval_report_free(&rep);
    return EO_OK;
}

static int check_data(const eo_model *m, const eo_landscape_data *data, eo_error *err)
{
    if (!data || !data->ds) return eo_error_set(err, EO_ERR_INVALID, "landscape: no data");
    const char *why = eo_loss_params_check(&data->loss);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "landscape: %s", why);
    return eo_train_check_data(m, data->ds, data->loss.kind, data->ds->name, err);
}

static int tick(const eo_landscape_data *data, size_t done, size_t total, eo_error *err)
{
    if (data->progress && data->progress(done, total, data->progress_user))
        return eo_error_set(err, EO_ERR_INTERRUPTED, "stopped after %zu of %zu points", done, total);
    return EO_OK;
}

int eo_landscape_plane(eo_model *m, const float *d1, const float *d2, const double *alpha, size_t na,
                       const double *beta, size_t nb, const eo_landscape_data *data, double *loss, double *acc,
                       eo_error *err)
{
    if (!m || !d1 || !alpha || !loss || (nb && !beta) || (nb > 1 && !d2))
        return eo_error_set(err, EO_ERR_INVALID, "landscape: NULL argument");
    int st = check_data(m, data, err);
    if (st) return st;
    saved s;
    if ((st = save_model(m, &s, err))) return st;
    float *p = eo_model_params(m);
    size_t total = na * (nb ? nb : 1);
    for (size_t j = 0; j < (nb ? nb : 1) && !st; j++) {
        double b = nb ? beta[j] : 0.0;
        for (size_t i = 0; i < na && !st; i++) {
            double a = alpha[i];
            for (size_t q = 0; q < s.np; q++) {
                double v = (double)s.p[q] + a * (double)d1[q];
                if (nb) v += b * (double)d2[q];
                p[q] = (float)v;
            }
            size_t at = j * na + i;
            st = eval_point(m, data, &loss[at], acc ? &acc[at] : NULL, err);
            if (!st) st = tick(data, at + 1, total, err);
        }
    }
    restore_model(m, &s);
    return st;
}

int eo_landscape_line(eo_model *m, const float *dir, const double *alpha, size_t na,
                      const eo_landscape_data *data, double *loss, double *acc, eo_error *err)
{
    return eo_landscape_plane(m, dir, NULL, alpha, na, NULL, 0, data, loss, acc, err);
}

static int same_architecture(const eo_model *a, const eo_model *b, eo_error *err)
{
    if (eo_model_nlayers(a) != eo_model_nlayers(b) || eo_model_nparams(a) != eo_model_nparams(b) ||
        eo_model_nbuffers(a) != eo_model_nbuffers(b))
        return eo_error_set(err, EO_ERR_SHAPE, "the two models differ (%d vs %d layers, %zu vs %zu parameters)",
                            eo_model_nlayers(a), eo_model_nlayers(b), eo_model_nparams(a), eo_model_nparams(b));
    for (int l = 0; l < eo_model_nlayers(a); l++) {
        eo_layer_desc da, db;
        int64_t ia[3], ib[3], oa[3], ob[3];
        eo_model_layer(a, l, &da, ia, oa, NULL, NULL);
        eo_model_layer(b, l, &db, ib, ob, NULL, NULL);
        if (da.kind != db.kind || memcmp(ia, ib, sizeof ia) || memcmp(oa, ob, sizeof oa))
            return eo_error_set(err, EO_ERR_SHAPE, "the two models differ at layer %d (%s vs %s)", l + 1,
                                eo_layer_kind_name(da.kind), eo_layer_kind_name(db.kind));
    }
    return EO_OK;
}

/* Batch-norm running variances extrapolated beyond the two models (t < 0 or
 * t > 1) can turn negative: clamp them at 0 (eps keeps the division finite). */
static void clamp_variances(const eo_model *m, float *buf)
{
    for (int l = 0; l < eo_model_nlayers(m); l++) {
        eo_layer_desc d;
        size_t off, cnt;
        eo_model_layer(m, l, &d, NULL, NULL, NULL, NULL);
        eo_model_layer_buffers(m, l, &off, &cnt);
        if (d.kind != EO_LAYER_BATCHNORM) continue;
        for (size_t c = cnt / 2; c < cnt; c++)
            if (!(buf[off + c] >= 0.0f)) buf[off + c] = 0.0f;
    }
}

int eo_landscape_interpolate(eo_model *a, const eo_model *b, const double *alpha, size_t na,
                             const eo_landscape_data *data, double *loss, double *acc, eo_error *err)
{
    if (!a || !b || !alpha || !loss) return eo_error_set(err, EO_ERR_INVALID, "landscape: NULL argument");
    int st = same_architecture(a, b, err);
    if (!st) st = check_data(a, data, err);
    if (st) return st;
    saved s;
    if ((st = save_model(a, &s, err))) return st;
    float *p = eo_model_params(a), *buf = eo_model_buffers(a);
    const float *pb = eo_model_params_const(b);
    const float *bb = eo_model_nbuffers(b) ? eo_model_buffers((eo_model *)b) : NULL;
    for (size_t i = 0; i < na && !st; i++) {
        /* (1 - t) A + t B in double: exactly A at t = 0 and exactly B at t = 1. */
        double t = alpha[i], u = 1.0 - t;
        for (size_t q = 0; q < s.np; q++) p[q] = (float)(u * (double)s.p[q] + t * (double)pb[q]);
        for (size_t q = 0; q < s.nb; q++) buf[q] = (float)(u * (double)s.b[q] + t * (double)bb[q]);
        clamp_variances(a, buf);
        st = eval_point(a, data, &loss[i], acc ? &acc[i] : NULL, err);
        if (!st) st = tick(data, i + 1, na, err);
    }
    restore_model(a, &s);
    return st;
}
