/* Gradual pruning schedule of Zhu & Gupta 2017, "To prune, or not to prune:
 * exploring the efficacy of pruning for model compression", eq. (1):
 *     s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3,
 *     t in {t0, t0 + dt, ..., t0 + n dt},
 * which prunes fast while many redundant weights remain and slowly near the
 * final sparsity. Between pruning steps the sparsity of the last step holds. */
#include "edgeopt/compress.h"

eo_prune_schedule eo_prune_schedule_defaults(void)
{
    eo_prune_schedule s = {0.0, 0.9, 0, 10, 1};
    return s;
}

const char *eo_prune_schedule_check(const eo_prune_schedule *s)
{
    if (!s) return "schedule is NULL";
    if (!(s->s_initial >= 0.0 && s->s_initial <= 1.0)) return "initial sparsity must be in [0, 1]";
    if (!(s->s_final >= 0.0 && s->s_final <= 1.0)) return "final sparsity must be in [0, 1]";
    if (s->s_final < s->s_initial) return "final sparsity must be >= initial sparsity";
    if (s->n < 1) return "number of pruning steps must be >= 1";
    if (s->dt < 1) return "pruning frequency must be >= 1";
    if (s->t0 < 0) return "first pruning step must be >= 0";
    if (s->n > (long)(0x7fffffffL) / s->dt) return "n * dt is too large";
    return NULL;
}

double eo_prune_schedule_at(const eo_prune_schedule *s, long t)
{
    if (t <= s->t0) return s->s_initial;
    long span = s->n * s->dt;
    if (t - s->t0 >= span) return s->s_final;
    /* the sparsity of the latest pruning step at or before t */
    long j = (t - s->t0) / s->dt;
    double f = 1.0 - (double)(j * s->dt) / (double)span;
    /* the same value written as s_i + (s_f - s_i)(1 - f^3), which is exactly
     * s_i at t0 (f = 1) and so joins the constant part without a rounding step */
    return s->s_initial + (s->s_final - s->s_initial) * (1.0 - f * f * f);
}

int eo_prune_schedule_is_step(const eo_prune_schedule *s, long t)
{
    if (t < s->t0) return 0;
    long d = t - s->t0;
    return d % s->dt == 0 && d / s->dt <= s->n;
}
