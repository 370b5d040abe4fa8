/* main.c - fbdiag's entry point: initialise the libraries that need it once (libxml2,
 * jansson's hash seed), parse the command line, run the command, return design.md's
 * exit code. Option parsing lives in options.c; the work lives in the library.
 *
 * Output: -o FILE is created (or truncated) before any input is read; if it cannot be
 * opened, or the output cannot be written or flushed, fbdiag says so and exits 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "commands.h"
#include "fbdiag/capture.h"
#include "fbdiag/cli.h"
#include "fbdiag/input.h"
#include "fbdiag/report.h"
#include "fbdiag/trace.h"

/* State of one streamed listing: the writer starts with the first exchange, so an input
 * that cannot be read prints nothing on stdout. */
struct listing {
    FILE *out;
    const struct fb_report_opts *ro;
    const char *path;
    struct fb_exchange_writer *w;
    int write_failed;
    struct fb_capture capture; /* capture-quality advice, reported on stderr */
};

static int on_exchange(const struct fb_exchange *ex, void *user)
{
    struct listing *l = user;
    fb_capture_observe(&l->capture, ex);
    if (!l->w)
        l->w = fb_report_exchanges_begin(l->out, l->ro);
    int rc = fb_report_exchanges_add(l->w, l->path, ex);
    l->write_failed |= rc != 0;
    return rc;
}

static int cmd_exchanges(const struct fb_options *o, FILE *out)
{
    const char *path = o->args[0];
    struct fb_report_opts ro;
    fb_cmd_report_opts(o, out, &ro);
    struct fb_read_opts rd;
    fb_read_opts_default(&rd);
    rd.password = o->password;

    struct fb_trace t;
    fb_trace_init(&t);
    struct fb_input_info *info = fb_trace_add_input(&t, path);
    struct listing l = {out, &ro, path, NULL, 0, {0}};
    fb_capture_init(&l.capture);
    struct fb_diag d;
    int rc = fb_input_read(path, &rd, on_exchange, &l, &t, info, &d);
    if (rc >= 0)
        fb_capture_finish(&l.capture, &t, info ? info->path : path);
    if (!l.w && rc >= 0)
        l.w = fb_report_exchanges_begin(out, &ro); /* a readable input without exchanges */
    if (l.w && fb_report_exchanges_end(l.w) != 0)
        l.write_failed = 1;

    int code = FB_EXIT_OK;
    if (l.write_failed) {
        fprintf(stderr, "fbdiag: %s: cannot write the output\n", o->output ? o->output : "stdout");
        code = FB_EXIT_USAGE;
    } else if (rc < 0) {
        fprintf(stderr, "fbdiag: %s: %s\n", d.where[0] ? d.where : path, d.msg);
        code = fb_exit_for_input_err(rc);
    }
    if (o->verbose && info && info->sha256[0])
        fprintf(stderr, "fbdiag: %s: format %s, %llu bytes, sha256 %s, %llu exchanges\n", path,
                info->format, (unsigned long long)info->size, info->sha256,
                (unsigned long long)info->n_exchanges);
    if (!o->quiet)
        fb_report_trace_notes(stderr, &t);
    fb_trace_cleanup(&t);
    return code;
}

static int run(const struct fb_options *o)
{
    switch (o->cmd) {
    case FB_CMD_HELP: fb_cli_help(stdout); return FB_EXIT_OK;
    case FB_CMD_VERSION: puts("fbdiag " FB_VERSION); return FB_EXIT_OK;
    case FB_CMD_EXCHANGES:
    case FB_CMD_DIAGNOSE:
    case FB_CMD_SIGNATURES:
    case FB_CMD_BATCH: break;
    default:
        /* fb_cli_parse refuses commands the availability table marks as missing; this
         * catches a table entry flipped before its command was wired in here. */
        fprintf(stderr, "fbdiag: this command is not yet available in this release\n");
        return FB_EXIT_USAGE;
    }

    FILE *out = stdout;
    if (o->output && !(out = fopen(o->output, "w"))) {
        fprintf(stderr, "fbdiag: %s: cannot write: %s\n", o->output, strerror(errno));
        return FB_EXIT_USAGE;
    }
    int code = o->cmd == FB_CMD_EXCHANGES  ? cmd_exchanges(o, out)
               : o->cmd == FB_CMD_DIAGNOSE ? fb_cmd_diagnose(o, out)
               : o->cmd == FB_CMD_BATCH    ? fb_cmd_batch(o, out)
                                           : fb_cmd_signatures(o, out);
    int bad = out == stdout ? fflush(out) != 0 || ferror(out) : fclose(out) != 0;
    if (bad && code != FB_EXIT_USAGE) {
        fprintf(stderr, "fbdiag: %s: %s\n", o->output ? o->output : "stdout", strerror(errno));
        code = FB_EXIT_USAGE;
    }
    return code;
}

int main(int argc, char **argv)
{
    xmlInitParser();     /* once, before any thread or worker (pitfalls.md) */
    json_object_seed(0); /* jansson's documented thread-safety requirement */

    struct fb_options o;
    struct fb_diag d;
    int code = fb_cli_parse(argc, (const char *const *)argv, &o, &d);
    if (code != FB_EXIT_OK) {
        if (argc <= 1)
            fb_cli_usage(stderr);
        fprintf(stderr, "fbdiag: %s\n", d.msg);
    } else {
        code = run(&o);
    }
    fb_options_cleanup(&o);
    return code;
}
