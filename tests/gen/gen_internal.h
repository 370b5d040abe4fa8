/* gen_internal.h - helpers shared by the generator's writers (SAZ, HAR): loading bodies
 * from a scenario, compressing them, and writing HTTP/1 messages as bytes.
 * Tests only: never linked into fbdiag. See tests/gen/README.md for the scenario format.
 *
 * Ownership: json_t values are borrowed from the scenario; struct fb_gen_msg owns its
 * two buffers (fb_gen_msg_cleanup frees them). Functions that fail print a message to
 * stderr naming the problem and return -1.
 */
#ifndef FB_GEN_INTERNAL_H
#define FB_GEN_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fbdiag/buf.h"

/* Cap of every generated buffer (a test never needs more). */
#define FB_GEN_MAX_BYTES ((size_t)512 << 20)

/* One request or response as the scenario describes it, resolved. */
struct fb_gen_msg {
    int is_response;
    const char *method, *url, *target; /* request; target = what the request line says */
    int status;                        /* response */
    const char *reason;
    const char *version;          /* "HTTP/1.1" unless given */
    const json_t *headers;        /* [[name, value], ...] (borrowed), may be NULL */
    const char *content_encoding; /* to apply, or NULL */
    int set_content_encoding;     /* the writer adds the header (scenario did not) */
    int chunked;
    size_t chunk_size;      /* 0: one chunk */
    const json_t *trailers; /* [[name, value], ...] or NULL */
    int no_content_length;
    struct fb_buf body; /* as the scenario gave it (identity) */
    struct fb_buf wire; /* body after content_encoding (before chunking) */
};

/* How fb_gen_msg_write shapes the message (bits). */
enum {
    FB_GEN_W_DECODED = 1u << 0,   /* Fiddler "decoded": no Transfer-Encoding and no
                                     Content-Encoding, identity body, Content-Length */
    FB_GEN_W_DROP_BODY = 1u << 1, /* headers as usual, body bytes left out */
};

/* Directory of the scenario file (for body_file): the scenario's "base_dir" string, or
 * "." when absent. Borrowed. */
const char *fb_gen_base_dir(const json_t *scenario);

/* Fills m from an exchange (response = 0: its request; 1: its "response" object, which
 * must not be null). Loads and compresses the body. Returns 0 or -1. */
int fb_gen_msg_load(const json_t *scenario, const json_t *exchange, int response,
                    struct fb_gen_msg *m);
void fb_gen_msg_cleanup(struct fb_gen_msg *m);

/* Loads obj's "body" / "body_file" / "body_base64" / "body_size" (N bytes of a
 * repeating text pattern) into out; none of them: empty. 0 or -1. */
int fb_gen_load_body(const json_t *scenario, const json_t *obj, struct fb_buf *out);

/* Applies the codings of a Content-Encoding value left to right ("gzip, br": gzip
 * first, as a server would list them). Codings: gzip, x-gzip, deflate (zlib-wrapped),
 * deflate-raw (raw deflate, written as "deflate" on the wire), br, zstd, identity.
 * out receives the result. 0 or -1 (unknown coding). */
int fb_gen_encode(const char *encodings, const uint8_t *in, size_t len, struct fb_buf *out);
/* The header value to write for an encodings list ("deflate-raw" becomes "deflate"),
 * into dst (NUL-terminated, cut at cap). */
void fb_gen_encoding_header(const char *encodings, char *dst, size_t cap);

/* Appends the whole message (start line, headers, blank line, framed body) to out.
 * Content-Length is computed unless the scenario set it, chunked or no_content_length;
 * Content-Encoding / Transfer-Encoding are added when the writer applied them. */
int fb_gen_msg_write(const struct fb_gen_msg *m, unsigned wflags, struct fb_buf *out);

/* Writes the interim responses listed in the response's "interim" array ([100, ...])
 * to out. 0 or -1. */
int fb_gen_write_interim(const json_t *response, struct fb_buf *out);

/* Parses an ISO 8601 timestamp ("2026-11-25T09:00:00.123Z", offsets too, up to 7
 * fractional digits) into microseconds since the epoch, UTC. 0 or -1. */
int fb_gen_parse_time(const char *s, int64_t *us);

/* The wall-clock time at us (microseconds since the epoch, UTC) shifted by offset_min
 * minutes, as "YYYY-MM-DDTHH:MM:SS" in base (at least 20 bytes), and the microseconds past
 * that second in *frac_us. */
void fb_gen_format_time(int64_t us, int offset_min, char *base, size_t cap, int64_t *frac_us);

/* "+hh:mm" / "-hh:mm" for an offset in minutes. */
void fb_gen_format_offset(int offset_min, char *dst, size_t cap);

/* Field helpers: the member as a string / integer / bool, or dflt when absent. */
const char *fb_gen_str(const json_t *obj, const char *key, const char *dflt);
long long fb_gen_int(const json_t *obj, const char *key, long long dflt);
int fb_gen_bool(const json_t *obj, const char *key, int dflt);

/* Header helpers over a [[name, value], ...] array: the value of the first header named
 * name (case-insensitive), or NULL. */
const char *fb_gen_header(const json_t *headers, const char *name);

#endif /* FB_GEN_INTERNAL_H */
