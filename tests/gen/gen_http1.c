/* gen_http1.c - generator helpers shared by the writers: scenario field access, bodies
 * (inline, from a file, base64), content codings (zlib, brotli, zstd) and HTTP/1
 * message bytes (RFC 9112 framing: Content-Length or chunked with trailers).
 * Tests only. It writes well-formed messages unless the scenario asks otherwise; it
 * does not check that a scenario makes sense.
 */
#include "gen_internal.h"

#include <brotli/encode.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "fbdiag/util.h"

const char *fb_gen_str(const json_t *obj, const char *key, const char *dflt)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : dflt;
}

long long fb_gen_int(const json_t *obj, const char *key, long long dflt)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return dflt;
}

int fb_gen_bool(const json_t *obj, const char *key, int dflt)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (json_is_boolean(v))
        return json_is_true(v);
    return dflt;
}

const char *fb_gen_base_dir(const json_t *scenario)
{
    return fb_gen_str(scenario, "base_dir", ".");
}

const char *fb_gen_header(const json_t *headers, const char *name)
{
    size_t i;
    const json_t *h;
    if (!json_is_array(headers))
        return NULL;
    json_array_foreach(headers, i, h)
    {
        const char *n = json_string_value(json_array_get(h, 0));
        if (n && strcasecmp(n, name) == 0)
            return json_string_value(json_array_get(h, 1));
    }
    return NULL;
}

static int put(struct fb_buf *b, const void *p, size_t n)
{
    if (fb_buf_append(b, p, n) != 0) {
        fprintf(stderr, "fbgen: output larger than %zu bytes\n", b->max);
        return -1;
    }
    return 0;
}

static int putf(struct fb_buf *b, const char *fmt, ...) FB_PRINTF(2, 3);
static int putf(struct fb_buf *b, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "fbgen: line too long\n");
        return -1;
    }
    return put(b, tmp, (size_t)n);
}

static int base64_decode(const char *s, struct fb_buf *out)
{
    size_t n = strlen(s);
    if (n % 4 != 0 || n > (size_t)1 << 30) {
        fprintf(stderr, "fbgen: body_base64 is not base64 (length %zu)\n", n);
        return -1;
    }
    uint8_t *dst = fb_buf_reserve(out, n / 4 * 3 + 1);
    if (!dst)
        return -1;
    int got = EVP_DecodeBlock(dst, (const unsigned char *)s, (int)n);
    if (got < 0) {
        fprintf(stderr, "fbgen: body_base64 is not base64\n");
        return -1;
    }
    size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
    fb_buf_commit(out, (size_t)got - pad);
    return 0;
}

int fb_gen_load_body(const json_t *scenario, const json_t *obj, struct fb_buf *out)
{
    const char *s;
    if ((s = fb_gen_str(obj, "body", NULL)) != NULL)
        return put(out, s, strlen(s));
    if ((s = fb_gen_str(obj, "body_base64", NULL)) != NULL)
        return base64_decode(s, out);
    if ((s = fb_gen_str(obj, "body_file", NULL)) != NULL) {
        char path[4096];
        if (s[0] == '/')
            snprintf(path, sizeof path, "%s", s);
        else
            snprintf(path, sizeof path, "%s/%s", fb_gen_base_dir(scenario), s);
        uint8_t *data;
        size_t len;
        if (fb_read_file(path, FB_GEN_MAX_BYTES, &data, &len) != FB_OK) {
            fprintf(stderr, "fbgen: cannot read body_file %s\n", path);
            return -1;
        }
        int rc = put(out, data, len);
        free(data);
        return rc;
    }
    long long size = fb_gen_int(obj, "body_size", 0);
    if (size > 0) {
        if ((size_t)size > FB_GEN_MAX_BYTES) {
            fprintf(stderr, "fbgen: body_size %lld too large\n", size);
            return -1;
        }
        static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        uint8_t *dst = fb_buf_reserve(out, (size_t)size);
        if (!dst)
            return -1;
        for (size_t i = 0; i < (size_t)size; i++)
            dst[i] = (uint8_t)pattern[i % (sizeof pattern - 1)];
        fb_buf_commit(out, (size_t)size);
    }
    return 0;
}

/* zlib family: window bits 31 = gzip, 15 = zlib, -15 = raw deflate. */
static int zlib_encode(int wbits, const uint8_t *in, size_t len, struct fb_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)len);
    uint8_t *dst = fb_buf_reserve(out, cap);
    if (!dst) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t done = cap - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END)
        return -1;
    fb_buf_commit(out, done);
    return 0;
}

static int encode_one(const char *coding, const uint8_t *in, size_t len, struct fb_buf *out)
{
    if (strcasecmp(coding, "gzip") == 0 || strcasecmp(coding, "x-gzip") == 0)
        return zlib_encode(31, in, len, out);
    if (strcasecmp(coding, "deflate") == 0)
        return zlib_encode(15, in, len, out);
    if (strcasecmp(coding, "deflate-raw") == 0)
        return zlib_encode(-15, in, len, out);
    if (strcasecmp(coding, "identity") == 0)
        return put(out, in, len);
    if (strcasecmp(coding, "br") == 0) {
        size_t cap = BrotliEncoderMaxCompressedSize(len);
        if (cap == 0)
            cap = len + 1024;
        uint8_t *dst = fb_buf_reserve(out, cap);
        if (!dst || !BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, len, in,
                                           &cap, dst))
            return -1;
        fb_buf_commit(out, cap);
        return 0;
    }
    if (strcasecmp(coding, "zstd") == 0) {
        size_t cap = ZSTD_compressBound(len);
        uint8_t *dst = fb_buf_reserve(out, cap);
        if (!dst)
            return -1;
        size_t n = ZSTD_compress(dst, cap, in, len, 3);
        if (ZSTD_isError(n))
            return -1;
        fb_buf_commit(out, n);
        return 0;
    }
    fprintf(stderr, "fbgen: unknown content coding '%s'\n", coding);
    return -1;
}

/* Calls fn for each comma-separated token of list (trimmed), in order. */
static int each_token(const char *list, int (*fn)(const char *tok, void *u), void *u)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if (t > p) {
            char tok[64];
            snprintf(tok, sizeof tok, "%.*s", (int)(t - p), p);
            if (fn(tok, u) != 0)
                return -1;
        }
        p = e;
    }
    return 0;
}

struct enc_state {
    struct fb_buf cur;
};

static int enc_step(const char *tok, void *u)
{
    struct enc_state *st = u;
    struct fb_buf next;
    fb_buf_init(&next, FB_GEN_MAX_BYTES);
    if (encode_one(tok, st->cur.data, st->cur.len, &next) != 0) {
        fb_buf_cleanup(&next);
        fprintf(stderr, "fbgen: cannot apply content coding '%s'\n", tok);
        return -1;
    }
    fb_buf_cleanup(&st->cur);
    st->cur = next;
    return 0;
}

int fb_gen_encode(const char *encodings, const uint8_t *in, size_t len, struct fb_buf *out)
{
    struct enc_state st;
    fb_buf_init(&st.cur, FB_GEN_MAX_BYTES);
    if (put(&st.cur, in, len) != 0 || each_token(encodings, enc_step, &st) != 0 ||
        put(out, st.cur.data, st.cur.len) != 0) {
        fb_buf_cleanup(&st.cur);
        return -1;
    }
    fb_buf_cleanup(&st.cur);
    return 0;
}

struct hdr_state {
    char *dst;
    size_t cap, len;
};

static int hdr_step(const char *tok, void *u)
{
    struct hdr_state *st = u;
    const char *name = strcasecmp(tok, "deflate-raw") == 0 ? "deflate" : tok;
    int n = snprintf(st->dst + st->len, st->cap - st->len, "%s%s", st->len ? ", " : "", name);
    if (n > 0)
        st->len += (size_t)n < st->cap - st->len ? (size_t)n : st->cap - st->len - 1;
    return 0;
}

void fb_gen_encoding_header(const char *encodings, char *dst, size_t cap)
{
    struct hdr_state st = {dst, cap, 0};
    if (cap == 0)
        return;
    dst[0] = '\0';
    (void)each_token(encodings, hdr_step, &st);
}

int fb_gen_msg_load(const json_t *scenario, const json_t *exchange, int response,
                    struct fb_gen_msg *m)
{
    memset(m, 0, sizeof *m);
    fb_buf_init(&m->body, FB_GEN_MAX_BYTES);
    fb_buf_init(&m->wire, FB_GEN_MAX_BYTES);
    const json_t *src = exchange;
    m->is_response = response;
    if (response) {
        src = json_object_get(exchange, "response");
        if (!json_is_object(src)) {
            fprintf(stderr, "fbgen: exchange has no response object\n");
            return -1;
        }
        m->status = (int)fb_gen_int(src, "status", 200);
        m->reason = fb_gen_str(src, "reason", "OK");
    } else {
        m->method = fb_gen_str(src, "method", "GET");
        m->url = fb_gen_str(src, "url", NULL);
        if (!m->url) {
            fprintf(stderr, "fbgen: exchange without url\n");
            return -1;
        }
        m->target = fb_gen_str(src, "target", m->url);
    }
    m->version = fb_gen_str(src, "version", "HTTP/1.1");
    m->headers = json_object_get(src, "headers");
    m->chunked = fb_gen_bool(src, "chunked", 0);
    m->chunk_size = (size_t)fb_gen_int(src, "chunk_size", 0);
    m->trailers = json_object_get(src, "trailers");
    m->no_content_length = fb_gen_bool(src, "no_content_length", 0);
    m->content_encoding = fb_gen_str(src, "content_encoding", NULL);
    m->set_content_encoding = m->content_encoding && !fb_gen_header(m->headers, "Content-Encoding");
    if (fb_gen_load_body(scenario, src, &m->body) != 0)
        return -1;
    if (m->content_encoding)
        return fb_gen_encode(m->content_encoding, m->body.data, m->body.len, &m->wire);
    return put(&m->wire, m->body.data, m->body.len);
}

void fb_gen_msg_cleanup(struct fb_gen_msg *m)
{
    fb_buf_cleanup(&m->body);
    fb_buf_cleanup(&m->wire);
}

static int host_of(const char *url, char *dst, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= cap)
        return -1;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return 0;
}

static int write_headers(const json_t *headers, unsigned skip_framing, struct fb_buf *out)
{
    size_t i;
    const json_t *h;
    if (!json_is_array(headers))
        return 0;
    json_array_foreach(headers, i, h)
    {
        const char *n = json_string_value(json_array_get(h, 0));
        const char *v = json_string_value(json_array_get(h, 1));
        if (!n || !v) {
            fprintf(stderr, "fbgen: header %zu is not [name, value]\n", i);
            return -1;
        }
        if (skip_framing &&
            (strcasecmp(n, "Transfer-Encoding") == 0 || strcasecmp(n, "Content-Encoding") == 0 ||
             strcasecmp(n, "Content-Length") == 0))
            continue;
        if (putf(out, "%s: %s\r\n", n, v) != 0)
            return -1;
    }
    return 0;
}

static int write_chunked(const struct fb_gen_msg *m, struct fb_buf *out)
{
    size_t step = m->chunk_size ? m->chunk_size : (m->wire.len ? m->wire.len : 1);
    for (size_t off = 0; off < m->wire.len; off += step) {
        size_t n = m->wire.len - off < step ? m->wire.len - off : step;
        if (putf(out, "%zx\r\n", n) != 0 || put(out, m->wire.data + off, n) != 0 ||
            put(out, "\r\n", 2) != 0)
            return -1;
    }
    if (put(out, "0\r\n", 3) != 0 || write_headers(m->trailers, 0, out) != 0)
        return -1;
    return put(out, "\r\n", 2);
}

int fb_gen_msg_write(const struct fb_gen_msg *m, unsigned wflags, struct fb_buf *out)
{
    int decoded = (wflags & FB_GEN_W_DECODED) != 0;
    if (m->is_response) {
        if (putf(out, "%s %d %s\r\n", m->version, m->status, m->reason) != 0)
            return -1;
    } else {
        if (putf(out, "%s %s %s\r\n", m->method, m->target, m->version) != 0)
            return -1;
        char host[1024];
        if (!fb_gen_header(m->headers, "Host") && host_of(m->url, host, sizeof host) == 0 &&
            putf(out, "Host: %s\r\n", host) != 0)
            return -1;
    }
    if (write_headers(m->headers, decoded, out) != 0)
        return -1;
    const struct fb_buf *payload = decoded ? &m->body : &m->wire;
    if (decoded) {
        if (putf(out, "Content-Length: %zu\r\n\r\n", m->body.len) != 0)
            return -1;
        return (wflags & FB_GEN_W_DROP_BODY) ? 0 : put(out, payload->data, payload->len);
    }
    if (m->set_content_encoding) {
        char ce[256];
        fb_gen_encoding_header(m->content_encoding, ce, sizeof ce);
        if (putf(out, "Content-Encoding: %s\r\n", ce) != 0)
            return -1;
    }
    if (m->chunked) {
        if (!fb_gen_header(m->headers, "Transfer-Encoding") &&
            putf(out, "Transfer-Encoding: chunked\r\n") != 0)
            return -1;
    } else if (!m->no_content_length && !fb_gen_header(m->headers, "Content-Length")) {
        /* a request without a body gets no Content-Length, as clients send them */
        if ((m->is_response || payload->len > 0) &&
            putf(out, "Content-Length: %zu\r\n", payload->len) != 0)
            return -1;
    }
    if (put(out, "\r\n", 2) != 0)
        return -1;
    if (wflags & FB_GEN_W_DROP_BODY)
        return 0;
    if (m->chunked)
        return write_chunked(m, out);
    return put(out, payload->data, payload->len);
}

int fb_gen_write_interim(const json_t *response, struct fb_buf *out)
{
    const json_t *arr = json_object_get(response, "interim");
    size_t i;
    const json_t *v;
    if (!json_is_array(arr))
        return 0;
    json_array_foreach(arr, i, v)
    {
        int st = (int)json_integer_value(v);
        const char *reason = st == 100 ? "Continue" : st == 103 ? "Early Hints" : "Info";
        if (putf(out, "HTTP/1.1 %d %s\r\n\r\n", st, reason) != 0)
            return -1;
    }
    return 0;
}

int fb_gen_parse_time(const char *s, int64_t *us)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        goto bad;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        p++;
        while (isdigit((unsigned char)*p)) {
            if (digits < 6)
                frac = frac * 10 + (*p - '0');
            digits++;
            p++;
        }
        for (; digits < 6; digits++)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
            goto bad;
        off = (oh * 60 + om) * 60;
        if (*p == '-')
            off = -off;
        p += 6;
    } else if (*p == 'Z') {
        p++;
    }
    if (*p)
        goto bad;
    int64_t secs =
        fb_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    *us = secs * 1000000 + frac;
    return 0;
bad:
    fprintf(stderr, "fbgen: bad timestamp '%s'\n", s);
    return -1;
}

void fb_gen_format_time(int64_t us, int offset_min, char *base, size_t cap, int64_t *frac_us)
{
    int64_t local = us + (int64_t)offset_min * 60 * 1000000;
    int64_t secs = local >= 0 ? local / 1000000 : (local - 999999) / 1000000;
    *frac_us = local - secs * 1000000;
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(base, cap, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(base, cap, "1970-01-01T00:00:00");
}

void fb_gen_format_offset(int offset_min, char *dst, size_t cap)
{
    int a = offset_min < 0 ? -offset_min : offset_min;
    snprintf(dst, cap, "%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
}
