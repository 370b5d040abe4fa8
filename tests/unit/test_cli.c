/* test_cli.c - the command line: every option, repeatable options, value checks, the
 * "not yet available" table, password precedence, and exit-code precedence. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbdiag/cli.h"

#define MAX_ARGS 32

/* Parses the NULL-terminated arguments after "fbdiag". */
static int parse(struct fb_options *o, struct fb_diag *d, ...)
{
    static const char *argv[MAX_ARGS];
    int argc = 0;
    argv[argc++] = "fbdiag";
    va_list ap;
    va_start(ap, d);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < MAX_ARGS - 1)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return fb_cli_parse(argc, argv, o, d);
}

static void clean_env(void)
{
    unsetenv("FBDIAG_PASSWORD");
    unsetenv("SSLKEYLOGFILE");
}

Test(cli, exchanges_with_defaults)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "trace.saz", NULL), FB_EXIT_OK);
    cr_assert_eq(o.cmd, FB_CMD_EXCHANGES);
    cr_assert_eq(o.n_args, 1);
    cr_assert_str_eq(o.args[0], "trace.saz");
    cr_assert_eq(o.format, FB_OUT_TEXT);
    cr_assert_eq(o.format_given, 0);
    cr_assert_null(o.output);
    cr_assert_eq(o.redact, 1);
    cr_assert_eq(o.quiet, 0);
    cr_assert_eq(o.verbose, 0);
    cr_assert_eq(o.jobs, 0);
    cr_assert_eq(o.timeout_s, 300);
    cr_assert_eq(o.max_memory_mb, 2048);
    cr_assert_eq(o.mapper, 0);
    cr_assert_null(o.password);
    cr_assert_eq(o.password_source, FB_PW_NONE);
    cr_assert_null(o.keylog_env);
    cr_assert_str_empty(d.msg);
    fb_options_cleanup(&o);
}

Test(cli, every_available_common_option_long_short_and_equals)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "--format=json", "exchanges", "-o", "out.json", "--no-redact", "-q",
                       "-vv", "--verbose", "--password", "pw", "-", NULL),
                 FB_EXIT_OK, "%s", d.msg);
    cr_assert_eq(o.cmd, FB_CMD_EXCHANGES);
    cr_assert_eq(o.format, FB_OUT_JSON);
    cr_assert_eq(o.format_given, 1);
    cr_assert_str_eq(o.output, "out.json");
    cr_assert_eq(o.redact, 0);
    cr_assert_eq(o.quiet, 1);
    cr_assert_eq(o.verbose, 3);
    cr_assert_str_eq(o.password, "pw");
    cr_assert_eq(o.password_source, FB_PW_ARG);
    cr_assert_eq(o.n_args, 1);
    cr_assert_str_eq(o.args[0], "-");
    fb_options_cleanup(&o);

    cr_assert_eq(
        parse(&o, &d, "exchanges", "--output", "a.txt", "-oB.txt", "--format", "text", "x", NULL),
        FB_EXIT_OK);
    cr_assert_str_eq(o.output, "B.txt"); /* the last -o wins */
    cr_assert_eq(o.format, FB_OUT_TEXT);
    fb_options_cleanup(&o);
}

Test(cli, double_dash_ends_options)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "--", "--weird-name.saz", NULL), FB_EXIT_OK);
    cr_assert_eq(o.n_args, 1);
    cr_assert_str_eq(o.args[0], "--weird-name.saz");
    fb_options_cleanup(&o);
}

Test(cli, help_and_version_anywhere)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    const char *cases[][3] = {{"--help", NULL, NULL},   {"-h", NULL, NULL},
                              {"help", NULL, NULL},     {"exchanges", "--help", NULL},
                              {"diagnose", "-h", NULL}, {"help", "exchanges", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(parse(&o, &d, cases[i][0], cases[i][1], cases[i][2]), FB_EXIT_OK,
                     "case %zu: %s", i, d.msg);
        cr_assert_eq(o.cmd, FB_CMD_HELP, "case %zu", i);
        fb_options_cleanup(&o);
    }
    cr_assert_eq(parse(&o, &d, "--version", NULL), FB_EXIT_OK);
    cr_assert_eq(o.cmd, FB_CMD_VERSION);
    fb_options_cleanup(&o);
    cr_assert_eq(parse(&o, &d, "-V", NULL), FB_EXIT_OK);
    cr_assert_eq(o.cmd, FB_CMD_VERSION);
    fb_options_cleanup(&o);
}

struct bad_case {
    const char *args[6];
    const char *msg;
};

Test(cli, usage_errors_name_the_problem)
{
    clean_env();
    static const struct bad_case cases[] = {
        {{NULL}, "missing command; try 'fbdiag --help'"},
        {{"frob", NULL}, "unknown command 'frob'; try 'fbdiag --help'"},
        {{"exchanges", "--bogus", "x", NULL}, "unknown option '--bogus'; try 'fbdiag --help'"},
        {{"exchanges", "-Z", "x", NULL}, "unknown option '-Z'; try 'fbdiag --help'"},
        {{"exchanges", NULL}, "exchanges: missing TRACE; try 'fbdiag --help'"},
        {{"exchanges", "a", "b", NULL},
         "exchanges: takes one TRACE; 'b' is one too many; try 'fbdiag --help'"},
        {{"exchanges", "x", "--format", NULL},
         "option --format needs an argument; try 'fbdiag --help'"},
        {{"exchanges", "x", "-o", NULL}, "option -o needs an argument; try 'fbdiag --help'"},
        {{"exchanges", "--format", "xml", "x", NULL},
         "unknown format 'xml' (text, json, ndjson or csv); try 'fbdiag --help'"},
        {{"exchanges", "--format", "csv", "x", NULL},
         "--format csv is only for batch; try 'fbdiag --help'"},
        {{"exchanges", "--format", "ndjson", "x", NULL},
         "--format ndjson is only for batch; try 'fbdiag --help'"},
        {{"exchanges", "--no-redact=yes", "x", NULL},
         "option --no-redact takes no argument; try 'fbdiag --help'"},
        {{"exchanges", "-j", "2", "x", NULL}, "-j is only for batch; try 'fbdiag --help'"},
        {{"exchanges", "--timeout", "5", "x", NULL},
         "--timeout is only for batch; try 'fbdiag --help'"},
        {{"exchanges", "--mapper", "x", NULL}, "--mapper is only for batch; try 'fbdiag --help'"},
        {{"exchanges", "-o", "", "x", NULL}, "-o needs a file name; try 'fbdiag --help'"},
        {{"exchanges", "-j", "x", NULL},
         "-j: 'x' is not a number of jobs from 1 to 256; try "
         "'fbdiag --help'"},
        {{"batch", "-j", "0", NULL},
         "-j: '0' is not a number of jobs from 1 to 256; try "
         "'fbdiag --help'"},
        {{"batch", "--jobs=257", NULL},
         "--jobs: '257' is not a number of jobs from 1 to 256; "
         "try 'fbdiag --help'"},
        {{"batch", "-j-1", NULL},
         "-j: '-1' is not a number of jobs from 1 to 256; try "
         "'fbdiag --help'"},
        {{"batch", "--log", "l.txt", "d", NULL},
         "--log is not for batch (use diagnose); try 'fbdiag --help'"},
        {{"batch", "--text", "err", "d", NULL},
         "--text is not for batch (use diagnose); try 'fbdiag --help'"},
        {{"batch", "--timeout", "0", NULL},
         "--timeout: '0' is not a number of seconds from 1 "
         "to 604800; try 'fbdiag --help'"},
        {{"batch", "--max-memory", "1e3", NULL},
         "--max-memory: '1e3' is not a number of "
         "megabytes from 16 to 1048576; try "
         "'fbdiag --help'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fb_options o;
        struct fb_diag d;
        const char *const *a = cases[i].args;
        cr_assert_eq(parse(&o, &d, a[0], a[1], a[2], a[3], a[4], a[5]), FB_EXIT_USAGE, "case %zu",
                     i);
        cr_assert_str_eq(d.msg, cases[i].msg, "case %zu", i);
        fb_options_cleanup(&o);
    }
}

Test(cli, not_yet_available_table)
{
    clean_env();
    static const struct bad_case cases[] = {
        {{"--keylog", "k", "exchanges", "x", NULL}, "--keylog: not yet available in this release"},
        {{"signatures", "list", "--pseudonymize", "k", NULL},
         "--pseudonymize is for reports of traces, not for signatures; try 'fbdiag --help'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fb_options o;
        struct fb_diag d;
        const char *const *a = cases[i].args;
        cr_assert_eq(parse(&o, &d, a[0], a[1], a[2], a[3], a[4], a[5]), FB_EXIT_USAGE, "case %zu",
                     i);
        cr_assert_str_eq(d.msg, cases[i].msg, "case %zu", i);
        fb_options_cleanup(&o);
    }
    cr_assert_eq(fb_cli_available("exchanges"), 1);
    cr_assert_eq(fb_cli_available("--format"), 1);
    cr_assert_eq(fb_cli_available("--no-redact"), 1);
    cr_assert_eq(fb_cli_available("diagnose"), 1);
    cr_assert_eq(fb_cli_available("signatures"), 1);
    cr_assert_eq(fb_cli_available("--log"), 1);
    cr_assert_eq(fb_cli_available("--text"), 1);
    cr_assert_eq(fb_cli_available("--signatures"), 1);
    cr_assert_eq(fb_cli_available("--keylog"), 0);
    cr_assert_eq(fb_cli_available("--frobnicate"), -1);
}

/* Repeatable options are kept in order even while they are not available: the parser
 * fills the lists before it refuses them, so flipping the table entry is all it takes. */
Test(cli, repeatable_options_keep_every_value_in_order)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "--keylog", "k1", "--keylog=k2", "--log", "a.log",
                       "--log", "b.log", "--text", "t1", "x", NULL),
                 FB_EXIT_USAGE);
    cr_assert_eq(o.n_keylogs, 2);
    cr_assert_str_eq(o.keylogs[0], "k1");
    cr_assert_str_eq(o.keylogs[1], "k2");
    cr_assert_eq(o.n_logs, 2);
    cr_assert_str_eq(o.logs[0], "a.log");
    cr_assert_str_eq(o.logs[1], "b.log");
    cr_assert_eq(o.n_texts, 1);
    cr_assert_str_eq(o.texts[0], "t1");
    fb_options_cleanup(&o);
}

Test(cli, sslkeylogfile_is_recorded)
{
    clean_env();
    setenv("SSLKEYLOGFILE", "/tmp/keys.log", 1);
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "x", NULL), FB_EXIT_OK);
    cr_assert_str_eq(o.keylog_env, "/tmp/keys.log");
    fb_options_cleanup(&o);
    setenv("SSLKEYLOGFILE", "", 1);
    cr_assert_eq(parse(&o, &d, "exchanges", "x", NULL), FB_EXIT_OK);
    cr_assert_null(o.keylog_env);
    fb_options_cleanup(&o);
}

static char *write_temp(const char *content, size_t len)
{
    char *path = strdup("/tmp/fbdiag-pw-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, len), (ssize_t)len);
    close(fd);
    return path;
}

Test(cli, password_file_wins_then_env_then_argument)
{
    clean_env();
    char *pwf = write_temp("s3cret\r\nsecond line\n", 20);
    struct fb_options o;
    struct fb_diag d;
    setenv("FBDIAG_PASSWORD", "from-env", 1);
    cr_assert_eq(
        parse(&o, &d, "exchanges", "--password", "from-arg", "--password-file", pwf, "x", NULL),
        FB_EXIT_OK, "%s", d.msg);
    cr_assert_str_eq(o.password, "s3cret");
    cr_assert_eq(o.password_source, FB_PW_FILE);
    fb_options_cleanup(&o);

    cr_assert_eq(parse(&o, &d, "exchanges", "--password", "from-arg", "x", NULL), FB_EXIT_OK);
    cr_assert_str_eq(o.password, "from-env");
    cr_assert_eq(o.password_source, FB_PW_ENV);
    fb_options_cleanup(&o);

    unsetenv("FBDIAG_PASSWORD");
    cr_assert_eq(parse(&o, &d, "exchanges", "--password", "from-arg", "x", NULL), FB_EXIT_OK);
    cr_assert_str_eq(o.password, "from-arg");
    cr_assert_eq(o.password_source, FB_PW_ARG);
    fb_options_cleanup(&o);
    unlink(pwf);
    free(pwf);
}

Test(cli, password_file_edge_cases)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    char *nonl = write_temp("no-newline", 10);
    cr_assert_eq(parse(&o, &d, "exchanges", "--password-file", nonl, "x", NULL), FB_EXIT_OK);
    cr_assert_str_eq(o.password, "no-newline");
    fb_options_cleanup(&o);
    unlink(nonl);
    free(nonl);

    char *empty = write_temp("\n", 1);
    cr_assert_eq(parse(&o, &d, "exchanges", "--password-file", empty, "x", NULL), FB_EXIT_OK);
    cr_assert_str_eq(o.password, "");
    cr_assert_eq(o.password_source, FB_PW_FILE);
    fb_options_cleanup(&o);
    unlink(empty);
    free(empty);

    cr_assert_eq(parse(&o, &d, "exchanges", "--password-file", "/nonexistent/pw", "x", NULL),
                 FB_EXIT_USAGE);
    cr_assert_str_eq(d.msg, "--password-file /nonexistent/pw: No such file or directory");
    fb_options_cleanup(&o);
}

Test(cli, exchanges_takes_pseudonymize)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "--pseudonymize=k2", "x.saz", NULL), FB_EXIT_OK);
    cr_assert_eq(o.cmd, FB_CMD_EXCHANGES);
    cr_assert_str_eq(o.pseudonym_key, "k2");
    fb_options_cleanup(&o);
}

Test(cli, batch_options)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "batch", "-j4", "--timeout", "60", "--max-memory=512", "--mapper",
                       "--format", "csv", "--pseudonymize", "k", "-", NULL),
                 FB_EXIT_OK);
    cr_assert_eq(o.cmd, FB_CMD_BATCH);
    cr_assert_str_eq(o.pseudonym_key, "k");
    cr_assert_eq(o.n_args, 1);
    cr_assert_str_eq(o.args[0], "-");
    cr_assert_eq(o.jobs, 4);
    cr_assert_eq(o.timeout_s, 60);
    cr_assert_eq(o.max_memory_mb, 512);
    cr_assert_eq(o.mapper, 1);
    cr_assert_eq(o.format, FB_OUT_CSV);
    fb_options_cleanup(&o);

    /* ndjson is batch's default; --mapper takes no path arguments and needs none */
    cr_assert_eq(parse(&o, &d, "batch", "--mapper", NULL), FB_EXIT_OK);
    cr_assert_eq(o.format, FB_OUT_NDJSON);
    cr_assert_eq(o.n_args, 0);
    fb_options_cleanup(&o);
    cr_assert_eq(parse(&o, &d, "batch", "--mapper", "dir", NULL), FB_EXIT_USAGE);
    cr_assert_str_eq(d.msg, "batch --mapper: reads paths from stdin only; 'dir' is an "
                            "argument; try 'fbdiag --help'");
    fb_options_cleanup(&o);
    cr_assert_eq(parse(&o, &d, "batch", NULL), FB_EXIT_USAGE);
    cr_assert_str_eq(d.msg, "batch: missing PATH (or - to read paths from stdin); try "
                            "'fbdiag --help'");
    fb_options_cleanup(&o);
    cr_assert_eq(parse(&o, &d, "batch", "--format", "json", "x", NULL), FB_EXIT_USAGE);
    cr_assert_str_eq(d.msg, "batch: --format json is not a batch format (ndjson or csv); try "
                            "'fbdiag --help'");
    fb_options_cleanup(&o);
}

Test(exit, combine_follows_design_precedence)
{
    const int order[] = {FB_EXIT_OK, FB_EXIT_NO_TRAFFIC, FB_EXIT_FINDINGS, FB_EXIT_UNREADABLE,
                         FB_EXIT_USAGE};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 5; j++) {
            int want = order[i > j ? i : j];
            cr_assert_eq(fb_exit_combine(order[i], order[j]), want, "%d,%d", order[i], order[j]);
        }
    cr_assert_eq(fb_exit_combine(FB_EXIT_FINDINGS, FB_EXIT_UNREADABLE), 3);
    cr_assert_eq(fb_exit_combine(FB_EXIT_NO_TRAFFIC, FB_EXIT_FINDINGS), 1);
    cr_assert_eq(fb_exit_combine(FB_EXIT_OK, FB_EXIT_NO_TRAFFIC), 4);
    cr_assert_eq(fb_exit_combine(FB_EXIT_UNREADABLE, FB_EXIT_USAGE), 2);
    cr_assert_eq(fb_exit_for_input_err(0), FB_EXIT_OK);
    cr_assert_eq(fb_exit_for_input_err(FB_ERR_IO), FB_EXIT_UNREADABLE);
    cr_assert_eq(fb_exit_for_input_err(FB_ERR_BAD_PASSWORD), FB_EXIT_UNREADABLE);
}

Test(cli, help_text_lists_every_option_and_exit_code)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fb_cli_help(f);
    fclose(f);
    static const char *const must[] = {"diagnose",
                                       "exchanges",
                                       "batch",
                                       "signatures list",
                                       "signatures show ID",
                                       "signatures check FILE",
                                       "signatures export DIR",
                                       "--format",
                                       "-o, --output",
                                       "--keylog",
                                       "--password-file",
                                       "--password PW",
                                       "--signatures DIR",
                                       "--log FILE",
                                       "--text STRING",
                                       "--no-redact",
                                       "--pseudonymize KEY",
                                       "-q, --quiet",
                                       "-v, --verbose",
                                       "-h, --help",
                                       "-V, --version",
                                       "-j, --jobs N",
                                       "--timeout SECONDS",
                                       "--max-memory MB",
                                       "--mapper",
                                       "FBDIAG_PASSWORD",
                                       "SSLKEYLOGFILE",
                                       "NO_COLOR",
                                       "  0  ",
                                       "  1  ",
                                       "  2  ",
                                       "  3  ",
                                       "  4  ",
                                       "Not yet available in this release (exit 2): --keylog.\n"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        cr_assert_not_null(strstr(buf, must[i]), "help lacks '%s'", must[i]);
    free(buf);
}

Test(cli, quiet_and_verbose_long_forms)
{
    clean_env();
    struct fb_options o;
    struct fb_diag d;
    cr_assert_eq(parse(&o, &d, "exchanges", "--quiet", "--verbose", "-v", "x", NULL), FB_EXIT_OK);
    cr_assert_eq(o.quiet, 1);
    cr_assert_eq(o.verbose, 2);
    fb_options_cleanup(&o);
}

/* The man page must document every option the parser knows (run from the repository
 * root, as `make unit` does). */
Test(cli, man_page_documents_every_option)
{
    uint8_t *man = NULL;
    size_t len = 0;
    cr_assert_eq(fb_read_file("docs/fbdiag.1", 1 << 20, &man, &len), FB_OK);
    static const char *const must[] = {"\\-\\-format",
                                       "\\-\\-output",
                                       "\\-\\-keylog",
                                       "\\-\\-password-file",
                                       "\\-\\-password",
                                       "\\-\\-signatures",
                                       "\\-\\-log",
                                       "\\-\\-text",
                                       "\\-\\-no-redact",
                                       "\\-\\-pseudonymize",
                                       "\\-\\-quiet",
                                       "\\-\\-verbose",
                                       "\\-\\-help",
                                       "\\-\\-version",
                                       "\\-\\-jobs",
                                       "\\-\\-timeout",
                                       "\\-\\-max-memory",
                                       "\\-\\-mapper",
                                       "FBDIAG_PASSWORD",
                                       "SSLKEYLOGFILE",
                                       "NO_COLOR",
                                       ".SH EXIT STATUS",
                                       "not yet available in this release"};
    char *text = fb_xstrndup((const char *)man, len);
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        cr_assert_not_null(strstr(text, must[i]), "fbdiag.1 lacks '%s'", must[i]);
    /* every command and option that is not available yet is named there too */
    static const char *const later[] = {"--keylog"};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        cr_assert_eq(fb_cli_available(later[i]), 0, "%s", later[i]);
    cr_assert_not_null(strstr(text, "this is the option \" \\-\\-keylog ."));
    cr_assert_eq(fb_cli_available("batch"), 1);
    cr_assert_eq(fb_cli_available("--pseudonymize"), 1);
    free(text);
    free(man);
}
