/* http1.h - HTTP/1.x messages (RFC 9112): a zero-copy parser of start lines and
 * headers, body framing (Content-Length, chunked with trailers, close-delimited, none),
 * interim 1xx responses, and the whole-message parse that readers use.
 *
 * Contract (picohttpparser's, with names): parsers return bytes consumed (> 0),
 * FB_ERR_NEED_MORE when the input ends before the item does, FB_ERR_FORMAT when it can
 * never parse, FB_ERR_LIMIT when a bound is hit. Slices point into the caller's input
 * (borrowed: valid while the input is). Whole-message parses copy only what must change
 * (a dechunked or decoded body, the header array) into the arena given.
 */
#ifndef FB_HTTP1_H
#define FB_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/util.h"

struct fb_arena;

enum fb_http1_kind { FB_HTTP1_REQUEST, FB_HTTP1_RESPONSE };

/* Bounds for one message. fb_http1_limits_default() fills the project defaults. */
struct fb_http1_limits {
    size_t max_headers;    /* header lines kept; more are dropped with a flag */
    size_t max_head_bytes; /* start line + headers; more is FB_ERR_LIMIT */
    size_t max_body;       /* body bytes kept before decoding */
    size_t max_decoded;    /* body bytes after content decoding (bomb cap) */
};
void fb_http1_limits_default(struct fb_http1_limits *l);

struct fb_http1_head {
    struct fb_str method, target; /* requests */
    int status;                   /* responses (100..999) */
    struct fb_str reason;
    enum fb_version version; /* FB_HTTP10 / FB_HTTP11 (or FB_HTTP2 when a producer
                                such as Fiddler Everywhere writes "HTTP/2") */
    size_t n_headers;        /* headers stored in the caller's array */
    size_t n_headers_seen;   /* all header fields (lines with a colon), stored or not */
    unsigned flags;          /* FB_MSG_MALFORMED (a header line without a colon or a
                                fold with nothing to continue was skipped),
                                FB_MSG_HEADER_LIMIT (more than max_hdrs fields) */
};

/* Parses the start line and header block at the front of data. Header slices go into
 * hdrs[0..max_hdrs). Absolute-form request targets are kept as they are. Obsolete line
 * folding is accepted. Returns consumed bytes (through the blank line), or an error. */
FB_NODISCARD int fb_http1_parse_head(const uint8_t *data, size_t len, enum fb_http1_kind kind,
                                     size_t max_head_bytes, struct fb_http1_head *h,
                                     struct fb_header *hdrs, size_t max_hdrs);

enum fb_http1_framing_kind {
    FB_FRAME_NONE,    /* no body (HEAD response, 1xx, 204, 304, request without length) */
    FB_FRAME_LENGTH,  /* Content-Length */
    FB_FRAME_CHUNKED, /* Transfer-Encoding ends in chunked */
    FB_FRAME_CLOSE    /* response delimited by connection close */
};
struct fb_http1_framing {
    enum fb_http1_framing_kind kind;
    uint64_t length; /* FB_FRAME_LENGTH */
};
/* Decides framing per RFC 9112 section 6.3. req_method is the request's method for
 * responses (HEAD, CONNECT matter), empty otherwise. FB_ERR_FORMAT on conflicting or
 * invalid Content-Length values. */
FB_NODISCARD int fb_http1_framing(enum fb_http1_kind kind, int status, struct fb_str req_method,
                                  const struct fb_header *hdrs, size_t n_hdrs,
                                  struct fb_http1_framing *out);

/* Options of a whole-message parse. */
struct fb_http1_opts {
    struct fb_http1_limits limits;
    struct fb_str req_method; /* for responses */
    int at_eof; /* no more input will come: an incomplete body is returned truncated */
    int decode; /* undo Content-Encoding (fb_decode) */
};

/* Parses one whole message at the front of data into out (start line, headers, body
 * de-chunked and decoded). Returns consumed bytes, or FB_ERR_NEED_MORE when the message
 * is incomplete and !at_eof (or the head itself is incomplete), FB_ERR_FORMAT (bad start
 * line, or framing that fb_http1_framing rejects), FB_ERR_LIMIT (head too large). With
 * at_eof an incomplete body gives the partial message flagged FB_MSG_TRUNCATED and
 * consumes everything. Bad chunk framing gives the body so far flagged
 * FB_MSG_MALFORMED | FB_MSG_TRUNCATED and consumes everything (framing is lost).
 * out->headers is an arena array; the slices in it and a Content-Length or
 * close-delimited body are borrowed from data. */
FB_NODISCARD int fb_http1_parse_message(const uint8_t *data, size_t len, enum fb_http1_kind kind,
                                        const struct fb_http1_opts *o, struct fb_msg *out,
                                        struct fb_arena *a);

/* Parses the responses to one request: any interim 1xx responses, then the final one
 * (101 Switching Protocols is final). Interim ones go into an arena array. Same return
 * contract as fb_http1_parse_message, for the whole sequence. */
FB_NODISCARD int fb_http1_parse_responses(const uint8_t *data, size_t len,
                                          const struct fb_http1_opts *o, struct fb_msg *final,
                                          struct fb_msg **interim, size_t *n_interim,
                                          struct fb_arena *a);

#endif /* FB_HTTP1_H */
