/* Common includes and small helpers for the cmocka tests. */
#ifndef EO_TEST_H
#define EO_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* |a - b| <= atol + rtol * |b|, with a message naming both values. */
#define EO_ASSERT_CLOSE(a, b, rtol, atol)                                                     \
    do {                                                                                      \
        double eo__a = (double)(a), eo__b = (double)(b);                                      \
        if (!(fabs(eo__a - eo__b) <= (atol) + (rtol)*fabs(eo__b)))                            \
            fail_msg("%s = %.10g, expected %s = %.10g (rtol %g, atol %g)", #a, eo__a, #b, eo__b, \
                     (double)(rtol), (double)(atol));                                          \
    } while (0)

#endif
