/* SGEMM: both paths against a naive double-precision reference.
 *
 * Error bound: each element is a dot product of length k computed in float,
 * so |C - C_exact| <= gamma * (|alpha| sum_p |a_ip b_pj| + |beta c_ij|) with
 * gamma ~ (k + 2) u (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., section 3.1). We allow 2 (k + 4) u: a kernel that
 * skips or repeats a term, mixes up rows, or misplaces alpha/beta is far
 * outside it. Padding beyond each row (ld > width) is filled with a sentinel
 * that must survive. */
#include <float.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/core.h"
#include "edgeopt/kernels.h"

#define SENTINEL_BITS 0x7fc0dead /* a NaN with a recognisable payload */

typedef struct mat {
    float *p;    /* first element; base + 1 when the matrix is deliberately misaligned */
    float *base; /* what to free */
    int rows, cols, ld;
} mat;

/* Start every other matrix one float past the allocation: kernels that read
 * operands in place must not assume any alignment. */
static int g_misalign = 0;

static float sentinel(void)
{
    float f;
    uint32_t u = SENTINEL_BITS;
    memcpy(&f, &u, sizeof f);
    return f;
}

static mat mat_new(int rows, int cols, int pad, eo_rng *r, int nan_fill)
{
    mat a = {NULL, NULL, rows, cols, cols + pad};
    size_t total = (size_t)rows * (size_t)a.ld;
    a.base = malloc((total + 1) * sizeof(float));
    assert_non_null(a.base);
    a.p = a.base + (g_misalign++ & 1);
    float s = sentinel();
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < a.ld; j++)
            a.p[(size_t)i * a.ld + j] = j >= cols ? s : nan_fill ? NAN : 2.0f * eo_rng_uniformf(r) - 1.0f;
    return a;
}

static void check_padding(const mat *a)
{
    uint32_t want = SENTINEL_BITS;
    for (int i = 0; i < a->rows; i++)
        for (int j = a->cols; j < a->ld; j++)
            if (memcmp(&a->p[(size_t)i * a->ld + j], &want, sizeof want) != 0)
                fail_msg("padding at row %d col %d was overwritten", i, j);
}

/* C (m x n) vs the double reference computed from A, B and the old C0. */
static void check_against_ref(eo_trans ta, eo_trans tb, int m, int n, int k, float alpha,
                              const mat *A, const mat *B, float beta, const mat *C0,
                              const mat *C, const char *what)
{
    const double u = FLT_EPSILON / 2;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double acc = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double a = ta == EO_NOTRANS ? A->p[(size_t)i * A->ld + p] : A->p[(size_t)p * A->ld + i];
                double b = tb == EO_NOTRANS ? B->p[(size_t)p * B->ld + j] : B->p[(size_t)j * B->ld + p];
                acc += a * b;
                mag += fabs(a * b);
            }
            double c0 = C0->p[(size_t)i * C0->ld + j];
            double want = alpha * acc, bound = fabs(alpha) * mag;
            if (beta != 0.0f) {
                want += beta * c0;
                bound += fabs(beta * c0);
            }
            double got = C->p[(size_t)i * C->ld + j];
            double tol = 2.0 * (k + 4) * u * bound + 1e-30;
            if (!(fabs(got - want) <= tol))
                fail_msg("%s: ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g: C[%d,%d] = %.9g, want %.9g (tol %.3g)",
                         what, ta, tb, m, n, k, alpha, beta, i, j, got, want, tol);
        }
    }
}

static void run_case(eo_rng *r, eo_trans ta, eo_trans tb, int m, int n, int k, float alpha,
                     float beta, int pad, const char *what)
{
    mat A = ta == EO_NOTRANS ? mat_new(m, k, pad, r, 0) : mat_new(k, m, pad, r, 0);
    mat B = tb == EO_NOTRANS ? mat_new(k, n, pad, r, 0) : mat_new(n, k, pad, r, 0);
    mat C = mat_new(m, n, pad, r, beta == 0.0f);
    mat C0 = mat_new(m, n, pad, r, 0);
    memcpy(C0.p, C.p, (size_t)m * C.ld * sizeof(float));
    size_t abytes = (size_t)A.rows * A.ld * sizeof(float), bbytes = (size_t)B.rows * B.ld * sizeof(float);
    float *Acopy = malloc(abytes ? abytes : 1), *Bcopy = malloc(bbytes ? bbytes : 1);
    assert_non_null(Acopy);
    assert_non_null(Bcopy);
    memcpy(Acopy, A.p, abytes);
    memcpy(Bcopy, B.p, bbytes);

    eo_sgemm(NULL, ta, tb, m, n, k, alpha, A.p, A.ld, B.p, B.ld, beta, C.p, C.ld);

    check_against_ref(ta, tb, m, n, k, alpha, &A, &B, beta, &C0, &C, what);
    check_padding(&C);
    assert_memory_equal(A.p, Acopy, abytes); /* inputs are read-only */
    assert_memory_equal(B.p, Bcopy, bbytes);
    free(Acopy);
    free(Bcopy);
    free(A.base);
    free(B.base);
    free(C.base);
    free(C0.base);
}

static const int awkward[] = {1, 3, 7, 17, 33, 65, 127, 129};
#define NAWK ((int)(sizeof awkward / sizeof awkward[0]))

/* Every awkward size in every position, every transpose pair, random
 * alpha/beta (including beta = 0 over NaN) and random padding. */
static void sweep(const char *path)
{
    eo_rng r;
    eo_rng_seed(&r, 20240601);
    for (int t = 0; t < 4; t++) {
        eo_trans ta = (eo_trans)(t & 1), tb = (eo_trans)(t >> 1);
        for (int s = 0; s < NAWK; s++) {
            /* Size s in one position, random awkward sizes in the others. */
            for (int pos = 0; pos < 3; pos++) {
                int d[3];
                for (int q = 0; q < 3; q++) d[q] = awkward[eo_rng_below(&r, NAWK)];
                d[pos] = awkward[s];
                static const float betas[] = {0.0f, 1.0f, -0.5f, 2.0f};
                float beta = betas[eo_rng_below(&r, 4)];
                float alpha = eo_rng_below(&r, 3) == 0 ? 1.0f : 2.0f * eo_rng_uniformf(&r) - 1.0f;
                int pad = (int)eo_rng_below(&r, 3) * 5;
                run_case(&r, ta, tb, d[0], d[1], d[2], alpha, beta, pad, path);
            }
        }
    }
    /* Shapes where the AVX2 path (6 x 16 tile) or the AVX-512 path (14 x 32
     * tile) reads A and/or B in place instead of packing (n <= 2 nr columns,
     * m <= 2 mr rows), with and without edges; 14 x 10 and 10 x 14 run in
     * the transposed orientation with a full-height tile. */
    static const int in_place[][3] = {{12, 32, 40}, {8, 16, 300}, {6, 16, 5},   {11, 29, 64}, {12, 16, 1},
                                      {9, 32, 270}, {28, 64, 33}, {14, 32, 7},  {27, 50, 17}, {14, 10, 129},
                                      {10, 14, 20}, {3, 64, 300}, {30, 33, 2}};
    for (size_t i = 0; i < sizeof in_place / sizeof in_place[0]; i++)
        for (int t = 0; t < 4; t++)
            for (int pad = 0; pad < 3; pad += 2) /* pad 0: ld equal to the packed strides */
                run_case(&r, (eo_trans)(t & 1), (eo_trans)(t >> 1), in_place[i][0], in_place[i][1],
                         in_place[i][2], -1.25f, i % 2 ? 0.0f : 0.5f, pad, path);
    /* Crossing the cache blocks (kc = 256, nc = 240) and odd large shapes. */
    static const int big[][3] = {{300, 250, 129}, {7, 481, 513}, {129, 17, 600}, {65, 300, 257}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (int t = 0; t < 4; t++)
            run_case(&r, (eo_trans)(t & 1), (eo_trans)(t >> 1), big[i][0], big[i][1], big[i][2],
                     0.75f, i % 2 ? 0.0f : 1.5f, 3, path);
}

static int select_or_skip(const char *path)
{
    int rc = eo_sgemm_select(path);
    if (rc == EO_ERR_UNSUPPORTED) {
        print_message("SKIP: this CPU (or build) has no %s path; the %s test is skipped\n", path, path);
        return 0;
    }
    assert_int_equal(rc, EO_OK);
    assert_string_equal(eo_sgemm_path(), path);
    return 1;
}

static void test_portable(void **state)
{
    (void)state;
    assert_true(select_or_skip("portable"));
    sweep("portable");
    eo_sgemm_select("auto");
}

static void test_avx2(void **state)
{
    (void)state;
    if (!select_or_skip("avx2-fma")) {
        skip();
        return;
    }
    sweep("avx2-fma");
    eo_sgemm_select("auto");
}

static void test_avx512(void **state)
{
    (void)state;
    if (!select_or_skip("avx512")) {
        skip();
        return;
    }
    sweep("avx512");
    eo_sgemm_select("auto");
}

/* k == 0 and alpha == 0: C = beta C, A and B are not read (NULL is fine for
 * k == 0); beta == 0 clears NaNs. m == 0 or n == 0 is a no-op. */
static void test_degenerate(void **state)
{
    (void)state;
    float C[6] = {1, 2, 3, NAN, 5, 6};
    eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 2, 2, 0, 1.0f, NULL, 1, NULL, 2, 2.0f, C, 3);
    assert_true(C[0] == 2 && C[1] == 4 && C[2] == 3 && isnan(C[3]) && C[4] == 10);
    float A[4] = {NAN, 1, 1, 1}, B[4] = {1, 1, 1, 1};
    eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 2, 2, 2, 0.0f, A, 2, B, 2, 0.0f, C, 3);
    assert_true(C[0] == 0 && C[1] == 0 && C[3] == 0 && C[4] == 0 && C[2] == 3 && C[5] == 6);
    float D[1] = {7};
    eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 0, 1, 1, 1.0f, A, 1, B, 1, 0.0f, D, 1);
    eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 1, 0, 1, 1.0f, A, 1, B, 1, 0.0f, D, 1);
    assert_true(D[0] == 7);
    /* Invalid leading dimension: C untouched. */
    eo_sgemm(NULL, EO_NOTRANS, EO_NOTRANS, 1, 2, 2, 1.0f, B, 1, B, 2, 0.0f, D, 2);
    assert_true(D[0] == 7);
}

static void test_select(void **state)
{
    (void)state;
    assert_int_equal(eo_sgemm_select("bogus"), EO_ERR_INVALID);
    assert_int_equal(eo_sgemm_select(NULL), EO_ERR_INVALID);
    assert_int_equal(eo_sgemm_select("auto"), EO_OK);
    const char *p = eo_sgemm_path();
    assert_true(!strcmp(p, "portable") || !strcmp(p, "avx2-fma") || !strcmp(p, "avx512"));
    print_message("auto-selected SGEMM path: %s\n", p);
    /* The reference is the specification: check it once against the double
     * reference too. */
    eo_rng r;
    eo_rng_seed(&r, 7);
    mat A = mat_new(5, 9, 2, &r, 0), B = mat_new(9, 4, 1, &r, 0), C = mat_new(5, 4, 3, &r, 0);
    mat C0 = mat_new(5, 4, 3, &r, 0);
    memcpy(C0.p, C.p, (size_t)5 * C.ld * sizeof(float));
    eo_sgemm_ref(EO_NOTRANS, EO_NOTRANS, 5, 4, 9, 1.5f, A.p, A.ld, B.p, B.ld, 0.5f, C.p, C.ld);
    check_against_ref(EO_NOTRANS, EO_NOTRANS, 5, 4, 9, 1.5f, &A, &B, 0.5f, &C0, &C, "ref");
    free(A.base);
    free(B.base);
    free(C.base);
    free(C0.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_portable),
        cmocka_unit_test(test_avx2),
        cmocka_unit_test(test_avx512),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
