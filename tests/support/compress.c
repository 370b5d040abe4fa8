/* compress.c - the test-only compressors of compress.h (zlib deflate with three
 * wrappers, brotli's one-shot encoder, zstd with or without the content size). */
#include "compress.h"

#include <brotli/encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include "fbdiag/util.h"

static uint8_t *deflate_with(int wbits, const void *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = fb_xmalloc(cap);
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

uint8_t *fb_test_gzip(const void *in, size_t n, size_t *out_len)
{
    return deflate_with(16 + MAX_WBITS, in, n, out_len);
}

uint8_t *fb_test_zlib(const void *in, size_t n, size_t *out_len)
{
    return deflate_with(MAX_WBITS, in, n, out_len);
}

uint8_t *fb_test_raw_deflate(const void *in, size_t n, size_t *out_len)
{
    return deflate_with(-MAX_WBITS, in, n, out_len);
}

uint8_t *fb_test_brotli(const void *in, size_t n, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(n);
    if (cap == 0)
        cap = n + 1024;
    uint8_t *out = fb_xmalloc(cap);
    *out_len = cap;
    if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, out_len, out))
        abort();
    return out;
}

uint8_t *fb_test_zstd(const void *in, size_t n, int content_size, size_t *out_len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!cc)
        abort();
    size_t cap = ZSTD_compressBound(n);
    uint8_t *out = fb_xmalloc(cap);
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, content_size ? 1 : 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)))
        abort();
    /* streaming without a pledged size: the frame header then has no content size
     * unless the whole input fits one call and the flag is set */
    size_t r;
    do {
        r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
        if (ZSTD_isError(r))
            abort();
    } while (r != 0);
    *out_len = ob.pos;
    ZSTD_freeCCtx(cc);
    return out;
}
