/* arena.h - a bump allocator freed in one call (tcpdump's nd_malloc/nd_free_all idea).
 *
 * Each exchange owns one arena; the trace owns another. Memory from an arena is never
 * freed piece by piece: fb_arena_cleanup() releases everything at once. Allocation
 * aborts on OOM (fb_xmalloc). Alignment is that of max_align_t.
 */
#ifndef FB_ARENA_H
#define FB_ARENA_H

#include <stddef.h>

#include "fbdiag/util.h"

struct fb_arena_chunk;

struct fb_arena {
    struct fb_arena_chunk *head; /* newest chunk first */
    size_t used_total;           /* bytes handed out, for accounting */
};

void fb_arena_init(struct fb_arena *a);    /* never fails; allocates lazily */
void fb_arena_cleanup(struct fb_arena *a); /* frees all; the arena is reusable after */
struct fb_arena *fb_arena_new(void);       /* owned; release with fb_arena_free */
void fb_arena_free(struct fb_arena *a);    /* NULL is a no-op */

void *fb_arena_alloc(struct fb_arena *a, size_t n); /* uninitialised, aligned */
void *fb_arena_calloc(struct fb_arena *a, size_t n, size_t size);
/* Grows the last allocation p (of old_n bytes) when possible, else copies. */
void *fb_arena_realloc(struct fb_arena *a, void *p, size_t old_n, size_t new_n);
/* Copies n bytes and adds a NUL (not counted in the returned slice's len). */
struct fb_str fb_arena_strndup(struct fb_arena *a, const char *s, size_t n);
char *fb_arena_cstr(struct fb_arena *a, const char *s, size_t n); /* NUL-terminated copy */
char *fb_arena_printf(struct fb_arena *a, const char *fmt, ...) FB_PRINTF(2, 3);
/* Percent-decodes s (RFC 3986 %XX; '+' is kept) into a NUL-terminated arena string; *n
 * (optional) gets its length. A malformed escape is copied as it is. */
char *fb_arena_percent_decode(struct fb_arena *a, struct fb_str s, size_t *n);
/* Makes the arena own p (from fb_xmalloc/malloc): freed by fb_arena_cleanup. p may be
 * NULL (no-op). Lets decoders hand their fb_buf output to an exchange without a copy. */
void fb_arena_adopt(struct fb_arena *a, void *p);

#endif /* FB_ARENA_H */
