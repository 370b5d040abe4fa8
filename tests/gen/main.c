/* main.c - fbgen: writes a test trace from a scenario description.
 *
 *   fbgen saz SCENARIO.json OUT.saz
 *   fbgen har SCENARIO.json OUT.har
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fbgen saz|har SCENARIO.json OUT\n");
        return 2;
    }
    json_error_t err;
    json_t *sc = json_load_file(argv[2], 0, &err);
    if (!sc) {
        fprintf(stderr, "fbgen: %s:%d: %s\n", argv[2], err.line, err.text);
        return 2;
    }
    /* body_file paths are relative to the scenario's directory */
    if (!json_object_get(sc, "base_dir")) {
        const char *slash = strrchr(argv[2], '/');
        json_object_set_new(sc, "base_dir",
                            slash ? json_stringn(argv[2], (size_t)(slash - argv[2]))
                                  : json_string("."));
    }
    int rc;
    if (strcmp(argv[1], "saz") == 0)
        rc = fb_gen_saz(sc, argv[3]);
    else if (strcmp(argv[1], "har") == 0)
        rc = fb_gen_har(sc, argv[3]);
    else {
        fprintf(stderr, "fbgen: unknown output kind '%s'\n", argv[1]);
        rc = 2;
    }
    json_decref(sc);
    return rc ? 1 : 0;
}
