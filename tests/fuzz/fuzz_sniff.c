/* fuzz_sniff.c - libFuzzer target for format detection (fb_input_sniff): magic checks,
 * the ETL header walk and the gzip-inflated HAR check must stay in bounds for any bytes
 * and any length. */
#include <stddef.h>
#include <stdint.h>

#include "fbdiag/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum fb_format f = fb_input_sniff(data, size);
    (void)fb_format_name(f);
    /* every prefix too: detection sees truncated inputs from short reads */
    for (size_t n = 0; n < size && n < 128; n++)
        (void)fb_input_sniff(data, n);
    return 0;
}
