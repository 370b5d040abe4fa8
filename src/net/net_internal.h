/* net_internal.h - what link.c and ipfrag.c share inside src/net: the transport header
 * decoder (TCP, UDP, or the bare payload of another protocol), the IPv6 extension header
 * walk, and the defragmenter's entry point. Not part of the public API (packet.h).
 *
 * Ownership: every pointer set in a struct fb_packet points into the bytes passed in.
 */
#ifndef FB_NET_INTERNAL_H
#define FB_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/cursor.h"
#include "fbdiag/packet.h"

/* Decodes the transport header of proto at l4: cap bytes were captured, wire bytes are
 * what the IP header announces (wire >= cap). Fills ip_proto, ports, TCP fields,
 * payload, payload_len and wire_len; sets FB_PKT_CUT when cap < wire. FB_LINK_OK or
 * FB_LINK_MALFORMED (the header itself is not all there). */
enum fb_link_result fb_net_transport(uint8_t proto, const uint8_t *l4, size_t cap, size_t wire,
                                     struct fb_packet *p);

/* An IPv6 Fragment header met by fb_net_ip6_walk. */
struct fb_net_frag6 {
    int present; /* 0: no fragment header (or an atomic one) */
    uint32_t id;
    size_t offset; /* bytes */
    int more;
};
/* Walks IPv6 extension headers (hop-by-hop, routing, fragment, destination options, AH)
 * starting with next header *nh over c; *wire is the bytes the IPv6 header announces
 * from c->p on and shrinks as headers are skipped. Stops at the first other header
 * (*nh), or after a Fragment header (fr->present: c is at the fragment's data, *nh its
 * next header). 0, or -1 when a header is not all there. */
int fb_net_ip6_walk(uint8_t *nh, struct fb_cursor *c, size_t *wire, struct fb_net_frag6 *fr);

/* One IP fragment handed to the defragmenter. */
struct fb_net_frag {
    uint8_t family; /* 4 or 6 */
    uint8_t proto;  /* IPv4 protocol / IPv6 next header after the Fragment header */
    uint32_t id;
    struct fb_addr src, dst;
    size_t offset;      /* of data within the datagram's payload, bytes */
    int more;           /* more fragments follow */
    const uint8_t *data; /* cap bytes captured */
    size_t cap, wire;    /* wire: the fragment's length on the wire (IP header's view) */
};
/* Adds a fragment seen at ts_us (expiring what timed out first). FB_LINK_FRAGMENT while
 * the datagram is incomplete (or was dropped), FB_LINK_OK with p filled and
 * FB_PKT_REASSEMBLED when it completes (payload owned by f until its next call),
 * FB_LINK_MALFORMED for a fragment past the 64 KiB datagram limit. p->ts_us and
 * p->interface are left to the caller. */
enum fb_link_result fb_ipfrag_add(struct fb_ipfrag *f, const struct fb_net_frag *in,
                                  int64_t ts_us, struct fb_packet *p);

#endif /* FB_NET_INTERNAL_H */
