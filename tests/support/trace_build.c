/* trace_build.c - hand-built calls in a trace (see trace_build.h). */
#include "trace_build.h"

#include "fbdiag/arena.h"
#include "fbdiag/trace.h"

struct fb_call *fbt_call_add(struct fb_trace *t, enum fb_call_kind kind, const char *url,
                             const char *host, int status, size_t n_att)
{
    struct fb_call *c = fb_arena_calloc(&t->arena, 1, sizeof *c);
    c->kind = kind;
    c->url = url;
    c->http.host = host;
    c->http.status = status;
    c->source = fb_arena_printf(&t->arena, "saz:%zu", t->n_calls + 1);
    c->exchange = (uint32_t)t->n_calls;
    c->elapsed_us = -1;
    c->n_attendees = n_att;
    c->attendees = fb_arena_calloc(&t->arena, n_att ? n_att : 1, sizeof *c->attendees);
    fb_trace_add_call(t, c);
    return c;
}

struct fb_finding *fbt_attendee_error(struct fb_trace *t, struct fb_attendee *a, const char *code)
{
    struct fb_finding *f = fb_arena_calloc(&t->arena, 1, sizeof *f);
    f->response_class = "Error";
    f->response_code = code;
    a->result = FB_RES_ERROR;
    a->finding = f;
    return f;
}
