/* report_common.h - private helpers shared by the renderers of src/report (not a public
 * contract): trace strings made safe for JSON (valid UTF-8) and for a text line (no
 * control bytes), ISO 8601 times, and jansson shorthands.
 *
 * Ownership: every returned string is allocated in the arena given; JSON values are new
 * references (callers hand them to *_set_new / *_append_new, which steal them).
 */
#ifndef FB_REPORT_COMMON_H
#define FB_REPORT_COMMON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_arena;

/* jansson dump flags of every JSON output: compact, keys in insertion order, reals with
 * enough digits to round-trip what was computed. */
#define FB_REPORT_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* s, or the empty slice when s.ptr is NULL. */
static inline struct fb_str fb_report_or_empty(struct fb_str s)
{
    return s.ptr ? s : fb_str_make("", 0);
}

/* Copy of s with every invalid UTF-8 sequence replaced by U+FFFD (RFC 3629 table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF). NUL-terminated (the NUL is not
 * counted in len). */
struct fb_str fb_report_utf8(struct fb_arena *a, struct fb_str s);

/* NUL-terminated copy of s for a text line: control bytes and DEL become \xNN so a
 * hostile trace cannot break the line or drive the terminal. */
const char *fb_report_text_safe(struct fb_arena *a, struct fb_str s);

/* ISO 8601 UTC with milliseconds ("2024-05-01T09:30:12.345Z") of a time in microseconds
 * since the epoch, into buf (>= 32 bytes). Returns 1, or 0 when us is 0 (unknown) or out
 * of range (buf is then unspecified). */
int fb_report_iso_time(int64_t us, char *buf, size_t size);

/* A JSON string of s made valid UTF-8. */
json_t *fb_report_jstr(struct fb_arena *a, struct fb_str s);
/* As fb_report_jstr, but JSON null when s is absent or empty. */
json_t *fb_report_jstr_or_null(struct fb_arena *a, struct fb_str s);
/* A JSON string of the C string s, or null when s is NULL (an empty string stays ""). */
json_t *fb_report_jcstr(struct fb_arena *a, const char *s);

#endif /* FB_REPORT_COMMON_H */
