#!/bin/sh
# run-fuzz.sh DIR TARGET... - for each libFuzzer target: replay its committed corpus (a
# failure there fails the run: it is a regression), then fuzz briefly with a fixed seed.
#
# What the short exploratory run finds is reported loudly (the stack, and the reproducer
# saved under build/fuzz-findings/ and printed in base64 so it can be taken from a CI log)
# but does not fail the run: pitfalls.md asks that a new random crash on an unrelated
# commit be reported, not left to block landing by chance. A finding becomes a regression
# test by adding the reproducer to tests/fuzz/corpus/TARGET/ with the fix.
# FUZZ_SECONDS sets the run length (default 20); FUZZ_STRICT=1 makes findings fail too.
dir=$1; shift
secs=${FUZZ_SECONDS:-20}
fail=0 found=0
findings=build/fuzz-findings
for t in "$@"; do
    corpus=tests/fuzz/corpus/$t
    scratch=$(mktemp -d)
    echo "fuzz $t: replaying $corpus, then ${secs}s"
    if ! "$dir/fuzz_$t" -runs=0 "$corpus" >"$scratch/replay.log" 2>&1; then
        echo "fuzz: $t FAILED on its committed corpus" >&2; tail -30 "$scratch/replay.log" >&2
        fail=1; rm -rf "$scratch"; continue
    fi
    mkdir -p "$scratch/new"
    if ! "$dir/fuzz_$t" -seed=1 -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
         -artifact_prefix="$scratch/" "$scratch/new" "$corpus" >"$scratch/run.log" 2>&1; then
        found=1
        echo "fuzz: FINDING in $t (reported, not fatal; FUZZ_STRICT=1 makes it fatal):" >&2
        grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ 0x' "$scratch/run.log" | head -25 >&2
        mkdir -p "$findings/$t"
        for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
            [ -f "$a" ] || continue
            cp "$a" "$findings/$t/"
            echo "fuzz: reproducer $findings/$t/$(basename "$a") (base64):" >&2
            base64 -w 0 "$a" | head -c 4000 >&2; echo >&2
        done
    else
        grep -E '^(#[0-9]+|Done)' "$scratch/run.log" | tail -1
    fi
    rm -rf "$scratch"
done
if [ $found -ne 0 ] && [ "${FUZZ_STRICT:-0}" = 1 ]; then fail=1; fi
[ $fail -eq 0 ] && echo "fuzz: $# targets replayed their corpora$([ $found -ne 0 ] && echo '; findings reported above')"
exit $fail
