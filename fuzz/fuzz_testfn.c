/* libFuzzer target: test-function specs (eo_testfn_parse).
 *
 * A spec that parses names a table row and a dimension the row allows; the
 * function is then evaluated (value, gradient, Hessian) at its classic start
 * and its known points when the dimension is small, and the gradient is
 * checked to be finite where the value is. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/functions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    eo_testfn t;
    eo_error err;
    int rc = eo_testfn_parse(s, &t, &err);
    free(s);
    if (rc != EO_OK) {
        if (rc > 0 || err.code != rc || err.column < 0 || (size_t)err.column > size + 2) abort();
        return 0;
    }
    if (!t.info || t.n < 1 || (t.info->dim && t.n != t.info->dim) || t.n < t.info->min_dim) abort();
    if (t.info->dim_even && t.n % 2) abort();
    if (!(t.cond >= 1.0) || !isfinite(t.cond)) abort();
    if (t.n > 64) return 0;
    size_t n = t.n;
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g), *H = malloc(n * n * sizeof *H);
    eo_objective obj = eo_testfn_objective(&t);
    (void)obj;
    for (size_t i = 0; i < n; i++) x[i] = t.info->start[i % 2];
    double f = eo_testfn_eval(n, x, g, &t);
    if (isfinite(f))
        for (size_t i = 0; i < n; i++)
            if (!isfinite(g[i])) abort();
    eo_testfn_hess(n, x, H, &t);
    for (int k = 0; k < t.info->npoints; k++) {
        double fk = eo_testfn_point_x(&t, k, x);
        double fv = eo_testfn_eval(n, x, NULL, &t);
        if (isfinite(fk) && fabs(fv - fk) > 1e-6 * (1.0 + fabs(fk))) abort(); /* stated value holds */
    }
    free(x);
    free(g);
    free(H);
    return 0;
}
