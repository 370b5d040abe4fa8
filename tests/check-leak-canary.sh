#!/bin/sh
# check-leak-canary.sh BIN - the canary leaks on purpose; under ASan (LeakSanitizer) it
# must fail. If it passes, the leak checking of the test harness is not working.
bin=$1
if ASAN_OPTIONS=detect_leaks=1:exitcode=23 "$bin" >/dev/null 2>&1; then
    case "$bin" in
    */asan/*) echo "check-leaks: the leaking canary PASSED under ASan: leak checking is broken" >&2
              exit 1 ;;
    esac
    # A plain build has no leak checker: prove it with valgrind instead.
    if command -v valgrind >/dev/null 2>&1; then
        if valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=23 \
            "$bin" >/dev/null 2>&1; then
            echo "check-leaks: valgrind did not catch the canary's leak" >&2; exit 1
        fi
        echo "check-leaks: canary caught by valgrind (as it must be)"; exit 0
    fi
    echo "check-leaks: no leak checker in a plain build (use make asan)"; exit 0
fi
echo "check-leaks: canary caught by LeakSanitizer (as it must be)"
