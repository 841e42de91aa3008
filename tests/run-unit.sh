#!/bin/bash
# run-unit.sh BIN...: run the Check unit-test binaries, print each one's
# Check summary ("100%: Checks: N, Failures: F, Errors: E") and a total
# `N passed, N failed, N skipped` summed over the individual checks. A
# binary that exits non-zero without reporting a failed check (crash,
# sanitizer report, leak) counts as one failure, so nothing can fail
# silently. A check that cannot run on this machine prints
# "SKIP <test>: <reason>" (SBX_SKIP in tests/unit/unit.h): it is shown and
# counted as skipped, not passed.
set -uo pipefail

pass=0 fail=0 skip=0 bad_bins=()
[ $# -gt 0 ] || { echo "run-unit: no unit test binaries given" >&2; exit 2; }
for bin in "$@"; do
	name=$(basename "$bin")
	out=$("$bin" 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+' | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL unit $name: no Check summary (exit status $rc)"
		printf '%s\n' "$out" | sed 's/^/    | /'
		fail=$((fail + 1))
		bad_bins+=("$name")
		continue
	fi
	checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
	fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
	errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
	bad=$((fails + errs))
	skips=$(printf '%s\n' "$out" | grep -c '^SKIP ')
	pass=$((pass + checks - bad - skips))
	skip=$((skip + skips))
	fail=$((fail + bad))
	if [ "$bad" -eq 0 ] && [ "$rc" -ne 0 ]; then
		# All checks passed but the process failed: sanitizer/leak report.
		fail=$((fail + 1))
	fi
	if [ "$bad" -ne 0 ] || [ "$rc" -ne 0 ]; then
		echo "FAIL unit $name: $line (exit status $rc)"
		printf '%s\n' "$out" | grep -v -E '^[0-9]+%: Checks:' | sed 's/^/    | /'
		bad_bins+=("$name")
	else
		echo "PASS unit $name: $line"
		printf '%s\n' "$out" | grep '^SKIP ' | sed "s/^/    $name: /"
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
