#!/bin/sh
# check-parallel.sh BIN FBGEN - runs docs/batch.md's GNU parallel recipe on this machine
# and checks its contract: every input has exactly one record, in input order (with
# --keep-order), and nothing but records on stdout.
#
# Remote hosts are simulated by a fake ssh (tmp/fake-ssh HOST -- CMD runs CMD here, as a
# host that shares the filesystem would), so `-S 2/hostA,2/hostB` goes through GNU
# parallel's real remote path (its perl wrapper, --pipe chunks, --keep-order).
# Hadoop Streaming and Spark cannot be installed here (pitfalls.md): only the mapper
# contract they rely on is tested, here and in tests/cases/0602-batch-mapper.
set -e
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
gen=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
command -v parallel >/dev/null || { echo "check-parallel: GNU parallel missing (make deps)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# generated inputs (every scenario, three times), a pcap with no packet and a junk file
mkdir -p "$work/corpus/saz" "$work/corpus/har"
i=0
while [ $i -lt 3 ]; do
    for s in "$root"/tests/gen/scenarios/*.json "$root"/samples/scenarios/*.json; do
        n=$(basename "$s" .json)
        case $n in
        har-*) "$gen" har "$s" "$work/corpus/har/$n-$i.har" ;;
        *) "$gen" saz "$s" "$work/corpus/saz/$n-$i.saz" ;;
        esac
    done
    i=$((i + 1))
done
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' \
    >"$work/corpus/header-only.pcap"
echo "not a trace" >"$work/corpus/notes.txt"

cat >"$work/fake-ssh" <<'SSH'
#!/bin/sh
# fake-ssh [OPTIONS] HOST [--] CMD...: runs CMD here and notes HOST. A real ssh login
# always has HOME and SHELL (from passwd); GNU parallel's remote wrapper runs the job with
# $SHELL and silently does nothing without it, so set them as sshd would (CI may run
# with neither).
export HOME="${HOME:-$(dirname "$0")}" SHELL="${SHELL:-/bin/sh}"
while [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done
echo "$1" >>"$(dirname "$0")/hosts.log"
shift
[ "$1" = "--" ] && shift
exec sh -c "$*"
SSH
chmod +x "$work/fake-ssh"

cd "$work"
find "$work/corpus" -type f | sort >inputs.txt
want=$(wc -l <inputs.txt)

# The documented command (docs/batch.md), with the fake ssh and the binary's full path.
parallel --ssh "$work/fake-ssh" --pipe -N 8 --keep-order -S 2/hostA,2/hostB \
    "$bin" batch --mapper -j 2 <inputs.txt >records.ndjson 2>parallel.err || {
    echo "check-parallel: parallel failed" >&2; cat parallel.err >&2; exit 1; }

fail() { echo "check-parallel: FAIL: $*" >&2; sed -n 1,20p parallel.err >&2; exit 1; }
got=$(wc -l <records.ndjson)
[ "$got" -eq "$want" ] || fail "$got records for $want inputs"
/usr/bin/python3 - inputs.txt records.ndjson <<'PY' || fail "records do not match the inputs"
import json, sys
inputs = [l.rstrip("\n") for l in open(sys.argv[1])]
recs = [json.loads(l) for l in open(sys.argv[2])]
names = [r["input"] for r in recs]
assert names == inputs, "order or set differs"
assert len(set(names)) == len(names), "an input has two records"
errors = {r["input"].rsplit("/", 1)[-1]: r["error"]["code"] for r in recs if r["verdict"] == "error"}
verdicts = {r["input"].rsplit("/", 1)[-1]: r["verdict"] for r in recs}
assert verdicts.get("header-only.pcap") == "no-availability-traffic", verdicts
assert errors.get("notes.txt") == "unreadable", errors
PY
sh "$root/tests/validate-json.sh" --lines "$root/docs/schema/batch-record.schema.json" \
    records.ndjson >/dev/null || fail "records do not match the schema"
hosts=$(sort -u hosts.log | tr '\n' ' ')
[ "$hosts" = "hostA hostB " ] || fail "work did not reach both hosts: $hosts"
echo "check-parallel: ok ($want inputs, one record each, in order, via hostA and hostB)"
