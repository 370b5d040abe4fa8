#!/bin/sh
# run-fuzz.sh DIR TARGET... - for each libFuzzer target: replay its committed corpus,
# then fuzz briefly with a fixed seed (deterministic in CI). New inputs go to a scratch
# folder, never into the committed corpus. FUZZ_SECONDS sets the run length (default 20).
dir=$1; shift
secs=${FUZZ_SECONDS:-20}
fail=0
for t in "$@"; do
    corpus=tests/fuzz/corpus/$t
    scratch=$(mktemp -d)
    echo "fuzz $t: replaying $corpus, then ${secs}s"
    if ! "$dir/fuzz_$t" -runs=0 "$corpus" >"$scratch/replay.log" 2>&1; then
        echo "fuzz: $t failed on its committed corpus" >&2; tail -30 "$scratch/replay.log" >&2
        fail=1; rm -rf "$scratch"; continue
    fi
    if ! "$dir/fuzz_$t" -seed=1 -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
         -artifact_prefix="$scratch/" "$scratch" "$corpus" >"$scratch/run.log" 2>&1; then
        echo "fuzz: $t found a problem:" >&2; tail -40 "$scratch/run.log" >&2
        ls "$scratch" >&2; fail=1
    else
        grep -E '^(#[0-9]+|Done)' "$scratch/run.log" | tail -1
    fi
    rm -rf "$scratch"
done
exit $fail
