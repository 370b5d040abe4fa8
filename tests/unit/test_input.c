/* test_input.c - format detection by content, and fb_input_read's errors, messages and
 * hashing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fbdiag/input.h"
#include "fbdiag/trace.h"

struct sniff_case {
    const char *name;
    const char *bytes;
    size_t len;
    enum fb_format want;
};

#define B(s) s, sizeof(s) - 1

static const char har_min[] = "{\"log\":{\"version\":\"1.2\",\"entries\":[]}}";

Test(sniff, table_of_magics)
{
    static const struct sniff_case cases[] = {
        {"empty", "", 0, FB_FMT_EMPTY},
        {"1 byte", B("P"), FB_FMT_UNKNOWN},
        {"3 bytes of a zip magic", B("PK\x03"), FB_FMT_UNKNOWN},
        {"zip", B("PK\x03\x04\x14\x00\x00\x00"), FB_FMT_ZIP},
        {"empty zip", B("PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), FB_FMT_ZIP},
        {"zip magic only", B("PK\x05\x06"), FB_FMT_ZIP},
        {"pcap big-endian", B("\xa1\xb2\xc3\xd4\x00\x02\x00\x04"), FB_FMT_PCAP},
        {"pcap little-endian", B("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), FB_FMT_PCAP},
        {"pcap ns big-endian", B("\xa1\xb2\x3c\x4d\x00\x02\x00\x04"), FB_FMT_PCAP},
        {"pcap ns little-endian", B("\x4d\x3c\xb2\xa1\x02\x00\x04\x00"), FB_FMT_PCAP},
        {"pcapng little-endian", B("\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a"), FB_FMT_PCAPNG},
        {"pcapng big-endian", B("\x0a\x0d\x0d\x0a\0\0\0\x1c\x1a\x2b\x3c\x4d"), FB_FMT_PCAPNG},
        {"pcapng bad byte-order magic", B("\x0a\x0d\x0d\x0a\x1c\0\0\0ABCD"), FB_FMT_UNKNOWN},
        {"pcapng magic only", B("\x0a\x0d\x0d\x0a"), FB_FMT_PCAPNG},
        {"netmon 2", B("GMBU\x03\x02"), FB_FMT_NETMON},
        {"netmon 1", B("RTSS\x01\x01"), FB_FMT_NETMON},
        {"har", B("{\"log\":{}}"), FB_FMT_HAR},
        {"har with BOM and whitespace", B("\xEF\xBB\xBF \r\n\t{\n  \"log\": {}}"), FB_FMT_HAR},
        {"har with log later", B("{\"comment\":\"x\",\"log\":{}}"), FB_FMT_HAR},
        {"json without log", B("{\"a\":1}"), FB_FMT_UNKNOWN},
        {"json array", B("[{\"log\":1}]"), FB_FMT_UNKNOWN},
        {"BOM only", B("\xEF\xBB\xBF"), FB_FMT_UNKNOWN},
        {"text", B("free/busy fails\n"), FB_FMT_UNKNOWN},
        {"gzip header cut", B("\x1f\x8b"), FB_FMT_GZIP},
        {"random", B("\x93\x07\xfe\x11\x42\x00\x9a\xc3\x5d\x21"), FB_FMT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(fb_input_sniff((const uint8_t *)cases[i].bytes, cases[i].len), cases[i].want,
                     "%s: got %s", cases[i].name,
                     fb_format_name(fb_input_sniff((const uint8_t *)cases[i].bytes, cases[i].len)));
}

static size_t gzip_bytes(const char *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

Test(sniff, gzip_wrapped_har_and_other_gzip)
{
    uint8_t buf[4096];
    size_t n = gzip_bytes(har_min, sizeof har_min - 1, buf, sizeof buf);
    cr_assert_eq(fb_input_sniff(buf, n), FB_FMT_HAR_GZIP);
    static const char bom_har[] = "\xEF\xBB\xBF\n{\"log\":{}}";
    n = gzip_bytes(bom_har, sizeof bom_har - 1, buf, sizeof buf);
    cr_assert_eq(fb_input_sniff(buf, n), FB_FMT_HAR_GZIP);
    n = gzip_bytes("<html></html>", 13, buf, sizeof buf);
    cr_assert_eq(fb_input_sniff(buf, n), FB_FMT_GZIP);
    /* the start of a gzipped HAR is enough to tell */
    n = gzip_bytes(har_min, sizeof har_min - 1, buf, sizeof buf);
    cr_assert_eq(fb_input_sniff(buf, 24), FB_FMT_HAR_GZIP);
}

Test(sniff, har_whose_log_is_beyond_64k_is_unknown)
{
    size_t len = 70 * 1024;
    char *d = malloc(len);
    memset(d, ' ', len);
    d[0] = '{';
    memcpy(d + len - 10, "\"log\":{}}", 9);
    cr_assert_eq(fb_input_sniff((const uint8_t *)d, len), FB_FMT_UNKNOWN);
    memcpy(d + 1000, "\"log\"", 5);
    cr_assert_eq(fb_input_sniff((const uint8_t *)d, len), FB_FMT_HAR);
    free(d);
}

/* The start of an ETL file: a WMI_BUFFER_HEADER, then the SYSTEM_TRACE_HEADER and the
 * TRACE_LOGFILE_HEADER whose BufferSize repeats the buffer's. */
static size_t make_etl(uint8_t *d, size_t cap)
{
    cr_assert_geq(cap, 0x100);
    memset(d, 0, 0x100);
    d[0] = 0x00, d[1] = 0x00, d[2] = 0x01, d[3] = 0x00; /* BufferSize 0x10000 */
    uint8_t *h = d + 0x48;
    h[0] = 2, h[1] = 0;       /* Version */
    h[2] = 2;                 /* SYSTEM64 */
    h[3] = 0xC0;              /* TRACE_HEADER_FLAG | TRACE_HEADER_EVENT_TRACE */
    h[4] = 0x18, h[5] = 0x01; /* Size */
    h[6] = 0, h[7] = 0;       /* HookId */
    h[0x22] = 0x01;           /* logfile header BufferSize 0x10000 */
    return 0x100;
}

Test(sniff, etl_is_recognised_conservatively)
{
    uint8_t d[0x100];
    size_t n = make_etl(d, sizeof d);
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_ETL);
    d[0x48 + 2] = 1; /* SYSTEM32 */
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_ETL);
    cr_assert_eq(fb_input_sniff(d, 0x48 + 0x20 + 3), FB_FMT_UNKNOWN); /* too short */

    make_etl(d, sizeof d);
    d[0x48] = 3; /* wrong version */
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_UNKNOWN);
    make_etl(d, sizeof d);
    d[0x48 + 6] = 1; /* not the logfile header event */
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_UNKNOWN);
    make_etl(d, sizeof d);
    d[0x48 + 0x22] = 2; /* buffer sizes disagree */
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_UNKNOWN);
    make_etl(d, sizeof d);
    d[0x48 + 3] = 0x80; /* flags lack EVENT_TRACE */
    cr_assert_eq(fb_input_sniff(d, n), FB_FMT_UNKNOWN);
}

Test(sniff, every_truncation_is_safe)
{
    uint8_t etl[0x100];
    make_etl(etl, sizeof etl);
    for (size_t len = 0; len <= sizeof etl; len++) {
        enum fb_format f = fb_input_sniff(etl, len);
        cr_assert(f == FB_FMT_ETL || f == FB_FMT_UNKNOWN || f == FB_FMT_EMPTY);
        cr_assert_eq(f == FB_FMT_ETL, len >= 0x48 + 0x24);
    }
}

Test(sniff, format_names)
{
    cr_assert_str_eq(fb_format_name(FB_FMT_ZIP), "saz");
    cr_assert_str_eq(fb_format_name(FB_FMT_HAR), "har");
    cr_assert_str_eq(fb_format_name(FB_FMT_HAR_GZIP), "har-gzip");
    cr_assert_str_eq(fb_format_name(FB_FMT_PCAP), "pcap");
    cr_assert_str_eq(fb_format_name(FB_FMT_PCAPNG), "pcapng");
    cr_assert_str_eq(fb_format_name(FB_FMT_ETL), "etl");
    cr_assert_str_eq(fb_format_name(FB_FMT_NETMON), "netmon");
    cr_assert_str_eq(fb_format_name(FB_FMT_EMPTY), "empty");
    cr_assert_str_eq(fb_format_name((enum fb_format)99), "unknown");
}

static int never_called(const struct fb_exchange *ex, void *user)
{
    (void)ex;
    (void)user;
    cr_assert_fail("no exchange expected");
    return 0;
}

static char *temp_file(const void *bytes, size_t len)
{
    char *path = strdup("/tmp/fbdiag-input-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
    close(fd);
    return path;
}

Test(input, missing_file_is_io_error_naming_the_file)
{
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_input_info *info = fb_trace_add_input(&t, "/nonexistent/x.saz");
    struct fb_diag d;
    int rc = fb_input_read("/nonexistent/x.saz", NULL, never_called, NULL, &t, info, &d);
    cr_assert_eq(rc, FB_ERR_IO);
    cr_assert_str_eq(d.where, "/nonexistent/x.saz");
    cr_assert_str_eq(d.msg, "No such file or directory");
    cr_assert_eq(info->status, FB_ERR_IO);
    cr_assert_str_eq(info->error, "No such file or directory");
    fb_trace_cleanup(&t);
}

Test(input, unknown_content_is_format_error_with_its_first_bytes)
{
    char *path = temp_file("free/busy fails\n", 16);
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_input_info *info = fb_trace_add_input(&t, path);
    struct fb_diag d;
    int rc = fb_input_read(path, NULL, never_called, NULL, &t, info, &d);
    cr_assert_eq(rc, FB_ERR_FORMAT);
    cr_assert_str_eq(d.where, path);
    cr_assert_str_eq(d.msg, "not a SAZ, HAR, pcap or pcapng file (starts with: 66 72 65 65 2f "
                            "62 75 73)");
    cr_assert_str_eq(info->format, "unknown");
    cr_assert_eq(info->size, 16);
    cr_assert_eq(info->n_exchanges, 0);
    fb_trace_cleanup(&t);
    unlink(path);
    free(path);
}

struct refusal {
    const char *name;
    const char *bytes;
    size_t len;
    int err;
    const char *msg_start;
};

Test(input, recognised_but_unreadable_formats_say_why)
{
    static const struct refusal cases[] = {
        {"empty", "", 0, FB_ERR_FORMAT, "not a SAZ, HAR, pcap or pcapng file (it is empty)"},
        {"short", B("PK"), FB_ERR_FORMAT,
         "not a SAZ, HAR, pcap or pcapng file (starts with: 50 4b)"},
        {"pcap", B("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), FB_ERR_FORMAT,
         "not a readable pcap file: truncated dump file; tried to read 24 file header bytes, "
         "only got 4"},
        {"pcapng", B("\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a"), FB_ERR_FORMAT,
         "not a readable pcapng file: cut short in the middle of a block of type 168627466 at "
         "offset 0"},
        {"netmon", B("GMBU\x03\x02"), FB_ERR_UNSUPPORTED,
         "a Microsoft Network Monitor capture, which fbdiag cannot read; open it in Network "
         "Monitor or Wireshark and save it as pcapng"},
        {"gzip", B("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), FB_ERR_FORMAT,
         "not a SAZ, HAR, pcap or pcapng file (gzip, but not of a HAR; starts with: 1f 8b 08 "
         "00 00 00 00 00)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = temp_file(cases[i].bytes, cases[i].len);
        struct fb_trace t;
        fb_trace_init(&t);
        struct fb_diag d;
        int rc = fb_input_read(path, NULL, never_called, NULL, &t, NULL, &d);
        cr_assert_eq(rc, cases[i].err, "%s: rc %d", cases[i].name, rc);
        cr_assert_str_eq(d.msg, cases[i].msg_start, "%s", cases[i].name);
        cr_assert_str_eq(d.where, path);
        fb_trace_cleanup(&t);
        unlink(path);
        free(path);
    }
}

Test(input, etl_answer_says_how_to_convert)
{
    uint8_t etl[0x100];
    size_t n = make_etl(etl, sizeof etl);
    char *path = temp_file(etl, n);
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_diag d;
    cr_assert_eq(fb_input_read(path, NULL, never_called, NULL, &t, NULL, &d), FB_ERR_UNSUPPORTED);
    cr_assert_not_null(strstr(d.msg, "pktmon etl2pcap FILE --out FILE.pcapng"));
    cr_assert_not_null(strstr(d.msg, "etl2pcapng"));
    fb_trace_cleanup(&t);
    unlink(path);
    free(path);
}

Test(input, sha256_size_and_format_of_a_known_file)
{
    /* sha256("abc") from FIPS 180-2; "abc" is not a trace, but it is hashed first */
    char *path = temp_file("abc", 3);
    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_input_info *info = fb_trace_add_input(&t, path);
    struct fb_diag d;
    cr_assert_eq(fb_input_read(path, NULL, never_called, NULL, &t, info, &d), FB_ERR_FORMAT);
    cr_assert_str_eq(info->sha256,
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_eq(info->size, 3);
    fb_trace_cleanup(&t);
    unlink(path);
    free(path);

    /* the empty input has the empty string's hash */
    path = temp_file("", 0);
    struct fb_input_info local;
    memset(&local, 0, sizeof local);
    cr_assert_eq(fb_input_read(path, NULL, never_called, NULL, NULL, &local, &d), FB_ERR_FORMAT);
    cr_assert_str_eq(local.sha256,
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cr_assert_str_eq(local.format, "empty");
    unlink(path);
    free(path);
}

Test(input, directory_is_io_error)
{
    struct fb_diag d;
    cr_assert_eq(fb_input_read("/tmp", NULL, never_called, NULL, NULL, NULL, &d), FB_ERR_IO);
    cr_assert_str_eq(d.msg, "Is a directory");
}
