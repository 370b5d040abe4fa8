/* tls.c - TLS as a capture shows it, without keys (tls.h): record framing of both
 * directions across feeds, handshake messages across records (up to 64 KiB each), and
 * the facts the plaintext handshake gives: ClientHello (random, SNI, highest offered
 * version incl. supported_versions, ALPN list), ServerHello (chosen version and suite,
 * ALPN in TLS <= 1.2), plaintext alerts, application data byte counts. It does not
 * decrypt, and after a TLS 1.3 ServerHello (or a ChangeCipherSpec) it reads no more
 * handshake contents. Certificates are not parsed by this release.
 */
#include "fbdiag/tls.h"

#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/cursor.h"

#define RECORD_MAX (16384 + 2048)
#define HS_MAX (64u * 1024)

struct tls_dir {
    uint8_t rec[5 + RECORD_MAX]; /* the record being read */
    size_t rec_len;
    uint8_t *hs; /* handshake message being reassembled */
    size_t hs_len, hs_cap;
    int encrypted; /* past ChangeCipherSpec / TLS 1.3 ServerHello */
    int lost;      /* framing lost (gap or garbage): looking for a record header */
    uint64_t app_bytes;
};

struct fb_tls {
    struct fb_tls_facts *f;
    struct fb_arena *strings;
    struct tls_dir d[2];
    uint8_t random[32];
    int have_random;
    int64_t ts;
};

int fb_tls_is_client_hello(const uint8_t *p, size_t n)
{
    return n >= 6 && p[0] == 22 && p[1] == 3 && p[2] <= 4 && p[5] == 1;
}

struct fb_tls *fb_tls_new(struct fb_tls_facts *facts, struct fb_arena *strings)
{
    struct fb_tls *t = fb_xcalloc(1, sizeof *t);
    t->f = facts;
    t->strings = strings;
    return t;
}

void fb_tls_free(struct fb_tls *t)
{
    if (!t)
        return;
    free(t->d[0].hs);
    free(t->d[1].hs);
    free(t);
}

uint64_t fb_tls_app_bytes(const struct fb_tls *t, enum fb_tls_dir dir)
{
    return t->d[dir].app_bytes;
}

const uint8_t *fb_tls_client_random(const struct fb_tls *t)
{
    return t->have_random ? t->random : NULL;
}

static int is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static struct fb_str keep(struct fb_tls *t, const uint8_t *p, size_t n)
{
    return fb_arena_strndup(t->strings, (const char *)p, n);
}

/* ALPN extension body: a list of length-prefixed names, joined with commas. */
static struct fb_str alpn_list(struct fb_tls *t, struct fb_cursor c)
{
    uint16_t len;
    if (!fb_cur_u16be(&c, &len))
        return FB_STR_NULL;
    char out[256];
    size_t o = 0;
    uint8_t n;
    const uint8_t *name;
    while (fb_cur_u8(&c, &n) && fb_cur_take(&c, n, &name)) {
        if (o + n + 1 >= sizeof out)
            break;
        if (o)
            out[o++] = ',';
        memcpy(out + o, name, n);
        o += n;
    }
    return keep(t, (const uint8_t *)out, o);
}

static void client_ext(struct fb_tls *t, uint16_t type, struct fb_cursor e)
{
    if (type == 0) { /* server_name: list len, type 0, host len, host */
        uint16_t l, hl;
        uint8_t kind;
        const uint8_t *h;
        if (fb_cur_u16be(&e, &l) && fb_cur_u8(&e, &kind) && kind == 0 && fb_cur_u16be(&e, &hl) &&
            fb_cur_take(&e, hl, &h))
            t->f->sni = keep(t, h, hl);
    } else if (type == 16) {
        t->f->alpn_offered = alpn_list(t, e);
    } else if (type == 43) { /* supported_versions: u8 len, u16 each */
        uint8_t l;
        uint16_t v;
        if (!fb_cur_u8(&e, &l))
            return;
        while (fb_cur_u16be(&e, &v))
            if (!is_grease(v) && v > t->f->offered_version && v <= 0x0304)
                t->f->offered_version = v;
    }
}

static void server_ext(struct fb_tls *t, uint16_t type, struct fb_cursor e)
{
    uint16_t v;
    if (type == 43 && fb_cur_u16be(&e, &v))
        t->f->version = v;
    else if (type == 16) {
        struct fb_str s = alpn_list(t, e);
        if (s.len)
            t->f->alpn = s;
    }
}

static void extensions(struct fb_tls *t, struct fb_cursor *c, int server)
{
    uint16_t total, type, len;
    const uint8_t *body;
    if (!fb_cur_u16be(c, &total) || !fb_cur_take(c, total, &body))
        return;
    struct fb_cursor all = fb_cur_make(body, total);
    while (fb_cur_u16be(&all, &type) && fb_cur_u16be(&all, &len)) {
        const uint8_t *p;
        if (!fb_cur_take(&all, len, &p))
            return;
        if (server)
            server_ext(t, type, fb_cur_make(p, len));
        else
            client_ext(t, type, fb_cur_make(p, len));
    }
}

static const uint8_t HRR_RANDOM[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

static void client_hello(struct fb_tls *t, struct fb_cursor c)
{
    uint16_t legacy, n16;
    uint8_t n8;
    const uint8_t *random, *skip;
    if (!fb_cur_u16be(&c, &legacy) || !fb_cur_take(&c, 32, &random))
        return;
    t->f->seen = 1;
    t->f->client_hello = t->ts;
    if (!t->have_random) {
        memcpy(t->random, random, 32);
        t->have_random = 1;
    }
    if (legacy > t->f->offered_version)
        t->f->offered_version = legacy;
    if (!fb_cur_u8(&c, &n8) || !fb_cur_take(&c, n8, &skip))   /* session id */
        return;
    if (!fb_cur_u16be(&c, &n16) || !fb_cur_take(&c, n16, &skip)) /* cipher suites */
        return;
    if (!fb_cur_u8(&c, &n8) || !fb_cur_take(&c, n8, &skip))   /* compression */
        return;
    extensions(t, &c, 0);
}

static void server_hello(struct fb_tls *t, struct fb_cursor c, enum fb_tls_dir dir)
{
    uint16_t legacy, suite;
    uint8_t n8;
    const uint8_t *random, *skip;
    if (!fb_cur_u16be(&c, &legacy) || !fb_cur_take(&c, 32, &random))
        return;
    if (memcmp(random, HRR_RANDOM, 32) == 0) /* HelloRetryRequest: the real one follows */
        return;
    if (!fb_cur_u8(&c, &n8) || !fb_cur_take(&c, n8, &skip) || !fb_cur_u16be(&c, &suite) ||
        !fb_cur_u8(&c, &n8))
        return;
    t->f->seen = 1;
    t->f->server_hello = t->ts;
    t->f->version = legacy;
    t->f->suite = suite;
    extensions(t, &c, 1);
    if (t->f->version == 0x0304) { /* everything after is encrypted, both ways */
        t->d[dir].encrypted = 1;
        t->d[!dir].encrypted = 1;
    }
}

static void handshake_message(struct fb_tls *t, enum fb_tls_dir dir, const uint8_t *m, size_t n)
{
    struct fb_cursor c = fb_cur_make(m + 4, n - 4);
    if (m[0] == 1 && dir == FB_TLS_C2S)
        client_hello(t, c);
    else if (m[0] == 2 && dir == FB_TLS_S2C)
        server_hello(t, c, dir);
}

/* Handshake bytes of one record: appended, and each whole message parsed. */
static void handshake_bytes(struct fb_tls *t, enum fb_tls_dir dir, const uint8_t *p, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    if (d->hs_len + n > HS_MAX) { /* a message too large to be one we read: drop it */
        d->hs_len = 0;
        return;
    }
    if (d->hs_len + n > d->hs_cap) {
        d->hs_cap = d->hs_len + n > 4096 ? d->hs_len + n : 4096;
        d->hs = fb_xrealloc(d->hs, d->hs_cap);
    }
    memcpy(d->hs + d->hs_len, p, n);
    d->hs_len += n;
    size_t off = 0;
    while (d->hs_len - off >= 4) {
        size_t len = (size_t)d->hs[off + 1] << 16 | (size_t)d->hs[off + 2] << 8 | d->hs[off + 3];
        if (len + 4 > HS_MAX) {
            d->hs_len = off = 0;
            return;
        }
        if (d->hs_len - off < len + 4)
            break;
        handshake_message(t, dir, d->hs + off, len + 4);
        off += len + 4;
        if (d->encrypted)
            break;
    }
    memmove(d->hs, d->hs + off, d->hs_len - off);
    d->hs_len -= off;
}

static void record(struct fb_tls *t, enum fb_tls_dir dir, const uint8_t *r, size_t n)
{
    struct tls_dir *d = &t->d[dir];
    const uint8_t *body = r + 5;
    size_t len = n - 5;
    switch (r[0]) {
    case 20: d->encrypted = 1; break; /* ChangeCipherSpec (TLS 1.3: middlebox compat) */
    case 21:
        if (!d->encrypted && len == 2 && !t->f->alert_level) {
            t->f->alert_level = body[0];
            t->f->alert_desc = body[1];
            t->f->alert_from_server = dir == FB_TLS_S2C;
        }
        break;
    case 22:
        if (!d->encrypted)
            handshake_bytes(t, dir, body, len);
        break;
    case 23: d->app_bytes += len; break;
    default: break;
    }
}

static int plausible_header(const uint8_t *p)
{
    size_t len = (size_t)p[3] << 8 | p[4];
    return p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4 && len <= RECORD_MAX;
}

void fb_tls_feed(struct fb_tls *t, enum fb_tls_dir dir, const uint8_t *p, size_t n, int64_t ts)
{
    struct tls_dir *d = &t->d[dir];
    t->ts = ts;
    while (n > 0) {
        if (d->lost) { /* look for a record header at the front of what is left */
            if (d->rec_len < 5) {
                size_t k = 5 - d->rec_len < n ? 5 - d->rec_len : n;
                memcpy(d->rec + d->rec_len, p, k);
                d->rec_len += k;
                p += k;
                n -= k;
                if (d->rec_len < 5)
                    return;
            }
            if (!plausible_header(d->rec)) {
                memmove(d->rec, d->rec + 1, 4);
                d->rec_len = 4;
                continue;
            }
            d->lost = 0;
        }
        if (d->rec_len < 5) {
            size_t k = 5 - d->rec_len < n ? 5 - d->rec_len : n;
            memcpy(d->rec + d->rec_len, p, k);
            d->rec_len += k;
            p += k;
            n -= k;
            if (d->rec_len < 5)
                return;
            if (!plausible_header(d->rec)) {
                d->lost = 1;
                continue;
            }
        }
        size_t want = 5 + ((size_t)d->rec[3] << 8 | d->rec[4]);
        size_t k = want - d->rec_len < n ? want - d->rec_len : n;
        memcpy(d->rec + d->rec_len, p, k);
        d->rec_len += k;
        p += k;
        n -= k;
        if (d->rec_len == want) {
            record(t, dir, d->rec, want);
            d->rec_len = 0;
        }
    }
}

void fb_tls_gap(struct fb_tls *t, enum fb_tls_dir dir)
{
    t->d[dir].rec_len = 0;
    t->d[dir].hs_len = 0;
    t->d[dir].lost = 1;
}
