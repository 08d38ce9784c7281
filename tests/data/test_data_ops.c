/* Synthetic sets, data specs, splits, k-fold, scaling, gathering, summaries. */
#include <math.h>

#include "data_test_util.h"

static const double PI = 3.14159265358979323846;

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < EO_DTYPE_COUNT; i++) assert_int_equal(eo_dtype_from_name(eo_dtype_name(i)), i);
    for (int i = 0; i < EO_SYNTH_COUNT; i++) assert_int_equal(eo_synth_kind_from_name(eo_synth_kind_name(i)), i);
    for (int i = 0; i < EO_SCALE_COUNT; i++) assert_int_equal(eo_scale_kind_from_name(eo_scale_kind_name(i)), i);
    for (int i = 0; i < EO_DATA_SOURCE_COUNT; i++)
        assert_int_equal(eo_data_source_from_name(eo_data_source_name(i)), i);
    assert_int_equal(eo_dtype_from_name("f64"), -1);
    assert_int_equal(eo_synth_kind_from_name(NULL), -1);
    assert_string_equal(eo_scale_kind_name(99), "?");
    assert_int_equal(eo_dtype_size(EO_DTYPE_U8), 1);
}

static eo_dataset synth(eo_synth_kind k, size_t n, double noise, uint64_t seed)
{
    eo_synth_params p = eo_synth_defaults(k);
    p.n = n;
    p.noise = noise;
    p.seed = seed;
    eo_dataset ds;
    eo_error e;
    eo_error_clear(&e);
    if (eo_data_synthetic(&p, &ds, NULL, &e)) fail_msg("synthetic: %s", e.msg);
    return ds;
}

static void test_synth_moons_spirals(void **state)
{
    (void)state;
    /* Noise-free moons lie on their two half circles. */
    eo_dataset ds = synth(EO_SYNTH_MOONS, 400, 0.0, 3);
    assert_int_equal(ds.cols, 2);
    assert_int_equal(ds.n_classes, 2);
    const float *x = ds.x;
    int c0 = 0;
    for (size_t i = 0; i < ds.rows; i++) {
        double a = x[2 * i], b = x[2 * i + 1];
        if (ds.y[i] == 0) {
            c0++;
            EO_ASSERT_CLOSE(a * a + b * b, 1.0, 0, 1e-5);
            assert_true(b >= -1e-6);
        } else {
            EO_ASSERT_CLOSE((a - 1) * (a - 1) + (b - 0.5) * (b - 0.5), 1.0, 0, 1e-5);
            assert_true(b <= 0.5 + 1e-6);
        }
    }
    assert_int_equal(c0, 200);
    eo_dataset_free(&ds);
    /* With noise 0.1, the distance to the circle has std close to 0.1. */
    ds = synth(EO_SYNTH_MOONS, 8000, 0.1, 4);
    x = ds.x;
    double ss = 0;
    for (size_t i = 0; i < ds.rows; i++) {
        double a = x[2 * i] - (ds.y[i] ? 1.0 : 0.0), b = x[2 * i + 1] - (ds.y[i] ? 0.5 : 0.0);
        double r = sqrt(a * a + b * b) - 1.0;
        ss += r * r;
    }
    double sd = sqrt(ss / (double)ds.rows);
    assert_true(sd > 0.09 && sd < 0.11);
    eo_dataset_free(&ds);

    /* Noise-free spirals: angle = 2 pi c / K + 4 r, r = |x| < 1. */
    ds = synth(EO_SYNTH_SPIRALS, 300, 0.0, 5);
    assert_int_equal(ds.n_classes, 3);
    x = ds.x;
    for (size_t i = 0; i < ds.rows; i++) {
        double r = hypot(x[2 * i], x[2 * i + 1]);
        assert_true(r < 1.0);
        if (r < 1e-3) continue;
        double want = 2 * PI * ds.y[i] / 3 + 4 * r;
        double diff = remainder(atan2(x[2 * i + 1], x[2 * i]) - want, 2 * PI);
        assert_true(fabs(diff) < 1e-4);
    }
    eo_dataset_free(&ds);
}

static void test_synth_blobs_regression(void **state)
{
    (void)state;
    eo_synth_params p = eo_synth_defaults(EO_SYNTH_BLOBS);
    p.n = 6000;
    p.d = 3;
    p.classes = 4;
    p.noise = 0.5;
    eo_dataset ds;
    eo_error e;
    assert_int_equal(eo_data_synthetic(&p, &ds, NULL, &e), EO_OK);
    assert_int_equal(ds.cols, 3);
    assert_int_equal(ds.n_classes, 4);
    double mean[4][3] = {{0}}, var[4][3] = {{0}};
    const float *x = ds.x;
    for (size_t i = 0; i < ds.rows; i++)
        for (int j = 0; j < 3; j++) mean[ds.y[i]][j] += x[i * 3 + j] / 1500.0;
    for (size_t i = 0; i < ds.rows; i++)
        for (int j = 0; j < 3; j++) {
            double d = x[i * 3 + j] - mean[ds.y[i]][j];
            var[ds.y[i]][j] += d * d / 1500.0;
        }
    for (int c = 0; c < 4; c++)
        for (int j = 0; j < 3; j++) {
            assert_true(fabs(mean[c][j]) <= 10.2);
            assert_true(sqrt(var[c][j]) > 0.45 && sqrt(var[c][j]) < 0.55);
        }
    eo_dataset_free(&ds);

    /* Sparse regression: k nonzeros of magnitude [1,2); noise-free targets are X w. */
    p = eo_synth_defaults(EO_SYNTH_SPARSE_REGRESSION);
    p.n = 3000;
    p.d = 30;
    p.k = 4;
    p.noise = 0.0;
    float w[30];
    assert_int_equal(eo_data_synthetic(&p, &ds, w, &e), EO_OK);
    assert_null(ds.y);
    assert_non_null(ds.t);
    int nz = 0;
    for (int j = 0; j < 30; j++)
        if (w[j] != 0) {
            nz++;
            assert_true(fabsf(w[j]) >= 1.0f && fabsf(w[j]) < 2.0f);
        }
    assert_int_equal(nz, 4);
    x = ds.x;
    for (size_t i = 0; i < ds.rows; i++) {
        double s = 0;
        for (int j = 0; j < 30; j++) s += (double)w[j] * x[i * 30 + j];
        EO_ASSERT_CLOSE(ds.t[i], s, 1e-5, 1e-5);
    }
    eo_dataset_free(&ds);
    p.noise = 0.1;
    assert_int_equal(eo_data_synthetic(&p, &ds, w, &e), EO_OK);
    double ss = 0;
    x = ds.x;
    for (size_t i = 0; i < ds.rows; i++) {
        double s = 0;
        for (int j = 0; j < 30; j++) s += (double)w[j] * x[i * 30 + j];
        ss += (ds.t[i] - s) * (ds.t[i] - s);
    }
    assert_true(sqrt(ss / 3000) > 0.09 && sqrt(ss / 3000) < 0.11);
    eo_dataset_free(&ds);

    /* Invalid parameters. */
    p = eo_synth_defaults(EO_SYNTH_MOONS);
    p.d = 3;
    expect_error(eo_data_synthetic(&p, &ds, NULL, &e), &e, EO_ERR_INVALID, "moons");
    p = eo_synth_defaults(EO_SYNTH_SPARSE_REGRESSION);
    p.k = 21;
    expect_error(eo_data_synthetic(&p, &ds, NULL, &e), &e, EO_ERR_INVALID, "k must be <= d");
    p.k = 1;
    p.n = 0;
    expect_error(eo_data_synthetic(&p, &ds, NULL, &e), &e, EO_ERR_INVALID, "n must be");
    p.n = (size_t)1 << 30;
    expect_error(eo_data_synthetic(&p, &ds, NULL, &e), &e, EO_ERR_INVALID, "n*d");
}

static void test_synth_deterministic(void **state)
{
    (void)state;
    for (int k = 0; k < EO_SYNTH_COUNT; k++) {
        eo_dataset a = synth((eo_synth_kind)k, 500, 0.3, 11), b = synth((eo_synth_kind)k, 500, 0.3, 11),
                   c = synth((eo_synth_kind)k, 500, 0.3, 12);
        size_t bytes = a.rows * a.cols * sizeof(float);
        assert_memory_equal(a.x, b.x, bytes);
        assert_true(memcmp(a.x, c.x, bytes) != 0);
        if (a.y) assert_memory_equal(a.y, b.y, a.rows * sizeof(int32_t));
        if (a.t) assert_memory_equal(a.t, b.t, a.rows * sizeof(float));
        eo_dataset_free(&a);
        eo_dataset_free(&b);
        eo_dataset_free(&c);
    }
}

static void test_specs(void **state)
{
    (void)state;
    eo_data_spec s;
    eo_error e;
    eo_error_clear(&e);
    assert_int_equal(eo_data_spec_parse("synthetic:moons:n=200,noise=0.25,seed=7", &s, &e), EO_OK);
    assert_int_equal(s.source, EO_DATA_SYNTHETIC);
    assert_int_equal(s.synth.kind, EO_SYNTH_MOONS);
    assert_int_equal(s.synth.n, 200);
    assert_true(s.synth.noise == 0.25);
    assert_int_equal(s.synth.seed, 7);
    assert_int_equal(eo_data_spec_parse("csv:/tmp/a:b.csv:label=species,header=yes,sep=semicolon,limit=9", &s, &e),
                     EO_OK);
    assert_string_equal(s.path, "/tmp/a:b.csv");
    assert_string_equal(s.label, "species");
    assert_int_equal(s.header, 1);
    assert_int_equal(s.opts.sep, ';');
    assert_int_equal(s.opts.limit, 9);
    assert_int_equal(eo_data_spec_parse("csv:dir:x.csv", &s, &e), EO_OK);
    assert_string_equal(s.path, "dir:x.csv");
    assert_int_equal(s.header, -1);
    assert_int_equal(eo_data_spec_parse("csv:t.csv:target=price", &s, &e), EO_OK);
    assert_int_equal(s.opts.regression, 1);
    assert_int_equal(eo_data_spec_parse("idx:a.gz,b.gz", &s, &e), EO_OK);
    assert_string_equal(s.path, "a.gz");
    assert_string_equal(s.path2, "b.gz");
    assert_int_equal(eo_data_spec_parse("npy:x.npy,y.npy:regression", &s, &e), EO_OK);
    assert_string_equal(s.path2, "y.npy");
    assert_int_equal(s.opts.regression, 1);
    assert_int_equal(eo_data_spec_parse("libsvm:a.svm:features=30,classes=4", &s, &e), EO_OK);
    assert_int_equal(s.n_features, 30);
    assert_int_equal(s.opts.n_classes, 4);
    assert_int_equal(eo_data_spec_parse("fashion-mnist:test:limit=5", &s, &e), EO_OK);
    assert_int_equal(s.source, EO_DATA_FASHION_MNIST);
    assert_int_equal(s.test, 1);
    assert_int_equal(s.opts.limit, 5);
    assert_int_equal(eo_data_spec_parse("fashion-mnist", &s, &e), EO_OK);
    assert_int_equal(s.test, 0);

    expect_error(eo_data_spec_parse("", &s, &e), &e, EO_ERR_PARSE, "empty data spec");
    expect_error(eo_data_spec_parse("parquet:x", &s, &e), &e, EO_ERR_NOT_FOUND, "unknown data source 'parquet'");
    expect_error(eo_data_spec_parse("csv:", &s, &e), &e, EO_ERR_PARSE, "needs an argument");
    expect_error(eo_data_spec_parse("synthetic:circles", &s, &e), &e, EO_ERR_NOT_FOUND, "unknown synthetic set");
    expect_error(eo_data_spec_parse("synthetic:moons:n=abc", &s, &e), &e, EO_ERR_PARSE, "n=abc: expected a number");
    expect_error(eo_data_spec_parse("synthetic:moons:n=1e999", &s, &e), &e, EO_ERR_PARSE, "expected a number");
    expect_error(eo_data_spec_parse("synthetic:moons:noise=nan", &s, &e), &e, EO_ERR_PARSE, "expected a number");
    expect_error(eo_data_spec_parse("synthetic:moons:d=3", &s, &e), &e, EO_ERR_INVALID, "moons");
    expect_error(eo_data_spec_parse("csv:x.csv:color=red", &s, &e), &e, EO_ERR_PARSE, "unknown option 'color'");
    expect_error(eo_data_spec_parse("libsvm:x:features=0", &s, &e), &e, EO_ERR_PARSE, "features=0");
    expect_error(eo_data_spec_parse("idx:a,", &s, &e), &e, EO_ERR_PARSE, "empty labels file");
    expect_error(eo_data_spec_parse("fashion-mnist:validation", &s, &e), &e, EO_ERR_PARSE, "needs a value");
    expect_error(eo_data_spec_parse("csv:x.csv:target=y,classes=3", &s, &e), &e, EO_ERR_INVALID, "exclude");

    /* A limit takes exactly the first rows of the full set. */
    eo_dataset full, part;
    assert_int_equal(eo_data_load("synthetic:blobs:n=50,classes=5,d=3,seed=9", 0, &full, &e), EO_OK);
    assert_int_equal(eo_data_load("synthetic:blobs:n=50,classes=5,d=3,seed=9", 10, &part, &e), EO_OK);
    assert_int_equal(part.rows, 10);
    assert_memory_equal(full.x, part.x, 10 * 3 * sizeof(float));
    assert_memory_equal(full.y, part.y, 10 * sizeof(int32_t));
    eo_dataset_free(&full);
    eo_dataset_free(&part);
    assert_int_equal(eo_data_load("csv:" EO_TEST_DATA_DIR "/data/small.csv:label=species,limit=4", 0, &part, &e), EO_OK);
    assert_int_equal(part.rows, 4);
    eo_dataset_free(&part);
    expect_error(eo_data_load("npy:" EO_TEST_DATA_DIR "/data/x_f4.npy,nothere.npy", 0, &part, &e), &e,
                 EO_ERR_NOT_FOUND, "nothere.npy");
}

/* 100 rows with imbalanced classes 50/30/17/3, interleaved. */
static void make_imbalanced(eo_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    ds->rows = 100;
    ds->cols = 1;
    ds->dtype = EO_DTYPE_F32;
    ds->x = calloc(100, sizeof(float));
    ds->y = malloc(100 * sizeof(int32_t));
    ds->n_classes = 4;
    int left[4] = {50, 30, 17, 3}, c = 0;
    for (int i = 0; i < 100; i++) {
        while (left[c % 4] == 0) c++;
        ds->y[i] = c % 4;
        ((float *)ds->x)[i] = (float)i;
        left[c % 4]--;
        c++;
    }
}

static void check_split(const eo_dataset *ds, const uint32_t *tr, size_t nt, const uint32_t *va, size_t nv,
                        double frac)
{
    assert_int_equal(nt + nv, ds->rows);
    assert_int_equal(nv, (size_t)floor(ds->rows * frac + 0.5));
    char *seen = calloc(ds->rows, 1);
    for (size_t i = 0; i < nt; i++) {
        assert_true(tr[i] < ds->rows && !seen[tr[i]]);
        seen[tr[i]] = 1;
        if (i) assert_true(tr[i] > tr[i - 1]);
    }
    for (size_t i = 0; i < nv; i++) {
        assert_true(va[i] < ds->rows && !seen[va[i]]);
        seen[va[i]] = 2;
        if (i) assert_true(va[i] > va[i - 1]);
    }
    if (ds->y) {
        size_t all[8] = {0}, inval[8] = {0};
        for (size_t i = 0; i < ds->rows; i++) {
            all[ds->y[i]]++;
            if (seen[i] == 2) inval[ds->y[i]]++;
        }
        for (int c = 0; c < ds->n_classes; c++) assert_true(fabs((double)inval[c] - all[c] * frac) <= 1.0);
    }
    free(seen);
}

static void test_split(void **state)
{
    (void)state;
    eo_dataset ds;
    make_imbalanced(&ds);
    eo_error e;
    uint32_t *tr, *va, *tr2, *va2;
    size_t nt, nv, nt2, nv2;
    const double fr[] = {0.0, 0.1, 0.2, 0.33, 0.5, 0.9, 1.0};
    for (int k = 0; k < 7; k++) {
        assert_int_equal(eo_data_split(&ds, fr[k], 42, &tr, &nt, &va, &nv, &e), EO_OK);
        check_split(&ds, tr, nt, va, nv, fr[k]);
        free(tr);
        free(va);
    }
    /* Deterministic per seed; another seed gives another split. */
    assert_int_equal(eo_data_split(&ds, 0.3, 1, &tr, &nt, &va, &nv, &e), EO_OK);
    assert_int_equal(eo_data_split(&ds, 0.3, 1, &tr2, &nt2, &va2, &nv2, &e), EO_OK);
    assert_memory_equal(va, va2, nv * sizeof *va);
    free(tr2);
    free(va2);
    assert_int_equal(eo_data_split(&ds, 0.3, 2, &tr2, &nt2, &va2, &nv2, &e), EO_OK);
    assert_true(memcmp(va, va2, nv * sizeof *va) != 0);
    free(tr2);
    free(va2);
    /* Train/val/test: split the training part again; results stay inside it. */
    assert_int_equal(eo_data_split_rows(&ds, tr, nt, 0.25, 3, &tr2, &nt2, &va2, &nv2, &e), EO_OK);
    assert_int_equal(nt2 + nv2, nt);
    assert_int_equal(nv2, (size_t)floor(nt * 0.25 + 0.5));
    for (size_t i = 0; i < nv2; i++) {
        int found = 0;
        for (size_t j = 0; j < nt; j++) found |= tr[j] == va2[i];
        assert_true(found);
    }
    free(tr);
    free(va);
    free(tr2);
    free(va2);
    expect_error(eo_data_split(&ds, 1.5, 1, &tr, &nt, &va, &nv, &e), &e, EO_ERR_INVALID, "outside [0, 1]");
    expect_error(eo_data_split(&ds, NAN, 1, &tr, &nt, &va, &nv, &e), &e, EO_ERR_INVALID, "outside");
    uint32_t badrow = 100;
    expect_error(eo_data_split_rows(&ds, &badrow, 1, 0.5, 1, &tr, &nt, &va, &nv, &e), &e, EO_ERR_RANGE, ">= 100");

    /* Unlabelled data: plain random split. */
    free(ds.y);
    ds.y = NULL;
    ds.n_classes = 0;
    assert_int_equal(eo_data_split(&ds, 0.37, 5, &tr, &nt, &va, &nv, &e), EO_OK);
    check_split(&ds, tr, nt, va, nv, 0.37);
    free(tr);
    free(va);
    eo_dataset_free(&ds);
}

static void test_kfold(void **state)
{
    (void)state;
    eo_dataset ds;
    make_imbalanced(&ds);
    eo_error e;
    int fold[100], fold2[100];
    for (int k = 2; k <= 7; k++) {
        assert_int_equal(eo_data_kfold(&ds, k, 9, fold, &e), EO_OK);
        int size[8] = {0}, per[8][4] = {{0}};
        for (int i = 0; i < 100; i++) {
            assert_true(fold[i] >= 0 && fold[i] < k);
            size[fold[i]]++;
            per[fold[i]][ds.y[i]]++;
        }
        const int cnt[4] = {50, 30, 17, 3};
        for (int f = 0; f < k; f++) {
            assert_true(size[f] == 100 / k || size[f] == 100 / k + 1);
            for (int c = 0; c < 4; c++) assert_true(per[f][c] == cnt[c] / k || per[f][c] == cnt[c] / k + 1);
        }
    }
    assert_int_equal(eo_data_kfold(&ds, 5, 9, fold2, &e), EO_OK);
    assert_int_equal(eo_data_kfold(&ds, 5, 9, fold, &e), EO_OK);
    assert_memory_equal(fold, fold2, sizeof fold);
    expect_error(eo_data_kfold(&ds, 1, 9, fold, &e), &e, EO_ERR_INVALID, "k = 1");
    expect_error(eo_data_kfold(&ds, 101, 9, fold, &e), &e, EO_ERR_INVALID, "k = 101");
    eo_dataset_free(&ds);
}

static void test_scaler_gather(void **state)
{
    (void)state;
    /* 4 rows x 3 features; fit on rows 0 and 2 only. */
    float xv[12] = {1, 10, 5, 1000, -1000, 5, 3, 30, 5, -7, 7, 5};
    int32_t yv[4] = {0, 1, 1, 0};
    float tv[4] = {0.5f, 1.5f, 2.5f, 3.5f};
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.rows = 4;
    ds.cols = 3;
    ds.dtype = EO_DTYPE_F32;
    ds.x = xv;
    ds.y = yv;
    ds.t = tv;
    ds.n_classes = 2;
    uint32_t fit_rows[2] = {0, 2};
    eo_scaler s;
    eo_error e;
    assert_int_equal(eo_scaler_fit(&s, EO_SCALE_STANDARD, &ds, fit_rows, 2, &e), EO_OK);
    /* Feature 0: mean 2, std 1; feature 1: mean 20, std 10; feature 2 constant. */
    EO_ASSERT_CLOSE(s.offset[0], 2.0, 0, 1e-7);
    EO_ASSERT_CLOSE(s.scale[0], 1.0, 0, 1e-7);
    EO_ASSERT_CLOSE(s.offset[1], 20.0, 0, 1e-6);
    EO_ASSERT_CLOSE(s.scale[1], 0.1, 1e-7, 0);
    EO_ASSERT_CLOSE(s.scale[2], 1.0, 0, 0);
    uint32_t idx[3] = {3, 0, 3};
    float out[9];
    int32_t yo[3];
    float to[3];
    eo_data_gather(&ds, &s, idx, 3, out, yo, to);
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            double want = ((double)xv[idx[i] * 3 + j] - s.offset[j]) * s.scale[j];
            EO_ASSERT_CLOSE(out[i * 3 + j], want, 1e-6, 1e-6);
        }
        assert_int_equal(yo[i], yv[idx[i]]);
        assert_true(to[i] == tv[idx[i]]);
    }
    eo_scaler_free(&s);
    assert_null(s.offset);
    /* Min-max on the same rows: feature 0 -> (x - 1) / 2. */
    assert_int_equal(eo_scaler_fit(&s, EO_SCALE_MINMAX, &ds, fit_rows, 2, &e), EO_OK);
    float row[3] = {2, 20, 9};
    eo_scaler_apply(&s, row, 1);
    EO_ASSERT_CLOSE(row[0], 0.5, 0, 1e-7);
    EO_ASSERT_CLOSE(row[1], 0.5, 0, 1e-7);
    EO_ASSERT_CLOSE(row[2], 4.0, 0, 1e-7);
    eo_scaler_free(&s);
    /* No scaler: plain copy. */
    eo_data_gather(&ds, NULL, idx, 1, out, NULL, NULL);
    assert_memory_equal(out, xv + 9, 3 * sizeof(float));
    expect_error(eo_scaler_fit(&s, EO_SCALE_STANDARD, &ds, idx, 0, &e), &e, EO_ERR_INVALID, "no rows");
    uint32_t bad = 4;
    expect_error(eo_scaler_fit(&s, EO_SCALE_STANDARD, &ds, &bad, 1, &e), &e, EO_ERR_RANGE, "row index 4");

    /* u8 data: values are byte * u8_scale before scaling. */
    uint8_t bytes[6] = {0, 255, 51, 102, 204, 0};
    eo_dataset u;
    memset(&u, 0, sizeof u);
    u.rows = 3;
    u.cols = 2;
    u.dtype = EO_DTYPE_U8;
    u.x = bytes;
    u.u8_scale = 1.0f / 255.0f;
    assert_int_equal(eo_scaler_fit(&s, EO_SCALE_STANDARD, &u, NULL, 0, &e), EO_OK);
    double m0 = (0 + 0.2 + 0.8) / 3.0;
    EO_ASSERT_CLOSE(s.offset[0], m0, 1e-6, 0);
    uint32_t all[3] = {0, 1, 2};
    eo_data_gather(&u, &s, all, 3, out, NULL, NULL);
    double sum = 0, ss = 0;
    for (int i = 0; i < 3; i++) sum += out[i * 2];
    for (int i = 0; i < 3; i++) ss += out[i * 2] * out[i * 2];
    EO_ASSERT_CLOSE(sum / 3, 0.0, 0, 1e-6);
    EO_ASSERT_CLOSE(ss / 3, 1.0, 1e-5, 0);
    eo_scaler_free(&s);
    eo_data_gather(&u, NULL, all + 1, 1, out, NULL, NULL);
    EO_ASSERT_CLOSE(out[0], 0.2, 1e-6, 0);
    EO_ASSERT_CLOSE(out[1], 0.4, 1e-6, 0);
}

static void test_batches_summary(void **state)
{
    (void)state;
    assert_int_equal(eo_data_num_batches(10, 3, 0), 4);
    assert_int_equal(eo_data_num_batches(10, 3, 1), 3);
    assert_int_equal(eo_data_num_batches(9, 3, 0), 3);
    assert_int_equal(eo_data_num_batches(9, 0, 0), 0);
    size_t st;
    assert_int_equal(eo_data_batch_range(10, 3, 3, &st), 1);
    assert_int_equal(st, 9);
    assert_int_equal(eo_data_batch_range(10, 3, 4, &st), 0);
    uint32_t idx[50], cnt[50] = {0};
    eo_rng r;
    eo_rng_seed(&r, 1);
    for (uint32_t i = 0; i < 50; i++) idx[i] = i;
    eo_data_shuffle(idx, 50, &r);
    for (int i = 0; i < 50; i++) cnt[idx[i]]++;
    for (int i = 0; i < 50; i++) assert_int_equal(cnt[i], 1);

    float xv[6] = {1, -2, 3, 4, 5, 6};
    int32_t yv[3] = {2, 0, 2};
    eo_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.rows = 3;
    ds.cols = 2;
    ds.x = xv;
    ds.y = yv;
    ds.n_classes = 3;
    eo_data_summary s;
    eo_error e;
    assert_int_equal(eo_data_summarize(&ds, &s, &e), EO_OK);
    assert_true(s.min[0] == 1 && s.max[0] == 5 && s.min[1] == -2 && s.max[1] == 6);
    EO_ASSERT_CLOSE(s.mean[0], 3.0, 0, 1e-12);
    EO_ASSERT_CLOSE(s.std[1], sqrt(((-2 - 8 / 3.0) * (-2 - 8 / 3.0) + (4 - 8 / 3.0) * (4 - 8 / 3.0) +
                                    (6 - 8 / 3.0) * (6 - 8 / 3.0)) / 3),
                    1e-12, 0);
    EO_ASSERT_CLOSE(s.all_mean, 17 / 6.0, 1e-12, 0);
    assert_true(s.all_min == -2 && s.all_max == 6);
    assert_int_equal(s.class_count[0], 1);
    assert_int_equal(s.class_count[1], 0);
    assert_int_equal(s.class_count[2], 2);
    eo_data_summary_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),       cmocka_unit_test(test_synth_moons_spirals),
        cmocka_unit_test(test_synth_blobs_regression), cmocka_unit_test(test_synth_deterministic),
        cmocka_unit_test(test_specs),       cmocka_unit_test(test_split),
        cmocka_unit_test(test_kfold),       cmocka_unit_test(test_scaler_gather),
        cmocka_unit_test(test_batches_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
