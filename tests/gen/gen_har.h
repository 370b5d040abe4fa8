/* gen_har.h - the HAR writer of the test generator, in memory (tests/gen/gen_har.c).
 * fb_gen_har (gen.h) writes the same bytes to a file. Keys: tests/gen/README-har.md.
 *
 * Ownership: *out is heap memory the caller frees with free().
 */
#ifndef FB_GEN_HAR_H
#define FB_GEN_HAR_H

#include <jansson.h>
#include <stddef.h>

/* Renders scenario as a HAR file in the producer style it names. Returns 0 and sets
 * *out / *out_len, or prints the problem to stderr and returns non-zero. */
int fb_gen_har_mem(const json_t *scenario, unsigned char **out, size_t *out_len);

#endif /* FB_GEN_HAR_H */
