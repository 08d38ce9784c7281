/* eo_minimize: parameter defaults and checks, names, and the dispatch to the
 * methods (one file each). The shared stopping rules are in minimize_ctx.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/minimize.h"
#include "optim/min_internal.h"

/* ------------------------------------------------------------ eo_stop */
eo_stop eo_stop_defaults(void)
{
    eo_stop s;
    s.max_iter = 1000;
    s.max_evals = 0;
    s.gtol = 1e-6;
    s.ftol_rel = 0.0;
    s.xtol = 0.0;
    s.f_target = 0.0;
    s.has_target = 0;
    return s;
}

static const char *const reason_names[EO_STOP_COUNT] = {
    "none", "max_iter", "gtol", "ftol", "xtol", "max_evals", "target", "callback", "linesearch",
};

const char *eo_stop_reason_name(int reason)
{
    return reason >= 0 && reason < EO_STOP_COUNT ? reason_names[reason] : "unknown";
}

int eo_stop_reason_converged(int reason)
{
    return reason == EO_STOP_GTOL || reason == EO_STOP_FTOL || reason == EO_STOP_XTOL ||
           reason == EO_STOP_TARGET;
}

/* ------------------------------------------------------------- names */
static const char *const method_names[EO_MIN_COUNT] = {
    "gd", "newton", "bfgs", "lbfgs", "cg", "nelder-mead", "anneal", "restarts",
    "ista", "fista", "owlqn", "first-order",
};

const char *eo_min_method_name(int method)
{
    return method >= 0 && method < EO_MIN_COUNT ? method_names[method] : "unknown";
}

int eo_min_method_from_name(const char *name)
{
    for (int k = 0; k < EO_MIN_COUNT; k++)
        if (name && !strcmp(name, method_names[k])) return k;
    return -1;
}

static const char *const cg_names[EO_CG_COUNT] = {"fr", "pr"};

const char *eo_cg_variant_name(int v) { return v >= 0 && v < EO_CG_COUNT ? cg_names[v] : "unknown"; }

int eo_cg_variant_from_name(const char *name)
{
    for (int k = 0; k < EO_CG_COUNT; k++)
        if (name && !strcmp(name, cg_names[k])) return k;
    return -1;
}

/* ---------------------------------------------------------- defaults */
eo_minimize_params eo_minimize_defaults(eo_min_method method)
{
    eo_minimize_params p;
    memset(&p, 0, sizeof p);
    p.method = method;
    p.ls = eo_linesearch_defaults(method == EO_MIN_NEWTON ? EO_LS_ARMIJO : EO_LS_STRONG_WOLFE);
    if (method == EO_MIN_CG) p.ls.c2 = 0.1;
    p.step0 = 0.0;
    p.lbfgs_m = 10;
    p.cg_variant = EO_CG_PRP;
    p.cg_restart = 0;
    p.newton_beta = 1e-3;
    p.l1 = 0.0;
    p.prox_step = 0.0;
    p.fista_restart = 1;
    p.nm_step = 0.05;
    p.nm_adaptive = 1;
    p.nm_fatol = 1e-10;
    p.nm_xatol = 1e-8;
    p.seed = 42;
    p.lower = p.upper = NULL;
    p.radius = 5.0;
    p.restarts = 20;
    p.local_method = EO_MIN_LBFGS;
    p.anneal_steps = 2000;
    p.anneal_T0 = 5.0;
    p.anneal_Tmin = 1e-2;
    p.anneal_sigma = 0.05;
    p.first_order = eo_optim_defaults(EO_OPTIM_SGD);
    p.has_schedule = 0;
    p.schedule = eo_schedule_defaults(EO_SCHEDULE_CONSTANT);
    p.alloc = NULL;
    return p;
}

const char *eo_minimize_check(const eo_minimize_params *p)
{
    if (!p) return "params is NULL";
    if (p->method < 0 || p->method >= EO_MIN_COUNT) return "unknown method";
    const eo_linesearch_params *ls = &p->ls;
    if (ls->kind < 0 || ls->kind >= EO_LS_COUNT) return "unknown line search";
    if (!(ls->c1 > 0.0 && ls->c1 < 1.0)) return "c1 must be in (0, 1)";
    if (ls->kind == EO_LS_STRONG_WOLFE && !(ls->c2 > ls->c1 && ls->c2 < 1.0))
        return "c2 must be in (c1, 1)";
    if (!(ls->shrink > 0.0 && ls->shrink < 1.0)) return "shrink must be in (0, 1)";
    if (!(ls->alpha_max > 0.0)) return "alpha_max must be > 0";
    if (ls->max_evals < 1) return "line-search max_evals must be >= 1";
    if (!(p->step0 == p->step0) || !isfinite(p->step0)) return "step0 must be finite";
    if (p->lbfgs_m < 1 || p->lbfgs_m > 1000) return "m must be in [1, 1000]";
    if (p->cg_variant < 0 || p->cg_variant >= EO_CG_COUNT) return "unknown CG variant";
    if (p->cg_restart < 0) return "cg restart must be >= 0";
    if (!(p->newton_beta > 0.0) || !isfinite(p->newton_beta)) return "newton beta must be > 0";
    if (!(p->l1 >= 0.0) || !isfinite(p->l1)) return "l1 must be >= 0";
    if (!isfinite(p->prox_step)) return "prox step must be finite";
    if (!(p->nm_step > 0.0) || !isfinite(p->nm_step)) return "nelder-mead step must be > 0";
    if (!(p->nm_fatol >= 0.0) || !(p->nm_xatol >= 0.0)) return "nelder-mead tolerances must be >= 0";
    if (!(p->radius > 0.0) || !isfinite(p->radius)) return "radius must be > 0";
    if (p->restarts < 1) return "restarts must be >= 1";
    if (p->local_method != EO_MIN_LBFGS && p->local_method != EO_MIN_NELDER_MEAD)
        return "local method must be lbfgs or nelder-mead";
    if (p->anneal_steps < 1) return "anneal steps must be >= 1";
    if (!(p->anneal_T0 > 0.0) || !(p->anneal_Tmin > 0.0) || !(p->anneal_Tmin <= p->anneal_T0) ||
        !isfinite(p->anneal_T0))
        return "anneal temperatures must satisfy 0 < Tmin <= T0";
    if (!(p->anneal_sigma > 0.0) || !isfinite(p->anneal_sigma)) return "anneal sigma must be > 0";
    if (p->method == EO_MIN_FIRST_ORDER) {
        const char *why = eo_optim_check(&p->first_order);
        if (why) return why;
        if (p->has_schedule && (why = eo_schedule_check(&p->schedule))) return why;
    }
    return NULL;
}

/* ------------------------------------------------------------ helpers */
int eo__alloc_vecs(const eo_allocator *a, size_t n, size_t k, double **block, eo_error *err)
{
    size_t cnt, bytes;
    if (!eo_size_mul(n, k, &cnt) || !eo_size_mul(cnt, sizeof(double), &bytes))
        return eo_error_set(err, EO_ERR_RANGE, "work memory for n = %zu overflows", n);
    *block = eo_alloc(a, bytes ? bytes : 1);
    if (!*block) return eo_error_set(err, EO_ERR_NOMEM, "no memory for %zu bytes of work vectors", bytes);
    return EO_OK;
}

int eo__grad_start(eo__mctx *c, const double *x, double *g, double *f, double *gnorm,
                   eo_error *err)
{
    *f = eo__eval(c, x, g);
    *gnorm = eo__nrm2(c->obj->n, g);
    if (!isfinite(*f) || !isfinite(*gnorm))
        return eo_error_set(err, EO_ERR_NUMERIC, "objective or gradient is not finite at the start");
    return eo__start(c, x, *f, *gnorm);
}

/* ------------------------------------------------------------ dispatch */
int eo_minimize(const eo_minimize_params *p, const eo_objective *obj, double *x,
                const eo_stop *stop, eo_trace_fn trace, void *trace_user, eo_result *res,
                eo_error *err)
{
    eo_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    res->f = NAN;
    res->grad_norm = NAN;
    const char *why = eo_minimize_check(p);
    if (why) return eo_error_set(err, EO_ERR_INVALID, "%s", why);
    if (!obj || !obj->f || obj->n == 0 || !x)
        return eo_error_set(err, EO_ERR_INVALID, "objective with n >= 1, f and x are required");
    eo_stop s = stop ? *stop : eo_stop_defaults();
    if (s.max_iter <= 0) return eo_error_set(err, EO_ERR_INVALID, "max_iter must be > 0");
    for (size_t i = 0; i < obj->n; i++)
        if (!isfinite(x[i]))
            return eo_error_set(err, EO_ERR_NUMERIC, "start x[%zu] is not finite", i);
    eo__mctx c;
    eo__mctx_init(&c, obj, &s, trace, trace_user);
    int st;
    switch (p->method) {
    case EO_MIN_GD: st = eo__min_gd(p, &c, x, res, err); break;
    case EO_MIN_NEWTON: st = eo__min_newton(p, &c, x, res, err); break;
    case EO_MIN_BFGS: st = eo__min_bfgs(p, &c, x, res, err); break;
    case EO_MIN_LBFGS: st = eo__min_lbfgs(p, &c, x, res, err); break;
    case EO_MIN_CG: st = eo__min_cg(p, &c, x, res, err); break;
    case EO_MIN_NELDER_MEAD: st = eo__min_nelder_mead(p, &c, x, res, err); break;
    case EO_MIN_ANNEAL: st = eo__min_anneal(p, &c, x, res, err); break;
    case EO_MIN_RESTARTS: st = eo__min_restarts(p, &c, x, res, err); break;
    case EO_MIN_ISTA:
    case EO_MIN_FISTA: st = eo__min_prox(p, &c, x, res, err); break;
    case EO_MIN_OWLQN: st = eo__min_owlqn(p, &c, x, res, err); break;
    case EO_MIN_FIRST_ORDER: st = eo__min_first_order(p, &c, x, res, err); break;
    default: st = eo_error_set(err, EO_ERR_INVALID, "unknown method"); break;
    }
    if (st > 0) res->reason = st;
    return st;
}
