/* http1.c - HTTP/1.x messages (RFC 9112): start line and header block (zero-copy),
 * body framing (section 6.3), de-chunking (section 7.1) and the whole-message parse
 * that the SAZ and TCP readers use; content decoding is delegated to decode.c.
 *
 * Layout of one message in the caller's input, and what points where:
 *
 *   [CRLF*] start-line CRLF (field-line CRLF | obs-fold CRLF)* CRLF  body
 *           ^ method/target/reason  ^ header name/value slices       ^ body slice
 *           (borrowed: into the input)                                (input for
 *                                                                      Content-Length and
 *   copied into the arena: the header array, a de-chunked body,        close-delimited)
 *   a decoded body.
 *
 * Leniency, on purpose (traces come from broken clients too): bare LF line ends, any
 * run of SP between start-line parts, leading empty lines, header lines without a
 * colon (skipped, FB_MSG_MALFORMED), "HTTP/2" start lines written by Fiddler
 * Everywhere. It does not speak HTTP/2 frames (http2.c does), does not pair
 * requests with responses across a connection (the readers do), and does not
 * interpret header values other than the framing ones.
 */
#include "fbdiag/http1.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/decode.h"

#define STACK_HDRS 64 /* header slots tried on the stack before a heap array */

void fb_http1_limits_default(struct fb_http1_limits *l)
{
    l->max_headers = 256;
    l->max_head_bytes = 256u * 1024;
    l->max_body = 64u * 1024 * 1024;
    l->max_decoded = 64u * 1024 * 1024;
}

/* RFC 9110 section 5.6.2 token characters. */
static int is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* The line [p, lf) without its CR. */
static struct fb_str line_of(const uint8_t *p, const uint8_t *lf)
{
    size_t n = (size_t)(lf - p);
    if (n && p[n - 1] == '\r')
        n--;
    return fb_str_make((const char *)p, n);
}

static struct fb_str trim_ows(struct fb_str s)
{
    while (s.len && is_ows((uint8_t)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_ows((uint8_t)s.ptr[s.len - 1]))
        s.len--;
    return s;
}

/* "HTTP/1.0", "HTTP/1.1" (1.x for x > 1 too, RFC 9112 section 2.3), "HTTP/2", "HTTP/2.0",
 * "HTTP/3", "HTTP/3.0". Returns FB_VER_UNKNOWN for anything else. */
static enum fb_version parse_version(struct fb_str s)
{
    if (!fb_str_istarts(s, "HTTP/") || s.len < 6)
        return FB_VER_UNKNOWN;
    const char *v = s.ptr + 5;
    size_t n = s.len - 5;
    if (v[0] < '0' || v[0] > '9')
        return FB_VER_UNKNOWN;
    int major = v[0] - '0', minor = -1;
    if (n == 3 && v[1] == '.' && v[2] >= '0' && v[2] <= '9')
        minor = v[2] - '0';
    else if (n != 1)
        return FB_VER_UNKNOWN;
    if (major == 1 && minor >= 0)
        return minor == 0 ? FB_HTTP10 : FB_HTTP11;
    if (major == 2 && minor <= 0)
        return FB_HTTP2;
    if (major == 3 && minor <= 0)
        return FB_HTTP3;
    return FB_VER_UNKNOWN;
}

/* method SP+ target SP+ version; the version is after the last SP, so a target with
 * spaces (seen from broken clients) still parses. */
static int parse_request_line(struct fb_str l, struct fb_http1_head *h)
{
    size_t i = 0;
    while (i < l.len && is_tchar((uint8_t)l.ptr[i]))
        i++;
    if (i == 0 || i == l.len || l.ptr[i] != ' ')
        return FB_ERR_FORMAT;
    h->method = fb_str_make(l.ptr, i);
    while (i < l.len && l.ptr[i] == ' ')
        i++;
    size_t last_sp = l.len;
    while (last_sp > i && l.ptr[last_sp - 1] != ' ')
        last_sp--;
    if (last_sp <= i)
        return FB_ERR_FORMAT; /* no version (HTTP/0.9 style) or no target */
    h->version = parse_version(fb_str_make(l.ptr + last_sp, l.len - last_sp));
    if (h->version == FB_VER_UNKNOWN)
        return FB_ERR_FORMAT;
    size_t tend = last_sp - 1;
    while (tend > i && l.ptr[tend - 1] == ' ')
        tend--;
    if (tend == i)
        return FB_ERR_FORMAT;
    h->target = fb_str_make(l.ptr + i, tend - i);
    return FB_OK;
}

/* version SP+ 3DIGIT [SP reason] */
static int parse_status_line(struct fb_str l, struct fb_http1_head *h)
{
    size_t i = 0;
    while (i < l.len && l.ptr[i] != ' ')
        i++;
    h->version = parse_version(fb_str_make(l.ptr, i));
    if (h->version == FB_VER_UNKNOWN || i == l.len)
        return FB_ERR_FORMAT;
    while (i < l.len && l.ptr[i] == ' ')
        i++;
    if (l.len - i < 3)
        return FB_ERR_FORMAT;
    int st = 0;
    for (size_t k = 0; k < 3; k++) {
        char c = l.ptr[i + k];
        if (c < '0' || c > '9')
            return FB_ERR_FORMAT;
        st = st * 10 + (c - '0');
    }
    i += 3;
    if (st < 100 || (i < l.len && l.ptr[i] != ' '))
        return FB_ERR_FORMAT;
    h->status = st;
    if (i < l.len)
        i++;
    h->reason = fb_str_make(l.ptr + i, l.len - i);
    return FB_OK;
}

/* Whether an incomplete start line [p, end) can still become a valid one. */
static int start_prefix_ok(const uint8_t *p, const uint8_t *end, enum fb_http1_kind kind)
{
    size_t n = (size_t)(end - p);
    if (kind == FB_HTTP1_RESPONSE) {
        size_t k = n < 5 ? n : 5;
        return fb_str_ieq(fb_str_make((const char *)p, k), fb_str_make("HTTP/", k));
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ')
            return i > 0;
        if (!is_tchar(p[i]))
            return 0;
    }
    return 1;
}

int fb_http1_parse_head(const uint8_t *data, size_t len, enum fb_http1_kind kind,
                        size_t max_head_bytes, struct fb_http1_head *h, struct fb_header *hdrs,
                        size_t max_hdrs)
{
    memset(h, 0, sizeof *h);
    if (len > INT_MAX)
        len = INT_MAX; /* the return value is an int */
    const uint8_t *p = data, *end = data + len;
    /* RFC 9112 section 2.2: ignore empty lines before the start line (a stray CRLF
     * after a body is common) */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if ((size_t)(p - data) > max_head_bytes)
        return FB_ERR_LIMIT;

    const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf) {
        if (len > max_head_bytes)
            return FB_ERR_LIMIT;
        return start_prefix_ok(p, end, kind) ? FB_ERR_NEED_MORE : FB_ERR_FORMAT;
    }
    if ((size_t)(lf + 1 - data) > max_head_bytes)
        return FB_ERR_LIMIT;
    struct fb_str sl = line_of(p, lf);
    int rc = kind == FB_HTTP1_REQUEST ? parse_request_line(sl, h) : parse_status_line(sl, h);
    if (rc)
        return rc;
    p = lf + 1;

    struct fb_header *last = NULL; /* the stored field an obs-fold line continues */
    int in_field = 0;              /* the previous line was a field (stored or not) */
    for (;;) {
        lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf)
            return len > max_head_bytes ? FB_ERR_LIMIT : FB_ERR_NEED_MORE;
        if ((size_t)(lf + 1 - data) > max_head_bytes)
            return FB_ERR_LIMIT;
        struct fb_str l = line_of(p, lf);
        p = lf + 1;
        if (l.len == 0)
            return (int)(p - data);
        if (is_ows((uint8_t)l.ptr[0])) {
            /* obs-fold (RFC 9112 section 5.2): the value slice grows over the raw
             * continuation, CRLF and indentation included */
            struct fb_str more = trim_ows(l);
            if (!in_field) {
                h->flags |= FB_MSG_MALFORMED;
            } else if (last && more.len) {
                if (last->value.len == 0)
                    last->value = more;
                else
                    last->value.len = (size_t)(more.ptr + more.len - last->value.ptr);
            }
            continue;
        }
        const char *colon = memchr(l.ptr, ':', l.len);
        if (!colon || colon == l.ptr) {
            h->flags |= FB_MSG_MALFORMED;
            in_field = 0;
            last = NULL;
            continue;
        }
        struct fb_str name = fb_str_make(l.ptr, (size_t)(colon - l.ptr));
        if (is_ows((uint8_t)name.ptr[name.len - 1])) {
            /* RFC 9112 section 5.1 forbids it; keep the field, say so */
            h->flags |= FB_MSG_MALFORMED;
            name = trim_ows(name);
            if (name.len == 0) {
                in_field = 0;
                last = NULL;
                continue;
            }
        }
        struct fb_str value =
            trim_ows(fb_str_make(colon + 1, (size_t)(l.ptr + l.len - (colon + 1))));
        h->n_headers_seen++;
        in_field = 1;
        if (h->n_headers < max_hdrs) {
            last = &hdrs[h->n_headers++];
            last->name = name;
            last->value = value;
        } else {
            h->flags |= FB_MSG_HEADER_LIMIT;
            last = NULL;
        }
    }
}

/* Last non-empty element of a comma-separated list value, or an empty slice. */
static struct fb_str last_element(struct fb_str v)
{
    size_t end = v.len;
    for (;;) {
        size_t start = end;
        while (start > 0 && v.ptr[start - 1] != ',')
            start--;
        struct fb_str e = trim_ows(fb_str_make(v.ptr + start, end - start));
        if (e.len || start == 0)
            return e;
        end = start - 1;
    }
}

int fb_http1_framing(enum fb_http1_kind kind, int status, struct fb_str req_method,
                     const struct fb_header *hdrs, size_t n_hdrs, struct fb_http1_framing *out)
{
    out->kind = FB_FRAME_NONE;
    out->length = 0;
    if (kind == FB_HTTP1_RESPONSE) {
        if ((status >= 100 && status < 200) || status == 204 || status == 304)
            return FB_OK;
        if (fb_str_ieq_cstr(req_method, "HEAD"))
            return FB_OK;
        if (status >= 200 && status < 300 && fb_str_ieq_cstr(req_method, "CONNECT"))
            return FB_OK;
    }

    int te_seen = 0;
    struct fb_str last_coding = FB_STR_NULL;
    for (size_t i = 0; i < n_hdrs; i++) {
        if (!fb_str_ieq_cstr(hdrs[i].name, "Transfer-Encoding"))
            continue;
        te_seen = 1;
        struct fb_str e = last_element(hdrs[i].value);
        if (e.len)
            last_coding = e;
    }
    if (te_seen) {
        /* RFC 9112 section 6.3 items 3 and 4: TE overrides Content-Length */
        if (fb_str_ieq_cstr(last_coding, "chunked")) {
            out->kind = FB_FRAME_CHUNKED;
            return FB_OK;
        }
        if (kind == FB_HTTP1_RESPONSE) {
            out->kind = FB_FRAME_CLOSE;
            return FB_OK;
        }
        return FB_ERR_FORMAT; /* a request whose length cannot be known */
    }

    int cl_seen = 0;
    uint64_t cl = 0;
    for (size_t i = 0; i < n_hdrs; i++) {
        if (!fb_str_ieq_cstr(hdrs[i].name, "Content-Length"))
            continue;
        struct fb_str v = hdrs[i].value;
        int any = 0;
        size_t start = 0;
        while (start <= v.len) {
            size_t stop = start;
            while (stop < v.len && v.ptr[stop] != ',')
                stop++;
            struct fb_str e = trim_ows(fb_str_make(v.ptr + start, stop - start));
            start = stop + 1;
            if (e.len == 0)
                continue;
            uint64_t x;
            if (fb_str_to_u64(e, &x) != FB_OK || (cl_seen && x != cl))
                return FB_ERR_FORMAT;
            cl = x;
            cl_seen = any = 1;
        }
        if (!any)
            return FB_ERR_FORMAT;
    }
    if (cl_seen) {
        out->kind = FB_FRAME_LENGTH;
        out->length = cl;
    } else if (kind == FB_HTTP1_RESPONSE) {
        out->kind = FB_FRAME_CLOSE;
    }
    return FB_OK;
}

/* De-chunks [p0, p0+n) into buf (capped: *cut set when bytes had to be dropped) and
 * counts chunk data in *wire. Returns 0 with *used = bytes through the trailer section,
 * FB_ERR_NEED_MORE when the input ends first, FB_ERR_FORMAT on bad chunk framing. In
 * both failure cases buf holds the data seen so far. */
static int dechunk(const uint8_t *p0, size_t n, struct fb_buf *buf, uint64_t *wire, int *cut,
                   size_t *used)
{
    const uint8_t *p = p0, *end = p0 + n;
    for (;;) {
        const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf)
            return FB_ERR_NEED_MORE;
        struct fb_str l = line_of(p, lf);
        uint64_t size = 0;
        size_t i = 0;
        for (; i < l.len; i++) {
            uint8_t c = (uint8_t)l.ptr[i];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (unsigned)((c | 0x20) - 'a' + 10);
            else
                break;
            if (size > (UINT64_MAX >> 4))
                return FB_ERR_FORMAT;
            size = size << 4 | d;
        }
        if (i == 0)
            return FB_ERR_FORMAT;
        while (i < l.len && is_ows((uint8_t)l.ptr[i]))
            i++;
        if (i < l.len && l.ptr[i] != ';')
            return FB_ERR_FORMAT; /* chunk extensions after ';' are ignored */
        p = lf + 1;

        if (size == 0) {
            /* trailer section: skipped, but it must end with an empty line */
            for (;;) {
                lf = memchr(p, '\n', (size_t)(end - p));
                if (!lf)
                    return FB_ERR_NEED_MORE;
                struct fb_str t = line_of(p, lf);
                p = lf + 1;
                if (t.len == 0) {
                    *used = (size_t)(p - p0);
                    return FB_OK;
                }
            }
        }

        size_t have = (size_t)(end - p);
        size_t take = size < have ? (size_t)size : have;
        size_t room = buf->max - buf->len;
        if (fb_buf_append(buf, p, take < room ? take : room) != FB_OK)
            return FB_ERR_FORMAT; /* cannot happen: bounded by room */
        if (take > room)
            *cut = 1;
        *wire += take;
        p += take;
        if (take < size)
            return FB_ERR_NEED_MORE;
        if (p == end)
            return FB_ERR_NEED_MORE;
        if (*p == '\r') {
            if (p + 1 == end)
                return FB_ERR_NEED_MORE;
            if (p[1] != '\n')
                return FB_ERR_FORMAT;
            p += 2;
        } else if (*p == '\n') {
            p++;
        } else {
            return FB_ERR_FORMAT;
        }
    }
}

/* The Content-Encoding value; several header lines are joined as one list. */
static struct fb_str content_encoding(const struct fb_header *hdrs, size_t n, struct fb_arena *a)
{
    struct fb_str v = FB_STR_NULL;
    for (size_t i = 0; i < n; i++) {
        if (!fb_str_ieq_cstr(hdrs[i].name, "Content-Encoding") || hdrs[i].value.len == 0)
            continue;
        if (v.len == 0) {
            v = hdrs[i].value;
        } else {
            char *j = fb_arena_printf(a, "%.*s, %.*s", FB_STR_FMT(v), FB_STR_FMT(hdrs[i].value));
            v = fb_str_cstr(j);
        }
    }
    return fb_str_trim(v);
}

static void decode_body(struct fb_msg *m, size_t max, struct fb_arena *a)
{
    struct fb_str ce = content_encoding(m->headers, m->n_headers, a);
    if (ce.len == 0 || m->body.len == 0)
        return;
    struct fb_str dec;
    int rc = fb_decode_content(ce, (const uint8_t *)m->body.ptr, m->body.len, max, a, &dec, NULL);
    if (rc == FB_OK) {
        if (dec.ptr != m->body.ptr) {
            m->flags |= FB_MSG_DECODED;
            m->body = dec;
        }
    } else if (rc == FB_ERR_LIMIT) {
        m->flags |= FB_MSG_DECODE_LIMIT;
        m->body = dec;
    } else {
        m->flags |= FB_MSG_DECODE_FAILED; /* raw body kept */
    }
}

/* A message body as read from the bytes after the head. */
struct body_read {
    struct fb_str body; /* borrowed from the input, or in the arena (chunked) */
    unsigned flags;     /* the head's flags, plus what reading the body found */
    uint64_t wire;      /* body bytes on the wire (chunk framing excluded) */
    size_t used;        /* input bytes the body took */
};

/* A Content-Length or close-delimited body (r->body starts at it, borrowed). 0, or FB_ERR_NEED_MORE
 * when more input may come (not at_eof); at end of input a short body is kept and flagged
 * truncated. */
static int read_sized(const struct fb_http1_framing *fr, size_t avail,
                      const struct fb_http1_opts *o, struct body_read *r)
{
    size_t blen;
    if (fr->kind == FB_FRAME_LENGTH && fr->length <= avail) {
        blen = (size_t)fr->length;
    } else if (!o->at_eof) {
        return FB_ERR_NEED_MORE;
    } else {
        blen = avail;
        if (fr->kind == FB_FRAME_LENGTH)
            r->flags |= FB_MSG_TRUNCATED;
    }
    r->used = blen;
    r->wire = blen;
    if (blen > o->limits.max_body) {
        blen = o->limits.max_body;
        r->flags |= FB_MSG_BODY_LIMIT;
    }
    r->body.len = blen;
    return 0;
}

/* A chunked body, de-chunked into the arena. 0, or FB_ERR_NEED_MORE (not at_eof). Cut
 * short at end of input, or with its framing lost (a bad chunk line), what is there is
 * the body and the rest of the input is taken: it cannot be trusted as a next message. */
static int read_chunked(const uint8_t *b, size_t avail, const struct fb_http1_opts *o,
                        struct fb_arena *a, struct body_read *r)
{
    struct fb_buf buf;
    fb_buf_init(&buf, o->limits.max_body);
    int cut = 0;
    size_t used = 0;
    int rc = dechunk(b, avail, &buf, &r->wire, &cut, &used);
    if (rc == FB_ERR_NEED_MORE && !o->at_eof) {
        fb_buf_cleanup(&buf);
        return rc;
    }
    r->flags |= FB_MSG_CHUNKED | (cut ? FB_MSG_BODY_LIMIT : 0u);
    if (rc == FB_OK) {
        r->used = used;
    } else {
        r->flags |= FB_MSG_TRUNCATED | (rc == FB_ERR_FORMAT ? FB_MSG_MALFORMED : 0u);
        r->used = avail;
    }
    size_t blen;
    uint8_t *d = fb_buf_detach(&buf, &blen);
    fb_arena_adopt(a, d);
    if (d)
        r->body = fb_str_make((const char *)d, blen);
    return 0;
}

int fb_http1_parse_message(const uint8_t *data, size_t len, enum fb_http1_kind kind,
                           const struct fb_http1_opts *o, struct fb_msg *out, struct fb_arena *a)
{
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        len = INT_MAX; /* the return value is an int: the rest is left for a later call */

    struct fb_header stack[STACK_HDRS];
    struct fb_header *hdrs = stack, *heap = NULL;
    size_t slots = o->limits.max_headers < STACK_HDRS ? o->limits.max_headers : STACK_HDRS;
    struct fb_http1_head h;
    int n = fb_http1_parse_head(data, len, kind, o->limits.max_head_bytes, &h, hdrs, slots);
    if (n < 0)
        return n;
    if (h.n_headers_seen > slots && o->limits.max_headers > slots) {
        /* more fields than the stack holds: parse again into a heap array sized by
         * what is there, never by the (possibly huge) configured maximum */
        slots = h.n_headers_seen < o->limits.max_headers ? h.n_headers_seen : o->limits.max_headers;
        heap = hdrs = fb_xcalloc(slots, sizeof *hdrs);
        n = fb_http1_parse_head(data, len, kind, o->limits.max_head_bytes, &h, hdrs, slots);
    }

    struct fb_http1_framing fr;
    int rc =
        fb_http1_framing(kind, h.status, kind == FB_HTTP1_RESPONSE ? o->req_method : FB_STR_NULL,
                         hdrs, h.n_headers, &fr);
    if (rc) {
        free(heap);
        return rc;
    }
    const uint8_t *b = data + n;
    size_t avail = len - (size_t)n;
    struct body_read r = {fb_str_make((const char *)b, 0), h.flags, 0, 0};
    if (fr.kind == FB_FRAME_LENGTH || fr.kind == FB_FRAME_CLOSE)
        rc = read_sized(&fr, avail, o, &r);
    else if (fr.kind == FB_FRAME_CHUNKED)
        rc = read_chunked(b, avail, o, a, &r);
    if (rc) {
        free(heap);
        return rc;
    }
    size_t consumed = (size_t)n + r.used;

    out->method = h.method;
    out->target = h.target;
    out->status = kind == FB_HTTP1_RESPONSE ? h.status : 0;
    out->reason = h.reason;
    out->version = h.version;
    out->n_headers = h.n_headers;
    if (h.n_headers) {
        out->headers = fb_arena_alloc(a, h.n_headers * sizeof *out->headers);
        memcpy(out->headers, hdrs, h.n_headers * sizeof *out->headers);
    }
    free(heap);
    out->body = r.body;
    out->flags = r.flags;
    out->wire_size = r.wire;
    if (o->decode)
        decode_body(out, o->limits.max_decoded, a);
    out->decoded_size = out->body.len;
    if ((out->flags & FB_MSG_BODY_LIMIT) && !(out->flags & (FB_MSG_DECODED | FB_MSG_DECODE_LIMIT)))
        out->decoded_size = r.wire; /* the size it had; only the stored copy was cut */
    return (int)consumed;
}

int fb_http1_parse_responses(const uint8_t *data, size_t len, const struct fb_http1_opts *o,
                             struct fb_msg *final, struct fb_msg **interim, size_t *n_interim,
                             struct fb_arena *a)
{
    if (len > INT_MAX)
        len = INT_MAX;
    size_t off = 0, cap = 0;
    *interim = NULL;
    *n_interim = 0;
    for (;;) {
        struct fb_msg m;
        int rc = fb_http1_parse_message(data + off, len - off, FB_HTTP1_RESPONSE, o, &m, a);
        if (rc < 0) {
            memset(final, 0, sizeof *final);
            return rc; /* the interim responses parsed so far stay in *interim */
        }
        off += (size_t)rc;
        if (m.status >= 200 || m.status == 101) {
            *final = m;
            return (int)off;
        }
        if (*n_interim == cap) {
            size_t ncap = cap ? cap * 2 : 2;
            struct fb_msg *arr = fb_arena_alloc(a, ncap * sizeof *arr);
            if (cap)
                memcpy(arr, *interim, cap * sizeof *arr);
            *interim = arr;
            cap = ncap;
        }
        (*interim)[(*n_interim)++] = m;
    }
}
