/* CPU feature check for the run-time SGEMM dispatch.
 *
 * AVX2+FMA is usable when cpuid reports AVX, FMA, OSXSAVE (leaf 1 ECX bits
 * 28, 12, 27) and AVX2 (leaf 7 EBX bit 5), and XCR0 (read with xgetbv) shows
 * that the OS saves the SSE and AVX register state (bits 1 and 2); see the
 * Intel SDM vol. 1, 14.3 "Detection of Intel AVX instructions". Off x86 the
 * answer is always 0. */
#include "kernels/internal.h"

#if defined(EO_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static unsigned long long eo__xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

int eo__cpu_has_avx2_fma(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned int fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    if ((eo__xgetbv0() & 0x6) != 0x6) return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) ? 1 : 0;
}

/* AVX-512 F + VL + BW: also needs XCR0 bits 5-7 (opmask, upper halves of
 * zmm0-15, zmm16-31), which the OS sets only when it saves that state. */
int eo__cpu_has_avx512(void)
{
    if (!eo__cpu_has_avx2_fma()) return 0;
    if ((eo__xgetbv0() & 0xE6) != 0xE6) return 0;
    unsigned int a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned int f = 1u << 16, bw = 1u << 30, vl = 1u << 31;
    return (b & (f | bw | vl)) == (f | bw | vl);
}

/* AVX-VNNI (VEX-encoded vpdpbusd on ymm): cpuid leaf 7 subleaf 1, EAX bit 4.
 * Only the AVX state is needed, so AVX2's checks suffice. */
int eo__cpu_has_avx_vnni(void)
{
    if (!eo__cpu_has_avx2_fma()) return 0;
    unsigned int a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    if (a < 1) return 0; /* subleaf 1 not reported */
    __cpuid_count(7, 1, a, b, c, d);
    return (a & (1u << 4)) ? 1 : 0;
}
#else
int eo__cpu_has_avx2_fma(void) { return 0; }
int eo__cpu_has_avx512(void) { return 0; }
int eo__cpu_has_avx_vnni(void) { return 0; }
#endif
