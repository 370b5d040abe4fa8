/* source.h - a pull source of input bytes: a regular file mapped whole (the window is
 * the mapping) or a pipe / character device read into a growing window. SHA-256 is
 * computed as bytes are consumed, so no separate pass over the input is needed.
 * Readers peek a window, parse it, and consume what they used.
 *
 * Ownership: fb_source_new returns an owned object (fb_source_free). A window returned
 * by fb_source_peek is borrowed and valid until the next peek, consume or free.
 */
#ifndef FB_SOURCE_H
#define FB_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_source;

/* Opens path ("-" is standard input). max_window bounds what a pipe's window may grow
 * to (a peek wanting more fails with FB_ERR_LIMIT); 0 means 1 GiB. FB_ERR_IO with d
 * set when it cannot be opened; directories are refused (EISDIR). */
FB_NODISCARD int fb_source_open(struct fb_source **out, const char *path, size_t max_window,
                                struct fb_diag *d);
/* A source over bytes the caller keeps alive (tests, fuzz targets). */
struct fb_source *fb_source_from_memory(const uint8_t *data, size_t len);
void fb_source_free(struct fb_source *s); /* NULL is a no-op */

/* Makes at least want bytes from the current position available: *p points at them and
 * *got says how many there are (more than want when the window holds more; fewer only
 * at the end of the input). Returns 0, FB_ERR_IO (read error, d set) or FB_ERR_LIMIT. */
FB_NODISCARD int fb_source_peek(struct fb_source *s, size_t want, const uint8_t **p, size_t *got);
/* Consumes n bytes (n <= what the last peek returned); they are hashed. */
void fb_source_consume(struct fb_source *s, size_t n);
/* Bytes consumed so far. */
uint64_t fb_source_offset(const struct fb_source *s);
/* The whole content when it is mapped (a regular file), else NULL: readers that need
 * random access (SAZ) use it. */
const uint8_t *fb_source_mapped(const struct fb_source *s, size_t *len);
/* Reads everything left (consuming it) into one contiguous buffer owned by the source
 * and returns it (for whole-buffer readers on pipes: SAZ, HAR). At most max bytes:
 * FB_ERR_LIMIT beyond (d names the cap). For a mapped file this is the mapping. */
FB_NODISCARD int fb_source_slurp(struct fb_source *s, size_t max, const uint8_t **data,
                                 size_t *len, struct fb_diag *d);
/* Consumes and hashes whatever is left, then writes the SHA-256 of every byte of the
 * input as 64 lowercase hex digits and a NUL. */
void fb_source_sha256(struct fb_source *s, char out[65]);
/* Total size when known (regular file), else -1. */
int64_t fb_source_size(const struct fb_source *s);
/* An error a peek met (errno text), or NULL. */
const char *fb_source_error(const struct fb_source *s);

#endif /* FB_SOURCE_H */
