/* soap.c - the XML extractor: EWS GetUserAvailability requests and responses (per-mailbox
 * outcome, MessageXml, ServerVersionInfo, ExchangeImpersonation), SOAP 1.1 faults (EWS,
 * incl. ErrorServerBusy/BackOffMilliseconds), SOAP 1.2 faults (WS-Trust with Passport psf
 * detail), Autodiscover SOAP (GetUserSettings, GetFederationInformation) and Autodiscover
 * POX (2006/2006a). Specs: MS-OXWAVLS, MS-OXWSADISC, MS-OXDSCLI, SOAP 1.1/1.2; wire shapes
 * as in the project's protocol.md sections 1-3 and 6.
 *
 * In: the request and response bodies of one exchange (decoded, borrowed). Out: the call's
 * attendees, their outcomes and findings, call-level findings, operation, requester and
 * server version, all copied into the caller's arena. docs/internals/soap.md has the rules.
 *
 * Safety: libxml2 with XML_PARSE_NONET|NOERROR|NOWARNING only (never NOENT, DTDLOAD,
 * DTDATTR, HUGE); any DOCTYPE is refused before and after parsing; bodies above 32 MiB
 * are skipped. It does not init or clean up libxml2 (main and the fuzz target do that),
 * does not look at HTTP headers beyond the Content-Type sniff, and does not classify
 * calls (extract.c does).
 */
#include "fbdiag/extract.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/trace.h"

#define SOAP_MAX_BODY ((size_t)32 << 20)
#define SOAP_MAX_ATTENDEES 1000 /* EWS allows 100 per request */
#define SOAP_MAX_ERRORS 64      /* call-level findings kept per call */
#define SOAP_MAX_VALUES 32      /* Value Name= pairs kept per finding */
#define SOAP_MAX_GENERIC 16     /* findings from other EWS operations' ResponseMessages */

/* Namespaces, compared without their scheme: the Microsoft docs print several of them
 * as https:// while servers send http://, so both spellings are accepted. */
enum {
    NS_NONE = 1u << 0, /* unqualified by design (SOAP 1.1 faultcode, ...); any ns tolerated */
    NS_SOAP11 = 1u << 1,
    NS_SOAP12 = 1u << 2,
    NS_MSG = 1u << 3,
    NS_TYPES = 1u << 4,
    NS_ERRORS = 1u << 5,
    NS_AUTOD = 1u << 6,
    NS_POX_BASE = 1u << 7,
    NS_POX_REQ = 1u << 8,
    NS_POX_RESP = 1u << 9,
    NS_PSF = 1u << 10,
};
#define NS_SOAP (NS_SOAP11 | NS_SOAP12)
#define NS_POX (NS_POX_BASE | NS_POX_REQ | NS_POX_RESP)

static const struct {
    unsigned bit;
    const char *uri; /* without "http://" or "https://" */
} known_ns[] = {
    {NS_SOAP11, "schemas.xmlsoap.org/soap/envelope/"},
    {NS_SOAP12, "www.w3.org/2003/05/soap-envelope"},
    {NS_MSG, "schemas.microsoft.com/exchange/services/2006/messages"},
    {NS_TYPES, "schemas.microsoft.com/exchange/services/2006/types"},
    {NS_ERRORS, "schemas.microsoft.com/exchange/services/2006/errors"},
    {NS_AUTOD, "schemas.microsoft.com/exchange/2010/Autodiscover"},
    {NS_POX_BASE, "schemas.microsoft.com/exchange/autodiscover/responseschema/2006"},
    {NS_POX_REQ, "schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"},
    {NS_POX_RESP, "schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"},
    {NS_PSF, "schemas.microsoft.com/Passport/SoapServices/SOAPFault"},
};

/* One per-mailbox answer, before it is paired with the request's mailboxes. */
struct answer {
    enum fb_result result;
    int pending_success; /* GUA Success: the view checks need the requested view */
    const char *view_type;
    const char *merged;         /* first FB_MERGED_FREE_BUSY_KEEP chars */
    int merged_all_n;           /* the whole MergedFreeBusy is 'N' */
    struct fb_finding *finding; /* set for error/degraded; prepared for pending_success */
};

/* What the two bodies told, combined by finish(). */
struct shape {
    int have_req;           /* a request naming mailboxes was read */
    const char **mailboxes; /* NULL entries: MailboxData without an address */
    size_t n_mb, cap_mb;
    const char *requested_view;
    int have_list; /* a response with per-mailbox answers was read */
    struct answer *ans;
    size_t n_ans, cap_ans;
    int call_error; /* the response carried a whole-request error */
    int capped;     /* SOAP_MAX_ATTENDEES hit (warned once) */
};

struct sctx {
    const struct fb_exchange *ex;
    struct fb_call *call;
    struct fb_arena *a;
    struct fb_trace *t;
    const char *input;
    int by_local; /* an element without namespace was matched by local name */
};

static void warn(struct sctx *c, const char *fmt, ...) FB_PRINTF(2, 3);
static void warn(struct sctx *c, const char *fmt, ...)
{
    if (!c->t)
        return;
    va_list ap;
    va_start(ap, fmt);
    fb_trace_vwarn(c->t, c->input, c->call->source, fmt, ap);
    va_end(ap);
}

/* ---- element matching -------------------------------------------------------------- */

static unsigned ns_bit(const xmlNs *ns)
{
    if (!ns || !ns->href)
        return 0;
    const char *h = (const char *)ns->href;
    if (strncmp(h, "http://", 7) == 0)
        h += 7;
    else if (strncmp(h, "https://", 8) == 0)
        h += 8;
    else
        return 0;
    for (size_t i = 0; i < FB_ARRAY_LEN(known_ns); i++)
        if (strcmp(h, known_ns[i].uri) == 0)
            return known_ns[i].bit;
    return 0;
}

/* Is n an element named name in one of the namespaces of mask? An element without any
 * namespace matches by its local name alone, and that is remembered (by_local) so the
 * findings built from it say so; an element in another namespace never matches. */
static int el(struct sctx *c, const xmlNode *n, unsigned mask, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *)name))
        return 0;
    if (mask & NS_NONE)
        return 1;
    if (!n->ns) {
        c->by_local = 1;
        return 1;
    }
    return (ns_bit(n->ns) & mask) != 0;
}

static const xmlNode *first_el(const xmlNode *n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static const xmlNode *next_el(struct sctx *c, const xmlNode *n, unsigned mask, const char *name)
{
    for (; n; n = n->next)
        if (el(c, n, mask, name))
            return n;
    return NULL;
}

static const xmlNode *child(struct sctx *c, const xmlNode *p, unsigned mask, const char *name)
{
    return p ? next_el(c, p->children, mask, name) : NULL;
}

/* ---- text ---------------------------------------------------------------------------- */

static const char *keep(struct sctx *c, const xmlChar *s)
{
    if (!s)
        return NULL;
    struct fb_str t = fb_str_trim(fb_str_cstr((const char *)s));
    return fb_arena_cstr(c->a, t.ptr, t.len);
}

/* The element's text (all descendant text), trimmed, in the arena; NULL for no element. */
static const char *text(struct sctx *c, const xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *s = xmlNodeGetContent(n);
    const char *r = s ? keep(c, s) : fb_arena_cstr(c->a, "", 0);
    xmlFree(s);
    return r;
}

static const char *child_text(struct sctx *c, const xmlNode *p, unsigned mask, const char *name)
{
    return text(c, child(c, p, mask, name));
}

static const char *attr(struct sctx *c, const xmlNode *n, const char *name)
{
    if (!n)
        return NULL;
    xmlChar *s = xmlGetNoNsProp(n, (const xmlChar *)name);
    const char *r = keep(c, s);
    xmlFree(s);
    return r;
}

static int eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ---- findings ---------------------------------------------------------------------- */

static void add_value(struct sctx *c, struct fb_finding *f, const char *name, const char *value)
{
    if (f->n_values >= SOAP_MAX_VALUES)
        return;
    size_t sz = sizeof *f->values;
    f->values = fb_arena_realloc(c->a, f->values, f->n_values * sz, (f->n_values + 1) * sz);
    f->values[f->n_values].name = name;
    f->values[f->n_values].value = value;
    f->n_values++;
}

/* MessageXml (ResponseMessage or SOAP fault detail): errors-namespace exception fields and
 * types-namespace Value Name= pairs. */
static void read_message_xml(struct sctx *c, const xmlNode *mx, struct fb_finding *f)
{
    for (const xmlNode *n = mx ? first_el(mx->children) : NULL; n; n = first_el(n->next)) {
        if (el(c, n, NS_ERRORS, "ExceptionType"))
            f->exception_type = text(c, n);
        else if (el(c, n, NS_ERRORS, "ExceptionCode"))
            f->exception_code = text(c, n);
        else if (el(c, n, NS_ERRORS, "ExceptionServerName"))
            f->exception_server = text(c, n);
        else if (el(c, n, NS_ERRORS, "ExceptionMessage"))
            f->exception_message = text(c, n);
        else if (el(c, n, NS_ERRORS, "ResponseSource"))
            f->response_source = text(c, n);
        else if (el(c, n, NS_TYPES, "Value"))
            add_value(c, f, attr(c, n, "Name"), text(c, n));
    }
}

/* Reads what the message text tells (exc_chain.c), then sets the layer. Fields read from
 * the document itself win over what parse_text derives from text. */
static void finding_done(struct sctx *c, struct fb_finding *f)
{
    struct fb_finding doc = *f;
    fb_finding_parse_text(f, c->a);
#define KEEP_DOC(field)                                                                            \
    if (doc.field)                                                                                 \
        f->field = doc.field;
    KEEP_DOC(wstrust_code)
    KEEP_DOC(wstrust_subcode)
    KEEP_DOC(wstrust_reason)
    KEEP_DOC(psf_value)
    KEEP_DOC(psf_code)
    KEEP_DOC(psf_text)
#undef KEEP_DOC
    if (c->by_local)
        f->fragment_by_local_name = 1;
    /* An error whose text names a leg (proxy, autodiscover) or whose MessageXml says a
     * remote URL produced it was raised on a server-to-server leg this trace cannot hold. */
    f->layer = (f->leg || f->response_source) ? FB_LAYER_PROXIED_LEG : FB_LAYER_CLIENT_HOP;
}

static void add_call_error(struct sctx *c, struct fb_finding *f)
{
    struct fb_call *call = c->call;
    if (call->n_errors >= SOAP_MAX_ERRORS) {
        warn(c, "more than %d call-level errors; the rest dropped", SOAP_MAX_ERRORS);
        return;
    }
    size_t sz = sizeof *call->errors;
    call->errors =
        fb_arena_realloc(c->a, call->errors, call->n_errors * sz, (call->n_errors + 1) * sz);
    call->errors[call->n_errors++] = *f;
}

/* ResponseMessage-like element: ResponseClass, MessageText, ResponseCode,
 * DescriptiveLinkKey, MessageXml (m, or t in some detail blocks). */
static struct fb_finding *read_response_message(struct sctx *c, const xmlNode *rm)
{
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    f->response_class = attr(c, rm, "ResponseClass");
    f->message_text = child_text(c, rm, NS_MSG, "MessageText");
    f->response_code = child_text(c, rm, NS_MSG, "ResponseCode");
    f->descriptive_link_key = child_text(c, rm, NS_MSG, "DescriptiveLinkKey");
    read_message_xml(c, child(c, rm, NS_MSG | NS_TYPES, "MessageXml"), f);
    return f;
}

/* ---- collecting mailboxes and answers ---------------------------------------------- */

static int room(struct sctx *c, struct shape *s, size_t n)
{
    if (n < SOAP_MAX_ATTENDEES)
        return 1;
    if (!s->capped)
        warn(c, "more than %d mailboxes in one call; the rest ignored", SOAP_MAX_ATTENDEES);
    s->capped = 1;
    return 0;
}

static void add_mailbox(struct sctx *c, struct shape *s, const char *mb)
{
    if (!room(c, s, s->n_mb))
        return;
    if (s->n_mb == s->cap_mb) {
        size_t nc = s->cap_mb ? s->cap_mb * 2 : 8, sz = sizeof *s->mailboxes;
        s->mailboxes = fb_arena_realloc(c->a, s->mailboxes, s->cap_mb * sz, nc * sz);
        s->cap_mb = nc;
    }
    s->mailboxes[s->n_mb++] = mb;
}

static struct answer *add_answer(struct sctx *c, struct shape *s)
{
    s->have_list = 1;
    if (!room(c, s, s->n_ans))
        return NULL;
    if (s->n_ans == s->cap_ans) {
        size_t nc = s->cap_ans ? s->cap_ans * 2 : 8, sz = sizeof *s->ans;
        s->ans = fb_arena_realloc(c->a, s->ans, s->cap_ans * sz, nc * sz);
        s->cap_ans = nc;
    }
    struct answer *an = &s->ans[s->n_ans++];
    memset(an, 0, sizeof *an);
    return an;
}

/* ---- EWS GetUserAvailability ------------------------------------------------------- */

static void gua_request(struct sctx *c, struct shape *s, const xmlNode *req)
{
    s->have_req = 1;
    const xmlNode *arr = child(c, req, NS_MSG | NS_TYPES, "MailboxDataArray");
    for (const xmlNode *md = child(c, arr, NS_TYPES | NS_MSG, "MailboxData"); md;
         md = next_el(c, md->next, NS_TYPES | NS_MSG, "MailboxData")) {
        const xmlNode *email = child(c, md, NS_TYPES, "Email");
        add_mailbox(c, s, child_text(c, email, NS_TYPES, "Address"));
    }
    const xmlNode *opts = child(c, req, NS_TYPES | NS_MSG, "FreeBusyViewOptions");
    s->requested_view = child_text(c, opts, NS_TYPES, "RequestedView");
}

/* Detail levels of FreeBusyViewType; the merged and unmerged forms of one level carry
 * the same detail. -1: unknown name. */
static int view_level(const char *v)
{
    static const struct {
        const char *name;
        int level;
    } lv[] = {{"None", 0},           {"MergedOnly", 1}, {"FreeBusy", 2},
              {"FreeBusyMerged", 2}, {"Detailed", 3},   {"DetailedMerged", 3}};
    for (size_t i = 0; v && i < FB_ARRAY_LEN(lv); i++)
        if (strcmp(v, lv[i].name) == 0)
            return lv[i].level;
    return -1;
}

static void gua_answer(struct sctx *c, struct shape *s, const xmlNode *fbr)
{
    struct answer *an = add_answer(c, s);
    if (!an)
        return;
    const xmlNode *rm = child(c, fbr, NS_MSG, "ResponseMessage");
    struct fb_finding *f = read_response_message(c, rm);
    const xmlNode *view = child(c, fbr, NS_MSG, "FreeBusyView");
    an->view_type = child_text(c, view, NS_TYPES, "FreeBusyViewType");
    const char *merged = child_text(c, view, NS_TYPES, "MergedFreeBusy");
    if (merged) {
        size_t n = strlen(merged),
               keep_n = n < FB_MERGED_FREE_BUSY_KEEP ? n : FB_MERGED_FREE_BUSY_KEEP;
        while (keep_n < n && keep_n > 0 && ((unsigned char)merged[keep_n] & 0xC0) == 0x80)
            keep_n--; /* never cut a UTF-8 sequence */
        an->merged = fb_arena_cstr(c->a, merged, keep_n);
        an->merged_all_n = n > 0 && strspn(merged, "N") == n;
    }
    an->finding = f;
    const char *cls = f->response_class;
    if (eq(cls, "Error") || (!eq(cls, "Success") && !eq(cls, "Warning") && f->response_code &&
                             !eq(f->response_code, "NoError"))) {
        an->result = FB_RES_ERROR;
        finding_done(c, f);
    } else if (eq(cls, "Warning")) {
        an->result = FB_RES_DEGRADED;
        finding_done(c, f);
    } else {
        an->result = FB_RES_OK;
        an->pending_success = 1;
    }
}

/* Success answers: a view of None, a view coarser than requested, or merged data made
 * only of 'N' still leave the user without free/busy, so they are "degraded". */
static void gua_judge_success(struct sctx *c, struct answer *an, const char *requested)
{
    struct fb_finding *f = an->finding;
    const char *why = NULL;
    int got = view_level(an->view_type), want = view_level(requested);
    /* no data at all says more than a coarser view (and is a problem, which a coarser
     * view alone is not): it comes first */
    if (got == 0)
        why = fb_arena_printf(c->a, "returned view None with ResponseClass %s",
                              f->response_class ? f->response_class : "(absent)");
    else if (an->merged_all_n)
        why = "MergedFreeBusy has no data (every interval is N)";
    else if (got > 0 && want >= 0 && got < want)
        why = fb_arena_printf(c->a, "returned view %s coarser than requested %s", an->view_type,
                              requested);
    if (!why) {
        an->finding = NULL;
        return;
    }
    an->result = FB_RES_DEGRADED;
    if (!f->response_class)
        f->response_class = "Success";
    f->message_text = why;
    finding_done(c, f);
}

static void gua_response(struct sctx *c, struct shape *s, const xmlNode *resp)
{
    const xmlNode *arr = child(c, resp, NS_MSG, "FreeBusyResponseArray");
    if (arr || !child(c, resp, NS_MSG, "SuggestionsResponse"))
        s->have_list = 1;
    for (const xmlNode *r = child(c, arr, NS_MSG, "FreeBusyResponse"); r;
         r = next_el(c, r->next, NS_MSG, "FreeBusyResponse"))
        gua_answer(c, s, r);
    /* Suggestions fail as a whole: one ResponseMessage for the call. */
    const xmlNode *sug = child(c, resp, NS_MSG, "SuggestionsResponse");
    const xmlNode *srm = child(c, sug, NS_MSG, "ResponseMessage");
    if (srm) {
        struct fb_finding *f = read_response_message(c, srm);
        if (eq(f->response_class, "Error") || eq(f->response_class, "Warning")) {
            finding_done(c, f);
            add_call_error(c, f);
        }
    }
}

/* Other EWS operations (FB_CALL_EXCHANGE_OTHER): XResponse/ResponseMessages/(any)ResponseMessage
 * with ResponseClass Error or Warning become call-level findings. */
static void ews_other_response(struct sctx *c, const xmlNode *resp)
{
    const xmlNode *msgs = child(c, resp, NS_MSG, "ResponseMessages");
    size_t kept = 0;
    for (const xmlNode *m = msgs ? first_el(msgs->children) : NULL; m && kept < SOAP_MAX_GENERIC;
         m = first_el(m->next)) {
        if (!xmlHasNsProp(m, (const xmlChar *)"ResponseClass", NULL))
            continue;
        struct fb_finding *f = read_response_message(c, m);
        if (eq(f->response_class, "Error") || eq(f->response_class, "Warning")) {
            finding_done(c, f);
            add_call_error(c, f);
            kept++;
        }
    }
}

/* ---- SOAP faults ------------------------------------------------------------------- */

/* SOAP 1.1 (EWS): faultcode, faultstring, detail/{e:ResponseCode, e:Message, e:*,
 * t:MessageXml/t:Value}. */
static void fault11(struct sctx *c, struct shape *s, const xmlNode *fault)
{
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    f->fault_code = child_text(c, fault, NS_NONE, "faultcode");
    f->fault_string = child_text(c, fault, NS_NONE, "faultstring");
    const xmlNode *detail = child(c, fault, NS_NONE, "detail");
    f->response_code = child_text(c, detail, NS_ERRORS, "ResponseCode");
    const char *msg = child_text(c, detail, NS_ERRORS, "Message");
    f->message_text = msg ? msg : f->fault_string;
    read_message_xml(c, detail, f); /* errors-namespace exception fields directly in detail */
    read_message_xml(c, child(c, detail, NS_TYPES | NS_MSG, "MessageXml"), f);
    finding_done(c, f);
    add_call_error(c, f);
    s->call_error = 1;
}

/* SOAP 1.2 (WS-Trust / Microsoft Federation Gateway): Code/Value, Code/Subcode/Value,
 * Reason/Text, Detail/psf:error/{psf:value, psf:internalerror/{psf:code, psf:text}}. */
static void fault12(struct sctx *c, struct shape *s, const xmlNode *fault)
{
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    const xmlNode *code = child(c, fault, NS_SOAP12, "Code");
    f->wstrust_code = child_text(c, code, NS_SOAP12, "Value");
    f->wstrust_subcode = child_text(c, child(c, code, NS_SOAP12, "Subcode"), NS_SOAP12, "Value");
    f->wstrust_reason = child_text(c, child(c, fault, NS_SOAP12, "Reason"), NS_SOAP12, "Text");
    const xmlNode *err = child(c, child(c, fault, NS_SOAP12, "Detail"), NS_PSF, "error");
    f->psf_value = child_text(c, err, NS_PSF, "value");
    const xmlNode *inner = child(c, err, NS_PSF, "internalerror");
    f->psf_code = child_text(c, inner, NS_PSF, "code");
    f->psf_text = child_text(c, inner, NS_PSF, "text");
    if (!f->psf_text)
        f->psf_text = child_text(c, err, NS_PSF, "text");
    f->message_text = f->psf_text ? f->psf_text : f->wstrust_reason;
    finding_done(c, f);
    add_call_error(c, f);
    s->call_error = 1;
}

/* ---- Autodiscover SOAP ------------------------------------------------------------- */

static void autod_users_request(struct sctx *c, struct shape *s, const xmlNode *req)
{
    s->have_req = 1;
    const xmlNode *users = child(c, child(c, req, NS_AUTOD, "Request"), NS_AUTOD, "Users");
    for (const xmlNode *u = child(c, users, NS_AUTOD, "User"); u;
         u = next_el(c, u->next, NS_AUTOD, "User"))
        add_mailbox(c, s, child_text(c, u, NS_AUTOD, "Mailbox"));
}

/* Response-level ErrorCode/ErrorMessage (GetUserSettings, GetFederationInformation):
 * a call-level finding unless NoError. Returns 1 when it was an error. */
static int autod_response_error(struct sctx *c, struct shape *s, const xmlNode *r)
{
    const char *ec = child_text(c, r, NS_AUTOD, "ErrorCode");
    if (!ec || eq(ec, "NoError"))
        return 0;
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    f->response_code = ec;
    f->message_text = child_text(c, r, NS_AUTOD, "ErrorMessage");
    finding_done(c, f);
    add_call_error(c, f);
    s->call_error = 1;
    return 1;
}

static void autod_user_answer(struct sctx *c, struct shape *s, const xmlNode *ur)
{
    struct answer *an = add_answer(c, s);
    if (!an)
        return;
    const char *ec = child_text(c, ur, NS_AUTOD, "ErrorCode");
    an->result = FB_RES_OK;
    if (eq(ec, "RedirectAddress") || eq(ec, "RedirectUrl"))
        return; /* one step of an Autodiscover chain, not a failure */
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    if (ec && !eq(ec, "NoError")) {
        f->response_code = ec;
        f->message_text = child_text(c, ur, NS_AUTOD, "ErrorMessage");
        an->result = FB_RES_ERROR;
    } else {
        /* NoError overall, but some settings could not be returned */
        const xmlNode *errs = child(c, ur, NS_AUTOD, "UserSettingErrors");
        const xmlNode *first = child(c, errs, NS_AUTOD, "UserSettingError");
        if (!first)
            return;
        f->response_code = child_text(c, first, NS_AUTOD, "ErrorCode");
        f->message_text = child_text(c, first, NS_AUTOD, "ErrorMessage");
        for (const xmlNode *e = first; e; e = next_el(c, e->next, NS_AUTOD, "UserSettingError"))
            add_value(c, f, "SettingName", child_text(c, e, NS_AUTOD, "SettingName"));
        an->result = FB_RES_DEGRADED;
    }
    finding_done(c, f);
    an->finding = f;
}

static void autod_users_response(struct sctx *c, struct shape *s, const xmlNode *resp)
{
    const xmlNode *r = child(c, resp, NS_AUTOD, "Response");
    int failed = autod_response_error(c, s, r);
    const xmlNode *urs = child(c, r, NS_AUTOD, "UserResponses");
    const xmlNode *ur = child(c, urs, NS_AUTOD, "UserResponse");
    if (r && (ur || !failed))
        s->have_list = 1;
    for (; ur; ur = next_el(c, ur->next, NS_AUTOD, "UserResponse"))
        autod_user_answer(c, s, ur);
}

/* ---- Autodiscover POX -------------------------------------------------------------- */

static void pox(struct sctx *c, struct shape *s, const xmlNode *root)
{
    const xmlNode *req = child(c, root, NS_POX, "Request");
    if (req) {
        s->have_req = 1;
        add_mailbox(c, s, child_text(c, req, NS_POX, "EMailAddress"));
    }
    const xmlNode *resp = child(c, root, NS_POX, "Response");
    if (!resp)
        return;
    const xmlNode *err = child(c, resp, NS_POX, "Error");
    if (!err) {
        struct answer *an = add_answer(c, s); /* Account: settings or a redirect */
        if (an)
            an->result = FB_RES_OK;
        return;
    }
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    f->response_code = child_text(c, err, NS_POX, "ErrorCode");
    f->message_text = child_text(c, err, NS_POX, "Message");
    const char *v;
    if ((v = attr(c, err, "Time")) != NULL)
        add_value(c, f, "Time", v);
    if ((v = attr(c, err, "Id")) != NULL)
        add_value(c, f, "Id", v);
    if ((v = child_text(c, err, NS_POX, "DebugData")) != NULL && *v)
        add_value(c, f, "DebugData", v);
    finding_done(c, f);
    add_call_error(c, f);
    s->call_error = 1;
}

/* ---- SOAP header ------------------------------------------------------------------- */

static void header(struct sctx *c, const xmlNode *hdr)
{
    struct fb_call *call = c->call;
    const xmlNode *svi = child(c, hdr, NS_TYPES | NS_AUTOD, "ServerVersionInfo");
    if (svi && !call->http.server_version) {
        /* EWS: attributes; Autodiscover SOAP: child elements of the same names */
        static const char *const part[] = {"MajorVersion", "MinorVersion", "MajorBuildNumber",
                                           "MinorBuildNumber"};
        char buf[96];
        size_t len = 0;
        for (size_t i = 0; i < FB_ARRAY_LEN(part); i++) {
            const char *p = attr(c, svi, part[i]);
            if (!p)
                p = child_text(c, svi, NS_TYPES | NS_AUTOD, part[i]);
            uint64_t num;
            if (!p || fb_str_to_u64(fb_str_cstr(p), &num) != FB_OK || num > 999999)
                break;
            int w = snprintf(buf + len, sizeof buf - len, "%s%llu", i ? "." : "",
                             (unsigned long long)num);
            len += (size_t)w;
        }
        if (len)
            call->http.server_version = fb_arena_cstr(c->a, buf, len);
    }
    const xmlNode *imp = child(c, hdr, NS_TYPES, "ExchangeImpersonation");
    const xmlNode *sid = child(c, imp, NS_TYPES, "ConnectingSID");
    static const char *const who[] = {"PrimarySmtpAddress", "SmtpAddress", "PrincipalName", "SID"};
    for (size_t i = 0; sid && !call->requester && i < FB_ARRAY_LEN(who); i++) {
        const char *v = child_text(c, sid, NS_TYPES, who[i]);
        if (v && *v)
            call->requester = v;
    }
}

/* ---- dispatch ---------------------------------------------------------------------- */

/* Only an operation element (...Request, ...Response, ...RequestMessage,
 * ...ResponseMessage) names the operation. */
static void set_operation(struct sctx *c, const char *name)
{
    if (c->call->operation)
        return;
    static const char *const suffix[] = {"RequestMessage", "ResponseMessage", "Request",
                                         "Response"};
    size_t n = strlen(name);
    for (size_t i = 0; i < FB_ARRAY_LEN(suffix); i++) {
        size_t k = strlen(suffix[i]);
        if (n > k && strcmp(name + n - k, suffix[i]) == 0) {
            c->call->operation = fb_arena_cstr(c->a, name, n - k);
            return;
        }
    }
}

static void handle_doc(struct sctx *c, struct shape *s, const xmlDoc *doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *body_el;
    c->by_local = 0;
    if (el(c, root, NS_SOAP, "Envelope")) {
        const xmlNode *hdr = child(c, root, NS_SOAP, "Header");
        if (hdr)
            header(c, hdr);
        const xmlNode *body = child(c, root, NS_SOAP, "Body");
        body_el = body ? first_el(body->children) : NULL;
    } else if (el(c, root, NS_POX, "Autodiscover")) {
        pox(c, s, root);
        return;
    } else {
        body_el = root; /* a body element without its envelope */
    }
    if (!body_el)
        return;
    const char *name = (const char *)body_el->name;
    if (strcmp(name, "Fault") == 0) {
        unsigned ns = ns_bit(body_el->ns);
        if (!body_el->ns)
            c->by_local = 1;
        if (ns == NS_SOAP12 || (!body_el->ns && child(c, body_el, NS_SOAP12, "Code")))
            fault12(c, s, body_el);
        else if (ns == NS_SOAP11 || !body_el->ns)
            fault11(c, s, body_el);
        return;
    }
    if (el(c, body_el, NS_MSG, "GetUserAvailabilityRequest"))
        gua_request(c, s, body_el);
    else if (el(c, body_el, NS_MSG, "GetUserAvailabilityResponse"))
        gua_response(c, s, body_el);
    else if (el(c, body_el, NS_AUTOD, "GetUserSettingsRequestMessage"))
        autod_users_request(c, s, body_el);
    else if (el(c, body_el, NS_AUTOD, "GetUserSettingsResponseMessage"))
        autod_users_response(c, s, body_el);
    else if (el(c, body_el, NS_AUTOD, "GetFederationInformationResponseMessage"))
        autod_response_error(c, s, child(c, body_el, NS_AUTOD, "Response"));
    else if (el(c, body_el, NS_MSG, "FreeBusyResponse")) {
        s->have_list = 1; /* a fragment: one answer without its envelope */
        gua_answer(c, s, body_el);
        return;
    } else if (el(c, body_el, NS_MSG, name))
        ews_other_response(c, body_el);
    else if (!el(c, body_el, NS_AUTOD, "GetFederationInformationRequestMessage"))
        return; /* not a body this extractor knows: no operation from it */
    set_operation(c, name);
}

/* ---- parsing ----------------------------------------------------------------------- */

static struct fb_str skip_bom_ws(struct fb_str b)
{
    if (b.len >= 3 && memcmp(b.ptr, "\xEF\xBB\xBF", 3) == 0) {
        b.ptr += 3;
        b.len -= 3;
    }
    return fb_str_trim(b);
}

/* Only bodies that look like XML are parsed: '<' first (after a UTF-8 BOM and
 * whitespace), or a UTF-16 BOM. */
static int looks_xml(struct fb_str b)
{
    if (b.len >= 2 && ((unsigned char)b.ptr[0] == 0xFF || (unsigned char)b.ptr[0] == 0xFE) &&
        ((unsigned char)b.ptr[1] ^ (unsigned char)b.ptr[0]) == 0x01)
        return 1;
    b = skip_bom_ws(b);
    return b.len > 0 && b.ptr[0] == '<';
}

/* A DOCTYPE before the root element (after the XML declaration, PIs and comments).
 * Caught here so libxml2 never sees the DTD; doc->intSubset is checked after parsing too
 * (for encodings this byte scan cannot read). */
static const char *find(struct fb_str hay, const char *needle, size_t n)
{
    for (size_t i = 0; hay.len >= n && i <= hay.len - n; i++)
        if (memcmp(hay.ptr + i, needle, n) == 0)
            return hay.ptr + i;
    return NULL;
}

static int prolog_has_doctype(struct fb_str b)
{
    b = skip_bom_ws(b);
    for (;;) {
        const char *end = NULL;
        if (b.len >= 2 && memcmp(b.ptr, "<?", 2) == 0)
            end = find(fb_str_make(b.ptr + 2, b.len - 2), "?>", 2);
        else if (b.len >= 4 && memcmp(b.ptr, "<!--", 4) == 0)
            end = find(fb_str_make(b.ptr + 4, b.len - 4), "-->", 3);
        else
            return b.len >= 9 && memcmp(b.ptr, "<!DOCTYPE", 9) == 0;
        if (!end)
            return 0;
        size_t skip = (size_t)(end - b.ptr) + (end[0] == '?' ? 2 : 3);
        b = skip_bom_ws(fb_str_make(b.ptr + skip, b.len - skip));
    }
}

static int refuse_doctype(struct sctx *c, const char *which)
{
    warn(c, "DOCTYPE in a SOAP body refused (%s body)", which);
    c->call->flags |= FB_CALL_F_BODY_UNPARSED;
    return FB_ERR_FORMAT;
}

static xmlDoc *read_xml(struct fb_str b, int opts, char *err, size_t err_len)
{
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, err_len, "libxml2 could not allocate a parser");
        return NULL;
    }
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, b.ptr, (int)b.len, NULL, NULL, opts);
    if (!doc && err_len) {
        const char *m = ctxt->lastError.message ? ctxt->lastError.message : "not well-formed";
        struct fb_str t = fb_str_trim(fb_str_cstr(m));
        snprintf(err, err_len, "line %d: %.*s", ctxt->lastError.line, FB_STR_FMT(t));
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* Parses one body and hands it to handle_doc. Returns 0, or FB_ERR_FORMAT when nothing
 * could be read (after a warning). */
static int parse_body(struct sctx *c, struct shape *s, const struct fb_msg *m, const char *which)
{
    struct fb_str b = m->body;
    if (b.len == 0)
        return 0;
    struct fb_str ct = fb_msg_header_value(m, "Content-Type");
    if (fb_str_ifind(ct, "html") || fb_str_ifind(ct, "json") || !looks_xml(b))
        return 0; /* an error page or another format: not this extractor's business */
    if (b.len > SOAP_MAX_BODY) {
        warn(c, "%s body of %zu bytes is larger than %zu MiB: not parsed", which, b.len,
             SOAP_MAX_BODY >> 20);
        c->call->flags |= FB_CALL_F_BODY_UNPARSED;
        return 0;
    }
    if (prolog_has_doctype(b))
        return refuse_doctype(c, which);
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    char err[256] = "";
    xmlDoc *doc = read_xml(b, opts, err, sizeof err);
    if (!doc) {
        warn(c, "malformed XML in the %s body (%s): recovering what can be read", which, err);
        c->call->flags |= FB_CALL_F_BODY_UNPARSED;
        doc = read_xml(b, opts | XML_PARSE_RECOVER, err, 0);
    }
    if (!doc || !xmlDocGetRootElement(doc)) {
        warn(c, "nothing could be recovered from the %s body", which);
        c->call->flags |= FB_CALL_F_BODY_UNPARSED;
        xmlFreeDoc(doc);
        return FB_ERR_FORMAT;
    }
    if (doc->intSubset) {
        xmlFreeDoc(doc);
        return refuse_doctype(c, which);
    }
    handle_doc(c, s, doc);
    xmlFreeDoc(doc);
    return 0;
}

/* ---- pairing ----------------------------------------------------------------------- */

static int has_problem(const struct answer *an)
{
    return an->finding && !an->pending_success && an->result != FB_RES_OK;
}

/* A count mismatch: no answer can be tied to a mailbox without guessing, so none is
 * (never a wrong mapping, as for OWA in json.c): every requested mailbox is
 * "no-response" and every answer that carries a finding becomes a call-level error. */
static void finish_mismatch(struct sctx *c, struct shape *s)
{
    warn(c,
         "%zu per-mailbox responses for %zu requested mailboxes: none paired, the errors "
         "are kept at the call level",
         s->n_ans, s->n_mb);
    struct fb_call *call = c->call;
    call->flags |= FB_CALL_F_COUNT_MISMATCH;
    size_t sz = sizeof *call->attendees;
    call->attendees = fb_arena_realloc(c->a, call->attendees, call->n_attendees * sz,
                                       (call->n_attendees + s->n_mb) * sz);
    for (size_t i = 0; i < s->n_mb; i++) {
        struct fb_attendee *at = &call->attendees[call->n_attendees + i];
        memset(at, 0, sizeof *at);
        at->mailbox = s->mailboxes[i];
        at->requested_view = s->requested_view;
        at->result = FB_RES_NO_RESPONSE;
    }
    call->n_attendees += s->n_mb;
    size_t fz = sizeof *call->errors, extra = 0;
    for (size_t i = 0; i < s->n_ans; i++)
        extra += has_problem(&s->ans[i]);
    if (!extra)
        return;
    call->errors =
        fb_arena_realloc(c->a, call->errors, call->n_errors * fz, (call->n_errors + extra) * fz);
    for (size_t i = 0; i < s->n_ans; i++)
        if (has_problem(&s->ans[i]))
            call->errors[call->n_errors++] = *s->ans[i].finding;
}

/* The Nth answer belongs to the Nth requested mailbox. Answers without a request become
 * attendees with mailbox NULL. A body cut short pairs its prefix. Without any per-mailbox answer, a
 * whole-request error makes every attendee "error" (the finding is in call->errors); else
 * "no-response". */
static void finish(struct sctx *c, struct shape *s)
{
    int mismatch = s->have_req && s->have_list && s->n_ans != s->n_mb;
    /* A body cut short (recovered) loses answers at its end: its prefix still pairs. */
    int cut_short = (c->call->flags & FB_CALL_F_BODY_UNPARSED) && s->n_ans < s->n_mb;
    if (mismatch && !cut_short) {
        finish_mismatch(c, s);
        return;
    }
    if (mismatch) {
        warn(c,
             "%zu per-mailbox responses for %zu requested mailboxes in a body cut short: the "
             "first %zu paired by position, the rest no-response",
             s->n_ans, s->n_mb, s->n_ans);
        c->call->flags |= FB_CALL_F_COUNT_MISMATCH;
    }
    size_t n = s->have_req ? s->n_mb : 0;
    if (s->have_list && s->n_ans > n)
        n = s->n_ans;
    if (n == 0)
        return;
    struct fb_call *call = c->call;
    size_t sz = sizeof *call->attendees;
    call->attendees = fb_arena_realloc(c->a, call->attendees, call->n_attendees * sz,
                                       (call->n_attendees + n) * sz);
    for (size_t i = 0; i < n; i++) {
        struct fb_attendee *at = &call->attendees[call->n_attendees + i];
        memset(at, 0, sizeof *at);
        at->mailbox = s->have_req && i < s->n_mb ? s->mailboxes[i] : NULL;
        at->requested_view = s->requested_view;
        if (s->have_list && i < s->n_ans) {
            struct answer *an = &s->ans[i];
            if (an->pending_success)
                gua_judge_success(c, an, s->requested_view);
            at->result = an->result;
            at->view_type = an->view_type;
            at->merged_free_busy = an->merged;
            at->finding = an->finding;
        } else {
            at->result = s->call_error ? FB_RES_ERROR : FB_RES_NO_RESPONSE;
        }
    }
    call->n_attendees += n;
}

int fb_extract_soap(const struct fb_exchange *ex, struct fb_call *call, struct fb_arena *a,
                    struct fb_trace *t, const char *input_path)
{
    struct sctx c = {ex, call, a, t, input_path, 0};
    struct shape s;
    memset(&s, 0, sizeof s);
    int rc_req = parse_body(&c, &s, &ex->req, "request");
    int rc_resp = parse_body(&c, &s, &ex->resp, "response");
    finish(&c, &s);
    return rc_req ? rc_req : rc_resp;
}
