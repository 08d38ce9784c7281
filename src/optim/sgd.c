/* Stochastic gradient descent with momentum, dampening, Nesterov momentum,
 * L2 weight decay and maximize: torch.optim.SGD's rule.
 *
 *   d_t = g_t + wd x_{t-1}                              (g negated when maximizing)
 *   b_1 = d_1,  b_t = mu b_{t-1} + (1 - tau) d_t        (momentum mu != 0, dampening tau)
 *   d_t = d_t + mu b_t (Nesterov)  or  d_t = b_t
 *   x_t = x_{t-1} - lr d_t
 *
 * Polyak, "Some methods of speeding up the convergence of iteration methods",
 * USSR Comp. Math. 1964; Sutskever et al., "On the importance of
 * initialization and momentum in deep learning", ICML 2013 (the Nesterov form
 * PyTorch uses). State: the momentum buffer (only when mu != 0). */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/sgd_rule.h"
#include "optim/real_f64.h"
#include "optim/sgd_rule.h"
