/* ARM semihosting for the emulated boards of the device tests (QEMU with
 * -semihosting): text out through the debugger's console and a clean exit.
 * A semihosting call is `bkpt 0xAB` with the operation in r0 and its argument
 * in r1 (ARM, "Semihosting for AArch32 and AArch64", version 2.0); QEMU
 * implements it for every M-profile core. Nothing else of the C library is
 * needed: numbers are formatted here. */
#ifndef EO_DEVICE_SEMIHOST_H
#define EO_DEVICE_SEMIHOST_H

#include <stdint.h>

/* Write a NUL-terminated string (SYS_WRITE0). */
void eo_sh_puts(const char *s);
/* End the program (SYS_EXIT): QEMU exits with status 0 when ok != 0, 1
 * otherwise. Never returns. */
void eo_sh_exit(int ok) __attribute__((noreturn));

/* Append to a line buffer without overflowing it (cap includes the NUL). */
typedef struct eo_sh_line {
    char buf[1024];
    unsigned len;
} eo_sh_line;
void eo_sh_clear(eo_sh_line *l);
void eo_sh_str(eo_sh_line *l, const char *s);
void eo_sh_int(eo_sh_line *l, long v);
void eo_sh_hex32(eo_sh_line *l, uint32_t v); /* 8 lower-case hex digits */

/* Bytes of stack used since reset (startup.c paints the stack, this finds the
 * deepest word written). */
unsigned eo_stack_used(void);

#endif
