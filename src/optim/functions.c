/* The test-function table, its spec parser and the objective adapters. The
 * formulas are in functions_defs.c. Stationary points were computed to full
 * double precision (brentq / fsolve on the gradient) and are checked by
 * tests/optim/test_functions.c: the gradient vanishes there and the value is
 * the one stated. */
#include <math.h>
#include <string.h>

#include "edgeopt/functions.h"
#include "optim/functions_internal.h"
#include "optim/min_internal.h"

#define PT(kind, glob, a, b, f) {kind, glob, {a, b}, f, 0.0}

static const eo_testfn_info table[] = {
    {"quadratic", "0.5 sum_i lambda_i x_i^2, lambda_i = cond^(i/(n-1))", 0, 2, 0, 2,
     eo__fn_quadratic, eo__hs_quadratic, 1, {PT(EO_POINT_MINIMUM, 1, 0.0, 0.0, 0.0)}, -5.0, 5.0,
     {3.0, 3.0}, 1},
    {"rosenbrock", "sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2", 0, 2, 0, 2,
     eo__fn_rosenbrock, eo__hs_rosenbrock, 1, {PT(EO_POINT_MINIMUM, 1, 1.0, 1.0, 0.0)}, -2.0, 2.0,
     {-1.2, 1.0}, 1},
    {"rosenbrock-ext", "sum_i 100 (x_{2i+1} - x_{2i}^2)^2 + (1 - x_{2i})^2", 0, 2, 1, 2,
     eo__fn_rosenbrock_ext, eo__hs_rosenbrock_ext, 1, {PT(EO_POINT_MINIMUM, 1, 1.0, 1.0, 0.0)},
     -2.0, 2.0, {-1.2, 1.0}, 1},
    {"rastrigin", "10 n + sum_i x_i^2 - 10 cos(2 pi x_i)", 0, 2, 0, 2, eo__fn_rastrigin,
     eo__hs_rastrigin, 2,
     {PT(EO_POINT_MINIMUM, 1, 0.0, 0.0, 0.0),
      {EO_POINT_MINIMUM, 0, {0.9949586376523347, 0.9949586376523347}, 0.0, 0.9949590570932898}},
     -5.12, 5.12, {2.5, 2.5}, 1},
    {"ackley", "-20 exp(-0.2 sqrt(mean x^2)) - exp(mean cos(2 pi x)) + 20 + e", 0, 2, 0, 2,
     eo__fn_ackley, eo__hs_ackley, 1, {PT(EO_POINT_MINIMUM, 1, 0.0, 0.0, 0.0)}, -5.0, 5.0,
     {2.3, -1.7}, 1},
    {"styblinski-tang", "0.5 sum_i x_i^4 - 16 x_i^2 + 5 x_i", 0, 2, 0, 2, eo__fn_styblinski,
     eo__hs_styblinski, 2,
     {{EO_POINT_MINIMUM, 1, {-2.903534027771177, -2.903534027771177}, 0.0, -39.16616570377141},
      {EO_POINT_MINIMUM, 0, {2.7468027709908305, 2.7468027709908305}, 0.0, -25.02944665528394}},
     -5.0, 5.0, {0.0, 0.0}, 1},
    {"himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", 2, 2, 0, 2, eo__fn_himmelblau,
     eo__hs_himmelblau, 9,
     {PT(EO_POINT_MINIMUM, 1, 3.0, 2.0, 0.0),
      PT(EO_POINT_MINIMUM, 1, -2.805118086952745, 3.131312518250573, 0.0),
      PT(EO_POINT_MINIMUM, 1, -3.779310253377747, -3.2831859912861696, 0.0),
      PT(EO_POINT_MINIMUM, 1, 3.5844283403304917, -1.8481265269644036, 0.0),
      PT(EO_POINT_MAXIMUM, 0, -0.2708445906673476, -0.9230385564799815, 181.6165215225827),
      PT(EO_POINT_SADDLE, 0, 0.08667750455539634, 2.884254701174776, 67.71915008752613),
      PT(EO_POINT_SADDLE, 0, -3.0730257507643897, -0.08135304428796751, 104.01516291755811),
      PT(EO_POINT_SADDLE, 0, 3.385154183607021, 0.0738518798377493, 13.311926270405587),
      PT(EO_POINT_SADDLE, 0, -0.12796134673068008, -1.9537149802445766, 178.33723920192745)},
     -5.0, 5.0, {0.0, 0.0}, 1},
    {"beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", 2, 2, 0, 2,
     eo__fn_beale, eo__hs_beale, 1, {PT(EO_POINT_MINIMUM, 1, 3.0, 0.5, 0.0)}, -4.5, 4.5,
     {1.0, 1.0}, 1},
    {"booth", "(x + 2y - 7)^2 + (2x + y - 5)^2", 2, 2, 0, 2, eo__fn_booth, eo__hs_booth, 1,
     {PT(EO_POINT_MINIMUM, 1, 1.0, 3.0, 0.0)}, -10.0, 10.0, {0.0, 0.0}, 1},
    {"saddle", "x^2 - y^2", 2, 2, 0, 2, eo__fn_saddle, eo__hs_saddle, 1,
     {PT(EO_POINT_SADDLE, 0, 0.0, 0.0, 0.0)}, -2.0, 2.0, {1.0, 0.1}, 0},
    {"monkey-saddle", "x^3 - 3 x y^2", 2, 2, 0, 2, eo__fn_monkey, eo__hs_monkey, 1,
     {PT(EO_POINT_DEGENERATE, 0, 0.0, 0.0, 0.0)}, -2.0, 2.0, {1.0, 0.5}, 0},
};
#define NTABLE (sizeof table / sizeof table[0])

static const char *const point_names[EO_POINT_COUNT] = {"minimum", "maximum", "saddle",
                                                        "degenerate"};

const char *eo_point_kind_name(int kind)
{
    return (kind >= 0 && kind < EO_POINT_COUNT) ? point_names[kind] : "unknown";
}

int eo_point_kind_from_name(const char *name)
{
    for (int k = 0; k < EO_POINT_COUNT; k++)
        if (name && !strcmp(name, point_names[k])) return k;
    return -1;
}

size_t eo_testfn_count(void) { return NTABLE; }

const eo_testfn_info *eo_testfn_info_at(size_t i) { return i < NTABLE ? &table[i] : NULL; }

const eo_testfn_info *eo_testfn_lookup(const char *name)
{
    for (size_t i = 0; name && i < NTABLE; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}

int eo_testfn_parse(const char *spec, eo_testfn *out, eo_error *err)
{
    char name[64];
    const char *p;
    int st = eo__spec_name(spec, name, sizeof name, &p, err);
    if (st) return st;
    const eo_testfn_info *info = eo_testfn_lookup(name);
    if (!info) {
        char known[512] = "";
        for (size_t i = 0; i < NTABLE; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, table[i].name, sizeof known - strlen(known) - 1);
        }
        return eo_error_at(err, EO_ERR_NOT_FOUND, spec, 1, 1, -1,
                           "unknown function '%s' (known: %s)", name, known);
    }
    eo_testfn t = {info, info->dim ? info->dim : info->default_dim, 10.0};
    eo__kv kv;
    int r;
    while ((r = eo__spec_next(spec, &p, &kv, err)) == 1) {
        if (eo__kv_is(&kv, "dim")) {
            long d;
            if ((st = eo__spec_long(spec, &kv, 1, 100000000L, &d, err))) return st;
            if (info->dim && (size_t)d != info->dim)
                return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv.val_col, -1,
                                   "dim: %s is defined for dim=%zu only", info->name, info->dim);
            if ((size_t)d < info->min_dim)
                return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv.val_col, -1,
                                   "dim: %s needs dim >= %zu", info->name, info->min_dim);
            if (info->dim_even && d % 2)
                return eo_error_at(err, EO_ERR_INVALID, spec, 1, kv.val_col, -1,
                                   "dim: %s needs an even dim", info->name);
            t.n = (size_t)d;
        } else if (eo__kv_is(&kv, "cond") && !strcmp(info->name, "quadratic")) {
            if ((st = eo__spec_double(spec, &kv, 1.0, 1e300, &t.cond, err))) return st;
        } else {
            return eo__spec_unknown_key(spec, &kv,
                                        strcmp(info->name, "quadratic") ? "dim" : "dim, cond", err);
        }
    }
    if (r < 0) return r;
    *out = t;
    return EO_OK;
}

double eo_testfn_eval(size_t n, const double *x, double *grad, void *user)
{
    const eo_testfn *t = user;
    return t->info->value(t, n, x, grad);
}

void eo_testfn_hess(size_t n, const double *x, double *H, void *user)
{
    const eo_testfn *t = user;
    t->info->hessian(t, n, x, H);
}

eo_objective eo_testfn_objective(const eo_testfn *t)
{
    eo_objective o;
    memset(&o, 0, sizeof o);
    o.n = t->n;
    o.f = eo_testfn_eval;
    o.hess = eo_testfn_hess;
    o.hvp = NULL;
    o.user = (void *)(uintptr_t)t; /* the callbacks only read through it */
    return o;
}

double eo_testfn_point_x(const eo_testfn *t, int k, double *x)
{
    const eo_testfn_point *pt = &t->info->points[k];
    for (size_t i = 0; i < t->n; i++) x[i] = t->info->dim ? pt->x[i] : pt->x[0];
    return pt->f0 + pt->f_per_dim * (double)t->n;
}

void eo_testfn_start(const eo_testfn *t, double *x)
{
    for (size_t i = 0; i < t->n; i++) x[i] = t->info->start[i % 2];
}

double eo_testfn_fmin(const eo_testfn *t)
{
    if (!t->info->has_minimum) return -HUGE_VAL;
    for (int k = 0; k < t->info->npoints; k++)
        if (t->info->points[k].global)
            return t->info->points[k].f0 + t->info->points[k].f_per_dim * (double)t->n;
    return -HUGE_VAL;
}
