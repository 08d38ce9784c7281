/* Packing an int8 fully connected layer for the VNNI kernels (layout in
 * kernels/q8_internal.h). Portable C, model-build time only: the inference
 * path (eo_q8_fc_packed) reads the pack and nothing else.
 *
 * Why a constant per row: vpdpbusd multiplies unsigned by signed bytes, so
 * the kernels feed u = x + 128 (x XOR 0x80) and compute sum_i u[i] w[o][i] =
 * sum_i (x[i] - in_zp) w[o][i] + (128 + in_zp) sum_i w[o][i]. Starting the
 * accumulator at c[o] = bias[o] - (128 + in_zp) sum_i w[o][i] leaves exactly
 * the reference accumulator bias[o] + sum_i (x[i] - in_zp) w[o][i]. c fits in
 * int32: |bias| <= 2^30 and |(128 + in_zp) sum w| <= 255 * 128 * 32768, the
 * bound qkernels.h asserts statically; and since the final sum lies in int32,
 * the wrapping int32 additions on the way cannot change it. The AVX2 kernel
 * (no vpdpbusd) sums x w with x signed instead and starts at
 * cs[o] = bias[o] - in_zp sum_i w[o][i]. */
#include <string.h>

#include "kernels/q8_internal.h"

static int pack_dims(int32_t in, int32_t out, int32_t *groups, int32_t *blocks, size_t *bytes)
{
    if (in < 1 || out < 1 || in > EO_Q8_MAX_FANIN) return EO_Q8_EINVAL;
    int64_t g = ((int64_t)in + 3) / 4, b = ((int64_t)out + 15) / 16;
    /* 64 (header) + 4 int32 arrays of 16 per block + 64 bytes per (block, group) */
    uint64_t n = 64u + (uint64_t)b * 256u + (uint64_t)b * (uint64_t)g * 64u;
    if (n > (uint64_t)SIZE_MAX) return EO_Q8_ERANGE;
    *groups = (int32_t)g;
    *blocks = (int32_t)b;
    *bytes = (size_t)n;
    return EO_Q8_OK;
}

size_t eo_q8_fc_pack_bytes(int32_t in, int32_t out)
{
    int32_t g, b;
    size_t n;
    return pack_dims(in, out, &g, &b, &n) ? 0 : n;
}

int eo_q8_fc_pack(const eo_q8_params *p, int32_t in, int32_t out, const int8_t *w,
                  const int32_t *bias, void *dst, size_t bytes)
{
    if (!w || !dst) return EO_Q8_EINVAL;
    int rc = eo_q8_fc_check(p, 1, in, out, bias);
    if (rc) return rc;
    int32_t groups, blocks;
    size_t need;
    if ((rc = pack_dims(in, out, &groups, &blocks, &need))) return rc;
    if (bytes < need) return EO_Q8_EINVAL;
    unsigned char *d = dst;
    memset(d, 0, need);
    eo__q8_pack_hdr h = {EO_Q8_PACK_MAGIC, in, out, groups, blocks,
                         p->in_zp, p->out_zp, p->act_min, p->act_max, 0};
    const size_t nrow = (size_t)blocks * 16u;
    int32_t *c = (int32_t *)(void *)(d + EO_Q8_PACK_HDR_BYTES), *m = c + nrow, *s = m + nrow, *cs = s + nrow;
    int8_t *wp = (int8_t *)(void *)(cs + nrow);
    for (int32_t o = 0; o < out; o++) {
        const int8_t *wo = w + (size_t)o * (size_t)in;
        int32_t sum = 0; /* |sum| <= 128 * 32768 */
        for (int32_t i = 0; i < in; i++) {
            sum += wo[i];
            h.has_m128 |= wo[i] == -128;
        }
        c[o] = (bias ? bias[o] : 0) - (128 + p->in_zp) * sum;
        cs[o] = (bias ? bias[o] : 0) - p->in_zp * sum;
        int32_t k = p->n_mult == 1 ? 0 : o;
        m[o] = p->mult[k];
        s[o] = p->shift[k];
        const int32_t b = o / 16;
        const size_t r = (size_t)(o % 16);
        int32_t b0 = 0, nb = eo__q8_pass_blocks(0, blocks); /* the pass holding block b */
        while (b >= b0 + nb) {
            b0 += nb;
            nb = eo__q8_pass_blocks(b0, blocks);
        }
        int8_t *pass = wp + (size_t)b0 * (size_t)groups * 64u;
        for (int32_t i = 0; i < in; i++)
            pass[(((size_t)(i / 4) * (size_t)nb + (size_t)(b - b0)) * 16u + r) * 4u + (size_t)(i % 4)] = wo[i];
    }
    memcpy(d, &h, sizeof h);
    return EO_Q8_OK;
}
