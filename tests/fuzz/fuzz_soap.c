/* fuzz_soap.c - fb_extract_soap on hostile bodies: each input is tried once as the
 * response to a fixed GetUserAvailability request for two mailboxes, and once as a
 * request body with no response. One arena and one trace per input. */
#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/exchange.h"
#include "fbdiag/extract.h"
#include "fbdiag/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_request[] =
    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "
    "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><s:Body>"
    "<m:GetUserAvailabilityRequest><m:MailboxDataArray>"
    "<t:MailboxData><t:Email><t:Address>one@contoso.com</t:Address></t:Email></t:MailboxData>"
    "<t:MailboxData><t:Email><t:Address>two@fabrikam.com</t:Address></t:Email></t:MailboxData>"
    "</m:MailboxDataArray><t:FreeBusyViewOptions><t:RequestedView>DetailedMerged"
    "</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></s:Body>"
    "</s:Envelope>";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser(); /* libxml2's global tables, once, before any input */
    return 0;
}

static void run(struct fb_str req, struct fb_str resp)
{
    struct fb_arena a;
    struct fb_trace t;
    struct fb_exchange ex;
    struct fb_call call;
    fb_arena_init(&a);
    fb_trace_init(&t);
    fb_exchange_init(&ex, &a);
    memset(&call, 0, sizeof call);
    call.source = "fuzz:0";
    ex.req.body = req;
    ex.resp.body = resp;
    ex.resp.status = resp.len ? 200 : 0;
    (void)fb_extract_soap(&ex, &call, &a, &t, "fuzz");
    fb_trace_cleanup(&t);
    fb_arena_cleanup(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_str body = fb_str_make((const char *)data, size);
    run(fb_str_make(fixed_request, sizeof fixed_request - 1), body);
    run(body, FB_STR_NULL);
    return 0;
}
