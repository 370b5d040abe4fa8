/* batch.h - `fbdiag batch`: one record per input, for thousands of traces.
 *
 * A pool of worker processes (fork) reads the inputs, each worker under a memory limit
 * (RLIMIT_AS) and, per input, a time limit the parent enforces with SIGKILL. A worker
 * that crashes or overruns yields an error record for its input and is replaced. The
 * parent writes the records in input order (out-of-order completions wait in a buffer),
 * exactly one per input, as NDJSON or CSV (report.h), with an optional progress line and
 * a summary on the error stream.
 *
 *   parent ──task (u32 index)──> worker k ──record (u32 length + JSON)──> parent
 *          <──stderr (last bytes kept: tells "out of memory" from a crash)──
 *
 * Also here: the list of inputs (arguments, directories walked recursively in sorted
 * path order, paths read one per line).
 *
 * Ownership: options and paths are borrowed for the call. The signature database is
 * loaded once by the caller before the workers fork (they share it copy-on-write).
 * Library state is per call: no globals; the parent changes no signal disposition.
 */
#ifndef FB_BATCH_H
#define FB_BATCH_H

#include <stddef.h>
#include <stdio.h>

#include "fbdiag/input.h"
#include "fbdiag/report.h"
#include "fbdiag/util.h"

struct fb_sig_db;
struct json_t;
struct fb_batch_opts;

/* Analyses one input in a worker and builds its record (*record_out, owned by the
 * caller). Returns 0 with a record; anything else (or no record) is answered with an
 * error record "crash". */
typedef int (*fb_batch_worker_fn)(const char *path, const struct fb_batch_opts *o,
                                  struct json_t **record_out);

struct fb_batch_opts {
    unsigned jobs;                  /* worker processes; 0: one per online CPU */
    unsigned timeout_s;             /* per input; 0: FB_BATCH_DEFAULT_TIMEOUT */
    unsigned max_memory_mb;         /* RLIMIT_AS per worker; 0: no limit */
    enum fb_out_format format;      /* FB_OUT_NDJSON (default) or FB_OUT_CSV */
    int mapper;                     /* no progress, no summary */
    int progress;                   /* draw the progress line on err (a terminal) */
    int quiet;                      /* no summary */
    struct fb_report_opts report;   /* redaction and pseudonyms of the records */
    struct fb_read_opts read;       /* password, limits */
    const struct fb_sig_db *sigs;   /* NULL: no diagnoses (verdicts from counts) */
    const char *signatures_hash;    /* fb_sig_db_hash(sigs), computed once */
    fb_batch_worker_fn analyze_one; /* NULL: fb_batch_analyze (the real pipeline) */
    void *user;                     /* for an injected worker */
};

#define FB_BATCH_DEFAULT_TIMEOUT 300
#define FB_BATCH_DEFAULT_MAX_MEMORY 2048

/* Defaults: jobs 0, timeout 300 s, 2048 MB, NDJSON, redaction on, default read opts. */
void fb_batch_opts_default(struct fb_batch_opts *o);

/* The real worker: reads path through the pipeline (analyze.h), matches o->sigs, builds
 * the record (report.h). Inputs that cannot be read get an error record with code
 * unreadable, password or unsupported. Returns 0. */
int fb_batch_analyze(const char *path, const struct fb_batch_opts *o, struct json_t **record_out);

/* Runs the batch over paths[0..n): records on out in input order, progress and the
 * summary on err (err may be NULL). Returns the number of error records (>= 0), or
 * FB_ERR_IO when out could not be written (the workers are stopped then). */
FB_NODISCARD int fb_batch_run(const char *const *paths, size_t n, FILE *out, FILE *err,
                              const struct fb_batch_opts *o);

/* --- the inputs of a batch --- */

struct fb_batch_inputs {
    char **paths; /* owned, NUL-terminated */
    size_t n, cap;
};
void fb_batch_inputs_init(struct fb_batch_inputs *l);
void fb_batch_inputs_cleanup(struct fb_batch_inputs *l); /* frees every path */

/* Adds one argument: a directory adds every regular file below it (recursively, names
 * starting with '.' skipped, symbolic links to directories not followed) in sorted path
 * order (bytewise strcmp); anything else is added as it is (a missing file then gets
 * its error record). Returns 0, or FB_ERR_IO when a directory cannot be read (d says
 * which; the files found before are kept). */
FB_NODISCARD int fb_batch_inputs_add(struct fb_batch_inputs *l, const char *arg, struct fb_diag *d);

/* Adds the paths read from in, one per line (a trailing CR is dropped, empty lines are
 * skipped, a path is taken as it is: no directory walk). Returns 0 or FB_ERR_IO. */
FB_NODISCARD int fb_batch_inputs_read(struct fb_batch_inputs *l, FILE *in, struct fb_diag *d);

#endif /* FB_BATCH_H */
