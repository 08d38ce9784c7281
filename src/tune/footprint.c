/* Device quantities of the int8 model a float model would become, used for
 * --constraint and --objectives before a trial trains, computed exactly as
 * `edgeopt export` computes them for that int8 model:
 *   - batch norm is folded (eo_model_fold_batchnorm), the model is planned
 *     and converted to int8 (edgeopt/qmodel.h; per-tensor weight scales
 *     unless eo_tune_device.per_channel) with placeholder activation
 *     ranges [-1, 1]: sizes do not depend on the values of weights or ranges,
 *     only on shapes, so the untrained model gives the trained one's figures;
 *   - the int8 C export (edgeopt/deploy.h) is generated in memory (with the
 *     trial's feature scaler, as the model file would carry it) and its
 *     figures are taken: flash = const arrays + code estimate for the CPU,
 *     ram = planned activation arena + stack estimate (the float wrapper's
 *     buffers, reported apart by the export, are not counted).
 *   A model the export cannot handle (a layer without an int8 kernel) fails
 *   with the export's message.
 * latency is a proxy: multiply-accumulates of one inference (dense, conv,
 * depthwise); params counts the float model's parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/deploy.h"
#include "edgeopt/qmodel.h"
#include "tune/internal.h"

static double macs_of(const eo_model *m)
{
    double macs = 0;
    int nl = eo_model_nlayers(m);
    for (int i = 0; i < nl; i++) {
        eo_layer_desc d;
        int64_t in[3], out[3];
        if (eo_model_layer(m, i, &d, in, out, NULL, NULL)) continue;
        double in_n = (double)(in[0] * in[1] * in[2]);
        if (d.kind == EO_LAYER_DENSE) macs += in_n * d.units;
        if (d.kind == EO_LAYER_CONV2D) macs += (double)out[1] * out[2] * d.units * in[0] * d.kh * d.kw;
        if (d.kind == EO_LAYER_DWCONV2D) macs += (double)out[1] * out[2] * in[0] * d.kh * d.kw;
    }
    return macs;
}

int eo_tune_footprint_default(const eo_model *m, const eo_scaler *scaler, double *q, void *user, eo_error *err)
{
    if (!m || !q) return eo_error_set(err, EO_ERR_INVALID, "footprint: NULL argument");
    const eo_tune_device *dev = user;
    int cpu = dev ? dev->cpu : EO_DEPLOY_CORTEX_M4;
    q[EO_TUNE_LATENCY] = macs_of(m);
    q[EO_TUNE_PARAMS] = (double)eo_model_nparams(m);
    eo_model *f = NULL;
    eo_qmodel *qm = NULL;
    eo_qplan plan;
    memset(&plan, 0, sizeof plan);
    double *lo = NULL, *hi = NULL;
    eo_export_result r;
    memset(&r, 0, sizeof r);
    int st = eo_model_fold_batchnorm(m, &f, err);
    if (!st) st = eo_qplan_make(f, &plan, err);
    if (!st) {
        lo = malloc((size_t)plan.npoints * sizeof *lo);
        hi = malloc((size_t)plan.npoints * sizeof *hi);
        if (!lo || !hi) st = eo_error_set(err, EO_ERR_NOMEM, "out of memory");
        for (int i = 0; !st && i < plan.npoints; i++) {
            lo[i] = -1;
            hi[i] = 1;
        }
    }
    eo_qmodel_params qp = eo_qmodel_defaults();
    qp.per_channel = dev ? dev->per_channel : 0;
    if (!st) st = eo_qmodel_from_ranges(f, lo, hi, plan.npoints, &qp, NULL, &qm, err);
    eo_export_params ep = eo_export_defaults();
    ep.cpu = (eo_deploy_cpu)cpu;
    if (scaler && scaler->kind != EO_SCALE_NONE && scaler->offset && scaler->scale) {
        ep.scaler_offset = scaler->offset;
        ep.scaler_scale = scaler->scale;
    }
    if (!st) st = eo_export_c_int8(qm, &ep, &r, err);
    if (!st) {
        q[EO_TUNE_FLASH] = (double)r.flash_bytes;
        q[EO_TUNE_RAM] = (double)r.ram_bytes;
    }
    eo_export_result_free(&r);
    eo_qmodel_destroy(qm);
    eo_qplan_free(&plan);
    eo_model_destroy(f);
    free(lo);
    free(hi);
    return st;
}
