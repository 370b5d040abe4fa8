/* json.c - availability facts from JSON bodies: OWA GetUserAvailabilityInternal (request
 * in the body or URL-encoded in X-OWA-UrlPostData; per-mailbox Responses), OWA calendar
 * calls ({"ErrorCode":31,"WasSuccessful":false}), Graph / Outlook REST getSchedule
 * (matched by scheduleId), Autodiscover v2 and OAuth token errors (protocol.md section 4
 * and 6; research-signatures.md #3 and #47; pitfalls.md domain pitfall 6).
 *
 * Bodies are parsed with jansson (JSON_ALLOW_NUL, BOM skipped); bodies above 32 MiB are
 * skipped with a warning. Keys are matched exactly first, then ASCII case-insensitively,
 * because OWA clients differ in casing. The Nth OWA response answers the Nth requested
 * mailbox; when the counts differ nothing is mapped by position (a wrong mapping would
 * blame the wrong attendee): the responses' errors become call-level findings and every
 * requested attendee is no-response. It never keeps a token or a secret from a body.
 */
#include "fbdiag/extract.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fbdiag/arena.h"
#include "fbdiag/trace.h"

#define JSON_BODY_MAX ((size_t)32 << 20)
#define MAX_ATTENDEES 1000
#define MAX_ITEM_ERRORS 16

struct ctx {
    const struct fb_exchange *ex;
    struct fb_call *call;
    struct fb_arena *a;
    struct fb_trace *t;
    const char *input;
    int rc; /* FB_ERR_FORMAT once a body could not be read */
};

static void warn(struct ctx *c, const char *fmt, ...) FB_PRINTF(2, 3);
static void warn(struct ctx *c, const char *fmt, ...)
{
    if (!c->t)
        return;
    va_list ap;
    va_start(ap, fmt);
    fb_trace_vwarn(c->t, c->input, c->call->source, fmt, ap);
    va_end(ap);
}

/* --- jansson helpers --- */

/* Member key of obj: exact match first, else ASCII case-insensitive; NULL if absent. */
static json_t *jget(json_t *obj, const char *key)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, key);
    if (v)
        return v;
    const char *k;
    json_object_foreach(obj, k, v)
    {
        if (strcasecmp(k, key) == 0)
            return v;
    }
    return NULL;
}

/* A scalar as an arena string (numbers and booleans printed); NULL for null, absent,
 * objects and arrays. */
static const char *jstr(struct ctx *c, json_t *v)
{
    if (json_is_string(v))
        return fb_arena_cstr(c->a, json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        return fb_arena_printf(c->a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return fb_arena_printf(c->a, "%.17g", json_real_value(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

static const char *jstr_trim(struct ctx *c, json_t *v)
{
    if (!json_is_string(v))
        return jstr(c, v);
    struct fb_str s = fb_str_trim(fb_str_make(json_string_value(v), json_string_length(v)));
    return fb_arena_cstr(c->a, s.ptr, s.len);
}

/* Keeps the first FB_MERGED_FREE_BUSY_KEEP characters of a merged free/busy string (OWA's
 * MergedFreeBusy, Graph's availabilityView) on the attendee; v not a string changes nothing. */
static void keep_merged(struct ctx *c, struct fb_attendee *at, json_t *v)
{
    if (!json_is_string(v))
        return;
    size_t n = json_string_length(v);
    at->merged_free_busy = fb_arena_cstr(
        c->a, json_string_value(v), n > FB_MERGED_FREE_BUSY_KEEP ? FB_MERGED_FREE_BUSY_KEEP : n);
}

static int jstr_ieq(json_t *v, const char *s)
{
    return json_is_string(v) &&
           fb_str_ieq_cstr(fb_str_make(json_string_value(v), json_string_length(v)), s);
}

/* Parses a body. Returns 1 with *out set, 0 when there is nothing JSON to read (empty,
 * not JSON-looking, or over the cap: warned), FB_ERR_FORMAT when malformed (warned,
 * call flagged). */
static int load(struct ctx *c, struct fb_str body, const char *what, json_t **out)
{
    *out = NULL;
    struct fb_str b = fb_str_trim(body);
    if (b.len >= 3 && memcmp(b.ptr, "\xEF\xBB\xBF", 3) == 0)
        b = fb_str_trim(fb_str_make(b.ptr + 3, b.len - 3));
    if (!b.len)
        return 0;
    if (b.len > JSON_BODY_MAX) {
        warn(c, "%s body of %zu bytes is over the 32 MiB JSON limit: not read", what, b.len);
        return 0;
    }
    if (b.ptr[0] != '{' && b.ptr[0] != '[')
        return 0; /* HTML error page, plain text: the HTTP status speaks for it */
    json_error_t err;
    json_t *root = json_loadb(b.ptr, b.len, JSON_ALLOW_NUL, &err);
    if (!root) {
        warn(c, "%s body is not valid JSON (line %d, column %d): %s", what, err.line, err.column,
             err.text);
        c->call->flags |= FB_CALL_F_BODY_UNPARSED;
        c->rc = FB_ERR_FORMAT;
        return FB_ERR_FORMAT;
    }
    /* ASP.NET AJAX wrapper of older OWA: {"d": {...}} */
    json_t *d = json_object_get(root, "d");
    if (json_is_object(d) && json_object_size(root) == 1) {
        json_incref(d);
        json_decref(root);
        root = d;
    }
    *out = root;
    return 1;
}

static struct fb_finding *new_finding(struct ctx *c)
{
    struct fb_finding *f = fb_arena_calloc(c->a, 1, sizeof *f);
    f->layer = FB_LAYER_CLIENT_HOP;
    return f;
}

/* Appends a copy of f to the call-level errors. */
static struct fb_finding *add_call_error(struct ctx *c, const struct fb_finding *f)
{
    struct fb_call *call = c->call;
    size_t n = call->n_errors;
    call->errors = fb_arena_realloc(c->a, call->errors, n * sizeof *call->errors,
                                    (n + 1) * sizeof *call->errors);
    call->errors[n] = *f;
    call->n_errors = n + 1;
    return &call->errors[n];
}

static void add_value(struct ctx *c, struct fb_finding *f, const char *name, const char *value)
{
    if (!value)
        return;
    f->values = fb_arena_realloc(c->a, f->values, f->n_values * sizeof *f->values,
                                 (f->n_values + 1) * sizeof *f->values);
    f->values[f->n_values].name = name;
    f->values[f->n_values].value = value;
    f->n_values++;
}

/* Text of element local name in an XML string (MessageXml sent as text), else NULL. */
static const char *xml_text(struct ctx *c, struct fb_str xml, const char *name)
{
    size_t n = strlen(name);
    const char *end = xml.ptr + xml.len;
    for (const char *p = xml.ptr; p < end; p++) {
        p = memchr(p, '<', (size_t)(end - p));
        if (!p)
            return NULL;
        const char *q = p + 1;
        const char *ne = q;
        while (ne < end && *ne != '>' && *ne != ' ' && *ne != '/')
            ne++;
        const char *colon = memchr(q, ':', (size_t)(ne - q));
        const char *ln = colon ? colon + 1 : q;
        if ((size_t)(ne - ln) != n || memcmp(ln, name, n) != 0)
            continue;
        const char *gt = memchr(ne, '>', (size_t)(end - ne));
        if (!gt || gt[-1] == '/')
            return NULL;
        const char *lt = memchr(gt + 1, '<', (size_t)(end - gt - 1));
        if (!lt)
            return NULL;
        struct fb_str v = fb_str_trim(fb_str_make(gt + 1, (size_t)(lt - gt - 1)));
        return fb_arena_cstr(c->a, v.ptr, v.len);
    }
    return NULL;
}

/* MessageXml-like facts: from obj's own keys, then from a MessageXml object or string. */
static void message_xml(struct ctx *c, json_t *rm, struct fb_finding *f)
{
    static const char *const keys[] = {"ExceptionType", "ExceptionCode", "ExceptionServerName",
                                       "ExceptionMessage", "ResponseSource"};
    const char **dst[] = {&f->exception_type, &f->exception_code, &f->exception_server,
                          &f->exception_message, &f->response_source};
    json_t *mx = jget(rm, "MessageXml");
    for (size_t i = 0; i < FB_ARRAY_LEN(keys); i++) {
        *dst[i] = jstr_trim(c, jget(rm, keys[i]));
        if (!*dst[i] && json_is_object(mx))
            *dst[i] = jstr_trim(c, jget(mx, keys[i]));
        if (!*dst[i] && json_is_string(mx))
            *dst[i] =
                xml_text(c, fb_str_make(json_string_value(mx), json_string_length(mx)), keys[i]);
    }
    /* Value Name="..." pairs: [{"Name":..,"Value":..}] under Value / Values */
    json_t *vals = json_is_object(mx) ? jget(mx, "Value") : NULL;
    if (!vals && json_is_object(mx))
        vals = jget(mx, "Values");
    if (json_is_object(vals)) {
        const char *name = jstr(c, jget(vals, "Name"));
        add_value(c, f, name, name ? jstr(c, jget(vals, "Value")) : NULL);
    } else if (json_is_array(vals)) {
        size_t i;
        json_t *it;
        json_array_foreach(vals, i, it)
        {
            if (f->n_values >= 16)
                break;
            const char *name = jstr(c, jget(it, "Name"));
            add_value(c, f, name, name ? jstr(c, jget(it, "Value")) : NULL);
        }
    }
}

/* A finding from an EWS-style ResponseMessage object (OWA JSON). */
static struct fb_finding *response_message_finding(struct ctx *c, json_t *rm)
{
    struct fb_finding *f = new_finding(c);
    f->response_class = jstr_trim(c, jget(rm, "ResponseClass"));
    f->response_code = jstr_trim(c, jget(rm, "ResponseCode"));
    f->message_text = jstr_trim(c, jget(rm, "MessageText"));
    f->descriptive_link_key = jstr_trim(c, jget(rm, "DescriptiveLinkKey"));
    message_xml(c, rm, f);
    fb_finding_parse_text(f, c->a);
    return f;
}

/* --- OWA GetUserAvailabilityInternal --- */

static const char *email_of(struct ctx *c, json_t *item)
{
    json_t *e = jget(item, "Email");
    if (json_is_string(e))
        return jstr_trim(c, e);
    if (json_is_object(e))
        return jstr_trim(c, jget(e, "Address"));
    return jstr_trim(c, jget(item, "Address"));
}

/* The request body, or the X-OWA-UrlPostData header (percent-decoded) when the POST body
 * is empty. */
static struct fb_str owa_request_text(struct ctx *c)
{
    struct fb_str body = c->ex->req.body;
    if (fb_str_trim(body).len)
        return body;
    const struct fb_header *h = fb_msg_header(&c->ex->req, "X-OWA-UrlPostData");
    if (!h || !fb_str_trim(h->value).len)
        return body;
    size_t n;
    char *dec = fb_arena_percent_decode(c->a, fb_str_trim(h->value), &n);
    c->call->flags |= FB_CALL_F_URL_POST_DATA;
    return fb_str_make(dec, n);
}

static void alloc_attendees(struct ctx *c, size_t n)
{
    c->call->attendees = fb_arena_calloc(c->a, n ? n : 1, sizeof *c->call->attendees);
    c->call->n_attendees = n;
}

/* Returns 1 when the request named its mailboxes (attendees created), else 0. */
static int owa_request(struct ctx *c)
{
    json_t *root;
    if (load(c, owa_request_text(c), "OWA request", &root) != 1)
        return 0;
    /* {"request":{"Body":{...}}}, {"Body":{...}}, {"request":{...}} or the body itself */
    json_t *r = jget(root, "request");
    if (!json_is_object(r))
        r = root;
    json_t *b = jget(r, "Body");
    if (!json_is_object(b) || !jget(b, "MailboxDataArray"))
        b = jget(r, "MailboxDataArray") ? r : jget(root, "Body");
    json_t *arr = jget(b, "MailboxDataArray");
    if (!json_is_array(arr)) {
        json_decref(root);
        return 0;
    }
    const char *view = jstr_trim(c, jget(jget(b, "FreeBusyViewOptions"), "RequestedView"));
    size_t n = json_array_size(arr);
    if (n > MAX_ATTENDEES) {
        warn(c, "OWA request names %zu mailboxes: only the first %d kept", n, MAX_ATTENDEES);
        n = MAX_ATTENDEES;
    }
    alloc_attendees(c, n);
    for (size_t i = 0; i < n; i++) {
        struct fb_attendee *at = &c->call->attendees[i];
        at->mailbox = email_of(c, json_array_get(arr, i));
        at->requested_view = view;
        at->result = FB_RES_OK;
    }
    json_decref(root);
    return 1;
}

/* Detail level of a FreeBusyViewType ("Merged" suffix ignored); -1 unknown. */
static int view_level(const char *v)
{
    if (!v)
        return -1;
    struct fb_str s = fb_str_cstr(v);
    if (fb_str_ieq_cstr(s, "None"))
        return 0;
    if (fb_str_ieq_cstr(s, "MergedOnly"))
        return 1;
    if (fb_str_istarts(s, "Detailed"))
        return 3;
    if (fb_str_istarts(s, "FreeBusy"))
        return 2;
    return -1;
}

static int all_n(const char *m)
{
    if (!m || !*m)
        return 0;
    for (; *m; m++)
        if (*m != 'N' && *m != 'n')
            return 0;
    return 1;
}

/* Fills one attendee from one element of Body.Responses. */
static void owa_attendee(struct ctx *c, struct fb_attendee *at, json_t *resp)
{
    json_t *rm = jget(resp, "ResponseMessage");
    if (!json_is_object(rm) && jget(resp, "ResponseClass"))
        rm = resp;
    json_t *cv = jget(resp, "CalendarView");
    if (!json_is_object(cv))
        cv = jget(resp, "FreeBusyView");
    at->view_type = jstr_trim(c, jget(cv, "FreeBusyViewType"));
    keep_merged(c, at, jget(cv, "MergedFreeBusy"));
    json_t *cls = jget(rm, "ResponseClass");
    json_t *code = jget(rm, "ResponseCode");
    if (jstr_ieq(cls, "Error") || (!cls && json_is_string(code) && !jstr_ieq(code, "NoError"))) {
        at->result = FB_RES_ERROR;
        at->finding = response_message_finding(c, rm);
        return;
    }
    if (jstr_ieq(cls, "Warning")) {
        at->result = FB_RES_DEGRADED;
        at->finding = response_message_finding(c, rm);
        return;
    }
    const char *why = NULL;
    int got = view_level(at->view_type), want = view_level(at->requested_view);
    if (!rm && !cv)
        why = "response carries neither ResponseMessage nor CalendarView";
    else if (got == 0)
        why = "FreeBusyViewType None returned";
    else if (all_n(at->merged_free_busy)) /* before "coarser": no data says more */
        why = "MergedFreeBusy has no data (all N)";
    else if (got >= 0 && want >= 0 && got < want)
        why = fb_arena_printf(c->a, "FreeBusyViewType %s returned for requested %s", at->view_type,
                              at->requested_view);
    if (!why) {
        at->result = FB_RES_OK;
        return;
    }
    struct fb_finding *f = json_is_object(rm) ? response_message_finding(c, rm) : new_finding(c);
    if (!f->response_class)
        f->response_class = "Success";
    f->message_text = why;
    fb_finding_parse_text(f, c->a);
    at->result = FB_RES_DEGRADED;
    at->finding = f;
}

static int generic_errors(struct ctx *c, json_t *root);

static void owa_gua(struct ctx *c)
{
    int req_known = owa_request(c);
    json_t *root;
    if (!fb_str_trim(c->ex->resp.body).len && c->ex->resp.status >= 200 &&
        c->ex->resp.status < 300 && c->call->n_attendees)
        warn(c, "OWA response body not captured: outcomes of %zu mailboxes unknown",
             c->call->n_attendees);
    if (load(c, c->ex->resp.body, "OWA response", &root) != 1)
        return;
    json_t *body = jget(root, "Body");
    if (!json_is_object(body))
        body = root;
    json_t *resps = jget(body, "Responses");
    size_t m = json_is_array(resps) ? json_array_size(resps) : 0;
    struct fb_call *call = c->call;
    if (m == 0) {
        /* whole-call status only */
        int errs = generic_errors(c, root);
        if (!errs && req_known && call->n_attendees) {
            warn(c, "OWA response has no Responses for %zu requested mailboxes", call->n_attendees);
            call->flags |= FB_CALL_F_COUNT_MISMATCH;
            for (size_t i = 0; i < call->n_attendees; i++)
                call->attendees[i].result = FB_RES_NO_RESPONSE;
        }
        json_decref(root);
        return;
    }
    if (m > MAX_ATTENDEES)
        m = MAX_ATTENDEES;
    if (!req_known) {
        /* request not captured: one attendee per response, mailbox unknown */
        alloc_attendees(c, m);
        for (size_t i = 0; i < m; i++)
            owa_attendee(c, &call->attendees[i], json_array_get(resps, i));
    } else if (m == call->n_attendees) {
        for (size_t i = 0; i < m; i++)
            owa_attendee(c, &call->attendees[i], json_array_get(resps, i));
    } else {
        warn(c, "OWA response has %zu Responses for %zu requested mailboxes: not mapped", m,
             call->n_attendees);
        call->flags |= FB_CALL_F_COUNT_MISMATCH;
        for (size_t i = 0; i < call->n_attendees; i++)
            call->attendees[i].result = FB_RES_NO_RESPONSE;
        size_t kept = 0;
        for (size_t i = 0; i < m && kept < MAX_ITEM_ERRORS; i++) {
            struct fb_attendee tmp = {0};
            owa_attendee(c, &tmp, json_array_get(resps, i));
            if (tmp.finding && tmp.result == FB_RES_ERROR) {
                add_call_error(c, tmp.finding);
                kept++;
            }
        }
    }
    json_decref(root);
}

/* --- generic error shapes (OWA calendar, Autodiscover v2, OAuth, REST, other OWA) --- */

static int is_zero_code(json_t *v)
{
    return (json_is_integer(v) && json_integer_value(v) == 0) || jstr_ieq(v, "0") ||
           jstr_ieq(v, "NoError") || jstr_ieq(v, "");
}

/* Adds call-level findings for every error shape found; returns how many. */
static int generic_errors(struct ctx *c, json_t *root)
{
    int n = 0;
    if (!json_is_object(root))
        return 0;
    json_t *err = jget(root, "error");
    if (json_is_object(err)) {
        /* Graph / REST: {"error":{"code","message","innerError"}} */
        struct fb_finding *f = new_finding(c);
        f->response_code = jstr_trim(c, jget(err, "code"));
        f->message_text = jstr_trim(c, jget(err, "message"));
        fb_finding_parse_text(f, c->a);
        add_call_error(c, f);
        n++;
    } else if (json_is_string(err)) {
        /* OAuth 2.0 token endpoint error (RFC 6749 5.2, AAD / AD FS): a client logon
         * problem, never server-side "diagnostics:" text */
        struct fb_finding *f = new_finding(c);
        f->response_code = jstr_trim(c, err);
        f->message_text = jstr_trim(c, jget(root, "error_description"));
        json_t *codes = jget(root, "error_codes");
        if (json_is_array(codes) && json_array_size(codes)) {
            const char *joined = NULL;
            size_t i;
            json_t *it;
            json_array_foreach(codes, i, it)
            {
                const char *s = jstr(c, it);
                if (!s || i >= 16)
                    continue;
                joined = joined ? fb_arena_printf(c->a, "%s,%s", joined, s) : s;
            }
            add_value(c, f, "error_codes", joined);
        }
        add_value(c, f, "trace_id", jstr_trim(c, jget(root, "trace_id")));
        add_value(c, f, "correlation_id", jstr_trim(c, jget(root, "correlation_id")));
        fb_finding_parse_text(f, c->a);
        f->diag_code = f->diag_reason = f->diag_category = NULL;
        add_call_error(c, f);
        n++;
    }
    json_t *ec = jget(root, "ErrorCode");
    json_t *ok = jget(root, "WasSuccessful");
    if ((ec && !json_is_null(ec) && !is_zero_code(ec)) || json_is_false(ok)) {
        /* OWA calendar {"ErrorCode":31,"WasSuccessful":false}; Autodiscover v2
         * {"ErrorCode":"InternalServerError","ErrorMessage":"..."} */
        struct fb_finding *f = new_finding(c);
        json_t *rc = jget(root, "ResponseCode");
        if (json_is_string(rc))
            f->response_code = jstr_trim(c, rc);
        else if (json_is_integer(ec))
            f->response_code =
                fb_arena_printf(c->a, "OwaErrorCode:%lld", (long long)json_integer_value(ec));
        else if (json_is_string(ec))
            f->response_code = jstr_trim(c, ec);
        f->message_text = jstr_trim(c, jget(root, "MessageText"));
        if (!f->message_text)
            f->message_text = jstr_trim(c, jget(root, "ErrorMessage"));
        fb_finding_parse_text(f, c->a);
        add_call_error(c, f);
        return n + 1;
    }
    json_t *body = jget(root, "Body");
    if (!json_is_object(body))
        body = root;
    json_t *cls = jget(body, "ResponseClass"), *code = jget(body, "ResponseCode");
    if (jstr_ieq(cls, "Error") || jstr_ieq(cls, "Warning") ||
        (json_is_string(code) && !jstr_ieq(code, "NoError"))) {
        add_call_error(c, response_message_finding(c, body));
        n++;
    }
    json_t *items = jget(jget(body, "ResponseMessages"), "Items");
    if (json_is_array(items)) {
        size_t i;
        json_t *it;
        int kept = 0;
        json_array_foreach(items, i, it)
        {
            if (kept >= MAX_ITEM_ERRORS)
                break;
            json_t *ic = jget(it, "ResponseClass");
            if (jstr_ieq(ic, "Error") || jstr_ieq(ic, "Warning")) {
                add_call_error(c, response_message_finding(c, it));
                kept++;
                n++;
            }
        }
    }
    return n;
}

static void generic_response(struct ctx *c, const char *what)
{
    json_t *root;
    if (load(c, c->ex->resp.body, what, &root) != 1)
        return;
    generic_errors(c, root);
    json_decref(root);
}

/* --- Graph / Outlook REST getSchedule --- */

static void graph_request(struct ctx *c)
{
    json_t *root;
    if (load(c, c->ex->req.body, "getSchedule request", &root) != 1)
        return;
    json_t *arr = jget(root, "schedules");
    if (json_is_array(arr)) {
        size_t n = json_array_size(arr);
        if (n > MAX_ATTENDEES)
            n = MAX_ATTENDEES;
        alloc_attendees(c, n);
        for (size_t i = 0; i < n; i++) {
            c->call->attendees[i].mailbox = jstr_trim(c, json_array_get(arr, i));
            c->call->attendees[i].result = FB_RES_OK;
        }
    }
    json_decref(root);
}

static struct fb_attendee *graph_find(struct ctx *c, const char *id, const unsigned char *done)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < c->call->n_attendees; i++) {
        const char *m = c->call->attendees[i].mailbox;
        if (!done[i] && m && strcasecmp(m, id) == 0)
            return &c->call->attendees[i];
    }
    return NULL;
}

static void graph_schedule(struct ctx *c)
{
    graph_request(c);
    json_t *root;
    if (load(c, c->ex->resp.body, "getSchedule response", &root) != 1)
        return;
    json_t *val = jget(root, "value");
    struct fb_call *call = c->call;
    if (!json_is_array(val)) {
        generic_errors(c, root);
        json_decref(root);
        return;
    }
    size_t n_req = call->n_attendees;
    /* room for every answer up front: answers not requested are appended */
    size_t cap = n_req + json_array_size(val);
    if (cap > MAX_ATTENDEES)
        cap = MAX_ATTENDEES > n_req ? MAX_ATTENDEES : n_req;
    struct fb_attendee *arr = fb_arena_calloc(c->a, cap ? cap : 1, sizeof *arr);
    if (n_req)
        memcpy(arr, call->attendees, n_req * sizeof *arr);
    call->attendees = arr;
    unsigned char *done = fb_arena_calloc(c->a, cap + 1, 1);
    int extra = 0;
    size_t i;
    json_t *it;
    json_array_foreach(val, i, it)
    {
        const char *id = jstr_trim(c, jget(it, "scheduleId"));
        struct fb_attendee *at = graph_find(c, id, done);
        if (!at) {
            /* not requested (or request not captured): its own identity, kept as such */
            if (call->n_attendees >= cap)
                break;
            if (n_req)
                extra++;
            at = &call->attendees[call->n_attendees++];
            at->mailbox = id;
        }
        done[at - call->attendees] = 1;
        keep_merged(c, at, jget(it, "availabilityView"));
        json_t *err = jget(it, "error");
        if (json_is_object(err)) {
            struct fb_finding *f = new_finding(c);
            f->response_code = jstr_trim(c, jget(err, "responseCode"));
            f->message_text = jstr_trim(c, jget(err, "message"));
            fb_finding_parse_text(f, c->a);
            at->result = FB_RES_ERROR;
            at->finding = f;
        } else {
            at->result = FB_RES_OK;
        }
    }
    size_t missing = 0;
    for (size_t k = 0; k < n_req; k++)
        if (!done[k]) {
            call->attendees[k].result = FB_RES_NO_RESPONSE;
            missing++;
        }
    if (missing || extra) {
        warn(c, "getSchedule: %zu requested schedules unanswered, %d answers not requested",
             missing, extra);
        call->flags |= FB_CALL_F_COUNT_MISMATCH;
    }
    json_decref(root);
}

int fb_extract_json(const struct fb_exchange *ex, struct fb_call *call, struct fb_arena *a,
                    struct fb_trace *t, const char *input_path)
{
    struct ctx c = {ex, call, a, t, input_path, 0};
    switch (call->kind) {
    case FB_CALL_OWA_GUA: owa_gua(&c); break;
    case FB_CALL_GRAPH_SCHEDULE: graph_schedule(&c); break;
    case FB_CALL_AUTOD_V2: generic_response(&c, "Autodiscover v2 response"); break;
    case FB_CALL_OAUTH_TOKEN: generic_response(&c, "OAuth token response"); break;
    case FB_CALL_OWA_CALENDAR: generic_response(&c, "OWA calendar response"); break;
    default: generic_response(&c, "response"); break;
    }
    return c.rc;
}
