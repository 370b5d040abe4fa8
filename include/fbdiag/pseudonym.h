/* pseudonym.h - stable pseudonyms for output that leaves the team (--pseudonymize KEY):
 * mailbox addresses, SMTP domains and host names are replaced by names derived from
 * HMAC-SHA256 under KEY, so the same name always maps to the same pseudonym within one
 * key (routes and domains still group) and nothing links them across keys.
 *
 *   alice@Contoso.com  ->  mbx-<10 hex>@dom-<8 hex>.invalid
 *   contoso.com        ->  dom-<8 hex>.invalid
 *   mail.contoso.com   ->  host-<8 hex>.invalid
 *
 * The local part and the domain are hashed separately (each lower-cased), so every
 * address of one domain shares its dom-... part. A domain and a host of the same name
 * share their hex (only the prefix differs), so an SMTP-domain route still groups with
 * the domain of its mailboxes.
 *
 * Ownership: results are allocated in the arena given (NUL-terminated). Keys and
 * names are borrowed. No global state.
 */
#ifndef FB_PSEUDONYM_H
#define FB_PSEUDONYM_H

struct fb_arena;

/* "mbx-<10 hex>@dom-<8 hex>.invalid" for an address; an address without '@' gives
 * "mbx-<10 hex>". Returns NULL for a NULL address, "" for "". */
const char *fb_pseudonym_mailbox(const char *key, const char *address, struct fb_arena *a);

/* "dom-<8 hex>.invalid". Returns NULL for NULL, "" for "". */
const char *fb_pseudonym_domain(const char *key, const char *domain, struct fb_arena *a);

/* "host-<8 hex>.invalid" (a host name or an IP literal). Returns NULL for NULL, "" for "". */
const char *fb_pseudonym_host(const char *key, const char *host, struct fb_arena *a);

#endif /* FB_PSEUDONYM_H */
