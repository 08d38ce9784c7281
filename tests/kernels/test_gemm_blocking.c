/* SGEMM driver with a tiny stack budget (EO_GEMM_PANEL_FLOATS = 256 floats:
 * k blocks of 4 on x86, where the AVX-512 tile is 32 columns wide, of 8
 * elsewhere; panels of 32 to 64 columns), so that small shapes already cross
 * many k blocks and column blocks: every block boundary, the beta handling
 * after the first k block, and the panel width derived from kc are checked
 * against a double-precision reference. This file compiles its own copy of
 * the driver under another name; the micro-kernels are the library's. */
#define EO_GEMM_PANEL_FLOATS 256
#define eo_sgemm eo_sgemm_tiny_panel
#include "../../src/kernels/gemm.c"
#undef eo_sgemm

#include <float.h>

#include "eo_test.h"
#include "edgeopt/core.h"

static void check_shape(eo_rng *r, eo_trans ta, eo_trans tb, int m, int n, int k, float alpha, float beta)
{
    int lda = (ta == EO_NOTRANS ? k : m) + 1, ldb = (tb == EO_NOTRANS ? n : k) + 2, ldc = n + 3;
    size_t na = (size_t)(ta == EO_NOTRANS ? m : k) * lda, nb = (size_t)(tb == EO_NOTRANS ? k : n) * ldb;
    size_t nc = (size_t)m * ldc;
    float *A = malloc(na * sizeof(float)), *B = malloc(nb * sizeof(float));
    float *C = malloc(nc * sizeof(float)), *C0 = malloc(nc * sizeof(float));
    assert_true(A && B && C && C0);
    for (size_t i = 0; i < na; i++) A[i] = 2.0f * eo_rng_uniformf(r) - 1.0f;
    for (size_t i = 0; i < nb; i++) B[i] = 2.0f * eo_rng_uniformf(r) - 1.0f;
    for (size_t i = 0; i < nc; i++) C0[i] = C[i] = 2.0f * eo_rng_uniformf(r) - 1.0f;
    eo_sgemm_tiny_panel(NULL, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < ldc; j++) {
            size_t at = (size_t)i * ldc + j;
            if (j >= n) { /* padding untouched */
                assert_true(C[at] == C0[at]);
                continue;
            }
            double acc = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double a = ta == EO_NOTRANS ? A[(size_t)i * lda + p] : A[(size_t)p * lda + i];
                double b = tb == EO_NOTRANS ? B[(size_t)p * ldb + j] : B[(size_t)j * ldb + p];
                acc += a * b;
                mag += fabs(a * b);
            }
            double want = alpha * acc + (beta != 0.0f ? beta * (double)C0[at] : 0.0);
            double tol = 2.0 * (k + 4) * (FLT_EPSILON / 2) * (fabs(alpha) * mag + fabs(beta * C0[at])) + 1e-30;
            if (!(fabs(C[at] - want) <= tol))
                fail_msg("%s ta=%d tb=%d %dx%dx%d: C[%d,%d] = %.9g, want %.9g", eo_sgemm_path(), ta, tb, m, n,
                         k, i, j, C[at], want);
        }
    }
    free(A);
    free(B);
    free(C);
    free(C0);
}

static void test_tiny_panel(void **state)
{
    (void)state;
    static const char *paths[] = {"portable", "avx2-fma", "avx512"};
    static const int shapes[][3] = {{7, 33, 17}, {13, 70, 41}, {40, 5, 29}, {3, 100, 9}, {65, 65, 65}, {12, 32, 8}};
    eo_rng r;
    eo_rng_seed(&r, 4242);
    for (int pi = 0; pi < 3; pi++) {
        if (eo_sgemm_select(paths[pi]) != EO_OK) {
            print_message("SKIP: no %s path on this CPU\n", paths[pi]);
            continue;
        }
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int t = 0; t < 4; t++)
                check_shape(&r, (eo_trans)(t & 1), (eo_trans)(t >> 1), shapes[s][0], shapes[s][1], shapes[s][2],
                            s % 2 ? 1.0f : -0.75f, (float)(s % 3) * 0.5f);
    }
    eo_sgemm_select("auto");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tiny_panel)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
