/* compress.h - test-only compressors (zlib, libbrotlienc, libzstd) that make the encoded
 * bodies the decode and http1 tests feed back in, so no test uses a hand-made blob.
 *
 * Ownership: each returns a fresh heap buffer the caller frees with free(); *out_len
 * gets its size. They abort on failure (a test bug, never input-driven).
 */
#ifndef FB_TEST_COMPRESS_H
#define FB_TEST_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

uint8_t *fb_test_gzip(const void *in, size_t n, size_t *out_len);        /* RFC 1952 */
uint8_t *fb_test_zlib(const void *in, size_t n, size_t *out_len);        /* RFC 1950 */
uint8_t *fb_test_raw_deflate(const void *in, size_t n, size_t *out_len); /* RFC 1951 */
uint8_t *fb_test_brotli(const void *in, size_t n, size_t *out_len);      /* quality 5 */
/* content_size 0 leaves the frame content size out (as streaming servers do). */
uint8_t *fb_test_zstd(const void *in, size_t n, int content_size, size_t *out_len);

#endif /* FB_TEST_COMPRESS_H */
