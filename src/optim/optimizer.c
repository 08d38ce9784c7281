/* The first-order optimizer handle: names, PyTorch defaults, validation,
 * create/destroy, step dispatch to the update rules (sgd.c ... radam.c),
 * learning rate, reset. Checkpoint images are in optimizer_state.c. */
#include <math.h>
#include <string.h>

#include "optim/optimizer_impl.h"
#include "optim/optimizer_struct.h"

static const char *const kind_names[EO_OPTIM_COUNT] = {
    [EO_OPTIM_SGD] = "sgd",           [EO_OPTIM_ADAGRAD] = "adagrad",
    [EO_OPTIM_RMSPROP] = "rmsprop",   [EO_OPTIM_ADADELTA] = "adadelta",
    [EO_OPTIM_ADAM] = "adam",         [EO_OPTIM_ADAMW] = "adamw",
    [EO_OPTIM_NADAM] = "nadam",       [EO_OPTIM_RADAM] = "radam",
};

const char *eo_optim_kind_name(int kind)
{
    if (kind < 0 || kind >= EO_OPTIM_COUNT) return "unknown";
    return kind_names[kind];
}

int eo_optim_kind_from_name(const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < EO_OPTIM_COUNT; k++)
        if (!strcmp(name, kind_names[k])) return k;
    return -1;
}

eo_optim_params eo_optim_defaults(eo_optim_kind kind)
{
    eo_optim_params p;
    memset(&p, 0, sizeof p);
    if ((int)kind < 0 || kind >= EO_OPTIM_COUNT) kind = EO_OPTIM_SGD;
    p.kind = kind;
    /* Neutral values for fields a kind does not use, PyTorch's where it has one. */
    p.lr = 1e-3;
    p.beta1 = 0.9;
    p.beta2 = 0.999;
    p.eps = 1e-8;
    p.alpha = 0.99;
    p.rho = 0.9;
    p.momentum_decay = 4e-3;
    switch (kind) {
    case EO_OPTIM_SGD: break;
    case EO_OPTIM_ADAGRAD: p.lr = 1e-2; p.eps = 1e-10; break;
    case EO_OPTIM_RMSPROP: p.lr = 1e-2; break;
    case EO_OPTIM_ADADELTA: p.lr = 1.0; p.eps = 1e-6; break;
    case EO_OPTIM_ADAM: break;
    case EO_OPTIM_ADAMW: p.weight_decay = 1e-2; break;
    case EO_OPTIM_NADAM: p.lr = 2e-3; break;
    case EO_OPTIM_RADAM: break;
    default: break;
    }
    return p;
}

static int bad(double v) { return !isfinite(v); }
static int notbool(int b) { return b != 0 && b != 1; }

const char *eo_optim_check(const eo_optim_params *p)
{
    if (!p) return "no parameters";
    if ((int)p->kind < 0 || p->kind >= EO_OPTIM_COUNT) return "unknown optimizer kind";
    if (bad(p->lr) || p->lr < 0) return "lr must be a finite number >= 0";
    if (bad(p->weight_decay) || p->weight_decay < 0)
        return "weight_decay must be a finite number >= 0";
    if (notbool(p->maximize)) return "maximize must be 0 or 1";
    if (p->kind != EO_OPTIM_SGD && (bad(p->eps) || p->eps < 0))
        return "eps must be a finite number >= 0";
    switch (p->kind) {
    case EO_OPTIM_SGD:
        if (bad(p->momentum) || p->momentum < 0) return "momentum must be a finite number >= 0";
        if (bad(p->dampening)) return "dampening must be finite";
        if (notbool(p->nesterov)) return "nesterov must be 0 or 1";
        if (p->nesterov && (p->momentum <= 0 || p->dampening != 0))
            return "nesterov needs momentum > 0 and dampening = 0";
        break;
    case EO_OPTIM_ADAGRAD:
        if (bad(p->lr_decay) || p->lr_decay < 0) return "lr_decay must be a finite number >= 0";
        if (bad(p->initial_accumulator_value) || p->initial_accumulator_value < 0)
            return "initial_accumulator_value must be a finite number >= 0";
        break;
    case EO_OPTIM_RMSPROP:
        if (bad(p->alpha) || p->alpha < 0) return "alpha must be a finite number >= 0";
        if (bad(p->momentum) || p->momentum < 0) return "momentum must be a finite number >= 0";
        if (notbool(p->centered)) return "centered must be 0 or 1";
        break;
    case EO_OPTIM_ADADELTA:
        if (bad(p->rho) || p->rho < 0 || p->rho > 1) return "rho must be in [0, 1]";
        break;
    case EO_OPTIM_ADAM:
    case EO_OPTIM_ADAMW:
    case EO_OPTIM_NADAM:
    case EO_OPTIM_RADAM:
        if (bad(p->beta1) || p->beta1 < 0 || p->beta1 >= 1) return "beta1 must be in [0, 1)";
        if (bad(p->beta2) || p->beta2 < 0 || p->beta2 >= 1) return "beta2 must be in [0, 1)";
        if (notbool(p->amsgrad)) return "amsgrad must be 0 or 1";
        if (notbool(p->decoupled_weight_decay)) return "decoupled_weight_decay must be 0 or 1";
        if (p->kind == EO_OPTIM_NADAM && (bad(p->momentum_decay) || p->momentum_decay < 0))
            return "momentum_decay must be a finite number >= 0";
        break;
    default: break;
    }
    return NULL;
}

int eo__optim_nslots(const eo_optim_params *p)
{
    switch (p->kind) {
    case EO_OPTIM_SGD: return p->momentum != 0.0;
    case EO_OPTIM_ADAGRAD: return 1;
    case EO_OPTIM_RMSPROP: return 1 + (p->centered != 0) + (p->momentum > 0.0);
    case EO_OPTIM_ADADELTA: return 2;
    case EO_OPTIM_ADAM:
    case EO_OPTIM_ADAMW: return 2 + (p->amsgrad != 0);
    case EO_OPTIM_NADAM:
    case EO_OPTIM_RADAM: return 2;
    default: return 0;
    }
}

double eo__optim_slot_init(const eo_optim_params *p, int k)
{
    if (p->kind == EO_OPTIM_ADAGRAD && k == 0) return p->initial_accumulator_value;
    return 0.0;
}


/* ------------------------------------------------------------ lifecycle */

#define SLOT_ALIGN 64

static size_t align_up(size_t v) { return (v + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1); }

/* Bytes for one slot of n entries (rounded up to the alignment), 0 on overflow. */
static size_t slot_bytes(size_t n, eo_optim_precision prec)
{
    size_t elem = prec == EO_OPTIM_PREC_F32 ? 4 : 8, b;
    if (!eo_size_mul(n, elem, &b) || b > SIZE_MAX - SLOT_ALIGN) return 0;
    return align_up(b);
}

size_t eo_optimizer_memory_size(const eo_optim_params *p, size_t n, eo_optim_precision prec)
{
    if (!p || n == 0) return 0;
    size_t sb = slot_bytes(n, prec), total, slots;
    if (!sb || !eo_size_mul(sb, (size_t)eo__optim_nslots(p), &slots)) return 0;
    if (!eo_size_add(align_up(sizeof(eo_optimizer)) + SLOT_ALIGN, slots, &total)) return 0;
    return total;
}

/* Put every slot (and the scalar state) at its starting value in precision elem. */
void eo__optimizer_init_state(eo_optimizer *o, int elem)
{
    o->elem = elem;
    o->t = 0;
    for (int k = 0; k < EO__OPTIM_NSCALARS; k++) o->scalar[k] = 1.0; /* empty products */
    for (int k = 0; k < o->nslots; k++) {
        double v = eo__optim_slot_init(&o->p, k);
        if (elem == 4) {
            float *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++) s[i] = (float)v;
        } else if (elem == 8) {
            double *s = o->slot[k];
            for (size_t i = 0; i < o->n; i++) s[i] = v;
        }
    }
}

int eo_optimizer_create_prec(const eo_optim_params *p, size_t n, eo_optim_precision prec,
                             const eo_allocator *alloc, eo_optimizer **out, eo_error *err)
{
    if (!out) return eo_error_set(err, EO_ERR_INVALID, "eo_optimizer_create: out is NULL");
    *out = NULL;
    if (!p) return eo_error_set(err, EO_ERR_INVALID, "eo_optimizer_create: params are NULL");
    const char *why = eo_optim_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s: %s", eo_optim_kind_name(p->kind), why);
    if (n == 0) return eo_error_set(err, EO_ERR_INVALID, "optimizer needs n >= 1 parameters");
    if (prec != EO_OPTIM_PREC_ANY && prec != EO_OPTIM_PREC_F32 && prec != EO_OPTIM_PREC_F64)
        return eo_error_set(err, EO_ERR_INVALID, "precision must be ANY, F32 or F64");
    size_t total = eo_optimizer_memory_size(p, n, prec);
    if (!total) return eo_error_set(err, EO_ERR_RANGE, "optimizer state for n = %zu overflows", n);
    void *block = eo_alloc(alloc, total);
    if (!block) return eo_error_set(err, EO_ERR_NOMEM, "optimizer state: %zu bytes", total);
    /* The struct first, then the slots at the next 64-byte boundary. */
    eo_optimizer *o = block;
    memset(o, 0, sizeof *o);
    o->block = block;
    o->p = *p;
    o->n = n;
    o->prec = prec;
    o->nslots = eo__optim_nslots(p);
    if (alloc) {
        o->alloc = *alloc;
        o->has_alloc = 1;
    }
    uintptr_t base = (uintptr_t)((unsigned char *)block + sizeof(eo_optimizer));
    base = (base + SLOT_ALIGN - 1) & ~(uintptr_t)(SLOT_ALIGN - 1);
    size_t sb = slot_bytes(n, prec);
    for (int k = 0; k < o->nslots; k++) o->slot[k] = (unsigned char *)base + (size_t)k * sb;
    eo__optimizer_init_state(o, prec == EO_OPTIM_PREC_ANY ? 0 : (int)prec);
    *out = o;
    return EO_OK;
}

int eo_optimizer_create(const eo_optim_params *p, size_t n, const eo_allocator *alloc,
                        eo_optimizer **out, eo_error *err)
{
    return eo_optimizer_create_prec(p, n, EO_OPTIM_PREC_ANY, alloc, out, err);
}

void eo_optimizer_destroy(eo_optimizer *o)
{
    if (!o) return;
    eo_allocator a = o->alloc;
    int has = o->has_alloc;
    eo_free(has ? &a : NULL, o->block);
}

/* ----------------------------------------------------------------- step */

typedef void (*step_f32_fn)(const eo__step_args *, float *, const float *, float *const *);
typedef void (*step_f64_fn)(const eo__step_args *, double *, const double *, double *const *);

static const struct {
    step_f32_fn f32;
    step_f64_fn f64;
} rules[EO_OPTIM_COUNT] = {
    [EO_OPTIM_SGD] = {eo__sgd_step_f32, eo__sgd_step_f64},
    [EO_OPTIM_ADAGRAD] = {eo__adagrad_step_f32, eo__adagrad_step_f64},
    [EO_OPTIM_RMSPROP] = {eo__rmsprop_step_f32, eo__rmsprop_step_f64},
    [EO_OPTIM_ADADELTA] = {eo__adadelta_step_f32, eo__adadelta_step_f64},
    [EO_OPTIM_ADAM] = {eo__adam_step_f32, eo__adam_step_f64},
    [EO_OPTIM_ADAMW] = {eo__adam_step_f32, eo__adam_step_f64},
    [EO_OPTIM_NADAM] = {eo__nadam_step_f32, eo__nadam_step_f64},
    [EO_OPTIM_RADAM] = {eo__radam_step_f32, eo__radam_step_f64},
};

/* Fix the precision on the first step of a PREC_ANY optimizer; refuse a
 * step of the other precision afterwards. */
static int claim(eo_optimizer *o, int elem)
{
    if (o->elem == elem) return EO_OK;
    if (o->elem != 0) return EO_ERR_STATE;
    eo__optimizer_init_state(o, elem);
    return EO_OK;
}

int eo_optimizer_step_f32(eo_optimizer *o, float *x, const float *g, const uint8_t *decay_mask)
{
    if (!o || !x || !g) return EO_ERR_INVALID;
    int rc = claim(o, 4);
    if (rc) return rc;
    o->t++;
    eo__step_args a = {&o->p, o->t, o->scalar, o->n, decay_mask};
    float *slot[EO__OPTIM_MAX_SLOTS] = {o->slot[0], o->slot[1], o->slot[2]};
    rules[o->p.kind].f32(&a, x, g, slot);
    return EO_OK;
}

int eo_optimizer_step_f64(eo_optimizer *o, double *x, const double *g, const uint8_t *decay_mask)
{
    if (!o || !x || !g) return EO_ERR_INVALID;
    int rc = claim(o, 8);
    if (rc) return rc;
    o->t++;
    eo__step_args a = {&o->p, o->t, o->scalar, o->n, decay_mask};
    double *slot[EO__OPTIM_MAX_SLOTS] = {o->slot[0], o->slot[1], o->slot[2]};
    rules[o->p.kind].f64(&a, x, g, slot);
    return EO_OK;
}

/* ------------------------------------------------------------ accessors */

void eo_optimizer_set_lr(eo_optimizer *o, double lr)
{
    if (o) o->p.lr = lr;
}

double eo_optimizer_get_lr(const eo_optimizer *o) { return o ? o->p.lr : 0.0; }
long eo_optimizer_steps(const eo_optimizer *o) { return o ? o->t : 0; }
size_t eo_optimizer_size(const eo_optimizer *o) { return o ? o->n : 0; }
const eo_optim_params *eo_optimizer_params(const eo_optimizer *o) { return o ? &o->p : NULL; }

void eo_optimizer_reset(eo_optimizer *o)
{
    if (!o) return;
    eo__optimizer_init_state(o, o->prec == EO_OPTIM_PREC_ANY ? 0 : (int)o->prec);
}
