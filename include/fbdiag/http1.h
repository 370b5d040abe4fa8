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

/* ---- resumable parsing of one direction of a connection (captures) -------------------
 *
 * A per-direction parser in the picohttpparser contract: feed bytes as they arrive, in
 * any split; the head is parsed once, the body goes to a sink that keeps up to the cap
 * and counts the rest (FB_MSG_BODY_LIMIT), chunked framing is decoded as it streams
 * (trailers kept as headers), a close-delimited body ends at fb_http1_stream_eof. Byte
 * by byte or all at once, the messages are the same. Responses to HEAD and CONNECT and
 * 1xx/204/304 have no body; each 1xx is a message of its own (the caller attaches it as
 * interim). After a 101 or a 2xx to CONNECT the stream stops parsing (the caller takes
 * the rest of the bytes as another protocol: fb_http1_stream_switched).
 */
struct fb_http1_stream;
/* kind says which direction this is. l is copied. Owned: fb_http1_stream_free. */
struct fb_http1_stream *fb_http1_stream_new(enum fb_http1_kind kind,
                                            const struct fb_http1_limits *l, int decode);
void fb_http1_stream_free(struct fb_http1_stream *s); /* NULL is a no-op */
/* Responses only: the method of the request the next final response answers, queued in
 * request order by the caller (copied; HEAD and CONNECT change framing). */
void fb_http1_stream_expect(struct fb_http1_stream *s, struct fb_str req_method);
/* Feeds bytes. Returns bytes consumed (>= 0): it stops right after a message completes
 * and sets *ready = 1, so the caller takes it and feeds the rest; else it consumes all
 * of p. FB_ERR_FORMAT when the bytes at a message start are not HTTP/1 (the stream is
 * then lost until fb_http1_stream_gap). Bytes after a switch are not consumed. */
FB_NODISCARD int fb_http1_stream_feed(struct fb_http1_stream *s, const uint8_t *p, size_t n,
                                      int *ready);
/* Moves the completed message into out, its slices copied into a (the arena then owns
 * them), the body content-decoded when the stream was made with decode. Resets the
 * stream for the next message. */
void fb_http1_stream_take(struct fb_http1_stream *s, struct fb_msg *out, struct fb_arena *a);
/* End of the direction (FIN, RST or end of capture): a close-delimited body completes,
 * a message in progress is returned flagged FB_MSG_TRUNCATED. Returns 1 when *out was
 * filled, 0 when nothing was in progress. */
int fb_http1_stream_eof(struct fb_http1_stream *s, struct fb_msg *out, struct fb_arena *a);
/* n bytes were not captured. A body in progress with a known length (Content-Length)
 * counts them as body and goes on (flag FB_MSG_GAP); otherwise the message in progress
 * is ended as it is (flags FB_MSG_GAP | FB_MSG_TRUNCATED, returned by the next take)
 * and the parser resynchronises at the next plausible start line. Returns 1 when a
 * message is ready to take. */
int fb_http1_stream_gap(struct fb_http1_stream *s, uint64_t n);
/* 1 after the message just taken switched protocols (101, or 2xx to CONNECT). */
int fb_http1_stream_switched(const struct fb_http1_stream *s);
/* 1 when a message is in progress (some bytes of it seen). */
int fb_http1_stream_busy(const struct fb_http1_stream *s);

#endif /* FB_HTTP1_H */
