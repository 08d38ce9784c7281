/* Training history as CSV or JSON, written atomically. Numbers use %.9g
 * (enough for doubles that came from float arithmetic to be read back), and no
 * locale is involved: the C locale is never changed by the library. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgeopt/io.h"
#include "edgeopt/train.h"

static void put_num(eo_io_writer *w, double v, const char *nan_text)
{
    char b[40];
    if (!isfinite(v)) {
        eo_io_put_bytes(w, nan_text, strlen(nan_text));
        return;
    }
    int n = snprintf(b, sizeof b, "%.9g", v);
    eo_io_put_bytes(w, b, (size_t)n);
}

static void put_txt(eo_io_writer *w, const char *s) { eo_io_put_bytes(w, s, strlen(s)); }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m) return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return 0;
    }
    return 1;
}

int eo_history_write(const char *path, const eo_epoch_record *h, size_t n, eo_error *err)
{
    static const char *const names[] = {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"};
    eo_io_writer w;
    eo_io_writer_init(&w);
    int json = ends_with(path, ".json");
    if (json) put_txt(&w, "{\"history\":[");
    else put_txt(&w, "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n");
    for (size_t i = 0; i < n; i++) {
        const eo_epoch_record *r = &h[i];
        double v[6] = {r->train_loss, r->train_acc, r->val_loss, r->val_acc, r->lr, r->seconds};
        char b[32];
        if (json) {
            snprintf(b, sizeof b, "%s{\"epoch\":%d", i ? ",\n" : "\n", r->epoch);
            put_txt(&w, b);
            for (int j = 0; j < 6; j++) {
                put_txt(&w, ",\"");
                put_txt(&w, names[j]);
                put_txt(&w, "\":");
                put_num(&w, v[j], "null");
            }
            put_txt(&w, "}");
        } else {
            snprintf(b, sizeof b, "%d", r->epoch);
            put_txt(&w, b);
            for (int j = 0; j < 6; j++) {
                put_txt(&w, ",");
                put_num(&w, v[j], "");
            }
            put_txt(&w, "\n");
        }
    }
    if (json) put_txt(&w, "\n]}\n");
    unsigned char *buf;
    size_t len;
    int st = eo_io_writer_finish(&w, &buf, &len);
    if (st) return eo_error_at(err, st, path, 0, 0, -1, "out of memory writing the history");
    eo_io_piece piece = {buf, len};
    st = eo_io_write_atomic(path, &piece, 1, err);
    free(buf);
    return st;
}
