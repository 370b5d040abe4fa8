/* http1_stream.c - the resumable parser of one direction of an HTTP/1 connection
 * (RFC 9112 sections 2.2, 6, 7.1), and the whole-message parse built on it, so the SAZ
 * reader and the captures share one implementation. Heads are parsed by http1.c
 * (fb_http1_parse_head, fb_http1_framing); content decoding is decode.c's.
 *
 * States, and what moves between them (one byte at a time or many, the same path):
 *
 *   IDLE --byte not CR/LF--> HEAD --blank line--> (framing) --> LENGTH | CLOSE | CSIZE
 *     ^                        |                     |              | none: READY
 *     |                        v FB_ERR_FORMAT/LIMIT  v
 *     |                      LOST --gap--> RESYNC --start line--> HEAD
 *     |   CSIZE -> CDATA -> CEND -> CSIZE ...; size 0 -> TRAILER --blank--> READY
 *     +--- take <-- READY (101 or 2xx to CONNECT: SWITCHED, nothing more is parsed)
 *
 * Memory per stream: the head (at most max_head_bytes), the kept body (at most
 * max_body), the trailer lines (at most max_head_bytes), the header array (at most
 * max_headers) and a fixed queue of expected request methods. Bytes past the body cap
 * are counted, not kept. take hands those buffers to the arena without copying.
 *
 * It does not pair requests with responses (the caller queues methods with
 * fb_http1_stream_expect), does not know TCP (gaps are told to it), and does not parse
 * what follows a protocol switch.
 */
#include "fbdiag/http1.h"
#include "http1_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/decode.h"

#define STACK_HDRS 64 /* header slots tried on the stack before a heap array */
#define EXPECT_MAX 64 /* request methods queued; more are dropped (framed as GET) */
#define METHOD_MAX 16 /* bytes kept of a queued method (HEAD and CONNECT matter) */
#define CAND_MAX 16   /* longest start-line prefix the resync scan matches */

enum state {
    ST_IDLE,     /* between messages: empty lines are skipped */
    ST_HEAD,     /* start line and header lines accumulate in head */
    ST_LENGTH,   /* Content-Length body: left bytes to come */
    ST_CLOSE,    /* close-delimited body: until fb_http1_stream_eof */
    ST_CSIZE,    /* chunk-size line, extensions included */
    ST_CDATA,    /* chunk data: left bytes to come */
    ST_CEND,     /* the line end after chunk data */
    ST_TRAILER,  /* trailer section */
    ST_READY,    /* a message is complete and waits for take */
    ST_LOST,     /* not HTTP/1 at a message start: feed fails until a gap */
    ST_RESYNC,   /* looking for a plausible start line at a line start */
    ST_SWITCHED, /* another protocol follows: nothing more is parsed */
};

/* The chunk-size line, parsed as it streams. Errors are reported at its LF only, so
 * a line cut by the end of input is truncation, not malformation, however it is split. */
struct chunk_line {
    uint64_t size;
    unsigned digits;
    int phase; /* 0 hex digits, 1 OWS after them, 2 extension (ignored) */
    int cr;    /* the previous byte was a CR that may end the line */
    int bad;
};

struct fb_http1_stream {
    enum fb_http1_kind kind;
    struct fb_http1_limits lim;
    int decode;
    int borrow; /* the whole-message parse: slices point into its one input */
    enum state st;
    int err; /* ST_LOST: what feed returns */

    struct fb_buf head;               /* start line + header lines; the slices point here */
    const uint8_t *head_in, *body_in; /* borrow: the head and a sized body in the input */
    size_t head_in_len;
    size_t lead;     /* empty-line bytes skipped before this head (count as head) */
    size_t line_off; /* start of the current head line */
    int start_ok;    /* the start line's prefix can no longer turn invalid */
    int start_seen;  /* the start line's LF came and the line parsed */
    struct fb_http1_head h;
    struct fb_header *hdrs; /* heap: head fields, then trailer fields */
    size_t n_head_hdrs;     /* of them, the head's (Content-Encoding is read there) */

    struct fb_buf body; /* kept body bytes (max_body) */
    uint64_t wire;      /* body bytes on the wire, chunk framing excluded */
    uint64_t left;      /* ST_LENGTH, ST_CDATA */
    unsigned flags;
    struct chunk_line cl;
    int cend_cr;
    struct fb_buf trailer; /* trailer lines; slices of trailer fields point here */
    size_t tl_start, tl_len;
    int tl_cr, tl_over;

    int switches;     /* the message in progress switches protocols */
    int resync_after; /* after take, look for a start line (framing was lost) */
    int resync_bol;   /* ... and the next byte starts a line */
    int framing_lost; /* bad chunk framing ended the message */

    uint8_t cand[CAND_MAX]; /* ST_RESYNC: bytes of a start-line prefix */
    size_t n_cand;
    int bol;

    struct {
        char m[METHOD_MAX];
        size_t len;
    } expect[EXPECT_MAX];
    size_t ex_first, ex_n;
};

/* ---- helpers shared by the states -------------------------------------------------- */

static void clear_message(struct fb_http1_stream *s)
{
    fb_buf_cleanup(&s->head);
    fb_buf_cleanup(&s->body);
    fb_buf_cleanup(&s->trailer);
    free(s->hdrs);
    s->hdrs = NULL;
    s->n_head_hdrs = 0;
    memset(&s->h, 0, sizeof s->h);
    memset(&s->cl, 0, sizeof s->cl);
    s->head_in = s->body_in = NULL;
    s->head_in_len = 0;
    s->lead = s->line_off = 0;
    s->start_ok = s->start_seen = 0;
    s->wire = s->left = 0;
    s->flags = 0;
    s->cend_cr = 0;
    s->tl_start = s->tl_len = 0;
    s->tl_cr = s->tl_over = 0;
    s->switches = s->resync_after = s->resync_bol = s->framing_lost = 0;
}

static void start_resync(struct fb_http1_stream *s, int bol)
{
    clear_message(s);
    s->st = ST_RESYNC;
    s->n_cand = 0;
    s->bol = bol;
}

/* Keeps what fits under the body cap and counts all of it. */
static void sink(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    if (s->borrow && !(s->flags & FB_MSG_CHUNKED)) {
        if (!s->body_in)
            s->body_in = p; /* one feed holds the whole message: contiguous */
    } else {
        size_t room = s->body.max - s->body.len;
        size_t k = n < room ? n : room;
        if (k && fb_buf_append(&s->body, p, k) != FB_OK)
            k = 0; /* cannot happen: bounded by room */
        if (n > k)
            s->flags |= FB_MSG_BODY_LIMIT;
    }
    s->wire += n;
}

/* Chunk framing is lost: the message ends as it is and the parser resynchronises. */
static void lose_framing(struct fb_http1_stream *s, int bol)
{
    s->flags |= FB_MSG_MALFORMED | FB_MSG_TRUNCATED;
    s->framing_lost = s->resync_after = 1;
    s->resync_bol = bol;
    s->st = ST_READY;
}

/* Parses a head (with its start line) or a trailer section (fields only) in d into h and
 * a heap array sized by what is there, never by the configured maximum. */
static int parse_block(const struct fb_http1_stream *s, const uint8_t *d, size_t len, int head,
                       size_t max_bytes, size_t max_hdrs, struct fb_http1_head *h,
                       struct fb_header **out)
{
    struct fb_header stack[STACK_HDRS];
    struct fb_header *hdrs = stack;
    size_t slots = max_hdrs < STACK_HDRS ? max_hdrs : STACK_HDRS;
    int n;
    for (;;) {
        memset(h, 0, sizeof *h);
        n = head ? fb_http1_parse_head(d, len, s->kind, max_bytes, h, hdrs, slots)
                 : fb_http1_parse_fields(d, 0, len, max_bytes, h, hdrs, slots);
        if (n < 0 || hdrs != stack || h->n_headers_seen <= slots || max_hdrs <= slots)
            break;
        slots = h->n_headers_seen < max_hdrs ? h->n_headers_seen : max_hdrs;
        hdrs = fb_xcalloc(slots, sizeof *hdrs);
    }
    if (n < 0) {
        if (hdrs != stack)
            free(hdrs);
        return n;
    }
    if (hdrs == stack) {
        hdrs = fb_xmalloc((h->n_headers ? h->n_headers : 1) * sizeof *hdrs);
        memcpy(hdrs, stack, h->n_headers * sizeof *hdrs);
    }
    *out = hdrs;
    return n;
}

/* ---- heads ------------------------------------------------------------------------- */

static const uint8_t *head_data(const struct fb_http1_stream *s)
{
    return s->borrow ? s->head_in : s->head.data;
}

static size_t head_len(const struct fb_http1_stream *s)
{
    return s->borrow ? s->head_in_len : s->head.len;
}

static struct fb_str pop_expect(struct fb_http1_stream *s, char *buf)
{
    if (s->ex_n == 0)
        return FB_STR_NULL;
    size_t len = s->expect[s->ex_first].len;
    memcpy(buf, s->expect[s->ex_first].m, len);
    s->ex_first = (s->ex_first + 1) % EXPECT_MAX;
    s->ex_n--;
    return fb_str_make(buf, len);
}

/* The head is complete in s->head: parse it, decide the framing, enter the body state. */
static int head_done(struct fb_http1_stream *s)
{
    struct fb_header *hdrs;
    int n = parse_block(s, head_data(s), head_len(s), 1, s->lim.max_head_bytes - s->lead,
                        s->lim.max_headers, &s->h, &hdrs);
    if (n < 0)
        return n;
    s->hdrs = hdrs;
    s->n_head_hdrs = s->h.n_headers;
    s->flags = s->h.flags;

    char mbuf[METHOD_MAX];
    struct fb_str method = FB_STR_NULL;
    int status = s->kind == FB_HTTP1_RESPONSE ? s->h.status : 0;
    if (s->kind == FB_HTTP1_RESPONSE && (status >= 200 || status == 101))
        method = pop_expect(s, mbuf); /* interim responses answer no request of their own */
    struct fb_http1_framing fr;
    int rc = fb_http1_framing(s->kind, status, method, s->hdrs, s->h.n_headers, &fr);
    if (rc)
        return rc;
    s->switches =
        status == 101 || (status >= 200 && status < 300 && fb_str_ieq_cstr(method, "CONNECT"));
    s->st = ST_READY;
    if (fr.kind == FB_FRAME_LENGTH && fr.length > 0) {
        s->left = fr.length;
        s->st = ST_LENGTH;
    } else if (fr.kind == FB_FRAME_CLOSE) {
        s->st = ST_CLOSE;
    } else if (fr.kind == FB_FRAME_CHUNKED) {
        s->flags |= FB_MSG_CHUNKED;
        s->st = ST_CSIZE;
    }
    return FB_OK;
}

/* A line of the head ended at s->head's last byte (its LF). Returns 1 when it was the
 * blank line that ends the head, 0 to go on, or an error. */
static int head_line(struct fb_http1_stream *s)
{
    const uint8_t *d = head_data(s);
    size_t len = head_len(s);
    if (!s->start_seen) {
        /* check the start line as soon as it is there: a capture that is not HTTP/1
         * should not be buffered up to the head cap first */
        struct fb_http1_head h;
        struct fb_header none[1];
        int rc = fb_http1_parse_head(d, len, s->kind, s->lim.max_head_bytes - s->lead, &h, none, 0);
        if (rc != FB_ERR_NEED_MORE)
            return rc < 0 ? rc : FB_ERR_FORMAT;
        s->start_seen = 1;
        s->line_off = len;
        return 0;
    }
    size_t ll = len - 1 - s->line_off;
    if (ll == 0 || (ll == 1 && d[s->line_off] == '\r'))
        return 1;
    s->line_off = len;
    return 0;
}

static int step_head(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    size_t cap = s->lim.max_head_bytes - s->lead, used = 0;
    while (used < n) {
        const uint8_t *lf = memchr(p + used, '\n', n - used);
        size_t seg = lf ? (size_t)(lf - (p + used)) + 1 : n - used;
        if (seg > cap - head_len(s))
            return FB_ERR_LIMIT;
        if (s->borrow) {
            if (!s->head_in)
                s->head_in = p + used;
            s->head_in_len += seg;
        } else if (fb_buf_append(&s->head, p + used, seg) != FB_OK) {
            return FB_ERR_LIMIT; /* cannot happen: bounded by cap */
        }
        used += seg;
        if (!s->start_ok && !s->start_seen) {
            const uint8_t *b = head_data(s), *e = b + head_len(s) - (lf ? 1 : 0);
            if (!fb_http1_start_prefix_ok(b, e, s->kind))
                return FB_ERR_FORMAT;
            s->start_ok =
                s->kind == FB_HTTP1_RESPONSE ? e - b >= 5 : memchr(b, ' ', (size_t)(e - b)) != NULL;
        }
        if (!lf)
            break;
        int rc = head_line(s);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            rc = head_done(s);
            return rc < 0 ? rc : (int)used;
        }
    }
    return (int)used;
}

static int step_idle(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    s->lead += i;
    if (s->lead > s->lim.max_head_bytes)
        return FB_ERR_LIMIT; /* as fb_http1_parse_head counts them */
    if (i < n)
        s->st = ST_HEAD;
    return (int)i;
}

/* ---- bodies ------------------------------------------------------------------------ */

static int step_counted(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    size_t k = s->left < n ? (size_t)s->left : n;
    sink(s, p, k);
    s->left -= k;
    if (s->left == 0)
        s->st = s->st == ST_LENGTH ? ST_READY : ST_CEND;
    return (int)k;
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

static void chunk_line_end(struct fb_http1_stream *s)
{
    struct chunk_line *cl = &s->cl;
    if (cl->bad || cl->digits == 0) {
        lose_framing(s, 1);
    } else if (cl->size == 0) {
        s->st = ST_TRAILER;
        fb_buf_init(&s->trailer, s->lim.max_head_bytes + 1);
    } else {
        s->left = cl->size;
        s->st = ST_CDATA;
    }
    memset(cl, 0, sizeof *cl);
}

/* chunk-size [ OWS ] [ ";" extensions ] CRLF (RFC 9112 section 7.1.1; OWS as the
 * whole-buffer parser always accepted it). */
static int step_csize(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    struct chunk_line *cl = &s->cl;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\n') {
            chunk_line_end(s);
            return (int)i + 1;
        }
        if (cl->cr) {
            cl->cr = 0;
            cl->bad |= cl->phase != 2; /* that CR was inside the line */
        }
        if (cl->phase == 2)
            continue;
        if (c == '\r') {
            cl->cr = 1;
            continue;
        }
        int d = cl->phase == 0 ? hex_digit(c) : -1;
        if (d >= 0) {
            cl->bad |= cl->size > (UINT64_MAX >> 4);
            cl->size = cl->size << 4 | (unsigned)d;
            cl->digits++;
            continue;
        }
        cl->bad |= cl->digits == 0;
        if (c == ' ' || c == '\t')
            cl->phase = 1;
        else if (c == ';')
            cl->phase = 2;
        else
            cl->bad = 1;
    }
    return (int)n;
}

static int step_cend(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    (void)n;
    if (p[0] == '\r' && !s->cend_cr) {
        s->cend_cr = 1;
    } else if (p[0] == '\n') {
        s->cend_cr = 0;
        s->st = ST_CSIZE;
    } else {
        s->cend_cr = 0;
        lose_framing(s, 0);
    }
    return 1;
}

/* The blank line after the last chunk came: trailer fields join the headers. */
static void trailers_done(struct fb_http1_stream *s)
{
    s->st = ST_READY;
    if (s->tl_start == 0 && !s->tl_over)
        return; /* no trailer fields */
    if (s->tl_over) {
        s->flags |= FB_MSG_HEADER_LIMIT;
        if (fb_buf_append(&s->trailer, "\n", 1) != FB_OK)
            return; /* cannot happen: one byte is kept free for it */
    }
    size_t room = s->lim.max_headers - s->h.n_headers;
    struct fb_http1_head th;
    struct fb_header *t;
    if (parse_block(s, s->trailer.data, s->trailer.len, 0, s->trailer.max, room, &th, &t) < 0)
        return; /* cannot happen: the block ends with an empty line */
    s->flags |= th.flags;
    if (th.n_headers) {
        s->hdrs = fb_xrealloc(s->hdrs, (s->h.n_headers + th.n_headers) * sizeof *s->hdrs);
        memcpy(s->hdrs + s->h.n_headers, t, th.n_headers * sizeof *t);
        s->h.n_headers += th.n_headers;
    }
    free(t);
}

static int step_trailer(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!s->tl_over) {
            if (s->trailer.len < s->lim.max_head_bytes) {
                if (fb_buf_append(&s->trailer, &c, 1) != FB_OK)
                    s->tl_over = 1; /* cannot happen: max is one more */
            } else {
                s->tl_over = 1;
                s->trailer.len = s->tl_start; /* keep whole lines only */
            }
        }
        if (c != '\n') {
            s->tl_len++;
            s->tl_cr = c == '\r';
            continue;
        }
        if (s->tl_len == 0 || (s->tl_len == 1 && s->tl_cr)) {
            trailers_done(s);
            return (int)i + 1;
        }
        if (!s->tl_over)
            s->tl_start = s->trailer.len;
        s->tl_len = 0;
        s->tl_cr = 0;
    }
    return (int)n;
}

/* ---- resynchronisation ------------------------------------------------------------- */

static const char *const request_starts[] = {
    "GET ",     "POST ",   "PUT ",      "HEAD ",      "DELETE ",      "OPTIONS ",      "PATCH ",
    "CONNECT ", "TRACE ",  "PROPFIND ", "PROPPATCH ", "MKCOL ",       "COPY ",         "MOVE ",
    "LOCK ",    "UNLOCK ", "SEARCH ",   "REPORT ",    "RPC_IN_DATA ", "RPC_OUT_DATA ",
};

/* 1: cand is a whole start-line prefix, 0: it may become one, -1: it cannot. */
static int match_start(const uint8_t *cand, size_t n, enum fb_http1_kind kind)
{
    static const char *const response_starts[] = {"HTTP/1."};
    const char *const *pats = kind == FB_HTTP1_REQUEST ? request_starts : response_starts;
    size_t n_pats = kind == FB_HTTP1_REQUEST ? sizeof request_starts / sizeof *request_starts : 1;
    int best = -1;
    for (size_t i = 0; i < n_pats; i++) {
        size_t pl = strlen(pats[i]);
        if (n <= pl && memcmp(cand, pats[i], n) == 0)
            best = n == pl ? 1 : (best < 0 ? 0 : best);
    }
    return best;
}

static int step_resync(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (s->bol || s->n_cand) {
            s->cand[s->n_cand++] = c;
            int m = match_start(s->cand, s->n_cand, s->kind);
            if (m == 1) {
                size_t k = s->n_cand;
                s->n_cand = 0;
                s->st = ST_HEAD;
                int rc = step_head(s, s->cand, k);
                return rc < 0 ? rc : (int)i + 1;
            }
            if (m == 0)
                continue;
            s->n_cand = 0;
        }
        s->bol = c == '\n';
    }
    return (int)n;
}

/* ---- the public entry points ------------------------------------------------------- */

struct fb_http1_stream *fb_http1_stream_new(enum fb_http1_kind kind,
                                            const struct fb_http1_limits *l, int decode)
{
    struct fb_http1_stream *s = fb_xcalloc(1, sizeof *s);
    s->kind = kind;
    if (l)
        s->lim = *l;
    else
        fb_http1_limits_default(&s->lim);
    s->decode = decode;
    s->st = ST_IDLE;
    fb_buf_init(&s->head, s->lim.max_head_bytes);
    fb_buf_init(&s->body, s->lim.max_body);
    return s;
}

void fb_http1_stream_free(struct fb_http1_stream *s)
{
    if (!s)
        return;
    clear_message(s);
    free(s);
}

void fb_http1_stream_expect(struct fb_http1_stream *s, struct fb_str req_method)
{
    if (s->ex_n == EXPECT_MAX)
        return;
    size_t i = (s->ex_first + s->ex_n++) % EXPECT_MAX;
    s->expect[i].len = req_method.len < METHOD_MAX ? req_method.len : METHOD_MAX;
    if (s->expect[i].len)
        memcpy(s->expect[i].m, req_method.ptr, s->expect[i].len);
}

static int step(struct fb_http1_stream *s, const uint8_t *p, size_t n)
{
    switch (s->st) {
    case ST_IDLE: return step_idle(s, p, n);
    case ST_HEAD: return step_head(s, p, n);
    case ST_LENGTH:
    case ST_CDATA: return step_counted(s, p, n);
    case ST_CLOSE: sink(s, p, n); return (int)n;
    case ST_CSIZE: return step_csize(s, p, n);
    case ST_CEND: return step_cend(s, p, n);
    case ST_TRAILER: return step_trailer(s, p, n);
    case ST_RESYNC: return step_resync(s, p, n);
    case ST_READY:
    case ST_LOST:
    case ST_SWITCHED: break;
    }
    return 0;
}

int fb_http1_stream_feed(struct fb_http1_stream *s, const uint8_t *p, size_t n, int *ready)
{
    *ready = 0;
    if (s->st == ST_LOST)
        return s->err;
    if (n > INT_MAX)
        n = INT_MAX; /* the return value is an int: the rest is for the next call */
    size_t off = 0;
    while (off < n && s->st != ST_READY && s->st != ST_SWITCHED) {
        int rc = step(s, p + off, n - off);
        if (rc < 0) {
            clear_message(s);
            s->st = ST_LOST;
            s->err = rc;
            return rc;
        }
        off += (size_t)rc;
    }
    *ready = s->st == ST_READY;
    return (int)off;
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

/* Undoes the head's Content-Encoding (trailers do not count), then sets decoded_size. */
static void finish_body(struct fb_msg *m, size_t n_head_hdrs, int decode, size_t max,
                        struct fb_arena *a)
{
    struct fb_str ce = decode ? content_encoding(m->headers, n_head_hdrs, a) : FB_STR_NULL;
    if (ce.len && m->body.len) {
        struct fb_str dec;
        int rc =
            fb_decode_content(ce, (const uint8_t *)m->body.ptr, m->body.len, max, a, &dec, NULL);
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
    m->decoded_size = m->body.len;
    if ((m->flags & FB_MSG_BODY_LIMIT) && !(m->flags & (FB_MSG_DECODED | FB_MSG_DECODE_LIMIT)))
        m->decoded_size = m->wire_size; /* the size it had; only the stored copy was cut */
}

/* Hands a buffer's storage to the arena; returns its bytes. */
static struct fb_str adopt(struct fb_buf *b, struct fb_arena *a)
{
    size_t len;
    uint8_t *d = fb_buf_detach(b, &len);
    fb_arena_adopt(a, d);
    return d ? fb_str_make((const char *)d, len) : fb_str_make("", 0);
}

void fb_http1_stream_take(struct fb_http1_stream *s, struct fb_msg *out, struct fb_arena *a)
{
    memset(out, 0, sizeof *out);
    if (s->st != ST_READY)
        return;
    (void)adopt(&s->head, a); /* the start-line and header slices point into it */
    (void)adopt(&s->trailer, a);
    out->method = s->h.method;
    out->target = s->h.target;
    out->status = s->kind == FB_HTTP1_RESPONSE ? s->h.status : 0;
    out->reason = s->h.reason;
    out->version = s->h.version;
    out->n_headers = s->h.n_headers;
    if (s->h.n_headers) {
        out->headers = s->hdrs;
        fb_arena_adopt(a, s->hdrs);
        s->hdrs = NULL;
    }
    out->body = adopt(&s->body, a);
    if (s->body_in) {
        size_t keep = s->wire < s->lim.max_body ? (size_t)s->wire : s->lim.max_body;
        out->body = fb_str_make((const char *)s->body_in, keep);
        if (s->wire > keep)
            out->flags |= FB_MSG_BODY_LIMIT;
    }
    out->flags |= s->flags;
    out->wire_size = s->wire;
    finish_body(out, s->n_head_hdrs, s->decode, s->lim.max_decoded, a);

    int switches = s->switches, resync = s->resync_after, bol = s->resync_bol;
    clear_message(s);
    if (switches)
        s->st = ST_SWITCHED;
    else if (resync)
        start_resync(s, bol);
    else
        s->st = ST_IDLE;
}

int fb_http1_stream_eof(struct fb_http1_stream *s, struct fb_msg *out, struct fb_arena *a)
{
    if (s->st >= ST_LENGTH && s->st <= ST_TRAILER) {
        if (s->st != ST_CLOSE)
            s->flags |= FB_MSG_TRUNCATED;
        s->st = ST_READY;
    }
    if (s->st == ST_READY) {
        fb_http1_stream_take(s, out, a);
        return 1;
    }
    if (s->st == ST_HEAD || s->st == ST_IDLE) {
        clear_message(s); /* an incomplete head: nothing to return */
        s->st = ST_IDLE;
    }
    memset(out, 0, sizeof *out);
    return 0;
}

int fb_http1_stream_gap(struct fb_http1_stream *s, uint64_t n)
{
    switch (s->st) {
    case ST_LENGTH:
        s->flags |= FB_MSG_GAP;
        if (n < s->left) {
            s->left -= n;
            s->wire += n;
            return 0;
        }
        s->wire += s->left;
        s->resync_after = n > s->left; /* the rest was the start of what follows */
        s->resync_bol = 1;
        s->left = 0;
        s->st = ST_READY;
        return 1;
    case ST_CLOSE: /* everything until the close is body */
        s->flags |= FB_MSG_GAP;
        s->wire += n;
        return 0;
    case ST_CSIZE:
    case ST_CDATA:
    case ST_CEND:
    case ST_TRAILER:
        s->flags |= FB_MSG_GAP | FB_MSG_TRUNCATED;
        s->st = ST_READY;
        s->resync_after = s->resync_bol = 1;
        return 1;
    case ST_READY: s->resync_after = s->resync_bol = 1; return 1;
    case ST_IDLE:
    case ST_HEAD:
    case ST_LOST:
    case ST_RESYNC: start_resync(s, 1); return 0;
    case ST_SWITCHED: break;
    }
    return 0;
}

int fb_http1_stream_switched(const struct fb_http1_stream *s)
{
    return s->st == ST_SWITCHED;
}

int fb_http1_stream_busy(const struct fb_http1_stream *s)
{
    return s->st >= ST_HEAD && s->st <= ST_READY;
}

/* ---- the whole-message parse: the stream fed once --------------------------------- */

int fb_http1_parse_message(const uint8_t *data, size_t len, enum fb_http1_kind kind,
                           const struct fb_http1_opts *o, struct fb_msg *out, struct fb_arena *a)
{
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        len = INT_MAX; /* the return value is an int: the rest is left for a later call */
    struct fb_http1_stream *s = fb_http1_stream_new(kind, &o->limits, o->decode);
    s->borrow = 1; /* one feed holds everything: borrow from data, as the contract says */
    if (kind == FB_HTTP1_RESPONSE && o->req_method.len)
        fb_http1_stream_expect(s, o->req_method);
    int ready;
    int rc = fb_http1_stream_feed(s, data, len, &ready);
    if (rc >= 0 && ready) {
        if (s->framing_lost)
            rc = (int)len; /* what follows cannot be trusted as a next message */
        fb_http1_stream_take(s, out, a);
    } else if (rc >= 0 && o->at_eof && fb_http1_stream_eof(s, out, a)) {
        rc = (int)len;
    } else if (rc >= 0) {
        rc = FB_ERR_NEED_MORE;
    }
    fb_http1_stream_free(s);
    return rc;
}
