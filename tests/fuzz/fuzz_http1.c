/* fuzz_http1.c - libFuzzer target for http1.c (RFC 9112): the input is parsed as a run
 * of pipelined requests, as pipelined response sequences (interim 1xx + final) with and
 * without at_eof, and as a bare head; contract invariants abort on violation (consumed
 * never past the input, caps honoured, a shorter prefix of a complete message without
 * at_eof is NEED_MORE). One arena per input, freed at the end. */
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned touch(const struct fb_msg *m)
{
    /* read every byte the message points at, so ASan checks the slices */
    unsigned h = 0;
    for (size_t i = 0; i < m->n_headers; i++) {
        for (size_t k = 0; k < m->headers[i].name.len; k++)
            h += (unsigned char)m->headers[i].name.ptr[k];
        for (size_t k = 0; k < m->headers[i].value.len; k++)
            h += (unsigned char)m->headers[i].value.ptr[k];
    }
    for (size_t k = 0; k < m->body.len; k++)
        h += (unsigned char)m->body.ptr[k];
    for (size_t k = 0; k < m->target.len; k++)
        h += (unsigned char)m->target.ptr[k];
    return h;
}

static void check(const struct fb_msg *m, const struct fb_http1_opts *o)
{
    if (m->n_headers > o->limits.max_headers)
        abort();
    if (!(m->flags & (FB_MSG_DECODED | FB_MSG_DECODE_LIMIT)) && m->body.len > o->limits.max_body)
        abort();
    if ((m->flags & (FB_MSG_DECODED | FB_MSG_DECODE_LIMIT)) && m->body.len > o->limits.max_decoded)
        abort();
}

static void run(const uint8_t *data, size_t size, enum fb_http1_kind kind, int at_eof,
                struct fb_arena *a)
{
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.limits.max_headers = 32;
    o.limits.max_body = 1u << 20;
    o.limits.max_decoded = 1u << 20;
    o.at_eof = at_eof;
    o.decode = 1;
    o.req_method = (size & 1) ? FB_STR_LIT("HEAD") : FB_STR_LIT("GET");
    volatile unsigned sink = 0;
    size_t off = 0;
    for (int round = 0; round < 64 && off < size; round++) {
        struct fb_msg m, *interim = NULL;
        size_t n_interim = 0;
        int rc =
            kind == FB_HTTP1_REQUEST
                ? fb_http1_parse_message(data + off, size - off, kind, &o, &m, a)
                : fb_http1_parse_responses(data + off, size - off, &o, &m, &interim, &n_interim, a);
        if (rc <= 0)
            break;
        if ((size_t)rc > size - off)
            abort();
        check(&m, &o);
        sink += touch(&m);
        for (size_t i = 0; i < n_interim; i++) {
            check(&interim[i], &o);
            sink += touch(&interim[i]);
        }
        if (!at_eof && kind == FB_HTTP1_REQUEST && !(m.flags & FB_MSG_TRUNCATED)) {
            /* a complete message cut by one byte is incomplete, never an error
             * (TRUNCATED without at_eof means the chunk framing was lost: excluded) */
            struct fb_msg p;
            if (fb_http1_parse_message(data + off, (size_t)rc - 1, kind, &o, &p, a) !=
                FB_ERR_NEED_MORE)
                abort();
        }
        off += (size_t)rc;
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_arena a;
    fb_arena_init(&a);
    run(data, size, FB_HTTP1_REQUEST, 0, &a);
    run(data, size, FB_HTTP1_REQUEST, 1, &a);
    run(data, size, FB_HTTP1_RESPONSE, 0, &a);
    run(data, size, FB_HTTP1_RESPONSE, 1, &a);
    struct fb_http1_head h;
    struct fb_header hd[4];
    int rc = fb_http1_parse_head(data, size, FB_HTTP1_RESPONSE, 4096, &h, hd, 4);
    if (rc > 0 && ((size_t)rc > size || (size_t)rc > 4096 || h.n_headers > 4))
        abort();
    fb_arena_cleanup(&a);
    return 0;
}
