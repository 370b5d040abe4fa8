/* gen_stub.c - placeholder writers until the SAZ and HAR writers land. */
#include <stdio.h>

#include "gen.h"

int fb_gen_saz(const json_t *scenario, const char *out_path)
{
    (void)scenario;
    fprintf(stderr, "fbgen: SAZ writer not built yet (%s)\n", out_path);
    return 1;
}

int fb_gen_har(const json_t *scenario, const char *out_path)
{
    (void)scenario;
    fprintf(stderr, "fbgen: HAR writer not built yet (%s)\n", out_path);
    return 1;
}
