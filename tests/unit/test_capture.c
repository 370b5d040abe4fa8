/* test_capture.c - capture-quality counters and each advice rule at its exact threshold
 * (capture.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/capture.h"
#include "fbdiag/trace.h"

static struct fb_arena A;
static struct fb_trace T;
static struct fb_capture C;

static void setup(void)
{
    fb_arena_init(&A);
    fb_trace_init(&T);
    fb_capture_init(&C);
}
static void teardown(void)
{
    fb_trace_cleanup(&T);
    fb_arena_cleanup(&A);
}

TestSuite(capture, .init = setup, .fini = teardown);

static struct fb_header H_AUTH = {{"Authorization", 13}, {"Bearer x", 8}};
static struct fb_header H_COOKIE = {{"cookie", 6}, {"a=1", 3}};
static struct fb_header H_UA = {{"User-Agent", 10}, {"Outlook", 7}};

/* Observes one exchange built from the arguments. */
static void see(const char *source, const char *url, unsigned flags, int status,
                struct fb_header *req_hdr, const char *body, unsigned resp_flags)
{
    struct fb_exchange ex;
    fb_exchange_init(&ex, &A);
    ex.source = fb_str_cstr(source);
    ex.url = fb_str_cstr(url);
    ex.flags = flags;
    ex.resp.status = status;
    ex.resp.flags = resp_flags;
    if (body)
        ex.resp.body = fb_str_cstr(body);
    if (req_hdr) {
        ex.req.headers = req_hdr;
        ex.req.n_headers = 1;
    }
    fb_capture_observe(&C, &ex);
}

static void expect_advice(enum fb_advice_kind k, uint64_t count, const char *first)
{
    cr_assert_eq(T.advice[k].count, count, "%s: count %llu, want %llu", fb_advice_id(k),
                 (unsigned long long)T.advice[k].count, (unsigned long long)count);
    if (first)
        cr_assert_str_eq(T.advice[k].first_source, first);
    else if (count)
        cr_assert_null(T.advice[k].first_source);
}

Test(capture, counts_every_kind)
{
    struct fb_exchange ex;
    fb_exchange_init(&ex, &A);
    ex.source = FB_STR_LIT("har:0");
    ex.url = FB_STR_LIT("https://h/");
    ex.version = FB_HTTP3;
    ex.resp.status = 200;
    ex.resp.flags = FB_MSG_TRUNCATED;
    ex.flags = FB_EX_PROXY_GENERATED;
    fb_capture_observe(&C, &ex);
    see("har:1", "http://h/", FB_EX_NO_RESPONSE | FB_EX_ABORTED, 0, &H_UA, NULL, 0);
    see("saz:2", "h:443", FB_EX_TUNNEL | FB_EX_UNDECRYPTED, 200, &H_AUTH, NULL, 0);
    cr_assert_eq(C.exchanges, 3);
    cr_assert_eq(C.requests, 2);
    cr_assert_eq(C.https_decrypted, 1);
    cr_assert_eq(C.tunnels, 1);
    cr_assert_eq(C.undecrypted, 1);
    cr_assert_eq(C.with_credentials, 0); /* the tunnel's header does not count */
    cr_assert_eq(C.http3, 1);
    cr_assert_eq(C.responses, 2);
    cr_assert_eq(C.bodies, 0);
    cr_assert_eq(C.proxy_generated, 1);
    cr_assert_eq(C.no_response, 1);
    cr_assert_eq(C.truncated, 1);
    cr_assert_str_eq(C.first_request, "har:0");
    cr_assert_str_eq(C.first_tunnel, "saz:2");
}

Test(capture, per_exchange_advice_is_never_raised_by_the_accumulator)
{
    struct fb_exchange ex;
    fb_exchange_init(&ex, &A);
    ex.version = FB_HTTP3;
    ex.flags = FB_EX_PROXY_GENERATED | FB_EX_NO_RESPONSE;
    ex.req.flags = FB_MSG_TRUNCATED;
    fb_capture_observe(&C, &ex);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
    for (int k = 0; k < FB_ADV_COUNT; k++)
        cr_assert_eq(T.advice[k].count, 0, "%s raised", fb_advice_id(k));
}

Test(capture, only_tunnels_means_https_not_decrypted)
{
    see("saz:1", "a:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    see("saz:2", "b:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    see("saz:3", "http://plain/", 0, 200, &H_COOKIE, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.saz"), 1);
    expect_advice(FB_ADV_UNDECRYPTED_HTTPS, 2, "saz:1");
    cr_assert_str_eq(T.advice[FB_ADV_UNDECRYPTED_HTTPS].input, "t.saz");
}

Test(capture, tunnels_with_decrypted_https_raise_nothing)
{
    see("saz:1", "a:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    see("saz:2", "https://a/ews", 0, 200, &H_AUTH, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.saz"), 0);
    expect_advice(FB_ADV_UNDECRYPTED_HTTPS, 0, NULL);
}

Test(capture, https_flag_counts_as_decrypted_without_https_url)
{
    see("tcp:1", "a:443", FB_EX_TUNNEL, 0, NULL, NULL, 0);
    see("tcp:2", "/ews", FB_EX_HTTPS, 200, &H_AUTH, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.pcap"), 0);
}

Test(capture, an_undecrypted_tunnel_raises_even_beside_decrypted_https)
{
    see("tcp:1", "a:443", FB_EX_TUNNEL, 0, NULL, NULL, 0);
    see("tcp:2", "b:443", FB_EX_TUNNEL | FB_EX_UNDECRYPTED, 0, NULL, NULL, 0);
    see("tcp:3", "https://a/ews", 0, 200, &H_AUTH, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.pcap"), 1);
    expect_advice(FB_ADV_UNDECRYPTED_HTTPS, 1, "tcp:2");
}

Test(capture, no_tunnels_no_https_advice)
{
    see("har:0", "http://h/", 0, 200, &H_AUTH, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
}

Test(capture, sanitized_needs_three_requests_without_credentials)
{
    see("har:0", "https://h/a", 0, 200, &H_UA, "x", 0);
    see("har:1", "https://h/b", 0, 200, NULL, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0); /* two: too few to tell */
    see("har:2", "https://h/c", 0, 401, &H_UA, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 1);
    expect_advice(FB_ADV_SANITIZED, 3, "har:0");
}

Test(capture, sanitized_not_raised_when_one_request_has_authorization)
{
    see("har:0", "https://h/a", 0, 200, NULL, "x", 0);
    see("har:1", "https://h/b", 0, 200, NULL, "x", 0);
    see("har:2", "https://h/c", 0, 200, &H_AUTH, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
    expect_advice(FB_ADV_SANITIZED, 0, NULL);
}

Test(capture, sanitized_not_raised_when_one_request_has_a_cookie)
{
    see("har:0", "https://h/a", 0, 200, &H_COOKIE, "x", 0);
    see("har:1", "https://h/b", 0, 200, NULL, "x", 0);
    see("har:2", "https://h/c", 0, 200, NULL, "x", 0);
    see("har:3", "https://h/d", 0, 200, NULL, "x", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
}

Test(capture, tunnels_do_not_count_as_sanitized_requests)
{
    see("saz:1", "a:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    see("saz:2", "b:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    see("saz:3", "c:443", FB_EX_TUNNEL, 200, NULL, NULL, 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.saz"), 1); /* only https-not-decrypted */
    expect_advice(FB_ADV_SANITIZED, 0, NULL);
    expect_advice(FB_ADV_UNDECRYPTED_HTTPS, 3, "saz:1");
}

Test(capture, no_bodies_when_omitted_and_none_present)
{
    see("har:0", "https://h/a", 0, 200, &H_AUTH, NULL, FB_MSG_BODY_OMITTED);
    see("har:1", "https://h/b", 0, 204, &H_AUTH, NULL, 0);
    see("har:2", "https://h/c", 0, 500, &H_AUTH, NULL, FB_MSG_BODY_OMITTED);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 1);
    expect_advice(FB_ADV_NO_BODIES, 2, "har:0");
}

Test(capture, no_bodies_not_raised_when_one_body_is_present)
{
    see("har:0", "https://h/a", 0, 200, &H_AUTH, NULL, FB_MSG_BODY_OMITTED);
    see("har:1", "https://h/b", 0, 200, &H_AUTH, "{}", 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
    expect_advice(FB_ADV_NO_BODIES, 0, NULL);
}

Test(capture, no_bodies_not_raised_without_the_omitted_flag)
{
    see("har:0", "https://h/a", 0, 200, &H_AUTH, NULL, 0);
    see("har:1", "https://h/b", 0, 304, &H_AUTH, NULL, 0);
    cr_assert_eq(fb_capture_finish(&C, &T, "t.har"), 0);
}

Test(capture, all_three_at_once_and_long_sources_are_cut)
{
    char longsrc[100];
    memset(longsrc, 'x', sizeof longsrc - 1);
    longsrc[sizeof longsrc - 1] = '\0';
    see(longsrc, "a:443", FB_EX_TUNNEL | FB_EX_UNDECRYPTED, 0, NULL, NULL, 0);
    see("har:1", "http://h/a", 0, 200, NULL, NULL, FB_MSG_BODY_OMITTED);
    see("har:2", "http://h/b", 0, 200, NULL, NULL, 0);
    see("har:3", "http://h/c", 0, 200, NULL, NULL, 0);
    cr_assert_eq(fb_capture_finish(&C, &T, NULL), 3);
    cr_assert_eq(strlen(T.advice[FB_ADV_UNDECRYPTED_HTTPS].first_source),
                 FB_CAPTURE_SOURCE_MAX - 1);
    expect_advice(FB_ADV_SANITIZED, 3, "har:1");
    expect_advice(FB_ADV_NO_BODIES, 1, "har:1");
    cr_assert_null(T.advice[FB_ADV_NO_BODIES].input);
}
