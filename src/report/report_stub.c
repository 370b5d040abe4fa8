/* report_stub.c - STUB, to be deleted at merge: stands in for src/report/ (another
 * branch implements the real renderers of report.h) so that `fbdiag exchanges` links.
 * It prints nothing per exchange; _end prints only the count ("N exchanges").
 */
#include "fbdiag/report.h"

#include <stdint.h>
#include <stdlib.h>

#include "fbdiag/trace.h"

struct fb_exchange_writer {
    FILE *out;
    uint64_t count;
};

struct fb_exchange_writer *fb_report_exchanges_begin(FILE *out, const struct fb_report_opts *o)
{
    (void)o;
    struct fb_exchange_writer *w = fb_xcalloc(1, sizeof *w);
    w->out = out;
    return w;
}

int fb_report_exchanges_add(struct fb_exchange_writer *w, const char *input_path,
                            const struct fb_exchange *ex)
{
    (void)input_path, (void)ex;
    w->count++;
    return 0;
}

int fb_report_exchanges_end(struct fb_exchange_writer *w)
{
    int rc = fprintf(w->out, "%llu exchanges\n", (unsigned long long)w->count) < 0 ? FB_ERR_IO : 0;
    free(w);
    return rc;
}

void fb_report_trace_notes(FILE *err, const struct fb_trace *t)
{
    (void)err, (void)t;
}
