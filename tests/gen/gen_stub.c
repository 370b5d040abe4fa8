/* gen_stub.c - placeholder SAZ writer until the SAZ writer lands (HAR: gen_har.c). */
#include <stdio.h>

#include "gen.h"

int fb_gen_saz(const json_t *scenario, const char *out_path)
{
    (void)scenario;
    fprintf(stderr, "fbgen: SAZ writer not built yet (%s)\n", out_path);
    return 1;
}
