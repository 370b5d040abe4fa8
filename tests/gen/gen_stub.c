/* gen_stub.c - placeholder HAR writer until tests/gen/gen_har.c lands. */
#include <stdio.h>

#include "gen.h"

int fb_gen_har(const json_t *scenario, const char *out_path)
{
    (void)scenario;
    fprintf(stderr, "fbgen: HAR writer not built yet (%s)\n", out_path);
    return 1;
}
