/* arena.c - bump allocation in chunks; one call frees everything (see arena.h).
 * Large requests get a chunk of their own; adopted heap blocks are kept in a list. */
#include "fbdiag/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 16384u
#define ALIGN alignof(max_align_t)

struct fb_arena_chunk {
    struct fb_arena_chunk *next;
    size_t used, cap;
    int adopted; /* data points to an adopted block, not to mem */
    void *block;
    alignas(max_align_t) unsigned char mem[];
};

void fb_arena_init(struct fb_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void fb_arena_cleanup(struct fb_arena *a)
{
    struct fb_arena_chunk *c = a->head;
    while (c) {
        struct fb_arena_chunk *next = c->next;
        if (c->adopted)
            free(c->block);
        free(c);
        c = next;
    }
    fb_arena_init(a);
}

struct fb_arena *fb_arena_new(void)
{
    struct fb_arena *a = fb_xmalloc(sizeof *a);
    fb_arena_init(a);
    return a;
}

void fb_arena_free(struct fb_arena *a)
{
    if (!a)
        return;
    fb_arena_cleanup(a);
    free(a);
}

static struct fb_arena_chunk *new_chunk(struct fb_arena *a, size_t cap)
{
    struct fb_arena_chunk *c = fb_xmalloc(sizeof *c + cap);
    c->used = 0;
    c->cap = cap;
    c->adopted = 0;
    c->block = NULL;
    c->next = a->head;
    a->head = c;
    return c;
}

void *fb_arena_alloc(struct fb_arena *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (need < n)
        abort(); /* size_t overflow: a caller bug, never input-driven (inputs are capped) */
    struct fb_arena_chunk *c = a->head;
    if (!c || c->adopted || c->cap - c->used < need) {
        if (need > CHUNK_SIZE / 4) {
            /* big: own chunk, placed behind the current one so the current keeps filling */
            struct fb_arena_chunk *big = fb_xmalloc(sizeof *big + need);
            big->used = need;
            big->cap = need;
            big->adopted = 0;
            big->block = NULL;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            a->used_total += need;
            return big->mem;
        }
        c = new_chunk(a, CHUNK_SIZE);
    }
    void *p = c->mem + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

void *fb_arena_calloc(struct fb_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        abort();
    void *p = fb_arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

void *fb_arena_realloc(struct fb_arena *a, void *p, size_t old_n, size_t new_n)
{
    if (!p)
        return fb_arena_alloc(a, new_n);
    if (new_n <= old_n)
        return p;
    struct fb_arena_chunk *c = a->head;
    size_t old_need = (old_n + ALIGN - 1) & ~(ALIGN - 1);
    size_t new_need = (new_n + ALIGN - 1) & ~(ALIGN - 1);
    if (c && !c->adopted && (unsigned char *)p + old_need == c->mem + c->used &&
        c->used - old_need + new_need <= c->cap) {
        c->used = c->used - old_need + new_need;
        a->used_total += new_need - old_need;
        return p;
    }
    void *q = fb_arena_alloc(a, new_n);
    memcpy(q, p, old_n);
    return q;
}

char *fb_arena_cstr(struct fb_arena *a, const char *s, size_t n)
{
    char *p = fb_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

struct fb_str fb_arena_strndup(struct fb_arena *a, const char *s, size_t n)
{
    struct fb_str r = {fb_arena_cstr(a, s, n), n};
    return r;
}

char *fb_arena_printf(struct fb_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = fb_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void fb_arena_adopt(struct fb_arena *a, void *p)
{
    if (!p)
        return;
    struct fb_arena_chunk *c = fb_xmalloc(sizeof *c);
    c->used = c->cap = 0;
    c->adopted = 1;
    c->block = p;
    /* keep the current bump chunk at the head */
    if (a->head && !a->head->adopted) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
}

char *fb_arena_percent_decode(struct fb_arena *a, struct fb_str s, size_t *n)
{
    char *out = fb_arena_alloc(a, s.len + 1);
    size_t j = 0;
    for (size_t i = 0; i < s.len; i++) {
        int hi, lo;
        if (s.ptr[i] == '%' && i + 2 < s.len && (hi = fb_hex_digit(s.ptr[i + 1])) >= 0 &&
            (lo = fb_hex_digit(s.ptr[i + 2])) >= 0) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s.ptr[i];
        }
    }
    out[j] = '\0';
    if (n)
        *n = j;
    return out;
}
