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
struct json_t;

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

/* --- batch records (docs/schema/batch-record.schema.json): one per input --- */

/* What one batch record shows; all borrowed. A normal record has t (one input read,
 * facts computed) and m; an error record has verdict "error", error_code (unreadable,
 * password, unsupported, crash, timeout, memory) and error_message, and t when the
 * input was opened far enough to know its format and hash (else NULL). */
struct fb_batch_view {
    const char *input;        /* the path as given */
    const struct fb_trace *t; /* NULL: nothing known about the input */
    const struct fb_match_result *m;
    const char *verdict; /* healthy, diagnosed, unexplained,
                            no-availability-traffic, error */
    const char *error_code, *error_message;
    uint64_t total_ms;
    const char *fbdiag_version;
    const char *signatures_hash;
};

/* Builds the record (owned by the caller: json_decref). With o->pseudonym_key set,
 * diagnosis routes are pseudonymized (pseudonym.h); the input path is kept. */
struct json_t *fb_report_batch_record(const struct fb_batch_view *v,
                                      const struct fb_report_opts *o);
/* Writes the CSV header row (RFC 4180, CRLF line ends). Returns 0 or FB_ERR_IO. */
FB_NODISCARD int fb_report_batch_csv_header(FILE *out);
/* Writes one record: a compact JSON line (FB_OUT_NDJSON) or a CSV row (FB_OUT_CSV,
 * fields flattened, quoted per RFC 4180 when needed). Returns 0 or FB_ERR_IO. */
FB_NODISCARD int fb_report_batch_write(FILE *out, const struct json_t *record,
                                       enum fb_out_format f);

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
    const char *signatures_hash; /* fb_sig_db_hash, or NULL */
    const char *key_source;      /* "SSLKEYLOGFILE", "--keylog", or NULL */
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
