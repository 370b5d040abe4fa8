/* buf.h - a growable byte buffer with a hard cap per instance (curl's dynbuf).
 *
 * Every buffer has a max, so a hostile Content-Length or a decompression bomb cannot
 * exhaust memory: an append that would pass max fails with FB_ERR_LIMIT and leaves the
 * buffer as it was. The buffer owns data (heap); fb_buf_cleanup() frees it.
 * fb_buf_detach() hands ownership of data to the caller.
 */
#ifndef FB_BUF_H
#define FB_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_buf {
    uint8_t *data;
    size_t len, cap, max;
};

void fb_buf_init(struct fb_buf *b, size_t max); /* never fails; no allocation yet */
void fb_buf_cleanup(struct fb_buf *b);          /* frees data; the buffer is empty after */
void fb_buf_reset(struct fb_buf *b);            /* len = 0, keeps the allocation */
/* Returns 0, or FB_ERR_LIMIT (buffer unchanged) when len + n would exceed max. */
FB_NODISCARD int fb_buf_append(struct fb_buf *b, const void *p, size_t n);
FB_NODISCARD int fb_buf_append_str(struct fb_buf *b, const char *s);
/* Makes room for n more bytes and returns a pointer to them (caller then calls
 * fb_buf_commit with what it wrote); NULL when max would be passed. */
uint8_t *fb_buf_reserve(struct fb_buf *b, size_t n);
void fb_buf_commit(struct fb_buf *b, size_t n);
/* Returns data (owned by the caller now, may be NULL when empty) and resets b. */
uint8_t *fb_buf_detach(struct fb_buf *b, size_t *len);

#endif /* FB_BUF_H */
