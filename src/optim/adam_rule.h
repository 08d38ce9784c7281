/* Template (no include guard): Adam/AdamW/AMSGrad in one precision,
 * instantiated twice by adam.c. The math and its source are in adam.c. */
void RFN(eo__adam_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const double bc1 = 1.0 - (a->scalar[EO__SC_BETA1_POW] *= p->beta1);
    const double bc2_sqrt = sqrt(1.0 - (a->scalar[EO__SC_BETA2_POW] *= p->beta2));
    const real step_size = (real)(p->lr / bc1);
    const real bc2s = (real)bc2_sqrt;
    const real b1 = (real)p->beta1, one_minus_b1 = (real)(1.0 - p->beta1);
    const real b2 = (real)p->beta2, one_minus_b2 = (real)(1.0 - p->beta2);
    const real eps = (real)p->eps;
    const int decoupled = p->kind == EO_OPTIM_ADAMW || p->decoupled_weight_decay;
    const int use_wd = p->weight_decay != 0.0;
    const real wd = (real)p->weight_decay;
    const real shrink = (real)(1.0 - p->lr * p->weight_decay);
    real *m = slot[0];                            /* [n] first moment */
    real *v = slot[1];                            /* [n] second moment */
    real *vmax = p->amsgrad ? slot[2] : NULL;     /* [n] running max of v (AMSGrad) */

    if (!p->maximize && !use_wd && !vmax) {
        /* The common case as a branch-free loop over restrict pointers, so
         * the compiler vectorizes it: the same operations in the same order
         * per element (IEEE sqrt and division), hence the same bits. */
        real *restrict xr = x, *restrict mr = m, *restrict vr = v;
        const real *restrict gr = g;
        for (size_t i = 0, n = a->n; i < n; i++) {
            const real d = gr[i];
            const real mi = mr[i] * b1 + one_minus_b1 * d;
            const real vi = vr[i] * b2 + one_minus_b2 * d * d;
            mr[i] = mi;
            vr[i] = vi;
            const real denom = RSQRT(vi) / bc2s + eps;
            xr[i] += -step_size * (mi / denom);
        }
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) {
            if (decoupled)
                x[i] *= shrink;
            else
                d += wd * x[i];
        }
        m[i] = m[i] * b1 + one_minus_b1 * d;
        v[i] = v[i] * b2 + one_minus_b2 * d * d;
        real s = v[i];
        if (vmax) {
            if (!(vmax[i] >= s)) vmax[i] = s;
            s = vmax[i];
        }
        const real denom = RSQRT(s) / bc2s + eps;
        x[i] += -step_size * (m[i] / denom);
    }
}
