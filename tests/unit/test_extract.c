/* test_extract.c - classification of exchanges into call kinds, the call's HTTP facts,
 * the flagship OWA case end to end, HTTP-level failures, abandoned calls and the rule
 * that healthy non-availability traffic is not kept. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../support/ex_build.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/trace.h"

struct row {
    const char *method, *url;
    const char *hname, *hvalue; /* one request header, or NULL */
    const char *body;           /* request body, or NULL */
    enum fb_call_kind kind;
    const char *op; /* operation classify returns (static), or NULL */
};

#define GUA_ACTION                                                                                 \
    "\"http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability\""
#define GUA_BODY                                                                                   \
    "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/"          \
    "envelope/\"><soap:Header/><soap:Body>\r\n  <!-- c --><m:GetUserAvailabilityRequest "          \
    "xmlns:m=\"m\"><m:MailboxDataArray/></m:GetUserAvailabilityRequest></soap:Body>"               \
    "</soap:Envelope>"

static const struct row rows[] = {
    {"POST", "https://mail.contoso.com/EWS/Exchange.asmx", "SOAPAction", GUA_ACTION, NULL,
     FB_CALL_EWS_GUA, "GetUserAvailability"},
    {"POST", "https://mail.contoso.com/ews/exchange.asmx", NULL, NULL, GUA_BODY, FB_CALL_EWS_GUA,
     "GetUserAvailability"},
    {"POST", "https://mail.datum.com/EWS/Exchange.asmx/WSSecurity", NULL, NULL, GUA_BODY,
     FB_CALL_EWS_GUA, "GetUserAvailability"},
    {"POST", "https://MAIL.contoso.com/EWS/EXCHANGE.ASMX/wssecurity/", "SOAPAction", GUA_ACTION,
     NULL, FB_CALL_EWS_GUA, "GetUserAvailability"},
    {"POST", "/EWS/Exchange.asmx", "SOAPAction",
     "http://schemas.microsoft.com/exchange/services/2006/messages/FindItem", NULL,
     FB_CALL_EXCHANGE_OTHER, "FindItem"},
    {"POST", "/EWS/Exchange.asmx", NULL, NULL,
     "<s:Envelope xmlns:s=\"x\"><s:Body><m:FrobnicateWidgets/></s:Body></s:Envelope>",
     FB_CALL_EXCHANGE_OTHER, NULL},
    {"POST",
     "https://outlook.office.com/owa/"
     "service.svc?action=GetUserAvailabilityInternal&EP=1&ID=-3&AC=1",
     NULL, NULL, NULL, FB_CALL_OWA_GUA, "GetUserAvailabilityInternal"},
    {"POST", "https://mail.contoso.com/owa/service.svc", "X-OWA-ActionName",
     "GetUserAvailabilityInternalAction", NULL, FB_CALL_OWA_GUA, "GetUserAvailabilityInternal"},
    {"POST", "https://mail.contoso.com/OWA/Service.svc", "Action", "GetUserAvailabilityInternal",
     NULL, FB_CALL_OWA_GUA, "GetUserAvailabilityInternal"},
    {"POST",
     "https://mail.contoso.com/owa/x1@contoso.com/service.svc?action=GetUserAvailabilityInternal",
     NULL, NULL, NULL, FB_CALL_OWA_GUA, "GetUserAvailabilityInternal"},
    {"POST", "https://mail.contoso.com/owa/service.svc?action=GetCalendarFolderConfiguration&EP=1",
     NULL, NULL, NULL, FB_CALL_OWA_CALENDAR, "GetCalendarFolderConfiguration"},
    {"POST", "https://mail.contoso.com/owa/service.svc?ID=-12&ACTION=getcalendarview", NULL, NULL,
     NULL, FB_CALL_OWA_CALENDAR, "GetCalendarView"},
    {"POST", "https://mail.contoso.com/owa/service.svc?action=GetOwaUserConfiguration", NULL, NULL,
     NULL, FB_CALL_EXCHANGE_OTHER, "GetOwaUserConfiguration"},
    {"POST", "https://graph.microsoft.com/v1.0/me/calendar/getSchedule", NULL, NULL, NULL,
     FB_CALL_GRAPH_SCHEDULE, "getSchedule"},
    {"POST", "https://graph.microsoft.com/beta/users/a%40contoso.com/calendar/getschedule", NULL,
     NULL, NULL, FB_CALL_GRAPH_SCHEDULE, "getSchedule"},
    {"POST", "https://outlook.office.com/api/v2.0/me/calendar/getschedule?x=1", NULL, NULL, NULL,
     FB_CALL_GRAPH_SCHEDULE, "getSchedule"},
    {"POST", "https://autodiscover.contoso.com/autodiscover/autodiscover.svc", "SOAPAction",
     "\"http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings\"",
     NULL, FB_CALL_AUTOD_SOAP, "GetUserSettings"},
    {"POST", "https://autodiscover.contoso.com/autodiscover/autodiscover.svc/WSSecurity",
     "Content-Type",
     "application/soap+xml; charset=utf-8; "
     "action=\"http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/"
     "GetFederationInformation\"",
     NULL, FB_CALL_AUTOD_SOAP, "GetFederationInformation"},
    {"POST", "/Autodiscover/Autodiscover.svc", NULL, NULL,
     "<s:Envelope xmlns:s=\"x\"><s:Header><a:Action>x</a:Action></s:Header><s:Body>"
     "<GetDomainSettingsRequestMessage xmlns=\"y\"/></s:Body></s:Envelope>",
     FB_CALL_AUTOD_SOAP, "GetDomainSettings"},
    {"POST", "https://contoso.com/autodiscover/autodiscover.xml", NULL, NULL, NULL,
     FB_CALL_AUTOD_POX, NULL},
    {"GET",
     "https://outlook.office365.com/autodiscover/autodiscover.json/v1.0/a@contoso.com?Protocol=EWS",
     NULL, NULL, NULL, FB_CALL_AUTOD_V2, NULL},
    {"POST", "https://login.microsoftonline.com/extSTS.srf", NULL, NULL, NULL, FB_CALL_FED_TOKEN,
     "RST/Issue"},
    {"POST", "https://adfs.contoso.com/adfs/services/trust/2005/usernamemixed", NULL, NULL, NULL,
     FB_CALL_FED_TOKEN, "RST/Issue"},
    {"POST", "https://sts.example.net/sts", "SOAPAction",
     "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue", NULL, FB_CALL_FED_TOKEN,
     "RST/Issue"},
    {"POST", "https://sts.example.net/services/x", NULL, NULL,
     "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header><a:Action "
     "s:mustUnderstand=\"1\">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
     "</a:Action></s:Header><s:Body/></s:Envelope>",
     FB_CALL_FED_TOKEN, "RST/Issue"},
    {"POST", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token", NULL, NULL,
     NULL, FB_CALL_OAUTH_TOKEN, "token"},
    {"POST", "https://login.microsoftonline.com/common/oauth2/v2.0/token?client-request-id=1", NULL,
     NULL, NULL, FB_CALL_OAUTH_TOKEN, "token"},
    {"POST", "https://adfs.contoso.com/adfs/oauth2/token/", NULL, NULL, NULL, FB_CALL_OAUTH_TOKEN,
     "token"},
    {"GET", "https://mail.contoso.com/ecp/default.aspx", NULL, NULL, NULL, FB_CALL_EXCHANGE_OTHER,
     NULL},
    {"POST", "/mapi/emsmdb/?MailboxId=x@contoso.com", NULL, NULL, NULL, FB_CALL_EXCHANGE_OTHER,
     NULL},
    {"POST", "https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=Sync", NULL, NULL, NULL,
     FB_CALL_EXCHANGE_OTHER, NULL},
    {"GET", "https://outlook.office365.com:443/", NULL, NULL, NULL, FB_CALL_EXCHANGE_OTHER, NULL},
    {"GET", "https://mail.contoso.com/EWS/Exchange.asmxx", NULL, NULL, NULL, FB_CALL_EXCHANGE_OTHER,
     NULL},
    {"GET", "https://www.example.com/index.html", NULL, NULL, NULL, FB_CALL_NONE, NULL},
    {"GET", "https://www.example.com/owa2/service.svc", NULL, NULL, NULL, FB_CALL_NONE, NULL},
    {"GET", "https://www.example.com/x?u=/EWS/Exchange.asmx", NULL, NULL, NULL, FB_CALL_NONE, NULL},
    {"CONNECT", "mail.contoso.com:443", NULL, NULL, NULL, FB_CALL_NONE, NULL},
};

Test(extract, classification_table)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(rows); i++) {
        struct fb_arena a;
        fb_arena_init(&a);
        const struct row *r = &rows[i];
        struct fb_exchange *ex = fbt_ex_new(&a, 0, r->method, r->url);
        if (r->hname)
            fbt_ex_header(&a, &ex->req, r->hname, r->hvalue);
        if (r->body)
            fbt_ex_body(&a, &ex->req, r->body);
        const char *op = "unset";
        enum fb_call_kind k = fb_extract_classify(ex, &op);
        cr_assert_eq(k, r->kind, "row %zu (%s): kind %d, want %d", i, r->url, k, r->kind);
        if (r->op)
            cr_assert(op && strcmp(op, r->op) == 0, "row %zu (%s): op %s, want %s", i, r->url,
                      op ? op : "(null)", r->op);
        else
            cr_assert_null(op, "row %zu (%s): op %s, want NULL", i, r->url, op);
        fb_arena_cleanup(&a);
    }
}

Test(extract, relative_target_without_url_is_classified)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex = fbt_ex_new(&a, 0, "POST", NULL);
    ex->req.target = fb_str_cstr("/EWS/Exchange.asmx/WSSecurity");
    fbt_ex_header(&a, &ex->req, "SOAPAction", GUA_ACTION);
    const char *op;
    cr_assert_eq(fb_extract_classify(ex, &op), FB_CALL_EWS_GUA);
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t.saz", &call), 1);
    cr_assert_str_eq(call->url, "/EWS/Exchange.asmx/WSSecurity");
    cr_assert_eq(call->flags & FB_CALL_F_FEDERATED, FB_CALL_F_FEDERATED);
    fb_arena_cleanup(&a);
}

Test(extract, federated_flag_only_for_wssecurity_endpoints)
{
    static const struct {
        const char *url;
        unsigned fed;
    } cases[] = {
        {"https://mail.datum.com/EWS/Exchange.asmx/WSSecurity", FB_CALL_F_FEDERATED},
        {"https://mail.datum.com/ews/exchange.asmx/wssecurity/", FB_CALL_F_FEDERATED},
        {"https://mail.datum.com/EWS/Exchange.asmx", 0},
        {"https://mail.datum.com/EWS/Exchange.asmx/WSSecurityX", 0},
        {"https://autodiscover.datum.com/autodiscover/autodiscover.svc/WSSecurity",
         FB_CALL_F_FEDERATED},
        {"https://autodiscover.datum.com/autodiscover/autodiscover.svc", 0},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_exchange *ex = fbt_ex_new(&a, 3, "POST", cases[i].url);
        fbt_ex_body(&a, &ex->req, GUA_BODY);
        struct fb_call *call;
        cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t.saz", &call), 1, "%s", cases[i].url);
        cr_assert_eq(call->flags & FB_CALL_F_FEDERATED, cases[i].fed, "%s", cases[i].url);
        fb_arena_cleanup(&a);
    }
}

/* The flagship case (research-signatures.md #3; the seed blog post): X1@contoso.com asks
 * OWA for Y1@datum.com's free/busy; the proxied leg is reset by the remote host. */
#define SEED_MESSAGE                                                                               \
    "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "        \
    "connection was closed: An unexpected error occurred on a receive. ---> "                      \
    "System.IO.IOException: Unable to read data from the transport connection: An existing "       \
    "connection was forcibly closed by the remote host. ---> "                                     \
    "System.Net.Sockets.SocketException: An existing connection was forcibly closed by the "       \
    "remote host"

static const char seed_request[] =
    "{\"__type\":\"GetUserAvailabilityInternalJsonRequest:#Exchange\","
    "\"Header\":{\"__type\":\"JsonRequestHeaders:#Exchange\",\"RequestServerVersion\":"
    "\"Exchange2013\"},\"Body\":{\"__type\":\"GetUserAvailabilityRequest:#Exchange\","
    "\"MailboxDataArray\":[{\"__type\":\"MailboxData:#Exchange\",\"Email\":{\"__type\":"
    "\"EmailAddress:#Exchange\",\"Address\":\"Y1@datum.com\"}}],\"FreeBusyViewOptions\":{"
    "\"__type\":\"FreeBusyViewOptions:#Exchange\",\"MergedFreeBusyIntervalInMinutes\":30,"
    "\"RequestedView\":\"DetailedMerged\",\"TimeWindow\":{\"__type\":\"Duration:#Exchange\","
    "\"StartTime\":\"2017-03-06T00:00:00.001\",\"EndTime\":\"2017-03-13T00:00:00.000\"}}}}";

static const char seed_response[] =
    "{\"Body\":{\"ResponseClass\":\"Success\",\"ResponseCode\":\"NoError\",\"Responses\":[{"
    "\"ResponseMessage\":{\"MessageText\":\"" SEED_MESSAGE "\",\"ResponseCode\":"
    "\"ErrorProxyRequestProcessingFailed\",\"ResponseClass\":\"Error\"},\"CalendarView\":{"
    "\"FreeBusyViewType\":\"None\"}}]}}";

static struct fb_exchange *seed_exchange(struct fb_arena *a)
{
    struct fb_exchange *ex = fbt_ex_new(
        a, 41, "POST",
        "https://outlook.office365.com/owa/service.svc?action=GetUserAvailabilityInternal&EP=1&"
        "ID=-42&AC=1");
    fbt_ex_header(a, &ex->req, "Host", "outlook.office365.com");
    fbt_ex_header(a, &ex->req, "Action", "GetUserAvailabilityInternal");
    fbt_ex_header(a, &ex->req, "X-AnchorMailbox", "X1@contoso.com");
    fbt_ex_header(a, &ex->req, "User-Agent", "Mozilla/5.0 (Windows NT 10.0)");
    fbt_ex_header(a, &ex->req, "Content-Type", "application/json; charset=UTF-8");
    fbt_ex_body(a, &ex->req, seed_request);
    fbt_ex_header(a, &ex->resp, "Content-Type", "application/json; charset=utf-8");
    fbt_ex_header(a, &ex->resp, "X-OWA-Version", "15.1.845.34");
    fbt_ex_header(a, &ex->resp, "X-FEServer", "CAS01");
    fbt_ex_header(a, &ex->resp, "X-BEServer", "MBX02");
    fbt_ex_header(a, &ex->resp, "request-id", "0f5c3a61-6a39-4c42-9a7a-5c8b2b3e9d10");
    fbt_ex_header(a, &ex->resp, "Server", "Microsoft-IIS/8.5");
    fbt_ex_body(a, &ex->resp, seed_response);
    ex->conn.process = fb_str_cstr("chrome:4242");
    ex->t.started = 1488790000000000;
    ex->t.response_done = 1488790000000000 + 2345000;
    return ex;
}

Test(extract, seed_owa_proxy_failure_end_to_end)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_exchange *ex = seed_exchange(&a);
    struct fb_call *call = NULL;
    cr_assert_eq(fb_extract_exchange(ex, 2, &t.arena, &t, "seed.saz", &call), 1);
    cr_assert_eq(call->kind, FB_CALL_OWA_GUA);
    cr_assert_str_eq(call->operation, "GetUserAvailabilityInternal");
    cr_assert_eq(call->input, 2);
    cr_assert_eq(call->exchange, 41);
    cr_assert_str_eq(call->source, "saz:41");
    cr_assert_str_eq(call->method, "POST");
    cr_assert_str_eq(call->requester, "X1@contoso.com");
    cr_assert_eq(call->started_us, 1488790000000000);
    cr_assert_eq(call->elapsed_us, 2345000);
    cr_assert_eq(call->flags, 0);
    cr_assert_eq(call->n_errors, 0);
    cr_assert_eq(call->n_attendees, 1);
    const struct fb_attendee *at = &call->attendees[0];
    cr_assert_str_eq(at->mailbox, "Y1@datum.com");
    cr_assert_eq(at->result, FB_RES_ERROR);
    cr_assert_str_eq(at->requested_view, "DetailedMerged");
    cr_assert_str_eq(at->view_type, "None");
    cr_assert_not_null(at->finding);
    cr_assert_eq(at->finding->layer,
                 FB_LAYER_PROXIED_LEG); /* "Proxy web request failed": the EWS proxy leg */
    cr_assert_str_eq(at->finding->response_class, "Error");
    cr_assert_str_eq(at->finding->response_code, "ErrorProxyRequestProcessingFailed");
    cr_assert_str_eq(at->finding->message_text, SEED_MESSAGE);
    /* the chain the text carries (exc_chain.c) */
    cr_assert_str_eq(at->finding->leg, "ews-proxy");
    const struct fb_exc_chain *ch = &at->finding->chain;
    cr_assert_eq(ch->n_links, 4);
    cr_assert_null(ch->links[0].type);
    cr_assert_str_eq(ch->links[1].type, "System.Net.WebException");
    cr_assert_str_eq(ch->links[1].web_status, "ReceiveFailure");
    cr_assert_str_eq(ch->links[3].type, "System.Net.Sockets.SocketException");
    cr_assert_eq(ch->links[3].socket_error, 10054);
    /* HTTP facts */
    cr_assert_eq(call->http.status, 200);
    cr_assert_str_eq(call->http.server_version, "15.1.845.34");
    cr_assert_str_eq(call->http.x_feserver, "CAS01");
    cr_assert_str_eq(call->http.x_beserver, "MBX02");
    cr_assert_str_eq(call->http.request_id, "0f5c3a61-6a39-4c42-9a7a-5c8b2b3e9d10");
    cr_assert_str_eq(call->http.server, "Microsoft-IIS/8.5");
    cr_assert_str_eq(call->http.user_agent, "Mozilla/5.0 (Windows NT 10.0)");
    cr_assert_str_eq(call->http.anchor_mailbox, "X1@contoso.com");
    cr_assert_str_eq(call->http.host, "outlook.office365.com");
    cr_assert_str_eq(call->http.process, "chrome:4242");
    cr_assert_null(call->http.www_authenticate);
    cr_assert_null(call->http.x_owa_error);
    cr_assert_eq(call->http.has_authorization, 0);
    cr_assert_null(call->http.auth_scheme);
    cr_assert_eq(t.n_warnings, 0);
    /* the call lives in the trace arena: it survives the exchange's arena */
    fb_arena_cleanup(&a);
    cr_assert_str_eq(call->attendees[0].finding->response_code,
                     "ErrorProxyRequestProcessingFailed");
    fb_trace_cleanup(&t);
}

Test(extract, authorization_scheme_is_kept_never_the_credential)
{
    static const struct {
        const char *value, *scheme;
    } cases[] = {
        {"Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret", "Bearer"},
        {"negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag", "Negotiate"},
        {"NTLM TlRMTVNTUAABAAAAB4IIogAAAAA=", "NTLM"},
        {"Basic dXNlcjpwYXNzd29yZA==", "Basic"},
        {"MSAuth1.0 actortoken=\"x\"", NULL},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        struct fb_arena a, ta;
        fb_arena_init(&a);
        fb_arena_init(&ta);
        struct fb_exchange *ex = seed_exchange(&a);
        fbt_ex_header(&a, &ex->req, "Authorization", cases[i].value);
        struct fb_call *call;
        cr_assert_eq(fb_extract_exchange(ex, 0, &ta, NULL, "t", &call), 1);
        cr_assert_eq(call->http.has_authorization, 1);
        if (cases[i].scheme)
            cr_assert_str_eq(call->http.auth_scheme, cases[i].scheme);
        else
            cr_assert_null(call->http.auth_scheme);
        fb_arena_cleanup(&a);
        fb_arena_cleanup(&ta);
    }
}

Test(extract, requester_sources)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_call *call;
    /* PUID anchor is not an SMTP address */
    struct fb_exchange *ex = seed_exchange(&a);
    ex->req.headers[2].value = fb_str_cstr("PUID:10033FFF8ABCDEF@72f988bf-86f1-41af-91ab");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_null(call->requester);
    /* SMTP: prefix is stripped */
    ex->req.headers[2].value = fb_str_cstr("SMTP:x1@contoso.com");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_str_eq(call->requester, "x1@contoso.com");
    /* Graph /users/{smtp}/ (percent-encoded) */
    ex = fbt_ex_new(&a, 1, "POST",
                    "https://graph.microsoft.com/v1.0/users/room1%40contoso.com/calendar/"
                    "getSchedule");
    fbt_ex_body(&a, &ex->req, "{\"schedules\":[\"a@contoso.com\"]}");
    fbt_ex_body(&a, &ex->resp, "{\"value\":[{\"scheduleId\":\"a@contoso.com\"}]}");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_str_eq(call->requester, "room1@contoso.com");
    /* /users/{guid}/ is not */
    ex->url = fb_str_cstr("https://graph.microsoft.com/v1.0/users/8c2a1d0e-1111-2222-3333-"
                          "444455556666/calendar/getSchedule");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_null(call->requester);
    fb_arena_cleanup(&a);
}

Test(extract, http_401_with_x_ms_diagnostics)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex = seed_exchange(&a);
    fbt_ex_status(&a, ex, 401, "Unauthorized");
    ex->resp.n_headers = 0;
    fbt_ex_header(&a, &ex->resp, "WWW-Authenticate",
                  "Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", "
                  "trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\"");
    fbt_ex_header(&a, &ex->resp, "x-ms-diagnostics",
                  "2000005;reason=\"The user specified by the user-context in the token does "
                  "not exist.\";error_category=\"invalid_user\"");
    fbt_ex_body(&a, &ex->resp, "");
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->http.status, 401);
    cr_assert_str_eq(call->http.www_authenticate,
                     "Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", "
                     "trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\"");
    cr_assert_eq(call->n_errors, 1);
    const struct fb_finding *f = &call->errors[0];
    cr_assert_null(f->response_code);
    cr_assert_str_eq(f->message_text, "HTTP 401 Unauthorized");
    cr_assert_str_eq(f->diag_code, "2000005");
    cr_assert_str_eq(f->diag_reason,
                     "The user specified by the user-context in the token does not exist.");
    cr_assert_str_eq(f->diag_category, "invalid_user");
    /* no per-attendee answer: the attendee failed with the call */
    cr_assert_eq(call->n_attendees, 1);
    cr_assert_eq(call->attendees[0].result, FB_RES_ERROR);
    cr_assert_str_eq(call->attendees[0].finding->message_text, "HTTP 401 Unauthorized");
    fb_arena_cleanup(&a);
}

Test(extract, abandoned_owa_call_is_no_response_with_elapsed_time)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex = seed_exchange(&a);
    fbt_ex_status(&a, ex, 0, "");
    ex->resp.n_headers = 0;
    fbt_ex_body(&a, &ex->resp, NULL);
    ex->flags |= FB_EX_NO_RESPONSE | FB_EX_ABORTED;
    ex->t.response_done = ex->t.started + 30000000;
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->http.status, 0);
    cr_assert_eq(call->elapsed_us, 30000000);
    cr_assert_eq(call->n_attendees, 1);
    cr_assert_str_eq(call->attendees[0].mailbox, "Y1@datum.com");
    cr_assert_eq(call->attendees[0].result, FB_RES_NO_RESPONSE);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].message_text, "no response (client gave up after 30000 ms)");
    cr_assert_null(call->errors[0].response_code);
    /* elapsed unknown */
    ex->t.response_done = 0;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->elapsed_us, -1);
    cr_assert_str_eq(call->errors[0].message_text, "no response");
    cr_assert_eq(call->attendees[0].result, FB_RES_NO_RESPONSE);
    fb_arena_cleanup(&a);
}

Test(extract, healthy_non_availability_traffic_is_not_kept)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_call *call = (struct fb_call *)&a; /* must be reset to NULL */
    struct fb_exchange *ex = fbt_ex_new(
        &a, 0, "POST", "https://mail.contoso.com/owa/service.svc?action=GetOwaUserConfiguration");
    fbt_ex_body(&a, &ex->resp, "{\"SessionSettings\":{\"UserDisplayName\":\"X1\"}}");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 0);
    cr_assert_null(call);
    ex = fbt_ex_new(&a, 1, "GET", "https://mail.contoso.com/ecp/default.aspx");
    fbt_ex_body(&a, &ex->resp, "<html><body>ok</body></html>");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 0);
    /* a body that mentions "error" but carries none is still healthy */
    ex = fbt_ex_new(&a, 2, "POST",
                    "https://mail.contoso.com/owa/service.svc?action=GetCalendarView");
    fbt_ex_body(&a, &ex->resp,
                "{\"Body\":{\"ResponseClass\":\"Success\",\"ResponseCode\":\"NoError\","
                "\"Items\":[{\"Subject\":\"error budget review\"}]}}");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 0);
    /* an abandoned notification long-poll is not kept either */
    ex = fbt_ex_new(&a, 3, "POST", "https://mail.contoso.com/owa/notificationchannel.ashx");
    fbt_ex_status(&a, ex, 0, "");
    ex->flags |= FB_EX_NO_RESPONSE;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 0);
    /* not Exchange at all */
    ex = fbt_ex_new(&a, 4, "GET", "https://www.example.com/");
    fbt_ex_status(&a, ex, 500, "Internal Server Error");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 0);
    fb_arena_cleanup(&a);
}

Test(extract, ecp_500_is_kept_with_a_call_level_finding)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex = fbt_ex_new(&a, 7, "GET", "https://mail.contoso.com/ecp/?rfr=owa");
    fbt_ex_status(&a, ex, 500, "Internal Server Error");
    fbt_ex_header(&a, &ex->resp, "Content-Type", "text/html");
    fbt_ex_header(&a, &ex->resp, "X-BackEndHttpStatus", "500,500");
    fbt_ex_body(&a, &ex->resp, "<!DOCTYPE html><html><body>Server Error in '/ecp'</body></html>");
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->kind, FB_CALL_EXCHANGE_OTHER);
    cr_assert_null(call->operation);
    cr_assert_eq(call->n_attendees, 0);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].message_text, "HTTP 500 Internal Server Error");
    cr_assert_null(call->errors[0].response_code);
    cr_assert_str_eq(call->http.x_backend_status, "500,500");
    cr_assert_eq(call->flags & FB_CALL_F_BODY_UNPARSED, 0);
    /* without a reason phrase (HTTP/2) */
    fbt_ex_status(&a, ex, 503, "");
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_str_eq(call->errors[0].message_text, "HTTP 503");
    fb_arena_cleanup(&a);
}

Test(extract, owa_error_header_on_failed_call_is_the_exception_type)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex = fbt_ex_new(
        &a, 0, "POST", "https://mail.contoso.com/owa/service.svc?action=GetCalendarEvent");
    fbt_ex_status(&a, ex, 500, "Internal Server Error");
    fbt_ex_header(&a, &ex->resp, "X-OWA-Error",
                  "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->kind, FB_CALL_OWA_CALENDAR);
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].message_text, "HTTP 500 Internal Server Error");
    cr_assert_str_eq(
        call->errors[0].exception_type,
        "Microsoft.Exchange.Services.Core.Types.CalendarExceptionInvalidPropertyValue");
    fb_arena_cleanup(&a);
}

/* EWS goes through the SOAP extractor: a whole-request fault is the call's error, no
 * HTTP-level finding is added, and every attendee fails with the fault. */
Test(extract, ews_fault_through_soap_extractor)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exchange *ex =
        fbt_ex_new(&a, 12, "POST", "https://mail.contoso.com/EWS/Exchange.asmx");
    fbt_ex_header(&a, &ex->req, "SOAPAction", GUA_ACTION);
    fbt_ex_header(&a, &ex->req, "X-AnchorMailbox", "x1@contoso.com");
    fbt_ex_body(
        &a, &ex->req,
        "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/"
        "envelope/\" xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/"
        "messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">"
        "<s:Body><m:GetUserAvailabilityRequest><m:MailboxDataArray>"
        "<t:MailboxData><t:Email><t:Address>y1@datum.com</t:Address></t:Email></t:MailboxData>"
        "<t:MailboxData><t:Email><t:Address>y2@datum.com</t:Address></t:Email></t:MailboxData>"
        "</m:MailboxDataArray><t:FreeBusyViewOptions><t:RequestedView>FreeBusy"
        "</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>"
        "</s:Body></s:Envelope>");
    fbt_ex_status(&a, ex, 500, "Internal Server Error");
    fbt_ex_body(&a, &ex->resp,
                "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/"
                "envelope/\"><s:Body><s:Fault><faultcode xmlns:a=\"http://schemas.microsoft.com/"
                "exchange/services/2006/types\">a:ErrorServerBusy</faultcode><faultstring>Too many "
                "concurrent requests.</faultstring></s:Fault></s:Body></s:Envelope>");
    struct fb_call *call;
    cr_assert_eq(fb_extract_exchange(ex, 1, &a, NULL, "t", &call), 1);
    cr_assert_eq(call->kind, FB_CALL_EWS_GUA);
    cr_assert_str_eq(call->requester, "x1@contoso.com");
    cr_assert_eq(call->n_errors, 1);
    cr_assert_str_eq(call->errors[0].fault_code, "a:ErrorServerBusy");
    cr_assert_eq(call->n_attendees, 2);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(call->attendees[i].result, FB_RES_ERROR);
        cr_assert_not_null(call->attendees[i].finding);
        cr_assert_str_eq(call->attendees[i].finding->fault_code, "a:ErrorServerBusy");
    }
    cr_assert_str_eq(call->attendees[1].mailbox, "y2@datum.com");
    fb_arena_cleanup(&a);
}

/* An HTTP failure whose body answers nobody (an HTML 503 page from HTTP.sys, an empty
 * 500) fails every requested attendee with the HTTP finding, in EWS as in OWA. */
Test(extract, ews_http_failure_without_answers_fails_every_attendee)
{
    struct fb_arena a;
    fb_arena_init(&a);
    static const int status[] = {503, 500, 401};
    static const char *const reason[] = {"Service Unavailable", "Internal Server Error",
                                         "Unauthorized"};
    static const char *const body[] = {
        "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable"
        "</h2></BODY></HTML>",
        "", ""};
    for (size_t k = 0; k < 3; k++) {
        struct fb_exchange *ex =
            fbt_ex_new(&a, 7, "POST", "https://mail.contoso.com/EWS/Exchange.asmx");
        fbt_ex_header(&a, &ex->req, "SOAPAction", GUA_ACTION);
        fbt_ex_body(&a, &ex->req,
                    "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/"
                    "soap/envelope/\" xmlns:m=\"http://schemas.microsoft.com/exchange/services/"
                    "2006/messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/"
                    "2006/types\"><s:Body><m:GetUserAvailabilityRequest><m:MailboxDataArray>"
                    "<t:MailboxData><t:Email><t:Address>y1@datum.com</t:Address></t:Email>"
                    "</t:MailboxData><t:MailboxData><t:Email><t:Address>y2@datum.com</t:Address>"
                    "</t:Email></t:MailboxData></m:MailboxDataArray></m:GetUserAvailabilityRequest>"
                    "</s:Body></s:Envelope>");
        fbt_ex_status(&a, ex, status[k], reason[k]);
        fbt_ex_header(&a, &ex->resp, "Content-Type", "text/html; charset=us-ascii");
        fbt_ex_body(&a, &ex->resp, body[k]);
        struct fb_call *call;
        cr_assert_eq(fb_extract_exchange(ex, 0, &a, NULL, "t", &call), 1);
        cr_assert_eq(call->n_errors, 1);
        char want[64];
        snprintf(want, sizeof want, "HTTP %d %s", status[k], reason[k]);
        cr_assert_str_eq(call->errors[0].message_text, want);
        cr_assert_eq(call->n_attendees, 2);
        for (size_t i = 0; i < 2; i++) {
            cr_assert_eq(call->attendees[i].result, FB_RES_ERROR, "status %d attendee %zu",
                         status[k], i);
            cr_assert_str_eq(call->attendees[i].finding->message_text, want);
        }
    }
    fb_arena_cleanup(&a);
}
