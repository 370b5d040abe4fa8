/* pcap.c - the capture reader (pcap and pcapng): frames (packet.h) are decoded to TCP
 * and UDP, TCP is reassembled per direction (tcp.h), and each connection's protocol is
 * chosen from its first bytes, never its port: HTTP/1.x (the resumable parser of
 * http1.h, pipelining and keep-alive, 1xx, CONNECT, Upgrade), HTTP/2 with prior
 * knowledge or after "Upgrade: h2c" (h2.h), TLS (tls.h: the handshake's facts; the
 * content is not decrypted by this release), anything else skipped. QUIC on UDP 443 is
 * counted as capture advice. Exchanges are handed to the callback as they complete
 * (responses finish out of request order across connections); connections that carried
 * no HTTP but say something (refused, unanswered, reset, TLS) become connection records
 * (FB_EX_CONNECTION) delivered to the same callback.
 *
 * Source ids: "tcp:F/N" is the N-th exchange (from 0) of TCP connection F (from 0, in
 * the order connections were first seen), "h2:F/S" stream S of connection F, "tcp:F"
 * the connection record of F.
 *
 * Memory: what is in flight only (open connections, their parsers and the requests
 * waiting for an answer, capped); finished connections are freed at once.
 */
#include "readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/h2.h"
#include "fbdiag/http1.h"
#include "fbdiag/packet.h"
#include "fbdiag/source.h"
#include "fbdiag/tcp.h"
#include "fbdiag/tls.h"
#include "fbdiag/trace.h"

#define MAX_PENDING 256           /* requests waiting for a response, per connection */
#define HOLD_MAX 24               /* bytes held to tell a prefix of the h2 preface */
#define H2C_HOLD_MAX (64u * 1024) /* client bytes held while an h2c upgrade is undecided */
#define FRAG_BYTES (16u << 20)
#define FRAG_DATAGRAMS 4096
#define FRAG_TIMEOUT_US (60 * 1000000LL)

enum proto { P_UNKNOWN, P_HTTP1, P_H2, P_TLS, P_OTHER };

struct pending {
    struct fb_arena *arena;
    struct fb_exchange ex;
    int h2c;        /* the request asked for Upgrade: h2c */
    struct pending *next;
};

struct cap;

struct conn {
    struct cap *cap;
    struct fb_tcp_flow *flow;
    enum proto proto;
    uint8_t hold[2][HOLD_MAX];
    size_t hold_len[2];
    struct fb_http1_stream *h1[2];
    int64_t msg_start[2];
    struct pending *head, *tail;
    size_t n_pending;
    struct fb_buf h2c_hold; /* client bytes after an h2c upgrade request */
    int h2c_waiting;
    struct fb_h2 *h2;
    struct fb_tls *tls;
    struct fb_tls_facts tls_facts;
    struct fb_arena strings; /* tls facts' strings */
    uint32_t n_ex;
    struct pending *early; /* 1xx answers to a request whose body is still coming */
    int tunnel;          /* a CONNECT was answered 2xx: the rest is another protocol */
    int64_t tunnel_index;
    int warned_format;
};

struct cap {
    const struct fb_input_src *src;
    const struct fb_read_opts *o;
    fb_exchange_cb cb;
    void *user;
    struct fb_trace *t;
    uint32_t next_index;
    int stop;
    uint64_t quic_packets, orphan_responses, unsupported_link, malformed, undecided;
    uint64_t tls_conns, pending_dropped;
    char quic_first[96];
};

/* ---- emitting exchanges ---------------------------------------------------------- */

static struct fb_str keep_str(struct fb_arena *a, struct fb_str s)
{
    return s.len ? fb_arena_strndup(a, s.ptr, s.len) : s;
}

static struct fb_str ip_text(struct fb_arena *a, const struct fb_addr *addr)
{
    char buf[64];
    fb_addr_format(addr, buf, sizeof buf);
    return fb_arena_strndup(a, buf, strlen(buf));
}

/* Connection facts every record of c carries. */
static void fill_conn(struct conn *c, struct fb_exchange *ex)
{
    struct fb_arena *a = ex->arena;
    const struct fb_tcp_flow *f = c->flow;
    struct fb_conn *k = &ex->conn;
    k->client = f->client;
    k->server = f->server;
    k->client_ip = ip_text(a, &f->client.addr);
    k->server_ip = ip_text(a, &f->server.addr);
    k->client_port = f->client.port;
    k->server_port = f->server.port;
    k->conn_id = (int64_t)f->id;
    k->tcp = f->facts;
    k->connected = f->facts.syn_ack;
    if (c->tls_facts.seen) {
        k->tls = c->tls_facts;
        k->tls.sni = keep_str(a, c->tls_facts.sni);
        k->tls.alpn = keep_str(a, c->tls_facts.alpn);
        k->tls.alpn_offered = keep_str(a, c->tls_facts.alpn_offered);
        k->tls.cert_subject = keep_str(a, c->tls_facts.cert_subject);
        k->tls.key_source = keep_str(a, c->tls_facts.key_source);
        k->tls.no_key_reason = keep_str(a, c->tls_facts.no_key_reason);
        k->sni = k->tls.sni;
        k->alpn = k->tls.alpn;
        k->tls_version = fb_str_cstr(fb_tls_version_name(c->tls_facts.version));
        k->tls_done = c->tls_facts.server_hello;
    }
}

/* "http://host/target" from the Host header, unless the target is absolute already. */
static struct fb_str http1_url(struct fb_arena *a, const struct fb_msg *req, int https,
                               const struct fb_endpoint *server)
{
    struct fb_str target = req->target;
    if (fb_str_istarts(target, "http://") || fb_str_istarts(target, "https://"))
        return target;
    if (fb_str_ieq_cstr(req->method, "CONNECT"))
        return target;
    struct fb_str host = fb_msg_header_value(req, "Host");
    if (!host.len) { /* HTTP/1.0 without Host: the server's address */
        char ip[64];
        fb_addr_format(&server->addr, ip, sizeof ip);
        int v6 = server->addr.family == 6;
        host = fb_str_cstr(fb_arena_printf(a, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "",
                                           server->port));
    }
    const char *p = fb_arena_printf(a, "%s://%.*s%.*s", https ? "https" : "http",
                                    FB_STR_FMT(host), FB_STR_FMT(target));
    return fb_str_cstr(p);
}

static void deliver(struct conn *c, struct fb_exchange *ex)
{
    struct cap *cap = c->cap;
    if (cap->stop)
        return;
    ex->index = cap->next_index++;
    int rc = cap->cb(ex, cap->user);
    if (rc)
        cap->stop = rc;
}

static struct pending *pending_new(void)
{
    struct pending *p = fb_xcalloc(1, sizeof *p);
    p->arena = fb_arena_new();
    fb_exchange_init(&p->ex, p->arena);
    return p;
}

static void pending_free(struct pending *p)
{
    if (p) {
        fb_arena_free(p->arena);
        free(p);
    }
}

/* Hands the oldest pending request over (answered or not) and frees it. */
static void emit_head(struct conn *c)
{
    struct pending *p = c->head;
    if (!p)
        return;
    c->head = p->next;
    if (!c->head)
        c->tail = NULL;
    c->n_pending--;
    struct fb_exchange *ex = &p->ex;
    fill_conn(c, ex);
    int https = c->tls_facts.seen && c->tls_facts.decrypted;
    ex->version = ex->resp.status ? ex->resp.version : ex->req.version;
    ex->url = http1_url(p->arena, &ex->req, https, &c->flow->server);
    ex->source = fb_str_cstr(fb_arena_printf(p->arena, "tcp:%llu/%u",
                                             (unsigned long long)c->flow->id, c->n_ex++));
    if (https)
        ex->flags |= FB_EX_HTTPS;
    if (!ex->resp.status)
        ex->flags |= FB_EX_NO_RESPONSE;
    if (c->tunnel_index >= 0 && !fb_str_ieq_cstr(ex->req.method, "CONNECT"))
        ex->tunnel_index = c->tunnel_index;
    deliver(c, ex);
    pending_free(p);
}

/* ---- HTTP/1 -------------------------------------------------------------------- */

static void start_h2(struct conn *c);
static void feed_proto(struct conn *c, enum fb_tcp_dir dir, const uint8_t *p, size_t n,
                       int64_t ts);

static void take_request(struct conn *c, struct fb_http1_stream *s, int64_t ts)
{
    struct pending *p = c->early ? c->early : pending_new();
    c->early = NULL;
    fb_http1_stream_take(s, &p->ex.req, p->arena);
    p->ex.t.started = c->msg_start[FB_TCP_C2S] ? c->msg_start[FB_TCP_C2S] : ts;
    p->ex.t.request_done = ts;
    c->msg_start[FB_TCP_C2S] = 0;
    if (fb_str_ifind(fb_msg_header_value(&p->ex.req, "Upgrade"), "h2c"))
        p->h2c = c->h2c_waiting = 1;
    if (fb_str_ieq_cstr(p->ex.req.method, "CONNECT"))
        p->ex.flags |= FB_EX_TUNNEL;
    if (c->n_pending >= MAX_PENDING) { /* a client that never gets answers: drop the oldest */
        c->cap->pending_dropped++;
        emit_head(c);
    }
    if (c->h1[FB_TCP_S2C])
        fb_http1_stream_expect(c->h1[FB_TCP_S2C], p->ex.req.method);
    if (c->tail)
        c->tail->next = p;
    else
        c->head = p;
    c->tail = p;
    c->n_pending++;
}

static void add_interim(struct pending *p, const struct fb_msg *m)
{
    struct fb_exchange *ex = &p->ex;
    ex->interim = fb_arena_realloc(p->arena, ex->interim, ex->n_interim * sizeof *ex->interim,
                                   (ex->n_interim + 1) * sizeof *ex->interim);
    ex->interim[ex->n_interim++] = *m;
}

/* After a response that switched protocols: the rest of the connection is h2 (h2c),
 * a tunnel (CONNECT: detected anew), or something else (WebSocket). */
static void after_switch(struct conn *c, const struct fb_exchange *ex, int h2c, int64_t ts)
{
    if (ex->resp.status == 101 && h2c) {
        start_h2(c);
        fb_h2_upgrade(c->h2, &ex->req, ex->url, ts);
        c->h2c_waiting = 0;
        if (c->h2c_hold.len)
            fb_h2_feed(c->h2, FB_H2_C2S, c->h2c_hold.data, c->h2c_hold.len, ts);
        fb_buf_cleanup(&c->h2c_hold);
        return;
    }
    if (fb_str_ieq_cstr(ex->req.method, "CONNECT")) {
        c->tunnel = 1;
        c->proto = P_UNKNOWN;
        c->hold_len[0] = c->hold_len[1] = 0;
        return;
    }
    c->proto = P_OTHER; /* WebSocket or another upgrade */
}

static void take_response(struct conn *c, struct fb_http1_stream *s, int64_t ts)
{
    struct pending *p = c->head;
    if (!p && fb_http1_stream_busy(c->h1[FB_TCP_C2S])) {
        /* "100 Continue" before the request's body is complete: kept for that request */
        if (!c->early)
            c->early = pending_new();
        p = c->early;
    }
    if (!p) { /* mid-stream: the request was before the capture began */
        struct fb_arena scratch;
        struct fb_msg m;
        fb_arena_init(&scratch);
        fb_http1_stream_take(s, &m, &scratch);
        fb_arena_cleanup(&scratch);
        c->cap->orphan_responses++;
        c->msg_start[FB_TCP_S2C] = 0;
        return;
    }
    struct fb_msg m;
    fb_http1_stream_take(s, &m, p->arena);
    int64_t start = c->msg_start[FB_TCP_S2C] ? c->msg_start[FB_TCP_S2C] : ts;
    c->msg_start[FB_TCP_S2C] = 0;
    if (m.status >= 100 && m.status < 200 && m.status != 101) {
        add_interim(p, &m);
        if (!p->ex.t.response_start)
            p->ex.t.response_start = start;
        return;
    }
    if (p == c->early) { /* a final answer before the request completed: keep it waiting */
        c->cap->orphan_responses++;
        return;
    }
    p->ex.resp = m;
    if (!p->ex.t.response_start)
        p->ex.t.response_start = start;
    p->ex.t.response_done = ts;
    int switched = fb_http1_stream_switched(s);
    if (switched && fb_str_ieq_cstr(fb_msg_header_value(&m, "Upgrade"), "websocket"))
        p->ex.flags |= FB_EX_WEBSOCKET;
    int h2c = p->h2c;
    if (!h2c && c->h2c_waiting) { /* the upgrade was refused: the held bytes are HTTP/1 */
        c->h2c_waiting = 0;
        if (c->h2c_hold.len) {
            struct fb_buf held = c->h2c_hold;
            fb_buf_init(&c->h2c_hold, H2C_HOLD_MAX);
            feed_proto(c, FB_TCP_C2S, held.data, held.len, ts);
            fb_buf_cleanup(&held);
        }
    }
    if (switched && fb_str_ieq_cstr(p->ex.req.method, "CONNECT"))
        c->tunnel_index = c->cap->next_index;
    if (switched) {
        fill_conn(c, &p->ex);
        p->ex.url = http1_url(p->arena, &p->ex.req, 0, &c->flow->server);
        after_switch(c, &p->ex, h2c, ts);
        if (c->proto == P_H2) { /* h2c: the request goes on as stream 1, one exchange */
            c->head = p->next;
            if (!c->head)
                c->tail = NULL;
            c->n_pending--;
            pending_free(p);
            return;
        }
    }
    emit_head(c);
}

static void take_ready(struct conn *c, enum fb_tcp_dir dir, int64_t ts)
{
    if (dir == FB_TCP_C2S)
        take_request(c, c->h1[dir], ts);
    else
        take_response(c, c->h1[dir], ts);
}

static void feed_h1(struct conn *c, enum fb_tcp_dir dir, const uint8_t *p, size_t n, int64_t ts)
{
    struct fb_http1_stream *s = c->h1[dir];
    int retried = 0;
    while (n > 0 && c->proto == P_HTTP1 && !c->cap->stop) {
        if (dir == FB_TCP_C2S && c->h2c_waiting) { /* hold until the 101 or its refusal */
            if (fb_buf_append(&c->h2c_hold, p, n) != 0)
                c->h2c_waiting = 0;
            return;
        }
        int busy = fb_http1_stream_busy(s), ready = 0;
        int rc = fb_http1_stream_feed(s, p, n, &ready);
        if (rc < 0) {
            if (!c->warned_format++)
                fb_trace_warn(c->cap->t, c->cap->src->path, NULL,
                              "TCP connection %llu: bytes that are not HTTP/1 where a %s "
                              "should start; skipped to the next message",
                              (unsigned long long)c->flow->id,
                              dir == FB_TCP_C2S ? "request" : "response");
            if (retried++ || fb_http1_stream_gap(s, 0))
                return;
            continue;
        }
        if (!busy && rc > 0 && !c->msg_start[dir])
            c->msg_start[dir] = ts;
        p += rc;
        n -= (size_t)rc;
        if (ready)
            take_ready(c, dir, ts);
        else if (rc == 0)
            return;
        if (c->proto != P_HTTP1 && n > 0) { /* switched: the rest is another protocol */
            feed_proto(c, dir, p, n, ts);
            return;
        }
    }
}

static void start_h1(struct conn *c)
{
    int decode = 1;
    c->proto = P_HTTP1;
    c->h1[FB_TCP_C2S] = fb_http1_stream_new(FB_HTTP1_REQUEST, &c->cap->o->limits, decode);
    c->h1[FB_TCP_S2C] = fb_http1_stream_new(FB_HTTP1_RESPONSE, &c->cap->o->limits, decode);
    fb_buf_init(&c->h2c_hold, H2C_HOLD_MAX);
}

/* ---- HTTP/2 -------------------------------------------------------------------- */

static int on_h2_exchange(void *user, struct fb_exchange *ex)
{
    struct conn *c = user;
    fill_conn(c, ex);
    ex->source = fb_str_cstr(fb_arena_printf(ex->arena, "h2:%llu/%u",
                                             (unsigned long long)c->flow->id,
                                             ex->conn.h2_stream));
    if (c->tls_facts.seen && c->tls_facts.decrypted)
        ex->flags |= FB_EX_HTTPS;
    c->n_ex++;
    deliver(c, ex);
    return c->cap->stop;
}

static void on_h2_warning(void *user, const char *msg)
{
    struct conn *c = user;
    fb_trace_warn(c->cap->t, c->cap->src->path, NULL, "TCP connection %llu: %s",
                  (unsigned long long)c->flow->id, msg);
}

static void start_h2(struct conn *c)
{
    static const struct fb_h2_callbacks cbs = {on_h2_exchange, on_h2_warning};
    struct fb_h2_limits l;
    fb_h2_limits_default(&l);
    c->proto = P_H2;
    c->h2 = fb_h2_new(&l, &c->cap->o->limits, &cbs, c);
}

/* ---- protocol detection ---------------------------------------------------------- */

static const char H2_PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int is_token_char(uint8_t ch)
{
    return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

/* An HTTP/1 request line start: an upper-case token and a space; a response: "HTTP/1.". */
static int looks_http1(const uint8_t *p, size_t n, enum fb_tcp_dir dir)
{
    if (dir == FB_TCP_S2C)
        return n >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
    size_t i = 0;
    while (i < n && i < 20 && is_token_char(p[i]))
        i++;
    return i >= 3 && i < n && p[i] == ' ';
}

static int looks_tls_record(const uint8_t *p, size_t n)
{
    return n >= 3 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4;
}

/* Decides the protocol from the first bytes of dir: returns 1 when decided, 0 when the
 * bytes so far are a prefix of the h2 preface and more are needed. */
static int detect(struct conn *c, enum fb_tcp_dir dir, const uint8_t *p, size_t n)
{
    if (dir == FB_TCP_C2S) {
        size_t k = n < sizeof H2_PREFACE - 1 ? n : sizeof H2_PREFACE - 1;
        if (memcmp(p, H2_PREFACE, k) == 0) {
            if (k < sizeof H2_PREFACE - 1)
                return 0;
            start_h2(c);
            return 1;
        }
        if (fb_tls_is_client_hello(p, n) || (n < 6 && looks_tls_record(p, n) && n >= 3)) {
            if (n < 6)
                return 0;
        }
    }
    if (fb_tls_is_client_hello(p, n) || (dir == FB_TCP_S2C && looks_tls_record(p, n))) {
        c->proto = P_TLS;
        fb_arena_init(&c->strings);
        c->tls = fb_tls_new(&c->tls_facts, &c->strings);
        c->cap->tls_conns++;
        return 1;
    }
    if (looks_http1(p, n, dir)) {
        start_h1(c);
        return 1;
    }
    if (n < 8 && dir == FB_TCP_C2S) /* too few bytes to tell a method from noise */
        return 0;
    c->proto = P_OTHER;
    return 1;
}

static void feed_proto(struct conn *c, enum fb_tcp_dir dir, const uint8_t *p, size_t n,
                       int64_t ts)
{
    switch (c->proto) {
    case P_HTTP1: feed_h1(c, dir, p, n, ts); break;
    case P_H2: fb_h2_feed(c->h2, dir == FB_TCP_C2S ? FB_H2_C2S : FB_H2_S2C, p, n, ts); break;
    case P_TLS: fb_tls_feed(c->tls, dir == FB_TCP_C2S ? FB_TLS_C2S : FB_TLS_S2C, p, n, ts); break;
    default: break;
    }
}

static void on_data(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, const uint8_t *p,
                    size_t n, int64_t ts)
{
    (void)user;
    struct conn *c = f->user;
    if (!c || c->cap->stop || n == 0)
        return;
    if (c->proto == P_UNKNOWN) {
        size_t have = c->hold_len[dir];
        if (have + n <= HOLD_MAX) { /* small: decide on hold + p together */
            memcpy(c->hold[dir] + have, p, n);
            c->hold_len[dir] += n;
            if (!detect(c, dir, c->hold[dir], c->hold_len[dir]))
                return;
            size_t held = c->hold_len[dir];
            c->hold_len[dir] = 0;
            uint8_t copy[HOLD_MAX];
            memcpy(copy, c->hold[dir], held);
            feed_proto(c, dir, copy, held, ts);
            return;
        }
        if (have) { /* decide on what is held and the new bytes, then feed both */
            uint8_t probe[HOLD_MAX * 2];
            size_t k = n < HOLD_MAX ? n : HOLD_MAX;
            memcpy(probe, c->hold[dir], have);
            memcpy(probe + have, p, k);
            (void)detect(c, dir, probe, have + k);
            if (c->proto == P_UNKNOWN)
                c->proto = P_OTHER;
            c->hold_len[dir] = 0;
            uint8_t copy[HOLD_MAX];
            memcpy(copy, c->hold[dir], have);
            feed_proto(c, dir, copy, have, ts);
        } else if (!detect(c, dir, p, n)) {
            c->proto = P_OTHER;
        }
    }
    feed_proto(c, dir, p, n, ts);
}

/* ---- TCP callbacks ---------------------------------------------------------------- */

static void on_open(void *user, struct fb_tcp_flow *f)
{
    struct conn *c = fb_xcalloc(1, sizeof *c);
    c->cap = user;
    c->flow = f;
    c->tunnel_index = -1;
    f->user = c;
}

static void on_gap(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, uint64_t n,
                   int64_t ts)
{
    (void)user;
    struct conn *c = f->user;
    if (!c)
        return;
    switch (c->proto) {
    case P_HTTP1:
        if (fb_http1_stream_gap(c->h1[dir], n))
            take_ready(c, dir, ts);
        if (c->head && dir == FB_TCP_C2S)
            c->tail->ex.req.flags |= FB_MSG_GAP;
        break;
    case P_H2: fb_h2_gap(c->h2, dir == FB_TCP_C2S ? FB_H2_C2S : FB_H2_S2C, n); break;
    case P_TLS: fb_tls_gap(c->tls, dir == FB_TCP_C2S ? FB_TLS_C2S : FB_TLS_S2C); break;
    default: c->hold_len[dir] = 0; break;
    }
}

static void on_end(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, int rst, int64_t ts)
{
    (void)user;
    (void)rst;
    struct conn *c = f->user;
    if (!c || c->proto != P_HTTP1 || c->cap->stop)
        return;
    if (dir == FB_TCP_C2S && c->h2c_waiting) { /* never answered: parse what was held */
        c->h2c_waiting = 0;
        if (c->h2c_hold.len)
            feed_h1(c, dir, c->h2c_hold.data, c->h2c_hold.len, ts);
    }
    struct fb_http1_stream *s = c->h1[dir];
    if (!s || !fb_http1_stream_busy(s))
        return;
    if (dir == FB_TCP_C2S) {
        struct pending *p = pending_new();
        if (fb_http1_stream_eof(s, &p->ex.req, p->arena)) {
            p->ex.t.started = c->msg_start[dir] ? c->msg_start[dir] : ts;
            if (c->tail)
                c->tail->next = p;
            else
                c->head = p;
            c->tail = p;
            c->n_pending++;
        } else {
            pending_free(p);
        }
    } else if (c->head) {
        struct pending *p = c->head;
        struct fb_msg m;
        if (fb_http1_stream_eof(s, &m, p->arena) && !(m.status >= 100 && m.status < 200)) {
            p->ex.resp = m;
            p->ex.t.response_start = c->msg_start[dir] ? c->msg_start[dir] : ts;
            p->ex.t.response_done = ts;
            emit_head(c);
        }
    }
    c->msg_start[dir] = 0;
}

/* A connection that carried no HTTP but says something: refused, unanswered, reset,
 * TLS (not decrypted). */
static void connection_record(struct conn *c)
{
    const struct fb_tcp_facts *k = &c->flow->facts;
    unsigned telling = FB_TCP_EV_SYN_UNANSWERED | FB_TCP_EV_REFUSED | FB_TCP_EV_RST_CLIENT |
                       FB_TCP_EV_RST_SERVER;
    if (c->n_ex || c->cap->stop || (!(k->events & telling) && !c->tls_facts.seen))
        return;
    struct fb_arena *a = fb_arena_new();
    struct fb_exchange ex;
    fb_exchange_init(&ex, a);
    ex.flags = FB_EX_CONNECTION;
    if (c->tls_facts.seen && !c->tls_facts.decrypted) {
        ex.flags |= FB_EX_UNDECRYPTED;
        if (!c->tls_facts.no_key_reason.len)
            c->tls_facts.no_key_reason = FB_STR_LIT("no key log was given");
    }
    fill_conn(c, &ex);
    char host[64];
    fb_addr_format(&c->flow->server.addr, host, sizeof host);
    int v6 = c->flow->server.addr.family == 6;
    ex.url = fb_str_cstr(fb_arena_printf(a, "%s://%s%s%s:%u", c->tls_facts.seen ? "tls" : "tcp",
                                         v6 ? "[" : "", host, v6 ? "]" : "",
                                         c->flow->server.port));
    ex.source = fb_str_cstr(fb_arena_printf(a, "tcp:%llu", (unsigned long long)c->flow->id));
    ex.t.started = k->syn ? k->syn : k->first;
    ex.t.response_done = k->last;
    deliver(c, &ex);
    fb_arena_free(a);
}

static void on_close(void *user, struct fb_tcp_flow *f, int64_t ts)
{
    (void)user;
    struct conn *c = f->user;
    if (!c)
        return;
    if (c->proto == P_HTTP1) {
        on_end(user, f, FB_TCP_C2S, 0, ts);
        on_end(user, f, FB_TCP_S2C, 0, ts);
    }
    while (c->head) {
        if (c->cap->stop) {
            struct pending *p = c->head;
            c->head = p->next;
            pending_free(p);
            continue;
        }
        emit_head(c);
    }
    if (c->h2 && !c->cap->stop)
        (void)fb_h2_finish(c->h2, ts);
    connection_record(c);
    pending_free(c->early);
    fb_http1_stream_free(c->h1[0]);
    fb_http1_stream_free(c->h1[1]);
    fb_buf_cleanup(&c->h2c_hold);
    fb_h2_free(c->h2);
    if (c->tls) {
        fb_tls_free(c->tls);
        fb_arena_cleanup(&c->strings);
    }
    free(c);
    f->user = NULL;
}

/* ---- UDP: QUIC ------------------------------------------------------------------- */

/* A QUIC long header (RFC 9000 17.2): form and fixed bits set, a known version. */
static int is_quic_long_header(const uint8_t *p, size_t n)
{
    if (n < 7 || (p[0] & 0xC0) != 0xC0)
        return 0;
    uint32_t v = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    return v == 1 || v == 0x6b3343cf || (v & 0xffffff00u) == 0xff000000u;
}

static void on_udp(struct cap *cap, const struct fb_packet *pk)
{
    if (pk->dst.port != 443 || !is_quic_long_header(pk->payload, pk->payload_len))
        return;
    if (!cap->quic_packets++) {
        char ip[64];
        fb_addr_format(&pk->dst.addr, ip, sizeof ip);
        snprintf(cap->quic_first, sizeof cap->quic_first, "udp:%s:443", ip);
    }
}

/* ---- the reader ------------------------------------------------------------------ */

static void summarise(struct cap *cap, struct fb_tcp *tcp, struct fb_ipfrag *frag)
{
    const char *path = cap->src->path;
    struct fb_trace *t = cap->t;
    struct fb_tcp_stats st;
    fb_tcp_stats(tcp, &st);
    if (st.gaps)
        fb_trace_warn(t, path, NULL,
                      "%llu bytes in %llu places were not captured (TCP gaps): messages "
                      "there are marked \"gap\"",
                      (unsigned long long)st.gap_bytes, (unsigned long long)st.gaps);
    if (st.ooo_dropped_bytes)
        fb_trace_warn(t, path, NULL,
                      "%llu out-of-order bytes passed the reassembly cap and were dropped",
                      (unsigned long long)st.ooo_dropped_bytes);
    if (fb_ipfrag_dropped(frag))
        fb_trace_warn(t, path, NULL, "%llu IP datagrams could not be reassembled from fragments",
                      (unsigned long long)fb_ipfrag_dropped(frag));
    if (cap->unsupported_link)
        fb_trace_warn(t, path, NULL, "%llu frames of a link type fbdiag does not decode were skipped",
                      (unsigned long long)cap->unsupported_link);
    if (cap->orphan_responses)
        fb_trace_warn(t, path, NULL,
                      "%llu responses whose request was before the capture began were skipped",
                      (unsigned long long)cap->orphan_responses);
    if (cap->pending_dropped)
        fb_trace_warn(t, path, NULL,
                      "more than %d requests waited for a response on one connection: the "
                      "oldest were handed over unanswered",
                      MAX_PENDING);
    if (cap->quic_packets) {
        fb_trace_advise(t, FB_ADV_HTTP3, path, cap->quic_first);
        t->advice[FB_ADV_HTTP3].count = cap->quic_packets;
    }
}

static void handle_frame(struct cap *cap, struct fb_tcp *tcp, struct fb_ipfrag *frag,
                         const struct fb_frame *fr)
{
    struct fb_packet pk;
    switch (fb_link_decode(fr, frag, &pk)) {
    case FB_LINK_OK:
        if (pk.ip_proto == 6)
            fb_tcp_packet(tcp, &pk);
        else if (pk.ip_proto == 17)
            on_udp(cap, &pk);
        break;
    case FB_LINK_UNSUPPORTED: cap->unsupported_link++; break;
    case FB_LINK_MALFORMED: cap->malformed++; break;
    default: break;
    }
}

static int read_capture(const struct fb_input_src *src, const struct fb_read_opts *o,
                        fb_exchange_cb cb, void *user, struct fb_trace *t, struct fb_diag *d)
{
    struct fb_frames *fr = NULL;
    int rc = fb_frames_open(&fr, src->stream, d);
    if (rc < 0)
        return rc;
    struct cap cap = {.src = src, .o = o, .cb = cb, .user = user, .t = t};
    static const struct fb_tcp_callbacks tcb = {on_open, on_data, on_gap, on_end, on_close};
    struct fb_tcp_limits tl;
    fb_tcp_limits_default(&tl);
    struct fb_tcp *tcp = fb_tcp_new(&tl, &tcb, &cap);
    struct fb_ipfrag *frag = fb_ipfrag_new(FRAG_BYTES, FRAG_DATAGRAMS, FRAG_TIMEOUT_US);
    struct fb_frame f;
    struct fb_dsb dsb;
    int64_t last_ts = 0;
    enum fb_frames_item it;
    while (!cap.stop && (it = fb_frames_next(fr, &f, &dsb)) != FB_FRAMES_END) {
        if (it != FB_FRAMES_FRAME)
            continue; /* DSBs: TLS decryption is not in this release */
        last_ts = f.ts_us;
        handle_frame(&cap, tcp, frag, &f);
    }
    if (!cap.stop)
        fb_tcp_finish(tcp, last_ts);
    const char *w = fb_frames_warning(fr);
    if (w)
        fb_trace_warn(t, src->path, NULL, "%s; what came before is analysed", w);
    summarise(&cap, tcp, frag);
    fb_tcp_free(tcp);
    fb_ipfrag_free(frag);
    fb_frames_free(fr);
    return cap.stop;
}

const struct fb_reader fb_pcap_reader = {"pcap", 1, read_capture};
