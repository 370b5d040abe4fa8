/* cmd_batch.c - `fbdiag batch [OPTIONS] (PATH... | -)` (design.md "Command line",
 * "Batch"): gathers the inputs (arguments, directories, paths on stdin), loads the
 * signature database once before the workers fork, and runs the pool (batch.h).
 *
 * Exit: 0 when every input yielded a normal record, 3 when some got an error record
 * (unreadable, password, unsupported, crash, timeout, memory), 2 for usage or output
 * failures; with --mapper 0 unless a usage error. */
#include "commands.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fbdiag/batch.h"
#include "fbdiag/sig.h"

/* -q: overrides of built-in rules are not reported */
static void quiet_warn(void *user, const char *msg)
{
    (void)user;
    (void)msg;
}

int fb_cmd_batch(const struct fb_options *o, FILE *out)
{
    struct fb_batch_inputs in;
    fb_batch_inputs_init(&in);
    int code = FB_EXIT_OK;
    struct fb_diag d;
    int stdin_read = 0;
    for (size_t i = 0; i < o->n_args || (o->mapper && i == 0); i++) {
        const char *a = i < o->n_args ? o->args[i] : "-";
        fb_diag_clear(&d);
        int rc;
        if (strcmp(a, "-") == 0) {
            rc = stdin_read ? FB_OK : fb_batch_inputs_read(&in, stdin, &d);
            stdin_read = 1;
        } else {
            rc = fb_batch_inputs_add(&in, a, &d);
        }
        if (rc != FB_OK) {
            fprintf(stderr, "fbdiag: %s: %s\n", d.where, d.msg);
            code = FB_EXIT_UNREADABLE;
        }
    }

    struct fb_sig_db *db = NULL;
    if (fb_cmd_load_signatures(o, o->quiet ? quiet_warn : NULL, NULL, &db) != FB_EXIT_OK) {
        fb_batch_inputs_cleanup(&in);
        return FB_EXIT_USAGE;
    }

    struct fb_batch_opts bo;
    fb_batch_opts_default(&bo);
    bo.jobs = o->jobs;
    bo.timeout_s = o->timeout_s;
    bo.max_memory_mb = o->max_memory_mb;
    bo.format = o->format == FB_OUT_CSV ? FB_OUT_CSV : FB_OUT_NDJSON;
    bo.mapper = o->mapper;
    bo.quiet = o->quiet;
    bo.progress = !o->mapper && !o->quiet && isatty(STDERR_FILENO);
    fb_cmd_report_opts(o, out, &bo.report);
    bo.read.password = o->password;
    bo.sigs = db;
    bo.signatures_hash = fb_sig_db_hash(db);

    int rc = fb_batch_run((const char *const *)in.paths, in.n, out, stderr, &bo);
    if (rc < 0) {
        fprintf(stderr, "fbdiag: %s: cannot write the output\n", o->output ? o->output : "stdout");
        code = FB_EXIT_USAGE;
    } else if (rc > 0) {
        code = fb_exit_combine(code, FB_EXIT_UNREADABLE);
    }
    fb_sig_db_free(db);
    fb_batch_inputs_cleanup(&in);
    if (o->mapper && code != FB_EXIT_USAGE)
        code = FB_EXIT_OK;
    return code;
}
