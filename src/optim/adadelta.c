/* Adadelta: torch.optim.Adadelta's rule (with PyTorch's extra lr factor).
 *
 *   d_t = g_t + wd x_{t-1}
 *   v_t = rho v_{t-1} + (1 - rho) d_t^2
 *   D_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * d_t
 *   u_t = rho u_{t-1} + (1 - rho) D_t^2
 *   x_t = x_{t-1} - lr D_t
 *
 * Zeiler, "ADADELTA: an adaptive learning rate method", arXiv:1212.5701.
 * State: v, then u. */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/adadelta_rule.h"
#include "optim/real_f64.h"
#include "optim/adadelta_rule.h"
