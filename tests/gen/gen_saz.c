/* gen_saz.c - the SAZ writer of the test generator: turns a scenario into a Fiddler
 * Session Archive (a zip, written with libzip) with raw/<n>_c.txt, _s.txt, _m.xml and
 * _w.txt members, _index.htm, [Content_Types].xml and an archive comment, as Fiddler and
 * third-party writers do (docs peers.md section 3). Container quirks (padding, backslash
 * paths, bzip2/store, PKWARE/AES passwords, missing members) and per-session quirks
 * (Fiddler-decoded bodies, dropped bodies, case-varied flags, WebSocket messages,
 * aborted sessions) come from the scenario (tests/gen/README.md).
 * Tests only: not linked into fbdiag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zip.h>

#include "fbdiag/buf.h"
#include "gen.h"
#include "gen_internal.h"

#define T_UNSET "0001-01-01T00:00:00"

/* Fiddler SessionFlags bits (BitFlags attribute) the writer sets by default. */
enum { BF_HTTPS = 1, BF_RESP_BY_FIDDLER = 256, BF_BODY_DROPPED = 131072, BF_WEBSOCKET = 262144 };

struct saz_opts {
    int width;      /* zero padding of session numbers */
    int start;      /* first session number */
    int backslash;  /* raw\ instead of raw/ */
    int32_t method; /* ZIP_CM_* */
    const char *password;
    uint16_t em; /* ZIP_EM_* */
    const json_t *omit;
    int tz_min;  /* UTC offset of written timers, minutes */
    int tz_utc;  /* write "Z" */
    int reverse; /* add sessions to the zip last first */
};

static int omitted(const json_t *list, const char *what)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), what) == 0)
            return 1;
    }
    return 0;
}

static int add_entry(zip_t *za, const struct saz_opts *o, const char *name, struct fb_buf *b)
{
    size_t len;
    uint8_t *data = fb_buf_detach(b, &len);
    zip_source_t *src = zip_source_buffer(za, data, len, 1);
    if (!src) {
        free(data);
        fprintf(stderr, "fbgen: %s: %s\n", name, zip_strerror(za));
        return -1;
    }
    zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
        zip_source_free(src);
        fprintf(stderr, "fbgen: %s: %s\n", name, zip_strerror(za));
        return -1;
    }
    /* a fixed time keeps unencrypted archives byte-for-byte reproducible; not with
     * PKWARE: libzip 1.7.3 then derives the password check byte from the old time */
    int pkware = o->password && o->em == ZIP_EM_TRAD_PKWARE;
    if ((!pkware && zip_file_set_mtime(za, (zip_uint64_t)idx, 1795910400, 0) != 0) ||
        zip_set_file_compression(za, (zip_uint64_t)idx, o->method, 0) != 0 ||
        (o->password && zip_file_set_encryption(za, (zip_uint64_t)idx, o->em, o->password) != 0)) {
        fprintf(stderr, "fbgen: %s: %s\n", name, zip_strerror(za));
        return -1;
    }
    return 0;
}

/* .NET round-trip format: yyyy-MM-ddTHH:mm:ss.fffffff+hh:mm (local time with offset). */
static void fmt_time(const struct saz_opts *o, int64_t us, char *dst, size_t cap)
{
    char base[32], off[24] = "Z";
    int64_t frac;
    fb_gen_format_time(us, o->tz_min, base, sizeof base, &frac);
    if (!o->tz_utc)
        fb_gen_format_offset(o->tz_min, off, sizeof off);
    snprintf(dst, cap, "%s.%07lld%s", base, (long long)frac * 10, off);
}

static int put_xml_escaped(struct fb_buf *b, const char *s)
{
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: break;
        }
        if (rep ? fb_buf_append_str(b, rep) : fb_buf_append(b, s, 1))
            return -1;
    }
    return 0;
}

static int put_str(struct fb_buf *b, const char *s)
{
    return fb_buf_append_str(b, s) ? -1 : 0;
}

static int put_flag(struct fb_buf *b, const char *n, const char *v)
{
    if (put_str(b, "    <SessionFlag N=\"") || put_xml_escaped(b, n) || put_str(b, "\" V=\"") ||
        put_xml_escaped(b, v) || put_str(b, "\" />\r\n"))
        return -1;
    return 0;
}

/* "1234567" -> "1,234,567" (Fiddler's ToString("N0") in an en-US culture). */
static void thousands(unsigned long long v, char *dst, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            dst[o++] = ',';
        dst[o++] = digits[i];
    }
    dst[o] = '\0';
}

static const char *const timer_names[12] = {
    "ClientConnected",    "ClientBeginRequest",  "GotRequestHeaders",   "ClientDoneRequest",
    "ServerConnected",    "FiddlerBeginRequest", "ServerGotRequest",    "ServerBeginResponse",
    "GotResponseHeaders", "ServerDoneResponse",  "ClientBeginResponse", "ClientDoneResponse"};

struct session_info {
    long long sid;
    int64_t started_us, duration_us, ttfb_us;
    int has_response, aborted, dropped;
    unsigned long long transfer_len;
    int ws_messages;
};

/* Adds a default flag unless the scenario's extra flags name it (any case). */
static int put_default_flag(struct fb_buf *b, const json_t *extra, const char *n, const char *v)
{
    if (!v || (extra && json_object_size(extra) > 0)) {
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *)(uintptr_t)extra, key, val)
        {
            if (strcasecmp(key, n) == 0)
                return 0;
        }
        if (!v)
            return 0;
    }
    return put_flag(b, n, v);
}

static int write_m_xml(const struct saz_opts *o, const json_t *ex, const json_t *q,
                       const struct session_info *si, struct fb_buf *b)
{
    const char *raw = fb_gen_str(q, "m_xml", NULL);
    if (raw)
        return put_str(b, raw);
    long long bits = 0;
    const char *url = fb_gen_str(ex, "url", "");
    if (strncasecmp(url, "https://", 8) == 0)
        bits |= BF_HTTPS;
    const json_t *resp = json_object_get(ex, "response");
    const char *rbody = fb_gen_str(resp, "body", "");
    if (strncmp(rbody, "[Fiddler] ", 10) == 0)
        bits |= BF_RESP_BY_FIDDLER;
    if (si->dropped)
        bits |= BF_BODY_DROPPED;
    if (si->ws_messages > 0)
        bits |= BF_WEBSOCKET;
    bits = fb_gen_int(q, "bitflags", bits);
    char line[512];
    snprintf(line, sizeof line,
             "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Session SID=\"%lld\" "
             "BitFlags=\"%lld\">\r\n  <SessionTimers",
             si->sid, bits);
    if (put_str(b, line))
        return -1;
    const json_t *tover = json_object_get(q, "timers");
    for (int i = 0; i < 12; i++) {
        char ts[64];
        int64_t at = si->started_us;
        int is_resp = i >= 7;
        if (i == 3)
            at = si->started_us + si->ttfb_us / 4;
        else if (i == 4 || i == 5 || i == 6)
            at = si->started_us + si->ttfb_us / 2;
        else if (i == 7 || i == 8 || i == 10)
            at = si->started_us + si->ttfb_us;
        else if (i == 9 || i == 11)
            at = si->started_us + si->duration_us;
        if (is_resp && !si->has_response)
            snprintf(ts, sizeof ts, "%s", T_UNSET);
        else
            fmt_time(o, at, ts, sizeof ts);
        const char *v = fb_gen_str(tover, timer_names[i], ts);
        snprintf(line, sizeof line, " %s=\"%s\"", timer_names[i], v);
        if (put_str(b, line))
            return -1;
    }
    if (put_str(b, " GatewayTime=\"0\" DNSTime=\"0\" TCPConnectTime=\"0\" HTTPSHandshakeTime=\"0\" "
                   "/>\r\n  <PipeInfo CltReuse=\"false\" Reused=\"false\" />\r\n"
                   "  <SessionFlags>\r\n"))
        return -1;
    const json_t *extra = json_object_get(q, "flags");
    char num[64];
    if (put_default_flag(b, extra, "x-clientip", fb_gen_str(ex, "client_ip", "127.0.0.1")))
        return -1;
    snprintf(num, sizeof num, "%lld", fb_gen_int(ex, "client_port", 50000 + si->sid));
    if (put_default_flag(b, extra, "x-clientport", num) ||
        put_default_flag(b, extra, "x-hostip", fb_gen_str(ex, "server_ip", NULL)) ||
        put_default_flag(b, extra, "x-processinfo", fb_gen_str(ex, "process", NULL)))
        return -1;
    if (si->has_response) {
        if (si->dropped)
            thousands(si->transfer_len, num, sizeof num);
        else
            snprintf(num, sizeof num, "%llu", si->transfer_len);
        if (put_default_flag(b, extra, "x-responsebodytransferlength", num))
            return -1;
    }
    if (si->aborted && put_default_flag(b, extra, "x-aborted", "client aborted"))
        return -1;
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)(uintptr_t)extra, key, val)
    {
        if (json_is_string(val) && put_flag(b, key, json_string_value(val)))
            return -1;
    }
    return put_str(b, "  </SessionFlags>\r\n</Session>\r\n");
}

/* Nekoxy2's layout of _w.txt: per message an empty line, "Request-Length: N" or
 * "Response-Length: N", ID, BitFlags, three timestamps, an empty line, N frame bytes. */
static int write_w_txt(const struct saz_opts *o, const struct session_info *si, struct fb_buf *b)
{
    for (int i = 0; i < si->ws_messages; i++) {
        char payload[64], ts[64], head[512];
        int plen = snprintf(payload, sizeof payload, "message %d", i);
        uint8_t frame[2] = {0x81, (uint8_t)plen};
        fmt_time(o, si->started_us + si->duration_us + (int64_t)i * 1000, ts, sizeof ts);
        snprintf(head, sizeof head,
                 "\r\n%s-Length: %d\r\nID: %d\r\nBitFlags: 0\r\nDoneRead: %s\r\n"
                 "BeginSend: %s\r\nDoneSend: %s\r\n\r\n",
                 i % 2 == 0 ? "Request" : "Response", plen + 2, i + 1, ts, ts, ts);
        if (put_str(b, head) || fb_buf_append(b, frame, 2) ||
            fb_buf_append(b, payload, (size_t)plen))
            return -1;
    }
    return 0;
}

static int write_session(zip_t *za, const struct saz_opts *o, const json_t *scenario,
                         const json_t *ex, size_t i, const char *num)
{
    const json_t *q = json_object_get(ex, "saz");
    const json_t *resp = json_object_get(ex, "response");
    struct session_info si;
    memset(&si, 0, sizeof si);
    si.sid = o->start + (long long)i;
    si.has_response = json_is_object(resp);
    si.aborted = fb_gen_bool(q, "aborted", 0);
    si.dropped = fb_gen_bool(q, "drop_body", 0);
    si.ws_messages = (int)fb_gen_int(q, "ws_messages", 0);
    const char *started = fb_gen_str(ex, "started", NULL);
    si.started_us = 1795910400LL * 1000000 + (int64_t)i * 1000000; /* 2026-11-29 */
    if (started && fb_gen_parse_time(started, &si.started_us) != 0)
        return -1;
    si.duration_us = fb_gen_int(ex, "duration_ms", 100) * 1000;
    si.ttfb_us = fb_gen_int(ex, "ttfb_ms", si.duration_us / 2000) * 1000;
    if (si.aborted)
        si.has_response = 0;

    const char *sep = o->backslash ? "\\" : "/";
    char name[256];
    struct fb_buf b;
    fb_buf_init(&b, FB_GEN_MAX_BYTES);
    int rc = -1;
    struct fb_gen_msg req, rsp;
    int have_rsp = 0;
    if (fb_gen_msg_load(scenario, ex, 0, &req) != 0)
        goto out_req;
    if (si.has_response) {
        if (fb_gen_msg_load(scenario, ex, 1, &rsp) != 0)
            goto out_req;
        have_rsp = 1;
        si.transfer_len = fb_gen_bool(q, "fiddler_decoded", 0) ? rsp.body.len : rsp.wire.len;
    }
    const json_t *omit_here = json_object_get(q, "omit");
    if (!omitted(o->omit, "c") && !omitted(omit_here, "c")) {
        snprintf(name, sizeof name, "raw%s%s_c.txt", sep, num);
        if (fb_gen_msg_write(&req, 0, &b) != 0 || add_entry(za, o, name, &b) != 0)
            goto out;
    }
    if (have_rsp && !omitted(o->omit, "s") && !omitted(omit_here, "s")) {
        unsigned wf = (fb_gen_bool(q, "fiddler_decoded", 0) ? FB_GEN_W_DECODED : 0) |
                      (si.dropped ? FB_GEN_W_DROP_BODY : 0);
        snprintf(name, sizeof name, "raw%s%s_s.txt", sep, num);
        if (fb_gen_write_interim(resp, &b) != 0 || fb_gen_msg_write(&rsp, wf, &b) != 0 ||
            add_entry(za, o, name, &b) != 0)
            goto out;
    }
    if (!omitted(o->omit, "m") && !omitted(omit_here, "m")) {
        snprintf(name, sizeof name, "raw%s%s_m.xml", sep, num);
        if (write_m_xml(o, ex, q, &si, &b) != 0 || add_entry(za, o, name, &b) != 0)
            goto out;
    }
    if (si.ws_messages > 0 && !omitted(omit_here, "w")) {
        snprintf(name, sizeof name, "raw%s%s_w.txt", sep, num);
        if (write_w_txt(o, &si, &b) != 0 || add_entry(za, o, name, &b) != 0)
            goto out;
    }
    rc = 0;
out:
    if (have_rsp)
        fb_gen_msg_cleanup(&rsp);
out_req:
    fb_gen_msg_cleanup(&req);
    fb_buf_cleanup(&b);
    return rc;
}

static int parse_opts(const json_t *s, size_t count, struct saz_opts *o)
{
    memset(o, 0, sizeof *o);
    o->start = (int)fb_gen_int(s, "start", 1);
    const json_t *pad = json_object_get(s, "pad");
    if (json_is_integer(pad)) {
        o->width = (int)json_integer_value(pad);
    } else if (!pad || (json_is_string(pad) && strcmp(json_string_value(pad), "count") == 0)) {
        char digits[32];
        o->width = snprintf(digits, sizeof digits, "%zu", count + (size_t)o->start - 1);
    } else if (json_is_string(pad) && strcmp(json_string_value(pad), "none") == 0) {
        o->width = 0;
    } else {
        fprintf(stderr, "fbgen: saz.pad must be a width, \"count\" or \"none\"\n");
        return -1;
    }
    o->backslash = fb_gen_bool(s, "backslash", 0);
    o->reverse = fb_gen_bool(s, "reverse", 0);
    const char *cm = fb_gen_str(s, "compression", "deflate");
    if (strcmp(cm, "deflate") == 0)
        o->method = ZIP_CM_DEFLATE;
    else if (strcmp(cm, "store") == 0)
        o->method = ZIP_CM_STORE;
    else if (strcmp(cm, "bzip2") == 0)
        o->method = ZIP_CM_BZIP2;
    else {
        fprintf(stderr, "fbgen: unknown saz.compression '%s'\n", cm);
        return -1;
    }
    o->password = fb_gen_str(s, "password", NULL);
    const char *em = fb_gen_str(s, "encryption", "aes256");
    if (strcmp(em, "pkware") == 0)
        o->em = ZIP_EM_TRAD_PKWARE;
    else if (strcmp(em, "aes128") == 0)
        o->em = ZIP_EM_AES_128;
    else if (strcmp(em, "aes256") == 0)
        o->em = ZIP_EM_AES_256;
    else {
        fprintf(stderr, "fbgen: unknown saz.encryption '%s'\n", em);
        return -1;
    }
    o->omit = json_object_get(s, "omit");
    const char *tz = fb_gen_str(s, "tz", "+00:00");
    int h, m;
    if (strcmp(tz, "Z") == 0) {
        o->tz_utc = 1;
    } else if ((tz[0] == '+' || tz[0] == '-') && sscanf(tz + 1, "%2d:%2d", &h, &m) == 2) {
        o->tz_min = (h * 60 + m) * (tz[0] == '-' ? -1 : 1);
    } else {
        fprintf(stderr, "fbgen: saz.tz must be Z or +hh:mm\n");
        return -1;
    }
    return 0;
}

static int write_extras(zip_t *za, const struct saz_opts *o, const json_t *s, const json_t *exs)
{
    struct fb_buf b;
    fb_buf_init(&b, FB_GEN_MAX_BYTES);
    if (fb_gen_bool(s, "content_types", 1)) {
        if (put_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<Types xmlns=\"http://"
                        "schemas.openxmlformats.org/package/2006/content-types\">\r\n<Default "
                        "Extension=\"htm\" ContentType=\"text/html\" />\r\n<Default "
                        "Extension=\"xml\" ContentType=\"application/xml\" />\r\n<Default "
                        "Extension=\"txt\" ContentType=\"text/plain\" />\r\n</Types>\r\n") ||
            add_entry(za, o, "[Content_Types].xml", &b))
            goto fail;
    }
    if (fb_gen_bool(s, "index", 1)) {
        if (put_str(&b, "<html><head><title>Fiddler Session Archive</title></head><body>"
                        "<table><tr><th>#</th><th>URL</th></tr>\r\n"))
            goto fail;
        size_t i;
        const json_t *ex;
        json_array_foreach(exs, i, ex)
        {
            char row[64];
            snprintf(row, sizeof row, "<tr><td>%lld</td><td>", o->start + (long long)i);
            if (put_str(&b, row) || put_xml_escaped(&b, fb_gen_str(ex, "url", "")) ||
                put_str(&b, "</td></tr>\r\n"))
                goto fail;
        }
        if (put_str(&b, "</table></body></html>\r\n") || add_entry(za, o, "_index.htm", &b))
            goto fail;
    }
    const char *comment = fb_gen_str(s, "comment",
                                     "Fiddler (v5.0.20204.45441) Session Archive. "
                                     "See https://fiddler2.com");
    if (*comment && zip_set_archive_comment(za, comment, (zip_uint16_t)strlen(comment)) != 0)
        goto fail;
    fb_buf_cleanup(&b);
    return 0;
fail:
    fb_buf_cleanup(&b);
    fprintf(stderr, "fbgen: %s\n", zip_strerror(za));
    return -1;
}

/* "cut_at": N keeps only the first N bytes of the archive (an upload or copy that stopped
 * early: the central directory at the end is lost). */
static int cut_short(const char *path, const json_t *cut_at)
{
    if (!json_is_integer(cut_at))
        return 0;
    if (truncate(path, (off_t)json_integer_value(cut_at)) != 0) {
        fprintf(stderr, "fbgen: cannot cut %s short: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int fb_gen_saz(const json_t *scenario, const char *out_path)
{
    const json_t *exs = json_object_get(scenario, "exchanges");
    if (!json_is_array(exs)) {
        fprintf(stderr, "fbgen: scenario has no \"exchanges\" array\n");
        return 1;
    }
    const json_t *s = json_object_get(scenario, "saz");
    struct saz_opts o;
    if (parse_opts(s, json_array_size(exs), &o) != 0)
        return 1;
    int zerr = 0;
    zip_t *za = zip_open(out_path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        fprintf(stderr, "fbgen: cannot create %s: %s\n", out_path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return 1;
    }
    size_t n = json_array_size(exs);
    for (size_t k = 0; k < n; k++) {
        size_t i = o.reverse ? n - 1 - k : k;
        char num[32];
        snprintf(num, sizeof num, "%0*lld", o.width, o.start + (long long)i);
        if (write_session(za, &o, scenario, json_array_get(exs, i), i, num) != 0) {
            zip_discard(za);
            return 1;
        }
    }
    if (write_extras(za, &o, s, exs) != 0) {
        zip_discard(za);
        return 1;
    }
    if (zip_close(za) != 0) {
        fprintf(stderr, "fbgen: cannot write %s: %s\n", out_path, zip_strerror(za));
        zip_discard(za);
        return 1;
    }
    return cut_short(out_path, json_object_get(s, "cut_at"));
}
