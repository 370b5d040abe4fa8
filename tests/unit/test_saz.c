/* test_saz.c - the SAZ reader (src/input/saz.c) against archives made in-process by the
 * generator's SAZ writer (tests/gen/gen_saz.c): numbering and padding styles, path
 * separators, compression methods, passwords, missing members, _m.xml metadata (timers
 * with offsets, case-insensitive flags, DOCTYPE refused), 1xx responses, Fiddler-decoded
 * and dropped bodies, tunnels, WebSocket counts and Fiddler-made responses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "../gen/gen.h"
#include "fbdiag/arena.h"
#include "fbdiag/input.h"
#include "fbdiag/trace.h"

extern const struct fb_reader fb_saz_reader;

#define MAX_GOT 64

struct got {
    uint32_t index;
    char source[32], url[256], method[16], body[128];
    int status, version;
    unsigned flags, req_flags, resp_flags;
    struct fb_timing t;
    char process[64], client_ip[64], server_ip[64];
    uint16_t client_port, server_port;
    size_t n_interim;
    int interim0;
    int64_t tunnel;
    uint32_t ws;
    uint64_t wire, body_len;
};

struct run {
    struct got g[MAX_GOT];
    size_t n;
    int rc;
    int stop_after; /* callback returns 7 after this many (0: never) */
    struct fb_trace t;
    struct fb_diag d;
};

static void cp(char *dst, size_t cap, struct fb_str s)
{
    snprintf(dst, cap, "%.*s", FB_STR_FMT(s));
}

static int collect(const struct fb_exchange *ex, void *user)
{
    struct run *r = user;
    cr_assert_lt(r->n, MAX_GOT);
    struct got *g = &r->g[r->n++];
    g->index = ex->index;
    cp(g->source, sizeof g->source, ex->source);
    cp(g->url, sizeof g->url, ex->url);
    cp(g->method, sizeof g->method, ex->req.method);
    cp(g->body, sizeof g->body, ex->resp.body);
    cp(g->process, sizeof g->process, ex->conn.process);
    cp(g->client_ip, sizeof g->client_ip, ex->conn.client_ip);
    cp(g->server_ip, sizeof g->server_ip, ex->conn.server_ip);
    g->client_port = ex->conn.client_port;
    g->server_port = ex->conn.server_port;
    g->status = ex->resp.status;
    g->version = (int)ex->version;
    g->flags = ex->flags;
    g->req_flags = ex->req.flags;
    g->resp_flags = ex->resp.flags;
    g->t = ex->t;
    g->n_interim = ex->n_interim;
    g->interim0 = ex->n_interim ? ex->interim[0].status : 0;
    g->tunnel = ex->tunnel_index;
    g->ws = ex->ws_messages;
    g->wire = ex->resp.wire_size;
    g->body_len = ex->resp.body.len;
    return r->stop_after && r->n >= (size_t)r->stop_after ? 7 : 0;
}

/* Writes the scenario (JSON text) as a SAZ, reads it back with password pw into r. */
static void run_saz(const char *scenario_json, const char *pw, struct run *r)
{
    json_error_t je;
    json_t *sc = json_loads(scenario_json, 0, &je);
    cr_assert_not_null(sc, "scenario JSON: line %d: %s", je.line, je.text);
    char dir[] = "/tmp/fbsaz.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.saz", dir);
    cr_assert_eq(fb_gen_saz(sc, path), 0);
    json_decref(sc);
    uint8_t *data;
    size_t len;
    cr_assert_eq(fb_read_file(path, (size_t)64 << 20, &data, &len), FB_OK);
    unlink(path);
    rmdir(dir);
    struct fb_input_src src = {"t.saz", data, len, NULL};
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.password = pw;
    fb_trace_init(&r->t);
    fb_diag_clear(&r->d);
    r->rc = fb_saz_reader.read(&src, &o, collect, r, &r->t, &r->d);
    free(data);
}

static struct run *new_run(void)
{
    return fb_xcalloc(1, sizeof(struct run));
}

static void free_run(struct run *r)
{
    fb_trace_cleanup(&r->t);
    free(r);
}

static int has_warning(const struct run *r, const char *source, const char *needle)
{
    for (size_t i = 0; i < r->t.n_warnings; i++) {
        const struct fb_warning *w = &r->t.warnings[i];
        if ((!source || (w->source && strcmp(w->source, source) == 0)) && strstr(w->msg, needle) &&
            w->input && strcmp(w->input, "t.saz") == 0)
            return 1;
    }
    return 0;
}

/* 2026-11-25T09:00:00.123Z in microseconds */
#define T0 (INT64_C(1795597200) * 1000000 + 123000)

static const char *const tunnel_scenario =
    "{\"exchanges\":["
    "{\"method\":\"CONNECT\",\"url\":\"outlook.office365.com:443\","
    " \"headers\":[[\"Host\",\"outlook.office365.com:443\"]],"
    " \"started\":\"2026-11-25T08:59:59Z\",\"duration_ms\":2000,"
    " \"response\":{\"status\":200,\"reason\":\"Connection Established\","
    "  \"headers\":[[\"FiddlerGateway\",\"Direct\"]],"
    "  \"body\":\"This is a HTTPS CONNECT Tunnel. Secure traffic flows through this "
    "connection.\"}},"
    "{\"method\":\"POST\",\"url\":\"https://outlook.office365.com/EWS/Exchange.asmx\","
    " \"headers\":[[\"Content-Type\",\"text/xml\"],[\"Expect\",\"100-continue\"]],"
    " \"body\":\"<x/>\",\"started\":\"2026-11-25T09:00:00.123Z\",\"duration_ms\":250,"
    " \"ttfb_ms\":100,\"process\":\"outlook:1234\",\"server_ip\":\"52.97.1.1\","
    " \"client_ip\":\"10.0.0.5\",\"client_port\":51234,"
    " \"response\":{\"status\":200,\"headers\":[[\"Content-Type\",\"text/xml\"]],"
    "  \"body\":\"hello world\",\"content_encoding\":\"gzip\",\"chunked\":true,"
    "  \"chunk_size\":7,\"interim\":[100]}},"
    "{\"method\":\"GET\",\"url\":\"https://other.example.com/x\",\"response\":{\"status\":204,"
    "  \"reason\":\"No Content\"}}"
    "],\"saz\":{\"tz\":\"+01:00\",\"pad\":4}}";

Test(saz, tunnel_then_decrypted_session_with_continue_chunked_gzip)
{
    struct run *r = new_run();
    run_saz(tunnel_scenario, NULL, r);
    cr_assert_eq(r->rc, 0, "rc %d: %s", r->rc, r->d.msg);
    cr_assert_eq(r->n, 3);

    struct got *c = &r->g[0];
    cr_assert_eq(c->index, 0);
    cr_assert_str_eq(c->source, "saz:1");
    cr_assert_str_eq(c->method, "CONNECT");
    cr_assert_str_eq(c->url, "outlook.office365.com:443");
    cr_assert_eq(c->status, 200);
    cr_assert_eq(c->flags, FB_EX_TUNNEL | FB_EX_PROXY_GENERATED);
    cr_assert_eq(c->server_port, 443);
    cr_assert_eq(c->tunnel, -1);
    /* Fiddler's description of the tunnel is kept as the body */
    cr_assert_str_eq(
        c->body, "This is a HTTPS CONNECT Tunnel. Secure traffic flows through this connection.");

    struct got *p = &r->g[1];
    cr_assert_eq(p->index, 1);
    cr_assert_str_eq(p->source, "saz:2");
    cr_assert_str_eq(p->method, "POST");
    cr_assert_str_eq(p->url, "https://outlook.office365.com/EWS/Exchange.asmx");
    cr_assert_eq(p->version, FB_HTTP11);
    cr_assert_eq(p->status, 200);
    cr_assert_eq(p->n_interim, 1);
    cr_assert_eq(p->interim0, 100);
    cr_assert_str_eq(p->body, "hello world");
    cr_assert(p->resp_flags & FB_MSG_CHUNKED);
    cr_assert(p->resp_flags & FB_MSG_DECODED);
    cr_assert_eq(p->flags, FB_EX_HTTPS);
    cr_assert_eq(p->tunnel, 0);
    cr_assert_str_eq(p->process, "outlook:1234");
    cr_assert_str_eq(p->server_ip, "52.97.1.1");
    cr_assert_str_eq(p->client_ip, "10.0.0.5");
    cr_assert_eq(p->client_port, 51234);
    cr_assert_eq(p->server_port, 443);
    /* timers were written in +01:00 local time with 7 fractional digits */
    cr_assert_eq(p->t.started, T0);
    cr_assert_eq(p->t.request_done, T0 + 25000);
    cr_assert_eq(p->t.response_start, T0 + 100000);
    cr_assert_eq(p->t.response_done, T0 + 250000);

    /* an https session to a host no CONNECT was seen for has no tunnel */
    cr_assert_str_eq(r->g[2].url, "https://other.example.com/x");
    cr_assert_eq(r->g[2].tunnel, -1);
    cr_assert_eq(r->g[2].status, 204);

    /* a decrypted tunnel's 200 is Fiddler's by design: no advice */
    cr_assert_eq(r->t.advice[FB_ADV_PROXY_GENERATED].count, 0);
    cr_assert_eq(r->t.advice[FB_ADV_UNDECRYPTED_HTTPS].count, 0);
    cr_assert_eq(r->t.n_warnings, 0);
    free_run(r);
}

Test(saz, tunnel_without_later_https_sessions_is_undecrypted)
{
    struct run *r = new_run();
    run_saz(
        "{\"exchanges\":["
        "{\"method\":\"CONNECT\",\"url\":\"a.example.com:443\",\"response\":{\"status\":200,"
        " \"reason\":\"Connection Established\",\"headers\":[[\"FiddlerGateway\",\"Direct\"]]}},"
        "{\"method\":\"CONNECT\",\"url\":\"b.example.com:443\",\"response\":{\"status\":200,"
        " \"reason\":\"DecryptTunnel Established\"}},"
        "{\"method\":\"GET\",\"url\":\"https://b.example.com/\",\"response\":{\"status\":200}},"
        "{\"method\":\"CONNECT\",\"url\":\"b.example.com:443\",\"response\":{\"status\":200}},"
        "{\"method\":\"GET\",\"url\":\"https://b.example.com:443/again\","
        " \"response\":{\"status\":200}}]}",
        NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 5);
    cr_assert_eq(r->g[0].flags, FB_EX_TUNNEL | FB_EX_UNDECRYPTED | FB_EX_PROXY_GENERATED);
    cr_assert_eq(r->g[1].flags, FB_EX_TUNNEL);
    cr_assert_eq(r->g[2].tunnel, 1);
    cr_assert_eq(r->g[3].flags, FB_EX_TUNNEL);
    cr_assert_eq(r->g[4].tunnel, 3);
    /* the reader flags the tunnel; the advice is the capture accumulator's (once) */
    cr_assert_eq(r->t.advice[FB_ADV_UNDECRYPTED_HTTPS].count, 0);
    free_run(r);
}

/* n sessions GET http://h/<i> with the given saz options; checks numeric order. */
static void check_padding(const char *saz_opts, int n, int first)
{
    char sc[8192];
    size_t o = (size_t)snprintf(sc, sizeof sc, "{\"exchanges\":[");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(sc + o, sizeof sc - o,
                              "%s{\"method\":\"GET\",\"url\":\"http://h.example/%d\","
                              "\"response\":{\"status\":200,\"body\":\"b%d\"}}",
                              i ? "," : "", i, i);
    snprintf(sc + o, sizeof sc - o, "],\"saz\":%s}", saz_opts);
    struct run *r = new_run();
    run_saz(sc, NULL, r);
    cr_assert_eq(r->rc, 0, "%s: rc %d %s", saz_opts, r->rc, r->d.msg);
    cr_assert_eq(r->n, (size_t)n, "%s: %zu exchanges", saz_opts, r->n);
    for (int i = 0; i < n; i++) {
        char want[32], url[64], body[16];
        snprintf(want, sizeof want, "saz:%d", first + i);
        snprintf(url, sizeof url, "http://h.example/%d", i);
        snprintf(body, sizeof body, "b%d", i);
        cr_assert_str_eq(r->g[i].source, want, "%s", saz_opts);
        cr_assert_str_eq(r->g[i].url, url, "%s", saz_opts);
        cr_assert_str_eq(r->g[i].body, body, "%s", saz_opts);
        cr_assert_eq(r->g[i].index, (uint32_t)i);
    }
    cr_assert_eq(r->t.n_warnings, 0, "%s", saz_opts);
    free_run(r);
}

Test(saz, every_padding_style_and_start_orders_sessions_numerically)
{
    check_padding("{\"pad\":4,\"start\":0}", 3, 0);
    check_padding("{\"pad\":4,\"start\":1}", 3, 1);
    check_padding("{\"pad\":5,\"start\":1}", 3, 1);
    check_padding("{\"pad\":\"count\",\"start\":1}", 12, 1);
    check_padding("{\"pad\":\"count\",\"start\":0}", 11, 0);
    /* no padding, entries written last first: 1, 10, 11, 12, 2 ... must not be the order */
    check_padding("{\"pad\":\"none\",\"reverse\":true}", 12, 1);
}

Test(saz, backslash_paths_bzip2_and_store)
{
    check_padding("{\"backslash\":true}", 3, 1);
    check_padding("{\"compression\":\"bzip2\"}", 3, 1);
    check_padding("{\"compression\":\"store\",\"backslash\":true}", 2, 1);
}

static const char *const small_scenario =
    "{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/1\","
    "\"response\":{\"status\":200,\"body\":\"secret reply\"}},"
    "{\"method\":\"GET\",\"url\":\"http://h.example/2\",\"response\":{\"status\":404,"
    "\"reason\":\"Not Found\"}}],"
    "\"saz\":{\"password\":\"s3cret\",\"encryption\":\"%s\",\"compression\":\"%s\"}}";

static void check_encrypted(const char *method, const char *compression)
{
    char sc[1024];
    snprintf(sc, sizeof sc, small_scenario, method, compression);
    struct run *r = new_run();
    run_saz(sc, "s3cret", r);
    cr_assert_eq(r->rc, 0, "%s: rc %d %s", method, r->rc, r->d.msg);
    cr_assert_eq(r->n, 2);
    cr_assert_str_eq(r->g[0].body, "secret reply");
    cr_assert_eq(r->g[1].status, 404);
    free_run(r);

    r = new_run();
    run_saz(sc, NULL, r);
    cr_assert_eq(r->rc, FB_ERR_PASSWORD, "%s: rc %d", method, r->rc);
    cr_assert_str_eq(r->d.msg,
                     "the archive is encrypted: give --password-file FILE or FBDIAG_PASSWORD");
    cr_assert_eq(r->n, 0);
    free_run(r);

    /* several wrong passwords: PKWARE's 1-byte check lets some pass the open, the CRC
     * (or the inflater) must then catch them */
    static const char *const wrong[] = {"wrong",   "s3cre",   "S3CRET",  "x", "password", "1234",
                                        "s3cret ", "letmein", "hunter2", "a", "b",        "c"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        r = new_run();
        run_saz(sc, wrong[i], r);
        cr_assert_eq(r->rc, FB_ERR_BAD_PASSWORD, "%s/%s: rc %d", method, wrong[i], r->rc);
        cr_assert_str_eq(r->d.msg, "wrong password (raw/1_c.txt does not decrypt with it)");
        cr_assert_eq(r->n, 0);
        cr_assert_eq(r->t.n_warnings, 0, "%s/%s: %s", method, wrong[i],
                     r->t.n_warnings ? r->t.warnings[0].msg : "");
        free_run(r);
    }
}

Test(saz, encrypted_pkware_right_missing_and_wrong_password)
{
    check_encrypted("pkware", "deflate");
    check_encrypted("pkware", "store");
}

Test(saz, encrypted_aes_right_missing_and_wrong_password)
{
    check_encrypted("aes256", "deflate");
    check_encrypted("aes128", "store");
}

Test(saz, missing_members)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":["
            "{\"method\":\"GET\",\"url\":\"http://h.example/1\",\"response\":{\"status\":200}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example/2\",\"response\":{\"status\":200},"
            " \"saz\":{\"omit\":[\"s\"]}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example/3\",\"response\":{\"status\":200},"
            " \"saz\":{\"omit\":[\"c\"]}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example/4\",\"response\":null}"
            "],\"saz\":{\"omit\":[\"m\"]}}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 3);
    cr_assert_str_eq(r->g[0].source, "saz:1");
    cr_assert_eq(r->g[0].status, 200);
    cr_assert_eq(r->g[0].flags, 0);
    /* no _m.xml: no timers, no process */
    cr_assert_eq(r->g[0].t.started, 0);
    cr_assert_eq(r->g[0].t.response_done, 0);
    cr_assert_str_eq(r->g[0].process, "");
    cr_assert_str_eq(r->g[1].source, "saz:2");
    cr_assert_eq(r->g[1].status, 0);
    cr_assert_eq(r->g[1].flags, FB_EX_NO_RESPONSE);
    cr_assert_str_eq(r->g[2].source, "saz:4");
    cr_assert_eq(r->g[2].index, 2);
    cr_assert_eq(r->g[2].flags, FB_EX_NO_RESPONSE);
    cr_assert(has_warning(r, "saz:3", "no _c.txt"));
    cr_assert_eq(r->t.advice[FB_ADV_ABANDONED].count, 2);
    free_run(r);
}

Test(saz, aborted_session_has_flag_and_no_response_timers)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"POST\",\"url\":\"https://h.example/EWS/Exchange.asmx\","
            "\"body\":\"<q/>\",\"started\":\"2026-11-25T09:00:00.123Z\","
            "\"response\":{\"status\":200},\"saz\":{\"aborted\":true}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 1);
    cr_assert_eq(r->g[0].flags, FB_EX_ABORTED | FB_EX_NO_RESPONSE | FB_EX_HTTPS);
    cr_assert_eq(r->g[0].t.started, T0);
    cr_assert_eq(r->g[0].t.response_start, 0);
    cr_assert_eq(r->g[0].t.response_done, 0);
    cr_assert_eq(r->t.advice[FB_ADV_ABANDONED].count, 1);
    free_run(r);
}

Test(saz, fiddler_decoded_session_parses_as_plain_body)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/\","
            "\"response\":{\"status\":200,\"body\":\"decoded text\",\"content_encoding\":\"br\","
            "\"chunked\":true},\"saz\":{\"fiddler_decoded\":true}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 1);
    cr_assert_str_eq(r->g[0].body, "decoded text");
    cr_assert_eq(r->g[0].resp_flags & (FB_MSG_CHUNKED | FB_MSG_DECODED | FB_MSG_TRUNCATED), 0);
    cr_assert_eq(r->t.n_warnings, 0);
    free_run(r);
}

Test(saz, dropped_body_with_grouped_transfer_length)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/big\","
            "\"response\":{\"status\":200,\"body_size\":1234567},"
            "\"saz\":{\"drop_body\":true}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example/ok\",\"response\":{\"status\":200,"
            "\"body\":\"fine\"}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0, "%s", r->d.msg);
    cr_assert_eq(r->n, 2);
    cr_assert_eq(r->g[0].status, 200);
    cr_assert_eq(r->g[0].body_len, 0);
    cr_assert(r->g[0].resp_flags & FB_MSG_BODY_MISSING);
    cr_assert_eq(r->g[0].resp_flags & FB_MSG_TRUNCATED, 0);
    cr_assert_eq(r->g[0].wire, 1234567);
    cr_assert_eq(r->g[1].resp_flags & (FB_MSG_BODY_MISSING | FB_MSG_TRUNCATED), 0);
    cr_assert_eq(r->t.advice[FB_ADV_TRUNCATED_BODIES].count, 1);
    cr_assert_str_eq(r->t.advice[FB_ADV_TRUNCATED_BODIES].first_source, "saz:1");
    cr_assert(has_warning(r, "saz:1", "transfer length 1234567"));
    free_run(r);
}

Test(saz, session_flags_match_case_insensitively)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/\","
            "\"process\":\"ignored:1\",\"response\":{\"status\":200},"
            "\"saz\":{\"flags\":{\"X-PROCESSINFO\":\"OUTLOOK.EXE:42\",\"x-ClientIP\":"
            "\"10.1.2.3\",\"x-hostIP\":\"192.0.2.7\",\"X-CLIENTPORT\":\"60001\"}}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 1);
    cr_assert_str_eq(r->g[0].process, "OUTLOOK.EXE:42");
    cr_assert_str_eq(r->g[0].client_ip, "10.1.2.3");
    cr_assert_str_eq(r->g[0].server_ip, "192.0.2.7");
    cr_assert_eq(r->g[0].client_port, 60001);
    free_run(r);
}

Test(saz, doctype_in_m_xml_is_refused_with_a_warning)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/\","
            "\"response\":{\"status\":200},\"saz\":{\"m_xml\":"
            "\"<?xml version=\\\"1.0\\\"?><!DOCTYPE Session [<!ENTITY x \\\"outlook:6\\\">]>"
            "<Session SID=\\\"1\\\"><SessionTimers ClientBeginRequest="
            "\\\"2026-11-25T09:00:00Z\\\"/><SessionFlags><SessionFlag N=\\\"x-processinfo\\\" "
            "V=\\\"&x;\\\"/></SessionFlags></Session>\"}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 1);
    cr_assert_eq(r->g[0].status, 200);
    cr_assert_str_eq(r->g[0].process, "");
    cr_assert_eq(r->g[0].t.started, 0);
    cr_assert(has_warning(r, "saz:1", "DOCTYPE"));
    free_run(r);
}

Test(saz, unset_timers_and_offsets)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h.example/\","
            "\"response\":{\"status\":200},\"saz\":{\"timers\":{"
            "\"ClientConnected\":\"0001-01-01T00:00:00\","
            "\"ClientBeginRequest\":\"0001-01-01T00:00:00\","
            "\"ClientDoneRequest\":\"2026-11-25T04:00:00.1230000-05:00\","
            "\"ServerBeginResponse\":\"0001-01-01T00:00:00\","
            "\"GotResponseHeaders\":\"2026-11-25T09:00:00.5Z\","
            "\"ClientDoneResponse\":\"not a time\","
            "\"ServerDoneResponse\":\"2026-11-25T14:30:01+05:30\"}}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->g[0].t.started, 0);
    cr_assert_eq(r->g[0].t.request_done, T0);
    cr_assert_eq(r->g[0].t.response_start, T0 - 123000 + 500000);
    cr_assert_eq(r->g[0].t.response_done, T0 - 123000 + 1000000);
    free_run(r);
}

Test(saz, websocket_messages_are_counted)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"https://h.example/ws\","
            "\"headers\":[[\"Upgrade\",\"websocket\"],[\"Connection\",\"Upgrade\"]],"
            "\"response\":{\"status\":101,\"reason\":\"Switching Protocols\","
            "\"headers\":[[\"Upgrade\",\"websocket\"],[\"Connection\",\"Upgrade\"]],"
            "\"no_content_length\":true},\"saz\":{\"ws_messages\":5}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example/\",\"response\":{\"status\":200}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0, "%s", r->d.msg);
    cr_assert_eq(r->n, 2);
    cr_assert_eq(r->g[0].status, 101);
    cr_assert_eq(r->g[0].ws, 5);
    cr_assert(r->g[0].flags & FB_EX_WEBSOCKET);
    cr_assert_eq(r->g[1].ws, 0);
    cr_assert_eq(r->g[1].flags & FB_EX_WEBSOCKET, 0);
    free_run(r);
}

Test(saz, responses_fiddler_made_are_proxy_generated)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":["
            "{\"method\":\"GET\",\"url\":\"http://nohost.example/\",\"response\":{\"status\":502,"
            " \"reason\":\"Fiddler - DNS Lookup Failed\",\"body\":\"[Fiddler] DNS Lookup for "
            "\\\"nohost.example\\\" failed.\"}},"
            "{\"method\":\"CONNECT\",\"url\":\"bad.example:443\",\"response\":{\"status\":502,"
            " \"reason\":\"Connection failed\",\"body\":\"HTTPS connection failed.\\n"
            "System.IO.IOException\"}},"
            "{\"method\":\"GET\",\"url\":\"http://ok.example/\",\"response\":{\"status\":502,"
            " \"reason\":\"Bad Gateway\",\"body\":\"upstream said [Fiddler] nothing\"}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 3);
    cr_assert_eq(r->g[0].flags, FB_EX_PROXY_GENERATED);
    cr_assert_eq(r->g[1].flags, FB_EX_TUNNEL | FB_EX_UNDECRYPTED | FB_EX_PROXY_GENERATED);
    cr_assert_eq(r->g[2].flags, 0);
    cr_assert_eq(r->t.advice[FB_ADV_PROXY_GENERATED].count, 2);
    free_run(r);
}

Test(saz, origin_form_targets_get_scheme_and_host)
{
    struct run *r = new_run();
    run_saz("{\"exchanges\":["
            "{\"method\":\"GET\",\"url\":\"https://h.example/a?b=1\",\"target\":\"/a?b=1\","
            " \"response\":{\"status\":200}},"
            "{\"method\":\"GET\",\"url\":\"http://h.example:8080/p\",\"target\":\"/p\","
            " \"response\":{\"status\":200}}]}",
            NULL, r);
    cr_assert_eq(r->rc, 0);
    cr_assert_eq(r->n, 2);
    /* the writer sets BitFlags IsHTTPS for https URLs; the reader uses it */
    cr_assert_str_eq(r->g[0].url, "https://h.example/a?b=1");
    cr_assert_eq(r->g[0].flags, FB_EX_HTTPS);
    cr_assert_str_eq(r->g[1].url, "http://h.example:8080/p");
    cr_assert_eq(r->g[1].flags, 0);
    free_run(r);
}

Test(saz, callback_value_stops_reading)
{
    struct run *r = new_run();
    r->stop_after = 1;
    run_saz(tunnel_scenario, NULL, r);
    cr_assert_eq(r->rc, 7);
    cr_assert_eq(r->n, 1);
    free_run(r);
}

static int read_bytes(const uint8_t *data, size_t len, struct run *r)
{
    struct fb_input_src src = {"t.saz", data, len, NULL};
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    fb_trace_init(&r->t);
    return fb_saz_reader.read(&src, &o, collect, r, &r->t, &r->d);
}

Test(saz, not_a_zip_and_no_sessions_are_format_errors)
{
    struct run *r = new_run();
    static const uint8_t junk[] = "PK\x03\x04 this is not really a zip archive at all";
    cr_assert_eq(read_bytes(junk, sizeof junk - 1, r), FB_ERR_FORMAT);
    cr_assert(strncmp(r->d.msg, "cannot open archive: ", 21) == 0, "%s", r->d.msg);
    free_run(r);

    /* a zip holding only _index.htm and [Content_Types].xml */
    r = new_run();
    run_saz("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h/\",\"response\":null}],"
            "\"saz\":{\"omit\":[\"c\",\"s\",\"m\"]}}",
            NULL, r);
    cr_assert_eq(r->rc, FB_ERR_FORMAT);
    cr_assert_str_eq(r->d.msg, "zip archive without Fiddler sessions (raw/N_c.txt)");
    free_run(r);
}

static uint8_t *tunnel_saz_bytes(size_t *len)
{
    json_t *sc = json_loads(tunnel_scenario, 0, NULL);
    char dir[] = "/tmp/fbsaz.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.saz", dir);
    cr_assert_eq(fb_gen_saz(sc, path), 0);
    json_decref(sc);
    uint8_t *data;
    cr_assert_eq(fb_read_file(path, (size_t)1 << 20, &data, len), FB_OK);
    unlink(path);
    rmdir(dir);
    return data;
}

/* A SAZ cut short has no central directory: the complete entries it still holds are read
 * (with a warning), and every cut gives either that or a clean FORMAT error. */
Test(saz, cut_short_archive_yields_the_sessions_it_still_holds)
{
    size_t len;
    uint8_t *data = tunnel_saz_bytes(&len);
    struct run *full = new_run();
    cr_assert_eq(read_bytes(data, len, full), 0);
    size_t total = full->n;
    free_run(full);

    struct run *r = new_run();
    cr_assert_eq(read_bytes(data, len / 2, r), 0, "%s", r->d.msg);
    cr_assert_geq(r->n, 1);
    cr_assert_eq(r->t.n_warnings >= 1, 1);
    cr_assert(strstr(r->t.warnings[0].msg, "the archive is cut short") != NULL, "%s",
              r->t.warnings[0].msg);
    cr_assert(strstr(r->t.warnings[0].msg, "complete entries it still holds") != NULL);
    free_run(r);

    size_t prev = 0, partial = 0;
    for (size_t cut = 0; cut < len; cut += 7) {
        r = new_run();
        int rc = read_bytes(data, cut, r);
        cr_assert(rc == 0 || rc == FB_ERR_FORMAT, "cut %zu: rc %d", cut, rc);
        cr_assert_leq(r->n, total, "cut %zu", cut);
        cr_assert_geq(r->n + 1, prev, "cut %zu: %zu after %zu", cut, r->n, prev);
        partial += rc == 0 && r->n > 0 && r->n < total;
        prev = r->n;
        free_run(r);
    }
    cr_assert_gt(partial, 0, "no cut gave part of the sessions");
    free(data);
}

/* Rewrites the compression method of every entry (local and central headers) of a
 * stored zip, to make archives whose method libzip cannot decompress. */
static void set_all_methods(uint8_t *z, size_t len, uint16_t method)
{
    for (size_t i = 0; i + 12 <= len; i++) {
        if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 3 && z[i + 3] == 4) {
            z[i + 8] = (uint8_t)(method & 0xff);
            z[i + 9] = (uint8_t)(method >> 8);
        } else if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 1 && z[i + 3] == 2) {
            z[i + 10] = (uint8_t)(method & 0xff);
            z[i + 11] = (uint8_t)(method >> 8);
        }
    }
}

Test(saz, unsupported_compression_method_is_named)
{
    json_t *sc = json_loads("{\"exchanges\":[{\"method\":\"GET\",\"url\":\"http://h/\","
                            "\"response\":{\"status\":200,\"body\":\"x\"}}],"
                            "\"saz\":{\"compression\":\"store\"}}",
                            0, NULL);
    char dir[] = "/tmp/fbsaz.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.saz", dir);
    cr_assert_eq(fb_gen_saz(sc, path), 0);
    json_decref(sc);
    uint8_t *data;
    size_t len;
    cr_assert_eq(fb_read_file(path, (size_t)1 << 20, &data, &len), FB_OK);
    unlink(path);
    rmdir(dir);
    cr_assert(!zip_compression_method_supported(ZIP_CM_PPMD, 0), "this libzip reads PPMd");
    set_all_methods(data, len, ZIP_CM_PPMD);
    struct run *r = new_run();
    cr_assert_eq(read_bytes(data, len, r), FB_ERR_UNSUPPORTED);
    cr_assert_str_eq(r->d.msg, "the sessions are compressed with ppmd (zip method 98), which "
                               "this libzip cannot decompress");
    cr_assert_eq(r->n, 0);
    free_run(r);
    free(data);
}

Test(saz, max_exchanges_stops_with_a_warning)
{
    json_t *sc = json_loads(tunnel_scenario, 0, NULL);
    char dir[] = "/tmp/fbsaz.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.saz", dir);
    cr_assert_eq(fb_gen_saz(sc, path), 0);
    json_decref(sc);
    uint8_t *data;
    size_t len;
    cr_assert_eq(fb_read_file(path, (size_t)1 << 20, &data, &len), FB_OK);
    unlink(path);
    rmdir(dir);
    struct run *r = new_run();
    struct fb_input_src src = {"t.saz", data, len, NULL};
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.max_exchanges = 2;
    fb_trace_init(&r->t);
    cr_assert_eq(fb_saz_reader.read(&src, &o, collect, r, &r->t, &r->d), 0);
    cr_assert_eq(r->n, 2);
    cr_assert(has_warning(r, NULL, "stopped after 2 exchanges"));
    free_run(r);
    free(data);
}
