/* exc_chain.c - .NET exception texts as servers print them into EWS MessageText, OWA
 * JSON and SOAP faults, split into a chain of links, plus what else a finding's text
 * tells: OAuth "diagnostics:" (x-ms-diagnostics payload), an embedded WS-Trust SOAP 1.2
 * fault matched by local name, the URLs it names and the leg its prefix names
 * (protocol.md sections 2-3; research-signatures.md; docs/internals/exception-chain.md).
 *
 * Data flow: the text (borrowed, not NUL-terminated, hostile) is copied once into a
 * scratch buffer (at most 1 MiB) where line breaks, escaped "\r\n" and whitespace runs
 * become one space and stack-trace frames are cut out; links are slices of that buffer,
 * edited in place, then copied into the caller's arena. Nothing keeps a pointer into
 * the input or the scratch buffer.
 *
 *   "Proxy web request failed. , inner exception: System.Net.WebException: ... ---> ..."
 *    |-- link 0 (no type) --|  sep  |-- type --------------|  message  | sep | link 2
 *
 * It does not parse well-formed XML documents (the SOAP extractor does, with libxml2),
 * and it cannot derive statuses from localised texts: only numbers such as "(10054)"
 * survive translation.
 */
#include "fbdiag/extract.h"

#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"

#define MAX_LINKS 32
#define MAX_MSG 4096               /* per link message, marker included */
#define MAX_SCAN ((size_t)1 << 20) /* bytes of input text looked at */
#define MAX_TYPE 256               /* a longer "type" is not a .NET type name */
#define MAX_FRAME_ARGS 1024        /* "(...)" of one stack frame */
#define MAX_FIELD 1024             /* diag_*, wstrust_*, psf_* values */
#define MAX_URL 2048
#define TRUNC_MARK " [...truncated]"
#define END_INNER "--- End of inner exception stack trace ---"

/* ---- small byte helpers (ASCII only; input is UTF-8 or worse) ---- */

static int lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static int is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}
static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || is_upper(c);
}
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static int is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}
static int is_ident_start(int c)
{
    return is_alpha(c) || c == '_';
}
static int is_ident(int c)
{
    return is_alnum(c) || c == '_' || c == '`';
}
/* characters of a stack frame's method name */
static int is_frame_char(int c)
{
    return is_ident(c) || c == '.' || c == '<' || c == '>' || c == '$' || c == '+' || c == '[' ||
           c == ']';
}

/* Case-insensitive prefix test of s[0..n) against the C string m. */
static int ipfx(const char *s, size_t n, const char *m)
{
    size_t k = strlen(m);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lc((unsigned char)s[i]) != lc((unsigned char)m[i]))
            return 0;
    return 1;
}

/* Case-insensitive equality of the first n bytes of a and b. */
static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Case-insensitive search; returns the offset of needle in s[0..n) or -1. */
static long ifind(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || n < k)
        return -1;
    int f = lc((unsigned char)needle[0]);
    for (size_t i = 0; i + k <= n; i++)
        if (lc((unsigned char)s[i]) == f && ipfx(s + i, n - i, needle))
            return (long)i;
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* ---- normalisation ---- */

/* Copies at most MAX_SCAN bytes of in into a fresh heap buffer (caller frees) where CR,
 * LF, TAB, NUL, the escaped pair "\r\n" (a truncated one at the very end too) and every
 * whitespace run become one space; no leading or trailing space. */
static char *normalize(struct fb_str in, size_t *out_n)
{
    size_t n = in.ptr ? (in.len > MAX_SCAN ? MAX_SCAN : in.len) : 0;
    char *w = fb_xmalloc(n + 1);
    size_t o = 0;
    int space = 1;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)in.ptr[i];
        size_t adv = 1;
        int ws =
            c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\v' || c == '\f' || c == 0;
        if (c == '\\') {
            size_t rest = n - i, k = rest < 4 ? rest : 4;
            if (memcmp(in.ptr + i, "\\r\\n", k) == 0 && (k == 4 || i + k == in.len)) {
                ws = 1;
                adv = k;
            }
        }
        if (ws) {
            if (!space)
                w[o++] = ' ';
            space = 1;
        } else {
            w[o++] = (char)c;
            space = 0;
        }
        i += adv;
    }
    if (o && w[o - 1] == ' ')
        o--;
    w[o] = '\0';
    *out_n = o;
    return w;
}

/* Length of a stack frame "at Ns.Type.Method(args)[ in path:line N]" starting at w[i]
 * (w[i] == 'a', preceded by a space or the start), 0 when it is not one. A frame cut by
 * the end of the text runs to the end. */
static size_t frame_len(const char *w, size_t n, size_t i)
{
    if (!ipfx(w + i, n - i, "at ") || (i > 0 && w[i - 1] != ' '))
        return 0;
    size_t j = i + 3, dots = 0;
    while (j < n && j - i < MAX_TYPE && is_frame_char((unsigned char)w[j])) {
        dots += w[j] == '.';
        j++;
    }
    if (j >= n || dots == 0 || w[j] != '(')
        return 0;
    size_t depth = 0, start = j;
    for (; j < n; j++) {
        if (j - start > MAX_FRAME_ARGS)
            return 0;
        if (w[j] == '(')
            depth++;
        else if (w[j] == ')' && --depth == 0)
            break;
    }
    if (j >= n)
        return n - i; /* cut inside the arguments */
    j++;
    /* optional " in C:\path\file.cs:line 42" */
    size_t rest = n - j;
    if (rest < 4 && rest > 0 && memcmp(w + j, " in ", rest) == 0)
        return n - i;
    if (rest >= 4 && memcmp(w + j, " in ", 4) == 0) {
        size_t lim = rest > 1024 ? j + 1024 : n;
        for (size_t k = j + 4; k < lim; k++) {
            if (ipfx(w + k, n - k, ":line ")) {
                k += 6;
                while (k < n && is_digit(w[k]))
                    k++;
                return k - i;
            }
            if (ipfx(w + k, n - k, " at ") || ipfx(w + k, n - k, "--"))
                return j - i;
        }
        if (lim == n)
            return n - i;
    }
    return j - i;
}

/* Cuts stack frames and "--- End of stack trace from previous location ... ---" out of
 * w in place (they are never link text), keeping single spaces. Returns the new length. */
static size_t strip_frames(char *w, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        size_t k = 0;
        if (w[i] == 'a' || w[i] == 'A')
            k = frame_len(w, n, i);
        else if (w[i] == '-' && ipfx(w + i, n - i, "--- End of stack trace from previous")) {
            long e = ifind(w + i + 3, n - i - 3, "---");
            k = e < 0 ? n - i : (size_t)e + 6;
        }
        if (k) {
            i += k;
            if (o && w[o - 1] != ' ' && i < n)
                w[o++] = ' ';
            while (i < n && w[i] == ' ')
                i++;
            continue;
        }
        w[o++] = w[i++];
    }
    while (o && w[o - 1] == ' ')
        o--;
    w[o] = '\0';
    return o;
}

/* ---- type names ---- */

/* Parses a .NET type name at s: dotted (or '+') identifiers, at least two, the first one
 * upper-case, then an optional " (N)" and ':' followed by a space or the end. A ". "
 * inside the name is tolerated when the name ends in "Exception" (texts copied from web
 * pages wrap there); embedded names must end in "Exception". Returns the bytes consumed
 * through the ':' (0: no type); *tlen gets the name length without spaces (written to
 * name, at least MAX_TYPE bytes) and *num the decimal N, or 0. */
static size_t parse_type(const char *s, size_t n, int embedded, char *name, size_t *tlen, long *num)
{
    size_t i = 0, segs = 0, t = 0, last = 0;
    int wrapped = 0;
    if (n == 0 || !is_upper((unsigned char)s[0]))
        return 0;
    for (;;) {
        if (i >= n || !is_ident_start((unsigned char)s[i]))
            return 0;
        last = t;
        while (i < n && is_ident((unsigned char)s[i]) && t < MAX_TYPE - 1)
            name[t++] = s[i++];
        if (t >= MAX_TYPE - 1)
            return 0;
        segs++;
        if (i + 1 < n && (s[i] == '.' || s[i] == '+') && is_ident_start((unsigned char)s[i + 1])) {
            name[t++] = s[i++];
            continue;
        }
        if (segs >= 2 && i + 2 < n && s[i] == '.' && s[i + 1] == ' ' &&
            is_upper((unsigned char)s[i + 2])) {
            name[t++] = '.';
            i += 2;
            wrapped = 1;
            continue;
        }
        break;
    }
    name[t] = '\0';
    if (segs < 2)
        return 0;
    if ((embedded || wrapped) && !ends_with(name + last, "Exception"))
        return 0;
    *num = 0;
    size_t j = i;
    if (j < n && (s[j] == '(' || (s[j] == ' ' && j + 1 < n && s[j + 1] == '('))) {
        j += s[j] == ' ' ? 2 : 1;
        size_t d = j;
        long v = 0;
        int dec = 1;
        while (j < n && j - d < 12 && (is_alnum((unsigned char)s[j]))) {
            if (!is_digit(s[j]))
                dec = 0;
            else if (v < 100000000)
                v = v * 10 + (s[j] - '0');
            j++;
        }
        if (j >= n || s[j] != ')' || j == d)
            return 0;
        j++;
        *num = dec ? v : 0;
    }
    if (j >= n || s[j] != ':' || (j + 1 < n && s[j + 1] != ' '))
        return 0;
    *tlen = t;
    return j + 1;
}

/* ---- one link ---- */

/* Marker phrases a text cut short may end inside of: a last segment that is only the
 * beginning of one of them carries nothing and is dropped. */
static const char *const tail_markers[] = {
    "--->",
    "--- End of inner exception stack trace ---",
    "--- End of stack trace from previous location where exception was thrown ---",
    ", inner exception:",
    ",inner exception:",
    "inner exception:",
    "Name of the server where exception originated:",
    "LID:",
    "at ",
};

static int is_cut_marker(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '.' || *s == ',' || *s == ';' || *s == ':')) {
        s++; /* the ". " left where a frame was cut out */
        n--;
    }
    if (n == 0)
        return 1;
    for (size_t i = 0; i < FB_ARRAY_LEN(tail_markers); i++) {
        const char *m = tail_markers[i];
        if (n < strlen(m) && ieq_n(m, s, n))
            return 1;
    }
    /* "at Ns.Type.Meth" without its "(": a frame cut by the end of the text */
    if (n >= 3 && ipfx(s, n, "at ")) {
        for (size_t i = 3; i < n; i++)
            if (!is_frame_char((unsigned char)s[i]))
                return 0;
        return 1;
    }
    return 0;
}

/* Whether the last segment of a text cut short carries nothing: empty, or only words
 * that a complete text would have had removed (a marker's beginning, after anything
 * that is itself only such a beginning). Decides only; the message stays as it is. */
static int carries_nothing(const char *s, size_t n)
{
    for (int words = 0; words < 16; words++) { /* bounded: hostile texts repeat "a a a" */
        while (n && (s[n - 1] == ' ' || s[n - 1] == ',' || s[n - 1] == ';' || s[n - 1] == ':' ||
                     s[n - 1] == '.'))
            n--;
        if (is_cut_marker(s, n))
            return 1;
        /* strip the last marker-beginning word(s) and look again */
        size_t k = n > MAX_TYPE + 8 ? n - (MAX_TYPE + 8) : 0;
        while (k < n && !((k == 0 || s[k - 1] == ' ') && is_cut_marker(s + k, n - k)))
            k++;
        if (k >= n)
            return 0;
        n = k;
    }
    return 0;
}

static void cut(char *s, size_t *n, size_t from, size_t to)
{
    memmove(s + from, s + to, *n - to);
    *n -= to - from;
}

static void trim_msg(char **s, size_t *n)
{
    while (*n && (**s == ' ')) {
        (*s)++;
        (*n)--;
    }
    for (;;) {
        char c = *n ? (*s)[*n - 1] : 0;
        if (c == ' ' || c == ',' || c == ';' || c == ':')
            (*n)--;
        else if (c == '.' && (*n == 1 || (*s)[*n - 2] == ' '))
            (*n)--;
        else
            break;
    }
}

/* Removes the first "Name of the server where exception originated: HOST." from s and
 * returns HOST (arena copy), or NULL. */
static const char *take_server(char *s, size_t *n, struct fb_arena *a)
{
    static const char phrase[] = "Name of the server where exception originated:";
    long p = ifind(s, *n, phrase);
    if (p < 0)
        return NULL;
    size_t i = (size_t)p + sizeof phrase - 1;
    while (i < *n && s[i] == ' ')
        i++;
    size_t b = i;
    /* a host name has no spaces; a documentation placeholder "<server name>" has */
    char stop = i < *n && s[i] == '<' ? '>' : ' ';
    while (i < *n && s[i] != stop && i - b < 255)
        i++;
    if (stop == '>' && i < *n)
        i++;
    size_t e = i;
    while (e > b && (s[e - 1] == '.' || s[e - 1] == ',' || s[e - 1] == ';'))
        e--;
    const char *host = e > b ? fb_arena_cstr(a, s + b, e - b) : NULL;
    cut(s, n, (size_t)p, i);
    return host;
}

/* Removes the first "LID: 43532" (a word) from s and returns the digits, or NULL. */
static const char *take_lid(char *s, size_t *n, struct fb_arena *a)
{
    size_t from = 0;
    for (;;) {
        long p = ifind(s + from, *n - from, "LID:");
        if (p < 0)
            return NULL;
        size_t at = from + (size_t)p;
        if (at > 0 && is_alnum((unsigned char)s[at - 1])) {
            from = at + 4;
            continue;
        }
        size_t i = at + 4;
        while (i < *n && s[i] == ' ')
            i++;
        size_t b = i;
        while (i < *n && is_digit(s[i]) && i - b < 20)
            i++;
        const char *lid = i > b ? fb_arena_cstr(a, s + b, i - b) : NULL;
        cut(s, n, at, i);
        return lid;
    }
}

/* Earliest of the WebExceptionStatus phrases in s; fills l->web_status / http_status. */
static void derive_web_status(struct fb_exc_link *l, int index, const char *s, size_t n)
{
    /* who: 0 any link; 1 a WebException only; 2 a WebException or an untyped inner link
     * (EWS prints inner.Message without its type). A bare "The request timed out" is the
     * availability service's own timeout (ErrorTimeoutExpired), not a network one. */
    static const struct {
        const char *phrase, *status;
        int who;
    } phr[] = {
        {"An unexpected error occurred on a receive", "ReceiveFailure", 0},
        {"An unexpected error occurred on a send", "SendFailure", 0},
        {"Unable to connect to the remote server", "ConnectFailure", 0},
        {"The remote name could not be resolved", "NameResolutionFailure", 0},
        {"Could not establish trust relationship", "TrustFailure", 0},
        {"Could not create SSL/TLS secure channel", "SecureChannelFailure", 0},
        {"The operation has timed out", "Timeout", 2},
        {"The request timed out", "Timeout", 1},
    };
    const char *t = l->type;
    if (t && (ends_with(t, "SocketException") || ends_with(t, "IOException")))
        return;
    int web = t && ends_with(t, "WebException");
    long best = -1;
    for (size_t i = 0; i < FB_ARRAY_LEN(phr); i++) {
        if (phr[i].who == 1 && !web)
            continue;
        if (phr[i].who == 2 && !web && (t || index == 0))
            continue;
        long p = ifind(s, n, phr[i].phrase);
        if (p >= 0 && (best < 0 || p < best)) {
            best = p;
            l->web_status = phr[i].status;
        }
    }
    /* "The request failed with HTTP status 503", "HTTP status code 404 Not Found",
     * "The remote server returned an error: (403) Forbidden" */
    long p = ifind(s, n, "HTTP status ");
    size_t i = 0;
    if (p >= 0) {
        i = (size_t)p + 12;
        if (ipfx(s + i, n - i, "code "))
            i += 5;
    } else if ((p = ifind(s, n, "returned an error: (")) >= 0) {
        i = (size_t)p + 20;
    }
    if (p >= 0 && i + 3 <= n && is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
        (i + 3 == n || !is_digit(s[i + 3]))) {
        int code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        if (code >= 100 && code <= 599 && (best < 0 || p < best)) {
            l->http_status = code;
            l->web_status = "ProtocolError";
        } else if (code >= 100 && code <= 599) {
            l->http_status = code;
        }
    }
}

/* WSA error: a "(10054)"-style number, else the English SocketException texts. */
static int derive_socket_error(const char *s, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++) {
        if (s[i] != '(')
            continue;
        size_t j = i + 1;
        long v = 0;
        while (j < n && is_digit(s[j]) && j - i <= 5)
            v = v * 10 + (s[j++] - '0');
        if (j - i == 6 && j < n && s[j] == ')' && v >= 10000 && v <= 11999)
            return (int)v;
    }
    static const struct {
        const char *phrase;
        int err;
    } phr[] = {
        {"forcibly closed by the remote host", 10054},
        {"did not properly respond after a period of time", 10060},
        {"actively refused", 10061},
        {"No such host is known", 11001},
    };
    long best = -1;
    int err = 0;
    for (size_t i = 0; i < FB_ARRAY_LEN(phr); i++) {
        long p = ifind(s, n, phr[i].phrase);
        if (p >= 0 && (best < 0 || p < best)) {
            best = p;
            err = phr[i].err;
        }
    }
    return err;
}

/* Arena copy of a message, capped at MAX_MSG bytes with TRUNC_MARK (never splitting a
 * UTF-8 sequence). */
static const char *copy_msg(struct fb_arena *a, const char *s, size_t n)
{
    if (n <= MAX_MSG)
        return fb_arena_cstr(a, s, n);
    size_t keep = MAX_MSG - (sizeof TRUNC_MARK - 1);
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--;
    char *m = fb_arena_alloc(a, keep + sizeof TRUNC_MARK);
    memcpy(m, s, keep);
    memcpy(m + keep, TRUNC_MARK, sizeof TRUNC_MARK);
    return m;
}

/* Turns segment s[0..n) (edited in place) into link *l. Returns 1 when it is a link,
 * 0 when it carries nothing (*l may then still hold a server or LID to attach to the
 * previous link). final: the segment runs to the end of the text. */
static int make_link(char *s, size_t n, int final, int index, struct fb_exc_link *l,
                     struct fb_arena *a)
{
    memset(l, 0, sizeof *l);
    while (n && *s == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    char name[MAX_TYPE];
    size_t tlen = 0;
    long num = 0;
    size_t used = parse_type(s, n, 0, name, &tlen, &num);
    if (used)
        l->type = fb_arena_cstr(a, name, tlen);
    char *m = s + used;
    size_t mn = n - used;
    l->server = take_server(m, &mn, a);
    l->lid = take_lid(m, &mn, a);
    trim_msg(&m, &mn);
    if (!l->type && (mn == 0 || (final && carries_nothing(m, mn))))
        return 0;
    derive_web_status(l, index, m, mn);
    l->socket_error = num >= 10000 && num <= 11999 ? (int)num : derive_socket_error(m, mn);
    l->message = copy_msg(a, m, mn);
    return 1;
}

/* ---- splitting ---- */

enum sep_kind { SEP_NONE, SEP_ARROW, SEP_END_INNER, SEP_INNER, SEP_TYPE };

/* The separator at w[i] and its length (*len; 0 for SEP_TYPE, whose type name starts
 * the next segment). seg_has_text: the current segment already holds text. */
static enum sep_kind separator_at(const char *w, size_t n, size_t i, int seg_has_text, size_t *len)
{
    char c = w[i];
    *len = 0;
    if (c == '-') {
        if (ipfx(w + i, n - i, "--->")) {
            *len = 4;
            return SEP_ARROW;
        }
        if (ipfx(w + i, n - i, END_INNER)) {
            *len = sizeof END_INNER - 1;
            return SEP_END_INNER;
        }
        return SEP_NONE;
    }
    if ((c == 'i' || c == 'I') && (i == 0 || !is_alnum((unsigned char)w[i - 1])) &&
        ipfx(w + i, n - i, "inner exception:")) {
        *len = 16;
        return SEP_INNER;
    }
    if (seg_has_text && is_upper((unsigned char)c) && i > 0 &&
        (w[i - 1] == ' ' || w[i - 1] == ';')) {
        char name[MAX_TYPE];
        size_t tlen;
        long num;
        if (parse_type(w + i, n - i, 1, name, &tlen, &num))
            return SEP_TYPE;
    }
    return SEP_NONE;
}

static void attach(struct fb_exc_link *to, const struct fb_exc_link *l)
{
    if (l->server && !to->server)
        to->server = l->server;
    if (l->lid && !to->lid)
        to->lid = l->lid;
}

#define MAX_NEST 64

/* Splits the normalised, frame-free text w into links. " ---> " nests (.NET ToString):
 * after "--- End of inner exception stack trace ---" the text belongs to the outer
 * exception again, so a server name or LID found there goes to the link that preceded
 * the matching " ---> " rather than to the innermost link. */
static void parse_normalized(char *w, size_t n, struct fb_arena *a, struct fb_exc_chain *out)
{
    struct fb_exc_link links[MAX_LINKS];
    long nest[MAX_NEST];
    size_t nl = 0, seg = 0, depth = 0;
    long owner = -1; /* link the current segment's server/LID belongs to; -1: the last */
    int has_text = 0;
    for (size_t i = 0; i <= n && nl < MAX_LINKS;) {
        size_t len = 0;
        enum sep_kind k = i < n ? separator_at(w, n, i, has_text, &len) : SEP_NONE;
        if (i < n && k == SEP_NONE) {
            has_text |= w[i] != ' ';
            i++;
            continue;
        }
        struct fb_exc_link l;
        if (make_link(w + seg, i - seg, i == n, (int)nl, &l, a))
            links[nl++] = l;
        else if (nl > 0)
            attach(&links[owner >= 0 && (size_t)owner < nl ? (size_t)owner : nl - 1], &l);
        else if (l.server || l.lid) {
            l.message = "";
            links[nl++] = l;
        }
        if (i == n)
            break;
        owner = -1;
        if (k == SEP_ARROW && depth < MAX_NEST)
            nest[depth++] = (long)nl - 1;
        else if (k == SEP_END_INNER && depth > 0)
            owner = nest[--depth];
        i += len;
        seg = i;
        has_text = 0;
        if (k == SEP_TYPE) {
            has_text = 1; /* the type name itself */
            i++;
        }
    }
    out->n_links = nl;
    out->links = NULL;
    if (nl) {
        out->links = fb_arena_alloc(a, nl * sizeof *out->links);
        memcpy(out->links, links, nl * sizeof *out->links);
    }
}

void fb_exc_chain_parse(struct fb_str text, struct fb_arena *a, struct fb_exc_chain *out)
{
    size_t n;
    char *w = normalize(text, &n);
    n = strip_frames(w, n);
    parse_normalized(w, n, a, out);
    free(w);
}

/* ---- what else a finding's text tells ---- */

static const char *copy_field(struct fb_arena *a, const char *s, size_t n)
{
    struct fb_str t = fb_str_trim(fb_str_make(s, n > MAX_FIELD ? MAX_FIELD : n));
    return fb_arena_cstr(a, t.ptr, t.len);
}

/* "diagnostics: 2000005;reason="...";error_category="..."" with free spacing; without
 * "diagnostics:", a lone error_category="..." still fills diag_category. */
static void parse_diagnostics(struct fb_finding *f, const char *w, size_t n, struct fb_arena *a)
{
    const char *reason = NULL, *category = NULL, *code = NULL;
    size_t i;
    long p = ifind(w, n, "diagnostics:");
    if (p >= 0) {
        i = (size_t)p + 12;
        while (i < n && w[i] == ' ')
            i++;
        size_t b = i;
        while (i < n && is_digit(w[i]) && i - b < 12)
            i++;
        if (i > b)
            code = fb_arena_cstr(a, w + b, i - b);
        for (int pairs = 0; code && pairs < 8; pairs++) {
            while (i < n && (w[i] == ' ' || w[i] == ';'))
                i++;
            size_t kb = i;
            while (i < n && (is_alpha((unsigned char)w[i]) || w[i] == '_'))
                i++;
            size_t ke = i;
            while (i < n && w[i] == ' ')
                i++;
            if (ke == kb || i >= n || w[i] != '=')
                break;
            i++;
            while (i < n && w[i] == ' ')
                i++;
            if (i < n && w[i] == '\\')
                i++;
            size_t vb, ve;
            if (i < n && w[i] == '"') {
                vb = ++i;
                while (i < n && w[i] != '"')
                    i++;
                ve = i;
                if (ve > vb && w[ve - 1] == '\\')
                    ve--;
                if (i < n)
                    i++;
            } else {
                vb = i;
                while (i < n && w[i] != ';' && w[i] != ' ')
                    i++;
                ve = i;
            }
            const char *v = copy_field(a, w + vb, ve - vb);
            if (ke - kb == 6 && ipfx(w + kb, 6, "reason") && !reason)
                reason = v;
            else if (ke - kb == 14 && ipfx(w + kb, 14, "error_category") && !category)
                category = v;
        }
    }
    if (!category && (p = ifind(w, n, "error_category=")) >= 0) {
        i = (size_t)p + 15;
        if (i < n && w[i] == '\\')
            i++;
        if (i < n && w[i] == '"') {
            size_t vb = ++i;
            while (i < n && w[i] != '"' && i - vb < MAX_FIELD)
                i++;
            size_t ve = i > vb && w[i - 1] == '\\' ? i - 1 : i;
            category = copy_field(a, w + vb, ve - vb);
        }
    }
    if (!f->diag_code && code)
        f->diag_code = code;
    if (!f->diag_reason && reason)
        f->diag_reason = reason;
    if (!f->diag_category && category)
        f->diag_category = category;
}

static int is_soap12_code(const char *v)
{
    const char *c = strchr(v, ':');
    c = c ? c + 1 : v;
    return strcmp(c, "Sender") == 0 || strcmp(c, "Receiver") == 0 ||
           strcmp(c, "MustUnderstand") == 0 || strcmp(c, "VersionMismatch") == 0 ||
           strcmp(c, "DataEncodingUnknown") == 0;
}

/* Tolerant scan of an embedded WS-Trust SOAP 1.2 fault: start tags <prefix:Local ...>
 * by local name (the fragment has no namespace declarations and is often cut). Returns
 * the offset of the first element used, or -1. */
static long scan_wstrust(struct fb_finding *f, const char *w, size_t n, struct fb_arena *a)
{
    const char *code = NULL, *sub = NULL, *reason = NULL, *pv = NULL, *pc = NULL, *pt = NULL;
    long first = -1;
    for (size_t i = 0; i < n; i++) {
        if (w[i] != '<')
            continue;
        size_t j = i + 1, pb = j;
        while (j < n && (is_ident((unsigned char)w[j]) || w[j] == '-') && j - pb < 64)
            j++;
        if (j == pb || j >= n || w[j] != ':')
            continue;
        size_t lb = ++j;
        while (j < n && is_alpha((unsigned char)w[j]) && j - lb < 16)
            j++;
        size_t ll = j - lb;
        if (j >= n || (w[j] != '>' && w[j] != ' '))
            continue;
        while (j < n && w[j] != '>' && w[j] != '<' && j - lb < 256)
            j++;
        if (j >= n || w[j] != '>')
            continue;
        size_t cb = ++j;
        while (j < n && w[j] != '<' && j - cb < MAX_FIELD)
            j++;
        const char *l = w + lb;
        const char **slot = NULL;
        if (ll == 5 && memcmp(l, "Value", 5) == 0) {
            char tmp[MAX_FIELD + 1];
            struct fb_str v = fb_str_trim(fb_str_make(w + cb, j - cb));
            memcpy(tmp, v.ptr, v.len);
            tmp[v.len] = '\0';
            slot = is_soap12_code(tmp) ? &code : &sub;
        } else if (ll == 4 && memcmp(l, "Text", 4) == 0) {
            slot = &reason;
        } else if (ll == 5 && memcmp(l, "value", 5) == 0) {
            slot = &pv;
        } else if (ll == 4 && memcmp(l, "code", 4) == 0) {
            slot = &pc;
        } else if (ll == 4 && memcmp(l, "text", 4) == 0) {
            slot = &pt;
        }
        if (slot && !*slot) {
            *slot = copy_field(a, w + cb, j - cb);
            if (first < 0)
                first = (long)i;
        }
        i = j - 1;
    }
    if (first < 0)
        return -1;
    int used = 0;
#define FILL(field, v)                                                                             \
    do {                                                                                           \
        if (!f->field && (v)) {                                                                    \
            f->field = (v);                                                                        \
            used = 1;                                                                              \
        }                                                                                          \
    } while (0)
    FILL(wstrust_code, code);
    FILL(wstrust_subcode, sub);
    FILL(wstrust_reason, reason);
    FILL(psf_value, pv);
    FILL(psf_code, pc);
    FILL(psf_text, pt);
#undef FILL
    if (used)
        f->fragment_by_local_name = 1;
    return first;
}

static void add_url(struct fb_finding *f, const char *s, size_t n, struct fb_arena *a)
{
    for (size_t k = 0; k < f->n_urls; k++)
        if (fb_str_ieq(fb_str_cstr(f->urls[k]), fb_str_make(s, n)))
            return;
    if (f->n_urls < FB_FINDING_MAX_URLS)
        f->urls[f->n_urls++] = fb_arena_cstr(a, s, n);
}

static void scan_urls(struct fb_finding *f, const char *w, size_t n, struct fb_arena *a)
{
    for (size_t i = 0; i < n && f->n_urls < FB_FINDING_MAX_URLS; i++) {
        if (w[i] != 'h' && w[i] != 'H')
            continue;
        if (i > 0 && is_alnum((unsigned char)w[i - 1]))
            continue;
        size_t sl = ipfx(w + i, n - i, "https://") ? 8 : ipfx(w + i, n - i, "http://") ? 7 : 0;
        if (!sl)
            continue;
        size_t j = i + sl;
        while (j < n && j - i < MAX_URL && w[j] != ' ' && w[j] != '"' && w[j] != '\'' &&
               w[j] != '<' && w[j] != '>' && w[j] != '`')
            j++;
        size_t e = j;
        for (;;) {
            if (e > i + sl && (w[e - 1] == '.' || w[e - 1] == ',' || w[e - 1] == ';')) {
                e--;
                continue;
            }
            if (e > i + sl && w[e - 1] == ')') {
                size_t open = 0, close = 0;
                for (size_t k = i; k < e; k++) {
                    open += w[k] == '(';
                    close += w[k] == ')';
                }
                if (close > open) {
                    e--;
                    continue;
                }
            }
            break;
        }
        if (e > i + sl && w[i + sl] != '/')
            add_url(f, w + i, e - i, a);
        i = j - 1;
    }
}

/* The leg named by the text: the earliest marker wins (the outermost message). */
static void pick_leg(struct fb_finding *f, const char *w, size_t n, long fault_at)
{
    long best = -1;
    const char *leg = NULL;
    struct {
        long at;
        const char *leg;
    } c[5];
    c[0].at = ifind(w, n, "Proxy web request failed");
    c[0].leg = "ews-proxy";
    c[1].at = ifind(w, n, "ProxyWebRequest");
    c[1].leg = "ews-proxy";
    c[2].at = ifind(w, n, "Autodiscover failed for");
    c[2].leg = "autodiscover";
    c[3].at = ifind(w, n, "Failed to communicate with");
    c[3].leg = "federation-token";
    if (c[3].at >= 0) {
        size_t s = (size_t)c[3].at + 26, lim = n - s > 200 ? 200 : n - s;
        if (ifind(w + s, lim, "extSTS.srf") < 0 && ifind(w + s, lim, "/adfs/services/trust") < 0)
            c[3].at = -1;
    }
    c[4].at = fault_at;
    c[4].leg = "federation-token";
    for (size_t i = 0; i < FB_ARRAY_LEN(c); i++)
        if (c[i].at >= 0 && (best < 0 || c[i].at < best)) {
            best = c[i].at;
            leg = c[i].leg;
        }
    if (!f->leg)
        f->leg = leg;
}

void fb_finding_parse_text(struct fb_finding *f, struct fb_arena *a)
{
    const char *text = f->message_text ? f->message_text : f->fault_string;
    f->chain.links = NULL;
    f->chain.n_links = 0;
    if (!text)
        return;
    size_t n;
    char *w = normalize(fb_str_cstr(text), &n);
    parse_diagnostics(f, w, n, a);
    long fault_at = scan_wstrust(f, w, n, a);
    scan_urls(f, w, n, a);
    pick_leg(f, w, n, fault_at);
    n = strip_frames(w, n);
    parse_normalized(w, n, a, &f->chain);
    free(w);
}
