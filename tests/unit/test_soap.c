/* test_soap.c - fb_extract_soap on hand-built exchanges: EWS GetUserAvailability outcomes
 * (ok, error, proxied-leg error, degraded, count mismatch), SOAP 1.1 and 1.2 faults,
 * Autodiscover SOAP and POX, namespace variants, and the XML safety rules (DOCTYPE refused,
 * entities never expanded, malformed bodies recovered). Payloads are written for these
 * tests after the shapes in protocol.md; names and hosts are fictitious. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/exchange.h"
#include "fbdiag/extract.h"
#include "fbdiag/trace.h"

#define ENV_NS                                                                                     \
    "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "                                       \
    "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "                    \
    "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\""
#define ERR_NS "xmlns=\"http://schemas.microsoft.com/exchange/services/2006/errors\""

struct fx {
    struct fb_arena exa, a;
    struct fb_trace t;
    struct fb_exchange ex;
    struct fb_call call;
};

static void fx_init(struct fx *x)
{
    fb_arena_init(&x->exa);
    fb_arena_init(&x->a);
    fb_trace_init(&x->t);
    fb_exchange_init(&x->ex, &x->exa);
    memset(&x->call, 0, sizeof x->call);
    x->call.kind = FB_CALL_EWS_GUA;
    x->call.source = "saz:7";
}

static int fx_run(struct fx *x)
{
    return fb_extract_soap(&x->ex, &x->call, &x->a, &x->t, "case.saz");
}

/* request and/or response bodies (NULL: not captured), response status */
static int run(struct fx *x, const char *req, const char *resp, int status)
{
    fx_init(x);
    if (req)
        x->ex.req.body = fb_str_cstr(req);
    if (resp) {
        x->ex.resp.body = fb_str_cstr(resp);
        x->ex.resp.status = status;
    }
    return fx_run(x);
}

static void fx_done(struct fx *x)
{
    fb_trace_cleanup(&x->t);
    fb_arena_cleanup(&x->a);
    fb_arena_cleanup(&x->exa);
}

static void init_xml(void)
{
    xmlInitParser();
}

TestSuite(soap, .init = init_xml);

/* ---- payload builders ------------------------------------------------------------ */

static const char *gua_req(struct fb_arena *a, const char *header, const char *view,
                           const char *const *mbs)
{
    const char *md = "";
    for (; *mbs; mbs++)
        md = fb_arena_printf(a,
                             "%s\n      <t:MailboxData><t:Email><t:Name></t:Name>"
                             "<t:Address>%s</t:Address></t:Email>"
                             "<t:AttendeeType>Required</t:AttendeeType>"
                             "<t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>",
                             md, *mbs);
    return fb_arena_printf(
        a,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<s:Envelope " ENV_NS ">\n"
        "  <s:Header><t:RequestServerVersion Version=\"Exchange2013_SP1\"/>%s</s:Header>\n"
        "  <s:Body>\n    <m:GetUserAvailabilityRequest>\n"
        "      <t:TimeZone><t:Bias>-60</t:Bias><t:StandardTime><t:Bias>0</t:Bias>"
        "<t:Time>03:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>10</t:Month>"
        "<t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime></t:TimeZone>\n"
        "      <m:MailboxDataArray>%s\n      </m:MailboxDataArray>\n"
        "      <t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2024-03-04T00:00:00</t:StartTime>"
        "<t:EndTime>2024-03-08T00:00:00</t:EndTime></t:TimeWindow>"
        "<t:MergedFreeBusyIntervalInMinutes>30</t:MergedFreeBusyIntervalInMinutes>"
        "<t:RequestedView> %s </t:RequestedView></t:FreeBusyViewOptions>\n"
        "    </m:GetUserAvailabilityRequest>\n  </s:Body>\n</s:Envelope>\n",
        header, md, view);
}

static const char *gua_resp(struct fb_arena *a, const char *fbrs)
{
    return fb_arena_printf(
        a,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<s:Envelope " ENV_NS ">\n"
        "  <s:Header><h:ServerVersionInfo MajorVersion=\"15\" MinorVersion=\"20\" "
        "MajorBuildNumber=\"7452\" MinorBuildNumber=\"21\" Version=\"V2018_01_08\" "
        "xmlns:h=\"http://schemas.microsoft.com/exchange/services/2006/types\"/></s:Header>\n"
        "  <s:Body><m:GetUserAvailabilityResponse><m:FreeBusyResponseArray>%s"
        "</m:FreeBusyResponseArray></m:GetUserAvailabilityResponse></s:Body>\n</s:Envelope>\n",
        fbrs);
}

static const char *fbr_ok(struct fb_arena *a, const char *view, const char *merged)
{
    return fb_arena_printf(
        a,
        "\n<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Success\">"
        "<m:ResponseCode>NoError</m:ResponseCode></m:ResponseMessage>"
        "<m:FreeBusyView><t:FreeBusyViewType>%s</t:FreeBusyViewType>"
        "<t:MergedFreeBusy>%s</t:MergedFreeBusy><t:CalendarEventArray><t:CalendarEvent>"
        "<t:StartTime>2024-03-04T09:00:00</t:StartTime><t:EndTime>2024-03-04T10:00:00</t:EndTime>"
        "<t:BusyType>Busy</t:BusyType></t:CalendarEvent></t:CalendarEventArray></m:FreeBusyView>"
        "</m:FreeBusyResponse>",
        view, merged);
}

static const char *const two_mbs[] = {"ines.ortega@contoso.com", "ravi.kumar@fabrikam.com", NULL};

/* ---- GetUserAvailability --------------------------------------------------------- */

Test(soap, gua_success_two_mailboxes)
{
    struct fx x;
    fx_init(&x);
    const char *imp = "<t:ExchangeImpersonation><t:ConnectingSID>"
                      "<t:PrimarySmtpAddress> booking-svc@contoso.com </t:PrimarySmtpAddress>"
                      "</t:ConnectingSID></t:ExchangeImpersonation>";
    const char *long_merged =
        "0000222200001111000033330000444400002222000011110000000022220000999988887777";
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, imp, "DetailedMerged", two_mbs));
    x.ex.resp.body = fb_str_cstr(
        gua_resp(&x.a, fb_arena_printf(&x.a, "%s%s", fbr_ok(&x.a, "DetailedMerged", "000022220000"),
                                       fbr_ok(&x.a, "Detailed", long_merged))));
    x.ex.resp.status = 200;
    cr_assert_eq(fx_run(&x), 0);

    cr_assert_str_eq(x.call.operation, "GetUserAvailability");
    cr_assert_str_eq(x.call.requester, "booking-svc@contoso.com");
    cr_assert_str_eq(x.call.http.server_version, "15.20.7452.21");
    cr_assert_eq(x.call.flags, 0u);
    cr_assert_eq(x.call.n_errors, 0);
    cr_assert_eq(x.t.n_warnings, 0);
    cr_assert_eq(x.call.n_attendees, 2);
    struct fb_attendee *a0 = &x.call.attendees[0], *a1 = &x.call.attendees[1];
    cr_assert_str_eq(a0->mailbox, "ines.ortega@contoso.com");
    cr_assert_eq(a0->result, FB_RES_OK);
    cr_assert_str_eq(a0->requested_view, "DetailedMerged");
    cr_assert_str_eq(a0->view_type, "DetailedMerged");
    cr_assert_str_eq(a0->merged_free_busy, "000022220000");
    cr_assert_null(a0->finding);
    cr_assert_str_eq(a1->mailbox, "ravi.kumar@fabrikam.com");
    cr_assert_eq(a1->result, FB_RES_OK); /* Detailed: same detail as DetailedMerged */
    cr_assert_str_eq(a1->view_type, "Detailed");
    cr_assert_eq(strlen(a1->merged_free_busy), 64);
    cr_assert_eq(strncmp(a1->merged_free_busy, long_merged, 64), 0);
    cr_assert_null(a1->finding);
    fx_done(&x);
}

Test(soap, server_version_from_header_does_not_replace_x_owa_version)
{
    struct fx x;
    fx_init(&x);
    x.call.http.server_version = "15.2.1544.4";
    x.ex.resp.body = fb_str_cstr(gua_resp(&x.a, fbr_ok(&x.a, "FreeBusy", "0")));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_str_eq(x.call.http.server_version, "15.2.1544.4");
    fx_done(&x);
}

static const char *fbr_no_access =
    "\n<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Error\">\n"
    "  <m:MessageText>  The requesting account may not see free/busy data of this mailbox. "
    "</m:MessageText>\n"
    "  <m:ResponseCode>ErrorNoFreeBusyAccess</m:ResponseCode>\n"
    "  <m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>\n"
    "  <m:MessageXml>\n"
    "    <ExceptionType " ERR_NS ">Microsoft.Exchange.InfoWorker.Common.Availability."
    "NoFreeBusyAccessException</ExceptionType>\n"
    "    <ExceptionCode " ERR_NS ">5037</ExceptionCode>\n"
    "    <ExceptionServerName " ERR_NS ">FBEXCH02</ExceptionServerName>\n"
    "    <ResponseSource " ERR_NS ">https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity"
    "</ResponseSource>\n"
    "  </m:MessageXml></m:ResponseMessage>\n"
    "  <m:FreeBusyView><t:FreeBusyViewType>None</t:FreeBusyViewType></m:FreeBusyView>\n"
    "</m:FreeBusyResponse>";

Test(soap, gua_mixed_ok_and_no_freebusy_access)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusyMerged", two_mbs));
    x.ex.resp.body = fb_str_cstr(
        gua_resp(&x.a, fb_arena_printf(&x.a, "%s%s", fbr_ok(&x.a, "FreeBusyMerged", "0120"),
                                       fbr_no_access)));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_eq(x.call.n_errors, 0);
    cr_assert_eq(x.t.n_warnings, 0);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_OK);
    cr_assert_null(x.call.attendees[0].finding);
    struct fb_attendee *b = &x.call.attendees[1];
    cr_assert_str_eq(b->mailbox, "ravi.kumar@fabrikam.com");
    cr_assert_eq(b->result, FB_RES_ERROR);
    cr_assert_str_eq(b->view_type, "None");
    cr_assert_null(b->merged_free_busy);
    struct fb_finding *f = b->finding;
    cr_assert_not_null(f);
    cr_assert_str_eq(f->response_class, "Error");
    cr_assert_str_eq(f->response_code, "ErrorNoFreeBusyAccess");
    cr_assert_str_eq(f->message_text,
                     "The requesting account may not see free/busy data of this mailbox.");
    cr_assert_str_eq(f->descriptive_link_key, "0");
    cr_assert_str_eq(f->exception_type,
                     "Microsoft.Exchange.InfoWorker.Common.Availability.NoFreeBusyAccessException");
    cr_assert_str_eq(f->exception_code, "5037");
    cr_assert_str_eq(f->exception_server, "FBEXCH02");
    cr_assert_null(f->exception_message);
    cr_assert_str_eq(f->response_source, "https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity");
    cr_assert_eq(f->n_values, 0);
    cr_assert_eq(f->layer, FB_LAYER_PROXIED_LEG); /* a remote URL produced it */
    cr_assert_eq(f->fragment_by_local_name, 0);
    cr_assert_null(f->fault_code);
    fx_done(&x);
}

/* research-signatures #2, EWS MessageText form */
#define FORCIBLY_CLOSED                                                                            \
    "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "        \
    "connection was closed: An unexpected error occurred on a receive. System.IO.IOException: "    \
    "Unable to read data from the transport connection: An existing connection was forcibly "      \
    "closed by the remote host. System.Net.Sockets.SocketException: An existing connection "       \
    "was forcibly closed by the remote host."

Test(soap, gua_proxy_forcibly_closed_chain_goes_through_parse_text)
{
    struct fx x;
    fx_init(&x);
    const char *one[] = {"lena.park@fabrikam.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "DetailedMerged", one));
    x.ex.resp.body = fb_str_cstr(gua_resp(
        &x.a, "<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Error\">"
              "<m:MessageText>" FORCIBLY_CLOSED "</m:MessageText>"
              "<m:ResponseCode>ErrorProxyRequestProcessingFailed</m:ResponseCode>"
              "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:MessageXml>"
              "<ExceptionType " ERR_NS ">Microsoft.Exchange.InfoWorker.Common.Availability."
              "ProxyWebRequestProcessingException</ExceptionType>"
              "<ExceptionCode " ERR_NS ">5016</ExceptionCode>"
              "<ExceptionServerName " ERR_NS ">AM0PR06MB4321</ExceptionServerName>"
              "</m:MessageXml></m:ResponseMessage><m:FreeBusyView>"
              "<t:FreeBusyViewType>None</t:FreeBusyViewType></m:FreeBusyView>"
              "</m:FreeBusyResponse>"));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_attendees, 1);
    struct fb_finding *f = x.call.attendees[0].finding;
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(f->response_code, "ErrorProxyRequestProcessingFailed");
    cr_assert_str_eq(f->message_text, FORCIBLY_CLOSED);
    cr_assert_str_eq(f->exception_code, "5016");
    cr_assert_null(f->response_source);
    /* filled by fb_finding_parse_text (exc_chain.c) */
    cr_assert_str_eq(f->leg, "ews-proxy");
    cr_assert_eq(f->layer, FB_LAYER_PROXIED_LEG);
    cr_assert_eq(f->chain.n_links, 4);
    cr_assert_null(f->chain.links[0].type);
    cr_assert_str_eq(f->chain.links[0].message, "Proxy web request failed.");
    cr_assert_str_eq(f->chain.links[1].type, "System.Net.WebException");
    cr_assert_str_eq(f->chain.links[1].web_status, "ReceiveFailure");
    cr_assert_str_eq(f->chain.links[3].type, "System.Net.Sockets.SocketException");
    cr_assert_eq(f->chain.links[3].socket_error, 10054);
    fx_done(&x);
}

/* A WS-Trust fault printed inside MessageText (escaped) reaches the finding's wstrust and
 * psf fields through fb_finding_parse_text, flagged as a local-name fragment. */
Test(soap, gua_error_with_embedded_wstrust_fault_text)
{
    struct fx x;
    fx_init(&x);
    const char *one[] = {"kai@fabrikam.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", one));
    x.ex.resp.body = fb_str_cstr(gua_resp(
        &x.a, "<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Error\"><m:MessageText>"
              "Token request failed: &lt;S:Fault&gt;&lt;S:Code&gt;&lt;S:Value&gt;S:Sender"
              "&lt;/S:Value&gt;&lt;S:Subcode&gt;&lt;S:Value&gt;wst:FailedAuthentication"
              "&lt;/S:Value&gt;&lt;/S:Subcode&gt;&lt;/S:Code&gt;&lt;S:Reason&gt;&lt;S:Text "
              "xml:lang=\"en-US\"&gt;Authentication Failure&lt;/S:Text&gt;&lt;/S:Reason&gt;"
              "&lt;S:Detail&gt;&lt;psf:error&gt;&lt;psf:value&gt;0x80048821&lt;/psf:value&gt;"
              "&lt;psf:internalerror&gt;&lt;psf:code&gt;0x80041034&lt;/psf:code&gt;"
              "&lt;psf:text&gt;Member name unknown.&lt;/psf:text&gt;&lt;/psf:internalerror&gt;"
              "&lt;/psf:error&gt;&lt;/S:Detail&gt;&lt;/S:Fault&gt;</m:MessageText>"
              "<m:ResponseCode>ErrorWin32InteropError</m:ResponseCode></m:ResponseMessage>"
              "</m:FreeBusyResponse>"));
    cr_assert_eq(fx_run(&x), 0);
    struct fb_finding *f = x.call.attendees[0].finding;
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(f->response_code, "ErrorWin32InteropError");
    cr_assert_str_eq(f->wstrust_subcode, "wst:FailedAuthentication");
    cr_assert_str_eq(f->psf_value, "0x80048821");
    cr_assert_str_eq(f->psf_code, "0x80041034");
    cr_assert_str_eq(f->psf_text, "Member name unknown.");
    cr_assert_eq(f->fragment_by_local_name, 1);
    fx_done(&x);
}

Test(soap, gua_error_without_leg_or_source_is_client_hop)
{
    struct fx x;
    fx_init(&x);
    const char *one[] = {"nobody@contoso.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", one));
    x.ex.resp.body = fb_str_cstr(gua_resp(
        &x.a, "<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Error\">"
              "<m:MessageText>No mailbox or recipient matches this address.</m:MessageText>"
              "<m:ResponseCode>ErrorMailRecipientNotFound</m:ResponseCode>"
              "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:ResponseMessage>"
              "</m:FreeBusyResponse>"));
    cr_assert_eq(fx_run(&x), 0);
    struct fb_finding *f = x.call.attendees[0].finding;
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_null(x.call.attendees[0].view_type);
    cr_assert_str_eq(f->response_code, "ErrorMailRecipientNotFound");
    cr_assert_null(f->leg);
    cr_assert_eq(f->layer, FB_LAYER_CLIENT_HOP);
    fx_done(&x);
}

Test(soap, gua_degraded_warning_none_coarser_and_all_n)
{
    struct fx x;
    fx_init(&x);
    const char *mbs[] = {"w@contoso.com",      "none@contoso.com", "coarse@contoso.com",
                         "nodata@contoso.com", "fine@contoso.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "DetailedMerged", mbs));
    const char *warning =
        "<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Warning\">"
        "<m:MessageText>Only part of the calendar could be read in time.</m:MessageText>"
        "<m:ResponseCode>ErrorTimeoutExpired</m:ResponseCode>"
        "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:ResponseMessage>"
        "<m:FreeBusyView><t:FreeBusyViewType>FreeBusyMerged</t:FreeBusyViewType>"
        "<t:MergedFreeBusy>00220000</t:MergedFreeBusy></m:FreeBusyView></m:FreeBusyResponse>";
    x.ex.resp.body = fb_str_cstr(
        gua_resp(&x.a, fb_arena_printf(&x.a, "%s%s%s%s%s", warning, fbr_ok(&x.a, "None", ""),
                                       fbr_ok(&x.a, "FreeBusy", "0000"),
                                       fbr_ok(&x.a, "DetailedMerged", "NNNNNNNN"),
                                       fbr_ok(&x.a, "Detailed", "0N20"))));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_attendees, 5);
    struct fb_attendee *at = x.call.attendees;

    cr_assert_eq(at[0].result, FB_RES_DEGRADED);
    cr_assert_str_eq(at[0].finding->response_class, "Warning");
    cr_assert_str_eq(at[0].finding->response_code, "ErrorTimeoutExpired");
    cr_assert_str_eq(at[0].finding->message_text,
                     "Only part of the calendar could be read in time.");
    cr_assert_str_eq(at[0].merged_free_busy, "00220000");

    cr_assert_eq(at[1].result, FB_RES_DEGRADED);
    cr_assert_str_eq(at[1].view_type, "None");
    cr_assert_str_eq(at[1].merged_free_busy, "");
    cr_assert_str_eq(at[1].finding->response_class, "Success");
    cr_assert_str_eq(at[1].finding->response_code, "NoError");
    cr_assert_str_eq(at[1].finding->message_text, "returned view None with ResponseClass Success");
    cr_assert_eq(at[1].finding->layer, FB_LAYER_CLIENT_HOP);

    cr_assert_eq(at[2].result, FB_RES_DEGRADED);
    cr_assert_str_eq(at[2].finding->response_class, "Success");
    cr_assert_str_eq(at[2].finding->message_text,
                     "returned view FreeBusy coarser than requested DetailedMerged");

    cr_assert_eq(at[3].result, FB_RES_DEGRADED);
    cr_assert_str_eq(at[3].finding->message_text,
                     "MergedFreeBusy has no data (every interval is N)");

    cr_assert_eq(at[4].result, FB_RES_OK); /* some N, not all */
    cr_assert_null(at[4].finding);
    cr_assert_eq(x.call.n_errors, 0);
    cr_assert_eq(x.t.n_warnings, 0);
    fx_done(&x);
}

Test(soap, gua_count_mismatch_pairs_nothing_and_keeps_errors_at_call_level)
{
    struct fx x;
    fx_init(&x);
    const char *mbs[] = {"a1@contoso.com", "a2@contoso.com", "a3@contoso.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", mbs));
    x.ex.resp.body = fb_str_cstr(gua_resp(
        &x.a, fb_arena_printf(&x.a, "%s%s", fbr_ok(&x.a, "FreeBusy", "00"), fbr_no_access)));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.flags, FB_CALL_F_COUNT_MISMATCH);
    cr_assert_eq(x.call.n_attendees, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(x.call.attendees[i].result, FB_RES_NO_RESPONSE);
        cr_assert_null(x.call.attendees[i].finding);
    }
    cr_assert_str_eq(x.call.attendees[2].mailbox, "a3@contoso.com");
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_str_eq(x.call.errors[0].response_code, "ErrorNoFreeBusyAccess");
    cr_assert_eq(x.t.n_warnings, 1);
    cr_assert_str_eq(x.t.warnings[0].msg, "2 per-mailbox responses for 3 requested mailboxes: "
                                          "none paired, the errors are kept at the call level");
    cr_assert_str_eq(x.t.warnings[0].source, "saz:7");
    cr_assert_str_eq(x.t.warnings[0].input, "case.saz");
    fx_done(&x);
}

Test(soap, gua_count_mismatch_extra_responses_are_not_guessed)
{
    struct fx x;
    fx_init(&x);
    const char *one[] = {"solo@contoso.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", one));
    x.ex.resp.body = fb_str_cstr(gua_resp(
        &x.a, fb_arena_printf(&x.a, "%s%s", fbr_ok(&x.a, "FreeBusy", "00"), fbr_no_access)));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.flags, FB_CALL_F_COUNT_MISMATCH);
    cr_assert_eq(x.call.n_attendees, 1);
    cr_assert_str_eq(x.call.attendees[0].mailbox, "solo@contoso.com");
    cr_assert_eq(x.call.attendees[0].result, FB_RES_NO_RESPONSE);
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_eq(x.t.n_warnings, 1);
    fx_done(&x);
}

Test(soap, gua_response_without_request_gives_unknown_mailboxes)
{
    struct fx x;
    cr_assert_eq(run(&x, NULL,
                     gua_resp(&x.a, fb_arena_printf(&x.a, "%s%s", fbr_ok(&x.a, "FreeBusy", "0"),
                                                    fbr_no_access)),
                     200),
                 0);
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_null(x.call.attendees[0].mailbox);
    cr_assert_null(x.call.attendees[0].requested_view);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_OK); /* nothing to compare the view with */
    cr_assert_null(x.call.attendees[1].mailbox);
    cr_assert_eq(x.call.attendees[1].result, FB_RES_ERROR);
    cr_assert_eq(x.call.flags, 0u);
    cr_assert_eq(x.t.n_warnings, 0);
    fx_done(&x);
}

Test(soap, gua_request_without_response_is_no_response)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", two_mbs));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_NO_RESPONSE);
    cr_assert_eq(x.call.attendees[1].result, FB_RES_NO_RESPONSE);
    cr_assert_str_eq(x.call.operation, "GetUserAvailability");
    cr_assert_eq(x.t.n_warnings, 0);
    fx_done(&x);
}

/* ---- SOAP faults --------------------------------------------------------------- */

Test(soap, soap11_server_busy_fault_with_backoff)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", two_mbs));
    x.ex.resp.status = 500;
    x.ex.resp.body = FB_STR_LIT(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>\n"
        "  <faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">"
        "a:ErrorServerBusy</faultcode>\n"
        "  <faultstring xml:lang=\"en-US\">Too many concurrent requests; slow down.</faultstring>\n"
        "  <detail>\n"
        "    <e:ResponseCode "
        "xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">"
        "ErrorServerBusy</e:ResponseCode>\n"
        "    <e:Message xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">"
        "The mailbox server is busy; retry after the back-off period.</e:Message>\n"
        "    <t:MessageXml xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">"
        "<t:Value Name=\"BackOffMilliseconds\">30000</t:Value></t:MessageXml>\n"
        "  </detail>\n</s:Fault></s:Body></s:Envelope>\n");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_errors, 1);
    struct fb_finding *f = &x.call.errors[0];
    cr_assert_str_eq(f->fault_code, "a:ErrorServerBusy");
    cr_assert_str_eq(f->fault_string, "Too many concurrent requests; slow down.");
    cr_assert_str_eq(f->response_code, "ErrorServerBusy");
    cr_assert_str_eq(f->message_text,
                     "The mailbox server is busy; retry after the back-off period.");
    cr_assert_eq(f->n_values, 1);
    cr_assert_str_eq(f->values[0].name, "BackOffMilliseconds");
    cr_assert_str_eq(f->values[0].value, "30000");
    cr_assert_eq(f->layer, FB_LAYER_CLIENT_HOP);
    cr_assert_eq(f->fragment_by_local_name, 0);
    cr_assert_null(f->response_class);
    /* the whole request failed: no per-mailbox answer, both attendees error */
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_null(x.call.attendees[0].finding);
    cr_assert_eq(x.call.attendees[1].result, FB_RES_ERROR);
    cr_assert_str_eq(x.call.operation, "GetUserAvailability");
    cr_assert_eq(x.t.n_warnings, 0);
    fx_done(&x);
}

Test(soap, soap11_fault_without_detail_uses_faultstring)
{
    struct fx x;
    cr_assert_eq(run(&x, NULL,
                     "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                     "<soap:Body><soap:Fault><faultcode>soap:Client</faultcode>"
                     "<faultstring>The request failed schema validation.</faultstring>"
                     "</soap:Fault></soap:Body></soap:Envelope>",
                     500),
                 0);
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_str_eq(x.call.errors[0].fault_code, "soap:Client");
    cr_assert_str_eq(x.call.errors[0].message_text, "The request failed schema validation.");
    cr_assert_null(x.call.errors[0].response_code);
    cr_assert_null(x.call.operation);
    cr_assert_eq(x.call.n_attendees, 0);
    fx_done(&x);
}

Test(soap, soap12_wstrust_fault_with_psf_detail)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_FED_TOKEN;
    x.ex.resp.status = 500;
    x.ex.resp.body = FB_STR_LIT(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<S:Envelope xmlns:S=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:wst=\"http://schemas.xmlsoap.org/ws/2005/02/trust\" "
        "xmlns:psf=\"http://schemas.microsoft.com/Passport/SoapServices/SOAPFault\">"
        "<S:Body><S:Fault>\n"
        "  <S:Code><S:Value>S:Sender</S:Value><S:Subcode><S:Value>wst:FailedAuthentication"
        "</S:Value></S:Subcode></S:Code>\n"
        "  <S:Reason><S:Text xml:lang=\"en-US\">Authentication Failure</S:Text></S:Reason>\n"
        "  <S:Detail><psf:error><psf:value>0x80048821</psf:value><psf:internalerror>"
        "<psf:code>0x80041034</psf:code><psf:text>The member name given for the delegation "
        "token is not valid. </psf:text></psf:internalerror></psf:error></S:Detail>\n"
        "</S:Fault></S:Body></S:Envelope>\n");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_errors, 1);
    struct fb_finding *f = &x.call.errors[0];
    cr_assert_str_eq(f->wstrust_code, "S:Sender");
    cr_assert_str_eq(f->wstrust_subcode, "wst:FailedAuthentication");
    cr_assert_str_eq(f->wstrust_reason, "Authentication Failure");
    cr_assert_str_eq(f->psf_value, "0x80048821");
    cr_assert_str_eq(f->psf_code, "0x80041034");
    cr_assert_str_eq(f->psf_text, "The member name given for the delegation token is not valid.");
    cr_assert_str_eq(f->message_text, f->psf_text);
    cr_assert_null(f->fault_code);
    cr_assert_eq(f->fragment_by_local_name, 0);
    cr_assert_eq(f->layer, FB_LAYER_CLIENT_HOP);
    cr_assert_eq(x.call.n_attendees, 0);
    cr_assert_null(x.call.operation);
    fx_done(&x);
}

/* ---- Autodiscover SOAP --------------------------------------------------------- */

#define AUTOD_ENV_OPEN(scheme)                                                                     \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<s:Envelope "                                     \
    "xmlns:s=\"" scheme "://schemas.xmlsoap.org/soap/envelope/\" "                                 \
    "xmlns:a=\"http://www.w3.org/2005/08/addressing\">\n"                                          \
    "<s:Header><a:Action s:mustUnderstand=\"1\">" scheme "://schemas.microsoft.com/exchange/"      \
    "2010/Autodiscover/Autodiscover/GetUserSettingsResponse</a:Action>"                            \
    "<h:ServerVersionInfo xmlns:h=\"" scheme "://schemas.microsoft.com/exchange/2010/"             \
    "Autodiscover\"><h:MajorVersion>15</h:MajorVersion><h:MinorVersion>1</h:MinorVersion>"         \
    "<h:MajorBuildNumber>2507</h:MajorBuildNumber><h:MinorBuildNumber>39</h:MinorBuildNumber>"     \
    "<h:Version>Exchange2015</h:Version></h:ServerVersionInfo></s:Header>\n<s:Body>\n"

#define AUTOD_USERS_RESP(scheme)                                                                   \
    AUTOD_ENV_OPEN(scheme)                                                                         \
    "<GetUserSettingsResponseMessage xmlns=\"" scheme "://schemas.microsoft.com/exchange/2010/"    \
    "Autodiscover\"><Response xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\n"            \
    "<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses>\n"                               \
    "<UserResponse><ErrorCode>InvalidUser</ErrorCode><ErrorMessage>No account is known for "       \
    "this address.</ErrorMessage><RedirectTarget i:nil=\"true\"/><UserSettingErrors/>"             \
    "<UserSettings/></UserResponse>\n"                                                             \
    "<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage>"           \
    "<UserSettingErrors><UserSettingError><ErrorCode>InvalidUser</ErrorCode>"                      \
    "<ErrorMessage>The setting cannot be returned for this user.</ErrorMessage>"                   \
    "<SettingName>ExternalEwsUrl</SettingName></UserSettingError></UserSettingErrors>"             \
    "<UserSettings><UserSetting i:type=\"StringSetting\"><Name>UserDisplayName</Name>"             \
    "<Value>Tom Berg</Value></UserSetting></UserSettings></UserResponse>\n"                        \
    "<UserResponse><ErrorCode>RedirectAddress</ErrorCode><ErrorMessage>Redirection address."       \
    "</ErrorMessage><RedirectTarget>tom@cloud.fabrikam.com</RedirectTarget></UserResponse>\n"      \
    "</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>\n"

static const char *autod_users_req =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<soap:Envelope xmlns:a=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\" "
    "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header>"
    "<a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion></soap:Header>"
    "<soap:Body><a:GetUserSettingsRequestMessage><a:Request><a:Users>"
    "<a:User><a:Mailbox>ghost@fabrikam.com</a:Mailbox></a:User>"
    "<a:User><a:Mailbox>tom.berg@fabrikam.com</a:Mailbox></a:User>"
    "<a:User><a:Mailbox>tom@fabrikam.com</a:Mailbox></a:User>"
    "</a:Users><a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting></a:RequestedSettings>"
    "</a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>";

static void check_autod_users(struct fx *x)
{
    cr_assert_str_eq(x->call.operation, "GetUserSettings");
    cr_assert_str_eq(x->call.http.server_version, "15.1.2507.39");
    cr_assert_eq(x->call.n_errors, 0);
    cr_assert_eq(x->call.flags, 0u);
    cr_assert_eq(x->t.n_warnings, 0);
    cr_assert_eq(x->call.n_attendees, 3);
    struct fb_attendee *at = x->call.attendees;
    cr_assert_str_eq(at[0].mailbox, "ghost@fabrikam.com");
    cr_assert_eq(at[0].result, FB_RES_ERROR);
    cr_assert_str_eq(at[0].finding->response_code, "InvalidUser");
    cr_assert_str_eq(at[0].finding->message_text, "No account is known for this address.");
    cr_assert_eq(at[0].finding->n_values, 0);
    cr_assert_eq(at[0].finding->fragment_by_local_name, 0);
    cr_assert_str_eq(at[1].mailbox, "tom.berg@fabrikam.com");
    cr_assert_eq(at[1].result, FB_RES_DEGRADED);
    cr_assert_str_eq(at[1].finding->response_code, "InvalidUser");
    cr_assert_str_eq(at[1].finding->message_text, "The setting cannot be returned for this user.");
    cr_assert_eq(at[1].finding->n_values, 1);
    cr_assert_str_eq(at[1].finding->values[0].name, "SettingName");
    cr_assert_str_eq(at[1].finding->values[0].value, "ExternalEwsUrl");
    cr_assert_str_eq(at[2].mailbox, "tom@fabrikam.com");
    cr_assert_eq(at[2].result, FB_RES_OK); /* a redirect is a chain step */
    cr_assert_null(at[2].finding);
}

Test(soap, autod_getusersettings_invaliduser_and_setting_error)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_AUTOD_SOAP;
    x.ex.req.body = fb_str_cstr(autod_users_req);
    x.ex.resp.body = FB_STR_LIT(AUTOD_USERS_RESP("http"));
    cr_assert_eq(fx_run(&x), 0);
    check_autod_users(&x);
    fx_done(&x);
}

Test(soap, autod_https_namespace_variant_reads_the_same)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_AUTOD_SOAP;
    x.ex.req.body = fb_str_cstr(autod_users_req);
    x.ex.resp.body = FB_STR_LIT(AUTOD_USERS_RESP("https"));
    cr_assert_eq(fx_run(&x), 0);
    check_autod_users(&x);
    fx_done(&x);
}

Test(soap, autod_response_level_error_is_call_level)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(autod_users_req);
    x.ex.resp.body = FB_STR_LIT(
        AUTOD_ENV_OPEN("http") "<GetUserSettingsResponseMessage xmlns=\"http://schemas."
                               "microsoft.com/exchange/2010/Autodiscover\"><Response>"
                               "<ErrorCode>ServerBusy</ErrorCode><ErrorMessage>Try again later."
                               "</ErrorMessage><UserResponses/></Response>"
                               "</GetUserSettingsResponseMessage></s:Body></s:Envelope>");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_str_eq(x.call.errors[0].response_code, "ServerBusy");
    cr_assert_str_eq(x.call.errors[0].message_text, "Try again later.");
    cr_assert_eq(x.call.n_attendees, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(x.call.attendees[i].result, FB_RES_ERROR);
        cr_assert_null(x.call.attendees[i].finding);
    }
    cr_assert_eq(x.call.flags, 0u);
    fx_done(&x);
}

Test(soap, autod_getfederationinformation_error)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_AUTOD_SOAP;
    x.ex.req.body = FB_STR_LIT(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:a=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\"><soap:Body>"
        "<a:GetFederationInformationRequestMessage><a:Request><a:Domain>fabrikam.com</a:Domain>"
        "</a:Request></a:GetFederationInformationRequestMessage></soap:Body></soap:Envelope>");
    x.ex.resp.body = FB_STR_LIT(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
        "<GetFederationInformationResponseMessage xmlns=\"http://schemas.microsoft.com/exchange/"
        "2010/Autodiscover\"><Response><ErrorCode>InvalidDomain</ErrorCode><ErrorMessage>"
        "The domain fabrikam.com is not federated here.</ErrorMessage><ApplicationUri/>"
        "<Domains/></Response></GetFederationInformationResponseMessage></s:Body></s:Envelope>");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_str_eq(x.call.operation, "GetFederationInformation");
    cr_assert_eq(x.call.n_attendees, 0);
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_str_eq(x.call.errors[0].response_code, "InvalidDomain");
    cr_assert_str_eq(x.call.errors[0].message_text,
                     "The domain fabrikam.com is not federated here.");
    cr_assert_eq(x.call.errors[0].layer, FB_LAYER_CLIENT_HOP);
    fx_done(&x);
}

/* ---- Autodiscover POX ---------------------------------------------------------- */

static const char *pox_req =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"http://schemas.microsoft."
    "com/exchange/autodiscover/outlook/requestschema/2006\"><Request>"
    "<EMailAddress> maria.lopez@contoso.com </EMailAddress><AcceptableResponseSchema>"
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
    "</AcceptableResponseSchema></Request></Autodiscover>";

Test(soap, pox_error_600)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_AUTOD_POX;
    x.ex.req.body = fb_str_cstr(pox_req);
    x.ex.resp.body = FB_STR_LIT(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"http://schemas."
        "microsoft.com/exchange/autodiscover/responseschema/2006\"><Response>"
        "<Error Time=\"09:14:02.1180541\" Id=\"2215730199\"><ErrorCode>600</ErrorCode>"
        "<Message>Invalid Request</Message><DebugData /></Error></Response></Autodiscover>");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_errors, 1);
    struct fb_finding *f = &x.call.errors[0];
    cr_assert_str_eq(f->response_code, "600");
    cr_assert_str_eq(f->message_text, "Invalid Request");
    cr_assert_eq(f->n_values, 2);
    cr_assert_str_eq(f->values[0].name, "Time");
    cr_assert_str_eq(f->values[0].value, "09:14:02.1180541");
    cr_assert_str_eq(f->values[1].name, "Id");
    cr_assert_str_eq(f->values[1].value, "2215730199");
    cr_assert_eq(x.call.n_attendees, 1);
    cr_assert_str_eq(x.call.attendees[0].mailbox, "maria.lopez@contoso.com");
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_null(x.call.attendees[0].finding);
    cr_assert_null(x.call.operation);
    fx_done(&x);
}

Test(soap, pox_redirect_addr_is_not_an_error)
{
    struct fx x;
    fx_init(&x);
    x.call.kind = FB_CALL_AUTOD_POX;
    x.ex.req.body = fb_str_cstr(pox_req);
    x.ex.resp.body = FB_STR_LIT(
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/"
        "2006\"><Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
        "responseschema/2006a\"><Account><Action>redirectAddr</Action><RedirectAddr>"
        "maria.lopez@contoso.mail.onmicrosoft.com</RedirectAddr></Account></Response>"
        "</Autodiscover>");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_errors, 0);
    cr_assert_eq(x.call.n_attendees, 1);
    cr_assert_str_eq(x.call.attendees[0].mailbox, "maria.lopez@contoso.com");
    cr_assert_eq(x.call.attendees[0].result, FB_RES_OK);
    cr_assert_eq(x.t.n_warnings, 0);
    fx_done(&x);
}

/* ---- safety and robustness ----------------------------------------------------- */

static int has(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

static void assert_nowhere(struct fx *x, const char *needle)
{
    for (size_t i = 0; i < x->t.n_warnings; i++)
        cr_assert(!has(x->t.warnings[i].msg, needle));
    cr_assert(!has(x->call.operation, needle));
    cr_assert(!has(x->call.requester, needle));
    for (size_t i = 0; i < x->call.n_errors; i++)
        cr_assert(!has(x->call.errors[i].message_text, needle));
    for (size_t i = 0; i < x->call.n_attendees; i++) {
        struct fb_attendee *at = &x->call.attendees[i];
        cr_assert(!has(at->mailbox, needle));
        cr_assert(!has(at->view_type, needle));
        cr_assert(at->finding == NULL || !has(at->finding->message_text, needle));
    }
}

#define DOCTYPE_RESP                                                                               \
    "<?xml version=\"1.0\"?>\n<!-- a comment first -->\n"                                          \
    "<!DOCTYPE x [<!ENTITY e \"EXPANDED\">]>\n"                                                    \
    "<s:Envelope " ENV_NS "><s:Body><m:GetUserAvailabilityResponse><m:FreeBusyResponseArray>"      \
    "<m:FreeBusyResponse><m:ResponseMessage ResponseClass=\"Error\"><m:MessageText>&e;"            \
    "</m:MessageText><m:ResponseCode>&e;</m:ResponseCode></m:ResponseMessage>"                     \
    "</m:FreeBusyResponse></m:FreeBusyResponseArray></m:GetUserAvailabilityResponse></s:Body>"     \
    "</s:Envelope>"

Test(soap, doctype_refused_and_entity_never_expanded)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", two_mbs));
    x.ex.resp.body = FB_STR_LIT(DOCTYPE_RESP);
    cr_assert_eq(fx_run(&x), FB_ERR_FORMAT);
    cr_assert_eq(x.call.flags, FB_CALL_F_BODY_UNPARSED);
    cr_assert_eq(x.t.n_warnings, 1);
    cr_assert_str_eq(x.t.warnings[0].msg, "DOCTYPE in a SOAP body refused (response body)");
    cr_assert_str_eq(x.t.warnings[0].source, "saz:7");
    cr_assert_eq(x.call.n_errors, 0);
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_NO_RESPONSE);
    cr_assert_eq(x.call.attendees[1].result, FB_RES_NO_RESPONSE);
    assert_nowhere(&x, "EXPANDED");
    fx_done(&x);
}

/* UTF-16 hides the DOCTYPE from the byte scan: the check after parsing still refuses it. */
Test(soap, doctype_in_utf16_body_refused_after_parse)
{
    struct fx x;
    fx_init(&x);
    const char *src = DOCTYPE_RESP;
    size_t n = strlen(src);
    char *u16 = fb_arena_alloc(&x.a, 2 + 2 * n);
    u16[0] = (char)0xFF;
    u16[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = src[i];
        u16[3 + 2 * i] = 0;
    }
    x.ex.resp.body = fb_str_make(u16, 2 + 2 * n);
    cr_assert_eq(fx_run(&x), FB_ERR_FORMAT);
    cr_assert_eq(x.call.flags, FB_CALL_F_BODY_UNPARSED);
    cr_assert_eq(x.t.n_warnings, 1);
    cr_assert_str_eq(x.t.warnings[0].msg, "DOCTYPE in a SOAP body refused (response body)");
    cr_assert_eq(x.call.n_attendees, 0);
    assert_nowhere(&x, "EXPANDED");
    fx_done(&x);
}

Test(soap, malformed_truncated_body_recovered)
{
    struct fx x;
    fx_init(&x);
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", two_mbs));
    const char *full = gua_resp(
        &x.a, fb_arena_printf(&x.a, "%s%s", fbr_no_access, fbr_ok(&x.a, "FreeBusy", "00")));
    const char *cut = strstr(full, "</m:FreeBusyResponse>");
    cr_assert_not_null(cut);
    x.ex.resp.body = fb_str_make(full, (size_t)(cut - full) + strlen("</m:FreeBusyResponse>"));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.flags, FB_CALL_F_BODY_UNPARSED | FB_CALL_F_COUNT_MISMATCH);
    cr_assert_eq(x.t.n_warnings, 2);
    cr_assert_str_eq(x.t.warnings[1].msg, "1 per-mailbox responses for 2 requested mailboxes in "
                                          "a body cut short: the first 1 paired by position, "
                                          "the rest no-response");
    cr_assert(has(x.t.warnings[0].msg, "malformed XML in the response body (line "));
    cr_assert(has(x.t.warnings[0].msg, "): recovering what can be read"));
    cr_assert_eq(x.call.n_attendees, 2);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(x.call.attendees[0].finding->response_code, "ErrorNoFreeBusyAccess");
    cr_assert_str_eq(x.call.attendees[0].finding->exception_code, "5037");
    cr_assert_eq(x.call.attendees[1].result, FB_RES_NO_RESPONSE);
    fx_done(&x);
}

Test(soap, garbage_after_lt_gives_format_error)
{
    struct fx x;
    cr_assert_eq(run(&x, NULL, "<<<>>>", 200), FB_ERR_FORMAT);
    cr_assert_eq(x.call.flags, FB_CALL_F_BODY_UNPARSED);
    cr_assert_eq(x.t.n_warnings, 2);
    cr_assert_str_eq(x.t.warnings[1].msg, "nothing could be recovered from the response body");
    fx_done(&x);
}

Test(soap, no_namespaces_matched_by_local_name_and_flagged)
{
    struct fx x;
    cr_assert_eq(run(&x, NULL,
                     "<Envelope><Body><GetUserAvailabilityResponse><FreeBusyResponseArray>"
                     "<FreeBusyResponse><ResponseMessage ResponseClass=\"Error\">"
                     "<MessageText>Access to the calendar was denied.</MessageText>"
                     "<ResponseCode>ErrorNoFreeBusyAccess</ResponseCode><MessageXml>"
                     "<ExceptionCode>5037</ExceptionCode><Value Name=\"InnerErrorResponseCode\">"
                     "ErrorAccessDenied</Value></MessageXml></ResponseMessage><FreeBusyView>"
                     "<FreeBusyViewType>None</FreeBusyViewType></FreeBusyView></FreeBusyResponse>"
                     "</FreeBusyResponseArray></GetUserAvailabilityResponse></Body></Envelope>",
                     200),
                 0);
    cr_assert_str_eq(x.call.operation, "GetUserAvailability");
    cr_assert_eq(x.call.n_attendees, 1);
    struct fb_finding *f = x.call.attendees[0].finding;
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(x.call.attendees[0].view_type, "None");
    cr_assert_str_eq(f->response_code, "ErrorNoFreeBusyAccess");
    cr_assert_str_eq(f->exception_code, "5037");
    cr_assert_eq(f->n_values, 1);
    cr_assert_str_eq(f->values[0].name, "InnerErrorResponseCode");
    cr_assert_str_eq(f->values[0].value, "ErrorAccessDenied");
    cr_assert_eq(f->fragment_by_local_name, 1);
    fx_done(&x);
}

Test(soap, element_in_a_foreign_namespace_does_not_match)
{
    struct fx x;
    cr_assert_eq(run(&x, NULL,
                     "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
                     "<x:GetUserAvailabilityResponse xmlns:x=\"urn:not-exchange\">"
                     "<x:FreeBusyResponseArray/></x:GetUserAvailabilityResponse></s:Body>"
                     "</s:Envelope>",
                     200),
                 0);
    cr_assert_null(x.call.operation);
    cr_assert_eq(x.call.n_attendees, 0);
    cr_assert_eq(x.call.n_errors, 0);
    fx_done(&x);
}

Test(soap, html_and_non_xml_bodies_are_skipped_quietly)
{
    struct fx x;
    fx_init(&x);
    static struct fb_header h = {{"Content-Type", 12}, {"text/html; charset=utf-8", 24}};
    x.ex.resp.headers = &h;
    x.ex.resp.n_headers = 1;
    x.ex.resp.body = FB_STR_LIT("<!DOCTYPE html><html><body>Service Unavailable</body></html>");
    x.ex.req.body = FB_STR_LIT("{\"not\": \"xml\"}");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.flags, 0u);
    cr_assert_eq(x.t.n_warnings, 0);
    cr_assert_eq(x.call.n_attendees, 0);
    fx_done(&x);
}

Test(soap, body_over_32_mib_is_skipped_with_warning)
{
    struct fx x;
    fx_init(&x);
    size_t n = ((size_t)32 << 20) + 1;
    char *big = fb_xmalloc(n);
    memset(big, ' ', n);
    big[0] = '<';
    x.ex.resp.body = fb_str_make(big, n);
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.flags, FB_CALL_F_BODY_UNPARSED);
    cr_assert_eq(x.t.n_warnings, 1);
    cr_assert_str_eq(x.t.warnings[0].msg,
                     "response body of 33554433 bytes is larger than 32 MiB: not parsed");
    free(big);
    fx_done(&x);
}

Test(soap, other_ews_operation_errors_are_call_level)
{
    struct fx x;
    cr_assert_eq(
        run(&x, NULL,
            "<s:Envelope " ENV_NS "><s:Body><m:GetItemResponse><m:ResponseMessages>"
            "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>The item was not "
            "found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound"
            "</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/>"
            "</m:GetItemResponseMessage><m:GetItemResponseMessage ResponseClass=\"Success\">"
            "<m:ResponseCode>NoError</m:ResponseCode></m:GetItemResponseMessage>"
            "</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>",
            200),
        0);
    cr_assert_str_eq(x.call.operation, "GetItem");
    cr_assert_eq(x.call.n_errors, 1);
    cr_assert_str_eq(x.call.errors[0].response_class, "Error");
    cr_assert_str_eq(x.call.errors[0].response_code, "ErrorItemNotFound");
    cr_assert_str_eq(x.call.errors[0].message_text, "The item was not found in the store.");
    cr_assert_eq(x.call.n_attendees, 0);
    fx_done(&x);
}

Test(soap, null_trace_is_allowed)
{
    struct fb_arena exa, a;
    fb_arena_init(&exa);
    fb_arena_init(&a);
    struct fb_exchange ex;
    fb_exchange_init(&ex, &exa);
    struct fb_call call;
    memset(&call, 0, sizeof call);
    ex.resp.body = FB_STR_LIT(DOCTYPE_RESP);
    cr_assert_eq(fb_extract_soap(&ex, &call, &a, NULL, NULL), FB_ERR_FORMAT);
    cr_assert_eq(call.flags, FB_CALL_F_BODY_UNPARSED);
    fb_arena_cleanup(&a);
    fb_arena_cleanup(&exa);
}

Test(soap, freebusyresponse_fragment_is_one_answer_and_names_no_operation)
{
    struct fx x;
    fx_init(&x);
    const char *one[] = {"pat@fabrikam.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "FreeBusy", one));
    x.ex.resp.body = FB_STR_LIT(
        "<FreeBusyResponse xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\">"
        "<ResponseMessage ResponseClass=\"Error\"><ResponseCode>ErrorNoFreeBusyAccess"
        "</ResponseCode></ResponseMessage></FreeBusyResponse>");
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_str_eq(x.call.operation, "GetUserAvailability"); /* from the request */
    cr_assert_eq(x.call.n_attendees, 1);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(x.call.attendees[0].finding->response_code, "ErrorNoFreeBusyAccess");
    cr_assert_eq(x.call.flags, 0u);

    struct fx y;
    cr_assert_eq(run(&y, NULL,
                     "<m:FreeBusyResponse xmlns:m=\"http://schemas.microsoft.com/exchange/"
                     "services/2006/messages\"/>",
                     200),
                 0);
    cr_assert_null(y.call.operation);
    cr_assert_eq(y.call.n_attendees, 1);
    cr_assert_eq(y.call.attendees[0].result, FB_RES_OK);
    fx_done(&y);
    fx_done(&x);
}

/* A coarser view whose merged data is all N: the missing data is what the finding says
 * (it is a problem; a coarser view alone is not). */
Test(soap, gua_coarser_view_with_all_n_says_no_data)
{
    struct fx x;
    fx_init(&x);
    const char *mbs[] = {"room12@contoso.com", NULL};
    x.ex.req.body = fb_str_cstr(gua_req(&x.a, "", "DetailedMerged", mbs));
    x.ex.resp.body = fb_str_cstr(gua_resp(&x.a, fbr_ok(&x.a, "FreeBusyMerged", "NNNNNNNN")));
    cr_assert_eq(fx_run(&x), 0);
    cr_assert_eq(x.call.n_attendees, 1);
    cr_assert_eq(x.call.attendees[0].result, FB_RES_DEGRADED);
    cr_assert_str_eq(x.call.attendees[0].finding->message_text,
                     "MergedFreeBusy has no data (every interval is N)");
    fx_done(&x);
}
