/* h2.c - passive HTTP/2 (RFC 9113) over both directions of one connection: the frame
 * layer (9-byte header; DATA, HEADERS with PADDED/PRIORITY, PRIORITY, RST_STREAM,
 * SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION; unknown types
 * skipped) and one nghttp2 HPACK (RFC 7541) inflater per direction. Every stream becomes
 * an exchange built in its own arena and handed over when it finishes.
 *
 * Bytes of one direction flow through a small state machine:
 *
 *   C2S: START (preface?) --yes--> FRAMES <--------+
 *          |no (mid-stream: unreliable)             | plausible frame header found
 *          +---------------------------> RESYNC ----+
 *   S2C: FRAMES (first frame not plausible: RESYNC; not SETTINGS: unreliable)
 *   any: frame over max_frame -> LOST (until fb_h2_gap); fb_h2_gap -> RESYNC
 *
 * Whole frames are processed where they lie in the caller's bytes; only a frame cut by
 * the end of a feed is copied (up to max_frame + 9 bytes per direction). Header blocks
 * are inflated fragment by fragment as HEADERS, PUSH_PROMISE and CONTINUATION frames
 * arrive, so a block is never accumulated whole; every block goes through the inflater,
 * also on reset, dropped or unknown streams, to keep the dynamic table in step.
 *
 * It does not: read TCP or TLS, check flow control, enforce stream state rules (a
 * passive observer takes what it sees), or guess headers after a gap (they are decoded
 * if the inflater can, and flagged FB_MSG_UNRELIABLE).
 */
#include "fbdiag/h2.h"

#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/cursor.h"
#include "fbdiag/decode.h"

enum { T_DATA, T_HEADERS, T_PRIORITY, T_RST, T_SETTINGS, T_PUSH, T_PING, T_GOAWAY, T_WINDOW, T_CONT };
enum { F_END_STREAM = 0x1, F_ACK = 0x1, F_END_HEADERS = 0x4, F_PADDED = 0x8, F_PRIORITY = 0x20 };

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN 24
#define HDR_LEN 9
#define DEFAULT_FRAME 16384u
#define DEFAULT_TABLE 4096u
#define BROKEN_TABLE (1u << 20) /* table limit of an inflater whose settings were missed */
#define MAX_WARNINGS 64
#define SETTINGS_QUEUE 4

enum dir_state { D_START, D_FRAMES, D_RESYNC, D_LOST };
enum blk_kind { B_REQ, B_RESP, B_TRAILER, B_PUSH, B_DISCARD };

struct frame {
    uint32_t len, sid;
    uint8_t type, flags;
};

/* A header block being inflated (HEADERS or PUSH_PROMISE, then CONTINUATIONs). */
struct block {
    int active;
    enum blk_kind kind;
    uint32_t frame_sid; /* stream of the frames (CONTINUATION must match) */
    uint32_t target;    /* stream the headers belong to (the promised one for a push) */
    int end_stream;
    size_t list_bytes;
    unsigned flags; /* FB_MSG_* for the message */
    int status;
    struct fb_str method, path, scheme, authority;
    struct fb_header *v; /* regular headers so far (strings in the target's arena) */
    size_t n, cap;
};

struct h2_dir {
    enum dir_state state;
    struct fb_buf buf; /* a partial frame (or the preface, or bytes being scanned) */
    int resync_first;  /* RESYNC: the first position needs only a plausible header */
    int first_checked; /* the first frame header was looked at */
    nghttp2_hd_inflater *inf;
    int broken;         /* the dynamic table may be wrong: blocks are unreliable */
    size_t table_limit; /* SETTINGS_HEADER_TABLE_SIZE the inflater has */
    size_t deferred;    /* a limit to apply when the block in progress ends; 0 none */
    uint32_t send_max;  /* frame size the other side allows this one (resync check) */
    uint32_t queue[SETTINGS_QUEUE]; /* HEADER_TABLE_SIZE of unACKed SETTINGS sent */
    size_t nq;
    struct block blk;
};

struct h2_stream {
    uint32_t id;
    struct fb_arena *arena;
    struct fb_exchange ex;
    struct fb_buf body[2]; /* [FB_H2_C2S] request, [FB_H2_S2C] response */
    size_t hcap[2], icap;
    int heads[2];  /* request headers / final response headers seen */
    int ended[2];  /* END_STREAM seen */
    int any_resp;  /* response HEADERS seen (interim included) */
};

struct fb_h2 {
    struct fb_h2_limits lim;
    struct fb_http1_limits http;
    struct fb_h2_callbacks cb;
    void *user;
    struct h2_dir d[2];
    struct h2_stream **open; /* in creation order */
    size_t n_open, cap_open;
    uint32_t max_id[2]; /* highest stream id seen: [0] even (pushed), [1] odd */
    int64_t ts;
    int stop;
    unsigned warnings;
};

static void warn(struct fb_h2 *h, const char *fmt, ...) FB_PRINTF(2, 3);
static void warn(struct fb_h2 *h, const char *fmt, ...)
{
    if (!h->cb.on_warning || h->warnings > MAX_WARNINGS)
        return;
    char msg[256];
    if (++h->warnings > MAX_WARNINGS) {
        snprintf(msg, sizeof msg, "HTTP/2: more than %d warnings on this connection; the rest "
                 "are not shown", MAX_WARNINGS);
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    h->cb.on_warning(h->user, msg);
}

void fb_h2_limits_default(struct fb_h2_limits *l)
{
    l->max_header_list = 256u * 1024;
    l->max_streams = 1000;
    l->max_frame = 16u * 1024 * 1024;
}

int fb_h2_is_preface(const uint8_t *data, size_t len)
{
    return len >= PREFACE_LEN && memcmp(data, PREFACE, PREFACE_LEN) == 0;
}

/* ---- inflaters ------------------------------------------------------------------ */

static void inflater_fresh(struct h2_dir *d)
{
    if (d->inf)
        nghttp2_hd_inflate_del(d->inf);
    d->inf = NULL;
    if (nghttp2_hd_inflate_new2(&d->inf, NULL) != 0) {
        fprintf(stderr, "fbdiag: out of memory (HPACK inflater)\n");
        abort();
    }
    d->deferred = 0;
    if (d->broken && d->table_limit < BROKEN_TABLE)
        d->table_limit = BROKEN_TABLE; /* the settings in force were not seen */
    if (d->table_limit != DEFAULT_TABLE)
        (void)nghttp2_hd_inflate_change_table_size(d->inf, d->table_limit);
}

/* The decoder of d may now see table sizes up to v (a SETTINGS its peer sent). */
static void set_table_limit(struct h2_dir *d, size_t v)
{
    if (d->broken && v < BROKEN_TABLE)
        v = BROKEN_TABLE;
    if (d->blk.active) {
        d->deferred = v ? v : 1; /* not while a block is being inflated */
        return;
    }
    d->table_limit = v;
    (void)nghttp2_hd_inflate_change_table_size(d->inf, v);
}

/* ---- streams ---------------------------------------------------------------------- */

static struct h2_stream *find_stream(const struct fb_h2 *h, uint32_t id)
{
    for (size_t i = h->n_open; i-- > 0;)
        if (h->open[i]->id == id)
            return h->open[i];
    return NULL;
}

static int id_seen(const struct fb_h2 *h, uint32_t id)
{
    return id <= h->max_id[id & 1];
}

/* A new stream, or NULL when the cap is reached (the id still counts as seen). */
static struct h2_stream *new_stream(struct fb_h2 *h, uint32_t id)
{
    if (id > h->max_id[id & 1])
        h->max_id[id & 1] = id;
    if (h->n_open >= h->lim.max_streams) {
        warn(h, "HTTP/2: more than %zu streams open at once; stream %u dropped",
             h->lim.max_streams, (unsigned)id);
        return NULL;
    }
    struct h2_stream *s = fb_xcalloc(1, sizeof *s);
    s->id = id;
    s->arena = fb_arena_new();
    fb_exchange_init(&s->ex, s->arena);
    s->ex.version = FB_HTTP2;
    s->ex.conn.h2_stream = id;
    s->ex.req.version = FB_HTTP2;
    s->ex.resp.version = FB_HTTP2;
    for (int i = 0; i < 2; i++)
        fb_buf_init(&s->body[i], h->http.max_body);
    if (h->n_open == h->cap_open) {
        h->cap_open = h->cap_open ? h->cap_open * 2 : 8;
        h->open = fb_xrealloc(h->open, h->cap_open * sizeof *h->open);
    }
    h->open[h->n_open++] = s;
    return s;
}

static void stream_free(struct h2_stream *s)
{
    for (int i = 0; i < 2; i++)
        fb_buf_cleanup(&s->body[i]);
    fb_arena_free(s->arena);
    free(s);
}

static void detach_stream(struct fb_h2 *h, const struct h2_stream *s)
{
    for (size_t i = 0; i < h->n_open; i++) {
        if (h->open[i] == s) {
            memmove(h->open + i, h->open + i + 1, (h->n_open - i - 1) * sizeof *h->open);
            h->n_open--;
            return;
        }
    }
}

/* ---- finishing an exchange -------------------------------------------------------- */

/* The Content-Encoding value, several fields joined as one list (as http1.c does). */
static struct fb_str content_encoding(const struct fb_msg *m, struct fb_arena *a)
{
    struct fb_str v = FB_STR_NULL;
    for (size_t i = 0; i < m->n_headers; i++) {
        const struct fb_header *f = &m->headers[i];
        if (!fb_str_ieq_cstr(f->name, "content-encoding") || f->value.len == 0)
            continue;
        if (v.len == 0)
            v = f->value;
        else
            v = fb_str_cstr(fb_arena_printf(a, "%.*s, %.*s", FB_STR_FMT(v), FB_STR_FMT(f->value)));
    }
    return fb_str_trim(v);
}

/* Undoes Content-Encoding with the flags http1.c's decode_body sets (that one is file-
 * local there; this is the same rule for HTTP/2 bodies). */
static void decode_body(struct fb_msg *m, size_t max, struct fb_arena *a)
{
    struct fb_str ce = content_encoding(m, a);
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

static int has_body(const struct fb_msg *req, const struct fb_msg *m)
{
    if (m == req)
        return 1;
    return !fb_str_eq(req->method, FB_STR_LIT("HEAD")) && m->status != 204 && m->status != 304;
}

static void finish_msg(struct fb_h2 *h, struct h2_stream *s, int dir)
{
    struct fb_msg *m = dir == FB_H2_C2S ? &s->ex.req : &s->ex.resp;
    size_t n;
    uint8_t *p = fb_buf_detach(&s->body[dir], &n);
    fb_arena_adopt(s->arena, p);
    m->body = fb_str_make((const char *)p, n);
    if (s->heads[dir] && !s->ended[dir])
        m->flags |= FB_MSG_TRUNCATED;
    uint64_t cl;
    struct fb_str clv = fb_msg_header_value(m, "content-length");
    if (clv.len && fb_str_to_u64(clv, &cl) == FB_OK && cl > m->wire_size &&
        has_body(&s->ex.req, m))
        m->flags |= FB_MSG_TRUNCATED;
    decode_body(m, h->http.max_decoded, s->arena);
    m->decoded_size = m->body.len;
    if ((m->flags & FB_MSG_BODY_LIMIT) && !(m->flags & (FB_MSG_DECODED | FB_MSG_DECODE_LIMIT)))
        m->decoded_size = m->wire_size; /* the size it had; only the stored copy was cut */
}

/* Hands the stream over (it is finished, reset or the connection ended) and frees it. */
static void complete(struct fb_h2 *h, struct h2_stream *s)
{
    detach_stream(h, s);
    finish_msg(h, s, FB_H2_C2S);
    finish_msg(h, s, FB_H2_S2C);
    if (!s->heads[FB_H2_C2S])
        s->ex.req.flags |= FB_MSG_GAP; /* the request was not captured */
    if (!s->heads[FB_H2_S2C]) {
        s->ex.flags |= FB_EX_NO_RESPONSE;
        s->ex.resp.status = 0;
    }
    if (!h->stop && h->cb.on_exchange)
        h->stop = h->cb.on_exchange(h->user, &s->ex);
    stream_free(s);
}

static void end_side(struct fb_h2 *h, struct h2_stream *s, int dir)
{
    if (s->ended[dir])
        return;
    s->ended[dir] = 1;
    if (dir == FB_H2_C2S)
        s->ex.t.request_done = h->ts;
    else
        s->ex.t.response_done = h->ts;
    if (s->ended[0] && s->ended[1])
        complete(h, s);
}

/* ---- header blocks ---------------------------------------------------------------- */

static void blk_reset(struct block *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

static struct fb_str dup_str(struct h2_stream *s, const uint8_t *p, size_t n)
{
    return fb_arena_strndup(s->arena, (const char *)p, n);
}

static void blk_pseudo(struct block *b, struct h2_stream *s, const nghttp2_nv *nv)
{
    struct fb_str name = fb_str_make((const char *)nv->name, nv->namelen);
    struct fb_str *dst = NULL;
    if (b->kind == B_TRAILER)
        return; /* not allowed in trailers: ignored */
    if (fb_str_eq(name, FB_STR_LIT(":status"))) {
        uint64_t v;
        struct fb_str val = fb_str_make((const char *)nv->value, nv->valuelen);
        if (nv->valuelen == 3 && fb_str_to_u64(val, &v) == FB_OK && v >= 100)
            b->status = (int)v;
        else
            b->flags |= FB_MSG_MALFORMED;
        return;
    }
    if (fb_str_eq(name, FB_STR_LIT(":method")))
        dst = &b->method;
    else if (fb_str_eq(name, FB_STR_LIT(":path")))
        dst = &b->path;
    else if (fb_str_eq(name, FB_STR_LIT(":scheme")))
        dst = &b->scheme;
    else if (fb_str_eq(name, FB_STR_LIT(":authority")))
        dst = &b->authority;
    if (dst)
        *dst = dup_str(s, nv->value, nv->valuelen);
}

static void blk_header(struct fb_h2 *h, struct block *b, struct h2_stream *s, const nghttp2_nv *nv)
{
    b->list_bytes += nv->namelen + nv->valuelen + 32;
    if (b->list_bytes > h->lim.max_header_list) {
        if (!(b->flags & FB_MSG_HEADER_LIMIT))
            warn(h, "HTTP/2: header list of stream %u over %zu bytes; the rest dropped",
                 (unsigned)b->target, h->lim.max_header_list);
        b->flags |= FB_MSG_HEADER_LIMIT;
        return;
    }
    if (!s || b->kind == B_DISCARD)
        return;
    if (nv->namelen > 0 && nv->name[0] == ':') {
        blk_pseudo(b, s, nv);
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->v = fb_xrealloc(b->v, b->cap * sizeof *b->v);
    }
    b->v[b->n].name = dup_str(s, nv->name, nv->namelen);
    b->v[b->n].value = dup_str(s, nv->value, nv->valuelen);
    b->n++;
}

/* Appends the block's headers to m (capped by max_headers), in s's arena. */
static void add_headers(struct fb_h2 *h, struct h2_stream *s, struct fb_msg *m, size_t *cap,
                        const struct block *b)
{
    size_t n = b->n;
    if (m->n_headers + n > h->http.max_headers) {
        n = m->n_headers < h->http.max_headers ? h->http.max_headers - m->n_headers : 0;
        m->flags |= FB_MSG_HEADER_LIMIT;
    }
    if (m->n_headers + n > *cap) {
        size_t nc = m->n_headers + n;
        struct fb_header *nh = fb_arena_alloc(s->arena, nc * sizeof *nh);
        if (m->n_headers)
            memcpy(nh, m->headers, m->n_headers * sizeof *nh);
        m->headers = nh;
        *cap = nc;
    }
    if (n)
        memcpy(m->headers + m->n_headers, b->v, n * sizeof *b->v);
    m->n_headers += n;
    m->flags |= b->flags;
}

static void set_url(struct h2_stream *s, const struct block *b)
{
    struct fb_exchange *ex = &s->ex;
    struct fb_str auth = b->authority;
    if (auth.len == 0)
        auth = fb_msg_header_value(&ex->req, "host");
    if (fb_str_eq(b->method, FB_STR_LIT("CONNECT")) && b->path.len == 0) {
        ex->url = auth;
        ex->req.target = auth;
        ex->flags |= FB_EX_TUNNEL;
        return;
    }
    if (auth.len == 0) {
        ex->url = b->path;
        return;
    }
    struct fb_str scheme = b->scheme.len ? b->scheme : FB_STR_LIT("https");
    ex->url = fb_str_cstr(fb_arena_printf(s->arena, "%.*s://%.*s%.*s", FB_STR_FMT(scheme),
                                          FB_STR_FMT(auth), FB_STR_FMT(b->path)));
}

static void attach_request(struct fb_h2 *h, struct h2_stream *s, const struct block *b)
{
    struct fb_msg *m = &s->ex.req;
    m->method = b->method;
    m->target = b->path;
    add_headers(h, s, m, &s->hcap[0], b);
    set_url(s, b);
    s->heads[FB_H2_C2S] = 1;
}

static void attach_response(struct fb_h2 *h, struct h2_stream *s, const struct block *b)
{
    if (b->status >= 100 && b->status < 200) {
        struct fb_exchange *ex = &s->ex;
        if (ex->n_interim == s->icap) {
            size_t nc = s->icap ? s->icap * 2 : 2;
            struct fb_msg *ni = fb_arena_calloc(s->arena, nc, sizeof *ni);
            if (ex->n_interim)
                memcpy(ni, ex->interim, ex->n_interim * sizeof *ni);
            ex->interim = ni;
            s->icap = nc;
        }
        struct fb_msg *m = &ex->interim[ex->n_interim++];
        size_t cap = 0;
        m->status = b->status;
        m->version = FB_HTTP2;
        add_headers(h, s, m, &cap, b);
        return;
    }
    s->ex.resp.status = b->status; /* 0 when :status was missing (flagged malformed) */
    if (b->status == 0)
        s->ex.resp.flags |= FB_MSG_MALFORMED;
    add_headers(h, s, &s->ex.resp, &s->hcap[1], b);
    s->heads[FB_H2_S2C] = 1;
}

/* The block's last fragment was inflated: the headers go to their message. */
static void block_done(struct fb_h2 *h, int dir)
{
    struct h2_dir *d = &h->d[dir];
    struct block *b = &d->blk;
    struct h2_stream *s = b->kind == B_DISCARD ? NULL : find_stream(h, b->target);
    if (s) {
        switch (b->kind) {
        case B_REQ: attach_request(h, s, b); break;
        case B_PUSH:
            attach_request(h, s, b);
            s->ex.t.request_done = h->ts;
            s->ended[FB_H2_C2S] = 1;
            break;
        case B_RESP: attach_response(h, s, b); break;
        case B_TRAILER:
            if (dir == FB_H2_C2S)
                add_headers(h, s, &s->ex.req, &s->hcap[0], b);
            else
                add_headers(h, s, &s->ex.resp, &s->hcap[1], b);
            break;
        case B_DISCARD: break;
        }
    }
    int end = b->end_stream && b->kind != B_PUSH;
    blk_reset(b);
    if (d->deferred) {
        size_t v = d->deferred;
        d->deferred = 0;
        set_table_limit(d, v);
    }
    if (s && end)
        end_side(h, s, dir);
}

/* Inflates one fragment of the active block; last says it ends the block. */
static void inflate_fragment(struct fb_h2 *h, int dir, const uint8_t *p, size_t n, int last)
{
    struct h2_dir *d = &h->d[dir];
    struct block *b = &d->blk;
    struct h2_stream *s = b->kind == B_DISCARD ? NULL : find_stream(h, b->target);
    for (;;) {
        nghttp2_nv nv;
        int fl = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(d->inf, &nv, &fl, p, n, last);
        if (rv < 0) {
            warn(h, "HTTP/2: HPACK decoding failed on stream %u: %s; the %s table is lost",
                 (unsigned)b->target, nghttp2_strerror((int)rv),
                 dir == FB_H2_C2S ? "client's" : "server's");
            d->broken = 1;
            inflater_fresh(d);
            b->flags |= FB_MSG_MALFORMED | FB_MSG_UNRELIABLE;
            block_done(h, dir);
            return;
        }
        p += rv;
        n -= (size_t)rv;
        if (fl & NGHTTP2_HD_INFLATE_EMIT)
            blk_header(h, b, s, &nv);
        if (fl & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(d->inf);
            block_done(h, dir);
            return;
        }
        if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && n == 0)
            return;
    }
}

/* Which message a HEADERS block on stream sid feeds; creates the stream when new. */
static enum blk_kind headers_kind(struct fb_h2 *h, int dir, uint32_t sid, struct h2_stream **out)
{
    struct h2_stream *s = find_stream(h, sid);
    *out = s;
    if (!s) {
        if (id_seen(h, sid))
            return B_DISCARD; /* closed, or dropped by the stream cap */
        s = *out = new_stream(h, sid);
        if (!s)
            return B_DISCARD;
    }
    if (dir == FB_H2_C2S)
        return s->heads[FB_H2_C2S] ? B_TRAILER : B_REQ;
    return s->heads[FB_H2_S2C] ? B_TRAILER : B_RESP;
}

static void block_start(struct fb_h2 *h, int dir, enum blk_kind kind, uint32_t frame_sid,
                        uint32_t target, int end_stream)
{
    struct block *b = &h->d[dir].blk;
    blk_reset(b);
    b->active = 1;
    b->kind = kind;
    b->frame_sid = frame_sid;
    b->target = target;
    b->end_stream = end_stream;
    if (h->d[dir].broken)
        b->flags |= FB_MSG_UNRELIABLE;
}

/* A frame other than the block's CONTINUATION came: the block ends as it is. */
static void block_abort(struct fb_h2 *h, int dir)
{
    struct block *b = &h->d[dir].blk;
    b->flags |= FB_MSG_MALFORMED;
    b->end_stream = 0;
    warn(h, "HTTP/2: header block of stream %u cut by another frame", (unsigned)b->target);
    inflate_fragment(h, dir, NULL, 0, 1); /* fails, and resets the inflater, if mid-field */
}

/* ---- frames ----------------------------------------------------------------------- */

/* Strips padding (and PRIORITY's 5 bytes). 0 when the frame is malformed. */
static int unpad(const struct frame *f, const uint8_t **p, size_t *n, size_t extra)
{
    size_t pad = 0, off = 0;
    if (f->flags & F_PADDED) {
        if (*n < 1)
            return 0;
        pad = (*p)[0];
        off = 1;
    }
    off += extra;
    if (off + pad > *n)
        return 0;
    *p += off;
    *n -= off + pad;
    return 1;
}

static void on_data(struct fb_h2 *h, int dir, const struct frame *f, const uint8_t *p, size_t n)
{
    if (!unpad(f, &p, &n, 0))
        return;
    struct h2_stream *s = find_stream(h, f->sid);
    if (!s || s->ended[dir])
        return; /* unknown or closed stream: ignored */
    struct fb_msg *m = dir == FB_H2_C2S ? &s->ex.req : &s->ex.resp;
    struct fb_buf *b = &s->body[dir];
    m->wire_size += n;
    size_t room = b->max - b->len;
    if (n > room)
        m->flags |= FB_MSG_BODY_LIMIT;
    if (fb_buf_append(b, p, n < room ? n : room) != FB_OK)
        m->flags |= FB_MSG_BODY_LIMIT;
    if (f->flags & F_END_STREAM)
        end_side(h, s, dir);
}

static void on_headers(struct fb_h2 *h, int dir, const struct frame *f, const uint8_t *p, size_t n)
{
    struct h2_dir *d = &h->d[dir];
    if (!unpad(f, &p, &n, (f->flags & F_PRIORITY) ? 5 : 0)) {
        warn(h, "HTTP/2: malformed HEADERS on stream %u; the table may be lost", (unsigned)f->sid);
        d->broken = 1;
        return;
    }
    struct h2_stream *s;
    enum blk_kind kind = headers_kind(h, dir, f->sid, &s);
    if (s && dir == FB_H2_C2S && kind == B_REQ)
        s->ex.t.started = h->ts;
    if (s && dir == FB_H2_S2C && !s->any_resp) {
        s->any_resp = 1;
        s->ex.t.response_start = h->ts;
    }
    block_start(h, dir, kind, f->sid, f->sid, f->flags & F_END_STREAM);
    inflate_fragment(h, dir, p, n, f->flags & F_END_HEADERS);
}

static void on_push(struct fb_h2 *h, int dir, const struct frame *f, const uint8_t *p, size_t n)
{
    struct fb_cursor c;
    uint32_t promised;
    if (!unpad(f, &p, &n, 0) || (c = fb_cur_make(p, n), !fb_cur_u32be(&c, &promised))) {
        warn(h, "HTTP/2: malformed PUSH_PROMISE on stream %u", (unsigned)f->sid);
        h->d[dir].broken = 1;
        return;
    }
    promised &= 0x7fffffffu;
    enum blk_kind kind = B_DISCARD;
    struct h2_stream *s = NULL;
    if (dir == FB_H2_S2C && promised && !find_stream(h, promised) && !id_seen(h, promised))
        s = new_stream(h, promised);
    if (s) {
        kind = B_PUSH;
        s->ex.t.started = h->ts;
    }
    block_start(h, dir, kind, f->sid, promised, 0);
    inflate_fragment(h, dir, p + 4, n - 4, f->flags & F_END_HEADERS);
}

static void on_rst(struct fb_h2 *h, const struct frame *f)
{
    struct h2_stream *s = find_stream(h, f->sid);
    if (s && f->len == 4)
        complete(h, s);
}

static void on_settings(struct fb_h2 *h, int dir, const struct frame *f, const uint8_t *p)
{
    struct h2_dir *peer = &h->d[!dir];
    if (f->flags & F_ACK) {
        /* dir acknowledges the oldest SETTINGS of the other side: a smaller table limit
         * now binds dir's encoder, so dir's inflater takes it */
        struct h2_dir *self = &h->d[dir];
        if (peer->nq == 0)
            return;
        uint32_t v = peer->queue[0];
        memmove(peer->queue, peer->queue + 1, (peer->nq - 1) * sizeof *peer->queue);
        peer->nq--;
        if (v != UINT32_MAX && v < self->table_limit)
            set_table_limit(self, v);
        return;
    }
    uint32_t table = UINT32_MAX;
    struct fb_cursor c = fb_cur_make(p, f->len);
    uint16_t id;
    uint32_t v;
    while (fb_cur_u16be(&c, &id) && fb_cur_u32be(&c, &v)) {
        if (id == 1)
            table = v;
        else if (id == 5 && v >= DEFAULT_FRAME && v < (1u << 24))
            peer->send_max = v;
    }
    if (table == UINT32_MAX)
        return;
    /* the other side's encoder may use up to table from now on: a larger limit is
     * applied at once, a smaller one when the other side ACKs */
    if (table >= peer->table_limit)
        set_table_limit(peer, table);
    else if (h->d[dir].nq < SETTINGS_QUEUE)
        h->d[dir].queue[h->d[dir].nq++] = table;
    else
        set_table_limit(peer, table);
}

/* GOAWAY from dir: streams the other side opened above last_id were never processed. */
static void on_goaway(struct fb_h2 *h, int dir, const uint8_t *p, size_t n)
{
    struct fb_cursor c = fb_cur_make(p, n);
    uint32_t last;
    if (!fb_cur_u32be(&c, &last))
        return;
    last &= 0x7fffffffu;
    uint32_t parity = dir == FB_H2_S2C ? 1 : 0; /* the receiver's streams */
    for (size_t i = 0; i < h->n_open && !h->stop;) {
        struct h2_stream *s = h->open[i];
        if ((s->id & 1) == parity && s->id > last && !s->heads[FB_H2_S2C] &&
            !(h->d[FB_H2_S2C].blk.active && h->d[FB_H2_S2C].blk.target == s->id))
            complete(h, s); /* removes it: i now names the next one */
        else
            i++;
    }
}

static void process_frame(struct fb_h2 *h, int dir, const struct frame *f, const uint8_t *p)
{
    struct block *b = &h->d[dir].blk;
    if (b->active) {
        if (f->type == T_CONT && f->sid == b->frame_sid) {
            inflate_fragment(h, dir, p, f->len, f->flags & F_END_HEADERS);
            return;
        }
        block_abort(h, dir);
    } else if (f->type == T_CONT) {
        warn(h, "HTTP/2: CONTINUATION without a header block on stream %u", (unsigned)f->sid);
        h->d[dir].broken = 1;
        return;
    }
    switch (f->type) {
    case T_DATA:
        if (f->sid)
            on_data(h, dir, f, p, f->len);
        break;
    case T_HEADERS:
        if (f->sid)
            on_headers(h, dir, f, p, f->len);
        break;
    case T_RST: on_rst(h, f); break;
    case T_SETTINGS:
        if (f->sid == 0 && f->len % 6 == 0)
            on_settings(h, dir, f, p);
        break;
    case T_PUSH:
        if (f->sid)
            on_push(h, dir, f, p, f->len);
        break;
    case T_GOAWAY:
        if (f->sid == 0)
            on_goaway(h, dir, p, f->len);
        break;
    default: break; /* PRIORITY, PING, WINDOW_UPDATE, unknown types */
    }
}

/* ---- framing, resynchronisation --------------------------------------------------- */

static struct frame parse_header(const uint8_t *p)
{
    struct frame f;
    f.len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    f.type = p[3];
    f.flags = p[4];
    f.sid = ((uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8]);
    return f;
}

/* Whether p looks like a frame header that dir could send next (resync and the first
 * server frame). CONTINUATION never starts a plausible run (its block is lost). */
static int plausible(const struct fb_h2 *h, int dir, const uint8_t *p)
{
    static const uint8_t allowed[] = {0x09, 0x2d, 0, 0, 0x01, 0x0c, 0x01, 0, 0};
    struct frame f = parse_header(p);
    if (f.type > T_WINDOW || (f.flags & ~allowed[f.type]) || (f.sid & 0x80000000u))
        return 0;
    if (f.len > h->d[dir].send_max || f.len > h->lim.max_frame)
        return 0;
    int conn = f.type == T_SETTINGS || f.type == T_PING || f.type == T_GOAWAY;
    if (conn != (f.sid == 0) && f.type != T_WINDOW)
        return 0;
    switch (f.type) {
    case T_DATA:
    case T_HEADERS:
        if ((f.flags & F_PADDED) && f.len == 0)
            return 0;
        return dir == FB_H2_S2C || (f.sid & 1);
    case T_PRIORITY: return f.len == 5;
    case T_RST:
    case T_WINDOW: return f.len == 4;
    case T_SETTINGS: return (f.flags & F_ACK) ? f.len == 0 : f.len % 6 == 0;
    case T_PUSH: return dir == FB_H2_S2C && (f.sid & 1) && f.len >= 4;
    case T_PING: return f.len == 8;
    case T_GOAWAY: return f.len >= 8;
    default: return 0;
    }
}

/* Checks a frame header before its payload is read: 0 when the direction changed state
 * (lost to an oversized frame, or resync because the first server frame is implausible). */
static int header_ok(struct fb_h2 *h, int dir, const uint8_t *p)
{
    struct h2_dir *d = &h->d[dir];
    struct frame f = parse_header(p);
    if (!d->first_checked) {
        d->first_checked = 1;
        if (dir == FB_H2_S2C && !plausible(h, dir, p)) {
            d->broken = 1;
            d->state = D_RESYNC;
            d->resync_first = 0;
            return 0;
        }
        if (dir == FB_H2_S2C && (f.type != T_SETTINGS || (f.flags & F_ACK)))
            d->broken = 1; /* the server's first frame is its SETTINGS: started mid-way */
    }
    if (f.len > h->lim.max_frame) {
        warn(h, "HTTP/2: %s frame of %u bytes over the %zu-byte cap; direction lost",
             dir == FB_H2_C2S ? "client" : "server", (unsigned)f.len, h->lim.max_frame);
        d->state = D_LOST;
        fb_buf_reset(&d->buf);
        return 0;
    }
    return 1;
}

static void buf_add(struct h2_dir *d, const uint8_t *p, size_t n)
{
    if (fb_buf_append(&d->buf, p, n) != FB_OK)
        abort(); /* sized so it cannot: a bug */
}

static size_t feed_bytes(struct fb_h2 *h, int dir, const uint8_t *p, size_t n);

/* FRAMES: completes a buffered partial frame first, then takes whole frames in place. */
static size_t frames(struct fb_h2 *h, int dir, const uint8_t *p, size_t n)
{
    struct h2_dir *d = &h->d[dir];
    size_t used = 0;
    if (d->buf.len > 0) {
        if (d->buf.len < HDR_LEN) {
            used = HDR_LEN - d->buf.len < n ? HDR_LEN - d->buf.len : n;
            buf_add(d, p, used);
            if (d->buf.len < HDR_LEN || !header_ok(h, dir, d->buf.data))
                return used;
        }
        struct frame f = parse_header(d->buf.data);
        size_t want = HDR_LEN + f.len - d->buf.len, take = want < n - used ? want : n - used;
        buf_add(d, p + used, take);
        used += take;
        if (take == want) {
            process_frame(h, dir, &f, d->buf.data + HDR_LEN);
            fb_buf_reset(&d->buf);
        }
        return used;
    }
    while (n - used >= HDR_LEN && !h->stop && d->state == D_FRAMES) {
        if (!header_ok(h, dir, p + used))
            return used;
        struct frame f = parse_header(p + used);
        if (n - used - HDR_LEN < f.len)
            break;
        process_frame(h, dir, &f, p + used + HDR_LEN);
        used += HDR_LEN + f.len;
    }
    if (h->stop || d->state != D_FRAMES)
        return used;
    buf_add(d, p + used, n - used); /* less than one frame */
    return n;
}

/* RESYNC: the bytes in buf are scanned for a plausible frame header; away from the
 * first position after the gap the frame after it must look plausible too. */
static size_t resync(struct fb_h2 *h, int dir, const uint8_t *p, size_t n)
{
    struct h2_dir *d = &h->d[dir];
    size_t room = d->buf.max - d->buf.len, take = n < room ? n : room;
    buf_add(d, p, take);
    const uint8_t *b = d->buf.data;
    size_t len = d->buf.len, i = 0, found = SIZE_MAX;
    for (; i + HDR_LEN <= len; i++) {
        if (!plausible(h, dir, b + i)) {
            d->resync_first = 0;
            continue;
        }
        if (d->resync_first) {
            found = i;
            break;
        }
        size_t next = i + HDR_LEN + parse_header(b + i).len;
        if (next + HDR_LEN > len)
            break; /* wait for the next header */
        if (plausible(h, dir, b + next) || (b[next + 3] == T_CONT && b[i + 3] != T_DATA)) {
            found = i;
            break;
        }
    }
    if (found == SIZE_MAX) {
        memmove(d->buf.data, b + i, len - i);
        d->buf.len = len - i;
        return take;
    }
    /* back to FRAMES over the bytes from found on, taken in place from a copy */
    size_t rest = len - found;
    uint8_t *copy = fb_xmalloc(rest ? rest : 1);
    memcpy(copy, b + found, rest);
    fb_buf_reset(&d->buf);
    d->state = D_FRAMES;
    d->first_checked = 1;
    size_t off = 0;
    while (off < rest && !h->stop) {
        off += feed_bytes(h, dir, copy + off, rest - off);
        if (d->state == D_LOST)
            break;
    }
    free(copy);
    return take;
}

/* START (client): the preface, or a mid-stream start. */
static size_t start(struct fb_h2 *h, int dir, const uint8_t *p, size_t n)
{
    struct h2_dir *d = &h->d[dir];
    size_t take = PREFACE_LEN - d->buf.len < n ? PREFACE_LEN - d->buf.len : n;
    buf_add(d, p, take);
    if (memcmp(d->buf.data, PREFACE, d->buf.len) != 0) {
        /* no preface: the capture began mid-connection, both tables are unknown */
        d->broken = h->d[!dir].broken = 1;
        d->state = D_RESYNC;
        d->resync_first = 1;
        d->first_checked = 1;
        if (h->d[!dir].inf)
            set_table_limit(&h->d[!dir], BROKEN_TABLE);
        set_table_limit(d, BROKEN_TABLE);
        return take + resync(h, dir, NULL, 0);
    }
    if (d->buf.len == PREFACE_LEN) {
        fb_buf_reset(&d->buf);
        d->state = D_FRAMES;
        d->first_checked = 1;
    }
    return take;
}

static size_t feed_bytes(struct fb_h2 *h, int dir, const uint8_t *p, size_t n)
{
    switch (h->d[dir].state) {
    case D_START: return start(h, dir, p, n);
    case D_FRAMES: return frames(h, dir, p, n);
    case D_RESYNC: return resync(h, dir, p, n);
    default: return n; /* D_LOST */
    }
}

/* ---- API -------------------------------------------------------------------------- */

struct fb_h2 *fb_h2_new(const struct fb_h2_limits *l, const struct fb_http1_limits *http,
                        const struct fb_h2_callbacks *cb, void *user)
{
    struct fb_h2 *h = fb_xcalloc(1, sizeof *h);
    if (l)
        h->lim = *l;
    else
        fb_h2_limits_default(&h->lim);
    if (http)
        h->http = *http;
    else
        fb_http1_limits_default(&h->http);
    if (cb)
        h->cb = *cb;
    h->user = user;
    for (int i = 0; i < 2; i++) {
        struct h2_dir *d = &h->d[i];
        d->state = i == FB_H2_C2S ? D_START : D_FRAMES;
        /* a partial frame, or a candidate frame and the header after it while resyncing */
        fb_buf_init(&d->buf, h->lim.max_frame + 2 * HDR_LEN + PREFACE_LEN);
        d->table_limit = DEFAULT_TABLE;
        d->send_max = DEFAULT_FRAME;
        inflater_fresh(d);
    }
    return h;
}

int fb_h2_feed(struct fb_h2 *h, enum fb_h2_dir dir, const uint8_t *p, size_t n, int64_t ts)
{
    if (h->stop)
        return h->stop;
    int di = dir == FB_H2_S2C;
    h->ts = ts;
    while (n > 0 && !h->stop) {
        size_t used = feed_bytes(h, di, p, n);
        p += used;
        n -= used;
    }
    return h->stop;
}

void fb_h2_gap(struct fb_h2 *h, enum fb_h2_dir dir, uint64_t n)
{
    int di = dir == FB_H2_S2C;
    struct h2_dir *d = &h->d[di];
    if (n == 0 && d->state != D_LOST)
        return;
    fb_buf_reset(&d->buf);
    if (d->blk.active) {
        blk_reset(&d->blk); /* its headers are lost with the rest of the block */
        d->broken = 1;
        inflater_fresh(d);
    }
    d->broken = 1;
    d->state = D_RESYNC;
    d->resync_first = 1;
    d->first_checked = 1;
    set_table_limit(d, d->table_limit);
    for (size_t i = 0; i < h->n_open; i++) {
        struct h2_stream *s = h->open[i];
        if (!s->ended[di])
            (di == FB_H2_C2S ? &s->ex.req : &s->ex.resp)->flags |= FB_MSG_GAP;
    }
}

/* HTTP2-Settings (RFC 7540 3.2.1): base64url SETTINGS payload of the upgrading client. */
static void upgrade_settings(struct fb_h2 *h, struct fb_str v)
{
    uint8_t out[96];
    size_t n = 0, bits = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < v.len && n < sizeof out; i++) {
        int c = (unsigned char)v.ptr[i], x;
        if (c >= 'A' && c <= 'Z')
            x = c - 'A';
        else if (c >= 'a' && c <= 'z')
            x = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            x = c - '0' + 52;
        else if (c == '-' || c == '+')
            x = 62;
        else if (c == '_' || c == '/')
            x = 63;
        else
            continue;
        acc = (acc << 6) | (uint32_t)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    struct frame f = {(uint32_t)(n - n % 6), 0, T_SETTINGS, 0};
    on_settings(h, FB_H2_C2S, &f, out);
    h->d[FB_H2_C2S].nq = 0; /* the 101 made them effective: no ACK comes */
}

static void copy_msg(struct h2_stream *s, struct fb_msg *dst, const struct fb_msg *src)
{
    struct fb_arena *a = s->arena;
    *dst = *src;
    dst->method = fb_arena_strndup(a, src->method.ptr ? src->method.ptr : "", src->method.len);
    dst->target = fb_arena_strndup(a, src->target.ptr ? src->target.ptr : "", src->target.len);
    dst->reason = FB_STR_NULL;
    dst->headers = src->n_headers ? fb_arena_alloc(a, src->n_headers * sizeof *dst->headers) : NULL;
    for (size_t i = 0; i < src->n_headers; i++) {
        const struct fb_header *f = &src->headers[i];
        dst->headers[i].name = fb_arena_strndup(a, f->name.ptr ? f->name.ptr : "", f->name.len);
        dst->headers[i].value = fb_arena_strndup(a, f->value.ptr ? f->value.ptr : "", f->value.len);
    }
    dst->body = fb_arena_strndup(a, src->body.ptr ? src->body.ptr : "", src->body.len);
}

void fb_h2_upgrade(struct fb_h2 *h, const struct fb_msg *req, struct fb_str url, int64_t ts)
{
    if (find_stream(h, 1) || id_seen(h, 1))
        return;
    struct h2_stream *s = new_stream(h, 1);
    if (!s)
        return;
    copy_msg(s, &s->ex.req, req);
    s->hcap[0] = req->n_headers;
    s->ex.url = fb_arena_strndup(s->arena, url.ptr ? url.ptr : "", url.len);
    s->ex.t.started = s->ex.t.request_done = ts;
    s->heads[FB_H2_C2S] = s->ended[FB_H2_C2S] = 1;
    struct fb_str hs = fb_msg_header_value(req, "HTTP2-Settings");
    if (hs.len)
        upgrade_settings(h, hs);
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = (*(struct h2_stream *const *)a)->id, y = (*(struct h2_stream *const *)b)->id;
    return x < y ? -1 : x > y;
}

int fb_h2_finish(struct fb_h2 *h, int64_t ts)
{
    h->ts = ts;
    for (int i = 0; i < 2; i++) {
        blk_reset(&h->d[i].blk);
        fb_buf_reset(&h->d[i].buf);
    }
    if (h->n_open > 1)
        qsort(h->open, h->n_open, sizeof *h->open, by_id);
    while (h->n_open > 0) {
        struct h2_stream *s = h->open[0];
        if (h->stop) {
            detach_stream(h, s);
            stream_free(s);
        } else {
            complete(h, s);
        }
    }
    return h->stop;
}

void fb_h2_free(struct fb_h2 *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_open; i++)
        stream_free(h->open[i]);
    free(h->open);
    for (int i = 0; i < 2; i++) {
        blk_reset(&h->d[i].blk);
        fb_buf_cleanup(&h->d[i].buf);
        if (h->d[i].inf)
            nghttp2_hd_inflate_del(h->d[i].inf);
    }
    free(h);
}
