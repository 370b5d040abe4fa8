/* h2.h - passive HTTP/2 (RFC 9113) for captures: the project's frame layer over both
 * directions of one connection, with one nghttp2 HPACK inflater per direction; every
 * stream becomes an exchange (request headers and body, response headers, body and
 * trailers, interim 1xx). It handles padding, PRIORITY, CONTINUATION, PUSH_PROMISE
 * (its header block is decoded to keep the table in step, pushed streams become
 * exchanges), RST_STREAM, GOAWAY, SETTINGS_HEADER_TABLE_SIZE (applied to the opposite
 * direction's inflater), several frames per segment and frames across segments. After
 * a gap or a mid-connection start a direction's later header blocks are flagged
 * FB_MSG_UNRELIABLE rather than guessed (the dynamic table is lost). It does not read
 * TCP or TLS: the caller feeds the decrypted, in-order bytes of each direction.
 *
 * Ownership: fb_h2_new returns an owned object (fb_h2_free). The exchange given to
 * on_exchange lives in an arena the decoder owns and frees when the callback returns.
 */
#ifndef FB_H2_H
#define FB_H2_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/http1.h"

struct fb_h2_limits {
    size_t max_header_list; /* decoded bytes of one header list (name + value + 32 each) */
    size_t max_streams;     /* streams open at once; more are dropped with a warning */
    size_t max_frame;       /* frame payload accepted (SETTINGS_MAX_FRAME_SIZE cap) */
};
void fb_h2_limits_default(struct fb_h2_limits *l); /* 256 KiB, 1000, 16 MiB */

struct fb_h2_callbacks {
    /* A finished stream (both ends closed, reset, or the connection ended). ex has
     * version FB_HTTP2, conn.h2_stream, req (method, target = :path, headers without
     * pseudo-headers, body), url (":scheme://:authority:path", "https" when :scheme is
     * absent), resp (status, headers, body content-decoded as fb_http1 does, trailers
     * appended to headers), interim 1xx, timings from the ts of feeds. Missing response
     * sets FB_EX_NO_RESPONSE. The callee fills index, source and conn endpoints; it may
     * modify ex. Non-zero return stops the decoder (later feeds are ignored). */
    int (*on_exchange)(void *user, struct fb_exchange *ex);
    /* A warning about this connection ("HPACK decoding failed on stream 5: ..."). */
    void (*on_warning)(void *user, const char *msg);
};

enum fb_h2_dir { FB_H2_C2S = 0, FB_H2_S2C = 1 };

struct fb_h2;
/* http gives the body caps (max_body before decoding, max_decoded after). */
struct fb_h2 *fb_h2_new(const struct fb_h2_limits *l, const struct fb_http1_limits *http,
                        const struct fb_h2_callbacks *cb, void *user);
/* Bytes of one direction, in order, any split. The client direction may start with the
 * connection preface "PRI * HTTP/2.0..." (skipped when present). Returns 0, or the
 * callback's stop value. A frame that can never parse makes that direction lost (as a
 * gap) until fb_h2_gap resets it; never fails otherwise. */
int fb_h2_feed(struct fb_h2 *h, enum fb_h2_dir dir, const uint8_t *p, size_t n, int64_t ts);
/* n bytes of dir were lost: the frame in progress is dropped, the decoder looks for the
 * next plausible frame header, and later header blocks of dir are flagged unreliable. */
void fb_h2_gap(struct fb_h2 *h, enum fb_h2_dir dir, uint64_t n);
/* h2c after "Upgrade: h2c": stream 1 is the upgraded HTTP/1.1 request, copied from req;
 * its response arrives as HTTP/2 on the server direction (after the 101, which the
 * caller consumed). The server direction starts with its SETTINGS, the client's with
 * the preface. */
void fb_h2_upgrade(struct fb_h2 *h, const struct fb_msg *req, struct fb_str url, int64_t ts);
/* The connection ended: streams still open are handed over as they are (requests with
 * no response get FB_EX_NO_RESPONSE, cut bodies FB_MSG_TRUNCATED). Returns like feed. */
int fb_h2_finish(struct fb_h2 *h, int64_t ts);
void fb_h2_free(struct fb_h2 *h); /* NULL is a no-op; does not call on_exchange */

/* Whether data starts like the HTTP/2 client preface (at least the 24 bytes needed,
 * else 0) */
int fb_h2_is_preface(const uint8_t *data, size_t len);

#endif /* FB_H2_H */
