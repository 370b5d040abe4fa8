#!/bin/sh
# run-replay.sh DIR TARGET... - replays each fuzz target's committed corpus
# (tests/fuzz/corpus/TARGET) through its gcc-built replay driver DIR/replay_TARGET.
dir=$1; shift
fail=0 n=0
for t in "$@"; do
    corpus=tests/fuzz/corpus/$t
    if [ ! -d "$corpus" ] || [ -z "$(ls "$corpus")" ]; then
        echo "replay: $t has no seed corpus in $corpus" >&2; fail=1; continue
    fi
    if out=$("$dir/replay_$t" "$corpus" 2>&1); then
        n=$((n + 1)); echo "replay $t: $out"
    else
        echo "replay: $t FAILED" >&2; echo "$out" | tail -20 >&2; fail=1
    fi
done
[ $fail -eq 0 ] && echo "replay: $n targets passed, 0 failed"
exit $fail
