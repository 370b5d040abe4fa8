/* trace.h - what analysis keeps across exchanges: the inputs read, warnings, and the
 * capture-quality advice (later issues add calls, findings and facts here).
 *
 * Ownership: a struct fb_trace owns its arena; everything it holds lives there and is
 * freed by fb_trace_cleanup(). Warnings and per-kind advice are capped so a hostile or
 * huge capture cannot grow them without bound; what is dropped is counted.
 */
#ifndef FB_TRACE_H
#define FB_TRACE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "fbdiag/arena.h"
#include "fbdiag/util.h"

#define FB_TRACE_MAX_WARNINGS 200
#define FB_TRACE_MAX_INPUTS 64
#define FB_TRACE_MAX_CALLS 20000

struct fb_call;
struct fb_facts;

struct fb_warning {
    const char *input;  /* path of the input (trace arena) */
    const char *source; /* exchange source id ("saz:12") or NULL for the whole input */
    const char *msg;
};

/* Capture-quality advice: something about how the trace was taken, never a fault of
 * the customer's system. */
enum fb_advice_kind {
    FB_ADV_UNDECRYPTED_HTTPS, /* only CONNECT tunnels, HTTPS not decrypted */
    FB_ADV_SANITIZED,         /* no Authorization or Cookie headers anywhere */
    FB_ADV_NO_BODIES,         /* HAR exported without response bodies */
    FB_ADV_HTTP3,             /* HTTP/3 (QUIC) entries */
    FB_ADV_PROXY_GENERATED,   /* responses the capturing proxy made itself */
    FB_ADV_ABANDONED,         /* requests the client abandoned (no response) */
    FB_ADV_TRUNCATED_BODIES,  /* bodies the producer dropped or cut */
    FB_ADV_TLS_NO_KEYS,       /* capture: TLS connections without a key to decrypt them */
    FB_ADV_COUNT
};
const char *fb_advice_id(enum fb_advice_kind k);   /* "https-not-decrypted", ... */
const char *fb_advice_text(enum fb_advice_kind k); /* one sentence for a person */

struct fb_advice {
    uint64_t count;           /* exchanges it applies to (0: not raised) */
    const char *first_source; /* first exchange it was seen on, or NULL */
    const char *input;        /* the input it was first seen in */
};

struct fb_input_info {
    const char *path;   /* as given ("-" for stdin) */
    const char *format; /* "saz", "har", "pcap", "pcapng" */
    char sha256[65];
    uint64_t size;
    uint64_t n_exchanges;
    int status;        /* 0 read, else the fb_err that stopped it */
    const char *error; /* message when status != 0 */
};

struct fb_trace {
    struct fb_arena arena;
    struct fb_warning warnings[FB_TRACE_MAX_WARNINGS];
    size_t n_warnings;
    uint64_t n_warnings_dropped;
    struct fb_advice advice[FB_ADV_COUNT];
    struct fb_input_info inputs[FB_TRACE_MAX_INPUTS];
    size_t n_inputs;
    /* availability-related calls, in input then exchange order (extract.h) */
    struct fb_call **calls;
    size_t n_calls, cap_calls;
    uint64_t n_calls_dropped;
    struct fb_facts *facts; /* set by fb_facts_compute */
};

void fb_trace_init(struct fb_trace *t);
void fb_trace_cleanup(struct fb_trace *t);

/* Adds a warning (copied into the trace arena). input/source may be NULL. */
void fb_trace_warn(struct fb_trace *t, const char *input, const char *source, const char *fmt, ...)
    FB_PRINTF(4, 5);
/* The same with a va_list (for callers' own printf-like warning helpers). */
void fb_trace_vwarn(struct fb_trace *t, const char *input, const char *source, const char *fmt,
                    va_list ap) FB_PRINTF(4, 0);
/* Counts one exchange (source may be NULL) under an advice kind. */
void fb_trace_advise(struct fb_trace *t, enum fb_advice_kind k, const char *input,
                     const char *source);
/* Returns the info slot of a new input (NULL when FB_TRACE_MAX_INPUTS are taken). */
struct fb_input_info *fb_trace_add_input(struct fb_trace *t, const char *path);
/* Appends a call (allocated in t->arena); past FB_TRACE_MAX_CALLS it is counted as
 * dropped and a warning is added once. */
void fb_trace_add_call(struct fb_trace *t, struct fb_call *call);

#endif /* FB_TRACE_H */
