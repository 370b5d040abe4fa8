/* capture.c - capture-quality counters and the whole-trace advice they raise (rules in
 * capture.h). Reads only flags, versions and two header names of each exchange; never
 * bodies. */
#include "fbdiag/capture.h"

#include <string.h>

#include "fbdiag/trace.h"

void fb_capture_init(struct fb_capture *c)
{
    memset(c, 0, sizeof *c);
}

static void remember(char *dst, struct fb_str src)
{
    if (dst[0] || !src.ptr || !src.len)
        return;
    size_t n = src.len < FB_CAPTURE_SOURCE_MAX - 1 ? src.len : FB_CAPTURE_SOURCE_MAX - 1;
    memcpy(dst, src.ptr, n);
    dst[n] = '\0';
}

void fb_capture_observe(struct fb_capture *c, const struct fb_exchange *ex)
{
    if (ex->flags & FB_EX_CONNECTION) {
        c->connections++;
        if (ex->conn.tls.seen && !ex->conn.tls.decrypted) {
            c->tls_undecrypted++;
            remember(c->first_tls_undecrypted, ex->source);
        }
        return;
    }
    c->exchanges++;
    if (ex->conn.client.addr.family)
        c->from_capture++;
    int tunnel = (ex->flags & FB_EX_TUNNEL) != 0;
    if (tunnel) {
        c->tunnels++;
        remember(c->first_tunnel, ex->source);
    } else {
        c->requests++;
        remember(c->first_request, ex->source);
        if ((ex->flags & FB_EX_HTTPS) || (ex->url.ptr && fb_str_istarts(ex->url, "https://")))
            c->https_decrypted++;
        if (fb_msg_header(&ex->req, "Authorization") || fb_msg_header(&ex->req, "Cookie"))
            c->with_credentials++;
    }
    if (ex->flags & FB_EX_UNDECRYPTED) {
        c->undecrypted++;
        remember(c->first_undecrypted, ex->source);
    }
    if (ex->version == FB_HTTP3)
        c->http3++;
    if (ex->resp.status > 0) {
        c->responses++;
        if (ex->resp.body.len > 0)
            c->bodies++;
        if (ex->resp.flags & FB_MSG_BODY_OMITTED) {
            c->body_omitted++;
            remember(c->first_body_omitted, ex->source);
        }
    }
    if (ex->flags & FB_EX_PROXY_GENERATED)
        c->proxy_generated++;
    if (ex->flags & (FB_EX_NO_RESPONSE | FB_EX_ABORTED))
        c->no_response++;
    if ((ex->req.flags | ex->resp.flags) & FB_MSG_TRUNCATED)
        c->truncated++;
}

/* fb_trace_advise counts one exchange per call; the first call names the source. */
static void advise_n(struct fb_trace *t, enum fb_advice_kind k, const char *input,
                     const char *first, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        fb_trace_advise(t, k, input, i == 0 && first[0] ? first : NULL);
}

int fb_capture_finish(const struct fb_capture *c, struct fb_trace *t, const char *input)
{
    int raised = 0;
    if (c->undecrypted >= 1) {
        advise_n(t, FB_ADV_UNDECRYPTED_HTTPS, input, c->first_undecrypted, c->undecrypted);
        raised++;
    } else if (c->tunnels >= 1 && c->https_decrypted == 0) {
        advise_n(t, FB_ADV_UNDECRYPTED_HTTPS, input, c->first_tunnel, c->tunnels);
        raised++;
    }
    if (c->requests >= FB_CAPTURE_SANITIZED_MIN && c->with_credentials == 0 &&
        c->from_capture == 0) {
        advise_n(t, FB_ADV_SANITIZED, input, c->first_request, c->requests);
        raised++;
    }
    if (c->tls_undecrypted >= 1) {
        advise_n(t, FB_ADV_TLS_NO_KEYS, input, c->first_tls_undecrypted, c->tls_undecrypted);
        raised++;
    }
    if (c->body_omitted >= 1 && c->bodies == 0) {
        advise_n(t, FB_ADV_NO_BODIES, input, c->first_body_omitted, c->body_omitted);
        raised++;
    }
    return raised;
}
