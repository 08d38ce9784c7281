/* SGEMM benchmark: edgeopt's eo_sgemm beside OpenBLAS cblas_sgemm (when the
 * build found it) and the machine's peak, in one run.
 *
 *   gemm_bench [--reps N] [--time SECONDS] [--threads LIST] [--path NAME] [--only TEXT] [--quick]
 *
 * Each figure is the median over --reps repetitions; one repetition calls the
 * routine in a loop for at least --time seconds and divides 2 m n k by the
 * time per call. edgeopt and OpenBLAS repetitions alternate so that both see
 * the same background load. Output: a Markdown table on stdout. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeopt/core.h"
#include "edgeopt/kernels.h"
#include "edgeopt/parallel.h"

#if defined(EO_HAVE_OPENBLAS)
#include <cblas.h>
#endif

typedef struct shape {
    const char *label;
    eo_trans ta, tb;
    int m, n, k;
} shape;

/* The MLP 784-256-128-10 with batch 128 and weights stored in x out:
 * forward Y = X W (NN), weight gradient dW = X^T dY (TN), input gradient
 * dX = dY W^T (NT). */
static const shape shapes[] = {
    {"square 64", EO_NOTRANS, EO_NOTRANS, 64, 64, 64},
    {"square 128", EO_NOTRANS, EO_NOTRANS, 128, 128, 128},
    {"square 256", EO_NOTRANS, EO_NOTRANS, 256, 256, 256},
    {"square 512", EO_NOTRANS, EO_NOTRANS, 512, 512, 512},
    {"square 1024", EO_NOTRANS, EO_NOTRANS, 1024, 1024, 1024},
    {"fwd 128x784 * 784x256", EO_NOTRANS, EO_NOTRANS, 128, 256, 784},
    {"fwd 128x256 * 256x128", EO_NOTRANS, EO_NOTRANS, 128, 128, 256},
    {"fwd 128x128 * 128x10", EO_NOTRANS, EO_NOTRANS, 128, 10, 128},
    {"dW 784x128 * 128x256 (A^T)", EO_TRANS, EO_NOTRANS, 784, 256, 128},
    {"dW 256x128 * 128x128 (A^T)", EO_TRANS, EO_NOTRANS, 256, 128, 128},
    {"dW 128x128 * 128x10 (A^T)", EO_TRANS, EO_NOTRANS, 128, 10, 128},
    {"dX 128x256 * 256x784 (B^T)", EO_NOTRANS, EO_TRANS, 128, 784, 256},
    {"dX 128x128 * 128x256 (B^T)", EO_NOTRANS, EO_TRANS, 128, 256, 128},
    {"dX 128x10 * 10x128 (B^T)", EO_NOTRANS, EO_TRANS, 128, 128, 10},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------------------- the clock */

/* Highest clock the OS reports, in GHz (0 if none): cpufreq's
 * cpuinfo_max_freq (kHz), else the largest "cpu MHz" in /proc/cpuinfo. */
static double reported_clock_ghz(const char **source)
{
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
    double best = 0;
    if (f) {
        double khz;
        if (fscanf(f, "%lf", &khz) == 1 && khz > 0) best = khz / 1e6;
        fclose(f);
        if (best > 0) {
            *source = "cpufreq cpuinfo_max_freq";
            return best;
        }
    }
    f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        double mhz;
        if (!strncmp(line, "cpu MHz", 7) && sscanf(strchr(line, ':') ? strchr(line, ':') + 1 : line, "%lf", &mhz) == 1 &&
            mhz / 1e3 > best)
            best = mhz / 1e3;
    }
    fclose(f);
    *source = "/proc/cpuinfo cpu MHz";
    return best;
}

/* Effective clock of this core, in GHz, timed with a chain of dependent
 * integer adds (one cycle of latency each on every x86 core since the P6);
 * 0 where we cannot measure. A VM's /proc/cpuinfo often shows the base
 * clock while the core runs at its boost clock. */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double measured_clock_ghz(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* Timed with the thread's CPU clock (being descheduled does not count),
     * fastest of 5. */
    double best = 0;
    for (int r = 0; r < 5; r++) {
        unsigned long x = 0;
        const long iters = 20000000;
        double t0 = thread_cpu_s();
        for (long i = 0; i < iters; i++)
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                             : "+r"(x));
        double ghz = 8.0 * (double)iters / (thread_cpu_s() - t0) / 1e9;
        if (ghz > best) best = ghz;
    }
    return best;
#else
    return 0;
#endif
}

/* Measured FMA throughput of one core, in GFLOP/s: 12 independent chains of
 * vfmadd on the widest vectors the selected SGEMM path uses (16 floats for
 * "avx512", else 8), timed with the thread's CPU clock, best of 5. This is
 * the peak the table compares against: a formula (units x lanes x 2 x clock)
 * needs the number of FMA units and whether 512-bit operations run at full
 * width (Zen 5, Intel server cores) or as two halves (Zen 4), which cpuid
 * does not say. 0 where it cannot be measured. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>
#define EO_FMA_CHAINS(T, FMA, SET1)                                                      \
    T x0 = SET1(1.0f), x1 = SET1(1.1f), x2 = SET1(1.2f), x3 = SET1(1.3f), x4 = SET1(1.4f);  \
    T x5 = SET1(1.5f), x6 = SET1(1.6f), x7 = SET1(1.7f), x8 = SET1(1.8f), x9 = SET1(1.9f);  \
    T xa = SET1(2.0f), xb = SET1(2.1f);                                                  \
    const T m = SET1(0.999999f), ad = SET1(1e-7f);                                       \
    for (long i = 0; i < iters; i++) {                                                  \
        x0 = FMA(x0, m, ad), x1 = FMA(x1, m, ad), x2 = FMA(x2, m, ad), x3 = FMA(x3, m, ad); \
        x4 = FMA(x4, m, ad), x5 = FMA(x5, m, ad), x6 = FMA(x6, m, ad), x7 = FMA(x7, m, ad); \
        x8 = FMA(x8, m, ad), x9 = FMA(x9, m, ad), xa = FMA(xa, m, ad), xb = FMA(xb, m, ad); \
        /* opaque to the compiler: no chain may be merged or folded */                  \
        __asm__ volatile("" : "+v"(x0), "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4), "+v"(x5),   \
                         "+v"(x6), "+v"(x7), "+v"(x8), "+v"(x9), "+v"(xa), "+v"(xb));       \
    }                                                                                   \
    T s = FMA(x0, x1, FMA(x2, x3, FMA(x4, x5, FMA(x6, x7, FMA(x8, x9, FMA(xa, xb, x0))))))

__attribute__((target("avx512f,fma"))) static float fma_loop16(long iters)
{
    EO_FMA_CHAINS(__m512, _mm512_fmadd_ps, _mm512_set1_ps);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float fma_loop8(long iters)
{
    EO_FMA_CHAINS(__m256, _mm256_fmadd_ps, _mm256_set1_ps);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[7];
}

static volatile float g_fma_sink;

static double measured_fma_peak(int lanes)
{
    double best = 0;
    const long iters = 2000000;
    for (int r = 0; r < 5; r++) {
        double t0 = thread_cpu_s();
        g_fma_sink = lanes == 16 ? fma_loop16(iters) : fma_loop8(iters);
        double gf = 12.0 * 2.0 * lanes * (double)iters / (thread_cpu_s() - t0) / 1e9;
        if (gf > best) best = gf;
    }
    return best;
}
#else
static double measured_fma_peak(int lanes)
{
    (void)lanes;
    return 0;
}
#endif

/* -------------------------------------------------------------- running */

typedef struct bufs {
    float *A, *B, *C;
} bufs;

static void run_eo(const shape *s, const eo_parallel *par, bufs *b)
{
    int lda = s->ta == EO_NOTRANS ? s->k : s->m, ldb = s->tb == EO_NOTRANS ? s->n : s->k;
    eo_sgemm(par, s->ta, s->tb, s->m, s->n, s->k, 1.0f, b->A, lda, b->B, ldb, 0.0f, b->C, s->n);
}

#if defined(EO_HAVE_OPENBLAS)
static void run_blas(const shape *s, bufs *b)
{
    int lda = s->ta == EO_NOTRANS ? s->k : s->m, ldb = s->tb == EO_NOTRANS ? s->n : s->k;
    cblas_sgemm(CblasRowMajor, s->ta == EO_NOTRANS ? CblasNoTrans : CblasTrans,
                s->tb == EO_NOTRANS ? CblasNoTrans : CblasTrans, s->m, s->n, s->k, 1.0f, b->A, lda, b->B,
                ldb, 0.0f, b->C, s->n);
}
#endif

/* Single-threaded figures use the calling thread's CPU time: on a machine
 * shared with other jobs, wall time mostly measures how often we were
 * descheduled. Multi-threaded figures need wall time. */
static int g_use_cpu_clock = 0;

static double bench_clock(void)
{
    if (!g_use_cpu_clock) return now_s();
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Calls per clock reading, so that reading the clock (a system call for the
 * CPU-time clock) costs < 1% even for a 64^3 product: sized once per shape
 * so that a batch takes about 2 ms. */
static long g_batch = 1;

/* GFLOP/s of one repetition: batches of calls until min_time has passed. */
static double rep_eo(const shape *s, const eo_parallel *par, bufs *b, double min_time)
{
    long calls = 0;
    double t0 = bench_clock(), t;
    do {
        for (long i = 0; i < g_batch; i++) run_eo(s, par, b);
        calls += g_batch;
    } while ((t = bench_clock() - t0) < min_time);
    return 2.0 * s->m * s->n * s->k * (double)calls / t / 1e9;
}

#if defined(EO_HAVE_OPENBLAS)
static double rep_blas(const shape *s, bufs *b, double min_time)
{
    long calls = 0;
    double t0 = bench_clock(), t;
    do {
        for (long i = 0; i < g_batch; i++) run_blas(s, b);
        calls += g_batch;
    } while ((t = bench_clock() - t0) < min_time);
    return 2.0 * s->m * s->n * s->k * (double)calls / t / 1e9;
}
#endif

static void *xalloc(size_t n)
{
    void *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "gemm_bench: out of memory\n");
        exit(1);
    }
    return p;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gemm_bench [--reps N] [--time SECONDS] [--threads LIST] [--path NAME] [--only TEXT] [--quick]\n"
               "  --reps N        repetitions per figure, median reported (default 7)\n"
               "  --time S        minimum seconds per repetition (default 0.05)\n"
               "  --threads LIST  comma-separated thread counts (default 1,2)\n"
               "  --path NAME     SGEMM path: auto, portable, avx2-fma, avx512 (default auto)\n"
               "  --only TEXT     only the shapes whose label contains TEXT\n"
               "  --quick         3 repetitions of 0.01 s (a smoke run)\n");
}

int main(int argc, char **argv)
{
    int reps = 7;
    double min_time = 0.05;
    int threads[8] = {1, 2}, nthr = 2;
    const char *path = "auto", *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--time") && i + 1 < argc) {
            min_time = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            nthr = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nthr < 8; tok = strtok(NULL, ","))
                threads[nthr++] = atoi(tok);
        } else if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--quick")) {
            reps = 3;
            min_time = 0.01;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (reps < 1 || reps > 101 || !(min_time > 0) || nthr < 1) {
        usage(stderr);
        return 2;
    }
    for (int t = 0; t < nthr; t++)
        if (threads[t] < 1 || threads[t] > 256) {
            fprintf(stderr, "gemm_bench: thread counts must be 1..256\n");
            return 2;
        }
    if (eo_sgemm_select(path) != EO_OK) {
        fprintf(stderr, "gemm_bench: SGEMM path '%s' is not available on this CPU\n", path);
        return 1;
    }

    const int cores = eo_cpu_count();
    const char *clock_src = "none";
    double ghz_rep = reported_clock_ghz(&clock_src), ghz_meas = measured_clock_ghz();
    double ghz = ghz_meas > ghz_rep ? ghz_meas : ghz_rep;
    /* Peak of one core: measured FMA throughput on the path's vector width;
     * without a measurement, 2 FMA pipes x lanes x 2 flops x clock. */
    const int lanes = !strcmp(eo_sgemm_path(), "avx512") ? 16 : !strcmp(eo_sgemm_path(), "portable") ? 4 : 8;
    double peak_formula = 2.0 * lanes * 2 * ghz;
    double peak_meas = lanes >= 8 ? measured_fma_peak(lanes) : 0;
    double peak1 = peak_meas > 0 ? peak_meas : peak_formula;

    printf("## SGEMM: edgeopt vs OpenBLAS\n\n");
    printf("- edgeopt SGEMM path: %s\n", eo_sgemm_path());
#if defined(EO_HAVE_OPENBLAS)
    printf("- OpenBLAS: core %s (cblas_sgemm, openblas_set_num_threads per row)\n", openblas_get_corename());
#else
    printf("- OpenBLAS: not found at build time (column skipped)\n");
#endif
    printf("- CPUs online: %d; clock: %.3f GHz reported (%s), %.3f GHz measured (dependent integer adds); "
           "peak uses %.3f GHz\n",
           cores, ghz_rep, clock_src, ghz_meas, ghz);
    if (peak_meas > 0)
        printf("- peak = threads x measured FMA throughput of one core (12 independent %d-lane FMA chains) = %.1f "
               "GFLOP/s per thread (formula 2 FMA units x %d lanes x 2 flops x clock: %.1f)\n",
               lanes, peak1, lanes, peak_formula);
    else
        printf("- peak = threads x 2 FMA units x %d lanes x 2 flops x clock = %.1f GFLOP/s per thread\n", lanes,
               peak1);
    printf("- median of %d repetitions of >= %.3g s each, edgeopt and OpenBLAS alternating; 1 thread: CPU time "
           "of the calling thread, more threads: wall time; C = A B (alpha 1, beta 0), row-major\n\n",
           reps, min_time);

#if defined(EO_HAVE_OPENBLAS)
    printf("| shape (m x k * k x n) | threads | edgeopt GFLOP/s | OpenBLAS GFLOP/s | edgeopt / OpenBLAS | edgeopt %% of peak |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
#else
    printf("| shape (m x k * k x n) | threads | edgeopt GFLOP/s | edgeopt %% of peak |\n");
    printf("|---|---:|---:|---:|\n");
#endif
    fflush(stdout);

    double *g_eo = malloc(sizeof(double) * (size_t)reps), *g_bl = malloc(sizeof(double) * (size_t)reps);
    if (!g_eo || !g_bl) return 1;
    eo_rng rng;
    eo_rng_seed(&rng, 1);
    int status = 0;
    for (int t = 0; t < nthr; t++) {
        eo_pool *pool = NULL;
        if (threads[t] > 1 && eo_pool_create(threads[t], &pool) != EO_OK) {
            fprintf(stderr, "gemm_bench: cannot start %d threads\n", threads[t]);
            return 1;
        }
        const eo_parallel *par = eo_pool_parallel(pool);
        g_use_cpu_clock = threads[t] == 1;
#if defined(EO_HAVE_OPENBLAS)
        openblas_set_num_threads(threads[t]);
#endif
        for (size_t si = 0; si < NSHAPES; si++) {
            const shape *s = &shapes[si];
            if (only && !strstr(s->label, only)) continue;
            size_t na = (size_t)s->m * s->k, nb = (size_t)s->k * s->n, nc = (size_t)s->m * s->n;
            bufs b = {xalloc(na), xalloc(nb), xalloc(nc)};
            for (size_t i = 0; i < na; i++) b.A[i] = eo_rng_uniformf(&rng) - 0.5f;
            for (size_t i = 0; i < nb; i++) b.B[i] = eo_rng_uniformf(&rng) - 0.5f;
            run_eo(s, par, &b); /* warm up caches, pages and the pool */
            {
                double t0 = now_s();
                run_eo(s, par, &b);
                double one = now_s() - t0;
                g_batch = one > 0 ? (long)(0.002 / one) : 1000;
                if (g_batch < 1) g_batch = 1;
                if (g_batch > 10000) g_batch = 10000;
            }
#if defined(EO_HAVE_OPENBLAS)
            /* Sanity check: both libraries agree to float accuracy. */
            float *ref = xalloc(nc);
            memcpy(ref, b.C, nc * sizeof(float));
            run_blas(s, &b);
            double worst = 0;
            for (size_t i = 0; i < nc; i++) {
                double d = fabs((double)ref[i] - b.C[i]);
                if (d > worst) worst = d;
            }
            free(ref);
            if (!(worst <= 1e-4 * s->k)) {
                fprintf(stderr, "gemm_bench: %s: edgeopt and OpenBLAS differ by %g\n", s->label, worst);
                status = 1;
            }
            for (int r = 0; r < reps; r++) {
                g_eo[r] = rep_eo(s, par, &b, min_time);
                g_bl[r] = rep_blas(s, &b, min_time);
            }
            double me = median(g_eo, reps), mb = median(g_bl, reps);
            printf("| %s | %d | %.1f | %.1f | %.2f | %.0f%% |\n", s->label, threads[t], me, mb, me / mb,
                   100.0 * me / (peak1 * threads[t]));
#else
            for (int r = 0; r < reps; r++) g_eo[r] = rep_eo(s, par, &b, min_time);
            double me = median(g_eo, reps);
            printf("| %s | %d | %.1f | %.0f%% |\n", s->label, threads[t], me, 100.0 * me / (peak1 * threads[t]));
#endif
            fflush(stdout);
            free(b.A);
            free(b.B);
            free(b.C);
        }
        eo_pool_destroy(pool);
    }
    free(g_eo);
    free(g_bl);
    return status;
}
