/* test_redact.c - every redaction rule with exact expected strings (redact.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "fbdiag/arena.h"
#include "fbdiag/redact.h"

static struct fb_arena A;

static void setup(void)
{
    fb_arena_init(&A);
}
static void teardown(void)
{
    fb_arena_cleanup(&A);
}

/* Redacts header name: value and returns the NUL-terminated result. */
static const char *hdr(const char *name, const char *value, int redact)
{
    struct fb_str r = fb_redact_header(&A, fb_str_cstr(name), fb_str_cstr(value), redact);
    cr_assert_eq(strlen(r.ptr), r.len);
    return r.ptr;
}

static const char *url(const char *u)
{
    return fb_redact_url(&A, fb_str_cstr(u), 1).ptr;
}
static const char *form(const char *b)
{
    return fb_redact_form(&A, fb_str_cstr(b), 1).ptr;
}
static const char *json(const char *b)
{
    return fb_redact_json(&A, fb_str_cstr(b), 1).ptr;
}
static const char *soap(const char *b)
{
    return fb_redact_soap(&A, fb_str_cstr(b), 1).ptr;
}

TestSuite(redact, .init = setup, .fini = teardown);

Test(redact, authorization_keeps_scheme_and_length)
{
    cr_assert_str_eq(hdr("Authorization", "Bearer eyJ0eXAiOiJKV1QifQ.abc.def", 1),
                     "Bearer <redacted 26 bytes>");
    cr_assert_str_eq(hdr("authorization", "Basic dXNlcjpwYXNz", 1), "Basic <redacted 12 bytes>");
    cr_assert_str_eq(hdr("AUTHORIZATION", "NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA=", 1),
                     "NTLM <redacted 28 bytes>");
    cr_assert_str_eq(hdr("Proxy-Authorization", "Negotiate YIIFoQYGKwYBBQUCoIIFlTCCBZGg", 1),
                     "Negotiate <redacted 28 bytes>");
    /* MSAuth1.0 (Exchange hybrid OAuth) parameters hold tokens: all of it goes */
    cr_assert_str_eq(hdr("Authorization", "MSAuth1.0 actortoken=\"Bearer x\", type=\"A\"", 1),
                     "MSAuth1.0 <redacted 31 bytes>");
}

Test(redact, authorization_bare_scheme_kept_bare_token_redacted)
{
    cr_assert_str_eq(hdr("Authorization", "Bearer", 1), "Bearer");
    cr_assert_str_eq(hdr("Authorization", "Bearer   ", 1), "Bearer");
    cr_assert_str_eq(hdr("Authorization", "", 1), "");
    cr_assert_str_eq(hdr("Authorization", "s3cr3tapikey", 1), "<redacted 12 bytes>");
}

Test(redact, no_redact_passes_every_value_through)
{
    cr_assert_str_eq(hdr("Authorization", "Bearer abc", 0), "Bearer abc");
    cr_assert_str_eq(hdr("Cookie", "a=1; b=2", 0), "a=1; b=2");
    cr_assert_str_eq(fb_redact_url(&A, fb_str_cstr("https://h/?code=x"), 0).ptr,
                     "https://h/?code=x");
    cr_assert_str_eq(fb_redact_form(&A, fb_str_cstr("password=x"), 0).ptr, "password=x");
    cr_assert_str_eq(fb_redact_json(&A, fb_str_cstr("{\"token\":\"x\"}"), 0).ptr,
                     "{\"token\":\"x\"}");
    cr_assert_str_eq(fb_redact_soap(&A, fb_str_cstr("<Password>x</Password>"), 0).ptr,
                     "<Password>x</Password>");
}

Test(redact, other_headers_unchanged_including_mailbox_evidence)
{
    cr_assert_str_eq(hdr("X-AnchorMailbox", "SMTP:y1@datum.com", 1), "SMTP:y1@datum.com");
    cr_assert_str_eq(hdr("Content-Type", "text/xml; charset=utf-8", 1), "text/xml; charset=utf-8");
    cr_assert_str_eq(hdr("X-Authorization-Hint", "Bearer x", 1), "Bearer x"); /* exact names */
}

Test(redact, cookie_keeps_names)
{
    cr_assert_str_eq(hdr("Cookie", "X-BackEndCookie=S-1-5-21=u56Lnp2e; OpenIdConnect=abc", 1),
                     "X-BackEndCookie=<redacted>; OpenIdConnect=<redacted>");
    cr_assert_str_eq(hdr("cookie", "a=1;b=2 ; c=", 1), "a=<redacted>;b=<redacted> ; c=");
    cr_assert_str_eq(hdr("COOKIE", "nameless; x=1;", 1), "<redacted>; x=<redacted>;");
}

Test(redact, cookie_names_with_regex_special_characters)
{
    cr_assert_str_eq(hdr("Cookie", "a+b=secret1; ^c$=secret2; (d)*=secret3", 1),
                     "a+b=<redacted>; ^c$=<redacted>; (d)*=<redacted>");
    cr_assert_str_eq(hdr("Set-Cookie", "a+b^=secret; path=/", 1), "a+b^=<redacted>; path=/");
}

Test(redact, owa_canary_cookie_and_header)
{
    cr_assert_str_eq(hdr("Cookie", "X-OWA-CANARY=Zm9vYmFy; ClientId=ABC", 1),
                     "X-OWA-CANARY=<redacted>; ClientId=<redacted>");
    cr_assert_str_eq(hdr("X-OWA-Canary", "Zm9vYmFyYmF6", 1), "<redacted 12 bytes>");
    cr_assert_str_eq(hdr("x-owa-canary", "", 1), "");
    cr_assert_str_eq(hdr("X-Auth-Token", "tok", 1), "<redacted 3 bytes>");
    cr_assert_str_eq(hdr("X-CSRF-Token", "tok1", 1), "<redacted 4 bytes>");
    cr_assert_str_eq(hdr("x-xsrf-token", "tok12", 1), "<redacted 5 bytes>");
}

Test(redact, set_cookie_keeps_attributes)
{
    cr_assert_str_eq(
        hdr("Set-Cookie",
            "X-BackEndCookie=S-1-5=abc; expires=Wed, 21 Oct 2026 07:28:00 GMT; "
            "path=/EWS; secure; HttpOnly",
            1),
        "X-BackEndCookie=<redacted>; expires=Wed, 21 Oct 2026 07:28:00 GMT; path=/EWS; secure; "
        "HttpOnly");
    cr_assert_str_eq(hdr("set-cookie", "a=", 1), "a=");
}

Test(redact, set_cookie_folded_with_commas)
{
    cr_assert_str_eq(
        hdr("Set-Cookie", "a=1; Expires=Thu, 01 Jan 2026 00:00:00 GMT, b=2; path=/,c=3", 1),
        "a=<redacted>; Expires=Thu, 01 Jan 2026 00:00:00 GMT, b=<redacted>; path=/,"
        "c=<redacted>");
}

Test(redact, www_authenticate_blobs_go_parameters_stay)
{
    cr_assert_str_eq(hdr("WWW-Authenticate", "NTLM TlRMTVNTUAACAAAADAAMADgAAAA=", 1),
                     "NTLM <redacted 28 bytes>");
    cr_assert_str_eq(hdr("www-authenticate", "Negotiate, NTLM", 1), "Negotiate, NTLM");
    cr_assert_str_eq(hdr("WWW-Authenticate", "negotiate oYG2MIGz", 1),
                     "negotiate <redacted 8 bytes>");
    cr_assert_str_eq(hdr("WWW-Authenticate",
                         "Bearer authorization_uri=\"https://login.microsoftonline.com/common/"
                         "oauth2/authorize\", resource_id=\"00000002-0000-0ff1-ce00-000000000000\"",
                         1),
                     "Bearer authorization_uri=\"https://login.microsoftonline.com/common/"
                     "oauth2/authorize\", resource_id=\"00000002-0000-0ff1-ce00-000000000000\"");
    cr_assert_str_eq(hdr("Proxy-Authenticate", "Basic realm=\"x\", Kerberos YII=", 1),
                     "Basic realm=\"x\", Kerberos <redacted 4 bytes>");
}

Test(redact, url_query_parameters)
{
    cr_assert_str_eq(url("https://h/cb?code=0.AXo&state=abc&session_state=s"),
                     "https://h/cb?code=<redacted>&state=abc&session_state=s");
    cr_assert_str_eq(url("https://h/x?ACCESS_TOKEN=a&Id_Token=b&refresh_token=c&client_secret=d"),
                     "https://h/x?ACCESS_TOKEN=<redacted>&Id_Token=<redacted>&"
                     "refresh_token=<redacted>&client_secret=<redacted>");
    cr_assert_str_eq(url("https://b.blob.core.windows.net/c?sv=2020&sig=abc%2Bdef&se=2026"),
                     "https://b.blob.core.windows.net/c?sv=2020&sig=<redacted>&se=2026");
    cr_assert_str_eq(url("https://h/owa/service.svc?action=X&X-OWA-CANARY=zz&canary=c"),
                     "https://h/owa/service.svc?action=X&X-OWA-CANARY=<redacted>&"
                     "canary=<redacted>");
    cr_assert_str_eq(url("/p?password=pw&token=t&code=&flag"),
                     "/p?password=<redacted>&token=<redacted>&code=&flag");
    cr_assert_str_eq(url("https://h/p?access%5Ftoken=x"), "https://h/p?access%5Ftoken=<redacted>");
    cr_assert_str_eq(url("https://h/plain/path"), "https://h/plain/path");
    cr_assert_str_eq(url(""), "");
}

Test(redact, url_fragment_and_userinfo)
{
    cr_assert_str_eq(url("https://h/cb?x=1#access_token=eyJ&token_type=Bearer&id_token=eyK"),
                     "https://h/cb?x=1#access_token=<redacted>&token_type=Bearer&"
                     "id_token=<redacted>");
    cr_assert_str_eq(url("https://h/page#section-2"), "https://h/page#section-2");
    cr_assert_str_eq(url("https://h/p#frag?code=x"), "https://h/p#frag?code=x");
    cr_assert_str_eq(url("http://user:pw@proxy:8080/x?a=1"),
                     "http://user:<redacted>@proxy:8080/x?a=1");
    cr_assert_str_eq(url("http://user@host/x"), "http://user@host/x");
    cr_assert_str_eq(url("/redir/http://a:b@c"), "/redir/http://a:b@c");
}

Test(redact, form_body_fields)
{
    cr_assert_str_eq(form("grant_type=refresh_token&refresh_token=0.AR&client_id=d3590ed6&"
                          "username=x1%40contoso.com&password=P%40ss"),
                     "grant_type=refresh_token&refresh_token=<redacted>&client_id=d3590ed6&"
                     "username=x1%40contoso.com&password=<redacted>");
    cr_assert_str_eq(form("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
                          "assertion=eyJ&client_assertion_type=x&client_assertion=eyK"),
                     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
                     "assertion=<redacted>&client_assertion_type=x&client_assertion=<redacted>");
    cr_assert_str_eq(form("wa=wsignin1.0&wresult=%3Ct%3ARSTR&SAMLResponse=PHNhbWw&Passwd=p&PWD=q"),
                     "wa=wsignin1.0&wresult=<redacted>&SAMLResponse=<redacted>&"
                     "Passwd=<redacted>&PWD=<redacted>");
    /* body-only names are not URL secrets */
    cr_assert_str_eq(url("https://h/?assertion=a"), "https://h/?assertion=a");
}

Test(redact, json_string_fields)
{
    cr_assert_str_eq(json("{\"token_type\":\"Bearer\",\"access_token\":\"eyJ\",\"expires_in\":3599,"
                          "\"Refresh_Token\" : \"0.AR\\\"x\",\"scope\":\"EWS.AccessAsUser.All\"}"),
                     "{\"token_type\":\"Bearer\",\"access_token\":\"<redacted>\","
                     "\"expires_in\":3599,"
                     "\"Refresh_Token\" : \"<redacted>\",\"scope\":\"EWS.AccessAsUser.All\"}");
    /* non-string values, empty strings and values equal to a secret name are kept */
    cr_assert_str_eq(json("{\"password\":null,\"code\":\"\",\"k\":\"token\",\"token\":{\"a\":1}}"),
                     "{\"password\":null,\"code\":\"\",\"k\":\"token\",\"token\":{\"a\":1}}");
    /* truncated JSON: the value still goes, no closing quote is invented */
    cr_assert_str_eq(json("[{\"id_token\":\"eyJhbGciOi"), "[{\"id_token\":\"<redacted>");
    cr_assert_str_eq(json("{\"a\":\"b"), "{\"a\":\"b");
}

Test(redact, soap_tokens_and_passwords)
{
    cr_assert_str_eq(
        soap("<s:Header><wsse:Security><wsse:BinarySecurityToken ValueType=\"x\" "
             "EncodingType=\"b64\">QUJDRA==</wsse:BinarySecurityToken>"
             "<wsse:UsernameToken><wsse:Username>x1@contoso.com</wsse:Username>"
             "<wsse:Password Type=\"t\">hunter2</wsse:Password></wsse:UsernameToken>"
             "</wsse:Security></s:Header>"),
        "<s:Header><wsse:Security><wsse:BinarySecurityToken ValueType=\"x\" "
        "EncodingType=\"b64\"><redacted 8 bytes></wsse:BinarySecurityToken>"
        "<wsse:UsernameToken><wsse:Username>x1@contoso.com</wsse:Username>"
        "<wsse:Password Type=\"t\"><redacted 7 bytes></wsse:Password></wsse:UsernameToken>"
        "</wsse:Security></s:Header>");
}

Test(redact, soap_saml_assertion_nested_and_encrypted)
{
    cr_assert_str_eq(soap("<saml:Assertion ID=\"_1\"><saml:Issuer>urn:federation:MicrosoftOnline"
                          "</saml:Issuer><saml:Advice><saml:Assertion>in</saml:Assertion>"
                          "</saml:Advice></saml:Assertion><x/>"),
                     "<saml:Assertion ID=\"_1\"><redacted 119 bytes></saml:Assertion><x/>");
    cr_assert_str_eq(soap("<xenc:EncryptedData Id=\"e\"><xenc:CipherValue>abc</xenc:CipherValue>"
                          "</xenc:EncryptedData>"),
                     "<xenc:EncryptedData Id=\"e\"><redacted 40 bytes></xenc:EncryptedData>");
    cr_assert_str_eq(soap("<t:RequestedProofToken><t:BinarySecret>k3y</t:BinarySecret>"
                          "</t:RequestedProofToken>"),
                     "<t:RequestedProofToken><t:BinarySecret><redacted 3 bytes></t:BinarySecret>"
                     "</t:RequestedProofToken>");
    /* unprefixed, self-closing, empty, names that merely start alike, truncated */
    cr_assert_str_eq(soap("<Password/><Password></Password><PasswordHint>h</PasswordHint>"
                          "<Assertion a='>'>tok</Assertion><BinarySecurityToken>cut"),
                     "<Password/><Password></Password><PasswordHint>h</PasswordHint>"
                     "<Assertion a='>'><redacted 3 bytes></Assertion><BinarySecurityToken>"
                     "<redacted 3 bytes>");
    /* element names are case-sensitive in XML */
    cr_assert_str_eq(soap("<password>x</password>"), "<password>x</password>");
}

Test(redact, body_dispatch_by_content_type)
{
    struct fb_str b = fb_str_cstr("token=x");
    cr_assert_str_eq(fb_redact_body(&A,
                                    fb_str_cstr("application/x-www-form-urlencoded; "
                                                "charset=UTF-8"),
                                    b, 1)
                         .ptr,
                     "token=<redacted>");
    cr_assert_str_eq(fb_redact_body(&A, fb_str_cstr("text/plain"), b, 1).ptr, "token=x");
    cr_assert_str_eq(fb_redact_body(&A, FB_STR_NULL, b, 1).ptr, "token=x");
    cr_assert_str_eq(
        fb_redact_body(&A, fb_str_cstr("Application/JSON"), fb_str_cstr("{\"code\":\"c\"}"), 1).ptr,
        "{\"code\":\"<redacted>\"}");
    cr_assert_str_eq(fb_redact_body(&A, fb_str_cstr("application/vnd.x+json"),
                                    fb_str_cstr("{\"code\":\"c\"}"), 1)
                         .ptr,
                     "{\"code\":\"<redacted>\"}");
    cr_assert_str_eq(fb_redact_body(&A, fb_str_cstr("application/soap+xml; charset=utf-8"),
                                    fb_str_cstr("<Password>p</Password>"), 1)
                         .ptr,
                     "<Password><redacted 1 bytes></Password>");
    cr_assert_str_eq(
        fb_redact_body(&A, fb_str_cstr("text/xml"), fb_str_cstr("<Password>p</Password>"), 1).ptr,
        "<Password><redacted 1 bytes></Password>");
}

Test(redact, name_predicates)
{
    cr_assert(fb_redact_is_secret_header(FB_STR_LIT("proxy-authorization")));
    cr_assert_not(fb_redact_is_secret_header(FB_STR_LIT("X-AnchorMailbox")));
    cr_assert(fb_redact_is_secret_param(FB_STR_LIT("SIG")));
    cr_assert_not(fb_redact_is_secret_param(FB_STR_LIT("client_assertion")));
    cr_assert(fb_redact_is_secret_field(FB_STR_LIT("client_assertion")));
    cr_assert_not(fb_redact_is_secret_field(FB_STR_LIT("username")));
    cr_assert_not(fb_redact_is_secret_field(FB_STR_LIT("tokens")));
}

Test(redact, unterminated_input_is_never_read_past_its_length)
{
    /* the slice stops inside "secret"; bytes after it must not show up */
    const char *s = "Bearer abcSECRET";
    struct fb_str r = fb_redact_header(&A, FB_STR_LIT("Authorization"), fb_str_make(s, 10), 1);
    cr_assert_str_eq(r.ptr, "Bearer <redacted 3 bytes>");
    r = fb_redact_url(&A, fb_str_make("https://h/?code=abSECRET", 18), 1);
    cr_assert_str_eq(r.ptr, "https://h/?code=<redacted>");
    r = fb_redact_url(&A, fb_str_make("https://h/?a=bSECRET", 14), 1);
    cr_assert_str_eq(r.ptr, "https://h/?a=b");
}
