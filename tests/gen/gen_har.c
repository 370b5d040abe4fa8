/* gen_har.c - the HAR 1.2 writer of the test generator: turns a scenario (tests/gen/
 * README.md for exchanges, README-har.md for the "har" keys) into the HAR file a given
 * producer would write: Chrome, Edge, Firefox, Safari, Fiddler, Charles, Insomnia or
 * mitmproxy style (creator/browser blocks, pages, `_` custom fields, httpVersion
 * spellings, startedDateTime forms, timings), plus the damage real files show: entries
 * without responses, status 0, dropped keys, sanitized headers, bodies left out, a BOM,
 * gzip wrapping and hostile JSON (\u0000, lone surrogates, raw invalid UTF-8).
 *
 * Bytes: jansson builds and dumps the document; injections, BOM and gzip are applied to
 * the dumped bytes afterwards, so the file is exactly what the test asks for.
 * Self-contained on purpose (jansson, zlib, OpenSSL base64): it shares no helper with the
 * SAZ writer. Producer details marked "unverified" in README-har.md are plausible, not
 * copied from a real export.
 */
#include "gen_har.h"

#include "fbdiag/util.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "gen.h"
#include "gen_internal.h"

#define INJECT_MARKER "FBGEN-HAR-INJECT-MARKER"

enum time_style { TIME_MS_Z, TIME_MS_OFFSET, TIME_7_OFFSET, TIME_US_OFFSET };

struct producer {
    const char *name;
    const char *creator, *creator_version, *creator_comment; /* comment NULL: no key */
    int browser;                                             /* a log.browser block */
    int pages;                               /* 0 no key, 1 one page, 2 an empty array */
    const char *v10, *v11, *v2, *v3, *vnone; /* httpVersion spellings */
    enum time_style time;
    int tz_minutes;  /* offset written for the OFFSET styles */
    int int_timings; /* whole milliseconds */
    int indent;      /* JSON_INDENT; 0 compact */
    enum { X_NONE, X_CHROME, X_FIREFOX, X_CHARLES, X_MITM, X_FIDDLER, X_INSOMNIA } extra;
};

static const struct producer producers[] = {
    {"chrome", "WebInspector", "537.36", NULL, 0, 1, "http/1.0", "http/1.1", "http/2.0", "h3", "",
     TIME_MS_Z, 0, 0, 2, X_CHROME},
    {"edge", "WebInspector", "537.36", NULL, 0, 1, "HTTP/1.0", "HTTP/1.1", "h2", "h3", "",
     TIME_MS_Z, 0, 0, 2, X_CHROME},
    {"firefox", "Firefox", "111.0.1", NULL, 1, 1, "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3", "",
     TIME_MS_OFFSET, -420, 1, 2, X_FIREFOX},
    {"safari", "WebKit Web Inspector", "1.0", NULL, 0, 1, "HTTP/1.0", "HTTP/1.1", "h2", "h3", "",
     TIME_MS_Z, 0, 0, 2, X_NONE},
    {"fiddler", "Fiddler", "5.0.20211.51073", "http://www.telerik.com/fiddler", 0, 0, "HTTP/1.0",
     "HTTP/1.1", "HTTP/2", "HTTP/3", "HTTP/1.1", TIME_7_OFFSET, 60, 1, 0, X_FIDDLER},
    {"charles", "Charles Proxy", "4.6.3", NULL, 0, 0, "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3",
     "", TIME_MS_OFFSET, -420, 1, 4, X_CHARLES},
    {"insomnia", "Insomnia REST Client", "insomnia.desktop.app:v2023.5.8", NULL, 0, 0, "HTTP/1.0",
     "HTTP/1.1", "HTTP/2", "HTTP/3", "", TIME_MS_Z, 0, 0, 0, X_INSOMNIA},
    {"mitmproxy", "mitmproxy", "10.0.0", "", 0, 2, "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3", "",
     TIME_US_OFFSET, 0, 0, 4, X_MITM},
};

struct bytes {
    unsigned char *p;
    size_t n;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fbgen har: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static const char *sget(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int bget(const json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

/* ---- bytes helpers ------------------------------------------------------------ */

static int b64_decode(const char *s, struct bytes *out)
{
    size_t n = strlen(s);
    if (n % 4)
        return -1;
    out->p = malloc(n / 4 * 3 + 1);
    if (!out->p)
        abort();
    int r = n ? EVP_DecodeBlock(out->p, (const unsigned char *)s, (int)n) : 0;
    if (r < 0) {
        free(out->p);
        return -1;
    }
    size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
    out->n = (size_t)r - pad;
    return 0;
}

static char *b64_encode(const unsigned char *p, size_t n)
{
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    if (!o)
        abort();
    EVP_EncodeBlock((unsigned char *)o, p, (int)n);
    return o;
}

static int utf8_ok(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf;
        if (b < 0x80) {
            i++;
            continue;
        } else if (b >= 0xc2 && b <= 0xdf)
            need = 2;
        else if (b >= 0xe0 && b <= 0xef) {
            need = 3;
            lo = b == 0xe0 ? 0xa0 : 0x80;
            hi = b == 0xed ? 0x9f : 0xbf;
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 4;
            lo = b == 0xf0 ? 0x90 : 0x80;
            hi = b == 0xf4 ? 0x8f : 0xbf;
        } else
            return 0;
        if (i + need > n || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < need; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return 0;
        i += need;
    }
    return 1;
}

/* A message's body: "body" (text) or "body_base64"; empty when neither. Owned copy. */
static int get_body(const json_t *msg, struct bytes *out)
{
    const json_t *t = json_object_get(msg, "body");
    const char *b64 = sget(msg, "body_base64");
    out->p = NULL;
    out->n = 0;
    if (json_is_string(t)) {
        out->n = json_string_length(t);
        out->p = malloc(out->n + 1);
        if (!out->p)
            abort();
        memcpy(out->p, json_string_value(t), out->n);
        return 0;
    }
    if (b64)
        return b64_decode(b64, out);
    return 0;
}

/* ---- times -------------------------------------------------------------------- */

static void format_started(int64_t us, const struct producer *pr, char *out, size_t cap)
{
    int off = pr->time == TIME_MS_Z ? 0 : pr->tz_minutes;
    char base[32], zone[32];
    int64_t frac;
    fb_gen_format_time(us, off, base, sizeof base, &frac);
    fb_gen_format_offset(off, zone, sizeof zone);
    switch (pr->time) {
    case TIME_MS_Z: snprintf(out, cap, "%s.%03dZ", base, (int)(frac / 1000)); break;
    case TIME_MS_OFFSET: snprintf(out, cap, "%s.%03d%s", base, (int)(frac / 1000), zone); break;
    case TIME_7_OFFSET: snprintf(out, cap, "%s.%06d0%s", base, (int)frac, zone); break;
    case TIME_US_OFFSET: snprintf(out, cap, "%s.%06d%s", base, (int)frac, zone); break;
    }
}

/* ---- pieces of an entry ------------------------------------------------------- */

static int is_sensitive(const char *name)
{
    return strcasecmp(name, "Cookie") == 0 || strcasecmp(name, "Set-Cookie") == 0 ||
           strcasecmp(name, "Authorization") == 0;
}

static const char *find_header(const json_t *msg, const char *name)
{
    const json_t *hs = json_object_get(msg, "headers");
    for (size_t i = 0; i < json_array_size(hs); i++) {
        const json_t *h = json_array_get(hs, i);
        const char *n = json_string_value(json_array_get(h, 0));
        if (n && strcasecmp(n, name) == 0)
            return json_string_value(json_array_get(h, 1));
    }
    return NULL;
}

static json_t *headers_json(const json_t *msg, int sanitized, const char *add_ce)
{
    json_t *arr = json_array();
    const json_t *hs = json_object_get(msg, "headers");
    for (size_t i = 0; i < json_array_size(hs); i++) {
        const json_t *h = json_array_get(hs, i);
        const char *n = json_string_value(json_array_get(h, 0));
        const char *v = json_string_value(json_array_get(h, 1));
        if (!n || !v || (sanitized && is_sensitive(n)))
            continue;
        json_array_append_new(arr, json_pack("{s:s,s:s}", "name", n, "value", v));
    }
    if (add_ce)
        json_array_append_new(arr,
                              json_pack("{s:s,s:s}", "name", "Content-Encoding", "value", add_ce));
    return arr;
}

static const char *version_str(const struct producer *pr, const char *v)
{
    if (!v || !*v)
        return pr->vnone;
    if (strcasecmp(v, "HTTP/1.0") == 0)
        return pr->v10;
    if (strcasecmp(v, "HTTP/2") == 0 || strcasecmp(v, "HTTP/2.0") == 0)
        return pr->v2;
    if (strcasecmp(v, "HTTP/3") == 0)
        return pr->v3;
    return pr->v11;
}

static int hexv(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decodes s[0..n) ('+' is space) into a fresh json string. */
static json_t *form_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    if (!o)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+')
            o[k++] = ' ';
        else if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
            o[k++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
            i += 2;
        } else
            o[k++] = s[i];
    }
    json_t *j = json_stringn(o, k);
    free(o);
    return j;
}

/* name=value pairs of "a=1&b=2" (query strings and form bodies). */
static json_t *pairs_json(const char *s, size_t n)
{
    json_t *arr = json_array();
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        size_t eq = i;
        while (eq < j && s[eq] != '=')
            eq++;
        if (j > i) {
            json_t *p = json_object();
            json_object_set_new(p, "name", form_decode(s + i, eq - i));
            json_object_set_new(p, "value",
                                eq < j ? form_decode(s + eq + 1, j - eq - 1) : json_string(""));
            json_array_append_new(arr, p);
        }
        i = j + 1;
    }
    return arr;
}

static json_t *query_json(const char *url)
{
    const char *q = strchr(url, '?');
    if (!q)
        return json_array();
    const char *end = strchr(q, '#');
    return pairs_json(q + 1, end ? (size_t)(end - q - 1) : strlen(q + 1));
}

/* content.text/encoding for a body: text when it is UTF-8 and not forced to base64. */
static void set_text(json_t *obj, const struct bytes *b, int force_b64)
{
    if (force_b64 || !utf8_ok(b->p, b->n)) {
        char *e = b64_encode(b->p, b->n);
        json_object_set_new(obj, "text", json_string(e));
        json_object_set_new(obj, "encoding", json_string("base64"));
        free(e);
    } else
        json_object_set_new(obj, "text", json_stringn((const char *)b->p, b->n));
}

static json_t *timing_num(const struct producer *pr, double v)
{
    if (pr->int_timings || v == (double)(long long)v)
        return json_integer((json_int_t)(v < 0 ? v - 0.5 : v + 0.5));
    return json_real(v);
}

/* timings + time: from "har_timings" when given, else all the duration in wait. */
static void add_timings(json_t *entry, const json_t *ex, const struct producer *pr)
{
    static const char *const keys[] = {"blocked", "dns",  "connect", "ssl",
                                       "send",    "wait", "receive"};
    double v[7] = {-1, -1, -1, -1, 0, 0, 0};
    const json_t *dur = json_object_get(ex, "duration_ms");
    if (json_is_number(dur))
        v[5] = json_number_value(dur);
    const json_t *ov = json_object_get(ex, "har_timings");
    for (size_t i = 0; i < 7; i++)
        if (json_is_number(json_object_get(ov, keys[i])))
            v[i] = json_number_value(json_object_get(ov, keys[i]));
    if (pr->int_timings)
        for (size_t i = 0; i < 7; i++)
            v[i] = (double)(long long)(v[i] < 0 ? v[i] - 0.5 : v[i] + 0.5);
    double total = 0;
    for (size_t i = 0; i < 7; i++)
        if (i != 3 && v[i] > 0)
            total += v[i];
    json_object_set_new(entry, "time", timing_num(pr, total));
    json_t *t = json_object();
    for (size_t i = 0; i < 7; i++)
        json_object_set_new(t, keys[i], timing_num(pr, v[i]));
    if (pr->extra == X_CHROME)
        json_object_set_new(t, "_blocked_queueing", json_integer(-1));
    json_object_set_new(entry, "timings", t);
}

static json_t *request_json(const json_t *ex, const struct producer *pr, const json_t *har,
                            int *err)
{
    const char *method = sget(ex, "method"), *url = sget(ex, "url");
    if (!method || !url) {
        *err = fail("exchange without %s", "method or url");
        return NULL;
    }
    int sanitized = bget(har, "sanitized");
    json_t *r = json_object();
    json_object_set_new(r, "method", json_string(method));
    json_object_set_new(r, "url", json_string(url));
    const char *hv = sget(ex, "har_http_version");
    json_object_set_new(r, "httpVersion",
                        json_string(hv ? hv : version_str(pr, sget(ex, "version"))));
    json_object_set_new(r, "headers", headers_json(ex, sanitized, NULL));
    json_object_set_new(r, "queryString", query_json(url));
    json_object_set_new(r, "cookies", json_array());
    json_object_set_new(r, "headersSize", json_integer(-1));
    struct bytes b;
    if (get_body(ex, &b)) {
        *err = fail("bad body_base64 in request of %s", url);
        json_decref(r);
        return NULL;
    }
    json_object_set_new(r, "bodySize", json_integer((json_int_t)b.n));
    if (b.n) {
        json_t *pd = json_object();
        const char *ct = find_header(ex, "Content-Type");
        json_object_set_new(pd, "mimeType", json_string(ct ? ct : ""));
        const char *mode = sget(ex, "har_post");
        if (mode && strcmp(mode, "params") == 0) {
            json_object_set_new(pd, "params", pairs_json((const char *)b.p, b.n));
            if (pr->extra == X_MITM) /* mitmproxy writes both */
                set_text(pd, &b, 0);
        } else
            set_text(pd, &b, 0);
        json_object_set_new(r, "postData", pd);
    }
    free(b.p);
    return r;
}

/* The response, or NULL when the entry has none (missing key). */
static json_t *response_json(const json_t *ex, size_t idx, const struct producer *pr,
                             const json_t *har, int *err)
{
    const json_t *resp = json_object_get(ex, "response");
    const char *mode = sget(ex, "har_response");
    if (mode && strcmp(mode, "missing") == 0)
        return NULL;
    if (mode && strcmp(mode, "empty") == 0)
        return json_object();
    json_t *r = json_object();
    if (!json_is_object(resp) || bget(ex, "har_status0")) {
        /* what browsers write for a request that never got an answer */
        json_object_set_new(r, "status", json_integer(0));
        json_object_set_new(r, "statusText", json_string(""));
        json_object_set_new(r, "httpVersion", json_string(""));
        json_object_set_new(r, "headers", json_array());
        json_object_set_new(r, "cookies", json_array());
        json_object_set_new(r, "content",
                            json_pack("{s:i,s:s}", "size", 0, "mimeType", "x-unknown"));
        json_object_set_new(r, "redirectURL", json_string(""));
        json_object_set_new(r, "headersSize", json_integer(-1));
        json_object_set_new(r, "bodySize", json_integer(-1));
        if (pr->extra == X_CHROME) {
            json_object_set_new(r, "_transferSize", json_integer(0));
            json_object_set_new(r, "_error", json_string("net::ERR_ABORTED"));
        } else if (pr->extra == X_MITM)
            json_object_set_new(r, "_error", json_string("Connection killed."));
        return r;
    }
    const json_t *st = json_object_get(resp, "status");
    json_object_set_new(r, "status",
                        json_integer(json_is_integer(st) ? json_integer_value(st) : 200));
    const char *reason = sget(resp, "reason");
    json_object_set_new(r, "statusText", json_string(reason ? reason : ""));
    const char *hv = sget(ex, "har_http_version");
    const char *rv = sget(resp, "version");
    json_object_set_new(r, "httpVersion",
                        json_string(hv ? hv : version_str(pr, rv ? rv : sget(ex, "version"))));
    const char *ce = sget(resp, "content_encoding");
    const char *add_ce = ce && !find_header(resp, "Content-Encoding") ? ce : NULL;
    json_object_set_new(r, "headers", headers_json(resp, bget(har, "sanitized"), add_ce));
    json_object_set_new(r, "cookies", json_array());
    struct bytes b;
    if (get_body(resp, &b)) {
        json_decref(r);
        *err = fail("bad body_base64 in response of %s", sget(ex, "url"));
        return NULL;
    }
    json_t *content = json_object();
    json_object_set_new(content, "size", json_integer((json_int_t)b.n));
    const char *ct = find_header(resp, "Content-Type");
    json_object_set_new(content, "mimeType", json_string(ct ? ct : "x-unknown"));
    if (pr->extra == X_MITM || pr->extra == X_FIDDLER)
        json_object_set_new(content, "compression", json_integer(0));
    if (!bget(har, "no_bodies") && (b.n || pr->extra != X_FIREFOX)) {
        set_text(content, &b, bget(ex, "har_base64"));
        const json_t *inj = json_object_get(har, "inject_at");
        size_t at = json_is_integer(inj) ? (size_t)json_integer_value(inj) : 0;
        if (sget(har, "inject") && idx == at) {
            if (json_object_get(content, "encoding")) {
                *err = fail("inject needs a plain text body (exchange %s)", sget(ex, "url"));
            } else {
                size_t n = json_string_length(json_object_get(content, "text"));
                char *t = malloc(n + sizeof INJECT_MARKER);
                if (!t)
                    abort();
                memcpy(t, json_string_value(json_object_get(content, "text")), n);
                memcpy(t + n, INJECT_MARKER, sizeof INJECT_MARKER);
                json_object_set_new(content, "text", json_stringn(t, n + sizeof INJECT_MARKER - 1));
                free(t);
            }
        }
    } else if (bget(har, "no_bodies") && pr->extra == X_FIREFOX)
        json_object_set_new(content, "comment", json_string("Response bodies are not included."));
    json_object_set_new(r, "content", content);
    const char *loc = find_header(resp, "Location");
    json_object_set_new(r, "redirectURL", json_string(loc ? loc : ""));
    json_object_set_new(r, "headersSize", json_integer(-1));
    const json_t *bs = json_object_get(ex, "har_body_size");
    json_int_t body_size = json_is_integer(bs) ? json_integer_value(bs) : ce ? -1 : (json_int_t)b.n;
    json_object_set_new(r, "bodySize", json_integer(body_size));
    if (pr->extra == X_CHROME) {
        json_object_set_new(r, "_transferSize", json_integer(body_size < 0 ? -1 : body_size + 180));
        json_object_set_new(r, "_error", json_null());
    } else if (pr->extra == X_CHARLES)
        json_object_set_new(r, "_charlesStatus", json_string("COMPLETE"));
    free(b.p);
    return r;
}

static void drop_keys(json_t *obj, const json_t *keys)
{
    for (size_t i = 0; i < json_array_size(keys); i++)
        json_object_del(obj, json_string_value(json_array_get(keys, i)));
}

static json_t *entry_json(const json_t *ex, size_t i, const struct producer *pr, const json_t *har,
                          int *err)
{
    json_t *e = json_object();
    int64_t us = 0;
    const char *started = sget(ex, "started");
    if (started && fb_gen_parse_time(started, &us)) {
        *err = fail("started '%s' is not YYYY-MM-DDTHH:MM:SS[.fff]Z", started);
        json_decref(e);
        return NULL;
    }
    char when[192];
    format_started(us, pr, when, sizeof when);
    if (pr->pages == 1)
        json_object_set_new(e, "pageref", json_string("page_1"));
    json_object_set_new(e, "startedDateTime", json_string(when));
    add_timings(e, ex, pr);
    json_t *req = request_json(ex, pr, har, err);
    if (!req) {
        json_decref(e);
        return NULL;
    }
    json_object_set_new(e, "request", req);
    json_t *resp = response_json(ex, i, pr, har, err);
    if (*err) {
        json_decref(resp);
        json_decref(e);
        return NULL;
    }
    if (resp)
        json_object_set_new(e, "response", resp);
    json_object_set_new(e, "cache", json_object());
    const char *ip = sget(ex, "server_ip");
    const char *url = sget(ex, "url");
    int https = strncasecmp(url, "https:", 6) == 0;
    if (ip) {
        char b[80];
        if (pr->extra == X_CHROME && strchr(ip, ':'))
            snprintf(b, sizeof b, "[%s]", ip);
        else
            snprintf(b, sizeof b, "%s", ip);
        json_object_set_new(e, "serverIPAddress", json_string(b));
    }
    char conn[32];
    switch (pr->extra) {
    case X_CHROME:
        snprintf(conn, sizeof conn, "%zu", 1000 + i);
        json_object_set_new(e, "connection", json_string(conn));
        json_object_set_new(e, "_initiator", json_pack("{s:s}", "type", "other"));
        json_object_set_new(e, "_priority", json_string("High"));
        json_object_set_new(e, "_resourceType", json_string(i == 0 ? "document" : "xhr"));
        break;
    case X_FIREFOX:
        json_object_set_new(e, "connection", json_string(https ? "443" : "80"));
        json_object_set_new(e, "_securityState", json_string(https ? "secure" : "insecure"));
        break;
    case X_FIDDLER: json_object_set_new(e, "comment", json_string("")); break;
    default: break;
    }
    const json_t *dk = json_object_get(har, "drop_keys");
    if (dk) {
        drop_keys(e, dk);
        drop_keys(json_object_get(e, "request"), dk);
        drop_keys(json_object_get(e, "response"), dk);
        drop_keys(json_object_get(json_object_get(e, "response"), "content"), dk);
    }
    return e;
}

/* ---- the whole file ----------------------------------------------------------- */

static int gzip_bytes(struct bytes *b)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong cap = deflateBound(&zs, (uLong)b->n) + 32;
    unsigned char *o = malloc(cap);
    if (!o)
        abort();
    zs.next_in = b->p;
    zs.avail_in = (uInt)b->n;
    zs.next_out = o;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(o);
        return -1;
    }
    free(b->p);
    b->p = o;
    b->n = n;
    return 0;
}

/* Replaces the one injection marker in the dumped text by the hostile bytes. */
static int inject(struct bytes *b, const char *what)
{
    const char *rep;
    if (strcmp(what, "nul") == 0)
        rep = "\\u0000";
    else if (strcmp(what, "lone_surrogate") == 0)
        rep = "\\ud800";
    else if (strcmp(what, "invalid_utf8") == 0)
        rep = "\xff";
    else
        return fail("unknown inject '%s' (nul, lone_surrogate, invalid_utf8)", what);
    size_t ml = strlen(INJECT_MARKER), rl = strlen(rep);
    unsigned char *at = NULL;
    for (size_t i = 0; i + ml <= b->n; i++)
        if (memcmp(b->p + i, INJECT_MARKER, ml) == 0) {
            if (at)
                return fail("inject marker %s found twice", INJECT_MARKER);
            at = b->p + i;
        }
    if (!at)
        return fail("inject: no plain response body at inject_at (%s)", what);
    size_t off = (size_t)(at - b->p);
    unsigned char *o = malloc(b->n - ml + rl);
    if (!o)
        abort();
    memcpy(o, b->p, off);
    memcpy(o + off, rep, rl);
    memcpy(o + off + rl, b->p + off + ml, b->n - off - ml);
    free(b->p);
    b->p = o;
    b->n = b->n - ml + rl;
    return 0;
}

int fb_gen_har_mem(const json_t *scenario, unsigned char **out, size_t *out_len)
{
    const json_t *exs = json_object_get(scenario, "exchanges");
    if (!json_is_array(exs))
        return fail("scenario without %s", "\"exchanges\" array");
    const json_t *har = json_object_get(scenario, "har");
    json_t *empty = json_object();
    if (!json_is_object(har))
        har = empty;
    const char *pname = sget(har, "producer") ? sget(har, "producer") : "chrome";
    const struct producer *pr = NULL;
    for (size_t i = 0; i < sizeof producers / sizeof producers[0]; i++)
        if (strcmp(producers[i].name, pname) == 0)
            pr = &producers[i];
    if (!pr) {
        json_decref(empty);
        return fail("unknown har.producer '%s'", pname);
    }
    json_t *log = json_object();
    json_object_set_new(log, "version", json_string("1.2"));
    json_t *creator = json_pack("{s:s,s:s}", "name", pr->creator, "version", pr->creator_version);
    if (pr->creator_comment)
        json_object_set_new(creator, "comment", json_string(pr->creator_comment));
    json_object_set_new(log, "creator", creator);
    if (pr->browser)
        json_object_set_new(
            log, "browser",
            json_pack("{s:s,s:s}", "name", pr->creator, "version", pr->creator_version));
    if (pr->pages) {
        json_t *pages = json_array();
        if (pr->pages == 1) {
            char when[192];
            int64_t us = 0;
            const char *s = sget(json_array_get(exs, 0), "started");
            if (s && fb_gen_parse_time(s, &us))
                us = 0;
            format_started(us, pr, when, sizeof when);
            json_array_append_new(pages,
                                  json_pack("{s:s,s:s,s:s,s:{s:i,s:i}}", "startedDateTime", when,
                                            "id", "page_1", "title", "fbgen", "pageTimings",
                                            "onContentLoad", -1, "onLoad", -1));
        }
        json_object_set_new(log, "pages", pages);
    }
    json_t *entries = json_array();
    int err = 0;
    for (size_t i = 0; i < json_array_size(exs) && !err; i++) {
        json_t *e = entry_json(json_array_get(exs, i), i, pr, har, &err);
        if (e)
            json_array_append_new(entries, e);
    }
    json_object_set_new(log, "entries", entries);
    json_t *root = json_pack("{s:o}", "log", log);
    if (err) {
        json_decref(root);
        json_decref(empty);
        return err;
    }
    char *text = json_dumps(root, pr->indent ? JSON_INDENT(pr->indent) : JSON_COMPACT);
    json_decref(root);
    struct bytes b = {(unsigned char *)text, strlen(text)};
    const char *inj = sget(har, "inject");
    if (inj && (err = inject(&b, inj)) != 0) {
        free(b.p);
        json_decref(empty);
        return err;
    }
    if (bget(har, "bom")) {
        unsigned char *o = malloc(b.n + 3);
        if (!o)
            abort();
        memcpy(o, "\xef\xbb\xbf", 3);
        memcpy(o + 3, b.p, b.n);
        free(b.p);
        b.p = o;
        b.n += 3;
    }
    if (bget(har, "gzip") && gzip_bytes(&b)) {
        free(b.p);
        json_decref(empty);
        return fail("gzip failed");
    }
    json_decref(empty);
    *out = b.p;
    *out_len = b.n;
    return 0;
}

int fb_gen_har(const json_t *scenario, const char *out_path)
{
    unsigned char *p;
    size_t n;
    if (fb_gen_har_mem(scenario, &p, &n))
        return 1;
    /* "har": {"cut_at": N}: keep only the first N bytes (an export that stopped early) */
    const json_t *cut = json_object_get(json_object_get(scenario, "har"), "cut_at");
    if (json_is_integer(cut) && json_integer_value(cut) >= 0 && (size_t)json_integer_value(cut) < n)
        n = (size_t)json_integer_value(cut);
    FILE *f = fopen(out_path, "wb");
    if (!f) {
        free(p);
        return fail("cannot write %s", out_path);
    }
    int ok = fwrite(p, 1, n, f) == n;
    ok &= fclose(f) == 0;
    free(p);
    return ok ? 0 : fail("write error on %s", out_path);
}
