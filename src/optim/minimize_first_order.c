/* The first-order optimizers of optim.h (SGD, momentum, Nesterov, Adagrad,
 * RMSprop, Adadelta, Adam, AdamW, NAdam, RAdam) run as minimizers: one
 * iteration is one eo_optimizer_step_f64 on the full gradient, with the
 * learning rate from the optional schedule (plateau schedules watch f). No line
 * search, so the method can diverge: a non-finite f stops it with
 * EO_ERR_NUMERIC. The best point seen is returned (stochastic-style methods
 * oscillate); the trace shows every iterate. */
#include <math.h>
#include <string.h>

#include "optim/min_internal.h"

int eo__min_first_order(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,
                        eo_error *err)
{
    size_t n = c->obj->n;
    eo_optimizer *o = NULL;
    int st = eo_optimizer_create(&p->first_order, n, p->alloc, &o, err);
    if (st) return st;
    double *blk;
    st = eo__alloc_vecs(p->alloc, n, 3, &blk, err);
    if (st) {
        eo_optimizer_destroy(o);
        return st;
    }
    double *g = blk, *xprev = blk + n, *xb = blk + 2 * n;
    double base_lr = p->first_order.lr;
    eo_schedule_state ss;
    if (p->has_schedule) {
        eo_schedule_start(&p->schedule, base_lr, &ss);
        eo_optimizer_set_lr(o, ss.lr);
    }
    double f, gnorm;
    int reason = eo__grad_start(c, x, g, &f, &gnorm, err);
    if (reason < 0) goto done;
    double fb = f, gb = gnorm;
    memcpy(xb, x, n * sizeof *x);
    while (!reason) {
        memcpy(xprev, x, n * sizeof *x);
        st = eo_optimizer_step_f64(o, x, g, NULL);
        if (st) {
            reason = eo_error_set(err, st, "optimizer step failed");
            break;
        }
        double f_prev = f;
        f = eo__eval(c, x, g);
        gnorm = eo__nrm2(n, g);
        c->iter++;
        if (!isfinite(f) || !isfinite(gnorm)) {
            reason = eo_error_set(err, EO_ERR_NUMERIC,
                                  "diverged at iteration %ld (f = %g): lower the learning rate",
                                  c->iter, f);
            break;
        }
        if (f < fb) {
            fb = f;
            gb = gnorm;
            memcpy(xb, x, n * sizeof *x);
        }
        if (p->has_schedule) eo_optimizer_set_lr(o, eo_schedule_next(&p->schedule, base_lr, &ss, f));
        for (size_t i = 0; i < n; i++) xprev[i] = x[i] - xprev[i];
        reason = eo__after_iter(c, x, f_prev, f, gnorm, eo__nrm2(n, xprev));
    }
    memcpy(x, xb, n * sizeof *x);
    eo__finish(c, res, fb, gb, reason);
done:
    eo_free(p->alloc, blk);
    eo_optimizer_destroy(o);
    return reason;
}
