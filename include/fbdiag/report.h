/* report.h - renderers. Streaming ones (the `exchanges` listing; later batch records)
 * write each item as it arrives; whole-trace ones (diagnose) come with later issues.
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

#endif /* FB_REPORT_H */
