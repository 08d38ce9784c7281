/* Adagrad with learning-rate decay and an initial accumulator:
 * torch.optim.Adagrad's rule.
 *
 *   d_t = g_t + wd x_{t-1}
 *   lr_t = lr / (1 + (t - 1) lr_decay)
 *   s_t = s_{t-1} + d_t^2                (s_0 = initial_accumulator_value)
 *   x_t = x_{t-1} - lr_t d_t / (sqrt(s_t) + eps)
 *
 * Duchi, Hazan, Singer, "Adaptive subgradient methods for online learning and
 * stochastic optimization", JMLR 12, 2011. State: the sum s. */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/adagrad_rule.h"
#include "optim/real_f64.h"
#include "optim/adagrad_rule.h"
