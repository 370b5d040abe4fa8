/* names.c - the stable JSON/report names of extract.h's enums (call kind, result,
 * layer). Static strings; the names are part of the report format, so never rename
 * one. Does not parse names back. */
#include "fbdiag/extract.h"

const char *fb_call_kind_name(enum fb_call_kind k)
{
    switch (k) {
    case FB_CALL_NONE: return NULL;
    case FB_CALL_EWS_GUA: return "ews-getuseravailability";
    case FB_CALL_OWA_GUA: return "owa-getuseravailability";
    case FB_CALL_GRAPH_SCHEDULE: return "graph-getschedule";
    case FB_CALL_OWA_CALENDAR: return "owa-calendar";
    case FB_CALL_AUTOD_SOAP: return "autodiscover-soap";
    case FB_CALL_AUTOD_POX: return "autodiscover-pox";
    case FB_CALL_AUTOD_V2: return "autodiscover-v2";
    case FB_CALL_FED_TOKEN: return "federation-token";
    case FB_CALL_OAUTH_TOKEN: return "oauth-token";
    case FB_CALL_EXCHANGE_OTHER: return "exchange-other";
    case FB_CALL_KIND_COUNT: break;
    }
    return NULL;
}

const char *fb_result_name(enum fb_result r)
{
    switch (r) {
    case FB_RES_OK: return "ok";
    case FB_RES_DEGRADED: return "degraded";
    case FB_RES_ERROR: return "error";
    case FB_RES_NO_RESPONSE: return "no-response";
    }
    return NULL;
}

const char *fb_layer_name(enum fb_layer l)
{
    switch (l) {
    case FB_LAYER_CLIENT_HOP: return "client-hop";
    case FB_LAYER_PROXIED_LEG: return "proxied-leg";
    }
    return NULL;
}
