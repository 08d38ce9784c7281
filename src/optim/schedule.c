/* Learning-rate schedules with torch.optim.lr_scheduler's semantics, in
 * closed form (t = scheduler steps taken, u = t - warmup_steps):
 *
 *   warm-up (t < W)  LinearLR:        base (f0 + (1 - f0) t / W)
 *   constant                          base
 *   step             StepLR:          base gamma^floor(u / step_size)
 *   multistep        MultiStepLR:     base gamma^(number of milestones <= u)
 *   exp              ExponentialLR:   base gamma^u
 *   cosine           CosineAnnealingLR (closed form, periodic past T):
 *                                     eta_min + (base - eta_min)(1 + cos(pi u / T)) / 2
 *   cosine-restarts  CosineAnnealingWarmRestarts: as cosine with u -> T_cur and T -> T_i,
 *                    T_i = T0 Tmult^i, restarting when T_cur reaches T_i
 *                    (Loshchilov and Hutter, "SGDR", ICLR 2017)
 *   onecycle         OneCycleLR, two phases, cosine annealing (Smith and Topin,
 *                    "Super-convergence", 2017): from max/div_factor up to max
 *                    over pct_start*total - 1 steps, then down to
 *                    max/(div_factor final_div_factor) at step total - 1.
 *                    Momentum is not cycled (the lr only).
 *   plateau          ReduceLROnPlateau (mode min, threshold_mode rel): lr *= factor
 *                    (not below min_lr) once the metric has failed to improve on
 *                    best (1 - threshold) for more than `patience` steps; then
 *                    `cooldown` steps without counting.
 *
 * PyTorch computes most of these recursively (lr_t from lr_{t-1}); the closed
 * forms agree to rounding, which the reference test checks (1e-5 relative). */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "optim/optimizer_impl.h"

/* pi to double precision (EO_PI is not C11). */
#define EO_PI 3.14159265358979323846

static const char *const sched_names[EO_SCHEDULE_COUNT] = {
    [EO_SCHEDULE_CONSTANT] = "constant",
    [EO_SCHEDULE_STEP] = "step",
    [EO_SCHEDULE_MULTISTEP] = "multistep",
    [EO_SCHEDULE_EXP] = "exp",
    [EO_SCHEDULE_COSINE] = "cosine",
    [EO_SCHEDULE_COSINE_RESTARTS] = "cosine-restarts",
    [EO_SCHEDULE_ONECYCLE] = "onecycle",
    [EO_SCHEDULE_PLATEAU] = "plateau",
};

const char *eo_schedule_kind_name(int kind)
{
    if (kind < 0 || kind >= EO_SCHEDULE_COUNT) return "unknown";
    return sched_names[kind];
}

int eo_schedule_kind_from_name(const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < EO_SCHEDULE_COUNT; k++)
        if (!strcmp(name, sched_names[k])) return k;
    return -1;
}

eo_schedule eo_schedule_defaults(eo_schedule_kind kind)
{
    eo_schedule s;
    memset(&s, 0, sizeof s);
    if ((int)kind < 0 || kind >= EO_SCHEDULE_COUNT) kind = EO_SCHEDULE_CONSTANT;
    s.kind = kind;
    s.warmup_start_factor = 1.0 / 3.0;
    s.step_size = 30;
    s.gamma = kind == EO_SCHEDULE_EXP ? 0.95 : 0.1;
    s.T_mult = 1;
    s.pct_start = 0.3;
    s.div_factor = 25.0;
    s.final_div_factor = 1e4;
    s.factor = 0.1;
    s.patience = 10;
    s.threshold = 1e-4;
    s.plateau_eps = 1e-8;
    /* Required, no default: T_max (cosine), T_0 (cosine-restarts), total_steps
     * (onecycle), milestones (multistep); eo_schedule_check says so. */
    return s;
}

static int fin(double v) { return isfinite(v); }

const char *eo_schedule_check(const eo_schedule *s)
{
    if (!s) return "no schedule";
    if ((int)s->kind < 0 || s->kind >= EO_SCHEDULE_COUNT) return "unknown schedule kind";
    if (s->warmup_steps < 0) return "steps (warm-up) must be >= 0";
    if (s->warmup_steps > 0 &&
        (!fin(s->warmup_start_factor) || s->warmup_start_factor <= 0 || s->warmup_start_factor > 1))
        return "start_factor must be in (0, 1]";
    switch (s->kind) {
    case EO_SCHEDULE_CONSTANT: break;
    case EO_SCHEDULE_STEP:
        if (s->step_size < 1) return "step_size must be >= 1";
        if (!fin(s->gamma) || s->gamma <= 0) return "gamma must be a finite number > 0";
        break;
    case EO_SCHEDULE_MULTISTEP:
        if (s->n_milestones < 1 || s->n_milestones > EO_SCHEDULE_MAX_MILESTONES)
            return "milestones must list 1 to 32 steps";
        for (int i = 0; i < s->n_milestones; i++) {
            if (s->milestones[i] < 1) return "milestones must be >= 1";
            if (i && s->milestones[i] <= s->milestones[i - 1])
                return "milestones must be strictly increasing";
        }
        if (!fin(s->gamma) || s->gamma <= 0) return "gamma must be a finite number > 0";
        break;
    case EO_SCHEDULE_EXP:
        if (!fin(s->gamma) || s->gamma <= 0) return "gamma must be a finite number > 0";
        break;
    case EO_SCHEDULE_COSINE:
        if (s->T_max < 1) return "T must be given and >= 1";
        if (!fin(s->eta_min) || s->eta_min < 0) return "eta_min must be a finite number >= 0";
        break;
    case EO_SCHEDULE_COSINE_RESTARTS:
        if (s->T_0 < 1) return "T0 must be given and >= 1";
        if (s->T_mult < 1) return "Tmult must be an integer >= 1";
        if (!fin(s->eta_min) || s->eta_min < 0) return "eta_min must be a finite number >= 0";
        break;
    case EO_SCHEDULE_ONECYCLE: {
        if (!fin(s->max_lr) || s->max_lr < 0) return "max_lr must be a finite number >= 0";
        if (s->total_steps < 2) return "total must be given and >= 2";
        if (!fin(s->pct_start) || s->pct_start <= 0 || s->pct_start >= 1)
            return "pct_start must be in (0, 1)";
        /* Both phases need a positive length, or PyTorch divides by zero. */
        double end1 = s->pct_start * (double)s->total_steps - 1.0;
        if (!(end1 > 0) || !(end1 < (double)s->total_steps - 1.0))
            return "pct_start must leave both phases at least one step (1 < pct_start*total < total)";
        if (!fin(s->div_factor) || s->div_factor <= 0) return "div_factor must be > 0";
        if (!fin(s->final_div_factor) || s->final_div_factor <= 0)
            return "final_div_factor must be > 0";
        break;
    }
    case EO_SCHEDULE_PLATEAU:
        if (!fin(s->factor) || s->factor < 0 || s->factor >= 1) return "factor must be in [0, 1)";
        if (s->patience < 0) return "patience must be >= 0";
        if (!fin(s->threshold) || s->threshold < 0) return "threshold must be a finite number >= 0";
        if (s->cooldown < 0) return "cooldown must be >= 0";
        if (!fin(s->min_lr) || s->min_lr < 0) return "min_lr must be a finite number >= 0";
        if (!fin(s->plateau_eps) || s->plateau_eps < 0) return "eps must be a finite number >= 0";
        break;
    default: break;
    }
    return NULL;
}

static double cosine(double base, double eta_min, double cur, double period)
{
    return eta_min + (base - eta_min) * (1.0 + cos(EO_PI * cur / period)) / 2.0;
}

static double onecycle(const eo_schedule *s, double base, long u)
{
    const double max = s->max_lr > 0 ? s->max_lr : base;
    const double initial = max / s->div_factor;
    const double min = initial / s->final_div_factor;
    const double end1 = s->pct_start * (double)s->total_steps - 1.0;
    const double end2 = (double)s->total_steps - 1.0;
    double t = (double)(u < s->total_steps - 1 ? u : s->total_steps - 1);
    /* Cosine annealing from a to b as pct goes 0 -> 1. */
    double a, b, pct;
    if (t <= end1) {
        a = initial, b = max, pct = t / end1;
    } else {
        a = max, b = min, pct = (t - end1) / (end2 - end1);
    }
    return b + (a - b) / 2.0 * (cos(EO_PI * pct) + 1.0);
}

double eo_schedule_lr_at(const eo_schedule *s, double base_lr, long step)
{
    if (!s) return base_lr;
    if (step < 0) step = 0;
    if (step < s->warmup_steps) {
        const double f0 = s->warmup_start_factor;
        return base_lr * (f0 + (1.0 - f0) * (double)step / (double)s->warmup_steps);
    }
    const long u = step - s->warmup_steps;
    switch (s->kind) {
    case EO_SCHEDULE_STEP:
        return base_lr * pow(s->gamma, (double)(u / s->step_size));
    case EO_SCHEDULE_MULTISTEP: {
        int passed = 0;
        while (passed < s->n_milestones && s->milestones[passed] <= u) passed++;
        return base_lr * pow(s->gamma, (double)passed);
    }
    case EO_SCHEDULE_EXP:
        return base_lr * pow(s->gamma, (double)u);
    case EO_SCHEDULE_COSINE:
        return cosine(base_lr, s->eta_min, (double)u, (double)s->T_max);
    case EO_SCHEDULE_COSINE_RESTARTS: {
        long ti = s->T_0, cur = u;
        if (s->T_mult == 1) {
            cur = u % ti;
        } else {
            /* T_i grows geometrically: a handful of rounds. */
            while (cur >= ti) {
                cur -= ti;
                if (ti > LONG_MAX / s->T_mult) break; /* next period is beyond any long */
                ti *= s->T_mult;
            }
        }
        return cosine(base_lr, s->eta_min, (double)cur, (double)ti);
    }
    case EO_SCHEDULE_ONECYCLE:
        return onecycle(s, base_lr, u);
    case EO_SCHEDULE_CONSTANT:
    case EO_SCHEDULE_PLATEAU:
    default:
        return base_lr;
    }
}

void eo_schedule_start(const eo_schedule *s, double base_lr, eo_schedule_state *st)
{
    if (!st) return;
    st->step = 0;
    st->lr = eo_schedule_lr_at(s, base_lr, 0);
    st->best = INFINITY;
    st->num_bad = 0;
    st->cooldown_left = 0;
}

double eo_schedule_next(const eo_schedule *s, double base_lr, eo_schedule_state *st, double metric)
{
    if (!s || !st) return base_lr;
    st->step++;
    /* Steps whose lr came from the warm-up do not feed the plateau logic. */
    if (s->kind != EO_SCHEDULE_PLATEAU || st->step <= s->warmup_steps) {
        st->lr = eo_schedule_lr_at(s, base_lr, st->step);
        return st->lr;
    }
    if (metric < st->best * (1.0 - s->threshold)) {
        st->best = metric;
        st->num_bad = 0;
    } else {
        st->num_bad++;
    }
    if (st->cooldown_left > 0) {
        st->cooldown_left--;
        st->num_bad = 0;
    }
    if (st->num_bad > s->patience) {
        double reduced = st->lr * s->factor;
        if (reduced < s->min_lr) reduced = s->min_lr;
        if (st->lr - reduced > s->plateau_eps) st->lr = reduced;
        st->cooldown_left = s->cooldown;
        st->num_bad = 0;
    }
    return st->lr;
}

/* ------------------------------------------------------ checkpoint image */
/*  off size field: 0 4 magic "EOSC", 4 4 version 1, 8 8 step, 16 8 lr (f64),
 *  24 8 best (f64), 32 8 num_bad, 40 8 cooldown_left. */

int eo_schedule_state_save(const eo_schedule_state *st, void *buf, size_t size)
{
    if (!st || !buf) return EO_ERR_INVALID;
    if (size < EO_SCHEDULE_STATE_BYTES) return EO_ERR_RANGE;
    /* Refuse what eo_schedule_state_load refuses, so that no checkpoint is
     * ever written that cannot be resumed (an lr overflowed by exp:gamma=9e4). */
    if (!isfinite(st->lr) || isnan(st->best) || st->step < 0 || st->num_bad < 0 || st->cooldown_left < 0)
        return EO_ERR_NUMERIC;
    unsigned char *b = buf;
    memcpy(b, "EOSC", 4);
    eo__put_u32(b + 4, 1u);
    eo__put_u64(b + 8, (uint64_t)(int64_t)st->step);
    eo__put_f64(b + 16, st->lr);
    eo__put_f64(b + 24, st->best);
    eo__put_u64(b + 32, (uint64_t)(int64_t)st->num_bad);
    eo__put_u64(b + 40, (uint64_t)(int64_t)st->cooldown_left);
    return EO_OK;
}

int eo_schedule_state_load(eo_schedule_state *st, const void *buf, size_t size, eo_error *err)
{
    if (!st || !buf) return eo_error_set(err, EO_ERR_INVALID, "eo_schedule_state_load: NULL argument");
    const unsigned char *b = buf;
    if (size < EO_SCHEDULE_STATE_BYTES)
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, (long long)size,
                           "image of %zu bytes, expected %d", size, EO_SCHEDULE_STATE_BYTES);
    if (memcmp(b, "EOSC", 4))
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 0, "bad magic");
    if (eo__get_u32(b + 4) != 1u)
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 4, "unknown version %u",
                           (unsigned)eo__get_u32(b + 4));
    int64_t step = (int64_t)eo__get_u64(b + 8), bad = (int64_t)eo__get_u64(b + 32),
            cool = (int64_t)eo__get_u64(b + 40);
    double lr = eo__get_f64(b + 16), best = eo__get_f64(b + 24);
    if (step < 0 || step > LONG_MAX)
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 8, "bad step count");
    if (!isfinite(lr))
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 16, "lr is not finite");
    if (isnan(best))
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 24, "best is NaN");
    if (bad < 0 || bad > LONG_MAX || cool < 0 || cool > LONG_MAX)
        return eo_error_at(err, EO_ERR_FORMAT, "schedule state", 0, 0, 32, "bad plateau counters");
    st->step = (long)step;
    st->lr = lr;
    st->best = best;
    st->num_bad = (long)bad;
    st->cooldown_left = (long)cool;
    return EO_OK;
}
