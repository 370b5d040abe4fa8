/* fuzz_log_line.c - the --log reader: plain text, CSV rows with quotes, UTF-16LE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fb_xmalloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_log_set l;
    fb_log_set_init(&l, &a);
    fb_log_set_parse(&l, copy, size, "fuzz.log");
    for (size_t i = 0; i < l.n; i++)
        if (strlen(l.lines[i]) > 64 * 1024)
            abort();
    fb_arena_cleanup(&a);
    free(copy);
    return 0;
}
