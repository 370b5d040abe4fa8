/* trace.c - the state kept across exchanges: inputs, capped warnings, capture advice
 * (see trace.h). */
#include "fbdiag/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *id, *text;
} advice_table[FB_ADV_COUNT] = {
    [FB_ADV_UNDECRYPTED_HTTPS] = {"https-not-decrypted",
                                  "HTTPS was not decrypted: the trace shows only CONNECT tunnels. "
                                  "Enable HTTPS decryption in Fiddler (Tools > Options > HTTPS) "
                                  "and capture again."},
    [FB_ADV_SANITIZED] = {"sanitized-export",
                          "No Authorization or Cookie header appears anywhere: the export was "
                          "probably sanitized, so authentication is absent from the trace, not "
                          "proven unsent."},
    [FB_ADV_NO_BODIES] = {"no-bodies",
                          "Responses carry no bodies: export the HAR with content (\"Save all as "
                          "HAR with content\") so errors inside bodies can be read."},
    [FB_ADV_HTTP3] = {"http3",
                      "Some requests used HTTP/3 (QUIC); a packet capture cannot show them. "
                      "A HAR or Fiddler trace, or a browser with QUIC disabled, can."},
    [FB_ADV_PROXY_GENERATED] = {"proxy-generated",
                                "Some responses were made by the capturing proxy itself "
                                "(Fiddler), not by a server: they are capture artifacts."},
    [FB_ADV_ABANDONED] = {"client-abandoned",
                          "Some requests got no response: the client gave up or the capture "
                          "stopped first."},
    [FB_ADV_TRUNCATED_BODIES] = {"truncated-bodies",
                                 "Some bodies are shorter than their headers promise: the tool "
                                 "that wrote the trace dropped or cut them."},
    [FB_ADV_TLS_NO_KEYS] = {"tls-not-decrypted",
                            "TLS connections in the capture could not be decrypted: this "
                            "release reads no key logs. Take the trace with Fiddler (HTTPS "
                            "decryption on) or export a HAR from the browser instead."},
};

const char *fb_advice_id(enum fb_advice_kind k)
{
    return (unsigned)k < FB_ADV_COUNT ? advice_table[k].id : "unknown";
}

const char *fb_advice_text(enum fb_advice_kind k)
{
    return (unsigned)k < FB_ADV_COUNT ? advice_table[k].text : "";
}

void fb_trace_init(struct fb_trace *t)
{
    memset(t, 0, sizeof *t);
    fb_arena_init(&t->arena);
}

void fb_trace_cleanup(struct fb_trace *t)
{
    fb_arena_cleanup(&t->arena);
    memset(t, 0, sizeof *t);
}

static const char *keep(struct fb_trace *t, const char *s)
{
    return s ? fb_arena_cstr(&t->arena, s, strlen(s)) : NULL;
}

void fb_trace_warn(struct fb_trace *t, const char *input, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fb_trace_vwarn(t, input, source, fmt, ap);
    va_end(ap);
}

void fb_trace_vwarn(struct fb_trace *t, const char *input, const char *source, const char *fmt,
                    va_list ap)
{
    if (t->n_warnings >= FB_TRACE_MAX_WARNINGS) {
        t->n_warnings_dropped++;
        return;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct fb_warning *w = &t->warnings[t->n_warnings++];
    w->input = keep(t, input);
    w->source = keep(t, source);
    w->msg = keep(t, msg);
}

void fb_trace_advise(struct fb_trace *t, enum fb_advice_kind k, const char *input,
                     const char *source)
{
    if ((unsigned)k >= FB_ADV_COUNT)
        return;
    struct fb_advice *a = &t->advice[k];
    if (a->count++ == 0) {
        a->first_source = keep(t, source);
        a->input = keep(t, input);
    }
}

struct fb_input_info *fb_trace_add_input(struct fb_trace *t, const char *path)
{
    if (t->n_inputs >= FB_TRACE_MAX_INPUTS)
        return NULL;
    struct fb_input_info *in = &t->inputs[t->n_inputs++];
    memset(in, 0, sizeof *in);
    in->path = keep(t, path);
    in->format = "unknown";
    return in;
}

void fb_trace_add_call(struct fb_trace *t, struct fb_call *call)
{
    if (t->n_calls >= FB_TRACE_MAX_CALLS) {
        if (t->n_calls_dropped++ == 0)
            fb_trace_warn(t, NULL, NULL,
                          "more than %d availability-related calls: the rest are "
                          "not analysed",
                          FB_TRACE_MAX_CALLS);
        return;
    }
    if (t->n_calls == t->cap_calls) {
        size_t cap = t->cap_calls ? t->cap_calls * 2 : 64;
        t->calls = fb_arena_realloc(&t->arena, t->calls, t->cap_calls * sizeof *t->calls,
                                    cap * sizeof *t->calls);
        t->cap_calls = cap;
    }
    t->calls[t->n_calls++] = call;
}
