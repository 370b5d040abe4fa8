/* tcp.c - TCP reassembly (tcp.h): a flow table keyed by the two endpoints (a small
 * chained hash table, symmetric hash), each flow with two half-streams that turn
 * segments in any order into in-order bytes handed to the consumer's callbacks.
 *
 * Per direction ("half"), offsets are 64-bit and relative to base (the ISN + 1, or the
 * first sequence number seen mid-stream); a 32-bit sequence number is unwrapped against
 * the next expected offset, so streams cross 2^32 without notice:
 *
 *     delivered        hole      held (sorted, non-overlapping, each off > next)
 *   [..........)next[~~~~~~~~~)[ seg ) [ seg )        [ seg )
 *
 * First copy wins: bytes already delivered or held are never replaced. A hole becomes a
 * gap (on_gap) when the peer ACKs past it, when holding a segment would pass a cap,
 * when the packet was cut by the snaplen, or when the flow ends. Flows also sit on an
 * LRU list (oldest first) for the idle timeout and eviction.
 *
 * It does not check checksums (offload makes bad sums normal), does not validate RSTs
 * against the window, and does not look at payloads.
 */
#include "fbdiag/tcp.h"

#include <stdlib.h>
#include <string.h>

#include "fbdiag/util.h"

struct seg {
    struct seg *next;
    uint64_t off; /* relative offset of data[0] */
    size_t len;
    uint8_t data[];
};

struct half {
    uint32_t base;    /* sequence number of relative offset 0 */
    uint32_t isn;     /* the SYN's sequence number (syn set) */
    uint64_t next;    /* relative offset of the next byte to deliver */
    uint64_t fin_off; /* relative offset of the FIN (fin set) */
    struct seg *held; /* out-of-order segments, sorted by off */
    size_t held_bytes;
    unsigned have_base : 1, syn : 1, fin : 1, ended : 1, had_data : 1, seen : 1;
};

struct flow {
    struct fb_tcp_flow pub;
    struct flow *hnext;         /* hash chain */
    struct flow *older, *newer; /* LRU list */
    struct half h[2];
    int64_t last_ts;
    int rst_dir; /* -1, or the direction that sent a RST */
};

/* Keys of flows recently ended by FINs or a RST: the last ACK, or a RST, that follows
 * such an end must not open a flow of its own. */
#define RECENT 64
struct recent_key {
    struct fb_endpoint a, b;
};

struct fb_tcp {
    struct fb_tcp_limits lim;
    struct fb_tcp_callbacks cb;
    void *user;
    struct flow **buckets;
    size_t nbuckets; /* a power of two */
    struct flow *oldest, *newest;
    uint64_t next_id;
    int64_t last_ts;
    struct fb_tcp_stats st;
    struct recent_key recent[RECENT];
    size_t n_recent, recent_next;
};

static const uint16_t well_known_ports[] = {80,  443, 8080, 8443, 5985, 25,
                                            587, 993, 3128, 8000, 8008, 8888};

void fb_tcp_limits_default(struct fb_tcp_limits *l)
{
    l->ooo_per_flow = (size_t)1 << 20;
    l->ooo_total = (size_t)64 << 20;
    l->max_flows = 65536;
    l->idle_timeout_us = 300 * (int64_t)1000000;
}

/* ---- endpoints and the hash table ---------------------------------------------- */

static size_t addr_len(const struct fb_addr *a)
{
    return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

static int ep_eq(const struct fb_endpoint *a, const struct fb_endpoint *b)
{
    return a->port == b->port && a->addr.family == b->addr.family &&
           memcmp(a->addr.bytes, b->addr.bytes, addr_len(&a->addr)) == 0;
}

static uint64_t ep_hash(const struct fb_endpoint *e)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    size_t n = addr_len(&e->addr);
    for (size_t i = 0; i < n; i++)
        h = (h ^ e->addr.bytes[i]) * 1099511628211ull;
    h = (h ^ (e->port & 0xff)) * 1099511628211ull;
    h = (h ^ (e->port >> 8)) * 1099511628211ull;
    return h;
}

/* Symmetric: both directions of a connection hash alike. */
static size_t key_hash(const struct fb_endpoint *a, const struct fb_endpoint *b)
{
    uint64_t h = ep_hash(a) ^ ep_hash(b);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)h;
}

static struct flow **bucket_of(struct fb_tcp *t, const struct fb_endpoint *a,
                               const struct fb_endpoint *b)
{
    return &t->buckets[key_hash(a, b) & (t->nbuckets - 1)];
}

static struct flow *lookup(struct fb_tcp *t, const struct fb_endpoint *src,
                           const struct fb_endpoint *dst)
{
    for (struct flow *f = *bucket_of(t, src, dst); f; f = f->hnext)
        if ((ep_eq(&f->pub.client, src) && ep_eq(&f->pub.server, dst)) ||
            (ep_eq(&f->pub.client, dst) && ep_eq(&f->pub.server, src)))
            return f;
    return NULL;
}

static void grow_table(struct fb_tcp *t)
{
    size_t old_n = t->nbuckets;
    struct flow **old = t->buckets;
    t->nbuckets = old_n * 2;
    t->buckets = fb_xcalloc(t->nbuckets, sizeof *t->buckets);
    for (size_t i = 0; i < old_n; i++) {
        struct flow *f = old[i];
        while (f) {
            struct flow *nx = f->hnext;
            struct flow **b = bucket_of(t, &f->pub.client, &f->pub.server);
            f->hnext = *b;
            *b = f;
            f = nx;
        }
    }
    free(old);
}

static void table_remove(struct fb_tcp *t, struct flow *f)
{
    struct flow **pp = bucket_of(t, &f->pub.client, &f->pub.server);
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
}

/* ---- the LRU list --------------------------------------------------------------- */

static void lru_unlink(struct fb_tcp *t, struct flow *f)
{
    if (f->older)
        f->older->newer = f->newer;
    else
        t->oldest = f->newer;
    if (f->newer)
        f->newer->older = f->older;
    else
        t->newest = f->older;
    f->older = f->newer = NULL;
}

static void lru_push(struct fb_tcp *t, struct flow *f)
{
    f->older = t->newest;
    f->newer = NULL;
    if (t->newest)
        t->newest->newer = f;
    else
        t->oldest = f;
    t->newest = f;
}

/* ---- delivery --------------------------------------------------------------------- */

static void emit_data(struct fb_tcp *t, struct flow *f, int dir, const uint8_t *p, size_t n,
                      int64_t ts)
{
    if (!n)
        return;
    f->pub.facts.bytes[dir] += n;
    f->h[dir].next += n;
    if (t->cb.on_data)
        t->cb.on_data(t->user, &f->pub, (enum fb_tcp_dir)dir, p, n, ts);
}

static void emit_gap(struct fb_tcp *t, struct flow *f, int dir, uint64_t n, int64_t ts)
{
    if (!n)
        return;
    f->pub.facts.gap_bytes += n;
    f->pub.facts.events |= dir == FB_TCP_C2S ? FB_TCP_EV_GAP_CLIENT : FB_TCP_EV_GAP_SERVER;
    t->st.gaps++;
    t->st.gap_bytes += n;
    f->h[dir].next += n;
    if (t->cb.on_gap)
        t->cb.on_gap(t->user, &f->pub, (enum fb_tcp_dir)dir, n, ts);
}

/* Pops the first held segment and delivers what of it lies at or after next. */
static void deliver_head(struct fb_tcp *t, struct flow *f, int dir, int64_t ts)
{
    struct half *h = &f->h[dir];
    struct seg *s = h->held;
    h->held = s->next;
    h->held_bytes -= s->len;
    t->st.ooo_held -= s->len;
    if (s->off + s->len > h->next) {
        size_t skip = (size_t)(h->next - s->off);
        emit_data(t, f, dir, s->data + skip, s->len - skip, ts);
    }
    free(s);
}

static void drain(struct fb_tcp *t, struct flow *f, int dir, int64_t ts)
{
    struct half *h = &f->h[dir];
    while (h->held && h->held->off <= h->next)
        deliver_head(t, f, dir, ts);
}

/* Moves next up to upto: holes become gaps, held segments on the way are delivered
 * (whole, even past upto). Returns the gap bytes reported. */
static uint64_t advance_to(struct fb_tcp *t, struct flow *f, int dir, uint64_t upto, int64_t ts)
{
    struct half *h = &f->h[dir];
    uint64_t gaps = 0;
    while (h->next < upto) {
        struct seg *s = h->held;
        if (s && s->off <= h->next) {
            deliver_head(t, f, dir, ts);
            continue;
        }
        uint64_t stop = s && s->off < upto ? s->off : upto;
        gaps += stop - h->next;
        emit_gap(t, f, dir, stop - h->next, ts);
    }
    drain(t, f, dir, ts);
    return gaps;
}

/* Delivers the bytes [start, start + len) of a packet, start <= next, interleaved with
 * held segments that overlap them (the held copy came first and wins). */
static void merge_deliver(struct fb_tcp *t, struct flow *f, int dir, uint64_t start,
                          const uint8_t *p, size_t len, int64_t ts)
{
    struct half *h = &f->h[dir];
    uint64_t end = start + len;
    while (h->next < end) {
        struct seg *s = h->held;
        if (s && s->off <= h->next) {
            deliver_head(t, f, dir, ts);
            continue;
        }
        uint64_t stop = s && s->off < end ? s->off : end;
        emit_data(t, f, dir, p + (h->next - start), (size_t)(stop - h->next), ts);
    }
    drain(t, f, dir, ts);
}

/* Bytes of [s, e) neither delivered nor held. */
static uint64_t uncovered(const struct half *h, uint64_t s, uint64_t e)
{
    uint64_t pos = s > h->next ? s : h->next, n = 0;
    for (const struct seg *x = h->held; x && pos < e; x = x->next) {
        if (x->off + x->len <= pos)
            continue;
        if (x->off > pos)
            n += (x->off < e ? x->off : e) - pos;
        pos = x->off + x->len;
    }
    return pos < e ? n + (e - pos) : n;
}

static struct seg *new_seg(uint64_t off, const uint8_t *p, size_t n)
{
    struct seg *s = fb_xmalloc(sizeof *s + n);
    s->next = NULL;
    s->off = off;
    s->len = n;
    memcpy(s->data, p, n);
    return s;
}

/* Holds the parts of [s, s + len) not already held (s > next). */
static void hold(struct fb_tcp *t, struct half *h, uint64_t s, const uint8_t *p, size_t len)
{
    uint64_t pos = s, e = s + len;
    struct seg **pp = &h->held;
    while (pos < e) {
        struct seg *x = *pp;
        if (x && x->off + x->len <= pos) {
            pp = &x->next;
            continue;
        }
        if (x && x->off <= pos) {
            pos = x->off + x->len;
            pp = &x->next;
            continue;
        }
        uint64_t stop = x && x->off < e ? x->off : e;
        struct seg *n = new_seg(pos, p + (pos - s), (size_t)(stop - pos));
        n->next = x;
        *pp = n;
        pp = &n->next;
        h->held_bytes += n->len;
        t->st.ooo_held += n->len;
        pos = stop;
    }
    if (t->st.ooo_held > t->st.ooo_held_peak)
        t->st.ooo_held_peak = t->st.ooo_held;
}

/* on_end once the side's data up to its FIN is delivered. */
static void check_end(struct fb_tcp *t, struct flow *f, int dir, int64_t ts)
{
    struct half *h = &f->h[dir];
    if (h->fin && !h->ended && h->next >= h->fin_off) {
        h->ended = 1;
        if (t->cb.on_end)
            t->cb.on_end(t->user, &f->pub, (enum fb_tcp_dir)dir, 0, ts);
    }
}

/* ---- flows: open and close ---------------------------------------------------------- */

static void free_held(struct fb_tcp *t, struct half *h)
{
    while (h->held) {
        struct seg *s = h->held;
        h->held = s->next;
        t->st.ooo_held -= s->len;
        free(s);
    }
    h->held_bytes = 0;
}

/* Ends the flow: each side's held data is delivered with its holes as gaps (up to the
 * FIN where one was seen), FINs and the RST are reported, then on_close; freed. */
static void close_flow(struct fb_tcp *t, struct flow *f, int64_t ts)
{
    for (int dir = 0; dir < 2; dir++) {
        struct half *h = &f->h[dir];
        uint64_t upto = h->next;
        for (const struct seg *s = h->held; s; s = s->next)
            upto = s->off + s->len;
        if (h->fin && h->fin_off > upto)
            upto = h->fin_off;
        if (!h->ended)
            advance_to(t, f, dir, upto, ts);
        check_end(t, f, dir, ts);
    }
    if (f->rst_dir >= 0 && !f->h[f->rst_dir].ended) {
        f->h[f->rst_dir].ended = 1;
        if (t->cb.on_end)
            t->cb.on_end(t->user, &f->pub, (enum fb_tcp_dir)f->rst_dir, 1, ts);
    }
    if (f->rst_dir >= 0 || (f->h[0].fin && f->h[1].fin)) {
        t->recent[t->recent_next] = (struct recent_key){f->pub.client, f->pub.server};
        t->recent_next = (t->recent_next + 1) % RECENT;
        if (t->n_recent < RECENT)
            t->n_recent++;
    }
    struct fb_tcp_facts *fa = &f->pub.facts;
    if (f->h[FB_TCP_C2S].syn && !fa->syn_ack && !f->h[FB_TCP_S2C].seen)
        fa->events |= FB_TCP_EV_SYN_UNANSWERED;
    if (t->cb.on_close)
        t->cb.on_close(t->user, &f->pub, ts);
    free_held(t, &f->h[0]);
    free_held(t, &f->h[1]);
    table_remove(t, f);
    lru_unlink(t, f);
    t->st.open_flows--;
    free(f);
}

static int well_known(uint16_t port)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(well_known_ports); i++)
        if (well_known_ports[i] == port)
            return 1;
    return 0;
}

/* Which side of a first packet is the client: 1 the sender, 0 the receiver. */
static int sender_is_client(const struct fb_packet *p, int *mid_stream)
{
    *mid_stream = 0;
    if ((p->tcp_flags & FB_TCP_SYN) && !(p->tcp_flags & FB_TCP_ACK))
        return 1;
    if (p->tcp_flags & FB_TCP_SYN)
        return 0;
    *mid_stream = 1;
    int ws = well_known(p->src.port), wd = well_known(p->dst.port);
    if (ws != wd)
        return wd;
    return p->src.port >= p->dst.port; /* the lower port is the server's */
}

static struct flow *open_flow(struct fb_tcp *t, const struct fb_packet *p)
{
    if (t->lim.max_flows && t->st.open_flows >= t->lim.max_flows && t->oldest) {
        t->st.evicted++;
        close_flow(t, t->oldest, p->ts_us);
    }
    int mid;
    int client = sender_is_client(p, &mid);
    struct flow *f = fb_xcalloc(1, sizeof *f);
    f->pub.id = t->next_id++;
    f->pub.client = client ? p->src : p->dst;
    f->pub.server = client ? p->dst : p->src;
    if (mid)
        f->pub.facts.events |= FB_TCP_EV_MID_STREAM;
    f->rst_dir = -1;
    f->last_ts = p->ts_us;
    if (t->st.open_flows >= t->nbuckets)
        grow_table(t);
    struct flow **b = bucket_of(t, &p->src, &p->dst);
    f->hnext = *b;
    *b = f;
    lru_push(t, f);
    t->st.flows++;
    if (++t->st.open_flows > t->st.open_flows_peak)
        t->st.open_flows_peak = t->st.open_flows;
    if (t->cb.on_open)
        t->cb.on_open(t->user, &f->pub);
    return f;
}

/* A SYN (without ACK) on an existing flow starts a new connection unless it is this
 * flow's own SYN again (same ISN) or its missing SYN (seq + 1 == the first seq seen). */
static int is_port_reuse(const struct flow *f, int dir, uint32_t seq)
{
    const struct half *h = &f->h[dir];
    if (f->h[0].fin && f->h[1].fin)
        return 1;
    if (dir == FB_TCP_S2C)
        return 1;
    if (h->syn)
        return h->isn != seq;
    return h->have_base && (uint32_t)(seq + 1) != h->base;
}

/* A packet without a flow opens one unless it carries nothing but an ACK, or is a FIN
 * or RST without data just after its flow ended (TIME-WAIT chatter). */
static int opens_flow(const struct fb_tcp *t, const struct fb_packet *p)
{
    if ((p->tcp_flags & FB_TCP_SYN) || p->wire_len || p->payload_len)
        return 1;
    if (!(p->tcp_flags & (FB_TCP_FIN | FB_TCP_RST)))
        return 0;
    for (size_t i = 0; i < t->n_recent; i++) {
        const struct recent_key *k = &t->recent[i];
        if ((ep_eq(&k->a, &p->src) && ep_eq(&k->b, &p->dst)) ||
            (ep_eq(&k->a, &p->dst) && ep_eq(&k->b, &p->src)))
            return 0;
    }
    return 1;
}

static void expire_idle(struct fb_tcp *t, int64_t now)
{
    if (t->lim.idle_timeout_us <= 0)
        return;
    while (t->oldest && now - t->oldest->last_ts > t->lim.idle_timeout_us) {
        t->oldest->pub.facts.events |= FB_TCP_EV_TIMEOUT;
        t->st.timed_out++;
        close_flow(t, t->oldest, now);
    }
}

/* ---- one packet ---------------------------------------------------------------------- */

/* The relative offset of seq in h (a signed distance of at most 2^31 from next). */
static int64_t unwrap(const struct half *h, uint32_t seq)
{
    uint32_t ref = h->base + (uint32_t)h->next;
    int64_t d = (int64_t)(uint32_t)(seq - ref);
    if (d >= ((int64_t)1 << 31))
        d -= (int64_t)1 << 32;
    return (int64_t)h->next + d;
}

static void handle_syn(struct flow *f, int dir, const struct fb_packet *p)
{
    struct half *h = &f->h[dir];
    struct fb_tcp_facts *fa = &f->pub.facts;
    if (p->tcp_flags & FB_TCP_ACK) {
        if (!fa->syn_ack)
            fa->syn_ack = p->ts_us;
    } else if (!fa->syn) {
        fa->syn = p->ts_us;
    }
    if (!h->syn) {
        h->syn = 1;
        h->isn = p->seq;
    }
    if (!h->have_base) {
        h->have_base = 1;
        h->base = p->seq + 1;
    }
}

/* The peer ACKs bytes of the other direction never seen: they were not captured. */
static void handle_ack(struct fb_tcp *t, struct flow *f, int dir, const struct fb_packet *p)
{
    int od = 1 - dir;
    struct half *o = &f->h[od];
    if (!o->have_base || o->ended || (!o->held && !o->had_data))
        return;
    int64_t target = unwrap(o, p->ack);
    if (o->fin && target > (int64_t)o->fin_off)
        target = (int64_t)o->fin_off;
    if (target <= (int64_t)o->next)
        return;
    advance_to(t, f, od, (uint64_t)target, p->ts_us);
    check_end(t, f, od, p->ts_us);
}

/* Holding [s, s + len) would pass a cap: the hole before it becomes a gap. */
static int over_cap(const struct fb_tcp *t, const struct flow *f, uint64_t add)
{
    uint64_t flow_held = (uint64_t)f->h[0].held_bytes + f->h[1].held_bytes;
    return flow_held + add > t->lim.ooo_per_flow || t->st.ooo_held + add > t->lim.ooo_total;
}

static void handle_data(struct fb_tcp *t, struct flow *f, int dir, const struct fb_packet *p)
{
    struct half *h = &f->h[dir];
    uint32_t seq = p->seq + ((p->tcp_flags & FB_TCP_SYN) ? 1u : 0u);
    size_t cap = p->payload_len, wire = p->wire_len > cap ? p->wire_len : cap;
    const uint8_t *data = p->payload;
    if (!h->have_base) {
        h->have_base = 1;
        h->base = seq;
    }
    int64_t s = unwrap(h, seq);
    if ((p->tcp_flags & FB_TCP_FIN) && !h->fin) {
        h->fin = 1;
        h->fin_off = s + (int64_t)wire > 0 ? (uint64_t)(s + (int64_t)wire) : 0;
        f->pub.facts.events |= dir == FB_TCP_C2S ? FB_TCP_EV_FIN_CLIENT : FB_TCP_EV_FIN_SERVER;
    }
    if (!wire || h->ended)
        return;
    h->had_data = 1;
    if (s < 0) { /* bytes before the stream's start: already past */
        size_t skip = (size_t)-s;
        wire = skip < wire ? wire - skip : 0;
        skip = skip < cap ? skip : cap;
        cap -= skip;
        data += skip;
        s = 0;
    }
    uint64_t start = (uint64_t)s, end_wire = start + wire;
    if (h->fin && end_wire > h->fin_off)
        end_wire = h->fin_off > start ? h->fin_off : start;
    if (end_wire <= start) /* only bytes after the FIN: ignored */
        return;
    if (cap > end_wire - start)
        cap = (size_t)(end_wire - start);
    if (uncovered(h, start, end_wire) == 0) {
        f->pub.facts.retransmissions++;
        f->pub.facts.events |= FB_TCP_EV_RETRANS;
        t->st.retransmissions++;
        return;
    }
    if (start > h->next) {
        uint64_t add = uncovered(h, start, start + cap);
        if (!over_cap(t, f, add)) {
            hold(t, h, start, data, cap);
            return;
        }
        f->pub.facts.events |= FB_TCP_EV_OOO_LIMIT;
        t->st.ooo_dropped_bytes += advance_to(t, f, dir, start, p->ts_us);
    }
    merge_deliver(t, f, dir, start, data, cap, p->ts_us);
    if (end_wire > start + cap) /* cut by the snaplen: the rest is a gap */
        advance_to(t, f, dir, end_wire, p->ts_us);
}

static void handle_rst(struct fb_tcp *t, struct flow *f, int dir, int64_t ts)
{
    struct fb_tcp_facts *fa = &f->pub.facts;
    fa->events |= dir == FB_TCP_C2S ? FB_TCP_EV_RST_CLIENT : FB_TCP_EV_RST_SERVER;
    if (!fa->rst)
        fa->rst = ts;
    if (dir == FB_TCP_S2C && f->h[FB_TCP_C2S].syn && !fa->syn_ack)
        fa->events |= FB_TCP_EV_REFUSED;
    f->rst_dir = dir;
    close_flow(t, f, ts);
}

void fb_tcp_packet(struct fb_tcp *t, const struct fb_packet *p)
{
    t->st.packets++;
    t->last_ts = p->ts_us;
    expire_idle(t, p->ts_us);
    struct flow *f = lookup(t, &p->src, &p->dst);
    int bare_syn = (p->tcp_flags & (FB_TCP_SYN | FB_TCP_ACK)) == FB_TCP_SYN;
    if (f && bare_syn) {
        int dir = ep_eq(&f->pub.client, &p->src) ? FB_TCP_C2S : FB_TCP_S2C;
        if (is_port_reuse(f, dir, p->seq)) {
            close_flow(t, f, p->ts_us);
            f = NULL;
        }
    }
    if (!f) {
        if (!opens_flow(t, p))
            return;
        f = open_flow(t, p);
    }
    int dir = ep_eq(&f->pub.client, &p->src) ? FB_TCP_C2S : FB_TCP_S2C;
    struct fb_tcp_facts *fa = &f->pub.facts;
    if (!fa->first)
        fa->first = p->ts_us;
    fa->last = p->ts_us;
    f->last_ts = p->ts_us;
    lru_unlink(t, f);
    lru_push(t, f);
    f->h[dir].seen = 1;
    if (p->tcp_flags & FB_TCP_SYN)
        handle_syn(f, dir, p);
    if (p->tcp_flags & FB_TCP_ACK)
        handle_ack(t, f, dir, p);
    if (p->tcp_flags & FB_TCP_RST) {
        handle_rst(t, f, dir, p->ts_us);
        return;
    }
    handle_data(t, f, dir, p);
    check_end(t, f, dir, p->ts_us);
    if (f->h[0].ended && f->h[1].ended)
        close_flow(t, f, p->ts_us);
}

/* ---- the reassembler ---------------------------------------------------------------- */

struct fb_tcp *fb_tcp_new(const struct fb_tcp_limits *l, const struct fb_tcp_callbacks *cb,
                          void *user)
{
    struct fb_tcp *t = fb_xcalloc(1, sizeof *t);
    if (l)
        t->lim = *l;
    else
        fb_tcp_limits_default(&t->lim);
    if (cb)
        t->cb = *cb;
    t->user = user;
    t->nbuckets = 64;
    t->buckets = fb_xcalloc(t->nbuckets, sizeof *t->buckets);
    return t;
}

void fb_tcp_finish(struct fb_tcp *t, int64_t ts)
{
    while (t->oldest)
        close_flow(t, t->oldest, ts);
}

void fb_tcp_stats(const struct fb_tcp *t, struct fb_tcp_stats *out)
{
    *out = t->st;
}

void fb_tcp_free(struct fb_tcp *t)
{
    if (!t)
        return;
    fb_tcp_finish(t, t->last_ts);
    free(t->buckets);
    free(t);
}
