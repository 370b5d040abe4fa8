/* commands.h - private to src/cli/: the commands main() dispatches to. Each takes the
 * parsed options and the output stream, does its work through the library, prints its
 * messages to stderr, and returns design.md's exit code. */
#ifndef FB_CLI_COMMANDS_H
#define FB_CLI_COMMANDS_H

#include <stdio.h>

#include "fbdiag/cli.h"
#include "fbdiag/sig.h"

struct fb_report_opts;

void fb_cmd_report_opts(const struct fb_options *o, FILE *out, struct fb_report_opts *ro);
/* Loads the built-in signatures plus --signatures DIR into *db. Overrides of built-in ids
 * go to warn (NULL: to stderr as "fbdiag: warning: ..."). Returns FB_EXIT_OK, or
 * FB_EXIT_USAGE after printing what is wrong (a rule's file:line and problem). */
int fb_cmd_load_signatures(const struct fb_options *o, fb_sig_warn_fn warn, void *user,
                           struct fb_sig_db **db);
int fb_cmd_diagnose(const struct fb_options *o, FILE *out);
int fb_cmd_signatures(const struct fb_options *o, FILE *out);
int fb_cmd_batch(const struct fb_options *o, FILE *out);

#endif /* FB_CLI_COMMANDS_H */
