/* cli.h - the command line: exit codes (design.md's one table), the parsed options of
 * one run, and the help text. Parsing has no global state (no getopt): everything it
 * learns goes into a caller-owned struct fb_options.
 *
 * Ownership: fb_cli_parse borrows argv (the struct points into it, so argv must outlive
 * it) except for the resolved password, which the struct owns; fb_options_cleanup wipes
 * and frees it. The struct is usable only after fb_cli_parse returned FB_EXIT_OK.
 */
#ifndef FB_CLI_H
#define FB_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "fbdiag/report.h"
#include "fbdiag/util.h"

/* design.md "Exit codes". */
enum fb_exit {
    FB_EXIT_OK = 0,         /* ran; healthy / every input yielded a record */
    FB_EXIT_FINDINGS = 1,   /* diagnosed, or errors no signature explains */
    FB_EXIT_USAGE = 2,      /* bad command line (and output that cannot be written) */
    FB_EXIT_UNREADABLE = 3, /* an input could not be read */
    FB_EXIT_NO_TRAFFIC = 4  /* the trace holds no availability traffic */
};

/* Combines two exit codes by design.md's precedence: 2 overrides all, then 3, then 1,
 * then 4, then 0. Returns the winner (unknown values rank like 2). */
int fb_exit_combine(int a, int b);

/* Exit code for a negative fb_err that stopped an input: FB_EXIT_UNREADABLE for every
 * input error, FB_EXIT_OK for 0. */
int fb_exit_for_input_err(int err);

enum fb_command {
    FB_CMD_NONE = 0,
    FB_CMD_HELP,
    FB_CMD_VERSION,
    FB_CMD_DIAGNOSE,
    FB_CMD_EXCHANGES,
    FB_CMD_BATCH,
    FB_CMD_SIGNATURES
};

enum fb_sig_action { FB_SIG_NONE = 0, FB_SIG_LIST, FB_SIG_SHOW, FB_SIG_CHECK, FB_SIG_EXPORT };

/* Where the resolved password came from (the report may say so; never the value). */
enum fb_pw_source { FB_PW_NONE = 0, FB_PW_FILE, FB_PW_ENV, FB_PW_ARG };

#define FB_CLI_DEFAULT_TIMEOUT 300     /* seconds per batch input */
#define FB_CLI_DEFAULT_MAX_MEMORY 2048 /* MB per batch worker */
#define FB_CLI_MAX_JOBS 256

struct fb_options {
    enum fb_command cmd;
    enum fb_sig_action sig_action;
    enum fb_out_format format; /* text by default; ndjson for batch */
    int format_given;
    const char *output;   /* -o FILE, or NULL for stdout */
    const char **keylogs; /* --keylog FILE..., in order */
    size_t n_keylogs;
    const char *keylog_env; /* SSLKEYLOGFILE when set and non-empty, else NULL */
    char *password;         /* owned: resolved from file, env, then --password */
    enum fb_pw_source password_source;
    const char *password_file; /* --password-file FILE */
    const char *signatures_dir;
    const char **logs; /* --log FILE... */
    size_t n_logs;
    const char **texts; /* --text STRING... (repeatable) */
    size_t n_texts;
    int redact;                /* 1 unless --no-redact */
    const char *pseudonym_key; /* --pseudonymize KEY */
    int quiet;                 /* -q */
    int verbose;               /* -v count */
    /* batch only */
    unsigned jobs;          /* -j N; 0: one per online CPU */
    unsigned timeout_s;     /* --timeout SECONDS */
    unsigned max_memory_mb; /* --max-memory MB */
    int mapper;             /* --mapper */
    /* positional arguments after the command (traces, paths, ids, files, a dir) */
    const char **args;
    size_t n_args;
};

/* Parses argv (argv[0] is the program name) into o. Reads the environment variables
 * SSLKEYLOGFILE and FBDIAG_PASSWORD, and the --password-file. Returns FB_EXIT_OK, or
 * FB_EXIT_USAGE with d->msg holding one line for a person, ready to print after
 * "fbdiag: " (it ends with "; try 'fbdiag --help'" for syntax errors, or says
 * "<name>: not yet available in this release"). o needs fb_options_cleanup either way. */
FB_NODISCARD int fb_cli_parse(int argc, const char *const *argv, struct fb_options *o,
                              struct fb_diag *d);

/* Wipes and frees what o owns; o can be parsed into again. */
void fb_options_cleanup(struct fb_options *o);

/* 1 when this release implements the command or option (spelt as on the command line:
 * "diagnose", "--keylog"); 0 when it answers "not yet available"; -1 when unknown. */
int fb_cli_available(const char *name);

/* Writes the full --help text / the short usage synopsis. */
void fb_cli_help(FILE *out);
void fb_cli_usage(FILE *out);

#endif /* FB_CLI_H */
