/* cursor.h - a bounds-checked reader over borrowed bytes.
 *
 * Every read returns 1 on success and 0 when the input is too short, in which case the
 * cursor does not move. Slices returned point into the input (borrowed).
 */
#ifndef FB_CURSOR_H
#define FB_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct fb_cursor {
    const uint8_t *p, *end;
};

static inline struct fb_cursor fb_cur_make(const void *data, size_t len)
{
    struct fb_cursor c = {(const uint8_t *)data, (const uint8_t *)data + len};
    return c;
}
static inline size_t fb_cur_left(const struct fb_cursor *c)
{
    return (size_t)(c->end - c->p);
}

int fb_cur_skip(struct fb_cursor *c, size_t n);
int fb_cur_take(struct fb_cursor *c, size_t n, const uint8_t **out);
int fb_cur_u8(struct fb_cursor *c, uint8_t *v);
int fb_cur_u16be(struct fb_cursor *c, uint16_t *v);
int fb_cur_u24be(struct fb_cursor *c, uint32_t *v);
int fb_cur_u32be(struct fb_cursor *c, uint32_t *v);
int fb_cur_u16le(struct fb_cursor *c, uint16_t *v);
int fb_cur_u32le(struct fb_cursor *c, uint32_t *v);
int fb_cur_u64le(struct fb_cursor *c, uint64_t *v);

#endif /* FB_CURSOR_H */
