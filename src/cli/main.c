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
#include "fbdiag/pseudonym.h"
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
    /* --pseudonymize: the names to replace, gathered while the listing goes to memory */
    const char *pseudonym_key;
    struct fb_pseudonym_seeds seeds;
    struct fb_arena *seed_arena;
};

/* Seeds a host name (a ":port" is dropped) and, for a name of three labels or more, its
 * parent domain, so the customer's other hosts under it are replaced too (mail.contoso.com
 * gives contoso.com, and exch01.contoso.com in a header is then replaced). An IP literal
 * has no parent. */
static void seed_host(struct listing *l, struct fb_str host)
{
    const char *colon = host.len ? memchr(host.ptr, ':', host.len) : NULL;
    if (colon)
        host.len = (size_t)(colon - host.ptr);
    fb_pseudonym_seed_add(&l->seeds, host.ptr, host.len, l->seed_arena);
    if (host.len == 0 || (host.ptr[host.len - 1] >= '0' && host.ptr[host.len - 1] <= '9'))
        return;
    const char *dot = memchr(host.ptr, '.', host.len);
    size_t rest = dot ? host.len - (size_t)(dot + 1 - host.ptr) : 0;
    if (dot && memchr(dot + 1, '.', rest))
        fb_pseudonym_seed_add(&l->seeds, dot + 1, rest, l->seed_arena);
}

/* The host of an absolute URL ("" when it has none). */
static struct fb_str url_host(struct fb_str url)
{
    const char *p = url.len ? fb_str_ifind(url, "://") : NULL;
    if (!p)
        return fb_str_make("", 0);
    const char *h = p + 3, *end = url.ptr + url.len, *e = h;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    return fb_str_make(h, (size_t)(e - h));
}

/* The host names and IP literals an exchange shows (Host, the URL's host, SNI, a CONNECT
 * target, the peers' addresses but loopback): seeds for --pseudonymize. */
static void seed_exchange(struct listing *l, const struct fb_exchange *ex)
{
    seed_host(l, fb_str_trim(fb_msg_header_value(&ex->req, "Host")));
    seed_host(l, url_host(ex->url));
    seed_host(l, ex->conn.sni);
    if (fb_str_ieq_cstr(ex->req.method, "CONNECT"))
        seed_host(l, ex->req.target);
    const struct fb_str ips[] = {ex->conn.client_ip, ex->conn.server_ip};
    for (size_t i = 0; i < FB_ARRAY_LEN(ips); i++)
        if (ips[i].len && !fb_str_istarts(ips[i], "127."))
            fb_pseudonym_seed_add(&l->seeds, ips[i].ptr, ips[i].len, l->seed_arena);
}

static int on_exchange(const struct fb_exchange *ex, void *user)
{
    struct listing *l = user;
    fb_capture_observe(&l->capture, ex);
    if (l->pseudonym_key)
        seed_exchange(l, ex);
    if (!l->w)
        l->w = fb_report_exchanges_begin(l->out, l->ro);
    int rc = fb_report_exchanges_add(l->w, l->path, ex);
    l->write_failed |= rc != 0;
    return rc;
}

/* Writes text[0..len) to out, pseudonymized with the listing's seeds. 0 or -1. */
static int write_pseudonymized(FILE *out, struct listing *l, const char *text, size_t len)
{
    size_t out_len;
    char *p = fb_pseudonym_text(l->pseudonym_key, text ? text : "", len, l->seeds.v, l->seeds.n,
                                l->seed_arena, &out_len);
    int rc = fwrite(p, 1, out_len, out) == out_len ? 0 : -1;
    free(p);
    return rc;
}

/* The trace's notes on stderr; with --pseudonymize they name no customer host either. */
static void print_notes(struct listing *l, const struct fb_trace *t)
{
    if (!l->pseudonym_key) {
        fb_report_trace_notes(stderr, t);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return;
    fb_report_trace_notes(mem, t);
    if (fclose(mem) == 0)
        (void)write_pseudonymized(stderr, l, buf, len);
    free(buf);
}

/* exchanges: the listing is streamed, one exchange at a time. With --pseudonymize it
 * goes to memory first: a name may only be known as a customer's (a Host header, an
 * address) after earlier lines used it, so the text is rewritten once all are known. */
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
    struct listing l = {out, &ro, path, NULL, 0, {0}, o->pseudonym_key, {NULL, 0, 0, 0}, &t.arena};
    char *mem_buf = NULL;
    size_t mem_len = 0;
    if (l.pseudonym_key && !(l.out = open_memstream(&mem_buf, &mem_len))) {
        fb_trace_cleanup(&t);
        fprintf(stderr, "fbdiag: cannot allocate the listing in memory\n");
        return FB_EXIT_USAGE;
    }
    fb_capture_init(&l.capture);
    struct fb_diag d;
    int rc = fb_input_read(path, &rd, on_exchange, &l, &t, info, &d);
    if (rc >= 0)
        fb_capture_finish(&l.capture, &t, info ? info->path : path);
    if (!l.w && rc >= 0)
        l.w = fb_report_exchanges_begin(l.out, &ro); /* a readable input without exchanges */
    if (l.w && fb_report_exchanges_end(l.w) != 0)
        l.write_failed = 1;
    if (l.pseudonym_key) {
        if (fclose(l.out) != 0 || write_pseudonymized(out, &l, mem_buf, mem_len) != 0)
            l.write_failed = 1;
        free(mem_buf);
        if (l.seeds.dropped)
            fb_trace_warn(&t, path, NULL,
                          "more than %d host names: %zu more are pseudonymized only inside URLs",
                          FB_PSEUDONYM_MAX_SEEDS, l.seeds.dropped);
    }

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
        print_notes(&l, &t);
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
