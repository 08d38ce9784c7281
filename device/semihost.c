/* Semihosting calls and tiny formatting for the device tests (see semihost.h). */
#include "semihost.h"

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUNTIME_ERROR 0x20023

static int sh_call(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void eo_sh_puts(const char *s) { (void)sh_call(SYS_WRITE0, s); }

void eo_sh_exit(int ok)
{
    /* On AArch32 the argument of SYS_EXIT is the reason code itself. */
    (void)sh_call(SYS_EXIT, (const void *)(uintptr_t)(ok ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR));
    for (;;) {
    }
}

void eo_sh_clear(eo_sh_line *l)
{
    l->len = 0;
    l->buf[0] = '\0';
}

void eo_sh_str(eo_sh_line *l, const char *s)
{
    while (*s && l->len + 1 < sizeof l->buf) l->buf[l->len++] = *s++;
    l->buf[l->len] = '\0';
}

void eo_sh_int(eo_sh_line *l, long v)
{
    char t[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do {
        t[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    if (v < 0) t[n++] = '-';
    char r[24];
    for (int i = 0; i < n; i++) r[i] = t[n - 1 - i];
    r[n] = '\0';
    eo_sh_str(l, r);
}

void eo_sh_hex32(eo_sh_line *l, uint32_t v)
{
    char t[9];
    for (int i = 0; i < 8; i++) t[i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15u];
    t[8] = '\0';
    eo_sh_str(l, t);
}
