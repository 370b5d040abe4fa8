/* ipfrag.c - IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5) fragment reassembly, capped.
 *
 * Each open datagram is keyed by (family, source, destination, id, protocol) and keeps
 * a buffer of its payload plus the sorted, disjoint list of byte ranges received so far
 * (the holes are what lies between them). Overlapping fragments: the first copy of a
 * byte wins (later copies only fill holes). The datagram is complete when its last
 * fragment (MF clear) has fixed the total and one range covers [0, total). Then its
 * transport header is decoded from the buffer, which moves to f->out (owned here, valid
 * until the next call).
 *
 * Caps: max_bytes of buffers held in total, max_datagrams open at once (the oldest is
 * evicted first), and timeout_us from a datagram's first fragment; each datagram given
 * up counts in fb_ipfrag_dropped. Datagrams sit in a list in order of creation, looked
 * up linearly (max_datagrams is small). It does not check checksums or decode links.
 */
#include "fbdiag/packet.h"

#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

#define DGRAM_MAX 65535 /* no IP datagram payload is larger (jumbograms are not fragmented) */

struct range {
    size_t start, end;
};

struct dgram {
    struct dgram *prev, *next;
    uint8_t family, proto;
    uint32_t id;
    struct fb_addr src, dst;
    int64_t first_ts;
    size_t total; /* 0 until the last fragment is seen */
    uint8_t *buf;
    size_t buf_cap;
    struct range *r;
    size_t n_r, cap_r;
};

struct fb_ipfrag {
    size_t max_bytes, max_datagrams;
    int64_t timeout_us;
    struct dgram *head, *tail; /* oldest first */
    size_t n, bytes;
    uint64_t dropped;
    uint8_t *out; /* the last reassembled datagram */
};

struct fb_ipfrag *fb_ipfrag_new(size_t max_bytes, size_t max_datagrams, int64_t timeout_us)
{
    struct fb_ipfrag *f = fb_xcalloc(1, sizeof *f);
    f->max_bytes = max_bytes;
    f->max_datagrams = max_datagrams ? max_datagrams : 1;
    f->timeout_us = timeout_us;
    return f;
}

static void unlink_free(struct fb_ipfrag *f, struct dgram *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        f->head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        f->tail = g->prev;
    f->n--;
    f->bytes -= g->buf_cap;
    free(g->buf);
    free(g->r);
    free(g);
}

static void drop(struct fb_ipfrag *f, struct dgram *g)
{
    f->dropped++;
    unlink_free(f, g);
}

void fb_ipfrag_free(struct fb_ipfrag *f)
{
    if (!f)
        return;
    while (f->head)
        unlink_free(f, f->head);
    free(f->out);
    free(f);
}

uint64_t fb_ipfrag_dropped(const struct fb_ipfrag *f)
{
    return f->dropped;
}

static void expire(struct fb_ipfrag *f, int64_t now)
{
    for (struct dgram *g = f->head, *next; g; g = next) {
        next = g->next;
        if (now - g->first_ts > f->timeout_us)
            drop(f, g);
    }
}

static int same_key(const struct dgram *g, const struct fb_net_frag *in)
{
    size_t alen = in->family == 4 ? 4 : 16;
    return g->family == in->family && g->proto == in->proto && g->id == in->id &&
           memcmp(g->src.bytes, in->src.bytes, alen) == 0 &&
           memcmp(g->dst.bytes, in->dst.bytes, alen) == 0;
}

static struct dgram *find_or_open(struct fb_ipfrag *f, const struct fb_net_frag *in, int64_t ts)
{
    for (struct dgram *g = f->head; g; g = g->next)
        if (same_key(g, in))
            return g;
    while (f->n >= f->max_datagrams)
        drop(f, f->head);
    struct dgram *g = fb_xcalloc(1, sizeof *g);
    g->family = in->family;
    g->proto = in->proto;
    g->id = in->id;
    g->src = in->src;
    g->dst = in->dst;
    g->first_ts = ts;
    g->prev = f->tail;
    if (f->tail)
        f->tail->next = g;
    else
        f->head = g;
    f->tail = g;
    f->n++;
    return g;
}

/* Grows g's buffer to hold end bytes within the byte cap, evicting older datagrams;
 * 0 when even alone it would not fit. */
static int reserve(struct fb_ipfrag *f, struct dgram *g, size_t end)
{
    if (end <= g->buf_cap)
        return 1;
    size_t ncap = g->buf_cap ? g->buf_cap : 512;
    while (ncap < end)
        ncap *= 2;
    if (ncap > DGRAM_MAX)
        ncap = DGRAM_MAX;
    size_t more = ncap - g->buf_cap;
    while (f->bytes + more > f->max_bytes && f->head != g)
        drop(f, f->head);
    while (f->bytes + more > f->max_bytes && g->next)
        drop(f, g->next);
    if (f->bytes + more > f->max_bytes)
        return 0;
    g->buf = fb_xrealloc(g->buf, ncap);
    g->buf_cap = ncap;
    f->bytes += more;
    return 1;
}

/* Copies the parts of [s, e) not yet received (the first copy wins) and merges ranges. */
static void fill(struct dgram *g, size_t s, size_t e, const uint8_t *data)
{
    size_t pos = s;
    for (size_t i = 0; i < g->n_r && pos < e; i++) {
        if (g->r[i].end <= pos)
            continue;
        if (g->r[i].start > pos) {
            size_t stop = g->r[i].start < e ? g->r[i].start : e;
            memcpy(g->buf + pos, data + (pos - s), stop - pos);
        }
        pos = g->r[i].end > pos ? g->r[i].end : pos;
    }
    if (pos < e)
        memcpy(g->buf + pos, data + (pos - s), e - pos);
    /* insert [s, e) then merge neighbours */
    if (g->n_r == g->cap_r) {
        g->cap_r = g->cap_r ? g->cap_r * 2 : 8;
        g->r = fb_xrealloc(g->r, g->cap_r * sizeof *g->r);
    }
    size_t at = 0;
    while (at < g->n_r && g->r[at].start < s)
        at++;
    memmove(g->r + at + 1, g->r + at, (g->n_r - at) * sizeof *g->r);
    g->r[at] = (struct range){s, e};
    g->n_r++;
    size_t w = 0;
    for (size_t i = 1; i < g->n_r; i++) {
        if (g->r[i].start <= g->r[w].end) {
            if (g->r[i].end > g->r[w].end)
                g->r[w].end = g->r[i].end;
        } else {
            g->r[++w] = g->r[i];
        }
    }
    g->n_r = w + 1;
}

/* The datagram is whole: decode its transport header from a buffer that moves to f. */
static enum fb_link_result complete(struct fb_ipfrag *f, struct dgram *g, struct fb_packet *p)
{
    free(f->out);
    f->out = g->buf;
    size_t total = g->total;
    g->buf = NULL;
    f->bytes -= g->buf_cap;
    g->buf_cap = 0;
    uint8_t proto = g->proto;
    memset(p, 0, sizeof *p);
    p->src.addr = g->src;
    p->dst.addr = g->dst;
    unlink_free(f, g);
    struct fb_cursor c = fb_cur_make(f->out, total);
    size_t wire = total;
    if (p->src.addr.family == 6) { /* the fragmentable part may start with more headers */
        struct fb_net_frag6 fr;
        if (fb_net_ip6_walk(&proto, &c, &wire, &fr) != 0 || fr.present)
            return FB_LINK_MALFORMED;
    }
    enum fb_link_result r = fb_net_transport(proto, c.p, fb_cur_left(&c), wire, p);
    p->flags |= FB_PKT_REASSEMBLED;
    return r;
}

enum fb_link_result fb_ipfrag_add(struct fb_ipfrag *f, const struct fb_net_frag *in,
                                  int64_t ts_us, struct fb_packet *p)
{
    expire(f, ts_us);
    size_t end = in->offset + in->wire;
    if (end > DGRAM_MAX || in->cap > in->wire)
        return FB_LINK_MALFORMED;
    struct dgram *g = find_or_open(f, in, ts_us);
    if (!in->more && !g->total && end >= (g->n_r ? g->r[g->n_r - 1].end : 0))
        g->total = end; /* a later "last" fragment that disagrees is ignored */
    size_t e = in->offset + in->cap; /* a fragment cut by snaplen leaves a hole: never completes */
    if (g->total && e > g->total)
        e = g->total;
    if (e > in->offset) {
        if (!reserve(f, g, e)) {
            drop(f, g);
            return FB_LINK_FRAGMENT;
        }
        fill(g, in->offset, e, in->data);
    }
    if (g->total && g->n_r == 1 && g->r[0].start == 0 && g->r[0].end >= g->total)
        return complete(f, g, p);
    return FB_LINK_FRAGMENT;
}
