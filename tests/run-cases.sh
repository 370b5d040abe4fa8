#!/bin/sh
# run-cases.sh BIN [CASE...] - runs the end-to-end cases in tests/cases/NNNN-slug/ with
# the fbdiag binary BIN (all of them, or the CASE names/numbers given).
#
# A case directory holds:
#   cmd           one line: the subcommand and its arguments (shell quoting allowed); file
#                 names are relative to the case directory, samples as ../../../samples/x
#   expected.out  standard output, compared exactly
#   expected.rc   the exit code
#   expected.err  standard error, compared exactly (optional: not compared when absent)
#   schema        (optional) NAME: JSON output is validated against docs/schema/NAME.schema.json
#   gen           (optional) lines "saz|har SCENARIO.json OUT": traces made by the
#                 generator ($FBGEN, else BIN's folder/tests/fbgen) before cmd runs
#   stdin         (optional) fed to standard input (else /dev/null)
#   filter        (optional) a sed script applied to stdout and stderr (after the
#                 signature-database hash is masked in every case) before they are
#                 compared or updated (timings, throughput: what differs run to run)
#   any other file: inputs (traces, key logs, logs)
# Each case runs in a temporary copy of its directory (tmp/tests/cases/NAME, with
# tmp/samples and tmp/tests/samples linked to the real samples/, so ../../samples/x works), with SSLKEYLOGFILE and FBDIAG_PASSWORD
# unset, NO_COLOR=1 and LC_ALL=C. ASAN_OPTIONS makes a leak exit 23, so under an ASan
# build a leak fails the case.
#
# With FB_UPDATE=1 (tests/update-cases.sh) the expected files are rewritten instead.
# Prints "ok NAME" or "FAIL NAME: why" (+ a diff) per case, then "cases: N passed, M failed";
# exits 1 on any failure or when no case ran.

if [ $# -lt 1 ]; then
    echo "usage: run-cases.sh BIN [CASE...]" >&2
    exit 2
fi
bin=$1
shift
case $bin in
/*) ;;
*) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;;
esac
[ -x "$bin" ] || { echo "run-cases: $bin is not executable" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
fbgen=${FBGEN:-$(dirname "$bin")/tests/fbgen}
validate=$root/tests/validate-json.sh

asan=0
if nm "$bin" 2>/dev/null | grep -q '__asan_init'; then asan=1; fi
ASAN_OPTIONS=detect_leaks=1:exitcode=23
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/tests/cases"
[ -d "$root/samples" ] && ln -s "$root/samples" "$work/samples" && ln -s "$root/samples" "$work/tests/samples"
[ -d "$root/docs" ] && ln -s "$root/docs" "$work/docs"
ln -s "$root/tests/gen" "$work/tests/gen"

passed=0 failed=0

# Selected case directories, sorted.
list_cases() {
    if [ $# -eq 0 ]; then
        for d in "$root"/tests/cases/[0-9][0-9][0-9][0-9]-*/; do
            [ -d "$d" ] && basename "$d"
        done
        return
    fi
    for c in "$@"; do
        for d in "$root"/tests/cases/"$c" "$root"/tests/cases/"$c"-*/; do
            [ -d "$d" ] && basename "$d"
        done
    done | sort -u
}

fail() {
    echo "FAIL $name: $1"
    failed=$((failed + 1))
}

# show_diff EXPECTED ACTUAL: a unified diff, indented, at most 40 lines.
show_diff() {
    diff -u "$1" "$2" | sed -n '3,42s/^/    /p'
}

run_case() {
    name=$1
    src=$root/tests/cases/$name
    dir=$work/tests/cases/$name
    rm -rf "$dir"
    cp -R "$src" "$dir"
    if [ ! -f "$dir/cmd" ]; then fail "no cmd file"; return; fi
    if [ -z "$FB_UPDATE" ] && { [ ! -f "$dir/expected.out" ] || [ ! -f "$dir/expected.rc" ]; }; then
        fail "expected.out or expected.rc missing"; return
    fi
    if [ -f "$dir/gen" ]; then
        if [ ! -x "$fbgen" ]; then fail "gen file but no generator at $fbgen"; return; fi
        while read -r kind scen out; do
            case $kind in '' | '#'*) continue ;; esac
            if ! (cd "$dir" && "$fbgen" "$kind" "$scen" "$out") >"$work/gen.err" 2>&1; then
                fail "gen '$kind $scen $out' failed"; sed 's/^/    /' "$work/gen.err"; return
            fi
        done <"$dir/gen"
    fi
    : >"$work/before"
    (cd "$dir" && find . -type f | sort) >"$work/before"
    cmd=$(head -n 1 "$dir/cmd")
    in=/dev/null
    [ -f "$dir/stdin" ] && in=$dir/stdin
    (
        cd "$dir" || exit 99
        eval "set -- $cmd"
        exec env -u SSLKEYLOGFILE -u FBDIAG_PASSWORD NO_COLOR=1 LC_ALL=C "$bin" "$@"
    ) <"$in" >"$work/out" 2>"$work/err"
    rc=$?
    # Every case: the signature database's hash ("sha256:<64 hex>"; input hashes are
    # printed without the prefix) changes with any rule edit, so it is masked; the unit
    # tests check it (test_sig.c). A case's own filter applies after.
    mask='s/sha256:[0-9a-f]\{64\}/sha256:<signatures>/g'
    sed "$mask" "$work/out" >"$work/out.m" && sed "$mask" "$work/err" >"$work/err.m"
    if [ -f "$dir/filter" ]; then
        sed -f "$dir/filter" "$work/out.m" >"$work/out.f" && sed -f "$dir/filter" "$work/err.m" >"$work/err.f" || {
            fail "filter failed"; return; }
    else
        cp "$work/out.m" "$work/out.f" && cp "$work/err.m" "$work/err.f"
    fi

    if [ -n "$FB_UPDATE" ]; then
        cp "$work/out.f" "$src/expected.out"
        echo "$rc" >"$src/expected.rc"
        if [ -s "$work/err" ] || [ -f "$src/expected.err" ]; then cp "$work/err.f" "$src/expected.err"; fi
        echo "updated $name (rc $rc)"
        passed=$((passed + 1))
        return
    fi

    want_rc=$(tr -d ' \n' <"$dir/expected.rc")
    if [ "$asan" = 1 ] && [ "$rc" = 23 ] && [ "$want_rc" != 23 ]; then
        fail "sanitizer or leak report (exit 23)"; sed -n '1,40s/^/    /p' "$work/err"; return
    fi
    if [ "$rc" != "$want_rc" ]; then
        fail "exit code $rc, expected $want_rc"; sed -n '1,20s/^/    /p' "$work/err"; return
    fi
    if ! cmp -s "$dir/expected.out" "$work/out.f"; then
        fail "stdout differs"; show_diff "$dir/expected.out" "$work/out.f"; return
    fi
    if [ -f "$dir/expected.err" ] && ! cmp -s "$dir/expected.err" "$work/err.f"; then
        fail "stderr differs"; show_diff "$dir/expected.err" "$work/err.f"; return
    fi

    # JSON outputs: stdout of a --format json/ndjson run, and *.json/*.ndjson files the
    # run created in the case directory.
    fmt=
    case " $cmd " in
    *" --format json "* | *" --format=json "*) fmt=json ;;
    *" --format ndjson "* | *" --format=ndjson "*) fmt=ndjson ;;
    " batch "*) case " $cmd " in *" --format"*) ;; *) fmt=ndjson ;; esac ;;
    esac
    (cd "$dir" && find . -type f | sort) >"$work/after"
    created=$(comm -13 "$work/before" "$work/after" | grep -E '\.(nd)?json$')
    if [ -n "$fmt" ] && [ -s "$work/out" ] || [ -n "$created" ]; then
        if [ ! -f "$dir/schema" ]; then fail "JSON output but no schema file"; return; fi
        schema=$root/docs/schema/$(tr -d ' \n' <"$dir/schema").schema.json
        if [ -n "$fmt" ] && [ -s "$work/out" ]; then
            lines=; [ "$fmt" = ndjson ] && lines=--lines
            if ! sh "$validate" $lines "$schema" "$work/out" >"$work/v.err" 2>&1; then
                fail "stdout does not match $(basename "$schema")"; sed 's/^/    /' "$work/v.err"; return
            fi
        fi
        for f in $created; do
            lines=; case $f in *.ndjson) lines=--lines ;; esac
            if ! sh "$validate" $lines "$schema" "$dir/$f" >"$work/v.err" 2>&1; then
                fail "$f does not match $(basename "$schema")"; sed 's/^/    /' "$work/v.err"; return
            fi
        done
    fi
    echo "ok $name"
    passed=$((passed + 1))
}

for name in $(list_cases "$@"); do
    run_case "$name"
done

echo "cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
