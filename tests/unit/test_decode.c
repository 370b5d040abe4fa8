/* test_decode.c - content decoding (decode.h): coding names, a round trip of every
 * coding made by the real encoders, stacked and unknown codings, corrupt and truncated
 * data, and bombs that must stop at the cap with exactly cap bytes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../support/compress.h"
#include "fbdiag/arena.h"
#include "fbdiag/decode.h"

#define MIB ((size_t)1 << 20)

/* A payload that compresses but is not trivial: numbered lines of a free/busy reply. */
static uint8_t *sample(size_t n)
{
    uint8_t *p = fb_xmalloc(n);
    const char *line = "<t:FreeBusyView><t:MergedFreeBusy>0022000</t:MergedFreeBusy>";
    size_t ll = strlen(line);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (i % 97 == 0) ? (uint8_t)('a' + (x >> 16) % 26) : (uint8_t)line[i % ll];
    }
    return p;
}

Test(decode, coding_names_are_case_insensitive_and_trimmed)
{
    static const struct {
        const char *tok;
        enum fb_coding c;
    } cases[] = {
        {"gzip", FB_CODING_GZIP},          {" X-GZIP ", FB_CODING_GZIP},
        {"Deflate", FB_CODING_DEFLATE},    {"BR", FB_CODING_BR},
        {"zstd", FB_CODING_ZSTD},          {"identity", FB_CODING_IDENTITY},
        {"", FB_CODING_IDENTITY},          {"  ", FB_CODING_IDENTITY},
        {"compress", FB_CODING_UNKNOWN},   {"gzip2", FB_CODING_UNKNOWN},
        {"x-compress", FB_CODING_UNKNOWN}, {"chunked", FB_CODING_UNKNOWN},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++)
        cr_assert_eq(fb_decode_coding(fb_str_cstr(cases[i].tok)), cases[i].c, "token '%s'",
                     cases[i].tok);
}

enum enc { E_GZIP, E_ZLIB, E_RAW, E_BR, E_ZSTD, E_ZSTD_NOSIZE };

static uint8_t *encode(enum enc e, const uint8_t *in, size_t n, size_t *out_len)
{
    switch (e) {
    case E_GZIP: return fb_test_gzip(in, n, out_len);
    case E_ZLIB: return fb_test_zlib(in, n, out_len);
    case E_RAW: return fb_test_raw_deflate(in, n, out_len);
    case E_BR: return fb_test_brotli(in, n, out_len);
    case E_ZSTD: return fb_test_zstd(in, n, 1, out_len);
    case E_ZSTD_NOSIZE: return fb_test_zstd(in, n, 0, out_len);
    }
    abort();
}

Test(decode, every_coding_round_trips_exactly)
{
    static const struct {
        const char *ce;
        enum enc e;
    } cases[] = {
        {"gzip", E_GZIP}, {"x-gzip", E_GZIP}, {"deflate", E_ZLIB},     {"deflate", E_RAW},
        {"br", E_BR},     {"zstd", E_ZSTD},   {"zstd", E_ZSTD_NOSIZE}, {" GZIP ", E_GZIP},
    };
    static const size_t sizes[] = {1, 100, 70000, 300000};
    for (size_t s = 0; s < FB_ARRAY_LEN(sizes); s++) {
        uint8_t *plain = sample(sizes[s]);
        for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
            size_t clen;
            uint8_t *c = encode(cases[i].e, plain, sizes[s], &clen);
            struct fb_arena a;
            fb_arena_init(&a);
            struct fb_str out;
            struct fb_diag d;
            int rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, clen, 4 * MIB, &a, &out, &d);
            cr_assert_eq(rc, FB_OK, "%s/%d size %zu: %s %s", cases[i].ce, cases[i].e, sizes[s],
                         d.where, d.msg);
            cr_assert_eq(out.len, sizes[s]);
            cr_assert_eq(memcmp(out.ptr, plain, sizes[s]), 0);
            fb_arena_cleanup(&a);
            free(c);
        }
        free(plain);
    }
}

/* Applies the encodings left to right as the header lists them. */
static uint8_t *stack_encode(const enum enc *e, size_t n_e, const uint8_t *in, size_t n,
                             size_t *out_len)
{
    uint8_t *cur = fb_xmalloc(n);
    memcpy(cur, in, n);
    size_t len = n;
    for (size_t i = 0; i < n_e; i++) {
        size_t nl;
        uint8_t *next = encode(e[i], cur, len, &nl);
        free(cur);
        cur = next;
        len = nl;
    }
    *out_len = len;
    return cur;
}

Test(decode, stacked_codings_are_undone_right_to_left)
{
    static const enum enc gz_br[] = {E_GZIP, E_BR};
    static const enum enc gz3[] = {E_GZIP, E_GZIP, E_GZIP};
    static const enum enc gz2[] = {E_GZIP, E_GZIP};
    static const enum enc mix[] = {E_ZSTD, E_RAW, E_BR, E_GZIP};
    static const struct {
        const char *ce;
        const enum enc *e;
        size_t n;
    } cases[] = {
        {"gzip, br", gz_br, 2},
        {"identity, gzip, identity, gzip, gzip", gz3, 3},
        {"gzip,gzip", gz2, 2},
        {"zstd, deflate,br ,  gzip", mix, 4},
    };
    uint8_t *plain = sample(50000);
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t clen;
        uint8_t *c = stack_encode(cases[i].e, cases[i].n, plain, 50000, &clen);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_str out;
        int rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, clen, MIB, &a, &out, NULL);
        cr_assert_eq(rc, FB_OK, "%s", cases[i].ce);
        cr_assert_eq(out.len, 50000u, "%s", cases[i].ce);
        cr_assert_eq(memcmp(out.ptr, plain, 50000), 0, "%s", cases[i].ce);
        fb_arena_cleanup(&a);
        free(c);
    }
    free(plain);
}

Test(decode, identity_only_returns_the_input_itself)
{
    static const char *const ces[] = {"identity", "", " , identity ,", "IDENTITY"};
    const uint8_t in[] = "plain body";
    for (size_t i = 0; i < FB_ARRAY_LEN(ces); i++) {
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_str out;
        cr_assert_eq(fb_decode_content(fb_str_cstr(ces[i]), in, 10, 100, &a, &out, NULL), FB_OK);
        cr_assert_eq((const void *)out.ptr, (const void *)in);
        cr_assert_eq(out.len, 10u);
        cr_assert_null(a.head, "no copy, no allocation");
        fb_arena_cleanup(&a);
    }
}

Test(decode, unknown_coding_is_unsupported_and_keeps_that_layers_input)
{
    struct fb_arena a;
    fb_arena_init(&a);
    const uint8_t in[] = "\x1f\x9d\x90lzw data";
    struct fb_str out;
    struct fb_diag d;
    int rc = fb_decode_content(FB_STR_LIT("compress"), in, sizeof in - 1, MIB, &a, &out, &d);
    cr_assert_eq(rc, FB_ERR_UNSUPPORTED);
    cr_assert_eq((const void *)out.ptr, (const void *)in);
    cr_assert_eq(out.len, sizeof in - 1);
    cr_assert_not_null(strstr(d.msg, "compress"), "diag: %s", d.msg);

    /* "compress, gzip": gzip (applied last) is undone, then compress stops it */
    size_t clen;
    uint8_t *c = fb_test_gzip("LZW bytes", 9, &clen);
    rc = fb_decode_content(FB_STR_LIT("compress, gzip"), c, clen, MIB, &a, &out, NULL);
    cr_assert_eq(rc, FB_ERR_UNSUPPORTED);
    cr_assert_eq(out.len, 9u);
    cr_assert_eq(memcmp(out.ptr, "LZW bytes", 9), 0);
    free(c);
    fb_arena_cleanup(&a);
}

Test(decode, corrupt_data_is_format_with_the_failing_coding_named)
{
    uint8_t *plain = sample(20000);
    static const struct {
        const char *ce;
        enum enc e;
    } cases[] = {{"gzip", E_GZIP}, {"deflate", E_ZLIB}, {"br", E_BR}, {"zstd", E_ZSTD}};
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t clen;
        uint8_t *c = encode(cases[i].e, plain, 20000, &clen);
        for (size_t k = clen / 3; k < clen / 3 + 16; k++)
            c[k] ^= 0x5a; /* a damaged stretch in the middle */
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_str out;
        struct fb_diag d;
        int rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, clen, MIB, &a, &out, &d);
        cr_assert_eq(rc, FB_ERR_FORMAT, "%s gave %d", cases[i].ce, rc);
        cr_assert_str_eq(d.where, cases[i].ce);
        cr_assert_lt(out.len, 20000u);
        cr_assert(out.len == 0 || memcmp(out.ptr, plain, out.len < 100 ? out.len : 100) == 0);
        fb_arena_cleanup(&a);
        free(c);
    }
    /* plain text sent as gzip, and empty input */
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str out;
    cr_assert_eq(
        fb_decode_content(FB_STR_LIT("gzip"), (const uint8_t *)"hello", 5, MIB, &a, &out, NULL),
        FB_ERR_FORMAT);
    cr_assert_eq(out.len, 0u);
    cr_assert_eq(fb_decode_content(FB_STR_LIT("br"), (const uint8_t *)"", 0, MIB, &a, &out, NULL),
                 FB_ERR_FORMAT);
    fb_arena_cleanup(&a);
    free(plain);
}

Test(decode, truncated_streams_are_format_with_the_exact_prefix_decoded)
{
    uint8_t *plain = sample(1000000);
    static const struct {
        const char *ce;
        enum enc e;
    } cases[] = {{"gzip", E_GZIP}, {"deflate", E_RAW}, {"br", E_BR}, {"zstd", E_ZSTD_NOSIZE}};
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t clen;
        uint8_t *c = encode(cases[i].e, plain, 1000000, &clen);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_str out;
        int rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, clen / 2, MIB, &a, &out, NULL);
        cr_assert_eq(rc, FB_ERR_FORMAT, "%s", cases[i].ce);
        cr_assert_gt(out.len, 0u, "%s: partial output expected", cases[i].ce);
        cr_assert_lt(out.len, 1000000u);
        cr_assert_eq(memcmp(out.ptr, plain, out.len), 0, "%s: output is a prefix", cases[i].ce);
        /* every shorter cut is also FORMAT and never longer than the cut before it */
        size_t prev = 0;
        for (size_t cut = 0; cut < clen; cut += clen / 50 + 1) {
            rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, cut, MIB, &a, &out, NULL);
            cr_assert_eq(rc, FB_ERR_FORMAT, "%s cut %zu", cases[i].ce, cut);
            cr_assert_geq(out.len, prev);
            cr_assert_eq(memcmp(out.ptr, plain, out.len), 0);
            prev = out.len;
        }
        fb_arena_cleanup(&a);
        free(c);
    }
    free(plain);
}

Test(decode, concatenated_gzip_members_and_zstd_frames_are_all_decoded)
{
    size_t l1, l2;
    uint8_t *g1 = fb_test_gzip("first member, ", 14, &l1);
    uint8_t *g2 = fb_test_gzip("second member", 13, &l2);
    uint8_t *both = fb_xmalloc(l1 + l2);
    memcpy(both, g1, l1);
    memcpy(both + l1, g2, l2);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str out;
    cr_assert_eq(fb_decode_content(FB_STR_LIT("gzip"), both, l1 + l2, MIB, &a, &out, NULL), FB_OK);
    cr_assert_eq(out.len, 27u);
    cr_assert_eq(memcmp(out.ptr, "first member, second member", 27), 0);
    free(g1);
    free(g2);
    free(both);

    uint8_t *z1 = fb_test_zstd("frame one|", 10, 0, &l1);
    uint8_t *z2 = fb_test_zstd("frame two", 9, 1, &l2);
    both = fb_xmalloc(l1 + l2);
    memcpy(both, z1, l1);
    memcpy(both + l1, z2, l2);
    cr_assert_eq(fb_decode_content(FB_STR_LIT("zstd"), both, l1 + l2, MIB, &a, &out, NULL), FB_OK);
    cr_assert_eq(out.len, 19u);
    cr_assert_eq(memcmp(out.ptr, "frame one|frame two", 19), 0);
    free(z1);
    free(z2);
    free(both);
    fb_arena_cleanup(&a);
}

Test(decode, bombs_stop_at_the_cap_with_exactly_cap_bytes, .timeout = 60)
{
    size_t big = 64 * MIB;
    uint8_t *zeros = fb_xcalloc(big, 1);
    static const struct {
        const char *ce;
        enum enc e;
    } cases[] = {{"gzip", E_GZIP}, {"deflate", E_ZLIB}, {"br", E_BR}, {"zstd", E_ZSTD_NOSIZE}};
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++) {
        size_t clen;
        uint8_t *c = encode(cases[i].e, zeros, big, &clen);
        cr_assert_lt(clen, big / 100, "%s: a bomb is small", cases[i].ce);
        struct fb_arena a;
        fb_arena_init(&a);
        struct fb_str out;
        struct fb_diag d;
        int rc = fb_decode_content(fb_str_cstr(cases[i].ce), c, clen, MIB, &a, &out, &d);
        cr_assert_eq(rc, FB_ERR_LIMIT, "%s gave %d", cases[i].ce, rc);
        cr_assert_eq(out.len, MIB, "%s: exactly the cap", cases[i].ce);
        cr_assert_eq(memcmp(out.ptr, zeros, MIB), 0);
        cr_assert_str_eq(d.where, cases[i].ce);
        cr_assert_lt(a.used_total, 2 * MIB, "no big allocation inside the arena");
        fb_arena_cleanup(&a);
        free(c);
    }
    free(zeros);
}

Test(decode, output_of_exactly_the_cap_is_not_a_bomb)
{
    uint8_t *plain = sample(4096);
    size_t clen;
    uint8_t *c = fb_test_gzip(plain, 4096, &clen);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str out;
    cr_assert_eq(fb_decode_content(FB_STR_LIT("gzip"), c, clen, 4096, &a, &out, NULL), FB_OK);
    cr_assert_eq(out.len, 4096u);
    cr_assert_eq(fb_decode_content(FB_STR_LIT("gzip"), c, clen, 4095, &a, &out, NULL),
                 FB_ERR_LIMIT);
    cr_assert_eq(out.len, 4095u);
    cr_assert_eq(memcmp(out.ptr, plain, 4095), 0);
    fb_arena_cleanup(&a);
    free(c);
    free(plain);
}

Test(decode, stacked_bomb_inner_layer_is_capped_too)
{
    size_t big = 16 * MIB;
    uint8_t *zeros = fb_xcalloc(big, 1);
    static const enum enc gz2[] = {E_GZIP, E_GZIP};
    size_t clen;
    uint8_t *c = stack_encode(gz2, 2, zeros, big, &clen);
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_str out;
    /* the outer layer fits in the cap, the inner one does not */
    int rc = fb_decode_content(FB_STR_LIT("gzip, gzip"), c, clen, MIB, &a, &out, NULL);
    cr_assert_eq(rc, FB_ERR_LIMIT);
    cr_assert_eq(out.len, MIB);
    cr_assert_eq(memcmp(out.ptr, zeros, MIB), 0);
    fb_arena_cleanup(&a);
    free(c);
    free(zeros);
}
