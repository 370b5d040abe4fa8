/* http1.c - HTTP/1.x messages (RFC 9112): start line and header block (zero-copy),
 * body framing (section 6.3), and the sequence of responses to one request. Bodies (the
 * chunked decoder, the body sink, content decoding) and the whole-message parse are in
 * http1_stream.c: one resumable parser serves the SAZ reader and the captures.
 *
 * Layout of one message in the caller's input, and what points where:
 *
 *   [CRLF*] start-line CRLF (field-line CRLF | obs-fold CRLF)* CRLF  body
 *           ^ method/target/reason  ^ header name/value slices
 *           (borrowed: into the input given to fb_http1_parse_head)
 *
 * Leniency, on purpose (traces come from broken clients too): bare LF line ends, any
 * run of SP between start-line parts, leading empty lines, header lines without a
 * colon (skipped, FB_MSG_MALFORMED), "HTTP/2" start lines written by Fiddler
 * Everywhere. It does not speak HTTP/2 frames (http2.c does), does not pair
 * requests with responses across a connection (the readers do), and does not
 * interpret header values other than the framing ones.
 */
#include "fbdiag/http1.h"
#include "http1_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"

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

int fb_http1_start_prefix_ok(const uint8_t *p, const uint8_t *end, enum fb_http1_kind kind)
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
        return fb_http1_start_prefix_ok(p, end, kind) ? FB_ERR_NEED_MORE : FB_ERR_FORMAT;
    }
    if ((size_t)(lf + 1 - data) > max_head_bytes)
        return FB_ERR_LIMIT;
    struct fb_str sl = line_of(p, lf);
    int rc = kind == FB_HTTP1_REQUEST ? parse_request_line(sl, h) : parse_status_line(sl, h);
    if (rc)
        return rc;
    return fb_http1_parse_fields(data, (size_t)(lf + 1 - data), len, max_head_bytes, h, hdrs,
                                 max_hdrs);
}

int fb_http1_parse_fields(const uint8_t *data, size_t off, size_t len, size_t max_bytes,
                          struct fb_http1_head *h, struct fb_header *hdrs, size_t max_hdrs)
{
    if (len > INT_MAX)
        len = INT_MAX;
    const uint8_t *p = data + off, *end = data + len, *lf;
    struct fb_header *last = NULL; /* the stored field an obs-fold line continues */
    int in_field = 0;              /* the previous line was a field (stored or not) */
    for (;;) {
        lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf)
            return len > max_bytes ? FB_ERR_LIMIT : FB_ERR_NEED_MORE;
        if ((size_t)(lf + 1 - data) > max_bytes)
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
