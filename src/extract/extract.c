/* extract.c - turns one exchange into an availability-related call: classification by
 * URL path, SOAPAction / SOAP 1.2 action, OWA action and the first SOAP body element;
 * the HTTP facts of the call; dispatch to the SOAP or JSON extractor; HTTP-level
 * failures (status >= 400, x-ms-diagnostics) and abandoned requests as call-level
 * findings (protocol.md sections 2, 4, 6, 7; pitfalls.md domain pitfalls 2, 6, 9).
 *
 * It does not parse bodies itself (soap.c and json.c do) and never stores a credential:
 * of the Authorization header only its presence and scheme are kept. Healthy calls of
 * kinds that are not availability calls (exchange-other, owa-calendar) are dropped
 * (return 0) so that a long trace does not flood the report.
 */
#include "fbdiag/extract.h"

#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/trace.h"

/* Bytes of a request body scanned for the first SOAP body element / WS-Trust action. */
#define SNIFF_MAX 65536

struct url_parts {
    struct fb_str host, path, query;
};

/* Splits an absolute URL or an origin-form target into host, path and query (borrowed
 * slices of url). A URL without scheme and not starting with '/' has no path. */
static void split_url(struct fb_str url, struct url_parts *u)
{
    memset(u, 0, sizeof *u);
    u->host = u->path = u->query = fb_str_make("", 0);
    if (!url.ptr)
        return;
    const char *p = url.ptr, *end = url.ptr + url.len;
    if (fb_str_istarts(url, "http://") || fb_str_istarts(url, "https://")) {
        p = (const char *)memchr(url.ptr, ':', url.len) + 3;
        const char *h = p;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        struct fb_str auth = fb_str_make(h, (size_t)(p - h));
        const char *at = memchr(auth.ptr, '@', auth.len);
        if (at) { /* userinfo */
            auth.len -= (size_t)(at + 1 - auth.ptr);
            auth.ptr = at + 1;
        }
        size_t hl = auth.len;
        if (hl && auth.ptr[0] == '[') { /* IPv6 literal: keep up to ']' */
            const char *rb = memchr(auth.ptr, ']', auth.len);
            if (rb)
                hl = (size_t)(rb + 1 - auth.ptr);
        } else {
            const char *colon = memchr(auth.ptr, ':', auth.len);
            if (colon)
                hl = (size_t)(colon - auth.ptr);
        }
        u->host = fb_str_make(auth.ptr, hl);
    } else if (p == end || *p != '/') {
        return;
    }
    const char *ps = p;
    while (p < end && *p != '?' && *p != '#')
        p++;
    u->path = fb_str_make(ps, (size_t)(p - ps));
    if (p < end && *p == '?') {
        const char *qs = ++p;
        while (p < end && *p != '#')
            p++;
        u->query = fb_str_make(qs, (size_t)(p - qs));
    }
}

/* Value of query parameter name (ASCII case-insensitive name), or an empty slice. */
static struct fb_str query_param(struct fb_str q, const char *name)
{
    size_t n = strlen(name);
    size_t i = 0;
    while (i < q.len) {
        size_t j = i;
        while (j < q.len && q.ptr[j] != '&')
            j++;
        struct fb_str kv = fb_str_make(q.ptr + i, j - i);
        if (kv.len > n && kv.ptr[n] == '=' && fb_str_istarts(kv, name))
            return fb_str_make(kv.ptr + n + 1, kv.len - n - 1);
        i = j + 1;
    }
    return fb_str_make("", 0);
}

/* path equals prefix, or continues with '/' after it; *rest gets what follows. */
static int path_under(struct fb_str path, const char *prefix, struct fb_str *rest)
{
    size_t n = strlen(prefix);
    if (!fb_str_istarts(path, prefix) || (path.len > n && path.ptr[n] != '/'))
        return 0;
    if (rest)
        *rest = fb_str_make(path.ptr + n, path.len - n);
    return 1;
}

static int str_iends(struct fb_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && fb_str_ieq_cstr(fb_str_make(s.ptr + s.len - n, n), suffix);
}

static struct fb_str strip_trailing_slashes(struct fb_str s)
{
    while (s.len > 1 && s.ptr[s.len - 1] == '/')
        s.len--;
    return s;
}

/* "/WSSecurity" (optionally with a trailing slash) after an endpoint path. */
static int is_wssecurity(struct fb_str rest)
{
    return fb_str_ieq_cstr(strip_trailing_slashes(rest), "/wssecurity");
}

/* Last segment of an action URI ("http://.../messages/GetUserAvailability"), quotes and
 * spaces stripped; empty when there is none. */
static struct fb_str action_last_segment(struct fb_str v)
{
    v = fb_str_trim(v);
    if (v.len && v.ptr[0] == '"') {
        v.ptr++;
        v.len--;
    }
    if (v.len && v.ptr[v.len - 1] == '"')
        v.len--;
    v = fb_str_trim(v);
    size_t i = v.len;
    while (i > 0 && v.ptr[i - 1] != '/' && v.ptr[i - 1] != '#' && v.ptr[i - 1] != ':')
        i--;
    return fb_str_make(v.ptr + i, v.len - i);
}

/* The SOAP 1.2 action="..." parameter of Content-Type, else an empty slice. */
static struct fb_str content_type_action(struct fb_str ct)
{
    const char *p = fb_str_ifind(ct, "action=");
    if (!p)
        return fb_str_make("", 0);
    p += 7;
    const char *end = ct.ptr + ct.len;
    if (p < end && *p == '"') {
        const char *q = ++p;
        while (q < end && *q != '"')
            q++;
        return fb_str_make(p, (size_t)(q - p));
    }
    const char *q = p;
    while (q < end && *q != ';' && *q != ' ')
        q++;
    return fb_str_make(p, (size_t)(q - p));
}

/* The raw SOAP action: SOAPAction header, else Content-Type action parameter. */
static struct fb_str soap_action_raw(const struct fb_exchange *ex)
{
    const struct fb_header *h = fb_msg_header(&ex->req, "SOAPAction");
    if (h && fb_str_trim(h->value).len > 2)
        return fb_str_trim(h->value);
    return content_type_action(fb_msg_header_value(&ex->req, "Content-Type"));
}

/* Local name of the first element inside the SOAP Body of a request (borrowed slice of
 * the body; empty when not found). Byte scan, no XML parse: classification only. */
static struct fb_str first_body_element(struct fb_str body)
{
    struct fb_str none = fb_str_make("", 0);
    if (body.len > SNIFF_MAX)
        body.len = SNIFF_MAX;
    const char *end = body.ptr + body.len;
    for (const char *p = body.ptr; p && p + 5 < end; p++) {
        p = memchr(p, '<', (size_t)(end - p));
        if (!p || p + 5 >= end)
            return none;
        const char *n = p + 1;
        if (*n == '/' || *n == '?' || *n == '!')
            continue;
        const char *ne = n;
        while (ne < end && *ne != '>' && *ne != ' ' && *ne != '\t' && *ne != '\r' && *ne != '\n' &&
               *ne != '/')
            ne++;
        struct fb_str name = fb_str_make(n, (size_t)(ne - n));
        const char *colon = memchr(name.ptr, ':', name.len);
        struct fb_str local =
            colon ? fb_str_make(colon + 1, name.len - (size_t)(colon + 1 - n)) : name;
        if (!fb_str_eq(local, FB_STR_LIT("Body")))
            continue;
        const char *gt = memchr(ne, '>', (size_t)(end - ne));
        if (!gt)
            return none;
        /* next start tag after <Body ...>, skipping comments and whitespace */
        const char *q = gt + 1;
        for (;;) {
            q = memchr(q, '<', (size_t)(end - q));
            if (!q || q + 1 >= end)
                return none;
            if (q[1] == '!' || q[1] == '?') {
                q++;
                continue;
            }
            if (q[1] == '/')
                return none; /* empty body */
            break;
        }
        const char *s = q + 1, *se = s;
        while (se < end && *se != '>' && *se != ' ' && *se != '\t' && *se != '\r' && *se != '\n' &&
               *se != '/')
            se++;
        struct fb_str el = fb_str_make(s, (size_t)(se - s));
        colon = memchr(el.ptr, ':', el.len);
        return colon ? fb_str_make(colon + 1, el.len - (size_t)(colon + 1 - s)) : el;
    }
    return none;
}

/* Operation names classification can return (static strings). */
static const char *const known_ops[] = {
    /* EWS */
    "GetUserAvailability",
    "GetUserOofSettings",
    "SetUserOofSettings",
    "FindItem",
    "GetItem",
    "CreateItem",
    "UpdateItem",
    "DeleteItem",
    "MoveItem",
    "CopyItem",
    "FindFolder",
    "GetFolder",
    "SyncFolderItems",
    "SyncFolderHierarchy",
    "ResolveNames",
    "ExpandDL",
    "GetServerTimeZones",
    "GetSharingMetadata",
    "GetSharingFolder",
    "GetRoomLists",
    "GetRooms",
    "FindPeople",
    "GetUserPhoto",
    "Subscribe",
    "Unsubscribe",
    "GetEvents",
    "GetStreamingEvents",
    "GetMailTips",
    "GetUserConfiguration",
    "GetInboxRules",
    "ConvertId",
    "GetDelegate",
    "GetAttachment",
    "CreateAttachment",
    "GetReminders",
    "GetAppManifests",
    /* Autodiscover SOAP */
    "GetUserSettings",
    "GetFederationInformation",
    "GetDomainSettings",
    "GetOrganizationRelationshipSettings",
    /* OWA */
    "GetUserAvailabilityInternal",
    "GetCalendarFolderConfiguration",
    "GetCalendarView",
    "GetCalendarEvent",
    "GetCalendarFolders",
    "GetOwaUserConfiguration",
    "GetPersona",
    "GetMailboxCalendarConfiguration",
};

/* OWA actions that read calendars (kind owa-calendar). */
static const char *const owa_calendar_ops[] = {
    "GetCalendarFolderConfiguration",
    "GetCalendarView",
    "GetCalendarEvent",
    "GetCalendarFolders",
};

static const char *known_op(struct fb_str raw)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(known_ops); i++)
        if (fb_str_ieq_cstr(raw, known_ops[i]))
            return known_ops[i];
    return NULL;
}

static struct fb_str strip_isuffix(struct fb_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    if (s.len > n && str_iends(s, suffix))
        s.len -= n;
    return s;
}

/* The OWA action: ?action=, else the Action header, else X-OWA-ActionName without its
 * "Action" suffix. */
static struct fb_str owa_action(const struct fb_exchange *ex, struct fb_str query)
{
    struct fb_str a = query_param(query, "action");
    if (a.len)
        return a;
    a = fb_str_trim(fb_msg_header_value(&ex->req, "Action"));
    if (a.len)
        return a;
    return strip_isuffix(fb_str_trim(fb_msg_header_value(&ex->req, "X-OWA-ActionName")), "Action");
}

static int is_wstrust_action(struct fb_str act)
{
    act = fb_str_trim(act);
    if (act.len >= 2 && act.ptr[0] == '"') {
        act.ptr++;
        act.len -= 2;
    }
    return fb_str_ieq_cstr(act, "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue") ||
           fb_str_ieq_cstr(act, "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue");
}

/* First occurrence of needle (n bytes, n > 0) in hay, or NULL. */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
    const char *end = hay + len;
    for (const char *p = hay; p && (size_t)(end - p) >= n; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* A WS-Addressing Action of a WS-Trust Issue request in the SOAP header (near the start
 * of the body; URIs are case-sensitive). */
static int body_names_wstrust_issue(struct fb_str body)
{
    static const char *const ends[] = {"/ws/2005/02/trust/RST/Issue<",
                                       "/ws-sx/ws-trust/200512/RST/Issue<"};
    size_t n = body.len > 8192 ? 8192 : body.len;
    for (size_t i = 0; i < FB_ARRAY_LEN(ends); i++)
        if (find_bytes(body.ptr, n, ends[i], strlen(ends[i])))
            return 1;
    return 0;
}

static int is_exchange_host(struct fb_str host)
{
    return fb_str_ieq_cstr(host, "outlook.office365.com") ||
           fb_str_ieq_cstr(host, "outlook.office.com");
}

static const char *const exchange_prefixes[] = {
    "/ews",
    "/owa",
    "/ecp",
    "/mapi",
    "/rpc",
    "/autodiscover",
    "/Microsoft-Server-ActiveSync",
    "/api/v2.0",
    "/api/beta",
};

/* Classification with the raw operation slice (borrowed from ex) for names outside the
 * static table; *federated set for /WSSecurity endpoints. */
static enum fb_call_kind classify(const struct fb_exchange *ex, const char **op,
                                  struct fb_str *raw_op, int *federated)
{
    struct url_parts u;
    struct fb_str rest;
    struct fb_str url = ex->url.len ? ex->url : ex->req.target;
    split_url(url, &u);
    struct fb_str path = u.path;
    struct fb_str act = soap_action_raw(ex);
    *op = NULL;
    *raw_op = fb_str_make("", 0);
    *federated = 0;
    if (!ex->url.len && !ex->req.target.len)
        return FB_CALL_NONE;

    struct fb_str tpath = strip_trailing_slashes(path);
    /* OAuth token endpoints */
    if (str_iends(tpath, "/oauth2/token") || str_iends(tpath, "/oauth2/v2.0/token")) {
        *op = "token";
        return FB_CALL_OAUTH_TOKEN;
    }
    /* WS-Trust */
    if (fb_str_ieq_cstr(tpath, "/extSTS.srf") || path_under(path, "/adfs/services/trust", NULL) ||
        is_wstrust_action(act) ||
        (ex->req.body.len && body_names_wstrust_issue(ex->req.body) &&
         !path_under(path, "/ews", NULL) && !path_under(path, "/autodiscover", NULL))) {
        *op = "RST/Issue";
        return FB_CALL_FED_TOKEN;
    }
    /* Autodiscover */
    if (path_under(path, "/autodiscover/autodiscover.svc", &rest)) {
        *federated = is_wssecurity(rest);
        struct fb_str o = action_last_segment(act);
        if (!o.len)
            o = strip_isuffix(strip_isuffix(first_body_element(ex->req.body), "RequestMessage"),
                              "Request");
        *raw_op = o;
        *op = known_op(o);
        return FB_CALL_AUTOD_SOAP;
    }
    if (path_under(path, "/autodiscover/autodiscover.xml", NULL))
        return FB_CALL_AUTOD_POX;
    if (path_under(path, "/autodiscover/autodiscover.json", NULL))
        return FB_CALL_AUTOD_V2;
    /* EWS */
    if (path_under(path, "/ews/exchange.asmx", &rest)) {
        *federated = is_wssecurity(rest);
        struct fb_str o = action_last_segment(act);
        if (!o.len)
            o = strip_isuffix(first_body_element(ex->req.body), "Request");
        *raw_op = o;
        *op = known_op(o);
        if (fb_str_ieq_cstr(o, "GetUserAvailability")) {
            *op = "GetUserAvailability";
            return FB_CALL_EWS_GUA;
        }
        return FB_CALL_EXCHANGE_OTHER;
    }
    /* OWA service.svc (also /owa/<smtp>/service.svc for explicit logon) */
    if (path_under(path, "/owa", NULL) && fb_str_ifind(path, "/service.svc")) {
        struct fb_str a = owa_action(ex, u.query);
        *raw_op = a;
        *op = known_op(a);
        if (fb_str_istarts(a, "GetUserAvailability"))
            return FB_CALL_OWA_GUA;
        for (size_t i = 0; i < FB_ARRAY_LEN(owa_calendar_ops); i++)
            if (fb_str_ieq_cstr(a, owa_calendar_ops[i]))
                return FB_CALL_OWA_CALENDAR;
        return FB_CALL_EXCHANGE_OTHER;
    }
    /* Graph / Outlook REST getSchedule */
    if (str_iends(tpath, "/calendar/getschedule")) {
        *op = "getSchedule";
        return FB_CALL_GRAPH_SCHEDULE;
    }
    /* Anything else on an Exchange endpoint */
    for (size_t i = 0; i < FB_ARRAY_LEN(exchange_prefixes); i++)
        if (path_under(path, exchange_prefixes[i], NULL))
            return FB_CALL_EXCHANGE_OTHER;
    struct fb_str host = u.host.len ? u.host : fb_str_trim(fb_msg_header_value(&ex->req, "Host"));
    if (host.len && memchr(host.ptr, ':', host.len) && host.ptr[0] != '[')
        host.len = (size_t)((const char *)memchr(host.ptr, ':', host.len) - host.ptr);
    if (is_exchange_host(host))
        return FB_CALL_EXCHANGE_OTHER;
    return FB_CALL_NONE;
}

enum fb_call_kind fb_extract_classify(const struct fb_exchange *ex, const char **operation)
{
    const char *op;
    struct fb_str raw;
    int federated;
    enum fb_call_kind k = classify(ex, &op, &raw, &federated);
    if (operation)
        *operation = op;
    return k;
}

/* --- call construction --- */

static const char *dup_slice(struct fb_arena *a, struct fb_str s)
{
    return fb_arena_cstr(a, s.ptr, s.len);
}

static const char *dup_header(struct fb_arena *a, const struct fb_msg *m, const char *name)
{
    const struct fb_header *h = fb_msg_header(m, name);
    return h ? dup_slice(a, fb_str_trim(h->value)) : NULL;
}

/* The canonical spelling of a known Authorization scheme, else NULL. */
static const char *auth_scheme(struct fb_str v)
{
    static const char *const schemes[] = {"Bearer", "Negotiate", "NTLM", "Basic"};
    v = fb_str_trim(v);
    size_t n = 0;
    while (n < v.len && v.ptr[n] != ' ' && v.ptr[n] != '\t')
        n++;
    for (size_t i = 0; i < FB_ARRAY_LEN(schemes); i++)
        if (fb_str_ieq_cstr(fb_str_make(v.ptr, n), schemes[i]))
            return schemes[i];
    return NULL;
}

static void fill_http_facts(const struct fb_exchange *ex, const struct url_parts *u,
                            struct fb_arena *a, struct fb_http_facts *h)
{
    const struct fb_msg *rs = &ex->resp, *rq = &ex->req;
    h->status = rs->status;
    h->www_authenticate = dup_header(a, rs, "WWW-Authenticate");
    h->x_ms_diagnostics = dup_header(a, rs, "x-ms-diagnostics");
    h->x_owa_error = dup_header(a, rs, "X-OWA-Error");
    h->x_backend_status = dup_header(a, rs, "X-BackEndHttpStatus");
    h->request_id = dup_header(a, rs, "request-id");
    h->x_feserver = dup_header(a, rs, "X-FEServer");
    h->x_beserver = dup_header(a, rs, "X-BEServer");
    h->server = dup_header(a, rs, "Server");
    h->server_version = dup_header(a, rs, "X-OWA-Version");
    h->user_agent = dup_header(a, rq, "User-Agent");
    h->anchor_mailbox = dup_header(a, rq, "X-AnchorMailbox");
    h->process = ex->conn.process.len ? dup_slice(a, ex->conn.process) : NULL;
    h->host = dup_header(a, rq, "Host");
    if (!h->host)
        h->host = dup_header(a, rq, ":authority");
    if (!h->host && u->host.len)
        h->host = dup_slice(a, u->host);
    const struct fb_header *az = fb_msg_header(rq, "Authorization");
    h->has_authorization = az != NULL;
    h->auth_scheme = az ? auth_scheme(az->value) : NULL;
}

/* An SMTP address: local@domain.tld, no spaces, no routing prefix. "SMTP:" is stripped;
 * other prefixed forms (PUID:..., Oid:...) are not SMTP addresses. */
static int smtp_like(struct fb_str s)
{
    if (s.len < 5 || s.len > 320)
        return 0;
    const char *at = memchr(s.ptr, '@', s.len);
    if (!at || at == s.ptr || memchr(at + 1, '@', s.len - (size_t)(at + 1 - s.ptr)))
        return 0;
    struct fb_str dom = fb_str_make(at + 1, s.len - (size_t)(at + 1 - s.ptr));
    if (dom.len < 3 || !memchr(dom.ptr, '.', dom.len))
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= ' ' || c == ':' || c == '/' || c == '<' || c == '>' || c == '"' || c >= 0x7f)
            return 0;
    }
    return 1;
}

/* Requester from the request: X-AnchorMailbox when it is an SMTP address, else the
 * Graph / REST /users/{smtp}/ segment; NULL otherwise. */
static const char *requester_from_request(const struct fb_exchange *ex, struct fb_str path,
                                          struct fb_arena *a)
{
    struct fb_str anchor = fb_str_trim(fb_msg_header_value(&ex->req, "X-AnchorMailbox"));
    if (fb_str_istarts(anchor, "SMTP:")) {
        anchor.ptr += 5;
        anchor.len -= 5;
    }
    if (smtp_like(anchor))
        return dup_slice(a, anchor);
    const char *u = fb_str_ifind(path, "/users/");
    if (u) {
        const char *s = u + 7, *end = path.ptr + path.len, *e = s;
        while (e < end && *e != '/')
            e++;
        size_t n;
        char *dec = fb_arena_percent_decode(a, fb_str_make(s, (size_t)(e - s)), &n);
        if (smtp_like(fb_str_make(dec, n)))
            return dec;
    }
    return NULL;
}

/* Appends a zeroed call-level finding to call->errors and returns it. */
static struct fb_finding *add_error(struct fb_call *call, struct fb_arena *a)
{
    size_t n = call->n_errors;
    call->errors =
        fb_arena_realloc(a, call->errors, n * sizeof *call->errors, (n + 1) * sizeof *call->errors);
    struct fb_finding *f = &call->errors[n];
    memset(f, 0, sizeof *f);
    f->layer = FB_LAYER_CLIENT_HOP;
    call->n_errors = n + 1;
    return f;
}

/* Parses an x-ms-diagnostics value: 2000005;reason="...";error_category="..." (quoted
 * values may hold ';'). Only fields still NULL in f are filled. */
static void parse_ms_diagnostics(struct fb_str v, struct fb_finding *f, struct fb_arena *a)
{
    v = fb_str_trim(v);
    size_t i = 0;
    while (i < v.len && v.ptr[i] != ';')
        i++;
    struct fb_str code = fb_str_trim(fb_str_make(v.ptr, i));
    if (code.len && !f->diag_code)
        f->diag_code = dup_slice(a, code);
    while (i < v.len) {
        i++; /* ';' */
        size_t ns = i;
        while (i < v.len && v.ptr[i] != '=' && v.ptr[i] != ';')
            i++;
        struct fb_str name = fb_str_trim(fb_str_make(v.ptr + ns, i - ns));
        if (i >= v.len || v.ptr[i] != '=')
            continue;
        i++;
        while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t'))
            i++;
        struct fb_str val;
        if (i < v.len && v.ptr[i] == '"') {
            size_t vs = ++i;
            while (i < v.len && v.ptr[i] != '"')
                i++;
            val = fb_str_make(v.ptr + vs, i - vs);
            if (i < v.len)
                i++;
            while (i < v.len && v.ptr[i] != ';')
                i++;
        } else {
            size_t vs = i;
            while (i < v.len && v.ptr[i] != ';')
                i++;
            val = fb_str_trim(fb_str_make(v.ptr + vs, i - vs));
        }
        if (fb_str_ieq_cstr(name, "reason") && !f->diag_reason)
            f->diag_reason = dup_slice(a, val);
        else if (fb_str_ieq_cstr(name, "error_category") && !f->diag_category)
            f->diag_category = dup_slice(a, val);
    }
}

static struct fb_finding *copy_finding(const struct fb_finding *f, struct fb_arena *a)
{
    struct fb_finding *c = fb_arena_alloc(a, sizeof *c);
    *c = *f;
    return c;
}

static int call_has_problem(const struct fb_call *call)
{
    if (call->n_errors)
        return 1;
    for (size_t i = 0; i < call->n_attendees; i++)
        if (call->attendees[i].result != FB_RES_OK)
            return 1;
    return 0;
}

static int looks_json(const struct fb_msg *m);
static int looks_xml(const struct fb_msg *m);

/* Cheap test for the gated kinds: could this exchange carry an error at all? Only JSON
 * (and EWS XML) bodies are searched: a MAPI or HTML body of a 200 carries none we read. */
static int may_carry_error(const struct fb_exchange *ex, int ews)
{
    if (ex->resp.status >= 400 || fb_msg_header(&ex->resp, "X-OWA-Error"))
        return 1;
    if (looks_json(&ex->resp))
        return find_bytes(ex->resp.body.ptr, ex->resp.body.len, "rror", 4) != NULL ||
               find_bytes(ex->resp.body.ptr, ex->resp.body.len, "WasSuccessful", 13) != NULL;
    return ews && looks_xml(&ex->resp) &&
           find_bytes(ex->resp.body.ptr, ex->resp.body.len, "Error", 5) != NULL;
}

static struct fb_str first_non_space(struct fb_str s)
{
    return fb_str_trim(s);
}

static int looks_json(const struct fb_msg *m)
{
    struct fb_str b = first_non_space(m->body);
    if (fb_str_istarts(b, "\xEF\xBB\xBF"))
        b = first_non_space(fb_str_make(b.ptr + 3, b.len - 3));
    if (b.len && (b.ptr[0] == '{' || b.ptr[0] == '['))
        return 1;
    return fb_str_ifind(fb_msg_header_value(m, "Content-Type"), "json") != NULL;
}

static int looks_xml(const struct fb_msg *m)
{
    struct fb_str b = first_non_space(m->body);
    return b.len && b.ptr[0] == '<' && !fb_str_istarts(b, "<!DOCTYPE html") &&
           !fb_str_istarts(b, "<html");
}

static int is_ews_path(const struct fb_exchange *ex)
{
    struct url_parts u;
    split_url(ex->url.len ? ex->url : ex->req.target, &u);
    return path_under(u.path, "/ews", NULL);
}

/* An error whose text describes another leg (a "Proxy web request failed" chain, an
 * Autodiscover failure, a token request), or that names the remote ResponseSource, was
 * only described to this trace: its layer is proxied-leg, whatever shape carried it. */
static void set_layer(struct fb_finding *f)
{
    if (f && (f->leg || f->response_source))
        f->layer = FB_LAYER_PROXIED_LEG;
}

static void set_layers(struct fb_call *call)
{
    for (size_t i = 0; i < call->n_errors; i++)
        set_layer(&call->errors[i]);
    for (size_t i = 0; i < call->n_attendees; i++)
        set_layer(call->attendees[i].finding);
}

/* Reads the bodies of the call by its kind: SOAP, JSON, or for other Exchange calls
 * by what the bodies look like. */
static void extract_bodies(const struct fb_exchange *ex, const struct url_parts *u,
                           struct fb_call *call, struct fb_arena *a, struct fb_trace *t,
                           const char *input_path)
{
    switch (call->kind) {
    case FB_CALL_EWS_GUA:
    case FB_CALL_AUTOD_SOAP:
    case FB_CALL_AUTOD_POX:
    case FB_CALL_FED_TOKEN: (void)fb_extract_soap(ex, call, a, t, input_path); break;
    case FB_CALL_OWA_GUA:
    case FB_CALL_OWA_CALENDAR:
    case FB_CALL_GRAPH_SCHEDULE:
    case FB_CALL_AUTOD_V2:
    case FB_CALL_OAUTH_TOKEN: (void)fb_extract_json(ex, call, a, t, input_path); break;
    default: /* exchange-other: by what the bodies are */
        if (looks_json(&ex->resp) || (!ex->resp.body.len && looks_json(&ex->req)))
            (void)fb_extract_json(ex, call, a, t, input_path);
        else if (path_under(u->path, "/ews", NULL) && looks_xml(&ex->resp))
            (void)fb_extract_soap(ex, call, a, t, input_path);
        break;
    }
}

/* The call-level finding the HTTP layer gives when the bodies gave none: no response
 * (with the time the client waited), an HTTP error status (with x-ms-diagnostics), or
 * the exception OWA names in X-OWA-Error. */
static void http_level_finding(const struct fb_exchange *ex, struct fb_call *call, int no_response,
                               struct fb_arena *a)
{
    int body_finding = call->n_errors > 0;
    for (size_t i = 0; i < call->n_attendees && !body_finding; i++)
        if (call->attendees[i].finding)
            body_finding = 1;

    if (no_response) {
        struct fb_finding *f = add_error(call, a);
        f->message_text = call->elapsed_us >= 0
                              ? fb_arena_printf(a, "no response (client gave up after %lld ms)",
                                                (long long)(call->elapsed_us / 1000))
                              : "no response";
        fb_finding_parse_text(f, a);
        for (size_t i = 0; i < call->n_attendees; i++)
            call->attendees[i].result = FB_RES_NO_RESPONSE;
    } else if (ex->resp.status >= 400 && !body_finding) {
        struct fb_finding *f = add_error(call, a);
        struct fb_str reason = fb_str_trim(ex->resp.reason);
        f->message_text =
            reason.len ? fb_arena_printf(a, "HTTP %d %.*s", ex->resp.status, FB_STR_FMT(reason))
                       : fb_arena_printf(a, "HTTP %d", ex->resp.status);
        f->exception_type = call->http.x_owa_error;
        fb_finding_parse_text(f, a);
        if (call->http.x_ms_diagnostics)
            parse_ms_diagnostics(fb_str_cstr(call->http.x_ms_diagnostics), f, a);
    } else if (call->http.x_owa_error) {
        /* the exception OWA names in its header belongs to the call's error */
        if (call->n_errors && !call->errors[0].exception_type) {
            call->errors[0].exception_type = call->http.x_owa_error;
        } else if (!call->n_errors) {
            struct fb_finding *f = add_error(call, a);
            f->exception_type = call->http.x_owa_error;
            fb_finding_parse_text(f, a);
        }
    }
}

/* A call-level error (call->errors[0]) with no per-attendee answer at all: every attendee failed
 * with it. Attendees an extractor marked error without a finding of their own get it too.
 * "no-response" from an extractor only says the body answered nobody (an HTTP 503
 * page, an empty 401): that is not an answer, unless the answers were there but could
 * not be paired (count mismatch), where a blanket copy would blame the wrong one. */
static void spread_call_error(struct fb_call *call, struct fb_arena *a)
{
    int answered = 0;
    int paired = !(call->flags & FB_CALL_F_COUNT_MISMATCH);
    for (size_t i = 0; i < call->n_attendees; i++) {
        const struct fb_attendee *at = &call->attendees[i];
        if (at->finding || at->view_type || at->merged_free_busy || at->result == FB_RES_DEGRADED ||
            (at->result == FB_RES_NO_RESPONSE && !paired))
            answered = 1;
    }
    struct fb_finding *shared = NULL;
    for (size_t i = 0; i < call->n_attendees; i++) {
        struct fb_attendee *at = &call->attendees[i];
        if (at->finding || !(at->result == FB_RES_ERROR || !answered))
            continue;
        if (!shared)
            shared = copy_finding(&call->errors[0], a);
        at->result = FB_RES_ERROR;
        at->finding = shared;
    }
}

int fb_extract_exchange(const struct fb_exchange *ex, uint32_t input_idx, struct fb_arena *a,
                        struct fb_trace *t, const char *input_path, struct fb_call **out)
{
    const char *op;
    struct fb_str raw_op;
    int federated;
    *out = NULL;
    enum fb_call_kind kind = classify(ex, &op, &raw_op, &federated);
    if (kind == FB_CALL_NONE)
        return 0;
    int gated = kind == FB_CALL_EXCHANGE_OTHER || kind == FB_CALL_OWA_CALENDAR;
    /* resp.status 0 is "no response captured" (exchange.h), whatever the flags say */
    int no_response = (ex->flags & FB_EX_NO_RESPONSE) || ex->resp.status == 0;
    if (gated && (no_response || !may_carry_error(ex, is_ews_path(ex))))
        return 0;

    struct url_parts u;
    struct fb_str url = ex->url.len ? ex->url : ex->req.target;
    split_url(url, &u);

    struct fb_call *call = fb_arena_calloc(a, 1, sizeof *call);
    call->kind = kind;
    call->input = input_idx;
    call->exchange = ex->index;
    call->source = dup_slice(a, ex->source);
    call->method = dup_slice(a, ex->req.method);
    call->url = dup_slice(a, url);
    call->operation = op ? op : raw_op.len ? dup_slice(a, raw_op) : NULL;
    call->started_us = ex->t.started;
    call->elapsed_us =
        (ex->t.started && ex->t.response_done && ex->t.response_done >= ex->t.started)
            ? ex->t.response_done - ex->t.started
            : -1;
    fill_http_facts(ex, &u, a, &call->http);
    if (federated)
        call->flags |= FB_CALL_F_FEDERATED;

    extract_bodies(ex, &u, call, a, t, input_path);

    const char *req = requester_from_request(ex, u.path, a);
    if (req)
        call->requester = req;

    http_level_finding(ex, call, no_response, a);

    if (call->n_errors && !no_response)
        spread_call_error(call, a);

    if (gated && !call_has_problem(call))
        return 0; /* healthy: not kept (its arena copies are the price of knowing) */
    set_layers(call);
    *out = call;
    return 1;
}
