/* readers_stub.c - STUB, to be deleted at merge: weak stand-ins for the SAZ and HAR
 * readers (src/input/saz.c, src/input/har.c) and for fb_http1_limits_default
 * (src/http/http1.c), which other branches implement. They let this branch link; each
 * reader answers FB_ERR_UNSUPPORTED ("<format> reading is not available in this build").
 *
 * Warning: a weak definition in a static library can keep the linker from pulling the
 * real object out of the archive, so this file must go when the real readers land.
 */
#include "readers.h"

#include <string.h>

static int saz_unavailable(const struct fb_input_src *src, const struct fb_read_opts *o,
                           fb_exchange_cb cb, void *user, struct fb_trace *t, struct fb_diag *d)
{
    (void)o, (void)cb, (void)user, (void)t;
    return fb_diag_set(d, FB_ERR_UNSUPPORTED, src->path, "saz reading is not available in this build");
}

__attribute__((weak)) const struct fb_reader fb_saz_reader = {"saz", saz_unavailable};

__attribute__((weak)) void fb_http1_limits_default(struct fb_http1_limits *l)
{
    memset(l, 0, sizeof *l);
}
