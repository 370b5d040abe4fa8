/* packet.h - captured frames, from file bytes down to the transport layer: classic pcap
 * (libpcap, both byte orders, micro- and nanosecond stamps), pcapng (the project's own
 * block walker: SHB, IDB, EPB, SPB, NRB skipped, DSB kept for TLS, unknown blocks
 * skipped, several sections, both byte orders, per-interface link types), link layers
 * (Ethernet, 802.1Q and QinQ, Linux SLL and SLL2, raw IPv4/IPv6, BSD null/loopback,
 * NFLOG), IPv4 and IPv6 (extension headers) and IP fragment reassembly (capped).
 * It does not reassemble TCP (tcp.h) or look at payloads.
 *
 * Ownership: a frame's bytes are borrowed from the reader and valid until the next
 * fb_frames_next() call; a packet's payload is borrowed from the frame, or from the
 * defragmenter when FB_PKT_REASSEMBLED is set (valid until the next fb_ipfrag_* call).
 * Nothing here is global; every object is owned by its creator (x_new / x_free).
 */
#ifndef FB_PACKET_H
#define FB_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/util.h"

struct fb_source;

/* ---- frames: pcap and pcapng files ------------------------------------------------ */

/* Link types (the DLT_/LINKTYPE_ numbers of pcap and pcapng). */
enum {
    FB_LINK_NULL = 0,      /* BSD loopback: 4-byte AF in host order of the writer */
    FB_LINK_ETHERNET = 1,
    FB_LINK_RAW = 101,     /* raw IPv4 or IPv6 (version nibble) */
    FB_LINK_LOOP = 108,    /* OpenBSD loopback: AF in network order */
    FB_LINK_SLL = 113,     /* Linux cooked v1 */
    FB_LINK_NFLOG = 239,
    FB_LINK_IPV4 = 228,
    FB_LINK_IPV6 = 229,
    FB_LINK_SLL2 = 276,    /* Linux cooked v2 */
    /* 12 and 14 are "raw IP" on some BSDs: treated as FB_LINK_RAW */
};

enum {
    FB_FRAME_CUT = 1u << 0, /* caplen < original length: the capture kept less (snaplen) */
};

struct fb_frame {
    int64_t ts_us;       /* microseconds since the epoch, UTC (nanoseconds rounded down) */
    uint32_t link_type;  /* FB_LINK_*, or another LINKTYPE_ value (skipped by fb_link_decode) */
    uint32_t interface;  /* pcapng interface id (global across sections: first section's
                            interfaces from 0, the next section's after them); 0 for pcap */
    const uint8_t *data; /* caplen bytes, borrowed */
    uint32_t caplen, origlen;
    unsigned flags;      /* FB_FRAME_* */
};

/* A pcapng Decryption Secrets Block (type 0x544c534b = TLS key log): its bytes. */
struct fb_dsb {
    uint32_t secrets_type;
    const uint8_t *data; /* borrowed, valid until the next fb_frames_next() */
    size_t len;
};

enum fb_frames_item {
    FB_FRAMES_END = 0, /* no more frames (clean end, or a cut-short file: see warn) */
    FB_FRAMES_FRAME,
    FB_FRAMES_DSB,
};

struct fb_frames;
/* Opens a frame reader over a pull source positioned at the file's first byte (the
 * source is borrowed and must outlive the reader). Detects pcap or pcapng from the
 * magic. FB_ERR_FORMAT (d says why: bad magic, unknown version, bad SHB) when the file
 * cannot be read at all. */
FB_NODISCARD int fb_frames_open(struct fb_frames **out, struct fb_source *src, struct fb_diag *d);
/* Next item: FB_FRAMES_FRAME fills *f, FB_FRAMES_DSB fills *dsb. FB_FRAMES_END at the end.
 * A file cut short, or a corrupt block after good ones, ends the walk with
 * FB_FRAMES_END and sets a warning (fb_frames_warning) saying where and why; what came
 * before it is still returned. Never fails otherwise. */
enum fb_frames_item fb_frames_next(struct fb_frames *r, struct fb_frame *f, struct fb_dsb *dsb);
/* NULL, or the warning of the walk so far ("cut short in the middle of a packet at
 * offset 20312", "block of type 6 at offset 4120 has a bad length"); owned by r. */
const char *fb_frames_warning(const struct fb_frames *r);
/* Counts kept by the reader: frames returned, blocks skipped (unknown types), and
 * frames whose link type fb_link_decode does not handle are counted by the caller. */
uint64_t fb_frames_count(const struct fb_frames *r);
const char *fb_frames_format(const struct fb_frames *r); /* "pcap" or "pcapng" */
void fb_frames_free(struct fb_frames *r); /* NULL is a no-op */

/* ---- packets: link layer, IP, transport header ------------------------------------ */

enum {
    FB_PKT_CUT = 1u << 0,         /* the frame was cut (snaplen): payload shorter than on the wire */
    FB_PKT_REASSEMBLED = 1u << 1, /* rebuilt from IP fragments */
    FB_PKT_BAD_CHECKSUM = 1u << 2 /* not checked: offload makes bad sums normal; unused */
};

/* TCP flag bits as on the wire. */
enum {
    FB_TCP_FIN = 0x01,
    FB_TCP_SYN = 0x02,
    FB_TCP_RST = 0x04,
    FB_TCP_PSH = 0x08,
    FB_TCP_ACK = 0x10,
};

struct fb_packet {
    int64_t ts_us;
    uint32_t interface;
    uint8_t ip_proto;             /* 6 TCP, 17 UDP; others are decoded no further */
    struct fb_endpoint src, dst;  /* addresses and ports */
    /* TCP */
    uint32_t seq, ack;
    uint8_t tcp_flags; /* FB_TCP_* */
    uint16_t window;
    /* transport payload: the bytes captured (payload_len) and the length the IP header
     * announces (wire_len >= payload_len; larger when the frame was cut) */
    const uint8_t *payload;
    size_t payload_len;
    size_t wire_len;
    unsigned flags; /* FB_PKT_* */
};

struct fb_ipfrag;
/* Fragment reassembly state: at most max_bytes held in total and max_datagrams open at
 * once (oldest evicted first); a datagram not completed within timeout_us of its first
 * fragment is dropped. Counts of what was dropped are kept. */
struct fb_ipfrag *fb_ipfrag_new(size_t max_bytes, size_t max_datagrams, int64_t timeout_us);
void fb_ipfrag_free(struct fb_ipfrag *f); /* NULL is a no-op */
uint64_t fb_ipfrag_dropped(const struct fb_ipfrag *f); /* datagrams given up (cap/timeout) */

enum fb_link_result {
    FB_LINK_OK = 0,        /* *p is a TCP or UDP packet (or another IP protocol: ip_proto) */
    FB_LINK_NOT_IP,        /* ARP, LLDP, ...: skipped */
    FB_LINK_UNSUPPORTED,   /* a link type this module does not decode */
    FB_LINK_FRAGMENT,      /* an IP fragment held for reassembly (no packet yet) */
    FB_LINK_MALFORMED,     /* headers shorter or inconsistent */
};
/* Decodes one frame down to its transport payload. frag may be NULL (fragments are then
 * FB_LINK_FRAGMENT and lost). When the last fragment of a datagram arrives the result
 * is FB_LINK_OK with FB_PKT_REASSEMBLED. Never reads past f->caplen. */
enum fb_link_result fb_link_decode(const struct fb_frame *f, struct fb_ipfrag *frag,
                                   struct fb_packet *p);

#endif /* FB_PACKET_H */
