/* util.c - the error strings, slice helpers, diagnostics and aborting allocators of
 * util.h. No global mutable state. */
#include "fbdiag/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fb_strerror(int err)
{
    switch (err) {
    case FB_OK: return "success";
    case FB_ERR_IO: return "input/output error";
    case FB_ERR_FORMAT: return "malformed or unrecognised data";
    case FB_ERR_UNSUPPORTED: return "not supported by this release";
    case FB_ERR_NEED_MORE: return "input ends before the item does";
    case FB_ERR_LIMIT: return "a size limit was reached";
    case FB_ERR_PASSWORD: return "a password is needed";
    case FB_ERR_BAD_PASSWORD: return "wrong password";
    default: return "unknown error";
    }
}

struct fb_str fb_str_cstr(const char *s)
{
    struct fb_str r = {s ? s : "", s ? strlen(s) : 0};
    return r;
}

int fb_str_eq(struct fb_str a, struct fb_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int fb_str_ieq(struct fb_str a, struct fb_str b)
{
    if (a.len != b.len)
        return 0;
    for (size_t i = 0; i < a.len; i++)
        if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i]))
            return 0;
    return 1;
}

int fb_str_ieq_cstr(struct fb_str a, const char *b)
{
    return fb_str_ieq(a, fb_str_cstr(b));
}

int fb_str_istarts(struct fb_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && fb_str_ieq(fb_str_make(s.ptr, n), fb_str_make(prefix, n));
}

const char *fb_str_ifind(struct fb_str hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return hay.ptr;
    for (size_t i = 0; i + n <= hay.len; i++)
        if (fb_str_ieq(fb_str_make(hay.ptr + i, n), fb_str_make(needle, n)))
            return hay.ptr + i;
    return NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct fb_str fb_str_trim(struct fb_str s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

int fb_str_to_u64(struct fb_str s, uint64_t *out)
{
    s = fb_str_trim(s);
    if (s.len == 0)
        return FB_ERR_FORMAT;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned)(unsigned char)s.ptr[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return FB_ERR_FORMAT;
        v = v * 10 + d;
    }
    *out = v;
    return FB_OK;
}

int64_t fb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int fb_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void fb_diag_clear(struct fb_diag *d)
{
    if (d) {
        d->where[0] = '\0';
        d->msg[0] = '\0';
    }
}

int fb_diag_set(struct fb_diag *d, int err, const char *where, const char *fmt, ...)
{
    if (!d)
        return err;
    snprintf(d->where, sizeof d->where, "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return err;
}

static void oom(size_t n)
{
    fprintf(stderr, "fbdiag: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *fb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *fb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *fb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *fb_xstrndup(const char *s, size_t n)
{
    char *p = fb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *fb_xstrdup(const char *s)
{
    return fb_xstrndup(s, strlen(s));
}

int fb_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return FB_ERR_IO;
    size_t cap = 65536, len = 0;
    uint8_t *buf = fb_xmalloc(cap);
    int rc = FB_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                rc = FB_ERR_LIMIT;
                break;
            }
            cap = cap * 2 > max ? max : cap * 2;
            buf = fb_xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                rc = FB_ERR_IO;
            break;
        }
    }
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (rc) {
        free(buf);
        errno = saved;
        return rc;
    }
    *out = buf;
    *out_len = len;
    return FB_OK;
}
