/* Template (no include guard): NAdam in one precision, instantiated twice by
 * nadam.c. The math and its source are in nadam.c. */
void RFN(eo__nadam_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const double bc2 = 1.0 - (a->scalar[EO__SC_BETA2_POW] *= p->beta2);
    const double decay = pow(0.96, p->momentum_decay);
    const double d_t = (a->scalar[EO__SC_DECAY_POW] *= decay); /* 0.96^(t psi) */
    const double mu = p->beta1 * (1.0 - 0.5 * d_t);
    const double mu_next = p->beta1 * (1.0 - 0.5 * d_t * decay);
    const double mu_prod = (a->scalar[EO__SC_MU_PROD] *= mu); /* prod_{i<=t} mu_i */
    const real c_grad = (real)(-p->lr * (1.0 - mu) / (1.0 - mu_prod));
    const real c_avg = (real)(-p->lr * mu_next / (1.0 - mu_prod * mu_next));
    const real bc2r = (real)bc2;
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
        const real denom = RSQRT(v[i] / bc2r) + eps;
        x[i] += c_grad * (d / denom);
        x[i] += c_avg * (m[i] / denom);
    }
}
