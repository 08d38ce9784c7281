/* RAdam (rectified Adam): torch.optim.RAdam's rule.
 *
 *   d_t = g_t + wd x_{t-1}   (or x_{t-1} *= 1 - lr wd with decoupled_weight_decay)
 *   m_t = b1 m_{t-1} + (1 - b1) d_t,   v_t = b2 v_{t-1} + (1 - b2) d_t^2
 *   rho_inf = 2 / (1 - b2) - 1,   rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
 *   rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 *               x_t = x_{t-1} - lr m_t / (1 - b1^t) * sqrt(1 - b2^t) / (sqrt(v_t) + eps) * r_t
 *   otherwise:  x_t = x_{t-1} - lr m_t / (1 - b1^t)      (plain momentum SGD)
 *
 * Liu et al., "On the variance of the adaptive learning rate and beyond",
 * ICLR 2020. The threshold 5 is PyTorch's. State: m, v. */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/radam_rule.h"
#include "optim/real_f64.h"
#include "optim/radam_rule.h"
