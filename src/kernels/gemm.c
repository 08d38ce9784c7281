/* Blocked, packed SGEMM driver (loop structure in kernels/internal.h).
 *
 * Memory: no allocation. The packed B panel (kc x nc floats, <= 240 KB) lives
 * in eo_sgemm's stack frame; each task packs its A micro-panel (<= 8 KB) and
 * its edge tile in its own frame. Callers need about 256 KB of stack.
 *
 * Threads: only the loop over the mr-row micro-panels of C (and the packing
 * of B micro-panels) is split, never k, and the blocking sizes do not depend
 * on the thread count, so every element of C goes through the same
 * operations in the same order whatever the number of threads: results are
 * bit-identical for 1..N threads. */
#include <stdint.h>
#include <string.h>

#include "edgeopt/kernels.h"
#include "kernels/internal.h"

/* Below this many multiply-adds a call runs on the calling thread: waking
 * the pool costs more than it saves. */
#define EO__GEMM_PAR_MIN_MACS (64.0 * 64.0 * 64.0)

typedef struct gemm_job {
    const eo__sgemm_impl *im;
    int m, nc, kc;
    const float *a; /* op(A)(0, pc) */
    size_t rsa, csa;
    const float *b; /* op(B)(pc, jc) */
    size_t rsb, csb;
    float *bp; /* packed B panel: ceil(nc / nr) micro-panels of kc x nr */
    float *c;  /* C(0, jc) */
    size_t ldc;
    float alpha, beta;
} gemm_job;

static void pack_b_task(void *ctx, size_t begin, size_t end)
{
    const gemm_job *g = ctx;
    const int nr = g->im->nr;
    for (size_t q = begin; q < end; q++) {
        const int j0 = (int)q * nr;
        const int nv = g->nc - j0 < nr ? g->nc - j0 : nr;
        g->im->pack_b(g->kc, nv, g->b + (size_t)j0 * g->csb, g->rsb, g->csb,
                      g->bp + q * (size_t)g->kc * nr);
    }
}

static void compute_task(void *ctx, size_t begin, size_t end)
{
    const gemm_job *g = ctx;
    const eo__sgemm_impl *im = g->im;
    const int mr = im->mr, nr = im->nr, kc = g->kc;
    _Alignas(64) float ap[EO__GEMM_KC_MAX * EO__GEMM_MR_MAX];
    _Alignas(64) float tile[EO__GEMM_MR_MAX * EO__GEMM_NR_MAX];

    for (size_t q = begin; q < end; q++) {
        const int i0 = (int)q * mr;
        const int mv = g->m - i0 < mr ? g->m - i0 : mr;
        im->pack_a(mv, kc, g->a + (size_t)i0 * g->rsa, g->rsa, g->csa, ap);
        float *crow = g->c + (size_t)i0 * g->ldc;
        for (int j0 = 0; j0 < g->nc; j0 += nr) {
            const int nv = g->nc - j0 < nr ? g->nc - j0 : nr;
            const float *bq = g->bp + (size_t)(j0 / nr) * kc * nr;
            if (mv == mr && nv == nr) {
                im->kernel(kc, ap, bq, crow + j0, g->ldc, g->alpha, g->beta);
                continue;
            }
            /* Edge tile: run the same kernel on a full scratch tile so the
             * arithmetic is identical to the interior. */
            memset(tile, 0, sizeof tile);
            if (g->beta != 0.0f)
                for (int i = 0; i < mv; i++)
                    memcpy(tile + i * nr, crow + (size_t)i * g->ldc + j0, (size_t)nv * sizeof(float));
            im->kernel(kc, ap, bq, tile, (size_t)nr, g->alpha, g->beta);
            for (int i = 0; i < mv; i++)
                memcpy(crow + (size_t)i * g->ldc + j0, tile + i * nr, (size_t)nv * sizeof(float));
        }
    }
}

/* C = beta * C, with beta == 0 writing zeros (NaNs in C are ignored). */
static void scale_c(int m, int n, float beta, float *C, size_t ldc)
{
    for (int i = 0; i < m; i++) {
        float *ci = C + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)n * sizeof(float));
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++) ci[j] *= beta;
    }
}

static size_t grain_for(size_t count, int nthreads)
{
    /* A few chunks per thread so a thread slowed by other load is absorbed. */
    size_t chunks = (size_t)nthreads * 4;
    size_t g = (count + chunks - 1) / chunks;
    return g ? g : 1;
}

void eo_sgemm(const eo_parallel *par, eo_trans ta, eo_trans tb, int m, int n, int k,
              float alpha, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc)
{
    if (m <= 0 || n <= 0 || k < 0 || !C || ldc < n) return;
    if (k == 0 || alpha == 0.0f) {
        scale_c(m, n, beta, C, (size_t)ldc);
        return;
    }
    if (!A || !B || lda < (ta == EO_NOTRANS ? k : m) || ldb < (tb == EO_NOTRANS ? n : k)) return;

    const eo__sgemm_impl *im = eo__sgemm_impl_get();
    /* op(A)(i, p) = A[i * rsa + p * csa], op(B)(p, j) = B[p * rsb + j * csb]. */
    const size_t rsa = ta == EO_NOTRANS ? (size_t)lda : 1, csa = ta == EO_NOTRANS ? 1 : (size_t)lda;
    const size_t rsb = tb == EO_NOTRANS ? (size_t)ldb : 1, csb = tb == EO_NOTRANS ? 1 : (size_t)ldb;

    const int nthreads = par ? par->nthreads : 1;
    if ((double)m * n * k < EO__GEMM_PAR_MIN_MACS) par = NULL;

    _Alignas(64) float bp[EO__GEMM_KC_MAX * EO__GEMM_NC_MAX];
    const size_t nap = (size_t)(m + im->mr - 1) / im->mr;
    const size_t grain_a = grain_for(nap, nthreads);

    gemm_job g;
    g.im = im;
    g.m = m;
    g.bp = bp;
    g.ldc = (size_t)ldc;
    g.alpha = alpha;
    for (int jc = 0; jc < n; jc += im->nc) {
        g.nc = n - jc < im->nc ? n - jc : im->nc;
        g.c = C + jc;
        const size_t nbp = (size_t)(g.nc + im->nr - 1) / im->nr;
        for (int pc = 0; pc < k; pc += im->kc) {
            g.kc = k - pc < im->kc ? k - pc : im->kc;
            g.a = A + (size_t)pc * csa;
            g.rsa = rsa;
            g.csa = csa;
            g.b = B + (size_t)pc * rsb + (size_t)jc * csb;
            g.rsb = rsb;
            g.csb = csb;
            g.beta = pc == 0 ? beta : 1.0f;
            eo_parallel_for(par, nbp, grain_for(nbp, nthreads), pack_b_task, &g);
            eo_parallel_for(par, nap, grain_a, compute_task, &g);
        }
    }
}
