/* input.c - opening one trace: pull its bytes from a source (source.h: mapped file or pipe; SHA-256 as they pass),
 * detect the format from the content (never the name) and hand the bytes to the reader
 * of that format. design.md "Command line" (detection) and "Exit codes" (what is
 * unreadable).
 *
 * Detection, first match wins:
 *   (no bytes)                      EMPTY
 *   "PK\3\4" or "PK\5\6"            ZIP (SAZ; \5\6 is an empty archive)
 *   a1b2c3d4 / a1b23c4d either way  PCAP (micro- / nanosecond)
 *   0a0d0d0a                        PCAPNG (byte-order magic checked when present)
 *   "GMBU" / "RTSS"                 NETMON (2.x / 1.x)
 *   1f8b, or 78xx with a valid       gzip or zlib (mitmproxy's .zhar): inflate the start;
 *   zlib header checksum             JSON with "log" -> HAR_GZIP, else GZIP (gzip only)
 *   [BOM] [ws] '{' ... "log"        HAR ("log" within the first 64 KB)
 *   WMI_BUFFER_HEADER + SYSTEM_TRACE_HEADER of the logfile header    ETL
 * ETL: an .etl file is a sequence of buffers; each starts with a 0x48-byte
 * WMI_BUFFER_HEADER (BufferSize u32 LE at 0). The first event of the first buffer is the
 * TRACE_LOGFILE_HEADER behind a SYSTEM_TRACE_HEADER at 0x48: Version u16 = 2, HeaderType
 * u8 = 1|2 (SYSTEM32|SYSTEM64), Flags u8 with TRACE_HEADER_FLAG|TRACE_HEADER_EVENT_TRACE
 * (0xC0), Size u16, HookId u16 = 0 (EVENT_TRACE_GROUP_HEADER, type INFO); the logfile
 * header's own BufferSize (at 0x48 + 0x20) repeats the buffer's. All of that must hold.
 *
 * It does not parse any format: readers do (src/input/saz.c, har.c, ...).
 */
#include "fbdiag/input.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fbdiag/arena.h"
#include "fbdiag/source.h"
#include "fbdiag/trace.h"
#include "readers.h"

#define HAR_LOG_WINDOW ((size_t)64 * 1024) /* where "log" must appear */
#define GZIP_SNIFF_IN ((size_t)256 * 1024) /* compressed bytes inflated to sniff */
#define SNIFF_WINDOW (GZIP_SNIFF_IN + 4096)   /* bytes peeked to detect the format */

static const char *const format_names[] = {
    [FB_FMT_UNKNOWN] = "unknown",   [FB_FMT_ZIP] = "saz",       [FB_FMT_HAR] = "har",
    [FB_FMT_HAR_GZIP] = "har-gzip", [FB_FMT_PCAP] = "pcap",     [FB_FMT_PCAPNG] = "pcapng",
    [FB_FMT_ETL] = "etl",           [FB_FMT_NETMON] = "netmon", [FB_FMT_GZIP] = "gzip",
    [FB_FMT_EMPTY] = "empty",
};

const char *fb_format_name(enum fb_format f)
{
    if ((unsigned)f < FB_ARRAY_LEN(format_names) && format_names[f])
        return format_names[f];
    return "unknown";
}

void fb_read_opts_default(struct fb_read_opts *o)
{
    memset(o, 0, sizeof *o);
    fb_http1_limits_default(&o->limits);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static int has_prefix(const uint8_t *d, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(d, magic, n) == 0;
}

/* Finds needle in the first `window` bytes of d. */
static int contains(const uint8_t *d, size_t len, const char *needle, size_t window)
{
    size_t n = strlen(needle);
    if (len > window)
        len = window;
    for (size_t i = 0; i + n <= len; i++)
        if (d[i] == (uint8_t)needle[0] && memcmp(d + i, needle, n) == 0)
            return 1;
    return 0;
}

/* A JSON object that names "log" early: BOM, whitespace, '{'. */
static int looks_like_har(const uint8_t *d, size_t len)
{
    size_t i = 0;
    if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        i = 3;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    if (i >= len || d[i] != '{')
        return 0;
    return contains(d + i, len - i, "\"log\"", HAR_LOG_WINDOW);
}

static int looks_like_etl(const uint8_t *d, size_t len)
{
    if (len < 0x48 + 0x20 + 4)
        return 0;
    uint32_t bufsize = le32(d);
    if (bufsize < 0x48 + 0x20 + 4 || bufsize > (64u << 20) || bufsize % 8 != 0)
        return 0;
    const uint8_t *h = d + 0x48; /* SYSTEM_TRACE_HEADER */
    if (le16(h) != 2 || (h[2] != 1 && h[2] != 2) || (h[3] & 0xC0) != 0xC0)
        return 0;
    if (le16(h + 6) != 0) /* HookId: the logfile header */
        return 0;
    return le32(h + 0x20) == bufsize; /* TRACE_LOGFILE_HEADER.BufferSize */
}

/* Inflates the start of a gzip or zlib stream (auto-detected) into out (at most cap
 * bytes); returns the count. */
static size_t gunzip_head(const uint8_t *d, size_t len, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 32 + MAX_WBITS) != Z_OK)
        return 0;
    z.next_in = (Bytef *)(uintptr_t)d; /* zlib's API is not const; it only reads */
    z.avail_in = (uInt)(len < GZIP_SNIFF_IN ? len : GZIP_SNIFF_IN);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc;
    do {
        rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK && z.avail_out > 0 && z.avail_in > 0);
    size_t n = cap - z.avail_out;
    inflateEnd(&z);
    return n;
}

enum fb_format fb_input_sniff(const uint8_t *data, size_t len)
{
    static const uint8_t pcap_magics[][4] = {{0xa1, 0xb2, 0xc3, 0xd4},
                                             {0xd4, 0xc3, 0xb2, 0xa1},
                                             {0xa1, 0xb2, 0x3c, 0x4d},
                                             {0x4d, 0x3c, 0xb2, 0xa1}};
    if (len == 0)
        return FB_FMT_EMPTY;
    if (has_prefix(data, len, "PK\x03\x04", 4) || has_prefix(data, len, "PK\x05\x06", 4))
        return FB_FMT_ZIP;
    for (size_t i = 0; i < FB_ARRAY_LEN(pcap_magics); i++)
        if (len >= 4 && memcmp(data, pcap_magics[i], 4) == 0)
            return FB_FMT_PCAP;
    if (has_prefix(data, len, "\x0a\x0d\x0d\x0a", 4)) {
        if (len < 12)
            return FB_FMT_PCAPNG;
        uint32_t bom = le32(data + 8);
        if (bom == 0x1a2b3c4d || bom == 0x4d3c2b1a)
            return FB_FMT_PCAPNG;
        return FB_FMT_UNKNOWN;
    }
    if (has_prefix(data, len, "GMBU", 4) || has_prefix(data, len, "RTSS", 4))
        return FB_FMT_NETMON;
    /* gzip, or a zlib stream (mitmproxy's .zhar): CMF 0x78 and a header checksum */
    int zlib = len >= 2 && data[0] == 0x78 && ((data[0] << 8) | data[1]) % 31 == 0;
    if ((len >= 2 && data[0] == 0x1f && data[1] == 0x8b) || zlib) {
        uint8_t *head = fb_xmalloc(HAR_LOG_WINDOW);
        size_t n = gunzip_head(data, len, head, HAR_LOG_WINDOW);
        int har = looks_like_har(head, n);
        free(head);
        if (har)
            return FB_FMT_HAR_GZIP;
        if (!zlib)
            return FB_FMT_GZIP;
    }
    if (looks_like_har(data, len))
        return FB_FMT_HAR;
    if (looks_like_etl(data, len))
        return FB_FMT_ETL;
    return FB_FMT_UNKNOWN;
}

/* "7b 22 61 ..." for the first 8 bytes. */
static void hex_head(const uint8_t *d, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && i < 8 && o + 4 <= cap; i++) {
        if (i)
            out[o++] = ' ';
        out[o++] = hex[d[i] >> 4];
        out[o++] = hex[d[i] & 15];
    }
    out[o < cap ? o : cap - 1] = '\0';
}

/* Why a sniffed format has no reader: the fb_err and the message in d. */
static int refuse(enum fb_format f, const uint8_t *data, size_t len, const char *path,
                  struct fb_diag *d)
{
    char head[32];
    hex_head(data, len, head, sizeof head);
    switch (f) {
    case FB_FMT_ETL:
        return fb_diag_set(d, FB_ERR_UNSUPPORTED, path,
                           "a Windows ETW trace (.etl: pktmon or netsh trace), which fbdiag "
                           "cannot read; convert it to pcapng first: for pktmon, "
                           "pktmon etl2pcap FILE --out FILE.pcapng; for netsh trace, "
                           "Microsoft's etl2pcapng FILE FILE.pcapng");
    case FB_FMT_NETMON:
        return fb_diag_set(d, FB_ERR_UNSUPPORTED, path,
                           "a Microsoft Network Monitor capture, which fbdiag cannot read; "
                           "open it in Network Monitor or Wireshark and save it as pcapng");
    case FB_FMT_EMPTY:
        return fb_diag_set(d, FB_ERR_FORMAT, path,
                           "not a SAZ, HAR, pcap or pcapng file (it is empty)");
    case FB_FMT_GZIP:
        return fb_diag_set(d, FB_ERR_FORMAT, path,
                           "not a SAZ, HAR, pcap or pcapng file (gzip, but not of a HAR; "
                           "starts with: %s)",
                           head);
    default:
        return fb_diag_set(d, FB_ERR_FORMAT, path,
                           "not a SAZ, HAR, pcap or pcapng file (starts with: %s)", head);
    }
}

/* Counts the exchanges a reader hands over on their way to the caller. */
struct counting {
    fb_exchange_cb cb;
    void *user;
    uint64_t n;
};

static int count_exchange(const struct fb_exchange *ex, void *user)
{
    struct counting *c = user;
    if (!(ex->flags & FB_EX_CONNECTION))
        c->n++;
    return c->cb(ex, c->user);
}

/* Makes d->where start with the input's path, so a message always names the file. */
static void name_file(struct fb_diag *d, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(d->where, path, n) == 0)
        return;
    char old[sizeof d->where];
    memcpy(old, d->where, sizeof old);
    old[sizeof old - 1] = '\0';
    /* path, then ": " and the reader's where when it gave one; cut to fit */
    size_t cap = sizeof d->where - 1, o = 0;
    const char *parts[3] = {path, old[0] ? ": " : "", old};
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(parts[i]);
        if (k > cap - o)
            k = cap - o;
        memcpy(d->where + o, parts[i], k);
        o += k;
    }
    d->where[o] = '\0';
}

static const struct fb_reader *const readers[] = {
    [FB_FMT_ZIP] = &fb_saz_reader,
    [FB_FMT_HAR] = &fb_har_reader,
    [FB_FMT_HAR_GZIP] = &fb_har_reader,
    [FB_FMT_PCAP] = &fb_pcap_reader,
    [FB_FMT_PCAPNG] = &fb_pcap_reader,
};

/* Sniffs the source and runs its reader: captures stream from the source, SAZ and HAR
 * get the whole content (the mapping, or a pipe read whole within FB_INPUT_PIPE_MAX). */
static int read_source(struct fb_source *src, const char *path, const struct fb_read_opts *o,
                       fb_exchange_cb cb, void *user, struct fb_trace *t,
                       struct fb_input_info *info, struct fb_diag *d)
{
    const uint8_t *head;
    size_t n;
    if (fb_source_peek(src, SNIFF_WINDOW, &head, &n) != 0)
        return fb_diag_set(d, FB_ERR_IO, path, "%s", fb_source_error(src));
    enum fb_format f = fb_input_sniff(head, n);
    info->format = fb_format_name(f);
    const struct fb_reader *r = (unsigned)f < FB_ARRAY_LEN(readers) ? readers[f] : NULL;
    if (!r)
        return refuse(f, head, n, path, d);
    struct fb_input_src in = {path, NULL, 0, src};
    if (!r->streams) {
        int rc = fb_source_slurp(src, FB_INPUT_PIPE_MAX, &in.data, &in.len, d);
        if (rc < 0) {
            name_file(d, path);
            return rc;
        }
    }
    struct counting cnt = {cb, user, 0};
    int rc = r->read(&in, o, count_exchange, &cnt, t, d);
    info->n_exchanges = cnt.n;
    if (rc < 0)
        name_file(d, path);
    return rc;
}

int fb_input_read(const char *path, const struct fb_read_opts *o, fb_exchange_cb cb, void *user,
                  struct fb_trace *t, struct fb_input_info *info, struct fb_diag *d)
{
    struct fb_diag local_d;
    struct fb_input_info local_info;
    struct fb_read_opts defaults;
    if (!d)
        d = &local_d;
    if (!info) {
        memset(&local_info, 0, sizeof local_info);
        info = &local_info;
    }
    if (!info->path)
        info->path = path;
    if (!o) {
        fb_read_opts_default(&defaults);
        o = &defaults;
    }
    fb_diag_clear(d);

    struct fb_source *src = NULL;
    int rc = fb_source_open(&src, path, 0, d);
    if (rc == 0) {
        rc = read_source(src, path, o, cb, user, t, info, d);
        fb_source_sha256(src, info->sha256);
        int64_t size = fb_source_size(src);
        info->size = size >= 0 ? (uint64_t)size : fb_source_offset(src);
        fb_source_free(src);
    }
    info->status = rc < 0 ? rc : 0;
    if (rc < 0 && t)
        info->error = fb_arena_printf(&t->arena, "%s", d->msg);
    return rc;
}
