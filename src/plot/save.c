/* Saving a figure: format from the extension, atomic write (temporary file in
 * the same directory, fsync, rename), and the no-cairo message. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot/internal.h"

#define NO_CAIRO_MSG                                                                                              \
    "plotting is not available: edgeopt was built without cairo; install it with `apt-get install "            \
    "libcairo2-dev` and rebuild (cmake -DEO_WITH_PLOT=ON)"

/* "cannot write: <strerror> (hint)", as the io module's atomic writer says it. */
static int write_fail(eo_error *err, const char *path, int e)
{
    const char *h = e == ENOSPC ? " (disk full)" : e == EFBIG ? " (file-size limit reached)"
                  : e == EROFS ? " (read-only file system)"
                  : e == EACCES || e == EPERM ? " (permission denied: is the directory writable?)" : "";
    return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot write: %s%s", strerror(e), h);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int ext_is(const char *e, const char *want)
{
    for (; *e && *want; e++, want++)
        if (lower((unsigned char)*e) != *want) return 0;
    return *e == '\0' && *want == '\0';
}

int eo_plot_format_from_path(const char *path)
{
    if (!path) return -1;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) return -1;
    if (ext_is(dot + 1, "png")) return EO_PLOT_PNG;
    if (ext_is(dot + 1, "svg")) return EO_PLOT_SVG;
    return -1;
}

int eo_plot_check_path(const char *path, eo_error *err)
{
    if (!path || !*path) return eo_error_set(err, EO_ERR_INVALID, "no plot file name given");
    if (eo_plot_format_from_path(path) < 0)
        return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1,
                           "cannot tell the plot format: the file name must end in .png or .svg");
    if (!eo_plot_available()) return eo_error_at(err, EO_ERR_UNSUPPORTED, path, 0, 0, -1, NO_CAIRO_MSG);
    return EO_OK;
}

#ifdef EO_HAVE_PLOT
/* Directory part of path ("." when none) into dir. */
static int dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    if (slash && n == 0) n = 1; /* "/file" -> "/" */
    if (n + 1 > cap) return 0;
    if (slash) memcpy(dir, path, n);
    else dir[0] = '.';
    dir[n] = '\0';
    return 1;
}
#endif

int eo_figure_save(eo_figure *f, const char *path, eo_error *err)
{
    if (!f) return eo_error_set(err, EO_ERR_INVALID, "figure is NULL");
    int rc = eo_plot_check_path(path, err);
    if (rc) return rc;
#ifndef EO_HAVE_PLOT
    return EO_ERR_UNSUPPORTED;
#else
    int fmt = eo_plot_format_from_path(path);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 64);
    char dir[4096];
    if (!tmp) return eo_error_set(err, EO_ERR_NOMEM, "out of memory");
    if (!dir_of(path, dir, sizeof dir)) {
        free(tmp);
        return eo_error_at(err, EO_ERR_INVALID, path, 0, 0, -1, "path is too long");
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int fd = -1;
    for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, plen + 64, "%.*s.%s.tmp-%ld-%u", (int)(base - path), path, base, (long)getpid(), attempt);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        rc = write_fail(err, path, errno);
        free(tmp);
        return rc;
    }
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "fdopen: %s", strerror(errno));
    }
    errno = 0;
    rc = fmt == EO_PLOT_PNG ? eo__render_png(f, fp, err) : eo__render_svg(f, fp, err);
    /* A failed stream write (disk full, file-size limit) surfaces as a cairo
     * write error or at the flush: report the system's reason and the path. */
    if (rc != EO_OK && ferror(fp) && errno != 0) rc = write_fail(err, path, errno);
    if (rc == EO_OK && (fflush(fp) != 0 || fsync(fileno(fp)) != 0)) rc = write_fail(err, path, errno);
    if (fclose(fp) != 0 && rc == EO_OK) rc = write_fail(err, path, errno);
    if (rc == EO_OK && rename(tmp, path) != 0)
        rc = eo_error_at(err, EO_ERR_IO, path, 0, 0, -1, "cannot rename the temporary file into place: %s",
                         strerror(errno));
    if (rc != EO_OK) {
        unlink(tmp);
    } else {
        /* Make the rename itself durable. */
        int dfd = open(dir, O_RDONLY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    free(tmp);
    return rc;
#endif
}
