/* saz.c - reader of Fiddler Session Archives (SAZ): a zip (libzip, opened from memory)
 * whose raw/<n>_c.txt, _s.txt, _m.xml and _w.txt members hold each session's request,
 * responses, metadata and WebSocket messages (docs peers.md section 3).
 *
 * Sessions are grouped by the number before the first '_' (any padding, never a
 * rebuilt name) and emitted in numeric order, one at a time: each exchange gets its own
 * arena holding that session's member bytes, and is freed after the callback. Only a
 * small index of entry numbers and the tunnel authorities (a pre-pass over request
 * lines) is kept across sessions.
 *
 *   zip entries --index--> [num, kind, entry] sorted --group--> session
 *   session: _m.xml (libxml2: timers, flags) + _c.txt (http1 request)
 *            + _s.txt (http1 responses, 1xx kept) + _w.txt (message count) -> fb_exchange
 *
 * Bad data in a session (missing members, unparsable messages, DOCTYPE in _m.xml,
 * dropped bodies) is a flag plus a warning, never an error. Errors: an archive libzip
 * cannot open, no sessions, passwords (missing, wrong), unsupported encryption or
 * compression. It does not walk zip headers itself: a cut-short archive libzip cannot
 * open is reported as such.
 */
#include "readers.h"
#include "zip_recover.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"
#include "fbdiag/exchange.h"
#include "fbdiag/http1.h"
#include "fbdiag/input.h"
#include "fbdiag/trace.h"
#include "fbdiag/util.h"

#define SAZ_MAX_ENTRIES 200000u
#define SAZ_MAX_MEMBER ((zip_uint64_t)256 << 20) /* uncompressed bytes read per member */
#define SAZ_MAX_WS_MESSAGES 1000000u
#define SAZ_HEAD_PEEK 8192 /* request-line bytes read by the tunnel pre-pass */

/* Fiddler SessionFlags bits (the BitFlags attribute of _m.xml). */
enum {
    BF_IS_HTTPS = 1,
    BF_RESPONSE_BY_FIDDLER = 256,
    BF_BLIND_TUNNEL = 4096,
    BF_BODY_DROPPED = 131072,
    BF_WEBSOCKET = 262144
};

enum member { M_C, M_S, M_M, M_W, M_COUNT };

struct entry {
    uint64_t num;
    zip_uint64_t zidx;
    enum member kind;
};

/* What the pre-pass learned about one session (index into the sorted session list). */
struct sess {
    uint64_t num;
    zip_int64_t member[M_COUNT]; /* zip index, -1 when absent */
    char *authority;             /* CONNECT target or https URL's host:port, or NULL */
    unsigned is_connect : 1;
    unsigned decrypted_later : 1; /* a later session carries https:// to this authority */
};

struct tunnel {
    char *authority;
    int64_t index; /* exchange index of the CONNECT */
};

struct meta {
    int have;
    int64_t timers[12];
    uint64_t bitflags;
    int has_bitflags;
    struct fb_str client_ip, server_ip, process;
    uint64_t client_port;
    uint64_t transfer_len;
    int has_transfer_len;
    int aborted;
};

struct reader {
    const struct fb_input_src *src;
    const struct fb_read_opts *o;
    struct fb_trace *t;
    struct fb_diag *d;
    zip_t *za;
    int encrypted;
};

static const char *const timer_names[12] = {
    "ClientConnected",    "ClientBeginRequest",  "GotRequestHeaders",   "ClientDoneRequest",
    "ServerConnected",    "FiddlerBeginRequest", "ServerGotRequest",    "ServerBeginResponse",
    "GotResponseHeaders", "ServerDoneResponse",  "ClientBeginResponse", "ClientDoneResponse"};
enum {
    T_CLIENT_CONNECTED = 0,
    T_CLIENT_BEGIN_REQUEST = 1,
    T_CLIENT_DONE_REQUEST = 3,
    T_SERVER_BEGIN_RESPONSE = 7,
    T_GOT_RESPONSE_HEADERS = 8,
    T_SERVER_DONE_RESPONSE = 9,
    T_CLIENT_BEGIN_RESPONSE = 10,
    T_CLIENT_DONE_RESPONSE = 11
};

static const char *method_name(zip_int32_t m)
{
    switch (m) {
    case ZIP_CM_STORE: return "store";
    case ZIP_CM_DEFLATE: return "deflate";
    case ZIP_CM_DEFLATE64: return "deflate64";
    case ZIP_CM_BZIP2: return "bzip2";
    case ZIP_CM_LZMA: return "lzma";
    case ZIP_CM_XZ: return "xz";
    case 93: return "zstd";
    case 98: return "ppmd";
    default: return "unknown";
    }
}

/* ---- entry names ---------------------------------------------------------------- */

/* Parses "raw/<digits>_<c.txt|s.txt|m.xml|w.txt>" (backslashes count as slashes, case
 * ignored). Returns 1 and fills e, or 0 for any other name. */
static int parse_name(const char *name, struct entry *e)
{
    if (strlen(name) < 10 || !(name[0] == 'r' || name[0] == 'R') ||
        !(name[1] == 'a' || name[1] == 'A') || !(name[2] == 'w' || name[2] == 'W') ||
        !(name[3] == '/' || name[3] == '\\'))
        return 0;
    const char *p = name + 4;
    uint64_t num = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (digits >= 18)
            return 0;
        num = num * 10 + (uint64_t)(*p - '0');
        digits++;
        p++;
    }
    if (digits == 0 || *p != '_')
        return 0;
    p++;
    static const char *const suffix[M_COUNT] = {"c.txt", "s.txt", "m.xml", "w.txt"};
    for (int k = 0; k < M_COUNT; k++) {
        if (fb_str_ieq_cstr(fb_str_cstr(p), suffix[k])) {
            e->num = num;
            e->kind = (enum member)k;
            return 1;
        }
    }
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->zidx < y->zidx ? -1 : x->zidx > y->zidx;
}

/* ---- reading members -------------------------------------------------------------- */

/* The message does not quote libzip's: with traditional PKWARE encryption a wrong password
 * passes the 1-byte check 1 time in 256 and then fails as a CRC or inflate error instead,
 * and the message must not depend on that draw. */
static int bad_password(struct reader *r, const char *name, zip_error_t *ze)
{
    (void)ze;
    return fb_diag_set(r->d, FB_ERR_BAD_PASSWORD, r->src->path,
                       "wrong password (%s does not decrypt with it)", name);
}

/* Errors that, on an encrypted member, mean the key was wrong: a failed check, or a
 * decryption that produced garbage (bad CRC, bad compressed data, inflate error). */
static int is_password_error(int code)
{
    return code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_CRC || code == ZIP_ER_COMPRESSED_DATA ||
           code == ZIP_ER_ZLIB;
}

/* Reads member zidx (at most cap bytes) into arena memory. out and out_len get what was
 * read (possibly partial, with a warning). Returns 0, 1 when the member could not be
 * read at all (warned), or a negative fb_err that stops the input (password). */
static int read_member(struct reader *r, zip_uint64_t zidx, zip_uint64_t cap, const char *source,
                       struct fb_arena *a, const uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(r->za, zidx, 0, &st) != 0) {
        fb_trace_warn(r->t, r->src->path, source, "cannot stat zip entry %llu: %s",
                      (unsigned long long)zidx, zip_strerror(r->za));
        return 1;
    }
    const char *name = (st.valid & ZIP_STAT_NAME) ? st.name : "?";
    int encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE;
    if ((st.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st.comp_method, 0)) {
        fb_trace_warn(r->t, r->src->path, source,
                      "%s is compressed with %s (method %d), which this libzip cannot "
                      "decompress: member skipped",
                      name, method_name(st.comp_method), (int)st.comp_method);
        return 1;
    }
    zip_file_t *zf = zip_fopen_index(r->za, zidx, 0);
    if (!zf) {
        zip_error_t *ze = zip_get_error(r->za);
        int code = zip_error_code_zip(ze);
        if (code == ZIP_ER_WRONGPASSWD)
            return bad_password(r, name, ze);
        if (code == ZIP_ER_NOPASSWD)
            return fb_diag_set(r->d, FB_ERR_PASSWORD, r->src->path,
                               "the archive is encrypted: give --password-file FILE or "
                               "FBDIAG_PASSWORD");
        fb_trace_warn(r->t, r->src->path, source, "cannot open %s: %s", name,
                      zip_error_strerror(ze));
        zip_error_clear(r->za);
        return 1;
    }
    zip_uint64_t want = (st.valid & ZIP_STAT_SIZE) ? st.size : cap;
    if (want > cap) {
        fb_trace_warn(r->t, r->src->path, source, "%s is %llu bytes; only the first %llu are read",
                      name, (unsigned long long)st.size, (unsigned long long)cap);
        want = cap;
    }
    /* grow with the data that really arrives: the size in the central directory is
     * the archive's claim, not a fact */
    struct fb_buf b;
    fb_buf_init(&b, (size_t)want + 1);
    int rc = 0;
    while (b.len < want) {
        size_t step = want - b.len < 65536 ? (size_t)(want - b.len) : 65536;
        uint8_t *dst = fb_buf_reserve(&b, step);
        zip_int64_t n = dst ? zip_fread(zf, dst, step) : -1;
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(zf);
            if (encrypted && is_password_error(zip_error_code_zip(ze))) {
                rc = bad_password(r, name, ze);
                break;
            }
            fb_trace_warn(r->t, r->src->path, source, "%s: read error after %zu bytes: %s", name,
                          b.len, zip_error_strerror(ze));
            break;
        }
        if (n == 0)
            break;
        fb_buf_commit(&b, (size_t)n);
    }
    if (rc == 0 && b.len == want && want < cap && (st.valid & ZIP_STAT_SIZE)) {
        /* read to the end so libzip checks the CRC (a wrong PKWARE password that passed
         * the 1-byte check shows up here) */
        uint8_t extra;
        zip_int64_t n = zip_fread(zf, &extra, 1);
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(zf);
            if (encrypted && is_password_error(zip_error_code_zip(ze)))
                rc = bad_password(r, name, ze);
            else
                fb_trace_warn(r->t, r->src->path, source, "%s: %s", name, zip_error_strerror(ze));
        }
    }
    zip_fclose(zf);
    if (rc < 0) {
        fb_buf_cleanup(&b);
        return rc;
    }
    size_t got;
    uint8_t *data = fb_buf_detach(&b, &got);
    fb_arena_adopt(a, data);
    *out = data ? data : (const uint8_t *)"";
    *out_len = got;
    return 0;
}

/* ---- _m.xml ------------------------------------------------------------------------- */

static int digits_at(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

/* .NET round-trip time "yyyy-MM-ddTHH:mm:ss[.fffffff][Z|+hh:mm|-hh:mm]" to microseconds
 * since the epoch, UTC (no offset: taken as UTC). Returns 1 and *us, 0 when absent
 * (DateTime.MinValue, i.e. year 1) or unparsable. */
static int parse_net_time(const char *s, int64_t *us)
{
    int y, mo, d, h, mi, sec;
    if (strlen(s) < 19 || !digits_at(s, 4, &y) || s[4] != '-' || !digits_at(s + 5, 2, &mo) ||
        s[7] != '-' || !digits_at(s + 8, 2, &d) || s[10] != 'T' || !digits_at(s + 11, 2, &h) ||
        s[13] != ':' || !digits_at(s + 14, 2, &mi) || s[16] != ':' || !digits_at(s + 17, 2, &sec))
        return 0;
    if (y <= 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 6)
                frac = frac * 10 + (*p - '0');
        }
        if (n == 0)
            return 0;
        for (; n < 6; n++)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits_at(p + 1, 2, &oh) || p[3] != ':' || !digits_at(p + 4, 2, &om) || oh > 14 ||
            om > 59)
            return 0;
        off = ((int64_t)oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else if (*p == 'Z') {
        p++;
    }
    if (*p != '\0')
        return 0;
    int64_t secs =
        fb_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    *us = secs * 1000000 + frac;
    return 1;
}

/* Digits of a number written with thousands separators ("1,234,567", "1.234.567",
 * "1 234 567"); 1 and *v on success. */
static int parse_grouped(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    int any = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            unsigned dgt = (unsigned)(*s - '0');
            if (x > (UINT64_MAX - dgt) / 10)
                return 0;
            x = x * 10 + dgt;
            any = 1;
        } else if (*s != ',' && *s != '.' && *s != ' ' && *s != '\'' && (unsigned char)*s != 0xa0 &&
                   (unsigned char)*s != 0xc2) {
            return 0;
        }
    }
    *v = x;
    return any;
}

static int name_is(const xmlNode *n, const char *want)
{
    return n->type == XML_ELEMENT_NODE && fb_str_ieq_cstr(fb_str_cstr((const char *)n->name), want);
}

/* Attribute value (owned by the caller: xmlFree), case-insensitive name, or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (fb_str_ieq_cstr(fb_str_cstr((const char *)a->name), name))
            return (char *)xmlNodeGetContent((const xmlNode *)a);
    }
    return NULL;
}

static struct fb_str arena_copy(struct fb_arena *a, const char *s)
{
    return fb_arena_strndup(a, s, strlen(s));
}

static void read_flag(struct meta *m, const char *n, const char *v, struct fb_arena *a)
{
    struct fb_str name = fb_str_cstr(n);
    uint64_t u;
    if (fb_str_ieq_cstr(name, "x-clientip"))
        m->client_ip = arena_copy(a, v);
    else if (fb_str_ieq_cstr(name, "x-hostip"))
        m->server_ip = arena_copy(a, v);
    else if (fb_str_ieq_cstr(name, "x-processinfo"))
        m->process = arena_copy(a, v);
    else if (fb_str_ieq_cstr(name, "x-clientport")) {
        if (fb_str_to_u64(fb_str_cstr(v), &u) == 0 && u <= 65535)
            m->client_port = u;
    } else if (fb_str_ieq_cstr(name, "x-responsebodytransferlength")) {
        if (parse_grouped(v, &u)) {
            m->transfer_len = u;
            m->has_transfer_len = 1;
        }
    }
    /* Fiddler's own name for an abort flag is unverified: any flag naming it counts */
    if (fb_str_ifind(name, "abort"))
        m->aborted = 1;
}

/* Parses _m.xml into m (timers, flags, BitFlags). Bad XML or a DOCTYPE: warning, m
 * left empty. */
static void parse_meta(struct reader *r, const uint8_t *data, size_t len, const char *source,
                       struct fb_arena *a, struct meta *m)
{
    if (len > INT32_MAX)
        return;
    xmlDocPtr doc = xmlReadMemory((const char *)data, (int)len, "m.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        fb_trace_warn(r->t, r->src->path, source, "_m.xml is not well-formed XML: ignored");
        return;
    }
    if (doc->intSubset) {
        fb_trace_warn(r->t, r->src->path, source,
                      "_m.xml has a DOCTYPE (refused, metadata ignored)");
        xmlFreeDoc(doc);
        return;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !name_is(root, "Session")) {
        fb_trace_warn(r->t, r->src->path, source, "_m.xml has no <Session> root: ignored");
        xmlFreeDoc(doc);
        return;
    }
    m->have = 1;
    char *v = attr(root, "BitFlags");
    if (v) {
        m->has_bitflags = fb_str_to_u64(fb_str_cstr(v), &m->bitflags) == 0;
        xmlFree(v);
    }
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (name_is(c, "SessionTimers")) {
            for (int i = 0; i < 12; i++) {
                v = attr(c, timer_names[i]);
                if (v && !parse_net_time(v, &m->timers[i]))
                    m->timers[i] = 0;
                xmlFree(v);
            }
        } else if (name_is(c, "SessionFlags")) {
            for (const xmlNode *f = c->children; f; f = f->next) {
                if (!name_is(f, "SessionFlag"))
                    continue;
                char *n = attr(f, "N");
                char *val = attr(f, "V");
                if (n)
                    read_flag(m, n, val ? val : "", a);
                xmlFree(n);
                xmlFree(val);
            }
        }
    }
    xmlFreeDoc(doc);
}

/* ---- _w.txt --------------------------------------------------------------------------- */

/* Counts WebSocket message records (Nekoxy2's layout: header lines, a key starting with
 * "Request" or "Response" whose value is the frame length, an empty line, then that many
 * frame bytes). A record cut short still counts; a malformed one ends the count. */
static uint32_t count_ws(const uint8_t *p, size_t len)
{
    size_t i = 0;
    uint32_t count = 0;
    while (i < len && count < SAZ_MAX_WS_MESSAGES) {
        uint64_t frame = 0;
        int have_len = 0, lines = 0;
        /* header lines of one record, up to the empty line that ends them */
        for (;;) {
            size_t s = i;
            while (i < len && p[i] != '\n')
                i++;
            size_t e = i > s && p[i - 1] == '\r' ? i - 1 : i;
            if (i < len)
                i++;
            struct fb_str line = fb_str_make((const char *)p + s, e - s);
            if (line.len == 0) {
                if (have_len)
                    break;
                if (i >= len)
                    return count;
                continue; /* the empty line that starts a record */
            }
            if (++lines > 32)
                return count;
            const char *colon = memchr(line.ptr, ':', line.len);
            if ((fb_str_istarts(line, "Request") || fb_str_istarts(line, "Response")) && colon) {
                struct fb_str val =
                    fb_str_make(colon + 1, line.len - (size_t)(colon + 1 - line.ptr));
                if (fb_str_to_u64(val, &frame) != 0)
                    return count;
                have_len = 1;
            }
            if (i >= len) {
                return have_len ? count + 1 : count;
            }
        }
        count++;
        if (frame >= len - i)
            return count;
        i += (size_t)frame;
    }
    return count;
}

/* ---- pre-pass: tunnels ---------------------------------------------------------------- */

/* host[:port] of a URL or authority, port defaulted, lower-cased, in a heap string. */
static char *authority_of(const char *p, size_t n, int default_port)
{
    size_t i = 0;
    if (n > 8 && fb_str_istarts(fb_str_make(p, n), "https://")) {
        i = 8;
        default_port = 443;
    } else if (n > 7 && fb_str_istarts(fb_str_make(p, n), "http://")) {
        i = 7;
        default_port = 80;
    }
    size_t s = i;
    while (i < n && p[i] != '/' && p[i] != '?' && p[i] != '#')
        i++;
    if (i == s || i - s > 300)
        return NULL;
    const char *host = p + s;
    size_t hl = i - s;
    size_t at = hl;
    while (at > 0 && host[at - 1] != '@')
        at--;
    host += at;
    hl -= at;
    int has_port = 0;
    for (size_t k = hl; k > 0; k--) {
        if (host[k - 1] == ':') {
            has_port = k < hl;
            break;
        }
        if (host[k - 1] == ']' || !isdigit((unsigned char)host[k - 1]))
            break;
    }
    char *out = fb_xmalloc(hl + 8);
    for (size_t k = 0; k < hl; k++)
        out[k] = (char)tolower((unsigned char)host[k]);
    if (has_port)
        out[hl] = '\0';
    else
        snprintf(out + hl, 8, ":%d", default_port);
    return out;
}

/* Reads the request line of a session's _c.txt and records a CONNECT target or an
 * https:// URL's authority. Returns 0 or a negative fb_err (password). */
static int peek_request(struct reader *r, struct sess *s)
{
    if (s->member[M_C] < 0)
        return 0;
    zip_file_t *zf = zip_fopen_index(r->za, (zip_uint64_t)s->member[M_C], 0);
    if (!zf) {
        zip_error_t *ze = zip_get_error(r->za);
        if (zip_error_code_zip(ze) == ZIP_ER_WRONGPASSWD)
            return bad_password(r, "raw/_c.txt", ze);
        zip_error_clear(r->za);
        return 0; /* reported by the main pass */
    }
    char buf[SAZ_HEAD_PEEK];
    zip_int64_t n = zip_fread(zf, buf, sizeof buf);
    zip_fclose(zf);
    if (n <= 0)
        return 0;
    size_t len = (size_t)n, i = 0;
    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    size_t ms = i;
    while (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
        i++;
    struct fb_str method = fb_str_make(buf + ms, i - ms);
    if (i >= len || buf[i] != ' ')
        return 0;
    size_t ts = ++i;
    while (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
        i++;
    struct fb_str target = fb_str_make(buf + ts, i - ts);
    if (fb_str_ieq_cstr(method, "CONNECT")) {
        s->is_connect = 1;
        s->authority = authority_of(target.ptr, target.len, 443);
    } else if (fb_str_istarts(target, "https://")) {
        s->authority = authority_of(target.ptr, target.len, 443);
    }
    return 0;
}

/* ---- one session ---------------------------------------------------------------------- */

static int starts_with_bytes(struct fb_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static int64_t first_timer(const struct meta *m, int a, int b, int c)
{
    if (m->timers[a])
        return m->timers[a];
    if (b >= 0 && m->timers[b])
        return m->timers[b];
    return c >= 0 ? m->timers[c] : 0;
}

/* The absolute URL: the request target when absolute, else scheme://Host + target. */
static struct fb_str build_url(struct fb_exchange *ex, int https)
{
    struct fb_str tg = ex->req.target;
    if (fb_str_ieq_cstr(ex->req.method, "CONNECT") || fb_str_istarts(tg, "http://") ||
        fb_str_istarts(tg, "https://"))
        return tg;
    struct fb_str host = fb_str_trim(fb_msg_header_value(&ex->req, "Host"));
    if (host.len == 0 || tg.len == 0 || tg.ptr[0] != '/')
        return tg;
    char *u = fb_arena_printf(ex->arena, "%s://%.*s%.*s", https ? "https" : "http",
                              FB_STR_FMT(host), FB_STR_FMT(tg));
    return fb_str_cstr(u);
}

static int is_proxy_generated(const struct fb_exchange *ex, const struct meta *m)
{
    if (ex->resp.status == 0)
        return 0;
    if (starts_with_bytes(ex->resp.body, "[Fiddler]"))
        return 1;
    if (fb_msg_header(&ex->resp, "FiddlerGateway"))
        return 1;
    if (m->has_bitflags && (m->bitflags & BF_RESPONSE_BY_FIDDLER))
        return 1;
    return (ex->flags & FB_EX_TUNNEL) && ex->resp.status == 502 &&
           fb_str_ifind(ex->resp.body, "HTTPS connection failed") != NULL;
}

struct ctx {
    struct reader *r;
    struct sess *ss;
    size_t n_ss;
    struct tunnel *tun;
    size_t n_tun, cap_tun;
    uint32_t emitted;
    fb_exchange_cb cb;
    void *user;
};

static void remember_tunnel(struct ctx *c, const char *authority, int64_t index)
{
    for (size_t i = 0; i < c->n_tun; i++) {
        if (strcmp(c->tun[i].authority, authority) == 0) {
            c->tun[i].index = index;
            return;
        }
    }
    if (c->n_tun == c->cap_tun) {
        c->cap_tun = c->cap_tun ? c->cap_tun * 2 : 16;
        c->tun = fb_xrealloc(c->tun, c->cap_tun * sizeof *c->tun);
    }
    c->tun[c->n_tun].authority = fb_xstrdup(authority);
    c->tun[c->n_tun].index = index;
    c->n_tun++;
}

static int64_t find_tunnel(const struct ctx *c, const char *authority)
{
    for (size_t i = 0; i < c->n_tun; i++) {
        if (strcmp(c->tun[i].authority, authority) == 0)
            return c->tun[i].index;
    }
    return -1;
}

/* HTTP/1 options for a session member: the whole message is there (at_eof), bodies are
 * decoded, the reader's limits apply. */
static void session_http_opts(const struct ctx *c, struct fb_http1_opts *ho)
{
    memset(ho, 0, sizeof *ho);
    ho->limits = c->r->o->limits;
    ho->at_eof = 1;
    ho->decode = 1;
}

static void parse_request(struct ctx *c, struct fb_exchange *ex, const uint8_t *data, size_t len,
                          const char *source)
{
    struct fb_http1_opts ho;
    session_http_opts(c, &ho);
    int rc = fb_http1_parse_message(data, len, FB_HTTP1_REQUEST, &ho, &ex->req, ex->arena);
    if (rc < 0) {
        ex->req.flags |= FB_MSG_MALFORMED;
        fb_trace_warn(c->r->t, c->r->src->path, source, "request cannot be parsed: %s",
                      fb_strerror(rc));
    } else if ((size_t)rc < len) {
        fb_trace_warn(c->r->t, c->r->src->path, source,
                      "%zu bytes after the request in _c.txt ignored", len - (size_t)rc);
    }
}

static void parse_response(struct ctx *c, struct fb_exchange *ex, const uint8_t *data, size_t len,
                           const char *source)
{
    struct fb_http1_opts ho;
    session_http_opts(c, &ho);
    ho.req_method = ex->req.method;
    int rc = fb_http1_parse_responses(data, len, &ho, &ex->resp, &ex->interim, &ex->n_interim,
                                      ex->arena);
    if (rc < 0) {
        ex->resp.flags |= FB_MSG_MALFORMED;
        fb_trace_warn(c->r->t, c->r->src->path, source, "response cannot be parsed: %s",
                      fb_strerror(rc));
        return;
    }
    /* A 2xx to CONNECT has no body in HTTP terms (the tunnel follows), but Fiddler stores
     * its description of the tunnel (TLS version, cipher, certificate) after the head:
     * keep it as the body, it is evidence. */
    if ((size_t)rc < len && ex->resp.body.len == 0 && fb_str_ieq_cstr(ex->req.method, "CONNECT") &&
        ex->resp.status >= 200 && ex->resp.status < 300) {
        ex->resp.body = fb_str_make((const char *)data + rc, len - (size_t)rc);
        ex->resp.wire_size = ex->resp.decoded_size = ex->resp.body.len;
    }
}

/* Dropped or cut bodies: the headers promise more than _s.txt holds. */
static void check_dropped(struct ctx *c, struct fb_exchange *ex, const struct meta *m,
                          const char *source)
{
    struct fb_msg *rs = &ex->resp;
    int dropped_bit = m->has_bitflags && (m->bitflags & BF_BODY_DROPPED);
    if (rs->status == 0)
        return;
    if ((rs->flags & FB_MSG_TRUNCATED) || (dropped_bit && rs->body.len == 0)) {
        if (rs->wire_size == 0) {
            rs->flags &= ~(unsigned)FB_MSG_TRUNCATED;
            rs->flags |= FB_MSG_BODY_MISSING;
        }
        if (m->has_transfer_len && m->transfer_len > rs->wire_size)
            rs->wire_size = m->transfer_len;
        fb_trace_warn(c->r->t, c->r->src->path, source,
                      "response body %s by the producer (%llu bytes stored%s%llu)",
                      (rs->flags & FB_MSG_BODY_MISSING) ? "dropped" : "cut",
                      (unsigned long long)rs->body.len,
                      m->has_transfer_len ? ", transfer length " : "",
                      m->has_transfer_len ? (unsigned long long)m->transfer_len : 0ULL);
        fb_trace_advise(c->r->t, FB_ADV_TRUNCATED_BODIES, c->r->src->path, source);
    }
}

/* The kind of exchange, its URL, and its tunnel: a CONNECT is remembered under its
 * authority, an HTTPS session linked to the CONNECT that carried it. */
static void link_session(struct ctx *c, const struct sess *s, struct fb_exchange *ex,
                         const struct meta *m)
{
    int is_connect = fb_str_ieq_cstr(ex->req.method, "CONNECT");
    int https = fb_str_istarts(ex->req.target, "https://") ||
                (m->has_bitflags && (m->bitflags & BF_IS_HTTPS) && !is_connect);
    ex->url = build_url(ex, https);
    if (https)
        ex->flags |= FB_EX_HTTPS;
    if (is_connect) {
        ex->flags |= FB_EX_TUNNEL;
        /* the advice is raised once per input by the capture accumulator (capture.h) */
        if (!s->decrypted_later || (m->has_bitflags && (m->bitflags & BF_BLIND_TUNNEL)))
            ex->flags |= FB_EX_UNDECRYPTED;
        if (s->authority)
            remember_tunnel(c, s->authority, c->emitted);
    } else if (https) {
        char *auth = authority_of(ex->url.ptr, ex->url.len, 443);
        if (auth) {
            ex->tunnel_index = find_tunnel(c, auth);
            free(auth);
        }
    }
}

/* No response, a dropped or cut body, WebSocket upgrades, responses Fiddler made. */
static void response_state(struct ctx *c, struct fb_exchange *ex, const struct meta *m,
                           int have_resp, const char *source)
{
    struct reader *r = c->r;
    if (!have_resp || ex->resp.status == 0) {
        ex->flags |= FB_EX_NO_RESPONSE;
        if (m->aborted)
            ex->flags |= FB_EX_ABORTED;
        fb_trace_advise(r->t, FB_ADV_ABANDONED, r->src->path, source);
        return;
    }
    check_dropped(c, ex, m, source);
    if (ex->resp.status == 101 &&
        fb_str_ieq_cstr(fb_str_trim(fb_msg_header_value(&ex->resp, "Upgrade")), "websocket"))
        ex->flags |= FB_EX_WEBSOCKET;
    if (m->has_bitflags && (m->bitflags & BF_WEBSOCKET))
        ex->flags |= FB_EX_WEBSOCKET;
    if (is_proxy_generated(ex, m)) {
        ex->flags |= FB_EX_PROXY_GENERATED;
        /* a decrypted tunnel's "200 ... Established" is Fiddler's by design: only
         * other responses are capture artifacts worth advice */
        if (!((ex->flags & FB_EX_TUNNEL) && ex->resp.status == 200))
            fb_trace_advise(r->t, FB_ADV_PROXY_GENERATED, r->src->path, source);
    }
}

/* Timings, endpoints and the process, from _m.xml and the URL. */
static void session_meta(struct fb_exchange *ex, const struct meta *m)
{
    ex->t.started = first_timer(m, T_CLIENT_BEGIN_REQUEST, T_CLIENT_CONNECTED, -1);
    ex->t.request_done = m->timers[T_CLIENT_DONE_REQUEST];
    if (!(ex->flags & FB_EX_NO_RESPONSE)) {
        ex->t.response_start = first_timer(m, T_SERVER_BEGIN_RESPONSE, T_GOT_RESPONSE_HEADERS,
                                           T_CLIENT_BEGIN_RESPONSE);
        ex->t.response_done = first_timer(m, T_CLIENT_DONE_RESPONSE, T_SERVER_DONE_RESPONSE, -1);
    }
    ex->conn.client_ip = m->client_ip;
    ex->conn.server_ip = m->server_ip;
    ex->conn.client_port = (uint16_t)m->client_port;
    ex->conn.process = m->process;
    int https = (ex->flags & FB_EX_HTTPS) != 0;
    if ((ex->flags & FB_EX_TUNNEL) || https) {
        char *auth = authority_of(ex->url.ptr, ex->url.len, https ? 443 : 80);
        const char *colon = auth ? strrchr(auth, ':') : NULL;
        uint64_t port;
        if (colon && fb_str_to_u64(fb_str_cstr(colon + 1), &port) == 0 && port <= 65535)
            ex->conn.server_port = (uint16_t)port;
        free(auth);
    }
}

/* Builds and emits the exchange of session k. Returns 0, a negative fb_err, or the
 * callback's non-zero value. */
static int do_session(struct ctx *c, size_t k)
{
    struct reader *r = c->r;
    struct sess *s = &c->ss[k];
    char source[40];
    snprintf(source, sizeof source, "saz:%llu", (unsigned long long)s->num);
    if (s->member[M_C] < 0) {
        fb_trace_warn(r->t, r->src->path, source, "session has no _c.txt (request): skipped");
        return 0;
    }
    struct fb_arena *arena = fb_arena_new();
    struct fb_exchange ex;
    fb_exchange_init(&ex, arena);
    ex.source = fb_arena_strndup(arena, source, strlen(source));
    ex.conn.conn_id = -1;
    struct meta m;
    memset(&m, 0, sizeof m);
    const uint8_t *data;
    size_t len;
    int rc;

    if (s->member[M_M] >= 0) {
        rc = read_member(r, (zip_uint64_t)s->member[M_M], (zip_uint64_t)1 << 20, source, arena,
                         &data, &len);
        if (rc < 0)
            goto out;
        if (rc == 0)
            parse_meta(r, data, len, source, arena, &m);
    }
    rc = read_member(r, (zip_uint64_t)s->member[M_C], SAZ_MAX_MEMBER, source, arena, &data, &len);
    if (rc < 0)
        goto out;
    if (rc > 0) {
        fb_trace_warn(r->t, r->src->path, source, "request unreadable: session skipped");
        rc = 0;
        goto out;
    }
    parse_request(c, &ex, data, len, source);
    ex.version = ex.req.version;

    int have_resp = 0;
    if (s->member[M_S] >= 0) {
        rc = read_member(r, (zip_uint64_t)s->member[M_S], SAZ_MAX_MEMBER, source, arena, &data,
                         &len);
        if (rc < 0)
            goto out;
        if (rc == 0 && len > 0) {
            parse_response(c, &ex, data, len, source);
            have_resp = 1;
        }
    }
    if (s->member[M_W] >= 0) {
        rc = read_member(r, (zip_uint64_t)s->member[M_W], SAZ_MAX_MEMBER, source, arena, &data,
                         &len);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            ex.ws_messages = count_ws(data, len);
            ex.flags |= FB_EX_WEBSOCKET;
        }
    }

    link_session(c, s, &ex, &m);
    response_state(c, &ex, &m, have_resp, source);
    session_meta(&ex, &m);

    ex.index = c->emitted++;
    rc = c->cb(&ex, c->user);
out:
    fb_arena_free(arena);
    return rc;
}

/* ---- the archive ---------------------------------------------------------------------- */

/* Builds the sorted session list from the zip's entries. Returns 0 or a negative fb_err. */
static int index_sessions(struct reader *r, struct sess **out, size_t *n_out)
{
    zip_int64_t n = zip_get_num_entries(r->za, 0);
    zip_uint64_t limit = n < 0 ? 0 : (zip_uint64_t)n;
    if (limit > SAZ_MAX_ENTRIES) {
        fb_trace_warn(r->t, r->src->path, NULL,
                      "archive has %lld entries; only the first %u are read", (long long)n,
                      SAZ_MAX_ENTRIES);
        limit = SAZ_MAX_ENTRIES;
    }
    struct entry *es = fb_xmalloc((limit ? limit : 1) * sizeof *es);
    size_t ne = 0, unsupported = 0;
    zip_uint16_t em = ZIP_EM_NONE;
    for (zip_uint64_t i = 0; i < limit; i++) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(r->za, i, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
            continue;
        struct entry e;
        if (!parse_name(st.name, &e))
            continue;
        e.zidx = i;
        es[ne++] = e;
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            em = st.encryption_method;
        if ((st.valid & ZIP_STAT_COMP_METHOD) &&
            !zip_compression_method_supported(st.comp_method, 0))
            unsupported++;
    }
    if (ne == 0) {
        free(es);
        return fb_diag_set(r->d, FB_ERR_FORMAT, r->src->path,
                           "zip archive without Fiddler sessions (raw/N_c.txt)");
    }
    if (unsupported == ne) {
        zip_stat_t st;
        zip_stat_init(&st);
        int cm = zip_stat_index(r->za, es[0].zidx, 0, &st) == 0 ? st.comp_method : -1;
        free(es);
        return fb_diag_set(r->d, FB_ERR_UNSUPPORTED, r->src->path,
                           "the sessions are compressed with %s (zip method %d), which this "
                           "libzip cannot decompress",
                           method_name(cm), cm);
    }
    if (em != ZIP_EM_NONE) {
        r->encrypted = 1;
        if (!zip_encryption_method_supported(em, 0)) {
            free(es);
            return fb_diag_set(r->d, FB_ERR_UNSUPPORTED, r->src->path,
                               "the archive uses %s encryption, which this libzip build cannot "
                               "decrypt",
                               em == ZIP_EM_TRAD_PKWARE ? "PKWARE" : "AES");
        }
        if (!r->o->password) {
            free(es);
            return fb_diag_set(r->d, FB_ERR_PASSWORD, r->src->path,
                               "the archive is encrypted: give --password-file FILE or "
                               "FBDIAG_PASSWORD");
        }
        if (zip_set_default_password(r->za, r->o->password) != 0) {
            free(es);
            return fb_diag_set(r->d, FB_ERR_IO, r->src->path, "cannot set password: %s",
                               zip_strerror(r->za));
        }
    }
    qsort(es, ne, sizeof *es, cmp_entry);
    struct sess *ss = fb_xcalloc(ne, sizeof *ss);
    size_t ns = 0;
    for (size_t i = 0; i < ne; i++) {
        if (ns == 0 || ss[ns - 1].num != es[i].num) {
            ss[ns].num = es[i].num;
            for (int k = 0; k < M_COUNT; k++)
                ss[ns].member[k] = -1;
            ns++;
        }
        struct sess *s = &ss[ns - 1];
        if (s->member[es[i].kind] < 0)
            s->member[es[i].kind] = (zip_int64_t)es[i].zidx;
        else
            fb_trace_warn(r->t, r->src->path, NULL,
                          "session %llu has two members of one kind: the second is ignored",
                          (unsigned long long)es[i].num);
    }
    free(es);
    *out = ss;
    *n_out = ns;
    return 0;
}

/* Reads one whole encrypted member before anything is emitted, so a wrong password
 * stops the input at once (PKWARE's 1-byte check lets 1 in 256 wrong ones pass the
 * open; the CRC at the end catches them). */
static int probe_password(struct reader *r, const struct sess *ss, size_t ns)
{
    for (size_t i = 0; i < ns; i++) {
        zip_int64_t idx = ss[i].member[M_C] >= 0 ? ss[i].member[M_C] : ss[i].member[M_M];
        if (idx < 0)
            continue;
        struct fb_arena a;
        fb_arena_init(&a);
        const uint8_t *data;
        size_t len;
        int rc = read_member(r, (zip_uint64_t)idx, SAZ_MAX_MEMBER, NULL, &a, &data, &len);
        fb_arena_cleanup(&a);
        return rc < 0 ? rc : 0;
    }
    return 0;
}

/* A zip that starts like one but cannot be opened was most likely cut short (its central
 * directory is at the end): open the complete entries it still holds, with a warning.
 * On success the failed source zs is freed; else NULL and zs is left to the caller. */
static zip_t *open_cut_short(struct reader *r, zip_source_t *zs, zip_error_t *ze)
{
    size_t len = 0, kept = 0;
    uint8_t *image = fb_zip_recover(r->src->data, r->src->len, &len, &kept);
    if (!image)
        return NULL;
    zip_error_t e2;
    zip_error_init(&e2);
    zip_source_t *rs = zip_source_buffer_create(image, len, 1, &e2); /* frees image */
    zip_t *za = rs ? zip_open_from_source(rs, ZIP_RDONLY, &e2) : NULL;
    if (!za) {
        if (rs)
            zip_source_free(rs);
        else
            free(image);
        zip_error_fini(&e2);
        return NULL;
    }
    zip_error_fini(&e2);
    fb_trace_warn(r->t, r->src->path, NULL,
                  "the archive is cut short (libzip: %s; no central directory): read the %zu "
                  "complete entries it still holds",
                  zip_error_strerror(ze), kept);
    zip_source_free(zs);
    return za;
}

static int read_saz(const struct fb_input_src *src, const struct fb_read_opts *o, fb_exchange_cb cb,
                    void *user, struct fb_trace *t, struct fb_diag *d)
{
    struct reader r = {src, o, t, d, NULL, 0};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *zs = zip_source_buffer_create(src->data, src->len, 0, &ze);
    if (zs)
        r.za = zip_open_from_source(zs, ZIP_RDONLY, &ze);
    if (!r.za && src->len >= 4 && memcmp(src->data, "PK\x03\x04", 4) == 0)
        r.za = open_cut_short(&r, zs, &ze);
    if (!r.za) {
        int rc = fb_diag_set(d, FB_ERR_FORMAT, src->path, "cannot open archive: %s",
                             zip_error_strerror(&ze));
        zip_source_free(zs);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.r = &r;
    c.cb = cb;
    c.user = user;
    int rc = index_sessions(&r, &c.ss, &c.n_ss);
    if (rc == 0 && r.encrypted)
        rc = probe_password(&r, c.ss, c.n_ss);
    /* pre-pass: which tunnels are followed by decrypted sessions */
    for (size_t i = 0; rc == 0 && i < c.n_ss; i++)
        rc = peek_request(&r, &c.ss[i]);
    for (size_t i = 0; rc == 0 && i < c.n_ss; i++) {
        if (!c.ss[i].is_connect || !c.ss[i].authority)
            continue;
        for (size_t j = i + 1; j < c.n_ss; j++) {
            if (!c.ss[j].is_connect && c.ss[j].authority &&
                strcmp(c.ss[j].authority, c.ss[i].authority) == 0) {
                c.ss[i].decrypted_later = 1;
                break;
            }
        }
    }
    for (size_t i = 0; rc == 0 && i < c.n_ss; i++) {
        if (o->max_exchanges && c.emitted >= o->max_exchanges) {
            fb_trace_warn(t, src->path, NULL, "stopped after %llu exchanges (limit)",
                          (unsigned long long)o->max_exchanges);
            break;
        }
        rc = do_session(&c, i);
    }
    for (size_t i = 0; i < c.n_ss; i++)
        free(c.ss[i].authority);
    free(c.ss);
    for (size_t i = 0; i < c.n_tun; i++)
        free(c.tun[i].authority);
    free(c.tun);
    zip_discard(r.za);
    return rc;
}

const struct fb_reader fb_saz_reader = {"saz", 0, read_saz};
