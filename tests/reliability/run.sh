#!/bin/bash
# Reliability suite: tests/reliability/*.test.sh through the integration
# runner (tests/integration/run.sh: each test_* function in a fresh
# subshell with its own TEST_TMP and --root, modes root and rootless, the
# same PASS/FAIL lines and `N passed, N failed, N skipped` summary), with
# every test's REPORT lines (the measured figures) printed.
#
#   SBXRUN=/abs/sbxrun HELPERS=/abs/helpers tests/reliability/run.sh [FILE...]
#   SBX_REL_SCALE=quick|ci|full   size (default ci; see docs/reliability.md)
#   TESTS=regex, MODES="root rootless" as for the integration runner
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SBX_REL_SCALE=${SBX_REL_SCALE:-ci}
case $SBX_REL_SCALE in
quick | ci) : "${TEST_TIMEOUT:=600}" ;;
full) : "${TEST_TIMEOUT:=3600}" ;;
*) echo "reliability: SBX_REL_SCALE must be quick, ci or full" >&2; exit 2 ;;
esac
export TEST_TIMEOUT
echo "reliability suite, scale $SBX_REL_SCALE"
if [ $# -eq 0 ]; then set -- "$here"/*.test.sh; fi
# VERBOSE: passing tests' output is their REPORT lines; show them.
VERBOSE=1 "$here/../integration/run.sh" "$@" | grep -v '^    $'
exit "${PIPESTATUS[0]}"
