/* Minimal startup for the emulated Cortex-M boards of the device tests:
 * vector table, reset handler (copy .data, zero .bss, enable the FPU when the
 * code uses it, paint the stack to measure its use), fault handler.
 * Linker symbols come from device/sections.ld. */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;
int main(void);
void eo_reset_handler(void);

/* Unused stack words hold this value until something writes them. */
#define STACK_PAINT 0xC5C5C5C5u

static void fault_handler(void)
{
    eo_sh_puts("device: fault\n");
    eo_sh_exit(0);
}

typedef void (*eo_vector)(void);

/* The core reads the initial stack pointer and the reset address from here. */
__attribute__((section(".isr_vector"), used)) const eo_vector eo_vectors[16] = {
    (eo_vector)(uintptr_t)&_estack, /* initial SP */
    eo_reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0, 0, 0, 0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMonitor */
    0,
    fault_handler, /* PendSV */
    fault_handler, /* SysTick */
};

/* Bytes of stack used so far: the deepest word that lost its paint. */
unsigned eo_stack_used(void)
{
    const uint32_t *p = &_sstack;
    while (p < &_estack && *p == STACK_PAINT) p++;
    return (unsigned)((uintptr_t)&_estack - (uintptr_t)p);
}

void eo_reset_handler(void)
{
    const uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11 (the FPU) before any FP instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    /* Paint the stack below this frame (64 bytes of margin). */
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = &_sstack; (uintptr_t)p + 64u < sp; p++) *p = STACK_PAINT;
    eo_sh_exit(main() == 0);
}
