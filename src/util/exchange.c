/* exchange.c - helpers of the exchange record: version names, flag names, header
 * lookup (see exchange.h). */
#include "fbdiag/exchange.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "fbdiag/arena.h"

const char *fb_version_name(enum fb_version v)
{
    switch (v) {
    case FB_HTTP10: return "HTTP/1.0";
    case FB_HTTP11: return "HTTP/1.1";
    case FB_HTTP2: return "HTTP/2";
    case FB_HTTP3: return "HTTP/3";
    default: return NULL;
    }
}

enum fb_version fb_version_parse(struct fb_str s)
{
    s = fb_str_trim(s);
    if (fb_str_ieq_cstr(s, "h2") || fb_str_ieq_cstr(s, "h2c"))
        return FB_HTTP2;
    if (fb_str_ieq_cstr(s, "h3") || fb_str_istarts(s, "h3-"))
        return FB_HTTP3;
    if (!fb_str_istarts(s, "HTTP/"))
        return FB_VER_UNKNOWN;
    struct fb_str v = fb_str_make(s.ptr + 5, s.len - 5);
    if (fb_str_eq(v, FB_STR_LIT("1.1")))
        return FB_HTTP11;
    if (fb_str_eq(v, FB_STR_LIT("1.0")))
        return FB_HTTP10;
    if (fb_str_eq(v, FB_STR_LIT("2")) || fb_str_eq(v, FB_STR_LIT("2.0")))
        return FB_HTTP2;
    if (fb_str_eq(v, FB_STR_LIT("3")) || fb_str_eq(v, FB_STR_LIT("3.0")))
        return FB_HTTP3;
    return FB_VER_UNKNOWN;
}

static const char *const msg_flag_names[FB_MSG_FLAG_COUNT] = {
    "truncated",    "body-missing", "malformed",  "chunked",      "decoded",      "decode-failed",
    "decode-limit", "pre-decoded",  "body-limit", "header-limit", "body-omitted",
    "gap",          "unreliable",
};

const char *fb_msg_flag_name(unsigned bit_index)
{
    return bit_index < FB_MSG_FLAG_COUNT ? msg_flag_names[bit_index] : NULL;
}

static const char *const ex_flag_names[FB_EX_FLAG_COUNT] = {
    "no-response", "aborted", "tunnel", "proxy-generated", "websocket", "https", "undecrypted",
    "connection",
};

const char *fb_ex_flag_name(unsigned bit_index)
{
    return bit_index < FB_EX_FLAG_COUNT ? ex_flag_names[bit_index] : NULL;
}

void fb_exchange_init(struct fb_exchange *ex, struct fb_arena *arena)
{
    memset(ex, 0, sizeof *ex);
    ex->tunnel_index = -1;
    ex->conn.conn_id = -1;
    ex->arena = arena;
}

const struct fb_header *fb_msg_header(const struct fb_msg *m, const char *name)
{
    struct fb_str n = fb_str_cstr(name);
    for (size_t i = 0; i < m->n_headers; i++)
        if (fb_str_ieq(m->headers[i].name, n))
            return &m->headers[i];
    return NULL;
}

struct fb_str fb_msg_header_value(const struct fb_msg *m, const char *name)
{
    const struct fb_header *h = fb_msg_header(m, name);
    return h ? h->value : fb_str_make("", 0);
}

void fb_addr_format(const struct fb_addr *a, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (a->family == 4 && cap >= INET_ADDRSTRLEN)
        inet_ntop(AF_INET, a->bytes, out, (socklen_t)cap);
    else if (a->family == 6 && cap >= INET6_ADDRSTRLEN)
        inet_ntop(AF_INET6, a->bytes, out, (socklen_t)cap);
}

static const char *const tcp_event_names[FB_TCP_EV_COUNT] = {
    "syn-unanswered", "refused",    "rst-client", "rst-server", "fin-client",  "fin-server",
    "gap-client",     "gap-server", "retransmissions", "mid-stream", "idle-timeout",
    "out-of-order-limit",
};

const char *fb_tcp_event_name(unsigned bit_index)
{
    return bit_index < FB_TCP_EV_COUNT ? tcp_event_names[bit_index] : NULL;
}

const char *fb_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return NULL;
    }
}

const char *fb_tls_alert_name(uint8_t desc)
{
    /* RFC 8446 section 6 and RFC 5246 section 7.2 */
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}
