/* test_facts.c - trace facts from hand-built calls: routes, peers, directions, auth
 * paths, chains, vantage, app and the problem count. */
#include <criterion/criterion.h>
#include <string.h>

#include "../support/trace_build.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/trace.h"

static struct fb_trace *new_trace(void)
{
    struct fb_trace *t = fb_xmalloc(sizeof *t);
    fb_trace_init(t);
    return t;
}

static void free_trace(struct fb_trace *t)
{
    fb_trace_cleanup(t);
    free(t);
}

static struct fb_call *add_call(struct fb_trace *t, enum fb_call_kind kind, const char *url,
                                const char *host, int status, size_t n_att)
{
    return fbt_call_add(t, kind, url, host, status, n_att);
}

static struct fb_finding *error_of(struct fb_trace *t, struct fb_attendee *a, const char *code)
{
    return fbt_attendee_error(t, a, code);
}

#define OWA "https://outlook.office.com/owa/service.svc?action=GetUserAvailabilityInternal"

Test(facts, seed_one_pair_fails_while_peer_on_same_domain_succeeds)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 2);
    c->requester = "X1@contoso.com";
    c->attendees[0].mailbox = "Y1@datum.com";
    error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    c->attendees[1].mailbox = "Y2@Datum.com";
    c->attendees[1].result = FB_RES_OK;
    fb_facts_compute(t);
    const struct fb_attendee_facts *y1 = &t->facts->calls[0].attendees[0];
    cr_assert_str_eq(y1->route, "datum.com");
    cr_assert_str_eq(y1->route_kind, "smtp-domain");
    cr_assert_eq(y1->route_peers_ok, FB_TRI_TRUE);
    cr_assert_eq(y1->domain_peers_ok, FB_TRI_TRUE);
    cr_assert_eq(y1->fails_in_every_call, FB_TRI_UNKNOWN);
    cr_assert_eq(y1->same_domain_as_requester, FB_TRI_FALSE);
    cr_assert_eq(y1->calls_seen, 1);
    cr_assert_eq(t->facts->app, FB_APP_OWA);
    cr_assert_eq(t->facts->vantage, FB_VANTAGE_CLIENT);
    cr_assert_str_eq(t->facts->requester, "X1@contoso.com");
    cr_assert_eq(t->facts->n_problems, 1);
    cr_assert_eq(t->facts->n_availability_calls, 1);
    free_trace(t);
}

Test(facts, failure_repeated_in_every_call_and_every_peer_failing)
{
    struct fb_trace *t = new_trace();
    for (int i = 0; i < 2; i++) {
        struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 2);
        c->requester = "X1@contoso.com";
        c->attendees[0].mailbox = "Y1@datum.com";
        error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
        c->attendees[1].mailbox = "Y2@datum.com";
        error_of(t, &c->attendees[1], "ErrorProxyRequestProcessingFailed");
    }
    fb_facts_compute(t);
    const struct fb_attendee_facts *y1 = &t->facts->calls[1].attendees[0];
    cr_assert_eq(y1->route_peers_ok, FB_TRI_FALSE);
    cr_assert_eq(y1->fails_in_every_call, FB_TRI_TRUE);
    cr_assert_eq(y1->domain_fails_in_every_call, FB_TRI_TRUE);
    cr_assert_eq(y1->calls_seen, 2);
    cr_assert_eq(y1->calls_failed, 2);
    cr_assert_eq(t->facts->n_problems, 4);
    free_trace(t);
}

Test(facts, another_requester_succeeding_for_the_same_attendee_is_a_route_peer)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c1 = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 1);
    c1->requester = "X1@contoso.com";
    c1->attendees[0].mailbox = "Y1@datum.com";
    error_of(t, &c1->attendees[0], "ErrorProxyRequestProcessingFailed");
    struct fb_call *c2 = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 1);
    c2->input = 1;
    c2->requester = "X2@contoso.com";
    c2->attendees[0].mailbox = "Y1@datum.com";
    c2->attendees[0].result = FB_RES_OK;
    fb_facts_compute(t);
    cr_assert_eq(t->facts->calls[0].attendees[0].route_peers_ok, FB_TRI_TRUE);
    cr_assert_eq(t->facts->calls[0].attendees[0].calls_seen, 1);
    free_trace(t);
}

Test(facts, cloud_to_onprem_dauth_route_from_error_url)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 1);
    c->http.server_version = "15.20.7452.28";
    c->attendees[0].mailbox = "y1@contoso.com";
    struct fb_finding *f = error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    f->urls[0] = "https://login.microsoftonline.com/extSTS.srf";
    f->urls[1] = "https://Mail.Contoso.com:443/EWS/Exchange.asmx/WSSecurity";
    f->n_urls = 2;
    fb_facts_compute(t);
    const struct fb_attendee_facts *a = &t->facts->calls[0].attendees[0];
    cr_assert_str_eq(a->route, "mail.contoso.com");
    cr_assert_str_eq(a->route_kind, "error-url");
    cr_assert_eq(a->direction, FB_DIR_CLOUD_TO_ONPREM);
    cr_assert_eq(a->auth_path, FB_AUTH_DAUTH);
    cr_assert_eq(a->route_peers_ok, FB_TRI_UNKNOWN);
    cr_assert_eq(t->facts->directions, 1u << FB_DIR_CLOUD_TO_ONPREM);
    cr_assert_eq(t->facts->auth_paths, 1u << FB_AUTH_DAUTH);
    cr_assert_str_eq(fb_direction_name(a->direction), "cloud-to-onprem");
    free_trace(t);
}

Test(facts, onprem_to_cloud_oauth_from_diagnostics_and_token_url)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 200, 1);
    c->http.server_version = "15.1.2507.6";
    c->attendees[0].mailbox = "cloud@contoso.com";
    struct fb_finding *f = error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    f->diag_code = "2000005";
    f->urls[0] = "https://login.microsoftonline.com/common/oauth2/token";
    f->n_urls = 1;
    fb_facts_compute(t);
    const struct fb_attendee_facts *a = &t->facts->calls[0].attendees[0];
    cr_assert_eq(a->direction, FB_DIR_ONPREM_TO_CLOUD);
    cr_assert_eq(a->auth_path, FB_AUTH_OAUTH);
    cr_assert_str_eq(a->route, "contoso.com");
    cr_assert_eq(a->same_domain_as_requester, FB_TRI_UNKNOWN);
    cr_assert_eq(t->facts->app, FB_APP_EWS_OTHER);
    free_trace(t);
}

Test(facts, response_source_is_the_route_and_cloud_cross_tenant)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c =
        add_call(t, FB_CALL_EWS_GUA, "https://outlook.office365.com/EWS/Exchange.asmx",
                 "outlook.office365.com", 200, 1);
    c->attendees[0].mailbox = "b@fabrikam.com";
    struct fb_finding *f = error_of(t, &c->attendees[0], "ErrorNoFreeBusyAccess");
    f->response_source = "https://AM6PR04MB1234.outlook.com/EWS/Exchange.asmx/WSSecurity";
    fb_facts_compute(t);
    const struct fb_attendee_facts *a = &t->facts->calls[0].attendees[0];
    cr_assert_str_eq(a->route, "am6pr04mb1234.outlook.com");
    cr_assert_str_eq(a->route_kind, "response-source");
    cr_assert_eq(a->direction, FB_DIR_CLOUD_CROSS_TENANT);
    cr_assert_eq(a->auth_path, FB_AUTH_DAUTH);
    free_trace(t);
}

Test(facts, autodiscover_probes_and_auth_handshakes_are_superseded)
{
    struct fb_trace *t = new_trace();
    struct fb_call *p1 =
        add_call(t, FB_CALL_AUTOD_POX, "https://contoso.com/autodiscover/autodiscover.xml",
                 "contoso.com", 404, 0);
    struct fb_finding *f = fb_arena_calloc(&t->arena, 1, sizeof *f);
    f->message_text = "HTTP 404 Not Found";
    p1->errors = f;
    p1->n_errors = 1;
    add_call(t, FB_CALL_AUTOD_POX, "https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
             "autodiscover.contoso.com", 200, 0);
    struct fb_call *h1 = add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                  "mail.contoso.com", 401, 0);
    h1->errors = f;
    h1->n_errors = 1;
    struct fb_call *ok = add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                  "mail.contoso.com", 200, 1);
    ok->attendees[0].mailbox = "a@contoso.com";
    ok->attendees[0].result = FB_RES_OK;
    fb_facts_compute(t);
    cr_assert_eq(t->facts->calls[0].superseded, 1);
    cr_assert_str_eq(t->facts->calls[0].superseded_by.source, "saz:2");
    cr_assert_eq(t->facts->calls[2].superseded, 1);
    cr_assert_str_eq(t->facts->calls[2].superseded_by.source, "saz:4");
    cr_assert_eq(t->facts->calls[3].superseded, 0);
    cr_assert_eq(t->facts->n_problems, 0);
    free_trace(t);
}

Test(facts, failed_final_autodiscover_and_attendee_errors_are_not_superseded)
{
    struct fb_trace *t = new_trace();
    struct fb_call *g = add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 200, 1);
    g->attendees[0].mailbox = "a@contoso.com";
    error_of(t, &g->attendees[0], "ErrorMailRecipientNotFound");
    add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx", "mail.contoso.com",
             200, 0);
    struct fb_call *ad = add_call(t, FB_CALL_AUTOD_SOAP,
                                  "https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
                                  "autodiscover.contoso.com", 500, 0);
    struct fb_finding *f = fb_arena_calloc(&t->arena, 1, sizeof *f);
    ad->errors = f;
    ad->n_errors = 1;
    fb_facts_compute(t);
    cr_assert_eq(t->facts->calls[0].superseded, 0);
    cr_assert_eq(t->facts->calls[2].superseded, 0);
    cr_assert_eq(t->facts->n_problems, 2);
    free_trace(t);
}

Test(facts, vantage_exchange_server_and_app_from_process)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c =
        add_call(t, FB_CALL_EWS_GUA, "https://mail.fabrikam.com/EWS/Exchange.asmx/WSSecurity",
                 "mail.fabrikam.com", 200, 0);
    c->http.user_agent = "ASProxy/CrossForest/EmailDomain/EXCH/15.01.2507.000";
    fb_facts_compute(t);
    cr_assert_eq(t->facts->vantage, FB_VANTAGE_EXCHANGE_SERVER);
    cr_assert_str_eq(t->facts->vantage_evidence.source, "saz:1");
    free_trace(t);

    t = new_trace();
    c = add_call(t, FB_CALL_EWS_GUA, "https://outlook.office365.com/EWS/Exchange.asmx",
                 "outlook.office365.com", 200, 0);
    c->http.process = "outlook:4242";
    fb_facts_compute(t);
    cr_assert_eq(t->facts->app, FB_APP_OUTLOOK_CLASSIC);
    cr_assert_str_eq(fb_app_name(t->facts->app), "outlook-classic");
    free_trace(t);
}

Test(facts, empty_trace_has_no_calls_and_no_problems)
{
    struct fb_trace *t = new_trace();
    fb_facts_compute(t);
    cr_assert_eq(t->facts->n_calls, 0);
    cr_assert_eq(t->facts->n_problems, 0);
    cr_assert_eq(t->facts->n_availability_calls, 0);
    cr_assert_eq(t->facts->app, FB_APP_UNKNOWN);
    free_trace(t);
}

Test(facts, a_coarser_view_on_success_is_degraded_but_not_a_problem)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 200, 3);
    struct fb_finding *coarse = fb_arena_calloc(&t->arena, 1, sizeof *coarse);
    coarse->response_class = "Success";
    c->attendees[0] = (struct fb_attendee){.mailbox = "a@contoso.com",
                                           .result = FB_RES_DEGRADED,
                                           .view_type = "FreeBusy",
                                           .finding = coarse};
    c->attendees[1] = (struct fb_attendee){.mailbox = "b@contoso.com",
                                           .result = FB_RES_DEGRADED,
                                           .view_type = "FreeBusy",
                                           .merged_free_busy = "NNNN",
                                           .finding = coarse};
    struct fb_finding *warn = fb_arena_calloc(&t->arena, 1, sizeof *warn);
    warn->response_class = "Warning";
    c->attendees[2] = (struct fb_attendee){.mailbox = "c@contoso.com",
                                           .result = FB_RES_DEGRADED,
                                           .view_type = "FreeBusy",
                                           .finding = warn};
    fb_facts_compute(t);
    cr_assert_eq(fb_attendee_is_problem(&c->attendees[0]), 0);
    cr_assert_eq(fb_attendee_is_problem(&c->attendees[1]), 1);
    cr_assert_eq(fb_attendee_is_problem(&c->attendees[2]), 1);
    cr_assert_eq(t->facts->n_problems, 2);
    free_trace(t);
}

/* Real Autodiscover calls carry the mailbox they ask about as an attendee: a POX 404 on the
 * root domain (attendee error) is still a probe that a later success for that mailbox
 * supersedes. The requester's side comes from the availability call, not the probe. */
Test(facts, autodiscover_probe_with_its_mailbox_is_superseded_and_side_from_availability)
{
    struct fb_trace *t = new_trace();
    struct fb_call *p1 =
        add_call(t, FB_CALL_AUTOD_POX, "https://contoso.com/autodiscover/autodiscover.xml",
                 "contoso.com", 404, 1);
    p1->attendees[0].mailbox = "alice@contoso.com";
    struct fb_finding *f = error_of(t, &p1->attendees[0], NULL);
    f->message_text = "HTTP 404 Not Found";
    p1->errors = f;
    p1->n_errors = 1;
    struct fb_call *p2 = add_call(t, FB_CALL_AUTOD_POX,
                                  "https://autodiscover.contoso.com/autodiscover/autodiscover.xml",
                                  "autodiscover.contoso.com", 200, 1);
    p2->attendees[0].mailbox = "alice@contoso.com";
    p2->attendees[0].result = FB_RES_OK;
    struct fb_call *g =
        add_call(t, FB_CALL_EWS_GUA, "https://outlook.office365.com/EWS/Exchange.asmx",
                 "outlook.office365.com", 200, 1);
    g->http.server_version = "15.20.8207.19";
    g->attendees[0].mailbox = "bob@contoso.com";
    g->attendees[0].result = FB_RES_OK;
    fb_facts_compute(t);
    cr_assert_eq(t->facts->calls[0].superseded, 1);
    cr_assert_str_eq(t->facts->calls[0].superseded_by.source, "saz:2");
    cr_assert_eq(t->facts->n_problems, 0);
    cr_assert_eq(t->facts->requester_in_cloud, FB_TRI_TRUE);
    free_trace(t);
}

/* A peer on the same route that got a coarser view than requested (the partner grants
 * AvailabilityOnly) did get its free/busy: the route works for it. */
Test(facts, a_peer_with_a_coarser_view_counts_as_ok_on_the_route)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c =
        add_call(t, FB_CALL_EWS_GUA, "https://outlook.office365.com/EWS/Exchange.asmx",
                 "outlook.office365.com", 200, 2);
    c->requester = "alice@contoso.com";
    c->attendees[0].mailbox = "frank@datum.com";
    error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    struct fb_attendee *g = &c->attendees[1];
    g->mailbox = "gina@datum.com";
    g->result = FB_RES_DEGRADED;
    g->view_type = "FreeBusyMerged";
    g->requested_view = "DetailedMerged";
    g->merged_free_busy = "0022";
    struct fb_finding *f = fb_arena_calloc(&t->arena, 1, sizeof *f);
    f->response_class = "Success";
    f->response_code = "NoError";
    g->finding = f;
    fb_facts_compute(t);
    cr_assert_eq(t->facts->calls[0].attendees[0].route_peers_ok, FB_TRI_TRUE);
    cr_assert_eq(t->facts->calls[0].attendees[0].domain_peers_ok, FB_TRI_TRUE);
    cr_assert_eq(t->facts->n_problems, 1);
    free_trace(t);
}
