/* link.c - one frame down to its transport payload: link layers (Ethernet with 802.1Q /
 * 802.1ad / 0x9100 tags stacked to any depth, Linux cooked SLL and SLL2, raw IP, BSD
 * null and OpenBSD loop, NFLOG), IPv4 (RFC 791) and IPv6 (RFC 8200, extension headers),
 * then the TCP (RFC 9293) or UDP (RFC 768) header. Fragments go to ipfrag.c.
 *
 * Bytes enter as a struct fb_frame and leave as a struct fb_packet whose payload points
 * into the frame (or into the defragmenter). Nothing past f->caplen is read; checksums
 * are never checked (offload makes bad sums normal). It keeps no state.
 */
#include "fbdiag/packet.h"

#include <string.h>

#include "fbdiag/cursor.h"
#include "net_internal.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD

/* What the IP layer needs to know about the frame. */
struct l3_in {
    const struct fb_frame *f;
    struct fb_ipfrag *frag;
    size_t frame_missing; /* origlen - caplen: bytes the capture did not keep */
};

enum fb_link_result fb_net_transport(uint8_t proto, const uint8_t *l4, size_t cap, size_t wire,
                                     struct fb_packet *p)
{
    struct fb_cursor c = fb_cur_make(l4, cap);
    size_t hlen = 0;
    p->ip_proto = proto;
    if (proto == 6) {
        uint8_t off, flags;
        if (!fb_cur_u16be(&c, &p->src.port) || !fb_cur_u16be(&c, &p->dst.port) ||
            !fb_cur_u32be(&c, &p->seq) || !fb_cur_u32be(&c, &p->ack) || !fb_cur_u8(&c, &off) ||
            !fb_cur_u8(&c, &flags) || !fb_cur_u16be(&c, &p->window))
            return FB_LINK_MALFORMED;
        p->tcp_flags = flags;
        hlen = (size_t)(off >> 4) * 4;
        if (hlen < 20 || hlen > cap)
            return FB_LINK_MALFORMED;
    } else if (proto == 17) {
        uint16_t ulen;
        if (!fb_cur_u16be(&c, &p->src.port) || !fb_cur_u16be(&c, &p->dst.port) ||
            !fb_cur_u16be(&c, &ulen) || !fb_cur_skip(&c, 2))
            return FB_LINK_MALFORMED;
        hlen = 8;
        if (ulen >= 8 && ulen < wire) /* the UDP length is tighter than IP's (padding) */
            wire = ulen;
        if (cap > wire)
            cap = wire;
    }
    if (wire < hlen)
        return FB_LINK_MALFORMED;
    p->payload = l4 + hlen;
    p->payload_len = cap - hlen;
    p->wire_len = wire - hlen;
    if (p->payload_len < p->wire_len)
        p->flags |= FB_PKT_CUT;
    return FB_LINK_OK;
}

int fb_net_ip6_walk(uint8_t *nh, struct fb_cursor *c, size_t *wire, struct fb_net_frag6 *fr)
{
    fr->present = 0;
    for (unsigned depth = 0; depth < 64; depth++) {
        uint8_t next, len;
        size_t size;
        if (*nh == 44) {
            uint16_t offm;
            uint32_t id;
            if (!fb_cur_u8(c, &next) || !fb_cur_skip(c, 1) || !fb_cur_u16be(c, &offm) ||
                !fb_cur_u32be(c, &id) || *wire < 8)
                return -1;
            *wire -= 8;
            *nh = next;
            if ((offm & 0xfff8) == 0 && !(offm & 1))
                continue; /* an atomic fragment (RFC 6946): the datagram is whole */
            fr->present = 1;
            fr->id = id;
            fr->offset = offm & 0xfff8;
            fr->more = offm & 1;
            return 0;
        }
        if (*nh != 0 && *nh != 43 && *nh != 60 && *nh != 51)
            return 0;
        if (fb_cur_left(c) < 2)
            return -1;
        next = c->p[0];
        len = c->p[1];
        size = *nh == 51 ? ((size_t)len + 2) * 4 : ((size_t)len + 1) * 8;
        if (!fb_cur_skip(c, size) || *wire < size)
            return -1;
        *wire -= size;
        *nh = next;
    }
    return -1; /* a chain this long is not a real packet */
}

/* The IP payload once its header is parsed: a fragment goes to the defragmenter, the
 * rest to the transport decoder. cap is what the frame holds of the payload. */
static enum fb_link_result ip_payload(const struct l3_in *in, struct fb_net_frag *fr,
                                      int fragment, struct fb_packet *p)
{
    if (fragment) {
        if (!in->frag)
            return FB_LINK_FRAGMENT;
        enum fb_link_result r = fb_ipfrag_add(in->frag, fr, in->f->ts_us, p);
        if (r == FB_LINK_OK) {
            p->ts_us = in->f->ts_us;
            p->interface = in->f->interface;
        }
        return r;
    }
    p->src.addr = fr->src;
    p->dst.addr = fr->dst;
    return fb_net_transport(fr->proto, fr->data, fr->cap, fr->wire, p);
}

/* The length the IP header announces against what was captured: trims link padding,
 * and takes a total of 0 (TSO) as "what was captured, plus what the capture cut". */
static void ip_lengths(const struct l3_in *in, size_t announced, size_t left, size_t *cap,
                       size_t *wire)
{
    if (announced == 0) {
        *cap = left;
        *wire = left + in->frame_missing;
    } else {
        *cap = left < announced ? left : announced;
        *wire = announced;
    }
}

static enum fb_link_result ipv4(const struct l3_in *in, struct fb_cursor c, struct fb_packet *p)
{
    const uint8_t *h = c.p;
    size_t left = fb_cur_left(&c);
    if (left < 20 || (h[0] >> 4) != 4)
        return FB_LINK_MALFORMED;
    size_t ihl = (size_t)(h[0] & 15) * 4;
    size_t total = (size_t)h[2] << 8 | h[3];
    if (ihl < 20 || ihl > left || (total != 0 && total < ihl))
        return FB_LINK_MALFORMED;
    struct fb_net_frag fr = {.family = 4, .proto = h[9], .id = (uint32_t)h[4] << 8 | h[5]};
    fr.src.family = fr.dst.family = 4;
    memcpy(fr.src.bytes, h + 12, 4);
    memcpy(fr.dst.bytes, h + 16, 4);
    uint16_t ff = (uint16_t)(h[6] << 8 | h[7]);
    fr.offset = (size_t)(ff & 0x1fff) * 8;
    fr.more = (ff & 0x2000) != 0;
    ip_lengths(in, total ? total - ihl : 0, left - ihl, &fr.cap, &fr.wire);
    fr.data = h + ihl;
    return ip_payload(in, &fr, fr.more || fr.offset, p);
}

static enum fb_link_result ipv6(const struct l3_in *in, struct fb_cursor c, struct fb_packet *p)
{
    const uint8_t *h = c.p;
    size_t left = fb_cur_left(&c);
    if (left < 40 || (h[0] >> 4) != 6)
        return FB_LINK_MALFORMED;
    size_t plen = (size_t)h[4] << 8 | h[5]; /* 0: a jumbogram, or TSO: use what is there */
    struct fb_net_frag fr = {.family = 6, .proto = h[6]};
    fr.src.family = fr.dst.family = 6;
    memcpy(fr.src.bytes, h + 8, 16);
    memcpy(fr.dst.bytes, h + 24, 16);
    size_t cap, wire;
    ip_lengths(in, plen, left - 40, &cap, &wire);
    struct fb_cursor e = fb_cur_make(h + 40, cap);
    struct fb_net_frag6 f6;
    if (fb_net_ip6_walk(&fr.proto, &e, &wire, &f6) != 0)
        return FB_LINK_MALFORMED;
    fr.data = e.p;
    fr.cap = fb_cur_left(&e);
    fr.wire = wire;
    fr.id = f6.id;
    fr.offset = f6.offset;
    fr.more = f6.more;
    return ip_payload(in, &fr, f6.present, p);
}

static enum fb_link_result by_version(const struct l3_in *in, struct fb_cursor c,
                                      struct fb_packet *p)
{
    if (fb_cur_left(&c) < 1)
        return FB_LINK_MALFORMED;
    switch (c.p[0] >> 4) {
    case 4: return ipv4(in, c, p);
    case 6: return ipv6(in, c, p);
    default: return FB_LINK_NOT_IP;
    }
}

/* An ethertype (after any number of VLAN tags: each is TCI + the next type). */
static enum fb_link_result by_ethertype(const struct l3_in *in, uint16_t type, struct fb_cursor c,
                                        struct fb_packet *p)
{
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (!fb_cur_skip(&c, 2) || !fb_cur_u16be(&c, &type))
            return FB_LINK_MALFORMED;
    }
    if (type == ETH_IPV4)
        return ipv4(in, c, p);
    if (type == ETH_IPV6)
        return ipv6(in, c, p);
    return FB_LINK_NOT_IP;
}

/* BSD AF_ values for IPv6 differ by OS (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS). */
static enum fb_link_result by_af(const struct l3_in *in, uint32_t af, struct fb_cursor c,
                                 struct fb_packet *p)
{
    if (af == 2)
        return ipv4(in, c, p);
    if (af == 24 || af == 28 || af == 30)
        return ipv6(in, c, p);
    return FB_LINK_NOT_IP;
}

/* NFLOG (LINKTYPE 239): a 4-byte header, then TLVs whose length and type are in the
 * capturing host's order (little-endian on every host that matters), padded to 4;
 * type 9 holds the packet from its IP header on. */
static enum fb_link_result nflog(const struct l3_in *in, struct fb_cursor c, struct fb_packet *p)
{
    if (!fb_cur_skip(&c, 4))
        return FB_LINK_MALFORMED;
    while (fb_cur_left(&c) > 0) {
        uint16_t len, type;
        if (!fb_cur_u16le(&c, &len) || !fb_cur_u16le(&c, &type) || len < 4)
            return FB_LINK_MALFORMED;
        size_t body = (size_t)len - 4, padded = ((size_t)len + 3) / 4 * 4 - 4;
        if (fb_cur_left(&c) < body)
            return FB_LINK_MALFORMED;
        if ((type & 0x7fff) == 9)
            return by_version(in, fb_cur_make(c.p, body), p);
        if (!fb_cur_skip(&c, padded < fb_cur_left(&c) ? padded : fb_cur_left(&c)))
            return FB_LINK_MALFORMED;
    }
    return FB_LINK_NOT_IP; /* no payload TLV */
}

static enum fb_link_result by_link(const struct l3_in *in, struct fb_cursor c, struct fb_packet *p)
{
    uint16_t type;
    uint32_t af;
    switch (in->f->link_type) {
    case FB_LINK_ETHERNET:
        if (!fb_cur_skip(&c, 12) || !fb_cur_u16be(&c, &type))
            return FB_LINK_MALFORMED;
        return type < 0x0600 ? FB_LINK_NOT_IP : by_ethertype(in, type, c, p); /* 802.3 length */
    case FB_LINK_SLL:
        if (!fb_cur_skip(&c, 14) || !fb_cur_u16be(&c, &type))
            return FB_LINK_MALFORMED;
        return by_ethertype(in, type, c, p);
    case FB_LINK_SLL2:
        if (!fb_cur_u16be(&c, &type) || !fb_cur_skip(&c, 18))
            return FB_LINK_MALFORMED;
        return by_ethertype(in, type, c, p);
    case FB_LINK_RAW:
    case 12:
    case 14: return by_version(in, c, p);
    case FB_LINK_IPV4: return ipv4(in, c, p);
    case FB_LINK_IPV6: return ipv6(in, c, p);
    case FB_LINK_NULL:
        if (!fb_cur_u32le(&c, &af))
            return FB_LINK_MALFORMED;
        if (af > 0xffff) /* written by a big-endian host */
            af = __builtin_bswap32(af);
        return by_af(in, af, c, p);
    case FB_LINK_LOOP:
        if (!fb_cur_u32be(&c, &af))
            return FB_LINK_MALFORMED;
        return by_af(in, af, c, p);
    case FB_LINK_NFLOG: return nflog(in, c, p);
    default: return FB_LINK_UNSUPPORTED;
    }
}

enum fb_link_result fb_link_decode(const struct fb_frame *f, struct fb_ipfrag *frag,
                                   struct fb_packet *p)
{
    memset(p, 0, sizeof *p);
    p->ts_us = f->ts_us;
    p->interface = f->interface;
    struct l3_in in = {f, frag, f->origlen > f->caplen ? f->origlen - f->caplen : 0};
    return by_link(&in, fb_cur_make(f->data, f->caplen), p);
}
