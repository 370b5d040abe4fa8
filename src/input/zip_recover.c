/* zip_recover.c - what a zip cut short still holds (PKWARE APPNOTE 6.3.x, sections 4.3.7,
 * 4.3.9, 4.3.12, 4.3.16). A SAZ whose upload or copy stopped early has lost its central
 * directory, which sits at the end of the file, so libzip cannot open it at all. This
 * walks the local file headers from the start, keeps every entry whose data is complete,
 * and appends a central directory and an end record built from them: libzip then opens
 * the result like any archive, and the reader goes on as usual (a session that lost its
 * response is a session without a response).
 *
 * It only rebuilds the index; it does not decompress, decrypt or check entries (libzip
 * does, later). Entries with a data descriptor are kept when they are deflated (zlib finds
 * where the stream ends) and their descriptor is complete. Zip64 and multi-disk archives
 * are not recovered.
 */
#include "zip_recover.h"

#include <string.h>
#include <zlib.h>

#include "fbdiag/buf.h"
#include "fbdiag/cursor.h"
#include "fbdiag/util.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_DESCRIPTOR 0x08074b50u
#define FLAG_DESCRIPTOR 0x0008u
#define MAX_ENTRIES 65535u /* the end record counts in 16 bits */

struct entry {
    uint16_t version, flags, method, mtime, mdate, name_len, extra_len;
    uint32_t crc, csize, usize, offset;
    const uint8_t *name, *extra;
};

/* Length of the raw deflate stream at data (what zlib consumed up to Z_STREAM_END), or 0
 * when the stream is incomplete or corrupt. Output is discarded. */
static size_t deflate_stream_len(const uint8_t *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return 0;
    uint8_t out[16384];
    z.next_in = (Bytef *)(uintptr_t)data; /* zlib only reads it */
    size_t consumed = 0;
    int rc = Z_OK;
    while (rc == Z_OK && consumed < len) {
        size_t chunk = len - consumed > (1u << 30) ? (1u << 30) : len - consumed;
        z.next_in = (Bytef *)(uintptr_t)(data + consumed);
        z.avail_in = (uInt)chunk;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            rc = inflate(&z, Z_NO_FLUSH);
        } while (rc == Z_OK && z.avail_in > 0);
        consumed += chunk - z.avail_in;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            rc = Z_OK; /* wants more input: feed the next chunk, or stop at the end */
        if (z.avail_in == 0 && consumed >= len)
            break;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? consumed : 0;
}

/* Reads one local header at c; fills e and returns the offset just past the entry's data
 * (and descriptor), or 0 when the entry is not complete or cannot be recovered. */
static size_t read_entry(const uint8_t *base, size_t len, size_t at, struct entry *e)
{
    struct fb_cursor c = fb_cur_make(base + at, len - at);
    uint32_t sig;
    if (!fb_cur_u32le(&c, &sig) || sig != SIG_LOCAL)
        return 0;
    if (!fb_cur_u16le(&c, &e->version) || !fb_cur_u16le(&c, &e->flags) ||
        !fb_cur_u16le(&c, &e->method) || !fb_cur_u16le(&c, &e->mtime) ||
        !fb_cur_u16le(&c, &e->mdate) || !fb_cur_u32le(&c, &e->crc) ||
        !fb_cur_u32le(&c, &e->csize) || !fb_cur_u32le(&c, &e->usize) ||
        !fb_cur_u16le(&c, &e->name_len) || !fb_cur_u16le(&c, &e->extra_len) ||
        !fb_cur_take(&c, e->name_len, &e->name) || !fb_cur_take(&c, e->extra_len, &e->extra))
        return 0;
    if (e->csize == 0xFFFFFFFFu || e->usize == 0xFFFFFFFFu)
        return 0; /* zip64: not recovered */
    e->offset = (uint32_t)at;
    if (!(e->flags & FLAG_DESCRIPTOR)) {
        const uint8_t *data;
        if (!fb_cur_take(&c, e->csize, &data))
            return 0;
        return (size_t)(c.p - base);
    }
    /* sizes follow the data: find the end of a deflate stream, then read the descriptor */
    if (e->method != 8)
        return 0;
    size_t n = deflate_stream_len(c.p, fb_cur_left(&c));
    if (n == 0 || !fb_cur_skip(&c, n))
        return 0;
    uint32_t first;
    if (!fb_cur_u32le(&c, &first))
        return 0;
    if (first == SIG_DESCRIPTOR && !fb_cur_u32le(&c, &first))
        return 0;
    e->crc = first;
    if (!fb_cur_u32le(&c, &e->csize) || !fb_cur_u32le(&c, &e->usize) || e->csize != n)
        return 0;
    return (size_t)(c.p - base);
}

static int put16(struct fb_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return fb_buf_append(b, x, 2);
}

static int put32(struct fb_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return fb_buf_append(b, x, 4);
}

static int put_central(struct fb_buf *b, const struct entry *e)
{
    int rc = put32(b, SIG_CENTRAL) | put16(b, e->version) | put16(b, e->version) |
             put16(b, e->flags) | put16(b, e->method) | put16(b, e->mtime) | put16(b, e->mdate) |
             put32(b, e->crc) | put32(b, e->csize) | put32(b, e->usize) | put16(b, e->name_len) |
             put16(b, e->extra_len) | put16(b, 0) | put16(b, 0) | put16(b, 0) | put32(b, 0) |
             put32(b, e->offset);
    rc |= fb_buf_append(b, e->name, e->name_len);
    rc |= fb_buf_append(b, e->extra, e->extra_len); /* AES parameters live here too */
    return rc;
}

uint8_t *fb_zip_recover(const uint8_t *data, size_t len, size_t *out_len, size_t *n_kept)
{
    *out_len = 0;
    *n_kept = 0;
    if (len > 0xFFFFFFF0u) /* offsets are 32-bit without zip64 */
        len = 0xFFFFFFF0u;
    struct fb_buf cd;
    fb_buf_init(&cd, (size_t)MAX_ENTRIES * (46 + 2 * 65535));
    size_t at = 0, end = 0, n = 0;
    struct entry e;
    while (n < MAX_ENTRIES && at < len) {
        size_t next = read_entry(data, len, at, &e);
        if (next == 0)
            break;
        if (put_central(&cd, &e) != FB_OK)
            break;
        n++;
        end = at = next;
    }
    if (n == 0) {
        fb_buf_cleanup(&cd);
        return NULL;
    }
    struct fb_buf out;
    fb_buf_init(&out, end + cd.len + 22);
    int rc = fb_buf_append(&out, data, end) | fb_buf_append(&out, cd.data, cd.len) |
             put32(&out, SIG_END) | put16(&out, 0) | put16(&out, 0) | put16(&out, (uint16_t)n) |
             put16(&out, (uint16_t)n) | put32(&out, (uint32_t)cd.len) | put32(&out, (uint32_t)end) |
             put16(&out, 0);
    fb_buf_cleanup(&cd);
    if (rc != FB_OK) {
        fb_buf_cleanup(&out);
        return NULL;
    }
    *n_kept = n;
    return fb_buf_detach(&out, out_len);
}
