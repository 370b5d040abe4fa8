/* fuzz_redact.c - every redactor (redact.h) and the exchanges writer (report.h) on
 * hostile bytes. Input: "<header name or content type>\n<value or body>". Oracle: with
 * redaction off every function returns its input byte for byte; with it on, nothing
 * may read out of bounds (ASan) and the writer must emit valid JSON (jansson), which
 * stays valid once pseudonymized (pseudonym.h: only name characters change). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/exchange.h"
#include "fbdiag/pseudonym.h"
#include "fbdiag/redact.h"
#include "fbdiag/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(struct fb_str in, struct fb_str out)
{
    if (out.len != in.len || memcmp(out.ptr, in.ptr, in.len) != 0 || out.ptr[out.len] != '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy, so ASan catches any read past size */
    char *copy = fb_xmalloc(size ? size : 1);
    memcpy(copy, data, size);
    const char *nl = memchr(copy, '\n', size);
    struct fb_str name = fb_str_make(copy, nl ? (size_t)(nl - copy) : 0);
    struct fb_str value = nl ? fb_str_make(nl + 1, size - name.len - 1) : fb_str_make(copy, size);
    struct fb_str all = fb_str_make(copy, size);
    struct fb_arena a;
    fb_arena_init(&a);
    for (int redact = 0; redact <= 1; redact++) {
        struct fb_str r[6];
        r[0] = fb_redact_header(&a, name, value, redact);
        r[1] = fb_redact_url(&a, all, redact);
        r[2] = fb_redact_form(&a, all, redact);
        r[3] = fb_redact_json(&a, all, redact);
        r[4] = fb_redact_soap(&a, all, redact);
        r[5] = fb_redact_body(&a, name, value, redact);
        if (!redact) {
            same(value, r[0]);
            for (int i = 1; i < 5; i++)
                same(all, r[i]);
            same(value, r[5]);
        }
    }

    struct fb_exchange ex;
    fb_exchange_init(&ex, &a);
    struct fb_header h[2] = {{name, value}, {FB_STR_LIT("Cookie"), all}};
    ex.source = name;
    ex.url = all;
    ex.req.method = value;
    ex.req.headers = h;
    ex.req.n_headers = 2;
    ex.resp.status = size ? (unsigned char)copy[0] : 0;
    ex.resp.reason = value;
    ex.resp.headers = h;
    ex.resp.n_headers = 2;
    ex.conn.sni = all;
    ex.t.started = size > 8 ? (int64_t)((uint64_t)(unsigned char)copy[1] << 56) : 0;
    char *out = NULL;
    size_t outlen = 0;
    static const enum fb_out_format fmts[] = {FB_OUT_JSON, FB_OUT_TEXT, FB_OUT_CSV};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        FILE *m = open_memstream(&out, &outlen);
        struct fb_report_opts o = {.format = fmts[f], .redact = 1};
        struct fb_exchange_writer *w = fb_report_exchanges_begin(m, &o);
        if (fb_report_exchanges_add(w, "fuzz", &ex) != 0 || fb_report_exchanges_end(w) != 0)
            abort();
        fclose(m);
        if (fmts[f] == FB_OUT_JSON) {
            json_t *j = json_loadb(out, outlen, JSON_ALLOW_NUL, NULL);
            if (!json_is_array(j) || json_array_size(j) != 1)
                abort();
            json_decref(j);
            struct fb_pseudonym_seeds seeds = {NULL, 0, 0, 0};
            fb_pseudonym_seed_add(&seeds, name.ptr, name.len, &a);
            fb_pseudonym_seed_add(&seeds, value.ptr, value.len > 64 ? 64 : value.len, &a);
            size_t plen;
            char *p = fb_pseudonym_text("k", out, outlen, seeds.v, seeds.n, &a, &plen);
            j = json_loadb(p, plen, JSON_ALLOW_NUL, NULL);
            if (!json_is_array(j) || json_array_size(j) != 1)
                abort();
            json_decref(j);
            free(p);
        }
        free(out);
        out = NULL;
    }
    fb_arena_cleanup(&a);
    free(copy);
    return 0;
}
