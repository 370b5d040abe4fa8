/* util.h - project-wide basics: the error enum, borrowed slices, diagnostics with
 * context, allocation that aborts on OOM, and small string helpers.
 *
 * Ownership: struct fb_str is always borrowed (it never owns its bytes). fb_x*alloc
 * return memory the caller frees with free(). Nothing here keeps global state.
 */
#ifndef FB_UTIL_H
#define FB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define FB_NODISCARD __attribute__((warn_unused_result))
#define FB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 0 is success; failures are negative. Bad data inside a trace is not an error
 * (it becomes a flag and a warning); these codes are for what stops work. */
enum fb_err {
    FB_OK = 0,
    FB_ERR_IO = -1,          /* a file could not be read or written */
    FB_ERR_FORMAT = -2,      /* input is not what it claims / malformed beyond repair */
    FB_ERR_UNSUPPORTED = -3, /* recognised, but this release cannot read it */
    FB_ERR_NEED_MORE = -4,   /* stream parser: input ends before the item does */
    FB_ERR_LIMIT = -5,       /* a configured bound was hit */
    FB_ERR_PASSWORD = -6,    /* encrypted input: password missing */
    FB_ERR_BAD_PASSWORD = -7 /* encrypted input: password wrong (probably) */
};

/* Returns a static English string for an fb_err value (never NULL). */
const char *fb_strerror(int err);

/* A borrowed, length-delimited byte string; never assumed NUL-terminated. */
struct fb_str {
    const char *ptr;
    size_t len;
};

#define FB_STR_LIT(s) ((struct fb_str){(s), sizeof(s) - 1})
#define FB_STR_NULL ((struct fb_str){NULL, 0})
#define FB_STR_FMT(s) (int)(s).len, (s).ptr

static inline struct fb_str fb_str_make(const char *p, size_t n)
{
    struct fb_str s = {p, n};
    return s;
}
struct fb_str fb_str_cstr(const char *s);         /* NULL gives the empty slice */
int fb_str_eq(struct fb_str a, struct fb_str b);  /* bytes equal */
int fb_str_ieq(struct fb_str a, struct fb_str b); /* ASCII case-insensitive */
int fb_str_ieq_cstr(struct fb_str a, const char *b);
int fb_str_istarts(struct fb_str s, const char *prefix);         /* ASCII case-insensitive prefix */
const char *fb_str_ifind(struct fb_str hay, const char *needle); /* NULL when absent */
struct fb_str fb_str_trim(struct fb_str s);                      /* strips SP, HT, CR, LF */
/* Parses a decimal uint64 from the whole slice (after trimming); 0 on success,
 * FB_ERR_FORMAT on anything else, including overflow. */
FB_NODISCARD int fb_str_to_u64(struct fb_str s, uint64_t *out);

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's algorithm;
 * month 1..12, day 1..31, not checked). Used to turn ISO 8601 and .NET times into epochs. */
int64_t fb_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Value of a hexadecimal digit (either case), or -1. */
int fb_hex_digit(int c);

/* Context for a human when an operation fails: which file/line/offset, and why. */
struct fb_diag {
    char where[512];
    char msg[512];
};
void fb_diag_clear(struct fb_diag *d);
/* Fills d (if non-NULL) and returns err, so callers can `return fb_diag_set(...)`. */
int fb_diag_set(struct fb_diag *d, int err, const char *where, const char *fmt, ...)
    FB_PRINTF(4, 5);

/* Allocation: print to stderr and abort() on out-of-memory; never return NULL. */
void *fb_xmalloc(size_t n);
void *fb_xcalloc(size_t n, size_t size);
void *fb_xrealloc(void *p, size_t n);
char *fb_xstrdup(const char *s);
char *fb_xstrndup(const char *s, size_t n);

/* Reads a whole file into a fresh buffer (caller frees *out). Bounded by max bytes:
 * returns FB_ERR_LIMIT beyond it, FB_ERR_IO (errno kept) when it cannot be read. */
FB_NODISCARD int fb_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len);

#endif /* FB_UTIL_H */
