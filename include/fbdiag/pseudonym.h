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

#include <stddef.h>

struct fb_arena;

/* "mbx-<10 hex>@dom-<8 hex>.invalid" for an address; an address without '@' gives
 * "mbx-<10 hex>". Returns NULL for a NULL address, "" for "". */
const char *fb_pseudonym_mailbox(const char *key, const char *address, struct fb_arena *a);

/* "dom-<8 hex>.invalid". Returns NULL for NULL, "" for "". */
const char *fb_pseudonym_domain(const char *key, const char *domain, struct fb_arena *a);

/* "host-<8 hex>.invalid" (a host name or an IP literal). Returns NULL for NULL, "" for "". */
const char *fb_pseudonym_host(const char *key, const char *host, struct fb_arena *a);

/* A standalone name as fb_pseudonym_text replaces a seeded one: an address (it has '@')
 * as fb_pseudonym_mailbox, a name with one dot as a domain, others as a host; Microsoft
 * 365 service hosts and names without a dot are returned unchanged. For renderers that
 * must know a cell's printed width (the text report's table). NULL for NULL. */
const char *fb_pseudonym_name(const char *key, const char *name, struct fb_arena *a);

/* The names a trace gives that fb_pseudonym_text must replace wherever they stand (not
 * only in URLs): domains, hosts, IP literals. Zero-initialise; the names are copied into
 * the arena given to fb_pseudonym_seed_add, so they outlive the exchange they came from. */
#define FB_PSEUDONYM_MAX_SEEDS 1024
struct fb_pseudonym_seeds {
    const char **v;
    size_t n, cap;
    size_t dropped; /* distinct names past FB_PSEUDONYM_MAX_SEEDS (replaced only in URLs) */
};

/* Adds name[0..len) (len (size_t)-1: NUL-terminated) unless it is NULL, has no '.', or is
 * there already (case-insensitive). A ":port" suffix is dropped. */
void fb_pseudonym_seed_add(struct fb_pseudonym_seeds *s, const char *name, size_t len,
                           struct fb_arena *a);

/* Pseudonymizes a rendered report (text or JSON): every mailbox address; every host in a
 * URL (after "://"); and every name equal to one of seeds[0..n_seeds) (the domains and
 * hosts the trace names: attendee domains, routes, the requester's domain, hosts talked
 * to) or a host under one of them. Names already pseudonymized (under .invalid) are
 * left alone, so a renderer may print some itself. Microsoft 365 service hosts stay readable, as do
 * .NET type names and versions (they are never seeds). Only name characters change, so
 * JSON stays valid. Returns a heap buffer (caller frees) of *out_len bytes plus a NUL. */
char *fb_pseudonym_text(const char *key, const char *text, size_t len, const char *const *seeds,
                        size_t n_seeds, struct fb_arena *a, size_t *out_len);

#endif /* FB_PSEUDONYM_H */
