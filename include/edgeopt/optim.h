/* First-order optimizers with PyTorch's semantics, learning-rate schedules and
 * gradient clipping (optim module: OS-free, libc + libm only).
 *
 * The update rules, hyperparameter names and defaults are those of torch.optim
 * (SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, NAdam, RAdam; AMSGrad is
 * Adam/AdamW with amsgrad = 1). One optimizer works on one flat parameter
 * vector x[0..n) with its gradient g[0..n): a test function's point or a
 * model's parameters. The committed script scripts/ref/optim_ref.py generates
 * PyTorch trajectories and tests/optim/test_first_order.c checks that each rule
 * follows them within 1e-5 relative for >= 200 steps (in practice the
 * float64 paths agree with PyTorch to 1e-10 relative or better).
 *
 * Ownership: the caller owns x, g and the mask; an eo_optimizer owns its state
 * (one allocation at create time through the given allocator) and is freed by
 * eo_optimizer_destroy. Steps never allocate. An optimizer is not thread-safe;
 * distinct optimizers are independent. */
#ifndef EDGEOPT_OPTIM_H
#define EDGEOPT_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "edgeopt/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- optimizers */

/* Append-only: the value is stored in checkpoints. */
typedef enum eo_optim_kind {
    EO_OPTIM_SGD,
    EO_OPTIM_ADAGRAD,
    EO_OPTIM_RMSPROP,
    EO_OPTIM_ADADELTA,
    EO_OPTIM_ADAM,     /* AMSGrad = adam with amsgrad = 1 */
    EO_OPTIM_ADAMW,
    EO_OPTIM_NADAM,
    EO_OPTIM_RADAM,
    EO_OPTIM_COUNT
} eo_optim_kind;

/* "sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "radam";
 * "unknown" for an out-of-range kind. */
const char *eo_optim_kind_name(int kind);
/* The kind for a name above (case-sensitive), or -1. Aliases are handled by
 * eo_optim_parse, not here. */
int eo_optim_kind_from_name(const char *name);

/* Hyperparameters, PyTorch names. Fields that an optimizer does not use are
 * ignored by it (and rejected by the spec parser for that optimizer).
 *   sgd      lr momentum dampening nesterov weight_decay maximize
 *   adagrad  lr lr_decay weight_decay initial_accumulator_value eps maximize
 *   rmsprop  lr alpha eps weight_decay momentum centered maximize
 *   adadelta lr rho eps weight_decay maximize
 *   adam     lr beta1 beta2 eps weight_decay amsgrad decoupled_weight_decay maximize
 *   adamw    lr beta1 beta2 eps weight_decay amsgrad maximize (decoupled decay)
 *   nadam    lr beta1 beta2 eps weight_decay momentum_decay decoupled_weight_decay maximize
 *   radam    lr beta1 beta2 eps weight_decay decoupled_weight_decay maximize
 * Booleans are 0/1. */
typedef struct eo_optim_params {
    eo_optim_kind kind;
    double lr;
    double momentum, dampening;
    int nesterov;
    double weight_decay;
    double beta1, beta2, eps;
    int amsgrad;
    double alpha;       /* RMSprop smoothing constant */
    int centered;       /* RMSprop: normalise by the estimated variance */
    double rho;         /* Adadelta running-average coefficient */
    double lr_decay, initial_accumulator_value; /* Adagrad */
    double momentum_decay;                      /* NAdam psi */
    int decoupled_weight_decay;                 /* Adam/NAdam/RAdam: AdamW-style decay */
    int maximize;                               /* ascend instead of descend */
} eo_optim_params;

/* PyTorch's defaults for each optimizer (torch 2.x; SGD lr = 1e-3):
 *   sgd      lr 1e-3, momentum 0, dampening 0, nesterov 0, weight_decay 0
 *   adagrad  lr 1e-2, lr_decay 0, initial_accumulator_value 0, eps 1e-10
 *   rmsprop  lr 1e-2, alpha 0.99, eps 1e-8, momentum 0, centered 0
 *   adadelta lr 1.0, rho 0.9, eps 1e-6
 *   adam     lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0
 *   adamw    as adam but weight_decay 1e-2
 *   nadam    lr 2e-3, betas as adam, eps 1e-8, momentum_decay 4e-3
 *   radam    lr 1e-3, betas as adam, eps 1e-8
 * An out-of-range kind gives the SGD defaults. */
eo_optim_params eo_optim_defaults(eo_optim_kind kind);

/* NULL if valid, else a static readable reason ("lr must be >= 0", "beta1
 * must be in [0, 1)", "nesterov needs momentum > 0 and dampening = 0", ...).
 * Every used value must be finite. */
const char *eo_optim_check(const eo_optim_params *p);

/* Spec "NAME[:key=value,...]" with PyTorch's hyperparameter names (betas as
 * beta1,beta2, or betas=B1;B2). Booleans take 0/1/true/false, and a bare key
 * (e.g. "sgd:momentum=0.9,nesterov") means 1. Unset keys keep the defaults of
 * NAME. Aliases: "momentum" = sgd with momentum 0.9, "nesterov" = sgd with
 * momentum 0.9 and nesterov, "amsgrad" = adam with amsgrad (keys may follow:
 * "momentum:lr=0.01"). The result is validated with eo_optim_check.
 * Errors: EO_ERR_NOT_FOUND for an unknown NAME (so a caller can try other
 * method families; *out untouched), EO_ERR_PARSE for a malformed spec, an
 * unknown key or a key the optimizer does not have, EO_ERR_INVALID for a value
 * out of its domain. err->where holds the spec and err->column the 1-based
 * column of the offending character. */
int eo_optim_parse(const char *spec, eo_optim_params *out, eo_error *err);

/* Set one hyperparameter by its PyTorch name ("lr", "beta1", "nesterov", ...).
 * EO_ERR_NOT_FOUND if the optimizer of p->kind has no such key. Not validated:
 * call eo_optim_check afterwards. */
int eo_optim_set(eo_optim_params *p, const char *key, double value);

/* Write the canonical spec of p ("adam:lr=0.001,beta1=0.9,...", every key of
 * its kind, %.17g) into buf (at most n bytes incl. the terminator). Returns
 * the length it needs (like snprintf); parse(format(p)) == p. */
int eo_optim_format(const eo_optim_params *p, char *buf, size_t n);

/* Opaque: hyperparameters + per-element state for n parameters + step count. */
typedef struct eo_optimizer eo_optimizer;

/* Precision of the state. EO_OPTIM_PREC_ANY reserves 8 bytes per state entry
 * and the first step fixes the precision; F32/F64 allocate exactly and only
 * accept steps of that precision. */
typedef enum eo_optim_precision {
    EO_OPTIM_PREC_ANY = 0,
    EO_OPTIM_PREC_F32 = 4,
    EO_OPTIM_PREC_F64 = 8
} eo_optim_precision;

/* Create an optimizer for n parameters (n >= 1) from validated params (p is
 * copied). alloc NULL = malloc/free. EO_ERR_INVALID with a reason in err if
 * eo_optim_check fails, EO_ERR_RANGE if the size overflows, EO_ERR_NOMEM. */
int eo_optimizer_create(const eo_optim_params *p, size_t n, const eo_allocator *alloc,
                        eo_optimizer **out, eo_error *err);
int eo_optimizer_create_prec(const eo_optim_params *p, size_t n, eo_optim_precision prec,
                             const eo_allocator *alloc, eo_optimizer **out, eo_error *err);
/* Bytes eo_optimizer_create would allocate (0 on overflow), for planning. */
size_t eo_optimizer_memory_size(const eo_optim_params *p, size_t n, eo_optim_precision prec);
void eo_optimizer_destroy(eo_optimizer *o);

/* One step: x[0..n) -= update(g[0..n)) (x += for maximize). The f64 step
 * computes in double; the f32 step does the element-wise arithmetic in float
 * (per-step scalars such as bias corrections are computed in double and
 * rounded once), same formulas. weight_decay follows PyTorch's rule for the
 * optimizer (L2 added to the gradient; decoupled x *= 1 - lr*wd for AdamW and
 * for NAdam/RAdam with decoupled_weight_decay). decay_mask (NULL = all) holds
 * n bytes; entries with mask 0 get no weight decay (biases, batch-norm).
 * Returns EO_OK, or EO_ERR_STATE if the precision does not match the one the
 * state holds (nothing is changed then), EO_ERR_INVALID for NULL x or g.
 * No allocation. */
int eo_optimizer_step_f32(eo_optimizer *o, float *x, const float *g, const uint8_t *decay_mask);
int eo_optimizer_step_f64(eo_optimizer *o, double *x, const double *g, const uint8_t *decay_mask);

/* The learning rate used by the next step (schedules set it every step). */
void eo_optimizer_set_lr(eo_optimizer *o, double lr);
double eo_optimizer_get_lr(const eo_optimizer *o);
/* Steps taken so far (PyTorch's state "step"). */
long eo_optimizer_steps(const eo_optimizer *o);
size_t eo_optimizer_size(const eo_optimizer *o);          /* n */
/* Borrowed view of the hyperparameters (lr reflects set_lr); valid until destroy. */
const eo_optim_params *eo_optimizer_params(const eo_optimizer *o);

/* State for checkpoints (bit-exact resume): a flat little-endian byte image,
 * versioned ("EOOPTST" magic, version, kind, n, precision, step count,
 * hyperparameters incl. the current lr, then the state arrays). Loading
 * restores the hyperparameters too (as PyTorch's load_state_dict does).
 * state_save returns EO_ERR_RANGE if size < state_size. state_load checks
 * magic, version, size, kind and n (EO_ERR_FORMAT / EO_ERR_SHAPE with the
 * byte offset in err) and leaves o unchanged on failure. */
size_t eo_optimizer_state_size(const eo_optimizer *o);
int eo_optimizer_state_save(const eo_optimizer *o, void *buf, size_t size);
int eo_optimizer_state_load(eo_optimizer *o, const void *buf, size_t size, eo_error *err);
/* Forget the state (moments, accumulators, step count; precision unlocked
 * for PREC_ANY); hyperparameters, including the current lr, are kept. */
void eo_optimizer_reset(eo_optimizer *o);

/* -------------------------------------------------------------- schedules */

/* Learning-rate schedules with torch.optim.lr_scheduler semantics. "Step t"
 * is the number of scheduler steps taken: lr(0) is the lr of the first
 * optimizer step (as right after constructing a PyTorch scheduler), lr(t)
 * the lr after t calls of scheduler.step(). Append-only. */
typedef enum eo_schedule_kind {
    EO_SCHEDULE_CONSTANT,        /* "constant": base_lr */
    EO_SCHEDULE_STEP,            /* StepLR: base * gamma^floor(t / step_size) */
    EO_SCHEDULE_MULTISTEP,       /* MultiStepLR: base * gamma^(#milestones <= t) */
    EO_SCHEDULE_EXP,             /* ExponentialLR: base * gamma^t */
    EO_SCHEDULE_COSINE,          /* CosineAnnealingLR, closed form:
                                    eta_min + (base - eta_min)(1 + cos(pi t / T)) / 2 */
    EO_SCHEDULE_COSINE_RESTARTS, /* CosineAnnealingWarmRestarts (T0, Tmult, eta_min) */
    EO_SCHEDULE_ONECYCLE,        /* OneCycleLR, two phases, cosine annealing; the lr
                                    only (no momentum cycling). The base lr is
                                    replaced by max_lr (max_lr 0 = the base lr). */
    EO_SCHEDULE_PLATEAU,         /* ReduceLROnPlateau, mode min, relative threshold */
    EO_SCHEDULE_COUNT
} eo_schedule_kind;

const char *eo_schedule_kind_name(int kind); /* "constant", "step", "multistep", "exp",
                                                "cosine", "cosine-restarts", "onecycle", "plateau" */
int eo_schedule_kind_from_name(const char *name); /* or -1 */

#define EO_SCHEDULE_MAX_MILESTONES 32

/* One schedule: an optional linear warm-up (LinearLR from warmup_start_factor
 * to 1 over warmup_steps steps), then `kind`, whose own step counter starts at
 * 0 when the warm-up ends (as torch's SequentialLR([LinearLR, main],
 * milestones=[warmup_steps])). */
typedef struct eo_schedule {
    eo_schedule_kind kind;
    long warmup_steps;           /* 0 = no warm-up */
    double warmup_start_factor;  /* LinearLR start_factor, default 1/3 (PyTorch) */
    /* step / multistep / exp */
    long step_size;              /* default 30 */
    double gamma;                /* default 0.1 (exp: required, default 0.95) */
    int n_milestones;
    long milestones[EO_SCHEDULE_MAX_MILESTONES]; /* strictly increasing */
    /* cosine / cosine-restarts */
    long T_max;                  /* "T" */
    long T_0;                    /* "T0" */
    long T_mult;                 /* "Tmult", integer >= 1 */
    double eta_min;              /* default 0 */
    /* onecycle */
    double max_lr;               /* 0 = use the base lr */
    long total_steps;            /* "total" */
    double pct_start;            /* default 0.3 */
    double div_factor;           /* default 25 */
    double final_div_factor;     /* default 1e4 */
    /* plateau */
    double factor;               /* default 0.1 */
    long patience;               /* default 10 */
    double threshold;            /* default 1e-4 (relative) */
    long cooldown;               /* default 0 */
    double min_lr;               /* default 0 */
    double plateau_eps;          /* default 1e-8: smaller lr changes are ignored */
} eo_schedule;

/* Defaults for a kind (PyTorch's where it has them), no warm-up. */
eo_schedule eo_schedule_defaults(eo_schedule_kind kind);
/* NULL if valid, else a static reason. */
const char *eo_schedule_check(const eo_schedule *s);

/* Spec: one of
 *   constant | step:step_size=30,gamma=0.1 | multistep:milestones=30;80,gamma=0.1
 *   exp:gamma=0.95 | cosine:T=5000[,eta_min=0] | cosine-restarts:T0=10,Tmult=2[,eta_min=0]
 *   onecycle:max_lr=0.1,total=1000[,pct_start=0.3,div_factor=25,final_div_factor=1e4]
 *   plateau:factor=0.1,patience=10,threshold=1e-4[,cooldown=0,min_lr=0]
 *   warmup:steps=500[,start_factor=0.333]            (warm-up alone, then constant)
 *   warmup:steps=100+cosine:T=1000                    (warm-up, then any of the above)
 * PyTorch's long names are accepted too (T_max, T_0, T_mult, total_steps,
 * total_iters). Errors as eo_optim_parse (EO_ERR_NOT_FOUND for an unknown
 * name, column of the offending character in err->column). */
int eo_schedule_parse(const char *spec, eo_schedule *out, eo_error *err);
/* Canonical spec of s (like snprintf). */
int eo_schedule_format(const eo_schedule *s, char *buf, size_t n);

/* Running state; plain data, part of a checkpoint. */
typedef struct eo_schedule_state {
    long step;          /* scheduler steps taken (t) */
    double lr;          /* lr for the next optimizer step */
    double best;        /* plateau: best metric so far (+inf at the start) */
    long num_bad;       /* plateau: steps without improvement */
    long cooldown_left; /* plateau */
} eo_schedule_state;

/* Start: st->step = 0 and st->lr = lr(0). base_lr is the optimizer's initial lr. */
void eo_schedule_start(const eo_schedule *s, double base_lr, eo_schedule_state *st);
/* One scheduler step (after an optimizer step or an epoch): t += 1 and the
 * new lr is returned (and kept in st->lr). `metric` is the monitored loss,
 * used by plateau only (pass 0 otherwise); during a warm-up it is ignored.
 * A NaN metric never counts as an improvement. */
double eo_schedule_next(const eo_schedule *s, double base_lr, eo_schedule_state *st, double metric);
/* Closed form lr(t) for every kind except plateau (which returns base_lr
 * after the warm-up). onecycle past total_steps keeps its final lr. */
double eo_schedule_lr_at(const eo_schedule *s, double base_lr, long step);

/* Checkpoint image of a schedule state: EO_SCHEDULE_STATE_BYTES bytes,
 * little-endian, versioned. save returns EO_ERR_NUMERIC for a state that
 * load would refuse (non-finite lr, NaN best, negative counters). */
#define EO_SCHEDULE_STATE_BYTES 48
int eo_schedule_state_save(const eo_schedule_state *st, void *buf, size_t size);
int eo_schedule_state_load(eo_schedule_state *st, const void *buf, size_t size, eo_error *err);

/* --------------------------------------------------------------- clipping */

/* torch.nn.utils.clip_grad_norm_ (L2): norm = ||g||_2; if max_norm/(norm+1e-6)
 * < 1, g *= max_norm/(norm+1e-6). Returns the norm before clipping. The f32
 * version accumulates the norm in double. A non-finite norm leaves g unchanged
 * (PyTorch would fill it with NaN): check the return value. max_norm must be
 * >= 0. */
double eo_clip_grad_norm_f32(size_t n, float *g, double max_norm);
double eo_clip_grad_norm_f64(size_t n, double *g, double max_norm);
/* torch.nn.utils.clip_grad_value_: g[i] = clamp(g[i], -clip, clip); NaN stays NaN. */
void eo_clip_grad_value_f32(size_t n, float *g, double clip);
void eo_clip_grad_value_f64(size_t n, double *g, double clip);

#ifdef __cplusplus
}
#endif
#endif
