/* ex_build.c - hand-built exchanges for extractor tests (see ex_build.h). */
#include "ex_build.h"

#include <string.h>

#include "fbdiag/arena.h"

static struct fb_str dup(struct fb_arena *a, const char *s)
{
    return s ? fb_arena_strndup(a, s, strlen(s)) : fb_str_make("", 0);
}

struct fb_exchange *fbt_ex_new(struct fb_arena *a, uint32_t index, const char *method,
                               const char *url)
{
    struct fb_exchange *ex = fb_arena_alloc(a, sizeof *ex);
    fb_exchange_init(ex, a);
    ex->index = index;
    ex->source = fb_str_cstr(fb_arena_printf(a, "saz:%u", index));
    ex->url = dup(a, url);
    ex->req.method = dup(a, method);
    ex->req.version = ex->resp.version = ex->version = FB_HTTP11;
    fbt_ex_status(a, ex, 200, "OK");
    return ex;
}

void fbt_ex_header(struct fb_arena *a, struct fb_msg *m, const char *name, const char *value)
{
    m->headers = fb_arena_realloc(a, m->headers, m->n_headers * sizeof *m->headers,
                                  (m->n_headers + 1) * sizeof *m->headers);
    m->headers[m->n_headers].name = dup(a, name);
    m->headers[m->n_headers].value = dup(a, value);
    m->n_headers++;
}

void fbt_ex_body(struct fb_arena *a, struct fb_msg *m, const char *body)
{
    m->body = dup(a, body);
    m->wire_size = m->decoded_size = m->body.len;
}

void fbt_ex_status(struct fb_arena *a, struct fb_exchange *ex, int status, const char *reason)
{
    ex->resp.status = status;
    ex->resp.reason = dup(a, reason);
}
