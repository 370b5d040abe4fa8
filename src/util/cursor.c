/* cursor.c - bounds-checked big- and little-endian reads (see cursor.h). */
#include "fbdiag/cursor.h"

int fb_cur_skip(struct fb_cursor *c, size_t n)
{
    if (fb_cur_left(c) < n)
        return 0;
    c->p += n;
    return 1;
}

int fb_cur_take(struct fb_cursor *c, size_t n, const uint8_t **out)
{
    if (fb_cur_left(c) < n)
        return 0;
    *out = c->p;
    c->p += n;
    return 1;
}

static int read_be(struct fb_cursor *c, size_t n, uint64_t *v)
{
    if (fb_cur_left(c) < n)
        return 0;
    uint64_t r = 0;
    for (size_t i = 0; i < n; i++)
        r = (r << 8) | c->p[i];
    c->p += n;
    *v = r;
    return 1;
}

static int read_le(struct fb_cursor *c, size_t n, uint64_t *v)
{
    if (fb_cur_left(c) < n)
        return 0;
    uint64_t r = 0;
    for (size_t i = n; i > 0; i--)
        r = (r << 8) | c->p[i - 1];
    c->p += n;
    *v = r;
    return 1;
}

int fb_cur_u8(struct fb_cursor *c, uint8_t *v)
{
    uint64_t r;
    if (!read_be(c, 1, &r))
        return 0;
    *v = (uint8_t)r;
    return 1;
}

int fb_cur_u16be(struct fb_cursor *c, uint16_t *v)
{
    uint64_t r;
    if (!read_be(c, 2, &r))
        return 0;
    *v = (uint16_t)r;
    return 1;
}

int fb_cur_u24be(struct fb_cursor *c, uint32_t *v)
{
    uint64_t r;
    if (!read_be(c, 3, &r))
        return 0;
    *v = (uint32_t)r;
    return 1;
}

int fb_cur_u32be(struct fb_cursor *c, uint32_t *v)
{
    uint64_t r;
    if (!read_be(c, 4, &r))
        return 0;
    *v = (uint32_t)r;
    return 1;
}

int fb_cur_u16le(struct fb_cursor *c, uint16_t *v)
{
    uint64_t r;
    if (!read_le(c, 2, &r))
        return 0;
    *v = (uint16_t)r;
    return 1;
}

int fb_cur_u32le(struct fb_cursor *c, uint32_t *v)
{
    uint64_t r;
    if (!read_le(c, 4, &r))
        return 0;
    *v = (uint32_t)r;
    return 1;
}

int fb_cur_u64le(struct fb_cursor *c, uint64_t *v)
{
    return read_le(c, 8, v);
}
