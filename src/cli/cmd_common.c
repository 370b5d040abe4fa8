/* cmd_common.c - what every command shares: report options from the command line and
 * the environment (NO_COLOR, a terminal). */
#include "commands.h"

#include <stdio.h>
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

static void warn_stderr(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "fbdiag: warning: %s\n", msg);
}

int fb_cmd_load_signatures(const struct fb_options *o, fb_sig_warn_fn warn, void *user,
                           struct fb_sig_db **db)
{
    struct fb_diag d;
    fb_diag_clear(&d);
    *db = NULL;
    if (fb_sig_db_new(db, &d) != FB_OK) {
        fprintf(stderr, "fbdiag: built-in signatures: %s: %s\n", d.where, d.msg);
        return FB_EXIT_USAGE;
    }
    if (o->signatures_dir &&
        fb_sig_db_add_dir(*db, o->signatures_dir, warn ? warn : warn_stderr, user, &d)) {
        fprintf(stderr, "fbdiag: %s: %s\n", d.where, d.msg);
        fb_sig_db_free(*db);
        *db = NULL;
        return FB_EXIT_USAGE;
    }
    return FB_EXIT_OK;
}
