/* input.h - opening a trace: format detection by content (never by name), hashing, and
 * dispatch to the reader of that format. Readers stream exchanges to a callback.
 *
 * Formats: zip (SAZ), HAR (JSON, gzip-wrapped too, BOM skipped), pcap, pcapng;
 * ETL/pktmon and NetMon captures are recognised and answered with how to convert them.
 * Ownership: the input's bytes are pulled from a source (source.h: a mapped file or a
 * pipe) by fb_input_read and released before it returns; exchanges are freed after
 * each callback. Captures stream from pipes; SAZ and HAR from a pipe are read whole
 * (capped at FB_INPUT_PIPE_MAX).
 */
#ifndef FB_INPUT_H
#define FB_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/http1.h"
#include "fbdiag/util.h"

struct fb_trace;
struct fb_input_info;

enum fb_format {
    FB_FMT_UNKNOWN = 0,
    FB_FMT_ZIP,      /* SAZ (a zip archive) */
    FB_FMT_HAR,      /* JSON */
    FB_FMT_HAR_GZIP, /* gzip-wrapped HAR */
    FB_FMT_PCAP,
    FB_FMT_PCAPNG,
    FB_FMT_ETL,    /* Windows ETW trace (pktmon, netsh trace) */
    FB_FMT_NETMON, /* Microsoft Network Monitor .cap */
    FB_FMT_GZIP,   /* gzip of something that is not JSON */
    FB_FMT_EMPTY
};
const char *fb_format_name(enum fb_format f); /* "saz", "har", "pcap", ... */

/* Detects the format from the first bytes (64 are enough; a HAR behind gzip needs its
 * first inflated bytes, so pass the whole buffer when it is at hand). */
enum fb_format fb_input_sniff(const uint8_t *data, size_t len);

/* What a SAZ or HAR read from a pipe or device may hold in memory. */
#define FB_INPUT_PIPE_MAX ((size_t)4 << 30)

/* What a reader needs besides the bytes. */
struct fb_read_opts {
    const char *password;          /* SAZ; NULL when none was given */
    struct fb_http1_limits limits; /* per message */
    uint64_t max_exchanges;        /* 0: unlimited */
};
void fb_read_opts_default(struct fb_read_opts *o);

struct fb_source;

/* One input as readers see it: its path and either the whole content in memory (mapped
 * file, or a pipe read whole: SAZ and HAR readers) or, for stream readers (pcap,
 * pcapng), the pull source positioned at the first byte (data NULL then). */
struct fb_input_src {
    const char *path;
    const uint8_t *data;
    size_t len;
    struct fb_source *stream; /* borrowed; may be NULL for whole-content readers */
};

/* A reader of one format: reads src, calls cb for each exchange in order, records
 * warnings and advice in t. Returns 0, a negative fb_err that stopped the input (the
 * exchanges handed over before that still count), or the callback's non-zero value. */
struct fb_reader {
    const char *name;
    int streams; /* reads src->stream itself (captures); else src->data is the content */
    int (*read)(const struct fb_input_src *src, const struct fb_read_opts *o, fb_exchange_cb cb,
                void *user, struct fb_trace *t, struct fb_diag *d);
};

/* Opens path ("-" reads standard input), fills info (format, sha256, size), detects the
 * format and runs its reader. Returns 0 or a negative fb_err with d saying why:
 * FB_ERR_IO (missing, unreadable), FB_ERR_FORMAT (unknown content), FB_ERR_UNSUPPORTED
 * (recognised but not readable by this release, d says how to convert),
 * FB_ERR_PASSWORD / FB_ERR_BAD_PASSWORD. On error d->where starts with path (a
 * reader's own where follows after ": "), so "fbdiag: <where>: <msg>" names the file.
 * o NULL means fb_read_opts_default; info, t and d may be NULL. info->format is
 * fb_format_name() of what was detected, also when no reader takes it ("etl"...). */
FB_NODISCARD int fb_input_read(const char *path, const struct fb_read_opts *o, fb_exchange_cb cb,
                               void *user, struct fb_trace *t, struct fb_input_info *info,
                               struct fb_diag *d);

/* The HAR 1.2 reader (src/input/har.c): plain JSON with or without a BOM, or gzip/zlib
 * wrapped. Returns FB_ERR_FORMAT for text that is not JSON (d names line and column)
 * or JSON without log.entries, FB_ERR_LIMIT when a wrapped HAR inflates past 2 GiB. */

#endif /* FB_INPUT_H */
