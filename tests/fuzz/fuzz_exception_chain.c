/* fuzz_exception_chain.c - libFuzzer target for the .NET exception chain parser and the
 * finding-text scanner (exc_chain.c): the input is one MessageText / faultstring. Checks
 * the documented caps on every input (abort() makes a violation a finding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chain(const struct fb_exc_chain *ch)
{
    if (ch->n_links > 32 || (ch->n_links && !ch->links))
        abort();
    for (size_t i = 0; i < ch->n_links; i++)
        if (!ch->links[i].message || strlen(ch->links[i].message) > 4096)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exc_chain ch;
    fb_exc_chain_parse(fb_str_make((const char *)data, size), &a, &ch);
    check_chain(&ch);

    struct fb_finding f;
    memset(&f, 0, sizeof f);
    /* the first byte picks the field the text arrives in */
    const char *text = fb_arena_cstr(&a, (const char *)data, size);
    if (size && (data[0] & 1))
        f.fault_string = text;
    else
        f.message_text = text;
    fb_finding_parse_text(&f, &a);
    check_chain(&f.chain);
    if (f.n_urls > FB_FINDING_MAX_URLS)
        abort();
    for (size_t i = 0; i < f.n_urls; i++)
        if (!f.urls[i] || strncasecmp(f.urls[i], "http", 4) != 0) /* schemes are case-insensitive */
            abort();
    fb_arena_cleanup(&a);
    return 0;
}
