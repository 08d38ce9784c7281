/* Template (no include guard): Adagrad's update in one precision, instantiated
 * twice by adagrad.c. The math and its source are in adagrad.c. */
void RFN(eo__adagrad_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const real clr = (real)(p->lr / (1.0 + (double)(a->t - 1) * p->lr_decay));
    const real wd = (real)p->weight_decay;
    const real eps = (real)p->eps;
    const int use_wd = p->weight_decay != 0.0;
    real *sum = slot[0]; /* [n] running sum of squared gradients */

    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) d += wd * x[i];
        sum[i] += d * d;
        const real std = RSQRT(sum[i]) + eps;
        x[i] += -clr * (d / std);
    }
}
