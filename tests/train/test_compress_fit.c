/* Compression drivers on synthetic data: masks survive fine-tuning, gradual
 * pruning ends at the exact target with non-decreasing sparsity, distillation
 * with alpha = 0 follows the plain cross-entropy run, QAT fine-tuning through
 * the dataset loop, the common inference interface on float / int8 /
 * clustered files (evaluation equal to eo_evaluate for float models, clustered
 * file round trip bit-exact and small). */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>

#include "eo_test.h"
#include "edgeopt/compress_model.h"
#include "edgeopt/data.h"
#include "edgeopt/io.h"
#include "edgeopt/modelfile.h"
#include "edgeopt/train.h"

static void blobs(size_t n, int classes, size_t d, double noise, uint64_t seed, eo_dataset *ds)
{
    eo_synth_params sp = eo_synth_defaults(EO_SYNTH_BLOBS);
    sp.n = n;
    sp.d = d;
    sp.classes = classes;
    sp.noise = noise;
    sp.seed = seed;
    eo_error e;
    if (eo_data_synthetic(&sp, ds, NULL, &e)) fail_msg("synthetic: %s", e.msg);
}

static eo_model *model(const char *spec, const eo_dataset *ds, int nout, uint64_t seed)
{
    eo_model *m;
    eo_error e;
    if (eo_model_from_spec(spec, ds->shape, nout, NULL, &m, &e)) fail_msg("model %s: %s", spec, e.msg);
    eo_rng r;
    eo_rng_seed(&r, seed);
    eo_model_init_params(m, &r);
    return m;
}

static double accuracy(eo_model *m, const eo_dataset *ds)
{
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_eval_report r;
    assert_int_equal(eo_evaluate(m, ds, NULL, 0, NULL, &lp, 256, NULL, &r, NULL), EO_OK);
    double a = r.cls.accuracy;
    eo_eval_report_free(&r);
    return a;
}

static void train(eo_model *m, const eo_dataset *ds, int epochs, uint64_t seed)
{
    eo_train_params p = eo_train_defaults();
    p.epochs = epochs;
    p.seed = seed;
    p.optim.lr = 0.01;
    eo_trainer *t;
    assert_int_equal(eo_trainer_create(m, &p, &t, NULL), EO_OK);
    assert_int_equal(eo_trainer_fit(t, ds, NULL, 0, NULL, NULL, 0, NULL, NULL), EO_OK);
    eo_trainer_destroy(t);
}

/* ------------------------------------------------------------ pruning */

typedef struct spars_log {
    eo_model *m;
    double s[64];
    int n;
} spars_log;

static int log_sparsity(const eo_train_progress *p, void *u)
{
    spars_log *l = u;
    if (p->event == EO_TRAIN_BATCH && l->n < 64) l->s[l->n++] = eo_model_weight_sparsity(l->m);
    return 0;
}

static void test_mask_survives_finetuning(void **state)
{
    (void)state;
    eo_dataset tr, te;
    blobs(1200, 4, 10, 2.5, 1, &tr);
    blobs(800, 4, 10, 2.5, 1, &te); /* same centers (seed), other rows */
    eo_model *m = model("mlp:64,32", &tr, 4, 2);
    train(m, &tr, 8, 3);
    double acc0 = accuracy(m, &te);
    size_t np = eo_model_nparams(m);
    uint8_t *keep = malloc(np);
    assert_int_equal(eo_model_prune_mask(m, 0.8, 0, keep, NULL), EO_OK);
    eo_model_apply_keep(m, keep);
    double acc_pruned = accuracy(m, &te);
    eo_train_params p = eo_train_defaults();
    p.epochs = 5;
    p.optim.lr = 0.005;
    eo_prune_fit_params pp = {0.8, 0, 0};
    eo_error e;
    eo_error_clear(&e);
    if (eo_prune_finetune(m, keep, &pp, &p, &tr, NULL, 0, NULL, &e)) fail_msg("%s", e.msg);
    const float *w = eo_model_params_const(m);
    for (size_t i = 0; i < np; i++)
        if (!keep[i]) assert_true(w[i] == 0.0f);
    eo_layer_sparsity ls[4];
    int n;
    eo_model_sparsity(m, ls, 4, &n);
    for (int i = 0; i < n; i++) assert_true(ls[i].zeros >= (size_t)floor(0.8 * (double)ls[i].weights + 0.5));
    double acc1 = accuracy(m, &te);
    printf("dense %.4f  pruned 80%% %.4f  fine-tuned %.4f\n", acc0, acc_pruned, acc1);
    assert_true(acc1 > acc_pruned);
    assert_true(acc1 > acc0 - 0.05);
    free(keep);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
    eo_dataset_free(&te);
}

static void test_gradual_schedule(void **state)
{
    (void)state;
    eo_dataset tr;
    blobs(640, 3, 6, 1.5, 4, &tr);
    eo_model *m = model("mlp:40", &tr, 3, 5);
    spars_log log = {m, {0}, 0};
    eo_train_params p = eo_train_defaults();
    p.epochs = 2;
    p.batch = 32; /* 20 batches per epoch, 40 steps, 4 pruning steps every floor(30/4) = 7 */
    p.progress = log_sparsity;
    p.progress_user = &log;
    eo_prune_fit_params pp = {0.8, 1, 4};
    assert_int_equal(eo_prune_finetune(m, NULL, &pp, &p, &tr, NULL, 0, NULL, NULL), EO_OK);
    assert_int_equal(log.n, 40);
    for (int i = 1; i < log.n; i++) assert_true(log.s[i] >= log.s[i - 1] - 1e-12);
    /* the schedule's values at steps 7, 14, 21, 28 (Zhu & Gupta eq. 1) */
    const int at[4] = {7, 14, 21, 28};
    size_t total = 0;
    eo_layer_sparsity ls[4];
    int n;
    eo_model_sparsity(m, ls, 4, &n);
    for (int i = 0; i < n; i++) total += ls[i].weights;
    for (int j = 0; j < 4; j++) {
        double s = 0.8 + (0.0 - 0.8) * pow(1.0 - (double)(j + 1) / 4.0, 3.0);
        EO_ASSERT_CLOSE(log.s[at[j] - 1], floor(s * (double)total + 0.5) / (double)total, 0, 1e-9);
        if (j) assert_true(log.s[at[j] - 2] < log.s[at[j] - 1]); /* jumps happen at the pruning steps */
    }
    EO_ASSERT_CLOSE(eo_model_weight_sparsity(m), floor(0.8 * (double)total + 0.5) / (double)total, 0, 1e-12);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
}

/* ------------------------------------------------------- distillation */

static void test_distill_alpha0_is_ce(void **state)
{
    (void)state;
    eo_dataset tr;
    blobs(600, 3, 5, 1.0, 6, &tr);
    eo_model *teacher = model("mlp:32", &tr, 3, 7);
    train(teacher, &tr, 3, 8);
    eo_model *a = model("mlp:8", &tr, 3, 9), *b = model("mlp:8", &tr, 3, 9);
    eo_train_params p = eo_train_defaults();
    p.epochs = 3;
    p.optim.lr = 0.01;
    eo_error e;
    eo_error_clear(&e);
    if (eo_distill_fit(a, teacher, 4.0, 0.0, &p, &tr, NULL, 0, NULL, &e)) fail_msg("%s", e.msg);
    train(b, &tr, 3, 1);
    /* same seed, same data, the same loss up to float rounding of the gradient */
    const float *pa = eo_model_params_const(a), *pb = eo_model_params_const(b);
    for (size_t i = 0; i < eo_model_nparams(a); i++) EO_ASSERT_CLOSE(pa[i], pb[i], 1e-3, 1e-4);
    /* alpha = 1 with T = 1 drives the student's outputs toward the teacher's */
    eo_model *c = model("mlp:32", &tr, 3, 10);
    p.epochs = 20;
    assert_int_equal(eo_distill_fit(c, teacher, 1.0, 1.0, &p, &tr, NULL, 0, NULL, NULL), EO_OK);
    float *x = malloc(64 * 5 * sizeof *x);
    uint32_t idx[64];
    for (int i = 0; i < 64; i++) idx[i] = (uint32_t)i;
    eo_data_gather(&tr, NULL, idx, 64, x, NULL, NULL);
    const float *ot, *oc;
    float kl;
    assert_int_equal(eo_model_forward(teacher, x, 64, 0, NULL, &ot), EO_OK);
    float *tcopy = malloc(64 * 3 * sizeof *tcopy);
    memcpy(tcopy, ot, 64 * 3 * sizeof *tcopy);
    assert_int_equal(eo_model_forward(c, x, 64, 0, NULL, &oc), EO_OK);
    assert_int_equal(eo_distill_loss(oc, tcopy, NULL, 64, 3, 1.0, 1.0, &kl, NULL), EO_OK);
    assert_true(kl < 0.02);
    /* refusals */
    eo_model *wrong = model("mlp:8", &tr, 4, 1);
    assert_int_equal(eo_distill_fit(wrong, teacher, 4.0, 0.5, &p, &tr, NULL, 0, NULL, NULL), EO_ERR_SHAPE);
    assert_int_equal(eo_distill_fit(c, teacher, 0.0, 0.5, &p, &tr, NULL, 0, NULL, NULL), EO_ERR_INVALID);
    free(x);
    free(tcopy);
    eo_model_destroy(wrong);
    eo_model_destroy(a);
    eo_model_destroy(b);
    eo_model_destroy(c);
    eo_model_destroy(teacher);
    eo_dataset_free(&tr);
}

/* -------------------------------------------------------------- QAT */

static void test_qat_fit(void **state)
{
    (void)state;
    eo_dataset tr;
    blobs(800, 4, 8, 2.0, 11, &tr);
    eo_model *m = model("mlp:24,12", &tr, 4, 12);
    train(m, &tr, 5, 13);
    double acc_f = accuracy(m, &tr);
    float *x = malloc(800 * 8 * sizeof *x);
    uint32_t *idx = malloc(800 * sizeof *idx);
    for (int i = 0; i < 800; i++) idx[i] = (uint32_t)i;
    eo_data_gather(&tr, NULL, idx, 800, x, NULL, NULL);
    eo_qat_params qp = eo_qat_defaults();
    eo_qat *q;
    assert_int_equal(eo_qat_create(m, x, 800, &qp, &q, NULL), EO_OK);
    eo_train_params p = eo_train_defaults();
    p.epochs = 2;
    p.optim.lr = 0.001;
    eo_error e;
    eo_error_clear(&e);
    if (eo_qat_fit(q, &p, &tr, NULL, 0, NULL, &e)) fail_msg("%s", e.msg);
    eo_qmodel *qm;
    assert_int_equal(eo_qat_convert(q, EO_Q8_PATH_AUTO, &qm, NULL), EO_OK);
    eo_infer *f;
    assert_int_equal(eo_infer_wrap_qmodel(qm, &f, NULL), EO_OK);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_eval_report r;
    assert_int_equal(eo_infer_evaluate(f, &tr, NULL, 0, NULL, &lp, 100, &r, NULL), EO_OK);
    assert_true(r.cls.accuracy > acc_f - 0.03);
    eo_eval_report_free(&r);
    eo_infer_destroy(f);
    eo_qat_destroy(q);
    free(x);
    free(idx);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
}

/* ------------------------------------------------- inference interface */

static void test_infer_kinds(void **state)
{
    (void)state;
    eo_dataset tr;
    blobs(500, 3, 12, 2.0, 21, &tr);
    eo_model *m = model("mlp:128,64", &tr, 3, 22);
    train(m, &tr, 4, 23);
    eo_loss_params lp = eo_loss_defaults(EO_LOSS_SOFTMAX_CE);
    eo_eval_report ref;
    assert_int_equal(eo_evaluate(m, &tr, NULL, 0, NULL, &lp, 64, NULL, &ref, NULL), EO_OK);
    char fpath[256], qpath[256], cpath[256];
    snprintf(fpath, sizeof fpath, "%s/cfit_%ld_f.eom", EO_BINARY_DIR, (long)getpid());
    snprintf(qpath, sizeof qpath, "%s/cfit_%ld_q.eom", EO_BINARY_DIR, (long)getpid());
    snprintf(cpath, sizeof cpath, "%s/cfit_%ld_c.eom", EO_BINARY_DIR, (long)getpid());
    assert_int_equal(eo_compressed_float_save(fpath, m, NULL, NULL, "test", 0.0, NULL, NULL), EO_OK);
    float *x = malloc(500 * 12 * sizeof *x);
    uint32_t *idx = malloc(500 * sizeof *idx);
    for (int i = 0; i < 500; i++) idx[i] = (uint32_t)i;
    eo_data_gather(&tr, NULL, idx, 500, x, NULL, NULL);
    eo_qmodel_params qp = eo_qmodel_defaults();
    eo_qmodel *q;
    assert_int_equal(eo_qmodel_quantize(m, x, 500, &qp, NULL, &q, NULL), EO_OK);
    assert_int_equal(eo_qmodel_save(qpath, q, NULL, NULL, NULL), EO_OK);
    eo_cluster_params cp = eo_cluster_defaults();
    eo_cmodel *c;
    assert_int_equal(eo_cmodel_cluster(m, &cp, &c, NULL), EO_OK);
    assert_int_equal(eo_cmodel_save(cpath, c, NULL, NULL, NULL), EO_OK);
    assert_int_equal(eo_infer_file_is_compressed(fpath), 0);
    assert_int_equal(eo_infer_file_is_compressed(qpath), 1);
    assert_int_equal(eo_infer_file_is_compressed(cpath), 1);
    /* float: eval equal to eo_evaluate */
    eo_infer *f;
    eo_eval_report r;
    assert_int_equal(eo_infer_load(fpath, &f, NULL, NULL, NULL), EO_OK);
    assert_int_equal(eo_infer_get_kind(f), EO_INFER_FLOAT);
    assert_int_equal(eo_infer_evaluate(f, &tr, NULL, 0, NULL, &lp, 64, &r, NULL), EO_OK);
    assert_true(r.cls.accuracy == ref.cls.accuracy);
    EO_ASSERT_CLOSE(r.loss, ref.loss, 1e-6, 0);
    eo_eval_report_free(&r);
    eo_infer_destroy(f);
    /* int8: predictions of the loaded file are those of the in-memory model */
    assert_int_equal(eo_infer_load(qpath, &f, NULL, NULL, NULL), EO_OK);
    assert_int_equal(eo_infer_get_kind(f), EO_INFER_INT8);
    float *probs = malloc(500 * 3 * sizeof *probs), *oq = malloc(500 * 3 * sizeof *oq);
    int32_t *pred = malloc(500 * sizeof *pred);
    assert_int_equal(eo_infer_predict(f, &tr, 0, 500, NULL, EO_LOSS_SOFTMAX_CE, 128, probs, pred, NULL), EO_OK);
    assert_int_equal(eo_qmodel_forward(q, x, 500, oq), EO_OK);
    int hit = 0;
    for (int i = 0; i < 500; i++) {
        int b = 0;
        for (int j = 1; j < 3; j++) b = oq[i * 3 + j] > oq[i * 3 + b] ? j : b;
        assert_int_equal(pred[i], b);
        hit += b == tr.y[i];
    }
    assert_int_equal(eo_infer_evaluate(f, &tr, NULL, 0, NULL, &lp, 64, &r, NULL), EO_OK);
    EO_ASSERT_CLOSE(r.cls.accuracy, hit / 500.0, 0, 1e-12);
    assert_true(r.cls.accuracy > ref.cls.accuracy - 0.02);
    eo_eval_report_free(&r);
    eo_infer_destroy(f);
    /* clustered: bit-exact file round trip, much smaller file */
    eo_cmodel *c2;
    assert_int_equal(eo_cmodel_load(cpath, &c2, NULL, NULL, NULL), EO_OK);
    const float *o1, *o2;
    assert_int_equal(eo_cmodel_forward(c, x, 100, &o1), EO_OK);
    float *o1c = malloc(300 * sizeof *o1c);
    memcpy(o1c, o1, 300 * sizeof *o1c);
    assert_int_equal(eo_cmodel_forward(c2, x, 100, &o2), EO_OK);
    assert_memory_equal(o1c, o2, 300 * sizeof *o1c);
    unsigned char *fb, *cb;
    size_t fl, cl;
    assert_int_equal(eo_io_read_file(fpath, 1 << 24, &fb, &fl, NULL), EO_OK);
    assert_int_equal(eo_io_read_file(cpath, 1 << 24, &cb, &cl, NULL), EO_OK);
    printf("float file %zu bytes, clustered %zu\n", fl, cl);
    assert_true(cl * 5 < fl);
    free(fb);
    free(cb);
    assert_int_equal(eo_infer_load(cpath, &f, NULL, NULL, NULL), EO_OK);
    assert_int_equal(eo_infer_get_kind(f), EO_INFER_CLUSTERED);
    assert_int_equal(eo_infer_evaluate(f, &tr, NULL, 0, NULL, &lp, 64, &r, NULL), EO_OK);
    assert_true(r.cls.accuracy > ref.cls.accuracy - 0.05);
    eo_eval_report_free(&r);
    eo_infer_destroy(f);
    /* the float loader refuses the compressed files with a reason */
    eo_model *fm;
    assert_int_equal(eo_model_load(cpath, &fm, NULL, NULL, NULL), EO_ERR_UNSUPPORTED);
    eo_cmodel_destroy(c2);
    eo_cmodel_destroy(c);
    eo_qmodel_destroy(q);
    eo_eval_report_free(&ref);
    free(o1c);
    free(probs);
    free(oq);
    free(pred);
    free(x);
    free(idx);
    remove(fpath);
    remove(qpath);
    remove(cpath);
    eo_model_destroy(m);
    eo_dataset_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_survives_finetuning),
        cmocka_unit_test(test_gradual_schedule),
        cmocka_unit_test(test_distill_alpha0_is_ce),
        cmocka_unit_test(test_qat_fit),
        cmocka_unit_test(test_infer_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
