/* Adam, AdamW and AMSGrad: torch.optim.Adam / AdamW's rule.
 *
 *   Adam:  d_t = g_t + wd x_{t-1}               AdamW: x_{t-1} *= 1 - lr wd,  d_t = g_t
 *   m_t = b1 m_{t-1} + (1 - b1) d_t
 *   v_t = b2 v_{t-1} + (1 - b2) d_t^2
 *   AMSGrad: w_t = max(w_{t-1}, v_t), else w_t = v_t
 *   x_t = x_{t-1} - lr / (1 - b1^t) * m_t / (sqrt(w_t) / sqrt(1 - b2^t) + eps)
 *
 * Kingma and Ba, "Adam: a method for stochastic optimization", ICLR 2015;
 * Loshchilov and Hutter, "Decoupled weight decay regularization", ICLR 2019;
 * Reddi, Kale, Kumar, "On the convergence of Adam and beyond", ICLR 2018.
 * Adam with decoupled_weight_decay = 1 is AdamW (as in torch 2.x).
 * State: m, v, then w (AMSGrad). */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/adam_rule.h"
#include "optim/real_f64.h"
#include "optim/adam_rule.h"
