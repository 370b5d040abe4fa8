/* commands.h - private to src/cli/: the commands main() dispatches to. Each takes the
 * parsed options and the output stream, does its work through the library, prints its
 * messages to stderr, and returns design.md's exit code. */
#ifndef FB_CLI_COMMANDS_H
#define FB_CLI_COMMANDS_H

#include <stdio.h>

#include "fbdiag/cli.h"

struct fb_report_opts;

void fb_cmd_report_opts(const struct fb_options *o, FILE *out, struct fb_report_opts *ro);
int fb_cmd_diagnose(const struct fb_options *o, FILE *out);
int fb_cmd_signatures(const struct fb_options *o, FILE *out);

#endif /* FB_CLI_COMMANDS_H */
