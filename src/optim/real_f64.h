/* Instantiation header for the update-rule templates (*_rule.h): the rule
 * included next computes in double. See real_f32.h. */
#undef real
#undef RFN
#undef RSQRT
#define real double
#define RFN(name) name##_f64
#define RSQRT(v) sqrt(v)
