/* test_http1.c - the HTTP/1 parser (http1.h): a table of good requests and responses
 * checked field by field, every truncation of each (with and without at_eof), each
 * placed right before a PROT_NONE page, framing rules, limits, pipelining, interim
 * responses, and content decoding through fb_http1_parse_message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../support/compress.h"
#include "fbdiag/arena.h"
#include "fbdiag/http1.h"

#define MIB ((size_t)1 << 20)

enum frame { F_NONE, F_LENGTH, F_CHUNKED, F_EOF };

struct good {
    const char *name;
    enum fb_http1_kind kind;
    const char *req_method; /* responses: the request's method */
    enum frame frame;       /* F_EOF needs at_eof to complete */
    const char *msg;
    const char *method, *target; /* requests */
    int status;                  /* responses */
    const char *reason;
    enum fb_version version;
    const char *hdrs; /* "name=value|" for every stored header, in order */
    const char *body;
    unsigned flags;
};

#define REQ FB_HTTP1_REQUEST
#define RESP FB_HTTP1_RESPONSE

static const struct good goods[] = {
    {"get", REQ, NULL, F_NONE,
     "GET /EWS/Exchange.asmx HTTP/1.1\r\nHost: outlook.office365.com\r\n"
     "User-Agent: Microsoft Office/16.0\r\n\r\n",
     "GET", "/EWS/Exchange.asmx", 0, "", FB_HTTP11,
     "Host=outlook.office365.com|User-Agent=Microsoft Office/16.0|", "", 0},
    {"post_content_length", REQ, NULL, F_LENGTH,
     "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: mail.contoso.com\r\n"
     "Content-Type: text/xml; charset=utf-8\r\nContent-Length: 18\r\n\r\n<soap:Envelope/>\r\n",
     "POST", "/EWS/Exchange.asmx", 0, "", FB_HTTP11,
     "Host=mail.contoso.com|Content-Type=text/xml; charset=utf-8|Content-Length=18|",
     "<soap:Envelope/>\r\n", 0},
    {"post_chunked_ext_trailers", REQ, NULL, F_CHUNKED,
     "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
     "5;name=\"v\"\r\nhello\r\n6 ; a=b\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
     "POST", "/upload", 0, "", FB_HTTP11,
     "Host=h|Transfer-Encoding=chunked|Trailer=X-Sum|X-Sum=42|",
     "hello world", FB_MSG_CHUNKED},
    {"absolute_url", REQ, NULL, F_NONE,
     "GET https://outlook.office365.com/autodiscover/autodiscover.json?Email=a%40b.com "
     "HTTP/1.1\r\nHost: outlook.office365.com\r\n\r\n",
     "GET", "https://outlook.office365.com/autodiscover/autodiscover.json?Email=a%40b.com", 0, "",
     FB_HTTP11, "Host=outlook.office365.com|", "", 0},
    {"connect", REQ, NULL, F_NONE,
     "CONNECT outlook.office365.com:443 HTTP/1.1\r\nHost: outlook.office365.com:443\r\n"
     "Proxy-Connection: keep-alive\r\n\r\n",
     "CONNECT", "outlook.office365.com:443", 0, "", FB_HTTP11,
     "Host=outlook.office365.com:443|Proxy-Connection=keep-alive|", "", 0},
    {"http10_no_headers", REQ, NULL, F_NONE, "GET / HTTP/1.0\r\n\r\n", "GET", "/", 0, "", FB_HTTP10,
     "", "", 0},
    {"bare_lf", REQ, NULL, F_LENGTH, "POST /a HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc", "POST",
     "/a", 0, "", FB_HTTP11, "Host=h|Content-Length=3|", "abc", 0},
    {"obs_fold", REQ, NULL, F_NONE,
     "GET / HTTP/1.1\r\nX-Long: first\r\n  second\r\n\tthird  \r\nHost: h\r\n\r\n", "GET", "/", 0,
     "", FB_HTTP11, "X-Long=first\r\n  second\r\n\tthird|Host=h|", "", 0},
    {"header_without_colon", REQ, NULL, F_NONE,
     "GET / HTTP/1.1\r\nHost: h\r\nThis line has no colon\r\nAccept: */*\r\n\r\n", "GET", "/", 0,
     "", FB_HTTP11, "Host=h|Accept=*/*|", "", FB_MSG_MALFORMED},
    {"http2_start_line", REQ, NULL, F_NONE,
     "GET /owa/service.svc HTTP/2\r\nHost: outlook.office.com\r\n\r\n", "GET", "/owa/service.svc",
     0, "", FB_HTTP2, "Host=outlook.office.com|", "", 0},
    {"leading_empty_line", REQ, NULL, F_NONE, "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/",
     0, "", FB_HTTP11, "Host=h|", "", 0},
    {"te_overrides_cl", REQ, NULL, F_CHUNKED,
     "POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
     "3\r\nabc\r\n0\r\n\r\n",
     "POST", "/", 0, "", FB_HTTP11, "Content-Length=100|Transfer-Encoding=gzip, chunked|", "abc",
     FB_MSG_CHUNKED},
    {"ows_and_empty_value", REQ, NULL, F_NONE,
     "GET / HTTP/1.1\r\nHost:h\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n", "GET", "/", 0, "", FB_HTTP11,
     "Host=h|X-Empty=|X-Pad=v|", "", 0},

    {"resp_200_cl", RESP, "GET", F_LENGTH,
     "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhello", NULL, NULL, 200,
     "OK", FB_HTTP11, "Content-Type=text/xml|Content-Length=5|", "hello", 0},
    {"resp_chunked_trailers", RESP, "GET", F_CHUNKED,
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nMozilla\r\n11;ext\r\n"
     "Developer Network\r\n0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Trace: 1\r\n\r\n",
     NULL, NULL, 200, "OK", FB_HTTP11,
     "Transfer-Encoding=chunked|Expires=Wed, 21 Oct 2015 07:28:00 GMT|X-Trace=1|",
     "MozillaDeveloper Network",
     FB_MSG_CHUNKED},
    {"resp_204", RESP, "POST", F_NONE, "HTTP/1.1 204 No Content\r\nDate: today\r\n\r\n", NULL, NULL,
     204, "No Content", FB_HTTP11, "Date=today|", "", 0},
    {"resp_304_with_cl", RESP, "GET", F_NONE,
     "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 1234\r\n\r\n", NULL, NULL, 304,
     "Not Modified", FB_HTTP11, "ETag=\"abc\"|Content-Length=1234|", "", 0},
    {"resp_to_head", RESP, "HEAD", F_NONE, "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n", NULL,
     NULL, 200, "OK", FB_HTTP11, "Content-Length=4096|", "", 0},
    {"resp_close_delimited", RESP, "GET", F_EOF,
     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall the rest until close", NULL, NULL, 200,
     "OK", FB_HTTP10, "Content-Type=text/plain|", "all the rest until close", 0},
    {"resp_101", RESP, "GET", F_NONE,
     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", NULL,
     NULL, 101, "Switching Protocols", FB_HTTP11, "Upgrade=websocket|Connection=Upgrade|", "", 0},
    {"resp_connect_200", RESP, "CONNECT", F_NONE,
     "HTTP/1.1 200 Connection Established\r\nFiddlerGateway: Direct\r\n\r\n", NULL, NULL, 200,
     "Connection Established", FB_HTTP11, "FiddlerGateway=Direct|", "", 0},
    {"resp_no_reason", RESP, "GET", F_LENGTH, "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", NULL,
     NULL, 200, "", FB_HTTP11, "Content-Length=2|", "ok", 0},
    {"resp_empty_reason", RESP, "GET", F_LENGTH, "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", NULL,
     NULL, 404, "", FB_HTTP11, "Content-Length=0|", "", 0},
    {"resp_duplicate_equal_cl", RESP, "GET", F_LENGTH,
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", NULL, NULL, 200,
     "OK", FB_HTTP11, "Content-Length=5|Content-Length=5|", "hello", 0},
    {"resp_cl_list", RESP, "GET", F_LENGTH, "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
     NULL, NULL, 200, "OK", FB_HTTP11, "Content-Length=5, 5|", "hello", 0},
    {"resp_http2_fiddler_everywhere", RESP, "GET", F_LENGTH,
     "HTTP/2.0 200\r\ncontent-length: 2\r\n\r\n{}", NULL, NULL, 200, "", FB_HTTP2,
     "content-length=2|", "{}", 0},
    {"resp_bare_lf_401", RESP, "POST", F_LENGTH,
     "HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Negotiate\nWWW-Authenticate: NTLM\n"
     "Content-Length: 0\n\n",
     NULL, NULL, 401, "Unauthorized", FB_HTTP11,
     "WWW-Authenticate=Negotiate|WWW-Authenticate=NTLM|Content-Length=0|", "", 0},
    {"resp_te_not_chunked_is_close", RESP, "GET", F_EOF,
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nxyz and more", NULL,
     NULL, 200, "OK", FB_HTTP11, "Transfer-Encoding=gzip|Content-Length=3|", "xyz and more", 0},
    {"resp_103", RESP, "GET", F_NONE, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", NULL,
     NULL, 103, "Early Hints", FB_HTTP11, "Link=</a.css>|", "", 0},
    {"resp_reason_with_spaces", RESP, "GET", F_LENGTH,
     "HTTP/1.1 503 Service  Unavailable \r\nContent-Length: 1\r\n\r\nx", NULL, NULL, 503,
     "Service  Unavailable ", FB_HTTP11, "Content-Length=1|", "x", 0},
};

static struct fb_http1_opts opts_for(const struct good *g, int at_eof)
{
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.req_method = fb_str_cstr(g->req_method);
    o.at_eof = at_eof;
    o.decode = 1;
    return o;
}

static int str_is(struct fb_str s, const char *c)
{
    return fb_str_eq(s, fb_str_cstr(c));
}

static void hdrs_string(const struct fb_header *h, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, cap - used, "%.*s=%.*s|", FB_STR_FMT(h[i].name),
                         FB_STR_FMT(h[i].value));
        cr_assert(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
}

/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
static uint8_t *exact_copy(const char *s, size_t n)
{
    uint8_t *p = fb_xmalloc(n ? n : 1);
    memcpy(p, s, n);
    return p;
}

static size_t head_len(const struct good *g)
{
    struct fb_http1_head h;
    struct fb_header hd[16];
    int n =
        fb_http1_parse_head((const uint8_t *)g->msg, strlen(g->msg), g->kind, 1 << 20, &h, hd, 16);
    cr_assert_gt(n, 0, "%s: head", g->name);
    return (size_t)n;
}

Test(http1, good_messages_parse_field_by_field)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(goods); i++) {
        const struct good *g = &goods[i];
        size_t n = strlen(g->msg);
        uint8_t *in = exact_copy(g->msg, n);
        struct fb_http1_opts o = opts_for(g, g->frame == F_EOF);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg m;
        int rc = fb_http1_parse_message(in, n, g->kind, &o, &m, &a);
        cr_assert_eq(rc, (int)n, "%s: rc %d, want %zu", g->name, rc, n);
        if (g->kind == REQ) {
            cr_assert(str_is(m.method, g->method), "%s: method %.*s", g->name,
                      FB_STR_FMT(m.method));
            cr_assert(str_is(m.target, g->target), "%s: target", g->name);
            cr_assert_eq(m.status, 0, "%s", g->name);
        } else {
            cr_assert_eq(m.method.len, 0u, "%s", g->name);
            cr_assert_eq(m.target.len, 0u, "%s", g->name);
            cr_assert_eq(m.status, g->status, "%s: status %d", g->name, m.status);
            cr_assert(str_is(m.reason, g->reason), "%s: reason '%.*s'", g->name,
                      FB_STR_FMT(m.reason));
        }
        cr_assert_eq(m.version, g->version, "%s: version", g->name);
        char hs[1024];
        hdrs_string(m.headers, m.n_headers, hs, sizeof hs);
        cr_assert_str_eq(hs, g->hdrs, "%s: headers", g->name);
        cr_assert(str_is(m.body, g->body), "%s: body '%.*s'", g->name, FB_STR_FMT(m.body));
        cr_assert_eq(m.flags, g->flags, "%s: flags %#x", g->name, m.flags);
        cr_assert_eq(m.wire_size, strlen(g->body), "%s: wire", g->name);
        cr_assert_eq(m.decoded_size, strlen(g->body), "%s: decoded", g->name);
        if (g->frame == F_LENGTH || g->frame == F_EOF)
            cr_assert(m.body.len == 0 || ((const uint8_t *)m.body.ptr >= in &&
                                          (const uint8_t *)m.body.ptr + m.body.len <= in + n),
                      "%s: a length-framed body is a slice of the input", g->name);
        if (m.n_headers)
            cr_assert((const uint8_t *)m.headers[0].name.ptr >= in &&
                          (const uint8_t *)m.headers[0].name.ptr < in + n,
                      "%s: header slices point into the input", g->name);
        fb_arena_cleanup(&a);
        free(in);
    }
}

Test(http1, every_truncation_without_eof_needs_more)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(goods); i++) {
        const struct good *g = &goods[i];
        size_t n = strlen(g->msg);
        size_t hl = head_len(g);
        struct fb_http1_opts o = opts_for(g, 0);
        size_t last = g->frame == F_EOF ? n : n - 1; /* close-delimited never completes */
        for (size_t len = 0; len <= last; len++) {
            uint8_t *in = exact_copy(g->msg, len);
            struct fb_arena a;
            fb_arena_init(&a);
            struct fb_msg m;
            int rc = fb_http1_parse_message(in, len, g->kind, &o, &m, &a);
            cr_assert_eq(rc, FB_ERR_NEED_MORE, "%s len %zu: rc %d", g->name, len, rc);
            if (len < hl) {
                struct fb_http1_head h;
                struct fb_header hd[8];
                rc = fb_http1_parse_head(in, len, g->kind, 1 << 20, &h, hd, 8);
                cr_assert_eq(rc, FB_ERR_NEED_MORE, "%s head len %zu: rc %d", g->name, len, rc);
            }
            fb_arena_cleanup(&a);
            free(in);
        }
    }
}

/* The chunk data a chunked test message holds before offset len (CRLF-framed chunks). */
static size_t chunked_prefix(const char *msg, size_t hl, size_t len, char *out)
{
    size_t pos = hl, k = 0;
    for (;;) {
        char *end;
        unsigned long size = strtoul(msg + pos, &end, 16);
        pos = (size_t)(strchr(msg + pos, '\n') - msg) + 1;
        if (size == 0)
            return k;
        for (size_t j = 0; j < size; j++)
            if (pos + j < len)
                out[k++] = msg[pos + j];
        pos += size + 2;
    }
}

Test(http1, truncations_at_eof_give_the_exact_partial_body)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(goods); i++) {
        const struct good *g = &goods[i];
        size_t n = strlen(g->msg);
        size_t hl = head_len(g);
        struct fb_http1_opts o = opts_for(g, 1);
        for (size_t len = 0; len < n; len++) {
            uint8_t *in = exact_copy(g->msg, len);
            struct fb_arena a;
            fb_arena_init(&a);
            struct fb_msg m;
            int rc = fb_http1_parse_message(in, len, g->kind, &o, &m, &a);
            if (len < hl) {
                cr_assert_eq(rc, FB_ERR_NEED_MORE, "%s len %zu: head incomplete", g->name, len);
            } else {
                cr_assert_eq(rc, (int)len, "%s len %zu: rc %d", g->name, len, rc);
                char want[256];
                size_t wl = 0;
                unsigned wf = g->flags | FB_MSG_TRUNCATED;
                if (g->frame == F_LENGTH || g->frame == F_EOF) {
                    wl = len - hl;
                    memcpy(want, g->msg + hl, wl);
                    if (g->frame == F_EOF)
                        wf = g->flags; /* the end of input is the end of the body */
                } else if (g->frame == F_CHUNKED) {
                    wl = chunked_prefix(g->msg, hl, len, want);
                } else {
                    cr_assert_fail("%s: a body-less message is complete with its head", g->name);
                }
                cr_assert_eq(m.body.len, wl, "%s len %zu: body %zu, want %zu", g->name, len,
                             m.body.len, wl);
                cr_assert(wl == 0 || memcmp(m.body.ptr, want, wl) == 0, "%s len %zu", g->name, len);
                cr_assert_eq(m.flags, wf, "%s len %zu: flags %#x", g->name, len, m.flags);
                cr_assert_eq(m.status, g->kind == RESP ? g->status : 0);
            }
            fb_arena_cleanup(&a);
            free(in);
        }
    }
}

Test(http1, every_prefix_before_a_guard_page_is_read_in_bounds)
{
    long pg = sysconf(_SC_PAGESIZE);
    cr_assert_gt(pg, 0);
    size_t page = (size_t)pg;
    uint8_t *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(map, MAP_FAILED);
    cr_assert_eq(mprotect(map + page, page, PROT_NONE), 0);
    uint8_t *guard = map + page;
    for (size_t i = 0; i < FB_ARRAY_LEN(goods); i++) {
        const struct good *g = &goods[i];
        size_t n = strlen(g->msg);
        cr_assert_leq(n, page);
        for (size_t len = 0; len <= n; len++) {
            uint8_t *in = guard - len;
            memcpy(in, g->msg, len);
            for (int eof = 0; eof <= 1; eof++) {
                struct fb_http1_opts o = opts_for(g, eof);
                struct fb_arena a;
                fb_arena_init(&a);
                struct fb_msg m, *interim;
                size_t n_interim;
                int rc = fb_http1_parse_message(in, len, g->kind, &o, &m, &a);
                if (len == n && (eof || g->frame != F_EOF))
                    cr_assert_eq(rc, (int)n, "%s", g->name);
                else if (!eof)
                    cr_assert_eq(rc, FB_ERR_NEED_MORE, "%s len %zu", g->name, len);
                if (g->kind == RESP) {
                    rc = fb_http1_parse_responses(in, len, &o, &m, &interim, &n_interim, &a);
                    cr_assert(rc == FB_ERR_NEED_MORE || rc > 0, "%s len %zu", g->name, len);
                }
                struct fb_http1_head h;
                struct fb_header hd[4];
                rc = fb_http1_parse_head(in, len, g->kind, 1 << 20, &h, hd, 4);
                cr_assert(rc == FB_ERR_NEED_MORE || rc > 0, "%s len %zu", g->name, len);
                fb_arena_cleanup(&a);
            }
        }
    }
    munmap(map, 2 * page);
}

Test(http1, garbage_start_lines_are_format_and_prefixes_need_more)
{
    static const struct {
        enum fb_http1_kind kind;
        const char *in;
        int rc;
    } cases[] = {
        {RESP, "", FB_ERR_NEED_MORE},
        {RESP, "HTT", FB_ERR_NEED_MORE},
        {RESP, "http/1.1 200", FB_ERR_NEED_MORE},
        {RESP, "XYZ\r\n", FB_ERR_FORMAT},
        {RESP, "XYZ", FB_ERR_FORMAT},
        {RESP, "HTTP/1.1 20 OK\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/1.1 2000 OK\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/1.1 099 Low\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/1.1 abc OK\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/1.1\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/9.9 200 OK\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "HTTP/1 200 OK\r\n\r\n", FB_ERR_FORMAT},
        {RESP, "GET / HTTP/1.1\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "", FB_ERR_NEED_MORE},
        {REQ, "GE", FB_ERR_NEED_MORE},
        {REQ, "GET / HTTP/1.1", FB_ERR_NEED_MORE},
        {REQ, "GET\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "GET /\r\n\r\n", FB_ERR_FORMAT},
        {REQ, " GET / HTTP/1.1\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "G(T / HTTP/1.1\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "G(T", FB_ERR_FORMAT},
        {REQ, "GET / FTP/1.0\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "HTTP/1.1 200 OK\r\n\r\n", FB_ERR_FORMAT},
        {REQ, "\x16\x03\x01\x02\x00\x01", FB_ERR_FORMAT}, /* a TLS ClientHello */
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].in);
        uint8_t *in = exact_copy(cases[i].in, n);
        struct fb_http1_head h;
        struct fb_header hd[4];
        int rc = fb_http1_parse_head(in, n, cases[i].kind, 1024, &h, hd, 4);
        cr_assert_eq(rc, cases[i].rc, "case %zu '%s': rc %d", i, cases[i].in, rc);
        free(in);
    }
}

Test(http1, head_larger_than_the_limit_is_limit)
{
    const char *msg = "GET /a/rather/long/path/for/a/small/limit HTTP/1.1\r\nHost: example\r\n\r\n";
    size_t n = strlen(msg);
    struct fb_http1_head h;
    struct fb_header hd[4];
    cr_assert_eq(fb_http1_parse_head((const uint8_t *)msg, n, REQ, n, &h, hd, 4), (int)n);
    cr_assert_eq(fb_http1_parse_head((const uint8_t *)msg, n, REQ, n - 1, &h, hd, 4), FB_ERR_LIMIT);
    cr_assert_eq(fb_http1_parse_head((const uint8_t *)msg, n - 1, REQ, 40, &h, hd, 4), FB_ERR_LIMIT,
                 "incomplete and already too big");
    cr_assert_eq(fb_http1_parse_head((const uint8_t *)msg, 20, REQ, 40, &h, hd, 4),
                 FB_ERR_NEED_MORE, "incomplete, still within the limit");
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.limits.max_head_bytes = 16;
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg m;
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)msg, n, REQ, &o, &m, &a), FB_ERR_LIMIT);
    fb_arena_cleanup(&a);
}

Test(http1, limits_default_values)
{
    struct fb_http1_limits l;
    fb_http1_limits_default(&l);
    cr_assert_eq(l.max_headers, 256u);
    cr_assert_eq(l.max_head_bytes, 256u * 1024);
    cr_assert_eq(l.max_body, 64u * MIB);
    cr_assert_eq(l.max_decoded, 64u * MIB);
}

/* "GET / HTTP/1.1" with count headers X-H-0..X-H-(count-1). Caller frees. */
static char *many_headers(size_t count, size_t *len)
{
    size_t cap = 64 + count * 32;
    char *p = fb_xmalloc(cap);
    size_t n = (size_t)snprintf(p, cap, "GET / HTTP/1.1\r\n");
    for (size_t i = 0; i < count; i++)
        n += (size_t)snprintf(p + n, cap - n, "X-H-%zu: v%zu\r\n", i, i);
    n += (size_t)snprintf(p + n, cap - n, "\r\n");
    *len = n;
    return p;
}

Test(http1, too_many_headers_keep_the_first_and_count_all)
{
    size_t n;
    char *msg = many_headers(300, &n);
    struct fb_http1_head h;
    struct fb_header hd[3];
    cr_assert_eq(fb_http1_parse_head((const uint8_t *)msg, n, REQ, 1 << 20, &h, hd, 3), (int)n);
    cr_assert_eq(h.n_headers, 3u);
    cr_assert_eq(h.n_headers_seen, 300u);
    cr_assert_eq(h.flags, (unsigned)FB_MSG_HEADER_LIMIT);
    cr_assert(str_is(hd[2].name, "X-H-2") && str_is(hd[2].value, "v2"));

    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg m;
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)msg, n, REQ, &o, &m, &a), (int)n);
    cr_assert_eq(m.n_headers, 256u);
    cr_assert_eq(m.flags, (unsigned)FB_MSG_HEADER_LIMIT);
    cr_assert(str_is(m.headers[255].name, "X-H-255") && str_is(m.headers[255].value, "v255"));
    free(msg);

    /* between the stack slots and the limit: all kept, no flag */
    msg = many_headers(100, &n);
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)msg, n, REQ, &o, &m, &a), (int)n);
    cr_assert_eq(m.n_headers, 100u);
    cr_assert_eq(m.flags, 0u);
    cr_assert(str_is(m.headers[99].name, "X-H-99") && str_is(m.headers[99].value, "v99"));
    cr_assert(str_is(m.headers[0].name, "X-H-0"));
    o.limits.max_headers = 10;
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)msg, n, REQ, &o, &m, &a), (int)n);
    cr_assert_eq(m.n_headers, 10u);
    cr_assert_eq(m.flags, (unsigned)FB_MSG_HEADER_LIMIT);
    free(msg);
    fb_arena_cleanup(&a);
}

Test(http1, malformed_header_lines_are_skipped_and_flagged)
{
    const char *msg = "HTTP/1.1 200 OK\r\n folded-with-nothing-before\r\nGood: 1\r\n"
                      ": empty name\r\nBad Name : 2\r\nAlso-Good: 3\r\n\r\n";
    struct fb_http1_head h;
    struct fb_header hd[8];
    int rc = fb_http1_parse_head((const uint8_t *)msg, strlen(msg), RESP, 1024, &h, hd, 8);
    cr_assert_eq(rc, (int)strlen(msg));
    cr_assert_eq(h.flags, (unsigned)FB_MSG_MALFORMED);
    char hs[256];
    hdrs_string(hd, h.n_headers, hs, sizeof hs);
    cr_assert_str_eq(hs, "Good=1|Bad Name=2|Also-Good=3|");
    cr_assert_eq(h.n_headers_seen, 3u);
}

Test(http1, framing_rules_of_rfc9112_section_6_3)
{
    static const struct fb_header cl5[] = {{FB_STR_LIT("Content-Length"), FB_STR_LIT("5")}};
    static const struct fb_header te[] = {{FB_STR_LIT("transfer-encoding"), FB_STR_LIT("Chunked")},
                                          {FB_STR_LIT("Content-Length"), FB_STR_LIT("5")}};
    static const struct fb_header te_gz[] = {
        {FB_STR_LIT("Transfer-Encoding"), FB_STR_LIT("chunked")},
        {FB_STR_LIT("Transfer-Encoding"), FB_STR_LIT("gzip")}};
    static const struct fb_header none[] = {{FB_STR_LIT("Host"), FB_STR_LIT("h")}};
    static const struct {
        enum fb_http1_kind kind;
        int status;
        const char *method;
        const struct fb_header *h;
        size_t n;
        int rc;
        enum fb_http1_framing_kind fk;
        uint64_t length;
    } cases[] = {
        {RESP, 200, "GET", cl5, 1, FB_OK, FB_FRAME_LENGTH, 5},
        {RESP, 200, "HEAD", cl5, 1, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 100, "GET", cl5, 1, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 101, "GET", none, 1, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 204, "GET", cl5, 1, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 304, "GET", te, 2, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 200, "CONNECT", cl5, 1, FB_OK, FB_FRAME_NONE, 0},
        {RESP, 407, "CONNECT", cl5, 1, FB_OK, FB_FRAME_LENGTH, 5},
        {RESP, 200, "GET", te, 2, FB_OK, FB_FRAME_CHUNKED, 0},
        {RESP, 200, "GET", te_gz, 2, FB_OK, FB_FRAME_CLOSE, 0},
        {RESP, 200, "GET", none, 1, FB_OK, FB_FRAME_CLOSE, 0},
        {RESP, 200, "GET", NULL, 0, FB_OK, FB_FRAME_CLOSE, 0},
        {REQ, 0, NULL, none, 1, FB_OK, FB_FRAME_NONE, 0},
        {REQ, 0, NULL, cl5, 1, FB_OK, FB_FRAME_LENGTH, 5},
        {REQ, 0, NULL, te, 2, FB_OK, FB_FRAME_CHUNKED, 0},
        {REQ, 0, NULL, te_gz, 2, FB_ERR_FORMAT, FB_FRAME_NONE, 0},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        struct fb_http1_framing f;
        int rc = fb_http1_framing(cases[i].kind, cases[i].status, fb_str_cstr(cases[i].method),
                                  cases[i].h, cases[i].n, &f);
        cr_assert_eq(rc, cases[i].rc, "case %zu", i);
        if (rc == FB_OK) {
            cr_assert_eq(f.kind, cases[i].fk, "case %zu: kind %d", i, f.kind);
            cr_assert_eq(f.length, cases[i].length, "case %zu", i);
        }
    }
}

Test(http1, content_length_values_conflicting_or_invalid_are_format)
{
    static const char *const bad[] = {
        "5\r\nContent-Length: 6", "5, 6", "abc", "-1",  "",      " , ",
        "18446744073709551616",   "0x10", "+5",  "5 5", "5;q=1",
    };
    static const char *const ok[] = {"5", "5\r\nContent-Length: 5", "5, 5", "5,,5", " 5 "};
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    struct fb_arena a;
    fb_arena_init(&a);
    char msg[256];
    for (size_t i = 0; i < FB_ARRAY_LEN(bad) + FB_ARRAY_LEN(ok); i++) {
        int is_bad = i < FB_ARRAY_LEN(bad);
        const char *v = is_bad ? bad[i] : ok[i - FB_ARRAY_LEN(bad)];
        int n = snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nhello", v);
        struct fb_msg m;
        int rc = fb_http1_parse_message((const uint8_t *)msg, (size_t)n, RESP, &o, &m, &a);
        if (is_bad) {
            cr_assert_eq(rc, FB_ERR_FORMAT, "'%s': rc %d", v, rc);
        } else {
            cr_assert_eq(rc, n, "'%s': rc %d", v, rc);
            cr_assert(str_is(m.body, "hello"));
        }
    }
    fb_arena_cleanup(&a);
}

Test(http1, huge_lengths_with_a_short_body_are_truncated_never_allocated)
{
    static const char *const msgs[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: 1152921504606846976\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(msgs); i++) {
        size_t n = strlen(msgs[i]);
        struct fb_http1_opts o;
        memset(&o, 0, sizeof o);
        fb_http1_limits_default(&o.limits);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg m;
        cr_assert_eq(fb_http1_parse_message((const uint8_t *)msgs[i], n, RESP, &o, &m, &a),
                     FB_ERR_NEED_MORE);
        o.at_eof = 1;
        cr_assert_eq(fb_http1_parse_message((const uint8_t *)msgs[i], n, RESP, &o, &m, &a), (int)n);
        cr_assert(str_is(m.body, "abc"), "case %zu", i);
        cr_assert(m.flags & FB_MSG_TRUNCATED);
        cr_assert_eq(m.wire_size, 3u);
        cr_assert_lt(a.used_total, 4096u, "case %zu: nothing of that size allocated", i);
        fb_arena_cleanup(&a);
    }
}

Test(http1, bad_chunk_framing_keeps_the_data_so_far_flagged)
{
    static const struct {
        const char *msg;
        const char *body;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n0\r\n\r\n", "abc"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", ""},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n10000000000000000\r\n",
         "ab"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\nab\r\n0\r\n\r\n", ""},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\rb0\r\n\r\n", "a"},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].msg);
        struct fb_http1_opts o;
        memset(&o, 0, sizeof o);
        fb_http1_limits_default(&o.limits);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg m;
        int rc = fb_http1_parse_message((const uint8_t *)cases[i].msg, n, RESP, &o, &m, &a);
        cr_assert_eq(rc, (int)n, "case %zu: rc %d", i, rc);
        cr_assert_eq(m.flags, FB_MSG_CHUNKED | FB_MSG_TRUNCATED | FB_MSG_MALFORMED, "case %zu", i);
        cr_assert(str_is(m.body, cases[i].body), "case %zu: body '%.*s'", i, FB_STR_FMT(m.body));
        fb_arena_cleanup(&a);
    }
}

Test(http1, pipelined_messages_parse_with_exact_consumed_counts)
{
    const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
    const char *r2 = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
    const char *r3 = "HTTP/1.1 304 Not Modified\r\n\r\n";
    char all[512];
    int total = snprintf(all, sizeof all, "%s%s%s", r1, r2, r3);
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg m;
    const uint8_t *p = (const uint8_t *)all;
    size_t off = 0;
    static const char *const bodies[] = {"one", "two", ""};
    const char *const parts[] = {r1, r2, r3};
    for (int i = 0; i < 3; i++) {
        int rc = fb_http1_parse_message(p + off, (size_t)total - off, RESP, &o, &m, &a);
        cr_assert_eq(rc, (int)strlen(parts[i]), "message %d: rc %d", i, rc);
        cr_assert(str_is(m.body, bodies[i]), "message %d", i);
        off += (size_t)rc;
    }
    cr_assert_eq(off, (size_t)total);
    cr_assert_eq(fb_http1_parse_message(p + off, 0, RESP, &o, &m, &a), FB_ERR_NEED_MORE);

    /* requests too, with a stray CRLF after a POST body */
    const char *reqs = "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi\r\nGET /b HTTP/1.1\r\n\r\n";
    int first = (int)(strstr(reqs, "hi") + 2 - reqs);
    int rc = fb_http1_parse_message((const uint8_t *)reqs, strlen(reqs), REQ, &o, &m, &a);
    cr_assert_eq(rc, first);
    cr_assert(str_is(m.body, "hi"));
    rc = fb_http1_parse_message((const uint8_t *)reqs + first, strlen(reqs) - (size_t)first, REQ,
                                &o, &m, &a);
    cr_assert_eq(rc, (int)strlen(reqs) - first, "the stray CRLF is skipped with the next head");
    cr_assert(str_is(m.target, "/b"));
    fb_arena_cleanup(&a);
}

Test(http1, interim_responses_then_the_final_one)
{
    static const struct {
        const char *seq;
        size_t n_interim;
        int st0, st1, final_status;
        const char *body;
    } cases[] = {
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1, 100, 0,
         200, "ok"},
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
         "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
         2, 100, 103, 401, ""},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", 0, 0, 0,
         101, ""},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0, 0, 200, "x"},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        const char *seq = cases[i].seq;
        size_t n = strlen(seq);
        size_t want =
            cases[i].final_status == 101 ? (size_t)(strstr(seq, "\r\n\r\n") - seq) + 4 : n;
        struct fb_http1_opts o;
        memset(&o, 0, sizeof o);
        fb_http1_limits_default(&o.limits);
        o.req_method = FB_STR_LIT("POST");
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg fin, *interim;
        size_t ni;
        int rc = fb_http1_parse_responses((const uint8_t *)seq, n, &o, &fin, &interim, &ni, &a);
        cr_assert_eq(rc, (int)want, "case %zu: rc %d", i, rc);
        cr_assert_eq(ni, cases[i].n_interim, "case %zu", i);
        if (ni > 0)
            cr_assert_eq(interim[0].status, cases[i].st0);
        if (ni > 1) {
            cr_assert_eq(interim[1].status, cases[i].st1);
            cr_assert_eq(interim[1].n_headers, 1u);
        }
        cr_assert_eq(fin.status, cases[i].final_status);
        cr_assert(str_is(fin.body, cases[i].body));
        /* every prefix of the sequence needs more */
        for (size_t len = 0; len < want; len++) {
            uint8_t *in = exact_copy(seq, len);
            rc = fb_http1_parse_responses(in, len, &o, &fin, &interim, &ni, &a);
            cr_assert_eq(rc, FB_ERR_NEED_MORE, "case %zu len %zu: rc %d", i, len, rc);
            free(in);
        }
        fb_arena_cleanup(&a);
    }

    /* only "100 Continue" before the end: need-more, the interim one still reported */
    const char *only = "HTTP/1.1 100 Continue\r\n\r\n";
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.at_eof = 1;
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg fin, *interim;
    size_t ni;
    cr_assert_eq(
        fb_http1_parse_responses((const uint8_t *)only, strlen(only), &o, &fin, &interim, &ni, &a),
        FB_ERR_NEED_MORE);
    cr_assert_eq(ni, 1u);
    cr_assert_eq(interim[0].status, 100);
    cr_assert_eq(fin.status, 0);
    fb_arena_cleanup(&a);
}

Test(http1, body_larger_than_max_body_is_cut_and_flagged)
{
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.limits.max_body = 4;
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg m;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)cl, strlen(cl), RESP, &o, &m, &a),
                 (int)strlen(cl));
    cr_assert(str_is(m.body, "hell"));
    cr_assert_eq(m.flags, (unsigned)FB_MSG_BODY_LIMIT);
    cr_assert_eq(m.wire_size, 11u);
    cr_assert_eq(m.decoded_size, 11u);
    const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nhel\r\n8\r\nlo world\r\n0\r\n\r\n";
    cr_assert_eq(fb_http1_parse_message((const uint8_t *)ch, strlen(ch), RESP, &o, &m, &a),
                 (int)strlen(ch));
    cr_assert(str_is(m.body, "hell"));
    cr_assert_eq(m.flags, FB_MSG_BODY_LIMIT | FB_MSG_CHUNKED);
    cr_assert_eq(m.wire_size, 11u);
    fb_arena_cleanup(&a);
}

/* Builds "HTTP/1.1 200 OK" with the given Content-Encoding and body (CL framing, or chunked
 * in two chunks). Caller frees. */
static uint8_t *coded_response(const char *ce, const uint8_t *body, size_t n, int chunked,
                               size_t *len)
{
    size_t cap = n + 512;
    uint8_t *p = fb_xmalloc(cap);
    int h;
    if (chunked)
        h = snprintf((char *)p, cap,
                     "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n"
                     "\r\n%zx\r\n",
                     ce, n / 2);
    else
        h = snprintf((char *)p, cap,
                     "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", ce,
                     n);
    size_t off = (size_t)h;
    if (chunked) {
        memcpy(p + off, body, n / 2);
        off += n / 2;
        off += (size_t)snprintf((char *)p + off, cap - off, "\r\n%zx\r\n", n - n / 2);
        memcpy(p + off, body + n / 2, n - n / 2);
        off += n - n / 2;
        off += (size_t)snprintf((char *)p + off, cap - off, "\r\n0\r\n\r\n");
    } else {
        memcpy(p + off, body, n);
        off += n;
    }
    *len = off;
    return p;
}

Test(http1, gzip_body_is_decoded_with_sizes_and_flags)
{
    const char *plain = "<m:GetUserAvailabilityResponse>free busy free busy free busy"
                        "</m:GetUserAvailabilityResponse>";
    size_t pl = strlen(plain);
    size_t clen;
    uint8_t *gz = fb_test_gzip(plain, pl, &clen);
    for (int chunked = 0; chunked <= 1; chunked++) {
        size_t n;
        uint8_t *msg = coded_response("gzip", gz, clen, chunked, &n);
        struct fb_http1_opts o;
        memset(&o, 0, sizeof o);
        fb_http1_limits_default(&o.limits);
        o.decode = 1;
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg m;
        cr_assert_eq(fb_http1_parse_message(msg, n, RESP, &o, &m, &a), (int)n);
        cr_assert(str_is(m.body, plain), "chunked %d", chunked);
        cr_assert_eq(m.flags, FB_MSG_DECODED | (chunked ? FB_MSG_CHUNKED : 0u));
        cr_assert_eq(m.wire_size, clen);
        cr_assert_eq(m.decoded_size, pl);
        o.decode = 0;
        cr_assert_eq(fb_http1_parse_message(msg, n, RESP, &o, &m, &a), (int)n);
        cr_assert_eq(m.body.len, clen);
        cr_assert_eq(memcmp(m.body.ptr, gz, clen), 0);
        cr_assert_eq(m.flags, chunked ? (unsigned)FB_MSG_CHUNKED : 0u);
        fb_arena_cleanup(&a);
        free(msg);
    }
    free(gz);
}

Test(http1, undecodable_bodies_keep_the_raw_bytes)
{
    static const char *const ces[] = {"compress", "gzip", "br"};
    for (size_t i = 0; i < FB_ARRAY_LEN(ces); i++) {
        size_t n;
        uint8_t *msg = coded_response(ces[i], (const uint8_t *)"not compressed", 14, 0, &n);
        struct fb_http1_opts o;
        memset(&o, 0, sizeof o);
        fb_http1_limits_default(&o.limits);
        o.decode = 1;
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_msg m;
        cr_assert_eq(fb_http1_parse_message(msg, n, RESP, &o, &m, &a), (int)n);
        cr_assert(str_is(m.body, "not compressed"), "%s", ces[i]);
        cr_assert_eq(m.flags, (unsigned)FB_MSG_DECODE_FAILED, "%s", ces[i]);
        fb_arena_cleanup(&a);
        free(msg);
    }
}

Test(http1, decompression_bomb_through_parse_message_is_capped, .timeout = 60)
{
    size_t big = 64 * MIB;
    uint8_t *zeros = fb_xcalloc(big, 1);
    size_t clen;
    uint8_t *gz = fb_test_gzip(zeros, big, &clen);
    size_t n;
    uint8_t *msg = coded_response("gzip", gz, clen, 0, &n);
    struct fb_http1_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.limits.max_decoded = MIB;
    o.decode = 1;
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_msg m;
    cr_assert_eq(fb_http1_parse_message(msg, n, RESP, &o, &m, &a), (int)n);
    cr_assert_eq(m.flags, (unsigned)FB_MSG_DECODE_LIMIT);
    cr_assert_eq(m.body.len, MIB);
    cr_assert_eq(memcmp(m.body.ptr, zeros, MIB), 0);
    cr_assert_eq(m.wire_size, clen);
    cr_assert_eq(m.decoded_size, MIB);
    fb_arena_cleanup(&a);
    free(msg);
    free(gz);
    free(zeros);
}
