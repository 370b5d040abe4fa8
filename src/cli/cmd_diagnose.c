/* cmd_diagnose.c - `fbdiag diagnose TRACE... | -`: one case (one or more traces, e.g. of
 * different users) through the pipeline: read and extract (analyze.h), --text errors as
 * calls of their own, the signature database (built-in + --signatures DIR), --log lines,
 * matching, the verdict, the report, and the exit code of design.md.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbdiag/analyze.h"
#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/pseudonym.h"
#include "fbdiag/report.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"

/* A pasted error (--text): a call of its own with one call-level finding, so the same
 * extraction and rules apply to it. Any Error* token in it is taken as the response
 * code. */
static void add_text_call(struct fb_trace *t, const char *text, size_t idx)
{
    struct fb_arena *a = &t->arena;
    struct fb_call *c = fb_arena_calloc(a, 1, sizeof *c);
    c->kind = FB_CALL_EXCHANGE_OTHER;
    c->source = fb_arena_printf(a, "text:%zu", idx);
    c->operation = "pasted error text";
    c->elapsed_us = -1;
    c->input = (uint32_t)t->n_inputs;
    struct fb_finding *f = fb_arena_calloc(a, 1, sizeof *f);
    f->layer = FB_LAYER_CLIENT_HOP;
    f->message_text = fb_arena_cstr(a, text, strlen(text));
    const char *p = text;
    while ((p = strstr(p, "Error")) != NULL) {
        size_t n = 5;
        while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z'))
            n++;
        int boundary =
            p == text || !((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z'));
        if (boundary && n > 6 && p[5] >= 'A' && p[5] <= 'Z') {
            f->response_code = fb_arena_cstr(a, p, n);
            break;
        }
        p += n;
    }
    fb_finding_parse_text(f, a);
    if (f->leg)
        f->layer = FB_LAYER_PROXIED_LEG;
    c->errors = f;
    c->n_errors = 1;
    fb_trace_add_call(t, c);
}

static void warn_to_trace(void *user, const char *msg)
{
    fb_trace_warn(user, NULL, NULL, "%s", msg);
}

static int load_logs(const struct fb_options *o, struct fb_log_set *logs)
{
    int code = FB_EXIT_OK;
    for (size_t i = 0; i < o->n_logs; i++) {
        struct fb_diag d;
        fb_diag_clear(&d);
        if (fb_log_set_read(logs, o->logs[i], &d) != FB_OK) {
            fprintf(stderr, "fbdiag: %s: %s\n", d.where, d.msg);
            code = FB_EXIT_UNREADABLE;
        }
    }
    return code;
}

/* The domains and hosts the trace names, for --pseudonymize: attendee domains and
 * routes, the requester's domain, and the hosts the client talked to. */
static void pseudonym_seeds(struct fb_trace *t, struct fb_pseudonym_seeds *s)
{
    const struct fb_facts *fx = t->facts;
    if (fx)
        fb_pseudonym_seed_add(s, fx->requester_domain, (size_t)-1, &t->arena);
    for (size_t i = 0; i < t->n_calls; i++) {
        fb_pseudonym_seed_add(s, t->calls[i]->http.host, (size_t)-1, &t->arena);
        for (size_t j = 0; fx && j < t->calls[i]->n_attendees; j++) {
            fb_pseudonym_seed_add(s, fx->calls[i].attendees[j].domain, (size_t)-1, &t->arena);
            fb_pseudonym_seed_add(s, fx->calls[i].attendees[j].route, (size_t)-1, &t->arena);
        }
    }
}

/* Renders the report into memory, pseudonymizes every name in it, writes it out. */
static int report_pseudonymized(FILE *out, struct fb_trace *t, const struct fb_diagnose_view *v,
                                const struct fb_report_opts *ro, const char *key)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return FB_ERR_IO;
    int rc = fb_report_diagnose(mem, v, ro);
    if (fclose(mem) != 0)
        rc = FB_ERR_IO;
    if (rc == FB_OK) {
        struct fb_pseudonym_seeds seeds = {NULL, 0, 0, 0};
        pseudonym_seeds(t, &seeds);
        size_t out_len;
        char *p = fb_pseudonym_text(key, buf, len, seeds.v, seeds.n, &t->arena, &out_len);
        if (fwrite(p, 1, out_len, out) != out_len)
            rc = FB_ERR_IO;
        free(p);
    }
    free(buf);
    return rc;
}

static int verdict_exit(const char *verdict)
{
    if (strcmp(verdict, "healthy") == 0)
        return FB_EXIT_OK;
    if (strcmp(verdict, "no-availability-traffic") == 0)
        return FB_EXIT_NO_TRAFFIC;
    return FB_EXIT_FINDINGS;
}

int fb_cmd_diagnose(const struct fb_options *o, FILE *out)
{
    struct fb_report_opts ro;
    fb_cmd_report_opts(o, out, &ro);
    struct fb_diag d;
    fb_diag_clear(&d);
    struct fb_trace *t = fb_xmalloc(sizeof *t);
    fb_trace_init(t);
    struct fb_sig_db *db = NULL;
    if (fb_cmd_load_signatures(o, warn_to_trace, t, &db) != FB_EXIT_OK) {
        fb_trace_cleanup(t);
        free(t);
        return FB_EXIT_USAGE;
    }
    int code = FB_EXIT_OK;

    struct fb_read_opts rd;
    fb_read_opts_default(&rd);
    rd.password = o->password;
    fb_diag_clear(&d);
    if (fb_analyze_inputs(o->args, o->n_args, &rd, t, &d) != FB_OK)
        code = FB_EXIT_UNREADABLE;
    for (size_t i = 0; i < t->n_inputs; i++)
        if (t->inputs[i].status < 0)
            fprintf(stderr, "fbdiag: %s: %s\n", t->inputs[i].path,
                    t->inputs[i].error ? t->inputs[i].error : fb_strerror(t->inputs[i].status));
    if (o->n_texts) {
        for (size_t i = 0; i < o->n_texts; i++)
            add_text_call(t, o->texts[i], i + 1);
        fb_facts_compute(t); /* again, now with the pasted errors */
    }

    struct fb_log_set logs;
    fb_log_set_init(&logs, &t->arena);
    code = fb_exit_combine(code, load_logs(o, &logs));

    struct fb_match_result m;
    fb_sig_match(db, t, &logs, &t->arena, &m);
    const char *verdict = fb_report_verdict(t, &m);
    struct fb_diagnose_view view = {t,
                                    &m,
                                    verdict,
                                    FB_VERSION,
                                    fb_sig_db_hash(db),
                                    o->n_keylogs    ? "--keylog"
                                    : o->keylog_env ? "SSLKEYLOGFILE"
                                                    : NULL};
    int all_unreadable = t->n_inputs > 0 && o->n_texts == 0;
    for (size_t i = 0; i < t->n_inputs; i++)
        all_unreadable &= t->inputs[i].status < 0;
    if (all_unreadable && ro.format == FB_OUT_TEXT) {
        /* nothing was read: the messages above say why; a verdict would mislead */
    } else if ((o->pseudonym_key ? report_pseudonymized(out, t, &view, &ro, o->pseudonym_key)
                                 : fb_report_diagnose(out, &view, &ro)) != FB_OK) {
        fprintf(stderr, "fbdiag: %s: cannot write the output\n", o->output ? o->output : "stdout");
        code = FB_EXIT_USAGE;
    } else if (!all_unreadable) {
        code = fb_exit_combine(code, verdict_exit(verdict));
    }
    if (!o->quiet && ro.format != FB_OUT_TEXT)
        fb_report_trace_notes(stderr, t);
    fb_sig_db_free(db);
    fb_trace_cleanup(t);
    free(t);
    return code;
}
