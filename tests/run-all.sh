#!/bin/bash
# run-all.sh BUILD_DIR: the whole test suite, as `make check` runs it.
#   1. unit tests        BUILD_DIR/tests/test_*      (tests/run-unit.sh)
#   2. integration tests tests/integration/run.sh   (modes root + rootless),
#      then tests/integration/subids-scenarios.sh (other users' subid ranges)
#   2b. reliability      tests/reliability/run.sh   (modes root + rootless,
#      SBX_REL_SCALE, default ci: the bounded size; `make check-stress` runs
#      the full size, see docs/reliability.md)
#   3. VM tests          tests/vm/run.sh (real AppArmor + cgroup v2 kernel
#      under qemu), when qemu and ../shared/vm/vm-run.sh are available;
#      otherwise a SKIP line. With CI=true they are mandatory: a missing
#      harness or qemu is a failure. SBX_VM_TESTS=skip skips them explicitly
#      (used by the sanitizer pass of .ci/run, which already ran them once).
# Prints each stage's summary and a final `N passed, N failed, N skipped`.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=$(cd "$1" && pwd) || exit 2
export SBXRUN="$bdir/sbxrun" HELPERS="$bdir/helpers"
# The VM harness: $VM_RUN, else ../shared/vm/vm-run.sh next to the checkout
# (or next to its parent: a worktree under wt/NAME).
vm_harness=${VM_RUN:-}
if [ -z "$vm_harness" ]; then
	for d in "$(dirname "$top")" "$(dirname "$(dirname "$top")")"; do
		vm_harness=$d/shared/vm/vm-run.sh
		[ -x "$vm_harness" ] && break
	done
fi
export VM_RUN=$vm_harness

tot_pass=0 tot_fail=0 tot_skip=0 stages=()
log=$(mktemp /tmp/sbx-runall.XXXXXX)
trap 'rm -f "$log"' EXIT

# stage NAME CMD...: run CMD, show its output, add its summary line.
stage() {
	local name=$1 rc line p f s
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "=== $name: no summary line (exit status $rc): counted as 1 failure"
		tot_fail=$((tot_fail + 1))
		stages+=("$name: FAILED to run (exit status $rc)")
		return
	fi
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	s=0
	[[ $line =~ ([0-9]+)\ skipped ]] && s=${BASH_REMATCH[1]}
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		echo "=== $name: exit status $rc despite 0 failures: counted as 1 failure"
		f=1
	fi
	tot_pass=$((tot_pass + p)) tot_fail=$((tot_fail + f)) tot_skip=$((tot_skip + s))
	stages+=("$name: $line")
}

mapfile -t units < <(ls "$bdir"/tests/test_* 2>/dev/null | grep -v '\.[a-z]*$')
if [ ${#units[@]} -gt 0 ]; then
	stage unit "$top/tests/run-unit.sh" "${units[@]}"
else
	echo "=== unit: no unit test binaries in $bdir/tests"
	tot_fail=$((tot_fail + 1))
	stages+=("unit: no binaries (build them: make unit)")
fi

stage integration "$top/tests/integration/run.sh"
# root only: the rootless tests with other users' /etc/subuid ranges, in a
# private mount namespace (the machine's /etc is never written)
stage subids "$top/tests/integration/subids-scenarios.sh"
stage reliability "$top/tests/reliability/run.sh"

vm_skip=
if [ "${SBX_VM_TESTS:-}" = skip ]; then
	vm_skip="SBX_VM_TESTS=skip"
elif [ ! -x "$vm_harness" ]; then
	vm_skip="VM harness $vm_harness not found"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	vm_skip="qemu-system-x86_64 not installed"
fi
if [ -z "$vm_skip" ]; then
	stage vm "$top/tests/vm/run.sh"
elif [ "${CI:-}" = true ] && [ "${SBX_VM_TESTS:-}" != skip ]; then
	echo "=== vm: FAIL: $vm_skip (mandatory when CI=true)"
	tot_fail=$((tot_fail + 1))
	stages+=("vm: FAILED: $vm_skip")
else
	echo "=== vm: SKIP: $vm_skip"
	tot_skip=$((tot_skip + 1))
	stages+=("vm: skipped ($vm_skip)")
fi

echo "=== summary"
printf '    %s\n' "${stages[@]}"
echo "$tot_pass passed, $tot_fail failed, $tot_skip skipped"
[ "$tot_fail" = 0 ]
