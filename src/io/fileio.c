/* Atomic file replacement and bounded whole-file reads (POSIX).
 *
 * Atomic replace, the classic recipe: write a temporary file in the same
 * directory (rename is only atomic within one file system), fsync it so its
 * data is on disk before its name is, rename it over the target (POSIX
 * guarantees readers see the old or the new file, never a mix), then fsync the
 * directory so the rename itself survives a power cut. */
#define _POSIX_C_SOURCE 200809L
#include "edgeopt/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* A hint for the errors users actually meet. */
static const char *hint(int e)
{
    switch (e) {
    case ENOSPC: return " (disk full)";
#ifdef EDQUOT
    case EDQUOT: return " (disk quota exceeded)";
#endif
    case EFBIG: return " (file-size limit reached)";
    case EROFS: return " (read-only file system)";
    case EACCES:
    case EPERM: return " (permission denied: is the directory writable?)";
    case ENOENT: return " (the directory does not exist)";
    default: return "";
    }
}

static int io_fail(eo_error *err, const char *path, const char *op, int e)
{
    return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot %s: %s%s", op, strerror(e), hint(e));
}

/* Split path into directory ("." if none) and base name. */
static int split_path(const char *path, char *dir, size_t dcap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        if (dcap < 2) return -1;
        strcpy(dir, ".");
        *base = path;
        return 0;
    }
    size_t n = (size_t)(slash - path);
    if (n == 0) n = 1; /* "/file" -> "/" */
    if (n >= dcap) return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    *base = slash + 1;
    return 0;
}

/* Remove ".<base>.tmp.<pid>.<k>" files left by writers that were killed. */
static void remove_stale_temps(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char prefix[NAME_MAX + 8];
    int pn = snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    if (pn < 0 || (size_t)pn >= sizeof prefix) {
        closedir(d);
        return;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strncmp(ent->d_name, prefix, (size_t)pn) != 0) continue;
        char *end = NULL;
        long pid = strtol(ent->d_name + pn, &end, 10);
        if (pid <= 0 || !end || *end != '.' || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* writer alive (or unknown) */
        char full[PATH_MAX];
        int fn = snprintf(full, sizeof full, "%s/%s", dir, ent->d_name);
        if (fn > 0 && (size_t)fn < sizeof full) unlink(full);
    }
    closedir(d);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (w == 0) return EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int eo_io_write_atomic(const char *path, const eo_io_piece *pieces, size_t npieces, eo_error *err)
{
    if (!path || !*path) return eo_error_set(err, EO_ERR_INVALID, "empty output path");
    size_t plen = strlen(path);
    if (path[plen - 1] == '/')
        return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "output path names a directory");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "output path is a directory");

    char dir[PATH_MAX];
    const char *base;
    if (split_path(path, dir, sizeof dir, &base) != 0 || !*base || strlen(base) > NAME_MAX - 32)
        return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "output path is too long");
    remove_stale_temps(dir, base);

    char tmp[PATH_MAX];
    int fd = -1;
    for (int k = 0; k < 1000 && fd < 0; k++) {
        int n;
        if (strcmp(dir, ".") == 0 && !strchr(path, '/'))
            n = snprintf(tmp, sizeof tmp, ".%s.tmp.%ld.%d", base, (long)getpid(), k);
        else
            n = snprintf(tmp, sizeof tmp, "%s%s.%s.tmp.%ld.%d", dir, strcmp(dir, "/") ? "/" : "", base,
                         (long)getpid(), k);
        if (n < 0 || (size_t)n >= sizeof tmp)
            return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "output path is too long");
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST && errno != EINTR) return io_fail(err, path, "create a file next to it", errno);
    }
    if (fd < 0) return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot create a temporary file");

    int e = 0;
    for (size_t i = 0; i < npieces && !e; i++)
        if (pieces[i].len) e = write_all(fd, pieces[i].data, pieces[i].len);
    const char *op = "write";
    if (!e && fsync(fd) != 0) {
        e = errno;
        op = "sync";
    }
    if (close(fd) != 0 && !e) {
        e = errno;
        op = "close";
    }
    if (!e && rename(tmp, path) != 0) {
        e = errno;
        op = "rename the temporary file onto it";
    }
    if (e) {
        unlink(tmp);
        return io_fail(err, path, op, e);
    }
    /* Make the rename durable. Some file systems refuse fsync on a directory
     * (EINVAL); the data is already safe then, so only real I/O errors count. */
    int dfd = open(dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        int de = fsync(dfd) != 0 ? errno : 0;
        close(dfd);
        if (de == EIO) return io_fail(err, path, "sync its directory", de);
    }
    return EO_OK;
}

int eo_io_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, eo_error *err)
{
    *buf = NULL;
    *len = 0;
    if (!path || !*path) return eo_error_set(err, EO_ERR_INVALID, "empty input path");
    int fd;
    do fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) return eo_error_at(err, EO_ERR_NOT_FOUND, path, 0, 0, -1, "no such file");
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot open: %s%s", strerror(e), hint(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return io_fail(err, path, "stat", e);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "is a directory, not a file");
    }
    size_t cap = 65536;
    if (S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > (uintmax_t)max_bytes) {
            close(fd);
            return eo_error_at(err, EO_ERR_RANGE, path, 0, 0, -1,
                               "file is %jd bytes, larger than the limit of %zu bytes",
                               (intmax_t)st.st_size, max_bytes);
        }
        cap = (size_t)st.st_size + 1;
    }
    if (cap > max_bytes && max_bytes < SIZE_MAX) cap = max_bytes + 1;
    unsigned char *b = malloc(cap + 1);
    if (!b) {
        close(fd);
        return eo_error_at(err, EO_ERR_NOMEM, path, 0, 0, -1, "out of memory reading %zu bytes", cap);
    }
    size_t n = 0;
    for (;;) {
        if (n == cap) { /* the file grew or is a pipe: grow, bounded by max_bytes */
            if (n > max_bytes) break;
            size_t ncap = cap > SIZE_MAX / 4 ? SIZE_MAX / 2 : cap * 2;
            if (ncap > max_bytes && max_bytes < SIZE_MAX) ncap = max_bytes + 1;
            if (ncap <= cap) break;
            unsigned char *nb = realloc(b, ncap + 1);
            if (!nb) {
                free(b);
                close(fd);
                return eo_error_at(err, EO_ERR_NOMEM, path, 0, 0, -1, "out of memory");
            }
            b = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(b);
            close(fd);
            return io_fail(err, path, "read", e);
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max_bytes) {
        free(b);
        return eo_error_at(err, EO_ERR_RANGE, path, 0, 0, -1, "file is larger than the limit of %zu bytes",
                           max_bytes);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return EO_OK;
}

int eo_io_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

int eo_io_remove(const char *path, eo_error *err)
{
    if (unlink(path) != 0 && errno != ENOENT) return io_fail(err, path, "remove", errno);
    return EO_OK;
}
