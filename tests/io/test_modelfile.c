/* io: the .eom container. Round trip of every metadata type and tensor dtype,
 * and refusal of every kind of damage with the right message and offset:
 * truncation at every byte, bad magic, newer version, bad CRC, size fields and
 * counts larger than the file (CRC recomputed so the structural checks are
 * reached), plus a small in-test mutation fuzz run under the sanitizers. */
#include <string.h>

#include "eo_test.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"

/* A small file with every metadata type and tensor dtype. */
static void make_file(unsigned char **buf, size_t *len)
{
    eo_mf_writer *w;
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    int64_t ints[3] = {1, -2, INT64_MAX};
    double floats[2] = {0.1, -1e300};
    assert_int_equal(eo_mf_put_int(w, "a.int", -42), EO_OK);
    assert_int_equal(eo_mf_put_float(w, "a.float", 0.1), EO_OK);
    assert_int_equal(eo_mf_put_str(w, "a.str", "hello"), EO_OK);
    assert_int_equal(eo_mf_put_ints(w, "a.ints", ints, 3), EO_OK);
    assert_int_equal(eo_mf_put_floats(w, "a.floats", floats, 2), EO_OK);
    assert_int_equal(eo_mf_put_floats(w, "a.empty", NULL, 0), EO_OK);
    float f[6] = {1.5f, -2.25f, 0.0f, 3e-38f, -0.0f, 1e30f};
    int64_t d23[2] = {2, 3};
    assert_int_equal(eo_mf_put_tensor(w, "t.f32", EO_MF_F32, 2, d23, f), EO_OK);
    int8_t i8[5] = {-128, -1, 0, 1, 127};
    int64_t d5[1] = {5};
    assert_int_equal(eo_mf_put_tensor(w, "t.i8", EO_MF_I8, 1, d5, i8), EO_OK);
    int32_t i32[2] = {INT32_MIN, 123456};
    int64_t d2[1] = {2};
    assert_int_equal(eo_mf_put_tensor(w, "t.i32", EO_MF_I32, 1, d2, i32), EO_OK);
    uint8_t u4[2] = {0x21, 0x03}; /* 3 elements: 1, 2, 3 */
    int64_t d3[1] = {3};
    assert_int_equal(eo_mf_put_tensor(w, "t.u4", EO_MF_U4, 1, d3, u4), EO_OK);
    double f64[1] = {-1.0 / 7.0};
    assert_int_equal(eo_mf_put_tensor(w, "t.f64", EO_MF_F64, 0, NULL, f64), EO_OK);
    int64_t d0[2] = {0, 4};
    assert_int_equal(eo_mf_put_tensor(w, "t.empty", EO_MF_U8, 2, d0, NULL), EO_OK);
    eo_error e;
    assert_int_equal(eo_mf_writer_encode(w, buf, len, &e), EO_OK);
    eo_mf_writer_destroy(w);
}

static void fix_crc(unsigned char *b, size_t len)
{
    eo_io_store_le32(b + len - 4, eo_io_crc32(0, b, len - 4));
}

static unsigned char *copy_of(const unsigned char *b, size_t n)
{
    unsigned char *c = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    memcpy(c, b, n);
    return c;
}

/* Offset just after the name "name" stored with its u16 length prefix. */
static size_t after_name(const unsigned char *b, size_t len, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 2; i + n <= len; i++)
        if (b[i - 2] == (unsigned char)n && b[i - 1] == 0 && !memcmp(b + i, name, n)) return i + n;
    fail_msg("name %s not found", name);
    return 0;
}

static int parse_err(const unsigned char *b, size_t len, eo_error *e)
{
    eo_mf_reader *r = NULL;
    unsigned char *c = copy_of(b, len);
    eo_error_clear(e);
    int st = eo_mf_reader_parse(c, len, "m.eom", &r, e);
    eo_mf_reader_destroy(r);
    free(c);
    return st;
}

static void test_round_trip(void **state)
{
    (void)state;
    unsigned char *b;
    size_t len;
    make_file(&b, &len);
    assert_memory_equal(b, EO_MF_MAGIC, 8);
    assert_int_equal(eo_io_le64(b + 16), len);
    assert_int_equal(eo_io_le64(b + 48) % 64, 0);
    eo_mf_reader *r;
    eo_error e;
    assert_int_equal(eo_mf_reader_parse(b, len, "m.eom", &r, &e), EO_OK);
    assert_int_equal(eo_mf_reader_version(r), EO_MF_VERSION);
    assert_int_equal(eo_mf_meta_count(r), 6);
    assert_int_equal(eo_mf_tensor_count(r), 6);
    int64_t i;
    double f;
    const char *s;
    const int64_t *iv;
    const double *fv;
    size_t n;
    assert_int_equal(eo_mf_get_int(r, "a.int", &i, &e), EO_OK);
    assert_true(i == -42);
    assert_int_equal(eo_mf_get_float(r, "a.float", &f, &e), EO_OK);
    assert_true(f == 0.1);
    assert_int_equal(eo_mf_get_str(r, "a.str", &s, &e), EO_OK);
    assert_string_equal(s, "hello");
    assert_int_equal(eo_mf_get_ints(r, "a.ints", &iv, &n, &e), EO_OK);
    assert_int_equal(n, 3);
    assert_true(iv[0] == 1 && iv[1] == -2 && iv[2] == INT64_MAX);
    assert_int_equal(eo_mf_get_floats(r, "a.floats", &fv, &n, &e), EO_OK);
    assert_true(n == 2 && fv[0] == 0.1 && fv[1] == -1e300);
    assert_int_equal(eo_mf_get_floats(r, "a.empty", &fv, &n, &e), EO_OK);
    assert_int_equal(n, 0);
    /* Wrong type and missing key. */
    assert_int_equal(eo_mf_get_int(r, "a.str", &i, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "a.str"));
    assert_int_equal(eo_mf_get_int(r, "nope", &i, &e), EO_ERR_NOT_FOUND);

    const eo_mf_tensor *t;
    float fo[6];
    float fi[6] = {1.5f, -2.25f, 0.0f, 3e-38f, -0.0f, 1e30f};
    assert_int_equal(eo_mf_tensor_get(r, "t.f32", EO_MF_F32, 6, &t, &e), EO_OK);
    assert_int_equal(t->ndim, 2);
    assert_true(t->dims[0] == 2 && t->dims[1] == 3);
    assert_int_equal(t->offset % 64, 0);
    assert_int_equal(eo_mf_tensor_read_f32(t, fo, 6, &e), EO_OK);
    assert_memory_equal(fo, fi, sizeof fi); /* bit-exact, -0.0 included */
    assert_int_equal(eo_mf_tensor_read_f32(t, fo, 5, &e), EO_ERR_SHAPE);
    int8_t i8[5];
    t = eo_mf_tensor_find(r, "t.i8");
    assert_int_equal(eo_mf_tensor_read_bytes(t, i8, 5, &e), EO_OK);
    assert_true(i8[0] == -128 && i8[4] == 127);
    int32_t i32[2];
    t = eo_mf_tensor_find(r, "t.i32");
    assert_int_equal(eo_mf_tensor_read_i32(t, i32, 2, &e), EO_OK);
    assert_true(i32[0] == INT32_MIN && i32[1] == 123456);
    t = eo_mf_tensor_find(r, "t.u4");
    assert_int_equal(t->numel, 3);
    assert_int_equal(t->nbytes, 2);
    assert_int_equal(t->data[0], 0x21);
    double d;
    t = eo_mf_tensor_find(r, "t.f64");
    assert_int_equal(t->ndim, 0);
    assert_int_equal(eo_mf_tensor_read_f64(t, &d, 1, &e), EO_OK);
    assert_true(d == -1.0 / 7.0);
    t = eo_mf_tensor_find(r, "t.empty");
    assert_int_equal(t->numel, 0);
    assert_null(eo_mf_tensor_find(r, "t.none"));
    assert_int_equal(eo_mf_tensor_get(r, "t.i8", EO_MF_F32, 5, &t, &e), EO_ERR_FORMAT);
    eo_mf_reader_destroy(r);

    /* Encoding is deterministic. */
    unsigned char *b2;
    size_t len2;
    make_file(&b2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    free(b2);
    free(b);
}

static void test_writer_rejects(void **state)
{
    (void)state;
    eo_mf_writer *w;
    eo_error e;
    unsigned char *b;
    size_t len;
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    assert_int_equal(eo_mf_put_int(w, "k", 1), EO_OK);
    assert_int_equal(eo_mf_put_int(w, "k", 2), EO_ERR_INVALID);
    assert_int_equal(eo_mf_writer_encode(w, &b, &len, &e), EO_ERR_INVALID);
    assert_non_null(strstr(e.msg, "twice"));
    eo_mf_writer_destroy(w);
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    assert_int_equal(eo_mf_put_int(w, "bad key", 1), EO_ERR_INVALID);
    eo_mf_writer_destroy(w);
    assert_int_equal(eo_mf_writer_create(&w), EO_OK);
    int64_t neg[1] = {-1};
    assert_int_equal(eo_mf_put_tensor(w, "t", EO_MF_F32, 1, neg, NULL), EO_ERR_INVALID);
    eo_mf_writer_destroy(w);
}

/* Every proper prefix of a valid file is refused with EO_ERR_FORMAT and an
 * offset inside the prefix. */
static void test_truncated_at_every_byte(void **state)
{
    (void)state;
    unsigned char *b;
    size_t len;
    make_file(&b, &len);
    for (size_t n = 0; n < len; n++) {
        eo_error e;
        int st = parse_err(b, n, &e);
        if (st != EO_ERR_FORMAT) fail_msg("prefix of %zu bytes: status %d", n, st);
        if (e.offset < 0 || (size_t)e.offset > n) fail_msg("prefix %zu: offset %lld", n, e.offset);
        if (n >= 64 && !strstr(e.msg, "truncated")) fail_msg("prefix %zu: '%s'", n, e.msg);
    }
    free(b);
}

static void test_header_damage(void **state)
{
    (void)state;
    unsigned char *b;
    size_t len;
    eo_error e;
    make_file(&b, &len);
    unsigned char *c = copy_of(b, len);

    c[0] = 'X';
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "bad magic"));
    assert_int_equal(e.offset, 0);
    assert_string_equal(e.where, "m.eom");
    memcpy(c, b, len);

    eo_io_store_le32(c + 8, EO_MF_VERSION + 1);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "newer"));
    assert_int_equal(e.offset, 8);
    memcpy(c, b, len);

    c[len / 2] ^= 0x10; /* one flipped bit anywhere */
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "checksum"));
    assert_int_equal(e.offset, (long long)len - 4);
    memcpy(c, b, len);

    /* Declared file size larger than the file. */
    eo_io_store_le64(c + 16, (uint64_t)len + 1000);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_int_equal(e.offset, 16);
    memcpy(c, b, len);

    /* Huge counts (CRC fixed so the structural check is what refuses them). */
    eo_io_store_le32(c + 24, 0xFFFFFFFFu);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, 24);
    memcpy(c, b, len);
    eo_io_store_le32(c + 28, 1000000);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, 28);
    memcpy(c, b, len);

    /* Section offsets beyond the file, and overflow-prone values. */
    const size_t fields[] = {32, 40, 48, 56};
    const uint64_t bad[] = {UINT64_MAX, (uint64_t)len, UINT64_MAX - 63, 1ull << 63};
    for (size_t fi = 0; fi < 4; fi++)
        for (size_t bi = 0; bi < 4; bi++) {
            memcpy(c, b, len);
            eo_io_store_le64(c + fields[fi], bad[bi]);
            fix_crc(c, len);
            assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
            assert_int_equal(e.offset, (long long)fields[fi]);
        }
    free(c);
    free(b);
}

static void test_entry_damage(void **state)
{
    (void)state;
    unsigned char *b;
    size_t len;
    eo_error e;
    make_file(&b, &len);
    unsigned char *c = copy_of(b, len);

    /* Tensor size field larger than the data section. */
    size_t p = after_name(c, len, "t.f32"); /* dtype, ndim, 2 dims, offset, size */
    size_t off_at = p + 2 + 16, size_at = off_at + 8;
    eo_io_store_le64(c + size_at, (uint64_t)1 << 40);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "t.f32"));
    assert_int_equal(e.offset, (long long)size_at);
    /* Consistent size but a huge shape: dims overflow / outside the data. */
    memcpy(c, b, len);
    eo_io_store_le64(c + p + 2, (uint64_t)1 << 40);
    eo_io_store_le64(c + size_at, ((uint64_t)1 << 40) * 3 * 4);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "outside the data"));
    assert_int_equal(e.offset, (long long)off_at);
    memcpy(c, b, len);
    eo_io_store_le64(c + p + 2, UINT64_MAX / 2);
    eo_io_store_le64(c + p + 10, UINT64_MAX / 2);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    /* Misaligned and out-of-range tensor offsets. */
    memcpy(c, b, len);
    eo_io_store_le64(c + off_at, 8);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, (long long)off_at);
    memcpy(c, b, len);
    eo_io_store_le64(c + off_at, UINT64_MAX - 63);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, (long long)off_at);
    /* Unknown dtype, too many dims. */
    memcpy(c, b, len);
    c[p] = 200;
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "unknown dtype"));
    assert_int_equal(e.offset, (long long)p);
    memcpy(c, b, len);
    c[p + 1] = 9;
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, (long long)p + 1);

    /* Metadata: a huge array count, a huge string length, an unknown type. */
    memcpy(c, b, len);
    p = after_name(c, len, "a.ints");
    eo_io_store_le64(c + p + 1, UINT64_MAX / 8);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_int_equal(e.offset, (long long)p + 1);
    memcpy(c, b, len);
    p = after_name(c, len, "a.str");
    eo_io_store_le32(c + p + 1, 0xFFFFFFF0u);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_int_equal(e.offset, (long long)p + 5);
    memcpy(c, b, len);
    c[p] = 77;
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "unknown type"));
    /* Duplicate key: rename a.int to a.str's... same length names: "a.ints" vs
     * "a.str" differ, so turn "a.float" into "a.empty"? lengths 7 == 7. */
    memcpy(c, b, len);
    p = after_name(c, len, "a.float");
    memcpy(c + p - 7, "a.empty", 7);
    fix_crc(c, len);
    assert_int_equal(parse_err(c, len, &e), EO_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "twice"));
    free(c);
    free(b);
}

/* Mutation fuzz: random byte edits with the CRC recomputed (so the structure
 * parser sees them) must parse or fail cleanly; the sanitizer build turns any
 * out-of-bounds read into a failure. */
static void test_mutations(void **state)
{
    (void)state;
    unsigned char *b;
    size_t len;
    make_file(&b, &len);
    eo_rng rng;
    eo_rng_seed(&rng, 7);
    int ok = 0, refused = 0;
    for (int it = 0; it < 20000; it++) {
        unsigned char *c = copy_of(b, len);
        int edits = 1 + (int)eo_rng_below(&rng, 4);
        for (int k = 0; k < edits; k++) {
            size_t at = (size_t)eo_rng_below(&rng, len - 4);
            switch (eo_rng_below(&rng, 3)) {
            case 0: c[at] ^= (unsigned char)(1u << eo_rng_below(&rng, 8)); break;
            case 1: c[at] = (unsigned char)eo_rng_u32(&rng); break;
            default: c[at] = (unsigned char)(eo_rng_below(&rng, 2) ? 0xFF : 0x00); break;
            }
        }
        fix_crc(c, len);
        eo_mf_reader *r = NULL;
        eo_error e;
        int st = eo_mf_reader_parse(c, len, "m.eom", &r, &e);
        if (st == EO_OK) {
            /* Whatever parsed must be self-consistent and readable. */
            for (size_t i = 0; i < eo_mf_tensor_count(r); i++) {
                const eo_mf_tensor *t = eo_mf_tensor_at(r, i);
                assert_true(t->offset + t->nbytes <= len - 4);
                volatile unsigned char sink = 0;
                for (size_t j = 0; j < t->nbytes; j++) sink ^= t->data[j];
                (void)sink;
            }
            ok++;
        } else {
            assert_true(st < 0);
            assert_true(e.msg[0] != '\0');
            refused++;
        }
        eo_mf_reader_destroy(r);
        free(c);
    }
    assert_true(refused > 1000);
    assert_true(ok > 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_writer_rejects),
        cmocka_unit_test(test_truncated_at_every_byte),
        cmocka_unit_test(test_header_damage),
        cmocka_unit_test(test_entry_damage),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
