/* pseudonym.c - stable pseudonyms of mailboxes, domains and hosts (pseudonym.h):
 * HMAC-SHA256 (OpenSSL) under the user's key of the lower-cased name, printed as the
 * first hex digits. Used by reports for output that leaves the team; it does not find
 * names inside free text (error messages keep what they say). */
#include "fbdiag/pseudonym.h"

#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fbdiag/arena.h"

#define NAME_MAX_BYTES 1024 /* longer names are hashed on their first 1024 bytes */

/* Writes the first ndigits hex digits of HMAC-SHA256(key, lower(s[0..len))) to hex. */
static void hmac_hex(const char *key, const char *s, size_t len, char *hex, size_t ndigits)
{
    static const char digits[] = "0123456789abcdef";
    char low[NAME_MAX_BYTES];
    if (len > sizeof low)
        len = sizeof low;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)low, len, mac, &mac_len))
        mac_len = 0;
    for (size_t i = 0; i < ndigits; i++) {
        unsigned v = i / 2 < mac_len ? mac[i / 2] : 0;
        hex[i] = digits[i % 2 ? v & 0xf : v >> 4];
    }
    hex[ndigits] = '\0';
}

const char *fb_pseudonym_domain(const char *key, const char *domain, struct fb_arena *a)
{
    if (!domain || !domain[0])
        return domain;
    char hex[9];
    hmac_hex(key, domain, strlen(domain), hex, 8);
    return fb_arena_printf(a, "dom-%s.invalid", hex);
}

const char *fb_pseudonym_host(const char *key, const char *host, struct fb_arena *a)
{
    if (!host || !host[0])
        return host;
    char hex[9];
    hmac_hex(key, host, strlen(host), hex, 8);
    return fb_arena_printf(a, "host-%s.invalid", hex);
}

const char *fb_pseudonym_mailbox(const char *key, const char *address, struct fb_arena *a)
{
    if (!address || !address[0])
        return address;
    const char *at = strrchr(address, '@');
    char local[11], dom[9];
    hmac_hex(key, address, at ? (size_t)(at - address) : strlen(address), local, 10);
    if (!at)
        return fb_arena_printf(a, "mbx-%s", local);
    hmac_hex(key, at + 1, strlen(at + 1), dom, 8);
    return fb_arena_printf(a, "mbx-%s@dom-%s.invalid", local, dom);
}

/* ---- names inside a rendered report ---- */

static int mail_local_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-';
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

/* A name under .invalid: a pseudonym already (or nobody's name). */
static int is_pseudonym(const char *h, size_t n)
{
    return n > 8 && strncasecmp(h + n - 8, ".invalid", 8) == 0;
}

/* Microsoft 365 service hosts are not the customer's: they stay readable. */
static int is_service_host(const char *h, size_t n)
{
    static const char *const keep[] = {
        "office365.com", "office.com",  "outlook.com", "microsoftonline.com",
        "microsoft.com", "windows.net", "live.com",    "microsoftonline-p.com",
        "invalid"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        size_t m = strlen(keep[i]);
        if (n == m && strncasecmp(h, keep[i], m) == 0)
            return 1;
        if (n > m && h[n - m - 1] == '.' && strncasecmp(h + n - m, keep[i], m) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the name is one of the seeds (a domain or host the trace names), or a host
 * under a seed domain; *is_domain says which pseudonym prefix fits. */
static int seeded(const char *h, size_t n, const char *const *seeds, size_t n_seeds, int *is_domain)
{
    for (size_t i = 0; i < n_seeds; i++) {
        size_t m = strlen(seeds[i]);
        if (n == m && strncasecmp(h, seeds[i], m) == 0) {
            *is_domain = strchr(seeds[i], '.') == strrchr(seeds[i], '.');
            return 1;
        }
        if (n > m && h[n - m - 1] == '.' && strncasecmp(h + n - m, seeds[i], m) == 0) {
            *is_domain = 0;
            return 1;
        }
    }
    return 0;
}

const char *fb_pseudonym_name(const char *key, const char *name, struct fb_arena *a)
{
    if (!name || !strchr(name, '.'))
        return name;
    if (strchr(name, '@'))
        return fb_pseudonym_mailbox(key, name, a);
    if (is_service_host(name, strlen(name)))
        return name;
    return strchr(name, '.') == strrchr(name, '.') ? fb_pseudonym_domain(key, name, a)
                                                   : fb_pseudonym_host(key, name, a);
}

void fb_pseudonym_seed_add(struct fb_pseudonym_seeds *s, const char *name, size_t len,
                           struct fb_arena *a)
{
    if (!name)
        return;
    if (len == (size_t)-1)
        len = strlen(name);
    const char *colon = memchr(name, ':', len);
    if (colon) /* host:port; an IPv6 literal has no '.' and is skipped below */
        len = (size_t)(colon - name);
    if (len == 0 || !memchr(name, '.', len))
        return;
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && strncasecmp(s->v[i], name, len) == 0)
            return;
    if (s->n == FB_PSEUDONYM_MAX_SEEDS) {
        s->dropped++;
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        s->v = fb_arena_realloc(a, s->v, s->cap * sizeof *s->v, cap * sizeof *s->v);
        s->cap = cap;
    }
    s->v[s->n++] = fb_arena_cstr(a, name, len);
}

/* When text[i] follows an unescaped backslash and starts a JSON escape (\n, \uXXXX...):
 * the escape's length after the backslash; else 0. Called only where text[i] is a
 * name character after a backslash, so each run of backslashes is counted once. In a text report
 * such a backslash is literal (DOMAIN\user): skipping one letter there still replaces the rest of
 * the name. */
static size_t escape_len(const char *text, size_t i, size_t len)
{
    size_t run = 0;
    while (run < i && text[i - 1 - run] == '\\')
        run++;
    if (run % 2 == 0)
        return 0;
    if (text[i] == 'u' && i + 5 <= len) {
        for (size_t x = i + 1; x < i + 5; x++)
            if (!strchr("0123456789abcdefABCDEF", text[x]) || !text[x])
                return 1;
        return 5;
    }
    return strchr("nrtbf", text[i]) && text[i] ? 1 : 0;
}

/* The first "%40" in text[i..j), or NULL. */
static const char *find_at_escape(const char *text, size_t i, size_t j)
{
    for (size_t x = i; x + 3 <= j; x++)
        if (text[x] == '%' && text[x + 1] == '4' && text[x + 2] == '0')
            return text + x;
    return NULL;
}

/* For a run text[i..j) of address characters holding "%40" (a URL-encoded '@') with a
 * local part before it and a dotted host after it: the end of that host. Else 0. */
static size_t encoded_address_end(const char *text, size_t i, size_t j)
{
    const char *sep = find_at_escape(text, i, j);
    if (!sep || sep == text + i)
        return 0;
    size_t at = (size_t)(sep - text);
    size_t k = at + 3;
    while (k < j && host_char(text[k]))
        k++;
    while (k > at + 3 && text[k - 1] == '.')
        k--;
    if (k == at + 3 || !memchr(text + at + 3, '.', k - at - 3))
        return 0;
    for (size_t x = i; x < at; x++) /* the local part: no other escapes */
        if (text[x] == '%')
            return 0;
    return k;
}

static void put(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *out = fb_xrealloc(*out, *cap);
    }
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = '\0';
}

char *fb_pseudonym_text(const char *key, const char *text, size_t len, const char *const *seeds,
                        size_t n_seeds, struct fb_arena *a, size_t *out_len)
{
    char *out = NULL;
    size_t olen = 0, cap = 0;
    put(&out, &olen, &cap, "", 0);
    size_t i = 0, after_escape = (size_t)-1;
    while (i < len) {
        char c = text[i];
        size_t esc = i > 0 && text[i - 1] == '\\' && host_char(c) ? escape_len(text, i, len) : 0;
        if (esc) { /* a JSON escape's letters are not a name's (\nuser@x, \u0041) */
            put(&out, &olen, &cap, &text[i], esc);
            i += esc;
            after_escape = i;
            continue;
        }
        int starts_token = i == 0 || !host_char(text[i - 1]) || i == after_escape;
        if (!host_char(c) || !starts_token) {
            put(&out, &olen, &cap, &text[i], 1);
            i++;
            continue;
        }
        /* a token of host characters, maybe an address local@domain */
        size_t j = i;
        while (j < len && mail_local_char(text[j]))
            j++;
        if (j < len && text[j] == '@' && j + 1 < len && host_char(text[j + 1])) {
            size_t k = j + 1;
            while (k < len && host_char(text[k]))
                k++;
            while (k > j + 1 && text[k - 1] == '.') /* a sentence's full stop */
                k--;
            if (memchr(text + j + 1, '.', k - j - 1) && !is_pseudonym(text + j + 1, k - j - 1)) {
                char *addr = fb_arena_cstr(a, text + i, k - i);
                const char *p = fb_pseudonym_mailbox(key, addr, a);
                put(&out, &olen, &cap, p, strlen(p));
                i = k;
                continue;
            }
        }
        size_t enc = encoded_address_end(text, i, j);
        if (enc) { /* local%40domain, as in an Autodiscover URL's Email= */
            const char *sep = find_at_escape(text, i, j);
            size_t at = (size_t)(sep - text);
            char *addr = fb_arena_printf(a, "%.*s@%.*s", (int)(at - i), text + i,
                                         (int)(enc - at - 3), text + at + 3);
            const char *p = fb_pseudonym_mailbox(key, addr, a);
            const char *pat = strchr(p, '@');
            put(&out, &olen, &cap, p, (size_t)(pat - p));
            put(&out, &olen, &cap, "%40", 3);
            put(&out, &olen, &cap, pat + 1, strlen(pat + 1));
            i = enc;
            continue;
        }
        size_t k = i;
        while (k < len && host_char(text[k]))
            k++;
        size_t end = k;
        while (end > i && text[end - 1] == '.')
            end--;
        int after_scheme = i >= 3 && memcmp(text + i - 3, "://", 3) == 0;
        int is_domain = 0;
        int dotted = memchr(text + i, '.', end - i) != NULL;
        if (dotted && !is_service_host(text + i, end - i) &&
            (seeded(text + i, end - i, seeds, n_seeds, &is_domain) || after_scheme)) {
            char *name = fb_arena_cstr(a, text + i, end - i);
            const char *p =
                is_domain ? fb_pseudonym_domain(key, name, a) : fb_pseudonym_host(key, name, a);
            put(&out, &olen, &cap, p, strlen(p));
            put(&out, &olen, &cap, text + end, k - end);
        } else {
            put(&out, &olen, &cap, text + i, k - i);
        }
        i = k;
    }
    *out_len = olen;
    return out;
}
