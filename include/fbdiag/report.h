/* report.h - renderers. Streaming ones (the `exchanges` listing; later batch records)
 * write each item as it arrives; the whole-trace one (diagnose) writes a case at once.
 * Reports only format: they never parse or decide. Secrets are redacted here (see
 * redact.h) unless the options say otherwise.
 *
 * Ownership: a writer is owned by its caller from _begin to _end (which frees it). The
 * exchanges and trace passed in are borrowed for the call only.
 */
#ifndef FB_REPORT_H
#define FB_REPORT_H

#include <stdio.h>

#include "fbdiag/exchange.h"
#include "fbdiag/util.h"

struct fb_trace;
struct fb_match_result;

enum fb_out_format { FB_OUT_TEXT, FB_OUT_JSON, FB_OUT_NDJSON, FB_OUT_CSV };

struct fb_report_opts {
    enum fb_out_format format;
    int redact;                /* 1 by default; 0 with --no-redact */
    int color;                 /* text only: ANSI colour (a terminal without NO_COLOR) */
    const char *pseudonym_key; /* --pseudonymize KEY, or NULL */
};

struct fb_exchange_writer;

/* Starts an exchanges listing on out (text: a header line; json: "["). Never fails. */
struct fb_exchange_writer *fb_report_exchanges_begin(FILE *out, const struct fb_report_opts *o);
/* Writes one exchange of input_path. Returns 0, or FB_ERR_IO when out fails. */
FB_NODISCARD int fb_report_exchanges_add(struct fb_exchange_writer *w, const char *input_path,
                                         const struct fb_exchange *ex);
/* Closes the listing ("]" for json), frees w. Returns 0 or FB_ERR_IO. */
FB_NODISCARD int fb_report_exchanges_end(struct fb_exchange_writer *w);

/* Writes the trace's warnings and capture advice for a person, one per line, each line
 * starting with "fbdiag: " (for stderr next to a streamed listing). */
void fb_report_trace_notes(FILE *err, const struct fb_trace *t);

/* --- diagnose: the whole-trace report (text for people, JSON per
 * docs/schema/diagnose.schema.json) --- */

/* Everything a diagnose report shows. All borrowed. t->facts should be computed
 * (fb_facts_compute); without it the per-trace and per-attendee facts print as unknown. */
struct fb_diagnose_view {
    const struct fb_trace *t;
    const struct fb_match_result *m; /* NULL: no signature engine ran (no diagnoses) */
    const char *verdict;             /* normally fb_report_verdict(t, m) */
    const char *fbdiag_version;
    const char *signatures_hash;     /* fb_sig_db_hash, or NULL */
    const char *key_source;          /* "SSLKEYLOGFILE", "--keylog", or NULL */
};

/* Writes the report in o->format (FB_OUT_JSON: one object and a newline; anything else:
 * text). Returns 0, or FB_ERR_IO when out fails. */
FB_NODISCARD int fb_report_diagnose(FILE *out, const struct fb_diagnose_view *v,
                                    const struct fb_report_opts *o);

/* The verdict of a case (static string): "no-availability-traffic" when t holds no
 * call at all (also when every input failed to read: the caller decides then),
 * "diagnosed" when m has a diagnosis, "unexplained" when the facts count a problem,
 * else "healthy". m may be NULL (no diagnoses). */
const char *fb_report_verdict(const struct fb_trace *t, const struct fb_match_result *m);

#endif /* FB_REPORT_H */
