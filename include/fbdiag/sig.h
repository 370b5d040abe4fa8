/* sig.h - the signature engine: a database of known root causes written as YAML rules
 * (one per file, in the spirit of Sigma rules), matched against the facts of a trace
 * (docs/signatures.md) to give ranked diagnoses with evidence, next steps and fixes.
 *
 * Rules are data: the built-in database is src/sig/rules/<family>/<id>.yaml compiled
 * into the binary; --signatures DIR adds a user's rules (a user rule with a built-in id
 * replaces it). Regexes are PCRE2, compiled once at load, with match and depth limits.
 *
 * Ownership: a database owns its rules (fb_sig_db_free). Diagnoses returned by
 * fb_sig_match live in the arena given and borrow rule strings from the database, so
 * the database must outlive them.
 */
#ifndef FB_SIG_H
#define FB_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_arena;
struct fb_trace;
struct fb_sig;
struct fb_sig_db;

/* Log lines given with --log (server logs, Outlook logs, saved cmdlet output). */
struct fb_log_set {
    const char **lines;  /* NUL-terminated, owned by the set's arena */
    const char **origin; /* "file:line" of each */
    size_t n, cap;
    struct fb_arena *arena;
};
void fb_log_set_init(struct fb_log_set *l, struct fb_arena *a);
/* Reads a plain-text or CSV log file: one fact per line (CSV rows are joined with ", "
 * after unquoting). Lines are capped at 64 KiB and the set at 1,000,000 lines. Returns 0
 * or FB_ERR_IO (d says why). */
FB_NODISCARD int fb_log_set_read(struct fb_log_set *l, const char *path, struct fb_diag *d);
/* Parses a log held in memory (path names it in each line's origin). data is modified
 * in place (UTF-16 input is narrowed). */
void fb_log_set_parse(struct fb_log_set *l, uint8_t *data, size_t len, const char *path);
/* Adds one line of text (e.g. --text STRING); origin is copied. */
void fb_log_set_add(struct fb_log_set *l, const char *text, size_t len, const char *origin);

/* --- the database --- */

/* Creates a database holding the built-in rules. Returns 0 or FB_ERR_FORMAT (a built-in
 * rule failed to load: a build defect, d says which). */
FB_NODISCARD int fb_sig_db_new(struct fb_sig_db **out, struct fb_diag *d);
void fb_sig_db_free(struct fb_sig_db *db); /* NULL is a no-op */

/* Adds every *.yaml / *.yml file under dir (recursively, in sorted order). A rule whose
 * id is already in the database replaces it; the replaced ids are reported through
 * warn (may be NULL) as "user rule <id> (file) overrides the built-in rule". Returns 0,
 * FB_ERR_IO (dir unreadable) or FB_ERR_FORMAT (a rule is invalid: d names file:line). */
typedef void (*fb_sig_warn_fn)(void *user, const char *msg);
FB_NODISCARD int fb_sig_db_add_dir(struct fb_sig_db *db, const char *dir, fb_sig_warn_fn warn,
                                   void *user, struct fb_diag *d);
/* Parses one rule from text (name is used in messages, e.g. the file path). Adds it to
 * db when db is non-NULL. Returns 0 or FB_ERR_FORMAT with d->where = "name:line". */
FB_NODISCARD int fb_sig_db_add_text(struct fb_sig_db *db, const char *name, const char *text,
                                    size_t len, struct fb_diag *d);

size_t fb_sig_db_count(const struct fb_sig_db *db);
const struct fb_sig *fb_sig_db_at(const struct fb_sig_db *db, size_t i); /* sorted by id */
const struct fb_sig *fb_sig_db_find(const struct fb_sig_db *db, const char *id);
/* "sha256:<hex>" over the rules' texts in id order: identifies the database in output. */
const char *fb_sig_db_hash(const struct fb_sig_db *db);

/* Accessors of one rule (borrowed strings). */
const char *fb_sig_id(const struct fb_sig *s);
const char *fb_sig_title(const struct fb_sig *s);
const char *fb_sig_meaning(const struct fb_sig *s);
const char *fb_sig_family(const struct fb_sig *s);
const char *fb_sig_evidence_source(const struct fb_sig *s); /* "wire", "server-log", ... */
const char *fb_sig_text(const struct fb_sig *s);            /* the YAML source */
const char *fb_sig_origin(const struct fb_sig *s);          /* "builtin:<path>" or a file */
const char *const *fb_sig_next_steps(const struct fb_sig *s, size_t *n);
const char *const *fb_sig_fix(const struct fb_sig *s, size_t *n);
const char *const *fb_sig_references(const struct fb_sig *s, size_t *n);

/* --- matching --- */

#define FB_DIAG_MAX_EVIDENCE 12
#define FB_DIAG_MAX_ATTENDEES 32
#define FB_DIAG_MIN_CONFIDENCE 0.15

struct fb_diagnosis {
    const struct fb_sig *sig;
    double confidence;        /* [0, 1] */
    unsigned conditions_held; /* match + supports that held: breaks ties */
    const char *route;        /* the route group, or NULL for trace-wide rules */
    const char *first_source; /* exchange source of the first evidence */
    const char *attendees[FB_DIAG_MAX_ATTENDEES];
    size_t n_attendees;
    uint32_t n_units; /* (call, attendee) units that matched */
    const char *evidence[FB_DIAG_MAX_EVIDENCE];
    size_t n_evidence;
    const struct fb_sig *advice[4]; /* evidence_source "none" rules attached as advice */
    size_t n_advice;
};

struct fb_match_result {
    struct fb_diagnosis *diagnoses; /* best first */
    size_t n_diagnoses;
    uint32_t n_failing_units; /* failing (call, attendee) and call-level error units */
    uint32_t n_unexplained;   /* of those, the ones no diagnosis explains */
    /* per call (index-aligned with trace->calls): explained flags per attendee and per
     * call-level error; NULL when the call has none */
    uint8_t **attendee_explained;
    uint8_t **error_explained;
};

/* Matches every rule against the trace's calls, attendees, facts (t->facts must be
 * computed) and the log lines (logs may be NULL). Units of superseded calls are skipped.
 * Everything in *r is allocated in a. Never fails. */
void fb_sig_match(const struct fb_sig_db *db, const struct fb_trace *t,
                  const struct fb_log_set *logs, struct fb_arena *a, struct fb_match_result *r);

#endif /* FB_SIG_H */
