/* extract.h - exchanges understood as availability-related calls: their kind, the
 * requester, the attendees with per-attendee outcome, and every error they carry as a
 * structured finding, down to the inner .NET exception (MS-OXWAVLS, MS-OXWSADISC,
 * MS-OXDSCLI; protocol.md of the project's shared docs).
 *
 * extract/ knows nothing about signatures; it only turns bytes into facts.
 *
 * Ownership: every struct here, and every string it points to, lives in the arena passed
 * to the extractor (the trace's arena when called from the pipeline), so it outlives the
 * exchange it came from. Strings are NUL-terminated copies, never slices of the exchange.
 * NULL means "not present in the trace"; an empty string means "present and empty".
 */
#ifndef FB_EXTRACT_H
#define FB_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/exchange.h"
#include "fbdiag/util.h"

struct fb_arena;
struct fb_trace;

enum fb_call_kind {
    FB_CALL_NONE = 0,       /* not an availability-related call */
    FB_CALL_EWS_GUA,        /* EWS GetUserAvailability (/EWS/Exchange.asmx[/WSSecurity]) */
    FB_CALL_OWA_GUA,        /* OWA service.svc?action=GetUserAvailabilityInternal */
    FB_CALL_GRAPH_SCHEDULE, /* Graph / REST getSchedule */
    FB_CALL_OWA_CALENDAR,   /* OWA calendar calls failing with free/busy errors */
    FB_CALL_AUTOD_SOAP,     /* autodiscover.svc GetUserSettings / GetFederationInformation */
    FB_CALL_AUTOD_POX,      /* autodiscover.xml */
    FB_CALL_AUTOD_V2,       /* autodiscover.json */
    FB_CALL_FED_TOKEN,      /* WS-Trust token request (extSTS.srf, /adfs/services/trust) */
    FB_CALL_OAUTH_TOKEN,    /* OAuth2 token endpoint (/oauth2/token, /oauth2/v2.0/token) */
    FB_CALL_EXCHANGE_OTHER, /* any other Exchange call: kept with its errors */
    FB_CALL_KIND_COUNT
};
/* "ews-getuseravailability", "owa-getuseravailability", "graph-getschedule",
 * "owa-calendar", "autodiscover-soap", "autodiscover-pox", "autodiscover-v2",
 * "federation-token", "oauth-token", "exchange-other"; NULL for FB_CALL_NONE. */
const char *fb_call_kind_name(enum fb_call_kind k);

enum fb_result { FB_RES_OK, FB_RES_DEGRADED, FB_RES_ERROR, FB_RES_NO_RESPONSE };
const char *fb_result_name(enum fb_result r); /* "ok", "degraded", "error", "no-response" */

/* Where an error was seen: on the wire of this trace, or only described inside the text
 * of another error (a server-to-server leg the trace cannot contain). */
enum fb_layer { FB_LAYER_CLIENT_HOP, FB_LAYER_PROXIED_LEG };
const char *fb_layer_name(enum fb_layer l); /* "client-hop", "proxied-leg" */

/* One link of a .NET exception chain as servers print it:
 *   "Proxy web request failed. , inner exception: System.Net.WebException: The underlying
 *    connection was closed: An unexpected error occurred on a receive. --->
 *    System.IO.IOException: ... ---> System.Net.Sockets.SocketException: ..."
 * Links are split on ", inner exception:", " ---> ", "--- End of inner exception stack
 * trace ---"; "Name of the server where exception originated: X." and "LID: N" are
 * attached to the link they follow. */
struct fb_exc_link {
    const char *type;       /* "System.Net.WebException", or NULL when the link has none */
    const char *message;    /* the link's text without the type prefix, trimmed */
    const char *web_status; /* .NET WebExceptionStatus name derived from the text:
                               "ReceiveFailure", "SendFailure", "ConnectFailure",
                               "NameResolutionFailure", "Timeout", "TrustFailure",
                               "SecureChannelFailure", "ProtocolError", or NULL */
    int socket_error;       /* WSA error derived from the text (10054, 10060, 10061), or 0 */
    int http_status;        /* "The request failed with HTTP status 401" -> 401, or 0 */
    const char *server;     /* "Name of the server where exception originated" */
    const char *lid;        /* "LID: 43532" */
};

struct fb_exc_chain {
    struct fb_exc_link *links;
    size_t n_links;
};

/* A Value Name="..." pair of MessageXml (BackOffMilliseconds, InnerErrorResponseCode). */
struct fb_name_value {
    const char *name, *value;
};

#define FB_FINDING_MAX_URLS 8

/* One normalized error. Fields the error does not carry stay NULL / 0. */
struct fb_finding {
    enum fb_layer layer;
    /* EWS ResponseMessage / OWA ResponseMessage / Graph error */
    const char *response_class; /* "Success" | "Warning" | "Error" */
    const char *response_code;  /* "ErrorProxyRequestProcessingFailed" */
    const char *message_text;   /* whitespace-trimmed */
    const char *descriptive_link_key;
    /* MessageXml (errors namespace) */
    const char *exception_type;
    const char *exception_code;
    const char *exception_server;
    const char *exception_message;
    const char *response_source; /* remote URL that produced the error */
    struct fb_name_value *values;
    size_t n_values;
    /* SOAP 1.1 fault */
    const char *fault_code, *fault_string;
    /* WS-Trust SOAP 1.2 fault (own body, or embedded in message text) */
    const char *wstrust_code, *wstrust_subcode, *wstrust_reason;
    const char *psf_value, *psf_code, *psf_text;
    int fragment_by_local_name; /* XML fragment without namespace declarations,
                                   matched by local name */
    /* OAuth diagnostics: "diagnostics: 2000005;reason=\"...\";error_category=\"...\"" */
    const char *diag_code, *diag_reason, *diag_category;
    /* the exception chain split out of message_text (or fault_string) */
    struct fb_exc_chain chain;
    /* URLs and hosts the text names (first ones, deduplicated) */
    const char *urls[FB_FINDING_MAX_URLS];
    size_t n_urls;
    /* the leg named by the text prefix: "Proxy web request failed" -> "ews-proxy",
     * "Autodiscover failed for" -> "autodiscover", else NULL */
    const char *leg;
};

/* HTTP-level facts of a call's exchange (response headers; NULL when absent). */
struct fb_http_facts {
    int status; /* 0: no response */
    const char *www_authenticate;
    const char *x_ms_diagnostics;
    const char *x_owa_error;
    const char *x_backend_status; /* X-BackEndHttpStatus */
    const char *request_id;
    const char *x_feserver, *x_beserver;
    const char *server;
    const char *server_version; /* ServerVersionInfo (SOAP header) or X-OWA-Version */
    const char *user_agent;     /* request */
    const char *anchor_mailbox; /* request X-AnchorMailbox */
    const char *process;        /* SAZ x-processinfo */
    const char *host;           /* request host */
    int has_authorization;      /* request carried Authorization (any scheme) */
    const char *auth_scheme;    /* "Bearer", "Negotiate", "NTLM", "Basic", or NULL */
};

/* Characters of MergedFreeBusy an attendee keeps: enough to show the shape and to tell
 * an all-"N" answer (the full string is one digit per interval of the window). */
#define FB_MERGED_FREE_BUSY_KEEP 64

struct fb_attendee {
    const char *mailbox; /* SMTP address as requested (evidence: printed) */
    enum fb_result result;
    const char *view_type;        /* FreeBusyViewType returned, or NULL */
    const char *requested_view;   /* RequestedView of the call */
    const char *merged_free_busy; /* its first FB_MERGED_FREE_BUSY_KEEP chars, or NULL */
    struct fb_finding *finding;   /* NULL when ok */
    const char *route;            /* filled by facts/ */
};

struct fb_call {
    enum fb_call_kind kind;
    uint32_t input;     /* index of the input (trace->inputs) */
    uint32_t exchange;  /* exchange index within that input */
    const char *source; /* "saz:12" */
    const char *method, *url;
    const char *operation; /* "GetUserAvailability", "GetUserSettings", ... */
    const char *requester; /* where the trace shows it, else NULL */
    int64_t started_us;    /* 0 unknown */
    int64_t elapsed_us;    /* -1 unknown */
    struct fb_http_facts http;
    struct fb_attendee *attendees;
    size_t n_attendees;
    struct fb_finding *errors; /* call-level (faults, HTTP failures, OWA error codes) */
    size_t n_errors;
    unsigned flags; /* FB_CALL_F_* */
};

enum {
    FB_CALL_F_FEDERATED = 1u << 0,      /* /WSSecurity endpoint */
    FB_CALL_F_COUNT_MISMATCH = 1u << 1, /* responses != requested mailboxes */
    FB_CALL_F_BODY_UNPARSED = 1u << 2,  /* body could not be parsed (malformed, DOCTYPE) */
    FB_CALL_F_URL_POST_DATA = 1u << 3,  /* OWA request carried in X-OWA-UrlPostData */
};

/* Classifies an exchange: the call kind and operation name (static string or NULL).
 * Looks at the URL, SOAPAction, OWA action and the first body element. */
enum fb_call_kind fb_extract_classify(const struct fb_exchange *ex, const char **operation);

/* Extracts one exchange into a new call allocated in a (the trace's arena). Returns 1
 * with *out set when the exchange is availability-related, 0 when it is not, and
 * records warnings (malformed XML, count mismatch) in t (may be NULL in tests).
 * input_idx is recorded in the call. */
int fb_extract_exchange(const struct fb_exchange *ex, uint32_t input_idx, struct fb_arena *a,
                        struct fb_trace *t, const char *input_path, struct fb_call **out);

/* --- helpers the extractors share (exc_chain.c) --- */

/* Splits a .NET exception text into links (arena copies). Never fails; an empty text
 * gives zero links. At most 32 links are kept. */
void fb_exc_chain_parse(struct fb_str text, struct fb_arena *a, struct fb_exc_chain *out);

/* Fills what a finding's message text tells: the chain, OAuth diagnostics, an embedded
 * WS-Trust fault (by local name), the URLs named and the leg. Reads f->message_text
 * (and f->fault_string when there is no message text). */
void fb_finding_parse_text(struct fb_finding *f, struct fb_arena *a);

/* --- per-shape extractors (each fills call; returns 0, or FB_ERR_FORMAT when the body
 * could not be read at all, after recording a warning) --- */

/* EWS SOAP: GetUserAvailability request+response, SOAP 1.1 faults, ServerVersionInfo;
 * Autodiscover SOAP and POX; WS-Trust responses (SOAP 1.2 faults). */
int fb_extract_soap(const struct fb_exchange *ex, struct fb_call *call, struct fb_arena *a,
                    struct fb_trace *t, const char *input_path);
/* OWA JSON (GetUserAvailabilityInternal, calendar calls), Graph getSchedule, Autodiscover
 * v2 JSON, OAuth token error JSON. */
int fb_extract_json(const struct fb_exchange *ex, struct fb_call *call, struct fb_arena *a,
                    struct fb_trace *t, const char *input_path);

#endif /* FB_EXTRACT_H */
