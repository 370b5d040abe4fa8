/* tls.h - TLS as a capture shows it: the record layer of both directions of a
 * connection, and what the handshake says without keys (SNI, offered and chosen version
 * and suite, ALPN, alerts with their names, the TLS <= 1.2 server certificate's subject
 * and expiry). Decryption from key logs builds on this (later); until then application
 * data is counted, not read.
 *
 * Ownership: fb_tls_new returns an owned object (fb_tls_free). Strings in the facts it
 * fills are copied into the arena given to fb_tls_new and live as long as it.
 */
#ifndef FB_TLS_H
#define FB_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"

struct fb_arena;

enum fb_tls_dir { FB_TLS_C2S = 0, FB_TLS_S2C = 1 };

/* Whether data starts like a TLS record carrying a ClientHello (content type 22,
 * version 0x03xx, handshake type 1); needs 6 bytes, else 0. */
int fb_tls_is_client_hello(const uint8_t *data, size_t len);

struct fb_tls;
/* facts is filled in as records arrive (borrowed: must outlive the parser). */
struct fb_tls *fb_tls_new(struct fb_tls_facts *facts, struct fb_arena *strings);
/* In-order bytes of one direction, any split. Handshake messages may span records and
 * records may span feeds (reassembled up to 64 KiB per message; larger ones are
 * skipped). Never fails: malformed records stop the parse of that direction. */
void fb_tls_feed(struct fb_tls *t, enum fb_tls_dir dir, const uint8_t *p, size_t n, int64_t ts);
/* A gap: record framing of dir is lost (the parser looks for the next record header). */
void fb_tls_gap(struct fb_tls *t, enum fb_tls_dir dir);
/* Bytes of application data seen per direction (records of type 23). */
uint64_t fb_tls_app_bytes(const struct fb_tls *t, enum fb_tls_dir dir);
/* The ClientHello's random (32 bytes) once seen, else NULL: the key-log lookup key. */
const uint8_t *fb_tls_client_random(const struct fb_tls *t);
void fb_tls_free(struct fb_tls *t); /* NULL is a no-op */

#endif /* FB_TLS_H */
