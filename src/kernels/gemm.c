/* Blocked, packed SGEMM driver (loop structure in kernels/internal.h).
 *
 * Memory: no allocation. The packed B panel (kc x nc floats, at most
 * EO_GEMM_PANEL_FLOATS = 240 KB by default: 256 x 240, or wider when k is
 * short) lives in eo_sgemm's stack frame; each task packs its A micro-panel
 * (<= 8 KB) in its own frame. Callers need about 256 KB of stack (see
 * kernels/internal.h to build with less).
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

/* Below this many multiply-adds (about 10 us of work) a call runs on the
 * calling thread: waking the pool costs more than it saves. */
#define EO__GEMM_PAR_MIN_MACS (1024.0 * 1024.0)
/* Widest B panel (columns) when k is short: keeps a panel within L2. */
#define EO__GEMM_NC_CAP 2048

typedef struct gemm_job {
    const eo__sgemm_impl *im;
    int m, nc, kc;
    const float *a; /* op(A)(0, pc) */
    size_t rsa, csa;
    const float *b; /* op(B)(pc, jc) */
    size_t rsb, csb;
    float *bp; /* packed B panel: ceil(nc / nr) micro-panels of kc x nr */
    float *c;  /* C(0, jc); element (i, j) at c[i * rsc + j * csc] */
    size_t rsc, csc;
    float alpha, beta;
    int ngrp;     /* the nc columns are cut into ngrp groups of B micro-panels;
                     one work item = one A micro-panel x one group */
    int direct_a; /* full-height A micro-panels are read in place */
    int direct_b; /* full-width B micro-panels are read in place (csb == 1) */
} gemm_job;

static void pack_b_task(void *ctx, size_t begin, size_t end)
{
    const gemm_job *g = ctx;
    const int nr = g->im->nr;
    for (size_t q = begin; q < end; q++) {
        const int j0 = (int)q * nr;
        const int nv = g->nc - j0 < nr ? g->nc - j0 : nr;
        if (g->direct_b && nv == nr) continue;
        g->im->pack_b(g->kc, nv, g->b + (size_t)j0 * g->csb, g->rsb, g->csb,
                      g->bp + q * (size_t)g->kc * nr);
    }
}

/* Ask for the first cache lines of the next A micro-panel's source while
 * the current one is being used, so that packing it does not wait on
 * memory. A hint only: no effect on results. */
static void prefetch_a_panel(const float *a, size_t rsa, size_t csa, int mv)
{
#if defined(__GNUC__) || defined(__clang__)
    if (csa == 1) {
        for (int i = 0; i < mv; i++)
            for (int l = 0; l < 4; l++) __builtin_prefetch(a + (size_t)i * rsa + 16 * l);
    } else {
        for (int p = 0; p < 8; p++) __builtin_prefetch(a + (size_t)p * csa);
    }
#else
    (void)a, (void)rsa, (void)csa, (void)mv;
#endif
}

static void compute_task(void *ctx, size_t begin, size_t end)
{
    const gemm_job *g = ctx;
    const eo__sgemm_impl *im = g->im;
    const int mr = im->mr, nr = im->nr, kc = g->kc;
    const int nbp = (g->nc + nr - 1) / nr;
    _Alignas(64) float ap[EO__GEMM_KC_MAX * EO__GEMM_MR_MAX];
    int packed = -1; /* the A micro-panel now in ap */

    for (size_t q = begin; q < end; q++) {
        /* Item q: A micro-panel q / ngrp, column group q % ngrp (the groups
         * of one A micro-panel are consecutive, so a chunk packs it once). */
        const int ia = (int)(q / (size_t)g->ngrp), grp = (int)(q % (size_t)g->ngrp);
        const int i0 = ia * mr;
        const int mv = g->m - i0 < mr ? g->m - i0 : mr;
        const float *apan = ap;
        size_t ars = 1, acs = (size_t)mr;
        if (g->direct_a && mv == mr) {
            apan = g->a + (size_t)i0 * g->rsa;
            ars = g->rsa;
            acs = g->csa;
        } else if (packed != ia) {
            im->pack_a(mv, kc, g->a + (size_t)i0 * g->rsa, g->rsa, g->csa, ap);
            packed = ia;
            if ((size_t)(ia + 1) * (size_t)g->ngrp < end && !g->direct_a) {
                const int i1 = i0 + mr;
                prefetch_a_panel(g->a + (size_t)i1 * g->rsa, g->rsa, g->csa, g->m - i1 < mr ? g->m - i1 : mr);
            }
        }
        float *crow = g->c + (size_t)i0 * g->rsc;
        const int jb = grp * nbp / g->ngrp, je = (grp + 1) * nbp / g->ngrp;
        for (int j0 = jb * nr; j0 < je * nr && j0 < g->nc; j0 += nr) {
            const int nv = g->nc - j0 < nr ? g->nc - j0 : nr;
            const float *bq = g->bp + (size_t)(j0 / nr) * kc * nr;
            size_t brs = (size_t)nr;
            if (g->direct_b && nv == nr) {
                bq = g->b + j0; /* csb == 1 */
                brs = g->rsb;
            }
            im->kernel(kc, apan, ars, acs, bq, brs, crow + (size_t)j0 * g->csc, g->rsc, g->csc, mv, nv,
                       g->alpha, g->beta);
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
            for (int j = 0; j < n; j++) ci[j] = beta * ci[j];
    }
}

static size_t grain_for(size_t count, int nthreads)
{
    /* Many chunks per thread so a thread slowed by other load is absorbed
     * and the last chunks even out (10 items in 5 chunks of 2 split 6:4
     * between 2 threads); claiming a chunk costs one compare-and-swap. */
    size_t chunks = (size_t)nthreads * 8;
    size_t g = (count + chunks - 1) / chunks;
    return g ? g : 1;
}

/* Fraction of SIMD lanes doing useful work when x columns are cut into
 * vectors of `lanes` floats. */
static double lane_use(int x, int lanes)
{
    return (double)x / (double)(((x + lanes - 1) / lanes) * lanes);
}

/* Split `total` into the fewest blocks of at most `cap`, of nearly equal
 * size rounded up to a multiple of `mult` (no thin last block). */
static int balanced_block(int total, int cap, int mult)
{
    int nblk = (total + cap - 1) / cap;
    int b = (total + nblk - 1) / nblk;
    b = (b + mult - 1) / mult * mult;
    return b < cap ? b : cap;
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
    /* op(A)(i, p) = A[i * rsa + p * csa], op(B)(p, j) = B[p * rsb + j * csb],
     * C(i, j) = C[i * rsc + j * csc]. */
    size_t rsa = ta == EO_NOTRANS ? (size_t)lda : 1, csa = ta == EO_NOTRANS ? 1 : (size_t)lda;
    size_t rsb = tb == EO_NOTRANS ? (size_t)ldb : 1, csb = tb == EO_NOTRANS ? 1 : (size_t)ldb;
    size_t rsc = (size_t)ldc, csc = 1;
    const float *pa = A, *pb = B;

    /* The register tile is mr rows by nr columns, and nr runs along the SIMD
     * lanes. When n would leave many lanes idle (n = 10: 16 lanes for 10
     * columns) and m would not, compute C^T = op(B)^T op(A)^T instead. The
     * choice depends only on the shape, never on the thread count. */
    if (lane_use(m, im->lanes) > lane_use(n, im->lanes) + 0.1) {
        const float *t = pa;
        pa = pb;
        pb = t;
        size_t r = rsa, c = csa;
        rsa = csb;
        csa = rsb;
        rsb = c;
        csb = r;
        rsc = 1;
        csc = (size_t)ldc;
        int tmp = m;
        m = n;
        n = tmp;
    }

    const int nthreads = par ? par->nthreads : 1;
    if ((double)m * n * k < EO__GEMM_PAR_MIN_MACS) par = NULL;

    _Alignas(64) float bp[EO_GEMM_PANEL_FLOATS];
    const size_t nap = (size_t)(m + im->mr - 1) / im->mr;
    /* Equal blocks (k = 784 -> 4 x 196, not 3 x 256 + 16): a thin last block
     * would pay the C update and the kernel start-up for little work. The kc
     * split depends on k alone, so the summation order is fixed. */
    const int kc_blk = balanced_block(k, im->kc < EO__GEMM_KC_MAX ? im->kc : EO__GEMM_KC_MAX, 4);
    /* The B panel buffer holds kc x nc floats: a shorter kc leaves room for
     * a wider panel, and every extra column block means packing all of A
     * once more (k = 784, n = 256: one block of 256 columns, not two). */
    int nc_cap = EO_GEMM_PANEL_FLOATS / kc_blk / im->nr * im->nr;
    if (nc_cap > EO__GEMM_NC_CAP) nc_cap = EO__GEMM_NC_CAP;
    const int nc_blk = balanced_block(n, nc_cap, im->nr);

    gemm_job g;
    g.im = im;
    g.m = m;
    g.bp = bp;
    g.rsc = rsc;
    g.csc = csc;
    g.alpha = alpha;
    g.rsa = rsa;
    g.csa = csa;
    g.rsb = rsb;
    g.csb = csb;
    /* Read an operand in place when packing it would cost more than it
     * saves: an A micro-panel meets at most two B micro-panels; a
     * row-contiguous B micro-panel meets at most two A micro-panels, or all
     * of op(B) fits in 16 KB (it stays in L1 anyway) and its row stride is
     * not a multiple of 4 KB (rows would collide in the same cache sets). */
    g.direct_a = im->in_place && n <= 2 * im->nr;
    g.direct_b = im->in_place && csb == 1 &&
                 (nap <= 2 || ((double)k * n <= 4096.0 && (rsb * sizeof(float)) % 4096 != 0));
    for (int jc = 0; jc < n; jc += nc_blk) {
        g.nc = n - jc < nc_blk ? n - jc : nc_blk;
        g.c = C + (size_t)jc * csc;
        const size_t nbp = (size_t)(g.nc + im->nr - 1) / im->nr;
        /* With threads and few A micro-panels (m = 128: 10 of 14 rows), cut
         * the columns too, so that there are about 8 items per thread: each
         * extra group repacks A (about 1 / (group width) of the kernel's
         * work). Grouping columns does not change any element's operations,
         * so the bits stay those of the serial call. */
        g.ngrp = 1;
        if (par && nap < 8 * (size_t)nthreads) {
            size_t want = (8 * (size_t)nthreads + nap - 1) / nap;
            g.ngrp = (int)(want < nbp ? want : nbp);
        }
        const size_t items = nap * (size_t)g.ngrp, grain_a = grain_for(items, nthreads);
        for (int pc = 0; pc < k; pc += kc_blk) {
            g.kc = k - pc < kc_blk ? k - pc : kc_blk;
            g.a = pa + (size_t)pc * csa;
            g.b = pb + (size_t)pc * rsb + (size_t)jc * csb;
            g.beta = pc == 0 ? beta : 1.0f;
            eo_parallel_for(par, nbp, grain_for(nbp, nthreads), pack_b_task, &g);
            eo_parallel_for(par, items, grain_a, compute_task, &g);
        }
    }
}
