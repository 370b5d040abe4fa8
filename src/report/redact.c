/* redact.c - secrets out, evidence in (see redact.h and docs/internals/redaction.md).
 *
 * Header syntax follows RFC 9110 (credentials, challenges) and RFC 6265 (Cookie,
 * Set-Cookie); query and form bodies follow the WHATWG application/x-www-form-urlencoded
 * shape (name=value pairs split on '&'). JSON and XML are scanned, not parsed: output must
 * keep every byte that is not a secret exactly as captured, and bodies are often cut
 * short, which jansson and libxml2 refuse (and re-serialising would reformat them). The
 * scanners never build a regex from data; names are compared exactly, case-insensitively
 * (XML element names case-sensitively, as XML is).
 *
 * Output is built in a heap scratch buffer and copied once into the caller's arena.
 * It does not decode base64 or percent-encoded values, and does not look inside
 * HTML (a WS-Federation form post in an HTML page is not redacted).
 */
#include "fbdiag/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"

/* ---- output builder ------------------------------------------------------------- */

struct out {
    char *p;
    size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n)
            cap *= 2;
        o->p = fb_xrealloc(o->p, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_redacted_n(struct out *o, size_t n)
{
    char tmp[48];
    int k = snprintf(tmp, sizeof tmp, "<redacted %zu bytes>", n);
    put(o, tmp, (size_t)k);
}

static struct fb_str finish(struct fb_arena *a, struct out *o)
{
    struct fb_str r = fb_arena_strndup(a, o->p ? o->p : "", o->len);
    free(o->p);
    return r;
}

static struct fb_str copy(struct fb_arena *a, struct fb_str s)
{
    return fb_arena_strndup(a, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int in_list(struct fb_str name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fb_str_ieq_cstr(name, list[i]))
            return 1;
    return 0;
}

/* ---- names ----------------------------------------------------------------------- */

static const char *const credential_headers[] = {"Authorization", "Proxy-Authorization"};
static const char *const token_headers[] = {"X-OWA-Canary", "X-Auth-Token", "X-CSRF-Token",
                                            "X-XSRF-Token"};
static const char *const challenge_headers[] = {"WWW-Authenticate", "Proxy-Authenticate"};
/* Challenge schemes whose parameter is an opaque GSS/NTLM blob (RFC 4559). */
static const char *const blob_schemes[] = {"NTLM", "Negotiate", "Kerberos"};
/* A bare word in Authorization that is a scheme name, not a token: kept. */
static const char *const scheme_names[] = {"Basic",     "Bearer",   "Digest", "NTLM",
                                           "Negotiate", "Kerberos", "PoP",    "MSAuth1.0"};

/* OAuth 2.0 (RFC 6749 4.1.2, 4.2.2, 6; OIDC id_token), Azure SAS "sig", OWA canary. */
static const char *const secret_params[] = {"access_token",  "id_token", "refresh_token", "code",
                                            "client_secret", "password", "token",         "sig",
                                            "X-OWA-CANARY",  "canary"};
/* Body fields add the assertion grants (RFC 7521/7523), SAML and WS-Federation token
 * posts, and the Azure AD sign-in form's password field. Usernames are evidence. */
static const char *const secret_fields_extra[] = {"assertion", "client_assertion", "SAMLResponse",
                                                  "wresult",   "passwd",           "pwd"};
/* XML elements whose content is a token or a password (WS-Security, SAML, XML-Enc,
 * WS-Trust proof keys). */
static const char *const secret_elements[] = {
    "BinarySecurityToken", "Assertion", "EncryptedData", "Password", "BinarySecret", "CipherValue"};

int fb_redact_is_secret_header(struct fb_str name)
{
    return in_list(name, credential_headers, FB_ARRAY_LEN(credential_headers)) ||
           in_list(name, token_headers, FB_ARRAY_LEN(token_headers)) ||
           fb_str_ieq_cstr(name, "Cookie") || fb_str_ieq_cstr(name, "Set-Cookie") ||
           in_list(name, challenge_headers, FB_ARRAY_LEN(challenge_headers));
}

int fb_redact_is_secret_param(struct fb_str name)
{
    return in_list(name, secret_params, FB_ARRAY_LEN(secret_params));
}

int fb_redact_is_secret_field(struct fb_str name)
{
    return fb_redact_is_secret_param(name) ||
           in_list(name, secret_fields_extra, FB_ARRAY_LEN(secret_fields_extra));
}

/* ---- headers --------------------------------------------------------------------- */

/* "Scheme credentials" -> "Scheme <redacted N bytes>". */
static void credential(struct out *o, struct fb_str v)
{
    v = fb_str_trim(v);
    size_t i = 0;
    while (i < v.len && !is_ws(v.ptr[i]))
        i++;
    struct fb_str scheme = fb_str_make(v.ptr, i);
    struct fb_str rest = fb_str_trim(fb_str_make(v.ptr + i, v.len - i));
    if (rest.len == 0) {
        if (in_list(scheme, scheme_names, FB_ARRAY_LEN(scheme_names)) || scheme.len == 0)
            put(o, v.ptr, v.len); /* an empty "Bearer" is a probe, and evidence */
        else
            put_redacted_n(o, scheme.len); /* a bare token without a scheme */
        return;
    }
    put(o, scheme.ptr, scheme.len);
    put(o, " ", 1);
    put_redacted_n(o, rest.len);
}

/* Copies a cookie-pair "name=value" redacting the value; s spans up to the ';'. */
static void cookie_pair(struct out *o, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws(s[i]))
        i++;
    put(o, s, i);
    const char *eq = memchr(s + i, '=', n - i);
    size_t vend = n;
    while (vend > i && is_ws(s[vend - 1]))
        vend--;
    if (!eq) { /* a nameless cookie: all of it is the value */
        if (vend > i)
            puts_(o, "<redacted>");
        put(o, s + vend, n - vend);
        return;
    }
    size_t vstart = (size_t)(eq - s) + 1;
    put(o, s + i, vstart - i); /* name= */
    if (vend > vstart)
        puts_(o, "<redacted>");
    else
        vend = vstart;
    put(o, s + vend, n - vend);
}

static void cookie_header(struct out *o, struct fb_str v)
{
    size_t i = 0;
    while (i <= v.len) {
        const char *semi = i < v.len ? memchr(v.ptr + i, ';', v.len - i) : NULL;
        size_t end = semi ? (size_t)(semi - v.ptr) : v.len;
        cookie_pair(o, v.ptr + i, end - i);
        if (!semi)
            break;
        put(o, ";", 1);
        i = end + 1;
    }
}

/* At a ',' inside Set-Cookie: does a new cookie-pair start after it? (Producers fold
 * several Set-Cookie headers into one with ", "; a comma inside Expires is followed by
 * a date, not by "name=".) */
static int new_cookie_after(struct fb_str v, size_t comma)
{
    size_t i = comma + 1;
    while (i < v.len && is_ws(v.ptr[i]))
        i++;
    size_t start = i;
    while (i < v.len && v.ptr[i] != '=' && v.ptr[i] != ';' && v.ptr[i] != ',' && !is_ws(v.ptr[i]))
        i++;
    return i > start && i < v.len && v.ptr[i] == '=';
}

static void set_cookie_header(struct out *o, struct fb_str v)
{
    size_t i = 0;
    while (i < v.len) {
        /* the pair runs to ';' (attributes follow) or a folding ',' */
        size_t end = i;
        while (end < v.len && v.ptr[end] != ';' && !(v.ptr[end] == ',' && new_cookie_after(v, end)))
            end++;
        cookie_pair(o, v.ptr + i, end - i);
        if (end >= v.len)
            return;
        if (v.ptr[end] == ',') {
            put(o, ",", 1);
            i = end + 1;
            continue;
        }
        /* attributes: copied up to a folding comma */
        size_t j = end;
        while (j < v.len && !(v.ptr[j] == ',' && new_cookie_after(v, j)))
            j++;
        put(o, v.ptr + end, j - end);
        if (j >= v.len)
            return;
        put(o, ",", 1);
        i = j + 1;
    }
}

/* WWW-Authenticate: "NTLM <blob>" / "Negotiate <blob>" lose the blob; the rest stays. */
static void challenge_header(struct out *o, struct fb_str v)
{
    size_t i = 0;
    while (i <= v.len) {
        const char *comma = i < v.len ? memchr(v.ptr + i, ',', v.len - i) : NULL;
        size_t end = comma ? (size_t)(comma - v.ptr) : v.len;
        size_t s = i;
        while (s < end && is_ws(v.ptr[s]))
            s++;
        size_t t = s;
        while (t < end && !is_ws(v.ptr[t]))
            t++;
        struct fb_str rest = fb_str_trim(fb_str_make(v.ptr + t, end - t));
        if (rest.len &&
            in_list(fb_str_make(v.ptr + s, t - s), blob_schemes, FB_ARRAY_LEN(blob_schemes))) {
            put(o, v.ptr + i, t - i);
            put(o, " ", 1);
            put_redacted_n(o, rest.len);
        } else {
            put(o, v.ptr + i, end - i);
        }
        if (!comma)
            break;
        put(o, ",", 1);
        i = end + 1;
    }
}

struct fb_str fb_redact_header(struct fb_arena *a, struct fb_str name, struct fb_str value,
                               int redact)
{
    if (!redact || !value.ptr || !fb_redact_is_secret_header(name))
        return copy(a, value);
    struct out o = {0};
    if (in_list(name, credential_headers, FB_ARRAY_LEN(credential_headers)))
        credential(&o, value);
    else if (fb_str_ieq_cstr(name, "Cookie"))
        cookie_header(&o, value);
    else if (fb_str_ieq_cstr(name, "Set-Cookie"))
        set_cookie_header(&o, value);
    else if (in_list(name, challenge_headers, FB_ARRAY_LEN(challenge_headers)))
        challenge_header(&o, value);
    else {
        struct fb_str t = fb_str_trim(value);
        if (t.len)
            put_redacted_n(&o, t.len);
    }
    return finish(a, &o);
}

/* ---- name=value&... lists (query, fragment, form) -------------------------------- */

/* Compares the percent-decoded name (so "access%5Ftoken" is caught too). */
static int secret_name(struct fb_str raw, int (*is_secret)(struct fb_str))
{
    char dec[64];
    size_t n = 0;
    for (size_t i = 0; i < raw.len; i++) {
        if (n == sizeof dec)
            return 0; /* longer than any secret name */
        char c = raw.ptr[i];
        if (c == '%' && i + 2 < raw.len && fb_hex_digit(raw.ptr[i + 1]) >= 0 &&
            fb_hex_digit(raw.ptr[i + 2]) >= 0) {
            c = (char)(fb_hex_digit(raw.ptr[i + 1]) * 16 + fb_hex_digit(raw.ptr[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        dec[n++] = c;
    }
    return is_secret(fb_str_make(dec, n));
}

static void params(struct out *o, struct fb_str s, int (*is_secret)(struct fb_str))
{
    size_t i = 0;
    while (i <= s.len) {
        const char *amp = i < s.len ? memchr(s.ptr + i, '&', s.len - i) : NULL;
        size_t end = amp ? (size_t)(amp - s.ptr) : s.len;
        const char *eq = memchr(s.ptr + i, '=', end - i);
        if (eq && (size_t)(eq - s.ptr) + 1 < end &&
            secret_name(fb_str_make(s.ptr + i, (size_t)(eq - s.ptr) - i), is_secret)) {
            put(o, s.ptr + i, (size_t)(eq - s.ptr) + 1 - i);
            puts_(o, "<redacted>");
        } else {
            put(o, s.ptr + i, end - i);
        }
        if (!amp)
            break;
        put(o, "&", 1);
        i = end + 1;
    }
}

static int scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

struct fb_str fb_redact_url(struct fb_arena *a, struct fb_str url, int redact)
{
    if (!redact || !url.ptr)
        return copy(a, url);
    struct out o = {0};
    const char *p = url.ptr, *end = url.ptr + url.len;
    const char *hash = memchr(p, '#', url.len);
    const char *qend = hash ? hash : end;
    const char *q = memchr(p, '?', (size_t)(qend - p));
    const char *pathend = q ? q : qend;

    /* userinfo password: scheme://user:pw@host */
    const char *sep = NULL;
    for (const char *s = p; s + 2 < pathend; s++) {
        if (s > p && s[0] == ':' && s[1] == '/' && s[2] == '/') {
            sep = s + 3;
            break;
        }
        if (!scheme_char(*s))
            break; /* not "scheme://": a relative URL */
    }
    const char *cur = p;
    if (sep) {
        const char *auth_end = sep;
        while (auth_end < pathend && *auth_end != '/')
            auth_end++;
        const char *at = NULL;
        for (const char *s = sep; s < auth_end; s++)
            if (*s == '@')
                at = s;
        const char *colon = at ? memchr(sep, ':', (size_t)(at - sep)) : NULL;
        if (colon && colon + 1 < at) {
            put(&o, p, (size_t)(colon + 1 - p));
            puts_(&o, "<redacted>");
            cur = at;
        }
    }
    put(&o, cur, (size_t)(pathend - cur));
    if (q) {
        put(&o, "?", 1);
        params(&o, fb_str_make(q + 1, (size_t)(qend - q - 1)), fb_redact_is_secret_param);
    }
    if (hash) {
        put(&o, "#", 1);
        /* OAuth implicit flow returns tokens in the fragment: same rules */
        params(&o, fb_str_make(hash + 1, (size_t)(end - hash - 1)), fb_redact_is_secret_param);
    }
    return finish(a, &o);
}

struct fb_str fb_redact_form(struct fb_arena *a, struct fb_str body, int redact)
{
    if (!redact || !body.ptr)
        return copy(a, body);
    struct out o = {0};
    params(&o, body, fb_redact_is_secret_field);
    return finish(a, &o);
}

/* ---- JSON ------------------------------------------------------------------------ */

/* Index just past the closing quote of the string opening at s[i] == '"' (n when the
 * text ends first); *closed says whether the quote was found. */
static size_t json_string_end(struct fb_str s, size_t i, int *closed)
{
    for (size_t j = i + 1; j < s.len; j++) {
        if (s.ptr[j] == '\\')
            j++;
        else if (s.ptr[j] == '"') {
            *closed = 1;
            return j + 1;
        }
    }
    *closed = 0;
    return s.len;
}

struct fb_str fb_redact_json(struct fb_arena *a, struct fb_str body, int redact)
{
    if (!redact || !body.ptr)
        return copy(a, body);
    struct out o = {0};
    size_t i = 0, done = 0; /* body[done..i) not yet copied */
    while (i < body.len) {
        if (body.ptr[i] != '"') {
            i++;
            continue;
        }
        int closed;
        size_t kend = json_string_end(body, i, &closed);
        if (!closed)
            break;
        struct fb_str key = fb_str_make(body.ptr + i + 1, kend - i - 2);
        size_t k = kend;
        while (k < body.len && is_ws(body.ptr[k]))
            k++;
        if (k >= body.len || body.ptr[k] != ':' || !fb_redact_is_secret_field(key)) {
            i = kend;
            continue;
        }
        k++;
        while (k < body.len && is_ws(body.ptr[k]))
            k++;
        if (k >= body.len || body.ptr[k] != '"') {
            i = k; /* not a string value: kept */
            continue;
        }
        size_t vend = json_string_end(body, k, &closed);
        size_t inner = vend - k - 1 - (closed ? 1 : 0);
        if (inner > 0) {
            put(&o, body.ptr + done, k + 1 - done);
            puts_(&o, "<redacted>");
            if (closed)
                put(&o, "\"", 1);
            done = vend;
        }
        i = vend;
    }
    put(&o, body.ptr + done, body.len - done);
    return finish(a, &o);
}

/* ---- XML / SOAP ------------------------------------------------------------------ */

static int name_char_end(char c)
{
    return is_ws(c) || c == '>' || c == '/';
}

/* Index of the '>' ending the tag that starts at s[i] == '<' (quotes respected), or
 * s.len when the text ends first. */
static size_t tag_end(struct fb_str s, size_t i)
{
    char quote = 0;
    for (size_t j = i + 1; j < s.len; j++) {
        char c = s.ptr[j];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return j;
        }
    }
    return s.len;
}

/* Does s at i hold qname followed by a name end? */
static int qname_at(struct fb_str s, size_t i, struct fb_str qname)
{
    return i + qname.len < s.len && memcmp(s.ptr + i, qname.ptr, qname.len) == 0 &&
           name_char_end(s.ptr[i + qname.len]);
}

/* Start of the end tag that closes the element of qname whose content starts at from,
 * counting nested elements of the same name (SAML Advice can hold Assertions); s.len
 * when it never closes. */
static size_t close_tag(struct fb_str s, size_t from, struct fb_str qname)
{
    int depth = 1;
    for (size_t j = from; j < s.len; j++) {
        if (s.ptr[j] != '<')
            continue;
        if (j + 1 < s.len && s.ptr[j + 1] == '/' && qname_at(s, j + 2, qname)) {
            if (--depth == 0)
                return j;
        } else if (qname_at(s, j + 1, qname)) {
            size_t e = tag_end(s, j);
            if (e < s.len && s.ptr[e - 1] != '/')
                depth++;
            j = e < s.len ? e : s.len;
        }
    }
    return s.len;
}

struct fb_str fb_redact_soap(struct fb_arena *a, struct fb_str body, int redact)
{
    if (!redact || !body.ptr)
        return copy(a, body);
    struct out o = {0};
    size_t i = 0, done = 0;
    while (i < body.len) {
        if (body.ptr[i] != '<' || i + 1 >= body.len || body.ptr[i + 1] == '/' ||
            body.ptr[i + 1] == '!' || body.ptr[i + 1] == '?') {
            i++;
            continue;
        }
        size_t n = i + 1;
        while (n < body.len && !name_char_end(body.ptr[n]))
            n++;
        struct fb_str qname = fb_str_make(body.ptr + i + 1, n - i - 1);
        const char *colon = memchr(qname.ptr, ':', qname.len);
        struct fb_str local = qname;
        if (colon)
            local = fb_str_make(colon + 1, (size_t)(qname.ptr + qname.len - colon - 1));
        int secret = 0;
        for (size_t k = 0; k < FB_ARRAY_LEN(secret_elements); k++)
            if (fb_str_eq(local, fb_str_cstr(secret_elements[k])))
                secret = 1;
        size_t e = tag_end(body, i);
        if (!secret || e >= body.len || body.ptr[e - 1] == '/') {
            i = e < body.len ? e + 1 : body.len;
            continue;
        }
        size_t content = e + 1;
        size_t c = close_tag(body, content, qname);
        if (c > content) {
            put(&o, body.ptr + done, content - done);
            put_redacted_n(&o, c - content);
            done = c;
        }
        i = c;
    }
    put(&o, body.ptr + done, body.len - done);
    return finish(a, &o);
}

/* ---- dispatch -------------------------------------------------------------------- */

struct fb_str fb_redact_body(struct fb_arena *a, struct fb_str content_type, struct fb_str body,
                             int redact)
{
    struct fb_str ct = content_type.ptr ? content_type : fb_str_make("", 0);
    const char *semi = memchr(ct.ptr, ';', ct.len);
    struct fb_str mt = fb_str_trim(fb_str_make(ct.ptr, semi ? (size_t)(semi - ct.ptr) : ct.len));
    if (fb_str_ieq_cstr(mt, "application/x-www-form-urlencoded"))
        return fb_redact_form(a, body, redact);
    int json = fb_str_ieq_cstr(mt, "application/json") || fb_str_ieq_cstr(mt, "text/json") ||
               (mt.len > 5 && fb_str_ieq_cstr(fb_str_make(mt.ptr + mt.len - 5, 5), "+json"));
    if (json)
        return fb_redact_json(a, body, redact);
    int xml = fb_str_ieq_cstr(mt, "text/xml") || fb_str_ieq_cstr(mt, "application/xml") ||
              (mt.len > 4 && fb_str_ieq_cstr(fb_str_make(mt.ptr + mt.len - 4, 4), "+xml"));
    if (xml)
        return fb_redact_soap(a, body, redact);
    return copy(a, body);
}

/* ---- free text ------------------------------------------------------------------- */

/* Parameter names that are secrets wherever they appear in prose. The shorter URL names
 * ("code", "token", "sig") are left out here: in an error message they are words
 * ("error code=500"), not credentials. */
static const char *const text_params[] = {
    "access_token", "id_token", "refresh_token", "client_secret", "client_assertion",
    "password",     "passwd",   "X-OWA-CANARY",  "SAMLResponse",  "wresult"};

#define TEXT_TOKEN_MIN 16 /* shorter words after a scheme name are prose, not tokens */
#define TEXT_JWT_MIN 32

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static int word_char(char c)
{
    return alnum(c) || c == '_' || c == '-' || c == '.';
}
static int token68_char(char c)
{
    return alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* Length of an RFC 7235 token68 at s[i..] that ends where a word would end (not inside
 * "authorization_uri=https://..."), or 0. */
static size_t token68_at(struct fb_str s, size_t i)
{
    size_t e = i;
    while (e < s.len && token68_char(s.ptr[e]))
        e++;
    while (e < s.len && s.ptr[e] == '=')
        e++;
    if (e == i || (e < s.len && (word_char(s.ptr[e]) || s.ptr[e] == ':')))
        return 0;
    return e - i;
}

/* Length of a JWT ("eyJ" header, two dots) at s[i..], or 0. */
static size_t jwt_at(struct fb_str s, size_t i)
{
    if (s.len - i < 3 || memcmp(s.ptr + i, "eyJ", 3) != 0)
        return 0;
    size_t e = i, dots = 0;
    while (e < s.len && (alnum(s.ptr[e]) || s.ptr[e] == '-' || s.ptr[e] == '_' || s.ptr[e] == '.'))
        dots += s.ptr[e++] == '.';
    while (e > i && s.ptr[e - 1] == '.') /* a sentence's full stop is not the token's */
        e--, dots--;
    return dots >= 2 && e - i >= TEXT_JWT_MIN ? e - i : 0;
}

struct fb_str fb_redact_text(struct fb_arena *a, struct fb_str text, int redact)
{
    if (!redact)
        return copy(a, text);
    struct fb_str s = fb_redact_soap(a, text, 1);
    struct out o = {0};
    size_t i = 0, last = 0;
    while (i < s.len) {
        if (!alnum(s.ptr[i]) || (i > 0 && word_char(s.ptr[i - 1]))) {
            i++;
            continue;
        }
        size_t n = jwt_at(s, i);
        if (n) {
            put(&o, s.ptr + last, i - last);
            put_redacted_n(&o, n);
            i = last = i + n;
            continue;
        }
        size_t j = i;
        while (j < s.len && (alnum(s.ptr[j]) || s.ptr[j] == '_' || s.ptr[j] == '-'))
            j++;
        struct fb_str word = fb_str_make(s.ptr + i, j - i);
        if (in_list(word, scheme_names, FB_ARRAY_LEN(scheme_names))) {
            size_t k = j;
            while (k < s.len && (s.ptr[k] == ' ' || s.ptr[k] == '\t'))
                k++;
            n = k > j ? token68_at(s, k) : 0;
            if (n >= TEXT_TOKEN_MIN) {
                put(&o, s.ptr + last, k - last);
                put_redacted_n(&o, n);
                i = last = k + n;
                continue;
            }
        } else if (j < s.len && s.ptr[j] == '=' &&
                   in_list(word, text_params, FB_ARRAY_LEN(text_params))) {
            size_t e = j + 1;
            while (e < s.len && !is_ws(s.ptr[e]) && !strchr("&;,\"'<>)", s.ptr[e]))
                e++;
            if (e > j + 1) {
                put(&o, s.ptr + last, j + 1 - last);
                puts_(&o, "<redacted>");
                i = last = e;
                continue;
            }
        }
        i = j > i ? j : i + 1;
    }
    put(&o, s.ptr + last, s.len - last);
    return finish(a, &o);
}
