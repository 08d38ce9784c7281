/* Device quantities of the int8 model a float model would become, used for
 * --constraint and --objectives before a trial trains.
 *
 * This is the tune module's own estimate, written to the int8 layout of
 * edgeopt/qmodel.h (weights int8, one int32 bias, a float scale and a Q31
 * multiplier + shift per output channel; batch norm folded; activations
 * fused; dropout/flatten free) with the export's memory scheme (two ping-pong
 * int8 activation buffers). The CLI installs the export planner's exact
 * figures through eo_tune_train_set_footprint when the deploy module
 * provides them.
 *   flash   = weight bytes + 4 * biases + 12 * output channels + code
 *             (1024 bytes of runtime plus 512 per distinct op kind)
 *   ram     = max over ops of (input + output activation bytes) + 256 (stack)
 *   latency = multiply-accumulates per inference
 *   params  = float parameters of the model */
#include <math.h>
#include <string.h>

#include "tune/internal.h"

int eo_tune_footprint_default(const eo_model *m, double *q, void *user, eo_error *err)
{
    (void)user;
    if (!m || !q) return eo_error_set(err, EO_ERR_INVALID, "footprint: NULL argument");
    int nl = eo_model_nlayers(m);
    double weights = 0, chans = 0, macs = 0, ram = 0;
    unsigned kinds = 0;
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        int64_t in[3], out[3];
        size_t off, cnt;
        if (eo_model_layer(m, i, &d, in, out, &off, &cnt)) return eo_error_set(err, EO_ERR_INVALID, "bad layer %d", i);
        double in_n = (double)(in[0] * in[1] * in[2]), out_n = (double)(out[0] * out[1] * out[2]);
        switch (d.kind) {
        case EO_LAYER_DENSE:
            weights += in_n * d.units;
            chans += d.units;
            macs += in_n * d.units;
            break;
        case EO_LAYER_CONV2D:
            weights += (double)in[0] * d.kh * d.kw * d.units;
            chans += d.units;
            macs += (double)out[1] * out[2] * d.units * in[0] * d.kh * d.kw;
            break;
        case EO_LAYER_DWCONV2D:
            weights += (double)in[0] * d.kh * d.kw;
            chans += (double)in[0];
            macs += (double)out[1] * out[2] * in[0] * d.kh * d.kw;
            break;
        case EO_LAYER_MAXPOOL:
        case EO_LAYER_AVGPOOL:
        case EO_LAYER_GAP: break;
        default: continue; /* folded, fused or free: no op of its own */
        }
        kinds |= 1u << d.kind;
        if (in_n + out_n > ram) ram = in_n + out_n;
    }
    int nk = 0;
    for (unsigned k = kinds; k; k &= k - 1) nk++;
    q[EO_TUNE_FLASH] = weights + 4 * chans + 12 * chans + 1024 + 512.0 * nk;
    q[EO_TUNE_RAM] = ram + 256;
    q[EO_TUNE_LATENCY] = macs;
    q[EO_TUNE_PARAMS] = (double)eo_model_nparams(m);
    return EO_OK;
}
