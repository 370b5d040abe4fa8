/* json_load.c - the HAR floor: a bare json_loadb of a file, so `make bench-har` can say how
 * far the HAR reader is from parsing alone (pitfalls.md: measure HAR speed against it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "fbdiag/util.h"

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    uint8_t *data;
    size_t len;
    if (fb_read_file(argv[1], (size_t)4 << 30, &data, &len) != FB_OK)
        return 1;
    json_error_t err;
    json_t *root = json_loadb((const char *)data, len, JSON_ALLOW_NUL, &err);
    free(data);
    if (!root) {
        fprintf(stderr, "json_load: %s\n", err.text);
        return 1;
    }
    json_decref(root);
    return 0;
}
