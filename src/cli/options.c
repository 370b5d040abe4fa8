/* options.c - the command line of design.md ("Command line", "Exit codes"): a small
 * argv parser (no getopt, so no global state), validation of every value, the password
 * resolution (--password-file, then FBDIAG_PASSWORD, then --password), the table of what
 * this release does not implement yet, and the help text.
 *
 * In: argv and the environment. Out: struct fb_options, or one line for a person in
 * struct fb_diag and FB_EXIT_USAGE. It does not open inputs or run anything.
 */
#include "fbdiag/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define TRY_HELP "; try 'fbdiag --help'"
#define PASSWORD_FILE_MAX ((size_t)64 * 1024)

/* What this release implements. Later issues flip an entry to 1 when its feature
 * lands; everything not listed here is unknown to fb_cli_available. */
static const struct {
    const char *name;
    int available;
} availability[] = {
    {"diagnose", 1},   {"exchanges", 1},    {"batch", 1},
    {"signatures", 1}, {"help", 1},         {"--format", 1},
    {"--output", 1},   {"--keylog", 0},     {"--password-file", 1},
    {"--password", 1}, {"--signatures", 1}, {"--log", 1},
    {"--text", 1},     {"--no-redact", 1},  {"--pseudonymize", 1},
    {"--quiet", 1},    {"--verbose", 1},    {"--jobs", 1},
    {"--timeout", 1},  {"--max-memory", 1}, {"--mapper", 1},
    {"--help", 1},     {"--version", 1},
};

int fb_cli_available(const char *name)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(availability); i++)
        if (strcmp(availability[i].name, name) == 0)
            return availability[i].available;
    return -1;
}

/* Precedence rank: higher wins. */
static int exit_rank(int code)
{
    switch (code) {
    case FB_EXIT_OK: return 0;
    case FB_EXIT_NO_TRAFFIC: return 1;
    case FB_EXIT_FINDINGS: return 2;
    case FB_EXIT_UNREADABLE: return 3;
    default: /* FB_EXIT_USAGE and anything unexpected */ return 4;
    }
}

int fb_exit_combine(int a, int b)
{
    return exit_rank(b) > exit_rank(a) ? b : a;
}

int fb_exit_for_input_err(int err)
{
    return err == 0 ? FB_EXIT_OK : FB_EXIT_UNREADABLE;
}

enum opt_id {
    O_FORMAT,
    O_OUTPUT,
    O_KEYLOG,
    O_PWFILE,
    O_PW,
    O_SIGS,
    O_LOG,
    O_TEXT,
    O_NOREDACT,
    O_PSEUDO,
    O_QUIET,
    O_VERBOSE,
    O_JOBS,
    O_TIMEOUT,
    O_MAXMEM,
    O_MAPPER,
    O_HELP,
    O_VERSION,
    O_COUNT
};

struct opt_def {
    const char *lng; /* with its dashes: the name fb_cli_available knows */
    char shrt;       /* 0 when none */
    int has_arg;
    int batch_only;
    enum opt_id id;
};

static const struct opt_def opt_defs[] = {
    {"--format", 0, 1, 0, O_FORMAT},
    {"--output", 'o', 1, 0, O_OUTPUT},
    {"--keylog", 0, 1, 0, O_KEYLOG},
    {"--password-file", 0, 1, 0, O_PWFILE},
    {"--password", 0, 1, 0, O_PW},
    {"--signatures", 0, 1, 0, O_SIGS},
    {"--log", 0, 1, 0, O_LOG},
    {"--text", 0, 1, 0, O_TEXT},
    {"--no-redact", 0, 0, 0, O_NOREDACT},
    {"--pseudonymize", 0, 1, 0, O_PSEUDO},
    {"--quiet", 'q', 0, 0, O_QUIET},
    {"--verbose", 'v', 0, 0, O_VERBOSE},
    {"--jobs", 'j', 1, 1, O_JOBS},
    {"--timeout", 0, 1, 1, O_TIMEOUT},
    {"--max-memory", 0, 1, 1, O_MAXMEM},
    {"--mapper", 0, 0, 1, O_MAPPER},
    {"--help", 'h', 0, 0, O_HELP},
    {"--version", 'V', 0, 0, O_VERSION},
};

static const struct opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(opt_defs); i++)
        if (strlen(opt_defs[i].lng) == len && memcmp(opt_defs[i].lng, name, len) == 0)
            return &opt_defs[i];
    return NULL;
}

static const struct opt_def *find_short(char c)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(opt_defs); i++)
        if (opt_defs[i].shrt == c)
            return &opt_defs[i];
    return NULL;
}

/* How the user spelt an option, for messages: "-j" or "--jobs". */
struct parse_state {
    struct fb_options *o;
    struct fb_diag *d;
    int used[O_COUNT];          /* spelling index + 1 of the first use, per option */
    const char *spelt[O_COUNT]; /* first spelling seen */
    char short_buf[O_COUNT][3];
    const char *password_arg;
    int help, version;
};

static int usage(struct fb_diag *d, const char *fmt, ...) FB_PRINTF(2, 3);
static int usage(struct fb_diag *d, const char *fmt, ...)
{
    char line[sizeof d->msg - sizeof TRY_HELP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return fb_diag_set(d, FB_EXIT_USAGE, NULL, "%s" TRY_HELP, line);
}

/* Parses a decimal in [lo, hi]; 0 on success. */
static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t v;
    if (s[0] == '\0' || s[0] == '+' || s[0] == '-' || fb_str_to_u64(fb_str_cstr(s), &v) != 0)
        return -1;
    if (v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_format(const char *s, enum fb_out_format *f)
{
    static const struct {
        const char *name;
        enum fb_out_format f;
    } names[] = {{"text", FB_OUT_TEXT},
                 {"json", FB_OUT_JSON},
                 {"ndjson", FB_OUT_NDJSON},
                 {"csv", FB_OUT_CSV}};
    for (size_t i = 0; i < FB_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i].name) == 0) {
            *f = names[i].f;
            return 0;
        }
    return -1;
}

static int apply(struct parse_state *st, const struct opt_def *def, const char *spelt,
                 const char *val)
{
    struct fb_options *o = st->o;
    if (!st->spelt[def->id])
        st->spelt[def->id] = spelt;
    st->used[def->id] = 1;
    switch (def->id) {
    case O_FORMAT:
        if (parse_format(val, &o->format) != 0)
            return usage(st->d, "unknown format '%s' (text, json, ndjson or csv)", val);
        o->format_given = 1;
        return 0;
    case O_OUTPUT:
        if (val[0] == '\0')
            return usage(st->d, "%s needs a file name", spelt);
        o->output = val;
        return 0;
    case O_KEYLOG: o->keylogs[o->n_keylogs++] = val; return 0;
    case O_PWFILE: o->password_file = val; return 0;
    case O_PW: st->password_arg = val; return 0;
    case O_SIGS: o->signatures_dir = val; return 0;
    case O_LOG: o->logs[o->n_logs++] = val; return 0;
    case O_TEXT: o->texts[o->n_texts++] = val; return 0;
    case O_NOREDACT: o->redact = 0; return 0;
    case O_PSEUDO:
        if (val[0] == '\0')
            return usage(st->d, "%s needs a non-empty KEY", spelt);
        o->pseudonym_key = val;
        return 0;
    case O_QUIET: o->quiet = 1; return 0;
    case O_VERBOSE: o->verbose++; return 0;
    case O_JOBS:
        if (parse_uint(val, 1, FB_CLI_MAX_JOBS, &o->jobs) != 0)
            return usage(st->d, "%s: '%s' is not a number of jobs from 1 to 256", spelt, val);
        return 0;
    case O_TIMEOUT:
        if (parse_uint(val, 1, 7 * 24 * 3600, &o->timeout_s) != 0)
            return usage(st->d, "%s: '%s' is not a number of seconds from 1 to 604800", spelt, val);
        return 0;
    case O_MAXMEM:
        if (parse_uint(val, 16, 1024 * 1024, &o->max_memory_mb) != 0)
            return usage(st->d, "%s: '%s' is not a number of megabytes from 16 to 1048576", spelt,
                         val);
        return 0;
    case O_MAPPER: o->mapper = 1; return 0;
    case O_HELP: st->help = 1; return 0;
    case O_VERSION: st->version = 1; return 0;
    case O_COUNT: break;
    }
    return 0;
}

/* One "--name", "--name=value" or "--name value" argument; *i advances past a value. */
static int parse_long(struct parse_state *st, int argc, const char *const *argv, int *i)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct opt_def *def = find_long(arg, nlen);
    if (!def) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(nlen < 100 ? nlen : 100), arg);
        return usage(st->d, "unknown option '%s'", name);
    }
    if (!def->has_arg) {
        if (eq)
            return usage(st->d, "option %s takes no argument", def->lng);
        return apply(st, def, def->lng, NULL);
    }
    const char *val;
    if (eq)
        val = eq + 1;
    else if (*i + 1 < argc)
        val = argv[++*i];
    else
        return usage(st->d, "option %s needs an argument", def->lng);
    return apply(st, def, def->lng, val);
}

/* A cluster of short options: "-qv", "-j4", "-o FILE", "-oFILE". */
static int parse_short(struct parse_state *st, int argc, const char *const *argv, int *i)
{
    const char *arg = argv[*i];
    for (size_t k = 1; arg[k]; k++) {
        const struct opt_def *def = find_short(arg[k]);
        if (!def) {
            char name[3] = {'-', arg[k], '\0'};
            return usage(st->d, "unknown option '%s'", name);
        }
        char *spelt = st->short_buf[def->id];
        spelt[0] = '-';
        spelt[1] = def->shrt;
        spelt[2] = '\0';
        if (!def->has_arg) {
            int rc = apply(st, def, spelt, NULL);
            if (rc)
                return rc;
            continue;
        }
        const char *val;
        if (arg[k + 1])
            val = arg + k + 1;
        else if (*i + 1 < argc)
            val = argv[++*i];
        else
            return usage(st->d, "option %s needs an argument", spelt);
        return apply(st, def, spelt, val);
    }
    return 0;
}

static const struct {
    const char *name;
    enum fb_command cmd;
} commands[] = {
    {"diagnose", FB_CMD_DIAGNOSE},     {"exchanges", FB_CMD_EXCHANGES}, {"batch", FB_CMD_BATCH},
    {"signatures", FB_CMD_SIGNATURES}, {"help", FB_CMD_HELP},
};

static const char *command_name(enum fb_command c)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(commands); i++)
        if (commands[i].cmd == c)
            return commands[i].name;
    return "fbdiag";
}

static int not_yet(struct fb_diag *d, const char *name)
{
    return fb_diag_set(d, FB_EXIT_USAGE, NULL, "%s: not yet available in this release", name);
}

/* Checks the positional arguments of the command. */
static int check_args(struct fb_options *o, struct fb_diag *d)
{
    const char *cmd = command_name(o->cmd);
    switch (o->cmd) {
    case FB_CMD_EXCHANGES:
        if (o->n_args == 0)
            return usage(d, "%s: missing TRACE", cmd);
        if (o->n_args > 1)
            return usage(d, "%s: takes one TRACE; '%s' is one too many", cmd, o->args[1]);
        return 0;
    case FB_CMD_DIAGNOSE:
        /* a pasted error (--text) or a log (--log) can be diagnosed without a trace */
        if (o->n_args == 0 && o->n_texts == 0 && o->n_logs == 0)
            return usage(d, "%s: missing TRACE (or --text STRING, --log FILE)", cmd);
        return 0;
    case FB_CMD_BATCH:
        if (o->mapper) {
            for (size_t i = 0; i < o->n_args; i++)
                if (strcmp(o->args[i], "-") != 0)
                    return usage(d,
                                 "%s --mapper: reads paths from stdin only; '%s' is an "
                                 "argument",
                                 cmd, o->args[i]);
            return 0;
        }
        if (o->n_args == 0)
            return usage(d, "%s: missing PATH (or - to read paths from stdin)", cmd);
        return 0;
    case FB_CMD_SIGNATURES: {
        static const struct {
            const char *name;
            enum fb_sig_action act;
            size_t min, max;
            const char *what;
        } acts[] = {{"list", FB_SIG_LIST, 0, 0, ""},
                    {"show", FB_SIG_SHOW, 1, 1, "ID"},
                    {"check", FB_SIG_CHECK, 1, (size_t)-1, "FILE"},
                    {"export", FB_SIG_EXPORT, 1, 1, "DIR"}};
        if (o->n_args == 0)
            return usage(d, "%s: missing action (list, show ID, check FILE..., export DIR)", cmd);
        for (size_t i = 0; i < FB_ARRAY_LEN(acts); i++) {
            if (strcmp(o->args[0], acts[i].name) != 0)
                continue;
            size_t n = o->n_args - 1;
            if (n < acts[i].min)
                return usage(d, "signatures %s: missing %s", acts[i].name, acts[i].what);
            if (n > acts[i].max)
                return usage(d, "signatures %s: unexpected argument '%s'", acts[i].name,
                             o->args[1 + acts[i].max]);
            o->sig_action = acts[i].act;
            return 0;
        }
        return usage(d, "signatures: unknown action '%s'", o->args[0]);
    }
    default: return 0;
    }
}

/* Reads the first line of the password file into o->password. */
static int read_password_file(struct fb_options *o, struct fb_diag *d)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = fb_read_file(o->password_file, PASSWORD_FILE_MAX, &data, &len);
    if (rc == FB_ERR_LIMIT)
        return fb_diag_set(d, FB_EXIT_USAGE, NULL, "--password-file %s: larger than 64 KB",
                           o->password_file);
    if (rc != FB_OK)
        return fb_diag_set(d, FB_EXIT_USAGE, NULL, "--password-file %s: %s", o->password_file,
                           strerror(errno));
    size_t n = 0;
    while (n < len && data[n] != '\n' && data[n] != '\r')
        n++;
    o->password = fb_xstrndup((const char *)data, n);
    OPENSSL_cleanse(data, len);
    free(data);
    o->password_source = FB_PW_FILE;
    return 0;
}

static int resolve_password(struct fb_options *o, const char *arg, struct fb_diag *d)
{
    if (o->password_file)
        return read_password_file(o, d);
    const char *env = getenv("FBDIAG_PASSWORD");
    if (env && env[0]) {
        o->password = fb_xstrdup(env);
        o->password_source = FB_PW_ENV;
    } else if (arg) {
        o->password = fb_xstrdup(arg);
        o->password_source = FB_PW_ARG;
    }
    return 0;
}

static void options_init(struct fb_options *o, int argc)
{
    memset(o, 0, sizeof *o);
    size_t cap = argc > 0 ? (size_t)argc : 1;
    o->keylogs = fb_xcalloc(cap, sizeof *o->keylogs);
    o->logs = fb_xcalloc(cap, sizeof *o->logs);
    o->texts = fb_xcalloc(cap, sizeof *o->texts);
    o->args = fb_xcalloc(cap, sizeof *o->args);
    o->format = FB_OUT_TEXT;
    o->redact = 1;
    o->timeout_s = FB_CLI_DEFAULT_TIMEOUT;
    o->max_memory_mb = FB_CLI_DEFAULT_MAX_MEMORY;
}

void fb_options_cleanup(struct fb_options *o)
{
    if (o->password) {
        OPENSSL_cleanse(o->password, strlen(o->password));
        free(o->password);
    }
    free(o->keylogs);
    free(o->logs);
    free(o->texts);
    free(o->args);
    memset(o, 0, sizeof *o);
}

/* After the scan: the command, what is not available yet, option/command fit, values. */
static int finish(struct parse_state *st, const char *cmd_word)
{
    struct fb_options *o = st->o;
    struct fb_diag *d = st->d;
    if (st->help || o->cmd == FB_CMD_HELP) {
        o->cmd = FB_CMD_HELP;
        return 0;
    }
    if (st->version) {
        o->cmd = FB_CMD_VERSION;
        return 0;
    }
    if (!cmd_word)
        return usage(d, "missing command");
    if (fb_cli_available(cmd_word) != 1)
        return not_yet(d, cmd_word);
    for (size_t i = 0; i < FB_ARRAY_LEN(opt_defs); i++)
        if (st->used[opt_defs[i].id] && fb_cli_available(opt_defs[i].lng) != 1)
            return not_yet(d, st->spelt[opt_defs[i].id]);
    if (o->cmd != FB_CMD_BATCH) {
        /* pseudonyms exist for batch records, diagnose reports and exchange listings */
        if (st->used[O_PSEUDO] && o->cmd == FB_CMD_SIGNATURES)
            return usage(d, "%s is for reports of traces, not for signatures", st->spelt[O_PSEUDO]);
        for (size_t i = 0; i < FB_ARRAY_LEN(opt_defs); i++)
            if (opt_defs[i].batch_only && st->used[opt_defs[i].id])
                return usage(d, "%s is only for batch", st->spelt[opt_defs[i].id]);
        if (o->format == FB_OUT_NDJSON || o->format == FB_OUT_CSV)
            return usage(d, "--format %s is only for batch",
                         o->format == FB_OUT_CSV ? "csv" : "ndjson");
    } else if (st->used[O_LOG] || st->used[O_TEXT]) {
        /* logs and pasted errors belong to one case, not to a corpus of inputs */
        return usage(d, "%s is not for batch (use diagnose)",
                     st->spelt[st->used[O_LOG] ? O_LOG : O_TEXT]);
    } else if (!o->format_given) {
        o->format = FB_OUT_NDJSON;
    } else if (o->format == FB_OUT_TEXT || o->format == FB_OUT_JSON) {
        return usage(d, "batch: --format %s is not a batch format (ndjson or csv)",
                     o->format == FB_OUT_TEXT ? "text" : "json");
    }
    int rc = check_args(o, d);
    if (rc)
        return rc;
    const char *env = getenv("SSLKEYLOGFILE");
    o->keylog_env = env && env[0] ? env : NULL;
    return resolve_password(o, st->password_arg, d);
}

int fb_cli_parse(int argc, const char *const *argv, struct fb_options *o, struct fb_diag *d)
{
    struct parse_state st;
    memset(&st, 0, sizeof st);
    st.o = o;
    st.d = d;
    fb_diag_clear(d);
    options_init(o, argc);
    const char *cmd_word = NULL;
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (!only_args && strcmp(a, "--") == 0) {
            only_args = 1;
            continue;
        }
        if (!only_args && a[0] == '-' && a[1] == '-')
            rc = parse_long(&st, argc, argv, &i);
        else if (!only_args && a[0] == '-' && a[1] != '\0')
            rc = parse_short(&st, argc, argv, &i);
        else if (!cmd_word) {
            cmd_word = a;
            size_t k;
            for (k = 0; k < FB_ARRAY_LEN(commands); k++)
                if (strcmp(a, commands[k].name) == 0)
                    break;
            if (k == FB_ARRAY_LEN(commands))
                rc = usage(d, "unknown command '%s'", a);
            else
                o->cmd = commands[k].cmd;
        } else {
            o->args[o->n_args++] = a;
        }
        if (rc)
            return rc;
    }
    return finish(&st, cmd_word);
}

static const char help_text[] =
    "Usage: fbdiag COMMAND [OPTIONS] ARGUMENTS\n"
    "\n"
    "Reads HTTP traces (Fiddler SAZ, HAR 1.2, pcap/pcapng) of Exchange free/busy\n"
    "(availability) failures, rebuilds every HTTP exchange and diagnoses the root cause.\n"
    "\n"
    "Commands:\n"
    "  diagnose [OPTIONS] TRACE... | -   diagnose one case: one or more traces (of\n"
    "                                    different users); - reads a trace from stdin\n"
    "  exchanges [OPTIONS] TRACE         list every HTTP exchange of one trace, streamed;\n"
    "                                    - reads the trace from stdin\n"
    "  batch [OPTIONS] (PATH... | -)     one record per input, in input order; directories\n"
    "                                    are walked recursively in sorted path order;\n"
    "                                    - reads paths from stdin\n"
    "  signatures list                   list the signature database\n"
    "  signatures show ID                show one signature\n"
    "  signatures check FILE...          check signature files; names file, line, problem\n"
    "  signatures export DIR             write the built-in signatures to DIR for editing\n"
    "  help                              show this help\n"
    "\n"
    "Options (every command; before or after the command):\n"
    "  --format FORMAT       text (default) or json; batch: ndjson (default) or csv\n"
    "  -o, --output FILE     write the output to FILE (created or truncated before the\n"
    "                        input is read) instead of standard output\n"
    "  --keylog FILE         TLS key log (SSLKEYLOGFILE format) to decrypt captures;\n"
    "                        repeatable\n"
    "  --password-file FILE  password of an encrypted SAZ: the first line of FILE\n"
    "  --password PW         the same on the command line, where other users can see it;\n"
    "                        prefer --password-file or FBDIAG_PASSWORD\n"
    "  --signatures DIR      add the signature files in DIR; a rule with a built-in id\n"
    "                        replaces the built-in one (with a warning)\n"
    "  --log FILE            a server log, Outlook free/busy log or saved cmdlet output\n"
    "                        (plain text or CSV, UTF-8 or UTF-16): each line is a fact the\n"
    "                        signatures can test; repeatable\n"
    "  --text STRING         a pasted error text, diagnosed like an error on the wire;\n"
    "                        repeatable (diagnose needs no TRACE with --text or --log)\n"
    "  --no-redact           print Authorization headers, cookies, canaries, tokens and\n"
    "                        passwords as they are (they are redacted by default)\n"
    "  --pseudonymize KEY    replace mailbox addresses by stable pseudonyms\n"
    "                        (mbx-<10 hex>@dom-<8 hex>.invalid, HMAC-SHA256 under KEY);\n"
    "                        in diagnose reports and exchanges listings (addresses,\n"
    "                        domains, customer hosts and IP addresses) and batch\n"
    "                        records (routes)\n"
    "  -q, --quiet           print no warnings or capture advice, only errors\n"
    "  -v, --verbose         print more about each input on stderr (format, size, sha256)\n"
    "  -h, --help            show this help and exit\n"
    "  -V, --version         show the version and exit\n"
    "\n"
    "Options (batch only):\n"
    "  -j, --jobs N          worker processes, 1 to 256 (default: one per CPU)\n"
    "  --timeout SECONDS     time limit per input (default 300)\n"
    "  --max-memory MB       memory limit per worker (default 2048)\n"
    "  --format csv          a CSV table (header row, RFC 4180) instead of NDJSON\n"
    "  --mapper              paths on stdin, only records on stdout, no progress or\n"
    "                        summary, exit 0 unless a usage error (Hadoop Streaming,\n"
    "                        Spark pipe)\n"
    "\n"
    "The input format is detected from the content, never from the file name: zip (SAZ),\n"
    "HAR (also gzip-wrapped; a BOM is skipped), pcap, pcapng. ETL (pktmon, netsh trace)\n"
    "and Network Monitor captures are recognised and answered with how to convert them.\n"
    "\n"
    "Exit codes:\n"
    "  0  ran; no availability errors (batch: every input yielded a record)\n"
    "  1  diagnosed, or errors no signature explains\n"
    "  2  usage error, or the output cannot be written\n"
    "  3  an input could not be read: corrupt, unknown, missing, not supported yet, or\n"
    "     a wrong or missing password (batch: some inputs; their records say why)\n"
    "  4  the trace holds no availability traffic\n"
    "  When several apply: 3, then 1, then 4, then 0. exchanges exits 0, 2 or 3.\n"
    "  signatures check exits 0 when every file is valid, 1 when one has problems.\n"
    "  batch --mapper exits 0 unless a usage error.\n"
    "\n"
    "Environment:\n"
    "  FBDIAG_PASSWORD  password of encrypted SAZ files; --password-file wins over it,\n"
    "                   and it wins over --password\n"
    "  SSLKEYLOGFILE    a TLS key log, used like --keylog\n"
    "  NO_COLOR         when set and not empty, text output has no colour (colour is\n"
    "                   only used on a terminal)\n";

void fb_cli_help(FILE *out)
{
    fputs(help_text, out);
    const char *sep = "\nNot yet available in this release (exit 2): ";
    int any = 0;
    for (size_t i = 0; i < FB_ARRAY_LEN(availability); i++) {
        if (availability[i].available)
            continue;
        fprintf(out, "%s%s", sep, availability[i].name);
        sep = ", ";
        any = 1;
    }
    if (any)
        fputs(".\n", out);
    fputs("\nManual: man fbdiag\n", out);
}

void fb_cli_usage(FILE *out)
{
    fputs("Usage: fbdiag diagnose  [OPTIONS] TRACE... | -\n"
          "       fbdiag exchanges [OPTIONS] TRACE\n"
          "       fbdiag batch     [OPTIONS] (PATH... | -)\n"
          "       fbdiag signatures list | show ID | check FILE... | export DIR\n"
          "       fbdiag --help | --version\n",
          out);
}
