/* Methods not built yet: they report EO_ERR_UNSUPPORTED. */
#include "optim/min_internal.h"

#define STUB(name)                                                                             \
    int eo__min_##name(const eo_minimize_params *p, eo__mctx *c, double *x, eo_result *res,  \
                       eo_error *err)                                                         \
    {                                                                                         \
        (void)p;                                                                              \
        (void)c;                                                                              \
        (void)x;                                                                              \
        (void)res;                                                                            \
        return eo_error_set(err, EO_ERR_UNSUPPORTED, "%s is not available yet", #name);      \
    }
STUB(nelder_mead)
STUB(anneal)
STUB(restarts)
STUB(prox)
STUB(owlqn)
STUB(first_order)
