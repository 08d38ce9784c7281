/* CSV and libsvm loaders: good files, and every bad input with its message. */
#include "data_test_util.h"

static int csv(const char *text, const char *label, int header, const eo_data_opts *o, eo_dataset *ds, eo_error *e)
{
    eo_error_clear(e);
    return eo_data_parse_csv_mem(text, strlen(text), label, header, o, "t.csv", ds, e);
}

static void test_csv_basic(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    assert_int_equal(csv("a,b,label\n1,2,0\n3.5,-4e1,1\n", NULL, -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.cols, 2);
    assert_int_equal(ds.dtype, EO_DTYPE_F32);
    assert_int_equal(ds.n_classes, 2);
    const float *x = ds.x;
    assert_true(x[0] == 1.0f && x[1] == 2.0f && x[2] == 3.5f && x[3] == -40.0f);
    assert_int_equal(ds.y[0], 0);
    assert_int_equal(ds.y[1], 1);
    assert_int_equal(ds.shape[2], 2);
    assert_string_equal(ds.name, "t.csv");
    eo_dataset_free(&ds);
    assert_null(ds.x);

    /* No header (auto-detected), label by index 0, quoted cells, CRLF, BOM,
     * blank lines, spaces around cells. */
    assert_int_equal(csv("\xEF\xBB\xBF" "2, 1.5 ,\"7\"\r\n\r\n0,2.5,8\r\n\n", "0", -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.cols, 2);
    assert_int_equal(ds.n_classes, 3);
    x = ds.x;
    assert_true(x[0] == 1.5f && x[1] == 7.0f && x[2] == 2.5f && x[3] == 8.0f);
    assert_int_equal(ds.y[0], 2);
    eo_dataset_free(&ds);

    /* Label by header name; a negative index counts from the end. */
    assert_int_equal(csv("x,cls,z\n1,1,3\n4,0,6\n", "cls", -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.cols, 2);
    assert_true(((float *)ds.x)[1] == 3.0f);
    assert_int_equal(ds.y[0], 1);
    eo_dataset_free(&ds);
    assert_int_equal(csv("x,cls,z\n1,1,3\n4,0,6\n", "-2", -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.y[1], 0);
    eo_dataset_free(&ds);

    /* No labels; forced header; regression target; separator; limit; 3.0 is a label. */
    assert_int_equal(csv("1,2\n3,4\n", "none", 0, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.cols, 2);
    assert_null(ds.y);
    assert_int_equal(ds.n_classes, 0);
    eo_dataset_free(&ds);
    assert_int_equal(csv("1,2\n3,4\n", NULL, 1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 1);
    eo_dataset_free(&ds);
    eo_data_opts o = eo_data_opts_defaults();
    o.regression = 1;
    o.sep = ';';
    o.limit = 2;
    assert_int_equal(csv("f;t\n1;0.25\n2;-3.5\n3;4\n", NULL, -1, &o, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 2);
    assert_null(ds.y);
    assert_non_null(ds.t);
    assert_true(ds.t[0] == 0.25f && ds.t[1] == -3.5f);
    eo_dataset_free(&ds);
    assert_int_equal(csv("1,3.0\n2,1.0\n", NULL, -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.y[0], 3);
    assert_int_equal(ds.n_classes, 4);
    eo_dataset_free(&ds);
}

static void test_csv_bad(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    /* Non-numeric cell: file, line and column of the cell, what was expected. */
    expect_error(csv("a,b,label\n1,2,0\n4,abc,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE,
                 "t.csv:3:3: field 2 ('b'): expected a number, got 'abc'");
    assert_dataset_empty(&ds);
    expect_error(csv("1,2,0\n4, 0x10 ,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:2:4:");
    expect_error(csv("1,2,0\n4,1.5.2,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "got '1.5.2'");
    /* NaN / Inf / overflow cells. */
    expect_error(csv("1,2,0\n4,nan,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "t.csv:2:3: field 2: NaN");
    expect_error(csv("1,2,0\n-Inf,2,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "t.csv:2:1:");
    expect_error(csv("1,2,0\n1e999,2,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "out of float range");
    expect_error(csv("1,2,0\n1e39,2,1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "out of float range");
    /* Ragged rows, both ways. */
    expect_error(csv("1,2,0\n1,2\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:2:4: ragged row: 2 fields, expected 3");
    expect_error(csv("1,2,0\n1,2,0,5\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:2:7: ragged row");
    /* Empty file, blank-only file, header only, empty cell. */
    expect_error(csv("", NULL, -1, NULL, &ds, &e), &e, EO_ERR_FORMAT, "empty file");
    expect_error(csv("\n \n\r\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_FORMAT, "empty file");
    expect_error(csv("a,b\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_FORMAT, "no data rows");
    expect_error(csv("1,,0\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:1:3: field 2: empty cell");
    /* Labels: out of range, negative, not integer. */
    eo_data_opts o = eo_data_opts_defaults();
    o.n_classes = 2;
    expect_error(csv("1,0\n2,2\n", NULL, -1, &o, &ds, &e), &e, EO_ERR_RANGE, "t.csv:2:3: class label 2 out of range 0..1");
    expect_error(csv("1,0\n2,-1\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_RANGE, "out of range");
    expect_error(csv("1,0\n2,1.5\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_RANGE, "integer class label");
    expect_error(csv("1,0\n2,70000\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_RANGE, "out of range");
    /* Quoting and label-column errors. */
    expect_error(csv("1,\"2\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:1:3: unterminated");
    expect_error(csv("1,\"2\"x,0\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE, "after a quoted field");
    expect_error(csv("a,b\n1,0\n", "nope", -1, NULL, &ds, &e), &e, EO_ERR_NOT_FOUND, "'nope' not found");
    expect_error(csv("a,b\n1,0\n", "5", -1, NULL, &ds, &e), &e, EO_ERR_INVALID, "out of range");
    expect_error(csv("5\n6\n", NULL, -1, NULL, &ds, &e), &e, EO_ERR_FORMAT, "no feature columns");
    /* Control bytes in a cell are shown as '?', keeping the message one line. */
    expect_error(csv("1,a\nb,0\n", NULL, 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.csv:1:3: field 2 (label): expected a number, got 'a'");
    const char nul[] = {'1', ',', '\x01', '\n'};
    eo_error_clear(&e);
    expect_error(eo_data_parse_csv_mem(nul, sizeof nul, "none", 0, NULL, "t.csv", &ds, &e), &e, EO_ERR_PARSE,
                 "got '?'");
    /* A bad option is caught before parsing. */
    o = eo_data_opts_defaults();
    o.sep = '.';
    expect_error(csv("1,0\n", NULL, -1, &o, &ds, &e), &e, EO_ERR_INVALID, "separator");
    /* A cap smaller than the data. */
    o = eo_data_opts_defaults();
    o.max_bytes = 64;
    char big[4096] = "";
    for (int i = 0; i < 200; i++) strcat(big, "1,2,3\n");
    expect_error(csv(big, NULL, -1, &o, &ds, &e), &e, EO_ERR_RANGE, "limit");
}

static void test_csv_files(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_data_load_csv(FIXTURE("small.csv"), "species", -1, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 6);
    assert_int_equal(ds.cols, 2);
    assert_int_equal(ds.n_classes, 3);
    assert_true(((float *)ds.x)[2] == 4.9f);
    eo_dataset_free(&ds);
    expect_error(eo_data_load_csv(FIXTURE("bad_cell.csv"), NULL, -1, NULL, &ds, &e), &e, EO_ERR_PARSE,
                 "bad_cell.csv:2:5: field 2: expected a number, got 'oops'");
    expect_error(eo_data_load_csv(FIXTURE("no-such.csv"), NULL, -1, NULL, &ds, &e), &e, EO_ERR_NOT_FOUND,
                 "no-such.csv: cannot open");
    expect_error(eo_data_load_csv(EO_TEST_DATA_DIR "/data", NULL, -1, NULL, &ds, &e), &e, EO_ERR_IO,
                 "not a regular file");
}

static int svm(const char *text, size_t nf, const eo_data_opts *o, eo_dataset *ds, eo_error *e)
{
    eo_error_clear(e);
    return eo_data_parse_libsvm_mem(text, strlen(text), nf, o, "t.svm", ds, e);
}

static void test_libsvm(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    assert_int_equal(svm("+1 1:0.5 3:2\n-1 2:1.5 # comment\n\n# only a comment\n", 0, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.cols, 3);
    const float want[6] = {0.5f, 0, 2, 0, 1.5f, 0};
    for (int i = 0; i < 6; i++) assert_true(((float *)ds.x)[i] == want[i]);
    assert_int_equal(ds.n_classes, 2);
    assert_int_equal(ds.y[0], 1);
    assert_int_equal(ds.y[1], 0);
    assert_non_null(ds.class_values);
    assert_int_equal(ds.class_values[0], -1);
    assert_int_equal(ds.class_values[1], 1);
    eo_dataset_free(&ds);

    /* 1-based multiclass labels are kept (class 0 empty), qid ignored, tabs and CRLF. */
    assert_int_equal(svm("1 qid:3 1:1\r\n3\t2:1\n2 1:3 4:1\n", 0, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.cols, 4);
    assert_int_equal(ds.n_classes, 4);
    assert_null(ds.class_values);
    assert_int_equal(ds.y[1], 3);
    eo_dataset_free(&ds);

    /* Fixed feature count, regression, limit. */
    eo_data_opts o = eo_data_opts_defaults();
    o.regression = 1;
    o.limit = 1;
    assert_int_equal(svm("0.25 1:1\n-7 2:2\n", 5, &o, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 1);
    assert_int_equal(ds.cols, 5);
    assert_true(ds.t[0] == 0.25f);
    eo_dataset_free(&ds);

    eo_error_clear(&e);
    assert_int_equal(eo_data_load_libsvm(FIXTURE("small.libsvm"), 0, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 3);
    assert_true(eo_dataset_at(&ds, 2, 1) == 1.0f);
    eo_dataset_free(&ds);
}

static void test_libsvm_bad(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    expect_error(svm("1 1:1\n1 3:1 2:1\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.svm:2:7: feature index 2 after 3");
    assert_dataset_empty(&ds);
    expect_error(svm("1 2:1 2:1\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "strictly increasing");
    expect_error(svm("1 0:1\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.svm:1:3: expected a feature index");
    expect_error(svm("1 7\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "expected index:value");
    expect_error(svm("1 1:x\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.svm:1:5: feature 1: expected a number");
    expect_error(svm("1 1:nan\n", 0, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "NaN");
    expect_error(svm("1 1:inf\n", 0, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "infinite");
    expect_error(svm("1 1:\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "empty cell");
    expect_error(svm("abc 1:1\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "t.svm:1:1: label");
    expect_error(svm("1 1:1\n1.5 1:1\n", 0, NULL, &ds, &e), &e, EO_ERR_RANGE, "t.svm:2:1: expected an integer class label");
    expect_error(svm("-2 1:1\n", 0, NULL, &ds, &e), &e, EO_ERR_RANGE, "out of range");
    expect_error(svm("-1 1:1\n2 1:1\n", 0, NULL, &ds, &e), &e, EO_ERR_RANGE, "every label is -1 or +1");
    expect_error(svm("", 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "empty file");
    expect_error(svm("# nothing\n\n", 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "empty file");
    expect_error(svm("1\n0\n", 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "no features");
    expect_error(svm("1 4:1\n", 3, NULL, &ds, &e), &e, EO_ERR_RANGE, "feature index 4 > 3 features");
    eo_data_opts o = eo_data_opts_defaults();
    o.n_classes = 2;
    expect_error(svm("2 1:1\n", 0, &o, &ds, &e), &e, EO_ERR_RANGE, "out of range 0..1");
    /* Huge indices: the dense size is refused before any allocation. */
    expect_error(svm("1 2147483647:1\n", 0, NULL, &ds, &e), &e, EO_ERR_RANGE, "exceeds the limit");
    expect_error(svm("1 99999999999:1\n", 0, NULL, &ds, &e), &e, EO_ERR_PARSE, "feature index");
    o = eo_data_opts_defaults();
    o.max_bytes = 1000;
    expect_error(svm("1 1:1 300:1\n", 0, &o, &ds, &e), &e, EO_ERR_RANGE, "exceeds the limit of 1000 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_basic), cmocka_unit_test(test_csv_bad), cmocka_unit_test(test_csv_files),
        cmocka_unit_test(test_libsvm),    cmocka_unit_test(test_libsvm_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
