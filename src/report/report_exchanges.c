/* report_exchanges.c - the streaming `fbdiag exchanges` listing (report.h): each exchange
 * is written the moment it arrives and nothing is kept, so memory stays flat whatever
 * the capture size. Formats:
 *
 * text (default), one line per exchange, tshark-summary style; columns are separated by
 * at least one space and padded so they align (a field wider than its column pushes the
 * rest right rather than being cut):
 *
 *  #  idx source       version  method  status   resp wire/decoded   time ms url [flags]
 *       0 saz:1        HTTP/1.1 POST       200            512/2048     152.3 https://h/ [https]
 *       1 har:7        -        GET          -                   -         - https://h/x
 * [no-response]
 *
 *   idx      the exchange's index within its input (from 0)
 *   source   the producer's id ("saz:12", "har:3", "tcp:7", "h2:7/5")
 *   version  HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/3, or "-" when unknown
 *   status   final status, "-" when no response was captured
 *   resp     response body bytes as transferred / after decoding ("-": no response)
 *   time ms  response end minus request start, one decimal ("-": unknown)
 *   url      redacted (redact.h); control bytes in any field are shown as \xNN
 *   [flags]  only when there are any: exchange flags, then "request-<flag>" and
 *            "response-<flag>" message flags (exchange.h names), comma-separated
 *
 * json: a JSON array written object by object ("[", one object per line, "]"); ndjson:
 * the same objects, one per line without the array; csv: RFC 4180 with a header row.
 * The object layout is the contract in docs/schema/exchanges.schema.json.
 *
 * Strings taken from a trace are made valid UTF-8 (invalid bytes become U+FFFD) before
 * they reach jansson, which refuses invalid UTF-8. --pseudonymize is not applied here:
 * the exchanges command rewrites the rendered listing (pseudonym.h, src/cli/main.c).
 */
#include "fbdiag/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/redact.h"
#include "report_common.h"

struct fb_exchange_writer {
    FILE *out;
    struct fb_report_opts o;
    uint64_t n;              /* exchanges written */
    struct fb_arena scratch; /* per exchange; emptied after each one */
    int failed;
};

/* ---- shared helpers -------------------------------------------------------------- */

static enum fb_version version_of(const struct fb_exchange *ex)
{
    if (ex->version != FB_VER_UNKNOWN)
        return ex->version;
    if (ex->resp.version != FB_VER_UNKNOWN)
        return ex->resp.version;
    return ex->req.version;
}

static int has_response(const struct fb_exchange *ex)
{
    return ex->resp.status > 0;
}

/* Duration in microseconds, or -1 when unknown. */
static int64_t duration_us(const struct fb_exchange *ex)
{
    if (ex->t.started == 0 || ex->t.response_done == 0 || ex->t.response_done < ex->t.started)
        return -1;
    return ex->t.response_done - ex->t.started;
}

/* Appends each flag name to a (cb called per name, in the documented order). */
static void each_flag(struct fb_arena *a, const struct fb_exchange *ex,
                      void (*cb)(const char *name, void *u), void *u)
{
    for (unsigned b = 0; b < FB_EX_FLAG_COUNT; b++)
        if (ex->flags & (1u << b))
            cb(fb_ex_flag_name(b), u);
    for (unsigned b = 0; b < FB_MSG_FLAG_COUNT; b++)
        if (ex->req.flags & (1u << b))
            cb(fb_arena_printf(a, "request-%s", fb_msg_flag_name(b)), u);
    for (unsigned b = 0; b < FB_MSG_FLAG_COUNT; b++)
        if (ex->resp.flags & (1u << b))
            cb(fb_arena_printf(a, "response-%s", fb_msg_flag_name(b)), u);
    for (unsigned b = 0; b < FB_TCP_EV_COUNT; b++)
        if (ex->conn.tcp.events & (1u << b))
            cb(fb_arena_printf(a, "tcp-%s", fb_tcp_event_name(b)), u);
}

/* "10.0.0.10:50000 > 192.0.2.10:80" for records from a capture, else NULL. */
static const char *endpoints(struct fb_arena *a, const struct fb_conn *c)
{
    if (!c->client.addr.family)
        return NULL;
    char cl[64], sv[64];
    fb_addr_format(&c->client.addr, cl, sizeof cl);
    fb_addr_format(&c->server.addr, sv, sizeof sv);
    int v6 = c->client.addr.family == 6;
    return fb_arena_printf(a, "%s%s%s:%u > %s%s%s:%u", v6 ? "[" : "", cl, v6 ? "]" : "",
                           c->client_port, v6 ? "[" : "", sv, v6 ? "]" : "", c->server_port);
}

/* What a capture adds to an exchange: endpoints, HTTP/2 stream, TCP times, TLS facts. */
static json_t *capture_json(struct fb_arena *a, const struct fb_exchange *ex)
{
    const struct fb_conn *c = &ex->conn;
    if (!c->client.addr.family)
        return json_null();
    char cl[64], sv[64], when[40];
    fb_addr_format(&c->client.addr, cl, sizeof cl);
    fb_addr_format(&c->server.addr, sv, sizeof sv);
    json_t *o = json_pack("{s:s,s:i,s:s,s:i,s:I}", "client", cl, "client_port", c->client_port,
                          "server", sv, "server_port", c->server_port, "connection",
                          (json_int_t)c->conn_id);
    json_object_set_new(o, "h2_stream", c->h2_stream ? json_integer(c->h2_stream) : json_null());
    json_object_set_new(o, "connected",
                        fb_report_iso_time(c->connected, when, sizeof when) ? json_string(when)
                                                                            : json_null());
    json_t *ev = json_array();
    for (unsigned b = 0; b < FB_TCP_EV_COUNT; b++)
        if (c->tcp.events & (1u << b))
            json_array_append_new(ev, json_string(fb_tcp_event_name(b)));
    json_object_set_new(o, "tcp_events", ev);
    json_object_set_new(o, "gap_bytes", json_integer((json_int_t)c->tcp.gap_bytes));
    json_object_set_new(o, "retransmissions", json_integer(c->tcp.retransmissions));
    if (c->tls.seen) {
        const char *alert = c->tls.alert_desc || c->tls.alert_level
                                ? fb_tls_alert_name(c->tls.alert_desc)
                                : NULL;
        json_t *tls = json_object();
        const char *ver = fb_tls_version_name(c->tls.version);
        const char *off = fb_tls_version_name(c->tls.offered_version);
        json_object_set_new(tls, "version", ver ? json_string(ver) : json_null());
        json_object_set_new(tls, "offered_version", off ? json_string(off) : json_null());
        json_object_set_new(tls, "suite", c->tls.suite ? json_integer(c->tls.suite) : json_null());
        json_object_set_new(tls, "decrypted", json_boolean(c->tls.decrypted));
        json_object_set_new(tls, "no_key_reason", fb_report_jstr_or_null(a, c->tls.no_key_reason));
        json_object_set_new(tls, "alert",
                            c->tls.alert_level ? json_string(alert ? alert : "unknown")
                                               : json_null());
        json_object_set_new(tls, "alert_from",
                            c->tls.alert_level ? json_string(c->tls.alert_from_server ? "server"
                                                                                       : "client")
                                               : json_null());
        json_object_set_new(tls, "certificate_subject",
                            fb_report_jstr_or_null(a, c->tls.cert_subject));
        json_object_set_new(o, "tls", tls);
    } else {
        json_object_set_new(o, "tls", json_null());
    }
    return o;
}

/* ---- text ------------------------------------------------------------------------ */

#define TEXT_FMT "%6s %-12s %-8s %-7s %s %19s %9s %s\n"

struct joiner {
    struct fb_arena *a;
    char *s;
};

static void join_flag(const char *name, void *u)
{
    struct joiner *j = u;
    j->s = j->s ? fb_arena_printf(j->a, "%s,%s", j->s, name) : fb_arena_printf(j->a, "%s", name);
}

static void write_text(struct fb_exchange_writer *w, const char *input_path,
                       const struct fb_exchange *ex)
{
    (void)input_path;
    struct fb_arena *a = &w->scratch;
    const char *ver = fb_version_name(version_of(ex));
    char idx[24], status[16], sizes[48], dur[32];
    snprintf(idx, sizeof idx, "%u", (unsigned)ex->index);
    if (has_response(ex)) {
        snprintf(status, sizeof status, "%6d", ex->resp.status);
        snprintf(sizes, sizeof sizes, "%llu/%llu", (unsigned long long)ex->resp.wire_size,
                 (unsigned long long)ex->resp.decoded_size);
    } else {
        snprintf(status, sizeof status, "%6s", "-");
        snprintf(sizes, sizeof sizes, "-");
    }
    const char *st = status;
    if (w->o.color && (!has_response(ex) || ex->resp.status >= 400))
        st = fb_arena_printf(a, "\033[31m%s\033[0m", status);
    int64_t d = duration_us(ex);
    if (d >= 0)
        snprintf(dur, sizeof dur, "%.1f", (double)d / 1000.0);
    else
        snprintf(dur, sizeof dur, "-");
    struct fb_str url = fb_redact_url(a, fb_report_or_empty(ex->url), w->o.redact);
    struct joiner j = {a, NULL};
    each_flag(a, ex, join_flag, &j);
    const char *tail = j.s ? fb_arena_printf(a, "%s [%s]", fb_report_text_safe(a, url), j.s)
                           : fb_report_text_safe(a, url);
    if ((ex->flags & FB_EX_CONNECTION) && ex->conn.tls.seen) {
        const char *v = fb_tls_version_name(ex->conn.tls.version);
        tail = fb_arena_printf(a, "%s %s sni=%s", tail, v ? v : "TLS",
                               ex->conn.tls.sni.len
                                   ? fb_report_text_safe(a, ex->conn.tls.sni)
                                   : "-");
    }
    const char *ends = endpoints(a, &ex->conn);
    if (ends)
        tail = fb_arena_printf(a, "%s (%s)", tail, ends);
    fprintf(w->out, TEXT_FMT, idx, fb_report_text_safe(a, fb_report_or_empty(ex->source)),
            ver ? ver : "-", fb_report_text_safe(a, fb_report_or_empty(ex->req.method)), st, sizes,
            dur, tail);
}

/* ---- json ------------------------------------------------------------------------ */

static json_t *jsizes(const struct fb_msg *m)
{
    return json_pack("{s:I,s:I}", "wire", (json_int_t)m->wire_size, "decoded",
                     (json_int_t)m->decoded_size);
}

static json_t *jheaders(struct fb_exchange_writer *w, const struct fb_msg *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->n_headers; i++) {
        const struct fb_header *h = &m->headers[i];
        struct fb_str v = fb_redact_header(&w->scratch, fb_report_or_empty(h->name),
                                           fb_report_or_empty(h->value), w->o.redact);
        json_t *pair = json_array();
        json_array_append_new(pair, fb_report_jstr(&w->scratch, h->name));
        json_array_append_new(pair, fb_report_jstr(&w->scratch, v));
        json_array_append_new(arr, pair);
    }
    return arr;
}

static void push_flag(const char *name, void *u)
{
    json_array_append_new(u, json_string(name));
}

static json_t *exchange_json(struct fb_exchange_writer *w, const char *input_path,
                             const struct fb_exchange *ex)
{
    struct fb_arena *a = &w->scratch;
    int resp = has_response(ex);
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)ex->index));
    json_object_set_new(o, "input", fb_report_jstr(a, fb_str_cstr(input_path)));
    json_object_set_new(o, "source", fb_report_jstr(a, ex->source));
    json_object_set_new(o, "method", fb_report_jstr(a, ex->req.method));
    json_object_set_new(
        o, "url", fb_report_jstr(a, fb_redact_url(a, fb_report_or_empty(ex->url), w->o.redact)));
    json_object_set_new(o, "status", resp ? json_integer(ex->resp.status) : json_null());
    json_object_set_new(o, "reason", resp ? fb_report_jstr(a, ex->resp.reason) : json_null());
    const char *ver = fb_version_name(version_of(ex));
    json_object_set_new(o, "version", ver ? json_string(ver) : json_null());

    const struct fb_conn *c = &ex->conn;
    int tls_known = c->tls_version.len || c->sni.len || c->alpn.len;
    int https =
        (ex->flags & FB_EX_HTTPS) || fb_str_istarts(fb_report_or_empty(ex->url), "https://");
    json_object_set_new(o, "tls",
                        tls_known || https ? json_pack("{s:o,s:o,s:o}", "version",
                                                       fb_report_jstr_or_null(a, c->tls_version),
                                                       "sni", fb_report_jstr_or_null(a, c->sni),
                                                       "alpn", fb_report_jstr_or_null(a, c->alpn))
                                           : json_null());

    json_object_set_new(o, "sizes",
                        json_pack("{s:o,s:o}", "request", jsizes(&ex->req), "response",
                                  resp ? jsizes(&ex->resp) : json_null()));
    char when[40];
    json_object_set_new(o, "started",
                        fb_report_iso_time(ex->t.started, when, sizeof when) ? json_string(when)
                                                                             : json_null());
    int64_t d = duration_us(ex);
    json_object_set_new(o, "duration_ms", d >= 0 ? json_real((double)d / 1000.0) : json_null());
    json_t *interim = json_array();
    for (size_t i = 0; i < ex->n_interim; i++)
        json_array_append_new(interim, json_integer(ex->interim[i].status));
    json_object_set_new(o, "interim", interim);
    json_t *flags = json_array();
    each_flag(a, ex, push_flag, flags);
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "process", fb_report_jstr_or_null(a, c->process));
    json_object_set_new(o, "client_ip", fb_report_jstr_or_null(a, c->client_ip));
    json_object_set_new(o, "server_ip", fb_report_jstr_or_null(a, c->server_ip));
    json_object_set_new(o, "capture", capture_json(a, ex));
    json_object_set_new(o, "tunnel",
                        ex->tunnel_index >= 0 ? json_integer(ex->tunnel_index) : json_null());
    json_object_set_new(o, "websocket_messages", json_integer(ex->ws_messages));
    json_object_set_new(o, "request_headers", jheaders(w, &ex->req));
    json_object_set_new(o, "response_headers", resp ? jheaders(w, &ex->resp) : json_array());
    json_object_set_new(
        o, "content_type",
        resp ? fb_report_jstr_or_null(a, fb_msg_header_value(&ex->resp, "Content-Type"))
             : json_null());
    return o;
}

static void write_json(struct fb_exchange_writer *w, const char *input_path,
                       const struct fb_exchange *ex)
{
    json_t *o = exchange_json(w, input_path, ex);
    if (w->o.format == FB_OUT_JSON)
        fputs(w->n ? ",\n" : "\n", w->out);
    if (json_dumpf(o, w->out, FB_REPORT_JSON_FLAGS) != 0)
        w->failed = 1;
    if (w->o.format == FB_OUT_NDJSON)
        fputc('\n', w->out);
    json_decref(o);
}

/* ---- csv ------------------------------------------------------------------------- */

static void csv_field(FILE *out, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputc(last ? '\n' : ',', out);
}

static void write_csv(struct fb_exchange_writer *w, const char *input_path,
                      const struct fb_exchange *ex)
{
    struct fb_arena *a = &w->scratch;
    int resp = has_response(ex);
    const char *ver = fb_version_name(version_of(ex));
    int64_t d = duration_us(ex);
    struct joiner j = {a, NULL};
    each_flag(a, ex, join_flag, &j);
    const char *f[] = {
        fb_arena_printf(a, "%u", (unsigned)ex->index),
        fb_report_utf8(a, fb_str_cstr(input_path)).ptr,
        fb_report_utf8(a, ex->source).ptr,
        ver ? ver : "",
        fb_report_utf8(a, ex->req.method).ptr,
        resp ? fb_arena_printf(a, "%d", ex->resp.status) : "",
        fb_report_utf8(a, fb_redact_url(a, fb_report_or_empty(ex->url), w->o.redact)).ptr,
        resp ? fb_arena_printf(a, "%llu", (unsigned long long)ex->resp.wire_size) : "",
        resp ? fb_arena_printf(a, "%llu", (unsigned long long)ex->resp.decoded_size) : "",
        d >= 0 ? fb_arena_printf(a, "%.3f", (double)d / 1000.0) : "",
        j.s ? j.s : "",
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(f); i++) {
        /* a NUL inside a trace string ends the field: CSV has no way to carry it */
        csv_field(w->out, f[i], i + 1 == FB_ARRAY_LEN(f));
    }
}

/* ---- the writer ------------------------------------------------------------------ */

struct fb_exchange_writer *fb_report_exchanges_begin(FILE *out, const struct fb_report_opts *o)
{
    struct fb_exchange_writer *w = fb_xcalloc(1, sizeof *w);
    w->out = out;
    w->o = *o;
    fb_arena_init(&w->scratch);
    switch (w->o.format) {
    case FB_OUT_JSON: fputc('[', out); break;
    case FB_OUT_NDJSON: break;
    case FB_OUT_CSV:
        fputs("index,input,source,version,method,status,url,response_wire,response_decoded,"
              "duration_ms,flags\n",
              out);
        break;
    case FB_OUT_TEXT:
    default:
        fprintf(out, TEXT_FMT, "#  idx", "source", "version", "method", "status",
                "resp wire/decoded", "time ms", "url [flags]");
        break;
    }
    if (ferror(out))
        w->failed = 1;
    return w;
}

int fb_report_exchanges_add(struct fb_exchange_writer *w, const char *input_path,
                            const struct fb_exchange *ex)
{
    if (!input_path)
        input_path = "-";
    switch (w->o.format) {
    case FB_OUT_JSON:
    case FB_OUT_NDJSON: write_json(w, input_path, ex); break;
    case FB_OUT_CSV: write_csv(w, input_path, ex); break;
    case FB_OUT_TEXT:
    default: write_text(w, input_path, ex); break;
    }
    w->n++;
    fb_arena_cleanup(&w->scratch);
    if (ferror(w->out))
        w->failed = 1;
    return w->failed ? FB_ERR_IO : FB_OK;
}

int fb_report_exchanges_end(struct fb_exchange_writer *w)
{
    if (!w)
        return FB_OK;
    if (w->o.format == FB_OUT_JSON)
        fputs(w->n ? "\n]\n" : "]\n", w->out);
    if (fflush(w->out) != 0 || ferror(w->out))
        w->failed = 1;
    int rc = w->failed ? FB_ERR_IO : FB_OK;
    fb_arena_cleanup(&w->scratch);
    free(w);
    return rc;
}
