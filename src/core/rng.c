/* Seeded, platform-independent random numbers.
 *
 * Generator: xoshiro256** (Blackman & Vigna, 2018), state filled by splitmix64.
 * Normals: Marsaglia's polar method, which needs only sqrt (correctly rounded
 * by IEEE 754) and a logarithm; we compute that logarithm ourselves so the
 * stream does not depend on the C library's libm. */
#include "edgeopt/core.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void eo_rng_seed(eo_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0.0;
}

void eo_rng_seed_stream(eo_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id through splitmix64 so neighbouring streams are unrelated. */
    uint64_t x = stream ^ 0xD1B54A32D192ED03ull;
    uint64_t mixed = splitmix64(&x);
    eo_rng_seed(r, seed ^ mixed);
}

uint64_t eo_rng_u64(eo_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t eo_rng_u32(eo_rng *r) { return (uint32_t)(eo_rng_u64(r) >> 32); }

uint64_t eo_rng_below(eo_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    /* Rejection on the top of the range: unbiased and portable. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    uint64_t v;
    do {
        v = eo_rng_u64(r);
    } while (v >= limit);
    return v % n;
}

double eo_rng_uniform(eo_rng *r) { return (double)(eo_rng_u64(r) >> 11) * 0x1.0p-53; }

float eo_rng_uniformf(eo_rng *r) { return (float)(eo_rng_u64(r) >> 40) * 0x1.0p-24f; }

double eo_det_log(double x)
{
    if (!(x > 0.0)) return x == 0.0 ? -HUGE_VAL : NAN;
    if (isinf(x)) return x;
    int e;
    double m = frexp(x, &e); /* exact: x = m * 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    /* log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: the odd series
     * converges to double precision within 13 terms. */
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double term = s, sum = 0.0;
    for (int k = 0; k < 16; k++) {
        sum += term / (double)(2 * k + 1);
        term *= s2;
    }
    static const double ln2_hi = 6.93147180369123816490e-01;
    static const double ln2_lo = 1.90821492927058770002e-10;
    return (double)e * ln2_hi + ((double)e * ln2_lo + 2.0 * sum);
}

double eo_rng_normal(eo_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * eo_rng_uniform(r) - 1.0;
        v = 2.0 * eo_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * eo_det_log(q) / q);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

void eo_rng_shuffle_u32(eo_rng *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)eo_rng_below(r, (uint64_t)i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void eo_rng_permutation(eo_rng *r, uint32_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (uint32_t)i;
    eo_rng_shuffle_u32(r, out, n);
}
