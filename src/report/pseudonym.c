/* pseudonym.c - stable pseudonyms of mailboxes, domains and hosts (pseudonym.h):
 * HMAC-SHA256 (OpenSSL) under the user's key of the lower-cased name, printed as the
 * first hex digits. Used by reports for output that leaves the team; it does not find
 * names inside free text (error messages keep what they say). */
#include "fbdiag/pseudonym.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fbdiag/arena.h"

#define NAME_MAX_BYTES 1024 /* longer names are hashed on their first 1024 bytes */

/* Writes the first ndigits hex digits of HMAC-SHA256(key, lower(s[0..len))) to hex. */
static void hmac_hex(const char *key, const char *s, size_t len, char *hex, size_t ndigits) {
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

const char *fb_pseudonym_domain(const char *key, const char *domain, struct fb_arena *a) {
    if (!domain || !domain[0])
        return domain;
    char hex[9];
    hmac_hex(key, domain, strlen(domain), hex, 8);
    return fb_arena_printf(a, "dom-%s.invalid", hex);
}

const char *fb_pseudonym_host(const char *key, const char *host, struct fb_arena *a) {
    if (!host || !host[0])
        return host;
    char hex[9];
    hmac_hex(key, host, strlen(host), hex, 8);
    return fb_arena_printf(a, "host-%s.invalid", hex);
}

const char *fb_pseudonym_mailbox(const char *key, const char *address, struct fb_arena *a) {
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
