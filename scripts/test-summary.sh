#!/usr/bin/env bash
# Repeats, at the end of a failed `swift test` log, what a reader needs first: the issues
# recorded, the tests that failed, and the tests that started but never finished (a hang,
# when the run was stopped by its time limit). CI shows only the last lines of its log, and
# the 384 tests' own lines would push these out of it.
# Usage: bash scripts/test-summary.sh LOG
set -euo pipefail
log="${1:?usage: test-summary.sh LOG}"

echo "== Test summary (from $log)"
echo "-- issues recorded:"
grep -a "recorded an issue" "$log" | head -40 || echo "(none)"
echo "-- tests failed:"
grep -a "^✘ Test .* failed after" "$log" | head -40 || echo "(none)"
echo "-- tests started and not finished:"
# Swift Testing prints `◇ Test "name" started.` and later `✔`/`✘`/`↷` lines naming the
# same test; what started and has no such line was still running when the run ended.
awk '
    /^◇ Test (case passing |run started)/ { next }  # a case has no end line of its own; its test has
    /^◇ Test .* started\.$/ { name = $0; sub(/^◇ Test /, "", name); sub(/ started\.$/, "", name); open[name] = 1; next }
    /^(✔|✘|↷) Test .* (passed|failed|skipped)/ && !/recorded an issue/ {
        name = $0; sub(/^(✔|✘|↷) Test /, "", name)
        sub(/ (passed|failed|skipped).*$/, "", name)
        sub(/ with [0-9]+ (test cases|arguments?)$/, "", name)
        delete open[name]
    }
    END { n = 0; for (name in open) { print "   " name; n++ } if (n == 0) print "(none)" }
' "$log"
