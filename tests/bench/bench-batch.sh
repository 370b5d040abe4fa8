#!/bin/sh
# bench-batch.sh BUILD [N] - batch throughput with -j1 and -j2 in the same run, on N
# (default 2000) small traces: 20 variants made by the generator from the pinned
# workload (tests/bench/workload.py; 10 SAZ and 10 HAR of 20 to 58 exchanges), each
# copied N/20 times under its own name. Each -j runs twice; the best wall time counts.
# Prints inputs/s, MB/s and the speed-up of -j2 over -j1 (target: at least 1.8x on 2 cores).
# Never run in CI: timings depend on the machine.
set -e
build=$1 n=${2:-2000}
dir=$build/bench-batch
rm -rf "$dir"
mkdir -p "$dir/variants" "$dir/corpus"
v=0
while [ $v -lt 20 ]; do
    kind=saz; [ $((v % 2)) -eq 1 ] && kind=har
    /usr/bin/python3 tests/bench/workload.py $((20 + v * 2)) "$dir/variants/w$v.json" $kind
    "$build/tests/fbgen" $kind "$dir/variants/w$v.json" "$dir/variants/v$v.$kind"
    v=$((v + 1))
done
per=$((n / 20)) k=0
while [ $k -lt "$per" ]; do
    for f in "$dir"/variants/v*.saz "$dir"/variants/v*.har; do
        b=$(basename "$f"); cp "$f" "$dir/corpus/$(printf '%04d' $k)-$b"
    done
    k=$((k + 1))
done
count=$(find "$dir/corpus" -type f | wc -l)
bytes=$(du -sb "$dir/corpus" | cut -f1)
mb=$(awk "BEGIN{printf \"%.1f\", $bytes / 1048576}")
echo "bench-batch: $count inputs, $mb MB ($(nproc) cores, $(uname -m))"
printf '%-8s %9s %10s %8s %9s\n' jobs seconds inputs/s MB/s speed-up
base=""
for j in 1 2; do
    best=""
    for rep in 1 2; do
        /usr/bin/time -f '%e' -o "$dir/time.txt" "$build/fbdiag" batch -q -j $j "$dir/corpus" \
            >"$dir/records-j$j.ndjson" 2>/dev/null || true
        s=$(cat "$dir/time.txt")
        if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    done
    lines=$(wc -l <"$dir/records-j$j.ndjson")
    [ "$lines" -eq "$count" ] || { echo "bench-batch: -j$j wrote $lines records for $count inputs" >&2; exit 1; }
    [ -z "$base" ] && base=$best
    printf '%-8s %9s %10s %8s %8sx\n' "-j$j" "$best" \
        "$(awk "BEGIN{printf \"%.0f\", $count / $best}")" \
        "$(awk "BEGIN{printf \"%.1f\", $bytes / 1048576 / $best}")" \
        "$(awk "BEGIN{printf \"%.2f\", $base / $best}")"
done
