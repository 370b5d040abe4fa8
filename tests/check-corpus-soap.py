#!/usr/bin/env python3
"""check-corpus-soap.py BIN FBGEN CORPUS/soap - the real EWS and Autodiscover payloads of
../shared/corpus/soap (never copied into the project) parse to their expected fields.
Each case wraps a request and/or response payload into a one-exchange SAZ made by the
project's generator, runs `fbdiag diagnose --format json`, and checks the call it found.
Prints one line per case and "soap: N passed, M failed"; exits 1 on any failure."""
import json, os, subprocess, sys, tempfile

binary, fbgen, soap = sys.argv[1], sys.argv[2], sys.argv[3]
EWS = ("https://mail.contoso.com/EWS/Exchange.asmx",
       "http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability")
AUTOD = ("https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
         "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings")
POX = ("https://autodiscover.contoso.com/autodiscover/autodiscover.xml", None)

# (mailbox, result, response_code, view_type); an ok attendee carries no finding, so no code
def att(call):
    return [(a["mailbox"], a["result"], a["response_code"], a["view_type"]) for a in call["attendees"]]

CASES = [
    ("ews-getuseravailability-request.xml", "ews-getuseravailability-response-success.xml", EWS,
     lambda c: c["kind"] == "ews-getuseravailability" and att(c) == [
         ("user1@example.com", "ok", None, "DetailedMerged"),
         ("user2@example.com", "degraded", "NoError", "FreeBusyMerged")]),
    ("msdocs_getuseravailability-operation_1_request.xml", "msdocs_getuseravailability-operation_2_response.xml", EWS,
     lambda c: [a[0] for a in att(c)] == ["user1@example.com", "user2@example.com"] and att(c)[0][1] == "ok"),
    ("msdocs_howto-free-busy_2_request.xml", "msdocs_howto-free-busy_3_response.xml", EWS,
     lambda c: [a[0] for a in att(c)] == ["mack@contoso.com", "sadie@contoso.com"]
               and all(a[1] == "ok" and a[3] == "FreeBusy" for a in att(c))),
    ("msdocs_getuseravailabilityrequest_2_request.xml", "msdocs_getuseravailabilityresponse_2_response.xml", EWS,
     lambda c: att(c) == [("someone@exchangeserver.example.com", "ok", None, "Detailed")]),
    (None, "ews-freebusyresponse-error-nofreebusyaccess.xml", EWS,
     lambda c: len(c["attendees"]) == 1 and c["attendees"][0]["result"] == "error"
               and c["attendees"][0]["response_code"] == "ErrorNoFreeBusyAccess"
               and c["attendees"][0]["error"]["exception_code"] == "5037"
               and c["attendees"][0]["error"]["exception_type"].endswith("NoFreeBusyAccessException")
               and c["attendees"][0]["view_type"] == "None"),
    (None, "autodiscover-soap-getusersettings-redirectaddress.xml", AUTOD,
     lambda c: c["kind"] == "autodiscover-soap" and c["errors"] == []
               and all(a["result"] == "ok" for a in c["attendees"])),
    (None, "autodiscover-pox-redirectaddr.xml", POX,
     lambda c: c["kind"] == "autodiscover-pox" and c["errors"] == []),
]

passed = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for req, resp, (url, action), check in CASES:
        name = resp
        headers = [["Content-Type", "text/xml; charset=utf-8"]]
        if action:
            headers.append(["SOAPAction", '"%s"' % action])
        ex = {"method": "POST", "url": url, "headers": headers,
              "response": {"status": 200, "headers": [["Content-Type", "text/xml; charset=utf-8"]],
                           "body": open(os.path.join(soap, resp), encoding="utf-8-sig").read()}}
        if req:
            ex["body"] = open(os.path.join(soap, req), encoding="utf-8-sig").read()
        scen = os.path.join(tmp, "s.json"); saz = os.path.join(tmp, "t.saz")
        json.dump({"exchanges": [ex]}, open(scen, "w"))
        subprocess.run([fbgen, "saz", scen, saz], check=True)
        out = subprocess.run([binary, "diagnose", "--format", "json", "-q", saz],
                             capture_output=True, text=True).stdout
        try:
            calls = json.loads(out)["calls"]
            ok = len(calls) == 1 and check(calls[0])
        except Exception as e:  # a wrong shape is a failure, with what was seen
            ok, calls = False, repr(e)
        if ok:
            passed += 1; print("ok   soap %s" % name)
        else:
            failed += 1; print("FAIL soap %s: %s" % (name, json.dumps(calls)[:600]))
print("soap: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
