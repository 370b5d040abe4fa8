/* fuzz_saz.c - libFuzzer target for the SAZ reader (src/input/saz.c): the input is a
 * zip opened from memory; every exchange is walked (to touch its slices) and freed by
 * the reader after the callback, as in real use. Encrypted seeds use password "fuzz". */
#include <libxml/parser.h>
#include <stdint.h>
#include <string.h>

#include "fbdiag/exchange.h"
#include "fbdiag/http1.h"
#include "fbdiag/input.h"
#include "fbdiag/trace.h"

extern const struct fb_reader fb_saz_reader;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    xmlInitParser();
    return 0;
}

static size_t touch(struct fb_str s)
{
    size_t h = 0;
    for (size_t i = 0; i < s.len; i++)
        h = h * 31 + (unsigned char)s.ptr[i];
    return h;
}

static int walk(const struct fb_exchange *ex, void *user)
{
    size_t *acc = user;
    *acc += touch(ex->url) + touch(ex->source) + touch(ex->req.body) + touch(ex->resp.body) +
            touch(ex->conn.process) + touch(ex->conn.client_ip) + ex->n_interim;
    for (size_t i = 0; i < ex->req.n_headers; i++)
        *acc += touch(ex->req.headers[i].name) + touch(ex->req.headers[i].value);
    for (size_t i = 0; i < ex->resp.n_headers; i++)
        *acc += touch(ex->resp.headers[i].name) + touch(ex->resp.headers[i].value);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_input_src src = {"fuzz.saz", data, size, NULL};
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    fb_http1_limits_default(&o.limits);
    o.limits.max_body = 1u << 20;
    o.limits.max_decoded = 4u << 20;
    o.password = "fuzz";
    o.max_exchanges = 1000;
    struct fb_trace t;
    struct fb_diag d;
    size_t acc = 0;
    fb_trace_init(&t);
    fb_diag_clear(&d);
    (void)fb_saz_reader.read(&src, &o, walk, &acc, &t, &d);
    fb_trace_cleanup(&t);
    return 0;
}
