/* Firmware for an emulated Cortex-M4F (QEMU mps2-an386) that runs a model
 * exported by `edgeopt export` on a few test images embedded in images.h and
 * prints, over semihosting, one line per image: "row I class C", then "done".
 * scripts/demo.sh builds it with the board support of device/ (startup code,
 * linker script, semihosting):
 *
 *   arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -std=c99 \
 *     -I . -I EXPORT_DIR -I device -DMODEL=NAME -DMODEL_UPPER=NAME_IN_CAPS [-DHAS_SCALE] \
 *     [-DN_IMAGES=20] -nostartfiles --specs=nano.specs --specs=nosys.specs -T mps2.ld -L device \
 *     device/startup.c device/semihost.c fw_model.c EXPORT_DIR/NAME.c -lm -o fw.elf
 *
 * images.inc (in the include path) holds the N_IMAGES images as C initializers
 * of raw bytes, one "{b0,b1,...}," per image (scripts/demo.sh and chapter 6 of
 * the guide write it from the IDX file with head, tail, od and sed).
 * The input is byte * (1.0f / 255.0f), as on the host
 * (examples/export_runner/run_model.c), so the classes must match the host
 * run's. */
#include <stdint.h>

#include "semihost.h"

#define EO_CAT_(a, b) a##b
#define EO_CAT(a, b) EO_CAT_(a, b)
#define EO_STR_(x) #x
#define EO_STR(x) EO_STR_(x)
#include EO_STR(MODEL.h)

#define PREDICT EO_CAT(MODEL, _predict)
#define SCALE_INPUT EO_CAT(MODEL, _scale_input)
#define IN_SIZE EO_CAT(MODEL_UPPER, _INPUT_SIZE)
#define OUT_SIZE EO_CAT(MODEL_UPPER, _OUTPUT_SIZE)

#ifndef N_IMAGES
#define N_IMAGES 20
#endif
static const uint8_t images[N_IMAGES][IN_SIZE] = {
#include "images.inc"
};

static float x[IN_SIZE], y[OUT_SIZE];

int main(void)
{
    eo_sh_line line;
    for (int i = 0; i < N_IMAGES; i++) {
        for (int j = 0; j < IN_SIZE; j++) x[j] = (float)images[i][j] * (1.0f / 255.0f);
#ifdef HAS_SCALE
        SCALE_INPUT(x);
#endif
        int rc = PREDICT(x, y);
        int best = 0;
        for (int c = 1; c < OUT_SIZE; c++)
            if (y[c] > y[best]) best = c;
        eo_sh_clear(&line);
        eo_sh_str(&line, "row ");
        eo_sh_int(&line, i);
        eo_sh_str(&line, rc == 0 ? " class " : " error ");
        eo_sh_int(&line, rc == 0 ? best : rc);
        eo_sh_str(&line, "\n");
        eo_sh_puts(line.buf);
    }
    eo_sh_clear(&line);
    eo_sh_str(&line, "stack ");
    eo_sh_int(&line, (long)eo_stack_used());
    eo_sh_str(&line, "\ndone\n");
    eo_sh_puts(line.buf);
    eo_sh_exit(1);
}
