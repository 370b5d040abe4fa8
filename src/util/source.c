/* source.c - pull sources (source.h): a regular file is mapped whole and its window is
 * the mapping; a pipe, a terminal or a character device is read into a window that
 * grows to what the reader asks for (capped). Bytes are hashed (SHA-256, OpenSSL EVP)
 * as they are consumed. It does not know any trace format.
 */
#include "fbdiag/source.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define DEFAULT_MAX_WINDOW ((size_t)1 << 30)
#define READ_CHUNK ((size_t)1 << 16)

struct fb_source {
    int fd;            /* -1 for memory and mapped sources */
    int owns_fd;
    const uint8_t *map; /* mapped file or caller's memory: the whole content */
    size_t map_len;
    int mapped;        /* map came from mmap (munmap on free) */
    /* pipe window: buf[start..end) not consumed yet */
    uint8_t *buf;
    size_t start, end, cap, max_window;
    int eof;
    uint64_t offset;   /* bytes consumed */
    EVP_MD_CTX *sha;
    char error[128];
};

static struct fb_source *source_alloc(void)
{
    struct fb_source *s = fb_xcalloc(1, sizeof *s);
    s->fd = -1;
    s->max_window = DEFAULT_MAX_WINDOW;
    s->sha = EVP_MD_CTX_new();
    if (!s->sha || !EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL)) {
        fprintf(stderr, "fbdiag: out of memory (SHA-256 context)\n");
        abort();
    }
    return s;
}

struct fb_source *fb_source_from_memory(const uint8_t *data, size_t len)
{
    struct fb_source *s = source_alloc();
    s->map = data;
    s->map_len = len;
    return s;
}

static int try_map(struct fb_source *s, int fd, const struct stat *st)
{
    if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (uint64_t)st->st_size > SIZE_MAX)
        return 0;
    void *p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 0;
    posix_madvise(p, (size_t)st->st_size, POSIX_MADV_SEQUENTIAL);
    s->map = p;
    s->map_len = (size_t)st->st_size;
    s->mapped = 1;
    return 1;
}

int fb_source_open(struct fb_source **out, const char *path, size_t max_window,
                   struct fb_diag *d)
{
    *out = NULL;
    int fd = STDIN_FILENO, owns = 0;
    if (strcmp(path, "-") != 0) {
        /* O_NONBLOCK so a FIFO without a writer does not hang the open; cleared after
         * (a FIFO whose writer never came then reads as empty) */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return fb_diag_set(d, FB_ERR_IO, path, "%s", strerror(errno));
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        owns = 1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = fstat(fd, &st) != 0 ? errno : EISDIR;
        if (owns)
            close(fd);
        return fb_diag_set(d, FB_ERR_IO, path, "%s", strerror(e));
    }
    struct fb_source *s = source_alloc();
    if (max_window)
        s->max_window = max_window;
    if (try_map(s, fd, &st)) {
        if (owns)
            close(fd);
    } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
        if (owns)
            close(fd);
        s->map = (const uint8_t *)"";
        s->map_len = 0;
    } else {
        s->fd = fd;
        s->owns_fd = owns;
    }
    *out = s;
    return 0;
}

void fb_source_free(struct fb_source *s)
{
    if (!s)
        return;
    if (s->mapped)
        munmap((void *)(uintptr_t)s->map, s->map_len);
    if (s->owns_fd)
        close(s->fd);
    free(s->buf);
    EVP_MD_CTX_free(s->sha);
    free(s);
}

/* Reads once into the window; 0 at EOF, 1 when bytes came, -1 on error. */
static int fill_once(struct fb_source *s)
{
    if (s->start > 0 && s->start == s->end)
        s->start = s->end = 0;
    if (s->end == s->cap) {
        if (s->start > 0) { /* compact */
            memmove(s->buf, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
        } else {
            size_t ncap = s->cap ? s->cap * 2 : READ_CHUNK;
            s->buf = fb_xrealloc(s->buf, ncap);
            s->cap = ncap;
        }
    }
    for (;;) {
        ssize_t n = read(s->fd, s->buf + s->end, s->cap - s->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(s->error, sizeof s->error, "%s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            s->eof = 1;
            return 0;
        }
        s->end += (size_t)n;
        return 1;
    }
}

int fb_source_peek(struct fb_source *s, size_t want, const uint8_t **p, size_t *got)
{
    if (s->fd < 0) {
        *p = s->map + s->offset;
        *got = s->map_len - (size_t)s->offset;
        return 0;
    }
    if (want > s->max_window) {
        snprintf(s->error, sizeof s->error, "a window of %zu bytes passes the cap of %zu",
                 want, s->max_window);
        return FB_ERR_LIMIT;
    }
    while (s->end - s->start < want && !s->eof) {
        if (s->cap - s->start < want) { /* make room for want bytes from start */
            memmove(s->buf, s->buf + s->start, s->end - s->start);
            s->end -= s->start;
            s->start = 0;
            if (s->cap < want) {
                size_t ncap = s->cap ? s->cap : READ_CHUNK;
                while (ncap < want)
                    ncap *= 2;
                s->buf = fb_xrealloc(s->buf, ncap);
                s->cap = ncap;
            }
        }
        if (fill_once(s) < 0)
            return FB_ERR_IO;
    }
    *p = s->buf ? s->buf + s->start : (const uint8_t *)"";
    *got = s->end - s->start;
    return 0;
}

void fb_source_consume(struct fb_source *s, size_t n)
{
    const uint8_t *p = s->fd < 0 ? s->map + s->offset : s->buf + s->start;
    size_t avail = s->fd < 0 ? s->map_len - (size_t)s->offset : s->end - s->start;
    if (n > avail)
        n = avail;
    if (n)
        EVP_DigestUpdate(s->sha, p, n);
    s->offset += n;
    if (s->fd >= 0)
        s->start += n;
}

uint64_t fb_source_offset(const struct fb_source *s)
{
    return s->offset;
}

const uint8_t *fb_source_mapped(const struct fb_source *s, size_t *len)
{
    if (s->fd >= 0)
        return NULL;
    *len = s->map_len;
    return s->map;
}

int fb_source_slurp(struct fb_source *s, size_t max, const uint8_t **data, size_t *len,
                    struct fb_diag *d)
{
    if (s->fd < 0) {
        if (s->map_len - (size_t)s->offset > max)
            return fb_diag_set(d, FB_ERR_LIMIT, "", "larger than the cap of %zu MiB",
                               max >> 20);
        *data = s->map + s->offset;
        *len = s->map_len - (size_t)s->offset;
        fb_source_consume(s, *len);
        return 0;
    }
    /* read all into the window without consuming, then hash it */
    while (!s->eof) {
        if (s->end - s->start > max)
            return fb_diag_set(d, FB_ERR_LIMIT, "",
                               "more than %zu MiB from a pipe or device without an end; "
                               "give a regular file, or raise the cap",
                               max >> 20);
        if (fill_once(s) < 0)
            return fb_diag_set(d, FB_ERR_IO, "", "%s", s->error);
    }
    if (s->end - s->start > max)
        return fb_diag_set(d, FB_ERR_LIMIT, "",
                           "more than %zu MiB from a pipe or device; give a regular file",
                           max >> 20);
    *data = s->buf ? s->buf + s->start : (const uint8_t *)"";
    *len = s->end - s->start;
    fb_source_consume(s, *len);
    return 0;
}

void fb_source_sha256(struct fb_source *s, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p;
    size_t got;
    for (;;) {
        if (s->fd >= 0 && s->start == s->end && !s->eof && fill_once(s) < 0)
            break;
        if (fb_source_peek(s, 1, &p, &got) != 0 || got == 0)
            break;
        fb_source_consume(s, got);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_MD_CTX_copy_ex(c, s->sha) || !EVP_DigestFinal_ex(c, md, &n) || n != 32) {
        EVP_MD_CTX_free(c);
        out[0] = '\0';
        return;
    }
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

int64_t fb_source_size(const struct fb_source *s)
{
    return s->fd < 0 ? (int64_t)s->map_len : -1;
}

const char *fb_source_error(const struct fb_source *s)
{
    return s->error[0] ? s->error : NULL;
}
