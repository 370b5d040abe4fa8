/* test_report.c - the streaming exchanges writer (text, json, ndjson, csv) and the trace
 * notes (report.h): exact lines, exact JSON fields parsed back with jansson, redaction
 * on by default and off with --no-redact. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbdiag/arena.h"
#include "fbdiag/report.h"
#include "fbdiag/trace.h"

static struct fb_arena A;
static char *buf;
static size_t buflen;
static FILE *mem;

static void setup(void)
{
    fb_arena_init(&A);
    buf = NULL;
    buflen = 0;
    mem = open_memstream(&buf, &buflen);
}
static void teardown(void)
{
    if (mem)
        fclose(mem);
    free(buf);
    fb_arena_cleanup(&A);
}

TestSuite(report, .init = setup, .fini = teardown);

#define T0 1795600800123000LL /* 2026-11-25T10:00:00.123Z in microseconds */

static struct fb_header req_hdrs[] = {
    {{"Authorization", 13}, {"Bearer SECRETTOKEN123", 21}},
    {{"Cookie", 6}, {"X-BackEndCookie=SECRETCOOKIE; ClientId=C1", 41}},
    {{"X-AnchorMailbox", 15}, {"y1@datum.com", 12}},
};
static struct fb_header resp_hdrs[] = {
    {{"Content-Type", 12}, {"text/xml; charset=utf-8", 23}},
    {{"Set-Cookie", 10}, {"X-OWA-CANARY=SECRETCANARY; path=/", 33}},
};
static struct fb_msg interim100 = {.status = 100};

/* A complete HTTPS POST with a response, timings, TLS facts and an interim 100. */
static void full(struct fb_exchange *ex)
{
    fb_exchange_init(ex, &A);
    ex->index = 0;
    ex->source = FB_STR_LIT("saz:1");
    ex->url = FB_STR_LIT("https://mail.contoso.com/EWS/Exchange.asmx?access_token=SECRETQ&x=1");
    ex->version = FB_HTTP11;
    ex->req.method = FB_STR_LIT("POST");
    ex->req.headers = req_hdrs;
    ex->req.n_headers = 3;
    ex->req.wire_size = 100;
    ex->req.decoded_size = 100;
    ex->resp.status = 200;
    ex->resp.reason = FB_STR_LIT("OK");
    ex->resp.headers = resp_hdrs;
    ex->resp.n_headers = 2;
    ex->resp.wire_size = 512;
    ex->resp.decoded_size = 2048;
    ex->resp.flags = FB_MSG_CHUNKED | FB_MSG_DECODED;
    ex->flags = FB_EX_HTTPS;
    ex->interim = &interim100;
    ex->n_interim = 1;
    ex->t.started = T0;
    ex->t.response_done = T0 + 152300;
    ex->conn.tls_version = FB_STR_LIT("TLS 1.2");
    ex->conn.sni = FB_STR_LIT("mail.contoso.com");
    ex->conn.process = FB_STR_LIT("outlook:1234");
    ex->conn.client_ip = FB_STR_LIT("10.0.0.5");
    ex->tunnel_index = 3;
    ex->ws_messages = 2;
}

/* A GET the client abandoned: no response, unknown version, no end time. */
static void aborted(struct fb_exchange *ex)
{
    fb_exchange_init(ex, &A);
    ex->index = 1;
    ex->source = FB_STR_LIT("har:7");
    ex->url = FB_STR_LIT("https://h/owa/");
    ex->req.method = FB_STR_LIT("GET");
    ex->flags = FB_EX_NO_RESPONSE | FB_EX_ABORTED;
    ex->req.flags = FB_MSG_TRUNCATED;
    ex->t.started = T0;
}

static const char *output(void)
{
    fflush(mem);
    return buf;
}

static struct fb_report_opts opts(enum fb_out_format f, int redact)
{
    struct fb_report_opts o = {.format = f, .redact = redact};
    return o;
}

static void write_all(const struct fb_report_opts *o, struct fb_exchange *exs, size_t n)
{
    struct fb_exchange_writer *w = fb_report_exchanges_begin(mem, o);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(fb_report_exchanges_add(w, "case/t.saz", &exs[i]), 0);
    cr_assert_eq(fb_report_exchanges_end(w), 0);
}

Test(report, text_lines_are_exact_and_aligned)
{
    struct fb_exchange ex[2];
    full(&ex[0]);
    aborted(&ex[1]);
    struct fb_report_opts o = opts(FB_OUT_TEXT, 1);
    write_all(&o, ex, 2);
    cr_assert_str_eq(
        output(),
        "#  idx source       version  method  status   resp wire/decoded   time ms url [flags]\n"
        "     0 saz:1        HTTP/1.1 POST       200            512/2048     152.3 "
        "https://mail.contoso.com/EWS/Exchange.asmx?access_token=<redacted>&x=1 "
        "[https,response-chunked,response-decoded]\n"
        "     1 har:7        -        GET          -                   -         - "
        "https://h/owa/ [no-response,aborted,request-truncated]\n");
}

Test(report, text_escapes_control_bytes_and_omits_empty_flags)
{
    struct fb_exchange ex;
    fb_exchange_init(&ex, &A);
    ex.index = 12345;
    ex.source = FB_STR_LIT("tcp:7");
    ex.url = FB_STR_LIT("http://h/a\nb\x1b[31m");
    ex.version = FB_HTTP2;
    ex.req.method = FB_STR_LIT("OPTIONS");
    ex.resp.status = 404;
    struct fb_report_opts o = opts(FB_OUT_TEXT, 1);
    struct fb_exchange_writer *w = fb_report_exchanges_begin(mem, &o);
    cr_assert_eq(fb_report_exchanges_add(w, "x", &ex), 0);
    cr_assert_eq(fb_report_exchanges_end(w), 0);
    const char *line = strchr(output(), '\n') + 1;
    cr_assert_str_eq(line, " 12345 tcp:7        HTTP/2   OPTIONS    404                 0/0"
                           "         - "
                           "http://h/a\\x0ab\\x1b[31m\n");
}

Test(report, text_colour_marks_failures_only)
{
    struct fb_exchange ex[2];
    full(&ex[0]);
    aborted(&ex[1]);
    struct fb_report_opts o = opts(FB_OUT_TEXT, 1);
    o.color = 1;
    write_all(&o, ex, 2);
    const char *out = output();
    cr_assert_not_null(strstr(out, " POST       200 "));
    cr_assert_not_null(strstr(out, " GET     \033[31m     -\033[0m "));
}

/* Parses the whole JSON output back; the array must have n objects. */
static json_t *parse(size_t n)
{
    json_error_t err;
    json_t *root = json_loads(output(), JSON_ALLOW_NUL, &err);
    cr_assert_not_null(root, "bad JSON at %d: %s\n%s", err.position, err.text, output());
    cr_assert(json_is_array(root));
    cr_assert_eq(json_array_size(root), n);
    return root;
}

static const char *sget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_string(v), "%s is not a string", k);
    return json_string_value(v);
}

static json_int_t iget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_integer(v), "%s is not an integer", k);
    return json_integer_value(v);
}

static void assert_null(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(v && json_is_null(v), "%s is not null", k);
}

Test(report, json_full_exchange_fields)
{
    struct fb_exchange ex;
    full(&ex);
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    write_all(&o, &ex, 1);
    json_t *root = parse(1);
    json_t *e = json_array_get(root, 0);
    cr_assert_eq(json_object_size(e), 23);
    cr_assert(json_is_null(json_object_get(e, "capture"))); /* not from a capture */
    cr_assert_eq(iget(e, "index"), 0);
    cr_assert_str_eq(sget(e, "input"), "case/t.saz");
    cr_assert_str_eq(sget(e, "source"), "saz:1");
    cr_assert_str_eq(sget(e, "method"), "POST");
    cr_assert_str_eq(sget(e, "url"),
                     "https://mail.contoso.com/EWS/Exchange.asmx?access_token=<redacted>&x=1");
    cr_assert_eq(iget(e, "status"), 200);
    cr_assert_str_eq(sget(e, "reason"), "OK");
    cr_assert_str_eq(sget(e, "version"), "HTTP/1.1");
    json_t *tls = json_object_get(e, "tls");
    cr_assert_str_eq(sget(tls, "version"), "TLS 1.2");
    cr_assert_str_eq(sget(tls, "sni"), "mail.contoso.com");
    assert_null(tls, "alpn");
    json_t *sizes = json_object_get(e, "sizes");
    cr_assert_eq(iget(json_object_get(sizes, "request"), "wire"), 100);
    cr_assert_eq(iget(json_object_get(sizes, "request"), "decoded"), 100);
    cr_assert_eq(iget(json_object_get(sizes, "response"), "wire"), 512);
    cr_assert_eq(iget(json_object_get(sizes, "response"), "decoded"), 2048);
    cr_assert_str_eq(sget(e, "started"), "2026-11-25T10:00:00.123Z");
    cr_assert_float_eq(json_real_value(json_object_get(e, "duration_ms")), 152.3, 1e-9);
    json_t *interim = json_object_get(e, "interim");
    cr_assert_eq(json_array_size(interim), 1);
    cr_assert_eq(json_integer_value(json_array_get(interim, 0)), 100);
    json_t *flags = json_object_get(e, "flags");
    cr_assert_eq(json_array_size(flags), 3);
    cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "https");
    cr_assert_str_eq(json_string_value(json_array_get(flags, 1)), "response-chunked");
    cr_assert_str_eq(json_string_value(json_array_get(flags, 2)), "response-decoded");
    cr_assert_str_eq(sget(e, "process"), "outlook:1234");
    cr_assert_str_eq(sget(e, "client_ip"), "10.0.0.5");
    assert_null(e, "server_ip");
    cr_assert_eq(iget(e, "tunnel"), 3);
    cr_assert_eq(iget(e, "websocket_messages"), 2);
    json_t *rh = json_object_get(e, "request_headers");
    cr_assert_eq(json_array_size(rh), 3);
    cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rh, 0), 0)), "Authorization");
    cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rh, 0), 1)),
                     "Bearer <redacted 14 bytes>");
    cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rh, 1), 1)),
                     "X-BackEndCookie=<redacted>; ClientId=<redacted>");
    cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rh, 2), 1)), "y1@datum.com");
    json_t *sh = json_object_get(e, "response_headers");
    cr_assert_eq(json_array_size(sh), 2);
    cr_assert_str_eq(json_string_value(json_array_get(json_array_get(sh, 1), 1)),
                     "X-OWA-CANARY=<redacted>; path=/");
    cr_assert_str_eq(sget(e, "content_type"), "text/xml; charset=utf-8");
    json_decref(root);
}

Test(report, json_missing_response_and_unknown_version_are_null)
{
    struct fb_exchange ex;
    aborted(&ex);
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    write_all(&o, &ex, 1);
    json_t *root = parse(1);
    json_t *e = json_array_get(root, 0);
    assert_null(e, "status");
    assert_null(e, "reason");
    assert_null(e, "version");
    assert_null(e, "duration_ms");
    assert_null(e, "content_type");
    assert_null(e, "tunnel");
    assert_null(e, "process");
    assert_null(json_object_get(e, "sizes"), "response");
    cr_assert_str_eq(sget(e, "started"), "2026-11-25T10:00:00.123Z");
    json_t *tls = json_object_get(e, "tls"); /* https URL, nothing known */
    cr_assert_eq(json_object_size(tls), 3);
    assert_null(tls, "version");
    assert_null(tls, "sni");
    assert_null(tls, "alpn");
    json_t *flags = json_object_get(e, "flags");
    cr_assert_eq(json_array_size(flags), 3);
    cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "no-response");
    cr_assert_str_eq(json_string_value(json_array_get(flags, 1)), "aborted");
    cr_assert_str_eq(json_string_value(json_array_get(flags, 2)), "request-truncated");
    cr_assert_eq(json_array_size(json_object_get(e, "response_headers")), 0);
    cr_assert_eq(json_array_size(json_object_get(e, "interim")), 0);
    json_decref(root);
}

Test(report, json_http3_plain_http_and_version_fallback)
{
    struct fb_exchange ex[3];
    aborted(&ex[0]);
    ex[0].version = FB_HTTP3;
    ex[0].t.started = 0;
    aborted(&ex[1]);
    ex[1].url = FB_STR_LIT("http://h/autodiscover/autodiscover.xml");
    ex[1].resp.status = 302;
    ex[1].resp.version = FB_HTTP10; /* the exchange's own version is unknown */
    ex[1].flags = 0;
    aborted(&ex[2]);
    ex[2].version = FB_HTTP2;
    ex[2].conn.alpn = FB_STR_LIT("h2"); /* TLS facts known without https in the URL */
    ex[2].url = FB_STR_LIT("/relative");
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    write_all(&o, ex, 3);
    json_t *root = parse(3);
    cr_assert_str_eq(sget(json_array_get(root, 0), "version"), "HTTP/3");
    assert_null(json_array_get(root, 0), "started");
    cr_assert_str_eq(sget(json_array_get(root, 1), "version"), "HTTP/1.0");
    cr_assert_eq(iget(json_array_get(root, 1), "status"), 302);
    assert_null(json_array_get(root, 1), "tls");
    cr_assert_eq(json_array_size(json_object_get(json_array_get(root, 1), "flags")), 1);
    cr_assert_str_eq(sget(json_object_get(json_array_get(root, 2), "tls"), "alpn"), "h2");
    cr_assert_str_eq(sget(json_array_get(root, 2), "version"), "HTTP/2");
    json_decref(root);
}

Test(report, json_is_streamed_one_object_per_line)
{
    struct fb_exchange ex[2];
    full(&ex[0]);
    aborted(&ex[1]);
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    struct fb_exchange_writer *w = fb_report_exchanges_begin(mem, &o);
    cr_assert_str_eq(output(), "[");
    cr_assert_eq(fb_report_exchanges_add(w, "t", &ex[0]), 0);
    cr_assert_eq(strncmp(output(), "[\n{\"index\":0,", 13), 0);
    cr_assert_eq(output()[strlen(output()) - 1], '}'); /* the object is out before the next */
    cr_assert_eq(fb_report_exchanges_add(w, "t", &ex[1]), 0);
    cr_assert_eq(fb_report_exchanges_end(w), 0);
    const char *out = output();
    cr_assert_not_null(strstr(out, "},\n{\"index\":1,"));
    cr_assert_eq(strcmp(out + strlen(out) - 3, "}\n]") == 0 ||
                     strcmp(out + strlen(out) - 4, "}\n]\n") == 0,
                 1);
    json_decref(parse(2));
}

Test(report, json_empty_listing_is_an_empty_array)
{
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    write_all(&o, NULL, 0);
    cr_assert_str_eq(output(), "[]\n");
}

Test(report, secrets_never_appear_unless_no_redact)
{
    struct fb_exchange ex;
    full(&ex);
    static const enum fb_out_format fmts[] = {FB_OUT_TEXT, FB_OUT_JSON, FB_OUT_NDJSON, FB_OUT_CSV};
    static const char *const secrets[] = {"SECRETTOKEN123", "SECRETCOOKIE", "SECRETCANARY",
                                          "SECRETQ"};
    for (size_t f = 0; f < FB_ARRAY_LEN(fmts); f++) {
        for (int redact = 1; redact >= 0; redact--) {
            char *b = NULL;
            size_t n = 0;
            FILE *m = open_memstream(&b, &n);
            struct fb_report_opts o = opts(fmts[f], redact);
            struct fb_exchange_writer *w = fb_report_exchanges_begin(m, &o);
            cr_assert_eq(fb_report_exchanges_add(w, "t", &ex), 0);
            cr_assert_eq(fb_report_exchanges_end(w), 0);
            fclose(m);
            for (size_t s = 0; s < FB_ARRAY_LEN(secrets); s++) {
                /* text and csv show only the URL; json shows headers too */
                int shown = fmts[f] == FB_OUT_JSON || fmts[f] == FB_OUT_NDJSON ||
                            strcmp(secrets[s], "SECRETQ") == 0;
                if (redact || !shown)
                    cr_assert_null(strstr(b, secrets[s]), "format %zu leaks %s", f, secrets[s]);
                else
                    cr_assert_not_null(strstr(b, secrets[s]), "format %zu hides %s", f, secrets[s]);
            }
            free(b);
        }
    }
}

Test(report, json_invalid_utf8_becomes_replacement_characters)
{
    struct fb_exchange ex;
    aborted(&ex);
    ex.url = FB_STR_LIT("http://h/\xff\xc3\xa9\xed\xa0\x80\xe2\x82");
    ex.req.method = fb_str_make("G\0T", 3);
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    write_all(&o, &ex, 1);
    json_t *root = parse(1);
    json_t *e = json_array_get(root, 0);
    cr_assert_str_eq(sget(e, "url"), "http://h/\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
                                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    cr_assert_eq(json_string_length(json_object_get(e, "method")), 3);
    json_decref(root);
}

Test(report, ndjson_one_object_per_line_without_array)
{
    struct fb_exchange ex[2];
    full(&ex[0]);
    aborted(&ex[1]);
    struct fb_report_opts o = opts(FB_OUT_NDJSON, 1);
    write_all(&o, ex, 2);
    const char *p = output();
    int lines = 0;
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        json_t *obj = json_loadb(p, (size_t)(nl - p), 0, NULL);
        cr_assert(json_is_object(obj), "line %d: %.*s", lines, (int)(nl - p), p);
        cr_assert_eq(json_integer_value(json_object_get(obj, "index")), lines);
        json_decref(obj);
        lines++;
    }
    cr_assert_eq(*p, '\0'); /* the last line ends with a newline too */
    cr_assert_eq(lines, 2);
}

Test(report, csv_rows_are_exact)
{
    struct fb_exchange ex[2];
    full(&ex[0]);
    aborted(&ex[1]);
    ex[1].url = FB_STR_LIT("https://h/a,\"b\"");
    struct fb_report_opts o = opts(FB_OUT_CSV, 1);
    write_all(&o, ex, 2);
    cr_assert_str_eq(output(), "index,input,source,version,method,status,url,response_wire,"
                               "response_decoded,duration_ms,flags\n"
                               "0,case/t.saz,saz:1,HTTP/1.1,POST,200,https://mail.contoso.com/EWS/"
                               "Exchange.asmx?access_token=<redacted>&x=1,512,2048,152.300,"
                               "\"https,response-chunked,response-decoded\"\n"
                               "1,case/t.saz,har:7,,GET,,\"https://h/a,\"\"b\"\"\",,,,"
                               "\"no-response,aborted,request-truncated\"\n");
}

Test(report, write_failure_is_reported)
{
    FILE *ro = fopen("/dev/null", "r"); /* writes fail */
    cr_assert_not_null(ro);
    struct fb_exchange ex;
    full(&ex);
    struct fb_report_opts o = opts(FB_OUT_JSON, 1);
    struct fb_exchange_writer *w = fb_report_exchanges_begin(ro, &o);
    cr_assert_eq(fb_report_exchanges_add(w, "t", &ex), FB_ERR_IO);
    cr_assert_eq(fb_report_exchanges_end(w), FB_ERR_IO);
    fclose(ro);
}

Test(report, trace_notes_exact_lines)
{
    struct fb_trace t;
    fb_trace_init(&t);
    fb_trace_warn(&t, "a.saz", "saz:3", "response body cut at %d bytes", 10);
    fb_trace_warn(&t, "a.saz", NULL, "zip entry skipped");
    fb_trace_warn(&t, NULL, NULL, "bad\nline");
    fb_trace_advise(&t, FB_ADV_HTTP3, "a.saz", "har:1");
    fb_trace_advise(&t, FB_ADV_HTTP3, "a.saz", "har:2");
    fb_trace_advise(&t, FB_ADV_ABANDONED, "a.saz", NULL);
    fb_report_trace_notes(mem, &t);
    cr_assert_str_eq(output(),
                     "fbdiag: warning: a.saz: saz:3: response body cut at 10 bytes\n"
                     "fbdiag: warning: a.saz: zip entry skipped\n"
                     "fbdiag: warning: bad\\x0aline\n"
                     "fbdiag: advice: http3: Some requests used HTTP/3 (QUIC); a packet capture "
                     "cannot show them. A HAR or Fiddler trace, or a browser with QUIC disabled, "
                     "can. (2 exchanges, first har:1)\n"
                     "fbdiag: advice: client-abandoned: Some requests got no response: the "
                     "client gave up or the capture stopped first. (1 exchange)\n");
    fb_trace_cleanup(&t);
}

Test(report, trace_notes_count_dropped_warnings)
{
    struct fb_trace t;
    fb_trace_init(&t);
    for (int i = 0; i < FB_TRACE_MAX_WARNINGS + 7; i++)
        fb_trace_warn(&t, "a.har", "har:1", "w%d", i);
    fb_report_trace_notes(mem, &t);
    const char *out = output();
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, FB_TRACE_MAX_WARNINGS + 1);
    cr_assert_eq(strncmp(out, "fbdiag: warning: a.har: har:1: w0\n", 34), 0);
    cr_assert_not_null(strstr(out, "w199\nfbdiag: 7 more warnings not shown\n"));
    fb_trace_cleanup(&t);
}

/* Runs python3-jsonschema on path against the schema; returns the exit status. */
static int validate(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import json,sys,jsonschema; "
             "s=json.load(open(sys.argv[1])); "
             "jsonschema.validate(json.load(open(sys.argv[2])), s, "
             "cls=jsonschema.Draft202012Validator)' "
             "docs/schema/exchanges.schema.json %s 2>/dev/null",
             path);
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

Test(report, json_output_validates_against_the_schema)
{
    cr_assert_eq(access("docs/schema/exchanges.schema.json", R_OK), 0,
                 "run from the worktree root");
    struct fb_exchange ex[4];
    full(&ex[0]);
    aborted(&ex[1]);
    aborted(&ex[2]);
    ex[2].version = FB_HTTP3;
    ex[2].url = FB_STR_LIT("http://h/\xff");
    ex[2].resp.status = 101;
    ex[2].flags = FB_EX_WEBSOCKET;
    full(&ex[3]);
    ex[3].flags = FB_EX_TUNNEL | FB_EX_UNDECRYPTED | FB_EX_PROXY_GENERATED;
    ex[3].req.flags = 0x7ff; /* every message flag */
    ex[3].resp.flags = 0x7ff;
    ex[3].t.response_done = 0;
    char path[] = "/tmp/fbdiag-schema-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    for (int redact = 0; redact <= 1; redact++) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        struct fb_report_opts o = opts(FB_OUT_JSON, redact);
        struct fb_exchange_writer *w = fb_report_exchanges_begin(f, &o);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(fb_report_exchanges_add(w, "t.saz", &ex[i]), 0);
        cr_assert_eq(fb_report_exchanges_end(w), 0);
        fclose(f);
        cr_assert_eq(validate(path), 0, "redact=%d output does not match the schema", redact);
    }
    /* the schema is a contract: an unknown field fails it */
    FILE *f = fopen(path, "w");
    fputs("[{\"index\":0,\"extra\":1}]", f);
    fclose(f);
    cr_assert_eq(validate(path), 1);
    close(fd);
    unlink(path);
}
