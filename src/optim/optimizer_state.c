/* Checkpoint image of an optimizer (bit-exact resume), little-endian,
 * written field by field:
 *
 *   off  size  field
 *     0     8  magic "EOOPTST\0"
 *     8     4  version (1)
 *    12     4  kind (eo_optim_kind)
 *    16     8  n
 *    24     4  bytes per state entry: 0 (no step taken yet: no arrays), 4 or 8
 *    28     4  number of state arrays
 *    32     8  steps taken (signed)
 *    40    32  scalar state (f64 each): beta1^t, beta2^t, NAdam's prod mu_i, 0.96^(t psi)
 *    72    96  lr momentum dampening weight_decay beta1 beta2 eps alpha rho
 *              lr_decay initial_accumulator_value momentum_decay (f64 each)
 *   168     4  flags: nesterov 1, amsgrad 2, centered 4, decoupled_weight_decay 8, maximize 16
 *   172     4  reserved (0)
 *   176     .  state arrays, one after the other, n entries each (f32/f64 bits)
 *   end-4   4  FNV-1a 32 of every byte before it */
#include <math.h>
#include <string.h>

#include "optim/optimizer_struct.h"

#define IMG_VERSION 1u
#define IMG_HEADER 176u
#define IMG_PARAMS 72u
_Static_assert(40 + 8 * EO__OPTIM_NSCALARS == IMG_PARAMS, "scalars fill 40..72");
static const unsigned char img_magic[8] = {'E', 'O', 'O', 'P', 'T', 'S', 'T', 0};

void eo__put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void eo__put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void eo__put_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    eo__put_u64(p, u);
}

uint32_t eo__get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

uint64_t eo__get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

double eo__get_f64(const unsigned char *p)
{
    uint64_t u = eo__get_u64(p);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

uint32_t eo__fnv1a32(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* Bytes of the arrays for (n, nslots, elem); 0 and *ok = 0 on overflow. */
static size_t arrays_bytes(size_t n, int nslots, int elem, int *ok)
{
    size_t a, b;
    *ok = eo_size_mul(n, (size_t)elem, &a) && eo_size_mul(a, (size_t)nslots, &b);
    return *ok ? b : 0;
}

size_t eo_optimizer_state_size(const eo_optimizer *o)
{
    if (!o) return 0;
    int ok;
    size_t arr = arrays_bytes(o->n, o->nslots, o->elem, &ok), total;
    if (!ok || !eo_size_add(arr, IMG_HEADER + 4u, &total)) return 0;
    return total;
}

static void put_params(unsigned char *b, const eo_optim_params *p)
{
    const double f[12] = {p->lr,   p->momentum, p->dampening, p->weight_decay,
                          p->beta1, p->beta2,   p->eps,       p->alpha,
                          p->rho,   p->lr_decay, p->initial_accumulator_value,
                          p->momentum_decay};
    for (int i = 0; i < 12; i++) eo__put_f64(b + IMG_PARAMS + 8 * i, f[i]);
    uint32_t flags = (p->nesterov ? 1u : 0u) | (p->amsgrad ? 2u : 0u) | (p->centered ? 4u : 0u) |
                     (p->decoupled_weight_decay ? 8u : 0u) | (p->maximize ? 16u : 0u);
    eo__put_u32(b + IMG_PARAMS + 96, flags);
    eo__put_u32(b + IMG_PARAMS + 100, 0);
}

static void get_params(const unsigned char *b, eo_optim_params *p)
{
    double *f[12] = {&p->lr,   &p->momentum, &p->dampening, &p->weight_decay,
                     &p->beta1, &p->beta2,   &p->eps,       &p->alpha,
                     &p->rho,   &p->lr_decay, &p->initial_accumulator_value,
                     &p->momentum_decay};
    for (int i = 0; i < 12; i++) *f[i] = eo__get_f64(b + IMG_PARAMS + 8 * i);
    uint32_t flags = eo__get_u32(b + IMG_PARAMS + 96);
    p->nesterov = (flags & 1u) != 0;
    p->amsgrad = (flags & 2u) != 0;
    p->centered = (flags & 4u) != 0;
    p->decoupled_weight_decay = (flags & 8u) != 0;
    p->maximize = (flags & 16u) != 0;
}

/* 0 when the state holds what eo_optimizer_state_load refuses. */
static int state_loadable(const eo_optimizer *o)
{
    for (int k = 0; k < EO__OPTIM_NSCALARS; k++)
        if (!(o->scalar[k] >= 0.0 && o->scalar[k] <= 1.0)) return 0;
    for (int k = 0; k < o->nslots && o->elem; k++) {
        if (o->elem == 4) {
            const float *v = o->slot[k];
            for (size_t i = 0; i < o->n; i++)
                if (isnan(v[i])) return 0;
        } else {
            const double *v = o->slot[k];
            for (size_t i = 0; i < o->n; i++)
                if (isnan(v[i])) return 0;
        }
    }
    return 1;
}

int eo_optimizer_state_save(const eo_optimizer *o, void *buf, size_t size)
{
    if (!o || !buf) return EO_ERR_INVALID;
    size_t need = eo_optimizer_state_size(o);
    if (!need) return EO_ERR_RANGE;
    if (size < need) return EO_ERR_RANGE;
    if (!state_loadable(o)) return EO_ERR_NUMERIC; /* save refuses what load would refuse */
    unsigned char *b = buf;
    memcpy(b, img_magic, 8);
    eo__put_u32(b + 8, IMG_VERSION);
    eo__put_u32(b + 12, (uint32_t)o->p.kind);
    eo__put_u64(b + 16, (uint64_t)o->n);
    eo__put_u32(b + 24, (uint32_t)o->elem);
    eo__put_u32(b + 28, (uint32_t)o->nslots);
    eo__put_u64(b + 32, (uint64_t)(int64_t)o->t);
    for (int k = 0; k < EO__OPTIM_NSCALARS; k++) eo__put_f64(b + 40 + 8 * k, o->scalar[k]);
    put_params(b, &o->p);
    unsigned char *q = b + IMG_HEADER;
    for (int k = 0; k < o->nslots && o->elem; k++) {
        if (o->elem == 4) {
            const float *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++, q += 4) {
                uint32_t u;
                memcpy(&u, &s[i], 4);
                eo__put_u32(q, u);
            }
        } else {
            const double *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++, q += 8) eo__put_f64(q, s[i]);
        }
    }
    eo__put_u32(q, eo__fnv1a32(b, (size_t)(q - b)));
    return EO_OK;
}

#define WHERE "optimizer state"

int eo_optimizer_state_load(eo_optimizer *o, const void *buf, size_t size, eo_error *err)
{
    if (!o || !buf) return eo_error_set(err, EO_ERR_INVALID, "eo_optimizer_state_load: NULL argument");
    const unsigned char *b = buf;
    if (size < IMG_HEADER + 4u)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, (long long)size,
                           "image of %zu bytes is shorter than its %u-byte header", size,
                           IMG_HEADER + 4u);
    if (memcmp(b, img_magic, 8))
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 0, "bad magic (not an optimizer state)");
    uint32_t version = eo__get_u32(b + 8);
    if (version != IMG_VERSION)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 8, "version %u, this build reads %u",
                           (unsigned)version, (unsigned)IMG_VERSION);
    uint32_t kind = eo__get_u32(b + 12);
    if (kind != (uint32_t)o->p.kind)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 12, "state is for %s, optimizer is %s",
                           eo_optim_kind_name((int)(kind < EO_OPTIM_COUNT ? kind : EO_OPTIM_COUNT)),
                           eo_optim_kind_name(o->p.kind));
    uint64_t n = eo__get_u64(b + 16);
    if (n != (uint64_t)o->n)
        return eo_error_at(err, EO_ERR_SHAPE, WHERE, 0, 0, 16,
                           "state is for %llu parameters, optimizer has %zu",
                           (unsigned long long)n, o->n);
    uint32_t elem = eo__get_u32(b + 24);
    if (elem != 0 && elem != 4 && elem != 8)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 24, "bad entry size %u", (unsigned)elem);
    if (elem != 0 && o->prec != EO_OPTIM_PREC_ANY && elem != (uint32_t)o->prec)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 24,
                           "state holds %u-byte entries, optimizer was created for %d", (unsigned)elem,
                           (int)o->prec);
    uint32_t nslots = eo__get_u32(b + 28);
    eo_optim_params p = o->p;
    get_params(b, &p);
    const char *why = eo_optim_check(&p);
    if (why) return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, IMG_PARAMS, "hyperparameters: %s", why);
    if (nslots != (uint32_t)eo__optim_nslots(&p) || (int)nslots != o->nslots)
        return eo_error_at(err, EO_ERR_SHAPE, WHERE, 0, 0, 28,
                           "state has %u arrays, this optimizer keeps %d", (unsigned)nslots, o->nslots);
    int ok;
    size_t arr = arrays_bytes(o->n, (int)nslots, (int)elem, &ok);
    if (!ok || arr > SIZE_MAX - IMG_HEADER - 4u || size != IMG_HEADER + arr + 4u)
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, (long long)size,
                           "image is %zu bytes, expected %zu", size,
                           ok ? (size_t)(IMG_HEADER + arr + 4u) : (size_t)0);
    uint32_t sum = eo__get_u32(b + size - 4);
    if (sum != eo__fnv1a32(b, size - 4))
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, (long long)(size - 4),
                           "checksum mismatch (corrupt image)");
    int64_t t = (int64_t)eo__get_u64(b + 32);
    if (t < 0 || (elem == 0 && t != 0))
        return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 32, "bad step count %lld", (long long)t);

    /* NaN moments or running products outside [0, 1] would turn the next
     * step's parameters into NaN: refuse them, with the offset of the first.
     * (An infinite second moment is a legal overflow of g^2: it round-trips.)
     * eo_optimizer_state_save refuses the same states. */
    for (int k = 0; k < EO__OPTIM_NSCALARS; k++) { /* running products of factors in [0, 1] */
        double v = eo__get_f64(b + 40 + 8 * k);
        if (!(v >= 0.0 && v <= 1.0))
            return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, 40 + 8 * k, "running product %d is %g, not in [0, 1]",
                               k, v);
    }
    for (size_t off = IMG_HEADER; elem && off < IMG_HEADER + arr; off += elem) {
        double v;
        if (elem == 4) {
            uint32_t u = eo__get_u32(b + off);
            float f;
            memcpy(&f, &u, 4);
            v = f;
        } else {
            v = eo__get_f64(b + off);
        }
        if (isnan(v)) return eo_error_at(err, EO_ERR_FORMAT, WHERE, 0, 0, (long long)off, "state entry is NaN");
    }

    /* Everything checked: apply. */
    o->p = p;
    o->elem = (int)elem;
    o->t = (long)t;
    for (int k = 0; k < EO__OPTIM_NSCALARS; k++) o->scalar[k] = eo__get_f64(b + 40 + 8 * k);
    const unsigned char *q = b + IMG_HEADER;
    for (int k = 0; k < o->nslots && elem; k++) {
        if (elem == 4) {
            float *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++, q += 4) {
                uint32_t u = eo__get_u32(q);
                memcpy(&s[i], &u, 4);
            }
        } else {
            double *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++, q += 8) s[i] = eo__get_f64(q);
        }
    }
    if (elem == 0) eo__optimizer_init_state(o, o->prec == EO_OPTIM_PREC_ANY ? 0 : (int)o->prec);
    return EO_OK;
}
