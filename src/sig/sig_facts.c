/* sig_facts.c - the facts a rule condition can test, by name (docs/signatures.md is the
 * list for people; this table is the list for the engine). Each lookup returns every
 * value the fact has for one unit (a call with one attendee or one call-level error),
 * or -1 when the trace does not establish it.
 *
 * Names under "attendee." that are not attendee facts are the attendee's error facts
 * ("attendee.response_code" is "error.response_code" of the attendee's finding).
 */
#include "sig_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fbdiag/trace.h"

enum ftype { T_STR, T_INT, T_BOOL, T_TRI };

static int put_str(struct fact_val *out, int n, const char *s)
{
    if (!s || n >= FACT_MAX_VALUES)
        return n;
    out[n].s = s;
    out[n].n = 0;
    out[n].is_num = 0;
    return n + 1;
}

static int put_num(struct fact_val *out, int n, double v, struct fb_arena *scratch)
{
    if (n >= FACT_MAX_VALUES)
        return n;
    out[n].s = fb_arena_printf(scratch, "%.0f", v);
    out[n].n = v;
    out[n].is_num = 1;
    return n + 1;
}

static int one_str(struct fact_val *out, const char *s)
{
    return s ? put_str(out, 0, s) : -1;
}

static int one_bool(struct fact_val *out, int b)
{
    return put_str(out, 0, b ? "true" : "false");
}

static int one_tri(struct fact_val *out, enum fb_tri v)
{
    return v == FB_TRI_UNKNOWN ? -1 : put_str(out, 0, fb_tri_name(v));
}

/* ---- call facts ---- */

static int call_fact(const struct unit *u, const char *name, struct fact_val *out,
                     struct fb_arena *scratch)
{
    const struct fb_call *c = u->call;
    const struct fb_http_facts *h = &c->http;
    static const struct {
        const char *name;
        size_t off;
    } strs[] = {
        {"www_authenticate", offsetof(struct fb_http_facts, www_authenticate)},
        {"x_ms_diagnostics", offsetof(struct fb_http_facts, x_ms_diagnostics)},
        {"x_owa_error", offsetof(struct fb_http_facts, x_owa_error)},
        {"x_backend_status", offsetof(struct fb_http_facts, x_backend_status)},
        {"request_id", offsetof(struct fb_http_facts, request_id)},
        {"x_feserver", offsetof(struct fb_http_facts, x_feserver)},
        {"x_beserver", offsetof(struct fb_http_facts, x_beserver)},
        {"server", offsetof(struct fb_http_facts, server)},
        {"server_version", offsetof(struct fb_http_facts, server_version)},
        {"user_agent", offsetof(struct fb_http_facts, user_agent)},
        {"process", offsetof(struct fb_http_facts, process)},
        {"host", offsetof(struct fb_http_facts, host)},
        {"auth_scheme", offsetof(struct fb_http_facts, auth_scheme)},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(strs); i++)
        if (strcmp(name, strs[i].name) == 0)
            return one_str(out, *(const char *const *)((const char *)h + strs[i].off));
    if (strcmp(name, "kind") == 0)
        return one_str(out, fb_call_kind_name(c->kind));
    if (strcmp(name, "operation") == 0)
        return one_str(out, c->operation);
    if (strcmp(name, "method") == 0)
        return one_str(out, c->method);
    if (strcmp(name, "url") == 0)
        return one_str(out, c->url);
    if (strcmp(name, "status") == 0)
        return h->status ? put_num(out, 0, h->status, scratch) : -1;
    if (strcmp(name, "elapsed_ms") == 0)
        return c->elapsed_us >= 0 ? put_num(out, 0, (double)(c->elapsed_us / 1000), scratch) : -1;
    if (strcmp(name, "federated") == 0)
        return one_bool(out, (c->flags & FB_CALL_F_FEDERATED) != 0);
    if (strcmp(name, "superseded") == 0)
        return one_bool(out, u->cf && u->cf->superseded);
    return -2;
}

/* ---- error facts ---- */

static int chain_fact(const struct fb_finding *f, const char *name, struct fact_val *out,
                      struct fb_arena *scratch)
{
    int n = 0, known = 1;
    /* MessageXml ExceptionType is the outermost exception's type: one of the chain's */
    if (strcmp(name, "type") == 0)
        n = put_str(out, n, f->exception_type);
    for (size_t i = 0; i < f->chain.n_links; i++) {
        const struct fb_exc_link *l = &f->chain.links[i];
        if (strcmp(name, "type") == 0)
            n = put_str(out, n, l->type);
        else if (strcmp(name, "message") == 0)
            n = put_str(out, n, l->message);
        else if (strcmp(name, "web_status") == 0)
            n = put_str(out, n, l->web_status);
        else if (strcmp(name, "server") == 0)
            n = put_str(out, n, l->server);
        else if (strcmp(name, "lid") == 0)
            n = put_str(out, n, l->lid);
        else if (strcmp(name, "socket_error") == 0) {
            if (l->socket_error)
                n = put_num(out, n, l->socket_error, scratch);
        } else if (strcmp(name, "http_status") == 0) {
            if (l->http_status)
                n = put_num(out, n, l->http_status, scratch);
        } else
            known = 0;
    }
    if (!known)
        return -2;
    return n > 0 ? n : -1;
}

static int error_fact(const struct fb_finding *f, const char *name, struct fact_val *out,
                      struct fb_arena *scratch)
{
    static const struct {
        const char *name;
        size_t off;
    } strs[] = {
        {"response_class", offsetof(struct fb_finding, response_class)},
        {"response_code", offsetof(struct fb_finding, response_code)},
        {"message", offsetof(struct fb_finding, message_text)},
        {"descriptive_link_key", offsetof(struct fb_finding, descriptive_link_key)},
        {"exception_type", offsetof(struct fb_finding, exception_type)},
        {"exception_code", offsetof(struct fb_finding, exception_code)},
        {"exception_server", offsetof(struct fb_finding, exception_server)},
        {"exception_message", offsetof(struct fb_finding, exception_message)},
        {"response_source", offsetof(struct fb_finding, response_source)},
        {"fault_code", offsetof(struct fb_finding, fault_code)},
        {"fault_string", offsetof(struct fb_finding, fault_string)},
        {"wstrust.code", offsetof(struct fb_finding, wstrust_code)},
        {"wstrust.subcode", offsetof(struct fb_finding, wstrust_subcode)},
        {"wstrust.reason", offsetof(struct fb_finding, wstrust_reason)},
        {"psf.value", offsetof(struct fb_finding, psf_value)},
        {"psf.code", offsetof(struct fb_finding, psf_code)},
        {"psf.text", offsetof(struct fb_finding, psf_text)},
        {"diagnostics.code", offsetof(struct fb_finding, diag_code)},
        {"diagnostics.reason", offsetof(struct fb_finding, diag_reason)},
        {"diagnostics.category", offsetof(struct fb_finding, diag_category)},
        {"leg", offsetof(struct fb_finding, leg)},
    };
    if (!f)
        return -1;
    for (size_t i = 0; i < FB_ARRAY_LEN(strs); i++)
        if (strcmp(name, strs[i].name) == 0)
            return one_str(out, *(const char *const *)((const char *)f + strs[i].off));
    if (strcmp(name, "layer") == 0)
        return one_str(out, fb_layer_name(f->layer));
    if (strcmp(name, "fragment_by_local_name") == 0)
        return one_bool(out, f->fragment_by_local_name);
    if (strcmp(name, "text") == 0) {
        /* every text the error carries: message, fault string and each link's message */
        int n = put_str(out, 0, f->message_text);
        n = put_str(out, n, f->fault_string);
        n = put_str(out, n, f->exception_message);
        /* a WS-Trust fault read from its own body (an Exchange server's trace) has no
         * message text around it: its subcode, reason and psf text are its text */
        n = put_str(out, n, f->wstrust_subcode);
        n = put_str(out, n, f->wstrust_reason);
        n = put_str(out, n, f->psf_text);
        for (size_t i = 0; i < f->chain.n_links; i++)
            n = put_str(out, n, f->chain.links[i].message);
        return n > 0 ? n : -1;
    }
    if (strcmp(name, "url") == 0) {
        int n = 0;
        for (size_t i = 0; i < f->n_urls; i++)
            n = put_str(out, n, f->urls[i]);
        n = put_str(out, n, f->response_source);
        return n > 0 ? n : -1;
    }
    if (strncmp(name, "value.", 6) == 0) {
        for (size_t i = 0; i < f->n_values; i++)
            if (f->values[i].name && fb_str_ieq_cstr(fb_str_cstr(f->values[i].name), name + 6))
                return one_str(out, f->values[i].value);
        return -1;
    }
    if (strncmp(name, "exception.", 10) == 0)
        return chain_fact(f, name + 10, out, scratch);
    return -2;
}

/* ---- attendee facts ---- */

static int attendee_fact(const struct unit *u, const char *name, struct fact_val *out,
                         struct fb_arena *scratch)
{
    const struct fb_attendee *a = u->att;
    const struct fb_attendee_facts *af = u->af;
    if (!a) { /* a call-level error unit: attendee facts are not established */
        if (strcmp(name, "mailbox") == 0 || strcmp(name, "result") == 0)
            return -1;
        return error_fact(u->err, name, out, scratch);
    }
    if (strcmp(name, "mailbox") == 0)
        return one_str(out, a->mailbox);
    if (strcmp(name, "result") == 0)
        return one_str(out, fb_result_name(a->result));
    if (strcmp(name, "view_type") == 0)
        return one_str(out, a->view_type);
    if (strcmp(name, "requested_view") == 0)
        return one_str(out, a->requested_view);
    if (!af)
        return error_fact(a->finding, name, out, scratch);
    if (strcmp(name, "domain") == 0)
        return one_str(out, af->domain);
    if (strcmp(name, "route") == 0)
        return one_str(out, af->route);
    if (strcmp(name, "route_kind") == 0)
        return one_str(out, af->route_kind);
    if (strcmp(name, "direction") == 0)
        return af->direction == FB_DIR_UNKNOWN ? -1
                                               : one_str(out, fb_direction_name(af->direction));
    if (strcmp(name, "auth_path") == 0)
        return af->auth_path == FB_AUTH_UNKNOWN ? -1
                                                : one_str(out, fb_auth_path_name(af->auth_path));
    if (strcmp(name, "route_peers_ok") == 0)
        return one_tri(out, af->route_peers_ok);
    if (strcmp(name, "fails_in_every_call") == 0)
        return one_tri(out, af->fails_in_every_call);
    if (strcmp(name, "domain_peers_ok") == 0)
        return one_tri(out, af->domain_peers_ok);
    if (strcmp(name, "domain_fails_in_every_call") == 0)
        return one_tri(out, af->domain_fails_in_every_call);
    if (strcmp(name, "same_domain_as_requester") == 0)
        return one_tri(out, af->same_domain_as_requester);
    if (strcmp(name, "calls_seen") == 0)
        return put_num(out, 0, af->calls_seen, scratch);
    if (strcmp(name, "calls_failed") == 0)
        return put_num(out, 0, af->calls_failed, scratch);
    return error_fact(a->finding, name, out, scratch);
}

/* ---- trace facts ---- */

static int trace_fact(const struct unit *u, const char *name, struct fact_val *out,
                      struct fb_arena *scratch)
{
    const struct fb_facts *fx = u->t->facts;
    if (!fx)
        return -1;
    if (strcmp(name, "vantage") == 0)
        return one_str(out, fb_vantage_name(fx->vantage));
    if (strcmp(name, "app") == 0)
        return fx->app == FB_APP_UNKNOWN ? -1 : one_str(out, fb_app_name(fx->app));
    if (strcmp(name, "requester") == 0)
        return one_str(out, fx->requester);
    if (strcmp(name, "requester_in_cloud") == 0)
        return one_tri(out, (enum fb_tri)fx->requester_in_cloud);
    if (strcmp(name, "inputs") == 0)
        return put_num(out, 0, (double)u->t->n_inputs, scratch);
    if (strcmp(name, "direction") == 0 || strcmp(name, "auth_path") == 0) {
        int dir = name[0] == 'd';
        unsigned bits = dir ? fx->directions : fx->auth_paths;
        int n = 0;
        for (unsigned i = 1; i < (dir ? FB_DIR_COUNT : FB_AUTH_COUNT); i++)
            if (bits & (1u << i))
                n = put_str(out, n,
                            dir ? fb_direction_name((enum fb_direction)i)
                                : fb_auth_path_name((enum fb_auth_path)i));
        return n > 0 ? n : -1;
    }
    return -2;
}

static int log_fact(const struct unit *u, const char *name, struct fact_val *out)
{
    if (strcmp(name, "line") != 0)
        return -2;
    if (!u->logs || u->logs->n == 0)
        return -1;
    /* lines are tested one by one by the matcher (sig_match.c); here: presence */
    return put_str(out, 0, u->logs->lines[0]);
}

int sig_fact_get(const struct unit *u, const char *path, struct fact_val *out,
                 struct fb_arena *scratch)
{
    int r = -2;
    if (strncmp(path, "trace.", 6) == 0)
        r = trace_fact(u, path + 6, out, scratch);
    else if (strncmp(path, "log.", 4) == 0)
        r = log_fact(u, path + 4, out);
    else if (!u->call)
        r = -1; /* trace-wide unit: no call, attendee or error */
    else if (strncmp(path, "call.", 5) == 0)
        r = call_fact(u, path + 5, out, scratch);
    else if (strncmp(path, "error.", 6) == 0)
        r = error_fact(u->err, path + 6, out, scratch);
    else if (strncmp(path, "attendee.", 9) == 0)
        r = attendee_fact(u, path + 9, out, scratch);
    return r < 0 ? -1 : r;
}

/* ---- the names a rule may use ---- */

static const char *const unit_fact_names[] = {
    /* call */
    "call.kind", "call.operation", "call.method", "call.url", "call.status", "call.elapsed_ms",
    "call.federated", "call.superseded", "call.www_authenticate", "call.x_ms_diagnostics",
    "call.x_owa_error", "call.x_backend_status", "call.request_id", "call.x_feserver",
    "call.x_beserver", "call.server", "call.server_version", "call.user_agent", "call.process",
    "call.host", "call.auth_scheme",
    /* attendee-only */
    "attendee.mailbox", "attendee.result", "attendee.view_type", "attendee.requested_view",
    "attendee.domain", "attendee.route", "attendee.route_kind", "attendee.direction",
    "attendee.auth_path", "attendee.route_peers_ok", "attendee.fails_in_every_call",
    "attendee.domain_peers_ok", "attendee.domain_fails_in_every_call",
    "attendee.same_domain_as_requester", "attendee.calls_seen", "attendee.calls_failed"};

static const char *const error_fact_names[] = {"layer",
                                               "response_class",
                                               "response_code",
                                               "message",
                                               "text",
                                               "descriptive_link_key",
                                               "exception_type",
                                               "exception_code",
                                               "exception_server",
                                               "exception_message",
                                               "response_source",
                                               "fault_code",
                                               "fault_string",
                                               "wstrust.code",
                                               "wstrust.subcode",
                                               "wstrust.reason",
                                               "psf.value",
                                               "psf.code",
                                               "psf.text",
                                               "fragment_by_local_name",
                                               "diagnostics.code",
                                               "diagnostics.reason",
                                               "diagnostics.category",
                                               "leg",
                                               "url",
                                               "exception.type",
                                               "exception.message",
                                               "exception.web_status",
                                               "exception.socket_error",
                                               "exception.http_status",
                                               "exception.server",
                                               "exception.lid"};

static const char *const trace_fact_names[] = {
    "trace.vantage", "trace.app",       "trace.requester", "trace.requester_in_cloud",
    "trace.inputs",  "trace.direction", "trace.auth_path"};

int sig_fact_known(const char *path, enum fact_scope *scope)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(trace_fact_names); i++)
        if (strcmp(path, trace_fact_names[i]) == 0) {
            *scope = SCOPE_TRACE;
            return 1;
        }
    if (strcmp(path, "log.line") == 0) {
        *scope = SCOPE_LOG;
        return 1;
    }
    *scope = SCOPE_UNIT;
    for (size_t i = 0; i < FB_ARRAY_LEN(unit_fact_names); i++)
        if (strcmp(path, unit_fact_names[i]) == 0)
            return 1;
    const char *rest = NULL;
    if (strncmp(path, "error.", 6) == 0)
        rest = path + 6;
    else if (strncmp(path, "attendee.", 9) == 0)
        rest = path + 9;
    if (!rest)
        return 0;
    if (strncmp(rest, "value.", 6) == 0 && rest[6])
        return 1;
    for (size_t i = 0; i < FB_ARRAY_LEN(error_fact_names); i++)
        if (strcmp(rest, error_fact_names[i]) == 0)
            return 1;
    return 0;
}

const char *sig_fact_name_at(size_t i, struct fb_arena *a)
{
    size_t n_unit = FB_ARRAY_LEN(unit_fact_names), n_err = FB_ARRAY_LEN(error_fact_names),
           n_trace = FB_ARRAY_LEN(trace_fact_names);
    if (i < n_unit)
        return unit_fact_names[i];
    i -= n_unit;
    if (i < n_err)
        return fb_arena_printf(a, "error.%s", error_fact_names[i]);
    i -= n_err;
    if (i < n_trace)
        return trace_fact_names[i];
    return i == n_trace ? "log.line" : NULL;
}
