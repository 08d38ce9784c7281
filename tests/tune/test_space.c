/* Search spaces: parsing (good and bad, with line/column), canonical text,
 * sampling distributions, grids, encoding, placeholders and constraints. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "eo_test.h"
#include "edgeopt/tune.h"

static eo_space *parse_ok(const char *text)
{
    eo_space *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    int st = eo_space_parse(text, NULL, &s, &e);
    if (st) fail_msg("parse '%s' failed: %s (line %ld col %ld)", text, e.msg, e.line, e.column);
    return s;
}

static void test_parse_good(void **state)
{
    (void)state;
    eo_space *s = parse_ok("lr=log(1e-4,1e-1);batch=choice(32,64,128,256);hidden=int(32,512);dropout=uniform(0,0.5)");
    assert_int_equal(eo_space_dim(s), 4);
    eo_param_info p;
    assert_int_equal(eo_space_param(s, 0, &p), EO_OK);
    assert_string_equal(p.name, "lr");
    assert_int_equal(p.kind, EO_PARAM_LOG);
    assert_true(p.lo == 1e-4 && p.hi == 1e-1);
    assert_int_equal(eo_space_param(s, 1, &p), EO_OK);
    assert_int_equal(p.kind, EO_PARAM_CHOICE);
    assert_int_equal(p.nchoices, 4);
    assert_true(p.numeric);
    assert_string_equal(eo_space_choice(s, 1, 2), "128");
    assert_int_equal(eo_space_param(s, 2, &p), EO_OK);
    assert_int_equal(p.kind, EO_PARAM_INT);
    assert_true(p.lo == 32 && p.hi == 512);
    assert_int_equal(eo_space_param(s, 3, &p), EO_OK);
    assert_int_equal(p.kind, EO_PARAM_UNIFORM);
    assert_int_equal(eo_space_find(s, "hidden"), 2);
    assert_int_equal(eo_space_find(s, "nope"), -1);
    assert_int_equal(eo_space_param(s, 4, &p), EO_ERR_INVALID);
    /* canonical text parses back to the same text */
    char a[1024], b[1024];
    eo_space_format(s, a, sizeof a);
    eo_space *s2 = parse_ok(a);
    eo_space_format(s2, b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "lr=log(0.0001,0.1);batch=choice(32,64,128,256);hidden=int(32,512);dropout=uniform(0,0.5)");
    eo_space_destroy(s);
    eo_space_destroy(s2);

    /* blanks, comments, new lines, words, grid=N, intlog */
    s = parse_ok("  # a comment\n act = choice( relu , tanh,leaky_relu ) ; \n\n w=uniform(-1, 1, grid=5) # tail\r\n"
                 "n=intlog(1,1000);");
    assert_int_equal(eo_space_dim(s), 3);
    assert_int_equal(eo_space_param(s, 0, &p), EO_OK);
    assert_false(p.numeric);
    assert_string_equal(eo_space_choice(s, 0, 2), "leaky_relu");
    assert_int_equal(eo_space_param(s, 1, &p), EO_OK);
    assert_int_equal(p.grid, 5);
    assert_int_equal(eo_space_param(s, 2, &p), EO_OK);
    assert_int_equal(p.kind, EO_PARAM_INTLOG);
    eo_space_format(s, a, sizeof a);
    assert_string_equal(a, "act=choice(relu,tanh,leaky_relu);w=uniform(-1,1,grid=5);n=intlog(1,1000)");
    eo_space_destroy(s);
}

typedef struct bad_case {
    const char *text;
    long line, column;
    const char *msg;
} bad_case;

static void test_parse_bad(void **state)
{
    (void)state;
    /* Columns counted by hand (1-based). */
    static const bad_case cases[] = {
        {"lr=log(1e-4,1e-1", 1, 17, "expected ')'"},
        {"lr=lag(1,2)", 1, 4, "expected uniform, log, int, intlog or choice"},
        {"lr=log(0,1)", 1, 8, "0 < a"},
        {"lr=log(1,1)", 1, 10, "a < b"},
        {"1lr=uniform(0,1)", 1, 1, "expected a parameter name"},
        {"x=uniform(0,1);x=int(1,2)", 1, 16, "defined twice"},
        {"x=int(1.5,3)", 1, 7, "integer"},
        {"x=choice(a,b,a)", 1, 14, "duplicate option 'a'"},
        {"x=uniform(0 1)", 1, 13, "expected ','"},
        {"a=int(1,2)\n# c\nb=uniform(3,1)", 3, 13, "a < b"},
        {"x=uniform(0,1) y=int(1,2)", 1, 16, "expected ';'"},
        {"x uniform(0,1)", 1, 3, "expected '='"},
        {"x=uniform(0,nan)", 1, 13, "expected a number"},
        {"x=uniform(0,1e999)", 1, 13, "expected a number"},
        {"x=choice()", 1, 10, "expected an option"},
        {"x=int(1,5,grid=1)", 1, 16, "grid=N"},
        {"x=int(1,5,points=3)", 1, 11, "grid=N"},
        {"x=intlog(0,5)", 1, 10, "1 <= a"},
        {"", 1, 1, "empty"},
        {"  ; # nothing\n", 1, 1, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        eo_space *s = (eo_space *)1;
        eo_error e;
        eo_error_clear(&e);
        int st = eo_space_parse(cases[i].text, "test", &s, &e);
        if (st == EO_OK) fail_msg("'%s' should fail", cases[i].text);
        assert_null(s);
        if (e.line != cases[i].line || e.column != cases[i].column || !strstr(e.msg, cases[i].msg))
            fail_msg("'%s': got line %ld col %ld '%s', expected line %ld col %ld '%s'", cases[i].text, e.line,
                     e.column, e.msg, cases[i].line, cases[i].column, cases[i].msg);
        assert_string_equal(e.where, "test");
    }
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/eo_space_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# tuning space\nlr = log(1e-4, 1e-1)\nbatch = choice(32, 64)\nhidden = int(32, 5x2)\n", f);
    fclose(f);
    eo_space *s = NULL;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_space_load(path, &s, &e), EO_ERR_PARSE);
    assert_string_equal(e.where, path);
    assert_int_equal(e.line, 4);
    assert_int_equal(e.column, 18);
    char msg[700];
    eo_error_format(&e, msg, sizeof msg);
    assert_non_null(strstr(msg, ":4:18:"));
    remove(path);
}

static void test_sampling(void **state)
{
    (void)state;
    eo_space *s = parse_ok("lr=log(1e-4,1e-1);k=int(3,7);c=choice(a,b,c,d);u=uniform(-2,6);n=intlog(1,10)");
    eo_rng r;
    eo_rng_seed(&r, 42);
    enum { N = 60000 };
    long decade[3] = {0}, ints[5] = {0}, ch[4] = {0}, il[10] = {0};
    double umean = 0;
    for (int t = 0; t < N; t++) {
        double x[5];
        eo_space_sample(s, &r, x);
        assert_int_equal(eo_space_check(s, x, NULL), EO_OK);
        assert_true(x[0] >= 1e-4 && x[0] <= 1e-1);
        int d = (int)floor(log10(x[0]) + 4);
        decade[d > 2 ? 2 : d]++;
        ints[(int)x[1] - 3]++;
        ch[(int)x[2]]++;
        umean += x[3];
        assert_true(x[3] >= -2 && x[3] <= 6);
        il[(int)x[4] - 1]++;
    }
    /* log-uniform: each decade gets 1/3 (sd of a fraction ~0.002) */
    for (int d = 0; d < 3; d++) EO_ASSERT_CLOSE((double)decade[d] / N, 1.0 / 3, 0, 0.012);
    for (int k = 0; k < 5; k++) EO_ASSERT_CLOSE((double)ints[k] / N, 0.2, 0, 0.012);
    for (int k = 0; k < 4; k++) EO_ASSERT_CLOSE((double)ch[k] / N, 0.25, 0, 0.012);
    EO_ASSERT_CLOSE(umean / N, 2.0, 0, 0.05);
    /* intlog(1,10): P(v) = log((v+0.5)/(v-0.5)) / log(10.5/0.5) */
    for (int v = 1; v <= 10; v++)
        EO_ASSERT_CLOSE((double)il[v - 1] / N, log((v + 0.5) / (v - 0.5)) / log(21.0), 0, 0.012);
    double bad[5] = {1e-5, 3, 0, 0, 1};
    assert_int_equal(eo_space_check(s, bad, NULL), EO_ERR_RANGE);
    double bad2[5] = {1e-3, 3.5, 0, 0, 1};
    assert_int_equal(eo_space_check(s, bad2, NULL), EO_ERR_RANGE);
    eo_space_destroy(s);
}

static void test_grid(void **state)
{
    (void)state;
    eo_space *s = parse_ok("a=choice(x,y);b=int(1,3);c=uniform(0,1,grid=3);d=log(1,100)");
    assert_int_equal(eo_space_grid_size(s, 3), 54);
    static const double bv[3] = {1, 2, 3}, cv[3] = {0, 0.5, 1}, dv[3] = {1, 10, 100};
    uint64_t idx = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 3; c++)
                for (int d = 0; d < 3; d++, idx++) {
                    double x[4];
                    assert_int_equal(eo_space_grid_point(s, 3, idx, x), EO_OK);
                    assert_true(x[0] == a);
                    assert_true(x[1] == bv[b]);
                    assert_true(x[2] == cv[c]);
                    EO_ASSERT_CLOSE(x[3], dv[d], 1e-12, 0);
                }
    double x[4];
    assert_int_equal(eo_space_grid_point(s, 3, 54, x), EO_ERR_RANGE);
    eo_space_destroy(s);
    /* wide integer ranges: evenly spaced points; intlog: geometric, deduplicated */
    s = parse_ok("k=int(0,100);n=intlog(1,8)");
    assert_int_equal(eo_space_grid_count(s, 0, 5), 5);
    assert_int_equal(eo_space_grid_count(s, 1, 5), 5); /* 8^(k/4): 1, 1.68->2, 2.83->3, 4.76->5, 8 */
    assert_int_equal(eo_space_grid_count(s, 1, 9), 8); /* 8^(k/8): 1,1.3->1,... all of 1..8 would be 8 values */
    double y[2];
    static const double kv[5] = {0, 25, 50, 75, 100};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(eo_space_grid_point(s, 5, (uint64_t)i * 5, y), EO_OK);
        assert_true(y[0] == kv[i]);
    }
    eo_space_destroy(s);
}

static void test_encode(void **state)
{
    (void)state;
    eo_space *s = parse_ok("u=uniform(-3,5);l=log(0.01,100);i=int(-2,7);n=intlog(2,300)");
    assert_true(eo_space_encode(s, 0, -3) == 0 && eo_space_encode(s, 0, 5) == 1);
    EO_ASSERT_CLOSE(eo_space_encode(s, 1, 1), 0.5, 1e-12, 1e-12);
    for (double v = -2; v <= 7; v++) assert_true(eo_space_decode(s, 2, eo_space_encode(s, 2, v)) == v);
    for (double v = 2; v <= 300; v++) assert_true(eo_space_decode(s, 3, eo_space_encode(s, 3, v)) == v);
    EO_ASSERT_CLOSE(eo_space_decode(s, 1, eo_space_encode(s, 1, 3.7)), 3.7, 1e-12, 0);
    eo_space_destroy(s);
}

static void test_fill(void **state)
{
    (void)state;
    eo_space *s = parse_ok("lr=log(1e-4,1e-1);batch=choice(32,64);hidden=int(32,512);act=choice(relu,tanh)");
    double x[4] = {0.001, 1, 128, 1};
    char out[256];
    uint64_t used = 0;
    assert_int_equal(eo_space_fill(s, x, "mlp:{hidden}:act={act}", "--model", out, sizeof out, &used, NULL), EO_OK);
    assert_string_equal(out, "mlp:128:act=tanh");
    assert_int_equal(eo_space_fill(s, x, "adam:lr={lr}", "--optimizer", out, sizeof out, &used, NULL), EO_OK);
    assert_string_equal(out, "adam:lr=0.001");
    assert_int_equal(eo_space_fill(s, x, "{batch}", "--batch", out, sizeof out, &used, NULL), EO_OK);
    assert_string_equal(out, "64");
    assert_int_equal(used, 0xF);
    x[0] = 0.1 / 3;
    assert_int_equal(eo_space_fill(s, x, "{{{lr}}}", "t", out, sizeof out, NULL, NULL), EO_OK);
    size_t ol = strlen(out);
    assert_true(out[0] == '{' && out[ol - 1] == '}');
    assert_true(strtod(out + 1, NULL) == 0.1 / 3); /* exact round trip */
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_space_fill(s, x, "mlp:{hiden}", "--model", out, sizeof out, NULL, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 5);
    assert_non_null(strstr(e.msg, "unknown placeholder {hiden} in --model"));
    assert_non_null(strstr(e.msg, "lr, batch, hidden, act"));
    assert_int_equal(eo_space_fill(s, x, "mlp:{hidden", "--model", out, sizeof out, NULL, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 5);
    assert_int_equal(eo_space_fill(s, x, "mlp:}", "--model", out, sizeof out, NULL, &e), EO_ERR_PARSE);
    assert_int_equal(eo_space_fill(s, x, "mlp:{hidden}", "--model", out, 6, NULL, &e), EO_ERR_RANGE);
    /* checking only (x NULL) */
    used = 0;
    assert_int_equal(eo_space_fill(s, NULL, "a{lr}b{act}", "t", NULL, 0, &used, NULL), EO_OK);
    assert_int_equal(used, 0x9);
    eo_space_destroy(s);
}

static void test_constraints(void **state)
{
    (void)state;
    eo_tune_constraint c[8];
    size_t n;
    assert_int_equal(eo_tune_constraints_parse("flash<=64KB,ram<8KiB, params<=5e4,latency<=2M", c, 8, &n, NULL), EO_OK);
    assert_int_equal(n, 4);
    assert_int_equal(c[0].q, EO_TUNE_FLASH);
    assert_true(c[0].bound == 65536 && !c[0].strict);
    assert_int_equal(c[1].q, EO_TUNE_RAM);
    assert_true(c[1].bound == 8192 && c[1].strict);
    assert_true(c[2].q == EO_TUNE_PARAMS && c[2].bound == 50000);
    assert_true(c[3].q == EO_TUNE_LATENCY && c[3].bound == 2e6);
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_tune_constraints_parse("flash>=1", c, 8, &n, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 6);
    assert_int_equal(eo_tune_constraints_parse("speed<=1", c, 8, &n, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 1);
    assert_int_equal(eo_tune_constraints_parse("ram<=8XB", c, 8, &n, &e), EO_ERR_PARSE);
    assert_int_equal(e.column, 7);
    assert_int_equal(eo_tune_constraints_parse("ram<=nan", c, 8, &n, &e), EO_ERR_PARSE);
    assert_int_equal(eo_tune_constraints_parse("score<=1", c, 8, &n, &e), EO_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad), cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_sampling),   cmocka_unit_test(test_grid),      cmocka_unit_test(test_encode),
        cmocka_unit_test(test_fill),       cmocka_unit_test(test_constraints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
