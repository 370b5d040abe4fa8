/* tcp.h - TCP reassembly per direction for captures: segments in any order become two
 * in-order byte streams per connection, handed to callbacks as they become contiguous.
 *
 * Policy (docs/capture.md): a flow is keyed by its two endpoints; the SYN sender is the
 * client (without a SYN: the side whose port is not the server's, FB_TCP_EV_MID_STREAM;
 * the server is the side with the well-known or lower port). Retransmitted bytes are
 * dropped (first copy wins on overlaps, as the receiver's stack does for in-window
 * data); out-of-order segments are held, capped per flow and in total; when the other
 * side ACKs bytes never seen, or the cap is passed, or the flow ends with a hole, the
 * hole is reported as a gap and delivery goes on after it. A SYN on a finished key
 * starts a new flow (port reuse). Flows end on FIN from both sides (after their data),
 * on RST, on the idle timeout, or at fb_tcp_finish; finished flows are freed at once.
 *
 * Ownership: data pointers given to callbacks are borrowed for the call only. The
 * fb_tcp_flow passed to callbacks is owned by the reassembler and valid until
 * on_close returns. fb_tcp_new returns an owned object (fb_tcp_free).
 */
#ifndef FB_TCP_H
#define FB_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/packet.h"

enum fb_tcp_dir { FB_TCP_C2S = 0, FB_TCP_S2C = 1 };

struct fb_tcp_limits {
    size_t ooo_per_flow;   /* out-of-order bytes held per flow (both directions) */
    size_t ooo_total;      /* out-of-order bytes held over all flows */
    size_t max_flows;      /* open flows; the least recently active is closed beyond */
    int64_t idle_timeout_us; /* a flow idle this long (capture time) is closed */
};
void fb_tcp_limits_default(struct fb_tcp_limits *l); /* 1 MiB, 64 MiB, 65536, 300 s */

struct fb_tcp_flow {
    uint64_t id;                    /* from 0, in the order flows are first seen */
    struct fb_endpoint client, server;
    struct fb_tcp_facts facts;      /* kept up to date as packets arrive */
    void *user;                     /* the consumer's per-flow state (set in on_open) */
};

struct fb_tcp_callbacks {
    /* A new flow (first packet, data or not). May set f->user. */
    void (*on_open)(void *user, struct fb_tcp_flow *f);
    /* In-order bytes of one direction; ts is the capture time of the segment that
     * completed them. */
    void (*on_data)(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, const uint8_t *p,
                    size_t n, int64_t ts);
    /* n bytes of one direction were not captured (before the next on_data of it). */
    void (*on_gap)(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, uint64_t n,
                   int64_t ts);
    /* FIN or RST from one side, after all its data (events say which). */
    void (*on_end)(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, int rst, int64_t ts);
    /* The flow is finished (both FINs, RST, timeout, eviction or fb_tcp_finish); free
     * f->user here. Called exactly once per on_open. */
    void (*on_close)(void *user, struct fb_tcp_flow *f, int64_t ts);
};

struct fb_tcp_stats {
    uint64_t flows, packets, retransmissions, gaps, gap_bytes, ooo_dropped_bytes;
    uint64_t evicted, timed_out;
    size_t ooo_held, ooo_held_peak, open_flows, open_flows_peak;
};

struct fb_tcp;
struct fb_tcp *fb_tcp_new(const struct fb_tcp_limits *l, const struct fb_tcp_callbacks *cb,
                          void *user);
/* One TCP packet (p->ip_proto == 6). Packets are expected in capture order; their ts
 * drives the idle timeout. A FB_PKT_CUT packet delivers what was captured and reports
 * the rest as a gap. */
void fb_tcp_packet(struct fb_tcp *t, const struct fb_packet *p);
/* Ends every open flow (holes reported as gaps), as at the end of the capture. */
void fb_tcp_finish(struct fb_tcp *t, int64_t ts);
void fb_tcp_stats(const struct fb_tcp *t, struct fb_tcp_stats *out);
void fb_tcp_free(struct fb_tcp *t); /* NULL is a no-op; closes open flows first */

#endif /* FB_TCP_H */
