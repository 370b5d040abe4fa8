#!/usr/bin/env python3
"""workload.py N OUT.json [saz|har] - writes the pinned benchmark workload as a generator
scenario (docs/performance.md): N exchanges, of which 10% are OWA GetUserAvailabilityInternal
calls (2 attendees, one failing with the seed's forcibly-closed chain), 5% EWS
GetUserAvailability SOAP calls (3 attendees, all ok), 25% JSON API calls of about 16 KB
(half gzip-compressed in SAZ), and 60% small static GETs of about 2 KB. Deterministic."""
import json, sys

n = int(sys.argv[1]); out = sys.argv[2]; kind = sys.argv[3] if len(sys.argv) > 3 else "saz"
seed = ("Proxy web request failed. , inner exception: System.Net.WebException: The underlying "
        "connection was closed: An unexpected error occurred on a receive. ---> System.IO.IOException: "
        "Unable to read data from the transport connection: An existing connection was forcibly closed "
        "by the remote host. ---> System.Net.Sockets.SocketException: An existing connection was "
        "forcibly closed by the remote host")
owa_req = json.dumps({"request": {"Body": {"MailboxDataArray": [
    {"Email": {"Address": "y1@datum.com"}}, {"Email": {"Address": "y2@datum.com"}}],
    "FreeBusyViewOptions": {"RequestedView": "DetailedMerged"}}}})
owa_resp = json.dumps({"Body": {"ResponseClass": "Success", "ResponseCode": "NoError", "Responses": [
    {"ResponseMessage": {"ResponseClass": "Error", "ResponseCode": "ErrorProxyRequestProcessingFailed",
                         "MessageText": seed}, "CalendarView": {"FreeBusyViewType": "None"}},
    {"ResponseMessage": {"ResponseClass": "Success", "ResponseCode": "NoError"},
     "CalendarView": {"FreeBusyViewType": "DetailedMerged", "MergedFreeBusy": "0" * 48}}]}})
ews_req = ('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
           'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Body>'
           '<m:GetUserAvailabilityRequest><m:MailboxDataArray>' +
           "".join('<t:MailboxData><t:Email><t:Address>u%d@contoso.com</t:Address></t:Email></t:MailboxData>' % i
                   for i in range(3)) +
           '</m:MailboxDataArray><t:FreeBusyViewOptions><t:RequestedView>FreeBusy</t:RequestedView>'
           '</t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></soap:Body></soap:Envelope>')
ews_resp = ('<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<GetUserAvailabilityResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">'
            '<FreeBusyResponseArray>' +
            "".join('<FreeBusyResponse><ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode>'
                    '</ResponseMessage><FreeBusyView><FreeBusyViewType xmlns="http://schemas.microsoft.com/exchange/'
                    'services/2006/types">FreeBusy</FreeBusyViewType></FreeBusyView></FreeBusyResponse>'
                    for _ in range(3)) +
            '</FreeBusyResponseArray></GetUserAvailabilityResponse></s:Body></s:Envelope>')
api = json.dumps({"value": [{"id": "item%04d" % i, "subject": "Meeting %d" % i, "body": "x" * 120}
                            for i in range(100)]})
static = "<html>" + "static content " * 130 + "</html>"
ex = []
for i in range(n):
    t = "2026-11-24T09:%02d:%02d.%03dZ" % ((i // 60000) % 60, (i // 1000) % 60, i % 1000)
    r = i % 20
    if r < 2:
        ex.append({"method": "POST", "url": "https://outlook.office.com/owa/service.svc?action=GetUserAvailabilityInternal&ID=%d" % i,
                   "started": t, "duration_ms": 900, "headers": [["Content-Type", "application/json"], ["X-AnchorMailbox", "x1@contoso.com"]],
                   "body": owa_req, "response": {"status": 200, "headers": [["Content-Type", "application/json"], ["X-OWA-Version", "15.20.8207.19"]],
                                                 "body": owa_resp, "content_encoding": "gzip" if kind == "saz" else "identity"}})
    elif r < 3:
        ex.append({"method": "POST", "url": "https://mail.contoso.com/EWS/Exchange.asmx", "started": t, "duration_ms": 300,
                   "headers": [["Content-Type", "text/xml; charset=utf-8"], ["SOAPAction", "http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability"]],
                   "body": ews_req, "response": {"status": 200, "headers": [["Content-Type", "text/xml; charset=utf-8"]], "body": ews_resp}})
    elif r < 8:
        ex.append({"method": "GET", "url": "https://outlook.office.com/api/v2.0/me/events?page=%d" % i, "started": t, "duration_ms": 120,
                   "headers": [["Accept", "application/json"]],
                   "response": {"status": 200, "headers": [["Content-Type", "application/json"]], "body": api,
                                "content_encoding": "gzip" if (kind == "saz" and r % 2) else "identity"}})
    else:
        ex.append({"method": "GET", "url": "https://res.cdn.office.net/owa/static/%d.html" % i, "started": t, "duration_ms": 30,
                   "response": {"status": 200, "headers": [["Content-Type", "text/html"]], "body": static}})
json.dump({"exchanges": ex, "saz": {"compression": "deflate"}, "har": {"producer": "chrome"}}, open(out, "w"))
