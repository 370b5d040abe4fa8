/* exchange.c - helpers of the exchange record: version names, flag names, header
 * lookup (see exchange.h). */
#include "fbdiag/exchange.h"

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
};

const char *fb_msg_flag_name(unsigned bit_index)
{
    return bit_index < FB_MSG_FLAG_COUNT ? msg_flag_names[bit_index] : NULL;
}

static const char *const ex_flag_names[FB_EX_FLAG_COUNT] = {
    "no-response", "aborted", "tunnel", "proxy-generated", "websocket", "https", "undecrypted",
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
