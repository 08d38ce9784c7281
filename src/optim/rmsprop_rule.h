/* Template (no include guard): RMSprop's update in one precision, instantiated
 * twice by rmsprop.c. The math and its source are in rmsprop.c. */
void RFN(eo__rmsprop_step)(const eo__step_args *a, real *x, const real *g, real *const *slot)
{
    const eo_optim_params *p = a->p;
    const real lr = (real)p->lr;
    const real wd = (real)p->weight_decay;
    const real eps = (real)p->eps;
    const real alpha = (real)p->alpha;
    const real one_minus_alpha = (real)(1.0 - p->alpha);
    const real mu = (real)p->momentum;
    const int use_wd = p->weight_decay != 0.0;
    int k = 1;
    real *sq = slot[0];                                /* [n] mean of g^2 */
    real *gavg = p->centered ? slot[k++] : NULL;       /* [n] mean of g (centered) */
    real *buf = p->momentum > 0.0 ? slot[k++] : NULL;  /* [n] momentum buffer */

    for (size_t i = 0; i < a->n; i++) {
        real d = p->maximize ? -g[i] : g[i];
        if (use_wd && (!a->mask || a->mask[i])) d += wd * x[i];
        sq[i] = sq[i] * alpha + one_minus_alpha * d * d;
        real avg;
        if (gavg) {
            gavg[i] = gavg[i] * alpha + one_minus_alpha * d;
            avg = RSQRT(sq[i] - gavg[i] * gavg[i]);
        } else {
            avg = RSQRT(sq[i]);
        }
        avg += eps;
        if (buf) {
            buf[i] = buf[i] * mu + d / avg;
            x[i] += -lr * buf[i];
        } else {
            x[i] += -lr * (d / avg);
        }
    }
}
