#!/bin/sh
# bench.sh KIND N BUILD - throughput and peak memory of fbdiag on the pinned workload
# (tests/bench/workload.py; docs/performance.md) written as a KIND (saz|har) trace of N
# exchanges. Each command runs 3 times; the best wall time and the largest peak RSS are
# reported, with MB/s of input. For HAR the floor is a bare json_loadb of the same file
# (the reader cannot be faster than parsing the document), reported as a ratio.
# Never run in CI: timings depend on the machine.
set -e
kind=$1 n=$2 build=$3
dir=$build/bench
mkdir -p "$dir"
/usr/bin/python3 tests/bench/workload.py "$n" "$dir/workload-$kind.json" "$kind"
"$build/tests/fbgen" "$kind" "$dir/workload-$kind.json" "$dir/workload.$kind"
trace=$dir/workload.$kind
bytes=$(stat -c %s "$trace")
mb=$(echo "$bytes" | awk '{printf "%.1f", $1 / 1048576}')
echo "bench-$kind: $trace, $n exchanges, $mb MB ($(nproc) cores, $(uname -m))"
printf '%-44s %8s %9s %10s %8s\n' command seconds MB/s "peak MB" ratio
floor=""
run() { # LABEL CMD...
    label=$1; shift
    best="" peak=0
    for i in 1 2 3; do
        /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/err.txt" || true
        read -r secs kb <<EOF
$(tail -n 1 "$dir/time.txt")
EOF
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    rate=$(awk "BEGIN{ if ($best > 0) printf \"%.1f\", $bytes / 1048576 / $best; else print \"inf\" }")
    ratio=-
    if [ -n "$floor" ]; then ratio=$(awk "BEGIN{ if ($floor > 0) printf \"%.2fx\", $best / $floor; else print \"-\" }"); fi
    printf '%-44s %8s %9s %10s %8s\n' "$label" "$best" "$rate" "$(awk "BEGIN{printf \"%.1f\", $peak/1024}")" "$ratio"
}
if [ "$kind" = har ]; then
    run "json_loadb (floor)" "$build/tests/json_load" "$trace"
    floor=$best
fi
run "fbdiag exchanges --format json" "$build/fbdiag" exchanges --format json "$trace"
run "fbdiag exchanges (text)" "$build/fbdiag" exchanges "$trace"
if "$build/fbdiag" diagnose --format json "$trace" >/dev/null 2>&1 || [ $? -le 1 ]; then
    run "fbdiag diagnose --format json" "$build/fbdiag" diagnose --format json "$trace"
fi
