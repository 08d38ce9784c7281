/* Regression tests for bugs found while building the bad-input table of
 * docs/reliability.md (not by the fuzzers):
 *  - a feature whose spread is denormal-sized (values 0 and 1e-40) gave the
 *    standard and min-max scalers an infinite float scale (1/sd is finite in
 *    double, not in float), so training reported a bogus NaN divergence;
 *  - a model file with a NaN weight loaded and predicted silently wrong
 *    classes (ReLU maps NaN to 0); now the loader refuses non-finite
 *    parameters and scaler values, and eo_model_save refuses to write them. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eo_test.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/model.h"
#include "edgeopt/modelfile.h"

static void test_scaler_denormal_spread(void **state)
{
    (void)state;
    float x[8] = {0.0f, 1.0f, 1e-40f, 2.0f, 0.0f, 3.0f, 1e-40f, 4.0f}; /* 4 rows x 2 cols */
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.rows = 4;
    ds.cols = 2;
    ds.dtype = EO_DTYPE_F32;
    ds.x = x;
    ds.shape[0] = ds.shape[1] = 1;
    ds.shape[2] = 2;
    for (int kind = EO_SCALE_STANDARD; kind <= EO_SCALE_MINMAX; kind++) {
        eo_scaler s;
        eo_error e;
        assert_int_equal(eo_scaler_fit(&s, (eo_scale_kind)kind, &ds, NULL, 0, &e), EO_OK);
        for (size_t j = 0; j < 2; j++) {
            assert_true(isfinite(s.scale[j]) && s.scale[j] > 0);
            assert_true(isfinite(s.offset[j]));
        }
        float row[2] = {1e-40f, 2.5f};
        eo_scaler_apply(&s, row, 1);
        assert_true(isfinite(row[0]) && isfinite(row[1]));
        eo_scaler_free(&s);
    }
}

static void test_model_file_nan(void **state)
{
    (void)state;
    const int64_t in[3] = {1, 1, 3};
    eo_model *m;
    eo_error e;
    assert_int_equal(eo_model_from_spec("mlp:4", in, 2, NULL, &m, &e), EO_OK);
    eo_rng r;
    eo_rng_seed(&r, 1);
    eo_model_init_params(m, &r);
    char path[] = "/tmp/eo_regress_nan_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* A good file, then the same bytes with the first weight set to NaN and
     * the CRC made valid again: load must refuse it, naming the tensor. */
    assert_int_equal(eo_model_save(path, m, NULL, NULL, &e), EO_OK);
    unsigned char *buf;
    size_t len;
    assert_int_equal(eo_io_read_file(path, 1 << 20, &buf, &len, &e), EO_OK);
    eo_mf_reader *rd;
    assert_int_equal(eo_mf_reader_parse(buf, len, path, &rd, &e), EO_OK);
    const eo_mf_tensor *t = eo_mf_tensor_find(rd, "layer.0.weight");
    assert_non_null(t);
    size_t at = (size_t)t->offset;
    eo_mf_reader_destroy(rd);
    const float nan = NAN;
    memcpy(buf + at, &nan, 4);
    eo_io_store_le32(buf + len - 4, eo_io_crc32(0, buf, len - 4));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    free(buf);
    eo_model *back = NULL;
    assert_int_equal(eo_model_load(path, &back, NULL, NULL, &e), EO_ERR_NUMERIC);
    assert_null(back);
    assert_non_null(strstr(e.msg, "layer.0.weight: element 0 is NaN"));
    /* Saving a model that holds an Inf is refused and leaves the old file. */
    eo_model_params(m)[3] = INFINITY;
    assert_int_equal(eo_model_save(path, m, NULL, NULL, &e), EO_ERR_NUMERIC);
    assert_non_null(strstr(e.msg, "parameters: element 3 is infinite"));
    assert_int_equal(eo_model_load(path, &back, NULL, NULL, &e), EO_ERR_NUMERIC); /* still the NaN file */
    unlink(path);
    eo_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaler_denormal_spread),
        cmocka_unit_test(test_model_file_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
