/* The strict number parsers behind every command-line number and their
 * documented refusals (eo_parse_double, eo_parse_long, eo_parse_double_list).
 * Expected values are written out by hand from the C standard's strtod/strtol
 * grammar, not taken from the code under test. */
#include <float.h>
#include <limits.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/core.h"

static void test_double_accepts(void **state)
{
    (void)state;
    static const struct { const char *s; double v; } ok[] = {
        {"0", 0.0}, {"1.5", 1.5}, {"-2", -2.0}, {"+3e2", 300.0}, {"1e-3", 0.001}, {".5", 0.5},
        {"5.", 5.0}, {"0x1p-3", 0.125}, {" 42", 42.0}, {"1.7976931348623157e308", DBL_MAX},
        {"2.2250738585072014e-308", DBL_MIN}, {"-0", -0.0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = 99;
        assert_int_equal(eo_parse_double(ok[i].s, -HUGE_VAL, HUGE_VAL, &v), EO_OK);
        assert_memory_equal(&v, &ok[i].v, sizeof v);
    }
}

static void test_double_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {"", " ", "nan", "NaN", "inf", "-inf", "infinity", "1e999", "-1e999",
                                      "1e-400", "12abc", "1.5 ", "1,5", "0x", "--1", "e5", ".", "1e", "１"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 99;
        assert_int_equal(eo_parse_double(bad[i], -HUGE_VAL, HUGE_VAL, &v), EO_ERR_PARSE);
        assert_true(v == 99); /* untouched */
    }
    double v = 99;
    assert_int_equal(eo_parse_double(NULL, 0, 1, &v), EO_ERR_PARSE);
    assert_int_equal(eo_parse_double("1.0000001", 0, 1, &v), EO_ERR_RANGE);
    assert_int_equal(eo_parse_double("-1e-300", 0, 1, &v), EO_ERR_RANGE);
    assert_true(v == 99);
    assert_int_equal(eo_parse_double("1", 0, 1, &v), EO_OK); /* bounds are inclusive */
    assert_true(v == 1.0);
}

static void test_long(void **state)
{
    (void)state;
    long v = 7;
    assert_int_equal(eo_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, &v), EO_OK);
    assert_true(v == LONG_MAX);
    assert_int_equal(eo_parse_long("-9223372036854775808", LONG_MIN, LONG_MAX, &v), EO_OK);
    assert_true(v == LONG_MIN);
    v = 7;
    static const char *const bad[] = {"9223372036854775808", "-9223372036854775809", "", "2.5", "1e3", "0x10",
                                      "12 ", "abc", "+", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(eo_parse_long(bad[i], LONG_MIN, LONG_MAX, &v), EO_ERR_PARSE);
        assert_true(v == 7);
    }
    assert_int_equal(eo_parse_long("0", 1, 10, &v), EO_ERR_RANGE);
    assert_int_equal(eo_parse_long("11", 1, 10, &v), EO_ERR_RANGE);
    assert_int_equal(eo_parse_long("+010", 1, 10, &v), EO_OK);
    assert_true(v == 10);
}

static void test_list(void **state)
{
    (void)state;
    double out[4];
    size_t n = 0;
    eo_error e;
    assert_int_equal(eo_parse_double_list("-1.5,2,3e-1", out, 4, &n, &e), EO_OK);
    assert_int_equal(n, 3);
    assert_true(out[0] == -1.5 && out[1] == 2.0 && out[2] == 0.3);
    assert_int_equal(eo_parse_double_list("1,,2", out, 4, &n, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 3);
    assert_non_null(strstr(e.msg, "comma-separated"));
    assert_int_equal(eo_parse_double_list("1,nan", out, 4, &n, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 3);
    assert_non_null(strstr(e.msg, "'nan'"));
    assert_int_equal(eo_parse_double_list("1,2,3,4,5", out, 4, &n, &e), EO_ERR_RANGE);
    assert_int_equal(e.column, 9);
    assert_int_equal(eo_parse_double_list("", out, 4, &n, &e), EO_ERR_PARSE);
    assert_int_equal(eo_parse_double_list("1,", out, 4, &n, &e), EO_ERR_PARSE);
    assert_int_equal(n, 3); /* untouched by the failures */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_accepts),
        cmocka_unit_test(test_double_refuses),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
