/* Formulas of the test functions (functions_defs.c), used by the table in
 * functions.c. Private. */
#ifndef EO_OPTIM_FUNCTIONS_INTERNAL_H
#define EO_OPTIM_FUNCTIONS_INTERNAL_H

#include "edgeopt/functions.h"

#define EO__FN(name)                                                                  \
    double eo__fn_##name(const eo_testfn *t, size_t n, const double *x, double *g); \
    void eo__hs_##name(const eo_testfn *t, size_t n, const double *x, double *H);
EO__FN(quadratic)
EO__FN(rosenbrock)
EO__FN(rosenbrock_ext)
EO__FN(rastrigin)
EO__FN(ackley)
EO__FN(styblinski)
EO__FN(himmelblau)
EO__FN(beale)
EO__FN(booth)
EO__FN(saddle)
EO__FN(monkey)
#undef EO__FN

#endif
