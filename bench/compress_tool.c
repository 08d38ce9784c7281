/* Helpers of bench/compress_bench.sh (not a benchmark itself):
 *   compress_tool npy MODEL.eom DIR
 *       write each dense layer's weight [out][in] and bias [out] as float32
 *       .npy files (DIR/dense<k>_w.npy, DIR/dense<k>_b.npy, k = 0, 1, ...) so
 *       that bench/compress_torch.py runs PyTorch on the very same weights;
 *   compress_tool outlier MODEL.eom OUT.eom FACTOR
 *       multiply the incoming weights and bias of neuron 0 of the first dense
 *       layer by FACTOR and divide its outgoing weights in the next dense
 *       layer by FACTOR: the same function (ReLU is positively homogeneous)
 *       with one outlier channel, the case where post-training quantization
 *       loses accuracy and quantization-aware training recovers it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/data.h"
#include "edgeopt/modelfile.h"

static int write_npy(const char *path, const float *v, int ndim, const long *dims)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    char shape[96];
    if (ndim == 1)
        snprintf(shape, sizeof shape, "(%ld,)", dims[0]);
    else
        snprintf(shape, sizeof shape, "(%ld, %ld)", dims[0], dims[1]);
    char hdr[256];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64; /* header padded to 64 bytes, ends in \n */
    unsigned short hlen = (unsigned short)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    unsigned char le[2] = {(unsigned char)(hlen & 255), (unsigned char)(hlen >> 8)};
    fwrite(le, 1, 2, f);
    fwrite(hdr, 1, (size_t)n, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    long cnt = ndim == 1 ? dims[0] : dims[0] * dims[1];
    fwrite(v, sizeof(float), (size_t)cnt, f); /* little-endian host */
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: compress_tool npy MODEL DIR | outlier MODEL OUT FACTOR\n");
        return 2;
    }
    eo_model *m;
    eo_scaler sc;
    eo_model_meta meta;
    eo_error e;
    eo_error_clear(&e);
    if (eo_model_load(argv[2], &m, &sc, &meta, &e)) {
        fprintf(stderr, "compress_tool: %s\n", e.msg);
        return 1;
    }
    float *P = eo_model_params(m);
    int rc = 0;
    if (!strcmp(argv[1], "npy")) {
        int k = 0;
        for (int i = 0; i < eo_model_nlayers(m); i++) {
            eo_layer_desc d;
            int64_t in[3], out[3];
            size_t po;
            eo_model_layer(m, i, &d, in, out, &po, NULL);
            if (d.kind != EO_LAYER_DENSE) continue;
            long dims[2] = {(long)(out[0] * out[1] * out[2]), (long)(in[0] * in[1] * in[2])};
            char path[1024];
            snprintf(path, sizeof path, "%s/dense%d_w.npy", argv[3], k);
            rc |= write_npy(path, P + po, 2, dims);
            snprintf(path, sizeof path, "%s/dense%d_b.npy", argv[3], k);
            rc |= write_npy(path, P + po + (size_t)dims[0] * (size_t)dims[1], 1, dims);
            k++;
        }
    } else if (!strcmp(argv[1], "outlier") && argc == 5) {
        float f = strtof(argv[4], NULL);
        int first = -1, second = -1;
        for (int i = 0; i < eo_model_nlayers(m) && second < 0; i++) {
            eo_layer_desc d;
            eo_model_layer(m, i, &d, NULL, NULL, NULL, NULL);
            if (d.kind != EO_LAYER_DENSE) continue;
            if (first < 0) first = i;
            else second = i;
        }
        if (second < 0 || !(f > 0)) {
            fprintf(stderr, "compress_tool: needs two dense layers and FACTOR > 0\n");
            return 1;
        }
        int64_t in[3], out[3];
        size_t p0, p1;
        eo_model_layer(m, first, NULL, in, out, &p0, NULL);
        size_t nin = (size_t)(in[0] * in[1] * in[2]), h = (size_t)(out[0] * out[1] * out[2]);
        eo_model_layer(m, second, NULL, NULL, out, &p1, NULL);
        size_t nout = (size_t)(out[0] * out[1] * out[2]);
        for (size_t j = 0; j < nin; j++) P[p0 + j] *= f;
        P[p0 + h * nin] *= f;
        for (size_t o = 0; o < nout; o++) P[p1 + o * h] /= f;
        if (eo_model_save(argv[3], m, sc.kind == EO_SCALE_NONE ? NULL : &sc, &meta, &e)) {
            fprintf(stderr, "compress_tool: %s\n", e.msg);
            rc = 1;
        }
    } else {
        fprintf(stderr, "compress_tool: unknown command '%s'\n", argv[1]);
        rc = 2;
    }
    eo_scaler_free(&sc);
    eo_model_destroy(m);
    return rc ? 1 : 0;
}
