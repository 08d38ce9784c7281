/* Private to src/compress/qmodel*.c: the int8 model's state. */
#ifndef EO_COMPRESS_QMODEL_INTERNAL_H
#define EO_COMPRESS_QMODEL_INTERNAL_H

#include "edgeopt/qmodel.h"

struct eo_qmodel {
    eo_allocator alloc;      /* copy of the hooks when has_alloc */
    int has_alloc;
    int64_t in_shape[3];
    float in_scale;
    int32_t in_zp;
    int nops;
    eo_qop *ops;             /* [nops], arrays inside the same block */
    int final_softmax;
    int nlayers;
    eo_layer_desc *layers;   /* [nlayers] float architecture, or NULL */
    size_t max_act;          /* largest activation (values per sample), input included */
    size_t out_numel;
    const eo_q8_ops *kops;   /* kernel table (static) */
    /* FC ops compiled for eo_q8_fc_packed (CPUs with AVX2 or better): pack[i] for op i,
     * NULL for other ops or when the CPU has no packed kernel; used while the
     * path is AUTO or VNNI (use_pack), carved from the constants block. */
    const void **pack;
    int use_pack;
    /* arena: two ping-pong buffers of max_act * max_batch int8 each */
    int max_batch;
    int8_t *arena;
    int8_t *buf[2];
};

#endif
