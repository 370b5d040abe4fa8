/* report_exchanges.c - the streaming `fbdiag exchanges` listing (report.h): each exchange
 * is written the moment it arrives and nothing is kept, so memory stays flat whatever
 * the capture size. Formats:
 *
 * text (default), one line per exchange, tshark-summary style; columns are separated by
 * at least one space and padded so they align (a field wider than its column pushes the
 * rest right rather than being cut):
 *
 *   #  idx source       version  method  status   resp wire/decoded   time ms url [flags]
 *        0 saz:1        HTTP/1.1 POST       200            512/2048     152.3 https://h/EWS/Exchange.asmx [https]
 *        1 har:7        -        GET          -                   -         - https://h/owa/ [no-response,aborted]
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
 * they reach jansson, which refuses invalid UTF-8. --pseudonymize is not applied here
 * yet (mailbox addresses in URLs and headers are printed as captured).
 */
#include "fbdiag/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fbdiag/arena.h"
#include "fbdiag/redact.h"

struct fb_exchange_writer {
    FILE *out;
    struct fb_report_opts o;
    uint64_t n;                 /* exchanges written */
    struct fb_arena scratch;    /* per exchange; emptied after each one */
    int failed;
};

/* ---- shared helpers -------------------------------------------------------------- */

static struct fb_str or_empty(struct fb_str s) { return s.ptr ? s : fb_str_make("", 0); }

/* Copy of s with every invalid UTF-8 sequence replaced by U+FFFD (RFC 3629 table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF). */
static struct fb_str utf8_valid(struct fb_arena *a, struct fb_str s)
{
    s = or_empty(s);
    char *o = fb_arena_alloc(a, s.len * 3 + 1);
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        unsigned c = p[i];
        size_t need = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80)
            need = 0;
        else if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else
            goto bad;
        if (need && i + need >= s.len)
            goto bad; /* cut short */
        for (size_t k = 1; k <= need; k++) {
            unsigned b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                goto bad;
        }
        memcpy(o + n, p + i, need + 1);
        n += need + 1;
        i += need + 1;
        continue;
    bad:
        memcpy(o + n, "\xEF\xBF\xBD", 3);
        n += 3;
        i++;
    }
    o[n] = '\0';
    return fb_str_make(o, n);
}

/* NUL-terminated copy of s for a text line: control bytes and DEL become \xNN so a
 * hostile trace cannot break the line or drive the terminal. */
static const char *text_safe(struct fb_arena *a, struct fb_str s)
{
    s = or_empty(s);
    char *o = fb_arena_alloc(a, s.len * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(o + n, 5, "\\x%02x", c);
            n += 4;
        } else {
            o[n++] = (char)c;
        }
    }
    o[n] = '\0';
    return o;
}

static enum fb_version version_of(const struct fb_exchange *ex)
{
    if (ex->version != FB_VER_UNKNOWN)
        return ex->version;
    if (ex->resp.version != FB_VER_UNKNOWN)
        return ex->resp.version;
    return ex->req.version;
}

static int has_response(const struct fb_exchange *ex) { return ex->resp.status > 0; }

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
}

/* ISO 8601 UTC with milliseconds into buf (>= 32 bytes); 0 when ts is 0 or out of range. */
static int iso_time(int64_t us, char *buf, size_t size)
{
    if (us == 0)
        return 0;
    int64_t secs = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        secs--;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return 0;
    size_t k = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (k == 0)
        return 0;
    snprintf(buf + k, size - k, ".%03dZ", (int)(rem / 1000));
    return 1;
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
    struct fb_str url = fb_redact_url(a, or_empty(ex->url), w->o.redact);
    struct joiner j = {a, NULL};
    each_flag(a, ex, join_flag, &j);
    const char *tail = j.s ? fb_arena_printf(a, "%s [%s]", text_safe(a, url), j.s)
                           : text_safe(a, url);
    fprintf(w->out, TEXT_FMT, idx, text_safe(a, or_empty(ex->source)), ver ? ver : "-",
            text_safe(a, or_empty(ex->req.method)), st, sizes, dur, tail);
}

/* ---- json ------------------------------------------------------------------------ */

static json_t *jstr(struct fb_arena *a, struct fb_str s)
{
    struct fb_str v = utf8_valid(a, s);
    return json_stringn(v.ptr, v.len);
}

static json_t *jstr_or_null(struct fb_arena *a, struct fb_str s)
{
    return s.ptr && s.len ? jstr(a, s) : json_null();
}

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
        struct fb_str v = fb_redact_header(&w->scratch, or_empty(h->name), or_empty(h->value),
                                           w->o.redact);
        json_t *pair = json_array();
        json_array_append_new(pair, jstr(&w->scratch, h->name));
        json_array_append_new(pair, jstr(&w->scratch, v));
        json_array_append_new(arr, pair);
    }
    return arr;
}

static void push_flag(const char *name, void *u) { json_array_append_new(u, json_string(name)); }

static json_t *exchange_json(struct fb_exchange_writer *w, const char *input_path,
                             const struct fb_exchange *ex)
{
    struct fb_arena *a = &w->scratch;
    int resp = has_response(ex);
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)ex->index));
    json_object_set_new(o, "input", jstr(a, fb_str_cstr(input_path)));
    json_object_set_new(o, "source", jstr(a, ex->source));
    json_object_set_new(o, "method", jstr(a, ex->req.method));
    json_object_set_new(o, "url", jstr(a, fb_redact_url(a, or_empty(ex->url), w->o.redact)));
    json_object_set_new(o, "status", resp ? json_integer(ex->resp.status) : json_null());
    json_object_set_new(o, "reason", resp ? jstr(a, ex->resp.reason) : json_null());
    const char *ver = fb_version_name(version_of(ex));
    json_object_set_new(o, "version", ver ? json_string(ver) : json_null());

    const struct fb_conn *c = &ex->conn;
    int tls_known = c->tls_version.len || c->sni.len || c->alpn.len;
    int https = (ex->flags & FB_EX_HTTPS) || fb_str_istarts(or_empty(ex->url), "https://");
    json_object_set_new(o, "tls",
                        tls_known || https
                            ? json_pack("{s:o,s:o,s:o}", "version",
                                        jstr_or_null(a, c->tls_version), "sni",
                                        jstr_or_null(a, c->sni), "alpn", jstr_or_null(a, c->alpn))
                            : json_null());

    json_object_set_new(o, "sizes",
                        json_pack("{s:o,s:o}", "request", jsizes(&ex->req), "response",
                                  resp ? jsizes(&ex->resp) : json_null()));
    char when[40];
    json_object_set_new(o, "started",
                        iso_time(ex->t.started, when, sizeof when) ? json_string(when)
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
    json_object_set_new(o, "process", jstr_or_null(a, c->process));
    json_object_set_new(o, "client_ip", jstr_or_null(a, c->client_ip));
    json_object_set_new(o, "server_ip", jstr_or_null(a, c->server_ip));
    json_object_set_new(o, "tunnel", ex->tunnel_index >= 0 ? json_integer(ex->tunnel_index)
                                                           : json_null());
    json_object_set_new(o, "websocket_messages", json_integer(ex->ws_messages));
    json_object_set_new(o, "request_headers", jheaders(w, &ex->req));
    json_object_set_new(o, "response_headers", resp ? jheaders(w, &ex->resp) : json_array());
    json_object_set_new(o, "content_type",
                        resp ? jstr_or_null(a, fb_msg_header_value(&ex->resp, "Content-Type"))
                             : json_null());
    return o;
}

#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static void write_json(struct fb_exchange_writer *w, const char *input_path,
                       const struct fb_exchange *ex)
{
    json_t *o = exchange_json(w, input_path, ex);
    if (w->o.format == FB_OUT_JSON)
        fputs(w->n ? ",\n" : "\n", w->out);
    if (json_dumpf(o, w->out, JSON_FLAGS) != 0)
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
        utf8_valid(a, fb_str_cstr(input_path)).ptr,
        utf8_valid(a, ex->source).ptr,
        ver ? ver : "",
        utf8_valid(a, ex->req.method).ptr,
        resp ? fb_arena_printf(a, "%d", ex->resp.status) : "",
        utf8_valid(a, fb_redact_url(a, or_empty(ex->url), w->o.redact)).ptr,
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
    case FB_OUT_JSON:
        fputc('[', out);
        break;
    case FB_OUT_NDJSON:
        break;
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
    case FB_OUT_NDJSON:
        write_json(w, input_path, ex);
        break;
    case FB_OUT_CSV:
        write_csv(w, input_path, ex);
        break;
    case FB_OUT_TEXT:
    default:
        write_text(w, input_path, ex);
        break;
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
