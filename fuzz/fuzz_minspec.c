/* libFuzzer target: minimizer specs (eo_minimize_parse, which falls back to
 * eo_optim_parse for first-order names).
 *
 * A spec that parses must pass eo_minimize_check and must run: the method is
 * applied to the 2-D Rosenbrock function and to a 3-D quadratic with a small
 * budget (30 iterations, 400 evaluations). Every method must honour the
 * budget (a run that ignores it shows up as a libFuzzer timeout), return a
 * stop reason > 0 and a point no worse than the start. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/minimize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const eo_minimize_params *p, const char *fn)
{
    eo_testfn t;
    if (eo_testfn_parse(fn, &t, NULL) != EO_OK) abort();
    eo_objective obj = eo_testfn_objective(&t);
    double x[3];
    eo_testfn_start(&t, x);
    double f0 = eo_testfn_eval(t.n, x, NULL, &t);
    eo_stop stop = eo_stop_defaults();
    stop.max_iter = 30;
    stop.max_evals = 400;
    eo_result res;
    eo_error err;
    int rc = eo_minimize(p, &obj, x, &stop, NULL, NULL, &res, &err);
    if (rc < 0) {
        if (err.code != rc) abort();
        return;
    }
    if (rc == 0 || res.reason != rc) abort();
    /* The methods with a descent guarantee (line searches, Nelder-Mead's
     * best vertex, the best-of of anneal/restarts, the first-order methods'
     * documented best point) never end above the start. The proximal
     * methods minimize f + l1 |x|_1 and, with a fixed step above 1/L, may
     * legitimately diverge: not checked. */
    int prox = p->method == EO_MIN_ISTA || p->method == EO_MIN_FISTA || p->method == EO_MIN_OWLQN;
    if (!prox && isfinite(res.f) && res.f > f0 + 1e-9 * (1.0 + fabs(f0))) abort();
    if (res.evaluations > stop.max_evals + 200) abort(); /* a line search may finish its bracket */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    eo_minimize_params p;
    eo_error err;
    int rc = eo_minimize_parse(s, &p, &err);
    free(s);
    if (rc != EO_OK) {
        if (rc > 0 || err.code != rc || err.column < 0 || (size_t)err.column > size + 2) abort();
        return 0;
    }
    if (eo_minimize_check(&p) != NULL) abort();
    run(&p, "rosenbrock");
    run(&p, "quadratic:dim=3,cond=50");
    return 0;
}
