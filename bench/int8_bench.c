/* int8 and compression kernels benchmark (lane F).
 *
 *   int8_bench [--reps N] [--time SECONDS] [--wall] [--quick] [--mlp]
 *
 * 1. A 784-128(ReLU)-10 MLP forward pass at batch 1, per sample:
 *      float  eo_sgemm (1 x 784 times the weights, as [out][in] with B^T and
 *             as [in][out]; the faster of the two counts) + bias + ReLU;
 *      int8   two FC layers with fused ReLU (int8 in, int8 out), and end to
 *             end from float input to float logits (quantize + 2 FC +
 *             dequantize), on each path: "avx2" (eo_q8_fc, vpmaddwd on the
 *             [out][in] weights), "vnni" (eo_q8_fc_packed: vpdpbusd on
 *             weights packed once by eo_q8_fc_pack, and that path's input
 *             conversion; on CPUs with AVX-512 VNNI or AVX-VNNI; without
 *             them the packed rows use the AVX2 sign-trick kernel) and
 *             "ref" (the portable qref.c).
 * 2. CSR against dense for the 784 -> 128 layer at sparsities 0 .. 0.99, batch
 *    1 and 128: eo_csr_fc against eo_sgemm + bias; the crossover sparsity is
 *    the lowest one from which CSR stays faster.
 * 3. The k-means lookup layer (4-bit and 8-bit indices) against the same dense
 *    layer, batch 1.
 * 4. int8 conv, depthwise and pooling layers of a small CNN: reference
 *    against AVX2.
 * Every figure is the median over --reps repetitions; a repetition runs the
 * routine in a loop for at least --time seconds of the thread's CPU time (wall
 * time with --wall). Inputs cycle over 64 different samples. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/compress.h"
#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "edgeopt/qkernels.h"

enum { IN = 784, HID = 128, OUT = 10, NS = 64, BIG = 128 };

static int g_reps = 9;
static double g_time = 0.05;

/* Thread CPU time, not wall time: the benchmark machine is shared, and time
 * spent descheduled would otherwise dominate the figures. (--wall switches to
 * CLOCK_MONOTONIC.) */
static clockid_t g_clock = CLOCK_THREAD_CPUTIME_ID;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(g_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*bench_fn)(void *ctx, int i);

/* Median over reps of the time per call (microseconds). */
static double time_us(bench_fn fn, void *ctx)
{
    double med[64];
    int reps = g_reps < 64 ? g_reps : 64;
    for (int r = 0; r < reps; r++) {
        long calls = 0;
        double t0 = now_s(), t;
        do {
            for (int k = 0; k < 16; k++, calls++) fn(ctx, (int)(calls % NS));
            t = now_s();
        } while (t - t0 < g_time);
        med[r] = 1e6 * (t - t0) / (double)calls;
    }
    qsort(med, (size_t)reps, sizeof(double), cmp_double);
    return med[reps / 2];
}

/* ----------------------------------------------------------------- the MLP */

typedef struct mlp {
    /* float: W as [out][in] (layout of the model lane) and transposed [in][out] */
    float *w1, *w1t, *b1, *w2, *w2t, *b2;
    float *x;                 /* [NS][IN] */
    float h[HID], y[OUT];
    /* int8 */
    int8_t *q1, *q2, *xq;     /* weights [out][in], inputs [NS][IN] */
    int32_t qb1[HID], qb2[OUT];
    int32_t m1[HID], s1[HID], m2[OUT], s2[OUT];
    eo_q8_params p1, p2;
    eo_q8_qparam in_q, hid_q, out_q;
    int8_t hq[HID], yq[OUT], xbuf[IN];
    const eo_q8_ops *ops;     /* unpacked path: avx2 (ref without AVX2) */
    const eo_q8_ops *vops;    /* vnni path (NULL without VNNI) */
    int packed;               /* eo_q8_fc_packed runs here (VNNI, or AVX2 with the sign trick) */
    void *pk1, *pk2;          /* the two layers packed for eo_q8_fc_packed */
    eo_trans tb;              /* float: which weight layout */
} mlp;

static void randn(eo_rng *r, float *a, size_t n, double sd)
{
    for (size_t i = 0; i < n; i++) a[i] = (float)(sd * eo_rng_normal(r));
}

static void mlp_init(mlp *M)
{
    eo_rng r;
    eo_rng_seed(&r, 2024);
    M->w1 = malloc(sizeof(float) * IN * HID);
    M->w1t = malloc(sizeof(float) * IN * HID);
    M->w2 = malloc(sizeof(float) * HID * OUT);
    M->w2t = malloc(sizeof(float) * HID * OUT);
    M->b1 = malloc(sizeof(float) * HID);
    M->b2 = malloc(sizeof(float) * OUT);
    M->x = malloc(sizeof(float) * NS * IN);
    M->q1 = malloc(IN * HID);
    M->q2 = malloc(HID * OUT);
    M->xq = malloc(NS * IN);
    randn(&r, M->w1, IN * HID, 1.0 / sqrt(IN));
    randn(&r, M->w2, HID * OUT, 1.0 / sqrt(HID));
    randn(&r, M->b1, HID, 0.1);
    randn(&r, M->b2, OUT, 0.1);
    for (int i = 0; i < NS * IN; i++) M->x[i] = (float)eo_rng_uniform(&r); /* pixels in [0, 1) */
    for (int o = 0; o < HID; o++)
        for (int i = 0; i < IN; i++) M->w1t[i * HID + o] = M->w1[o * IN + i];
    for (int o = 0; o < OUT; o++)
        for (int i = 0; i < HID; i++) M->w2t[i * OUT + o] = M->w2[o * HID + i];
    /* int8: per-channel weights, fixed activation ranges */
    float sc1[HID], sc2[OUT];
    eo_q8_choose_params(0.0, 1.0, &M->in_q);
    eo_q8_choose_params(0.0, 6.0, &M->hid_q);
    eo_q8_choose_params(-8.0, 8.0, &M->out_q);
    eo_q8_quantize_weights(M->w1, HID, IN, 1, M->q1, sc1);
    eo_q8_quantize_weights(M->w2, OUT, HID, 1, M->q2, sc2);
    eo_q8_quantize_bias(M->b1, HID, M->in_q.scale, sc1, HID, M->qb1, NULL);
    eo_q8_quantize_bias(M->b2, OUT, M->hid_q.scale, sc2, OUT, M->qb2, NULL);
    eo_q8_requant_params(M->in_q.scale, sc1, HID, M->hid_q.scale, M->m1, M->s1);
    eo_q8_requant_params(M->hid_q.scale, sc2, OUT, M->out_q.scale, M->m2, M->s2);
    int32_t lo, hi;
    eo_q8_act_range(EO_Q8_ACT_RELU, M->hid_q.scale, M->hid_q.zero_point, &lo, &hi);
    eo_q8_params p1 = {M->in_q.zero_point, M->hid_q.zero_point, lo, hi, HID, M->m1, M->s1};
    eo_q8_params p2 = {M->hid_q.zero_point, M->out_q.zero_point, -128, 127, OUT, M->m2, M->s2};
    M->p1 = p1;
    M->p2 = p2;
    eo_q8_quantize(NS * IN, M->x, M->in_q.scale, M->in_q.zero_point, M->xq);
    M->ops = eo_q8_ops_get(EO_Q8_PATH_AVX2);
    if (!M->ops) M->ops = eo_q8_ops_get(EO_Q8_PATH_REF);
    M->vops = eo_q8_ops_get(EO_Q8_PATH_VNNI);
    M->packed = eo_q8_fc_packed_available();
    if (M->packed) { /* model-build time: pack once */
        size_t n1 = eo_q8_fc_pack_bytes(IN, HID), n2 = eo_q8_fc_pack_bytes(HID, OUT);
        M->pk1 = aligned_alloc(64, n1);
        M->pk2 = aligned_alloc(64, n2);
        if (!M->pk1 || !M->pk2 || eo_q8_fc_pack(&M->p1, IN, HID, M->q1, M->qb1, M->pk1, n1) ||
            eo_q8_fc_pack(&M->p2, HID, OUT, M->q2, M->qb2, M->pk2, n2)) {
            fprintf(stderr, "int8_bench: packing failed\n");
            exit(1);
        }
    }
}

static void mlp_free(mlp *M)
{
    free(M->w1), free(M->w1t), free(M->w2), free(M->w2t), free(M->b1), free(M->b2);
    free(M->x), free(M->q1), free(M->q2), free(M->xq), free(M->pk1), free(M->pk2);
}

static void run_float(void *ctx, int i)
{
    mlp *M = ctx;
    const float *x = M->x + (size_t)i * IN;
    if (M->tb == EO_TRANS) {
        eo_sgemm(NULL, EO_NOTRANS, EO_TRANS, 1, HID, IN, 1.0f, x, IN, M->w1, IN, 0.0f, M->h, HID);
    } else {
        eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 1, HID, IN, 1.0f, x, IN, M->w1t, HID, 0.0f, M->h, HID);
    }
    for (int o = 0; o < HID; o++) {
        float v = M->h[o] + M->b1[o];
        M->h[o] = v > 0.0f ? v : 0.0f;
    }
    if (M->tb == EO_TRANS) {
        eo_sgemm(NULL, EO_NOTRANS, EO_TRANS, 1, OUT, HID, 1.0f, M->h, HID, M->w2, HID, 0.0f, M->y, OUT);
    } else {
        eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 1, OUT, HID, 1.0f, M->h, HID, M->w2t, OUT, 0.0f, M->y, OUT);
    }
    for (int o = 0; o < OUT; o++) M->y[o] += M->b2[o];
}

static void run_int8(void *ctx, int i)
{
    mlp *M = ctx;
    M->ops->fc(&M->p1, 1, IN, HID, M->xq + (size_t)i * IN, M->q1, M->qb1, M->hq);
    M->ops->fc(&M->p2, 1, HID, OUT, M->hq, M->q2, M->qb2, M->yq);
}

static void run_int8_e2e(void *ctx, int i)
{
    mlp *M = ctx;
    M->ops->quantize(IN, M->x + (size_t)i * IN, M->in_q.scale, M->in_q.zero_point, M->xbuf);
    M->ops->fc(&M->p1, 1, IN, HID, M->xbuf, M->q1, M->qb1, M->hq);
    M->ops->fc(&M->p2, 1, HID, OUT, M->hq, M->q2, M->qb2, M->yq);
    M->ops->dequantize(OUT, M->yq, M->out_q.scale, M->out_q.zero_point, M->y);
}

static void run_packed(void *ctx, int i)
{
    mlp *M = ctx;
    eo_q8_fc_packed(M->pk1, 1, M->xq + (size_t)i * IN, M->hq);
    eo_q8_fc_packed(M->pk2, 1, M->hq, M->yq);
}

static void run_packed_e2e(void *ctx, int i)
{
    mlp *M = ctx;
    const eo_q8_ops *k = M->vops ? M->vops : M->ops;
    k->quantize(IN, M->x + (size_t)i * IN, M->in_q.scale, M->in_q.zero_point, M->xbuf);
    eo_q8_fc_packed(M->pk1, 1, M->xbuf, M->hq);
    eo_q8_fc_packed(M->pk2, 1, M->hq, M->yq);
    k->dequantize(OUT, M->yq, M->out_q.scale, M->out_q.zero_point, M->y);
}

static void bench_mlp(void)
{
    mlp M;
    memset(&M, 0, sizeof M);
    mlp_init(&M);
    printf("## MLP 784-128-10, batch 1, per sample (median of %d reps)\n", g_reps);
    printf("sgemm path: %s; int8 path: %s\n", eo_sgemm_path(), eo_q8_path_active());
    M.tb = EO_TRANS;
    double f_nt = time_us(run_float, &M);
    M.tb = EO_NOTRANS;
    double f_nn = time_us(run_float, &M);
    double f = f_nt < f_nn ? f_nt : f_nn;
    const char *un = M.ops->name;
    double q = time_us(run_int8, &M), qe = time_us(run_int8_e2e, &M), v = 0, ve = 0;
    if (M.packed) {
        v = time_us(run_packed, &M);
        ve = time_us(run_packed_e2e, &M);
        /* the outputs of the two paths are the same bits (tests/kernels/test_q8_vnni.c); check here too */
        int8_t ya[OUT];
        run_int8(&M, 5);
        memcpy(ya, M.yq, OUT);
        run_packed(&M, 5);
        if (memcmp(ya, M.yq, OUT)) fprintf(stderr, "int8_bench: packed and %s outputs differ!\n", un);
    }
    M.ops = eo_q8_ops_get(EO_Q8_PATH_REF);
    double qr = time_us(run_int8, &M);
    printf("float sgemm  W[out][in] (B^T): %8.3f us\n", f_nt);
    printf("float sgemm  W[in][out]      : %8.3f us\n", f_nn);
    printf("int8 %-4s    int8 in/out     : %8.3f us\n", un, q);
    printf("int8 %-4s    float in/out    : %8.3f us\n", un, qe);
    if (M.packed) { /* on AVX2 without VNNI the packed kernel is the sign-trick one */
        const char *pn = M.vops ? "vnni" : "avx2";
        printf("int8 %-4s    int8 in/out     : %8.3f us (packed)\n", pn, v);
        printf("int8 %-4s    float in/out    : %8.3f us (packed)\n", pn, ve);
    } else {
        printf("int8 packed  (not available on this CPU)\n");
    }
    printf("int8 ref     int8 in/out     : %8.3f us\n", qr);
    double best = M.packed && v < q ? v : q, beste = M.packed && ve < qe ? ve : qe;
    printf("mlp_ratio float/int8 = %.2fx (int8 in/out), %.2fx (float in/out) on the fastest int8 path "
           "(target >= 2x)\n", f / best, f / beste);
    mlp_free(&M);
}

/* ------------------------------------------------------- CSR against dense */

typedef struct sparse_ctx {
    float *w, *x, *b, *y, *work;
    eo_csr m;
    int batch;
} sparse_ctx;

static void run_dense(void *ctx, int i)
{
    sparse_ctx *S = ctx;
    const float *x = S->batch == 1 ? S->x + (size_t)i * IN : S->x;
    eo_sgemm(NULL, EO_NOTRANS, EO_TRANS, S->batch, HID, IN, 1.0f, x, IN, S->w, IN, 0.0f, S->y, HID);
    for (int b = 0; b < S->batch; b++)
        for (int o = 0; o < HID; o++) S->y[b * HID + o] += S->b[o];
}

static void run_csr(void *ctx, int i)
{
    sparse_ctx *S = ctx;
    const float *x = S->batch == 1 ? S->x + (size_t)i * IN : S->x;
    eo_csr_fc(&S->m, S->batch, x, S->b, S->y, S->work);
}

static void bench_csr(void)
{
    static const double sp[] = {0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99};
    enum { NSP = sizeof sp / sizeof sp[0] };
    sparse_ctx S;
    eo_rng r;
    eo_rng_seed(&r, 7);
    S.w = malloc(sizeof(float) * IN * HID);
    S.x = malloc(sizeof(float) * (NS > BIG ? NS : BIG) * IN);
    S.b = malloc(sizeof(float) * HID);
    S.y = malloc(sizeof(float) * BIG * HID);
    S.work = malloc(sizeof(float) * eo_csr_workspace_size(IN, BIG));
    S.m.row_ptr = malloc(sizeof(int32_t) * (HID + 1));
    S.m.col = malloc(sizeof(int32_t) * IN * HID);
    S.m.val = malloc(sizeof(float) * IN * HID);
    S.m.capacity = IN * HID;
    float *w0 = malloc(sizeof(float) * IN * HID);
    uint8_t *keep = malloc(IN * HID);
    randn(&r, w0, IN * HID, 0.05);
    randn(&r, S.b, HID, 0.1);
    for (int i = 0; i < (NS > BIG ? NS : BIG) * IN; i++) S.x[i] = (float)eo_rng_uniform(&r);
    const int batches[2] = {1, BIG};
    for (int bi = 0; bi < 2; bi++) {
        S.batch = batches[bi];
        printf("## CSR vs dense, layer 784 -> 128, batch %d (median of %d reps)\n", S.batch, g_reps);
        printf("| sparsity | dense eo_sgemm us | CSR us | dense/CSR |\n|---|---|---|---|\n");
        double cross = -1.0;
        for (int k = 0; k < NSP; k++) {
            memcpy(S.w, w0, sizeof(float) * IN * HID);
            eo_prune_mask(S.w, IN * HID, sp[k], keep, NULL);
            eo_prune_apply(S.w, keep, IN * HID);
            eo_csr_from_dense(S.w, HID, IN, &S.m);
            double td = time_us(run_dense, &S), ts = time_us(run_csr, &S);
            printf("| %.2f | %.2f | %.2f | %.2fx |\n", sp[k], td, ts, td / ts);
            if (ts < td && cross < 0) cross = sp[k];
            if (ts >= td) cross = -1.0; /* must stay faster from the crossover on */
        }
        if (cross >= 0)
            printf("csr_crossover batch=%d: sparsity >= %.2f (density <= %.2f)\n", S.batch, cross, 1 - cross);
        else
            printf("csr_crossover batch=%d: none up to 0.99\n", S.batch);
    }
    free(w0), free(keep), free(S.w), free(S.x), free(S.b), free(S.y), free(S.work);
    free(S.m.row_ptr), free(S.m.col), free(S.m.val);
}

/* ----------------------------------------------------------- cluster lookup */

typedef struct clu_ctx {
    float cb[256], *x, *b, y[HID];
    uint8_t *packed;
    int k, bits;
} clu_ctx;

static void run_lookup(void *ctx, int i)
{
    clu_ctx *C = ctx;
    eo_cluster_fc(C->cb, C->k, C->packed, HID, IN, C->bits, 1, C->x + (size_t)i * IN, C->b, C->y);
}

static void bench_cluster(void)
{
    sparse_ctx S;
    clu_ctx C;
    eo_rng r;
    eo_rng_seed(&r, 9);
    float *w = malloc(sizeof(float) * IN * HID);
    uint8_t *idx = malloc(IN * HID);
    C.packed = malloc(IN * HID);
    C.x = malloc(sizeof(float) * NS * IN);
    C.b = malloc(sizeof(float) * HID);
    randn(&r, w, IN * HID, 0.05);
    randn(&r, C.b, HID, 0.1);
    for (int i = 0; i < NS * IN; i++) C.x[i] = (float)eo_rng_uniform(&r);
    S.w = w, S.x = C.x, S.b = C.b, S.batch = 1;
    S.y = malloc(sizeof(float) * HID);
    printf("## k-means lookup layer 784 -> 128, batch 1 (median of %d reps)\n", g_reps);
    double td = time_us(run_dense, &S);
    printf("dense eo_sgemm + bias: %.2f us\n", td);
    const int ks[2] = {16, 256};
    for (int t = 0; t < 2; t++) {
        eo_cluster_params p = eo_cluster_defaults();
        p.k = ks[t];
        size_t sz = eo_cluster_workspace_size(IN * HID, p.k);
        void *work = malloc(sz);
        eo_cluster_info info;
        eo_cluster_fit(&p, w, IN * HID, C.cb, idx, work, sz, &info, NULL);
        free(work);
        C.k = p.k;
        C.bits = p.k <= 16 ? 4 : 8;
        eo_cluster_pack(idx, HID, IN, C.bits, C.packed);
        double tl = time_us(run_lookup, &C);
        printf("lookup k=%d (%d-bit, %zu bytes vs %zu float): %.2f us (dense/lookup %.2fx)\n", C.k,
               C.bits, eo_cluster_packed_size(HID, IN, C.bits) + sizeof(float) * (size_t)C.k,
               sizeof(float) * IN * HID, tl, td / tl);
    }
    free(w), free(idx), free(C.packed), free(C.x), free(C.b), free(S.y);
}

/* ------------------------------------------------- conv layers, ref vs AVX2 */

typedef struct conv_ctx {
    const eo_q8_ops *ops;
    eo_q8_geom g;
    int32_t oc, m[64], sh[64], bias[64];
    eo_q8_params p;
    int8_t *x, *w, *y;
    int kind; /* 0 conv, 1 depthwise, 2 maxpool */
} conv_ctx;

static void run_conv(void *ctx, int i)
{
    conv_ctx *C = ctx;
    (void)i;
    if (C->kind == 0) C->ops->conv2d(&C->p, &C->g, C->oc, C->x, C->w, C->bias, C->y);
    if (C->kind == 1) C->ops->dwconv2d(&C->p, &C->g, C->x, C->w, C->bias, C->y);
    if (C->kind == 2) C->ops->maxpool(&C->g, -128, 127, C->x, C->y);
}

static void bench_conv(void)
{
    static const struct {
        const char *label;
        eo_q8_geom g;
        int32_t oc;
        int kind;
    } L[] = {
        {"conv 1->16 3x3 pad 1, 28x28", {1, 1, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1}, 16, 0},
        {"conv 16->32 3x3 pad 1, 14x14", {1, 16, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1}, 32, 0},
        {"conv 16->32 3x3 stride 2, 28x28", {1, 16, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1}, 32, 0},
        {"depthwise 32 3x3 pad 1, 14x14", {1, 32, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1}, 32, 1},
        {"maxpool 2x2/2, 16x28x28", {1, 16, 28, 28, 2, 2, 2, 2, 0, 0, 0, 0}, 16, 2},
    };
    eo_rng r;
    eo_rng_seed(&r, 11);
    printf("## int8 conv / pool layers, one sample (median of %d reps)\n", g_reps);
    printf("| layer | ref us | avx2 us | ref/avx2 |\n|---|---|---|---|\n");
    const eo_q8_ops *avx = eo_q8_ops_get(EO_Q8_PATH_AVX2);
    for (size_t t = 0; t < sizeof L / sizeof L[0]; t++) {
        conv_ctx C;
        C.g = L[t].g;
        C.oc = L[t].oc;
        C.kind = L[t].kind;
        size_t nx = (size_t)C.g.c * C.g.h * C.g.w, nw = (size_t)C.oc * C.g.c * C.g.kh * C.g.kw;
        size_t ny = (size_t)C.oc * eo_q8_geom_out_h(&C.g) * eo_q8_geom_out_w(&C.g);
        C.x = malloc(nx), C.w = malloc(nw), C.y = malloc(ny);
        for (size_t i = 0; i < nx; i++) C.x[i] = (int8_t)((int)eo_rng_below(&r, 256) - 128);
        for (size_t i = 0; i < nw; i++) C.w[i] = (int8_t)((int)eo_rng_below(&r, 255) - 127);
        for (int i = 0; i < 64; i++) {
            C.m[i] = 1 << 30;
            C.sh[i] = -10;
            C.bias[i] = (int32_t)eo_rng_below(&r, 2000) - 1000;
        }
        eo_q8_params p = {-3, 5, -128, 127, 1, C.m, C.sh};
        C.p = p;
        C.ops = eo_q8_ops_get(EO_Q8_PATH_REF);
        double tr = time_us(run_conv, &C);
        double ta = tr;
        if (avx) {
            C.ops = avx;
            ta = time_us(run_conv, &C);
        }
        printf("| %s | %.2f | %.2f | %.2fx |\n", L[t].label, tr, ta, tr / ta);
        free(C.x), free(C.w), free(C.y);
    }
}

int main(int argc, char **argv)
{
    int mlp_only = 0; /* --mlp: section 1 only */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            g_reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--time") && i + 1 < argc) {
            g_time = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--wall")) {
            g_clock = CLOCK_MONOTONIC;
        } else if (!strcmp(argv[i], "--mlp")) {
            mlp_only = 1;
        } else if (!strcmp(argv[i], "--quick")) {
            g_reps = 3;
            g_time = 0.01;
        } else {
            fprintf(stderr, "usage: int8_bench [--reps N] [--time SECONDS] [--wall] [--quick] [--mlp]\n");
            return 2;
        }
    }
    if (g_reps < 1 || g_reps > 63 || !(g_time > 0)) {
        fprintf(stderr, "int8_bench: --reps must be 1..63 and --time > 0\n");
        return 2;
    }
    bench_mlp();
    if (mlp_only) return 0;
    bench_csr();
    bench_cluster();
    bench_conv();
    return 0;
}
