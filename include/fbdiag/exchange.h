/* exchange.h - the one record that flows from every reader into analysis: one HTTP
 * request and its response, whatever the source (SAZ session, HAR entry, TCP stream).
 *
 * Ownership: an exchange and every slice in it are valid until the callback returns;
 * the reader owns the storage (its arena, reassembly buffers, DOM, member buffers).
 * Everything reachable from a struct fb_exchange lives in ex->arena and dies with it. Readers fill an exchange, hand it to the callback as const, and free
 * the arena when the callback returns; a callback that needs something later copies it
 * into the trace's arena. Nothing here is global.
 */
#ifndef FB_EXCHANGE_H
#define FB_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "fbdiag/util.h"

struct fb_arena;

enum fb_version {
    FB_VER_UNKNOWN = 0,
    FB_HTTP10,
    FB_HTTP11,
    FB_HTTP2,
    FB_HTTP3 /* HAR only: a capture cannot show QUIC */
};
/* "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3", or NULL for unknown. */
const char *fb_version_name(enum fb_version v);
/* Parses any spelling producers use: "HTTP/1.1", "http/2.0", "h2", "h3", "HTTP/2"...;
 * FB_VER_UNKNOWN when it cannot tell. */
enum fb_version fb_version_parse(struct fb_str s);

struct fb_header {
    struct fb_str name, value;
};

/* Flags of one message (FB_MSG_*). fb_msg_flag_name gives their JSON names. */
enum {
    FB_MSG_TRUNCATED = 1u << 0,     /* body shorter than the framing promised */
    FB_MSG_BODY_MISSING = 1u << 1,  /* headers promise a body; none was stored */
    FB_MSG_MALFORMED = 1u << 2,     /* start line or headers could not be parsed fully */
    FB_MSG_CHUNKED = 1u << 3,       /* Transfer-Encoding: chunked was removed */
    FB_MSG_DECODED = 1u << 4,       /* a Content-Encoding was undone */
    FB_MSG_DECODE_FAILED = 1u << 5, /* a Content-Encoding could not be undone: raw kept */
    FB_MSG_DECODE_LIMIT = 1u << 6,  /* decoded size hit the cap (bomb?): output cut */
    FB_MSG_PRE_DECODED = 1u << 7,   /* the producer stored the body already decoded */
    FB_MSG_BODY_LIMIT = 1u << 8,    /* body larger than the body cap: cut */
    FB_MSG_HEADER_LIMIT = 1u << 9,  /* more headers than the cap: rest dropped */
    FB_MSG_BODY_OMITTED = 1u << 10, /* the producer left the body out on purpose (HAR) */
    FB_MSG_GAP = 1u << 11,          /* bytes of this message were not captured (TCP gap) */
    FB_MSG_UNRELIABLE = 1u << 12,   /* HTTP/2 header block after a gap: not trusted */
};
#define FB_MSG_FLAG_COUNT 13
const char *fb_msg_flag_name(unsigned bit_index); /* "truncated", ... */

struct fb_msg {
    /* request line (empty for responses) */
    struct fb_str method, target;
    /* status line (status 0 for requests; -1 never) */
    int status;
    struct fb_str reason;
    enum fb_version version;
    struct fb_header *headers;
    size_t n_headers;
    /* body after transfer decoding and content decoding (may be partial: see flags) */
    struct fb_str body;
    uint64_t wire_size;    /* body bytes as transferred, content-coded, -chunk framing */
    uint64_t decoded_size; /* == body.len unless a cap cut it */
    unsigned flags;
};

/* Flags of an exchange (FB_EX_*). */
enum {
    FB_EX_NO_RESPONSE = 1u << 0,     /* no response captured (status null) */
    FB_EX_ABORTED = 1u << 1,         /* the client gave up (HAR status 0, SAZ abort) */
    FB_EX_TUNNEL = 1u << 2,          /* a CONNECT tunnel */
    FB_EX_PROXY_GENERATED = 1u << 3, /* the capturing proxy made the response itself */
    FB_EX_WEBSOCKET = 1u << 4,       /* upgraded to WebSocket */
    FB_EX_HTTPS = 1u << 5,           /* carried over TLS (https URL or decrypted) */
    FB_EX_UNDECRYPTED = 1u << 6,     /* a tunnel whose content was not decrypted */
    FB_EX_CONNECTION = 1u << 7,      /* a connection record: no HTTP on it (refused, reset,
                                        TLS without keys); req and resp are empty */
};
#define FB_EX_FLAG_COUNT 8
const char *fb_ex_flag_name(unsigned bit_index); /* "no-response", ... */

struct fb_timing {
    /* microseconds since the Unix epoch, UTC; 0 = unknown */
    int64_t started;        /* client began the request */
    int64_t request_done;   /* request fully sent */
    int64_t response_start; /* first response byte */
    int64_t response_done;  /* response complete */
};

/* A network address: family 4 (bytes[0..4)) or 6 (bytes[0..16)), 0 when unknown. */
struct fb_addr {
    uint8_t family;
    uint8_t bytes[16];
};
struct fb_endpoint {
    struct fb_addr addr;
    uint16_t port;
};
/* "192.0.2.1" or "2001:db8::1" into out (at least 46 bytes); "" when family is 0. */
void fb_addr_format(const struct fb_addr *a, char *out, size_t cap);

/* What the TCP layer saw on a connection (captures only). Sides: client is the one that
 * sent the SYN (or, on a connection seen mid-stream, the one that is not the server
 * port). Times are microseconds since the epoch, 0 unknown. */
enum {
    FB_TCP_EV_SYN_UNANSWERED = 1u << 0, /* SYN sent, no SYN-ACK seen */
    FB_TCP_EV_REFUSED = 1u << 1,        /* the SYN was answered by a RST */
    FB_TCP_EV_RST_CLIENT = 1u << 2,     /* the client sent a RST */
    FB_TCP_EV_RST_SERVER = 1u << 3,     /* the server sent a RST */
    FB_TCP_EV_FIN_CLIENT = 1u << 4,
    FB_TCP_EV_FIN_SERVER = 1u << 5,
    FB_TCP_EV_GAP_CLIENT = 1u << 6,     /* bytes from the client were not captured */
    FB_TCP_EV_GAP_SERVER = 1u << 7,
    FB_TCP_EV_RETRANS = 1u << 8,        /* retransmitted segments were seen */
    FB_TCP_EV_MID_STREAM = 1u << 9,     /* the handshake was not captured */
    FB_TCP_EV_TIMEOUT = 1u << 10,       /* flow closed by the idle timeout */
    FB_TCP_EV_OOO_LIMIT = 1u << 11,     /* out-of-order bytes passed the cap: dropped */
};
#define FB_TCP_EV_COUNT 12
const char *fb_tcp_event_name(unsigned bit_index); /* "syn-unanswered", ... */

struct fb_tcp_facts {
    unsigned events;          /* FB_TCP_EV_* */
    int64_t syn, syn_ack;     /* handshake times (connect time = syn_ack - syn) */
    int64_t first, last;      /* first and last packet of the connection */
    int64_t rst;              /* first RST */
    uint64_t gap_bytes;       /* bytes not captured, both sides */
    uint32_t retransmissions; /* segments carrying only bytes already seen */
    uint64_t bytes[2];        /* payload bytes delivered: [0] client->server, [1] back */
};

/* What the TLS handshake said (captures: parsed from the records; SAZ/HAR: not known).
 * Versions are wire numbers (0x0303 TLS 1.2, 0x0304 TLS 1.3); 0 unknown. */
struct fb_tls_facts {
    int seen;                 /* a TLS handshake was on this connection */
    uint16_t offered_version; /* highest the ClientHello offered (supported_versions too) */
    uint16_t version;         /* chosen by the ServerHello */
    uint16_t suite;           /* chosen cipher suite */
    struct fb_str sni;        /* server_name of the ClientHello */
    struct fb_str alpn;       /* chosen protocol (ServerHello or EncryptedExtensions) */
    struct fb_str alpn_offered; /* the client's list, comma-separated */
    int decrypted;            /* the application data was decrypted */
    struct fb_str key_source; /* "--keylog keys.txt", "pcapng DSB", "SSLKEYLOGFILE" */
    struct fb_str no_key_reason; /* why not decrypted: "no key for its client random" */
    uint8_t alert_level, alert_desc; /* first alert seen, 0 none */
    int alert_from_server;
    struct fb_str cert_subject;   /* TLS <= 1.2: the server certificate's subject CN */
    int64_t cert_not_after;       /* its expiry (epoch seconds), 0 unknown */
    int64_t client_hello, server_hello; /* times, 0 unknown */
};
const char *fb_tls_version_name(uint16_t v);    /* "TLS 1.2", ..., NULL unknown */
const char *fb_tls_alert_name(uint8_t desc);    /* "handshake_failure", ... NULL unknown */

struct fb_conn {
    struct fb_str client_ip, server_ip; /* textual, may be empty */
    struct fb_endpoint client, server;  /* binary (captures), family 0 when unknown */
    uint16_t client_port, server_port;
    struct fb_str tls_version, sni, alpn; /* where known */
    struct fb_str process;                /* e.g. "outlook:1234" (SAZ x-processinfo) */
    int64_t conn_id;                      /* producer's connection id, -1 unknown */
    uint32_t h2_stream;                   /* HTTP/2 stream id, 0 when not HTTP/2 */
    int64_t connected;                    /* TCP connection established (SAZ ClientConnected,
                                             capture SYN-ACK), 0 unknown */
    int64_t tls_done;                     /* TLS handshake finished, 0 unknown */
    struct fb_tcp_facts tcp;              /* captures */
    struct fb_tls_facts tls;              /* captures */
};

struct fb_exchange {
    uint32_t index;       /* order within its input, from 0 */
    struct fb_str source; /* "saz:12", "har:3", "tcp:7", "h2:7/5" */
    struct fb_str url;    /* absolute when the source gives scheme and host */
    enum fb_version version;
    struct fb_msg req, resp; /* resp.status == 0: no response captured */
    struct fb_msg *interim;  /* 1xx responses before the final one */
    size_t n_interim;
    struct fb_timing t;
    struct fb_conn conn;
    unsigned flags;
    uint32_t ws_messages;   /* WebSocket messages seen (SAZ _w.txt) */
    int64_t tunnel_index;   /* index of the CONNECT exchange that carried it, or -1 */
    struct fb_arena *arena; /* owns everything above; freed by the reader */
};

/* The callback readers call once per finished exchange. Returns 0 to go on, non-zero
 * to stop reading (the reader then returns that value). The exchange is freed after. */
typedef int (*fb_exchange_cb)(const struct fb_exchange *ex, void *user);

/* Initialises ex with an arena owned by the caller (fields zeroed, tunnel_index -1). */
void fb_exchange_init(struct fb_exchange *ex, struct fb_arena *arena);

/* First header named name (ASCII case-insensitive), or NULL. Borrowed. */
const struct fb_header *fb_msg_header(const struct fb_msg *m, const char *name);
/* Its value, or an empty slice. */
struct fb_str fb_msg_header_value(const struct fb_msg *m, const char *name);

#endif /* FB_EXCHANGE_H */
