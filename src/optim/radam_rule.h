/* Template (no include guard): RAdam in one precision, instantiated twice by
 * radam.c. The math and its source are in radam.c. */
void RFN(eo__radam_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const double t = (double)a->t;
    const double b2t = (a->scalar[EO__SC_BETA2_POW] *= p->beta2);
    const double bc1 = 1.0 - (a->scalar[EO__SC_BETA1_POW] *= p->beta1);
    const double bc2 = 1.0 - b2t;
    const double rho_inf = 2.0 / (1.0 - p->beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * b2t / bc2;
    const int rectify = rho_t > 5.0;
    double rect = 0.0;
    if (rectify)
        rect = sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                    ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
    const real bc1r = (real)bc1;
    const real lr = (real)p->lr;
    const real bc2_sqrt = (real)sqrt(bc2);
    const real rectr = (real)rect;
    const real b1 = (real)p->beta1, one_minus_b1 = (real)(1.0 - p->beta1);
    const real b2 = (real)p->beta2, one_minus_b2 = (real)(1.0 - p->beta2);
    const real eps = (real)p->eps;
    const int use_wd = p->weight_decay != 0.0;
    const real wd = (real)p->weight_decay;
    const real shrink = (real)(1.0 - p->lr * p->weight_decay);
    real *m = slot[0]; /* [n] first moment */
    real *v = slot[1]; /* [n] second moment */

    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) {
            if (p->decoupled_weight_decay)
                x[i] *= shrink;
            else
                d += wd * x[i];
        }
        m[i] = m[i] * b1 + one_minus_b1 * d;
        v[i] = v[i] * b2 + one_minus_b2 * d * d;
        const real mhat = m[i] / bc1r;
        if (rectify) {
            const real adaptive = bc2_sqrt / (RSQRT(v[i]) + eps);
            x[i] -= mhat * lr * adaptive * rectr;
        } else {
            x[i] -= mhat * lr;
        }
    }
}
