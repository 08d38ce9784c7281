/* RMSprop, optionally centered and with momentum: torch.optim.RMSprop's rule.
 *
 *   d_t = g_t + wd x_{t-1}
 *   v_t = alpha v_{t-1} + (1 - alpha) d_t^2
 *   centered: m_t = alpha m_{t-1} + (1 - alpha) d_t,  s_t = sqrt(v_t - m_t^2) + eps
 *   otherwise: s_t = sqrt(v_t) + eps
 *   momentum mu > 0: b_t = mu b_{t-1} + d_t / s_t,  x_t = x_{t-1} - lr b_t
 *   otherwise:       x_t = x_{t-1} - lr d_t / s_t
 *
 * Tieleman and Hinton, Lecture 6.5 of "Neural networks for machine learning",
 * Coursera 2012; the centered form from Graves, "Generating sequences with
 * recurrent neural networks", arXiv:1308.0850. Note eps is added outside the
 * square root, as PyTorch does (TensorFlow adds it inside). State: v, then m
 * (centered), then b (momentum). */
#include <math.h>

#include "optim/optimizer_impl.h"

#include "optim/real_f32.h"
#include "optim/rmsprop_rule.h"
#include "optim/real_f64.h"
#include "optim/rmsprop_rule.h"
