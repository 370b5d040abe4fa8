/* decode.c - undoes HTTP Content-Encoding (RFC 9110 section 8.4): gzip and x-gzip
 * (RFC 1952, concatenated members too), deflate (RFC 1950 zlib-wrapped, or raw RFC 1951
 * as some servers send it), br (RFC 7932, libbrotlidec) and zstd (RFC 8878, libzstd),
 * stacked codings undone right to left.
 *
 * Every layer writes into an fb_buf capped at max. Once the buffer is full the decoder
 * is run into a small scratch area: any byte landing there means the output is larger
 * than max (FB_ERR_LIMIT, the first max bytes kept), so a bomb costs max bytes of memory
 * and about max bytes of work, never its full size.
 *
 *   in --[last coding]--> layer buf --[previous coding]--> ... --> arena (adopted)
 *
 * Intermediate layers are freed as soon as the next one is done; only the final output
 * is adopted by the arena. It does not handle Transfer-Encoding (http1.c removes
 * chunked) nor the old "compress" (LZW) coding, which is reported as unsupported.
 */
#include "fbdiag/decode.h"

#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST /* next_in is const: the input is never written */
#include <zlib.h>
#include <zstd.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"

#define STEP_OUT 65536u        /* bytes of output room offered to a decoder per call */
#define MAX_LAYERS 16          /* non-identity codings undone at most (hostile headers) */
#define ZSTD_WINDOW_LOG_MAX 23 /* RFC 8878 section 3.1.1.1.2: HTTP needs at most 8 MB */

enum fb_coding fb_decode_coding(struct fb_str token)
{
    token = fb_str_trim(token);
    if (token.len == 0 || fb_str_ieq_cstr(token, "identity"))
        return FB_CODING_IDENTITY;
    if (fb_str_ieq_cstr(token, "gzip") || fb_str_ieq_cstr(token, "x-gzip"))
        return FB_CODING_GZIP;
    if (fb_str_ieq_cstr(token, "deflate"))
        return FB_CODING_DEFLATE;
    if (fb_str_ieq_cstr(token, "br"))
        return FB_CODING_BR;
    if (fb_str_ieq_cstr(token, "zstd"))
        return FB_CODING_ZSTD;
    return FB_CODING_UNKNOWN;
}

static const char *coding_name(enum fb_coding c)
{
    switch (c) {
    case FB_CODING_IDENTITY: return "identity";
    case FB_CODING_GZIP: return "gzip";
    case FB_CODING_DEFLATE: return "deflate";
    case FB_CODING_BR: return "br";
    case FB_CODING_ZSTD: return "zstd";
    case FB_CODING_UNKNOWN: break;
    }
    return "unknown";
}

/* Output of one layer: the capped buffer, and the scratch area used once it is full. */
struct sink {
    struct fb_buf buf;
    uint8_t scratch[64];
    int over; /* a byte went past max */
};

/* Where the next decoder call may write, and how much. */
static uint8_t *sink_window(struct sink *s, size_t *room)
{
    size_t left = s->buf.max - s->buf.len;
    if (left == 0) {
        *room = sizeof s->scratch;
        return s->scratch;
    }
    size_t n = left < STEP_OUT ? left : STEP_OUT;
    uint8_t *p = fb_buf_reserve(&s->buf, n);
    *room = n;
    return p;
}

/* Records that the decoder wrote n bytes into the window from sink_window. */
static void sink_commit(struct sink *s, const uint8_t *window, size_t n)
{
    if (window == s->scratch) {
        if (n)
            s->over = 1;
    } else {
        fb_buf_commit(&s->buf, n);
    }
}

/* zlib for gzip (wbits 16+15, members concatenated) and deflate (15 or -15). */
static int run_zlib(const uint8_t *in, size_t in_len, int wbits, int multi_member, struct sink *s,
                    const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK) {
        *why = "zlib initialisation failed";
        return FB_ERR_FORMAT;
    }
    const uint8_t *p = in, *end = in + in_len;
    int rc = FB_ERR_FORMAT;
    *why = "compressed data is truncated";
    for (;;) {
        /* zlib counts in uInt: feed at most 1 GiB at a time */
        size_t chunk = (size_t)(end - p);
        if (chunk > (1u << 30))
            chunk = 1u << 30;
        z.next_in = p;
        z.avail_in = (uInt)chunk;
        size_t room;
        uint8_t *w = sink_window(s, &room);
        z.next_out = w;
        z.avail_out = (uInt)room;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t produced = room - z.avail_out;
        size_t used = chunk - z.avail_in;
        p += used;
        sink_commit(s, w, produced);
        if (s->over) {
            rc = FB_ERR_LIMIT;
            break;
        }
        if (zr == Z_STREAM_END) {
            /* another gzip member follows: go on; anything else after the end is
             * trailing junk that browsers ignore too */
            if (multi_member && end - p >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
                if (inflateReset(&z) != Z_OK)
                    break;
                continue;
            }
            rc = FB_OK;
            break;
        }
        if (zr == Z_BUF_ERROR || zr == Z_OK) {
            if (used == 0 && produced == 0) {
                if (p != end) /* cannot happen with room on both sides; never spin */
                    *why = "decoder made no progress";
                break; /* else the input ends inside the stream: truncated */
            }
            continue;
        }
        *why = z.msg ? z.msg : "corrupt compressed data";
        break;
    }
    inflateEnd(&z);
    return rc;
}

/* A zlib header: CM 8, CINFO <= 7, FCHECK makes the first two bytes a multiple of 31. */
static int looks_zlib(const uint8_t *in, size_t n)
{
    return n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
           ((unsigned)in[0] << 8 | in[1]) % 31 == 0;
}

static int run_deflate(const uint8_t *in, size_t in_len, struct sink *s, const char **why)
{
    if (looks_zlib(in, in_len)) {
        int rc = run_zlib(in, in_len, MAX_WBITS, 0, s, why);
        if (rc != FB_ERR_FORMAT || s->buf.len != 0)
            return rc;
        /* nothing decoded: the two bytes were a raw stream that happened to look like
         * a zlib header; try raw below */
    }
    fb_buf_reset(&s->buf);
    s->over = 0;
    return run_zlib(in, in_len, -MAX_WBITS, 0, s, why);
}

static int run_brotli(const uint8_t *in, size_t in_len, struct sink *s, const char **why)
{
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!st)
        abort(); /* only fails on OOM, which aborts project-wide */
    const uint8_t *next_in = in;
    size_t avail_in = in_len;
    int rc = FB_ERR_FORMAT;
    for (;;) {
        size_t room;
        uint8_t *w = sink_window(s, &room);
        uint8_t *next_out = w;
        size_t avail_out = room;
        BrotliDecoderResult r =
            BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        sink_commit(s, w, room - avail_out);
        if (s->over) {
            rc = FB_ERR_LIMIT;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            rc = FB_OK;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            *why = "compressed data is truncated";
            break;
        }
        *why = BrotliDecoderErrorString(BrotliDecoderGetErrorCode(st));
        break;
    }
    BrotliDecoderDestroyInstance(st);
    return rc;
}

static int run_zstd(const uint8_t *in, size_t in_len, struct sink *s, const char **why)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc)
        abort(); /* OOM */
    (void)ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
    ZSTD_inBuffer ib = {in, in_len, 0};
    size_t last = 1; /* 0 once a frame is complete and flushed */
    int rc = FB_ERR_FORMAT;
    for (;;) {
        size_t room;
        uint8_t *w = sink_window(s, &room);
        ZSTD_outBuffer ob = {w, room, 0};
        size_t before_in = ib.pos;
        last = ZSTD_decompressStream(dc, &ob, &ib);
        if (ZSTD_isError(last)) {
            *why = ZSTD_getErrorName(last);
            break;
        }
        sink_commit(s, w, ob.pos);
        if (s->over) {
            rc = FB_ERR_LIMIT;
            break;
        }
        if (ib.pos == ib.size && ob.pos < room) {
            /* all input consumed and the decoder had room left: it is done or starved */
            if (last == 0) {
                rc = FB_OK;
            } else {
                *why = "compressed data is truncated";
            }
            break;
        }
        if (ob.pos == 0 && ib.pos == before_in) {
            *why = "decoder made no progress";
            break;
        }
    }
    ZSTD_freeDCtx(dc);
    return rc;
}

/* Undoes one coding of in into s. Returns 0, FB_ERR_LIMIT or FB_ERR_FORMAT (why set). */
static int undo(enum fb_coding c, const uint8_t *in, size_t in_len, struct sink *s,
                const char **why)
{
    switch (c) {
    case FB_CODING_GZIP: return run_zlib(in, in_len, 16 + MAX_WBITS, 1, s, why);
    case FB_CODING_DEFLATE: return run_deflate(in, in_len, s, why);
    case FB_CODING_BR: return run_brotli(in, in_len, s, why);
    case FB_CODING_ZSTD: return run_zstd(in, in_len, s, why);
    case FB_CODING_IDENTITY:
    case FB_CODING_UNKNOWN: break;
    }
    *why = "not a decodable coding";
    return FB_ERR_UNSUPPORTED;
}

/* Hands the current layer to the arena as the result. */
static struct fb_str give(struct fb_arena *a, uint8_t *owned, const uint8_t *cur, size_t len)
{
    fb_arena_adopt(a, owned);
    return fb_str_make((const char *)cur, len);
}

int fb_decode_content(struct fb_str content_encoding, const uint8_t *in, size_t in_len, size_t max,
                      struct fb_arena *a, struct fb_str *out, struct fb_diag *d)
{
    const uint8_t *cur = in; /* input of the next layer */
    size_t cur_len = in_len;
    uint8_t *owned = NULL; /* heap block cur points into, if not the caller's input */
    unsigned layers = 0;
    size_t end = content_encoding.len;

    fb_diag_clear(d);
    /* walk the comma-separated list from the right: the last coding applied is undone first */
    for (;;) {
        size_t start = end;
        while (start > 0 && content_encoding.ptr[start - 1] != ',')
            start--;
        struct fb_str tok = fb_str_make(content_encoding.ptr + start, end - start);
        enum fb_coding c = fb_decode_coding(tok);
        if (c == FB_CODING_UNKNOWN) {
            *out = give(a, owned, cur, cur_len);
            tok = fb_str_trim(tok);
            return fb_diag_set(d, FB_ERR_UNSUPPORTED, "content-encoding",
                               "unsupported coding \"%.*s\"", (int)(tok.len > 64 ? 64 : tok.len),
                               tok.ptr);
        }
        if (c != FB_CODING_IDENTITY) {
            if (++layers > MAX_LAYERS) {
                *out = give(a, owned, cur, cur_len);
                return fb_diag_set(d, FB_ERR_UNSUPPORTED, "content-encoding",
                                   "more than %d codings stacked", MAX_LAYERS);
            }
            struct sink s;
            fb_buf_init(&s.buf, max);
            s.over = 0;
            const char *why = "";
            int rc = undo(c, cur, cur_len, &s, &why);
            free(owned);
            size_t n;
            owned = fb_buf_detach(&s.buf, &n);
            cur = owned ? owned : (const uint8_t *)"";
            cur_len = n;
            if (rc == FB_ERR_LIMIT) {
                *out = give(a, owned, cur, cur_len);
                return fb_diag_set(d, rc, coding_name(c),
                                   "decoded size passes the cap of %zu bytes", max);
            }
            if (rc != FB_OK) {
                *out = give(a, owned, cur, cur_len);
                return fb_diag_set(d, rc, coding_name(c), "%s (%zu bytes decoded)", why, n);
            }
        }
        if (start == 0)
            break;
        end = start - 1;
    }
    *out = give(a, owned, cur, cur_len);
    return FB_OK;
}
