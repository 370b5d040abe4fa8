#!/bin/sh
# check-corpus.sh BIN CORPUS - runs fbdiag against the real third-party traces in
# ../shared/corpus (never copied into the project) and compares with the ground truth in
# its MANIFEST.md: every SAZ and HAR gives its MANIFEST count of exchanges, and the
# negative files exit 3 with a message naming the file. Skipped cleanly without CORPUS.
bin=$1 corpus=$2
if [ ! -f "$corpus/MANIFEST.md" ]; then
    echo "check-corpus: $corpus not present, skipped"; exit 0
fi
manifest=$corpus/MANIFEST.md
count() { # FILE -> number of exchanges fbdiag lists (connection records aside)
    "$bin" exchanges --format json "$1" 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if "connection" not in e["flags"]))' 2>/dev/null
}
tls_conns() { # FILE -> connection records of TLS not decrypted
    "$bin" exchanges --format json "$1" 2>/dev/null |
        /usr/bin/python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if "connection" in e["flags"] and e["capture"]["tls"] and not e["capture"]["tls"]["decrypted"]))' 2>/dev/null
}
pass=0 fail=0
check_count() { # FILE EXPECTED
    got=$(count "$1")
    if [ "$got" = "$2" ]; then pass=$((pass + 1)); echo "ok   $(basename "$1"): $got exchanges"
    else fail=$((fail + 1)); echo "FAIL $(basename "$1"): $got exchanges, MANIFEST says $2"; fi
}
check_negative() { # FILE
    err=$("$bin" exchanges "$1" 2>&1 >/dev/null); rc=$?
    if [ $rc -eq 3 ] && echo "$err" | grep -qF "$1"; then
        pass=$((pass + 1)); echo "ok   $(basename "$1"): exit 3: $err"
    else fail=$((fail + 1)); echo "FAIL $(basename "$1"): exit $rc, message: $err"; fi
}
# HAR table rows: | file | upstream path | size | creator | entries | exercises |
for row in $(awk -F'|' '/^\| mitmproxy_/ { gsub(/ /, "", $2); gsub(/ /, "", $6); print $2 ":" $6 }' "$manifest"); do
    f=${row%%:*} n=${row#*:}
    case "$n" in
    [0-9]*) check_count "$corpus/har/$f" "$n" ;;
    \?) # no count in the MANIFEST (a zlib-wrapped HAR): count its entries independently
        n=$(/usr/bin/python3 -c 'import json,sys,zlib; print(len(json.loads(zlib.decompress(open(sys.argv[1],"rb").read()))["log"]["entries"]))' "$corpus/har/$f" 2>/dev/null)
        if [ -n "$n" ]; then check_count "$corpus/har/$f" "$n"; else check_negative "$corpus/har/$f"; fi ;;
    *) check_negative "$corpus/har/$f" ;;
    esac
done
# SAZ table rows: | file | repo | path | commit | license | size | sessions | exercises |
for row in $(awk -F'|' '/^\| [A-Za-z0-9_-]*\.saz / { gsub(/ /, "", $2); gsub(/ /, "", $8); print $2 ":" $8 }' "$manifest"); do
    f=${row%%:*} n=${row#*:}
    if [ "$n" = 0 ]; then check_negative "$corpus/saz/$f"; else check_count "$corpus/saz/$f" "$n"; fi
done
# Captures. Plaintext ones give tshark's request count (h1_req + h2_req); TLS ones (a
# key file, a DSB, or a TLS version in the MANIFEST) say their traffic is encrypted:
# connection records of undecrypted TLS and the tls-not-decrypted advice, until the TLS
# issue decrypts them.
seen=" "
check_capture() { # FILE KEY N: each capture once (the MANIFEST lists some in two tables)
    case "$seen" in *" $1 "*) return ;; esac
    seen="$seen$1 "
    if [ "$2" = - ]; then check_count "$1" "$3"; else check_tls "$1"; fi
}
check_tls() { # FILE
    n=$(tls_conns "$1"); err=$("$bin" exchanges "$1" 2>&1 >/dev/null)
    if [ -n "$n" ] && [ "$n" -gt 0 ] && echo "$err" | grep -q "could not be decrypted"; then
        pass=$((pass + 1)); echo "ok   $(basename "$1"): $n TLS connections reported not decrypted"
    else fail=$((fail + 1)); echo "FAIL $(basename "$1"): ${n:-?} undecrypted TLS connections, stderr: $err"; fi
}
# first table: | file | key file | h1_req | h1_rsp | h2_req | h2_rsp |
for row in $(awk -F'|' '/^\| [A-Za-z0-9_.-]*\.pcap(ng)? \| [^|]* \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \|$/ { for (i = 2; i <= 6; i++) gsub(/ /, "", $i); print $2 ":" $3 ":" $4 + $6 }' "$manifest"); do
    f=${row%%:*} rest=${row#*:} key=${rest%%:*} n=${rest#*:}
    case "$f" in *dsb*) key=dsb ;; esac
    check_capture "$corpus/pcap/$f" "$key" "$n"
done
# second table: | file | repo | path | commit | license | size | exercises | keys | PACKETS | HTTP_REQ | HTTP_RSP | H2_T1 | H2_HDRS | H2_METH | H2_STAT | OOO | RETRANS | TLS |
for row in $(awk -F'|' 'NF >= 19 && /^\| [A-Za-z0-9_.-]*\.pcap(ng)? / { gsub(/ /, "", $2); gsub(/ /, "", $9); gsub(/ /, "", $11); gsub(/ /, "", $15); gsub(/ /, "", $19); print $2 ":" $9 ":" $19 ":" $11 + $15 }' "$manifest"); do
    f=${row%%:*} rest=${row#*:} key=${rest%%:*} rest=${rest#*:} tls=${rest%%:*} n=${rest#*:}
    [ "$tls" = - ] || key=tls
    check_capture "$corpus/pcap/$f" "$key" "$n"
done
# SOAP payloads: each parses to its expected fields (tests/check-corpus-soap.py)
fbgen=${FBGEN:-$(dirname "$bin")/tests/fbgen}
if /usr/bin/python3 tests/check-corpus-soap.py "$bin" "$fbgen" "$corpus/soap"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
fi
echo "check-corpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
