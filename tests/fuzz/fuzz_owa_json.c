/* fuzz_owa_json.c - feeds bytes to the JSON extractor through fb_extract_exchange three
 * ways: as the OWA GetUserAvailabilityInternal response to a fixed 2-mailbox request, as
 * that request's body (with a fixed response), and as a Graph getSchedule response.
 * One arena per input (the exchange and the trace share it). */
#include <stdint.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/trace.h"

static const char owa_req[] =
    "{\"request\":{\"Body\":{\"MailboxDataArray\":[{\"Email\":{\"Address\":\"a@contoso.com\"}},"
    "{\"Email\":{\"Address\":\"b@datum.com\"}}],\"FreeBusyViewOptions\":{\"RequestedView\":"
    "\"DetailedMerged\"}}}}";
static const char owa_resp[] =
    "{\"Body\":{\"Responses\":[{\"ResponseMessage\":{\"ResponseClass\":\"Success\"},"
    "\"CalendarView\":{\"FreeBusyViewType\":\"DetailedMerged\",\"MergedFreeBusy\":\"0\"}},"
    "{\"ResponseMessage\":{\"ResponseClass\":\"Error\",\"ResponseCode\":\"ErrorX\"}}]}}";
static const char graph_req[] = "{\"schedules\":[\"a@contoso.com\",\"B@datum.com\"]}";

static struct fb_header hdr(const char *n, const char *v)
{
    struct fb_header h = {fb_str_cstr(n), fb_str_cstr(v)};
    return h;
}

static void one(const char *url, struct fb_str req, struct fb_str resp, int status,
                struct fb_header *rqh, size_t n_rqh)
{
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_exchange ex;
    fb_exchange_init(&ex, &t.arena);
    ex.source = FB_STR_LIT("fuzz:0");
    ex.url = fb_str_cstr(url);
    ex.req.method = FB_STR_LIT("POST");
    ex.req.body = req;
    ex.req.headers = rqh;
    ex.req.n_headers = n_rqh;
    ex.resp.status = status;
    ex.resp.reason = FB_STR_LIT("OK");
    ex.resp.body = resp;
    struct fb_call *call;
    (void)fb_extract_exchange(&ex, 0, &t.arena, &t, "fuzz", &call);
    fb_trace_cleanup(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char owa_url[] =
        "https://outlook.office365.com/owa/service.svc?action=GetUserAvailabilityInternal";
    struct fb_str in = fb_str_make((const char *)data, size);
    struct fb_header anchor = hdr("X-AnchorMailbox", "x1@contoso.com");
    one(owa_url, FB_STR_LIT(owa_req), in, 200, &anchor, 1);
    one(owa_url, in, FB_STR_LIT(owa_resp), 200, &anchor, 1);
    /* the same bytes as X-OWA-UrlPostData (empty body) */
    struct fb_header post[2] = {anchor, {FB_STR_LIT("X-OWA-UrlPostData"), in}};
    one(owa_url, FB_STR_LIT(""), FB_STR_LIT(owa_resp), 200, post, 2);
    one("https://graph.microsoft.com/v1.0/users/a%40contoso.com/calendar/getSchedule",
        FB_STR_LIT(graph_req), in, 200, NULL, 0);
    one("https://mail.contoso.com/owa/service.svc?action=GetCalendarView", FB_STR_LIT("{}"), in,
        500, NULL, 0);
    return 0;
}
