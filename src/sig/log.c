/* log.c - log lines given with --log (server logs such as an ETL text export or the
 * EWS/HttpProxy CSV logs, Outlook free/busy logs, saved cmdlet output) and --text, as
 * facts for the signature engine (log.line). Plain text: one fact per line. CSV: each
 * row's fields are unquoted (RFC 4180 "" escapes) and joined with ", ", so a regex sees
 * the same words whether the log was saved as text or CSV.
 *
 * It does not interpret lines: rules do, with regexes.
 */
#include "fbdiag/sig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/buf.h"

#define LOG_MAX_LINE (64 * 1024)
#define LOG_MAX_LINES 1000000
#define LOG_MAX_FILE ((size_t)1 << 31)

void fb_log_set_init(struct fb_log_set *l, struct fb_arena *a)
{
    memset(l, 0, sizeof *l);
    l->arena = a;
}

static void push(struct fb_log_set *l, const char *text, size_t len, const char *origin)
{
    if (l->n >= LOG_MAX_LINES)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        l->lines =
            fb_arena_realloc(l->arena, l->lines, l->cap * sizeof *l->lines, cap * sizeof *l->lines);
        l->origin = fb_arena_realloc(l->arena, l->origin, l->cap * sizeof *l->origin,
                                     cap * sizeof *l->origin);
        l->cap = cap;
    }
    if (len > LOG_MAX_LINE)
        len = LOG_MAX_LINE;
    l->lines[l->n] = fb_arena_cstr(l->arena, text, len);
    l->origin[l->n] = origin;
    l->n++;
}

void fb_log_set_add(struct fb_log_set *l, const char *text, size_t len, const char *origin)
{
    push(l, text, len, fb_arena_cstr(l->arena, origin, strlen(origin)));
}

/* A CSV row has a comma outside quotes, or starts with a quote. */
static int looks_csv(const char *s, size_t n)
{
    return n > 0 && (s[0] == '"' || memchr(s, ',', n) != NULL);
}

/* Unquotes a CSV row into out (fields joined by ", "). */
static void csv_row(const char *s, size_t n, struct fb_buf *out)
{
    size_t i = 0;
    int first = 1;
    while (i <= n) {
        if (!first && fb_buf_append(out, ", ", 2) != FB_OK)
            return;
        first = 0;
        if (i < n && s[i] == '"') {
            i++;
            while (i < n) {
                if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
                    if (fb_buf_append(out, "\"", 1) != FB_OK)
                        return;
                    i += 2;
                } else if (s[i] == '"') {
                    i++;
                    break;
                } else {
                    if (fb_buf_append(out, &s[i], 1) != FB_OK)
                        return;
                    i++;
                }
            }
            while (i < n && s[i] != ',')
                i++;
        } else {
            size_t start = i;
            while (i < n && s[i] != ',')
                i++;
            if (fb_buf_append(out, s + start, i - start) != FB_OK)
                return;
        }
        i++; /* past the comma (or the end) */
    }
}

int fb_log_set_read(struct fb_log_set *l, const char *path, struct fb_diag *d)
{
    uint8_t *data;
    size_t len;
    int rc = fb_read_file(path, LOG_MAX_FILE, &data, &len);
    if (rc == FB_ERR_LIMIT)
        return fb_diag_set(d, FB_ERR_IO, path, "log file larger than 2 GiB");
    if (rc)
        return fb_diag_set(d, FB_ERR_IO, path, "cannot read: %s", strerror(errno));
    fb_log_set_parse(l, data, len, path);
    free(data);
    return FB_OK;
}

void fb_log_set_parse(struct fb_log_set *l, uint8_t *data, size_t len, const char *path)
{
    if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
        /* UTF-16LE (Windows tools' default): keep ASCII, mark the rest */
        size_t k = 0;
        for (size_t i = 2; i + 1 < len; i += 2)
            data[k++] = data[i + 1] == 0 && data[i] != 0 ? data[i] : (uint8_t)'?';
        len = k;
    }
    const char *p = (const char *)data, *end = p + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    unsigned lineno = 0;
    struct fb_buf row;
    fb_buf_init(&row, LOG_MAX_LINE);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        lineno++;
        if (n > 0 && memchr(p, '\0', n) == NULL) {
            const char *origin = fb_arena_printf(l->arena, "%s:%u", path, lineno);
            if (looks_csv(p, n)) {
                fb_buf_reset(&row);
                csv_row(p, n, &row);
                push(l, (const char *)row.data, row.len, origin);
            } else
                push(l, p, n, origin);
        }
        p = nl ? nl + 1 : end;
    }
    fb_buf_cleanup(&row);
}
