/* Template (no include guard): SGD's update in one precision, instantiated
 * twice by sgd.c. The math and its source are in sgd.c. */
void RFN(eo__sgd_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const real lr = (real)p->lr;
    const real wd = (real)p->weight_decay;
    const real mu = (real)p->momentum;
    const real one_minus_damp = (real)(1.0 - p->dampening);
    const int use_wd = p->weight_decay != 0.0;
    real *buf = p->momentum != 0.0 ? slot[0] : NULL; /* [n] momentum buffer */
    const int first = a->t == 1;                     /* PyTorch: buffer not yet created */

    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) d += wd * x[i];
        if (buf) {
            /* The first step copies the gradient: no dampening on it. */
            buf[i] = first ? d : buf[i] * mu + one_minus_damp * d;
            d = p->nesterov ? d + mu * buf[i] : buf[i];
        }
        x[i] -= lr * d;
    }
}
