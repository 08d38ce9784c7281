/* IDX (plain and gzip) and .npy loaders. The good fixtures were written by
 * Python (struct + gzip) and NumPy: tests/fixtures/data/make_fixtures.py. */
#include <zlib.h>

#include "data_test_util.h"

static float fx(int i, int j) { return (float)(i * 3 + j) + 0.5f; } /* as in make_fixtures.py */

/* gzip with zlib (windowBits 15 + 16). Caller frees. */
static unsigned char *gz(const unsigned char *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* An IDX header: dtype, rank, dims; returns header bytes written. */
static size_t idx_header(unsigned char *b, int dtype, int ndim, const uint32_t *dims)
{
    b[0] = b[1] = 0;
    b[2] = (unsigned char)dtype;
    b[3] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++) {
        b[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
        b[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
        b[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
        b[7 + 4 * i] = (unsigned char)dims[i];
    }
    return 4 + 4 * (size_t)ndim;
}

static int idx(const unsigned char *im, size_t il, const unsigned char *lb, size_t ll, const eo_data_opts *o,
               eo_dataset *ds, eo_error *e)
{
    eo_error_clear(e);
    return eo_data_parse_idx_mem(im, il, lb, ll, o, "img", "lab", ds, e);
}

static void test_idx_fixtures(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    int rc = eo_data_load_idx(FIXTURE("tiny-images-idx3-ubyte.gz"), FIXTURE("tiny-labels-idx1-ubyte"), NULL, &ds, &e);
    assert_int_equal(rc, EO_OK);
    assert_int_equal(ds.rows, 5);
    assert_int_equal(ds.cols, 6);
    assert_int_equal(ds.dtype, EO_DTYPE_U8);
    assert_true(ds.u8_scale == 1.0f / 255.0f);
    assert_true(ds.shape[0] == 1 && ds.shape[1] == 2 && ds.shape[2] == 3);
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 6; k++) assert_int_equal(((uint8_t *)ds.x)[i * 6 + k], (i * 6 + k) * 7 % 256);
    const int lab[5] = {3, 0, 1, 3, 2};
    for (int i = 0; i < 5; i++) assert_int_equal(ds.y[i], lab[i]);
    assert_int_equal(ds.n_classes, 4);
    assert_string_equal(ds.name, "tiny-images-idx3-ubyte.gz");
    eo_dataset_free(&ds);

    eo_data_opts o = eo_data_opts_defaults();
    o.limit = 2;
    assert_int_equal(eo_data_load_idx(FIXTURE("tiny-images-idx3-ubyte.gz"), FIXTURE("tiny-labels-idx1-ubyte"), &o,
                                      &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.y[1], 0);
    assert_int_equal(((uint8_t *)ds.x)[11], 11 * 7);
    eo_dataset_free(&ds);

    /* float32 IDX, big-endian in the file, unlabelled. */
    assert_int_equal(eo_data_load_idx(FIXTURE("tiny-f32-idx2"), NULL, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 3);
    assert_int_equal(ds.cols, 2);
    assert_int_equal(ds.dtype, EO_DTYPE_F32);
    assert_null(ds.y);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) assert_true(((float *)ds.x)[i * 2 + j] == fx(i, j));
    eo_dataset_free(&ds);

    expect_error(eo_data_load_idx(FIXTURE("absent-idx"), NULL, NULL, &ds, &e), &e, EO_ERR_NOT_FOUND, "absent-idx");
    /* Labels of another size than the images. */
    expect_error(eo_data_load_idx(FIXTURE("tiny-f32-idx2"), FIXTURE("tiny-labels-idx1-ubyte"), NULL, &ds, &e), &e,
                 EO_ERR_SHAPE, "5 labels for 3 images");
}

static void test_idx_bad(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    unsigned char b[256];
    memset(b, 0, sizeof b);
    uint32_t d3[3] = {2, 2, 2};
    size_t h = idx_header(b, 0x08, 3, d3);
    assert_int_equal(idx(b, h + 8, NULL, 0, NULL, &ds, &e), EO_OK);
    eo_dataset_free(&ds);
    /* Wrong magic, dtype, rank. */
    b[1] = 1;
    expect_error(idx(b, h + 8, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "img: offset 0: bad IDX magic");
    assert_dataset_empty(&ds);
    b[1] = 0;
    b[2] = 0x07;
    expect_error(idx(b, h + 8, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "offset 2: unknown IDX dtype 0x07");
    b[2] = 0x08;
    b[3] = 0;
    expect_error(idx(b, h + 8, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "rank 0 not supported");
    b[3] = 200;
    expect_error(idx(b, sizeof b, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "rank 200");
    b[3] = 3;
    /* Truncated header and data; trailing bytes; zero dimension. */
    expect_error(idx(b, 3, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "truncated IDX header");
    expect_error(idx(b, 10, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "truncated IDX header");
    expect_error(idx(b, h + 7, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "truncated IDX data");
    expect_error(idx(b, h + 9, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "1 unexpected bytes");
    uint32_t dz[3] = {2, 0, 2};
    idx_header(b, 0x08, 3, dz);
    expect_error(idx(b, h, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT, "dimension 1 is zero");
    /* Size fields far beyond the file: refused without allocating. */
    uint32_t huge[3] = {60000, 0xFFFFFFFFu, 0xFFFFFFFFu};
    idx_header(b, 0x0E, 3, huge);
    int rc = idx(b, h + 8, NULL, 0, NULL, &ds, &e);
    assert_true(rc == EO_ERR_RANGE || rc == EO_ERR_FORMAT);
    uint32_t big[4] = {60000, 28, 28, 1};
    h = idx_header(b, 0x08, 4, big);
    expect_error(idx(b, h + 100, NULL, 0, NULL, &ds, &e), &e, EO_ERR_FORMAT,
                 "header promises 47040000 elements of 1 bytes, file holds 100");
    /* NaN in a float IDX. */
    uint32_t d2[2] = {1, 2};
    h = idx_header(b, 0x0D, 2, d2);
    memcpy(b + h, "\x7f\xc0\x00\x00\x3f\x80\x00\x00", 8); /* NaN, 1.0 big-endian */
    expect_error(idx(b, h + 8, NULL, 0, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "img: offset 12: row 1, feature 1: NaN");

    /* Labels: out of range, wrong rank, float labels for classes. */
    unsigned char im[64], lb[64];
    uint32_t di[2] = {3, 2}, dl[1] = {3};
    size_t hi = idx_header(im, 0x08, 2, di), hl = idx_header(lb, 0x08, 1, dl);
    memset(im + hi, 9, 6);
    lb[hl] = 0;
    lb[hl + 1] = 12;
    lb[hl + 2] = 1;
    eo_data_opts o = eo_data_opts_defaults();
    o.n_classes = 10;
    expect_error(idx(im, hi + 6, lb, hl + 3, &o, &ds, &e), &e, EO_ERR_RANGE,
                 "lab: offset 9: row 2: class label 12 out of range 0..9");
    assert_dataset_empty(&ds);
    assert_int_equal(idx(im, hi + 6, lb, hl + 3, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.n_classes, 13);
    eo_dataset_free(&ds);
    expect_error(idx(im, hi + 6, im, hi + 6, NULL, &ds, &e), &e, EO_ERR_SHAPE, "labels must be 1-D");
    uint32_t dl3[1] = {3};
    hl = idx_header(lb, 0x0D, 1, dl3);
    memset(lb + hl, 0, 12);
    expect_error(idx(im, hi + 6, lb, hl + 12, NULL, &ds, &e), &e, EO_ERR_FORMAT, "float labels need regression");
    o = eo_data_opts_defaults();
    o.regression = 1;
    assert_int_equal(idx(im, hi + 6, lb, hl + 12, &o, &ds, &e), EO_OK);
    assert_non_null(ds.t);
    eo_dataset_free(&ds);
}

static void test_gzip(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    size_t raw_len, gl;
    unsigned char *g = slurp(FIXTURE("tiny-images-idx3-ubyte.gz"), &gl);
    uint8_t *raw;
    eo_error_clear(&e);
    assert_int_equal(eo_data_gunzip_mem(g, gl, 0, &raw, &raw_len, "g", &e), EO_OK);
    assert_int_equal(raw_len, 16 + 30);
    /* A limit of exactly the output size passes; one byte less fails. */
    uint8_t *tmp;
    size_t tl;
    assert_int_equal(eo_data_gunzip_mem(g, gl, raw_len, &tmp, &tl, "g", &e), EO_OK);
    assert_int_equal(tl, raw_len);
    assert_memory_equal(tmp, raw, raw_len);
    free(tmp);
    expect_error(eo_data_gunzip_mem(g, gl, raw_len - 1, &tmp, &tl, "g", &e), &e, EO_ERR_RANGE, "limit of 45 bytes");
    /* Truncated and corrupt streams, garbage after the stream. */
    expect_error(eo_data_gunzip_mem(g, gl - 9, 0, &tmp, &tl, "g", &e), &e, EO_ERR_FORMAT, "truncated gzip");
    assert_null(tmp);
    expect_error(eo_data_gunzip_mem(g, 10, 0, &tmp, &tl, "g", &e), &e, EO_ERR_FORMAT, "truncated gzip");
    unsigned char *bad = malloc(gl + 5);
    memcpy(bad, g, gl);
    for (size_t i = 12; i < gl - 8; i++) bad[i] ^= 0x5a;
    int rc = eo_data_gunzip_mem(bad, gl, 0, &tmp, &tl, "g", &e);
    assert_true(rc == EO_ERR_FORMAT);
    memcpy(bad, g, gl);
    memcpy(bad + gl, "junk!", 5);
    expect_error(eo_data_gunzip_mem(bad, gl + 5, 0, &tmp, &tl, "g", &e), &e, EO_ERR_FORMAT, "trailing garbage");
    free(bad);
    /* Two concatenated members inflate to the concatenation. */
    size_t l1, l2;
    unsigned char *m1 = gz(raw, 20, &l1), *m2 = gz(raw + 20, raw_len - 20, &l2);
    unsigned char *cat = malloc(l1 + l2);
    memcpy(cat, m1, l1);
    memcpy(cat + l1, m2, l2);
    assert_int_equal(eo_data_parse_idx_mem(cat, l1 + l2, NULL, 0, NULL, "cat", NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 5);
    assert_memory_equal(ds.x, raw + 16, 30);
    eo_dataset_free(&ds);
    free(m1);
    free(m2);
    free(cat);
    /* A bomb: 8 MB of zeros in a few KB. The cap stops it, and the output
     * buffer never exceeded the cap (ASan would see a larger allocation). */
    size_t zn = 8u << 20, bl;
    unsigned char *zeros = calloc(zn, 1);
    unsigned char *bomb = gz(zeros, zn, &bl);
    assert_true(bl < 20000);
    expect_error(eo_data_gunzip_mem(bomb, bl, 1u << 20, &tmp, &tl, "bomb", &e), &e, EO_ERR_RANGE,
                 "exceeds the limit of 1048576 bytes");
    assert_int_equal(eo_data_gunzip_mem(bomb, bl, 0, &tmp, &tl, "bomb", &e), EO_OK);
    assert_int_equal(tl, zn);
    free(tmp);
    /* A trailer that lies about the size (2 GB) is not believed for the first
     * allocation (more than deflate could produce from the file), and zlib's
     * length check then rejects the stream. */
    bomb[bl - 1] = 0x7f;
    expect_error(eo_data_gunzip_mem(bomb, bl, 0, &tmp, &tl, "bomb", &e), &e, EO_ERR_FORMAT, "incorrect length check");
    free(bomb);
    free(zeros);
    free(raw);
    free(g);
}

static int npy(const char *x, const char *y, const eo_data_opts *o, eo_dataset *ds, eo_error *e)
{
    char xp[512], yp[512];
    snprintf(xp, sizeof xp, EO_TEST_DATA_DIR "/data/%s", x);
    if (y) snprintf(yp, sizeof yp, EO_TEST_DATA_DIR "/data/%s", y);
    eo_error_clear(e);
    return eo_data_load_npy(xp, y ? yp : NULL, o, ds, e);
}

static void test_npy(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    const char *f4[] = {"x_f4.npy", "x_v2.npy", "x_v3.npy"};
    for (int v = 0; v < 3; v++) {
        assert_int_equal(npy(f4[v], "y_i8.npy", NULL, &ds, &e), EO_OK);
        assert_int_equal(ds.rows, 4);
        assert_int_equal(ds.cols, 3);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) assert_true(((float *)ds.x)[i * 3 + j] == fx(i, j));
        assert_int_equal(ds.n_classes, 3);
        assert_int_equal(ds.y[2], 2);
        eo_dataset_free(&ds);
    }
    assert_int_equal(npy("x_f8.npy", "y_u1.npy", NULL, &ds, &e), EO_OK);
    assert_true(((float *)ds.x)[5] == fx(1, 2) * -1.25f);
    assert_int_equal(ds.y[3], 1);
    eo_dataset_free(&ds);
    assert_int_equal(npy("x_i8.npy", NULL, NULL, &ds, &e), EO_OK);
    assert_true(((float *)ds.x)[3 * 3 + 2] == 2998.0f);
    assert_null(ds.y);
    eo_dataset_free(&ds);
    assert_int_equal(npy("x_u1.npy", NULL, NULL, &ds, &e), EO_OK);
    assert_int_equal(ds.dtype, EO_DTYPE_U8);
    assert_int_equal(ds.cols, 6);
    assert_true(ds.shape[0] == 1 && ds.shape[1] == 2 && ds.shape[2] == 3);
    for (int i = 0; i < 24; i++) assert_int_equal(((uint8_t *)ds.x)[i], i * 10 % 256);
    eo_dataset_free(&ds);
    eo_data_opts o = eo_data_opts_defaults();
    o.regression = 1;
    o.limit = 3;
    assert_int_equal(npy("x_f4.npy", "y_f4.npy", &o, &ds, &e), EO_OK);
    assert_int_equal(ds.rows, 3);
    assert_true(ds.t[0] == 0.5f && ds.t[2] == -2.0f);
    eo_dataset_free(&ds);
}

static void test_npy_bad(void **state)
{
    (void)state;
    eo_dataset ds;
    eo_error e;
    expect_error(npy("x_fortran.npy", NULL, NULL, &ds, &e), &e, EO_ERR_UNSUPPORTED, "Fortran-order");
    assert_dataset_empty(&ds);
    expect_error(npy("x_object.npy", NULL, NULL, &ds, &e), &e, EO_ERR_UNSUPPORTED, "pickled");
    expect_error(npy("x_bigendian.npy", NULL, NULL, &ds, &e), &e, EO_ERR_UNSUPPORTED, "big-endian dtype '>f4'");
    expect_error(npy("x_complex.npy", NULL, NULL, &ds, &e), &e, EO_ERR_UNSUPPORTED, "unsupported dtype '<c8'");
    expect_error(npy("x_nan.npy", NULL, NULL, &ds, &e), &e, EO_ERR_NUMERIC, "row 1, feature 2: NaN");
    expect_error(npy("x_f4.npy", "y_bad.npy", NULL, &ds, &e), &e, EO_ERR_RANGE, "y_bad.npy: offset 136: row 2:");
    expect_error(npy("x_f4.npy", "y_short.npy", NULL, &ds, &e), &e, EO_ERR_SHAPE, "3 entries but X has 4 rows");
    expect_error(npy("x_f4.npy", "y_f4.npy", NULL, &ds, &e), &e, EO_ERR_RANGE, "integer class label");
    expect_error(npy("x_f4.npy", "x_f4.npy", NULL, &ds, &e), &e, EO_ERR_SHAPE, "y must be 1-D");

    size_t n;
    unsigned char *b = slurp(FIXTURE("x_f4.npy"), &n);
    unsigned char *c = malloc(n + 4);
#define NPY_MEM(len) (eo_error_clear(&e), eo_data_parse_npy_mem(c, (len), NULL, 0, NULL, "m.npy", NULL, &ds, &e))
    memcpy(c, b, n);
    assert_int_equal(NPY_MEM(n), EO_OK);
    eo_dataset_free(&ds);
    expect_error(NPY_MEM(n - 4), &e, EO_ERR_FORMAT, "truncated .npy data");
    memset(c + n, 0, 4);
    expect_error(NPY_MEM(n + 4), &e, EO_ERR_FORMAT, "the file holds 52");
    expect_error(NPY_MEM(9), &e, EO_ERR_FORMAT, "truncated .npy file");
    c[0] = 'X';
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "m.npy: offset 0: bad .npy magic");
    c[0] = b[0];
    c[6] = 4;
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "version 4.0 not supported");
    c[6] = 1;
    c[8] = 0xff; /* header length past the end */
    c[9] = 0xff;
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "runs past the end");
    memcpy(c, b, n);
    char *hdr = (char *)c + 10;
    char *sh = strstr(hdr, "(4, 3)");
    assert_non_null(sh);
    memcpy(sh, "(9, 9)", 6);
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "truncated .npy data: shape needs 324 bytes");
    memcpy(sh, "(4,-3)", 6);
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "expected a non-negative integer in 'shape'");
    memcpy(sh, "(0, 3)", 6);
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "shape needs 0 bytes");
    memcpy(c, b, n);
    sh = strstr(hdr, "'shape'");
    memcpy(sh, "'shapo'", 7);
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "unexpected key");
    memcpy(c, b, n);
    hdr[0] = '[';
    expect_error(NPY_MEM(n), &e, EO_ERR_FORMAT, "m.npy: offset 10: npy header: expected '{'");
    /* Absurd shape: product overflows, or is far beyond the file. */
    memcpy(c, b, n);
    const char *huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }";
    size_t hl = (size_t)c[8] | (size_t)c[9] << 8;
    assert_true(strlen(huge) <= hl);
    memset(hdr, ' ', hl);
    memcpy(hdr, huge, strlen(huge));
    expect_error(NPY_MEM(n), &e, EO_ERR_RANGE, "overflows");
#undef NPY_MEM
    free(c);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_fixtures), cmocka_unit_test(test_idx_bad), cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_npy),          cmocka_unit_test(test_npy_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
