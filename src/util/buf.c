/* buf.c - growable byte buffer with a hard cap (see buf.h). */
#include "fbdiag/buf.h"

#include <stdlib.h>
#include <string.h>

void fb_buf_init(struct fb_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void fb_buf_cleanup(struct fb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void fb_buf_reset(struct fb_buf *b)
{
    b->len = 0;
}

uint8_t *fb_buf_reserve(struct fb_buf *b, size_t n)
{
    if (n > b->max - b->len)
        return NULL;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
        if (cap > b->max)
            cap = b->max;
        b->data = fb_xrealloc(b->data, cap);
        b->cap = cap;
    }
    return b->data + b->len;
}

void fb_buf_commit(struct fb_buf *b, size_t n)
{
    b->len += n;
}

int fb_buf_append(struct fb_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return FB_OK;
    uint8_t *dst = fb_buf_reserve(b, n);
    if (!dst)
        return FB_ERR_LIMIT;
    memcpy(dst, p, n);
    b->len += n;
    return FB_OK;
}

int fb_buf_append_str(struct fb_buf *b, const char *s)
{
    return fb_buf_append(b, s, strlen(s));
}

uint8_t *fb_buf_detach(struct fb_buf *b, size_t *len)
{
    uint8_t *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
