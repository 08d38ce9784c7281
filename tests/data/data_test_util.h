/* Helpers shared by the data tests. */
#ifndef EO_DATA_TEST_UTIL_H
#define EO_DATA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eo_test.h"
#include "edgeopt/data.h"

#define FIXTURE(name) EO_TEST_DATA_DIR "/data/" name

/* Assert that a call failed with `code` and that its one-line message holds
 * `needle` (NULL: do not check the text). Also checks the message is one line. */
static inline void expect_error(int rc, const eo_error *e, int code, const char *needle)
{
    char line[1024];
    eo_error_format(e, line, sizeof line);
    if (rc != code) fail_msg("status %d (%s), expected %d; message: %s", rc, eo_status_str(rc), code, line);
    if (e->code != code) fail_msg("eo_error.code %d, expected %d", e->code, code);
    if (strchr(line, '\n')) fail_msg("message has a line break: %s", line);
    if (needle && !strstr(line, needle)) fail_msg("message '%s' lacks '%s'", line, needle);
}

/* Whole file into a malloc'd buffer; fails the test when missing. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open fixture %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Zero-initialised dataset check: loaders leave *out zeroed on failure. */
static inline void assert_dataset_empty(const eo_dataset *ds)
{
    assert_null(ds->x);
    assert_null(ds->y);
    assert_null(ds->t);
    assert_int_equal(ds->rows, 0);
}

#endif
