/* analyze.c - the pipeline of one case: readers -> capture quality + extract -> facts
 * (see analyze.h). The reader frees each exchange after the callback; what outlives it
 * is copied into the trace arena by extract/. */
#include "fbdiag/analyze.h"

#include <string.h>

#include "fbdiag/capture.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/trace.h"

struct input_ctx {
    struct fb_trace *t;
    struct fb_input_info *info;
    uint32_t input_idx;
    const char *path;
    struct fb_capture capture;
};

static int on_exchange(const struct fb_exchange *ex, void *user)
{
    struct input_ctx *ctx = user;
    fb_capture_observe(&ctx->capture, ex);
    if (ex->flags & FB_EX_CONNECTION) /* no HTTP on it: capture facts only */
        return 0;
    ctx->info->n_exchanges++;
    struct fb_call *call = NULL;
    if (fb_extract_exchange(ex, ctx->input_idx, &ctx->t->arena, ctx->t, ctx->path, &call) == 1 &&
        call)
        fb_trace_add_call(ctx->t, call);
    return 0;
}

int fb_analyze_inputs(const char *const *paths, size_t n, const struct fb_read_opts *o,
                      struct fb_trace *t, struct fb_diag *first_error)
{
    int first_rc = FB_OK;
    for (size_t i = 0; i < n; i++) {
        struct fb_input_info *info = fb_trace_add_input(t, paths[i]);
        if (!info) {
            fb_trace_warn(t, paths[i], NULL, "more than %d inputs in one case: not read",
                          FB_TRACE_MAX_INPUTS);
            continue;
        }
        struct input_ctx ctx = {t, info, (uint32_t)(t->n_inputs - 1), info->path, {0}};
        fb_capture_init(&ctx.capture);
        struct fb_diag d;
        fb_diag_clear(&d);
        int rc = fb_input_read(paths[i], o, on_exchange, &ctx, t, info, &d);
        if (rc < 0) {
            info->status = rc;
            info->error = fb_arena_cstr(&t->arena, d.msg, strlen(d.msg));
            if (first_rc == FB_OK) {
                first_rc = rc;
                if (first_error)
                    *first_error = d;
            }
        }
        fb_capture_finish(&ctx.capture, t, info->path);
    }
    fb_facts_compute(t);
    /* A trace taken on an Exchange server authenticates its outbound calls inside the
     * SOAP body (WS-Security), not with Authorization or Cookie headers: no headers there
     * is not a sign of a sanitized export. */
    if (t->facts->vantage == FB_VANTAGE_EXCHANGE_SERVER)
        memset(&t->advice[FB_ADV_SANITIZED], 0, sizeof t->advice[FB_ADV_SANITIZED]);
    return first_rc;
}
