/* io: CRC-32, little-endian writer/reader bounds, atomic writes under faults. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eo_test.h"
#include "edgeopt/io.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/eo_io_test.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "chmod -R u+w %s; rm -rf %s", tmpdir, tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_crc32(void **state)
{
    (void)state;
    /* The standard check value of CRC-32/ISO-HDLC. */
    assert_int_equal(eo_io_crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(eo_io_crc32(0, "", 0), 0);
    uint32_t a = eo_io_crc32(0, "1234", 4);
    assert_int_equal(eo_io_crc32(a, "56789", 5), 0xCBF43926u);
    /* "The quick brown fox jumps over the lazy dog" -> 0x414FA339 (published). */
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(eo_io_crc32(0, fox, strlen(fox)), 0x414FA339u);
}

static void test_writer_reader_round_trip(void **state)
{
    (void)state;
    eo_io_writer w;
    eo_io_writer_init(&w);
    eo_io_put_u8(&w, 0xAB);
    eo_io_put_u16(&w, 0x1234);
    eo_io_put_u32(&w, 0xDEADBEEFu);
    eo_io_put_u64(&w, 0x0102030405060708ull);
    eo_io_put_i32(&w, -5);
    eo_io_put_i64(&w, INT64_MIN);
    eo_io_put_f32(&w, -0.0f);
    eo_io_put_f64(&w, 1.0 / 3.0);
    eo_io_put_str(&w, "hello");
    eo_io_put_align(&w, 16);
    unsigned char *buf;
    size_t len;
    assert_int_equal(eo_io_writer_finish(&w, &buf, &len), EO_OK);
    assert_int_equal(len % 16, 0);
    /* Little-endian on every host: check raw bytes. */
    assert_int_equal(buf[0], 0xAB);
    assert_int_equal(buf[1], 0x34);
    assert_int_equal(buf[2], 0x12);
    assert_int_equal(buf[3], 0xEF);
    assert_int_equal(buf[6], 0xDE);
    assert_int_equal(buf[7], 0x08);

    eo_io_reader r;
    eo_error e;
    eo_error_clear(&e);
    eo_io_reader_init(&r, buf, len, "x.bin", &e);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    float f;
    double d;
    char s[8];
    eo_io_get_u8(&r, "a", &u8);
    eo_io_get_u16(&r, "b", &u16);
    eo_io_get_u32(&r, "c", &u32);
    eo_io_get_u64(&r, "d", &u64);
    eo_io_get_i32(&r, "e", &i32);
    eo_io_get_i64(&r, "f", &i64);
    eo_io_get_f32(&r, "g", &f);
    eo_io_get_f64(&r, "h", &d);
    assert_int_equal(eo_io_get_str(&r, "s", s, sizeof s), EO_OK);
    assert_int_equal(u8, 0xAB);
    assert_int_equal(u16, 0x1234);
    assert_int_equal(u32, 0xDEADBEEFu);
    assert_true(u64 == 0x0102030405060708ull);
    assert_int_equal(i32, -5);
    assert_true(i64 == INT64_MIN);
    assert_true(f == 0.0f && signbit(f));
    assert_true(d == 1.0 / 3.0);
    assert_string_equal(s, "hello");
    free(buf);
}

static void test_reader_bounds(void **state)
{
    (void)state;
    unsigned char b[6] = {1, 2, 3, 4, 5, 6};
    eo_io_reader r;
    eo_error e;
    eo_error_clear(&e);
    eo_io_reader_init(&r, b, sizeof b, "f.bin", &e);
    uint32_t v;
    uint64_t w;
    assert_int_equal(eo_io_get_u32(&r, "count", &v), EO_OK);
    assert_int_equal(eo_io_get_u64(&r, "size", &w), EO_ERR_FORMAT);
    assert_true(w == 0);
    assert_int_equal(e.offset, 4);
    assert_string_equal(e.where, "f.bin");
    assert_non_null(strstr(e.msg, "size"));
    assert_non_null(strstr(e.msg, "truncated"));
    /* Sticky: later gets fail too and keep the first error. */
    assert_int_equal(eo_io_get_u8(&r, "x", (uint8_t *)&v), EO_ERR_FORMAT);
    assert_int_equal(e.offset, 4);

    /* A string whose length field is huge. */
    unsigned char s[8] = {0xff, 0xff, 0xff, 0x7f, 'a', 'b', 'c', 'd'};
    char out[16];
    eo_error_clear(&e);
    eo_io_reader_init(&r, s, sizeof s, NULL, &e);
    assert_int_equal(eo_io_get_str(&r, "name", out, sizeof out), EO_ERR_FORMAT);
    assert_int_equal(e.offset, 0);
    /* Seek past the end. */
    eo_error_clear(&e);
    eo_io_reader_init(&r, s, sizeof s, NULL, &e);
    assert_int_equal(eo_io_seek(&r, "table", UINT64_MAX), EO_ERR_FORMAT);
    /* Bytes: a count just past the end. */
    const unsigned char *p;
    eo_io_reader_init(&r, s, sizeof s, NULL, NULL);
    assert_int_equal(eo_io_get_bytes(&r, "blob", 9, &p), EO_ERR_FORMAT);
    assert_null(p);
    eo_io_reader_init(&r, s, sizeof s, NULL, NULL);
    assert_int_equal(eo_io_get_bytes(&r, "blob", SIZE_MAX, &p), EO_ERR_FORMAT);
}

static void path_in(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", tmpdir, name); }

static void write_text(const char *path, const char *text)
{
    eo_io_piece p = {text, strlen(text)};
    eo_error e;
    int st = eo_io_write_atomic(path, &p, 1, &e);
    if (st) fail_msg("write %s: %s", path, e.msg);
}

static char *slurp(const char *path)
{
    unsigned char *b;
    size_t n;
    if (eo_io_read_file(path, 1 << 20, &b, &n, NULL)) return NULL;
    return (char *)b;
}

/* Files in tmpdir whose name contains ".tmp." */
static int count_temps(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void test_atomic_write_basic(void **state)
{
    (void)state;
    char p[300];
    path_in(p, sizeof p, "a.txt");
    eo_io_piece pieces[3] = {{"one ", 4}, {"", 0}, {"two", 3}};
    assert_int_equal(eo_io_write_atomic(p, pieces, 3, NULL), EO_OK);
    char *s = slurp(p);
    assert_string_equal(s, "one two");
    free(s);
    write_text(p, "replaced");
    s = slurp(p);
    assert_string_equal(s, "replaced");
    free(s);
    assert_int_equal(count_temps(), 0);
    /* Directory as target, empty path. */
    eo_error e;
    assert_int_equal(eo_io_write_atomic(tmpdir, pieces, 1, &e), EO_ERR_INVALID);
    assert_int_equal(eo_io_write_atomic("", pieces, 1, &e), EO_ERR_INVALID);
    /* Missing directory: clear message, nothing created. */
    char q[300];
    path_in(q, sizeof q, "nodir/x.txt");
    assert_int_equal(eo_io_write_atomic(q, pieces, 1, &e), EO_ERR_IO);
    assert_non_null(strstr(e.msg, "does not exist"));
    assert_non_null(strstr(e.where, "nodir/x.txt"));
}

static void test_read_file_limits(void **state)
{
    (void)state;
    char p[300];
    path_in(p, sizeof p, "r.txt");
    write_text(p, "0123456789");
    unsigned char *b;
    size_t n;
    eo_error e;
    assert_int_equal(eo_io_read_file(p, 10, &b, &n, &e), EO_OK);
    assert_int_equal(n, 10);
    assert_int_equal(b[10], 0);
    free(b);
    assert_int_equal(eo_io_read_file(p, 9, &b, &n, &e), EO_ERR_RANGE);
    assert_null(b);
    assert_non_null(strstr(e.msg, "limit"));
    path_in(p, sizeof p, "missing.txt");
    assert_int_equal(eo_io_read_file(p, 100, &b, &n, &e), EO_ERR_NOT_FOUND);
    assert_int_equal(eo_io_read_file(tmpdir, 100, &b, &n, &e), EO_ERR_IO);
}

/* A write that hits the file-size limit (RLIMIT_FSIZE, in a child so the test
 * process keeps its limits) fails with EFBIG; the old file stays intact and no
 * temporary file is left. Works as root too. */
static void test_atomic_write_fsize_limit(void **state)
{
    (void)state;
    char p[300];
    path_in(p, sizeof p, "big.bin");
    write_text(p, "previous content");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        static unsigned char big[100000];
        eo_io_piece piece = {big, sizeof big};
        eo_error e;
        int st = eo_io_write_atomic(p, &piece, 1, &e);
        /* exit 0 only for the expected failure with a helpful message */
        _exit(st == EO_ERR_IO && strstr(e.msg, "file-size limit") && strstr(e.where, "big.bin") ? 0 : 1);
    }
    int ws;
    waitpid(pid, &ws, 0);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    char *s = slurp(p);
    assert_string_equal(s, "previous content");
    free(s);
    assert_int_equal(count_temps(), 0);
}

/* Read-only output: a directory without write permission (not root), or a
 * tmpfs remounted read-only (root, when mounting is allowed). */
static void test_atomic_write_readonly_dir(void **state)
{
    (void)state;
    char d[300], p[300], cmd[700];
    path_in(d, sizeof d, "ro");
    mkdir(d, 0755);
    path_in(p, sizeof p, "ro/m.eom");
    int root = geteuid() == 0;
    if (root) {
        snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=64k eo_ro %s 2>/dev/null", d);
        if (system(cmd) != 0) {
            skip();
            return;
        }
    }
    write_text(p, "old");
    if (root) {
        snprintf(cmd, sizeof cmd, "mount -o remount,ro %s", d);
        if (system(cmd) != 0) fail_msg("remount ro failed");
    } else {
        chmod(d, 0555);
    }
    eo_io_piece piece = {"new", 3};
    eo_error e;
    int st = eo_io_write_atomic(p, &piece, 1, &e);
    char *s = slurp(p);
    if (root) {
        snprintf(cmd, sizeof cmd, "umount %s", d);
        if (system(cmd) != 0) fail_msg("umount failed");
    } else {
        chmod(d, 0755);
    }
    assert_int_equal(st, EO_ERR_IO);
    assert_non_null(strstr(e.msg, root ? "read-only" : "permission denied"));
    assert_string_equal(s, "old");
    free(s);
}

/* Disk full: a 64 KiB tmpfs when we may mount one (root in a namespace that
 * allows it); skipped otherwise. */
static void test_atomic_write_disk_full(void **state)
{
    (void)state;
    char d[300], cmd[700];
    path_in(d, sizeof d, "small");
    mkdir(d, 0755);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=64k eo_small %s 2>/dev/null", d);
    if (geteuid() != 0 || system(cmd) != 0) {
        skip();
        return;
    }
    char p[300];
    path_in(p, sizeof p, "small/m.bin");
    write_text(p, "old model");
    static unsigned char big[200000];
    eo_io_piece piece = {big, sizeof big};
    eo_error e;
    int st = eo_io_write_atomic(p, &piece, 1, &e);
    char *s = slurp(p);
    snprintf(cmd, sizeof cmd, "ls -a %s | grep -c tmp > /dev/null", d);
    int temps = system(cmd) == 0;
    snprintf(cmd, sizeof cmd, "umount %s", d);
    if (system(cmd) != 0) fail_msg("umount failed");
    assert_int_equal(st, EO_ERR_IO);
    assert_non_null(strstr(e.msg, "disk full"));
    assert_string_equal(s, "old model");
    free(s);
    assert_false(temps);
}

/* A writer killed before its rename leaves ".NAME.tmp.PID.K"; the next write
 * removes it once that process is gone, and leaves live writers' files alone. */
static void test_stale_temp_cleanup(void **state)
{
    (void)state;
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0); /* child is dead: its pid names a stale temp */
    char stale[300], live[300], p[300];
    snprintf(stale, sizeof stale, "%s/.c.eom.tmp.%ld.0", tmpdir, (long)child);
    snprintf(live, sizeof live, "%s/.c.eom.tmp.%ld.0", tmpdir, (long)getppid());
    write_text(stale, "half");
    write_text(live, "busy");
    path_in(p, sizeof p, "c.eom");
    write_text(p, "new");
    struct stat st;
    assert_int_not_equal(stat(stale, &st), 0);
    assert_int_equal(stat(live, &st), 0);
    unlink(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_writer_reader_round_trip),
        cmocka_unit_test(test_reader_bounds),
        cmocka_unit_test(test_atomic_write_basic),
        cmocka_unit_test(test_read_file_limits),
        cmocka_unit_test(test_atomic_write_fsize_limit),
        cmocka_unit_test(test_atomic_write_readonly_dir),
        cmocka_unit_test(test_atomic_write_disk_full),
        cmocka_unit_test(test_stale_temp_cleanup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
