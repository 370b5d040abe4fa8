/* test_report_diagnose.c - the diagnose report (report.h): verdict rules, the JSON object
 * (exact values, tri-states, explained flags, diagnosis order and rounding, redaction of
 * tokens inside messages, schema validity), the text report (verdict line, sections,
 * colour only when asked) and the engine's match result rendered end to end. Traces are
 * built by hand as in test_facts.c. Runs from the worktree root (make unit). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/trace_build.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/redact.h"
#include "fbdiag/report.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"

#define OWA "https://outlook.office.com/owa/service.svc?action=GetUserAvailabilityInternal"
#define EWS "https://mail.contoso.com/EWS/Exchange.asmx"
#define JWT "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4MUBjb250b3NvLmNvbSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"

/* ---- building traces --------------------------------------------------------------- */

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

static void add_input(struct fb_trace *t, const char *path, uint64_t n_exchanges)
{
    struct fb_input_info *in = fb_trace_add_input(t, path);
    cr_assert_not_null(in);
    in->format = "saz";
    memset(in->sha256, 'a', 64);
    in->sha256[64] = '\0';
    in->size = 4096;
    in->n_exchanges = n_exchanges;
}

static struct fb_call *add_call(struct fb_trace *t, enum fb_call_kind kind, const char *url,
                                const char *host, int status, size_t n_att)
{
    struct fb_call *c = fbt_call_add(t, kind, url, host, status, n_att);
    c->method = "POST";
    return c;
}

static struct fb_finding *error_of(struct fb_trace *t, struct fb_attendee *a, const char *code)
{
    return fbt_attendee_error(t, a, code);
}

/* The seed case: X1 -> Y1 fails with a reset while Y2 on the same domain works; a second
 * call fails for Z1 at fabrikam.com (recipient not found); a 401 probe on another call. */
static struct fb_trace *seed_trace(void)
{
    struct fb_trace *t = new_trace();
    add_input(t, "case.saz", 12);
    struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 2);
    c->operation = "GetUserAvailabilityInternal";
    c->requester = "X1@contoso.com";
    c->started_us = 1714555812345678; /* 2024-05-01T09:30:12.345Z */
    c->elapsed_us = 152300;
    c->http.server_version = "15.20.7452.28";
    c->http.www_authenticate = "Negotiate oYIBBjCCAQKgAwoBAaEMBgorBgEEAYI3AgIKooHsBIHp";
    c->flags = FB_CALL_F_URL_POST_DATA;
    c->attendees[0].mailbox = "Y1@datum.com";
    c->attendees[0].requested_view = "Detailed";
    struct fb_finding *f = error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    f->message_text = "Proxy web request failed. Authorization: Bearer " JWT
                      " , inner exception: System.Net.WebException: The underlying connection "
                      "was closed: An unexpected error occurred on a receive.";
    f->exception_server = "AM6PR04MB1234";
    f->leg = "ews-proxy";
    f->urls[0] = "https://mail.datum.com/EWS/Exchange.asmx/WSSecurity?access_token=s3cr3t";
    f->n_urls = 1;
    f->values = fb_arena_calloc(&t->arena, 1, sizeof *f->values);
    f->values[0].name = "BackOffMilliseconds";
    f->values[0].value = "500";
    f->n_values = 1;
    f->chain.links = fb_arena_calloc(&t->arena, 2, sizeof *f->chain.links);
    f->chain.n_links = 2;
    f->chain.links[0].type = "System.Net.WebException";
    f->chain.links[0].message = "The underlying connection was closed";
    f->chain.links[0].web_status = "ReceiveFailure";
    f->chain.links[1].type = "System.Net.Sockets.SocketException";
    f->chain.links[1].message = "An existing connection was forcibly closed by the remote host";
    f->chain.links[1].socket_error = 10054;
    f->chain.links[1].lid = "43532";
    c->attendees[1].mailbox = "Y2@datum.com";
    c->attendees[1].result = FB_RES_OK;
    c->attendees[1].view_type = "FreeBusy";

    struct fb_call *c2 = add_call(t, FB_CALL_EWS_GUA, EWS, "mail.contoso.com", 200, 1);
    c2->requester = "X1@contoso.com";
    c2->attendees[0].mailbox = "Z1@fabrikam.com";
    struct fb_finding *g = error_of(t, &c2->attendees[0], "ErrorMailRecipientNotFound");
    g->message_text = "No mailbox with such guid.";
    c2->errors = fb_arena_calloc(&t->arena, 1, sizeof *c2->errors);
    c2->n_errors = 1;
    c2->errors[0].fault_code = "a:ErrorServerBusy";
    c2->errors[0].fault_string = "The server cannot service this request right now.";
    c2->errors[0].wstrust_code = "s:Sender";
    c2->errors[0].psf_code = "0x80048821";
    c2->errors[0].fragment_by_local_name = 1;
    c2->errors[0].diag_code = "2000005";
    fb_facts_compute(t);
    return t;
}

/* ---- rendering ----------------------------------------------------------------------- */

static char *render(const struct fb_trace *t, const struct fb_match_result *m,
                    enum fb_out_format fmt, int color, const char *key_source)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    struct fb_diagnose_view v = {t, m, fb_report_verdict(t, m), "0.1.0", "sha256:abc", key_source};
    struct fb_report_opts o = {fmt, 1, color, NULL};
    cr_assert_eq(fb_report_diagnose(f, &v, &o), 0);
    fclose(f);
    return buf;
}

static json_t *render_json(const struct fb_trace *t, const struct fb_match_result *m)
{
    char *s = render(t, m, FB_OUT_JSON, 0, NULL);
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    cr_assert_not_null(j, "not JSON: %s at %d: %s", e.text, e.position, s);
    cr_assert_eq(s[strlen(s) - 1], '\n');
    free(s);
    return j;
}

static const char *sget(json_t *o, const char *path)
{
    json_t *v = json_object_get(o, path);
    cr_assert(json_is_string(v), "%s is not a string", path);
    return json_string_value(v);
}

/* ---- a database with two small rules, and a hand-made match ------------------------ */

static const char RULE_RESET[] =
    "id: test-proxy-reset\n"
    "title: The proxied EWS call was reset\n"
    "meaning: >\n  The partner's endpoint closed the connection after the request was sent; "
    "something between the two organisations resets it.\n"
    "match:\n  - attendee.response_code: ErrorProxyRequestProcessingFailed\n"
    "supports:\n  - attendee.route_peers_ok: true\n"
    "confidence: {base: 0.5}\n"
    "next_steps:\n  - \"Look up the attendee as another user\"\n  - "
    "\"Test-OrganizationRelationship\"\n"
    "fix:\n  - \"Remove the stale subscription\"\n"
    "references:\n  - \"https://learn.microsoft.com/x\"\n";
static const char RULE_RECIPIENT[] =
    "id: test-recipient\n"
    "title: Recipient not found\n"
    "match:\n  - attendee.response_code: ErrorMailRecipientNotFound\n"
    "confidence: {base: 0.2}\n"
    "fix:\n  - \"Check the address\"\n";
static const char RULE_ADVICE[] = "id: test-advice\n"
                                  "title: Check the calendar permission\n"
                                  "evidence_source: none\n"
                                  "advice_for: [test-proxy-reset]\n"
                                  "next_steps:\n  - \"Get-MailboxFolderPermission\"\n";

static struct fb_sig_db *test_db(void)
{
    struct fb_sig_db *db;
    struct fb_diag d;
    memset(&d, 0, sizeof d);
    cr_assert_eq(fb_sig_db_new(&db, &d), 0);
    cr_assert_eq(fb_sig_db_add_text(db, "reset.yaml", RULE_RESET, strlen(RULE_RESET), &d), 0,
                 "%s: %s", d.where, d.msg);
    cr_assert_eq(fb_sig_db_add_text(db, "rcpt.yaml", RULE_RECIPIENT, strlen(RULE_RECIPIENT), &d), 0,
                 "%s: %s", d.where, d.msg);
    cr_assert_eq(fb_sig_db_add_text(db, "adv.yaml", RULE_ADVICE, strlen(RULE_ADVICE), &d), 0,
                 "%s: %s", d.where, d.msg);
    return db;
}

/* Two diagnoses (0.654 then 0.2), Y1 explained, Z1 and the call error not. */
static void hand_match(struct fb_trace *t, const struct fb_sig_db *db, struct fb_match_result *m)
{
    memset(m, 0, sizeof *m);
    m->diagnoses = fb_arena_calloc(&t->arena, 2, sizeof *m->diagnoses);
    m->n_diagnoses = 2;
    struct fb_diagnosis *d = &m->diagnoses[0];
    d->sig = fb_sig_db_find(db, "test-proxy-reset");
    cr_assert_not_null(d->sig);
    d->confidence = 0.654;
    d->route = "datum.com";
    d->first_source = "saz:1";
    d->attendees[0] = "Y1@datum.com";
    d->n_attendees = 1;
    d->evidence[0] = "attendee.response_code = ErrorProxyRequestProcessingFailed (saz:1)";
    d->evidence[1] = "message names Bearer " JWT;
    d->n_evidence = 2;
    d->advice[0] = fb_sig_db_find(db, "test-advice");
    d->n_advice = 1;
    d = &m->diagnoses[1];
    d->sig = fb_sig_db_find(db, "test-recipient");
    d->confidence = 0.2;
    m->n_failing_units = 3;
    m->n_unexplained = 2;
    m->attendee_explained = fb_arena_calloc(&t->arena, 2, sizeof(uint8_t *));
    m->error_explained = fb_arena_calloc(&t->arena, 2, sizeof(uint8_t *));
    m->attendee_explained[0] = fb_arena_calloc(&t->arena, 2, 1);
    m->attendee_explained[0][0] = 1;
    m->attendee_explained[1] = fb_arena_calloc(&t->arena, 1, 1);
    m->error_explained[1] = fb_arena_calloc(&t->arena, 1, 1);
}

/* ---- verdict ------------------------------------------------------------------------- */

Test(report_diagnose, verdict_follows_each_rule)
{
    struct fb_trace *t = new_trace();
    add_input(t, "empty.saz", 40);
    fb_facts_compute(t);
    cr_assert_str_eq(fb_report_verdict(t, NULL), "no-availability-traffic");
    struct fb_match_result m;
    memset(&m, 0, sizeof m);
    cr_assert_str_eq(fb_report_verdict(t, &m), "no-availability-traffic");
    free_trace(t);

    /* every input failed to read: no calls, the caller decides */
    t = new_trace();
    struct fb_input_info *in = fb_trace_add_input(t, "locked.saz");
    in->status = FB_ERR_PASSWORD;
    cr_assert_str_eq(fb_report_verdict(t, NULL), "no-availability-traffic");
    free_trace(t);

    t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 1);
    c->attendees[0].mailbox = "Y2@datum.com";
    c->attendees[0].result = FB_RES_OK;
    fb_facts_compute(t);
    cr_assert_str_eq(fb_report_verdict(t, NULL), "healthy");
    cr_assert_str_eq(fb_report_verdict(t, &m), "healthy");
    free_trace(t);

    t = seed_trace();
    cr_assert_str_eq(fb_report_verdict(t, NULL), "unexplained");
    cr_assert_str_eq(fb_report_verdict(t, &m), "unexplained"); /* no diagnoses */
    struct fb_diagnosis d;
    memset(&d, 0, sizeof d);
    m.diagnoses = &d;
    m.n_diagnoses = 1;
    cr_assert_str_eq(fb_report_verdict(t, &m), "diagnosed");
    free_trace(t);
}

Test(report_diagnose, degraded_attendee_alone_is_unexplained)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_EWS_GUA, EWS, "mail.contoso.com", 200, 1);
    c->attendees[0].mailbox = "Y2@datum.com";
    c->attendees[0].result = FB_RES_DEGRADED;
    fb_facts_compute(t);
    cr_assert_str_eq(fb_report_verdict(t, NULL), "unexplained");
    free_trace(t);
}

/* ---- json ---------------------------------------------------------------------------- */

Test(report_diagnose, json_top_level_keys_in_order_and_counts)
{
    struct fb_trace *t = seed_trace();
    struct fb_input_info *in = fb_trace_add_input(t, "locked.saz");
    in->status = FB_ERR_PASSWORD;
    in->error = "encrypted SAZ: give --password-file";
    fb_trace_warn(t, "case.saz", "saz:3", "response body cut at 10 bytes");
    fb_trace_advise(t, FB_ADV_SANITIZED, "case.saz", "saz:1");
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    hand_match(t, db, &m);
    json_t *j = render_json(t, &m);

    static const char *const keys[] = {"fbdiag_version", "signatures_hash", "verdict",   "inputs",
                                       "warnings",       "capture",         "facts",     "calls",
                                       "diagnoses",      "unexplained",     "key_source"};
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        cr_assert_lt(k, FB_ARRAY_LEN(keys));
        cr_assert_str_eq(key, keys[k], "key %zu is %s", k, key);
        k++;
    }
    cr_assert_eq(k, FB_ARRAY_LEN(keys));
    cr_assert_str_eq(sget(j, "verdict"), "diagnosed");
    cr_assert_str_eq(sget(j, "fbdiag_version"), "0.1.0");
    cr_assert_str_eq(sget(j, "signatures_hash"), "sha256:abc");
    cr_assert(json_is_null(json_object_get(j, "key_source")));
    cr_assert_eq(json_integer_value(json_object_get(j, "unexplained")), 2);

    json_t *inputs = json_object_get(j, "inputs");
    cr_assert_eq(json_array_size(inputs), 2);
    json_t *i0 = json_array_get(inputs, 0);
    cr_assert_str_eq(sget(i0, "path"), "case.saz");
    cr_assert_eq(json_integer_value(json_object_get(i0, "exchanges")), 12);
    cr_assert_eq(json_integer_value(json_object_get(i0, "size")), 4096);
    cr_assert_eq(strlen(sget(i0, "sha256")), 64);
    cr_assert_null(json_object_get(i0, "error"));
    json_t *e1 = json_object_get(json_array_get(inputs, 1), "error");
    cr_assert_str_eq(sget(e1, "code"), "password");
    cr_assert_str_eq(sget(e1, "message"), "encrypted SAZ: give --password-file");
    cr_assert(json_is_null(json_object_get(json_array_get(inputs, 1), "sha256")));

    json_t *w = json_array_get(json_object_get(j, "warnings"), 0);
    cr_assert_str_eq(sget(w, "input"), "case.saz");
    cr_assert_str_eq(sget(w, "source"), "saz:3");
    cr_assert_str_eq(sget(w, "message"), "response body cut at 10 bytes");
    json_t *cap = json_object_get(j, "capture");
    cr_assert_eq(json_array_size(cap), 1);
    cr_assert_str_eq(sget(json_array_get(cap, 0), "id"), fb_advice_id(FB_ADV_SANITIZED));
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(cap, 0), "count")), 1);

    json_t *facts = json_object_get(j, "facts");
    cr_assert_str_eq(sget(facts, "vantage"), "client");
    cr_assert_str_eq(sget(facts, "app"), "owa");
    cr_assert_str_eq(sget(facts, "requester"), "X1@contoso.com");
    cr_assert(json_is_array(json_object_get(facts, "directions")));
    json_decref(j);
    free_trace(t);
    fb_sig_db_free(db);
}

Test(report_diagnose, json_calls_attendees_tri_values_and_explained_flags)
{
    struct fb_trace *t = seed_trace();
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    hand_match(t, db, &m);
    json_t *j = render_json(t, &m);
    json_t *calls = json_object_get(j, "calls");
    cr_assert_eq(json_array_size(calls), 2);
    json_t *c0 = json_array_get(calls, 0);
    cr_assert_eq(json_integer_value(json_object_get(c0, "index")), 0);
    cr_assert_str_eq(sget(c0, "kind"), "owa-getuseravailability");
    cr_assert_str_eq(sget(c0, "operation"), "GetUserAvailabilityInternal");
    cr_assert_str_eq(sget(c0, "source"), "saz:1");
    cr_assert_str_eq(sget(c0, "started"), "2024-05-01T09:30:12.345Z");
    cr_assert_float_eq(json_real_value(json_object_get(c0, "elapsed_ms")), 152.3, 1e-9);
    cr_assert_eq(json_integer_value(json_object_get(c0, "status")), 200);
    cr_assert(json_is_false(json_object_get(c0, "superseded")));
    cr_assert(json_is_null(json_object_get(c0, "superseded_by")));
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(c0, "flags"), 0)),
                     "url-post-data");
    json_t *http = json_object_get(c0, "http");
    cr_assert_str_eq(sget(http, "server_version"), "15.20.7452.28");
    cr_assert(json_is_null(json_object_get(http, "x_feserver")));
    /* the Negotiate blob is a credential: scheme kept, blob gone */
    cr_assert_not_null(strstr(sget(http, "www_authenticate"), "Negotiate <redacted"));

    json_t *atts = json_object_get(c0, "attendees");
    json_t *y1 = json_array_get(atts, 0), *y2 = json_array_get(atts, 1);
    cr_assert_str_eq(sget(y1, "mailbox"), "Y1@datum.com");
    cr_assert_str_eq(sget(y1, "result"), "error");
    cr_assert_str_eq(sget(y1, "route"), "mail.datum.com");
    cr_assert_str_eq(sget(y1, "route_kind"), "error-url");
    cr_assert(json_is_true(json_object_get(y1, "route_peers_ok")));
    cr_assert(json_is_null(json_object_get(y1, "fails_in_every_call")));
    cr_assert(json_is_false(json_object_get(y1, "same_domain_as_requester")));
    cr_assert_eq(json_integer_value(json_object_get(y1, "calls_seen")), 1);
    cr_assert_eq(json_integer_value(json_object_get(y1, "calls_failed")), 1);
    cr_assert(json_is_true(json_object_get(y1, "explained")));
    cr_assert(json_is_false(json_object_get(y2, "explained")));
    cr_assert_str_eq(sget(y1, "response_code"), "ErrorProxyRequestProcessingFailed");
    cr_assert_str_eq(sget(y1, "requested_view"), "Detailed");
    cr_assert(json_is_null(json_object_get(y2, "error")));
    cr_assert(json_is_null(json_object_get(y2, "response_code")));
    cr_assert_str_eq(sget(y2, "view_type"), "FreeBusy");

    /* the bearer token inside the message is gone, its length and the evidence stay */
    const char *msg = sget(y1, "message");
    cr_assert_null(strstr(msg, "eyJ"), "token leaked: %s", msg);
    cr_assert_not_null(strstr(msg, "Authorization: Bearer <redacted 80 bytes>"), "%s", msg);
    cr_assert_not_null(strstr(msg, "Proxy web request failed."));

    json_t *ex = json_object_get(y1, "exception");
    cr_assert_eq(json_array_size(ex), 2);
    cr_assert_str_eq(sget(json_array_get(ex, 0), "web_status"), "ReceiveFailure");
    cr_assert(json_is_null(json_object_get(json_array_get(ex, 0), "socket_error")));
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(ex, 1), "socket_error")), 10054);
    cr_assert_str_eq(sget(json_array_get(ex, 1), "lid"), "43532");

    json_t *err = json_object_get(y1, "error");
    cr_assert_str_eq(sget(err, "layer"), "client-hop");
    cr_assert_str_eq(sget(err, "leg"), "ews-proxy");
    cr_assert_str_eq(sget(err, "exception_server"), "AM6PR04MB1234");
    cr_assert_str_eq(sget(json_object_get(err, "values"), "BackOffMilliseconds"), "500");
    cr_assert(json_is_null(json_object_get(err, "fault")));
    cr_assert(json_is_null(json_object_get(err, "wstrust")));
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(err, "urls"), 0)),
                     "https://mail.datum.com/EWS/Exchange.asmx/WSSecurity?access_token=<redacted>");
    cr_assert_null(strstr(sget(err, "message"), "eyJ"));

    json_t *c1 = json_array_get(calls, 1);
    json_t *z1 = json_array_get(json_object_get(c1, "attendees"), 0);
    cr_assert(json_is_false(json_object_get(z1, "explained")));
    cr_assert(json_is_null(json_object_get(z1, "route_peers_ok")));
    json_t *ce = json_array_get(json_object_get(c1, "errors"), 0);
    cr_assert(json_is_false(json_object_get(ce, "explained")));
    cr_assert_str_eq(sget(json_object_get(ce, "fault"), "code"), "a:ErrorServerBusy");
    json_t *ws = json_object_get(ce, "wstrust");
    cr_assert_str_eq(sget(ws, "psf_code"), "0x80048821");
    cr_assert(json_is_true(json_object_get(ws, "by_local_name")));
    cr_assert(json_is_null(json_object_get(ws, "reason")));
    cr_assert_str_eq(sget(json_object_get(ce, "diagnostics"), "code"), "2000005");
    cr_assert(json_is_null(json_object_get(c1, "started")));
    cr_assert(json_is_null(json_object_get(c1, "elapsed_ms")));
    json_decref(j);
    free_trace(t);
    fb_sig_db_free(db);
}

Test(report_diagnose, json_diagnoses_best_first_with_rounded_confidence)
{
    struct fb_trace *t = seed_trace();
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    hand_match(t, db, &m);
    json_t *j = render_json(t, &m);
    json_t *ds = json_object_get(j, "diagnoses");
    cr_assert_eq(json_array_size(ds), 2);
    json_t *d0 = json_array_get(ds, 0), *d1 = json_array_get(ds, 1);
    cr_assert_str_eq(sget(d0, "id"), "test-proxy-reset");
    cr_assert_str_eq(sget(d1, "id"), "test-recipient");
    cr_assert_eq(json_real_value(json_object_get(d0, "confidence")), 0.65);
    cr_assert_eq(json_real_value(json_object_get(d1, "confidence")), 0.2);
    cr_assert_str_eq(sget(d0, "title"), "The proxied EWS call was reset");
    cr_assert_str_eq(sget(d0, "route"), "datum.com");
    cr_assert_str_eq(sget(d0, "evidence_source"), "wire");
    cr_assert(json_is_null(json_object_get(d1, "route")));
    cr_assert(json_is_null(json_object_get(d1, "meaning")));
    cr_assert_eq(json_array_size(json_object_get(d0, "next_steps")), 2);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(d0, "fix"), 0)),
                     "Remove the stale subscription");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(d0, "attendees"), 0)),
                     "Y1@datum.com");
    json_t *ev = json_object_get(d0, "evidence");
    cr_assert_str_eq(json_string_value(json_array_get(ev, 1)),
                     "message names Bearer <redacted 80 bytes>");
    json_t *adv = json_array_get(json_object_get(d0, "advice"), 0);
    cr_assert_str_eq(sget(adv, "id"), "test-advice");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(adv, "next_steps"), 0)),
                     "Get-MailboxFolderPermission");
    /* the confidence prints as written: two decimals, no binary noise */
    char *s = render(t, &m, FB_OUT_JSON, 0, NULL);
    cr_assert_not_null(strstr(s, "\"confidence\":0.65,"), "%s", s);
    free(s);
    json_decref(j);
    free_trace(t);
    fb_sig_db_free(db);
}

Test(report_diagnose, json_without_match_counts_every_problem_unexplained)
{
    struct fb_trace *t = seed_trace();
    json_t *j = render_json(t, NULL);
    cr_assert_str_eq(sget(j, "verdict"), "unexplained");
    cr_assert_eq(json_array_size(json_object_get(j, "diagnoses")), 0);
    cr_assert_eq(json_integer_value(json_object_get(j, "unexplained")), 3);
    cr_assert(json_is_null(json_object_get(j, "signatures_hash")) == 0);
    json_t *y1 = json_array_get(
        json_object_get(json_array_get(json_object_get(j, "calls"), 0), "attendees"), 0);
    cr_assert(json_is_false(json_object_get(y1, "explained")));
    json_decref(j);
    free_trace(t);
}

Test(report_diagnose, json_no_redact_keeps_the_token)
{
    struct fb_trace *t = seed_trace();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct fb_diagnose_view v = {t, NULL, "unexplained", "0.1.0", NULL, "--keylog"};
    struct fb_report_opts o = {FB_OUT_JSON, 0, 0, NULL};
    cr_assert_eq(fb_report_diagnose(f, &v, &o), 0);
    fclose(f);
    cr_assert_not_null(strstr(buf, JWT));
    cr_assert_not_null(strstr(buf, "\"key_source\":\"--keylog\""));
    cr_assert_not_null(strstr(buf, "\"signatures_hash\":null"));
    free(buf);
    free_trace(t);
}

/* Runs tests/validate-json.sh on path against the diagnose schema; returns its status. */
static int validate(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "tests/validate-json.sh docs/schema/diagnose.schema.json %s >/dev/null 2>&1", path);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(report_diagnose, json_validates_against_the_schema)
{
    cr_assert_eq(access("docs/schema/diagnose.schema.json", R_OK), 0, "run from the worktree");
    struct fb_trace *t = seed_trace();
    struct fb_input_info *in = fb_trace_add_input(t, "locked.saz");
    in->status = FB_ERR_BAD_PASSWORD;
    fb_trace_warn(t, "case.saz", NULL, "a warning");
    fb_trace_advise(t, FB_ADV_ABANDONED, "case.saz", "saz:2");
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    hand_match(t, db, &m);
    char path[] = "/tmp/fbdiag-diagnose-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    struct fb_diagnose_view v = {t, &m, "diagnosed", "0.1.0", "sha256:abc", "SSLKEYLOGFILE"};
    struct fb_report_opts o = {FB_OUT_JSON, 1, 0, NULL};
    cr_assert_eq(fb_report_diagnose(f, &v, &o), 0);
    fclose(f);
    cr_assert_eq(validate(path), 0, "output does not match the schema (%s kept)", path);

    /* no engine, facts never computed, a superseded-free healthy call: still valid */
    struct fb_trace *bare = new_trace();
    struct fb_call *c = add_call(bare, FB_CALL_AUTOD_SOAP, "https://autodiscover.contoso.com/x",
                                 "autodiscover.contoso.com", 0, 1);
    c->attendees[0].mailbox = "Y1@datum.com";
    error_of(bare, &c->attendees[0], "ErrorNoResponse")->layer = FB_LAYER_PROXIED_LEG;
    f = fopen(path, "w");
    struct fb_diagnose_view v2 = {bare, NULL, fb_report_verdict(bare, NULL), "0.1.0", NULL, NULL};
    cr_assert_eq(fb_report_diagnose(f, &v2, &o), 0);
    fclose(f);
    cr_assert_eq(validate(path), 0, "output without facts does not match the schema");
    cr_assert_str_eq(fb_report_verdict(bare, NULL), "unexplained"); /* counted without facts */
    char *txt = render(bare, NULL, FB_OUT_TEXT, 0, NULL);
    cr_assert_not_null(strstr(txt, "  saz:1  Y1@datum.com  error   ErrorNoResponse"), "%s", txt);
    free(txt);
    free_trace(bare);

    /* the schema is a contract: a field it does not know fails it */
    f = fopen(path, "w");
    fputs("{\"fbdiag_version\":\"0.1.0\",\"surprise\":1}\n", f);
    fclose(f);
    cr_assert_eq(validate(path), 1);
    unlink(path);
    free_trace(t);
    fb_sig_db_free(db);
}

/* ---- text ----------------------------------------------------------------------------- */

Test(report_diagnose, text_verdict_line_and_sections)
{
    struct fb_trace *t = seed_trace();
    fb_trace_advise(t, FB_ADV_UNDECRYPTED_HTTPS, "case.saz", "saz:7");
    struct fb_input_info *in = fb_trace_add_input(t, "locked.saz");
    in->status = FB_ERR_PASSWORD;
    in->error = "encrypted SAZ: give --password-file, or FBDIAG_PASSWORD, to read this capture of "
                "many many many many words";
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    hand_match(t, db, &m);
    m.n_unexplained = 1;
    char *s = render(t, &m, FB_OUT_TEXT, 0, "SSLKEYLOGFILE");
    cr_assert_eq(strncmp(s, "Verdict: diagnosed (2 diagnoses, 1 unexplained error)\n",
                         strlen("Verdict: diagnosed (2 diagnoses, 1 unexplained error)\n")),
                 0, "%s", s);
    cr_assert_null(strchr(s, '\033'), "escape codes without colour");
    cr_assert_not_null(strstr(s, "\nCapture: https-not-decrypted: "));
    cr_assert_not_null(
        strstr(s, "\nInput 0: case.saz (saz, 4096 bytes, 12 exchanges, sha256 aaaaaaaaaaaa)\n"),
        "%s", s);
    cr_assert_not_null(strstr(s, "\nTLS keys: SSLKEYLOGFILE\n"));
    cr_assert_not_null(strstr(s, "\nInput 1: locked.saz: error: password: encrypted SAZ: give "
                                 "--password-file, or FBDIAG_PASSWORD, to\n    read this capture "
                                 "of many many many many words\n"),
                       "%s", s);
    cr_assert_not_null(strstr(s, "  requester  X1@contoso.com"));
    cr_assert_not_null(
        strstr(s, "\n1. The proxied EWS call was reset [test-proxy-reset] confidence 0.65\n"), "%s",
        s);
    cr_assert_not_null(strstr(s, "\n2. Recipient not found [test-recipient] confidence 0.20\n"));
    cr_assert_not_null(
        strstr(s, "   Route: datum.com; attendee: Y1@datum.com; first seen saz:1\n"));
    cr_assert_not_null(strstr(s, "   Evidence:\n     - attendee.response_code"));
    cr_assert_not_null(strstr(s, "   Next steps:\n     1. Look up the attendee as another user\n"
                                 "     2. Test-OrganizationRelationship\n"));
    cr_assert_not_null(strstr(s, "   Fix:\n     - Remove the stale subscription\n"));
    cr_assert_not_null(strstr(s, "   References:\n     - https://learn.microsoft.com/x\n"));
    cr_assert_not_null(strstr(s, "   Also check: Check the calendar permission [test-advice]\n"));
    cr_assert_not_null(
        strstr(s, "\nUnexplained errors:\n  - saz:2 Z1@fabrikam.com ErrorMailRecipientNotFound\n"
                  "    No mailbox with such guid.\n"),
        "%s", s);
    cr_assert_not_null(strstr(s, "  - saz:2 (call, HTTP 200) a:ErrorServerBusy\n"), "%s", s);
    cr_assert_null(strstr(s, "eyJ"), "token leaked");
    /* attendee table: header and one row per attendee */
    cr_assert_not_null(
        strstr(s, "\nAttendees:\n  call      attendee         result  response code"), "%s", s);
    /* two inputs: each call is named with its input's number; one requester: no column */
    cr_assert_not_null(strstr(s, "\n  #0 saz:1  Y1@datum.com     error   "), "%s", s);
    cr_assert_null(strstr(s, "requester       "), "%s", s);
    /* every line fits in 100 columns */
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        cr_assert_leq(nl - p, 100, "long line: %.*s", (int)(nl - p), p);
        p = nl + 1;
    }
    free(s);
    free_trace(t);
    fb_sig_db_free(db);
}

Test(report_diagnose, text_colour_only_when_asked)
{
    struct fb_trace *t = seed_trace();
    char *s = render(t, NULL, FB_OUT_TEXT, 1, NULL);
    cr_assert_eq(strncmp(s, "Verdict: \033[31munexplained\033[0m (3 unexplained errors)\n", 53), 0,
                 "%s", s);
    cr_assert_not_null(strstr(s, "\033[32mok\033[0m"));
    cr_assert_not_null(strstr(s, "\033[31merror\033[0m"));
    free(s);
    s = render(t, NULL, FB_OUT_TEXT, 0, NULL);
    cr_assert_null(strchr(s, '\033'));
    cr_assert_eq(strncmp(s, "Verdict: unexplained (3 unexplained errors)\n", 44), 0, "%s", s);
    free(s);
    free_trace(t);
}

Test(report_diagnose, text_verdict_lines_of_healthy_and_no_traffic)
{
    struct fb_trace *t = new_trace();
    add_input(t, "web.har", 40);
    fb_facts_compute(t);
    char *s = render(t, NULL, FB_OUT_TEXT, 0, NULL);
    cr_assert_eq(strncmp(s,
                         "Verdict: no-availability-traffic (40 exchanges, none "
                         "availability-related)\n",
                         75),
                 0, "%s", s);
    free(s);
    free_trace(t);

    t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_OWA_GUA, OWA, "outlook.office.com", 200, 1);
    c->attendees[0].mailbox = "Y2@datum.com";
    c->attendees[0].result = FB_RES_OK;
    fb_facts_compute(t);
    s = render(t, NULL, FB_OUT_TEXT, 1, NULL);
    cr_assert_eq(
        strncmp(s, "Verdict: \033[32mhealthy\033[0m (1 availability-related call, no errors)\n",
                strlen("Verdict: \033[32mhealthy\033[0m (1 availability-related call, "
                       "no errors)\n")),
        0, "%s", s);
    cr_assert_null(strstr(s, "Unexplained errors:"));
    free(s);
    free_trace(t);
}

Test(report_diagnose, text_unexplained_error_shows_first_link_and_cut_message)
{
    struct fb_trace *t = new_trace();
    struct fb_call *c = add_call(t, FB_CALL_EWS_GUA, EWS, "mail.contoso.com", 200, 1);
    c->attendees[0].mailbox = "Y1@datum.com";
    struct fb_finding *f = error_of(t, &c->attendees[0], "ErrorProxyRequestProcessingFailed");
    char *long_msg = fb_arena_alloc(&t->arena, 301);
    memset(long_msg, 'm', 300);
    long_msg[300] = '\0';
    f->message_text = long_msg;
    /* the outermost link has no type: the first typed one is shown, with the first
     * status, socket error and HTTP status of any link */
    f->chain.links = fb_arena_calloc(&t->arena, 3, sizeof *f->chain.links);
    f->chain.n_links = 3;
    f->chain.links[0].message = "Proxy web request failed.";
    f->chain.links[1].type = "System.Net.WebException";
    f->chain.links[1].web_status = "ProtocolError";
    f->chain.links[1].http_status = 401;
    f->chain.links[2].type = "System.Net.Sockets.SocketException";
    f->chain.links[2].socket_error = 10060;
    fb_facts_compute(t);
    char *s = render(t, NULL, FB_OUT_TEXT, 0, NULL);
    cr_assert_not_null(strstr(s,
                              "  - saz:1 Y1@datum.com ErrorProxyRequestProcessingFailed: "
                              "System.Net.WebException ProtocolError\n    socket 10060 http 401\n"),
                       "%s", s);
    /* 200 characters then "...": one word longer than a line stands alone */
    char want[260];
    snprintf(want, sizeof want, "\n    %.200s...\n", long_msg);
    cr_assert_not_null(strstr(s, want), "%s", s);
    free(s);
    free_trace(t);
}

/* ---- end to end with the engine ------------------------------------------------------- */

Test(report_diagnose, engine_match_rendered)
{
    struct fb_trace *t = seed_trace();
    struct fb_sig_db *db = test_db();
    struct fb_match_result m;
    struct fb_arena a;
    fb_arena_init(&a);
    fb_sig_match(db, t, NULL, &a, &m);
    cr_assert_geq(m.n_diagnoses, 1);
    json_t *j = render_json(t, &m);
    cr_assert_str_eq(sget(j, "verdict"), "diagnosed");
    json_t *d0 = json_array_get(json_object_get(j, "diagnoses"), 0);
    cr_assert_str_eq(sget(d0, "id"), "test-proxy-reset");
    /* base 0.5 + 0.15 (route peers ok) */
    cr_assert_eq(json_real_value(json_object_get(d0, "confidence")), 0.65);
    json_t *y1 = json_array_get(
        json_object_get(json_array_get(json_object_get(j, "calls"), 0), "attendees"), 0);
    cr_assert(json_is_true(json_object_get(y1, "explained")));
    cr_assert_eq(json_integer_value(json_object_get(j, "unexplained")), m.n_unexplained);
    json_decref(j);
    fb_arena_cleanup(&a);
    free_trace(t);
    fb_sig_db_free(db);
}

/* ---- fb_redact_text ------------------------------------------------------------------- */

static const char *rt(struct fb_arena *a, const char *s)
{
    return fb_redact_text(a, fb_str_cstr(s), 1).ptr;
}

Test(report_diagnose, redact_text_tokens_in_prose)
{
    struct fb_arena a;
    fb_arena_init(&a);
    cr_assert_str_eq(rt(&a, "got Bearer abcdefghijklmnopqrstuvwxyz012345== back"),
                     "got Bearer <redacted 34 bytes> back");
    cr_assert_str_eq(rt(&a, "token " JWT "."), "token <redacted 80 bytes>.");
    cr_assert_str_eq(rt(&a, "Bearer authorization_uri=https://login.windows.net/common"),
                     "Bearer authorization_uri=https://login.windows.net/common");
    cr_assert_str_eq(rt(&a, "Basic authentication failed for Y1@datum.com"),
                     "Basic authentication failed for Y1@datum.com");
    cr_assert_str_eq(rt(&a, "https://h/x?access_token=abc&code=500 error code=7"),
                     "https://h/x?access_token=<redacted>&code=500 error code=7");
    cr_assert_str_eq(rt(&a, "<saml:Assertion ID=\"1\">secret</saml:Assertion> after"),
                     "<saml:Assertion ID=\"1\"><redacted 6 bytes></saml:Assertion> after");
    cr_assert_str_eq(fb_redact_text(&a, fb_str_cstr("Bearer " JWT), 0).ptr, "Bearer " JWT);
    fb_arena_cleanup(&a);
}
