/* fuzz_tcp.c - libFuzzer target for tcp.c (TCP reassembly). The input is 8 bytes of
 * ISNs (client, server) followed by packet descriptors of 7 bytes and their payload:
 *
 *   flags  b0: bits 0-4 TCP FIN SYN RST PSH ACK, bit 5 from the server, bit 6 cut
 *              (wire length = captured + 64), bit 7 seq jumps by 2^31 - 1
 *   seq    b1 b2: offset from the sender's ISN (big-endian)
 *   ack    b3 b4: offset from the peer's ISN
 *   len    b5: payload bytes that follow (fewer if the input ends)
 *   misc   b6: bits 0-1 which of four connections, bits 2-7 time step (x 1 s)
 *
 * fed to one reassembler with small caps (300 bytes per flow, 700 total, 3 flows, 20 s
 * idle). Invariants abort: bytes delivered per direction never exceed the bytes
 * captured from that side since the flow opened; facts.bytes equals what on_data gave;
 * no on_data after that side's on_end; gaps are never empty; ooo_held stays within the
 * caps; on_close exactly once per on_open; nothing open or held after finish. */
#include <stdlib.h>
#include <string.h>

#include "fbdiag/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_CONN 4

struct fz {
    uint64_t sent[N_CONN][2]; /* captured payload bytes per connection and side */
    uint64_t opens, closes;
    int cur_conn, cur_side; /* the packet being fed: its bytes are counted already */
    size_t cur_len;
};

struct fz_flow {
    int conn;
    uint64_t sent_at_open[2], delivered[2];
    int ended[2];
};

static int conn_of(const struct fb_tcp_flow *f)
{
    return (f->client.port == 80 ? f->server.port : f->client.port) - 1000;
}

static int client_is_host1(const struct fb_tcp_flow *f)
{
    return f->client.addr.bytes[3] == 1;
}

static void on_open(void *user, struct fb_tcp_flow *f)
{
    struct fz *z = user;
    struct fz_flow *ff = calloc(1, sizeof *ff);
    if (!ff)
        abort();
    ff->conn = conn_of(f);
    if (ff->conn < 0 || ff->conn >= N_CONN)
        abort();
    /* side 0 of sent[] is host 1 (the descriptors' "client") */
    int h1 = client_is_host1(f);
    for (int dir = 0; dir < 2; dir++) {
        int side = (dir == 0) == h1 ? 0 : 1;
        ff->sent_at_open[dir] = z->sent[ff->conn][side];
        if (z->cur_conn == ff->conn && z->cur_side == side)
            ff->sent_at_open[dir] -= z->cur_len;
    }
    f->user = ff;
    z->opens++;
}

static void on_data(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, const uint8_t *p,
                    size_t n, int64_t ts)
{
    struct fz *z = user;
    struct fz_flow *ff = f->user;
    (void)ts;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) /* ASan checks the borrowed bytes */
        sink ^= p[i];
    (void)sink;
    if (n == 0 || ff->ended[dir])
        abort();
    ff->delivered[dir] += n;
    int h1 = client_is_host1(f);
    int side = dir == FB_TCP_C2S ? (h1 ? 0 : 1) : (h1 ? 1 : 0);
    if (ff->delivered[dir] > z->sent[ff->conn][side] - ff->sent_at_open[dir])
        abort();
    if (f->facts.bytes[dir] != ff->delivered[dir])
        abort();
}

static void on_gap(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, uint64_t n, int64_t ts)
{
    struct fz_flow *ff = f->user;
    (void)user, (void)ts;
    if (n == 0 || ff->ended[dir])
        abort();
}

static void on_end(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, int rst, int64_t ts)
{
    struct fz_flow *ff = f->user;
    (void)user, (void)ts, (void)rst;
    if (ff->ended[dir])
        abort();
    ff->ended[dir] = 1;
}

static void on_close(void *user, struct fb_tcp_flow *f, int64_t ts)
{
    struct fz *z = user;
    (void)ts;
    if (!f->user)
        abort();
    free(f->user);
    f->user = NULL;
    z->closes++;
}

static void check_stats(const struct fb_tcp *t, const struct fb_tcp_limits *l, const struct fz *z)
{
    struct fb_tcp_stats s;
    fb_tcp_stats(t, &s);
    if (s.ooo_held > l->ooo_total || s.ooo_held_peak > l->ooo_total ||
        s.ooo_held > s.open_flows * l->ooo_per_flow)
        abort();
    if (s.open_flows != z->opens - z->closes || s.open_flows > l->max_flows)
        abort();
}

/* The packet of descriptor d, with len payload bytes at payload. */
static void build_packet(struct fb_packet *p, const uint8_t *d, const uint32_t isn[2],
                         const uint8_t *payload, size_t len, int64_t now)
{
    int from_server = (d[0] >> 5) & 1, conn = d[6] & 3;
    memset(p, 0, sizeof *p);
    p->ts_us = now;
    p->ip_proto = 6;
    struct fb_endpoint a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.addr.family = b.addr.family = 4;
    a.addr.bytes[3] = 1;
    b.addr.bytes[3] = 2;
    a.port = (uint16_t)(1000 + conn);
    b.port = 80;
    p->src = from_server ? b : a;
    p->dst = from_server ? a : b;
    p->tcp_flags = d[0] & 0x1f;
    p->seq = isn[from_server] + (uint32_t)(d[1] << 8 | d[2]);
    if (d[0] & 0x80)
        p->seq += 0x7fffffffu;
    p->ack = isn[!from_server] + (uint32_t)(d[3] << 8 | d[4]);
    p->payload = payload;
    p->payload_len = len;
    p->wire_len = len;
    if (d[0] & 0x40) {
        p->wire_len = len + 64;
        p->flags = FB_PKT_CUT;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint32_t isn[2];
    isn[0] = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    isn[1] = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
    struct fb_tcp_limits l = {300, 700, 3, 20 * (int64_t)1000000};
    struct fb_tcp_callbacks cb = {on_open, on_data, on_gap, on_end, on_close};
    struct fz z;
    memset(&z, 0, sizeof z);
    struct fb_tcp *t = fb_tcp_new(&l, &cb, &z);
    int64_t now = 1000000;
    size_t off = 8;
    while (off + 7 <= size) {
        const uint8_t *d = data + off;
        off += 7;
        size_t len = d[5] < size - off ? d[5] : size - off;
        int from_server = (d[0] >> 5) & 1, conn = d[6] & 3;
        struct fb_packet p;
        now += (int64_t)(d[6] >> 2) * 1000000;
        build_packet(&p, d, isn, data + off, len, now);
        off += len;
        z.sent[conn][from_server] += len;
        z.cur_conn = conn;
        z.cur_side = from_server;
        z.cur_len = len;
        fb_tcp_packet(t, &p);
        check_stats(t, &l, &z);
    }
    fb_tcp_finish(t, now);
    struct fb_tcp_stats s;
    fb_tcp_stats(t, &s);
    if (s.open_flows || s.ooo_held || z.opens != z.closes || z.opens != s.flows)
        abort();
    fb_tcp_free(t);
    return 0;
}
