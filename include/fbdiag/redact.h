/* redact.h - removes secrets from what fbdiag prints: credentials in headers, cookie
 * values, OAuth and SAS parameters in URLs and form bodies, JSON string fields with a
 * secret name, and security tokens inside SOAP bodies. What stays is evidence: auth
 * schemes, cookie names, parameter names, token lengths, mailbox addresses.
 * docs/internals/redaction.md lists every rule and why.
 *
 * Names are matched exactly (ASCII case-insensitive), never through a regex built from
 * data (Cloudflare har-sanitizer #49: cookie names holding '+' or '^' escaped redaction).
 *
 * Ownership: every function returns a fresh NUL-terminated copy allocated in the arena a
 * (the NUL is not counted in len), also when nothing was redacted or redact == 0. Inputs
 * are borrowed and never modified; they need not be NUL-terminated.
 *
 * Placeholders: a whole credential or token becomes "<redacted N bytes>" (N = its length:
 * an empty or a 2 KB token tells a story); a name=value pair keeps its name and gets
 * "<redacted>" as value. Empty values stay empty (nothing to hide, and an empty cookie is
 * evidence too).
 */
#ifndef FB_REDACT_H
#define FB_REDACT_H

#include "fbdiag/util.h"

struct fb_arena;

/* 1 when a header of this name has its value redacted, wholly or in part
 * (Authorization, Cookie, WWW-Authenticate blobs, ...). */
int fb_redact_is_secret_header(struct fb_str name);
/* 1 when a URL query/fragment parameter of this name has its value redacted. */
int fb_redact_is_secret_param(struct fb_str name);
/* 1 when a form or JSON body field of this name has its value redacted (the URL names
 * plus assertion, client_assertion, SAMLResponse, wresult, passwd, ...). */
int fb_redact_is_secret_field(struct fb_str name);

/* The value to print for header name: value.
 *   Authorization, Proxy-Authorization: "Bearer <redacted 1234 bytes>" (scheme kept;
 *     a bare scheme such as an empty "Bearer" is kept as is);
 *   Cookie: "a=<redacted>; b=<redacted>"; Set-Cookie: first pair's value only, the
 *     attributes (Path, Expires, Secure...) are kept;
 *   WWW-Authenticate, Proxy-Authenticate: the blob after NTLM, Negotiate or Kerberos
 *     becomes "<redacted N bytes>"; Basic/Bearer parameters (realm, authorization_uri)
 *     are kept;
 *   X-OWA-Canary, X-Auth-Token, X-CSRF-Token, X-XSRF-Token: "<redacted N bytes>";
 *   anything else unchanged. */
struct fb_str fb_redact_header(struct fb_arena *a, struct fb_str name, struct fb_str value,
                               int redact);

/* The URL with the values of secret query and fragment parameters replaced by
 * "<redacted>" and a userinfo password ("user:pw@") replaced too. */
struct fb_str fb_redact_url(struct fb_arena *a, struct fb_str url, int redact);

/* application/x-www-form-urlencoded body: values of secret fields -> "<redacted>". */
struct fb_str fb_redact_form(struct fb_arena *a, struct fb_str body, int redact);

/* JSON text (whole or truncated): the string value of every member whose key is a secret
 * field becomes "<redacted>"; the bytes around it are kept exactly. Non-string values are
 * kept. Keys are compared as written (a key spelled with \u escapes is not matched). */
struct fb_str fb_redact_json(struct fb_arena *a, struct fb_str body, int redact);

/* XML/SOAP text (whole or truncated): the content of every BinarySecurityToken,
 * Assertion, EncryptedData, Password, BinarySecret and CipherValue element (any
 * namespace prefix; start tag and its attributes kept) becomes "<redacted N bytes>".
 * An element without its end tag is redacted to the end of the text. */
struct fb_str fb_redact_soap(struct fb_arena *a, struct fb_str body, int redact);

/* Picks the body redactor from a Content-Type value: form, JSON (application/json, any
 * +json, text/json), XML (text/xml, application/xml, any +xml including soap+xml);
 * other types are copied unchanged. */
struct fb_str fb_redact_body(struct fb_arena *a, struct fb_str content_type, struct fb_str body,
                             int redact);

/* Free text (an error message, a fault string, evidence quoting them): SOAP token
 * elements as fb_redact_soap does (a SAML Assertion embedded in a message), then
 *   a token68 of at least 16 bytes after an auth scheme name ("Bearer eyJ0..." ->
 *     "Bearer <redacted N bytes>"; "Bearer authorization_uri=..." and short words stay);
 *   a JWT anywhere ("eyJ" header, two dots, at least 32 bytes) -> "<redacted N bytes>";
 *   access_token=, id_token=, refresh_token=, client_secret=, client_assertion=,
 *     password=, passwd=, X-OWA-CANARY=, SAMLResponse=, wresult= values -> "<redacted>".
 * Mailbox addresses, URLs without secrets and everything else are kept. */
struct fb_str fb_redact_text(struct fb_arena *a, struct fb_str text, int redact);

#endif /* FB_REDACT_H */
