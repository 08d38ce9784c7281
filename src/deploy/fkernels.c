/* The float kernels a float export contains, as C text.
 *
 * Each computes exactly what the library's eval forward computes for one
 * sample (src/model/layer_*.c), in the same order of floating-point
 * operations, so that a host build of the export with -ffp-contract=off gives
 * the library's bits when the library runs its portable SGEMM:
 *   dense, conv2d  the portable SGEMM sums the K = in (dense) or C*KH*KW
 *                  (conv, im2col order c, ky, kx) products in blocks of kb
 *                  terms (kb = the balanced block of src/kernels/gemm.c:
 *                  ceil(K / ceil(K / 256)) rounded up to a multiple of 4,
 *                  at most 256): each block summed in order from +0, the
 *                  block sums added to the total in order, then the bias.
 *                  Zero padding adds +-0 to a sum that is never -0, so the
 *                  padded taps are skipped.
 *   dwconv2d       bias first, then the taps in (ky, kx) order;
 *   pools          max: the first valid value, then strictly greater ones;
 *                  avg: the valid taps summed in order, times 1/(KH*KW)
 *                  (padding counted, as PyTorch's count_include_pad);
 *   gap            summed in double, divided in double;
 *   batch norm     y = a[c] x + b[c] with a, b computed at export as the
 *                  library computes them (in double, from the running stats);
 *   activations    the library's expressions (tanhf, expf from <math.h>);
 *   softmax        max, expf(x - max), sum in double, times (float)(1 / sum).
 * Only the kernels a model uses are emitted. */
#include "deploy/internal.h"

static const char geom_text[] =
    "/* Geometry of a convolution or pooling layer over one NCHW sample. */\n"
    "typedef struct f32_geom {\n"
    "    int32_t c, h, w;       /* input channels, height, width */\n"
    "    int32_t oc, oh, ow;    /* output channels, height, width */\n"
    "    int32_t kh, kw;        /* window */\n"
    "    int32_t stride, pad;   /* same along both axes; zero padding */\n"
    "    int32_t kb;            /* conv2d: summation block (see conv2d_f32) */\n"
    "    float inv;             /* avgpool: 1 / (kh * kw) */\n"
    "} f32_geom;\n\n";

static const char dense_text[] =
    "/* Fully connected: y[o] = sum_i w[o][i] x[i] + b[o], w [out][in].\n"
    " * The sum runs over blocks of kb inputs, each block summed in order and\n"
    " * added to the total in order: the order of edgeopt's SGEMM, so a host\n"
    " * build gives the library's bits. */\n"
    "static void dense_f32(const float *x, const float *w, const float *b, int32_t in, int32_t out,\n"
    "                      int32_t kb, float *y)\n"
    "{\n"
    "    for (int32_t o = 0; o < out; o++) {\n"
    "        const float *wo = w + (size_t)o * (size_t)in;\n"
    "        float sum = 0.0f;\n"
    "        for (int32_t k0 = 0; k0 < in; k0 += kb) {\n"
    "            int32_t k1 = in - k0 < kb ? in : k0 + kb;\n"
    "            float acc = 0.0f;\n"
    "            for (int32_t k = k0; k < k1; k++) acc += wo[k] * x[k];\n"
    "            sum += acc;\n"
    "        }\n"
    "        y[o] = sum + b[o];\n"
    "    }\n"
    "}\n\n";

static const char conv_text[] =
    "/* 2-D convolution (cross-correlation, zero padding), w [oc][c][kh][kw]:\n"
    " * y[f][oy][ox] = sum_{c,ky,kx} w[f][c][ky][kx] x[c][oy*s-p+ky][ox*s-p+kx] + b[f].\n"
    " * The products are summed in (c, ky, kx) order in blocks of g->kb taps, as\n"
    " * the library's im2col + SGEMM does; taps in the padding add nothing. */\n"
    "static void conv2d_f32(const f32_geom *g, const float *x, const float *w, const float *b, float *y)\n"
    "{\n"
    "    const int32_t fan = g->c * g->kh * g->kw;\n"
    "    for (int32_t f = 0; f < g->oc; f++) {\n"
    "        const float *wf = w + (size_t)f * (size_t)fan;\n"
    "        for (int32_t oy = 0; oy < g->oh; oy++) {\n"
    "            for (int32_t ox = 0; ox < g->ow; ox++) {\n"
    "                float sum = 0.0f, acc = 0.0f;\n"
    "                int32_t t = 0, left = g->kb;\n"
    "                for (int32_t ic = 0; ic < g->c; ic++) {\n"
    "                    const float *xc = x + (size_t)ic * (size_t)g->h * (size_t)g->w;\n"
    "                    for (int32_t ky = 0; ky < g->kh; ky++) {\n"
    "                        int32_t iy = oy * g->stride - g->pad + ky;\n"
    "                        for (int32_t kx = 0; kx < g->kw; kx++, t++) {\n"
    "                            int32_t ix = ox * g->stride - g->pad + kx;\n"
    "                            if (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w)\n"
    "                                acc += wf[t] * xc[(size_t)iy * (size_t)g->w + (size_t)ix];\n"
    "                            if (--left == 0) {\n"
    "                                sum += acc;\n"
    "                                acc = 0.0f;\n"
    "                                left = g->kb;\n"
    "                            }\n"
    "                        }\n"
    "                    }\n"
    "                }\n"
    "                y[((size_t)f * (size_t)g->oh + (size_t)oy) * (size_t)g->ow + (size_t)ox] = (sum + acc) + b[f];\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n\n";

static const char dw_text[] =
    "/* Depthwise convolution (one filter per channel), w [c][kh][kw]:\n"
    " * y[c][oy][ox] = b[c] + sum_{ky,kx} w[c][ky][kx] x[c][oy*s-p+ky][ox*s-p+kx],\n"
    " * accumulated from the bias in (ky, kx) order. */\n"
    "static void dwconv2d_f32(const f32_geom *g, const float *x, const float *w, const float *b, float *y)\n"
    "{\n"
    "    for (int32_t c = 0; c < g->c; c++) {\n"
    "        const float *xc = x + (size_t)c * (size_t)g->h * (size_t)g->w;\n"
    "        const float *wc = w + (size_t)c * (size_t)g->kh * (size_t)g->kw;\n"
    "        float *yc = y + (size_t)c * (size_t)g->oh * (size_t)g->ow;\n"
    "        for (int32_t oy = 0; oy < g->oh; oy++) {\n"
    "            for (int32_t ox = 0; ox < g->ow; ox++) {\n"
    "                float acc = b[c];\n"
    "                for (int32_t ky = 0; ky < g->kh; ky++) {\n"
    "                    int32_t iy = oy * g->stride - g->pad + ky;\n"
    "                    if (iy < 0 || iy >= g->h) continue;\n"
    "                    for (int32_t kx = 0; kx < g->kw; kx++) {\n"
    "                        int32_t ix = ox * g->stride - g->pad + kx;\n"
    "                        if (ix < 0 || ix >= g->w) continue;\n"
    "                        acc += wc[ky * g->kw + kx] * xc[(size_t)iy * (size_t)g->w + (size_t)ix];\n"
    "                    }\n"
    "                }\n"
    "                yc[(size_t)oy * (size_t)g->ow + (size_t)ox] = acc;\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n\n";

static const char maxpool_text[] =
    "/* Max pooling per channel over the valid (non-padding) taps of each window:\n"
    " * the first valid value, then any strictly greater one. */\n"
    "static void maxpool_f32(const f32_geom *g, const float *x, float *y)\n"
    "{\n"
    "    for (int32_t c = 0; c < g->c; c++) {\n"
    "        const float *xc = x + (size_t)c * (size_t)g->h * (size_t)g->w;\n"
    "        float *yc = y + (size_t)c * (size_t)g->oh * (size_t)g->ow;\n"
    "        for (int32_t oy = 0; oy < g->oh; oy++) {\n"
    "            for (int32_t ox = 0; ox < g->ow; ox++) {\n"
    "                float best = 0.0f;\n"
    "                int any = 0;\n"
    "                for (int32_t ky = 0; ky < g->kh; ky++) {\n"
    "                    int32_t iy = oy * g->stride - g->pad + ky;\n"
    "                    if (iy < 0 || iy >= g->h) continue;\n"
    "                    for (int32_t kx = 0; kx < g->kw; kx++) {\n"
    "                        int32_t ix = ox * g->stride - g->pad + kx;\n"
    "                        if (ix < 0 || ix >= g->w) continue;\n"
    "                        float v = xc[(size_t)iy * (size_t)g->w + (size_t)ix];\n"
    "                        if (!any || v > best) best = v;\n"
    "                        any = 1;\n"
    "                    }\n"
    "                }\n"
    "                yc[(size_t)oy * (size_t)g->ow + (size_t)ox] = best;\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n\n";

static const char avgpool_text[] =
    "/* Average pooling per channel: the valid taps summed in order, times\n"
    " * g->inv = 1 / (kh * kw) (padding counts in the divisor, as PyTorch's\n"
    " * count_include_pad=True). */\n"
    "static void avgpool_f32(const f32_geom *g, const float *x, float *y)\n"
    "{\n"
    "    for (int32_t c = 0; c < g->c; c++) {\n"
    "        const float *xc = x + (size_t)c * (size_t)g->h * (size_t)g->w;\n"
    "        float *yc = y + (size_t)c * (size_t)g->oh * (size_t)g->ow;\n"
    "        for (int32_t oy = 0; oy < g->oh; oy++) {\n"
    "            for (int32_t ox = 0; ox < g->ow; ox++) {\n"
    "                float acc = 0.0f;\n"
    "                for (int32_t ky = 0; ky < g->kh; ky++) {\n"
    "                    int32_t iy = oy * g->stride - g->pad + ky;\n"
    "                    if (iy < 0 || iy >= g->h) continue;\n"
    "                    for (int32_t kx = 0; kx < g->kw; kx++) {\n"
    "                        int32_t ix = ox * g->stride - g->pad + kx;\n"
    "                        if (ix >= 0 && ix < g->w) acc += xc[(size_t)iy * (size_t)g->w + (size_t)ix];\n"
    "                    }\n"
    "                }\n"
    "                yc[(size_t)oy * (size_t)g->ow + (size_t)ox] = acc * g->inv;\n"
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n\n";

static const char gap_text[] =
    "/* Global average pooling: y[c] = mean of channel c's plane of hw values,\n"
    " * summed and divided in double. */\n"
    "static void gap_f32(const float *x, int32_t c, int32_t hw, float *y)\n"
    "{\n"
    "    for (int32_t k = 0; k < c; k++) {\n"
    "        const float *xc = x + (size_t)k * (size_t)hw;\n"
    "        double acc = 0.0;\n"
    "        for (int32_t q = 0; q < hw; q++) acc += xc[q];\n"
    "        y[k] = (float)(acc / (double)hw);\n"
    "    }\n"
    "}\n\n";

static const char affine_text[] =
    "/* Batch normalization in eval mode, folded at export into one affine map per\n"
    " * channel: y[c][s] = a[c] x[c][s] + b[c] over the plane of hw values. May run\n"
    " * in place (y == x). */\n"
    "static void affine_f32(const float *x, const float *a, const float *b, int32_t c, int32_t hw, float *y)\n"
    "{\n"
    "    for (int32_t k = 0; k < c; k++)\n"
    "        for (int32_t q = 0; q < hw; q++) {\n"
    "            size_t i = (size_t)k * (size_t)hw + (size_t)q;\n"
    "            y[i] = a[k] * x[i] + b[k];\n"
    "        }\n"
    "}\n\n";

static const char relu_text[] =
    "/* y = max(x, 0), element-wise; may run in place. */\n"
    "static void relu_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;\n"
    "}\n\n";

static const char relu6_text[] =
    "/* y = min(max(x, 0), 6), element-wise; may run in place. */\n"
    "static void relu6_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f;\n"
    "}\n\n";

static const char leaky_text[] =
    "/* y = x for x > 0, alpha x otherwise; may run in place. */\n"
    "static void leaky_relu_f32(const float *x, int32_t n, float alpha, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];\n"
    "}\n\n";

static const char tanh_text[] =
    "/* y = tanh x (tanhf from the C library); may run in place. */\n"
    "static void tanh_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) y[i] = tanhf(x[i]);\n"
    "}\n\n";

static const char sigmoid_text[] =
    "/* y = 1 / (1 + e^-x), evaluated so that e^. never overflows; may run in place. */\n"
    "static void sigmoid_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) {\n"
    "        float v = x[i];\n"
    "        y[i] = v >= 0.0f ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v));\n"
    "    }\n"
    "}\n\n";

static const char softmax_text[] =
    "/* Softmax over n values: e^(x - max) / sum e^(x - max), the sum in double;\n"
    " * may run in place. */\n"
    "static void softmax_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    float mx = x[0];\n"
    "    for (int32_t j = 1; j < n; j++)\n"
    "        if (x[j] > mx) mx = x[j];\n"
    "    double z = 0.0;\n"
    "    for (int32_t j = 0; j < n; j++) {\n"
    "        y[j] = expf(x[j] - mx);\n"
    "        z += y[j];\n"
    "    }\n"
    "    float inv = (float)(1.0 / z);\n"
    "    for (int32_t j = 0; j < n; j++) y[j] *= inv;\n"
    "}\n\n";

static const char copy_text[] =
    "/* y = x (a model without compute layers). */\n"
    "static void copy_f32(const float *x, int32_t n, float *y)\n"
    "{\n"
    "    for (int32_t i = 0; i < n; i++) y[i] = x[i];\n"
    "}\n\n";

void eo__fkernels_emit(eo__sb *b, const int *uses)
{
    if (uses[EO__K_CONV2D] || uses[EO__K_DWCONV2D] || uses[EO__K_MAXPOOL] || uses[EO__K_AVGPOOL])
        eo__sb_put(b, geom_text);
    static const struct {
        eo__kern k;
        const char *text;
    } table[] = {
        {EO__K_DENSE, dense_text},     {EO__K_CONV2D, conv_text},   {EO__K_DWCONV2D, dw_text},
        {EO__K_MAXPOOL, maxpool_text}, {EO__K_AVGPOOL, avgpool_text}, {EO__K_GAP, gap_text},
        {EO__K_AFFINE, affine_text},   {EO__K_RELU, relu_text},     {EO__K_RELU6, relu6_text},
        {EO__K_LEAKY, leaky_text},     {EO__K_TANH, tanh_text},     {EO__K_SIGMOID, sigmoid_text},
        {EO__K_SOFTMAX, softmax_text}, {EO__K_COPY, copy_text},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (uses[table[i].k]) eo__sb_put(b, table[i].text);
}
