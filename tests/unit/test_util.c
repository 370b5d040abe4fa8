/* test_util.c - arena, buf, cursor and slice helpers. */
#include <criterion/criterion.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/cursor.h"
#include "fbdiag/exchange.h"
#include "fbdiag/trace.h"
#include "fbdiag/util.h"

Test(arena, many_small_and_big_allocations_are_aligned_and_distinct)
{
    struct fb_arena a;
    fb_arena_init(&a);
    char *prev = NULL;
    for (int i = 0; i < 5000; i++) {
        size_t n = (size_t)(i % 7 == 0 ? 20000 : i % 100 + 1);
        char *p = fb_arena_alloc(&a, n);
        cr_assert_eq((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, i & 0xff, n);
        cr_assert_neq(p, prev);
        prev = p;
    }
    cr_assert_geq(a.used_total, 5000u);
    fb_arena_cleanup(&a);
    cr_assert_null(a.head);
}

Test(arena, realloc_grows_last_allocation_in_place_and_copies_otherwise)
{
    struct fb_arena a;
    fb_arena_init(&a);
    char *p = fb_arena_alloc(&a, 16);
    memcpy(p, "0123456789abcdef", 16);
    char *q = fb_arena_realloc(&a, p, 16, 64);
    cr_assert_eq(p, q);
    char *other = fb_arena_alloc(&a, 8);
    (void)other;
    char *r = fb_arena_realloc(&a, q, 64, 128);
    cr_assert_neq(r, q);
    cr_assert_eq(memcmp(r, "0123456789abcdef", 16), 0);
    fb_arena_cleanup(&a);
}

Test(arena, printf_strndup_and_adopt)
{
    struct fb_arena a;
    fb_arena_init(&a);
    cr_assert_str_eq(fb_arena_printf(&a, "saz:%d", 12), "saz:12");
    struct fb_str s = fb_arena_strndup(&a, "abcdef", 3);
    cr_assert_eq(s.len, 3);
    cr_assert_str_eq(s.ptr, "abc");
    fb_arena_adopt(&a, fb_xmalloc(100)); /* freed by cleanup: ASan would report a leak */
    fb_arena_adopt(&a, NULL);
    cr_assert_str_eq(fb_arena_printf(&a, "%s", "after"), "after");
    fb_arena_cleanup(&a);
}

Test(buf, append_respects_max_and_leaves_buffer_unchanged)
{
    struct fb_buf b;
    fb_buf_init(&b, 10);
    cr_assert_eq(fb_buf_append(&b, "12345", 5), FB_OK);
    cr_assert_eq(fb_buf_append(&b, "678901", 6), FB_ERR_LIMIT);
    cr_assert_eq(b.len, 5);
    cr_assert_eq(fb_buf_append(&b, "67890", 5), FB_OK);
    cr_assert_eq(b.len, 10);
    cr_assert_eq(memcmp(b.data, "1234567890", 10), 0);
    cr_assert_null(fb_buf_reserve(&b, 1));
    size_t n;
    uint8_t *d = fb_buf_detach(&b, &n);
    cr_assert_eq(n, 10);
    cr_assert_null(b.data);
    free(d);
    fb_buf_cleanup(&b);
}

Test(cursor, reads_are_bounds_checked_and_do_not_move_on_failure)
{
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05};
    struct fb_cursor c = fb_cur_make(data, sizeof data);
    uint32_t v24, v32;
    uint16_t v16;
    cr_assert(fb_cur_u24be(&c, &v24));
    cr_assert_eq(v24, 0x010203);
    cr_assert_not(fb_cur_u32be(&c, &v32));
    cr_assert_eq(fb_cur_left(&c), 2);
    cr_assert(fb_cur_u16le(&c, &v16));
    cr_assert_eq(v16, 0x0504);
    cr_assert_eq(fb_cur_left(&c), 0);
    uint8_t b;
    cr_assert_not(fb_cur_u8(&c, &b));
}

Test(str, compare_trim_find_and_numbers)
{
    cr_assert(fb_str_ieq_cstr(FB_STR_LIT("Content-LENGTH"), "content-length"));
    cr_assert_not(fb_str_ieq_cstr(FB_STR_LIT("Content-Length2"), "content-length"));
    cr_assert(fb_str_istarts(FB_STR_LIT("HTTP/1.1"), "http/"));
    struct fb_str t = fb_str_trim(FB_STR_LIT(" \t value \r\n"));
    cr_assert_eq(t.len, 5);
    cr_assert_eq(memcmp(t.ptr, "value", 5), 0);
    cr_assert_not_null(fb_str_ifind(FB_STR_LIT("a Forcibly Closed b"), "forcibly closed"));
    cr_assert_null(fb_str_ifind(FB_STR_LIT("abc"), "abcd"));
    uint64_t v;
    cr_assert_eq(fb_str_to_u64(FB_STR_LIT(" 18446744073709551615 "), &v), FB_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(fb_str_to_u64(FB_STR_LIT("18446744073709551616"), &v), FB_ERR_FORMAT);
    cr_assert_eq(fb_str_to_u64(FB_STR_LIT("12a"), &v), FB_ERR_FORMAT);
    cr_assert_eq(fb_str_to_u64(FB_STR_LIT(""), &v), FB_ERR_FORMAT);
}

Test(exchange, version_spellings)
{
    cr_assert_eq(fb_version_parse(FB_STR_LIT("h2")), FB_HTTP2);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("http/2.0")), FB_HTTP2);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("HTTP/2")), FB_HTTP2);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("h3")), FB_HTTP3);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("HTTP/3")), FB_HTTP3);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("HTTP/1.1")), FB_HTTP11);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("http/1.0")), FB_HTTP10);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("")), FB_VER_UNKNOWN);
    cr_assert_eq(fb_version_parse(FB_STR_LIT("SPDY/3")), FB_VER_UNKNOWN);
    cr_assert_str_eq(fb_version_name(FB_HTTP3), "HTTP/3");
    cr_assert_null(fb_version_name(FB_VER_UNKNOWN));
}

Test(trace, warnings_are_capped_and_counted)
{
    struct fb_trace *t = fb_xmalloc(sizeof *t);
    fb_trace_init(t);
    for (int i = 0; i < FB_TRACE_MAX_WARNINGS + 25; i++)
        fb_trace_warn(t, "x.saz", "saz:1", "warning %d", i);
    cr_assert_eq(t->n_warnings, FB_TRACE_MAX_WARNINGS);
    cr_assert_eq(t->n_warnings_dropped, 25);
    cr_assert_str_eq(t->warnings[3].msg, "warning 3");
    fb_trace_advise(t, FB_ADV_HTTP3, "x.har", "har:4");
    fb_trace_advise(t, FB_ADV_HTTP3, "x.har", "har:9");
    cr_assert_eq(t->advice[FB_ADV_HTTP3].count, 2);
    cr_assert_str_eq(t->advice[FB_ADV_HTTP3].first_source, "har:4");
    cr_assert_str_eq(fb_advice_id(FB_ADV_HTTP3), "http3");
    fb_trace_cleanup(t);
    free(t);
}
