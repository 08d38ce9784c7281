/* Template (no include guard): Adadelta's update in one precision,
 * instantiated twice by adadelta.c. The math and its source are in adadelta.c. */
void RFN(eo__adadelta_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const real lr = (real)p->lr;
    const real wd = (real)p->weight_decay;
    const real eps = (real)p->eps;
    const real rho = (real)p->rho;
    const real one_minus_rho = (real)(1.0 - p->rho);
    const int use_wd = p->weight_decay != 0.0;
    real *sq = slot[0];  /* [n] mean of g^2 */
    real *acc = slot[1]; /* [n] mean of delta^2 */

    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) d += wd * x[i];
        sq[i] = sq[i] * rho + one_minus_rho * d * d;
        const real std = RSQRT(sq[i] + eps);
        const real delta = RSQRT(acc[i] + eps) / std * d;
        acc[i] = acc[i] * rho + one_minus_rho * delta * delta;
        x[i] += -lr * delta;
    }
}
