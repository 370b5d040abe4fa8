#!/bin/sh
# update-cases.sh [CASE...] - rewrites expected.out, expected.rc and expected.err of the
# given end-to-end cases (numbers or names; all when none) from the current binary
# ($BIN, default build/fbdiag), for review with `git diff tests/cases` before committing.
# expected.err is written when the run printed on stderr or the case already had one.
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/fbdiag}
FB_UPDATE=1 exec sh "$root/tests/run-cases.sh" "$bin" "$@"
