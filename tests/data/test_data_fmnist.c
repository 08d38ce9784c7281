/* Built-in Fashion-MNIST (Debian dataset-fashion-mnist). Skipped, with a
 * message, when the files are absent. Reference figures: Xiao et al. 2017
 * (60,000 train / 10,000 test, 6,000 / 1,000 per class) and the widely used
 * normalisation constants of the training pixels, mean 0.2860 and std 0.3530. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "data_test_util.h"

static int have_fmnist(void)
{
    const char *dir = getenv(EO_FASHION_MNIST_ENV);
    char p[1024];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir && *dir ? dir : EO_FASHION_MNIST_DEFAULT_DIR);
    FILE *f = fopen(p, "rb");
    if (!f) {
        print_message("Fashion-MNIST not found (%s): apt-get install dataset-fashion-mnist; skipping\n", p);
        return 0;
    }
    fclose(f);
    return 1;
}

static void test_train(void **state)
{
    (void)state;
    if (!have_fmnist()) skip();
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_data_load("fashion-mnist", 0, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 60000);
    assert_int_equal(ds.cols, 784);
    assert_int_equal(ds.dtype, EO_DTYPE_U8);
    assert_true(ds.u8_scale == 1.0f / 255.0f);
    assert_true(ds.shape[0] == 1 && ds.shape[1] == 28 && ds.shape[2] == 28);
    assert_int_equal(ds.n_classes, 10);
    assert_string_equal(ds.name, "fashion-mnist");
    size_t count[10] = {0};
    for (size_t i = 0; i < ds.rows; i++) count[ds.y[i]]++;
    for (int c = 0; c < 10; c++) assert_int_equal(count[c], 6000);
    double s = 0, ss = 0;
    const uint8_t *x = ds.x;
    for (size_t i = 0; i < ds.rows * ds.cols; i++) {
        double v = x[i] / 255.0;
        s += v;
        ss += v * v;
    }
    double n = (double)ds.rows * (double)ds.cols, mean = s / n;
    EO_ASSERT_CLOSE(mean, 0.2860, 0, 5e-5);
    EO_ASSERT_CLOSE(sqrt(ss / n - mean * mean), 0.3530, 0, 5e-5);
    /* A stratified 10% split takes exactly 600 of each class. */
    uint32_t *tr, *va;
    size_t nt, nv;
    assert_int_equal(eo_data_split(&ds, 0.1, 7, &tr, &nt, &va, &nv, &e), EO_OK);
    assert_int_equal(nv, 6000);
    size_t vc[10] = {0};
    for (size_t i = 0; i < nv; i++) vc[ds.y[va[i]]]++;
    for (int c = 0; c < 10; c++) assert_int_equal(vc[c], 600);
    free(tr);
    free(va);
    eo_dataset_free(&ds);
}

static void test_test_set_and_env(void **state)
{
    (void)state;
    if (!have_fmnist()) skip();
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_data_load("fashion-mnist:test", 0, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 10000);
    assert_int_equal(ds.cols, 784);
    assert_int_equal(ds.dtype, EO_DTYPE_U8);
    size_t count[10] = {0};
    for (size_t i = 0; i < ds.rows; i++) count[ds.y[i]]++;
    for (int c = 0; c < 10; c++) assert_int_equal(count[c], 1000);
    assert_string_equal(ds.name, "fashion-mnist:test");
    eo_dataset_free(&ds);
    assert_int_equal(eo_data_load("fashion-mnist:test", 100, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 100);
    eo_dataset_free(&ds);

    /* The environment variable moves the directory; a missing one says what to install. */
    const char *old = getenv(EO_FASHION_MNIST_ENV);
    char *saved = old ? strdup(old) : NULL;
    setenv(EO_FASHION_MNIST_ENV, "/nonexistent/fmnist", 1);
    expect_error(eo_data_load("fashion-mnist", 0, &ds, &e), &e, EO_ERR_NOT_FOUND, "apt-get install dataset-fashion-mnist");
    assert_non_null(strstr(e.where, "/nonexistent/fmnist"));
    if (saved) {
        setenv(EO_FASHION_MNIST_ENV, saved, 1);
        free(saved);
    } else {
        unsetenv(EO_FASHION_MNIST_ENV);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_train), cmocka_unit_test(test_test_set_and_env)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
