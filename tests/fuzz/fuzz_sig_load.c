/* fuzz_sig_load.c - libFuzzer target for the signature rule loader
 * (fb_sig_db_add_text with a NULL database): libyaml parsing, field and fact checks,
 * operator parsing and PCRE2 compilation must reject or accept any bytes without leaks
 * or out-of-bounds reads, and a rejection must always say where. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fbdiag/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_diag d = {{0}, {0}};
    int rc = fb_sig_db_add_text(NULL, "fuzz.yaml", (const char *)data, size, &d);
    if (rc != 0 && (rc != FB_ERR_FORMAT || d.where[0] == '\0'))
        abort(); /* a rejection is FB_ERR_FORMAT with a place */
    return 0;
}
