/* fuzz_diagnose.c - the diagnose report (report_diagnose.c) and fb_redact_text on hostile
 * trace strings. Input: fields separated by '\n' - message, mailbox, URL, WWW-Authenticate,
 * exception type, warning - the rest of the bytes as they come (invalid UTF-8, control
 * bytes, NULs cut the field). Oracles: the JSON output parses and is one object; the text
 * output without colour holds no ESC byte whatever the input; with redaction off
 * fb_redact_text returns its input byte for byte; nothing reads out of bounds (ASan). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/redact.h"
#include "fbdiag/report.h"
#include "fbdiag/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next '\n'-separated field as an arena C string (NULL when the input is used up). */
static const char *field(struct fb_arena *a, const char **p, const char *end)
{
    if (*p >= end)
        return NULL;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *e = nl ? nl : end;
    const char *s = fb_arena_cstr(a, *p, (size_t)(e - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

static char *render(const struct fb_trace *t, enum fb_out_format fmt, int redact)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    struct fb_diagnose_view v = {t, NULL, fb_report_verdict(t, NULL), "0.1.0", NULL, NULL};
    struct fb_report_opts o = {.format = fmt, .redact = redact};
    if (fb_report_diagnose(m, &v, &o) != 0)
        abort();
    fclose(m);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fb_xmalloc(size ? size : 1);
    memcpy(copy, data, size);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str all = fb_str_make(copy, size);
    struct fb_str r = fb_redact_text(&a, all, 0);
    if (r.len != size || memcmp(r.ptr, copy, size) != 0 || r.ptr[r.len] != '\0')
        abort();
    (void)fb_redact_text(&a, all, 1);

    struct fb_trace *t = fb_xmalloc(sizeof *t);
    fb_trace_init(t);
    const char *p = copy, *end = copy + size;
    const char *msg = field(&t->arena, &p, end), *mbx = field(&t->arena, &p, end);
    const char *url = field(&t->arena, &p, end), *www = field(&t->arena, &p, end);
    const char *type = field(&t->arena, &p, end), *warn = field(&t->arena, &p, end);
    struct fb_input_info *in = fb_trace_add_input(t, mbx ? mbx : "-");
    in->format = "saz";
    in->n_exchanges = size;
    if (warn)
        fb_trace_warn(t, url, msg, "%s", warn);
    struct fb_call *c = fb_arena_calloc(&t->arena, 1, sizeof *c);
    c->kind = FB_CALL_EWS_GUA;
    c->source = msg;
    c->url = url;
    c->requester = mbx;
    c->elapsed_us = size ? (int64_t)copy[0] * 1000 : -1;
    c->started_us = size > 1 ? (int64_t)((uint64_t)(unsigned char)copy[1] << 48) : 0;
    c->http.www_authenticate = www;
    c->http.user_agent = msg;
    c->http.status = size > 2 ? (unsigned char)copy[2] : 0;
    c->n_attendees = 2;
    c->attendees = fb_arena_calloc(&t->arena, 2, sizeof *c->attendees);
    c->attendees[0].mailbox = mbx;
    c->attendees[1].mailbox = url;
    c->attendees[1].result = FB_RES_OK;
    struct fb_finding *f = fb_arena_calloc(&t->arena, 1, sizeof *f);
    c->attendees[0].result = FB_RES_ERROR;
    c->attendees[0].finding = f;
    f->response_code = type;
    f->message_text = msg;
    f->fault_string = www;
    f->response_source = url;
    if (msg)
        fb_finding_parse_text(f, &t->arena);
    if (type && f->chain.n_links)
        f->chain.links[0].type = type;
    fb_trace_add_call(t, c);
    fb_facts_compute(t);

    for (int redact = 0; redact <= 1; redact++) {
        char *out = render(t, FB_OUT_JSON, redact);
        json_t *j = json_loads(out, JSON_ALLOW_NUL, NULL);
        if (!json_is_object(j))
            abort();
        json_decref(j);
        free(out);
        out = render(t, FB_OUT_TEXT, redact);
        if (strchr(out, '\033'))
            abort();
        free(out);
    }
    fb_trace_cleanup(t);
    free(t);
    fb_arena_cleanup(&a);
    free(copy);
    return 0;
}
