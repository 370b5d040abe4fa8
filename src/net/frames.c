/* frames.c - the frame reader: classic pcap through libpcap (a FILE* made over the pull
 * source with fopencookie), pcapng through the project's own block walker (the pcapng
 * draft, draft-ietf-opsawg-pcapng): SHB in either byte order, IDB with if_tsresol and
 * if_tsoffset, EPB, SPB, the obsolete Packet Block, DSB; NRB, ISB, custom and unknown
 * blocks skipped; several sections, their interface ids made global.
 *
 * Bytes enter through fb_source peek/consume; a block is peeked whole (up to 16 MiB)
 * and consumed on the next call, so a frame's bytes stay valid until then. A cut-short
 * or inconsistent block ends the walk with a warning; nothing is fatal after open.
 * It does not decode link layers (link.c).
 */
#define _GNU_SOURCE /* fopencookie */
#include "fbdiag/packet.h"

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/source.h"

#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_DSB 0x0Au
#define NG_BOM 0x1A2B3C4Du
#define NG_MAX_BLOCK ((size_t)16 << 20)
#define NG_MAX_IFACES 65536

struct iface {
    uint32_t link_type, snaplen;
    uint8_t tsresol; /* the raw if_tsresol byte (6 by default) */
    int64_t tsoffset_s;
};

struct fb_frames {
    struct fb_source *src;
    int ng; /* 0 pcap, 1 pcapng */
    char warning[256];
    uint64_t count;
    /* pcap */
    pcap_t *pc;
    /* pcapng */
    int swap;        /* the section's byte order differs from little-endian reading */
    size_t pending;  /* bytes of the last block, consumed on the next call */
    struct iface *ifs;
    size_t n_ifs, cap_ifs, section_base;
    int64_t last_ts;
    int done;
};

static void warn(struct fb_frames *r, const char *fmt, ...) FB_PRINTF(2, 3);
static void warn(struct fb_frames *r, const char *fmt, ...)
{
    if (r->warning[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warning, sizeof r->warning, fmt, ap);
    va_end(ap);
}

/* ---- classic pcap through libpcap ------------------------------------------------- */

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    struct fb_source *s = cookie;
    const uint8_t *p;
    size_t got;
    if (fb_source_peek(s, size, &p, &got) != 0)
        return -1;
    if (got > size)
        got = size;
    memcpy(buf, p, got);
    fb_source_consume(s, got);
    return (ssize_t)got;
}

static int open_pcap(struct fb_frames *r, struct fb_diag *d)
{
    cookie_io_functions_t io = {.read = cookie_read};
    FILE *fp = fopencookie(r->src, "r", io);
    if (!fp)
        return fb_diag_set(d, FB_ERR_IO, "", "cannot make a stream over the input");
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    r->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!r->pc) {
        fclose(fp);
        return fb_diag_set(d, FB_ERR_FORMAT, "", "not a readable pcap file: %s", errbuf);
    }
    return 0;
}

static enum fb_frames_item next_pcap(struct fb_frames *r, struct fb_frame *f)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(r->pc, &h, &data);
    if (rc == 1) {
        memset(f, 0, sizeof *f);
        f->ts_us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec / 1000;
        f->link_type = (uint32_t)pcap_datalink(r->pc);
        f->data = data;
        f->caplen = h->caplen;
        f->origlen = h->len;
        f->flags = h->caplen < h->len ? FB_FRAME_CUT : 0;
        r->count++;
        return FB_FRAMES_FRAME;
    }
    if (rc == PCAP_ERROR)
        warn(r, "cut short or corrupt after %llu packets, near offset %llu: %s",
             (unsigned long long)r->count, (unsigned long long)fb_source_offset(r->src),
             pcap_geterr(r->pc));
    r->done = 1;
    return FB_FRAMES_END;
}

/* ---- pcapng ----------------------------------------------------------------------- */

static uint16_t ng16(const struct fb_frames *r, const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    return r->swap ? __builtin_bswap16(v) : v;
}

static uint32_t ng32(const struct fb_frames *r, const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return r->swap ? __builtin_bswap32(v) : v;
}

/* Timestamp units to microseconds (if_tsresol: a power of 10, or of 2 with the high bit). */
static int64_t ts_to_us(uint64_t ts, uint8_t resol)
{
    unsigned e = resol & 0x7f;
    if (resol & 0x80) {
        if (e >= 64)
            return 0;
        return (int64_t)(((unsigned __int128)ts * 1000000u) >> e);
    }
    if (e <= 6) {
        for (unsigned i = e; i < 6; i++)
            ts *= 10;
        return (int64_t)ts;
    }
    for (unsigned i = 6; i < e && ts; i++)
        ts /= 10;
    return (int64_t)ts;
}

/* The options of an IDB: if_tsresol (9) and if_tsoffset (14); the rest is skipped. */
static void idb_options(const struct fb_frames *r, const uint8_t *p, size_t n, struct iface *i)
{
    while (n >= 4) {
        uint16_t code = ng16(r, p), len = ng16(r, p + 2);
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (code == 0 || padded > n - 4)
            return;
        if (code == 9 && len >= 1)
            i->tsresol = p[4];
        if (code == 14 && len == 8) {
            uint64_t lo = ng32(r, p + 4), hi = ng32(r, p + 8);
            i->tsoffset_s = (int64_t)(r->swap ? (lo << 32 | hi) : (hi << 32 | lo));
        }
        p += 4 + padded;
        n -= 4 + padded;
    }
}

/* SHB body (after type and length): the byte order is already known. 0, or -1. */
static int shb(struct fb_frames *r, const uint8_t *body, size_t n, uint64_t off)
{
    if (n < 12) {
        warn(r, "section header at offset %llu is too short", (unsigned long long)off);
        return -1;
    }
    uint16_t major = ng16(r, body + 4), minor = ng16(r, body + 6);
    if (major != 1) {
        warn(r, "section header at offset %llu has version %u.%u", (unsigned long long)off,
             major, minor);
        return -1;
    }
    r->section_base = r->n_ifs;
    return 0;
}

static int idb(struct fb_frames *r, const uint8_t *body, size_t n, uint64_t off)
{
    if (n < 8 || r->n_ifs >= NG_MAX_IFACES) {
        warn(r, "interface block at offset %llu is %s", (unsigned long long)off,
             n < 8 ? "too short" : "one too many");
        return -1;
    }
    if (r->n_ifs == r->cap_ifs) {
        r->cap_ifs = r->cap_ifs ? r->cap_ifs * 2 : 4;
        r->ifs = fb_xrealloc(r->ifs, r->cap_ifs * sizeof *r->ifs);
    }
    struct iface *i = &r->ifs[r->n_ifs++];
    *i = (struct iface){ng16(r, body), ng32(r, body + 4), 6, 0};
    idb_options(r, body + 8, n - 8, i);
    return 0;
}

/* Fills f from a packet block's fields; -1 (warned) when they do not fit the block. */
static int packet(struct fb_frames *r, struct fb_frame *f, uint32_t iface, uint64_t ts,
                  int has_ts, const uint8_t *data, uint32_t caplen, uint32_t origlen,
                  uint64_t off)
{
    if (iface >= r->n_ifs - r->section_base) {
        warn(r, "packet at offset %llu names interface %u, which the section does not have",
             (unsigned long long)off, iface);
        return -1;
    }
    const struct iface *i = &r->ifs[r->section_base + iface];
    memset(f, 0, sizeof *f);
    if (has_ts) {
        r->last_ts = ts_to_us(ts, i->tsresol) + i->tsoffset_s * 1000000;
    }
    f->ts_us = r->last_ts; /* an SPB has no time: the previous packet's is the best guess */
    f->link_type = i->link_type;
    f->interface = (uint32_t)(r->section_base + iface);
    f->data = data;
    f->caplen = caplen;
    f->origlen = origlen;
    f->flags = caplen < origlen ? FB_FRAME_CUT : 0;
    r->count++;
    return 0;
}

/* A block's body (n bytes after type and length, before the trailing length). */
static int block(struct fb_frames *r, uint32_t type, const uint8_t *b, size_t n, uint64_t off,
                 struct fb_frame *f, struct fb_dsb *dsb)
{
    uint32_t caplen;
    switch (type) {
    case NG_IDB: return idb(r, b, n, off) ? -1 : 0;
    case NG_EPB:
    case NG_PB: {
        size_t head = 20;
        if (n < head || (caplen = ng32(r, b + 12)) > n - head)
            break;
        uint32_t iface = type == NG_EPB ? ng32(r, b) : ng16(r, b);
        uint64_t ts = (uint64_t)ng32(r, b + 4) << 32 | ng32(r, b + 8);
        return packet(r, f, iface, ts, 1, b + head, caplen, ng32(r, b + 16), off) ? -1
                                                                                   : FB_FRAMES_FRAME;
    }
    case NG_SPB: {
        if (n < 4 || r->n_ifs == r->section_base)
            break;
        uint32_t origlen = ng32(r, b), snap = r->ifs[r->section_base].snaplen;
        caplen = origlen;
        if (snap && caplen > snap)
            caplen = snap;
        if (caplen > n - 4)
            caplen = (uint32_t)(n - 4);
        return packet(r, f, 0, 0, 0, b + 4, caplen, origlen, off) ? -1 : FB_FRAMES_FRAME;
    }
    case NG_DSB: {
        uint32_t len;
        if (n < 8 || (len = ng32(r, b + 4)) > n - 8)
            break;
        *dsb = (struct fb_dsb){ng32(r, b), b + 8, len};
        return FB_FRAMES_DSB;
    }
    default: return 0; /* NRB, ISB, custom, unknown: skipped */
    }
    warn(r, "block of type %u at offset %llu is inconsistent", type, (unsigned long long)off);
    return -1;
}

/* Peeks the whole block at the current offset (deciding the byte order first for an
 * SHB, whose type reads the same both ways). 1 with *type, *p, *len; 0 at a clean end;
 * -1 (warned). */
static int block_peek(struct fb_frames *r, uint32_t *type, const uint8_t **p, size_t *len)
{
    size_t got;
    uint64_t off = fb_source_offset(r->src);
    if (fb_source_peek(r->src, 12, p, &got) != 0)
        goto read_error;
    if (got == 0)
        return 0;
    if (got < 12) {
        warn(r, "cut short in a block header at offset %llu", (unsigned long long)off);
        return -1;
    }
    if ((*type = ng32(r, *p)) == NG_SHB) {
        uint32_t bom = (uint32_t)(*p)[8] | (uint32_t)(*p)[9] << 8 | (uint32_t)(*p)[10] << 16 |
                       (uint32_t)(*p)[11] << 24;
        if (bom != NG_BOM && bom != __builtin_bswap32(NG_BOM)) {
            warn(r, "section header at offset %llu has a bad byte-order magic",
                 (unsigned long long)off);
            return -1;
        }
        r->swap = bom != NG_BOM;
    }
    *len = ng32(r, *p + 4);
    if (*len < 12 || *len % 4 != 0 || *len > NG_MAX_BLOCK) {
        warn(r, "block of type %u at offset %llu has a bad length (%zu)", *type,
             (unsigned long long)off, *len);
        return -1;
    }
    if (fb_source_peek(r->src, *len, p, &got) != 0)
        goto read_error;
    if (got < *len) {
        warn(r, "cut short in the middle of a block of type %u at offset %llu", *type,
             (unsigned long long)off);
        return -1;
    }
    if (ng32(r, *p + *len - 4) != *len) {
        warn(r, "block of type %u at offset %llu has a bad length (the two copies differ)",
             *type, (unsigned long long)off);
        return -1;
    }
    return 1;
read_error:;
    const char *e = fb_source_error(r->src);
    warn(r, "read error at offset %llu: %s", (unsigned long long)off, e ? e : "?");
    return -1;
}

static enum fb_frames_item next_ng(struct fb_frames *r, struct fb_frame *f, struct fb_dsb *dsb)
{
    for (;;) {
        fb_source_consume(r->src, r->pending);
        r->pending = 0;
        uint32_t type;
        const uint8_t *p;
        size_t len;
        uint64_t off = fb_source_offset(r->src);
        if (block_peek(r, &type, &p, &len) <= 0)
            break;
        r->pending = len;
        int rc = type == NG_SHB ? shb(r, p + 8, len - 12, off)
                                : block(r, type, p + 8, len - 12, off, f, dsb);
        if (rc < 0)
            break;
        if (rc > 0)
            return (enum fb_frames_item)rc;
    }
    r->done = 1;
    return FB_FRAMES_END;
}

/* ---- the reader ------------------------------------------------------------------- */

int fb_frames_open(struct fb_frames **out, struct fb_source *src, struct fb_diag *d)
{
    *out = NULL;
    const uint8_t *p;
    size_t got;
    if (fb_source_peek(src, 12, &p, &got) != 0)
        return fb_diag_set(d, FB_ERR_IO, "", "%s",
                           fb_source_error(src) ? fb_source_error(src) : "read error");
    if (got < 4)
        return fb_diag_set(d, FB_ERR_FORMAT, "", "too short for a capture file");
    uint32_t magic = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    struct fb_frames *r = fb_xcalloc(1, sizeof *r);
    r->src = src;
    if (magic == NG_SHB) {
        r->ng = 1;
        uint32_t type;
        size_t len;
        if (block_peek(r, &type, &p, &len) <= 0 || shb(r, p + 8, len - 12, 0) != 0) {
            fb_diag_set(d, FB_ERR_FORMAT, "", "not a readable pcapng file: %s",
                        r->warning[0] ? r->warning : "empty");
            fb_frames_free(r);
            return FB_ERR_FORMAT;
        }
        r->pending = len;
    } else if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d ||
               magic == 0x4d3cb2a1 || magic == 0xa1b2cd34 || magic == 0x34cdb2a1) {
        int rc = open_pcap(r, d);
        if (rc) {
            fb_frames_free(r);
            return rc;
        }
    } else {
        fb_frames_free(r);
        return fb_diag_set(d, FB_ERR_FORMAT, "", "not a pcap or pcapng file (magic %08x)",
                           magic);
    }
    *out = r;
    return 0;
}

enum fb_frames_item fb_frames_next(struct fb_frames *r, struct fb_frame *f, struct fb_dsb *dsb)
{
    if (r->done)
        return FB_FRAMES_END;
    return r->ng ? next_ng(r, f, dsb) : next_pcap(r, f);
}

const char *fb_frames_warning(const struct fb_frames *r)
{
    return r->warning[0] ? r->warning : NULL;
}

uint64_t fb_frames_count(const struct fb_frames *r)
{
    return r->count;
}

const char *fb_frames_format(const struct fb_frames *r)
{
    return r->ng ? "pcapng" : "pcap";
}

void fb_frames_free(struct fb_frames *r)
{
    if (!r)
        return;
    if (r->pc)
        pcap_close(r->pc);
    free(r->ifs);
    free(r);
}
