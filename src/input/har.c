/* har.c - the HAR 1.2 reader: one exchange per log.entries[] item, streamed to the
 * callback in file order (source "har:<i>", i the entry index).
 *
 * Spec: HAR 1.2 (softwareishard / w3c draft), with the producer quirks listed in
 * docs (peers.md section 4): Chrome/Edge, Firefox, Safari, Fiddler, Charles, Insomnia,
 * mitmproxy. Input: plain JSON with or without a UTF-8 BOM, or that JSON wrapped in
 * gzip or zlib (inflated into a capped buffer first). Parsing is jansson json_loadb with
 * JSON_ALLOW_NUL; a document jansson rejects is retried once on a copy in which invalid
 * UTF-8, lone surrogate escapes and raw control characters inside strings are repaired
 * (one warning), so one bad byte does not lose a whole trace.
 *
 * What an entry becomes:
 *   request.method/url/httpVersion/headers  -> ex->req (target = the absolute URL)
 *   request.postData.text (or params)       -> req.body (params rebuilt form-urlencoded)
 *   response.status/statusText/headers      -> ex->resp; missing or {} -> FB_EX_NO_RESPONSE,
 *                                              status 0 -> also FB_EX_ABORTED (+ advice)
 *   response.content.text (+ base64)        -> resp.body, already HTTP-decoded by the
 *                                              producer: never inflated again (PRE_DECODED)
 *   startedDateTime + timings (ms, -1)      -> ex->t in microseconds UTC. For an entry
 *                                              without a response, response_done is
 *                                              startedDateTime + time: when it ended.
 *   serverIPAddress, connection (numeric)   -> ex->conn
 * Fields starting with `_` (custom, per the spec) are ignored, as are pages, cache and
 * cookies (the Cookie headers carry the same data).
 *
 * Memory: the HAR is one JSON document, parsed whole (the documented exception to
 * streaming: about 2-3 times the file). Strings of an exchange are borrowed from the
 * parsed document, which outlives every callback; what has to be built (header arrays,
 * base64-decoded or rebuilt bodies) goes into the exchange's arena.
 * Not done here: capture-wide advice such as "sanitized export" or "no bodies" (the
 * capture accumulator computes those over all exchanges); .harp (JSONP) files.
 */
#include "fbdiag/input.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/exchange.h"
#include "fbdiag/trace.h"
#include "fbdiag/util.h"

#define HAR_MAX_ENTRIES 1000000u
#define HAR_MAX_INFLATED ((size_t)2 << 30) /* a gzip-wrapped HAR, inflated */
#define HAR_DEFAULT_MAX_HEADERS 1000u      /* when opts leave a limit at 0 */
#define HAR_DEFAULT_MAX_BODY ((size_t)256 << 20)

struct har_ctx {
    const struct fb_input_src *src;
    const struct fb_read_opts *o;
    struct fb_trace *t;
    size_t max_headers, max_req_body, max_resp_body;
};

/* ---- getting the JSON text: gzip/zlib wrapper, BOM ------------------------------ */

static int is_zlib_header(const uint8_t *p, size_t n)
{
    return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
           ((unsigned)p[0] * 256u + p[1]) % 31u == 0;
}

/* Inflates a gzip (several members allowed) or zlib stream into out, capped. A stream
 * that ends early keeps what inflated, with a warning (the JSON parse decides then). */
static int inflate_all(const struct har_ctx *c, const uint8_t *in, size_t len, struct fb_buf *out,
                       struct fb_diag *d)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return fb_diag_set(d, FB_ERR_FORMAT, c->src->path, "cannot start zlib");
    const uint8_t *p = in, *end = in + len;
    int rc = FB_OK;
    for (;;) {
        size_t avail = (size_t)(end - p);
        zs.next_in = (Bytef *)(uintptr_t)p;
        zs.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
        uint8_t *dst = fb_buf_reserve(out, 65536);
        if (!dst) {
            rc = fb_diag_set(d, FB_ERR_LIMIT, c->src->path,
                             "compressed HAR inflates to more than %zu bytes", out->max);
            break;
        }
        zs.next_out = dst;
        zs.avail_out = 65536;
        int zr = inflate(&zs, Z_NO_FLUSH);
        fb_buf_commit(out, 65536 - zs.avail_out);
        p = zs.next_in;
        if (zr == Z_STREAM_END) {
            /* another gzip member may follow (concatenated files) */
            if (p < end && *p == 0x1f && inflateReset(&zs) == Z_OK)
                continue;
            break;
        }
        if (zr == Z_BUF_ERROR && p == end) {
            fb_trace_warn(c->t, c->src->path, NULL,
                          "compressed HAR ends early (cut at %zu compressed bytes)", len);
            break;
        }
        if (zr != Z_OK) {
            if (out->len == 0) {
                rc = fb_diag_set(d, FB_ERR_FORMAT, c->src->path, "corrupt compressed HAR: %s",
                                 zs.msg ? zs.msg : "inflate failed");
                break;
            }
            fb_trace_warn(c->t, c->src->path, NULL, "corrupt compressed HAR after %zu bytes: %s",
                          out->len, zs.msg ? zs.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&zs);
    return rc;
}

/* ---- repair of text jansson refuses --------------------------------------------- */

/* Value of the 4 hex digits at p (p has 4 bytes), or -1. */
static long hex4(const uint8_t *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = fb_hex_digit(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Length of a valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF), or 0 when the byte at p does not start one. */
static size_t utf8_valid_len(const uint8_t *p, size_t n)
{
    uint8_t b = p[0];
    if (b < 0x80)
        return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf)
        need = 2;
    else if (b >= 0xe0 && b <= 0xef) {
        need = 3;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 4;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return need;
}

/* Copies in to out replacing, inside JSON strings, invalid UTF-8 bytes and lone
 * surrogate \u escapes by U+FFFD and raw control characters by \u00XX escapes.
 * Returns the number of repairs. The tokenizer only tracks strings and escapes, which
 * is all that is needed to know whether a byte or an escape lies inside a string. */
static size_t repair_json(const uint8_t *in, size_t n, struct fb_buf *out)
{
    static const char fffd_esc[] = "\\ufffd";
    size_t repairs = 0, i = 0;
    int in_str = 0;
    int ok = 1;
    while (i < n && ok) {
        uint8_t b = in[i];
        if (!in_str) {
            if (b == '"')
                in_str = 1;
            if (b >= 0x80) {
                size_t l = utf8_valid_len(in + i, n - i);
                if (l == 0) {
                    ok = fb_buf_append(out, "\xef\xbf\xbd", 3) == FB_OK;
                    repairs++;
                    i++;
                    continue;
                }
                ok = fb_buf_append(out, in + i, l) == FB_OK;
                i += l;
                continue;
            }
            ok = fb_buf_append(out, &b, 1) == FB_OK;
            i++;
            continue;
        }
        if (b == '"') {
            in_str = 0;
            ok = fb_buf_append(out, &b, 1) == FB_OK;
            i++;
        } else if (b == '\\') {
            if (i + 1 >= n) {
                ok = fb_buf_append(out, &b, 1) == FB_OK;
                i++;
            } else if (in[i + 1] != 'u' || i + 6 > n) {
                ok = fb_buf_append(out, in + i, 2) == FB_OK;
                i += 2;
            } else {
                long v = hex4(in + i + 2);
                if (v >= 0xd800 && v <= 0xdbff) {
                    long lo = -1;
                    if (i + 12 <= n && in[i + 6] == '\\' && in[i + 7] == 'u')
                        lo = hex4(in + i + 8);
                    if (lo >= 0xdc00 && lo <= 0xdfff) {
                        ok = fb_buf_append(out, in + i, 12) == FB_OK;
                        i += 12;
                    } else {
                        ok = fb_buf_append(out, fffd_esc, 6) == FB_OK;
                        repairs++;
                        i += 6;
                    }
                } else if (v >= 0xdc00 && v <= 0xdfff) {
                    ok = fb_buf_append(out, fffd_esc, 6) == FB_OK;
                    repairs++;
                    i += 6;
                } else {
                    ok = fb_buf_append(out, in + i, 6) == FB_OK;
                    i += 6;
                }
            }
        } else if (b < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)b);
            ok = fb_buf_append(out, esc, 6) == FB_OK;
            repairs++;
            i++;
        } else if (b >= 0x80) {
            size_t l = utf8_valid_len(in + i, n - i);
            if (l == 0) {
                ok = fb_buf_append(out, "\xef\xbf\xbd", 3) == FB_OK;
                repairs++;
                l = 1;
            } else
                ok = fb_buf_append(out, in + i, l) == FB_OK;
            i += l;
        } else {
            ok = fb_buf_append(out, &b, 1) == FB_OK;
            i++;
        }
    }
    return ok ? repairs : 0;
}

/* A HAR cut short (an export or upload that stopped early) is not valid JSON, but the
 * entries it holds before the cut are. Returns the offset just after the last complete
 * element of log.entries (0 when there is none) and counts them in *n. The scanner only
 * tracks strings, escapes, nesting and the keys "log" and "entries" at their depths. */
static size_t last_complete_entry(const uint8_t *t, size_t len, size_t *n)
{
    enum { MAX_DEPTH = 64 };
    char stack[MAX_DEPTH];
    int key_log = 0, key_entries = 0; /* the open containers at depth 1 and 2 are those */
    size_t depth = 0, end = 0, str_start = 0, str_len = 0;
    int in_str = 0, esc = 0;
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = t[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"') {
                in_str = 0;
                str_len = i - str_start;
            }
            continue;
        }
        if (ch == '"') {
            in_str = 1;
            str_start = i + 1;
        } else if (ch == ':') {
            const char *k = (const char *)t + str_start;
            if (depth == 1)
                key_log = str_len == 3 && memcmp(k, "log", 3) == 0;
            else if (depth == 2)
                key_entries = str_len == 7 && memcmp(k, "entries", 7) == 0;
        } else if (ch == '{' || ch == '[') {
            if (depth == MAX_DEPTH)
                return end;
            stack[depth++] = (char)ch;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return end;
            depth--;
            if (depth == 3 && stack[0] == '{' && stack[1] == '{' && stack[2] == '[' && key_log &&
                key_entries && ch == '}') {
                end = i + 1;
                (*n)++;
            }
        }
    }
    return end;
}

/* Reads the entries a HAR cut short still holds: everything up to the last complete
 * entry, with the open entries array, log and root closed. */
static json_t *parse_cut_short(const uint8_t *text, size_t len, size_t *n)
{
    size_t end = last_complete_entry(text, len, n);
    if (end == 0)
        return NULL;
    struct fb_buf b;
    fb_buf_init(&b, end + 8);
    json_t *root = NULL;
    if (fb_buf_append(&b, text, end) == FB_OK && fb_buf_append(&b, "]}}", 3) == FB_OK)
        root = json_loadb((const char *)b.data, b.len, JSON_ALLOW_NUL, NULL);
    fb_buf_cleanup(&b);
    return root;
}

/* Parses text as JSON; on failure retries once on a repaired copy (one warning), then as
 * a HAR cut short (one warning). */
static int parse_json(const struct har_ctx *c, const uint8_t *text, size_t len, json_t **root,
                      struct fb_diag *d)
{
    json_error_t err;
    *root = json_loadb((const char *)text, len, JSON_ALLOW_NUL, &err);
    if (*root)
        return FB_OK;
    struct fb_buf fixed;
    size_t cap = len > (SIZE_MAX - 64) / 6 ? SIZE_MAX : len * 6 + 64;
    fb_buf_init(&fixed, cap);
    size_t repairs = repair_json(text, len, &fixed);
    if (repairs > 0) {
        json_error_t err2;
        *root = json_loadb((const char *)fixed.data, fixed.len, JSON_ALLOW_NUL, &err2);
        if (*root)
            fb_trace_warn(c->t, c->src->path, NULL,
                          "HAR is not valid JSON at line %d column %d (%s); read after "
                          "replacing %zu invalid UTF-8 byte(s), lone surrogate(s) or control "
                          "character(s)",
                          err.line, err.column, err.text, repairs);
    }
    if (!*root) {
        size_t n = 0;
        *root = repairs > 0 ? parse_cut_short(fixed.data, fixed.len, &n)
                            : parse_cut_short(text, len, &n);
        if (*root)
            fb_trace_warn(c->t, c->src->path, NULL,
                          "HAR is cut short or broken at line %d column %d (%s): read the %zu "
                          "complete entries before that point",
                          err.line, err.column, err.text, n);
    }
    fb_buf_cleanup(&fixed);
    if (*root)
        return FB_OK;
    return fb_diag_set(d, FB_ERR_FORMAT, c->src->path, "not valid JSON at line %d column %d: %s",
                       err.line, err.column, err.text);
}

/* ---- small JSON accessors (missing keys tolerated everywhere) --------------------- */

static struct fb_str jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_string(v))
        return fb_str_make("", 0);
    return fb_str_make(json_string_value(v), json_string_length(v));
}

/* A number (integer, real, or a numeric string as some producers write); 0 when found. */
static int jnum(const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return *out == *out && *out < 1e300 && *out > -1e300 ? 0 : -1; /* finite */
    }
    if (json_is_string(v)) {
        uint64_t u;
        if (fb_str_to_u64(fb_str_make(json_string_value(v), json_string_length(v)), &u) == FB_OK &&
            u <= (uint64_t)INT64_MAX) {
            *out = (double)u;
            return 0;
        }
    }
    return -1;
}

/* Milliseconds (HAR) to microseconds, rounded. */
static int64_t ms_to_us(double ms)
{
    if (!(ms < 9.2e12 && ms > -9.2e12)) /* also NaN */
        return 0;
    double us = ms * 1000.0;
    return (int64_t)(us < 0 ? us - 0.5 : us + 0.5); /* round half away from zero */
}

/* ---- ISO 8601 ----------------------------------------------------------------- */

static int digits(struct fb_str s, size_t at, size_t n, int *out)
{
    if (at + n > s.len)
        return -1;
    int v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return -1;
        v = v * 10 + (s.ptr[i] - '0');
    }
    *out = v;
    return 0;
}

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM|+HHMM|-..]" (no offset: UTC) into
 * microseconds since the epoch. Returns 0, or -1 when the text is not such a time. */
static int parse_iso8601(struct fb_str s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    s = fb_str_trim(s);
    if (digits(s, 0, 4, &y) || s.len < 19 || s.ptr[4] != '-' || digits(s, 5, 2, &mo) ||
        s.ptr[7] != '-' || digits(s, 8, 2, &d) || (s.ptr[10] != 'T' && s.ptr[10] != ' ') ||
        digits(s, 11, 2, &h) || s.ptr[13] != ':' || digits(s, 14, 2, &mi) || s.ptr[16] != ':' ||
        digits(s, 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    int64_t frac_us = 0;
    if (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == ',')) {
        i++;
        int64_t scale = 100000;
        size_t start = i;
        while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9') {
            frac_us += (s.ptr[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return -1;
    }
    int64_t off_s = 0;
    if (i < s.len) {
        char sign = s.ptr[i];
        if ((sign == 'Z' || sign == 'z') && i + 1 == s.len) {
            /* UTC */
        } else if (sign == '+' || sign == '-') {
            int oh, om = 0;
            if (digits(s, i + 1, 2, &oh))
                return -1;
            size_t j = i + 3;
            if (j < s.len && s.ptr[j] == ':')
                j++;
            if (j < s.len) {
                if (digits(s, j, 2, &om) || j + 2 != s.len)
                    return -1;
            }
            if (oh > 23 || om > 59)
                return -1;
            off_s = (int64_t)(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
        } else
            return -1;
    }
    int64_t days = fb_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off_s;
    *out = secs * 1000000 + frac_us;
    return 0;
}

/* ---- building one exchange ---------------------------------------------------- */

static void read_headers(const struct har_ctx *c, const json_t *msg, struct fb_msg *m,
                         struct fb_arena *a, const char *source)
{
    const json_t *arr = json_object_get(msg, "headers");
    if (!json_is_array(arr))
        return;
    size_t n = json_array_size(arr), keep = n < c->max_headers ? n : c->max_headers;
    m->headers = keep ? fb_arena_calloc(a, keep, sizeof *m->headers) : NULL;
    size_t k = 0, seen = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *h = json_array_get(arr, i);
        const json_t *name = json_object_get(h, "name");
        if (!json_is_string(name))
            continue;
        seen++;
        if (k == keep)
            continue;
        m->headers[k].name = fb_str_make(json_string_value(name), json_string_length(name));
        m->headers[k].value = jstr(h, "value");
        k++;
    }
    m->n_headers = k;
    if (seen > k) {
        m->flags |= FB_MSG_HEADER_LIMIT;
        fb_trace_warn(c->t, c->src->path, source, "%zu headers beyond the cap of %zu dropped",
                      seen - k, c->max_headers);
    }
}

/* Decodes base64 text (newlines and padding allowed) into the arena. 0, or -1 when the
 * text is not base64 (out unchanged). */
static int base64_decode(struct fb_str text, struct fb_arena *a, size_t max, struct fb_str *out,
                         int *cut)
{
    size_t cap = text.len / 4 * 3 + 3;
    uint8_t *dst = fb_arena_alloc(a, cap + 1);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!ctx)
        return -1;
    EVP_DecodeInit(ctx);
    size_t done = 0, pos = 0;
    int rc = 0;
    while (pos < text.len) {
        size_t step = text.len - pos > (1u << 20) ? (1u << 20) : text.len - pos;
        int outl = 0;
        if (EVP_DecodeUpdate(ctx, dst + done, &outl, (const unsigned char *)text.ptr + pos,
                             (int)step) < 0) {
            rc = -1;
            break;
        }
        done += (size_t)outl;
        pos += step;
    }
    if (rc == 0) {
        int outl = 0;
        if (EVP_DecodeFinal(ctx, dst + done, &outl) < 0)
            rc = -1;
        else
            done += (size_t)outl;
    }
    EVP_ENCODE_CTX_free(ctx);
    if (rc)
        return -1;
    *cut = done > max;
    dst[done] = 0;
    *out = fb_str_make((const char *)dst, done > max ? max : done);
    return 0;
}

/* application/x-www-form-urlencoded byte: unreserved kept, space '+', else %XX. */
static int form_append(struct fb_buf *b, struct fb_str s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        uint8_t ch = (uint8_t)s.ptr[i];
        int rc;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '*')
            rc = fb_buf_append(b, &ch, 1);
        else if (ch == ' ')
            rc = fb_buf_append(b, "+", 1);
        else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            rc = fb_buf_append(b, e, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Request body: postData.text (base64 when postData.encoding says so, a HAR 1.3
 * proposal some producers emit), else params rebuilt as name=value&... with
 * form-urlencoding (HAR keeps params decoded). */
static void read_post(const struct har_ctx *c, const json_t *req, struct fb_exchange *ex,
                      const char *source)
{
    struct fb_msg *m = &ex->req;
    const json_t *pd = json_object_get(req, "postData");
    const json_t *text = json_object_get(pd, "text");
    const json_t *params = json_object_get(pd, "params");
    int cut = 0;
    uint64_t full = 0;
    if (json_is_string(text)) {
        struct fb_str t = fb_str_make(json_string_value(text), json_string_length(text));
        if (fb_str_ieq_cstr(jstr(pd, "encoding"), "base64")) {
            if (base64_decode(t, ex->arena, c->max_req_body, &m->body, &cut) != 0) {
                fb_trace_warn(c->t, c->src->path, source,
                              "request postData is not valid base64: kept as text");
                m->flags |= FB_MSG_DECODE_FAILED;
                m->body = t;
            }
            full = cut ? (uint64_t)(t.len / 4 * 3) : m->body.len;
        } else {
            full = t.len;
            cut = t.len > c->max_req_body;
            m->body = fb_str_make(t.ptr, cut ? c->max_req_body : t.len);
        }
    } else if (json_is_array(params) && json_array_size(params) > 0) {
        struct fb_buf b;
        fb_buf_init(&b, c->max_req_body);
        for (size_t i = 0; i < json_array_size(params) && !cut; i++) {
            const json_t *p = json_array_get(params, i);
            if (!json_is_object(p))
                continue;
            if ((b.len && fb_buf_append(&b, "&", 1)) || form_append(&b, jstr(p, "name")) ||
                fb_buf_append(&b, "=", 1) || form_append(&b, jstr(p, "value")))
                cut = 1;
        }
        size_t len;
        uint8_t *data = fb_buf_detach(&b, &len);
        fb_arena_adopt(ex->arena, data);
        m->body = fb_str_make((const char *)data, len);
        full = len;
    } else {
        double bs;
        if (jnum(req, "bodySize", &bs) == 0 && bs > 0)
            m->flags |= FB_MSG_BODY_OMITTED;
    }
    if (cut) {
        m->flags |= FB_MSG_BODY_LIMIT;
        fb_trace_warn(c->t, c->src->path, source, "request body cut at the cap of %zu bytes",
                      c->max_req_body);
    }
    double bs;
    m->decoded_size = full > m->body.len ? full : m->body.len;
    m->wire_size = jnum(req, "bodySize", &bs) == 0 && bs >= 0 ? (uint64_t)bs : m->decoded_size;
}

/* A producer that stored base64 of still-gzipped bytes (seen with some proxies): the
 * bytes start with the gzip magic AND the headers say gzip. Only then is the body
 * inflated here (zlib, capped); every other HAR body is used as stored. */
static void undo_stored_gzip(const struct har_ctx *c, struct fb_msg *m, struct fb_arena *a,
                             const char *source)
{
    struct fb_str ce = fb_str_trim(fb_msg_header_value(m, "Content-Encoding"));
    if (m->body.len < 10 || (uint8_t)m->body.ptr[0] != 0x1f || (uint8_t)m->body.ptr[1] != 0x8b ||
        !(fb_str_ieq_cstr(ce, "gzip") || fb_str_ieq_cstr(ce, "x-gzip")))
        return;
    struct fb_buf out;
    fb_buf_init(&out, c->max_resp_body);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return;
    zs.next_in = (Bytef *)(uintptr_t)m->body.ptr;
    zs.avail_in = m->body.len > UINT32_MAX ? UINT32_MAX : (uInt)m->body.len;
    int zr = Z_OK, limit = 0;
    while (zr == Z_OK) {
        uint8_t *dst = fb_buf_reserve(&out, 65536);
        if (!dst) {
            limit = 1;
            break;
        }
        zs.next_out = dst;
        zs.avail_out = 65536;
        zr = inflate(&zs, Z_NO_FLUSH);
        fb_buf_commit(&out, 65536 - zs.avail_out);
        if (zr == Z_BUF_ERROR && zs.avail_out != 0)
            break;
        if (zr == Z_BUF_ERROR)
            zr = Z_OK;
    }
    inflateEnd(&zs);
    if (zr != Z_STREAM_END && !limit) {
        fb_buf_cleanup(&out);
        m->flags |= FB_MSG_DECODE_FAILED;
        fb_trace_warn(c->t, c->src->path, source,
                      "response body looks gzip-compressed but does not inflate: kept as stored");
        return;
    }
    size_t len;
    uint8_t *data = fb_buf_detach(&out, &len);
    fb_arena_adopt(a, data);
    m->body = fb_str_make(data ? (const char *)data : "", len);
    m->decoded_size = len;
    m->flags = (m->flags & ~(unsigned)FB_MSG_PRE_DECODED) | FB_MSG_DECODED;
    if (limit) {
        m->flags |= FB_MSG_DECODE_LIMIT;
        fb_trace_warn(c->t, c->src->path, source, "response body inflates past %zu bytes: cut",
                      c->max_resp_body);
    }
}

static void read_response(const struct har_ctx *c, const json_t *entry, struct fb_exchange *ex,
                          const char *source)
{
    struct fb_msg *m = &ex->resp;
    const json_t *resp = json_object_get(entry, "response");
    if (!json_is_object(resp) || json_object_size(resp) == 0) {
        ex->flags |= FB_EX_NO_RESPONSE;
        return;
    }
    double st;
    int has_status = jnum(resp, "status", &st) == 0;
    if (!has_status || st < 0 || st > 999 || st != (double)(int)st) {
        ex->flags |= FB_EX_NO_RESPONSE;
        fb_trace_warn(c->t, c->src->path, source, "response without a valid status: ignored");
        return;
    }
    m->status = (int)st;
    if (m->status == 0) {
        ex->flags |= FB_EX_NO_RESPONSE | FB_EX_ABORTED;
        fb_trace_advise(c->t, FB_ADV_ABANDONED, c->src->path, source);
    }
    m->reason = jstr(resp, "statusText");
    enum fb_version v = fb_version_parse(jstr(resp, "httpVersion"));
    m->version = v != FB_VER_UNKNOWN ? v : ex->version;
    read_headers(c, resp, m, ex->arena, source);

    const json_t *content = json_object_get(resp, "content");
    const json_t *text = json_object_get(content, "text");
    double csize = -1, bsize = -1;
    int has_csize = jnum(content, "size", &csize) == 0 && csize >= 0;
    int has_bsize = jnum(resp, "bodySize", &bsize) == 0 && bsize >= 0;
    uint64_t full = 0;
    int cut = 0;
    if (json_is_string(text)) {
        struct fb_str t = fb_str_make(json_string_value(text), json_string_length(text));
        if (fb_str_ieq_cstr(jstr(content, "encoding"), "base64")) {
            if (base64_decode(t, ex->arena, c->max_resp_body, &m->body, &cut) != 0) {
                fb_trace_warn(c->t, c->src->path, source,
                              "response content is not valid base64: kept as text");
                m->flags |= FB_MSG_DECODE_FAILED;
                m->body = t;
            }
            full = cut && has_csize ? (uint64_t)csize : m->body.len;
        } else {
            full = t.len;
            cut = t.len > c->max_resp_body;
            m->body = fb_str_make(t.ptr, cut ? c->max_resp_body : t.len);
        }
        struct fb_str ce = fb_str_trim(fb_msg_header_value(m, "Content-Encoding"));
        if (ce.len && !fb_str_ieq_cstr(ce, "identity"))
            m->flags |= FB_MSG_PRE_DECODED;
        if (cut) {
            m->flags |= FB_MSG_BODY_LIMIT;
            fb_trace_warn(c->t, c->src->path, source, "response body cut at the cap of %zu bytes",
                          c->max_resp_body);
        }
    } else if (m->status != 304 && m->status != 0 &&
               ((has_csize && csize > 0) || (has_bsize && bsize > 0))) {
        m->flags |= FB_MSG_BODY_OMITTED;
    }
    m->decoded_size = full > m->body.len ? full : m->body.len;
    m->wire_size = has_bsize ? (uint64_t)bsize : has_csize ? (uint64_t)csize : m->decoded_size;
    if (m->body.len)
        undo_stored_gzip(c, m, ex->arena, source);
}

static void read_timings(const json_t *entry, struct fb_exchange *ex)
{
    if (parse_iso8601(jstr(entry, "startedDateTime"), &ex->t.started) != 0) {
        ex->t.started = 0;
        return;
    }
    const json_t *tm = json_object_get(entry, "timings");
    double v, total;
    int has_total = jnum(entry, "time", &total) == 0 && total >= 0;
    int64_t at = ex->t.started;
    int known = 0;
    static const char *const before_send[] = {"blocked", "dns", "connect"}; /* ssl is in connect */
    for (size_t i = 0; i < FB_ARRAY_LEN(before_send); i++)
        if (jnum(tm, before_send[i], &v) == 0 && v > 0)
            at += ms_to_us(v);
    if (jnum(tm, "send", &v) == 0 && v >= 0) {
        ex->t.request_done = at + ms_to_us(v);
        at = ex->t.request_done;
        known = 1;
    }
    if (!(ex->flags & FB_EX_NO_RESPONSE)) {
        if (known && jnum(tm, "wait", &v) == 0 && v >= 0) {
            ex->t.response_start = at + ms_to_us(v);
            if (jnum(tm, "receive", &v) == 0 && v >= 0)
                ex->t.response_done = ex->t.response_start + ms_to_us(v);
        }
    }
    if (ex->t.response_done == 0 && has_total)
        ex->t.response_done = ex->t.started + ms_to_us(total);
}

static void read_conn(const json_t *entry, struct fb_exchange *ex)
{
    struct fb_str ip = fb_str_trim(jstr(entry, "serverIPAddress"));
    if (ip.len >= 2 && ip.ptr[0] == '[' && ip.ptr[ip.len - 1] == ']')
        ip = fb_str_make(ip.ptr + 1, ip.len - 2);
    ex->conn.server_ip = ip;
    const json_t *cn = json_object_get(entry, "connection");
    uint64_t id;
    if (json_is_integer(cn) && json_integer_value(cn) >= 0)
        ex->conn.conn_id = json_integer_value(cn);
    else if (json_is_string(cn) &&
             fb_str_to_u64(fb_str_make(json_string_value(cn), json_string_length(cn)), &id) ==
                 FB_OK &&
             id <= (uint64_t)INT64_MAX)
        ex->conn.conn_id = (int64_t)id;
}

static int read_entry(const struct har_ctx *c, const json_t *entry, size_t i, fb_exchange_cb cb,
                      void *user)
{
    struct fb_arena *a = fb_arena_new();
    struct fb_exchange ex;
    fb_exchange_init(&ex, a);
    ex.index = (uint32_t)i;
    char *source = fb_arena_printf(a, "har:%zu", i);
    ex.source = fb_str_cstr(source);

    const json_t *req = json_object_get(entry, "request");
    if (!json_is_object(req))
        fb_trace_warn(c->t, c->src->path, source, "entry without a request object");
    ex.req.method = jstr(req, "method");
    ex.url = jstr(req, "url");
    ex.req.target = ex.url;
    if (fb_str_istarts(ex.url, "https://") || fb_str_istarts(ex.url, "wss://"))
        ex.flags |= FB_EX_HTTPS;
    ex.version = fb_version_parse(jstr(req, "httpVersion"));
    if (ex.version == FB_VER_UNKNOWN)
        ex.version = fb_version_parse(jstr(json_object_get(entry, "response"), "httpVersion"));
    ex.req.version = ex.version;
    if (ex.version == FB_HTTP3)
        fb_trace_advise(c->t, FB_ADV_HTTP3, c->src->path, source);
    read_headers(c, req, &ex.req, a, source);
    read_post(c, req, &ex, source);
    read_response(c, entry, &ex, source);
    read_timings(entry, &ex);
    read_conn(entry, &ex);

    int rc = cb(&ex, user);
    fb_arena_free(a);
    return rc;
}

static int read_fn(const struct fb_input_src *src, const struct fb_read_opts *o, fb_exchange_cb cb,
                   void *user, struct fb_trace *t, struct fb_diag *d)
{
    struct har_ctx c = {
        src, o, t, HAR_DEFAULT_MAX_HEADERS, HAR_DEFAULT_MAX_BODY, HAR_DEFAULT_MAX_BODY};
    if (o && o->limits.max_headers)
        c.max_headers = o->limits.max_headers;
    if (o && o->limits.max_body)
        c.max_req_body = c.max_resp_body = o->limits.max_body;
    if (o && o->limits.max_decoded)
        c.max_resp_body = o->limits.max_decoded;

    const uint8_t *text = src->data;
    size_t len = src->len;
    struct fb_buf inflated;
    fb_buf_init(&inflated, HAR_MAX_INFLATED);
    if ((len >= 2 && text[0] == 0x1f && text[1] == 0x8b) || is_zlib_header(text, len)) {
        int rc = inflate_all(&c, text, len, &inflated, d);
        if (rc) {
            fb_buf_cleanup(&inflated);
            return rc;
        }
        text = inflated.data ? inflated.data : (const uint8_t *)"";
        len = inflated.len;
    }
    if (len >= 3 && text[0] == 0xef && text[1] == 0xbb && text[2] == 0xbf) {
        text += 3;
        len -= 3;
    }
    json_t *root = NULL;
    int rc = parse_json(&c, text, len, &root, d);
    fb_buf_cleanup(&inflated);
    if (rc)
        return rc;

    const json_t *entries = json_object_get(json_object_get(root, "log"), "entries");
    if (!json_is_array(entries)) {
        json_decref(root);
        return fb_diag_set(d, FB_ERR_FORMAT, src->path, "JSON without log.entries: not a HAR file");
    }
    size_t n = json_array_size(entries), cap = HAR_MAX_ENTRIES;
    if (o && o->max_exchanges && o->max_exchanges < cap)
        cap = (size_t)o->max_exchanges;
    if (n > cap) {
        fb_trace_warn(t, src->path, NULL, "%zu HAR entries beyond the cap of %zu not read", n - cap,
                      cap);
        n = cap;
    }
    rc = FB_OK;
    for (size_t i = 0; i < n && rc == FB_OK; i++) {
        const json_t *e = json_array_get(entries, i);
        if (!json_is_object(e)) {
            fb_trace_warn(t, src->path, NULL, "HAR entry %zu is not an object: skipped", i);
            continue;
        }
        rc = read_entry(&c, e, i, cb, user);
    }
    json_decref(root);
    return rc;
}

const struct fb_reader fb_har_reader = {"har", 0, read_fn};
