/* NAdam (Adam with Nesterov momentum and a momentum schedule):
 * torch.optim.NAdam's rule as documented (torch >= 2.0).
 *
 *   d_t = g_t + wd x_{t-1}   (or x_{t-1} *= 1 - lr wd with decoupled_weight_decay)
 *   mu_t = b1 (1 - 0.5 * 0.96^(t psi))                   (psi = momentum_decay)
 *   m_t = b1 m_{t-1} + (1 - b1) d_t,   v_t = b2 v_{t-1} + (1 - b2) d_t^2
 *   D_t = sqrt(v_t / (1 - b2^t)) + eps
 *   x_t = x_{t-1} - lr (1 - mu_t) / (1 - prod_{i<=t} mu_i) d_t / D_t
 *                 - lr mu_{t+1} / (1 - prod_{i<=t+1} mu_i) m_t / D_t
 *
 * Dozat, "Incorporating Nesterov momentum into Adam", ICLR 2016 workshop.
 * torch 1.13 multiplied mu_t twice into the second product (fixed in 2.0);
 * we follow the documented formula. State: m, v and the scalar prod mu_i. */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/nadam_rule.h"
#include "optim/real_f64.h"
#include "optim/nadam_rule.h"
