/* facts.c - the facts of a whole trace, computed once from the calls extract/ kept:
 * vantage, app, direction and auth path of each failing lookup, chains judged by their
 * final outcome, routes, and the relative facts per attendee (see facts.h and
 * docs/signatures.md, which is the contract with the signature engine).
 *
 * It reads only struct fb_call values (never exchanges) and writes only into the trace
 * arena. It does not decide root causes: that is sig/'s job.
 */
#include "fbdiag/facts.h"

#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/trace.h"

const char *fb_tri_name(enum fb_tri v)
{
    return v == FB_TRI_TRUE ? "true" : v == FB_TRI_FALSE ? "false" : "unknown";
}

const char *fb_vantage_name(enum fb_vantage v)
{
    static const char *const names[] = {"client", "exchange-server", "edge"};
    return (unsigned)v < FB_ARRAY_LEN(names) ? names[v] : "client";
}

const char *fb_direction_name(enum fb_direction d)
{
    static const char *const names[FB_DIR_COUNT] = {"unknown", "cloud-to-onprem", "onprem-to-cloud",
                                                    "onprem-cross-forest", "cloud-cross-tenant"};
    return (unsigned)d < FB_DIR_COUNT ? names[d] : "unknown";
}

const char *fb_auth_path_name(enum fb_auth_path a)
{
    static const char *const names[FB_AUTH_COUNT] = {"unknown", "dauth", "oauth"};
    return (unsigned)a < FB_AUTH_COUNT ? names[a] : "unknown";
}

const char *fb_app_name(enum fb_app a)
{
    static const char *const names[FB_APP_COUNT] = {
        "unknown", "owa", "outlook-classic", "outlook-new", "teams", "mobile", "ews-other"};
    return (unsigned)a < FB_APP_COUNT ? names[a] : "unknown";
}

/* ---- small text helpers ---- */

static int has(const char *s, const char *needle)
{
    return s && fb_str_ifind(fb_str_cstr(s), needle) != NULL;
}

static int starts(const char *s, const char *prefix)
{
    return s && fb_str_istarts(fb_str_cstr(s), prefix);
}

static int ends_with(const char *s, const char *suffix)
{
    if (!s)
        return 0;
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && fb_str_ieq_cstr(fb_str_make(s + n - m, m), suffix);
}

static char *lower_copy(struct fb_arena *a, const char *s, size_t n)
{
    char *r = fb_arena_cstr(a, s, n);
    for (char *p = r; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    return r;
}

/* Host of an absolute URL, lower-cased, without port or user info; NULL if none. */
static const char *url_host(struct fb_arena *a, const char *url)
{
    if (!url)
        return NULL;
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    p += 3;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at)
        p = at + 1;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (colon && *p != '[')
        end = colon;
    if (end == p)
        return NULL;
    return lower_copy(a, p, (size_t)(end - p));
}

static const char *mailbox_domain(struct fb_arena *a, const char *mailbox)
{
    const char *at = mailbox ? strrchr(mailbox, '@') : NULL;
    if (!at || !at[1])
        return NULL;
    return lower_copy(a, at + 1, strlen(at + 1));
}

/* Microsoft 365 service hosts: the requester or target lives in Exchange Online. */
static int is_cloud_host(const char *host)
{
    static const char *const suffixes[] = {
        "outlook.office365.com", "outlook.office.com",  "office365.com", "outlook.com",
        "microsoftonline.com",   "graph.microsoft.com", "office.com",    "microsoft.com",
        "microsoftonline-p.com", "mail.onmicrosoft.com"};
    if (!host)
        return 0;
    for (size_t i = 0; i < FB_ARRAY_LEN(suffixes); i++) {
        size_t n = strlen(host), m = strlen(suffixes[i]);
        if (n == m ? fb_str_ieq_cstr(fb_str_cstr(host), suffixes[i])
                   : (n > m && host[n - m - 1] == '.' && ends_with(host, suffixes[i])))
            return 1;
    }
    return 0;
}

/* Token-issuing hosts/URLs: a leg to them says which side asked, not the target route. */
static int is_token_url(const char *url)
{
    return has(url, "login.microsoftonline.com") || has(url, "extSTS.srf") || has(url, "/adfs/") ||
           has(url, "login.windows.net") || has(url, "accounts.accesscontrol.windows.net");
}

/* Exchange Online server names look like AM6PR04MB1234 or DM2PR42CA011 (letters, a
 * digit, "PR", two digits, two letters, digits) or end in .prod.outlook.com. */
static int is_exo_server_name(const char *s)
{
    if (!s)
        return 0;
    if (has(s, ".prod.outlook.com") || has(s, ".outlook.com"))
        return 1;
    const char *pr = strstr(s, "PR");
    if (!pr || pr - s < 3 || pr - s > 5)
        return 0;
    const char *p = pr + 2;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9'))
        return 0;
    p += 2;
    if (!(p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z'))
        return 0;
    return p[2] >= '0' && p[2] <= '9';
}

/* ---- side of the requester: cloud (1), on-prem (0), unknown (-1) ---- */

static int call_requester_in_cloud(const struct fb_call *c, struct fb_evidence *ev)
{
    const struct fb_http_facts *h = &c->http;
    if (h->server_version && starts(h->server_version, "15.20.")) {
        ev->text = "server version 15.20.x (Exchange Online) answered the requester";
        ev->source = c->source;
        return 1;
    }
    if (is_cloud_host(h->host)) {
        ev->text = "the requester talks to a Microsoft 365 host";
        ev->source = c->source;
        return 1;
    }
    if (is_exo_server_name(h->x_feserver) || is_exo_server_name(h->x_beserver)) {
        ev->text = "X-FEServer/X-BEServer names an Exchange Online server";
        ev->source = c->source;
        return 1;
    }
    if (h->server_version &&
        (starts(h->server_version, "15.0.") || starts(h->server_version, "15.1.") ||
         starts(h->server_version, "15.2.") || starts(h->server_version, "14."))) {
        ev->text = "server version of Exchange Server (on-premises) answered the requester";
        ev->source = c->source;
        return 0;
    }
    if (h->host && h->status != 0) {
        ev->text = "the requester talks to an on-premises host";
        ev->source = c->source;
        return 0;
    }
    return -1;
}

/* ---- per-attendee route and target side ---- */

static void attendee_route(struct fb_arena *a, const struct fb_attendee *att,
                           struct fb_attendee_facts *af)
{
    const struct fb_finding *f = att->finding;
    af->domain = mailbox_domain(a, att->mailbox);
    if (f && f->response_source) {
        const char *h = url_host(a, f->response_source);
        if (h) {
            af->route = h;
            af->route_kind = "response-source";
            return;
        }
    }
    if (f) {
        for (size_t i = 0; i < f->n_urls; i++) {
            if (is_token_url(f->urls[i]))
                continue;
            const char *h = url_host(a, f->urls[i]);
            if (h) {
                af->route = h;
                af->route_kind = "error-url";
                return;
            }
        }
    }
    if (af->domain) {
        af->route = af->domain;
        af->route_kind = "smtp-domain";
    }
}

/* Target side from what the error names: 1 cloud, 0 on-prem, -1 unknown. */
static int target_in_cloud(const struct fb_finding *f, const struct fb_attendee_facts *af,
                           struct fb_evidence *ev, const char *source)
{
    if (!f)
        return -1;
    if (af->route_kind && strcmp(af->route_kind, "smtp-domain") != 0) {
        ev->source = source;
        if (is_cloud_host(af->route)) {
            ev->text = "the error names a Microsoft 365 endpoint as the remote side";
            return 1;
        }
        ev->text = "the error names a customer endpoint as the remote side";
        return 0;
    }
    for (size_t i = 0; i < f->n_urls; i++)
        if (is_token_url(f->urls[i])) {
            /* an on-prem server fetching a token to query the cloud */
            ev->text = "the error names a Microsoft token endpoint (on-premises requester)";
            ev->source = source;
            return 1;
        }
    return -1;
}

static int finding_says_dauth(const struct fb_finding *f, const struct fb_call *c)
{
    if (!f)
        return 0;
    if (f->wstrust_subcode || f->psf_value || f->psf_code)
        return 1;
    if (has(f->response_source, "/WSSecurity"))
        return 1;
    for (size_t i = 0; i < f->n_urls; i++)
        if (has(f->urls[i], "/WSSecurity"))
            return 1;
    if (has(f->message_text, "delegation token") || has(f->message_text, "WSTrust"))
        return 1;
    for (size_t i = 0; i < f->chain.n_links; i++)
        if (has(f->chain.links[i].type, "WSTrust") ||
            (has(f->chain.links[i].type, "SoapHeaderException") &&
             has(f->chain.links[i].message, "security")))
            return 1;
    return (c->flags & FB_CALL_F_FEDERATED) != 0;
}

static int finding_says_oauth(const struct fb_finding *f, const struct fb_call *c)
{
    if (f && f->diag_code && f->diag_code[0] == '2')
        return 1;
    if (f && (has(f->message_text, "OAuth") || has(f->exception_type, "OAuth")))
        return 1;
    return c->http.x_ms_diagnostics != NULL && c->http.status == 401;
}

static void attendee_auth(const struct fb_call *c, const struct fb_attendee *att,
                          struct fb_attendee_facts *af)
{
    const struct fb_finding *f = att->finding;
    if (finding_says_oauth(f, c)) {
        af->auth_path = FB_AUTH_OAUTH;
        af->auth_evidence.text = f && f->diag_code ? "the error carries OAuth diagnostics (2000xxx)"
                                                   : "the error names OAuth";
    } else if (finding_says_dauth(f, c)) {
        af->auth_path = FB_AUTH_DAUTH;
        af->auth_evidence.text =
            "the error names a /WSSecurity endpoint or a WS-Trust/federation failure";
    } else {
        af->auth_path = FB_AUTH_UNKNOWN;
        return;
    }
    af->auth_evidence.source = c->source;
}

/* ---- vantage and app ---- */

static void compute_vantage(struct fb_trace *t, struct fb_facts *fx)
{
    fx->vantage = FB_VANTAGE_CLIENT;
    fx->vantage_evidence.text = "no server-side user agents: requests come from a client";
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        const char *ua = c->http.user_agent;
        if (starts(ua, "ASProxy/") || starts(ua, "ASAutoDiscover/") ||
            starts(c->http.process, "w3wp") || starts(c->http.process, "Microsoft.Exchange")) {
            fx->vantage = FB_VANTAGE_EXCHANGE_SERVER;
            fx->vantage_evidence.text =
                "an Exchange server's own outbound call (ASProxy/ASAutoDiscover user agent or "
                "w3wp process)";
            fx->vantage_evidence.source = c->source;
            return;
        }
    }
}

static enum fb_app app_of(const struct fb_call *c)
{
    const char *ua = c->http.user_agent, *proc = c->http.process;
    if (starts(proc, "olk") || has(ua, "OneOutlook") || has(ua, " olk/"))
        return FB_APP_OUTLOOK_NEW;
    if (starts(proc, "outlook"))
        return FB_APP_OUTLOOK_CLASSIC;
    if (starts(proc, "ms-teams") || starts(proc, "teams") || has(ua, "Teams/"))
        return FB_APP_TEAMS;
    if (has(ua, "Outlook-iOS") || has(ua, "Outlook-Android"))
        return FB_APP_MOBILE;
    if (has(ua, "Microsoft Outlook") || (has(ua, "Microsoft Office/") && has(ua, "Outlook")))
        return FB_APP_OUTLOOK_CLASSIC;
    if (c->kind == FB_CALL_OWA_GUA || c->kind == FB_CALL_OWA_CALENDAR || has(c->url, "/owa/"))
        return FB_APP_OWA;
    if (c->kind == FB_CALL_EWS_GUA)
        return FB_APP_EWS_OTHER;
    return FB_APP_UNKNOWN;
}

static void compute_app(struct fb_trace *t, struct fb_facts *fx)
{
    fx->app = FB_APP_UNKNOWN;
    for (size_t i = 0; i < t->n_calls; i++) {
        enum fb_app a = app_of(t->calls[i]);
        if (a != FB_APP_UNKNOWN) {
            fx->app = a;
            fx->app_evidence.text = t->calls[i]->http.process      ? "process of the request"
                                    : t->calls[i]->http.user_agent ? "user agent and URL"
                                                                   : "URL of the call";
            fx->app_evidence.source = t->calls[i]->source;
            return;
        }
    }
}

/* ---- chains: only a chain's final outcome is a failure ---- */

static int call_failed(const struct fb_call *c)
{
    if (c->n_errors > 0 || c->http.status == 0 || c->http.status >= 400)
        return 1;
    for (size_t i = 0; i < c->n_attendees; i++)
        if (c->attendees[i].result != FB_RES_OK)
            return 1;
    return 0;
}

static int is_autodiscover(enum fb_call_kind k)
{
    return k == FB_CALL_AUTOD_SOAP || k == FB_CALL_AUTOD_POX || k == FB_CALL_AUTOD_V2;
}

/* Same URL without its query string. */
static int same_endpoint(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t la = strcspn(a, "?#"), lb = strcspn(b, "?#");
    return fb_str_ieq(fb_str_make(a, la), fb_str_make(b, lb));
}

static int first_mailbox_eq(const struct fb_call *a, const struct fb_call *b)
{
    if (a->n_attendees == 0 || b->n_attendees == 0)
        return 1; /* mailbox unknown on one side: the chain is the input's */
    const char *ma = a->attendees[0].mailbox, *mb = b->attendees[0].mailbox;
    return !ma || !mb || fb_str_ieq_cstr(fb_str_cstr(ma), mb);
}

/* Returns the later call of the same chain that succeeded, or NULL. */
static const struct fb_call *chain_success_after(struct fb_trace *t, size_t i)
{
    const struct fb_call *c = t->calls[i];
    int auth_handshake = c->http.status == 401 && c->n_attendees == 0;
    for (size_t j = i + 1; j < t->n_calls; j++) {
        const struct fb_call *d = t->calls[j];
        if (d->input != c->input || call_failed(d))
            continue;
        if (is_autodiscover(c->kind) && is_autodiscover(d->kind) && first_mailbox_eq(c, d))
            return d;
        if (c->kind == FB_CALL_OAUTH_TOKEN && d->kind == FB_CALL_OAUTH_TOKEN)
            return d;
        if (c->kind == FB_CALL_FED_TOKEN && d->kind == FB_CALL_FED_TOKEN)
            return d;
        if (c->http.status == 401 && same_endpoint(c->url, d->url))
            return d;
        if (auth_handshake && d->kind == c->kind &&
            is_cloud_host(c->http.host) == is_cloud_host(d->http.host))
            return d;
    }
    return NULL;
}

static void compute_chains(struct fb_trace *t, struct fb_facts *fx)
{
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        if (!call_failed(c))
            continue;
        /* Availability calls with per-attendee failures are never "probes". An
         * Autodiscover call's attendee is the mailbox it asks about (a POX EMailAddress,
         * a GetUserSettings user): its failure is the probe's own, and a later success for
         * that mailbox still ends the chain. */
        int attendee_failure = 0;
        for (size_t k = 0; k < c->n_attendees && !is_autodiscover(c->kind); k++)
            if (c->attendees[k].result != FB_RES_OK && c->http.status != 401)
                attendee_failure = 1;
        if (attendee_failure || (c->http.status == 0 && !is_autodiscover(c->kind)))
            continue;
        const struct fb_call *ok = chain_success_after(t, i);
        if (ok) {
            fx->calls[i].superseded = 1;
            fx->calls[i].superseded_by.source = ok->source;
            fx->calls[i].superseded_by.text =
                is_autodiscover(c->kind) ? "a later Autodiscover call of the same chain succeeded"
                : c->http.status == 401
                    ? "an authentication handshake: a later request to it succeeded"
                    : "a later token request succeeded";
        }
    }
}

/* ---- relative facts per attendee ---- */

/* The requester key of a call: its requester mailbox, else the trace's, else the input. */
static const char *requester_key(struct fb_arena *a, const struct fb_call *c,
                                 const struct fb_facts *fx)
{
    if (c->requester)
        return c->requester;
    if (fx->requester)
        return fx->requester;
    return fb_arena_printf(a, "input:%u", (unsigned)c->input);
}

/* ---- relative facts: interned keys, then integer comparisons ----
 *
 * Every (call, attendee) gets integer ids for its pair (requester + mailbox, case-
 * insensitive), route and domain, so the all-pairs pass compares integers. The pass is
 * quadratic: it covers the first FB_FACTS_MAX_RELATIVE attendees (real traces hold tens to
 * hundreds; a hostile one could hold millions), and the rest keep "unknown" with a
 * warning. */

#define FB_FACTS_MAX_RELATIVE 20000

struct intern {
    const char **keys;
    uint32_t *ids;
    size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Returns the id of key (ids count from 1; NULL gets 0). The table is sized by the caller
 * to at least twice the keys it will see. */
static uint32_t intern_id(struct intern *in, const char *key)
{
    if (!key)
        return 0;
    size_t i = hash_str(key) & (in->cap - 1);
    while (in->keys[i]) {
        if (strcmp(in->keys[i], key) == 0)
            return in->ids[i];
        i = (i + 1) & (in->cap - 1);
    }
    in->keys[i] = key;
    in->ids[i] = (uint32_t)++in->n;
    return in->ids[i];
}

static void intern_init(struct intern *in, struct fb_arena *a, size_t n_keys)
{
    size_t cap = 16;
    while (cap < 2 * n_keys + 2)
        cap *= 2;
    in->keys = fb_arena_calloc(a, cap, sizeof *in->keys);
    in->ids = fb_arena_calloc(a, cap, sizeof *in->ids);
    in->cap = cap;
    in->n = 0;
}

struct rel {
    size_t call, att;
    uint32_t pair, route, domain; /* 0: unknown (a NULL mailbox pairs with nothing) */
    uint8_t domain_only, live, ok, bad;
};

static void rel_keys(struct fb_trace *t, const struct fb_facts *fx, struct rel *r,
                     struct intern *pairs, struct intern *routes, struct intern *domains)
{
    const struct fb_call *c = t->calls[r->call];
    const struct fb_attendee *at = &c->attendees[r->att];
    const struct fb_attendee_facts *af = &fx->calls[r->call].attendees[r->att];
    if (at->mailbox) {
        const char *req = requester_key(&t->arena, c, fx);
        char *key = fb_arena_printf(&t->arena, "%s\n%s", req, at->mailbox);
        for (char *p = key; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        r->pair = intern_id(pairs, key);
    }
    r->route = intern_id(routes, af->route);
    r->domain = intern_id(domains, af->domain);
    r->domain_only = af->route_kind && strcmp(af->route_kind, "smtp-domain") == 0;
    r->live = !fx->calls[r->call].superseded;
    /* a peer answered with a coarser view (AvailabilityOnly, the default for a partner)
     * got its free/busy: the route works */
    r->ok = !fb_attendee_is_problem(at);
    r->bad = at->result == FB_RES_ERROR || at->result == FB_RES_NO_RESPONSE;
}

static int rel_same_route(const struct rel *x, const struct rel *y)
{
    if (!x->route || !y->route)
        return 0;
    if (x->route == y->route)
        return 1;
    /* one side knows only the SMTP domain: fall back to comparing domains */
    return (x->domain_only || y->domain_only) && x->domain && x->domain == y->domain;
}

static enum fb_tri tri_of(uint32_t peers, uint32_t ok)
{
    return peers == 0 ? FB_TRI_UNKNOWN : ok > 0 ? FB_TRI_TRUE : FB_TRI_FALSE;
}

static void rel_one(const struct rel *refs, size_t n, size_t x, struct fb_attendee_facts *fxa)
{
    const struct rel *rx = &refs[x];
    uint32_t route_peers = 0, route_ok = 0, dom_peers = 0, dom_ok = 0;
    uint32_t seen = 0, failed = 0, dom_seen = 0, dom_failed = 0;
    for (size_t y = 0; y < n; y++) {
        const struct rel *ry = &refs[y];
        if (!ry->live)
            continue;
        if (x == y || (rx->pair && rx->pair == ry->pair)) {
            seen++;
            failed += ry->bad;
            continue;
        }
        if (rel_same_route(rx, ry)) {
            route_peers++;
            route_ok += ry->ok;
        }
        if (rx->domain && rx->domain == ry->domain) {
            dom_peers++;
            dom_ok += ry->ok;
            dom_seen++;
            dom_failed += ry->bad;
        }
    }
    fxa->calls_seen = seen;
    fxa->calls_failed = failed;
    fxa->route_peers_ok = tri_of(route_peers, route_ok);
    fxa->domain_peers_ok = tri_of(dom_peers, dom_ok);
    fxa->fails_in_every_call = seen < 2         ? FB_TRI_UNKNOWN
                               : failed == seen ? FB_TRI_TRUE
                                                : FB_TRI_FALSE;
    /* the domain fails in every call: this pair's calls and the domain peers' */
    uint32_t all = seen + dom_seen, all_failed = failed + dom_failed;
    fxa->domain_fails_in_every_call = all < 2             ? FB_TRI_UNKNOWN
                                      : all_failed == all ? FB_TRI_TRUE
                                                          : FB_TRI_FALSE;
}

static void compute_relative(struct fb_trace *t, struct fb_facts *fx)
{
    size_t total = 0;
    for (size_t i = 0; i < t->n_calls; i++)
        total += t->calls[i]->n_attendees;
    if (total == 0)
        return;
    size_t n = total < FB_FACTS_MAX_RELATIVE ? total : FB_FACTS_MAX_RELATIVE;
    if (n < total)
        fb_trace_warn(t, NULL, NULL,
                      "%zu attendees: peer and repetition facts are computed for the first %d "
                      "only (the rest stay unknown)",
                      total, FB_FACTS_MAX_RELATIVE);
    struct rel *refs = fb_arena_calloc(&t->arena, n, sizeof *refs);
    struct intern pairs, routes, domains;
    intern_init(&pairs, &t->arena, n);
    intern_init(&routes, &t->arena, n);
    intern_init(&domains, &t->arena, n);
    size_t k = 0;
    for (size_t i = 0; i < t->n_calls && k < n; i++)
        for (size_t j = 0; j < t->calls[i]->n_attendees && k < n; j++) {
            refs[k].call = i;
            refs[k].att = j;
            rel_keys(t, fx, &refs[k], &pairs, &routes, &domains);
            k++;
        }
    for (size_t x = 0; x < n; x++)
        rel_one(refs, n, x, &fx->calls[refs[x].call].attendees[refs[x].att]);
}

/* ---- the requester ---- */

static void compute_requester(struct fb_trace *t, struct fb_facts *fx)
{
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        const char *r = c->requester ? c->requester : c->http.anchor_mailbox;
        if (r && strchr(r, '@')) {
            fx->requester = r;
            fx->requester_domain = mailbox_domain(&t->arena, r);
            return;
        }
    }
}

static int is_availability_kind(enum fb_call_kind k);

/* The requester's side (cloud or on-premises) from the first availability call that tells
 * it, else from the first call of any kind: an Autodiscover probe to the root domain says
 * nothing about where the mailbox that then asks for free/busy lives. */
static void compute_requester_side(struct fb_trace *t, struct fb_facts *fx)
{
    for (int pass = 0; pass < 2 && fx->requester_in_cloud == FB_TRI_UNKNOWN; pass++)
        for (size_t i = 0; i < t->n_calls; i++) {
            const struct fb_call *c = t->calls[i];
            if (pass == 0 && !is_availability_kind(c->kind))
                continue;
            struct fb_evidence ev = {NULL, NULL};
            int side = call_requester_in_cloud(c, &ev);
            if (side >= 0) {
                fx->requester_in_cloud = side;
                break;
            }
        }
}

static void compute_attendee_facts(struct fb_trace *t, struct fb_facts *fx, size_t i)
{
    const struct fb_call *c = t->calls[i];
    struct fb_call_facts *cf = &fx->calls[i];
    cf->attendees =
        fb_arena_calloc(&t->arena, c->n_attendees ? c->n_attendees : 1, sizeof *cf->attendees);
    struct fb_evidence req_ev = {NULL, NULL};
    int req_cloud = call_requester_in_cloud(c, &req_ev);
    const char *req_domain =
        c->requester ? mailbox_domain(&t->arena, c->requester) : fx->requester_domain;
    for (size_t k = 0; k < c->n_attendees; k++) {
        const struct fb_attendee *att = &c->attendees[k];
        struct fb_attendee_facts *af = &cf->attendees[k];
        attendee_route(&t->arena, att, af);
        attendee_auth(c, att, af);
        af->same_domain_as_requester = !req_domain || !af->domain            ? FB_TRI_UNKNOWN
                                       : strcmp(req_domain, af->domain) == 0 ? FB_TRI_TRUE
                                                                             : FB_TRI_FALSE;
        struct fb_evidence tgt_ev = {NULL, NULL};
        int tgt_cloud = target_in_cloud(att->finding, af, &tgt_ev, c->source);
        af->direction = FB_DIR_UNKNOWN;
        if (req_cloud == 1 && tgt_cloud == 0)
            af->direction = FB_DIR_CLOUD_TO_ONPREM;
        else if (req_cloud == 0 && tgt_cloud == 1)
            af->direction = FB_DIR_ONPREM_TO_CLOUD;
        else if (req_cloud == 0 && tgt_cloud == 0)
            af->direction = FB_DIR_ONPREM_CROSS_FOREST;
        else if (req_cloud == 1 && tgt_cloud == 1)
            af->direction = FB_DIR_CLOUD_CROSS_TENANT;
        if (af->direction != FB_DIR_UNKNOWN) {
            af->direction_evidence.text =
                fb_arena_printf(&t->arena, "%s; %s", req_ev.text, tgt_ev.text);
            af->direction_evidence.source = c->source;
            fx->directions |= 1u << af->direction;
        }
        if (af->auth_path != FB_AUTH_UNKNOWN)
            fx->auth_paths |= 1u << af->auth_path;
    }
}

int fb_attendee_is_problem(const struct fb_attendee *a)
{
    if (a->result == FB_RES_OK)
        return 0;
    if (a->result != FB_RES_DEGRADED)
        return 1;
    const struct fb_finding *f = a->finding;
    if (!f || !f->response_class || strcmp(f->response_class, "Success") != 0)
        return 1;
    if (!a->view_type || strcmp(a->view_type, "None") == 0)
        return 1;
    if (a->merged_free_busy && a->merged_free_busy[0] &&
        strspn(a->merged_free_busy, "N") == strlen(a->merged_free_busy))
        return 1;
    return 0;
}

static int is_availability_kind(enum fb_call_kind k)
{
    return k == FB_CALL_EWS_GUA || k == FB_CALL_OWA_GUA || k == FB_CALL_GRAPH_SCHEDULE ||
           k == FB_CALL_OWA_CALENDAR;
}

static void count_problems(struct fb_trace *t, struct fb_facts *fx)
{
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct fb_call *c = t->calls[i];
        if (is_availability_kind(c->kind))
            fx->n_availability_calls++;
        if (fx->calls[i].superseded)
            continue;
        for (size_t k = 0; k < c->n_attendees; k++)
            fx->n_problems += (uint32_t)fb_attendee_is_problem(&c->attendees[k]);
        fx->n_problems += (uint32_t)c->n_errors;
    }
}

void fb_facts_compute(struct fb_trace *t)
{
    struct fb_facts *fx = fb_arena_calloc(&t->arena, 1, sizeof *fx);
    fx->requester_in_cloud = FB_TRI_UNKNOWN;
    fx->n_calls = t->n_calls;
    fx->calls = fb_arena_calloc(&t->arena, t->n_calls ? t->n_calls : 1, sizeof *fx->calls);
    compute_vantage(t, fx);
    compute_app(t, fx);
    compute_requester(t, fx);
    for (size_t i = 0; i < t->n_calls; i++)
        compute_attendee_facts(t, fx, i);
    compute_requester_side(t, fx);
    compute_chains(t, fx);
    compute_relative(t, fx);
    count_problems(t, fx);
    t->facts = fx;
}
