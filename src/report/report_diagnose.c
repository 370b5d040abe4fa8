/* report_diagnose.c - the whole-trace `fbdiag diagnose` report (report.h): the verdict,
 * capture advice, inputs, trace facts, every call with its attendees and findings, the
 * diagnoses best first, and what no diagnosis explains.
 *
 * json: one object whose layout is the contract in docs/schema/diagnose.schema.json
 * (design.md, "Output contract"): keys in a fixed order, null for what the trace does not
 * show, tri-state facts as true/false/null, confidence rounded to 2 decimals.
 *
 * text: for a support engineer, verdict first:
 *
 *   Verdict: diagnosed (1 diagnosis, 1 unexplained error)
 *   Capture: https-not-decrypted: <advice> (3 exchanges, first saz:4)
 *   Input 0: case.saz (saz, 48213 bytes, 42 exchanges, sha256 9f2c...)
 *   Facts: vantage client (...); app owa (...); requester X1@contoso.com (Exchange Online)
 *   ...
 *   Attendees:            call source, attendee, result, response code, route, peers ok
 *   1. <title> [<id>] confidence 0.65   Evidence / Meaning / Next steps / Fix / References
 *   Unexplained errors:   source, attendee, code, the chain's first .NET type, WebException
 *                         status, socket error and HTTP status, message (200 characters)
 *
 * Text is wrapped at 100 columns; ANSI colour (verdict word and result cells) only when
 * the options ask for it, otherwise no escape byte at all. Control bytes in trace text
 * are shown as \xNN.
 *
 * Secrets: URLs go through fb_redact_url, challenge headers through fb_redact_header,
 * every message, evidence line and header value through fb_redact_text (bearer tokens,
 * JWTs, SAML assertions inside texts). Mailbox addresses are evidence and are printed.
 * With --pseudonymize the caller rewrites the whole rendered text (pseudonym.h); only the
 * attendee table's name cells are pseudonymized here, so its columns stay aligned. It
 * decides nothing: the verdict is
 * computed by fb_report_verdict from counts others made.
 */
#include "fbdiag/report.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/pseudonym.h"
#include "fbdiag/redact.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"
#include "report_common.h"

#define WRAP_COLUMNS 100
#define TEXT_MAX_WARNINGS 5     /* the JSON lists them all */
#define TEXT_MAX_ROWS 200       /* attendee rows in text */
#define TEXT_MAX_UNEXPLAINED 50 /* unexplained errors in text */
#define TEXT_MESSAGE_CHARS 200
#define TEXT_CELL_MAX 44 /* a wider cell pushes the rest of its row right */

#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREEN "\033[32m"
#define ANSI_RESET "\033[0m"

struct ctx {
    FILE *out;
    const struct fb_diagnose_view *v;
    const struct fb_trace *t;
    const struct fb_match_result *m;
    const struct fb_report_opts *o;
    struct fb_arena a; /* scratch for the whole report */
};

/* ---- what the trace and the match say, with NULL-safe access --------------------- */

/* The facts' problem count; without facts, every attendee not ok and every call-level
 * error (no chain is known to have made one good). */
static uint32_t problems(const struct fb_trace *t)
{
    if (t->facts)
        return t->facts->n_problems;
    uint32_t n = 0;
    for (size_t i = 0; i < t->n_calls; i++) {
        for (size_t k = 0; k < t->calls[i]->n_attendees; k++)
            n += t->calls[i]->attendees[k].result != FB_RES_OK;
        n += (uint32_t)t->calls[i]->n_errors;
    }
    return n;
}

const char *fb_report_verdict(const struct fb_trace *t, const struct fb_match_result *m)
{
    if (!t || t->n_calls == 0)
        return "no-availability-traffic";
    if (m && m->n_diagnoses > 0)
        return "diagnosed";
    if (problems(t) > 0)
        return "unexplained";
    return "healthy";
}

static const struct fb_call_facts *call_facts(const struct ctx *c, size_t ci)
{
    const struct fb_facts *f = c->t->facts;
    return f && f->calls && ci < f->n_calls ? &f->calls[ci] : NULL;
}

static const struct fb_attendee_facts *att_facts(const struct ctx *c, size_t ci, size_t ai)
{
    const struct fb_call_facts *cf = call_facts(c, ci);
    return cf && cf->attendees ? &cf->attendees[ai] : NULL;
}

static int superseded(const struct ctx *c, size_t ci)
{
    const struct fb_call_facts *cf = call_facts(c, ci);
    return cf && cf->superseded;
}

static int att_explained(const struct ctx *c, size_t ci, size_t ai)
{
    const struct fb_match_result *m = c->m;
    return m && m->attendee_explained && ci < c->t->n_calls && m->attendee_explained[ci] &&
           m->attendee_explained[ci][ai];
}

static int err_explained(const struct ctx *c, size_t ci, size_t ei)
{
    const struct fb_match_result *m = c->m;
    return m && m->error_explained && ci < c->t->n_calls && m->error_explained[ci] &&
           m->error_explained[ci][ei];
}

static uint32_t unexplained_count(const struct ctx *c)
{
    return c->m ? c->m->n_unexplained : problems(c->t);
}

static size_t n_diagnoses(const struct ctx *c)
{
    return c->m ? c->m->n_diagnoses : 0;
}

/* Redacted copy of a text from the trace (NULL stays NULL). */
static const char *red(struct ctx *c, const char *s)
{
    return s ? fb_redact_text(&c->a, fb_str_cstr(s), c->o->redact).ptr : NULL;
}

static const char *red_url(struct ctx *c, const char *s)
{
    return s ? fb_redact_url(&c->a, fb_str_cstr(s), c->o->redact).ptr : NULL;
}

static const char *input_error_code(int status)
{
    switch (status) {
    case FB_ERR_IO: return "unreadable";
    case FB_ERR_FORMAT: return "corrupt";
    case FB_ERR_UNSUPPORTED: return "unsupported";
    case FB_ERR_PASSWORD: return "password";
    case FB_ERR_BAD_PASSWORD: return "wrong-password";
    case FB_ERR_LIMIT: return "limit";
    default: return "error";
    }
}

/* Confidence rounded half up to 2 decimals (it lies in [0, 1]). */
static double round2(double x)
{
    if (x < 0)
        x = 0;
    if (x > 1)
        x = 1;
    return (double)(long)(x * 100.0 + 0.5) / 100.0;
}

/* ---- json ------------------------------------------------------------------------ */

static json_t *js(struct ctx *c, const char *s)
{
    return fb_report_jcstr(&c->a, s);
}
static json_t *jred(struct ctx *c, const char *s)
{
    return js(c, red(c, s));
}
static json_t *jint_or_null(int v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *jtri(int v)
{
    return v == FB_TRI_TRUE ? json_true() : v == FB_TRI_FALSE ? json_false() : json_null();
}

static json_t *jevidence(struct ctx *c, const struct fb_evidence *e)
{
    if (!e->text && !e->source)
        return json_null();
    return json_pack("{s:o,s:o}", "text", jred(c, e->text), "source", js(c, e->source));
}

static json_t *jlinks(struct ctx *c, const struct fb_exc_chain *ch)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ch->n_links; i++) {
        const struct fb_exc_link *l = &ch->links[i];
        json_t *o = json_object();
        json_object_set_new(o, "type", js(c, l->type));
        json_object_set_new(o, "message", jred(c, l->message));
        json_object_set_new(o, "web_status", js(c, l->web_status));
        json_object_set_new(o, "socket_error", jint_or_null(l->socket_error));
        json_object_set_new(o, "http_status", jint_or_null(l->http_status));
        json_object_set_new(o, "server", js(c, l->server));
        json_object_set_new(o, "lid", js(c, l->lid));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *jfinding(struct ctx *c, const struct fb_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "layer", js(c, fb_layer_name(f->layer)));
    json_object_set_new(o, "response_class", js(c, f->response_class));
    json_object_set_new(o, "response_code", js(c, f->response_code));
    json_object_set_new(o, "message", jred(c, f->message_text));
    json_object_set_new(o, "descriptive_link_key", js(c, f->descriptive_link_key));
    json_object_set_new(o, "exception_type", js(c, f->exception_type));
    json_object_set_new(o, "exception_code", js(c, f->exception_code));
    json_object_set_new(o, "exception_server", js(c, f->exception_server));
    json_object_set_new(o, "exception_message", jred(c, f->exception_message));
    json_object_set_new(o, "response_source", js(c, red_url(c, f->response_source)));
    json_t *values = json_object();
    for (size_t i = 0; i < f->n_values; i++) {
        if (!f->values[i].name)
            continue;
        struct fb_str k = fb_report_utf8(&c->a, fb_str_cstr(f->values[i].name));
        json_object_setn_new(values, k.ptr, k.len, jred(c, f->values[i].value));
    }
    json_object_set_new(o, "values", values);
    json_object_set_new(o, "fault",
                        f->fault_code || f->fault_string
                            ? json_pack("{s:o,s:o}", "code", js(c, f->fault_code), "string",
                                        jred(c, f->fault_string))
                            : json_null());
    int ws = f->wstrust_code || f->wstrust_subcode || f->wstrust_reason || f->psf_value ||
             f->psf_code || f->psf_text;
    json_object_set_new(
        o, "wstrust",
        ws ? json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "code", js(c, f->wstrust_code), "subcode",
                       js(c, f->wstrust_subcode), "reason", jred(c, f->wstrust_reason), "psf_value",
                       js(c, f->psf_value), "psf_code", js(c, f->psf_code), "psf_text",
                       jred(c, f->psf_text), "by_local_name", f->fragment_by_local_name != 0)
           : json_null());
    json_object_set_new(o, "diagnostics",
                        f->diag_code || f->diag_reason || f->diag_category
                            ? json_pack("{s:o,s:o,s:o}", "code", js(c, f->diag_code), "reason",
                                        jred(c, f->diag_reason), "category",
                                        js(c, f->diag_category))
                            : json_null());
    json_object_set_new(o, "leg", js(c, f->leg));
    json_t *urls = json_array();
    for (size_t i = 0; i < f->n_urls && i < FB_FINDING_MAX_URLS; i++)
        if (f->urls[i])
            json_array_append_new(urls, js(c, red_url(c, f->urls[i])));
    json_object_set_new(o, "urls", urls);
    json_object_set_new(o, "exception", jlinks(c, &f->chain));
    return o;
}

static json_t *jattendee(struct ctx *c, size_t ci, size_t ai)
{
    const struct fb_attendee *a = &c->t->calls[ci]->attendees[ai];
    const struct fb_attendee_facts *af = att_facts(c, ci, ai);
    const struct fb_finding *f = a->finding;
    json_t *o = json_object();
    json_object_set_new(o, "mailbox", js(c, a->mailbox));
    json_object_set_new(o, "result", js(c, fb_result_name(a->result)));
    json_object_set_new(o, "view_type", js(c, a->view_type));
    json_object_set_new(o, "requested_view", js(c, a->requested_view));
    json_object_set_new(o, "route", js(c, af ? af->route : a->route));
    json_object_set_new(o, "route_kind", js(c, af ? af->route_kind : NULL));
    json_object_set_new(o, "direction",
                        js(c, fb_direction_name(af ? af->direction : FB_DIR_UNKNOWN)));
    json_object_set_new(o, "auth_path",
                        js(c, fb_auth_path_name(af ? af->auth_path : FB_AUTH_UNKNOWN)));
    json_object_set_new(o, "route_peers_ok", jtri(af ? af->route_peers_ok : FB_TRI_UNKNOWN));
    json_object_set_new(o, "fails_in_every_call",
                        jtri(af ? af->fails_in_every_call : FB_TRI_UNKNOWN));
    json_object_set_new(o, "domain_peers_ok", jtri(af ? af->domain_peers_ok : FB_TRI_UNKNOWN));
    json_object_set_new(o, "domain_fails_in_every_call",
                        jtri(af ? af->domain_fails_in_every_call : FB_TRI_UNKNOWN));
    json_object_set_new(o, "same_domain_as_requester",
                        jtri(af ? af->same_domain_as_requester : FB_TRI_UNKNOWN));
    json_object_set_new(o, "calls_seen", json_integer(af ? af->calls_seen : 0));
    json_object_set_new(o, "calls_failed", json_integer(af ? af->calls_failed : 0));
    json_object_set_new(o, "explained", json_boolean(att_explained(c, ci, ai)));
    json_object_set_new(o, "response_class", js(c, f ? f->response_class : NULL));
    json_object_set_new(o, "response_code", js(c, f ? f->response_code : NULL));
    json_object_set_new(o, "message", jred(c, f ? f->message_text : NULL));
    json_object_set_new(o, "exception", f ? jlinks(c, &f->chain) : json_array());
    json_object_set_new(o, "error", f ? jfinding(c, f) : json_null());
    return o;
}

static json_t *jhttp(struct ctx *c, const struct fb_http_facts *h)
{
    json_t *o = json_object();
    const char *www = h->www_authenticate
                          ? fb_redact_header(&c->a, fb_str_cstr("WWW-Authenticate"),
                                             fb_str_cstr(h->www_authenticate), c->o->redact)
                                .ptr
                          : NULL;
    json_object_set_new(o, "www_authenticate", js(c, www));
    json_object_set_new(o, "x_ms_diagnostics", jred(c, h->x_ms_diagnostics));
    json_object_set_new(o, "x_owa_error", jred(c, h->x_owa_error));
    json_object_set_new(o, "x_backend_status", jred(c, h->x_backend_status));
    json_object_set_new(o, "request_id", jred(c, h->request_id));
    json_object_set_new(o, "x_feserver", jred(c, h->x_feserver));
    json_object_set_new(o, "x_beserver", jred(c, h->x_beserver));
    json_object_set_new(o, "server", jred(c, h->server));
    json_object_set_new(o, "server_version", jred(c, h->server_version));
    json_object_set_new(o, "user_agent", jred(c, h->user_agent));
    json_object_set_new(o, "process", jred(c, h->process));
    json_object_set_new(o, "host", jred(c, h->host));
    json_object_set_new(o, "auth_scheme", js(c, h->auth_scheme));
    return o;
}

static const char *const call_flag_names[] = {"federated", "count-mismatch", "body-unparsed",
                                              "url-post-data"};

static json_t *jcall(struct ctx *c, size_t ci)
{
    const struct fb_call *call = c->t->calls[ci];
    const struct fb_call_facts *cf = call_facts(c, ci);
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)ci));
    json_object_set_new(o, "kind", js(c, fb_call_kind_name(call->kind)));
    json_object_set_new(o, "operation", js(c, call->operation));
    json_object_set_new(o, "input", json_integer(call->input));
    json_object_set_new(o, "exchange", json_integer(call->exchange));
    json_object_set_new(o, "source", js(c, call->source));
    json_object_set_new(o, "method", js(c, call->method));
    json_object_set_new(o, "url", js(c, red_url(c, call->url)));
    json_object_set_new(o, "status",
                        call->http.status > 0 ? json_integer(call->http.status) : json_null());
    char when[40];
    json_object_set_new(o, "started",
                        fb_report_iso_time(call->started_us, when, sizeof when) ? json_string(when)
                                                                                : json_null());
    json_object_set_new(o, "elapsed_ms",
                        call->elapsed_us >= 0 ? json_real((double)call->elapsed_us / 1000.0)
                                              : json_null());
    json_object_set_new(o, "superseded", json_boolean(cf && cf->superseded));
    json_object_set_new(o, "superseded_by",
                        cf && cf->superseded ? js(c, cf->superseded_by.source) : json_null());
    json_t *flags = json_array();
    for (unsigned b = 0; b < FB_ARRAY_LEN(call_flag_names); b++)
        if (call->flags & (1u << b))
            json_array_append_new(flags, json_string(call_flag_names[b]));
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "requester", js(c, call->requester));
    json_object_set_new(o, "http", jhttp(c, &call->http));
    json_t *atts = json_array();
    for (size_t ai = 0; ai < call->n_attendees; ai++)
        json_array_append_new(atts, jattendee(c, ci, ai));
    json_object_set_new(o, "attendees", atts);
    json_t *errs = json_array();
    for (size_t ei = 0; ei < call->n_errors; ei++) {
        json_t *e = jfinding(c, &call->errors[ei]);
        json_object_set_new(e, "explained", json_boolean(err_explained(c, ci, ei)));
        json_array_append_new(errs, e);
    }
    json_object_set_new(o, "errors", errs);
    return o;
}

static json_t *jstrings(struct ctx *c, const char *const *s, size_t n, int redact_them)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (s[i])
            json_array_append_new(arr, redact_them ? jred(c, s[i]) : js(c, s[i]));
    return arr;
}

static json_t *jdiagnosis(struct ctx *c, const struct fb_diagnosis *d)
{
    size_t n;
    json_t *o = json_object();
    json_object_set_new(o, "id", js(c, fb_sig_id(d->sig)));
    json_object_set_new(o, "title", js(c, fb_sig_title(d->sig)));
    json_object_set_new(o, "confidence", json_real(round2(d->confidence)));
    json_object_set_new(o, "route", js(c, d->route));
    json_object_set_new(o, "attendees", jstrings(c, d->attendees, d->n_attendees, 0));
    json_object_set_new(o, "evidence", jstrings(c, d->evidence, d->n_evidence, 1));
    struct fb_str meaning = fb_str_trim(fb_str_cstr(fb_sig_meaning(d->sig)));
    json_object_set_new(o, "meaning", fb_report_jstr_or_null(&c->a, meaning));
    const char *const *s = fb_sig_next_steps(d->sig, &n);
    json_object_set_new(o, "next_steps", jstrings(c, s, n, 0));
    s = fb_sig_fix(d->sig, &n);
    json_object_set_new(o, "fix", jstrings(c, s, n, 0));
    s = fb_sig_references(d->sig, &n);
    json_object_set_new(o, "references", jstrings(c, s, n, 0));
    json_object_set_new(o, "evidence_source", js(c, fb_sig_evidence_source(d->sig)));
    json_t *adv = json_array();
    for (size_t i = 0; i < d->n_advice && i < FB_ARRAY_LEN(d->advice); i++) {
        const struct fb_sig *a = d->advice[i];
        s = fb_sig_next_steps(a, &n);
        json_array_append_new(adv, json_pack("{s:o,s:o,s:o}", "id", js(c, fb_sig_id(a)), "title",
                                             js(c, fb_sig_title(a)), "next_steps",
                                             jstrings(c, s, n, 0)));
    }
    json_object_set_new(o, "advice", adv);
    return o;
}

static json_t *jfacts(struct ctx *c)
{
    const struct fb_facts *f = c->t->facts;
    json_t *o = json_object();
    json_object_set_new(o, "vantage", f ? js(c, fb_vantage_name(f->vantage)) : json_null());
    json_object_set_new(o, "vantage_evidence",
                        f ? jevidence(c, &f->vantage_evidence) : json_null());
    json_object_set_new(o, "app", f ? js(c, fb_app_name(f->app)) : json_null());
    json_object_set_new(o, "app_evidence", f ? jevidence(c, &f->app_evidence) : json_null());
    json_object_set_new(o, "requester", js(c, f ? f->requester : NULL));
    json_object_set_new(o, "requester_in_cloud", jtri(f ? f->requester_in_cloud : FB_TRI_UNKNOWN));
    json_t *dirs = json_array(), *auths = json_array();
    for (int d = 0; f && d < FB_DIR_COUNT; d++)
        if (f->directions & (1u << d))
            json_array_append_new(dirs, json_string(fb_direction_name(d)));
    for (int a = 0; f && a < FB_AUTH_COUNT; a++)
        if (f->auth_paths & (1u << a))
            json_array_append_new(auths, json_string(fb_auth_path_name(a)));
    json_object_set_new(o, "directions", dirs);
    json_object_set_new(o, "auth_paths", auths);
    return o;
}

static json_t *jreport(struct ctx *c)
{
    const struct fb_trace *t = c->t;
    json_t *o = json_object();
    json_object_set_new(o, "fbdiag_version",
                        js(c, c->v->fbdiag_version ? c->v->fbdiag_version : ""));
    json_object_set_new(o, "signatures_hash", js(c, c->v->signatures_hash));
    json_object_set_new(o, "verdict",
                        js(c, c->v->verdict ? c->v->verdict : fb_report_verdict(t, c->m)));

    json_t *inputs = json_array();
    for (size_t i = 0; i < t->n_inputs; i++) {
        const struct fb_input_info *in = &t->inputs[i];
        json_t *e = json_object();
        json_object_set_new(e, "path", js(c, in->path ? in->path : "-"));
        json_object_set_new(e, "format", js(c, in->format));
        json_object_set_new(e, "sha256", in->sha256[0] ? js(c, in->sha256) : json_null());
        json_object_set_new(e, "size", json_integer((json_int_t)in->size));
        json_object_set_new(e, "exchanges", json_integer((json_int_t)in->n_exchanges));
        if (in->status != 0)
            json_object_set_new(
                e, "error",
                json_pack("{s:s,s:o}", "code", input_error_code(in->status), "message",
                          jred(c, in->error ? in->error : fb_strerror(in->status))));
        json_array_append_new(inputs, e);
    }
    json_object_set_new(o, "inputs", inputs);

    json_t *warnings = json_array();
    for (size_t i = 0; i < t->n_warnings; i++) {
        const struct fb_warning *w = &t->warnings[i];
        json_array_append_new(warnings, json_pack("{s:o,s:o,s:o}", "input", js(c, w->input),
                                                  "source", js(c, w->source), "message",
                                                  jred(c, w->msg ? w->msg : "")));
    }
    json_object_set_new(o, "warnings", warnings);
    if (t->n_warnings_dropped > 0)
        json_object_set_new(o, "warnings_dropped", json_integer((json_int_t)t->n_warnings_dropped));

    json_t *capture = json_array();
    for (int k = 0; k < FB_ADV_COUNT; k++) {
        const struct fb_advice *a = &t->advice[k];
        if (a->count == 0)
            continue;
        json_array_append_new(capture, json_pack("{s:s,s:s,s:I,s:o,s:o}", "id", fb_advice_id(k),
                                                 "text", fb_advice_text(k), "count",
                                                 (json_int_t)a->count, "first_source",
                                                 js(c, a->first_source), "input", js(c, a->input)));
    }
    json_object_set_new(o, "capture", capture);
    json_object_set_new(o, "facts", jfacts(c));

    json_t *calls = json_array();
    for (size_t ci = 0; ci < t->n_calls; ci++)
        json_array_append_new(calls, jcall(c, ci));
    json_object_set_new(o, "calls", calls);

    json_t *diags = json_array();
    for (size_t i = 0; i < n_diagnoses(c); i++)
        json_array_append_new(diags, jdiagnosis(c, &c->m->diagnoses[i]));
    json_object_set_new(o, "diagnoses", diags);
    json_object_set_new(o, "unexplained", json_integer(unexplained_count(c)));
    json_object_set_new(o, "key_source", js(c, c->v->key_source));
    return o;
}

/* Returns 0, or -1 when jansson could not write. */
static int write_json(struct ctx *c)
{
    json_t *o = jreport(c);
    int rc = json_dumpf(o, c->out, FB_REPORT_JSON_FLAGS);
    if (rc == 0)
        fputc('\n', c->out);
    json_decref(o);
    return rc;
}

/* ---- text ------------------------------------------------------------------------ */

/* Safe text of a trace string (NULL -> "-"). */
static const char *tx(struct ctx *c, const char *s)
{
    return s ? fb_report_text_safe(&c->a, fb_str_cstr(s)) : "-";
}

static const char *colour_of_result(enum fb_result r)
{
    switch (r) {
    case FB_RES_OK: return ANSI_GREEN;
    case FB_RES_DEGRADED: return ANSI_YELLOW;
    case FB_RES_ERROR:
    case FB_RES_NO_RESPONSE: return ANSI_RED;
    }
    return NULL;
}

static const char *colour_of_verdict(const char *v)
{
    if (strcmp(v, "healthy") == 0)
        return ANSI_GREEN;
    if (strcmp(v, "no-availability-traffic") == 0)
        return ANSI_YELLOW;
    return ANSI_RED;
}

/* Writes s padded to width, in colour when asked (the padding stays outside the escape
 * codes' count, so columns align either way). */
static void cell(struct ctx *c, const char *s, int width, const char *colour)
{
    int len = (int)strlen(s);
    if (c->o->color && colour)
        fprintf(c->out, "%s%s%s", colour, s, ANSI_RESET);
    else
        fputs(s, c->out);
    for (int i = len; i < width; i++)
        fputc(' ', c->out);
}

/* Writes text word-wrapped at WRAP_COLUMNS: the first line after `first` (already
 * counted as `col` columns), the others indented by `indent` spaces. Whitespace runs
 * (newlines of folded YAML too) become one space; a word longer than a line stands
 * alone. */
static void wrap(struct ctx *c, int col, int indent, const char *text)
{
    const char *p = text;
    int at_line_start = 1;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')
            e++;
        const char *word = fb_report_text_safe(&c->a, fb_str_make(p, (size_t)(e - p)));
        int wl = (int)strlen(word);
        if (!at_line_start && col + 1 + wl > WRAP_COLUMNS) {
            fprintf(c->out, "\n%*s", indent, "");
            col = indent;
            at_line_start = 1;
        }
        if (!at_line_start) {
            fputc(' ', c->out);
            col++;
        }
        fputs(word, c->out);
        col += wl;
        at_line_start = 0;
        p = e;
    }
    fputc('\n', c->out);
}

/* "- text" / "1. text" items with a hanging indent. */
static void items(struct ctx *c, int indent, const char *const *s, size_t n, int numbered,
                  int redact_them)
{
    for (size_t i = 0; i < n; i++) {
        if (!s[i])
            continue;
        char mark[32];
        if (numbered)
            snprintf(mark, sizeof mark, "%zu. ", i + 1);
        else
            snprintf(mark, sizeof mark, "- ");
        fprintf(c->out, "%*s%s", indent, "", mark);
        int col = indent + (int)strlen(mark);
        wrap(c, col, col, redact_them ? red(c, s[i]) : s[i]);
    }
}

/* The first n code points of s (UTF-8), with "..." when cut. */
static const char *first_chars(struct ctx *c, const char *s, size_t n)
{
    size_t i = 0, cps = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (cps == n)
                return fb_arena_printf(&c->a, "%.*s...", (int)i, s);
            cps++;
        }
        i++;
    }
    return s;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void text_verdict(struct ctx *c, const char *verdict)
{
    const struct fb_trace *t = c->t;
    uint32_t unexpl = unexplained_count(c);
    size_t nd = n_diagnoses(c);
    fputs("Verdict: ", c->out);
    cell(c, verdict, 0, colour_of_verdict(verdict));
    if (strcmp(verdict, "diagnosed") == 0) {
        fprintf(c->out, " (%zu %s", nd, plural(nd, "diagnosis", "diagnoses"));
        if (unexpl)
            fprintf(c->out, ", %u unexplained %s", unexpl, plural(unexpl, "error", "errors"));
        fputs(")\n", c->out);
    } else if (strcmp(verdict, "unexplained") == 0) {
        fprintf(c->out, " (%u unexplained %s)\n", unexpl, plural(unexpl, "error", "errors"));
    } else if (strcmp(verdict, "healthy") == 0) {
        fprintf(c->out, " (%zu %s, no errors)\n", t->n_calls,
                plural(t->n_calls, "availability-related call", "availability-related calls"));
    } else if (strcmp(verdict, "no-availability-traffic") == 0) {
        uint64_t ex = 0;
        for (size_t i = 0; i < t->n_inputs; i++)
            ex += t->inputs[i].n_exchanges;
        fprintf(c->out, " (%llu %s, none availability-related)\n", (unsigned long long)ex,
                plural(ex, "exchange", "exchanges"));
    } else {
        fputc('\n', c->out);
    }
}

static void text_head(struct ctx *c)
{
    const struct fb_trace *t = c->t;
    for (int k = 0; k < FB_ADV_COUNT; k++) {
        const struct fb_advice *a = &t->advice[k];
        if (a->count == 0)
            continue;
        int col = fprintf(c->out, "Capture: %s: ", fb_advice_id(k));
        const char *s = fb_arena_printf(
            &c->a, "%s (%llu %s%s%s)", fb_advice_text(k), (unsigned long long)a->count,
            plural(a->count, "exchange", "exchanges"), a->first_source ? ", first " : "",
            a->first_source ? a->first_source : "");
        wrap(c, col, 4, s);
    }
    for (size_t i = 0; i < t->n_inputs; i++) {
        const struct fb_input_info *in = &t->inputs[i];
        int col = fprintf(c->out, "Input %zu: %s", i, tx(c, in->path ? in->path : "-"));
        if (in->status != 0) {
            col += fprintf(c->out, ": error: %s: ", input_error_code(in->status));
            wrap(c, col, 4, red(c, in->error ? in->error : fb_strerror(in->status)));
            continue;
        }
        fprintf(c->out, " (%s, %llu bytes, %llu %s", tx(c, in->format),
                (unsigned long long)in->size, (unsigned long long)in->n_exchanges,
                plural(in->n_exchanges, "exchange", "exchanges"));
        if (in->sha256[0])
            fprintf(c->out, ", sha256 %.12s", in->sha256);
        fputs(")\n", c->out);
    }
    if (c->v->key_source)
        fprintf(c->out, "TLS keys: %s\n", tx(c, c->v->key_source));
    for (size_t i = 0; i < t->n_warnings && i < TEXT_MAX_WARNINGS; i++) {
        const struct fb_warning *w = &t->warnings[i];
        const char *s = fb_arena_printf(&c->a, "%s%s%s%s%s", w->input ? w->input : "",
                                        w->input ? ": " : "", w->source ? w->source : "",
                                        w->source ? ": " : "", red(c, w->msg ? w->msg : ""));
        wrap(c, fprintf(c->out, "Warning: "), 4, s);
    }
    uint64_t more = t->n_warnings_dropped +
                    (t->n_warnings > TEXT_MAX_WARNINGS ? t->n_warnings - TEXT_MAX_WARNINGS : 0);
    if (more)
        fprintf(c->out, "Warning: %llu more %s (--format json lists the kept ones)\n",
                (unsigned long long)more, plural(more, "warning", "warnings"));
}

static const char *evidence_text(struct ctx *c, const struct fb_evidence *e)
{
    if (!e->text && !e->source)
        return "";
    if (e->text && e->source)
        return fb_arena_printf(&c->a, " (%s on %s)", red(c, e->text), e->source);
    return fb_arena_printf(&c->a, " (%s)", e->text ? red(c, e->text) : e->source);
}

static void text_facts(struct ctx *c)
{
    const struct fb_facts *f = c->t->facts;
    if (!f)
        return;
    fputs("Facts:\n", c->out);
    fprintf(c->out, "  %-11s", "vantage");
    wrap(c, 13, 15,
         fb_arena_printf(&c->a, "%s%s", fb_vantage_name(f->vantage),
                         evidence_text(c, &f->vantage_evidence)));
    fprintf(c->out, "  %-11s", "app");
    wrap(c, 13, 15,
         fb_arena_printf(&c->a, "%s%s", fb_app_name(f->app), evidence_text(c, &f->app_evidence)));
    fprintf(c->out, "  %-11s%s%s\n", "requester", tx(c, f->requester ? f->requester : "not shown"),
            f->requester_in_cloud == FB_TRI_TRUE    ? " (Exchange Online side)"
            : f->requester_in_cloud == FB_TRI_FALSE ? " (on-premises side)"
                                                    : "");
    fprintf(c->out, "  %-11s", "directions");
    int any = 0;
    for (int d = 0; d < FB_DIR_COUNT; d++)
        if (f->directions & (1u << d))
            fprintf(c->out, "%s%s", any++ ? ", " : "", fb_direction_name(d));
    fprintf(c->out, "%s\n  %-11s", any ? "" : "none seen", "auth paths");
    any = 0;
    for (int a = 0; a < FB_AUTH_COUNT; a++)
        if (f->auth_paths & (1u << a))
            fprintf(c->out, "%s%s", any++ ? ", " : "", fb_auth_path_name(a));
    fprintf(c->out, "%s\n", any ? "" : "none seen");

    /* calls by kind, and how many a later call of their chain made good */
    size_t by_kind[FB_CALL_KIND_COUNT] = {0}, sup = 0;
    for (size_t ci = 0; ci < c->t->n_calls; ci++) {
        enum fb_call_kind k = c->t->calls[ci]->kind;
        by_kind[k < FB_CALL_KIND_COUNT ? k : FB_CALL_NONE]++;
        sup += superseded(c, ci) != 0;
    }
    fprintf(c->out, "  %-11s%zu", "calls", c->t->n_calls);
    any = 0;
    for (int k = 0; k < FB_CALL_KIND_COUNT; k++)
        if (by_kind[k] && fb_call_kind_name(k))
            fprintf(c->out, "%s%s %zu", any++ ? ", " : " (", fb_call_kind_name(k), by_kind[k]);
    fprintf(c->out, "%s", any ? ")" : "");
    if (sup)
        fprintf(c->out, "; %zu superseded by a later call of their chain", sup);
    fputc('\n', c->out);
}

static const char *tri_text(int v)
{
    return v == FB_TRI_TRUE ? "yes" : v == FB_TRI_FALSE ? "no" : "?";
}

/* The call column: its source, and with several inputs the input's number ("#1 har:0"). */
static const char *call_label(struct ctx *c, size_t ci)
{
    const struct fb_call *call = c->t->calls[ci];
    if (c->t->n_inputs < 2)
        return tx(c, call->source);
    return fb_arena_printf(&c->a, "#%u %s", (unsigned)call->input, tx(c, call->source));
}

static const char *call_requester(const struct fb_call *call)
{
    return call->requester ? call->requester : call->http.anchor_mailbox;
}

/* A requester column is shown when the availability calls come from more than one
 * requester (several users' traces of one case); Autodiscover anchors do not count. */
static int several_requesters(const struct fb_trace *t)
{
    const char *first = NULL;
    for (size_t ci = 0; ci < t->n_calls; ci++) {
        enum fb_call_kind k = t->calls[ci]->kind;
        if (k != FB_CALL_EWS_GUA && k != FB_CALL_OWA_GUA && k != FB_CALL_GRAPH_SCHEDULE &&
            k != FB_CALL_OWA_CALENDAR)
            continue;
        const char *r = call_requester(t->calls[ci]);
        if (!r)
            continue;
        if (!first)
            first = r;
        else if (!fb_str_ieq_cstr(fb_str_cstr(first), r))
            return 1;
    }
    return 0;
}

enum { ATT_COLS = 7 };

/* A mailbox or route cell: pseudonymized here when asked, so the table's widths are
 * those of what is printed (the caller's pass over the whole text leaves it alone). */
static const char *name_cell(struct ctx *c, const char *name)
{
    return c->o->pseudonym_key ? fb_pseudonym_name(c->o->pseudonym_key, name, &c->a) : name;
}

/* The cells of one attendee row (the requester cell is NULL when not shown). */
static void attendee_cells(struct ctx *c, size_t ci, size_t ai, int with_req,
                           const char *cells[ATT_COLS])
{
    const struct fb_call *call = c->t->calls[ci];
    const struct fb_attendee *a = &call->attendees[ai];
    const struct fb_attendee_facts *af = att_facts(c, ci, ai);
    const char *res = fb_result_name(a->result);
    cells[0] = call_label(c, ci);
    cells[1] = with_req ? tx(c, name_cell(c, call_requester(call))) : NULL;
    cells[2] = tx(c, name_cell(c, a->mailbox));
    cells[3] = res ? res : "-";
    cells[4] = tx(c, a->finding ? a->finding->response_code : NULL);
    cells[5] = tx(c, name_cell(c, af ? af->route : a->route));
    /* peers matter for a failing pair; an ok row shows "-" (the JSON has it) */
    cells[6] = a->result == FB_RES_OK ? "-" : tri_text(af ? af->route_peers_ok : -1);
}

static void text_attendees(struct ctx *c)
{
    const struct fb_trace *t = c->t;
    static const char *const head[ATT_COLS] = {"call",          "requester", "attendee", "result",
                                               "response code", "route",     "peers ok"};
    int with_req = several_requesters(t);
    int w[ATT_COLS];
    for (int k = 0; k < ATT_COLS; k++)
        w[k] = (int)strlen(head[k]);
    size_t rows = 0;
    const char *cells[ATT_COLS];
    for (size_t ci = 0; ci < t->n_calls; ci++)
        for (size_t ai = 0; ai < t->calls[ci]->n_attendees && rows < TEXT_MAX_ROWS; ai++, rows++) {
            attendee_cells(c, ci, ai, with_req, cells);
            for (int k = 0; k < ATT_COLS; k++) {
                int l = (int)strlen(cells[k] ? cells[k] : "");
                if (l > w[k])
                    w[k] = l > TEXT_CELL_MAX ? TEXT_CELL_MAX : l;
            }
        }
    if (rows == 0)
        return;
    fputs("\nAttendees:\n  ", c->out);
    for (int k = 0; k < ATT_COLS; k++) {
        if (k == 1 && !with_req)
            continue;
        k + 1 < ATT_COLS ? cell(c, head[k], w[k] + 2, NULL) : (void)fputs(head[k], c->out);
    }
    fputc('\n', c->out);
    size_t total = 0;
    rows = 0;
    for (size_t ci = 0; ci < t->n_calls; ci++)
        for (size_t ai = 0; ai < t->calls[ci]->n_attendees; ai++, total++) {
            if (rows >= TEXT_MAX_ROWS)
                continue;
            rows++;
            attendee_cells(c, ci, ai, with_req, cells);
            fputs("  ", c->out);
            for (int k = 0; k + 1 < ATT_COLS; k++) {
                if (k == 1 && !with_req)
                    continue;
                cell(c, cells[k], w[k] + 2,
                     k == 3 ? colour_of_result(t->calls[ci]->attendees[ai].result) : NULL);
            }
            fputs(cells[ATT_COLS - 1], c->out);
            if (superseded(c, ci))
                fputs("  (superseded)", c->out);
            fputc('\n', c->out);
        }
    if (total > rows)
        fprintf(c->out, "  ... %zu more attendees (--format json lists every one)\n", total - rows);
}

static void text_diagnoses(struct ctx *c)
{
    size_t nd = n_diagnoses(c);
    if (nd)
        fputs("\nDiagnoses (best first):\n", c->out);
    for (size_t i = 0; i < nd; i++) {
        const struct fb_diagnosis *d = &c->m->diagnoses[i];
        size_t n;
        fputc('\n', c->out);
        int col = fprintf(c->out, "%zu. ", i + 1);
        wrap(c, col, 3,
             fb_arena_printf(&c->a, "%s [%s] confidence %.2f", fb_sig_title(d->sig),
                             fb_sig_id(d->sig), round2(d->confidence)));
        if (d->route || d->n_attendees) {
            const char *who = "";
            for (size_t k = 0; k < d->n_attendees; k++)
                who = fb_arena_printf(&c->a, "%s%s%s", who, k ? ", " : "", tx(c, d->attendees[k]));
            const char *s = fb_arena_printf(
                &c->a, "%s%s%s%s%s%s", d->route ? "Route: " : "", d->route ? tx(c, d->route) : "",
                d->route && d->n_attendees ? "; " : "",
                d->n_attendees ? (d->n_attendees == 1 ? "attendee: " : "attendees: ") : "", who,
                d->first_source ? fb_arena_printf(&c->a, "; first seen %s", tx(c, d->first_source))
                                : "");
            fputs("   ", c->out);
            wrap(c, 3, 5, s);
        }
        if (d->n_evidence) {
            fputs("   Evidence:\n", c->out);
            items(c, 5, d->evidence, d->n_evidence, 0, 1);
        }
        const char *meaning = fb_sig_meaning(d->sig);
        if (meaning && *meaning) {
            fputs("   Meaning:\n     ", c->out);
            wrap(c, 5, 5, meaning);
        }
        const char *const *s = fb_sig_next_steps(d->sig, &n);
        if (n) {
            fputs("   Next steps:\n", c->out);
            items(c, 5, s, n, 1, 0);
        }
        s = fb_sig_fix(d->sig, &n);
        if (n) {
            fputs("   Fix:\n", c->out);
            items(c, 5, s, n, 0, 0);
        }
        s = fb_sig_references(d->sig, &n);
        if (n) {
            fputs("   References:\n", c->out);
            items(c, 5, s, n, 0, 0);
        }
        for (size_t k = 0; k < d->n_advice && k < FB_ARRAY_LEN(d->advice); k++) {
            const struct fb_sig *a = d->advice[k];
            fputs("   Also check: ", c->out);
            wrap(c, 17, 5, fb_arena_printf(&c->a, "%s [%s]", fb_sig_title(a), fb_sig_id(a)));
            s = fb_sig_next_steps(a, &n);
            items(c, 5, s, n, 1, 0);
        }
    }
}

/* One unexplained error: "- saz:12 Y1@datum.com ErrorX: System.Net.WebException
 * ReceiveFailure socket 10054" and its message (first 200 characters). */
static void text_unexplained_one(struct ctx *c, const char *source, const char *who,
                                 const struct fb_finding *f, enum fb_result r)
{
    const char *code = NULL;
    if (f)
        code = f->response_code  ? f->response_code
               : f->fault_code   ? f->fault_code
               : f->psf_code     ? f->psf_code
               : f->wstrust_code ? f->wstrust_code
               : f->diag_code    ? fb_arena_printf(&c->a, "diagnostics %s", f->diag_code)
                                 : NULL;
    const char *s = fb_arena_printf(&c->a, "%s %s %s", tx(c, source), tx(c, who),
                                    code                      ? tx(c, code)
                                    : r == FB_RES_NO_RESPONSE ? "no-response"
                                    : r == FB_RES_DEGRADED    ? "degraded"
                                                              : "error");
    if (f && f->chain.n_links) {
        /* the first typed link (the outermost is often the bare "Proxy web request
         * failed."), and the first WebException status, socket error and HTTP status
         * any link carries */
        const char *type = NULL, *web = NULL;
        int sock = 0, http = 0;
        for (size_t k = 0; k < f->chain.n_links; k++) {
            const struct fb_exc_link *l = &f->chain.links[k];
            type = type ? type : l->type;
            web = web ? web : l->web_status;
            sock = sock ? sock : l->socket_error;
            http = http ? http : l->http_status;
        }
        if (type || web || sock || http)
            s = fb_arena_printf(&c->a, "%s: %s", s, tx(c, type ? type : "exception"));
        if (web)
            s = fb_arena_printf(&c->a, "%s %s", s, tx(c, web));
        if (sock)
            s = fb_arena_printf(&c->a, "%s socket %d", s, sock);
        if (http)
            s = fb_arena_printf(&c->a, "%s http %d", s, http);
    }
    fputs("  - ", c->out);
    wrap(c, 4, 4, s);
    const char *msg = f ? (f->message_text ? f->message_text : f->fault_string) : NULL;
    if (msg && *msg) {
        fputs("    ", c->out);
        wrap(c, 4, 4, first_chars(c, red(c, msg), TEXT_MESSAGE_CHARS));
    }
}

static void text_unexplained(struct ctx *c)
{
    const struct fb_trace *t = c->t;
    size_t shown = 0, total = 0;
    for (size_t ci = 0; ci < t->n_calls; ci++) {
        const struct fb_call *call = t->calls[ci];
        if (superseded(c, ci))
            continue;
        for (size_t ai = 0; ai < call->n_attendees; ai++) {
            const struct fb_attendee *a = &call->attendees[ai];
            if (a->result == FB_RES_OK || att_explained(c, ci, ai))
                continue;
            if (total++ == 0)
                fputs("\nUnexplained errors:\n", c->out);
            if (shown < TEXT_MAX_UNEXPLAINED) {
                shown++;
                text_unexplained_one(c, call->source, a->mailbox, a->finding, a->result);
            }
        }
        for (size_t ei = 0; ei < call->n_errors; ei++) {
            if (err_explained(c, ci, ei))
                continue;
            if (total++ == 0)
                fputs("\nUnexplained errors:\n", c->out);
            if (shown < TEXT_MAX_UNEXPLAINED) {
                shown++;
                const char *who = call->http.status > 0
                                      ? fb_arena_printf(&c->a, "(call, HTTP %d)", call->http.status)
                                      : "(call)";
                text_unexplained_one(c, call->source, who, &call->errors[ei], FB_RES_ERROR);
            }
        }
    }
    if (total > shown)
        fprintf(c->out, "  ... %zu more (--format json lists every one)\n", total - shown);
}

static void write_text(struct ctx *c)
{
    const char *verdict = c->v->verdict ? c->v->verdict : fb_report_verdict(c->t, c->m);
    text_verdict(c, verdict);
    text_head(c);
    text_facts(c);
    text_attendees(c);
    text_diagnoses(c);
    text_unexplained(c);
}

int fb_report_diagnose(FILE *out, const struct fb_diagnose_view *v, const struct fb_report_opts *o)
{
    struct ctx c = {.out = out, .v = v, .t = v->t, .m = v->m, .o = o};
    fb_arena_init(&c.a);
    int failed = 0;
    if (o->format == FB_OUT_JSON || o->format == FB_OUT_NDJSON)
        failed = write_json(&c) != 0;
    else
        write_text(&c);
    fb_arena_cleanup(&c.a);
    return fflush(out) != 0 || ferror(out) || failed ? FB_ERR_IO : FB_OK;
}
