/* test_tcp.c - TCP reassembly (tcp.h): packets built by hand and fed to a reassembler
 * whose recording consumer keeps each flow's bytes per direction and a log of what the
 * callbacks said ("o d0:100 g0:50 e0 c"). Orders, duplicates and overlaps are checked
 * against a painter (first copy in arrival order wins); then gaps, handshakes, ends,
 * caps, timeouts, eviction, wraparound, cut packets, super-segments and random splits. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/tcp.h"

/* ---- the recording consumer ------------------------------------------------------ */

#define MAX_FLOWS 8

struct rflow {
    int opened, closed, ends[2], rst_end[2];
    uint8_t *b[2];
    size_t n[2], cap[2];
    uint64_t gaps[2];
    struct fb_tcp_facts facts;
    struct fb_endpoint client, server;
    char log[2048];
    char last; /* kind of the last log entry, to merge data entries */
    int last_dir;
};

struct rec {
    struct rflow fl[MAX_FLOWS];
    size_t n_flows;
    char order[256]; /* "o0 o1 c0 c1": opens and closes across flows */
};

static struct rec R;
static struct fb_tcp *T;

static void logf_(struct rflow *r, char kind, int dir, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void logf_(struct rflow *r, char kind, int dir, const char *fmt, ...)
{
    size_t l = strlen(r->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->log + l, sizeof r->log - l, fmt, ap);
    va_end(ap);
    r->last = kind;
    r->last_dir = dir;
}

static void on_open(void *user, struct fb_tcp_flow *f)
{
    struct rec *rc = user;
    cr_assert_lt(f->id, MAX_FLOWS);
    struct rflow *r = &rc->fl[f->id];
    r->opened++;
    r->client = f->client;
    r->server = f->server;
    f->user = r;
    rc->n_flows++;
    logf_(r, 'o', -1, "o");
    size_t l = strlen(rc->order);
    snprintf(rc->order + l, sizeof rc->order - l, "%so%llu", l ? " " : "",
             (unsigned long long)f->id);
}

static void on_data(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, const uint8_t *p,
                    size_t n, int64_t ts)
{
    (void)user, (void)ts;
    struct rflow *r = f->user;
    cr_assert_gt(n, 0);
    if (r->n[dir] + n > r->cap[dir]) {
        r->cap[dir] = (r->n[dir] + n) * 2;
        r->b[dir] = realloc(r->b[dir], r->cap[dir]);
    }
    memcpy(r->b[dir] + r->n[dir], p, n);
    r->n[dir] += n;
    if (r->last == 'd' && r->last_dir == (int)dir) {
        /* merge with the previous data entry: rewrite its count */
        char *colon = strrchr(r->log, ':');
        unsigned long prev = strtoul(colon + 1, NULL, 10);
        snprintf(colon + 1, sizeof r->log - (size_t)(colon + 1 - r->log), "%lu",
                 prev + (unsigned long)n);
        return;
    }
    logf_(r, 'd', dir, " d%d:%zu", (int)dir, n);
}

static void on_gap(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, uint64_t n, int64_t ts)
{
    (void)user, (void)ts;
    struct rflow *r = f->user;
    r->gaps[dir] += n;
    logf_(r, 'g', dir, " g%d:%llu", (int)dir, (unsigned long long)n);
}

static void on_end(void *user, struct fb_tcp_flow *f, enum fb_tcp_dir dir, int rst, int64_t ts)
{
    (void)user, (void)ts;
    struct rflow *r = f->user;
    r->ends[dir]++;
    r->rst_end[dir] += rst;
    logf_(r, 'e', dir, rst ? " r%d" : " e%d", (int)dir);
}

static void on_close(void *user, struct fb_tcp_flow *f, int64_t ts)
{
    (void)ts;
    struct rec *rc = user;
    struct rflow *r = f->user;
    r->closed++;
    r->facts = f->facts;
    logf_(r, 'c', -1, " c");
    size_t l = strlen(rc->order);
    snprintf(rc->order + l, sizeof rc->order - l, " c%llu", (unsigned long long)f->id);
}

static const struct fb_tcp_callbacks CB = {on_open, on_data, on_gap, on_end, on_close};

static void start(const struct fb_tcp_limits *l)
{
    struct fb_tcp_limits d;
    fb_tcp_limits_default(&d);
    T = fb_tcp_new(l ? l : &d, &CB, &R);
}

static void setup(void)
{
    memset(&R, 0, sizeof R);
    T = NULL;
}

static void teardown(void)
{
    fb_tcp_free(T);
    for (size_t i = 0; i < MAX_FLOWS; i++) {
        free(R.fl[i].b[0]);
        free(R.fl[i].b[1]);
    }
}

TestSuite(tcp, .init = setup, .fini = teardown);

/* ---- packets ----------------------------------------------------------------------- */

struct conn {
    struct fb_endpoint c, s;
    uint32_t cisn, sisn;
};

static struct fb_endpoint ep4(uint8_t last, uint16_t port)
{
    struct fb_endpoint e;
    memset(&e, 0, sizeof e);
    e.addr.family = 4;
    e.addr.bytes[0] = 10;
    e.addr.bytes[3] = last;
    e.port = port;
    return e;
}

static struct conn conn_make(uint16_t cport, uint16_t sport, uint32_t cisn, uint32_t sisn)
{
    struct conn k = {ep4(1, cport), ep4(2, sport), cisn, sisn};
    return k;
}

static int64_t NOW = 1700000000000000;

/* One packet from the client (dir 0) or the server (dir 1) with raw seq and ack. */
static void send_raw(const struct conn *k, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                     const uint8_t *data, size_t len, size_t wire)
{
    struct fb_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = NOW;
    p.ip_proto = 6;
    p.src = dir ? k->s : k->c;
    p.dst = dir ? k->c : k->s;
    p.seq = seq;
    p.ack = ack;
    p.tcp_flags = flags;
    p.payload = data;
    p.payload_len = len;
    p.wire_len = wire;
    if (wire > len)
        p.flags = FB_PKT_CUT;
    fb_tcp_packet(T, &p);
}

/* Data at relative offset off of dir; ACK of the other side's offset ack_off. */
static void send_at(const struct conn *k, int dir, uint8_t flags, uint64_t off, const uint8_t *data,
                    size_t len, uint64_t ack_off)
{
    uint32_t seq = (dir ? k->sisn : k->cisn) + 1 + (uint32_t)off;
    uint32_t ack = (dir ? k->cisn : k->sisn) + 1 + (uint32_t)ack_off;
    send_raw(k, dir, flags, seq, ack, data, len, len);
}

static void handshake(const struct conn *k)
{
    send_raw(k, 0, FB_TCP_SYN, k->cisn, 0, NULL, 0, 0);
    send_raw(k, 1, FB_TCP_SYN | FB_TCP_ACK, k->sisn, k->cisn + 1, NULL, 0, 0);
    send_raw(k, 0, FB_TCP_ACK, k->cisn + 1, k->sisn + 1, NULL, 0, 0);
}

static uint8_t STREAM[70000];

static void fill_stream(void)
{
    for (size_t i = 0; i < sizeof STREAM; i++)
        STREAM[i] = (uint8_t)(i * 7 + i / 251);
}

static struct fb_tcp_stats stats(void)
{
    struct fb_tcp_stats s;
    fb_tcp_stats(T, &s);
    return s;
}

/* ---- orders, duplicates, overlaps: the first copy in arrival order wins ------------ */

struct span {
    uint32_t off, len;
};

struct order_case {
    const char *name;
    struct span segs[6];
    size_t n_segs;
    size_t order[10]; /* indexes into segs, in arrival order (repeats = duplicates) */
    size_t n_order;
    uint32_t retrans;
};

static const struct order_case ORDER_CASES[] = {
    {"in order", {{0, 100}, {100, 100}, {200, 100}}, 3, {0, 1, 2}, 3, 0},
    {"reversed", {{0, 100}, {100, 100}, {200, 100}}, 3, {2, 1, 0}, 3, 0},
    {"duplicates", {{0, 100}, {100, 100}, {200, 100}}, 3, {0, 1, 1, 0, 2, 2}, 6, 3},
    {"held duplicate", {{0, 100}, {100, 100}, {200, 100}}, 3, {2, 2, 0, 1}, 4, 1},
    {"partial overlaps", {{0, 100}, {50, 100}, {120, 180}}, 3, {0, 1, 2}, 3, 0},
    {"overlap held first", {{0, 100}, {50, 100}, {120, 180}}, 3, {2, 1, 0}, 3, 0},
    {"inside a held one", {{0, 40}, {40, 200}, {60, 20}, {240, 10}}, 4, {1, 2, 0, 3}, 4, 1},
    {"one covers many", {{0, 10}, {20, 10}, {40, 10}, {5, 60}}, 4, {1, 2, 3, 0}, 4, 0},
};

/* Each segment carries the stream bytes plus its own tag, so who won is visible. */
static uint8_t tagged(size_t seg_index, size_t pos)
{
    return (uint8_t)(STREAM[pos] + 37 * seg_index);
}

static size_t run_order(const struct span *segs, const size_t *order, size_t n_order, uint8_t *want)
{
    static uint8_t buf[4096];
    static uint8_t painted[4096];
    struct conn k = conn_make(50000, 443, 1000, 9000);
    memset(painted, 0, sizeof painted);
    size_t total = 0;
    handshake(&k);
    for (size_t i = 0; i < n_order; i++) {
        const struct span *s = &segs[order[i]];
        for (size_t b = 0; b < s->len; b++) {
            buf[b] = tagged(order[i], s->off + b);
            if (!painted[s->off + b]) {
                painted[s->off + b] = 1;
                want[s->off + b] = buf[b];
            }
        }
        if (s->off + s->len > total)
            total = s->off + s->len;
        send_at(&k, 0, FB_TCP_ACK | FB_TCP_PSH, s->off, buf, s->len, 0);
    }
    return total;
}

Test(tcp, order_table)
{
    fill_stream();
    for (size_t c = 0; c < FB_ARRAY_LEN(ORDER_CASES); c++) {
        const struct order_case *oc = &ORDER_CASES[c];
        uint8_t want[4096];
        setup();
        start(NULL);
        size_t total = run_order(oc->segs, oc->order, oc->n_order, want);
        struct rflow *r = &R.fl[0];
        cr_assert_eq(r->n[0], total, "%s: %zu bytes, want %zu", oc->name, r->n[0], total);
        cr_assert_eq(memcmp(r->b[0], want, total), 0, "%s: bytes differ", oc->name);
        cr_assert_eq(r->gaps[0], 0, "%s: gap", oc->name);
        cr_assert_eq(stats().ooo_held, 0, "%s: still held", oc->name);
        fb_tcp_finish(T, NOW);
        cr_assert_eq(r->facts.retransmissions, oc->retrans, "%s: %u retransmissions", oc->name,
                     r->facts.retransmissions);
        cr_assert_eq(!!(r->facts.events & FB_TCP_EV_RETRANS), oc->retrans > 0, "%s", oc->name);
        cr_assert_eq(r->facts.bytes[0], total, "%s", oc->name);
        cr_assert_eq(r->closed, 1, "%s", oc->name);
        teardown();
    }
    setup();
}

static int next_perm(size_t *a, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    size_t x = a[i - 1];
    a[i - 1] = a[j];
    a[j] = x;
    for (size_t l = i, r = n - 1; l < r; l++, r--) {
        x = a[l];
        a[l] = a[r];
        a[r] = x;
    }
    return 1;
}

/* Every arrival order of five segments (two pairs overlapping) gives the painted bytes. */
Test(tcp, every_permutation_of_five)
{
    fill_stream();
    static const struct span segs[5] = {{0, 300}, {300, 200}, {450, 150}, {600, 400}, {900, 50}};
    size_t order[5] = {0, 1, 2, 3, 4};
    unsigned n = 0;
    do {
        uint8_t want[4096];
        setup();
        start(NULL);
        size_t total = run_order(segs, order, 5, want);
        struct rflow *r = &R.fl[0];
        cr_assert_eq(total, 1000);
        cr_assert_eq(r->n[0], 1000, "perm %u: %zu bytes", n, r->n[0]);
        cr_assert_eq(memcmp(r->b[0], want, 1000), 0, "perm %u: bytes differ", n);
        cr_assert_eq(r->gaps[0], 0);
        teardown();
        n++;
    } while (next_perm(order, 5));
    cr_assert_eq(n, 120);
    setup();
}

/* Untagged: the same stream whatever the order of four segments. */
Test(tcp, every_permutation_of_four_same_bytes)
{
    fill_stream();
    static const struct span segs[4] = {{0, 10}, {10, 500}, {510, 1}, {511, 989}};
    size_t order[4] = {0, 1, 2, 3};
    unsigned n = 0;
    do {
        struct conn k = conn_make(50000, 443, 77, 88);
        setup();
        start(NULL);
        handshake(&k);
        for (size_t i = 0; i < 4; i++)
            send_at(&k, 0, FB_TCP_ACK, segs[order[i]].off, STREAM + segs[order[i]].off,
                    segs[order[i]].len, 0);
        cr_assert_eq(R.fl[0].n[0], 1500);
        cr_assert_eq(memcmp(R.fl[0].b[0], STREAM, 1500), 0);
        cr_assert_str_eq(R.fl[0].log, "o d0:1500");
        teardown();
        n++;
    } while (next_perm(order, 4));
    cr_assert_eq(n, 24);
    setup();
}

/* ---- gaps ------------------------------------------------------------------------- */

Test(tcp, gap_at_finish_then_held_data)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 0, FB_TCP_ACK, 150, STREAM + 150, 100, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:100");
    cr_assert_eq(stats().ooo_held, 100);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:50 d0:100 c");
    cr_assert_eq(memcmp(R.fl[0].b[0] + 100, STREAM + 150, 100), 0);
    cr_assert_eq(R.fl[0].facts.gap_bytes, 50);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_GAP_CLIENT, FB_TCP_EV_GAP_CLIENT);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_GAP_SERVER, 0);
    cr_assert_eq(stats().gaps, 1);
    cr_assert_eq(stats().gap_bytes, 50);
}

Test(tcp, ack_beyond_hole_gives_gap_then_more_data)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 0, FB_TCP_ACK, 130, STREAM + 130, 70, 0); /* hole [100,130) */
    send_at(&k, 1, FB_TCP_ACK, 0, NULL, 0, 200);          /* the server has it all */
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:30 d0:70");
    send_at(&k, 0, FB_TCP_ACK, 200, STREAM + 200, 40, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:30 d0:110");
    cr_assert_eq(memcmp(R.fl[0].b[0] + 100, STREAM + 130, 110), 0);
    /* the missing bytes arriving late are retransmissions now */
    send_at(&k, 0, FB_TCP_ACK, 100, STREAM + 100, 30, 0);
    cr_assert_eq(R.fl[0].n[0], 210);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].facts.retransmissions, 1);
    cr_assert_eq(R.fl[0].facts.gap_bytes, 30);
}

Test(tcp, ack_beyond_with_nothing_held)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_at(&k, 1, FB_TCP_ACK, 0, NULL, 0, 0); /* acks before any data: nothing */
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 1, FB_TCP_ACK, 0, NULL, 0, 100); /* exact: nothing */
    send_at(&k, 1, FB_TCP_ACK, 0, NULL, 0, 350); /* 250 bytes never seen */
    send_at(&k, 0, FB_TCP_ACK, 350, STREAM + 350, 10, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:250 d0:10");
}

Test(tcp, ack_partly_into_hole)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 0, FB_TCP_ACK, 200, STREAM + 200, 100, 0);
    send_at(&k, 1, FB_TCP_ACK, 0, NULL, 0, 150); /* [100,150) lost; [150,200) may come */
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:50");
    send_at(&k, 0, FB_TCP_ACK, 150, STREAM + 150, 50, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:50 d0:150");
}

Test(tcp, cut_packet_gives_gap_of_missing_size)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_raw(&k, 1, FB_TCP_ACK, k.sisn + 1, k.cisn + 1, STREAM, 60, 1460);
    send_raw(&k, 1, FB_TCP_ACK, k.sisn + 1 + 1460, k.cisn + 1, STREAM + 1460, 100, 100);
    cr_assert_str_eq(R.fl[0].log, "o d1:60 g1:1400 d1:100");
    cr_assert_eq(memcmp(R.fl[0].b[1] + 60, STREAM + 1460, 100), 0);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].facts.gap_bytes, 1400);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_GAP_SERVER, FB_TCP_EV_GAP_SERVER);
    cr_assert_eq(R.fl[0].facts.bytes[1], 160);
}

Test(tcp, cut_packet_out_of_order_hole_closed_later)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 5, 6);
    handshake(&k);
    send_raw(&k, 0, FB_TCP_ACK, k.cisn + 1 + 100, k.sisn + 1, STREAM + 100, 20, 100);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:120");
    send_at(&k, 0, FB_TCP_ACK, 200, STREAM + 200, 10, 0);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.fl[0].log, "o d0:120 g0:80 d0:10 c");
}

/* ---- who is the client ------------------------------------------------------------ */

struct side_case {
    uint16_t src, dst; /* ports of the first packet, seen mid-stream */
    uint16_t server;   /* the port expected on the server side */
};

static const struct side_case SIDE_CASES[] = {
    {50000, 443, 443},   {443, 50000, 443},  {8080, 443, 443}, {40000, 30000, 30000},
    {3128, 60000, 3128}, {1024, 5985, 5985}, {25, 45000, 25},  {8888, 9000, 8888},
};

Test(tcp, mid_stream_server_guessed_by_port)
{
    fill_stream();
    for (size_t c = 0; c < FB_ARRAY_LEN(SIDE_CASES); c++) {
        const struct side_case *sc = &SIDE_CASES[c];
        setup();
        start(NULL);
        struct conn k = conn_make(sc->src, sc->dst, 123456, 654321);
        send_raw(&k, 0, FB_TCP_ACK | FB_TCP_PSH, 123456, 654321, STREAM, 50, 50);
        send_raw(&k, 1, FB_TCP_ACK, 654321, 123456 + 50, STREAM + 50, 30, 30);
        struct rflow *r = &R.fl[0];
        cr_assert_eq(r->server.port, sc->server, "case %zu: server %u", c, r->server.port);
        int first_is_client = sc->server == sc->dst;
        int d = first_is_client ? 0 : 1;
        cr_assert_eq(r->n[d], 50, "case %zu", c);
        cr_assert_eq(r->n[1 - d], 30, "case %zu", c);
        fb_tcp_finish(T, NOW);
        cr_assert_eq(r->facts.events & FB_TCP_EV_MID_STREAM, FB_TCP_EV_MID_STREAM);
        cr_assert_eq(r->facts.events & FB_TCP_EV_SYN_UNANSWERED, 0);
        cr_assert_eq(r->facts.syn, 0);
        cr_assert_eq(r->facts.gap_bytes, 0);
        teardown();
    }
    setup();
}

Test(tcp, syn_ack_first_makes_its_sender_the_server)
{
    start(NULL);
    struct conn k = conn_make(50000, 40000, 1, 2); /* ports would say otherwise */
    send_raw(&k, 1, FB_TCP_SYN | FB_TCP_ACK, 2, 2, NULL, 0, 0);
    send_raw(&k, 0, FB_TCP_ACK, 2, 3, (const uint8_t *)"GET", 3, 3);
    cr_assert_eq(R.fl[0].server.port, 40000);
    cr_assert_eq(R.fl[0].client.port, 50000);
    cr_assert_eq(R.fl[0].n[0], 3);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_MID_STREAM, 0);
    cr_assert_neq(R.fl[0].facts.syn_ack, 0);
}

/* ---- ends ------------------------------------------------------------------------- */

Test(tcp, fin_both_sides_closes_and_frees)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    NOW = 1000000;
    handshake(&k);
    NOW += 10;
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_PSH, 0, STREAM, 200, 0);
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_PSH, 0, STREAM, 300, 200);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 200, NULL, 0, 300);
    cr_assert_eq(R.fl[0].ends[0], 1);
    cr_assert_eq(stats().open_flows, 1);
    NOW += 10;
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_FIN, 300, NULL, 0, 201);
    cr_assert_str_eq(R.fl[0].log, "o d0:200 d1:300 e0 e1 c");
    struct fb_tcp_stats s = stats();
    cr_assert_eq(s.open_flows, 0);
    cr_assert_eq(s.open_flows_peak, 1);
    cr_assert_eq(s.flows, 1);
    cr_assert_eq(s.packets, 7);
    const struct fb_tcp_facts *fa = &R.fl[0].facts;
    cr_assert_eq(fa->events, FB_TCP_EV_FIN_CLIENT | FB_TCP_EV_FIN_SERVER);
    cr_assert_eq(fa->syn, 1000000);
    cr_assert_eq(fa->syn_ack, 1000000);
    cr_assert_eq(fa->first, 1000000);
    cr_assert_eq(fa->last, 1000020);
    cr_assert_eq(fa->bytes[0], 200);
    cr_assert_eq(fa->bytes[1], 300);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].closed, 1);
}

Test(tcp, teardown_after_close_opens_no_flow)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 0, NULL, 0, 0);
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_FIN, 0, NULL, 0, 1);
    cr_assert_eq(stats().open_flows, 0);
    send_at(&k, 0, FB_TCP_ACK, 1, NULL, 0, 1);              /* the last ACK */
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_FIN, 0, NULL, 0, 1); /* a FIN repeated */
    send_at(&k, 0, FB_TCP_RST, 1, NULL, 0, 0);              /* a RST after the end */
    struct fb_tcp_stats s = stats();
    cr_assert_eq(s.flows, 1);
    cr_assert_eq(s.packets, 8);
    cr_assert_str_eq(R.order, "o0 c0");
}

Test(tcp, mid_stream_pure_ack_opens_nothing_but_rst_and_data_do)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    send_at(&k, 0, FB_TCP_ACK, 0, NULL, 0, 0);
    cr_assert_eq(stats().flows, 0);
    send_at(&k, 1, FB_TCP_RST | FB_TCP_ACK, 0, NULL, 0, 0); /* "forcibly closed" */
    cr_assert_eq(stats().flows, 1);
    cr_assert_eq(R.fl[0].facts.events, FB_TCP_EV_MID_STREAM | FB_TCP_EV_RST_SERVER);
    cr_assert_str_eq(R.fl[0].log, "o r1 c");
    struct conn k2 = conn_make(50001, 443, 1000, 2000);
    send_at(&k2, 0, FB_TCP_ACK, 0, (const uint8_t *)"x", 1, 0);
    cr_assert_eq(stats().flows, 2);
}

Test(tcp, fin_before_missing_data_waits)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 100, STREAM + 100, 50, 0);
    cr_assert_eq(R.fl[0].ends[0], 0);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    cr_assert_str_eq(R.fl[0].log, "o d0:150 e0");
    /* data after the FIN is ignored */
    send_at(&k, 0, FB_TCP_ACK, 150, STREAM, 10, 0);
    cr_assert_eq(R.fl[0].n[0], 150);
}

Test(tcp, fin_with_hole_at_finish_is_a_gap)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 300, NULL, 0, 0);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:200 e0 c");
}

Test(tcp, rst_from_server)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    NOW = 5000000;
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 100, 0);
    send_at(&k, 0, FB_TCP_ACK, 150, STREAM + 150, 50, 0);
    NOW = 5000123;
    send_at(&k, 1, FB_TCP_RST | FB_TCP_ACK, 0, NULL, 0, 100);
    cr_assert_str_eq(R.fl[0].log, "o d0:100 g0:50 d0:50 r1 c");
    const struct fb_tcp_facts *fa = &R.fl[0].facts;
    cr_assert_eq(fa->events, FB_TCP_EV_RST_SERVER | FB_TCP_EV_GAP_CLIENT);
    cr_assert_eq(fa->rst, 5000123);
    cr_assert_eq(R.fl[0].rst_end[1], 1);
    cr_assert_eq(stats().open_flows, 0);
    cr_assert_eq(stats().ooo_held, 0);
}

Test(tcp, rst_from_client)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_RST, 0, NULL, 0, 0);
    cr_assert_str_eq(R.fl[0].log, "o r0 c");
    cr_assert_eq(R.fl[0].facts.events, FB_TCP_EV_RST_CLIENT);
}

Test(tcp, syn_unanswered_at_finish)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    NOW = 1000;
    send_raw(&k, 0, FB_TCP_SYN, 1000, 0, NULL, 0, 0);
    NOW = 3001000;
    send_raw(&k, 0, FB_TCP_SYN, 1000, 0, NULL, 0, 0); /* a retry: same flow */
    cr_assert_eq(stats().flows, 1);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.fl[0].log, "o c");
    cr_assert_eq(R.fl[0].facts.events, FB_TCP_EV_SYN_UNANSWERED);
    cr_assert_eq(R.fl[0].facts.syn, 1000);
    cr_assert_eq(R.fl[0].facts.last, 3001000);
}

Test(tcp, syn_answered_by_rst_is_refused)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    send_raw(&k, 0, FB_TCP_SYN, 1000, 0, NULL, 0, 0);
    send_raw(&k, 1, FB_TCP_RST | FB_TCP_ACK, 0, 1001, NULL, 0, 0);
    cr_assert_eq(R.fl[0].closed, 1);
    cr_assert_eq(R.fl[0].facts.events, FB_TCP_EV_REFUSED | FB_TCP_EV_RST_SERVER);
    cr_assert_eq(stats().open_flows, 0);
}

/* ---- port reuse ------------------------------------------------------------------- */

Test(tcp, port_reuse_after_close)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 0, STREAM, 10, 0);
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_FIN, 0, NULL, 0, 11);
    struct conn k2 = conn_make(50000, 443, 777777, 888888);
    handshake(&k2);
    send_at(&k2, 0, FB_TCP_ACK, 0, STREAM, 20, 0);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.n_flows, 2);
    cr_assert_str_eq(R.order, "o0 c0 o1 c1");
    cr_assert_eq(R.fl[0].n[0], 10);
    cr_assert_eq(R.fl[1].n[0], 20);
    cr_assert_eq(R.fl[1].facts.events & FB_TCP_EV_MID_STREAM, 0);
}

Test(tcp, port_reuse_new_isn_on_open_flow)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 10, 0);
    send_raw(&k, 0, FB_TCP_SYN, 1000, 0, NULL, 0, 0); /* same ISN: a stray copy */
    cr_assert_eq(stats().flows, 1);
    struct conn k2 = conn_make(50000, 443, 5000, 6000);
    handshake(&k2);
    send_at(&k2, 0, FB_TCP_ACK, 0, STREAM + 10, 5, 0);
    cr_assert_str_eq(R.order, "o0 c0 o1");
    cr_assert_eq(R.fl[1].n[0], 5);
    cr_assert_eq(R.fl[1].b[0][0], STREAM[10]);
    cr_assert_eq(stats().flows, 2);
    cr_assert_eq(stats().open_flows, 1);
}

Test(tcp, port_reuse_when_fins_wait_for_a_hole)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 0, FB_TCP_ACK | FB_TCP_FIN, 50, STREAM + 50, 50, 0); /* [0,50) missing */
    send_at(&k, 1, FB_TCP_ACK | FB_TCP_FIN, 0, NULL, 0, 0);
    cr_assert_eq(R.fl[0].closed, 0);
    struct conn k2 = conn_make(50000, 443, 1000, 3000); /* even the same ISN */
    handshake(&k2);
    cr_assert_str_eq(R.fl[0].log, "o e1 g0:50 d0:50 e0 c");
    cr_assert_eq(R.fl[1].opened, 1);
}

/* ---- caps, timeout, eviction ------------------------------------------------------ */

Test(tcp, ooo_per_flow_cap)
{
    fill_stream();
    struct fb_tcp_limits l;
    fb_tcp_limits_default(&l);
    l.ooo_per_flow = 1000;
    start(&l);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    for (uint32_t i = 1; i <= 5; i++) /* segment 0 never comes */
        send_at(&k, 0, FB_TCP_ACK, 300 * i, STREAM + 300 * i, 300, 0);
    /* the fourth would pass the cap: segment 0 becomes a gap, the fifth is in order */
    cr_assert_str_eq(R.fl[0].log, "o g0:300 d0:1500");
    struct fb_tcp_stats s = stats();
    cr_assert_leq(s.ooo_held_peak, 1000);
    cr_assert_eq(s.ooo_held_peak, 900);
    cr_assert_eq(s.ooo_held, 0);
    cr_assert_eq(s.ooo_dropped_bytes, 300);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.fl[0].log, "o g0:300 d0:1500 c");
    cr_assert_eq(R.fl[0].facts.gap_bytes, 300);
    cr_assert_eq(memcmp(R.fl[0].b[0], STREAM + 300, 1500), 0);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_OOO_LIMIT, FB_TCP_EV_OOO_LIMIT);
}

Test(tcp, ooo_total_cap_over_flows)
{
    fill_stream();
    struct fb_tcp_limits l;
    fb_tcp_limits_default(&l);
    l.ooo_total = 1000;
    start(&l);
    struct conn a = conn_make(50000, 443, 1000, 2000), b = conn_make(50001, 443, 1000, 2000);
    handshake(&a);
    handshake(&b);
    send_at(&a, 0, FB_TCP_ACK, 100, STREAM + 100, 600, 0);
    send_at(&b, 0, FB_TCP_ACK, 100, STREAM + 100, 600, 0); /* would pass the total */
    cr_assert_str_eq(R.fl[0].log, "o");
    cr_assert_str_eq(R.fl[1].log, "o g0:100 d0:600");
    cr_assert_eq(stats().ooo_held, 600);
    cr_assert_leq(stats().ooo_held_peak, 1000);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].facts.events & FB_TCP_EV_OOO_LIMIT, 0);
    cr_assert_eq(R.fl[1].facts.events & FB_TCP_EV_OOO_LIMIT, FB_TCP_EV_OOO_LIMIT);
}

Test(tcp, idle_timeout_closes_a_flow)
{
    struct fb_tcp_limits l;
    fb_tcp_limits_default(&l);
    l.idle_timeout_us = 10000000;
    start(&l);
    struct conn a = conn_make(50000, 443, 1000, 2000), b = conn_make(50001, 443, 1000, 2000);
    NOW = 0;
    handshake(&a);
    NOW = 10000000; /* exactly the timeout: still open */
    handshake(&b);
    cr_assert_eq(stats().open_flows, 2);
    NOW = 10000001;
    send_at(&b, 0, FB_TCP_ACK, 0, NULL, 0, 0);
    cr_assert_str_eq(R.order, "o0 o1 c0");
    cr_assert_eq(R.fl[0].facts.events, FB_TCP_EV_TIMEOUT);
    cr_assert_eq(stats().timed_out, 1);
    cr_assert_eq(stats().open_flows, 1);
}

Test(tcp, max_flows_evicts_least_recent)
{
    struct fb_tcp_limits l;
    fb_tcp_limits_default(&l);
    l.max_flows = 2;
    start(&l);
    struct conn a = conn_make(50000, 443, 1, 2), b = conn_make(50001, 443, 1, 2),
                c = conn_make(50002, 443, 1, 2);
    handshake(&a);
    handshake(&b);
    send_at(&a, 0, FB_TCP_ACK, 0, NULL, 0, 0); /* a is now the most recent */
    handshake(&c);
    cr_assert_str_eq(R.order, "o0 o1 c1 o2");
    struct fb_tcp_stats s = stats();
    cr_assert_eq(s.evicted, 1);
    cr_assert_eq(s.open_flows, 2);
    cr_assert_eq(s.open_flows_peak, 2);
    fb_tcp_finish(T, NOW);
    cr_assert_str_eq(R.order, "o0 o1 c1 o2 c0 c2");
}

static void count_open(void *user, struct fb_tcp_flow *f)
{
    (void)f;
    ((unsigned *)user)[0]++;
}
static void count_close(void *user, struct fb_tcp_flow *f, int64_t ts)
{
    (void)f, (void)ts;
    ((unsigned *)user)[1]++;
}

Test(tcp, many_flows_grow_the_table)
{
    unsigned counts[2] = {0, 0};
    struct fb_tcp_callbacks cb = {count_open, NULL, NULL, NULL, count_close};
    T = fb_tcp_new(NULL, &cb, counts);
    for (uint16_t i = 0; i < 500; i++) {
        struct conn k = conn_make((uint16_t)(20000 + i), 443, i, 2);
        send_raw(&k, 0, FB_TCP_SYN, i, 0, NULL, 0, 0);
    }
    for (uint16_t i = 0; i < 500; i++) { /* every answer finds its flow */
        struct conn k = conn_make((uint16_t)(20000 + i), 443, i, 2);
        send_raw(&k, 1, FB_TCP_SYN | FB_TCP_ACK, 2, i + 1u, NULL, 0, 0);
    }
    struct fb_tcp_stats s = stats();
    cr_assert_eq(s.flows, 500);
    cr_assert_eq(s.open_flows, 500);
    cr_assert_eq(counts[0], 500);
    fb_tcp_finish(T, NOW);
    cr_assert_eq(counts[1], 500);
    cr_assert_eq(stats().open_flows, 0);
}

/* ---- sequence space --------------------------------------------------------------- */

Test(tcp, seq_wraparound)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 0xffffff00u, 0xfffffff0u);
    handshake(&k);
    /* client offsets 0..1000 cross 2^32 at 255; out of order around the wrap */
    send_at(&k, 0, FB_TCP_ACK, 400, STREAM + 400, 600, 0);
    send_at(&k, 0, FB_TCP_ACK, 200, STREAM + 200, 200, 0);
    send_at(&k, 0, FB_TCP_ACK, 0, STREAM, 200, 0);
    send_at(&k, 1, FB_TCP_ACK, 0, STREAM, 100, 1000);
    send_at(&k, 1, FB_TCP_ACK, 100, STREAM + 100, 100, 1000);
    cr_assert_str_eq(R.fl[0].log, "o d0:1000 d1:200");
    cr_assert_eq(memcmp(R.fl[0].b[0], STREAM, 1000), 0);
    cr_assert_eq(memcmp(R.fl[0].b[1], STREAM, 200), 0);
    send_at(&k, 0, FB_TCP_ACK, 200, STREAM + 200, 100, 0); /* old, from before the wrap */
    fb_tcp_finish(T, NOW);
    cr_assert_eq(R.fl[0].facts.retransmissions, 1);
    cr_assert_eq(R.fl[0].facts.gap_bytes, 0);
}

Test(tcp, super_segment_64k)
{
    fill_stream();
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    send_at(&k, 1, FB_TCP_ACK, 65535, STREAM + 65535, 1000, 0); /* held */
    send_at(&k, 1, FB_TCP_ACK, 0, STREAM, 65535, 0);            /* 64 KB GRO segment */
    cr_assert_str_eq(R.fl[0].log, "o d1:66535");
    cr_assert_eq(memcmp(R.fl[0].b[1], STREAM, 66535), 0);
    cr_assert_eq(stats().ooo_held, 0);
}

/* ---- random splits ------------------------------------------------------------------ */

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

Test(tcp, random_split_shuffled_with_duplicates)
{
    fill_stream();
    enum { LEN = 20000, MAXP = 200 };
    for (uint64_t seed = 1; seed <= 6; seed++) {
        static struct span pk[MAXP * 2];
        uint64_t st = seed;
        size_t n = 0;
        for (uint32_t off = 0; off < LEN;) {
            uint32_t len = 1 + rnd(&st) % 1460;
            if (off + len > LEN)
                len = LEN - off;
            pk[n++] = (struct span){off, len};
            off += len;
        }
        size_t base = n;
        for (size_t i = 0; i < base / 3; i++) { /* duplicates, some shifted to overlap */
            struct span d = pk[rnd(&st) % base];
            uint32_t shift = rnd(&st) % 2 ? rnd(&st) % d.len : 0;
            d.off += shift;
            d.len -= shift;
            pk[n++] = d;
        }
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rnd(&st) % (i + 1);
            struct span x = pk[i];
            pk[i] = pk[j];
            pk[j] = x;
        }
        setup();
        start(NULL);
        struct conn k = conn_make(50000, 443, rnd(&st), rnd(&st));
        handshake(&k);
        for (size_t i = 0; i < n; i++)
            send_at(&k, 0, FB_TCP_ACK, pk[i].off, STREAM + pk[i].off, pk[i].len, 0);
        cr_assert_eq(R.fl[0].n[0], LEN, "seed %llu: %zu bytes", (unsigned long long)seed,
                     R.fl[0].n[0]);
        cr_assert_eq(memcmp(R.fl[0].b[0], STREAM, LEN), 0, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(stats().ooo_held, 0);
        fb_tcp_finish(T, NOW);
        cr_assert_eq(R.fl[0].facts.gap_bytes, 0, "seed %llu", (unsigned long long)seed);
        cr_assert_leq(R.fl[0].facts.retransmissions, n - base);
        teardown();
    }
    setup();
}

Test(tcp, limits_default)
{
    struct fb_tcp_limits l;
    fb_tcp_limits_default(&l);
    cr_assert_eq(l.ooo_per_flow, (size_t)1 << 20);
    cr_assert_eq(l.ooo_total, (size_t)64 << 20);
    cr_assert_eq(l.max_flows, 65536);
    cr_assert_eq(l.idle_timeout_us, 300000000);
}

Test(tcp, free_closes_open_flows)
{
    start(NULL);
    struct conn k = conn_make(50000, 443, 1000, 2000);
    handshake(&k);
    fb_tcp_free(T);
    T = NULL;
    cr_assert_eq(R.fl[0].closed, 1);
}
