/* http1_internal.h - what http1.c (heads, framing) shares with http1_stream.c (the
 * resumable parser, and the whole-message parse built on it). Private to src/http/. */
#ifndef FB_HTTP1_INTERNAL_H
#define FB_HTTP1_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/http1.h"

/* Parses field lines from data + off through the empty line that ends them (a header
 * block after its start line, or a chunked body's trailer section), into h (n_headers,
 * n_headers_seen, flags added to) and hdrs[0..max_hdrs). Lines past max_bytes from data
 * are FB_ERR_LIMIT. Returns the offset after the empty line, or FB_ERR_NEED_MORE. */
FB_NODISCARD int fb_http1_parse_fields(const uint8_t *data, size_t off, size_t len,
                                       size_t max_bytes, struct fb_http1_head *h,
                                       struct fb_header *hdrs, size_t max_hdrs);

/* Whether an incomplete start line [p, end) can still become a valid one. */
int fb_http1_start_prefix_ok(const uint8_t *p, const uint8_t *end, enum fb_http1_kind kind);

#endif /* FB_HTTP1_INTERNAL_H */
