/* Private to the kernels module: the AVX2 int8 kernels (files *_avx2.c,
 * compiled with -mavx2 -mfma on x86 only) and the table that selects them.
 * Each has the contract of its _ref twin in edgeopt/qref.h and must give
 * bit-identical results (tests/kernels/test_q8_avx2.c checks that). */
#ifndef EO_KERNELS_Q8_INTERNAL_H
#define EO_KERNELS_Q8_INTERNAL_H

#include "edgeopt/qkernels.h"

/* Layout of a pack made by eo_q8_fc_pack (qfc_pack.c), read by the VNNI
 * kernels. Every part starts on a 64-byte boundary of the pack:
 *   header   this struct, padded to 64 bytes;
 *   c        int32 [blocks * 16]: bias[o] - (128 + in_zp) * sum_i w[o][i]
 *            (0 past out): the accumulator's start value;
 *   mult     int32 [blocks * 16]: the Q31 multiplier of row o (per-tensor
 *            values repeated), 0 past out;
 *   shift    int32 [blocks * 16], 0 past out;
 *   cs       int32 [blocks * 16]: bias[o] - in_zp * sum_i w[o][i] (0 past
 *            out): the start value of the AVX2 kernel, which sums x w with
 *            x signed (|in_zp * sum w| <= 128 * 128 * 32768, so it fits);
 *   w        int8 cells of 64 bytes, zero past in and out.
 * A block is 16 output rows, a group 4 inputs; cell (b, g) holds
 * w[16 b + r][4 g + k] at byte 4 r + k. One vpdpbusd of a broadcast group of
 * 4 unsigned inputs against cell (b, g) adds those 4 products into the 16
 * rows of block b. The kernels run the blocks in passes (eo__q8_pass_blocks:
 * 16 blocks at a time, then 8, 4, 2, 1), each pass reading its cells as one
 * sequential stream: pass [b0, b0 + nb) starts at cell offset b0 * groups and
 * holds cell (b0 + j, g) at g * nb + j. */
static inline int32_t eo__q8_pass_blocks(int32_t b0, int32_t blocks)
{
    int32_t left = blocks - b0;
    return left >= 16 ? 16 : left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

#define EO_Q8_PACK_MAGIC UINT32_C(0x51385043) /* "CP8Q" */
typedef struct eo__q8_pack_hdr {
    uint32_t magic;
    int32_t in, out, groups, blocks;
    int32_t in_zp, out_zp, act_min, act_max;
    int32_t has_m128; /* 1 if some weight is -128 (the AVX2 sign trick cannot negate it) */
} eo__q8_pack_hdr;
#define EO_Q8_PACK_HDR_BYTES 64u

static inline const int32_t *eo__q8_pack_c(const eo__q8_pack_hdr *h)
{
    return (const int32_t *)(const void *)((const unsigned char *)h + EO_Q8_PACK_HDR_BYTES);
}
static inline const int32_t *eo__q8_pack_mult(const eo__q8_pack_hdr *h)
{
    return eo__q8_pack_c(h) + (size_t)h->blocks * 16u;
}
static inline const int32_t *eo__q8_pack_shift(const eo__q8_pack_hdr *h)
{
    return eo__q8_pack_c(h) + (size_t)h->blocks * 32u;
}
static inline const int32_t *eo__q8_pack_cs(const eo__q8_pack_hdr *h)
{
    return eo__q8_pack_c(h) + (size_t)h->blocks * 48u;
}
static inline const int8_t *eo__q8_pack_w(const eo__q8_pack_hdr *h)
{
    return (const int8_t *)(const void *)(eo__q8_pack_c(h) + (size_t)h->blocks * 64u);
}

/* The packed FC kernels: EO__Q8_ISA_ZMM (AVX-512 F/BW/VL + VNNI, qfc_avx512vnni.c),
 * EO__Q8_ISA_YMM (AVX-VNNI, qfc_avxvnni.c) or EO__Q8_ISA_AVX2 (vpmaddubsw with
 * the sign trick, qfc_packed_avx2.c). eo__q8_packed_isa: the best this CPU runs
 * (EO__Q8_ISA_NONE without AVX2). eo__q8_fc_packed_isa runs a given one (tests
 * compare them all): EO_ERR_UNSUPPORTED when the CPU lacks it. */
enum { EO__Q8_ISA_NONE = 0, EO__Q8_ISA_YMM = 1, EO__Q8_ISA_ZMM = 2, EO__Q8_ISA_AVX2 = 3 };
int eo__q8_packed_isa(void);
int eo__q8_cpu_has_isa(int isa);
int eo__q8_fc_packed_isa(int isa, const void *pack, int32_t batch, const int8_t *x, int8_t *y);

#if defined(EO_HAVE_X86)
int eo__q8_fc_avx2(const eo_q8_params *p, int32_t batch, int32_t in, int32_t out,
                   const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_conv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, int32_t oc,
                       const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_dwconv2d_avx2(const eo_q8_params *p, const eo_q8_geom *g, const int8_t *x,
                         const int8_t *w, const int32_t *bias, int8_t *y);
int eo__q8_maxpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y);
int eo__q8_avgpool_avx2(const eo_q8_geom *g, int32_t act_min, int32_t act_max,
                        const int8_t *x, int8_t *y);
int eo__q8_gap_avx2(int32_t n, int32_t c, int32_t hw, int32_t act_min, int32_t act_max,
                    const int8_t *x, int8_t *y);
int eo__q8_quantize_avx2(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
int eo__q8_dequantize_avx2(size_t n, const int8_t *q, float scale, int32_t zp, float *x);
/* eo_q8_fc_packed on zmm (qfc_avx512vnni.c: AVX-512 F/BW/VL/VNNI) and on
 * ymm (qfc_avxvnni.c: AVX-VNNI); the pack is checked by the caller. */
void eo__q8_fc_packed_avx512vnni(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y);
void eo__q8_fc_packed_avxvnni(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y);
void eo__q8_fc_packed_avx2(const eo__q8_pack_hdr *h, int32_t batch, const int8_t *x, int8_t *y);
/* eo_q8_quantize_ref on zmm (qfc_input_avx512vnni.c): the VNNI path's input. */
int eo__q8_quantize_avx512vnni(size_t n, const float *x, float scale, int32_t zp, int8_t *q);
#endif

#endif
