/* facts.h - the facts of a whole trace, computed once after every exchange was read:
 * vantage, the direction and auth path of each cross-premises lookup, the app, chains
 * judged by their final outcome, each attendee's route and the relative facts the
 * signature engine tests (route_peers_ok, fails_in_every_call, and the same per domain).
 * Each fact carries its evidence. docs/signatures.md lists every fact and its values.
 *
 * Ownership: facts live in the trace's arena (fb_facts_compute allocates there).
 */
#ifndef FB_FACTS_H
#define FB_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/extract.h"

struct fb_trace;

/* Tri-state for facts a trace may not establish. */
enum fb_tri { FB_TRI_UNKNOWN = -1, FB_TRI_FALSE = 0, FB_TRI_TRUE = 1 };
const char *fb_tri_name(enum fb_tri v); /* "unknown", "false", "true" */

enum fb_vantage { FB_VANTAGE_CLIENT, FB_VANTAGE_EXCHANGE_SERVER, FB_VANTAGE_EDGE };
const char *fb_vantage_name(enum fb_vantage v); /* "client", "exchange-server", "edge" */

enum fb_direction {
    FB_DIR_UNKNOWN,
    FB_DIR_CLOUD_TO_ONPREM,
    FB_DIR_ONPREM_TO_CLOUD,
    FB_DIR_ONPREM_CROSS_FOREST,
    FB_DIR_CLOUD_CROSS_TENANT,
    FB_DIR_COUNT
};
/* "unknown", "cloud-to-onprem", "onprem-to-cloud", "onprem-cross-forest",
 * "cloud-cross-tenant" */
const char *fb_direction_name(enum fb_direction d);

enum fb_auth_path { FB_AUTH_UNKNOWN, FB_AUTH_DAUTH, FB_AUTH_OAUTH, FB_AUTH_COUNT };
const char *fb_auth_path_name(enum fb_auth_path a); /* "unknown", "dauth", "oauth" */

enum fb_app {
    FB_APP_UNKNOWN,
    FB_APP_OWA,
    FB_APP_OUTLOOK_CLASSIC,
    FB_APP_OUTLOOK_NEW,
    FB_APP_TEAMS,
    FB_APP_MOBILE,
    FB_APP_EWS_OTHER,
    FB_APP_COUNT
};
/* "unknown", "owa", "outlook-classic", "outlook-new", "teams", "mobile", "ews-other" */
const char *fb_app_name(enum fb_app a);

/* A fact's value with one line of evidence ("UA ASProxy/CrossForest on saz:4"). */
struct fb_evidence {
    const char *text;
    const char *source; /* exchange source id, or NULL */
};

/* Per (call, attendee) facts, index-aligned with call->attendees. */
struct fb_attendee_facts {
    const char *route;      /* remote host, else the SMTP domain, else NULL */
    const char *route_kind; /* "response-source", "error-url", "smtp-domain" */
    const char *domain;     /* lower-cased SMTP domain of the mailbox */
    enum fb_direction direction;
    struct fb_evidence direction_evidence;
    enum fb_auth_path auth_path;
    struct fb_evidence auth_evidence;
    enum fb_tri route_peers_ok; /* other attendees on the same route succeed */
    enum fb_tri fails_in_every_call;
    enum fb_tri domain_peers_ok; /* other attendees of the same domain succeed */
    enum fb_tri domain_fails_in_every_call;
    enum fb_tri same_domain_as_requester;
    uint32_t calls_seen; /* calls that asked for this mailbox */
    uint32_t calls_failed;
};

struct fb_call_facts {
    int superseded; /* a failure a later call of its chain made good */
    struct fb_evidence superseded_by;
    struct fb_attendee_facts *attendees;
};

struct fb_facts {
    enum fb_vantage vantage;
    struct fb_evidence vantage_evidence;
    enum fb_app app;
    struct fb_evidence app_evidence;
    unsigned directions;   /* bit set of (1u << enum fb_direction) seen */
    unsigned auth_paths;   /* bit set of (1u << enum fb_auth_path) seen */
    const char *requester; /* the requesting mailbox when the trace shows it */
    const char *requester_domain;
    int requester_in_cloud;      /* fb_tri as int */
    struct fb_call_facts *calls; /* index-aligned with trace->calls */
    size_t n_calls;
    /* counts for the verdict */
    uint32_t n_availability_calls; /* GUA / getSchedule / owa-calendar */
    uint32_t n_problems;           /* attendees error/degraded/no-response + live call errors */
};

/* 1 when an attendee's outcome is a problem to explain: error, no-response, or degraded
 * by a Warning class, a None view or all-'N' data. A successful answer that is only
 * coarser than requested (AvailabilityOnly permission answering a DetailedMerged
 * request is the default) stays "degraded" in the output but is not a problem. */
int fb_attendee_is_problem(const struct fb_attendee *a);

/* Computes every fact from trace->calls into trace->facts (trace arena). Never fails. */
void fb_facts_compute(struct fb_trace *t);

#endif /* FB_FACTS_H */
