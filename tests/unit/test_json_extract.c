/* test_json_extract.c - the JSON shapes: OWA GetUserAvailabilityInternal (success,
 * mixed, degraded views, count mismatch, X-OWA-UrlPostData, whole-call error), OWA
 * calendar ErrorCode 31, Graph getSchedule, Autodiscover v2, OAuth token errors and
 * malformed bodies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../support/ex_build.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/trace.h"

#define OWA_URL "https://outlook.office365.com/owa/service.svc?action=GetUserAvailabilityInternal"

static struct fb_arena A;
static struct fb_trace T;

static void setup(void)
{
    fb_arena_init(&A);
    fb_trace_init(&T);
}

static void teardown(void)
{
    fb_arena_cleanup(&A);
    fb_trace_cleanup(&T);
}

TestSuite(json_extract, .init = setup, .fini = teardown);

/* An OWA request for the given mailboxes (comma-separated) and RequestedView. */
static const char *owa_request(const char *mailboxes, const char *view)
{
    const char *items = "";
    const char *p = mailboxes;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        items = fb_arena_printf(&A,
                                "%s%s{\"__type\":\"MailboxData:#Exchange\",\"Email\":{"
                                "\"Address\":\"%.*s\"},\"AttendeeType\":\"Required\"}",
                                items, *items ? "," : "", (int)n, p);
        p += n + (e ? 1 : 0);
    }
    return fb_arena_printf(&A,
                           "{\"request\":{\"__type\":\"GetUserAvailabilityInternalJsonRequest:#"
                           "Exchange\",\"Body\":{\"MailboxDataArray\":[%s],"
                           "\"FreeBusyViewOptions\":{\"RequestedView\":\"%s\"}}}}",
                           items, view);
}

static struct fb_call *run(struct fb_exchange *ex, int want_rc)
{
    struct fb_call *call = NULL;
    int rc = fb_extract_exchange(ex, 0, &T.arena, &T, "case.har", &call);
    cr_assert_eq(rc, want_rc, "fb_extract_exchange returned %d", rc);
    return call;
}

static struct fb_exchange *owa(const char *req, const char *resp)
{
    struct fb_exchange *ex = fbt_ex_new(&A, 5, "POST", OWA_URL);
    fbt_ex_body(&A, &ex->req, req);
    fbt_ex_body(&A, &ex->resp, resp);
    return ex;
}

#define OK_RESP(view, merged)                                                                      \
    "{\"ResponseMessage\":{\"ResponseClass\":\"Success\",\"ResponseCode\":\"NoError\"},"           \
    "\"CalendarView\":{\"FreeBusyViewType\":\"" view "\",\"MergedFreeBusy\":\"" merged "\","       \
    "\"Items\":[]}}"

#define MERGED_80 "00002222000011110000222200003333000044440000222200001111000022220000333300004444"

Test(json_extract, owa_success_three_attendees)
{
    struct fb_call *call =
        run(owa(owa_request("a@contoso.com,b@contoso.com,c@datum.com", "DetailedMerged"),
                "{\"Body\":{\"ResponseClass\":\"Success\",\"ResponseCode\":\"NoError\","
                "\"Responses\":[" OK_RESP("DetailedMerged", MERGED_80) "," OK_RESP(
                    "DetailedMerged", "0000") "," OK_RESP("DetailedMerged", "2222") "]}}"),
            1);
    cr_assert_eq(call->kind, FB_CALL_OWA_GUA);
    cr_assert_eq(call->n_attendees, 3);
    cr_assert_eq(call->n_errors, 0);
    cr_assert_eq(call->flags, 0);
    static const char *const mb[] = {"a@contoso.com", "b@contoso.com", "c@datum.com"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(call->attendees[i].mailbox, mb[i]);
        cr_assert_eq(call->attendees[i].result, FB_RES_OK);
        cr_assert_null(call->attendees[i].finding);
        cr_assert_str_eq(call->attendees[i].view_type, "DetailedMerged");
        cr_assert_str_eq(call->attendees[i].requested_view, "DetailedMerged");
    }
    cr_assert_eq(strlen(call->attendees[0].merged_free_busy), 64);
    cr_assert_eq(strncmp(call->attendees[0].merged_free_busy, MERGED_80, 64), 0);
    cr_assert_str_eq(call->attendees[2].merged_free_busy, "2222");
    cr_assert_eq(T.n_warnings, 0);
}

Test(json_extract, owa_mixed_success_error_warning)
{
    struct fb_call *call =
        run(owa(owa_request("a@contoso.com,y1@datum.com,c@datum.com", "FreeBusy"),
                "{\"Body\":{\"ResponseClass\":\"Success\",\"ResponseCode\":\"NoError\","
                "\"Responses\":[" OK_RESP(
                    "FreeBusy",
                    "0020") ","
                            "{\"ResponseMessage\":{\"ResponseClass\":\"Error\",\"ResponseCode\":"
                            "\"ErrorNoFreeBusyAccess\",\"MessageText\":\"  The caller does not "
                            "have access to "
                            "free/busy data.\\r\\n "
                            "\",\"DescriptiveLinkKey\":0,\"MessageXml\":{\"ExceptionType\":"
                            "\"Microsoft.Exchange.InfoWorker.Common.Availability."
                            "NoFreeBusyAccessException\","
                            "\"ExceptionCode\":5037,\"ExceptionServerName\":\"EXCH01\","
                            "\"ResponseSource\":"
                            "\"https://mail.datum.com/EWS/Exchange.asmx/"
                            "WSSecurity\",\"Value\":[{\"Name\":"
                            "\"BackOffMilliseconds\",\"Value\":\"30000\"}]}},\"CalendarView\":{"
                            "\"FreeBusyViewType\":\"None\"}},"
                            "{\"ResponseMessage\":{\"ResponseClass\":\"Warning\",\"ResponseCode\":"
                            "\"ErrorFreeBusyDLLimitReached\",\"MessageText\":\"The distribution "
                            "list is too "
                            "big.\"},\"CalendarView\":{\"FreeBusyViewType\":\"FreeBusy\"}}]}}"),
            1);
    cr_assert_eq(call->n_attendees, 3);
    cr_assert_eq(call->attendees[0].result, FB_RES_OK);
    const struct fb_attendee *e = &call->attendees[1];
    cr_assert_eq(e->result, FB_RES_ERROR);
    cr_assert_str_eq(e->mailbox, "y1@datum.com");
    cr_assert_str_eq(e->view_type, "None");
    cr_assert_str_eq(e->finding->response_class, "Error");
    cr_assert_str_eq(e->finding->response_code, "ErrorNoFreeBusyAccess");
    cr_assert_str_eq(e->finding->message_text,
                     "The caller does not have access to free/busy data.");
    cr_assert_str_eq(e->finding->descriptive_link_key, "0");
    cr_assert_str_eq(e->finding->exception_type,
                     "Microsoft.Exchange.InfoWorker.Common.Availability.NoFreeBusyAccessException");
    cr_assert_str_eq(e->finding->exception_code, "5037");
    cr_assert_str_eq(e->finding->exception_server, "EXCH01");
    cr_assert_str_eq(e->finding->response_source,
                     "https://mail.datum.com/EWS/Exchange.asmx/WSSecurity");
    cr_assert_eq(e->finding->n_values, 1);
    cr_assert_str_eq(e->finding->values[0].name, "BackOffMilliseconds");
    cr_assert_str_eq(e->finding->values[0].value, "30000");
    const struct fb_attendee *w = &call->attendees[2];
    cr_assert_eq(w->result, FB_RES_DEGRADED);
    cr_assert_str_eq(w->finding->response_class, "Warning");
    cr_assert_str_eq(w->finding->response_code, "ErrorFreeBusyDLLimitReached");
    cr_assert_eq(call->n_errors, 0);
}

Test(json_extract, owa_message_xml_as_text_and_flat_keys)
{
    struct fb_call *call = run(
        owa(owa_request("a@contoso.com,b@contoso.com", "FreeBusy"),
            "{\"Body\":{\"Responses\":[{\"ResponseMessage\":{\"ResponseClass\":\"Error\","
            "\"ResponseCode\":\"ErrorProxyRequestProcessingFailed\",\"MessageXml\":\"<m:MessageXml>"
            "<e:ExceptionType xmlns:e=\\\"errors\\\">System.Net.WebException</e:ExceptionType>"
            "<e:ResponseSource>https://x/EWS/Exchange.asmx</e:ResponseSource></m:MessageXml>\"}},"
            "{\"ResponseMessage\":{\"ResponseClass\":\"Error\",\"ResponseCode\":"
            "\"ErrorMailRecipientNotFound\","
            "\"ExceptionType\":\"Flat.Type\",\"ExceptionServerName\":\"S2\"}}]}}"),
        1);
    cr_assert_str_eq(call->attendees[0].finding->exception_type, "System.Net.WebException");
    cr_assert_str_eq(call->attendees[0].finding->response_source, "https://x/EWS/Exchange.asmx");
    cr_assert_null(call->attendees[0].finding->exception_code);
    cr_assert_str_eq(call->attendees[1].finding->exception_type, "Flat.Type");
    cr_assert_str_eq(call->attendees[1].finding->exception_server, "S2");
}

Test(json_extract, owa_request_in_x_owa_urlpostdata)
{
    const char *json = owa_request("y1@datum.com,y2@datum.com", "DetailedMerged");
    /* encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) */
    char *enc = fb_arena_alloc(&A, strlen(json) * 3 + 1);
    size_t j = 0;
    for (const char *p = json; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.!~*'()", ch))
            enc[j++] = (char)ch;
        else
            j += (size_t)snprintf(enc + j, 4, "%%%02X", ch);
    }
    enc[j] = '\0';
    struct fb_exchange *ex =
        owa(NULL, "{\"Body\":{\"Responses\":[" OK_RESP("DetailedMerged", "0") "," OK_RESP(
                      "DetailedMerged", "1") "]}}");
    fbt_ex_header(&A, &ex->req, "X-OWA-UrlPostData", enc);
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->flags, FB_CALL_F_URL_POST_DATA);
    cr_assert_eq(call->n_attendees, 2);
    cr_assert_str_eq(call->attendees[0].mailbox, "y1@datum.com");
    cr_assert_str_eq(call->attendees[1].mailbox, "y2@datum.com");
    cr_assert_str_eq(call->attendees[1].requested_view, "DetailedMerged");
    cr_assert_eq(call->attendees[1].result, FB_RES_OK);
    /* a body, when present, wins over the header */
    fbt_ex_body(&A, &ex->req, owa_request("z@datum.com,w@datum.com", "FreeBusy"));
    call = run(ex, 1);
    cr_assert_eq(call->flags & FB_CALL_F_URL_POST_DATA, 0);
    cr_assert_str_eq(call->attendees[0].mailbox, "z@datum.com");
}

Test(json_extract, owa_tolerates_missing_request_wrapper)
{
    struct fb_call *call =
        run(owa("{\"Body\":{\"MailboxDataArray\":[{\"Email\":{\"Address\":\"a@x.com\"}}]}}",
                "{\"Body\":{\"Responses\":[" OK_RESP("FreeBusy", "0") "]}}"),
            1);
    cr_assert_str_eq(call->attendees[0].mailbox, "a@x.com");
    call = run(owa("{\"MailboxDataArray\":[{\"Email\":\"b@x.com\"}]}",
                   "{\"body\":{\"responses\":[" OK_RESP("FreeBusy", "0") "]}}"),
               1);
    cr_assert_str_eq(call->attendees[0].mailbox, "b@x.com");
    cr_assert_eq(call->attendees[0].result, FB_RES_OK);
}

Test(json_extract, owa_degraded_views)
{
    struct fb_call *call = run(
        owa(owa_request("a@x.com,b@x.com,c@x.com,d@x.com", "DetailedMerged"),
            "{\"Body\":{\"Responses\":[" OK_RESP("None", "") "," OK_RESP(
                "FreeBusyMerged", "0022") "," OK_RESP("DetailedMerged",
                                                      "NNNNNN") "," OK_RESP("Detailed", "0") "]}}"),
        1);
    cr_assert_eq(call->n_attendees, 4);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(call->attendees[i].result, FB_RES_DEGRADED, "attendee %zu", i);
        cr_assert_str_eq(call->attendees[i].finding->response_class, "Success");
        cr_assert_str_eq(call->attendees[i].finding->response_code, "NoError");
    }
    cr_assert_str_eq(call->attendees[0].finding->message_text, "FreeBusyViewType None returned");
    cr_assert_str_eq(call->attendees[1].finding->message_text,
                     "FreeBusyViewType FreeBusyMerged returned for requested DetailedMerged");
    cr_assert_str_eq(call->attendees[2].finding->message_text,
                     "MergedFreeBusy has no data (all N)");
    /* same detail level without the merged stream is not coarser */
    cr_assert_eq(call->attendees[3].result, FB_RES_OK);
    cr_assert_null(call->attendees[3].finding);
}

Test(json_extract, owa_count_mismatch_maps_nothing_by_position)
{
    struct fb_call *call = run(
        owa(owa_request("a@x.com,b@x.com,c@x.com", "FreeBusy"),
            "{\"Body\":{\"Responses\":[" OK_RESP(
                "FreeBusy",
                "0") ",{\"ResponseMessage\":{"
                     "\"ResponseClass\":\"Error\",\"ResponseCode\":\"ErrorMailRecipientNotFound\","
                     "\"MessageText\":\"Unable to resolve e-mail address\"}}]}}"),
        1);
    cr_assert_eq(call->flags, FB_CALL_F_COUNT_MISMATCH);
    cr_assert_eq(call->n_attendees, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(call->attendees[i].result, FB_RES_NO_RESPONSE);
        cr_assert_null(call->attendees[i].finding);
    }
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_code, "ErrorMailRecipientNotFound");
    cr_assert_str_eq(call->errors[0].message_text, "Unable to resolve e-mail address");
    cr_assert_eq(T.n_warnings, 1);
    cr_assert_str_eq(T.warnings[0].msg,
                     "OWA response has 2 Responses for 3 requested mailboxes: not mapped");
    cr_assert_str_eq(T.warnings[0].source, "saz:5");
    cr_assert_str_eq(T.warnings[0].input, "case.har");
}

Test(json_extract, owa_request_not_captured_keeps_responses_without_mailbox)
{
    struct fb_exchange *ex =
        owa(NULL, "{\"Body\":{\"Responses\":[" OK_RESP(
                      "FreeBusy", "0") ","
                                       "{\"ResponseMessage\":{\"ResponseClass\":\"Error\","
                                       "\"ResponseCode\":\"ErrorTimeoutExpired\"}}]}}");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->n_attendees, 2);
    cr_assert_null(call->attendees[0].mailbox);
    cr_assert_eq(call->attendees[0].result, FB_RES_OK);
    cr_assert_eq(call->attendees[1].result, FB_RES_ERROR);
    cr_assert_str_eq(call->attendees[1].finding->response_code, "ErrorTimeoutExpired");
    cr_assert_eq(call->flags, 0);
}

Test(json_extract, owa_whole_call_error)
{
    struct fb_call *call = run(
        owa(owa_request("a@x.com,b@x.com", "FreeBusy"),
            "{\"Body\":{\"ResponseClass\":\"Error\",\"ResponseCode\":\"ErrorInternalServerError\","
            "\"MessageText\":\"An internal server error occurred. The operation failed.\"}}"),
        1);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_class, "Error");
    cr_assert_str_eq(call->errors[0].response_code, "ErrorInternalServerError");
    cr_assert_str_eq(call->errors[0].message_text,
                     "An internal server error occurred. The operation failed.");
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(call->attendees[i].result, FB_RES_ERROR);
        cr_assert_str_eq(call->attendees[i].finding->response_code, "ErrorInternalServerError");
    }
    cr_assert_eq(call->flags, 0);
}

Test(json_extract, owa_calendar_errorcode_31_and_x_owa_error)
{
    struct fb_exchange *ex = fbt_ex_new(
        &A, 9, "POST",
        "https://outlook.office365.com/owa/service.svc?action=GetCalendarFolderConfiguration&EP=1");
    fbt_ex_header(&A, &ex->req, "X-OWA-ActionName", "GetCalendarFolderConfigurationAction");
    fbt_ex_header(&A, &ex->resp, "X-OWA-Error",
                  "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    fbt_ex_body(&A, &ex->resp,
                "{\"ErrorCode\":31,\"WasSuccessful\":false,\"CalendarFolder\":null,"
                "\"MasterList\":null}");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->kind, FB_CALL_OWA_CALENDAR);
    cr_assert_str_eq(call->operation, "GetCalendarFolderConfiguration");
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_code, "OwaErrorCode:31");
    cr_assert_null(call->errors[0].message_text);
    cr_assert_str_eq(
        call->errors[0].exception_type,
        "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    cr_assert_str_eq(
        call->http.x_owa_error,
        "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    /* a ResponseCode in the body names the error instead */
    fbt_ex_body(
        &A, &ex->resp,
        "{\"ErrorCode\":31,\"WasSuccessful\":false,\"ResponseCode\":\"ErrorNoFreeBusyAccess\"}");
    call = run(ex, 1);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_code, "ErrorNoFreeBusyAccess");
    /* the header alone on a 200 still makes a finding */
    fbt_ex_body(&A, &ex->resp, "{\"ErrorCode\":0,\"WasSuccessful\":true}");
    call = run(ex, 1);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_null(call->errors[0].response_code);
    cr_assert_str_eq(
        call->errors[0].exception_type,
        "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    /* and a healthy calendar call is not kept */
    ex->resp.n_headers = 0;
    call = run(ex, 0);
    cr_assert_null(call);
}

#define GRAPH_URL "https://graph.microsoft.com/v1.0/me/calendar/getSchedule"

static struct fb_exchange *graph(const char *req, const char *resp, int status)
{
    struct fb_exchange *ex = fbt_ex_new(&A, 11, "POST", GRAPH_URL);
    fbt_ex_body(&A, &ex->req, req);
    fbt_ex_body(&A, &ex->resp, resp);
    if (status != 200)
        fbt_ex_status(&A, ex, status, "Forbidden");
    return ex;
}

static const char graph_req[] =
    "{\"schedules\":[\"a@contoso.com\",\"b@datum.com\",\"c@datum.com\"],"
    "\"startTime\":{\"dateTime\":\"2019-03-15T09:00:00\",\"timeZone\":\"UTC\"},"
    "\"availabilityViewInterval\":30}";

Test(json_extract, graph_mixed_matched_by_schedule_id_not_order)
{
    struct fb_call *call = run(
        graph(graph_req,
              "{\"@odata.context\":\"x\",\"value\":["
              "{\"scheduleId\":\"C@DATUM.COM\",\"availabilityView\":\"0220\",\"scheduleItems\":[]},"
              "{\"scheduleId\":\"b@datum.com\",\"availabilityView\":\"\",\"error\":{\"message\":"
              "\"Unable to resolve the e-mail address.\",\"responseCode\":"
              "\"ErrorMailRecipientNotFound\"}},"
              "{\"scheduleId\":\"a@contoso.com\",\"availabilityView\":\"0000\"}]}",
              200),
        1);
    cr_assert_eq(call->kind, FB_CALL_GRAPH_SCHEDULE);
    cr_assert_eq(call->n_attendees, 3);
    cr_assert_eq(call->flags, 0);
    cr_assert_str_eq(call->attendees[0].mailbox, "a@contoso.com");
    cr_assert_eq(call->attendees[0].result, FB_RES_OK);
    cr_assert_str_eq(call->attendees[0].merged_free_busy, "0000");
    cr_assert_str_eq(call->attendees[1].mailbox, "b@datum.com");
    cr_assert_eq(call->attendees[1].result, FB_RES_ERROR);
    cr_assert_str_eq(call->attendees[1].finding->response_code, "ErrorMailRecipientNotFound");
    cr_assert_str_eq(call->attendees[1].finding->message_text,
                     "Unable to resolve the e-mail address.");
    cr_assert_str_eq(call->attendees[2].mailbox, "c@datum.com");
    cr_assert_eq(call->attendees[2].result, FB_RES_OK);
    cr_assert_str_eq(call->attendees[2].merged_free_busy, "0220");
    cr_assert_eq(call->n_errors, 0);
}

Test(json_extract, graph_unanswered_and_unrequested_schedules)
{
    struct fb_call *call =
        run(graph(graph_req,
                  "{\"value\":[{\"scheduleId\":\"a@contoso.com\",\"availabilityView\":\"0\"},"
                  "{\"scheduleId\":\"z@other.com\",\"availabilityView\":\"2\"}]}",
                  200),
            1);
    cr_assert_eq(call->flags, FB_CALL_F_COUNT_MISMATCH);
    cr_assert_eq(call->n_attendees, 4);
    cr_assert_eq(call->attendees[0].result, FB_RES_OK);
    cr_assert_eq(call->attendees[1].result, FB_RES_NO_RESPONSE);
    cr_assert_eq(call->attendees[2].result, FB_RES_NO_RESPONSE);
    cr_assert_str_eq(call->attendees[3].mailbox, "z@other.com");
    cr_assert_eq(call->attendees[3].result, FB_RES_OK);
    cr_assert_eq(T.n_warnings, 1);
}

Test(json_extract, graph_whole_call_error)
{
    struct fb_call *call = run(
        graph(graph_req,
              "{\"error\":{\"code\":\"ErrorAccessDenied\",\"message\":\"Access is denied. Check "
              "credentials and try again.\",\"innerError\":{\"request-id\":\"r1\"}}}",
              403),
        1);
    cr_assert_eq(call->n_errors, 1); /* the body's error, no extra HTTP-level one */
    cr_assert_str_eq(call->errors[0].response_code, "ErrorAccessDenied");
    cr_assert_str_eq(call->errors[0].message_text,
                     "Access is denied. Check credentials and try again.");
    cr_assert_eq(call->http.status, 403);
    cr_assert_eq(call->n_attendees, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(call->attendees[i].result, FB_RES_ERROR);
        cr_assert_str_eq(call->attendees[i].finding->response_code, "ErrorAccessDenied");
    }
}

Test(json_extract, autodiscover_v2_ok_and_error)
{
    struct fb_exchange *ex = fbt_ex_new(
        &A, 2, "GET",
        "https://autodiscover-s.outlook.com/autodiscover/autodiscover.json/v1.0/a@contoso.com?"
        "Protocol=EWS&RedirectCount=1");
    fbt_ex_body(
        &A, &ex->resp,
        "{\"Protocol\":\"EWS\",\"Url\":\"https://outlook.office365.com/EWS/Exchange.asmx\"}");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->kind, FB_CALL_AUTOD_V2);
    cr_assert_eq(call->n_errors, 0);
    cr_assert_eq(call->n_attendees, 0);
    fbt_ex_status(&A, ex, 500, "Internal Server Error");
    fbt_ex_body(&A, &ex->resp,
                "{\"ErrorCode\":\"InternalServerError\",\"ErrorMessage\":\"Failed to resolve "
                "the autodiscover endpoint.\"}");
    call = run(ex, 1);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_code, "InternalServerError");
    cr_assert_str_eq(call->errors[0].message_text, "Failed to resolve the autodiscover endpoint.");
}

Test(json_extract, oauth_token_aadsts_error_is_not_server_diagnostics)
{
    struct fb_exchange *ex =
        fbt_ex_new(&A, 3, "POST", "https://login.microsoftonline.com/common/oauth2/v2.0/token");
    fbt_ex_body(&A, &ex->req, "grant_type=refresh_token&refresh_token=SECRET&client_id=x");
    fbt_ex_status(&A, ex, 400, "Bad Request");
    fbt_ex_body(&A, &ex->resp,
                "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS50076: Due to a "
                "configuration change made by your administrator, or because you moved to a "
                "new location, you must use multi-factor authentication to access "
                "'00000002-0000-0ff1-ce00-000000000000'. diagnostics: 2000005;reason=\\\"x\\\"\","
                "\"error_codes\":[50076,50079],\"timestamp\":\"2023-01-01 00:00:00Z\","
                "\"trace_id\":\"t-1\",\"correlation_id\":\"c-1\",\"suberror\":\"basic_action\"}");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->kind, FB_CALL_OAUTH_TOKEN);
    cr_assert_eq(call->n_errors, 1);
    const struct fb_finding *f = &call->errors[0];
    cr_assert_str_eq(f->response_code, "invalid_grant");
    cr_assert(strncmp(f->message_text, "AADSTS50076: Due to a configuration change", 42) == 0);
    cr_assert_null(f->diag_code);
    cr_assert_null(f->diag_reason);
    cr_assert_null(f->diag_category);
    cr_assert_eq(f->n_values, 3);
    cr_assert_str_eq(f->values[0].name, "error_codes");
    cr_assert_str_eq(f->values[0].value, "50076,50079");
    cr_assert_str_eq(f->values[1].value, "t-1");
    cr_assert_str_eq(f->values[2].value, "c-1");
}

Test(json_extract, malformed_json_flags_the_call_and_keeps_it)
{
    struct fb_exchange *ex =
        owa(owa_request("a@x.com", "FreeBusy"), "{\"Body\":{\"Responses\":[{\"ResponseMessage\":");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->flags, FB_CALL_F_BODY_UNPARSED);
    cr_assert_eq(call->n_attendees, 1);
    cr_assert_eq(T.n_warnings, 1);
    cr_assert(strncmp(T.warnings[0].msg, "OWA response body is not valid JSON (line 1", 43) == 0,
              "%s", T.warnings[0].msg);
    /* directly: FB_ERR_FORMAT */
    struct fb_call c2 = {0};
    c2.kind = FB_CALL_OWA_GUA;
    c2.source = "saz:5";
    cr_assert_eq(fb_extract_json(ex, &c2, &A, NULL, "x"), FB_ERR_FORMAT);
    cr_assert_eq(c2.flags, FB_CALL_F_BODY_UNPARSED);
}

Test(json_extract, html_error_page_is_not_a_json_failure)
{
    struct fb_exchange *ex = owa(owa_request("a@x.com", "FreeBusy"),
                                 "<html><head><title>Runtime Error</title></head></html>");
    fbt_ex_status(&A, ex, 500, "Internal Server Error");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->flags, 0);
    cr_assert_eq(T.n_warnings, 0);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].message_text, "HTTP 500 Internal Server Error");
    cr_assert_eq(call->attendees[0].result, FB_RES_ERROR);
}

Test(json_extract, bom_and_nul_escape_are_accepted)
{
    struct fb_call *call =
        run(owa(owa_request("a@x.com", "FreeBusy"),
                "\xEF\xBB\xBF {\"Body\":{\"Responses\":[{\"ResponseMessage\":{\"ResponseClass\":"
                "\"Error\",\"ResponseCode\":\"ErrorX\",\"MessageText\":\"bad\\u0000tail\"}}]}}"),
            1);
    cr_assert_eq(call->flags, 0);
    cr_assert_str_eq(call->attendees[0].finding->response_code, "ErrorX");
    cr_assert_str_eq(call->attendees[0].finding->message_text, "bad"); /* C string stops at NUL */
}

Test(json_extract, other_owa_action_with_error_items_is_kept)
{
    struct fb_exchange *ex =
        fbt_ex_new(&A, 4, "POST", "https://mail.contoso.com/owa/service.svc?action=FindItem");
    fbt_ex_body(&A, &ex->resp,
                "{\"Body\":{\"ResponseMessages\":{\"Items\":[{\"ResponseClass\":\"Success\"},"
                "{\"ResponseClass\":\"Error\",\"ResponseCode\":\"ErrorItemNotFound\","
                "\"MessageText\":\"The specified object was not found in the store.\"}]}}}");
    struct fb_call *call = run(ex, 1);
    cr_assert_eq(call->kind, FB_CALL_EXCHANGE_OTHER);
    cr_assert_str_eq(call->operation, "FindItem");
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].response_code, "ErrorItemNotFound");
}

Test(json_extract, owa_coarser_view_with_all_n_says_no_data)
{
    struct fb_call *call =
        run(owa(owa_request("room12@x.com", "DetailedMerged"),
                "{\"Body\":{\"Responses\":[" OK_RESP("FreeBusyMerged", "NNNNNN") "]}}"),
            1);
    cr_assert_eq(call->n_attendees, 1);
    cr_assert_eq(call->attendees[0].result, FB_RES_DEGRADED);
    cr_assert_str_eq(call->attendees[0].finding->message_text,
                     "MergedFreeBusy has no data (all N)");
}
