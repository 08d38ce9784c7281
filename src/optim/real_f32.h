/* Instantiation header for the update-rule templates (*_rule.h): the rule
 * included next computes in float. No include guard on purpose: a rule file
 * includes real_f32.h, its template, real_f64.h, its template again.
 *   real        the element type
 *   RFN(name)   name with the precision suffix (_f32 / _f64)
 *   RSQRT(v)    square root in that precision */
#undef real
#undef RFN
#undef RSQRT
#define real float
#define RFN(name) name##_f32
#define RSQRT(v) sqrtf(v)
