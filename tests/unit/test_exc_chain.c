/* test_exc_chain.c - the exception chain parser and the facts of a finding's text
 * (fb_exc_chain_parse, fb_finding_parse_text) over the exact wire texts of
 * research-signatures.md, their every truncation, the caps, and the enum names. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/extract.h"

struct exp_link {
    const char *type, *message, *web_status;
    int socket_error, http_status;
    const char *server, *lid;
};

#define MAX_EXP_LINKS 5
#define MAX_EXP_URLS 3

struct exc_case {
    const char *name; /* research-signatures.md number and form */
    const char *text;
    size_t n_links;
    struct exp_link links[MAX_EXP_LINKS];
    const char *leg;
    const char *diag_code, *diag_reason, *diag_category;
    const char *wstrust_code, *wstrust_subcode, *wstrust_reason;
    const char *psf_value, *psf_code, *psf_text;
    int fragment;
    size_t n_urls;
    const char *urls[MAX_EXP_URLS];
};

#define PROXY "Proxy web request failed."
#define NT NULL /* no type */
#define WEBEX "System.Net.WebException"
#define IOEX "System.IO.IOException"
#define SOCKEX "System.Net.Sockets.SocketException"
#define AVAIL "Microsoft.Exchange.InfoWorker.Common.Availability."

/* The seed (ASHOUR's OWA JSON MessageText, after JSON unescaping). */
#define SEED_TEXT                                                                                  \
    "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "        \
    "connection was closed: An unexpected error occurred on a receive. ---> "                      \
    "System.IO.IOException: Unable to read data from the transport connection: An "                \
    "existing connection was forcibly closed by the remote host. ---> "                            \
    "System.Net.Sockets.SocketException: An existing connection was forcibly closed by "           \
    "the remote host"

static const struct exc_case cases[] = {
    {.name = "#1 proxy-connect-timeout",
     .text = "Proxy web request failed. , inner exception: System.Net.WebException: Unable to "
             "connect to the remote server ; System.Net.Sockets.SocketException: A connection "
             "attempt failed because the connected party did not properly respond after a period "
             "of time, or established connection failed because connected host has failed to "
             "respond",
     .n_links = 3,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {WEBEX, "Unable to connect to the remote server", "ConnectFailure", 0, 0, NULL,
                NULL},
               {SOCKEX,
                "A connection attempt failed because the connected party did not properly respond "
                "after a period of time, or established connection failed because connected host "
                "has failed to respond",
                NULL, 10060, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#2 proxy-connection-forcibly-closed (separators lost)",
     .text = "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "
             "connection was closed: An unexpected error occurred on a receive. "
             "System.IO.IOException: Unable to read data from the transport connection: An "
             "existing connection was forcibly closed by the remote host. "
             "System.Net.Sockets.SocketException: An existing connection was forcibly closed by "
             "the remote host.",
     .n_links = 4,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {WEBEX,
                "The underlying connection was closed: An unexpected error occurred on a receive.",
                "ReceiveFailure", 0, 0, NULL, NULL},
               {IOEX,
                "Unable to read data from the transport connection: An existing connection was "
                "forcibly closed by the remote host.",
                NULL, 10054, 0, NULL, NULL},
               {SOCKEX, "An existing connection was forcibly closed by the remote host.", NULL,
                10054, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#3 seed OWA text",
     .text = SEED_TEXT,
     .n_links = 4,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {WEBEX,
                "The underlying connection was closed: An unexpected error occurred on a receive.",
                "ReceiveFailure", 0, 0, NULL, NULL},
               {IOEX,
                "Unable to read data from the transport connection: An existing connection was "
                "forcibly closed by the remote host.",
                NULL, 10054, 0, NULL, NULL},
               {SOCKEX, "An existing connection was forcibly closed by the remote host", NULL,
                10054, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#4 event 4002 CrossSite",
     .text = "ProxyWebRequest CrossSite from <user>@contoso.mail.onmicrosoft.com to https://<FQDN "
             "of non-Internet-facing Exchange>:443/ews/exchange.asmx failed. Caller SIDs: "
             "WSSecurity. The exception returned is "
             "Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException:"
             " System.Net.WebException: The underlying connection was closed: An unexpected error "
             "occurred on a receive.",
     .n_links = 3,
     .links = {{NT,
                "ProxyWebRequest CrossSite from <user>@contoso.mail.onmicrosoft.com to "
                "https://<FQDN of non-Internet-facing Exchange>:443/ews/exchange.asmx failed. "
                "Caller SIDs: WSSecurity. The exception returned is",
                NULL, 0, 0, NULL, NULL},
               {AVAIL "ProxyWebRequestProcessingException", "", NULL, 0, 0, NULL, NULL},
               {WEBEX,
                "The underlying connection was closed: An unexpected error occurred on a receive.",
                "ReceiveFailure", 0, 0, NULL, NULL}},
     .leg = "ews-proxy"}, /* the URL is a placeholder: no host, not kept */
    {.name = "#5 tls-secure-channel",
     .text = "The request was aborted: Could not create SSL/TLS secure channel.",
     .n_links = 1,
     .links = {{NT, "The request was aborted: Could not create SSL/TLS secure channel.",
                "SecureChannelFailure", 0, 0, NULL, NULL}}},
    {.name = "#6 response-not-wellformed-xml",
     .text = "Proxy web request failed., inner exception: Response is not well-formed XML",
     .n_links = 2,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {NT, "Response is not well-formed XML", NULL, 0, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#7 proxy-503",
     .text = "Proxy web request failed, inner exception: System.Net.WebException: The request "
             "failed with HTTP status 503: Service Unavailable...",
     .n_links = 2,
     .links = {{NT, "Proxy web request failed", NULL, 0, 0, NULL, NULL},
               {WEBEX, "The request failed with HTTP status 503: Service Unavailable...",
                "ProtocolError", 0, 503, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#8 proxy-504-hybrid-agent with its LID",
     .text = "Proxy web request failed, inner exception: The request failed with HTTP status 504: "
             "Gateway Timeout... LID: 43532",
     .n_links = 2,
     .links = {{NT, "Proxy web request failed", NULL, 0, 0, NULL, NULL},
               {NT, "The request failed with HTTP status 504: Gateway Timeout...", "ProtocolError",
                0, 504, NULL, "43532"}},
     .leg = "ews-proxy"},
    {.name = "#10 proxy-401-preauth, EWS form",
     .text = "Proxy web request failed. ,inner exception: The request failed with HTTP status 401: "
             "Unauthorized.",
     .n_links = 2,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {NT, "The request failed with HTTP status 401: Unauthorized.", "ProtocolError", 0,
                401, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#10 proxy-401-preauth, Autodiscover form",
     .text = "Autodiscover failed for email address. ,inner exception: The request failed with "
             "HTTP status 401: Unauthorized.",
     .n_links = 2,
     .links = {{NT, "Autodiscover failed for email address.", NULL, 0, 0, NULL, NULL},
               {NT, "The request failed with HTTP status 401: Unauthorized.", "ProtocolError", 0,
                401, NULL, NULL}},
     .leg = "autodiscover"},
    {.name = "#13 autod-soapheader-verifying-security",
     .text = "Autodiscover failed for email address <smtp address> with error "
             "System.Web.Services.Protocols.SoapHeaderException: An error occurred when verifying "
             "security for the message",
     .n_links = 2,
     .links = {{NT, "Autodiscover failed for email address <smtp address> with error", NULL, 0, 0,
                NULL, NULL},
               {"System.Web.Services.Protocols.SoapHeaderException",
                "An error occurred when verifying security for the message", NULL, 0, 0, NULL,
                NULL}},
     .leg = "autodiscover"},
    {.name = "#14 autod-404",
     .text = "Autodiscover failed for email address <user SMTP address> with error "
             "System.Net.WebException: The request failed with HTTP status code 404 Not Found.",
     .n_links = 2,
     .links = {{NT, "Autodiscover failed for email address <user SMTP address> with error", NULL, 0,
                0, NULL, NULL},
               {WEBEX, "The request failed with HTTP status code 404 Not Found.", "ProtocolError",
                0, 404, NULL, NULL}},
     .leg = "autodiscover"},
    {.name = "#16 autod-remote-name-not-resolved",
     .text = "Autodiscover failed for E-Mail Address <user email address> with error "
             "System.Net.WebException: The remote name could not be resolved: '<on-premises host "
             "name>'.",
     .n_links = 2,
     .links = {{NT, "Autodiscover failed for E-Mail Address <user email address> with error", NULL,
                0, 0, NULL, NULL},
               {WEBEX, "The remote name could not be resolved: '<on-premises host name>'.",
                "NameResolutionFailure", 0, 0, NULL, NULL}},
     .leg = "autodiscover"},
    {.name = "#21 security-tokens-processing",
     .text = "Proxy web request failed. , inner exception: An error occurred when processing the "
             "security tokens in the message.",
     .n_links = 2,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {NT, "An error occurred when processing the security tokens in the message.", NULL,
                0, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "#22 wstrust-member-name-invalid",
     .text = "<S:Value>wst:FailedAuthentication</S:Value> \xe2\x80\xa6 <S:Text "
             "xml:lang=\"en-US\">Authentication Failure</S:Text> \xe2\x80\xa6 "
             "<psf:value>0x80048821</psf:value> <psf:code>0x80041034</psf:code> <psf:text>The "
             "specified member name is either invalid or empty. </psf:text> \xe2\x80\xa6 "
             "Microsoft.Exchange.Net.WSTrust.SoapFaultException: Soap fault exception received. "
             "at Microsoft.Exchange.Net.WSTrust.SecurityTokenService.EndIssueToken(...) at "
             "Microsoft.Exchange.InfoWorker.Common.Availability.ExternalAuthenticationRequest."
             "Complete(...)",
     .n_links = 2,
     .links = {{NT,
                "<S:Value>wst:FailedAuthentication</S:Value> \xe2\x80\xa6 <S:Text "
                "xml:lang=\"en-US\">Authentication Failure</S:Text> \xe2\x80\xa6 "
                "<psf:value>0x80048821</psf:value> <psf:code>0x80041034</psf:code> <psf:text>The "
                "specified member name is either invalid or empty. </psf:text> \xe2\x80\xa6",
                NULL, 0, 0, NULL, NULL},
               {"Microsoft.Exchange.Net.WSTrust.SoapFaultException",
                "Soap fault exception received.", NULL, 0, 0, NULL, NULL}},
     .leg = "federation-token",
     .wstrust_subcode = "wst:FailedAuthentication",
     .wstrust_reason = "Authentication Failure",
     .psf_value = "0x80048821",
     .psf_code = "0x80041034",
     .psf_text = "The specified member name is either invalid or empty.",
     .fragment = 1},
    {.name = "#26 extsts-unreachable",
     .text = "Failed to communicate with https://login.microsoftonline.com/extSTS.srf., inner "
             "exception: Unable to connect to the remote server.",
     .n_links = 2,
     .links = {{NT, "Failed to communicate with https://login.microsoftonline.com/extSTS.srf.",
                NULL, 0, 0, NULL, NULL},
               {NT, "Unable to connect to the remote server.", "ConnectFailure", 0, 0, NULL, NULL}},
     .leg = "federation-token",
     .n_urls = 1,
     .urls = {"https://login.microsoftonline.com/extSTS.srf"}},
    {.name = "#28 oauth-user-ambiguous",
     .text = "Exception Proxy web request failed. , inner exception: The request failed with HTTP "
             "status 401: Unauthorized diagnostics: 2000005;reason= \"The user specified by the "
             "user-context in the token is ambiguous.\" ;error_category=\"invalid_user\"",
     .n_links = 2,
     .links = {{NT, "Exception Proxy web request failed.", NULL, 0, 0, NULL, NULL},
               {NT,
                "The request failed with HTTP status 401: Unauthorized diagnostics: "
                "2000005;reason= \"The user specified by the user-context in the token is "
                "ambiguous.\" ;error_category=\"invalid_user\"",
                "ProtocolError", 0, 401, NULL, NULL}},
     .leg = "ews-proxy",
     .diag_code = "2000005",
     .diag_reason = "The user specified by the user-context in the token is ambiguous.",
     .diag_category = "invalid_user"},
    {.name = "#29 oauth-user-not-exist (no diagnostics: prefix)",
     .text = "The user specified by the user-context in the token does not exist. "
             "error_category=\"invalid_user\". 401: Unauthorized.",
     .n_links = 1,
     .links = {{NT,
                "The user specified by the user-context in the token does not exist. "
                "error_category=\"invalid_user\". 401: Unauthorized.",
                NULL, 0, 0, NULL, NULL}},
     .diag_category = "invalid_user"},
    {.name = "#30 oauth-invalid-signature, client form",
     .text = "System.Net.WebException: The request failed with HTTP status 401: Unauthorized.",
     .n_links = 1,
     .links = {{WEBEX, "The request failed with HTTP status 401: Unauthorized.", "ProtocolError", 0,
                401, NULL, NULL}}},
    {.name = "#30 oauth-invalid-signature, Test-OAuthConnectivity form",
     .text = "diagnostics: 2000000; reason=\"The token has an invalid "
             "signature.\";error_category=\"invalid_signature\".",
     .n_links = 1,
     .links = {{NT,
                "diagnostics: 2000000; reason=\"The token has an invalid "
                "signature.\";error_category=\"invalid_signature\".",
                NULL, 0, 0, NULL, NULL}},
     .diag_code = "2000000",
     .diag_reason = "The token has an invalid signature.",
     .diag_category = "invalid_signature"},
    {.name = "#36 config-forest-domain-not-found",
     .text = "Configuration information for forest/domain <domain> could not be found in Active "
             "Directory.",
     .n_links = 1,
     .links = {{NT,
                "Configuration information for forest/domain <domain> could not be found in "
                "Active Directory.",
                NULL, 0, 0, NULL, NULL}}},
    {.name = "#38 mail-recipient-not-found (escaped CR LF kept by the source)",
     .text = "Microsoft.Exchange.InfoWorker.Common.Availability.MailRecipientNotFoundException: "
             "Unable to resolve e-mail address <user> to an Active Directory object.\\r\\n. Name "
             "of the server where exception originated: <host>.",
     .n_links = 1,
     .links = {{AVAIL "MailRecipientNotFoundException",
                "Unable to resolve e-mail address <user> to an Active Directory object.", NULL, 0,
                0, "<host>", NULL}}},
    {.name = "#39 invalid-orgrel-for-dispatcher",
     .text = "The mail recipient is not found in Active Directory., inner exception: "
             "Microsoft.Exchange.InfoWorker.Common.Availability."
             "InvalidOrganizationRelationshipForRequestDispatcherException: The organization "
             "relationship <name> can't be used. Please confirm that the organization "
             "relationship is configured correctly.",
     .n_links = 2,
     .links = {{NT, "The mail recipient is not found in Active Directory.", NULL, 0, 0, NULL, NULL},
               {AVAIL "InvalidOrganizationRelationshipForRequestDispatcherException",
                "The organization relationship <name> can't be used. Please confirm that the "
                "organization relationship is configured correctly.",
                NULL, 0, 0, NULL, NULL}}},
    {.name = "#44 timeout, short form (not a WebException: no Timeout status)",
     .text = "The request timed out",
     .n_links = 1,
     .links = {{NT, "The request timed out", NULL, 0, 0, NULL, NULL}}},
    {.name = "#44 timeout, exception form",
     .text = "Microsoft.Exchange.InfoWorker.Common.Availability.TimeoutExpiredException: Request "
             "could not be processed in time. Timeout occurred during "
             "'Waiting-For-Request-Completion'.. Name of the server where exception originated: "
             "<server name>.",
     .n_links = 1,
     .links = {{AVAIL "TimeoutExpiredException",
                "Request could not be processed in time. Timeout occurred during "
                "'Waiting-For-Request-Completion'..",
                NULL, 0, 0, "<server name>", NULL}}},
    {.name = "#45 result-set-too-big (type wrapped after a dot)",
     .text = "Microsoft.Exchange.InfoWorker.Common.Availability. ResultSetTooBigException: The "
             "result set contains too many calendar entries. The allowed size = 1000; the actual "
             "size = <xxxx>",
     .n_links = 1,
     .links = {{AVAIL "ResultSetTooBigException",
                "The result set contains too many calendar entries. The allowed size = 1000; the "
                "actual size = <xxxx>",
                NULL, 0, 0, NULL, NULL}}},
    {.name = "on a send (TLS), not on a receive",
     .text = "Proxy web request failed. , inner exception: System.Net.WebException: The underlying "
             "connection was closed: An unexpected error occurred on a send. ---> "
             "System.IO.IOException: Authentication failed because the remote party has closed "
             "the transport stream.",
     .n_links = 3,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {WEBEX,
                "The underlying connection was closed: An unexpected error occurred on a send.",
                "SendFailure", 0, 0, NULL, NULL},
               {IOEX,
                "Authentication failed because the remote party has closed the transport stream.",
                NULL, 0, 0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "German localised chain: only (10054) survives",
     .text = "Proxy web request failed. , inner exception: System.Net.WebException: Die zugrunde "
             "liegende Verbindung wurde geschlossen: Unerwarteter Fehler beim Empfangen. ---> "
             "System.IO.IOException: Von der \xc3\x9c"
             "bertragungsverbindung k\xc3\xb6nnen keine Daten gelesen werden: Eine vorhandene "
             "Verbindung wurde vom Remotehost geschlossen. ---> "
             "System.Net.Sockets.SocketException (10054): Eine vorhandene Verbindung wurde vom "
             "Remotehost geschlossen.",
     .n_links = 4,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {WEBEX,
                "Die zugrunde liegende Verbindung wurde geschlossen: Unerwarteter Fehler beim "
                "Empfangen.",
                NULL, 0, 0, NULL, NULL},
               {IOEX,
                "Von der \xc3\x9c"
                "bertragungsverbindung k\xc3\xb6nnen keine Daten gelesen werden: Eine vorhandene "
                "Verbindung wurde vom Remotehost geschlossen.",
                NULL, 0, 0, NULL, NULL},
               {SOCKEX, "Eine vorhandene Verbindung wurde vom Remotehost geschlossen.", NULL, 10054,
                0, NULL, NULL}},
     .leg = "ews-proxy"},
    {.name = "OWA full ToString: escaped CR LF, frames, End markers, server and LID",
     .text = "System.Net.WebException: The underlying connection was closed: An unexpected error "
             "occurred on a receive. ---> System.IO.IOException: Unable to read data from the "
             "transport connection: An existing connection was forcibly closed by the remote "
             "host. ---> System.Net.Sockets.SocketException: An existing connection was forcibly "
             "closed by the remote host\\r\\n   at System.Net.Sockets.Socket.Receive(Byte[] "
             "buffer, Int32 offset, Int32 size, SocketFlags socketFlags)\\r\\n   at "
             "System.Net.Sockets.NetworkStream.Read(Byte[] buffer, Int32 offset, Int32 "
             "size)\\r\\n   --- End of inner exception stack trace ---\\r\\n   at "
             "System.Net.ConnectStream.Read(Byte[] buffer) in c:\\src\\x.cs:line 42\\r\\n   --- "
             "End of inner exception stack trace ---\\r\\n   at "
             "System.Net.HttpWebRequest.GetResponse(). Name of the server where exception "
             "originated: AM6PR04MB1234. LID: 43532",
     .n_links = 3,
     .links = {{WEBEX,
                "The underlying connection was closed: An unexpected error occurred on a receive.",
                "ReceiveFailure", 0, 0, "AM6PR04MB1234", "43532"},
               {IOEX,
                "Unable to read data from the transport connection: An existing connection was "
                "forcibly closed by the remote host.",
                NULL, 10054, 0, NULL, NULL},
               {SOCKEX, "An existing connection was forcibly closed by the remote host", NULL,
                10054, 0, NULL, NULL}}},
    {.name = "EWS inner message without type: operation timed out, refused, no such host",
     .text = "Proxy web request failed. , inner exception: The operation has timed out, inner "
             "exception: Unable to connect to the remote server ---> "
             "System.Net.Sockets.SocketException: No connection could be made because the target "
             "machine actively refused it 10.0.0.1:443 ---> System.Net.Sockets.SocketException: "
             "No such host is known",
     .n_links = 5,
     .links = {{NT, PROXY, NULL, 0, 0, NULL, NULL},
               {NT, "The operation has timed out", "Timeout", 0, 0, NULL, NULL},
               {NT, "Unable to connect to the remote server", "ConnectFailure", 0, 0, NULL, NULL},
               {SOCKEX,
                "No connection could be made because the target machine actively refused it "
                "10.0.0.1:443",
                NULL, 10061, 0, NULL, NULL},
               {SOCKEX, "No such host is known", NULL, 11001, 0, NULL, NULL}},
     .leg = "ews-proxy"},
};

/* Criterion may run each parameter in a re-executed process (address randomisation), so
 * the parameters are indexes into cases[], never pointers. */
static size_t case_index[FB_ARRAY_LEN(cases)];

static void init_case_index(void)
{
    for (size_t i = 0; i < FB_ARRAY_LEN(cases); i++)
        case_index[i] = i;
}

ParameterizedTestParameters(exc_chain, signature_texts)
{
    init_case_index();
    return cr_make_param_array(size_t, case_index, FB_ARRAY_LEN(cases), NULL);
}

static void expect_str(const char *what, const char *name, const char *got, const char *want)
{
    if (!want)
        cr_expect_null(got, "%s: %s: expected NULL, got \"%s\"", name, what, got);
    else
        cr_expect(got && strcmp(got, want) == 0, "%s: %s: expected \"%s\", got \"%s\"", name, what,
                  want, got ? got : "(null)");
}

ParameterizedTest(size_t *idx, exc_chain, signature_texts)
{
    const struct exc_case *c = &cases[*idx];
    struct fb_arena a;
    fb_arena_init(&a);
    /* the text is copied into a heap buffer without NUL that is wiped after parsing:
     * results must be arena copies and must not read past the slice */
    size_t n = strlen(c->text);
    char *buf = fb_xmalloc(n ? n : 1);
    memcpy(buf, c->text, n);
    struct fb_exc_chain ch;
    fb_exc_chain_parse(fb_str_make(buf, n), &a, &ch);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    f.message_text = fb_arena_cstr(&a, buf, n);
    fb_finding_parse_text(&f, &a);
    memset(buf, 'X', n);
    free(buf);

    cr_assert_eq(ch.n_links, c->n_links, "%s: %zu links, expected %zu", c->name, ch.n_links,
                 c->n_links);
    cr_assert_eq(f.chain.n_links, c->n_links, "%s: finding chain", c->name);
    for (size_t i = 0; i < c->n_links; i++) {
        const struct exp_link *e = &c->links[i];
        for (int pass = 0; pass < 2; pass++) {
            const struct fb_exc_link *l = pass ? &f.chain.links[i] : &ch.links[i];
            char what[64];
            snprintf(what, sizeof what, "link %zu type", i);
            expect_str(what, c->name, l->type, e->type);
            snprintf(what, sizeof what, "link %zu message", i);
            expect_str(what, c->name, l->message, e->message);
            snprintf(what, sizeof what, "link %zu web_status", i);
            expect_str(what, c->name, l->web_status, e->web_status);
            snprintf(what, sizeof what, "link %zu server", i);
            expect_str(what, c->name, l->server, e->server);
            snprintf(what, sizeof what, "link %zu lid", i);
            expect_str(what, c->name, l->lid, e->lid);
            cr_expect_eq(l->socket_error, e->socket_error, "%s: link %zu socket_error %d", c->name,
                         i, l->socket_error);
            cr_expect_eq(l->http_status, e->http_status, "%s: link %zu http_status %d", c->name, i,
                         l->http_status);
        }
    }
    expect_str("leg", c->name, f.leg, c->leg);
    expect_str("diag_code", c->name, f.diag_code, c->diag_code);
    expect_str("diag_reason", c->name, f.diag_reason, c->diag_reason);
    expect_str("diag_category", c->name, f.diag_category, c->diag_category);
    expect_str("wstrust_code", c->name, f.wstrust_code, c->wstrust_code);
    expect_str("wstrust_subcode", c->name, f.wstrust_subcode, c->wstrust_subcode);
    expect_str("wstrust_reason", c->name, f.wstrust_reason, c->wstrust_reason);
    expect_str("psf_value", c->name, f.psf_value, c->psf_value);
    expect_str("psf_code", c->name, f.psf_code, c->psf_code);
    expect_str("psf_text", c->name, f.psf_text, c->psf_text);
    cr_expect_eq(f.fragment_by_local_name, c->fragment, "%s: fragment_by_local_name", c->name);
    cr_expect_eq(f.n_urls, c->n_urls, "%s: %zu urls", c->name, f.n_urls);
    for (size_t i = 0; i < c->n_urls && i < f.n_urls; i++)
        expect_str("url", c->name, f.urls[i], c->urls[i]);
    fb_arena_cleanup(&a);
}

ParameterizedTestParameters(exc_chain, every_truncation)
{
    init_case_index();
    return cr_make_param_array(size_t, case_index, FB_ARRAY_LEN(cases), NULL);
}

/* Every prefix of every text: no crash (ASan), never more links than the whole text,
 * every link has a message, and the finding parser copes too. Each prefix sits in a
 * buffer of exactly its length, so a read past the slice is caught. */
ParameterizedTest(size_t *idx, exc_chain, every_truncation)
{
    const struct exc_case *c = &cases[*idx];
    size_t n = strlen(c->text);
    for (size_t k = 0; k <= n; k++) {
        struct fb_arena a;
        fb_arena_init(&a);
        char *buf = fb_xmalloc(k ? k : 1);
        memcpy(buf, c->text, k);
        struct fb_exc_chain ch;
        fb_exc_chain_parse(fb_str_make(buf, k), &a, &ch);
        cr_assert_leq(ch.n_links, c->n_links, "%s: prefix %zu gives %zu links > %zu", c->name, k,
                      ch.n_links, c->n_links);
        for (size_t i = 0; i < ch.n_links; i++)
            cr_assert_not_null(ch.links[i].message, "%s: prefix %zu link %zu", c->name, k, i);
        struct fb_finding f;
        memset(&f, 0, sizeof f);
        f.fault_string = fb_arena_cstr(&a, buf, k);
        fb_finding_parse_text(&f, &a);
        cr_assert_leq(f.chain.n_links, c->n_links);
        cr_assert_leq(f.n_urls, (size_t)FB_FINDING_MAX_URLS);
        free(buf);
        fb_arena_cleanup(&a);
    }
}

static struct fb_exc_chain parse_cstr(struct fb_arena *a, const char *s)
{
    struct fb_exc_chain ch;
    fb_exc_chain_parse(fb_str_cstr(s), a, &ch);
    return ch;
}

Test(exc_chain, on_a_send_never_gives_receive_failure)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exc_chain ch = parse_cstr(
        &a, "System.Net.WebException: The underlying connection was closed: An unexpected error "
            "occurred on a send.");
    cr_assert_eq(ch.n_links, 1);
    cr_assert_str_eq(ch.links[0].web_status, "SendFailure");
    cr_assert_eq(ch.links[0].socket_error, 0);
    ch = parse_cstr(&a, "System.Net.WebException: The underlying connection was closed: An "
                        "unexpected error occurred on a receive.");
    cr_assert_str_eq(ch.links[0].web_status, "ReceiveFailure");
    fb_arena_cleanup(&a);
}

Test(exc_chain, empty_and_null_texts_give_no_links)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exc_chain ch = {(struct fb_exc_link *)&a, 99};
    fb_exc_chain_parse(FB_STR_NULL, &a, &ch);
    cr_assert_eq(ch.n_links, 0);
    cr_assert_null(ch.links);
    ch = parse_cstr(&a, " \r\n\\r\\n ---> , inner exception: --- End of inner exception stack "
                        "trace --- ");
    cr_assert_eq(ch.n_links, 0);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    fb_finding_parse_text(&f, &a);
    cr_assert_eq(f.chain.n_links, 0);
    cr_assert_null(f.leg);
    cr_assert_eq(f.n_urls, 0);
    fb_arena_cleanup(&a);
}

Test(exc_chain, fault_string_is_read_when_message_text_is_null)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    f.fault_string = "Autodiscover failed for e-mail address x@contoso.com with exception "
                     "System.Web.Services.Protocols.SoapHeaderException: An error occurred when "
                     "processing the security tokens in the message.";
    fb_finding_parse_text(&f, &a);
    cr_assert_eq(f.chain.n_links, 2);
    cr_assert_str_eq(f.chain.links[1].type, "System.Web.Services.Protocols.SoapHeaderException");
    cr_assert_str_eq(f.leg, "autodiscover");
    /* message_text wins over fault_string */
    memset(&f, 0, sizeof f);
    f.message_text = "Proxy web request failed.";
    f.fault_string = "Autodiscover failed for x";
    fb_finding_parse_text(&f, &a);
    cr_assert_str_eq(f.leg, "ews-proxy");
    cr_assert_eq(f.chain.n_links, 1);
    fb_arena_cleanup(&a);
}

Test(exc_chain, caps_links_at_32_and_messages_at_4k)
{
    struct fb_arena a;
    fb_arena_init(&a);
    char text[40 * 16 + 1] = "";
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "link%02d ---> ", i);
    struct fb_exc_chain ch = parse_cstr(&a, text);
    cr_assert_eq(ch.n_links, 32);
    cr_assert_str_eq(ch.links[0].message, "link00");
    cr_assert_str_eq(ch.links[31].message, "link31");

    size_t big = 10000;
    char *m = fb_xmalloc(big + 64);
    memcpy(m, "System.Net.WebException: ", 25);
    for (size_t i = 25; i < big; i++)
        m[i] = (char)('a' + i % 26);
    /* a 2-byte UTF-8 sequence straddling the cut must not be split */
    m[4096 - 15 - 1 + 25] = (char)0xc3;
    m[4096 - 15 + 25] = (char)0xbc;
    ch = parse_cstr(&a, "");
    fb_exc_chain_parse(fb_str_make(m, big), &a, &ch);
    cr_assert_eq(ch.n_links, 1);
    size_t len = strlen(ch.links[0].message);
    cr_assert_leq(len, 4096);
    cr_assert_geq(len, 4090);
    const char *mark = " [...truncated]";
    cr_assert_str_eq(ch.links[0].message + len - strlen(mark), mark);
    cr_assert_neq((unsigned char)ch.links[0].message[len - strlen(mark) - 1], 0xc3);
    free(m);
    fb_arena_cleanup(&a);
}

Test(exc_chain, scans_only_the_first_mebibyte)
{
    struct fb_arena a;
    fb_arena_init(&a);
    size_t n = ((size_t)1 << 20) + 100;
    char *t = fb_xmalloc(n);
    memset(t, 'x', n);
    memcpy(t, "first", 5);
    t[5] = ' ';
    /* a separator beyond 1 MiB is not seen */
    memcpy(t + ((size_t)1 << 20) + 10, " ---> second", 12);
    struct fb_exc_chain ch;
    fb_exc_chain_parse(fb_str_make(t, n), &a, &ch);
    cr_assert_eq(ch.n_links, 1);
    cr_assert_eq(strlen(ch.links[0].message), 4096);
    memcpy(t + 1000, " ---> second", 12);
    fb_exc_chain_parse(fb_str_make(t, n), &a, &ch);
    cr_assert_eq(ch.n_links, 2);
    free(t);
    fb_arena_cleanup(&a);
}

Test(exc_chain, lid_must_be_a_word_and_server_strips_trailing_dot)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exc_chain ch =
        parse_cstr(&a, "Parameter INVALID: 5 is wrong. Name of the server where exception "
                       "originated: EXCH01.contoso.com.");
    cr_assert_eq(ch.n_links, 1);
    cr_assert_null(ch.links[0].lid);
    cr_assert_str_eq(ch.links[0].server, "EXCH01.contoso.com");
    cr_assert_str_eq(ch.links[0].message, "Parameter INVALID: 5 is wrong.");
    /* a server line on its own attaches to the link it follows */
    ch = parse_cstr(&a, "Outer message, inner exception: Name of the server where exception "
                        "originated: BE01. LID: 7");
    cr_assert_eq(ch.n_links, 1);
    cr_assert_str_eq(ch.links[0].server, "BE01");
    cr_assert_str_eq(ch.links[0].lid, "7");
    fb_arena_cleanup(&a);
}

Test(exc_chain, remote_server_returned_an_error_and_net_core_socket_type)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_exc_chain ch = parse_cstr(
        &a, "Microsoft.Exchange.InfoWorker.Common.Availability."
            "PublicFolderRequestProcessingException: The remote server returned an error: (403) "
            "Forbidden.. ---> System.Net.Sockets.SocketException (10060): Connection timed out "
            "---> System.Net.WebException: Could not establish trust relationship for the SSL/TLS "
            "secure channel.");
    cr_assert_eq(ch.n_links, 3);
    cr_assert_str_eq(ch.links[0].web_status, "ProtocolError");
    cr_assert_eq(ch.links[0].http_status, 403);
    cr_assert_str_eq(ch.links[1].type, "System.Net.Sockets.SocketException");
    cr_assert_eq(ch.links[1].socket_error, 10060);
    cr_assert_null(ch.links[1].web_status);
    cr_assert_str_eq(ch.links[2].web_status, "TrustFailure");
    fb_arena_cleanup(&a);
}

Test(finding_text, urls_are_deduplicated_trimmed_and_capped)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    f.message_text =
        "see https://mail.contoso.com/EWS/Exchange.asmx, and "
        "HTTPS://MAIL.CONTOSO.COM/ews/exchange.asmx. then (http://a.example/x) and "
        "'https://Autodiscover/Autodiscover.svc/WSSecurity' and "
        "<r>https://b.example/p</r> and http://technet.microsoft.com/library/ff985203(v=exchg.141)"
        ".aspx and https://<placeholder>/x and https:// and "
        "http://c.example/1 http://c.example/2 http://c.example/3 http://c.example/4";
    fb_finding_parse_text(&f, &a);
    cr_assert_eq(f.n_urls, FB_FINDING_MAX_URLS);
    cr_assert_str_eq(f.urls[0], "https://mail.contoso.com/EWS/Exchange.asmx");
    cr_assert_str_eq(f.urls[1], "http://a.example/x");
    cr_assert_str_eq(f.urls[2], "https://Autodiscover/Autodiscover.svc/WSSecurity");
    cr_assert_str_eq(f.urls[3], "https://b.example/p");
    cr_assert_str_eq(f.urls[4], "http://technet.microsoft.com/library/ff985203(v=exchg.141).aspx");
    cr_assert_str_eq(f.urls[5], "http://c.example/1");
    cr_assert_str_eq(f.urls[7], "http://c.example/3");
    fb_arena_cleanup(&a);
}

Test(finding_text, diagnostics_spacing_variants_and_existing_fields_kept)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    f.message_text = "401 Unauthorized diagnostics:2000003 ; reason = \"The hostname component of "
                     "the audience claim value is invalid\" ; error_category = invalid_resource";
    fb_finding_parse_text(&f, &a);
    cr_assert_str_eq(f.diag_code, "2000003");
    cr_assert_str_eq(f.diag_reason,
                     "The hostname component of the audience claim value is invalid");
    cr_assert_str_eq(f.diag_category, "invalid_resource");
    cr_assert_null(f.leg);

    /* a field the SOAP extractor already set is not overwritten */
    memset(&f, 0, sizeof f);
    f.message_text = "diagnostics: 2000005;reason=\"x\";error_category=\"invalid_user\"";
    f.diag_category = "from-header";
    f.leg = "preset";
    fb_finding_parse_text(&f, &a);
    cr_assert_str_eq(f.diag_code, "2000005");
    cr_assert_str_eq(f.diag_reason, "x");
    cr_assert_str_eq(f.diag_category, "from-header");
    cr_assert_str_eq(f.leg, "preset");
    fb_arena_cleanup(&a);
}

Test(finding_text, wstrust_fault_with_code_and_subcode_by_local_name)
{
    struct fb_arena a;
    fb_arena_init(&a);
    struct fb_finding f;
    memset(&f, 0, sizeof f);
    f.message_text =
        "Proxy web request failed. , inner exception: <S:Fault><S:Code><S:Value>S:Sender</S:Value>"
        "<S:Subcode><S:Value>wst:FailedAuthentication</S:Value></S:Subcode></S:Code><S:Reason>"
        "<S:Text xml:lang=\"en-US\">Authentication Failure</S:Text></S:Reason><S:Detail>"
        "<psf:error><psf:value>0x80048821</psf:value><psf:internalerror><psf:code>0x80041034"
        "</psf:code><psf:text>The entered and stored passwords do not match.\r\n</psf:text>";
    fb_finding_parse_text(&f, &a);
    cr_assert_str_eq(f.wstrust_code, "S:Sender");
    cr_assert_str_eq(f.wstrust_subcode, "wst:FailedAuthentication");
    cr_assert_str_eq(f.wstrust_reason, "Authentication Failure");
    cr_assert_str_eq(f.psf_value, "0x80048821");
    cr_assert_str_eq(f.psf_code, "0x80041034");
    cr_assert_str_eq(f.psf_text, "The entered and stored passwords do not match.");
    cr_assert_eq(f.fragment_by_local_name, 1);
    cr_assert_str_eq(f.leg, "ews-proxy"); /* the outermost marker wins */
    cr_assert_eq(f.chain.n_links, 2);

    /* an unprefixed HTML <code> is not a psf element */
    memset(&f, 0, sizeof f);
    f.message_text = "<html><code>500</code><p>Text</p></html>";
    fb_finding_parse_text(&f, &a);
    cr_assert_null(f.psf_code);
    cr_assert_eq(f.fragment_by_local_name, 0);
    cr_assert_null(f.leg);
    fb_arena_cleanup(&a);
}

Test(finding_text, leg_is_named_by_the_earliest_marker)
{
    struct fb_arena a;
    fb_arena_init(&a);
    static const struct {
        const char *text, *leg;
    } t[] = {
        {"Autodiscover failed for E-MAIL ADDRESS a@b.c, inner exception: Proxy web request failed.",
         "autodiscover"},
        {"Unable to get token. Failed to communicate with https://sts.contoso.com/adfs/services/"
         "trust/2005/usernamemixed., inner exception: ProxyWebRequest",
         "federation-token"},
        {"Failed to communicate with https://www.contoso.com/x., inner exception: timeout", NULL},
        {"Microsoft.Exchange.InfoWorker.Common.Availability.ProxyWebRequestProcessingException: x",
         "ews-proxy"},
    };
    for (size_t i = 0; i < FB_ARRAY_LEN(t); i++) {
        struct fb_finding f;
        memset(&f, 0, sizeof f);
        f.message_text = t[i].text;
        fb_finding_parse_text(&f, &a);
        if (t[i].leg)
            cr_expect(f.leg && strcmp(f.leg, t[i].leg) == 0, "case %zu: %s", i,
                      f.leg ? f.leg : "(null)");
        else
            cr_expect_null(f.leg, "case %zu", i);
    }
    fb_arena_cleanup(&a);
}

Test(extract_names, every_enum_value_has_its_report_name)
{
    static const char *const kinds[] = {
        NULL,
        "ews-getuseravailability",
        "owa-getuseravailability",
        "graph-getschedule",
        "owa-calendar",
        "autodiscover-soap",
        "autodiscover-pox",
        "autodiscover-v2",
        "federation-token",
        "oauth-token",
        "exchange-other",
    };
    cr_assert_eq(FB_ARRAY_LEN(kinds), FB_CALL_KIND_COUNT);
    cr_assert_null(fb_call_kind_name(FB_CALL_NONE));
    for (int k = 1; k < FB_CALL_KIND_COUNT; k++)
        cr_assert_str_eq(fb_call_kind_name((enum fb_call_kind)k), kinds[k]);
    cr_assert_null(fb_call_kind_name(FB_CALL_KIND_COUNT));
    cr_assert_str_eq(fb_result_name(FB_RES_OK), "ok");
    cr_assert_str_eq(fb_result_name(FB_RES_DEGRADED), "degraded");
    cr_assert_str_eq(fb_result_name(FB_RES_ERROR), "error");
    cr_assert_str_eq(fb_result_name(FB_RES_NO_RESPONSE), "no-response");
    cr_assert_str_eq(fb_layer_name(FB_LAYER_CLIENT_HOP), "client-hop");
    cr_assert_str_eq(fb_layer_name(FB_LAYER_PROXIED_LEG), "proxied-leg");
}
