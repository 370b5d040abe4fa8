/* fuzz_har.c - libFuzzer target for the HAR reader (src/input/har.c): any bytes, plain,
 * BOM-prefixed or gzip/zlib-wrapped JSON, read to the end with every exchange touched.
 * Seeds: tests/fuzz/corpus/har/ (small HARs from tests/gen, named by sha256). */
#include <stdint.h>
#include <string.h>

#include "../../src/input/readers.h"
#include "fbdiag/input.h"
#include "fbdiag/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch(const struct fb_exchange *ex, void *user)
{
    size_t *sum = user;
    /* read every byte handed over, so ASan sees a bad slice */
    for (size_t i = 0; i < ex->resp.body.len; i++)
        *sum += (uint8_t)ex->resp.body.ptr[i];
    for (size_t i = 0; i < ex->req.body.len; i++)
        *sum += (uint8_t)ex->req.body.ptr[i];
    for (size_t i = 0; i < ex->req.n_headers; i++)
        *sum += ex->req.headers[i].name.len + ex->req.headers[i].value.len;
    for (size_t i = 0; i < ex->resp.n_headers; i++)
        *sum += ex->resp.headers[i].name.len + ex->resp.headers[i].value.len;
    *sum += ex->url.len + ex->source.len + ex->conn.server_ip.len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fb_trace t;
    struct fb_diag d;
    struct fb_read_opts o;
    memset(&o, 0, sizeof o);
    o.limits.max_body = 1 << 20;
    o.max_exchanges = 10000;
    fb_trace_init(&t);
    struct fb_input_src src = {"fuzz.har", data, size, NULL};
    size_t sum = 0;
    (void)fb_har_reader.read(&src, &o, touch, &sum, &t, &d);
    fb_trace_cleanup(&t);
    return 0;
}
