/* jsonq: print values from the one-line JSON objects that `edgeopt ... --json`
 * writes. It is how scripts/demo.sh reads results without Python, and a tiny
 * example of consuming the CLI's JSON from C (cJSON, a build dependency of
 * edgeopt already).
 *
 *   jsonq FILE PATH...       FILE is a file name or '-' for stdin
 *
 * PATH is a dotted path: "accuracy", "results.0.f" (numbers index arrays),
 * "ops.#" (the length of an array or object). One line per PATH: numbers in
 * %.17g (integral values without exponent), strings as they are, true/false,
 * null, objects and arrays as compact JSON. A PATH that does not exist prints
 * an empty line and makes the exit status 1 (the other PATHs still print);
 * unreadable or invalid JSON gives status 2 and one line on stderr. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Follow one dotted path; NULL when absent. *count_out >= 0 when the last
 * component is '#' (the size of the container reached). */
static const cJSON *follow(const cJSON *root, const char *path, long *count_out)
{
    *count_out = -1;
    const cJSON *cur = root;
    char key[256];
    const char *p = path;
    while (cur && *p) {
        size_t k = strcspn(p, ".");
        if (k == 0 || k >= sizeof key) return NULL;
        memcpy(key, p, k);
        key[k] = '\0';
        p += k;
        if (*p == '.') p++;
        if (strcmp(key, "#") == 0 && *p == '\0') {
            if (!cJSON_IsArray(cur) && !cJSON_IsObject(cur)) return NULL;
            *count_out = cJSON_GetArraySize(cur);
            return cur;
        }
        if (cJSON_IsArray(cur)) {
            char *end = NULL;
            errno = 0;
            long i = strtol(key, &end, 10);
            if (errno || *end || i < 0) return NULL;
            cur = cJSON_GetArrayItem(cur, (int)i);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        } else {
            return NULL;
        }
    }
    return cur;
}

static void print_value(const cJSON *v)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            printf("%.0f\n", d);
        else
            printf("%.17g\n", d);
    } else if (cJSON_IsString(v)) {
        printf("%s\n", v->valuestring);
    } else if (cJSON_IsTrue(v)) {
        printf("true\n");
    } else if (cJSON_IsFalse(v)) {
        printf("false\n");
    } else if (cJSON_IsNull(v)) {
        printf("null\n");
    } else {
        char *s = cJSON_PrintUnformatted(v);
        printf("%s\n", s ? s : "");
        free(s);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: jsonq FILE|- PATH...\n");
        return 2;
    }
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "jsonq: cannot open %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    size_t len = 0;
    char *text = read_all(f, &len);
    if (f != stdin) fclose(f);
    if (!text) {
        fprintf(stderr, "jsonq: cannot read %s\n", argv[1]);
        return 2;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) {
        fprintf(stderr, "jsonq: %s is not valid JSON\n", argv[1]);
        return 2;
    }
    int rc = 0;
    for (int i = 2; i < argc; i++) {
        long count;
        const cJSON *v = follow(root, argv[i], &count);
        if (!v) {
            printf("\n");
            rc = 1;
        } else if (count >= 0) {
            printf("%ld\n", count);
        } else {
            print_value(v);
        }
    }
    cJSON_Delete(root);
    return rc;
}
