/* cmd_common.c - what every command shares: report options from the command line and
 * the environment (NO_COLOR, a terminal). */
#include "commands.h"

#include <stdlib.h>
#include <unistd.h>

#include "fbdiag/report.h"

void fb_cmd_report_opts(const struct fb_options *o, FILE *out, struct fb_report_opts *ro)
{
    const char *no_color = getenv("NO_COLOR");
    ro->format = o->format;
    ro->redact = o->redact;
    ro->color = o->format == FB_OUT_TEXT && isatty(fileno(out)) && !(no_color && no_color[0]);
    ro->pseudonym_key = o->pseudonym_key;
}
