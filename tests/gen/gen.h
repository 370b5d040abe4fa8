/* gen.h - the project's own trace generator (tests only). A scenario is a JSON document
 * (see tests/gen/README.md); writers turn it into HTTP/1 message bytes, SAZ archives or
 * HAR files, so every test trace is made, not hand-edited.
 *
 * Ownership: json_t values are borrowed from the caller's scenario document.
 */
#ifndef FB_GEN_H
#define FB_GEN_H

#include <jansson.h>

/* Each returns 0 on success, or prints a message naming the problem to stderr and
 * returns non-zero. */
int fb_gen_saz(const json_t *scenario, const char *out_path);
int fb_gen_har(const json_t *scenario, const char *out_path);

#endif /* FB_GEN_H */
