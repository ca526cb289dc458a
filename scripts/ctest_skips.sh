#!/usr/bin/env bash
# After ctest (make test-native): the C++ tests that skipped, each with its reason. A skipped
# test is a check that did not run, so under CI=true one fails the run; but for one that could
# not run on this machine because the CPU lacks what it tests (its reason begins "this CPU
# lacks", e.g. an AVX-512 kernel on a CPU without AVX-512), which is listed and passes.
#   ctest_skips.sh BUILD_DIR   (BUILD_DIR holds ctest.log, the run's output, and ctest's log)
set -uo pipefail
build=$1
log=$build/Testing/Temporary/LastTest.log
mapfile -t skipped < <(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$build/ctest.log" | sort -u)
[ ${#skipped[@]} -eq 0 ] && exit 0
failed=0
for name in "${skipped[@]}"; do
  # The line after gtest's "file:line: Skipped" in the test's own output.
  reason=$(awk -v t="$name" '
    /^[0-9]+\/[0-9]+ Test: / { line = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", line); on = (line == t) }
    on && /: Skipped$/ { getline; print; exit }' "$log")
  case $reason in
    "this CPU lacks"*) echo "not run on this CPU: $name ($reason)" ;;
    *) echo "skipped: $name (${reason:-no reason given})"; failed=1 ;;
  esac
done
if [ $failed = 1 ] && [ "${CI:-}" = true ]; then
  echo "test-native: skipped C++ tests fail the run under CI=true" >&2
  exit 1
fi
exit 0
