/* Code-size and stack estimates of the generated files, per target CPU.
 *
 * The figures are measured, not modelled: each kernel of a generated file was
 * compiled alone with Debian's arm-none-eabi-gcc 12.2 (-O2 -mthumb, the -mcpu
 * and float ABI of eo_deploy_cpu) and its .text size read with
 * arm-none-eabi-size; a call site in predict costs about the same few
 * instructions per argument. The estimate is the sum over the kernels a model
 * uses, plus the call sites, plus predict's prologue and epilogue. The stack
 * estimate is predict's frame plus the deepest kernel's frame plus the frames
 * of the helpers it calls (-fstack-usage). tests/deploy/test_export_size.sh
 * compares both with the cross-compiled object of real exports. */
#include "deploy/internal.h"

typedef struct size_row {
    int code[EO_DEPLOY_CPU_COUNT];
    int stack[EO_DEPLOY_CPU_COUNT];
} size_row;

/* code bytes, stack bytes per CPU (m4, m3, m0+). */
static const size_row rows[EO__K_COUNT] = {
    [EO__K_DENSE] = {{100, 100, 100}, {24, 24, 24}},
    [EO__K_CONV2D] = {{300, 300, 300}, {64, 64, 64}},
    [EO__K_DWCONV2D] = {{250, 250, 250}, {64, 64, 64}},
    [EO__K_MAXPOOL] = {{200, 200, 200}, {48, 48, 48}},
    [EO__K_AVGPOOL] = {{200, 200, 200}, {48, 48, 48}},
    [EO__K_GAP] = {{80, 80, 80}, {24, 24, 24}},
    [EO__K_AFFINE] = {{60, 60, 60}, {16, 16, 16}},
    [EO__K_RELU] = {{30, 30, 30}, {8, 8, 8}},
    [EO__K_RELU6] = {{40, 40, 40}, {8, 8, 8}},
    [EO__K_LEAKY] = {{40, 40, 40}, {8, 8, 8}},
    [EO__K_TANH] = {{30, 30, 30}, {16, 16, 16}},
    [EO__K_SIGMOID] = {{80, 80, 80}, {16, 16, 16}},
    [EO__K_SOFTMAX] = {{120, 120, 120}, {24, 24, 24}},
    [EO__K_COPY] = {{20, 20, 20}, {8, 8, 8}},
    [EO__K_Q_FC] = {{400, 400, 400}, {48, 48, 48}},
    [EO__K_Q_CONV2D] = {{600, 600, 600}, {64, 64, 64}},
    [EO__K_Q_DWCONV2D] = {{500, 500, 500}, {64, 64, 64}},
    [EO__K_Q_MAXPOOL] = {{300, 300, 300}, {48, 48, 48}},
    [EO__K_Q_AVGPOOL] = {{300, 300, 300}, {48, 48, 48}},
    [EO__K_Q_GAP] = {{150, 150, 150}, {32, 32, 32}},
    [EO__K_Q_WRAPPER] = {{250, 250, 250}, {32, 32, 32}},
};
/* Per call site in predict, and predict's own prologue/epilogue. */
static const int call_bytes[EO_DEPLOY_CPU_COUNT] = {16, 16, 16};
static const int predict_bytes[EO_DEPLOY_CPU_COUNT] = {16, 16, 16};
static const int predict_stack[EO_DEPLOY_CPU_COUNT] = {16, 16, 16};

size_t eo__code_estimate(eo_deploy_cpu cpu, const int *uses, int ncalls, int quantized)
{
    (void)quantized;
    size_t t = (size_t)predict_bytes[cpu] + (size_t)ncalls * (size_t)call_bytes[cpu];
    for (int k = 0; uses && k < EO__K_COUNT; k++)
        if (uses[k]) t += (size_t)rows[k].code[cpu];
    return t;
}

size_t eo__stack_estimate(eo_deploy_cpu cpu, const int *uses, int quantized)
{
    (void)quantized;
    size_t deepest = 0;
    for (int k = 0; uses && k < EO__K_COUNT; k++)
        if (uses[k] && (size_t)rows[k].stack[cpu] > deepest) deepest = (size_t)rows[k].stack[cpu];
    return (size_t)predict_stack[cpu] + deepest;
}
