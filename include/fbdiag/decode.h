/* decode.h - content decoding of HTTP bodies: gzip, x-gzip, deflate (zlib-wrapped or
 * raw), br, zstd and stacked encodings ("gzip, br" is undone right to left), identity
 * ignored; with a hard cap on the decoded size so a bomb yields a flag, not an
 * exhausted machine. Transfer-Encoding chunked is http1's job, not this module's.
 *
 * Ownership: the output is allocated in (or adopted by) the arena given.
 */
#ifndef FB_DECODE_H
#define FB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_arena;

enum fb_coding {
    FB_CODING_IDENTITY,
    FB_CODING_GZIP,
    FB_CODING_DEFLATE,
    FB_CODING_BR,
    FB_CODING_ZSTD,
    FB_CODING_UNKNOWN
};
/* Maps one coding token (case-insensitive; "x-gzip" is gzip). */
enum fb_coding fb_decode_coding(struct fb_str token);

/* Undoes the codings listed in a Content-Encoding value on in[0..in_len).
 * On success returns 0 and *out is the decoded body (arena-owned, or `in` itself when
 * nothing had to be undone). Failures leave *out as the best output there is:
 *  FB_ERR_LIMIT       decoded output passed max: *out holds the first max bytes;
 *  FB_ERR_UNSUPPORTED an unknown coding: *out = in (undone layers before it kept);
 *  FB_ERR_FORMAT      corrupt or truncated compressed data: *out holds what decoded.
 * d (optional) says which coding failed and why. */
FB_NODISCARD int fb_decode_content(struct fb_str content_encoding, const uint8_t *in, size_t in_len,
                                   size_t max, struct fb_arena *a, struct fb_str *out,
                                   struct fb_diag *d);

#endif /* FB_DECODE_H */
