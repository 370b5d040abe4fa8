/* tmp_stubs.c - TEMPORARY stand-ins for functions other branches provide (wt-exc,
 * wt-soap); deleted once those branches are merged. */
#include "fbdiag/extract.h"

void fb_finding_parse_text(struct fb_finding *f, struct fb_arena *a)
{
    (void)f;
    (void)a;
}

int fb_extract_soap(const struct fb_exchange *ex, struct fb_call *call, struct fb_arena *a,
                    struct fb_trace *t, const char *input_path)
{
    (void)ex;
    (void)call;
    (void)a;
    (void)t;
    (void)input_path;
    return 0;
}
