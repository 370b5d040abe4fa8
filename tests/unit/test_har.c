/* test_har.c - the HAR reader (src/input/har.c) against HAR files the generator
 * (tests/gen/gen_har.c) writes in each producer's style from tests/gen/scenarios/har-*.json,
 * plus hand-written documents for the edge cases (padding, stored gzip, times, caps). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../src/input/readers.h"
#include "../gen/gen_har.h"
#include "fbdiag/input.h"
#include "fbdiag/trace.h"

#define MAX_EX 16
#define T0 1709287200123000LL /* 2024-03-01T10:00:00.123Z */

/* What the callback keeps of each exchange (the exchange dies after it). */
struct seen {
    char source[16], method[16], url[160];
    enum fb_version version;
    int status;
    unsigned flags, req_flags, resp_flags;
    size_t req_nh, resp_nh;
    char *req_body, *resp_body;
    size_t req_len, resp_len;
    uint64_t resp_wire, resp_dec, req_wire;
    struct fb_timing t;
    char server_ip[64];
    int64_t conn_id;
    char auth[64], ce[32];
    int has_cookie;
};

struct run {
    struct seen ex[MAX_EX];
    size_t n;
    int stop_after; /* 0: never */
    struct fb_trace trace;
    struct fb_diag diag;
    int rc;
};

static void cstr(char *dst, size_t cap, struct fb_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.ptr, n);
    dst[n] = 0;
}

static char *dup_body(struct fb_str s)
{
    char *p = malloc(s.len + 1);
    memcpy(p, s.ptr ? s.ptr : "", s.len);
    p[s.len] = 0;
    return p;
}

static int collect(const struct fb_exchange *ex, void *user)
{
    struct run *r = user;
    cr_assert_lt(r->n, MAX_EX);
    struct seen *s = &r->ex[r->n++];
    memset(s, 0, sizeof *s);
    cstr(s->source, sizeof s->source, ex->source);
    cstr(s->method, sizeof s->method, ex->req.method);
    cstr(s->url, sizeof s->url, ex->url);
    s->version = ex->version;
    s->status = ex->resp.status;
    s->flags = ex->flags;
    s->req_flags = ex->req.flags;
    s->resp_flags = ex->resp.flags;
    s->req_nh = ex->req.n_headers;
    s->resp_nh = ex->resp.n_headers;
    s->req_body = dup_body(ex->req.body);
    s->req_len = ex->req.body.len;
    s->resp_body = dup_body(ex->resp.body);
    s->resp_len = ex->resp.body.len;
    s->resp_wire = ex->resp.wire_size;
    s->resp_dec = ex->resp.decoded_size;
    s->req_wire = ex->req.wire_size;
    s->t = ex->t;
    cstr(s->server_ip, sizeof s->server_ip, ex->conn.server_ip);
    s->conn_id = ex->conn.conn_id;
    cstr(s->auth, sizeof s->auth, fb_msg_header_value(&ex->req, "Authorization"));
    cstr(s->ce, sizeof s->ce, fb_msg_header_value(&ex->resp, "Content-Encoding"));
    s->has_cookie = fb_msg_header(&ex->req, "Cookie") || fb_msg_header(&ex->resp, "Set-Cookie");
    return r->stop_after && r->n == (size_t)r->stop_after ? 7 : 0;
}

static void run_bytes(struct run *r, const void *data, size_t len, const struct fb_read_opts *o)
{
    struct fb_read_opts def;
    memset(&def, 0, sizeof def);
    fb_trace_init(&r->trace);
    fb_diag_clear(&r->diag);
    struct fb_input_src src = {"t.har", data, len, NULL};
    r->rc = fb_har_reader.read(&src, o ? o : &def, collect, r, &r->trace, &r->diag);
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->ex[i].req_body);
        free(r->ex[i].resp_body);
    }
    fb_trace_cleanup(&r->trace);
}

static json_t *load_scenario(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/gen/scenarios/%s.json", name);
    json_error_t e;
    json_t *sc = json_load_file(path, 0, &e);
    cr_assert_not_null(sc, "%s: %s", path, e.text);
    return sc;
}

/* Generates scenario (optionally with har.producer replaced) and reads it back. */
static void run_scenario_json(struct run *r, json_t *sc)
{
    unsigned char *bytes;
    size_t len;
    cr_assert_eq(fb_gen_har_mem(sc, &bytes, &len), 0);
    run_bytes(r, bytes, len, NULL);
    free(bytes);
}

static void run_scenario(struct run *r, const char *name)
{
    json_t *sc = load_scenario(name);
    run_scenario_json(r, sc);
    json_decref(sc);
}

/* The scenario's body of exchange i (response when resp), decoded from body_base64. */
static size_t scenario_body(const char *name, size_t i, int resp, unsigned char *out, size_t cap)
{
    json_t *sc = load_scenario(name);
    json_t *ex = json_array_get(json_object_get(sc, "exchanges"), i);
    json_t *m = resp ? json_object_get(ex, "response") : ex;
    size_t n = 0;
    if (json_is_string(json_object_get(m, "body"))) {
        n = json_string_length(json_object_get(m, "body"));
        cr_assert_leq(n, cap);
        memcpy(out, json_string_value(json_object_get(m, "body")), n);
    } else if (json_is_string(json_object_get(m, "body_base64"))) {
        const char *b = json_string_value(json_object_get(m, "body_base64"));
        size_t bl = strlen(b);
        cr_assert_leq(bl / 4 * 3, cap);
        n = (size_t)EVP_DecodeBlock(out, (const unsigned char *)b, (int)bl);
        n -= (bl && b[bl - 1] == '=') + (bl > 1 && b[bl - 2] == '=');
    }
    json_decref(sc);
    return n;
}

static int count_warnings_containing(const struct fb_trace *t, const char *needle)
{
    int n = 0;
    for (size_t i = 0; i < t->n_warnings; i++)
        n += strstr(t->warnings[i].msg, needle) != NULL;
    return n;
}

/* ---- generated files, producer by producer ------------------------------------ */

Test(har, chrome_export_reads_every_field_exactly)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-chrome");
    cr_assert_eq(r.rc, 0, "%s", r.diag.msg);
    cr_assert_eq(r.n, 5);
    cr_assert_eq(r.trace.n_warnings, 0);

    struct seen *e = &r.ex[0];
    cr_assert_str_eq(e->source, "har:0");
    cr_assert_str_eq(e->method, "POST");
    cr_assert_str_eq(e->url, "https://outlook.office365.com/EWS/Exchange.asmx");
    cr_assert_eq(e->version, FB_HTTP2);
    cr_assert_eq(e->status, 200);
    cr_assert_eq(e->flags, FB_EX_HTTPS);
    cr_assert_eq(e->req_nh, 4);
    cr_assert_eq(e->resp_nh, 4); /* 3 + the Content-Encoding the producer kept */
    cr_assert_str_eq(e->auth, "Bearer eyJ0eXAiOiJKV1Qi.fake.sig");
    cr_assert_str_eq(e->ce, "gzip");
    cr_assert(e->has_cookie);
    unsigned char want[4096];
    size_t wn = scenario_body("har-chrome", 0, 1, want, sizeof want);
    cr_assert_eq(e->resp_len, wn);
    cr_assert_eq(memcmp(e->resp_body, want, wn), 0);
    /* already decoded by the producer: flagged, never inflated again */
    cr_assert_eq(e->resp_flags, FB_MSG_PRE_DECODED);
    cr_assert_eq(e->resp_wire, 412);
    cr_assert_eq(e->resp_dec, wn);
    wn = scenario_body("har-chrome", 0, 0, want, sizeof want);
    cr_assert_eq(e->req_len, wn);
    cr_assert_eq(memcmp(e->req_body, want, wn), 0);
    cr_assert_eq(e->req_wire, wn);
    cr_assert_eq(e->t.started, T0);
    cr_assert_eq(e->t.request_done, T0 + 2500 + 1500);
    cr_assert_eq(e->t.response_start, T0 + 4000 + 100250);
    cr_assert_eq(e->t.response_done, T0 + 104250 + 3000);
    cr_assert_str_eq(e->server_ip, "52.96.1.2");
    cr_assert_eq(e->conn_id, 1000);

    e = &r.ex[1]; /* h3, base64 body, IPv6 in brackets */
    cr_assert_eq(e->version, FB_HTTP3);
    cr_assert_str_eq(
        e->resp_body,
        "{\"Protocol\":\"EWS\",\"Url\":\"https://outlook.office365.com/EWS/Exchange.asmx\"}");
    cr_assert_eq(e->resp_flags, 0);
    cr_assert_str_eq(e->server_ip, "2603:1026:c0b::2");
    cr_assert_eq(e->t.started, T0 + 1377000);
    cr_assert_eq(e->t.response_done, T0 + 1377000 + 40000);

    e = &r.ex[2]; /* postData.params rebuilt byte for byte */
    cr_assert_eq(e->version, FB_HTTP11);
    cr_assert_eq(e->status, 400);
    cr_assert_str_eq(e->req_body, "grant_type=refresh_token&client_id=d3590ed6&scope=https%3A%2F%2F"
                                  "outlook.office365.com%2F.default+offline_access");

    e = &r.ex[3]; /* no response: status 0 */
    cr_assert_eq(e->status, 0);
    cr_assert_eq(e->flags, FB_EX_HTTPS | FB_EX_NO_RESPONSE | FB_EX_ABORTED);
    cr_assert_eq(e->resp_nh, 0);
    cr_assert_eq(e->t.response_start, 0);
    cr_assert_eq(e->t.response_done, T0 + 2877000 + 30000000);

    e = &r.ex[4]; /* binary body: base64 in the file */
    wn = scenario_body("har-chrome", 4, 1, want, sizeof want);
    cr_assert_eq(wn, 14);
    cr_assert_eq(e->resp_len, 14);
    cr_assert_eq(memcmp(e->resp_body, want, 14), 0);
    cr_assert_eq(e->flags, 0);

    cr_assert_eq(r.trace.advice[FB_ADV_HTTP3].count, 1);
    cr_assert_str_eq(r.trace.advice[FB_ADV_HTTP3].first_source, "har:1");
    cr_assert_eq(r.trace.advice[FB_ADV_ABANDONED].count, 1);
    cr_assert_str_eq(r.trace.advice[FB_ADV_ABANDONED].first_source, "har:3");
    run_free(&r);
}

Test(har, every_producer_style_gives_the_same_exchanges)
{
    static const char *const names[] = {
        "har-chrome",  "har-edge",     "har-firefox",   "har-safari",           "har-fiddler",
        "har-charles", "har-insomnia", "har-mitmproxy", "har-firefox-gzip-bom", "har-edge-bom"};
    static const enum fb_version versions[] = {FB_HTTP2, FB_HTTP3, FB_HTTP11, FB_HTTP2, FB_HTTP11};
    static const int status[] = {200, 200, 400, 0, 200};
    static const int64_t started[] = {T0, T0 + 1377000, T0 + 1877000, T0 + 2877000, T0 + 3877000};
    for (size_t k = 0; k < FB_ARRAY_LEN(names); k++) {
        struct run r;
        memset(&r, 0, sizeof r);
        run_scenario(&r, names[k]);
        cr_assert_eq(r.rc, 0, "%s: %s", names[k], r.diag.msg);
        cr_assert_eq(r.n, 5, "%s", names[k]);
        cr_assert_eq(r.trace.n_warnings, 0, "%s", names[k]);
        for (size_t i = 0; i < 5; i++) {
            char src[16];
            snprintf(src, sizeof src, "har:%zu", i);
            cr_assert_str_eq(r.ex[i].source, src);
            cr_assert_eq(r.ex[i].version, versions[i], "%s entry %zu", names[k], i);
            cr_assert_eq(r.ex[i].status, status[i], "%s entry %zu", names[k], i);
            cr_assert_eq(r.ex[i].t.started, started[i], "%s entry %zu", names[k], i);
            unsigned char want[4096];
            size_t wn = scenario_body(names[k], i, 1, want, sizeof want);
            cr_assert_eq(r.ex[i].resp_len, status[i] ? wn : 0, "%s entry %zu", names[k], i);
            cr_assert_eq(memcmp(r.ex[i].resp_body, want, r.ex[i].resp_len), 0);
            wn = scenario_body(names[k], i, 0, want, sizeof want);
            cr_assert_eq(r.ex[i].req_len, wn, "%s entry %zu", names[k], i);
            cr_assert_eq(memcmp(r.ex[i].req_body, want, wn), 0);
        }
        cr_assert_eq(r.ex[0].resp_flags, FB_MSG_PRE_DECODED, "%s", names[k]);
        cr_assert_eq(r.ex[3].flags, FB_EX_HTTPS | FB_EX_NO_RESPONSE | FB_EX_ABORTED);
        run_free(&r);
    }
}

Test(har, whole_millisecond_producers_round_timings)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-firefox"); /* blocked 2.5 -> 3, send 1.5 -> 2, wait 100.25 -> 100 */
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.ex[0].t.request_done, T0 + 5000);
    cr_assert_eq(r.ex[0].t.response_start, T0 + 105000);
    cr_assert_eq(r.ex[0].t.response_done, T0 + 108000);
    cr_assert_eq(r.ex[0].conn_id, 443); /* Firefox writes the port there */
    run_free(&r);

    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-charles"); /* timings dropped: only time remains */
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.ex[0].t.request_done, 0);
    cr_assert_eq(r.ex[0].t.response_start, 0);
    cr_assert_eq(r.ex[0].t.response_done, T0 + 108000);
    run_free(&r);
}

Test(har, http_version_spellings)
{
    static const struct {
        const char *spelling;
        enum fb_version v;
    } cases[] = {{"h2", FB_HTTP2},          {"http/2.0", FB_HTTP2},  {"HTTP/2", FB_HTTP2},
                 {"HTTP/2.0", FB_HTTP2},    {"h3", FB_HTTP3},        {"HTTP/3", FB_HTTP3},
                 {"http/1.1", FB_HTTP11},   {"HTTP/1.0", FB_HTTP10}, {"", FB_VER_UNKNOWN},
                 {"SPDY/3", FB_VER_UNKNOWN}};
    json_t *sc = load_scenario("har-chrome");
    json_t *exs = json_object_get(sc, "exchanges");
    while (json_array_size(exs) > 1)
        json_array_remove(exs, 1);
    for (size_t k = 0; k < FB_ARRAY_LEN(cases); k++) {
        json_object_set_new(json_array_get(exs, 0), "har_http_version",
                            json_string(cases[k].spelling));
        struct run r;
        memset(&r, 0, sizeof r);
        run_scenario_json(&r, sc);
        cr_assert_eq(r.rc, 0);
        cr_assert_eq(r.n, 1);
        cr_assert_eq(r.ex[0].version, cases[k].v, "spelling '%s'", cases[k].spelling);
        cr_assert_eq(r.trace.advice[FB_ADV_HTTP3].count, cases[k].v == FB_HTTP3);
        run_free(&r);
    }
    json_decref(sc);
}

Test(har, entries_without_response_missing_or_empty)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-chrome-noresponses");
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.ex[0].status, 200);
    for (size_t i = 1; i < 3; i++) {
        cr_assert_eq(r.ex[i].status, 0);
        cr_assert_eq(r.ex[i].flags, FB_EX_HTTPS | FB_EX_NO_RESPONSE);
        cr_assert_eq(r.ex[i].resp_nh, 0);
        cr_assert_eq(r.ex[i].resp_len, 0);
    }
    cr_assert_eq(r.trace.advice[FB_ADV_ABANDONED].count, 0);
    cr_assert_eq(r.trace.n_warnings, 0);
    run_free(&r);
}

Test(har, sanitized_export_has_no_credentials)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-chrome-sanitized");
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 5);
    cr_assert_eq(r.ex[0].req_nh, 2);
    cr_assert_eq(r.ex[0].resp_nh, 3);
    cr_assert_str_eq(r.ex[0].auth, "");
    cr_assert_not(r.ex[0].has_cookie);
    run_free(&r);
}

Test(har, export_without_bodies_flags_body_omitted)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-chrome-nobodies");
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 5);
    static const size_t resp_with_body[] = {0, 1, 2, 4};
    for (size_t k = 0; k < 4; k++) {
        struct seen *e = &r.ex[resp_with_body[k]];
        cr_assert_eq(e->resp_len, 0);
        cr_assert_eq(e->resp_flags, FB_MSG_BODY_OMITTED, "entry %zu", resp_with_body[k]);
    }
    cr_assert_eq(r.ex[0].resp_wire, 412);
    cr_assert_eq(r.ex[3].resp_flags, 0); /* status 0: nothing was omitted */
    cr_assert_eq(r.ex[0].req_len,
                 scenario_body("har-chrome", 0, 0, (unsigned char[4096]){0}, 4096));
    run_free(&r);
}

/* ---- hostile JSON ------------------------------------------------------------- */

Test(har, nul_escape_is_kept_in_the_body)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, "har-mitmproxy-inject-nul");
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 5);
    cr_assert_eq(r.trace.n_warnings, 0);
    unsigned char want[4096];
    size_t wn = scenario_body("har-mitmproxy", 0, 1, want, sizeof want);
    cr_assert_eq(r.ex[0].resp_len, wn + 1);
    cr_assert_eq(memcmp(r.ex[0].resp_body, want, wn), 0);
    cr_assert_eq(r.ex[0].resp_body[wn], '\0');
    run_free(&r);
}

static void check_recovered(const char *scenario, const char *jansson_text)
{
    struct run r;
    memset(&r, 0, sizeof r);
    run_scenario(&r, scenario);
    cr_assert_eq(r.rc, 0, "%s", r.diag.msg);
    cr_assert_eq(r.n, 5);
    cr_assert_eq(r.trace.n_warnings, 1);
    cr_assert_not_null(strstr(r.trace.warnings[0].msg, "not valid JSON at line "));
    cr_assert_not_null(strstr(r.trace.warnings[0].msg, jansson_text), "%s",
                       r.trace.warnings[0].msg);
    unsigned char want[4096];
    size_t wn = scenario_body("har-mitmproxy", 0, 1, want, sizeof want);
    cr_assert_eq(r.ex[0].resp_len, wn + 3);
    cr_assert_eq(memcmp(r.ex[0].resp_body, want, wn), 0);
    cr_assert_eq(memcmp(r.ex[0].resp_body + wn, "\xef\xbf\xbd", 3), 0);
    cr_assert_eq(r.ex[4].resp_len, 14);
    run_free(&r);
}

Test(har, lone_surrogate_recovered_with_one_warning)
{
    check_recovered("har-mitmproxy-inject-lone-surrogate", "invalid Unicode");
}

Test(har, invalid_utf8_recovered_with_one_warning)
{
    check_recovered("har-mitmproxy-inject-invalid-utf8", "0xff");
}

Test(har, raw_control_character_in_string_recovered)
{
    const char doc[] =
        "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"http://a/\"},"
        "\"response\":{\"status\":200,\"content\":{\"text\":\"a\tb\x01\"}}}]}}";
    struct run r;
    memset(&r, 0, sizeof r);
    run_bytes(&r, doc, sizeof doc - 1, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.trace.n_warnings, 1);
    cr_assert_eq(r.ex[0].resp_len, 4);
    cr_assert_eq(memcmp(r.ex[0].resp_body, "a\tb\x01", 4), 0);
    run_free(&r);
}

Test(har, broken_json_is_a_format_error_with_position)
{
    const char doc[] = "{\"log\":\n[\n 2,1,3\n]\n\"request:\"}";
    struct run r;
    memset(&r, 0, sizeof r);
    run_bytes(&r, doc, sizeof doc - 1, NULL);
    cr_assert_eq(r.rc, FB_ERR_FORMAT);
    cr_assert_eq(r.n, 0);
    cr_assert_str_eq(r.diag.where, "t.har");
    cr_assert_not_null(strstr(r.diag.msg, "not valid JSON at line 5 column"), "%s", r.diag.msg);
    cr_assert_eq(r.trace.n_warnings, 0);
    run_free(&r);

    /* invalid UTF-8 that repair cannot save: still one clean FORMAT error */
    const char doc2[] = "{\"log\": {\"entries\": [\xff";
    memset(&r, 0, sizeof r);
    run_bytes(&r, doc2, sizeof doc2 - 1, NULL);
    cr_assert_eq(r.rc, FB_ERR_FORMAT);
    cr_assert_not_null(strstr(r.diag.msg, "line 1 column"), "%s", r.diag.msg);
    run_free(&r);

    memset(&r, 0, sizeof r);
    run_bytes(&r, "", 0, NULL);
    cr_assert_eq(r.rc, FB_ERR_FORMAT);
    run_free(&r);
}

Test(har, json_without_entries_is_not_a_har)
{
    static const char *const docs[] = {"{\"foo\":1}", "[1,2]", "{\"log\":{}}",
                                       "{\"log\":{\"entries\":{}}}", "\xef\xbb\xbf{\"log\":3}"};
    for (size_t k = 0; k < FB_ARRAY_LEN(docs); k++) {
        struct run r;
        memset(&r, 0, sizeof r);
        run_bytes(&r, docs[k], strlen(docs[k]), NULL);
        cr_assert_eq(r.rc, FB_ERR_FORMAT, "%s", docs[k]);
        cr_assert_str_eq(r.diag.msg, "JSON without log.entries: not a HAR file");
        run_free(&r);
    }
    struct run r;
    memset(&r, 0, sizeof r);
    run_bytes(&r, "{\"log\":{\"entries\":[]}}", 22, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 0);
    run_free(&r);
}

/* ---- hand-written entries ----------------------------------------------------- */

static void run_entries(struct run *r, const char *entries_json, const struct fb_read_opts *o)
{
    char *doc = malloc(strlen(entries_json) + 64);
    size_t n = (size_t)snprintf(doc, strlen(entries_json) + 64, "{\"log\":{\"entries\":[%s]}}",
                                entries_json);
    memset(r, 0, sizeof *r);
    run_bytes(r, doc, n, o);
    free(doc);
}

Test(har, base64_padding_and_line_breaks)
{
    struct run r;
    run_entries(
        &r,
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"YQ==\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"YWI=\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"YWJj\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":"
        "\"YWJj\\nZGVm\\r\\nZw==\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"Y*Q==\"}}}",
        NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 6);
    cr_assert_str_eq(r.ex[0].resp_body, "a");
    cr_assert_eq(r.ex[0].resp_len, 1);
    cr_assert_str_eq(r.ex[1].resp_body, "ab");
    cr_assert_eq(r.ex[1].resp_len, 2);
    cr_assert_str_eq(r.ex[2].resp_body, "abc");
    cr_assert_str_eq(r.ex[3].resp_body, "abcdefg");
    cr_assert_eq(r.ex[3].resp_len, 7);
    cr_assert_eq(r.ex[4].resp_len, 0);
    /* not base64: kept as stored, flagged, one warning */
    cr_assert_str_eq(r.ex[5].resp_body, "Y*Q==");
    cr_assert_eq(r.ex[5].resp_flags, FB_MSG_DECODE_FAILED);
    cr_assert_eq(count_warnings_containing(&r.trace, "not valid base64"), 1);
    cr_assert_eq(count_warnings_containing(&r.trace, "without a request object"), 6);
    cr_assert_eq(r.trace.n_warnings, 7);
    run_free(&r);
}

static char *gzip_b64(const char *text)
{
    unsigned char z[512];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = z;
    zs.avail_out = sizeof z;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = sizeof z - zs.avail_out;
    deflateEnd(&zs);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, z, (int)n);
    return out;
}

Test(har, stored_gzip_inflated_only_when_header_says_gzip)
{
    char *b = gzip_b64("<xml>still compressed</xml>");
    char entries[2048];
    snprintf(
        entries, sizeof entries,
        "{\"response\":{\"status\":200,\"headers\":[{\"name\":\"Content-Encoding\",\"value\":"
        "\"gzip\"}],"
        "\"bodySize\":48,\"content\":{\"encoding\":\"base64\",\"text\":\"%s\"}}},"
        "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":\"%s\"}}},"
        "{\"response\":{\"status\":200,\"headers\":[{\"name\":\"Content-Encoding\",\"value\":"
        "\"gzip\"}],"
        "\"content\":{\"text\":\"<xml>plain</xml>\"}}}",
        b, b);
    free(b);
    struct run r;
    run_entries(&r, entries, NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.ex[0].resp_body, "<xml>still compressed</xml>");
    cr_assert_eq(r.ex[0].resp_flags, FB_MSG_DECODED);
    cr_assert_eq(r.ex[0].resp_wire, 48);
    cr_assert_eq(r.ex[0].resp_dec, 27);
    /* no Content-Encoding: the gzip bytes are the body */
    cr_assert_eq((unsigned char)r.ex[1].resp_body[0], 0x1f);
    cr_assert_eq(r.ex[1].resp_flags, 0);
    /* plain text with Content-Encoding: gzip is already decoded, used as is */
    cr_assert_str_eq(r.ex[2].resp_body, "<xml>plain</xml>");
    cr_assert_eq(r.ex[2].resp_flags, FB_MSG_PRE_DECODED);
    cr_assert_eq(count_warnings_containing(&r.trace, "without a request object"), 3);
    cr_assert_eq(r.trace.n_warnings, 3);
    run_free(&r);
}

Test(har, start_times_with_offsets_and_fractions)
{
    struct run r;
    run_entries(&r,
                "{\"startedDateTime\":\"2024-03-01T11:00:00.123+01:00\"},"
                "{\"startedDateTime\":\"2024-03-01T10:00:00.1230000+00:00\"},"
                "{\"startedDateTime\":\"2024-03-01T02:00:00.123-0800\"},"
                "{\"startedDateTime\":\"2024-03-01T10:00:00.123456Z\"},"
                "{\"startedDateTime\":\"2024-03-01T10:00:00\"},"
                "{\"startedDateTime\":\"1969-12-31T23:59:59.5Z\"},"
                "{\"startedDateTime\":\"yesterday\"},"
                "{\"startedDateTime\":\"2024-13-01T10:00:00Z\"}",
                NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 8);
    cr_assert_eq(r.ex[0].t.started, T0);
    cr_assert_eq(r.ex[1].t.started, T0);
    cr_assert_eq(r.ex[2].t.started, T0);
    cr_assert_eq(r.ex[3].t.started, T0 + 456);
    cr_assert_eq(r.ex[4].t.started, T0 - 123000);
    cr_assert_eq(r.ex[5].t.started, -500000);
    cr_assert_eq(r.ex[6].t.started, 0);
    cr_assert_eq(r.ex[7].t.started, 0);
    run_free(&r);
}

Test(har, missing_keys_and_odd_values_are_tolerated)
{
    struct run r;
    run_entries(
        &r,
        "{},"
        "7,"
        "{\"request\":{\"method\":\"GET\",\"url\":\"https://x/\",\"headers\":[{\"value\":\"v\"},"
        "{\"name\":\"A\"},{\"name\":\"B\",\"value\":\"b\"},3]},"
        "\"response\":{\"status\":\"200\"},\"serverIPAddress\":\"[::1]\",\"connection\":42},"
        "{\"request\":{\"method\":\"GET\",\"url\":\"http://y/\"},\"response\":{\"status\":-5},"
        "\"connection\":\"abc\"},"
        "{\"request\":{\"method\":\"POST\",\"url\":\"http://y/\",\"bodySize\":10},"
        "\"response\":{\"status\":204.0,\"bodySize\":-1,\"content\":{\"size\":-1}}}",
        NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 4); /* the 7 is skipped */
    cr_assert_str_eq(r.ex[0].source, "har:0");
    cr_assert_str_eq(r.ex[0].method, "");
    cr_assert_eq(r.ex[0].flags, FB_EX_NO_RESPONSE);
    cr_assert_str_eq(r.ex[1].source, "har:2");
    cr_assert_eq(r.ex[1].req_nh, 2); /* nameless header dropped, value-less kept empty */
    cr_assert_eq(r.ex[1].status, 200);
    cr_assert_str_eq(r.ex[1].server_ip, "::1");
    cr_assert_eq(r.ex[1].conn_id, 42);
    cr_assert_eq(r.ex[2].flags, FB_EX_NO_RESPONSE);
    cr_assert_eq(r.ex[2].conn_id, -1);
    cr_assert_eq(r.ex[3].status, 204);
    cr_assert_eq(r.ex[3].req_flags, FB_MSG_BODY_OMITTED);
    cr_assert_eq(r.ex[3].req_wire, 10);
    cr_assert_eq(count_warnings_containing(&r.trace, "without a request object"), 1);
    cr_assert_eq(count_warnings_containing(&r.trace, "is not an object"), 1);
    cr_assert_eq(count_warnings_containing(&r.trace, "without a valid status"), 1);
    cr_assert_eq(r.trace.n_warnings, 3);
    run_free(&r);
}

Test(har, post_data_params_and_base64)
{
    struct run r;
    run_entries(
        &r,
        "{\"request\":{\"method\":\"POST\",\"postData\":{\"params\":[{\"name\":\"a b\",\"value\":"
        "\"x&y=z/\\u00e9\"},{\"name\":\"c\"}]}}},"
        "{\"request\":{\"method\":\"POST\",\"postData\":{\"encoding\":\"base64\",\"text\":\"AAEC/"
        "w==\"}}},"
        "{\"request\":{\"method\":\"POST\",\"postData\":{\"text\":\"t=1\",\"params\":[{\"name\":"
        "\"q\"}]}}}",
        NULL);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.ex[0].req_body, "a+b=x%26y%3Dz%2F%C3%A9&c=");
    cr_assert_eq(r.ex[1].req_len, 4);
    cr_assert_eq(memcmp(r.ex[1].req_body, "\x00\x01\x02\xff", 4), 0);
    cr_assert_str_eq(r.ex[2].req_body, "t=1"); /* text wins over params (mitmproxy has both) */
    run_free(&r);
}

Test(har, caps_on_entries_headers_and_bodies)
{
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    o.max_exchanges = 2;
    o.limits.max_headers = 1;
    o.limits.max_body = 3;
    struct run r;
    run_entries(&r,
                "{\"request\":{\"headers\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\","
                "\"value\":\"2\"}],"
                "\"postData\":{\"text\":\"abcdef\"}},\"response\":{\"status\":200,\"content\":{"
                "\"text\":\"xyz123\"}}},"
                "{\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\",\"text\":"
                "\"YWJjZGVm\"}}},"
                "{\"response\":{\"status\":200}}",
                &o);
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.ex[0].req_nh, 1);
    cr_assert_eq(r.ex[0].req_flags, FB_MSG_HEADER_LIMIT | FB_MSG_BODY_LIMIT);
    cr_assert_str_eq(r.ex[0].req_body, "abc");
    cr_assert_str_eq(r.ex[0].resp_body, "xyz");
    cr_assert_eq(r.ex[0].resp_dec, 6);
    cr_assert_eq(r.ex[0].resp_flags, FB_MSG_BODY_LIMIT);
    cr_assert_str_eq(r.ex[1].resp_body, "abc");
    cr_assert_eq(r.ex[1].resp_flags, FB_MSG_BODY_LIMIT);
    cr_assert_eq(count_warnings_containing(&r.trace, "beyond the cap of 2"), 1);
    run_free(&r);
}

Test(har, callback_can_stop_the_read)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    json_t *sc = load_scenario("har-chrome");
    run_scenario_json(&r, sc);
    json_decref(sc);
    cr_assert_eq(r.rc, 7);
    cr_assert_eq(r.n, 2);
    run_free(&r);
}

/* A gzip-wrapped HAR cut short: what inflates is parsed, and the entries complete before
 * the cut are read with a warning; a cut before the first complete entry is FORMAT. */
Test(har, truncated_gzip_yields_the_entries_before_the_cut)
{
    json_t *sc = load_scenario("har-firefox-gzip-bom");
    unsigned char *bytes;
    size_t len;
    cr_assert_eq(fb_gen_har_mem(sc, &bytes, &len), 0);
    json_decref(sc);
    cr_assert_eq(bytes[0], 0x1f);
    size_t prev = 0, partial = 0;
    for (size_t cut = 0; cut < len; cut += len / 29 + 1) {
        struct run r;
        memset(&r, 0, sizeof r);
        run_bytes(&r, bytes, cut, NULL);
        if (r.rc == FB_ERR_FORMAT) {
            cr_assert_eq(r.n, 0, "cut at %zu", cut);
        } else {
            cr_assert_eq(r.rc, 0, "cut at %zu", cut);
            cr_assert_lt(r.n, 5, "cut at %zu", cut);
            cr_assert_geq(r.n, prev, "cut at %zu", cut);
            int warned = 0;
            for (size_t w = 0; w < r.trace.n_warnings; w++)
                warned |= strstr(r.trace.warnings[w].msg, "HAR is cut short or broken") != NULL;
            cr_assert(warned, "cut at %zu: no cut-short warning", cut);
            partial++;
        }
        prev = r.n;
        run_free(&r);
    }
    cr_assert_gt(partial, 0);
    free(bytes);
}

/* A plain HAR cut short, at every byte of its second half. */
Test(har, cut_short_har_yields_the_entries_before_the_cut)
{
    json_t *sc = load_scenario("har-chrome");
    unsigned char *bytes;
    size_t len;
    cr_assert_eq(fb_gen_har_mem(sc, &bytes, &len), 0);
    json_decref(sc);
    size_t prev = 0;
    for (size_t cut = len / 2; cut < len; cut++) {
        struct run r;
        memset(&r, 0, sizeof r);
        run_bytes(&r, bytes, cut, NULL);
        cr_assert(r.rc == 0 || r.rc == FB_ERR_FORMAT, "cut at %zu: rc %d", cut, r.rc);
        cr_assert_leq(r.n, 5);
        cr_assert_geq(r.n, r.rc == 0 ? prev : 0, "cut at %zu", cut);
        if (r.rc == 0)
            prev = r.n;
        run_free(&r);
    }
    cr_assert_geq(prev, 4);
    free(bytes);
}
