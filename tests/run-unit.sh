#!/bin/sh
# run-unit.sh BIN MIN - runs the Criterion unit binary and checks its Synthesis line:
# Criterion exits 0 on an unknown option and passes leaking tests, so its exit code alone
# proves little. Fails unless every test passed, none crashed, and at least MIN ran.
bin=$1 min=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" --jobs=2 --short-filename >"$out" 2>&1
rc=$?
grep -v '^\[----\]' "$out" | grep -E 'FAIL|CRASH|Synthesis|Warning|error' | head -60
syn=$(grep 'Synthesis:' "$out" | tail -1)
[ -n "$syn" ] || { echo "run-unit: no Synthesis line from $bin (rc $rc)" >&2; cat "$out" | tail -20; exit 1; }
tested=$(echo "$syn" | sed -n 's/.*Tested: *\([0-9]*\).*/\1/p')
failing=$(echo "$syn" | sed -n 's/.*Failing: *\([0-9]*\).*/\1/p')
crashing=$(echo "$syn" | sed -n 's/.*Crashing: *\([0-9]*\).*/\1/p')
if [ "$rc" -ne 0 ] || [ "${failing:-1}" -ne 0 ] || [ "${crashing:-1}" -ne 0 ]; then
    echo "run-unit: FAILED ($syn, rc $rc)" >&2; exit 1
fi
if [ "${tested:-0}" -lt "$min" ]; then
    echo "run-unit: only $tested tests ran, expected at least $min" >&2; exit 1
fi
echo "unit: $tested passed, 0 failed"
