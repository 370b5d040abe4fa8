/* capture.h - capture-quality facts accumulated over one input's exchanges (design.md,
 * "Facts": HTTPS not decrypted, a sanitized or body-less export...). Readers call
 * fb_capture_observe() on every exchange and fb_capture_finish() once at the end of the
 * input; finish raises the whole-trace advice on the trace.
 *
 * Division of work: a reader raises per-exchange advice itself as it meets each case
 * (FB_ADV_HTTP3, FB_ADV_PROXY_GENERATED, FB_ADV_ABANDONED, FB_ADV_TRUNCATED_BODIES, via
 * fb_trace_advise). The accumulator only counts those for reports and never raises them,
 * so nothing is counted twice. It raises exactly these three, by these rules:
 *
 *   FB_ADV_UNDECRYPTED_HTTPS  when undecrypted >= 1 (tunnels flagged FB_EX_UNDECRYPTED:
 *                             their content was never seen), or when tunnels >= 1 and
 *                             no decrypted HTTPS exchange exists (https_decrypted == 0:
 *                             Fiddler with HTTPS decryption off shows only CONNECTs).
 *                             Count: undecrypted when >= 1, else tunnels. First: the
 *                             first such tunnel.
 *   FB_ADV_SANITIZED          (never for packet captures, which nobody sanitizes)
 *                             when requests >= FB_CAPTURE_SANITIZED_MIN (3) and none of
 *                             them carries Authorization or Cookie. Requests are the
 *                             exchanges that are not tunnels (a tunnel's request is a
 *                             CONNECT to the proxy; its content is not in the trace).
 *                             One or two requests prove little (an anonymous
 *                             Autodiscover probe). Count: requests. First: the first one.
 *   FB_ADV_TLS_NO_KEYS        when tls_undecrypted >= 1 (connection records of a capture
 *                             whose TLS was not decrypted). Count: those connections.
 *                             Connection records count for nothing else.
 *   FB_ADV_NO_BODIES          when body_omitted >= 1 (responses flagged
 *                             FB_MSG_BODY_OMITTED) and bodies == 0 (no response in the
 *                             input has a non-empty body): the export left content out.
 *                             A mix (some bodies present) is per-exchange business.
 *                             Count: body_omitted. First: the first omitted one.
 *
 * Ownership: caller-allocated, no heap (first sources are copied into fixed buffers, cut
 * at FB_CAPTURE_SOURCE_MAX - 1 bytes). The exchange is borrowed for the call only.
 */
#ifndef FB_CAPTURE_H
#define FB_CAPTURE_H

#include <stdint.h>

#include "fbdiag/exchange.h"

struct fb_trace;

#define FB_CAPTURE_SANITIZED_MIN 3
#define FB_CAPTURE_SOURCE_MAX 64

struct fb_capture {
    uint64_t exchanges;        /* every exchange observed */
    uint64_t requests;         /* exchanges that are not tunnels */
    uint64_t https_decrypted;  /* non-tunnel exchanges over TLS (FB_EX_HTTPS or https URL) */
    uint64_t tunnels;          /* FB_EX_TUNNEL */
    uint64_t undecrypted;      /* FB_EX_UNDECRYPTED */
    uint64_t with_credentials; /* requests carrying Authorization or Cookie */
    uint64_t http3;            /* version HTTP/3 */
    uint64_t responses;        /* exchanges with a response (status > 0) */
    uint64_t bodies;           /* responses with a non-empty body */
    uint64_t body_omitted;     /* responses flagged FB_MSG_BODY_OMITTED */
    uint64_t proxy_generated;  /* FB_EX_PROXY_GENERATED */
    uint64_t no_response;      /* FB_EX_NO_RESPONSE or FB_EX_ABORTED */
    uint64_t truncated;        /* request or response flagged FB_MSG_TRUNCATED */
    uint64_t from_capture;     /* exchanges of packet captures (endpoints known) */
    uint64_t connections;      /* connection records (FB_EX_CONNECTION): not exchanges */
    uint64_t tls_undecrypted;  /* connection records of TLS that was not decrypted */
    /* source ids of the first exchange of each kind, "" when none */
    char first_request[FB_CAPTURE_SOURCE_MAX];
    char first_tunnel[FB_CAPTURE_SOURCE_MAX];
    char first_undecrypted[FB_CAPTURE_SOURCE_MAX];
    char first_body_omitted[FB_CAPTURE_SOURCE_MAX];
    char first_tls_undecrypted[FB_CAPTURE_SOURCE_MAX];
};

void fb_capture_init(struct fb_capture *c); /* zeroes everything; never fails */
/* Counts one exchange. */
void fb_capture_observe(struct fb_capture *c, const struct fb_exchange *ex);
/* Raises on t the whole-trace advice whose rule (above) holds, each with its count and
 * first source, under input (may be NULL). Returns how many kinds it raised (0..3). */
int fb_capture_finish(const struct fb_capture *c, struct fb_trace *t, const char *input);

#endif /* FB_CAPTURE_H */
