/* report_batch.c - batch records (report.h; docs/schema/batch-record.schema.json): one
 * JSON object per input, written as an NDJSON line or flattened into a CSV row
 * (RFC 4180: header row, CRLF line ends, fields with a comma, quote, CR or LF quoted,
 * quotes doubled).
 *
 * In: a struct fb_batch_view (the read trace and its match, or an error). Out: a json_t
 * the caller owns, then bytes on a FILE. It decides nothing: the verdict comes from the
 * counts the facts and the engine made (fb_report_verdict, as diagnose). Pseudonyms
 * (--pseudonymize) replace the routes of diagnoses; error messages and the input path are kept as
 * they are.
 *
 *   {"input":"a.saz","format":"saz","sha256":"...","size":1234,"verdict":"diagnosed",
 *    "diagnoses":[{"id":"...","confidence":0.65,"route":"mail.contoso.com"}],
 *    "counts":{"exchanges":9,"calls":2,...},"timings":{"total_ms":12},
 *    "fbdiag_version":"0.1.0","signatures_hash":"sha256:..."}
 */
#include "fbdiag/report.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"
#include "fbdiag/facts.h"
#include "fbdiag/pseudonym.h"
#include "fbdiag/sig.h"
#include "fbdiag/trace.h"

#define TOP_DIAGNOSES 3

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *counts_of(const struct fb_trace *t, const struct fb_match_result *m)
{
    uint64_t exchanges = 0, attendees = 0;
    uint32_t problems = 0, unexplained = 0;
    if (t) {
        for (size_t i = 0; i < t->n_inputs; i++)
            exchanges += t->inputs[i].n_exchanges;
        for (size_t i = 0; i < t->n_calls; i++)
            attendees += t->calls[i]->n_attendees;
        problems = t->facts ? t->facts->n_problems : 0;
        unexplained = m ? m->n_unexplained : problems;
    }
    json_t *c = json_object();
    json_object_set_new(c, "exchanges", json_integer((json_int_t)exchanges));
    json_object_set_new(c, "calls", json_integer(t ? (json_int_t)t->n_calls : 0));
    json_object_set_new(c, "attendees", json_integer((json_int_t)attendees));
    json_object_set_new(c, "problems", json_integer(problems));
    json_object_set_new(c, "unexplained", json_integer(unexplained));
    json_object_set_new(c, "warnings",
                        json_integer(t ? (json_int_t)(t->n_warnings + t->n_warnings_dropped) : 0));
    return c;
}

/* 1 when the route is an attendee's SMTP domain (no host named it): it then takes the
 * domain's pseudonym, so it groups with the dom-... of the addresses. */
static int route_is_domain(const struct fb_trace *t, const char *route)
{
    const struct fb_facts *f = t ? t->facts : NULL;
    for (size_t i = 0; f && f->calls && i < f->n_calls && i < t->n_calls; i++)
        for (size_t k = 0; f->calls[i].attendees && k < t->calls[i]->n_attendees; k++) {
            const struct fb_attendee_facts *af = &f->calls[i].attendees[k];
            if (af->route && af->route_kind && strcmp(af->route, route) == 0)
                return strcmp(af->route_kind, "smtp-domain") == 0;
        }
    return 0;
}

static json_t *diagnoses_of(const struct fb_trace *t, const struct fb_match_result *m,
                            const struct fb_report_opts *o, struct fb_arena *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; m && i < m->n_diagnoses && i < TOP_DIAGNOSES; i++) {
        const struct fb_diagnosis *dg = &m->diagnoses[i];
        const char *route = dg->route;
        if (route && o && o->pseudonym_key)
            route = route_is_domain(t, route) ? fb_pseudonym_domain(o->pseudonym_key, route, a)
                                              : fb_pseudonym_host(o->pseudonym_key, route, a);
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(fb_sig_id(dg->sig)));
        /* three decimals: the engine's steps are 0.05 and finer digits are noise */
        json_object_set_new(d, "confidence",
                            json_real((double)(long)(dg->confidence * 1000 + 0.5) / 1000));
        json_object_set_new(d, "route", str_or_null(route));
        json_array_append_new(arr, d);
    }
    return arr;
}

struct json_t *fb_report_batch_record(const struct fb_batch_view *v, const struct fb_report_opts *o)
{
    struct fb_arena a;
    fb_arena_init(&a);
    const struct fb_input_info *info = v->t && v->t->n_inputs ? &v->t->inputs[0] : NULL;
    int is_error = v->verdict && strcmp(v->verdict, "error") == 0;
    json_t *r = json_object();
    json_object_set_new(r, "input", json_string(v->input ? v->input : ""));
    /* an input that could not be opened has no hash and no format */
    json_object_set_new(r, "format", str_or_null(info && info->sha256[0] ? info->format : NULL));
    json_object_set_new(r, "sha256", str_or_null(info && info->sha256[0] ? info->sha256 : NULL));
    json_object_set_new(
        r, "size", info && info->sha256[0] ? json_integer((json_int_t)info->size) : json_null());
    json_object_set_new(r, "verdict",
                        json_string(v->verdict ? v->verdict : fb_report_verdict(v->t, v->m)));
    if (is_error) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(v->error_code ? v->error_code : "crash"));
        json_object_set_new(e, "message", json_string(v->error_message ? v->error_message : ""));
        json_object_set_new(r, "error", e);
    }
    json_object_set_new(r, "diagnoses", diagnoses_of(v->t, is_error ? NULL : v->m, o, &a));
    json_object_set_new(r, "counts", counts_of(is_error ? NULL : v->t, v->m));
    json_t *tm = json_object();
    json_object_set_new(tm, "total_ms", json_integer((json_int_t)v->total_ms));
    json_object_set_new(r, "timings", tm);
    json_object_set_new(r, "fbdiag_version",
                        json_string(v->fbdiag_version ? v->fbdiag_version : FB_VERSION));
    json_object_set_new(r, "signatures_hash", str_or_null(v->signatures_hash));
    fb_arena_cleanup(&a);
    return r;
}

/* ---- CSV ------------------------------------------------------------------------- */

static const char *const csv_columns[] = {
    "input",           "verdict", "error_code",      "error_message",  "top1_id",
    "top1_confidence", "top2_id", "top2_confidence", "top3_id",        "top3_confidence",
    "exchanges",       "calls",   "attendees",       "problems",       "unexplained",
    "total_ms",        "format",  "sha256",          "fbdiag_version", "signatures_hash",
};

/* One field: quoted when it holds a comma, quote, CR or LF (RFC 4180 2.6, 2.7). */
static void csv_field(FILE *out, const char *s, int first)
{
    if (!first)
        fputc(',', out);
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

int fb_report_batch_csv_header(FILE *out)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(csv_columns); i++)
        csv_field(out, csv_columns[i], i == 0);
    fputs("\r\n", out);
    return ferror(out) ? FB_ERR_IO : FB_OK;
}

/* A scalar as CSV text: strings as they are, numbers in JSON notation, null empty. */
static const char *csv_value(const json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, cap, "%.3g", json_real_value(v));
        return buf;
    }
    return NULL;
}

int fb_report_batch_write(FILE *out, const struct json_t *record, enum fb_out_format f)
{
    if (f != FB_OUT_CSV) {
        char *line =
            json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
        if (!line)
            return FB_ERR_IO;
        fputs(line, out);
        fputc('\n', out);
        free(line);
        return ferror(out) ? FB_ERR_IO : FB_OK;
    }
    const json_t *err = json_object_get(record, "error");
    const json_t *diags = json_object_get(record, "diagnoses");
    const json_t *counts = json_object_get(record, "counts");
    const json_t *cols[FB_ARRAY_LEN(csv_columns)];
    size_t k = 0;
    cols[k++] = json_object_get(record, "input");
    cols[k++] = json_object_get(record, "verdict");
    cols[k++] = json_object_get(err, "code");
    cols[k++] = json_object_get(err, "message");
    for (size_t i = 0; i < TOP_DIAGNOSES; i++) {
        const json_t *d = json_array_get(diags, i);
        cols[k++] = json_object_get(d, "id");
        cols[k++] = json_object_get(d, "confidence");
    }
    static const char *const count_names[] = {"exchanges", "calls", "attendees", "problems",
                                              "unexplained"};
    for (size_t i = 0; i < FB_ARRAY_LEN(count_names); i++)
        cols[k++] = json_object_get(counts, count_names[i]);
    cols[k++] = json_object_get(json_object_get(record, "timings"), "total_ms");
    cols[k++] = json_object_get(record, "format");
    cols[k++] = json_object_get(record, "sha256");
    cols[k++] = json_object_get(record, "fbdiag_version");
    cols[k++] = json_object_get(record, "signatures_hash");
    for (size_t i = 0; i < k; i++) {
        char buf[64];
        csv_field(out, csv_value(cols[i], buf, sizeof buf), i == 0);
    }
    fputs("\r\n", out);
    return ferror(out) ? FB_ERR_IO : FB_OK;
}
