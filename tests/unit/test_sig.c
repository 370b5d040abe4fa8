/* test_sig.c - the signature engine and the built-in database: every rule loads; the
 * loader names file:line and the problem; and hand-built traces (calls, attendees and
 * findings whose chains come from real message texts or are filled by hand) rank the
 * way pitfalls.md requires: look-alikes told apart by peers, send vs receive, OAuth vs
 * pre-auth 401, recipient-not-found by domain, throttling at call level, log-only and
 * advice rules, and a healthy trace with no diagnosis.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/sig/sig_internal.h"
#include "../support/trace_build.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"

#define N_BUILTIN 90

/* ---- fixtures ---- */

struct fx {
    struct fb_sig_db *db;
    struct fb_trace t;
    struct fb_arena a; /* match results and logs */
    struct fb_log_set logs;
    struct fb_match_result r;
};

static void fx_init(struct fx *x)
{
    struct fb_diag d = {{0}, {0}};
    int rc = fb_sig_db_new(&x->db, &d);
    cr_assert_eq(rc, 0, "built-in rules: %s: %s", d.where, d.msg);
    fb_trace_init(&x->t);
    fb_arena_init(&x->a);
    fb_log_set_init(&x->logs, &x->a);
}

static void fx_cleanup(struct fx *x)
{
    fb_sig_db_free(x->db);
    fb_trace_cleanup(&x->t);
    fb_arena_cleanup(&x->a);
}

static void fx_log(struct fx *x, const char *line)
{
    fb_log_set_add(&x->logs, line, strlen(line), "test.log:1");
}

static void fx_run(struct fx *x)
{
    fb_facts_compute(&x->t);
    fb_sig_match(x->db, &x->t, x->logs.n ? &x->logs : NULL, &x->a, &x->r);
}

#define OWA_URL "https://outlook.office.com/owa/service.svc?action=GetUserAvailabilityInternal"
#define EWS_URL "https://outlook.office365.com/EWS/Exchange.asmx"

static struct fb_call *add_call(struct fx *x, enum fb_call_kind kind, const char *url,
                                const char *host, int status, size_t n_att)
{
    return fbt_call_add(&x->t, kind, url, host, status, n_att);
}

static struct fb_call *owa_call(struct fx *x, const char *requester, size_t n_att)
{
    struct fb_call *c = add_call(x, FB_CALL_OWA_GUA, OWA_URL, "outlook.office.com", 200, n_att);
    c->requester = requester;
    return c;
}

/* An attendee error; text (may be NULL) is parsed into the chain as extract/ does. */
static struct fb_finding *fail_att(struct fx *x, struct fb_attendee *a, const char *mailbox,
                                   const char *code, const char *text)
{
    struct fb_finding *f = fb_arena_calloc(&x->t.arena, 1, sizeof *f);
    f->response_class = "Error";
    f->response_code = code;
    f->message_text = text;
    if (text)
        fb_finding_parse_text(f, &x->t.arena);
    a->mailbox = mailbox;
    a->result = FB_RES_ERROR;
    a->finding = f;
    return f;
}

static void ok_att(struct fb_attendee *a, const char *mailbox)
{
    a->mailbox = mailbox;
    a->result = FB_RES_OK;
    a->view_type = "FreeBusy";
}

/* One hand-made chain link (structured facts only, no text). */
static struct fb_exc_link *add_link(struct fx *x, struct fb_finding *f, const char *type,
                                    const char *web_status, int socket_error, int http_status)
{
    struct fb_exc_link *links = fb_arena_calloc(&x->t.arena, f->chain.n_links + 1, sizeof *links);
    if (f->chain.n_links)
        memcpy(links, f->chain.links, f->chain.n_links * sizeof *links);
    struct fb_exc_link *l = &links[f->chain.n_links];
    l->type = type;
    l->web_status = web_status;
    l->socket_error = socket_error;
    l->http_status = http_status;
    f->chain.links = links;
    f->chain.n_links++;
    return l;
}

static const struct fb_diagnosis *find(const struct fb_match_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_diagnoses; i++)
        if (strcmp(fb_sig_id(r->diagnoses[i].sig), id) == 0)
            return &r->diagnoses[i];
    return NULL;
}

static long rank(const struct fb_match_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_diagnoses; i++)
        if (strcmp(fb_sig_id(r->diagnoses[i].sig), id) == 0)
            return (long)i;
    return -1;
}

static const char *top(const struct fb_match_result *r)
{
    return r->n_diagnoses ? fb_sig_id(r->diagnoses[0].sig) : "(none)";
}

#define ASSERT_CONF(d, lo, hi)                                                                     \
    do {                                                                                           \
        cr_assert_not_null(d);                                                                     \
        cr_assert((d)->confidence >= (lo)-1e-9 && (d)->confidence <= (hi) + 1e-9,                  \
                  "%s confidence %.3f not in [%.2f, %.2f]", fb_sig_id((d)->sig), (d)->confidence,  \
                  (double)(lo), (double)(hi));                                                     \
    } while (0)

/* The seed (Ashour's blog): OWA JSON MessageText, reset on a receive. */
#define SEED_TEXT                                                                                  \
    "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "        \
    "connection was closed: An unexpected error occurred on a receive. ---> "                      \
    "System.IO.IOException: Unable to read data from the transport connection: An existing "       \
    "connection was forcibly closed by the remote host. ---> "                                     \
    "System.Net.Sockets.SocketException: An existing connection was forcibly closed by the "       \
    "remote host"
#define PRPF "ErrorProxyRequestProcessingFailed"

/* ---- the built-in database ---- */

Test(sig_db, every_builtin_rule_loads_with_its_family_and_file_name)
{
    struct fb_sig_db *db = NULL;
    struct fb_diag d = {{0}, {0}};
    cr_assert_eq(fb_sig_db_new(&db, &d), 0, "%s: %s", d.where, d.msg);
    cr_assert_eq(fb_sig_db_count(db), N_BUILTIN);
    static const char *const families[] = {"transport", "autodiscover", "federation", "oauth",
                                           "config",    "server",       "generic",    "advice"};
    size_t n_none = 0, n_generic = 0, n_logs = 0;
    for (size_t i = 0; i < fb_sig_db_count(db); i++) {
        const struct fb_sig *s = fb_sig_db_at(db, i);
        const char *id = fb_sig_id(s), *fam = fb_sig_family(s);
        int known = 0;
        for (size_t k = 0; k < FB_ARRAY_LEN(families); k++)
            known |= strcmp(fam, families[k]) == 0;
        cr_assert(known, "%s: family %s", id, fam);
        char want[256];
        snprintf(want, sizeof want, "builtin:src/sig/rules/%s/%s.yaml", fam, id);
        cr_assert_str_eq(fb_sig_origin(s), want);
        cr_assert(strlen(fb_sig_title(s)) > 10, "%s: title", id);
        cr_assert(strlen(fb_sig_meaning(s)) > 40, "%s: meaning", id);
        size_t n_ref, n_steps, n_fix;
        fb_sig_references(s, &n_ref);
        fb_sig_next_steps(s, &n_steps);
        fb_sig_fix(s, &n_fix);
        cr_assert(n_ref >= 1 && n_steps >= 1 && n_fix >= 1, "%s: refs/steps/fix", id);
        if (i > 0)
            cr_assert(strcmp(fb_sig_id(fb_sig_db_at(db, i - 1)), id) < 0, "sorted by id");
        const char *src = fb_sig_evidence_source(s);
        if (strcmp(src, "none") == 0) {
            n_none++;
            cr_assert_str_eq(fam, "advice");
            cr_assert(s->n_advice_for >= 1);
            for (size_t k = 0; k < s->n_advice_for; k++)
                cr_assert_not_null(fb_sig_db_find(db, s->advice_for[k]), "%s advises unknown %s",
                                   id, s->advice_for[k]);
        }
        if (s->generic) {
            n_generic++;
            cr_assert_str_eq(fam, "generic");
            cr_assert(s->base <= 0.3, "%s: generic base %.2f", id, s->base);
        } else {
            cr_assert_str_neq(fam, "generic");
        }
        if (strcmp(src, "wire") != 0 && strcmp(src, "none") != 0) {
            n_logs++;
            cr_assert_eq(s->unit_scoped, 0, "%s: a log rule reads only log lines", id);
        }
    }
    cr_assert_eq(n_none, 2);
    cr_assert_eq(n_generic, 40);
    cr_assert_eq(n_logs, 7);
    /* the core ids of research-signatures.md */
    static const char *const core[] = {"proxy-connect-timeout",
                                       "proxy-connection-forcibly-closed",
                                       "bad-personal-relationship",
                                       "non-internet-facing-site-crosssite",
                                       "tls-secure-channel",
                                       "response-not-wellformed-xml",
                                       "proxy-503-service-unavailable",
                                       "proxy-401-preauth",
                                       "autod-soapheader-verifying-security",
                                       "autod-404",
                                       "security-tokens-processing",
                                       "oauth-user-ambiguous",
                                       "config-forest-domain-not-found",
                                       "no-freebusy-access",
                                       "mail-recipient-not-found-no-orgrel",
                                       "result-set-too-big",
                                       "ews-server-busy-throttled"};
    for (size_t k = 0; k < FB_ARRAY_LEN(core); k++)
        cr_assert_not_null(fb_sig_db_find(db, core[k]), "missing %s", core[k]);
    cr_assert_str_eq(fb_sig_evidence_source(fb_sig_db_find(db, "asurl-8004010f")), "outlook-log");
    const struct fb_sig *fc = fb_sig_db_find(db, "federation-cert-missing-on-server");
    cr_assert_str_eq(fb_sig_evidence_source(fc), "cmdlet-output");
    cr_assert_eq(strncmp(fb_sig_db_hash(db), "sha256:", 7), 0);
    cr_assert_eq(strlen(fb_sig_db_hash(db)), 7 + 64);
    fb_sig_db_free(db);
}

/* ---- loader messages ---- */

static void expect_error(const char *text, const char *where, const char *msg_part)
{
    struct fb_diag d = {{0}, {0}};
    int rc = fb_sig_db_add_text(NULL, "r/x.yaml", text, strlen(text), &d);
    cr_assert_eq(rc, FB_ERR_FORMAT, "accepted: %s", text);
    cr_assert_str_eq(d.where, where, "where %s for %s", d.where, msg_part);
    cr_assert(strstr(d.msg, msg_part) != NULL, "message '%s' lacks '%s'", d.msg, msg_part);
}

#define HEAD "id: a-rule\ntitle: A rule\n"
#define TAIL "fix: [do it]\n"

Test(sig_load, good_rule_is_accepted_and_replaces_by_id)
{
    const char *text = HEAD "match:\n  - error.response_code: X\n" TAIL;
    struct fb_diag d = {{0}, {0}};
    cr_assert_eq(fb_sig_db_add_text(NULL, "r/x.yaml", text, strlen(text), &d), 0, "%s", d.msg);
    struct fb_sig_db *db = NULL;
    cr_assert_eq(fb_sig_db_new(&db, &d), 0);
    const char *over = "id: autod-404\ntitle: Mine\nmatch:\n  - error.response_code: Y\n" TAIL;
    cr_assert_eq(fb_sig_db_add_text(db, "u/autod-404.yaml", over, strlen(over), &d), 0);
    cr_assert_eq(fb_sig_db_count(db), N_BUILTIN);
    cr_assert_str_eq(fb_sig_title(fb_sig_db_find(db, "autod-404")), "Mine");
    cr_assert_eq(fb_sig_db_add_text(db, "u/a.yaml", text, strlen(text), &d), 0);
    cr_assert_eq(fb_sig_db_count(db), N_BUILTIN + 1);
    fb_sig_db_free(db);
}

Test(sig_load, unknown_field)
{
    expect_error(HEAD "match:\n  - error.response_code: X\ncolour: red\n" TAIL, "r/x.yaml:5",
                 "unknown field 'colour'");
}

Test(sig_load, unknown_fact)
{
    expect_error(HEAD "match:\n  - error.response_code: X\n  - attendee.shoe_size: 9\n" TAIL,
                 "r/x.yaml:5", "unknown fact 'attendee.shoe_size'");
}

Test(sig_load, bad_regex)
{
    expect_error(HEAD "match:\n  - error.message: {regex: \"(unclosed\"}\n" TAIL, "r/x.yaml:4",
                 "bad regex at offset 9");
}

Test(sig_load, bad_operator)
{
    expect_error(HEAD "match:\n  - call.status: {about: 401}\n" TAIL, "r/x.yaml:4",
                 "unknown operator 'about'");
    expect_error(HEAD "match:\n  - call.status: {gte: many}\n" TAIL, "r/x.yaml:4",
                 "'gte' takes a number");
}

Test(sig_load, missing_id)
{
    expect_error("title: A rule\nmatch:\n  - error.response_code: X\n" TAIL, "r/x.yaml:1",
                 "missing 'id'");
}

Test(sig_load, non_kebab_id)
{
    expect_error("id: Bad_Rule\ntitle: t\nmatch:\n  - error.response_code: X\n" TAIL, "r/x.yaml:1",
                 "id 'Bad_Rule' is not kebab-case");
}

Test(sig_load, missing_match)
{
    expect_error(HEAD TAIL, "r/x.yaml:1", "missing 'match'");
}

Test(sig_load, yaml_syntax_error)
{
    expect_error(HEAD "match:\n  - error.response_code: [X\n" TAIL, "r/x.yaml:5", "YAML: ");
}

Test(sig_load, none_rule_needs_advice_for_and_bad_applies_value)
{
    expect_error(HEAD "evidence_source: none\n" TAIL, "r/x.yaml:1", "needs 'advice_for'");
    expect_error(HEAD
                 "applies_to:\n  direction: [sideways]\nmatch:\n  - error.response_code: X\n" TAIL,
                 "r/x.yaml:4", "unknown value 'sideways'");
}

/* ---- the look-alikes of "forcibly closed" (pitfalls 3 and 4) ---- */

Test(sig_rank, seed_one_pair_fails_peer_ok_gives_personal_relationship)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
    ok_att(&c->attendees[1], "Y2@datum.com");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "bad-personal-relationship");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6); /* capped without the server-side line */
    cr_assert_eq(x.r.n_diagnoses, 2);
    cr_assert_eq(rank(&x.r, "non-internet-facing-site-crosssite"), 1);
    ASSERT_CONF(find(&x.r, "non-internet-facing-site-crosssite"), 0.45, 0.5);
    cr_assert_null(find(&x.r, "proxy-connection-forcibly-closed")); /* below the threshold */
    cr_assert_null(find(&x.r, "proxy-request-processing-failed"));  /* explained: no generic */
    cr_assert_str_eq(x.r.diagnoses[0].route, "datum.com");
    cr_assert_eq(x.r.diagnoses[0].n_attendees, 1);
    cr_assert_str_eq(x.r.diagnoses[0].attendees[0], "Y1@datum.com");
    cr_assert_eq(x.r.n_failing_units, 1);
    cr_assert_eq(x.r.n_unexplained, 0);
    cr_assert_eq(x.r.attendee_explained[0][0], 1);
    fx_cleanup(&x);
}

Test(sig_rank, seed_with_server_trace_line_pushes_personal_relationship_above_080)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
    ok_att(&c->attendees[1], "Y2@datum.com");
    fx_log(&x, "\"InfoWorker.RequestDispatch\",\"RequestRouting\", Found a personal relationship "
               "for Y1@datum.com");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "bad-personal-relationship");
    ASSERT_CONF(&x.r.diagnoses[0], 0.81, 1.0);
    cr_assert(x.r.diagnoses[0].confidence > 0.8);
    int cites_log = 0;
    for (size_t i = 0; i < x.r.diagnoses[0].n_evidence; i++)
        cites_log |= strstr(x.r.diagnoses[0].evidence[i], "test.log:1") != NULL;
    cr_assert(cites_log, "the log line is evidence");
    cr_assert(find(&x.r, "non-internet-facing-site-crosssite")->confidence <= 0.5);
    fx_cleanup(&x);
}

Test(sig_rank, repeated_pair_failure_stays_capped_without_the_server_line)
{
    struct fx x;
    fx_init(&x);
    for (int k = 0; k < 2; k++) {
        struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
        fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
        ok_att(&c->attendees[1], "Y2@datum.com");
    }
    fx_run(&x);
    cr_assert_eq(x.t.facts->calls[1].attendees[0].fails_in_every_call, FB_TRI_TRUE);
    cr_assert_str_eq(top(&x.r), "bad-personal-relationship");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6); /* 0.75 before the max_without cap */
    cr_assert_eq(x.r.diagnoses[0].n_units, 2);
    cr_assert_null(find(&x.r, "proxy-connection-forcibly-closed"));
    fx_cleanup(&x);
}

Test(sig_rank, personal_relationship_line_for_another_attendee_does_not_count)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
    ok_att(&c->attendees[1], "Y2@datum.com");
    fx_log(&x, "Found a personal relationship for Y9@datum.com");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "bad-personal-relationship");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6);
    fx_cleanup(&x);
}

Test(sig_rank, single_failing_attendee_offers_all_three_firewall_first)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
    fx_run(&x);
    cr_assert_eq(x.r.n_diagnoses, 3);
    cr_assert_str_eq(fb_sig_id(x.r.diagnoses[0].sig), "proxy-connection-forcibly-closed");
    cr_assert_str_eq(fb_sig_id(x.r.diagnoses[1].sig), "bad-personal-relationship");
    cr_assert_str_eq(fb_sig_id(x.r.diagnoses[2].sig), "non-internet-facing-site-crosssite");
    ASSERT_CONF(&x.r.diagnoses[0], 0.55, 0.55);
    ASSERT_CONF(&x.r.diagnoses[1], 0.45, 0.45);
    ASSERT_CONF(&x.r.diagnoses[2], 0.40, 0.40);
    /* each offers the step that separates it from the others */
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        const char *const *steps = fb_sig_next_steps(x.r.diagnoses[i].sig, &n);
        int separates = 0;
        for (size_t k = 0; k < n; k++)
            separates |= strstr(steps[k], "another") != NULL || strstr(steps[k], "site") != NULL;
        cr_assert(separates, "%s lacks a separating step", fb_sig_id(x.r.diagnoses[i].sig));
    }
    fx_cleanup(&x);
}

Test(sig_rank, whole_route_failing_gives_firewall)
{
    struct fx x;
    fx_init(&x);
    for (int k = 0; k < 2; k++) {
        struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
        fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
        fail_att(&x, &c->attendees[1], "Y2@datum.com", PRPF, SEED_TEXT);
    }
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "proxy-connection-forcibly-closed");
    ASSERT_CONF(&x.r.diagnoses[0], 0.85, 0.9);
    cr_assert_eq(x.r.diagnoses[0].n_attendees, 2);
    cr_assert_eq(x.r.diagnoses[0].n_units, 4);
    cr_assert_null(find(&x.r, "bad-personal-relationship"));
    cr_assert_null(find(&x.r, "non-internet-facing-site-crosssite"));
    cr_assert_eq(x.r.n_diagnoses, 1);
    fx_cleanup(&x);
}

Test(sig_rank, crosssite_event_4002_puts_non_internet_facing_site_first)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, SEED_TEXT);
    ok_att(&c->attendees[1], "Y2@datum.com");
    fx_log(&x, "MSExchange Availability 4002 ProxyWebRequest CrossSite from x1@contoso.mail."
               "onmicrosoft.com to https://ex2.datum.local:443/ews/exchange.asmx failed.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "non-internet-facing-site-crosssite");
    ASSERT_CONF(&x.r.diagnoses[0], 0.9, 1.0);
    ASSERT_CONF(find(&x.r, "bad-personal-relationship"), 0.6, 0.6);
    fx_cleanup(&x);
}

Test(sig_rank, localised_text_with_numeric_socket_error_still_matches_structurally)
{
    /* German server: the chain is built by hand from types, status and WSA number */
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    struct fb_finding *f = fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF, NULL);
    f->message_text = "Fehler bei der Proxywebanforderung. Eine vorhandene Verbindung wurde vom "
                      "Remotehost geschlossen (10054)";
    add_link(&x, f, "System.Net.WebException", "ReceiveFailure", 0, 0);
    add_link(&x, f, "System.Net.Sockets.SocketException", NULL, 10054, 0);
    ok_att(&c->attendees[1], "Y2@datum.com");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "bad-personal-relationship");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6);
    fx_cleanup(&x);
}

/* ---- send vs receive ---- */

Test(sig_rank, send_failure_is_tls_not_the_forcibly_closed_family)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF,
             "Proxy web request failed. , inner exception: System.Net.WebException: The "
             "underlying connection was closed: An unexpected error occurred on a send. ---> "
             "System.IO.IOException: Unable to read data from the transport connection: An "
             "existing connection was forcibly closed by the remote host. ---> "
             "System.Net.Sockets.SocketException: An existing connection was forcibly closed "
             "by the remote host");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "tls-secure-channel");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.7);
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_null(find(&x.r, "proxy-connection-forcibly-closed"));
    cr_assert_null(find(&x.r, "bad-personal-relationship"));
    fx_cleanup(&x);
}

Test(sig_rank, could_not_create_secure_channel_is_tls_with_more_confidence)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "Y1@datum.com", PRPF,
             "Proxy web request failed. , inner exception: System.Net.WebException: The request "
             "was aborted: Could not create SSL/TLS secure channel.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "tls-secure-channel");
    ASSERT_CONF(&x.r.diagnoses[0], 0.85, 0.9);
    fx_cleanup(&x);
}

/* ---- 401: OAuth diagnostics vs pre-auth ---- */

Test(sig_rank, oauth_401_with_invalid_user_is_not_preauth)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    struct fb_finding *f = fail_att(
        &x, &c->attendees[0], "y1@contoso.com", PRPF,
        "Proxy web request failed. , inner exception: The request failed with HTTP status 401: "
        "Unauthorized diagnostics: 2000005;reason= \"The user specified by the user-context in "
        "the token is ambiguous.\" ;error_category=\"invalid_user\"");
    cr_assert_str_eq(f->diag_category, "invalid_user");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "oauth-user-ambiguous");
    ASSERT_CONF(&x.r.diagnoses[0], 0.8, 0.85);
    cr_assert_null(find(&x.r, "proxy-401-preauth"));
    cr_assert_null(find(&x.r, "oauth-user-not-exist"));
    fx_cleanup(&x);
}

Test(sig_rank, plain_401_is_preauth)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "y1@contoso.com", PRPF,
             "Proxy web request failed. ,inner exception: The request failed with HTTP status "
             "401: Unauthorized.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "proxy-401-preauth");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6);
    cr_assert_eq(x.r.n_diagnoses, 1);
    fx_cleanup(&x);
}

Test(sig_rank, plain_401_with_oauth_cmdlet_output_lowers_preauth)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "y1@contoso.com", PRPF,
             "Proxy web request failed. ,inner exception: The request failed with HTTP status "
             "401: Unauthorized.");
    fx_log(&x, "Microsoft.Exchange.Security.OAuth.OAuthTokenRequestFailedException: Missing "
               "signing certificate.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "oauth-missing-signing-cert");
    cr_assert_null(x.r.diagnoses[0].route);
    ASSERT_CONF(&x.r.diagnoses[0], 0.8, 0.8);
    ASSERT_CONF(find(&x.r, "proxy-401-preauth"), 0.3, 0.3);
    fx_cleanup(&x);
}

/* ---- ErrorMailRecipientNotFound by domain ---- */

#define MRNF_TEXT                                                                                  \
    "Microsoft.Exchange.InfoWorker.Common.Availability.MailRecipientNotFoundException: Unable "    \
    "to resolve e-mail address a@fabrikam.com to an Active Directory object. Name of the "         \
    "server where exception originated: AM6PR04MB1234."

Test(sig_rank, recipient_not_found_in_another_domain_is_no_orgrel)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "a@fabrikam.com", "ErrorMailRecipientNotFound", MRNF_TEXT);
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "mail-recipient-not-found-no-orgrel");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6);
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_null(find(&x.r, "mail-recipient-not-found"));
    /* advice attached: the evidence_source none rules that name it */
    cr_assert_eq(x.r.diagnoses[0].n_advice, 2);
    cr_assert_str_eq(fb_sig_id(x.r.diagnoses[0].advice[0]), "accepted-domain-missing");
    cr_assert_str_eq(fb_sig_id(x.r.diagnoses[0].advice[1]), "targetaddress-external-domain");
    fx_cleanup(&x);
}

Test(sig_rank, recipient_not_found_in_own_domain_is_the_generic_code)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "jonh.typo@contoso.com", "ErrorMailRecipientNotFound",
             MRNF_TEXT);
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "mail-recipient-not-found");
    ASSERT_CONF(&x.r.diagnoses[0], 0.4, 0.4);
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_eq(x.r.diagnoses[0].n_advice, 0);
    fx_cleanup(&x);
}

Test(sig_rank, recipient_not_found_with_unknown_requester_is_the_generic_code)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, NULL, 1);
    fail_att(&x, &c->attendees[0], "a@fabrikam.com", "ErrorMailRecipientNotFound", NULL);
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "mail-recipient-not-found");
    ASSERT_CONF(&x.r.diagnoses[0], 0.25, 0.25);
    fx_cleanup(&x);
}

Test(sig_rank, recipient_not_found_while_domain_peers_resolve_is_not_no_orgrel)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 2);
    fail_att(&x, &c->attendees[0], "a@fabrikam.com", "ErrorMailRecipientNotFound", NULL);
    ok_att(&c->attendees[1], "b@fabrikam.com");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "mail-recipient-not-found");
    cr_assert_null(find(&x.r, "mail-recipient-not-found-no-orgrel"));
    fx_cleanup(&x);
}

Test(sig_rank, invalid_orgrel_dispatcher_from_messagexml_exception_type)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    struct fb_finding *f =
        fail_att(&x, &c->attendees[0], "a@fabrikam.com", "ErrorMailRecipientNotFound", NULL);
    f->exception_type = "Microsoft.Exchange.InfoWorker.Common.Availability."
                        "InvalidOrganizationRelationshipForRequestDispatcherException";
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "invalid-orgrel-for-dispatcher");
    ASSERT_CONF(&x.r.diagnoses[0], 0.8, 0.8);
    cr_assert_null(find(&x.r, "mail-recipient-not-found-no-orgrel")); /* contradicted */
    fx_cleanup(&x);
}

/* ---- throttling at call level ---- */

static struct fb_finding *call_error(struct fx *x, struct fb_call *c, const char *code)
{
    struct fb_finding *f = fb_arena_calloc(&x->t.arena, 1, sizeof *f);
    f->response_class = "Error";
    f->response_code = code;
    c->errors = f;
    c->n_errors = 1;
    return f;
}

Test(sig_rank, server_busy_with_backoff_is_throttling_not_a_service_500)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, EWS_URL, "outlook.office365.com", 500, 0);
    c->http.x_backend_status = "500,500";
    struct fb_finding *f = call_error(&x, c, "ErrorServerBusy");
    f->values = fb_arena_calloc(&x.t.arena, 1, sizeof *f->values);
    f->values[0] = (struct fb_name_value){"BackOffMilliseconds", "30000"};
    f->n_values = 1;
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "ews-server-busy-throttled");
    ASSERT_CONF(&x.r.diagnoses[0], 0.85, 0.85); /* gt 0 held on the text value "30000" */
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_null(find(&x.r, "exo-service-side-500"));
    cr_assert_eq(x.r.n_failing_units, 1);
    cr_assert_eq(x.r.error_explained[0][0], 1);
    fx_cleanup(&x);
}

Test(sig_rank, service_side_500_without_a_code_is_exo_service_side)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, EWS_URL, "outlook.office365.com", 500, 0);
    c->http.x_backend_status = "500,500";
    c->http.request_id = "0b8a3f0e-0000-4000-8000-000000000000";
    call_error(&x, c, NULL);
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "exo-service-side-500");
    ASSERT_CONF(&x.r.diagnoses[0], 0.6, 0.6);
    fx_cleanup(&x);
}

/* ---- each core signature from its minimal structured facts ---- */

struct core_case {
    const char *id, *code, *leg, *type, *web_status;
    int socket_error, http_status;
    const char *lid, *diag_category, *diag_reason, *exception_code, *requester, *mailbox;
};

static const struct core_case core_cases[] = {
    {"proxy-connect-timeout", PRPF, "ews-proxy", "System.Net.WebException", "ConnectFailure", 10060,
     0, NULL, NULL, NULL, NULL, NULL, "y@datum.com"},
    {"proxy-connection-forcibly-closed", PRPF, "ews-proxy", "System.Net.WebException",
     "ReceiveFailure", 10054, 0, NULL, NULL, NULL, NULL, NULL, "y@datum.com"},
    {"tls-secure-channel", PRPF, "ews-proxy", "System.Net.WebException", "SecureChannelFailure", 0,
     0, NULL, NULL, NULL, NULL, NULL, "y@datum.com"},
    {"response-not-wellformed-xml", PRPF, "ews-proxy", "System.Xml.XmlException", NULL, 0, 0, NULL,
     NULL, NULL, NULL, NULL, "y@datum.com"},
    {"proxy-503-service-unavailable", PRPF, "ews-proxy", "System.Net.WebException", "ProtocolError",
     0, 503, NULL, NULL, NULL, NULL, NULL, "y@datum.com"},
    {"proxy-401-preauth", PRPF, "ews-proxy", "System.Net.WebException", "ProtocolError", 0, 401,
     NULL, NULL, NULL, NULL, NULL, "y@datum.com"},
    {"autod-soapheader-verifying-security", PRPF, "autodiscover",
     "System.Web.Services.Protocols.SoapHeaderException", NULL, 0, 0, NULL, NULL, NULL, NULL, NULL,
     "y@datum.com"},
    {"autod-404", PRPF, "autodiscover", "System.Net.WebException", "ProtocolError", 0, 404, NULL,
     NULL, NULL, NULL, NULL, "y@datum.com"},
    {"security-tokens-processing", PRPF, "ews-proxy",
     "System.Web.Services.Protocols.SoapHeaderException", NULL, 0, 0, "59916", NULL, NULL, NULL,
     NULL, "y@datum.com"},
    {"oauth-user-ambiguous", PRPF, "ews-proxy", "System.Net.WebException", "ProtocolError", 0, 401,
     NULL, "invalid_user", "The user specified by the user-context in the token is ambiguous.",
     NULL, NULL, "y@contoso.com"},
    {"config-forest-domain-not-found", "ErrorAddressSpaceNotFound", NULL, NULL, NULL, 0, 0, NULL,
     NULL, NULL, NULL, NULL, "y@datum.com"},
    {"no-freebusy-access", "ErrorNoFreeBusyAccess", NULL, NULL, NULL, 0, 0, NULL, NULL, NULL,
     "5037", NULL, "y@datum.com"},
    {"mail-recipient-not-found-no-orgrel", "ErrorMailRecipientNotFound", NULL, NULL, NULL, 0, 0,
     NULL, NULL, NULL, NULL, "x@contoso.com", "y@datum.com"},
    {"result-set-too-big", "ErrorResultSetTooBig", NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL,
     NULL, "y@datum.com"},
    {"ews-server-busy-throttled", "ErrorServerBusy", NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL,
     NULL, "y@datum.com"},
    {"timeout-expired", "ErrorTimeoutExpired", NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL,
     "y@datum.com"},
    {"proxy-request-processing-failed", PRPF, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL,
     "y@datum.com"},
};

Test(sig_rank, each_core_signature_fires_from_minimal_structured_facts)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(core_cases); i++) {
        const struct core_case *cc = &core_cases[i];
        struct fx x;
        fx_init(&x);
        struct fb_call *c = owa_call(&x, cc->requester, 1);
        struct fb_finding *f = fail_att(&x, &c->attendees[0], cc->mailbox, cc->code, NULL);
        f->leg = cc->leg;
        f->exception_code = cc->exception_code;
        f->diag_category = cc->diag_category;
        f->diag_reason = cc->diag_reason;
        if (cc->diag_category)
            f->diag_code = "2000005";
        if (cc->type || cc->web_status || cc->http_status) {
            struct fb_exc_link *l = add_link(&x, f, cc->type, cc->web_status, 0, cc->http_status);
            l->lid = cc->lid;
        }
        if (cc->socket_error)
            add_link(&x, f, "System.Net.Sockets.SocketException", NULL, cc->socket_error, 0);
        fx_run(&x);
        cr_assert_str_eq(top(&x.r), cc->id, "case %zu: top %s, want %s", i, top(&x.r), cc->id);
        cr_assert(x.r.diagnoses[0].confidence >= 0.25, "%s: %.2f", cc->id,
                  x.r.diagnoses[0].confidence);
        cr_assert_eq(x.r.n_unexplained, 0);
        fx_cleanup(&x);
    }
}

Test(sig_rank, direction_gates_the_hybrid_agent_signature)
{
    /* 504 in an on-premises-to-cloud lookup: not the Hybrid Agent */
    struct fx x;
    fx_init(&x);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 200, 1);
    c->http.server_version = "15.1.2507.6";
    struct fb_finding *f = fail_att(&x, &c->attendees[0], "cloud@contoso.com", PRPF,
                                    "Proxy web request failed, inner exception: The request failed "
                                    "with HTTP status 504: Gateway Timeout.");
    f->response_source = "https://outlook.office365.com/EWS/Exchange.asmx";
    fx_run(&x);
    cr_assert_eq(x.t.facts->calls[0].attendees[0].direction, FB_DIR_ONPREM_TO_CLOUD);
    cr_assert_null(find(&x.r, "proxy-504-hybrid-agent"));
    cr_assert_str_eq(top(&x.r), "proxy-request-processing-failed");
    fx_cleanup(&x);

    /* the same from Exchange Online to a customer host: it is */
    fx_init(&x);
    c = add_call(&x, FB_CALL_OWA_GUA, OWA_URL, "outlook.office.com", 200, 1);
    c->http.server_version = "15.20.7452.28";
    f = fail_att(&x, &c->attendees[0], "y1@contoso.com", PRPF,
                 "Proxy web request failed, inner exception: The request failed with HTTP status "
                 "504: Gateway Timeout. https://1f2e.resource.mailboxmigration.his.msappproxy.net/"
                 "EWS/Exchange.asmx");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "proxy-504-hybrid-agent");
    ASSERT_CONF(&x.r.diagnoses[0], 0.85, 0.85);
    fx_cleanup(&x);
}

/* ---- log-only signatures ---- */

Test(sig_rank, outlook_log_line_fires_asurl_without_any_call)
{
    struct fx x;
    fx_init(&x);
    fx_log(&x, "12:01:07 Failed to get ASURL. Error 8004010F.");
    fx_run(&x);
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_str_eq(top(&x.r), "asurl-8004010f");
    cr_assert_null(x.r.diagnoses[0].route);
    ASSERT_CONF(&x.r.diagnoses[0], 0.7, 0.7);
    cr_assert_eq(x.r.n_failing_units, 0);
    fx_cleanup(&x);
}

Test(sig_rank, test_federationtrust_output_fires_cert_missing)
{
    struct fx x;
    fx_init(&x);
    fx_log(&x, "Id      : OrganizationCertificate");
    fx_log(&x, "Type    : Error");
    fx_log(&x, "Message : Unable to find the certificate referenced by property OrgPrivCertificate "
               "in the FederationTrust object.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "federation-cert-missing-on-server");
    ASSERT_CONF(&x.r.diagnoses[0], 0.8, 0.8);
    cr_assert_eq(x.r.n_diagnoses, 1);
    fx_cleanup(&x);
}

/* ---- healthy ---- */

Test(sig_rank, healthy_trace_with_handshakes_and_probes_has_no_diagnosis)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *p = add_call(&x, FB_CALL_AUTOD_POX,
                                 "https://contoso.com/autodiscover/"
                                 "autodiscover.xml",
                                 "contoso.com", 404, 0);
    struct fb_finding *pf = call_error(&x, p, NULL);
    pf->message_text = "The request failed with HTTP status 404: Not Found.";
    fb_finding_parse_text(pf, &x.t.arena);
    add_call(&x, FB_CALL_AUTOD_POX,
             "https://autodiscover.contoso.com/autodiscover/"
             "autodiscover.xml",
             "autodiscover.contoso.com", 200, 0);
    struct fb_call *h = add_call(&x, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 401, 0);
    h->http.www_authenticate = "Negotiate";
    call_error(&x, h, NULL);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, "https://mail.contoso.com/EWS/Exchange.asmx",
                                 "mail.contoso.com", 200, 2);
    c->requester = "x1@contoso.com";
    ok_att(&c->attendees[0], "a@contoso.com");
    ok_att(&c->attendees[1], "b@datum.com");
    fx_run(&x);
    cr_assert_eq(x.t.facts->calls[0].superseded, 1);
    cr_assert_eq(x.t.facts->calls[2].superseded, 1);
    cr_assert_eq(x.r.n_diagnoses, 0);
    cr_assert_eq(x.r.n_failing_units, 0);
    cr_assert_eq(x.r.n_unexplained, 0);
    fx_cleanup(&x);
}

Test(sig_rank, advice_rules_are_never_diagnoses)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = owa_call(&x, "X1@contoso.com", 1);
    fail_att(&x, &c->attendees[0], "a@fabrikam.com", "ErrorAddressSpaceNotFound",
             "Configuration information for forest/domain fabrikam.com could not be found in "
             "Active Directory.");
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "config-forest-domain-not-found");
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_eq(x.r.diagnoses[0].n_advice, 2);
    cr_assert_null(find(&x.r, "accepted-domain-missing"));
    cr_assert_null(find(&x.r, "targetaddress-external-domain"));
    fx_cleanup(&x);
}

/* ---- engine operators ---- */

Test(sig_engine, numeric_operators_compare_numeric_text_values)
{
    struct fx x;
    fx_init(&x);
    const char *rule = "id: backoff-long\ntitle: t\nmatch:\n"
                       "  - error.value.BackOffMilliseconds: {gte: 60000}\n"
                       "confidence: {base: 0.5}\n" TAIL;
    struct fb_diag d = {{0}, {0}};
    cr_assert_eq(fb_sig_db_add_text(x.db, "t.yaml", rule, strlen(rule), &d), 0, "%s", d.msg);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, EWS_URL, "outlook.office365.com", 200, 0);
    struct fb_finding *f = call_error(&x, c, "ErrorServerBusy");
    f->values = fb_arena_calloc(&x.t.arena, 1, sizeof *f->values);
    f->values[0] = (struct fb_name_value){"BackOffMilliseconds", "59999"};
    f->n_values = 1;
    fx_run(&x);
    cr_assert_null(find(&x.r, "backoff-long"));
    f->values[0].value = "60000";
    fb_sig_match(x.db, &x.t, NULL, &x.a, &x.r);
    cr_assert_not_null(find(&x.r, "backoff-long"));
    f->values[0].value = "60000ms"; /* not a number: never compares */
    fb_sig_match(x.db, &x.t, NULL, &x.a, &x.r);
    cr_assert_null(find(&x.r, "backoff-long"));
    fx_cleanup(&x);
}

/* Found by fuzz_sig_load: a second 'match' list replaced the first, leaking its compiled
 * regexes. A repeated condition list is now refused. */
Test(sig_load, repeated_condition_list_is_refused_issue_fuzz_leak)
{
    expect_error(HEAD
                 "match:\n  - error.message: {regex: \"a+\"}\nmatch:\n  - error.message: X\n" TAIL,
                 "r/x.yaml:5", "'match' appears twice");
}

/* A SOAP fault copied to both attendees (no per-attendee answer) is one diagnosis on the
 * attendees' route, not a second one on the call's host; the call-level error counts as
 * explained with them. */
Test(sig_rank, call_error_copied_to_attendees_is_diagnosed_once)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, EWS_URL, "outlook.office365.com", 500, 2);
    struct fb_finding *f = call_error(&x, c, "ErrorServerBusy");
    f->message_text = "The server cannot service this request right now. Try again later.";
    f->values = fb_arena_calloc(&x.t.arena, 1, sizeof *f->values);
    f->values[0] = (struct fb_name_value){"BackOffMilliseconds", "297749"};
    f->n_values = 1;
    const char *mb[] = {"bob@contoso.com", "carol@contoso.com"};
    for (size_t k = 0; k < 2; k++) {
        struct fb_finding *copy = fb_arena_calloc(&x.t.arena, 1, sizeof *copy);
        *copy = *f;
        c->attendees[k].mailbox = mb[k];
        c->attendees[k].result = FB_RES_ERROR;
        c->attendees[k].finding = copy;
    }
    fx_run(&x);
    cr_assert_eq(x.r.n_diagnoses, 1);
    cr_assert_str_eq(top(&x.r), "ews-server-busy-throttled");
    cr_assert_eq(x.r.n_failing_units, 2);
    cr_assert_eq(x.r.n_unexplained, 0);
    cr_assert_eq(x.r.error_explained[0][0], 1);
    fx_cleanup(&x);
}

/* The WS-Trust fault on the wire (an Exchange server's own trace of extSTS.srf) carries its
 * subcode and psf codes without a MessageText around them: the member-name rule fires. */
Test(sig_rank, wstrust_fault_on_the_wire_is_member_name_invalid)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c =
        add_call(&x, FB_CALL_FED_TOKEN, "https://login.microsoftonline.com/extSTS.srf",
                 "login.microsoftonline.com", 500, 0);
    c->http.user_agent = NULL;
    c->http.process = "w3wp:5120";
    struct fb_finding *f = call_error(&x, c, NULL);
    f->response_class = NULL;
    f->wstrust_code = "S:Sender";
    f->wstrust_subcode = "wst:FailedAuthentication";
    f->wstrust_reason = "Authentication Failure";
    f->psf_value = "0x80048821";
    f->psf_code = "0x80041034";
    f->psf_text = "The specified member name is either invalid or empty.";
    f->message_text = f->psf_text;
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "wstrust-member-name-invalid");
    cr_assert_eq(x.r.n_unexplained, 0);
    fx_cleanup(&x);
}

/* An abandoned call: its "no response" error is the attendees' own outcome, not a unit of
 * its own left unexplained. */
Test(sig_rank, abandoned_call_error_is_explained_with_its_attendees)
{
    struct fx x;
    fx_init(&x);
    struct fb_call *c = add_call(&x, FB_CALL_EWS_GUA, EWS_URL, "outlook.office365.com", 0, 1);
    c->elapsed_us = 30000000;
    struct fb_finding *f = call_error(&x, c, NULL);
    f->response_class = NULL;
    f->message_text = "no response (client gave up after 30000 ms)";
    c->attendees[0].mailbox = "bob@contoso.com";
    c->attendees[0].result = FB_RES_NO_RESPONSE;
    fx_run(&x);
    cr_assert_str_eq(top(&x.r), "client-timeout");
    cr_assert_eq(x.r.n_failing_units, 1);
    cr_assert_eq(x.r.n_unexplained, 0);
    cr_assert_eq(x.r.error_explained[0][0], 1);
    fx_cleanup(&x);
}

/* The database hash identifies the rules in every output: stable for the same rules,
 * different when one is added or replaced (the e2e cases mask it for that reason). */
Test(sig_load, database_hash_is_stable_and_follows_the_rules)
{
    struct fb_diag d = {{0}, {0}};
    struct fb_sig_db *a = NULL, *b = NULL;
    cr_assert_eq(fb_sig_db_new(&a, &d), 0);
    cr_assert_eq(fb_sig_db_new(&b, &d), 0);
    char first[80];
    snprintf(first, sizeof first, "%s", fb_sig_db_hash(a));
    cr_assert_str_eq(first, fb_sig_db_hash(b));
    const char *text = HEAD "match:\n  - error.response_code: X\n" TAIL;
    cr_assert_eq(fb_sig_db_add_text(b, "u/a.yaml", text, strlen(text), &d), 0);
    cr_assert_str_neq(first, fb_sig_db_hash(b));
    cr_assert_str_eq(first, fb_sig_db_hash(a));
    fb_sig_db_free(a);
    fb_sig_db_free(b);
}

/* docs/signatures.md is the contract between extraction and the engine: every fact the
 * engine can test is documented there (run from the repository root, as make unit does). */
Test(sig_load, every_fact_is_documented)
{
    uint8_t *doc = NULL;
    size_t len = 0;
    cr_assert_eq(fb_read_file("docs/signatures.md", 1 << 20, &doc, &len), FB_OK);
    char *text = fb_xstrndup((const char *)doc, len);
    struct fb_arena a;
    fb_arena_init(&a);
    size_t n = 0;
    for (const char *name; (name = sig_fact_name_at(n, &a)) != NULL; n++) {
        char quoted[160];
        snprintf(quoted, sizeof quoted, "`%s`", name);
        cr_assert_not_null(strstr(text, quoted), "docs/signatures.md lacks %s", quoted);
        enum fact_scope sc;
        cr_assert(sig_fact_known(name, &sc), "%s", name);
    }
    cr_assert_geq(n, 60);
    fb_arena_cleanup(&a);
    free(text);
    free(doc);
}

/* Found by fuzz_sig_load in CI: an operator key that is not a string (a flow sequence)
 * reached strcmp with NULL. */
Test(sig_load, operator_that_is_not_a_string_issue_fuzz_null)
{
    expect_error(HEAD "match:\n  - call.status: {[gte]: 1}\n" TAIL, "r/x.yaml:4",
                 "an operator is a string");
}
