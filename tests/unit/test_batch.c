/* test_batch.c - the batch pool (batch.h) with injected workers: input order kept when
 * workers finish out of order, crashing, hanging and out-of-memory inputs each get their
 * error record while the rest complete, exactly one record per input, the progress line
 * only when asked (a terminal), nothing but records in mapper mode; the record writer
 * (CSV quoting, NDJSON), pseudonyms, the input list (directory order, stdin lines), and
 * the real pipeline worker on generated traces. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../gen/gen.h"
#include "fbdiag/arena.h"
#include "fbdiag/batch.h"
#include "fbdiag/pseudonym.h"
#include "fbdiag/report.h"
#include "fbdiag/sig.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#else
#define TEST_UNDER_ASAN 0
#endif

/* ---- helpers --------------------------------------------------------------------- */

/* Reads a whole stream back into a NUL-terminated string (caller frees). */
static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    char *s = fb_xmalloc((size_t)n + 1);
    rewind(f);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    return s;
}

/* Splits NDJSON into parsed records; returns the count (at most max). */
static size_t parse_lines(char *text, json_t **recs, size_t max)
{
    size_t n = 0;
    for (char *line = text, *nl; *line && n < max; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl, "record without newline: %s", line);
        *nl = '\0';
        json_error_t je;
        recs[n] = json_loads(line, 0, &je);
        cr_assert_not_null(recs[n], "not JSON: %s", line);
        n++;
    }
    return n;
}

static const char *field(const json_t *rec, const char *name)
{
    return json_string_value(json_object_get(rec, name));
}

static const char *err_field(const json_t *rec, const char *name)
{
    return json_string_value(json_object_get(json_object_get(rec, "error"), name));
}

/* A healthy record naming path. */
static json_t *ok_record(const char *path)
{
    struct fb_batch_view v = {path, NULL, NULL, "healthy", NULL, NULL, 7, "test", "sha256:x"};
    return fb_report_batch_record(&v, NULL);
}

/* The injected worker: its behaviour is named by the file name. */
static int fake_worker(const char *path, const struct fb_batch_opts *o, json_t **out)
{
    (void)o;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "sleep", 5) == 0) {
        /* "sleepNNN": NNN milliseconds */
        usleep((useconds_t)strtoul(base + 5, NULL, 10) * 1000);
    } else if (strcmp(base, "crash") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(base, "hang") == 0) {
        sleep(60);
    } else if (strcmp(base, "oom-msg") == 0) {
        fprintf(stderr, "fbdiag: out of memory (allocating 12345 bytes)\n");
        abort();
    } else if (strcmp(base, "oom-real") == 0) {
        size_t big = (size_t)256 * 1024 * 1024;
        char *p = fb_xmalloc(big); /* past the 64 MB limit: aborts with the message */
        memset(p, 1, big);
        free(p);
    } else if (strcmp(base, "none") == 0) {
        return -1;
    }
    *out = ok_record(path);
    return 0;
}

static void fake_opts(struct fb_batch_opts *o, unsigned jobs)
{
    fb_batch_opts_default(o);
    o->jobs = jobs;
    o->analyze_one = fake_worker;
    o->signatures_hash = "sha256:x";
}

/* Runs a batch over paths; returns the records (parsed) through recs and their count. */
static size_t run_batch(const char *const *paths, size_t n, const struct fb_batch_opts *o,
                        json_t **recs, size_t max, int *rc, char **err_text)
{
    FILE *out = tmpfile(), *err = tmpfile();
    cr_assert(out && err);
    *rc = fb_batch_run(paths, n, out, err, o);
    char *text = slurp(out);
    size_t got = parse_lines(text, recs, max);
    free(text);
    char *e = slurp(err);
    if (err_text)
        *err_text = e;
    else
        free(e);
    fclose(out);
    fclose(err);
    return got;
}

/* ---- the pool -------------------------------------------------------------------- */

Test(batch, order_kept_when_workers_finish_out_of_order)
{
    /* earlier inputs take longer, so completions arrive in reverse; random extra */
    enum { N = 16 };
    static char names[N][32];
    const char *paths[N];
    srand(42);
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "in%02zu/sleep%u", i,
                 (unsigned)((N - i) * 15 + (unsigned)(rand() % 40)));
        paths[i] = names[i];
    }
    struct fb_batch_opts o;
    fake_opts(&o, 4);
    json_t *recs[N + 4];
    int rc;
    size_t got = run_batch(paths, N, &o, recs, N + 4, &rc, NULL);
    cr_assert_eq(rc, 0);
    cr_assert_eq(got, N);
    for (size_t i = 0; i < N; i++) {
        cr_assert_str_eq(field(recs[i], "input"), paths[i], "record %zu", i);
        cr_assert_str_eq(field(recs[i], "verdict"), "healthy");
        json_decref(recs[i]);
    }
}

Test(batch, crash_and_hang_get_error_records_and_the_rest_completes)
{
    const char *paths[] = {"a/sleep10", "b/crash", "c/sleep5", "d/hang",
                           "e/sleep1",  "f/none",  "g/sleep1"};
    const size_t n = sizeof paths / sizeof paths[0];
    struct fb_batch_opts o;
    fake_opts(&o, 2);
    o.timeout_s = 1;
    json_t *recs[16];
    int rc;
    char *err;
    size_t got = run_batch(paths, n, &o, recs, 16, &rc, &err);
    cr_assert_eq(got, n);
    cr_assert_eq(rc, 3); /* crash, hang and the worker that gave no record */
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(field(recs[i], "input"), paths[i]);
    cr_assert_str_eq(field(recs[1], "verdict"), "error");
    cr_assert_str_eq(err_field(recs[1], "code"), "crash");
    if (TEST_UNDER_ASAN) /* ASan's own SEGV handler reports and exits 1 */
        cr_assert_str_eq(err_field(recs[1], "message"),
                         "the worker exited with status 1 without a record");
    else
        cr_assert_str_eq(err_field(recs[1], "message"),
                         "the worker crashed: signal 11 (Segmentation fault)");
    cr_assert_str_eq(field(recs[3], "verdict"), "error");
    cr_assert_str_eq(err_field(recs[3], "code"), "timeout");
    cr_assert_str_eq(err_field(recs[3], "message"),
                     "no record within 1 s (--timeout); the worker was killed");
    cr_assert_str_eq(err_field(recs[5], "code"), "crash");
    cr_assert_str_eq(err_field(recs[5], "message"), "the worker gave no record");
    const size_t fine[] = {0, 2, 4, 6};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(field(recs[fine[i]], "verdict"), "healthy");
        cr_assert_null(json_object_get(recs[fine[i]], "error"));
    }
    /* the summary counts them */
    cr_assert_not_null(strstr(err, "fbdiag: batch: 7 inputs, 3 failed, in "), "%s", err);
    cr_assert_not_null(strstr(err, "fbdiag: batch: verdicts: diagnosed 0, unexplained 0, "
                                   "healthy 4, no-availability-traffic 0, error 3\n"));
    cr_assert_not_null(strstr(err, "fbdiag: batch: failures: crash 2, timeout 1\n"));
    cr_assert_not_null(strstr(err, "fbdiag: batch: top signatures: none\n"));
    free(err);
    for (size_t i = 0; i < n; i++)
        json_decref(recs[i]);
}

Test(batch, out_of_memory_is_told_apart_from_a_crash)
{
    const char *paths[] = {"oom-msg", "sleep1", "oom-real", "sleep1"};
    struct fb_batch_opts o;
    fake_opts(&o, 1);
    o.max_memory_mb = 64;
    json_t *recs[8];
    int rc;
    size_t got = run_batch(paths, 4, &o, recs, 8, &rc, NULL);
    cr_assert_eq(got, 4);
    cr_assert_str_eq(err_field(recs[0], "code"), "memory");
    cr_assert_str_eq(err_field(recs[0], "message"),
                     "the worker ran out of memory (--max-memory 64 MB)");
    cr_assert_str_eq(field(recs[1], "verdict"), "healthy");
    cr_assert_str_eq(field(recs[3], "verdict"), "healthy");
    if (TEST_UNDER_ASAN) {
        /* AddressSanitizer needs terabytes of address space: no RLIMIT_AS there */
        cr_assert_str_eq(field(recs[2], "verdict"), "healthy");
        cr_assert_eq(rc, 1);
    } else {
        cr_assert_str_eq(err_field(recs[2], "code"), "memory");
        cr_assert_eq(rc, 2);
    }
    for (size_t i = 0; i < 4; i++)
        json_decref(recs[i]);
}

Test(batch, one_record_per_input_for_any_number_of_jobs)
{
    enum { N = 37 };
    static char names[N][16];
    const char *paths[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "x%zu/sleep%zu", i, i % 3);
        paths[i] = names[i];
    }
    const unsigned jobs[] = {1, 3, 64};
    for (size_t j = 0; j < 3; j++) {
        struct fb_batch_opts o;
        fake_opts(&o, jobs[j]);
        json_t *recs[N + 4];
        int rc;
        size_t got = run_batch(paths, N, &o, recs, N + 4, &rc, NULL);
        cr_assert_eq(got, N, "-j%u", jobs[j]);
        cr_assert_eq(rc, 0);
        for (size_t i = 0; i < N; i++) {
            cr_assert_str_eq(field(recs[i], "input"), paths[i]);
            json_decref(recs[i]);
        }
    }
    /* no inputs: no records, no workers */
    struct fb_batch_opts o;
    fake_opts(&o, 2);
    json_t *none[1];
    int rc;
    cr_assert_eq(run_batch(NULL, 0, &o, none, 1, &rc, NULL), 0);
    cr_assert_eq(rc, 0);
}

Test(batch, progress_only_when_asked_and_never_in_mapper_mode)
{
    const char *paths[] = {"sleep1", "sleep1", "sleep1"};
    struct fb_batch_opts o;
    fake_opts(&o, 2);
    json_t *recs[4];
    int rc;
    char *err;

    o.progress = 1; /* the command sets it when stderr is a terminal */
    cr_assert_eq(run_batch(paths, 3, &o, recs, 4, &rc, &err), 3);
    cr_assert_not_null(strstr(err, "\r\033[Kfbdiag: batch: 3 of 3 inputs (100%), "), "%s", err);
    cr_assert_not_null(strstr(err, "ETA 0:00\r\033[K"));
    cr_assert_not_null(strstr(err, "fbdiag: batch: 3 inputs, 0 failed"));
    free(err);
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);

    o.progress = 0; /* not a terminal: no control characters at all */
    cr_assert_eq(run_batch(paths, 3, &o, recs, 4, &rc, &err), 3);
    cr_assert_null(strchr(err, '\r'));
    cr_assert_null(strchr(err, '\033'));
    cr_assert_not_null(strstr(err, "fbdiag: batch: 3 inputs, 0 failed"));
    free(err);
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);

    o.progress = 1;
    o.quiet = 1; /* -q: neither progress nor summary */
    cr_assert_eq(run_batch(paths, 3, &o, recs, 4, &rc, &err), 3);
    cr_assert_str_empty(err);
    free(err);
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);

    o.quiet = 0;
    o.mapper = 1; /* only records */
    cr_assert_eq(run_batch(paths, 3, &o, recs, 4, &rc, &err), 3);
    cr_assert_str_empty(err);
    free(err);
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);
}

/* ---- records --------------------------------------------------------------------- */

Test(batch_record, csv_quotes_commas_quotes_and_newlines)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(fb_report_batch_csv_header(f), 0);
    struct fb_batch_view v = {
        "dir/a,b.saz", NULL,       NULL, "error", "unreadable", "bad \"zip\", line 1\nline 2", 12,
        "0.1.0",       "sha256:ab"};
    json_t *rec = fb_report_batch_record(&v, NULL);
    cr_assert_eq(fb_report_batch_write(f, rec, FB_OUT_CSV), 0);
    json_decref(rec);
    fclose(f);
    cr_assert_str_eq(buf,
                     "input,verdict,error_code,error_message,top1_id,top1_confidence,top2_id,"
                     "top2_confidence,top3_id,top3_confidence,exchanges,calls,attendees,"
                     "problems,unexplained,total_ms,format,sha256,fbdiag_version,"
                     "signatures_hash\r\n"
                     "\"dir/a,b.saz\",error,unreadable,\"bad \"\"zip\"\", line 1\nline 2\",,,,,,,"
                     "0,0,0,0,0,12,,,0.1.0,sha256:ab\r\n");
    free(buf);
}

Test(batch_record, ndjson_error_record_fields)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct fb_batch_view v = {"x.pcap", NULL, NULL, "error", "timeout", "slow", 0, "0.1.0", NULL};
    json_t *rec = fb_report_batch_record(&v, NULL);
    cr_assert_eq(fb_report_batch_write(f, rec, FB_OUT_NDJSON), 0);
    json_decref(rec);
    fclose(f);
    cr_assert_str_eq(buf, "{\"input\":\"x.pcap\",\"format\":null,\"sha256\":null,\"size\":null,"
                          "\"verdict\":\"error\",\"error\":{\"code\":\"timeout\",\"message\":"
                          "\"slow\"},\"diagnoses\":[],\"counts\":{\"exchanges\":0,\"calls\":0,"
                          "\"attendees\":0,\"problems\":0,\"unexplained\":0,\"warnings\":0},"
                          "\"timings\":{\"total_ms\":0},\"fbdiag_version\":\"0.1.0\","
                          "\"signatures_hash\":null}\n");
    free(buf);
}

/* ---- pseudonyms ------------------------------------------------------------------ */

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || !s[i])
            return 0;
    return 1;
}

Test(pseudonym, stable_within_a_key_different_across_keys)
{
    struct fb_arena a;
    fb_arena_init(&a);
    const char *p1 = fb_pseudonym_mailbox("key-1", "Alice@Contoso.com", &a);
    const char *p2 = fb_pseudonym_mailbox("key-1", "alice@contoso.COM", &a);
    const char *p3 = fb_pseudonym_mailbox("key-2", "alice@contoso.com", &a);
    const char *p4 = fb_pseudonym_mailbox("key-1", "bob@contoso.com", &a);
    cr_assert_eq(strlen(p1), strlen("mbx-0123456789@dom-01234567.invalid"));
    cr_assert(strncmp(p1, "mbx-", 4) == 0 && is_hex(p1 + 4, 10) && p1[14] == '@');
    cr_assert(strncmp(p1 + 15, "dom-", 4) == 0 && is_hex(p1 + 19, 8));
    cr_assert_str_eq(p1 + 27, ".invalid");
    cr_assert_str_eq(p1, p2);  /* case does not matter */
    cr_assert_str_neq(p1, p3); /* another key, another name */
    cr_assert_str_neq(p1, p4);
    cr_assert_str_eq(p1 + 14, p4 + 14); /* one domain, one dom-... */
    cr_assert_str_neq(p1 + 14, p3 + 14);
    /* a domain alone maps to the same dom-...; a host of that name shares the hex */
    const char *d = fb_pseudonym_domain("key-1", "CONTOSO.com", &a);
    cr_assert_str_eq(d, p1 + 15);
    const char *h = fb_pseudonym_host("key-1", "contoso.com", &a);
    cr_assert(strncmp(h, "host-", 5) == 0);
    cr_assert_eq(memcmp(h + 5, d + 4, 8), 0);
    cr_assert_str_eq(h + 13, ".invalid");
    cr_assert_str_neq(fb_pseudonym_host("key-2", "contoso.com", &a), h);
    /* HMAC-SHA256("k", "contoso.com") starts with these digits (openssl dgst -hmac) */
    cr_assert_str_eq(fb_pseudonym_domain("k", "contoso.com", &a), "dom-f3b3dcc5.invalid");
    cr_assert_null(fb_pseudonym_mailbox("k", NULL, &a));
    cr_assert_str_eq(fb_pseudonym_mailbox("k", "", &a), "");
    const char *local = fb_pseudonym_mailbox("k", "nobody", &a);
    cr_assert_eq(strlen(local), 14);
    fb_arena_cleanup(&a);
}

Test(pseudonym, seeds_dedupe_drop_ports_and_cap)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_pseudonym_seeds s = {NULL, 0, 0, 0};
    fb_pseudonym_seed_add(&s, "mail.contoso.com:443", (size_t)-1, &a);
    fb_pseudonym_seed_add(&s, "MAIL.contoso.com", (size_t)-1, &a); /* same name */
    fb_pseudonym_seed_add(&s, "10.1.2.3xyz", 8, &a);               /* slice */
    fb_pseudonym_seed_add(&s, "localhost", (size_t)-1, &a);        /* no dot */
    fb_pseudonym_seed_add(&s, "[::1]:443", (size_t)-1, &a);        /* IPv6 */
    fb_pseudonym_seed_add(&s, NULL, 0, &a);
    fb_pseudonym_seed_add(&s, ":443", (size_t)-1, &a);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.v[0], "mail.contoso.com");
    cr_assert_str_eq(s.v[1], "10.1.2.3");
    cr_assert_eq(s.dropped, 0);
    char name[32];
    for (int i = 0; s.n < FB_PSEUDONYM_MAX_SEEDS; i++) {
        snprintf(name, sizeof name, "h%d.example.net", i);
        fb_pseudonym_seed_add(&s, name, (size_t)-1, &a);
    }
    fb_pseudonym_seed_add(&s, "one-more.example.org", (size_t)-1, &a);
    fb_pseudonym_seed_add(&s, "mail.contoso.com", (size_t)-1, &a); /* known: not dropped */
    cr_assert_eq(s.n, FB_PSEUDONYM_MAX_SEEDS);
    cr_assert_eq(s.dropped, 1);

    /* seeded names are replaced wherever they stand; others only after "://" */
    static const char text[] = "Host: mail.contoso.com:443 ip 10.1.2.3 other.fabrikam.com "
                               "https://other.fabrikam.com/x to Y1@datum.com. "
                               "?Email=y2%40datum.com&n=%40x.com";
    size_t out_len;
    char *out = fb_pseudonym_text("k", text, sizeof text - 1, s.v, 2, &a, &out_len);
    char want[400];
    const char *y2 = fb_pseudonym_mailbox("k", "y2@datum.com", &a);
    const char *y2_at = strchr(y2, '@');
    snprintf(
        want, sizeof want,
        "Host: %s:443 ip %s other.fabrikam.com https://%s/x to %s. ?Email=%.*s%%40%s&n=%%40x.com",
        fb_pseudonym_host("k", "mail.contoso.com", &a), fb_pseudonym_host("k", "10.1.2.3", &a),
        fb_pseudonym_host("k", "other.fabrikam.com", &a),
        fb_pseudonym_mailbox("k", "Y1@datum.com", &a), (int)(y2_at - y2), y2, y2_at + 1);
    cr_assert_str_eq(out, want);
    cr_assert_eq(out_len, strlen(want));
    free(out);
    fb_arena_cleanup(&a);
}

/* A JSON escape's letters are never taken into a name: "\nY1@x" is a newline and an
 * address, "\\nY1@x" a backslash and the address "nY1@x". The result stays valid JSON. */
Test(pseudonym, json_escapes_are_left_whole)
{
    struct fb_arena a;
    fb_arena_init(&a);
    static const char text[] = "{\"m\":\"a\\nY1@datum.com \\u0041x@datum.com \\\\nZ@datum.com\"}";
    size_t out_len;
    char *out = fb_pseudonym_text("k", text, sizeof text - 1, NULL, 0, &a, &out_len);
    char want[300];
    snprintf(want, sizeof want, "{\"m\":\"a\\n%s \\u0041%s \\\\%s\"}",
             fb_pseudonym_mailbox("k", "Y1@datum.com", &a),
             fb_pseudonym_mailbox("k", "x@datum.com", &a),
             fb_pseudonym_mailbox("k", "nZ@datum.com", &a));
    cr_assert_str_eq(out, want);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert_not_null(j);
    json_decref(j);
    free(out);
    fb_arena_cleanup(&a);
}

Test(pseudonym, standalone_names_as_the_text_pass_replaces_them)
{
    struct fb_arena a;
    fb_arena_init(&a);
    cr_assert_str_eq(fb_pseudonym_name("k", "Y1@datum.com", &a),
                     fb_pseudonym_mailbox("k", "Y1@datum.com", &a));
    cr_assert_str_eq(fb_pseudonym_name("k", "datum.com", &a),
                     fb_pseudonym_domain("k", "datum.com", &a));
    cr_assert_str_eq(fb_pseudonym_name("k", "mail.datum.com", &a),
                     fb_pseudonym_host("k", "mail.datum.com", &a));
    cr_assert_str_eq(fb_pseudonym_name("k", "outlook.office365.com", &a), "outlook.office365.com");
    cr_assert_str_eq(fb_pseudonym_name("k", "-", &a), "-");
    cr_assert_null(fb_pseudonym_name("k", NULL, &a));
    /* what a renderer printed already is left alone by the pass over the whole text */
    const char *p = fb_pseudonym_name("k", "Y1@datum.com", &a);
    const char *seeds[] = {"datum.com"};
    size_t n;
    char *out = fb_pseudonym_text("k", p, strlen(p), seeds, 1, &a, &n);
    cr_assert_str_eq(out, p);
    free(out);
    fb_arena_cleanup(&a);
}

/* ---- inputs ---------------------------------------------------------------------- */

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs("x", f);
    fclose(f);
}

Test(batch_inputs, directories_walked_in_sorted_path_order)
{
    char tmpl[] = "/tmp/fbdiag-inputs-XXXXXX";
    char *root = mkdtemp(tmpl);
    cr_assert_not_null(root);
    char p[512];
    const char *dirs[] = {"a", "a/y", "empty"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
        cr_assert_eq(mkdir(p, 0700), 0);
    }
    const char *files[] = {"b", "a/z", "a-c", ".hidden", "a/y/x", "a/.git-like", "B"};
    for (size_t i = 0; i < 7; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        touch(p);
    }
    struct fb_batch_inputs l;
    fb_batch_inputs_init(&l);
    struct fb_diag d;
    cr_assert_eq(fb_batch_inputs_add(&l, "first-arg.saz", &d), 0); /* kept as given */
    cr_assert_eq(fb_batch_inputs_add(&l, root, &d), 0);
    /* '-' (0x2d) sorts before '/' (0x2f), and upper case before lower case */
    const char *want[] = {"B", "a-c", "a/y/x", "a/z", "b"};
    cr_assert_eq(l.n, 6);
    cr_assert_str_eq(l.paths[0], "first-arg.saz");
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", root, want[i]);
        cr_assert_str_eq(l.paths[i + 1], p);
    }
    fb_batch_inputs_cleanup(&l);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

Test(batch_inputs, paths_from_a_stream_one_per_line)
{
    static char text[] = "a.saz\r\n\nb dir/c.har\n  \nlast-without-newline";
    FILE *f = fmemopen(text, sizeof text - 1, "r");
    struct fb_batch_inputs l;
    fb_batch_inputs_init(&l);
    struct fb_diag d;
    cr_assert_eq(fb_batch_inputs_read(&l, f, &d), 0);
    fclose(f);
    cr_assert_eq(l.n, 4);
    cr_assert_str_eq(l.paths[0], "a.saz");
    cr_assert_str_eq(l.paths[1], "b dir/c.har");
    cr_assert_str_eq(l.paths[2], "  ");
    cr_assert_str_eq(l.paths[3], "last-without-newline");
    fb_batch_inputs_cleanup(&l);
}

/* ---- the real pipeline ----------------------------------------------------------- */

Test(batch, real_worker_on_generated_traces)
{
    char tmpl[] = "/tmp/fbdiag-batch-XXXXXX";
    char *dir = mkdtemp(tmpl);
    cr_assert_not_null(dir);
    char saz[256], junk[256], missing[256];
    snprintf(saz, sizeof saz, "%s/seed.saz", dir);
    snprintf(junk, sizeof junk, "%s/junk.txt", dir);
    snprintf(missing, sizeof missing, "%s/missing.har", dir);
    json_error_t je;
    json_t *sc = json_load_file("samples/scenarios/seed-personal-relationship.json", 0, &je);
    cr_assert_not_null(sc, "%s", je.text);
    json_object_set_new(sc, "base_dir", json_string("samples/scenarios"));
    cr_assert_eq(fb_gen_saz(sc, saz), 0);
    json_decref(sc);
    touch(junk);

    struct fb_sig_db *db = NULL;
    struct fb_diag d;
    cr_assert_eq(fb_sig_db_new(&db, &d), 0);
    struct fb_batch_opts o;
    fb_batch_opts_default(&o);
    o.jobs = 2;
    o.sigs = db;
    o.signatures_hash = fb_sig_db_hash(db);
    o.report.pseudonym_key = "team-key";
    const char *paths[] = {saz, junk, missing};
    json_t *recs[4];
    int rc;
    cr_assert_eq(run_batch(paths, 3, &o, recs, 4, &rc, NULL), 3);
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(field(recs[0], "verdict"), "diagnosed");
    cr_assert_str_eq(field(recs[0], "format"), "saz");
    cr_assert_eq(strlen(field(recs[0], "sha256")), 64);
    const json_t *top = json_array_get(json_object_get(recs[0], "diagnoses"), 0);
    cr_assert_str_eq(field(top, "id"), "bad-personal-relationship");
    /* the route is the SMTP domain datum.com: it takes the domain's pseudonym */
    struct fb_arena a;
    fb_arena_init(&a);
    cr_assert_str_eq(field(top, "route"), fb_pseudonym_domain("team-key", "datum.com", &a));
    fb_arena_cleanup(&a);
    cr_assert_str_eq(field(recs[0], "signatures_hash"), fb_sig_db_hash(db));
    cr_assert_eq(
        json_integer_value(json_object_get(json_object_get(recs[0], "counts"), "exchanges")), 4);
    cr_assert_str_eq(err_field(recs[1], "code"), "unreadable");
    cr_assert_str_eq(field(recs[1], "format"), "unknown");
    cr_assert_str_eq(err_field(recs[2], "code"), "unreadable");
    cr_assert(json_is_null(json_object_get(recs[2], "sha256")));
    for (size_t i = 0; i < 3; i++)
        json_decref(recs[i]);
    fb_sig_db_free(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* --pseudonymize on a rendered diagnose report: every address, seeded domain and
 * customer host in a URL changes; .NET types, versions and Microsoft hosts stay. */
Test(pseudonym, text_replaces_names_but_not_types_versions_or_service_hosts)
{
    struct fb_arena a;
    fb_arena_init(&a);
    const char *seeds[] = {"datum.com", "mail.contoso.com"};
    const char *text =
        "{\"route\":\"datum.com\",\"mailbox\":\"Y1@Datum.com\",\"host\":\"mail.contoso.com\","
        "\"msg\":\"Found a personal relationship for Y1@datum.com. System.Net.WebException at "
        "https://mail.datum.com/EWS/Exchange.asmx/WSSecurity and https://outlook.office365.com/"
        "EWS and https://other.fabrikam.com:443/x, 15.20.8207.19, dc1.datum.com\"}";
    size_t n;
    char *p = fb_pseudonym_text("k", text, strlen(text), seeds, 2, &a, &n);
    const char *mbx = fb_pseudonym_mailbox("k", "y1@datum.com", &a);
    const char *dom = fb_pseudonym_domain("k", "datum.com", &a);
    cr_assert_eq(strlen(p), n);
    cr_assert_null(strstr(p, "datum"));
    cr_assert_null(strstr(p, "contoso"));
    cr_assert_null(strstr(p, "fabrikam"));
    cr_assert_not_null(strstr(p, "System.Net.WebException"));
    cr_assert_not_null(strstr(p, "15.20.8207.19"));
    cr_assert_not_null(strstr(p, "https://outlook.office365.com/EWS"));
    char want[200];
    snprintf(want, sizeof want, "\"route\":\"%s\",\"mailbox\":\"%s\"", dom, mbx);
    cr_assert_not_null(strstr(p, want), "%s", p);
    snprintf(want, sizeof want, "relationship for %s. System", mbx);
    cr_assert_not_null(strstr(p, want), "%s", p);
    snprintf(want, sizeof want, "https://%s/EWS/Exchange.asmx/WSSecurity",
             fb_pseudonym_host("k", "mail.datum.com", &a));
    cr_assert_not_null(strstr(p, want), "%s", p);
    snprintf(want, sizeof want, "https://%s:443/x",
             fb_pseudonym_host("k", "other.fabrikam.com", &a));
    cr_assert_not_null(strstr(p, want), "%s", p);
    free(p);
    fb_arena_cleanup(&a);
}
