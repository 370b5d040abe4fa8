/* report_common.c - helpers the renderers share (report_common.h): UTF-8 repair for
 * jansson (which refuses invalid UTF-8), control-byte escaping for text lines, ISO 8601
 * UTC times with milliseconds, and JSON string shorthands. Nothing here redacts: callers
 * pass values through redact.h first.
 */
#include "report_common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fbdiag/arena.h"

struct fb_str fb_report_utf8(struct fb_arena *a, struct fb_str s)
{
    s = fb_report_or_empty(s);
    char *o = fb_arena_alloc(a, s.len * 3 + 1);
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        unsigned c = p[i];
        size_t need = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80)
            need = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else
            goto bad;
        if (need && i + need >= s.len)
            goto bad; /* cut short */
        for (size_t k = 1; k <= need; k++) {
            unsigned b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                goto bad;
        }
        memcpy(o + n, p + i, need + 1);
        n += need + 1;
        i += need + 1;
        continue;
    bad:
        memcpy(o + n, "\xEF\xBF\xBD", 3);
        n += 3;
        i++;
    }
    o[n] = '\0';
    return fb_str_make(o, n);
}

const char *fb_report_text_safe(struct fb_arena *a, struct fb_str s)
{
    s = fb_report_or_empty(s);
    char *o = fb_arena_alloc(a, s.len * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(o + n, 5, "\\x%02x", c);
            n += 4;
        } else {
            o[n++] = (char)c;
        }
    }
    o[n] = '\0';
    return o;
}

int fb_report_iso_time(int64_t us, char *buf, size_t size)
{
    if (us == 0)
        return 0;
    int64_t secs = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        secs--;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return 0;
    size_t k = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (k == 0)
        return 0;
    snprintf(buf + k, size - k, ".%03dZ", (int)(rem / 1000));
    return 1;
}

json_t *fb_report_jstr(struct fb_arena *a, struct fb_str s)
{
    struct fb_str v = fb_report_utf8(a, s);
    return json_stringn(v.ptr, v.len);
}

json_t *fb_report_jstr_or_null(struct fb_arena *a, struct fb_str s)
{
    return s.ptr && s.len ? fb_report_jstr(a, s) : json_null();
}

json_t *fb_report_jcstr(struct fb_arena *a, const char *s)
{
    return s ? fb_report_jstr(a, fb_str_cstr(s)) : json_null();
}
